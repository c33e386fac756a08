"""Multisport files: only the running legs are runs, each with its own distance, time and records."""

from __future__ import annotations

import datetime as dt
import warnings

import pytest

import analyzer
from analyzer.flags.thresholds import resolve_thresholds
from analyzer.io.fit import read_fit_bytes
from analyzer.metrics.runs import run_table
from analyzer.testing.synthetic import synthetic_multisport, synthetic_run, write_athlete
from tests.conftest import CORPUS

START = dt.datetime(2024, 6, 2, 6, tzinfo=dt.UTC)
TRI = [("swimming", 1.5, 120.0), ("cycling", 40.0, 90.0), ("running", 10.0, 300.0)]


def test_a_triathlon_file_counts_its_run_leg_only(tmp_path):
    fit = synthetic_multisport(START, TRI)
    act = read_fit_bytes(fit, "tri.fit")
    # the file: 1.5 + 0.12 + 40 + 0.12 + 10 km = 51.74 km in all, cumulative in the records
    assert act.records["distance_m"].max() == pytest.approx(51740, abs=1)
    assert act.select("running").distance_m == pytest.approx(10000, abs=1)
    legs = {leg.source: leg for leg in act.legs()}
    assert set(legs) == {"tri.fit#swimming", "tri.fit#cycling", "tri.fit"}  # transitions are not legs
    run = legs["tri.fit"]
    assert run.sport == "running" and run.distance_m == pytest.approx(10000, abs=1)
    assert run.records["distance_m"].iloc[0] == 0 and run.records["distance_m"].max() == pytest.approx(10000, abs=1)
    assert run.records["elapsed_s"].iloc[0] == 0 and run.records["elapsed_s"].max() == 3000  # 10 km at 5:00/km

    history = {f"r{i}.fit": synthetic_run(START - dt.timedelta(days=40 - 3 * i), 8.0, 300, seed=i) for i in range(12)}
    folder = write_athlete(tmp_path / "tri", {"timezone": "UTC"}, {**history, "tri.fit": fit},
                           [{"activity": "tri.fit", "distance_km": 7.5, "leg": "left", "muscle": "calf"}])
    athlete = analyzer.load_athlete(folder)
    a = analyzer.analyze(athlete)
    runs = a.runs.set_index("activity")
    assert "tri.fit#cycling" not in runs.index and "tri.fit#swimming" not in runs.index
    tri = runs.loc["tri.fit"]
    # 10 km at 5:00/km: the run leg, not the 51.7 km file at 2:31/km
    assert tri["distance_km"] == pytest.approx(10.0, abs=0.01)
    assert tri["pace_s_per_km"] == pytest.approx(300.0, abs=0.5)
    assert tri["distance_ratio"] == pytest.approx(10 / 8, abs=0.01)  # vs the longest 8 km run
    cramp = a.cramps.iloc[0]
    assert cramp["context"] == "during_run" and cramp["activity"] == "tri.fit"
    assert cramp["distance_km"] == pytest.approx(7.5, abs=0.01)
    assert cramp["elapsed_s"] == pytest.approx(7.5 * 300, abs=2)


REAL_TRIATHLON = CORPUS / "fitparse__sample_mulitple_header.fit"  # MIT, python-fitparse's tests


@pytest.mark.skipif(not REAL_TRIATHLON.exists(), reason="the developers' FIT corpus is not present")
def test_a_real_triathlon_file_is_one_run_of_its_run_legs_length(tmp_path):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", analyzer.FitWarning)
        act = analyzer.read_fit(REAL_TRIATHLON)
    run_session = act.sessions[act.sessions["sport"] == "running"].iloc[0]
    folder = tmp_path / "a"
    write_athlete(folder, {"timezone": "UTC"}, {"tri.fit": REAL_TRIATHLON.read_bytes()})
    athlete = analyzer.load_athlete(folder)
    runs = run_table(athlete, analyzer.match_cramps(athlete), resolve_thresholds()[0])
    assert len(runs) == 1
    # the watch's own totals for its run leg: 9805.92 m in 2850.7 s (the file holds 52.5 km in all)
    assert runs.loc[0, "distance_km"] == pytest.approx(run_session["total_distance_m"] / 1000, abs=1e-6)
    assert runs.loc[0, "elapsed_s"] == pytest.approx(run_session["total_elapsed_time_s"], abs=2)
