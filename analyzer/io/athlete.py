"""Athlete folder → :class:`~analyzer.model.Athlete`; team folder → list of athletes (docs/folders.md)."""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import hashlib
import logging
import os
import warnings
from pathlib import Path

import pandas as pd

from analyzer.errors import FolderNotFoundError
from analyzer.io.activities import read_activity_folder
from analyzer.io.cache import ActivityCache, default_cache_dir
from analyzer.io.exports import export_kind, read_export
from analyzer.io.fit import FitWarning
from analyzer.io.logs import read_cramp_log, read_profile, read_weather, read_weigh_ins
from analyzer.io.weather_words import weather_notes
from analyzer.io.zones import ZONE_FROM_PROFILE, away_days, choose_zone, unset_watch_zone
from analyzer.model import Athlete, Problem
from analyzer.weather.archive import WEATHER_MODES, Archive
from analyzer.weather.runs import archive_for_runs

log = logging.getLogger(__name__)


def is_athlete_folder(folder: Path) -> bool:
    """An athlete folder has ``athlete.toml``, ``cramps.csv`` or ``activities/``, or is an account
    export (a Strava or Garmin Connect export, unzipped or as its ``.zip``)."""
    if folder.is_file():
        return folder.suffix.lower() == ".zip" and export_kind(folder) is not None
    return folder.is_dir() and (any((folder / n).exists() for n in ("athlete.toml", "cramps.csv", "activities"))
                                or export_kind(folder) is not None)


def is_report_folder(folder: Path) -> bool:
    """A report folder this analyzer wrote (its ``summary.csv`` starts with the ``athlete`` column
    and an ``index.html`` is beside it): never an athlete folder, though it holds a ``cramps.csv``."""
    try:
        if not (folder / "index.html").is_file():
            return False
        with open(folder / "summary.csv", encoding="utf-8", errors="replace") as f:
            return f.readline().lstrip("\ufeff").startswith("athlete,")
    except OSError:
        return False


def athlete_id_of(path: Path) -> str:
    """The athlete id: a folder's name, or an export zip's name without ``.zip``."""
    name = path.resolve().name
    return name[:-4] if path.is_file() and name.lower().endswith(".zip") else name


def _read_export_safely(path: Path) -> tuple[list, list[Problem]]:
    """:func:`read_export`, a failure of which is one problem for that export (the rest goes on)."""
    try:
        return read_export(path)
    except Exception as exc:  # a reader bug must not drop the athlete
        log.error("%s: reading the export failed", path, exc_info=exc)
        return [], [Problem(str(path), "", "could not be read (a fault in the analyzer, details in the log); please "
                                           "report this export to the analyzer's developers")]


def _exports_in(root: Path, problems: list[Problem]) -> list[Path]:
    """Account exports kept in an athlete folder: top-level ``*.zip`` files and folders laid out as one."""
    found = []
    try:
        entries = sorted(root.iterdir(), key=lambda p: p.name)
    except OSError:
        return []
    for p in entries:
        if p.name == "activities" or p.name.startswith(".") or p.is_symlink():
            continue
        if (p.is_file() and p.suffix.lower() == ".zip") or p.is_dir():
            kind = export_kind(p)
            if kind is not None:
                found.append(p)
            elif p.is_file():
                problems.append(Problem(str(p), "", "a zip file that is not an account export the analyzer reads "
                                                     "(Strava or Garmin Connect); not read"))
    return found


