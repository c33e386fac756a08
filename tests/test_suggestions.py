"""Cramps mentioned in activity titles and descriptions are proposed, never counted."""

from __future__ import annotations

import csv
import datetime as dt

import pandas as pd
import pytest

import analyzer
from analyzer.suggestions import SUGGESTION_COLUMNS, suggest_cramps
from analyzer.testing.synthetic import synthetic_run, write_athlete
from tests.io.test_exports import strava_zip

START = dt.datetime(2024, 6, 3, 6, tzinfo=dt.UTC)


def _act(title: str, description: str = "", km: float = 10.0, day: int = 0) -> analyzer.Activity:
    from analyzer.io.fit import read_fit_bytes

    act = read_fit_bytes(synthetic_run(START + dt.timedelta(days=day), km, 330, seed=day), f"r{day}.fit")
    act.title, act.description = title, description
    return act


CASES = [
    ("Marathon - cramp at km 32, left calf", 42.2, ("en", 32.0, "left", "calf")),
    ("Tirada larga", 18.0, ("es", 14.5, "right", "calf"), "calambre en el gemelo derecho en el km 14,5"),
    ("Wadenkrampf bei 12 km, rechts", 15.0, ("de", 12.0, "right", "calf")),
    ("Sortie longue : crampe à la cuisse gauche au km 9", 12.0, ("fr", 9.0, "left", "")),
]


@pytest.mark.parametrize("case", CASES, ids=[c[2][0] for c in CASES])
def test_four_languages_with_the_km_when_given(case):
    title, km, (lang, at_km, leg, muscle), *desc = case
    (row,) = suggest_cramps([_act(title, desc[0] if desc else "", km)], pd.DataFrame(), "Europe/Madrid").to_dict("records")
    assert (row["language"], row["distance_km"], row["leg"], row["muscle"]) == (lang, at_km, leg, muscle)
    assert row["activity"] == "r0.fit" and title in row["source_text"]


def test_negations_times_and_logged_runs():
    acts = [_act("Easy run, no cramps today", day=0), _act("Krampf? kein Krampf heute", day=1),
            _act("cramped up after 45 min", km=12, day=2), _act("calambre", day=3), _act("cramp at 30k", km=10, day=4)]
    logged = pd.DataFrame({"activity": ["r3.fit"]})
    rows = suggest_cramps(acts, logged, "Europe/Madrid")
    assert rows["activity"].tolist() == ["r2.fit", "r4.fit"]
    after = rows.iloc[0]
    assert after["time"] == "2024-06-05 08:45" and after["distance_km"] == ""  # 06:00 UTC + 45 min, Madrid
    assert rows.iloc[1]["distance_km"] == ""  # 30 km is beyond a 10 km run: not taken


def test_suggestions_are_listed_never_counted(tmp_path):
    team = tmp_path / "team"
    folder = write_athlete(team / "ana", {"timezone": "Europe/Madrid"}, {}, [])
    strava_zip(folder / "export.zip")
    before = (folder / "cramps.csv").read_bytes()
    result = analyzer.run_report(team, tmp_path / "out", jobs=1, use_cache=False, weather="off")
    assert result.cramps == 0 and result.flags == 0
    with (tmp_path / "out" / "suggested_cramps.csv").open(newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert [r["activity"] for r in rows] == ["102.gpx", "103.tcx.gz"]
    assert rows[0]["distance_km"] == "4.5" and rows[1]["distance_km"] == "5.0" and rows[1]["leg"] == "right"
    with (tmp_path / "out" / "ana" / "suggested_cramps.csv").open(newline="", encoding="utf-8") as fh:
        header = next(csv.reader(fh))
    assert header == SUGGESTION_COLUMNS  # the cramps.csv columns first: a row can be copied over
    assert (folder / "cramps.csv").read_bytes() == before  # the log is never written
    assert pd.read_csv(tmp_path / "out" / "cramps.csv").empty
