"""Hourly weather from a public historical archive, for runs without a ``weather.csv``.

What leaves the machine, and to whom
------------------------------------
One HTTPS GET per grid cell and span of days to the provider's archive (by default the
Open-Meteo historical weather API, ``https://archive-api.open-meteo.com/v1/archive``), carrying
only: the cell's latitude and longitude **rounded to the archive's grid (0.1°, about 11 km)**,
the first and last date, the names of the hourly variables, the model (``models=era5_seamless``)
and the units and time zone wanted (``wind_speed_unit=ms``, ``timezone=GMT``). Redirects are
followed only within the archive's own host. No athlete name, no track, no time of day,
no file. Nothing is sent with ``--weather cache`` or ``--weather off``.

Caching and manners
-------------------
Answers are cached in the analyzer's cache folder, one JSON file per provider, model, cell and
day (``weather/<provider>/<model>/<lat>_<lon>/<YYYY-MM-DD>.json``), so a second run sends nothing
and a club's season in one area is a handful of requests. A day the archive does not have yet (the
reanalysis runs about five days behind) is not cached; days after today (UTC) are never asked
for (the archive refuses them). Every answer is checked (units, physical bounds, one value per
hour, the place) before anything of it is used or cached. HTTP 429 and 5xx answers are retried
with exponential backoff (tenacity); when the tries are spent, the archive is not asked again
by this process and the runs concerned say their air temperature is unknown. Concurrent
workers share the cache through a lock per cell (filelock), so they never fetch the same cell
twice.

A stranger
----------
The archive, or a mirror, is not trusted: each request has a total deadline
(:data:`REQUEST_DEADLINE_S`) and a report a weather budget (:data:`WEATHER_BUDGET_S`); answers
are decompressed here within :data:`MAX_ANSWER_BYTES`; redirects to another host are not followed;
every variable is read in its declared unit (:data:`UNITS`) and checked against physical bounds
(:data:`BOUNDS`), and an answer that fails is refused whole and never cached. A refused request
(HTTP 4xx) or answer costs only its own runs. Only ``http`` and ``https`` addresses are used.
The forecast (:mod:`analyzer.io.weather_forecast`) is asked through the same
:func:`protected_get` and read by the same checks.

Settings
--------
The provider's address can be replaced (a mirror, or a test server): the environment variable
``CRAMP_WEATHER_URL``, else ``url`` in the ``[weather]`` table of
``$XDG_CONFIG_HOME/cramp-analyzer/config.toml`` (``~/.config/...``).

References
----------
Open-Meteo, "Historical Weather API", https://open-meteo.com/en/docs/historical-weather-api
(``models=era5_seamless``: ERA5 and ERA5-Land reanalysis of the Copernicus Climate Change
Service; radiation values are means over the preceding hour). Data licence CC BY 4.0
(:data:`ATTRIBUTION`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import os
import socket
import threading
import time
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import numpy as np
import pandas as pd

log = logging.getLogger(__name__)

WEATHER_MODES = ("auto", "cache", "off")
"""``auto``: the cache, then the archive when the network answers; ``cache``: only days cached
earlier; ``off``: no archive at all (``weather.csv`` and sensors only)."""

URL_ENV = "CRAMP_WEATHER_URL"

RETRY_ATTEMPTS = 3
"""Tries per request when the archive answers 429 or 5xx (then it is not asked again)."""

RETRY_WAIT_S = (0.5, 4.0)
"""First and longest wait between tries, seconds (doubling in between)."""

TIMEOUT_S = (3.0, 20.0)
"""Connect and read timeouts of a request, seconds (each wait for bytes; see also
:data:`REQUEST_DEADLINE_S`)."""

REQUEST_DEADLINE_S = 60.0
"""Longest a request may take in all (connection, headers and the whole answer), seconds: a
server that trickles a byte at a time never holds a report longer than this. The archive gives
a year of one cell in well under a second."""

WEATHER_BUDGET_S = 300.0
"""Longest the weather archive may take over a whole report (every request of every athlete,
counted from the start of the report), seconds. Past it, nothing more is asked; the runs still
without weather say their air temperature is unknown, and the report is written."""

MAX_ANSWER_BYTES = 16 * 1024 * 1024
"""Largest answer read, after decompression (gzip or deflate), bytes. A year of one cell is
about 0.4 MB; a bigger answer (or a compression bomb) is refused, never held in memory."""

MAX_REDIRECTS = 3
"""Redirects followed within the archive's own host (never to another host)."""

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

