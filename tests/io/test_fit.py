"""analyzer.io.fit's own functions: the typed errors of bytes that are not a FIT file (raised by the
decoder where it finds them, their byte offset a number), and the unit helpers, checked by hand."""

from __future__ import annotations

import gzip
import io

import numpy as np
import pytest

import analyzer
from analyzer.errors import FitHeaderError, FitTruncatedError, NotFitError
from analyzer.io import fit_decode
from analyzer.io.fit import fit_seconds_ns, semicircles_to_deg, unit_column_name

# a 14-byte FIT header announcing 40 bytes of data: size, protocol, profile, data size, ".FIT", CRC
HEADER = b"\x0e\x10\x00\x00" + (40).to_bytes(4, "little") + b".FIT\x00\x00"


def _read(data: bytes, engine: str = "numpy") -> analyzer.Activity:
    buf = io.BytesIO(data)
    buf.name = "f.fit"
    return analyzer.read_fit(buf, engine=engine)


@pytest.mark.parametrize("engine", ["numpy", "fitparse"])
def test_empty_bytes_are_not_fit_at_byte_0(engine):
    with pytest.raises(NotFitError, match="empty") as info:
        fit_decode.decode(b"", "f.fit")
    assert info.value.offset == 0 and info.value.path == "f.fit"
    with pytest.raises(NotFitError, match="empty") as info:
        _read(b"", engine)
    assert info.value.offset == 0 and type(info.value) is NotFitError


@pytest.mark.parametrize("engine", ["numpy", "fitparse"])
def test_bytes_without_the_fit_signature_are_not_fit_at_byte_0(engine):
    gif = b"GIF89a" + bytes(40)
    with pytest.raises(NotFitError) as info:
        fit_decode.decode(gif, "f.fit")
    assert info.value.offset == 0 and info.value.reason == "not a FIT file: no '.FIT' signature in the header"
    with pytest.raises(NotFitError) as info:
        _read(gif, engine)
    assert info.value.offset == 0 and str(info.value) == (
        "f.fit at byte 0: not a FIT file: no '.FIT' signature in the header")


@pytest.mark.parametrize("engine", ["numpy", "fitparse"])
def test_a_fit_header_cut_short_is_a_header_error_not_a_foreign_file(engine):
    cut = HEADER[:13]  # 13 bytes of a 14-byte header: it runs past the end
    with pytest.raises(FitHeaderError) as info:
        fit_decode.decode(cut, "f.fit")
    assert not isinstance(info.value, NotFitError) and info.value.offset == 0
    assert info.value.reason == "not a FIT file: header runs past the end of the file"
    with pytest.raises(FitHeaderError) as info:
        _read(cut, engine)
    assert not isinstance(info.value, NotFitError) and info.value.offset == 0
    with pytest.raises(NotFitError, match="only 11 bytes, a FIT header needs 12"):  # too short to show ".FIT"
        fit_decode.decode(HEADER[:11], "f.fit")


def test_a_gz_cut_before_any_data_is_truncated_at_its_length():
    whole = gzip.compress(bytes(5000))
    cut = whole[:12]  # the gzip header and a little more: nothing inflates
    with pytest.raises(FitTruncatedError) as info:
        analyzer.read_fit(io.BytesIO(cut))
    assert info.value.offset == len(cut) == 12


def test_data_cut_off_after_the_header_is_a_problem_at_the_cut_not_an_error():
    """A FIT file whose data stops early is read up to the break (no error); the problem's byte is
    the file's length, as a number."""
    cut = HEADER + b"\x40\x00\x00\x00\x00\x01"  # a definition message of 6 of its 9 bytes
    msgs = fit_decode.decode(cut, "f.fit")
    truncated, definition = msgs.problems
    assert (truncated.offset, truncated.location) == (20, "byte 20") and "only 6 are present" in truncated.message
    assert (definition.offset, definition.location) == (14, "byte 14") and "definition message is cut off" in (
        definition.message)


def test_not_fit_raises_fit_error_with_name_and_offset(tmp_path):
    for content, reason in ((b"", "empty"), (b"hello world, not a fit file", "not a FIT file")):
        path = tmp_path / "bad.fit"
        path.write_bytes(content)
        with pytest.raises(analyzer.FitError) as err:
            analyzer.read_fit(path)
        assert isinstance(err.value, ValueError) and err.value.offset == 0
        assert str(path) in str(err.value) and "byte 0" in str(err.value) and reason in str(err.value)


def test_missing_file_raises_fit_error(tmp_path):
    with pytest.raises(analyzer.FitError, match="cannot read"):
        analyzer.read_fit(tmp_path / "nope.fit")


def test_fit_seconds_are_unix_nanoseconds_from_1989_12_31():
    ns = fit_seconds_ns(np.array([0.0, 1e9, np.nan, 86_400.4]))
    assert ns[0] == 631_065_600 * 10**9  # 1989-12-31 00:00 UTC: 7,304 days of 86,400 s after 1970-01-01
    assert ns[1] == (10**9 + 631_065_600) * 10**9
    assert ns[2] == np.iinfo(np.int64).min  # missing → NaT
    assert ns[3] == (86_400 + 631_065_600) * 10**9  # rounded to the second


def test_semicircles_are_degrees():
    np.testing.assert_array_equal(semicircles_to_deg(np.array([2**31, -(2**30), 0])), [180.0, -90.0, 0.0])


@pytest.mark.parametrize("field,units,column", [
    ("avg_heart_rate", "bpm", "avg_heart_rate_bpm"),
    ("enhanced_speed", "m/s", "enhanced_speed_mps"),
    ("Form Power", "Watts/kg", "form_power_watts_kg"),  # no short form: spelled out
    ("distance_m", "m", "distance_m"),  # not doubled
    ("core_temperature", "°C", "core_temperature_c"),
    ("sport", None, "sport"),
])
def test_unit_column_names(field, units, column):
    assert unit_column_name(field, units) == column
