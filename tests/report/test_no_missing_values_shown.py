"""No page or CSV shows ``nan``, ``NaT``, ``None``, ``null``, ``undefined``, ``inf`` or exception text
(issue 21): the sample team and a team built from the cases of time, place and cramps that do not fit."""

from __future__ import annotations

import csv
import json
import math
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

import analyzer
from tests.report.edge_team import write_edge_team

REPO = Path(__file__).resolve().parents[2]

BAD_WORDS = re.compile(r"\b(nan|NaN|NaT|null|undefined|inf|-inf|Infinity)\b|\bNone\b(?! of\b|:)"
                       r"|\b[A-Z][A-Za-z]*(Error|Exception)\b|Traceback|does not support|object has no attribute")


class _Page(HTMLParser):
    """Visible text (not in script or style, plus titles and alt texts) and the embedded chart specs."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.specs: list[dict] = []
        self._in: list[str] = []
        self._json = False

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        self._in.append(tag)
        self._json = tag == "script" and a.get("type") == "application/json"
        for key in ("title", "alt", "aria-label"):
            if a.get(key):
                self.text.append(a[key])

    def handle_endtag(self, tag):
        if self._in and self._in[-1] == tag:
            self._in.pop()

    def handle_data(self, data):
        inside = self._in[-1] if self._in else ""
        if inside == "script":
            if self._json:
                self.specs.append(json.loads(data))
        elif inside != "style":
            self.text.append(data)


def _walk(node, key):
    """Every value stored under ``key`` anywhere in a JSON tree."""
    if isinstance(node, dict):
        for k, v in node.items():
            if k == key:
                yield v
            yield from _walk(v, key)
    elif isinstance(node, list):
        for v in node:
            yield from _walk(v, key)


def _tooltip_fields(spec: dict) -> set[str]:
    fields = set()
    for tip in _walk(spec, "tooltip"):
        for entry in tip if isinstance(tip, list) else [tip]:
            if isinstance(entry, dict) and isinstance(entry.get("field"), str):
                fields.add(entry["field"])
    return fields


def _data_rows(spec: dict) -> list[dict]:
    rows = [r for values in _walk(spec, "values") if isinstance(values, list) for r in values if isinstance(r, dict)]
    for datasets in _walk(spec, "datasets"):
        rows += [r for values in datasets.values() for r in values if isinstance(r, dict)]
    return rows


def _bad_value(value) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return not math.isfinite(value)
    return isinstance(value, str) and bool(BAD_WORDS.search(value))


def bad_things(out: Path) -> list[str]:
    """What a person would see that they should not, per file."""
    found = []
    for page in sorted(out.rglob("*.html")):
        parsed = _Page()
        parsed.feed(page.read_text(encoding="utf-8"))
        text = " ".join(parsed.text)
        found += [f"{page.relative_to(out)}: text {m.group(0)!r} in …{text[max(m.start() - 60, 0):m.end() + 20]}…"
                  for m in BAD_WORDS.finditer(text)]
        for i, spec in enumerate(parsed.specs):
            fields = _tooltip_fields(spec)
            for row in _data_rows(spec):
                found += [f"{page.relative_to(out)}: chart {i} tooltip {f}={row[f]!r}"
                          for f in fields if f in row and _bad_value(row[f])]
            if "title" in spec:
                found += [f"{page.relative_to(out)}: chart {i} title {t!r}" for t in _walk(spec["title"], "text")
                          if _bad_value(t)]
    for table in sorted(out.rglob("*.csv")):
        with table.open(newline="", encoding="utf-8") as fh:
            for n, row in enumerate(csv.DictReader(fh), start=1):
                found += [f"{table.relative_to(out)} row {n} {k}={v!r}" for k, v in row.items()
                          if v and (BAD_WORDS.search(v) or v.strip().lower() in ("none", "nan", "nat"))]
    return found


@pytest.fixture(scope="module")
def edge_report(tmp_path_factory):
    root = tmp_path_factory.mktemp("edge")
    team = write_edge_team(root / "team")
    out = root / "out"
    code = analyzer.run_report(team, out, jobs=1, formats=("html",), weather="off")
    return out, code


def test_sample_team_shows_no_missing_value_words(tmp_path):
    out = tmp_path / "out"
    analyzer.run_report(REPO / "sample_data", out, jobs=1, formats=("html",), weather="off")
    assert len(list(out.rglob("report.html"))) == 6
    assert bad_things(out) == []


def test_edge_team_shows_no_missing_value_words(edge_report):
    out, _ = edge_report
    assert len(list(out.rglob("report.html"))) == 4
    assert bad_things(out) == []


def test_the_checker_sees_what_it_must():
    """The checker itself, on a hand-made page: a NaN tooltip value, a 'nan' cell, an exception box."""
    page = _Page()
    page.feed('<p>None of the 3 cramps fits</p><p>at nan (no time)</p><div title="LookupError: x"></div>'
              '<script type="application/json">{"data": {"values": [{"t": null, "u": 1}]}, '
              '"encoding": {"tooltip": [{"field": "t"}, {"field": "u"}]}}</script>')
    text = " ".join(page.text)
    assert [m.group(0) for m in BAD_WORDS.finditer(text)] == ["nan", "LookupError"]
    assert _tooltip_fields(page.specs[0]) == {"t", "u"}
    assert [_bad_value(r["t"]) for r in _data_rows(page.specs[0])] == [True]
