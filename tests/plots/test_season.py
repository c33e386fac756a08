"""Season figures, checked by their artists."""

from __future__ import annotations

import datetime as dt

import matplotlib.dates as mdates
import numpy as np
import pytest

import analyzer
from analyzer.testing.synthetic import synthetic_run, write_athlete

UTC = dt.UTC
START = dt.datetime(2024, 4, 1, 6, tzinfo=UTC)  # a Monday, 08:00 in Madrid


@pytest.fixture(scope="module")
def analysis(tmp_path_factory):
    runs = {f"r{i}.fit": synthetic_run(START + dt.timedelta(days=3 * i), 8.0, 360, seed=i) for i in range(12)}
    runs["big.fit"] = synthetic_run(START + dt.timedelta(days=38), 14.0, 360, seed=40)
    weather = [{"time": (START + dt.timedelta(hours=h)).isoformat(), "temperature_c": 20.0,
                "relative_humidity_pct": 50} for h in range(0, 45 * 24, 2)]
    cramps = [
        {"activity": "big.fit", "distance_km": 12, "leg": "left", "severity": 4},
        {"time": "2024-04-04 08:40", "leg": "right", "severity": 2},  # r1
        {"time": "2024-04-20 03:00", "leg": "right"},  # at rest
    ]
    folder = write_athlete(tmp_path_factory.mktemp("t") / "ana", {"name": "Ana", "timezone": "Europe/Madrid"}, runs,
                           cramps, weather)
    return analyzer.analyze(analyzer.load_athlete(folder))


def test_weekly_distance_bars_and_cramp_weeks(analysis):
    fig = analyzer.plot_weekly_distance(analysis)
    ax = fig.axes[0]
    bars = [p for p in ax.patches if p.get_gid() == "week"]
    # runs every 3 days from Mon 1 Apr (8 km) plus 14 km on day 38: weeks of 3,2,2,3,2 runs, then 1 + big
    heights = [round(b.get_height(), 1) for b in bars]
    assert sum(heights) == pytest.approx(12 * 8 + 14, abs=0.1)
    assert heights[0] == pytest.approx(24.0, abs=0.1)  # days 0, 3, 6
    (marks,) = [line for line in ax.get_lines() if line.get_gid() == "cramp-week"]
    assert len(marks.get_xdata()) == 2  # the week of 1 Apr (r1) and the week of the 14 km run
    (rest,) = [line for line in ax.get_lines() if line.get_gid() == "rest-week"]
    assert len(rest.get_xdata()) == 1 and rest.get_ydata()[0] == 0  # the night cramp of 20 Apr, at the bar's foot
    assert ax.get_ylabel() == "distance per week (km)"
    assert len(ax.get_xticks()) <= 8  # date ticks that do not overlap


def test_cramp_runs_vs_others_scatter(analysis):
    fig = analyzer.plot_cramp_runs_vs_others(analysis)
    ax = fig.axes[0]
    cramp_pts = np.asarray(next(c for c in ax.collections if c.get_gid() == "cramp-runs").get_offsets())
    other_pts = np.asarray(next(c for c in ax.collections if c.get_gid() == "other-runs").get_offsets())
    # every run is drawn, as the season table counts them: 2 cramp runs (r1 and big), 11 others
    assert len(cramp_pts) == 2 and len(other_pts) == 11
    assert len(cramp_pts) == int(analysis.runs["had_cramp"].sum())
    # with 30 days of history: day 30, 33 (8 km: ratio 1.0) and day 38 (14 / 8 = 1.75); the rest in the band
    y_band = ax.get_ylim()[0] + 0.04
    assert sorted(np.round(cramp_pts[:, 1], 2).tolist()) == [round(y_band, 2), 1.75]
    assert np.isclose(other_pts[:, 1], 1.0, atol=0.01).sum() == 2
    assert ax.get_xlabel() == "heat index during the run (°C)"


