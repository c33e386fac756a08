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


def test_inspect_several_files_of_every_format_and_offset_like_a_clock():
    import datetime as dt

    import fitparse

    tom = sorted((REPO / "sample_data" / "tom_spike" / "activities").glob("*.fit"))[-1]
    gpx = DATA / "xml" / "wkz__garmin_example.gpx"  # a clean file (the other GPX holds a real GPS jump: a problem)
    # the watch's own offset, independently: the activity message's local_timestamp - timestamp
    msg = next(fitparse.FitFile(str(tom)).get_messages("activity"))
    offset = msg.get_value("local_timestamp") - msg.get_value("timestamp")
    minutes = int(offset.total_seconds() // 60)
    expected = f"{'-' if minutes < 0 else '+'}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
    assert offset != dt.timedelta(0)

    result = runner.invoke(app, ["inspect", str(tom), str(gpx), str(DATA / "fitparse__activity-small-fenix2-run.fit")])
    assert result.exit_code == 0, result.output
    assert f"watch's UTC offset: {expected}" in result.output
    assert "days" not in result.output  # never "-1 days +20:00:00"
    assert tom.name in result.output and gpx.name in result.output and "fenix2" in result.output
    assert result.output.count("watch's UTC offset:") == 3


def test_inspect_goes_on_after_a_bad_file_and_exits_2(tmp_path):
    bad = tmp_path / "x.fit"
    bad.write_bytes(b"not a fit file at all")
    result = runner.invoke(app, ["inspect", str(bad), str(DATA / "fitparse__activity-small-fenix2-run.fit")])
    assert result.exit_code == 2
    assert "fenix2" in result.output and "x.fit" in result.output


def test_help_is_plain_and_whole():
    for args in (["--help"], ["report", "--help"], ["inspect", "--help"], ["log", "--help"], ["summary", "--help"]):
        result = runner.invoke(app, args)
        assert result.exit_code == 0
        assert "<bool>" not in result.output and "<str>" not in result.output and "<int" not in result.output
    top = runner.invoke(app, ["--help"]).output
    for command in ("inspect", "summary", "report", "log"):
        line = next(x for x in top.splitlines() if x.strip().startswith(command))
        assert line.rstrip().endswith(".") and not line.rstrip().endswith("..."), line  # whole, not clipped


def test_cli_imports_no_heavy_library_before_a_command_runs():
    # `analyzer --help` stays quick because pandas, numpy and matplotlib load only inside commands
    import subprocess
    import sys

    code = "import sys, analyzer.cli; print(sorted(m for m in ('pandas', 'numpy', 'matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True, cwd=REPO)
    assert out.stdout.strip() == "[]"


def test_since_after_until_is_an_error(tmp_path):
    result = runner.invoke(app, ["report", str(REPO / "sample_data" / "maria_hot"), "--out", str(tmp_path / "r"),
                                 "--since", "2024-07-01", "--until", "2024-06-01", "--weather", "off"])
    assert result.exit_code == 2
    assert "--since 2024-07-01 is after --until 2024-06-01" in result.output
    assert not (tmp_path / "r").exists()


def test_out_folder_that_is_not_a_report_is_named_in_a_warning(tmp_path):
    out = tmp_path / "Desktop"
    out.mkdir()
    (out / "holiday.jpg").write_bytes(b"\xff\xd8")
    args = ["report", str(REPO / "sample_data" / "maria_hot"), "--out", str(out), "--weather", "off", "-j", "1"]
    first = runner.invoke(app, args)
    assert first.exit_code == 0, first.output
    assert f"--out {out} already held files and is not an earlier report (holiday.jpg)" in first.output
    assert (out / "holiday.jpg").read_bytes() == b"\xff\xd8"
    second = runner.invoke(app, args)  # writing over an earlier report is the normal refresh: no warning
    assert second.exit_code == 0 and "already held files" not in second.output


def test_inspect_says_sensors_in_words_and_counts_in_the_right_number(tmp_path):
    import datetime as dt

    from analyzer.testing.synthetic import synthetic_run

    # one pause (stopped from 1000 s to 1060 s), heart rate, cadence and the watch's temperature, no power, no GPS
    run = tmp_path / "one-pause.fit"
    run.write_bytes(synthetic_run(dt.datetime(2024, 6, 3, 6, tzinfo=dt.UTC), 6.0, 330, seed=1,
                                  pauses=[(1000.0, 1060.0)]))
    result = runner.invoke(app, ["inspect", str(run)])
    assert result.exit_code == 0, result.output
    first = result.output.splitlines()[0]
    assert ", 1 pause, " in first and "pauses" not in first
    assert first.endswith("sensors: heart rate, cadence, the watch's temperature")
    # fitparse's Activity.fit: 14 records, no pause, only GPS positions
    result = runner.invoke(app, ["inspect", str(DATA / "fitparse__Activity.fit")])
    assert ", 14 records, 0 pauses, sensors: GPS position" in result.output.splitlines()[0]
    assert "_bpm" not in result.output.splitlines()[0]
