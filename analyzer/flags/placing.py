"""Which flags explain which cramp: run flags copied to the cramps in (or just after) the run, the
cramp's own heat, one-leg and night.

The rules (:mod:`analyzer.flags.rules`) decide; this module only places their facts at cramp
scope, so that a cramp's patterns and the report's "why this cramp" come from one list.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from analyzer.flags import rules
from analyzer.flags.rules import Flag

CRAMP_RULES = frozenset({"long_run_spike", "faster_than_usual", "heat_index", "wbgt", "body_mass_loss", "hr_drift"})
"""Run rules whose flags explain a cramp in (or just after) that run; ``mass_gain`` is information only."""


def episodes(cramps: pd.DataFrame, tz: str) -> pd.Series:
    """The run (file name) a cramp belongs to, else its local date: cramps in one episode are not
    independent chances for the one-leg statistic."""
    if not len(cramps):
        return pd.Series([], dtype=object)
    day = pd.to_datetime(cramps["time_utc"], utc=True).dt.tz_convert(tz).dt.strftime("day %Y-%m-%d")
    if "date_local" in cramps:  # a day-level entry (date, no time)
        day = day.where(day.notna(), "day " + cramps["date_local"].astype(str))
    run = "run " + cramps["activity"].astype(str)
    return run.where(cramps["activity"].notna() & (cramps["activity"].astype(str) != ""), day)


def hours_since_last_run(runs: pd.DataFrame, time_utc: pd.Timestamp) -> float | None:
    """Hours from the end of the last run that ended at or before ``time_utc`` (``None``: no such run)."""
    if runs.empty:
        return None
    ends = runs["start_utc"] + pd.to_timedelta(runs["elapsed_s"], unit="s")
    before = ends[ends <= time_utc]
    return float((time_utc - before.max()).total_seconds() / 3600) if len(before) else None


def fraction_of_run(cramp: pd.Series, run: pd.Series | None) -> float:
    """Where in its run a cramp came, as a fraction of the run's distance (NaN when not during a run)."""
    if run is None or cramp["context"] != "during_run" or not run["distance_km"]:
        return np.nan
    return float(cramp["distance_km"] / run["distance_km"])


def cramp_flags(cramp: pd.Series, run: pd.Series | None, run_found: list[Flag], one_leg_flag: Flag | None,
                side: str | None, local_hour: float | None, hours_since_run: float | None,
                thresholds: dict[str, float]) -> list[Flag]:
    """The flags that fit one cramp, at cramp scope, in the order the report lists them.

    Parameters
    ----------
    cramp : Series
        A row of the matched cramps (``context``, ``leg``, ``heat_index_c``, …).
    run : Series or None
        Its run's row of the runs table, if any.
    run_found : list of Flag
        That run's flags (:func:`analyzer.flags.rules.run_flags`).
    one_leg_flag, side
        The athlete's one-leg flag and its side (``None`` when none).
    local_hour : float or None
        The cramp's local time of day, or ``None`` when its time or the athlete's zone is unknown.
    hours_since_run : float or None
        See :func:`hours_since_last_run`.
    thresholds : dict
    """
    found: list[Flag] = []
    if run is not None and cramp["context"] in ("during_run", "after_run"):
        during = cramp["context"] == "during_run"
        found += [f for f in run_found if f.rule in CRAMP_RULES and not (f.rule == "heat_index" and during)]
        if during:  # the heat when the cramp came, not the run's highest
            own = rules.check_heat_index(cramp["heat_index_c"], thresholds, bool(cramp.get("heat_index_beyond_chart", False)),
                                   at_cramp=True)
            found += [dataclasses.replace(f, air_temperature_source=cramp.get("air_temperature_source") or "")
                      for f in own]
    if side is not None and one_leg_flag is not None and cramp["leg"] == side:
        found.append(one_leg_flag)
    if local_hour is not None:
        found += rules.check_night(cramp, local_hour, hours_since_run, thresholds)
    return [f.placed("cramp") for f in found]
