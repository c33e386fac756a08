"""A report path belongs to one athlete forever (issue 22 §1).

The sub-folder name is a pure function of the athlete folder's own name; the report folder's
manifest keeps a name from ever holding another athlete's page; pages of athletes no longer in
the report are retired and unlinked; one report writes a folder at a time.
"""

from __future__ import annotations

import csv
import datetime as dt
import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
from pathlib import Path

import analyzer
from analyzer.testing.synthetic import synthetic_run, write_athlete
from tests.conftest import REPO

START = dt.datetime(2024, 6, 3, 6, tzinfo=dt.UTC)


def _runs(n: int = 2) -> dict[str, bytes]:
    return {f"r{i}.fit": synthetic_run(START + dt.timedelta(days=2 * i), 3.0, 330, seed=i) for i in range(n)}


def _athlete(team: Path, folder: str, name: str, medications: list[str] | None = None, cramps=None) -> Path:
    profile = {"name": name, "timezone": "UTC"}
    if medications:
        profile["medications"] = medications
    return write_athlete(team / folder, profile, _runs(), cramps or [])


def _report(team: Path, out: Path, **kw) -> analyzer.ReportResult:
    return analyzer.run_report(team, out, jobs=1, use_cache=False, weather="off", **kw)


def _csv(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _links(out: Path) -> dict[str, str]:
    return {r["athlete"]: r["report"] for r in _csv(out / "summary.csv")}


def _page(out: Path, link: str) -> str:
    return (out / link).read_text(encoding="utf-8")


def _sha8(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def test_a_page_name_depends_only_on_the_athlete_folder(tmp_path):
    team = tmp_path / "team"
    _athlete(team, "ana_smith", "Ana Smith")
    out = tmp_path / "out"
    assert _report(team, out).exit_code == 0
    assert _links(out) == {"ana_smith": "ana_smith/report.html"}
    # two more "Ana Smith" folders join the team: the first keeps her path, the others get the
    # slug and a hash of their exact folder name (worked out here from the documented rule)
    _athlete(team, "Ana Smith", "Second Ana", ["furosemide"])
    _athlete(team, "ana smith", "Third Ana")
    assert _report(team, out).exit_code == 0
    assert _links(out) == {"Ana Smith": f"Ana_Smith-{_sha8('Ana Smith')}/report.html",
                           "ana smith": f"ana_smith-{_sha8('ana smith')}/report.html",
                           "ana_smith": "ana_smith/report.html"}
    assert "Cramp report — Ana Smith" in _page(out, "ana_smith/report.html")
    # the probe: a later --athlete "ana smith" run never writes over the first Ana's path
    before = (out / "ana_smith" / "report.html").read_bytes()
    assert _report(team, out, athletes=["ana smith"]).exit_code == 0
    assert (out / "ana_smith" / "report.html").read_bytes() == before
    third = _page(out, f"ana_smith-{_sha8('ana smith')}/report.html")
    assert "Cramp report — Third Ana" in third and "furosemide" not in third
    # the same team reported into a fresh folder gives the same names (nothing depends on history)
    fresh = tmp_path / "fresh"
    _report(team, fresh)
    assert _links(fresh) == _links(out)


def test_a_name_given_to_one_athlete_folder_is_never_given_to_another(tmp_path):
    club_a, club_b, out = tmp_path / "club_a", tmp_path / "club_b", tmp_path / "out"
    _athlete(club_a, "ana", "Ana of club A")
    _athlete(club_b, "ana", "Ana of club B", ["furosemide"])
    assert _report(club_a, out).exit_code == 0
    shared = (out / "ana" / "report.html").read_bytes()
    result = _report(club_b, out, athletes=["ana"])
    assert result.exit_code == 0
    assert (out / "ana" / "report.html").read_bytes() == shared  # club A's Ana keeps her link
    rows = _csv(out / "summary.csv")
    b_rows = [r for r in rows if r["name"] == "Ana of club B"]
    assert len(b_rows) == 1
    b_link = b_rows[0]["report"]
    resolved = str((club_b / "ana").resolve())
    assert b_link == f"ana-{hashlib.sha256(('location:' + resolved).encode()).hexdigest()[:8]}/report.html"
    assert "furosemide" in _page(out, b_link) and "furosemide" not in shared.decode()
    # club B's Ana keeps that second name in later runs
    _report(club_b, out)
    assert [r["report"] for r in _csv(out / "summary.csv")] == [b_link]
    # and club A's page, no longer in the report, is retired: nothing of hers, not linked
    retired = _page(out, "ana/report.html")
    assert "retired" in retired and "club A" not in retired and "Ana" not in retired
    assert 'href="ana/report.html"' not in (out / "index.html").read_text(encoding="utf-8")


def test_pages_of_athletes_no_longer_in_the_report_are_retired_and_come_back(tmp_path):
    team, out = tmp_path / "team", tmp_path / "out"
    _athlete(team, "ana", "Ana")
    _athlete(team, "bob", "Bob Private", ["furosemide"])
    assert _report(team, out, formats=("html",)).exit_code == 0
    (out / "bob" / "report.pdf").write_bytes(b"%PDF-1.7 stand-in for Bob's printed report")
    shutil.move(team / "bob", tmp_path / "bob-away")
    assert _report(team, out).exit_code == 0
    assert _links(out) == {"ana": "ana/report.html"}
    page = _page(out, "bob/report.html")
    assert "retired" in page and "Bob" not in page and "furosemide" not in page
    assert sorted(p.name for p in (out / "bob").iterdir()) == ["report.html"]
    assert "bob/" not in (out / "index.html").read_text(encoding="utf-8")
    assert not any("Bob" in (r.get("name") or "") for r in _csv(out / "summary.csv"))
    # Bob's folder comes back: his page is his again, at the same path
    shutil.move(tmp_path / "bob-away", team / "bob")
    _report(team, out)
    assert _links(out)["bob"] == "bob/report.html"
    assert "Cramp report — Bob Private" in _page(out, "bob/report.html")


def test_an_athlete_run_keeps_the_other_athletes_in_the_team_files(tmp_path):
    team, out = tmp_path / "team", tmp_path / "out"
    _athlete(team, "ana", "Ana", cramps=[{"time": "2024-06-03 06:20", "leg": "left"}])
    _athlete(team, "bob", "Bob", cramps=[{"time": "2024-06-05 06:10", "leg": "right"},
                                          {"time": "2024-06-05 06:12", "leg": "sideways"}])
    assert _report(team, out).exit_code == 1  # Bob's "sideways" row
    before = {name: (out / name).read_text(encoding="utf-8") for name in ("summary.csv", "errors.csv", "cramps.csv")}
    bob_page = (out / "bob" / "report.html").read_bytes()
    result = _report(team, out, athletes=["ana"])
    assert result.exit_code == 0 and result.athletes == 1
    assert (out / "bob" / "report.html").read_bytes() == bob_page
    for name, text in before.items():
        assert (out / name).read_text(encoding="utf-8") == text, name
    summary = {r["athlete"]: r for r in _csv(out / "summary.csv")}
    assert summary["bob"]["cramps"] == "1" and summary["bob"]["problems"] == "1"
    assert 'href="bob/report.html"' in (out / "index.html").read_text(encoding="utf-8")


def test_an_earlier_report_without_a_manifest_is_not_written_over(tmp_path):
    # a report folder written by an earlier version: "ana_smith/" belonged to the folder "Ana Smith"
    out, team = tmp_path / "out", tmp_path / "team"
    (out / "ana_smith").mkdir(parents=True)
    (out / "ana_smith" / "report.html").write_text("<h1>Cramp report — the first Ana</h1>", encoding="utf-8")
    (out / "summary.csv").write_text("athlete,name,report\nAna Smith,the first Ana,ana_smith/report.html\n",
                                     encoding="utf-8")
    _athlete(team, "ana_smith", "Another Ana", ["furosemide"])
    assert _report(team, out, athletes=["ana_smith"]).exit_code == 0
    assert (out / "ana_smith" / "report.html").read_text(encoding="utf-8") == "<h1>Cramp report — the first Ana</h1>"
    link = _links(out)["ana_smith"]
    assert link != "ana_smith/report.html" and "furosemide" in _page(out, link)
    # the same folder "Ana Smith" claims its page again
    _athlete(team, "Ana Smith", "the first Ana")
    shutil.rmtree(team / "ana_smith")
    _report(team, out, athletes=["Ana Smith"])
    assert _links(out)["Ana Smith"] == "ana_smith/report.html"


def test_a_second_report_into_the_same_folder_waits_its_turn(tmp_path):
    team, out = tmp_path / "team", tmp_path / "out"
    _athlete(team, "ana", "Ana")
    out.mkdir()
    with open(out / ".report.lock", "a+") as held:
        fcntl.flock(held.fileno(), fcntl.LOCK_EX)  # another report is writing
        result = _report(team, out)
        assert result.exit_code == 2
        assert "another report is being written" in str(result.problems[0])
        assert sorted(p.name for p in out.iterdir()) == [".report.lock"]
    assert _report(team, out).exit_code == 0


def test_two_reports_at_once_never_interleave(tmp_path):
    team, out = tmp_path / "team", tmp_path / "out"
    for k in range(4):
        _athlete(team, f"a{k}", f"A{k}", cramps=[{"time": "2024-06-03 06:20", "leg": "left"},
                                               {"time": "2024-06-03 06:25", "leg": "nowhere"}])
    cmd = [sys.executable, "-m", "analyzer", "report", str(team), "--out", str(out), "--jobs", "1", "--no-cache",
           "--weather", "off", "--quiet"]
    env = {**os.environ, "PYTHONPATH": str(REPO)}
    procs = [subprocess.Popen([*cmd, *extra], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for extra in ([], ["--athlete", "a1", "--athlete", "a2"])]
    codes = []
    for p in procs:
        _, err = p.communicate(timeout=600)
        codes.append(p.returncode)
        assert p.returncode in (1, 2), err
        if p.returncode == 2:
            assert "another report is being written" in err and len(err.strip().splitlines()) == 1
    assert 1 in codes
    summary = _csv(out / "summary.csv")
    errors = _csv(out / "errors.csv")
    # each athlete once (two when only the --athlete run could write), and the two files agree
    assert len(summary) in (2, 4) and len({r["athlete"] for r in summary}) == len(summary)
    assert sum(int(r["problems"]) for r in summary) == len(errors) == len(summary)


def test_a_run_of_one_athlete_folder_keeps_the_team_report(tmp_path):
    team, out = tmp_path / "team", tmp_path / "out"
    _athlete(team, "ana", "Ana")
    _athlete(team, "bob", "Bob")
    _report(team, out)
    bob_page = (out / "bob" / "report.html").read_bytes()
    assert _report(team / "ana", out).exit_code == 0  # the athlete folder itself, not the team
    assert _links(out) == {"ana": "ana/report.html", "bob": "bob/report.html"}
    assert (out / "bob" / "report.html").read_bytes() == bob_page
