"""Frames a scientist would otherwise build by hand: a team in one table, a season's records in
one frame, the records around a cramp.

Every frame keeps the units in its column names and its times tz-aware (UTC inside; the local
columns in the athlete's zone).
"""

from __future__ import annotations

import os
from collections.abc import Iterable

import numpy as np
import pandas as pd

from analyzer.analysis import Analysis, analyze
from analyzer.model import Athlete

TABLES = ("runs", "cramps", "flags", "season")
"""The :class:`~analyzer.Analysis` frames :func:`team_table` puts together."""


def _analyses(team: object) -> list[Analysis]:
    if isinstance(team, str | os.PathLike):
        from analyzer.io.athlete import load_team

        return [analyze(a) for a in load_team(team)]
    if isinstance(team, Analysis | Athlete):
        team = [team]
    if not isinstance(team, Iterable):
        raise TypeError(f"team_table takes a team folder's path or a list of Analysis or Athlete, "
                        f"not {type(team).__name__}")
    out = []
    for item in team:
        if isinstance(item, Analysis):
            out.append(item)
        elif isinstance(item, Athlete):
            out.append(analyze(item))
        else:
            raise TypeError(f"team_table takes Analysis or Athlete items, not {type(item).__name__}")
    return out


def team_table(team: str | os.PathLike | Iterable[Analysis | Athlete], table: str = "runs") -> pd.DataFrame:
    """One of the analysis frames for a whole team, one frame over athletes.

    Parameters
    ----------
    team : path-like, or list of Analysis or Athlete
        A team folder (read with :func:`analyzer.load_team` and analysed), or analyses already
        made (athletes are analysed with their own thresholds).
    table : {"runs", "cramps", "flags", "season"}
        Which frame of :class:`~analyzer.Analysis`.

    Returns
    -------
    DataFrame
        The athletes' rows in turn, ``athlete`` the first column. Local times stay tz-aware in
        the athletes' zone; when athletes live in different zones (one column holds one zone),
        ``start_local``/``time_local`` are given in UTC and each athlete's clock time, with its
        offset, follows as text (``start_local_text``: ``2024-06-18 08:00:00+02:00``).

    Examples
    --------
    >>> import analyzer
    >>> runs = analyzer.team_table("sample_data")            # doctest: +SKIP
    >>> runs.groupby("athlete")["distance_km"].sum()         # doctest: +SKIP
    """
    if table not in TABLES:
        raise ValueError(f"table must be one of {', '.join(TABLES)}, not {table!r}")
    frames = []
    for a in _analyses(team):
        frame = getattr(a, table).copy()
        if "athlete" not in frame:
            frame.insert(0, "athlete", pd.Series([a.athlete.id] * len(frame), index=frame.index, dtype=object))
        frames.append(frame)
    if not frames:
        return pd.DataFrame(columns=["athlete"])
    zones = {str(f[c].dt.tz) for f in frames for c in f.columns if isinstance(f[c].dtype, pd.DatetimeTZDtype)
             and c.endswith("_local")}
    if len(zones) > 1:  # one column, one zone: keep each athlete's wall clock as text beside it
        for f in frames:
            for c in [c for c in f.columns if c.endswith("_local") and isinstance(f[c].dtype, pd.DatetimeTZDtype)]:
                text = f[c].dt.strftime("%Y-%m-%d %H:%M:%S%z").str.replace(r"([+-]\d{2})(\d{2})$", r"\1:\2",
                                                                          regex=True)
                f.insert(f.columns.get_loc(c) + 1, f"{c}_text", text.where(f[c].notna(), ""))
                f[c] = f[c].dt.tz_convert("UTC")
    non_empty = [f for f in frames if len(f)] or frames[:1]
    return pd.concat(non_empty, ignore_index=True)


def season_records(athlete: Athlete | Analysis, columns: list[str] | None = None, runs_only: bool = True) -> pd.DataFrame:
    """Every record of a season in one frame, with the run it belongs to as a key.

    Parameters
    ----------
    athlete : Athlete or Analysis
    columns : list of str, optional
        Record columns to keep (``["distance_m", "heart_rate_bpm"]``); all by default.
    runs_only : bool
        Only the runs (as in ``analysis.runs``); else every activity and leg.

    Returns
    -------
    DataFrame
        Index ``time`` (tz-aware UTC); ``activity`` (the run's file name, the key into
        ``analysis.runs``) first, then the record columns (a column that a run lacks is NaN there).
    """
    if isinstance(athlete, Analysis):
        athlete = athlete.athlete
    if not isinstance(athlete, Athlete):
        raise TypeError(f"season_records takes an Athlete or an Analysis, not {type(athlete).__name__}")
    from analyzer.metrics.runs import is_run

    frames = []
    for act in athlete.legs:
        if runs_only and not is_run(act):
            continue
        recs = act.records if columns is None else act.records.reindex(columns=columns)
        frames.append(recs.assign(activity=act.source)[["activity", *recs.columns]])
    if not frames:
        return pd.DataFrame({"activity": pd.Series([], dtype=object)},
                            index=pd.DatetimeIndex([], tz="UTC", name="time"))
    return pd.concat(frames).sort_index(kind="stable")


def cramp_window(analysis: Analysis, cramp_row: int, before_s: float = 300.0, after_s: float = 300.0) -> pd.DataFrame:
    """The run's records around one cramp: from ``before_s`` before it to ``after_s`` after it.

    Parameters
    ----------
    analysis : Analysis
    cramp_row : int
        The cramp's row in ``cramps.csv`` (``analysis.cramps["cramp_row"]``).
    before_s, after_s : float
        Seconds of records before and after the cramp.

    Returns
    -------
    DataFrame
        The records (index ``time``, UTC) with ``time_from_cramp_s`` (negative before it) and
        ``at_cramp`` (True on the record nearest the cramp's moment).

    Raises
    ------
    KeyError
        No cramp has that row.
    ValueError
        The cramp is not placed in a run (at rest, after a run, or with only a date), so there are
        no records around it.
    """
    if not isinstance(analysis, Analysis):
        raise TypeError(f"cramp_window takes an Analysis (analyzer.analyze(athlete)), not {type(analysis).__name__}")
    c = analysis.cramps
    mine = c[c["cramp_row"] == cramp_row] if len(c) else c
    if not len(mine):
        raise KeyError(f"{analysis.athlete.id} has no cramp in row {cramp_row} of cramps.csv")
    cramp = mine.iloc[0]
    if cramp["context"] != "during_run" or not isinstance(cramp["activity"], str) or pd.isna(cramp["time_utc"]):
        raise ValueError(f"cramp {cramp_row} of {analysis.athlete.id} is {str(cramp['context']).replace('_', ' ')}, "
                         "not during a run: there are no records around it")
    act = analysis.athlete.activity(cramp["activity"])
    if act is None:
        raise ValueError(f"the run {cramp['activity']} of cramp {cramp_row} could not be read")
    t = pd.Timestamp(cramp["time_utc"])
    recs = act.records
    recs = recs[recs.index.notna()]
    window = recs[(recs.index >= t - pd.Timedelta(seconds=before_s)) & (recs.index <= t + pd.Timedelta(seconds=after_s))]
    window = window.copy()
    seconds = (window.index - t).total_seconds().to_numpy()
    window.insert(0, "time_from_cramp_s", seconds)
    at = np.zeros(len(window), dtype=bool)
    if len(window):
        at[int(np.argmin(np.abs(seconds)))] = True
    window.insert(1, "at_cramp", at)
    return window
