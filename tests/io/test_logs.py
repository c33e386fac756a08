"""Validation of the athlete's own files: every bad row named by its row number."""

from __future__ import annotations

import pandas as pd

from analyzer.io.logs import parse_local_time, read_cramp_log, read_profile, read_weather, read_weigh_ins

LOG = """time,leg,muscle,severity,notes,shoe
2024-05-01 08:10,left,calf,3,ok row,pegasus
2024-05-01 08:20,lef,calf,3,typo in leg,pegasus
2024-05-01 08:30, RIGHT ,Hamstring,5,case and spaces forgiven,
2024-05-01 08:40,right,neck,2,unknown muscle,
2024-05-01 08:50,both,calf,7,severity too high,

2024-05-01 09:00,left,calf,2.5,severity not whole,
not a date,left,calf,2,bad time,
,left,calf,2,no time and no activity,
2024-05-01 09:30,left,calf,,,
2024-05-01 09:40,left,calf,1,fine,
"""


def test_cramp_log_rows_are_validated_and_numbered(tmp_path):
    path = tmp_path / "cramps.csv"
    path.write_text(LOG)
    frame, problems = read_cramp_log(path, "Europe/Madrid", "ana")
    assert frame["cramp_row"].tolist() == [1, 3, 10, 11]
    assert frame["leg"].tolist() == ["left", "right", "left", "left"]
    assert frame["muscle"].tolist()[:2] == ["calf", "hamstring"]
    assert frame["shoe"].tolist()[0] == "pegasus"  # unknown columns survive
    by_row = {p.location: p.message for p in problems}
    assert 'leg "lef" is not one of left, right, both' in by_row["row 2"]
    assert 'muscle "neck"' in by_row["row 4"]
    assert "severity" in by_row["row 5"] and "severity" in by_row["row 7"]
    assert "time" in by_row["row 8"]
    assert "needs a time" in by_row["row 9"]
    assert set(by_row) == {"row 2", "row 4", "row 5", "row 7", "row 8", "row 9"}  # blank line 6 is no row
    assert all(p.file == str(path) and p.athlete == "ana" for p in problems)
    # 08:10 in Madrid (CEST, UTC+2) is 06:10 UTC
    assert frame["time_utc"].iloc[0] == pd.Timestamp("2024-05-01 06:10", tz="UTC")


def test_missing_leg_column_is_one_clear_problem(tmp_path):
    path = tmp_path / "cramps.csv"
    path.write_text("time,muscle\n2024-05-01 08:10,calf\n")
    frame, problems = read_cramp_log(path, "UTC")
    assert frame.empty and len(problems) == 1 and "'leg'" in problems[0].message


def test_header_only_or_absent_log_means_no_cramps(tmp_path):
    path = tmp_path / "cramps.csv"
    path.write_text("time,leg\n")
    frame, problems = read_cramp_log(path, "UTC")
    assert frame.empty and problems == []
    frame, problems = read_cramp_log(tmp_path / "absent.csv", "UTC")
    assert frame.empty and problems == []


def test_latin1_is_read_tolerantly_and_reported_with_byte_offset(tmp_path):
    path = tmp_path / "cramps.csv"
    text = "time,leg,notes\n2024-05-01 08:10,left,Crampe au mollet très forte\n"
    path.write_bytes(text.encode("latin-1"))
    frame, problems = read_cramp_log(path, "UTC")
    assert frame["notes"].tolist() == ["Crampe au mollet très forte"]  # nothing lost
    assert problems[0].location == f"byte {text.index('è')}" and "Windows-1252" in problems[0].message


def test_utf16_from_a_spreadsheet_is_read(tmp_path):
    path = tmp_path / "cramps.csv"
    path.write_bytes("time,leg,notes\n2024-05-01 08:10,left,Wadenkrampf – übel\n".encode("utf-16"))
    frame, problems = read_cramp_log(path, "UTC")
    assert frame["notes"].tolist() == ["Wadenkrampf – übel"] and problems == []


