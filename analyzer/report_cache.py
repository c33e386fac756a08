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
import os
import shutil
from pathlib import Path

import pandas as pd

from analyzer.io.cache import READER_VERSION, store_entry
from analyzer.report.build import AthleteReport

log = logging.getLogger(__name__)


def folder_fingerprint(folder: Path, *extra: object) -> str:
    """sha256 over every file of an athlete folder (names and bytes) plus ``extra`` settings.

    Symbolic links are fingerprinted by their target text, not followed.
    """
    h = hashlib.sha256()
    h.update(READER_VERSION.encode())
    for item in extra:
        h.update(repr(item).encode())
    for path in [folder] if folder.is_file() else sorted(p for p in folder.rglob("*")):
        rel = path.name.encode() if path == folder else path.relative_to(folder).as_posix().encode()
        if path.is_symlink():
            h.update(b"L" + rel + os.readlink(path).encode())
        elif path.is_file():
            try:
                with path.open("rb") as fh:  # in chunks: a huge stray file costs time, never memory
                    h.update(b"F" + rel + hashlib.file_digest(fh, "sha256").digest())
            except OSError:
                h.update(b"E" + rel)
    return h.hexdigest()


@functools.lru_cache(maxsize=1)
def code_fingerprint() -> str:
    """sha256 of this package's source and templates: cached reports never outlive a code change."""
    root = Path(__file__).resolve().parent
    h = hashlib.sha256()
    for path in sorted(root.rglob("*")):
        if path.suffix in (".py", ".j2", ".css") and path.is_file():
            h.update(path.relative_to(root).as_posix().encode() + path.read_bytes())
    return h.hexdigest()


ROW_FRAMES = ("cramps", "flags", "errors", "suggestions")


def save_rows(folder: Path, report: AthleteReport) -> None:
    """An athlete's team rows into ``folder`` (``meta.json`` and one Parquet file per frame)."""
    for name in ROW_FRAMES:
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
                             meta["written"], frames["suggestions"])
    except Exception:
        return None


class ReportCache:
    """Finished athlete reports by the fingerprint of everything that went into them.

    An entry holds the athlete's report files and its team rows (JSON and Parquet, never
    pickles). A hit copies the files into the new report folder.
    """

    def __init__(self, directory: str | os.PathLike) -> None:
        self.directory = Path(directory) / "reports"

    def get(self, key: str, dest: Path) -> AthleteReport | None:
        entry = self.directory / key
        if not entry.is_dir():
            return None
        try:
            report = load_rows(entry)
            if report is None:
                raise ValueError("its rows cannot be read")
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
