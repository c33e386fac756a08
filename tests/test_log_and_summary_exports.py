"""`analyzer log --activity/--km` checked against the run, found in account exports; `summary` counts exports (issue 21)."""

from __future__ import annotations

import datetime as dt
import re

from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.testing.synthetic import synthetic_run, write_athlete
from tests.io.test_exports import strava_folder, strava_zip

runner = CliRunner()
START = dt.datetime(2024, 6, 18, 6, 30, tzinfo=dt.UTC)


def _folder(tmp_path):
    # 9 km at 330 s/km: the file's last distance is 9.00 km
    return write_athlete(tmp_path / "ana", {"name": "Ana", "timezone": "Europe/Madrid"},
                         {"nine.fit": synthetic_run(START, 9.0, 330)}, None)


def test_km_past_the_end_of_a_readable_run_is_refused(tmp_path):
    folder = _folder(tmp_path)
    result = runner.invoke(app, ["log", str(folder), "--leg", "left", "--activity", "nine.fit", "--km", "30"])
    assert result.exit_code == 2
    assert "--km 30 is beyond the end of nine.fit, which the watch recorded as 9.00 km" in result.output
    assert not (folder / "cramps.csv").exists()
    # 9.1 km is within 0.2 km of the recorded end (a watch and an app measure the same run differently)
    ok = runner.invoke(app, ["log", str(folder), "--leg", "left", "--activity", "nine.fit", "--km", "9.1"])
    assert ok.exit_code == 0 and "note:" not in ok.output
    assert (folder / "cramps.csv").read_text().splitlines()[1] == ",nine.fit,9.1,left,,,,"


def test_a_run_inside_an_account_export_is_found_there(tmp_path):
    folder = _folder(tmp_path)
    strava_zip(folder / "strava_2024.zip")
    result = runner.invoke(app, ["log", str(folder), "--leg", "right", "--activity", "102.gpx", "--km", "4.5"])
    assert result.exit_code == 0, result.output
    assert "102.gpx was found in the account export strava_2024.zip" in result.output
    assert "not in" not in result.output
    # the export's 102.gpx is 6 km: 30 km is refused as for a run in activities/
    far = runner.invoke(app, ["log", str(folder), "--leg", "right", "--activity", "102.gpx", "--km", "30"])
    assert far.exit_code == 2 and "which the watch recorded as 6.00 km" in far.output


def test_a_run_nowhere_is_logged_with_a_note(tmp_path):
    folder = _folder(tmp_path)
    result = runner.invoke(app, ["log", str(folder), "--leg", "right", "--activity", "gone.fit", "--km", "3"])
    assert result.exit_code == 0
    assert "gone.fit is not in" in result.output and "nor in an account export" in result.output


def test_summary_counts_runs_read_from_exports(tmp_path):
    folder = _folder(tmp_path)
    strava_zip(folder / "strava_2024.zip")           # 3 runs and a ride: the ride is not a run
    strava_folder(tmp_path / "ana" / "unzipped")      # the same export unzipped: its 3 runs, listed once
    result = runner.invoke(app, ["summary", str(folder)])
    assert result.exit_code == 0, result.output
    # nine.fit + 3 + 3
    assert re.search(r"^7 activities read, 0 problems$", result.output, re.M), result.output
    assert "strava_2024.zip (account export, runs only):" in result.output
    assert "unzipped (account export, runs only):" in result.output
    assert result.output.count("102.gpx") == 2
