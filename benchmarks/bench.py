"""Speed and memory, as ratios against baselines measured in the same process.

    python benchmarks/bench.py                      # full: 20 athletes × 150 runs, a 200-athlete federation
    python benchmarks/bench.py --athletes 4 --runs 30 --quick --federation-athletes 0

1. Reader: records per second to a DataFrame for ``read_fit`` against fitparse's record loop
   (the baseline), fitdecode, fitfast and pyroparse, on a one-hour 1 Hz run and on the files of
   the developers' FIT corpus (folder in $CRAMP_FIT_CORPUS, when present) by size class.
2. The sample team: ``analyzer report sample_data`` in a fresh process with an empty cache, the
   way a new user runs it (wall clock, interpreter start included).
3. Club: a seeded realistic club (N athletes × a season of 1 Hz runs with pauses, hourly
   weather, weigh-ins for a third of the runs, cramps during ~5 % of them and some at rest).
   Where one core's time goes, stage by stage, with the former per-run table and figures timed
   in the same process for the before/after ratios; then the report's wall clock cold, warm,
   after one new run, ``--jobs 1`` vs ``--jobs 2``.
4. Memory: peak resident memory of reading a 10-hour ultra (36,000 records), in a child process;
   and of a ``--jobs 2`` report of a quarter of the club against the whole club (main process
   and largest worker), to show memory stays flat as the team grows.
5. Federation: many small athletes on a Dask LocalCluster, 1 worker vs 2.

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

from cold_and_memory import sample_team_cold  # noqa: E402

import analyzer  # noqa: E402
from analyzer.testing.synthetic import synthetic_run, write_athlete  # noqa: E402

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
    """Seconds per parser summed over the files it reads, records/s, ratio to fitparse, and
    this project's time on the same files.

    For each file the parsers take turns, ``repeat`` rounds, and each keeps its best time: a
    machine that slows down for a while (shared CPUs do) slows every parser alike, and no
    parser has all its tries inside one slow spell; each round starts with the next parser, so
    none always runs right after the same one. fitparse, the slow baseline, takes part in
    a fifth of the rounds (one on the corpus). A parser that raises on a file is left out of
    that file; its row then sums only the files it read, and ``ours_same_files`` is
    ``read_fit`` timed on exactly those files, so the two compare like for like.
    """
    records = {f: len(analyzer.read_fit(f).records) for f in files}
    usable = dict.fromkeys(PARSERS, "")  # "" or why the parser is not there at all
    for name, fn in PARSERS.items():
        try:
            fn(files[0])
        except ModuleNotFoundError as exc:  # not installed
            usable[name] = f"{type(exc).__name__}: {exc}"[:80]
        except Exception:  # cannot read this file: the others may still be read
            pass
    per_file: dict[str, dict[Path, float]] = {name: {} for name in PARSERS}
    for f in files:
        best = dict.fromkeys(PARSERS, float("inf"))
        broken: set[str] = set()
        names = list(PARSERS)
        for round_ in range(repeat):  # round-robin: each parser's tries are spread over the same span
            # and each round starts with another parser: right after the compiled peers, read_fit (new or
            # former alike) was measured ~0.2-0.4 ms a file slower on small files than after itself
            turn = round_ % len(names)
            for name in names[turn:] + names[:turn]:
                fn = PARSERS[name]
                if usable[name] or name in broken or ("fitparse" in name and round_ >= max(1, repeat // 5)):
                    continue
                try:
                    best[name] = min(best[name], best_of(lambda f=f, fn=fn: fn(f), 1))
                except Exception:
                    broken.add(name)
        for name in PARSERS:
            if not usable[name] and name not in broken:
                per_file[name][f] = best[name]
    ours = per_file["read_fit (this project)"]
    base = per_file["fitparse record loop (baseline)"]
    rows = []
    for name in PARSERS:
        read = per_file[name]
        seconds = sum(read.values()) if read else float("nan")
        failed = len(files) - len(read)
        note = usable[name] or (f"raised on {failed} of {len(files)} files" if failed else "")
        same = sum(ours[f] for f in read if f in ours) if read else float("nan")
        base_same = sum(base[f] for f in read if f in base) if read else float("nan")
        rows.append({
            "parser": name, "seconds": seconds, "note": note, "files": len(read),
            "records_per_s": sum(records[f] for f in read) / seconds if read else float("nan"),
            "x_fitparse": base_same / seconds if read else float("nan"),
            "ours_same_files": same,
        })
    return rows


def reader_floor(files: list[Path], repeat: int) -> None:
    """Where the time of ``read_fit(path).records`` goes on these files, against fitfast's, to show what
    a pure-Python reader can reach: as shipped; with every table but the records left undecoded (not
    a product path: the activity then has no sessions, events, device or laps); and the header walk
    alone (every reader must find the messages). Each in turns with fitfast on each file, best of
    ``repeat``; printed as fitfast's time over ours (≥ 1.0 meets issue 25's target)."""
    from analyzer.io import fit, fit_decode

    def walk(path: Path) -> None:
        data = path.read_bytes()
        fit_decode._walk(data, data[0], len(data) - 2, path.name, [])

    def records_only(path: Path) -> pd.DataFrame:
        kept = fit_decode.DECODED_MESSAGES
        fit_decode.DECODED_MESSAGES = frozenset({20})
        try:
            return fit.read_fit(path).records
        finally:
            fit_decode.DECODED_MESSAGES = kept

    import fitfast

    ways = {"read_fit, as shipped": with_read_fit, "read_fit, records alone decoded": records_only,
            "the header walk alone": walk, "fitfast": lambda p: pd.DataFrame(fitfast.records(str(p)))}
    best = {name: 0.0 for name in ways}
    compared = 0
    for f in files:
        try:
            fitfast.records(str(f))
        except Exception:  # fitfast cannot read it: compare on the files it reads
            continue
        compared += 1
        for name, fn in ways.items():
            best[name] += min(best_of(lambda f=f, fn=fn: fn(f), 1) for _ in range(repeat))
    print(f"\nWhat a pure-Python reader can reach on these files (the {compared} of {len(files)} fitfast reads):")
    for name, seconds in best.items():
        print(f"  {name:<34} {seconds * 1e3:8.1f} ms   fitfast / this = {best['fitfast'] / seconds:4.2f}")


def print_table(title: str, rows: list[dict[str, object]]) -> None:
    print(f"\n{title}")
    print(f"  {'parser':<32} {'time':>10} {'records/s':>11} {'× fitparse':>10}   read_fit on the same files")
    for r in rows:
        same = "" if "this project" in r["parser"] or r["seconds"] != r["seconds"] else \
            f"{r['ours_same_files'] * 1000:7.1f} ms, it takes {r['seconds'] / r['ours_same_files']:.2f}× ours"
        print(f"  {r['parser']:<32} {r['seconds'] * 1000:7.1f} ms {r['records_per_s']:>11,.0f} {r['x_fitparse']:9.1f}×   "
              f"{same}{'; ' if same and r['note'] else ''}{r['note']}")


# ------------------------------------------------------------------ the synthetic club

SEASON_START = dt.datetime(2024, 3, 4, 6, tzinfo=dt.UTC)  # a Monday
ZONES = ["Europe/Madrid", "Europe/Berlin", "America/New_York", "Europe/London", "Australia/Sydney"]


def _weather_rows(days: int, rng: np.random.Generator) -> list[dict[str, object]]:
    """Hourly air over the season: spring into a hot summer, a daily swing, humid mornings."""
    rows = []
    for h in range(0, days * 24):
        t = SEASON_START + dt.timedelta(hours=h)
        season = np.sin(np.pi * min(h / 24 / max(days, 1), 1.0))  # 0 in March, 1 mid-season, back down
        daily = np.sin(2 * np.pi * ((t.hour - 9) / 24))
        temp = 9 + 17 * season + 6 * daily + rng.normal(0, 1.2)
        rows.append({"time": t.isoformat(), "temperature_c": round(float(temp), 1),
                     "relative_humidity_pct": round(float(np.clip(65 - 20 * daily + rng.normal(0, 6), 15, 100)), 0)})
    return rows


def make_club(root: Path, athletes: int, runs: int, seed: int = 7, realistic: bool = True) -> dict[str, int]:
    """A seeded club, each athlete a season of 1 Hz runs (40–80 min, 5:00–6:30/km, pauses, a long run a week).

    ``realistic`` adds what a coach's week has: hourly weather.csv for the season, weigh-ins
    before and after a third of the runs, a cramp during about 5 % of the runs (more on long and
    hot ones) and two or three at rest, and heart-rate profiles. Without it: three cramps, at rest.
    """
    rng = np.random.default_rng(seed)
    counts = {"runs": 0, "cramps_during": 0, "cramps_rest": 0, "weigh_ins": 0}
    for a in range(athletes):
        files, weigh, cramps = {}, [], []
        day = 0.0
        for r in range(runs):
            day += rng.uniform(1.0, 2.0)
            pace = rng.uniform(300, 390)
            minutes = rng.uniform(40, 75) * (1.7 if r % 5 == 4 else 1.0)
            km = minutes * 60 / pace
            t0 = SEASON_START + dt.timedelta(days=day, minutes=float(rng.integers(0, 180)))
            pauses = [(600.0, 600.0 + float(rng.integers(20, 120)))] if rng.random() < 0.4 else []
            name = f"{t0:%Y-%m-%d-%H%M}.fit"
            files[name] = synthetic_run(t0, km, pace, seed=a * 10_000 + r, pauses=pauses,
                                        hr_drift_bpm=float(rng.uniform(0, 12)))
            counts["runs"] += 1
            if not realistic:
                continue
            if rng.random() < 1 / 3:
                before = 58 + a % 7 * 3 + rng.normal(0, 0.4)
                weigh.append({"activity": name, "mass_before_kg": round(before, 1),
                              "mass_after_kg": round(before * (1 - rng.uniform(0.005, 0.032)), 1),
                              "fluid_ml": int(rng.choice([0, 0, 250, 500]))})
                counts["weigh_ins"] += 1
            if rng.random() < (0.12 if r % 5 == 4 else 0.035):
                cramps.append({"activity": name, "distance_km": round(km * rng.uniform(0.6, 0.97), 2),
                               "leg": str(rng.choice(["left", "right", "both"])), "muscle": "calf",
                               "severity": int(rng.integers(1, 6))})
                counts["cramps_during"] += 1
        if realistic:
            for d in rng.uniform(min(10.0, day / 2), day, int(rng.integers(2, 4))):
                cramps.append({"time": (SEASON_START + dt.timedelta(days=float(d), hours=21)).isoformat(),
                               "leg": str(rng.choice(["left", "right"]))})
                counts["cramps_rest"] += 1
            profile = {"timezone": ZONES[a % len(ZONES)], "sex": ["female", "male"][a % 2], "hr_rest_bpm": 48 + a % 9,
                       "hr_max_bpm": 182 + a % 13, "body_mass_kg": 58 + a % 7 * 3}
            write_athlete(root / f"athlete{a:02d}", profile, files, cramps, _weather_rows(int(day) + 2, rng), weigh)
        else:
            cramps = [{"time": (SEASON_START + dt.timedelta(days=float(d))).isoformat(), "leg": "left"}
                      for d in rng.uniform(10, day, 3)]
            write_athlete(root / f"athlete{a:02d}", {"timezone": "Europe/Madrid"}, files, cramps)
    return counts


def timed_report(team: Path, out: Path, cache: Path | None, jobs: int, **kw) -> tuple[float, object]:
    t0 = time.perf_counter()
    result = analyzer.run_report(team, out, jobs=jobs, cache_dir=cache, use_cache=cache is not None,
                                 weather="off", **kw)
    assert result.exit_code in (0, 1), result.problems[:3]
    return time.perf_counter() - t0, result


# ------------------------------------------------------------------ where an athlete's time goes


def stage_breakdown(team: Path, work: Path, baseline_athletes: int) -> None:
    """Each stage of the report timed in this process for every athlete (one core), and the former
    code for the same stages (the per-run table before it ran on arrays; matplotlib figures where
    the page now carries chart specs) on the first ``baseline_athletes``."""
    sys.path.insert(0, str(HERE.parent))
    from analyzer.flags.thresholds import resolve_thresholds
    from analyzer.metrics.runs import run_table
    from analyzer.report import build
    from analyzer.report.assets import vega_bundle
    from tests.metrics import _before_speedup as before

    bundle = vega_bundle()
    names = sorted(p.name for p in team.iterdir())
    stages = dict.fromkeys(["read", "cramps + per-run table", "flags + season", "charts (specs)",
                            "page + files", "team files"], 0.0)
    base = {"per-run table, former code": 0.0, "per-run table, now": 0.0, "figures, former (matplotlib PNG)": 0.0,
            "charts, now (Vega-Lite specs)": 0.0}
    n_runs = n_figs = 0
    reports = []
    out = work / "stages-out"
    for k, name in enumerate(names):
        t0 = time.perf_counter()
        ath = analyzer.load_athlete(team / name, weather="off")
        t1 = time.perf_counter()
        thresholds, _ = resolve_thresholds(ath.profile.get("thresholds"), None)
        cramps = analyzer.match_cramps(ath)
        run_table(ath, cramps, thresholds, [])
        t2 = time.perf_counter()
        analysis = analyzer.analyze(ath)
        t3 = time.perf_counter()
        run_specs, season_specs = build._live_charts(analysis)
        t4 = time.perf_counter()
        reports.append(build.write_athlete_report(analysis, out / name, ("html",), bundle=bundle))
        t5 = time.perf_counter()
        stages["read"] += t1 - t0
        stages["cramps + per-run table"] += t2 - t1
        stages["flags + season"] += max((t3 - t2) - (t2 - t1), 0.0)  # analyze() = the table again + flags
        stages["charts (specs)"] += t4 - t3
        stages["page + files"] += max((t5 - t4) - (t4 - t3), 0.0)  # the page builds its charts itself
        n_runs += len(analysis.runs)
        n_figs += len(run_specs) + len(season_specs)
        if k < baseline_athletes:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import analyzer.weather.air as air_module

                original = air_module.interpolate_weather
                air_module.interpolate_weather = before.interpolate_weather
                try:
                    u0 = time.perf_counter()
                    before.run_table(ath, cramps, thresholds, [])
                    u1 = time.perf_counter()
                finally:
                    air_module.interpolate_weather = original
                run_table(ath, cramps, thresholds, [])
                u2 = time.perf_counter()
                build._static_figures(analysis, build._png)
                u3 = time.perf_counter()
                build._live_charts(analysis)
                u4 = time.perf_counter()
            base["per-run table, former code"] += u1 - u0
            base["per-run table, now"] += u2 - u1
            base["figures, former (matplotlib PNG)"] += u3 - u2
            base["charts, now (Vega-Lite specs)"] += u4 - u3
    t0 = time.perf_counter()
    build.write_team_files(out, reports, [], None, None, [])
    stages["team files"] = time.perf_counter() - t0
    total = sum(stages.values())
    print(f"\nWhere the time goes, one core, {len(names)} athletes, {n_runs} runs, {n_figs} charts:")
    for stage, seconds in stages.items():
        print(f"  {stage:<28} {seconds:7.2f} s  {seconds / total * 100:5.1f} %")
    print(f"  {'total':<28} {total:7.2f} s   per-run table {stages['cramps + per-run table'] / n_runs * 1000:.1f} ms a run")
    print(f"\nBefore and after, the same {baseline_athletes} athletes in this process:")
    for key, seconds in base.items():
        print(f"  {key:<36} {seconds:7.2f} s")
    print(f"  per-run table: former / now = {base['per-run table, former code'] / base['per-run table, now']:.1f}×;"
          f" figures: former / now = {base['figures, former (matplotlib PNG)'] / base['charts, now (Vega-Lite specs)']:.1f}×")


# ------------------------------------------------------------------ a federation on Dask


def federation(work: Path, athletes: int, runs: int) -> None:
    """A federation on a Dask LocalCluster: the same report with 1 and with 2 workers."""
    try:
        from dask.distributed import LocalCluster
    except ImportError:
        print("\nFederation: dask[distributed] is not installed (pip install -e '.[dask]')")
        return
    team = work / "federation"
    make_club(team, athletes, runs, seed=11, realistic=True)
    times = {}
    for workers in (1, 2):
        with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
            t0 = time.perf_counter()
            result = analyzer.run_report(team, work / f"fed-out-{workers}", use_cache=False, weather="off",
                                         scheduler=cluster.scheduler_address)
            times[workers] = time.perf_counter() - t0
            assert result.athletes == athletes
    print(f"\nFederation: {athletes} athletes × {runs} runs on a Dask LocalCluster (no cache):")
    print(f"  1 worker:  {times[1]:7.1f} s")
    print(f"  2 workers: {times[2]:7.1f} s   1 / 2 workers = {times[1] / times[2]:.2f}×")


# ------------------------------------------------------------------ memory


def peak_memory_mb(path: Path) -> dict[str, float]:
    """Peak resident memory (VmHWM) of a child process: after ``import analyzer``, then after reading."""
    code = (
        "import sys\n"
        "def hwm():\n"
        "    return int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0]) / 1024\n"
        "import analyzer, analyzer.io.fit\n"  # the names load lazily: import the reader's modules first
        "before = hwm()\n"
        "act = analyzer.read_fit(sys.argv[1])\n"
        "print(before, hwm(), len(act.records))\n"
    )
    out = subprocess.run([sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True,
                         cwd=HERE.parent).stdout.split()
    return {"rss_after_import_mb": float(out[0]), "rss_peak_mb": float(out[1]), "records": float(out[2])}


def report_memory_mb(team: Path, out: Path, athletes: list[str] | None, cache: Path | None = None,
                     package: str = "analyzer", path: Path | None = None) -> dict[str, float]:
    """Peak resident memory of a ``--jobs 2`` report run in a child process: the main process (VmHWM)
    and the largest worker (``RUSAGE_CHILDREN``). Without ``cache``, ``--no-cache``; with it, the
    report uses that cache as a user's re-run does (parsed files, kept rows and charts, finished
    reports; issue 25's memory target is measured this way, after one new run). ``package`` and
    ``path``: another analyzer to run (:func:`former_package`)."""
    code = (
        "import resource, sys, json, importlib\n"
        f"sys.path.insert(0, {str(path or HERE.parent)!r})\n"
        f"analyzer = importlib.import_module({package!r})\n"
        "names, cache = json.loads(sys.argv[3]), json.loads(sys.argv[4])\n"
        "analyzer.run_report(sys.argv[1], sys.argv[2], jobs=2, use_cache=cache is not None, cache_dir=cache,\n"
        "                    athletes=names, weather='off')\n"
        "main = int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0]) / 1024\n"
        "print(main, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024)\n"
    )
    out_ = subprocess.run([sys.executable, "-c", code, str(team), str(out), json.dumps(athletes),
                           json.dumps(str(cache) if cache is not None else None)],
                          capture_output=True, text=True, check=True, cwd=HERE.parent).stdout.split()
    return {"main_mb": float(out_[0]), "worker_mb": float(out_[1])}


def add_new_run(team: Path, seed: int) -> Path:
    """One new run file (12 km, two days after the newest) in the first athlete's folder."""
    first = sorted(team.iterdir())[0] / "activities"
    newest = max(first.iterdir(), key=lambda p: p.name)
    t_new = dt.datetime.strptime(newest.name[:15], "%Y-%m-%d-%H%M").replace(tzinfo=dt.UTC) + dt.timedelta(days=2)
    path = first / f"{t_new:%Y-%m-%d-%H%M}.fit"
    path.write_bytes(synthetic_run(t_new, 12.0, 330, seed=seed))
    return path


