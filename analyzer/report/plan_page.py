"""The "Before the run" page: a :class:`~analyzer.plan.RunPlan` as plain data, and as HTML.

One content model (:func:`plan_page`) feeds the page (``templates/plan.html.j2``) and the tests:
a headline (how many of the conditions that came before the athlete's cramps the planned run
meets, the best start), one card per condition with its plain name (the report's), its number
against its threshold and the athlete's history, the hourly outlook as compact tiles with the
run's hours marked, context and notes, and every source once at the bottom. The page reuses the
report's look (``templates/base.css``) and adds its own few rules (``templates/plan.css``); it is
self-contained (no scripts, no outside files) and made to be read on a phone as on a desk.

Nothing here decides anything: every number and sentence comes from the plan.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass, field
from importlib import resources
from typing import TYPE_CHECKING

import pandas as pd
from jinja2 import Environment, select_autoescape

from analyzer.formatting import format_heat_index, format_pace
from analyzer.metrics.heat import heat_index_below_chart
from analyzer.report.content import PATTERN_NAMES, RULE_NAMES, number

if TYPE_CHECKING:  # pragma: no cover
    from analyzer.plan import RunPlan

STATE = {True: ("met", "met"), False: ("not-met", "not met"), None: ("unknown", "unknown")}
"""``met`` (True, False, None) → (CSS class, the words the page shows)."""

_AGAINST = {
    "long_run_spike": "your longest run of the {days:.0f} days before",
    "faster_than_usual": "your usual speed for the distance",
    "heat_index": "forecast heat index, highest over the run",
    "wbgt": "forecast WBGT, highest over the run",
}


@dataclass
class ConditionCard:
    """One condition as the page shows it."""

    rule: str
    name: str
    pattern: str
    pattern_name: str
    state: str
    state_text: str
    value: str
    what: str
    threshold: str
    detail: str
    history: str


@dataclass
class Hour:
    """One forecast hour of the planned day, as a tile."""

    time: str
    air: str
    humidity: str
    heat_index: str
    wbgt: str
    hot: bool
    in_run: bool
    in_best: bool
    dark: bool
    in_window: bool
    heat_tile: str = ""
    """The tile's heat: ``HI 31.4``, or the air (``air 16.0``) where the heat index is under the NWS chart."""


@dataclass
class PlanPage:
    """Everything the "Before the run" page shows."""

    title: str
    when: str
    run: str
    forecast: str
    timezone: str
    met: int
    total: int
    cramp_runs: int
    unknown: int
    headline: str
    best_start: str
    planned_start: str
    best_why: str
    best_notes: list[str]
    cards: list[ConditionCard]
    hours: list[Hour]
    window: tuple[str, str]
    wbgt_source: str
    acclimatisation: str
    fluid: str
    reminders: list[str]
    notes: list[str]
    sources: list[dict]
    disclaimer: str
    pattern_names: dict[str, str] = field(default_factory=lambda: dict(PATTERN_NAMES))


def _plain(rule: str) -> str:
    """The report's plain name for a rule, its first letter upper case (``WBGT`` stays ``WBGT``)."""
    name = RULE_NAMES.get(rule, rule.replace("_", " "))
    return name[:1].upper() + name[1:]


def _finite(value: object) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool) and math.isfinite(float(value))


def _forecast_text(source: str) -> str:
    """``file:<name>`` → ``the file <name>``; the other sources of :attr:`RunPlan.forecast_source` in words."""
    if source.startswith("file:"):
        return f"the file {source[5:]}"
    if source.startswith("forecast:"):
        provider, _, cell = source[9:].partition(" ")
        return f"the {provider} forecast service{(' for the grid cell ' + cell.strip('()')) if cell else ''}"
    return {"frame": "a forecast table given in Python", "off": "none (forecast off): the heat is unknown",
            "unavailable": "none could be had: the heat is unknown"}.get(source, source)


def _value(rule: str, value: object, unit: str, beyond_chart: bool) -> str:
    if not _finite(value):
        return "unknown"
    if unit == "ratio":
        return f"{float(value):.2f} ×"
    if rule == "heat_index":
        under = not beyond_chart and bool(heat_index_below_chart(float(value)))
        return format_heat_index(float(value), beyond_chart, "value" if beyond_chart or under else "text",
                                 under_chart=True)
    return number(value, 1, unit)


def _threshold(unit: str, value: object) -> str:
    if not _finite(value):
        return ""
    return f"{float(value):.2f} ×" if unit == "ratio" else number(value, 1, unit)


def _sentence(text: str) -> str:
    """The plan's words as a sentence: a capital first, a full stop last."""
    return text[:1].upper() + text[1:] + ("" if text.endswith(".") else ".")


def _cards(plan: RunPlan) -> list[ConditionCard]:
    days = plan.analysis.thresholds["long_run_history_days"] if plan.analysis is not None else 30
    cards = []
    for r in plan.conditions.to_dict("records"):
        state, state_text = STATE[r["met"]]
        rule = str(r["name"])
        cards.append(ConditionCard(
            rule=rule, name=_plain(rule), pattern=str(r["pattern"]),
            pattern_name=PATTERN_NAMES.get(r["pattern"], str(r["pattern"]).replace("_", " ")),
            state=state, state_text=state_text, value=_value(rule, r["value"], r["unit"], bool(r.get("beyond_chart", False))),
            what=("ratio to " if r["unit"] == "ratio" and not _finite(r["value"]) else "")
            + _AGAINST.get(rule, "").format(days=days), threshold=_threshold(r["unit"], r["threshold"]),
            detail=_sentence(str(r["finding"])), history=str(r["history"])))
    return cards


