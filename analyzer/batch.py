"""The batch report over a team folder: load, analyze and write each athlete, then the team files.

One athlete's failure never stops the others: it is listed in ``errors.csv`` and on the
team page. The unit of work is the athlete: a task reads that athlete's files, analyzes and
writes their report, and sends back only the small team rows, as soon as it is done — so no
athlete waits for another's files and the main process's memory stays flat however large the
team. (A per-file parse task would not pay: reading a one-hour file takes ~1.5 ms, and pickling
and unpickling its frames alone ~0.6 ms before they cross a pipe; the athlete's analysis needs
all its runs in one process anyway.) Tasks run in this process, a process pool
or on a Dask cluster (:mod:`analyzer.executors`).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import os
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TypeVar
from urllib.parse import urlparse

from analyzer.analysis import analyze
from analyzer.errors import AnalyzerError
from analyzer.executors import open_executor, run_tasks
from analyzer.io.athlete import (
    athlete_id_of,
    find_athletes,
    folders_with_athletes,
    is_athlete_folder,
    load_athlete,
    restrict_period,
)
from analyzer.io.cache import ActivityCache, default_cache_dir
from analyzer.model import Problem
from analyzer.report import template_cache
from analyzer.report.assets import chart_script, vega_bundle
from analyzer.report.build import (
    AthleteReport,
    previous_for,
    read_last_report,
    team_csv_parts,
    write_athlete_report,
    write_team_files,
    write_unanalysed_report,
)
from analyzer.report.content import since_text
from analyzer.report.files import inside
from analyzer.report.out_folder import OWN_NAMES, ReportBusy, ReportFolder, page_name, report_lock
from analyzer.report_cache import (
    InputsLog,
    ReportCache,
    RunChartCache,
    RunRowCache,
    code_fingerprint,
    folder_fingerprint,
    what_changed,
)
from analyzer.weather.archive import Archive
from analyzer.weather.client import reachable

FORMATS = ("html", "pdf")

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class ReportResult:
    """What a report run did; ``exit_code``: 0, 1 or 2 (docs/folders.md, "Exit codes")."""

    out: Path
    athletes: int = 0
    runs: int = 0
    cramps: int = 0
    flags: int = 0
    problems: list[Problem] = field(default_factory=list)
    seconds: float = 0.0
    exit_code: int = 0
    notices: list[str] = field(default_factory=list)

    def line(self) -> str:
        """The one-line summary printed at the end of a run."""
        return (f"{self.athletes} athletes, {self.runs} runs, {self.cramps} cramps, {self.flags} flags, "
                f"{len(self.problems)} input problems, {self.seconds:.1f} s → {self.out}")


@dataclass(frozen=True)
class _AthleteTask:
    """One athlete's task, by keyword (what :func:`_one_athlete` takes)."""

    folder: Path
    dest: Path
    formats: tuple[str, ...]
    since: dt.date | None
    until: dt.date | None
    cache: ActivityCache | None
    weather: Archive | None
    charts: bool
    previous: dict | None


def _run_task(task: _AthleteTask) -> AthleteReport:
    """:func:`_one_athlete` called with the task's fields by keyword (what the executors run)."""
    return _one_athlete(**{f.name: getattr(task, f.name) for f in fields(task)})