def former_package(commit: str, work: Path):
    """The analyzer as it was at ``commit`` (``git archive``), importable beside this one as
    ``analyzer_former`` (its imports renamed), so former and new take turns in one process."""
    import importlib
    import re
    import tarfile

    root = work / "former-code"
    if not (root / "analyzer_former").exists():
        data = subprocess.run(["git", "archive", commit, "analyzer"], capture_output=True, check=True,
                              cwd=HERE.parent).stdout
        with tarfile.open(fileobj=__import__("io").BytesIO(data)) as tar:
            tar.extractall(root, filter="data")
        (root / "analyzer").rename(root / "analyzer_former")
        for path in (root / "analyzer_former").rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            text = re.sub(r"\banalyzer\.", "analyzer_former.", text)
            text = re.sub(r"^(\s*)(from|import) analyzer\b", r"\1\2 analyzer_former", text, flags=re.M)
            path.write_text(text.replace('"analyzer"', '"analyzer_former"'), encoding="utf-8")
    sys.path.insert(0, str(root))
    return importlib.import_module("analyzer_former")


def one_new_run_against(former, team: Path, work: Path, rounds: int, jobs: int) -> dict[str, list[float]]:
    """One athlete's new run re-reported by the former code (:func:`former_package`) and now, taking turns
    in this process, each with its own cache and report folder (both warmed first: a cold report, then
    one more); each round adds a new run file both see. CPU time of this process with ``jobs=1``, else
    the wall clock."""
    sides = {"former": former, "now": analyzer}

    def report(mod, label: str) -> float:
        c0, t0 = time.process_time(), time.perf_counter()
        result = mod.run_report(team, work / f"out-turns-{label}", jobs=jobs, cache_dir=work / f"cache-turns-{label}",
                                weather="off")
        assert result.exit_code in (0, 1), result.problems[:3]
        return time.process_time() - c0 if jobs == 1 else time.perf_counter() - t0

    for label, mod in sides.items():
        report(mod, label)
        report(mod, label)
    out: dict[str, list[float]] = {"former": [], "now": []}
    for k in range(rounds):
        add_new_run(team, seed=900 + k + 100 * jobs)
        for label, mod in list(sides.items())[:: 1 if k % 2 == 0 else -1]:
            out[label].append(report(mod, label))
    return out