def load_athlete(folder: str | os.PathLike, cache: ActivityCache | None = None, weather: str = "auto",
                 archive: Archive | None = None) -> Athlete:
    """Read one athlete folder; every problem is collected, nothing stops the load.

    Parameters
    ----------
    folder : path-like
        ``<athlete_id>/`` with ``athlete.toml``, ``cramps.csv``, ``activities/`` and the
        optional ``weather.csv`` and ``weigh_ins.csv``. Nothing in it is modified.
    cache : ActivityCache, optional
        Reuse parsed activities (see :mod:`analyzer.io.cache`).
    weather : {"auto", "cache", "off"}
        For runs with a position that ``weather.csv`` does not cover, the weather archive
        (:mod:`analyzer.weather.archive`): ``auto`` uses cached days, then asks the archive
        when the network answers; ``cache`` only cached days; ``off`` never. ``weather = "off"``
        (or ``"cache"``) in ``athlete.toml`` restricts it further for that athlete.
    archive : Archive, optional
        The archive to use (its cache folder and mode); by default one in the cache folder of
        ``cache`` (or the default cache folder) with mode ``weather``.

    Returns
    -------
    Athlete

    Raises
    ------
    FolderNotFoundError
        When ``folder`` does not exist.
    TypeError
        When ``folder`` is not a path.
    """
    root = _existing(folder, "athlete folder")
    athlete_id = athlete_id_of(root)
    problems: list[Problem] = []
    if root.is_file():  # an account export's zip, pointed at directly
        profile, _ = read_profile(root.parent / f".{athlete_id}-has-no-profile", athlete_id)
        activities, probs = _read_export_safely(root)
        _choose_zone(profile, activities)
        return _finish(root, athlete_id, profile, activities, problems + probs, cache, weather, archive)

    def own(name: str) -> Path:
        """An input file of this athlete; a symlink leading out of the folder is not followed."""
        path = root / name
        if not path.is_symlink():
            return path
        try:
            target = path.resolve(strict=True)
        except (OSError, RuntimeError):  # a loop, or a link to nothing
            problems.append(Problem(str(path), "", "symbolic link that leads nowhere (or in a loop); not read"))
            return root / f".not-followed-{name}"  # a path that does not exist: read as absent
        if root.resolve() not in target.parents:
            problems.append(Problem(str(path), "", "symbolic link to a file outside the athlete folder; not followed"))
            return root / f".not-followed-{name}"
        return path

    profile, probs = read_profile(own("athlete.toml"), athlete_id)
    problems += probs
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FitWarning)
        if export_kind(root) is not None:  # the folder is an unzipped account export: its own list says what is a run
            activities, probs = _read_export_safely(root)
        else:
            acts_dir = own("activities")
            activities, probs = read_activity_folder(acts_dir, cache=cache) if acts_dir.is_dir() else ([], [])
        for export in _exports_in(root, probs):
            more, more_probs = _read_export_safely(export)
            activities += more
            probs += more_probs
    problems += probs
    tz = _choose_zone(profile, activities)
    unset = unset_watch_zone(activities, tz) if profile.get("timezone_source") == ZONE_FROM_PROFILE else ""
    if unset:  # every run day would look like a trip: the travel rule is not applied, said once
        problems.append(Problem(str(root), "", unset, athlete_id))
    cramps, probs = read_cramp_log(own("cramps.csv"), tz, athlete_id, away={} if unset else away_days(activities, tz),
                                   zone_label=profile["timezone_label"], date_order=profile.get("date_order"))
    problems += probs
    weather_csv, probs = _read_weather_cached(own("weather.csv"), tz, athlete_id, cache)
    problems += probs
    weigh_ins, probs = read_weigh_ins(own("weigh_ins.csv"), tz, athlete_id)
    problems += probs
    return _finish(root, athlete_id, profile, activities, problems, cache, weather, archive, cramps, weather_csv,
                   weigh_ins)


def _choose_zone(profile: dict, activities: list) -> str:
    """Set the profile's ``timezone`` (and ``timezone_label``, ``timezone_source``, ``timezone_note``)
    from athlete.toml, else the watch's recorded offsets (:func:`analyzer.io.zones.choose_zone`)."""
    choice = choose_zone(profile, activities)
    profile.update(timezone=choice.timezone, timezone_label=choice.label, timezone_source=choice.source,
                   timezone_note=choice.note)
    return choice.timezone


def _file_digest(path: Path) -> str | None:
    try:
        with path.open("rb") as fh:
            return hashlib.file_digest(fh, "sha256").hexdigest()
    except OSError:
        return None


def _read_weather_cached(path: Path, tz: str, athlete_id: str,
                         cache: ActivityCache | None) -> tuple[pd.DataFrame, list[Problem]]:
    """:func:`read_weather`, kept in the cache by the file's content, the time zone, the names its
    problems carry, the reader's own source (``logs.py``, ``inputs.py``) and pandas' version: a season of hourly weather
    reads in ~0.13 s, its cached frame in a few ms (benchmarks/README.md)."""
    digest = _file_digest(path) if cache is not None and path.is_file() else None
    if digest is None:
        return read_weather(path, tz, athlete_id)
    key = hashlib.sha256(repr((digest, tz, athlete_id, str(path), _logs_source())).encode()).hexdigest()
    hit = cache.get_table("weather", key)
    if hit is not None:
        return hit
    frame, problems = read_weather(path, tz, athlete_id)
    if _file_digest(path) == digest:  # not changed while it was read: the entry is what the key says
        cache.put_table("weather", key, frame, problems)
    return frame, problems


