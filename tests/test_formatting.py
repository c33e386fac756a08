"""Numbers as people read them: offsets like clocks, frames as a notebook shows them."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import analyzer
from analyzer.formatting import format_utc_offset, readable
from tests.conftest import DATA


@pytest.mark.parametrize(
    ("offset", "text"),
    [(dt.timedelta(hours=2), "+02:00"), (pd.Timedelta(hours=-4), "-04:00"), (-19800, "-05:30"),
     (pd.Timedelta(minutes=345), "+05:45"), (dt.timedelta(0), "+00:00"), (None, "not recorded"), (pd.NaT, "not recorded")],
)
def test_utc_offset_like_a_clock(offset, text):
    assert format_utc_offset(offset) == text


def test_readable_formats_each_unit_and_leaves_the_data_alone():
    frame = pd.DataFrame({
        "start_utc": pd.to_datetime(["2024-06-18 06:50:00"], utc=True),
        "distance_km": [18.20027], "pace_s_per_km": [325.52], "elapsed_s": [5925.4],
        "decoupling_pct": [-0.04], "air_temperature_c": [30.6666], "avg_heart_rate_bpm": [151.6],
        "had_cramp": [True], "notes": ["ran out of water"], "sweat_rate_l_per_h": [np.nan],
    })
    before = frame.copy()
    styler = readable(frame, timezone="Europe/Madrid")
    cells = styler.hide(axis="index").to_string(delimiter="|").splitlines()[1].split("|")
    # 06:50 UTC is 08:50 in Madrid in June (CEST, +02:00); 325.52 s/km is 5:26/km; 5925 s is 1:38:45
    assert cells == ["2024-06-18 08:50 +02:00", "18.20", "5:26", "1:38:45", "0.0", "30.7", "152", "True",
                     "ran out of water", "—"]
    pd.testing.assert_frame_equal(frame, before)


def test_readable_without_a_timezone_says_utc():
    frame = pd.DataFrame({"t": pd.to_datetime(["2024-01-01 12:00"], utc=True)})
    assert readable(frame).hide(axis="index").to_string(delimiter="|").splitlines()[1] == "2024-01-01 12:00 UTC"


def test_readable_activity_records_index_in_local_time():
    act = analyzer.read_fit(DATA / "fitparse__activity-small-fenix2-run.fit")
    first = act.records.index[0]
    text = readable(act.records.head(1), timezone="America/New_York").to_string(delimiter="|").splitlines()[-1]
    local = first.tz_convert("America/New_York")
    assert text.startswith(local.strftime("%Y-%m-%d %H:%M ") + format_utc_offset(local.utcoffset()) + "|")


def test_readable_keeps_seconds_where_rows_differ_by_seconds():
    frame = pd.DataFrame({"t": pd.to_datetime(["2024-06-18 06:50:00", "2024-06-18 06:50:07"], utc=True)})
    lines = readable(frame, timezone="Europe/Madrid").hide(axis="index").to_string(delimiter="|").splitlines()
    assert lines[1:] == ["2024-06-18 08:50:00 +02:00", "2024-06-18 08:50:07 +02:00"]
    whole = pd.DataFrame({"t": pd.to_datetime(["2024-06-18 06:50", "2024-06-18 07:05"], utc=True)})
    assert readable(whole).hide(axis="index").to_string(delimiter="|").splitlines()[1] == "2024-06-18 06:50 UTC"


def test_readable_renames_the_headers_whose_unit_it_changed():
    frame = pd.DataFrame({"pace_s_per_km": [300.0], "moving_s": [61.0], "distance_km": [1.0], "notes": ["x"]})
    header = readable(frame).hide(axis="index").to_string(delimiter="|").splitlines()[0]
    assert header == "pace (min/km)|moving (h:mm:ss)|distance_km|notes"
    assert list(frame.columns) == ["pace_s_per_km", "moving_s", "distance_km", "notes"]  # the data keeps its names


def test_readable_formats_object_columns_holding_numbers():
    frame = pd.DataFrame({"value": pd.Series([7.933333333333334, None, 2], dtype=object),
                          "pace_s_per_km": pd.Series([330.4, None, 299.6], dtype=object)})
    rows = [line.split("|") for line in readable(frame).hide(axis="index").to_string(delimiter="|").splitlines()[1:]]
    assert rows == [["7.93", "5:30"], ["—", "—"], ["2.00", "5:00"]]


def test_readable_leaves_the_count_of_describe_alone():
    frame = pd.DataFrame({"pace_s_per_km": [300.0, 330.0, 360.0], "elapsed_s": [1800.0, 3600.0, 5400.0]})
    rows = readable(frame.describe()).to_string(delimiter="|").splitlines()
    count, mean = rows[1].split("|"), rows[2].split("|")
    assert count == ["count", "3", "3"]  # not 0:03 and 0:00:03
    assert mean == ["mean", "5:30", "1:00:00"]


def test_readable_checks_the_time_zone_when_called():
    frame = pd.DataFrame({"t": pd.to_datetime(["2024-01-01 12:00"], utc=True)})
    with pytest.raises(ValueError, match="unknown time zone 'Europe/Madird'"):
        readable(frame, timezone="Europe/Madird")
    with pytest.raises(TypeError, match="readable takes a DataFrame or Series"):
        readable({"a": 1})
