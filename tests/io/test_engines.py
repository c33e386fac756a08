"""The numpy engine and the fitparse engine give identical frames on generated files that
exercise every base type, both byte orders, compressed timestamps, developer fields and pauses.
(The same comparison runs on every corpus file in test_fit_corpus.py.)"""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest

import analyzer
from analyzer.testing.fit_encode import DevField, FitWriter, to_fit_seconds

START = dt.datetime(2024, 7, 1, 6, 0, tzinfo=dt.UTC)

# developer fields of every numeric base type
DEV = [
    DevField(0, 0, "core_temperature", "°C", 0x88),  # float32
    DevField(0, 1, "form_power", "Watts", 0x84),  # uint16
    DevField(0, 2, "ground_time", "ms", 0x86),  # uint32
    DevField(0, 3, "vertical_ratio", "%", 0x89),  # float64
    DevField(0, 4, "balance", "%", 0x01),  # sint8
    DevField(0, 5, "stiffness", "kN/m", 0x83),  # sint16
    DevField(0, 6, "counter", "", 0x85),  # sint32
    DevField(0, 7, "steps", "", 0x8C),  # uint32z
    DevField(0, 8, "flags", "", 0x0A),  # uint8z
    DevField(0, 9, "big", "", 0x8E),  # sint64
    DevField(0, 10, "bigger", "", 0x8F),  # uint64
    DevField(0, 11, "id", "", 0x8B),  # uint16z
    DevField(0, 12, "zid", "", 0x90),  # uint64z
]


def _file(little_endian: bool, compressed: bool) -> bytes:
    rng = np.random.default_rng(3)
    w = FitWriter(little_endian=little_endian, dev_fields=DEV)
    w.write("file_id", type="activity", manufacturer="garmin", product=2888, serial_number=99, time_created=START)
    w.write("event", timestamp=START, event="timer", event_type="start", event_group=0)
    base = to_fit_seconds(START)
    for i in range(300):
        if 100 <= i < 130:  # paused: no records
            if i == 100:
                w.write("event", timestamp=START + dt.timedelta(seconds=i), event="timer", event_type="stop_all")
            continue
        if i == 130:
            w.write("event", timestamp=START + dt.timedelta(seconds=i), event="timer", event_type="start")
        values = dict(
            heart_rate=None if i % 50 == 7 else 120 + i % 40,  # uint8 with invalid values
            cadence=80 + i % 5, fractional_cadence=0.5,  # uint8
            distance=i * 3.1,  # uint32, scale 100
            enhanced_speed=3.1 + 0.01 * (i % 7),  # uint32, scale 1000
            altitude=100 + 0.2 * i,  # uint16, scale 5, offset 500
            power=200 + i % 30,  # uint16
            position_lat=int(4.7e8 + i * 1000), position_long=int(-1.1e8 - i * 700),  # sint32
            temperature=int(rng.integers(-5, 35)),  # sint8
            grade=float(rng.normal(0, 3)),  # sint16, scale 100
            core_temperature=37.0 + i / 1000, form_power=60 + i % 10, ground_time=230 + i % 9,
            vertical_ratio=7.5 + i / 100, balance=-3 + i % 7, stiffness=-200 + i, counter=-70000 + i,
            steps=None if i % 13 == 0 else i, flags=1 + i % 3, big=-(2**40) + i, bigger=2**40 + i, id=1 + i, zid=5 + i,
        )
        if compressed and i % 10:
            w.write("record", compressed_time_offset=(base + i) & 0x1F, **values)
        else:
            w.write("record", timestamp=START + dt.timedelta(seconds=i), **values)
    end = START + dt.timedelta(seconds=299)
    w.write("event", timestamp=end, event="timer", event_type="stop_all")
    w.write("lap", timestamp=end, start_time=START, total_elapsed_time=299, total_timer_time=269,
            total_distance=299 * 3.1, avg_heart_rate=140, sport="running")
    w.write("session", timestamp=end, start_time=START, total_elapsed_time=299, total_timer_time=269,
            total_distance=299 * 3.1, sport="running", sub_sport="trail")
    w.write("activity", timestamp=end, local_timestamp=to_fit_seconds(end) + 7200, num_sessions=1, type="manual")
    return w.to_bytes()


@pytest.mark.parametrize("little_endian", [True, False], ids=["little-endian", "big-endian"])
@pytest.mark.parametrize("compressed", [False, True], ids=["timestamps", "compressed-timestamps"])
def test_engines_agree_on_generated_files(little_endian, compressed):
    data = _file(little_endian, compressed)
    fast = analyzer.read_fit(io.BytesIO(data))
    ref = analyzer.read_fit(io.BytesIO(data), engine="fitparse")
    assert (fast.engine, ref.engine) == ("numpy", "fitparse")
    for frame in ("records", "laps", "sessions", "events", "pauses"):
        pd.testing.assert_frame_equal(getattr(fast, frame), getattr(ref, frame), obj=frame)
    assert fast.device == ref.device and fast.utc_offset == ref.utc_offset == pd.Timedelta(hours=2)
    recs = fast.records
    assert len(recs) == 270 and len(fast.pauses) == 1 and fast.pauses["duration_s"].iloc[0] == 30
    assert recs["heart_rate_bpm"].isna().sum() == 5  # i = 7, 57, 157, 207, 257 (107 falls in the pause)
    assert recs["big"].iloc[0] == float(-(2**40)) and recs["bigger"].iloc[-1] == float(2**40 + 299)
    # uint32z: 0 is invalid, and i % 13 == 0 wrote None: 24 multiples of 13 in 0..299, less 104 and 117 (paused)
    assert recs["steps"].isna().sum() == 22
    assert recs["core_temperature_c"].iloc[0] == pytest.approx(37.0)
    assert recs["altitude_m"].iloc[10] == pytest.approx(102.0)
    assert recs["latitude_deg"].iloc[0] == pytest.approx(4.7e8 * 180 / 2**31)
    assert (recs.index == pd.DatetimeIndex(
        [pd.Timestamp(START) + pd.Timedelta(seconds=i) for i in range(300) if not 100 <= i < 130])).all()