def test_cramp_timeline_rows_and_legs(analysis):
    fig = analyzer.plot_cramp_timeline(analysis)
    ax = fig.axes[0]
    left = next(c for c in ax.collections if c.get_gid() == "cramps-left").get_offsets()
    right = next(c for c in ax.collections if c.get_gid() == "cramps-right").get_offsets()
    assert len(left) == 1 and left[0][1] == 3  # the "during a run" row
    assert sorted(np.asarray(right)[:, 1].tolist()) == [1, 3]  # one at rest, one during a run
    at_rest = [p for p in right if p[1] == 1][0]
    assert mdates.num2date(at_rest[0]).strftime("%Y-%m-%d %H:%M") == "2024-04-20 03:00"  # local time


def test_a_season_without_cramps_still_shows_its_dates(tmp_path):
    runs = {f"r{i}.fit": synthetic_run(START + dt.timedelta(days=3 * i), 8.0, 360, seed=i) for i in range(5)}
    a = analyzer.analyze(analyzer.load_athlete(write_athlete(tmp_path / "b", {"timezone": "UTC"}, runs, [])))
    ax = analyzer.plot_cramp_timeline(a).axes[0]
    lo, hi = (mdates.num2date(v) for v in ax.get_xlim())
    assert lo.date() <= dt.date(2024, 4, 1) and hi.date() >= dt.date(2024, 4, 13)  # the season, not 1970
    assert any(t.get_gid() == "no-cramps" and "No cramps logged" in t.get_text() for t in ax.texts)


def test_legends_sit_outside_the_data(analysis):
    for fig in (analyzer.plot_cramp_timeline(analysis), analyzer.plot_cramp_runs_vs_others(analysis),
                analyzer.plot_weekly_distance(analysis)):
        ax = fig.axes[0]
        legend = ax.get_legend()
        assert legend is not None and legend.get_bbox_to_anchor().y0 < ax.get_window_extent().y0


def test_the_timeline_has_a_size_key_for_severity(analysis):
    ax = analyzer.plot_cramp_timeline(analysis).axes[0]
    legend = ax.get_legend()
    labels = [t.get_text() for t in legend.get_texts()]
    assert labels[-3:] == ["severity 1 (or not logged)", "severity 3", "severity 5"]
    # the key's areas are the cramps' areas: 40 + 25 × severity pt² (the left cramp has severity 4)
    keys = legend.legend_handles[-3:]
    assert [round(h.get_markersize() ** 2, 6) for h in keys] == [65.0, 115.0, 165.0]  # marker size² = area
    left = next(c for c in ax.collections if c.get_gid() == "cramps-left")
    assert left.get_sizes().tolist() == [140.0]


def test_overlapping_runs_stay_visible(analysis):
    ax = analyzer.plot_cramp_runs_vs_others(analysis).axes[0]
    others = next(c for c in ax.collections if c.get_gid() == "other-runs")
    assert others.get_alpha() < 1.0  # two runs on one spot draw darker than one


def test_the_scatter_draws_a_grey_band_only_for_runs_that_sit_in_it(analysis):
    """Every run has a heat index here (weather.csv covers all 45 days), 10 runs lack 30 days of history."""
    from analyzer.report import charts

    assert analysis.runs["heat_index_max_c"].notna().all() and analysis.runs["distance_ratio"].isna().sum() == 10
    ax = analyzer.plot_cramp_runs_vs_others(analysis).axes[0]
    words = [t.get_text() for t in ax.texts]
    assert "no heat index" not in words and "no 30-day history" in words
    assert ax.get_title() == "Each run: distance vs heat"
    # the x axis starts 3 °C below the coolest run's heat index, not at a band 2.5 °C further left
    assert ax.get_xlim()[0] == pytest.approx(analysis.runs["heat_index_max_c"].min() - 3)
    labels = ax.get_legend_handles_labels()[1]
    assert "heat index threshold 32.2 °C" in labels and "long-run spike threshold 1.10×" in labels
    spec = charts.cramp_runs_chart(analysis)
    assert spec["usermeta"]["bands"] == ["no 30-day history"]
    assert spec["usermeta"]["line_labels"] == ["1.10× longest 30 d"]  # 32.2 °C is beyond this cool season's axis
    assert spec["title"]["text"] == "Each run: distance vs heat"
    assert spec["title"]["subtitle"][-1].startswith("the heat index threshold (32.2 °C) is beyond")