PROBE_TIMEOUT_S = 1.0
"""How long the offline check waits for the archive's host to accept a connection."""

MAX_DAYS_PER_REQUEST = 366
"""A longer span of missing days is asked for in several requests."""

HOURLY = {
    # provider variable → our column
    "temperature_2m": "temperature_c",
    "relative_humidity_2m": "relative_humidity_pct",
    "dew_point_2m": "dew_point_c",
    "wind_speed_10m": "wind_10m_mps",
    "shortwave_radiation": "shortwave_w_m2",
    "direct_radiation": "direct_w_m2",
    "surface_pressure": "pressure_hpa",
}
COLUMNS = list(HOURLY.values())


class ArchiveError(Exception):
    """The archive could not give an answer (after its retries).

    ``give_up`` is True when asking again in this report is pointless (no connection, no
    complete answer in time, a redirect to another host, busy after every retry); False when
    only this request is concerned (a refused request, an answer that fails the checks)."""

    def __init__(self, message: str, give_up: bool = True) -> None:
        super().__init__(message)
        self.give_up = give_up


BOUNDS = {
    # our column → (lowest, highest) physically possible hourly value at a running place
    "temperature_c": (-90.0, 60.0),        # records: −89.2 °C (Vostok), 56.7 °C (Death Valley)
    "relative_humidity_pct": (0.0, 100.0),
    "dew_point_c": (-100.0, 40.0),         # highest dew point observed: 35 °C (Dhahran)
    "wind_10m_mps": (0.0, 100.0),          # hourly mean; the strongest gust measured is 113 m/s
    "shortwave_w_m2": (0.0, 1400.0),       # an hourly mean cannot exceed the solar constant, 1361 W/m²
    "direct_w_m2": (0.0, 1400.0),
    "pressure_hpa": (300.0, 1100.0),       # 8,000 m to the highest sea-level pressure, 1084 hPa
}
"""Physical bounds of every hourly variable: an answer with a value outside is refused whole."""

UNITS = {
    # our column → {declared unit: function to our unit}
    "temperature_c": {"°C": None, "°F": lambda v: (v - 32.0) * 5.0 / 9.0},
    "relative_humidity_pct": {"%": None},
    "dew_point_c": {"°C": None, "°F": lambda v: (v - 32.0) * 5.0 / 9.0},
    "wind_10m_mps": {"m/s": None, "km/h": lambda v: v / 3.6, "mph": lambda v: v * 0.44704,
                     "kn": lambda v: v * 0.514444},
    "shortwave_w_m2": {"W/m²": None, "W/m2": None},
    "direct_w_m2": {"W/m²": None, "W/m2": None},
    "pressure_hpa": {"hPa": None},
}
"""Units accepted as declared in ``hourly_units`` (and how they are converted); any other unit,
or none, refuses the answer: a mirror answering in °F is read as °F, never as °C."""

NAMES = {
    "temperature_c": "air temperature", "relative_humidity_pct": "relative humidity",
    "dew_point_c": "dew point", "wind_10m_mps": "wind", "shortwave_w_m2": "solar radiation",
    "direct_w_m2": "direct solar radiation", "pressure_hpa": "air pressure",
}


