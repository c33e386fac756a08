"""The report's runs.csv: one row per run, per athlete and for the team, times in UTC and local."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.metrics.runs import RUN_COLUMNS
from analyzer.testing.synthetic import synthetic_run, write_athlete

UTC = dt.UTC
START = dt.datetime(2024, 3, 29, 6, tzinfo=UTC)  # Madrid moves to summer time on 31 March 2024


def _csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


@pytest.fixture(scope="module")
def out(tmp_path_factory):
    root = tmp_path_factory.mktemp("runs")
    ana = {f"r{i}.fit": synthetic_run(START + dt.timedelta(days=2 * i), 5.0 + i, 330, seed=i) for i in range(3)}
    bob = {"b.fit": synthetic_run(START, 7.25, 360, seed=9)}
    write_athlete(root / "team" / "ana", {"timezone": "Europe/Madrid"}, ana, [])
    write_athlete(root / "team" / "bob", {"timezone": "America/New_York"}, bob, [])
    result = CliRunner().invoke(app, ["report", str(root / "team"), "--out", str(root / "out"), "--jobs", "1",
                                      "--weather", "off"])
    assert result.exit_code == 0, result.output
    return root / "out"


def test_each_athlete_folder_has_its_runs(out):
    header, rows = _csv(out / "ana" / "runs.csv")
    assert header == ["athlete", "activity", "start_utc", "start_local", *RUN_COLUMNS[2:]]
    assert [r["activity"] for r in rows] == ["r0.fit", "r1.fit", "r2.fit"]
    assert [r["distance_km"] for r in rows] == ["5.0", "6.0", "7.0"]
    # 06:00 UTC is 07:00 in Madrid on 29 March (CET) and 08:00 on 31 March and 2 April (CEST)
    assert [r["start_utc"] for r in rows] == ["2024-03-29T06:00:00Z", "2024-03-31T06:00:00Z", "2024-04-02T06:00:00Z"]
    assert [r["start_local"] for r in rows] == ["2024-03-29T07:00:00+01:00", "2024-03-31T08:00:00+02:00",
                                                "2024-04-02T08:00:00+02:00"]
    # 5 km at 5:30/km: 1650 s moving
    assert float(rows[0]["moving_s"]) == pytest.approx(1650.0, abs=2) and rows[0]["pace_s_per_km"] == "330.0"


def test_the_team_file_is_every_athletes_rows(out):
    header, rows = _csv(out / "runs.csv")
    assert header[:4] == ["athlete", "activity", "start_utc", "start_local"]
    assert [(r["athlete"], r["activity"]) for r in rows] == [("ana", "r0.fit"), ("ana", "r1.fit"), ("ana", "r2.fit"),
                                                            ("bob", "b.fit")]
    assert rows[3]["start_local"] == "2024-03-29T02:00:00-04:00"  # New York, daylight time since 10 March
    assert rows[3]["distance_km"] == "7.25"


def test_no_cell_says_nan_or_carries_float_noise(out):
    for row in _csv(out / "runs.csv")[1]:
        for key, cell in row.items():
            assert cell.lower() not in {"nan", "nat", "none", "null", "undefined", "inf", "-inf"}, (key, cell)
            if cell.replace(".", "", 1).replace("-", "", 1).isdigit() and "." in cell:
                assert len(cell.split(".")[1]) <= 3, (key, cell)
