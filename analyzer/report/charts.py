"""Interactive charts for the HTML report, as Vega-Lite specifications (plain data; the browser draws).

Each function takes the analysis and returns a Vega-Lite spec (a dict) whose data is inlined:
a run's records are thinned to at most :data:`MAX_POINTS` points, so a page stays small. The
charts zoom (drag or wheel on the x axis) and explain themselves on hover. Static matplotlib
figures (:mod:`analyzer.plots`) remain for notebooks and print.

Every defect the first report had is handled here on purpose: cramp markers and labels stay
inside the frame, legends sit outside the data, the heart-rate axis spans at least
:data:`MIN_HR_SPAN_BPM`, the wrist temperature is drawn smoothed and faint (it is not air), an
athlete without cramps still gets the season on the time axis, and runs that lack a value are
shown in a margin band rather than dropped.

References
----------
Satyanarayan A, Moritz D, Wongsuphasawat K, Heer J 2017. Vega-Lite: a grammar of interactive
graphics. IEEE Trans Vis Comput Graph 23:341–350.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from analyzer.analysis import Analysis
from analyzer.formatting import leg_text, severity_text
from analyzer.model import Activity
from analyzer.plots.axes import (
    HEAT_AXIS_TITLE,
    MIN_HR_SPAN_BPM,
    MIN_PACE_SPAN_MIN,
    MIN_TEMPERATURE_SPAN_C,
    NO_HEAT_LABEL,
    NO_HISTORY_LABEL,
    centred_span,
    heat_distance_axes,
    heat_threshold_label,
    spike_threshold_label,
)

MAX_POINTS = 700
"""A run's records are thinned to at most this many points per chart."""


SLOWEST_PACE_S_PER_KM = 900.0
"""Paces slower than 15:00 min/km (standing, walking at a water stop) are not drawn."""

CRAMP_COLOR = "#c0392b"
AIR_COLOR = "#d68910"
"""Air temperature is amber: red is the cramp marker's own colour."""
RUN_COLOR = "#7f8c8d"
REST_COLOR = "#2c3e50"
FONT = "system-ui, -apple-system, Segoe UI, Roboto, sans-serif"
_CONFIG = {"font": FONT, "view": {"stroke": "#ddd"}, "axis": {"labelFontSize": 11, "titleFontSize": 12, "grid": True,
                                                              "gridColor": "#eee"},
           "legend": {"labelFontSize": 11, "titleFontSize": 11, "orient": "bottom"}}


def _clean(value: object) -> object:
    """JSON-safe: NaN and inf become null, numpy numbers plain numbers."""
    if isinstance(value, (float, np.floating)):
        f = float(value)
        return round(f, 4) if math.isfinite(f) else None
    if isinstance(value, (np.integer,)):
        return int(value)
    return value


def _records(frame: pd.DataFrame) -> list[dict]:
    """Rows as JSON-safe dicts (see :func:`_clean`), built column by column."""
    columns = []
    for name in frame.columns:
        values = frame[name]
        if pd.api.types.is_float_dtype(values.dtype):
            arr = np.round(values.to_numpy(dtype=float), 4)
            columns.append([v if math.isfinite(v) else None for v in arr.tolist()])
        else:
            columns.append([_clean(v) for v in values.tolist()])
    names = [str(c) for c in frame.columns]
    return [dict(zip(names, row, strict=True)) for row in zip(*columns, strict=True)]


def _thin(recs: pd.DataFrame, max_points: int = MAX_POINTS) -> pd.DataFrame:
    if len(recs) <= max_points:
        return recs
    idx = np.unique(np.linspace(0, len(recs) - 1, max_points).round().astype(int))
    return recs.iloc[idx]


_DIGITS = {"x": 3, "min": 2, "pace": 3, "hr": 0, "air": 1, "hi": 1, "wrist": 1}
"""Decimals kept per plotted value: 1 m, about a second, 0.001 min/km, 1 bpm, 0.1 °C."""

_PACE_TEXT = ("isValid(datum.pace) ? floor(round(datum.pace * 60) / 60) + ':' + "
              "(round(datum.pace * 60) % 60 < 10 ? '0' : '') + round(datum.pace * 60) % 60 : ''")
"""m:ss from decimal minutes, computed in the browser (not stored once per point)."""


