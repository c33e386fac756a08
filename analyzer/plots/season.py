"""Season views: weekly distance with cramps, cramp runs vs other runs, the cramp timeline.

Static matplotlib figures for notebooks and print (the HTML report draws the same views as
interactive charts, :mod:`analyzer.report.charts`). Every cramp is shown: at rest as well as
during runs, runs lacking a value in a margin band rather than dropped, and the season on the
time axis even without cramps. Legends sit outside the data.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.dates import AutoDateLocator, ConciseDateFormatter
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from analyzer.analysis import Analysis
from analyzer.plots import new_axes, plain_text
from analyzer.plots.axes import (
    HEAT_AXIS_TITLE,
    NO_HEAT_LABEL,
    NO_HISTORY_LABEL,
    heat_distance_axes,
    heat_threshold_label,
    spike_threshold_label,
)

CRAMP_COLOR = "#c0392b"
REST_COLOR = "#2c3e50"
RUN_COLOR = "#7f8c8d"
LEG_MARKERS = {"left": "<", "right": ">", "both": "D"}
LEG_NAMES = {"left": "left leg", "right": "right leg", "both": "both legs"}
CONTEXT_ROWS = {"during_run": 3, "after_run": 2, "at_rest": 1, "time_unknown": 0}
CONTEXT_NAMES = {"during_run": "during a run", "after_run": "after a run", "at_rest": "at rest",
                 "time_unknown": "time not logged"}


def _analysis(value: object, name: str) -> Analysis:
    """The Analysis to draw: given, or made from an Athlete or an athlete folder's path."""
    if isinstance(value, Analysis):
        return value
    from os import PathLike

    from analyzer.analysis import analyze
    from analyzer.model import Athlete

    if isinstance(value, Athlete | str | PathLike):
        return analyze(value)
    raise TypeError(f"{name} draws an Analysis (analyzer.analyze(athlete)), not {type(value).__name__}")


def _begin(value: object, name: str, figsize: tuple[float, float], ax: Axes | None) -> tuple[Analysis, Figure, Axes]:
    """The Analysis to draw (:func:`_analysis`) and the axes to draw it into (:func:`analyzer.plots.new_axes`)."""
    analysis = _analysis(value, name)
    fig, ax = new_axes(figsize, ax)
    return analysis, fig, ax


SEVERITY_KEY = (1, 3, 5)
"""Severities shown in the timeline's size key."""


def severity_marker_size(severity: np.ndarray) -> np.ndarray:
    """Marker area (pt²) for a severity 1–5 (not logged: as 1)."""
    return 40 + 25 * np.nan_to_num(np.asarray(severity, dtype=float), nan=1.0)


def _local_cramp_times(analysis: Analysis) -> pd.Series:
    """Each cramp's local time (naive); a date-only cramp at noon of its day."""
    c = analysis.cramps
    tz = analysis.athlete.timezone
    if not len(c):
        return pd.Series([], dtype="datetime64[ns]")
    times = pd.to_datetime(c["time_utc"], utc=True).dt.tz_convert(tz).dt.tz_localize(None)
    if "date_local" in c:
        dates = pd.to_datetime(c["date_local"], errors="coerce") + pd.Timedelta(hours=12)
        times = times.fillna(dates)
    return times


def _date_axis(ax) -> None:
    locator = AutoDateLocator(minticks=3, maxticks=7)
    ax.xaxis.set_major_locator(locator)
    # ticks as people write dates ("15 Jun", "Jul"), the year once in the corner ("2024"), never "2024-Jul"
    ax.xaxis.set_major_formatter(ConciseDateFormatter(
        locator, formats=["%Y", "%b", "%d %b", "%H:%M", "%H:%M", "%S"],
        zero_formats=["", "%Y", "%b", "%d %b", "%H:%M", "%H:%M"],
        offset_formats=["", "%Y", "%Y", "%b %Y", "%d %b %Y", "%d %b %Y %H:%M"]))


def _outside_note(ax, text: str) -> None:
    ax.text(1.0, 1.02, text, transform=ax.transAxes, ha="right", va="bottom", fontsize="small", color="#7f8c8d",
            gid="cramps-outside")


