"""Account exports read as an athlete's activities: runs only, titles and descriptions kept.

Two layouts are read, unzipped or as their ``.zip``:

**Strava bulk export** ("Download your data"): ``activities.csv`` (one row per activity, with
``Activity Type``, ``Activity Name``, ``Activity Description`` and ``Filename``) beside
``activities/`` holding ``.fit.gz``, ``.gpx``, ``.gpx.gz``, ``.tcx`` and ``.tcx.gz`` files. Runs
are the rows whose ``Activity Type`` is ``Run``, ``Trail Run`` or ``Virtual Run``.

**Garmin Connect export** (the "Export your data" zip): summaries in
``DI_CONNECT/DI-Connect-Fitness/*summarizedActivities*.json`` and the original files inside
the zip(s) of ``DI_CONNECT/DI-Connect-Uploaded-Files/`` (zips inside the zip). Runs are the
summaries whose ``activityType`` is a running type (``running``, ``trail_running``,
``treadmill_running``, …); a file without a summary is a run when its own sport says so. Files
are matched to summaries by the activity id in their name.

Nothing is extracted next to the input, and what is held or written is capped so that a small
export cannot take the machine's memory or disk (a "zip bomb"):

- members are read into memory one at a time; a member is refused (a problem naming it, the rest
  is read) when its name is absolute or climbs with ``..``, when it declares or inflates past the
  activity limit, or past :data:`MAX_MEMBER_INFLATION` times its compressed size (``.gz`` inside
  counted too); zipfile itself never inflates past a member's declared size;
- Garmin's summary files are parsed as a stream, one activity at a time
  (:data:`MAX_SUMMARY_JSON_BYTES` per file, :data:`MAX_SUMMARY_ITEM_BYTES` per activity);
- a zip inside the zip is read in place when it is stored; a compressed one is spooled to a
  private temporary file (deleted at once) only when it inflates at most
  :data:`MAX_NESTED_ZIP_INFLATION` times its size;
- the records held from one export are capped at :data:`EXPORT_RECORDS_PER_BYTE` per byte of the
  export (at least :data:`EXPORT_MIN_RECORDS`): real activity files hold far fewer;
- a member name that appears more than once is read copy by copy, and a problem says so: a
  valid run is never replaced by another copy without a word.

A zip with more than :data:`MAX_ZIP_MEMBERS` members is refused.
"""

from __future__ import annotations

import codecs
import csv
import errno
import hashlib
import io
import json
import logging
import lzma
import re
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import BinaryIO

from analyzer.errors import FitError, InputError
from analyzer.io.activities import activity_format, read_activity_bytes
from analyzer.io.fit import FitWarning
from analyzer.io.inputs import MAX_ACTIVITY_BYTES, MAX_LOG_BYTES, gunzip_capped, read_input
from analyzer.model import Activity, Problem

MAX_ZIP_MEMBERS = 200_000
"""More members than this is not an account export."""

MAX_NESTED_ZIP_BYTES = 4 * 1024**3
"""A zip inside the export larger than this (4 GiB) is not read."""

MAX_NESTED_ZIP_INFLATION = 16
"""A compressed zip inside the export is spooled to temporary space only when it inflates at most this
many times its compressed size: a zip of activity files (themselves compressed) barely shrinks again, so
a 3 GiB "zip" in 3 MB is not one. For an export of 10 MB this caps the temporary space at 160 MB."""

MAX_MEMBER_INFLATION = 32
"""An activity file inflating to more than this many times its compressed size in the export (zip and
``.gz`` together) is refused: real FIT files shrink 2–5 times, GPX and TCX 6–15 times; a file of
repeated records shrinks a thousand times. Members under :data:`INFLATION_FLOOR_BYTES` are not held to it."""

INFLATION_FLOOR_BYTES = 1024 * 1024
"""Up to this many bytes (1 MiB), a member may inflate any number of times (tiny files compress oddly)."""

MAX_SUMMARY_JSON_BYTES = 64 * 1024 * 1024
"""A Garmin summary file inflating past this (64 MiB) is not read (its titles are not used; its runs are
still read, by their own sport). A real one holds thousands of activities in a few MB."""