def run_chart(activity: Activity, cramps: pd.DataFrame, air: pd.DataFrame | None = None, air_source: str = "",
              title: str = "", max_points: int = MAX_POINTS) -> dict:
    """Pace, heart rate and heat along one run, sharing a zoomable distance axis, pauses shaded, cramps marked.

    Parameters
    ----------
    activity : Activity
    cramps : DataFrame
        The analysis's cramps; those ``during_run`` in this activity are marked.
    air : DataFrame, optional
        ``temperature_c`` (and ``relative_humidity_pct``, ``heat_index_c``) by record time
        (:func:`analyzer.weather.air.run_air`'s frame).
    air_source : str
        Where the air temperature came from, for its legend.
    max_points : int
        The run is thinned to at most this many points (fewer when a page has many runs).
    """
    recs = activity.records[activity.records.index.notna()]
    if len(activity.records) and not len(recs):
        return _message_chart("This run's file has no timestamps, so it is not drawn along the run; its cramps "
                              "are listed in the table with the distance logged.")
    recs = recs[~recs.index.duplicated()].sort_index()
    data, x, x_title, use_km = _run_series(recs, air)
    thin = _thin(data, max_points).reset_index(drop=True)
    for col, digits in _DIGITS.items():  # each value to what it means: the page stays small
        if col in thin:
            thin[col] = thin[col].astype(float).round(digits)
    values = _records(thin)

    x_enc = {"field": "x", "type": "quantitative", "title": x_title, "axis": {"tickCount": 8}}
    tips = _tooltips(data, x_title)
    panels = _pace_and_hr_panels(data, x_enc, tips)
    heat = _heat_panel(data, x_enc, tips, air_source, f"hover_{len(panels)}")
    if heat is not None:
        panels.append(heat)
    marks = _cramp_marks(activity, cramps, use_km)
    pauses = _pause_bands(activity, recs, x)
    _mark_pauses_and_cramps(panels, pauses, marks, x)
    if not panels:
        return _message_chart("No speed, heart-rate or temperature data in this run.")
    views = _share_distance_axis(panels)
    head, _, rest = title.partition(" · ")
    zoom = {"name": "zoom", "select": {"type": "interval", "encodings": ["x"]}, "bind": "scales"}
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json",
            "title": {"text": head, "subtitle": rest, "anchor": "start", "fontSize": 13},
            "data": {"values": values}, "params": [{**zoom, "views": views}], "vconcat": panels, "resolve": {"scale": {"x": "shared"}},
            "spacing": 6, "autosize": {"type": "fit-x", "contains": "padding"}, "config": _CONFIG,
            "usermeta": {"cramps": len(marks), "pauses": len(pauses), "points": len(values),
                         "legend": _run_legend(data, air_source, pauses, marks)}}


def _run_series(recs: pd.DataFrame, air: pd.DataFrame | None) -> tuple[pd.DataFrame, pd.Series, str, bool]:
    """The series a run chart draws (``x``, ``min``, smoothed ``pace``, ``hr``, ``wrist``; ``air`` and ``hi``),
    by record time, with the x axis (km, or minutes without distance), its title and whether it is km."""
    use_km = "distance_m" in recs and recs["distance_m"].notna().any()
    x = recs["distance_m"] / 1000.0 if use_km else recs["elapsed_s"] / 60.0
    x_title = "distance (km)" if use_km else "elapsed time (min)"
    data = pd.DataFrame({"x": x.to_numpy(), "min": (recs["elapsed_s"] / 60.0).to_numpy()}, index=recs.index)
    if "speed_mps" in recs:
        speed = recs["speed_mps"].rolling(pd.Timedelta(seconds=30), min_periods=1).median()
        pace = 1000.0 / speed.where(speed > 0)
        data["pace"] = (pace.where(pace <= SLOWEST_PACE_S_PER_KM) / 60.0).to_numpy()
    if "heart_rate_bpm" in recs:
        data["hr"] = recs["heart_rate_bpm"].rolling(pd.Timedelta(seconds=10), min_periods=1).mean().to_numpy()
    if "temperature_c" in recs and recs["temperature_c"].notna().any():
        data["wrist"] = recs["temperature_c"].rolling(pd.Timedelta(seconds=120), min_periods=1).mean().to_numpy()
    if air is not None and "temperature_c" in air and air["temperature_c"].notna().any():
        a = air.reindex(recs.index)
        data["air"] = a["temperature_c"].to_numpy()
        if "heat_index_c" in a:
            data["hi"] = a["heat_index_c"].to_numpy()
    return data, x, x_title, use_km


def _tooltips(data: pd.DataFrame, x_title: str) -> tuple[list[dict], list[dict]]:
    """The tooltip's calculations and fields: every value is text worked out in the browser, "—" where the
    run has no value there."""
    texts = [("x_text", "x", ".2f", x_title), ("min_text", "min", ".0f", "minutes")]
    if "hr" in data:
        texts.append(("hr_text", "hr", ".0f", "heart rate (bpm)"))
    if "air" in data:
        texts.append(("air_text", "air", ".1f", "air °C"))
    if "hi" in data:
        texts.append(("hi_text", "hi", ".1f", "heat index °C"))
    tip_calc = [{"calculate": f"isValid(datum.{f}) && isFinite(datum.{f}) ? format(datum.{f}, '{fmt}') : '—'",
                 "as": name} for name, f, fmt, _ in texts]
    if "pace" in data:
        tip_calc.append({"calculate": f"isValid(datum.pace) ? {_PACE_TEXT} : '—'", "as": "pace_text"})
    tooltip = [{"field": name, "title": title} for name, _, _, title in texts[:2]]
    if "pace" in data:
        tooltip.append({"field": "pace_text", "title": "pace (min/km)"})
    tooltip += [{"field": name, "title": title} for name, _, _, title in texts[2:]]
    return tip_calc, tooltip


