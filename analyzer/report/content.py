"""What an athlete's report says, as plain data: pattern cards, chips, tables, references.

One content model feeds the HTML page, the printed PDF and the tests, so the three never
disagree. Everything here is formatted for reading (units, rounding, local times, plain pattern
names); the CSV files keep the ids and the raw numbers.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd

from analyzer.analysis import Analysis
from analyzer.flags.thresholds import THRESHOLDS, source_of
from analyzer.formatting import format_heat_index, format_pace, leg_text, severity_text

PATTERN_ORDER = ["over_exertion", "dehydration_heat", "one_leg", "night", "medication"]

PATTERN_NAMES = {
    "over_exertion": "over-exertion",
    "dehydration_heat": "hot-day dehydration",
    "one_leg": "one leg only",
    "night": "night cramps at rest",
    "medication": "medicine",
}
"""Plain names for the pattern ids of ``flags.csv``."""

PATTERN_CAUSE = {
    "over_exertion": "a run longer, faster or more frequent than the body is used to",
    "dehydration_heat": "dehydration, above all on hot days",
    "one_leg": "a pinched nerve (cramps in one leg only)",
    "night": "low minerals or medicines (night cramps are not explained by runs)",
    "medication": "medicines such as potassium-depleting diuretics",
}
"""The health article's cause behind each pattern, in its own words."""

PATTERN_EVIDENCE = {
    "over_exertion": "moderate: runner cohorts found crampers ran harder than they were used to",
    "dehydration_heat": "strong for heat strain, weak and contested for cramps",
    "one_leg": "a clinical hint, not runner data",
    "night": "descriptive",
    "medication": "an association in one large study of night cramps in adults aged 50 and over",
}

PATTERN_CHANGES = {
    "over_exertion": "Cramps on ordinary runs, or many cramp-free runs as long or as fast, would weaken it.",
    "dehydration_heat": "Cramps on cool days would weaken it; weigh-ins before and after runs would show the "
                        "fluid side of it.",
    "one_leg": "One cramp in the other leg ends it.",
    "night": "Nothing in the runs can: see a clinician if night cramps are frequent.",
    "medication": "Only your prescriber can judge it; never change a medicine on this page's account.",
}

RULE_NAMES = {
    "long_run_spike": "longer than usual", "faster_than_usual": "faster than usual", "heat_index": "heat index",
    "wbgt": "WBGT", "body_mass_loss": "body mass lost", "mass_gain": "weighed more after", "hr_drift": "heart-rate drift",
    "one_leg": "one leg", "night": "at night", "medication_class": "medicine",
}

CONTEXT_NAMES = {"during_run": "during a run", "after_run": "after a run", "at_rest": "at rest",
                 "time_unknown": "time not logged", "not_placed": "not placed in a run"}


