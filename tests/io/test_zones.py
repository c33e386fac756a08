"""The athlete's time zone from the watch, travellers' cramp times, spreadsheet dates (issue 21)."""

from __future__ import annotations

import datetime as dt

import pandas as pd

import analyzer
from analyzer.io.logs import read_cramp_log, slash_date_order
from analyzer.io.zones import fixed_zone, format_offset
from analyzer.testing.synthetic import synthetic_run, write_athlete


def _tokyo(tmp_path, utc_offset_s):
    """Three 10 km runs at 06:00 in Tokyo (21:00 UTC the day before), a cramp logged at 06:30 local in each."""
    runs, cramps = {}, []
    for i, day in enumerate((18, 20, 22)):
        start = dt.datetime(2024, 6, day - 1, 21, 0, tzinfo=dt.UTC)
        runs[f"run{i}.fit"] = synthetic_run(start, 10, 330, utc_offset_s=utc_offset_s, seed=i)
        cramps.append({"time": f"2024-06-{day} 06:30", "leg": "left"})
    folder = write_athlete(tmp_path / "aiko", {}, runs, cramps)
    (folder / "athlete.toml").unlink()
    return folder


def test_tokyo_runner_without_athlete_toml_keeps_her_cramps_in_runs(tmp_path):
    ath = analyzer.load_athlete(_tokyo(tmp_path, 9 * 3600), weather="off")
    assert ath.timezone_label == "UTC+09:00" and not ath.timezone_guessed
    assert "3 of 3 runs" in ath.profile["timezone_note"]
    a = analyzer.analyze(ath, weather="off")
    # 06:30 at UTC+09:00 is 21:30 UTC the day before, 30 min into each run that started at 21:00 UTC
    assert a.cramps["context"].tolist() == ["during_run"] * 3
    assert a.cramps["activity"].tolist() == ["run0.fit", "run1.fit", "run2.fit"]
    assert a.cramps["time_utc"].tolist() == [pd.Timestamp(f"2024-06-{d} 21:30", tz="UTC") for d in (17, 19, 21)]
    assert a.cramps["time_zone_used"].tolist() == ["UTC+09:00"] * 3
    # 30 min at 330 s/km: 1800 / 330 = 5.45 km into each run
    assert a.cramps["distance_km"].round(1).tolist() == [5.5] * 3
    assert "night" not in set(a.flags["pattern"])


def test_no_zone_and_no_watch_offsets_is_a_guess_and_night_not_assessable(tmp_path):
    ath = analyzer.load_athlete(_tokyo(tmp_path, None), weather="off")
    assert ath.timezone == "UTC" and ath.timezone_guessed
    assert "not assessable" in ath.profile["timezone_note"]
    a = analyzer.analyze(ath, weather="off")
    # read as 06:30 UTC the cramps fall 8.5 h after each run, at "night" (before 07:00): never a night flag
    assert a.cramps["context"].tolist() == ["at_rest"] * 3
    assert "night" not in set(a.flags["pattern"])


def test_runs_that_disagree_read_each_day_in_its_own_offset(tmp_path):
    """No zone in athlete.toml; two runs at UTC+02:00 (summer), one at UTC+01:00 (winter)."""
    runs = {
        "jun.fit": synthetic_run(dt.datetime(2024, 6, 18, 6, 0, tzinfo=dt.UTC), 8, 330, utc_offset_s=7200),
        "jul.fit": synthetic_run(dt.datetime(2024, 7, 18, 6, 0, tzinfo=dt.UTC), 8, 330, utc_offset_s=7200),
        "dec.fit": synthetic_run(dt.datetime(2024, 12, 18, 7, 0, tzinfo=dt.UTC), 8, 330, utc_offset_s=3600),
    }
    # 08:20 local is 06:20 UTC in June (UTC+2) and 07:20 UTC in December (UTC+1): 20 min into each run
    cramps = [{"time": "2024-06-18 08:20", "leg": "left"}, {"time": "2024-12-18 08:20", "leg": "left"}]
    folder = write_athlete(tmp_path / "ben", {"name": "Ben"}, runs, cramps)
    a = analyzer.analyze(analyzer.load_athlete(folder, weather="off"), weather="off")
    assert a.athlete.timezone_label == "UTC+02:00"
    assert "2 of 3 runs" in a.athlete.profile["timezone_note"] and "UTC+01:00" in a.athlete.profile["timezone_note"]
    assert a.cramps["time_utc"].tolist() == [pd.Timestamp("2024-06-18 06:20", tz="UTC"),
                                             pd.Timestamp("2024-12-18 07:20", tz="UTC")]
    assert a.cramps["activity"].tolist() == ["jun.fit", "dec.fit"]
    assert a.cramps["time_zone_used"].tolist() == ["UTC+02:00", "UTC+01:00"]


