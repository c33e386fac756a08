"""The import graph: science and weather below the words (as tests/flags checks for the rules)."""

from __future__ import annotations

import ast
from pathlib import Path

import analyzer

PACKAGE = Path(analyzer.__file__).parent


def imported(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or inside a function."""
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
            names.update(f"{node.module}.{a.name}" for a in node.names)
        elif isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
    return names


def test_metrics_never_import_upward_into_the_old_air_module_or_the_words():
    for path in sorted((PACKAGE / "metrics").glob("*.py")):
        bad = {m for m in imported(path) if m in ("analyzer.air", "analyzer.formatting")
               or m.startswith(("analyzer.report", "analyzer.io"))}
        assert not bad, f"{path.name} imports {bad}"


def test_the_model_does_not_import_formatting():
    names = imported(PACKAGE / "model.py")
    assert not {m for m in names if "formatting" in m or m.startswith("analyzer.report")}
    assert {m for m in names if m.startswith("analyzer.")} <= {"analyzer.offsets", "analyzer.offsets.format_utc_offset"}


def test_the_weather_package_returns_facts_the_loader_words_them():
    for path in sorted((PACKAGE / "weather").glob("*.py")):
        names = imported(path)
        bad = {m for m in names if "formatting" in m or m.startswith(("analyzer.report", "analyzer.io",
                                                                       "analyzer.metrics.runs", "analyzer.air"))}
        assert not bad, f"weather/{path.name} imports {bad}"
    words = imported(PACKAGE / "io" / "weather_words.py")
    assert "analyzer.weather.reasons.Reason" in words


def test_the_old_paths_still_import():
    from analyzer.io import weather_archive, weather_forecast
    from analyzer.weather import archive, forecast

    assert weather_forecast.fetch_forecast is forecast.fetch_forecast
    assert weather_archive.Archive is archive.Archive and weather_archive._FAILURES is archive._FAILURES
