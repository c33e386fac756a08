"""A cache of parsed activities: Parquet files keyed by the FIT file's content and the reader version.

Each entry is a folder ``<sha256 of the bytes>-<reader version>-<engine>/`` holding one Parquet
file per frame and ``meta.json``. Entries are written to a temporary folder and renamed into
place, so two processes sharing a cache never see half an entry (the loser of a race simply
discards its copy). An entry that cannot be read back (corrupted, truncated, from another
pandas) is deleted and the file is parsed again.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import shutil
import tempfile
import time
from pathlib import Path

import pandas as pd

from analyzer.model import Activity, Problem

log = logging.getLogger(__name__)

READER_VERSION = "2"
"""Bumped whenever the reader's output changes, so old entries are never used."""

FRAMES = ("records", "laps", "sessions", "events", "pauses")

CACHE_MIN_PARSE_S = 0.015
"""Files that parsed in less CPU time than this (the reading thread's, so a machine busy with
other work does not make small files look slow) are not stored: reading an entry back costs ~7 ms
(five Parquet files; benchmarks/README.md), more than parsing a one-hour run (~1.5 ms). Large
files and the fitparse engine are the ones worth caching."""


SETTLED_AFTER_S = 2.0
"""A file's stamp (:func:`file_stamp`) is kept to skip reading it next time only when the file last changed
at least this long before the stamp was taken. A file changed again within the same tick of its
filesystem's clock, with the same size, shows the same stamp with other bytes ("racy git"); a stamp
taken that soon after a change is therefore not trusted, and the file's bytes are read and hashed
again next time. 2 s is the coarsest common timestamp resolution (FAT's modification time; Linux's
own filesystems tick every few ms, so this costs one more read of a file written just before a report).
The file's times are compared with this machine's clock: on a network share whose server's clock runs
more than this behind, a file rewritten just before a report can still pass as settled (a clock ahead
only costs reads). git compares with its index file's time instead; the athlete's folder is never
written to, so there is no such file here.

References
----------
git documentation, "Racy Git problem" (``Documentation/technical/racy-git.txt``).
"""


def file_stamp(path: Path) -> list[int] | None:
    """The file's size, modification and change times (ns) and inode: unchanged, the file is taken as
    unchanged (as ``git`` and ``make`` judge it); ``None`` when the file cannot be ``stat``-ed."""
    try:
        st = path.stat()
    except OSError:
        return None
    return [st.st_size, st.st_mtime_ns, st.st_ctime_ns, st.st_ino]


def known_digest(before: object, stamp: list[int] | None) -> str | None:
    """The digest kept with ``before`` (``[size, mtime_ns, ctime_ns, inode, digest]``, as stored next to a
    :func:`file_stamp`) when the file's stamp is still ``stamp``; ``None`` otherwise (changed, or a
    damaged entry)."""
    if stamp is None or not isinstance(before, list) or len(before) != 5 or before[:4] != stamp \
            or not isinstance(before[4], str):
        return None
    return before[4]


def now_ns() -> int:
    """The wall clock, in ns (what :func:`stamp_settled` is judged against; tests move it)."""
    return time.time_ns()


def stamp_settled(stamp: list[int], taken_ns: int) -> bool:
    """Whether a stamp taken at ``taken_ns`` can be trusted next time: the file last changed (modified or
    its status changed) at least :data:`SETTLED_AFTER_S` before, and not in the future of this clock."""
    return max(stamp[1], stamp[2]) <= taken_ns - int(SETTLED_AFTER_S * 1e9)


def store_entry(directory: Path, key: str, write) -> None:
    """Write an entry with ``write(folder)`` into a temporary folder, then rename it to ``key``.

    A concurrent writer of the same key wins or loses the rename; the loser's copy is dropped.
    A disk that refuses is logged and the entry skipped: a cache never fails a report.
    """
    entry = directory / key
    if entry.exists():
        return
    try:
        directory.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=directory, prefix=".tmp-"))
        try:
            write(tmp)
            os.rename(tmp, entry)
        except OSError:
            shutil.rmtree(tmp, ignore_errors=True)
            if not entry.exists():
                raise
    except OSError as exc:
        log.warning("could not write cache entry %s: %s", entry, exc)