@functools.cache
def _logs_source() -> str:
    here = Path(__file__).resolve().parent  # the log reader and the input decoding it uses
    return hashlib.sha256((here / "logs.py").read_bytes() + (here / "inputs.py").read_bytes()
                          + pd.__version__.encode()).hexdigest()


def _finish(root: Path, athlete_id: str, profile: dict, activities: list, problems: list[Problem],
            cache: ActivityCache | None, weather: str, archive: Archive | None, cramps: pd.DataFrame | None = None,
            weather_csv: pd.DataFrame | None = None, weigh_ins: pd.DataFrame | None = None) -> Athlete:
    """The athlete, with its runs in time order and the weather archive looked up."""
    tz = profile["timezone"]
    if cramps is None:
        cramps, _ = read_cramp_log(root / ".none", tz, athlete_id)
        weather_csv, _ = read_weather(root / ".none", tz, athlete_id)
        weigh_ins, _ = read_weigh_ins(root / ".none", tz, athlete_id)
    activities.sort(key=lambda a: (a.start_time is None, a.start_time if a.start_time is not None else 0, a.source))
    athlete = Athlete(
        id=athlete_id, folder=str(root), profile=profile, activities=activities,
        cramps=cramps, weather=weather_csv, weigh_ins=weigh_ins, problems=problems,
    )
    if archive is None:
        archive = Archive(Path(cache.directory) if cache is not None else default_cache_dir(), weather)
    mode = strictest_weather(weather, profile.get("weather", "auto"), archive.mode)
    found = archive_for_runs(athlete.legs, weather_csv, archive, mode)  # the reasons as data, worded here
    athlete.archive = found.weather
    athlete.archive_notes, probs = weather_notes(found.unavailable, str(root), athlete_id)
    problems += probs
    athlete.problems = [Problem(p.file, p.location, p.message, athlete_id) for p in problems]
    return athlete


def strictest_weather(*modes: object) -> str:
    """The most restrictive of weather modes (``off`` < ``cache`` < ``auto``); unknown ones are ignored."""
    known = [m for m in modes if m in WEATHER_MODES]
    return min(known, key=WEATHER_MODES[::-1].index) if known else "auto"


def find_athletes(folder: Path, problems: list[Problem], skipped: list[Path] | None = None) -> list[Path]:
    """Athlete folders in a team folder (or the folder itself, when it is one), in name order.

    Symbolic links are not followed; each is reported in ``problems``, as is every athlete
    folder found one level too deep (inside a sub-folder that is not an athlete folder). Earlier
    report folders (:func:`is_report_folder`) are never taken for athletes; they are added to ``skipped``.
    """
    if folder.is_file():  # an export zip pointed at directly
        return [folder] if is_athlete_folder(folder) else []
    if is_report_folder(folder):
        if skipped is not None:
            skipped.append(folder)
        return []
    if is_athlete_folder(folder) and not any(is_athlete_folder(p) for p in folder.iterdir() if p.is_dir()
                                             and not is_report_folder(p)):
        return [folder]
    found = []
    for p in sorted(folder.iterdir(), key=lambda p: p.name):
        if p.is_symlink():
            problems.append(Problem(str(p), "", "symbolic link in the team folder; not followed", p.name))
            continue
        if p.is_dir() and is_report_folder(p):
            if skipped is not None:
                skipped.append(p)
            continue
        if is_athlete_folder(p):
            found.append(p)
        elif p.is_dir() and not p.name.startswith("."):
            problems.extend(_too_deep(p))
    return found


def _existing(folder: object, what: str) -> Path:
    """``folder`` as a Path that exists; else :class:`FolderNotFoundError` naming it."""
    if not isinstance(folder, str | os.PathLike):
        raise TypeError(f"the {what} must be a path (str or pathlib.Path), not {type(folder).__name__}")
    root = Path(folder)
    if not root.exists():
        raise FolderNotFoundError(root, what)
    return root


def _too_deep(folder: Path) -> list[Problem]:
    """Athlete folders one level too deep (inside a sub-folder of the team folder that is not one):
    not read, and said, with where they were found."""
    try:
        children = sorted((c for c in folder.iterdir() if not c.name.startswith(".") and not c.is_symlink()),
                          key=lambda c: c.name)
    except OSError:
        return []
    return [Problem(str(c), "", f"looks like an athlete folder but is one level too deep (inside {folder.name}/, "
                                "which is not an athlete folder); not read: move it up into the team folder",
                    athlete_id_of(c))
            for c in children if is_athlete_folder(c)]


