"""Numbers as people read them: durations and paces in messages, figures and reports."""

from __future__ import annotations

import math


def format_duration(seconds: float) -> str:
    """``h:mm:ss``; ``"-"`` when unknown.

    Examples
    --------
    >>> format_duration(3725.4)
    '1:02:05'
    """
    if seconds is None or not math.isfinite(seconds):
        return "-"
    s = int(round(seconds))
    return f"{s // 3600:d}:{s % 3600 // 60:02d}:{s % 60:02d}"


def format_pace(s_per_km: float) -> str:
    """``m:ss`` per km (rounded to the second); ``""`` when unknown or not positive.

    Examples
    --------
    >>> format_pace(330.4)
    '5:30'
    """
    if not isinstance(s_per_km, (int, float)) or not math.isfinite(s_per_km) or s_per_km <= 0:
        return ""
    s = int(round(s_per_km))
    return f"{s // 60}:{s % 60:02d}"


def format_heat_index(heat_index_c: float, beyond_chart: bool = False) -> str:
    """``"41.1 °C"``; beyond the NWS chart, ``"above 58 °C (beyond the NWS chart)"``.

    Examples
    --------
    >>> format_heat_index(41.06), format_heat_index(152.7, beyond_chart=True)
    ('41.1 °C', 'above 58 °C (beyond the NWS chart)')
    """
    if heat_index_c is None or not math.isfinite(heat_index_c):
        return "-"
    if beyond_chart:
        from analyzer.metrics.heat import HEAT_INDEX_CHART_MAX_F, f_to_c

        return f"above {float(f_to_c(HEAT_INDEX_CHART_MAX_F)):.0f} °C (beyond the NWS chart)"
    return f"{heat_index_c:.1f} °C"
