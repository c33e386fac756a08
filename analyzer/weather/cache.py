"""The weather archive's on-disk cache and its lock per grid cell.

One JSON file per provider, model, cell and day
(``<cache folder>/weather/<provider>/<model>/<lat>_<lon>/<YYYY-MM-DD>.json``) holding the day's 24
hours and where the archive's grid point is. Only complete days are written (a day the archive
has not published yet is asked again next time); a damaged entry is removed and asked again.
Workers of one report, or several reports, share the cache through a lock per cell (filelock),
so a cell is never fetched twice at once.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import logging
import os
from collections.abc import Iterator
from pathlib import Path

import numpy as np
import pandas as pd

from analyzer.weather.open_meteo import COLUMNS, Cell

log = logging.getLogger(__name__)

LEGACY_COLUMNS = {"wind_10m_mps": "wind_mps", "shortwave_w_m2": "solar_w_m2"}
"""Column names of entries written before wind and sunshine had one name each (read as the new ones)."""

LOCK_TIMEOUT_S = 120.0
"""Longest a lookup waits for another worker's lock on the same cell, seconds."""


class ArchiveCache:
    """Cached archive days of one provider and model under ``cache_dir``.

    Parameters
    ----------
    cache_dir : path-like
        The analyzer's cache folder.
    provider : str
        The provider's name (``open-meteo``).
    model : str
        The model asked for (``era5_seamless``); ``default`` when none.
    """

    def __init__(self, cache_dir: str | os.PathLike, provider: str, model: str = "") -> None:
        self.root = Path(cache_dir) / "weather" / provider / (model or "default")

    def folder(self, cell: Cell) -> Path:
        """The cell's folder of days."""
        return self.root / cell.key

    def read(self, cell: Cell, day: dt.date) -> tuple[pd.DataFrame, dict] | None:
        """The day's hours and the grid point, or ``None`` when not cached (a damaged entry is removed)."""
        path = self.folder(cell) / f"{day.isoformat()}.json"
        try:
            entry = json.loads(path.read_text(encoding="utf-8"))
            hourly = {LEGACY_COLUMNS.get(name, name): values for name, values in entry["hourly"].items()}
            frame = pd.DataFrame(hourly, index=pd.to_datetime(entry["time"], unit="s", utc=True))
            frame.index.name = "time"
            return frame.reindex(columns=COLUMNS).astype(float), entry["where"]
        except FileNotFoundError:
            return None
        except (OSError, ValueError, KeyError, TypeError) as exc:  # a damaged entry: fetch the day again
            log.warning("weather cache entry %s is unreadable (%s)", path, exc)
            path.unlink(missing_ok=True)
            return None

    def read_days(self, cell: Cell, days: list[dt.date]) -> tuple[list[pd.DataFrame], dict, list[dt.date]]:
        """``(frames found, grid point, days missing)`` for ``days`` of ``cell``."""
        found, where, missing = [], {}, []
        for day in days:
            hit = self.read(cell, day)
            if hit is None:
                missing.append(day)
            else:
                found.append(hit[0])
                where = where or hit[1]
        return found, where, missing

    def store(self, cell: Cell, frame: pd.DataFrame, where: dict) -> None:
        """Every complete day of ``frame`` (24 hours, each with an air temperature), written atomically."""
        folder = self.folder(cell)
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            log.warning("cannot write the weather cache %s: %s", folder, exc)
            return
        for day, hours in frame.groupby(frame.index.date):
            if len(hours) < 24 or hours["temperature_c"].isna().any():
                continue  # not (yet) complete in the archive: ask again next time
            entry = {"time": [int(t.timestamp()) for t in hours.index], "where": where,
                     "hourly": {c: [None if not np.isfinite(v) else float(v) for v in hours[c]] for c in COLUMNS}}
            path = folder / f"{day.isoformat()}.json"
            tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
            try:
                tmp.write_text(json.dumps(entry), encoding="utf-8")
                os.replace(tmp, path)
            except OSError as exc:
                tmp.unlink(missing_ok=True)
                log.warning("cannot write %s: %s", path, exc)

    @contextlib.contextmanager
    def locked(self, cell: Cell, timeout_s: float = LOCK_TIMEOUT_S) -> Iterator[None]:
        """Hold the cell's lock (a file beside its folder) while fetching; without filelock, or where
        the lock file cannot be made, the cell is fetched unlocked. A lock held by another worker
        beyond ``timeout_s`` raises filelock's ``Timeout``."""
        lock_path = self.folder(cell).with_suffix(".lock")
        try:
            from filelock import FileLock

            lock_path.parent.mkdir(parents=True, exist_ok=True)
            lock = FileLock(str(lock_path), timeout=timeout_s)
        except (OSError, ImportError):
            lock = None
        if lock is not None:
            lock.acquire()
        try:
            yield
        finally:
            if lock is not None and lock.is_locked:
                lock.release()
