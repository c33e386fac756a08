"""The per-run table rewritten for speed gives the values it gave before (issue 17).

The computations as they were are kept in ``tests/metrics/_before_speedup.py``; here both run
on the sample team and on synthetic athletes that reach the odd corners (pauses, records out of
order, weigh-ins by time and by file, runs without heart rate or speed, multisport legs), and
every column must agree.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import analyzer
import analyzer.air
import analyzer.weather.air
from analyzer.flags.thresholds import resolve_thresholds
from analyzer.metrics import load
from analyzer.metrics.cardio import run_decoupling
from analyzer.metrics.runs import run_table
from analyzer.testing.synthetic import synthetic_multisport, synthetic_run, write_athlete
from tests.conftest import REPO
from tests.metrics import _before_speedup as before

UTC = dt.UTC
SAMPLE = sorted(p.name for p in (REPO / "sample_data").iterdir() if (p / "athlete.toml").exists())


def _old_table(athlete, cramps, t, monkeypatch):
    with monkeypatch.context() as m:
        m.setattr(analyzer.weather.air, "interpolate_weather", before.interpolate_weather)
        return before.run_table(athlete, cramps, t, [])


def _assert_same(new: pd.DataFrame, old: pd.DataFrame) -> None:
    assert list(new.columns) == list(old.columns)
    assert len(new) == len(old)
    for col in new.columns:
        a, b = new[col], old[col]
        if pd.api.types.is_float_dtype(a) or pd.api.types.is_float_dtype(b):
            np.testing.assert_allclose(a.to_numpy(dtype=float), b.to_numpy(dtype=float), rtol=1e-12, atol=1e-12,
                                       equal_nan=True, err_msg=col)
        else:
            assert a.tolist() == b.tolist(), col


@pytest.mark.parametrize("name", SAMPLE)
def test_sample_team_runs_table_unchanged(name, monkeypatch):
    athlete = analyzer.load_athlete(REPO / "sample_data" / name, weather="off")
    t, _ = resolve_thresholds(athlete.profile.get("thresholds"), None)
    cramps = analyzer.match_cramps(athlete)
    _assert_same(run_table(athlete, cramps, t, []), _old_table(athlete, cramps, t, monkeypatch))


@pytest.fixture(scope="module")
def odd_athlete(tmp_path_factory):
    start = dt.datetime(2024, 3, 1, 7, tzinfo=UTC)
    runs = {}
    for i in range(40):
        when = start + dt.timedelta(days=2 * i, hours=i % 5)
        km = [6.0, 8.0, 10.0, 14.0, 21.1][i % 5]
        runs[f"r{i:02d}.fit"] = synthetic_run(when, km, 300 + 7 * (i % 6), hr_drift_bpm=4 * (i % 4), seed=i,
                                              pauses=[(900.0, 960.0 + 30 * (i % 3))] if i % 3 == 0 else ())
    runs["no_hr.fit"] = synthetic_run(start + dt.timedelta(days=81), 9.0, 320, hr_start_bpm=0, seed=99)
    runs["tri.fit"] = synthetic_multisport(start + dt.timedelta(days=83, hours=3),
                                           [("swimming", 1.5, 120), ("cycling", 40, 90), ("running", 10, 300)])
    weather = [{"time": (start + dt.timedelta(hours=h)).isoformat(), "temperature_c": 12 + 14 * np.sin(h / 30),
                "relative_humidity_pct": 40 + 20 * np.cos(h / 17)} for h in range(0, 90 * 24, 3)]
    weigh = [{"activity": f"r{i:02d}.fit", "mass_before_kg": 61.0, "mass_after_kg": 59.9 + 0.1 * (i % 5),
              "fluid_ml": 250 * (i % 3)} for i in range(0, 40, 3)]
    weigh += [{"time": (start + dt.timedelta(days=2 * i, hours=i % 5, minutes=-20)).isoformat(),
               "mass_before_kg": 61.2, "mass_after_kg": 60.1} for i in range(1, 40, 7)]
    cramps = [{"activity": f"r{i:02d}.fit", "distance_km": 5.5, "leg": "left"} for i in (3, 13, 23)]
    cramps += [{"time": "2024-04-20 03:10", "leg": "right"}]
    folder = write_athlete(tmp_path_factory.mktemp("odd") / "odd",
                           {"timezone": "Europe/Vienna", "sex": "female", "hr_rest_bpm": 48, "hr_max_bpm": 188},
                           runs, cramps, weather, weigh)
    return analyzer.load_athlete(folder, weather="off")


def test_synthetic_athlete_runs_table_unchanged(odd_athlete, monkeypatch):
    t, _ = resolve_thresholds(None, None)
    cramps = analyzer.match_cramps(odd_athlete)
    new = run_table(odd_athlete, cramps, t, [])
    assert len(new) >= 42 and new["body_mass_loss_pct"].notna().sum() >= 10  # the corners are really there
    assert new["decoupling_pct"].notna().sum() >= 20 and new["cramps"].sum() == 3
    _assert_same(new, _old_table(odd_athlete, cramps, t, monkeypatch))


def test_history_functions_unchanged_on_an_unsorted_table(odd_athlete):
    t, _ = resolve_thresholds(None, None)
    table = run_table(odd_athlete, analyzer.match_cramps(odd_athlete), t, [])
    shuffled = table.sample(frac=1.0, random_state=3)
    for new, old in ((load.longest_prior(shuffled, 30), before.longest_prior(shuffled, 30)),
                     (load.rolling_load(shuffled, 7), before.rolling_load(shuffled, 7)),
                     (load.rolling_load(shuffled, 28), before.rolling_load(shuffled, 28))):
        pd.testing.assert_series_equal(new, old, rtol=1e-12)
    for new, old in zip(load.usual_speed(shuffled, 60, 0.25), before.usual_speed(shuffled, 60, 0.25), strict=True):
        pd.testing.assert_series_equal(new, old, check_dtype=False)


def test_decoupling_unchanged_with_records_out_of_order_and_gaps(odd_athlete):
    for act in odd_athlete.activities[:12]:
        recs = act.records
        shuffled = recs.iloc[np.random.default_rng(1).permutation(len(recs))]
        holed = recs.assign(heart_rate_bpm=recs["heart_rate_bpm"].where(np.arange(len(recs)) % 7 != 0))
        for frame in (recs, shuffled, holed):
            new, old = run_decoupling(frame), before.run_decoupling(frame)
            assert new["decoupling_note"] == old["decoupling_note"]
            np.testing.assert_allclose([new["decoupling_pct"], new["speed_cv_pct"]],
                                       [old["decoupling_pct"], old["speed_cv_pct"]], rtol=1e-12, equal_nan=True)


def test_weather_interpolation_unchanged(odd_athlete):
    weather = odd_athlete.weather
    unsorted = weather.iloc[::-1]
    doubled = pd.concat([weather, weather.iloc[::5]]).sort_index(kind="stable")
    for act in odd_athlete.activities[:8]:
        times = act.records.index
        for obs in (weather, doubled):
            new = analyzer.air.interpolate_weather(times, obs, ["temperature_c", "relative_humidity_pct", "wbgt_c"])
            old = before.interpolate_weather(times, obs, ["temperature_c", "relative_humidity_pct", "wbgt_c"])
            pd.testing.assert_frame_equal(new, old)
        # a table out of time order is sorted first now (it gave nonsense before): equal to the sorted one
        pd.testing.assert_frame_equal(analyzer.air.interpolate_weather(times, unsorted, ["temperature_c"]),
                                      before.interpolate_weather(times, weather, ["temperature_c"]))
