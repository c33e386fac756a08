"""One row per run: distance, pace, GAP, heart rate, decoupling, heat, fluid and load.

This orchestrates the metric functions (it computes nothing of its own); every column
has its unit in its name.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import MutableMapping
from pathlib import Path

import numpy as np
import pandas as pd

from analyzer.errors import InputError
from analyzer.metrics.cardio import banister_trimp, decoupling_of_arrays
from analyzer.metrics.fluid import body_mass_loss_pct, sweat_rate_l_per_h
from analyzer.metrics.heat import WBGT_ESTIMATE_SOURCE, heat_index_beyond_chart, heat_index_c, wbgt_estimate_c
from analyzer.metrics.load import acwr, history_days, longest_prior, rolling_load, usual_speed
from analyzer.metrics.pace import grade_adjusted_speed_mps, grade_from_records
from analyzer.metrics.sampling import record_durations_s, time_weighted_mean
from analyzer.model import Activity, Athlete, Problem
from analyzer.weather.air import run_air

log = logging.getLogger(__name__)

RUN_SPORTS = frozenset({"running"})
"""FIT sports analysed as runs (walks, rides and swims are left out of the load)."""

WEIGH_IN_MAX_GAP = pd.Timedelta(hours=3)
"""A weigh-in given by time belongs to the run that ends (or starts) at most 3 h from it."""

RUN_COLUMNS = [
    "activity", "start_utc", "date_local", "distance_km", "elapsed_s", "moving_s", "pace_s_per_km",
    "speed_mps", "gap_s_per_km", "avg_heart_rate_bpm", "decoupling_pct", "decoupling_note",
    "air_temperature_c", "air_temperature_max_c", "air_temperature_source", "relative_humidity_pct", "wind_mps",
    "solar_w_m2", "heat_index_max_c",
    "heat_index_beyond_chart", "wbgt_max_c", "wbgt_source", "wrist_temperature_c", "body_mass_loss_pct",
    "mass_change_kg", "mass_before_source", "sweat_rate_l_per_h", "fluid_ml", "fluid_logged", "trimp", "history_days", "longest_prior_30d_km",
    "distance_ratio", "usual_speed_mps", "n_comparison_runs", "pace_ratio", "acute_load_7d_km",
    "chronic_load_28d_km", "acwr_coupled", "cramps", "had_cramp",
]


def is_run(activity: Activity) -> bool:
    """True when the main session is a run with records."""
    return activity.sport in RUN_SPORTS and activity.record_span() is not None


class _WeighIns:
    """An athlete's weigh-ins, prepared once, matched to each run: by file name, else the nearest
    by time within :data:`WEIGH_IN_MAX_GAP` of the run's start or end."""

    def __init__(self, weigh_ins: pd.DataFrame) -> None:
        self.rows = weigh_ins.to_dict("records") if len(weigh_ins) else []
        self.first_by_name: dict[str, int] = {}
        if "activity" in weigh_ins:
            for k, name in enumerate(weigh_ins["activity"].tolist()):
                if isinstance(name, str):
                    self.first_by_name.setdefault(name, k)
        # the rows with a time, and those times (ns, as float for the distances)
        self.timed_rows = np.zeros(0, dtype=np.int64)
        self.timed_ns = np.zeros(0)
        if "time_utc" in weigh_ins and len(weigh_ins):
            times = pd.DatetimeIndex(pd.to_datetime(weigh_ins["time_utc"], utc=True)).as_unit("ns")
            self.timed_rows = np.flatnonzero(~times.isna())
            self.timed_ns = times.asi8[self.timed_rows].astype(float)

    def for_run(self, act: Activity) -> dict | None:
        k = self.first_by_name.get(act.source)
        if k is not None:
            return self.rows[k]
        if not len(self.timed_rows) or act.start_time is None or pd.isna(act.start_time):
            return None
        start, end = pd.Timestamp(act.start_time).as_unit("ns").value, pd.Timestamp(act.end_time).as_unit("ns").value
        gap = np.minimum(np.abs(self.timed_ns - start), np.abs(self.timed_ns - end))
        near = np.flatnonzero(gap <= WEIGH_IN_MAX_GAP.value)
        if not len(near):
            return None
        return self.rows[int(self.timed_rows[near[int(np.argmin(gap[near]))]])]


