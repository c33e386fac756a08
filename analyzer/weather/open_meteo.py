"""Open-Meteo's hourly weather in the shape of pvlib's ``iotools``: ``get_`` asks, ``parse_`` reads.

:func:`get_open_meteo_hourly` asks the historical archive (or the forecast service, through
``url``) for one place and a span of days and gives ``(data, metadata)``: an hourly UTC frame
with unit-named columns (:data:`HOURLY`) and what the answer says of itself (the grid point,
its elevation, the model, the source, the licence's credit, the address asked without secrets).
:func:`parse_open_meteo` is the pure half: the JSON answer in, the same pair out, or an
:class:`~analyzer.errors.ArchiveError` naming in words what is implausible (a unit not
declared, a value outside physical bounds, hours out of order or outside the days asked, a
place far from the one asked).

Examples
--------
>>> payload = {"latitude": 40.4, "longitude": -3.7, "elevation": 650.0,
...            "hourly_units": {"temperature_2m": "°F"},
...            "hourly": {"time": [1718604000, 1718607600], "temperature_2m": [86.0, 95.0]}}
>>> data, meta = parse_open_meteo(payload)
>>> data["temperature_c"].round(1).tolist(), meta["elevation_m"]
([30.0, 35.0], 650.0)

References
----------
Open-Meteo, "Historical Weather API", https://open-meteo.com/en/docs/historical-weather-api
(``models=era5_seamless``: ERA5 and ERA5-Land reanalysis of the Copernicus Climate Change
Service; radiation values are means over the preceding hour). Data licence CC BY 4.0
(:data:`ATTRIBUTION`).

Holmgren WF, Hansen CW, Mikofski MA, "pvlib python: a python package for modeling solar energy
systems", Journal of Open Source Software 3(29), 884 (2018), doi:10.21105/joss.00884 (the
``iotools`` shape: ``get_*`` → ``(data, metadata)`` over a module-level ``parse_*``).
"""

from __future__ import annotations

import datetime as dt
import math
import time
from dataclasses import dataclass
from urllib.parse import urlencode, urlparse

import numpy as np
import pandas as pd

from analyzer.errors import ArchiveError
from analyzer.weather.client import protected_get
from analyzer.weather.reasons import Reason

MODEL = "era5_seamless"
"""The archive's model asked for with ``models=``: ERA5-Land (0.1°, about 9 km) where it has a
variable, ERA5 (0.25°) for the rest; one consistent reanalysis from 1940 on, published about five
days after the day. Without it the archive answers with its "best match" mix (ECMWF IFS 9 km from
2017 on), which changes with the date and is not the reanalysis these pages describe."""

MODEL_LABEL = "ERA5-Land/ERA5 reanalysis (Copernicus), Open-Meteo models=era5_seamless"
"""How the data source is named in ``air_temperature_source`` notes and the documentation."""

ATTRIBUTION = ("Weather data by Open-Meteo.com (ERA5 and ERA5-Land reanalyses; contains modified Copernicus Climate "
               "Change Service information)")
"""The archive's attribution, shown with its licence (CC BY 4.0) wherever its data is (Open-Meteo's terms)."""

ATTRIBUTION_URL = "https://open-meteo.com/"

MAX_DAYS_PER_REQUEST = 366
"""A longer span of missing days is asked for in several requests."""

HOURLY = {
    # provider variable → our column
    "temperature_2m": "temperature_c",
    "relative_humidity_2m": "relative_humidity_pct",
    "dew_point_2m": "dew_point_c",
    "wind_speed_10m": "wind_mps",
    "shortwave_radiation": "solar_w_m2",
    "direct_radiation": "direct_w_m2",
    "surface_pressure": "pressure_hpa",
}
COLUMNS = list(HOURLY.values())

BOUNDS = {
    # our column → (lowest, highest) physically possible hourly value at a running place
    "temperature_c": (-90.0, 60.0),        # records: −89.2 °C (Vostok), 56.7 °C (Death Valley)
    "relative_humidity_pct": (0.0, 100.0),
    "dew_point_c": (-100.0, 40.0),         # highest dew point observed: 35 °C (Dhahran)
    "wind_mps": (0.0, 100.0),          # hourly mean; the strongest gust measured is 113 m/s
    "solar_w_m2": (0.0, 1400.0),       # an hourly mean cannot exceed the solar constant, 1361 W/m²
    "direct_w_m2": (0.0, 1400.0),
    "pressure_hpa": (300.0, 1100.0),       # 8,000 m to the highest sea-level pressure, 1084 hPa
}
"""Physical bounds of every hourly variable: an answer with a value outside is refused whole."""

