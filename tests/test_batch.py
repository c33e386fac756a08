"""The batch report (:mod:`analyzer.batch`): the request and the report folder checked once, the
athletes written, the team files; and what its log says changed between two reports."""

from __future__ import annotations

import datetime as dt
import json
import logging
import re
from collections import Counter
from pathlib import Path

from typer.testing import CliRunner

import analyzer
from analyzer import batch
from analyzer.cli import app
from analyzer.report_cache import InputsLog, what_changed
from analyzer.testing.synthetic import synthetic_run, write_athlete

UTC = dt.UTC
START = dt.datetime(2024, 6, 3, 6, tzinfo=UTC)
runner = CliRunner()


def _runs(n=3, **kw):
    return {f"r{i}.fit": synthetic_run(START + dt.timedelta(days=2 * i), 3.0, 330, seed=i, **kw) for i in range(n)}


def test_outputs_never_land_in_an_input_folder(tmp_path):
    team = tmp_path / "P"
    folder = write_athlete(team / "ana", {"timezone": "UTC"}, _runs(1), [])
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    for out in (team, folder, folder / "report"):
        result = runner.invoke(app, ["report", str(folder), "--out", str(out), "--no-cache"])
        assert result.exit_code == 2, result.output
        assert "input folder" in result.output and len(result.output.strip().splitlines()) == 1
    result = runner.invoke(app, ["report", str(team), "--out", str(team), "--no-cache"])
    assert result.exit_code == 2
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


def test_out_errors_are_one_line_and_exit_2(tmp_path):
    team = tmp_path / "team"
    write_athlete(team / "ana", {"timezone": "UTC"}, _runs(1), [])
    a_file = tmp_path / "taken.txt"
    a_file.write_text("x")
    for out, words in ((a_file, "is a file"), (Path("/"), "file-system root")):
        result = runner.invoke(app, ["report", str(team), "--out", str(out), "--no-cache"])
        assert result.exit_code == 2 and words in result.output and len(result.output.strip().splitlines()) == 1
        assert "Traceback" not in result.output


def test_an_empty_period_or_a_missing_folder_is_refused_before_anything_is_written(tmp_path):
    team = tmp_path / "team"
    write_athlete(team / "ana", {"timezone": "UTC"}, _runs(1), [])
    result = analyzer.run_report(team, tmp_path / "out", since=dt.date(2024, 6, 9), until=dt.date(2024, 6, 1))
    assert result.exit_code == 2 and [p.message for p in result.problems] == \
        ["--since 2024-06-09 is after --until 2024-06-01: the period is empty"]
    result = analyzer.run_report(tmp_path / "nope", tmp_path / "out")
    assert result.exit_code == 2 and "does not exist" in result.problems[0].message
    empty = tmp_path / "empty"
    (empty / "club" / "ana" / "activities").mkdir(parents=True)
    result = analyzer.run_report(empty, tmp_path / "out")
    assert result.exit_code == 2 and "one level too deep" in result.problems[0].message
    assert "no athlete folder found" in result.problems[-1].message
    assert f"{empty / 'club'} holds 1 athlete folder" in result.problems[-1].message  # where they are
    assert not (tmp_path / "out").exists()


def test_each_written_path_is_checked_against_the_inputs_once_and_the_last_report_read_once(tmp_path, monkeypatch):
    team = tmp_path / "team"
    for name in ("ana", "ben"):
        write_athlete(team / name, {"timezone": "UTC"}, _runs(1), [])
    checked: Counter = Counter()
    real_inside = batch.inside
    monkeypatch.setattr(batch, "inside", lambda source, written: checked.update([(source, written)])
                        or real_inside(source, written))
    reads: list[Path] = []
    from analyzer.report import build

    real_read = build.read_last_report
    monkeypatch.setattr(batch, "read_last_report", lambda out: reads.append(out) or real_read(out))
    monkeypatch.setattr(build, "read_last_report", lambda out: reads.append(out) or real_read(out))
    out = tmp_path / "out"
    for _ in range(2):
        checked.clear()
        reads.clear()
        assert analyzer.run_report(team, out, jobs=1, use_cache=False).exit_code == 0
        # the report folder and both pages, each against the team folder and both athlete folders: 3 × 3
        assert len(checked) == 9 and set(checked.values()) == {1}
        assert reads == [out]
    state = json.loads((out / ".last_report.json").read_text(encoding="utf-8"))
    assert sorted(state["athletes"]) == ["ana", "ben"]


