"""Synthetic runs and athlete folders: for tests, the sample team and benchmarks.

Everything here is seeded and deterministic; the FIT files are written with
:mod:`analyzer.io.fit_encode` and read back by the normal reader.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from analyzer.io.fit_encode import encode_run


def synthetic_run(
    start: dt.datetime,
    distance_km: float,
    pace_s_per_km: float,
    *,
    hr_start_bpm: float = 140.0,
    hr_drift_bpm: float = 0.0,
    wrist_temperature_c: float | None = 30.0,
    pauses: Iterable[tuple[float, float]] = (),
    utc_offset_s: int | None = None,
    cadence_spm: float = 170.0,
    seed: int = 0,
    sport: str = "running",
    start_position_deg: tuple[float, float] | None = None,
    sensors: Iterable[dict[str, object]] = (),
) -> bytes:
    """A 1 Hz run at a steady pace, as FIT bytes.

    Parameters
    ----------
    start : datetime (tz-aware)
        Timer start.
    distance_km, pace_s_per_km : float
        The run covers ``distance_km`` at ``pace_s_per_km`` (moving time), with small
        seeded noise on speed (±2 %) and heart rate (±2 bpm).
    hr_start_bpm, hr_drift_bpm : float
        Heart rate rises linearly from ``hr_start_bpm`` by ``hr_drift_bpm`` over the run.
    wrist_temperature_c : float or None
        The watch's own sensor reading (constant ± 0.5 °C), or no temperature field.
    pauses : iterable of (stop_s, resume_s)
        Timer pauses in elapsed seconds; no records are written inside them.
    utc_offset_s : int or None
        The local offset the watch records (``activity.local_timestamp``), or ``None`` (the
        default) for a file that does not record its local time.
    start_position_deg : (lat, lon), optional
        GPS track starting there and heading north-east; no position when ``None``.
    sensors : iterable of dict
        Extra devices the file lists (see :func:`analyzer.io.fit_encode.encode_run`).
    """
    rng = np.random.default_rng(seed)
    speed = 1000.0 / pace_s_per_km
    moving_s = int(round(distance_km * pace_s_per_km))
    pauses = sorted(pauses)
    total_pause = int(sum(b - a for a, b in pauses))
    elapsed = np.arange(0, moving_s + total_pause + 1, dtype=float)
    paused = np.zeros(len(elapsed), dtype=bool)
    for a, b in pauses:
        paused |= (elapsed > a) & (elapsed < b)
    elapsed = elapsed[~paused]
    moving = elapsed.copy()
    for a, b in pauses:
        moving = np.where(elapsed >= b, moving - (b - a), moving)
    speeds = speed * (1 + rng.normal(0, 0.02, len(elapsed)))
    distance = np.concatenate([[0.0], np.cumsum(np.diff(moving) * speeds[1:])])
    distance *= distance_km * 1000.0 / max(distance[-1], 1e-9)
    hr = hr_start_bpm + hr_drift_bpm * moving / max(moving[-1], 1) + rng.normal(0, 2, len(elapsed))
    temps = None if wrist_temperature_c is None else wrist_temperature_c + rng.normal(0, 0.5, len(elapsed))
    lat = lon = None
    if start_position_deg is not None:
        metres_per_deg = 111_195.0  # along a meridian (mean Earth radius)
        lat = start_position_deg[0] + distance * np.cos(np.pi / 4) / metres_per_deg
        lon = start_position_deg[1] + distance * np.sin(np.pi / 4) / (
            metres_per_deg * np.cos(np.radians(start_position_deg[0])))
    return encode_run(
        start, elapsed, distance_m=distance, speed_mps=speeds, heart_rate_bpm=np.round(hr),
        cadence_spm=np.full(len(elapsed), cadence_spm), temperature_c=None if temps is None else np.round(temps),
        pauses=pauses, utc_offset_s=utc_offset_s, sport=sport, latitude_deg=lat, longitude_deg=lon, sensors=sensors,
    )


def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    text = str(value).replace("\\", "\\\\").replace('"', '\\"')
    return f'"{text}"'


def to_toml(profile: Mapping[str, Any]) -> str:
    """A flat profile with an optional ``thresholds`` table as TOML text."""
    lines = [f"{k} = {_toml_value(v)}" for k, v in profile.items() if not isinstance(v, Mapping)]
    for key, table in profile.items():
        if isinstance(table, Mapping):
            lines.append(f"\n[{key}]")
            lines.extend(f"{k} = {_toml_value(v)}" for k, v in table.items())
    return "\n".join(lines) + "\n"


def to_csv(rows: Iterable[Mapping[str, Any]], columns: list[str]) -> str:
    """Rows as CSV text with a header (missing values empty)."""
    buf = io.StringIO()
    writer = csv.DictWriter(buf, fieldnames=columns, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: ("" if v is None else v) for k, v in row.items()})
    return buf.getvalue()


def write_athlete(
    folder: Path,
    profile: Mapping[str, Any],
    runs: Mapping[str, bytes] = {},  # noqa: B006 - read only
    cramps: Iterable[Mapping[str, Any]] | str | None = None,
    weather: Iterable[Mapping[str, Any]] | None = None,
    weigh_ins: Iterable[Mapping[str, Any]] | None = None,
) -> Path:
    """Write an athlete folder as docs/folders.md describes it; return its path.

    ``runs`` maps file names to FIT bytes; ``cramps`` is a list of rows (or raw CSV text,
    to test broken logs).
    """
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "athlete.toml").write_text(to_toml(profile), encoding="utf-8")
    acts = folder / "activities"
    acts.mkdir(exist_ok=True)
    for name, data in runs.items():
        (acts / name).write_bytes(data)
    if isinstance(cramps, str):
        (folder / "cramps.csv").write_text(cramps, encoding="utf-8")
    elif cramps is not None:
        rows = list(cramps)
        cols = ["time", "activity", "distance_km", "leg", "muscle", "severity", "duration_s", "notes"]
        cols += sorted({k for r in rows for k in r} - set(cols))
        (folder / "cramps.csv").write_text(to_csv(rows, cols), encoding="utf-8")
    if weather is not None:
        rows = list(weather)
        (folder / "weather.csv").write_text(
            to_csv(rows, ["time", "temperature_c", "relative_humidity_pct", "wind_mps", "wbgt_c"]), encoding="utf-8"
        )
    if weigh_ins is not None:
        rows = list(weigh_ins)
        (folder / "weigh_ins.csv").write_text(
            to_csv(rows, ["activity", "time", "mass_before_kg", "mass_after_kg", "fluid_ml", "urine_ml"]), encoding="utf-8"
        )
    return folder


def synthetic_multisport(
    start: dt.datetime, legs: Iterable[tuple[str, float, float]], *, transition_s: float = 120.0, seed: int = 0,
) -> bytes:
    """A multisport file (triathlon-like) as FIT bytes: one session per leg, transitions between them.

    Parameters
    ----------
    start : datetime (tz-aware)
    legs : iterable of (sport, distance_km, pace_s_per_km)
        E.g. ``[("swimming", 1.5, 120), ("cycling", 40, 90), ("running", 10, 300)]``. Records
        are written every second; ``distance`` counts on across legs as Garmin's triathlon
        files do, so a reader must not take the file's last distance for the run.
    transition_s : float
        Length of the transition session between two legs (0 for none).
    """
    from analyzer.io.fit_encode import FitWriter, to_fit_seconds

    rng = np.random.default_rng(seed)
    w = FitWriter()
    w.write("file_id", type="activity", manufacturer="development", product=1, serial_number=1, time_created=start)
    w.write("device_info", timestamp=start, device_index="creator", manufacturer="development", product=1,
            software_version=1.0)
    w.write("event", timestamp=start, event="timer", event_type="start", event_group=0)
    t, dist = 0.0, 0.0
    plan: list[tuple[str, float, float]] = []
    for i, (sport, km, pace) in enumerate(legs):
        if i and transition_s:
            plan.append(("transition", transition_s * 1.0 / 1000, transition_s))  # 1 m/s for transition_s s
        plan.append((sport, km, pace))
    for sport, km, pace in plan:
        seconds = int(round(km * pace))
        el = np.arange(0, seconds + 1, dtype=float)
        speed = 1000.0 / pace * (1 + rng.normal(0, 0.01, len(el)))
        d = np.concatenate([[0.0], np.cumsum(speed[1:])])
        d *= km * 1000.0 / max(d[-1], 1e-9)
        leg_start = start + dt.timedelta(seconds=t)
        cols = {"timestamp": to_fit_seconds(leg_start) + el, "distance": dist + d, "enhanced_speed": speed,
                "heart_rate": np.round(135 + rng.normal(0, 2, len(el)))}
        w.write_many("record", **cols)
        leg_end = leg_start + dt.timedelta(seconds=float(el[-1]))
        w.write("lap", timestamp=leg_end, start_time=leg_start, total_elapsed_time=float(el[-1]),
                total_timer_time=float(el[-1]), total_distance=float(d[-1]), sport=sport, event="lap",
                event_type="stop")
        w.write("session", timestamp=leg_end, start_time=leg_start, total_elapsed_time=float(el[-1]),
                total_timer_time=float(el[-1]), total_distance=float(d[-1]), sport=sport, event="session",
                event_type="stop", num_laps=1)
        t += float(el[-1]) + 1.0
        dist += float(d[-1])
    end = start + dt.timedelta(seconds=t - 1.0)
    w.write("event", timestamp=end, event="timer", event_type="stop_all", event_group=0)
    w.write("activity", timestamp=end, total_timer_time=t - 1.0, num_sessions=len(plan), type="manual",
            event="activity", event_type="stop", local_timestamp=to_fit_seconds(end))
    return w.to_bytes()


def _iso(t) -> str:
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def activity_to_gpx(activity, sport_type: str = "running") -> bytes:
    """An activity as GPX 1.1 with Garmin's TrackPointExtension (hr, cad as one foot, atemp), as
    Garmin Connect exports it: for tests that read the same run in every format."""
    from xml.sax.saxutils import escape

    recs = activity.records[activity.records.index.notna()]
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<gpx creator="cramp-analyzer tests" version="1.1" xmlns="http://www.topografix.com/GPX/1/1" '
             'xmlns:ns3="http://www.garmin.com/xmlschemas/TrackPointExtension/v1">',
             f"<trk><name>{escape(activity.title or activity.source)}</name><type>{escape(sport_type)}</type><trkseg>"]
    for t, r in recs.iterrows():
        lat, lon = r.get("latitude_deg", float("nan")), r.get("longitude_deg", float("nan"))
        if not (np.isfinite(lat) and np.isfinite(lon)):
            continue  # GPX points need a position (as Garmin Connect exports, points without one are left out)
        attrs = f' lat="{lat:.9f}" lon="{lon:.9f}"'
        ext = []
        if np.isfinite(r.get("heart_rate_bpm", np.nan)):
            ext.append(f"<ns3:hr>{int(r['heart_rate_bpm'])}</ns3:hr>")
        if np.isfinite(r.get("cadence_spm", np.nan)):
            ext.append(f"<ns3:cad>{r['cadence_spm'] / 2:g}</ns3:cad>")
        if np.isfinite(r.get("temperature_c", np.nan)):
            ext.append(f"<ns3:atemp>{r['temperature_c']:g}</ns3:atemp>")
        ele = f"<ele>{r['altitude_m']:.2f}</ele>" if np.isfinite(r.get("altitude_m", np.nan)) else ""
        extensions = f"<extensions><ns3:TrackPointExtension>{''.join(ext)}</ns3:TrackPointExtension></extensions>" \
            if ext else ""
        lines.append(f"<trkpt{attrs}>{ele}<time>{_iso(t)}</time>{extensions}</trkpt>")
    lines.append("</trkseg></trk></gpx>")
    return "\n".join(lines).encode()


def activity_to_tcx(activity) -> bytes:
    """An activity as a Garmin TCX file (one lap per FIT lap, distance and RunCadence per point)."""
    recs = activity.records[activity.records.index.notna()]
    laps = activity.laps if len(activity.laps) and "start_time" in activity.laps else None
    bounds = list(laps["start_time"]) if laps is not None else [recs.index[0]]
    bounds = sorted(b for b in bounds if pd.notna(b)) or [recs.index[0]]
    bounds[0] = min(bounds[0], recs.index[0])  # records before the first lap's start belong to it
    lines = ['<?xml version="1.0" encoding="UTF-8"?>',
             '<TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2" '
             'xmlns:ns3="http://www.garmin.com/xmlschemas/ActivityExtension/v2">',
             f'<Activities><Activity Sport="Running"><Id>{_iso(recs.index[0])}</Id>']
    edges = [*bounds[1:], recs.index[-1] + pd.Timedelta(seconds=1)]
    done_m = 0.0
    for start, end in zip(bounds, edges, strict=True):
        part = recs[(recs.index >= start) & (recs.index < end)]
        if part.empty:
            continue
        dist = part["distance_m"] if "distance_m" in part else None
        lap_dist = float(dist.max()) - done_m if dist is not None and dist.notna().any() else 0.0
        done_m += lap_dist
        lines.append(f'<Lap StartTime="{_iso(start)}"><TotalTimeSeconds>{(part.index[-1] - part.index[0]).total_seconds():.1f}'
                     f"</TotalTimeSeconds><DistanceMeters>{lap_dist:.2f}</DistanceMeters><Calories>0</Calories>"
                     "<Intensity>Active</Intensity><TriggerMethod>Distance</TriggerMethod><Track>")
        for t, r in part.iterrows():
            pos = ""
            if np.isfinite(r.get("latitude_deg", np.nan)):
                pos = (f"<Position><LatitudeDegrees>{r['latitude_deg']:.9f}</LatitudeDegrees>"
                       f"<LongitudeDegrees>{r['longitude_deg']:.9f}</LongitudeDegrees></Position>")
            alt = f"<AltitudeMeters>{r['altitude_m']:.2f}</AltitudeMeters>" if np.isfinite(r.get("altitude_m", np.nan)) else ""
            d = f"<DistanceMeters>{r['distance_m']:.2f}</DistanceMeters>" if np.isfinite(r.get("distance_m", np.nan)) else ""
            hr = f"<HeartRateBpm><Value>{int(r['heart_rate_bpm'])}</Value></HeartRateBpm>" \
                if np.isfinite(r.get("heart_rate_bpm", np.nan)) else ""
            ext = []
            if np.isfinite(r.get("speed_mps", np.nan)):
                ext.append(f"<ns3:Speed>{r['speed_mps']:.3f}</ns3:Speed>")
            if np.isfinite(r.get("cadence_spm", np.nan)):
                ext.append(f"<ns3:RunCadence>{r['cadence_spm'] / 2:g}</ns3:RunCadence>")
            extensions = f"<Extensions><ns3:TPX>{''.join(ext)}</ns3:TPX></Extensions>" if ext else ""
            lines.append(f"<Trackpoint><Time>{_iso(t)}</Time>{pos}{alt}{d}{hr}{extensions}</Trackpoint>")
        lines.append("</Track></Lap>")
    lines.append("</Activity></Activities></TrainingCenterDatabase>")
    return "\n".join(lines).encode()
