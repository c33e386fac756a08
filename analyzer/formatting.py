"""Numbers as people read them: durations and paces in messages, figures and reports."""

from __future__ import annotations

import math

from analyzer.offsets import format_utc_offset  # noqa: F401 - its old home; re-exported


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


def p_text(p: float) -> str:
    """A chance as every page gives it, to two significant digits (``0.0625`` → ``0.062``)."""
    return f"{p:.2g}"


def clock_text(local_hour: float) -> str:
    """A local time of day from fractional hours, ``hh:mm``.

    Examples
    --------
    >>> clock_text(23.5), clock_text(6.999)
    ('23:30', '06:00')
    """
    return f"{int(local_hour):02d}:{int(round(local_hour % 1 * 60)) % 60:02d}"


def format_heat_index(heat_index_c: float, beyond_chart: bool = False, form: str = "text", *,
                      under_chart: bool = False) -> str:
    """A heat index as every page says it, from the one fact (value, beyond the NWS chart).

    Beyond the chart the number itself is never shown: above the chart's largest heat index
    (137 °F, 58 °C) it is "above 58 °C"; in air hotter than the chart's (110 °F, 43 °C) with a
    lower heat index it is "beyond the NWS chart", with the air's limit, since the regression was
    not fitted there (a 41 °C at 44 °C air and 10 % humidity means nothing).

    Parameters
    ----------
    heat_index_c : float
        Heat index, °C.
    beyond_chart : bool
        :func:`analyzer.metrics.heat.heat_index_beyond_chart` for the same air.
    form : {"text", "chip", "cell", "value"}
        In a sentence; on a chip (``HI …``); in a table cell (number only); a value without
        the chart's name.
    under_chart : bool
        Say a heat index below the NWS chart (80 °F, 26.7 °C) as such instead of its number: there
        it is no heat-stress number and may be below the air temperature
        (:data:`analyzer.metrics.heat.HEAT_INDEX_CHART_MIN_F`).

    Examples
    --------
    >>> format_heat_index(41.06), format_heat_index(152.7, beyond_chart=True)
    ('41.1 °C', 'above 58 °C (beyond the NWS chart)')
    >>> format_heat_index(41.0, True), format_heat_index(41.0, True, "chip"), format_heat_index(41.0, True, "cell")
    ('beyond the NWS chart (air above 43 °C)', 'HI off chart', 'off chart')
    >>> format_heat_index(152.7, True, "chip"), format_heat_index(152.7, True, "cell"), format_heat_index(41.06, form="chip")
    ('HI > 58 °C', '> 58', 'HI 41 °C')
    >>> format_heat_index(15.2, under_chart=True), format_heat_index(15.2, form="cell", under_chart=True)
    ('under the NWS chart (below 26.7 °C)', '< 26.7')
    """
    if heat_index_c is None or not math.isfinite(heat_index_c):
        return "-" if form == "text" else ""
    from analyzer.metrics.heat import (
        HEAT_INDEX_CHART_AIR_MAX_F,
        HEAT_INDEX_CHART_MAX_F,
        HEAT_INDEX_CHART_MIN_F,
        c_to_f,
        f_to_c,
        heat_index_below_chart,
    )

    if under_chart and not beyond_chart and bool(heat_index_below_chart(heat_index_c)):
        low = f"{float(f_to_c(HEAT_INDEX_CHART_MIN_F)):.1f}"
        return {"chip": f"HI < {low} °C", "cell": f"< {low}", "value": f"below {low} °C"}.get(
            form, f"under the NWS chart (below {low} °C)")
    if not beyond_chart and not float(c_to_f(heat_index_c)) > HEAT_INDEX_CHART_MAX_F:  # above 137 °F is off it too
        return {"chip": f"HI {heat_index_c:.0f} °C", "cell": f"{heat_index_c:.1f}"}.get(form, f"{heat_index_c:.1f} °C")
    if not off_chart_by_air(heat_index_c, beyond_chart):
        top = f"{float(f_to_c(HEAT_INDEX_CHART_MAX_F)):.0f}"
        return {"chip": f"HI > {top} °C", "cell": f"> {top}", "value": f"above {top} °C"}.get(
            form, f"above {top} °C (beyond the NWS chart)")
    air = f"{float(f_to_c(HEAT_INDEX_CHART_AIR_MAX_F)):.0f}"
    return {"chip": "HI off chart", "cell": "off chart", "value": f"off the NWS chart, air above {air} °C"}.get(
        form, f"beyond the NWS chart (air above {air} °C)")


