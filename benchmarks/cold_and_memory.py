"""The sample team cold, and the memory of a club's report: two versions of the code side by side.

    git archive main | tar -x -C /tmp/former           # the code to compare against
    python benchmarks/cold_and_memory.py --former /tmp/former               # both checks
    python benchmarks/cold_and_memory.py --former /tmp/former --skip-memory --rounds 7

Every measurement is a fresh process (``python -m analyzer report``, the way a user runs it),
each version's code first on ``PYTHONPATH`` and as the working folder, the two versions taking
turns so that the machine's load falls on both alike; best of ``--rounds``. Both versions are
byte-compiled first (``compileall``, as ``pip install`` does), so that neither pays for compiling
its modules in every process (which it would where ``PYTHONDONTWRITEBYTECODE`` is set).

1. The sample team cold: ``report sample_data`` (HTML, default ``--jobs``, ``--weather off``)
   into an empty ``--cache-dir``; wall clock and the CPU seconds of the process and its children.
2. Memory: a seeded realistic club (``bench.make_club``, default 4 athletes × 150 runs), reported
   ``--jobs 2`` into an empty cache (cold), then again with nothing changed (warm): the peak
   resident memory of the main process (VmHWM) and of its largest child (``RUSAGE_CHILDREN``:
   the workers, and whatever other process the report starts), and now / former as ratios
   (issue 25: within 10 %).

Nothing here is a test: it prints numbers for benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
NOW = HERE.parent

_MEASURED = (
    "import resource, runpy, sys\n"
    "sys.argv = ['analyzer', *sys.argv[1:]]\n"
    "try:\n"
    "    runpy.run_module('analyzer', run_name='__main__', alter_sys=True)\n"
    "except SystemExit:\n"
    "    pass\n"
    "main = int(open('/proc/self/status').read().split('VmHWM:')[1].split()[0]) / 1024\n"
    "print('MEMORY', main, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024, file=sys.stderr)\n"
)
"""``analyzer`` run as its command line does, then its peak memory and its largest child's, in MB."""


def _env(code: Path) -> dict[str, str]:
    return {**os.environ, "PYTHONPATH": str(code)}


def sample_team_cold(versions: dict[str, Path], rounds: int, warm: bool = False) -> dict[str, list[float]]:
    """``analyzer report sample_data`` cold (empty cache) in a fresh process per version, taking
    turns; wall clock and the CPU seconds of the process and its children. With ``warm``, each
    cold run is followed by a warm one (the same cache, nothing changed, another ``--out``),
    labelled ``<version> warm``."""
    out: dict[str, list[float]] = {}
    for _ in range(rounds):
        for label, code in versions.items():
            with tempfile.TemporaryDirectory() as fresh:
                for state in ("", " warm")[: 1 + warm]:
                    cpu0 = resource.getrusage(resource.RUSAGE_CHILDREN)
                    t0 = time.perf_counter()
                    done = subprocess.run([sys.executable, "-m", "analyzer", "report", "sample_data", "--out",
                                           f"{fresh}/out{state.strip()}", "-q", "--cache-dir", f"{fresh}/cache",
                                           "--weather", "off"], capture_output=True, cwd=code, env=_env(code))
                    wall = time.perf_counter() - t0
                    cpu1 = resource.getrusage(resource.RUSAGE_CHILDREN)
                    assert done.returncode in (0, 1), done.stderr[-2000:]
                    out.setdefault(f"{label}{state} wall", []).append(wall)
                    out.setdefault(f"{label}{state} cpu", []).append(
                        cpu1.ru_utime + cpu1.ru_stime - cpu0.ru_utime - cpu0.ru_stime)
    return out


