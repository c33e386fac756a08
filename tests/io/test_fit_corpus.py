"""The reader against every real file in the developers' FIT corpus (skipped when it is absent).

Expected values come from the corpus's MANIFEST.tsv, which was filled by decoding each file
with fitparse 1.2 (fitdecode where fitparse failed) and the official Garmin FIT SDK.
"""

from __future__ import annotations

import csv
import hashlib
import re
import warnings

import pandas as pd
import pytest

import analyzer
from tests.conftest import CORPUS

MANIFEST = CORPUS / "MANIFEST.tsv"
ROWS = list(csv.DictReader(MANIFEST.open(), delimiter="\t")) if MANIFEST.exists() else []
pytestmark = pytest.mark.skipif(not ROWS, reason=f"FIT corpus not found at {CORPUS}")

DISTANCE_TOLERANCE_M = 10.0
"""Last record distance vs the session's total: watches round and may add the last
second's distance to the session only; 10 m covers every running file in the corpus."""


def _num(value: str) -> float | None:
    return float(value) if value not in ("", None) else None


def _read(row: dict) -> analyzer.Activity:
    path = CORPUS / row["file"]
    assert hashlib.sha256(path.read_bytes()).hexdigest() == row["sha256"], "corpus file changed"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", analyzer.FitWarning)
        act = analyzer.read_fit(path)
    assert act.engine == "numpy"  # read by the numpy decoder itself, not its fitparse fallback
    return act


def _out_of_order(act: analyzer.Activity) -> int:
    """Records the reader says it left out for being out of time order (a clock that steps back, a
    chained copy of the same activity); the rest must be in time order."""
    assert act.records.index.dropna().is_monotonic_increasing
    found = [re.search(r"(\d+) points? out of time order", p.message) for p in act.problems]
    return sum(int(m.group(1)) for m in found if m)


def _ids(rows):
    return [r["file"] for r in rows]


GOOD = [r for r in ROWS if r["parses_fitparse"] == "ok"]
BROKEN = [r for r in ROWS if r["parses_fitparse"] != "ok"]
RUNS = [r for r in GOOD if r["sport"] == "running" and (_num(r["n_records"]) or 0) > 0]


@pytest.mark.parametrize("row", GOOD, ids=_ids(GOOD))
def test_record_count_and_device_match_fitparse(row):
    act = _read(row)
    assert len(act.records) + _out_of_order(act) == int(float(row["n_records"]))
    manifest_maker = row["manufacturer"]
    if manifest_maker:
        maker = act.device["manufacturer"]
        # the manifest holds a bare number where fitparse's 2020 profile had no name for it
        assert maker == manifest_maker or analyzer.io.fit_names.manufacturer_name(manifest_maker) == maker
    if row["product"]:
        assert act.device["product"] == row["product"]


@pytest.mark.parametrize("row", RUNS, ids=_ids(RUNS))
def test_running_file_agrees_with_its_own_session(row):
    act = _read(row)
    recs = act.records
    assert isinstance(recs.index, pd.DatetimeIndex) and str(recs.index.tz) == "UTC"
    assert act.sport == "running"
    session = act.session
    if "distance_m" in recs and recs["distance_m"].notna().any() and row["distance_m"]:
        last = recs["distance_m"].dropna().iloc[-1]
        assert abs(last - session["total_distance_m"]) <= DISTANCE_TOLERANCE_M
    if "start_time" in session and pd.notna(session["start_time"]) and recs.index.notna().all():
        start = session["start_time"]
        end = start + pd.Timedelta(seconds=session["total_elapsed_time_s"])
        assert start - pd.Timedelta(seconds=5) <= recs.index[0] <= start + pd.Timedelta(seconds=60)
        # smart recording stores a point only on change: allow one recording interval of slack
        slack = max(pd.Timedelta(seconds=5), recs.index.to_series().diff().max())
        assert recs.index[-1] <= end + slack
    if "heart_rate_bpm" in recs:  # 0 and 255 mean "no reading" and must be NaN
        hr = recs["heart_rate_bpm"].dropna()
        assert ((hr > 0) & (hr < 255)).all()
    if "cadence_spm" in recs:  # steps per minute: standing still is 0, sprinting under 300
        cadence = recs["cadence_spm"].dropna()
        assert ((cadence >= 0) & (cadence < 300)).all()


@pytest.mark.parametrize("row", BROKEN, ids=_ids(BROKEN))
def test_broken_files_keep_what_the_garmin_sdk_recovers(row):
    path = CORPUS / row["file"]
    try:
        act = _read(row)
    except analyzer.FitError as exc:
        assert str(path) in str(exc)
        assert int(row["records_garmin_sdk"]) == 0
        return
    assert len(act.records) + _out_of_order(act) >= int(row["records_garmin_sdk"])
    if "misaligned" in row["notes"]:
        # fitparse refuses this COROS file; it is not damaged, so it must read in full, cleanly
        assert len(act.records) == int(float(row["n_records"]))
        assert act.problems == []
    else:
        assert act.problems, "a damaged file must say what was wrong"
        assert all(p.file == str(path) for p in act.problems)


@pytest.mark.parametrize("row", GOOD, ids=_ids(GOOD))
def test_numpy_engine_matches_fitparse_engine(row):
    """Identical frames (values, NaNs, dtypes, index), device and UTC offset from both engines."""
    path = CORPUS / row["file"]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", analyzer.FitWarning)
        fast = analyzer.read_fit(path)
        ref = analyzer.read_fit(path, engine="fitparse")
    assert (fast.engine, ref.engine) == ("numpy", "fitparse")
    for frame in ("records", "laps", "sessions", "events", "pauses"):
        pd.testing.assert_frame_equal(getattr(fast, frame), getattr(ref, frame), obj=frame)
    assert fast.device == ref.device
    assert fast.utc_offset == ref.utc_offset


def test_non_activity_files_give_no_records():
    for name in ("fitparse__Settings.fit", "fitparse__WeightScaleSingleUser.fit", "fitparse__MonitoringFile.fit"):
        act = analyzer.read_fit(CORPUS / name)
        assert act.records.empty and act.sport is None
