"""The per-run overlay: pace, heart rate and heat along the run, with pauses and cramps."""

from __future__ import annotations

from os import PathLike
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter

from analyzer.formatting import format_duration, format_pace, leg_text, severity_text
from analyzer.metrics.heat import heat_index_c
from analyzer.model import Activity, Athlete
from analyzer.plots import new_figure, plain_text
from analyzer.plots.axes import MIN_HR_SPAN_BPM, MIN_PACE_SPAN_MIN, MIN_TEMPERATURE_SPAN_C, centred_span

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import SubFigure

    from analyzer.analysis import Analysis

SLOWEST_PLOTTED_PACE_S_PER_KM = 900.0
"""Paces slower than 15:00 min/km (standing, walking at a water stop) are not drawn."""

HR_SMOOTH_S = 10.0
"""Heart rate is drawn as a 10 s rolling mean (optical sensors jitter beat to beat)."""

WRIST_SMOOTH_S = 120.0
"""The watch's own temperature (whole degrees, jittering) is drawn as a 2-minute rolling mean."""


def _min_span(ax, values, min_span: float, inverted: bool = False) -> None:
    """Widen the y axis to at least ``min_span`` around the data (keeping an inverted axis inverted)."""
    span = centred_span(values, min_span)
    if span is None:
        return
    ax.set_ylim(span[::-1] if inverted else span)

CRAMP_COLOR = "#c0392b"
PAUSE_COLOR = "#bdc3c7"


def _local_start(activity: Activity, timezone: str | None) -> pd.Timestamp | None:
    start = activity.start_time
    if start is None or pd.isna(start):
        return None
    if timezone:
        return start.tz_convert(timezone)
    if activity.utc_offset is not None:
        return (start + activity.utc_offset).tz_localize(None)
    return start


def smoothed_pace_min_per_km(records: pd.DataFrame, window_s: float = 30.0) -> pd.Series:
    """Pace in min/km from a time-based rolling median of ``speed_mps`` (NaN when too slow)."""
    speed = records["speed_mps"].dropna()
    speed = speed[~speed.index.duplicated()].sort_index()
    smooth = speed.rolling(pd.Timedelta(seconds=window_s), min_periods=1).median()
    pace_s = 1000.0 / smooth.where(smooth > 0)
    pace_s = pace_s.where(pace_s <= SLOWEST_PLOTTED_PACE_S_PER_KM)
    return (pace_s / 60.0).reindex(records.index)


def _context(activity, cramps):
    """``(activity, cramps frame, athlete)`` from what :func:`plot_run` was given."""
    from analyzer.analysis import Analysis

    athlete = None
    if isinstance(cramps, Analysis):
        athlete, cramps = cramps.athlete, cramps.cramps
    elif isinstance(cramps, Athlete):
        from analyzer.cramps import match_cramps

        athlete, cramps = cramps, match_cramps(cramps)
    elif cramps is not None and not isinstance(cramps, pd.DataFrame):
        raise TypeError("plot_run's second argument must be an Analysis, an Athlete or the cramps DataFrame of "
                        f"analyzer.match_cramps, not {type(cramps).__name__}")
    if isinstance(activity, str | PathLike) and not isinstance(activity, Activity):
        if athlete is None:
            raise TypeError("plot_run needs an Activity; a run's name works only with its Analysis or Athlete "
                            "(plot_run(name, analysis))")
        found = athlete.activity(str(activity))
        if found is None:
            raise LookupError(f"{athlete.id} has no run named {str(activity)!r}")
        activity = found
    elif not isinstance(activity, Activity):
        raise TypeError(f"plot_run draws one Activity (analyzer.read_fit, athlete.activities[i]), "
                        f"not {type(activity).__name__}")
    return activity, cramps, athlete


