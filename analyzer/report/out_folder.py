"""The report folder's own bookkeeping: which sub-folder holds whose page, and one writer at a time.

A page's path is shared (``ana_smith/report.html`` in an e-mail to Ana), so it must only ever
hold that athlete's page:

- the sub-folder's name is a pure function of the athlete folder's own name
  (:func:`page_name`), whatever else is in the team or the run;
- ``.report-manifest.json`` in the report folder records which athlete folder each name was
  given to (by a hash of the folder's full location, so the shared report holds no paths); a
  name given to one folder is never given to another: the other gets :func:`place_name`
  (the slug and a hash of its full location);
- pages of athletes that are no longer in the report are retired: their files are replaced by
  a page saying so, with nothing about the athlete, and they are not linked;
- ``.report.lock`` lets one report write the folder at a time (a second one exits with code 2).

An ``--athlete`` run keeps the other athletes' rows in the team files: each athlete's rows are
kept in ``.report-rows/<name>/`` (the same rows as the team CSV files hold).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from analyzer.report.build import AthleteReport
from analyzer.report.files import MAX_DIR_NAME_CHARS, _umask, atomic_write_text
from analyzer.report_cache import load_rows, save_rows

MANIFEST_NAME = ".report-manifest.json"
LOCK_NAME = ".report.lock"
ROWS_DIR = ".report-rows"
OWN_NAMES = (MANIFEST_NAME, LOCK_NAME, ROWS_DIR, ".last_report.json")
"""The report folder's bookkeeping files (hidden; never an athlete's page)."""

PAGE_FILES = ("report.html", "report.pdf", "suggested_cramps.csv", "runs.csv")
"""The files an athlete's sub-folder holds."""

_PLAIN = re.compile(r"[a-z0-9][a-z0-9_-]*")
HASH_CHARS = 8
"""Hex digits of the hash a sub-folder name carries when the folder name alone is not used."""


def _digest(text: str, chars: int = HASH_CHARS) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogateescape")).hexdigest()[:chars]


def _slug(text: str, room: int) -> str:
    slug = re.sub(r"[^A-Za-z0-9_-]+", "_", text).strip("_-") or "athlete"
    return slug[:room].rstrip("_-") or "athlete"


def page_name(folder: Path) -> str:
    """The name of an athlete's sub-folder in a report: a pure function of the athlete folder's own name.

    The folder's name itself when it is made only of lower-case letters, digits, ``_`` and
    ``-`` (at most :data:`~analyzer.report.files.MAX_DIR_NAME_CHARS`); otherwise a slug of it and
    a hash of the exact name (``Ana Smith`` → ``Ana_Smith-1f0c…``, ``ana smith`` →
    ``ana_smith-9b2e…``, an export ``ana.zip`` → ``ana_zip-…``). Two folders of one team folder
    never share a name (not even on a file system that ignores case), and a name never climbs out
    of the report folder nor meets the report's own files.
    """
    own = Path(folder).resolve().name
    if _PLAIN.fullmatch(own) and len(own) <= MAX_DIR_NAME_CHARS:
        return own
    return f"{_slug(own, MAX_DIR_NAME_CHARS - HASH_CHARS - 1)}-{_digest(own)}"


def place_name(folder: Path, chars: int = HASH_CHARS) -> str:
    """The second form of an athlete's sub-folder name, for when :func:`page_name` was given to
    another athlete folder in an earlier report: the slug and a hash of the folder's full location."""
    resolved = Path(folder).resolve()
    return f"{_slug(resolved.name, MAX_DIR_NAME_CHARS - chars - 1)}-{_digest('location:' + str(resolved), chars)}"


def folder_key(folder: Path) -> str:
    """What the manifest records of an athlete folder: a hash of its full location (never the path)."""
    return _digest(str(Path(folder).resolve()), 64)


class ReportBusy(Exception):
    """Another report is writing the same report folder."""