UNITS = {
    # our column → {declared unit: function to our unit}
    "temperature_c": {"°C": None, "°F": lambda v: (v - 32.0) * 5.0 / 9.0},
    "relative_humidity_pct": {"%": None},
    "dew_point_c": {"°C": None, "°F": lambda v: (v - 32.0) * 5.0 / 9.0},
    "wind_mps": {"m/s": None, "km/h": lambda v: v / 3.6, "mph": lambda v: v * 0.44704,
                     "kn": lambda v: v * 0.514444},
    "solar_w_m2": {"W/m²": None, "W/m2": None},
    "direct_w_m2": {"W/m²": None, "W/m2": None},
    "pressure_hpa": {"hPa": None},
}
"""Units accepted as declared in ``hourly_units`` (and how they are converted); any other unit,
or none, refuses the answer: a mirror answering in °F is read as °F, never as °C."""

NAMES = {
    "temperature_c": "air temperature", "relative_humidity_pct": "relative humidity",
    "dew_point_c": "dew point", "wind_mps": "wind", "solar_w_m2": "solar radiation",
    "direct_w_m2": "direct solar radiation", "pressure_hpa": "air pressure",
}


@dataclass(frozen=True)
class Cell:
    """A grid cell: the position rounded to the archive's grid, which is all that is sent."""

    lat: float
    lon: float

    @property
    def key(self) -> str:
        return f"{self.lat:.1f}_{self.lon:.1f}"

    @property
    def label(self) -> str:
        ns = "N" if self.lat >= 0 else "S"
        ew = "E" if self.lon >= 0 else "W"
        return f"{abs(self.lat):.1f}°{ns} {abs(self.lon):.1f}°{ew}"


def distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    """Great-circle distance (haversine, mean Earth radius 6371.0 km)."""
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(min(1.0, a)))


class OpenMeteoArchive:
    """The Open-Meteo historical weather API, asked for ERA5-Land/ERA5 (:data:`MODEL`; free, no key)."""

    name = "open-meteo"
    grid_deg = 0.1
    default_url = "https://archive-api.open-meteo.com/v1/archive"
    model = MODEL
    model_label = MODEL_LABEL
    attribution = ATTRIBUTION
    what = "weather archive"
    """How the service is named in messages."""

    def __init__(self, url: str | None = None) -> None:
        self.url = url or self.default_url

    def cell(self, lat: float, lon: float) -> Cell:
        step = self.grid_deg
        return Cell(round(round(lat / step) * step, 1), round(round(lon / step) * step, 1))

    def params(self, cell: Cell, first: dt.date, last: dt.date) -> dict[str, str]:
        """The whole query: a rounded position, two dates, variable names, model and units. Nothing else."""
        return {
            "latitude": f"{cell.lat:.1f}", "longitude": f"{cell.lon:.1f}",
            "start_date": first.isoformat(), "end_date": last.isoformat(),
            "hourly": ",".join(HOURLY), "models": self.model,
            "wind_speed_unit": "ms", "timezone": "GMT", "timeformat": "unixtime",
        }


MAX_GRID_OFFSET_KM = 30.0
"""Farthest the archive's grid point may lie from the cell asked for (ERA5's 0.25° grid is at most
about 20 km away); an answer for another place is refused."""