def _nanmax(v: np.ndarray) -> float:
    return float(np.nanmax(v)) if v.size and not np.isnan(v).all() else np.nan


def _nanmean(v: np.ndarray) -> float:
    return float(np.nanmean(v)) if v.size and not np.isnan(v).all() else np.nan


def _run_row(athlete: Athlete, act: Activity, hr_max, hr_rest, sex, weigh_ins: _WeighIns,
             cramp_counts: dict[str, int]) -> dict[str, object]:
    """The per-run numbers of one run (the history columns are added by :func:`run_table`).

    Everything is computed on the records as numpy arrays, taken out of the frame once.
    """
    records = act.records
    valid = ~records.index.isna()
    recs = records if valid.all() else records[valid]
    index = recs.index
    sorted_ok = index.is_monotonic_increasing
    order = None if sorted_ok else np.argsort(index.asi8, kind="stable")

    def col(name: str) -> np.ndarray | None:
        return recs[name].to_numpy(dtype=float, na_value=np.nan) if name in recs else None

    timer, elapsed, speed, hr, wrist = (col(c) for c in ("timer_s", "elapsed_s", "speed_mps", "heart_rate_bpm",
                                                          "temperature_c"))
    start = index.min()
    row: dict[str, object] = {"activity": act.source, "start_utc": start}
    row["date_local"] = start.tz_convert(athlete.timezone).date().isoformat()
    dist_km = act.distance_m / 1000.0
    row["distance_km"] = dist_km
    row["elapsed_s"] = _nanmax(elapsed)
    row["moving_s"] = _nanmax(timer)
    row["pace_s_per_km"] = row["moving_s"] / dist_km if dist_km > 0 else np.nan
    row["speed_mps"] = dist_km * 1000.0 / row["moving_s"] if row["moving_s"] > 0 else np.nan
    decoupling_speed = speed
    grade = grade_from_records(recs).to_numpy()
    if speed is not None and not np.isnan(grade).all():
        gap_speed = grade_adjusted_speed_mps(speed, np.nan_to_num(grade, nan=0.0))
        value = time_weighted_mean(gap_speed, record_durations_s(timer))
        row["gap_s_per_km"] = 1000.0 / value if value > 0 else np.nan
        decoupling_speed = gap_speed
    else:
        row["gap_s_per_km"] = np.nan
    row["avg_heart_rate_bpm"] = _nanmean(hr) if hr is not None else np.nan
    if decoupling_speed is None:
        row.update({"decoupling_pct": np.nan, "decoupling_note": "no speed"})
    elif hr is None or timer is None:
        row.update({"decoupling_pct": np.nan, "speed_cv_pct": np.nan, "decoupling_note": "no heart rate or speed"})
    else:
        arrays = (timer, decoupling_speed, hr) if order is None else (timer[order], decoupling_speed[order], hr[order])
        row.update(decoupling_of_arrays(*arrays))
    row.update(_heat_of_run(athlete, act))
    row["wrist_temperature_c"] = _nanmean(wrist) if wrist is not None else np.nan
    row.update(_fluid_of_run(athlete, act, weigh_ins, row["elapsed_s"]))
    if hr is not None and timer is not None and hr_max and hr_rest and sex in ("female", "male"):
        row["trimp"] = banister_trimp(record_durations_s(timer) / 60.0, hr, float(hr_rest), float(hr_max), sex)
    else:
        row["trimp"] = np.nan
    row["cramps"] = int(cramp_counts.get(act.source, 0))
    row["had_cramp"] = row["cramps"] > 0
    return row


