"""The athlete's time zone, and the local offsets the watch recorded (docs/folders.md, "Time zone").

A FIT file's ``activity.local_timestamp`` minus its ``timestamp`` is the watch's local offset at
that run (:attr:`analyzer.model.Activity.utc_offset`). It is evidence of where the runner was:

* with no ``timezone`` in ``athlete.toml`` the zone is taken from those offsets (the offset
  most runs recorded, as a fixed offset); with no offsets either, UTC is used and it is a guess
  without evidence, so nothing is said about the time of day (night cramps are "not
  assessable");
* a cramp time written without an offset, on a day the watch recorded an offset different
  from the home zone's (the runner was away), is read in the watch's offset of that day;
* unless the watch's local time was never set (:func:`unset_watch_zone`): every file recorded
  offset 0 while the home zone is never UTC+00:00 on those days. Then no day is a trip, and it is
  said once for the athlete.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from zoneinfo import ZoneInfo, available_timezones

import pandas as pd

from analyzer.model import Activity

ZONE_FROM_PROFILE = "athlete.toml"
ZONE_FROM_WATCH = "watch"
ZONE_GUESSED = "guessed"


def format_offset(offset: pd.Timedelta | dt.timedelta) -> str:
    """``UTC+09:00``, ``UTC-03:30``, ``UTC+00:00``."""
    minutes = int(pd.Timedelta(offset).total_seconds() // 60)
    sign = "+" if minutes >= 0 else "-"
    return f"UTC{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"


@functools.lru_cache(maxsize=64)
def fixed_zone(offset_s: int) -> str:
    """An IANA zone name that is always ``offset_s`` seconds from UTC.

    Whole hours are the ``Etc/GMT`` zones (whose sign is inverted by POSIX convention:
    ``Etc/GMT-9`` is UTC+09:00); other offsets (UTC+05:30, UTC+05:45, …) are a zone that has kept
    that offset all year since 2023; UTC when none exists.
    """
    if offset_s == 0:
        return "UTC"
    if offset_s % 3600 == 0 and -12 <= offset_s // 3600 <= 14:
        hours = offset_s // 3600
        return f"Etc/GMT{'-' if hours > 0 else '+'}{abs(hours)}"
    probes = [dt.datetime(y, m, 15, 12, tzinfo=dt.UTC) for y in (2023, 2024, 2025) for m in (1, 4, 7, 10)]
    for name in sorted(available_timezones()):
        try:
            zone = ZoneInfo(name)
        except (ValueError, OSError):
            continue
        if all(p.astimezone(zone).utcoffset() == dt.timedelta(seconds=offset_s) for p in probes):
            return name
    return "UTC"


@dataclass(frozen=True)
class ZoneChoice:
    """Which zone local times are read in, and why.

    Attributes
    ----------
    timezone : str
        IANA zone name used for local times.
    label : str
        How the page names it (``Europe/Berlin``, or ``UTC+09:00`` for a fixed offset).
    source : str
        ``athlete.toml``, ``watch`` (from the watch's recorded offsets) or ``guessed`` (no evidence).
    note : str
        One sentence for the top of the athlete page: which zone and why.
    """

    timezone: str
    label: str
    source: str
    note: str


def watch_offsets(activities: Iterable[Activity]) -> list[tuple[pd.Timestamp, pd.Timestamp, pd.Timedelta]]:
    """``(start, end, offset)`` of every run whose file recorded its local offset, in time order."""
    out = []
    for act in activities:
        off = act.utc_offset
        start = act.start_time
        if off is None or pd.isna(off) or start is None or pd.isna(start):
            continue
        end = act.end_time
        out.append((start, end if end is not None and pd.notna(end) else start, pd.Timedelta(off)))
    return sorted(out, key=lambda r: r[0])


def choose_zone(profile: Mapping[str, object], activities: Iterable[Activity]) -> ZoneChoice:
    """The zone of the athlete's local times: ``athlete.toml``'s, else the watch's, else UTC (guessed).

    The watch's zone is the offset most runs recorded (the latest of equally common ones),
    as a fixed offset; runs recorded at another offset are read in their own
    (:func:`away_days`).
    """
    if profile.get("timezone_source") == ZONE_FROM_PROFILE:
        tz = str(profile["timezone"])
        return ZoneChoice(tz, tz, ZONE_FROM_PROFILE, f"Local times are in {tz}, the time zone in athlete.toml.")
    recorded = watch_offsets(activities)
    if not recorded:
        return ZoneChoice("UTC", "UTC", ZONE_GUESSED,
                          "Local times are shown in UTC, a guess: athlete.toml gives no time zone and no run file "
                          "recorded the watch's local time. Times of day (night cramps) are not assessable; add "
                          'timezone = "Area/City" to athlete.toml.')
    counts = Counter(off for _, _, off in recorded)
    last = {off: i for i, (_, _, off) in enumerate(recorded)}
    home = max(counts, key=lambda off: (counts[off], last[off]))
    label = format_offset(home)
    n, total = counts[home], len(recorded)
    others = sorted({format_offset(o) for o in counts if o != home})
    also = (f"; {total - n} run{'s' if total - n != 1 else ''} recorded {', '.join(others)}, and cramps logged "
            "on those days are read in that day's offset") if others else ""
    return ZoneChoice(fixed_zone(int(home.total_seconds())), label, ZONE_FROM_WATCH,
                      f"Local times are in {label}, the local time the watch recorded on {n} of {total} run"
                      f"{'s' if total != 1 else ''} (athlete.toml gives no time zone){also}.")


def away_days(activities: Iterable[Activity], home_tz: str) -> dict[str, list[tuple[pd.Timestamp, pd.Timestamp,
                                                                                      pd.Timedelta]]]:
    """Local dates (``YYYY-MM-DD`` as the watch showed them) on which the watch's offset differed
    from the home zone's at that moment → that day's ``(start, end, offset)`` runs."""
    zone = ZoneInfo(home_tz)
    out: dict[str, list] = {}
    for start, end, off in watch_offsets(activities):
        if start.to_pydatetime().astimezone(zone).utcoffset() == off.to_pytimedelta():
            continue
        day = (start + off).tz_localize(None).date().isoformat()
        out.setdefault(day, []).append((start, end, off))
    return out


UNSET_ZONE_MIN_RUNS = 2
"""Runs with a recorded offset needed before "all at offset 0" is taken for a watch whose local
time was never set (ours: one run at UTC+00:00 may be a genuine trip, to London or Lisbon)."""


def unset_watch_zone(activities: Iterable[Activity], home_tz: str) -> str:
    """Why the watch's local time looks never set ("" when it does not): at least
    :data:`UNSET_ZONE_MIN_RUNS` runs recorded an offset, every one of them 0, while ``home_tz`` is
    never UTC+00:00 at those runs' moments. A travel rule on such data would make every run day
    a trip to UTC+00:00.

    References
    ----------
    Garmin, FIT SDK, Profile, message ``activity``, field ``local_timestamp``: "timestamp epoch
    expressed in local time, used to convert activity timestamps to local time".
    """
    recorded = watch_offsets(activities)
    if len(recorded) < UNSET_ZONE_MIN_RUNS or any(off != pd.Timedelta(0) for _, _, off in recorded):
        return ""
    zone = ZoneInfo(home_tz)
    if any(start.to_pydatetime().astimezone(zone).utcoffset() == dt.timedelta(0) for start, _, _ in recorded):
        return ""
    return (f"the watch's local time looks never set: all {len(recorded)} runs recorded UTC+00:00, which "
            f"{home_tz} (athlete.toml) never is on those days; cramp times without an offset are read in "
            f"{home_tz}, and no run day is taken for a trip")


def read_away(wall: pd.Timestamp, runs: list[tuple[pd.Timestamp, pd.Timestamp, pd.Timedelta]]
              ) -> tuple[pd.Timestamp, pd.Timedelta]:
    """A naive wall-clock time on an away day → (UTC time, offset used): the offset of that day's
    run nearest to the time it gives."""
    best = None
    for start, end, off in runs:
        utc = (wall - off).tz_localize("UTC")
        gap = max(start - utc, utc - end, pd.Timedelta(0))
        if best is None or gap < best[0]:
            best = (gap, utc, off)
    assert best is not None
    return best[1], best[2]
