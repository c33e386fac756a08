"""A team folder built from issue 21's cases of time, place and cramps that do not fit."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from analyzer.testing.synthetic import synthetic_run, write_athlete

UTC = dt.UTC


def write_edge_team(root: Path, today: dt.date | None = None) -> Path:
    """Athletes: ``aiko`` (Tokyo, no athlete.toml), ``lena`` (Berlin, a race in New York), ``omar``
    (a cramp in a run file not in the folder, one 30 km into a 9 km run, one by date alone, one
    logged today) and ``eva`` (an Excel-saved log, day-first)."""
    today = today or dt.datetime.now(UTC).date()
    runs, cramps = {}, []
    for i, day in enumerate((18, 20, 22)):
        runs[f"run{i}.fit"] = synthetic_run(dt.datetime(2024, 6, day - 1, 21, 0, tzinfo=UTC), 10, 330,
                                            utc_offset_s=9 * 3600, seed=i)
        cramps.append({"time": f"2024-06-{day} 06:30", "leg": "left", "muscle": "calf", "severity": 3})
    aiko = write_athlete(root / "aiko", {}, runs, cramps)
    (aiko / "athlete.toml").unlink()

    write_athlete(root / "lena", {"name": "Lena", "timezone": "Europe/Berlin"}, {
        "home.fit": synthetic_run(dt.datetime(2024, 10, 20, 7, 0, tzinfo=UTC), 10, 330, utc_offset_s=7200),
        "nyc.fit": synthetic_run(dt.datetime(2024, 10, 31, 11, 30, tzinfo=UTC), 42.2, 330, utc_offset_s=-4 * 3600,
                                 start_position_deg=(40.6, -74.05)),
    }, [{"time": "2024-10-31 07:59", "leg": "right", "muscle": "calf", "severity": 4}])

    write_athlete(root / "omar", {"name": "Omar", "timezone": "Europe/Madrid"}, {
        "nine.fit": synthetic_run(dt.datetime(2024, 5, 4, 6, 0, tzinfo=UTC), 9, 340, utc_offset_s=7200),
        "ten.fit": synthetic_run(dt.datetime(2024, 5, 11, 6, 0, tzinfo=UTC), 10, 340, utc_offset_s=7200),
    }, [
        {"activity": "lost.fit", "distance_km": 4.2, "leg": "left"},
        {"activity": "nine.fit", "distance_km": 30, "leg": "right", "severity": 2},
        {"time": "2024-05-08", "leg": "left", "notes": "woke up with it"},
        {"time": f"{today.isoformat()} 07:00", "leg": "both", "severity": 5},
        {"activity": "ten.fit", "distance_km": 6.5, "leg": "left", "muscle": "hamstring"},
    ])

    write_athlete(root / "eva", {"name": "Eva", "timezone": "Europe/Madrid"}, {
        "sun.fit": synthetic_run(dt.datetime(2024, 10, 13, 7, 0, tzinfo=UTC), 12, 320, utc_offset_s=7200),
        "thu.fit": synthetic_run(dt.datetime(2024, 10, 3, 6, 0, tzinfo=UTC), 8, 320, utc_offset_s=7200),
    }, "time,leg,muscle,severity\n03/10/2024 08:30,left,calf,2\n13/10/2024 9:38,left,calf,3\n"
       "2024-06-03 06:10 PM,right,calf,1\n")
    return root