@contextlib.contextmanager
def report_lock(out: Path) -> Iterator[None]:
    """Hold ``out/.report.lock`` while a report writes ``out``; raise :class:`ReportBusy` when
    another process holds it. The operating system releases it when the holder ends, even when
    killed, so a stale lock never blocks a later run."""
    path = out / LOCK_NAME
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
    except OSError:  # a folder that takes no new file: writing the report will say so
        yield
        return
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            held = os.pread(fd, 200, 0).decode("utf-8", "replace").strip()
            raise ReportBusy(f"another report is being written to --out {out} right now{f' ({held})' if held else ''}; "
                             "nothing was written: run this one again when it has finished") from None
        except OSError:  # a file system without locks (some network shares): written unlocked
            pass
        else:
            os.ftruncate(fd, 0)
            started = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
            os.pwrite(fd, f"process {os.getpid()}, started {started}".encode(), 0)
        yield
    finally:
        os.close(fd)  # closing releases the lock


RETIRED_PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Retired report page</title></head>
<body style="font-family: system-ui, sans-serif; max-width: 40em; margin: 3em auto; padding: 0 1em">
<h1>This report page was retired</h1>
<p>The athlete whose page this was is not in the report written to this folder on {date}, so the page was
removed. Nothing about them is kept here. Ask whoever shared this link for the current report.</p>
</body></html>
"""


@dataclass
class ReportFolder:
    """The manifest of a report folder: each sub-folder name and the athlete folder it belongs to."""

    out: Path
    pages: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def open(cls, out: Path) -> ReportFolder:
        """Read ``out``'s manifest; a report folder written before manifests existed is read from
        its ``summary.csv`` (each page's athlete id) and its sub-folders holding a ``report.html``."""
        folder = cls(out)
        try:
            data = json.loads((out / MANIFEST_NAME).read_text(encoding="utf-8"))
            folder.pages = {str(k): dict(v) for k, v in data.get("pages", {}).items()}
            return folder
        except (OSError, ValueError, AttributeError):
            pass
        ids = _summary_ids(out)
        try:
            entries = sorted(out.iterdir(), key=lambda p: p.name)
        except OSError:
            entries = []
        for p in entries:
            if p.is_dir() and not p.is_symlink() and (p / "report.html").is_file():
                folder.pages[p.name] = {"athlete": ids.get(p.name, ""), "folder": "", "state": "current"}
        return folder

    def _entry(self, name: str) -> dict | None:
        lower = name.lower()
        return next((e for n, e in self.pages.items() if n.lower() == lower), None)

    def _free(self, name: str, key: str, athlete: str, existing: set[str]) -> bool:
        entry = self._entry(name)
        if entry is not None:  # a page from an earlier report: only its own athlete folder may have it
            return entry.get("folder") == key or (not entry.get("folder") and bool(athlete)
                                                   and entry.get("athlete") == athlete)
        return name.lower() not in existing  # anything else already there is not ours to write into

    def assign(self, folders: list[Path], athlete_ids: list[str]) -> list[str]:
        """The sub-folder name of each athlete folder (in order): :func:`page_name`, or when an earlier
        report gave that name to another folder (or something else is there), :func:`place_name`.
        A page that a report written before manifests existed gave to the same athlete id is given
        back to it (its link was shared)."""
        try:
            existing = {p.name.lower() for p in self.out.iterdir()}
        except OSError:
            existing = set()
        existing |= {n.lower() for n in OWN_NAMES}
        used: set[str] = set()
        names = []
        for folder, athlete in zip(folders, athlete_ids, strict=True):
            key = folder_key(folder)
            # a page an earlier report (before manifests) gave to this athlete id is theirs again
            legacy = [n for n, e in sorted(self.pages.items()) if not e.get("folder") and e.get("athlete") == athlete]
            for name in (*legacy, page_name(folder), place_name(folder), place_name(folder, 16), place_name(folder, 64)):
                if name.lower() not in used and self._free(name, key, athlete, existing):
                    break
            used.add(name.lower())
            names.append(name)
        return names

    def record(self, names: list[str], folders: list[Path], athlete_ids: list[str]) -> None:
        """These names now hold these athletes' current pages."""
        now = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        for name, folder, athlete in zip(names, folders, athlete_ids, strict=True):
            old = self._entry(name)
            if old is not None and old is not self.pages.get(name):  # the same name in another case
                self.pages = {n: e for n, e in self.pages.items() if e is not old}
            self.pages[name] = {"athlete": athlete, "folder": folder_key(folder), "state": "current", "written_utc": now}

    def kept_rows(self, names: list[str]) -> list[AthleteReport]:
        """The rows of current pages not written in this run (an ``--athlete`` run keeps them). A page
        whose rows are not kept (one written before manifests existed) is left as it is, unlisted,
        until a run of the whole team retires it or gives it back to its athlete."""
        kept = []
        written = {n.lower() for n in names}
        for name, entry in sorted(self.pages.items()):
            if entry.get("state") != "current" or name.lower() in written:
                continue
            report = load_rows(self.out / ROWS_DIR / name)
            if report is not None:
                report.summary["report"] = f"{name}/report.html"
                kept.append(report)
        return kept

    def retire_others(self, names: list[str]) -> list[str]:
        """Retire every current page not in ``names``; return the retired names."""
        written = {n.lower() for n in names}
        gone = [n for n, e in sorted(self.pages.items()) if e.get("state") == "current" and n.lower() not in written]
        for name in gone:
            self.retire(name)
        return gone

    def retire(self, name: str) -> None:
        """Replace a page's files by the retired notice (the name stays reserved for its athlete folder)."""
        folder = self.out / name
        day = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d")
        if folder.is_dir() and not folder.is_symlink():
            for file in PAGE_FILES:
                (folder / file).unlink(missing_ok=True)
            atomic_write_text(folder / "report.html", RETIRED_PAGE.format(date=day))
        shutil.rmtree(self.out / ROWS_DIR / name, ignore_errors=True)
        entry = self.pages.setdefault(name, {"athlete": "", "folder": ""})
        entry.update(state="retired", retired_utc=f"{day}")

    def keep_rows(self, name: str, report: AthleteReport) -> None:
        """Keep an athlete's team rows for later ``--athlete`` runs (replacing the earlier ones)."""
        rows = self.out / ROWS_DIR
        rows.mkdir(exist_ok=True)
        tmp = Path(tempfile.mkdtemp(dir=rows, prefix=".tmp-"))
        try:
            os.chmod(tmp, 0o777 & ~_umask())  # as an ordinary new folder (mkdtemp makes it 0700)
            save_rows(tmp, report)
            old = rows / name
            if old.exists():
                trash = Path(tempfile.mkdtemp(dir=rows, prefix=".old-"))
                os.replace(old, trash / "x")
                shutil.rmtree(trash, ignore_errors=True)
            os.replace(tmp, old)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    def save(self) -> None:
        """Write the manifest (atomically)."""
        text = json.dumps({"format": 1, "pages": self.pages}, indent=1, sort_keys=True, ensure_ascii=False)
        atomic_write_text(self.out / MANIFEST_NAME, text + "\n")


def _summary_ids(out: Path) -> dict[str, str]:
    """Sub-folder name → athlete id, from an earlier report's ``summary.csv`` (empty when none)."""
    import csv

    try:
        with open(out / "summary.csv", newline="", encoding="utf-8", errors="replace") as fh:
            rows = list(csv.DictReader(fh))
    except (OSError, csv.Error):
        return {}
    ids = {}
    for row in rows:
        link, athlete = str(row.get("report") or ""), str(row.get("athlete") or "")
        if "/" in link and athlete:
            ids[link.split("/", 1)[0]] = athlete.removeprefix("'")
    return ids
