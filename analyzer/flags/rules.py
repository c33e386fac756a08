"""One function per rule: a run's (or cramp's, or athlete's) numbers in, facts out.

Each rule is ``check_<rule>`` (``check_heat_index`` is the rule on a heat index; the formula is
:func:`analyzer.metrics.heat.heat_index_c`), and its thresholds come in as ``thresholds``.

Each rule returns a list of :class:`Flag`: a frozen record of the pattern, the rule, the value
and its unit, the threshold (name and value), the source and the raw evidence the rule looked at
(the side and episode count of one-leg cramps, the p, whether a heat index is beyond the NWS
chart, its category, …). No rule writes a sentence: the words are the report's
(:mod:`analyzer.report.messages`, keyed by rule), so a number and its wording cannot disagree.
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass

import pandas as pd

from analyzer.flags.medications import match_medications
from analyzer.flags.thresholds import source_of
from analyzer.metrics.heat import heat_index_category
from analyzer.metrics.stats import same_side_p
from analyzer.references import cite

PATTERN_ORDER = ("over_exertion", "dehydration_heat", "one_leg", "night", "medication")
"""The article's patterns in the order every page, file and notebook view lists them (docs/folders.md)."""


@dataclass(frozen=True)
class Flag:
    """What a rule found: the numbers and the evidence, never the words.

    Attributes
    ----------
    pattern, rule : str
        The article's pattern and the rule that found it (``flags.csv``).
    value : float
        The rule's key number, in ``unit`` (unrounded; ``flags.csv`` rounds it to 0.001).
    unit : str
    threshold_name : str
        The setting the value was compared with (``""`` for a medicine class).
    threshold : float
        Its value (NaN for a medicine class).
    source : str
        The full citation and the setting's name (:func:`analyzer.flags.thresholds.source_of`).
    scope : str
        ``run``, ``cramp`` or ``athlete`` (set by the caller that places the flag).
    air_temperature_source : str
        Where the air temperature of a heat flag came from.
    distance_km, longest_prior_km, history_days
        ``long_run_spike``: the run, the longest of the window before it and the window.
    pace_s_per_km, usual_pace_s_per_km, comparison_runs
        ``faster_than_usual``.
    category : str
        The NWS heat-index category, the ACSM WBGT flag (``red``/``black``) or a medicine's class.
    beyond_chart : bool
        ``heat_index``: the value lies outside the NWS chart (:func:`analyzer.metrics.heat.heat_index_beyond_chart`).
    at_cramp : bool
        ``heat_index``: measured when the cramp came (not the run's highest).
    wbgt_source, wbgt_extreme_c
        ``wbgt``: how the WBGT was had; where the black flag starts.
    sweat_rate_l_per_h, fluid_logged, mass_before_source
        ``body_mass_loss``.
    air_temperature_c, min_air_c
        ``hr_drift``: the run's air and the air from which the rule applies.
    side, episodes, cramps, p
        ``one_leg``: the side, the runs or days (independent chances), the cramps and
        the chance of all on one side (2 × 0.5ⁿ).
    local_hour, hours_since_run
        ``night``.
    medicine, generic, potassium_depleting, class_evidence
        ``medication_class``: the listed text, its generic name, the class's evidence.
    """

    pattern: str
    rule: str
    value: float
    unit: str
    threshold_name: str
    threshold: float
    source: str
    scope: str = ""
    air_temperature_source: str = ""
    # long_run_spike
    distance_km: float | None = None
    longest_prior_km: float | None = None
    history_days: float | None = None
    # faster_than_usual
    pace_s_per_km: float | None = None
    usual_pace_s_per_km: float | None = None
    comparison_runs: int | None = None
    # heat_index, wbgt
    category: str = ""
    beyond_chart: bool = False
    at_cramp: bool = False
    wbgt_source: str = ""
    wbgt_extreme_c: float | None = None
    # body_mass_loss
    sweat_rate_l_per_h: float | None = None
    fluid_logged: bool | None = None
    mass_before_source: str = ""
    # hr_drift
    air_temperature_c: float | None = None
    min_air_c: float | None = None
    # one_leg
    side: str = ""
    episodes: int | None = None
    cramps: int | None = None
    p: float | None = None
    # night
    local_hour: float | None = None
    hours_since_run: float | None = None
    # medication_class
    medicine: str = ""
    generic: str = ""
    potassium_depleting: bool = False
    class_evidence: str = ""

    def placed(self, scope: str) -> Flag:
        """The same fact at another scope (a run's flag copied to a cramp in that run)."""
        return dataclasses.replace(self, scope=scope)


