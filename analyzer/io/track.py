"""Time order, distance and speed along a recorded track: what no runner can have done is left out, and said.

Every reader (FIT, GPX, TCX, and the files inside account exports) passes its points through
here, in the order the file holds them:

- **Points out of time order are dropped, never re-sorted.** When a watch's clock steps back,
  re-sorting the points zigzags the track between two stretches of road (a 13 km run became
  2,001 km). The longest sequence of points in time order is kept (:func:`in_time_order`); the
  others are left out of the records, with a problem line giving their count and times.
- **Distance is never counted over a step back in time.** Distance (the watch's own cumulative
  ``distance``, or measured along the positions) is taken step by step in file order
  (:func:`clean_cumulative_m`): a step to an earlier time adds nothing; a step to the *same* time
  is counted together with the next step that moves on in time (watches that repeat a timestamp
  still move); a reading of the watch's own distance lower than an earlier one is left out.
- **No step faster than a human can run.** On foot, a step covered faster than
  :data:`MAX_RUNNING_SPEED_MPS` (beyond the GPS's own error, :data:`POSITION_TOLERANCE_M`) adds nothing to the distance, and a speed reading above it is left
  out of the pace; a problem line names the file and the time range.

References
----------
Graubner R, Nixdorf E 2011. Biomechanical analysis of the sprint and hurdles events at the 2009
IAAF World Championships in Athletics. New Studies in Athletics 26(1/2):19–53 (Bolt's 9.58 s
100 m: 10.44 m/s on average, 12.3 m/s at his fastest, between 60 and 80 m).
"""

from __future__ import annotations

from bisect import bisect_right
from dataclasses import dataclass

import numpy as np
import pandas as pd

from analyzer.model import Problem

MAX_RUNNING_SPEED_MPS = 12.0
"""Fastest speed a runner can have covered, m/s. The men's 100 m world record (Bolt, Berlin 2009,
9.58 s) averages 10.44 m/s and peaks at about 12.3 m/s (Graubner & Nixdorf 2011); on foot, a step
faster than this is a GPS jump or a clock fault, not running. Ours: the record's peak, rounded down."""

POSITION_TOLERANCE_M = 20.0
"""Metres a step may exceed :data:`MAX_RUNNING_SPEED_MPS` × its duration before it counts as too fast: two
GPS fixes a second or two apart can each be off by several metres (a phone's fix is typically within 4.9 m
in open sky, worse near buildings, bridges and trees: GPS.gov, "GPS accuracy"), so a 24 m step in 2 s is
jitter, not a sprint. Ours."""

FOOT_SPORTS = frozenset({"running", "walking", "hiking"})
"""Sports checked against :data:`MAX_RUNNING_SPEED_MPS` (a ride or a ski run may go faster)."""

MAX_RANGES_SHOWN = 5
"""A problem line lists at most this many time ranges, then says how many more there are."""

_NAT = np.iinfo(np.int64).min


def in_time_order(t_ns: np.ndarray) -> np.ndarray:
    """Mask of the points kept: the longest sequence of points (in file order) whose times never go back.

    Points without a time (``int64`` minimum, NaT) are kept and take no part. Equal times are in
    order. A file already in order costs one vectorised comparison.

    Examples
    --------
    >>> in_time_order(np.array([0, 1, 2, 9, 3, 4, 5])).tolist()  # one point far ahead
    [True, True, True, False, True, True, True]
    """
    t_ns = np.asarray(t_ns, dtype=np.int64)
    keep = np.ones(len(t_ns), dtype=bool)
    idx = np.flatnonzero(t_ns != _NAT)
    t = t_ns[idx]
    if len(t) < 2 or bool((np.diff(t) >= 0).all()):
        return keep
    tails: list[int] = []  # the smallest last time of a kept sequence of each length
    tail_at: list[int] = []
    prev = np.full(len(t), -1, dtype=np.int64)
    for i, v in enumerate(t.tolist()):
        k = bisect_right(tails, v)
        if k == len(tails):
            tails.append(v)
            tail_at.append(i)
        else:
            tails[k] = v
            tail_at[k] = i
        prev[i] = tail_at[k - 1] if k else -1
    chain = np.zeros(len(t), dtype=bool)
    i = tail_at[-1]
    while i >= 0:
        chain[i] = True
        i = int(prev[i])
    keep[idx[~chain]] = False
    return keep


BLOCK_MAX_LEAD_S = 10.0
"""A block of points left out for being out of time order counts as running time the kept points do not
show (the clock stepped back after it) only when it follows the point before it within this many
seconds; a lone point far ahead in time (a glitch) adds nothing."""