MAX_SUMMARY_ITEM_BYTES = 1024 * 1024
"""One activity in a Garmin summary file larger than this (1 MiB; a real one is a few kB) stops the file."""

EXPORT_RECORDS_PER_BYTE = 0.25
"""Records held from one export, per byte of the export on disk: real FIT files hold one record in 7 or
more compressed bytes, GPX and TCX in 15 or more; past this, later files are not read (a problem each)."""

EXPORT_MIN_RECORDS = 1_000_000
"""The records budget of a small export is at least this (about 280 hours of 1-second records)."""

STRAVA_RUN_TYPES = frozenset({"run", "trail run", "virtual run"})
GARMIN_RUN_TYPES = frozenset({"running", "trail_running", "treadmill_running", "track_running", "street_running",
                              "indoor_running", "virtual_run", "ultra_run", "obstacle_run"})


@dataclass
class ExportActivity:
    """One activity an export describes: where its file is, and what the export says of it."""

    path: str
    sport: str | None
    title: str = ""
    description: str = ""


def export_kind(folder_or_zip: Path) -> str | None:
    """``"strava"``, ``"garmin"`` or ``None`` for a folder or ``.zip``."""
    try:
        if folder_or_zip.is_dir():
            if _strava_header(folder_or_zip / "activities.csv"):
                return "strava"
            if (folder_or_zip / "DI_CONNECT").is_dir():
                return "garmin"
            return None
        if folder_or_zip.suffix.lower() == ".zip" and folder_or_zip.is_file():
            z = _Zip(folder_or_zip, str(folder_or_zip), [])
            try:
                names = set(z.names())
            finally:
                z.close()
            if "activities.csv" in names:
                return "strava"
            if any(n.startswith("DI_CONNECT/") for n in names):
                return "garmin"
    except (*_ZIP_ERRORS, InputError):
        return None
    return None


def _strava_header(path: Path) -> bool:
    try:
        with path.open(encoding="utf-8-sig", errors="replace") as fh:
            first = fh.readline()
    except OSError:
        return False
    return "Activity Type" in first and "Filename" in first


def _safe_member(name: str) -> str:
    """Why a member name is unsafe ("" when it is not)."""
    p = PurePosixPath(name.replace("\\", "/"))
    if p.is_absolute() or re.match(r"^[A-Za-z]:", name):
        return "an absolute path"
    if ".." in p.parts:
        return "a path that climbs out with '..'"
    return ""


_ZIP_ERRORS = (zipfile.BadZipFile, zlib.error, lzma.LZMAError, OSError, EOFError, RuntimeError, NotImplementedError,
               ValueError)
"""What reading a damaged zip member can raise."""

log = logging.getLogger(__name__)


def _zip_words(exc: BaseException, where: str) -> str:
    """What is wrong with a zip (or one of its members), in words for a page and ``errors.csv``.

    The library's own text (``Bad CRC-32 for file …``, ``Error -3 while decompressing``) goes to
    the log with ``where``, never onto a page.
    """
    log.info("%s: %r", where, exc)
    if isinstance(exc, zipfile.BadZipFile):
        return "not a readable zip archive (damaged, or not a zip)"
    if isinstance(exc, zlib.error | lzma.LZMAError):
        return "its compressed data is damaged"
    if isinstance(exc, EOFError):
        return "the zip ends inside it (cut short?)"
    if isinstance(exc, NotImplementedError):
        return "compressed in a way the analyzer cannot unpack"
    if isinstance(exc, RuntimeError):
        return "encrypted (password-protected), or damaged"
    if isinstance(exc, OSError):
        denied = exc.errno in (errno.EACCES, errno.EPERM)
        return "cannot be read: permission denied" if denied else "cannot be read from the disk (an input/output error)"
    return "damaged in the zip"


class _BrokenJson(ValueError):
    """A summary file's JSON is broken at ``char`` (counted from 0 over the whole file), or an item is too big."""

    def __init__(self, char: int | None, too_big: bool = False, too_deep: bool = False) -> None:
        super().__init__(char)
        self.char = char
        self.too_big = too_big
        self.too_deep = too_deep

    def words(self) -> str:
        if self.too_big:
            return f"an activity over {MAX_SUMMARY_ITEM_BYTES:,} bytes, or broken JSON"
        if self.too_deep:
            return "not valid JSON (nested too deeply)"
        return "not valid JSON" + (f" at character {self.char + 1:,}" if self.char is not None else
                                   " (the file ends inside the list of activities)")


