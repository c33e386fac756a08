"""`analyzer log`: one validated row appended to cramps.csv; refused rows leave the file as it was."""

from __future__ import annotations

import datetime as dt
import hashlib
import multiprocessing as mp

import pytest
from typer.testing import CliRunner

import analyzer
from analyzer.cli import app
from analyzer.testing.synthetic import synthetic_run, write_athlete

runner = CliRunner()
START = dt.datetime(2024, 6, 18, 6, 30, tzinfo=dt.UTC)  # 08:30 in Madrid


@pytest.fixture
def folder(tmp_path):
    return write_athlete(tmp_path / "ana", {"name": "Ana", "timezone": "Europe/Madrid"},
                         {"run.fit": synthetic_run(START, 10.0, 330)}, None)


def _digest(path):
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.exists() else None


def test_good_rows_are_appended_and_read_back(folder):
    first = analyzer.log_cramp(folder, leg="left", muscle="calf", severity=3, time="2024-06-18 08:50")
    assert first.cramp_row == 1 and (folder / "cramps.csv").read_text().startswith("time,activity,distance_km,leg")
    second = analyzer.log_cramp(folder, leg="right", activity="run.fit", km=8.4, notes='Paid $5, "ouch"')
    third = analyzer.log_cramp(folder, leg="both", time="today 07:42",
                               now=dt.datetime(2024, 6, 19, 22, 30, tzinfo=dt.UTC))  # 00:30 on the 20th in Madrid
    assert (second.cramp_row, third.cramp_row) == (2, 3)
    athlete = analyzer.load_athlete(folder)
    assert athlete.problems == [] or all("weather" in p.location for p in athlete.problems)
    log = athlete.cramps.set_index("cramp_row")
    assert str(log.loc[1, "time_utc"]) == "2024-06-18 06:50:00+00:00"  # 08:50 Madrid summer time
    assert log.loc[2, "activity"] == "run.fit" and log.loc[2, "distance_km"] == 8.4 and log.loc[2, "notes"] == 'Paid $5, "ouch"'
    assert str(log.loc[3, "time_utc"]) == "2024-06-20 05:42:00+00:00"  # "today" is the athlete's today
    cramps = analyzer.match_cramps(athlete).set_index("cramp_row")
    assert cramps.loc[1, "context"] == "during_run" and cramps.loc[2, "distance_km"] == pytest.approx(8.4, abs=0.01)


BAD = [
    (dict(leg="lef", time="2024-06-18 08:50"), 'leg "lef" is not one of left, right, both'),
    (dict(leg="left", muscle="toe", time="2024-06-18 08:50"), 'muscle "toe" is not one of'),
    (dict(leg="left", severity=7, time="2024-06-18 08:50"), 'severity "7" is not a whole number from 1 to 5'),
    (dict(leg="left", time="12/06/2024 08:50"), "ambiguous"),
    (dict(leg="left", time="3:15 PM"), "time without a date"),
    (dict(leg="left", activity="run.fit"), "activity is given without distance_km"),
    (dict(leg="left", activity="../x.fit", km=2), "must be a file name"),
    (dict(leg="left", activity="run.fit", km=4000), "is not a distance from 0 to 400 km"),
    (dict(leg="left", duration_s=99999, time="2024-06-18 08:50"), "duration_s"),
    (dict(leg="left"), "needs a time, or an activity and distance_km"),
]


@pytest.mark.parametrize("kwargs,words", BAD, ids=[w for _, w in BAD])
def test_each_bad_value_is_refused_with_the_readers_message_and_the_file_unchanged(folder, kwargs, words):
    analyzer.log_cramp(folder, leg="left", time="2024-06-17 08:00")
    before = _digest(folder / "cramps.csv")
    with pytest.raises(analyzer.InputError, match="nothing was written") as err:
        analyzer.log_cramp(folder, **kwargs)
    assert words in str(err.value)
    assert _digest(folder / "cramps.csv") == before
    assert not list(folder.glob(".cramps.csv.*")), "no temporary file is left behind"


