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

Nothing is extracted next to the input: members are read into memory one at a time (a zip
inside the zip is spooled to a private temporary file, deleted at once). Every member is
checked first: a name that is absolute or climbs with ``..``, a declared size over the
activity limit, or a member that inflates past it is a problem naming the member, and the rest
is read. A zip with more than :data:`MAX_ZIP_MEMBERS` members is refused.
"""

from __future__ import annotations

import csv
import io
import json
import lzma
import re
import tempfile
import warnings
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from analyzer.errors import FitError, InputError
from analyzer.io.activities import activity_format, read_activity_bytes
from analyzer.io.fit import FitWarning
from analyzer.io.inputs import MAX_ACTIVITY_BYTES, MAX_LOG_BYTES, read_input
from analyzer.model import Activity, Problem

MAX_ZIP_MEMBERS = 200_000
"""More members than this is not an account export."""

MAX_NESTED_ZIP_BYTES = 4 * 1024**3
"""A zip inside the export larger than this (4 GiB) is not read."""

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


class _Zip:
    """A zip opened for reading, with every member checked before it is read."""

    def __init__(self, source, label: str, problems: list[Problem]) -> None:
        self.zf = zipfile.ZipFile(source)
        self.label = label
        self.problems = problems
        infos = self.zf.infolist()
        if len(infos) > MAX_ZIP_MEMBERS:
            raise InputError(label, "", f"{len(infos):,} members: more than any account export ({MAX_ZIP_MEMBERS:,}); "
                                        "not read")
        self.members: dict[str, zipfile.ZipInfo] = {}
        for info in infos:
            why = _safe_member(info.filename)
            if why:
                problems.append(Problem(label, f"member {info.filename}", f"{why}; not read"))
                continue
            if not info.is_dir():
                self.members[info.filename] = info
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

    def info(self, name: str) -> zipfile.ZipInfo | None:
        return self.members.get(self.prefix + name)

    def read(self, name: str, cap: int) -> bytes | None:
        """The member's bytes, or ``None`` (and a problem) when it is missing or too big."""
        info = self.info(name)
        if info is None:
            self.problems.append(Problem(self.label, f"member {name}", "named by the export but not in the zip"))
            return None
        if info.file_size > cap:
            self.problems.append(Problem(self.label, f"member {name}", f"declares {info.file_size:,} bytes, over the "
                                                                       f"{cap:,}-byte limit; not read"))
            return None
        try:
            with self.zf.open(info) as fh:
                data = fh.read(cap + 1)
        except _ZIP_ERRORS as exc:
            self.problems.append(Problem(self.label, f"member {name}", f"cannot be read ({exc})"))
            return None
        if len(data) > cap:
            self.problems.append(Problem(self.label, f"member {name}", f"inflates past the {cap:,}-byte limit "
                                                                       "(a zip bomb?); not read"))
            return None
        return data

    def spool(self, name: str):
        """A nested zip copied to a private temporary file (never next to the input), within its cap."""
        info = self.info(name)
        if info is None or info.file_size > MAX_NESTED_ZIP_BYTES:
            self.problems.append(Problem(self.label, f"member {name}", "nested zip missing or over "
                                                                       f"{MAX_NESTED_ZIP_BYTES:,} bytes; not read"))
            return None
        tmp = tempfile.TemporaryFile()
        copied = 0
        try:
            with self.zf.open(info) as fh:
                while chunk := fh.read(1 << 20):
                    copied += len(chunk)
                    if copied > MAX_NESTED_ZIP_BYTES:
                        tmp.close()
                        self.problems.append(Problem(self.label, f"member {name}", "nested zip inflates past "
                                                     f"{MAX_NESTED_ZIP_BYTES:,} bytes; not read"))
                        return None
                    tmp.write(chunk)
        except _ZIP_ERRORS as exc:
            tmp.close()
            self.problems.append(Problem(self.label, f"member {name}", f"cannot be read ({exc})"))
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
        Runs only; each named after its file inside the export (``11700000000.fit.gz``).
    problems : list of Problem
        Unsafe or oversized members, unreadable files, each naming the export and the member.
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
        return [], [Problem(str(path), "", f"not a readable zip file ({exc})")]
    except InputError as exc:
        return [], [Problem(exc.path, exc.location, exc.reason)]
    try:
        if kind == "strava":
            return _strava_zip(z, problems), problems
        return _garmin_zip(z, problems), problems
    finally:
        z.close()


def _read_file(data: bytes, name: str, label: str, problems: list[Problem], entry: ExportActivity) -> Activity | None:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FitWarning)
            act = read_activity_bytes(data, name)
    except FitError as exc:
        problems.append(Problem(label, f"member {name}" + (f", byte {exc.offset}" if exc.offset is not None else ""),
                                exc.reason))
        return None
    except InputError as exc:
        problems.append(Problem(label, f"member {name}" + (f", {exc.location}" if exc.location else ""), exc.reason))
        return None
    except Exception as exc:  # a reader bug must not stop the export
        problems.append(Problem(label, f"member {name}", f"could not be read ({type(exc).__name__}: {exc})"))
        return None
    act.source = PurePosixPath(name).name
    act.title = entry.title or act.title
    act.description = entry.description or act.description
    act.problems = [Problem(label, f"member {name}", p.message) for p in act.problems]
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
    if kind == "garmin":  # the Garmin layout keeps its files in zips: read them as the zip route does
        out = []
        for nested in sorted((root / "DI_CONNECT" / "DI-Connect-Uploaded-Files").glob("*.zip")):
            out += read_export_zip_member_files(nested, _garmin_summaries_folder(root, problems), problems)
        return out
    text = read_input(root / "activities.csv", MAX_LOG_BYTES).decode("utf-8-sig", errors="replace")
    out = []
    for entry in _strava_rows(text):
        if entry.sport != "running":
            continue
        why = _safe_member(entry.path)
        if why:
            problems.append(Problem(str(root / "activities.csv"), f"Filename {entry.path}", f"{why}; not read"))
            continue
        path = root / entry.path
        try:
            data = read_input(path, MAX_ACTIVITY_BYTES)
        except InputError as exc:
            problems.append(Problem(str(path), exc.location, exc.reason))
            continue
        act = _read_file(data, entry.path, str(root), problems, entry)
        if act is not None:
            out.append(act)
    return out


