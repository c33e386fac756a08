"""One function per rule: a run's (or cramp's, or athlete's) numbers in, flags out.

Each flag is a dict with ``pattern``, ``rule``, ``value``, ``threshold``, ``unit``,
``message`` and ``source`` (FORMATS.md ``flags.csv``). Messages say "consistent with",
give the numbers, the threshold and the evidence strength (DOMAIN.md §1–2), and never
diagnose, name a cause, or advise on medicines, fluids or supplements (DOMAIN.md §6).
"""

from __future__ import annotations

import math

import pandas as pd

from analyzer.flags.medications import match_medications
from analyzer.flags.thresholds import source_of
from analyzer.formatting import format_pace
from analyzer.metrics.stats import same_side_p

Flag = dict[str, object]


def _flag(pattern: str, rule: str, value: float, threshold_name: str, thresholds: dict[str, float],
          unit: str, message: str) -> Flag:
    return {
        "pattern": pattern, "rule": rule, "value": round(float(value), 3),
        "threshold": thresholds[threshold_name], "unit": unit, "message": message,
        "source": f"DOMAIN.md §4 {threshold_name}: {source_of(threshold_name)}",
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
                  "over-exertion; in runners this is the best-supported pattern (moderate evidence; the cohort "
                  "behind this threshold measured injuries, not cramps).")]


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


def heat_index(value_c: float, where: str, t: dict[str, float]) -> list[Flag]:
    """NWS heat index from air temperature and humidity (never the wrist sensor)."""
    if not _ok(value_c) or value_c < t["heat_index_caution_c"]:
        return []
    category = "extreme danger" if value_c >= 51.7 else "danger" if value_c >= 39.4 else "extreme caution"
    return [_flag("dehydration_heat", "heat_index", value_c, "heat_index_caution_c", t, "°C",
                  f"It was hot {where}: heat index {value_c:.1f} °C (NWS '{category}'; the flag starts at "
                  f"{t['heat_index_caution_c']:.1f} °C). The article links cramps to dehydration on hot days; heat "
                  "strain is well documented, its link to cramps is weaker (weak, contested evidence).")]


def wbgt(value_c: float, source: str, t: dict[str, float]) -> list[Flag]:
    """Wet-bulb globe temperature against the ACSM race flags."""
    if not _ok(value_c) or value_c < t["wbgt_high_c"]:
        return []
    flag = "black" if value_c >= t["wbgt_extreme_c"] else "red"
    return [_flag("dehydration_heat", "wbgt", value_c, "wbgt_high_c", t, "°C",
                  f"WBGT reached {value_c:.1f} °C ({source}), an ACSM '{flag}' flag for racing "
                  f"(red from {t['wbgt_high_c']:.0f} °C, black above {t['wbgt_extreme_c']:.0f} °C). Heat stress is "
                  "consistent with the article's hot-day dehydration; its link to cramps is weak.")]


def body_mass_loss(run: pd.Series, t: dict[str, float]) -> list[Flag]:
    """Body mass lost over the run (Sawka et al. 2007)."""
    loss = run.get("body_mass_loss_pct")
    if not _ok(loss) or loss < t["body_mass_loss_pct"]:
        return []
    sweat = run.get("sweat_rate_l_per_h")
    sweat_text = f" (about {sweat:.1f} L/h of sweat)" if _ok(sweat) else ""
    typical_hr = 3 * loss
    return [_flag("dehydration_heat", "body_mass_loss", loss, "body_mass_loss_pct", t, "%",
                  f"You lost {loss:.1f} % of body mass{sweat_text}; the flag starts at {t['body_mass_loss_pct']:.1f} %. "
                  f"At this loss heart rate typically rises about {typical_hr:.0f} bpm in the heat (3 bpm per 1 %, "
                  "not measured here). The article links cramps to dehydration; studies find that link weak.")]


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
    return (
        long_run_spike(run, t) + faster_than_usual(run, t)
        + heat_index(run.get("heat_index_max_c"), where, t)
        + wbgt(run.get("wbgt_max_c"), str(run.get("wbgt_source") or ""), t)
        + body_mass_loss(run, t) + mass_gain(run, t) + hr_drift(run, t)
    )


def one_leg(cramps: pd.DataFrame, t: dict[str, float]) -> tuple[list[Flag], str | None]:
    """All single-leg cramps on the same side, at least ``one_leg_min_cramps`` of them.

    Returns the athlete-scope flags and the side (``None`` when no flag).
    """
    sides = cramps["leg"][cramps["leg"].isin(["left", "right"])] if len(cramps) else pd.Series(dtype=object)
    n = len(sides)
    if n < t["one_leg_min_cramps"] or sides.nunique() != 1:
        return [], None
    side = str(sides.iloc[0])
    p = same_side_p(n)
    return [_flag("one_leg", "one_leg", n, "one_leg_min_cramps", t, "cramps",
                  f"All {n} of your logged single-leg cramps were in the {side} leg (chance alone: p = {p:.2g}). "
                  "The article notes one-sided cramps can come from a pinched nerve — worth mentioning to a "
                  "clinician (a clinical hint, not runner data).")], side


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
                  f"local, {since}). Night-time cramps at rest are common, especially with age, and the article "
                  "mentions minerals and medicines; they are not explained by your runs (descriptive evidence).")]


def medication(listed: list[str], t: dict[str, float]) -> list[Flag]:
    """Listed medicines in a class linked to cramps (Garrison et al. 2012)."""
    flags = []
    for text, generic, cls in match_medications(listed):
        if cls.potassium_depleting:
            what = f"a {cls.name} that can lower potassium; this class is associated with cramps"
        else:
            what = f"a {cls.name}; this class is associated with cramps"
        flags.append({
            "pattern": "medication", "rule": "medication_class", "value": float("nan"), "threshold": float("nan"),
            "unit": "", "source": "DOMAIN.md §2 medicine classes: Garrison et al. 2012, Arch Intern Med "
            "(sequence-symmetry analysis; an association, not proof)",
            "message": f"You listed {text} ({generic}), {what} (moderate evidence of an association). "
                       "Please don't change any medicine without your prescriber.",
        })
    return flags

