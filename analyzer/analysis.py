"""``analyze``: metrics per run, cramps matched, flags raised, the season compared.

Orchestration only: the numbers come from :mod:`analyzer.metrics`, the decisions from
:mod:`analyzer.flags.rules` (placed at cramp scope by :mod:`analyzer.flags.placing`, the season
compared by :mod:`analyzer.flags.season`), the words from :mod:`analyzer.report.messages`.
"""

from __future__ import annotations

import dataclasses
import html
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analyzer.cramps import match_cramps
from analyzer.flags import placing, rules
from analyzer.flags.rules import PATTERN_ORDER, Flag
from analyzer.flags.season import SEASON_VARIABLES, season_comparison, season_digits  # noqa: F401 (re-exported)
from analyzer.flags.thresholds import check_overrides, resolve_thresholds
from analyzer.io.weather_words import unavailable_text
from analyzer.metrics.runs import run_table
from analyzer.model import Athlete, Problem
from analyzer.report.messages import message
from analyzer.suggestions import SUGGESTION_COLUMNS, suggest_cramps
from analyzer.weather.archive import Unavailable
from analyzer.weather.reasons import Reason

FLAG_COLUMNS = ["athlete", "scope", "cramp_row", "activity", "pattern", "rule", "value", "threshold", "unit",
                "message", "source", "air_temperature_source"]

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
    facts : tuple of Flag
        What each flag found (:class:`analyzer.flags.rules.Flag`): ``facts[i]`` is the fact
        behind ``flags.loc[i]``, with its evidence (side, p, beyond the chart, …).
    """

    athlete: Athlete
    runs: pd.DataFrame
    cramps: pd.DataFrame
    flags: pd.DataFrame
    season: pd.DataFrame
    thresholds: dict[str, float]
    problems: list[Problem] = field(default_factory=list)
    suggested_cramps: pd.DataFrame = field(default_factory=lambda: pd.DataFrame(columns=SUGGESTION_COLUMNS))
    facts: tuple[Flag, ...] = ()

    @property
    def patterns(self) -> list[str]:
        """Distinct patterns flagged for this athlete, in the order of docs/folders.md."""
        found = set(self.flags["pattern"]) if len(self.flags) else set()
        return [p for p in PATTERN_ORDER if p in found]

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


def analyze(athlete: Athlete | str | os.PathLike, *, thresholds: Mapping[str, object] | None = None, weather: str = "auto",
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
            name: unavailable_text(Unavailable(Reason.SWITCHED_OFF)) for name in athlete.archive})
    th, errors = resolve_thresholds(athlete.profile.get("thresholds"), thresholds)
    problems = list(athlete.problems) + [
        Problem(str(athlete.folder), "thresholds", e, athlete.id) for e in errors
    ]
    cramps = match_cramps(athlete, th["cramp_match_tolerance_min"], problems)
    runs = run_table(athlete, cramps, th, problems, rows_cache)
    placed: list[tuple[Flag, int | None, str | None]] = []  # (fact, cramp_row, activity)

    run_rows = {r["activity"]: r for _, r in runs.iterrows()}
    run_found = {name: rules.run_flags(run, th) for name, run in run_rows.items()}
    placed += [(f, None, name) for name, found in run_found.items() for f in found]
    one_leg_flags, side = rules.check_one_leg(cramps.assign(episode=placing.episodes(cramps, athlete.timezone)), th)
    placed += [(f, None, None) for f in one_leg_flags + rules.check_medication(list(athlete.profile.get("medications", [])), th)]

    patterns: list[str] = []
    fractions: list[float] = []
    for _, c in cramps.iterrows():
        act = c["activity"] if isinstance(c["activity"], str) else None
        run = run_rows.get(act) if act else None
        local_hour = hours_since = None
        if pd.notna(c["time_utc"]) and not athlete.timezone_guessed:  # a guessed zone says nothing of night
            local = c["time_utc"].tz_convert(athlete.timezone)
            local_hour = local.hour + local.minute / 60
            hours_since = placing.hours_since_last_run(runs, c["time_utc"])
        mine = placing.cramp_flags(c, run, run_found.get(act, []) if run is not None else [],
                                   one_leg_flags[0] if one_leg_flags else None, side, local_hour, hours_since, th)
        placed += [(f, int(c["cramp_row"]), act) for f in mine]
        patterns.append(";".join(dict.fromkeys(f.pattern for f in mine)))
        fractions.append(placing.fraction_of_run(c, run))
    cramps = cramps.copy()
    cramps["patterns"] = patterns if len(cramps) else pd.Series([], dtype=object)
    cramps["fraction_of_run"] = fractions if len(cramps) else pd.Series([], dtype=float)
    cramps["late_in_run"] = cramps["fraction_of_run"] > th["late_in_run_fraction"]
    suggested = suggest_cramps(athlete.activities, athlete.cramps, athlete.timezone)
    season = season_comparison(runs, th)
    runs, cramps = _tidy_times(runs, cramps, athlete)
    return Analysis(athlete, runs, cramps, flag_frame(athlete.id, placed), season, th, problems, suggested,
                    tuple(f for f, _, _ in placed))


def flag_frame(athlete_id: str, placed: list[tuple[Flag, int | None, str | None]]) -> pd.DataFrame:
    """The ``flags.csv`` rows of placed facts (fact, cramp row, activity), each with its message."""
    rows = [{"athlete": athlete_id, "scope": f.scope, "cramp_row": row, "activity": act, "pattern": f.pattern,
             "rule": f.rule, "value": round(float(f.value), 3), "threshold": f.threshold, "unit": f.unit, "message": message(f),
             "source": f.source, "air_temperature_source": f.air_temperature_source} for f, row, act in placed]
    frame = pd.DataFrame(rows, columns=FLAG_COLUMNS) if rows else pd.DataFrame(columns=FLAG_COLUMNS)
    frame["air_temperature_source"] = frame["air_temperature_source"].astype(object).fillna("")
    frame["cramp_row"] = pd.to_numeric(frame["cramp_row"], errors="coerce").astype("Int64")
    return frame


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
