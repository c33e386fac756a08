"""Fuzz every input an athlete folder can hold, through the whole path a report takes.

    python fuzz/fuzz_inputs.py [--seconds 600] [--seed 1] [--format cramps_csv ...]

For each format (``cramps_csv``, ``weather_csv``, ``weigh_ins_csv``, ``athlete_toml``,
``fit_gz``, ``gpx``, ``tcx``, ``export_zip``) a real seed file is mutated — bytes flipped, lines cut, duplicated and swapped,
cells replaced by odd values (huge, negative, NaN, far dates, formulas, dollar signs,
control characters), encodings changed — written into a small athlete folder, and the folder
is loaded, analysed and written as a report. Allowed outcome: a report (problems listed).
Anything else is a bug: the input is saved in ``tests/data/fuzz_regressions/<format>/``
(which ``tests/test_fuzz_inputs.py`` replays) and reported.
"""

from __future__ import annotations

import argparse
import datetime as dt
import gzip
import hashlib
import random
import sys
import tempfile
import time
import traceback
import warnings
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

from analyzer.testing.synthetic import synthetic_run, to_csv, to_toml  # noqa: E402

REGRESSIONS = HERE.parent / "tests" / "data" / "fuzz_regressions"
START = dt.datetime(2024, 6, 3, 6, tzinfo=dt.UTC)

# where each format goes in an athlete folder
TARGETS = {
    "cramps_csv": "cramps.csv",
    "weather_csv": "weather.csv",
    "weigh_ins_csv": "weigh_ins.csv",
    "athlete_toml": "athlete.toml",
    "fit_gz": "activities/fuzz.fit.gz",
    "gpx": "activities/fuzz.gpx",
    "tcx": "activities/fuzz.tcx",
    "export_zip": "export.zip",
}

ODD_VALUES = ["", " ", "-1", "0", "1e308", "-1e308", "inf", "nan", "NaN", "9" * 40, "1,5", "1.5.5", "=1+1", "@SUM(A1)",
              "$5 and $6", "\u202e", "\x00", "\x07", "é", "🏃", "2024-02-30 10:00", "1600-01-01 00:00",
              "2999-01-01 00:00", "2024-06-03T06:10:00+99:00", "2024-03-31 02:30", "left", "both", "calf",
              "5", "6", "3600", "3601", '"', "'", ";", "\t", "\n", "a" * 300, "../x.fit", "r0.fit", "r1.fit"]


def base_runs() -> dict[str, bytes]:
    return {f"r{i}.fit": synthetic_run(START + dt.timedelta(days=2 * i), 1.5, 330, seed=i) for i in range(2)}


def seeds() -> dict[str, list[bytes]]:
    cramps = to_csv([
        {"time": "2024-06-03 08:05", "leg": "left", "muscle": "calf", "severity": 3, "notes": "ouch"},
        {"activity": "r1.fit", "distance_km": 1.2, "leg": "right", "muscle": "hamstring", "severity": 5},
        {"time": "2024-06-04", "leg": "both"},
        {"time": "2024-06-05T23:30:00+02:00", "leg": "right", "duration_s": 40},
    ], ["time", "activity", "distance_km", "leg", "muscle", "severity", "duration_s", "notes"])
    weather = to_csv([{"time": (START + dt.timedelta(hours=h)).strftime("%Y-%m-%d %H:%M"), "temperature_c": 20 + h % 10,
                       "relative_humidity_pct": 40 + h % 50, "wind_mps": 2, "wbgt_c": ""} for h in range(-3, 80)],
                     ["time", "temperature_c", "relative_humidity_pct", "wind_mps", "wbgt_c"])
    weigh = to_csv([{"activity": "r0.fit", "mass_before_kg": 62.0, "mass_after_kg": 60.3, "fluid_ml": 500},
                    {"time": "2024-06-05 09:00", "mass_after_kg": 61.0, "urine_ml": 100}],
                   ["activity", "time", "mass_before_kg", "mass_after_kg", "fluid_ml", "urine_ml"])
    toml = to_toml({"name": "Fuzz", "timezone": "Europe/Madrid", "sex": "female", "body_mass_kg": 62.0,
                    "hr_max_bpm": 190, "hr_rest_bpm": 50, "medications": ["furosemide 40 mg"],
                    "thresholds": {"long_run_spike_ratio": 1.2, "night_hours_local": "23:00-06:00"}})
    from analyzer.io.fit import read_fit_bytes
    from analyzer.testing.synthetic import activity_to_gpx, activity_to_tcx

    run = read_fit_bytes(synthetic_run(START, 0.5, 330, start_position_deg=(40.4, -3.7)), "seed.fit")
    out = {"cramps_csv": [cramps.encode()], "weather_csv": [weather.encode()], "weigh_ins_csv": [weigh.encode()],
           "athlete_toml": [toml.encode()], "fit_gz": [gzip.compress(synthetic_run(START, 0.5, 330))],
           "gpx": [activity_to_gpx(run)], "tcx": [activity_to_tcx(run)], "export_zip": [_strava_zip(run)]}
    xml = HERE.parent / "tests" / "data" / "xml"
    out["gpx"] += [p.read_bytes() for p in sorted(xml.glob("*.gpx"))]
    out["tcx"] += [p.read_bytes() for p in sorted(xml.glob("*.tcx"))]
    sample = HERE.parent / "sample_data"
    for fmt, name in TARGETS.items():
        if fmt not in ("fit_gz", "gpx", "tcx", "export_zip"):
            out[fmt] += [p.read_bytes() for p in sorted(sample.glob(f"*/{name}")) if p.stat().st_size < 100_000]
    return out