def _one_athlete(*, folder: Path, dest: Path, formats: tuple[str, ...], since: dt.date | None,
                 until: dt.date | None, cache: ActivityCache | None, weather: Archive | None = None,
                 charts: bool = False, previous: dict | None = None) -> AthleteReport:
    """Task: load, analyze and write one athlete.

    With a cache, an athlete whose folder, options and analyzer code are all unchanged since a
    previous run gets that run's report back (files copied, rows reused); otherwise unchanged run
    files are not read (:class:`analyzer.io.activities.KeptActivity`), each run's row of the runs
    table and each cramp run's chart are reused when everything they are drawn from is unchanged
    (:class:`RunRowCache`, :class:`RunChartCache`), the log says what changed and what was kept, and
    the report is computed and stored.
    """
    reports = ReportCache(cache.directory) if cache is not None else None
    # the page templates compiled once, kept beside the other caches (not with --no-cache)
    template_cache.use_cache_folder(cache.directory if cache is not None else None)
    mode = weather.mode if weather is not None else "off"
    # everything that decides the output: the athlete's files and folder, the options, the code,
    # and the name of the folder the report goes to (two athletes can never swap reports)
    options = {"analyzer code": code_fingerprint(), "athlete folder": str(folder.resolve()), "report folder": dest.name,
               "formats": ",".join(formats), "period": f"{_iso(since)}..{_iso(until)}", "weather": mode,
               "what the last report showed": _previous_key(previous)}
    files: dict[str, str] = {}
    stats: dict[str, list] = {}
    inputs = InputsLog(cache.directory) if cache is not None else None
    before = inputs.get(folder, dest) if inputs is not None else None
    key = folder_fingerprint(folder, *options.values(), digests=files, stats=stats,
                             known=(before or {}).get("stats")) if reports is not None else ""
    if reports is not None and (hit := reports.get(key, dest, lambda r: _since_kept(r, previous))) is not None:
        log.info("%s: no input changed since its last report; its report is kept whole", folder.name)
        hit.summary["report"] = f"{dest.name}/report.html"
        if before != {"files": files, "options": options, "stats": stats}:  # e.g. a file touched, not changed
            inputs.put(folder, dest, files, options, stats)
        return hit
    changed = what_changed(before, files, options)  # the cache key says what changed
    athlete = None
    bundle = None
    gaps_before = weather.gaps if weather is not None else 0
    try:
        athlete = restrict_period(load_athlete(folder, cache, mode, weather), since, until)
        rows = RunRowCache(cache.directory, code_fingerprint()) if cache is not None else None
        chart_cache = RunChartCache(cache.directory, code_fingerprint()) if cache is not None else None
        analysis = analyze(athlete, rows_cache=rows)
        bundle = vega_bundle() if charts and "html" in formats else None
        report = write_athlete_report(analysis, dest, formats, _iso(since), _iso(until), bundle, previous, chart_cache)
    except Exception as exc:  # the athlete is still reported: a page saying what failed
        return write_unanalysed_report(athlete_id_of(folder), athlete.name if athlete is not None else athlete_id_of(folder), dest,
                                       _failure_reason(exc),
                                       athlete.problems if athlete is not None else [])
    if cache is not None:
        log.info("%s: %s; run rows: %d kept from earlier reports, %d computed; cramp run charts: %d kept, %d drawn",
                 folder.name, changed, rows.hits, rows.misses, chart_cache.hits, chart_cache.misses)
        inputs.put(folder, dest, files, options, stats)
    # a report missing weather the archive may still give (offline, busy, not yet published) is
    # not kept: the next run asks again
    # nor is one drawn with static figures because the chart script could not be had here
    if reports is not None and not (weather is not None and weather.gaps > gaps_before) \
            and (bundle is not None or "html" not in formats):
        reports.put(key, report, dest)
    return report


def _since_kept(report: AthleteReport, previous: dict | None) -> bool:
    """Whether a report kept whole still says right what is new since the last report, its counts then
    dated by that report (:func:`_previous_key` leaves the date out of the cache key: kept, the report
    carried the date of the report before). ``False`` when its "since" line itself would change (it
    names the date when something is new): the report is then written again."""
    seen = report.summary.get("seen")
    if not isinstance(seen, dict) or "since_text" not in report.summary:
        return True  # a page saying what failed: no "since" line
    text, counts = since_text(previous, seen)
    if text != report.summary["since_text"]:
        return False
    report.summary["since_counts"] = counts  # the team page's "new marks what was not in the report of <date>"
    return True


def _previous_key(previous: dict | None) -> str:
    """What the last report showed, for the cache key: its keys, not its date. A page differs with the
    date only when something is new, and then the athlete's files (or the code) changed anyway, so an
    unchanged athlete's report is reused run after run."""
    if previous is None:
        return "none"
    return json.dumps({k: v for k, v in previous.items() if k != "date"}, sort_keys=True)


def _iso(day: dt.date | None) -> str | None:
    return day.isoformat() if day else None


