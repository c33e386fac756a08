"""Each rule's decision and evidence against hand-worked cases and the sources' own numbers (the wording is
tested with it, in tests/report/test_messages.py)."""

from __future__ import annotations

import ast
import dataclasses
import math
from pathlib import Path

import pandas as pd
import pytest

from analyzer.flags import rules
from analyzer.flags.medications import MEDICINE_CLASSES
from analyzer.flags.thresholds import THRESHOLDS, resolve_thresholds, source_of
from analyzer.metrics.heat import c_to_f, f_to_c, heat_index_c

T, _ = resolve_thresholds()


def test_long_run_spike_keeps_the_run_and_the_longest_before_it():
    run = pd.Series({"distance_ratio": 1.375, "distance_km": 22.0, "longest_prior_30d_km": 16.0})
    (flag,) = rules.check_long_run_spike(run, T)  # 22 / 16 = 1.375 (the worked example)
    assert (flag.value, flag.distance_km, flag.longest_prior_km, flag.history_days) == (1.375, 22.0, 16.0, 30)
    assert (flag.threshold_name, flag.threshold, flag.unit) == ("long_run_spike_ratio", 1.10, "ratio")
    assert "Frandsen JSB et al. 2025" in flag.source and "10.1136/bjsports-2024-109380" in flag.source
    assert "long_run_spike_ratio" in flag.source
    assert rules.check_long_run_spike(run.copy().replace(1.375, 1.099), T) == []


def test_flags_are_frozen_facts_without_words():
    (flag,) = rules.check_long_run_spike(pd.Series({"distance_ratio": 1.2, "distance_km": 12.0,
                                              "longest_prior_30d_km": 10.0}), T)
    with pytest.raises(dataclasses.FrozenInstanceError):
        flag.value = 2.0  # type: ignore[misc]
    assert not hasattr(flag, "message")
    assert flag.placed("cramp").scope == "cramp" and flag.scope == ""