def _hover_layers(name: str, tips: tuple[list[dict], list[dict]]) -> list[dict]:
    """The hover rule and the invisible strips under it, one per point, from half-way to the previous point to
    half-way to the next, the panel's full height: the pointer anywhere over a panel gives that point's values
    (the nearest-point Voronoi of Vega-Lite loses the calculated fields, which showed as "undefined")."""
    tip_calc, tooltip = tips
    hover = {"name": name, "select": {"type": "point", "on": "pointermove", "fields": ["x"], "clear": "pointerout"}}
    rule = {"transform": tip_calc, "mark": {"type": "rule", "color": "#999", "strokeDash": [2, 2]},
            "encoding": {"x": {"field": "x", "type": "quantitative"},
                         "opacity": {"condition": {"param": name, "empty": False, "value": 1}, "value": 0},
                         "tooltip": tooltip}}
    strips = {"transform": [{"window": [{"op": "lag", "field": "x", "as": "x_prev"},
                                        {"op": "lead", "field": "x", "as": "x_next"}],
                             "sort": [{"field": "x"}]},
                            {"calculate": "isValid(datum.x_prev) ? (datum.x + datum.x_prev) / 2 : datum.x", "as": "x0"},
                            {"calculate": "isValid(datum.x_next) ? (datum.x + datum.x_next) / 2 : datum.x", "as": "x1"},
                            *tip_calc],
              "mark": {"type": "rect", "opacity": 0, "clip": True},
              "params": [hover],
              "encoding": {"x": {"field": "x0", "type": "quantitative"}, "x2": {"field": "x1"}, "tooltip": tooltip}}
    return [rule, strips]


def _pace_and_hr_panels(data: pd.DataFrame, x_enc: dict, tips: tuple[list[dict], list[dict]]) -> list[dict]:
    """The pace panel (m:ss, reversed) and the heart-rate panel, each with its own hover."""
    panels: list[dict] = []

    def panel(field: str, title: str, color: str, scale: dict) -> dict:
        hover_name = "hover" if not panels else f"hover_{len(panels)}"  # each panel answers the pointer over it
        layers = [{"mark": {"type": "line", "color": color, "strokeWidth": 1.5, "clip": True},
                   "encoding": {"x": x_enc, "y": {"field": field, "type": "quantitative", "title": title,
                                                  "scale": scale}}}]
        return {"height": 110, "width": "container", "layer": layers + _hover_layers(hover_name, tips)}

    if "pace" in data and data["pace"].notna().any():
        lo, hi = centred_span(data["pace"], MIN_PACE_SPAN_MIN)
        panels.append(panel("pace", "pace (min/km)", "#2c3e50", {"reverse": True, "zero": False, "nice": False,
                                                               "domain": [round(lo, 2), round(hi, 2)]}))
        panels[-1]["layer"][0]["encoding"]["y"]["axis"] = {  # m:ss, not decimal minutes
            "labelExpr": "floor(datum.value) + ':' + (round((datum.value % 1) * 60) < 10 ? '0' : '')"
                         " + round((datum.value % 1) * 60)", "tickCount": 4}
    if "hr" in data and data["hr"].notna().any():
        lo, hi = centred_span(data["hr"], MIN_HR_SPAN_BPM, widen=1.0, pad=3.0)
        panels.append(panel("hr", "heart rate (bpm)", "#e67e22", {"domain": [round(lo), round(hi)], "nice": False}))
    return panels


def _heat_panel(data: pd.DataFrame, x_enc: dict, tips: tuple[list[dict], list[dict]], air_source: str,
                hover_name: str) -> dict | None:
    """Air temperature and heat index (one colour each, the heat index dashed) and the wrist sensor, on one
    temperature scale; ``None`` when the run has none of them."""
    heat_layers = []
    temps = np.concatenate([data[c].to_numpy(dtype=float) for c in ("air", "hi", "wrist") if c in data] or [np.zeros(0)])
    temp_scale: dict = {"zero": False}
    span = centred_span(temps, MIN_TEMPERATURE_SPAN_C)
    if span is not None:
        temp_scale = {"domain": [round(span[0], 1), round(span[1], 1)], "nice": False, "zero": False}
    if "air" in data and data["air"].notna().any():
        folds = ["air"] + (["hi"] if "hi" in data and data["hi"].notna().any() else [])
        names = {"air": f"air temperature ({air_source})" if air_source else "air temperature",
                 "hi": "heat index (NWS)"}
        heat_layers.append({"transform": [{"fold": folds, "as": ["series", "value"]},
                                          {"calculate": "{'air': " + repr(names["air"]) + ", 'hi': 'heat index (NWS)'}"
                                                        "[datum.series]", "as": "what"}],
                            "mark": {"type": "line", "strokeWidth": 1.8, "clip": True},
                            "encoding": {"x": x_enc, "y": {"field": "value", "type": "quantitative",
                                                           "title": "temperature (°C)", "scale": temp_scale},
                                         "color": {"field": "what", "type": "nominal", "legend": None,
                                                   "scale": {"domain": [names["air"], names["hi"]],
                                                             "range": [AIR_COLOR, "#8e44ad"]}},
                                         "strokeDash": {"field": "what", "type": "nominal", "legend": None,
                                                        "scale": {"domain": [names["air"], names["hi"]],
                                                                  "range": [[1, 0], [5, 3]]}}}})
    if "wrist" in data:
        heat_layers.append({"mark": {"type": "line", "color": "#95a5a6", "strokeWidth": 1.2, "strokeDash": [1, 2],
                                     "clip": True},
                            "encoding": {"x": x_enc, "y": {"field": "wrist", "type": "quantitative",
                                                           "title": "temperature (°C)", "scale": temp_scale}}})
    if not heat_layers:
        return None
    return {"height": 90, "width": "container", "layer": heat_layers + _hover_layers(hover_name, tips)}