def _hours(plan: RunPlan) -> list[Hour]:
    if not len(plan.outlook):
        return []
    first, last = plan.window
    best = end = None
    if plan.best_start and plan.best_start["start_local"] != plan.start_local.isoformat():
        best = pd.Timestamp(plan.best_start["start_local"])
        end = best + pd.Timedelta(seconds=plan.duration_s)
    out = []
    for r in plan.outlook.to_dict("records"):
        t = pd.Timestamp(r["time_local"])
        beyond = bool(r.get("heat_index_beyond_chart", False))  # no number: "off chart", "> 58"
        under = not beyond and bool(heat_index_below_chart(r["heat_index_c"]))  # no heat-stress number either
        heat_index = format_heat_index(r["heat_index_c"], beyond, "cell", under_chart=True)
        heat_tile = f"air {number(r['temperature_c'], 1)}" if under else f"HI {heat_index}"
        out.append(Hour(
            time=r["time_local"][11:16], air=number(r["temperature_c"], 1, "°C"),
            humidity=number(r["relative_humidity_pct"], 0, "%"), heat_index=heat_index,
            wbgt=number(r["wbgt_c"], 1), hot=bool(r["heat_index_met"] or r["wbgt_met"]), heat_tile=heat_tile,
            in_run=bool(r["in_planned_run"]),
            in_best=best is not None and bool(t + pd.Timedelta(hours=1) > best and t <= end),
            dark=r["daylight"] is False, in_window=first <= r["time_local"][11:16] <= last))
    return out


def _sources(plan: RunPlan) -> list[dict]:
    from analyzer.plan import _THRESHOLD

    out = []
    for r in plan.conditions.to_dict("records"):
        setting = _THRESHOLD.get(str(r["name"]), "")
        out.append({"name": _plain(str(r["name"])), "pattern": PATTERN_NAMES.get(r["pattern"], str(r["pattern"])),
                    "threshold": _threshold(str(r["unit"]), r["threshold"]),
                    "setting": setting, "source": str(r["source"])})
    return out


def _cramp_runs(plan: RunPlan) -> int:
    """The runs before the planned date that came with a cramp (what the conditions are lined up with)."""
    runs = plan.analysis.runs if plan.analysis is not None else None
    if runs is None or not len(runs):
        return 0
    history = runs[runs["date_local"].astype(str) < plan.date.isoformat()]
    return int(history["had_cramp"].astype(bool).sum())


def plan_page(plan: RunPlan) -> PlanPage:
    """What the "Before the run" page shows, as plain data (formatted for reading; nothing unknown as ``nan``).

    Parameters
    ----------
    plan : RunPlan
        From :func:`analyzer.plan_run`.

    Returns
    -------
    PlanPage
        Every note of the plan appears exactly once, each read from its own field of the plan
        (never picked by its opening words): :attr:`RunPlan.headline` as the headline,
        ``best_start_notes`` beside the best start, acclimatisation and fluid as context,
        ``reminders``, ``disclaimer`` last, ``other_notes`` as the notes.
    """
    acc = str(plan.acclimatisation.get("text", "")) if plan.acclimatisation else ""
    fluid = str(plan.fluid.get("text", "")) if plan.fluid else ""
    hours_f = plan.duration_s / 3600
    cards = _cards(plan)
    sources = {str(h.get("wbgt_source", "")) for h in plan.outlook.to_dict("records")} - {""}
    return PlanPage(
        title=f"Before the run — {plan.name}",
        when=f"{plan.date:%A} {plan.date.day} {plan.date:%B %Y}",
        run=(f"{plan.distance_km:g} km from {plan.start_local:%H:%M} at {format_pace(plan.pace_s_per_km)} min/km, "
             f"about {int(hours_f)} h {int(round(hours_f % 1 * 60)):02d} min (pace: {plan.pace_source})"),
        forecast=_forecast_text(plan.forecast_source), timezone=plan.timezone,
        met=sum(c.state == "met" for c in cards), total=len(cards), cramp_runs=_cramp_runs(plan), unknown=sum(c.state == "unknown" for c in cards),
        headline=plan.headline,
        best_start=plan.best_start["start_local"][11:16] if plan.best_start else "",
        planned_start=f"{plan.start_local:%H:%M}",
        best_why=str(plan.best_start["why"]) if plan.best_start else "",
        best_notes=([_sentence(n) for n in plan.best_start_notes] if plan.best_start_notes or plan.best_start else
                    ["The heat over the planned run is unknown, so no start could be checked."]),
        cards=cards, hours=_hours(plan), window=tuple(plan.window), wbgt_source=", ".join(sorted(sources)),
        acclimatisation=acc, fluid=fluid,
        reminders=list(plan.reminders), notes=list(plan.other_notes), sources=_sources(plan),
        disclaimer=plan.disclaimer)


_env = Environment(autoescape=select_autoescape(default=True, default_for_string=True))


@functools.cache
def _template():
    text = resources.files("analyzer.report").joinpath("templates", "plan.html.j2").read_text(encoding="utf-8")
    return _env.from_string(text)


def _css() -> str:
    folder = resources.files("analyzer.report").joinpath("templates")
    return folder.joinpath("base.css").read_text(encoding="utf-8") + "\n" + \
        folder.joinpath("plan.css").read_text(encoding="utf-8")


def render_plan(plan: RunPlan) -> str:
    """The "Before the run" page of ``plan``: one self-contained HTML document (no scripts)."""
    return _template().render(page=plan_page(plan), css=_css())