def check_url(url: str, what: str = "weather archive") -> str:
    """Why ``url`` cannot be the archive's address ("" when it can): only ``http`` and ``https``
    with a host name are accepted (no ``file:``, ``ftp:``, ``javascript:``, no user or password).
    ``what`` names the service in the message (``weather archive``, ``weather forecast``)."""
    try:
        parts = urlparse(str(url))
        port = parts.port
    except ValueError:
        return f"the {what} address {str(url)[:100]!r} is not a valid URL"
    if parts.scheme.lower() not in ("http", "https"):
        shown = f"{parts.scheme}:" if parts.scheme else "no scheme"
        return f"the {what} address {str(url)[:100]!r} is not http or https ({shown}); only http:// and " \
               "https:// addresses are used"
    if not parts.hostname:
        return f"the {what} address {str(url)[:100]!r} has no host name"
    if parts.username or parts.password:
        return f"the {what} address {parts.hostname} carries a user name or password; give it without"
    del port
    return ""


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

    def parse(self, payload: object, cell: Cell | None = None, first: dt.date | None = None,
              last: dt.date | None = None) -> tuple[pd.DataFrame, dict[str, float]]:
        """The documented JSON answer → hourly frame (UTC index, our column names) and where the grid point is.

        Every variable is read in the unit ``hourly_units`` declares (:data:`UNITS`) and checked
        against :data:`BOUNDS`; the hours must be whole hours in order, one value per hour for each
        variable, within the days asked for; the grid point near the cell asked for. Any failure
        raises :class:`ArchiveError` naming it in words, and nothing of the answer is kept.
        """
        def refuse(why: str) -> ArchiveError:
            return ArchiveError(f"the {self.what}'s answer was refused: {why}", give_up=False)

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
            values = hourly.get(var, hourly.get(f"{var}_{self.model}"))
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
            unit = units.get(var, units.get(f"{var}_{self.model}"))
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
            over = (frame["direct_w_m2"] > frame["shortwave_w_m2"] + 5.0).to_numpy()
        if wet.any():
            raise refuse(f"its dew point is above the air temperature in {int(wet.sum())} hours")
        if over.any():
            raise refuse(f"its direct solar radiation exceeds the total in {int(over.sum())} hours")

        def number(key: str) -> float:
            value = payload.get(key)
            return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else math.nan

        where = {"lat": number("latitude"), "lon": number("longitude"), "elevation_m": number("elevation")}
        if cell is not None and np.isfinite(where["lat"]) and np.isfinite(where["lon"]):
            off = distance_km(cell.lat, cell.lon, where["lat"], where["lon"])
            if off > MAX_GRID_OFFSET_KM:
                raise refuse(f"it is for a place {off:.0f} km from the grid cell asked for")
        return frame, where


MAX_GRID_OFFSET_KM = 30.0
"""Farthest the archive's grid point may lie from the cell asked for (ERA5's 0.25° grid is at most
about 20 km away); an answer for another place is refused."""


PROVIDERS = {"open-meteo": OpenMeteoArchive}
DEFAULT_PROVIDER = "open-meteo"


def configured_url(env: str = URL_ENV, key: str = "url") -> str | None:
    """A weather service's address from the environment variable ``env`` (the archive's:
    ``CRAMP_WEATHER_URL``), else ``key`` under ``[weather]`` in the user's config file, else ``None``."""
    if os.environ.get(env):
        return os.environ[env]
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    path = Path(base) / "cramp-analyzer" / "config.toml"
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("weather", {})
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    url = table.get(key) if isinstance(table, dict) else None
    return url if isinstance(url, str) and url else None


_REACHABLE: dict[str, bool] = {}
_FAILURES: dict[str, str] = {}
"""Archive address → why it gave up, for the rest of this process (tasks come and go; manners stay)."""


def reachable(url: str, timeout_s: float = PROBE_TIMEOUT_S) -> bool:
    """Whether the archive's host accepts a TCP connection within ``timeout_s`` (name lookup
    included), checked once per host and process."""
    parts = urlparse(url)
    host = parts.hostname or ""
    port = parts.port or (443 if parts.scheme == "https" else 80)
    key = f"{host}:{port}"
    if key in _REACHABLE:
        return _REACHABLE[key]
    answer: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout_s):
                answer.append(True)
        except OSError:
            answer.append(False)

    t = threading.Thread(target=probe, daemon=True)  # a hanging name lookup cannot hold us
    t.start()
    t.join(timeout_s)
    _REACHABLE[key] = bool(answer and answer[0])
    return _REACHABLE[key]


