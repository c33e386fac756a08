"""The one-leg chance and the season's Fisher exact test (analyzer.metrics.stats), worked by hand."""

from __future__ import annotations

from math import comb

import pytest

from analyzer.metrics.stats import fisher_exact_p, same_side_p


def test_same_side_p_by_hand():
    # each cramp left or right with chance ½: all n on one side = 2 × 0.5ⁿ
    assert same_side_p(1) == 1.0  # one cramp is always "all on one side"
    assert same_side_p(4) == pytest.approx(0.125)
    assert same_side_p(5) == pytest.approx(0.0625)
    assert same_side_p(10) == pytest.approx(2 / 1024)
    assert same_side_p(0) == 1.0


def test_fisher_exact_p_lady_tasting_tea():
    # Fisher 1935, The Design of Experiments, ch. II: 8 cups, 4 milk-first; she names 3 of the 4.
    # Tables with these margins have a = 0..4 with weights C(4,a)·C(4,4−a) = 1, 16, 36, 16, 1 (of 70);
    # two-sided: those no likelier than a = 3 (16/70): 1 + 16 + 16 + 1 = 34/70 = 0.4857
    assert [comb(4, a) * comb(4, 4 - a) for a in range(5)] == [1, 16, 36, 16, 1]
    assert fisher_exact_p(3, 1, 1, 3) == pytest.approx(34 / 70)
    # all four named: only the two extreme tables (1 + 1 of 70)
    assert fisher_exact_p(4, 0, 0, 4) == pytest.approx(2 / 70)


def test_fisher_exact_p_season_table_by_hand():
    # 3 of 4 cramp runs vs 1 of 10 other runs at or above a threshold: margins rows 4 / 10, column 4.
    # P(a) = C(4,a)·C(10,4−a) / C(14,4): a = 0..4 → 210, 480, 270, 40, 1 (of 1001).
    # Observed a = 3 (40); no likelier: a = 3, a = 4 → 41 / 1001
    assert [comb(4, a) * comb(10, 4 - a) for a in range(5)] == [210, 480, 270, 40, 1] and comb(14, 4) == 1001
    assert fisher_exact_p(3, 1, 1, 9) == pytest.approx(41 / 1001)
    assert fisher_exact_p(0, 0, 0, 0) == 1.0  # no runs: nothing to compare
