"""Figures behave like Jupyter figures: pyplot knows them, and they draw into the caller's axes.

Run with the Agg backend (tests/plots/conftest.py): ``plt.get_fignums()`` counts the figures
pyplot holds, which ``plt.show()`` and Jupyter's inline backend display.
"""

from __future__ import annotations

import datetime as dt

import matplotlib.pyplot as plt
import pandas as pd
import pytest

import analyzer
from analyzer.plots import detached_figures
from analyzer.testing.synthetic import synthetic_run, write_athlete

UTC = dt.UTC
START = dt.datetime(2024, 7, 1, 6, tzinfo=UTC)
SEASON = (analyzer.plot_weekly_distance, analyzer.plot_cramp_runs_vs_others, analyzer.plot_cramp_timeline)


def _folder(root, name, km, tz="Europe/Madrid", weather_c=None):
    runs = {f"r{i}.fit": synthetic_run(START + dt.timedelta(days=2 * i), km, 360, seed=i) for i in range(4)}
    cramps = [{"activity": "r3.fit", "distance_km": km - 1, "leg": "left", "severity": 4}]
    weather = None
    if weather_c is not None:
        weather = [{"time": (START + dt.timedelta(hours=h)).isoformat(), "temperature_c": weather_c,
                    "relative_humidity_pct": 40} for h in range(0, 10 * 24)]
    return write_athlete(root / name, {"name": name, "timezone": tz}, runs, cramps, weather)


@pytest.fixture(scope="module")
def two(tmp_path_factory):
    root = tmp_path_factory.mktemp("two")
    return [analyzer.analyze(analyzer.load_athlete(_folder(root, n, km, weather_c=30.0)))
            for n, km in (("ana", 8.0), ("ben", 12.0))]


def test_every_figure_is_registered_with_pyplot(two):
    plt.close("all")
    ana = two[0]
    figures = [analyzer.plot_run(ana.athlete.activities[0])] + [plot(ana) for plot in SEASON]
    assert plt.get_fignums() == [f.number for f in figures] and len(plt.get_fignums()) == 4
    for i, fig in enumerate(figures):
        assert plt.figure(fig.number) is fig  # pyplot's own figure i, which plt.show() displays
        assert plt.get_fignums()[i] == fig.number


def test_in_a_loop_each_run_is_its_own_figure(two):
    plt.close("all")
    for act in two[1].athlete.activities:
        analyzer.plot_run(act)
    assert len(plt.get_fignums()) == len(two[1].athlete.activities) == 4


def test_two_athletes_side_by_side_in_the_callers_axes(two):
    plt.close("all")
    fig, (left, right) = plt.subplots(1, 2)
    for plot in SEASON:
        for ax in (left, right):
            ax.clear()
        assert plot(two[0], ax=left) is fig and plot(two[1], ax=right) is fig
        assert plt.get_fignums() == [fig.number] and fig.axes == [left, right]  # no new figure, no new axes
    # the weekly bars, drawn last but one: ana 4 × 8 km, ben 4 × 12 km in the week(s) of 1–7 July
    analyzer.plot_weekly_distance(two[0], ax=left.clear() or left)
    analyzer.plot_weekly_distance(two[1], ax=right.clear() or right)
    heights = [sum(p.get_height() for p in ax.patches if p.get_gid() == "week") for ax in (left, right)]
    assert heights == pytest.approx([32.0, 48.0], abs=0.05)
    assert "ana" in left.get_title() and "ben" in right.get_title()


def test_two_runs_side_by_side_in_subfigures(two):
    plt.close("all")
    fig = plt.figure(figsize=(16, 7))
    a, b = fig.subfigures(1, 2)
    assert analyzer.plot_run(two[0].athlete.activities[3], two[0], fig=a) is a
    assert analyzer.plot_run(two[1].athlete.activities[3], two[1], fig=b) is b
    assert plt.get_fignums() == [fig.number] and len(fig.axes) == 6
    assert [len(sub.axes) for sub in (a, b)] == [3, 3]


def test_an_analysis_brings_weather_cramps_and_time_zone(two):
    ana = two[0]
    fig = analyzer.plot_run("r3", ana)  # the run's name without its suffix
    labels = [line.get_label() for line in fig.axes[2].get_lines()]
    assert "air temperature (weather.csv)" in labels and "heat index (NWS)" in labels
    air = next(line for line in fig.axes[2].get_lines() if line.get_label().startswith("air temperature"))
    assert pd.Series(air.get_ydata()).dropna().round(6).unique().tolist() == [30.0]  # weather.csv's 30 °C
    # r3 starts 2024-07-07 06:00 UTC = 08:00 in Madrid (CEST)
    assert "Sun 07 Jul 2024 08:00" in fig._suptitle.get_text()
    cramp_lines = [line for line in fig.axes[0].get_lines() if line.get_gid() == "cramp"]
    assert [float(line.get_xdata()[0]) for line in cramp_lines] == [pytest.approx(7.0, abs=0.01)]  # logged at 7 km


def test_an_athlete_brings_the_same_context(two):
    athlete = two[1].athlete
    fig = analyzer.plot_run(athlete.activities[3], athlete)
    assert "air temperature (weather.csv)" in [line.get_label() for line in fig.axes[2].get_lines()]
    assert [float(line.get_xdata()[0]) for line in fig.axes[1].get_lines()
            if line.get_gid() == "cramp"] == [pytest.approx(11.0, abs=0.01)]


def test_wrong_arguments_say_what_was_expected(two):
    with pytest.raises(TypeError, match="Activity"):
        analyzer.plot_run(two[0])
    with pytest.raises(TypeError, match="Analysis, an Athlete or the cramps DataFrame"):
        analyzer.plot_run(two[0].athlete.activities[0], "cramps.csv")
    with pytest.raises(TypeError, match="with its Analysis or Athlete"):
        analyzer.plot_run("r3.fit")
    with pytest.raises(LookupError, match="no run named 'r9.fit'"):
        analyzer.plot_run("r9.fit", two[0])
    with pytest.raises(TypeError, match="draws an Analysis"):
        analyzer.plot_weekly_distance(two[0].runs)
    with pytest.raises(TypeError, match="ax must be a matplotlib Axes"):
        analyzer.plot_cramp_timeline(two[0], ax=plt.figure())
    assert len(plt.get_fignums()) == 1  # only the figure made for the last check


def test_the_report_keeps_no_pyplot_figures(two):
    plt.close("all")
    with detached_figures():
        fig = analyzer.plot_run(two[0].athlete.activities[0])
        analyzer.plot_cramp_timeline(two[0])
    assert plt.get_fignums() == [] and fig.axes  # drawn, but pyplot holds nothing
