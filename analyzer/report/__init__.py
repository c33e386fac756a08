"""Report output: CSVs, HTML from templates, PDF; written atomically inside ``--out``."""
