"""The parsed-activity cache: same frames back, corruption survived, shared safely."""

from __future__ import annotations

import datetime as dt

import pandas as pd

import analyzer
from analyzer.io.activities import KeptActivity
from analyzer.io.cache import ActivityCache
from analyzer.testing.synthetic import synthetic_run, write_athlete

UTC = dt.UTC


def _folder(tmp_path):
    runs = {f"r{i}.fit": synthetic_run(dt.datetime(2024, 5, 1 + i, 6, tzinfo=UTC), 3.0, 330, seed=i,
                                       pauses=[(300, 360)]) for i in range(3)}
    return write_athlete(tmp_path / "ana", {"timezone": "UTC"}, runs, [])


def _assert_same(a: analyzer.Activity, b: analyzer.Activity) -> None:
    for name in ("records", "laps", "sessions", "events", "pauses"):
        pd.testing.assert_frame_equal(getattr(a, name), getattr(b, name))
    assert a.device == b.device and a.utc_offset == b.utc_offset and a.source == b.source


KEPT = {"summaries", "digests"}
"""Beside the parsed activities: each file's summary and each folder's digests (analyzer.io.activities)."""


def test_second_read_comes_from_the_cache_unchanged(tmp_path):
    folder = _folder(tmp_path)
    cache = ActivityCache(tmp_path / "cache", min_parse_s=0)
    first = analyzer.load_athlete(folder, cache)
    assert (cache.hits, cache.misses) == (0, 3)
    second = analyzer.load_athlete(folder, cache)
    # the second time each file is kept by its summary: not even its cache entry is read until its
    # records are asked for, and then they come from the cache, not from parsing the file again
    assert (cache.hits, cache.misses) == (0, 3)
    assert all(isinstance(a, KeptActivity) and not a.loaded for a in second.activities)
    for a, b in zip(first.activities, second.activities, strict=True):
        _assert_same(a, b)
    assert (cache.hits, cache.misses) == (3, 3)


def test_a_corrupted_entry_is_detected_and_parsed_again(tmp_path):
    folder = _folder(tmp_path)
    cache = ActivityCache(tmp_path / "cache", min_parse_s=0)
    first = analyzer.load_athlete(folder, cache)
    entry = sorted((tmp_path / "cache").iterdir())[0]
    (entry / "records.parquet").write_bytes(b"not parquet at all")
    again = analyzer.load_athlete(folder, ActivityCache(tmp_path / "cache", min_parse_s=0))
    for a, b in zip(first.activities, again.activities, strict=True):
        _assert_same(a, b)
    entries = [p for p in (tmp_path / "cache").iterdir() if p.name not in KEPT]
    assert len(entries) == 3  # the bad entry was replaced


def test_same_bytes_under_another_name_keep_their_own_name_and_problems(tmp_path):
    cache = ActivityCache(tmp_path / "cache", min_parse_s=0)
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
    folder = _folder(tmp_path / "team")
    result = analyzer.run_report(folder.parent, tmp_path / "out", jobs=1, cache_dir=tmp_path / "cache",
                                 use_cache=False)
    assert result.exit_code == 0 and not (tmp_path / "cache").exists()
    analyzer.run_report(folder.parent, tmp_path / "out", jobs=1, cache_dir=tmp_path / "cache")
    assert len(list((tmp_path / "cache" / "reports").iterdir())) == 1  # small files parse faster than a cache read


def test_fast_files_are_not_worth_caching(tmp_path):
    folder = _folder(tmp_path / "team")
    cache = ActivityCache(tmp_path / "cache")  # default threshold: one-hour files parse in ~1.5 ms
    analyzer.load_athlete(folder, cache)
    stored = [p.name for p in (tmp_path / "cache").iterdir()] if (tmp_path / "cache").exists() else []
    assert set(stored) <= KEPT  # no parsed activity; only what each run's file is, by its digest


def test_warm_report_is_identical_and_a_changed_log_is_recomputed(tmp_path):
    folder = _folder(tmp_path / "team")
    (folder / "cramps.csv").write_text("time,leg\n2024-05-01T06:05:00Z,left\n")
    cache = tmp_path / "cache"
    analyzer.run_report(folder.parent, tmp_path / "cold", jobs=1, cache_dir=cache)
    analyzer.run_report(folder.parent, tmp_path / "warm", jobs=1, cache_dir=cache)
    for name in ("summary.csv", "cramps.csv", "flags.csv", "errors.csv"):
        assert (tmp_path / "cold" / name).read_bytes() == (tmp_path / "warm" / name).read_bytes()
    assert (tmp_path / "cold" / "ana" / "report.html").read_bytes() == (tmp_path / "warm" / "ana" / "report.html").read_bytes()
    (folder / "cramps.csv").write_text("time,leg\n2024-05-01T06:05:00Z,left\n2024-05-02T06:05:00Z,right\n")
    analyzer.run_report(folder.parent, tmp_path / "changed", jobs=1, cache_dir=cache)
    assert "right" in (tmp_path / "changed" / "cramps.csv").read_text()
    assert len(list((cache / "reports").iterdir())) == 2


