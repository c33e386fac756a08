"""Archive weather per run: which runs the archive is asked for, and why the others have none.

:func:`archive_for_runs` groups the runs that ``weather.csv`` does not cover by grid cell, so one
lookup (one request at most, for the days not cached) serves every run in a cell, and gives for
every other run the reason as data (:class:`~analyzer.weather.archive.Unavailable`): switched off,
no position, dated after today, offline and not cached, refused by the service, an implausible
answer, not published yet. The athlete loader words them
(:func:`analyzer.io.weather_words.unavailable_text`).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from analyzer.model import (
    ArchiveWeather,
    run_position,  # noqa: F401 (the run's first plausible position; re-exported)
)
from analyzer.weather.archive import Archive, Unavailable, utc_today
from analyzer.weather.open_meteo import Cell, distance_km
from analyzer.weather.reasons import Reason

MARGIN = pd.Timedelta(hours=2)
"""Archive hours taken on each side of a run (its interpolation reaches one hour beyond)."""


@dataclass
class RunsWeather:
    """What the archive gave for an athlete's runs.

    Attributes
    ----------
    weather : dict
        Run (leg) name → :class:`~analyzer.model.ArchiveWeather`.
    unavailable : dict
        Run name → :class:`~analyzer.weather.archive.Unavailable`, for the runs ``weather.csv``
        does not cover and the archive gave nothing for, in the order they were decided.
    """

    weather: dict[str, ArchiveWeather] = field(default_factory=dict)
    unavailable: dict[str, Unavailable] = field(default_factory=dict)


def archive_for_runs(legs: list, weather_csv: pd.DataFrame, archive: Archive | None,
                     mode: str | None = None) -> RunsWeather:
    """Archive weather for every leg that ``weather.csv`` does not cover, and why not for the others.

    Days after today (UTC) are left out here, once (the archive has nothing for them): a run
    entirely after today is :attr:`~analyzer.weather.reasons.Reason.FUTURE_DATE`. ``mode``
    narrows the archive's own mode (an athlete's ``weather = "off"``).
    """
    out = RunsWeather()
    wanted: dict[Cell, list[tuple]] = {}
    today = utc_today()
    hours = weather_csv.index  # read_weather gives them sorted; any other frame is sorted here once
    if not hours.is_monotonic_increasing or hours.hasnans:
        hours = hours.dropna().sort_values()
    for leg in legs:
        span = leg.record_span()  # a run kept from an earlier report answers without reading its file
        if span is None:
            continue
        start, end = span
        # the first hour from an hour before the run on: weather.csv has the run when it is an hour after at most
        first = hours.searchsorted(start - pd.Timedelta(hours=1), side="left")
        if first < len(hours) and hours[first] <= end + pd.Timedelta(hours=1):
            continue
        mode = mode or (archive.mode if archive is not None else "off")
        if archive is None or mode == "off":
            out.unavailable[leg.source] = Unavailable(Reason.SWITCHED_OFF)
            continue
        position = leg.first_position()  # a kept run answers from its summary
        if position is None:
            out.unavailable[leg.source] = Unavailable(Reason.NO_POSITION)
            continue
        first = (start - MARGIN).date()
        last = min((end + MARGIN).date(), today)  # the archive refuses later days
        if first > last:
            out.unavailable[leg.source] = Unavailable(Reason.FUTURE_DATE, today=today)
            archive.gaps += 1  # its day will come: such a report is not kept in the report cache
            continue
        days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        wanted.setdefault(archive.api.cell(*position), []).append((leg.source, *position, start, end, days))
    for cell, runs in wanted.items():
        all_days = sorted({d for *_, days in runs for d in days})
        frame, where, why = archive.hours(cell, all_days, mode)
        for name, lat, lon, start, end, _days in runs:
            part = frame[(frame.index >= start - MARGIN) & (frame.index <= end + MARGIN)] if frame is not None else None
            if part is None or part.empty or part["temperature_c"].isna().all():
                out.unavailable[name] = why or Unavailable(Reason.NO_DATA)
                continue
            grid_lat, grid_lon = where.get("lat", cell.lat), where.get("lon", cell.lon)
            if not (np.isfinite(grid_lat) and np.isfinite(grid_lon)):
                grid_lat, grid_lon = cell.lat, cell.lon
            out.weather[name] = ArchiveWeather(part, archive.provider, cell.label,
                                               distance_km(lat, lon, grid_lat, grid_lon), lat, lon,
                                               getattr(archive.api, "model", ""),
                                               getattr(archive.api, "attribution", ""))
    return out
