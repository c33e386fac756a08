"""Errors and problems carry their byte offset or row as a number (the FIT errors and their kinds: tests/io/test_fit.py)."""

from __future__ import annotations

import gzip

import pytest

from analyzer.errors import InputError
from analyzer.io.inputs import gunzip_capped
from analyzer.io.logs import read_cramp_log
from analyzer.model import Problem


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