def _flag(pattern: str, rule: str, value: float, threshold_name: str, thresholds: dict[str, float],
          unit: str, **evidence: object) -> Flag:
    return Flag(pattern, rule, float(value), unit, threshold_name, thresholds[threshold_name],
                source_of(threshold_name), **evidence)


def _ok(value: object) -> bool:
    return value is not None and not (isinstance(value, float) and math.isnan(value))


def check_long_run_spike(run: pd.Series, thresholds: dict[str, float]) -> list[Flag]:
    """Run distance vs the longest run in the previous 30 days (Frandsen et al. 2025)."""
    ratio = run.get("distance_ratio")
    if not _ok(ratio) or ratio < thresholds["long_run_spike_ratio"]:
        return []
    return [_flag("over_exertion", "long_run_spike", ratio, "long_run_spike_ratio", thresholds, "ratio",
                  distance_km=float(run["distance_km"]), longest_prior_km=float(run["longest_prior_30d_km"]),
                  history_days=thresholds["long_run_history_days"])]


def check_faster_than_usual(run: pd.Series, thresholds: dict[str, float]) -> list[Flag]:
    """Run speed vs the median of the athlete's similar-distance runs (Schwellnus 2011a, b)."""
    ratio = run.get("pace_ratio")
    if not _ok(ratio) or ratio < thresholds["pace_faster_ratio"]:
        return []
    return [_flag("over_exertion", "faster_than_usual", ratio, "pace_faster_ratio", thresholds, "ratio",
                  pace_s_per_km=float(run["pace_s_per_km"]), usual_pace_s_per_km=1000.0 / run["usual_speed_mps"],
                  comparison_runs=int(run["n_comparison_runs"]))]


def check_heat_index(value_c: float, thresholds: dict[str, float], beyond_chart: bool = False,
               at_cramp: bool = False) -> list[Flag]:
    """NWS heat index from air temperature and humidity (never the wrist sensor).

    The category comes from the NWS edges in °F (:func:`analyzer.metrics.heat.heat_index_category`);
    ``beyond_chart`` travels with the value so that every page says "off the chart" the same way.
    """
    if not _ok(value_c) or value_c < thresholds["heat_index_caution_c"]:
        return []
    return [_flag("dehydration_heat", "heat_index", value_c, "heat_index_caution_c", thresholds, "°C",
                  category=heat_index_category(value_c), beyond_chart=bool(beyond_chart), at_cramp=at_cramp)]


def check_wbgt(value_c: float, source: str, thresholds: dict[str, float]) -> list[Flag]:
    """Wet-bulb globe temperature against the ACSM race flags."""
    if not _ok(value_c) or value_c < thresholds["wbgt_high_c"]:
        return []
    flag = "black" if value_c >= thresholds["wbgt_extreme_c"] else "red"
    return [_flag("dehydration_heat", "wbgt", value_c, "wbgt_high_c", thresholds, "°C", category=flag,
                  wbgt_source=source, wbgt_extreme_c=thresholds["wbgt_extreme_c"])]


def check_body_mass_loss(run: pd.Series, thresholds: dict[str, float]) -> list[Flag]:
    """Body mass lost over the run (Sawka et al. 2007).

    The evidence says whether fluid drunk was logged (if not, the sweat rate is only a lower
    bound) and whether the pre-run mass is the profile's ``body_mass_kg`` rather than a weigh-in.
    """
    loss = run.get("body_mass_loss_pct")
    if not _ok(loss) or loss < thresholds["body_mass_loss_pct"]:
        return []
    sweat = run.get("sweat_rate_l_per_h")
    fluid = run.get("fluid_logged")
    return [_flag("dehydration_heat", "body_mass_loss", loss, "body_mass_loss_pct", thresholds, "%",
                  sweat_rate_l_per_h=float(sweat) if _ok(sweat) else None,
                  fluid_logged=None if fluid is None else bool(fluid),
                  mass_before_source=str(run.get("mass_before_source") or ""))]


