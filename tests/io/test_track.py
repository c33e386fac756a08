"""Distance and speed that cannot be: clocks that step back, watch distances that go back, GPS jumps.

Every expected length is worked out here, independently of the reader: by the flat-earth
approximation step by step over the points in file order (a different method from the reader's
haversine), or from the distances written into the file.
"""

from __future__ import annotations

import datetime as dt
import math
import warnings
from unittest import mock

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from analyzer.io import track
from analyzer.io.activities import read_activity_bytes
from analyzer.io.track import (
    MAX_RUNNING_SPEED_MPS,
    clean_distance,
    fast_speeds,
    in_time_order,
    speed_limit_mps,
    time_order,
)
from analyzer.testing.fit_encode import encode_run

START = dt.datetime(2024, 6, 3, 6, 0, tzinfo=dt.UTC)
EARTH_R = 6_371_008.8


def _flat_length_m(lat: np.ndarray, lon: np.ndarray) -> float:
    total = 0.0
    for i in range(1, len(lat)):
        x = math.radians(lon[i] - lon[i - 1]) * math.cos(math.radians((lat[i] + lat[i - 1]) / 2))
        y = math.radians(lat[i] - lat[i - 1])
        total += EARTH_R * math.hypot(x, y)
    return total


def _arc(n: int, length_m: float) -> tuple[np.ndarray, np.ndarray]:
    """A curving track (three quarters of a circle) of about ``length_m`` in ``n`` points."""
    ang = np.linspace(0, 1.5 * math.pi, n)
    r = length_m / (1.5 * math.pi)
    lat = 52.5 + r * np.sin(ang) / 111_195.0
    lon = 13.4 + r * (1 - np.cos(ang)) / (111_195.0 * math.cos(math.radians(52.5)))
    return lat, lon


def _iso(seconds: float) -> str:
    return (START + dt.timedelta(seconds=float(seconds))).strftime("%Y-%m-%dT%H:%M:%SZ")


def _gpx(lat, lon, t_s, sport: str = "running") -> bytes:
    pts = "".join(f'<trkpt lat="{a:.7f}" lon="{b:.7f}"><time>{_iso(s)}</time></trkpt>' for a, b, s in zip(lat, lon, t_s, strict=True))
    return (f'<?xml version="1.0"?><gpx xmlns="http://www.topografix.com/GPX/1/1" version="1.1" creator="t">'
            f"<trk><type>{sport}</type><trkseg>{pts}</trkseg></trk></gpx>").encode()


def _tcx(lat, lon, t_s, dist_m=None, lap_m=None) -> bytes:
    pts = []
    for i, (a, b, s) in enumerate(zip(lat, lon, t_s, strict=True)):
        d = f"<DistanceMeters>{dist_m[i]:.2f}</DistanceMeters>" if dist_m is not None else ""
        pts.append(f"<Trackpoint><Time>{_iso(s)}</Time><Position><LatitudeDegrees>{a:.7f}</LatitudeDegrees>"
                   f"<LongitudeDegrees>{b:.7f}</LongitudeDegrees></Position>{d}</Trackpoint>")
    lap = f"<DistanceMeters>{lap_m:.1f}</DistanceMeters>" if lap_m is not None else ""
    return ('<?xml version="1.0"?><TrainingCenterDatabase xmlns="http://www.garmin.com/xmlschemas/'
            f'TrainingCenterDatabase/v2"><Activities><Activity Sport="Running"><Id>{_iso(0)}</Id>'
            f'<Lap StartTime="{_iso(0)}"><TotalTimeSeconds>{t_s.max():.0f}</TotalTimeSeconds>{lap}'
            f"<Track>{''.join(pts)}</Track></Lap></Activity></Activities></TrainingCenterDatabase>").encode()


def _read(data: bytes, name: str):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return read_activity_bytes(data, name)


def _messages(act) -> str:
    return " | ".join(f"{p.file}: {p.message}" for p in act.problems)


# a 13 km run in an hour, one point a second, whose clock steps back five minutes half-way
N = 3600
T_STEP_BACK = np.arange(N, dtype=float)
T_STEP_BACK[1800:] -= 300


