"""Every threshold a flag uses: name, default, unit, source, and how contested it is.

Defaults follow DOMAIN.md §4. Users override any of them by name, per athlete
(``[thresholds]`` in athlete.toml) or per call (``analyze(athlete, thresholds={...})``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Threshold:
    """One named, documented setting."""

    name: str
    default: float
    unit: str
    source: str
    contested: str = ""


_ALL = [
    Threshold("long_run_spike_ratio", 1.10, "ratio", "Frandsen et al. 2025, Br J Sports Med (DOMAIN.md §3.6)",
              "one large cohort; the outcome is injury, not cramps"),
    Threshold("long_run_history_days", 30, "days", "Frandsen et al. 2025 (30-day window)"),
    Threshold("pace_faster_ratio", 1.05, "ratio", "ours; direction from Schwellnus et al. 2011a, b",
              "the number is ours"),
    Threshold("faster_than_usual_min_runs", 3, "runs", "ours (DOMAIN.md §4)"),
    Threshold("faster_than_usual_window_days", 60, "days", "ours (DOMAIN.md §2)"),
    Threshold("similar_distance_fraction", 0.25, "fraction", "ours: runs within ±25 % of the distance count as similar"),
    Threshold("late_in_run_fraction", 0.67, "fraction", "ours; cramps cluster late (Martínez-Navarro et al. 2022)",
              "context only, never a flag on its own"),
    Threshold("acwr_context", 1.5, "ratio", "Gabbett 2016", "strongly contested (Impellizzeri 2020; Frandsen 2025)"),
    Threshold("heat_index_caution_c", 32.2, "°C", "NWS heat index 'extreme caution' (90 °F)",
              "category edges are conventions"),
    Threshold("wbgt_high_c", 23.0, "°C", "ACSM 1996 race flags (red 23–28 °C), Armstrong et al. 1996",
              "race guidance; the BoM estimate assumes sun"),
    Threshold("wbgt_extreme_c", 28.0, "°C", "ACSM 1996 race flags (black > 28 °C)", "as above"),
    Threshold("body_mass_loss_pct", 2.0, "%", "Sawka et al. 2007, ACSM position stand",
              "Goulet 2011, 2013: ≤ 4 % did not impair self-paced performance"),
    Threshold("mass_gain_kg", 0.0, "kg", "Almond et al. 2005, N Engl J Med", "well supported"),
    Threshold("decoupling_pct", 5.0, "%", "Friel, TrainingPeaks (coaching convention)", "convention"),
    Threshold("decoupling_min_air_c", 20.0, "°C", "ours: drift on cool days is not heat"),
    Threshold("one_leg_min_cramps", 4, "cramps", "ours (p reported; DOMAIN.md §2)"),
    Threshold("night_start_local_h", 22, "h", "ours (night_hours_local 22:00–07:00, DOMAIN.md §4)"),
    Threshold("night_end_local_h", 7, "h", "ours (night_hours_local 22:00–07:00, DOMAIN.md §4)"),
    Threshold("night_min_gap_after_run_h", 2, "h", "ours (DOMAIN.md §4)"),
    Threshold("cramp_match_tolerance_min", 15, "min", "ours: logs are approximate (DOMAIN.md §4)"),
    Threshold("season_min_cramp_runs", 3, "runs", "ours: below this, the season comparison says 'too few to say'"),
]

THRESHOLDS: dict[str, Threshold] = {t.name: t for t in _ALL}
"""All thresholds by name."""


def resolve_thresholds(*overrides: Mapping[str, object] | None) -> tuple[dict[str, float], list[str]]:
    """Defaults, then each mapping of overrides in turn (later wins).

    ``night_hours_local = "22:00-07:00"`` (DOMAIN.md's name) sets the two night hours.

    Returns
    -------
    values : dict
        Threshold name → value.
    errors : list of str
        One sentence per override that was not used (unknown name, not a number).
    """
    values = {name: float(t.default) for name, t in THRESHOLDS.items()}
    errors: list[str] = []
    for mapping in overrides:
        for key, raw in (mapping or {}).items():
            if key == "night_hours_local" and isinstance(raw, str) and "-" in raw.replace("–", "-"):
                try:
                    a, b = raw.replace("–", "-").split("-")
                    values["night_start_local_h"] = float(a.split(":")[0])
                    values["night_end_local_h"] = float(b.split(":")[0])
                except ValueError:
                    errors.append(f"threshold night_hours_local {raw!r} is not like '22:00-07:00'; default kept")
                continue
            if key not in THRESHOLDS:
                errors.append(f"unknown threshold {key!r}; known: {', '.join(sorted(THRESHOLDS))}")
                continue
            if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                errors.append(f"threshold {key} = {raw!r} is not a number; default kept")
                continue
            values[key] = float(raw)
    return values, errors


def source_of(name: str) -> str:
    """The source text of a threshold, for a flag's ``source`` column."""
    t = THRESHOLDS[name]
    return f"{t.source}" + (f" — {t.contested}" if t.contested else "")
