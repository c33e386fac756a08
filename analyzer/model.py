"""Plain data holders: what the readers produce and the science consumes."""

from __future__ import annotations

import functools
import html
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from analyzer.offsets import format_utc_offset


@dataclass(frozen=True)
class Problem:
    """One input problem that a batch survives.

    Attributes
    ----------
    file : str
        The file (or folder) the problem is in.
    location : str
        ``"row 7"`` (rows numbered from 1 after the header, docs/folders.md),
        ``"byte 1234"``, ``"line 3"`` or ``""`` for the whole file.
    message : str
        What is wrong and what was done about it.
    athlete : str
        Athlete id, when known.
    offset : int or None
        The byte offset, as a number, when ``location`` is a byte (:meth:`at_byte`).
    row : int or None
        The row, as a number, when ``location`` is a row (:meth:`at_row`).
    """

    file: str
    location: str
    message: str
    athlete: str = ""
    offset: int | None = None
    row: int | None = None

    @classmethod
    def at_byte(cls, file: str, offset: int | None, message: str, athlete: str = "") -> Problem:
        """A problem at a byte offset (``location`` ``"byte N"``; the whole file when ``offset`` is ``None``)."""
        return cls(file, f"byte {offset}" if offset is not None else "", message, athlete, offset=offset)

    @classmethod
    def at_row(cls, file: str, row: int, message: str, athlete: str = "") -> Problem:
        """A problem in a row of a CSV file (``location`` ``"row N"``, rows from 1 after the header)."""
        return cls(file, f"row {row}", message, athlete, row=row)

    def __str__(self) -> str:
        where = f" ({self.location})" if self.location else ""
        return f"{self.file}{where}: {self.message}" if self.file or where else self.message


def _frame_summary(name: str, frame: pd.DataFrame) -> str:
    cols = ", ".join(map(str, frame.columns[:12]))
    more = " …" if len(frame.columns) > 12 else ""
    return f"<tr><th>{html.escape(name)}</th><td>{len(frame)} rows</td><td>{html.escape(cols + more)}</td></tr>"


class Deferred:
    """A frame a reader leaves to be built on first access (see :class:`Activity`)."""

    __slots__ = ("build",)

    def __init__(self, build: Callable[[], pd.DataFrame]) -> None:
        self.build = build


class _Frame:
    """An :class:`Activity` frame that may be given as a :class:`Deferred` and is built once, when read.

    A plain run's report never reads its laps or events, and a small file's laps, sessions,
    events and pauses frames cost as much to build as decoding it; so the FIT reader hands them
    over deferred. Reading the attribute builds the frame and keeps it.
    """

    def __set_name__(self, owner: type, name: str) -> None:
        self.name = name
        self.slot = "_frame_" + name

    def __get__(self, obj: object, owner: type | None = None) -> pd.DataFrame:
        if obj is None:
            raise AttributeError(self.name)  # a required dataclass field: no class-level default
        value = obj.__dict__[self.slot]
        if isinstance(value, Deferred):
            value = value.build()
            obj.__dict__[self.slot] = value
        return value

    def __set__(self, obj: object, value: pd.DataFrame | Deferred) -> None:
        obj.__dict__[self.slot] = value


def run_position(records: pd.DataFrame) -> tuple[float, float] | None:
    """The run's first plausible position (not 0°/0°, within the globe), or ``None``."""
    if "latitude_deg" not in records or "longitude_deg" not in records:
        return None
    pos = records[["latitude_deg", "longitude_deg"]].dropna()
    pos = pos[(pos["latitude_deg"].abs() <= 90) & (pos["longitude_deg"].abs() <= 180)
              & ((pos["latitude_deg"] != 0) | (pos["longitude_deg"] != 0))]
    if pos.empty:
        return None
    return float(pos["latitude_deg"].iloc[0]), float(pos["longitude_deg"].iloc[0])