class _Budget:
    """What one export may still cost: records held (see :data:`EXPORT_RECORDS_PER_BYTE`)."""

    def __init__(self, disk_bytes: int) -> None:
        self.disk_bytes = disk_bytes
        self.records = 0

    def add_disk(self, n: int) -> None:
        self.disk_bytes += max(int(n), 0)

    @property
    def limit(self) -> int:
        return max(EXPORT_MIN_RECORDS, int(self.disk_bytes * EXPORT_RECORDS_PER_BYTE))

    def spent(self) -> bool:
        return self.records >= self.limit

    def why(self) -> str:
        return (f"the export's budget of {self.limit:,} records (1 per {1 / EXPORT_RECORDS_PER_BYTE:g} bytes of the "
                f"export, at least {EXPORT_MIN_RECORDS:,}) is spent: real activity files hold far fewer; not read "
                "(a zip bomb?)")


def _inflation_cap(compressed: int) -> int:
    """Most bytes a member of ``compressed`` bytes may inflate to (see :data:`MAX_MEMBER_INFLATION`)."""
    return min(MAX_ACTIVITY_BYTES, max(INFLATION_FLOOR_BYTES, MAX_MEMBER_INFLATION * max(compressed, 0)))


class _Window(io.RawIOBase):
    """A read-only, seekable view of ``length`` bytes of a file from ``start``: a stored zip inside a zip,
    read in place."""

    def __init__(self, path: str, start: int, length: int) -> None:
        super().__init__()
        self.fh = open(path, "rb")  # noqa: SIM115 - closed with the window
        self.start, self.length, self.pos = start, length, 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self.pos

    def seek(self, offset: int, whence: int = 0) -> int:
        base = {0: 0, 1: self.pos, 2: self.length}[whence]
        self.pos = max(0, base + offset)
        return self.pos

    def readinto(self, b) -> int:
        n = min(len(b), self.length - self.pos)
        if n <= 0:
            return 0
        self.fh.seek(self.start + self.pos)
        data = self.fh.read(n)
        b[:len(data)] = data
        self.pos += len(data)
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self.fh.close()
        super().close()