def _heat_of_run(athlete: Athlete, act: Activity) -> dict[str, object]:
    """The air around a run (:func:`analyzer.weather.air.run_air`): its temperature, humidity, wind, sun, the highest
    heat index (and whether it is beyond the NWS chart) and WBGT, measured or estimated."""
    row: dict[str, object] = {}
    air = run_air(athlete, act)
    frame = air.frame

    def air_col(name: str) -> np.ndarray:
        return frame[name].to_numpy(dtype=float, na_value=np.nan) if name in frame else np.full(len(frame), np.nan)

    temp, rh = air_col("temperature_c"), air_col("relative_humidity_pct")
    temp_known, rh_known = bool((~np.isnan(temp)).any()), bool((~np.isnan(rh)).any())
    row["air_temperature_c"] = _nanmean(temp)
    row["air_temperature_max_c"] = _nanmax(temp)
    row["air_temperature_source"] = air.source
    row["relative_humidity_pct"] = _nanmean(rh)
    row["wind_mps"] = _nanmean(air_col("wind_mps"))
    row["solar_w_m2"] = _nanmean(air_col("solar_w_m2"))
    both = temp_known and rh_known
    hi = np.asarray(heat_index_c(temp, rh), dtype=float) if both else np.array([np.nan])
    row["heat_index_max_c"] = float(np.nanmax(hi)) if np.isfinite(hi).any() else np.nan
    row["heat_index_beyond_chart"] = bool(np.any(heat_index_beyond_chart(temp, rh))) if both else False
    wbgt = air_col("wbgt_c")
    if (~np.isnan(wbgt)).any():
        row["wbgt_max_c"], row["wbgt_source"] = _nanmax(wbgt), air.wbgt_source
    elif both:
        wb = wbgt_estimate_c(temp, rh)
        row["wbgt_max_c"], row["wbgt_source"] = float(np.nanmax(wb)), WBGT_ESTIMATE_SOURCE
    else:
        row["wbgt_max_c"], row["wbgt_source"] = np.nan, ""
    return row


def _fluid_of_run(athlete: Athlete, act: Activity, weigh_ins: _WeighIns, elapsed_s: float) -> dict[str, object]:
    """Body mass lost, mass change, sweat rate and fluid of a run from its weigh-ins (the profile's
    ``body_mass_kg`` standing in for a missing mass before); NaN without weigh-ins."""
    row: dict[str, object] = {}
    w = weigh_ins.for_run(act)
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
                                                             elapsed_s, w.get("urine_ml", 0.0)))
        row["fluid_ml"] = float(w["fluid_ml"]) if pd.notna(w["fluid_ml"]) else np.nan
        row["fluid_logged"] = bool(pd.notna(w["fluid_ml"]))
    else:
        row.update(body_mass_loss_pct=np.nan, mass_change_kg=np.nan, sweat_rate_l_per_h=np.nan, fluid_ml=np.nan,
                   fluid_logged=False, mass_before_source="")
    return row


def _hash_values(h, values: pd.Index | pd.Series) -> None:
    """Feed one column's (or index's) values into the hash ``h``."""
    arr = values.array.asi8 if isinstance(values.dtype, pd.DatetimeTZDtype) else values.to_numpy()
    if arr.dtype.kind in "biufcmM":
        h.update(np.ascontiguousarray(arr).view(np.uint8).tobytes() if arr.dtype.kind in "mM"
                 else np.ascontiguousarray(arr).tobytes())
    else:
        h.update(repr(arr.tolist()).encode())


def _hash_frame(h, frame: pd.DataFrame) -> None:
    """Feed a frame's index, column names, dtypes and values into the hash ``h``.

    A frame of plain numbers only (a run's records) is taken as one float64 matrix (its integer
    columns are counters, far below 2**53, so exact), in one call; other frames column by column.
    """
    dtypes = list(frame.dtypes)
    h.update(repr((frame.shape, list(map(str, frame.columns)), [str(t) for t in dtypes])).encode())
    _hash_values(h, frame.index)
    if dtypes and all(isinstance(t, np.dtype) and t.kind in "iuf" for t in dtypes):
        h.update(np.ascontiguousarray(frame.to_numpy(dtype=np.float64)).tobytes())
        return
    for c in frame.columns:
        _hash_values(h, frame[c])


def _weather_digest(athlete: Athlete) -> str:
    h = hashlib.sha256()
    _hash_frame(h, athlete.weather)
    return h.hexdigest()


