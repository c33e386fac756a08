"""Cramps joined to runs: where in which run (or outside any run) each logged cramp happened.

Rules (the report's ``cramps.csv``, docs/folders.md):

* A row with ``activity`` + ``distance_km`` is placed at the first record that reaches that
  distance in that file: ``during_run``.
* A row with a ``time`` inside a run's span (first to last record, pauses included) is
  ``during_run`` in that run.
* Logged times are approximate (runners log after the fact): a time within
  ``CRAMP_MATCH_TOLERANCE_MIN`` minutes before the start or after the end of a run is also
  ``during_run``, placed at the run's start or end, with a ``match_note``; with several
  candidates, the run whose span is nearest wins.
* Otherwise, a cramp later the same local day as a run's end and before night-time rest
  (``NIGHT_START_LOCAL_H``) is ``after_run`` for the latest such run; anything else is ``at_rest``.
"""

from __future__ import annotations

import logging
from pathlib import Path

import numpy as np
import pandas as pd

from analyzer.metrics.heat import heat_index_beyond_chart, heat_index_c
from analyzer.model import Activity, Athlete, Problem
from analyzer.weather.air import air_at

log = logging.getLogger(__name__)

CRAMP_MATCH_TOLERANCE_MIN = 15.0
"""Minutes a logged time may fall outside a run and still belong to it (ours: logs are written after the fact)."""

NIGHT_START_LOCAL_H = 22
"""Local hour from which a cramp counts as night-time rest, not "after the run" (ours)."""

MOMENT_WINDOW_S = 30.0
"""Half-width of the window of records averaged for pace and heart rate at a cramp."""

OUTPUT_COLUMNS = [
    "athlete", "cramp_row", "time_utc", "context", "activity", "elapsed_s", "distance_km",
    "pace_s_per_km", "heart_rate_bpm", "air_temperature_c", "heat_index_c", "patterns",
]

EXTRA_COLUMNS = ["leg", "muscle", "severity", "duration_s", "notes", "match_note", "heat_index_beyond_chart",
                 "air_temperature_source", "date_local"]
"""Columns every output row also has (after :data:`OUTPUT_COLUMNS`), so an empty report's header has them too."""


def _spans(athlete: Athlete) -> list[tuple[Activity, pd.Timestamp, pd.Timestamp]]:
    """Activities a cramp can be placed in, each with its first and last dated record: every leg
    with dated records (multisport files split). A kept run is not read for it
    (:meth:`analyzer.model.Activity.record_span`)."""
    return [(a, *span) for a in athlete.legs if (span := a.record_span()) is not None]


def _moment(act: Activity, t: pd.Timestamp) -> dict[str, float]:
    """Elapsed time, distance, pace and heart rate of ``act`` at time ``t``."""
    recs = act.records[act.records.index.notna()].sort_index()
    window = recs[(recs.index >= t - pd.Timedelta(seconds=MOMENT_WINDOW_S)) & (recs.index <= t + pd.Timedelta(seconds=MOMENT_WINDOW_S))]
    pos = min(int(recs.index.searchsorted(t)), len(recs) - 1)
    nearest = recs.iloc[pos]
    out = {"elapsed_s": float(nearest["elapsed_s"]) + (t - recs.index[pos]).total_seconds()}
    out["distance_km"] = float(nearest["distance_m"]) / 1000.0 if "distance_m" in recs else np.nan
    if "speed_mps" in window and window["speed_mps"].notna().any():
        speed = float(window["speed_mps"].median())
        out["pace_s_per_km"] = 1000.0 / speed if speed > 0.3 else np.nan  # slower than ~55 min/km: standing
    else:
        out["pace_s_per_km"] = np.nan
    out["heart_rate_bpm"] = float(window["heart_rate_bpm"].mean()) if "heart_rate_bpm" in window else np.nan
    return out


def time_at_distance(act: Activity, distance_km: float) -> pd.Timestamp | None:
    """UTC time at which ``act`` first reaches ``distance_km`` (``None`` beyond its end or undated)."""
    if "distance_m" not in act.records:
        return None
    dist = act.records["distance_m"]
    reached = dist[(dist >= distance_km * 1000.0) & act.records.index.notna()]
    return reached.index[0] if len(reached) else None


