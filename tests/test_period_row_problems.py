"""Issue 21: with --since/--until, a cramp's row problem is said whatever the period. Four runs of
8 km on 3, 6, 9 and 12 June 2024 (Madrid); the report asks for 8 June on. The log has: row 1, a
cramp 3 km into a file that was never read, with no time or date (it cannot be dated, so it is in
no period and in every one: kept, not placed, its row problem said); row 2, 30 km into the 8 km run
of 3 June (before the period: the cramp is left out, its row problem still said); row 3, a cramp
during the run of 12 June (in the period, no problem)."""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import analyzer
from analyzer.testing.synthetic import synthetic_run, write_athlete

UTC = dt.UTC
START = dt.datetime(2024, 6, 3, 6, tzinfo=UTC)  # 08:00 in Madrid


def test_row_problems_are_said_whatever_the_period(tmp_path):
    runs = {f"r{d}.fit": synthetic_run(START + dt.timedelta(days=d), 8.0, 330, seed=d) for d in (0, 3, 6, 9)}
    cramps = [{"activity": "lost.fit", "distance_km": 3, "leg": "left"},
              {"activity": "r0.fit", "distance_km": 30, "leg": "left"},
              {"time": (START + dt.timedelta(days=9, minutes=20)).isoformat(), "leg": "right"}]
    write_athlete(tmp_path / "team" / "ana", {"timezone": "Europe/Madrid"}, runs, cramps)
    result = analyzer.run_report(tmp_path / "team", tmp_path / "out", jobs=1, cache_dir=tmp_path / "cache",
                                 weather="off", since=dt.date(2024, 6, 8))
    errors = pd.read_csv(tmp_path / "out" / "errors.csv", keep_default_na=False)
    rows = errors[errors["file"].str.endswith("cramps.csv")].set_index("location")["message"]
    assert sorted(rows.index) == ["row 1", "row 2"]
    assert rows["row 1"].startswith("activity lost.fit is not among the run files read")
    assert rows["row 2"].startswith("distance_km 30 is beyond the end of r0.fit, which the watch recorded as 8.00 km")
    assert "outside the report period" in rows["row 2"]
    assert result.exit_code == 1  # row problems count in the exit code, as without a period
    out = pd.read_csv(tmp_path / "out" / "cramps.csv", keep_default_na=False)
    assert list(out["cramp_row"]) == [1, 3]
    assert list(out["context"]) == ["not_placed", "during_run"]
    # the runs of 9 and 12 June are the period's
    assert pd.read_csv(tmp_path / "out" / "summary.csv").loc[0, "runs"] == 2


def test_a_cramp_logged_by_the_run_files_stem_stays_in_its_period(tmp_path):
    runs = {f"r{d}.fit": synthetic_run(START + dt.timedelta(days=d), 8.0, 330, seed=d) for d in (0, 9)}
    cramps = [{"activity": "r9", "distance_km": 4, "leg": "left"}]  # the stem of r9.fit (12 June), no time
    write_athlete(tmp_path / "team" / "ana", {"timezone": "Europe/Madrid"}, runs, cramps)
    analyzer.run_report(tmp_path / "team", tmp_path / "out", jobs=1, cache_dir=tmp_path / "cache", weather="off",
                        since=dt.date(2024, 6, 8))
    out = pd.read_csv(tmp_path / "out" / "cramps.csv", keep_default_na=False)
    assert list(out["cramp_row"]) == [1] and list(out["context"]) == ["during_run"]
    # 4 km into an 8 km run at 330 s/km: 1320 s
    assert out.loc[0, "elapsed_s"] == pytest.approx(1320, abs=5)