def plot_run(
    activity: Activity | str,
    cramps: pd.DataFrame | Analysis | Athlete | None = None,
    *,
    x: str = "distance",
    weather: pd.DataFrame | None = None,
    air_source: str = "weather",
    timezone: str | None = None,
    smooth_s: float = 30.0,
    fig: Figure | SubFigure | None = None,
) -> Figure | SubFigure:
    """Pace, heart rate and heat along one run, pauses shaded, each cramp marked.

    Parameters
    ----------
    activity : Activity or str
        From :func:`analyzer.read_fit` or ``athlete.activities``; or, with an Analysis or Athlete as
        ``cramps``, a run's file name (with or without its suffix).
    cramps : Analysis, Athlete or DataFrame, optional
        An :class:`~analyzer.Analysis` or :class:`~analyzer.Athlete` brings the run's context along:
        its cramps, its air (``weather.csv``, an air sensor or the weather archive: air temperature
        and heat index are drawn) and the athlete's time zone. A DataFrame is the output of
        :func:`analyzer.match_cramps`; rows whose ``activity`` is this run's file and whose context is
        ``during_run`` are marked.
    x : {"distance", "time"}
        Distance in km, or elapsed time in minutes.
    weather : DataFrame, optional
        ``temperature_c`` and ``relative_humidity_pct`` indexed by UTC time: air temperature
        and heat index are drawn (``weather.csv``, or :func:`analyzer.weather.air.run_air`'s frame for
        a sensor or the weather archive). Given, it is used instead of the context's air. The
        watch's own temperature is always labelled as wrist temperature, which reads high.
    air_source : str
        Where the air temperature came from, shown in its legend entry (with a context and no
        ``weather``, the context's source).
    timezone : str, optional
        IANA zone for the date in the title; else the athlete's (with a context), else the watch's
        recorded offset.
    smooth_s : float
        Rolling-median window for pace, seconds.
    fig : Figure or SubFigure, optional
        Draw the three panels into it (e.g. one of ``plt.figure().subfigures(1, 2)`` to put two
        runs side by side); else a new figure, made with pyplot as pandas and seaborn do.

    Returns
    -------
    matplotlib.figure.Figure
        Three axes sharing x: pace (min/km, inverted: faster is up), heart rate (bpm), heat (°C).
        (The ``fig`` given, when one was.)

    Raises
    ------
    TypeError
        When ``activity`` is not an Activity (or a run's name with a context), or ``cramps`` is not
        an Analysis, an Athlete or a DataFrame.
    LookupError
        When the run's name is not among the athlete's activities.
    """
    if x not in ("distance", "time"):
        raise ValueError("x must be 'distance' or 'time'")
    activity, cramps, athlete = _context(activity, cramps)
    if athlete is not None:
        if weather is None:
            from analyzer.weather.air import run_air

            air = run_air(athlete, activity)
            if air.known:
                weather, air_source = air.frame, air.source
        timezone = timezone or athlete.timezone
    recs = activity.records[activity.records.index.notna()]
    undated = "the file's records carry no timestamps: not drawn" if len(activity.records) and not len(recs) else ""
    if x == "distance" and ("distance_m" not in recs or recs["distance_m"].isna().all()):
        x = "time"
    xs = recs["distance_m"] / 1000.0 if x == "distance" else recs["elapsed_s"] / 60.0
    xlabel = "distance (km)" if x == "distance" else "elapsed time (min)"
    fig = new_figure((10, 7.5), fig)
    ax_pace, ax_hr, ax_heat = fig.subplots(3, 1, sharex=True)
    _draw_pace(ax_pace, recs, xs, smooth_s, undated)
    _draw_heart_rate(ax_hr, recs, xs, undated)
    _draw_heat(ax_heat, recs, xs, weather, air_source, undated)
    ax_heat.set_xlabel(xlabel)

    _shade_pauses(activity, recs, xs, (ax_pace, ax_hr, ax_heat))
    _mark_cramps(activity, cramps, x, (ax_pace, ax_hr, ax_heat))

    start = _local_start(activity, timezone)
    when = f"{start:%a %d %b %Y %H:%M}" if start is not None else "undated"
    elapsed = float(recs["elapsed_s"].max()) if len(recs) else 0.0
    fig.suptitle(plain_text(f"{activity.source} — {when} · {activity.distance_m / 1000:.2f} km · {format_duration(elapsed)}"))
    for ax in (ax_pace, ax_hr, ax_heat):
        ax.grid(True, alpha=0.3)
    return fig


def _draw_pace(ax_pace: Axes, recs: pd.DataFrame, xs: pd.Series, smooth_s: float, undated: str) -> None:
    """Smoothed pace (min/km, inverted: faster is up), or why there is none."""
    if "speed_mps" in recs and recs["speed_mps"].notna().any():
        pace = smoothed_pace_min_per_km(recs, smooth_s)
        ax_pace.plot(xs, pace, color="#2c3e50", lw=1.2, label="pace")
        _min_span(ax_pace, pace, MIN_PACE_SPAN_MIN, inverted=True)
    else:
        ax_pace.text(0.5, 0.5, undated or "no speed data", transform=ax_pace.transAxes, ha="center", va="center")
    ax_pace.set_ylabel("pace (min/km)")
    ax_pace.yaxis.set_major_formatter(FuncFormatter(lambda v, _: format_pace(v * 60)))
    if not ax_pace.yaxis_inverted():
        ax_pace.invert_yaxis()


def _draw_heart_rate(ax_hr: Axes, recs: pd.DataFrame, xs: pd.Series, undated: str) -> None:
    """Smoothed heart rate, or why there is none."""
    if "heart_rate_bpm" in recs and recs["heart_rate_bpm"].notna().any():
        hr = recs["heart_rate_bpm"]
        hr = hr[~hr.index.duplicated()].sort_index().rolling(pd.Timedelta(seconds=HR_SMOOTH_S), min_periods=1).mean()
        ax_hr.plot(xs, hr.reindex(recs.index).to_numpy(), color="#e67e22", lw=1.0, label="heart rate")
        _min_span(ax_hr, hr, MIN_HR_SPAN_BPM)
    else:
        ax_hr.text(0.5, 0.5, undated or "no heart-rate data", transform=ax_hr.transAxes, ha="center", va="center")
    ax_hr.set_ylabel("heart rate (bpm)")


