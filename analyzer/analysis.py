"""``analyze``: metrics per run, cramps matched, flags raised, the season compared.

Orchestration only: the numbers come from :mod:`analyzer.metrics`, the decisions from
:mod:`analyzer.flags.rules`.
"""

from __future__ import annotations

import dataclasses
import html
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analyzer.cramps import match_cramps
from analyzer.flags import rules
from analyzer.flags.thresholds import check_overrides, resolve_thresholds
from analyzer.metrics.runs import run_table
from analyzer.metrics.stats import fisher_exact_p
from analyzer.model import Athlete, Problem
from analyzer.suggestions import SUGGESTION_COLUMNS, suggest_cramps

FLAG_COLUMNS = ["athlete", "scope", "cramp_row", "activity", "pattern", "rule", "value", "threshold", "unit",
                "message", "source", "air_temperature_source"]

# cramp-scope copies of run rules: only these explain a cramp (mass_gain is information only)
_CRAMP_RULES = {"long_run_spike", "faster_than_usual", "heat_index", "wbgt", "body_mass_loss", "hr_drift"}

SEASON_VARIABLES = [
    # (runs column, threshold name, label)
    ("distance_ratio", "long_run_spike_ratio", "distance ÷ longest run in the prior 30 days"),
    ("pace_ratio", "pace_faster_ratio", "speed ÷ usual speed for the distance"),
    ("heat_index_max_c", "heat_index_caution_c", "heat index, °C"),
    ("body_mass_loss_pct", "body_mass_loss_pct", "body mass lost, %"),
    ("decoupling_pct", "decoupling_pct", "heart-rate drift, %"),
]


@dataclass
class Analysis:
    """What :func:`analyze` found for one athlete.

    Attributes
    ----------
    athlete : Athlete
    runs : DataFrame
        One row per run: ``athlete``, then :data:`analyzer.metrics.runs.RUN_COLUMNS` with
        ``start_local`` (tz-aware, the athlete's zone) after ``start_utc``; the report's ``runs.csv``.
    cramps : DataFrame
        The report's ``cramps.csv`` columns, ``patterns`` filled, ``time_local`` (tz-aware, the
        athlete's zone; NaT when only a date was logged), plus ``fraction_of_run`` and
        ``late_in_run`` (context, never a flag on its own).
    flags : DataFrame
        The report's ``flags.csv`` columns; ``cramp_row`` is a nullable integer (``<NA>`` for run
        and athlete flags).
    season : DataFrame
        Runs with cramps vs runs without, per variable, with counts and a Fisher exact test.
    thresholds : dict
        The thresholds used (defaults, then athlete.toml, then the call's).
    problems : list of Problem
        The athlete's input problems plus any unusable threshold override.
    suggested_cramps : DataFrame
        Cramps that activity titles or descriptions mention (:mod:`analyzer.suggestions`), in
        the columns of ``cramps.csv``: proposals to copy into the log, never counted.
    """

    athlete: Athlete
    runs: pd.DataFrame
    cramps: pd.DataFrame
    flags: pd.DataFrame
    season: pd.DataFrame
    thresholds: dict[str, float]
    problems: list[Problem] = field(default_factory=list)
    suggested_cramps: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SUGGESTION_COLUMNS))

    @property
    def patterns(self) -> list[str]:
        """Distinct patterns flagged for this athlete, in the order of docs/folders.md."""
        order = ["over_exertion", "dehydration_heat", "one_leg", "night", "medication"]
        found = set(self.flags["pattern"]) if len(self.flags) else set()
        return [p for p in order if p in found]

    def __repr__(self) -> str:
        return (f"Analysis({self.athlete.id!r}, runs={len(self.runs)}, cramps={len(self.cramps)}, "
                f"flags={len(self.flags)}, patterns={self.patterns}, problems={len(self.problems)})")

    def _repr_html_(self) -> str:
        """Each rule once (how many flags, of which scopes, one short message), the cramps in
        local time, and the problems: what a notebook shows for ``analysis``."""
        from analyzer.model import REPR_ROWS, left_aligned, local_time_text, problems_html, short_text

        tz = self.athlete.timezone
        parts = [f"<div><p><b>{html.escape(repr(self))}</b></p>"]
        if len(self.flags):
            rules_seen = self.flags.groupby(["pattern", "rule"], sort=False)
            rows = "".join(
                f"<tr><td>{html.escape(str(pattern))}</td><td>{html.escape(str(rule))}</td><td>{len(group)}</td>"
                f"<td>{html.escape(', '.join(dict.fromkeys(group['scope'].astype(str))))}</td>"
                f"<td>{html.escape(short_text(group['message'].iloc[0]))}</td></tr>"
                for (pattern, rule), group in rules_seen)
            parts.append(f"<p>{len(self.flags)} flags by {rules_seen.ngroups} rules (each rule once, with its first "
                         "message; every flag is in <code>.flags</code>):</p><table>"
                         "<tr><th>pattern</th><th>rule</th><th>flags</th><th>scope</th><th>message</th></tr>"
                         f"{rows}</table>")
        else:
            parts.append("<p>No flags.</p>")
        if len(self.cramps):
            shown = self.cramps.head(REPR_ROWS)
            rows = "".join(
                f"<tr><td>{c['cramp_row']}</td><td>{html.escape(local_time_text(c['time_utc'], tz))}</td>"
                f"<td>{html.escape(str(c['context']).replace('_', ' '))}</td>"
                f"<td>{html.escape(c['activity'] if isinstance(c['activity'], str) else '')}</td>"
                f"<td>{html.escape(str(c['patterns'] or ''))}</td></tr>"
                for c in shown.to_dict("records"))
            parts.append(f"<p>{len(shown)} of {len(self.cramps)} cramps shown; times in {html.escape(tz)}.</p>"
                         "<table><tr><th>row</th><th>time (local)</th><th>context</th>"
                         f"<th>run</th><th>patterns</th></tr>{rows}</table>")
        parts.append(problems_html(self.problems))
        return left_aligned("".join(parts) + "</div>")