def _mark_pauses_and_cramps(panels: list[dict], pauses: list[dict], marks: list[dict], x: pd.Series) -> None:
    """Pauses shaded under every panel, cramps as rules over them, labelled on the first panel."""
    for p in panels:
        if pauses:
            p["layer"].insert(0, {"data": {"values": pauses}, "mark": {"type": "rect", "color": "#d5d8dc",
                                                                        "opacity": 0.6},
                                  "encoding": {"x": {"field": "x0", "type": "quantitative"}, "x2": {"field": "x1"},
                                               "tooltip": [{"field": "label", "title": "pause"}]}})
        if marks:
            p["layer"].append({"data": {"values": marks}, "mark": {"type": "rule", "color": CRAMP_COLOR,
                                                                    "strokeWidth": 2},
                               "encoding": {"x": {"field": "x", "type": "quantitative"},
                                            "tooltip": [{"field": "label", "title": "cramp"}]}})
    if marks and panels:
        # labels inside the frame: at the top, to the right of the line, or to its left near the right edge
        x_max = float(np.nanmax(x)) if np.isfinite(x).any() else 1.0
        for side, dx in (("left", 4), ("right", -4)):
            mine = [m for m in marks if (m["x"] > 0.7 * x_max) == (side == "right")]
            if mine:
                panels[0]["layer"].append({
                    "data": {"values": mine},
                    "mark": {"type": "text", "color": CRAMP_COLOR, "baseline": "top", "dy": 4, "dx": dx, "align": side,
                             "fontSize": 11, "fontWeight": "bold"},
                    "encoding": {"x": {"field": "x", "type": "quantitative"}, "y": {"value": 0},
                                 "text": {"field": "short"}}})


def _share_distance_axis(panels: list[dict]) -> list[str]:
    """One distance axis, at the bottom; the names of the panels' unit views, for the shared zoom.

    Selections live on unit views: a zoom on each panel's first layer, all bound to the shared x scale, so
    dragging or scrolling on any panel zooms them all together (one top-level selection over all panels'
    views: one signal, so no panel's binding overrides another's).
    """
    views = []
    for i, p in enumerate(panels):
        first = next(layer for layer in p["layer"] if "data" not in layer)
        first["name"] = f"panel_{i}"
        views.append(first["name"])
    for p in panels[:-1]:
        for layer in p["layer"]:
            enc = layer.get("encoding", {})
            if "x" in enc and "field" in enc["x"] and enc["x"].get("field") == "x":
                enc["x"] = {**enc["x"], "axis": {"labels": False, "title": None, "ticks": False, "domain": False}}
    return views


def _run_legend(data: pd.DataFrame, air_source: str, pauses: list[dict], marks: list[dict]) -> list[dict]:
    """The run chart's legend, drawn by the page under the chart."""
    legend = []
    if "air" in data and data["air"].notna().any():
        legend.append({"label": f"air temperature ({air_source})" if air_source else "air temperature",
                       "color": AIR_COLOR, "dash": ""})
        if "hi" in data and data["hi"].notna().any():
            legend.append({"label": "heat index (NWS)", "color": "#8e44ad", "dash": "5 3"})
    if "wrist" in data:
        legend.append({"label": "watch temperature (wrist, reads high: never air)", "color": "#95a5a6", "dash": "1 2"})
    if pauses:
        legend.append({"label": "pause", "color": "#d5d8dc", "dash": "", "band": True})
    if marks:
        legend.append({"label": "cramp", "color": CRAMP_COLOR, "dash": ""})
    return legend


def _cramp_marks(activity: Activity, cramps: pd.DataFrame, use_km: bool) -> list[dict]:
    if cramps is None or cramps.empty:
        return []
    mine = cramps[(cramps["activity"] == activity.source) & (cramps["context"] == "during_run")]
    out = []
    for c in mine.to_dict("records"):
        pos = c["distance_km"] if use_km else (c["elapsed_s"] / 60.0 if c["elapsed_s"] == c["elapsed_s"] else np.nan)
        if pos is None or not math.isfinite(pos):
            continue
        sev = severity_text(c.get("severity"))
        what = ", ".join(t for t in (leg_text(c.get("leg"), c.get("muscle")), f"severity {sev}" if sev else "") if t)
        out.append({"x": float(pos), "short": f"cramp {int(c['cramp_row'])}",
                    "label": f"cramp {int(c['cramp_row'])}: {what}" if what else f"cramp {int(c['cramp_row'])}"})
    return out


