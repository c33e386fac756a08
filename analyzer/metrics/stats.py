"""Small-sample statistics for the season view and the one-leg hint.

References
----------
Fisher RA 1922, "On the interpretation of χ² from contingency tables"; the two-sided
p-value sums the probabilities of all tables with the same margins that are no more
likely than the observed one (as R's ``fisher.test`` does).
"""

from __future__ import annotations

from math import comb


def same_side_p(n_single_leg: int) -> float:
    """Chance that ``n`` cramps, each equally likely left or right, all fall on one side: 2 × 0.5ⁿ.

    Examples
    --------
    >>> same_side_p(5)
    0.0625
    """
    return min(1.0, 2.0 * 0.5**n_single_leg) if n_single_leg > 0 else 1.0


def fisher_exact_p(a: int, b: int, c: int, d: int) -> float:
    """Two-sided Fisher exact test on the 2×2 table ``[[a, b], [c, d]]``.

    Examples
    --------
    >>> round(fisher_exact_p(3, 1, 1, 3), 4)  # R: fisher.test(matrix(c(3,1,1,3), 2))$p.value
    0.4857
    """
    row1, row2, col1 = a + b, c + d, a + c
    n = row1 + row2
    if n == 0:
        return 1.0

    def prob(x: int) -> float:
        return comb(row1, x) * comb(row2, col1 - x) / comb(n, col1)

    observed = prob(a)
    lo, hi = max(0, col1 - row2), min(row1, col1)
    return min(1.0, sum(p for x in range(lo, hi + 1) if (p := prob(x)) <= observed * (1 + 1e-7)))
