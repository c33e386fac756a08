"""FIT file → :class:`~analyzer.model.Activity` (tidy DataFrames with units in their names).

``records`` columns (present only when the file has the field; missing values are NaN):

============== =====================================================================
column         meaning
============== =====================================================================
session        index of the session (row of ``sessions``) the record belongs to
elapsed_s      wall-clock seconds since the activity started (pauses included)
timer_s        moving seconds (``elapsed_s`` less the timer pauses before it)
distance_m     distance so far, metres
speed_mps      speed, m/s (``enhanced_speed`` preferred over ``speed``)
heart_rate_bpm heart rate; 0 and the FIT invalid value are NaN
cadence_spm    running/walking cadence in steps per minute: 2 × (cadence + fractional)
cadence_rpm    cadence of other sports (cycling: crank revolutions per minute)
altitude_m     altitude (``enhanced_altitude`` preferred)
temperature_c  the device's own temperature sensor (on the wrist it reads high)
latitude_deg   position, degrees (from semicircles × 180 / 2³¹)
longitude_deg
power_w        power, watts
(developer)    developer fields, named ``<field name>_<units>`` (e.g. ``core_temperature_c``)
============== =====================================================================

``laps`` and ``sessions`` hold every field of their message, named ``<field>_<unit>``, with the same
conventions: positions (``start_position_lat_deg``, ``nec_lat_deg``, …) converted from semicircles
to degrees, and running cadence ``avg_cadence_spm``/``max_cadence_spm`` in steps per minute with
both feet (other sports: ``avg_cadence_rpm``).

References
----------
Garmin FIT SDK profile (messages ``record``, ``lap``, ``session``, ``event``,
``file_id``, ``device_info``, ``activity``); docs/science.md, "What watch files really contain".
"""

from __future__ import annotations

import functools
import io
import logging
import os
import re
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from analyzer.errors import FitError, FitTruncatedError, InputError
from analyzer.io.fit_decode import FIT_EPOCH_UNIX_S, Messages, Table, check_header, decode, table_length
from analyzer.io.fit_names import manufacturer_name
from analyzer.io.frames import frame, utc_array, utc_index
from analyzer.io.inputs import MAX_ACTIVITY_BYTES, cut_note, gunzip_cut, read_input
from analyzer.io.track import clean_distance, fast_speeds, speed_limit_mps, time_order
from analyzer.model import Activity, Deferred, Problem

ENGINES = ("numpy", "fitparse")

_log = logging.getLogger(__name__)

FOOT_SPORTS = frozenset({"running", "walking", "hiking", "training", "generic", "transition"})
"""Sports whose FIT ``cadence`` counts one foot per minute (so steps/min is twice it)."""

_TIMER_STOP = frozenset({"stop", "stop_all", "stop_disable", "stop_disable_all"})
_MAX_OFFSET = pd.Timedelta(hours=14)
_SEMICIRCLE_TO_DEG = 180.0 / 2**31
_SYSTEM_TIME_LIMIT = 0x10000000  # FIT: date_time values below this are relative to power-on

_UNIT_SUFFIX = {
    "s": "s", "ms": "ms", "m": "m", "cm": "cm", "mm": "mm", "km": "km", "m/s": "mps", "km/h": "kph",
    "bpm": "bpm", "rpm": "rpm", "spm": "spm", "kcal": "kcal", "c": "c", "°c": "c", "degc": "c",
    "deg c": "c", "celsius": "c", "watts": "w", "w": "w", "%": "pct", "percent": "pct",
    "semicircles": "deg", "deg": "deg", "degrees": "deg", "kg": "kg", "j": "j", "kj": "kj",
    "hpa": "hpa", "mmhg": "mmhg", "kn/m": "kn_per_m", "mm/s": "mmps", "g": "g", "l": "l",
    "ml": "ml", "m/s^2": "mps2", "strides/min": "spm", "steps/min": "spm", "breaths/min": "brpm",
    "meters": "m", "meter": "m", "metres": "m", "seconds": "s", "milliseconds": "ms",
    "centimeters": "cm", "millimeters": "mm", "kilometers": "km", "degrees celsius": "c",
    "kilojoules": "kj", "calories": "kcal", "beats/min": "bpm", "min/km": "min_per_km",
}


class FitWarning(UserWarning):
    """A FIT file was read only in part (truncated, bad CRC, junk after the data)."""


def _snake(text: str) -> str:
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])", "_", str(text).strip())
    s = re.sub(r"[^0-9a-zA-Z]+", "_", s).strip("_").lower()
    return s or "field"


