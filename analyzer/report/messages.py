"""The words of each flag, keyed by rule: the report speaks, the rules only find facts.

A message says "consistent with", gives the numbers, the threshold and the evidence
strength, and never diagnoses, names a cause, or advises on medicines, fluids or supplements.
Everything a message says comes from its :class:`~analyzer.flags.rules.Flag`; ``flags.csv``'s
``message`` column and the pages are written from here.

To word a new rule: add a function ``_<rule>(flag) -> str`` and its entry in :data:`WORDING`.
"""

from __future__ import annotations

from collections.abc import Callable

from analyzer.flags.rules import Flag
from analyzer.formatting import clock_text, format_heat_index, format_pace, p_text
from analyzer.metrics.heat import WBGT_ESTIMATE_PREFIX

DOCTOR = "Please don't change any medicine without your prescriber."
"""The medicine message's last sentence."""

def _long_run_spike(f: Flag) -> str:
    pct = (f.value - 1) * 100
    return (f"This run ({f.distance_km:.1f} km) was {pct:.0f} % longer than your longest run in the "
            f"previous {f.history_days:.0f} days ({f.longest_prior_km:.1f} km); the flag "
            f"starts at {(f.threshold - 1) * 100:.0f} %. The article links cramps to "
            "over-exertion. A spike like this raised the risk of overuse injury in a cohort of 5,205 runners "
            "(moderate evidence, for injury); for cramps the support is only indirect: crampers in races "
            "ran harder than they were used to.")


def _faster_than_usual(f: Flag) -> str:
    return (f"You ran {(f.value - 1) * 100:.0f} % faster than usual for this distance "
            f"({format_pace(f.pace_s_per_km)} min/km vs a usual {format_pace(f.usual_pace_s_per_km)} min/km over "
            f"{f.comparison_runs} similar runs; the flag starts at {(f.threshold - 1) * 100:.0f} %). Faster-than-usual "
            "running is consistent with the over-exertion the article describes (moderate evidence in "
            "endurance athletes).")


def _heat_index(f: Flag) -> str:
    where = "when this cramp came" if f.at_cramp else "during this run"
    return (f"It was hot {where}: heat index {format_heat_index(f.value, f.beyond_chart)} (NWS '{f.category}'; "
            f"the flag starts at {f.threshold:.1f} °C). The article links cramps to dehydration on hot days; heat "
            "strain is well documented, its link to cramps is weaker (weak, contested evidence).")


def _wbgt_source_words(source: str) -> str:
    """How the WBGT was had, as words after the number: ``, measured`` or ``, estimated from ... ``."""
    if not source:
        return ""
    if source.startswith(WBGT_ESTIMATE_PREFIX):
        return (", estimated from air temperature and humidity by the Bureau of Meteorology's formula, which "
                "assumes sun and light wind")
    return f", {source}"


def _wbgt(f: Flag) -> str:
    return (f"WBGT reached {f.value:.1f} °C{_wbgt_source_words(f.wbgt_source)}, an ACSM '{f.category}' flag for "
            f"racing (red from {f.threshold:.0f} °C, black above {f.wbgt_extreme_c:.0f} °C). Heat stress is "
            "consistent with the article's hot-day dehydration; its link to cramps is weak.")


def _body_mass_loss(f: Flag) -> str:
    sweat = f.sweat_rate_l_per_h
    if sweat is None:
        sweat_text = ""
    elif f.fluid_logged is False:
        sweat_text = (f" (at least {sweat:.1f} L/h of sweat: no fluid drunk was logged, so this is a lower "
                      "bound)")
    else:
        sweat_text = f" (about {sweat:.1f} L/h of sweat)"
    borrowed = ""
    if f.mass_before_source == "profile":
        borrowed = (" The pre-run mass is the profile's body_mass_kg, not a weigh-in before this run, so the "
                    "loss is approximate.")
    return (f"You lost {f.value:.1f} % of body mass{sweat_text}; the flag starts at {f.threshold:.1f} %."
            f"{borrowed} At this loss heart rate typically rises about {3 * f.value:.0f} bpm in the heat "
            "(3 bpm per 1 %, not measured here). The article links cramps to dehydration; studies find that "
            "link weak.")


def _mass_gain(f: Flag) -> str:
    return (f"You weighed {f.value:.1f} kg more after the run than before: drinking more than you sweat can "
            "dilute blood sodium (strong evidence for that risk). This is information about drinking, "
            "not an explanation of cramps.")


def _hr_drift(f: Flag) -> str:
    return (f"Heart rate drifted {f.value:.1f} % against pace in {f.air_temperature_c:.0f} °C air (the flag starts "
            f"at {f.threshold:.0f} % with air at {f.min_air_c:.0f} °C or more). Heat, fluid "
            "loss and fatigue all raise this drift, so it cannot tell them apart (moderate evidence).")


def one_leg_count(f: Flag) -> str:
    """``7 cramps on 4 separate runs or days`` or ``5 cramps, each on its own run or day``."""
    if f.cramps != f.episodes:
        return f"{f.cramps} cramps on {f.episodes} separate runs or days"
    return f"{f.episodes} cramps, each on its own run or day"


def _one_leg(f: Flag) -> str:
    chance = f"chance alone, counting each run or day once: p = {p_text(f.p)}"
    hint = "a pinched nerve — worth mentioning to a clinician (a clinical hint, not runner data)"
    return f"All your logged single-leg cramps ({one_leg_count(f)}) were in the {f.side} leg ({chance}). " \
           f"The article notes one-sided cramps can come from {hint}."


def _night(f: Flag) -> str:
    since = (f"{f.hours_since_run:.0f} h after your last run" if f.hours_since_run is not None
             else "with no run before it")
    return (f"This cramp came at rest at night ({clock_text(f.local_hour)} local, {since}). Night-time cramps at "
            "rest are common and become more common with age; the article mentions minerals and medicines. They "
            "are not explained by your runs (descriptive evidence).")


def medicine_named(f: Flag) -> str:
    """The medicine as listed, with its generic name when the listing does not contain it."""
    return f.medicine if f.generic.lower() in f.medicine.lower() else f"{f.medicine} ({f.generic})"


def _medication(f: Flag) -> str:
    lowers = " that can lower potassium" if f.potassium_depleting else ""
    return (f"You listed {medicine_named(f)}, a {f.category}{lowers}. In adults aged 50 and over, night "
            f"cramps were treated more often after starting this class than before ({f.class_evidence}). "
            f"That study was of night cramps, not cramps while running. {DOCTOR}")


WORDING: dict[str, Callable[[Flag], str]] = {
    "long_run_spike": _long_run_spike, "faster_than_usual": _faster_than_usual, "heat_index": _heat_index,
    "wbgt": _wbgt, "body_mass_loss": _body_mass_loss, "mass_gain": _mass_gain, "hr_drift": _hr_drift,
    "one_leg": _one_leg, "night": _night, "medication_class": _medication,
}
"""Each rule's wording."""


def message(flag: Flag) -> str:
    """The sentences ``flags.csv`` and the pages give for ``flag``.

    Examples
    --------
    >>> from analyzer.flags.rules import Flag
    >>> message(Flag("dehydration_heat", "heat_index", 41.0, "°C", "heat_index_caution_c", 32.2, "",
    ...              category="danger", beyond_chart=True))[:77]
    'It was hot during this run: heat index beyond the NWS chart (air above 43 °C)'
    """
    return WORDING[flag.rule](flag)
