"""Issue 21 end to end: zones, travellers, spreadsheet dates and cramps that do not fit, in the report."""

from __future__ import annotations

import csv
import datetime as dt
import re
from pathlib import Path

import pytest

import analyzer
from tests.report.edge_team import write_edge_team

TODAY = dt.datetime.now(dt.UTC).date()  # omar logs a cramp "today": long after every run (2024)


@pytest.fixture(scope="module")
def edge(tmp_path_factory):
    root = tmp_path_factory.mktemp("edge")
    team = write_edge_team(root / "team", today=TODAY)
    out = root / "out"
    result = analyzer.run_report(team, out, jobs=1, formats=("html",), weather="off")
    return team, out, result


def _rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def _text(page: Path) -> str:
    html = page.read_text(encoding="utf-8")
    html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_cramps_that_do_not_fit_are_row_problems_counted_in_the_exit_code(edge):
    team, out, result = edge
    errors = [(r["athlete"], Path(r["file"]).name, r["location"], r["message"]) for r in _rows(out / "errors.csv")]
    omar = [e for e in errors if e[0] == "omar"]
    assert [(f, loc) for _, f, loc, _ in omar] == [("cramps.csv", "row 1"), ("cramps.csv", "row 2")]
    assert "lost.fit is not among the run files read" in omar[0][3]
    # nine.fit is 9 km (9 km at 340 s/km, as written): 30 km is past its end
    assert "distance_km 30 is beyond the end of nine.fit, which the watch recorded as 9.00 km" in omar[1][3]
    assert all("kept, not placed in a run" in e[3] for e in omar)
    assert result.exit_code == 1


def test_unplaced_cramps_are_kept_with_what_is_known(edge):
    _, out, _ = edge
    rows = {(r["athlete"], r["cramp_row"]): r for r in _rows(out / "cramps.csv")}
    lost, far = rows[("omar", "1")], rows[("omar", "2")]
    assert (lost["context"], lost["activity"], lost["distance_km"], lost["time_utc"]) == ("not_placed", "lost.fit",
                                                                                          "4.2", "")
    assert (far["context"], far["activity"], far["distance_km"]) == ("not_placed", "nine.fit", "30.0")
    # the run that exists and fits is still placed: 6.5 km into ten.fit
    assert rows[("omar", "5")]["context"] == "during_run" and rows[("omar", "5")]["activity"] == "ten.fit"
    text = _text(out / "omar" / "report.html")
    assert "not placed in a run" in text and "nan" not in text.lower().split()


def test_zone_used_is_said_at_the_top_of_the_page(edge):
    _, out, _ = edge
    text = _text(out / "aiko" / "report.html")
    head = text[:text.index("What the data shows")]
    assert "local time UTC+09:00" in head and "the local time the watch recorded on 3 of 3 runs" in head
    rows = [r for r in _rows(out / "cramps.csv") if r["athlete"] == "aiko"]
    assert [r["context"] for r in rows] == ["during_run"] * 3
    assert [r["time_local"] for r in rows] == [f"2024-06-{d}T06:30:00+09:00" for d in (18, 20, 22)]
    assert "night" not in {r["pattern"] for r in _rows(out / "flags.csv") if r["athlete"] == "aiko"}
    # a zone from athlete.toml needs no explanation beyond its name
    lena = _text(out / "lena" / "report.html")
    assert "local time Europe/Berlin" in lena and "the watch recorded on" not in lena


def test_traveller_row_says_which_zone(edge):
    _, out, _ = edge
    (lena,) = [r for r in _rows(out / "cramps.csv") if r["athlete"] == "lena"]
    # 07:59 in New York (UTC-04:00) = 11:59 UTC, 29 min after the race's start at 11:30 UTC
    assert (lena["time_utc"], lena["activity"], lena["time_zone_used"]) == ("2024-10-31T11:59:00Z", "nyc.fit",
                                                                            "UTC-04:00")
    assert "UTC-04:00" in _text(out / "lena" / "report.html")


def test_excel_log_read_day_first(edge):
    _, out, _ = edge
    eva = [r for r in _rows(out / "cramps.csv") if r["athlete"] == "eva"]
    # 03/10/2024 08:30 and 13/10/2024 9:38, Madrid summer time (UTC+02:00)
    assert [r["time_utc"] for r in eva] == ["2024-10-03T06:30:00Z", "2024-10-13T07:38:00Z"]
    assert [r["activity"] for r in eva] == ["thu.fit", "sun.fit"]
    (ampm,) = [r for r in _rows(out / "errors.csv") if r["athlete"] == "eva"]
    assert ampm["location"] == "row 3" and "12-hour clock" in ampm["message"]


def test_team_window_is_anchored_on_runs(edge):
    _, out, _ = edge
    text = _text(out / "index.html")
    # the runs span omar's 4 May 2024 (06:00 UTC) to lena's 31 Oct 2024; omar's cramp logged on TODAY moves nothing
    assert "Runs from 04 May 2024 to 31 Oct 2024" in text
    assert "The small timeline spans 04 May 2024 to 31 Oct 2024" in text
    html = (out / "index.html").read_text(encoding="utf-8")
    aiko_row = html[html.index('href="aiko/report.html"'):]
    aiko_row = aiko_row[:aiko_row.index("</tr>")]
    assert aiko_row.count("<circle") == 3  # her three cramps still drawn
