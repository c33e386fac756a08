"""The athlete page's charts and header span the runs (issue 21, as the team page does): a cramp
logged "today", long after the last run, is counted and said, never stretches a chart's axis to
today. Four runs of 8 km from Monday 3 June 2024 (days 0, 3, 6, 9: weeks of 3 and 10 June), one
cramp during the first run and one at rest "today"."""

from __future__ import annotations

import datetime as dt

import matplotlib
import matplotlib.dates as mdates
import pytest

import analyzer
from analyzer.plots.season import plot_cramp_timeline, plot_weekly_distance
from analyzer.report import charts
from analyzer.testing.synthetic import synthetic_run, write_athlete

matplotlib.use("Agg")

UTC = dt.UTC
START = dt.datetime(2024, 6, 3, 6, tzinfo=UTC)  # a Monday, 08:00 in Madrid
LAST_RUN_END = START + dt.timedelta(days=9, seconds=8 * 330)


@pytest.fixture(scope="module")
def folder(tmp_path_factory):
    runs = {f"r{d}.fit": synthetic_run(START + dt.timedelta(days=d), 8.0, 330, seed=d) for d in (0, 3, 6, 9)}
    today = dt.datetime.now(UTC).replace(microsecond=0)
    cramps = [{"time": (START + dt.timedelta(minutes=20)).isoformat(), "leg": "left", "muscle": "calf"},
              {"time": today.isoformat(), "leg": "right", "muscle": "calf"}]
    return write_athlete(tmp_path_factory.mktemp("win") / "team" / "ana", {"timezone": "Europe/Madrid"}, runs, cramps)


@pytest.fixture(scope="module")
def analysis(folder):
    return analyzer.analyze(analyzer.load_athlete(folder, weather="off"))


def test_the_weekly_chart_spans_the_weeks_of_runs(analysis):
    assert len(analysis.cramps) == 2
    spec = charts.weekly_chart(analysis)
    assert [b["week"] for b in spec["data"]["values"]] == ["03 Jun", "10 Jun"]
    marks = next(layer for layer in spec["layer"] if layer.get("data"))
    # a time axis from the first week's Monday to the end of the last week of runs: today's week is not on it
    assert marks["encoding"]["x"]["scale"]["domain"] == ["2024-06-03", "2024-06-17"]
    assert [m["week"] for m in marks["data"]["values"]] == ["03 Jun"]
    assert spec["usermeta"]["cramp_marks"] == 1 and spec["usermeta"]["cramps_outside"] == 1
    assert "1 cramp outside these weeks (in the cramp table)" in spec["title"]["subtitle"]


def test_the_timeline_spans_the_runs(analysis):
    spec = charts.timeline_chart(analysis)
    # the runs' span, 2 days either side
    assert spec["encoding"]["x"]["scale"]["domain"] == ["2024-06-01", "2024-06-14"]
    assert [p["t"][:10] for p in spec["data"]["values"]] == ["2024-06-03"]
    assert spec["usermeta"]["cramps"] == 1 and spec["usermeta"]["cramps_outside"] == 1
    assert "1 cramp outside this span (in the cramp table)" in " ".join(spec["title"]["subtitle"])


def test_the_static_figures_span_the_runs(analysis):
    fig = plot_weekly_distance(analysis)
    lo, hi = (mdates.num2date(x).replace(tzinfo=None) for x in fig.axes[0].get_xlim())
    assert dt.datetime(2024, 5, 27) < lo <= dt.datetime(2024, 6, 3) and dt.datetime(2024, 6, 17) <= hi < dt.datetime(2024, 6, 24)
    fig = plot_cramp_timeline(analysis)
    lo, hi = (mdates.num2date(x).replace(tzinfo=None) for x in fig.axes[0].get_xlim())
    # from 08:00 local on 3 June to 08:00 on 12 June, padded by a day (4 % of 9 days is less)
    assert lo == dt.datetime(2024, 6, 2, 8) and hi == dt.datetime(2024, 6, 13, 8)
    drawn = [len(c.get_offsets()) for c in fig.axes[0].collections if str(c.get_gid()).startswith("cramps-")]
    assert sum(drawn) == 1


def test_the_page_header_spans_the_runs(folder, tmp_path):
    analyzer.run_report(folder.parent, tmp_path / "out", jobs=1, cache_dir=tmp_path / "cache", weather="off")
    page = (tmp_path / "out" / "ana" / "report.html").read_text(encoding="utf-8")
    assert "Runs from 03 Jun 2024 to 12 Jun 2024" in page
    today = dt.datetime.now(UTC)
    assert f"{today:%d %b %Y}" not in page.split("generated")[0]


def test_the_specs_compile_and_say_the_cramp_outside(analysis):
    import vl_convert

    for spec in (charts.weekly_chart(analysis), charts.timeline_chart(analysis)):
        svg = vl_convert.vegalite_to_svg({**spec, "width": 600})
        assert "1 cramp outside" in svg
        year = dt.datetime.now(UTC).year
        assert year == 2024 or str(year) not in svg  # the axis never reaches today's year