def off_chart_by_air(heat_index_c: float, beyond_chart: bool) -> bool:
    """Beyond the NWS chart because the air is hotter than the chart's (110 °F), not because the
    heat index is above its largest (137 °F): the number is then not even a bound.

    Examples
    --------
    >>> off_chart_by_air(41.0, True), off_chart_by_air(152.7, True), off_chart_by_air(41.0, False)
    (True, False, False)
    """
    from analyzer.metrics.heat import HEAT_INDEX_CHART_MAX_F, c_to_f

    return bool(beyond_chart) and not float(c_to_f(heat_index_c)) > HEAT_INDEX_CHART_MAX_F


def leg_text(leg: object, muscle: object = None) -> str:
    """``left calf``, ``calf, both legs``, ``both legs``, ``right``.

    Examples
    --------
    >>> leg_text("left", "calf"), leg_text("both", "calf"), leg_text("both"), leg_text(None, "foot")
    ('left calf', 'calf, both legs', 'both legs', 'foot')
    """
    leg = "" if leg is None or (isinstance(leg, float) and math.isnan(leg)) else str(leg)
    muscle = "" if muscle is None or (isinstance(muscle, float) and math.isnan(muscle)) else str(muscle)
    if leg == "both":
        return f"{muscle}, both legs" if muscle else "both legs"
    return f"{leg} {muscle}".strip()


def severity_text(value: object) -> str:
    """``3/5`` (or empty)."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return ""
    return f"{int(v)}/5" if math.isfinite(v) else ""


_DIGITS_BY_SUFFIX = (  # unit suffix → decimals shown; the first match wins
    ("_s_per_km", None), ("_l_per_h", 2), ("_km", 2), ("_kg", 1), ("_mps", 2), ("_pct", 1), ("_c", 1),
    ("_bpm", 0), ("_spm", 0), ("_rpm", 0), ("_w_m2", 0), ("_w", 0), ("_ml", 0), ("_m", 0), ("_deg", 5),
    ("_ratio", 2), ("_p", 3),
)


def csv_digits(name: str) -> int:
    """Decimals a CSV keeps for a column, by its unit suffix: seconds and paces 0.1 s, km 0.001 (a
    metre), the other units as :func:`readable` shows them, 3 otherwise."""
    if name.endswith(("_s_per_km", "_s")):
        return 1
    if name.endswith("_km"):
        return 3
    for suffix, digits in _DIGITS_BY_SUFFIX:
        if name.endswith(suffix) and digits is not None:
            return digits
    return 3


def _with_seconds(values) -> bool:
    """Whether times in ``values`` differ by seconds (then a minute is too coarse to tell rows apart)."""
    import pandas as pd

    times = pd.DatetimeIndex(pd.Series(values).dropna().unique())
    if len(times) < 2:
        return False
    return bool(((times - times[0]) % pd.Timedelta(minutes=1) != pd.Timedelta(0)).any())


def _signed_duration(v) -> str:
    v = float(v)
    return ("-" if v < 0 else "") + format_duration(abs(v))


def _as_numbers(values):
    """An object column's values as floats when every one of them is a number (else ``None``)."""
    import numbers

    import pandas as pd

    present = [v for v in values if v is not None and not (isinstance(v, float) and math.isnan(v)) and v is not pd.NA]
    if not present or not all(isinstance(v, numbers.Real) and not isinstance(v, bool) for v in present):
        return None
    return pd.to_numeric(pd.Series(values), errors="coerce")


def _cell_format(name: str, values, timezone: str | None):
    """A formatter for one column of :func:`readable` (None: leave it as pandas shows it)."""
    import pandas as pd

    if values.dtype == object and len(values):
        present = values.dropna()
        if len(present) and all(isinstance(v, pd.Timestamp) and v.tzinfo is not None for v in present):
            values = pd.to_datetime(values, utc=True)
        elif (numbers := _as_numbers(values)) is not None:
            inner = _cell_format(name, numbers, timezone)
            return None if inner is None else (lambda v: inner(float(v)))
    if isinstance(values.dtype, pd.DatetimeTZDtype):
        clock = "%Y-%m-%d %H:%M:%S" if _with_seconds(values) else "%Y-%m-%d %H:%M"
        if timezone:
            return lambda t: "" if pd.isna(t) else pd.Timestamp(t).tz_convert(timezone).strftime(clock) + \
                " " + format_utc_offset(pd.Timestamp(t).tz_convert(timezone).utcoffset())
        return lambda t: "" if pd.isna(t) else pd.Timestamp(t).tz_convert("UTC").strftime(clock + " UTC")
    if pd.api.types.is_timedelta64_dtype(values.dtype):
        return format_utc_offset if "offset" in name else (lambda v: format_duration(v.total_seconds()))
    if pd.api.types.is_bool_dtype(values.dtype) or not pd.api.types.is_numeric_dtype(values.dtype):
        return None
    if name.endswith("_s_per_km"):
        return format_pace
    if name.endswith("_s"):
        return _signed_duration
    for suffix, digits in _DIGITS_BY_SUFFIX:
        if name.endswith(suffix) and digits is not None:
            return _fixed(digits)
    if pd.api.types.is_integer_dtype(values.dtype):
        return None
    if name in ("trimp", "severity", "cramp_row", "cramps", "history_days"):
        return _fixed(0)
    return _fixed(2)