@dataclass
class Archive:
    """An archive provider with its cache: :meth:`hours` gives the hours of the days asked for.

    Parameters
    ----------
    cache_dir : path-like
        The analyzer's cache folder; entries go to ``weather/<provider>/<cell>/<day>.json``.
    mode : {"auto", "cache", "off"}
    provider : str
    url : str, optional
        Replaces the provider's address (default :func:`configured_url`).
    """

    cache_dir: Path
    mode: str = "auto"
    provider: str = DEFAULT_PROVIDER
    url: str | None = None
    requests_sent: int = 0
    failure: str = ""
    gaps: int = 0
    """How many lookups ended with days the archive may still give later (offline, busy, not yet
    published, or only the cache asked): a report with such gaps is not kept in the report cache."""
    budget_s: float | None = None
    """The weather budget (:data:`WEATHER_BUDGET_S` when not given), counted from creation: one
    archive object serves a whole report, so this is the report's budget."""
    deadline: float = field(init=False, default=0.0)
    """Wall-clock time (``time.time()``) after which nothing more is asked; carried to workers."""
    _api: OpenMeteoArchive = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.mode not in WEATHER_MODES:
            raise ValueError(f"weather must be one of {', '.join(WEATHER_MODES)}, not {self.mode!r}")
        if self.provider not in PROVIDERS:
            raise ValueError(f"unknown weather provider {self.provider!r}; known: {', '.join(PROVIDERS)}")
        self.cache_dir = Path(self.cache_dir)
        self._api = PROVIDERS[self.provider](self.url or configured_url())
        if self.mode != "off":
            bad = check_url(self._api.url)
            if bad:
                raise ValueError(bad)
        self.deadline = time.time() + (WEATHER_BUDGET_S if self.budget_s is None else self.budget_s)

    @property
    def api(self) -> OpenMeteoArchive:
        return self._api

    def cell(self, lat: float, lon: float) -> Cell:
        return self._api.cell(lat, lon)

    def _folder(self, cell: Cell) -> Path:
        return self.cache_dir / "weather" / self.provider / (getattr(self._api, "model", "") or "default") / cell.key

    def _cached(self, cell: Cell, day: dt.date) -> tuple[pd.DataFrame, dict] | None:
        path = self._folder(cell) / f"{day.isoformat()}.json"
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            frame = pd.DataFrame(entry["hourly"], index=pd.to_datetime(entry["time"], unit="s", utc=True))
            frame.index.name = "time"
            return frame.reindex(columns=COLUMNS).astype(float), entry["where"]
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:  # a damaged entry: fetch the day again
            log.warning("weather cache entry %s is unreadable (%s)", path, exc)
            path.unlink(missing_ok=True)
            return None

    def _store(self, cell: Cell, frame: pd.DataFrame, where: dict) -> None:
        folder = self._folder(cell)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            log.warning("cannot write the weather cache %s: %s", folder, exc)
            return
        for day, hours in frame.groupby(frame.index.date):
            if len(hours) < 24 or hours["temperature_c"].isna().any():
                continue  # not (yet) complete in the archive: ask again next time
            entry = {"time": [int(t.timestamp()) for t in hours.index], "where": where,
                     "hourly": {c: [None if not np.isfinite(v) else float(v) for v in hours[c]] for c in COLUMNS}}
            path = folder / f"{day.isoformat()}.json"
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            try:
                tmp.write_text(json.dumps(entry), encoding="utf-8")
                os.replace(tmp, path)
            except OSError as exc:
                tmp.unlink(missing_ok=True)
                log.warning("cannot write %s: %s", path, exc)

    def hours(self, cell: Cell, days: list[dt.date], mode: str | None = None) -> tuple[pd.DataFrame | None, dict, str]:
        """Hourly weather of ``cell`` on ``days``: from the cache, then (mode ``auto``) the archive.

        Returns
        -------
        frame : DataFrame or None
            Hourly rows (UTC index) of every day found; ``None`` when none was.
        where : dict
            ``lat``, ``lon``, ``elevation_m`` of the grid point the archive used.
        missing : str
            Why some days are missing ("" when none is).
        """
        mode = mode or self.mode
        if mode == "off" or not days:
            return None, {}, ""
        days = sorted(set(days))
        today = utc_today()
        later = [d for d in days if d > today]  # the archive has nothing after today (UTC) and refuses them
        days = [d for d in days if d <= today]
        found, where, missing = self._from_cache(cell, days)
        why = ""
        if missing and mode == "auto":
            lock_path = self._folder(cell).with_suffix(".lock")
            try:
                from filelock import FileLock

                lock_path.parent.mkdir(parents=True, exist_ok=True)
                lock = FileLock(str(lock_path), timeout=120)
            except (OSError, ImportError):
                lock = None
            try:
                if lock is not None:
                    lock.acquire()
                # another worker may have fetched these days while we waited
                more, more_where, missing = self._from_cache(cell, missing)
                found += more
                where = where or more_where
                if missing:
                    why = self._fetch(cell, missing)
                    more, more_where, missing = self._from_cache(cell, missing)
                    found += more
                    where = where or more_where
                    if missing and not why:
                        why = not_published(missing, today)
            except Exception as exc:  # a lock that times out, a disk that refuses: never fail a report
                log.info("weather lookup for %s failed: %r", cell.label, exc)
                why = why or in_words(exc)
            finally:
                if lock is not None and lock.is_locked:
                    lock.release()
        elif missing:
            why = self.failure or "not in the weather cache, and the weather setting is cache (nothing is asked)"
        frame = pd.concat(found).sort_index() if found else None
        if later and not missing:
            missing, why = later, f"dated after today ({today}, UTC): the weather archive has no data for it yet"
        if missing:
            self.gaps += 1
        return frame, where, why if missing else ""

    def _from_cache(self, cell: Cell, days: list[dt.date]) -> tuple[list[pd.DataFrame], dict, list[dt.date]]:
        found, where, missing = [], {}, []
        for day in days:
            hit = self._cached(cell, day)
            if hit is None:
                missing.append(day)
            else:
                found.append(hit[0])
                where = where or hit[1]
        return found, where, missing

    def _fetch(self, cell: Cell, days: list[dt.date]) -> str:
        """Ask the archive for the span covering ``days``; "" on success, else why not.

        A refused request or a refused answer concerns only its own days; no connection, no
        complete answer in time, a cross-host redirect or an archive still busy after its retries
        stops asking for the rest of this report."""
        self.failure = self.failure or _FAILURES.get(self._api.url, "")
        if self.failure:
            return self.failure
        if not reachable(self._api.url):
            self.failure = f"the weather archive at {urlparse(self._api.url).hostname} is not reachable (offline?)"
            return self.failure
        first, last = days[0], min(days[-1], utc_today())
        spans = []
        while first <= last:
            end = min(last, first + dt.timedelta(days=MAX_DAYS_PER_REQUEST - 1))
            spans.append((first, end))
            first = end + dt.timedelta(days=1)
        why = ""
        for a, b in spans:
            if time.time() >= self.deadline:
                self.failure = (f"the weather archive took the report's whole weather budget ({self._budget():.0f} s); "
                                "nothing more was asked")
                _FAILURES[self._api.url] = self.failure
                return self.failure
            try:
                payload = self._get(self._api.params(cell, a, b))
                frame, where = self._api.parse(payload, cell, a, b)
            except ArchiveError as exc:
                if exc.give_up:
                    self.failure = str(exc)
                    _FAILURES[self._api.url] = self.failure  # not asked again by this process
                    return self.failure
                log.info("weather archive, %s %s to %s: %s", cell.label, a, b, exc)
                why = why or str(exc)
                continue
            self._store(cell, frame, where)
        return why

    def _budget(self) -> float:
        return WEATHER_BUDGET_S if self.budget_s is None else self.budget_s

    def _get(self, params: dict[str, str]) -> dict:
        """One answer, as JSON: :func:`protected_get` within the report's budget."""
        def sent() -> None:
            self.requests_sent += 1

        return protected_get(self._api.url, params, self.deadline, self._budget(), what=self._api.what, on_send=sent,
                             budget_words="the report's weather budget")


