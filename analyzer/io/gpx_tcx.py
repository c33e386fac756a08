"""GPX and TCX files → :class:`~analyzer.model.Activity`, with the same columns and units as FIT.

``records`` gets ``elapsed_s``, ``timer_s``, ``distance_m`` (the file's own, else measured
along the track), ``speed_mps`` (the file's own, else from distance over time),
``heart_rate_bpm``, ``cadence_spm`` (running: steps/min; both formats count one foot, so the
value is doubled) or ``cadence_rpm`` (other sports), ``altitude_m``, ``latitude_deg``,
``longitude_deg``, ``power_w`` and ``temperature_c`` — the *device's* temperature from
Garmin's TrackPointExtension (``atemp``), never air temperature.

TCX laps become ``laps`` and each ``Activity`` a session with the file's totals; a GPX file
is one session. Pauses are not recorded in either format: a gap between two points of more
than :data:`PAUSE_MIN_GAP_S` during which the runner moved slower than
:data:`PAUSE_MAX_SPEED_MPS` (or any gap over :data:`PAUSE_ALWAYS_S`), and the break between two
TCX ``Track`` elements, are taken as timer pauses.

Points are taken in file order: points out of time order are left out (never re-sorted), and no
distance is counted over a step back in time or, on foot, faster than a runner can go
(:mod:`analyzer.io.track`); each is a problem naming the file and times.

Files are parsed with ``defusedxml``: a document type declaration or entity definition (the
"billion laughs" expansion) is refused, so is a file over the activity size limit; a
malformed file is a problem naming its line. Nothing is ever written.

References
----------
TopoGrafix, GPX 1.1 schema, https://www.topografix.com/GPX/1/1/ ; Garmin, Training Center
Database v2 and TrackPointExtension v1/v2 schemas, https://www8.garmin.com/xmlschemas/
"""

from __future__ import annotations

import logging
import os
import re
from pathlib import Path
from typing import BinaryIO
from xml.etree.ElementTree import Element, ParseError

import numpy as np
import pandas as pd

from analyzer.errors import InputError
from analyzer.io.frames import frame, utc_array, utc_index
from analyzer.io.inputs import MAX_ACTIVITY_BYTES, gunzip_capped, read_input
from analyzer.io.track import FOOT_SPORTS as TRACK_FOOT_SPORTS
from analyzer.io.track import clean_distance, fast_speeds, speed_limit_mps, time_order
from analyzer.model import Activity, Problem

GPX_NAMESPACES = ("http://www.topografix.com/GPX/1/1", "http://www.topografix.com/GPX/1/0")
TCX_NAMESPACE = "http://www.garmin.com/xmlschemas/TrainingCenterDatabase/v2"

PAUSE_MIN_GAP_S = 20.0
"""A gap between two points longer than this, covered slower than :data:`PAUSE_MAX_SPEED_MPS`,
is a pause (smart recording leaves gaps of a few seconds while moving)."""

PAUSE_MAX_SPEED_MPS = 1.0
PAUSE_ALWAYS_S = 120.0
"""A gap longer than this is a pause however far the runner moved (a signal lost in a tunnel
counts as stopped time, not as a sprint)."""

EARTH_RADIUS_M = 6_371_008.8
"""Mean Earth radius (IUGG), for distances along a GPX track."""

log = logging.getLogger(__name__)

_SPORTS = (
    (re.compile(r"run|^9$|jog"), "running"), (re.compile(r"walk"), "walking"), (re.compile(r"hik"), "hiking"),
    (re.compile(r"bik|cycl|ride|^1$"), "cycling"), (re.compile(r"swim"), "swimming"),
)
_TCX_SPORTS = {"running": "running", "biking": "cycling", "other": "generic"}


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def _parse_xml(data: bytes, name: str) -> Element:
    import defusedxml.ElementTree as safe_et
    from defusedxml import DefusedXmlException

    try:
        return safe_et.fromstring(data, forbid_dtd=True)
    except (DefusedXmlException, ParseError) as exc:
        raise xml_problem(name, exc) from exc


