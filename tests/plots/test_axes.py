"""The heat × distance and min-span axes, worked out by hand; the figure and the chart use the same numbers."""

from __future__ import annotations

import math

import pytest

from analyzer.plots.axes import centred_span, heat_distance_axes, heat_threshold_label, spike_threshold_label


def test_centred_span_by_hand():
    # 20–30 °C: half-range 5 × 1.1 = 5.5 > 3 → 25 ± 5.5
    assert centred_span([20.0, float("nan"), 30.0], 6.0) == pytest.approx((19.5, 30.5))
    # 21–22 °C: half-range 0.55 < 6 / 2 → 21.5 ± 3
    assert centred_span([21.0, 22.0], 6.0) == pytest.approx((18.5, 24.5))
    # heart rate as the page draws it: half-range 20 + 3 bpm pad = 23 > 15 → 150 ± 23
    assert centred_span([130, 170], 30.0, widen=1.0, pad=3.0) == pytest.approx((127.0, 173.0))
    assert centred_span([float("nan"), float("inf")], 6.0) is None


def test_heat_distance_axes_by_hand():
    nan = float("nan")
    ax = heat_distance_axes([24.0, nan, 28.5], [0.9, 1.3, nan], 32.2, 1.1, reach_heat_threshold=False)
    # x: 24 − 3 = 21 to 28.5 + 2 = 30.5; a run without a heat index → band 1.5 to the left, axis 1 further
    assert (ax.x_lo, ax.x_hi, ax.no_heat, ax.x_gap, ax.x_min) == pytest.approx((21.0, 30.5, True, 19.5, 18.5))
    # y: min(0.9 − 0.08, 0.8) = 0.8 to max(1.3 + 0.08, 1.1 + 0.1) = 1.38; band 0.06 below, axis 0.04 further
    assert (ax.y_lo, ax.y_hi, ax.no_history, ax.y_gap, ax.y_min) == pytest.approx((0.8, 1.38, True, 0.74, 0.70))
    # the figure's x axis reaches the heat line (+2 °C): 32.2 + 2 = 34.2 > 30.5
    assert heat_distance_axes([24.0, 28.5], [0.9, 1.3], 32.2, 1.1, reach_heat_threshold=True).x_hi == pytest.approx(34.2)
    # no run with a value at all: 10–35 °C and 0.8–1.2, the spike line reached (1.3 + 0.1 = 1.4)
    empty = heat_distance_axes([nan], [nan], 32.2, 1.3, reach_heat_threshold=False)
    assert (empty.x_lo, empty.x_hi, empty.y_lo, empty.y_hi) == pytest.approx((10.0, 35.0, 0.8, 1.4))
    full = heat_distance_axes([30.0], [1.0], 32.2, 1.1, reach_heat_threshold=False)
    assert not full.no_heat and not full.no_history and (full.x_min, full.y_min) == (full.x_lo, full.y_lo)


def test_threshold_labels():
    assert heat_threshold_label(32.22) == "heat index threshold 32.2 °C"
    assert spike_threshold_label(1.1) == "long-run spike threshold 1.10×"


def test_figure_and_chart_share_the_axes(tmp_path):
    """The same runs on the page's chart and in the notebook figure: the same y range, bands and line labels."""
    import datetime as dt

    import analyzer
    from analyzer.report.charts import cramp_runs_chart
    from analyzer.testing.synthetic import synthetic_run, write_athlete

    start = dt.datetime(2024, 4, 1, 6, tzinfo=dt.UTC)
    runs = {f"r{i}.fit": synthetic_run(start + dt.timedelta(days=3 * i), 8.0, 360, seed=i) for i in range(12)}
    folder = write_athlete(tmp_path / "ana", {"name": "Ana", "timezone": "Europe/Madrid"}, runs,
                           [{"activity": "r11.fit", "distance_km": 5, "leg": "left"}], None)
    a = analyzer.analyze(analyzer.load_athlete(folder), weather="off")
    chart = cramp_runs_chart(a)
    scales = [layer["encoding"]["y"]["scale"]["domain"] for layer in chart["layer"]
              if "y" in layer["encoding"] and "scale" in layer["encoding"]["y"]]
    fig_ax = analyzer.plot_cramp_runs_vs_others(a).axes[0]
    assert all(d == scales[0] for d in scales)
    assert scales[0] == [round(v, 3) for v in fig_ax.get_ylim()]
    # no run has a heat index (weather off): both draw the left band with the same words
    assert "no heat index" in chart["usermeta"]["bands"]
    assert "no heat index" in [t.get_text() for t in fig_ax.texts]
    labels = [line.get_label() for line in fig_ax.get_lines()]
    assert spike_threshold_label(a.thresholds["long_run_spike_ratio"]) in labels
    assert not math.isnan(fig_ax.get_xlim()[0])
