"""An athlete's analysis → report files; all athletes → the team files (docs/folders.md, "Output").

The page's words and numbers come from :mod:`analyzer.report.content`, its charts from
:mod:`analyzer.report.charts` (drawn by the browser); the printed PDF uses the same content with
static figures (:mod:`analyzer.plots`), rendered once each and only when a PDF is asked for.
Each chart and figure is built on its own: one that fails is replaced by a note, and the page
is still written.
"""

from __future__ import annotations

import base64
import datetime as dt
import functools
import hashlib
import io
import json
import logging
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path

import pandas as pd
from jinja2 import Environment, pass_context, select_autoescape
from markupsafe import escape

from analyzer.analysis import FLAG_COLUMNS, Analysis
from analyzer.cramps import EXTRA_COLUMNS
from analyzer.cramps import OUTPUT_COLUMNS as CRAMP_COLUMNS
from analyzer.errors import InputError
from analyzer.metrics.heat import heat_index_c
from analyzer.model import Problem
from analyzer.plots import detached_figures
from analyzer.report import charts, template_cache
from analyzer.report.content import (
    PATTERN_NAMES,
    athlete_page,
    explain,
    glossary_for,
    number,
    seen_keys,
    since_text,
)
from analyzer.report.files import atomic_write_bytes, atomic_write_text, csv_text
from analyzer.suggestions import SUGGESTION_COLUMNS
from analyzer.weather.air import run_air

log = logging.getLogger(__name__)

SUMMARY_COLUMNS = ["athlete", "name", "runs", "distance_km", "cramps", "patterns", "flags", "problems", "report"]
ERROR_COLUMNS = ["athlete", "file", "location", "message"]
FIGURE_DPI = 90
PAGE_BUDGET_BYTES = 1_600_000
"""An athlete page (chart script included, about 0.9 MB) stays under this: 1.6 MB opens in about a
second on a phone over 4G and is well inside what an e-mail attachment may be."""

RUN_POINTS_PER_PAGE = 5_000
"""Points shared by a page's run charts (about 60 bytes each): a page with many cramp runs thins
each run more, so the page keeps to :data:`PAGE_BUDGET_BYTES`."""

MIN_RUN_POINTS = 150
"""A run chart never has fewer points than this (one per ~70 m of a 10 km run)."""

CSV_DIGITS = {
    "distance_km": 3, "elapsed_s": 1, "pace_s_per_km": 1, "heart_rate_bpm": 1, "air_temperature_c": 1,
    "heat_index_c": 1, "fraction_of_run": 3, "value": 3, "threshold": 4, "duration_s": 1, "severity": 0,
    "cramp_row": 0, "runs": 0, "cramps": 0, "flags": 0, "problems": 0,
}
"""Decimals kept in the CSV files, by column: to what each number means (0.1 °C, 1 m, 0.1 s)."""

PATTERN_MEANING = {
    "over_exertion": "longer or faster than usual",
    "dehydration_heat": "heat, fluid loss or heart-rate drift",
    "one_leg": "single-leg cramps on one side",
    "night": "at rest at night",
    "medication": "a medicine linked to cramps",
}

LAST_REPORT = ".last_report.json"
"""The report folder's memory of what it showed last time (docs/folders.md): per athlete the keys of
its cramps and runs and its patterns, and when. The next report into the same folder marks what is
new against it."""

ATTENTION_WINDOW_DAYS = 14
"""The team page puts athletes with cramps in this many days before the report's last day first."""

STRONGER_EVIDENCE = ("over_exertion", "medication")
"""Patterns whose evidence for cramps is moderate (runner cohorts; a large prescription study): after
recent cramps and their severity, athletes with these come first on the team page."""


def read_last_report(out: Path) -> dict | None:
    """What the last report into ``out`` showed (:data:`LAST_REPORT`), or ``None`` when there is
    none or it cannot be read (then nothing is marked new; the file is rewritten at the end)."""
    try:
        state = json.loads((Path(out) / LAST_REPORT).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(state, dict) or not isinstance(state.get("athletes"), dict):
        return None
    return state


def previous_for(state: dict | None, athlete: str) -> dict | None:
    """One athlete's entry of the last report (with its ``date``); ``{"absent": True}`` when the
    last report did not have this athlete; ``None`` when there was no last report."""
    if state is None:
        return None
    entry = state["athletes"].get(athlete)
    date = str(state.get("generated", ""))
    if not isinstance(entry, dict):
        return {"absent": True, "date": date}
    return {"date": date, **{k: [str(v) for v in entry.get(k, []) if isinstance(v, str)]
                             for k in ("cramps", "runs", "patterns")}}


_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))
_env.filters["explain"] = pass_context(lambda ctx, text: explain(text, ctx.get("meanings")))
_env.policies["json.dumps_kwargs"] = {"sort_keys": True, "separators": (",", ":")}  # compact chart data