def plot_weekly_distance(analysis: Analysis, *, ax: Axes | None = None) -> Figure:
    """Bars of distance per local week (Monday start), with every cramp of the week marked.

    Cramps during or after a run sit on the week's bar (▼), cramps at rest or without a logged
    time at its foot (●), each with its count.

    Parameters
    ----------
    analysis : Analysis
        From :func:`analyzer.analyze`; an :class:`~analyzer.Athlete` (or an athlete folder's path) is
        analysed first, with its own thresholds.
    ax : matplotlib Axes, optional
        Draw into it (e.g. one of ``plt.subplots(1, 2)``, two athletes side by side); else a new
        figure, made with pyplot as pandas and seaborn do.

    Returns
    -------
    matplotlib.figure.Figure
        The figure drawn on.
    """
    analysis, fig, ax = _begin(analysis, "plot_weekly_distance", (10, 3.6), ax)
    runs = analysis.runs
    tz = analysis.athlete.timezone
    if runs.empty:
        ax.text(0.5, 0.5, "no runs", transform=ax.transAxes, ha="center")
        return fig
    local = pd.to_datetime(runs["start_utc"], utc=True).dt.tz_convert(tz).dt.tz_localize(None)
    week = local.dt.to_period("W-SUN").dt.start_time
    km = runs.groupby(week)["distance_km"].sum()
    ax.bar(km.index, km.to_numpy(), width=6, color=RUN_COLOR, align="edge", label="distance per week", gid="week")
    y_top = float(km.max()) * 1.25 if len(km) else 1.0
    c = analysis.cramps
    outside = 0  # the axis spans the weeks of runs: a cramp logged long after them never stretches it
    if len(c):
        cweek = _local_cramp_times(analysis).dt.to_period("W-SUN").dt.start_time
        within = (cweek >= km.index.min()) & (cweek <= km.index.max())
        outside = int((cweek.notna() & ~within).sum())
        running = c["context"].isin(["during_run", "after_run"]).to_numpy()
        for kind, mask, marker, color, gid in (("during or after a run", running, "v", CRAMP_COLOR, "cramp-week"),
                                                ("at rest or time not logged", ~running, "o", REST_COLOR, "rest-week")):
            counts = cweek[mask & within.to_numpy()].value_counts()
            if counts.empty:
                continue
            xs = [w + pd.Timedelta(days=3) for w in counts.index]
            ys = [float(km.get(w, 0.0)) if gid == "cramp-week" else 0.0 for w in counts.index]
            ax.plot(xs, ys, marker=marker, color=color, ms=10, ls="none", gid=gid, label=f"cramps {kind}",
                    clip_on=False)
            for x, y, n in zip(xs, ys, counts.to_numpy(), strict=True):
                ax.annotate(str(int(n)), (x, y), xytext=(0, 9 if gid == "cramp-week" else 10),
                            textcoords="offset points", ha="center", color=color, fontsize="small")
    ax.set_xlim(km.index.min() - pd.Timedelta(days=1), km.index.max() + pd.Timedelta(days=7))
    if outside:
        _outside_note(ax, f"{outside} cramp{'s' if outside > 1 else ''} outside these weeks (in the cramp table)")
    ax.set_ylim(0, y_top)
    ax.set_ylabel("distance per week (km)")
    ax.set_xlabel("week starting (local)")
    _date_axis(ax)
    ax.set_title(plain_text(f"{analysis.athlete.name}: weekly distance, with every cramp of the week"), fontsize="medium")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.22), ncol=3, fontsize="small", frameon=False)
    ax.grid(True, axis="y", alpha=0.3)
    return fig


def plot_cramp_runs_vs_others(analysis: Analysis, *, ax: Axes | None = None) -> Figure:
    """Each run by heat index (x) and distance ÷ longest in the prior 30 days (y); cramp runs red.

    Runs without a heat index are drawn in a band left of the axis and runs without 30 days of
    history in a band below it, so every run is on the figure, as the season table counts them.

    Parameters
    ----------
    analysis : Analysis
        Whose runs are drawn (an Athlete or a folder's path is analysed first, as for :func:`plot_weekly_distance`).
    ax : matplotlib Axes, optional
        Where to draw, as for :func:`plot_weekly_distance` (else a new pyplot figure).

    Returns
    -------
    matplotlib.figure.Figure
        The scatter's figure.
    """
    analysis, fig, ax = _begin(analysis, "plot_cramp_runs_vs_others", (7.5, 5.4), ax)
    runs = analysis.runs
    th = analysis.thresholds
    if runs.empty:
        ax.text(0.5, 0.5, "no runs", transform=ax.transAxes, ha="center")
        return fig
    x = runs["heat_index_max_c"].astype(float)
    y = runs["distance_ratio"].astype(float)
    cramp = runs["had_cramp"].astype(bool)
    axes = heat_distance_axes(x, y, th["heat_index_caution_c"], th["long_run_spike_ratio"], reach_heat_threshold=True)
    x_lo, x_hi, y_lo, y_hi, x_gap, y_gap = axes.x_lo, axes.x_hi, axes.y_lo, axes.y_hi, axes.x_gap, axes.y_gap
    # a grey band (left: no heat index; bottom: no 30-day history) only when some run sits in it
    if axes.no_heat:
        ax.axvspan(axes.x_min, x_lo - 0.5, color="#f2f3f4", zorder=0)
        ax.text(x_gap - 0.5, y_hi, NO_HEAT_LABEL, rotation=90, va="top", ha="center", fontsize="x-small",
                color="#7f8c8d")
    if axes.no_history:
        ax.axhspan(axes.y_min, y_lo - 0.02, color="#f2f3f4", zorder=0)
        ax.text(x_hi, y_gap - 0.035, NO_HISTORY_LABEL, va="bottom", ha="right", fontsize="x-small",
                color="#7f8c8d")
    xs = x.fillna(x_gap)
    ys = y.fillna(y_gap)
    # see-through with a white rim: runs on top of each other show as darker, not as one dot
    ax.scatter(xs[~cramp], ys[~cramp], color=RUN_COLOR, alpha=0.55, edgecolors="white", linewidths=0.8,
               label=f"runs without cramps ({int((~cramp).sum())})", gid="other-runs", zorder=3)
    ax.scatter(xs[cramp], ys[cramp], color=CRAMP_COLOR, marker="X", s=90, alpha=0.8, edgecolors="white",
               linewidths=0.8, label=f"runs with cramps ({int(cramp.sum())})", gid="cramp-runs", zorder=4)
    ax.axvline(th["heat_index_caution_c"], color="#8e44ad", ls="--", lw=1,
               label=heat_threshold_label(th["heat_index_caution_c"]))
    ax.axhline(th["long_run_spike_ratio"], color="#2c3e50", ls=":", lw=1,
               label=spike_threshold_label(th["long_run_spike_ratio"]))
    ax.set_xlim(axes.x_min, x_hi)
    ax.set_ylim(axes.y_min, y_hi)
    ax.set_xlabel(HEAT_AXIS_TITLE)
    ax.set_ylabel("distance ÷ longest run in prior 30 days")
    ax.set_title("Each run: distance vs heat", fontsize="medium")
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.13), ncol=2, fontsize="small", frameon=False)
    ax.grid(True, alpha=0.3)
    return fig