def parse_open_meteo(payload: object, *, cell: Cell | None = None, first: dt.date | None = None,
                     last: dt.date | None = None, model: str = MODEL,
                     what: str = "weather archive") -> tuple[pd.DataFrame, dict]:
    """Open-Meteo's documented JSON answer → hourly frame and metadata; pure (nothing is asked or kept).

    Every variable is read in the unit ``hourly_units`` declares (:data:`UNITS`) and checked
    against :data:`BOUNDS`; the hours must be whole hours in order, one value per hour for each
    variable, within the days asked for; the grid point near the cell asked for. Any failure
    raises :class:`~analyzer.errors.ArchiveError` naming it in words (``reason`` ``implausible``),
    and nothing of the answer is kept.

    Parameters
    ----------
    payload : dict
        The decoded JSON answer (``timeformat=unixtime``).
    cell : Cell, optional
        The grid cell asked for: the answer's grid point must lie within :data:`MAX_GRID_OFFSET_KM`.
    first, last : date, optional
        The days asked for (UTC): every hour must fall within them.
    model : str
        The model asked for (its name may suffix the variables: ``temperature_2m_era5_seamless``).
    what : str
        The service's name in messages (``weather archive``, ``weather forecast``).

    Returns
    -------
    data : DataFrame
        UTC-indexed (``time``) hourly :data:`COLUMNS` (NaN where the answer has no value).
    metadata : dict
        ``latitude_deg``, ``longitude_deg`` and ``elevation_m`` of the grid point the answer is
        for (NaN when not given) and the ``model`` asked for.

    References
    ----------
    Open-Meteo, "Historical Weather API", https://open-meteo.com/en/docs/historical-weather-api
    """
    def refuse(why: str) -> ArchiveError:
        return ArchiveError(f"the {what}'s answer was refused: {why}", give_up=False, reason=Reason.IMPLAUSIBLE)

    if not isinstance(payload, dict):
        raise refuse("it is not the archive's JSON object")
    hourly = payload.get("hourly")
    if not isinstance(hourly, dict) or not isinstance(hourly.get("time"), list):
        raise refuse("it holds no hourly data")
    try:
        stamps = np.array(hourly["time"], dtype="int64")
    except (TypeError, ValueError, OverflowError):
        raise refuse("its hours are not times (unix seconds)") from None
    n = len(stamps)
    if n == 0:
        raise refuse("it holds no hours")
    if (stamps % 3600).any() or (n > 1 and (np.diff(stamps) <= 0).any()):
        raise refuse("its hours are not whole hours in time order")
    if first is not None and last is not None:
        lo = int(pd.Timestamp(first, tz="UTC").timestamp())
        hi = int(pd.Timestamp(last, tz="UTC").timestamp()) + 23 * 3600
        if stamps[0] < lo or stamps[-1] > hi:
            raise refuse(f"it gives hours outside the days asked for ({first} to {last})")
    times = pd.to_datetime(stamps, unit="s", utc=True)
    frame = pd.DataFrame(index=pd.DatetimeIndex(times, name="time"))
    units = payload.get("hourly_units")
    units = units if isinstance(units, dict) else {}
    for var, col in HOURLY.items():
        values = hourly.get(var, hourly.get(f"{var}_{model}"))
        if values is None:
            frame[col] = np.full(n, np.nan)
            continue
        if not isinstance(values, list) or len(values) != n:
            count = len(values) if isinstance(values, list) else "no list of"
            raise refuse(f"it gives {count} values of {NAMES[col]} for {n} hours")
        try:
            arr = np.array([np.nan if v is None else v for v in values], dtype=float)
        except (TypeError, ValueError):
            raise refuse(f"its {NAMES[col]} values are not all numbers") from None
        unit = units.get(var, units.get(f"{var}_{model}"))
        unit = unit.replace(" ", "") if isinstance(unit, str) else None
        if not np.isfinite(arr).any():
            frame[col] = arr  # nothing known (a day not published yet): no unit to check
            continue
        if unit not in UNITS[col]:
            said = f"in {unit[:20]!r}" if unit else "without saying its unit"
            raise refuse(f"it gives {NAMES[col]} {said}; expected {' or '.join(UNITS[col])}")
        convert = UNITS[col][unit]
        if convert is not None:
            arr = convert(arr)
        low, high = BOUNDS[col]
        with np.errstate(invalid="ignore"):
            bad = np.isinf(arr) | (arr < low) | (arr > high)
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise refuse(f"{NAMES[col]} of {arr[i]:g} {next(iter(UNITS[col]))} at {times[i]:%Y-%m-%d %H:%M} UTC "
                         f"is outside what is physically possible ({low:g} to {high:g}); "
                         f"{int(bad.sum())} such value{'s' if bad.sum() > 1 else ''}")
        frame[col] = arr
    with np.errstate(invalid="ignore"):
        # margins for rounding and a reanalysis' small supersaturation in fog; beyond them the values cannot be
        wet = (frame["dew_point_c"] > frame["temperature_c"] + 3.0).to_numpy()
        over = (frame["direct_w_m2"] > frame["solar_w_m2"] + 5.0).to_numpy()
    if wet.any():
        raise refuse(f"its dew point is above the air temperature in {int(wet.sum())} hours")
    if over.any():
        raise refuse(f"its direct solar radiation exceeds the total in {int(over.sum())} hours")

    def number(key: str) -> float:
        value = payload.get(key)
        return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.nan

    meta = {"latitude_deg": number("latitude"), "longitude_deg": number("longitude"),
            "elevation_m": number("elevation"), "model": model}
    if cell is not None and np.isfinite(meta["latitude_deg"]) and np.isfinite(meta["longitude_deg"]):
        off = distance_km(cell.lat, cell.lon, meta["latitude_deg"], meta["longitude_deg"])
        if off > MAX_GRID_OFFSET_KM:
            raise refuse(f"it is for a place {off:.0f} km from the grid cell asked for")
    return frame, meta


