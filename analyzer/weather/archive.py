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
Answers are cached in the analyzer's cache folder (:class:`~analyzer.weather.cache.ArchiveCache`),
so a second run sends nothing and a club's season in one area is a handful of requests. A day the
archive does not have yet (the reanalysis runs about five days behind) is not cached; days after
today (UTC) are never asked for (the run-level lookup, :mod:`analyzer.weather.runs`, leaves them
out). Every answer is checked (units, physical bounds, one value per hour, the place) before
anything of it is used or cached (:func:`~analyzer.weather.open_meteo.parse_open_meteo`). HTTP 429
and 5xx answers are retried with exponential backoff (tenacity); when the tries are spent, the
archive is not asked again by this process and the runs concerned say their air temperature is
unknown. Concurrent workers share the cache through a lock per cell (filelock), so they never
fetch the same cell twice.

A stranger
----------
The archive, or a mirror, is not trusted (:mod:`analyzer.weather.client`): each request has a
total deadline (``REQUEST_DEADLINE_S``) and a report a weather budget (:data:`WEATHER_BUDGET_S`);
answers are decompressed within ``MAX_ANSWER_BYTES``; redirects to another host are not followed;
every variable is read in its declared unit and checked against physical bounds, and an answer
that fails is refused whole and never cached. A refused request (HTTP 4xx) or answer costs only
its own runs. Only ``http`` and ``https`` addresses are used. The forecast
(:mod:`analyzer.weather.forecast`) is asked through the same client and read by the same checks.

Settings
--------
The provider's address can be replaced (a mirror, or a test server): the environment variable
``CRAMP_WEATHER_URL``, else ``url`` in the ``[weather]`` table of
``$XDG_CONFIG_HOME/cramp-analyzer/config.toml`` (``~/.config/...``).

References
----------
Open-Meteo, "Historical Weather API", https://open-meteo.com/en/docs/historical-weather-api
(``models=era5_seamless``: ERA5 and ERA5-Land reanalysis of the Copernicus Climate Change
Service; radiation values are means over the preceding hour). Data licence CC BY 4.0.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlparse

import pandas as pd

from analyzer.errors import ArchiveError
from analyzer.weather.cache import ArchiveCache
from analyzer.weather.client import check_url, configured_url, in_words, protected_get, reachable
from analyzer.weather.open_meteo import MAX_DAYS_PER_REQUEST, Cell, OpenMeteoArchive, parse_open_meteo
from analyzer.weather.reasons import Reason

log = logging.getLogger(__name__)

WEATHER_MODES = ("auto", "cache", "off")
"""``auto``: the cache, then the archive when the network answers; ``cache``: only days cached
earlier; ``off``: no archive at all (``weather.csv`` and sensors only)."""

WEATHER_BUDGET_S = 300.0
"""Longest the weather archive may take over a whole report (every request of every athlete,
counted from the start of the report), seconds. Past it, nothing more is asked; the runs still
without weather say their air temperature is unknown, and the report is written."""

PROVIDERS = {"open-meteo": OpenMeteoArchive}
DEFAULT_PROVIDER = "open-meteo"

_FAILURES: dict[str, tuple[str, Reason]] = {}
"""Archive address → why it gave up (its words and reason, never the exception: a kept traceback
would keep every caller's frame alive), for the rest of this process (tasks come and go; manners stay)."""


def utc_today() -> dt.date:
    """Today's date in UTC: the last day the archive accepts."""
    return dt.datetime.now(dt.UTC).date()


@dataclass(frozen=True)
class Unavailable:
    """Why days (and so the runs on them) have no archive weather: a fact, worded by the loader
    (:func:`analyzer.io.weather_words.unavailable_text`).

    Attributes
    ----------
    reason : Reason
    detail : str
        The service's failure in words (an :class:`~analyzer.errors.ArchiveError`'s message), when
        the reason comes from one; ``""`` otherwise.
    today : date or None
        Today (UTC) when the reason depends on it (a run dated later; days not published yet).
    last_day : date or None
        The last day missing (how far behind today it is tells "not yet" from "not at all").
    """

    reason: Reason
    detail: str = ""
    today: dt.date | None = None
    last_day: dt.date | None = None

    @classmethod
    def of(cls, exc: ArchiveError) -> Unavailable:
        """From a service's failure."""
        return cls(Reason(getattr(exc, "reason", Reason.UNREACHABLE)), str(exc))