def folders_with_athletes(folder: Path, limit: int = 3) -> list[tuple[Path, int]]:
    """Sub-folders of ``folder`` that hold athlete folders, with how many (for a hint when
    ``folder`` itself holds none); at most ``limit``, most athletes first."""
    out = []
    try:
        children = sorted(p for p in folder.iterdir() if p.is_dir() and not p.is_symlink() and not p.name.startswith("."))
    except OSError:
        return []
    for p in children:
        if is_report_folder(p):
            continue
        try:
            n = sum(1 for c in p.iterdir() if c.is_dir() and not c.is_symlink() and is_athlete_folder(c)
                    and not is_report_folder(c))
        except OSError:
            continue
        if n:
            out.append((p, n))
    return sorted(out, key=lambda t: -t[1])[:limit]


def load_team(folder: str | os.PathLike) -> list[Athlete]:
    """Read a team folder (a folder of athlete folders) — or one athlete folder.

    Sub-folders that are not athlete folders, and symbolic links, are skipped.

    Raises
    ------
    FolderNotFoundError
        When ``folder`` does not exist.
    """
    return [load_athlete(p) for p in find_athletes(_existing(folder, "team folder"), [])]


def restrict_period(athlete: Athlete, since: dt.date | None = None, until: dt.date | None = None) -> Athlete:
    """The athlete with only the runs and cramps whose local date is within ``since``–``until``
    (both inclusive; ``None`` leaves that side open). Weather and weigh-ins are kept whole.

    A cramp that cannot be dated (no time, no date, and its run file was not read) is in every
    period: it is kept, and placed nowhere with its row problem. A cramp left out whose logged
    run and distance do not fit (the file not read, the distance past the run's end) keeps its
    row problem in ``problems``: a row problem is said whatever the period."""
    if since is None and until is None:
        return athlete
    tz = athlete.timezone

    def keep(t: pd.Timestamp | None) -> bool:
        if t is None or pd.isna(t):
            return False
        day = t.tz_convert(tz).date()
        return (since is None or day >= since) and (until is None or day <= until)

    acts = [a for a in athlete.activities if keep(a.start_time)]
    names = {a.source for a in acts}
    c = athlete.cramps
    if len(c):
        def keep_day(day: object) -> bool:
            d = dt.date.fromisoformat(str(day))
            return (since is None or d >= since) and (until is None or d <= until)

        def keep_row(t: object, a: object, d: object) -> bool:
            if pd.notna(t):
                return keep(t)
            dated = isinstance(d, str) and bool(d)
            if isinstance(a, str) and a:
                run = athlete.activity(a)  # the file's name, or its stem
                if a in names or (run is not None and run.source in names):
                    return True
                if run is None and not dated:
                    return True  # no run read, no date: in no period and in every one
            return dated and keep_day(d)

        dates = c["date_local"] if "date_local" in c else pd.Series(None, index=c.index)
        mask = [keep_row(t, a, d) for t, a, d in zip(c["time_utc"], c["activity"], dates, strict=True)]
        problems = list(athlete.problems) + _left_out_row_problems(athlete, c[[not m for m in mask]])
        c = c[mask]
        return dataclasses.replace(athlete, activities=acts, cramps=c, problems=problems)
    return dataclasses.replace(athlete, activities=acts, cramps=c)


def _left_out_row_problems(athlete: Athlete, left_out: pd.DataFrame) -> list[Problem]:
    """The row problems of cramps left out of a report period whose logged run and distance do
    not fit (as :func:`analyzer.cramps.match_cramps` says them for the cramps kept)."""
    from analyzer.cramps import _unplaceable

    out = []
    if "distance_km" not in left_out:
        return out
    for _, row in left_out.iterrows():
        name, km = row.get("activity"), row.get("distance_km")
        if not (isinstance(name, str) and name and pd.notna(km)):
            continue
        why = _unplaceable(athlete, name, float(km))
        if why:
            out.append(Problem(str(Path(athlete.folder) / "cramps.csv"), f"row {int(row['cramp_row'])}",
                               f"{why}; the cramp is outside the report period, so it is left out", athlete.id))
    return out