def test_a_repeated_row_and_an_unsafe_file_are_refused(folder):
    analyzer.log_cramp(folder, leg="left", time="2024-06-17 08:00")
    with pytest.raises(analyzer.InputError, match="repeats row 1"):
        analyzer.log_cramp(folder, leg="left", time="2024-06-17 08:00")
    (folder / "cramps.csv").write_bytes("time,leg,notes\n2024-06-17 08:00,left,caf\xe9\n".encode("cp1252"))
    before = _digest(folder / "cramps.csv")
    with pytest.raises(analyzer.InputError, match="not UTF-8"):
        analyzer.log_cramp(folder, leg="left", time="2024-06-18 08:00")
    (folder / "cramps.csv").write_text("time,leg\n2024-06-17 08:00,left\n", encoding="utf-8")
    with pytest.raises(analyzer.InputError, match="has no column muscle"):
        analyzer.log_cramp(folder, leg="left", muscle="calf", time="2024-06-18 08:00")
    assert before != _digest(folder / "cramps.csv")  # (the test rewrote it, not log_cramp)


def test_a_spreadsheet_log_keeps_its_separator_and_bytes(folder):
    original = b"time;leg;muscle;notes\r\n2024-06-17 08:00;left;calf;first\r\n"
    (folder / "cramps.csv").write_bytes(original)
    analyzer.log_cramp(folder, leg="right", muscle="calf", time="2024-06-18 08:50", notes="a; b")
    data = (folder / "cramps.csv").read_bytes()
    assert data.startswith(original) and data[len(original):] == b'2024-06-18 08:50;right;calf;"a; b"\r\n'
    assert len(analyzer.load_athlete(folder).cramps) == 2


def _append(args):
    folder, i = args
    from analyzer import log_cramp

    for k in range(5):
        log_cramp(folder, leg="left", time=f"2024-06-{1 + i:02d} {10 + k:02d}:00", notes=f"worker {i} row {k}")


def test_concurrent_appends_lose_no_row(folder):
    with mp.get_context("spawn").Pool(4) as pool:
        pool.map(_append, [(folder, i) for i in range(8)])
    athlete = analyzer.load_athlete(folder)
    assert len(athlete.cramps) == 40 and sorted(athlete.cramps["cramp_row"]) == list(range(1, 41))
    assert not [p for p in athlete.problems if "cramps.csv" in p.file]


def test_the_command(folder):
    result = runner.invoke(app, ["log", str(folder), "--leg", "left", "--muscle", "calf", "--severity", "3",
                                 "--time", "2024-06-18 08:50"])
    assert result.exit_code == 0 and "row 1 added" in result.output
    result = runner.invoke(app, ["log", str(folder), "--leg", "lef", "--time", "now"])
    assert result.exit_code == 2 and 'leg "lef"' in result.output
    result = runner.invoke(app, ["log", str(folder), "--leg", "left", "--activity", "nope.fit", "--km", "3"])
    assert result.exit_code == 0 and "not in" in result.output


KILLED_AT_FSYNC = """
import os, signal, sys
import analyzer.io.cramp_log as cramp_log
os.fsync = lambda fd: os.kill(os.getpid(), signal.SIGKILL)  # killed the moment the bytes go to disk
cramp_log.log_cramp(sys.argv[1], leg="left", time="2024-06-18 08:50")
"""


@pytest.mark.parametrize("existing", [True, False])
def test_a_killed_log_leaves_no_temporary_file_among_the_inputs(folder, existing):
    import os
    import signal
    import subprocess
    import sys

    from tests.conftest import REPO

    header = "time,activity,distance_km,leg,muscle,severity,duration_s,notes\n"
    old = header + "2024-06-17 07:00,,,right,calf,2,,\n"
    if existing:
        (folder / "cramps.csv").write_text(old, encoding="utf-8")
    before = sorted(p.relative_to(folder) for p in folder.rglob("*") if p.name != "cramps.csv")
    done = subprocess.run([sys.executable, "-c", KILLED_AT_FSYNC, str(folder)], capture_output=True, text=True,
                          env={**os.environ, "PYTHONPATH": str(REPO)}, timeout=300)
    assert done.returncode == -signal.SIGKILL, done.stderr
    after = sorted(p.relative_to(folder) for p in folder.rglob("*") if p.name != "cramps.csv")
    assert after == before  # no .cramps.csv.*.tmp (nor anything else) left in the athlete folder
    # the file holds the whole row or none of it, after the bytes it had
    text = (folder / "cramps.csv").read_text(encoding="utf-8") if (folder / "cramps.csv").exists() else ""
    row = "2024-06-18 08:50,,,left,,,,\n"
    assert text in ((old, old + row) if existing else ("", header + row))
