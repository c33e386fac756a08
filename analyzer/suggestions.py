"""Cramps that activity titles and descriptions mention: proposed, never counted.

Runners often write "cramp at km 32" in an activity's title, in their own language, and never
open the cramp log. Those mentions are listed as suggestions in the columns of ``cramps.csv``,
so a row can be copied over (filling in what the text did not say); only ``cramps.csv`` is
evidence, so a suggestion never changes a flag.

Words read: English *cramp*, Spanish *calambre*, German *Krampf* (and *Wadenkrampf*, …), French
*crampe*, Italian *crampo*, Portuguese *cãibra*; a mention after a negation ("no cramps",
"sin calambres", "kein Krampf", "pas de crampe"), or a question ("Krampf?"), is not one. A distance near the word
("at km 32", "6k", "a 5 km") becomes ``distance_km``; failing that, minutes ("after 45 min")
become a ``time``; the leg and muscle are read when named.
"""

from __future__ import annotations

import re

import pandas as pd

from analyzer.model import Activity

SUGGESTION_COLUMNS = ["time", "activity", "distance_km", "leg", "muscle", "severity", "duration_s", "notes",
                      "source_text", "language"]
"""The columns of ``cramps.csv``, then the text the suggestion comes from and its language."""

_WORDS = {
    "en": r"cramp(?:s|ed|ing)?",
    "es": r"calambres?",
    "de": r"\w*kr[aä]mpfe?\w*",
    "fr": r"crampes?",
    "it": r"cramp[oi]",
    "pt": r"c[aã]ibras?",
}
_WORD = re.compile("|".join(f"(?P<{lang}>\\b(?:{w})\\b)" for lang, w in _WORDS.items()), re.IGNORECASE)
_NEGATION = re.compile(r"\b(?:no|not|never|without|sin|ni|kein\w*|ohne|pas\s+de|sans|nessun\w*|senza|sem|nenhum\w*)\b"
                       r"[\s\w-]{0,12}$", re.IGNORECASE)
_KM = re.compile(r"(?:\b(?:km|k|kilometer|kilómetro|kilometro|kilomètre)\s*(?P<a>\d+(?:[.,]\d+)?))|"
                 r"(?:(?P<b>\d+(?:[.,]\d+)?)\s*(?:km|kms|k|kilometers?|kilometres?|kilómetros?|kilometri|kilomètres?)\b)",
                 re.IGNORECASE)
_MIN = re.compile(r"(?P<m>\d+)\s*(?:min|mins|minutes?|minutos?|minuten|minuti)\b", re.IGNORECASE)
_LEGS = {
    "left": re.compile(r"\b(?:left|izquierd[oa]s?|link\w*|gauche|sinistr[oa]|esquerd[oa])\b", re.IGNORECASE),
    "right": re.compile(r"\b(?:right|derech[oa]s?|recht\w*|droite?|destr[oa]|direit[oa])\b", re.IGNORECASE),
}
_MUSCLES = {
    "calf": re.compile(r"(?:\bcalf\b|\bcalves\b|gemel\w*|pantorrill\w*|wade|waden|mollet\w*|polpacci\w*|panturrilh\w*)",
                       re.IGNORECASE),
    "hamstring": re.compile(r"(?:hamstring\w*|isquio\w*|ischio\w*|oberschenkelr\w*)", re.IGNORECASE),
    "quadriceps": re.compile(r"(?:\bquads?\b|quadri[cz]\w*|cu[aá]driceps|oberschenkel\b)", re.IGNORECASE),
    "foot": re.compile(r"\b(?:foot|feet|pies?|fu[ßs]s?|füße|pieds?|piede|pé)\b", re.IGNORECASE),
}
NEAR_CHARS = 60
"""A distance, leg or muscle counts when it is this close (in characters) to the cramp word."""


def _number(text: str) -> float:
    return float(text.replace(",", "."))


def _nearest(pattern: re.Pattern, text: str, at: int, group: str | None = None):
    best = None
    for m in pattern.finditer(text):
        d = min(abs(m.start() - at), abs(m.end() - at))
        if d <= NEAR_CHARS and (best is None or d < best[0]):
            best = (d, m)
    return best[1] if best else None


def suggest_cramps(activities: list[Activity], logged: pd.DataFrame, timezone: str) -> pd.DataFrame:
    """Cramps mentioned in activity titles and descriptions, as rows for ``cramps.csv``.

    Parameters
    ----------
    activities : list of Activity
    logged : DataFrame
        The athlete's cramp log: an activity that already has a logged cramp gets no suggestion.
    timezone : str
        For a ``time`` written from "after 45 min".

    Returns
    -------
    DataFrame
        :data:`SUGGESTION_COLUMNS`; ``leg`` is empty when the text does not say (fill it in when
        copying the row).
    """
    done = set(logged["activity"].dropna()) if len(logged) and "activity" in logged else set()
    rows = []
    for act in activities:
        text = " — ".join(t for t in (act.title, act.description) if t)
        if not text or act.source in done:
            continue
        for m in _WORD.finditer(text):
            if _NEGATION.search(text[max(0, m.start() - 24):m.start()]) or text[m.end():m.end() + 1] == "?":
                continue  # "no cramps", "kein Krampf", or only a question
            lang = m.lastgroup or ""
            row: dict[str, object] = {c: "" for c in SUGGESTION_COLUMNS}
            row.update(activity=act.source, source_text=text, language=lang,
                       notes=f"suggested from the activity's {'title' if m.start() < len(act.title) else 'description'}")
            km = _nearest(_KM, text, m.start())
            limit = (act.distance_m / 1000.0 + 1.0) if act.distance_m == act.distance_m else 500.0
            if km is not None and 0 < _number(km.group("a") or km.group("b")) <= limit:
                row["distance_km"] = _number(km.group("a") or km.group("b"))
            else:
                minutes = _nearest(_MIN, text, m.start())
                if minutes is not None and act.start_time is not None and pd.notna(act.start_time):
                    when = act.start_time + pd.Timedelta(minutes=int(minutes.group("m")))
                    row["time"] = when.tz_convert(timezone).strftime("%Y-%m-%d %H:%M")
            for leg, pattern in _LEGS.items():
                if _nearest(pattern, text, m.start()) is not None:
                    row["leg"] = leg
                    break
            for muscle, pattern in _MUSCLES.items():
                if pattern.search(m.group(0)) or _nearest(pattern, text, m.start()) is not None:
                    row["muscle"] = muscle
                    break
            rows.append(row)
            break  # one suggestion per activity
    return pd.DataFrame(rows, columns=SUGGESTION_COLUMNS)
