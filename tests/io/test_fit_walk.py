"""The header walk: repeating cycles taken in bulk, skipped messages, cut-off ends and
compressed timestamps chained through messages that are not decoded. Expected values come
from what each test wrote, and from fitparse reading the same bytes."""

from __future__ import annotations

import datetime as dt
import io

import numpy as np
import pandas as pd
import pytest

import analyzer
from analyzer.io import fit_decode
from analyzer.testing.fit_encode import FitWriter, to_fit_seconds

START = dt.datetime(2024, 5, 1, 7, 0, tzinfo=dt.UTC)


def _record(w: FitWriter, i: int, power: bool = False, **extra: object) -> None:
    values: dict[str, object] = dict(timestamp=START + dt.timedelta(seconds=i), distance=3.0 * i,
                                     heart_rate=120 + i % 30, enhanced_speed=3.0 + (i % 5) / 10)
    if power:
        values["power"] = 200 + i % 17
    w.write("record", **values, **extra)


def _cycling_file() -> tuple[bytes, int]:
    """Records alone, then record + HRV, then record + HRV + HRV, then an irregular stretch,
    with a record layout change in the middle of a cycle."""
    rng = np.random.default_rng(11)
    w = FitWriter()
    w.write("file_id", type="activity", manufacturer="development", product=1, time_created=START)
    i = 0
    for _ in range(300):  # a run of one message
        _record(w, i)
        i += 1
    for _ in range(200):  # a cycle of two: one kept, one stepped over
        _record(w, i)
        w.write("hrv", time=0.8)
        i += 1
    for k in range(200):  # a cycle of three; the record layout changes half-way
        _record(w, i, power=k >= 100)
        w.write("hrv", time=0.8)
        w.write("hrv", time=0.7)
        i += 1
    for _ in range(300):  # no cycle at all
        _record(w, i, power=True)
        for _ in range(int(rng.integers(0, 4))):
            w.write("hrv", time=0.75)
        i += 1
    w.write("session", timestamp=START + dt.timedelta(seconds=i), start_time=START, sport="running")
    return w.to_bytes(), i


def _records(data: bytes, engine: str) -> pd.DataFrame:
    return analyzer.read_fit(io.BytesIO(data), engine=engine).records


def test_cycles_are_taken_in_bulk_and_give_what_fitparse_gives(monkeypatch):
    data, n = _cycling_file()
    taken: list[int] = []
    original = fit_decode._take_cycles

    def spy(*args, **kwargs):
        k, messages = original(*args, **kwargs)
        taken.append(messages)
        return k, messages

    monkeypatch.setattr(fit_decode, "_take_cycles", spy)
    fast = _records(data, "numpy")
    assert sum(taken) > 500  # the bulk path did most of the regular part
    assert len(fast) == n
    assert fast["distance_m"].tolist() == [3.0 * i for i in range(n)]
    assert fast["power_w"].isna().sum() == 300 + 200 + 100  # power only after the layout change
    pd.testing.assert_frame_equal(fast, _records(data, "fitparse"), check_exact=True)


def test_without_bulk_steps_the_walk_gives_the_same_records(monkeypatch):
    data, _ = _cycling_file()
    bulk = _records(data, "numpy")
    monkeypatch.setattr(fit_decode, "_RUN_MIN", 10**9)
    pd.testing.assert_frame_equal(bulk, _records(data, "numpy"), check_exact=True)


def test_a_message_cut_off_at_the_end_is_reported_with_its_byte():
    w = FitWriter()
    w.write("file_id", type="activity", manufacturer="development", product=1, time_created=START)
    for i in range(50):
        _record(w, i)
        w.write("hrv", time=0.8)
    last_at = 14 + len(w.body)  # header is 14 bytes
    w.write("hrv", time=0.9)
    data = w.to_bytes()[:-3]  # lose the CRC and the last byte of the last (skipped) message
    with pytest.warns(analyzer.FitWarning):
        act = analyzer.read_fit(io.BytesIO(data))
    assert len(act.records) == 50
    assert any(p.location == f"byte {last_at}" and "cut off" in p.message for p in act.problems)


def test_a_record_cut_off_at_the_end_is_dropped_not_half_read():
    w = FitWriter()
    w.write("file_id", type="activity", manufacturer="development", product=1, time_created=START)
    for i in range(60):
        _record(w, i)
    last_at = 14 + len(w.body)
    _record(w, 60)
    data = w.to_bytes()[:-4]
    with pytest.warns(analyzer.FitWarning):
        act = analyzer.read_fit(io.BytesIO(data))
    assert len(act.records) == 60
    assert any(p.location == f"byte {last_at}" for p in act.problems)


def test_compressed_timestamps_chain_through_messages_that_are_not_decoded():
    """Offsets roll over the last timestamp of *any* message, decoded or not (FIT SDK)."""
    w = FitWriter()
    w.write("file_id", type="activity", manufacturer="development", product=1, time_created=START)
    base = to_fit_seconds(START)
    w.write("record", timestamp=START, distance=0.0)
    expected = [base]
    t = base
    for i in range(1, 80):
        if i % 7 == 0:  # a full timestamp on a message that is not decoded
            t += 3
            w.write("gps_metadata", timestamp=t, enhanced_speed=3.0)
        if i % 5 == 0:  # a compressed header on a message that is not decoded
            t += 20
            w.write("hr", compressed_time_offset=t & 0x1F, filtered_bpm=140)
        t += 1 + i % 3
        w.write("record", compressed_time_offset=t & 0x1F, distance=float(i))
        expected.append(t)
    data = w.to_bytes()
    got = _records(data, "numpy")
    want_ns = (np.asarray(expected, dtype=np.int64) + fit_decode.FIT_EPOCH_UNIX_S) * 10**9
    assert got.index.asi8.tolist() == want_ns.tolist()
    pd.testing.assert_frame_equal(got, _records(data, "fitparse"), check_exact=True)