@dataclass
class Activity:
    """One FIT activity as tidy DataFrames.

    Attributes
    ----------
    records : DataFrame
        One row per ``record`` message, indexed by ``time`` (tz-aware UTC).
        Columns carry their unit in their name; see ``analyzer.io.fit`` for the list.
    laps : DataFrame
        One row per lap, same naming.
    sessions : DataFrame
        One row per session (several for multisport files), as the watch computed them.
    events : DataFrame
        Timer start/stop and other events, indexed by ``time``.
    pauses : DataFrame
        ``start``, ``end``, ``duration_s`` of every timer stop.
    device : dict
        ``manufacturer``, ``product``, ``serial_number``, ``software_version`` of the watch, and
        ``sensors``: the other devices the file lists (``device_type``, ``source_type``,
        ``manufacturer``, ``product``), e.g. a chest strap or a Garmin Tempe air sensor.
    utc_offset : pandas.Timedelta or None
        Local time minus UTC as the watch recorded it (``activity.local_timestamp``),
        ``None`` when the file does not say.
    problems : list of Problem
        What could not be read (truncation, bad CRC, …); empty for a clean file.
    source : str
        The file name the activity was read from.
    engine : str
        Which decoder produced it (``"numpy"`` or ``"fitparse"`` for FIT, ``"xml"`` for GPX/TCX).
    title, description : str
        The activity's name and description, when the file or an account export gives them.

    Notes
    -----
    The FIT reader builds ``laps``, ``sessions``, ``events`` and ``pauses`` when they are first
    read, and keeps them; to the user they are plain attributes.
    """

    records: pd.DataFrame
    laps: pd.DataFrame = _Frame()  # type: ignore[assignment]
    sessions: pd.DataFrame = _Frame()  # type: ignore[assignment]
    events: pd.DataFrame = _Frame()  # type: ignore[assignment]
    pauses: pd.DataFrame = _Frame()  # type: ignore[assignment]
    device: dict[str, Any]
    utc_offset: pd.Timedelta | None
    problems: list[Problem] = field(default_factory=list)
    source: str = ""
    engine: str = "numpy"
    title: str = ""
    description: str = ""

    @property
    def session(self) -> pd.Series:
        """The main session: the first running session, else the first session.

        Returns an empty Series when the file has no session message.
        """
        if self.sessions.empty:
            return pd.Series(dtype=object)
        running = self.sessions[self.sessions["sport"] == "running"] if "sport" in self.sessions else self.sessions.iloc[0:0]
        return (running if len(running) else self.sessions).iloc[0]

    @property
    def sport(self) -> str | None:
        """Sport of the main session (``"running"``, ``"cycling"``, …) or ``None``."""
        if self.sessions.empty or "sport" not in self.sessions:
            return None
        sports = self.sessions["sport"].tolist()  # the first running session's, else the first session's
        value = "running" if "running" in sports else sports[0]
        return None if value is None or pd.isna(value) else str(value)

    @property
    def start_time(self) -> pd.Timestamp | None:
        """UTC time of the first record, or of the first session when there are no records."""
        if len(self.records):
            return self.records.index[0]
        if len(self.sessions) and "start_time" in self.sessions:
            return self.sessions["start_time"].iloc[0]
        return None

    @property
    def end_time(self) -> pd.Timestamp | None:
        """UTC time of the last record."""
        return self.records.index[-1] if len(self.records) else self.start_time

    def record_span(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """The first and last time of the dated records (records without a time left out), or ``None``
        when there are none."""
        if not len(self.records):
            return None
        times = self.records.index.dropna()
        return (times.min(), times.max()) if len(times) else None

    def first_position(self) -> tuple[float, float] | None:
        """The first plausible position of the dated records (:func:`run_position`), or ``None``."""
        return run_position(self.records[self.records.index.notna()])

    def heart_rate_max(self) -> float | None:
        """The highest heart rate in the records (NaN when none is recorded), ``None`` without the column."""
        return self.records["heart_rate_bpm"].max() if "heart_rate_bpm" in self.records else None

    @property
    def distance_m(self) -> float:
        """Distance of the activity in metres, each session counted on its own.

        A session's distance is the watch's own total for it when that is known, else the span
        of its records' distance. Multisport files record distance cumulatively across legs or
        restart it each leg; either way a leg (or :meth:`select`) counts only its own metres.
        A file without sessions uses its records' largest distance.
        """
        recs = self.records
        has_dist = "distance_m" in recs and recs["distance_m"].notna().any()
        if self.sessions.empty or "session" not in recs:
            if has_dist:
                return float(recs["distance_m"].max())
            return float("nan")
        totals = self.sessions["total_distance_m"] if "total_distance_m" in self.sessions else None
        total = 0.0
        known = False
        for idx in self.sessions.index:
            value = totals.get(idx) if totals is not None else None
            if value is not None and pd.notna(value) and value > 0:
                total += float(value)
                known = True
                continue
            if has_dist:
                dist = recs.loc[recs["session"] == idx, "distance_m"].dropna()
                if len(dist):
                    first = 0.0 if idx == self.sessions.index[0] and self.is_whole_file else float(dist.iloc[0])
                    total += float(dist.max()) - min(first, float(dist.max()))
                    known = True
        return total if known else float("nan")

    @property
    def is_whole_file(self) -> bool:
        """False for a leg of a multisport file or a :meth:`select` result."""
        return "#" not in self.source and not self._part

    _part: bool = field(default=False, repr=False)

    def legs(self) -> list[Activity]:
        """The activity's sessions as separate activities: the legs of a multisport file.

        A single-session file is its own only leg. In a multisport file each session with
        records becomes an activity of its own, its records' ``elapsed_s``, ``timer_s`` and
        ``distance_m`` counting from the leg's start, with that session's laps, events and
        pauses. Transition sessions are left out. Legs are named after the file: a file's only
        running leg keeps the file name (so a cramp log can name the file); other legs get
        ``#<sport>`` (and ``-2``, ``-3`` … when a sport repeats), e.g. ``tri.fit#cycling``.
        """
        if len(self.sessions) <= 1 or "session" not in self.records:
            return [self]
        sports = self.sessions["sport"].astype(object).where(self.sessions["sport"].notna(), "unknown") \
            if "sport" in self.sessions else pd.Series("unknown", index=self.sessions.index)
        counts = sports.value_counts()
        seen: dict[str, int] = {}
        out = []
        for idx, sport in sports.items():
            if sport == "transition":
                continue
            recs = self.records[self.records["session"] == idx]
            if recs.empty or recs.index.notna().sum() == 0:
                continue
            seen[sport] = seen.get(sport, 0) + 1
            if sport == "running" and counts[sport] == 1:
                name = self.source
            else:
                name = f"{self.source}#{sport}" + (f"-{seen[sport]}" if counts[sport] > 1 else "")
            out.append(self._leg(idx, recs, name))
        return out

    def _leg(self, idx: object, recs: pd.DataFrame, name: str) -> Activity:
        times = recs.index[recs.index.notna()]
        start, end = times.min(), times.max()
        session_start = self.sessions.loc[idx].get("start_time") if "start_time" in self.sessions else None
        if session_start is not None and pd.notna(session_start) and start - pd.Timedelta(hours=1) <= session_start <= start:
            start = session_start
        recs = recs.copy()
        first = recs.iloc[0]
        recs["elapsed_s"] = (recs.index - start).total_seconds()
        lead_s = (times.min() - start).total_seconds()  # session start to its first record, moving
        if "timer_s" in recs and pd.notna(first["timer_s"]):
            recs["timer_s"] = recs["timer_s"] - float(first["timer_s"]) + lead_s
        else:
            recs["timer_s"] = recs["elapsed_s"]
        if "distance_m" in recs and recs["distance_m"].notna().any():
            recs["distance_m"] = recs["distance_m"] - float(recs["distance_m"].dropna().iloc[0])
        in_span = (self.events.index >= start) & (self.events.index <= end) if len(self.events) else []
        pauses = self.pauses
        if len(pauses):
            pauses = pauses[(pauses["start"] >= start) & (pauses["end"] <= end)].reset_index(drop=True)
        laps = self.laps[self.laps["session"] == idx] if "session" in self.laps else self.laps.iloc[0:0]
        return Activity(
            records=recs, laps=laps, sessions=self.sessions.loc[[idx]], events=self.events[in_span] if len(self.events)
            else self.events, pauses=pauses, device=dict(self.device), utc_offset=self.utc_offset,
            problems=list(self.problems), source=name, engine=self.engine, title=self.title,
            description=self.description, _part=True,
        )

    def select(self, sport: str) -> Activity:
        """The same activity restricted to the sessions of one sport.

        Its ``distance_m`` counts only those sessions; see :meth:`legs` for each session as an
        activity of its own, with times and distances counted from the leg's start.

        Parameters
        ----------
        sport : str
            FIT sport name, e.g. ``"running"``.
        """
        keep = self.sessions.index[self.sessions.get("sport", pd.Series(dtype=object)) == sport]
        recs = self.records[self.records["session"].isin(keep)] if "session" in self.records else self.records.iloc[0:0]
        laps = self.laps[self.laps["session"].isin(keep)] if "session" in self.laps else self.laps
        return Activity(
            records=recs,
            laps=laps,
            sessions=self.sessions.loc[keep],
            events=self.events,
            pauses=self.pauses,
            device=dict(self.device),
            utc_offset=self.utc_offset,
            problems=list(self.problems),
            source=self.source,
            engine=self.engine,
            title=self.title,
            description=self.description,
            _part=True,
        )

    def __repr__(self) -> str:
        start = self.start_time
        when = "unknown" if start is None or pd.isna(start) else f"{start:%Y-%m-%d %H:%M} UTC"
        if self.utc_offset is not None and not pd.isna(self.utc_offset) and when != "unknown":
            when += f" (watch {format_utc_offset(self.utc_offset)})"
        return (
            f"Activity({self.source!r}, sport={self.sport!r}, start={when}, distance={self.distance_m / 1000:.2f} km, "
            f"records={len(self.records)}, laps={len(self.laps)}, pauses={len(self.pauses)}, "
            f"problems={len(self.problems)})"
        )

    def __getstate__(self) -> dict[str, Any]:
        """Deferred frames are built before pickling (a builder does not cross processes)."""
        for name in ("laps", "sessions", "events", "pauses"):
            getattr(self, name)
        return dict(self.__dict__)

    def _repr_html_(self) -> str:
        head = html.escape(repr(self))
        rows = "".join(
            _frame_summary(n, f)
            for n, f in [("records", self.records), ("laps", self.laps), ("sessions", self.sessions), ("pauses", self.pauses)]
        )
        probs = "".join(f"<li>{html.escape(str(p))}</li>" for p in self.problems)
        return f"<div><p><b>{head}</b></p><table>{rows}</table>{'<ul>' + probs + '</ul>' if probs else ''}</div>"


@dataclass
class ArchiveWeather:
    """What the weather archive gave for one run: hourly rows over the run's days and where they are.

    Attributes
    ----------
    hours : DataFrame
        UTC-indexed hourly ``temperature_c``, ``relative_humidity_pct``, ``dew_point_c``,
        ``wind_mps``, ``solar_w_m2``, ``direct_w_m2``, ``pressure_hpa``.
    provider : str
    cell_label : str
        The grid cell sent, e.g. ``47.4°N 8.5°E``.
    km_from_run : float
        From the run's start to the archive's grid point.
    lat, lon : float
        The run's start position (stays on this machine: used for the sun's height only).
    model : str
        The archive's model asked for (``era5_seamless``: ERA5-Land/ERA5 reanalysis).
    attribution : str
        The data licence's attribution, shown wherever these values are.
    """

    hours: pd.DataFrame
    provider: str
    cell_label: str
    km_from_run: float
    lat: float
    lon: float
    model: str = ""
    attribution: str = ""

    @property
    def source(self) -> str:
        model = f" {self.model}" if self.model else ""
        return f"archive:{self.provider}{model} ({self.cell_label}, {self.km_from_run:.1f} km from the run)"


REPR_ROWS = 20
"""Rows a notebook's view of an athlete or analysis shows (it says how many of how many)."""

REPR_MESSAGE_CHARS = 160
"""A problem or flag message in a notebook's view is cut to this many characters."""


def short_text(text: object, limit: int = REPR_MESSAGE_CHARS) -> str:
    """``text`` cut to ``limit`` characters at a word, with ``…`` when cut."""
    text = " ".join(str(text).split())
    if len(text) <= limit:
        return text
    return text[: limit - 1].rsplit(" ", 1)[0] + " …"


def local_time_text(t: object, tz: str) -> str:
    """``2024-06-18 08:50 +02:00`` in the zone ``tz``; ``unknown`` for a missing time."""
    if t is None or pd.isna(t):
        return "unknown"
    local = pd.Timestamp(t).tz_convert(tz)
    return f"{local:%Y-%m-%d %H:%M} {format_utc_offset(local.utcoffset())}"


def left_aligned(markup: str) -> str:
    """Table cells and lists aligned left (Jupyter right-aligns table cells by default)."""
    for tag in ("table", "td", "th", "ul"):
        markup = markup.replace(f"<{tag}>", f"<{tag} style='text-align:left'>")
    return markup


def problems_html(problems: list[Problem]) -> str:
    """Input problems as a left-aligned list: the count, then at most :data:`REPR_ROWS`, each short."""
    if not problems:
        return "<p>No input problems.</p>"
    items = "".join(f"<li>{html.escape(short_text(p))}</li>" for p in problems[:REPR_ROWS])
    return (f"<p>{len(problems)} input problem{'s' if len(problems) != 1 else ''}"
            f"{f' ({REPR_ROWS} of {len(problems)} shown)' if len(problems) > REPR_ROWS else ''}:</p>"
            f"<ul>{items}</ul>")


def _stem(file_name: str) -> str:
    """A file name without its suffixes: ``run.fit.gz`` → ``run``, ``run.fit`` → ``run``."""
    stem = file_name[:-3] if file_name.lower().endswith(".gz") else file_name
    return stem.rsplit(".", 1)[0] if "." in stem else stem


@dataclass
class Athlete:
    """One athlete folder, read and validated (docs/folders.md).

    Attributes
    ----------
    id : str
        Folder name.
    folder : str
        Where it was read from.
    profile : dict
        ``athlete.toml`` with defaults (``name``, ``timezone``, ``medications``, ``thresholds``, …).
    activities : list of Activity
        Every readable FIT file in ``activities/`` (partial files included), in time order.
    cramps : DataFrame
        The validated cramp log (see :func:`analyzer.io.logs.read_cramp_log`).
    weather : DataFrame
        Air temperature and humidity indexed by UTC time (empty when not given).
    weigh_ins : DataFrame
        Body mass before/after runs and fluid drunk (empty when not given).
    problems : list of Problem
        Every input problem found while loading; loading never stops at one.
    archive : dict
        Run name → :class:`ArchiveWeather`: the weather archive's hours for runs that
        ``weather.csv`` does not cover (see :mod:`analyzer.weather.runs`).
    archive_notes : dict
        Run name → why the archive has nothing for it (no position, offline, …).
    """

    id: str
    folder: str
    profile: dict[str, Any]
    activities: list[Activity]
    cramps: pd.DataFrame
    weather: pd.DataFrame
    weigh_ins: pd.DataFrame
    problems: list[Problem] = field(default_factory=list)
    archive: dict[str, ArchiveWeather] = field(default_factory=dict)
    archive_notes: dict[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        """Display name (``name`` in athlete.toml, else the folder name)."""
        return str(self.profile.get("name") or self.id)

    @property
    def timezone(self) -> str:
        """IANA timezone of the athlete's local times."""
        return str(self.profile.get("timezone") or "UTC")

    @property
    def timezone_label(self) -> str:
        """How pages name the zone: the IANA name, or ``UTC+09:00`` for one taken from the watch."""
        return str(self.profile.get("timezone_label") or self.timezone)

    @property
    def timezone_guessed(self) -> bool:
        """True when neither athlete.toml nor the watch says the zone (UTC is then a guess, and
        nothing is said about the time of day)."""
        return self.profile.get("timezone_source") == "guessed"

    @functools.cached_property
    def legs(self) -> list[Activity]:
        """Every activity, multisport files split into their legs (:meth:`Activity.legs`), in time order.

        Runs are the running legs: a triathlon's run leg is a run of its own; its swim and
        bike legs are not runs.
        """
        return [leg for act in self.activities for leg in act.legs()]

    def activity(self, name: str) -> Activity | None:
        """The activity or leg named ``name`` (a file name in ``activities/``, or a leg's name), or ``None``.

        The name may leave out the file's suffix (``"2024-06-18-0800"`` finds
        ``2024-06-18-0800.fit``) when only one file has that stem. For a multisport file, the file
        name finds its running leg when it has exactly one.
        """
        if not isinstance(name, str | os.PathLike):
            raise TypeError(f"activity() takes a file name, not {type(name).__name__}")
        name = os.fspath(name)
        for act in self.legs:
            if act.source == name:
                return act
        for act in self.activities:
            if act.source == name:
                return act
        stem = [act for act in self.activities if _stem(act.source) == name]
        if len(stem) == 1:
            return self.activity(stem[0].source)
        return None

    def __repr__(self) -> str:
        return (
            f"Athlete({self.id!r}, name={self.name!r}, activities={len(self.activities)}, "
            f"cramps={len(self.cramps)}, problems={len(self.problems)})"
        )

    def _repr_html_(self) -> str:
        tz = self.timezone
        shown = self.activities[:REPR_ROWS]
        rows = "".join(
            f"<tr><td>{html.escape(a.source)}</td><td>{html.escape(str(a.sport or ''))}</td>"
            f"<td>{html.escape(local_time_text(a.start_time, tz))}</td><td>{a.distance_m / 1000:.2f} km</td></tr>"
            for a in shown
        )
        head = ("<tr><th>file</th><th>sport</th><th>start (local)</th><th>distance</th></tr>" if shown else "")
        return left_aligned(
            f"<div><p><b>{html.escape(repr(self))}</b></p>"
            f"<p>{len(shown)} of {len(self.activities)} activities shown; times in {html.escape(tz)}.</p>"
            f"<table>{head}{rows}</table>{problems_html(self.problems)}</div>"
        )
