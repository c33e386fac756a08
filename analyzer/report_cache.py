"""Finished athlete reports, cached by the fingerprint of everything that went into them.

The batch's own cache (it sits above the report layer, whose :class:`AthleteReport` it stores):
a weekly re-run analyses again only the athletes whose folders changed. Entries are written as
:mod:`analyzer.io.cache` writes parsed activities, to a temporary folder renamed into place.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import math
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd

from analyzer.io.cache import READER_VERSION, file_stamp, known_digest, now_ns, stamp_settled, store_entry
from analyzer.report.build import AthleteReport
from analyzer.report.files import atomic_write_text

log = logging.getLogger(__name__)


def folder_fingerprint(folder: Path, *extra: object, digests: dict[str, str] | None = None,
                       known: dict[str, list] | None = None, stats: dict[str, list] | None = None) -> str:
    """sha256 over every file of an athlete folder (names and bytes) plus ``extra`` settings.

    Symbolic links are fingerprinted by their target text, not followed. With ``digests``, each
    file's own digest is added to it by its path in the folder (what :func:`what_changed` compares).
    ``known`` maps a path to ``[size, mtime_ns, ctime_ns, inode, digest]`` from an earlier call (its
    ``stats``): a file whose size and times are unchanged is not read again, its digest reused.
    """
    h = hashlib.sha256()
    h.update(READER_VERSION.encode())
    for item in extra:
        h.update(repr(item).encode())
    for path in [folder] if folder.is_file() else sorted(p for p in folder.rglob("*")):
        rel = path.name.encode() if path == folder else path.relative_to(folder).as_posix().encode()
        if path.is_symlink():
            part = b"L" + rel + os.readlink(path).encode()
        elif path.is_file():
            part = _file_part(path, rel, known, stats)
        else:
            continue
        h.update(part)
        if digests is not None:
            digests[rel.decode()] = hashlib.sha256(part).hexdigest()
    return h.hexdigest()


def _file_part(path: Path, rel: bytes, known: dict[str, list] | None, stats: dict[str, list] | None) -> bytes:
    """What one file adds to :func:`folder_fingerprint`: its name and the digest of its bytes."""
    taken_ns = now_ns()
    stamp = file_stamp(path)
    if stamp is None:
        return b"E" + rel
    try:
        kept = known_digest((known or {}).get(rel.decode()), stamp)
        if kept is not None:
            digest = bytes.fromhex(kept)
        else:
            with path.open("rb") as fh:  # in chunks: a huge stray file costs time, never memory
                digest = hashlib.file_digest(fh, "sha256").digest()
    except (OSError, ValueError):
        return b"E" + rel
    if stats is not None and stamp_settled(stamp, taken_ns):  # a file changed just before: read again next time
        stats[rel.decode()] = [*stamp, digest.hex()]
    return b"F" + rel + digest


INPUT_NAMES = {"cramps.csv": "the cramp log", "athlete.toml": "the athlete's settings",
               "weather.csv": "the weather log", "weigh_ins.csv": "the weigh-ins"}
"""What the batch's log calls an athlete folder's own files (docs/folders.md)."""


def what_changed(before: dict | None, files: dict[str, str], options: dict[str, str]) -> str:
    """What changed in an athlete's inputs since the report ``before`` recorded (:class:`InputsLog`):
    new, changed and removed files (the log and the settings by name) and the report's options that
    differ; the batch's log line (docs/performance.md)."""
    if before is None:
        return "no earlier report of this folder in the cache"
    old = before.get("files", {})
    groups = (("new", sorted(files.keys() - old.keys())),
              ("changed", sorted(k for k in files if k in old and old[k] != files[k])),
              ("removed", sorted(old.keys() - files.keys())))
    parts = []
    for label, names in groups:
        if names:
            shown = [f"{n} ({INPUT_NAMES[n]})" if n in INPUT_NAMES else n for n in names[:5]]
            more = f" and {len(names) - 5} more" if len(names) > 5 else ""
            parts.append(f"{len(names)} {label} file{'s' if len(names) != 1 else ''}: {', '.join(shown)}{more}")
    changed = [k for k, v in options.items() if before.get("options", {}).get(k) != v]
    if changed:
        parts.append("changed: " + ", ".join(changed))
    return "; ".join(parts) or "no input changed"


