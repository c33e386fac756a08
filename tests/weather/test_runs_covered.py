"""Which runs ``weather.csv`` covers (an hour of it from an hour before the run to an hour after),
looked up by the sorted hours: the same runs as by comparing every hour, sorted or not."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analyzer.weather.reasons import Reason
from analyzer.weather.runs import archive_for_runs
from tests.weather.test_runs import leg

DAY = pd.Timestamp("2024-06-15 00:00", tz="UTC")


def _covered_by_hand(hours: pd.DatetimeIndex, start: pd.Timestamp, end: pd.Timestamp) -> bool:
    return any(start - pd.Timedelta(hours=1) <= h <= end + pd.Timedelta(hours=1) for h in hours if pd.notna(h))


@pytest.mark.parametrize("order", ["sorted", "shuffled", "with a gap and repeats"])
def test_the_runs_weather_csv_covers(order):
    rng = np.random.default_rng(3)
    hours = pd.date_range(DAY, periods=48, freq="h", unit="s")
    if order == "with a gap and repeats":
        hours = hours[(hours < DAY + pd.Timedelta(hours=10)) | (hours > DAY + pd.Timedelta(hours=20))].repeat(2)
    elif order == "shuffled":
        hours = hours[rng.permutation(len(hours))]
    weather = pd.DataFrame({"temperature_c": np.arange(len(hours), dtype=float)}, index=hours)
    # runs before, inside, at the edges of and after the hours, and in the gap
    starts = [DAY - pd.Timedelta(hours=3), DAY - pd.Timedelta(minutes=100), DAY - pd.Timedelta(minutes=59),
              DAY + pd.Timedelta(hours=5, minutes=30), DAY + pd.Timedelta(hours=12), DAY + pd.Timedelta(hours=15),
              DAY + pd.Timedelta(hours=19, minutes=30), DAY + pd.Timedelta(hours=47, minutes=10),
              DAY + pd.Timedelta(hours=48, minutes=59), DAY + pd.Timedelta(hours=49, minutes=1)]
    legs = [leg(f"r{k}.fit", start) for k, start in enumerate(starts)]
    out = archive_for_runs(legs, weather, None)
    for one in legs:
        start, end = one.record_span()
        expected = _covered_by_hand(hours, start, end)
        assert (one.source not in out.unavailable) == expected, (order, start)
        if not expected:
            assert out.unavailable[one.source].reason == Reason.SWITCHED_OFF
    # worked out by hand (each run lasts 40 min): r0 ends 2 h 20 min before the first hour; r1 ends at
    # -1 h 00, so 00:00 is an hour after it; r8 starts 1 h 59 min after the last hour (47:00), r9 later;
    # the gap (10:00 to 20:00 left out) has no hour within an hour of r4 (12:00) and r5 (15:00), while
    # r6 (19:30 to 20:10) has 21:00
    if order == "sorted":
        assert sorted(out.unavailable) == ["r0.fit", "r8.fit", "r9.fit"]
    if order == "with a gap and repeats":
        assert sorted(out.unavailable) == ["r0.fit", "r4.fit", "r5.fit", "r8.fit", "r9.fit"]
