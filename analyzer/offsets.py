"""UTC offsets as clocks write them (used by the model's views and the report alike)."""

from __future__ import annotations

import math


def format_utc_offset(offset) -> str:
    """A UTC offset the way clocks write it, ``"+02:00"`` or ``"-05:30"``; ``"not recorded"`` when unknown.

    Accepts a :class:`pandas.Timedelta`, :class:`datetime.timedelta` or seconds.

    Examples
    --------
    >>> import datetime as dt
    >>> format_utc_offset(dt.timedelta(hours=2)), format_utc_offset(-19800), format_utc_offset(None)
    ('+02:00', '-05:30', 'not recorded')
    """
    if offset is None:
        return "not recorded"
    seconds = offset.total_seconds() if hasattr(offset, "total_seconds") else float(offset)
    if not math.isfinite(seconds):
        return "not recorded"
    minutes = int(round(seconds / 60))
    sign = "-" if minutes < 0 else "+"
    return f"{sign}{abs(minutes) // 60:02d}:{abs(minutes) % 60:02d}"
