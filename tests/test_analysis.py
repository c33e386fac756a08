"""Synthetic athletes, one per pattern, each planted clearly; a control whose cramps fit nothing."""

from __future__ import annotations

import datetime as dt

import pytest

import analyzer
from analyzer.testing.synthetic import synthetic_run, write_athlete

UTC = dt.UTC
SEASON_START = dt.datetime(2024, 4, 1, 6, 0, tzinfo=UTC)  # 08:00 in Madrid (CEST)


def _season(n=12, every_days=4, km=10.0, pace=360.0, seed=0, **kw):
    """n runs of km at pace, one every every_days, starting SEASON_START."""
    return {
        f"run{i:02d}.fit": synthetic_run(SEASON_START + dt.timedelta(days=every_days * i), km, pace, seed=seed + i, **kw)
        for i in range(n)
    }


def _local(run_index, every_days=4, minutes=0):
    t = SEASON_START + dt.timedelta(days=every_days * run_index, minutes=minutes)
    return t.astimezone(dt.timezone(dt.timedelta(hours=2))).strftime("%Y-%m-%d %H:%M")


def _cool_weather(days=60):
    return [{"time": (SEASON_START + dt.timedelta(hours=h)).isoformat(), "temperature_c": 12.0,
             "relative_humidity_pct": 60} for h in range(0, days * 24, 3)]


def _analyze(folder, **kw):
    return analyzer.analyze(analyzer.load_athlete(folder), **kw)


def _patterns(analysis, row):
    return analysis.cramps.set_index("cramp_row").loc[row, "patterns"]


def test_long_run_spike_is_found_on_the_right_cramp(tmp_path):
    runs = _season(n=11)  # 10 km every 4 days for 40 days
    runs["race.fit"] = synthetic_run(SEASON_START + dt.timedelta(days=44), 16.0, 360, seed=99)
    cramps = [
        {"activity": "race.fit", "distance_km": 14.0, "leg": "left", "muscle": "calf", "severity": 4},
        {"time": _local(5, minutes=30), "leg": "right", "muscle": "calf", "severity": 1},  # normal run
    ]
    a = _analyze(write_athlete(tmp_path / "spiker", {"timezone": "Europe/Madrid"}, runs, cramps, _cool_weather()))
    assert _patterns(a, 1) == "over_exertion"
    assert _patterns(a, 2) == ""  # a 10 km run like all the others: no pattern invented
    flag = a.flags[(a.flags["scope"] == "cramp") & (a.flags["cramp_row"] == 1)].iloc[0]
    assert flag["rule"] == "long_run_spike" and flag["value"] == pytest.approx(1.6, abs=0.01)  # 16 / 10 km
    assert "60 % longer" in flag["message"] and "Frandsen" in flag["source"]
    assert a.cramps.set_index("cramp_row").loc[1, "late_in_run"]  # 14 of 16 km


def test_heat_and_fluid_loss_are_found_and_wrist_temperature_is_not_heat(tmp_path):
    runs = _season(n=5, wrist_temperature_c=31.0)  # 10 km every 4 days; the watch reads 31 °C at the wrist
    # day 20: 15 km in 1.5 h, weighed before and after (DOMAIN.md §3.3 example A); only 20 days of
    # history, so no distance-spike verdict is possible for it
    runs["long.fit"] = synthetic_run(SEASON_START + dt.timedelta(days=20), 15.0, 360, seed=50, wrist_temperature_c=31.0)
    hot_day = SEASON_START + dt.timedelta(days=16)  # run04, 08:00 local
    weather = [w for w in _cool_weather() if abs(dt.datetime.fromisoformat(w["time"]) - hot_day) > dt.timedelta(hours=4)]
    weather += [{"time": (hot_day + dt.timedelta(hours=h)).isoformat(), "temperature_c": 32.2,
                 "relative_humidity_pct": 70} for h in (-1, 0, 1, 2)]
    weigh = [{"activity": "long.fit", "mass_before_kg": 62.0, "mass_after_kg": 60.3, "fluid_ml": 500}]
    cramps = [
        {"time": _local(5, minutes=80), "leg": "left", "muscle": "calf", "severity": 3},  # in long.fit
        {"time": _local(2, minutes=40), "leg": "left"},  # cool day (12 °C air, 31 °C wrist)
        {"time": _local(4, minutes=40), "leg": "right"},  # the hot day
    ]
    a = _analyze(write_athlete(tmp_path / "hot", {"timezone": "Europe/Madrid"}, runs, cramps, weather, weigh))
    by_row = a.cramps.set_index("cramp_row")
    assert by_row.loc[1, "activity"] == "long.fit" and by_row.loc[1, "patterns"] == "dehydration_heat"
    loss = a.flags[(a.flags["cramp_row"] == 1) & (a.flags["rule"] == "body_mass_loss")].iloc[0]
    # (62.0 − 60.3) / 62.0 = 2.74 %; (1.7 kg + 0.5 L) / 1.5 h = 1.47 L/h
    assert loss["value"] == pytest.approx(2.74, abs=0.01) and "1.5 L/h" in loss["message"]
    assert by_row.loc[2, "patterns"] == "" and by_row.loc[2, "air_temperature_c"] == pytest.approx(12.0)
    assert by_row.loc[3, "patterns"] == "dehydration_heat"
    hi = a.flags[(a.flags["cramp_row"] == 3) & (a.flags["rule"] == "heat_index")].iloc[0]
    # 32.2 °C (90 °F) at 70 %: 105.9 °F = 41.1 °C (DOMAIN.md §3.1), NWS "danger"
    assert hi["value"] == pytest.approx(41.1, abs=0.1) and "'danger'" in hi["message"]
    assert not a.flags["message"].str.contains("31").any()  # the wrist reading never enters a flag