def one_new_run(team: Path, work: Path, cache: Path, rounds: int, jobs: int = 2, offset_days: int = 0,
                cpu: bool = False) -> dict[str, list[float]]:
    """One athlete's new run re-reported (the other athletes from the report cache), the former
    way (every run's row computed, weather.csv parsed again) and now, taking turns; each round
    adds a new run file of its own. Wall clock, or with ``cpu`` (and ``jobs=1``) this process's
    CPU time, which a machine busy with other work disturbs less."""
    import analyzer.batch
    import analyzer.io.athlete
    from analyzer.io.logs import read_weather

    class NoRows:  # the former batch: no kept rows
        hits = misses = 0  # what the batch's log line reads

        def __init__(self, *args: object) -> None:
            pass

        def get(self, key: str, default=None):
            return default

        def __setitem__(self, key: str, row: dict) -> None:
            pass

    kept_rows, cached_weather = analyzer.batch.RunRowCache, analyzer.io.athlete._read_weather_cached
    first = sorted(team.iterdir())[0]
    newest = max((first / "activities").iterdir(), key=lambda p: p.name)
    t_last = dt.datetime.strptime(newest.name[:15], "%Y-%m-%d-%H%M").replace(tzinfo=dt.UTC)
    out: dict[str, list[float]] = {"former": [], "now": []}
    try:
        for k in range(rounds):
            for j, label in enumerate(("former", "now")):
                analyzer.batch.RunRowCache = NoRows if label == "former" else kept_rows
                analyzer.io.athlete._read_weather_cached = (
                    (lambda path, tz, athlete_id, cache: read_weather(path, tz, athlete_id)) if label == "former"
                    else cached_weather)
                t_new = t_last + dt.timedelta(days=2 + 2 * k + offset_days, hours=3 * j)
                (first / "activities" / f"{t_new:%Y-%m-%d-%H%M}.fit").write_bytes(
                    synthetic_run(t_new, 12.0, 330, seed=5 + 2 * k + j + offset_days))
                c0 = time.process_time()
                wall = timed_report(team, work / "out-warm", cache, jobs)[0]
                out[label].append(time.process_time() - c0 if cpu else wall)
    finally:
        analyzer.batch.RunRowCache, analyzer.io.athlete._read_weather_cached = kept_rows, cached_weather
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--athletes", type=int, default=20)
    parser.add_argument("--runs", type=int, default=150, help="runs per athlete (150: a season of ~7 months)")
    parser.add_argument("--baseline-athletes", type=int, default=3,
                        help="athletes also timed with the former code, for the before/after ratios")
    parser.add_argument("--federation-athletes", type=int, default=200, help="0 skips the Dask federation")
    parser.add_argument("--federation-runs", type=int, default=12)
    parser.add_argument("--skip-reader", action="store_true", help="skip the FIT reader comparison")
    parser.add_argument("--reader-only", action="store_true", help="only the FIT reader comparison")
    parser.add_argument("--reader-floor", action="store_true", help="also show, on files under 1,000 records, "
                        "what a pure-Python reader can reach (records alone decoded, the header walk alone)")
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="skip the --jobs 1 club run")
    parser.add_argument("--former-code", type=Path, help="a folder with former code (git archive main | tar -x -C "
                        "DIR): the sample team cold is also timed with it, taking turns (cold_and_memory.py)")
    parser.add_argument("--former", metavar="COMMIT", help="also time one new run against the analyzer at this "
                        "git commit (e.g. main), taking turns in this process")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    print(f"machine: {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
          f"pandas {pd.__version__}, numpy {np.__version__}")
    work = Path(tempfile.mkdtemp(prefix="cramp-bench-"))
    try:
        hour = work / "one-hour.fit"
        hour.write_bytes(synthetic_run(dt.datetime(2024, 1, 1, 6, tzinfo=dt.UTC), 10.0, 360, pauses=[(1800, 1860)]))
        if not args.skip_reader:
            print_table("One-hour 1 Hz run (3,600 records):", reader_table([hour], 4 * args.repeat))
        if CORPUS.exists() and not args.skip_reader:
            manifest = pd.read_csv(CORPUS / "MANIFEST.tsv", sep="\t")
            readable = manifest[(manifest["parses_fitparse"] == "ok") & (manifest["n_records"] > 0)]
            for label, lo, hi in (("fewer than 1,000 records", 0, 1000), ("1,000 to 10,000 records", 1000, 10_000),
                                  ("more than 10,000 records", 10_000, 10**9)):
                group = readable[(readable["n_records"] >= lo) & (readable["n_records"] < hi)]
                files = [CORPUS / f for f in group["file"]]
                if files:
                    print_table(f"Corpus files with {label} ({len(files)} files, fitparse-readable, any sport):",
                                reader_table(files, args.repeat))
                if files and hi == 1000 and args.reader_floor:
                    reader_floor(files, 3 * args.repeat)
        if args.reader_only:
            return

        with tempfile.TemporaryDirectory() as fresh:
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "analyzer", "report", "sample_data", "--out", f"{fresh}/out", "-q",
                            "--cache-dir", f"{fresh}/cache", "--weather", "off"], capture_output=True, cwd=HERE.parent)
            sample_cold = time.perf_counter() - t0
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "analyzer", "report", "sample_data", "--out", f"{fresh}/out2", "-q",
                            "--cache-dir", f"{fresh}/cache", "--weather", "off"], capture_output=True, cwd=HERE.parent)
            sample_warm = time.perf_counter() - t0
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-m", "analyzer", "report", "sample_data", "--out", f"{fresh}/out3", "-q",
                            "--cache-dir", f"{fresh}/cache2", "--weather", "off", "--format", "html,pdf"],
                           capture_output=True, cwd=HERE.parent)
            sample_pdf = time.perf_counter() - t0
            sizes = sorted(p.stat().st_size for p in Path(f"{fresh}/out").glob("*/report.html"))
        print("\nThe sample team (6 athletes, 72 runs), analyzer report in a fresh process, wall clock:")
        print(f"  cold (empty cache), HTML:            {sample_cold:7.1f} s")
        print(f"  warm (nothing changed):              {sample_warm:7.1f} s")
        print(f"  cold, HTML and PDF:                  {sample_pdf:7.1f} s")
        print(f"  athlete pages: {sizes[0] / 1e6:.2f}–{sizes[-1] / 1e6:.2f} MB (chart script included once per page)")
        versions = {"former": args.former_code.resolve(), "now": HERE.parent} if args.former_code else {"now": HERE.parent}
        cold = sample_team_cold(versions, args.repeat)
        print(f"  cold, {' / '.join(versions)} (fresh processes taking turns, best of {args.repeat}):")
        for label in versions:
            print(f"    {label:<7} wall {min(cold[f'{label} wall']):5.2f} s (all: "
                  f"{', '.join(f'{x:.2f}' for x in cold[f'{label} wall'])}), CPU {min(cold[f'{label} cpu']):5.2f} s")
        if args.former_code:
            print(f"    former / now, wall: {min(cold['former wall']) / min(cold['now wall']):.2f}×; "
                  f"CPU: {min(cold['former cpu']) / min(cold['now cpu']):.2f}×")

        team = work / "club"
        t0 = time.perf_counter()
        counts = make_club(team, args.athletes, args.runs)
        size_mb = sum(p.stat().st_size for p in team.rglob("*") if p.is_file()) / 1e6
        print(f"\nClub: {args.athletes} athletes × {args.runs} runs = {counts['runs']} runs, {size_mb:.0f} MB; "
              f"weather.csv hourly, {counts['weigh_ins']} weigh-ins, {counts['cramps_during']} cramps during runs "
              f"({counts['cramps_during'] / counts['runs'] * 100:.1f} % of runs), {counts['cramps_rest']} at rest "
              f"(generated in {time.perf_counter() - t0:.0f} s)")
        stage_breakdown(team, work, args.baseline_athletes)
        cache = work / "cache"
        cold, _ = timed_report(team, work / "out-cold", cache, 2)
        warm, _ = timed_report(team, work / "out-warm", cache, 2)
        print(f"\nThe club's report, wall clock ({os.cpu_count()} cores):")
        print(f"  report --jobs 2, cold (empty cache): {cold:7.1f} s")
        print(f"  report --jobs 2, warm (nothing new): {warm:7.1f} s   cold/warm = {cold / warm:.0f}×")
        first = sorted(team.iterdir())[0]
        newest = max((first / "activities").iterdir(), key=lambda p: p.name)
        t_new = dt.datetime.strptime(newest.name[:15], "%Y-%m-%d-%H%M").replace(tzinfo=dt.UTC) + dt.timedelta(days=2)
        (first / "activities" / f"{t_new:%Y-%m-%d-%H%M}.fit").write_bytes(synthetic_run(t_new, 12.0, 330, seed=5))
        one_new, _ = timed_report(team, work / "out-warm", cache, 2)
        print(f"  one athlete's new run, re-report:    {one_new:7.1f} s   (that athlete analysed again, "
              f"{args.athletes - 1} from the cache)")
        turns = one_new_run(team, work, cache, args.repeat)
        print(f"  one new run, former (every row computed, weather.csv parsed) / now, taking turns, best of {args.repeat}:")
        for label, times in turns.items():
            print(f"    {label:<7} {min(times):5.2f} s (all: {', '.join(f'{x:.2f}' for x in times)})")
        print(f"    former / now = {min(turns['former']) / min(turns['now']):.2f}×")
        turns = one_new_run(team, work, cache, args.repeat, jobs=1, offset_days=2 * args.repeat + 2, cpu=True)
        print(f"  the same with --jobs 1, CPU time of this process, best of {args.repeat}:")
        for label, times in turns.items():
            print(f"    {label:<7} {min(times):5.2f} s (all: {', '.join(f'{x:.2f}' for x in times)})")
        print(f"    former / now = {min(turns['former']) / min(turns['now']):.2f}×")
        if args.former:
            former = former_package(args.former, work)
            for jobs, what in ((1, "CPU time of this process"), (2, "wall clock")):
                turns = one_new_run_against(former, team, work, args.repeat, jobs)
                print(f"  one new run, the analyzer at {args.former} / now, --jobs {jobs}, {what}, taking turns, "
                      f"best of {args.repeat}:")
                for label, times in turns.items():
                    print(f"    {label:<7} {min(times):5.2f} s (all: {', '.join(f'{x:.2f}' for x in times)})")
                print(f"    former / now = {min(turns['former']) / min(turns['now']):.2f}×")
            mem = {"former": [], "now": []}
            for k in range(args.repeat):  # each side re-reports its own folder after the same new run
                add_new_run(team, seed=1500 + k)
                for label, package, path in (("former", "analyzer_former", work / "former-code"),
                                             ("now", "analyzer", None))[:: 1 if k % 2 == 0 else -1]:
                    m = report_memory_mb(team, work / f"out-turns-{label}", None, work / f"cache-turns-{label}",
                                         package, path)
                    mem[label].append((m["main_mb"], m["worker_mb"]))
            print(f"  peak memory, re-report --jobs 2 after one new run, the analyzer at {args.former} / now, "
                  f"taking turns ({args.repeat} rounds, largest of each):")
            for label, values in mem.items():
                print(f"    {label:<7} main process {max(v[0] for v in values):.0f} MB, largest worker "
                      f"{max(v[1] for v in values):.0f} MB (all: {values})")
        if not args.quick:
            one, _ = timed_report(team, work / "out-j1", None, 1)
            two, _ = timed_report(team, work / "out-j2", None, 2)
            print(f"  report --no-cache --jobs 1:          {one:7.1f} s")
            print(f"  report --no-cache --jobs 2:          {two:7.1f} s   jobs1/jobs2 = {one / two:.2f}×")
        code = "import time; t = time.perf_counter(); import analyzer.batch, analyzer.report.build; " \
               "print(time.perf_counter() - t)"
        imports = float(subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True,
                                       cwd=HERE.parent).stdout)
        print(f"  a worker's imports (once per worker, not per athlete): {imports:.2f} s")
        t0 = time.perf_counter()
        subprocess.run([sys.executable, "-m", "analyzer", "--help"], capture_output=True, check=True, cwd=HERE.parent)
        print(f"  analyzer --help: {time.perf_counter() - t0:.2f} s")

        few = sorted(p.name for p in team.iterdir())[: max(1, args.athletes // 4)]
        mem = {}
        for label, names in (("few", few), ("all", None)):  # a re-run after one new run, as a user's is
            timed_report(team, work / f"out-mem-{label}", cache, 2, athletes=names)
            add_new_run(team, seed=700 + len(mem))
            mem[label] = report_memory_mb(team, work / f"out-mem-{label}", names, cache)
        small, full = mem["few"], mem["all"]
        print(f"  peak memory, re-report --jobs 2 of {len(few)} athletes after one new run: main process "
              f"{small['main_mb']:.0f} MB, largest worker {small['worker_mb']:.0f} MB")
        print(f"  peak memory, re-report --jobs 2 of {args.athletes} athletes after one new run: main process "
              f"{full['main_mb']:.0f} MB, largest worker {full['worker_mb']:.0f} MB")

        ultra = work / "ultra.fit"
        ultra.write_bytes(synthetic_run(dt.datetime(2024, 1, 1, 6, tzinfo=dt.UTC), 100.0, 360,
                                        pauses=[(3600.0 * k, 3600.0 * k + 300) for k in range(1, 10)]))
        mem = peak_memory_mb(ultra)
        print(f"\n10-hour ultra ({mem['records']:.0f} records, {ultra.stat().st_size / 1e6:.1f} MB): peak RSS "
              f"{mem['rss_peak_mb']:.0f} MB (after imports {mem['rss_after_import_mb']:.0f} MB, "
              f"reading adds {mem['rss_peak_mb'] - mem['rss_after_import_mb']:.0f} MB)")
        if args.federation_athletes:
            federation(work, args.federation_athletes, args.federation_runs)
        print(json.dumps({"cold_s": cold, "warm_s": warm, "one_new_run_s": one_new, "peak_rss_mb": mem["rss_peak_mb"],
                          "report_main_mb": [small["main_mb"], full["main_mb"]]}))
    finally:
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