def chip_value(rule: str, value: float, unit: str) -> str:
    """The key number of a flag, short enough for a chip.

    Examples
    --------
    >>> chip_value("long_run_spike", 1.6, "ratio"), chip_value("heat_index", 41.06, "°C")
    ('1.6× longest', 'HI 41 °C')
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if rule == "long_run_spike":
        return f"{value:.1f}× longest"
    if rule == "faster_than_usual":
        return f"+{(value - 1) * 100:.0f} % speed"
    if rule == "heat_index":
        return "HI > 58 °C" if value > 58.3 else f"HI {value:.0f} °C"
    if rule == "wbgt":
        return f"WBGT {value:.0f} °C"
    if rule == "body_mass_loss":
        return f"−{value:.1f} % mass"
    if rule == "mass_gain":
        return f"+{value:.1f} kg"
    if rule == "hr_drift":
        return f"drift {value:.0f} %"
    if rule == "night":
        return f"{int(value):02d}:{int(round(value % 1 * 60)) % 60:02d}"
    if rule == "one_leg":
        return f"{int(value)} runs/days"
    if rule == "medication_class":
        return f"ratio {value:.2f}"
    return f"{value:g} {unit}".strip()


def number(value: object, digits: int = 1, unit: str = "") -> str:
    """A number as read: rounded, no "-0.0", empty when unknown."""
    if value is None or isinstance(value, str):
        return "" if value is None else value
    try:
        v = float(value)
    except (TypeError, ValueError):
        return str(value)
    if not math.isfinite(v):
        return ""
    text = f"{v:.{digits}f}"
    if text.startswith("-") and float(text) == 0:
        text = text[1:]
    return f"{text} {unit}".strip() if unit else text


@dataclass
class Card:
    """One pattern found: the answer, with its numbers and how much it can be trusted."""

    pattern: str
    name: str
    headline: str
    numbers: list[str]
    cause: str
    evidence: str
    changes: str
    cramps: int
    runs: int


@dataclass
class AthletePage:
    """Everything an athlete's report shows."""

    cards: list[Card]
    cramps: list[dict]
    runs: list[dict]
    run_charts: list[dict] = field(default_factory=list)
    season: list[dict] = field(default_factory=list)
    how_to_read: list[dict] = field(default_factory=list)
    details: list[dict] = field(default_factory=list)
    other_run_flags: list[dict] = field(default_factory=list)
    period: tuple[str, str] = ("", "")
    credits: list[dict] = field(default_factory=list)
    """Data licences to credit on the page (the weather archive's, when its data is shown): ``text``, ``url``."""


def _local(t: object, tz: str, fmt: str = "%a %d %b %Y %H:%M") -> str:
    if t is None or (not isinstance(t, pd.Timestamp) and pd.isna(t)) or pd.isna(t):
        return ""
    return pd.Timestamp(t).tz_convert(tz).strftime(fmt)


def _run_dates(analysis: Analysis) -> dict[str, str]:
    """Each run's local start date (``Tue 18 Jun 2024``) by activity name, for the whole page at once."""
    runs = analysis.runs
    if not len(runs):
        return {}
    first = runs.drop_duplicates("activity")
    return {a: _local(t, analysis.athlete.timezone, "%a %d %b %Y")
            for a, t in zip(first["activity"], first["start_utc"], strict=True) if isinstance(a, str)}


def athlete_page(analysis: Analysis) -> AthletePage:
    """The content of one athlete's report (see the module docstring)."""
    tz = analysis.athlete.timezone
    flags = analysis.flags
    cramps = analysis.cramps
    by_cramp = {int(r): g for r, g in flags[flags["scope"] == "cramp"].groupby("cramp_row")} if len(flags) else {}
    dates = _run_dates(analysis)
    cramp_rows = []
    for c in cramps.to_dict("records"):
        own = by_cramp.get(int(c["cramp_row"]))
        chips = []
        if own is not None:
            for pattern in PATTERN_ORDER:
                mine = own[own["pattern"] == pattern]
                if len(mine):
                    values = [chip_value(r, v, u) for r, v, u in zip(mine["rule"], mine["value"], mine["unit"],
                                                                   strict=True)]
                    value = ", ".join(dict.fromkeys(v for v in values if v))
                    for unit in (" °C", " %"):  # a number never wraps away from its unit
                        value = value.replace(unit, "\u00a0" + unit[1:])
                    chips.append({"pattern": pattern, "name": PATTERN_NAMES[pattern], "value": value})
        day = c.get("date_local")
        when = _local(c.get("time_utc"), tz) or (f"{day} (no time)" if isinstance(day, str) and day else
                                                 "time not logged")
        cramp_rows.append({
            "cramp_row": int(c["cramp_row"]), "when": when, "context": CONTEXT_NAMES.get(c["context"], c["context"]),
            "activity": c["activity"] if isinstance(c["activity"], str) else "",
            "run_date": dates.get(c["activity"], "") if isinstance(c["activity"], str) else "",
            "km": number(c.get("distance_km"), 1), "pace": format_pace(c.get("pace_s_per_km")),
            "hr": number(c.get("heart_rate_bpm"), 0), "leg": leg_text(c.get("leg"), c.get("muscle")),
            "severity": severity_text(c.get("severity")),
            "air": number(c.get("air_temperature_c"), 1, "°C"),
            "air_source": c.get("air_temperature_source") or "",
            "heat_index": format_heat_index(c.get("heat_index_c"), bool(c.get("heat_index_beyond_chart")))
            if pd.notna(c.get("heat_index_c")) else "",
            "chips": chips, "notes": c.get("notes") if isinstance(c.get("notes"), str) else "",
            "match_note": c.get("match_note") if isinstance(c.get("match_note"), str) else "",
        })
    return AthletePage(
        cards=_cards(analysis, by_cramp, dates), cramps=cramp_rows, runs=_runs(analysis), season=_season(analysis),
        how_to_read=_how_to_read(analysis), details=_details(analysis, cramp_rows),
        other_run_flags=_other_run_flags(analysis, dates), period=_period(analysis), credits=_credits(analysis),
    )


