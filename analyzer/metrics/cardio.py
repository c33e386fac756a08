"""Heart rate against pace: aerobic decoupling and training impulse (TRIMP).

References
----------
Friel J. "Are you fit? All about aerobic endurance and decoupling", TrainingPeaks.
Banister EW 1991, Modeling elite athletic performance; Morton RH, Fitz-Clarke JR,
Banister EW 1990, J Appl Physiol 69:1171–1177 (sex coefficients). Edwards S 1993,
The Heart Rate Monitor Book.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from analyzer.metrics.sampling import record_durations_s

DECOUPLING_SKIP_START_S = 600.0
"""The first 10 minutes (warm-up, HR still rising) are dropped (Friel)."""

DECOUPLING_MAX_SPEED_CV_PCT = 15.0
"""Runs whose 1-minute speeds vary more than this (coefficient of variation) are not steady
enough for decoupling (ours)."""

DECOUPLING_MIN_STEADY_S = 1200.0
"""At least 20 minutes of steady running after the warm-up are needed (ours)."""

BANISTER_COEFFICIENTS = {"male": (0.64, 1.92), "female": (0.86, 1.67)}
"""(a, b) of the Banister TRIMP weighting a·e^(b·x) (Morton et al. 1990)."""


def efficiency_factor(speed_mps: npt.ArrayLike, heart_rate_bpm: npt.ArrayLike) -> np.ndarray:
    """Efficiency factor EF = speed / heart rate (m/s per bpm)."""
    return np.asarray(speed_mps, dtype=float) / np.asarray(heart_rate_bpm, dtype=float)


def decoupling_pct(ef_first: npt.ArrayLike, ef_second: npt.ArrayLike) -> np.ndarray:
    """Aerobic decoupling, %: ``(EF₁ − EF₂) / EF₁ × 100``.

    Examples
    --------
    >>> ef1, ef2 = efficiency_factor(3.20, 150), efficiency_factor(3.10, 158)
    >>> round(float(decoupling_pct(ef1, ef2)), 1)
    8.0
    """
    e1 = np.asarray(ef_first, dtype=float)
    return (e1 - np.asarray(ef_second, dtype=float)) / e1 * 100.0


def run_decoupling(records: pd.DataFrame, speed_column: str = "speed_mps") -> dict[str, float | str]:
    """Decoupling of one run from its records, or the reason it cannot be computed.

    The warm-up (first ``DECOUPLING_SKIP_START_S`` of moving time) is dropped, the rest is
    split into halves by moving time (``timer_s``, so pauses are left out), and each half's
    EF is its time-weighted mean speed over its time-weighted mean heart rate.

    Returns
    -------
    dict
        ``decoupling_pct``, ``speed_cv_pct`` and ``decoupling_note`` (empty when computed).
    """
    out: dict[str, float | str] = {"decoupling_pct": np.nan, "speed_cv_pct": np.nan, "decoupling_note": ""}
    need = {speed_column, "heart_rate_bpm", "timer_s"}
    if not need <= set(records.columns):
        out["decoupling_note"] = "no heart rate or speed"
        return out
    stamp = records.index.asi8
    valid = ~records.index.isna()
    columns = [records[c].to_numpy(dtype=float, na_value=np.nan) for c in ("timer_s", speed_column, "heart_rate_bpm")]
    if not valid.all() or not records.index.is_monotonic_increasing:
        order = np.flatnonzero(valid)[np.argsort(stamp[valid], kind="stable")]
        columns = [c[order] for c in columns]
    return decoupling_of_arrays(*columns)


def decoupling_of_arrays(timer_s: np.ndarray, speed_mps: np.ndarray, heart_rate_bpm: np.ndarray) -> dict[str, float | str]:
    """:func:`run_decoupling` on a run's records as arrays, in time order (float, NaN for missing).

    Returns
    -------
    dict
        ``decoupling_pct``, ``speed_cv_pct`` and ``decoupling_note`` (empty when computed).
    """
    out: dict[str, float | str] = {"decoupling_pct": np.nan, "speed_cv_pct": np.nan, "decoupling_note": ""}
    keep = (timer_s >= DECOUPLING_SKIP_START_S) & ~np.isnan(speed_mps) & ~np.isnan(heart_rate_bpm)
    timer, speed, hr = timer_s[keep], speed_mps[keep], heart_rate_bpm[keep]
    if len(timer) < 2 or timer[-1] - timer[0] < DECOUPLING_MIN_STEADY_S:
        out["decoupling_note"] = "too short after the 10-minute warm-up"
        return out
    dt = record_durations_s(timer)
    _, minute = np.unique(timer // 60, return_inverse=True)
    per_min = np.bincount(minute, weights=speed) / np.bincount(minute)
    mean = per_min.mean()
    cv = float(per_min.std() / mean * 100) if mean > 0 else np.nan
    out["speed_cv_pct"] = cv
    if not cv <= DECOUPLING_MAX_SPEED_CV_PCT:
        out["decoupling_note"] = f"pace too uneven (1-min speed CV {cv:.0f} % > {DECOUPLING_MAX_SPEED_CV_PCT:.0f} %)"
        return out
    first = timer < (timer[0] + timer[-1]) / 2
    efs = []
    for half in (first, ~first):
        w = dt[half]
        if w.sum() <= 0:
            out["decoupling_note"] = "no moving time in one half"
            return out
        efs.append(efficiency_factor(np.average(speed[half], weights=w), np.average(hr[half], weights=w)))
    out["decoupling_pct"] = float(decoupling_pct(efs[0], efs[1]))
    return out


def banister_trimp(
    duration_min: npt.ArrayLike, heart_rate_bpm: npt.ArrayLike, hr_rest_bpm: float, hr_max_bpm: float, sex: str
) -> float:
    """Banister TRIMP: ``Σ minutes × x × a·e^(b·x)``, ``x = (HR − rest) / (max − rest)``.

    Pass per-record durations and heart rates to sum over the run (better than the
    average heart rate). The heart-rate fraction ``x`` is clipped to 0–1: a reading below
    the resting rate adds nothing, one above the maximum counts as the maximum (a wrong
    profile value or an optical-sensor spike must not blow up the exponential).

    Parameters
    ----------
    duration_min : array_like
        Minutes each heart-rate value stands for (or one total).
    heart_rate_bpm : array_like
        Heart rate, beats/min.
    hr_rest_bpm, hr_max_bpm : float
        Resting and maximal heart rate, beats/min.
    sex : {"female", "male"}
        Chooses Morton's coefficients (:data:`BANISTER_COEFFICIENTS`).

    References
    ----------
    Banister EW 1991; Morton RH, Fitz-Clarke JR, Banister EW 1990, J Appl Physiol 69:1171–1177.

    Examples
    --------
    >>> round(banister_trimp(60, 150, 50, 190, "male"), 1)
    108.1
    >>> round(banister_trimp(60, 150, 50, 190, "female"), 1)
    121.5
    """
    a, b = BANISTER_COEFFICIENTS[sex]
    minutes = np.asarray(duration_min, dtype=float)
    x = np.clip((np.asarray(heart_rate_bpm, dtype=float) - hr_rest_bpm) / (hr_max_bpm - hr_rest_bpm), 0, 1)
    return float(np.nansum(minutes * x * a * np.exp(b * x)))


def edwards_trimp(minutes_in_zones: npt.ArrayLike) -> float:
    """Edwards zone TRIMP: minutes in 50–60, 60–70, 70–80, 80–90, 90–100 % HRmax × 1…5.

    Examples
    --------
    >>> edwards_trimp([10, 20, 15, 5, 0])
    115.0
    """
    return float(np.dot(np.asarray(minutes_in_zones, dtype=float), np.arange(1, 6)))
