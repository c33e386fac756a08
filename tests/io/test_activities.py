"""Activities kept by their file's digest (issue 25): a file read in an earlier report is not read
again; what a report asks of it without its records (sport, start and end, span, distance, highest
heart rate, the watch's offset, title, problems) equals what the file itself gives, and its records,
once asked for, are the file's."""

from __future__ import annotations

import datetime as dt
import gzip
import math
import os
import pickle
import shutil
import time
from pathlib import Path

import pandas as pd
import pytest

from analyzer.io.activities import KeptActivity, read_activity_folder
from analyzer.io.cache import ActivityCache
from analyzer.model import Activity
from analyzer.testing.synthetic import synthetic_multisport, synthetic_run
from tests.conftest import REPO

UTC = dt.UTC
START = dt.datetime(2024, 6, 1, 7, tzinfo=UTC)
DATA = REPO / "tests" / "data"


@pytest.fixture
def folder(tmp_path):
    """Files of every kind a report meets: plain and gzipped FIT, one with pauses and a watch offset, one
    without heart rate… (a walk), a cut-off file (its problem), real FIT files, GPX, TCX, a triathlon."""
    acts = tmp_path / "activities"
    acts.mkdir()
    (acts / "a.fit").write_bytes(synthetic_run(START, 5.0, 330, pauses=[(600, 660)], utc_offset_s=7200))
    (acts / "b.fit.gz").write_bytes(gzip.compress(synthetic_run(START + dt.timedelta(days=1), 8.0, 300, seed=2)))
    (acts / "walk.fit").write_bytes(synthetic_run(START + dt.timedelta(days=2), 3.0, 600, sport="walking"))
    (acts / "cut.fit").write_bytes(synthetic_run(START + dt.timedelta(days=3), 4.0, 320, seed=3)[:-700])
    (acts / "tri.fit").write_bytes(synthetic_multisport(START + dt.timedelta(days=4),
                                                        [("swimming", 0.5, 120), ("cycling", 5, 90), ("running", 2, 300)]))
    for name in ("fitparse__activity-small-fenix2-run.fit", "wkz__with_nones.fit", "fitparse__Activity.fit"):
        shutil.copy(DATA / name, acts / name)
    for name in ("wkz__garmin_example.gpx", "tcxparser__test.tcx"):
        shutil.copy(DATA / "xml" / name, acts / name)
    return acts


def _same_value(a, b) -> bool:
    if isinstance(a, float) and isinstance(b, float) and math.isnan(a) and math.isnan(b):
        return True
    if isinstance(a, pd.Timestamp) and isinstance(b, pd.Timestamp):
        return a == b and a.unit == b.unit and str(a.tz) == str(b.tz)
    return (a is None and b is None) or (a is pd.NaT and b is pd.NaT) or a == b


def _read(folder, cache):
    return {a.source: a for a in read_activity_folder(folder, cache=cache)[0]}


def test_a_second_read_keeps_every_single_leg_file_and_answers_as_the_file_does(folder, tmp_path):
    cache = ActivityCache(tmp_path / "cache")
    first = _read(folder, cache)
    assert not any(isinstance(a, KeptActivity) for a in first.values())  # nothing kept before
    again = _read(folder, ActivityCache(tmp_path / "cache"))
    assert set(again) == set(first)
    kept = {name for name, a in again.items() if isinstance(a, KeptActivity)}
    assert kept == set(first) - {"tri.fit"}  # a multisport file's legs are cut from its records: read each time
    for name in sorted(kept):
        k, f = again[name], first[name]
        for what in ("sport", "start_time", "end_time", "distance_m", "utc_offset", "title", "description",
                     "engine", "source", "is_whole_file"):
            assert _same_value(getattr(k, what), getattr(f, what)), (name, what)
        assert _same_value(k.heart_rate_max(), f.heart_rate_max()), name
        span_k, span_f = k.record_span(), f.record_span()
        assert (span_k is None) == (span_f is None), name
        if span_f is not None:
            assert all(_same_value(x, y) for x, y in zip(span_k, span_f, strict=True)), name
        assert [(p.file, p.location, p.message) for p in k.problems] == \
               [(p.file, p.location, p.message) for p in f.problems], name
        assert [leg is k for leg in k.legs()] == [True]
        assert not k.loaded, name  # none of that read the file
        pd.testing.assert_frame_equal(k.records, f.records, check_exact=True)  # now it is read: the file's own
        pd.testing.assert_frame_equal(k.sessions, f.sessions, check_exact=True)
        pd.testing.assert_frame_equal(k.pauses, f.pauses, check_exact=True)
        assert k.loaded and k.device == f.device, name
    assert first["cut.fit"].problems, "the cut-off file says so"
    assert first["a.fit"].utc_offset == pd.Timedelta(hours=2) and len(first["a.fit"].pauses) == 1
    assert first["a.fit"].heart_rate_max() == first["a.fit"].records["heart_rate_bpm"].max()


