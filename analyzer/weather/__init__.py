"""Weather for runs and plans, in the shape of pvlib's ``iotools``.

- :mod:`~analyzer.weather.client`: the protected HTTP request (deadlines, size cap, redirects and
  schemes checked), shared by the archive and the forecast;
- :mod:`~analyzer.weather.open_meteo`: ``get_open_meteo_hourly`` → ``(data, metadata)`` over the
  pure ``parse_open_meteo``;
- :mod:`~analyzer.weather.cache`: the archive's on-disk cache and its lock (``ArchiveCache``);
- :mod:`~analyzer.weather.archive`: the archive for a report (cache, budget, manners);
- :mod:`~analyzer.weather.runs`: archive weather per run, and why not as data (``Reason``);
- :mod:`~analyzer.weather.air`: the air along a run from every source, with its provenance;
- :mod:`~analyzer.weather.forecast`: the forecast for a planned run.
"""