def missing_time_s(t_ns: np.ndarray, keep: np.ndarray) -> np.ndarray:
    """Seconds of running hidden by a clock that stepped back, before each point (cumulative).

    When the clock steps back after a stretch of points, the points kept after it carry times that
    are behind by about the stretch's length: the stretch (left out by :func:`in_time_order`) is still
    time run. Each block of consecutive points left out, in time order within itself, that follows the
    kept point before it within :data:`BLOCK_MAX_LEAD_S` and is followed by a step back, adds its span
    (from that kept point to its last point, plus one step like the one into it) to every point after it. Elapsed and moving time then
    match the distance, which is counted along those points too.

    Examples
    --------
    >>> s = 1_000_000_000
    >>> t = np.array([0, 1, 2, 3, 1, 2, 3, 4]) * s  # the clock goes back 3 s after the fourth point
    >>> keep = in_time_order(t)
    >>> missing_time_s(t, keep)[keep].tolist()
    [0.0, 0.0, 3.0, 3.0, 3.0, 3.0]
    """
    t = np.asarray(t_ns, dtype=np.int64)
    n = len(t)
    add = np.zeros(n)
    valid = t != _NAT
    dropped = np.flatnonzero(~keep & valid)
    if not len(dropped):
        return add
    at = np.arange(n)
    last_kept = np.maximum.accumulate(np.where(keep & valid, at, -1))  # the last kept point at or before i
    next_valid = np.minimum.accumulate(np.where(valid, at, n)[::-1])[::-1]  # the first timed point at or after i
    starts = np.concatenate([[0], np.flatnonzero(np.diff(dropped) > 1) + 1])
    ends = np.concatenate([starts[1:], [len(dropped)]])
    for a, b in zip(starts.tolist(), ends.tolist(), strict=True):
        block = dropped[a:b]
        first, last = int(block[0]), int(block[-1])
        before = int(last_kept[first - 1]) if first > 0 else -1
        after = int(next_valid[last + 1]) if last + 1 < n else n
        if before < 0 or after >= n:
            continue
        lead = (t[first] - t[before]) / 1e9
        if not (0 <= lead <= BLOCK_MAX_LEAD_S) or bool((np.diff(t[block]) < 0).any()) or t[after] >= t[last]:
            continue
        add[last + 1:] += (t[last] - t[before]) / 1e9 + lead  # and one step on to the next point
    return add


@dataclass
class Cleaned:
    """What :func:`clean_cumulative_m` did to one stretch of a track.

    Attributes
    ----------
    distance_m : numpy.ndarray
        The cleaned cumulative distance (NaN where the reading was NaN or left out).
    backward_m, fast_m : float
        Metres not counted: over steps back in time, over steps faster than the limit.
    fast_ranges : list of (int, int)
        (start, end) in ns of each stretch covered too fast, in file order.
    lower_readings : int
        Readings lower than an earlier one (left out).
    """

    distance_m: np.ndarray
    backward_m: float = 0.0
    fast_m: float = 0.0
    fast_ranges: list[tuple[int, int]] | None = None
    lower_readings: int = 0

    @property
    def left_out_m(self) -> float:
        return self.backward_m + self.fast_m


def _all_possible(t: np.ndarray, raw: np.ndarray, max_speed_mps: float | None) -> bool:
    """Whether :func:`clean_cumulative_m` would leave every reading as it is: all known, each at a
    later time than the one before, none lower, and (with a limit) no step faster than it."""
    if max_speed_mps is not None and max_speed_mps < 0:  # no such speed: judged step by step
        return False
    dt = np.diff(t)
    inc = np.diff(raw)
    if not np.isfinite(raw).all() or not (dt > 0).all() or not (inc >= 0).all():
        return False
    return not max_speed_mps or bool((inc <= max_speed_mps * (dt / 1e9) + POSITION_TOLERANCE_M).all())