def _strava_zip(z: _Zip, problems: list[Problem]) -> list[Activity]:
    raw = z.read("activities.csv", MAX_LOG_BYTES)
    if raw is None:
        return []
    out = []
    for entry in _strava_rows(raw.decode("utf-8-sig", errors="replace")):
        if entry.sport != "running":
            continue
        why = _safe_member(entry.path)
        if why:
            problems.append(Problem(z.label, f"Filename {entry.path}", f"{why}; not read"))
            continue
        data = z.read(entry.path, MAX_ACTIVITY_BYTES)
        if data is not None:
            act = _read_file(data, entry.path, z.label, problems, entry)
            if act is not None:
                out.append(act)
    return out


# ------------------------------------------------------------------ Garmin Connect


def _summaries(texts: list[tuple[str, bytes]], problems: list[Problem], label: str) -> dict[str, ExportActivity]:
    out: dict[str, ExportActivity] = {}
    for name, raw in texts:
        try:
            data = json.loads(raw.decode("utf-8", errors="replace"))
        except ValueError as exc:
            problems.append(Problem(label, f"member {name}", f"not valid JSON ({exc}); its titles are not used"))
            continue
        blocks = data if isinstance(data, list) else [data]
        for block in blocks:
            items = block.get("summarizedActivitiesExport", []) if isinstance(block, dict) else []
            for item in items if isinstance(items, list) else []:
                if not isinstance(item, dict) or "activityId" not in item:
                    continue
                kind = str(item.get("activityType") or item.get("sportType") or "").lower()
                sport = "running" if kind in GARMIN_RUN_TYPES else (kind or None)
                out[str(item["activityId"])] = ExportActivity("", sport, str(item.get("name") or ""),
                                                              str(item.get("description") or ""))
    return out


def _garmin_summaries_folder(root: Path, problems: list[Problem]) -> dict[str, ExportActivity]:
    texts = []
    for path in sorted((root / "DI_CONNECT" / "DI-Connect-Fitness").glob("*summarizedActivities*.json")):
        try:
            texts.append((path.name, read_input(path, MAX_LOG_BYTES * 16)))
        except InputError as exc:
            problems.append(Problem(str(path), exc.location, exc.reason))
    return _summaries(texts, problems, str(root))


def _activity_id(name: str) -> str | None:
    ids = re.findall(r"\d{6,}", PurePosixPath(name).name)
    return max(ids, key=len) if ids else None


def _garmin_files(z: _Zip, summaries: dict[str, ExportActivity], problems: list[Problem]) -> list[Activity]:
    out = []
    for name in sorted(z.names()):
        if activity_format(name) is None:
            continue
        summary = summaries.get(_activity_id(name) or "")
        if summary is not None and summary.sport != "running":
            continue  # the export says it is not a run: not even read
        data = z.read(name, MAX_ACTIVITY_BYTES)
        if data is None:
            continue
        act = _read_file(data, name, z.label, problems, summary or ExportActivity(name, None))
        if act is None:
            continue
        if summary is None and act.sport != "running":
            continue
        out.append(act)
    return out


def read_export_zip_member_files(path: Path, summaries: dict[str, ExportActivity],
                                 problems: list[Problem]) -> list[Activity]:
    """The runs in one zip of original files (Garmin's ``UploadedFiles_*.zip``)."""
    try:
        z = _Zip(path, str(path), problems)
    except _ZIP_ERRORS as exc:
        problems.append(Problem(str(path), "", f"not a readable zip file ({exc})"))
        return []
    except InputError as exc:
        problems.append(Problem(exc.path, exc.location, exc.reason))
        return []
    try:
        return _garmin_files(z, summaries, problems)
    finally:
        z.close()


def _garmin_zip(z: _Zip, problems: list[Problem]) -> list[Activity]:
    texts = []
    for name in z.names():
        if name.startswith("DI_CONNECT/DI-Connect-Fitness/") and "summarizedActivities" in name \
                and name.endswith(".json"):
            raw = z.read(name, MAX_LOG_BYTES * 16)
            if raw is not None:
                texts.append((name, raw))
    summaries = _summaries(texts, problems, z.label)
    out = _garmin_files(z, summaries, problems)  # loose files, if any
    for name in sorted(z.names()):
        if name.startswith("DI_CONNECT/DI-Connect-Uploaded-Files/") and name.lower().endswith(".zip"):
            spooled = z.spool(name)
            if spooled is None:
                continue
            try:
                inner = _Zip(spooled, f"{z.label} → {name}", problems)
            except (*_ZIP_ERRORS, InputError) as exc:
                problems.append(Problem(z.label, f"member {name}", f"not a readable zip ({exc})"))
                spooled.close()
                continue
            try:
                out += _garmin_files(inner, summaries, problems)
            finally:
                inner.close()
                spooled.close()
    return out
