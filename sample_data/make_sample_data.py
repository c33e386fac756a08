"""Generate the sample team in this folder (seeded: the same files every time).

    python sample_data/make_sample_data.py [OUTPUT_FOLDER]

Five invented athletes, six weeks each, whose stories show each pattern. Their runs vary as real
ones do (a warm-up, rolling hills, a tempo block on the longer runs; heart rate following the
effort), and Tom's severity-5 race cramp shows in his data: the pace collapses, he stands two
minutes and his heart rate falls, then he jogs on.

* ``maria_hot``     — Madrid summer: cramps on the hot days, weighed before and after.
* ``tom_spike``     — New York: 8–10 km runs, then a half marathon with a cramp at 18 km.
* ``lena_right``    — Berlin: five cramps, all in the right calf (one log row has a typo).
* ``george_night``  — London: night cramps at rest; lists furosemide.
* ``kai_control``   — Sapporo, cool spring: cramps that fit no pattern.

The real ``wkz_runner`` folder (MIT-licensed Garmin files) is copied by hand, not generated.
"""

from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from analyzer.testing.synthetic import synthetic_run, write_athlete  # noqa: E402

SEASON_DAYS = 42


def _utc(local: dt.datetime, tz: str) -> dt.datetime:
    return local.replace(tzinfo=ZoneInfo(tz)).astimezone(dt.UTC)


def _weather(tz: str, first_day: dt.date, base_c: float, swing_c: float, rh: float, hot_days: dict[int, float],
             seed: int) -> list[dict[str, object]]:
    """Hourly local observations: a daily cycle around ``base_c``; ``hot_days`` maps day → extra °C."""
    rng = np.random.default_rng(seed)
    rows = []
    for day in range(SEASON_DAYS + 1):
        for hour in range(24):
            cycle = -np.cos((hour - 4) / 24 * 2 * np.pi)  # coolest near 04:00, warmest near 16:00
            temp = base_c + swing_c * cycle + hot_days.get(day, 0.0) + rng.normal(0, 0.4)
            humidity = np.clip(rh - 12 * cycle + rng.normal(0, 2), 15, 98)
            when = dt.datetime.combine(first_day + dt.timedelta(days=day), dt.time(hour))
            rows.append({"time": when.strftime("%Y-%m-%d %H:%M"), "temperature_c": round(float(temp), 1),
                         "relative_humidity_pct": round(float(humidity))})
    return rows


def _runs(tz: str, first_day: dt.date, plan: list[tuple[int, int, float, float]], seed: int,
          common: dict | None = None, per_run: dict[int, dict] | None = None) -> dict[str, bytes]:
    """``plan``: (day, local start hour, km, pace s/km) → {file name: FIT bytes}.

    Runs of 8 km or more get a 90-second pause (a traffic light) somewhere after 20 minutes.
    """
    out = {}
    for i, (day, hour, km, pace) in enumerate(plan):
        local = dt.datetime.combine(first_day + dt.timedelta(days=day), dt.time(hour))
        options = {"varied": True, **(common or {}), **(per_run or {}).get(i, {})}
        if "pauses" not in options:
            stop = 1200.0 + (97 * i) % 600
            options["pauses"] = [(stop, stop + 90.0)] if km >= 8 else []
        offset = int(ZoneInfo(tz).utcoffset(local).total_seconds())
        out[f"{local:%Y-%m-%d-%H%M}.fit"] = synthetic_run(_utc(local, tz), km, pace, seed=seed + i,
                                                          utc_offset_s=offset, **options)
    return out


