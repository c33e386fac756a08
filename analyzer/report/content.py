"""What an athlete's report says, as plain data: pattern cards, chips, tables, references.

One content model feeds the HTML page, the printed PDF and the tests, so the three never
disagree. Everything here is formatted for reading (units, rounding, local times, plain pattern
names); the CSV files keep the ids and the raw numbers.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd
from markupsafe import Markup, escape

from analyzer.analysis import Analysis
from analyzer.flags.rules import PATTERN_ORDER, Flag
from analyzer.flags.season import season_digits
from analyzer.flags.thresholds import THRESHOLDS, source_of
from analyzer.formatting import (
    clock_text,
    format_heat_index,
    format_pace,
    leg_text,
    off_chart_by_air,
    p_text,
    severity_text,
)
from analyzer.report.messages import medicine_named

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

PATTERN_NEXT = {
    "over_exertion": "Build distance and pace up more gradually, so that no run is much longer or faster than the "
                     "runs of the weeks before it.",
    "dehydration_heat": "On hot days: drink to a plan before, during and after the run (the article's advice), "
                        "weigh before and after to see what a run costs, and run in the cooler hours. Drinking "
                        "more than you sweat carries its own risk, so a plan replaces about what is lost, not more.",
    "one_leg": "The article's hint: cramps in one leg only can come from a pinched nerve in the back.",
    "night": "The article's advice: gentle calf stretching before bed; and a review of any medicines with the "
             "prescriber.",
    "medication": "Bring this page to the next medicine review with the prescriber.",
}
"""What to try next, per pattern: in the article's terms, never medical advice."""

NUMBNESS_WORDS = re.compile(r"\b(tingl\w*|numb\w*|pins and needles|prickl\w*)", re.IGNORECASE)
"""Words in a cramp's notes that the advice to see a clinician names (numbness, tingling)."""


def glossary_for(thresholds: Mapping[str, float]) -> dict[str, str]:
    """The words a page explains, with their meanings; those that name a setting say the athlete's
    own value of it (``thresholds``: the analysis's, defaults overridden by athlete.toml)."""
    return {
        "ACWR": "acute:chronic workload ratio: the last 7 days' training load ÷ the average week of the last 28 days "
                "(coupled: the 28 days include the 7); shown as context only, its danger zone is strongly contested",
        "× usual speed": "this run's average speed ÷ the usual speed of the athlete's runs of a similar distance "
                         f"(within ±{thresholds['similar_distance_fraction'] * 100:.0f} %) in the previous "
                         f"{thresholds['faster_than_usual_window_days']:.0f} days: 1.05 is 5 % faster than usual",
        "× longest 30 d":  # the term is the table's column name (templates, charts); the meaning follows the setting
            f"this run's distance ÷ the longest run of the previous {thresholds['long_run_history_days']:.0f} "
            "days: 1.10 is 10 % longer",
        "sequence ratio": "in a study of prescriptions, how many more people started treatment for night cramps after "
                          "starting the medicine than before it: 1 is no difference, 1.20 is 20 % more",
        "95 % CI": "95 % confidence interval: the range the true number most likely lies in; a range that includes 1 "
                   "does not show a difference",
        "Fisher exact p": "the chance of a split between cramp runs and other runs at least this uneven if the measure "
                          "had nothing to do with cramps; small samples give large p",
        "heat index": "how hot it feels, from air temperature and humidity (US National Weather Service)",
        "WBGT": "wet-bulb globe temperature: heat stress from air temperature, humidity, sun and wind (the measure "
                "race medical teams use)",
        "drift": "heart-rate drift (aerobic decoupling): how much heart rate rose against pace from the first half "
                 "of the run to the second, %",
    }


GLOSSARY = glossary_for({name: th.default for name, th in THRESHOLDS.items()})
"""The glossary with the default settings (a page uses :func:`glossary_for` its athlete's)."""
"""Words a coach may not know, explained where they appear (a hover or tap note) and in "how to read this"."""

_TERMS = re.compile(r"(?<!\w)(" + "|".join(re.escape(t) for t in sorted(GLOSSARY, key=len, reverse=True)) + r")(?!\w)")


