"""Grade-adjusted pace (Minetti et al. 2002).

References
----------
Minetti AE et al. 2002. Energy cost of walking and running at extreme uphill and downhill
slopes. J Appl Physiol 93:1039–1046. https://doi.org/10.1152/japplphysiol.01177.2001
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

MINETTI_GRADE_LIMIT = 0.45
"""The polynomial was fitted on gradients −0.45…+0.45; steeper ones are clipped."""

GRADE_SMOOTHING_M = 50.0
"""Altitude is smoothed over this much distance before gradients are taken (Minetti et al. 2002: raw gradients are noise)."""


def minetti_cost_j_per_kg_m(grade: npt.ArrayLike) -> np.ndarray:
    """Energy cost of running at gradient ``grade`` (rise/run), J kg⁻¹ m⁻¹.

    ``C(i) = 155.4 i⁵ − 30.4 i⁴ − 43.3 i³ + 46.3 i² + 19.5 i + 3.6``.

    Examples
    --------
    >>> float(minetti_cost_j_per_kg_m(0.0))
    3.6
    """
    i = np.clip(np.asarray(grade, dtype=float), -MINETTI_GRADE_LIMIT, MINETTI_GRADE_LIMIT)
    return 155.4 * i**5 - 30.4 * i**4 - 43.3 * i**3 + 46.3 * i**2 + 19.5 * i + 3.6


def grade_adjusted_speed_mps(speed_mps: npt.ArrayLike, grade: npt.ArrayLike) -> np.ndarray:
    """Flat-equivalent speed: ``speed × C(i) / C(0)``.

    Examples
    --------
    >>> round(float(grade_adjusted_speed_mps(1000 / 330, 0.05)), 2)  # 5:30/km up 5 %
    3.94
    """
    return np.asarray(speed_mps, dtype=float) * minetti_cost_j_per_kg_m(grade) / minetti_cost_j_per_kg_m(0.0)


def centred_mean(values: npt.ArrayLike, half_window: int) -> np.ndarray:
    """Moving mean over ``2 × half_window + 1`` samples, the window shrinking symmetrically at the ends.

    Near the first and last samples the window keeps its centre on the sample (it narrows to
    what fits on both sides) instead of leaning inwards, so a straight line is returned
    unchanged everywhere: a constant ramp keeps its gradient up to the run's start and end.

    Examples
    --------
    >>> centred_mean([0.0, 1.0, 2.0, 3.0, 10.0], 1).tolist()
    [0.0, 1.0, 2.0, 5.0, 10.0]
    """
    x = np.asarray(values, dtype=float)
    n = len(x)
    if n == 0 or half_window <= 0:
        return x.copy()
    i = np.arange(n)
    h = np.minimum(np.minimum(i, n - 1 - i), half_window)
    csum = np.concatenate([[0.0], np.cumsum(x)])
    return (csum[i + h + 1] - csum[i - h]) / (2 * h + 1)


GRADE_GRID_M = 5.0
"""Altitude is resampled every 5 m of distance before smoothing."""


def grade_from_records(records: pd.DataFrame, smoothing_m: float = GRADE_SMOOTHING_M) -> pd.Series:
    """Gradient (rise/run) along a run from ``altitude_m`` and ``distance_m``.

    Altitude is resampled on a regular distance grid (every :data:`GRADE_GRID_M` m), smoothed
    with a centred mean over ``smoothing_m`` metres whose window shrinks symmetrically near
    the start and end (:func:`centred_mean`, so the first and last 25 m are not biased), and
    differentiated; each record gets the gradient at its distance. NaN where altitude or
    distance is missing.

    References
    ----------
    Minetti AE et al. 2002 (gradients from smoothed altitude: raw GPS or barometric
    gradients are noise).
    """
    if "altitude_m" not in records or "distance_m" not in records:
        return pd.Series(np.nan, index=records.index)
    d = records["distance_m"].to_numpy(dtype=float)
    a = records["altitude_m"].to_numpy(dtype=float)
    ok = np.isfinite(d) & np.isfinite(a)
    if ok.sum() < 3 or np.nanmax(d[ok]) - np.nanmin(d[ok]) < 2 * smoothing_m:
        return pd.Series(np.nan, index=records.index)
    order = np.argsort(d[ok], kind="stable")
    dd, aa = d[ok][order], a[ok][order]
    steps = max(int(np.ceil((dd[-1] - dd[0]) / GRADE_GRID_M)), 2)
    grid = np.linspace(dd[0], dd[-1], steps + 1)
    alt = np.interp(grid, dd, aa)
    half = max(int(round(smoothing_m / GRADE_GRID_M / 2)), 1)
    slope = np.gradient(centred_mean(alt, half), grid)
    return pd.Series(np.interp(d, grid, slope, left=np.nan, right=np.nan), index=records.index)