_EXPAT_WORDS = {
    # expat's error codes (xml.parsers.expat.errors), in words the page can show
    3: "the file ends before its XML is complete (cut short?)",
    4: "a character XML does not allow",
    5: "the file ends inside a tag (cut short?)",
    6: "the file ends inside a character (cut short?)",
    7: "a closing tag that does not match its opening tag",
    8: "an attribute given twice in one tag",
    9: "more text after the end of the document",
    11: "a named entity XML does not define",
}


def xml_problem(name: str, exc: Exception) -> InputError:
    """The :class:`InputError` for XML that cannot be read, in words: what is wrong and where.

    The position comes from ``ParseError.position`` (line, column); the library's own text goes to
    the log, never onto a page or into ``errors.csv``.
    """
    from defusedxml import DefusedXmlException

    log.info("%s: XML not read: %r", name, exc)
    if isinstance(exc, DefusedXmlException):
        return InputError(name, "", "declares a document type or entities, which activity files never need "
                                    "(a crafted file can expand to gigabytes); not read")
    line, col = getattr(exc, "position", None) or (None, None)
    code = getattr(exc, "code", None)
    what = ("no XML at all (an empty file?)" if code == 3 and line == 1 and not col
            else _EXPAT_WORDS.get(code, ""))
    where = f" (column {col + 1})" if line and col is not None else ""
    return InputError(name, f"line {line}" if line else "",
                      f"not well-formed XML{where}" + (f": {what}" if what else ""))


def _read(source: str | os.PathLike | BinaryIO) -> tuple[bytes, str, str]:
    if hasattr(source, "read"):
        name = str(getattr(source, "name", "<stream>"))
        data = source.read(MAX_ACTIVITY_BYTES + 1)
        if len(data) > MAX_ACTIVITY_BYTES:
            raise InputError(name, "", f"over the {MAX_ACTIVITY_BYTES:,}-byte limit for an activity file; not read")
    else:
        name = str(Path(source))
        data = read_input(source, MAX_ACTIVITY_BYTES)
    note = ""
    if data[:2] == b"\x1f\x8b":
        data, note = gunzip_capped(data, MAX_ACTIVITY_BYTES, name)
    return data, name, note


def _floats(texts: list[str | None]) -> np.ndarray:
    out = np.full(len(texts), np.nan)
    for i, t in enumerate(texts):
        if t:
            try:
                out[i] = float(t)
            except ValueError:
                pass
    return out


def _float_or_nan(text: str | None) -> float:
    try:
        return float(text) if text else np.nan
    except ValueError:
        return np.nan


def _times_ns(texts: list[str | None]) -> np.ndarray:
    times = pd.to_datetime(pd.Series(texts, dtype=object), utc=True, errors="coerce", format="ISO8601")
    return pd.DatetimeIndex(times).as_unit("ns").asi8


_NAT = np.iinfo(np.int64).min