class _Zip:
    """A zip opened for reading, with every member checked before it is read."""

    def __init__(self, source, label: str, problems: list[Problem]) -> None:
        self.zf = zipfile.ZipFile(source)
        self.path = str(source) if isinstance(source, (str, Path)) else None
        self.label = label
        self.problems = problems
        infos = self.zf.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise InputError(label, "", f"{len(infos):,} members: more than any account export ({MAX_ZIP_MEMBERS:,}); "
                                        "not read")
        self.members: dict[str, list[zipfile.ZipInfo]] = {}
        for info in infos:
            why = _safe_member(info.filename)
            if why:
                problems.append(Problem(label, f"member {info.filename}", f"{why}; not read"))
                continue
            if not info.is_dir():
                self.members.setdefault(info.filename, []).append(info)
        for name, copies in self.members.items():
            if len(copies) > 1:
                problems.append(Problem(label, f"member {name}", f"appears {len(copies)} times in the zip; each copy "
                                                                 "is read on its own (named '… (copy 2)' and so on "
                                                                 "in problems), none replaces another"))
        # an export zipped with its top folder: read names relative to it
        tops = {n.split("/", 1)[0] for n in self.members}
        self.prefix = ""
        if len(tops) == 1 and all("/" in n for n in self.members):
            top = next(iter(tops)) + "/"
            inner = {n[len(top):] for n in self.members}
            if "activities.csv" in inner or any(n.startswith("DI_CONNECT/") for n in inner):
                self.prefix = top

    def names(self) -> list[str]:
        return [n[len(self.prefix):] for n in self.members if n.startswith(self.prefix)]

    def copies(self, name: str) -> list[tuple[str, zipfile.ZipInfo]]:
        """Each copy of a member: (its name, ``name (copy k)`` from the second on) and its info."""
        infos = self.members.get(self.prefix + name, [])
        return [(name if k == 0 else f"{name} (copy {k + 1})", info) for k, info in enumerate(infos)]

    def info(self, name: str) -> zipfile.ZipInfo | None:
        infos = self.members.get(self.prefix + name)
        return infos[0] if infos else None

    def read(self, name: str, cap: int, info: zipfile.ZipInfo | None = None, shown: str | None = None) -> bytes | None:
        """The member's bytes, or ``None`` (and a problem) when it is missing or too big.

        ``cap`` is the most it may inflate to; zipfile never inflates past the size a member declares,
        so a member declaring more than ``cap`` is refused before a byte is inflated."""
        info = info or self.info(name)
        shown = shown or name
        if info is None:
            self.problems.append(Problem(self.label, f"member {shown}", "named by the export but not in the zip"))
            return None
        if info.file_size > cap:
            why = "" if cap >= MAX_ACTIVITY_BYTES or cap < _inflation_cap(info.compress_size) else (
                f" ({MAX_MEMBER_INFLATION} times its size in the zip: no real activity file shrinks that much; "
                "a zip bomb?)")
            self.problems.append(Problem(self.label, f"member {shown}", f"declares {info.file_size:,} bytes "
                                         f"({info.compress_size:,} in the zip), over the {cap:,}-byte limit{why}; "
                                         "not read"))
            return None
        try:
            with self.zf.open(info) as fh:
                data = fh.read(cap + 1)
        except _ZIP_ERRORS as exc:
            self.problems.append(Problem(self.label, f"member {shown}", _zip_words(exc, f"{self.label}: {shown}")))
            return None
        if len(data) > cap:
            self.problems.append(Problem(self.label, f"member {shown}", f"inflates past the {cap:,}-byte limit "
                                                                        "(a zip bomb?); not read"))
            return None
        return data

    def open_nested(self, name: str, info: zipfile.ZipInfo, shown: str):
        """A zip inside this zip as a seekable file: read in place when stored, else spooled to a private
        temporary file (never next to the input) when it inflates at most :data:`MAX_NESTED_ZIP_INFLATION`
        times. ``None`` and a problem when it is refused."""
        if info.compress_type == zipfile.ZIP_STORED and self.path is not None and not info.flag_bits & 0x1:
            try:
                with open(self.path, "rb") as fh:
                    fh.seek(info.header_offset)
                    head = fh.read(30)
                if len(head) == 30 and head[:4] == b"PK\x03\x04":
                    n, e = int.from_bytes(head[26:28], "little"), int.from_bytes(head[28:30], "little")
                    return _Window(self.path, info.header_offset + 30 + n + e, info.compress_size)
            except OSError as exc:
                self.problems.append(Problem(self.label, f"member {shown}", _zip_words(exc, f"{self.label}: {shown}")))
                return None
        limit = min(MAX_NESTED_ZIP_BYTES, max(INFLATION_FLOOR_BYTES, MAX_NESTED_ZIP_INFLATION * info.compress_size))
        if info.file_size > limit:
            self.problems.append(Problem(self.label, f"member {shown}", (
                f"a zip that declares {info.file_size:,} bytes from {info.compress_size:,} in the export, over the "
                f"{limit:,}-byte limit for it (at most {MAX_NESTED_ZIP_INFLATION} times its size, "
                f"{MAX_NESTED_ZIP_BYTES:,} in all): a zip of activity files hardly shrinks; not read (a zip bomb?)")))
            return None
        tmp = tempfile.TemporaryFile()
        copied = 0
        try:
            with self.zf.open(info) as fh:
                while chunk := fh.read(1 << 20):
                    copied += len(chunk)
                    if copied > limit:
                        tmp.close()
                        self.problems.append(Problem(self.label, f"member {shown}", "nested zip inflates past "
                                                     f"{limit:,} bytes; not read"))
                        return None
                    tmp.write(chunk)
        except _ZIP_ERRORS as exc:
            tmp.close()
            self.problems.append(Problem(self.label, f"member {shown}", _zip_words(exc, f"{self.label}: {shown}")))
            return None
        tmp.seek(0)
        return tmp

    def close(self) -> None:
        self.zf.close()


