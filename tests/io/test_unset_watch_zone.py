"""Issue 21: a watch whose local time was never set records offset 0 in every file. For a runner
whose athlete.toml zone is never UTC+00:00 on those days, that is not a trip on every run day:
it is detected, the travel rule is not applied, and it is said once for the athlete.

Ana lives in Madrid (athlete.toml: Europe/Madrid, UTC+02:00 in June). Three 8 km runs start at
06:00 UTC (08:00 in Madrid) on 3, 6 and 9 June 2024, each file recording offset 0. Her cramps are
logged at 08:20 Madrid time: 06:20 UTC, 20 minutes into each run. Read as UTC+00:00 (a "trip"),
08:20 would be 08:20 UTC, 1 h 16 min after each run's end (8 km at 330 s/km = 44 min)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

import analyzer
from analyzer.testing.synthetic import synthetic_run, write_athlete

UTC = dt.UTC
DAYS = (3, 6, 9)


def _ana(tmp_path, offsets=(0, 0, 0)):
    runs = {f"r{d}.fit": synthetic_run(dt.datetime(2024, 6, d, 6, 0, tzinfo=UTC), 8, 330, utc_offset_s=off, seed=d)
            for d, off in zip(DAYS, offsets, strict=True)}
    cramps = [{"time": f"2024-06-{d:02d} 08:20", "leg": "left"} for d in DAYS]
    return write_athlete(tmp_path / "ana", {"name": "Ana", "timezone": "Europe/Madrid"}, runs, cramps)


def test_a_watch_never_set_is_not_a_trip_every_day(tmp_path):
    ath = analyzer.load_athlete(_ana(tmp_path), weather="off")
    a = analyzer.analyze(ath, weather="off")
    c = a.cramps.set_index("cramp_row")
    assert c["time_utc"].tolist() == [pd.Timestamp(f"2024-06-{d:02d} 06:20", tz="UTC") for d in DAYS]
    assert c["context"].tolist() == ["during_run"] * 3
    assert c["time_zone_used"].tolist() == ["Europe/Madrid"] * 3
    said = [p for p in a.problems if "never set" in p.message]
    assert len(said) == 1  # once for the athlete, never once per run or cramp
    assert said[0].athlete == "ana" and said[0].location == ""
    assert "all 3 runs recorded UTC+00:00" in said[0].message and "Europe/Madrid" in said[0].message


def test_one_run_at_another_offset_keeps_the_travel_rule(tmp_path):
    # the first run recorded Madrid's own UTC+02:00: the watch was set; the other two days were away at UTC+00:00
    ath = analyzer.load_athlete(_ana(tmp_path, offsets=(7200, 0, 0)), weather="off")
    a = analyzer.analyze(ath, weather="off")
    c = a.cramps.set_index("cramp_row")
    assert c.loc[1, "time_utc"] == pd.Timestamp("2024-06-03 06:20", tz="UTC")
    assert c.loc[2, "time_utc"] == pd.Timestamp("2024-06-06 08:20", tz="UTC")  # read in that day's UTC+00:00
    assert c.loc[2, "time_zone_used"] == "UTC+00:00"
    assert not [p for p in a.problems if "never set" in p.message]


def test_a_home_zone_at_utc_is_not_a_watch_never_set(tmp_path):
    runs = {f"r{d}.fit": synthetic_run(dt.datetime(2024, 1, d, 8, 0, tzinfo=UTC), 8, 330, utc_offset_s=0, seed=d)
            for d in DAYS}
    folder = write_athlete(tmp_path / "tom", {"timezone": "Europe/London"}, runs, [])  # GMT in January
    ath = analyzer.load_athlete(folder, weather="off")
    assert not [p for p in ath.problems if "never set" in p.message]
