"""The per-run table against values worked out by hand."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

import analyzer
from analyzer.flags.thresholds import resolve_thresholds
from analyzer.metrics.runs import run_table
from analyzer.testing.fit_encode import encode_run
from analyzer.testing.synthetic import write_athlete

START = dt.datetime(2024, 6, 1, 6, tzinfo=dt.UTC)


def test_grade_adjusted_pace_is_weighted_by_time_not_by_record(tmp_path):
    # flat run: 30 min at 3.0 m/s recorded every second, then 30 min at 4.0 m/s every 5 s.
    # Distance 5.4 km + 7.2 km = 12.6 km in 3600 s → 3.5 m/s → 285.7 s/km, GAP the same on the flat.
    t = np.concatenate([np.arange(0, 1801, 1.0), np.arange(1805, 3601, 5.0)])
    v = np.where(t <= 1800, 3.0, 4.0)
    d = np.concatenate([[0.0], np.cumsum(np.diff(t) * v[1:])])
    fit = encode_run(START, t, distance_m=d, speed_mps=v, altitude_m=np.full(len(t), 100.0))
    athlete = analyzer.load_athlete(write_athlete(tmp_path / "a", {"timezone": "UTC"}, {"r.fit": fit}))
    runs = run_table(athlete, analyzer.match_cramps(athlete), resolve_thresholds()[0])
    assert runs.loc[0, "distance_km"] == pytest.approx(12.6)
    assert runs.loc[0, "pace_s_per_km"] == pytest.approx(285.7, abs=0.1)
    assert runs.loc[0, "gap_s_per_km"] == pytest.approx(285.7, abs=0.1)
    assert "acwr_coupled" in runs.columns and "acwr" not in runs.columns
