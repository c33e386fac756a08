"""The decoder's faster paths give exactly the tables of its general path, column for column
(names, order, dtypes, values, NaN and None), and the frames fitparse gives. The faster paths:
the small-table path (layouts with at most ``_SMALL`` messages, read with ``struct`` and plain
loops) and definitions
parsed once per process (``_PARSED_DEFINITIONS``, keyed by their bytes).

Each file is decoded as shipped (twice: the second time every definition comes from the
cache) and the general way: ``_SMALL = 0`` (every layout through the numpy path), every table
decoded at once, and no definition cache. The files: every corpus file, the
MIT-licensed copies in tests/data, the fuzzer's regressions, and generated files with one to
three messages of each decoded kind (both byte orders, invalid values, subfields,
components, developer fields, compressed timestamps)."""

from __future__ import annotations

import datetime as dt
import io
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import analyzer
from analyzer.errors import FitError
from analyzer.io import fit_decode
from analyzer.io.fit_encode import DevField, FitWriter, to_fit_seconds
from tests.conftest import CORPUS, DATA

START = dt.datetime(2024, 7, 1, 6, 0, tzinfo=dt.UTC)
DEV = [DevField(0, 0, "core_temperature", "°C", 0x88), DevField(0, 1, "form_power", "Watts", 0x84),
       DevField(0, 2, "flags", "", 0x02)]


class _NoCache(dict):
    """A definition cache that never has the definition: each is parsed from its bytes."""

    def get(self, key, default=None):
        return default


def _decode(data: bytes, small: int, monkeypatch, *, general: bool = False) -> fit_decode.Messages | str:
    """Decoded as shipped (``small=16``, definitions from the cache), or with ``small=0`` and
    ``general=True`` the general way (no definition cache)."""
    monkeypatch.setattr(fit_decode, "_SMALL", small)
    if general:
        monkeypatch.setattr(fit_decode, "_PARSED_DEFINITIONS", _NoCache())
    try:
        if not general:
            fit_decode.decode(data, "f.fit")  # the second decode finds every definition parsed
        return fit_decode.decode(data, "f.fit")
    except FitError as exc:
        return f"FitError: {exc}"
    finally:
        monkeypatch.undo()


def _same(x, y) -> bool:
    """Equal cells of an object column: None, NaN (a float that is not a number), or equal values of one type."""
    if x is None or y is None:
        return x is None and y is None
    if isinstance(x, float) and isinstance(y, float) and x != x:
        return y != y
    return type(x) is type(y) and x == y


def _assert_same_tables(a, b) -> int:
    """Every table, column and value equal; returns how many cells were compared."""
    if isinstance(a, str) or isinstance(b, str):
        assert a == b
        return 0
    assert [str(p) for p in a.problems] == [str(p) for p in b.problems]
    assert list(a.tables) == list(b.tables)
    cells = 0
    for name, ta in a.tables.items():
        tb = b.tables[name]
        assert list(ta) == list(tb), name
        for col, va in ta.items():
            vb = tb[col]
            assert va.dtype == vb.dtype and va.shape == vb.shape, (name, col)
            if va.dtype == object:
                assert all(_same(x, y) for x, y in zip(va.tolist(), vb.tolist(), strict=True)), (name, col)
            elif va.dtype.kind == "f":
                assert np.array_equal(va, vb, equal_nan=True), (name, col)
            else:
                assert np.array_equal(va, vb), (name, col)
            cells += va.size
    return cells


def _small_tables(msgs) -> int:
    return 0 if isinstance(msgs, str) else sum(
        1 for t in msgs.tables.values() if 0 < fit_decode.table_length(t) <= 16)


def _files() -> list[Path]:
    found = sorted(DATA.glob("*.fit")) + sorted((DATA / "fuzz_regressions").glob("*.fit"))
    if CORPUS.exists():
        found += sorted(CORPUS.glob("*.fit"))
    return found


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_faster_paths_equal_the_general_path_on_real_files(path, monkeypatch):
    data = path.read_bytes()
    small = _decode(data, 16, monkeypatch)
    general = _decode(data, 0, monkeypatch, general=True)
    _assert_same_tables(small, general)


def test_real_files_exercise_the_small_path(monkeypatch):
    """The comparison above is not empty: the files hold small tables, both engines' tables."""
    counted = sum(_small_tables(_decode(p.read_bytes(), 16, monkeypatch)) for p in sorted(DATA.glob("*.fit")))
    assert counted >= 2 * len(list(DATA.glob("*.fit")))  # file_id and session at least, in every file


