"""Every formula against the worked examples of DOMAIN.md §3 (values recomputed by hand there)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analyzer.metrics.cardio import banister_trimp, decoupling_pct, edwards_trimp, efficiency_factor, run_decoupling
from analyzer.metrics.fluid import body_mass_loss_pct, sodium_loss_mg, sweat_rate_l_per_h
from analyzer.metrics.heat import vapour_pressure_hpa, wbgt_estimate_c
from analyzer.metrics.load import acwr, history_days, longest_prior, monotony, rolling_load, spike_ratio, usual_speed
from analyzer.metrics.pace import grade_adjusted_speed_mps, grade_from_records, minetti_cost_j_per_kg_m


@pytest.mark.parametrize("t,rh,e,wbgt", [(30, 60, 25.4, 30.9), (25, 50, 15.8, 24.3), (15, 70, None, 17.1)])
def test_wbgt_bom_examples(t, rh, e, wbgt):
    if e is not None:
        assert float(vapour_pressure_hpa(t, rh)) == pytest.approx(e, abs=0.05)
    assert float(wbgt_estimate_c(t, rh)) == pytest.approx(wbgt, abs=0.05)


def test_fluid_examples():
    # Example A: 62.0 → 60.3 kg, 0.5 L drunk, 1.5 h → 2.74 %, 1.47 L/h
    assert float(body_mass_loss_pct(62.0, 60.3)) == pytest.approx(2.74, abs=0.005)
    assert float(sweat_rate_l_per_h(62.0, 60.3, 500, 5400)) == pytest.approx(1.47, abs=0.005)
    # Example B: 70.0 → 68.6 kg, 0.5 L drunk, 0.1 L urine, 1.5 h → 2.00 %, 1.20 L/h
    assert float(body_mass_loss_pct(70.0, 68.6)) == pytest.approx(2.00, abs=0.005)
    assert float(sweat_rate_l_per_h(70.0, 68.6, 500, 5400, 100)) == pytest.approx(1.20, abs=0.005)
    # example A's 2.2 L of sweat at 40 mmol/L ≈ 88 mmol ≈ 2.0 g sodium
    assert float(sodium_loss_mg(2.2)) == pytest.approx(2024, abs=1)
    # a gain is a negative loss
    assert float(body_mass_loss_pct(60.0, 60.5)) < 0


def test_decoupling_examples():
    assert float(efficiency_factor(3.20, 150)) == pytest.approx(0.02133, abs=1e-5)
    assert float(decoupling_pct(efficiency_factor(3.20, 150), efficiency_factor(3.10, 158))) == pytest.approx(8.0, abs=0.05)
    assert float(decoupling_pct(efficiency_factor(3.00, 140), efficiency_factor(2.95, 148))) == pytest.approx(7.0, abs=0.05)


def test_run_decoupling_on_records_skips_warmup_and_pauses():
    # 10 min warm-up at 2.5 m/s / 120 bpm (dropped), then 40 min: 3.20 m/s at 150 bpm, 3.10 m/s at 158 bpm
    t = np.arange(0, 3000)
    speed = np.where(t < 600, 2.5, np.where(t < 1800, 3.20, 3.10))
    hr = np.where(t < 600, 120, np.where(t < 1800, 150, 158))
    idx = pd.date_range("2024-06-01 07:00", periods=len(t), freq="s", tz="UTC")
    recs = pd.DataFrame({"timer_s": t.astype(float), "speed_mps": speed, "heart_rate_bpm": hr.astype(float)}, index=idx)
    out = run_decoupling(recs)
    assert out["decoupling_pct"] == pytest.approx(8.0, abs=0.05) and out["decoupling_note"] == ""
    uneven = recs.assign(speed_mps=np.where((t // 60) % 2, 1.5, 4.5))
    assert np.isnan(run_decoupling(uneven)["decoupling_pct"])
    assert "uneven" in run_decoupling(uneven)["decoupling_note"]


def test_trimp_examples():
    assert banister_trimp(60, 150, 50, 190, "male") == pytest.approx(108.1, abs=0.05)
    assert banister_trimp(60, 150, 50, 190, "female") == pytest.approx(121.5, abs=0.05)
    assert banister_trimp(45, 150, 60, 190, "male") == pytest.approx(75.3, abs=0.05)
    assert banister_trimp(45, 150, 60, 190, "female") == pytest.approx(85.1, abs=0.05)
    # per record (60 one-minute rows) equals the one-row form
    assert banister_trimp(np.ones(60), np.full(60, 150), 50, 190, "male") == pytest.approx(108.1, abs=0.05)
    assert edwards_trimp([10, 20, 15, 5, 0]) == 115.0


@pytest.mark.parametrize("grade,factor", [(-0.20, 0.500), (-0.10, 0.598), (-0.05, 0.763), (0, 1), (0.05, 1.301), (0.10, 1.658)])
def test_minetti_factors(grade, factor):
    assert float(minetti_cost_j_per_kg_m(grade) / minetti_cost_j_per_kg_m(0)) == pytest.approx(factor, abs=0.0005)


def test_gap_example_and_grade_from_records():
    # 5:30 min/km (3.03 m/s) up 5 % ≈ 3.94 m/s flat-equivalent (4:14 min/km)
    gap = float(grade_adjusted_speed_mps(1000 / 330, 0.05))
    assert gap == pytest.approx(3.94, abs=0.005) and 1000 / gap == pytest.approx(254, abs=1)
    d = np.arange(0, 2000, 1.0)
    recs = pd.DataFrame({"distance_m": d, "altitude_m": 100 + 0.05 * d})
    assert grade_from_records(recs).iloc[500:1500].to_numpy() == pytest.approx(0.05, abs=1e-6)


def test_load_examples():
    assert spike_ratio(22, 16) == 1.375  # "37.5 % spike"
    assert float(acwr(45, 30 + 32 + 35 + 45)) == pytest.approx(1.27, abs=0.005)
    assert 45 / np.mean([30, 32, 35]) == pytest.approx(1.39, abs=0.005)  # uncoupled variant, for reference
    assert monotony([360, 0, 300, 420, 0, 600, 240]) == pytest.approx(1.35, abs=0.005)
    week = np.array([360, 0, 300, 420, 0, 600, 240])
    assert week.sum() * monotony(week) == pytest.approx(2601, abs=1)  # strain with the population SD


def test_history_windows_use_only_prior_runs():
    start = pd.Timestamp("2024-01-01", tz="UTC")
    runs = pd.DataFrame({
        "start_utc": [start + pd.Timedelta(days=d) for d in (0, 10, 20, 35, 45)],
        "distance_km": [16.0, 10.0, 12.0, 22.0, 8.0],
        "speed_mps": [3.0, 3.0, 3.1, 3.2, 3.0],
    })
    prior = longest_prior(runs)
    assert np.isnan(prior[0]) and prior[3] == 12.0  # the 16 km run is 35 days before: outside 30 days
    assert prior[4] == 22.0
    assert history_days(runs).tolist() == [0, 10, 20, 35, 45]
    usual, n = usual_speed(runs.assign(distance_km=[10.0, 10.0, 11.0, 10.5, 12.0]))
    # run 4 (12 km, day 45): all four earlier runs are within ±25 % (9–15 km) and 60 days
    assert n.tolist() == [0, 1, 2, 3, 4] and usual[3] == pytest.approx(3.0)
    # 28 days up to and including each run: day 35 sums days 10, 20, 35 (10 + 12 + 22)
    assert rolling_load(runs, 28).tolist() == [16.0, 26.0, 38.0, 44.0, 42.0]


def test_gradient_of_a_constant_ramp_is_exact_up_to_both_ends():
    # a 5 % ramp from the first metre to the last: the old one-sided smoothing window read up to
    # 2.5 points off within 25 m of the ends
    d = np.arange(0, 2000, 1.0)
    grade = grade_from_records(pd.DataFrame({"distance_m": d, "altitude_m": 100 + 0.05 * d})).to_numpy()
    assert np.isfinite(grade).all()
    assert grade == pytest.approx(0.05, abs=1e-9)
    # smart recording: irregular distances, same answer
    rng = np.random.default_rng(1)
    d2 = np.sort(np.concatenate([[0.0, 1999.0], rng.uniform(0, 1999, 400)]))
    grade2 = grade_from_records(pd.DataFrame({"distance_m": d2, "altitude_m": 100 - 0.05 * d2})).to_numpy()
    assert grade2 == pytest.approx(-0.05, abs=1e-9)


def test_trimp_clips_the_heart_rate_fraction_to_0_1():
    # below rest adds nothing; above max counts as max (x = 1: 60 min × 1 × 0.64 e^1.92 = 262.0)
    assert banister_trimp(60, 40, 50, 190, "male") == 0.0
    assert banister_trimp(60, 230, 50, 190, "male") == pytest.approx(60 * 0.64 * np.exp(1.92))