def _athlete(value: object, weather: str) -> Athlete:
    """The Athlete to analyse: given, or read from an athlete folder's path."""
    if isinstance(value, Athlete):
        return value
    if isinstance(value, str | os.PathLike):
        from analyzer.io.athlete import find_athletes, is_athlete_folder, load_athlete

        path = Path(value)
        if path.is_dir() and not is_athlete_folder(path) and find_athletes(path, []):
            raise TypeError(f"{path} is a team folder; analyze() takes one athlete: "
                            f"[analyzer.analyze(a) for a in analyzer.load_team({str(path)!r})]")
        return load_athlete(path, weather=weather)
    if isinstance(value, Analysis):
        raise TypeError("analyze() takes an Athlete (analyzer.load_athlete(folder)) or its folder's path; "
                        "this is already an Analysis")
    raise TypeError(f"analyze() takes an Athlete (analyzer.load_athlete(folder)) or its folder's path, "
                    f"not {type(value).__name__}")


def analyze(athlete: Athlete | str | os.PathLike, thresholds: Mapping[str, object] | None = None, weather: str = "auto",
            rows_cache=None) -> Analysis:
    """Line every cramp up against load, pace, heat and fluid; flag the article's patterns.

    Parameters
    ----------
    athlete : Athlete or path-like
        From :func:`analyzer.load_athlete`, or an athlete folder's path (read with it).
    thresholds : mapping, optional
        Overrides by name (see :data:`analyzer.flags.thresholds.THRESHOLDS`); they win over
        the athlete's ``[thresholds]``, which win over the defaults. An override that cannot be
        used raises :class:`~analyzer.ThresholdError` naming the setting and its range (a bad row
        in ``athlete.toml`` is a problem instead, and the default is kept).
    weather : {"auto", "cache", "off"}
        ``off`` leaves out the weather archive's data that :func:`analyzer.load_athlete` found
        (air temperature then comes from weather.csv and sensors only); ``auto`` and ``cache``
        use it (``analyze`` itself never goes to the network).
    rows_cache : optional
        Each run's own row kept from earlier reports (:class:`analyzer.report_cache.RunRowCache`,
        or any mapping); see :func:`analyzer.metrics.runs.run_table`.

    Returns
    -------
    Analysis

    Raises
    ------
    ThresholdError
        An override in ``thresholds`` that is unknown, not a number or out of its range.
    FolderNotFoundError
        A path given for ``athlete`` that does not exist.
    TypeError
        ``athlete`` is not an Athlete or an athlete folder's path (a team folder, an Analysis, …).
    """
    if weather not in ("auto", "cache", "off"):
        raise ValueError(f"weather must be auto, cache or off, not {weather!r}")
    athlete = _athlete(athlete, weather)
    check_overrides(thresholds)
    if weather == "off" and athlete.archive:
        athlete = dataclasses.replace(athlete, archive={}, archive_notes={
            name: "the weather archive is switched off" for name in athlete.archive})
    t, errors = resolve_thresholds(athlete.profile.get("thresholds"), thresholds)
    problems = list(athlete.problems) + [
        Problem(str(athlete.folder), "thresholds", e, athlete.id) for e in errors
    ]
    cramps = match_cramps(athlete, t["cramp_match_tolerance_min"], problems)
    runs = run_table(athlete, cramps, t, problems, rows_cache)
    flags: list[dict] = []

    def add(scope: str, found: list[dict], cramp_row=None, activity=None) -> None:
        for f in found:
            flags.append({"athlete": athlete.id, "scope": scope, "cramp_row": cramp_row, "activity": activity, **f})

    run_rows = {r["activity"]: r for _, r in runs.iterrows()}
    run_found = {}
    for name, run in run_rows.items():
        run_found[name] = rules.run_flags(run, t)
        add("run", run_found[name], activity=name)

    one_leg_flags, side = rules.one_leg(cramps.assign(episode=_episodes(cramps, athlete.timezone)), t)
    add("athlete", one_leg_flags)
    add("athlete", rules.medication(list(athlete.profile.get("medications", [])), t))

    patterns: list[str] = []
    fractions: list[float] = []
    for _, c in cramps.iterrows():
        before = len(flags)
        row = int(c["cramp_row"])
        act = c["activity"] if isinstance(c["activity"], str) else None
        run = run_rows.get(act) if act else None
        if run is not None and c["context"] in ("during_run", "after_run"):
            for f in run_found[act]:
                if f["rule"] in _CRAMP_RULES and not (f["rule"] == "heat_index" and c["context"] == "during_run"):
                    add("cramp", [f], row, act)
            if c["context"] == "during_run":
                found = rules.heat_index(c["heat_index_c"], "when this cramp came", t,
                                         bool(c.get("heat_index_beyond_chart", False)))
                for f in found:
                    f["air_temperature_source"] = c.get("air_temperature_source") or ""
                add("cramp", found, row, act)
        if side is not None and c["leg"] == side:
            add("cramp", [dict(one_leg_flags[0])], row, act)
        if pd.notna(c["time_utc"]) and not athlete.timezone_guessed:  # a guessed zone says nothing of night
            local = c["time_utc"].tz_convert(athlete.timezone)
            hours_since = _hours_since_last_run(runs, c["time_utc"])
            add("cramp", rules.night(c, local.hour + local.minute / 60, hours_since, t), row, act)
        mine = flags[before:]
        patterns.append(";".join(dict.fromkeys(str(f["pattern"]) for f in mine)))
        fractions.append(_fraction(c, run))
    cramps = cramps.copy()
    cramps["patterns"] = patterns if len(cramps) else pd.Series([], dtype=object)
    cramps["fraction_of_run"] = fractions if len(cramps) else pd.Series([], dtype=float)
    cramps["late_in_run"] = cramps["fraction_of_run"] > t["late_in_run_fraction"]
    flag_frame = pd.DataFrame(flags, columns=FLAG_COLUMNS) if flags else pd.DataFrame(columns=FLAG_COLUMNS)
    flag_frame["air_temperature_source"] = flag_frame["air_temperature_source"].astype(object).fillna("")
    flag_frame["cramp_row"] = pd.to_numeric(flag_frame["cramp_row"], errors="coerce").astype("Int64")
    suggested = suggest_cramps(athlete.activities, athlete.cramps, athlete.timezone)
    season = season_comparison(runs, t)
    runs, cramps = _tidy_times(runs, cramps, athlete)
    return Analysis(athlete, runs, cramps, flag_frame, season, t, problems, suggested)