def test_a_gpx_whose_clock_steps_back_gives_the_tracks_true_length():
    lat, lon = _arc(N, 13_000.0)
    true_m = _flat_length_m(lat, lon)  # over the points in file order
    assert true_m == pytest.approx(13_000, rel=0.01)
    act = _read(_gpx(lat, lon, T_STEP_BACK), "stepback.gpx")
    assert act.distance_m == pytest.approx(true_m, rel=0.02)  # re-sorted, it was 654 km
    recs = act.records
    assert recs.index.is_monotonic_increasing and recs["distance_m"].is_monotonic_increasing
    # the five minutes that overlap in time are left out once (299 points: one of them is the step's own)
    assert len(recs) == N - 299
    assert float(recs["speed_mps"].max()) <= MAX_RUNNING_SPEED_MPS
    text = _messages(act)
    assert "stepback.gpx" in text and "299 points out of time order" in text and "not re-sorted" in text
    # the five minutes the clock lost are still time run: moving time is the hour, so the pace is true
    assert float(recs["timer_s"].iloc[-1]) == pytest.approx(N - 1, abs=1)


def test_a_cramp_by_km_and_the_pace_of_a_run_whose_clock_stepped_back(tmp_path):
    import analyzer
    from analyzer.testing.synthetic import write_athlete

    lat, lon = _arc(N, 13_000.0)
    steps = [0.0] + [_flat_length_m(lat[i - 1:i + 1], lon[i - 1:i + 1]) for i in range(1, N)]
    reached = int(np.argmax(np.cumsum(steps) >= 10_000.0))  # the point (in file order, 1 s apart) at km 10
    folder = write_athlete(tmp_path / "ana", {"timezone": "UTC"}, {},
                           [{"activity": "stepback.gpx", "distance_km": 10.0, "leg": "left"}])
    (folder / "activities" / "stepback.gpx").write_bytes(_gpx(lat, lon, T_STEP_BACK))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        a = analyzer.analyze(analyzer.load_athlete(folder))
    cramp = a.cramps.iloc[0]
    assert cramp["context"] == "during_run" and cramp["elapsed_s"] == pytest.approx(reached, abs=2)
    run = a.runs.iloc[0]
    true_m = float(np.sum(steps))
    assert run["distance_km"] == pytest.approx(true_m / 1000, rel=0.02)
    assert run["pace_s_per_km"] == pytest.approx((N - 1) / (true_m / 1000), rel=0.01)  # was 9 % fast


def test_the_cli_inspects_such_a_gpx_as_13_km(tmp_path):
    from typer.testing import CliRunner

    from analyzer.cli import app

    lat, lon = _arc(N, 13_000.0)
    path = tmp_path / "stepback.gpx"
    path.write_bytes(_gpx(lat, lon, T_STEP_BACK))
    out = CliRunner().invoke(app, ["inspect", str(path)]).output
    km = float(out.split(" km,")[0].rsplit(" ", 1)[1])
    assert km == pytest.approx(_flat_length_m(lat, lon) / 1000, rel=0.02)
    assert "out of time order" in out


def test_a_tcx_whose_clock_steps_back_with_and_without_its_own_distance():
    lat, lon = _arc(N, 13_000.0)
    true_m = _flat_length_m(lat, lon)
    # the watch's own cumulative distance, 3.6 m a second, and its lap total
    own = np.arange(N) * 3.6
    with_own = _read(_tcx(lat, lon, T_STEP_BACK, own, lap_m=own[-1]), "own.tcx")
    # the lap total (12,956.4 m) less the one step back in time (3.6 m) that is not counted
    assert with_own.distance_m == pytest.approx(own[-1] - 3.6, abs=0.01)
    assert with_own.records["distance_m"].is_monotonic_increasing
    positions = _read(_tcx(lat, lon, T_STEP_BACK), "positions.tcx")
    assert positions.distance_m == pytest.approx(true_m, rel=0.02)
    for act in (with_own, positions):
        assert act.records.index.is_monotonic_increasing and "out of time order" in _messages(act)


def test_a_fit_whose_clock_steps_back_keeps_the_watchs_distance():
    own = np.arange(N) * 3.6
    fit = encode_run(START, T_STEP_BACK, distance_m=own, speed_mps=np.full(N, 3.6), laps_every_m=None)
    act = _read(fit, "stepback.fit")
    assert act.distance_m == pytest.approx(own[-1], rel=0.02)
    assert act.records.index.is_monotonic_increasing and act.records["distance_m"].is_monotonic_increasing
    assert len(act.records) == N - 299
    assert float(act.records["timer_s"].iloc[-1]) == pytest.approx(N - 1, abs=1)
    assert "stepback.fit" in _messages(act) and "299 points out of time order" in _messages(act)