def match_cramps(athlete: Athlete, tolerance_min: float = CRAMP_MATCH_TOLERANCE_MIN,
                 problems: list[Problem] | None = None) -> pd.DataFrame:
    """Place every logged cramp in its run, or outside any run.

    Parameters
    ----------
    athlete : Athlete
        From :func:`analyzer.load_athlete`.
    tolerance_min : float
        See :data:`CRAMP_MATCH_TOLERANCE_MIN`.
    problems : list of Problem, optional
        When given, a row that cannot be placed is left out and reported here instead of
        raising.

    Returns
    -------
    DataFrame
        The columns of the report's ``cramps.csv`` (``athlete``, ``cramp_row``,
        ``time_utc``, ``context``, ``activity``, ``elapsed_s``, ``distance_km``,
        ``pace_s_per_km``, ``heart_rate_bpm``, ``air_temperature_c``, ``heat_index_c``,
        ``patterns``), then ``leg``, ``muscle``, ``severity``, ``duration_s``, ``notes``,
        ``match_note``, ``heat_index_beyond_chart``, ``air_temperature_source`` and the log's
        unknown columns. ``air_temperature_c`` comes from weather.csv, an external air sensor or
        the weather archive (:mod:`analyzer.weather.air`), and is NaN when none has it: the watch's
        wrist temperature is never used for it. A cramp logged with a date but no time has context
        ``time_unknown`` and is never placed by invention. A cramp logged by ``activity`` and
        ``distance_km`` whose file was not read, or whose distance lies beyond the run's end (by
        more than :data:`DISTANCE_PAST_END_KM`), is a problem for that row; it is placed by its
        time when it has one, else kept with context ``not_placed`` (its activity and logged
        distance, nothing else).
    """
    spans = _spans(athlete)
    tol = pd.Timedelta(minutes=tolerance_min)
    rows = []
    for _, cramp in athlete.cramps.iterrows():
        try:
            why: list[str] = []
            rows.append(_place(athlete, cramp, spans, tol, why))
            if problems is not None:
                problems += [Problem.at_row(str(Path(athlete.folder) / "cramps.csv"), int(cramp["cramp_row"]),
                                     w, athlete.id) for w in why]
        except Exception:  # one row that cannot be placed never stops the others
            if problems is None:
                raise
            log.exception("%s: cramps.csv row %s could not be placed", athlete.id, cramp["cramp_row"])
            problems.append(Problem.at_row(str(Path(athlete.folder) / "cramps.csv"), int(cramp["cramp_row"]),
                                           "could not be placed: the analyzer failed on this row (a fault in the "
                                           "analyzer, not in the log; please report it) — row left out", athlete.id))
    if not rows:
        return pd.DataFrame({c: pd.Series([], dtype=object) for c in OUTPUT_COLUMNS + EXTRA_COLUMNS})
    out = pd.DataFrame(rows)
    out["time_utc"] = pd.to_datetime(out["time_utc"], utc=True)
    return out[OUTPUT_COLUMNS + [c for c in out.columns if c not in OUTPUT_COLUMNS]]


DISTANCE_PAST_END_KM = 0.2
"""How far past a run's recorded end a logged ``distance_km`` is still placed at the end (ours: GPS
distances of the same run differ by a few per cent between a watch and an app)."""


def run_length_km(act: Activity) -> float | None:
    """The distance a cramp can be logged at in ``act``: its dated records' last distance (a
    multisport file's running legs added up); ``None`` when the file has no such distance."""
    legs = _running_legs(act)
    ends = [float(leg.records["distance_m"].max()) for leg in legs
            if _dated(leg) and "distance_m" in leg.records and leg.records["distance_m"].notna().any()]
    return sum(ends) / 1000.0 if ends else None


def beyond_end(act: Activity, km: float) -> float | None:
    """The run's length (km) when ``km`` lies past its end by more than :data:`DISTANCE_PAST_END_KM`, else ``None``."""
    length = run_length_km(act)
    return length if length is not None and km > length + DISTANCE_PAST_END_KM else None


def _unplaceable(athlete: Athlete, name: str, km: float) -> str:
    """Why a cramp logged as ``km`` into run file ``name`` cannot be placed in it ("" when it can)."""
    act = athlete.activity(name)
    if act is None:
        return f"activity {name} is not among the run files read (activities/ or an account export)"
    length = beyond_end(act, km)
    if length is not None:
        return f"distance_km {km:g} is beyond the end of {name}, which the watch recorded as {length:.2f} km"
    return ""


