"""How long each record stands for: time weights for averages over irregularly recorded runs.

Watches record every second or only when something changes ("smart recording"), so a
run's records are not evenly spaced. Any average over a run must weight each record by the
time it covers, never count rows.

References
----------
Garmin Forerunner owner's manuals, "Data recording" (every second vs smart recording).
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

MAX_RECORD_GAP_S = 30.0
"""A gap between two records longer than this (a pause, a lost signal) counts as this long at
most, so one stale value never weighs like minutes of running."""


def record_durations_s(timer_s: npt.ArrayLike, max_gap_s: float = MAX_RECORD_GAP_S) -> np.ndarray:
    """Seconds of moving time each record stands for: the moving time since the previous record.

    Parameters
    ----------
    timer_s : array_like
        Moving time of each record, s, in time order (timer pauses already taken out).
    max_gap_s : float
        Longest gap one record may cover (:data:`MAX_RECORD_GAP_S`).

    Returns
    -------
    numpy.ndarray
        One duration per record; the first record covers 0 s, negative steps (clock jumps) 0 s.

    Examples
    --------
    >>> record_durations_s([0, 1, 2, 7, 100]).tolist()
    [0.0, 1.0, 1.0, 5.0, 30.0]
    """
    t = np.asarray(timer_s, dtype=float)
    if t.size == 0:
        return t.copy()
    steps = np.diff(t, prepend=t[0])
    return np.clip(np.nan_to_num(steps, nan=0.0), 0.0, max_gap_s)


def time_weighted_mean(values: npt.ArrayLike, durations_s: npt.ArrayLike) -> float:
    """Mean of ``values`` weighted by the time each covers (records with NaN left out).

    Returns NaN when no time is covered by a known value.

    Examples
    --------
    >>> time_weighted_mean([3.0, 3.0, 4.0], [1.0, 1.0, 2.0])
    3.5
    """
    v = np.asarray(values, dtype=float)
    w = np.asarray(durations_s, dtype=float)
    ok = np.isfinite(v) & np.isfinite(w) & (w > 0)
    total = float(w[ok].sum())
    return float(np.dot(v[ok], w[ok]) / total) if total > 0 else float("nan")