def maria(root: Path) -> None:
    tz, first = "Europe/Madrid", dt.date(2024, 6, 3)
    plan = [(d, 8, 9.0 + (d // 3) % 3, 345.0) for d in range(0, SEASON_DAYS, 3)]
    hot = {15: 9.0, 24: 10.0, 33: 9.5}  # heat waves: run mornings reach 32–35 °C
    runs = _runs(tz, first, plan, 100, {"wrist_temperature_c": 33.0},
                 {5: {"hr_drift_bpm": 24.0}, 8: {"hr_drift_bpm": 26.0}, 11: {"hr_drift_bpm": 25.0}})
    names = list(runs)
    weigh = [
        {"activity": names[5], "mass_before_kg": 58.4, "mass_after_kg": 56.8, "fluid_ml": 250},
        {"activity": names[8], "mass_before_kg": 58.6, "mass_after_kg": 56.9, "fluid_ml": 300},
        {"activity": names[2], "mass_before_kg": 58.5, "mass_after_kg": 58.1, "fluid_ml": 400},
        {"activity": names[11], "mass_before_kg": 58.3, "mass_after_kg": 56.7, "fluid_ml": 200},
    ]
    cramps = [
        {"time": "2024-06-18 08:50", "leg": "left", "muscle": "calf", "severity": 3, "notes": "heat wave, ran out of water"},
        {"time": "2024-06-27 09:05", "leg": "right", "muscle": "calf", "severity": 4, "notes": "had to walk 2 min"},
        {"time": "2024-07-06 08:55", "leg": "both", "muscle": "hamstring", "severity": 3, "notes": "very humid"},
    ]
    write_athlete(root / "maria_hot", {"name": "María G.", "timezone": tz, "sex": "female", "body_mass_kg": 58.5,
                                       "hr_max_bpm": 188, "hr_rest_bpm": 52},
                  runs, cramps, _weather(tz, first, 23.0, 4.0, 50, hot, 7), weigh)


def tom(root: Path) -> None:
    tz, first = "America/New_York", dt.date(2024, 9, 2)
    plan = [(d, 7, 8.0 + (d % 2) * 2, 330.0) for d in range(0, 38, 3)]
    plan.append((41, 8, 21.1, 325.0))  # race day: a half marathon, twice the longest recent run
    runs = _runs(tz, first, plan, 200, {"wrist_temperature_c": 27.0},
                 {len(plan) - 1: {"pauses": [], "cramp_stop": (18.2, 120.0)}})  # stopped 2 min at the cramp
    cramps = [
        {"activity": list(runs)[-1], "distance_km": 18.2, "leg": "right", "muscle": "calf", "severity": 5,
         "notes": "race - had to stop, stretched it out"},
        {"time": "2024-10-13T11:05:00-04:00", "leg": "left", "muscle": "hamstring", "severity": 2, "notes": "jog home"},
    ]
    write_athlete(root / "tom_spike", {"name": "Tom R.", "timezone": tz, "sex": "male"},
                  runs, cramps, _weather(tz, first, 15.0, 4.0, 60, {}, 8))


def lena(root: Path) -> None:
    tz, first = "Europe/Berlin", dt.date(2024, 4, 8)
    plan = [(d, 18, 8.0, 350.0) for d in range(0, SEASON_DAYS, 3)]
    runs = _runs(tz, first, plan, 300, {"wrist_temperature_c": 25.0})
    names = list(runs)
    cramps = [
        {"time": "2024-04-11 18:40", "leg": "right", "muscle": "calf", "severity": 2, "notes": "first one in ages",
         "shoe": "Pegasus 40"},
        {"time": "2024-04-20 18:35", "leg": "Right", "muscle": "Calf", "severity": 3, "shoe": "Pegasus 40"},
        {"time": "2024-04-29 19:02", "leg": "rigth", "muscle": "calf", "severity": 2, "notes": "typed on the phone",
         "shoe": "Pegasus 40"},
        {"activity": names[7], "distance_km": 5.6, "leg": "right", "muscle": "calf", "severity": 3,
         "notes": "same spot again, outer calf", "shoe": "Pegasus 40"},
        {"time": "2024-05-08 18:50", "leg": "right", "muscle": "calf", "severity": 3, "shoe": "Novablast"},
        {"time": "2024-05-14 18:30", "leg": "right", "muscle": "calf", "severity": 2,
         "notes": "tingling in the foot after", "shoe": "Novablast"},
    ]
    write_athlete(root / "lena_right", {"name": "Lena K.", "timezone": tz, "sex": "female"},
                  runs, cramps, _weather(tz, first, 12.0, 5.0, 65, {}, 9))


def george(root: Path) -> None:
    tz, first = "Europe/London", dt.date(2024, 10, 7)
    plan = [(d, 10, 6.0, 420.0) for d in range(0, SEASON_DAYS, 3)]
    runs = _runs(tz, first, plan, 400, {"wrist_temperature_c": 24.0, "hr_start_bpm": 125.0})
    cramps = [
        {"time": "2024-10-15 03:20", "leg": "left", "muscle": "calf", "severity": 4, "notes": "woke me up"},
        {"time": "2024-10-24 02:45", "leg": "right", "muscle": "foot", "severity": 3, "notes": ""},
        {"time": "2024-11-02 23:40", "leg": "left", "muscle": "calf", "severity": 3, "notes": "just in bed"},
        {"time": "2024-11-09 04:10", "leg": "left", "muscle": "calf", "severity": 2, "notes": ""},
    ]
    write_athlete(root / "george_night", {"name": "George P.", "timezone": tz, "sex": "male",
                                          "medications": ["furosemide 40 mg", "atorvastatin"]},
                  runs, cramps, _weather(tz, first, 11.0, 3.0, 80, {}, 10))


def kai(root: Path) -> None:
    tz, first = "Asia/Tokyo", dt.date(2024, 4, 1)
    plan = [(d, 6, 10.0, 330.0) for d in range(0, SEASON_DAYS, 3)]
    runs = _runs(tz, first, plan, 500, {"wrist_temperature_c": 31.0})  # the wrist reads warm; the air is not
    cramps = [
        {"time": "2024-04-10 06:45", "leg": "left", "muscle": "calf", "severity": 2, "notes": "new shoes?"},
        {"time": "2024-04-25 06:30", "leg": "right", "muscle": "calf", "severity": 1, "notes": ""},
        {"time": "2024-05-04 06:50", "leg": "left", "muscle": "quadriceps", "severity": 2, "notes": "cold morning"},
    ]
    write_athlete(root / "kai_control", {"name": "Kai S.", "timezone": tz, "sex": "male"},
                  runs, cramps, _weather(tz, first, 9.0, 4.0, 70, {}, 11))


def main(out: Path = HERE) -> None:
    for make in (maria, tom, lena, george, kai):
        make(out)


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else HERE)
