"""The report's interactive charts, checked by their Vega-Lite specs and by compiling them.

Each test names a defect the first report had (issue "the coach's report, readable at a
glance") and inspects the spec for it; the last test has vl-convert draw every spec, so a
spec that Vega-Lite rejects fails here and not only in a browser.
"""

from __future__ import annotations

import datetime as dt

import pandas as pd
import pytest

import analyzer
from analyzer.air import run_air
from analyzer.metrics.heat import heat_index_c
from analyzer.report import charts
from analyzer.testing.synthetic import synthetic_run, write_athlete

UTC = dt.UTC
START = dt.datetime(2024, 4, 1, 6, tzinfo=UTC)  # a Monday, 08:00 in Madrid
PACE = 360.0  # s/km


def _layers(spec: dict):
    """Every unit layer of a (possibly nested) spec."""
    for key in ("layer", "vconcat", "hconcat"):
        for child in spec.get(key, []):
            yield from _layers(child)
    if "mark" in spec:
        yield spec


def _panel_with(spec: dict, field: str) -> dict:
    return next(layer for layer in _layers(spec) if layer.get("encoding", {}).get("y", {}).get("field") == field)


@pytest.fixture(scope="module")
def analysis(tmp_path_factory):
    runs = {f"r{i}.fit": synthetic_run(START + dt.timedelta(days=3 * i), 8.0, PACE, seed=i) for i in range(12)}
    # the cramp run: 14 km, a 3-minute pause at 10 min, heart rate flat (±2 bpm noise only)
    runs["big.fit"] = synthetic_run(START + dt.timedelta(days=38), 14.0, PACE, seed=40, pauses=[(600.0, 780.0)])
    weather = [{"time": (START + dt.timedelta(hours=h)).isoformat(), "temperature_c": 20.0,
                "relative_humidity_pct": 50} for h in range(0, 45 * 24, 2)]
    cramps = [
        {"activity": "big.fit", "distance_km": 13.5, "leg": "both", "muscle": "calf", "severity": 4},
        {"time": "2024-04-04 08:40", "leg": "right", "severity": 2},  # on r1, which has no 30-day history
        {"time": "2024-04-20 03:00", "leg": "right"},  # at rest, at night
    ]
    folder = write_athlete(tmp_path_factory.mktemp("c") / "ana", {"name": "Ana", "timezone": "Europe/Madrid"}, runs,
                           cramps, weather)
    return analyzer.analyze(analyzer.load_athlete(folder))


@pytest.fixture(scope="module")
def big_chart(analysis):
    act = analysis.athlete.activity("big.fit")
    air = run_air(analysis.athlete, act)
    frame = air.frame.assign(heat_index_c=heat_index_c(air.frame["temperature_c"], air.frame["relative_humidity_pct"]))
    return charts.run_chart(act, analysis.cramps, frame, air.source, "big.fit · Ana")


def _span(layer: dict) -> float:
    lo, hi = layer["encoding"]["y"]["scale"]["domain"]
    return abs(hi - lo)


def test_axes_do_not_make_noise_look_dramatic(big_chart):
    # the heart rate moves ±2 bpm, the pace ±2 %, the air not at all: the axes still span 30 bpm, 1 min/km, 6 °C
    assert _span(_panel_with(big_chart, "hr")) >= charts.MIN_HR_SPAN_BPM == 30
    assert _span(_panel_with(big_chart, "pace")) >= charts.MIN_PACE_SPAN_MIN == 1
    temperature = next(layer for layer in _layers(big_chart)
                       if layer.get("encoding", {}).get("y", {}).get("title") == "temperature (°C)")
    assert _span(temperature) >= charts.MIN_TEMPERATURE_SPAN_C == 6
    assert _panel_with(big_chart, "pace")["encoding"]["y"]["scale"]["reverse"] is True  # faster is up


def test_the_chart_zooms_along_the_run(big_chart):
    params = [p for layer in _layers(big_chart) for p in layer.get("params", [])]
    (zoom,) = [p for p in big_chart["params"] if p["name"] == "zoom"]
    assert zoom["bind"] == "scales" and zoom["select"]["encodings"] == ["x"]
    # one selection over every panel: dragging or scrolling on any of the three zooms them all
    assert len(zoom["views"]) == len(big_chart["vconcat"]) == 3
    assert {layer.get("name") for layer in _layers(big_chart)} >= set(zoom["views"])
    assert {p["name"] for p in params} >= {"hover", "hover_1", "hover_2"}  # each panel answers the pointer


def test_every_cramp_is_a_line_on_every_panel_with_its_words(big_chart):
    rules = [layer for layer in _layers(big_chart) if layer["mark"].get("type") == "rule" and "data" in layer
             and "label" in layer["data"]["values"][0] and layer["data"]["values"][0]["label"].startswith("cramp")]
    assert len(rules) == 3  # pace, heart rate, temperature
    (mark,) = rules[0]["data"]["values"]
    assert mark["x"] == pytest.approx(13.5, abs=0.005)
    assert mark["label"] == "cramp 1: calf, both legs, severity 4/5"  # not "both leg", not "4"


