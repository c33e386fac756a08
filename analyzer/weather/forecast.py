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

No ``models=`` is sent: the forecast service answers with its own "best match", a mix of
national weather services' models chosen for the place (:data:`FORECAST_MODEL`); not the
archive's ERA5 reanalysis.

The answer is in the same documented JSON format as the archive's (``hourly.time`` in Unix
seconds and one list per variable; radiation is the mean of the preceding hour), so it is read
by the archive's own parser (:func:`analyzer.weather.open_meteo.parse_open_meteo`): every
unit read as declared, every value within physical bounds, the hours within the days asked for,
the place near the cell asked for, or the whole answer is refused. A forecast is not cached: it
changes by the hour.

A stranger
----------
The forecast service, or a mirror, is asked exactly as the archive is
(:func:`analyzer.weather.client.protected_get`): only ``http`` and ``https`` addresses; each
try within the client's ``REQUEST_DEADLINE_S`` and all of them within
:data:`FORECAST_BUDGET_S`; 429 and 5xx retried; redirects followed only within the same host;
the answer read within ``MAX_ANSWER_BYTES`` once decompressed. A refused answer is said in words
and the plan goes on without heat.

Settings
--------
The service's address can be replaced (a mirror, or a test server): the environment variable
``CRAMP_FORECAST_URL``, else ``forecast_url`` in the ``[weather]`` table of
``$XDG_CONFIG_HOME/cramp-analyzer/config.toml`` (the table that holds the archive's ``url``).

References
----------
Open-Meteo, "Weather Forecast API", https://open-meteo.com/en/docs (hourly variables; forecasts
up to 16 days ahead, and up to 92 days back; ``models`` defaults to the best match for the
place). Data licence CC BY 4.0 (:data:`FORECAST_ATTRIBUTION`).
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from urllib.parse import urlparse

import pandas as pd

from analyzer.errors import ArchiveError
from analyzer.weather.client import check_url, configured_url, protected_get, reachable
from analyzer.weather.open_meteo import Cell, OpenMeteoArchive, parse_open_meteo

FORECAST_URL_ENV = "CRAMP_FORECAST_URL"

FORECAST_DAYS_AHEAD = 16
"""The furthest day ahead the forecast service gives (Open-Meteo: 16 days)."""

FORECAST_DAYS_BACK = 92
"""The furthest day back the forecast service gives (Open-Meteo: 92 days)."""

FORECAST_BUDGET_S = 90.0
"""Longest the forecast may take in all (every try of its one request), seconds; each try has
the archive's own deadline (``REQUEST_DEADLINE_S``, 60 s)."""

FORECAST_MODEL = "best_match"
"""The forecast's model: the service's default "best match" for the place (no ``models=`` is sent)."""

FORECAST_MODEL_LABEL = "Open-Meteo forecast, best match of national weather services' models"
"""How the forecast's source is named."""

FORECAST_ATTRIBUTION = "Weather forecast by Open-Meteo.com (best match of national weather services' models)"
"""The forecast's attribution, shown with its licence (CC BY 4.0) wherever its data is (Open-Meteo's terms).
No Copernicus reanalysis line: a forecast is not the ERA5 reanalysis."""


class OpenMeteoForecast(OpenMeteoArchive):
    """The Open-Meteo forecast API: the archive's grid, query style, answer format and checks; another
    address, model (the service's best match) and attribution."""

    name = "open-meteo-forecast"
    default_url = "https://api.open-meteo.com/v1/forecast"
    model = FORECAST_MODEL
    model_label = FORECAST_MODEL_LABEL
    attribution = FORECAST_ATTRIBUTION
    what = "weather forecast"

    @classmethod
    def address_problem(cls, url: str | None) -> str:
        """Why ``url`` (or, when ``None``, the service's own address) cannot be used; "" when it can."""
        return check_url(url or cls.default_url, cls.what)

    def params(self, cell: Cell, first: dt.date, last: dt.date) -> dict[str, str]:
        """The archive's query without ``models=``: a rounded position, two dates, variable names and units."""
        query = super().params(cell, first, last)
        del query["models"]
        return query


def configured_forecast_url() -> str | None:
    """The forecast address from ``CRAMP_FORECAST_URL``, else ``forecast_url`` in the user's config
    file, else ``None`` (the provider's own address)."""
    return configured_url(FORECAST_URL_ENV, "forecast_url")


@dataclass
class Forecast:
    """What the forecast service gave.

    Attributes
    ----------
    hours : DataFrame or None
        UTC-indexed hourly ``temperature_c``, ``relative_humidity_pct``, ``dew_point_c``,
        ``wind_mps``, ``solar_w_m2``, ``direct_w_m2``, ``pressure_hpa``; ``None`` when
        there is no forecast.
    source : str
        ``forecast:<provider> (<cell>)``, or ``""``.
    why_not : str
        Why there is no forecast (offline, too far ahead, the service's error), or ``""``.
    attribution : str
        The data licence's attribution (CC BY 4.0), shown wherever these values are; ``""`` without hours.
    """

    hours: pd.DataFrame | None
    source: str = ""
    why_not: str = ""
    attribution: str = ""


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

    Raises
    ------
    ValueError
        The address is not an ``http``/``https`` address with a host (a setting to correct, as
        the archive's; nothing is sent).
    """
    api = OpenMeteoForecast(url or configured_forecast_url())
    bad = api.address_problem(api.url)
    if bad:
        raise ValueError(bad)
    today = today or dt.datetime.now(dt.UTC).date()
    if (day - today).days > FORECAST_DAYS_AHEAD:
        return Forecast(None, why_not=f"the forecast reaches only {FORECAST_DAYS_AHEAD} days ahead "
                                      f"({day.isoformat()} is {(day - today).days} days away)")
    if (today - day).days > FORECAST_DAYS_BACK:
        return Forecast(None, why_not=f"the forecast service keeps only the last {FORECAST_DAYS_BACK} days")
    if not reachable(api.url):
        return Forecast(None, why_not=f"the {api.what} at {urlparse(api.url).hostname} is not reachable (offline?)")
    cell = api.cell(lat, lon)
    first = day - dt.timedelta(days=1)  # a local day spans two UTC dates
    last = day + dt.timedelta(days=1)
    try:
        payload = protected_get(api.url, api.params(cell, first, last), time.time() + FORECAST_BUDGET_S,
                                FORECAST_BUDGET_S, what=api.what, budget_words="the forecast's time budget")
        frame, _meta = parse_open_meteo(payload, cell=cell, first=first, last=last, model=api.model, what=api.what)
    except ArchiveError as exc:
        return Forecast(None, why_not=str(exc))
    if frame.empty or frame["temperature_c"].isna().all():
        return Forecast(None, why_not=f"the {api.what} has no hours for this day")
    return Forecast(frame, f"forecast:{OpenMeteoArchive.name} ({cell.label})", attribution=api.attribution)