def run_report(
    folder: str | os.PathLike,
    out: str | os.PathLike,
    *,
    since: dt.date | None = None,
    until: dt.date | None = None,
    athletes: Iterable[str] | None = None,
    jobs: int | None = None,
    formats: Iterable[str] = ("html",),
    progress: Callable[[int], Callable[[], None]] | None = None,
    cache_dir: str | os.PathLike | None = None,
    use_cache: bool = True,
    executor: str | None = None,
    scheduler: str | None = None,
    weather: str = "auto",
    weather_url: str | None = None,
) -> ReportResult:
    """Write the report folder (docs/folders.md) for an athlete or team folder.

    Parameters
    ----------
    folder : path-like
        An athlete folder or a team folder. Nothing in it is written.
    out : path-like
        The report folder (created). Athlete sub-folders get sanitised names inside it.
    since, until : date, optional
        Keep runs and cramps whose local date falls within (inclusive).
    athletes : iterable of str, optional
        Athlete ids to report (default: all).
    jobs : int, optional
        Worker processes (default: the number of cores); 1 runs in this process.
    formats : iterable of {"html", "pdf"}
    progress : callable, optional
        Called with the number of athletes; returns a callable invoked once per finished athlete.
    cache_dir : path-like, optional
        Where parsed activities are cached (default :func:`analyzer.io.cache.default_cache_dir`).
    use_cache : bool
        ``False`` parses every file again and stores nothing.
    executor : {"serial", "process", "dask"}, optional
        Default: serial for ``jobs=1``, else a process pool.
    scheduler : str, optional
        A Dask scheduler address (``tcp://host:8786``); runs the same tasks on that cluster.
    weather : {"auto", "cache", "off"}
        The weather archive for runs that ``weather.csv`` does not cover
        (:mod:`analyzer.weather.archive`). With ``auto``, an archive that does not answer
        within about a second is said once in ``notices`` and only cached days are used.
    weather_url : str, optional
        Another address for the archive (a mirror); default ``CRAMP_WEATHER_URL`` or the
        user's config file.

    Returns
    -------
    ReportResult
    """
    t0, root, out_dir, problems = time.perf_counter(), Path(folder), Path(out), []
    result, formats = ReportResult(out=out_dir), _formats(formats)
    refused = _refused_request(root, since, until)
    folders = [] if refused else _athlete_folders(root, athletes, problems, result)
    if not refused and not folders:
        refused = _no_athletes(root, out_dir, problems)
    # the report folder, checked and created once here (a page the manifest names otherwise is checked then)
    refused = refused or prepare_out_folder(out_dir, root, folders, [out_dir / page_name(p) for p in folders])
    if refused:
        return _refuse(result, refused)
    try:
        with report_lock(out_dir):
            # looked at once the folder is ours: another report writing it right now is not "other files"
            foreign = foreign_names(out_dir)
            result.notices += [_foreign_notice(out_dir, foreign)] if foreign else []
            # a run of the whole team retires the pages of athletes no longer in it; a run of some
            # athletes (--athlete, or one athlete folder) keeps the others
            full = athletes is None and folders != [root]
            return _write_report(result, root, out_dir, folders, problems, t0, full=full, since=since,
                                 until=until, jobs=jobs, formats=formats, progress=progress, cache_dir=cache_dir,
                                 use_cache=use_cache, executor=executor, scheduler=scheduler, weather=weather,
                                 weather_url=weather_url)
    except ReportBusy as exc:
        return _refuse(result, [Problem(str(out_dir), "", str(exc))])


def _formats(formats: Iterable[str]) -> tuple[str, ...]:
    """The formats asked for; :class:`ValueError` naming any unknown one."""
    formats = tuple(f for f in formats)
    bad = [f for f in formats if f not in FORMATS]
    if bad:
        raise ValueError(f"unknown format(s) {', '.join(bad)}; choose from {', '.join(FORMATS)}")
    return formats


def _foreign_notice(out_dir: Path, foreign: list[str]) -> str:
    """The notice for a report folder that already held other files (:func:`foreign_names`)."""
    shown = ", ".join(foreign[:5]) + (f" and {len(foreign) - 5} more" if len(foreign) > 5 else "")
    return f"--out {out_dir} already held files and is not an earlier report ({shown}); they are left as they " \
           "were, beside the report"


