"""Which flags explain which cramp (analyzer.flags.placing), against hand-built runs and cramps."""

from __future__ import annotations

import pandas as pd

from analyzer.flags import placing, rules
from analyzer.flags.thresholds import resolve_thresholds

T, _ = resolve_thresholds()
# a run 1.5 × the longest before it, heat index 35 °C at its hottest, 1 kg heavier after: three run flags
RUN = pd.Series({"distance_ratio": 1.5, "distance_km": 15.0, "longest_prior_30d_km": 10.0, "heat_index_max_c": 35.0,
                 "mass_change_kg": 1.0, "air_temperature_source": "weather.csv"})


def _cramp(context: str, **kw) -> pd.Series:
    return pd.Series({"context": context, "leg": "left", "heat_index_c": 33.0, "heat_index_beyond_chart": False,
                      "air_temperature_source": "sensor", **kw})


def test_run_flags_are_the_facts_of_the_run():
    found = rules.run_flags(RUN, T)
    assert [f.rule for f in found] == ["long_run_spike", "heat_index", "mass_gain"]
    assert {f.scope for f in found} == {"run"} and found[1].air_temperature_source == "weather.csv"


def test_a_cramp_during_a_run_takes_its_own_heat_not_the_runs_highest():
    found = placing.cramp_flags(_cramp("during_run"), RUN, rules.run_flags(RUN, T), None, None, None, None, T)
    assert [f.rule for f in found] == ["long_run_spike", "heat_index"]  # mass_gain is information only
    heat = found[1]
    assert (heat.value, heat.at_cramp, heat.air_temperature_source, heat.scope) == (33.0, True, "sensor", "cramp")


def test_a_cramp_after_a_run_takes_the_runs_heat():
    found = placing.cramp_flags(_cramp("after_run"), RUN, rules.run_flags(RUN, T), None, None, None, None, T)
    assert [(f.rule, f.value, f.at_cramp) for f in found] == [("long_run_spike", 1.5, False), ("heat_index", 35.0, False)]


def test_one_leg_only_on_its_side_and_night_only_at_rest_at_night():
    five = pd.DataFrame({"leg": ["left"] * 5, "episode": list("abcde")})
    (one_leg,), side = rules.check_one_leg(five, T)
    left = placing.cramp_flags(_cramp("at_rest"), None, [], one_leg, side, 23.0, 5.0, T)
    assert [f.rule for f in left] == ["one_leg", "night"] and all(f.scope == "cramp" for f in left)
    right = placing.cramp_flags(_cramp("at_rest", leg="right"), None, [], one_leg, side, 12.0, 5.0, T)
    assert right == []  # the other side, and noon


def test_hours_since_the_last_run_counts_from_its_end():
    runs = pd.DataFrame({"start_utc": pd.to_datetime(["2024-06-01 06:00", "2024-06-01 18:00"], utc=True),
                         "elapsed_s": [3600.0, 1800.0]})
    # the second run ends 18:30; a cramp at 23:00 is 4.5 h later; one at 07:30 is 0.5 h after the first run
    assert placing.hours_since_last_run(runs, pd.Timestamp("2024-06-01 23:00", tz="UTC")) == 4.5
    assert placing.hours_since_last_run(runs, pd.Timestamp("2024-06-01 07:30", tz="UTC")) == 0.5
    assert placing.hours_since_last_run(runs, pd.Timestamp("2024-06-01 05:00", tz="UTC")) is None