def test_no_rule_imports_wording():
    tree = ast.parse(Path(rules.__file__).read_text(encoding="utf-8"))
    imported = {node.module for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert imported and not {m for m in imported if "formatting" in m or "report" in m}


# Garrison et al. 2012, abstract: adjusted sequence ratios (95 % CI) by class
GARRISON = {
    "furosemide": ("loop diuretic", 1.20, 1.00, 1.44, "not statistically clear"),
    "hydrochlorothiazide": ("thiazide-type diuretic", 1.48, 1.29, 1.68, "clear association"),
    "spironolactone": ("potassium-sparing diuretic", 2.12, 1.61, 2.78, "clear association"),
    "atorvastatin": ("statin", 1.16, 1.04, 1.29, "small association"),
    "salmeterol": ("inhaled long-acting β-agonist", 2.42, 2.02, 2.89, "clear association"),
}


@pytest.mark.parametrize("medicine", sorted(GARRISON))
def test_each_medicine_class_is_graded_by_its_own_number(medicine):
    name, ratio, lo, hi, words = GARRISON[medicine]
    (flag,) = rules.check_medication([medicine.title() + " 40 mg"], T)
    assert flag.value == ratio and flag.category == name and flag.generic == medicine
    assert flag.medicine == medicine.title() + " 40 mg" and flag.scope == "athlete"
    assert f"{ratio:.2f}" in flag.class_evidence and f"{lo:.2f}–{hi:.2f}" in flag.class_evidence
    assert words in flag.class_evidence
    assert flag.potassium_depleting == (name in ("loop diuretic", "thiazide-type diuretic"))
    assert "Arch Intern Med" in flag.source and "DOMAIN" not in flag.source


def test_medicine_classes_cover_the_study_and_only_diuretics_of_two_kinds_deplete_potassium():
    assert {c.name for c in MEDICINE_CLASSES if c.potassium_depleting} == {"thiazide-type diuretic", "loop diuretic"}


def test_one_leg_counts_runs_not_rows():
    # five right-leg cramps in only two runs: two independent chances, below the 4 needed
    rows = [("a.fit", "right")] * 3 + [("b.fit", "right")] * 2
    cramps = pd.DataFrame({"leg": [r[1] for r in rows], "episode": [r[0] for r in rows]})
    assert rules.check_one_leg(cramps, T) == ([], None)
    # the same five in five runs: flagged, p = 2 × 0.5⁵ = 0.0625
    five = cramps.assign(episode=[f"r{i}" for i in range(5)])
    (flag,), side = rules.check_one_leg(five, T)
    assert side == flag.side == "right" and flag.value == flag.episodes == flag.cramps == 5
    assert flag.p == pytest.approx(0.0625)
    # seven cramps on four runs (several in one run count once): p = 2 × 0.5⁴ = 0.125
    seven = pd.DataFrame({"leg": ["right"] * 7, "episode": ["r1", "r1", "r2", "r3", "r3", "r3", "r4"]})
    (flag,), _ = rules.check_one_leg(seven, T)
    assert (flag.value, flag.episodes, flag.cramps) == (4, 4, 7) and flag.p == pytest.approx(0.125)
    # a run with cramps in both legs breaks the pattern
    mixed = pd.concat([five, pd.DataFrame({"leg": ["left"], "episode": ["r0"]})], ignore_index=True)
    assert rules.check_one_leg(mixed, T) == ([], None)
    # "both" rows are left out of n
    assert rules.check_one_leg(five.assign(leg=["both"] + ["right"] * 4), T)[0][0].value == 4


def test_heat_index_beyond_the_chart_travels_with_the_value():
    hi = float(heat_index_c(45, 100))  # the regression says ~152.7 °C: meaningless
    (flag,) = rules.check_heat_index(hi, T, beyond_chart=True)
    assert flag.beyond_chart and flag.value == pytest.approx(hi) and flag.category == "extreme danger"
    (flag,) = rules.check_heat_index(float(heat_index_c(44, 10)), T, beyond_chart=True, at_cramp=True)
    assert flag.beyond_chart and flag.at_cramp and flag.value < 58.3


@pytest.mark.parametrize("hi_f,category", [(90.0, "extreme caution"), (102.9, "extreme caution"), (103.0, "danger"),
                                           (124.9, "danger"), (125.0, "extreme danger")])
def test_heat_index_categories_use_the_nws_fahrenheit_edges(hi_f, category):
    (flag,) = rules.check_heat_index(float(f_to_c(hi_f)), T)
    assert flag.category == category


def test_heat_index_threshold_is_exactly_90_f():
    assert float(c_to_f(THRESHOLDS["heat_index_caution_c"].default)) == pytest.approx(90.0, abs=1e-12)
    assert rules.check_heat_index(float(f_to_c(89.99)), T) == []


def test_body_mass_loss_keeps_the_sweat_rate_the_fluid_and_where_the_mass_came_from():
    base = {"body_mass_loss_pct": 2.74, "sweat_rate_l_per_h": 1.13, "fluid_logged": True, "mass_before_source": "weigh-in"}
    (flag,) = rules.check_body_mass_loss(pd.Series(base), T)
    assert (flag.value, flag.sweat_rate_l_per_h, flag.fluid_logged, flag.mass_before_source) == (2.74, 1.13, True,
                                                                                                 "weigh-in")
    (flag,) = rules.check_body_mass_loss(pd.Series({**base, "fluid_logged": False}), T)
    assert flag.fluid_logged is False
    (flag,) = rules.check_body_mass_loss(pd.Series({**base, "mass_before_source": "profile"}), T)
    assert flag.mass_before_source == "profile"
    assert rules.check_body_mass_loss(pd.Series({**base, "body_mass_loss_pct": 1.99}), T) == []


def test_wbgt_flag_colour_from_the_acsm_edges():
    (red,) = rules.check_wbgt(27.9, "measured", T)
    (black,) = rules.check_wbgt(28.0, "", T)
    assert (red.category, black.category, red.wbgt_source, red.wbgt_extreme_c) == ("red", "black", "measured", 28)
    assert rules.check_wbgt(22.9, "", T) == []


def test_night_keeps_the_hour_and_the_gap():
    at_rest = pd.Series({"context": "at_rest"})
    (flag,) = rules.check_night(at_rest, 23.5, 5.0, T)
    assert (flag.value, flag.local_hour, flag.hours_since_run) == (23.5, 23.5, 5.0)
    assert rules.check_night(at_rest, 23.5, 1.0, T) == []  # within 2 h of a run
    assert rules.check_night(at_rest, 21.9, None, T) == []  # before 22:00
    assert rules.check_night(pd.Series({"context": "during_run"}), 23.5, None, T) == []


def test_every_source_cell_is_self_contained():
    for name in THRESHOLDS:
        text = source_of(name)
        assert name in text and ".md" not in text and "§" not in text


@pytest.mark.parametrize("raw", [math.inf, math.nan, 1e300, -5, "12", True])
def test_unusable_threshold_overrides_keep_the_default_and_name_the_key(raw):
    values, errors = resolve_thresholds({"cramp_match_tolerance_min": raw})
    assert values["cramp_match_tolerance_min"] == 15 and len(errors) == 1 and "cramp_match_tolerance_min" in errors[0]


def test_night_hours_are_checked():
    values, errors = resolve_thresholds({"night_start_local_h": 99})
    assert values["night_start_local_h"] == 22 and "night_start_local_h" in errors[0]
    values, errors = resolve_thresholds({"night_hours_local": "23:00-06:00"})
    assert (values["night_start_local_h"], values["night_end_local_h"], errors) == (23, 6, [])
    values, errors = resolve_thresholds({"night_hours_local": "25:00-06:00"})
    assert values["night_start_local_h"] == 22 and values["night_end_local_h"] == 6 and len(errors) == 1