def test_a_watch_distance_that_goes_back_or_jumps_is_not_counted():
    t = np.arange(N, dtype=float)
    own = t * 3.6
    bad = own.copy()
    bad[1000] = 0.0  # one reading back at zero
    bad[2000:] += 5000.0  # a 5 km jump in one second
    speed = np.where(np.arange(N) == 2000, 40.0, 3.6)
    act = _read(encode_run(START, t, distance_m=bad, speed_mps=speed, laps_every_m=None), "glitch.fit")
    # the session's own total (written as the largest reading, 5 km too long) loses the jump too
    assert act.distance_m == pytest.approx(own[-1], rel=0.02)
    assert float(act.records["distance_m"].max()) == pytest.approx(own[-1], rel=0.02)
    assert np.isnan(act.records["distance_m"].iloc[1000])  # the reading at zero is left out, not kept
    assert act.records["distance_m"].dropna().is_monotonic_increasing
    assert float(act.records["speed_mps"].max()) == pytest.approx(3.6, abs=0.01)
    text = _messages(act)
    assert "1 reading of the watch's distance lower than an earlier one" in text
    # the jump is between 2000 and 1999 s after the start: 06:33:19 to 06:33:20 UTC
    assert "faster than 12 m/s" in text and "2024-06-03 06:33:19–06:33:20 UTC" in text
    assert "speed reading over 12 m/s" in text


def test_a_gps_jump_in_a_gpx_is_left_out_of_distance_and_pace():
    lat, lon = _arc(N, 13_000.0)
    true_m = _flat_length_m(lat, lon)
    lat, lon = lat.copy(), lon.copy()
    lat[900] += 2000 / 111_195.0  # one fix 2 km north, then back
    act = _read(_gpx(lat, lon, np.arange(N, dtype=float)), "jump.gpx")
    assert act.distance_m == pytest.approx(true_m, rel=0.005)  # counted, it would be 4 km more
    assert float(act.records["speed_mps"].max()) <= MAX_RUNNING_SPEED_MPS
    # the steps into and out of the jump: 899 → 900 → 901 s, i.e. 06:14:59–06:15:01 UTC
    assert "jump.gpx" in _messages(act) and "06:14:59–06:15:01 UTC" in _messages(act)


def test_a_ride_is_not_held_to_running_speed_and_repeated_timestamps_lose_nothing():
    lat, lon = _arc(N, 54_000.0)  # 15 m/s on a bike
    ride = _read(_gpx(lat, lon, np.arange(N, dtype=float), sport="cycling"), "ride.gpx")
    assert ride.distance_m == pytest.approx(_flat_length_m(lat, lon), rel=0.005) and not ride.problems
    # every second written twice, the distance moving on within it (Forerunner 110 and others)
    el = np.repeat(np.arange(0.0, 1500.0), 2)
    own = np.arange(len(el)) * 1.8
    act = _read(encode_run(START, el, distance_m=own, laps_every_m=None), "twice.fit")
    assert act.distance_m == pytest.approx(own[-1]) and float(act.records["distance_m"].max()) == pytest.approx(own[-1])
    assert not act.problems


def test_in_time_order_keeps_the_longest_ordered_sequence():
    assert in_time_order(np.array([0, 1, 2, 9, 3, 4, 5])).tolist() == [True, True, True, False, True, True, True]
    assert in_time_order(np.array([0, 1, 1, 2])).all()  # repeated times are in order
    nat = np.iinfo(np.int64).min
    assert in_time_order(np.array([0, nat, 5, 1, 2, 3])).tolist() == [True, True, False, True, True, True]