def _credits(analysis: Analysis) -> list[dict]:
    """The weather archive's attribution (CC BY 4.0) when a run on the page takes air temperature
    or humidity from it."""
    runs = analysis.runs
    archive = analysis.athlete.archive
    if not len(runs) or not archive or "air_temperature_source" not in runs:
        return []
    used = [w for a, src in zip(runs["activity"], runs["air_temperature_source"], strict=True)
            if (w := archive.get(a)) is not None and (str(src).startswith("archive:") or src == "sensor")]
    texts = dict.fromkeys(w.attribution for w in used if w.attribution)
    from analyzer.io.weather_archive import ATTRIBUTION_URL

    return [{"text": t, "url": ATTRIBUTION_URL} for t in texts]


def _period(analysis: Analysis) -> tuple[str, str]:
    runs = analysis.runs
    if not len(runs):
        return "", ""
    tz = analysis.athlete.timezone
    return _local(runs["start_utc"].min(), tz, "%d %b %Y"), _local(runs["start_utc"].max(), tz, "%d %b %Y")


def _cards(analysis: Analysis, by_cramp: dict, dates: dict[str, str]) -> list[Card]:
    flags = analysis.flags
    n_cramps = len(analysis.cramps)
    cards = []
    for pattern in PATTERN_ORDER:
        mine = flags[flags["pattern"] == pattern] if len(flags) else flags
        if not len(mine):
            continue
        cramp_flags = mine[mine["scope"] == "cramp"]
        fitting = cramp_flags["cramp_row"].nunique()
        runs = mine[mine["scope"] == "run"]["activity"].nunique()
        numbers = _card_numbers(analysis, pattern, mine, dates)
        if pattern == "medication":
            headline = numbers[0] if numbers else "A listed medicine is in a class linked to night cramps."
        elif pattern == "one_leg":
            row = mine[mine["scope"] == "athlete"].iloc[0]
            headline = (f"{fitting} of {n_cramps} cramps were single-leg cramps on one side, on "
                        f"{int(row['value'])} separate runs or days.")
        elif n_cramps:
            headline = f"{fitting} of {n_cramps} cramp{'s' if n_cramps > 1 else ''} fit this pattern."
        else:
            headline = f"No cramp logged; {runs} run{'s' if runs != 1 else ''} crossed its threshold."
        cards.append(Card(pattern, PATTERN_NAMES[pattern], headline, numbers, PATTERN_CAUSE[pattern],
                          PATTERN_EVIDENCE[pattern], PATTERN_CHANGES[pattern], int(fitting), int(runs)))
    return cards


