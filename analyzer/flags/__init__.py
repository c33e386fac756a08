"""Pattern flags: thresholds with their sources, one function per rule."""
