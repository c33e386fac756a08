"""Per-run rows kept across reports (issue 25): a row read back equals the row computed, and a
row is computed again exactly when something it is computed from changed.

The counts of rows found and computed are worked out from what each test changes: a new run
file is one new row; a weigh-in or a cramp concerns one run; the athlete's heart-rate settings
or weather concern every run.
"""

from __future__ import annotations

import datetime as dt
import logging
import shutil

import numpy as np
import pandas as pd
import pytest

import analyzer
from analyzer.flags.thresholds import resolve_thresholds
from analyzer.metrics.runs import run_table
from analyzer.report_cache import RunRowCache, _decode, _encode
from analyzer.testing.synthetic import synthetic_run, write_athlete
from tests.conftest import REPO

UTC = dt.UTC
SAMPLE = sorted(p.name for p in (REPO / "sample_data").iterdir() if (p / "athlete.toml").exists())
START = dt.datetime(2024, 6, 1, 7, tzinfo=UTC)


def _table(folder, rows=None):
    athlete = analyzer.load_athlete(folder, weather="off")
    t, _ = resolve_thresholds(athlete.profile.get("thresholds"), None)
    return run_table(athlete, analyzer.match_cramps(athlete), t, [], rows)


def _same(a: pd.DataFrame, b: pd.DataFrame) -> None:
    pd.testing.assert_frame_equal(a, b, check_exact=True)


@pytest.mark.parametrize("name", SAMPLE)
def test_sample_team_rows_read_back_equal_the_rows_computed(name, tmp_path):
    folder = REPO / "sample_data" / name
    computed = _table(folder)
    first = RunRowCache(tmp_path, "code")
    _same(_table(folder, first), computed)
    assert (first.hits, first.misses) == (0, len(computed))
    second = RunRowCache(tmp_path, "code")
    _same(_table(folder, second), computed)
    assert (second.hits, second.misses) == (len(computed), 0)
    other_code = RunRowCache(tmp_path, "changed code")  # a code change: nothing is reused
    _same(_table(folder, other_code), computed)
    assert other_code.hits == 0


def _runs(n: int) -> dict[str, bytes]:
    return {f"{(START + dt.timedelta(days=2 * i)):%Y-%m-%d}.fit":
            synthetic_run(START + dt.timedelta(days=2 * i), 5.0 + i, 330 - 3 * i, seed=i, pauses=[(600, 660)],
                          hr_drift_bpm=4.0 * i) for i in range(n)}


@pytest.fixture
def athlete_folder(tmp_path):
    runs = _runs(6)
    names = sorted(runs)
    weather = [{"time": (START + dt.timedelta(hours=h)).isoformat(), "temperature_c": 18 + h % 24 / 2,
                "relative_humidity_pct": 60} for h in range(0, 24 * 14)]
    weigh = [{"activity": names[1], "mass_before_kg": 60.0, "mass_after_kg": 59.1, "fluid_ml": 250}]
    cramps = [{"activity": names[2], "distance_km": 5.5, "leg": "left", "muscle": "calf", "severity": 2}]
    return write_athlete(tmp_path / "ana", {"timezone": "Europe/Madrid", "sex": "female", "hr_rest_bpm": 50,
                                            "hr_max_bpm": 190}, runs, cramps, weather, weigh)


def _rewrite_csv(path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new), encoding="utf-8")


def test_a_new_run_computes_one_row_and_the_table_is_as_computed(athlete_folder, tmp_path):
    _table(athlete_folder, RunRowCache(tmp_path / "cache"))
    new = START + dt.timedelta(days=13)
    (athlete_folder / "activities" / f"{new:%Y-%m-%d}.fit").write_bytes(synthetic_run(new, 11.0, 320, seed=99))
    rows = RunRowCache(tmp_path / "cache")
    table = _table(athlete_folder, rows)
    assert (rows.hits, rows.misses) == (6, 1)
    _same(table, _table(athlete_folder))
    assert len(table) == 7  # the history columns of the new run are computed with the six before it
    assert table["longest_prior_30d_km"].iloc[-1] == pytest.approx(table["distance_km"].iloc[:6].max())