def _refuse(result: ReportResult, why: list[Problem] | str) -> ReportResult:
    """``result`` of a report that was not made (exit code 2): ``why`` its problems, or a reason about
    the report folder."""
    result.problems = why if isinstance(why, list) else [Problem(str(result.out), "", why)]
    result.exit_code = 2
    return result


def _refused_request(root: Path, since: dt.date | None, until: dt.date | None) -> list[Problem]:
    """Why the request cannot be reported before anything is read: no such folder, an empty period."""
    if not root.is_dir() and not is_athlete_folder(root):
        return [Problem(str(root), "", "folder does not exist or is not a folder (nor an account export's .zip)")]
    if since is not None and until is not None and since > until:
        return [Problem("", "", f"--since {since} is after --until {until}: the period is empty")]
    return []


def _athlete_folders(root: Path, athletes: Iterable[str] | None, problems: list[Problem],
                     result: ReportResult) -> list[Path]:
    """The athlete folders to report (those of ``athletes`` when given; the missing ones added to
    ``problems``); earlier report folders inside ``root`` are said once in ``result``'s notices."""
    skipped: list[Path] = []
    folders = find_athletes(root, problems, skipped)
    if skipped:  # earlier reports inside the input folder: said once, never read as athletes
        names = ", ".join(f"{p.name}/" for p in skipped[:5]) + (f" and {len(skipped) - 5} more" if len(skipped) > 5 else "")
        result.notices.append(f"skipped {names} in {root}: earlier report folder{'s' if len(skipped) > 1 else ''}, "
                              "not athlete folders")
    if athletes is not None:
        wanted = set(athletes)
        missing = wanted - {athlete_id_of(p) for p in folders}
        problems += [Problem(str(root / m), "", "no such athlete folder", m) for m in sorted(missing)]
        folders = [p for p in folders if athlete_id_of(p) in wanted]
    return folders


def _no_athletes(root: Path, out_dir: Path, problems: list[Problem]) -> list[Problem]:
    """The problems of a folder holding no athlete folder, with a hint where some are."""
    hint = "; ".join(f"{p} holds {n} athlete folder{'s' if n != 1 else ''}: analyzer report {p} --out {out_dir}"
                     for p, n in folders_with_athletes(root))
    return problems + [Problem(str(root), "", "no athlete folder found (an athlete folder holds "
                                              "athlete.toml, cramps.csv or activities/; see docs/folders.md)"
                               + (f". Try: {hint}" if hint else ""))]


