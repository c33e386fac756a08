"""Cramps placed on runs, on synthetic athlete folders written by the tests."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pandas as pd
import pytest

import analyzer
from analyzer.testing.synthetic import synthetic_run, write_athlete

UTC = dt.UTC
# 2024-03-10 is the day Los Angeles moves from PST (UTC−8) to PDT (UTC−7) at 02:00.
# A run starting 09:00 PDT starts at 16:00 UTC: 10 km at 6:00/km, ends 17:00 UTC.
RUN_START = dt.datetime(2024, 3, 10, 16, 0, tzinfo=UTC)


def _athlete(tmp_path, cramps, timezone="America/Los_Angeles", weather=None, pauses=()):
    runs = {
        "2024-03-09-easy.fit": synthetic_run(dt.datetime(2024, 3, 9, 17, 0, tzinfo=UTC), 8, 360, seed=1),
        "2024-03-10-long.fit": synthetic_run(RUN_START, 10, 360, seed=2, pauses=pauses, utc_offset_s=-7 * 3600),
    }
    folder = write_athlete(tmp_path / "ana", {"name": "Ana", "timezone": timezone}, runs, cramps, weather)
    return analyzer.load_athlete(folder)


def test_local_time_matches_the_right_run_across_dst(tmp_path):
    ath = _athlete(tmp_path, [{"time": "2024-03-10 09:40", "leg": "left", "muscle": "calf", "severity": 3}])
    out = analyzer.match_cramps(ath)
    row = out.iloc[0]
    assert row["time_utc"] == pd.Timestamp("2024-03-10 16:40Z")  # 09:40 PDT
    assert row["context"] == "during_run" and row["activity"] == "2024-03-10-long.fit"
    assert row["elapsed_s"] == pytest.approx(2400, abs=1)
    assert row["distance_km"] == pytest.approx(40 / 6, abs=0.05)  # 40 min at 6:00/km
    assert row["pace_s_per_km"] == pytest.approx(360, rel=0.03)


def test_the_same_cramp_with_the_timezone_ignored_does_not_match(tmp_path):
    # read as UTC, 09:40 is 6 h 20 min before the run started: no run is near it
    ath = _athlete(tmp_path, [{"time": "2024-03-09 09:40", "leg": "left"}], timezone="UTC")
    assert analyzer.match_cramps(ath)["context"].iloc[0] != "during_run"
    # on the day the watch recorded UTC−07:00 the runner was away from UTC: 09:40 is read at −07:00
    # (16:40 UTC, 40 min into the run), and the row says so
    ath = _athlete(tmp_path / "a", [{"time": "2024-03-10 09:40", "leg": "left"}], timezone="UTC")
    row = analyzer.match_cramps(ath).iloc[0]
    assert row["context"] == "during_run" and row["time_zone_used"] == "UTC-07:00"
    # read with the winter offset (PST, −8 h) it is 17:40 UTC, 40 min after the run: after_run, not during
    ath = _athlete(tmp_path / "b", [{"time": "2024-03-10T09:40:00-08:00", "leg": "left"}])
    row = analyzer.match_cramps(ath).iloc[0]
    assert row["context"] == "after_run" and np.isnan(row["elapsed_s"])


def test_activity_and_distance_resolve_to_elapsed_time(tmp_path):
    ath = _athlete(tmp_path, [{"activity": "2024-03-10-long.fit", "distance_km": 7.5, "leg": "right"}])
    row = analyzer.match_cramps(ath).iloc[0]
    assert row["context"] == "during_run"
    assert row["elapsed_s"] == pytest.approx(7.5 * 360, abs=10)  # 7.5 km at 6:00/km
    assert row["time_utc"] == pd.Timestamp(RUN_START) + pd.Timedelta(seconds=row["elapsed_s"])
    assert row["distance_km"] == pytest.approx(7.5, abs=0.005)


def test_night_cramp_with_no_run_is_at_rest(tmp_path):
    ath = _athlete(tmp_path, [{"time": "2024-03-11 03:00", "leg": "left", "muscle": "calf"}])
    row = analyzer.match_cramps(ath).iloc[0]
    assert row["context"] == "at_rest" and row["activity"] is None


def test_cramp_in_a_pause_is_during_run(tmp_path):
    # paused from 30:00 to 35:00 of elapsed time; cramp logged at 32:00 (09:32 PDT)
    ath = _athlete(tmp_path, [{"time": "2024-03-10 09:32", "leg": "left"}], pauses=[(1800, 2100)])
    row = analyzer.match_cramps(ath).iloc[0]
    assert row["context"] == "during_run" and row["activity"] == "2024-03-10-long.fit"
    assert row["distance_km"] == pytest.approx(5.0, abs=0.05)  # 30 min at 6:00/km before the pause


def test_time_just_after_the_run_is_placed_at_its_end_with_a_note(tmp_path):
    ath = _athlete(tmp_path, [{"time": "2024-03-10 10:10", "leg": "left"}])  # 10 min after the end
    row = analyzer.match_cramps(ath).iloc[0]
    assert row["context"] == "during_run"
    assert row["distance_km"] == pytest.approx(10.0, abs=0.01)
    assert "placed at its end" in row["match_note"]


def test_after_run_same_day(tmp_path):
    ath = _athlete(tmp_path, [{"time": "2024-03-10 15:00", "leg": "both"}])
    row = analyzer.match_cramps(ath).iloc[0]
    assert row["context"] == "after_run" and row["activity"] == "2024-03-10-long.fit"


def test_air_temperature_comes_from_weather_never_from_the_wrist(tmp_path):
    cramp = [{"time": "2024-03-10 09:40", "leg": "left"}]
    without = analyzer.match_cramps(_athlete(tmp_path / "a", cramp)).iloc[0]
    assert np.isnan(without["air_temperature_c"]) and np.isnan(without["heat_index_c"])  # wrist reads 30 °C
    weather = [
        {"time": "2024-03-10 09:00", "temperature_c": 30.0, "relative_humidity_pct": 60},
        {"time": "2024-03-10 10:00", "temperature_c": 33.0, "relative_humidity_pct": 60},
    ]
    row = analyzer.match_cramps(_athlete(tmp_path / "b", cramp, weather=weather)).iloc[0]
    assert row["air_temperature_c"] == pytest.approx(32.0)  # 40 of 60 minutes from 30 to 33 °C
    # NWS heat index at 32 °C (89.6 °F), 60 %, Rothfusz regression term by term:
    # −42.379 + 183.592 + 608.600 − 1208.285 − 54.895 − 197.342 + 591.871 + 275.086 − 57.514
    # = 98.73 °F = 37.07 °C (the NWS chart gives 100 °F at 90 °F / 60 %)
    assert row["heat_index_c"] == pytest.approx(37.07, abs=0.02)


def test_output_columns_follow_formats_md(tmp_path):
    ath = _athlete(tmp_path, [{"time": "2024-03-10 09:40", "leg": "left", "notes": "<b>ouch</b>", "mood": "grumpy"}])
    out = analyzer.match_cramps(ath)
    assert list(out.columns[:12]) == [
        "athlete", "cramp_row", "time_utc", "context", "activity", "elapsed_s", "distance_km",
        "pace_s_per_km", "heart_rate_bpm", "air_temperature_c", "heat_index_c", "patterns",
    ]
    assert out["mood"].iloc[0] == "grumpy" and out["notes"].iloc[0] == "<b>ouch</b>"
    assert out["athlete"].iloc[0] == "ana" and out["cramp_row"].iloc[0] == 1


def test_unknown_activity_and_distance_beyond_run_are_noted(tmp_path):
    ath = _athlete(tmp_path, [
        {"activity": "missing.fit", "distance_km": 3, "leg": "left"},
        {"activity": "2024-03-10-long.fit", "distance_km": 42, "leg": "left"},
    ])
    problems: list = []
    out = analyzer.match_cramps(ath, problems=problems)
    # neither can be placed without inventing a moment: both kept, 'not placed', each a row problem
    assert list(out["context"]) == ["not_placed", "not_placed"]
    assert "not among" in out["match_note"].iloc[0] and out["activity"].iloc[0] == "missing.fit"
    assert pd.isna(out["elapsed_s"].iloc[0]) and out["distance_km"].iloc[0] == 3
    # the file's own total is 10 km: 42 km lies beyond it, and the logged km is kept as written
    assert "beyond the end" in out["match_note"].iloc[1] and "10.00 km" in out["match_note"].iloc[1]
    assert out["distance_km"].iloc[1] == 42 and pd.isna(out["elapsed_s"].iloc[1])
    assert sorted(p.location for p in problems) == ["row 1", "row 2"]


def _undated_fit(n: int = 600) -> bytes:
    """A run file whose records carry distance, speed and heart rate but no timestamp (3 m apart)."""
    from analyzer.testing.fit_encode import FitWriter

    w = FitWriter()
    w.write("file_id", type="activity", manufacturer="development", product=1, serial_number=1)
    dist = np.arange(n) * 3.0
    w.write_many("record", distance=dist, heart_rate=np.full(n, 150.0), speed=np.full(n, 3.0))
    w.write("session", sport="running", sub_sport="generic", event="session", event_type="stop",
            total_distance=float(dist[-1]))
    return w.to_bytes()


def test_a_km_logged_in_a_file_without_timestamps_is_kept_and_its_chart_says_why(tmp_path):
    import csv

    folder = write_athlete(tmp_path / "team" / "ana", {"name": "Ana", "timezone": "UTC"},
                           {"undated.fit": _undated_fit()},
                           [{"activity": "undated.fit", "distance_km": 1.5, "leg": "left"}])
    out = tmp_path / "out"
    result = analyzer.run_report(folder, out, jobs=1, use_cache=False, weather="off")
    assert result.exit_code == 1  # the file's missing timestamps are one input problem
    with open(out / "cramps.csv", newline="", encoding="utf-8") as fh:
        (row,) = list(csv.DictReader(fh))
    assert (row["context"], row["activity"], row["distance_km"]) == ("during_run", "undated.fit", "1.5")
    assert row["elapsed_s"] == "" and row["time_utc"] == ""  # no moment is invented
    page = (out / "ana" / "report.html").read_text(encoding="utf-8")
    assert "NaTType" not in page and "ValueError" not in page
    assert "no timestamps, so it is not drawn along the run" in page
    a = analyzer.analyze(analyzer.load_athlete(folder, weather="off"))
    fig = analyzer.plot_run(a.athlete.activities[0], a.cramps)  # the printed figure says the same, not "no data"
    texts = [t.get_text() for ax in fig.axes for t in ax.texts]
    assert texts and all("no timestamps" in t for t in texts)
