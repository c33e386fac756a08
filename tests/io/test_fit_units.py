"""Units of the lap and session frames: positions in degrees, running cadence in steps per minute.

Positions: FIT stores them in semicircles (2³¹ semicircles = 180°); every ``*_deg`` column of
every frame of every file must lie within ±180. Cadence: a running FIT file's ``avg_cadence``
counts one foot per minute; every frame says ``*_cadence_spm`` with both feet, as the records do.
Expected values are worked out here from fitparse's raw fields, not from the reader's output.
"""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pytest
from fitparse import FitFile

import analyzer
from tests.conftest import CORPUS

REPO = Path(__file__).resolve().parents[2]
FILES = sorted({*REPO.joinpath("tests", "data").glob("*.fit"), *REPO.joinpath("sample_data").glob("*/activities/*.fit"),
                *(CORPUS.glob("*.fit*") if CORPUS.is_dir() else [])})
WKZ = REPO / "sample_data" / "wkz_runner" / "activities" / "2019-09-14-wkz-example.fit"


def _read(path: Path) -> analyzer.Activity | None:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return analyzer.read_fit(path)
        except analyzer.FitError:
            return None  # unreadable on purpose (the bad-input files); tested elsewhere


def test_the_corpus_is_read():
    assert len(FILES) >= 9
    if not CORPUS.is_dir():
        pytest.skip(f"only tests/data and sample_data: FIT corpus not found at {CORPUS}")


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_every_degree_column_of_every_frame_is_an_angle(path):
    act = _read(path)
    if act is None:
        return
    for name in ("records", "laps", "sessions", "events"):
        frame = getattr(act, name)
        for column in (c for c in frame.columns if c.endswith("_deg")):
            values = np.asarray(frame[column], dtype=float)
            values = values[np.isfinite(values)]
            assert (np.abs(values) <= 180.0).all(), (path.name, name, column, values.max())
        assert not [c for c in frame.columns if "fractional_cadence" in c], (path.name, name)


def _raw(path: Path, message: str) -> list[dict]:
    """fitparse's values by field name (its running subfields, e.g. ``avg_running_cadence``)."""
    return [{f.name: f.value for f in m.fields} for m in FitFile(str(path)).get_messages(message)]


def test_wkz_lap_and_session_positions_are_degrees_from_semicircles():
    act = analyzer.read_fit(WKZ)
    raw = _raw(WKZ, "session")[0]
    assert act.sessions["start_position_lat_deg"].iloc[0] == pytest.approx(raw["start_position_lat"] * 180 / 2**31)
    assert act.sessions["nec_lat_deg"].iloc[0] == pytest.approx(raw["nec_lat"] * 180 / 2**31)
    # the sample run is in Heidelberg (49.4° N, 8.7° E)
    assert 49.3 < act.sessions["start_position_lat_deg"].iloc[0] < 49.5
    assert 8.6 < act.laps["end_position_long_deg"].iloc[0] < 8.8


def test_running_cadence_is_both_feet_in_every_frame():
    act = analyzer.read_fit(WKZ)
    raw_session, raw_laps = _raw(WKZ, "session")[0], _raw(WKZ, "lap")
    assert raw_session["sport"] == "running"
    # fitparse: avg_running_cadence 64 strides/min + fractional 118/128 → 2 × 64.921875 steps/min
    expected = 2 * (raw_session["avg_running_cadence"] + raw_session["avg_fractional_cadence"])
    assert expected == pytest.approx(129.84375)
    assert act.sessions["avg_cadence_spm"].iloc[0] == pytest.approx(expected)
    assert act.laps["avg_cadence_spm"].iloc[0] == pytest.approx(
        2 * (raw_laps[0]["avg_running_cadence"] + raw_laps[0]["avg_fractional_cadence"]))
    for frame in (act.laps, act.sessions):
        assert not [c for c in frame.columns if c.endswith("cadence_rpm")]
    # the same convention as the records: their row mean is 128 steps/min here, not 64
    assert act.records["cadence_spm"].mean() == pytest.approx(act.sessions["avg_cadence_spm"].iloc[0], rel=0.05)


def test_cycling_cadence_stays_revolutions_per_minute():
    cycling = [p for p in FILES if "Edge810" in p.name]
    if not cycling:
        pytest.skip(f"no cycling file: FIT corpus not found at {CORPUS}")
    act = _read(cycling[0])
    raw = _raw(cycling[0], "session")[0]
    assert act.sessions["sport"].iloc[0] == "cycling"
    assert act.sessions["avg_cadence_rpm"].iloc[0] == pytest.approx(raw["avg_cadence"])
    assert "avg_cadence_spm" not in act.sessions