def _tiny(little_endian: bool, n: int, compressed: bool) -> bytes:
    """``n`` (1–3) messages of each decoded kind, with invalid values, enums, subfields, components."""
    w = FitWriter(little_endian=little_endian, dev_fields=DEV)
    for k in range(n):
        w.write("file_id", type="activity", manufacturer="garmin" if k != 1 else "development",
                product=2888 + k, serial_number=None if k == 2 else 99 + k, time_created=START)
    for k in range(n):
        w.write("file_creator", software_version=None if k == 1 else 1000 + k)
    for k in range(n):
        w.write("device_info", timestamp=START, device_index=k, manufacturer=["garmin", "wahoo_fitness", None][k],
                product=[3113, 31, 7][k], device_type=[120, None, 4][k], source_type=["antplus", "local", None][k],
                software_version=[12.5, None, 3.0][k])
    base = to_fit_seconds(START)
    for k in range(n):  # event data: a subfield by event (timer_trigger) and a component (data16 → data)
        ev = [("timer", "start"), ("timer", "stop_all"), ("recovery_hr", "marker")][k]
        w.write("event", timestamp=START + dt.timedelta(seconds=10 * k), event=ev[0], event_type=ev[1],
                event_group=0, data=[0, 2, None][k])
    for k in range(n):
        values = dict(heart_rate=None if k == 1 else 140 + k, distance=3.1 * k, speed=[3.1, None, 0.0][k],
                      enhanced_speed=None if k == 0 else 3.2, altitude=100 + k, cadence=80 + k,
                      fractional_cadence=0.5, temperature=[-3, 25, None][k], power=[None, 0, 250][k],
                      position_lat=None if k == 2 else int(4.7e8 + k), position_long=int(-1.1e8 - k),
                      core_temperature=37.1 + k, form_power=None if k == 1 else 60 + k, flags=[1, None, 3][k])
        if compressed and k:
            w.write("record", compressed_time_offset=(base + 11 + k) & 0x1F, **values)
        else:
            w.write("record", timestamp=START + dt.timedelta(seconds=11 + k), **values)
    end = START + dt.timedelta(seconds=60)
    for k in range(n):  # lap: cadence subfields by sport, speed components, a total cycles count
        w.write("lap", timestamp=end, start_time=START + dt.timedelta(seconds=20 * k), total_elapsed_time=20,
                total_timer_time=None if k == 1 else 19.5, total_distance=60.0 + k, avg_heart_rate=150 - k,
                avg_speed=[3.0, None, 2.5][k], max_speed=4.0, avg_cadence=85 + k, total_cycles=[120, 4000, None][k],
                sport=["running", "cycling", None][k], sub_sport="generic")
    for k in range(n):
        w.write("session", timestamp=end, start_time=START + dt.timedelta(seconds=20 * k), total_elapsed_time=60,
                total_timer_time=58.0, total_distance=[180.0, None, 12.0][k], avg_speed=[3.0, 2.0, None][k],
                enhanced_avg_speed=None if k == 0 else 3.1, avg_cadence=84, total_cycles=[9, None, 70000][k],
                sport=["running", "cycling", "swimming"][k], sub_sport=["trail", "road", "lap_swimming"][k],
                avg_heart_rate=None if k == 2 else 148)
    for k in range(n):
        w.write("activity", timestamp=end, local_timestamp=to_fit_seconds(end) + 7200 * (k + 1), num_sessions=1,
                type="manual")
    return w.to_bytes()


@pytest.mark.parametrize("little_endian", [True, False], ids=["little-endian", "big-endian"])
@pytest.mark.parametrize("n", [1, 2, 3])
@pytest.mark.parametrize("compressed", [False, True], ids=["timestamps", "compressed"])
def test_small_path_equals_numpy_path_and_fitparse_on_tiny_files(little_endian, n, compressed, monkeypatch):
    data = _tiny(little_endian, n, compressed)
    small = _decode(data, 16, monkeypatch)
    general = _decode(data, 0, monkeypatch, general=True)
    assert _small_tables(small) == 8  # every kind decoded, each a small table
    assert _assert_same_tables(small, general) > 0
    # the values written come back: 1 to 3 of each, read by both paths alike
    assert fit_decode.table_length(small.tables["record"]) == n
    np.testing.assert_array_equal(small.tables["record"]["heart_rate"], [140.0, np.nan, 142.0][:n])
    assert small.tables["file_id"]["manufacturer"].tolist() == ["garmin", "development", "garmin"][:n]
    # and the activity built on the small path equals fitparse's, frame for frame
    monkeypatch.setattr(fit_decode, "_SMALL", 16)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        fast = analyzer.read_fit(io.BytesIO(data))
        ref = analyzer.read_fit(io.BytesIO(data), engine="fitparse")
    assert (fast.engine, ref.engine) == ("numpy", "fitparse")
    for frame in ("records", "laps", "sessions", "events", "pauses"):
        pd.testing.assert_frame_equal(getattr(fast, frame), getattr(ref, frame), obj=frame)
    assert fast.device == ref.device and fast.utc_offset == ref.utc_offset


