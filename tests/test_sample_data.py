"""The shipped sample team: regenerated identically, and each story found by analyze."""

from __future__ import annotations

import filecmp
import runpy

import pytest

import analyzer
from tests.conftest import REPO

SAMPLE = REPO / "sample_data"
GENERATED = ["maria_hot", "tom_spike", "lena_right", "george_night", "kai_control"]


def test_regenerating_the_sample_team_gives_the_same_files(tmp_path):
    module = runpy.run_path(str(SAMPLE / "make_sample_data.py"), run_name="sample")
    module["main"](tmp_path)
    for athlete in GENERATED:
        committed = sorted(p.relative_to(SAMPLE / athlete) for p in (SAMPLE / athlete).rglob("*") if p.is_file())
        fresh = sorted(p.relative_to(tmp_path / athlete) for p in (tmp_path / athlete).rglob("*") if p.is_file())
        assert committed == fresh
        _, mismatch, errors = filecmp.cmpfiles(SAMPLE / athlete, tmp_path / athlete, [str(p) for p in committed],
                                               shallow=False)
        assert mismatch == [] and errors == []


@pytest.fixture(scope="module")
def analyses():
    return {a.id: analyzer.analyze(a) for a in analyzer.load_team(SAMPLE)}


@pytest.mark.parametrize("athlete,patterns", [
    ("maria_hot", ["dehydration_heat"]),
    ("tom_spike", ["over_exertion"]),
    ("lena_right", ["one_leg"]),
    ("george_night", ["night", "medication"]),
    ("kai_control", []),
])
def test_each_story_finds_its_pattern_and_only_it(analyses, athlete, patterns):
    a = analyses[athlete]
    assert a.patterns == patterns
    if not patterns:
        assert (a.cramps["patterns"] == "").all() and len(a.cramps) == 3


def test_lena_typo_is_the_only_input_problem(analyses):
    problems = [p for a in analyses.values() for p in a.problems]
    # and, offline (the tests always are), the real Garmin runs without a weather.csv say their
    # air temperature is unknown: the weather archive cannot be reached
    assert [(p.athlete, p.location) for p in problems] == [("lena_right", "row 3"), ("wkz_runner", "weather")]
    assert 'leg "rigth"' in problems[0].message
    assert "air temperature unknown for 2 runs" in problems[1].message and "not reachable" in problems[1].message


def test_tom_race_cramp_is_late_in_a_spike_run(analyses):
    a = analyses["tom_spike"]
    race = a.cramps.set_index("cramp_row").loc[1]
    assert race["context"] == "during_run" and race["late_in_run"]
    spike = a.flags[(a.flags["cramp_row"] == 1) & (a.flags["rule"] == "long_run_spike")].iloc[0]
    # 21.1 km against a longest of 10 km in the 30 days before
    assert spike["value"] == pytest.approx(2.11, abs=0.01)
