"""Synthetic runs and athlete folders: for tests, the sample team and benchmarks.

Everything here is seeded and deterministic; the FIT files are written with
:mod:`analyzer.testing.fit_encode` and read back by the normal reader.
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

from analyzer.testing.fit_encode import encode_run


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
    varied: bool = False,
    cramp_stop: tuple[float, float] | None = None,
) -> bytes:
    """A 1 Hz run at a steady pace (or varied like a real one), as FIT bytes.

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
        Extra devices the file lists (see :func:`analyzer.testing.fit_encode.encode_run`).
    varied : bool
        Pace and heart rate vary as in a real run (:func:`_varied_speed_factor`): a 10-minute
        warm-up, rolling hills (altitude written, slower uphill), and on runs of 8 km or more a
        tempo block; heart rate follows the effort with a lag. The distance and moving time stay
        those asked for.
    cramp_stop : (km, stopped_s), optional
        A severe cramp at ``km``: pace collapses, the runner stands ``stopped_s`` seconds with the
        timer running (speed 0, heart rate falling), then jogs on slowly.
    """
    if varied or cramp_stop is not None:
        return _varied_run(start, distance_km, pace_s_per_km, hr_start_bpm=hr_start_bpm, hr_drift_bpm=hr_drift_bpm,
                           wrist_temperature_c=wrist_temperature_c, pauses=pauses, utc_offset_s=utc_offset_s,
                           cadence_spm=cadence_spm, seed=seed, sport=sport, sensors=sensors, cramp_stop=cramp_stop)
    rng = np.random.default_rng(seed)
    speed = 1000.0 / pace_s_per_km
    pauses = sorted(pauses)
    elapsed, moving = _clock(int(round(distance_km * pace_s_per_km)), pauses)
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


HILL_WAVELENGTH_M = (1700.0, 650.0)
"""Rolling hills of the varied runs: two altitude waves along the route (metres)."""

HILL_AMPLITUDE_M = (9.0, 3.0)


def _altitude_m(distance_m: np.ndarray, phase: float) -> np.ndarray:
    return 600.0 + sum(a * np.sin(2 * np.pi * distance_m / w + phase * (k + 1))
                       for k, (a, w) in enumerate(zip(HILL_AMPLITUDE_M, HILL_WAVELENGTH_M, strict=True)))


def _lagged(values: np.ndarray, tau_s: float) -> np.ndarray:
    """First-order lag at 1 Hz (heart rate follows effort over about ``tau_s`` seconds)."""
    out = np.empty_like(values)
    k = 1.0 / tau_s
    acc = values[0]
    for i, v in enumerate(values):
        acc += (v - acc) * k
        out[i] = acc
    return out


def _with_cramp_stop(elapsed, moving, factor, distance, cramp_stop, pauses, distance_km):
    """Insert a severe cramp: the pace collapses over 15 s before ``km`` (+3 m), the runner stands
    ``stopped_s`` seconds with the timer running, then jogs on slower, recovering over ~4 minutes.
    Distances before the cramp are kept; the rest of the run still ends at ``distance_km``."""
    at_km, stopped_s = cramp_stop
    n = int(round(stopped_s))
    i = int(np.searchsorted(distance, at_km * 1000.0 + 3.0))
    i = min(max(i, 16), len(moving) - 2)
    factor = factor.copy()
    factor[i - 15:i] *= 0.4  # the leg seizes
    pre = np.cumsum(np.diff(moving[:i], prepend=moving[0]) * factor[:i])
    pre *= distance[i - 1] / max(pre[-1], 1e-9)
    after = moving[i:] - moving[i]
    post_factor = factor[i:] * (1 - 0.25 * np.exp(-after / 240.0))
    post = np.cumsum(np.diff(moving[i:], prepend=moving[i] - 1) * post_factor)
    post = distance[i - 1] + post * (distance_km * 1000.0 - distance[i - 1]) / max(post[-1], 1e-9)
    t0 = elapsed[i - 1]
    stop_elapsed = t0 + np.arange(1, n + 1, dtype=float)
    stop_moving = moving[i - 1] + np.arange(1, n + 1, dtype=float)
    new_elapsed = np.concatenate([elapsed[:i], stop_elapsed, elapsed[i:] + n])
    new_moving = np.concatenate([moving[:i], stop_moving, moving[i:] + n])
    new_distance = np.concatenate([pre, np.full(n, pre[-1]), post])
    new_factor = np.concatenate([factor[:i], np.zeros(n), post_factor])
    standing = np.concatenate([np.zeros(i, dtype=bool), np.ones(n, dtype=bool), np.zeros(len(moving) - i, dtype=bool)])
    pauses = [(a + n, b + n) if a >= t0 else (a, b) for a, b in pauses]
    return new_elapsed, new_moving, new_factor, new_distance, standing, pauses


def _clock(moving_s: int, pauses: list) -> tuple[np.ndarray, np.ndarray]:
    """Elapsed and moving seconds of a 1 s recording lasting ``moving_s`` of motion, with the
    ``pauses`` ((start, end) elapsed seconds, sorted) left out of the records and of moving time."""
    total_pause = int(sum(b - a for a, b in pauses))
    elapsed = np.arange(0, moving_s + total_pause + 1, dtype=float)
    paused = np.zeros(len(elapsed), dtype=bool)
    for a, b in pauses:
        paused |= (elapsed > a) & (elapsed < b)
    elapsed = elapsed[~paused]
    moving = elapsed.copy()
    for a, b in pauses:
        moving = np.where(elapsed >= b, moving - (b - a), moving)
    return elapsed, moving


def _varied_run(start: dt.datetime, distance_km: float, pace_s_per_km: float, *, hr_start_bpm: float,
                hr_drift_bpm: float, wrist_temperature_c: float | None, pauses, utc_offset_s: int | None,
                cadence_spm: float, seed: int, sport: str, sensors, cramp_stop: tuple[float, float] | None) -> bytes:
    rng = np.random.default_rng(seed)
    pauses = sorted(pauses)
    elapsed, moving = _clock(int(round(distance_km * pace_s_per_km)), pauses)
    phase = float(rng.uniform(0, 2 * np.pi))
    # effort: warm-up from 88 % of the run's speed over 10 minutes; a tempo block on longer runs
    effort = 1.0 - 0.12 * np.clip(1 - moving / 600.0, 0, 1)
    if distance_km >= 8:
        a, b = 0.35 * moving[-1], 0.55 * moving[-1]
        effort = effort + 0.07 * np.clip(np.minimum(moving - a, b - moving) / 60.0, 0, 1)
    noise = np.convolve(rng.normal(0, 0.02, len(moving)), np.ones(15) / 15, mode="same")
    step = np.diff(moving, prepend=moving[0])
    grade = np.zeros(len(moving))
    for _ in range(4):  # the hills are placed by distance: settle speed and grade together
        factor = effort * (1 - 2.5 * np.clip(grade, -0.06, 0.06)) * (1 + noise)  # 2.5 % slower per 1 % uphill
        raw = np.cumsum(step * factor)
        scale = distance_km * 1000.0 / max(raw[-1], 1e-9)
        speed, distance = factor * scale, raw * scale
        grade = np.gradient(_altitude_m(distance, phase)) / np.maximum(np.gradient(distance), 0.1)
    standing = np.zeros(len(moving), dtype=bool)
    if cramp_stop is not None:
        elapsed, moving, factor, distance, standing, pauses = _with_cramp_stop(
            elapsed, moving, factor, distance, cramp_stop, pauses, distance_km)
        speed = np.gradient(distance, moving)
        speed = np.where(standing, 0.0, np.clip(speed, 0, None))
        grade = np.gradient(_altitude_m(distance, phase)) / np.maximum(np.gradient(distance), 0.1)
    # heart rate: follows the effort (not the speed: uphill the pace drops, the heart rate does not)
    # with a 40-s lag; it falls towards 72 % while the runner stands; it drifts over the run
    work = np.clip(speed * pace_s_per_km / 1000.0 * (1 + 2.5 * np.clip(grade, -0.06, 0.06)), 0.72, 1.3)
    work = np.where(standing, 0.72, work)
    hr = _lagged(hr_start_bpm * work, 40.0) + hr_drift_bpm * moving / max(moving[-1], 1) + rng.normal(0, 1.5, len(moving))
    temps = None if wrist_temperature_c is None else wrist_temperature_c + rng.normal(0, 0.5, len(moving))
    cadence = np.where(speed > 0.3, cadence_spm * (0.94 + 0.06 * np.clip(factor, 0, 1.2)), 0.0)
    return encode_run(
        start, elapsed, distance_m=distance, speed_mps=speed, heart_rate_bpm=np.round(hr),
        cadence_spm=np.round(cadence), altitude_m=_altitude_m(distance, phase),
        temperature_c=None if temps is None else np.round(temps), pauses=pauses, utc_offset_s=utc_offset_s,
        sport=sport, sensors=sensors,
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
    from analyzer.testing.fit_encode import FitWriter, to_fit_seconds

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
