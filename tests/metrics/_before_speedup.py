"""The per-run computations as they were before they were rewritten for speed (issue 17).

Kept verbatim, only to show that the rewritten ones give the same values
(tests/metrics/test_run_table_equality.py). Nothing in the package uses this module.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from analyzer.air import WEATHER_MAX_GAP, run_air
from analyzer.metrics.cardio import (
    DECOUPLING_MAX_SPEED_CV_PCT,
    DECOUPLING_MIN_STEADY_S,
    DECOUPLING_SKIP_START_S,
    banister_trimp,
    decoupling_pct,
    efficiency_factor,
)
from analyzer.metrics.fluid import body_mass_loss_pct, sweat_rate_l_per_h
from analyzer.metrics.heat import heat_index_beyond_chart, heat_index_c, wbgt_estimate_c
from analyzer.metrics.load import acwr, history_days
from analyzer.metrics.pace import grade_adjusted_speed_mps, grade_from_records
from analyzer.metrics.runs import RUN_COLUMNS, WEIGH_IN_MAX_GAP, is_run
from analyzer.metrics.sampling import record_durations_s, time_weighted_mean
from analyzer.model import Activity, Athlete, Problem


def interpolate_weather(times: pd.DatetimeIndex, weather: pd.DataFrame, columns: list[str],
                        max_gap: pd.Timedelta = WEATHER_MAX_GAP) -> pd.DataFrame:
    """Observations interpolated in time to ``times``, only between observations at most ``max_gap``
    apart (a single observation, or the nearest one, counts within half of it)."""
    cols = [c for c in columns if c in weather]
    out = pd.DataFrame(index=times)
    if weather.empty or not cols or not len(times):
        return out
    obs = weather[cols].astype(float)
    obs = obs[~obs.index.duplicated()]
    obs = obs[(obs.index >= times.min() - max_gap) & (obs.index <= times.max() + max_gap)]
    if obs.empty:
        return out
    pos = obs.index.searchsorted(times)
    before = np.clip(pos - 1, 0, len(obs) - 1)
    after = np.clip(pos, 0, len(obs) - 1)
    t_obs = pd.DatetimeIndex(obs.index).as_unit("ns").asi8  # one unit for both (pandas may keep s or us)
    t = pd.DatetimeIndex(times).as_unit("ns").asi8
    gap = t_obs[after] - t_obs[before]
    near = np.minimum(np.abs(t - t_obs[before]), np.abs(t_obs[after] - t))
    inside = (t_obs[before] <= t) & (t <= t_obs[after]) & (gap <= max_gap.value)
    nearest_ok = near <= max_gap.value // 2
    w = np.where(gap > 0, (t - t_obs[before]) / np.where(gap > 0, gap, 1), 0.0)
    for c in cols:
        v = obs[c].to_numpy()
        lin = v[before] + w * (v[after] - v[before])
        nearest = np.where(np.abs(t - t_obs[before]) <= np.abs(t_obs[after] - t), v[before], v[after])
        out[c] = np.where(inside, lin, np.where(nearest_ok, nearest, np.nan))
    return out


def run_decoupling(records: pd.DataFrame, speed_column: str = "speed_mps") -> dict[str, float | str]:
    """Decoupling of one run from its records, or the reason it cannot be computed.

    The warm-up (first ``DECOUPLING_SKIP_START_S`` of moving time) is dropped, the rest is
    split into halves by moving time (``timer_s``, so pauses are left out), and each half's
    EF is its time-weighted mean speed over its time-weighted mean heart rate.

    Returns
    -------
    dict
        ``decoupling_pct``, ``speed_cv_pct`` and ``decoupling_note`` (empty when computed).
    """
    out: dict[str, float | str] = {"decoupling_pct": np.nan, "speed_cv_pct": np.nan, "decoupling_note": ""}
    need = {speed_column, "heart_rate_bpm", "timer_s"}
    if not need <= set(records.columns):
        out["decoupling_note"] = "no heart rate or speed"
        return out
    recs = records[records.index.notna()].sort_index()
    recs = recs[recs["timer_s"] >= DECOUPLING_SKIP_START_S]
    recs = recs.dropna(subset=[speed_column, "heart_rate_bpm"])
    if len(recs) < 2 or recs["timer_s"].iloc[-1] - recs["timer_s"].iloc[0] < DECOUPLING_MIN_STEADY_S:
        out["decoupling_note"] = "too short after the 10-minute warm-up"
        return out
    dt = record_durations_s(recs["timer_s"].to_numpy())
    minute = (recs["timer_s"] // 60).to_numpy()
    per_min = pd.Series(recs[speed_column].to_numpy()).groupby(minute).mean()
    cv = float(per_min.std(ddof=0) / per_min.mean() * 100) if per_min.mean() > 0 else np.nan
    out["speed_cv_pct"] = cv
    if not cv <= DECOUPLING_MAX_SPEED_CV_PCT:
        out["decoupling_note"] = f"pace too uneven (1-min speed CV {cv:.0f} % > {DECOUPLING_MAX_SPEED_CV_PCT:.0f} %)"
        return out
    mid = (recs["timer_s"].iloc[0] + recs["timer_s"].iloc[-1]) / 2
    first = (recs["timer_s"] < mid).to_numpy()
    efs = []
    for half in (first, ~first):
        w = dt[half]
        if w.sum() <= 0:
            out["decoupling_note"] = "no moving time in one half"
            return out
        speed = np.average(recs[speed_column].to_numpy()[half], weights=w)
        hr = np.average(recs["heart_rate_bpm"].to_numpy()[half], weights=w)
        efs.append(efficiency_factor(speed, hr))
    out["decoupling_pct"] = float(decoupling_pct(efs[0], efs[1]))
    return out


def _weigh_in(athlete: Athlete, act: Activity) -> pd.Series | None:
    w = athlete.weigh_ins
    if w.empty:
        return None
    by_name = w[w["activity"] == act.source] if "activity" in w else w.iloc[0:0]
    if len(by_name):
        return by_name.iloc[0]
    if "time_utc" in w and act.start_time is not None:
        times = pd.to_datetime(w["time_utc"], utc=True)
        gap = pd.concat([(times - act.start_time).abs(), (times - act.end_time).abs()], axis=1).min(axis=1)
        near = gap <= WEIGH_IN_MAX_GAP
        if near.any():
            return w[near].iloc[int(np.argmin(gap[near].to_numpy()))]
    return None


def longest_prior(runs: pd.DataFrame, days: float = 30.0, column: str = "distance_km") -> pd.Series:
    t = runs["start_utc"]
    values = runs[column].to_numpy(dtype=float)
    out = np.full(len(runs), np.nan)
    for i, ti in enumerate(t):
        prior = (t < ti) & (t >= ti - pd.Timedelta(days=days))
        if prior.any():
            out[i] = np.nanmax(values[prior.to_numpy()])
    return pd.Series(out, index=runs.index)


def usual_speed(runs: pd.DataFrame, days: float = 60.0, similar_fraction: float = 0.25) -> tuple[pd.Series, pd.Series]:
    t = runs["start_utc"]
    d = runs["distance_km"].to_numpy(dtype=float)
    s = runs["speed_mps"].to_numpy(dtype=float)
    usual = np.full(len(runs), np.nan)
    count = np.zeros(len(runs), dtype=int)
    for i, ti in enumerate(t):
        prior = ((t < ti) & (t >= ti - pd.Timedelta(days=days))).to_numpy()
        similar = prior & (np.abs(d - d[i]) <= similar_fraction * d[i]) & np.isfinite(s)
        count[i] = int(similar.sum())
        if count[i]:
            usual[i] = float(np.median(s[similar]))
    return pd.Series(usual, index=runs.index), pd.Series(count, index=runs.index)


def rolling_load(runs: pd.DataFrame, days: float, column: str = "distance_km") -> pd.Series:
    t = runs["start_utc"]
    v = runs[column].to_numpy(dtype=float)
    out = np.array([np.nansum(v[((t <= ti) & (t > ti - pd.Timedelta(days=days))).to_numpy()]) for ti in t])
    return pd.Series(out, index=runs.index)


def _mean(frame: pd.DataFrame, column: str) -> float:
    return float(frame[column].mean()) if column in frame and frame[column].notna().any() else np.nan


def _run_row(athlete: Athlete, act: Activity, cramps: pd.DataFrame, hr_max, hr_rest, sex) -> dict[str, object]:
    """The per-run numbers of one run (the history columns are added by :func:`run_table`)."""
    recs = act.records[act.records.index.notna()]
    row: dict[str, object] = {"activity": act.source, "start_utc": recs.index.min()}
    row["date_local"] = recs.index.min().tz_convert(athlete.timezone).date().isoformat()
    dist_km = act.distance_m / 1000.0
    row["distance_km"] = dist_km
    row["elapsed_s"] = float(recs["elapsed_s"].max())
    row["moving_s"] = float(recs["timer_s"].max())
    row["pace_s_per_km"] = row["moving_s"] / dist_km if dist_km > 0 else np.nan
    row["speed_mps"] = dist_km * 1000.0 / row["moving_s"] if row["moving_s"] > 0 else np.nan
    speed_col = "speed_mps"
    grade = grade_from_records(recs)
    if grade.notna().any() and "speed_mps" in recs:
        recs = recs.assign(gap_speed_mps=grade_adjusted_speed_mps(recs["speed_mps"], grade.fillna(0.0)))
        gap_speed = time_weighted_mean(recs["gap_speed_mps"], record_durations_s(recs["timer_s"].to_numpy()))
        row["gap_s_per_km"] = 1000.0 / gap_speed if gap_speed > 0 else np.nan
        speed_col = "gap_speed_mps"
    else:
        row["gap_s_per_km"] = np.nan
    row["avg_heart_rate_bpm"] = float(recs["heart_rate_bpm"].mean()) if "heart_rate_bpm" in recs else np.nan
    row.update(run_decoupling(recs, speed_col) if speed_col in recs else
               {"decoupling_pct": np.nan, "decoupling_note": "no speed"})
    air = run_air(athlete, act)
    frame = air.frame
    temp = frame["temperature_c"] if "temperature_c" in frame else pd.Series(dtype=float)
    rh = frame["relative_humidity_pct"] if "relative_humidity_pct" in frame else pd.Series(np.nan, index=frame.index)
    row["air_temperature_c"] = float(temp.mean()) if temp.notna().any() else np.nan
    row["air_temperature_max_c"] = float(temp.max()) if temp.notna().any() else np.nan
    row["air_temperature_source"] = air.source
    row["relative_humidity_pct"] = float(rh.mean()) if rh.notna().any() else np.nan
    row["wind_mps"] = _mean(frame, "wind_mps")
    row["solar_w_m2"] = _mean(frame, "solar_w_m2")
    both = bool(temp.notna().any() and rh.notna().any())
    hi = heat_index_c(temp, rh) if both else np.array([np.nan])
    row["heat_index_max_c"] = float(np.nanmax(hi)) if np.isfinite(hi).any() else np.nan
    row["heat_index_beyond_chart"] = bool(np.any(heat_index_beyond_chart(temp, rh))) if both else False
    if "wbgt_c" in frame and frame["wbgt_c"].notna().any():
        row["wbgt_max_c"], row["wbgt_source"] = float(frame["wbgt_c"].max()), air.wbgt_source
    elif both:
        wb = wbgt_estimate_c(temp, rh)
        row["wbgt_max_c"], row["wbgt_source"] = float(np.nanmax(wb)), "estimated (BoM, assumes sun, light wind)"
    else:
        row["wbgt_max_c"], row["wbgt_source"] = np.nan, ""
    row["wrist_temperature_c"] = float(recs["temperature_c"].mean()) if "temperature_c" in recs else np.nan
    w = _weigh_in(athlete, act)
    before = np.nan
    row["mass_before_source"] = ""
    if w is not None:
        before = w["mass_before_kg"]
        row["mass_before_source"] = "weigh-in"
        if pd.isna(before):
            before = athlete.profile.get("body_mass_kg", np.nan)
            row["mass_before_source"] = "profile" if pd.notna(before) else ""
    if w is not None and pd.notna(before) and pd.notna(w["mass_after_kg"]):
        row["body_mass_loss_pct"] = float(body_mass_loss_pct(before, w["mass_after_kg"]))
        row["mass_change_kg"] = float(w["mass_after_kg"] - before)
        row["sweat_rate_l_per_h"] = float(sweat_rate_l_per_h(before, w["mass_after_kg"], w["fluid_ml"],
                                                             row["elapsed_s"], w.get("urine_ml", 0.0)))
        row["fluid_ml"] = float(w["fluid_ml"]) if pd.notna(w["fluid_ml"]) else np.nan
        row["fluid_logged"] = bool(pd.notna(w["fluid_ml"]))
    else:
        row.update(body_mass_loss_pct=np.nan, mass_change_kg=np.nan, sweat_rate_l_per_h=np.nan, fluid_ml=np.nan,
                   fluid_logged=False, mass_before_source="")
    if "heart_rate_bpm" in recs and hr_max and hr_rest and sex in ("female", "male"):
        dt_min = record_durations_s(recs["timer_s"].to_numpy()) / 60.0
        row["trimp"] = banister_trimp(dt_min, recs["heart_rate_bpm"].to_numpy(), float(hr_rest), float(hr_max), sex)
    else:
        row["trimp"] = np.nan
    mine = cramps[(cramps["activity"] == act.source) & cramps["context"].isin(["during_run", "after_run"])] \
        if len(cramps) else cramps
    row["cramps"] = int(len(mine))
    row["had_cramp"] = bool(len(mine))
    return row


def run_table(athlete: Athlete, cramps: pd.DataFrame, thresholds: dict[str, float],
              problems: list[Problem] | None = None) -> pd.DataFrame:
    """One row per run of ``athlete`` (see :data:`RUN_COLUMNS`).

    With ``problems`` given, a run that cannot be analysed is left out and reported there
    instead of raising.
    """
    rows = []
    hr_max = athlete.profile.get("hr_max_bpm")
    hr_rest = athlete.profile.get("hr_rest_bpm")
    sex = athlete.profile.get("sex")
    runs = [a for a in athlete.legs if is_run(a)]
    if hr_max is None:
        maxima = [a.records["heart_rate_bpm"].max() for a in runs if "heart_rate_bpm" in a.records]
        hr_max = float(np.nanmax(maxima)) if maxima and np.isfinite(np.nanmax(maxima)) else None
    for act in runs:
        try:
            rows.append(_run_row(athlete, act, cramps, hr_max, hr_rest, sex))
        except Exception as exc:  # one run that cannot be analysed never stops the others
            if problems is None:
                raise
            problems.append(Problem(str(Path(athlete.folder) / "activities" / act.source.split("#")[0]), "",
                                    f"run {act.source} could not be analysed ({type(exc).__name__}: {exc}); "
                                    "left out of the runs table", athlete.id))
    if not rows:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in RUN_COLUMNS})
    table = pd.DataFrame(rows).sort_values("start_utc", kind="stable").reset_index(drop=True)
    table["history_days"] = history_days(table)
    table["longest_prior_30d_km"] = longest_prior(table, thresholds["long_run_history_days"])
    enough = table["history_days"] >= thresholds["long_run_history_days"]
    table["distance_ratio"] = np.where(enough, table["distance_km"] / table["longest_prior_30d_km"], np.nan)
    usual, count = usual_speed(table, thresholds["faster_than_usual_window_days"], thresholds["similar_distance_fraction"])
    table["usual_speed_mps"] = usual
    table["n_comparison_runs"] = count
    table["pace_ratio"] = np.where(count >= thresholds["faster_than_usual_min_runs"], table["speed_mps"] / usual, np.nan)
    table["acute_load_7d_km"] = rolling_load(table, 7)
    table["chronic_load_28d_km"] = rolling_load(table, 28)
    table["acwr_coupled"] = np.where(table["history_days"] >= 28, acwr(table["acute_load_7d_km"], table["chronic_load_28d_km"]), np.nan)
    return table[RUN_COLUMNS]
