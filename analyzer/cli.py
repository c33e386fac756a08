"""Command line: a thin skin over the public API.

Exit codes (docs/folders.md): 0 done, no input problems; 1 done, some inputs skipped
(listed); 2 nothing to do (bad arguments, no readable input).
"""

from __future__ import annotations

import datetime as dt
import sys
import warnings
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:  # the heavy libraries load only when a command runs: `analyzer --help` stays quick
    import analyzer

app = typer.Typer(add_completion=False, no_args_is_help=True, rich_markup_mode=None, help="Why do the cramps come? Runner's FIT data against their cramp log.")


def _describe(act: analyzer.Activity) -> str:
    import pandas as pd

    import analyzer

    s = act.session
    elapsed = float(s.get("total_elapsed_time_s", float("nan"))) if len(s) else float("nan")
    start = act.start_time
    when = f"{start:%Y-%m-%d %H:%M} UTC" if start is not None and not pd.isna(start) else "no date"
    sensors = [word for column, word in _SENSORS if column in act.records and act.records[column].notna().any()]
    return (
        f"{act.source}: {act.sport or 'unknown sport'}, {when}, {act.distance_m / 1000:.2f} km, "
        f"{analyzer.format_duration(elapsed)}, {_count(len(act.records), 'record')}, {_count(len(act.pauses), 'pause')}, "
        f"sensors: {', '.join(sensors) or 'none'}"
    )


_SENSORS = (("heart_rate_bpm", "heart rate"), ("cadence_spm", "cadence"), ("power_w", "power"),
            ("temperature_c", "the watch's temperature"), ("latitude_deg", "GPS position"))
"""The records' sensor columns, in the words ``inspect`` says them."""


def _count(n: int, word: str) -> str:
    """``1 pause``, ``0 pauses``, ``3,107 records``."""
    return f"{n:,} {word}{'' if n == 1 else 's'}"


def _export_kind(path: Path) -> str | None:
    from analyzer.io.exports import export_kind

    return export_kind(path) if path.exists() else None


@app.command(short_help="Read activity files and say what is in them.")
def inspect(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="One or more activity files: .fit, .gpx, .tcx (optionally .gz).")],
) -> None:
    """A few lines per activity file: device, sport, distance, duration, pauses, sensors, the watch's UTC
    offset and anything wrong with the file.

    Exit codes: 0 every file read cleanly; 1 some read with problems; 2 some could not be read at all.
    """
    import analyzer

    worst = 0
    for i, file in enumerate(files):
        if i:
            typer.echo("")
        kind = _export_kind(file)
        if kind:  # a whole account export: say what it is and where it belongs
            name = {"strava": "a Strava account export", "garmin": "a Garmin Connect account export"}[kind]
            typer.echo(f"{file}: {name}, not a single activity file. It is an athlete folder by itself: put it in "
                       f"a team folder, or report it directly with: analyzer report {file} --out report")
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", analyzer.FitWarning)
            try:
                act = analyzer.read_activity(file)
            except (analyzer.FitError, analyzer.InputError, OSError) as exc:
                typer.echo(f"error: {exc}", err=True)
                worst = 2
                continue
        d = act.device
        typer.echo(_describe(act))
        maker = " ".join(str(v) for v in (d.get("manufacturer"), d.get("product")) if v) or "not recorded"
        extra = ", ".join(f"{k.replace('_', ' ')} {d[k]}" for k in ("serial_number", "software_version") if d.get(k))
        typer.echo(f"  device: {maker}{f' ({extra})' if extra else ''}")
        typer.echo(f"  watch's UTC offset: {analyzer.format_utc_offset(act.utc_offset)}")
        sports = ", ".join(map(str, act.sessions.get("sport", []))) or "none recorded"
        typer.echo(f"  sessions: {sports}; laps: {len(act.laps)}")
        typer.echo(f"  columns: {', '.join(act.records.columns)}")
        for p in act.problems:
            typer.echo(f"  problem: {p}")
        worst = max(worst, 1 if act.problems else 0)
    raise typer.Exit(worst)


