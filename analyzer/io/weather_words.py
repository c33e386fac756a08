"""The weather archive's reasons, in the words the athlete's notes and problems use.

The archive lookup (:func:`analyzer.weather.runs.archive_for_runs`) returns why a run has no
archive weather as data; this is where it is said.
"""

from __future__ import annotations

from analyzer.model import Problem
from analyzer.weather.archive import Unavailable
from analyzer.weather.reasons import Reason

NOT_YET_DAYS = 10
"""Days missing at most this long before today are "not published yet" (ERA5 is about five days behind)."""

_FIXED = {
    Reason.SWITCHED_OFF: "no weather.csv covers it and the weather archive is switched off",
    Reason.NO_POSITION: "no weather.csv covers it and the file has no position for the weather archive",
    Reason.NOT_CACHED: "not in the weather cache, and the weather setting is cache (nothing is asked)",
    Reason.NO_DATA: "the weather archive has no data for it",
}

QUIET = frozenset({Reason.SWITCHED_OFF, Reason.NO_POSITION})
"""Reasons said in the run's note only (a setting, a file without a track), not as an input problem."""


def unavailable_text(why: Unavailable) -> str:
    """Why a run has no archive weather, in words (its note, and its problem's reason)."""
    if why.reason in _FIXED:
        return _FIXED[why.reason]
    if why.reason is Reason.FUTURE_DATE:
        return (f"dated after today ({why.today}, UTC): the weather archive has no data for it (is the watch's "
                "clock right?)")
    if why.reason is Reason.NOT_PUBLISHED:
        if why.last_day is not None and why.today is not None and (why.today - why.last_day).days <= NOT_YET_DAYS:
            return ("the weather archive does not have these days yet (ERA5 is published about five days after "
                    "the day)")
        return "the weather archive's answer has no air temperature for these days"
    return why.detail or "the weather archive has no data for it"


def weather_notes(unavailable: dict[str, Unavailable], folder: str = "",
                  athlete_id: str = "") -> tuple[dict[str, str], list[Problem]]:
    """Each run's note, and at most one problem per reason naming how many runs it leaves without air temperature."""
    notes = {name: unavailable_text(why) for name, why in unavailable.items()}
    counts: dict[str, int] = {}
    for name, why in unavailable.items():
        if why.reason not in QUIET:
            counts[notes[name]] = counts.get(notes[name], 0) + 1
    problems = [Problem(folder, "weather", f"air temperature unknown for {n} run{'s' if n > 1 else ''}: {reason}",
                        athlete_id) for reason, n in counts.items()]
    return notes, problems