@functools.lru_cache(maxsize=4096)
def unit_column_name(field_name: str, units: str | None) -> str:
    """Column name with its unit: ``("avg_heart_rate", "bpm") → "avg_heart_rate_bpm"``.

    Units without a known short form are spelled out (``"Watts/kg"`` → ``_watts_kg``);
    a name already ending in its unit is not doubled.
    """
    base = _snake(field_name)
    if not units:
        return base
    key = str(units).strip().lower()
    suffix = _UNIT_SUFFIX.get(key) or _snake(key)
    if base == suffix or base.endswith("_" + suffix):
        return base
    return f"{base}_{suffix}"


def semicircles_to_deg(semicircles: np.ndarray | pd.Series) -> np.ndarray:
    """FIT position (semicircles) → degrees: ``semicircles × 180 / 2³¹``."""
    return np.asarray(semicircles, dtype=np.float64) * _SEMICIRCLE_TO_DEG


# --------------------------------------------------------------------------- reading


def _read_bytes(source: str | os.PathLike | BinaryIO) -> tuple[bytes, str, str]:
    """``(FIT bytes, name, note)`` of a path or binary stream, gunzipped within :data:`MAX_ACTIVITY_BYTES`;
    ``note`` says when a cut-off ``.gz`` could be inflated only in part."""
    if hasattr(source, "read"):
        name = str(getattr(source, "name", "<stream>"))
        try:
            data = source.read(MAX_ACTIVITY_BYTES + 1)
        except OSError as exc:
            _log.info("%s: reading the stream failed: %r", name, exc)
            raise FitError(name, None, f"cannot read the stream ({exc.strerror or 'an input/output error'})") from exc
        if not isinstance(data, (bytes, bytearray)):
            raise FitError(name, None, "the stream must be opened in binary mode")
        if len(data) > MAX_ACTIVITY_BYTES:
            raise FitError(name, None, f"over the {MAX_ACTIVITY_BYTES:,}-byte limit for an activity file; not read")
        data = bytes(data)
    else:
        name = str(Path(source))
        try:
            data = read_input(source, MAX_ACTIVITY_BYTES)
        except InputError as exc:
            raise FitError(name, None, exc.reason) from exc
    cut = None
    if data[:2] == b"\x1f\x8b":
        try:
            data, cut = gunzip_cut(data, MAX_ACTIVITY_BYTES, name)
        except InputError as exc:
            raise FitError(name, exc.offset, exc.reason) from exc
        if cut is not None and not data:
            raise FitTruncatedError(name, cut, "the gzip file is cut off before any FIT data; nothing could be read")
    return data, name, cut_note(cut)


def read_fit(source: str | os.PathLike | BinaryIO, *, engine: str = "numpy") -> Activity:
    """Read one FIT activity file into tidy DataFrames.

    Parameters
    ----------
    source : str, path-like or binary file object
        A ``.fit`` or gzip-compressed ``.fit.gz`` file (gzip is recognised by its bytes,
        not its name). The file is only read, never written.
    engine : {"numpy", "fitparse"}
        ``"numpy"`` (default) is this package's bulk decoder; ``"fitparse"`` uses the
        reference parser, slower and stricter (it stops at files it cannot read). Should the
        numpy decoder fail on a file, fitparse reads it instead: the activity's ``engine`` is
        then ``"fitparse"`` and its first problem names the decoder's error.

    Returns
    -------
    Activity
        ``records``, ``laps``, ``sessions``, ``events``, ``pauses``, ``device``,
        ``utc_offset`` and ``problems`` (see :mod:`analyzer.io.fit` for the columns).

    Raises
    ------
    FitError
        The bytes are not FIT at all (:class:`~analyzer.errors.NotFitError`, a
        :class:`~analyzer.errors.FitHeaderError` for a broken header), a ``.gz`` is cut off before
        any data (:class:`~analyzer.errors.FitTruncatedError`), or the file cannot be read. A file that
        starts well but breaks (truncated, bad CRC) is *not* an error: everything decoded
        before the break is returned, with the problem in ``activity.problems`` and a
        :class:`FitWarning`.

    Examples
    --------
    >>> act = read_fit("sample_data/wkz_runner/activities/2019-09-14-wkz-example.fit")
    >>> act.sport, round(act.distance_m), len(act.records)
    ('running', 5840, 1202)
    """
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {ENGINES}, not {engine!r}")
    data, name, note = _read_bytes(source)
    if engine == "numpy":
        try:
            activity = build_activity(decode(data, name), name, engine)
        except FitError:  # not FIT at all (the decoder says which kind), not a decoder bug
            raise
        except Exception as exc:  # a decoder bug: never silently wrong, read it the reference way
            activity = _read_with_fitparse_instead(data, name, exc)
    else:
        check_header(data, name)
        activity = _read_with_fitparse(data, name)
    if note:
        activity.problems.insert(0, Problem(name, "", note))
    if activity.problems:  # one warning per file, naming every problem
        warnings.warn(FitWarning("; ".join(str(p) for p in activity.problems)), stacklevel=2)
    return activity