def _strava_zip(run) -> bytes:
    """A small Strava-shaped export: activities.csv and three files (FIT, GPX, TCX)."""
    import io
    import zipfile

    from analyzer.testing.synthetic import activity_to_gpx, activity_to_tcx

    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("activities.csv", "Activity ID,Activity Name,Activity Type,Activity Description,Filename\n"
                                     "1,Easy,Run,,activities/1.fit.gz\n2,cramp at km 0.3,Run,left calf,activities/2.gpx\n"
                                     "3,Hills,Trail Run,,activities/3.tcx\n4,Ride,Ride,,activities/4.fit.gz\n")
        z.writestr("activities/1.fit.gz", gzip.compress(synthetic_run(START, 0.5, 330)))
        z.writestr("activities/2.gpx", activity_to_gpx(run))
        z.writestr("activities/3.tcx", activity_to_tcx(run))
    return buf.getvalue()


XML_SNIPPETS = [b'<!DOCTYPE x [<!ENTITY a "aaaa">]>', b"<trkpt lat='x' lon='1e999'>", b"<time>not a time</time>",
                b"<Time>2024-13-45T99:99:99Z</Time>", b"<ns3:hr>-5</ns3:hr>", b"<DistanceMeters>nan</DistanceMeters>",
                b"<![CDATA[cramp]]>", b"&amp;&lt;", b"<" * 50, b"</trkseg></trk><trk><trkseg>", b"\xff\xfe",
                b"<Lap StartTime='garbage'>", b"<trkpt lat='0' lon='0'><time>2024-06-03T06:00:00Z</time></trkpt>"]


def mutate_xml(data: bytes, rng: random.Random) -> bytes:
    """XML-shaped mutations (snippets dropped in, elements cut or repeated), else text mutations."""
    if rng.random() < 0.5:
        at = rng.randrange(len(data) + 1)
        return data[:at] + rng.choice(XML_SNIPPETS) + data[at:]
    if rng.random() < 0.3 and b"<trkpt" in data + b"<Trackpoint":
        i = max(data.find(b"<trkpt"), data.find(b"<Trackpoint"))
        j = data.find(b">", i + rng.randrange(1, 400))
        return data[:i] + data[i:j] * rng.randint(0, 3) + data[j:]
    return mutate_text(data, rng)


def mutate_zip(data: bytes, rng: random.Random) -> bytes:
    """Zip mutations: damaged bytes, cut files, renamed or oversized members."""
    import io
    import zipfile

    kind = rng.randrange(4)
    if kind == 0:
        return mutate_bytes(data, rng)
    if kind == 1:
        return data[: rng.randrange(len(data) + 1)]
    src = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for info in src.infolist():
            payload = src.read(info)
            name = info.filename
            if rng.random() < 0.3:
                name = rng.choice(["../" + name, "/abs/" + name, name.upper(), name + ".gz", "activities/../" + name])
            if rng.random() < 0.2:
                payload = mutate_text(payload, rng) if name.endswith((".csv", ".gpx", ".tcx")) else mutate_bytes(payload, rng)
            z.writestr(name, payload)
        if kind == 3:
            z.writestr("activities/9.fit", b"\x00" * rng.choice([10, 1 << 20, 70 << 20]))
    return out.getvalue()