def test_the_readers_steps_say_what_they_left_out():
    """The steps both the FIT and the GPX/TCX readers take, each with its problem line."""
    assert speed_limit_mps("running") == MAX_RUNNING_SPEED_MPS and speed_limit_mps("cycling") is None
    assert speed_limit_mps(None) is None and speed_limit_mps(float("nan")) is None
    s = 10**9
    t = np.array([0, 1, 2, 3, 1, 4], dtype=np.int64) * s  # the clock steps back once, at the 5th point
    problems: list = []
    keep, hidden = time_order(t, "f.fit", problems)
    assert keep.tolist() == [True, True, True, True, False, True] and len(hidden) == 6
    assert len(problems) == 1 and problems[0].file == "f.fit" and "1 point out of time order" in problems[0].message
    problems = []
    assert time_order(t[:3], "f.fit", problems)[1] is None and problems == []
    fast = fast_speeds(t[:5], np.array([3.0, 13.0, 3.0, np.nan, 12.5]), 12.0, "f.fit", problems)
    assert fast.tolist() == [False, True, False, False, True] and "2 speed readings over 12 m/s" in problems[0].message
    problems = []
    cleaned = clean_distance(np.arange(4) * s, np.array([0.0, 3.0, 2.0, 6.0]), 12.0, "the watch's distance",
                             "f.fit", problems)
    np.testing.assert_array_equal(cleaned.distance_m, [0.0, 3.0, np.nan, 6.0])  # the lower reading left out
    assert len(problems) == 1 and "1 reading of the watch's distance lower than an earlier one" in problems[0].message


# ------------------------------------------------------------------ the shortcut for a clean track

_STEPS = st.lists(st.tuples(st.sampled_from([0, 0, 1, 1, 1, 2, 5, -1]),  # seconds to the next point
                            st.one_of(st.floats(0, 40), st.floats(-5, 0), st.just(math.nan), st.just(math.inf))),
                  min_size=0, max_size=12)


@settings(max_examples=400, deadline=None, derandomize=True)
@given(steps=_STEPS, limit=st.sampled_from([None, MAX_RUNNING_SPEED_MPS, 3.0]))
def test_a_track_with_nothing_to_leave_out_takes_the_shortcut_with_the_same_result(steps, limit):
    """The shortcut (every reading known, later in time, none lower, none too fast: returned as it is)
    gives exactly what the step-by-step cleaning gives, and is taken only when nothing is left out."""
    t = np.cumsum([0] + [s for s, _ in steps]).astype(np.int64) * 1_000_000_000
    d = np.cumsum([0.0] + [x for _, x in steps])
    quick = track.clean_cumulative_m(t, d, limit)
    with mock.patch.object(track, "_all_possible", lambda *a: False):  # every step judged one by one
        slow = track.clean_cumulative_m(t, d, limit)
    np.testing.assert_array_equal(quick.distance_m, slow.distance_m)
    assert (quick.backward_m, quick.fast_m, quick.fast_ranges, quick.lower_readings) == \
        (slow.backward_m, slow.fast_m, slow.fast_ranges, slow.lower_readings)
    if len(t) > 1 and track._all_possible(t, d, limit):
        assert slow.left_out_m == 0 and slow.lower_readings == 0
        np.testing.assert_array_equal(slow.distance_m, d)


def test_the_shortcut_is_not_taken_for_a_jump_an_infinite_or_a_lower_reading():
    s = 1_000_000_000
    t = np.array([0, s, 2 * s, 3 * s])
    assert track._all_possible(t, np.array([0.0, 3.0, 6.0, 9.0]), MAX_RUNNING_SPEED_MPS)
    assert not track._all_possible(t, np.array([0.0, 3.0, 503.0, 506.0]), MAX_RUNNING_SPEED_MPS)  # 500 m in 1 s
    assert track._all_possible(t, np.array([0.0, 3.0, 503.0, 506.0]), None)  # a ride: no limit
    # at 3 m/s, a 1 s step may be 3 m + the 20 m GPS tolerance: 23 m is possible, 23.5 m is not
    assert track._all_possible(t, np.array([0.0, 23.0, 24.0, 25.0]), 3.0)
    assert not track._all_possible(t, np.array([0.0, 23.5, 24.0, 25.0]), 3.0)
    assert not track._all_possible(t, np.array([0.0, 3.0, np.inf, np.inf]), None)
    assert not track._all_possible(t, np.array([0.0, 3.0, 2.0, 6.0]), None)
    assert not track._all_possible(np.array([0, s, s, 2 * s]), np.array([0.0, 3.0, 4.0, 6.0]), None)  # same time
