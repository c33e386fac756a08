"""The team's cramps, flags and suggested cramps files joined from each athlete's share made ahead
(``--jobs 2`` makes them while the other athletes are worked on) are the files written from all the
rows together, byte for byte, whatever the shares' columns and types; shares that would not join
the same are not joined."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analyzer.analysis import FLAG_COLUMNS
from analyzer.report.build import AthleteReport, _joined_rows, _write_team_csvs, team_csv_parts
from analyzer.suggestions import SUGGESTION_COLUMNS

FILES = ("cramps.csv", "flags.csv", "suggested_cramps.csv")


def _report(athlete: str, cramps: dict, flags: dict, suggestions: dict | None = None) -> AthleteReport:
    summary = {"athlete": athlete, "name": athlete, "runs": 3, "distance_km": 21.5, "cramps": len(cramps["cramp_row"]),
               "patterns": "", "flags": len(flags["cramp_row"]), "problems": 0, "report": f"{athlete}/report.html"}
    return AthleteReport(athlete, summary, pd.DataFrame(cramps), pd.DataFrame(flags),
                         pd.DataFrame(columns=["athlete", "file", "location", "message"]), [],
                         pd.DataFrame(suggestions or {"athlete": [], "time": []}))


def _cramps(athlete: str, severity: list, distance: list) -> dict:
    n = len(severity)
    return {"athlete": [athlete] * n, "cramp_row": list(range(1, n + 1)),
            "time_utc": [f"2024-06-0{k + 1}T07:00:00Z" for k in range(n)], "context": ["during_run"] * n,
            "activity": [f"r{k}.fit" for k in range(n)], "distance_km": distance, "severity": severity}


def _flags(athlete: str, rows: list, values: list, message: str = "longer than usual") -> dict:
    n = len(rows)
    return {"athlete": [athlete] * n, "scope": ["cramp"] * n, "cramp_row": rows, "activity": ["r0.fit"] * n,
            "pattern": ["over_exertion"] * n, "rule": ["long_run"] * n, "value": values, "threshold": [1.25] * n,
            "unit": ["ratio"] * n, "message": [message] * n, "source": ["Schwellnus 2011"] * n}


CASES = {
    # every share alike: joined
    "alike": [_report("ana", _cramps("ana", [2, 3], [4.25, 8.0]), _flags("ana", [1, None], [1.31, 1.5])),
              _report("ben", _cramps("ben", [5], [12.125]), _flags("ben", [1], [1.7]))],
    # whole severities in one share, missing and whole in the other: whole numbers in the whole column too
    "whole and missing": [_report("ana", _cramps("ana", [2, 3], [4.0, 8.0]), _flags("ana", [1], [1.3])),
                          _report("ben", _cramps("ben", [np.nan, 4.0], [3.0, 5.5]), _flags("ben", [None], [2.0]))],
    # a severity of 2.5 is written whole (to the nearest even number, 2), as the others
    "a half severity": [_report("ana", _cramps("ana", [2, 3], [4.0, 8.0]), _flags("ana", [1], [1.3])),
                        _report("ben", _cramps("ben", [2.5], [3.0]), _flags("ben", [1], [2.0]))],
    # a column of numbers in one share, of text in the other: not joined
    "numbers and text": [_report("ana", {**_cramps("ana", [1], [2.0]), "heart_rate_bpm": [151.26]},
                                 _flags("ana", [1], [1.3])),
                         _report("ben", {**_cramps("ben", [2], [3.0]), "heart_rate_bpm": ["no sensor"]},
                                 _flags("ben", [1], [1.4]))],
    # an athlete without flags, another with a column the others lack, a formula-like message
    "other columns": [_report("ana", _cramps("ana", [1], [2.0]), _flags("ana", [], [])),
                      _report("ben", {**_cramps("ben", [2], [3.0]), "notes": ["=cmd|' /C calc'!A0"]},
                              _flags("ben", [1], [1.9], message="+1 more than usual")),
                      _report("cy", _cramps("cy", [3], [1.5]), _flags("cy", [2, 3], [1.26, 1.27]),
                              {"athlete": ["cy"], "time": ["2024-06-02 21:00"], "leg": ["left"]})],
    # dates as timestamps (written by the whole column: a day only when every one is midnight)
    "dates": [_report("ana", {**_cramps("ana", [1], [2.0]), "time_utc": [pd.Timestamp("2024-06-01", tz="UTC")]},
                      _flags("ana", [1], [1.3])),
              _report("ben", {**_cramps("ben", [2], [3.0]), "time_utc": [pd.Timestamp("2024-06-02 07:00", tz="UTC")]},
                      _flags("ben", [1], [1.4]))],
    "no rows": [_report("ana", _cramps("ana", [], []), _flags("ana", [], []))],
    # text as text in one share and as objects with missing ones in another (rows read back from the
    # report cache against rows just computed): joined, written alike
    "text and objects": [
        _report("ana", _cramps("ana", [1], [2.0]), {**_flags("ana", [1, 2], [1.3, 1.4]),
                                                    "air_temperature_source": pd.Series(["weather.csv", "=x"],
                                                                                        dtype="str")}),
        _report("ben", _cramps("ben", [2], [3.0]), {**_flags("ben", [1, 2, 3], [1.4, 1.5, 1.6]),
                                                    "air_temperature_source": pd.Series([None, "a, b", np.nan],
                                                                                        dtype=object)})],
    "text and numbers as objects": [
        _report("ana", _cramps("ana", [1], [2.0]), {**_flags("ana", [1], [1.3]),
                                                    "air_temperature_source": pd.Series(["weather.csv"], dtype="str")}),
        _report("ben", _cramps("ben", [2], [3.0]), {**_flags("ben", [1], [1.4]),
                                                    "air_temperature_source": pd.Series([1.5], dtype=object)})],
}


@pytest.mark.parametrize("case", sorted(CASES))
def test_shares_made_ahead_write_the_same_team_files(case, tmp_path):
    (tmp_path / "together").mkdir()
    (tmp_path / "shares").mkdir()
    reports = CASES[case]
    _write_team_csvs(tmp_path / "together", reports, [])
    for r in reports:
        r.team_csv = team_csv_parts(r)
    try:
        _write_team_csvs(tmp_path / "shares", reports, [])
        joined = {name: _joined_rows(name, reports) is not None for name in FILES}
    finally:
        for r in reports:
            r.team_csv = None
    for name in FILES:
        assert (tmp_path / "shares" / name).read_bytes() == (tmp_path / "together" / name).read_bytes(), name
    # joined where the shares were written alike (else written together, as without shares)
    assert joined["cramps.csv"] == (case in ("alike", "whole and missing", "a half severity", "text and objects",
                                            "text and numbers as objects"))
    assert joined["flags.csv"] == (case not in ("no rows", "text and numbers as objects"))
    text = (tmp_path / "together" / "cramps.csv").read_text(encoding="utf-8")
    if case == "a half severity":  # (what the case is about, worked out by hand)
        assert [line.rsplit(",", 1)[1] for line in text.splitlines()[1:]] == ["2", "3", "2"]
    if case == "no rows":  # the header alone, its columns as documented
        assert (tmp_path / "shares" / "flags.csv").read_text(encoding="utf-8") == ",".join(FLAG_COLUMNS) + "\n"
        assert (tmp_path / "shares" / "suggested_cramps.csv").read_text(encoding="utf-8") == \
            ",".join(["athlete", *SUGGESTION_COLUMNS]) + "\n"
    if case == "numbers and text":  # text is not rounded: the number written as it is
        assert ",151.26," in text and ",no sensor," in text
    if case == "whole and missing":
        assert [line.rsplit(",", 1)[1] for line in text.splitlines()[1:]] == ["2", "3", "", "4"]


def test_a_share_not_made_ahead_writes_the_rows_together(tmp_path):
    """An athlete whose share was not made (rows kept from an earlier report) joins nothing."""
    ana, ben = CASES["alike"]
    ana.team_csv = team_csv_parts(ana)
    try:
        assert ben.team_csv is None
        (tmp_path / "a").mkdir()
        _write_team_csvs(tmp_path / "a", [ana, ben], [])
    finally:
        ana.team_csv = None
    (tmp_path / "b").mkdir()
    _write_team_csvs(tmp_path / "b", [ana, ben], [])
    for name in FILES:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes(), name