@dataclass
class Archive:
    """An archive provider with its cache: :meth:`hours` gives the hours of the days asked for.

    Parameters
    ----------
    cache_dir : path-like
        The analyzer's cache folder; entries go to ``weather/<provider>/<model>/<cell>/<day>.json``.
    mode : {"auto", "cache", "off"}
    provider : str
    url : str, optional
        Replaces the provider's address (default :func:`~analyzer.weather.client.configured_url`).
    """

    cache_dir: Path
    mode: str = "auto"
    provider: str = DEFAULT_PROVIDER
    url: str | None = None
    requests_sent: int = 0
    failure: str = ""
    """Why the archive is not asked any more in this report, in words ("" while it is)."""
    failure_reason: Reason = Reason.UNREACHABLE
    """The same as data."""
    gaps: int = 0
    """How many lookups ended with days the archive may still give later (offline, busy, not yet
    published, or only the cache asked): a report with such gaps is not kept in the report cache."""
    budget_s: float | None = None
    """The weather budget (:data:`WEATHER_BUDGET_S` when not given), counted from creation: one
    archive object serves a whole report, so this is the report's budget."""
    deadline: float = field(init=False, default=0.0)
    """Wall-clock time (``time.time()``) after which nothing more is asked; carried to workers."""
    api: OpenMeteoArchive = field(init=False, repr=False)
    """The provider (its address, grid, query and credit)."""
    cache: ArchiveCache = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.mode not in WEATHER_MODES:
            raise ValueError(f"weather must be one of {', '.join(WEATHER_MODES)}, not {self.mode!r}")
        if self.provider not in PROVIDERS:
            raise ValueError(f"unknown weather provider {self.provider!r}; known: {', '.join(PROVIDERS)}")
        self.cache_dir = Path(self.cache_dir)
        self.api = PROVIDERS[self.provider](self.url or configured_url())
        self.cache = ArchiveCache(self.cache_dir, self.provider, getattr(self.api, "model", ""))
        if self.mode != "off":
            bad = check_url(self.api.url)
            if bad:
                raise ValueError(bad)
        if self.budget_s is None:
            self.budget_s = WEATHER_BUDGET_S
        self.deadline = time.time() + self.budget_s

    def hours(self, cell: Cell, days: list[dt.date],
              mode: str | None = None) -> tuple[pd.DataFrame | None, dict, Unavailable | None]:
        """Hourly weather of ``cell`` on ``days``: from the cache, then (mode ``auto``) the archive.

        ``days`` are days up to today (UTC): the run-level lookup leaves later ones out.

        Returns
        -------
        frame : DataFrame or None
            Hourly rows (UTC index) of every day found; ``None`` when none was.
        where : dict
            ``lat``, ``lon``, ``elevation_m`` of the grid point the archive used.
        missing : Unavailable or None
            Why some days are missing (``None`` when none is).
        """
        mode = mode or self.mode
        if mode == "off" or not days:
            return None, {}, None
        days = sorted(set(days))
        found, where, missing = self.cache.read_days(cell, days)
        why: Unavailable | None = None
        if missing and mode == "auto":
            try:
                with self.cache.locked(cell):
                    # another worker may have fetched these days while we waited
                    more, more_where, missing = self.cache.read_days(cell, missing)
                    found += more
                    where = where or more_where
                    if missing:
                        why = self._fetch(cell, missing)
                        more, more_where, missing = self.cache.read_days(cell, missing)
                        found += more
                        where = where or more_where
                        if missing and why is None:
                            why = Unavailable(Reason.NOT_PUBLISHED, today=utc_today(), last_day=missing[-1])
            except Exception as exc:  # a lock that times out, a disk that refuses: never fail a report
                log.info("weather lookup for %s failed: %r", cell.label, exc)
                why = why or _lookup_failure(exc)
        elif missing:
            why = Unavailable(self.failure_reason, self.failure) if self.failure else Unavailable(Reason.NOT_CACHED)
        frame = pd.concat(found).sort_index() if found else None
        if missing:
            self.gaps += 1
        return frame, where, why if missing else None

    def _give_up(self, exc: ArchiveError) -> Unavailable:
        """Stop asking for the rest of this report (and process)."""
        self.failure, self.failure_reason = str(exc), Reason(exc.reason)
        _FAILURES[self.api.url] = (self.failure, self.failure_reason)
        return Unavailable.of(exc)

    def _fetch(self, cell: Cell, days: list[dt.date]) -> Unavailable | None:
        """Ask the archive for the span covering ``days``; ``None`` on success, else why not.

        A refused request or a refused answer concerns only its own days; no connection, no
        complete answer in time, a cross-host redirect or an archive still busy after its retries
        stops asking for the rest of this report."""
        if not self.failure and self.api.url in _FAILURES:
            self.failure, self.failure_reason = _FAILURES[self.api.url]
        if self.failure:
            return Unavailable(self.failure_reason, self.failure)
        if not reachable(self.api.url):
            self.failure = f"the weather archive at {urlparse(self.api.url).hostname} is not reachable (offline?)"
            self.failure_reason = Reason.UNREACHABLE
            return Unavailable(self.failure_reason, self.failure)
        first, last = days[0], days[-1]
        spans = []
        while first <= last:
            end = min(last, first + dt.timedelta(days=MAX_DAYS_PER_REQUEST - 1))
            spans.append((first, end))
            first = end + dt.timedelta(days=1)
        why = None
        for a, b in spans:
            if time.time() >= self.deadline:
                return self._give_up(ArchiveError(
                    f"the weather archive took the report's whole weather budget ({self.budget_s:.0f} s); "
                    "nothing more was asked", reason=Reason.BUDGET_SPENT))
            try:
                payload = self._get(self.api.params(cell, a, b))
                frame, meta = parse_open_meteo(payload, cell=cell, first=a, last=b, model=self.api.model,
                                               what=self.api.what)
            except ArchiveError as exc:
                if exc.give_up:
                    return self._give_up(exc)
                log.info("weather archive, %s %s to %s: %s", cell.label, a, b, exc)
                why = why or Unavailable.of(exc)
                continue
            where = {"lat": meta["latitude_deg"], "lon": meta["longitude_deg"], "elevation_m": meta["elevation_m"]}
            self.cache.store(cell, frame, where)
        return why

    def _get(self, params: dict[str, str]) -> dict:
        """One answer, as JSON: :func:`~analyzer.weather.client.protected_get` within the report's budget."""
        def sent() -> None:
            self.requests_sent += 1

        return protected_get(self.api.url, params, self.deadline, self.budget_s, what=self.api.what, on_send=sent,
                             budget_words="the report's weather budget")


def _lookup_failure(exc: BaseException) -> Unavailable:
    """An unexpected failure of a cell's lookup (the lock, the disk, an answer), as data."""
    if isinstance(exc, ArchiveError):
        return Unavailable.of(exc)
    cache = type(exc).__name__ == "Timeout" or isinstance(exc, OSError)  # filelock's Timeout, a disk error
    return Unavailable(Reason.CACHE_FAILED if cache else Reason.UNREADABLE, in_words(exc))