def _later(monkeypatch, module, seconds: float = 10.0) -> None:
    """Reports taken ``seconds`` after now: the files just written are no longer "just changed"."""
    monkeypatch.setattr(module, "now_ns", lambda: time.time_ns() + int(seconds * 1e9))


def test_unchanged_files_are_not_read_again_and_a_changed_one_is(folder, tmp_path, monkeypatch):
    import analyzer.io.activities as activities

    _later(monkeypatch, activities)
    _read(folder, ActivityCache(tmp_path / "cache"))
    read: list[str] = []
    content = activities._content
    monkeypatch.setattr(activities, "_content", lambda path, *a: read.append(path.name) or content(path, *a))
    again = _read(folder, ActivityCache(tmp_path / "cache"))
    assert read == ["tri.fit"]  # its size and times unchanged, no other file's bytes are even read
    read.clear()
    (folder / "a.fit").write_bytes(synthetic_run(START, 6.0, 320, seed=9))  # new content under the old name
    os.utime(folder / "b.fit.gz")  # touched only: read again for its digest, and still kept
    third = _read(folder, ActivityCache(tmp_path / "cache"))
    assert sorted(read) == ["a.fit", "b.fit.gz", "tri.fit"]
    assert not isinstance(third["a.fit"], KeptActivity)
    assert third["a.fit"].distance_m == pytest.approx(6000, abs=1) and again["a.fit"].distance_m == pytest.approx(5000, abs=1)
    assert isinstance(third["b.fit.gz"], KeptActivity)


def test_a_damaged_summary_is_read_from_the_file_and_written_again(folder, tmp_path, caplog):
    _read(folder, ActivityCache(tmp_path / "cache"))
    summaries = sorted((tmp_path / "cache" / "summaries").rglob("*.json"))
    assert len(summaries) == 9  # every file but the triathlon
    for s in summaries:
        s.write_text('{"sport": ', encoding="utf-8")
    again = _read(folder, ActivityCache(tmp_path / "cache"))
    assert not any(isinstance(a, KeptActivity) for a in again.values())
    assert "unreadable" in caplog.text
    third = _read(folder, ActivityCache(tmp_path / "cache"))
    assert sum(isinstance(a, KeptActivity) for a in third.values()) == 9


def test_a_kept_activity_crosses_processes_as_the_activity_itself(folder, tmp_path):
    _read(folder, ActivityCache(tmp_path / "cache"))
    kept = _read(folder, ActivityCache(tmp_path / "cache"))["a.fit"]
    assert isinstance(kept, KeptActivity)
    back = pickle.loads(pickle.dumps(kept))
    assert type(back) is Activity
    pd.testing.assert_frame_equal(back.records, kept.records, check_exact=True)
    assert back.source == "a.fit" and back.start_time == kept.start_time


@pytest.mark.parametrize("damage", ["{}", '{"sport": "running", "span": [1, 2, 3]}', "[]", '{"sport": 5}'])
def test_a_summary_of_the_wrong_shape_costs_a_read_not_the_run(folder, tmp_path, caplog, damage):
    """Valid JSON of the wrong shape (a damaged cache) is not a run lost: the file is read instead."""
    first = _read(folder, ActivityCache(tmp_path / "cache"))
    for s in (tmp_path / "cache" / "summaries").rglob("*.json"):
        s.write_text(damage, encoding="utf-8")
    again = _read(folder, ActivityCache(tmp_path / "cache"))
    assert set(again) == set(first)
    assert not any(isinstance(a, KeptActivity) for a in again.values())
    assert all(len(again[n].records) == len(first[n].records) for n in first)


@pytest.mark.parametrize("entry", [[1, 2], [1, 2, 3, 4, 5, 6], "x", [0, 0, 0, 0, 7]])
def test_a_damaged_digest_entry_is_taken_again(folder, tmp_path, entry, monkeypatch):
    import json

    import analyzer.io.activities as activities

    _later(monkeypatch, activities)  # the files have settled: their stamps are kept
    cache = ActivityCache(tmp_path / "cache")
    _read(folder, cache)
    stores = list((tmp_path / "cache" / "digests").glob("*.json"))
    assert len(stores) == 1
    for path in stores:
        known = json.loads(path.read_text(encoding="utf-8"))
        assert len(known) == 10  # every file of the folder: there is something to damage
        path.write_text(json.dumps({name: entry for name in known}), encoding="utf-8")
    again = _read(folder, ActivityCache(tmp_path / "cache"))
    assert sum(isinstance(a, KeptActivity) for a in again.values()) == 9  # its key taken again, its summary found