def check_mass_gain(run: pd.Series, thresholds: dict[str, float]) -> list[Flag]:
    """Weighing more after a run than before (Almond et al. 2005): information, not a cramp cause."""
    change = run.get("mass_change_kg")
    if not _ok(change) or change <= thresholds["mass_gain_kg"]:
        return []
    return [_flag("dehydration_heat", "mass_gain", change, "mass_gain_kg", thresholds, "kg")]


def check_hr_drift(run: pd.Series, thresholds: dict[str, float]) -> list[Flag]:
    """Aerobic decoupling beyond the threshold on a warm day (Friel)."""
    drift = run.get("decoupling_pct")
    air = run.get("air_temperature_c")
    if (not _ok(drift) or drift < thresholds["decoupling_pct"] or not _ok(air)
            or air < thresholds["decoupling_min_air_c"]):
        return []
    return [_flag("dehydration_heat", "hr_drift", drift, "decoupling_pct", thresholds, "%",
                  air_temperature_c=float(air), min_air_c=thresholds["decoupling_min_air_c"])]


def run_flags(run: pd.Series, thresholds: dict[str, float]) -> list[Flag]:
    """Every run-level rule on one row of the runs table, in the order the report lists them."""
    air_source = str(run.get("air_temperature_source") or "")
    heat = (check_heat_index(run.get("heat_index_max_c"), thresholds, bool(run.get("heat_index_beyond_chart", False)))
            + check_wbgt(run.get("wbgt_max_c"), str(run.get("wbgt_source") or ""), thresholds)
            + check_hr_drift(run, thresholds))
    heat = [dataclasses.replace(f, air_temperature_source=air_source) for f in heat]
    return [f.placed("run") for f in check_long_run_spike(run, thresholds) + check_faster_than_usual(run, thresholds)
            + heat + check_body_mass_loss(run, thresholds) + check_mass_gain(run, thresholds)]


def check_one_leg(cramps: pd.DataFrame, thresholds: dict[str, float]) -> tuple[list[Flag], str | None]:
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
    if n < thresholds["one_leg_min_cramps"] or sides.nunique() != 1 or sides.iloc[0] == "mixed":
        return [], None
    side = str(sides.iloc[0])
    return [_flag("one_leg", "one_leg", n, "one_leg_min_cramps", thresholds, "runs or days", scope="athlete",
                  side=side, episodes=n, cramps=len(single), p=same_side_p(n))], side


def check_night(cramp: pd.Series, local_hour: float, hours_since_run: float | None,
          thresholds: dict[str, float]) -> list[Flag]:
    """A cramp at rest at night, well after any run."""
    start, end = thresholds["night_start_local_h"], thresholds["night_end_local_h"]
    at_night = local_hour >= start or local_hour < end if start > end else start <= local_hour < end
    if cramp.get("context") != "at_rest" or not at_night:
        return []
    if hours_since_run is not None and hours_since_run < thresholds["night_min_gap_after_run_h"]:
        return []
    return [_flag("night", "night", local_hour, "night_start_local_h", thresholds, "h local",
                  local_hour=local_hour, hours_since_run=hours_since_run)]


def check_medication(listed: list[str], thresholds: dict[str, float]) -> list[Flag]:
    """Listed medicines in a class linked to night cramps, graded by the class's own number (Garrison et al. 2012)."""
    return [Flag("medication", "medication_class", cls.sequence_ratio, "sequence ratio", "", float("nan"),
                 "Sequence-symmetry analysis of prescriptions in adults aged 50 and over (night cramps "
                 "treated with quinine); an association, not proof. " + cite("garrison2012"), scope="athlete",
                 category=cls.name, medicine=text, generic=generic, potassium_depleting=cls.potassium_depleting,
                 class_evidence=cls.evidence())
            for text, generic, cls in match_medications(listed)]
