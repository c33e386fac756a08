"""Fluid balance from weigh-ins before and after a run.

References
----------
Baker LB 2017. Sweating rate and sweat sodium concentration in athletes: a review of
methodology and intra/interindividual variability. Sports Med 47(Suppl 1):111–128.
https://doi.org/10.1007/s40279-017-0691-5
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt

SWEAT_SODIUM_MMOL_PER_L = 40.0
"""Assumed whole-body sweat sodium, mmol/L (Baker 2017: individuals range ~10–90); always shown."""

SODIUM_MG_PER_MMOL = 23.0


def body_mass_loss_pct(mass_before_kg: npt.ArrayLike, mass_after_kg: npt.ArrayLike) -> np.ndarray:
    """Body-mass change over a run as % of the pre-run mass (positive = loss).

    ``(pre − post) / pre × 100``. Negative values mean the runner gained mass (drank more
    than they lost).

    Examples
    --------
    >>> round(float(body_mass_loss_pct(62.0, 60.3)), 2)
    2.74
    """
    pre = np.asarray(mass_before_kg, dtype=float)
    post = np.asarray(mass_after_kg, dtype=float)
    return (pre - post) / pre * 100.0


def sweat_rate_l_per_h(
    mass_before_kg: npt.ArrayLike,
    mass_after_kg: npt.ArrayLike,
    fluid_ml: npt.ArrayLike,
    duration_s: npt.ArrayLike,
    urine_ml: npt.ArrayLike = 0.0,
) -> np.ndarray:
    """Sweat rate, L/h: ``(pre − post + fluid drunk − urine) / hours``, with 1 kg ≈ 1 L.

    Ignores respiratory and metabolic mass loss (a few percent of the total; Baker 2017).
    Missing fluid or urine counts as 0.

    Examples
    --------
    >>> round(float(sweat_rate_l_per_h(62.0, 60.3, 500, 5400)), 2)
    1.47
    """
    fluid = np.nan_to_num(np.asarray(fluid_ml, dtype=float), nan=0.0) / 1000.0
    urine = np.nan_to_num(np.asarray(urine_ml, dtype=float), nan=0.0) / 1000.0
    hours = np.asarray(duration_s, dtype=float) / 3600.0
    loss = np.asarray(mass_before_kg, dtype=float) - np.asarray(mass_after_kg, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (loss + fluid - urine) / hours


def sodium_loss_mg(sweat_volume_l: npt.ArrayLike, sweat_sodium_mmol_per_l: float = SWEAT_SODIUM_MMOL_PER_L) -> np.ndarray:
    """Estimated sodium lost in sweat, mg (volume × assumed concentration × 23 mg/mmol).

    Examples
    --------
    >>> round(float(sodium_loss_mg(2.2)))
    2024
    """
    return np.asarray(sweat_volume_l, dtype=float) * sweat_sodium_mmol_per_l * SODIUM_MG_PER_MMOL