@app.command(short_help="List the activity files under a folder.")
def summary(
    folder: Annotated[Path, typer.Argument(metavar="FOLDER", help="An athlete folder, a team folder, or a folder of activity files.")],
) -> None:
    """List every activity file (FIT, GPX, TCX) under a folder with its sport, date, distance and duration,
    and the runs of every account export (Strava, Garmin Connect; zipped or not) in it."""
    import analyzer

    if not folder.is_dir():
        typer.echo(f"error: {folder} is not a folder", err=True)
        raise typer.Exit(2)
    from analyzer.io.exports import export_kind, read_export

    exports = [p for p in [folder, *sorted(folder.rglob("*"))]
               if (p.is_dir() or p.suffix.lower() == ".zip") and not p.is_symlink() and export_kind(p) is not None]
    inside = [e for e in exports if e.is_dir()]
    dirs = [d for d in [folder, *sorted(p for p in folder.rglob("*") if p.is_dir())]
            if not any(d == e or e in d.parents for e in inside)]  # an unzipped export lists its own runs
    problems: list[analyzer.Problem] = []
    count = 0
    listings = [(d, analyzer.read_activity_folder) for d in dirs] + [(e, read_export) for e in exports]
    for d, read in sorted(listings, key=lambda x: x[0]):
        acts, probs = read(d)
        problems.extend(probs)
        if not acts:
            continue
        what = " (account export, runs only)" if read is read_export else ""
        typer.echo(f"{d.relative_to(folder) if d != folder else '.'}{what}:")
        for act in acts:
            count += 1
            typer.echo(f"  {_describe(act)}")
    for p in problems:
        typer.echo(f"problem: {p}")
    typer.echo(f"{count} activities read, {len(problems)} problems")
    if count == 0:
        raise typer.Exit(2)
    raise typer.Exit(1 if problems else 0)


def _date(text: str | None, option: str) -> dt.date | None:
    if text is None:
        return None
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        typer.echo(f"error: {option} {text!r} is not a date like 2024-06-30", err=True)
        raise typer.Exit(2) from None