@functools.cache
def _template(name: str):
    text = resources.files("analyzer.report").joinpath("templates", name).read_text(encoding="utf-8")
    return template_cache.compiled(_env, name, text)  # compiled once, kept between processes


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
    rows_folder: str = ""
    """Where these frames are stored, as they are, in Parquet (a report cache entry; "" when computed)."""
    team_csv: dict | None = field(default=None, compare=False, repr=False)
    """This athlete's share of the team's CSV files, when made ahead (:func:`team_csv_parts`)."""


def errors_frame(problems: list[Problem]) -> pd.DataFrame:
    """Problems as ``errors.csv`` rows."""
    return pd.DataFrame([{"athlete": p.athlete, "file": p.file, "location": p.location, "message": p.message}
                         for p in problems], columns=ERROR_COLUMNS)


def _iso_z(series: pd.Series) -> pd.Series:
    times = pd.to_datetime(series, utc=True)
    return times.dt.strftime("%Y-%m-%dT%H:%M:%SZ").where(times.notna(), "")


def _iso_local(series: pd.Series, tz: str) -> pd.Series:
    times = pd.to_datetime(series, utc=True).dt.tz_convert(tz)
    text = times.dt.strftime("%Y-%m-%dT%H:%M:%S%z").str.replace(r"([+-]\d{2})(\d{2})$", r"\1:\2", regex=True)
    return text.where(times.notna(), "")


def _png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=FIGURE_DPI)
    return base64.b64encode(buf.getvalue()).decode("ascii")


PRINT_DPI = 150
"""Resolution of the printed figures: sharp on paper, and laid out ~5x faster than SVG."""


def _print_png(fig) -> str:
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=PRINT_DPI)
    return base64.b64encode(buf.getvalue()).decode("ascii")


def _cramp_runs(analysis: Analysis) -> list[str]:
    c = analysis.cramps
    during = c[c["context"] == "during_run"] if len(c) else c
    return [a for a in dict.fromkeys(during["activity"]) if isinstance(a, str)] if len(during) else []


def _air_frame(analysis: Analysis, act):
    air = run_air(analysis.athlete, act)
    frame = air.frame.copy() if air.known else None
    if frame is not None and "relative_humidity_pct" in frame:
        frame["heat_index_c"] = heat_index_c(frame["temperature_c"], frame["relative_humidity_pct"])
    return air, frame


def run_chart_key(act, cramps: pd.DataFrame, air: pd.DataFrame | None, air_source: str, title: str,
                  points: int) -> str | None:
    """sha256 of everything a run's chart is drawn from (:func:`analyzer.report.charts.run_chart`), or
    ``None`` when the run's file has no digest (it was not read through the cache).

    The run's file (its digest: records and pauses) and name, the cramps logged on it (all their
    columns), the air along it and its source, the chart's title and its number of points."""
    from analyzer.metrics.runs import _hash_frame

    content = act.__dict__.get("content_key")
    if not isinstance(content, str):
        return None
    h = hashlib.sha256(repr((content, act.source, air_source, title, points)).encode())
    _hash_frame(h, cramps[cramps["activity"] == act.source] if len(cramps) else cramps)
    h.update(b"air" if air is not None else b"no air")
    if air is not None:
        _hash_frame(h, air)
    return h.hexdigest()


def _run_spec(analysis: Analysis, act, title: str, points: int, kept) -> dict:
    """One cramp run's chart spec, kept across reports in ``kept`` (:class:`analyzer.report_cache.RunChartCache`)."""
    air, frame = _air_frame(analysis, act)
    source = air.source if air.known else ""
    key = run_chart_key(act, analysis.cramps, frame, source, title, points) if kept is not None else None
    spec = kept.get(key) if key is not None else None
    if spec is None:
        spec = charts.run_chart(act, analysis.cramps, frame, source, title, max_points=points)
        if key is not None:
            kept[key] = spec
    return spec