def test_semicolons_and_decimal_commas(tmp_path):
    path = tmp_path / "cramps.csv"
    path.write_text("activity;distance_km;leg;severity\nrun.fit;12,5;left;3\n")
    frame, problems = read_cramp_log(path, "UTC")
    assert frame["distance_km"].tolist() == [12.5] and problems == []


def test_duplicates_future_and_absurd_values_are_row_problems(tmp_path):
    path = tmp_path / "cramps.csv"
    path.write_text(
        "time,leg,duration_s,distance_km,activity\n"
        "2024-05-01 08:10,left,30,,\n"
        "2024-05-01 08:10,left,30,,\n"
        "2999-01-01 08:10,left,,,\n"
        "2024-05-02 08:10,left,86400,,\n"
        ",left,,4000,run.fit\n"
    )
    frame, problems = read_cramp_log(path, "UTC")
    assert frame["cramp_row"].tolist() == [1]
    by_row = {p.location: p.message for p in problems}
    assert "repeats row 1" in by_row["row 2"] and "future" in by_row["row 3"]
    assert "duration_s" in by_row["row 4"] and "distance_km" in by_row["row 5"]


def test_binary_junk_is_not_read(tmp_path):
    path = tmp_path / "cramps.csv"
    path.write_bytes(b"time,leg\x00\x01\x02")
    frame, problems = read_cramp_log(path, "UTC")
    assert frame.empty and problems[0].location == "byte 8"


def test_utf8_bom_is_accepted(tmp_path):
    path = tmp_path / "cramps.csv"
    path.write_bytes("\ufefftime,leg\n2024-05-01 08:10,left\n".encode())
    frame, problems = read_cramp_log(path, "UTC")
    assert len(frame) == 1 and problems == []


def test_iso_times_with_offset_are_taken_as_written():
    assert parse_local_time("2024-03-10T09:30:00+01:00", "America/Los_Angeles")[0] == pd.Timestamp("2024-03-10 08:30Z")
    assert parse_local_time("2024-03-10T09:30Z", "Asia/Tokyo")[0] == pd.Timestamp("2024-03-10 09:30Z")


def test_dst_gap_and_overlap_are_handled_deliberately():
    # Los Angeles, 2024-03-10: clocks jump 02:00 PST → 03:00 PDT. 02:30 does not exist.
    t, note = parse_local_time("2024-03-10 02:30", "America/Los_Angeles")
    assert t == pd.Timestamp("2024-03-10 10:30Z")  # read with the offset before the jump (−8 h) = 03:30 PDT
    assert "does not exist" in note
    # 2024-11-03: 01:30 happens twice (PDT, then PST); the first (summer time, −7 h) is taken
    t, note = parse_local_time("2024-11-03 01:30", "America/Los_Angeles")
    assert t == pd.Timestamp("2024-11-03 08:30Z") and "twice" in note


def test_profile_defaults_and_bad_values(tmp_path):
    path = tmp_path / "athlete.toml"
    path.write_text('name = "Ana"\ntimezone = "Mars/Olympus"\nsex = "x"\nbody_mass_kg = -3\nmedications = "furosemide"\n')
    profile, problems = read_profile(path, "ana")
    assert profile["name"] == "Ana" and profile["timezone"] == "UTC"
    assert profile["medications"] == ["furosemide"]
    assert "body_mass_kg" not in profile
    assert {p.location for p in problems} == {"timezone", "sex", "body_mass_kg"}


def test_profile_toml_syntax_error_names_the_line(tmp_path):
    path = tmp_path / "athlete.toml"
    path.write_text('name = "Ana"\ntimezone = Europe/Madrid\n')
    profile, problems = read_profile(path, "ana")
    assert profile["name"] == "ana" and problems[0].location == "line 2"