def _read_with_fitparse(data: bytes, name: str) -> Activity:
    from analyzer.io.fit_fitparse import decode_with_fitparse

    return build_activity(decode_with_fitparse(data, name), name, "fitparse")


def _read_with_fitparse_instead(data: bytes, name: str, error: Exception) -> Activity:
    """The fallback when the numpy decoder fails on a file: fitparse reads it, and the
    activity says so (``engine == "fitparse"`` and a problem naming the error). When fitparse
    cannot read it either, the decoder's own error is raised."""
    _log.info("%s: the fast FIT decoder failed; reading it with fitparse instead", name, exc_info=error)
    try:
        activity = _read_with_fitparse(data, name)
    except Exception:
        raise error from None
    activity.problems.insert(0, Problem(name, "", "the fast reader failed on this file (a fault in the analyzer, "
                                        "details in the log); read with fitparse instead (please report this file)"))
    return activity


# --------------------------------------------------------------------------- frames

_NAT = np.iinfo(np.int64).min
_NAT_LAST = np.iinfo(np.int64).max


def _floats(column: np.ndarray | None) -> np.ndarray | None:
    """A column as float64 (None → NaN), or ``None`` when it holds text or tuples."""
    if column is None:
        return None
    if column.dtype.kind in "fiub":
        return column.astype(np.float64, copy=False)
    out = np.empty(len(column), dtype=np.float64)
    for i, v in enumerate(column):
        if v is None:
            out[i] = np.nan
        elif isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool):
            out[i] = float(v)
        else:
            return None
    return out


def _numeric(table: Table, column: str) -> np.ndarray | None:
    values = _floats(table.get(column))
    return values if values is not None and not np.isnan(values).all() else None


def _first_present(table: Table, *columns: str) -> np.ndarray | None:
    for column in columns:
        values = _numeric(table, column)
        if values is not None:
            return values
    return None


def fit_seconds_ns(seconds: np.ndarray) -> np.ndarray:
    """FIT ``date_time`` seconds → int64 nanoseconds since the Unix epoch (``NaT`` where missing).

    FIT counts from 1989-12-31 00:00 UTC: add 631,065,600 s for Unix time. Values below
    ``0x10000000`` are, per the profile, seconds since the device was switched on; they are
    converted the same way (giving dates in 1990) and the records builder reports them.

    References
    ----------
    Garmin FIT SDK cookbook, "Working with date time values".
    """
    secs = np.asarray(seconds, dtype=np.float64)
    ok = np.isfinite(secs)
    if ok.all():
        return (np.round(secs).astype(np.int64) + FIT_EPOCH_UNIX_S) * 1_000_000_000
    out = np.full(len(secs), _NAT, dtype=np.int64)
    out[ok] = (np.round(secs[ok]).astype(np.int64) + FIT_EPOCH_UNIX_S) * 1_000_000_000
    return out


@dataclass
class _Columns:
    """One frame's columns while it is being built: numpy arrays, date-times as int64 ns."""

    data: dict[str, np.ndarray]
    times: frozenset[str]
    n: int

    def take(self, order: np.ndarray) -> _Columns:
        return _Columns({k: v[order] for k, v in self.data.items()}, self.times, len(order))

    def ns(self, column: str) -> np.ndarray | None:
        return self.data.get(column) if column in self.times else None

    def frame(self, index: pd.Index | None = None) -> pd.DataFrame:
        cols = {k: utc_array(v) if k in self.times else v for k, v in self.data.items()}
        return frame(cols, index, self.n)


def _pauses(table: Table) -> tuple[np.ndarray, np.ndarray]:
    """Timer stops followed by a start, from the raw event table in time order: (starts, ends) in ns."""
    starts: list[int] = []
    ends: list[int] = []
    stamps = _floats(table.get("timestamp"))
    if stamps is not None and "event" in table and "event_type" in table:
        ns = fit_seconds_ns(stamps)
        order = np.argsort(ns, kind="stable")
        stopped_at = None
        events, kinds = table["event"], table["event_type"]
        for i in order:
            if events[i] != "timer" or ns[i] == _NAT:
                continue
            kind = kinds[i]
            if kind in _TIMER_STOP:
                if stopped_at is None:
                    stopped_at = int(ns[i])
            elif kind == "start" and stopped_at is not None:
                if ns[i] > stopped_at:
                    starts.append(stopped_at)
                    ends.append(int(ns[i]))
                stopped_at = None
    return np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)


def _pause_frame(starts: np.ndarray, ends: np.ndarray) -> pd.DataFrame:
    duration = (ends.astype(np.float64) - starts.astype(np.float64)) / 1e9
    return frame({"start": utc_array(starts), "end": utc_array(ends), "duration_s": duration})