def read_export(path: Path) -> tuple[list[Activity], list[Problem]]:
    """The runs of an account export (folder or ``.zip``), with the export's titles and descriptions.

    Returns
    -------
    activities : list of Activity
        Runs only; each named after its file inside the export (``11700000000.fit.gz``; a second
        copy of a member name ``11700000000.fit.gz (copy 2)``).
    problems : list of Problem
        Unsafe, oversized or over-inflating members, duplicated names, unreadable files, each naming
        the export and the member.
    """
    problems: list[Problem] = []
    kind = export_kind(path)
    if kind is None:
        return [], [Problem(str(path), "", "not an account export that the analyzer reads (Strava or Garmin Connect)")]
    try:
        if path.is_dir():
            return _read_folder(path, kind, problems), problems
        z = _Zip(path, str(path), problems)
    except _ZIP_ERRORS as exc:
        return [], [Problem(str(path), "", _zip_words(exc, str(path)))]
    except InputError as exc:
        return [], [Problem(exc.path, exc.location, exc.reason)]
    try:
        budget = _Budget(path.stat().st_size)
        if kind == "strava":
            return _strava_zip(z, problems, budget), problems
        return _garmin_zip(z, problems, budget), problems
    finally:
        z.close()


def _read_file(data: bytes, name: str, label: str, problems: list[Problem], entry: ExportActivity,
               compressed: int, budget: _Budget, shown: str | None = None) -> Activity | None:
    """One activity file's bytes (``compressed`` bytes in the export) → a run, or ``None`` and a problem."""
    shown = shown or name
    if budget.spent():
        problems.append(Problem(label, f"member {shown}", budget.why()))
        return None
    cap = _inflation_cap(compressed)
    if len(data) > cap:
        problems.append(Problem(label, f"member {shown}", f"inflates to {len(data):,} bytes from {compressed:,}, past "
                                f"{MAX_MEMBER_INFLATION} times its size: no real activity file does; not read "
                                "(a zip bomb? the limit is MAX_MEMBER_INFLATION)"))
        return None
    if data[:2] == b"\x1f\x8b":  # gzip inside: inflated here, within the same cap
        try:
            data, note = gunzip_capped(data, cap, shown)
        except InputError as exc:
            problems.append(Problem(label, f"member {shown}" + (f", {exc.location}" if exc.location else ""),
                                    exc.reason + f" (at most {MAX_MEMBER_INFLATION} times its {compressed:,} "
                                                 "bytes in the export, and never past the activity limit)"))
            return None
        if note:
            problems.append(Problem(label, f"member {shown}", note))
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitWarning)
            act = read_activity_bytes(data, name)
    except FitError as exc:
        problems.append(Problem(label, f"member {shown}" + (f", byte {exc.offset}" if exc.offset is not None else ""),
                                exc.reason))
        return None
    except InputError as exc:
        problems.append(Problem(label, f"member {shown}" + (f", {exc.location}" if exc.location else ""), exc.reason))
        return None
    except Exception:  # a reader bug must not stop the export
        log.exception("%s: member %s could not be read", label, shown)
        problems.append(Problem(label, f"member {shown}", "could not be read: the analyzer failed on it (a bug; "
                                                          "the details are in the log)"))
        return None
    del data
    budget.records += len(act.records)
    act.source = PurePosixPath(shown).name
    act.title = entry.title or act.title
    act.description = entry.description or act.description
    act.problems = [Problem(label, f"member {shown}", p.message) for p in act.problems]
    problems.extend(act.problems)
    return act


# ------------------------------------------------------------------ Strava


def _strava_rows(text: str) -> Iterator[ExportActivity]:
    reader = csv.DictReader(io.StringIO(text.replace("\x00", "")))
    while True:
        try:
            row = next(reader)
        except StopIteration:
            return
        except csv.Error:  # a damaged list: the rows before the damage are kept
            return
        kind = str(row.get("Activity Type") or "").strip()
        filename = str(row.get("Filename") or "").strip()
        if not filename:
            continue
        yield ExportActivity(filename, "running" if kind.lower() in STRAVA_RUN_TYPES else kind.lower() or None,
                             str(row.get("Activity Name") or "").strip(),
                             str(row.get("Activity Description") or "").strip())