def _place(athlete: Athlete, cramp: pd.Series, spans, tol: pd.Timedelta, problems: list[str]) -> dict[str, object]:
    """One log row → one output row (see :func:`match_cramps`); why it could not be placed is
    added to ``problems``."""
    rec: dict[str, object] = {"athlete": athlete.id, "cramp_row": int(cramp["cramp_row"])}
    note = cramp.get("time_note")
    notes = [note] if isinstance(note, str) and note else []
    t = cramp["time_utc"]
    file_name = cramp.get("activity")
    by_distance = isinstance(file_name, str) and file_name and pd.notna(cramp.get("distance_km"))
    unplaced = _unplaceable(athlete, file_name, float(cramp["distance_km"])) if by_distance else ""
    if unplaced:
        problems.append(unplaced + ("; the cramp is kept and placed by its logged time" if pd.notna(t)
                                    else "; the cramp is kept, not placed in a run"))
        by_distance = False
        if pd.notna(t):
            notes.append(f"{unplaced}; placed by its logged time instead")
    if unplaced and pd.isna(t):
        act, t_in, context = None, None, "not_placed"
        notes.append(f"{unplaced}, and no time is logged: not placed in a run")
    elif by_distance:
        act, t_in, context = _by_distance(athlete, file_name, float(cramp["distance_km"]), notes)
        if t_in is not None:
            if pd.notna(t) and abs(t - t_in) > tol:
                notes.append("logged time and distance disagree; the distance was used")
            t = t_in
    elif pd.notna(t):
        act, t_in, context = _by_time(spans, t, tol, athlete.timezone, notes)
    else:
        act, t_in, context = None, None, "time_unknown"
        notes.append("the log gives a date but no time: not placed in or out of a run")
    rec["time_utc"] = t
    rec["context"] = context
    rec["activity"] = act.source if act is not None else (file_name if context in ("during_run", "not_placed")
                                                          else None)
    if context == "during_run" and act is not None and t_in is not None:
        rec.update(_moment(act, t_in))
    else:
        rec.update(elapsed_s=np.nan, distance_km=np.nan, pace_s_per_km=np.nan, heart_rate_bpm=np.nan)
        if by_distance and context == "during_run":  # not placed in time: the logged distance is still known
            rec["distance_km"] = float(cramp["distance_km"])
    if context == "not_placed":  # what the runner logged is all that is known
        rec["distance_km"] = float(cramp["distance_km"])
        air_t, rh, air_source = np.nan, np.nan, ""
    else:
        air_t, rh, air_source = air_at(athlete, act, t) if context != "at_rest" else air_at(athlete, None, t)
    rec["air_temperature_c"] = air_t
    rec["air_temperature_source"] = air_source
    rec["heat_index_c"] = float(heat_index_c(air_t, rh)) if not np.isnan(air_t) else np.nan
    rec["heat_index_beyond_chart"] = bool(heat_index_beyond_chart(air_t, rh)) if not np.isnan(air_t) else False
    rec["patterns"] = ""
    for col in ("leg", "muscle", "severity", "duration_s", "notes"):
        rec[col] = cramp.get(col)
    rec["match_note"] = "; ".join(notes) or None
    for col in athlete.cramps.columns:
        if col not in rec and col not in ("time_note", "distance_km", "activity", "time_utc"):
            rec[col] = cramp[col]
    return rec


def _running_legs(act: Activity) -> list[Activity]:
    """The legs a km into ``act`` counts along: a multisport file's running legs in order, else the file."""
    return [leg for leg in act.legs() if leg.sport == "running"] if act.is_whole_file and len(act.legs()) > 1 else [act]


def _dated(act: Activity) -> bool:
    return act.record_span() is not None


def _by_distance(athlete: Athlete, name: str, km: float, notes: list[str]):
    """(activity, UTC time, context) of a cramp logged as ``km`` into file (or leg) ``name``.

    The runner says it happened in that run, so the context is ``during_run`` even when the
    file cannot be read or has no dated records (then no moment is given, and a note says why).
    A multisport file with several running legs counts ``km`` across them in order.
    """
    act = athlete.activity(name)  # there: :func:`_unplaceable` said so before this is asked
    legs = _running_legs(act)
    remaining = km
    for i, leg in enumerate(legs):
        if not _dated(leg) or "distance_m" not in leg.records or leg.records["distance_m"].isna().all():
            continue
        leg_km = float(leg.records["distance_m"].max()) / 1000.0
        if remaining * 1000.0 <= leg.records["distance_m"].max() or i == len(legs) - 1:
            t = time_at_distance(leg, remaining)
            if t is None:
                notes.append(f"{km:g} km is beyond the end of {name}; placed at its end")
                t = leg.records.index.dropna().max()
            return leg, t, "during_run"
        remaining -= leg_km
    notes.append(f"{name} has no dated records with distance; the cramp is kept without its moment in the run")
    return act, None, "during_run"


def _by_time(spans, t: pd.Timestamp, tol: pd.Timedelta, tz: str, notes: list[str]):
    """(activity, time to read the moment at, context) of a cramp logged at time ``t``."""
    best = None
    for a, start, end in spans:
        gap = max(start - t, t - end, pd.Timedelta(0))
        if gap <= tol and (best is None or gap < best[1]):
            best = (a, gap, start, end)
    if best is None:
        act = _after_run(spans, t, tz)
        return act, None, "after_run" if act is not None else "at_rest"
    act, gap, start, end = best
    if gap == pd.Timedelta(0):
        return act, t, "during_run"
    edge = "start" if t < start else "end"
    minutes = gap.total_seconds() / 60
    how_far = f"{minutes:.0f} min" if minutes >= 1 else "less than a minute"
    side = "before it started" if edge == "start" else "after it ended"
    notes.append(f"logged {how_far} {side}; placed at its {edge}")
    return act, (start if t < start else end), "during_run"


def _after_run(spans, t: pd.Timestamp, tz: str) -> Activity | None:
    """The latest run that ended earlier the same local day, when ``t`` is before night."""
    local = t.tz_convert(tz)
    if local.hour >= NIGHT_START_LOCAL_H:
        return None
    best = None
    for a, _start, end in spans:
        if end < t and end.tz_convert(tz).date() == local.date() and (best is None or end > best[1]):
            best = (a, end)
    return best[0] if best else None