def _paused_before(times_ns: np.ndarray, starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Seconds of pause between the start and each time (pauses sorted, not overlapping)."""
    if len(starts) == 0 or len(times_ns) == 0:
        return np.zeros(len(times_ns))
    durs = (ends.astype(np.float64) - starts.astype(np.float64)) / 1e9
    idx = np.searchsorted(starts, times_ns, side="right") - 1
    safe = np.maximum(idx, 0)  # np.clip's fixed cost is ~10× this on a short file
    cum = np.concatenate([[0.0], np.cumsum(durs)])
    inside = np.minimum((times_ns - starts[safe]) / 1e9, durs[safe])
    return np.where(idx >= 0, cum[safe] + inside, 0.0)


@functools.lru_cache(maxsize=64)
def _profile_units(message: str) -> tuple[dict[str, str | None], frozenset[str]]:
    from fitparse.profile import MESSAGE_TYPES

    units: dict[str, str | None] = {}
    times: set[str] = set()
    for mt in MESSAGE_TYPES.values():
        if mt.name != message:
            continue
        for f in mt.fields.values():
            units[f.name] = f.units
            if getattr(f.type, "name", "") == "date_time":
                times.add(f.name)
            for comp in f.components or ():
                target = mt.fields.get(comp.def_num)
                if target is not None:
                    units.setdefault(target.name, target.units)
    return units, frozenset(times)


def _generic_columns(table: Table, units: dict[str, str | None], time_fields: frozenset[str]) -> _Columns:
    """Profile-named table → columns with units in their names; datetimes as ns; text as objects.

    Columns with no value at all are left out; numbers come as float64 (NaN = missing).
    """
    cols = [(col, column, _floats(column)) for col, column in table.items() if not col.startswith("_")]
    numeric = [values for _, _, values in cols if values is not None]
    if numeric:  # which numeric columns are all NaN, in one numpy call for the whole table
        empty = iter(np.isnan(np.stack(numeric)).all(axis=1).tolist())
    out: dict[str, np.ndarray] = {}
    times: set[str] = set()
    for col, column, values in cols:
        if values is not None and next(empty):
            continue
        if col in time_fields:
            if values is None:
                continue
            name = "time" if col == "timestamp" else col
            out[name] = fit_seconds_ns(values)
            times.add(name)
            continue
        name, semicircles = _column_name(col, units.get(col))
        if values is None:
            if any(isinstance(v, tuple) for v in column) or all(v is None for v in column):
                continue
            values = column
        elif semicircles:
            values = semicircles_to_deg(values)  # a position: degrees under a degrees name
        while name in out:
            name += "_dev"
        out[name] = values
    first = [c for c in ("time", "start_time") if c in out]
    order = first + sorted(c for c in out if c not in first)
    return _Columns({c: out[c] for c in order}, frozenset(times), table_length(table))


@functools.lru_cache(maxsize=4096)
def _column_name(column: str, units: str | None) -> tuple[str, bool]:
    """A decoded column's name with its unit (:func:`unit_column_name`; a developer field's
    ``dev|<name>|<units>`` by its own units, any other by the profile's ``units``), and whether
    it holds semicircles."""
    if column.startswith("dev|"):
        _, column, units = column.split("|", 2)
    return (unit_column_name(column, units),
            units is not None and str(units).strip().lower() == "semicircles")


def _session_of(times_ns: np.ndarray, session_starts_ns: np.ndarray | None) -> np.ndarray:
    """Row of the session each time falls in (the last one started at or before it)."""
    if session_starts_ns is None or len(session_starts_ns) == 0:
        return np.zeros(len(times_ns), dtype=np.int64)
    known = session_starts_ns != _NAT
    if not known.any():
        return np.zeros(len(times_ns), dtype=np.int64)
    index = np.flatnonzero(known)
    starts = session_starts_ns[known]
    order = np.argsort(starts, kind="stable")
    pos = np.maximum(np.searchsorted(starts[order], times_ns, side="right") - 1, 0)
    return index[order][pos].astype(np.int64)


def build_activity(messages: Messages, name: str, engine: str) -> Activity:
    """Turn decoded messages (either engine) into an :class:`Activity`.

    The records are built now; laps, sessions, events and pauses are handed over as
    :class:`~analyzer.model.Deferred` frames, built when first read (a plain run's report never
    reads its laps or events; on a small file these frames cost as much as decoding it). Of the
    sessions only the start, sport and total distance are made into columns now (:func:`_session_keys`,
    all the records need); the frame of every session field waits like the others. Every table,
    the laps' included, is decoded with the file: a decoder failure reaches :func:`read_fit`, which
    then reads the file with fitparse.
    """
    problems = list(messages.problems)
    session_table = messages.get("session")
    sessions, order = _session_keys(session_table)
    events = messages.get("event")
    pause_starts, pause_ends = _pauses(events)
    records = _records(messages.get("record"), sessions, pause_starts, pause_ends, name, problems)
    return Activity(
        records=records,
        laps=_deferred("laps", functools.partial(_laps, messages.get("lap"), sessions), name, problems),
        sessions=_deferred("sessions", functools.partial(_sessions, session_table, sessions, order), name, problems),
        events=_deferred("events", functools.partial(_events, events), name, problems),
        pauses=_deferred("pauses", functools.partial(_pause_frame, pause_starts, pause_ends), name, problems),
        device=_device(messages),
        utc_offset=_utc_offset(messages.get("activity")),
        problems=problems,
        source=Path(name).name if name != "<stream>" else name,
        engine=engine,
    )


_SESSION_KEYS = frozenset({"start_time", "sport", "total_distance_m"})
"""The session columns the records are built with (the rest wait for the sessions frame)."""


def _session_columns(table: Table, wanted: frozenset[str] | None = None) -> _Columns:
    """The session table's columns (:func:`_table_columns`); with ``wanted``, only the columns whose
    name is in it, each made exactly as in the whole set (names taken in table order)."""
    if wanted is not None:
        units = _profile_units("session")[0]
        table = {col: values for col, values in table.items()
                 if col == "_offset" or col in wanted or _column_name(col, units.get(col))[0] in wanted}
    return _table_columns(table, "session")


def _session_order(sessions: _Columns) -> np.ndarray | None:
    """The sessions' rows in time order, unknown starts last (``None``: as they are)."""
    starts = sessions.ns("start_time")
    if starts is None or sessions.n <= 1:
        return None
    return np.argsort(np.where(starts == _NAT, _NAT_LAST, starts), kind="stable")


def _with_sport(sessions: _Columns) -> _Columns:
    """``sessions`` with a ``sport`` column (``None`` where the file names none)."""
    if "sport" not in sessions.data and sessions.n:
        sessions.data["sport"] = np.full(sessions.n, None, dtype=object)
    return sessions


def _session_keys(table: Table) -> tuple[_Columns, np.ndarray | None]:
    """The sessions' start, sport and total distance (:data:`_SESSION_KEYS`) in time order, and that order.

    The records need only these; the frame of every session field is built when first read
    (:func:`_sessions`), in the same order and with the distance totals the records left them.
    """
    n = table_length(table)
    if any(np.ndim(values) != 1 or len(values) != n for values in table.values()):  # a decoder fault: it must
        raise ValueError("session columns of unequal length")  # reach read_fit, which reads with fitparse then
    keys = _session_columns(table, _SESSION_KEYS)
    order = _session_order(keys)
    return _with_sport(keys.take(order) if order is not None else keys), order


def _sessions(table: Table, keys: _Columns, order: np.ndarray | None) -> pd.DataFrame:
    """The sessions frame: every field, in time order (``order``), cadence per minute, and the total
    distance as :func:`_clean_track` left it in ``keys``."""
    sessions = _session_columns(table)
    sessions = _with_sport(sessions.take(order) if order is not None else sessions)
    if "total_distance_m" in keys.data:
        sessions.data["total_distance_m"] = keys.data["total_distance_m"]
    if sessions.n:
        _cadence_per_minute(sessions, np.array([s in FOOT_SPORTS for s in sessions.data["sport"]], dtype=bool))
    return sessions.frame()


BUILD_FAILED = "could not be built from the decoded messages"
"""Said in a problem when a deferred frame fails (a decoder bug: the fuzzers look for it)."""


def _deferred(what: str, build, name: str, problems: list[Problem]) -> Deferred:
    """A frame built on first read. Should building it fail, the frame is empty and the
    activity's problems (the same list) say so: the records already read are never lost."""

    def safe() -> pd.DataFrame:
        try:
            return build()
        except Exception as exc:
            _log.info("%s: the %s could not be built", name, what, exc_info=exc)
            problems.append(Problem(name, "", f"the {what} {BUILD_FAILED} (a fault in the analyzer, details in the "
                                              "log); shown empty"))
            return pd.DataFrame()

    return Deferred(safe)


def _laps(table: Table, sessions: _Columns) -> pd.DataFrame:
    """The laps frame, from the decoded lap table."""
    laps = _table_columns(table, "lap")
    lap_starts = laps.ns("start_time")
    session_starts = sessions.ns("start_time")
    if laps.n and lap_starts is not None:
        laps.data["session"] = _session_of(lap_starts, session_starts)
    if laps.n:
        own = laps.data.get("sport")
        of_session = sessions.data.get("sport")
        rows = laps.data.get("session")
        sports = []
        for i in range(laps.n):
            sport = own[i] if own is not None else None
            if sport is None and of_session is not None and rows is not None and sessions.n:
                sport = of_session[min(max(int(rows[i]), 0), sessions.n - 1)]
            sports.append(sport)
        _cadence_per_minute(laps, np.array([s in FOOT_SPORTS for s in sports], dtype=bool))
    return laps.frame()


_SUMMARY_CADENCE = (("avg_cadence_rpm", "avg_fractional_cadence_rpm", "avg_cadence"),
                    ("max_cadence_rpm", "max_fractional_cadence_rpm", "max_cadence"))


def _cadence_per_minute(columns: _Columns, foot: np.ndarray) -> None:
    """Lap and session cadence in the records' convention, in place.

    The FIT ``avg_cadence``/``max_cadence`` of a run count one foot per minute; as in the
    records, rows of foot sports become ``<name>_spm`` = 2 × (cadence + fractional cadence), steps
    per minute with both feet, and other sports keep ``<name>_rpm`` (cadence + fractional). The
    fractional columns are folded in and dropped.
    """
    data = columns.data
    replaced: dict[str, dict[str, np.ndarray]] = {}
    dropped: set[str] = set()
    for rpm, frac_name, base in _SUMMARY_CADENCE:
        whole, frac = data.get(rpm), data.get(frac_name)
        if whole is None or whole.dtype == object:
            continue
        if frac is not None and frac.dtype != object:
            whole = whole + np.nan_to_num(frac, nan=0.0)
            dropped.add(frac_name)
        replaced[rpm] = {}
        if foot.any():
            replaced[rpm][f"{base}_spm"] = np.where(foot, 2.0 * whole, np.nan)
        if (~foot).any():
            replaced[rpm][rpm] = np.where(~foot, whole, np.nan)
    if replaced:
        new: dict[str, np.ndarray] = {}
        for name, values in data.items():
            if name in replaced:
                new.update(replaced[name])
            elif name not in dropped:
                new[name] = values
        columns.data.clear()
        columns.data.update(new)


def _table_columns(table: Table, message: str) -> _Columns:
    units, times = _profile_units(message)
    return _generic_columns(table, units, times)


def _text(column: np.ndarray | None, n: int) -> np.ndarray:
    if column is None:
        return np.full(n, None, dtype=object)
    out = np.empty(n, dtype=object)
    for i, v in enumerate(column):
        out[i] = None if v is None or (isinstance(v, float) and np.isnan(v)) else v
    return out


def _events(table: Table) -> pd.DataFrame:
    stamps = _floats(table.get("timestamp"))
    if stamps is None:
        return frame({"event": np.zeros(0, dtype=object), "event_type": np.zeros(0, dtype=object)},
                     utc_index(np.zeros(0, dtype=np.int64), "time"))
    n = len(stamps)
    ns = fit_seconds_ns(stamps)
    cols: dict[str, np.ndarray] = {}
    for col in ("event", "event_type", "event_group", "timer_trigger"):
        if col not in table:
            continue
        if col == "event_group":
            values = _floats(table[col])
            cols[col] = values if values is not None else np.full(n, np.nan)
        else:
            cols[col] = _text(table[col], n)
    keep = ns != _NAT
    order = np.argsort(ns[keep], kind="stable")
    return frame({k: v[keep][order] for k, v in cols.items()}, utc_index(ns[keep][order], "time"))


def _records(table: Table, sessions: _Columns, pause_starts: np.ndarray, pause_ends: np.ndarray, name: str,
             problems: list[Problem]) -> pd.DataFrame:
    """The record messages as the track frame: clocks, channels, cadence, position, developer fields."""
    n = table_length(table) if "_offset" in table else 0
    if n == 0:
        return frame(
            {"session": np.zeros(0, dtype=np.int64), "elapsed_s": np.zeros(0), "timer_s": np.zeros(0)},
            utc_index(np.zeros(0, dtype=np.int64), "time"),
        )
    ns = _record_times_ns(table, n, name, problems)
    out = _record_clocks(ns, sessions.ns("start_time"), pause_starts, pause_ends)
    out.update(_record_channels(table))
    out.update(_record_cadence(table, sessions, out["session"], n))
    for column, field in (("latitude_deg", "position_lat"), ("longitude_deg", "position_long")):
        values = _numeric(table, field)
        if values is not None:
            out[column] = semicircles_to_deg(values)
    _add_developer_fields(table, out)
    _clean_track(out, ns, sessions, name, problems)
    keep, hidden_s = time_order(ns, name, problems)
    if hidden_s is not None:  # time run before the clock stepped back
        out["elapsed_s"] = out["elapsed_s"] + hidden_s
        out["timer_s"] = out["timer_s"] + hidden_s
        out = {k: v[keep] for k, v in out.items()}
        ns = ns[keep]
    return frame(out, utc_index(ns, "time"))


def _record_times_ns(table: Table, n: int, name: str, problems: list[Problem]) -> np.ndarray:
    """The records' times (ns since the Unix epoch, NaT where none), missing and device-relative ones said."""
    raw_ts = _floats(table.get("timestamp"))
    if raw_ts is None:
        raw_ts = np.full(n, np.nan)
    missing = int(np.isnan(raw_ts).sum())
    if missing:
        problems.append(Problem(name, "", f"{missing} of {n} record messages carry no timestamp; kept with time NaT"))
    relative = int((raw_ts < _SYSTEM_TIME_LIMIT).sum())
    if relative:
        problems.append(
            Problem(
                name, "",
                f"{relative} record timestamps count seconds since the watch was switched on, not calendar time "
                "(older devices); they are shown as dates in 1990 and cannot be matched to a logged time",
            )
        )
    return fit_seconds_ns(raw_ts)


def _record_clocks(ns: np.ndarray, session_starts: np.ndarray | None, pause_starts: np.ndarray,
                   pause_ends: np.ndarray) -> dict[str, np.ndarray]:
    """Each record's session, and its seconds since the start: elapsed, and on the timer (pauses left out)."""
    valid = ns != _NAT
    out: dict[str, np.ndarray] = {"session": _session_of(ns, session_starts)}
    start = int(ns[valid].min()) if valid.any() else _NAT
    if valid.any() and session_starts is not None and (session_starts != _NAT).any():
        first = int(session_starts[session_starts != _NAT].min())
        if start - 86_400 * 10**9 <= first < start:
            start = first
    elapsed = np.where(valid, (ns - start) / 1e9, np.nan)
    out["elapsed_s"] = elapsed
    paused = (_paused_before(np.where(valid, ns, start), pause_starts, pause_ends)
              - _paused_before(np.array([start]), pause_starts, pause_ends)[0])
    out["timer_s"] = np.where(valid, elapsed - paused, np.nan)
    return out


def _record_channels(table: Table) -> dict[str, np.ndarray]:
    """The records' distance, speed, heart rate (0 as missing), altitude, temperature and power."""
    out: dict[str, np.ndarray] = {}
    simple = {
        "distance_m": ("distance",),
        "speed_mps": ("enhanced_speed", "speed"),
        "heart_rate_bpm": ("heart_rate",),
        "altitude_m": ("enhanced_altitude", "altitude"),
        "temperature_c": ("temperature",),
        "power_w": ("power",),
    }
    for column, fields in simple.items():
        values = _first_present(table, *fields)
        if values is not None:
            out[column] = values
    if "heart_rate_bpm" in out:
        hr = out["heart_rate_bpm"]
        out["heart_rate_bpm"] = np.where(hr > 0, hr, np.nan)
    return out


def _record_cadence(table: Table, sessions: _Columns, session: np.ndarray, n: int) -> dict[str, np.ndarray]:
    """The records' cadence: steps per minute in foot sessions, revolutions per minute in the others."""
    out: dict[str, np.ndarray] = {}
    cadence = _numeric(table, "cadence")
    if cadence is not None:
        frac = _numeric(table, "fractional_cadence")
        full = cadence + (np.nan_to_num(frac, nan=0.0) if frac is not None else 0.0)
        sports = sessions.data.get("sport")
        if sports is not None and sessions.n:
            foot_session = np.array([s in FOOT_SPORTS for s in sports], dtype=bool)
            foot = foot_session[np.minimum(np.maximum(session, 0), sessions.n - 1)]
        else:
            foot = np.zeros(n, dtype=bool)
        if foot.any():
            out["cadence_spm"] = np.where(foot, 2.0 * full, np.nan)
        if (~foot).any():
            out["cadence_rpm"] = np.where(~foot, full, np.nan)
    return out


def _add_developer_fields(table: Table, out: dict[str, np.ndarray]) -> None:
    """The records' developer fields added to ``out``, renamed where a name is taken (``dev_``, ``_dev``)."""
    dev = {k: v for k, v in table.items() if k.startswith("dev|")}
    if dev:
        extra = _generic_columns(dev, {}, frozenset())
        for col, values in extra.data.items():
            name_ = col if col not in out else f"dev_{col}"  # e.g. Stryd's own speed_mps
            while name_ in out:
                name_ += "_dev"
            out[name_] = values

def _clean_track(out: dict[str, np.ndarray], ns: np.ndarray, sessions: _Columns, name: str,
                 problems: list[Problem]) -> None:
    """The watch's distance and speed, session by session in file order (see :mod:`analyzer.io.track`):
    no distance over a step back in time, none faster than a runner on foot, no reading lower than an
    earlier one; the sessions' own totals lose what was left out."""
    dist, speed = out.get("distance_m"), out.get("speed_mps")
    if dist is None and speed is None:
        return
    # the decoder's own arrays may be shared or read-only: work on copies
    if dist is not None:
        dist = out["distance_m"] = np.array(dist, dtype=float)
    if speed is not None:
        speed = out["speed_mps"] = np.array(speed, dtype=float)
    sports = sessions.data.get("sport")
    totals = sessions.data.get("total_distance_m")
    if totals is not None:
        totals = np.array(totals, dtype=float) if totals.dtype.kind in "fiu" else None
    valid = np.flatnonzero(ns != _NAT)
    session_of = out["session"][valid]
    order = np.argsort(session_of, kind="stable")  # each session's records, in file order
    bounds = np.flatnonzero(np.diff(session_of[order])) + 1
    for group in np.split(order, bounds):
        if not len(group):
            continue
        s = int(session_of[group[0]])
        idx = valid[group]
        sport = sports[s] if sports is not None and 0 <= s < len(sports) else None
        limit = speed_limit_mps(sport)
        if dist is not None and len(idx):
            cleaned = clean_distance(ns[idx], dist[idx], limit, "the watch's distance", name, problems)
            dist[idx] = cleaned.distance_m
            if totals is not None and cleaned.left_out_m > 0 and 0 <= s < len(totals) and np.isfinite(totals[s]):
                totals[s] = max(totals[s] - cleaned.left_out_m, 0.0)
        if speed is not None and limit is not None and len(idx):
            speed[idx[fast_speeds(ns[idx], speed[idx], limit, name, problems)]] = np.nan
    if totals is not None:
        sessions.data["total_distance_m"] = totals


def _device(messages: Messages) -> dict[str, object]:
    out: dict[str, object] = {"manufacturer": None, "product": None, "serial_number": None, "software_version": None}
    fid = messages.get("file_id")
    if table_length(fid):
        for key in ("manufacturer", "product", "serial_number"):
            if key not in fid:
                continue
            value = fid[key][0]
            if value is None or (isinstance(value, float) and np.isnan(value)):
                continue
            if isinstance(value, (float, np.floating)) and float(value).is_integer():
                value = int(value)
            out[key] = value
        if isinstance(out["product"], (int, float)):
            out["product"] = str(int(out["product"]))
        if out["manufacturer"] is not None:
            out["manufacturer"] = manufacturer_name(out["manufacturer"])
    info = messages.get("device_info")
    if table_length(info) and "software_version" in info:
        versions = _floats(info["software_version"])
        if versions is not None:
            if "device_index" in info:
                creator = np.array([v in ("creator", 0, 0.0) for v in info["device_index"]], dtype=bool)
                if creator.any():
                    versions = versions[creator]
            versions = versions[~np.isnan(versions)]
            if len(versions):
                out["software_version"] = float(versions[0])
    out["sensors"] = _sensors(info)
    if out["software_version"] is None:
        creator = messages.get("file_creator")
        versions = _floats(creator.get("software_version"))
        if versions is not None and (~np.isnan(versions)).any():
            out["software_version"] = float(versions[~np.isnan(versions)][0]) / 100.0
    return out


def _sensors(info: Table) -> list[dict[str, object]]:
    """The devices other than the watch itself that ``device_info`` lists (one per device index):
    ``device_type`` (e.g. ``heart_rate``, ``env_sensor`` for a Garmin Tempe), ``source_type``,
    ``manufacturer``, ``product``."""
    n = table_length(info)
    if not n or "device_index" not in info:
        return []
    seen: dict[str, dict[str, object]] = {}
    for i in range(n):
        index = info["device_index"][i]
        if index in ("creator", 0, 0.0, None) or (isinstance(index, float) and np.isnan(index)):
            continue
        entry = {}
        for key in ("device_type", "source_type", "manufacturer", "product"):
            value = info[key][i] if key in info else None
            if value is None or (isinstance(value, float) and np.isnan(value)):
                continue
            if isinstance(value, (float, np.floating)) and float(value).is_integer():
                value = int(value)
            entry[key] = value if isinstance(value, str) else str(value)
        if entry:
            seen.setdefault(str(index), {"device_index": str(index)}).update(entry)
    return list(seen.values())


def _utc_offset(activity: Table) -> pd.Timedelta | None:
    """``local_timestamp − timestamp`` of the activity message, rounded to 15 minutes."""
    local, utc = _floats(activity.get("local_timestamp")), _floats(activity.get("timestamp"))
    if local is None or utc is None:
        return None
    diff = local - utc
    diff = diff[~np.isnan(diff)]
    if not len(diff):
        return None
    offset = pd.Timedelta(seconds=round(float(diff[0]) / 900.0) * 900)
    return offset if abs(offset) <= _MAX_OFFSET else None


def read_fit_bytes(data: bytes, name: str = "<stream>", *, engine: str = "numpy") -> Activity:
    """Like :func:`read_fit` for bytes already in memory."""
    buf = io.BytesIO(data)
    buf.name = name  # type: ignore[attr-defined]
    return read_fit(buf, engine=engine)