@app.command(short_help="Write the report folder for a team or an athlete.")
def report(
    folder: Annotated[Path, typer.Argument(metavar="FOLDER", help="A team folder (folder of athlete folders) or one athlete folder.")],
    out: Annotated[Path, typer.Option("--out", "-o", metavar="FOLDER", help="Report folder to write (created).")],
    since: Annotated[str | None, typer.Option(metavar="DATE", help="First local date to include, YYYY-MM-DD.")] = None,
    until: Annotated[str | None, typer.Option(metavar="DATE", help="Last local date to include, YYYY-MM-DD.")] = None,
    athlete: Annotated[list[str] | None, typer.Option("--athlete", "-a", metavar="ID", help="Athlete id to report; repeat for more.")] = None,
    jobs: Annotated[int | None, typer.Option("--jobs", "-j", min=1, metavar="N", help="Worker processes (default: all cores).")] = None,
    fmt: Annotated[str, typer.Option("--format", metavar="FORMATS", help="Comma-separated: html, pdf.")] = "html",
    quiet: Annotated[bool, typer.Option("--quiet", "-q", help="No progress bar; only the final line.")] = False,
    cache_dir: Annotated[Path | None, typer.Option(metavar="FOLDER", help="Cache of parsed FIT files (default ~/.cache/cramp-analyzer).")] = None,
    no_cache: Annotated[bool, typer.Option("--no-cache", help="Parse every FIT file again; store nothing.")] = False,
    executor: Annotated[str | None, typer.Option(metavar="NAME", help="serial, process (default with --jobs > 1) or dask.")] = None,
    scheduler: Annotated[str | None, typer.Option(metavar="ADDRESS", help="Dask scheduler address, e.g. tcp://host:8786 (implies dask).")] = None,
    weather: Annotated[str, typer.Option(metavar="MODE", help="Weather archive for runs without weather.csv: auto (cache, then the "
                                              "archive when the network answers), cache, or off.")] = "auto",
    weather_url: Annotated[str | None, typer.Option(metavar="URL", help="Another address for the weather archive (a mirror); "
                                                         "default $CRAMP_WEATHER_URL.")] = None,
) -> None:
    """Write the report folder: index.html, summary.csv, cramps.csv, flags.csv, errors.csv and one
    report per athlete.

    Exit codes: 0 report written with no input problems; 1 written, some inputs skipped (see
    errors.csv); 2 nothing to report (bad arguments, no readable input).
    """
    import analyzer

    if executor is not None and executor not in ("serial", "process", "dask"):
        typer.echo(f"error: --executor must be serial, process or dask (got {executor!r})", err=True)
        raise typer.Exit(2)
    if weather not in ("auto", "cache", "off"):
        typer.echo(f"error: --weather must be auto, cache or off (got {weather!r})", err=True)
        raise typer.Exit(2)
    formats = tuple(f.strip() for f in fmt.split(",") if f.strip())
    if not formats or any(f not in ("html", "pdf") for f in formats):
        typer.echo(f"error: --format must be html, pdf or html,pdf (got {fmt!r})", err=True)
        raise typer.Exit(2)
    show_bar = not quiet and sys.stderr.isatty()

    def progress(total: int):
        if not show_bar:
            return lambda: None
        from tqdm import tqdm

        bar = tqdm(total=total, unit="athlete", file=sys.stderr, leave=False)
        return lambda: bar.update(1)

    result = analyzer.run_report(
        folder, out, since=_date(since, "--since"), until=_date(until, "--until"), athletes=athlete,
        jobs=jobs, formats=formats, progress=progress, cache_dir=cache_dir, use_cache=not no_cache,
        executor=executor, scheduler=scheduler, weather=weather, weather_url=weather_url,
    )
    if result.exit_code == 2:
        for notice in result.notices:
            typer.echo(f"note: {notice}", err=True)
        for p in result.problems:
            typer.echo(f"error: {p}", err=True)
        raise typer.Exit(2)
    for notice in result.notices:
        typer.echo(f"note: {notice}", err=True)
    if not quiet:
        for p in result.problems[:20]:
            typer.echo(f"problem: {p}", err=True)
        if len(result.problems) > 20:
            typer.echo(f"… and {len(result.problems) - 20} more in errors.csv", err=True)
    typer.echo(result.line())
    if (Path(out) / "index.html").is_file():  # the first thing to do next
        typer.echo(f"open {Path(out) / 'index.html'}")
    raise typer.Exit(result.exit_code)


@app.command(short_help="Add one cramp to an athlete's cramps.csv.")
def log(
    folder: Annotated[Path, typer.Argument(metavar="FOLDER", help="The athlete folder (holding athlete.toml).")],
    leg: Annotated[str, typer.Option(metavar="LEG", help="left, right or both.")],
    muscle: Annotated[str | None, typer.Option(metavar="MUSCLE", help="calf, hamstring, quadriceps, foot or other.")] = None,
    severity: Annotated[int | None, typer.Option(metavar="1-5", help="1 twinge, 3 had to slow down, 5 had to stop.")] = None,
    time: Annotated[str | None, typer.Option(metavar="WHEN", help='When: "2024-06-18 08:50" (local), "now", "today 07:42".')] = None,
    activity: Annotated[str | None, typer.Option(metavar="FILE", help="The run's file name in activities/ (with --km).")] = None,
    km: Annotated[float | None, typer.Option(metavar="KM", help="Distance into that run, km.")] = None,
    duration_s: Annotated[float | None, typer.Option("--duration-s", metavar="SECONDS", help="How long it lasted, seconds.")] = None,
    notes: Annotated[str | None, typer.Option(metavar="TEXT", help="Anything else.")] = None,
) -> None:
    """Append one cramp to the athlete's cramps.csv (created with its header if absent).

    The one command that writes into an athlete folder, and it only appends. Give --time, or
    --activity and --km. Exit codes: 0 appended; 2 refused (nothing written).
    """
    import analyzer

    try:
        logged = analyzer.log_cramp(folder, leg=leg, muscle=muscle, severity=severity, time=time, activity=activity,
                                    km=km, duration_s=duration_s, notes=notes)
    except analyzer.InputError as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from exc
    if logged.run_note:
        typer.echo(f"note: {logged.run_note}", err=True)
    cells = ", ".join(f"{k}={v}" for k, v in logged.cells.items() if v)
    typer.echo(f"{logged.path} row {logged.cramp_row} added: {cells}")


