"""Efficiency factor, decoupling and TRIMP (analyzer.metrics.cardio) against the worked examples of DOMAIN.md §3."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analyzer.metrics.cardio import (
    banister_trimp,
    decoupling_of_arrays,
    decoupling_pct,
    edwards_trimp,
    efficiency_factor,
    run_decoupling,
)


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


def test_trimp_clips_the_heart_rate_fraction_to_0_1():
    # below rest adds nothing; above max counts as max (x = 1: 60 min × 1 × 0.64 e^1.92 = 262.0)
    assert banister_trimp(60, 40, 50, 190, "male") == 0.0
    assert banister_trimp(60, 230, 50, 190, "male") == pytest.approx(60 * 0.64 * np.exp(1.92))


def test_decoupling_of_arrays_by_hand():
    # 40 steady minutes after the 10-minute warm-up: 3.30 m/s at 150 bpm, then 3.30 m/s at 165 bpm.
    # EF 3.30 / 150 = 0.02200, 3.30 / 165 = 0.02000: (0.022 − 0.020) / 0.022 = 9.09 %; the speed is
    # constant, so its 1-minute CV is 0
    t = np.arange(0.0, 3000.0)
    speed = np.full(len(t), 3.30)
    hr = np.where(t < 600, 120.0, np.where(t < 1800, 150.0, 165.0))
    out = decoupling_of_arrays(t, speed, hr)
    assert out["decoupling_pct"] == pytest.approx(100 / 11, abs=1e-9)
    assert out["speed_cv_pct"] == pytest.approx(0.0, abs=1e-9) and out["decoupling_note"] == ""
    # 15 minutes in all leave 5 after the warm-up: too short, said, no number
    short = decoupling_of_arrays(t[:900], speed[:900], hr[:900])
    assert np.isnan(short["decoupling_pct"]) and short["decoupling_note"] == "too short after the 10-minute warm-up"
