"""Shared by the browser tests: Debian's Chromium driven by Playwright, skipped (saying why) where
either is missing, and where their screenshots go."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest

from tests.conftest import REPO

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
try:
    from playwright.sync_api import sync_playwright
except ImportError:  # pragma: no cover - the test extra installs it
    sync_playwright = None

BROWSER_SKIPS = [
    pytest.mark.skipif(CHROMIUM is None, reason="Debian's chromium is not installed (.ci/run installs it when it can)"),
    pytest.mark.skipif(sync_playwright is None, reason="playwright is not installed"),
]
"""Every browser test's marks: skipped, saying why, where Chromium or Playwright is missing."""

SHOTS = Path(os.environ.get("CRAMP_SCREENSHOTS") or REPO / "browser-screenshots")
WIDTHS = {"desk": 1280, "phone": 390}


@pytest.fixture(scope="module")
def browser():
    """Debian's Chromium, driven by Playwright (one per test module)."""
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run", "--disable-background-networking",
            "--disable-component-update", "--disable-sync"])
        yield b
        b.close()
