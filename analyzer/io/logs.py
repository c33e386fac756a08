"""The athlete's own files: profile (TOML), cramp log, weather and weigh-ins (CSV), validated.

Every reader returns what it could read plus a list of :class:`~analyzer.model.Problem`;
a bad row is reported with its row number (rows are numbered from 1 after the header, as
in docs/folders.md) and left out, the good rows are kept, unknown columns survive.

Local times
-----------
Times written without an offset are wall-clock times in the athlete's IANA timezone.
At daylight-saving changes:

* an **ambiguous** time (the repeated hour in autumn) is read as the first occurrence
  (still summer time), and the row's ``time_note`` says so;
* a **non-existent** time (the skipped hour in spring) is moved forward by the gap, as a
  wall clock would be (02:30 → 03:30), and the row's ``time_note`` says so.

Encodings and spreadsheets
--------------------------
UTF-8 with or without a BOM and UTF-16 with a BOM are read as they are; other bytes are
read as Windows-1252 (Latin-1) with a problem naming the first odd byte. The separator is
a comma, or a semicolon or tab when the header uses one (spreadsheets in decimal-comma
locales), and then ``2,5`` reads as 2.5. Blank lines are skipped. A row identical to an
earlier one is reported and left out. Times more than a day in the future, durations over
an hour and distances over 400 km are reported as mistakes.
"""

from __future__ import annotations

import codecs
import csv
import dataclasses
import datetime as dt
import io
import logging
import math
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import pandas as pd

from analyzer.errors import InputError
from analyzer.io.inputs import MAX_LOG_BYTES, read_input
from analyzer.model import Problem

log = logging.getLogger(__name__)

PATH_SEPARATORS = tuple(sep for sep in (os.sep, os.altsep, "/") if sep)
"""What makes an activity name a path here: ``/`` (and ``\\`` only where it separates folders,
on Windows); elsewhere a backslash is a legal character of a file name."""

LEGS = ("left", "right", "both")
MUSCLES = ("calf", "hamstring", "quadriceps", "foot", "other")
SEVERITY_RANGE = (1, 5)

MAX_CRAMP_DURATION_S = 3600
"""A logged cramp lasting longer than an hour is taken as a typing mistake."""

MAX_DISTANCE_KM = 400.0
"""Longer than the longest ultra-marathons: taken as a typing mistake."""

MASS_RANGE_KG = (25.0, 300.0)
MAX_FLUID_ML = 20000.0

CRAMP_COLUMNS = ("time", "activity", "distance_km", "leg", "muscle", "severity", "duration_s", "notes")


def read_text(path: Path) -> tuple[str | None, list[Problem]]:
    """The file's text, read tolerantly (see the module docstring's "Encodings").

    UTF-8 (with or without a BOM) and UTF-16 with a BOM are read silently. Anything else is
    read as Windows-1252 (which also covers Latin-1), and a problem names the first byte
    that is not UTF-8, so accented letters can be checked; no row is lost. Only regular
    files up to :data:`~analyzer.io.inputs.MAX_LOG_BYTES` are read.
    """
    try:
        raw = read_input(path, MAX_LOG_BYTES)
    except InputError as exc:
        return None, [Problem(str(path), exc.location, exc.reason)]
    if raw.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        try:
            return raw.decode("utf-16"), []
        except UnicodeDecodeError as exc:
            return None, [Problem.at_byte(str(path), exc.start, "starts like UTF-16 text but is not; not read")]
    nul = raw.find(b"\x00")
    if nul >= 0:
        return None, [Problem.at_byte(str(path), nul, "binary data, not a text/CSV file; not read")]
    try:
        return raw.decode("utf-8-sig"), []
    except UnicodeDecodeError as exc:
        text = raw.decode("cp1252", errors="replace")
        return text, [Problem.at_byte(str(path), exc.start, "the file is not UTF-8; it was read as Windows-1252/Latin-1 "
                              "(a spreadsheet's default) — check accented letters, and save as UTF-8 CSV next time")]