def report_memory(code: Path, team: Path, out: Path, cache: Path) -> tuple[float, float]:
    """Peak resident memory (MB) of ``analyzer report team --jobs 2``: main process, largest child."""
    done = subprocess.run([sys.executable, "-c", _MEASURED, "report", str(team), "--out", str(out), "-q", "--jobs", "2",
                           "--cache-dir", str(cache), "--weather", "off"],
                          capture_output=True, text=True, cwd=code, env=_env(code))
    line = [x for x in done.stderr.splitlines() if x.startswith("MEMORY ")]
    assert line and (out / "index.html").is_file(), done.stderr[-2000:]
    main, child = line[-1].split()[1:]
    return float(main), float(child)


def club_memory(versions: dict[str, Path], team: Path, work: Path, rounds: int) -> dict[str, list[float]]:
    """:func:`report_memory` cold (empty cache) then warm (the same cache, nothing changed), per
    version, taking turns; ``rounds`` times."""
    out: dict[str, list[float]] = {}
    for r in range(rounds):
        for label, code in versions.items():
            cache, dest = work / f"cache-{label}-{r}", work / f"out-{label}-{r}"
            for state in ("cold", "warm"):
                main, child = report_memory(code, team, dest, cache)
                out.setdefault(f"{label} {state} main", []).append(main)
                out.setdefault(f"{label} {state} child", []).append(child)
            shutil.rmtree(cache, ignore_errors=True)
            shutil.rmtree(dest, ignore_errors=True)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--former", type=Path, required=True, help="a folder with the former code (its analyzer/)")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--athletes", type=int, default=4)
    parser.add_argument("--runs", type=int, default=150)
    parser.add_argument("--memory-rounds", type=int, default=2)
    parser.add_argument("--skip-cold", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args()
    versions = {"former": args.former.resolve(), "now": NOW}
    for code in versions.values():
        subprocess.run([sys.executable, "-m", "compileall", "-q", str(code / "analyzer")], check=True,
                       capture_output=True, env={k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"})
    print(f"{os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f}; former: {versions['former']}, now: {NOW}")
    if not args.skip_cold:
        cold = sample_team_cold(versions, args.rounds, warm=True)
        print(f"\nThe sample team cold (report sample_data, HTML, empty --cache-dir, default --jobs, --weather off), "
              f"then warm (the same cache, nothing changed), fresh processes taking turns, best of {args.rounds}:")
        for label in [*versions, *(f"{v} warm" for v in versions)]:
            for what, unit in (("wall", "s wall"), ("cpu", "s CPU ")):
                times = cold[f"{label} {what}"]
                print(f"  {label:<12} {min(times):5.2f} {unit} (all: {', '.join(f'{x:.2f}' for x in times)})")
        for state in ("", " warm"):
            print(f"  former / now{state}: wall {min(cold[f'former{state} wall']) / min(cold[f'now{state} wall']):.2f}×, "
                  f"CPU {min(cold[f'former{state} cpu']) / min(cold[f'now{state} cpu']):.2f}×")
    if not args.skip_memory:
        sys.path.insert(0, str(HERE))
        sys.path.insert(1, str(NOW))
        from bench import make_club

        work = Path(tempfile.mkdtemp(prefix="cramp-memory-"))
        try:
            team = work / "club"
            counts = make_club(team, args.athletes, args.runs)
            mem = club_memory(versions, team, work, args.memory_rounds)
            print(f"\nPeak resident memory, report --jobs 2 of a realistic club ({args.athletes} athletes × "
                  f"{args.runs} runs, {counts['runs']} runs), MB, lowest of {args.memory_rounds} (all in brackets):")
            for state in ("cold", "warm"):
                for who in ("main", "child"):
                    former, now = mem[f"former {state} {who}"], mem[f"now {state} {who}"]
                    name = "main process" if who == "main" else "largest child"
                    print(f"  {state}, {name:<13}: former {min(former):6.1f} ({', '.join(f'{x:.0f}' for x in former)}),"
                          f" now {min(now):6.1f} ({', '.join(f'{x:.0f}' for x in now)}), "
                          f"now / former {min(now) / min(former):.3f}")
        finally:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