def protected_get(url: str, params: dict[str, str], deadline: float, budget_s: float, what: str = "weather archive",
                  on_send=None, budget_words: str = "its time budget") -> dict:
    """One JSON answer from a weather service that is not trusted (the archive, the forecast).

    Retried on 429/5xx (:data:`RETRY_ATTEMPTS`, tenacity), each try within
    :data:`REQUEST_DEADLINE_S` and all of them before ``deadline``; redirects followed only within
    the same host (:data:`MAX_REDIRECTS`); the body read within :data:`MAX_ANSWER_BYTES` once
    decompressed. Raises :class:`ArchiveError`, in words naming ``what``.

    Parameters
    ----------
    url : str
        The service's address (checked with :func:`check_url` first).
    params : dict
        The whole query.
    deadline : float
        Wall-clock time (``time.time()``) after which nothing is asked.
    budget_s : float
        The budget ``deadline`` was set from, seconds (for the message).
    what : str
        The service's name in messages.
    on_send : callable, optional
        Called before each try (a request counter).
    budget_words : str
        The budget's name in messages ("the report's weather budget").
    """
    from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

    bad = check_url(url, what)
    if bad:
        raise ArchiveError(bad)

    def retryable(exc: BaseException) -> bool:
        return isinstance(exc, _Retry)

    @retry(retry=retry_if_exception(retryable), stop=stop_after_attempt(RETRY_ATTEMPTS),
           wait=wait_exponential(multiplier=RETRY_WAIT_S[0], max=RETRY_WAIT_S[1]), reraise=True)
    def once() -> dict:
        if on_send is not None:
            on_send()
        return _within_deadline(url, params, deadline, budget_s, what, budget_words)

    try:
        return once()
    except _Retry as exc:
        raise ArchiveError(f"the {what} is busy ({exc}) after {RETRY_ATTEMPTS} tries") from exc