_RELABEL = (("_s_per_km", "min/km"), ("_s", "h:mm:ss"))
"""Unit suffixes :func:`readable` shows in another unit, and the header it gives them."""


def _header(name: object, values) -> object:
    """A column's header as shown: renamed when :func:`readable` changed its unit."""
    import pandas as pd

    if not isinstance(name, str) or not (pd.api.types.is_numeric_dtype(values.dtype) or values.dtype == object):
        return name
    if pd.api.types.is_bool_dtype(values.dtype) or (values.dtype == object and _as_numbers(values) is None):
        return name
    for suffix, unit in _RELABEL:
        if name.endswith(suffix) and len(name) > len(suffix):
            return f"{name[: -len(suffix)].replace('_', ' ')} ({unit})"
    return name


def _fixed(digits: int):
    """``digits`` decimals, thousands separated, never ``-0.0``."""
    return lambda v: f"{round(float(v), digits) + 0.0:,.{digits}f}"


def readable(frame, timezone: str | None = None):
    """A DataFrame as a person reads it, for notebooks: paces ``m:ss``, durations ``h:mm:ss``,
    each unit to its meaningful decimals, times in the athlete's zone with ``+02:00``.

    The data is not changed (a :class:`pandas.io.formats.style.Styler` over the same frame);
    columns are recognised by their unit suffix (``_km``, ``_s_per_km``, ``_c``, ``_pct``, …), in
    number columns and in object columns that hold only numbers. A column shown in another unit
    says so in its header (``pace_s_per_km`` → ``pace (min/km)``, ``elapsed_s`` →
    ``elapsed (h:mm:ss)``). Times keep their seconds when rows differ by seconds. The ``count``
    row of :meth:`pandas.DataFrame.describe` stays a count.

    Parameters
    ----------
    frame : DataFrame or Series
        E.g. ``analysis.runs`` or ``analysis.cramps``.
    timezone : str, optional
        IANA zone for time columns (``athlete.timezone``); UTC when not given.

    Raises
    ------
    ValueError
        ``timezone`` is not an IANA zone (checked when called, not when the table is shown).
    TypeError
        ``frame`` is not a DataFrame or Series (an Analysis: pass ``analysis.runs``).

    Examples
    --------
    >>> import pandas as pd
    >>> runs = pd.DataFrame({"distance_km": [18.20027], "pace_s_per_km": [325.52], "elapsed_s": [5925.0]})
    >>> print(readable(runs).hide(axis="index").to_string(delimiter="|"))
    distance_km|pace (min/km)|elapsed (h:mm:ss)
    18.20|5:26|1:38:45
    <BLANKLINE>
    """
    import pandas as pd

    if isinstance(frame, pd.Series):
        frame = frame.to_frame()
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"readable takes a DataFrame or Series (e.g. analysis.runs), not {type(frame).__name__}")
    if timezone is not None:
        _check_timezone(timezone)
    described = {"count", "mean", "std"} <= {str(i) for i in frame.index}
    formats = {}
    for name in frame.columns:
        fmt = _cell_format(str(name), frame[name], timezone)
        if fmt is not None:
            formats[name] = fmt
    styler = frame.style.format(formats, na_rep="—")
    if described:  # DataFrame.describe(): the count row counts rows, whatever the column's unit
        styler = styler.format(lambda v: f"{v:,.0f}", subset=pd.IndexSlice[["count"], list(formats)], na_rep="—")
    if isinstance(frame.index, pd.DatetimeIndex) and frame.index.tz is not None:
        styler = styler.format_index(_cell_format("time", frame.index.to_series(), timezone))
    headers = [_header(name, frame[name]) for name in frame.columns]
    if headers != list(frame.columns) and frame.columns.is_unique:
        styler = styler.relabel_index(headers, axis="columns")
    return styler


def _check_timezone(timezone: object) -> None:
    """Raise now, not when the table is displayed, for a zone that is not an IANA time zone."""
    import zoneinfo

    if not isinstance(timezone, str):
        raise TypeError(f"timezone must be an IANA zone name such as 'Europe/Madrid', not {type(timezone).__name__}")
    try:
        zoneinfo.ZoneInfo(timezone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {timezone!r}: give an IANA zone such as 'Europe/Madrid'") from exc