class InputsLog:
    """Each athlete folder's files (their digests) and report options as its last report in this cache
    had them, so the batch can say what changed (:func:`what_changed`). One small JSON file per folder
    and report folder; a damaged one is read as absent."""

    def __init__(self, directory: str | os.PathLike) -> None:
        self.directory = Path(directory) / "inputs"

    def _path(self, folder: Path, dest: Path) -> Path:
        # "settled": stamps kept only once their file had settled (io.cache.stamp_settled); older logs unread
        name = hashlib.sha256(f"{folder.resolve()}|{dest.resolve()}|settled".encode()).hexdigest()
        return self.directory / f"{name}.json"

    def get(self, folder: Path, dest: Path) -> dict | None:
        try:
            data = json.loads(self._path(folder, dest).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        return data if isinstance(data, dict) else None

    def put(self, folder: Path, dest: Path, files: dict[str, str], options: dict[str, str],
            stats: dict[str, list] | None = None) -> None:
        try:
            atomic_write_text(self._path(folder, dest), json.dumps({"files": files, "options": options,
                                                                    "stats": stats or {}}))
        except OSError as exc:
            log.warning("could not keep the inputs of %s: %s", folder, exc)


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """sha256 of this package's source, templates and chart script: cached reports never outlive a code change."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".j2", ".css", ".js") and path.is_file():
            h.update(path.relative_to(root).as_posix().encode() + path.read_bytes())
    return h.hexdigest()


ROW_FRAMES = ("cramps", "flags", "errors", "suggestions")


def save_rows(folder: Path, report: AthleteReport) -> None:
    """An athlete's team rows into ``folder`` (``meta.json`` and one Parquet file per frame); frames
    already stored (``report.rows_folder``, a report read back from the cache) are copied as they are."""
    for name in ROW_FRAMES:
        if report.rows_folder:
            try:
                shutil.copyfile(Path(report.rows_folder) / f"{name}.parquet", folder / f"{name}.parquet")
                continue
            except OSError:  # gone meanwhile: written from the frame
                pass
        frame = getattr(report, name).copy()
        for col in frame.columns:  # mixed object columns as text, so Parquet takes them
            if frame[col].dtype == object:
                frame[col] = frame[col].map(lambda v: v if v is None or isinstance(v, str) else str(v))
        frame.to_parquet(folder / f"{name}.parquet")
    meta = {"athlete": report.athlete, "summary": report.summary, "written": report.written}
    (folder / "meta.json").write_text(json.dumps(meta, default=str), encoding="utf-8")


def load_rows(folder: Path) -> AthleteReport | None:
    """The rows :func:`save_rows` wrote, or ``None`` when they cannot be read."""
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        frames = {n: pd.read_parquet(folder / f"{n}.parquet") for n in ROW_FRAMES}
        return AthleteReport(meta["athlete"], meta["summary"], frames["cramps"], frames["flags"], frames["errors"],
                             meta["written"], frames["suggestions"], str(folder))
    except Exception:
        return None


class ReportCache:
    """Finished athlete reports by the fingerprint of everything that went into them.

    An entry holds the athlete's report files and its team rows (JSON and Parquet, never
    pickles). A hit copies the files into the new report folder.
    """

    def __init__(self, directory: str | os.PathLike) -> None:
        self.directory = Path(directory) / "reports"

    def get(self, key: str, dest: Path, accept: Callable[[AthleteReport], bool] | None = None) -> AthleteReport | None:
        """The report stored under ``key``, its files copied into ``dest``; ``None`` when there is none, it is
        unreadable, or ``accept(report)`` refuses it (the entry is then dropped, so the report written
        instead is stored in its place)."""
        entry = self.directory / key
        if not entry.is_dir():
            return None
        try:
            report = load_rows(entry)
            if report is None:
                raise ValueError("its rows cannot be read")
            if accept is not None and not accept(report):
                shutil.rmtree(entry, ignore_errors=True)
                return None
            dest.mkdir(parents=True, exist_ok=True)
            for name in report.written:
                tmp = dest / f".{name}.cached.tmp"
                shutil.copyfile(entry / name, tmp)
                os.replace(tmp, dest / name)
        except Exception as exc:
            log.warning("report cache entry %s is unreadable (%s); recomputing", entry, exc)
            shutil.rmtree(entry, ignore_errors=True)
            return None
        return report

    def put(self, key: str, report: AthleteReport, dest: Path) -> None:
        """Store a finished report (its files in ``dest`` and its team rows) under ``key``."""

        def write(folder: Path) -> None:
            for name in report.written:
                shutil.copyfile(dest / name, folder / name)
            save_rows(folder, report)

        store_entry(self.directory, key, write)
        if (self.directory / key / "meta.json").is_file():  # stored (by this run or a concurrent one)
            report.rows_folder = str(self.directory / key)  # the report folder's copy of the rows copies these


def _encode(value: object) -> list:
    """One row value as ``[type, value]`` JSON, so it reads back as the same Python value."""
    if value is None:
        return ["none", None]
    if isinstance(value, bool | np.bool_):
        return ["bool", bool(value)]
    if isinstance(value, int | np.integer):
        return ["int", int(value)]
    if isinstance(value, float | np.floating):
        v = float(value)
        return ["float", v if math.isfinite(v) else repr(v)]
    if isinstance(value, str):
        return ["str", value]
    if isinstance(value, pd.Timestamp) and value.tz is not None:
        return ["utc", int(value.as_unit("ns").value), value.unit, str(value.tz)]
    if value is pd.NaT:
        return ["nat", None]
    raise TypeError(f"a run row holds a {type(value).__name__}, which the row cache does not store")


def _decode(item: list) -> object:
    kind, value = item[0], item[1]
    if kind == "float":
        return float(value)
    if kind == "utc":
        return pd.Timestamp(value, tz="UTC").tz_convert(item[3]).as_unit(item[2])
    if kind == "nat":
        return pd.NaT
    return value  # none, bool, int, str: JSON gives them back as they were


class RunRowCache:
    """Each run's own row of the runs table, kept across reports (one small JSON file a row).

    Keys are :func:`analyzer.metrics.runs.run_row_key` (everything the row is computed from),
    stored under ``salt`` too (the analyzer's own source) and numpy's and pandas' versions, so a
    row never outlives a code or library change. A new run added to an athlete's folder leaves every other run's key unchanged, so
    re-reporting computes that one row; the history columns (they depend on the other runs)
    are always computed afresh. A row that cannot be read back is computed again; a disk that
    refuses a write is logged and the row simply not kept.
    """

    what = "run row"
    """What an entry is, for the log."""

    def __init__(self, directory: str | os.PathLike, salt: str = "") -> None:
        self.directory = Path(directory) / "run-rows"
        self.salt = f"{salt}|numpy {np.__version__}|pandas {pd.__version__}"  # their arithmetic makes the numbers
        self.hits = 0
        self.misses = 0

    def _path(self, key: str) -> Path:
        name = hashlib.sha256((self.salt + key).encode()).hexdigest()
        return self.directory / name[:2] / f"{name}.json"

    def _load(self, data: dict) -> dict:
        return {name: _decode(item) for name, item in data.items()}

    def _dump(self, row: dict) -> str:
        return json.dumps({name: _encode(value) for name, value in row.items()})

    def get(self, key: str, default: dict | None = None) -> dict | None:
        """The row kept under ``key``, else ``default``."""
        path = self._path(key)
        try:
            row = self._load(json.loads(path.read_text(encoding="utf-8")))
        except FileNotFoundError:
            self.misses += 1
            return default
        except Exception as exc:  # damaged: computed again (and written over)
            log.warning("%s cache entry %s is unreadable (%s); computing it again", self.what, path, exc)
            self.misses += 1
            return default
        self.hits += 1
        return row

    def __setitem__(self, key: str, row: dict) -> None:
        path = self._path(key)
        try:
            text = self._dump(row)
        except (TypeError, ValueError) as exc:
            log.warning("%s not kept: %s", self.what, exc)
            return
        try:
            atomic_write_text(path, text)
        except OSError as exc:
            log.warning("could not keep %s %s: %s", self.what, path, exc)


class RunChartCache(RunRowCache):
    """Each cramp run's chart (its Vega-Lite spec, as JSON) kept across reports.

    Keys are :func:`analyzer.report.build.run_chart_key`: the run's file (its digest), the cramps
    on that run, the air along it, the chart's title and number of points; stored under ``salt``
    (the analyzer's source) and numpy's and pandas' versions, as :class:`RunRowCache` keeps rows.
    """

    what = "run chart"

    def __init__(self, directory: str | os.PathLike, salt: str = "") -> None:
        super().__init__(directory, salt)
        self.directory = Path(directory) / "run-charts"

    def _load(self, data: dict) -> dict:
        return data

    def _dump(self, row: dict) -> str:
        return json.dumps(row, allow_nan=False)
