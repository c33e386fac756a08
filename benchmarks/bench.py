"""Speed and memory, as ratios against baselines measured in the same process.

    python benchmarks/bench.py                      # full: 20 athletes × 250 one-hour runs
    python benchmarks/bench.py --athletes 4 --runs 30 --quick

1. Reader: records per second to a DataFrame for ``read_fit`` against fitparse's record loop
   (the baseline), fitdecode, fitfast and pyroparse, on a one-hour 1 Hz run and on the running
   files of the developers' FIT corpus (folder in $CRAMP_FIT_CORPUS, when present).
2. Club: a seeded synthetic club (N athletes × a season of 1 Hz runs with pauses and laps);
   ``analyzer report`` cold (empty cache) vs warm (same cache), and ``--jobs 1`` vs ``--jobs 2``.
3. Memory: peak resident memory of reading a 10-hour ultra (36,000 records), in a child process;
   and of a ``--jobs 2`` report of a quarter of the club against the whole club (main process
   and largest worker), to show memory stays flat as the team grows.

Nothing here is a test: it prints numbers for benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import shutil
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import analyzer  # noqa: E402
from analyzer.synthetic import synthetic_run, write_athlete  # noqa: E402

CORPUS = Path(os.environ.get("CRAMP_FIT_CORPUS") or HERE.parent.parent / "shared" / "fit-corpus")


def best_of(fn, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - t0)
    return best


# ------------------------------------------------------------------ parsers to a records DataFrame


def with_read_fit(path: Path) -> pd.DataFrame:
    return analyzer.read_fit(path).records


def with_fitparse(path: Path) -> pd.DataFrame:
    import fitparse

    return pd.DataFrame([m.get_values() for m in fitparse.FitFile(str(path)).get_messages("record")])


def with_fitdecode(path: Path) -> pd.DataFrame:
    import fitdecode

    rows = []
    with fitdecode.FitReader(str(path), check_crc=fitdecode.CrcCheck.DISABLED,
                             error_handling=fitdecode.ErrorHandling.IGNORE) as fit:
        for frame in fit:
            if frame.frame_type == fitdecode.FIT_FRAME_DATA and frame.name == "record":
                rows.append({f.name: f.value for f in frame.fields})
    return pd.DataFrame(rows)


def with_fitfast(path: Path) -> pd.DataFrame:
    import fitfast

    return pd.DataFrame(fitfast.records(str(path)))


def with_pyroparse(path: Path) -> pd.DataFrame:
    import pyroparse

    return pyroparse.read_fit(str(path)).to_pandas()


PARSERS = {
    "read_fit (this project)": with_read_fit,
    "fitparse record loop (baseline)": with_fitparse,
    "fitdecode": with_fitdecode,
    "fitfast": with_fitfast,
    "pyroparse": with_pyroparse,
}


def reader_table(files: list[Path], repeat: int) -> list[dict[str, object]]:
    """Seconds per parser summed over ``files``, records/s and ratio to fitparse.

    For each file the parsers take turns, ``repeat`` rounds, and each keeps its best time: a
    machine that slows down for a while (shared CPUs do) slows every parser alike, and no
    parser has all its tries inside one slow spell. fitparse, the slow baseline, takes part in
    a fifth of the rounds (one on the corpus).
    """
    n_records = sum(len(analyzer.read_fit(f).records) for f in files)
    usable: dict[str, str] = {}
    for name, fn in PARSERS.items():
        try:
            fn(files[0])
            usable[name] = ""
        except Exception as exc:  # not installed, or cannot read these files
            usable[name] = f"{type(exc).__name__}: {exc}"[:80]
    totals = dict.fromkeys(PARSERS, 0.0)
    failed = dict.fromkeys(PARSERS, 0)
    for f in files:
        best = dict.fromkeys(PARSERS, float("inf"))
        broken: set[str] = set()
        for round_ in range(repeat):  # round-robin: each parser's tries are spread over the same span
            for name, fn in PARSERS.items():
                if usable[name] or name in broken or ("fitparse" in name and round_ >= max(1, repeat // 5)):
                    continue
                try:
                    best[name] = min(best[name], best_of(lambda f=f, fn=fn: fn(f), 1))
                except Exception:
                    broken.add(name)
        for name in PARSERS:
            if name in broken:
                failed[name] += 1
            elif not usable[name]:
                totals[name] += best[name]
    rows = []
    for name in PARSERS:
        note = usable[name] or (f"{failed[name]} files failed" if failed[name] else "")
        rows.append({"parser": name, "seconds": float("nan") if usable[name] else totals[name], "note": note})
    base = next(r["seconds"] for r in rows if "baseline" in r["parser"])
    for r in rows:
        r["records_per_s"] = n_records / r["seconds"] if r["seconds"] == r["seconds"] else float("nan")
        r["x_fitparse"] = base / r["seconds"] if r["seconds"] == r["seconds"] else float("nan")
    return rows


def print_table(title: str, rows: list[dict[str, object]]) -> None:
    print(f"\n{title}")
    for r in rows:
        print(f"  {r['parser']:<34} {r['seconds'] * 1000:10.1f} ms  {r['records_per_s']:>12,.0f} rec/s  "
              f"{r['x_fitparse']:7.1f}× fitparse  {r['note']}")


# ------------------------------------------------------------------ the synthetic club


def make_club(root: Path, athletes: int, runs: int, seed: int = 7) -> int:
    """A seeded club: each athlete runs every ~1.4 days, 40–75 min at 5:00–6:30/km, some pauses."""
    rng = np.random.default_rng(seed)
    start = dt.datetime(2024, 1, 1, 6, tzinfo=dt.UTC)
    total = 0
    for a in range(athletes):
        files = {}
        day = 0.0
        for r in range(runs):
            day += rng.uniform(1.0, 1.8)
            pace = rng.uniform(300, 390)
            km = rng.uniform(40, 75) * 60 / pace
            t0 = start + dt.timedelta(days=day, minutes=float(rng.integers(0, 180)))
            pauses = [(600.0, 600.0 + float(rng.integers(20, 120)))] if rng.random() < 0.4 else []
            files[f"{t0:%Y-%m-%d-%H%M}.fit"] = synthetic_run(t0, km, pace, seed=a * 10_000 + r, pauses=pauses,
                                                             hr_drift_bpm=float(rng.uniform(0, 12)))
            total += 1
        cramps = [{"time": (start + dt.timedelta(days=float(d))).isoformat(), "leg": "left"}
                  for d in rng.uniform(10, runs * 1.4, 3)]
        write_athlete(root / f"athlete{a:02d}", {"timezone": "Europe/Madrid"}, files, cramps)
    return total


def timed_report(team: Path, out: Path, cache: Path | None, jobs: int) -> float:
    t0 = time.perf_counter()
    result = analyzer.run_report(team, out, jobs=jobs, cache_dir=cache, use_cache=cache is not None)
    assert result.exit_code in (0, 1), result.problems[:3]
    return time.perf_counter() - t0


# ------------------------------------------------------------------ memory


def peak_memory_mb(path: Path) -> dict[str, float]:
    """Peak resident memory (VmHWM) of a child process: after ``import analyzer``, then after reading."""
    code = (
        "import sys\n"
        "def hwm():\n"
        "    return int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0]) / 1024\n"
        "import analyzer\n"
        "before = hwm()\n"
        "act = analyzer.read_fit(sys.argv[1])\n"
        "print(before, hwm(), len(act.records))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True,
                         cwd=HERE.parent).stdout.split()
    return {"rss_after_import_mb": float(out[0]), "rss_peak_mb": float(out[1]), "records": float(out[2])}


def report_memory_mb(team: Path, out: Path, athletes: list[str] | None) -> dict[str, float]:
    """Peak resident memory of a ``--jobs 2`` report (no cache) run in a child process: the main
    process (VmHWM) and the largest worker (``RUSAGE_CHILDREN``)."""
    code = (
        "import resource, sys, json\n"
        "import analyzer\n"
        "names = json.loads(sys.argv[3])\n"
        "analyzer.run_report(sys.argv[1], sys.argv[2], jobs=2, use_cache=False, athletes=names)\n"
        "main = int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0]) / 1024\n"
        "print(main, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n"
    )
    out_ = subprocess.run([sys.executable, "-c", code, str(team), str(out), json.dumps(athletes)],
                          capture_output=True, text=True, check=True, cwd=HERE.parent).stdout.split()
    return {"main_mb": float(out_[0]), "worker_mb": float(out_[1])}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--athletes", type=int, default=20)
    parser.add_argument("--runs", type=int, default=250)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="skip the --jobs 1 club run")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"pandas {pd.__version__}, numpy {np.__version__}")
    work = Path(tempfile.mkdtemp(prefix="cramp-bench-"))
    try:
        hour = work / "one-hour.fit"
        hour.write_bytes(synthetic_run(dt.datetime(2024, 1, 1, 6, tzinfo=dt.UTC), 10.0, 360, pauses=[(1800, 1860)]))
        print_table("One-hour 1 Hz run (3,600 records):", reader_table([hour], 4 * args.repeat))
        if CORPUS.exists():
            manifest = pd.read_csv(CORPUS / "MANIFEST.tsv", sep="\t")
            runs = manifest[(manifest["sport"] == "running") & (manifest["parses_fitparse"] == "ok")
                            & (manifest["n_records"] > 300)]
            files = [CORPUS / f for f in runs["file"]]
            print_table(f"Corpus running files ({len(files)} files, fitparse-readable, > 300 records):",
                        reader_table(files, args.repeat))

        team = work / "club"
        t0 = time.perf_counter()
        n_runs = make_club(team, args.athletes, args.runs)
        size_mb = sum(p.stat().st_size for p in team.rglob("*") if p.is_file()) / 1e6
        print(f"\nClub: {args.athletes} athletes × {args.runs} runs = {n_runs} runs, {size_mb:.0f} MB "
              f"(generated in {time.perf_counter() - t0:.0f} s)")
        cache = work / "cache"
        cold = timed_report(team, work / "out-cold", cache, 2)
        warm = timed_report(team, work / "out-warm", cache, 2)
        print(f"  report --jobs 2, cold (empty cache): {cold:7.1f} s")
        print(f"  report --jobs 2, warm (cached):      {warm:7.1f} s   cold/warm = {cold / warm:.1f}×")
        if not args.quick:
            one = timed_report(team, work / "out-j1", None, 1)
            two = timed_report(team, work / "out-j2", None, 2)
            print(f"  report --no-cache --jobs 1:          {one:7.1f} s")
            print(f"  report --no-cache --jobs 2:          {two:7.1f} s   jobs1/jobs2 = {one / two:.2f}×")

        few = sorted(p.name for p in team.iterdir())[: max(1, args.athletes // 4)]
        small = report_memory_mb(team, work / "out-mem-few", few)
        full = report_memory_mb(team, work / "out-mem-all", None)
        print(f"  peak memory, report --jobs 2 of {len(few)} athletes: main process {small['main_mb']:.0f} MB, "
              f"largest worker {small['worker_mb']:.0f} MB")
        print(f"  peak memory, report --jobs 2 of {args.athletes} athletes: main process {full['main_mb']:.0f} MB, "
              f"largest worker {full['worker_mb']:.0f} MB")

        ultra = work / "ultra.fit"
        ultra.write_bytes(synthetic_run(dt.datetime(2024, 1, 1, 6, tzinfo=dt.UTC), 100.0, 360,
                                        pauses=[(3600.0 * k, 3600.0 * k + 300) for k in range(1, 10)]))
        mem = peak_memory_mb(ultra)
        print(f"\n10-hour ultra ({mem['records']:.0f} records, {ultra.stat().st_size / 1e6:.1f} MB): peak RSS "
              f"{mem['rss_peak_mb']:.0f} MB (after imports {mem['rss_after_import_mb']:.0f} MB, "
              f"reading adds {mem['rss_peak_mb'] - mem['rss_after_import_mb']:.0f} MB)")
        print(json.dumps({"cold_s": cold, "warm_s": warm, "peak_rss_mb": mem["rss_peak_mb"],
                          "report_main_mb": [small["main_mb"], full["main_mb"]]}))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