def _pause_bands(activity: Activity, recs: pd.DataFrame, x: pd.Series) -> list[dict]:
    if activity.pauses.empty or recs.empty:
        return []
    t = recs.index.asi8
    xv = x.to_numpy()
    span = float(np.nanmax(xv) - np.nanmin(xv)) if np.isfinite(xv).any() else 1.0
    out = []
    for p in activity.pauses.to_dict("records"):
        i0 = max(int(np.searchsorted(t, pd.Timestamp(p["start"]).value, side="right")) - 1, 0)
        i1 = min(int(np.searchsorted(t, pd.Timestamp(p["end"]).value, side="left")), len(t) - 1)
        x0, x1 = float(xv[i0]), float(xv[i1])
        if not (math.isfinite(x0) and math.isfinite(x1)):
            continue
        out.append({"x0": x0, "x1": max(x1, x0 + 0.004 * span), "label": f"{p['duration_s'] / 60:.1f} min"})
    return out


def _message_chart(text: str, height: int = 60) -> dict:
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "width": "container", "height": height,
            "data": {"values": [{"t": text}]}, "mark": {"type": "text", "fontSize": 13, "color": "#777"},
            "encoding": {"text": {"field": "t"}}, "config": _CONFIG, "usermeta": {"message": text}}


def weekly_chart(analysis: Analysis) -> dict:
    """Distance per local week (bars), with the week's cramps: during or after a run on the bar, at rest at its foot."""
    runs = analysis.runs
    tz = analysis.athlete.timezone
    if runs.empty:
        return _message_chart("No runs in this period.")
    local = pd.to_datetime(runs["start_utc"], utc=True).dt.tz_convert(tz).dt.tz_localize(None)
    week = local.dt.to_period("W-SUN").dt.start_time
    km = runs.groupby(week)["distance_km"].sum()
    all_weeks = pd.date_range(km.index.min(), km.index.max(), freq="7D") if len(km) else km.index
    km = km.reindex(all_weeks, fill_value=0.0)
    km = km[km > 0]  # weeks without runs are a gap on the time axis, not a zero bar
    if not len(km):
        return _message_chart("No distance recorded in this period.")
    bars = [{"week": w.strftime("%d %b"), "start": w.strftime("%Y-%m-%d"),
             "end": (w + pd.Timedelta(days=7)).strftime("%Y-%m-%d"), "label": w.strftime("%a %d %b %Y"),
             "km": round(float(v), 1), "runs": int((week == w).sum())} for w, v in km.items()]
    marks = []
    outside = 0  # cramps in weeks without runs before the first or after the last: the axis spans the runs
    c = analysis.cramps
    if len(c):
        when = pd.to_datetime(c["time_utc"], utc=True)
        if "date_local" in c:  # a day-level cramp still belongs to its week
            dates = pd.to_datetime(c["date_local"], errors="coerce")
            local_c = when.dt.tz_convert(tz).dt.tz_localize(None).fillna(dates)
        else:
            local_c = when.dt.tz_convert(tz).dt.tz_localize(None)
        cweek = local_c.dt.to_period("W-SUN").dt.start_time
        for (w, kind), n in c.assign(week=cweek, kind=c["context"].map(
                lambda k: "during or after a run" if k in ("during_run", "after_run") else "at rest or time unknown")
                ).groupby(["week", "kind"]).size().items():
            if pd.isna(w):
                continue
            if w < km.index.min() or w > km.index.max():  # a week without runs inside the season is drawn
                outside += int(n)
                continue
            top = float(km.get(w, 0.0))
            marks.append({"week": w.strftime("%d %b"), "mid": (w + pd.Timedelta(days=3.5)).strftime("%Y-%m-%dT%H:%M"),
                          "kind": kind, "n": int(n),
                          "y": top if kind.startswith("during") else 0.0,
                          "label": f"{int(n)} cramp{'s' if n > 1 else ''} {kind}"})
    y_max = max(float(km.max()) * 1.25 if len(km) else 1.0, 1.0)
    first, last = km.index.min(), km.index.max() + pd.Timedelta(days=7)
    long = (last - first) > pd.Timedelta(days=120)
    x_scale = {"domain": [first.strftime("%Y-%m-%d"), last.strftime("%Y-%m-%d")]}
    x_enc = {"field": "start", "type": "temporal", "title": "week (local)", "scale": x_scale,
             "axis": {"labelAngle": 0, "labelOverlap": True, "labelSeparation": 8,
                      "tickCount": {"expr": "max(2, min(6, floor(width / 90)))"},
                      "format": "%b %Y" if long else "%d %b %Y"}}
    layers = [{"mark": {"type": "bar", "color": RUN_COLOR, "stroke": "#fff", "strokeWidth": 1},
               "encoding": {"x": x_enc, "x2": {"field": "end"},
                            "y": {"field": "km", "type": "quantitative", "title": "distance per week (km)",
                                  "scale": {"domain": [0, round(y_max, 1)]}},
                            "y2": {"datum": 0},  # a bar from zero: with x and x2 a bar is otherwise a thin band
                            "tooltip": [{"field": "label", "title": "week of"},
                                        {"field": "km", "title": "km"}, {"field": "runs", "title": "runs"}]}}]
    if marks:
        layers.append({"data": {"values": marks},
                       "mark": {"type": "point", "filled": True, "size": 140, "yOffset": -8, "clip": True},
                       "encoding": {"x": {"field": "mid", "type": "temporal", "scale": x_scale},
                                    "y": {"field": "y", "type": "quantitative"},
                                    "shape": {"field": "kind", "type": "nominal", "title": "cramps",
                                              "scale": {"domain": ["during or after a run", "at rest or time unknown"],
                                                        "range": ["triangle-down", "circle"]}},
                                    "color": {"field": "kind", "type": "nominal", "title": "cramps",
                                              "scale": {"domain": ["during or after a run", "at rest or time unknown"],
                                                        "range": [CRAMP_COLOR, REST_COLOR]}},
                                    "tooltip": [{"field": "label", "title": "cramps"}]}})
    title = {"text": "Weekly distance, with the week's cramps", "anchor": "start", "fontSize": 13}
    if outside:
        title["subtitle"] = f"{outside} cramp{'s' if outside > 1 else ''} outside these weeks (in the cramp table)"
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "width": "container", "height": 180,
            "data": {"values": bars}, "layer": layers, "config": _CONFIG, "title": title,
            "usermeta": {"weeks": len(bars), "cramp_marks": sum(m["n"] for m in marks), "cramps_outside": outside}}


