"""The hot-day card's acclimatisation counts: for each hot run, the hot runs of the days before it, as
``plan.acclimatisation`` counts them over that window (each run's heat judged once for the page)."""

from __future__ import annotations

import datetime as dt
import re

from analyzer.analysis import analyze
from analyzer.io.athlete import load_athlete
from analyzer.plan import acclimatisation, is_hot_run
from analyzer.report.content import _acclimatisation_line
from tests.conftest import REPO


def test_each_hot_runs_count_is_the_hot_runs_of_its_window():
    analysis = analyze(load_athlete(REPO / "sample_data" / "maria_hot", None, "off"))
    flags = analysis.flags
    source = flags[(flags["pattern"] == "dehydration_heat") & (flags["scope"] == "run")]
    (line,) = _acclimatisation_line(analysis, source)
    shown = re.findall(r"(\d+) before (\d{4}-\d\d-\d\d)", line)
    assert shown
    runs, th = analysis.runs, analysis.thresholds
    days = int(th["heat_acclimatisation_days"])
    dates = runs["date_local"].astype(str)
    for count, date in shown:
        day = dt.date.fromisoformat(date)
        near = runs[(dates >= (day - dt.timedelta(days=days)).isoformat()) & (dates < date)]
        # by hand: the runs of the window, each judged by the heat rules
        by_hand = sum(is_hot_run(r, th) for r in near.to_dict("records"))
        assert int(count) == by_hand == acclimatisation(near, day, th)["hot_runs"], date
    assert any(int(count) > 0 for count, _ in shown)  # (a season of hot runs: some follow others)
