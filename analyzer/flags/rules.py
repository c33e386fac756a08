"""One function per rule: a run's (or cramp's, or athlete's) numbers in, flags out.

Each flag is a dict with ``pattern``, ``rule``, ``value``, ``threshold``, ``unit``,
``message`` and ``source`` (the report folder's ``flags.csv``). Messages say "consistent
with", give the numbers, the threshold and the evidence strength, and never diagnose, name a
cause, or advise on medicines, fluids or supplements. ``source`` carries the full citation and
the threshold's setting name (:func:`analyzer.flags.thresholds.source_of`).
"""

from __future__ import annotations

import math

import pandas as pd

from analyzer.flags.medications import match_medications
from analyzer.flags.thresholds import source_of
from analyzer.formatting import format_heat_index, format_pace
from analyzer.metrics.heat import heat_index_category
from analyzer.metrics.stats import same_side_p
from analyzer.references import cite

Flag = dict[str, object]


def _flag(pattern: str, rule: str, value: float, threshold_name: str, thresholds: dict[str, float],
          unit: str, message: str) -> Flag:
    return {
        "pattern": pattern, "rule": rule, "value": round(float(value), 3),
        "threshold": thresholds[threshold_name], "unit": unit, "message": message,
        "source": source_of(threshold_name),
    }


