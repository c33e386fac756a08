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
