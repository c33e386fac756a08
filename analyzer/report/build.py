"""An athlete's analysis → report files; all athletes → the team files (docs/folders.md, "Output")."""

from __future__ import annotations

import base64
import datetime as dt
import io
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import numpy as np
import pandas as pd
from jinja2 import Environment, select_autoescape
from matplotlib.backends.backend_pdf import PdfPages
from matplotlib.figure import Figure

from analyzer.air import run_air
from analyzer.analysis import FLAG_COLUMNS, Analysis
from analyzer.cramps import EXTRA_COLUMNS
from analyzer.cramps import OUTPUT_COLUMNS as CRAMP_COLUMNS
from analyzer.formatting import format_pace
from analyzer.model import Problem
from analyzer.plots.run import plot_run
from analyzer.plots.season import plot_cramp_runs_vs_others, plot_cramp_timeline, plot_weekly_distance
from analyzer.report.files import atomic_write_bytes, atomic_write_text, csv_text
from analyzer.suggestions import SUGGESTION_COLUMNS

SUMMARY_COLUMNS = ["athlete", "name", "runs", "distance_km", "cramps", "patterns", "flags", "problems", "report"]
ERROR_COLUMNS = ["athlete", "file", "location", "message"]
FIGURE_DPI = 90

_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))


def _template(name: str):
    text = resources.files("analyzer.report").joinpath("templates", name).read_text(encoding="utf-8")
    return _env.from_string(text)


def _css() -> str:
    return resources.files("analyzer.report").joinpath("templates", "base.css").read_text(encoding="utf-8")


@dataclass
class AthleteReport:
    """What one athlete contributes to the team files (small, so it travels between processes)."""

    athlete: str
    summary: dict[str, object]
    cramps: pd.DataFrame
    flags: pd.DataFrame
    errors: pd.DataFrame
    written: list[str] = field(default_factory=list)
    suggestions: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=["athlete", *SUGGESTION_COLUMNS]))