def explain(text: object, meanings: Mapping[str, str] | None = None) -> Markup:
    """``text`` escaped, with each :data:`GLOSSARY` term wrapped in a note that shows on hover or tap
    (its meaning from ``meanings``, a page's :func:`glossary_for`, else the default one).

    Examples
    --------
    >>> str(explain("ACWR < 1"))[:42]
    '<abbr class="term" tabindex="0" title="acu'
    """
    out, last = [], 0
    raw = "" if text is None else str(text)
    for m in _TERMS.finditer(raw):
        out.append(str(escape(raw[last:m.start()])))
        meaning = (meanings or GLOSSARY)[m.group(0)]
        out.append(f'<abbr class="term" tabindex="0" title="{escape(meaning)}">{escape(m.group(0))}</abbr>')
        last = m.end()
    out.append(str(escape(raw[last:])))
    return Markup("".join(out))


RULE_NAMES = {
    "long_run_spike": "longer than usual", "faster_than_usual": "faster than usual", "heat_index": "heat index",
    "wbgt": "WBGT", "body_mass_loss": "body mass lost", "mass_gain": "weighed more after", "hr_drift": "heart-rate drift",
    "one_leg": "one leg", "night": "at night", "medication_class": "medicine",
}

CONTEXT_NAMES = {"during_run": "during a run", "after_run": "after a run", "at_rest": "at rest",
                 "time_unknown": "time not logged", "not_placed": "not placed in a run"}


def facts_of(analysis: Analysis, rows: pd.DataFrame) -> list[Flag]:
    """The facts behind some rows of ``analysis.flags`` (:attr:`analyzer.analysis.Analysis.facts`)."""
    return [analysis.facts[i] for i in rows.index]


def chip_value(rule: str, value: float, unit: str, beyond_chart: bool = False) -> str:
    """The key number of a flag, short enough for a chip.

    Examples
    --------
    >>> chip_value("long_run_spike", 1.6, "ratio"), chip_value("heat_index", 41.06, "°C")
    ('1.6× longest', 'HI 41 °C')
    >>> chip_value("heat_index", 41.0, "°C", beyond_chart=True)
    'HI off chart'
    """
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return ""
    if rule == "long_run_spike":
        return f"{value:.1f}× longest"
    if rule == "faster_than_usual":
        return f"+{(value - 1) * 100:.0f} % speed"
    if rule == "heat_index":
        return format_heat_index(value, beyond_chart, "chip")
    if rule == "wbgt":
        return f"WBGT {value:.0f} °C"
    if rule == "body_mass_loss":
        return f"−{value:.1f} % mass"
    if rule == "mass_gain":
        return f"+{value:.1f} kg"
    if rule == "hr_drift":
        return f"drift {value:.0f} %"
    if rule == "night":
        return clock_text(value)
    if rule == "one_leg":
        return f"{int(value)} runs/days"
    if rule == "medication_class":
        return f"ratio {value:.2f}"
    return f"{value:g} {unit}".strip()


def threshold_text(value: float, unit: str) -> str:
    """A threshold as every page rounds it: °C and % to 0.1, ratios to 0.01, counts whole.

    Examples
    --------
    >>> threshold_text(32.2222, "°C"), threshold_text(1.1, "ratio"), threshold_text(4, "runs or days")
    ('32.2 °C', '1.10 ×', '4 runs or days')
    """
    if unit in ("°C", "%", "kg", "h"):
        return f"{value:.1f} {unit}" if unit != "h" else f"{value:g} h"
    if unit == "ratio":
        return f"{value:.2f} ×"
    return f"{value:g} {unit}"


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
    next_steps: list[str] = field(default_factory=list)
    clinician: list[str] = field(default_factory=list)
    new: bool = False


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
    since: str = ""
    clinician: list[str] = field(default_factory=list)
    season_note: str = ""
    clinician_reasons: list[str] = field(default_factory=list)
    """The reasons to see a clinician that apply, a few words each (the team page's mark)."""
    left_out: list[str] = field(default_factory=list)
    """One line per row of cramps.csv left out ("cramp 3 left out (…)"), so the numbering's gap is explained."""


def cramp_key(time_utc: object, date_local: object, activity: object, leg: object, muscle: object) -> str:
    """A cramp's identity from one report to the next: its time (or date), run, leg and muscle.

    Row numbers are not used: a row inserted above would renumber every cramp after it.

    Examples
    --------
    >>> cramp_key(pd.Timestamp("2024-06-01 07:05", tz="UTC"), None, "a.fit", "left", "calf")
    '2024-06-01T07:05:00Z||a.fit|left|calf'
    """
    def text(v: object) -> str:
        return "" if v is None or (not isinstance(v, str) and pd.isna(v)) else str(v)

    t = "" if time_utc is None or pd.isna(time_utc) else pd.Timestamp(time_utc).tz_convert("UTC").strftime(
        "%Y-%m-%dT%H:%M:%SZ")
    return "|".join([t, text(date_local), text(activity), text(leg), text(muscle)])