def test_a_file_replaced_after_it_was_listed_is_said_not_mixed(folder, tmp_path):
    """A kept run whose file is replaced (or removed) before its records are read: an input problem in
    words, never the new bytes analysed under what was kept for the old ones."""
    from analyzer.errors import InputError

    _read(folder, ActivityCache(tmp_path / "cache"))
    again = _read(folder, ActivityCache(tmp_path / "cache"))
    kept = again["a.fit"]
    assert isinstance(kept, KeptActivity) and not kept.loaded
    (folder / "a.fit").write_bytes(synthetic_run(START, 6.0, 300, seed=9))
    with pytest.raises(InputError, match="changed while the report was being written"):
        kept.records  # noqa: B018
    other = again["b.fit.gz"]
    (folder / "b.fit.gz").unlink()
    with pytest.raises(InputError, match="could not be read again while the report was being written"):
        other.records  # noqa: B018


def test_a_file_noted_just_after_it_changed_is_read_again_next_time(folder, tmp_path, monkeypatch):
    """Racy stamps: a file rewritten twice within one tick of its filesystem's clock, with the same
    size, shows the same size, times and inode with other bytes. A stamp taken less than
    SETTLED_AFTER_S after the file changed is therefore not kept: the next report reads the file's
    bytes again (here the stamp is frozen, as such a rewrite leaves it) and sees the new run."""
    import analyzer.io.activities as activities
    from analyzer.io.cache import SETTLED_AFTER_S, file_stamp

    target = folder / "a.fit"
    frozen = file_stamp(target)
    monkeypatch.setattr(activities, "file_stamp", lambda path: frozen if path == target else file_stamp(path))
    monkeypatch.setattr(activities, "now_ns", lambda: frozen[1] + int(SETTLED_AFTER_S * 1e9) - 1)  # just before
    first = _read(folder, ActivityCache(tmp_path / "cache"))
    target.write_bytes(synthetic_run(START, 6.0, 320, seed=9))  # other bytes; the stamp stays as it was
    read: list[str] = []
    content = activities._content
    monkeypatch.setattr(activities, "_content", lambda path, *a: read.append(path.name) or content(path, *a))
    again = _read(folder, ActivityCache(tmp_path / "cache"))
    assert "a.fit" in read  # its stamp was not trusted
    assert first["a.fit"].distance_m == pytest.approx(5000, abs=1)
    assert again["a.fit"].distance_m == pytest.approx(6000, abs=1)  # the new run, not the one kept


def test_a_stamp_is_kept_once_the_file_has_settled(folder, tmp_path, monkeypatch):
    """The same file noted SETTLED_AFTER_S after its last change: its stamp is kept, and the next report
    does not read its bytes."""
    import analyzer.io.activities as activities
    from analyzer.io.cache import SETTLED_AFTER_S, file_stamp

    target = folder / "a.fit"
    stamp = file_stamp(target)
    changed = max(stamp[1], stamp[2])
    monkeypatch.setattr(activities, "now_ns", lambda: changed + int(SETTLED_AFTER_S * 1e9))
    _read(folder, ActivityCache(tmp_path / "cache"))
    read: list[str] = []
    content = activities._content
    monkeypatch.setattr(activities, "_content", lambda path, *a: read.append(path.name) or content(path, *a))
    again = _read(folder, ActivityCache(tmp_path / "cache"))
    assert "a.fit" not in read and isinstance(again["a.fit"], KeptActivity)


def test_a_gpx_or_tcx_file_is_parsed_from_the_bytes_its_key_was_taken_of(folder, tmp_path, monkeypatch):
    """The cache keeps an activity under the digest of the bytes it was parsed from: a GPX or TCX file
    is parsed from the bytes just read for its key, never read a second time (which could find other
    bytes, then kept under this key)."""
    from analyzer.io import gpx_tcx, inputs
    from analyzer.io.activities import read_activity, read_cached

    real = inputs.read_input
    reads: list[str] = []

    def counted(path, *args):
        reads.append(Path(path).name)
        return real(path, *args)

    for name in ("wkz__garmin_example.gpx", "tcxparser__test.tcx"):
        expected = read_activity(folder / name)
        reads.clear()
        for module in (inputs, gpx_tcx):
            monkeypatch.setattr(module, "read_input", counted)
        act = read_cached(folder / name, "numpy", ActivityCache(tmp_path / "cache"))
        monkeypatch.undo()
        assert reads == [name]  # once, for its key
        pd.testing.assert_frame_equal(act.records, expected.records, check_exact=True)
        assert act.source == expected.source and [str(p) for p in act.problems] == [str(p) for p in expected.problems]
