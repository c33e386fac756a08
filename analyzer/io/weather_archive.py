"""Moved to the :mod:`analyzer.weather` package; this old path re-exports its names.

The archive for a report is :mod:`analyzer.weather.archive`, the HTTP side
:mod:`analyzer.weather.client`, the answer's checks :mod:`analyzer.weather.open_meteo`, the cache
:mod:`analyzer.weather.cache`, the lookup per run :mod:`analyzer.weather.runs`. Settings are read
(and patched, in tests) on those modules.
"""

from __future__ import annotations

import pandas as pd

from analyzer.errors import ArchiveError
from analyzer.weather.archive import (
    _FAILURES,
    DEFAULT_PROVIDER,
    PROVIDERS,
    WEATHER_BUDGET_S,
    WEATHER_MODES,
    Archive,
    Unavailable,
    utc_today,
)
from analyzer.weather.cache import ArchiveCache
from analyzer.weather.client import (
    _REACHABLE,
    MAX_ANSWER_BYTES,
    MAX_REDIRECTS,
    PROBE_TIMEOUT_S,
    REQUEST_DEADLINE_S,
    RETRY_ATTEMPTS,
    RETRY_WAIT_S,
    TIMEOUT_S,
    URL_ENV,
    check_url,
    configured_url,
    in_words,
    protected_get,
    reachable,
)
from analyzer.weather.open_meteo import (
    ATTRIBUTION,
    ATTRIBUTION_URL,
    BOUNDS,
    COLUMNS,
    HOURLY,
    MAX_DAYS_PER_REQUEST,
    MAX_GRID_OFFSET_KM,
    MODEL,
    MODEL_LABEL,
    NAMES,
    UNITS,
    Cell,
    OpenMeteoArchive,
    distance_km,
    get_open_meteo_hourly,
    parse_open_meteo,
)
from analyzer.weather.runs import archive_for_runs

__all__ = [
    "ATTRIBUTION", "ATTRIBUTION_URL", "BOUNDS", "COLUMNS", "DEFAULT_PROVIDER", "HOURLY", "MAX_ANSWER_BYTES",
    "MAX_DAYS_PER_REQUEST", "MAX_GRID_OFFSET_KM", "MAX_REDIRECTS", "MODEL", "MODEL_LABEL", "NAMES", "PROBE_TIMEOUT_S",
    "PROVIDERS", "REQUEST_DEADLINE_S", "RETRY_ATTEMPTS", "RETRY_WAIT_S", "TIMEOUT_S", "UNITS", "URL_ENV",
    "WEATHER_BUDGET_S", "WEATHER_MODES", "_FAILURES", "_REACHABLE", "Archive", "ArchiveCache", "ArchiveError", "Cell",
    "OpenMeteoArchive", "Unavailable", "check_url", "configured_url", "distance_km", "get_open_meteo_hourly",
    "in_words", "lookup", "parse_open_meteo", "protected_get", "reachable", "utc_today",
]


def lookup(legs: list, weather_csv: pd.DataFrame, archive: Archive | None, folder: str = "",
           athlete_id: str = "", mode: str | None = None) -> tuple[dict, dict[str, str], list]:
    """The old three-part answer (weather, notes, problems): :func:`analyzer.weather.runs.archive_for_runs`
    worded by :func:`analyzer.io.weather_words.weather_notes`."""
    from analyzer.io.weather_words import weather_notes

    found = archive_for_runs(legs, weather_csv, archive, mode)
    notes, problems = weather_notes(found.unavailable, folder, athlete_id)
    return found.weather, notes, problems