def _card_numbers(analysis: Analysis, pattern: str, mine: pd.DataFrame, dates: dict[str, str]) -> list[str]:
    tz = analysis.athlete.timezone
    out: list[str] = []
    if pattern == "medication":
        for msg in mine["message"]:
            out.append(msg.split(". Please")[0] + ".")
        return out
    cramp = mine[mine["scope"] == "cramp"]
    source = cramp if len(cramp) else mine[mine["scope"] == "run"]
    for rule, group in source.groupby("rule", sort=False):
        values = group["value"].astype(float)
        label = RULE_NAMES.get(rule, rule)
        if rule == "long_run_spike":
            out.append(f"{label}: up to {values.max():.1f}× the longest run of the previous 30 days")
        elif rule == "faster_than_usual":
            out.append(f"{label}: up to {(values.max() - 1) * 100:.0f} % faster than usual for the distance")
        elif rule in ("heat_index", "wbgt"):
            air = group["air_temperature_source"].iloc[0] if "air_temperature_source" in group else ""
            where = f" (air from {air})" if air else ""
            out.append(f"{label}: up to {chip_value(rule, values.max(), '').split(' ', 1)[-1]}{where}")
        elif rule == "body_mass_loss":
            out.append(f"{label}: up to {values.max():.1f} % of body mass")
        elif rule == "hr_drift":
            out.append(f"{label}: up to {values.max():.0f} % against pace in warm air")
        elif rule == "mass_gain":
            out.append(f"weighed up to {values.max():.1f} kg more after a run than before (information)")
        elif rule == "night":
            times = ", ".join(chip_value("night", v, "") for v in values)
            out.append(f"at rest at night, local time {times}")
        elif rule == "one_leg":
            row = mine[mine["scope"] == "athlete"].iloc[0]
            side = "right" if "right leg" in row["message"] else "left"
            p = 2 * 0.5 ** int(row["value"])
            out.append(f"all in the {side} leg; chance alone p = {p:.2g}")
    if pattern == "dehydration_heat" or pattern == "over_exertion":
        shown = [dates.get(a, "") for a in dict.fromkeys(source["activity"].dropna())]
        shown = [d for d in shown if d]
        if shown:
            out.append("runs: " + "; ".join(shown[:6]) + (" …" if len(shown) > 6 else ""))
    if pattern == "dehydration_heat":
        out += _acclimatisation_line(analysis, source)
    del tz
    return out


def _acclimatisation_line(analysis: Analysis, source: pd.DataFrame) -> list[str]:
    """Heat acclimatisation as context on the hot-day card: the hot runs in the days before each hot run
    flagged here (:func:`analyzer.plan.acclimatisation`, Périard et al. 2015; Daanen et al. 2018)."""
    import datetime as dt

    from analyzer.plan import acclimatisation

    hot = source[source["rule"].isin(["heat_index", "wbgt"])]["activity"].dropna()
    runs = analysis.runs
    if not len(hot) or not len(runs):
        return []
    by_name = dict(zip(runs["activity"], runs["date_local"].astype(str), strict=True))
    counts = []
    for name in dict.fromkeys(hot):
        if name in by_name:
            acc = acclimatisation(runs, dt.date.fromisoformat(by_name[name]), analysis.thresholds)
            counts.append(f"{acc['hot_runs']} before {by_name[name]}")
    if not counts:
        return []
    days = analysis.thresholds["heat_acclimatisation_days"]
    return [f"heat acclimatisation (context): hot runs in the {days:.0f} days before each hot run: "
            + "; ".join(counts[:6]) + (" …" if len(counts) > 6 else "")
            + ". Heat acclimation builds over about 5–14 days and fades without heat (Périard et al. 2015; "
            "Daanen et al. 2018)"]


