"""Logging a cramp in one line: one validated row appended to an athlete's ``cramps.csv``.

This is the only place where the analyzer writes into an athlete folder, and it only ever
appends: the file's bytes stay as they were, and the new row follows them (``cramps.csv`` is
created with its header when absent). The row is checked by the same validation that reads the
log, so what is refused here would have been refused there, with the same words.

The row is appended in one write (a new ``cramps.csv`` is created with its header and the row
in one write), so no temporary file is ever put among the inputs and a killed ``analyzer log``
leaves the file as it was or with the whole row; concurrent writers are serialised by a lock
kept outside the athlete folder, so two athletes' phones logging at once never lose a row.

Times are read in the athlete's time zone. Besides the log's own forms
(``2024-06-18 08:50``, ISO 8601 with an offset), ``now`` and ``today 07:42`` /
``yesterday 23:10`` are understood here and written as the plain local time they mean.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import os
import re
import stat
import tempfile
from dataclasses import dataclass
from pathlib import Path
from zoneinfo import ZoneInfo

from analyzer.errors import InputError
from analyzer.io.inputs import MAX_LOG_BYTES, read_input
from analyzer.io.logs import CRAMP_COLUMNS, _delimiter, _rows, cramps_from_rows, read_profile

_RELATIVE = re.compile(r"^(today|yesterday)\s+(\d{1,2}:\d{2}(?::\d{2})?)$", re.IGNORECASE)


@dataclass(frozen=True)
class LoggedCramp:
    """What :func:`log_cramp` appended: the file, the row's number (as reports will call it), its cells."""

    path: Path
    cramp_row: int
    cells: dict[str, str]
    run_note: str = ""
    """Where ``activity`` was found (``activities/`` or an account export), or that it was not."""


def resolve_time(text: str, tz: str, now: dt.datetime | None = None) -> str:
    """``now``, ``today HH:MM`` and ``yesterday HH:MM`` → ``YYYY-MM-DD HH:MM`` local in ``tz``;
    any other text is returned as it is (the log's reader checks it).

    Examples
    --------
    >>> resolve_time("today 07:42", "Europe/Madrid", dt.datetime(2024, 6, 18, 23, 30, tzinfo=dt.UTC))
    '2024-06-19 07:42'
    """
    s = text.strip()
    local_now = (now or dt.datetime.now(dt.UTC)).astimezone(ZoneInfo(tz))
    if s.lower() == "now":
        return local_now.strftime("%Y-%m-%d %H:%M")
    m = _RELATIVE.match(s)
    if m:
        day = local_now.date() - dt.timedelta(days=1 if m.group(1).lower() == "yesterday" else 0)
        return f"{day.isoformat()} {m.group(2)}"
    return s


def _lock_path(path: Path) -> Path:
    digest = hashlib.sha256(str(path.resolve()).encode("utf-8", "surrogateescape")).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / f"cramp-analyzer-log-{digest}.lock"


def log_cramp(
    folder: str | os.PathLike, *, leg: str, muscle: str | None = None, severity: int | None = None,
    time: str | None = None, activity: str | None = None, km: float | None = None, duration_s: float | None = None,
    notes: str | None = None, now: dt.datetime | None = None,
) -> LoggedCramp:
    """Append one cramp to ``<folder>/cramps.csv``, validated as the reader validates it.

    Parameters
    ----------
    folder : path-like
        The athlete folder (its ``athlete.toml`` gives the time zone).
    leg : {"left", "right", "both"}
    muscle, severity, duration_s, notes : optional
    time : str, optional
        When (see the module docstring); or give ``activity`` and ``km``.
    activity : str, optional
        A file name in ``activities/``.
    km : float, optional
        Distance into that activity.

    Returns
    -------
    LoggedCramp

    Raises
    ------
    InputError
        The row is not valid (the reader's own message), the folder is not an athlete folder,
        or the existing ``cramps.csv`` cannot be appended to safely; the file is then unchanged.
    """
    from filelock import FileLock

    root = Path(folder)
    if not root.is_dir():
        raise InputError(root, "", "not a folder: give the athlete folder (the one holding athlete.toml)")
    profile, _ = read_profile(root / "athlete.toml", root.name)
    tz = profile["timezone"]
    path = root / "cramps.csv"
    values = {
        "time": resolve_time(time, tz, now) if time else "", "activity": activity or "",
        "distance_km": "" if km is None else f"{km:g}", "leg": leg or "", "muscle": muscle or "",
        "severity": "" if severity is None else str(severity),
        "duration_s": "" if duration_s is None else f"{duration_s:g}", "notes": notes or "",
    }
    with FileLock(str(_lock_path(path)), timeout=30):
        old = b""
        if path.exists() or path.is_symlink():
            old = read_input(path, MAX_LOG_BYTES)
        text, delimiter = _existing_text(old, path)
        header, rows, _ = _rows(text) if text.strip() else (list(CRAMP_COLUMNS), [], "")
        missing = [c for c, v in values.items() if v and c not in header]
        if missing:
            raise InputError(path, "header", f"has no column {', '.join(missing)}: add it to the header first; "
                                             "nothing was written")
        eol = "\r\n" if b"\r\n" in old else "\n"  # the file's own line ends
        line = _line([values.get(c, "") for c in header], delimiter, eol)
        prefix = text if text.strip() else _line(header, delimiter, eol)
        if prefix and not prefix.endswith("\n"):
            prefix += eol
        new_header, new_rows, _ = _rows(prefix + line)
        number = new_rows[-1][0] if new_rows else len(rows) + 1
        frame, problems = cramps_from_rows(new_header, new_rows, str(path), tz)
        mine = [p for p in problems if p.row == number]
        if mine:
            raise InputError(path, "new row", mine[0].message.replace(" — row left out", "") + "; nothing was written")
        if number not in set(frame["cramp_row"]):
            raise InputError(path, "new row", "the row could not be read back; nothing was written")
        run_note = _check_run(root, activity, km) if activity else ""  # after the reader's own checks
        if old:
            data = b"" if old.endswith(b"\n") else eol.encode()
        else:
            data = _line(header, delimiter, eol).encode()
        _append(root, path, data + line.encode("utf-8"), created=not old)
    return LoggedCramp(path, number, {c: values.get(c, "") for c in header}, run_note)


