"""Athlete and team folders: everything readable is read, every problem is listed."""

from __future__ import annotations

import datetime as dt
import hashlib

import analyzer
from analyzer.testing.synthetic import synthetic_run, write_athlete

UTC = dt.UTC


def _hashes(folder):
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}


def test_load_team_reads_every_athlete_and_collects_problems(tmp_path):
    team = tmp_path / "team"
    write_athlete(team / "ana", {"name": "Ana", "timezone": "Europe/Madrid"},
                  {"a.fit": synthetic_run(dt.datetime(2024, 6, 1, 7, tzinfo=UTC), 5, 330)},
                  [{"time": "2024-06-01 09:20", "leg": "left"}, {"time": "2024-06-01 09:30", "leg": "lef"}])
    bob = write_athlete(team / "bob", {"timezone": "UTC"},
                        {"b.fit": synthetic_run(dt.datetime(2024, 6, 2, 7, tzinfo=UTC), 8, 300), "broken.fit": b"junk"})
    (team / "notes").mkdir()  # not an athlete folder: ignored
    before = _hashes(team)
    athletes = analyzer.load_team(team)
    assert [a.id for a in athletes] == ["ana", "bob"]
    ana, bob_ath = athletes
    assert ana.name == "Ana" and bob_ath.name == "bob"  # folder name when the profile has none
    assert len(ana.activities) == 1 and len(ana.cramps) == 1
    assert [(p.athlete, p.location) for p in ana.problems] == [("ana", "row 2")]
    assert [a.source for a in bob_ath.activities] == ["b.fit"]
    assert len(bob_ath.problems) == 1 and bob_ath.problems[0].file == str(bob / "activities" / "broken.fit")
    assert bob_ath.problems[0].location == "byte 0"
    assert _hashes(team) == before  # inputs never modified, nothing written


def test_load_team_accepts_a_single_athlete_folder(tmp_path):
    folder = write_athlete(tmp_path / "cy", {"timezone": "UTC"})
    assert [a.id for a in analyzer.load_team(folder)] == ["cy"]


def test_missing_profile_is_a_problem_not_a_failure(tmp_path):
    folder = write_athlete(tmp_path / "dee", {"timezone": "UTC"})
    (folder / "athlete.toml").unlink()
    ath = analyzer.load_athlete(folder)
    assert ath.name == "dee" and ath.timezone == "UTC"
    assert "athlete.toml is missing" in ath.problems[0].message


def test_activities_are_in_time_order_and_html_summary_escapes(tmp_path):
    folder = write_athlete(tmp_path / "eve", {"name": "<Eve>", "timezone": "UTC"}, {
        "z-first.fit": synthetic_run(dt.datetime(2024, 6, 1, 7, tzinfo=UTC), 3, 330),
        "a-second.fit": synthetic_run(dt.datetime(2024, 6, 3, 7, tzinfo=UTC), 3, 330),
    })
    ath = analyzer.load_athlete(folder)
    assert [a.source for a in ath.activities] == ["z-first.fit", "a-second.fit"]
    html = ath._repr_html_()
    assert "&lt;Eve&gt;" in html and "<Eve>" not in html


def test_an_athlete_folder_one_level_too_deep_is_said_in_errors_csv(tmp_path):
    import csv

    team = tmp_path / "team"
    run = {"a.fit": synthetic_run(dt.datetime(2024, 6, 1, 7, tzinfo=UTC), 5, 330)}
    write_athlete(team / "ana", {"timezone": "UTC"}, run, [])
    write_athlete(team / "juniors" / "bob", {"name": "Bob", "timezone": "UTC"}, run, [])  # one level too deep
    (team / "notes").mkdir()
    (team / "notes" / "plan.txt").write_text("intervals on Tuesday")  # not an athlete folder, nothing nested
    result = analyzer.run_report(team, tmp_path / "out", jobs=1, use_cache=False, weather="off")
    assert result.athletes == 1 and result.exit_code == 1
    with open(tmp_path / "out" / "errors.csv", newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 1
    assert rows[0]["athlete"] == "bob" and rows[0]["file"] == str(team / "juniors" / "bob")
    assert "one level too deep" in rows[0]["message"] and "juniors/" in rows[0]["message"]
