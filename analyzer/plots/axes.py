"""Axis ranges shared by the matplotlib figures (:mod:`analyzer.plots`) and the page's Vega-Lite
charts (:mod:`analyzer.report.charts`): worked out once, as numbers and labels, so a figure and a
chart of the same data cannot disagree. Pure functions; nothing here imports matplotlib.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

MIN_HR_SPAN_BPM = 30.0
"""A heart-rate axis spans at least this much, so that noise does not look like drama."""

MIN_PACE_SPAN_MIN = 1.0
"""A pace axis spans at least one minute per km."""

MIN_TEMPERATURE_SPAN_C = 6.0
"""A temperature axis spans at least 6 °C."""

HEAT_AXIS_TITLE = "heat index during the run (°C)"
"""The x axis of the heat × distance figure and chart."""

NO_HEAT_LABEL = "no heat index"
NO_HISTORY_LABEL = "no 30-day history"


def centred_span(values: object, min_span: float, *, widen: float = 1.1,
                 pad: float = 0.0) -> tuple[float, float] | None:
    """A y range centred on the data, ``widen`` × the data's half-range plus ``pad``, at least ``min_span`` wide.

    Parameters
    ----------
    values : array-like
        The values drawn (NaN and inf are left out).
    min_span : float
        The narrowest range, in the values' unit (e.g. :data:`MIN_TEMPERATURE_SPAN_C`).
    widen, pad : float
        The half-range is ``max(half × widen + pad, min_span / 2)``.

    Returns
    -------
    (low, high) or None
        ``None`` when no value is finite.

    Examples
    --------
    >>> centred_span([20.0, 22.0], 6.0)  # 2 °C of data: the 6 °C minimum, centred on 21 °C
    (18.0, 24.0)
    >>> centred_span([150, 170], 30.0, widen=1.0, pad=3.0)  # half 10 + 3 = 13 < 15
    (145.0, 175.0)
    """
    v = np.asarray(values, dtype=float)
    v = v[np.isfinite(v)]
    if not len(v):
        return None
    lo, hi = float(v.min()), float(v.max())
    mid, half = (lo + hi) / 2, max((hi - lo) / 2 * widen + pad, min_span / 2)
    return mid - half, mid + half


@dataclass(frozen=True)
class HeatDistanceAxes:
    """The ranges of the "each run: distance vs heat" figure and chart.

    Attributes
    ----------
    x_lo, x_hi : float
        The runs' heat index (°C), 3 °C below the coolest and 2 °C above the hottest (10–35 °C
        when no run has one).
    y_lo, y_hi : float
        Distance ÷ longest run of the prior 30 days, at least 0.8 to the spike threshold + 0.1.
    no_heat, no_history : bool
        Some run has no heat index (a grey band on the left) or no 30-day history (one at the bottom).
    x_gap, y_gap : float
        Where such a run is drawn, in its band.
    x_min, y_min : float
        Where the axes start (the bands included).
    """

    x_lo: float
    x_hi: float
    y_lo: float
    y_hi: float
    no_heat: bool
    no_history: bool
    x_gap: float
    y_gap: float
    x_min: float
    y_min: float


def heat_distance_axes(heat_index_c: object, distance_ratio: object, heat_threshold_c: float, spike_ratio: float,
                       *, reach_heat_threshold: bool) -> HeatDistanceAxes:
    """The heat (x) and distance-ratio (y) ranges for the runs, with the bands for runs missing a value.

    Parameters
    ----------
    heat_index_c, distance_ratio : array-like
        Each run's highest heat index (°C) and distance ÷ longest run of the prior 30 days (NaN: unknown).
    heat_threshold_c, spike_ratio : float
        The thresholds drawn as lines (``heat_index_caution_c``, ``long_run_spike_ratio``): the y
        axis always reaches the spike line.
    reach_heat_threshold : bool
        Whether the x axis reaches the heat line too (the figure; the chart follows the data and
        says in its subtitle how far the line is).

    Examples
    --------
    >>> ax = heat_distance_axes([25.0, 30.0], [1.0, float("nan")], 32.2, 1.1, reach_heat_threshold=False)
    >>> ax.x_lo, ax.x_hi, ax.no_heat, ax.no_history
    (22.0, 32.0, False, True)
    >>> round(ax.y_lo, 2), round(ax.y_hi, 2), round(ax.y_gap, 2), round(ax.y_min, 2)
    (0.8, 1.2, 0.74, 0.7)
    >>> heat_distance_axes([25.0], [1.0], 32.2, 1.1, reach_heat_threshold=True).x_hi  # 32.2 + 2
    34.2
    """
    x = np.asarray(heat_index_c, dtype=float)
    y = np.asarray(distance_ratio, dtype=float)
    has_x, has_y = bool(np.isfinite(x).any()), bool(np.isfinite(y).any())
    x_lo = float(np.nanmin(x)) - 3 if has_x else 10.0
    x_hi = float(np.nanmax(x)) + 2 if has_x else 35.0
    if reach_heat_threshold:
        x_hi = max(x_hi, heat_threshold_c + 2)
    y_lo = min(float(np.nanmin(y)) - 0.08 if has_y else 0.8, 0.8)
    y_hi = max(float(np.nanmax(y)) + 0.08 if has_y else 1.2, spike_ratio + 0.1)
    no_heat, no_history = bool(np.isnan(x).any()), bool(np.isnan(y).any())
    x_gap = x_lo - 1.5 if no_heat else x_lo
    y_gap = y_lo - 0.06 if no_history else y_lo
    return HeatDistanceAxes(x_lo, x_hi, y_lo, y_hi, no_heat, no_history, x_gap, y_gap,
                            x_gap - 1 if no_heat else x_lo, y_gap - 0.04 if no_history else y_lo)


def heat_threshold_label(heat_threshold_c: float) -> str:
    """``heat index threshold 32.2 °C``: the heat line's name on the figure and in the chart's tooltip."""
    return f"heat index threshold {heat_threshold_c:.1f} °C"


def spike_threshold_label(spike_ratio: float) -> str:
    """``long-run spike threshold 1.10×``: the spike line's name on the figure and in the chart's tooltip."""
    return f"long-run spike threshold {spike_ratio:.2f}×"