def _check_run(root: Path, name: str, km: float | None) -> str:
    """Where the run ``name`` is (``activities/`` or an account export in the folder), or that it is
    not there; :class:`InputError` when ``km`` is past the end of a run that could be read."""
    import warnings

    from analyzer.cramps import DISTANCE_PAST_END_KM, beyond_end
    from analyzer.io.activities import read_activity
    from analyzer.io.athlete import _exports_in, _read_export_safely
    from analyzer.io.fit import FitWarning

    act, where = None, ""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)
        own = root / "activities" / name
        if own.is_file():
            try:
                act, where = read_activity(own), ""  # the ordinary case: nothing to say
            except Exception:  # an unreadable file: the reader will report it; the row is still logged
                return f"{name} is in {root / 'activities'} but could not be read; the cramp is kept, not placed"
        else:
            for export in _exports_in(root, []):
                found = [a for a in _read_export_safely(export)[0] if a.source == name]
                if found:
                    act, where = found[0], f"{name} was found in the account export {export.name}"
                    break
    if act is None:
        return (f"{name} is not in {root / 'activities'} nor in an account export there; the cramp is kept, placed "
                "once the file is there")
    if km is not None:
        length = beyond_end(act, km)
        if length is not None:
            raise InputError(root / "cramps.csv", "new row", f"--km {km:g} is beyond the end of {name}, which the "
                             f"watch recorded as {length:.2f} km (more than {DISTANCE_PAST_END_KM:g} km past it); "
                             "nothing was written")
    return where


def _existing_text(old: bytes, path: Path) -> tuple[str, str]:
    if not old:
        return "", ","
    if old.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in old:
        raise InputError(path, "", "is UTF-16 or binary: save it as UTF-8 CSV first, so a row can be appended; "
                                   "nothing was written")
    try:
        text = old.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(path, f"byte {exc.start}", "is not UTF-8: save it as UTF-8 CSV first, so a row can be "
                                                    "appended; nothing was written", offset=exc.start) from exc
    return text, _delimiter(text)


def _line(cells: list[str], delimiter: str, eol: str = "\n") -> str:
    buf = io.StringIO()
    csv.writer(buf, delimiter=delimiter, lineterminator=eol).writerow(cells)
    return buf.getvalue()


def _append(root: Path, path: Path, data: bytes, created: bool) -> None:
    """Append ``data`` to ``path`` in one write (creating it when ``created``), then flush it to disk.

    A symbolic link is written through only when it leads to a file inside the athlete folder.
    """
    target = path
    if path.is_symlink():
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):
            raise InputError(path, "", "is a symbolic link that leads nowhere; nothing was written") from None
        if root.resolve() not in target.parents:
            raise InputError(path, "", "is a symbolic link to a file outside the athlete folder; nothing was written")
    flags = os.O_WRONLY | os.O_APPEND | getattr(os, "O_CLOEXEC", 0) | getattr(os, "O_NOFOLLOW", 0)
    if created and not target.exists():
        flags |= os.O_CREAT | os.O_EXCL
    try:
        fd = os.open(target, flags, 0o666)
    except OSError as exc:
        why = exc.strerror or "the system gave no reason"
        raise InputError(path, "", f"cannot be written ({why}); nothing was written") from exc
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise InputError(path, "", "is not a regular file; nothing was written")
        view = memoryview(data)
        while view:  # one write for a row; the loop only guards a short write
            view = view[os.write(fd, view):]
        os.fsync(fd)
    finally:
        os.close(fd)