def mutate_text(data: bytes, rng: random.Random) -> bytes:
    """Structural mutations of CSV and TOML text."""
    text = data.decode("utf-8", errors="replace")
    lines = text.split("\n")
    kind = rng.randrange(8)
    if kind == 0 and len(lines) > 1:  # swap, duplicate or drop lines (the header included)
        i, j = rng.randrange(len(lines)), rng.randrange(len(lines))
        lines[i], lines[j] = lines[j], lines[i]
        if rng.random() < 0.5:
            lines.insert(i, lines[j])
        if rng.random() < 0.3:
            del lines[rng.randrange(len(lines))]
    elif kind in (1, 2):  # replace cells by odd values
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(lines))
            cells = lines[i].split(rng.choice([",", "=", ";"]))
            cells[rng.randrange(len(cells))] = rng.choice(ODD_VALUES)
            lines[i] = ",".join(cells)
    elif kind == 3:  # cut anywhere
        return data[: rng.randrange(len(data) + 1)]
    elif kind == 4:  # another encoding or a BOM
        enc = rng.choice(["utf-16", "cp1252", "latin-1", "utf-8-sig"])
        return text.encode(enc, errors="replace")
    elif kind == 5:  # delimiter soup
        return text.replace(",", rng.choice([";", "\t", ",,", '","', "|"])).encode()
    elif kind == 6:  # many rows
        lines = lines[:1] + lines[1:] * rng.randint(2, 40)
    else:
        return mutate_bytes(data, rng)
    return "\n".join(lines).encode("utf-8", errors="replace")


def mutate_bytes(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 8)):
        if not b:
            break
        i = rng.randrange(len(b))
        if rng.random() < 0.5:
            b[i] ^= 1 << rng.randrange(8)
        else:
            b[i] = rng.randrange(256)
    return bytes(b)


def mutate_gz(data: bytes, rng: random.Random) -> bytes:
    kind = rng.randrange(4)
    if kind == 0:
        return mutate_bytes(data, rng)
    if kind == 1:
        return data[: rng.randrange(len(data) + 1)]
    if kind == 2:  # valid gzip of damaged FIT bytes
        return gzip.compress(mutate_bytes(gzip.decompress(data), rng))
    return data + data[: rng.randrange(len(data) + 1)]  # concatenated members, or junk after


MUTATORS: dict[str, Callable[[bytes, random.Random], bytes]] = {
    "cramps_csv": mutate_text, "weather_csv": mutate_text, "weigh_ins_csv": mutate_text,
    "athlete_toml": mutate_text, "fit_gz": mutate_gz, "gpx": mutate_xml, "tcx": mutate_xml,
    "export_zip": mutate_zip,
}


def run_one(fmt: str, data: bytes, runs: dict[str, bytes], work: Path) -> None:
    """Write an athlete folder holding ``data`` as ``fmt`` and report on it; raise on a bug."""
    import analyzer
    from analyzer.report.build import write_athlete_report
    from analyzer.testing.synthetic import write_athlete

    folder = work / "athlete"
    if folder.exists():
        import shutil

        shutil.rmtree(folder)
    write_athlete(folder, {"name": "Fuzz", "timezone": "Europe/Madrid"}, runs, None)
    target = folder / TARGETS[fmt]
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(data)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        athlete = analyzer.load_athlete(folder)
        reported = [p for p in athlete.problems if "please report" in p.message]
        if reported:  # a reader failure the batch contained: still a bug
            raise RuntimeError(reported[0].message)
        analysis = analyzer.analyze(athlete)
        write_athlete_report(analysis, work / "out", ("html",))


def save(fmt: str, data: bytes) -> str:
    ext = TARGETS[fmt].split("/")[-1].split(".", 1)[1]
    name = hashlib.sha256(data).hexdigest()[:16] + "." + ext
    folder = REGRESSIONS / fmt
    folder.mkdir(parents=True, exist_ok=True)
    (folder / name).write_bytes(data)
    return name


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--format", action="append", choices=sorted(TARGETS), help="only these formats")
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pool = seeds()
    formats = args.format or sorted(TARGETS)
    runs = base_runs()
    counts = {f: [0, 0] for f in formats}  # tried, crashes
    end = time.monotonic() + args.seconds
    with tempfile.TemporaryDirectory() as tmp:
        while time.monotonic() < end:
            fmt = rng.choice(formats)
            data = MUTATORS[fmt](rng.choice(pool[fmt]), rng)
            counts[fmt][0] += 1
            try:
                run_one(fmt, data, runs, Path(tmp))
            except Exception as exc:  # a bug: keep the input
                counts[fmt][1] += 1
                name = save(fmt, data)
                where = traceback.extract_tb(exc.__traceback__)[-1]
                print(f"CRASH {fmt} {type(exc).__name__}: {exc} ({Path(where.filename).name}:{where.lineno}) → saved {name}")
    for fmt, (tried, crashes) in counts.items():
        print(f"{fmt:14s} {tried:6d} inputs, {crashes} crashes")
    return 1 if any(c for _, c in counts.values()) else 0


if __name__ == "__main__":
    sys.exit(main())