def test_weather_rows(tmp_path):
    path = tmp_path / "weather.csv"
    path.write_text(
        "time,temperature_c,relative_humidity_pct\n2024-07-01 08:00,28.5,60\n2024-07-01 09:00,hot,60\n"
        "2024-07-01 10:00,31,140\n2024-07-01T11:00Z,33,40\n"
    )
    frame, problems = read_weather(path, "Europe/Madrid")
    assert frame.index.tolist() == [pd.Timestamp("2024-07-01 06:00Z"), pd.Timestamp("2024-07-01 11:00Z")]
    assert [p.location for p in problems] == ["row 2", "row 3"]


def test_weigh_ins(tmp_path):
    path = tmp_path / "weigh_ins.csv"
    path.write_text("activity,mass_before_kg,mass_after_kg,fluid_ml\nrun.fit,62.0,60.3,500\nrun2.fit,62,,\n"
                    "run3.fit,62,6.03,\nrun4.fit,,61.0,\n")
    frame, problems = read_weigh_ins(path, "UTC")
    assert frame["mass_after_kg"].tolist() == [60.3, 61.0]  # run4: before comes from the profile later
    assert [p.location for p in problems] == ["row 2", "row 3"] and "6.03" in problems[1].message


def test_many_times_at_once_read_exactly_as_one_by_one():
    from analyzer.io.logs import parse_log_time, parse_log_times

    # every 17 minutes of a leap year (both DST changes of each zone, Lord Howe's half-hour one),
    # plus offsets, fractions, dates alone and errors
    texts = [f"{t:%Y-%m-%d %H:%M}" for t in pd.date_range("2024-01-01", "2024-12-31", freq="17min")]
    texts += ["2024-03-31 02:30", "2024-10-27 02:30", "2024-03-10 02:15", "2024-11-03 01:30", "2024-04-07 02:15",
              "2024-10-06 02:10", "2024-06-18T08:50:00.123+02:00", "2024-06-18 08:50Z", "2024-06-01", "", "bad",
              "12/03/2024 08:50", "2024-02-30 10:00", "2024-06-18 25:00"]
    for tz in ("Europe/Madrid", "America/New_York", "Australia/Sydney", "Australia/Lord_Howe", "Asia/Kolkata"):
        assert parse_log_times(texts, tz) == [parse_log_time(t, tz) for t in texts]
    gap, overlap = parse_log_times(["2024-03-31 02:30", "2024-10-27 02:30"], "Europe/Madrid")
    assert str(gap.utc) == "2024-03-31 01:30:00+00:00" and "does not exist" in gap.note  # read as 03:30 local
    assert str(overlap.utc) == "2024-10-27 00:30:00+00:00" and "twice" in overlap.note  # the summer-time one


def test_a_file_name_with_a_backslash_is_a_name_not_a_path(tmp_path):
    import datetime as dt

    import analyzer
    from analyzer.testing.synthetic import synthetic_run, write_athlete

    start = dt.datetime(2024, 6, 3, 6, tzinfo=dt.UTC)
    name = "long\\run.fit"  # a legal file name on Linux and macOS
    folder = write_athlete(tmp_path / "ana", {"timezone": "UTC"}, {name: synthetic_run(start, 3.0, 300)},
                           [{"activity": name, "distance_km": 1.5, "leg": "left"},
                            {"activity": "runs/long.fit", "distance_km": 1.0, "leg": "left"}])
    assert (folder / "activities" / name).is_file()
    frame, problems = read_cramp_log(folder / "cramps.csv", "UTC", "ana")
    assert frame["activity"].tolist() == [name]
    assert [p.location for p in problems] == ["row 2"] and "not a path" in problems[0].message
    a = analyzer.analyze(analyzer.load_athlete(folder, weather="off"))
    placed = a.cramps.set_index("cramp_row").loc[1]
    assert placed["context"] == "during_run" and placed["activity"] == name
    assert abs(placed["elapsed_s"] - 1.5 * 300) <= 3  # 1.5 km at 5:00/km, within one record's noise
    logged = analyzer.log_cramp(folder, leg="right", activity=name, km=2.0)
    assert logged.cells["activity"] == name