def cramp_runs_chart(analysis: Analysis) -> dict:
    """Every run by heat index (x) and distance ÷ longest of the prior 30 days (y), cramp runs in red.

    Runs without a heat index sit in a band left of the axis, runs without 30 days of history in
    a band below it, so every cramp run is on the chart, as the table beside it counts them.
    """
    runs = analysis.runs
    if runs.empty:
        return _message_chart("No runs in this period.")
    th = analysis.thresholds
    x = runs["heat_index_max_c"].astype(float)
    y = runs["distance_ratio"].astype(float)
    heat_thr, spike = th["heat_index_caution_c"], th["long_run_spike_ratio"]
    axes = heat_distance_axes(x, y, heat_thr, spike, reach_heat_threshold=False)  # the axis follows the data
    x_lo, x_hi, y_lo, y_hi, x_gap, y_gap = axes.x_lo, axes.x_hi, axes.y_lo, axes.y_hi, axes.x_gap, axes.y_gap
    # a grey band (left: no heat index; bottom: no 30-day history) only when some run sits in it
    no_heat, no_history = axes.no_heat, axes.no_history
    points = _cramp_run_points(runs, x, y, (x_gap, y_gap))
    # the threshold line only where the axis reaches it; otherwise the subtitle says how far it is
    rules = [{"x": heat_thr, "label": heat_threshold_label(heat_thr)}] if heat_thr <= x_hi else []
    beyond = (f"the heat index threshold ({heat_thr:.1f} °C) is beyond the hottest run"
              if heat_thr > x_hi and x.notna().any() else "")
    x_min, y_min = axes.x_min, axes.y_min
    x_scale = {"domain": [round(x_min, 2), round(x_hi, 2)], "nice": False, "zero": False}
    y_scale = {"domain": [round(y_min, 3), round(y_hi, 3)], "nice": False, "zero": False}
    bands = ([{"x0": x_min, "x1": x_lo - 0.5, "y0": y_min, "y1": y_hi, "label": NO_HEAT_LABEL,
               "tx": x_gap - 0.5, "ty": y_hi, "angle": 270}] if no_heat else []) + \
        ([{"x0": x_min, "x1": x_hi, "y0": y_min, "y1": y_lo - 0.02, "label": NO_HISTORY_LABEL,
           "tx": x_hi, "ty": y_gap - 0.035, "angle": 0}] if no_history else [])
    # each threshold line says its value where it is drawn (the heat line at the top, the spike line at the left)
    line_labels = [{"x": heat_thr, "y": y_hi, "text": f"{heat_thr:.1f} °C", "baseline": "top",
                    "color": "#8e44ad"} for _ in rules]
    if spike <= y_hi:
        line_labels.append({"x": x_min, "y": spike, "text": f"{spike:.2f}× longest 30 d", "baseline": "bottom",
                            "color": "#2c3e50"})
    scales = (x_scale, y_scale)
    layers = [*_band_layers(bands, scales), *_threshold_layers(rules, spike, line_labels, scales),
              _cramp_run_point_layer(scales)]
    n_cramp = int(runs["had_cramp"].astype(bool).sum())
    without = [w for w, b in (("a heat index (left)", no_heat), ("30 days of history (bottom)", no_history)) if b]
    subtitle = ([f"grey band: runs without {' or '.join(without)}"] if without else []) + ([beyond] if beyond else [])
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "width": "container", "height": 260,
            "data": {"values": points}, "layer": layers, "config": _CONFIG,
            "description": "Each run: heat index during the run (°C) across, distance ÷ longest run of the prior "
                           "30 days (× longest 30 d) up; runs with cramps as red crosses.",
            "title": {"text": "Each run: distance vs heat", "anchor": "start", "fontSize": 13,
                      "subtitle": subtitle or ""},
            "usermeta": {"cramp_runs": n_cramp, "runs": len(points), "bands": [b["label"] for b in bands],
                         "line_labels": [x["text"] for x in line_labels]}}