def _read_folder(root: Path, kind: str, problems: list[Problem]) -> list[Activity]:
    budget = _Budget(0)
    if kind == "garmin":  # the Garmin layout keeps its files in zips: read them as the zip route does
        out = []
        summaries = _garmin_summaries_folder(root, problems)
        for nested in sorted((root / "DI_CONNECT" / "DI-Connect-Uploaded-Files").glob("*.zip")):
            try:
                budget.add_disk(nested.stat().st_size)
            except OSError:
                pass
            out += _member_files_of(nested, summaries, problems, budget)
        return out
    text = read_input(root / "activities.csv", MAX_LOG_BYTES).decode("utf-8-sig", errors="replace")
    out = []
    seen: set[str] = set()
    for entry in _strava_rows(text):
        if entry.sport != "running":
            continue
        why = _safe_member(entry.path)
        if why:
            problems.append(Problem(str(root / "activities.csv"), f"Filename {entry.path}", f"{why}; not read"))
            continue
        if entry.path in seen:  # a file named twice in the list is one file: read once
            continue
        seen.add(entry.path)
        path = root / entry.path
        try:
            data = read_input(path, MAX_ACTIVITY_BYTES)
        except InputError as exc:
            problems.append(Problem(str(path), exc.location, exc.reason))
            continue
        budget.add_disk(len(data))
        act = _read_file(data, entry.path, str(root), problems, entry, len(data), budget)
        if act is not None:
            out.append(act)
    return out


def _strava_zip(z: _Zip, problems: list[Problem], budget: _Budget) -> list[Activity]:
    raw = z.read("activities.csv", MAX_LOG_BYTES)
    if raw is None:
        return []
    out = []
    seen: set[str] = set()
    for entry in _strava_rows(raw.decode("utf-8-sig", errors="replace")):
        if entry.sport != "running":
            continue
        why = _safe_member(entry.path)
        if why:
            problems.append(Problem(z.label, f"Filename {entry.path}", f"{why}; not read"))
            continue
        if entry.path in seen:
            continue
        seen.add(entry.path)
        copies = z.copies(entry.path)
        if not copies:
            problems.append(Problem(z.label, f"member {entry.path}", "named by the export but not in the zip"))
            continue
        copies_read = _Copies(entry.path, z.label, problems)
        for shown, info in copies:
            if budget.spent():
                problems.append(Problem(z.label, f"member {shown}", budget.why()))
                continue
            data = z.read(entry.path, _inflation_cap(info.compress_size), info, shown)
            if data is None or copies_read.seen(data, shown):
                continue
            act = _read_file(data, entry.path, z.label, problems, entry, info.compress_size, budget, shown)
            if act is not None:
                out.append(copies_read.named(act))
    return out


class _Copies:
    """The copies of one member name: an identical copy is read once; the first copy that reads keeps the
    plain name (so a cramp log naming the file finds it), later ones are ``… (copy k)``."""

    def __init__(self, name: str, label: str, problems: list[Problem]) -> None:
        self.name, self.label, self.problems = name, label, problems
        self.digests: set[bytes] = set()
        self.kept = 0

    def seen(self, data: bytes, shown: str) -> bool:
        digest = hashlib.sha256(data).digest()
        if digest in self.digests:
            self.problems.append(Problem(self.label, f"member {shown}", "the same bytes as an earlier copy; read once"))
            return True
        self.digests.add(digest)
        return False

    def named(self, act: Activity) -> Activity:
        if self.kept == 0:
            act.source = PurePosixPath(self.name).name
        self.kept += 1
        return act


# ------------------------------------------------------------------ Garmin Connect

_SUMMARY_KEY = re.compile(r'"summarizedActivitiesExport"\s*:\s*\[')


class _SummaryTooBig(Exception):
    pass