def seen_keys(analysis: Analysis) -> dict[str, list[str]]:
    """What a report shows, as keys: its cramps, runs and patterns (for "new since the last report")."""
    c = analysis.cramps
    cramps = [cramp_key(r.get("time_utc"), r.get("date_local"), r.get("activity"), r.get("leg"), r.get("muscle"))
              for r in c.to_dict("records")] if len(c) else []
    runs = [a for a in dict.fromkeys(analysis.runs["activity"]) if isinstance(a, str)] if len(analysis.runs) else []
    return {"cramps": cramps, "runs": runs, "patterns": list(analysis.patterns)}


def since_text(previous: dict | None, seen: dict[str, list[str]]) -> tuple[str, dict[str, object]]:
    """The one line "since <date>: …" and its counts, against what the last report showed.

    ``previous`` is the athlete's entry of the last report (``date``, ``cramps``, ``runs``,
    ``patterns``), or ``None`` when there was no earlier report in the folder ("" then).
    """
    if previous is None:
        return "", {}
    date = str(previous.get("date", ""))
    if previous.get("absent"):
        return f"since {date}: new in this report", {"cramps": len(seen["cramps"]), "runs": len(seen["runs"]),
                                                      "patterns": list(seen["patterns"]), "date": date}
    cramps = [k for k in seen["cramps"] if k not in set(previous.get("cramps", []))]
    runs = [k for k in seen["runs"] if k not in set(previous.get("runs", []))]
    patterns = [p for p in seen["patterns"] if p not in set(previous.get("patterns", []))]
    parts = []
    if cramps:
        parts.append(f"{len(cramps)} new cramp{'s' if len(cramps) != 1 else ''}")
    if runs:
        parts.append(f"{len(runs)} new run{'s' if len(runs) != 1 else ''}")
    if patterns:
        parts.append("newly raised: " + ", ".join(PATTERN_NAMES.get(p, p) for p in patterns))
    # with nothing new the line carries no date, so an unchanged athlete's cached report stays right
    text = f"since {date}: " + "; ".join(parts) if parts else "nothing new since the last report"
    return text, {"cramps": len(cramps), "runs": len(runs), "patterns": patterns, "date": date}


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