@pytest.mark.parametrize(("change", "expected"), [
    # (what changes, (rows found, rows computed) of the six)
    ("weigh_in", (5, 1)),
    ("cramp", (5, 1)),
    ("hr_rest", (0, 6)),
    ("weather", (0, 6)),
    ("one_file", (5, 1)),
])
def test_a_changed_input_recomputes_exactly_the_rows_it_concerns(athlete_folder, tmp_path, change, expected):
    _table(athlete_folder, RunRowCache(tmp_path / "cache"))
    if change == "weigh_in":
        _rewrite_csv(athlete_folder / "weigh_ins.csv", "59.1", "58.7")
    elif change == "cramp":  # a second cramp in the third run: its cramp count goes from 1 to 2
        text = (athlete_folder / "cramps.csv").read_text(encoding="utf-8")
        last = text.strip().splitlines()[-1]
        (athlete_folder / "cramps.csv").write_text(text + last.replace("5.5", "6.1") + "\n", encoding="utf-8")
    elif change == "hr_rest":
        _rewrite_csv(athlete_folder / "athlete.toml", "hr_rest_bpm = 50", "hr_rest_bpm = 52")
    elif change == "weather":
        _rewrite_csv(athlete_folder / "weather.csv", ",60", ",61")
    else:
        name = sorted((athlete_folder / "activities").iterdir())[3]
        name.write_bytes(synthetic_run(START + dt.timedelta(days=6), 9.5, 340, seed=42))
    rows = RunRowCache(tmp_path / "cache")
    _same(_table(athlete_folder, rows), _table(athlete_folder))
    assert (rows.hits, rows.misses) == expected


def test_a_damaged_row_is_computed_again(athlete_folder, tmp_path, caplog):
    computed = _table(athlete_folder, RunRowCache(tmp_path / "cache"))
    kept = sorted((tmp_path / "cache" / "run-rows").rglob("*.json"))
    assert len(kept) == 6
    kept[0].write_text('{"distance_km": ["float", ', encoding="utf-8")
    kept[1].write_bytes(b"\x00\xff")
    rows = RunRowCache(tmp_path / "cache")
    with caplog.at_level(logging.WARNING):
        _same(_table(athlete_folder, rows), computed)
    assert (rows.hits, rows.misses) == (4, 2)
    assert sum("unreadable" in r.message for r in caplog.records) == 2
    again = RunRowCache(tmp_path / "cache")  # written over: all six read back now
    _table(athlete_folder, again)
    assert (again.hits, again.misses) == (6, 0)


@pytest.mark.parametrize("value", [
    1.5, float("nan"), float("inf"), -float("inf"), np.float64(-0.0), 3, np.int64(2**40), True, np.bool_(False), None,
    "", "calf, both legs", pd.Timestamp("2024-06-01 07:00:01.123456789", tz="UTC"),
    pd.Timestamp("2024-06-01 07:00", tz="UTC").as_unit("s"), pd.NaT,
])
def test_row_values_read_back_as_they_were(value):
    back = _decode(_encode(value))
    if isinstance(value, float) and np.isnan(value):
        assert isinstance(back, float) and np.isnan(back)
    elif value is pd.NaT:
        assert back is pd.NaT
    else:
        plain = {np.float64: float, np.int64: int, np.bool_: bool}.get(type(value), type(value))
        assert back == value and type(back) is plain  # numpy scalars come back as the Python ones
        if isinstance(value, pd.Timestamp):
            assert (back.unit, str(back.tz)) == (value.unit, str(value.tz))
        if isinstance(value, float):
            assert np.signbit(back) == np.signbit(value)


def test_a_row_the_cache_cannot_store_is_computed_each_time(tmp_path, caplog):
    rows = RunRowCache(tmp_path)
    with caplog.at_level(logging.WARNING):
        rows["k"] = {"a": 1.0, "b": [1, 2]}
    assert rows.get("k") is None and "does not store" in caplog.text