def _whole(budget_words: str) -> str:
    """"the report's weather budget" → "the report's whole weather budget"."""
    parts = budget_words.rsplit(" ", 2)
    return f"{parts[0]} whole {parts[1]} {parts[2]}" if len(parts) == 3 else f"all of {budget_words}"


def _within_deadline(url: str, params: dict[str, str], deadline: float, budget_s: float, what: str,
                     budget_words: str) -> dict:
    """:func:`_request` in a helper thread, given up at its deadline (the socket is shut)."""
    limit = min(REQUEST_DEADLINE_S, deadline - time.time())
    if limit <= 0:
        raise ArchiveError(f"the {what} took {_whole(budget_words)} ({budget_s:g} s); nothing more was asked")
    box: dict = {}
    t = threading.Thread(target=_request, args=(url, params, box, what), daemon=True)
    t.start()
    t.join(limit)
    if t.is_alive():
        box["abandoned"] = True

        def close_all() -> None:
            for closer in reversed(box.get("closers", [])):  # the socket first, then the session
                try:
                    closer()
                except Exception:  # noqa: BLE001, S110 - best effort: the thread is left behind anyway
                    pass

        threading.Thread(target=close_all, daemon=True).start()  # never waits here for a blocked read
        host = urlparse(url).hostname
        if limit < REQUEST_DEADLINE_S:
            raise ArchiveError(f"the {what} at {host} gave no complete answer before {budget_words} "
                               f"({budget_s:g} s) ran out; nothing more was asked")
        raise ArchiveError(f"the {what} at {host} gave no complete answer within {REQUEST_DEADLINE_S:.0f} s "
                           "(too slow); nothing more was asked")
    if "error" in box:
        raise box["error"]
    return box["answer"]


def _request(url: str, params: dict[str, str], box: dict, what: str) -> None:
    try:
        box["answer"] = _request_inner(url, params, box, what)
    except (ArchiveError, _Retry) as exc:
        box["error"] = exc
    except Exception as exc:  # noqa: BLE001 - said in words, never as a traceback
        log.info("%s request failed: %r", what, exc)
        box["error"] = ArchiveError(in_words(exc, what))


def _request_inner(url: str, params: dict[str, str] | None, box: dict, what: str) -> dict:
    import requests

    origin = urlparse(url)
    span = _span(params)
    session = requests.Session()
    session.trust_env = False  # no .netrc credentials, no proxy settings from elsewhere sent along
    box.setdefault("closers", []).append(session.close)
    try:
        for _hop in range(MAX_REDIRECTS + 1):
            try:
                answer = session.get(url, params=params, timeout=TIMEOUT_S, stream=True, allow_redirects=False,
                                     headers={"User-Agent": "cramp-analyzer", "Accept-Encoding": "gzip, deflate"})
            except requests.Timeout as exc:
                raise _Retry(f"no answer within {TIMEOUT_S[1]:.0f} s") from exc
            except requests.RequestException as exc:
                raise ArchiveError(f"the {what} at {origin.hostname} could not be reached "
                                   f"({_transport_words(exc)})") from exc
            box["closers"].append(_shutter(answer))
            if box.get("abandoned"):
                answer.close()
                raise ArchiveError("abandoned")
            if answer.is_redirect:
                target = urlparse(requests.compat.urljoin(url, answer.headers.get("Location", "")))
                answer.close()
                same_port = target.port == origin.port  # both absent: http → https on the same host is fine
                if target.scheme not in ("http", "https") or target.hostname != origin.hostname or not same_port:
                    raise ArchiveError(f"the {what} at {origin.hostname} redirected the request to another "
                                       f"address ({target.hostname or target.scheme}); not followed, so nothing "
                                       "was sent there")
                url, params = target.geturl(), None
                continue
            break
        else:
            raise ArchiveError(f"the {what} at {origin.hostname} redirected more than {MAX_REDIRECTS} times")
        if answer.status_code == 429 or answer.status_code >= 500:
            answer.close()
            raise _Retry(f"HTTP {answer.status_code}")
        if answer.status_code != 200:
            body = _read_capped(answer, 64 * 1024, strict=False, what=what)
            answer.close()
            raise ArchiveError(f"the {what} refused the request for {span} (HTTP "
                               f"{answer.status_code}{_reason(body)})", give_up=False)
        body = _read_capped(answer, MAX_ANSWER_BYTES, what=what)
        try:
            return json.loads(body)
        except (ValueError, RecursionError) as exc:
            raise ArchiveError(f"the {what}'s answer was refused: it is not JSON", give_up=False) from exc
    finally:
        session.close()