@app.command(short_help="Before the run: a planned run against the conditions that came before your cramps.")
def plan(
    folder: Annotated[Path, typer.Argument(metavar="ATHLETE_FOLDER", help="The athlete folder (holding athlete.toml).")],
    date: Annotated[str, typer.Option(metavar="DATE", help="The planned local date, YYYY-MM-DD.")],
    distance_km: Annotated[float, typer.Option("--distance-km", metavar="KM", help="The planned distance, km.")],
    start: Annotated[str | None, typer.Option(metavar="HH:MM", help="Planned local start (default: your usual start).")] = None,
    pace: Annotated[str | None, typer.Option(metavar="M:SS", help="Planned pace per km (default: your usual for the distance).")] = None,
    where: Annotated[str | None, typer.Option(metavar="LAT,LON", help="Start position (default: the start of your most "
                                                   "recent outdoor run); only its 0.1° cell is sent.")] = None,
    forecast: Annotated[str, typer.Option(metavar="auto|off|CSV_FILE", help="auto: the forecast service; off; or hourly "
                                               "rows in the weather.csv format.")] = "auto",
    window: Annotated[str, typer.Option(metavar="HH:MM-HH:MM", help="Local hours a best start may use.")] = "05:00-21:00",
    fmt: Annotated[str, typer.Option("--format", metavar="FORMAT", help="text, json or html.")] = "text",
    weather: Annotated[str, typer.Option(metavar="MODE", help="Weather archive for your earlier runs: auto, cache or off.")] = "auto",
) -> None:
    """Line a planned run up against the conditions that came before your cramps: distance and pace
    against your history, heat hour by hour from the forecast, the best start that avoids the heat,
    heat acclimatisation, fluid from your weigh-ins, your other patterns as reminders.

    Conditions, never a prediction. Exit codes: 0 planned; 1 planned, with input problems in the
    athlete folder (listed in the notes); 2 nothing planned (bad arguments, no athlete folder).
    """
    import analyzer

    if fmt not in ("text", "json", "html"):
        typer.echo(f"error: --format must be text, json or html (got {fmt!r})", err=True)
        raise typer.Exit(2)
    if weather not in ("auto", "cache", "off"):
        typer.echo(f"error: --weather must be auto, cache or off (got {weather!r})", err=True)
        raise typer.Exit(2)
    if not (folder / "athlete.toml").is_file():
        typer.echo(f"error: {folder} is not an athlete folder (no athlete.toml)", err=True)
        raise typer.Exit(2)
    parts = window.replace("–", "-").split("-")
    if len(parts) != 2:
        typer.echo(f"error: --window {window!r} is not like 05:00-21:00", err=True)
        raise typer.Exit(2)
    if forecast == "auto":  # a bad forecast address is a setting to correct, as the archive's: exit 2, one line
        from analyzer.weather.forecast import OpenMeteoForecast, configured_forecast_url

        bad = OpenMeteoForecast.address_problem(configured_forecast_url())
        if bad:
            typer.echo(f"error: {bad}", err=True)
            raise typer.Exit(2)
    try:
        athlete = analyzer.load_athlete(folder, weather=weather)
        result = analyzer.plan_run(athlete, date=date, distance_km=distance_km, start=start, pace=pace, where=where,
                                   forecast=forecast, window=(parts[0], parts[1]))
    except (ValueError, analyzer.InputError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(2) from None
    text = {"text": result.to_text, "json": result.to_json, "html": result.to_html}[fmt]()
    typer.echo(text, nl=not text.endswith("\n"))
    raise typer.Exit(1 if result.analysis is not None and result.analysis.problems else 0)


def main() -> None:
    """Console-script entry point."""
    app()


if __name__ == "__main__":
    sys.exit(main())