def test_out_inside_the_input_folder_is_refused(tmp_path):
    folder = _folder(tmp_path / "team")
    result = analyzer.run_report(folder.parent, folder.parent / "report", jobs=1)
    assert result.exit_code == 2 and "inside" in result.problems[-1].message
    assert not (folder.parent / "report").exists()


def _weather_folder(tmp_path):
    rows = [{"time": f"2024-05-01T{h:02d}:00:00+02:00", "temperature_c": 10 + h / 2, "relative_humidity_pct": 70 - h}
            for h in range(24)]
    folder = write_athlete(tmp_path / "ana", {"timezone": "Europe/Madrid"}, {}, [], rows)
    with open(folder / "weather.csv", "a", encoding="utf-8") as fh:
        fh.write("2024-05-02T01:00:00+02:00,hot,50\n")  # row 25: a problem that must come back with the frame
    return folder


def test_weather_csv_read_back_from_the_cache_equals_the_file_read(tmp_path):
    folder = _weather_folder(tmp_path)
    cache = ActivityCache(tmp_path / "cache")
    first = analyzer.load_athlete(folder, cache, weather="off")
    assert len(first.weather) == 24 and first.weather["temperature_c"].iloc[-1] == 10 + 23 / 2
    assert [p.location for p in first.problems] == ["row 25"]
    entries = list((tmp_path / "cache" / "tables").iterdir())
    assert len(entries) == 1
    (entries[0] / "frame.parquet").write_bytes(b"")  # would fail if read: the second read must come from it
    pd.testing.assert_frame_equal(analyzer.load_athlete(folder, ActivityCache(tmp_path / "cache"), weather="off").weather,
                                  first.weather)  # damaged: read again from the file, the same
    second = analyzer.load_athlete(folder, ActivityCache(tmp_path / "cache"), weather="off")  # now from the entry
    pd.testing.assert_frame_equal(second.weather, first.weather, check_exact=True)
    assert second.weather.index.tz is not None and str(second.weather.index.dtype) == str(first.weather.index.dtype)
    assert second.problems == first.problems


def test_a_changed_weather_csv_or_zone_is_read_again(tmp_path):
    folder = _weather_folder(tmp_path)
    cache = ActivityCache(tmp_path / "cache")
    analyzer.load_athlete(folder, cache, weather="off")
    text = (folder / "weather.csv").read_text(encoding="utf-8")
    (folder / "weather.csv").write_text(text.replace("T00:00:00+02:00,10.0", "T00:00:00+02:00,12.5"), encoding="utf-8")
    changed = analyzer.load_athlete(folder, cache, weather="off")
    assert changed.weather["temperature_c"].iloc[0] == 12.5
    (folder / "athlete.toml").write_text('timezone = "Europe/London"\n', encoding="utf-8")
    analyzer.load_athlete(folder, cache, weather="off")
    assert len(list((tmp_path / "cache" / "tables").iterdir())) == 3


def test_a_problem_read_back_from_the_cache_keeps_its_byte_and_row(tmp_path):
    """A decoder problem has its byte as a number (Problem.offset), a log's its row: the same with
    and without the cache. An entry written before they were kept still reads (without them)."""
    import json
    import warnings

    from analyzer.io.activities import read_cached
    from analyzer.model import Problem

    cache = ActivityCache(tmp_path / "cache", min_parse_s=0)
    data = synthetic_run(dt.datetime(2024, 5, 1, 6, tzinfo=UTC), 2.0, 330)
    path = tmp_path / "cut.fit"
    path.write_bytes(data[:-500])  # cut inside the records: the decoder says at which byte
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        parsed = read_cached(path, "numpy", cache)
        again = read_cached(path, "numpy", cache)
    assert (cache.misses, cache.hits) == (1, 1)
    offsets = [p.offset for p in parsed.problems if p.location.startswith("byte ")]
    assert offsets and all(f"byte {p.offset}" == p.location for p in parsed.problems if p.offset is not None)
    assert again.problems == parsed.problems

    rows = [Problem.at_row("log.csv", 7, "the date is not a date; row left out", athlete="ana")]
    cache.put_table("cramps", "k", pd.DataFrame({"a": [1]}), rows)
    assert cache.get_table("cramps", "k")[1] == rows

    (meta,) = list((tmp_path / "cache").glob("*/meta.json"))
    old = json.loads(meta.read_text(encoding="utf-8"))
    old["problems"] = [{"location": p["location"], "message": p["message"]} for p in old["problems"]]
    meta.write_text(json.dumps(old), encoding="utf-8")
    older = ActivityCache(tmp_path / "cache", min_parse_s=0).get(cache.key(data[:-500], "numpy"), path)
    assert [(p.location, p.message, p.offset) for p in older.problems] == [
        (p.location, p.message, None) for p in parsed.problems]