def test_component_of_a_value_numpy_alone_can_cast_takes_the_numpy_path():
    """A negative or fractional raw value in a component field is left to numpy's own cast."""
    from fitparse.profile import MESSAGE_TYPES

    lap = MESSAGE_TYPES[19]
    num = next(n for n, f in lap.fields.items() if f.name == "avg_speed")
    for bad in ([-1.0], [2.5], [2.0**64]):
        cols: dict[str, np.ndarray] = {}
        assert not fit_decode._components_small(lap, lap.fields[num], np.array(bad), cols) and not cols
    cols = {}
    assert fit_decode._components_small(lap, lap.fields[num], np.array([3000.0, np.nan]), cols)
    np.testing.assert_array_equal(cols["enhanced_avg_speed"], [3.0, np.nan])  # 3000 mm/s, scale 1000


def test_a_lap_decode_that_fails_still_reads_the_file_with_fitparse(monkeypatch, tmp_path):
    """A decoder failure on the lap table (decoded as the file is read, not when the laps are first
    read) makes read_fit read the file with fitparse, as for any decoder failure: the laps are
    fitparse's, and the problem saying so is among the folder's problems (errors.csv)."""
    data = _tiny(True, 3, compressed=False)
    (tmp_path / "a.fit").write_bytes(data)
    layout_columns = fit_decode._layout_columns

    def broken(d, *args):
        if d.global_num == 19:  # lap
            raise IndexError("lap decode fails")
        return layout_columns(d, *args)

    monkeypatch.setattr(fit_decode, "_layout_columns", broken)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        act = analyzer.read_fit(tmp_path / "a.fit")
    assert act.engine == "fitparse"
    assert act.laps["total_distance_m"].tolist() == [60.0, 61.0, 62.0]  # the three laps written
    first = act.problems[0].message
    assert first.endswith("read with fitparse instead (please report this file)")
    activities, problems = analyzer.read_activity_folder(tmp_path)
    assert [p.message for p in problems] == [p.message for p in activities[0].problems]
    assert any(p.message == first for p in problems)


def _assert_session_keys_are_the_whole_sets_columns(table) -> int:
    """The session columns the records are built with (start, sport, total distance) are exactly those
    columns of the whole set (same name, dtype, values), in the same time order."""
    from analyzer.io import fit

    keys, order = fit._session_keys(table)
    whole = fit._table_columns(table, "session")
    assert (order is None) == (fit._session_order(whole) is None)
    if order is not None:
        np.testing.assert_array_equal(order, fit._session_order(whole))
        whole = whole.take(order)
    whole = fit._with_sport(whole)
    assert keys.n == whole.n and keys.times == whole.times & set(keys.data)
    assert list(keys.data) == [c for c in whole.data if c in keys.data]
    assert fit._SESSION_KEYS & set(whole.data) <= set(keys.data)  # every key the whole set has
    for column, values in keys.data.items():
        assert values.dtype == whole.data[column].dtype, column
        if values.dtype == object:
            assert all(_same(x, y) for x, y in zip(values.tolist(), whole.data[column].tolist(), strict=True))
        else:
            np.testing.assert_array_equal(values, whole.data[column])
    return len(keys.data)


@pytest.mark.parametrize("path", _files(), ids=lambda p: p.name)
def test_session_keys_equal_the_whole_sessions_columns_on_real_files(path):
    try:
        msgs = fit_decode.decode(path.read_bytes(), path.name)
    except FitError:
        return  # not FIT at all: no sessions to compare (the tables test above covers the error)
    _assert_session_keys_are_the_whole_sets_columns(msgs.get("session"))


def test_session_keys_equal_the_whole_sessions_columns_on_tiny_and_unordered_sessions():
    msgs = fit_decode.decode(_tiny(True, 3, compressed=False), "f.fit")
    assert _assert_session_keys_are_the_whole_sets_columns(msgs.get("session")) == 3  # start, sport, distance
    # three sessions out of time order, one with no start, and a developer field named like a key
    table = {"_offset": np.array([30, 10, 20]), "start_time": np.array([2e9, np.nan, 1e9]),
             "sport": np.array(["cycling", None, "running"], dtype=object),
             "total_distance": np.array([20_000.0, np.nan, 5_000.0]),
             "dev|total_distance|m": np.array([1.0, 2.0, 3.0]), "avg_heart_rate": np.array([120.0, 130.0, 140.0])}
    assert _assert_session_keys_are_the_whole_sets_columns(table) == 4  # start, sport, distance and its _dev twin
    # the developer field first: it takes the plain name, the profile's field the _dev one, as in the whole set
    first = {"_offset": table["_offset"], "dev|total_distance|m": table["dev|total_distance|m"],
             **{k: v for k, v in table.items() if k not in ("_offset", "dev|total_distance|m")}}
    assert _assert_session_keys_are_the_whole_sets_columns(first) == 4
    from analyzer.io import fit

    keys = fit._session_keys(first)[0].data  # in time order: the 1e9 start, the 2e9 start, the unknown one last
    np.testing.assert_array_equal(keys["total_distance_m"], [3.0, 1.0, 2.0])
    np.testing.assert_array_equal(keys["total_distance_m_dev"], [5_000.0, 20_000.0, np.nan])
