"""The public API used wrongly: typed errors that name what was asked for and what was expected."""

from __future__ import annotations

import dataclasses
import datetime as dt
import inspect
from pathlib import Path

import pytest

import analyzer
from analyzer.testing.synthetic import synthetic_run, write_athlete

UTC = dt.UTC


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    runs = {"2024-06-18-0800.fit": synthetic_run(dt.datetime(2024, 6, 18, 6, tzinfo=UTC), 8.0, 360),
            "2024-06-20-0800.fit": synthetic_run(dt.datetime(2024, 6, 20, 6, tzinfo=UTC), 9.0, 360, seed=2)}
    return write_athlete(tmp_path_factory.mktemp("m") / "maria", {"timezone": "Europe/Madrid"}, runs, [])


def test_a_folder_that_does_not_exist_is_named(tmp_path):
    missing = tmp_path / "nobody"
    with pytest.raises(analyzer.FolderNotFoundError, match="nobody: no such athlete folder") as err:
        analyzer.load_athlete(missing)
    assert err.value.path == str(missing) and isinstance(err.value, FileNotFoundError)
    with pytest.raises(analyzer.FolderNotFoundError, match="nowhere: no such team folder"):
        analyzer.load_team(tmp_path / "nowhere")
    with pytest.raises(analyzer.FolderNotFoundError, match="nobody"):
        analyzer.analyze(str(missing))


def test_a_path_is_taken_where_it_is_unambiguous(folder):
    by_path = analyzer.analyze(str(folder))
    assert by_path.athlete.id == "maria" and len(by_path.runs) == 2
    assert len(analyzer.analyze(Path(folder)).runs) == 2


def test_a_team_folder_is_not_one_athlete(folder):
    with pytest.raises(TypeError, match="team folder; analyze\\(\\) takes one athlete"):
        analyzer.analyze(folder.parent)


@pytest.mark.parametrize("value, expected", [
    (None, "not NoneType"), (42, "not int"), ([], "not list"),
])
def test_wrong_types_say_what_was_expected(value, expected):
    with pytest.raises(TypeError, match=f"takes an Athlete .* or its folder's path, {expected}"):
        analyzer.analyze(value)
    with pytest.raises(TypeError, match="must be a path"):
        analyzer.load_athlete(value)


def test_an_analysis_is_not_analysed_again(folder):
    a = analyzer.analyze(folder)
    with pytest.raises(TypeError, match="already an Analysis"):
        analyzer.analyze(a)


@pytest.mark.parametrize("overrides, setting, words", [
    ({"heat_index_caution_c": "hot"}, "heat_index_caution_c", "from 20 to 60 °C"),
    ({"heat_index_caution_c": 99}, "heat_index_caution_c", "from 20 to 60 °C"),
    ({"heat_index_caution_c": float("nan")}, "heat_index_caution_c", "finite number"),
    ({"heat_index_c": 30}, "heat_index_c", "no such setting; known: "),
    ({"night_hours_local": "25:00-07:00"}, "night_hours_local", "outside 0–23 h"),
])
def test_an_invalid_override_in_the_api_raises_naming_setting_and_range(folder, overrides, setting, words):
    with pytest.raises(analyzer.ThresholdError, match=words) as err:
        analyzer.analyze(folder, thresholds=overrides)
    assert err.value.setting == setting and str(err.value).startswith(f"threshold {setting} = ")
    assert "kept" not in str(err.value)


def test_a_valid_override_is_used(folder):
    a = analyzer.analyze(folder, thresholds={"heat_index_caution_c": 30})
    assert a.thresholds["heat_index_caution_c"] == 30.0 and not a.problems


def test_athlete_toml_keeps_the_row_problem(tmp_path):
    run = {"r.fit": synthetic_run(dt.datetime(2024, 6, 18, 6, tzinfo=UTC), 8.0, 360)}
    folder = write_athlete(tmp_path / "t", {"timezone": "UTC", "thresholds": {"heat_index_caution_c": "hot"}}, run, [])
    a = analyzer.analyze(folder)  # no error: the folder's own setting is a problem, the default is kept
    assert a.thresholds["heat_index_caution_c"] == pytest.approx((90 - 32) * 5 / 9)  # 90 °F
    assert [p.location for p in a.problems] == ["thresholds"]
    assert "heat_index_caution_c = 'hot' is not a number" in a.problems[0].message


def test_a_run_is_found_without_its_suffix(folder):
    athlete = analyzer.load_athlete(folder)
    assert athlete.activity("2024-06-18-0800").source == "2024-06-18-0800.fit"
    assert athlete.activity("2024-06-18-0800.fit") is athlete.activity("2024-06-18-0800")
    assert athlete.activity("2024-06-19-0800") is None
    with pytest.raises(TypeError, match="takes a file name"):
        athlete.activity(3)


def test_options_are_keyword_only():
    # a positional option would be silently taken for another one: analyze(a, "off") meant weather
    with pytest.raises(TypeError, match="positional"):
        analyzer.analyze("sample_data/maria_hot", {"heat_index_caution_c": 30})
    with pytest.raises(TypeError, match="positional"):
        analyzer.read_fit("sample_data/wkz_runner/activities/2019-09-14-wkz-example.fit", "fitparse")
    from analyzer import batch

    with pytest.raises(TypeError, match="positional"):
        batch._one_athlete(Path("sample_data/maria_hot"), Path("out"), ("csv",), None, None, None)
    # the task carries exactly the task function's keyword-only parameters, in order
    params = inspect.signature(batch._one_athlete).parameters.values()
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in params)
    assert [f.name for f in dataclasses.fields(batch._AthleteTask)] == [p.name for p in params]
