"""Minetti's cost of running on a grade, grade-adjusted speed and the grade of a run (analyzer.metrics.pace)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analyzer.metrics.pace import centred_mean, grade_adjusted_speed_mps, grade_from_records, minetti_cost_j_per_kg_m


@pytest.mark.parametrize("grade,factor", [(-0.20, 0.500), (-0.10, 0.598), (-0.05, 0.763), (0, 1), (0.05, 1.301), (0.10, 1.658)])
def test_minetti_factors(grade, factor):
    assert float(minetti_cost_j_per_kg_m(grade) / minetti_cost_j_per_kg_m(0)) == pytest.approx(factor, abs=0.0005)


def test_gap_example():
    # 5:30 min/km (3.03 m/s) up 5 % ≈ 3.94 m/s flat-equivalent (4:14 min/km); the 5 % ramp's grade is
    # checked exactly in test_gradient_of_a_constant_ramp_is_exact_up_to_both_ends
    gap = float(grade_adjusted_speed_mps(1000 / 330, 0.05))
    assert gap == pytest.approx(3.94, abs=0.005) and 1000 / gap == pytest.approx(254, abs=1)


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


def test_centred_mean_by_hand():
    # half window 1: each inner value is the mean of itself and its two neighbours; the ends keep
    # their centre, so the window narrows to the one sample there
    x = [2.0, 4.0, 9.0, 1.0, 6.0]
    assert centred_mean(x, 1).tolist() == pytest.approx([2.0, (2 + 4 + 9) / 3, (4 + 9 + 1) / 3, (9 + 1 + 6) / 3, 6.0])
    # half window 2: the middle sample averages all five (22 / 5), its neighbours three each
    assert centred_mean(x, 2).tolist() == pytest.approx([2.0, 5.0, 4.4, 16 / 3, 6.0])
    assert centred_mean(x, 0).tolist() == x  # no window: unchanged