def along_track_m(latitude_deg: np.ndarray, longitude_deg: np.ndarray) -> np.ndarray:
    """Cumulative great-circle distance along a track (haversine, mean Earth radius), metres.

    Points without a position add nothing; the distance picks up at the next one.

    Examples
    --------
    >>> round(float(along_track_m(np.array([0.0, 0.0]), np.array([0.0, 1.0]))[-1]))
    111195
    """
    lat = np.radians(latitude_deg)
    lon = np.radians(longitude_deg)
    ok = np.isfinite(lat) & np.isfinite(lon)
    steps = np.zeros(len(lat))
    idx = np.flatnonzero(ok)
    if len(idx) > 1:
        p1, p2 = lat[idx[:-1]], lat[idx[1:]]
        dl = lon[idx[1:]] - lon[idx[:-1]]
        a = np.sin((p2 - p1) / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
        steps[idx[1:]] = 2 * EARTH_RADIUS_M * np.arcsin(np.sqrt(np.clip(a, 0, 1)))
    return np.cumsum(steps)


def _speed_from_distance(t_ns: np.ndarray, dist: np.ndarray, window_s: float = 10.0) -> np.ndarray:
    """Speed over about ``window_s`` around each point (at least its two neighbours): distance ÷ time."""
    t = t_ns / 1e9
    i = np.arange(len(t))
    lo = np.minimum(np.searchsorted(t, t - window_s / 2, side="left"), np.maximum(i - 1, 0))
    hi = np.maximum(np.clip(np.searchsorted(t, t + window_s / 2, side="right") - 1, 0, len(t) - 1),
                    np.minimum(i + 1, len(t) - 1))
    dt = t[hi] - t[lo]
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(dt > 0, (dist[hi] - dist[lo]) / dt, np.nan)


def _pauses(t_ns: np.ndarray, dist: np.ndarray, breaks: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(starts, ends) in ns of the gaps taken as pauses (see the module docstring)."""
    if len(t_ns) < 2:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    gap = np.diff(t_ns) / 1e9
    moved = np.diff(dist) if dist is not None else np.zeros(len(gap))
    with np.errstate(divide="ignore", invalid="ignore"):
        speed = np.where(gap > 0, np.nan_to_num(moved) / gap, np.inf)
    pause = ((gap > PAUSE_MIN_GAP_S) & (speed < PAUSE_MAX_SPEED_MPS)) | (gap > PAUSE_ALWAYS_S) | (breaks[1:] & (gap > 0))
    idx = np.flatnonzero(pause)
    return t_ns[idx].astype(np.int64), t_ns[idx + 1].astype(np.int64)


def _records(cols: dict[str, np.ndarray], t_ns: np.ndarray, sport: str | None, breaks: np.ndarray,
             name: str, problems: list[Problem]) -> tuple[pd.DataFrame, pd.DataFrame, float]:
    """Columns per point, in file order → the records and pauses frames, and the metres left out of the
    distance (see :mod:`analyzer.io.track`)."""
    n = len(t_ns)
    valid = t_ns != _NAT
    if (~valid).any():
        problems.append(Problem(name, "", f"{int((~valid).sum())} of {n} points carry no readable time; left out"))
    t_ns = t_ns[valid]
    cols = {k: v[valid] for k, v in cols.items()}
    breaks = breaks[valid]
    limit = speed_limit_mps(sport)
    # distance step by step in file order, before points out of time order are left out (never re-sorted)
    lat, lon = cols.get("lat"), cols.get("lon")
    dist = cols.get("distance")
    what = "the file's distance"
    if (dist is None or np.isnan(dist).all()) and lat is not None and np.isfinite(lat).any():
        dist, what = along_track_m(lat, lon), "the distance along the track"
    left_out_m = 0.0
    if dist is not None and np.isnan(dist).all():
        dist = None
    if dist is not None:
        cleaned = clean_distance(t_ns, dist, limit, what, name, problems)
        dist, left_out_m = cleaned.distance_m, cleaned.left_out_m
    keep, hidden = time_order(t_ns, name, problems)
    hidden_s = np.zeros(int(keep.sum()))
    if hidden is not None:
        hidden_s = hidden[keep]  # time run before the clock stepped back
        t_ns = t_ns[keep]
        cols = {k: v[keep] for k, v in cols.items()}
        breaks = breaks[keep]
        dist = dist[keep] if dist is not None else None
    out: dict[str, np.ndarray] = {"session": np.zeros(len(t_ns), dtype=np.int64)}
    starts, ends = _pauses(t_ns, dist, breaks)
    start = t_ns[0] if len(t_ns) else 0
    elapsed = (t_ns - start) / 1e9 + hidden_s
    paused_before = np.zeros(len(t_ns))
    for s, e in zip(starts, ends, strict=True):
        paused_before[t_ns >= e] += (e - s) / 1e9
    out["elapsed_s"] = elapsed
    out["timer_s"] = elapsed - paused_before
    if dist is not None:
        out["distance_m"] = dist
    speed = cols.get("speed")
    if (speed is None or np.isnan(speed).all()) and dist is not None:
        speed = _speed_from_distance(t_ns, dist)
        if limit is not None:  # across points left out, the distance jumps: no pace there
            speed = np.where(speed > limit, np.nan, speed)
    elif limit is not None:
        fast = fast_speeds(t_ns, speed, limit, name, problems)
        if fast.any():
            speed = np.where(fast, np.nan, speed)
    if speed is not None and np.isfinite(speed).any():
        out["speed_mps"] = speed
    hr = cols.get("hr")
    if hr is not None and np.isfinite(hr).any():
        out["heart_rate_bpm"] = np.where(hr > 0, hr, np.nan)
    cad = cols.get("cad")
    if cad is not None and np.isfinite(cad).any():
        if sport in TRACK_FOOT_SPORTS:
            out["cadence_spm"] = 2.0 * cad  # one foot per minute → steps per minute
        else:
            out["cadence_rpm"] = cad
    for key, column in (("ele", "altitude_m"), ("temp", "temperature_c"), ("lat", "latitude_deg"),
                        ("lon", "longitude_deg"), ("power", "power_w")):
        values = cols.get(key)
        if values is not None and np.isfinite(values).any():
            out[column] = values
    records = frame(out, utc_index(t_ns, "time"))
    duration = (ends.astype(float) - starts.astype(float)) / 1e9
    pauses = frame({"start": utc_array(starts), "end": utc_array(ends), "duration_s": duration})
    return records, pauses, left_out_m


def _ext_values(point: Element) -> dict[str, str]:
    """Extension values of a point by local name: hr, cad, atemp, power, speed (any namespace)."""
    found: dict[str, str] = {}
    for ext in point:
        if _local(ext.tag) != "extensions" and _local(ext.tag) != "Extensions":
            continue
        for el in ext.iter():
            key = _local(el.tag).lower()
            if el.text and el.text.strip():
                if key in ("hr", "heartrate"):
                    found["hr"] = el.text
                elif key in ("cad", "cadence", "runcadence"):
                    found["cad"] = el.text
                elif key in ("atemp", "temp", "temperature"):
                    found["temp"] = el.text
                elif key in ("power", "watts", "powerinwatts"):
                    found["power"] = el.text
                elif key == "speed":
                    found["speed"] = el.text
    return found


def gpx_sport(type_text: str | None) -> str | None:
    """A GPX track's ``type`` (Garmin's ``running``, Strava's ``9``, …) → a FIT sport name, or ``None``."""
    if not type_text:
        return None
    t = type_text.strip().lower()
    for pattern, sport in _SPORTS:
        if pattern.search(t):
            return sport
    return "generic"


def read_gpx(source: str | os.PathLike | BinaryIO) -> Activity:
    """Read a GPX 1.1 (or 1.0) track file (``.gpx`` or ``.gpx.gz``) into an :class:`Activity`.

    All track segments of all tracks are one session. The sport comes from the first track's
    ``type``; a file without one is taken as a run (it is in a runner's activities), and the
    session's ``sport`` says ``running``.

    Raises
    ------
    InputError
        Not XML, not GPX, entity definitions, too big: naming the file and line.
    """
    import io

    import defusedxml.ElementTree as safe_et
    from defusedxml import DefusedXmlException

    data, name, note = _read(source)
    problems = [Problem(name, "", note)] if note else []
    # parsed as a stream, each point freed once its values are taken: memory follows the points, not the
    # document tree (a 64 MiB file's tree alone took 600 MB)
    lat: list[float] = []
    lon: list[float] = []
    ele: list[float] = []
    times: list[str | None] = []
    ext_rows: list[dict[str, str] | None] = []
    breaks: list[bool] = []
    stack: list[Element] = []
    q = ""
    creator = None
    first_trk: Element | None = None
    track_text: dict[str, str | None] = {}
    first = True
    try:
        for event, el in safe_et.iterparse(io.BytesIO(data), events=("start", "end"), forbid_dtd=True):
            if event == "start":
                if not stack:
                    ns = el.tag[1:].split("}")[0] if el.tag.startswith("{") else ""
                    if _local(el.tag) != "gpx" or ns not in GPX_NAMESPACES:
                        raise InputError(name, "line 1", f"not a GPX 1.0/1.1 file: the root element is {el.tag!r}")
                    q, creator = f"{{{ns}}}", el.get("creator")
                elif el.tag == f"{q}trkseg":
                    first = True
                elif el.tag == f"{q}trk" and first_trk is None:
                    first_trk = el
                stack.append(el)
                continue
            stack.pop()
            if el.tag == f"{q}trkpt" and any(s.tag == f"{q}trkseg" for s in stack):
                lat.append(_float_or_nan(el.get("lat")))
                lon.append(_float_or_nan(el.get("lon")))
                e = el.find(f"{q}ele")
                t = el.find(f"{q}time")
                ele.append(_float_or_nan(e.text if e is not None else None))
                times.append(t.text.strip() if t is not None and t.text else None)
                ext_rows.append(_ext_values(el) or None)
                breaks.append(first)
                first = False
                stack[-1].clear()  # the point and those before it are read: free them
            elif el.tag in (f"{q}type", f"{q}name") and stack and stack[-1] is first_trk:
                track_text.setdefault(_local(el.tag), el.text)
            elif el.tag in (f"{q}wpt", f"{q}rte"):
                el.clear()  # waypoints and routes are not the run
    except (DefusedXmlException, ParseError) as exc:
        raise xml_problem(name, exc) from exc
    del data
    sport = gpx_sport(track_text.get("type")) or "running"
    if not times:
        raise InputError(name, "", "a GPX file without track points (routes and waypoints are not runs)")
    cols = {"lat": np.array(lat), "lon": np.array(lon), "ele": np.array(ele)}
    null_island = (cols["lat"] == 0) & (cols["lon"] == 0)  # a placeholder some apps write for "no fix"
    cols["lat"][null_island] = np.nan
    cols["lon"][null_island] = np.nan
    for key in ("hr", "cad", "temp", "power", "speed"):
        values = [r.get(key) if r else None for r in ext_rows]
        if any(values):
            cols[key] = _floats(values)
    brk = np.array(breaks, dtype=bool)
    brk[0] = False
    records, pauses, _ = _records(cols, _times_ns(times), sport, brk, name, problems)
    return _activity(records, pauses, pd.DataFrame(), sport, name, problems,
                     {"manufacturer": creator}, track_text.get("name") or "")


def read_tcx(source: str | os.PathLike | BinaryIO) -> Activity:
    """Read a Garmin TCX file (``.tcx`` or ``.tcx.gz``) into an :class:`Activity`.

    Laps become ``laps`` (``start_time``, ``total_timer_time_s``, ``total_distance_m``,
    ``avg_heart_rate_bpm``, ``max_heart_rate_bpm``, ``max_speed_mps``, ``total_calories_kcal``,
    ``intensity``, ``lap_trigger``); the first ``Activity`` element is the session.

    Raises
    ------
    InputError
        Not XML, not TCX, entity definitions, too big: naming the file and line.
    """
    data, name, note = _read(source)
    root = _parse_xml(data, name)
    if root.tag != f"{{{TCX_NAMESPACE}}}TrainingCenterDatabase":
        raise InputError(name, "line 1", f"not a TCX (Training Center Database v2) file: the root element is {root.tag!r}")
    q = f"{{{TCX_NAMESPACE}}}"
    problems = [Problem(name, "", note)] if note else []
    activity = root.find(f"{q}Activities/{q}Activity")
    if activity is None:
        raise InputError(name, "", "a TCX file without an activity (courses and workouts are not runs)")
    sport = _TCX_SPORTS.get((activity.get("Sport") or "").lower(), "generic")
    notes_el = activity.find(f"{q}Notes")
    lap_rows = []
    lat, lon, ele, dist, hr, cad, times, ext_rows, breaks = ([] for _ in range(9))
    for lap in activity.findall(f"{q}Lap"):
        def num(path: str, _lap=lap) -> float:
            el = _lap.find(path)
            try:
                return float(el.text) if el is not None and el.text else np.nan
            except ValueError:
                return np.nan

        def text(path: str, _lap=lap) -> str | None:
            el = _lap.find(path)
            return el.text.strip() if el is not None and el.text else None

        lap_rows.append({
            "start_time": lap.get("StartTime"), "total_timer_time_s": num(f"{q}TotalTimeSeconds"),
            "total_distance_m": num(f"{q}DistanceMeters"), "max_speed_mps": num(f"{q}MaximumSpeed"),
            "total_calories_kcal": num(f"{q}Calories"), "avg_heart_rate_bpm": num(f"{q}AverageHeartRateBpm/{q}Value"),
            "max_heart_rate_bpm": num(f"{q}MaximumHeartRateBpm/{q}Value"), "intensity": text(f"{q}Intensity"),
            "lap_trigger": text(f"{q}TriggerMethod"),
        })
        for k, track in enumerate(lap.findall(f"{q}Track")):
            first = k > 0  # a new Track inside a lap follows a timer pause; a new lap is no pause
            for pt in track.findall(f"{q}Trackpoint"):
                def get(path: str, _pt=pt) -> str | None:
                    el = _pt.find(path)
                    return el.text if el is not None else None

                t = get(f"{q}Time")
                times.append(t.strip() if t else None)
                lat.append(get(f"{q}Position/{q}LatitudeDegrees"))
                lon.append(get(f"{q}Position/{q}LongitudeDegrees"))
                ele.append(get(f"{q}AltitudeMeters"))
                dist.append(get(f"{q}DistanceMeters"))
                hr.append(get(f"{q}HeartRateBpm/{q}Value"))
                cad.append(get(f"{q}Cadence"))
                ext_rows.append(_ext_values(pt))
                breaks.append(first)
                first = False
                pt.clear()  # as in read_gpx: free the point as soon as its values are taken
    if not times:
        raise InputError(name, "", "a TCX activity without track points")
    cols = {"lat": _floats(lat), "lon": _floats(lon), "ele": _floats(ele), "distance": _floats(dist),
            "hr": _floats(hr), "cad": _floats(cad)}
    for key in ("cad", "temp", "power", "speed", "hr"):
        values = [r.get(key) for r in ext_rows]
        if any(values):
            ext = _floats(values)
            cols[key] = np.where(np.isfinite(ext), ext, cols[key]) if key in cols else ext
    brk = np.array(breaks, dtype=bool)
    brk[0] = False
    records, pauses, left_out_m = _records(cols, _times_ns(times), sport, brk, name, problems)
    laps = pd.DataFrame(lap_rows)
    if len(laps):
        laps["start_time"] = pd.to_datetime(laps["start_time"], utc=True, errors="coerce", format="ISO8601")
        laps.insert(0, "session", 0)
    return _activity(records, pauses, laps, sport, name, problems, {"manufacturer": "garmin (TCX)"},
                     notes_el.text.strip() if notes_el is not None and notes_el.text else "", left_out_m)


def _activity(records: pd.DataFrame, pauses: pd.DataFrame, laps: pd.DataFrame, sport: str, name: str,
              problems: list[Problem], device: dict, title: str, left_out_m: float = 0.0) -> Activity:
    session: dict[str, object] = {"sport": sport}
    if len(records):
        session["start_time"] = records.index[0]
        session["total_elapsed_time_s"] = float(records["elapsed_s"].iloc[-1])
        session["total_timer_time_s"] = float(records["timer_s"].iloc[-1])
        if "distance_m" in records:
            session["total_distance_m"] = float(records["distance_m"].max())
        if "heart_rate_bpm" in records:
            session["avg_heart_rate_bpm"] = float(records["heart_rate_bpm"].mean())
            session["max_heart_rate_bpm"] = float(records["heart_rate_bpm"].max())
    if len(laps) and laps["total_distance_m"].notna().any():
        # the laps' own total, less what was left out of the records' distance (steps back, too fast)
        session["total_distance_m"] = max(float(laps["total_distance_m"].sum()) - left_out_m, 0.0)
    if len(laps) and laps["total_timer_time_s"].notna().any():
        session["total_timer_time_s"] = float(laps["total_timer_time_s"].sum())
    sessions = pd.DataFrame([session])
    events = frame({"event": np.zeros(0, dtype=object), "event_type": np.zeros(0, dtype=object)},
                   utc_index(np.zeros(0, dtype=np.int64), "time"))
    full = {"manufacturer": None, "product": None, "serial_number": None, "software_version": None, "sensors": []}
    full.update({k: v for k, v in device.items() if v})
    return Activity(records=records, laps=laps, sessions=sessions, events=events, pauses=pauses, device=full,
                    utc_offset=None, problems=problems, source=Path(name).name if name != "<stream>" else name,
                    engine="xml", title=title or "")
