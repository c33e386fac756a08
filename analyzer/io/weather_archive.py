"""Hourly weather from a public historical archive, for runs without a ``weather.csv``.

What leaves the machine, and to whom
------------------------------------
One HTTPS GET per grid cell and span of days to the provider's archive (by default the
Open-Meteo historical weather API, ``https://archive-api.open-meteo.com/v1/archive``), carrying
only: the cell's latitude and longitude **rounded to the archive's grid (0.1°, about 11 km)**,
the first and last date, the names of the hourly variables, and the units and time zone
wanted (``wind_speed_unit=ms``, ``timezone=GMT``). No athlete name, no track, no time of day,
no file. Nothing is sent with ``--weather cache`` or ``--weather off``.

Caching and manners
-------------------
Answers are cached in the analyzer's cache folder, one JSON file per provider, cell and day
(``weather/<provider>/<lat>_<lon>/<YYYY-MM-DD>.json``), so a second run sends nothing and a
club's season in one area is a handful of requests. A day the archive does not have yet (the
reanalysis runs about five days behind) is not cached. HTTP 429 and 5xx answers are retried
with exponential backoff (tenacity); when the tries are spent, the archive is not asked again
by this process and the runs concerned say their air temperature is unknown. Concurrent
workers share the cache through a lock per cell (filelock), so they never fetch the same cell
twice.

Settings
--------
The provider's address can be replaced (a mirror, or a test server): the environment variable
``CRAMP_WEATHER_URL``, else ``url`` in the ``[weather]`` table of
``$XDG_CONFIG_HOME/cramp-analyzer/config.toml`` (``~/.config/...``).

References
----------
Open-Meteo, "Historical Weather API", https://open-meteo.com/en/docs/historical-weather-api
(ERA5 and ERA5-Land reanalysis of the Copernicus Climate Change Service; radiation values are
means over the preceding hour).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import os
import socket
import threading
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
"""Connect and read timeouts of a request, seconds."""

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
    """The archive could not give an answer (after its retries)."""


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
    """The Open-Meteo historical weather API (ERA5 / ERA5-Land reanalysis; free, no key)."""

    name = "open-meteo"
    grid_deg = 0.1
    default_url = "https://archive-api.open-meteo.com/v1/archive"

    def __init__(self, url: str | None = None) -> None:
        self.url = url or self.default_url

    def cell(self, lat: float, lon: float) -> Cell:
        step = self.grid_deg
        return Cell(round(round(lat / step) * step, 1), round(round(lon / step) * step, 1))

    def params(self, cell: Cell, first: dt.date, last: dt.date) -> dict[str, str]:
        """The whole query: a rounded position, two dates, variable names and units. Nothing else."""
        return {
            "latitude": f"{cell.lat:.1f}", "longitude": f"{cell.lon:.1f}",
            "start_date": first.isoformat(), "end_date": last.isoformat(),
            "hourly": ",".join(HOURLY), "wind_speed_unit": "ms", "timezone": "GMT", "timeformat": "unixtime",
        }

    def parse(self, payload: dict) -> tuple[pd.DataFrame, dict[str, float]]:
        """The documented JSON answer → hourly frame (UTC index, our column names) and where the grid point is."""
        hourly = payload.get("hourly")
        if not isinstance(hourly, dict) or "time" not in hourly:
            raise ArchiveError(f"answer without hourly data: {str(payload)[:200]}")
        times = pd.to_datetime(np.asarray(hourly["time"], dtype="int64"), unit="s", utc=True)
        frame = pd.DataFrame(index=pd.DatetimeIndex(times, name="time"))
        units = payload.get("hourly_units") or {}
        for var, col in HOURLY.items():
            values = hourly.get(var)
            arr = np.array([np.nan if v is None else v for v in values], dtype=float) if values is not None \
                else np.full(len(times), np.nan)
            if col == "wind_10m_mps" and str(units.get(var, "m/s")).replace(" ", "") in ("km/h", "kmh"):
                arr = arr / 3.6
            frame[col] = arr
        where = {"lat": float(payload.get("latitude", math.nan)), "lon": float(payload.get("longitude", math.nan)),
                 "elevation_m": float(payload.get("elevation", math.nan))}
        return frame, where


PROVIDERS = {"open-meteo": OpenMeteoArchive}
DEFAULT_PROVIDER = "open-meteo"


def configured_url() -> str | None:
    """The archive address from ``CRAMP_WEATHER_URL``, else the user's config file, else ``None``."""
    if os.environ.get(URL_ENV):
        return os.environ[URL_ENV]
    base = os.environ.get("XDG_CONFIG_HOME") or str(Path.home() / ".config")
    path = Path(base) / "cramp-analyzer" / "config.toml"
    try:
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("weather", {})
    except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
        return None
    url = table.get("url") if isinstance(table, dict) else None
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
    fetched_incomplete: bool = False
    gaps: int = 0
    """How many lookups ended with days the archive may still give later (offline, busy, not yet
    published, or only the cache asked): a report with such gaps is not kept in the report cache."""
    _api: OpenMeteoArchive = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.mode not in WEATHER_MODES:
            raise ValueError(f"weather must be one of {', '.join(WEATHER_MODES)}, not {self.mode!r}")
        if self.provider not in PROVIDERS:
            raise ValueError(f"unknown weather provider {self.provider!r}; known: {', '.join(PROVIDERS)}")
        self.cache_dir = Path(self.cache_dir)
        self._api = PROVIDERS[self.provider](self.url or configured_url())

    @property
    def api(self) -> OpenMeteoArchive:
        return self._api

    def cell(self, lat: float, lon: float) -> Cell:
        return self._api.cell(lat, lon)

    def _folder(self, cell: Cell) -> Path:
        return self.cache_dir / "weather" / self.provider / cell.key

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
                    if missing and not why and self.fetched_incomplete:
                        why = "the archive does not have these days yet (it runs about five days behind)"
            except Exception as exc:  # a lock that times out, a disk that refuses: never fail a report
                why = why or f"{type(exc).__name__}: {exc}"
            finally:
                if lock is not None and lock.is_locked:
                    lock.release()
        elif missing:
            why = "not in the cache (weather: cache)"
        frame = pd.concat(found).sort_index() if found else None
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
        """Ask the archive for the span covering ``days``; "" on success, else why not."""
        self.failure = self.failure or _FAILURES.get(self._api.url, "")
        if self.failure:
            return self.failure
        if not reachable(self._api.url):
            self.failure = f"the weather archive at {urlparse(self._api.url).hostname} is not reachable (offline?)"
            return self.failure
        first, last = days[0], days[-1]
        spans = []
        while first <= last:
            end = min(last, first + dt.timedelta(days=MAX_DAYS_PER_REQUEST - 1))
            spans.append((first, end))
            first = end + dt.timedelta(days=1)
        for a, b in spans:
            try:
                payload = self._get(self._api.params(cell, a, b))
                frame, where = self._api.parse(payload)
            except ArchiveError as exc:
                self.failure = f"the weather archive ({self.provider}) did not answer: {exc}"
                _FAILURES[self._api.url] = self.failure  # not asked again by this process
                return self.failure
            self.fetched_incomplete = self.fetched_incomplete or bool(frame["temperature_c"].isna().any())
            self._store(cell, frame, where)
        return ""

    def _get(self, params: dict[str, str]) -> dict:
        import requests
        from tenacity import retry, retry_if_exception, stop_after_attempt, wait_exponential

        def retryable(exc: BaseException) -> bool:
            return isinstance(exc, _Retry)

        @retry(retry=retry_if_exception(retryable), stop=stop_after_attempt(RETRY_ATTEMPTS),
               wait=wait_exponential(multiplier=RETRY_WAIT_S[0], max=RETRY_WAIT_S[1]), reraise=True)
        def once() -> dict:
            self.requests_sent += 1
            try:
                answer = requests.get(self._api.url, params=params, timeout=TIMEOUT_S,
                                      headers={"User-Agent": "cramp-analyzer"})
            except requests.Timeout as exc:
                raise _Retry(f"no answer within {TIMEOUT_S[1]:.0f} s") from exc
            except requests.RequestException as exc:
                raise ArchiveError(f"{type(exc).__name__}: {exc}") from exc
            if answer.status_code == 429 or answer.status_code >= 500:
                raise _Retry(f"HTTP {answer.status_code} {answer.reason}")
            if answer.status_code != 200:
                raise ArchiveError(f"HTTP {answer.status_code}: {answer.text[:200]}")
            try:
                return answer.json()
            except ValueError as exc:
                raise ArchiveError(f"the answer is not JSON ({exc})") from exc

        try:
            return once()
        except _Retry as exc:
            raise ArchiveError(f"{exc} after {RETRY_ATTEMPTS} tries") from exc


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
        last = (end + pd.Timedelta(hours=2)).date()
        days = [first + dt.timedelta(days=i) for i in range((last - first).days + 1)]
        wanted.setdefault(archive.cell(lat, lon), []).append((leg.source, lat, lon, start, end, days))
    reasons: dict[str, int] = {}
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
                                       lat, lon)
    problems = [Problem(folder, "weather", f"air temperature unknown for {n} run{'s' if n > 1 else ''}: {reason}",
                        athlete_id) for reason, n in reasons.items()]
    return out, notes, problems