def utc_today() -> dt.date:
    """Today's date in UTC: the last day the archive accepts."""
    return dt.datetime.now(dt.UTC).date()


def not_published(days: list[dt.date], today: dt.date) -> str:
    """Why the archive's answer left ``days`` without air temperature, in words."""
    if days and (today - days[-1]).days <= 10:
        return "the weather archive does not have these days yet (ERA5 is published about five days after the day)"
    return "the weather archive's answer has no air temperature for these days"


def in_words(exc: BaseException, what: str = "weather archive") -> str:
    """An unexpected failure of the weather lookup, said without exception text."""
    name = type(exc).__name__
    if name == "Timeout":  # filelock's
        return "another report held the weather cache's lock for too long"
    if isinstance(exc, OSError):
        return f"the weather cache could not be used ({exc.strerror or 'a disk error'})"
    if isinstance(exc, ArchiveError):
        return str(exc)
    return f"the {what}'s answer could not be read"


def _transport_words(exc: BaseException) -> str:
    import requests

    if isinstance(exc, requests.exceptions.SSLError):
        return "its certificate could not be verified"
    if isinstance(exc, requests.ConnectionError):
        return "the connection failed or was closed"
    if isinstance(exc, requests.exceptions.ContentDecodingError):
        return "its answer could not be decompressed"
    return "the request failed"


def _span(params: dict[str, str] | None) -> str:
    if not params:
        return "these days"
    return f"{params.get('start_date', '?')} to {params.get('end_date', '?')}"


def _reason(body: bytes) -> str:
    """The archive's own short reason from a JSON error answer, if it gives one (printable text only)."""
    try:
        reason = json.loads(body).get("reason")
    except (ValueError, AttributeError, RecursionError):
        return ""
    if not isinstance(reason, str):
        return ""
    text = "".join(ch for ch in reason if ch.isprintable())[:160].strip()
    return f": {text}" if text else ""


def _shutter(answer):
    """A callable that shuts the answer's socket, waking a read blocked in another thread (closing
    the answer itself would wait for that read)."""
    def shut() -> None:
        conn = getattr(answer.raw, "_connection", None) or getattr(answer.raw, "connection", None)
        fp = getattr(getattr(answer.raw, "_fp", None), "fp", None)  # http.client's buffered socket file
        for sock in (getattr(conn, "sock", None), getattr(getattr(fp, "raw", None), "_sock", None)):
            if sock is not None:
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
    return shut


def _read_capped(answer, cap: int, strict: bool = True, what: str = "weather archive") -> bytes:
    """The answer's body, decompressed here (gzip, deflate) and never beyond ``cap`` bytes."""
    import zlib

    encoding = answer.headers.get("Content-Encoding", "").strip().lower()
    if encoding in ("", "identity"):
        decoder = None
    elif encoding in ("gzip", "x-gzip", "deflate"):
        decoder = zlib.decompressobj(wbits=47)  # gzip or zlib header, detected
    else:
        if not strict:
            return b""
        raise ArchiveError(f"the {what}'s answer was refused: it is compressed as {encoding[:20]!r}, which "
                           "was not asked for", give_up=False)
    out = bytearray()
    while True:
        chunk = answer.raw.read(16384, decode_content=False)
        if not chunk:
            break
        if decoder is None:
            out += chunk
        else:
            while chunk:
                out += decoder.decompress(chunk, cap + 1 - len(out))
                chunk = decoder.unconsumed_tail
                if len(out) > cap:
                    break
        if len(out) > cap:
            if not strict:
                return bytes(out[:cap])
            raise ArchiveError(f"the {what}'s answer was refused: it is larger than {cap // (1024 * 1024)} MB "
                               "once decompressed", give_up=False)
    if decoder is not None:
        try:
            out += decoder.flush()
        except zlib.error:
            pass
    return bytes(out)