def test_cramp_labels_stay_inside_the_frame(big_chart):
    # 13.5 of 14 km is near the right edge: its label is drawn to the left of the line, inside
    (label,) = [layer for layer in _layers(big_chart) if layer["mark"].get("type") == "text"]
    assert label["mark"]["align"] == "right" and label["mark"]["dx"] < 0
    assert label["data"]["values"][0]["short"] == "cramp 1"


def test_the_pause_is_a_band_where_it_happened(big_chart):
    bands = [layer for layer in _layers(big_chart) if layer["mark"].get("type") == "rect" and "data" in layer]
    assert len(bands) == 3  # one per panel
    (band,) = bands[0]["data"]["values"]
    # stopped 600 s into the run at 360 s/km: 1.667 km (give or take the ±2 % speed noise)
    assert band["x0"] == pytest.approx(600 / PACE, rel=0.03)
    assert band["label"] == "3.0 min"


def test_the_wrist_temperature_is_faint_and_never_called_air(big_chart):
    (wrist,) = [layer for layer in _layers(big_chart) if layer.get("encoding", {}).get("y", {}).get("field") == "wrist"]
    assert wrist["mark"]["color"] == "#95a5a6" and wrist["mark"]["strokeDash"]
    legend = big_chart["usermeta"]["legend"]
    assert any(item["label"].startswith("air temperature (weather.csv") for item in legend)
    assert any("wrist" in item["label"] and "never air" in item["label"] for item in legend)


def test_weekly_chart_marks_cramps_at_rest_at_the_foot_of_their_week(analysis):
    spec = charts.weekly_chart(analysis)
    (marks,) = [layer for layer in spec["layer"] if "data" in layer]
    values = marks["data"]["values"]
    at_rest = [m for m in values if m["kind"].startswith("at rest")]
    assert len(at_rest) == 1 and at_rest[0]["y"] == 0 and at_rest[0]["week"] == "15 Apr"  # Sat 20 Apr
    assert spec["usermeta"]["cramp_marks"] == 3  # every cramp, none dropped


def test_cramp_runs_chart_shows_every_cramp_run_even_without_history(analysis):
    spec = charts.cramp_runs_chart(analysis)
    points = spec["data"]["values"]
    cramp_points = [p for p in points if p["group"] == "runs with cramps"]
    assert len(cramp_points) == int(analysis.runs["had_cramp"].sum()) == 2
    assert len(points) == len(analysis.runs) == 13
    r1 = next(p for p in cramp_points if p["run"] == "r1.fit")
    # in the band, not dropped; its tooltip says the ratio is not known (never null)
    assert r1["ratio"] is None and r1["ratio_text"] == "not known" and "less than 30 days of history" in r1["missing"]
    big = next(p for p in cramp_points if p["run"] == "big.fit")
    assert big["ratio"] == pytest.approx(14 / 8, abs=0.01)  # 14 km against the 8-km runs of the prior 30 days


def test_timeline_puts_night_cramps_on_their_own_row_in_local_time(analysis):
    spec = charts.timeline_chart(analysis)
    rows = {p["row"]: p for p in spec["data"]["values"]}
    assert set(rows) == {"during a run", "at rest"}
    assert rows["at rest"]["t"] == "2024-04-20T03:00"
    assert spec["encoding"]["shape"]["scale"]["domain"] == ["left", "right", "both legs"]


def test_a_season_without_cramps_says_so_with_its_dates(tmp_path):
    runs = {f"r{i}.fit": synthetic_run(START + dt.timedelta(days=3 * i), 8.0, PACE, seed=i) for i in range(5)}
    a = analyzer.analyze(analyzer.load_athlete(write_athlete(tmp_path / "b", {"timezone": "UTC"}, runs, [])))
    spec = charts.timeline_chart(a)
    assert spec["usermeta"]["message"] == "No cramps logged between 01 Apr and 13 Apr 2024."


def test_every_spec_compiles_and_draws_what_it_says(analysis, big_chart):
    vl_convert = pytest.importorskip("vl_convert", reason="vl-convert-python is a core dependency")
    specs = {"run": big_chart, "weekly": charts.weekly_chart(analysis), "scatter": charts.cramp_runs_chart(analysis),
             "timeline": charts.timeline_chart(analysis)}
    for name, spec in specs.items():
        svg = vl_convert.vegalite_to_svg({**spec, "width": 600})  # the Vega-Lite the page bundles
        assert svg.startswith("<svg"), name
        if name == "run":
            assert "cramp 1" in svg and "heart rate (bpm)" in svg and "pace (min/km)" in svg
        if name == "weekly":
            assert "distance per week (km)" in svg


def test_weekly_bars_stand_on_zero_and_span_their_week(analysis):
    # with x and x2 on a time axis Vega-Lite draws a bar as a thin band unless it is given its foot
    bars = charts.weekly_chart(analysis)["layer"][0]
    assert bars["mark"]["type"] == "bar" and bars["encoding"]["y2"] == {"datum": 0}
    assert bars["encoding"]["x"]["field"] == "start" and bars["encoding"]["x2"] == {"field": "end"}
    week = charts.weekly_chart(analysis)["data"]["values"][0]
    assert (pd.Timestamp(week["end"]) - pd.Timestamp(week["start"])).days == 7
