"""Spike ratio, prior windows, ACWR and monotony (analyzer.metrics.load) against the worked examples of DOMAIN.md §3."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analyzer.metrics.load import acwr, history_days, longest_prior, monotony, rolling_load, spike_ratio, usual_speed


def test_load_examples():
    assert spike_ratio(22, 16) == 1.375  # "37.5 % spike"
    assert float(acwr(45, 30 + 32 + 35 + 45)) == pytest.approx(1.27, abs=0.005)
    # coupled: the acute week is inside the 28 days (45 / (142 / 4) = 1.268, not the uncoupled 45 / 32.3 = 1.39),
    # run by run over arrays: 20 km in a 28-day load of 80 km is exactly the weekly average (1.0)
    assert acwr([45, 20], [142, 80]).tolist() == pytest.approx([45 / 35.5, 1.0], abs=1e-12)
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