def athlete_page(analysis: Analysis, previous: dict | None = None,
                 seen: dict[str, list[str]] | None = None, since: str | None = None) -> AthletePage:
    """The content of one athlete's report (see the module docstring).

    ``previous`` is what the last report in the same folder showed for this athlete
    (:func:`seen_keys` plus its ``date``); cramps, runs and patterns not in it are marked new.
    ``seen`` and ``since`` are :func:`seen_keys` and :func:`since_text`'s line when the caller has
    them already (worked out here otherwise).
    """
    tz = analysis.athlete.timezone
    seen = seen_keys(analysis) if seen is None else seen
    known = previous is not None and not previous.get("absent")
    old_cramps = set(previous.get("cramps", [])) if known else set()
    old_runs = set(previous.get("runs", [])) if known else set()
    old_patterns = set(previous.get("patterns", [])) if known else set()
    flags = analysis.flags
    cramps = analysis.cramps
    by_cramp = {int(r): g for r, g in flags[flags["scope"] == "cramp"].groupby("cramp_row")} if len(flags) else {}
    dates = _run_dates(analysis)
    cramp_rows = []
    for c, key in zip(cramps.to_dict("records"), seen["cramps"], strict=True):
        own = by_cramp.get(int(c["cramp_row"]))
        chips = []
        if own is not None:
            for pattern in PATTERN_ORDER:
                mine = own[own["pattern"] == pattern]
                if len(mine):
                    values = [chip_value(f.rule, f.value, f.unit, f.beyond_chart) for f in facts_of(analysis, mine)]
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
            "heat_index": format_heat_index(c.get("heat_index_c"), bool(c.get("heat_index_beyond_chart")),
                                            under_chart=True) if pd.notna(c.get("heat_index_c")) else "",
            "chips": chips, "notes": c.get("notes") if isinstance(c.get("notes"), str) else "",
            "match_note": c.get("match_note") if isinstance(c.get("match_note"), str) else "",
            "new": known and key not in old_cramps,
        })
    cards = _cards(analysis, by_cramp, dates)
    for card in cards:
        card.new = known and card.pattern not in old_patterns
    runs = _runs(analysis)
    for r in runs:
        r["new"] = known and r["activity"] not in old_runs
    triggers = clinician_triggers(analysis)
    placed = set()
    for card in cards:
        for pattern, text in triggers:
            if pattern == card.pattern:
                card.clinician.append(text)
                placed.add(text)
    return AthletePage(
        cards=cards, cramps=cramp_rows, runs=runs, season=_season(analysis),
        how_to_read=_how_to_read(analysis, triggers), details=_details(analysis, cramp_rows),
        other_run_flags=_other_run_flags(analysis, dates), period=_period(analysis), credits=_credits(analysis),
        since=since_text(previous, seen)[0] if since is None else since, season_note=_season_note(analysis),
        clinician=[text for _, text in triggers if text not in placed],
        clinician_reasons=clinician_reasons(triggers),
        left_out=left_out_cramps(analysis.problems),
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
    from analyzer.weather.open_meteo import ATTRIBUTION_URL

    return [{"text": t, "url": ATTRIBUTION_URL} for t in texts]


def clinician_triggers(analysis: Analysis) -> list[tuple[str, str]]:
    """The reasons to see a clinician that the article and the cited sources name, where they apply.

    Each is ``(pattern, sentence)``: the pattern whose card says it (``""``: none, said on its
    own). One leg only; tingling or numbness in a cramp's notes (on the one-leg card when
    there is one); frequent night cramps (``night_frequent_count`` within
    ``night_frequent_window_days``); a listed medicine in a class linked to cramps.

    References
    ----------
    The boundary note of the report (frequent, one-sided, numbness, after a new medicine);
    Garrison et al. 2012 for the medicine classes.
    """
    flags, t, tz = analysis.flags, analysis.thresholds, analysis.athlete.timezone
    patterns = set(flags["pattern"]) if len(flags) else set()
    out: list[tuple[str, str]] = []
    if "one_leg" in patterns:
        out.append(("one_leg", "Cramps in one leg only are among the reasons to see a clinician."))
    cramps = analysis.cramps
    noted = []
    if len(cramps) and "notes" in cramps:
        for c in cramps.to_dict("records"):
            note = c.get("notes")
            if isinstance(note, str) and NUMBNESS_WORDS.search(note):
                when = _local(c.get("time_utc"), tz, "%d %b %Y") or str(c.get("date_local") or "")
                noted.append(f"cramp {int(c['cramp_row'])}{f' on {when}' if when else ''}: “{note.strip()}”")
    if noted:
        out.append(("one_leg" if "one_leg" in patterns else "",
                    "The notes mention tingling or numbness (" + "; ".join(noted) + "): with cramps, that is a "
                    "reason to see a clinician."))
    night = flags[(flags["scope"] == "cramp") & (flags["rule"] == "night")] if len(flags) else flags
    if len(night):
        times = cramps.set_index("cramp_row").loc[night["cramp_row"].astype(int).unique(), "time_utc"]
        times = pd.to_datetime(times, utc=True).dropna().sort_values()
        need, window = int(t["night_frequent_count"]), pd.Timedelta(days=float(t["night_frequent_window_days"]))
        values = list(times)
        most = max((sum(1 for u in values[i:] if u - v < window) for i, v in enumerate(values)), default=0)
        if most >= need:
            out.append(("night", f"{most} night cramps within {t['night_frequent_window_days']:.0f} days: frequent "
                                 f"night cramps ({need} or more within {t['night_frequent_window_days']:.0f} days) "
                                 "are a reason to see a clinician."))
    if "medication" in patterns:
        out.append(("medication", "A medicine in a class linked to cramps is among the reasons to see a "
                                  "clinician."))
    return out


def left_out_cramps(problems: list) -> list[str]:
    """"cramp N left out (why)" for each row of cramps.csv that was not read, in row order.

    Cramps are numbered by their row in cramps.csv, so a row left out is a gap in the numbers.
    """
    out = []
    for p in problems:
        if Path(str(p.file)).name != "cramps.csv" or "left out" not in str(p.message):
            continue
        row = getattr(p, "row", None)
        if row is None:
            m = re.fullmatch(r"row (\d+)", str(p.location))
            row = int(m.group(1)) if m else None
        if row is not None:
            why = re.sub(r"\s*—\s*row left out$", "", str(p.message)).strip()
            out.append((row, f"cramp {row} left out ({why})"))
    return [text for _, text in sorted(out)]


CLINICIAN_REASONS = {"one_leg": "cramps in one leg only", "notes": "tingling or numbness in the notes",
                     "night": "frequent night cramps", "medication": "a listed medicine"}
"""The team page's few words for each reason to see a clinician (:func:`clinician_triggers`)."""


def clinician_reasons(triggers: list[tuple[str, str]]) -> list[str]:
    """The few words for each of :func:`clinician_triggers`' reasons, in its order."""
    out = []
    for pattern, text in triggers:
        key = "notes" if "tingling or numbness" in text else pattern
        if key in CLINICIAN_REASONS:
            out.append(CLINICIAN_REASONS[key])
    return out


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
            n = len(numbers)
            headline = (f"{n} listed medicine{'s are' if n != 1 else ' is'} in a class linked to night cramps in "
                        "adults aged 50 and over; that study was of night cramps, not cramps while running.")
        elif pattern == "one_leg":
            row = mine[mine["scope"] == "athlete"].iloc[0]
            headline = (f"{fitting} of {n_cramps} cramps were single-leg cramps on one side, on "
                        f"{int(row['value'])} separate runs or days.")
        elif n_cramps:
            headline = f"{fitting} of {n_cramps} cramp{'s' if n_cramps > 1 else ''} fit this pattern."
        else:
            headline = f"No cramp logged; {runs} run{'s' if runs != 1 else ''} crossed its threshold."
        cards.append(Card(pattern, PATTERN_NAMES[pattern], headline, numbers, PATTERN_CAUSE[pattern],
                          PATTERN_EVIDENCE[pattern], PATTERN_CHANGES[pattern], int(fitting), int(runs),
                          next_steps=_next_steps(analysis, pattern, mine)))
    return cards


def _next_steps(analysis: Analysis, pattern: str, mine: pd.DataFrame) -> list[str]:
    """What to try next on a card: :data:`PATTERN_NEXT` with this athlete's own numbers."""
    out = [PATTERN_NEXT[pattern]]
    t = analysis.thresholds
    cramp = mine[mine["scope"] == "cramp"]
    source = cramp if len(cramp) else mine[mine["scope"] == "run"]
    if pattern == "over_exertion":
        spike = source[source["rule"] == "long_run_spike"]["value"].astype(float)
        if len(spike):
            out.append(f"The numbers: the cramp run was {spike.max():.2f} × the longest run of the previous "
                       f"{t['long_run_history_days']:.0f} days (the flag starts at {t['long_run_spike_ratio']:.2f} ×).")
        fast = source[source["rule"] == "faster_than_usual"]["value"].astype(float)
        if len(fast):
            out.append(f"It was run {(fast.max() - 1) * 100:.0f} % faster than usual for the distance (the flag "
                       f"starts at {(t['pace_faster_ratio'] - 1) * 100:.0f} %).")
    elif pattern == "dehydration_heat":
        runs = analysis.runs
        sweat = runs["sweat_rate_l_per_h"].astype(float).dropna() if "sweat_rate_l_per_h" in runs else []
        if len(sweat):
            loss = runs["body_mass_loss_pct"].astype(float).dropna()
            out.append(f"Your weigh-ins: about {sweat.median():.1f} L of sweat an hour (median of {len(sweat)} "
                       f"run{'s' if len(sweat) != 1 else ''}, {sweat.min():.1f}–{sweat.max():.1f} L/h)"
                       + (f", up to {loss.max():.1f} % of body mass lost" if len(loss) else "") + ".")
        else:
            out.append("Weigh-ins before and after runs (weigh_ins.csv) would give your own sweat rate here.")
    return out


def _card_numbers(analysis: Analysis, pattern: str, mine: pd.DataFrame, dates: dict[str, str]) -> list[str]:
    out: list[str] = []
    if pattern == "medication":
        for f in facts_of(analysis, mine[mine["scope"] == "athlete"]):
            lowers = ", which can lower potassium" if f.potassium_depleting else ""
            out.append(f"{medicine_named(f)}: a {f.category}{lowers}; {f.class_evidence}")
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
            top = max(facts_of(analysis, group), key=lambda f: f.value)
            shown = f"up to {chip_value(rule, top.value, '', top.beyond_chart).split(' ', 1)[-1]}"
            if rule == "heat_index" and off_chart_by_air(top.value, top.beyond_chart):
                shown = format_heat_index(top.value, True, "value")
            out.append(f"{label}: {shown}{where}")
        elif rule == "body_mass_loss":
            out.append(f"{label}: up to {values.max():.1f} % of body mass")
        elif rule == "hr_drift":
            out.append(f"{label}: up to {values.max():.0f} % against pace in warm air")
        elif rule == "mass_gain":
            out.append(f"weighed up to {values.max():.1f} kg more after a run than before (information)")
        elif rule == "night":
            times = ", ".join(clock_text(v) for v in values)
            out.append(f"at rest at night, local time {times}")
        elif rule == "one_leg":
            (fact,) = facts_of(analysis, mine[mine["scope"] == "athlete"])
            out.append(f"all in the {fact.side} leg; chance alone p = {p_text(fact.p)}")
    if pattern == "dehydration_heat" or pattern == "over_exertion":
        shown = [dates.get(a, "") for a in dict.fromkeys(source["activity"].dropna())]
        shown = [d for d in shown if d]
        if shown:
            out.append("runs: " + "; ".join(shown[:6]) + (" …" if len(shown) > 6 else ""))
    if pattern == "dehydration_heat":
        out += _acclimatisation_line(analysis, source)
    return out


def _acclimatisation_line(analysis: Analysis, source: pd.DataFrame) -> list[str]:
    """Heat acclimatisation as context on the hot-day card: the hot runs in the days before each hot run
    flagged here (:func:`analyzer.plan.acclimatisation`, Périard et al. 2015; Daanen et al. 2018)."""
    import datetime as dt

    from analyzer.plan import HOT_RUN_COLUMNS, acclimatisation_window, is_hot_run

    hot = source[source["rule"].isin(["heat_index", "wbgt"])]["activity"].dropna()
    runs = analysis.runs
    if not len(hot) or not len(runs):
        return []
    dates = runs["date_local"].astype(str).tolist()
    by_name = dict(zip(runs["activity"], dates, strict=True))
    # the hot runs of each window (plan.acclimatisation's window: the rest of the season is not looked at),
    # each run's heat judged once
    windows = {name: acclimatisation_window(dates, dt.date.fromisoformat(by_name[name]), analysis.thresholds)
               for name in dict.fromkeys(hot) if name in by_name}
    rows = sorted({i for near in windows.values() for i in near})
    columns = [c for c in HOT_RUN_COLUMNS if c in runs]
    judged = dict(zip(rows, (is_hot_run(r, analysis.thresholds)
                             for r in runs.iloc[rows][columns].to_dict("records")), strict=True))
    counts = [f"{sum(judged[i] for i in near)} before {by_name[name]}" for name, near in windows.items()]
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
            "heat_index": format_heat_index(r["heat_index_max_c"], bool(r.get("heat_index_beyond_chart")), "cell",
                                            under_chart=True),
            "mass_loss": number(r["body_mass_loss_pct"], 1), "spike": number(r["distance_ratio"], 2),
            "pace_ratio": number(r["pace_ratio"], 2), "acwr": number(r["acwr_coupled"], 2),
            "cramps": int(r["cramps"]),
        })
    return rows