def _summary_items(fh: BinaryIO, cap: int) -> Iterator[object]:
    """The activities of a Garmin summary file, one at a time, from a binary stream.

    Each ``"summarizedActivitiesExport": [ … ]`` list is read item by item with the standard JSON
    decoder, so memory holds one activity and one chunk, never the whole file.

    Raises
    ------
    _SummaryTooBig
        The file inflates past ``cap`` bytes.
    _BrokenJson
        The JSON is broken (where: the character, from the decoder's ``JSONDecodeError.pos``) or one
        activity is over :data:`MAX_SUMMARY_ITEM_BYTES`; the activities before it have been given.
    """
    decoder = json.JSONDecoder()
    text = codecs.getincrementaldecoder("utf-8")("replace")
    buf, pos, total, eof, in_list = "", 0, 0, False, False
    dropped = 0  # characters of the file before buf[0], so a JSON error is placed in the whole file

    def more() -> None:
        nonlocal buf, pos, total, eof, dropped
        chunk = fh.read(1 << 20)
        total += len(chunk)
        if total > cap:
            raise _SummaryTooBig
        if not chunk:
            eof = True
        dropped += pos
        buf = buf[pos:] + text.decode(chunk, final=not chunk)
        pos = 0

    while True:
        if not in_list:
            m = _SUMMARY_KEY.search(buf, pos)
            if m:
                pos, in_list = m.end(), True
                continue
            if eof:
                return
            pos = max(pos, len(buf) - 200)  # keep what may be the start of the key
            more()
            continue
        while pos < len(buf) and buf[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(buf):
            if eof:
                raise _BrokenJson(None)
            more()
            continue
        if buf[pos] == "]":
            pos, in_list = pos + 1, False
            continue
        try:
            item, end = decoder.raw_decode(buf, pos)
        except (ValueError, RecursionError) as exc:
            if not eof and len(buf) - pos <= MAX_SUMMARY_ITEM_BYTES:
                more()
                continue
            log.info("summary JSON not read: %r", exc)
            if len(buf) - pos > MAX_SUMMARY_ITEM_BYTES:
                raise _BrokenJson(None, too_big=True) from None
            if isinstance(exc, RecursionError):
                raise _BrokenJson(None, too_deep=True) from None
            raise _BrokenJson(dropped + exc.pos if isinstance(exc, json.JSONDecodeError) else None) from None
        pos = end
        yield item


def _activities_before(count: int) -> str:
    """``the 1 activity before it is used`` / ``the 2 activities before it are used``."""
    return f"the {count:,} activit{'y' if count == 1 else 'ies'} before it {'is' if count == 1 else 'are'} used"


def _summaries_from(fh: BinaryIO, name: str, label: str, out: dict[str, ExportActivity],
                    problems: list[Problem]) -> None:
    """Add the activities of one summary file to ``out`` (titles kept for runs only)."""
    count = 0
    try:
        for item in _summary_items(fh, MAX_SUMMARY_JSON_BYTES):
            if not isinstance(item, dict) or "activityId" not in item:
                continue
            count += 1
            kind = str(item.get("activityType") or item.get("sportType") or "").lower()
            sport = "running" if kind in GARMIN_RUN_TYPES else (kind or None)
            if sport == "running":
                entry = ExportActivity("", sport, str(item.get("name") or ""), str(item.get("description") or ""))
            else:
                entry = ExportActivity("", sport)
            if len(out) >= MAX_ZIP_MEMBERS and str(item["activityId"]) not in out:
                problems.append(Problem(label, f"member {name}", f"more than {MAX_ZIP_MEMBERS:,} activities listed; "
                                                                 "the rest are not used"))
                return
            out[str(item["activityId"])] = entry
    except _SummaryTooBig:
        problems.append(Problem(label, f"member {name}", f"inflates past {MAX_SUMMARY_JSON_BYTES:,} bytes, more than "
                                f"any real summary file (MAX_SUMMARY_JSON_BYTES); the {count:,} activities before "
                                "that are used, the rest are not"))
    except _BrokenJson as exc:
        problems.append(Problem(label, f"member {name}", f"{exc.words()}; {_activities_before(count)}, "
                                                         "the rest are not"))
    except _ZIP_ERRORS as exc:
        problems.append(Problem(label, f"member {name}", f"{_zip_words(exc, f'{label}: {name}')}; "
                                                         f"{_activities_before(count)}"))


def _garmin_summaries_folder(root: Path, problems: list[Problem]) -> dict[str, ExportActivity]:
    out: dict[str, ExportActivity] = {}
    for path in sorted((root / "DI_CONNECT" / "DI-Connect-Fitness").glob("*summarizedActivities*.json")):
        try:
            data = read_input(path, MAX_SUMMARY_JSON_BYTES)
        except InputError as exc:
            problems.append(Problem(str(path), exc.location, exc.reason))
            continue
        _summaries_from(io.BytesIO(data), path.name, str(root), out, problems)
    return out


def _activity_id(name: str) -> str | None:
    ids = re.findall(r"\d{6,}", PurePosixPath(name).name)
    return max(ids, key=len) if ids else None


def _garmin_files(z: _Zip, summaries: dict[str, ExportActivity], problems: list[Problem],
                  budget: _Budget) -> list[Activity]:
    out = []
    for name in sorted(z.names()):
        if activity_format(name) is None:
            continue
        summary = summaries.get(_activity_id(name) or "")
        if summary is not None and summary.sport != "running":
            continue  # the export says it is not a run: not even read
        copies_read = _Copies(name, z.label, problems)
        for shown, info in z.copies(name):
            if budget.spent():
                problems.append(Problem(z.label, f"member {shown}", budget.why()))
                continue
            data = z.read(name, _inflation_cap(info.compress_size), info, shown)
            if data is None or copies_read.seen(data, shown):
                continue
            act = _read_file(data, name, z.label, problems, summary or ExportActivity(name, None), info.compress_size,
                             budget, shown)
            if act is None:
                continue
            if summary is None and act.sport != "running":
                continue
            out.append(copies_read.named(act))
    return out


def _member_files_of(path: Path, summaries: dict[str, ExportActivity], problems: list[Problem],
                     budget: _Budget) -> list[Activity]:
    try:
        z = _Zip(path, str(path), problems)
    except _ZIP_ERRORS as exc:
        problems.append(Problem(str(path), "", _zip_words(exc, str(path))))
        return []
    except InputError as exc:
        problems.append(Problem(exc.path, exc.location, exc.reason))
        return []
    try:
        return _garmin_files(z, summaries, problems, budget)
    finally:
        z.close()


def _garmin_zip(z: _Zip, problems: list[Problem], budget: _Budget) -> list[Activity]:
    summaries: dict[str, ExportActivity] = {}
    for name in z.names():
        if name.startswith("DI_CONNECT/DI-Connect-Fitness/") and "summarizedActivities" in name \
                and name.endswith(".json"):
            for shown, info in z.copies(name):
                if info.file_size > MAX_SUMMARY_JSON_BYTES:
                    problems.append(Problem(z.label, f"member {shown}", (
                        f"declares {info.file_size:,} bytes ({info.compress_size:,} in the zip), more than any real "
                        f"summary file ({MAX_SUMMARY_JSON_BYTES:,}, MAX_SUMMARY_JSON_BYTES); its titles are not used")))
                    continue
                try:
                    with z.zf.open(info) as fh:
                        _summaries_from(fh, shown, z.label, summaries, problems)
                except _ZIP_ERRORS as exc:
                    problems.append(Problem(z.label, f"member {shown}", _zip_words(exc, f"{z.label}: {shown}")))
    out = _garmin_files(z, summaries, problems, budget)  # loose files, if any
    for name in sorted(z.names()):
        if name.startswith("DI_CONNECT/DI-Connect-Uploaded-Files/") and name.lower().endswith(".zip"):
            for shown, info in z.copies(name):
                nested = z.open_nested(name, info, shown)
                if nested is None:
                    continue
                try:
                    inner = _Zip(nested, f"{z.label} → {shown}", problems)
                except InputError as exc:
                    problems.append(Problem(z.label, f"member {shown}", exc.reason))
                    nested.close()
                    continue
                except _ZIP_ERRORS as exc:
                    problems.append(Problem(z.label, f"member {shown}", _zip_words(exc, f"{z.label}: {shown}")))
                    nested.close()
                    continue
                try:
                    out += _garmin_files(inner, summaries, problems, budget)
                finally:
                    inner.close()
                    nested.close()
    return out
