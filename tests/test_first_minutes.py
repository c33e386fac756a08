"""The first minutes with the command line: where the report is, earlier reports inside the input
folder, and an account export handed to ``inspect``."""

from __future__ import annotations

import shutil

from typer.testing import CliRunner

from analyzer.cli import app
from tests.conftest import REPO
from tests.io.test_exports import garmin_zip, strava_zip

runner = CliRunner()


def _team(root, names=("maria_hot", "tom_spike")):
    for n in names:
        shutil.copytree(REPO / "sample_data" / n, root / n)
    return root


def test_report_ends_by_saying_where_the_report_is(tmp_path):
    out = tmp_path / "report"
    result = runner.invoke(app, ["report", str(_team(tmp_path / "team")), "--out", str(out), "--weather", "off",
                                 "--jobs", "1", "--no-cache"])
    assert result.exit_code == 0, result.output
    lines = result.output.strip().splitlines()
    assert lines[-2].startswith("2 athletes")
    assert lines[-1] == f"open {out / 'index.html'}" and (out / "index.html").is_file()


def test_earlier_report_folders_inside_the_input_are_skipped_with_one_line(tmp_path):
    team = _team(tmp_path / "project")
    first = runner.invoke(app, ["report", str(team), "--out", str(tmp_path / "report"), "--weather", "off",
                                "--jobs", "1", "--no-cache"])
    assert first.exit_code == 0, first.output
    shutil.copytree(tmp_path / "report", team / "report")  # an earlier report kept beside the athletes
    again = runner.invoke(app, ["report", str(team), "--out", str(tmp_path / "again"), "--weather", "off",
                                "--jobs", "1", "--no-cache"])
    assert again.exit_code == 0, again.output  # no problem: the report folder is not read as an athlete
    notes = [line for line in again.output.splitlines() if line.startswith("note:")]
    assert notes == [f"note: skipped report/ in {team}: earlier report folder, not athlete folders"]
    assert "2 athletes" in again.output and "time_local" not in again.output
    assert not (tmp_path / "again" / "report").exists()


def test_a_project_folder_without_athletes_points_to_the_one_that_has_them(tmp_path):
    project = tmp_path / "project"
    _team(project / "team", ("maria_hot", "tom_spike", "lena_right"))
    (project / "notes").mkdir()
    out = tmp_path / "out"
    result = runner.invoke(app, ["report", str(project), "--out", str(out), "--weather", "off", "--no-cache"])
    assert result.exit_code == 2
    assert f"{project / 'team'} holds 3 athlete folders: analyzer report {project / 'team'} --out {out}" \
        in " ".join(result.output.split())


def test_inspect_on_an_account_export_says_what_it_is_and_points_to_report(tmp_path):
    for make, name in ((strava_zip, "Strava"), (garmin_zip, "Garmin Connect")):
        zipped = make(tmp_path / f"{name.split()[0].lower()}.zip")
        result = runner.invoke(app, ["inspect", str(zipped)])
        assert result.exit_code == 0, result.output
        text = " ".join(result.output.split())
        assert f"{zipped}: a {name} account export, not a single activity file" in text
        assert f"analyzer report {zipped} --out report" in text