def _runs(analysis: Analysis) -> list[dict]:
    tz = analysis.athlete.timezone
    rows = []
    for r in analysis.runs.to_dict("records"):
        rows.append({
            "date": _local(r["start_utc"], tz, "%Y-%m-%d"), "activity": r["activity"],
            "km": number(r["distance_km"], 1), "pace": format_pace(r["pace_s_per_km"]),
            "hr": number(r["avg_heart_rate_bpm"], 0), "drift": number(r["decoupling_pct"], 1),
            "air": number(r["air_temperature_c"], 1), "air_source": r.get("air_temperature_source", ""),
            "heat_index": number(r["heat_index_max_c"], 1) if not r.get("heat_index_beyond_chart") else "> 58",
            "mass_loss": number(r["body_mass_loss_pct"], 1), "spike": number(r["distance_ratio"], 2),
            "pace_ratio": number(r["pace_ratio"], 2), "acwr": number(r["acwr_coupled"], 2),
            "cramps": int(r["cramps"]),
        })
    return rows


def _season(analysis: Analysis) -> list[dict]:
    rows = []
    for s in analysis.season.to_dict("records"):
        rows.append({"label": s["label"], "threshold": number(s["threshold"], 2),
                     "cramp_runs": f"{s['cramp_runs_above']} / {s['cramp_runs']}",
                     "other_runs": f"{s['other_runs_above']} / {s['other_runs']}",
                     "median_cramp": number(s["median_cramp_runs"], 2), "median_other": number(s["median_other_runs"], 2),
                     "verdict": s["verdict"]})
    return rows


def _how_to_read(analysis: Analysis) -> list[dict]:
    """Each rule that fired, once: what it checks, the threshold used, the full source."""
    flags = analysis.flags
    seen = []
    for rule in dict.fromkeys(flags["rule"]) if len(flags) else []:
        row = flags[flags["rule"] == rule].iloc[0]
        name = _threshold_of(rule)
        threshold = ""
        if name:
            t = THRESHOLDS[name]
            threshold = f"{analysis.thresholds[name]:.4g} {t.unit} (setting {name})"
        seen.append({"rule": rule, "name": RULE_NAMES.get(rule, rule), "pattern": PATTERN_NAMES.get(row["pattern"], ""),
                     "threshold": threshold, "source": source_of(name) if name else row["source"]})
    return seen


_RULE_THRESHOLD = {
    "long_run_spike": "long_run_spike_ratio", "faster_than_usual": "pace_faster_ratio",
    "heat_index": "heat_index_caution_c", "wbgt": "wbgt_high_c", "body_mass_loss": "body_mass_loss_pct",
    "mass_gain": "mass_gain_kg", "hr_drift": "decoupling_pct", "one_leg": "one_leg_min_cramps",
    "night": "night_start_local_h",
}


def _threshold_of(rule: str) -> str:
    return _RULE_THRESHOLD.get(rule, "")


def _details(analysis: Analysis, cramp_rows: list[dict]) -> list[dict]:
    """Each cramp's flag messages in full (without their sources, which are in "how to read this")."""
    flags = analysis.flags
    out = []
    first_said: dict[str, int] = {}  # a message shared by several cramps (one leg, a medicine) is said once
    for c in cramp_rows:
        mine = flags[(flags["scope"] == "cramp") & (flags["cramp_row"] == c["cramp_row"])] if len(flags) else flags
        messages = []
        for p, m in zip(mine["pattern"], mine["message"], strict=True):
            if m in first_said:
                m = f"The same as for cramp {first_said[m]}."
            else:
                first_said[m] = c["cramp_row"]
            messages.append({"name": PATTERN_NAMES[p], "message": m})
        out.append({**c, "messages": messages})
    return out


def _other_run_flags(analysis: Analysis, dates: dict[str, str]) -> list[dict]:
    flags = analysis.flags
    if not len(flags):
        return []
    cramp_runs = set(analysis.cramps["activity"].dropna()) if len(analysis.cramps) else set()
    rows = flags[(flags["scope"] == "run") & ~flags["activity"].isin(cramp_runs)]
    out = []
    for r in rows.to_dict("records"):
        out.append({"date": dates.get(r["activity"], ""), "activity": r["activity"], "pattern": r["pattern"],
                    "name": PATTERN_NAMES[r["pattern"]], "chip": chip_value(r["rule"], r["value"], r["unit"]),
                    "message": r["message"]})
    return out