def run_row_key(athlete: Athlete, act: Activity, hr_max, hr_rest, sex, weigh_in: dict | None, cramps: int,
                weather_digest: str) -> str:
    """sha256 of everything one run's row is computed from (:func:`_run_row`).

    The run's file (the digest of its bytes and the reader, ``content_key``, when it was read
    through the cache; else its records, sessions' totals and device) and name; the athlete's time
    zone, heart-rate settings, sex and profile body mass; the weigh-in matched to it; its cramp
    count; the athlete's weather (``weather_digest``) and the archive's hours and note for this run.
    Two runs with the same key get the same row, so a row kept from an earlier report is used as
    it is, and a run whose file is unchanged is not read to make its key.
    """
    h = hashlib.sha256()
    h.update(repr((act.source, act.is_whole_file, athlete.timezone, hr_max, hr_rest, sex,
                   athlete.profile.get("body_mass_kg"), sorted((str(k), repr(v)) for k, v in (weigh_in or {}).items()),
                   cramps, weather_digest, athlete.archive_notes.get(act.source))).encode())
    content = act.__dict__.get("content_key")
    if isinstance(content, str):  # the file's bytes decide its records, sessions and device
        h.update(b"file " + content.encode())
    else:
        h.update(repr(act.device).encode())
        _hash_frame(h, act.records)
        sessions = act.sessions  # the run's distance reads their index and totals only
        h.update(repr((len(sessions), "total_distance_m" in sessions)).encode())
        _hash_values(h, sessions.index)
        if "total_distance_m" in sessions:
            _hash_values(h, sessions["total_distance_m"])
    archive = athlete.archive.get(act.source)
    if archive is not None:
        h.update(repr((archive.provider, archive.cell_label, archive.km_from_run, archive.lat, archive.lon)).encode())
        _hash_frame(h, archive.hours)
    return h.hexdigest()


def _cramps_per_run(cramps: pd.DataFrame) -> dict[str, int]:
    """Cramps during or just after each run, by the run's file name."""
    if not len(cramps):
        return {}
    mine = cramps[cramps["context"].isin(["during_run", "after_run"])]
    return {str(k): int(v) for k, v in mine.groupby("activity").size().items()}


def run_table(athlete: Athlete, cramps: pd.DataFrame, thresholds: dict[str, float],
              problems: list[Problem] | None = None, rows_cache: MutableMapping[str, dict] | None = None) -> pd.DataFrame:
    """One row per run of ``athlete`` (see :data:`RUN_COLUMNS`).

    With ``problems`` given, a run that cannot be analysed is left out and reported there
    instead of raising. With ``rows_cache`` (a mapping, e.g.
    :class:`analyzer.report_cache.RunRowCache`), each run's own row is looked up by
    :func:`run_row_key` and computed only when absent (then stored); the history columns,
    which depend on the other runs, are always computed.
    """
    rows = []
    hr_max = athlete.profile.get("hr_max_bpm")
    hr_rest = athlete.profile.get("hr_rest_bpm")
    sex = athlete.profile.get("sex")
    runs = [a for a in athlete.legs if is_run(a)]
    if hr_max is None:
        maxima = [m for a in runs if (m := a.heart_rate_max()) is not None]
        hr_max = float(np.nanmax(maxima)) if maxima and np.isfinite(np.nanmax(maxima)) else None
    weigh_ins = _WeighIns(athlete.weigh_ins)
    counts = _cramps_per_run(cramps)
    weather_digest = _weather_digest(athlete) if rows_cache is not None else ""
    for act in runs:
        try:
            if rows_cache is None:
                rows.append(_run_row(athlete, act, hr_max, hr_rest, sex, weigh_ins, counts))
                continue
            key = run_row_key(athlete, act, hr_max, hr_rest, sex, weigh_ins.for_run(act),
                              int(counts.get(act.source, 0)), weather_digest)
            row = rows_cache.get(key)
            if row is None:
                row = _run_row(athlete, act, hr_max, hr_rest, sex, weigh_ins, counts)
                rows_cache[key] = row
            rows.append(row)
        except InputError as exc:  # e.g. its file changed while the report was being written
            if problems is None:
                raise
            problems.append(Problem(str(Path(athlete.folder) / "activities" / act.source.split("#")[0]), "",
                                    f"run {act.source} could not be analysed: {exc.reason}; left out of the runs "
                                    "table", athlete.id))
        except Exception:  # one run that cannot be analysed never stops the others
            if problems is None:
                raise
            log.exception("%s: run %s could not be analysed", athlete.id, act.source)
            problems.append(Problem(str(Path(athlete.folder) / "activities" / act.source.split("#")[0]), "",
                                    f"run {act.source} could not be analysed: the analyzer failed on it (a fault in "
                                    "the analyzer, not in the file; please report it); left out of the runs table",
                                    athlete.id))
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