def _tidy_times(runs: pd.DataFrame, cramps: pd.DataFrame, athlete: Athlete) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``runs`` with ``athlete`` first and ``start_local`` after ``start_utc``; ``cramps`` with
    ``time_local`` after the twelve ``cramps.csv`` columns, as the report's file has it. Local
    times are tz-aware, in the athlete's zone (NaT where the time is unknown)."""
    from analyzer.cramps import OUTPUT_COLUMNS

    tz = athlete.timezone
    runs = runs.copy()
    runs.insert(0, "athlete", pd.Series([athlete.id] * len(runs), index=runs.index, dtype=object))
    start = pd.to_datetime(runs["start_utc"], utc=True) if len(runs) else pd.Series([], dtype="datetime64[ns, UTC]")
    runs.insert(runs.columns.get_loc("start_utc") + 1, "start_local", start.dt.tz_convert(tz))
    cramps = cramps.copy()
    time = pd.to_datetime(cramps["time_utc"], utc=True) if len(cramps) else pd.Series([], dtype="datetime64[ns, UTC]")
    cramps.insert(len(OUTPUT_COLUMNS), "time_local", time.dt.tz_convert(tz))
    return runs, cramps


def _episodes(cramps: pd.DataFrame, tz: str) -> pd.Series:
    """The run (file name) a cramp belongs to, else its local date: cramps in one episode are not
    independent chances for the one-leg statistic."""
    if not len(cramps):
        return pd.Series([], dtype=object)
    day = pd.to_datetime(cramps["time_utc"], utc=True).dt.tz_convert(tz).dt.strftime("day %Y-%m-%d")
    if "date_local" in cramps:  # a day-level entry (date, no time)
        day = day.where(day.notna(), "day " + cramps["date_local"].astype(str))
    run = "run " + cramps["activity"].astype(str)
    return run.where(cramps["activity"].notna() & (cramps["activity"].astype(str) != ""), day)