def test_one_leg_series_is_flagged_with_its_p_value(tmp_path):
    runs = _season(n=6)
    cramps = [{"time": _local(i, minutes=30), "leg": "right", "muscle": "calf"} for i in range(5)]
    cramps.append({"time": _local(5, minutes=30), "leg": "both"})  # 'both' rows are left out of n
    a = _analyze(write_athlete(tmp_path / "righty", {"timezone": "Europe/Madrid"}, runs, cramps, _cool_weather()))
    athlete_flag = a.flags[a.flags["scope"] == "athlete"].iloc[0]
    assert athlete_flag["pattern"] == "one_leg" and athlete_flag["value"] == 5
    assert "p = 0.062" in athlete_flag["message"] and "clinician" in athlete_flag["message"]
    assert a.cramps["patterns"].tolist() == ["one_leg"] * 5 + [""]


def test_four_is_the_minimum_and_mixed_sides_are_not_flagged(tmp_path):
    runs = _season(n=6)
    three = [{"time": _local(i, minutes=30), "leg": "right"} for i in range(3)]
    a = _analyze(write_athlete(tmp_path / "three", {"timezone": "Europe/Madrid"}, runs, three, _cool_weather()))
    assert "one_leg" not in a.patterns
    mixed = [{"time": _local(i, minutes=30), "leg": leg} for i, leg in enumerate(["right"] * 4 + ["left"])]
    a = _analyze(write_athlete(tmp_path / "mixed", {"timezone": "Europe/Madrid"}, runs, mixed, _cool_weather()))
    assert "one_leg" not in a.patterns


def test_night_cramps_and_medication(tmp_path):
    runs = _season(n=6)
    cramps = [
        {"time": "2024-04-03 03:10", "leg": "left", "muscle": "calf"},  # no run that night
        {"time": "2024-04-10 23:30", "leg": "right", "muscle": "foot"},
        {"time": "2024-04-12 15:00", "leg": "left"},  # afternoon at rest: neither night nor run
    ]
    profile = {"timezone": "Europe/Madrid", "medications": ["Furosemide 40 mg", "vitamin D"]}
    a = _analyze(write_athlete(tmp_path / "nighty", profile, runs, cramps, _cool_weather()))
    assert a.cramps["context"].tolist() == ["at_rest", "at_rest", "at_rest"]
    assert a.cramps["patterns"].tolist() == ["night", "night", ""]
    med = a.flags[a.flags["pattern"] == "medication"]
    assert len(med) == 1 and "loop diuretic" in med["message"].iloc[0] and "prescriber" in med["message"].iloc[0]
    assert "Garrison" in med["source"].iloc[0]


def test_control_athlete_gets_no_pattern(tmp_path):
    runs = _season(n=12, wrist_temperature_c=33.0)
    cramps = [{"time": _local(i, minutes=40), "leg": leg, "muscle": "calf"}
              for i, leg in zip((3, 6, 9, 11), ("left", "right", "left", "right"), strict=True)]
    a = _analyze(write_athlete(tmp_path / "control", {"timezone": "Europe/Madrid"}, runs, cramps, _cool_weather()))
    assert (a.cramps["context"] == "during_run").all()
    assert a.cramps["patterns"].tolist() == ["", "", "", ""]
    assert a.flags.empty and a.patterns == []


def test_thresholds_override_per_call_and_per_athlete(tmp_path):
    runs = _season(n=11)
    runs["race.fit"] = synthetic_run(SEASON_START + dt.timedelta(days=44), 12.0, 360, seed=99)  # ratio 1.2
    cramps = [{"activity": "race.fit", "distance_km": 11.0, "leg": "left"}]
    folder = write_athlete(tmp_path / "t", {"timezone": "Europe/Madrid", "thresholds": {"long_run_spike_ratio": 1.3}},
                           runs, cramps, _cool_weather())
    assert _analyze(folder).cramps["patterns"].tolist() == [""]  # athlete's 1.3 > 1.2
    assert _analyze(folder, thresholds={"long_run_spike_ratio": 1.15}).cramps["patterns"].tolist() == ["over_exertion"]
    with pytest.raises(analyzer.ThresholdError, match="no_such_threshold = 2: no such setting"):
        _analyze(folder, thresholds={"no_such_threshold": 2})  # in the API an unusable override raises