def test_traveller_cramp_lands_in_the_run_the_watch_recorded(tmp_path):
    """Home Berlin (UTC+01:00 on 31 Oct 2024); a race in New York (EDT, UTC-04:00, until 3 Nov 2024)."""
    runs = {
        "home.fit": synthetic_run(dt.datetime(2024, 10, 20, 7, 0, tzinfo=dt.UTC), 10, 330, utc_offset_s=7200),
        # 07:30 in New York = 11:30 UTC; 42.2 km at 330 s/km takes 3 h 52 min
        "nyc.fit": synthetic_run(dt.datetime(2024, 10, 31, 11, 30, tzinfo=dt.UTC), 42.2, 330,
                                 utc_offset_s=-4 * 3600),
    }
    cramps = [{"time": "2024-10-31 07:59", "leg": "right"},         # New York time, no offset
              {"time": "2024-10-31T12:40:00+01:00", "leg": "left"},  # an explicit offset always wins
              {"time": "2024-10-20 09:20", "leg": "left"}]          # at home: Berlin time (CEST)
    folder = write_athlete(tmp_path / "lena", {"name": "Lena", "timezone": "Europe/Berlin"}, runs, cramps)
    a = analyzer.analyze(analyzer.load_athlete(folder, weather="off"), weather="off")
    c = a.cramps.set_index("cramp_row")
    # 07:59 at UTC-04:00 = 11:59 UTC: 29 min into the New York run (in Berlin time it would be 06:59 UTC, at rest)
    assert c.loc[1, "time_utc"] == pd.Timestamp("2024-10-31 11:59", tz="UTC")
    assert c.loc[1, "context"] == "during_run" and c.loc[1, "activity"] == "nyc.fit"
    assert c.loc[1, "time_zone_used"] == "UTC-04:00"
    assert "UTC-04:00" in c.loc[1, "match_note"] and "Europe/Berlin" in c.loc[1, "match_note"]
    # 12:40+01:00 = 11:40 UTC: in the same run, read as written
    assert c.loc[2, "time_utc"] == pd.Timestamp("2024-10-31 11:40", tz="UTC")
    assert c.loc[2, "time_zone_used"] == "the offset written in the log"
    # 09:20 in Berlin summer time (UTC+02:00) = 07:20 UTC, 20 min into the home run
    assert c.loc[3, "time_utc"] == pd.Timestamp("2024-10-20 07:20", tz="UTC")
    assert c.loc[3, "activity"] == "home.fit" and c.loc[3, "time_zone_used"] == "Europe/Berlin"


def test_fixed_zones_and_offsets():
    assert fixed_zone(9 * 3600) == "Etc/GMT-9" and fixed_zone(-4 * 3600) == "Etc/GMT+4" and fixed_zone(0) == "UTC"
    # India has kept UTC+05:30 all year since 1945
    zone = fixed_zone(5 * 3600 + 1800)
    assert pd.Timestamp("2024-06-18 00:00", tz="UTC").tz_convert(zone).hour == 5
    assert format_offset(pd.Timedelta(hours=-3, minutes=-30)) == "UTC-03:30"


EXCEL_DMY = "time,leg\n03/10/2024 07:00,left\n13/10/2024 9:38,right\n"
EXCEL_MDY = "time,leg\n10/03/2024 07:00,left\n10/13/2024 9:38,right\n"
EXCEL_UNDECIDED = "time,leg\n03/10/2024 07:00,left\n"


def test_excel_dates_are_read_in_the_order_a_day_over_12_settles(tmp_path):
    for text, order in ((EXCEL_DMY, "DMY"), (EXCEL_MDY, "MDY")):
        path = tmp_path / f"{order}.csv"
        path.write_text(text)
        frame, problems = read_cramp_log(path, "UTC")
        assert problems == []
        # 3 October 2024 07:00 and 13 October 2024 09:38, either way written
        assert frame["time_utc"].tolist() == [pd.Timestamp("2024-10-03 07:00", tz="UTC"),
                                              pd.Timestamp("2024-10-13 09:38", tz="UTC")]
        assert all(f"({order})" in n and "day 13" in n for n in frame["time_note"])


def test_excel_dates_that_never_settle_need_date_order(tmp_path):
    path = tmp_path / "cramps.csv"
    path.write_text(EXCEL_UNDECIDED)
    frame, problems = read_cramp_log(path, "UTC")
    assert frame.empty and problems[0].location == "row 1"
    assert "ambiguous" in problems[0].message and 'date_order = "DMY" or "MDY"' in problems[0].message
    frame, problems = read_cramp_log(path, "UTC", date_order="MDY")
    assert problems == [] and frame["time_utc"].tolist() == [pd.Timestamp("2024-03-10 07:00", tz="UTC")]
    assert "as date_order in athlete.toml says" in frame["time_note"].iloc[0]
    # a file that says both orders is read in neither
    path.write_text("time,leg\n13/10/2024 09:00,left\n10/14/2024 09:00,left\n")
    frame, problems = read_cramp_log(path, "UTC", date_order="DMY")
    assert frame.empty and [p.location for p in problems] == ["row 1", "row 2"]
    assert all("mixes day-first (13/10/2024 09:00) and month-first (10/14/2024 09:00)" in p.message for p in problems)
    assert slash_date_order(["03/10/2024", "13/10/2024", "10/13/2024"])[0] is None


def test_date_order_in_athlete_toml(tmp_path):
    folder = write_athlete(tmp_path / "eva", {"name": "Eva", "timezone": "Europe/Madrid", "date_order": "DMY"},
                           cramps=EXCEL_UNDECIDED)
    ath = analyzer.load_athlete(folder, weather="off")
    # 3 October 2024 07:00 in Madrid (CEST, UTC+02:00) = 05:00 UTC
    assert ath.cramps["time_utc"].tolist() == [pd.Timestamp("2024-10-03 05:00", tz="UTC")]
    bad = write_athlete(tmp_path / "bad", {"name": "B", "date_order": "YMD"})
    assert any(p.location == "date_order" for p in analyzer.load_athlete(bad, weather="off").problems)


def test_twelve_hour_clock_gets_its_own_reason(tmp_path):
    path = tmp_path / "cramps.csv"
    path.write_text("time,leg\n2024-06-03 06:10 PM,left\n")
    frame, problems = read_cramp_log(path, "UTC")
    assert frame.empty
    assert "12-hour clock" in problems[0].message and "2024-06-03 18:10" in problems[0].message
    assert "without a date" not in problems[0].message