def default_cache_dir() -> Path:
    """``$XDG_CACHE_HOME/cramp-analyzer`` or ``~/.cache/cramp-analyzer``."""
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "cramp-analyzer"


class ActivityCache:
    """Parsed activities by file content.

    Parameters
    ----------
    directory : path-like
        Where entries live (created when needed).
    """

    def __init__(self, directory: str | os.PathLike, min_parse_s: float = CACHE_MIN_PARSE_S) -> None:
        self.directory = Path(directory)
        self.min_parse_s = min_parse_s
        self.hits = 0
        self.misses = 0

    def key(self, data: bytes, engine: str) -> str:
        """Entry name for these bytes read by ``engine``."""
        return f"{hashlib.sha256(data).hexdigest()}-{READER_VERSION}-{engine}"

    def get(self, key: str, path: Path) -> Activity | None:
        """The cached activity for ``key``, re-labelled with ``path``; ``None`` on a miss."""
        entry = self.directory / key
        if not entry.is_dir():
            self.misses += 1
            return None
        try:
            meta = json.loads((entry / "meta.json").read_text(encoding="utf-8"))
            frames = {name: pd.read_parquet(entry / f"{name}.parquet") for name in FRAMES}
        except Exception as exc:  # any damage: drop the entry and parse again
            log.warning("cache entry %s is unreadable (%s); parsing again", entry, exc)
            shutil.rmtree(entry, ignore_errors=True)
            self.misses += 1
            return None
        self.hits += 1
        offset = meta["utc_offset_s"]
        return Activity(
            **frames,
            device=meta["device"],
            utc_offset=None if offset is None else pd.Timedelta(seconds=offset),
            problems=[Problem(str(path), p["location"], p["message"], offset=p.get("offset"), row=p.get("row"))
                      for p in meta["problems"]],  # entries written before offset and row were kept have neither
            source=path.name,
            engine=meta["engine"],
            title=meta.get("title", ""),
            description=meta.get("description", ""),
        )

    def put(self, key: str, activity: Activity) -> None:
        """Store ``activity`` under ``key`` (atomically; skipped if the disk refuses)."""

        def write(folder: Path) -> None:
            for name in FRAMES:
                getattr(activity, name).to_parquet(folder / f"{name}.parquet")
            meta = {
                "device": activity.device,
                "utc_offset_s": None if activity.utc_offset is None else activity.utc_offset.total_seconds(),
                "problems": [{"location": p.location, "message": p.message, "offset": p.offset, "row": p.row}
                             for p in activity.problems],
                "engine": activity.engine,
                "title": activity.title,
                "description": activity.description,
            }
            (folder / "meta.json").write_text(json.dumps(meta, default=str), encoding="utf-8")

        store_entry(self.directory, key, write)


    def get_table(self, kind: str, key: str) -> tuple[pd.DataFrame, list[Problem]] | None:
        """A log read earlier (``kind`` e.g. ``"weather"``) by ``key``, with its problems; ``None`` on a miss."""
        entry = self.directory / "tables" / f"{kind}-{key}"
        if not entry.is_dir():
            return None
        try:
            frame = pd.read_parquet(entry / "frame.parquet")
            problems = [Problem(**p) for p in json.loads((entry / "problems.json").read_text(encoding="utf-8"))]
        except Exception as exc:  # any damage: drop the entry and read the file again
            log.warning("cache entry %s is unreadable (%s); reading the file again", entry, exc)
            shutil.rmtree(entry, ignore_errors=True)
            return None
        return frame, problems

    def put_table(self, kind: str, key: str, frame: pd.DataFrame, problems: list[Problem]) -> None:
        """Store a log's frame and problems under ``key`` (atomically; skipped if the disk refuses)."""

        def write(folder: Path) -> None:
            frame.to_parquet(folder / "frame.parquet")
            rows = [{"file": p.file, "location": p.location, "message": p.message, "athlete": p.athlete,
                     "offset": p.offset, "row": p.row} for p in problems]
            (folder / "problems.json").write_text(json.dumps(rows), encoding="utf-8")

        store_entry(self.directory / "tables", f"{kind}-{key}", write)
