"""Any activity file → :class:`~analyzer.model.Activity`; a folder of them, never stopping at a bad one.

FIT (``.fit``, ``.fit.gz``) goes to :mod:`analyzer.io.fit`; GPX and TCX (``.gpx``, ``.tcx``,
and their ``.gz``) to :mod:`analyzer.io.gpx_tcx`. Names are matched in any letter case.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import os
import time
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pandas as pd

from analyzer.errors import FitError, InputError
from analyzer.io.cache import ActivityCache, file_stamp, known_digest, now_ns, stamp_settled
from analyzer.io.fit import FitWarning, _read_bytes, read_fit, read_fit_bytes
from analyzer.model import Activity, Deferred, Problem
from analyzer.report.files import atomic_write_text

log = logging.getLogger(__name__)


def activity_format(name: str) -> str | None:
    """``"fit"``, ``"gpx"``, ``"tcx"`` or ``None`` for a file name (any letter case, with or without ``.gz``)."""
    low = name.lower().removesuffix(".gz")
    for fmt in ("fit", "gpx", "tcx"):
        if low.endswith("." + fmt):
            return fmt
    return None


def is_activity_name(name: str) -> bool:
    """True for FIT, GPX and TCX file names (and their ``.gz``)."""
    return activity_format(name) is not None


def read_activity(source: str | os.PathLike | BinaryIO, name: str | None = None) -> Activity:
    """Read a FIT, GPX or TCX file (plain or gzipped), chosen by its name.

    Raises
    ------
    FitError
        For a FIT file that cannot be read at all.
    InputError
        For a GPX or TCX file that cannot be read at all (naming the line), or an unknown kind.
    """
    label = name or str(getattr(source, "name", source))
    fmt = activity_format(label)
    if fmt == "fit":
        return read_fit(source)
    from analyzer.io.gpx_tcx import read_gpx, read_tcx

    if fmt == "gpx":
        return read_gpx(source)
    if fmt == "tcx":
        return read_tcx(source)
    raise InputError(label, "", "not an activity file (.fit, .gpx or .tcx, optionally .gz)")


def read_activity_bytes(data: bytes, name: str) -> Activity:
    """:func:`read_activity` for bytes in memory (from a zip file), ``name`` deciding the format."""
    import io

    if activity_format(name) == "fit":
        return read_fit_bytes(data, name=name)
    buf = io.BytesIO(data)
    buf.name = name  # type: ignore[attr-defined]
    return read_activity(buf, name)


def read_activity_folder(
    folder: str | os.PathLike, engine: str = "numpy", cache: ActivityCache | None = None
) -> tuple[list[Activity], list[Problem]]:
    """Read every activity file in a folder (FIT, GPX, TCX), never stopping at a bad one.

    Parameters
    ----------
    folder : path-like
        Files named ``*.fit``, ``*.gpx``, ``*.tcx`` (any case, optionally ``.gz``) are read, in
        name order. Symbolic links that lead outside the folder are not followed (reported).
    engine : {"numpy", "fitparse"}
        The FIT decoder (see :func:`analyzer.read_fit`).
    cache : ActivityCache, optional
        Parsed activities are looked up by file content first and stored after parsing.

    Returns
    -------
    activities : list of Activity
        One per readable file (partial files included, with their problems).
    problems : list of Problem
        One per file that could not be read at all, plus every partial file's problems.
    """
    root = Path(folder)
    activities: list[Activity] = []
    problems: list[Problem] = []
    digests = _Digests(cache, root, engine) if cache is not None else None
    for path in list_activity_files(root, problems):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FitWarning)
                act = read_kept(path, engine, cache, digests) if cache is not None else _read_path(path, engine)
        except FitError as exc:
            problems.append(Problem.at_byte(str(path), exc.offset, exc.reason))
            continue
        except InputError as exc:
            problems.append(Problem(str(path), exc.location, exc.reason))
            continue
        except Exception as exc:  # a reader bug must not stop the batch: report it, go on
            log.error("%s: reading the file failed", path, exc_info=exc)
            problems.append(Problem(str(path), "", "could not be read (a fault in the analyzer, details in the log); "
                                    "please report this file to the analyzer's developers"))
            continue
        activities.append(act)
        problems.extend(act.problems)
    if digests is not None:
        digests.save()
    return activities, problems


read_fit_folder = read_activity_folder
"""The same as :func:`read_activity_folder` (its first name, from when only FIT was read)."""


def _read_path(path: Path, engine: str) -> Activity:
    if activity_format(path.name) == "fit":
        return read_fit(path, engine=engine)
    return read_activity(path)


def _content(path: Path, engine: str, cache: ActivityCache) -> tuple[bytes, str] | None:
    """A file's bytes (a FIT file's after gunzip) and its cache key, the digest of those bytes and the
    reader; ``None`` for a cut-off ``.gz`` (read the ordinary way, which reports the cut)."""
    fmt = activity_format(path.name)
    if fmt == "fit":
        data, _, note = _read_bytes(path)
        return None if note else (data, cache.key(data, engine))
    from analyzer.io.inputs import MAX_ACTIVITY_BYTES, read_input

    raw = read_input(path, MAX_ACTIVITY_BYTES)
    return raw, cache.key(raw, f"xml-{fmt}")


def _parse(path: Path, data: bytes, key: str, engine: str, cache: ActivityCache) -> Activity:
    """The activity of ``path`` (whose content is ``data``), from ``cache`` or parsed (and stored when slow)."""
    act = cache.get(key, path)
    if act is None:
        started = time.thread_time()  # CPU time: a machine busy with other work does not make a file "slow"
        act = read_fit_bytes(data, name=str(path), engine=engine) if activity_format(path.name) == "fit" \
            else read_activity_bytes(data, str(path))  # the bytes the key was taken of, not the file again
        if time.thread_time() - started >= cache.min_parse_s:
            cache.put(key, act)
    act.content_key = key  # type: ignore[attr-defined]
    return act


def read_cached(path: Path, engine: str, cache: ActivityCache) -> Activity:
    """Like :func:`read_activity`, through ``cache`` (keyed by the file's bytes, after gunzip)."""
    content = _content(path, engine, cache)
    if content is None:
        return read_fit(path, engine=engine)
    return _parse(path, *content, engine, cache)


def read_kept(path: Path, engine: str, cache: ActivityCache, digests: _Digests | None = None) -> Activity:
    """Like :func:`read_cached`, but a file read in an earlier report is not parsed: a
    :class:`KeptActivity` stands for it (what a report needs without its records, kept by the file's
    digest), and reads it only when its records are asked for. With ``digests`` (the folder's
    :class:`_Digests`), a file whose size and times are those its digest was taken at is not even
    read: an unchanged file costs a ``stat`` and its summary's small JSON."""
    load = functools.partial(_read_quietly, path, engine, cache)
    key = digests.get(path) if digests is not None else None
    summary = _load_summary(cache, _summary_key(key, path)) if key is not None else None
    if summary is not None and (kept := _kept(summary, path.name, key, load)) is not None:
        return kept
    taken_ns = now_ns()
    stamp = file_stamp(path) if digests is not None else None  # taken before the bytes are read
    content = _content(path, engine, cache)
    if content is None:
        return read_fit(path, engine=engine)
    data, key = content
    if digests is not None and stamp is not None:
        digests.put(path, stamp, key, taken_ns)
    entry = _summary_key(key, path)
    summary = _load_summary(cache, entry)
    if summary is not None and (kept := _kept(summary, path.name, key, load)) is not None:
        return kept
    act = _parse(path, data, key, engine, cache)
    _store_summary(cache, entry, act)
    return act


def _kept(summary: object, name: str, key: str, load: Callable[[], Activity]) -> KeptActivity | None:
    """A :class:`KeptActivity` from ``summary``, or ``None`` when the stored summary is damaged (valid
    JSON of the wrong shape): the file is then read, and its summary written again."""
    try:
        kept = KeptActivity(summary, name, key, load)  # type: ignore[arg-type]
        (kept.record_span(), kept.first_position(), kept.heart_rate_max(), kept.distance_m, kept.sport,  # noqa: B018
         kept.start_time, kept.end_time, kept.utc_offset)  # the shape checked now, not mid-report
        return kept
    except (KeyError, TypeError, ValueError, IndexError) as exc:
        log.warning("the kept summary of %s is damaged (%r); reading the file", name, exc)
        return None


def _read_quietly(path: Path, engine: str, cache: ActivityCache) -> Activity:
    """:func:`read_cached` for a :class:`KeptActivity`: its problems were said when it was listed."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)
        return read_cached(path, engine, cache)


class _Digests:
    """The content keys of an activities folder's files (:meth:`ActivityCache.key`), each with the size,
    times and inode of the file it was taken from, kept in the cache (one small JSON file per folder
    and reader engine). A file whose ``stat`` still shows those is unchanged (as ``git`` and ``make``
    judge it) and is not read to know its key; any other file is read and its key taken again."""

    def __init__(self, cache: ActivityCache, folder: Path, engine: str) -> None:
        # "settled": stamps kept only once their file had settled (io.cache.stamp_settled); older stores unread
        name = hashlib.sha256(f"{folder.resolve()}|{engine}|settled".encode()).hexdigest()
        self.path = cache.directory / "digests" / f"{name}.json"
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
            self.known: dict[str, list] = data if isinstance(data, dict) else {}
        except (OSError, ValueError):
            self.known = {}
        self.now: dict[str, list] = {}

    def get(self, path: Path) -> str | None:
        """The content key of ``path`` when its stamp is the one its key was taken at."""
        before = self.known.get(path.name)
        key = known_digest(before, file_stamp(path))
        if key is not None:
            self.now[path.name] = before
        return key

    def put(self, path: Path, stamp: list[int], key: str, taken_ns: int) -> None:
        """``path``, as ``stamp`` showed it at ``taken_ns``, before its bytes were read, has content key
        ``key``: kept for next time unless the file had only just changed (:func:`stamp_settled`)."""
        if stamp_settled(stamp, taken_ns):
            self.now[path.name] = [*stamp, key]

    def save(self) -> None:
        """Keep the keys of the files seen this time (a removed file's is forgotten)."""
        if self.now == self.known:
            return
        try:
            atomic_write_text(self.path, json.dumps(self.now))
        except OSError as exc:
            log.warning("could not keep the activity digests in %s: %s", self.path, exc)


# ---------------------------------------------------------------- activities kept by their summary

SUMMARY_VERSION = "1"
"""Bumped when :func:`activity_summary` changes what it keeps."""


@functools.cache
def _reader_source() -> str:
    """sha256 of the readers' and the model's source and pandas' and numpy's versions: a summary never
    outlives a change in how a file is read."""
    here = Path(__file__).resolve().parent
    h = hashlib.sha256(f"{SUMMARY_VERSION}|pandas {pd.__version__}|numpy {np.__version__}".encode())
    for path in sorted([*here.glob("*.py"), here.parent / "model.py"]):
        h.update(path.name.encode() + path.read_bytes())
    return h.hexdigest()


def _summary_key(content_key: str, path: Path) -> str:
    return hashlib.sha256(f"{content_key}|{path}|{_reader_source()}".encode()).hexdigest()


def _time(t: object) -> object:
    """A timestamp as JSON: ``None``, ``"NaT"`` or ``[ns, unit, zone]``."""
    if t is None:
        return None
    if pd.isna(t):
        return "NaT"
    t = pd.Timestamp(t)
    return [int(t.as_unit("ns").value), t.unit, str(t.tz)]


def _untime(v: object) -> pd.Timestamp | None:
    if v is None:
        return None
    if v == "NaT":
        return pd.NaT  # type: ignore[return-value]
    value, unit, tz = v  # type: ignore[misc]
    return pd.Timestamp(value, tz="UTC").tz_convert(tz).as_unit(unit)


def activity_summary(act: Activity) -> dict | None:
    """What a report needs of a file's activity without its records (JSON), or ``None`` when the
    activity cannot be kept that way (a multisport file: its legs are cut from the records)."""
    legs = act.legs()
    if len(legs) != 1 or legs[0] is not act or not all(isinstance(x, str) for x in (act.title, act.description, act.engine)):
        return None
    span = act.record_span()
    hr = act.heart_rate_max()
    position = act.first_position()
    return {
        "sport": act.sport, "start": _time(act.start_time), "end": _time(act.end_time),
        "span": None if span is None else [_time(span[0]), _time(span[1])],
        "distance_m": float(act.distance_m), "heart_rate_max": None if hr is None else float(hr),
        "position": None if position is None else list(position),
        "utc_offset_ns": None if act.utc_offset is None else (
            "NaT" if pd.isna(act.utc_offset) else int(pd.Timedelta(act.utc_offset).value)),
        "title": act.title, "description": act.description, "engine": act.engine,
        "problems": [[p.file, p.location, p.message, p.athlete, p.offset, p.row] for p in act.problems],
    }


def _load_summary(cache: ActivityCache, key: str) -> dict | None:
    path = cache.directory / "summaries" / key[:2] / f"{key}.json"
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return None
    except Exception as exc:  # damaged: the file is read, and its summary written again
        log.warning("activity summary %s is unreadable (%s); reading the file", path, exc)
        return None


def _store_summary(cache: ActivityCache, key: str, act: Activity) -> None:
    try:
        summary = activity_summary(act)
        if summary is None:
            return
        text = json.dumps(summary)
    except Exception as exc:  # an activity this cannot keep is simply read every time
        log.warning("activity summary of %s not kept: %s", act.source, exc)
        return
    try:  # written whole and renamed into place: a reader never sees half a summary
        atomic_write_text(cache.directory / "summaries" / key[:2] / f"{key}.json", text)
    except OSError as exc:
        log.warning("could not keep the summary of %s: %s", act.source, exc)


class KeptActivity(Activity):
    """A run file read in an earlier report, standing in for its :class:`Activity` until its records
    are needed.

    Its sport, start and end, the span of its dated records, distance, highest heart rate, the watch's
    UTC offset, title, description and problems come from the summary kept by the file's digest
    (:func:`activity_summary`, taken from the activity itself when it was read); ``records``,
    ``device``, ``laps``, ``sessions``, ``events`` and ``pauses`` read the file the first time any of
    them is asked for. A report reads only the runs whose rows are not kept, the runs a cramp falls
    on and the runs it draws.
    """

    def __init__(self, summary: dict, source: str, content_key: str, load: Callable[[], Activity]) -> None:
        d = self.__dict__
        offset = summary["utc_offset_ns"]
        d.update(source=source, engine=summary["engine"], title=summary["title"], description=summary["description"],
                 problems=[Problem(*p) for p in summary["problems"]], _part=False, content_key=content_key,
                 utc_offset=None if offset is None else (pd.NaT if offset == "NaT" else pd.Timedelta(offset, "ns")),
                 _summary=summary, _load=load, _full=None)
        for name in ("laps", "sessions", "events", "pauses"):
            d["_frame_" + name] = Deferred(functools.partial(self._frame, name))

    def full(self) -> Activity:
        """The activity read from its file (once)."""
        d = self.__dict__
        if d["_full"] is None:
            try:
                act = d["_load"]()
            except (OSError, FitError, InputError) as exc:  # gone, unreadable or damaged since it was listed
                why = exc.strerror if isinstance(exc, OSError) else exc.reason
                raise InputError(self.source, "", "the file could not be read again while the report was "
                                 f"being written ({why or 'unreadable'}); run the report again") from exc
            if getattr(act, "content_key", d["content_key"]) != d["content_key"]:
                # replaced since it was listed: what was kept under its old content must not be mixed with it
                raise InputError(self.source, "", "the file changed while the report was being written; "
                                 "run the report again")
            d["_full"] = act
        return d["_full"]

    def _frame(self, name: str) -> pd.DataFrame:
        return getattr(self.full(), name)

    @property
    def loaded(self) -> bool:
        """Whether the file has been read."""
        return self.__dict__["_full"] is not None

    def record_span(self) -> tuple[pd.Timestamp, pd.Timestamp] | None:
        """:meth:`Activity.record_span`, from the summary until the file is read."""
        if self.loaded:
            return super().record_span()
        return self._times()["span"]

    def first_position(self) -> tuple[float, float] | None:
        """:meth:`Activity.first_position`, from the summary until the file is read."""
        if self.loaded:
            return super().first_position()
        position = self.__dict__["_summary"]["position"]
        return None if position is None else (float(position[0]), float(position[1]))

    def heart_rate_max(self) -> float | None:
        """:meth:`Activity.heart_rate_max`, from the summary until the file is read."""
        return super().heart_rate_max() if self.loaded else self.__dict__["_summary"]["heart_rate_max"]

    @property  # type: ignore[override]
    def records(self) -> pd.DataFrame:
        return self.full().records

    @records.setter
    def records(self, value: pd.DataFrame) -> None:
        self.full().records = value

    @property  # type: ignore[override]
    def device(self) -> dict:
        return self.full().device

    @device.setter
    def device(self, value: dict) -> None:
        self.full().device = value

    @property
    def sport(self) -> str | None:
        return self._summary["sport"]

    @property
    def start_time(self) -> pd.Timestamp | None:
        return self._times()["start"]

    @property
    def end_time(self) -> pd.Timestamp | None:
        return self._times()["end"]

    def _times(self) -> dict:
        """The summary's start, end and span as timestamps, made once (a report asks them many times)."""
        d = self.__dict__
        if "_kept_times" not in d:
            summary = d["_summary"]
            span = summary["span"]
            d["_kept_times"] = {"start": _untime(summary["start"]), "end": _untime(summary["end"]),
                                "span": None if span is None else (_untime(span[0]), _untime(span[1]))}
        return d["_kept_times"]

    @property
    def distance_m(self) -> float:
        return float(self._summary["distance_m"])

    def legs(self) -> list[Activity]:
        return [self]  # kept only when the file is its own only leg

    def __reduce__(self):
        return _itself, (self.full(),)  # crosses processes as the activity itself


def _itself(activity: Activity) -> Activity:
    return activity


def list_activity_files(folder: Path, problems: list[Problem]) -> list[Path]:
    """Activity files directly in ``folder``, sorted by name; odd entries reported in ``problems``."""
    if not folder.is_dir():
        problems.append(Problem(str(folder), "", "folder does not exist or is not a folder"))
        return []
    real_root = folder.resolve()
    out = []
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        why = exc.strerror or "the system gave no reason"
        problems.append(Problem(str(folder), "", f"cannot list the folder: {why}"))
        return []
    for path in entries:
        if not is_activity_name(path.name):
            continue
        try:
            if path.is_symlink() and real_root not in path.resolve(strict=True).parents:
                problems.append(Problem(str(path), "", "symbolic link to a file outside the folder; not followed"))
                continue
        except (OSError, RuntimeError):  # a link loop, or a link to nothing
            problems.append(Problem(str(path), "", "symbolic link that leads nowhere (or in a loop); not read"))
            continue
        out.append(path)  # anything that is not a regular file is refused, with a reason, when read
    return out