def clean_cumulative_m(t_ns: np.ndarray, distance_m: np.ndarray, max_speed_mps: float | None) -> Cleaned:
    """A cumulative distance, taken step by step in file order, with the impossible steps left out.

    Parameters
    ----------
    t_ns : array of int64
        Time of each point, ns (all known), in file order.
    distance_m : array of float
        Cumulative distance at each point (the watch's own, or :func:`along_track_m`); NaN = none.
    max_speed_mps : float or None
        Steps longer than this speed × their duration + :data:`POSITION_TOLERANCE_M` add nothing;
        ``None`` checks no speed (rides, swims).

    Returns
    -------
    Cleaned
        A reading lower than an earlier one is left out (NaN). Between the remaining readings, a
        step to an earlier time adds nothing; steps to the same time are counted with the next
        step that moves on in time (and judged over it); a step covered faster than
        ``max_speed_mps`` adds nothing. Where a step adds nothing, the distance stays where it
        was, and everything after it is counted from there.

    Examples
    --------
    >>> s = 1_000_000_000
    >>> c = clean_cumulative_m(np.array([0, s, 2 * s, 3 * s]), np.array([0.0, 3.0, 503.0, 506.0]), 12.0)
    >>> c.distance_m.tolist(), c.fast_m
    ([0.0, 3.0, 3.0, 6.0], 500.0)
    """
    t = np.asarray(t_ns, dtype=np.int64)
    raw = np.asarray(distance_m, dtype=float).copy()
    if len(raw) > 1 and _all_possible(t, raw, max_speed_mps):  # the usual file: nothing to leave out
        return Cleaned(raw, fast_ranges=[])
    finite = np.isfinite(raw)
    out = Cleaned(np.full(len(raw), np.nan), fast_ranges=[])
    if finite.sum() == 0:
        return out
    running_max = np.fmax.accumulate(np.where(finite, raw, -np.inf))
    earlier_max = np.concatenate([[-np.inf], running_max[:-1]])
    lower = finite & (raw < earlier_max)
    out.lower_readings = int(lower.sum())
    idx = np.flatnonzero(finite & ~lower)
    d, tt = raw[idx], t[idx]
    # groups of readings at the same time; a group's step is from the last reading of the group before
    new_group = np.concatenate([[True], np.diff(tt) != 0])
    group = np.cumsum(new_group) - 1
    n_groups = int(group[-1]) + 1
    last = np.flatnonzero(np.concatenate([new_group[1:], [True]]))  # last reading of each group
    d_last, t_last = d[last], tt[last]
    inc = np.concatenate([[0.0], np.diff(d_last)])
    dt_s = np.concatenate([[1.0], np.diff(t_last) / 1e9])
    backward = dt_s < 0
    with np.errstate(divide="ignore", invalid="ignore"):
        fast = ~backward & (inc > max_speed_mps * np.where(dt_s > 0, dt_s, np.nan) + POSITION_TOLERANCE_M) \
            if max_speed_mps else np.zeros(n_groups, dtype=bool)
    refused = backward | fast
    out.backward_m = float(inc[backward].sum())
    out.fast_m = float(inc[fast].sum())
    cum_refused = np.cumsum(np.where(refused, inc, 0.0))
    g_of = group
    corrected = np.where(refused[g_of], d_last[g_of], d) - cum_refused[g_of]
    out.distance_m[idx] = corrected
    fast_groups = np.flatnonzero(fast)
    if len(fast_groups):  # merge consecutive fast steps into one stretch
        breaks = np.flatnonzero(np.diff(fast_groups) > 1)
        firsts = np.concatenate([[fast_groups[0]], fast_groups[breaks + 1]])
        lasts = np.concatenate([fast_groups[breaks], [fast_groups[-1]]])
        out.fast_ranges = [(int(t_last[a - 1]), int(t_last[b])) for a, b in zip(firsts, lasts, strict=True)]
    return out


def _hms(ns: int) -> str:
    return pd.Timestamp(ns, tz="UTC").strftime("%Y-%m-%d %H:%M:%S")


def time_range_text(start_ns: int, end_ns: int) -> str:
    """``2024-06-03 06:10:05–06:10:07 UTC`` (the date again only when it changes)."""
    a, b = _hms(start_ns), _hms(end_ns)
    if a == b:
        return f"{a} UTC"
    return f"{a}–{b[11:] if a[:10] == b[:10] else b} UTC"


def ranges_text(ranges: list[tuple[int, int]]) -> str:
    """Up to :data:`MAX_RANGES_SHOWN` time ranges, then how many more."""
    shown = ", ".join(time_range_text(a, b) for a, b in ranges[:MAX_RANGES_SHOWN])
    more = len(ranges) - MAX_RANGES_SHOWN
    return shown + (f" and {more} more" if more > 0 else "")


