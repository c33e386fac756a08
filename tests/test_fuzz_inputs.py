"""Every input format, fuzzed: the saved regressions replay, and a short seeded run finds nothing.

``fuzz/fuzz_inputs.py`` runs longer and saves any input that breaks the path from an athlete
folder to its report into ``tests/data/fuzz_regressions/<format>/``; each is replayed here.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

import pytest

from tests.conftest import DATA, REPO

sys.path.insert(0, str(REPO / "fuzz"))
import fuzz_inputs  # noqa: E402

REGRESSIONS = sorted(p for fmt in fuzz_inputs.TARGETS for p in (DATA / "fuzz_regressions" / fmt).glob("*"))


@pytest.fixture(scope="module")
def runs():
    return fuzz_inputs.base_runs()


@pytest.mark.parametrize("path", REGRESSIONS, ids=lambda p: f"{p.parent.name}/{p.name}")
def test_saved_inputs_replay(path: Path, runs, tmp_path):
    fuzz_inputs.run_one(path.parent.name, path.read_bytes(), runs, tmp_path)


@pytest.mark.parametrize("fmt", sorted(fuzz_inputs.TARGETS))
def test_a_short_seeded_fuzz_run_finds_nothing(fmt, runs, tmp_path):
    rng = random.Random(f"suite-{fmt}")
    pool = fuzz_inputs.seeds()[fmt]
    for _ in range(12):
        fuzz_inputs.run_one(fmt, fuzz_inputs.MUTATORS[fmt](rng.choice(pool), rng), runs, tmp_path)
