"""Medicine classes linked to cramps (DOMAIN.md §2, from Garrison et al. 2012).

Generic names are matched case-insensitively as whole words in what the athlete listed.
Only the thiazide and loop diuretics are "potassium-depleting" in the article's sense;
potassium-sparing diuretics, statins and inhaled long-acting β-agonists are only
"associated with cramps".

References
----------
Garrison SR et al. 2012. Nocturnal leg cramps and prescription use that precedes them:
a sequence symmetry analysis. Arch Intern Med 172:120–126.
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class MedicineClass:
    name: str
    generics: tuple[str, ...]
    potassium_depleting: bool


MEDICINE_CLASSES = (
    MedicineClass("thiazide-type diuretic", ("hydrochlorothiazide", "chlorthalidone", "indapamide", "metolazone"), True),
    MedicineClass("loop diuretic", ("furosemide", "bumetanide", "torsemide"), True),
    MedicineClass("potassium-sparing diuretic", ("spironolactone", "amiloride", "triamterene"), False),
    MedicineClass("statin", ("atorvastatin", "simvastatin", "rosuvastatin", "pravastatin"), False),
    MedicineClass("inhaled long-acting β-agonist", ("salmeterol", "formoterol"), False),
)


def match_medications(listed: list[str]) -> list[tuple[str, str, MedicineClass]]:
    """``(what the athlete wrote, generic name, class)`` for every listed medicine in a class."""
    out = []
    for text in listed:
        low = text.lower()
        for cls in MEDICINE_CLASSES:
            for generic in cls.generics:
                if re.search(rf"\b{generic}\b", low):
                    out.append((text, generic, cls))
    return out
