"""Input problems are said in the analyzer's words, never with a library's exception text (its
message, a repr, a class name): what is wrong and where (file, line and column, row, byte). The
exception itself goes to the log. Each case is built so that the library's own message is known
and checked to be absent from the problem."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import warnings

import pytest

import analyzer
from analyzer.errors import InputError
from analyzer.io import athlete as athlete_module
from analyzer.io.inputs import gunzip_cut
from analyzer.io.logs import read_cramp_log, read_profile
from analyzer.testing.synthetic import synthetic_run

RAW = ("Error", "Exception", "Invalid value", "field limit", "zlib", "Traceback", "<", "boom")


def _plain(message: str) -> None:
    for raw in RAW:
        assert raw not in message, message


def test_toml_that_is_not_valid_says_line_and_column(tmp_path, caplog):
    path = tmp_path / "athlete.toml"
    path.write_text('name = "Ana"\ntimezone = \n', encoding="utf-8")  # a key without a value
    with caplog.at_level("INFO", "analyzer.io.logs"):
        profile, problems = read_profile(path, "ana")
    # "timezone = " is 11 characters: the value is missing at column 12 of line 2
    assert [(p.location, p.message) for p in problems] == [("line 2", "not valid TOML at line 2, column 12; "
                                                                      "using defaults")]
    assert profile["name"] == "ana" and "Invalid value" in caplog.text  # tomllib's words, in the log only


def test_toml_broken_at_its_end_says_so(tmp_path):
    path = tmp_path / "athlete.toml"
    path.write_text('name = "Ana', encoding="utf-8")  # a string never closed
    _, problems = read_profile(path, "ana")
    assert [(p.location, p.message) for p in problems] == [("", "not valid TOML at the end of the file; "
                                                                "using defaults")]


def test_a_csv_cell_too_long_for_the_reader_is_said_with_its_row(tmp_path, caplog):
    import csv

    limit = csv.field_size_limit()
    path = tmp_path / "cramps.csv"
    path.write_text("time,leg\n2024-05-01 07:00,left\n2024-05-02 07:00," + "x" * (limit + 1) + "\n"
                    "2024-05-03 07:00,right\n", encoding="utf-8")
    with caplog.at_level("INFO", "analyzer.io.logs"):
        frame, problems = read_cramp_log(path, "UTC")
    assert len(frame) == 1  # the row before the long cell
    stopped = [p for p in problems if "CSV" in p.message]
    assert [(p.location, p.row, p.message) for p in stopped] == [
        ("row 2", 2, f"cannot be read as CSV (a cell is longer than {limit:,} characters); it and the rows after "
                     "it were left out")]
    assert "field larger than field limit" in caplog.text


def test_damaged_gzip_data_is_said_at_its_byte():
    data = synthetic_run(dt.datetime(2024, 5, 1, 6, tzinfo=dt.UTC), 2.0, 330)
    broken = bytearray(gzip.compress(data))
    broken[30:40] = b"\xff" * 10  # inside the first (and only) member's deflate data
    with pytest.raises(InputError) as caught:
        gunzip_cut(bytes(broken), 10 * len(data), "run.fit.gz")
    assert (caught.value.location, caught.value.reason) == ("byte 0", "not a valid gzip file: its compressed data "
                                                                      "is damaged")


def test_fitparse_stopping_early_is_said_in_words(caplog):
    data = synthetic_run(dt.datetime(2024, 5, 1, 6, tzinfo=dt.UTC), 2.0, 330)[:-500]  # cut inside the records
    with warnings.catch_warnings(), caplog.at_level("INFO", "analyzer.io.fit_fitparse"):
        warnings.simplefilter("ignore")
        act = analyzer.read_fit(io.BytesIO(data), engine="fitparse")
    assert [p.message for p in act.problems] == [
        "fitparse stopped early, at data it cannot read (its reason is in the log); data before it was kept"]
    assert len(act.records) > 0 and "fitparse stopped" in caplog.text


def test_an_export_reader_that_fails_is_said_without_its_exception(tmp_path, monkeypatch, caplog):
    def broken(path):
        raise RuntimeError("boom <object at 0x7f>")

    monkeypatch.setattr(athlete_module, "read_export", broken)
    with caplog.at_level("INFO", "analyzer.io.athlete"):
        activities, problems = athlete_module._read_export_safely(tmp_path / "export.zip")
    assert activities == []
    assert [p.message for p in problems] == ["could not be read (a fault in the analyzer, details in the log); "
                                             "please report this export to the analyzer's developers"]
    for p in problems:
        _plain(p.message)
    assert "boom <object at 0x7f>" in caplog.text


def test_a_file_reader_that_fails_is_said_without_its_exception(tmp_path, monkeypatch, caplog):
    from analyzer.io import activities as activities_module

    (tmp_path / "a.gpx").write_text("<gpx/>", encoding="utf-8")

    def broken(path, engine):
        raise KeyError("boom")

    monkeypatch.setattr(activities_module, "_read_path", broken)
    with caplog.at_level("INFO", "analyzer.io.activities"):
        acts, problems = analyzer.read_activity_folder(tmp_path)
    assert acts == [] and [p.message for p in problems] == [
        "could not be read (a fault in the analyzer, details in the log); please report this file to the "
        "analyzer's developers"]
    assert "KeyError: 'boom'" in caplog.text