def read_profile(path: Path, default_name: str) -> tuple[dict[str, Any], list[Problem]]:
    """``athlete.toml`` → profile dict with defaults filled; problems for bad keys."""
    profile: dict[str, Any] = {"name": default_name, "timezone": "UTC", "medications": [], "thresholds": {}}
    if not path.exists() and not path.is_symlink():
        return profile, [Problem(str(path), "", "athlete.toml is missing; using the folder name, and the time zone "
                                 "the watch recorded (UTC, a guess, when it recorded none)")]
    text, problems = read_text(path)
    if text is None:
        return profile, problems
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        log.info("%s: %r", path, exc)
        line, column = _toml_position(exc)
        where = (f" at line {line}, column {column}" if line and column else f" at line {line}" if line else
                 " at the end of the file" if "end of document" in str(exc) else "")
        return profile, [Problem(str(path), f"line {line}" if line else "", f"not valid TOML{where}; using defaults")]
    for key, value in data.items():
        profile[key] = value
    if not isinstance(profile.get("name"), str) or not profile["name"].strip():
        profile["name"] = default_name
    try:
        ZoneInfo(str(profile["timezone"]))
        if "timezone" in data:
            profile["timezone_source"] = "athlete.toml"
    except (ZoneInfoNotFoundError, ValueError):
        problems.append(Problem(str(path), "timezone", f"unknown timezone {profile['timezone']!r}; using the time "
                                "zone the watch recorded (UTC, a guess, when it recorded none)"))
        profile["timezone"] = "UTC"
    if profile.get("sex") not in (None, "female", "male"):
        problems.append(Problem(str(path), "sex", f"sex {profile['sex']!r} is not female or male; ignored"))
        profile["sex"] = None
    for key in ("body_mass_kg", "hr_max_bpm", "hr_rest_bpm"):
        if key in profile and not _positive_number(profile[key]):
            problems.append(Problem(str(path), key, f"{key} {profile[key]!r} is not a positive number; ignored"))
            del profile[key]
    meds = profile.get("medications", [])
    if isinstance(meds, str):
        meds = [meds]
    if not isinstance(meds, list) or not all(isinstance(m, str) for m in meds):
        problems.append(Problem(str(path), "medications", "medications must be a list of names; ignored"))
        meds = []
    profile["medications"] = meds
    if profile.get("weather", "auto") not in ("auto", "cache", "off"):
        problems.append(Problem(str(path), "weather", f"weather {profile['weather']!r} is not auto, cache or off; "
                                "auto used"))
        profile["weather"] = "auto"
    if profile.get("date_order") is not None and profile["date_order"] not in DATE_ORDERS:
        problems.append(Problem(str(path), "date_order", f"date_order {profile['date_order']!r} is not DMY or MDY; "
                                "ignored"))
        del profile["date_order"]
    if not isinstance(profile.get("thresholds", {}), dict):
        problems.append(Problem(str(path), "thresholds", "[thresholds] must be a table; ignored"))
        profile["thresholds"] = {}
    return profile, problems


def _csv_words(exc: csv.Error) -> str:
    """What the CSV reader stopped at, in words (its own message goes to the log)."""
    text = str(exc)
    if "field larger than field limit" in text:
        return f"a cell is longer than {csv.field_size_limit():,} characters"
    if "NUL" in text:
        return "it holds a NUL character, which no text file has"
    return "the CSV reader cannot make sense of it"


def _toml_position(exc: tomllib.TOMLDecodeError) -> tuple[int | None, int | None]:
    """``(line, column)`` of a TOML error, from 1 (``None`` when not known, e.g. at the end of the text)."""
    line, column = getattr(exc, "lineno", None), getattr(exc, "colno", None)  # Python 3.14+
    if line is None:  # older versions say it in the message: "... (at line 3, column 5)"
        found = re.search(r"line (\d+)(?:, column (\d+))?", str(exc))
        if found:
            line, column = int(found.group(1)), int(found.group(2)) if found.group(2) else None
    return line, column