def test_the_batch_report_with_kept_rows_equals_one_without_cache(athlete_folder, tmp_path):
    team = tmp_path / "team"
    team.mkdir()
    shutil.move(athlete_folder, team / "ana")
    cache = tmp_path / "cache"
    analyzer.run_report(team, tmp_path / "out", jobs=1, cache_dir=cache, weather="off")
    new = START + dt.timedelta(days=13)
    (team / "ana" / "activities" / f"{new:%Y-%m-%d}.fit").write_bytes(synthetic_run(new, 11.0, 320, seed=99))
    analyzer.run_report(team, tmp_path / "out", jobs=1, cache_dir=cache, weather="off")
    analyzer.run_report(team, tmp_path / "fresh", jobs=1, use_cache=False, cache_dir=tmp_path / "c2", weather="off")
    written = sorted(p.relative_to(tmp_path / "fresh") for p in (tmp_path / "fresh").rglob("*.csv"))
    assert written
    for rel in written:
        assert (tmp_path / "out" / rel).read_bytes() == (tmp_path / "fresh" / rel).read_bytes(), rel
    assert len(list((cache / "run-rows").rglob("*.json"))) == 7


def _page_files(out) -> dict:
    """Every page and CSV of a report folder, its "generated" times left out (the report's own clock)."""
    import re

    stamp = re.compile(rb"generated \d{4}-\d\d-\d\d \d\d:\d\d UTC")
    return {p.relative_to(out): stamp.sub(b"generated", p.read_bytes()) for p in sorted(out.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


def test_a_warm_report_after_one_new_run_equals_a_report_without_cache(athlete_folder, tmp_path, monkeypatch,
                                                                         caplog):
    """The whole report folder, page for page and CSV for CSV: a re-report with every cache warm after one
    new run (with a cramp on it) equals a report of the same folder without cache; and only the new file
    and the run whose cramp is placed by its distance were read (the five other runs not at all)."""
    import analyzer.io.activities as activities

    team = tmp_path / "team"
    team.mkdir()
    shutil.move(athlete_folder, team / "ana")
    for name in ("maria_hot", "lena_right"):  # two athletes who do not change: their reports are kept whole
        shutil.copytree(REPO / "sample_data" / name, team / name)
    cache, out, fresh = tmp_path / "cache", tmp_path / "out", tmp_path / "fresh"
    for _ in range(2):  # the second time, each page says "nothing new since the last report"
        for folder, kw in ((out, {"cache_dir": cache}), (fresh, {"use_cache": False, "cache_dir": tmp_path / "c2"})):
            assert analyzer.run_report(team, folder, jobs=1, weather="off", **kw).exit_code in (0, 1)
        # both folders remember the same last report, so both mark the same runs and cramps new
        (fresh / ".last_report.json").write_bytes((out / ".last_report.json").read_bytes())
    assert _page_files(out) == _page_files(fresh)
    new = START + dt.timedelta(days=13)
    name = f"{new:%Y-%m-%d}.fit"
    (team / "ana" / "activities" / name).write_bytes(synthetic_run(new, 11.0, 320, seed=99))
    with open(team / "ana" / "cramps.csv", "a", encoding="utf-8") as f:  # the new run has a cramp at 8.25 km
        header = (team / "ana" / "cramps.csv").read_text(encoding="utf-8").splitlines()[0].split(",")
        f.write(",".join({"activity": name, "distance_km": "8.25", "leg": "right", "muscle": "calf",
                          "severity": "3"}.get(c, "") for c in header) + "\n")
    parsed = []
    parse = activities._parse
    monkeypatch.setattr(activities, "_parse", lambda path, *a: parsed.append(path.name) or parse(path, *a))
    with caplog.at_level(logging.INFO, logger="analyzer.batch"):
        warm = analyzer.run_report(team, out, jobs=1, cache_dir=cache, weather="off")
    monkeypatch.setattr(activities, "_parse", parse)
    cold = analyzer.run_report(team, fresh, jobs=1, use_cache=False, cache_dir=tmp_path / "c2", weather="off")
    assert (warm.exit_code, warm.runs, warm.cramps) == (cold.exit_code, cold.runs, cold.cramps)
    assert len((out / "ana" / "runs.csv").read_text(encoding="utf-8").splitlines()) == 1 + 7  # header, 6 runs + 1
    pages, expected = _page_files(out), _page_files(fresh)
    assert sorted(pages) == sorted(expected)
    for rel, data in expected.items():
        assert pages[rel] == data, rel
    cramp_run = sorted(p.name for p in (team / "ana" / "activities").iterdir())[2]
    assert sorted(parsed) == sorted([name, cramp_run])
    said = [r.getMessage() for r in caplog.records]
    assert any(m.startswith("ana: ") and f"1 new file: activities/{name}" in m and "1 changed file: cramps.csv (the cramp log)" in m
               and "run rows: 6 kept from earlier reports, 1 computed" in m
               and "cramp run charts: 1 kept, 1 drawn" in m for m in said), said
    assert sum("no input changed since its last report" in m for m in said) == 2


def test_a_kept_chart_reads_back_as_stored_and_a_damaged_one_is_drawn_again(tmp_path, caplog):
    from analyzer.report_cache import RunChartCache

    spec = {"title": {"text": "Sat 01 Jun", "subtitle": "a.fit · 5.0 km"}, "data": {"values": [{"x": 0.5, "pace": 330.25}]},
            "usermeta": {"cramps": 1, "points": 1}}
    charts = RunChartCache(tmp_path, "code")
    charts["k"] = spec
    assert RunChartCache(tmp_path, "code").get("k") == spec and RunChartCache(tmp_path, "other code").get("k") is None
    charts["nan"] = {"x": float("nan")}  # not JSON: not kept, drawn each time
    assert RunChartCache(tmp_path, "code").get("nan") is None and "run chart not kept" in caplog.text
    (entry,) = (tmp_path / "run-charts").rglob("*.json")
    entry.write_text('{"title": ', encoding="utf-8")
    again = RunChartCache(tmp_path, "code")
    with caplog.at_level(logging.WARNING):
        assert again.get("k") is None
    assert (again.hits, again.misses) == (0, 1) and "run chart cache entry" in caplog.text


@pytest.mark.parametrize("weather", ["off", "cache"])
def test_without_weather_csv_a_new_run_reads_only_the_new_file(tmp_path, monkeypatch, weather):
    """An athlete with no weather.csv: the unchanged runs are not read for the archive's lookup, with
    the archive off (a kept run's span says it has nothing to ask) or from its cache (the position it
    asks for is kept in the run's summary too)."""
    import analyzer.io.activities as activities

    runs = _runs(4)
    write_athlete(tmp_path / "team" / "bo", {"timezone": "UTC"}, runs, [], None, None)
    team, cache = tmp_path / "team", tmp_path / "cache"
    for _ in range(2):
        assert analyzer.run_report(team, tmp_path / "out", jobs=1, cache_dir=cache, weather=weather).exit_code in (0, 1)
    new = START + dt.timedelta(days=13)
    name = f"{new:%Y-%m-%d}.fit"
    (team / "bo" / "activities" / name).write_bytes(synthetic_run(new, 9.0, 330, seed=7))
    parsed, parse = [], activities._parse
    monkeypatch.setattr(activities, "_parse", lambda path, *a: parsed.append(path.name) or parse(path, *a))
    loaded, full = [], activities.KeptActivity.full
    monkeypatch.setattr(activities.KeptActivity, "full", lambda self: loaded.append(self.source) or full(self))
    assert analyzer.run_report(team, tmp_path / "out", jobs=1, cache_dir=cache, weather=weather).exit_code in (0, 1)
    assert parsed == [name] and loaded == []