def _draw_heat(ax_heat: Axes, recs: pd.DataFrame, xs: pd.Series, weather: pd.DataFrame | None, air_source: str,
               undated: str) -> None:
    """Air temperature and heat index (from ``weather``) and the wrist sensor, labelled as such, or why there is
    no temperature."""
    drew_heat = False
    if weather is not None and not weather.empty:
        both = weather.reindex(columns=["temperature_c", "relative_humidity_pct"]).astype(float)
        times = recs.index.unique()  # watches can repeat a timestamp (Forerunner 110, IpBike, Ambit3)
        grid = both.reindex(both.index.union(times)).interpolate(method="time", limit_area="inside").reindex(recs.index)
        if grid["temperature_c"].notna().any():
            ax_heat.plot(xs, grid["temperature_c"], color="#c0392b", lw=1.5,
                         label=plain_text(f"air temperature ({air_source})"))
            ax_heat.plot(xs, heat_index_c(grid["temperature_c"], grid["relative_humidity_pct"]), color="#8e44ad",
                         lw=1.5, ls="--", label="heat index (NWS)")
            drew_heat = True
    if "temperature_c" in recs and recs["temperature_c"].notna().any():
        wrist = recs["temperature_c"]
        wrist = wrist[~wrist.index.duplicated()].sort_index().rolling(pd.Timedelta(seconds=WRIST_SMOOTH_S),
                                                                      min_periods=1).mean()
        ax_heat.plot(xs, wrist.reindex(recs.index).to_numpy(), color="#95a5a6", lw=1.0, ls=":",
                     label="watch temperature (wrist, reads high: never air)")
        drew_heat = True
    if not drew_heat:
        ax_heat.text(0.5, 0.5, undated or "no temperature data (air temperature unknown)", transform=ax_heat.transAxes,
                     ha="center", va="center")
    else:  # below the axes, never over the data
        drawn = np.concatenate([np.asarray(line.get_ydata(), dtype=float) for line in ax_heat.get_lines()])
        _min_span(ax_heat, drawn, MIN_TEMPERATURE_SPAN_C)
        ax_heat.legend(loc="upper center", bbox_to_anchor=(0.5, -0.32), ncol=3, fontsize="small", frameon=False)
    ax_heat.set_ylabel("temperature (°C)")


def _shade_pauses(activity: Activity, recs: pd.DataFrame, xs: pd.Series, axes) -> None:
    if activity.pauses.empty or recs.empty:
        return
    stamps = recs.index.tz_convert("UTC").tz_localize(None).to_numpy(dtype="datetime64[ns]")
    order = np.argsort(stamps)
    times = stamps[order]
    xv = xs.to_numpy()[order]
    span = np.nanmax(xv) - np.nanmin(xv) if np.isfinite(xv).any() else 1.0
    for _, pause in activity.pauses.iterrows():
        start = pause["start"].tz_convert("UTC").tz_localize(None).to_datetime64()
        end = pause["end"].tz_convert("UTC").tz_localize(None).to_datetime64()
        i0 = max(np.searchsorted(times, start, side="right") - 1, 0)
        i1 = min(np.searchsorted(times, end, side="left"), len(times) - 1)
        x0, x1 = xv[i0], xv[i1]
        if not (np.isfinite(x0) and np.isfinite(x1)):
            continue
        width = max(x1 - x0, 0.004 * span)  # a pause covers no distance: keep it visible
        for ax in axes:
            ax.axvspan(x0, x0 + width, color=PAUSE_COLOR, alpha=0.6, gid="pause",
                       label=f"pause {pause['duration_s'] / 60:.0f} min")


def _mark_cramps(activity: Activity, cramps: pd.DataFrame | None, x: str, axes) -> None:
    if cramps is None or cramps.empty:
        return
    mine = cramps[(cramps["activity"] == activity.source) & (cramps["context"] == "during_run")]
    lo, hi = axes[0].get_xlim()
    for _, c in mine.iterrows():
        pos = c["distance_km"] if x == "distance" else c["elapsed_s"] / 60.0
        if pd.isna(pos):
            continue
        label = leg_text(c.get("leg"), c.get("muscle"))
        if sev := severity_text(c.get("severity")):
            label += f" · severity {sev}"
        for ax in axes:
            ax.axvline(pos, color=CRAMP_COLOR, lw=2, gid="cramp")
        # inside the frame: to the right of the line, or to its left in the last third
        right_side = (pos - lo) > 0.66 * (hi - lo)
        axes[0].annotate(plain_text(f"cramp {int(c['cramp_row'])}: {label}"), xy=(pos, 1.0),
                         xycoords=("data", "axes fraction"), xytext=(-3 if right_side else 3, -3),
                         textcoords="offset points", va="top", ha="right" if right_side else "left",
                         fontsize="small", color=CRAMP_COLOR, gid="cramp-label", annotation_clip=False,
                         bbox={"boxstyle": "round,pad=0.15", "fc": "white", "ec": "none", "alpha": 0.8})
