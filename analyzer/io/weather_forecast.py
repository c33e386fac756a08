"""Hourly weather forecast for a planned run (``analyzer plan --forecast auto``).

What leaves the machine, and to whom
------------------------------------
One HTTPS GET to the provider's forecast service (by default the Open-Meteo forecast API,
``https://api.open-meteo.com/v1/forecast``), carrying only: the planned start's latitude and
longitude **rounded to the same 0.1° grid cell as the weather archive (about 11 km)**, the first
and last date (the planned day and the day after, in UTC), the names of the hourly variables and
the units and time zone wanted (``wind_speed_unit=ms``, ``timezone=GMT``,
``timeformat=unixtime``). No athlete name, no history, no time of day, no file. Nothing is sent
with ``--forecast off`` or a forecast file.

The answer is in the same documented JSON format as the archive's (``hourly.time`` in Unix
seconds and one list per variable; radiation is the mean of the preceding hour), so it is read
by the archive's own parser (:meth:`analyzer.io.weather_archive.OpenMeteoArchive.parse`). A
forecast is not cached: it changes by the hour.

Settings
--------
The service's address can be replaced (a mirror, or a test server): the environment variable
``CRAMP_FORECAST_URL``, else ``forecast_url`` in the ``[weather]`` table of
``$XDG_CONFIG_HOME/cramp-analyzer/config.toml`` (the table that holds the archive's ``url``).

References
----------
Open-Meteo, "Weather Forecast API", https://open-meteo.com/en/docs (hourly variables; forecasts
up to 16 days ahead, and up to 92 days back).
"""

from __future__ import annotations

import datetime as dt
import os
import tomllib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd

from analyzer.io.weather_archive import HOURLY, TIMEOUT_S, ArchiveError, Cell, OpenMeteoArchive, reachable

FORECAST_URL_ENV = "CRAMP_FORECAST_URL"

FORECAST_DAYS_AHEAD = 16
"""The furthest day ahead the forecast service gives (Open-Meteo: 16 days)."""

FORECAST_DAYS_BACK = 92
"""The furthest day back the forecast service gives (Open-Meteo: 92 days)."""


class OpenMeteoForecast(OpenMeteoArchive):
    """The Open-Meteo forecast API: the archive's grid, query style and answer format, another address."""

    name = "open-meteo-forecast"
    default_url = "https://api.open-meteo.com/v1/forecast"

    def params(self, cell: Cell, first: dt.date, last: dt.date) -> dict[str, str]:
        """The whole query: a rounded position, two dates, variable names and units. Nothing else."""
        return {
            "latitude": f"{cell.lat:.1f}", "longitude": f"{cell.lon:.1f}",
            "start_date": first.isoformat(), "end_date": last.isoformat(),
            "hourly": ",".join(HOURLY), "wind_speed_unit": "ms", "timezone": "GMT", "timeformat": "unixtime",
        }


def configured_forecast_url() -> str | None:
    """The forecast address from ``CRAMP_FORECAST_URL``, else ``forecast_url`` in the user's config
    file, else ``None`` (the provider's own address)."""
    if os.environ.get(FORECAST_URL_ENV):
        return os.environ[FORECAST_URL_ENV]
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    path = Path(base) / "cramp-analyzer" / "config.toml"
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("weather", {})
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    url = table.get("forecast_url") if isinstance(table, dict) else None
    return url if isinstance(url, str) and url else None


@dataclass
class Forecast:
    """What the forecast service gave.

    Attributes
    ----------
    hours : DataFrame or None
        UTC-indexed hourly ``temperature_c``, ``relative_humidity_pct``, ``dew_point_c``,
        ``wind_10m_mps``, ``shortwave_w_m2``, ``direct_w_m2``, ``pressure_hpa``; ``None`` when
        there is no forecast.
    source : str
        ``forecast:<provider> (<cell>)``, or ``""``.
    why_not : str
        Why there is no forecast (offline, too far ahead, the service's error), or ``""``.
    """

    hours: pd.DataFrame | None
    source: str = ""
    why_not: str = ""


def fetch_forecast(lat: float, lon: float, day: dt.date, url: str | None = None,
                   today: dt.date | None = None) -> Forecast:
    """Hourly forecast for the grid cell of ``(lat, lon)`` over ``day`` and the day after (UTC).

    Never raises for a network or service problem: the :class:`Forecast` then says why.

    Parameters
    ----------
    lat, lon : float
        Degrees; only the 0.1° cell is sent.
    day : date
        The planned run's local date.
    url : str, optional
        Replaces the address (default :func:`configured_forecast_url`, else Open-Meteo's).
    today : date, optional
        Today's date (UTC) for the range check; default the clock's.
    """
    api = OpenMeteoForecast(url or configured_forecast_url())
    today = today or dt.datetime.now(dt.UTC).date()
    if (day - today).days > FORECAST_DAYS_AHEAD:
        return Forecast(None, why_not=f"the forecast reaches only {FORECAST_DAYS_AHEAD} days ahead "
                                      f"({day.isoformat()} is {(day - today).days} days away)")
    if (today - day).days > FORECAST_DAYS_BACK:
        return Forecast(None, why_not=f"the forecast service keeps only the last {FORECAST_DAYS_BACK} days")
    if not reachable(api.url):
        return Forecast(None, why_not=f"the weather forecast at {urlparse(api.url).hostname} is not reachable (offline?)")
    cell = api.cell(lat, lon)
    first = day - dt.timedelta(days=1)  # a local day spans two UTC dates
    last = day + dt.timedelta(days=1)
    try:
        payload = _get(api.url, api.params(cell, first, last))
        frame, _where = api.parse(payload)
    except (ArchiveError, ValueError, TypeError) as exc:
        return Forecast(None, why_not=f"the weather forecast did not answer: {exc}")
    if frame.empty or frame["temperature_c"].isna().all():
        return Forecast(None, why_not="the weather forecast has no hours for this day")
    return Forecast(frame, f"forecast:{OpenMeteoArchive.name} ({cell.label})")


def _get(url: str, params: dict[str, str]) -> dict:
    import requests

    try:
        answer = requests.get(url, params=params, timeout=TIMEOUT_S, headers={"User-Agent": "cramp-analyzer"})
    except requests.RequestException as exc:
        raise ArchiveError(f"{type(exc).__name__}: {exc}") from exc
    if answer.status_code != 200:
        raise ArchiveError(f"HTTP {answer.status_code} {answer.reason}")
    try:
        payload = answer.json()
    except ValueError as exc:
        raise ArchiveError(f"the answer is not JSON ({exc})") from exc
    if not isinstance(payload, dict):
        raise ArchiveError("the answer is not a JSON object")
    return payload