GET_TIMEOUT_S = 90.0
"""Default total time :func:`get_open_meteo_hourly` may take (every try of its one request), seconds."""


def get_open_meteo_hourly(latitude_deg: float, longitude_deg: float, start: object, end: object, *,
                          url: str | None = None, timeout_s: float = GET_TIMEOUT_S,
                          model: str = MODEL) -> tuple[pd.DataFrame, dict]:
    """Hourly weather of one place from Open-Meteo's historical archive: ``(data, metadata)``.

    One protected request (:func:`analyzer.weather.client.protected_get`: only ``http``/``https``,
    a deadline per try, 429/5xx retried, redirects only within the host, the answer capped) for
    the 0.1° grid cell of the place (only the rounded position and the dates are sent), read by
    :func:`parse_open_meteo`. Nothing is cached (the report's archive lookup caches).

    Parameters
    ----------
    latitude_deg, longitude_deg : float
        The place, degrees north and east.
    start, end : date-like
        The first and last day (UTC), inclusive; anything :class:`pandas.Timestamp` reads.
    url : str, optional
        The service's address (a mirror, or a test server); default Open-Meteo's archive.
    timeout_s : float
        Longest the whole call may take, seconds (each try also within
        :data:`~analyzer.weather.client.REQUEST_DEADLINE_S`).
    model : str
        The archive's model (``models=``), default ERA5-Land/ERA5 (:data:`MODEL`).

    Returns
    -------
    data : DataFrame
        UTC-indexed hourly ``temperature_c``, ``relative_humidity_pct``, ``dew_point_c``,
        ``wind_mps``, ``solar_w_m2``, ``direct_w_m2``, ``pressure_hpa``.
    metadata : dict
        ``latitude_deg``, ``longitude_deg``, ``elevation_m`` (the grid point the answer is for),
        ``cell`` (the rounded position sent), ``model``, ``source`` (the model in words),
        ``attribution`` and ``licence`` (to show wherever the data is), ``url`` (the request
        without the address's own query or credentials).

    Raises
    ------
    ArchiveError
        The service could not be asked or its answer was refused, in words; ``reason`` says which
        (:class:`~analyzer.weather.reasons.Reason`).
    ValueError
        A position outside the globe, or ``end`` before ``start``.

    Examples
    --------
    In a notebook (this asks the archive, so it is not run as a doctest)::

        data, meta = get_open_meteo_hourly(40.4168, -3.7038, "2024-06-15", "2024-06-16")
        data["temperature_c"].max(), meta["attribution"]

    References
    ----------
    Open-Meteo, "Historical Weather API", https://open-meteo.com/en/docs/historical-weather-api
    """
    lat, lon = float(latitude_deg), float(longitude_deg)
    if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
        raise ValueError(f"no place on Earth at latitude {latitude_deg!r}, longitude {longitude_deg!r}")
    first, last = _utc_date(start), _utc_date(end)
    if last < first:
        raise ValueError(f"the last day ({last}) is before the first ({first})")
    api = OpenMeteoArchive(url)
    api.model = model
    cell = api.cell(lat, lon)
    params = api.params(cell, first, last)
    payload = protected_get(api.url, params, time.time() + timeout_s, timeout_s, what=api.what,
                            budget_words="its time budget")
    data, meta = parse_open_meteo(payload, cell=cell, first=first, last=last, model=model, what=api.what)
    parts = urlparse(api.url)
    port = f":{parts.port}" if parts.port else ""
    meta.update(cell=cell.label, source=api.model_label if model == MODEL else f"Open-Meteo models={model}",
                attribution=api.attribution, licence="CC BY 4.0", attribution_url=ATTRIBUTION_URL,
                url=f"{parts.scheme}://{parts.hostname}{port}{parts.path}?{urlencode(params)}")
    return data, meta


def _utc_date(day: object) -> dt.date:
    """A day given as a date, a string or a timestamp (a tz-aware one taken in UTC)."""
    if isinstance(day, dt.date) and not isinstance(day, dt.datetime):
        return day
    stamp = pd.Timestamp(day)
    return (stamp.tz_convert("UTC") if stamp.tzinfo is not None else stamp).date()
