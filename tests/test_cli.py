"""The command line: exit codes and what it prints."""

from __future__ import annotations

from typer.testing import CliRunner

from analyzer.cli import app
from tests.conftest import DATA, REPO

runner = CliRunner()


def test_inspect_clean_file():
    result = runner.invoke(app, ["inspect", str(DATA / "fitparse__activity-small-fenix2-run.fit")])
    assert result.exit_code == 0, result.output
    assert "running" in result.output and "fenix2" in result.output
    assert "9.01 km" in result.output  # last record distance 9007 m


def test_inspect_truncated_file_lists_problem_and_exits_1():
    result = runner.invoke(app, ["inspect", str(DATA / "fitparse__activity-unexpected-eof.fit")])
    assert result.exit_code == 1
    assert "problem:" in result.output and "truncated" in result.output


def test_inspect_not_fit_exits_2(tmp_path):
    bad = tmp_path / "x.fit"
    bad.write_text("hello")
    result = runner.invoke(app, ["inspect", str(bad)])
    assert result.exit_code == 2


def test_summary_of_sample_data():
    result = runner.invoke(app, ["summary", str(REPO / "sample_data")])
    assert result.exit_code in (0, 1), result.output
    assert "activities read" in result.output.splitlines()[-1]


def test_summary_missing_folder_exits_2(tmp_path):
    result = runner.invoke(app, ["summary", str(tmp_path / "nope")])
    assert result.exit_code == 2