def out_of_order_text(t_ns: np.ndarray, keep: np.ndarray) -> str:
    """The problem line for points left out by :func:`in_time_order` ("" when none were)."""
    dropped = ~keep & (t_ns != _NAT)
    n = int(dropped.sum())
    if not n:
        return ""
    valid = t_ns[t_ns != _NAT]
    steps_back = int((np.diff(valid) < 0).sum())
    times = t_ns[dropped]
    return (f"the clock goes back in time {steps_back} time{'s' if steps_back != 1 else ''}: {n} point"
            f"{'s' if n != 1 else ''} out of time order ({time_range_text(int(times.min()), int(times.max()))}) "
            "left out (not re-sorted: that would zigzag the track), and no distance counted over a step back")


def cleaned_text(cleaned: Cleaned, what: str, max_speed_mps: float | None) -> list[str]:
    """Problem lines for what :func:`clean_cumulative_m` left out of ``what`` (e.g. "the watch's distance")."""
    lines = []
    if cleaned.lower_readings:
        lines.append(f"{cleaned.lower_readings} reading{'s' if cleaned.lower_readings != 1 else ''} of {what} "
                     "lower than an earlier one (a distance never goes back); left out")
    if cleaned.fast_ranges:
        lines.append(f"{what} covered faster than {max_speed_mps:g} m/s (faster than anyone runs) at "
                     f"{ranges_text(cleaned.fast_ranges)}: those {cleaned.fast_m:,.0f} m are left out of the "
                     "distance and pace")
    return lines


def fast_speed_mask(speed_mps: np.ndarray | None, max_speed_mps: float) -> np.ndarray | None:
    """Where a speed reading is above ``max_speed_mps`` (None when there is no speed)."""
    if speed_mps is None:
        return None
    with np.errstate(invalid="ignore"):
        return np.asarray(speed_mps, dtype=float) > max_speed_mps


def fast_speed_text(t_ns: np.ndarray, fast: np.ndarray, max_speed_mps: float) -> str:
    """The problem line for speed readings above the limit, with their time ranges ("" when none)."""
    idx = np.flatnonzero(fast & (t_ns != _NAT))
    if not len(idx):
        return ""
    breaks = np.flatnonzero(np.diff(idx) > 1)
    firsts = np.concatenate([[idx[0]], idx[breaks + 1]])
    lasts = np.concatenate([idx[breaks], [idx[-1]]])
    ranges = [(int(t_ns[a]), int(t_ns[b])) for a, b in zip(firsts, lasts, strict=True)]
    return (f"{len(idx)} speed reading{'s' if len(idx) != 1 else ''} over {max_speed_mps:g} m/s (faster than anyone "
            f"runs) at {ranges_text(ranges)}; left out of the pace")


# ------------------------------------------------------------------ the readers' steps, said as problems


def speed_limit_mps(sport: object) -> float | None:
    """:data:`MAX_RUNNING_SPEED_MPS` for a sport on foot (:data:`FOOT_SPORTS`), ``None`` for any other
    (a ride or a ski run may go faster) or an unknown one."""
    return MAX_RUNNING_SPEED_MPS if isinstance(sport, str) and sport in FOOT_SPORTS else None


def clean_distance(t_ns: np.ndarray, distance_m: np.ndarray, max_speed_mps: float | None, what: str,
                   name: str, problems: list[Problem]) -> Cleaned:
    """:func:`clean_cumulative_m`, with what it left out of ``what`` said in ``problems`` (file ``name``)."""
    cleaned = clean_cumulative_m(t_ns, distance_m, max_speed_mps)
    problems.extend(Problem(name, "", line) for line in cleaned_text(cleaned, what, max_speed_mps))
    return cleaned


def fast_speeds(t_ns: np.ndarray, speed_mps: np.ndarray, max_speed_mps: float, name: str,
                problems: list[Problem]) -> np.ndarray:
    """Mask of the speed readings above ``max_speed_mps`` (:func:`fast_speed_mask`); when there are any,
    a problem in ``problems`` gives their count and times (:func:`fast_speed_text`)."""
    fast = fast_speed_mask(speed_mps, max_speed_mps)
    if fast.any():
        problems.append(Problem(name, "", fast_speed_text(t_ns, fast, max_speed_mps)))
    return fast


def time_order(t_ns: np.ndarray, name: str, problems: list[Problem]) -> tuple[np.ndarray, np.ndarray | None]:
    """The points kept (:func:`in_time_order`) and, when some are left out (said in ``problems``), the
    seconds of running hidden before each point by a clock that stepped back (:func:`missing_time_s`,
    one per point, kept or not); ``None`` when every point is in order."""
    keep = in_time_order(t_ns)
    if keep.all():
        return keep, None
    problems.append(Problem(name, "", out_of_order_text(t_ns, keep)))
    return keep, missing_time_s(t_ns, keep)
