"""The air along a run (analyzer.weather.air): interpolation, the sources' precedence, the wording-free result."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import analyzer
from analyzer.testing.synthetic import synthetic_run, write_athlete
from analyzer.weather import air
from analyzer.weather.air import SOURCE_CSV, SOURCE_UNKNOWN, has_air_sensor, interpolate_weather, run_air

T0 = pd.Timestamp("2024-06-15 10:00", tz="UTC")


def test_the_old_import_path_gives_the_same_names():
    import analyzer.air

    assert analyzer.air.run_air is run_air and analyzer.air.interpolate_weather is air.interpolate_weather


def test_interpolation_between_close_observations_and_nothing_across_a_gap():
    obs = pd.DataFrame({"temperature_c": [10.0, 20.0, 30.0]},
                       index=pd.DatetimeIndex([T0, T0 + pd.Timedelta(hours=1), T0 + pd.Timedelta(hours=5)]))
    times = pd.DatetimeIndex([T0 + pd.Timedelta(minutes=m) for m in (15, 30, 90, 150, 270, 300, 340)])
    got = interpolate_weather(times, obs, ["temperature_c"])["temperature_c"].tolist()
    # by hand: 10 → 20 over an hour: 12.5 at :15, 15 at :30; 90 min is 30 min from the 20 °C hour (the
    # gap to the next is 4 h > 2 h): the nearest within 1 h; 150 min is 90 min from both: nothing;
    # 270 min is 30 min before the 30 °C observation: the nearest; 300 min is on it; 340 min is 40 min after
    assert got[:3] == pytest.approx([12.5, 15.0, 20.0])
    assert np.isnan(got[3])
    assert got[4:] == pytest.approx([30.0, 30.0, 30.0])


def test_a_repeated_observation_time_counts_once_and_unsorted_rows_are_sorted():
    obs = pd.DataFrame({"temperature_c": [20.0, 10.0, 99.0]},
                       index=pd.DatetimeIndex([T0 + pd.Timedelta(hours=1), T0, T0]))
    got = interpolate_weather(pd.DatetimeIndex([T0 + pd.Timedelta(minutes=30)]), obs, ["temperature_c"])
    assert got["temperature_c"].iloc[0] == pytest.approx(15.0)  # 10 (the first row at T0) and 20


def test_an_air_sensor_is_known_by_its_device_type_or_product():
    def act(*sensors):
        return type("A", (), {"device": {"sensors": list(sensors)}})()

    assert has_air_sensor(act({"device_type": "env_sensor"}))
    assert has_air_sensor(act({"product": "Tempe"}))
    assert not has_air_sensor(act({"device_type": "heart_rate"}))
    assert not has_air_sensor(act())


def test_weather_csv_wins_and_its_wind_keeps_its_one_name(tmp_path):
    start = dt.datetime(2024, 6, 15, 10, 0, tzinfo=dt.UTC)
    rows = [{"time": (start + dt.timedelta(hours=h)).isoformat(), "temperature_c": 20 + h, "relative_humidity_pct": 50,
             "wind_mps": 2.0 + h} for h in range(-1, 3)]
    folder = write_athlete(tmp_path / "ana", {"timezone": "UTC"}, {"r.fit": synthetic_run(start, 5.0, 360)}, [],
                           weather=rows)
    athlete = analyzer.load_athlete(folder, weather="off")
    (act,) = athlete.activities
    got = run_air(athlete, act)
    assert (got.source, got.humidity_source, got.note) == (SOURCE_CSV, SOURCE_CSV, "")
    # 30 min in: half-way from 20 °C / 2 m/s at 10:00 to 21 °C / 3 m/s at 11:00
    t = act.records.index[0] + pd.Timedelta(minutes=30)
    row = got.frame.loc[got.frame.index == t]
    assert row["temperature_c"].iloc[0] == pytest.approx(20.5) and row["wind_mps"].iloc[0] == pytest.approx(2.5)
    assert "wind_10m_mps" not in got.frame


def test_no_source_says_why_from_the_archive_lookup(tmp_path):
    start = dt.datetime(2024, 6, 15, 10, 0, tzinfo=dt.UTC)
    folder = write_athlete(tmp_path / "ana", {"timezone": "UTC"}, {"r.fit": synthetic_run(start, 5.0, 360)}, [])
    athlete = analyzer.load_athlete(folder, weather="off")
    (act,) = athlete.activities
    got = run_air(athlete, act)
    assert got.source == SOURCE_UNKNOWN and not got.known
    assert got.note == "no weather.csv covers it and the weather archive is switched off"
