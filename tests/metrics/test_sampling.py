"""Time weights: averages over irregularly recorded runs weigh time, not rows."""

from __future__ import annotations

import numpy as np
import pytest

from analyzer.metrics.sampling import MAX_RECORD_GAP_S, record_durations_s, time_weighted_mean


def test_record_durations():
    assert record_durations_s([0, 1, 2, 7, 100]).tolist() == [0.0, 1.0, 1.0, 5.0, MAX_RECORD_GAP_S]
    assert record_durations_s([5, 4, np.nan, 6]).tolist() == [0.0, 0.0, 0.0, 0.0]
    assert record_durations_s([]).tolist() == []


def test_time_weighted_mean_of_a_half_smart_recorded_run():
    # first half 3.0 m/s recorded every second, second half 4.0 m/s every 5 s: the true mean
    # speed is 3.5 m/s (285.7 s/km); a per-record mean gives 3.17 m/s (315.8 s/km)
    t = np.concatenate([np.arange(0, 1801, 1.0), np.arange(1805, 3601, 5.0)])
    v = np.where(t <= 1800, 3.0, 4.0)
    assert 1000 / v.mean() == pytest.approx(315.8, abs=0.1)
    assert 1000 / time_weighted_mean(v, record_durations_s(t)) == pytest.approx(285.7, abs=0.1)
    assert np.isnan(time_weighted_mean([np.nan], [1.0]))