def test_what_changed_names_new_changed_and_removed_files_and_options():
    before = {"files": {"cramps.csv": "1", "activities/a.fit": "2", "activities/b.fit": "3"},
              "options": {"formats": "html", "weather": "off"}}
    now = {"cramps.csv": "9", "activities/a.fit": "2", "activities/c.fit": "4", "athlete.toml": "5"}
    assert what_changed(before, now, {"formats": "html", "weather": "auto"}) == (
        "2 new files: activities/c.fit, athlete.toml (the athlete's settings); "
        "1 changed file: cramps.csv (the cramp log); 1 removed file: activities/b.fit; changed: weather")
    assert what_changed(before, before["files"], before["options"]) == "no input changed"
    assert what_changed(None, now, {}) == "no earlier report of this folder in the cache"
    many = {f"activities/{k}.fit": "x" for k in range(7)}
    assert what_changed({"files": {}, "options": {}}, many, {}) == (
        "7 new files: activities/0.fit, activities/1.fit, activities/2.fit, activities/3.fit, activities/4.fit "
        "and 2 more")


def test_the_log_says_per_athlete_what_changed_and_what_was_kept(tmp_path, caplog):
    team = tmp_path / "team"
    ana = write_athlete(team / "ana", {"timezone": "UTC"}, _runs(3), [{"activity": "r1.fit", "distance_km": 1.5,
                                                                      "leg": "left"}])
    write_athlete(team / "ben", {"timezone": "UTC"}, _runs(2), [])
    cache, out = tmp_path / "cache", tmp_path / "out"
    with caplog.at_level(logging.INFO, logger="analyzer.batch"):
        analyzer.run_report(team, out, jobs=1, cache_dir=cache, weather="off")
        first = [r.getMessage() for r in caplog.records]
        caplog.clear()
        analyzer.run_report(team, out, jobs=1, cache_dir=cache, weather="off")  # the pages' "since" lines change
        caplog.clear()
        (ana / "activities" / "r3.fit").write_bytes(synthetic_run(START + dt.timedelta(days=6), 4.0, 320, seed=7))
        analyzer.run_report(team, out, jobs=1, cache_dir=cache, weather="off")
        third = [r.getMessage() for r in caplog.records]
    assert "ana: no earlier report of this folder in the cache; run rows: 0 kept from earlier reports, 3 computed; " \
           "cramp run charts: 0 kept, 1 drawn" in first
    assert "ben: no input changed since its last report; its report is kept whole" in third
    assert "ana: 1 new file: activities/r3.fit; run rows: 3 kept from earlier reports, 1 computed; " \
           "cramp run charts: 1 kept, 0 drawn" in third
    assert InputsLog(cache).get(ana, out / "ana")["files"]["activities/r3.fit"]


def _set_last_report_time(out: Path, generated: str) -> None:
    """The time the last report in ``out`` says it was made (what the next report calls "the report of")."""
    state = json.loads((out / ".last_report.json").read_text(encoding="utf-8"))
    state["generated"] = generated
    (out / ".last_report.json").write_text(json.dumps(state), encoding="utf-8")