def _hours_since_last_run(runs: pd.DataFrame, t: pd.Timestamp) -> float | None:
    if runs.empty:
        return None
    ends = runs["start_utc"] + pd.to_timedelta(runs["elapsed_s"], unit="s")
    before = ends[ends <= t]
    return float((t - before.max()).total_seconds() / 3600) if len(before) else None


def _fraction(cramp: pd.Series, run: pd.Series | None) -> float:
    if run is None or cramp["context"] != "during_run" or not run["distance_km"]:
        return np.nan
    return float(cramp["distance_km"] / run["distance_km"])


def _with_unit(value: float, threshold: str) -> str:
    """A threshold as a verdict says it: ``32.2 °C``, ``2 %``, ``1.1×`` (a ratio)."""
    from analyzer.flags.thresholds import THRESHOLDS

    unit = THRESHOLDS[threshold].unit
    number = f"{round(value, 2):g}" if unit == "ratio" else f"{round(value, 1):g}"
    return f"{number}×" if unit == "ratio" else f"{number} {unit}"


def season_digits(label: str) -> int:
    """Decimals a season threshold is shown with: 1 for °C and %, 2 for ratios (32.2 °C, 1.10)."""
    return 1 if ("°C" in label or "%" in label) else 2


def season_comparison(runs: pd.DataFrame, t: dict[str, float]) -> pd.DataFrame:
    """Runs with cramps vs runs without, for each variable of :data:`SEASON_VARIABLES`.

    Counts how many runs in each group were at or above the flag threshold and gives a
    two-sided Fisher exact p. With fewer than ``season_min_cramp_runs`` cramp runs that
    have the value, the verdict is "too few cramp runs to say".
    """
    out = []
    for column, name, label in SEASON_VARIABLES:
        known = runs[runs[column].notna()] if len(runs) else runs
        cr = known[known["had_cramp"].astype(bool)] if len(known) else known
        other = known[~known["had_cramp"].astype(bool)] if len(known) else known
        thr = t[name]
        a, c = int((cr[column] >= thr).sum()), int((other[column] >= thr).sum())
        b, d = len(cr) - a, len(other) - c
        row = {
            "variable": column, "label": label, "threshold": thr,
            "cramp_runs": len(cr), "cramp_runs_above": a, "other_runs": len(other), "other_runs_above": c,
            "median_cramp_runs": float(cr[column].median()) if len(cr) else np.nan,
            "median_other_runs": float(other[column].median()) if len(other) else np.nan,
            "fisher_p": np.nan,
        }
        if len(cr) < t["season_min_cramp_runs"]:
            row["verdict"] = f"too few cramp runs to say ({len(cr)} with this value; {t['season_min_cramp_runs']:.0f} needed)"
        else:
            row["fisher_p"] = fisher_exact_p(a, b, c, d)
            shown = _with_unit(thr, name)  # as the page rounds it: 32.2 °C, 1.1×
            row["verdict"] = f"{a} of {len(cr)} cramp runs vs {c} of {len(other)} other runs at or above {shown}"
            if a + c == 0 or b + d == 0:  # nothing differs between the groups: a p would tell nothing
                row["verdict"] += (" (no run reached it, so no comparison)" if a + c == 0
                                   else " (every run reached it, so no comparison)")
            else:
                row["verdict"] += (f" (Fisher exact p = {row['fisher_p']:.2g}; a small sample shows association "
                                   "at most)")
        out.append(row)
    return pd.DataFrame(out)