def _live_charts(analysis: Analysis, kept=None) -> tuple[list[dict], list[dict]]:
    """Run charts (each run with a cramp during it, once) and season charts, as Vega-Lite specs;
    the run charts kept across reports in ``kept`` when given."""
    run_specs = []
    tz = analysis.athlete.timezone
    names = _cramp_runs(analysis)
    points = max(MIN_RUN_POINTS, min(charts.MAX_POINTS, RUN_POINTS_PER_PAGE // max(len(names), 1)))
    for i, name in enumerate(names):
        act = analysis.athlete.activity(name)
        entry = {"id": f"run-{i}", "title": f"run {name} with its cramps"}
        try:
            if act is None:
                raise _NotRead(f"the file {name} could not be read")
            start = act.start_time.tz_convert(tz) if act.start_time is not None and pd.notna(act.start_time) else None
            km = number(act.distance_m / 1000, 1, "km")  # "" when the run's distance is not known
            title = " · ".join([f"{start:%a %d %b %Y %H:%M}", name] + ([km] if km else [])) if start is not None else name
            entry["spec"] = _run_spec(analysis, act, title, points, kept)
        except Exception as exc:  # one chart never stops the page
            entry["note"] = _not_drawn(f"The chart of {name}", exc)
        run_specs.append(entry)
    season = []
    for key, title, build in (("weekly", "weekly distance with the week's cramps", charts.weekly_chart),
                              ("scatter", "each run: distance vs heat", charts.cramp_runs_chart),
                              ("timeline", "cramps over the season", charts.timeline_chart)):
        entry = {"id": f"season-{key}", "title": title}
        try:
            entry["spec"] = build(analysis)
        except Exception as exc:
            entry["note"] = _not_drawn(f"The chart of {title}", exc)
        season.append(entry)
    return run_specs, season


class _NotRead(LookupError):
    """A cramp run whose file could not be read: said in the analyzer's own words."""


def _not_drawn(what: str, exc: Exception) -> str:
    """The note of a chart or figure that could not be drawn: in words, the exception in the log."""
    if isinstance(exc, _NotRead):
        return f"{what} could not be drawn ({exc})."
    if isinstance(exc, InputError):  # e.g. a kept run's file changed while the report was written
        return f"{what} could not be drawn ({exc.reason})."
    log.error("%s could not be drawn", what, exc_info=exc)
    return f"{what} could not be drawn (a fault in the analyzer, details in the log)."


@detached_figures()
def _static_figures(analysis: Analysis, encode) -> tuple[list[dict], list[dict]]:
    """The same figures drawn with matplotlib (for print, or when the chart script is unavailable)."""
    from analyzer.plots.run import plot_run
    from analyzer.plots.season import plot_cramp_runs_vs_others, plot_cramp_timeline, plot_weekly_distance

    runs = []
    for name in _cramp_runs(analysis):
        act = analysis.athlete.activity(name)
        entry = {"title": f"run {name} with its cramps"}
        try:
            if act is None:
                raise _NotRead(f"the file {name} could not be read")
            air, frame = _air_frame(analysis, act)
            entry["data"] = encode(plot_run(act, analysis.cramps, weather=frame, timezone=analysis.athlete.timezone,
                                            air_source=air.source if air.known else "weather"))
        except Exception as exc:
            entry["note"] = _not_drawn(f"The figure of {name}", exc)
        runs.append(entry)
    season = []
    for title, build in (("weekly distance with the week's cramps", plot_weekly_distance),
                         ("each run: distance vs heat", plot_cramp_runs_vs_others),
                         ("cramps over the season", plot_cramp_timeline)):
        entry = {"title": title}
        try:
            entry["data"] = encode(build(analysis))
        except Exception as exc:
            entry["note"] = _not_drawn(f"The figure of {title}", exc)
        season.append(entry)
    return runs, season


def used_terms(html: str, meanings: dict[str, str]) -> dict[str, str]:
    """The glossary's terms (``meanings``) that the page (before its glossary) uses, with their meanings."""
    head = html.split('<h3 id="glossary">', 1)[0]
    head = head.split("<body>", 1)[-1]
    return {term: meaning for term, meaning in meanings.items() if str(escape(term)) in head}


def _render_with_glossary(name: str, context: dict) -> str:
    """The page rendered once, its glossary listing only the words the page uses (:func:`used_terms`).

    The template is rendered as a stream: when the glossary's heading comes, the page above it
    is complete, so the glossary it then lists is narrowed to the words that page uses."""
    glossary = dict(context["glossary"])
    parts: list[str] = []
    narrowed = False
    for chunk in _template(name).generate(**{**context, "glossary": glossary}):
        if not narrowed and '<h3 id="glossary">' in chunk:  # the loop over the glossary has not begun yet
            used = used_terms("".join(parts) + chunk, context["meanings"])
            glossary.clear()
            glossary.update(used)
            narrowed = True
        parts.append(chunk)
    return "".join(parts)


def write_athlete_report(
    analysis: Analysis, folder: Path, formats: tuple[str, ...] = ("html",),
    since: str | None = None, until: str | None = None, bundle: str | None = None, previous: dict | None = None,
    charts_cache=None,
) -> AthleteReport:
    """Write ``folder/report.html`` (and ``report.pdf``) for one athlete; return its team rows.

    Parameters
    ----------
    previous : dict, optional
        What the last report in the same report folder showed for this athlete
        (:func:`previous_for`): what is not in it is marked new.
    bundle : str, optional
        The chart script (:func:`analyzer.report.assets.vega_bundle`); without it the page shows
        static figures instead of interactive charts.
    charts_cache : optional
        The cramp runs' charts kept across reports (:class:`analyzer.report_cache.RunChartCache`),
        looked up by :func:`run_chart_key`.
    """
    ath = analysis.athlete
    cramps = analysis.cramps.copy()
    flags = analysis.flags.copy()
    runs = analysis.runs
    summary = {
        "athlete": ath.id, "name": ath.name, "runs": int(len(runs)),
        "distance_km": round(float(runs["distance_km"].sum()) if len(runs) else 0.0, 2),
        "cramps": int(len(ath.cramps)), "patterns": ";".join(analysis.patterns), "flags": int(len(flags)),
        "problems": int(len(analysis.problems)), "report": f"{folder.name}/report.html",
        "first_run_utc": runs["start_utc"].min().isoformat() if len(runs) else "",
        "last_run_utc": runs["start_utc"].max().isoformat() if len(runs) else "",
    }
    seen = seen_keys(analysis)
    summary["seen"] = seen
    summary["since_text"], summary["since_counts"] = since_text(previous, seen)
    page = athlete_page(analysis, previous, seen, summary["since_text"])
    summary["credits"] = [c["text"] for c in page.credits]  # for the team page (not a summary.csv column)
    summary["clinician"] = list(page.clinician_reasons)  # the team page's mark (not a summary.csv column)
    generated = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    zone_note = ath.profile.get("timezone_note") if ath.profile.get("timezone_source") in ("watch", "guessed") else ""
    common = dict(css=_css(), name=ath.name, athlete_id=ath.id, timezone=ath.timezone_label, zone_note=zone_note,
                  since=since, until=until,
                  generated=generated, summary=summary, page=page, problems=analysis.problems,
                  medications=", ".join(ath.profile.get("medications", [])), pattern_names=PATTERN_NAMES,
                  meanings=(meanings := glossary_for(analysis.thresholds)), glossary=meanings)
    written = []
    if "pdf" in formats:
        pdf, note = _pdf(analysis, common)
        if pdf is not None:
            atomic_write_bytes(folder / "report.pdf", pdf)
            written.append("report.pdf")
        else:
            analysis.problems.append(Problem(str(folder / "report.pdf"), "", note, ath.id))
    if "html" in formats:
        if bundle is not None:
            run_charts, season_charts = _live_charts(analysis, charts_cache)
        else:
            run_static, season_static = _static_figures(analysis, _png)
            run_charts = [{"title": f["title"], "png": f.get("data"), "note": f.get("note")} for f in run_static]
            season_charts = [{"title": f["title"], "png": f.get("data"), "note": f.get("note")} for f in season_static]
        parts = dict(run_charts=run_charts, season_charts=season_charts, bundle=bundle,
                     pdf_href="report.pdf" if "report.pdf" in written else None,
                     suggestions=analysis.suggested_cramps.fillna("").to_dict("records"))
        atomic_write_text(folder / "report.html", _render_with_glossary("athlete.html.j2", {**common, **parts}))
        written.append("report.html")
    out_cramps = cramps.copy()
    if len(out_cramps):
        # the local time (with its UTC offset) is the first column after the contract's twelve
        out_cramps["time_local"] = _iso_local(out_cramps["time_utc"], ath.timezone)  # in its place already
        out_cramps["time_utc"] = _iso_z(out_cramps["time_utc"])
    suggestions = analysis.suggested_cramps
    atomic_write_text(folder / "suggested_cramps.csv", csv_text(suggestions, SUGGESTION_COLUMNS))
    written.append("suggested_cramps.csv")
    atomic_write_text(folder / "runs.csv", csv_text(runs_csv_frame(runs), list(runs.columns)))
    written.append("runs.csv")
    return AthleteReport(ath.id, summary, out_cramps, flags, errors_frame(analysis.problems), written,
                         suggestions.assign(athlete=ath.id)[["athlete", *SUGGESTION_COLUMNS]])


_WEASYPRINT_MISSING = ("WeasyPrint is not usable here (it, or the system libraries it needs, are not installed; "
                       "details in the log)")


def _pdf(analysis: Analysis, common: dict) -> tuple[bytes | None, str]:
    """The printed report (WeasyPrint, A4, the same content), or ``None`` and why not."""
    try:
        from weasyprint import HTML
    except Exception as exc:  # the library or its system fonts/pango are missing
        log.info("WeasyPrint cannot be imported: %r", exc)
        return None, f"no PDF: {_WEASYPRINT_MISSING}"
    runs, season = _static_figures(analysis, _print_png)
    figures = [{"alt": f["title"], "data": f["data"], "mime": "image/png"} for f in runs + season if f.get("data")]
    name = str(common["name"]).replace("\\", "").replace('"', "'").replace("\n", " ")
    html = _template("print.html.j2").render(**common, figures=figures, css_name=name)
    try:
        return HTML(string=html).write_pdf(), ""
    except Exception as exc:
        log.error("the PDF could not be laid out", exc_info=exc)
        return None, "no PDF: WeasyPrint failed on this page (details in the log)"


def runs_csv_frame(runs: pd.DataFrame) -> pd.DataFrame:
    """``Analysis.runs`` as ``runs.csv`` has it: times in ISO 8601 (``Z``; local with its offset),
    each number rounded to what its unit means (:func:`analyzer.formatting.csv_digits`)."""
    from analyzer.formatting import csv_digits

    out = runs.copy()
    if len(out):
        out["start_local"] = _iso_local(out["start_utc"], str(out["start_local"].dt.tz))
        out["start_utc"] = _iso_z(out["start_utc"])
    for col in out.columns:
        if pd.api.types.is_float_dtype(out[col]):
            out[col] = out[col].round(csv_digits(str(col)))
    return out


def _round_for_csv(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    for col, digits in CSV_DIGITS.items():
        if col in out and pd.api.types.is_numeric_dtype(out[col]) and not pd.api.types.is_bool_dtype(out[col]):
            values = out[col].astype(float).round(digits)
            out[col] = values.astype("Int64") if digits == 0 and values.dropna().eq(values.dropna().round()).all() \
                else values
    return out


SEASON_SPAN = pd.Timedelta(days=365)
"""The team page's small timelines cover at most the last year of runs (or the report period)."""


def _spark(cramps: pd.DataFrame, times: pd.Series, start: pd.Timestamp | None,
           end: pd.Timestamp | None) -> list[dict]:
    """Dots along the team's season for one athlete's cramps (x in the 200-unit-wide timeline).

    ``times`` are the cramps' UTC times (NaT where only a date was logged: drawn at its noon).
    Cramps outside the season are not drawn."""
    if start is None or not len(cramps):
        return []
    span = max((end - start).total_seconds(), 86400.0)
    dots = []
    for c, t in zip(cramps.to_dict("records"), times, strict=True):
        if pd.isna(t) and isinstance(c.get("date_local"), str) and c["date_local"]:
            t = pd.Timestamp(str(c["date_local"]), tz="UTC") + pd.Timedelta(hours=12)
        if pd.isna(t) or t < start - pd.Timedelta(days=1) or t > end + pd.Timedelta(days=1):
            continue
        x = 4.0 + min(max((t - start).total_seconds() / span, 0.0), 1.0) * 192.0
        color = {"during_run": "#c0392b", "after_run": "#c0392b", "at_rest": "#2c3e50"}.get(c.get("context"), "#aab7b8")
        dots.append({"x": round(x, 2), "r": 3.2, "color": color,
                     "title": f"{t:%d %b %Y} · {str(c.get('context', '')).replace('_', ' ')}"})
    return dots


def _team_runs_csv(out: Path, reports: list[AthleteReport]) -> str:
    """Every athlete's ``runs.csv`` in one file: each athlete's rows as written (already rounded
    and formula-safe), in team order, under the one header they share."""
    from analyzer.metrics.runs import RUN_COLUMNS

    header = ",".join(["athlete", "activity", "start_utc", "start_local", *RUN_COLUMNS[2:]])
    parts = [header + "\n"]
    for r in reports:
        if "runs.csv" not in r.written:
            continue
        try:
            text = (out / Path(str(r.summary.get("report", ""))).parent / "runs.csv").read_text(encoding="utf-8")
        except OSError:
            continue  # the athlete's own page and files still stand
        first, _, body = text.partition("\n")
        if first == header and body:
            parts.append(body if body.endswith("\n") else body + "\n")
    return "".join(parts)


def write_team_files(
    out: Path, reports: list[AthleteReport], failed: list[Problem], since: str | None = None, until: str | None = None,
    notices: list[str] | None = None, formats: tuple[str, ...] = ("html",), last: dict | None | object = ...,
) -> None:
    """``index.html``, ``summary.csv``, ``cramps.csv``, ``flags.csv``, ``errors.csv``, ``suggested_cramps.csv``,
    ``runs.csv`` (headers even when empty), and with ``pdf`` in ``formats`` the one-page printed team
    summary ``team.pdf``; ``last`` is what the folder's :data:`LAST_REPORT` held when the report began
    (:func:`read_last_report`; read here when not given), updated with what this report shows."""
    summary, cramps, errors = _write_team_csvs(out, reports, failed)
    # every cramp's time parsed once (one format, ISO 8601, for the whole column)
    times = pd.to_datetime(cramps["time_utc"], utc=True, errors="coerce", format="ISO8601") if len(cramps) \
        else pd.Series(dtype=object)
    start, end, period, season = _team_season(reports, times, since, until)
    last_day = pd.Timestamp(until, tz="UTC") + pd.Timedelta(days=1) if until else end
    athletes = _team_athletes(reports, cramps, errors, times, (start, end), last_day)
    window = (f"{last_day - pd.Timedelta(days=ATTENTION_WINDOW_DAYS):%d %b} to "
              f"{last_day - pd.Timedelta(seconds=1):%d %b %Y}") if last_day is not None else ""
    totals = {"cramps": int(summary["cramps"].sum()) if len(summary) else 0,
              "flags": int(summary["flags"].sum()) if len(summary) else 0,
              "runs": int(summary["runs"].sum()) if len(summary) else 0,
              "with_patterns": sum(1 for a in athletes if a["pattern_list"])}
    from analyzer.weather.open_meteo import ATTRIBUTION_URL

    team = dict(
        css=_css(), athletes=athletes, since=since, until=until, totals=totals, period=period, season=season,
        pattern_names=PATTERN_NAMES, pattern_meaning=PATTERN_MEANING, notices=notices or [],
        window=window, window_days=ATTENTION_WINDOW_DAYS, stronger=[PATTERN_NAMES[p] for p in STRONGER_EVIDENCE],
        since_date=next((str(r.summary["since_counts"]["date"]) for r in reports if r.summary.get("since_counts")), ""),
        credits=list(dict.fromkeys(t for r in reports for t in r.summary.get("credits") or [])),
        credit_url=ATTRIBUTION_URL,
        failed=[{"athlete": p.athlete or p.file, "message": p.message} for p in failed],
        generated=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
    )
    atomic_write_text(out / "index.html", _template("index.html.j2").render(**team))
    if "pdf" in formats:
        note = _team_pdf(out, team)
        if note and notices is not None:
            notices.append(note)
    _write_last_report(out, reports, read_last_report(out) if last is ... else last)


_TEAM_ROWS = {"cramps.csv": ("cramps", CRAMP_COLUMNS, True), "flags.csv": ("flags", FLAG_COLUMNS, True),
              "suggested_cramps.csv": ("suggestions", ["athlete", *SUGGESTION_COLUMNS], False)}
"""The team CSV files made of every athlete's rows: the frame, its columns, whether it is rounded."""


def _team_rows(name: str, frame: pd.DataFrame, rounded: bool) -> pd.DataFrame:
    """Rows of ``name`` as the team's CSV file writes them (``cramp_row`` a whole number, rounded)."""
    if name == "flags" and len(frame):
        frame = frame.copy()
        frame["cramp_row"] = frame["cramp_row"].astype("Int64")
    return _round_for_csv(frame) if rounded else frame


def team_csv_parts(report: AthleteReport) -> dict[str, tuple[tuple, str, str] | None]:
    """One athlete's share of the team's cramps, flags and suggested cramps files, made ahead (while the
    other athletes are still worked on): per file the columns and types its rows are written with, the
    header and the rows' lines (``None``: no rows).

    :func:`write_team_files` joins the shares of all athletes when every share was written with the same
    columns and types: the CSV of the rows together is then the same, byte for byte, as the shares'
    lines one after the other (each cell is written on its own; whole numbers are whole in every share
    exactly when they are in all). Otherwise, and for dates (written by the whole column), it writes
    the rows together."""
    parts: dict[str, tuple[tuple, str, str] | None] = {}
    for file, (name, columns, rounded) in _TEAM_ROWS.items():
        frame = getattr(report, name)
        if not len(frame):
            parts[file] = None
            continue
        rows = _team_rows(name, frame, rounded)
        kinds = tuple((str(c), _csv_kind(rows[c])) for c in rows.columns)
        if any(pd.api.types.is_datetime64_any_dtype(t) or pd.api.types.is_timedelta64_dtype(t) for t in rows.dtypes):
            kinds = ("written by the whole column",)
        header, _, body = csv_text(rows, columns).partition("\n")
        parts[file] = (kinds, header, body)
    return parts


def _csv_kind(column: pd.Series) -> str:
    """How a column's cells are written to CSV: ``"text"`` for text, missing cells empty, whether the
    column holds text (``str``, ``string``) or only text and missing values (``object``, e.g. read back
    from Parquet); else its type."""
    if column.dtype == object:
        return "text" if all(isinstance(v, str) for v in column.dropna()) else "object"
    return "text" if pd.api.types.is_string_dtype(column.dtype) else str(column.dtype)


def _joined_rows(file: str, reports: list[AthleteReport]) -> str | None:
    """``file`` from the athletes' shares made ahead (:func:`team_csv_parts`), or ``None`` when they
    cannot be joined (a share not made, none with rows, or written with other columns or types)."""
    shares = []
    for r in reports:
        if r.team_csv is None or file not in r.team_csv:
            return None
        if r.team_csv[file] is not None:
            shares.append(r.team_csv[file])
    if not shares or len({kinds for kinds, _, _ in shares}) != 1 or shares[0][0] == ("written by the whole column",) \
            or len({header for _, header, _ in shares}) != 1:
        return None
    return shares[0][1] + "\n" + "".join(body for _, _, body in shares)


@functools.cache
def _header_only(frame_columns: tuple[str, ...], columns: tuple[str, ...]) -> str:
    """The CSV of a frame with these columns and no rows, ``columns`` first."""
    return csv_text(pd.DataFrame(columns=list(frame_columns)), list(columns))


def _write_team_csvs(out: Path, reports: list[AthleteReport],
                     failed: list[Problem]) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """The team's CSV files written from every athlete's rows; the summary, cramps and errors frames back."""
    summary = pd.DataFrame([r.summary for r in reports], columns=SUMMARY_COLUMNS)
    frames = [r.cramps for r in reports if len(r.cramps)]
    cramps = pd.concat(frames, ignore_index=True) if frames else \
        pd.DataFrame(columns=[*CRAMP_COLUMNS, "time_local", *EXTRA_COLUMNS])
    frames = [r.errors for r in reports if len(r.errors)] + [errors_frame(failed)]
    errors = pd.concat([f for f in frames if len(f)], ignore_index=True) if any(len(f) for f in frames) \
        else pd.DataFrame(columns=ERROR_COLUMNS)
    atomic_write_text(out / "summary.csv", csv_text(_round_for_csv(summary), SUMMARY_COLUMNS))
    for file, (name, columns, rounded) in _TEAM_ROWS.items():
        text = _joined_rows(file, reports)
        frames = [getattr(r, name) for r in reports if len(getattr(r, name))] if text is None else []
        if text is None and not frames:  # no athlete has such rows: the header
            text = _header_only(tuple(cramps.columns) if name == "cramps" else tuple(columns), tuple(columns))
        elif text is None:  # the rows together
            rows = cramps if name == "cramps" else pd.concat(frames, ignore_index=True)
            text = csv_text(_team_rows(name, rows, rounded), columns)
        atomic_write_text(out / file, text)
    atomic_write_text(out / "errors.csv", csv_text(errors, ERROR_COLUMNS))
    atomic_write_text(out / "runs.csv", _team_runs_csv(out, reports))
    return summary, cramps, errors


def _team_season(reports: list[AthleteReport], times: pd.Series, since: str | None,
                 until: str | None) -> tuple[pd.Timestamp | None, pd.Timestamp | None, tuple[str, str], tuple[str, str]]:
    """The season the team page spans (start, end, the period of the data and the season shown, in words)."""
    starts = [pd.Timestamp(r.summary["first_run_utc"]) for r in reports if r.summary.get("first_run_utc")]
    ends = [pd.Timestamp(r.summary["last_run_utc"]) for r in reports if r.summary.get("last_run_utc")]
    if not starts and len(times) and times.notna().any():  # anchored on runs; cramps only when no one has a run
        starts.append(times.min())
        ends.append(times.max())
    start, end = (min(starts), max(ends)) if starts and ends else (None, None)
    period = (f"{start:%d %b %Y}", f"{end:%d %b %Y}") if start is not None else ("", "")
    if since or until:  # the report period, when one is asked for
        start = pd.Timestamp(since, tz="UTC") if since else start
        end = pd.Timestamp(until, tz="UTC") + pd.Timedelta(days=1) if until else end
    elif start is not None and end - start > SEASON_SPAN:
        start = end - SEASON_SPAN
    season = (f"{start:%d %b %Y}", f"{end:%d %b %Y}") if start is not None else ("", "")
    return start, end, period, season


def _team_athletes(reports: list[AthleteReport], cramps: pd.DataFrame, errors: pd.DataFrame, times: pd.Series,
                   season: tuple[pd.Timestamp | None, pd.Timestamp | None], last_day: pd.Timestamp | None) -> list[dict]:
    """The team page's athlete rows, most needing attention first (recent cramps, worst severity, patterns)."""
    start, end = season
    # attention: cramps in the window before the report's last day, their worst severity, then patterns
    window_start = last_day - pd.Timedelta(days=ATTENTION_WINDOW_DAYS) if last_day is not None else None
    when = times.copy() if len(cramps) else times
    if len(cramps) and "date_local" in cramps:  # a cramp logged with a date only counts at its noon
        dated = pd.to_datetime(cramps["date_local"], errors="coerce", format="ISO8601", utc=True) + pd.Timedelta(hours=12)
        when = when.fillna(dated) if len(when) else when
    severity = pd.to_numeric(cramps["severity"], errors="coerce") if len(cramps) and "severity" in cramps \
        else pd.Series(dtype=float)
    row_of = {}  # errors.csv data rows (1-based) per athlete
    for i, a in enumerate(errors["athlete"].tolist() if len(errors) else [], start=1):
        row_of.setdefault(str(a), []).append(i)
    athletes = []
    for r in reports:
        mine = cramps["athlete"] == r.athlete if len(cramps) else None
        pattern_list = [p for p in str(r.summary["patterns"]).split(";") if p]
        recent = mine & (when > window_start) & (when <= last_day) if mine is not None and window_start is not None \
            else None
        n_recent = int(recent.sum()) if recent is not None else 0
        worst_recent = severity[recent].max() if n_recent else float("nan")
        worst = severity[mine].max() if mine is not None and mine.any() else float("nan")
        problems_list = [{"where": Path(str(e["file"])).name + (f" ({e['location']})" if e["location"] else ""),
                          "message": e["message"], "row": n}
                         for e, n in zip(r.errors.to_dict("records"), row_of.get(r.athlete, []), strict=False)]
        counts = r.summary.get("since_counts") or {}
        athletes.append({**r.summary, "href": r.summary["report"], "pattern_list": pattern_list,
                         "spark": _spark(cramps[mine], times[mine], start, end) if mine is not None else [],
                         "recent": n_recent, "worst_recent": 0 if pd.isna(worst_recent) else int(worst_recent),
                         "worst": 0 if pd.isna(worst) else int(worst),
                         "stronger": sum(1 for p in pattern_list if p in STRONGER_EVIDENCE),
                         "clinician": list(r.summary.get("clinician") or []),
                         "problem_list": problems_list,
                         "since_text": r.summary.get("since_text", "") if any(counts.get(k) for k in
                                                                              ("cramps", "runs", "patterns")) else "",
                         "new_patterns": list(counts.get("patterns", [])),
                         "new_cramps": int(counts.get("cramps", 0))})
    athletes.sort(key=lambda a: (-a["recent"], -a["worst_recent"], -bool(a["clinician"]), -a["stronger"],
                                 -len(a["pattern_list"]),
                                 -a["worst"], -int(a["cramps"]), str(a["name"]).lower()))
    return athletes


def _team_pdf(out: Path, team: dict) -> str:
    """``team.pdf``: the team page on one landscape A4 sheet (WeasyPrint); "" or why it was not written."""
    try:
        from weasyprint import HTML
    except Exception as exc:
        log.info("WeasyPrint cannot be imported: %r", exc)
        return f"no team.pdf: {_WEASYPRINT_MISSING}"
    try:
        pdf = HTML(string=_template("index.html.j2").render(**team, printed=True), base_url=str(out)).write_pdf()
    except Exception as exc:
        log.error("team.pdf could not be laid out", exc_info=exc)
        return "no team.pdf: WeasyPrint failed on the team page (details in the log)"
    atomic_write_bytes(out / "team.pdf", pdf)
    return ""


def _write_last_report(out: Path, reports: list[AthleteReport], last: dict | None) -> None:
    """Remember what this report showed (:data:`LAST_REPORT`); athletes not in this report (or not
    analysed this time) keep their entry of ``last`` (what the folder held, :func:`read_last_report`)."""
    state = last or {"athletes": {}}
    athletes = dict(state["athletes"])
    for r in reports:
        if isinstance(r.summary.get("seen"), dict):
            athletes[r.athlete] = r.summary["seen"]
    text = json.dumps({"format": 1, "generated": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
                       "athletes": athletes}, sort_keys=True, ensure_ascii=False)
    atomic_write_text(out / LAST_REPORT, text)


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

