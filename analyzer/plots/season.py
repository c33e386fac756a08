"""Season views: weekly distance with cramps, cramp runs vs other runs, the cramp timeline."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.figure import Figure

from analyzer.analysis import Analysis
from analyzer.plots import plain_text

CRAMP_COLOR = "#c0392b"
RUN_COLOR = "#7f8c8d"
LEG_MARKERS = {"left": "<", "right": ">", "both": "D"}
CONTEXT_ROWS = {"during_run": 2, "after_run": 1, "at_rest": 0}


def plot_weekly_distance(analysis: Analysis) -> Figure:
    """Bars of distance per local week (Monday start), cramp weeks marked with their count."""
    fig = Figure(figsize=(10, 3.5), layout="constrained")
    ax = fig.subplots()
    runs = analysis.runs
    tz = analysis.athlete.timezone
    if runs.empty:
        ax.text(0.5, 0.5, "no runs", transform=ax.transAxes, ha="center")
        return fig
    local = pd.to_datetime(runs["start_utc"], utc=True).dt.tz_convert(tz).dt.tz_localize(None)
    week = local.dt.to_period("W-SUN").dt.start_time
    km = runs.groupby(week)["distance_km"].sum()
    crampy = runs.groupby(week)["cramps"].sum()
    ax.bar(km.index, km.to_numpy(), width=6, color=RUN_COLOR, align="edge", label="weekly distance", gid="week")
    for wk, n in crampy[crampy > 0].items():
        ax.plot(wk + pd.Timedelta(days=3), km[wk], marker="v", color=CRAMP_COLOR, ms=10, ls="none", gid="cramp-week")
        ax.annotate(f"{int(n)} cramp{'s' if n > 1 else ''}", (wk + pd.Timedelta(days=3), km[wk]), xytext=(0, 8),
                    textcoords="offset points", ha="center", color=CRAMP_COLOR, fontsize="small")
    ax.set_ylim(0, float(km.max()) * 1.2 if len(km) else 1)  # room for the cramp labels
    ax.set_ylabel("distance per week (km)")
    ax.set_xlabel("week starting (local)")
    ax.set_title(plain_text(f"{analysis.athlete.name}: weekly distance, weeks with cramps marked"))
    ax.grid(True, axis="y", alpha=0.3)
    return fig


def plot_cramp_runs_vs_others(analysis: Analysis) -> Figure:
    """Each run by heat index (x) and distance ÷ longest in the prior 30 days (y); cramp runs red."""
    fig = Figure(figsize=(6.5, 5), layout="constrained")
    ax = fig.subplots()
    runs = analysis.runs
    t = analysis.thresholds
    x = runs["heat_index_max_c"].astype(float) if len(runs) else pd.Series(dtype=float)
    y = runs["distance_ratio"].astype(float) if len(runs) else pd.Series(dtype=float)
    cramp = runs["had_cramp"].astype(bool) if len(runs) else pd.Series(dtype=bool)
    known = x.notna() & y.notna()
    ax.scatter(x[known & ~cramp], y[known & ~cramp], color=RUN_COLOR, label="runs without cramps", gid="other-runs")
    ax.scatter(x[known & cramp], y[known & cramp], color=CRAMP_COLOR, marker="X", s=80, label="runs with cramps",
               gid="cramp-runs")
    ax.axvline(t["heat_index_caution_c"], color="#8e44ad", ls="--", lw=1, label="heat index threshold")
    ax.axhline(t["long_run_spike_ratio"], color="#2c3e50", ls=":", lw=1, label="long-run spike threshold")
    ax.set_xlabel("heat index during the run (°C)")
    ax.set_ylabel("distance ÷ longest run in prior 30 days")
    missing = int((~known).sum())
    ax.set_title("Cramp runs vs other runs" + (f" ({missing} runs lack weather or 30 days of history)" if missing else ""),
                 fontsize="medium")
    ax.legend(fontsize="small")
    ax.grid(True, alpha=0.3)
    return fig


def plot_cramp_timeline(analysis: Analysis) -> Figure:
    """Every cramp in time (local), one row per context, marker shape by leg, size by severity."""
    fig = Figure(figsize=(10, 3), layout="constrained")
    ax = fig.subplots()
    c = analysis.cramps[analysis.cramps["time_utc"].notna()] if len(analysis.cramps) else analysis.cramps
    tz = analysis.athlete.timezone
    for leg, marker in LEG_MARKERS.items():
        mine = c[c["leg"] == leg] if len(c) else c
        if not len(mine):
            continue
        times = pd.to_datetime(mine["time_utc"], utc=True).dt.tz_convert(tz).dt.tz_localize(None)
        sizes = 30 + 20 * np.nan_to_num(mine["severity"].astype(float), nan=1.0)
        ax.scatter(times, mine["context"].map(CONTEXT_ROWS), marker=marker, s=sizes, color=CRAMP_COLOR,
                   label=f"{leg} leg", gid=f"cramps-{leg}")
    ax.set_yticks(list(CONTEXT_ROWS.values()), [k.replace("_", " ") for k in CONTEXT_ROWS])
    ax.set_ylim(-0.5, 2.5)
    ax.set_xlabel("date (local)")
    ax.set_title("Cramps by context and leg (marker size = severity)", fontsize="medium")
    if len(c):
        ax.legend(fontsize="small", loc="upper left")
    ax.grid(True, axis="x", alpha=0.3)
    return fig