def _ok(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def long_run_spike(run: pd.Series, t: dict[str, float]) -> list[Flag]:
    """Run distance vs the longest run in the previous 30 days (Frandsen et al. 2025)."""
    ratio = run.get("distance_ratio")
    if not _ok(ratio) or ratio < t["long_run_spike_ratio"]:
        return []
    pct = (ratio - 1) * 100
    return [_flag("over_exertion", "long_run_spike", ratio, "long_run_spike_ratio", t, "ratio",
                  f"This run ({run['distance_km']:.1f} km) was {pct:.0f} % longer than your longest run in the "
                  f"previous {t['long_run_history_days']:.0f} days ({run['longest_prior_30d_km']:.1f} km); the flag "
                  f"starts at {(t['long_run_spike_ratio'] - 1) * 100:.0f} %. The article links cramps to "
                  "over-exertion. A spike like this raised the risk of overuse injury in a cohort of 5,205 runners "
                  "(moderate evidence, for injury); for cramps the support is only indirect: crampers in races "
                  "ran harder than they were used to.")]


def faster_than_usual(run: pd.Series, t: dict[str, float]) -> list[Flag]:
    """Run speed vs the median of the athlete's similar-distance runs (Schwellnus 2011a, b)."""
    ratio = run.get("pace_ratio")
    if not _ok(ratio) or ratio < t["pace_faster_ratio"]:
        return []
    usual = 1000.0 / run["usual_speed_mps"]
    return [_flag("over_exertion", "faster_than_usual", ratio, "pace_faster_ratio", t, "ratio",
                  f"You ran {(ratio - 1) * 100:.0f} % faster than usual for this distance "
                  f"({format_pace(run['pace_s_per_km'])} min/km vs a usual {format_pace(usual)} min/km over {int(run['n_comparison_runs'])} "
                  f"similar runs; the flag starts at {(t['pace_faster_ratio'] - 1) * 100:.0f} %). Faster-than-usual "
                  "running is consistent with the over-exertion the article describes (moderate evidence in "
                  "endurance athletes).")]


def heat_index(value_c: float, where: str, t: dict[str, float], beyond_chart: bool = False) -> list[Flag]:
    """NWS heat index from air temperature and humidity (never the wrist sensor).

    The category comes from the NWS edges in °F (:func:`analyzer.metrics.heat.heat_index_category`);
    a value beyond the NWS chart is said to be so, not printed as a precise number.
    """
    if not _ok(value_c) or value_c < t["heat_index_caution_c"]:
        return []
    category = heat_index_category(value_c)
    shown = format_heat_index(value_c, beyond_chart)
    return [_flag("dehydration_heat", "heat_index", value_c, "heat_index_caution_c", t, "°C",
                  f"It was hot {where}: heat index {shown} (NWS '{category}'; the flag starts at "
                  f"{t['heat_index_caution_c']:.1f} °C). The article links cramps to dehydration on hot days; heat "
                  "strain is well documented, its link to cramps is weaker (weak, contested evidence).")]


def _wbgt_source_words(source: str) -> str:
    """How the WBGT was had, as words after the number: ``, measured`` or ``, estimated from ... ``."""
    if not source:
        return ""
    if source.startswith("estimated (BoM"):
        return (", estimated from air temperature and humidity by the Bureau of Meteorology's formula, which "
                "assumes sun and light wind")
    return f", {source}"


def wbgt(value_c: float, source: str, t: dict[str, float]) -> list[Flag]:
    """Wet-bulb globe temperature against the ACSM race flags."""
    if not _ok(value_c) or value_c < t["wbgt_high_c"]:
        return []
    flag = "black" if value_c >= t["wbgt_extreme_c"] else "red"
    return [_flag("dehydration_heat", "wbgt", value_c, "wbgt_high_c", t, "°C",
                  f"WBGT reached {value_c:.1f} °C{_wbgt_source_words(source)}, an ACSM '{flag}' flag for racing "
                  f"(red from {t['wbgt_high_c']:.0f} °C, black above {t['wbgt_extreme_c']:.0f} °C). Heat stress is "
                  "consistent with the article's hot-day dehydration; its link to cramps is weak.")]


def body_mass_loss(run: pd.Series, t: dict[str, float]) -> list[Flag]:
    """Body mass lost over the run (Sawka et al. 2007).

    The message says when the sweat rate is only a lower bound (no fluid drunk was logged, so
    it counts as none) and when the pre-run mass is the profile's ``body_mass_kg`` rather than
    a weigh-in.
    """
    loss = run.get("body_mass_loss_pct")
    if not _ok(loss) or loss < t["body_mass_loss_pct"]:
        return []
    sweat = run.get("sweat_rate_l_per_h")
    if not _ok(sweat):
        sweat_text = ""
    elif run.get("fluid_logged") is False:
        sweat_text = (f" (at least {sweat:.1f} L/h of sweat: no fluid drunk was logged, so this is a lower "
                      "bound)")
    else:
        sweat_text = f" (about {sweat:.1f} L/h of sweat)"
    borrowed = ""
    if run.get("mass_before_source") == "profile":
        borrowed = (" The pre-run mass is the profile's body_mass_kg, not a weigh-in before this run, so the "
                    "loss is approximate.")
    typical_hr = 3 * loss
    return [_flag("dehydration_heat", "body_mass_loss", loss, "body_mass_loss_pct", t, "%",
                  f"You lost {loss:.1f} % of body mass{sweat_text}; the flag starts at {t['body_mass_loss_pct']:.1f} %."
                  f"{borrowed} At this loss heart rate typically rises about {typical_hr:.0f} bpm in the heat "
                  "(3 bpm per 1 %, not measured here). The article links cramps to dehydration; studies find that "
                  "link weak.")]


def mass_gain(run: pd.Series, t: dict[str, float]) -> list[Flag]:
    """Weighing more after a run than before (Almond et al. 2005): information, not a cramp cause."""
    change = run.get("mass_change_kg")
    if not _ok(change) or change <= t["mass_gain_kg"]:
        return []
    return [_flag("dehydration_heat", "mass_gain", change, "mass_gain_kg", t, "kg",
                  f"You weighed {change:.1f} kg more after the run than before: drinking more than you sweat can "
                  "dilute blood sodium (strong evidence for that risk). This is information about drinking, "
                  "not an explanation of cramps.")]


def hr_drift(run: pd.Series, t: dict[str, float]) -> list[Flag]:
    """Aerobic decoupling beyond the threshold on a warm day (Friel)."""
    drift = run.get("decoupling_pct")
    air = run.get("air_temperature_c")
    if not _ok(drift) or drift < t["decoupling_pct"] or not _ok(air) or air < t["decoupling_min_air_c"]:
        return []
    return [_flag("dehydration_heat", "hr_drift", drift, "decoupling_pct", t, "%",
                  f"Heart rate drifted {drift:.1f} % against pace in {air:.0f} °C air (the flag starts at "
                  f"{t['decoupling_pct']:.0f} % with air at {t['decoupling_min_air_c']:.0f} °C or more). Heat, fluid "
                  "loss and fatigue all raise this drift, so it cannot tell them apart (moderate evidence).")]


def run_flags(run: pd.Series, t: dict[str, float]) -> list[Flag]:
    """Every run-level rule on one row of the runs table."""
    where = "during this run"
    air_source = str(run.get("air_temperature_source") or "")
    heat = (heat_index(run.get("heat_index_max_c"), where, t, bool(run.get("heat_index_beyond_chart", False)))
            + wbgt(run.get("wbgt_max_c"), str(run.get("wbgt_source") or ""), t) + hr_drift(run, t))
    for f in heat:
        f["air_temperature_source"] = air_source
    return long_run_spike(run, t) + faster_than_usual(run, t) + heat + body_mass_loss(run, t) + mass_gain(run, t)


def one_leg(cramps: pd.DataFrame, t: dict[str, float]) -> tuple[list[Flag], str | None]:
    """Single-leg cramps that all fall on the same side, on at least ``one_leg_min_cramps`` runs or days.

    Several cramps in one run (or on one day away from runs) are not independent chances, so
    they count once: the unit is the ``episode`` column (a run's file name, or a local date),
    or each row when that column is absent. ``both`` rows are left out. Under "either leg
    equally likely" the chance that all ``n`` episodes fall on one side is 2 × 0.5ⁿ.

    Returns the athlete-scope flags and the side (``None`` when no flag).
    """
    if not len(cramps):
        return [], None
    single = cramps[cramps["leg"].isin(["left", "right"])]
    if not len(single):
        return [], None
    episodes = single["episode"] if "episode" in single else pd.Series(range(len(single)), index=single.index)
    sides = single.groupby(episodes.astype(str), sort=False)["leg"].agg(lambda s: s.iloc[0] if s.nunique() == 1 else "mixed")
    n = len(sides)
    if n < t["one_leg_min_cramps"] or sides.nunique() != 1 or sides.iloc[0] == "mixed":
        return [], None
    side = str(sides.iloc[0])
    p = same_side_p(n)
    count = f"{len(single)} cramps on {n} separate runs or days" if len(single) != n else f"{n} cramps, each on its own run or day"
    return [_flag("one_leg", "one_leg", n, "one_leg_min_cramps", t, "runs or days",
                  f"All your logged single-leg cramps ({count}) were in the {side} leg (chance alone, counting each "
                  f"run or day once: p = {p:.2g}). The article notes one-sided cramps can come from a pinched nerve "
                  "— worth mentioning to a clinician (a clinical hint, not runner data).")], side


def night(cramp: pd.Series, local_hour: float, hours_since_run: float | None, t: dict[str, float]) -> list[Flag]:
    """A cramp at rest at night, well after any run."""
    start, end = t["night_start_local_h"], t["night_end_local_h"]
    at_night = local_hour >= start or local_hour < end if start > end else start <= local_hour < end
    if cramp.get("context") != "at_rest" or not at_night:
        return []
    if hours_since_run is not None and hours_since_run < t["night_min_gap_after_run_h"]:
        return []
    since = f"{hours_since_run:.0f} h after your last run" if hours_since_run is not None else "with no run before it"
    return [_flag("night", "night", local_hour, "night_start_local_h", t, "h local",
                  f"This cramp came at rest at night ({int(local_hour):02d}:{int(round(local_hour % 1 * 60)) % 60:02d} "
                  f"local, {since}). Night-time cramps at rest are common and become more common with age; the "
                  "article mentions minerals and medicines. They are not explained by your runs (descriptive "
                  "evidence).")]


def medication(listed: list[str], t: dict[str, float]) -> list[Flag]:
    """Listed medicines in a class linked to night cramps, graded by the class's own number (Garrison et al. 2012)."""
    flags = []
    for text, generic, cls in match_medications(listed):
        lowers = " that can lower potassium" if cls.potassium_depleting else ""
        named = text if generic.lower() in text.lower() else f"{text} ({generic})"
        flags.append({
            "pattern": "medication", "rule": "medication_class", "value": cls.sequence_ratio,
            "threshold": float("nan"), "unit": "sequence ratio",
            "source": ("Sequence-symmetry analysis of prescriptions in adults aged 50 and over (night cramps "
                       "treated with quinine); an association, not proof. " + cite("garrison2012")),
            "message": f"You listed {named}, a {cls.name}{lowers}. In adults aged 50 and over, night "
                       f"cramps were treated more often after starting this class than before ({cls.evidence()}). "
                       "That study was of night cramps, not cramps while running. Please don't change any "
                       "medicine without your prescriber.",
        })
    return flags
