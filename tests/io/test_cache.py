"""The parsed-activity cache: same frames back, corruption survived, shared safely."""

from __future__ import annotations

import datetime as dt

import pandas as pd

import analyzer
from analyzer.io.cache import ActivityCache
from analyzer.synthetic import synthetic_run, write_athlete

UTC = dt.UTC


def _folder(tmp_path):
    runs = {f"r{i}.fit": synthetic_run(dt.datetime(2024, 5, 1 + i, 6, tzinfo=UTC), 3.0, 330, seed=i,
                                       pauses=[(300, 360)]) for i in range(3)}
    return write_athlete(tmp_path / "ana", {"timezone": "UTC"}, runs, [])


def _assert_same(a: analyzer.Activity, b: analyzer.Activity) -> None:
    for name in ("records", "laps", "sessions", "events", "pauses"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert a.device == b.device and a.utc_offset == b.utc_offset and a.source == b.source


def test_second_read_comes_from_the_cache_unchanged(tmp_path):
    folder = _folder(tmp_path)
    cache = ActivityCache(tmp_path / "cache")
    first = analyzer.load_athlete(folder, cache)
    assert (cache.hits, cache.misses) == (0, 3)
    second = analyzer.load_athlete(folder, cache)
    assert (cache.hits, cache.misses) == (3, 3)
    for a, b in zip(first.activities, second.activities, strict=True):
        _assert_same(a, b)


def test_a_corrupted_entry_is_detected_and_parsed_again(tmp_path):
    folder = _folder(tmp_path)
    cache = ActivityCache(tmp_path / "cache")
    first = analyzer.load_athlete(folder, cache)
    entry = sorted((tmp_path / "cache").iterdir())[0]
    (entry / "records.parquet").write_bytes(b"not parquet at all")
    again = analyzer.load_athlete(folder, ActivityCache(tmp_path / "cache"))
    for a, b in zip(first.activities, again.activities, strict=True):
        _assert_same(a, b)
    assert len(list((tmp_path / "cache").iterdir())) == 3  # the bad entry was replaced


def test_same_bytes_under_another_name_keep_their_own_name_and_problems(tmp_path):
    cache = ActivityCache(tmp_path / "cache")
    truncated = synthetic_run(dt.datetime(2024, 5, 1, 6, tzinfo=UTC), 2.0, 330)[:-500]
    for name in ("a", "b"):
        d = tmp_path / name
        d.mkdir()
        (d / f"{name}.fit").write_bytes(truncated)
    (a,), probs_a = analyzer.read_fit_folder(tmp_path / "a", cache=cache)
    (b,), probs_b = analyzer.read_fit_folder(tmp_path / "b", cache=cache)
    assert cache.hits == 1
    assert a.source == "a.fit" and b.source == "b.fit"
    assert probs_b and all(p.file.endswith("b.fit") for p in probs_b)


def test_report_without_cache_writes_no_cache(tmp_path):
    folder = _folder(tmp_path)
    result = analyzer.run_report(folder.parent, tmp_path / "out", jobs=1, cache_dir=tmp_path / "cache",
                                 use_cache=False)
    assert result.exit_code == 0 and not (tmp_path / "cache").exists()
    analyzer.run_report(folder.parent, tmp_path / "out", jobs=1, cache_dir=tmp_path / "cache")
    assert len(list((tmp_path / "cache").iterdir())) == 3