def errors_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as ``errors.csv`` rows."""
    return pd.DataFrame([{"athlete": p.athlete, "file": p.file, "location": p.location, "message": p.message}
                         for p in problems], columns=ERROR_COLUMNS)


def _iso_z(series: pd.Series) -> pd.Series:
    times = pd.to_datetime(series, utc=True)
    return times.dt.strftime("%Y-%m-%dT%H:%M:%SZ").where(times.notna(), "")


def _png(fig: Figure) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=FIGURE_DPI)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _fmt(value: object, digits: int = 1) -> str:
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return ""
    if isinstance(value, (int, np.integer)):
        return str(int(value))
    if isinstance(value, (float, np.floating)):
        return f"{value:.{digits}f}"
    return str(value)


def athlete_figures(analysis: Analysis) -> tuple[list[tuple[str, Figure]], list[tuple[str, Figure]]]:
    """(season figures, per-run overlays of every run with a cramp during it), with alt texts."""
    season = [
        ("weekly distance with cramp weeks marked", plot_weekly_distance(analysis)),
        ("cramp runs vs other runs by heat index and distance ratio", plot_cramp_runs_vs_others(analysis)),
        ("timeline of cramps by context and leg", plot_cramp_timeline(analysis)),
    ]
    runs = []
    c = analysis.cramps
    during = c[c["context"] == "during_run"] if len(c) else c
    for name in dict.fromkeys(during["activity"]) if len(during) else []:
        act = analysis.athlete.activity(name)
        if act is not None:
            air = run_air(analysis.athlete, act)
            fig = plot_run(act, c, weather=air.frame if air.known else None, timezone=analysis.athlete.timezone,
                           air_source=air.source)
            runs.append((f"run {name} with its cramps", fig))
    return season, runs


def write_athlete_report(
    analysis: Analysis, folder: Path, formats: tuple[str, ...] = ("html",),
    since: str | None = None, until: str | None = None,
) -> AthleteReport:
    """Write ``folder/report.html`` (and ``report.pdf``) for one athlete; return its team rows."""
    ath = analysis.athlete
    cramps = analysis.cramps.copy()
    flags = analysis.flags.copy()
    runs = analysis.runs
    summary = {
        "athlete": ath.id, "name": ath.name, "runs": int(len(runs)),
        "distance_km": round(float(runs["distance_km"].sum()) if len(runs) else 0.0, 2),
        "cramps": int(len(ath.cramps)), "patterns": ";".join(analysis.patterns), "flags": int(len(flags)),
        "problems": int(len(analysis.problems)), "report": f"{folder.name}/report.html",
    }
    season_figs, run_figs = athlete_figures(analysis)
    written = []
    if "html" in formats:
        html = _template("athlete.html.j2").render(
            css=_css(), name=ath.name, athlete_id=ath.id, timezone=ath.timezone, since=since, until=until,
            generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"), summary=summary,
            patterns=analysis.patterns, medications=", ".join(ath.profile.get("medications", [])),
            **_findings(flags, _cramp_rows(cramps, ath.timezone)),
            cramps=_cramp_rows(cramps, ath.timezone), season=_season_rows(analysis.season),
            season_figures=[{"alt": a, "png": _png(f)} for a, f in season_figs],
            run_figures=[{"alt": a, "png": _png(f)} for a, f in run_figs],
            runs=_run_rows(runs), problems=analysis.problems,
        )
        atomic_write_text(folder / "report.html", html)
        written.append("report.html")
    if "pdf" in formats:
        atomic_write_bytes(folder / "report.pdf", _pdf(analysis, summary, [f for _, f in season_figs + run_figs]))
        written.append("report.pdf")
    out_cramps = cramps.copy()
    if len(out_cramps):
        out_cramps["time_utc"] = _iso_z(out_cramps["time_utc"])
    suggestions = analysis.suggested_cramps
    atomic_write_text(folder / "suggested_cramps.csv", csv_text(suggestions, SUGGESTION_COLUMNS))
    written.append("suggested_cramps.csv")
    return AthleteReport(ath.id, summary, out_cramps, flags, errors_frame(analysis.problems), written,
                         suggestions.assign(athlete=ath.id)[["athlete", *SUGGESTION_COLUMNS]])


def _findings(flags: pd.DataFrame, cramp_rows: list[dict[str, object]]) -> dict[str, list]:
    """Flags grouped for reading: across the season, cramp by cramp, other runs."""
    records = flags.to_dict("records")
    by_cramp: dict[int, list] = {}
    for f in records:
        if f["scope"] == "cramp":
            by_cramp.setdefault(int(f["cramp_row"]), []).append(f)
    cramp_runs = {c["activity"] for c in cramp_rows if c["activity"]}
    return {
        "athlete_flags": [f for f in records if f["scope"] == "athlete"],
        "cramp_findings": [{**c, "flags": by_cramp.get(int(c["cramp_row"]), [])} for c in cramp_rows],
        "other_run_flags": [f for f in records if f["scope"] == "run" and f["activity"] not in cramp_runs],
    }


def _text(value: object) -> str:
    """Text for a table cell: missing values (None, NaN) are empty."""
    if value is None or (isinstance(value, float) and not np.isfinite(value)):
        return ""
    return str(value)


def _cramp_rows(cramps: pd.DataFrame, tz: str) -> list[dict[str, object]]:
    rows = []
    for c in cramps.to_dict("records"):
        t = c["time_utc"]
        rows.append({
            **{k: _fmt(c.get(k)) for k in ("distance_km", "air_temperature_c", "heat_index_c")},
            "heart_rate_bpm": _fmt(c.get("heart_rate_bpm"), 0), "severity": _fmt(c.get("severity"), 0),
            "cramp_row": c["cramp_row"], "context": c["context"].replace("_", " "), "activity": _text(c["activity"]),
            "local_time": pd.Timestamp(t).tz_convert(tz).strftime("%Y-%m-%d %H:%M") if pd.notna(t) else "",
            "pace": format_pace(c.get("pace_s_per_km")), "leg": _text(c.get("leg")), "muscle": _text(c.get("muscle")),
            "pattern_list": [p for p in str(c.get("patterns") or "").split(";") if p],
            "notes": _text(c.get("notes")), "match_note": _text(c.get("match_note")),
        })
    return rows


def _run_rows(runs: pd.DataFrame) -> list[dict[str, object]]:
    rows = []
    for r in runs.to_dict("records"):
        rows.append({
            "date_local": r["date_local"], "activity": r["activity"], "distance_km": _fmt(r["distance_km"], 2),
            "pace": format_pace(r["pace_s_per_km"]), "avg_heart_rate_bpm": _fmt(r["avg_heart_rate_bpm"], 0),
            "decoupling_pct": _fmt(r["decoupling_pct"]), "air_temperature_c": _fmt(r["air_temperature_c"]),
            "heat_index_max_c": _fmt(r["heat_index_max_c"]), "body_mass_loss_pct": _fmt(r["body_mass_loss_pct"]),
            "distance_ratio": _fmt(r["distance_ratio"], 2), "pace_ratio": _fmt(r["pace_ratio"], 2),
            "acwr": _fmt(r["acwr_coupled"], 2), "cramps": r["cramps"],
        })
    return rows


def _season_rows(season: pd.DataFrame) -> list[dict[str, object]]:
    return [{**s, "threshold": _fmt(s["threshold"], 2), "median_cramp_runs": _fmt(s["median_cramp_runs"], 2),
             "median_other_runs": _fmt(s["median_other_runs"], 2)} for s in season.to_dict("records")]


def _pdf(analysis: Analysis, summary: dict[str, object], figures: list[Figure]) -> bytes:
    """A printable PDF: one page of findings, then every figure (matplotlib's PDF backend)."""
    import textwrap

    buf = io.BytesIO()
    with PdfPages(buf) as pdf:
        page = Figure(figsize=(8.27, 11.69))
        lines = [f"Cramp report — {analysis.athlete.name}", "",
                 f"{summary['runs']} runs, {summary['distance_km']} km, {summary['cramps']} cramps logged.",
                 f"Patterns: {summary['patterns'] or 'none found'}", ""]
        for f in analysis.flags.to_dict("records")[:25]:
            where = f"cramp row {int(f['cramp_row'])}" if f["scope"] == "cramp" else f["scope"]
            lines += textwrap.wrap(f"• [{where}] {f['message']}", 95) + [""]
        lines += textwrap.wrap("This is training information, not medical advice. See a clinician for cramps that are "
                               "frequent, severe, one-sided, come with numbness, weakness, swelling or skin changes, "
                               "come on with walking and ease with rest, or appear after a new medicine.", 95)
        page.text(0.06, 0.96, "\n".join(lines[:80]), va="top", family="DejaVu Sans", fontsize=8.5)
        pdf.savefig(page)
        for fig in figures:
            pdf.savefig(fig)
    return buf.getvalue()


def write_unanalysed_report(athlete_id: str, name: str, folder: Path, error: str,
                            problems: list[Problem]) -> AthleteReport:
    """The page of an athlete whose analysis failed: the error and the input problems, so the
    athlete still appears in the team report (and its ``errors.csv``)."""
    failure = Problem(str(folder), "", f"could not be analysed: {error}", athlete_id)
    summary = {"athlete": athlete_id, "name": name, "runs": 0, "distance_km": 0.0, "cramps": 0, "patterns": "",
               "flags": 0, "problems": len(problems) + 1, "report": f"{folder.name}/report.html"}
    html = _template("unanalysed.html.j2").render(
        css=_css(), name=name, athlete_id=athlete_id, error=error, problems=problems,
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"))
    atomic_write_text(folder / "report.html", html)
    return AthleteReport(athlete_id, summary, pd.DataFrame(columns=CRAMP_COLUMNS), pd.DataFrame(columns=FLAG_COLUMNS),
                         errors_frame([*problems, failure]), ["report.html"])


def write_team_files(
    out: Path, reports: list[AthleteReport], failed: list[Problem], since: str | None = None, until: str | None = None,
    notices: list[str] | None = None,
) -> None:
    """``index.html``, ``summary.csv``, ``cramps.csv``, ``flags.csv``, ``errors.csv`` (headers even when empty)."""
    summary = pd.DataFrame([r.summary for r in reports], columns=SUMMARY_COLUMNS)
    frames = [r.cramps for r in reports if len(r.cramps)]
    cramps = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=CRAMP_COLUMNS + EXTRA_COLUMNS)
    frames = [r.flags for r in reports if len(r.flags)]
    flags = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=FLAG_COLUMNS)
    frames = [r.errors for r in reports if len(r.errors)] + [errors_frame(failed)]
    errors = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) \
        else pd.DataFrame(columns=ERROR_COLUMNS)
    if len(flags):
        flags["cramp_row"] = flags["cramp_row"].astype("Int64")
    atomic_write_text(out / "summary.csv", csv_text(summary, SUMMARY_COLUMNS))
    atomic_write_text(out / "cramps.csv", csv_text(cramps, CRAMP_COLUMNS))
    atomic_write_text(out / "flags.csv", csv_text(flags, FLAG_COLUMNS))
    atomic_write_text(out / "errors.csv", csv_text(errors, ERROR_COLUMNS))
    frames = [r.suggestions for r in reports if len(r.suggestions)]
    suggested = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=["athlete", *SUGGESTION_COLUMNS])
    atomic_write_text(out / "suggested_cramps.csv", csv_text(suggested, ["athlete", *SUGGESTION_COLUMNS]))
    athletes = [{**r.summary, "href": r.summary["report"],
                 "pattern_list": [p for p in str(r.summary["patterns"]).split(";") if p]} for r in reports]
    html = _template("index.html.j2").render(
        css=_css(), athletes=athletes, since=since, until=until,
        failed=[{"athlete": p.athlete or p.file, "message": p.message} for p in failed], notices=notices or [],
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
    atomic_write_text(out / "index.html", html)