def plot_cramp_timeline(analysis: Analysis, *, ax: Axes | None = None) -> Figure:
    """Every cramp in local time over the whole season, one row per context, marker by leg, size by severity.

    Parameters
    ----------
    analysis, ax
        As for :func:`plot_weekly_distance`: whose cramps are drawn, and where (else a new pyplot figure).

    Returns
    -------
    matplotlib.figure.Figure
    """
    analysis, fig, ax = _begin(analysis, "plot_cramp_timeline", (10, 3.4), ax)
    c = analysis.cramps
    tz = analysis.athlete.timezone
    runs = analysis.runs
    times = _local_cramp_times(analysis)
    if len(runs):
        local_runs = pd.to_datetime(runs["start_utc"], utc=True).dt.tz_convert(tz).dt.tz_localize(None)
        start, end = local_runs.min(), local_runs.max()
    elif len(times) and times.notna().any():  # anchored on runs; on cramps only when there is no run
        start, end = times.min(), times.max()
    else:
        start = end = None
    pad = max((end - start) * 0.04, pd.Timedelta(days=1)) if start is not None else None
    within = ((times >= start - pad) & (times <= end + pad)).to_numpy() if start is not None \
        else np.zeros(len(times), dtype=bool)
    outside = int((times.notna().to_numpy() & ~within).sum()) if len(times) else 0
    for leg, marker in LEG_MARKERS.items():
        mine = (c["leg"] == leg).to_numpy() & within if len(c) else np.zeros(0, dtype=bool)
        if not mine.any():
            continue
        sizes = severity_marker_size(c["severity"].astype(float).to_numpy()[mine])
        ax.scatter(times[mine], c["context"][mine].map(CONTEXT_ROWS), marker=marker, s=sizes, color=CRAMP_COLOR,
                   label=LEG_NAMES[leg], gid=f"cramps-{leg}", zorder=3, clip_on=False)
    ax.set_yticks(list(CONTEXT_ROWS.values()), list(CONTEXT_NAMES.values()))
    ax.set_ylim(-0.6, 3.6)
    if outside:
        _outside_note(ax, f"{outside} cramp{'s' if outside > 1 else ''} outside this span (in the cramp table)")
    if start is not None:
        ax.set_xlim(start - pad, end + pad)
        _date_axis(ax)
    else:
        ax.set_xticks([])
    if not len(c):
        span = f" between {start:%d %b} and {end:%d %b %Y}" if start is not None else ""
        ax.text(0.5, 0.5, f"No cramps logged{span}.", transform=ax.transAxes, ha="center", va="center",
                color="#7f8c8d", gid="no-cramps")
    ax.set_xlabel("date (local)")
    ax.set_title("Cramps over the season (marker size = severity)", fontsize="medium")
    if len(c):
        handles, labels = ax.get_legend_handles_labels()
        for severity in SEVERITY_KEY:  # the size key: grey, so it is not read as a cramp
            area = float(severity_marker_size(np.array([severity]))[0])
            handles.append(Line2D([], [], ls="none", marker="o", markersize=np.sqrt(area), color="#95a5a6"))
            labels.append(f"severity {severity}" + (" (or not logged)" if severity == 1 else ""))
        ax.legend(handles, labels, loc="upper center", bbox_to_anchor=(0.5, -0.3), ncol=3, fontsize="small",
                  frameon=False)
    ax.grid(True, axis="x", alpha=0.3)
    return fig