SMALL_SAMPLE = "; a small sample shows association at most"
"""Said once under the season table instead of in every verdict."""


def _season(analysis: Analysis) -> list[dict]:
    rows = []
    for s in analysis.season.to_dict("records"):
        digits = season_digits(str(s["label"]))
        rows.append({"label": s["label"], "threshold": number(s["threshold"], digits),
                     "cramp_runs": f"{s['cramp_runs_above']} / {s['cramp_runs']}",
                     "other_runs": f"{s['other_runs_above']} / {s['other_runs']}",
                     "median_cramp": number(s["median_cramp_runs"], digits),
                     "median_other": number(s["median_other_runs"], digits),
                     "verdict": str(s["verdict"]).replace(SMALL_SAMPLE, "")})
    return rows


def _season_note(analysis: Analysis) -> str:
    """One sentence instead of the season table when no measure has enough cramp runs to compare."""
    season = analysis.season
    if not len(season) or not season["fisher_p"].isna().all():
        return ""
    need = analysis.thresholds["season_min_cramp_runs"]
    most = int(season["cramp_runs"].max())
    runs = f"{most} run{'s' if most != 1 else ''} with a cramp" if most else "no run with a cramp"
    return (f"Too few cramp runs to compare: {runs} (at least {need:.0f} are needed for any measure), "
            "so runs with and without cramps are not set side by side.")