def _cramp_run_points(runs: pd.DataFrame, x: pd.Series, y: pd.Series, gaps: tuple[float, float]) -> list[dict]:
    """One point per run (heat index, distance ratio), an unknown value placed in its grey band at ``gaps``."""
    x_gap, y_gap = gaps
    points = []
    for r, xv, yv in zip(runs.to_dict("records"), x, y, strict=True):
        missing = []
        if not math.isfinite(xv):
            missing.append("no heat index (air temperature unknown)")
        if not math.isfinite(yv):
            missing.append("less than 30 days of history")
        points.append({"x": xv if math.isfinite(xv) else x_gap, "y": yv if math.isfinite(yv) else y_gap,
                       "group": "runs with cramps" if r["had_cramp"] else "runs without cramps",
                       "run": r["activity"], "missing": "; ".join(missing) or "—",
                       "hi": None if not math.isfinite(xv) else round(xv, 1),
                       "ratio": None if not math.isfinite(yv) else round(yv, 2),
                       "hi_text": f"{xv:.1f}" if math.isfinite(xv) else "not known",
                       "ratio_text": f"{yv:.2f}" if math.isfinite(yv) else "not known"})
    return points


def _band_layers(bands: list[dict], scales: tuple[dict, dict]) -> list[dict]:
    """The grey bands of runs without a heat index or history, with their labels (none without a band)."""
    x_scale, y_scale = scales
    if not bands:
        return []
    return [{"data": {"values": bands}, "mark": {"type": "rect", "color": "#f2f3f4"},
             "encoding": {"x": {"field": "x0", "type": "quantitative", "scale": x_scale}, "x2": {"field": "x1"},
                          "y": {"field": "y0", "type": "quantitative", "scale": y_scale}, "y2": {"field": "y1"}}},
            {"data": {"values": bands}, "mark": {"type": "text", "color": "#7f8c8d", "fontSize": 10, "align": "right",
                                                 "baseline": "bottom"},
             "encoding": {"x": {"field": "tx", "type": "quantitative", "scale": x_scale},
                          "y": {"field": "ty", "type": "quantitative", "scale": y_scale},
                          "angle": {"field": "angle", "type": "quantitative", "scale": None},
                          "text": {"field": "label"}}}]


def _threshold_layers(rules: list[dict], spike: float, line_labels: list[dict],
                      scales: tuple[dict, dict]) -> list[dict]:
    """The heat index and long-run threshold lines, each with its value written where it is drawn."""
    x_scale, y_scale = scales
    return [
        *([{"data": {"values": rules}, "mark": {"type": "rule", "color": "#8e44ad", "strokeDash": [4, 3]},
            "encoding": {"x": {"field": "x", "type": "quantitative", "scale": x_scale},
                         "tooltip": [{"field": "label", "title": "threshold"}]}}] if rules else []),
        {"data": {"values": [{"y": spike, "label": spike_threshold_label(spike)}]},
         "mark": {"type": "rule", "color": "#2c3e50", "strokeDash": [2, 2]},
         "encoding": {"y": {"field": "y", "type": "quantitative", "scale": y_scale},
                      "tooltip": [{"field": "label", "title": "threshold"}]}},
        *[{"data": {"values": [lab]}, "mark": {"type": "text", "fontSize": 10, "dx": 3, "align": "left",
                                                "baseline": lab["baseline"], "dy": 2 if lab["baseline"] == "top" else -2,
                                                "color": lab["color"]},
           "encoding": {"x": {"field": "x", "type": "quantitative", "scale": x_scale},
                        "y": {"field": "y", "type": "quantitative", "scale": y_scale},
                        "text": {"field": "text"}}} for lab in line_labels],
    ]


