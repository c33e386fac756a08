"""Medicine classes linked to cramps, each graded by its own number in Garrison et al. 2012.

Generic names are matched case-insensitively as whole words in what the athlete listed.

The study (4.2 million residents of British Columbia) asked, in adults aged 50 and over,
whether new prescriptions of quinine (the usual treatment of *night* leg cramps then)
were more common in the year after a medicine was started than in the year before: the
adjusted sequence ratio. It says nothing about cramps while running. Its numbers differ
by class, so do the messages:

========================== ===== ============= ====================================
class                      ratio 95 % CI       what the authors concluded
========================== ===== ============= ====================================
potassium-sparing diuretic 2.12  1.61–2.78     "substantially more likely"
thiazide-type diuretic     1.48  1.29–1.68     "substantially more likely"
inhaled LABA               2.42  2.02–2.89     "substantially more likely"
loop diuretic              1.20  1.00–1.44     small, not statistically clear (p = 0.07)
statin                     1.16  1.04–1.29     small
========================== ===== ============= ====================================

Only thiazide and loop diuretics are "potassium-depleting" in the article's sense.

References
----------
Garrison SR et al. 2012. Nocturnal leg cramps and prescription use that precedes them:
a sequence symmetry analysis. Arch Intern Med 172:120–126. doi:10.1001/archinternmed.2011.1029
"""

from __future__ import annotations

import re
from dataclasses import dataclass


@dataclass(frozen=True)
class MedicineClass:
    """A class of medicines, its generic names and its result in Garrison et al. 2012.

    Attributes
    ----------
    name : str
    generics : tuple of str
    potassium_depleting : bool
        True for thiazide and loop diuretics only.
    sequence_ratio, ci_low, ci_high : float
        Adjusted sequence ratio and its 95 % confidence interval.
    strength : str
        The association in words, from those numbers.
    """

    name: str
    generics: tuple[str, ...]
    potassium_depleting: bool
    sequence_ratio: float
    ci_low: float
    ci_high: float
    strength: str

    def evidence(self) -> str:
        """The class's numbers in one phrase."""
        return (f"sequence ratio {self.sequence_ratio:.2f}, 95 % CI {self.ci_low:.2f}–{self.ci_high:.2f}: "
                f"{self.strength}")


_CLEAR = "a clear association"
MEDICINE_CLASSES = (
    MedicineClass("thiazide-type diuretic", ("hydrochlorothiazide", "chlorthalidone", "indapamide", "metolazone"),
                  True, 1.48, 1.29, 1.68, _CLEAR),
    MedicineClass("loop diuretic", ("furosemide", "bumetanide", "torsemide"), True, 1.20, 1.00, 1.44,
                  "a small association that was not statistically clear (p = 0.07)"),
    MedicineClass("potassium-sparing diuretic", ("spironolactone", "amiloride", "triamterene"), False,
                  2.12, 1.61, 2.78, _CLEAR),
    MedicineClass("statin", ("atorvastatin", "simvastatin", "rosuvastatin", "pravastatin"), False,
                  1.16, 1.04, 1.29, "a small association"),
    MedicineClass("inhaled long-acting β-agonist", ("salmeterol", "formoterol"), False, 2.42, 2.02, 2.89, _CLEAR),
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