def test_a_report_kept_whole_is_dated_by_the_last_report_not_the_one_before(tmp_path):
    """The cache key of an athlete's report leaves out the last report's date (nothing new: the page does
    not show it). Kept whole, the report must still count what is new since the *last* report: the team
    page's "new marks what was not in the report of <date>" names the last report, as a report without
    cache does, even when the first athlete listed is the one kept."""
    team = tmp_path / "team"
    write_athlete(team / "ana", {"timezone": "UTC"}, _runs(2), [])  # listed first, never changes
    ben = write_athlete(team / "ben", {"timezone": "UTC"}, _runs(2), [])
    cache, out, fresh = tmp_path / "cache", tmp_path / "out", tmp_path / "fresh"
    analyzer.run_report(team, out, jobs=1, cache_dir=cache, weather="off")
    _set_last_report_time(out, "2026-01-05 10:00 UTC")
    analyzer.run_report(team, out, jobs=1, cache_dir=cache, weather="off")  # "since" now known: computed
    _set_last_report_time(out, "2026-02-07 11:00 UTC")
    (ben / "activities" / "r9.fit").write_bytes(synthetic_run(START + dt.timedelta(days=9), 4.0, 320, seed=9))
    fresh.mkdir()
    (fresh / ".last_report.json").write_bytes((out / ".last_report.json").read_bytes())
    analyzer.run_report(team, out, jobs=1, cache_dir=cache, weather="off")  # ana kept whole, ben computed
    analyzer.run_report(team, fresh, jobs=1, use_cache=False, cache_dir=tmp_path / "c2", weather="off")
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "what was not in the report of 2026-02-07 11:00 UTC." in page
    assert "2026-01-05" not in page
    meta = json.loads((out / ".report-rows" / "ana" / "meta.json").read_text(encoding="utf-8"))
    assert meta["summary"]["since_counts"]["date"] == "2026-02-07 11:00 UTC"
    stamp = re.compile(r"generated \d{4}-\d\d-\d\d \d\d:\d\d UTC")
    assert stamp.sub("", page) == stamp.sub("", (fresh / "index.html").read_text(encoding="utf-8"))


def test_a_kept_report_whose_since_line_names_the_date_is_written_again(tmp_path, caplog):
    """When something is new since the last report, the athlete page's line names that report's date
    ("since <date>: 1 new run"): a report kept from a run against an older last report would show the
    older date, so it is written again."""
    team = tmp_path / "team"
    write_athlete(team / "ana", {"timezone": "UTC"}, _runs(2), [])
    cache, out = tmp_path / "cache", tmp_path / "out"
    analyzer.run_report(team, out, jobs=1, cache_dir=cache, weather="off")
    state = json.loads((out / ".last_report.json").read_text(encoding="utf-8"))
    shown = state["athletes"]["ana"]
    shown["runs"] = shown["runs"][:1]  # the last report showed one run of the two: the other is new
    for generated in ("2026-01-05 10:00 UTC", "2026-02-07 11:00 UTC"):
        state["generated"] = generated
        (out / ".last_report.json").write_text(json.dumps(state), encoding="utf-8")
        with caplog.at_level(logging.INFO, logger="analyzer.batch"):
            caplog.clear()
            analyzer.run_report(team, out, jobs=1, cache_dir=cache, weather="off")
        page = (out / "ana" / "report.html").read_text(encoding="utf-8")
        assert f"Since {generated}: 1 new run." in page  # the line as the page writes it
        said = [r.getMessage() for r in caplog.records]
        assert not any("its report is kept whole" in m for m in said), said
    # the report written instead is the one kept now: the same last report again, and it is reused
    (out / ".last_report.json").write_text(json.dumps(state), encoding="utf-8")
    with caplog.at_level(logging.INFO, logger="analyzer.batch"):
        caplog.clear()
        analyzer.run_report(team, out, jobs=1, cache_dir=cache, weather="off")
    assert any("ana: no input changed since its last report; its report is kept whole" in r.getMessage()
               for r in caplog.records)
    assert "Since 2026-02-07 11:00 UTC: 1 new run." in (out / "ana" / "report.html").read_text(encoding="utf-8")
