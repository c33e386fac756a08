"""Team table, a season's records in one frame, the records around a cramp."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import analyzer
from analyzer.testing.synthetic import synthetic_run, write_athlete

UTC = dt.UTC
START = dt.datetime(2024, 6, 3, 6, tzinfo=UTC)


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    root = tmp_path_factory.mktemp("t") / "team"
    ana = {f"a{i}.fit": synthetic_run(START + dt.timedelta(days=2 * i), 5.0, 300, seed=i) for i in range(3)}
    # one cramp 20 min into a2 (at 4 km: 20 min at 5:00/km), one at rest at night
    write_athlete(root / "ana", {"timezone": "Europe/Madrid"}, ana,
                  [{"time": "2024-06-07 08:20", "leg": "left", "severity": 5},
                   {"time": "2024-06-08 03:00", "leg": "right"}])
    ben = {"b0.fit": synthetic_run(START, 10.0, 360, seed=7)}
    write_athlete(root / "ben", {"timezone": "America/New_York"}, ben, [])
    return root


@pytest.fixture(scope="module")
def analyses(team):
    return [analyzer.analyze(team / "ana"), analyzer.analyze(team / "ben")]


def test_team_table_is_every_athletes_runs(team, analyses):
    runs = analyzer.team_table(team)
    assert runs["athlete"].tolist() == ["ana", "ana", "ana", "ben"]
    assert runs["distance_km"].round(3).tolist() == [5.0, 5.0, 5.0, 10.0]
    # two zones: the clock time of each athlete as text, the column itself in UTC
    assert runs["start_local_text"].tolist() == ["2024-06-03 08:00:00+02:00", "2024-06-05 08:00:00+02:00",
                                                 "2024-06-07 08:00:00+02:00", "2024-06-03 02:00:00-04:00"]
    assert str(runs["start_local"].dt.tz) == "UTC"
    same = analyzer.team_table(analyses[:1])
    assert str(same["start_local"].dt.tz) == "Europe/Madrid" and "start_local_text" not in same


def test_team_table_of_cramps_and_flags(analyses):
    cramps = analyzer.team_table(analyses, "cramps")
    assert cramps["athlete"].tolist() == ["ana", "ana"] and cramps["cramp_row"].tolist() == [1, 2]
    flags = analyzer.team_table(analyses, "flags")
    assert set(flags["athlete"]) <= {"ana", "ben"} and str(flags["cramp_row"].dtype) == "Int64"
    # one frame over athletes: exactly each athlete's own flags, in team order
    assert len(flags) == sum(len(a.flags) for a in analyses) > 0
    with pytest.raises(ValueError, match="table must be one of runs, cramps, flags, season"):
        analyzer.team_table(analyses, "records")
    with pytest.raises(TypeError, match="a team folder's path or a list"):
        analyzer.team_table(3)


def test_season_records_keyed_by_run(analyses):
    ana = analyses[0]
    records = analyzer.season_records(ana, ["distance_m", "heart_rate_bpm"])
    assert records.columns.tolist() == ["activity", "distance_m", "heart_rate_bpm"]
    per_run = records.groupby("activity").size()
    expected = {a.source: len(a.records) for a in ana.athlete.activities}
    assert per_run.to_dict() == expected and len(records) == sum(expected.values())
    assert records.index.is_monotonic_increasing and str(records.index.tz) == "UTC"
    # the key joins the runs table: 5 km each, the last record's distance
    last = records.groupby("activity")["distance_m"].max() / 1000
    joined = ana.runs.set_index("activity")["distance_km"]
    assert last.round(2).to_dict() == joined.round(2).to_dict()


def test_cramp_window_marks_the_cramp(analyses):
    ana = analyses[0]
    w = analyzer.cramp_window(ana, 1, before_s=60, after_s=30)
    # 1 Hz records: 60 s before, the cramp's second, 30 s after
    assert len(w) == 91 and w["time_from_cramp_s"].iloc[[0, -1]].tolist() == [-60.0, 30.0]
    assert w["at_cramp"].sum() == 1
    moment = w.index[w["at_cramp"]][0]
    assert moment == pd.Timestamp("2024-06-07 06:20", tz="UTC")  # 08:20 in Madrid (CEST)
    assert w.loc[moment, "distance_m"] == pytest.approx(4000.0, abs=5)  # 20 min at 5:00/km
    with pytest.raises(ValueError, match="cramp 2 of ana is at rest, not during a run"):
        analyzer.cramp_window(ana, 2)
    with pytest.raises(KeyError, match="no cramp in row 9"):
        analyzer.cramp_window(ana, 9)