def _how_to_read(analysis: Analysis, triggers: list[tuple[str, str]]) -> list[dict]:
    """Each rule that fired, once: what it checks, the threshold used, the full source; ``triggers``
    are :func:`clinician_triggers`' reasons (the page has them already)."""
    flags = analysis.flags
    seen = []
    for rule in dict.fromkeys(flags["rule"]) if len(flags) else []:
        row = flags[flags["rule"] == rule].iloc[0]
        name = _threshold_of(rule)
        threshold = ""
        if name:
            t = THRESHOLDS[name]
            threshold = f"{threshold_text(analysis.thresholds[name], t.unit)} (setting {name})"
        label = RULE_NAMES.get(rule, rule)
        pattern = PATTERN_NAMES.get(row["pattern"], "")
        label = pattern if label in pattern else f"{label}, a check for {pattern}"
        seen.append({"rule": rule, "name": label, "label": label[0].upper() + label[1:], "pattern": pattern,
                     "threshold": threshold, "source": source_of(name) if name else row["source"]})
    if any(p == "night" for p, _ in triggers):  # the clinician box's "frequent", in settings
        t = analysis.thresholds
        seen.append({"rule": "night_frequent", "name": "frequent night cramps",
                     "label": "Frequent night cramps, worth mentioning to a clinician",
                     "pattern": PATTERN_NAMES.get("night", ""),
                     "threshold": f"{t['night_frequent_count']:.0f} night cramps (setting night_frequent_count) "
                                  f"within {t['night_frequent_window_days']:.0f} days (setting "
                                  "night_frequent_window_days)",
                     "source": source_of("night_frequent_count")})
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
    # a sentence shared by several cramps (one leg, a medicine, the evidence of a rule) is said once:
    # the first cramp says it, the later ones name the pattern "as for cramp N"
    first_said: dict[str, int] = {}
    for c in cramp_rows:
        mine = flags[(flags["scope"] == "cramp") & (flags["cramp_row"] == c["cramp_row"])] if len(flags) else flags
        messages, same = [], {}
        for p, m in zip(mine["pattern"], mine["message"], strict=True):
            new = []
            for sentence in split_sentences(m):
                if sentence in first_said:
                    same.setdefault(first_said[sentence], []).append(PATTERN_NAMES[p])
                else:
                    first_said[sentence] = c["cramp_row"]
                    new.append(sentence)
            if new:
                messages.append({"name": PATTERN_NAMES[p], "message": " ".join(new)})
        as_for = "; ".join(f"{', '.join(dict.fromkeys(names))} as for cramp {row}" for row, names in same.items())
        out.append({**c, "messages": messages, "as_for": as_for})
    return out


_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(“\"'])")


def split_sentences(text: str) -> list[str]:
    """A message's sentences (split after ``.``, ``!`` or ``?`` followed by a space and a capital).

    Examples
    --------
    >>> split_sentences("Heat index 32.2 °C. The flag starts at 32.2 °C.")
    ['Heat index 32.2 °C.', 'The flag starts at 32.2 °C.']
    """
    return [s.strip() for s in _SENTENCE_END.split(str(text)) if s.strip()]


def _other_run_flags(analysis: Analysis, dates: dict[str, str]) -> list[dict]:
    flags = analysis.flags
    if not len(flags):
        return []
    cramp_runs = set(analysis.cramps["activity"].dropna()) if len(analysis.cramps) else set()
    rows = flags[(flags["scope"] == "run") & ~flags["activity"].isin(cramp_runs)]
    out = []
    for r, f in zip(rows.to_dict("records"), facts_of(analysis, rows), strict=True):
        out.append({"date": dates.get(r["activity"], ""), "activity": r["activity"], "pattern": r["pattern"],
                    "name": PATTERN_NAMES[r["pattern"]], "chip": chip_value(f.rule, f.value, f.unit, f.beyond_chart),
                    "message": r["message"]})
    return out


