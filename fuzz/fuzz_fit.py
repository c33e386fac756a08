"""Longer fuzz run of the FIT reader (the normal test run does a bounded version).

    python fuzz/fuzz_fit.py [--seconds 600] [--seed 1]

Mutates real files (tests/data and, when present, the MIT/BSD files of the developers' corpus in $CRAMP_FIT_CORPUS) — bit flips, byte
overwrites in headers and definitions, truncations, splices, huge claimed sizes — and feeds
each to ``read_fit``. Allowed outcomes: an Activity (its problems say what broke) or a
FitError. Anything else is a bug: the input is saved in tests/data/fuzz_regressions/ (which the
test suite replays) and reported. Prints how many inputs were tried and what they found.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import random
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))

import analyzer  # noqa: E402
from analyzer.io.fit import BUILD_FAILED, read_fit_bytes  # noqa: E402

REGRESSIONS = HERE.parent / "tests" / "data" / "fuzz_regressions"


def seeds() -> list[bytes]:
    """Small real files to mutate: tests/data, and the corpus files under MIT or BSD licences only
    (mutated inputs may be kept in the repository; GPL and FIT-SDK-licensed files may not)."""
    import csv

    files = sorted((HERE.parent / "tests" / "data").glob("*.fit"))
    corpus = Path(os.environ.get("CRAMP_FIT_CORPUS") or HERE.parent.parent / "shared" / "fit-corpus")
    if (corpus / "MANIFEST.tsv").exists():
        with (corpus / "MANIFEST.tsv").open() as fh:
            for row in csv.DictReader(fh, delimiter="\t"):
                path = corpus / row["file"]
                if row["license"].startswith(("MIT", "BSD")) and path.stat().st_size < 200_000:
                    files.append(path)
    return [p.read_bytes() for p in files]


def mutate(data: bytes, rng: random.Random) -> bytes:
    b = bytearray(data)
    kind = rng.randrange(6)
    if kind == 0 and b:  # bit flips anywhere
        for _ in range(rng.randint(1, 8)):
            i = rng.randrange(len(b))
            b[i] ^= 1 << rng.randrange(8)
    elif kind == 1 and len(b) > 14:  # bytes in the header or the first definitions
        for _ in range(rng.randint(1, 4)):
            b[rng.randrange(min(len(b), 120))] = rng.randrange(256)
    elif kind == 2:  # truncation
        b = b[: rng.randrange(len(b) + 1)]
    elif kind == 3 and len(b) >= 12:  # a header claiming a huge data size
        b[4:8] = rng.choice([0xFFFFFFFF, 0x7FFFFFFF, len(b) * 1000]).to_bytes(4, "little")
    elif kind == 4:  # splice two places
        i, j = sorted(rng.randrange(len(b) + 1) for _ in range(2))
        b = b[:i] + b[j:] + b[i:j]
    else:  # random bytes after a valid start
        cut = rng.randrange(len(b) + 1)
        b = b[:cut] + bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    return bytes(b)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=600)
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    rng = random.Random(args.seed)
    pool = seeds()
    tried = partial = errors = crashes = 0
    slowest = 0.0
    end = time.monotonic() + args.seconds
    warnings.simplefilter("ignore")
    while time.monotonic() < end:
        data = mutate(rng.choice(pool), rng)
        tried += 1
        t0 = time.perf_counter()
        try:
            act = read_fit_bytes(data, name="fuzz.fit")
            for frame in (act.laps, act.sessions, act.events, act.pauses):  # built when first read
                len(frame)
            if act.engine != "numpy":  # the decoder failed and fitparse stood in: still a bug
                raise RuntimeError(act.problems[0].message)
            if any(BUILD_FAILED in p.message for p in act.problems):  # a frame failed to build: a bug too
                raise RuntimeError(next(p.message for p in act.problems if BUILD_FAILED in p.message))
            partial += bool(act.problems)
        except analyzer.FitError:
            errors += 1
        except Exception as exc:  # a bug: keep the input
            crashes += 1
            name = hashlib.sha256(data).hexdigest()[:16] + ".fit"
            REGRESSIONS.mkdir(parents=True, exist_ok=True)
            (REGRESSIONS / name).write_bytes(data)
            print(f"CRASH {type(exc).__name__}: {exc} → saved {name}")
        slowest = max(slowest, time.perf_counter() - t0)
    print(f"{tried} inputs tried: {partial} partial activities with problems, {errors} FitError, "
          f"{crashes} crashes; slowest {slowest * 1000:.0f} ms")
    return 1 if crashes else 0


if __name__ == "__main__":
    sys.exit(main())