def _write_report(result: ReportResult, root: Path, out_dir: Path, folders: list[Path], problems: list[Problem],
                  t0: float, *, full: bool, since, until, jobs, formats, progress, cache_dir, use_cache, executor,
                  scheduler, weather, weather_url) -> ReportResult:
    """:func:`run_report` once it holds the report folder's lock: the athletes' sub-folders named
    (docs/folders.md, "Athlete pages"), the athletes written, the team files, the manifest."""
    manifest = ReportFolder.open(out_dir)
    ids = [athlete_id_of(p) for p in folders]
    dests = [out_dir / n for n in manifest.assign(folders, ids)]
    renamed = [d for d, p in zip(dests, folders, strict=True) if d.name != page_name(p)]  # not checked yet
    refused = inside_inputs(out_dir, [root, *folders], renamed)
    if refused:
        return _refuse(result, refused)
    # the names are claimed before any page is written: a run killed half-way leaves pages the
    # manifest already gives to their athletes, so the next run writes them to the same paths
    manifest.record([d.name for d in dests], folders, ids)
    manifest.save()
    cache = ActivityCache(cache_dir or default_cache_dir()) if use_cache else None
    if cache is not None:
        code_fingerprint()  # hashed once here: the pool's forked workers inherit it (each would hash the package)
    template_cache.use_cache_folder(cache.directory if cache is not None else None)
    try:  # one archive for the whole report: its weather budget is the report's
        archive = Archive(Path(cache_dir or default_cache_dir()), weather, url=weather_url) if weather != "off" else None
    except ValueError as exc:  # an address that is not http(s): refused before anything is read or sent
        return _refuse(result, [Problem("", "", str(exc))])
    jobs = max(1, jobs or os.cpu_count() or 1)
    kind = executor or ("serial" if jobs == 1 else "process")
    charts = _chart_script(result, formats)
    _check_archive(result, archive)
    last = read_last_report(out_dir)  # what the previous report here showed: the rest is marked new
    tasks = [_AthleteTask(folder=p, dest=dest, formats=formats, since=since, until=until, cache=cache,
                          weather=archive, charts=charts, previous=previous_for(last, athlete_id_of(p)))
             for p, dest in zip(folders, dests, strict=True)]

    def team_files(reports: dict[Path, AthleteReport], failed: list[Problem]) -> list[AthleteReport]:
        # called once every athlete is in, while the pool's workers exit
        ordered = [reports[p] for p in folders if p in reports]
        manifest.record([d.name for d in dests], folders, ids)
        kept = [] if full else manifest.kept_rows([d.name for d in dests])  # an --athlete run keeps the others
        if full:
            manifest.retire_others([d.name for d in dests])
        team = ordered if not kept else sorted(ordered + kept, key=lambda r: str(r.athlete))
        write_team_files(out_dir, team, problems + failed, _iso(since), _iso(until), result.notices, formats, last)
        manifest.save()
        return ordered

    waiting: list[AthleteReport] = []  # reports in, their share of the team files not made yet
    arrivals = 0

    def arrived(task: _AthleteTask, report: AthleteReport) -> None:
        # each athlete's rows are kept as their report comes in (while the others are still worked on),
        # and with workers, their share of the team's CSV files made (in this process, it would only add)
        # once fewer athletes are left than workers: this process then takes no core from them
        nonlocal arrivals
        manifest.keep_rows(task.dest.name, report)
        if kind == "serial":
            return
        arrivals += 1
        waiting.append(report)
        if len(tasks) - arrivals < jobs:  # athletes not in yet
            for one in waiting:
                try:
                    one.team_csv = team_csv_parts(one)
                except Exception as exc:  # the team files then write these rows with the others
                    log.debug("%s: team rows not made ahead: %r", one.athlete, exc)
            waiting.clear()

    ordered, failed = _run_athletes(tasks, kind, jobs, scheduler, progress, arrived=arrived, then=team_files)
    return _tally(result, ordered, problems + failed, t0)


def _chart_script(result: ReportResult, formats: tuple[str, ...]) -> bool:
    """Whether the pages draw interactive charts: an HTML report with the chart script shipped with the
    analyzer; without the script, the pages show static figures and the report says why."""
    if "html" not in formats:
        return False
    script, why = chart_script()
    if script is None:
        result.notices.append(f"the pages show static figures instead of interactive charts: {why}")
        return False
    return True


def _check_archive(result: ReportResult, archive: Archive | None) -> None:
    """An ``auto`` archive that does not answer is said once and used from its cache only."""
    if archive is not None and archive.mode == "auto" and not reachable(archive.api.url):
        host = urlparse(archive.api.url).hostname
        result.notices.append(f"the weather archive at {host} is not reachable (offline?): runs without a weather.csv "
                              "or an air sensor use only weather cached earlier; the others' air temperature is unknown")
        archive.mode = "cache"
        archive.failure = f"the weather archive at {host} is not reachable (offline?), and these days were not cached earlier"


def _run_athletes(tasks: list[_AthleteTask], kind: str, jobs: int, scheduler: str | None, progress,
                  arrived: Callable[[_AthleteTask, AthleteReport], None] | None = None,
                  then: Callable[[dict[Path, AthleteReport], list[Problem]], T] | None = None,
                  ) -> tuple[T | dict[Path, AthleteReport], list[Problem]]:
    """Each athlete's task run (serial, a process pool or Dask): their reports by folder (or what
    ``then`` makes of them), and the failures whose page could not be written either. One athlete's
    failure never stops the batch.

    ``arrived(task, report)`` is called as each report comes in; ``then(reports, failed)`` once all
    are in, before the executor is closed, so that a pool's workers exit while it runs."""
    tick = progress(len(tasks)) if progress else (lambda: None)
    reports: dict[Path, AthleteReport] = {}
    failed: list[Problem] = []
    with open_executor(kind, jobs, scheduler) as pool:
        for (task,), report, error in run_tasks(pool, _run_task, [(t,) for t in tasks]):
            if error is None:
                reports[task.folder] = report
            else:  # the athlete still gets a page
                problem = _failure(task.folder, error)
                try:
                    reports[task.folder] = write_unanalysed_report(
                        athlete_id_of(task.folder), athlete_id_of(task.folder), task.dest,
                        _failure_reason(error), [])
                except OSError:
                    failed.append(problem)
            if arrived is not None and task.folder in reports:
                arrived(task, reports[task.folder])
            tick()
        if then is not None:
            return then(reports, failed), failed
    return reports, failed


