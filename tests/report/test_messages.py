"""The words of each flag (analyzer.report.messages), from hand-worked facts and the sources' own numbers."""

from __future__ import annotations

import pandas as pd
import pytest

from analyzer.flags import rules
from analyzer.flags.thresholds import resolve_thresholds
from analyzer.formatting import format_heat_index
from analyzer.metrics.heat import heat_index_beyond_chart, heat_index_c
from analyzer.report.content import chip_value
from analyzer.report.messages import WORDING, message

T, _ = resolve_thresholds()
RULES = ["long_run_spike", "faster_than_usual", "heat_index", "wbgt", "body_mass_loss", "mass_gain", "hr_drift",
         "one_leg", "night", "medication_class"]


def test_every_rule_has_its_wording():
    assert sorted(WORDING) == sorted(RULES)


def test_long_run_spike_does_not_claim_to_be_the_best_supported_cramp_pattern():
    run = pd.Series({"distance_ratio": 1.375, "distance_km": 22.0, "longest_prior_30d_km": 16.0})
    text = message(rules.check_long_run_spike(run, T)[0])
    assert "This run (22.0 km) was 38 % longer than your longest run in the previous 30 days (16.0 km)" in text
    assert "the flag starts at 10 %" in text  # 1.10
    assert "best-supported" not in text and "injury" in text and "indirect" in text


def test_faster_than_usual_gives_both_paces():
    # 300 s/km against a usual 3.03 m/s (330 s/km): 330 / 300 = 1.10, i.e. 10 % faster
    run = pd.Series({"pace_ratio": 1.1, "pace_s_per_km": 300.0, "usual_speed_mps": 1000 / 330,
                     "n_comparison_runs": 6})
    text = message(rules.check_faster_than_usual(run, T)[0])
    assert "10 % faster than usual" in text and "(5:00 min/km vs a usual 5:30 min/km over 6 similar runs" in text


@pytest.mark.parametrize("medicine,name,ratio,lo,hi,words", [
    ("furosemide", "loop diuretic", 1.20, 1.00, 1.44, "not statistically clear"),
    ("spironolactone", "potassium-sparing diuretic", 2.12, 1.61, 2.78, "clear association"),
])
def test_medicine_wording_says_the_class_the_study_and_the_prescriber(medicine, name, ratio, lo, hi, words):
    msg = message(rules.check_medication([medicine.title() + " 40 mg"], T)[0])
    assert f"You listed {medicine.title()} 40 mg, a {name}" in msg
    assert f"{ratio:.2f}" in msg and f"{lo:.2f}–{hi:.2f}" in msg and words in msg
    assert "aged 50 and over" in msg and "night cramps" in msg  # what the study was of
    assert ("lower potassium" in msg) == (name == "loop diuretic")
    assert msg.endswith("Please don't change any medicine without your prescriber.")


def test_one_leg_wording_counts_runs_and_gives_p():
    five = pd.DataFrame({"leg": ["right"] * 5, "episode": [f"r{i}" for i in range(5)]})
    msg = message(rules.check_one_leg(five, T)[0][0])  # p = 2 × 0.5⁵ = 0.0625
    assert "(5 cramps, each on its own run or day) were in the right leg" in msg and "p = 0.062" in msg
    seven = pd.DataFrame({"leg": ["left"] * 7, "episode": ["r1", "r1", "r2", "r3", "r3", "r3", "r4"]})
    msg = message(rules.check_one_leg(seven, T)[0][0])  # p = 2 × 0.5⁴ = 0.125
    assert "7 cramps on 4 separate runs or days" in msg and "left leg" in msg and "p = 0.12" in msg


@pytest.mark.parametrize("hi_c,category", [(32.3, "extreme caution"), (39.5, "danger"), (52.0, "extreme danger")])
def test_heat_index_wording_names_the_nws_category(hi_c, category):
    msg = message(rules.check_heat_index(hi_c, T)[0])
    assert f"heat index {hi_c:.1f} °C (NWS '{category}'; the flag starts at 32.2 °C)" in msg
    assert msg.startswith("It was hot during this run")
    assert message(rules.check_heat_index(hi_c, T, at_cramp=True)[0]).startswith("It was hot when this cramp came")


def test_heat_index_beyond_the_chart_is_not_printed_as_a_number():
    hi = float(heat_index_c(45, 100))  # the regression says ~152.7 °C: meaningless
    msg = message(rules.check_heat_index(hi, T, beyond_chart=True)[0])
    assert "above 58 °C (beyond the NWS chart)" in msg and "152" not in msg


def test_44_c_and_10_percent_humidity_say_the_same_everywhere():
    # 44 °C is 111.2 °F, hotter than the NWS chart's 110 °F: the regression's ~41 °C is not a heat index,
    # and it is not "above 58 °C" either (137 °F is 58.3 °C). Message, chip and table cell say so alike.
    hi = float(heat_index_c(44, 10))
    assert bool(heat_index_beyond_chart(44, 10)) and 35 < hi < 58.3
    (flag,) = rules.check_heat_index(hi, T, beyond_chart=True)
    msg = message(flag)
    chip = chip_value(flag.rule, flag.value, flag.unit, flag.beyond_chart)
    cell = format_heat_index(flag.value, flag.beyond_chart, "cell")
    assert "heat index beyond the NWS chart (air above 43 °C)" in msg
    assert (chip, cell) == ("HI off chart", "off chart")
    for shown in (msg, chip, cell):
        assert "58" not in shown and f"{hi:.0f}" not in shown


def test_body_mass_loss_says_when_the_sweat_rate_is_a_lower_bound_and_the_mass_is_borrowed():
    base = {"body_mass_loss_pct": 2.74, "sweat_rate_l_per_h": 1.13, "fluid_logged": True, "mass_before_source": "weigh-in"}
    msg = message(rules.check_body_mass_loss(pd.Series(base), T)[0])
    assert "You lost 2.7 % of body mass (about 1.1 L/h of sweat)" in msg and "lower bound" not in msg
    assert "profile" not in msg and "rises about 8 bpm" in msg  # 3 bpm per 1 %: 3 × 2.74 = 8.2
    msg = message(rules.check_body_mass_loss(pd.Series({**base, "fluid_logged": False}), T)[0])
    assert "at least 1.1 L/h" in msg and "lower bound" in msg
    msg = message(rules.check_body_mass_loss(pd.Series({**base, "mass_before_source": "profile"}), T)[0])
    assert "profile's body_mass_kg" in msg


def test_wbgt_and_drift_and_night_wording():
    msg = message(rules.check_wbgt(28.4, "estimated (BoM formula)", T)[0])
    assert msg.startswith("WBGT reached 28.4 °C, estimated from air temperature and humidity")
    assert "an ACSM 'black' flag for racing (red from 23 °C, black above 28 °C)" in msg
    msg = message(rules.check_hr_drift(pd.Series({"decoupling_pct": 7.26, "air_temperature_c": 24.4}), T)[0])
    assert "Heart rate drifted 7.3 % against pace in 24 °C air (the flag starts at 5 % with air at 20 °C" in msg
    msg = message(rules.check_night(pd.Series({"context": "at_rest"}), 23.5, 5.2, T)[0])
    assert "(23:30 local, 5 h after your last run)" in msg
    msg = message(rules.check_night(pd.Series({"context": "at_rest"}), 2.25, None, T)[0])
    assert "(02:15 local, with no run before it)" in msg
