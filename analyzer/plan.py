"""Before the run: a planned run against the conditions that came before this athlete's cramps.

The same rules and thresholds as the report (:mod:`analyzer.flags.rules`,
:mod:`analyzer.flags.thresholds`), asked forward: over-exertion (the planned distance against the
longest run of the 30 days before, the planned pace against the usual pace for the distance), heat
hour by hour from a forecast (heat index and WBGT with the report's physics,
:mod:`analyzer.metrics.heat` and :mod:`analyzer.weather.air`), the best start in a window that avoids the
heat conditions, heat acclimatisation as context, the fluid the athlete's own weigh-ins suggest,
and the athlete's other patterns as reminders. It says "conditions that came before your cramps",
never "you will cramp": training information, not medical advice.

References
----------
Frandsen JSB et al. 2025 (distance spike); Schwellnus MP et al. 2011a, b (faster than usual);
NWS heat index; Armstrong LE et al. 1996 (WBGT flags); Sawka MN et al. 2007 (2 % body mass);
Périard JD, Racinais S, Sawka MN 2015 (heat acclimation); Daanen HAM et al. 2018 (its decay);
Almond CSD et al. 2005 (drinking more than sweat loss). Full citations in
:mod:`analyzer.references`.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analyzer.analysis import Analysis, analyze
from analyzer.errors import InputError
from analyzer.flags import rules
from analyzer.flags.thresholds import source_of
from analyzer.formatting import format_heat_index, format_pace, off_chart_by_air
from analyzer.metrics.heat import (
    WBGT_ESTIMATE_SOURCE,
    heat_index_below_chart,
    heat_index_beyond_chart,
    heat_index_c,
    wbgt_estimate_c,
)
from analyzer.metrics.load import history_days, longest_prior, usual_speed
from analyzer.metrics.sun import cos_solar_zenith
from analyzer.model import ArchiveWeather, Athlete
from analyzer.references import REFERENCES
from analyzer.weather.air import add_liljegren_wbgt, air_from_archive, interpolate_weather

DEFAULT_WINDOW = ("05:00", "21:00")
"""The local hours a best start may fall in (the run also ends by the window's end)."""

START_STEP_MIN = 30
"""Candidate starts are this many minutes apart."""

SAMPLE_STEP_MIN = 5
"""The planned run's heat is sampled every 5 minutes (the forecast is hourly, interpolated)."""

DEFAULT_START = "08:00"
"""The planned start when neither ``start`` nor any earlier run gives one."""

DEFAULT_PACE_S_PER_KM = 360.0
"""The pace assumed (6:00 min/km) when neither ``pace`` nor any earlier run gives one; said in the notes."""

REMINDER = "Reminder (your history, not a prediction): "
"""What each reminder note opens with."""

BEST_START = "Best start: "
"""What each best-start note opens with."""

DISCLAIMER = ("This is training information, not medical advice. It lines a planned run up against the conditions "
              "that came before your logged cramps; it cannot predict a cramp, diagnose, or name a cause. See a "
              "clinician for cramps that are frequent, severe, one-sided, come with numbness, weakness, swelling or "
              "skin changes, come on with walking and ease with rest, or appear after a new medicine.")

CONDITION_COLUMNS = ["name", "pattern", "value", "threshold", "unit", "met", "history", "source", "detail",
                     "beyond_chart", "finding"]
"""The columns of :attr:`RunPlan.conditions` (the JSON contract's keys, plus ``detail``, ``beyond_chart`` and
``finding``: the detail without ``unknown:`` and the threshold, as the page's card says it)."""

OUTLOOK_COLUMNS = ["time_local", "temperature_c", "relative_humidity_pct", "heat_index_c", "wbgt_c", "wbgt_source",
                   "heat_index_met", "wbgt_met", "daylight", "in_planned_run", "heat_index_beyond_chart"]
"""The columns of :attr:`RunPlan.outlook`: one row per forecast hour of the planned local day."""

_LABELS = {
    "long_run_spike": ("over_exertion", "distance ≥ {thr:.2f} × the longest run of the {days:.0f} days before"),
    "faster_than_usual": ("over_exertion", "speed ≥ {thr:.2f} × usual for the distance"),
    "heat_index": ("dehydration_heat", "heat index ≥ {thr:.1f} °C"),
    "wbgt": ("dehydration_heat", "WBGT ≥ {thr:.1f} °C"),
}
_RUN_COLUMN = {"long_run_spike": "distance_ratio", "faster_than_usual": "pace_ratio", "heat_index": "heat_index_max_c",
               "wbgt": "wbgt_max_c"}
_THRESHOLD = {"long_run_spike": "long_run_spike_ratio", "faster_than_usual": "pace_faster_ratio",
              "heat_index": "heat_index_caution_c", "wbgt": "wbgt_high_c"}


@dataclass
class RunPlan:
    """What :func:`plan_run` found for one planned run.

    Attributes
    ----------
    athlete : str
        The athlete's id (folder name).
    name : str
    date : datetime.date
        The planned local date.
    start_utc : Timestamp
        The planned start (tz-aware UTC).
    timezone : str
    distance_km, pace_s_per_km, duration_s : float
    pace_source : str
        ``given``, ``usual for the distance``, ``median of your runs`` or ``assumed``.
    where : tuple of float or None
        The planned start's position (stays on this machine; only its 0.1° cell is sent).
    forecast_source : str
        ``file:<name>``, ``frame``, ``forecast:<provider> (<cell>)``, ``off`` or ``unavailable``.
    conditions : DataFrame
        One row per condition (:data:`CONDITION_COLUMNS`): ``met`` is True, False or None (unknown);
        ``beyond_chart`` says the heat index lies beyond the NWS chart.
    outlook : DataFrame
        The hourly outlook of the planned day (:data:`OUTLOOK_COLUMNS`); empty without a forecast.
    best_start : dict or None
        ``start_local`` (ISO 8601 with offset) and ``why``; ``None`` when no start in the window
        avoids the heat conditions, or the heat is unknown.
    acclimatisation : dict
        ``window_days``, ``runs``, ``hot_runs``, ``unknown_runs``, ``last_hot_date``, ``text``.
    fluid : dict or None
        ``weigh_ins``, ``similar_air``, ``sweat_rate_l_per_h``, ``sweat_loss_l``, ``drink_l`` (each a
        ``(low, high)`` pair), ``body_mass_kg``, ``text``; ``None`` without weigh-ins.
    notes : list of str
        Everything in words, in order: the headline, where the numbers came from, the best-start
        notes, context, reminders, the disclaimer (``to_text`` and the JSON's ``notes``).
    headline : str
        The key line: how many of the conditions the run meets (``notes[0]``).
    best_start_notes : list of str
        Why no best start could be suggested, or what was not checked (each in ``notes`` after
        :data:`BEST_START`).
    reminders : list of str
        The athlete's own patterns a plan says nothing about (each in ``notes`` after :data:`REMINDER`).
    other_notes : list of str
        The notes that are none of these, nor the acclimatisation or fluid text, nor the disclaimer.
    disclaimer : str
        :data:`DISCLAIMER` (the last note).
    analysis : Analysis
        The athlete's analysed history the plan was made from.
    window : (str, str)
        The local hours (``HH:MM``) a best start could use.
    """

    athlete: str
    name: str
    date: dt.date
    start_utc: pd.Timestamp
    timezone: str
    distance_km: float
    pace_s_per_km: float
    duration_s: float
    pace_source: str
    where: tuple[float, float] | None
    forecast_source: str
    conditions: pd.DataFrame
    outlook: pd.DataFrame
    best_start: dict | None
    acclimatisation: dict
    fluid: dict | None
    notes: list[str] = field(default_factory=list)
    analysis: Analysis | None = field(default=None, repr=False)
    window: tuple[str, str] = DEFAULT_WINDOW
    headline: str = ""
    best_start_notes: list[str] = field(default_factory=list)
    reminders: list[str] = field(default_factory=list)
    other_notes: list[str] = field(default_factory=list)

    @property
    def disclaimer(self) -> str:
        """:data:`DISCLAIMER` (the last note)."""
        return DISCLAIMER

    @property
    def start_local(self) -> pd.Timestamp:
        """The planned start in the athlete's time zone."""
        return self.start_utc.tz_convert(self.timezone)

    @property
    def met(self) -> list[str]:
        """Names of the conditions the planned run meets."""
        return [str(n) for n, m in zip(self.conditions["name"], self.conditions["met"], strict=True) if m is True]

    def to_dict(self) -> dict:
        """The JSON contract (docs/plan.md): unknown numbers are ``null``."""
        def num(v: object) -> float | None:
            return None if v is None or not isinstance(v, (int, float)) or not math.isfinite(float(v)) \
                else round(float(v), 3)

        conditions = [{"name": r["name"], "pattern": r["pattern"], "value": num(r["value"]),
                       "threshold": num(r["threshold"]), "unit": r["unit"], "met": r["met"],
                       "history": r["history"], "source": r["source"]} for r in self.conditions.to_dict("records")]
        return {
            "athlete": self.athlete, "date": self.date.isoformat(), "start_local": self.start_local.isoformat(),
            "distance_km": num(self.distance_km), "pace_s_per_km": num(self.pace_s_per_km),
            "forecast_source": self.forecast_source, "conditions": conditions,
            "best_start": dict(self.best_start) if self.best_start else None, "notes": list(self.notes),
        }

    def to_json(self) -> str:
        """:meth:`to_dict` as JSON text (UTF-8, indented)."""
        return json.dumps(self.to_dict(), ensure_ascii=False, indent=2)

    def to_text(self) -> str:
        """The plan as plain text, as ``analyzer plan`` prints it."""
        from analyzer.report.content import PATTERN_NAMES
        from analyzer.report.plan_page import _plain

        # the key line ("meets 3 of the 4 conditions ...") first, as the page's headline; the rest as notes
        key, *notes = self.notes or [""]
        lines = [self._headline(), f"Forecast: {self.forecast_source}", *([key] if key else []), "",
                 "Conditions that came before your cramps:"]
        for r in self.conditions.to_dict("records"):
            state = {True: "MET    ", False: "not met", None: "unknown"}[r["met"]]
            pattern = PATTERN_NAMES.get(r["pattern"], str(r["pattern"]).replace("_", " "))
            lines.append(f"  [{state}] {_plain(str(r['name']))} ({pattern}): {r['detail']}")
            lines.append(f"            history: {r['history']}")
        lines.append("")
        if self.best_start:
            lines.append(f"Best start: {self.best_start['start_local'][11:16]} ({self.best_start['why']})")
        else:
            lines.append("Best start: none to suggest (see the notes)")
        if len(self.outlook):
            lines += ["", "Hourly outlook (local time; * = during the planned run):"]
            for r in self.outlook.to_dict("records"):
                mark = "*" if r["in_planned_run"] else " "
                hot = " hot" if r["heat_index_met"] or r["wbgt_met"] else ""
                dark = "" if r["daylight"] is not False else " dark"
                hi = _hour_heat_index(r["heat_index_c"], bool(r.get("heat_index_beyond_chart", False)))
                lines.append(f"  {mark}{r['time_local'][11:16]}  air {_num(r['temperature_c'], '°C')}  "
                             f"humidity {_num(r['relative_humidity_pct'], '%', 0)}  heat index "
                             f"{hi}  WBGT {_num(r['wbgt_c'], '°C')}{hot}{dark}")
        lines += ["", "Notes:"] + [f"  - {n}" for n in notes]
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        """A self-contained HTML page of the plan (no scripts, no outside files), readable on a phone and a desk.

        Built by :func:`analyzer.report.plan_page.render_plan` from ``templates/plan.html.j2``.
        """
        from analyzer.report.plan_page import render_plan

        return render_plan(self)

    def _repr_html_(self) -> str:
        """The page in a frame of its own, so its style sheet never restyles the notebook around it."""
        import html

        return (f'<iframe title="{html.escape(self._headline())}" srcdoc="{html.escape(self.to_html(), quote=True)}" '
                'style="width:100%;height:900px;border:1px solid #e1e5e8;border-radius:4px"></iframe>')

    def __repr__(self) -> str:
        return (f"RunPlan({self.athlete!r}, {self.date.isoformat()}, {self.distance_km:g} km from "
                f"{self.start_local:%H:%M}, met={self.met}, best_start="
                f"{self.best_start['start_local'][11:16] if self.best_start else None})")

    def _headline(self) -> str:
        hours = self.duration_s / 3600
        return (f"Before the run: {self.name} ({self.athlete}), {self.date:%A} {self.date.isoformat()}, "
                f"{self.distance_km:g} km from {self.start_local:%H:%M} at {format_pace(self.pace_s_per_km)} min/km "
                f"(about {int(hours)} h {int(round(hours % 1 * 60)):02d} min; pace: {self.pace_source})")


def _hour_heat_index(heat_index_c: float, beyond_chart: bool) -> str:
    """An hour's heat index in the text outlook: the number, ``< 26.7 °C`` under the NWS chart,
    ``> 58 °C`` or ``off chart`` beyond it (never a number the chart does not give)."""
    cell = format_heat_index(heat_index_c, beyond_chart, "cell", under_chart=True)
    if not cell:
        return "-"
    return cell if off_chart_by_air(heat_index_c, beyond_chart) else f"{cell} °C"


def _num(value: object, unit: str, digits: int = 1) -> str:
    if value is None or not isinstance(value, (int, float)) or not math.isfinite(float(value)):
        return "-"
    return f"{float(value):.{digits}f} {unit}"


# ---------------------------------------------------------------- parsing the plan's inputs

def _parse_date(value: dt.date | str) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise ValueError(f"date {value!r} is not a date like 2024-06-30") from None


def _parse_clock(value: dt.time | str, what: str) -> dt.time:
    if isinstance(value, dt.time):
        return value
    try:
        h, m = str(value).strip().split(":")
        return dt.time(int(h), int(m))
    except ValueError:
        raise ValueError(f"{what} {value!r} is not a time like 07:30") from None


def _parse_pace(value: float | str | None) -> float | None:
    if value is None:
        return None
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        try:
            m, s = str(value).strip().split(":")
            seconds = int(m) * 60 + float(s)
            if not 0 <= float(s) < 60:
                raise ValueError
        except ValueError:
            raise ValueError(f"pace {value!r} is not like 5:30 (min:s per km)") from None
    if not math.isfinite(seconds) or not 120 <= seconds <= 1800:
        raise ValueError(f"pace {value!r} is outside 2:00–30:00 min/km")
    return seconds


def _parse_where(value: tuple[float, float] | str | None) -> tuple[float, float] | None:
    if value is None:
        return None
    try:
        lat, lon = (float(v) for v in (value.split(",") if isinstance(value, str) else value))
    except (ValueError, TypeError):
        raise ValueError(f"where {value!r} is not like 40.42,-3.70 (latitude,longitude)") from None
    if not (math.isfinite(lat) and math.isfinite(lon) and abs(lat) <= 90 and abs(lon) <= 180):
        raise ValueError(f"where {value!r} is outside latitude ±90, longitude ±180")
    return lat, lon


def _localize(day: dt.date, clock: dt.time, tz: str) -> pd.Timestamp:
    local = pd.Timestamp(dt.datetime.combine(day, clock))
    return local.tz_localize(tz, nonexistent="shift_forward", ambiguous=True).tz_convert("UTC")


# ---------------------------------------------------------------- the history

def _last_position(athlete: Athlete, before: pd.Timestamp) -> tuple[tuple[float, float] | None, str]:
    """The start of the athlete's most recent outdoor run (a run with a position) before ``before``."""
    best = None
    for act in athlete.legs:
        start = act.start_time
        if start is None or pd.isna(start) or start >= before or (best is not None and start <= best[0]):
            continue
        pos = act.first_position()  # a run kept from an earlier report answers without reading its file
        if pos is not None:
            best = (start, pos, act.source)
    if best is None:
        return None, ""
    day = best[0].tz_convert(athlete.timezone).date().isoformat()
    return best[1], f"the start of your most recent outdoor run ({best[2]}, {day})"


def _history_text(history: pd.DataFrame, name: str, th: dict[str, float]) -> str:
    """How often this athlete's cramp runs (and other runs) came with the condition."""
    column, thr = _RUN_COLUMN[name], th[_THRESHOLD[name]]
    label = _LABELS[name][1].format(thr=thr, days=th["long_run_history_days"])
    if not len(history):
        return "no earlier runs to compare with"
    cramp = history["had_cramp"].astype(bool)
    if not cramp.any():
        return f"none of your {len(history)} earlier runs came with a cramp, so there is nothing to line up"
    values = history[column].astype(float)
    known = values.notna()
    cr, ot = values[cramp & known], values[~cramp & known]
    text = (f"{int((cr >= thr).sum())} of your {len(cr)} cramp runs had {label}; "
            f"{int((ot >= thr).sum())} of {len(ot)} runs without cramps did")
    missing = int((cramp & ~known).sum())
    if missing:
        text += f" ({missing} cramp run{'s' if missing > 1 else ''} without this number)"
    return text


# ---------------------------------------------------------------- the forecast along the day

def _read_forecast(forecast: object, tz: str, where: tuple[float, float] | None, day: dt.date,
                   forecast_url: str | None, today: dt.date | None, notes: list[str]) -> tuple[pd.DataFrame | None, str, str]:
    """``(hourly frame, kind, source)``; kind ``csv`` (weather.csv columns) or ``provider`` (archive columns)."""
    if isinstance(forecast, pd.DataFrame):
        kind = "provider" if "solar_w_m2" in forecast else "csv"
        return forecast, kind, "frame"
    if forecast is None or forecast == "off":
        notes.append("Forecast off: the heat conditions are unknown for this run (distance and pace are assessed).")
        return None, "", "off"
    if forecast == "auto":
        if where is None:
            notes.append("No forecast: no position for the run (no outdoor run with GPS, and no --where given), so "
                         "the heat conditions are unknown (distance and pace are assessed).")
            return None, "", "unavailable"
        from analyzer.weather.forecast import fetch_forecast

        got = fetch_forecast(where[0], where[1], day, url=forecast_url, today=today)
        if got.hours is None:
            notes.append(f"No forecast: {got.why_not}; the heat conditions are unknown (distance and pace are assessed).")
            return None, "", "unavailable"
        if got.attribution:
            notes.append(f"Forecast data: {got.attribution}, open-meteo.com; licence CC BY 4.0.")
        return got.hours, "provider", got.source
    path = Path(os.fspath(forecast))
    if not path.is_file():
        raise InputError(path, "", "forecast file not found (give a CSV in the weather.csv format, auto or off)")
    from analyzer.io.logs import read_weather

    frame, problems = read_weather(path, tz)
    for p in problems:
        notes.append(f"Forecast file problem: {p}")
    if frame.empty:
        notes.append(f"No usable rows in {path.name}: the heat conditions are unknown.")
        return None, "", f"file:{path.name}"
    return frame, "csv", f"file:{path.name}"


def _air_on_grid(hours: pd.DataFrame, kind: str, times: pd.DatetimeIndex,
                 where: tuple[float, float] | None) -> tuple[pd.DataFrame, str]:
    """Air temperature, humidity, heat index and WBGT at ``times`` (the report's physics)."""
    if kind == "csv":
        frame = interpolate_weather(times, hours, ["temperature_c", "relative_humidity_pct", "wbgt_c"])
        wbgt_source = "measured (forecast file)" if "wbgt_c" in frame and frame["wbgt_c"].notna().any() else ""
    else:
        lat, lon = where if where is not None else (np.nan, np.nan)
        archive = ArchiveWeather(hours, "forecast", "", 0.0, lat, lon)
        frame = air_from_archive(times, archive)
        if where is not None:
            add_liljegren_wbgt(frame, archive)
        wbgt_source = "Liljegren model (forecast sun and wind)" if "wbgt_c" in frame and frame["wbgt_c"].notna().any() else ""
    for c in ("temperature_c", "relative_humidity_pct"):
        if c not in frame:
            frame[c] = np.nan
    temp, rh = frame["temperature_c"].to_numpy(float), frame["relative_humidity_pct"].to_numpy(float)
    frame["heat_index_c"] = heat_index_c(temp, rh)
    frame["beyond_chart"] = heat_index_beyond_chart(temp, rh)
    estimate = WBGT_ESTIMATE_SOURCE
    if not wbgt_source:
        frame["wbgt_c"] = wbgt_estimate_c(temp, rh)
        wbgt_source = estimate
    elif frame["wbgt_c"].isna().any():  # hours the file or the model leaves without one: estimated, and said
        frame["wbgt_c"] = frame["wbgt_c"].fillna(pd.Series(wbgt_estimate_c(temp, rh), index=frame.index))
        wbgt_source = f"{wbgt_source}; {estimate} where it has none"
    if where is not None:
        frame["cos_zenith"] = cos_solar_zenith(times, where[0], where[1])
    return frame, wbgt_source


def _run_times(start: pd.Timestamp, duration_s: float) -> pd.DatetimeIndex:
    """Every :data:`SAMPLE_STEP_MIN` minutes from the start, and the end itself."""
    end = start + pd.Timedelta(seconds=duration_s)
    times = pd.date_range(start, end, freq=f"{SAMPLE_STEP_MIN}min")
    return times.append(pd.DatetimeIndex([end])).unique() if times[-1] != end else times


def _heat_of(hours: pd.DataFrame, kind: str, where: tuple[float, float] | None, start: pd.Timestamp,
             duration_s: float) -> tuple[dict | None, str]:
    """Maximum heat index and WBGT over a run from ``start`` (and the WBGT's source); ``None`` unless
    the forecast covers all of it."""
    part, wbgt_source = _air_on_grid(hours, kind, _run_times(start, duration_s), where)
    if part[["temperature_c", "relative_humidity_pct"]].isna().any().any():
        return None, wbgt_source
    daylight = None
    if "cos_zenith" in part:
        daylight = bool(part["cos_zenith"].iloc[0] > 0 and part["cos_zenith"].iloc[-1] > 0)
    return ({"heat_index_c": float(part["heat_index_c"].max()), "beyond_chart": bool(part["beyond_chart"].any()),
             "wbgt_c": float(part["wbgt_c"].max()), "air_c": float(part["temperature_c"].mean()),
             "air_max_c": float(part["temperature_c"].max()),
             "daylight": daylight}, wbgt_source)


def _heat_met(heat: dict | None, wbgt_source: str, th: dict[str, float]) -> tuple[bool | None, bool | None]:
    if heat is None:
        return None, None
    hi = bool(rules.check_heat_index(heat["heat_index_c"], th, heat["beyond_chart"]))
    wb = bool(rules.check_wbgt(heat["wbgt_c"], wbgt_source, th))
    return hi, wb


# ---------------------------------------------------------------- context: acclimatisation, fluid, reminders

HOT_RUN_COLUMNS = ("heat_index_max_c", "heat_index_beyond_chart", "wbgt_max_c", "wbgt_source")
"""The columns of the runs table that decide whether a run was hot (:func:`is_hot_run`)."""


def is_hot_run(run: Mapping[str, object], th: dict[str, float]) -> bool:
    """Whether a run (a row of the runs table, as a dict) was hot by the report's heat rules: its heat
    index or its WBGT is flagged (:func:`analyzer.flags.rules.check_heat_index`, ``check_wbgt``).

    References
    ----------
    Périard JD, Racinais S, Sawka MN 2015, Scand J Med Sci Sports 25(Suppl 1):20–38.
    """
    return bool(rules.check_heat_index(run.get("heat_index_max_c"), th, bool(run.get("heat_index_beyond_chart", False)))
                or rules.check_wbgt(run.get("wbgt_max_c"), str(run.get("wbgt_source") or ""), th))


def acclimatisation_window(dates: list[str], day: dt.date, th: dict[str, float]) -> list[int]:
    """Positions of the runs (by their local ISO date) in the ``heat_acclimatisation_days`` before ``day``,
    its own runs not counted: the window :func:`acclimatisation` counts hot runs in (its References)."""
    first, stop = (day - dt.timedelta(days=int(th["heat_acclimatisation_days"]))).isoformat(), day.isoformat()
    return [i for i, d in enumerate(dates) if first <= d < stop]


def acclimatisation(runs: pd.DataFrame, day: dt.date, th: dict[str, float]) -> dict:
    """Hot runs (by the report's heat rules) in the ``heat_acclimatisation_days`` before ``day``.

    A run is hot when the report's ``heat_index`` or ``wbgt`` rule flags it; a run without air
    temperature is counted as unknown, never as cool.

    Parameters
    ----------
    runs : DataFrame
        The runs table (:data:`analyzer.metrics.runs.RUN_COLUMNS`): ``date_local``,
        ``heat_index_max_c``, ``heat_index_beyond_chart``, ``wbgt_max_c``, ``wbgt_source``.
    day : date
        The planned local date (its own runs are not counted).
    th : dict
        Thresholds.

    Returns
    -------
    dict
        ``window_days``, ``runs``, ``hot_runs``, ``unknown_runs``, ``last_hot_date`` (ISO date or
        ``None``), ``days_since_hot`` (whole days, or ``None``; its whole weeks are what every
        sentence says), ``text``.

    References
    ----------
    Périard JD, Racinais S, Sawka MN 2015, Scand J Med Sci Sports 25(Suppl 1):20–38 (adaptations
    develop over about 5–14 days of repeated heat exposure). Daanen HAM, Racinais S, Périard JD
    2018, Sports Med 48:409–430 (they decay without heat, about 2.5 % a day for heart rate and core
    temperature).
    """
    days = int(th["heat_acclimatisation_days"])
    before = runs[runs["date_local"].astype(str) < day.isoformat()] if len(runs) else runs
    hot, unknown = [], []
    for r in before.to_dict("records"):
        hi, wb = r.get("heat_index_max_c"), r.get("wbgt_max_c")
        known = any(isinstance(v, (int, float)) and math.isfinite(v) for v in (hi, wb))
        hot.append(is_hot_run(r, th))
        unknown.append(not known)
    before = before.assign(_hot=hot, _unknown=unknown) if len(before) else before.assign(_hot=[], _unknown=[])
    window = before.iloc[acclimatisation_window(before["date_local"].astype(str).tolist(), day, th)]
    n, n_hot, n_unknown = len(window), int(window["_hot"].sum()), int(window["_unknown"].sum())
    hot_dates = sorted(before.loc[before["_hot"].astype(bool), "date_local"].astype(str))
    last_hot = hot_dates[-1] if hot_dates else None
    days_since_hot = (day - dt.date.fromisoformat(last_hot)).days if last_hot else None
    rule = f"heat index ≥ {th['heat_index_caution_c']:.1f} °C or WBGT ≥ {th['wbgt_high_c']:.0f} °C"
    text = (f"Heat acclimatisation (context, not a flag): {n_hot} of your {n} run{'s' if n != 1 else ''} in the "
            f"{days} days before {day.isoformat()} {'was' if n_hot == 1 else 'were'} hot by the report's heat rules "
            f"({rule})")
    text += f"; {n_unknown} had no air temperature" if n_unknown else ""
    if last_hot is None:
        text += "; no earlier run of yours was hot."
    elif n_hot == 0:
        text += f"; your last hot run was on {last_hot}, {days_since_hot} days ({days_since_hot // 7} weeks) before."
    else:
        text += "."
    text += (" Heat acclimation builds over about 5–14 days of repeated exercise in the heat (Périard et al. 2015) "
             "and fades without heat, by about 2.5 % a day for heart rate and core temperature (Daanen et al. 2018).")
    return {"window_days": days, "runs": n, "hot_runs": n_hot, "unknown_runs": n_unknown, "last_hot_date": last_hot,
            "days_since_hot": days_since_hot, "text": text, "source": "; ".join(REFERENCES[k].full() for k in ("periard2015", "daanen2018"))}


def body_mass_for_fluid(athlete: Athlete) -> float:
    """The pre-run mass of the last weigh-in row that has one, else the profile's ``body_mass_kg``, else NaN."""
    w = athlete.weigh_ins
    profile = athlete.profile.get("body_mass_kg")
    mass = float(profile) if isinstance(profile, (int, float)) else np.nan
    if len(w) and "mass_before_kg" in w and w["mass_before_kg"].notna().any():
        known = w[w["mass_before_kg"].notna()]
        mass = float(known["mass_before_kg"].iloc[-1])
    return mass


def expected_fluid(sweat_rates_l_per_h: pd.Series, air_c: pd.Series, planned_air_c: float, duration_s: float,
                   body_mass_kg: float, th: dict[str, float]) -> dict | None:
    """Expected sweat loss for the planned run from the athlete's own sweat rates, as a range.

    Uses the weigh-in runs whose mean air was within ``similar_air_c`` of the planned run's
    forecast mean air (all weigh-in runs, said so, when none was or the forecast is unknown). The
    sweat loss is ``rate × hours`` (1 kg ≈ 1 L); the drinking that would keep the body-mass loss
    under ``body_mass_loss_pct`` is ``loss − pct/100 × body mass``, never below 0.

    Returns
    -------
    dict or None
        ``weigh_ins``, ``similar_air`` (bool), ``sweat_rate_l_per_h``, ``sweat_loss_l``,
        ``drink_l`` (``(low, high)`` pairs), ``allowed_loss_kg``, ``body_mass_kg``; ``None``
        when no sweat rate is known.

    References
    ----------
    Baker LB 2017, Sports Med 47(Suppl 1):111–128 (sweat rate from weigh-ins); Sawka MN et al.
    2007, Med Sci Sports Exerc 39:377–390 (the 2 % limit).

    Examples
    --------
    >>> f = expected_fluid(pd.Series([1.5, 2.0]), pd.Series([30.0, 31.0]), 30.0, 5400, 60.0,
    ...                    {"similar_air_c": 5.0, "body_mass_loss_pct": 2.0})
    >>> f["sweat_loss_l"], f["drink_l"]
    ((2.25, 3.0), (1.05, 1.8))
    """
    rates = pd.Series(sweat_rates_l_per_h, dtype=float).reset_index(drop=True)
    air = pd.Series(air_c, dtype=float).reset_index(drop=True)
    ok = rates.notna() & np.isfinite(rates)
    if not ok.any():
        return None
    similar = ok & (air - planned_air_c).abs().le(th["similar_air_c"]) if math.isfinite(planned_air_c) else ok & False
    use = similar if similar.any() else ok
    lo, hi = float(rates[use].min()), float(rates[use].max())
    hours = duration_s / 3600
    loss = (round(lo * hours, 2), round(hi * hours, 2))
    allowed = body_mass_kg * th["body_mass_loss_pct"] / 100 if math.isfinite(body_mass_kg) else np.nan
    drink = ((round(max(0.0, loss[0] - allowed), 2), round(max(0.0, loss[1] - allowed), 2))
             if math.isfinite(allowed) else (np.nan, np.nan))
    return {"weigh_ins": int(use.sum()), "similar_air": bool(similar.any()), "sweat_rate_l_per_h": (round(lo, 2), round(hi, 2)),
            "sweat_loss_l": loss, "drink_l": drink, "allowed_loss_kg": allowed, "body_mass_kg": body_mass_kg}


def _fluid_text(f: dict, planned_air_c: float, th: dict[str, float], lower_bound: bool) -> str:
    def rng(pair: tuple[float, float], digits: int = 1) -> str:
        a, b = (f"{v:.{digits}f}" for v in pair)
        return a if a == b else f"{a}–{b}"

    n = f["weigh_ins"]
    which = (f"{n} weigh-in run{'s' if n > 1 else ''} in similar air (within {th['similar_air_c']:.0f} °C of the "
             f"forecast {planned_air_c:.0f} °C)" if f["similar_air"] else
             f"{n} weigh-in run{'s' if n > 1 else ''} (none in air like the forecast's, so all of them)")
    text = (f"Fluid (from your {which}): sweat rates {rng(f['sweat_rate_l_per_h'], 2)} L/h, so about "
            f"{rng(f['sweat_loss_l'])} L of sweat over this run.")
    if math.isfinite(f["allowed_loss_kg"]):
        text += (f" Keeping body-mass loss under {th['body_mass_loss_pct']:.0f} % ({f['allowed_loss_kg']:.2f} kg of "
                 f"{f['body_mass_kg']:.1f} kg; ACSM, Sawka et al. 2007) would take drinking about {rng(f['drink_l'])} L "
                 "over the run.")
    text += (" Caveats: 1 kg of mass lost counts as 1 L of sweat; your sweat rate changes with pace, sun and wind; "
             "drinking more than you sweat can dilute blood sodium (Almond et al. 2005); this is arithmetic on your "
             "weigh-ins, not advice on what to drink.")
    if lower_bound:
        text += " Some of these weigh-ins logged no fluid drunk, so their sweat rates are lower bounds."
    return text


def _reminders(analysis: Analysis) -> list[str]:
    """The reminders of the athlete's history (one-leg, night, medicines), each shown after :data:`REMINDER`."""
    flags = analysis.flags
    out = []
    if not len(flags):
        return out
    for f in flags[(flags["scope"] == "athlete") & (flags["pattern"] == "one_leg")].to_dict("records"):
        out.append(str(f["message"]))
    night = flags[(flags["scope"] == "cramp") & (flags["pattern"] == "night")]
    if len(night):
        n = night["cramp_row"].nunique()
        out.append(f"{n} of your cramps came at rest at night, well after any run; a planned run's conditions say "
                   "nothing about them.")
    for f in flags[(flags["scope"] == "athlete") & (flags["pattern"] == "medication")].to_dict("records"):
        out.append(str(f["message"]))
    return out


# ---------------------------------------------------------------- the plan

def plan_run(athlete: Athlete | Analysis | str | os.PathLike, date: dt.date | str, distance_km: float,
             start: dt.time | str | None = None, pace: float | str | None = None,
             where: tuple[float, float] | str | None = None, forecast: object = "auto",
             window: tuple[str, str] = DEFAULT_WINDOW, thresholds: Mapping[str, object] | None = None,
             forecast_url: str | None = None, today: dt.date | None = None) -> RunPlan:
    """Line a planned run up against the conditions that came before this athlete's cramps.

    Parameters
    ----------
    athlete : Athlete, Analysis or path
        From :func:`analyzer.load_athlete` (or :func:`analyzer.analyze`), or an athlete folder.
    date : date or str
        The planned local date (``YYYY-MM-DD``).
    distance_km : float
        Planned distance (0 < km ≤ 300).
    start : time or str, optional
        Planned local start ``HH:MM``; default the median start of your earlier runs (to the half
        hour), else 08:00.
    pace : float or str, optional
        Seconds per km or ``M:SS``; default your usual pace for the distance (the report's
        ``faster_than_usual`` comparison runs), else the median of your runs.
    where : (lat, lon) or str, optional
        The start's position; default the start of your most recent outdoor run. Only its 0.1°
        grid cell is ever sent.
    forecast : {"auto", "off"}, path or DataFrame
        ``auto`` asks the forecast service (:mod:`analyzer.weather.forecast`; offline, the heat
        is said to be unknown and the rest assessed); a CSV path in the ``weather.csv`` format (local
        times, hourly); a DataFrame indexed by UTC time with ``temperature_c`` and
        ``relative_humidity_pct``; ``off``.
    window : (str, str)
        Local hours a best start may use (default 05:00–21:00); with a position, only daylight
        starts count (the sun above the horizon at the start and the end).
    thresholds : mapping, optional
        Overrides by name, as for :func:`analyzer.analyze`.
    forecast_url : str, optional
        Another address for the forecast service (default ``$CRAMP_FORECAST_URL``).
    today : date, optional
        Today's date for the forecast's reach (16 days ahead, 92 back); default the clock's.

    Returns
    -------
    RunPlan

    Raises
    ------
    ValueError
        A date, time, pace, position or distance that cannot be read.
    InputError
        A forecast file that does not exist.
    """
    day = _parse_date(date)
    distance = _parse_distance_km(distance_km)
    given_pace = _parse_pace(pace)
    given_where = _parse_where(where)
    w_start, w_end = (_parse_clock(w, "window") for w in window)
    given_start = _parse_clock(start, "start") if start is not None else None

    a = _analysis_for_plan(athlete, thresholds)
    ath, th, tz = a.athlete, a.thresholds, a.athlete.timezone
    notes: list[str] = []
    runs = a.runs
    history = runs[runs["date_local"].astype(str) < day.isoformat()].reset_index(drop=True) if len(runs) else runs
    if given_start is None:
        given_start = _usual_start(history, tz, notes)
    start_utc = _localize(day, given_start, tz)

    # over-exertion: the planned run as one more row of the runs table, the report's history functions
    past = _history_at_start(history, start_utc, distance, th)
    pace_s, pace_source = _planned_pace(given_pace, past, history)
    duration_s = distance * pace_s
    conditions = _exertion_conditions(distance, pace_s, past, history, th)

    # heat, hour by hour
    position, where_text = (given_where, "given") if given_where is not None else _last_position(ath, start_utc)
    if given_where is None and position is not None:
        notes.append(f"Where: {where_text}.")
    hours, kind, source = _read_forecast(forecast, tz, position, day, forecast_url, today, notes)
    heat, wbgt_source, (hi_met, wb_met), outlook, best, best_notes = _forecast_heat(
        (hours, kind, position), day, (w_start, w_end), start_utc, duration_s, th, tz, notes)
    if position is not None or not best_notes:  # without a position the best-start note says daylight was not checked
        daylight = _daylight_note(position, "the position given" if given_where is not None else
                                  "the start of your most recent outdoor run", start_utc, duration_s, tz)
        notes += [daylight] if daylight else []
    other = list(notes)
    notes += [BEST_START + n for n in best_notes]
    conditions += _heat_conditions(heat, wbgt_source, (hi_met, wb_met), (start_utc, duration_s, tz), history, th)
    cond = pd.DataFrame(conditions, columns=CONDITION_COLUMNS)
    headline = _plan_headline(cond, history)
    notes.insert(0, headline)

    # context
    acc = _plan_acclimatisation(runs, day, th, bool(hi_met or wb_met))
    notes.append(acc["text"])
    fluid = _plan_fluid(history, heat, duration_s, ath, th)
    if fluid is not None:
        notes.append(fluid["text"])
    reminders = _reminders(a)
    notes += [REMINDER + r for r in reminders]
    if a.problems:
        other.append(f"{len(a.problems)} input problem{'s' if len(a.problems) > 1 else ''} in the athlete folder "
                     "(see analyzer report's errors.csv); the history above leaves those rows out.")
        notes.append(other[-1])
    notes.append(DISCLAIMER)
    return RunPlan(ath.id, ath.name, day, start_utc, tz, distance, pace_s, duration_s, pace_source, position, source,
                   cond, outlook, best, acc, fluid, notes, a, (f"{w_start:%H:%M}", f"{w_end:%H:%M}"),
                   headline=headline, best_start_notes=best_notes, reminders=reminders, other_notes=other)


def _parse_distance_km(value: float | str) -> float:
    """The planned distance in km, a number in (0, 300]."""
    try:
        distance = float(value)
    except (TypeError, ValueError):
        raise ValueError(f"distance_km {value!r} is not a number") from None
    if not math.isfinite(distance) or not 0 < distance <= 300:
        raise ValueError(f"distance_km {value!r} is outside 0–300 km")
    return distance


def _analysis_for_plan(athlete: Athlete | Analysis | str | os.PathLike,
                       thresholds: Mapping[str, object] | None) -> Analysis:
    """The athlete's analysis the plan is lined up against (loaded and analysed as needed, with the overrides)."""
    if isinstance(athlete, Analysis):
        return analyze(athlete.athlete, thresholds=thresholds) if thresholds else athlete
    if not isinstance(athlete, Athlete):
        from analyzer.io.athlete import load_athlete

        athlete = load_athlete(athlete)
    return analyze(athlete, thresholds=thresholds)


def _usual_start(history: pd.DataFrame, tz: str, notes: list[str]) -> dt.time:
    """The median local start of the earlier runs to the half hour (else 08:00), said in ``notes``."""
    if len(history):
        local = pd.DatetimeIndex(history["start_utc"]).tz_convert(tz)
        minutes = float(np.median(local.hour * 60 + local.minute))
        minutes = int(round(minutes / START_STEP_MIN) * START_STEP_MIN) % (24 * 60)
        usual = dt.time(minutes // 60, minutes % 60)
        notes.append(f"Start: {usual:%H:%M}, the usual start of your earlier runs (none was given).")
        return usual
    notes.append(f"Start: {DEFAULT_START} assumed (none was given and there are no earlier runs).")
    return _parse_clock(DEFAULT_START, "start")


def _history_at_start(history: pd.DataFrame, start_utc: pd.Timestamp, distance_km: float,
                      th: dict[str, float]) -> dict:
    """The history before the planned run: days known, longest prior run (km), usual speed (m/s) over similar runs."""
    table = pd.DataFrame({"start_utc": list(history["start_utc"]) + [start_utc],
                          "distance_km": list(history["distance_km"].astype(float)) + [distance_km],
                          "speed_mps": list(history["speed_mps"].astype(float)) + [np.nan]})
    table["start_utc"] = pd.to_datetime(table["start_utc"], utc=True)
    k = len(table) - 1
    usual, count = usual_speed(table, th["faster_than_usual_window_days"], th["similar_distance_fraction"])
    usual_mps, n_similar = float(usual.iloc[k]), int(count.iloc[k])
    return {"days_known": float(history_days(table).iloc[k]),
            "longest_km": float(longest_prior(table, th["long_run_history_days"]).iloc[k]),
            "usual_mps": usual_mps, "n_similar": n_similar,
            "usual_ok": n_similar >= th["faster_than_usual_min_runs"] and math.isfinite(usual_mps)}


def _planned_pace(given_pace: float | None, past: dict, history: pd.DataFrame) -> tuple[float, str]:
    """The planned pace (s/km) and where it comes from: given, the usual for the distance, the median, assumed."""
    if given_pace is not None:
        return given_pace, "given"
    if past["usual_ok"]:
        return 1000.0 / past["usual_mps"], "your usual for this distance"
    if len(history) and history["pace_s_per_km"].notna().any():
        return float(history["pace_s_per_km"].median()), "the median of your runs"
    return DEFAULT_PACE_S_PER_KM, "assumed (no earlier runs)"


def _exertion_conditions(distance: float, pace_s: float, past: dict, history: pd.DataFrame,
                         th: dict[str, float]) -> list[dict]:
    """The long-run spike and faster-than-usual conditions of the planned run."""
    days_known, longest = past["days_known"], past["longest_km"]
    usual_mps, n_similar, usual_ok = past["usual_mps"], past["n_similar"], past["usual_ok"]
    conditions = []
    spike_ratio = distance / longest if days_known >= th["long_run_history_days"] and longest > 0 else np.nan
    row = pd.Series({"distance_ratio": spike_ratio, "distance_km": distance, "longest_prior_30d_km": longest})
    met = bool(rules.check_long_run_spike(row, th)) if math.isfinite(spike_ratio) else None
    conditions.append(_condition("long_run_spike", spike_ratio, "ratio", met,
                                 _spike_detail(distance, longest, spike_ratio, days_known, th), history, th))

    pace_ratio = (1000.0 / pace_s) / usual_mps if usual_ok else np.nan
    row = pd.Series({"pace_ratio": pace_ratio, "usual_speed_mps": usual_mps, "pace_s_per_km": pace_s,
                     "n_comparison_runs": n_similar})
    met = bool(rules.check_faster_than_usual(row, th)) if usual_ok else None
    detail = (f"{format_pace(pace_s)} min/km vs your usual {format_pace(1000.0 / usual_mps)} min/km over "
              f"{n_similar} similar runs: {pace_ratio:.2f} ×"
              if usual_ok else
              f"{n_similar} runs of similar distance in the {th['faster_than_usual_window_days']:.0f} days "
              f"before ({th['faster_than_usual_min_runs']:.0f} needed)")
    conditions.append(_condition("faster_than_usual", pace_ratio, "ratio", met, detail, history, th))
    return conditions


def _forecast_heat(forecast: tuple, day: dt.date, window: tuple[dt.time, dt.time], start_utc: pd.Timestamp,
                   duration_s: float, th: dict[str, float], tz: str, notes: list[str]) -> tuple:
    """The forecast heat of the planned run: heat, WBGT source, (heat index met, WBGT met), outlook, best start
    and its notes; unknown (empty) without a forecast."""
    hours, kind, position = forecast
    outlook = pd.DataFrame(columns=OUTLOOK_COLUMNS)
    best = None
    best_notes: list[str] = []
    heat = None
    hi_met = wb_met = None
    wbgt_source = ""
    if hours is not None:
        day_start = _localize(day, dt.time(0, 0), tz)
        day_end = _localize(day + dt.timedelta(days=1), dt.time(0, 0), tz)
        grid_end = max(day_end, start_utc) + pd.Timedelta(seconds=duration_s) + pd.Timedelta(minutes=SAMPLE_STEP_MIN)
        grid_times = pd.date_range(min(day_start, start_utc), grid_end, freq=f"{SAMPLE_STEP_MIN}min")
        grid, _ = _air_on_grid(hours, kind, grid_times, position)
        heat, wbgt_source = _heat_of(hours, kind, position, start_utc, duration_s)
        hi_met, wb_met = _heat_met(heat, wbgt_source, th)
        if heat is None:
            notes.append("The forecast does not cover the whole planned run: the heat conditions are unknown.")
        outlook = _outlook(grid, day_start, day_end, start_utc, duration_s, wbgt_source, th, tz)
        best = _best_start((hours, kind, position), day, window, start_utc, duration_s, th, tz, heat,
                           best_notes)
    return heat, wbgt_source, (hi_met, wb_met), outlook, best, best_notes


def _heat_conditions(heat: dict | None, wbgt_source: str, met: tuple[bool | None, bool | None], run: tuple,
                     history: pd.DataFrame, th: dict[str, float]) -> list[dict]:
    """The heat index and WBGT conditions of the planned run (``run``: its UTC start, duration in s, time zone)."""
    start_utc, duration_s, tz = run
    hi_met, wb_met = met
    when = f"{start_utc.tz_convert(tz):%H:%M}–{(start_utc + pd.Timedelta(seconds=duration_s)).tz_convert(tz):%H:%M}"
    if heat is not None:
        if _under_chart(heat):  # no heat-stress number, and below the air: said as such, with the air
            hi_detail = (f"forecast heat index {format_heat_index(heat['heat_index_c'], under_chart=True)} over "
                         f"{when}, air up to {heat['air_max_c']:.1f} °C")
        else:
            shown = format_heat_index(heat["heat_index_c"], heat["beyond_chart"])
            hi_detail = f"forecast heat index up to {shown} over {when}"
        wb_detail = f"forecast WBGT up to {heat['wbgt_c']:.1f} °C over {when}, {wbgt_source}"
    else:
        hi_detail = wb_detail = "no forecast for the planned hours"
    return [_condition("heat_index", heat["heat_index_c"] if heat else np.nan, "°C", hi_met, hi_detail,
                       history, th, beyond_chart=bool(heat and heat["beyond_chart"])),
            _condition("wbgt", heat["wbgt_c"] if heat else np.nan, "°C", wb_met, wb_detail, history, th)]


def _plan_headline(cond: pd.DataFrame, history: pd.DataFrame) -> str:
    """The plan's first line: how many conditions the run meets, against the cramp runs so far."""
    n_met = sum(1 for m in cond["met"] if m is True)
    cramp_runs = int(history["had_cramp"].astype(bool).sum()) if len(history) else 0
    if cramp_runs:
        return (f"This run meets {n_met} of the {len(cond)} conditions that came before cramps in your history "
                f"({cramp_runs} cramp run{'s' if cramp_runs != 1 else ''} so far). Conditions, not a prediction.")
    return (f"No cramp of yours came during or just after a run, so there is nothing to line these "
            f"conditions up with; this run meets {n_met} of the {len(cond)} conditions the report checks.")


def _plan_acclimatisation(runs: pd.DataFrame, day: dt.date, th: dict[str, float], hot: bool) -> dict:
    """The acclimatisation before the planned day; a hot planned run after none says it is the first."""
    acc = acclimatisation(runs, day, th)
    acc_text = acc["text"]
    # only where every run of the window had an air temperature: an unknown one may have been hot
    if hot and acc["hot_runs"] == 0 and acc["unknown_runs"] == 0:
        if acc["last_hot_date"] is None:
            acc_text += " This would be your first hot run on record."
        else:
            acc_text += f" This would be your first hot run after {acc['days_since_hot'] // 7} cooler weeks."
    acc["text"] = acc_text
    return acc


def _plan_fluid(history: pd.DataFrame, heat: dict | None, duration_s: float, athlete: Athlete,
                th: dict[str, float]) -> dict | None:
    """The fluid the planned run may cost, from the weighed runs (``None`` without one)."""
    if not (len(history) and history["sweat_rate_l_per_h"].notna().any()):
        return None
    planned_air = heat["air_c"] if heat else np.nan
    fluid = expected_fluid(history["sweat_rate_l_per_h"], history["air_temperature_c"], planned_air, duration_s,
                           body_mass_for_fluid(athlete), th)
    if fluid is not None:
        used = history[history["sweat_rate_l_per_h"].notna()]
        lower = bool((~used["fluid_logged"].astype(bool)).any())
        fluid["text"] = _fluid_text(fluid, planned_air, th, lower)
    return fluid

def _under_chart(heat: dict) -> bool:
    """The run's highest forecast heat index is under the NWS chart (below 80 °F): no heat-stress number."""
    return not heat["beyond_chart"] and bool(heat_index_below_chart(heat["heat_index_c"]))


def _daylight_note(position: tuple[float, float] | None, place: str, start_utc: pd.Timestamp, duration_s: float,
                   tz: str) -> str:
    """The planned run in the dark, said: the sun below the horizon at its start or end (as a best start is
    checked, :func:`_heat_of`), at the position the plan uses; or that it could not be checked. ``""`` in daylight."""
    if position is None:
        return "Daylight: not checked for the planned run (no position: no outdoor run with GPS, and no --where given)."
    end_utc = start_utc + pd.Timedelta(seconds=duration_s)
    up = cos_solar_zenith(pd.DatetimeIndex([start_utc, end_utc]), position[0], position[1]) > 0
    if up.all():
        return ""
    part = "starts and ends" if not up.any() else ("starts" if not up[0] else "ends")
    return (f"Daylight: the planned run ({start_utc.tz_convert(tz):%H:%M}–{end_utc.tz_convert(tz):%H:%M}) {part} in "
            f"the dark at {place} (the sun below the horizon).")


def _spike_detail(distance: float, longest: float, spike_ratio: float, days_known: float,
                  th: dict[str, float]) -> str:
    """The long-run condition in words: the planned distance against the longest before it, or why unknown."""
    days = th["long_run_history_days"]
    if math.isfinite(spike_ratio):
        return (f"planned {distance:g} km vs your longest of the {days:.0f} days before, {longest:.1f} km: "
                f"{spike_ratio:.2f} ×")
    if days_known < days or not math.isfinite(days_known):
        return f"fewer than {days:.0f} days of runs before this date"
    return f"no run in the {days:.0f} days before this date"


_STARTS_AT = {"long_run_spike": "{:.2f} ×", "faster_than_usual": "{:.2f} ×", "heat_index": "{:.1f} °C",
              "wbgt": "{:.0f} °C"}
"""How each condition's threshold is said in its detail ("the condition starts at 1.10 ×")."""


def _condition(name: str, value: float, unit: str, met: bool | None, finding: str, history: pd.DataFrame,
               th: dict[str, float], beyond_chart: bool = False) -> dict:
    """One row of the conditions: ``finding`` in words; ``detail`` adds "unknown: " (``met`` None) or the threshold."""
    threshold = th[_THRESHOLD[name]]
    detail = (f"unknown: {finding}" if met is None else
              f"{finding} (the condition starts at {_STARTS_AT[name].format(threshold)})")
    return {"name": name, "pattern": _LABELS[name][0], "value": value, "threshold": threshold, "unit": unit,
            "met": met, "history": _history_text(history, name, th), "source": source_of(_THRESHOLD[name]),
            "detail": detail, "beyond_chart": beyond_chart, "finding": finding}


def _outlook(grid: pd.DataFrame, day_start: pd.Timestamp, day_end: pd.Timestamp, start_utc: pd.Timestamp,
             duration_s: float, wbgt_source: str, th: dict[str, float], tz: str) -> pd.DataFrame:
    hours = grid[(grid.index >= day_start) & (grid.index < day_end)]
    hours = hours[hours.index.minute == 0]
    hours = hours[hours["temperature_c"].notna()]
    end = start_utc + pd.Timedelta(seconds=duration_s)
    rows = []
    for ts, r in hours.iterrows():
        heat = {"heat_index_c": r["heat_index_c"], "beyond_chart": bool(r["beyond_chart"]), "wbgt_c": r["wbgt_c"]}
        hi, wb = _heat_met(heat, wbgt_source, th)
        rows.append({"time_local": ts.tz_convert(tz).isoformat(), "temperature_c": float(r["temperature_c"]),
                     "relative_humidity_pct": float(r["relative_humidity_pct"]),
                     "heat_index_c": float(r["heat_index_c"]), "wbgt_c": float(r["wbgt_c"]), "wbgt_source": wbgt_source,
                     "heat_index_met": hi, "wbgt_met": wb,
                     "daylight": bool(r["cos_zenith"] > 0) if "cos_zenith" in r else None,
                     "in_planned_run": bool(ts + pd.Timedelta(hours=1) > start_utc and ts <= end),
                     "heat_index_beyond_chart": bool(r["beyond_chart"])})
    return pd.DataFrame(rows, columns=OUTLOOK_COLUMNS)


def _best_start(forecast: tuple, day: dt.date, window: tuple[dt.time, dt.time], planned: pd.Timestamp,
                duration_s: float, th: dict[str, float], tz: str, planned_heat: dict | None,
                best_notes: list[str]) -> dict | None:
    """The start in the window nearest the planned one (earlier on a tie) that avoids both heat conditions.

    What could not be checked, or why there is none, is added to ``best_notes`` (shown after :data:`BEST_START`).
    """
    if planned_heat is None:
        return None
    daylight_known = forecast[2] is not None
    first, last = _localize(day, window[0], tz), _localize(day, window[1], tz)
    candidates = pd.date_range(first, last - pd.Timedelta(seconds=duration_s), freq=f"{START_STEP_MIN}min")
    if first <= planned <= last - pd.Timedelta(seconds=duration_s):
        candidates = candidates.append(pd.DatetimeIndex([planned])).unique()
    ok = []
    for c in candidates:
        heat, wbgt_source = _heat_of(*forecast, c, duration_s)
        hi, wb = _heat_met(heat, wbgt_source, th)
        if heat is None or hi or wb or (daylight_known and not heat["daylight"]):
            continue
        ok.append((abs((c - planned).total_seconds()), c.value, c, heat))
    span = f"{window[0]:%H:%M}–{window[1]:%H:%M}"
    light = " in daylight" if daylight_known else ""
    if not daylight_known:
        best_notes.append("no position, so daylight was not checked.")
    if not ok:
        best_notes.append(f"no start within {span}{light} avoids the heat conditions on this forecast.")
        return None
    _, _, c, heat = min(ok)
    when = c.tz_convert(tz)
    hi_text = (format_heat_index(heat["heat_index_c"], under_chart=True) if _under_chart(heat) else
               f"at or below {format_heat_index(heat['heat_index_c'], heat['beyond_chart'])}")
    numbers = (f"the forecast heat index {hi_text} "
               f"and WBGT at or below {heat['wbgt_c']:.1f} °C, under the conditions ({th['heat_index_caution_c']:.1f} °C; "
               f"{th['wbgt_high_c']:.0f} °C)")
    if c == planned:
        why = f"your planned start already keeps {numbers}"
    else:
        why = (f"starting at {when:%H:%M} instead of {planned.tz_convert(tz):%H:%M} keeps {numbers}; the nearest such "
               f"start{light} within {span}")
    return {"start_local": when.isoformat(), "why": why}
