"""Every threshold a flag uses: name, default, unit, allowed range, source, and how contested it is.

Users override any of them by name, per athlete (``[thresholds]`` in athlete.toml) or per
call (``analyze(athlete, thresholds={...})``). An override that is not a finite number in
the threshold's range is not used: the default stays, and a problem names the key.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from analyzer.references import REFERENCES


@dataclass(frozen=True)
class Threshold:
    """One named, documented setting.

    Attributes
    ----------
    name : str
        The setting's name, as written in ``[thresholds]``.
    default : float
    unit : str
    minimum, maximum : float
        The range an override must fall in (inclusive).
    basis : str
        Where the number comes from, in words ("ours: …" when it is this project's choice).
    references : tuple of str
        Keys of :data:`analyzer.references.REFERENCES`.
    contested : str
        How contested the number is.
    """

    name: str
    default: float
    unit: str
    minimum: float
    maximum: float
    basis: str
    references: tuple[str, ...] = ()
    contested: str = ""


_ALL = [
    Threshold("long_run_spike_ratio", 1.10, "ratio", 1.0, 5.0,
              "runs more than 10 % longer than the longest of the previous 30 days raised overuse-injury risk",
              ("frandsen2025",), "one large cohort; the outcome is injury, not cramps"),
    Threshold("long_run_history_days", 30, "days", 7, 365, "the 30-day window of the same cohort", ("frandsen2025",)),
    Threshold("pace_faster_ratio", 1.05, "ratio", 1.0, 2.0,
              "ours: the number is this project's; the direction (crampers ran faster) is from two cohorts",
              ("schwellnus2011a", "schwellnus2011b"), "the number is ours"),
    Threshold("faster_than_usual_min_runs", 3, "runs", 1, 100, "ours: fewer comparison runs say nothing"),
    Threshold("faster_than_usual_window_days", 60, "days", 7, 365, "ours"),
    Threshold("similar_distance_fraction", 0.25, "fraction", 0.01, 1.0,
              "ours: runs within ±25 % of the distance count as similar"),
    Threshold("late_in_run_fraction", 0.67, "fraction", 0.0, 1.0, "ours; cramps cluster late in a race",
              ("martinez2022",), "context only, never a flag on its own"),
    Threshold("acwr_context", 1.5, "ratio", 0.0, 10.0, "the coupled acute:chronic ratio's 'danger zone'",
              ("gabbett2016",), "strongly contested (Lolli et al. 2019; Impellizzeri et al. 2020; Frandsen et al. 2025)"),
    Threshold("heat_index_caution_c", (90.0 - 32.0) * 5.0 / 9.0, "°C", 20.0, 60.0,
              "the NWS heat index 'extreme caution' category, from 90 °F (32.2 °C)", ("nws_heat_index",),
              "category edges are conventions"),
    Threshold("wbgt_high_c", 23.0, "°C", 10.0, 40.0, "ACSM race flags: red from 23 °C", ("armstrong1996",),
              "race guidance; the Bureau of Meteorology estimate assumes sun"),
    Threshold("wbgt_extreme_c", 28.0, "°C", 10.0, 40.0, "ACSM race flags: black above 28 °C", ("armstrong1996",),
              "race guidance"),
    Threshold("heat_acclimatisation_days", 14, "days", 1, 60,
              "heat acclimation develops over 5–14 days of repeated heat exposure and decays without it; the "
              "plan counts hot runs in this many days before the planned date",
              ("periard2015", "daanen2018"), "context only, never a flag"),
    Threshold("similar_air_c", 5.0, "°C", 0.5, 30.0,
              "ours: a weigh-in run counts as in similar air when its mean air was within this many °C of the "
              "planned run's forecast", (), "the number is ours"),
    Threshold("body_mass_loss_pct", 2.0, "%", 0.5, 10.0, "ACSM fluid-replacement position stand: avoid losing > 2 %",
              ("sawka2007",), "Goulet 2011, 2013: losses up to 4 % did not impair self-paced performance"),
    Threshold("mass_gain_kg", 0.0, "kg", 0.0, 5.0,
              "weight gain during a marathon was the strongest predictor of low blood sodium", ("almond2005",),
              "well supported"),
    Threshold("decoupling_pct", 5.0, "%", 0.0, 50.0, "a coaching convention for good aerobic endurance",
              ("friel",), "convention"),
    Threshold("decoupling_min_air_c", 20.0, "°C", -20.0, 45.0, "ours: drift on cool days is not heat"),
    Threshold("one_leg_min_cramps", 4, "runs or days", 2, 100,
              "ours: single-leg cramps on this many separate runs or days (p reported)"),
    Threshold("night_start_local_h", 22, "h", 0, 23, "ours: night is 22:00–07:00 local"),
    Threshold("night_end_local_h", 7, "h", 0, 23, "ours: night is 22:00–07:00 local"),
    Threshold("night_min_gap_after_run_h", 2, "h", 0, 24, "ours: a cramp this soon after a run is not 'at rest'"),
    Threshold("night_frequent_count", 4, "night cramps", 2, 100,
              "ours: this many night cramps at rest within night_frequent_window_days (about weekly) count as "
              "'frequent', the word of the advice to see a clinician; the article gives no number", (),
              "the number is ours"),
    Threshold("night_frequent_window_days", 30, "days", 7, 365, "ours: about a month, so four is about weekly"),
    Threshold("cramp_match_tolerance_min", 15, "min", 0, 180, "ours: logs are written after the fact"),
    Threshold("season_min_cramp_runs", 3, "runs", 1, 100, "ours: below this, the season comparison says 'too few to say'"),
]

THRESHOLDS: dict[str, Threshold] = {t.name: t for t in _ALL}
"""All thresholds by name."""


def _check(name: str, raw: object) -> tuple[float | None, str]:
    """``(value, "")`` for a usable override, else ``(None, why not)``."""
    t = THRESHOLDS[name]
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        return None, f"threshold {name} = {raw!r} is not a number; default {t.default:g} kept"
    value = float(raw)
    if not math.isfinite(value):
        return None, f"threshold {name} = {raw!r} is not a finite number; default {t.default:g} kept"
    if not t.minimum <= value <= t.maximum:
        return None, (f"threshold {name} = {raw!r} is outside {t.minimum:g}–{t.maximum:g} {t.unit}; "
                      f"default {t.default:g} kept")
    return value, ""


def resolve_thresholds(*overrides: Mapping[str, object] | None) -> tuple[dict[str, float], list[str]]:
    """Defaults, then each mapping of overrides in turn (later wins).

    ``night_hours_local = "22:00-07:00"`` sets the two night hours at once.

    Returns
    -------
    values : dict
        Threshold name → value.
    errors : list of str
        One sentence per override that was not used (unknown name, not a finite number,
        out of range); each names the key.
    """
    values = {name: float(t.default) for name, t in THRESHOLDS.items()}
    errors: list[str] = []
    for mapping in overrides:
        for key, raw in (mapping or {}).items():
            if key == "night_hours_local":
                errors += _night_hours(raw, values)
                continue
            if key not in THRESHOLDS:
                errors.append(f"unknown threshold {key!r}; known: {', '.join(sorted(THRESHOLDS))}")
                continue
            value, why = _check(key, raw)
            if value is None:
                errors.append(why)
            else:
                values[key] = value
    return values, errors


def check_overrides(overrides: Mapping[str, object] | None) -> None:
    """Raise :class:`~analyzer.errors.ThresholdError` for the first override given in the API that
    cannot be used: an unknown name, a value that is not a finite number, or one outside the
    setting's range (named with its unit). ``athlete.toml`` overrides are not checked here: there a
    bad row is a problem and the default is kept.

    Raises
    ------
    ThresholdError
    TypeError
        When ``overrides`` is not a mapping.
    """
    from analyzer.errors import ThresholdError

    if overrides is None:
        return
    if not isinstance(overrides, Mapping):
        raise TypeError(f"thresholds must be a mapping of setting name to value, not {type(overrides).__name__}")
    for key, raw in overrides.items():
        if key == "night_hours_local":
            errors = _night_hours(raw, {})
            if errors:
                raise ThresholdError(key, raw, "; ".join(e.split("; default")[0] for e in errors))
            continue
        if key not in THRESHOLDS:
            raise ThresholdError(str(key), raw, f"no such setting; known: {', '.join(sorted(THRESHOLDS))}")
        value, _ = _check(key, raw)
        if value is None:
            t = THRESHOLDS[key]
            raise ThresholdError(key, raw, f"must be a finite number from {t.minimum:g} to {t.maximum:g} {t.unit} "
                                           f"(default {t.default:.4g})")


def _night_hours(raw: object, values: dict[str, float]) -> list[str]:
    text = raw.replace("–", "-") if isinstance(raw, str) else ""
    try:
        a, b = text.split("-")
        start, end = float(a.split(":")[0]), float(b.split(":")[0])
    except ValueError:
        return [f"threshold night_hours_local {raw!r} is not like '22:00-07:00'; default kept"]
    errors = []
    for name, value in (("night_start_local_h", start), ("night_end_local_h", end)):
        ok, why = _check(name, value)
        if ok is None:
            errors.append(f"night_hours_local {raw!r}: {why}")
        else:
            values[name] = ok
    return errors


def source_of(name: str) -> str:
    """The ``source`` cell of a flag that uses threshold ``name``: the basis, the full citations
    and the setting's name, so a reader needs no other document.

    Examples
    --------
    >>> source_of("decoupling_pct").startswith("a coaching convention")
    True
    """
    t = THRESHOLDS[name]
    parts = [t.basis]
    if t.references:
        parts.append("; ".join(REFERENCES[k].full() for k in t.references))
    if t.contested:
        parts.append(f"How contested: {t.contested}")
    shown = f"{t.default:.1f}" if t.unit in ("°C", "%") else f"{t.default:.4g}"  # 32.2 °C, as pages round it
    parts.append(f"Setting {t.name} (default {shown} {t.unit})")
    return ". ".join(p.rstrip(".") for p in parts) + "."
