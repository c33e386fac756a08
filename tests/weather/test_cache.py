"""ArchiveCache: one file per day, complete days only, damaged entries dropped, old column names read, the lock."""

from __future__ import annotations

import datetime as dt
import json
import threading

import numpy as np
import pandas as pd
import pytest

from analyzer.weather.cache import ArchiveCache
from analyzer.weather.open_meteo import COLUMNS, Cell

CELL = Cell(40.4, -3.7)
DAY = dt.date(2024, 6, 15)


def day_frame(day: dt.date, hours: int = 24, temperature_c: float = 20.0) -> pd.DataFrame:
    index = pd.date_range(pd.Timestamp(day, tz="UTC"), periods=hours, freq="h", name="time")
    frame = pd.DataFrame({c: np.full(hours, 1.0) for c in COLUMNS}, index=index)
    frame["temperature_c"] = temperature_c + np.arange(hours) / 10
    return frame


def test_complete_days_are_stored_one_file_each_and_read_back(tmp_path):
    cache = ArchiveCache(tmp_path, "open-meteo", "era5_seamless")
    two = pd.concat([day_frame(DAY), day_frame(DAY + dt.timedelta(days=1), hours=23)])  # the second day lacks an hour
    where = {"lat": 40.42, "lon": -3.73, "elevation_m": 650.0}
    cache.store(CELL, two, where)
    files = sorted(p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*.json"))
    assert files == ["weather/open-meteo/era5_seamless/40.4_-3.7/2024-06-15.json"]
    frame, got_where = cache.read(CELL, DAY)
    assert got_where == where and list(frame.columns) == COLUMNS
    assert frame["temperature_c"].tolist() == pytest.approx([20.0 + h / 10 for h in range(24)])
    found, _, missing = cache.read_days(CELL, [DAY, DAY + dt.timedelta(days=1)])
    assert len(found) == 1 and missing == [DAY + dt.timedelta(days=1)]


def test_a_day_without_air_temperature_is_not_stored(tmp_path):
    cache = ArchiveCache(tmp_path, "open-meteo", "era5_seamless")
    frame = day_frame(DAY)
    frame.iloc[5, frame.columns.get_loc("temperature_c")] = np.nan  # not published for that hour yet
    cache.store(CELL, frame, {})
    assert not list(tmp_path.rglob("*.json"))


def test_a_damaged_entry_is_removed_and_counts_as_missing(tmp_path):
    cache = ArchiveCache(tmp_path, "open-meteo", "era5_seamless")
    path = cache.folder(CELL) / f"{DAY}.json"
    path.parent.mkdir(parents=True)
    path.write_text('{"time": [1, 2', encoding="utf-8")
    assert cache.read(CELL, DAY) is None and not path.exists()


def test_entries_written_with_the_old_column_names_are_read_as_the_new_ones(tmp_path):
    cache = ArchiveCache(tmp_path, "open-meteo", "era5_seamless")
    path = cache.folder(CELL) / f"{DAY}.json"
    path.parent.mkdir(parents=True)
    times = [int(t.timestamp()) for t in pd.date_range(pd.Timestamp(DAY, tz="UTC"), periods=24, freq="h")]
    old = {"temperature_c": [20.0] * 24, "wind_10m_mps": [3.5] * 24, "shortwave_w_m2": [400.0] * 24}
    path.write_text(json.dumps({"time": times, "where": {}, "hourly": old}), encoding="utf-8")
    frame, _ = cache.read(CELL, DAY)
    assert frame["wind_mps"].eq(3.5).all() and frame["solar_w_m2"].eq(400.0).all()


def test_the_lock_makes_a_second_worker_wait_and_a_long_hold_times_out(tmp_path):
    from filelock import Timeout

    cache = ArchiveCache(tmp_path, "open-meteo", "era5_seamless")
    order: list[str] = []
    inside = threading.Event()
    release = threading.Event()

    def first() -> None:
        with cache.locked(CELL):
            order.append("first in")
            inside.set()
            release.wait(30)
            order.append("first out")

    t = threading.Thread(target=first)
    t.start()
    assert inside.wait(30)
    other = ArchiveCache(tmp_path, "open-meteo", "era5_seamless")  # another worker's own object
    with pytest.raises(Timeout), other.locked(CELL, timeout_s=0.05):
        pass  # never reached: the first holds the cell
    release.set()
    with other.locked(CELL, timeout_s=30):
        order.append("second in")
    t.join(30)
    assert order == ["first in", "first out", "second in"]
    assert (cache.folder(CELL).with_suffix(".lock")).exists()
