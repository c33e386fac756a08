"""Errors and problems carry their byte offset or row as a number, and FIT errors their kind."""

from __future__ import annotations

import gzip
import io

import pytest

import analyzer
from analyzer.errors import FitError, FitHeaderError, FitTruncatedError, InputError, NotFitError
from analyzer.io.inputs import gunzip_capped
from analyzer.io.logs import read_cramp_log
from analyzer.model import Problem


def test_not_fit_bytes_raise_not_fit_at_byte_0():
    with pytest.raises(NotFitError) as info:
        analyzer.read_fit(io.BytesIO(b"GIF89a" + bytes(40)))
    assert info.value.offset == 0 and isinstance(info.value, FitHeaderError | FitError)
    with pytest.raises(NotFitError, match="empty"):
        analyzer.read_fit(io.BytesIO(b""))


def test_a_fit_header_cut_short_is_a_header_error_not_a_foreign_file():
    header = b"\x0e\x10\x00\x00" + (40).to_bytes(4, "little") + b".FIT\x00\x00"
    with pytest.raises(FitHeaderError) as info:
        analyzer.read_fit(io.BytesIO(header[:13]))  # 13 bytes of a 14-byte header: it runs past the end
    assert not isinstance(info.value, NotFitError) and info.value.offset == 0


def test_a_gz_cut_before_any_data_is_truncated_at_its_length():
    whole = gzip.compress(bytes(5000))
    cut = whole[:12]  # the gzip header and a little more: nothing inflates
    with pytest.raises(FitTruncatedError) as info:
        analyzer.read_fit(io.BytesIO(cut))
    assert info.value.offset == len(cut) == 12


def test_bad_gzip_names_its_byte_as_a_number():
    data = gzip.compress(b"abc") + b"\x1f\x8b" + b"\x08" + bytes(20)  # a second member that is no gzip
    with pytest.raises(InputError) as info:
        gunzip_capped(data, 10_000)
    assert info.value.offset == len(gzip.compress(b"abc")) and info.value.location == f"byte {info.value.offset}"


def test_problem_rows_and_bytes_are_numbers(tmp_path):
    log = tmp_path / "cramps.csv"
    log.write_text("time,leg\n2024-06-01 07:00,left\n2024-06-02 07:00,rigth\n", encoding="utf-8")
    _, problems = read_cramp_log(log, "UTC")
    (p,) = problems
    assert (p.row, p.offset, p.location) == (2, None, "row 2")
    assert Problem.at_byte("f", 7, "x") == Problem("f", "byte 7", "x", offset=7)
    assert Problem.at_byte("f", None, "x").location == ""
    binary = tmp_path / "weigh.csv"
    binary.write_bytes(b"time,leg\n\x00\x01")
    _, problems = read_cramp_log(binary, "UTC")
    assert [(p.offset, p.location) for p in problems] == [(9, "byte 9")]  # the NUL after the 9-byte header line