class _Retry(Exception):
    """An answer worth asking again for (429, 5xx, a read timeout)."""


def lookup(legs: list, weather_csv: pd.DataFrame, archive: Archive | None, folder: str = "",
           athlete_id: str = "", mode: str | None = None) -> tuple[dict, dict[str, str], list]:
    """Archive weather for every leg that ``weather.csv`` does not cover.

    Legs are grouped by grid cell, so one call to :meth:`Archive.hours` (one request at most,
    for the days not cached) serves every run in a cell. ``mode`` narrows the archive's own mode
    (an athlete's ``weather = "off"``).

    Returns
    -------
    archive_weather : dict
        Leg name → :class:`~analyzer.model.ArchiveWeather`.
    notes : dict
        Leg name → why it has none (for legs that have none and are not covered by weather.csv).
    problems : list of Problem
        At most one per reason, naming how many runs it leaves without air temperature.
    """
    from analyzer.model import ArchiveWeather, Problem

    out: dict = {}
    notes: dict[str, str] = {}
    wanted: dict[Cell, list[tuple]] = {}
    reasons: dict[str, int] = {}
    for leg in legs:
        recs = leg.records[leg.records.index.notna()]
        if recs.empty:
            continue
        start, end = recs.index.min(), recs.index.max()
        if len(weather_csv) and ((weather_csv.index >= start - pd.Timedelta(hours=1))
                                 & (weather_csv.index <= end + pd.Timedelta(hours=1))).any():
            continue  # weather.csv has it
        mode = mode or (archive.mode if archive is not None else "off")
        if archive is None or mode == "off":
            notes[leg.source] = "no weather.csv covers it and the weather archive is switched off"
            continue
        if "latitude_deg" not in recs or "longitude_deg" not in recs:
            notes[leg.source] = "no weather.csv covers it and the file has no position for the weather archive"
            continue
        pos = recs[["latitude_deg", "longitude_deg"]].dropna()
        pos = pos[(pos["latitude_deg"].abs() <= 90) & (pos["longitude_deg"].abs() <= 180)
                  & ((pos["latitude_deg"] != 0) | (pos["longitude_deg"] != 0))]
        if pos.empty:
            notes[leg.source] = "no weather.csv covers it and the file has no position for the weather archive"
            continue
        lat, lon = float(pos["latitude_deg"].iloc[0]), float(pos["longitude_deg"].iloc[0])
        first = (start - pd.Timedelta(hours=2)).date()
        last = min((end + pd.Timedelta(hours=2)).date(), utc_today())  # the archive refuses later days
        if first > last:
            reason = (f"dated after today ({utc_today()}, UTC): the weather archive has no data for it (is the "
                      "watch's clock right?)")
            notes[leg.source] = reason
            reasons[reason] = reasons.get(reason, 0) + 1
            archive.gaps += 1  # its day will come: such a report is not kept in the report cache
            continue
        days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        wanted.setdefault(archive.cell(lat, lon), []).append((leg.source, lat, lon, start, end, days))
    for cell, runs in wanted.items():
        all_days = sorted({d for *_, days in runs for d in days})
        frame, where, why = archive.hours(cell, all_days, mode)
        for name, lat, lon, start, end, _days in runs:
            part = frame[(frame.index >= start - pd.Timedelta(hours=2)) & (frame.index <= end + pd.Timedelta(hours=2))] \
                if frame is not None else None
            if part is None or part.empty or part["temperature_c"].isna().all():
                reason = why or "the weather archive has no data for it"
                notes[name] = reason
                reasons[reason] = reasons.get(reason, 0) + 1
                continue
            grid_lat, grid_lon = where.get("lat", cell.lat), where.get("lon", cell.lon)
            if not (np.isfinite(grid_lat) and np.isfinite(grid_lon)):
                grid_lat, grid_lon = cell.lat, cell.lon
            out[name] = ArchiveWeather(part, archive.provider, cell.label, distance_km(lat, lon, grid_lat, grid_lon),
                                       lat, lon, getattr(archive.api, "model", ""), getattr(archive.api, "attribution", ""))
    problems = [Problem(folder, "weather", f"air temperature unknown for {n} run{'s' if n > 1 else ''}: {reason}",
                        athlete_id) for reason, n in reasons.items()]
    return out, notes, problems
