"""Shared fixtures: where the test data lives."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

TESTS = Path(__file__).parent
DATA = TESTS / "data"
REPO = TESTS.parent
CORPUS = Path(os.environ.get("CRAMP_FIT_CORPUS") or REPO.parent / "shared" / "fit-corpus")
"""The developers' wider corpus of real FIT files (tests that need it skip when it is absent)."""


@pytest.fixture
def data_dir() -> Path:
    return DATA


@pytest.fixture(autouse=True, scope="session")
def _private_cache_dir(tmp_path_factory):
    """Reports in tests cache parsed files in a temporary folder, never in the user's home."""
    import os

    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = str(tmp_path_factory.mktemp("xdg-cache"))
    yield
    if old is None:
        os.environ.pop("XDG_CACHE_HOME", None)
    else:
        os.environ["XDG_CACHE_HOME"] = old


@pytest.fixture(autouse=True, scope="session")
def _no_weather_archive_on_the_internet():
    """No test reaches the internet: the weather archive points at a closed local port unless a
    test serves it itself (pytest-httpserver)."""
    import os

    old = os.environ.get("CRAMP_WEATHER_URL")
    os.environ["CRAMP_WEATHER_URL"] = "http://127.0.0.1:9/v1/archive"
    old_forecast = os.environ.get("CRAMP_FORECAST_URL")  # the forecast of `analyzer plan` likewise
    os.environ["CRAMP_FORECAST_URL"] = "http://127.0.0.1:9/v1/forecast"
    yield
    for name, value in (("CRAMP_WEATHER_URL", old), ("CRAMP_FORECAST_URL", old_forecast)):
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value


def pdf_unavailable() -> str:
    """Why WeasyPrint cannot make a PDF here ("" when it can): it needs the system's Pango."""
    try:
        import weasyprint

        weasyprint.HTML(string="<p>x</p>").write_pdf()
    except Exception as exc:  # the Python package is a dependency; Pango is a system library
        return f"WeasyPrint cannot lay out a PDF here ({type(exc).__name__}: {exc}); install Debian's libpango-1.0-0"
    return ""
