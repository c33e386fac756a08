"""The per-run overlay, checked by its artists: axes, labels, markers, spans."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import analyzer
from analyzer.synthetic import synthetic_run, write_athlete

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
    assert labels == ["cramp: left calf · severity 3/5", "cramp: right hamstring"]


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
    assert labels == ["watch temperature (wrist, reads high)"]
    assert not any("air" in label for label in labels)


def test_weather_adds_air_temperature_and_heat_index(athlete):
    import pandas as pd

    weather = pd.DataFrame(
        {"temperature_c": [30.0, 30.0], "relative_humidity_pct": [70.0, 70.0]},
        index=pd.DatetimeIndex(["2024-03-10 15:00", "2024-03-10 18:00"], tz="UTC", name="time"),
    )
    fig = analyzer.plot_run(athlete.activities[0], weather=weather)
    lines = {line.get_label(): line for line in fig.axes[2].get_lines()}
    assert set(lines) == {"air temperature (weather)", "heat index (NWS)", "watch temperature (wrist, reads high)"}
    assert np.nanmax(lines["air temperature (weather)"].get_ydata()) == pytest.approx(30.0)
    # 30 °C = 86 °F at 70 %, Rothfusz term by term: −42.379 + 176.215 + 710.033 − 1353.028
    # − 50.573 − 268.604 + 636.143 + 359.378 − 72.118 = 95.07 °F = 35.04 °C
    assert np.nanmax(lines["heat index (NWS)"].get_ydata()) == pytest.approx(35.04, abs=0.02)