def test_season_comparison_says_too_few_below_the_minimum(tmp_path):
    runs = _season(n=8)
    cramps = [{"time": _local(1, minutes=30), "leg": "left"}]
    a = _analyze(write_athlete(tmp_path / "s", {"timezone": "Europe/Madrid"}, runs, cramps, _cool_weather()))
    row = a.season.set_index("variable").loc["heat_index_max_c"]
    assert row["cramp_runs"] == 1 and row["other_runs"] == 7
    assert row["verdict"].startswith("too few cramp runs to say")


def test_faster_than_usual_needs_three_similar_runs(tmp_path):
    runs = _season(n=4, km=10.0, pace=360.0)  # days 0, 4, 8, 12 at 6:00/km
    runs["fast.fit"] = synthetic_run(SEASON_START + dt.timedelta(days=16), 10.0, 330.0, seed=77)  # 5:30/km
    cramps = [{"activity": "fast.fit", "distance_km": 9.0, "leg": "left"}]
    a = _analyze(write_athlete(tmp_path / "quick", {"timezone": "Europe/Madrid"}, runs, cramps, _cool_weather()))
    flag = a.flags[(a.flags["scope"] == "cramp") & (a.flags["rule"] == "faster_than_usual")].iloc[0]
    # 360 / 330 s per km: 9.1 % faster than the median of 4 similar runs
    assert flag["value"] == pytest.approx(360 / 330, abs=0.01) and "9 % faster" in flag["message"]
    assert "5:30 min/km" in flag["message"] and "6:00 min/km" in flag["message"]
    # with only two earlier runs there is no "usual" to compare with
    few = _season(n=2, km=10.0, pace=360.0)
    few["fast.fit"] = runs["fast.fit"]
    a = _analyze(write_athlete(tmp_path / "few", {"timezone": "Europe/Madrid"}, few, cramps, _cool_weather()))
    assert a.cramps["patterns"].tolist() == [""]


def test_hr_drift_counts_only_in_warm_air(tmp_path):
    runs = {"drift.fit": synthetic_run(SEASON_START, 10.0, 360.0, seed=5, hr_drift_bpm=25.0)}
    cramps = [{"time": _local(0, minutes=55), "leg": "left"}]
    warm = [{"time": (SEASON_START + dt.timedelta(hours=h)).isoformat(), "temperature_c": 24.0,
             "relative_humidity_pct": 40} for h in (-1, 0, 1, 2)]
    a = _analyze(write_athlete(tmp_path / "warm", {"timezone": "Europe/Madrid"}, runs, cramps, warm))
    drift = a.runs["decoupling_pct"].iloc[0]
    assert drift > 5.0  # HR 140 → 165 bpm at a steady pace
    assert "hr_drift" in set(a.flags["rule"]) and a.cramps["patterns"].tolist() == ["dehydration_heat"]
    cool = [dict(w, temperature_c=15.0) for w in warm]
    a = _analyze(write_athlete(tmp_path / "cool", {"timezone": "Europe/Madrid"}, runs, cramps, cool))
    assert a.runs["decoupling_pct"].iloc[0] == pytest.approx(drift)
    assert a.flags.empty  # the same drift at 15 °C is not flagged as heat


def test_mass_gain_is_information_not_a_cramp_pattern(tmp_path):
    runs = {"r.fit": synthetic_run(SEASON_START, 10.0, 360.0, seed=5)}
    weigh = [{"activity": "r.fit", "mass_before_kg": 70.0, "mass_after_kg": 70.6, "fluid_ml": 2000}]
    cramps = [{"time": _local(0, minutes=30), "leg": "left"}]
    a = _analyze(write_athlete(tmp_path / "gain", {"timezone": "Europe/Madrid"}, runs, cramps, _cool_weather(), weigh))
    gain = a.flags[a.flags["rule"] == "mass_gain"]
    assert gain["scope"].tolist() == ["run"] and gain["value"].iloc[0] == pytest.approx(0.6)
    assert "dilute blood sodium" in gain["message"].iloc[0]
    assert a.cramps["patterns"].tolist() == [""]


def test_measured_wbgt_is_used_and_said(tmp_path):
    runs = {"r.fit": synthetic_run(SEASON_START, 10.0, 360.0, seed=5)}
    weather = [{"time": (SEASON_START + dt.timedelta(hours=h)).isoformat(), "temperature_c": 22.0,
                "relative_humidity_pct": 50, "wbgt_c": 29.0} for h in (-1, 0, 1, 2)]
    cramps = [{"time": _local(0, minutes=30), "leg": "left"}]
    a = _analyze(write_athlete(tmp_path / "w", {"timezone": "Europe/Madrid"}, runs, cramps, weather))
    flag = a.flags[(a.flags["scope"] == "cramp") & (a.flags["rule"] == "wbgt")].iloc[0]
    assert flag["value"] == pytest.approx(29.0) and "measured" in flag["message"] and "'black'" in flag["message"]