def _positive_number(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(value) and value > 0


EARLIEST_LOG_YEAR = 1990
"""Logged times before 1990 are typing mistakes (FIT itself counts from 1989-12-31)."""

_TIME_RE = re.compile(
    r"^(?P<date>(?P<y>\d{4})-(?P<m>\d{2})-(?P<d>\d{2}))"
    r"(?:[ T](?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,](?P<f>\d{1,9}))?)?"
    r"\s*(?P<tz>Z|z|[+-]\d{2}:?\d{2})?)?$"
)

ACCEPTED_TIMES = "YYYY-MM-DD HH:MM[:SS] (local), or ISO 8601 with an offset or Z"


@dataclass(frozen=True)
class LogTime:
    """A logged time, read strictly.

    Attributes
    ----------
    utc : Timestamp or None
        The moment, in UTC; ``None`` for a date alone or a time that could not be read.
    date : str or None
        ``YYYY-MM-DD`` when the text gives a date alone (a day-level entry).
    note : str
        How a daylight-saving gap or overlap was read; empty otherwise.
    error : str
        Why the text is not an accepted time; empty when it is.
    """

    utc: pd.Timestamp | None
    date: str | None = None
    note: str = ""
    error: str = ""


def parse_log_time(text: str, tz: str) -> LogTime:
    """Read a logged time strictly: each accepted form means exactly one moment.

    Accepted: ``YYYY-MM-DD HH:MM[:SS]`` or ``YYYY-MM-DDTHH:MM[:SS]`` as wall-clock time in
    ``tz`` (daylight-saving rules in the module docstring), the same with an offset
    (``+02:00``, ``+0200``) or ``Z``, and ``YYYY-MM-DD`` alone (a date, no moment). Anything
    else is an error naming what is wrong: a time without a date, words such as ``now``, a
    day-first or month-first date, a year before :data:`EARLIEST_LOG_YEAR`.

    Examples
    --------
    >>> str(parse_log_time("2024-06-18 08:50", "Europe/Madrid").utc)
    '2024-06-18 06:50:00+00:00'
    >>> parse_log_time("12/03/2024 08:50", "Europe/Madrid").error[:38]
    'day and month order is ambiguous in "1'
    """
    read = _read_log_time(text)
    if isinstance(read, LogTime):
        return read
    utc, note = _localize(read, tz, text.strip())
    return LogTime(utc, note=note)


def parse_log_times(texts: list[str], tz: str) -> list[LogTime]:
    """:func:`parse_log_time` over many texts, with the same results.

    The wall-clock times (no offset) are placed in ``tz`` in one call; the few that fall in a
    daylight-saving gap or overlap go through the same rules one by one. An hourly
    ``weather.csv`` of a season has thousands of rows: one by one this took ~45 µs a row.

    Examples
    --------
    >>> [str(t.utc) for t in parse_log_times(["2024-10-27 02:30", "2024-06-18 08:50Z"], "Europe/Madrid")]
    ['2024-10-27 00:30:00+00:00', '2024-06-18 08:50:00+00:00']
    """
    read = [_read_log_time(text) for text in texts]
    wall = [i for i, r in enumerate(read) if not isinstance(r, LogTime)]
    out: list[LogTime] = [r if isinstance(r, LogTime) else LogTime(None) for r in read]
    if wall:
        naive = pd.DatetimeIndex([read[i] for i in wall])
        utc = naive.tz_localize(tz, ambiguous="NaT", nonexistent="NaT").tz_convert("UTC")
        for i, ts in zip(wall, utc, strict=True):
            if pd.isna(ts):  # in a DST gap or overlap: the rules of _localize, with their note
                at, note = _localize(read[i], tz, texts[i].strip())  # type: ignore[arg-type]
                out[i] = LogTime(at, note=note)
            else:
                out[i] = LogTime(ts)
    return out


_SLASH_RE = re.compile(r"^(?P<a>\d{1,2})[/.](?P<b>\d{1,2})[/.](?P<y>\d{4})"
                       r"(?P<rest>[ T]\d{1,2}:\d{2}(?::\d{2})?)?$")

DATE_ORDERS = ("DMY", "MDY")
"""``date_order`` in athlete.toml: how ``03/10/2024``-style dates (as spreadsheets save them) are read."""


def slash_date_order(texts: list[str], setting: str | None = None) -> tuple[str | None, str]:
    """How a file's ``dd/mm/yyyy`` or ``mm/dd/yyyy`` dates are read, and the sentence saying why.

    A first number over 12 in any row makes the file day-first (``DMY``), a second number over 12
    month-first (``MDY``); a file that never says is read in ``setting`` (``date_order`` in
    athlete.toml), else not at all. A file whose rows say both is read in neither.

    Examples
    --------
    >>> slash_date_order(["03/10/2024 07:00", "13/10/2024 9:38"])
    ('DMY', 'dates like 03/10/2024 read day-first (DMY): 13/10/2024 9:38 in the same file has day 13')
    >>> slash_date_order(["03/10/2024 07:00"])
    (None, '')
    >>> slash_date_order(["13/10/2024", "10/13/2024"])[1][:40]
    'the file mixes day-first (13/10/2024) an'
    """
    day_first = month_first = None
    for text in texts:
        m = _SLASH_RE.match(text.strip())
        if m is None:
            continue
        a, b = int(m["a"]), int(m["b"])
        if a > 12 and b <= 12 and day_first is None:
            day_first = text.strip()
        elif b > 12 and a <= 12 and month_first is None:
            month_first = text.strip()
    if day_first and month_first:
        return None, (f"the file mixes day-first ({day_first}) and month-first ({month_first}) dates, so neither "
                      f"order can be trusted: write {ACCEPTED_TIMES}")
    if day_first:
        return "DMY", f"dates like 03/10/2024 read day-first (DMY): {day_first} in the same file has day " \
                      f"{int(_SLASH_RE.match(day_first)['a'])}"  # type: ignore[index]
    if month_first:
        return "MDY", f"dates like 03/10/2024 read month-first (MDY): {month_first} in the same file has day " \
                      f"{int(_SLASH_RE.match(month_first)['b'])}"  # type: ignore[index]
    if setting in DATE_ORDERS:
        return setting, f"dates like 03/10/2024 read {'day' if setting == 'DMY' else 'month'}-first " \
                        f"({setting}), as date_order in athlete.toml says"
    return None, ""


def _from_slash(s: str, order: str | None) -> str | LogTime:
    """A ``dd/mm/yyyy [HH:MM]`` text in ``order`` as ISO text, or why it cannot be read."""
    m = _SLASH_RE.match(s)
    if m is None or order is None:
        return s
    day, month = (int(m["a"]), int(m["b"])) if order == "DMY" else (int(m["b"]), int(m["a"]))
    try:
        date = dt.date(int(m["y"]), month, day)
    except ValueError:
        return LogTime(None, error=f'"{s}" is not a real date when read {"day" if order == "DMY" else "month"}-first '
                                   f"({order}), as the rest of the file is")
    return date.isoformat() + (" " + m["rest"][1:] if m["rest"] else "")


def _read_log_time(text: str, order: str | None = None) -> LogTime | pd.Timestamp:
    """The checks of :func:`parse_log_time`: a :class:`LogTime` when the text settles the moment
    (an offset, a date alone, an error), else the naive wall-clock time still to place in a zone.
    ``order`` (``DMY``/``MDY``) reads ``dd/mm/yyyy``-style dates (:func:`slash_date_order`)."""
    s = text.strip()
    if not s:
        return LogTime(None, error="empty")
    iso = _from_slash(s, order)
    if isinstance(iso, LogTime):
        return iso
    if iso != s:
        read = _read_log_time(iso)
        if isinstance(read, LogTime) and read.error:
            return LogTime(None, error=read.error.replace(f'"{iso}"', f'"{s}"'))
        return read
    m = _TIME_RE.match(s)
    if m is None:
        return LogTime(None, error=_why_not(s))
    year = int(m["y"])
    if year < EARLIEST_LOG_YEAR:
        return LogTime(None, error=f'"{s}" is before {EARLIEST_LOG_YEAR}')
    if year > dt.date.today().year + 1:
        return LogTime(None, error=f'"{s}" is in the future')
    try:
        day = dt.date(year, int(m["m"]), int(m["d"]))
    except ValueError:
        return LogTime(None, error=f'"{s}" is not a real date')
    if m["H"] is None:
        return LogTime(None, date=day.isoformat())
    hour, minute, second = int(m["H"]), int(m["M"]), int(m["S"] or 0)
    if hour > 23 or minute > 59 or second > 59:
        return LogTime(None, error=f'"{s}" is not a real time of day')
    frac = int((m["f"] or "0").ljust(9, "0")[:9])
    wall = dt.datetime.combine(day, dt.time(hour, minute, second))  # datetime arithmetic: ~10× pandas scalars
    if m["tz"] is not None:
        if m["tz"] not in ("Z", "z"):
            sign = 1 if m["tz"][0] == "+" else -1
            digits = m["tz"][1:].replace(":", "")
            offset = dt.timedelta(hours=int(digits[:2]), minutes=int(digits[2:]))
            if offset > dt.timedelta(hours=14):
                return LogTime(None, error=f'"{s}" has an offset beyond ±14:00')
            wall -= sign * offset
        utc = pd.Timestamp(wall.replace(tzinfo=dt.UTC))
        return LogTime(utc + pd.Timedelta(nanoseconds=frac) if frac else utc)
    naive = pd.Timestamp(wall)
    return naive + pd.Timedelta(nanoseconds=frac) if frac else naive


def _why_not(s: str) -> str:
    low = s.lower()
    if re.fullmatch(r"\d{1,2}[/.]\d{1,2}[/.]\d{2,4}(\s.*)?", s):
        return (f'day and month order is ambiguous in "{s}" (12/03/2024 is 12 March in Madrid, 3 December in '
                f'New York) and no row of the file has a day over 12: set date_order = "DMY" or "MDY" in '
                f"athlete.toml, or write {ACCEPTED_TIMES}")
    twelve = re.fullmatch(r"(\d{4}-\d{2}-\d{2})[ T](\d{1,2}):(\d{2})(:\d{2})?\s*([ap])\.?m\.?", low)
    if twelve:
        hour = int(twelve[2]) % 12 + (12 if twelve[5] == "p" else 0)
        if int(twelve[2]) > 12:
            return f'"{s}" mixes a 24-hour time with AM/PM: write {ACCEPTED_TIMES}'
        return (f'"{s}" uses a 12-hour clock (AM/PM), which is not read: write the 24-hour time, '
                f"{twelve[1]} {hour:02d}:{twelve[3]}{twelve[4] or ''}")
    if re.fullmatch(r"\d{1,2}(:\d{2}){1,2}\s*([ap]\.?m\.?)?", low) or re.search(r"\b[ap]\.?m\.?$", low):
        return f'"{s}" is a time without a date: write {ACCEPTED_TIMES}'
    if re.fullmatch(r"\d{4}(-\d{1,2})?", s):
        return f'"{s}" is not a full date: write {ACCEPTED_TIMES}'
    if re.search(r"[a-z]{3,}", low):
        return f'"{s}" is words, not a date and time (relative words such as "now" or "today" are not read): write {ACCEPTED_TIMES}'
    return f'"{s}" is not {ACCEPTED_TIMES}'


def _localize(ts: pd.Timestamp, tz: str, text: str) -> tuple[pd.Timestamp, str]:
    """Wall-clock ``ts`` in ``tz`` → UTC, with the DST rules of the module docstring."""
    try:
        local = ts.tz_localize(tz, ambiguous="raise", nonexistent="raise")
        return local.tz_convert("UTC"), ""
    except ValueError as exc:  # pandas says which DST case it is only in the message
        if "nonexistent" not in str(exc):
            local = ts.tz_localize(tz, ambiguous=True)
            return local.tz_convert("UTC"), (f"{text} happens twice at the DST change in {tz}; read as the first "
                                             "(summer-time) one")
        before = (ts - pd.Timedelta(hours=3)).tz_localize(tz, ambiguous=True, nonexistent="shift_forward")
        local = (ts - before.utcoffset()).tz_localize("UTC").tz_convert(tz)
        return local.tz_convert("UTC"), f"{text} does not exist in {tz} (clocks jumped forward); read as {local:%H:%M} local"


def parse_local_time(text: str, tz: str) -> tuple[pd.Timestamp | None, str]:
    """A logged time → (UTC timestamp, note); ``None`` when it is not an accepted moment
    (a date alone included). See :func:`parse_log_time`."""
    lt = parse_log_time(text, tz)
    return lt.utc, lt.note


def _delimiter(text: str) -> str:
    """Comma, or the semicolon or tab a spreadsheet in a decimal-comma locale writes."""
    first = next((line for line in text.splitlines() if line.strip()), "")
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    return max(counts, key=lambda d: (counts[d], d == ","))


def _rows(text: str) -> tuple[list[str], list[tuple[int, dict[str, str]]], tuple[int, str] | None]:
    """Header, ``(row number, cells)`` and what stopped the reading: ``(row, why)``, or ``None``.

    Rows count records as a spreadsheet shows them, from 1 after the header, so a cell with a
    line break inside it does not shift later numbers. Old Mac line ends (a lone carriage
    return) are read as line ends. A row the CSV reader cannot make sense of stops the reading
    there: the rows before it are kept.
    """
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    reader = csv.reader(io.StringIO(text), delimiter=_delimiter(text))
    header: list[str] | None = None
    rows: list[tuple[int, dict[str, str]]] = []
    row_no = 0
    try:
        for cells in reader:
            if header is None:
                header = [c.strip().lower() for c in cells]
                continue
            row_no += 1
            if not any(c.strip() for c in cells):
                continue
            rows.append((row_no, {header[i] if i < len(header) else f"extra_{i}": c for i, c in enumerate(cells)}))
    except csv.Error as exc:
        log.info("CSV reading stopped at row %d: %r", row_no + 1, exc)
        return header or [], rows, (row_no + 1, f"cannot be read as CSV ({_csv_words(exc)}); it and the rows after "
                                                "it were left out")
    return header or [], rows, None


def _load(path: Path, athlete: str) -> tuple[list[str], list[tuple[int, dict[str, str]]], list[Problem]]:
    """Header, numbered rows and encoding problems of a CSV file (no header and no rows when it
    is absent or cannot be read; an absent optional file is not a problem)."""
    if not path.exists() and not path.is_symlink():
        return [], [], []
    text, problems = read_text(path)
    problems = [dataclasses.replace(p, athlete=athlete) for p in problems]
    if text is None:
        return [], [], problems
    header, rows, stopped = _rows(text)
    if stopped is not None:
        problems.append(Problem.at_row(str(path), *stopped, athlete))
    return header, rows, problems


def read_cramp_log(path: Path, tz: str, athlete: str = "", away: Mapping[str, list] | None = None,
                   zone_label: str | None = None, date_order: str | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """``cramps.csv`` → one row per valid cramp; a problem per bad row.

    Returns
    -------
    cramps : DataFrame
        ``cramp_row`` (int), ``time_utc`` (UTC timestamp or NaT), ``activity``,
        ``distance_km``, ``leg``, ``muscle``, ``severity``, ``duration_s``, ``notes``,
        ``time_note``, ``date_local`` (the local date; for a row giving a date alone, with
        ``time_utc`` NaT), ``time_zone_used`` (the zone or offset the time was read in), plus every
        unknown column as text.
    problems : list of Problem

    Other Parameters
    ----------------
    away : mapping, optional
        Local dates on which the watch recorded an offset other than the home zone's
        (:func:`analyzer.io.zones.away_days`): a time without an offset on such a day is read in
        the watch's offset of that day, and the row's ``time_note`` says so.
    zone_label : str, optional
        How ``tz`` is named in ``time_zone_used`` (default: ``tz``).
    date_order : {"DMY", "MDY"}, optional
        How to read ``13/10/2024``-style dates when no row of the file settles it
        (:func:`slash_date_order`).
    """
    header, rows, problems = _load(path, athlete)
    return cramps_from_rows(header, rows, str(path), tz, athlete, problems, away=away, zone_label=zone_label,
                            date_order=date_order)


def cramps_from_rows(header: list[str], rows: list[tuple[int, dict[str, str]]], file: str, tz: str,
                     athlete: str = "", problems: list[Problem] | None = None, *,
                     away: Mapping[str, list] | None = None, zone_label: str | None = None,
                     date_order: str | None = None) -> tuple[pd.DataFrame, list[Problem]]:
    """Validated cramps from a log's header and numbered rows (see :func:`read_cramp_log`); the
    validation :func:`analyzer.log_cramp` applies to a new row."""
    problems = problems if problems is not None else []
    empty = _empty_cramps()
    if not header:
        return empty, problems
    if "leg" not in header:
        return empty, [Problem(file, "header", "required column 'leg' is missing; no cramp could be read", athlete)]
    if "time" not in header and not {"activity", "distance_km"} <= set(header):
        return empty, [Problem(file, "header", "needs a 'time' column, or 'activity' and 'distance_km'", athlete)]
    out = []
    seen: dict[tuple, int] = {}
    latest = pd.Timestamp.now(tz="UTC") + pd.Timedelta(days=1)
    order, order_note = slash_date_order([row.get("time", "") for _, row in rows], date_order)
    for row_no, row in rows:
        key = tuple(sorted((k, v.strip()) for k, v in row.items()))
        if key in seen:
            problems.append(Problem.at_row(file, row_no, f"repeats row {seen[key]} exactly — row left out", athlete))
            continue
        seen[key] = row_no
        leg, muscle, severity, duration, errors = _cramp_body(row)
        time_text = row.get("time", "").strip()
        read, when, zone_used = _cramp_time(time_text, (order, order_note), tz, away, zone_label)
        errors += _time_errors(time_text, when, latest, tz)
        activity, distance, place_errors = _cramp_place(row, time_text)
        errors += place_errors
        if errors:
            problems.append(Problem.at_row(file, row_no, "; ".join(errors) + " — row left out", athlete))
            continue
        rec = {k: v for k, v in row.items() if k not in CRAMP_COLUMNS}
        time_utc, date_local = when.utc, when.date
        rec.update(
            cramp_row=row_no, time_utc=time_utc, activity=activity,
            distance_km=distance if isinstance(distance, float) else float("nan"),
            leg=leg, muscle=muscle, severity=float(severity) if isinstance(severity, int) else float("nan"),
            duration_s=duration if isinstance(duration, float) else float("nan"),
            notes=row.get("notes", "").strip() or None, time_note=when.note or None,
            date_local=date_local if date_local is not None else (
                read.date().isoformat() if isinstance(read, pd.Timestamp)
                else time_utc.tz_convert(tz).date().isoformat() if time_utc is not None else None),
            time_zone_used=zone_used,
        )
        out.append(rec)
    if not out:
        return empty, problems
    frame = pd.DataFrame(out)
    frame["time_utc"] = pd.to_datetime(frame["time_utc"], utc=True).astype("datetime64[ns, UTC]")
    frame["cramp_row"] = frame["cramp_row"].astype("int64")
    return frame, problems


def _empty_cramps() -> pd.DataFrame:
    """The cramps frame with no row: its columns and their types."""
    empty = pd.DataFrame({c: pd.Series([], dtype=object)
                          for c in ("cramp_row", "time_utc", *CRAMP_COLUMNS[1:], "time_note", "date_local",
                                    "time_zone_used")})
    empty["cramp_row"] = empty["cramp_row"].astype("int64")
    empty["time_utc"] = pd.Series([], dtype="datetime64[ns, UTC]")
    return empty


def _cramp_body(row: dict[str, str]) -> tuple[str, str | None, int | None | str, float | None | str, list[str]]:
    """A log row's leg, muscle, severity and duration_s read, with what is wrong with them."""
    errors = []
    leg = row.get("leg", "").strip().lower()
    if leg not in LEGS:
        errors.append(f'leg "{row.get("leg", "")}" is not one of {", ".join(LEGS)}')
    muscle = row.get("muscle", "").strip().lower() or None
    if muscle is not None and muscle not in MUSCLES:
        errors.append(f'muscle "{row["muscle"]}" is not one of {", ".join(MUSCLES)}')
    severity = _int_in(row.get("severity", ""), *SEVERITY_RANGE)
    if severity == "bad":
        errors.append(f'severity "{row["severity"]}" is not a whole number from 1 to 5')
    duration = _number(row.get("duration_s", ""))
    if duration == "bad" or (isinstance(duration, float) and not 0 <= duration <= MAX_CRAMP_DURATION_S):
        errors.append(f'duration_s "{row["duration_s"]}" is not a number of seconds from 0 to {MAX_CRAMP_DURATION_S}')
    return leg, muscle, severity, duration, errors


def _cramp_time(time_text: str, slash_order: tuple[str | None, str], tz: str, away: Mapping[str, list] | None,
                zone_label: str | None) -> tuple[LogTime | pd.Timestamp, LogTime, str | None]:
    """A log row's time read (as written, as placed in UTC) and the zone it was read in."""
    from analyzer.io.zones import format_offset, read_away

    order, order_note = slash_order
    zone_used = None
    read = _read_log_time(time_text, order) if time_text else LogTime(None)
    if isinstance(read, LogTime):
        when = read
        if read.utc is not None:
            zone_used = "the offset written in the log"
    elif away and read.date().isoformat() in away:
        at, off = read_away(read, away[read.date().isoformat()])
        zone_used = format_offset(off)
        when = LogTime(at, note=f"read in {zone_used}, the local time the watch recorded that day (away from "
                                f"{zone_label or tz})")
    else:
        at, note = _localize(read, tz, time_text)
        when = LogTime(at, note=note)
        zone_used = zone_label or tz
    if order is None and order_note and _SLASH_RE.match(time_text):  # a file that says both orders
        when = LogTime(None, error=f'"{time_text}": {order_note}')
    elif order_note and order_note not in when.note and re.match(r"\d{1,2}[/.]", time_text):
        when = LogTime(when.utc, when.date, "; ".join(n for n in (when.note, order_note) if n), when.error)
    return read, when, zone_used


def _time_errors(time_text: str, when: LogTime, latest: pd.Timestamp, tz: str) -> list[str]:
    """What is wrong with a log row's time: unreadable, or later than ``latest``."""
    if time_text and when.error:
        return [f"time: {when.error}"]
    if when.utc is not None and when.utc > latest:
        return [f'time "{time_text}" is in the future']
    if when.date is not None and when.date > latest.tz_convert(tz).date().isoformat():
        return [f'date "{time_text}" is in the future']
    return []


def _cramp_place(row: dict[str, str], time_text: str) -> tuple[str | None, float | None | str, list[str]]:
    """A log row's activity and distance_km read, with what is wrong with them (or with the row's time)."""
    errors = []
    activity = row.get("activity", "").strip() or None
    distance = _number(row.get("distance_km", ""))
    if distance == "bad" or (isinstance(distance, float) and not 0 <= distance <= MAX_DISTANCE_KM):
        errors.append(f'distance_km "{row["distance_km"]}" is not a distance from 0 to {MAX_DISTANCE_KM:.0f} km')
        distance = None
    if activity and distance is None and not time_text:
        errors.append("activity is given without distance_km")
    if not time_text and not (activity and isinstance(distance, float)):
        errors.append("needs a time, or an activity and distance_km")
    if activity and (any(sep in activity for sep in PATH_SEPARATORS) or activity.startswith(".")):
        errors.append(f'activity "{activity}" must be a file name in activities/, not a path')
    return activity, distance, errors

def _number(text: str) -> float | None | str:
    s = (text or "").strip()
    if not s:
        return None
    try:
        value = float(s.replace(",", ".")) if s.count(",") == 1 and "." not in s else float(s)
    except ValueError:
        return "bad"
    return value if math.isfinite(value) else "bad"


def _int_in(text: str, low: int, high: int) -> int | None | str:
    value = _number(text)
    if value is None:
        return None
    if value == "bad" or not float(value).is_integer() or not low <= value <= high:  # type: ignore[operator]
        return "bad"
    return int(value)  # type: ignore[arg-type]


def read_weather(path: Path, tz: str, athlete: str = "") -> tuple[pd.DataFrame, list[Problem]]:
    """``weather.csv`` → DataFrame indexed by UTC ``time`` with ``temperature_c``,
    ``relative_humidity_pct`` and, when given, ``wind_mps`` and ``wbgt_c``."""
    cols = ("temperature_c", "relative_humidity_pct", "wind_mps", "wbgt_c")
    empty = pd.DataFrame({c: pd.Series([], dtype="float64") for c in cols[:2]},
                         index=pd.DatetimeIndex([], tz="UTC", name="time"))
    header, rows, problems = _load(path, athlete)
    file = str(path)
    if not header:
        return empty, problems
    missing = [c for c in ("time", "temperature_c", "relative_humidity_pct") if c not in header]
    if missing:
        return empty, [Problem(file, "header", f"missing column(s) {', '.join(missing)}; weather not used", athlete)]
    out = []
    times = parse_log_times([row.get("time", "") for _, row in rows], tz)
    for (row_no, row), logged in zip(rows, times, strict=True):
        t = logged.utc
        values = {c: _number(row.get(c, "")) for c in cols if c in header}
        bad = [c for c, v in values.items() if v == "bad"]
        temp, rh = values.get("temperature_c"), values.get("relative_humidity_pct")
        if t is None or bad or temp is None or rh is None:
            what = "time" if t is None else ", ".join(bad) or "temperature_c/relative_humidity_pct missing"
            problems.append(Problem.at_row(file, row_no, f"cannot read {what} — row left out", athlete))
            continue
        if not (-60 <= temp <= 60) or not (0 <= rh <= 100):  # type: ignore[operator]
            problems.append(Problem.at_row(file, row_no, f"temperature {temp} °C or humidity {rh} % out of range — row left out", athlete))
            continue
        out.append({"time": t, **{c: (v if isinstance(v, float) else float("nan")) for c, v in values.items()}})
    if not out:
        return empty, problems
    frame = pd.DataFrame(out).set_index("time").sort_index()
    frame.index = pd.DatetimeIndex(frame.index).tz_convert("UTC").as_unit("ns")
    return frame[~frame.index.duplicated()], problems


def read_weigh_ins(path: Path, tz: str, athlete: str = "") -> tuple[pd.DataFrame, list[Problem]]:
    """``weigh_ins.csv`` → one row per weigh-in: ``row``, ``activity``, ``time_utc``,
    ``mass_before_kg``, ``mass_after_kg``, ``fluid_ml``, ``urine_ml``.

    ``mass_before_kg`` may be empty: the profile's ``body_mass_kg`` is used instead.
    """
    cols = ("mass_before_kg", "mass_after_kg", "fluid_ml", "urine_ml")
    empty = pd.DataFrame({c: pd.Series([], dtype="float64") for c in ("row", "activity", "time_utc", *cols)})
    header, rows, problems = _load(path, athlete)
    file = str(path)
    out = []
    for row_no, row in rows:
        values = {c: _number(row.get(c, "")) for c in cols}
        t, _ = parse_local_time(row.get("time", ""), tz)
        activity = row.get("activity", "").strip() or None
        bad = [c for c, v in values.items() if v == "bad" or (isinstance(v, float) and v < 0)]
        for c in ("mass_before_kg", "mass_after_kg"):
            v = values[c]
            if isinstance(v, float) and not MASS_RANGE_KG[0] <= v <= MASS_RANGE_KG[1]:
                bad.append(f"{c} {v:g} (expected {MASS_RANGE_KG[0]:.0f}–{MASS_RANGE_KG[1]:.0f} kg)")
        for c in ("fluid_ml", "urine_ml"):
            v = values[c]
            if isinstance(v, float) and v > MAX_FLUID_ML:
                bad.append(f"{c} {v:g} (over {MAX_FLUID_ML:.0f} ml)")
        if bad or (activity is None and t is None) or values["mass_after_kg"] is None:
            why = ", ".join(bad) if bad else "needs activity or time, and mass_after_kg"
            problems.append(Problem.at_row(file, row_no, f"cannot read {why} — row left out", athlete))
            continue
        out.append({"row": row_no, "activity": activity, "time_utc": t,
                    **{c: (v if isinstance(v, float) else float("nan")) for c, v in values.items()}})
    if not out:
        return empty, problems
    return pd.DataFrame(out), problems
