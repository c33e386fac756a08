"""Each run against the athlete's own history: spikes in distance, faster than usual, load.

All functions take a table of runs (one row per run, ``start_utc`` and ``distance_km``
and, for pace, ``speed_mps``) and return one value per run, computed only from runs
*before* it.

References
----------
Frandsen JSB et al. 2025, Br J Sports Med 59:1203–1210 (single-run spike vs the longest
run in the previous 30 days). Schwellnus MP et al. 2011a, b (faster running and cramps).
Gabbett TJ 2016, Br J Sports Med 50:273–280 (acute:chronic workload ratio). Foster C 1998
(monotony).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd


def spike_ratio(distance_km: float, longest_prior_km: float) -> float:
    """Run distance ÷ longest run in the prior window.

    Examples
    --------
    >>> spike_ratio(22, 16)
    1.375
    """
    return float(distance_km) / float(longest_prior_km) if longest_prior_km and longest_prior_km > 0 else np.nan


def _time_order(runs: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    """Start times in ns in time order, and the order (the table is usually sorted already)."""
    t = pd.DatetimeIndex(runs["start_utc"]).as_unit("ns").asi8
    order = np.argsort(t, kind="stable")
    return t[order], order


def _windows(t_sorted: np.ndarray, days: float, include_self: bool) -> tuple[np.ndarray, np.ndarray]:
    """For each run, the slice ``[lo, hi)`` of the sorted runs in its window: the ``days`` before
    it (``t - days <= start < t``), or up to and including it (``t - days < start <= t``)."""
    span = int(pd.Timedelta(days=days).value)
    if include_self:
        return (np.searchsorted(t_sorted, t_sorted - span, side="right"),
                np.searchsorted(t_sorted, t_sorted, side="right"))
    return np.searchsorted(t_sorted, t_sorted - span, side="left"), np.searchsorted(t_sorted, t_sorted, side="left")


def longest_prior(runs: pd.DataFrame, days: float = 30.0, column: str = "distance_km") -> pd.Series:
    """For each run, the largest ``column`` among runs that started in the ``days`` before it."""
    t, order = _time_order(runs)
    values = runs[column].to_numpy(dtype=float)[order]
    lo, hi = _windows(t, days, include_self=False)
    out = np.full(len(runs), np.nan)
    for k in range(len(t)):
        if hi[k] > lo[k]:
            out[order[k]] = np.nanmax(values[lo[k]:hi[k]])
    return pd.Series(out, index=runs.index)


def history_days(runs: pd.DataFrame) -> pd.Series:
    """Days of recorded history before each run (since the athlete's first run)."""
    first = runs["start_utc"].min()
    return (runs["start_utc"] - first).dt.total_seconds() / 86400.0


def usual_speed(
    runs: pd.DataFrame, days: float = 60.0, similar_fraction: float = 0.25
) -> tuple[pd.Series, pd.Series]:
    """Median speed of the runs of similar distance (±``similar_fraction``) in the prior ``days``.

    Returns
    -------
    usual_speed_mps, n_comparison_runs : Series
    """
    t, order = _time_order(runs)
    d = runs["distance_km"].to_numpy(dtype=float)[order]
    s = runs["speed_mps"].to_numpy(dtype=float)[order]
    lo, hi = _windows(t, days, include_self=False)
    usual = np.full(len(runs), np.nan)
    count = np.zeros(len(runs), dtype=int)
    for k in range(len(t)):
        dd, ss = d[lo[k]:hi[k]], s[lo[k]:hi[k]]
        similar = (np.abs(dd - d[k]) <= similar_fraction * d[k]) & np.isfinite(ss)
        count[order[k]] = int(similar.sum())
        if count[order[k]]:
            usual[order[k]] = float(np.median(ss[similar]))
    return pd.Series(usual, index=runs.index), pd.Series(count, index=runs.index)


def acwr(acute_load: npt.ArrayLike, chronic_load_28d: npt.ArrayLike) -> np.ndarray:
    """Coupled acute:chronic workload ratio: 7-day load ÷ (28-day load / 4).

    *Coupled* because the 28-day (chronic) window includes the 7 acute days, which
    mathematically ties the two and inflates their correlation (Lolli et al. 2019); the
    uncoupled variant divides by the mean of the three weeks before instead. The runs table
    calls the result ``acwr_coupled``. Shown as context only, never as a flag: in a cohort of
    5,205 runners a higher ratio went with *fewer* injuries (Frandsen et al. 2025).

    References
    ----------
    Gabbett TJ 2016, Br J Sports Med 50:273–280. Lolli L et al. 2019, Br J Sports Med 53:921.
    Impellizzeri FM et al. 2020, Int J Sports Physiol Perform 15:907–913.

    Examples
    --------
    >>> round(float(acwr(45, 30 + 32 + 35 + 45)), 2)
    1.27
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.asarray(acute_load, dtype=float) / (np.asarray(chronic_load_28d, dtype=float) / 4.0)


def rolling_load(runs: pd.DataFrame, days: float, column: str = "distance_km") -> pd.Series:
    """Sum of ``column`` over runs in the ``days`` up to and including each run."""
    t, order = _time_order(runs)
    v = runs[column].to_numpy(dtype=float)[order]
    lo, hi = _windows(t, days, include_self=True)
    out = np.empty(len(runs))
    out[order] = [np.nansum(v[a:b]) for a, b in zip(lo, hi, strict=True)]
    return pd.Series(out, index=runs.index)


def monotony(daily_load: npt.ArrayLike) -> float:
    """Foster's weekly monotony: mean daily load ÷ population SD (rest days count as 0).

    Examples
    --------
    >>> round(monotony([360, 0, 300, 420, 0, 600, 240]), 2)
    1.35
    """
    x = np.asarray(daily_load, dtype=float)
    sd = x.std(ddof=0)
    return float(x.mean() / sd) if sd > 0 else np.nan
