"""The per-run overlay, checked by its artists: axes, labels, markers, spans."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import analyzer
from analyzer.testing.synthetic import synthetic_run, write_athlete

UTC = dt.UTC


@pytest.fixture
def athlete(tmp_path):
    run = synthetic_run(dt.datetime(2024, 3, 10, 16, tzinfo=UTC), 10, 360, pauses=[(1800, 2100)], wrist_temperature_c=31)
    cramps = [
        {"time": "2024-03-10 09:40", "leg": "left", "muscle": "calf", "severity": 3},
        {"activity": "r.fit", "distance_km": 8.0, "leg": "right", "muscle": "hamstring"},
        {"time": "2024-03-11 03:00", "leg": "left"},  # at rest: not on this run's plot
    ]
    folder = write_athlete(tmp_path / "ana", {"timezone": "America/Los_Angeles"}, {"r.fit": run}, cramps)
    return analyzer.load_athlete(folder)


def _cramp_xs(ax):
    return sorted(round(float(line.get_xdata()[0]), 3) for line in ax.get_lines() if line.get_gid() == "cramp")


def test_three_panels_with_units_and_inverted_pace(athlete):
    fig = analyzer.plot_run(athlete.activities[0], analyzer.match_cramps(athlete), timezone=athlete.timezone)
    pace, hr, heat = fig.axes
    assert pace.get_ylabel() == "pace (min/km)" and pace.yaxis_inverted()
    assert hr.get_ylabel() == "heart rate (bpm)" and heat.get_ylabel() == "temperature (°C)"
    assert heat.get_xlabel() == "distance (km)"
    assert "Sun 10 Mar 2024 09:00" in fig._suptitle.get_text()  # local (PDT) start
    assert "10.00 km" in fig._suptitle.get_text()


def test_one_marker_per_cramp_at_its_distance(athlete):
    cramps = analyzer.match_cramps(athlete)
    fig = analyzer.plot_run(athlete.activities[0], cramps)
    expected = sorted(round(v, 3) for v in cramps.loc[cramps["context"] == "during_run", "distance_km"])
    assert len(expected) == 2
    # 09:40 is 40 min in, less the 5 min pause: 35 min at 6:00/km = 5.83 km; the other logged at 8.0 km
    assert expected[0] == pytest.approx(35 / 6, abs=0.05) and expected[1] == pytest.approx(8.0, abs=0.01)
    for ax in fig.axes:
        assert _cramp_xs(ax) == expected
    labels = [t.get_text() for t in fig.axes[0].texts if t.get_gid() == "cramp-label"]
    assert labels == ["cramp 1: left calf · severity 3/5", "cramp 2: right hamstring"]


def test_time_axis_puts_markers_at_elapsed_minutes(athlete):
    cramps = analyzer.match_cramps(athlete)
    fig = analyzer.plot_run(athlete.activities[0], cramps, x="time")
    assert fig.axes[2].get_xlabel() == "elapsed time (min)"
    assert _cramp_xs(fig.axes[0])[0] == pytest.approx(40.0, abs=0.05)


def test_pause_is_shaded_on_every_panel(athlete):
    fig = analyzer.plot_run(athlete.activities[0], x="time")
    for ax in fig.axes:
        spans = [p for p in ax.patches if p.get_gid() == "pause"]
        assert len(spans) == 1
        x0 = spans[0].get_x() if hasattr(spans[0], "get_x") else spans[0].get_xy()[0][0]
        assert x0 == pytest.approx(30.0, abs=0.05)  # the pause starts 30 min in


def test_wrist_temperature_is_labelled_and_air_unknown_without_weather(athlete):
    fig = analyzer.plot_run(athlete.activities[0])
    labels = [line.get_label() for line in fig.axes[2].get_lines()]
    assert labels == ["watch temperature (wrist, reads high: never air)"]
    assert not any(label.startswith("air temperature") for label in labels)


def test_weather_adds_air_temperature_and_heat_index(athlete):
    import pandas as pd

    weather = pd.DataFrame(
        {"temperature_c": [30.0, 30.0], "relative_humidity_pct": [70.0, 70.0]},
        index=pd.DatetimeIndex(["2024-03-10 15:00", "2024-03-10 18:00"], tz="UTC", name="time"),
    )
    fig = analyzer.plot_run(athlete.activities[0], weather=weather)
    lines = {line.get_label(): line for line in fig.axes[2].get_lines()}
    assert set(lines) == {"air temperature (weather)", "heat index (NWS)",
                          "watch temperature (wrist, reads high: never air)"}
    assert np.nanmax(lines["air temperature (weather)"].get_ydata()) == pytest.approx(30.0)
    # 30 °C = 86 °F at 70 %, Rothfusz term by term: −42.379 + 176.215 + 710.033 − 1353.028
    # − 50.573 − 268.604 + 636.143 + 359.378 − 72.118 = 95.07 °F = 35.04 °C
    assert np.nanmax(lines["heat index (NWS)"].get_ydata()) == pytest.approx(35.04, abs=0.02)


def test_axes_do_not_make_noise_look_dramatic(athlete):
    # the synthetic run's heart rate and pace barely move: the axes still span 30 bpm and 1 min/km
    fig = analyzer.plot_run(athlete.activities[0])
    pace, hr, _ = fig.axes
    assert abs(hr.get_ylim()[1] - hr.get_ylim()[0]) >= 30
    assert abs(pace.get_ylim()[0] - pace.get_ylim()[1]) >= 1.0 and pace.yaxis_inverted()


def test_wrist_temperature_is_smoothed_faint_and_the_legend_is_below_the_data(athlete):
    fig = analyzer.plot_run(athlete.activities[0])
    heat = fig.axes[2]
    (wrist,) = [line for line in heat.get_lines() if "wrist" in line.get_label()]
    raw = athlete.activities[0].records["temperature_c"].to_numpy()
    assert wrist.get_linestyle() == ":"
    # whole-degree readings jitter by a degree; the 2-minute mean drawn varies far less
    assert np.nanstd(np.diff(wrist.get_ydata())) < np.nanstd(np.diff(raw)) / 5
    legend = heat.get_legend()
    assert legend is not None and legend.get_bbox_to_anchor().y0 < heat.get_window_extent().y0


def test_cramp_labels_stay_inside_the_frame(tmp_path):
    run = synthetic_run(dt.datetime(2024, 3, 10, 16, tzinfo=UTC), 10, 360)
    cramps = [{"activity": "r.fit", "distance_km": 9.9, "leg": "both", "muscle": "calf", "severity": 5},
              {"activity": "r.fit", "distance_km": 0.2, "leg": "left"}]
    athlete = analyzer.load_athlete(write_athlete(tmp_path / "a", {"timezone": "UTC"}, {"r.fit": run}, cramps))
    fig = analyzer.plot_run(athlete.activities[0], analyzer.match_cramps(athlete))
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = FigureCanvasAgg(fig)
    canvas.draw()
    renderer = canvas.get_renderer()
    frame = fig.axes[0].get_window_extent(renderer)
    labels = [t for t in fig.axes[0].texts if t.get_gid() == "cramp-label"]
    assert [t.get_text() for t in labels] == ["cramp 1: calf, both legs · severity 5/5", "cramp 2: left"]
    for t in labels:
        box = t.get_window_extent(renderer)
        assert frame.x0 - 1 <= box.x0 and box.x1 <= frame.x1 + 1, t.get_text()
