"""The season compared: runs with cramps vs runs without, per variable, against its flag threshold.

A verdict counts runs at or above the threshold in each group and gives a two-sided Fisher
exact p, or says why there is no comparison (too few cramp runs, no run or every run reached it).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from analyzer.formatting import p_text
from analyzer.metrics.stats import fisher_exact_p

SEASON_VARIABLES = [
    # (runs column, threshold name, label)
    ("distance_ratio", "long_run_spike_ratio", "distance ÷ longest run in the prior 30 days"),
    ("pace_ratio", "pace_faster_ratio", "speed ÷ usual speed for the distance"),
    ("heat_index_max_c", "heat_index_caution_c", "heat index, °C"),
    ("body_mass_loss_pct", "body_mass_loss_pct", "body mass lost, %"),
    ("decoupling_pct", "decoupling_pct", "heart-rate drift, %"),
]


def _with_unit(value: float, threshold: str) -> str:
    """A threshold as a verdict says it: ``32.2 °C``, ``2 %``, ``1.1×`` (a ratio)."""
    from analyzer.flags.thresholds import THRESHOLDS

    unit = THRESHOLDS[threshold].unit
    number = f"{round(value, 2):g}" if unit == "ratio" else f"{round(value, 1):g}"
    return f"{number}×" if unit == "ratio" else f"{number} {unit}"


def season_digits(label: str) -> int:
    """Decimals a season threshold is shown with: 1 for °C and %, 2 for ratios (32.2 °C, 1.10)."""
    return 1 if ("°C" in label or "%" in label) else 2


def season_comparison(runs: pd.DataFrame, thresholds: dict[str, float]) -> pd.DataFrame:
    """Runs with cramps vs runs without, for each variable of :data:`SEASON_VARIABLES`.

    Counts how many runs in each group were at or above the flag threshold and gives a
    two-sided Fisher exact p. With fewer than ``season_min_cramp_runs`` cramp runs that
    have the value, the verdict is "too few cramp runs to say".
    """
    out = []
    for column, name, label in SEASON_VARIABLES:
        known = runs[runs[column].notna()] if len(runs) else runs
        cr = known[known["had_cramp"].astype(bool)] if len(known) else known
        other = known[~known["had_cramp"].astype(bool)] if len(known) else known
        thr = thresholds[name]
        a, c = int((cr[column] >= thr).sum()), int((other[column] >= thr).sum())
        b, d = len(cr) - a, len(other) - c
        row = {
            "variable": column, "label": label, "threshold": thr,
            "cramp_runs": len(cr), "cramp_runs_above": a, "other_runs": len(other), "other_runs_above": c,
            "median_cramp_runs": float(cr[column].median()) if len(cr) else np.nan,
            "median_other_runs": float(other[column].median()) if len(other) else np.nan,
            "fisher_p": np.nan,
        }
        if len(cr) < thresholds["season_min_cramp_runs"]:
            row["verdict"] = f"too few cramp runs to say ({len(cr)} with this value; {thresholds['season_min_cramp_runs']:.0f} needed)"
        else:
            row["fisher_p"] = fisher_exact_p(a, b, c, d)
            shown = _with_unit(thr, name)  # as the page rounds it: 32.2 °C, 1.1×
            row["verdict"] = f"{a} of {len(cr)} cramp runs vs {c} of {len(other)} other runs at or above {shown}"
            if a + c == 0 or b + d == 0:  # nothing differs between the groups: a p would tell nothing
                row["verdict"] += (" (no run reached it, so no comparison)" if a + c == 0
                                   else " (every run reached it, so no comparison)")
            else:
                row["verdict"] += (f" (Fisher exact p = {p_text(row['fisher_p'])}; a small sample shows association "
                                   "at most)")
        out.append(row)
    return pd.DataFrame(out)
