"""Grade-adjusted pace (Minetti et al. 2002).

References
----------
Minetti AE et al. 2002. Energy cost of walking and running at extreme uphill and downhill
slopes. J Appl Physiol 93:1039–1046. DOMAIN.md §3.5.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

MINETTI_GRADE_LIMIT = 0.45
"""The polynomial was fitted on gradients −0.45…+0.45; steeper ones are clipped."""

GRADE_SMOOTHING_M = 50.0
"""Altitude is smoothed over this much distance before gradients are taken (DOMAIN.md §3.5)."""


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


def grade_from_records(records: pd.DataFrame, smoothing_m: float = GRADE_SMOOTHING_M) -> pd.Series:
    """Gradient (rise/run) along a run from ``altitude_m`` and ``distance_m``.

    Altitude is resampled on a regular distance grid, smoothed with a centred rolling mean
    over ``smoothing_m`` metres, and differentiated; each record gets the gradient at its
    distance. NaN where altitude or distance is missing.
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
    grid = np.arange(dd[0], dd[-1], 5.0)
    alt = np.interp(grid, dd, aa)
    window = max(int(round(smoothing_m / 5.0)), 1)
    smooth = pd.Series(alt).rolling(window, center=True, min_periods=1).mean().to_numpy()
    slope = np.gradient(smooth, grid)
    return pd.Series(np.interp(d, grid, slope, left=np.nan, right=np.nan), index=records.index)