def _tally(result: ReportResult, ordered: list[AthleteReport], problems: list[Problem], t0: float) -> ReportResult:
    """``result`` with the report's counts, its problems (the batch's and every athlete's) and exit code."""
    result.athletes = len(ordered)
    result.runs = sum(int(r.summary["runs"]) for r in ordered)
    result.cramps = sum(int(r.summary["cramps"]) for r in ordered)
    result.flags = sum(int(r.summary["flags"]) for r in ordered)
    result.problems = problems + [
        Problem(e["file"], e["location"], e["message"], e["athlete"]) for r in ordered for e in r.errors.to_dict("records")
    ]
    result.exit_code = 2 if not ordered else (1 if result.problems else 0)
    result.seconds = time.perf_counter() - t0
    return result


def foreign_names(out_dir: Path) -> list[str]:
    """The names in ``out_dir`` when it is a non-empty folder that is not an earlier report.

    An earlier report is recognised by its ``summary.csv`` (first column ``athlete``); writing
    over one is the normal way to refresh a report and says nothing.
    """
    try:
        names = sorted(p.name for p in out_dir.iterdir() if p.name not in OWN_NAMES) if out_dir.is_dir() else []
    except OSError:
        return []
    if not names:
        return []
    try:
        with open(out_dir / "summary.csv", encoding="utf-8", errors="replace") as f:
            if f.readline().lstrip("\ufeff").startswith("athlete,"):
                return []
    except OSError:
        pass
    return names


def prepare_out_folder(out_dir: Path, root: Path, folders: list[Path], dests: list[Path]) -> str:
    """Why ``out_dir`` cannot take this report ("" when it can), after creating it.

    Refused: the file-system root or the home folder itself; a path that is a file; a folder
    that cannot be created; anything that would put a written file inside an input folder
    (the team or athlete folder, e.g. ``analyzer report P/ana --out P`` would write
    ``P/ana/report.html``).
    """
    resolved = out_dir.resolve()
    if resolved == Path(resolved.anchor) or resolved == Path.home().resolve():
        return f"--out {out_dir} is {'the file-system root' if resolved == Path(resolved.anchor) else 'your home folder'}; " \
               "choose a folder for the report"
    if out_dir.exists() and not out_dir.is_dir():
        return f"--out {out_dir} is a file, not a folder"
    refused = inside_inputs(out_dir, [root, *folders], [out_dir, *dests])
    if refused:
        return refused
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        return f"--out {out_dir} cannot be created: {exc.strerror or 'the system gave no reason'}"
    return ""


def inside_inputs(out_dir: Path, inputs: list[Path], paths: list[Path]) -> str:
    """Why the report cannot be written ("" when it can): one of ``paths`` (the report folder
    ``out_dir`` or an athlete's sub-folder of it) would be inside one of the ``inputs`` folders."""
    for written in paths:
        for source in inputs:
            if inside(source, written):
                return (f"--out {out_dir} would write {written} inside the input folder {source}: inputs are "
                        "never written to; choose a folder outside it")
    return ""


def _failure_reason(exc: Exception) -> str:
    """What failed, in words for the athlete's page (the exception itself goes to the log).

    A file that cannot be read is named with the system's reason; an input error says what it is and
    where; anything else is a fault in the analyzer, said as such."""
    if isinstance(exc, OSError):
        what = f"{exc.filename} cannot be read" if exc.filename else "a file cannot be read"
        return f"{what} ({exc.strerror})" if exc.strerror else what
    if isinstance(exc, AnalyzerError):
        return str(exc)
    log.error("the analyzer failed", exc_info=exc)
    return "the analyzer failed on these files (a fault in the analyzer, not in the files; please report it)"


def _failure(folder: Path, exc: Exception) -> Problem:
    return Problem(str(folder), "", f"could not be analysed: {_failure_reason(exc)}", athlete_id_of(folder))
