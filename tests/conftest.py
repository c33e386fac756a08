"""Shared fixtures: where the test data lives."""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).parent
DATA = TESTS / "data"
REPO = TESTS.parent
CORPUS = REPO.parent / "shared" / "fit-corpus"


@pytest.fixture
def data_dir() -> Path:
    return DATA