def _cramp_run_point_layer(scales: tuple[dict, dict]) -> dict:
    """The runs as points: cramp runs as red crosses, the others as grey circles, each with its tooltip."""
    x_scale, y_scale = scales
    return {"mark": {"type": "point", "filled": True, "size": 70, "opacity": 0.85},
            "encoding": {
                "x": {"field": "x", "type": "quantitative", "title": HEAT_AXIS_TITLE, "scale": x_scale,
                      "axis": {"tickMinStep": 1, "tickCount": {"expr": "max(3, floor(width / 60))"}}},
                # short enough for a phone; the long title is in the chart's description and tooltip
                "y": {"field": "y", "type": "quantitative", "title": "× longest 30 d", "scale": y_scale},
                "color": {"field": "group", "type": "nominal", "title": None,
                          "scale": {"domain": ["runs with cramps", "runs without cramps"],
                                    "range": [CRAMP_COLOR, RUN_COLOR]}},
                "shape": {"field": "group", "type": "nominal", "title": None,
                          "scale": {"domain": ["runs with cramps", "runs without cramps"], "range": ["cross", "circle"]}},
                "tooltip": [{"field": "run", "title": "run"}, {"field": "hi_text", "title": "heat index °C"},
                            {"field": "ratio_text", "title": "distance ÷ longest run of prior 30 days"},
                            {"field": "missing", "title": "missing"}]}}


CONTEXT_ROWS = ["during a run", "after a run", "at rest", "time not logged"]


def timeline_chart(analysis: Analysis) -> dict:
    """Every cramp in local time over the whole season, one row per context, shape by leg, size by severity."""
    tz = analysis.athlete.timezone
    runs = analysis.runs
    c = analysis.cramps
    start = end = None
    if len(runs):
        start = pd.to_datetime(runs["start_utc"], utc=True).min().tz_convert(tz)
        end = pd.to_datetime(runs["start_utc"], utc=True).max().tz_convert(tz)
    points = []
    from analyzer.report.content import CONTEXT_NAMES

    pad = pd.Timedelta(days=2)
    domain = None
    if start is not None:  # the runs' span: a cramp logged long after (or before) them never stretches the axis
        domain = [(start.tz_localize(None) - pad).strftime("%Y-%m-%d"), (end.tz_localize(None) + pad).strftime("%Y-%m-%d")]
    outside = 0
    for r in c.to_dict("records") if len(c) else []:
        t = r["time_utc"]
        if pd.notna(t):
            when = pd.Timestamp(t).tz_convert(tz).tz_localize(None)
        elif isinstance(r.get("date_local"), str) and r["date_local"]:
            when = pd.Timestamp(r["date_local"]) + pd.Timedelta(hours=12)
        else:
            continue
        if domain is not None and not (pd.Timestamp(domain[0]) <= when <= pd.Timestamp(domain[1])):
            outside += 1
            continue
        sev = r.get("severity")
        points.append({"t": when.strftime("%Y-%m-%dT%H:%M"), "row": CONTEXT_NAMES.get(r["context"], r["context"]),
                       "leg": "both legs" if r.get("leg") == "both" else r.get("leg"),
                       "size": 40 + 25 * (sev if isinstance(sev, (int, float)) and sev == sev else 1),
                       "label": f"cramp {int(r['cramp_row'])}: {leg_text(r.get('leg'), r.get('muscle'))}"
                                + (f", {severity_text(sev)}" if severity_text(sev) else "")})
    x = {"field": "t", "type": "temporal", "title": "date (local)",
         # about one date per 90 px of width, and a gap between labels: they never run together on a phone
         "axis": {"format": "%d %b", "labelOverlap": True, "labelSeparation": 8,
                  "tickCount": {"expr": "max(3, min(6, floor(width / 80)))"}}}
    if domain:
        x["scale"] = {"domain": domain}
    away = f"{outside} cramp{'s' if outside > 1 else ''} outside this span (in the cramp table)" if outside else ""
    if not points:
        span = f" between {start:%d %b} and {end:%d %b %Y}" if start is not None else ""
        return _message_chart(f"No cramps logged{span}." + (f" {away[0].upper()}{away[1:]}." if away else ""), 50)
    return {"$schema": "https://vega.github.io/schema/vega-lite/v6.json", "width": "container", "height": 130,
            "data": {"values": points}, "config": _CONFIG,
            "title": {"text": "Cramps over the season", "anchor": "start", "fontSize": 13,
                      "subtitle": ["marker size: severity", away] if away else "marker size: severity"},
            "mark": {"type": "point", "filled": True, "color": CRAMP_COLOR, "opacity": 0.9},
            "encoding": {"x": x, "y": {"field": "row", "type": "nominal", "title": None, "sort": CONTEXT_ROWS,
                                       "scale": {"domain": CONTEXT_ROWS}},
                         "shape": {"field": "leg", "type": "nominal", "title": "leg",
                                   "scale": {"domain": ["left", "right", "both legs"],
                                             "range": ["triangle-left", "triangle-right", "diamond"]}},
                         "size": {"field": "size", "type": "quantitative", "legend": None, "scale": None},
                         "tooltip": [{"field": "label", "title": "cramp"},
                                     {"field": "t", "type": "temporal", "title": "when", "format": "%a %d %b %H:%M"}]},
            "usermeta": {"cramps": len(points), "cramps_outside": outside}}
