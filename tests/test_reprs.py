"""What a notebook shows for an Athlete and an Analysis: counts, each rule once, local times, "n of m"."""

from __future__ import annotations

import datetime as dt
import re

import pytest

import analyzer
from analyzer.model import REPR_MESSAGE_CHARS, REPR_ROWS
from analyzer.testing.synthetic import synthetic_run, write_athlete

UTC = dt.UTC
START = dt.datetime(2024, 7, 1, 6, tzinfo=UTC)


@pytest.fixture(scope="module")
def analysis(tmp_path_factory):
    # 24 runs of 8 km and one of 12 km (1.5 × the longest before it): one long_run_spike flag;
    # two cramps (one during the long run, one logged with a typo in its leg: a problem)
    runs = {f"r{i:02d}.fit": synthetic_run(START + dt.timedelta(days=2 * i), 8.0, 360, seed=i) for i in range(24)}
    runs["long.fit"] = synthetic_run(START + dt.timedelta(days=49), 12.0, 360, seed=99)
    cramps = [{"activity": "long.fit", "distance_km": 11.0, "leg": "left"},
              {"time": "2024-07-03 23:30", "leg": "lfet"}]
    folder = write_athlete(tmp_path_factory.mktemp("r") / "ana", {"timezone": "America/Denver"}, runs, cramps)
    return analyzer.analyze(folder)


def _text(markup: str) -> str:
    return re.sub(r"<[^>]+>", " ", markup)


def test_reprs_count_the_problems(analysis):
    assert len(analysis.problems) == 1
    assert repr(analysis).endswith("problems=1)") and "problems=1" in repr(analysis.athlete)
    assert "1 input problem:" in _text(analysis._repr_html_())


def test_the_athlete_view_says_how_many_of_how_many_in_local_time(analysis):
    markup = analysis.athlete._repr_html_()
    assert f"{REPR_ROWS} of 25 activities shown; times in America/Denver" in _text(markup)
    assert markup.count("<tr>") == REPR_ROWS + 1  # the header and twenty runs
    # the first run starts 06:00 UTC on 1 July: 00:00 in Denver (MDT, −06:00)
    assert "2024-07-01 00:00 -06:00" in markup
    assert "<td style='text-align:left'>" in markup and "<td>" not in markup


def test_the_analysis_view_shows_each_rule_once(analysis):
    markup = analysis._repr_html_()
    flags = analysis.flags
    rules = flags.groupby(["pattern", "rule"]).size()
    assert f"{len(flags)} flags by {len(rules)} rules" in _text(markup)
    for (_, rule), n in rules.items():
        assert len(re.findall(rf"<td[^>]*>{rule}</td><td[^>]*>{n}</td>", markup)) == 1
    cells = re.findall(r"<td[^>]*>([^<]{40,})</td>", markup)
    assert cells and all(len(c.replace("&#x27;", "'")) <= REPR_MESSAGE_CHARS for c in cells)


def test_the_analysis_view_shows_cramps_in_local_time(analysis):
    text = _text(analysis._repr_html_())
    assert "1 of 1 cramps shown; times in America/Denver" in text  # the typo row is a problem, not a cramp
    long_run = next(a for a in analysis.athlete.activities if a.source == "long.fit")
    start = long_run.start_time.tz_convert("America/Denver")
    # 11 km at 6:00/km: 66 min after the start
    assert (start + dt.timedelta(minutes=66)).strftime("%Y-%m-%d %H:%M -06:00") in text
