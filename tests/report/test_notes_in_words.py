"""A chart, figure or PDF that could not be made is said in words on the page, never with the
exception's text (its message, a class name); the exception goes to the log."""

from __future__ import annotations

import datetime as dt
import sys

import pytest

import analyzer
from analyzer.report import build, charts
from analyzer.testing.synthetic import synthetic_run, write_athlete

UTC = dt.UTC


@pytest.fixture(scope="module")
def analysis(tmp_path_factory):
    start = dt.datetime(2024, 4, 1, 6, tzinfo=UTC)
    runs = {f"r{i}.fit": synthetic_run(start + dt.timedelta(days=3 * i), 5.0, 360.0, seed=i) for i in range(3)}
    folder = write_athlete(tmp_path_factory.mktemp("n") / "ana", {"name": "Ana", "timezone": "UTC"}, runs,
                           [{"activity": "r1.fit", "distance_km": 4.0, "leg": "left"}])
    return analyzer.analyze(analyzer.load_athlete(folder, weather="off"), weather="off")


def _boom(*args, **kwargs):
    raise RuntimeError("boom <object at 0x7f>")


def test_a_chart_that_fails_is_a_note_in_words(analysis, monkeypatch, caplog):
    monkeypatch.setattr(charts, "weekly_chart", _boom)
    monkeypatch.setattr(charts, "run_chart", _boom)
    with caplog.at_level("INFO", "analyzer.report.build"):
        runs, season = build._live_charts(analysis)
    assert [r["note"] for r in runs] == ["The chart of r1.fit could not be drawn (a fault in the analyzer, details in "
                                         "the log)."]
    assert season[0]["note"] == ("The chart of weekly distance with the week's cramps could not be drawn (a fault in "
                                 "the analyzer, details in the log).")
    assert all("note" not in s for s in season[1:])  # the other charts are drawn
    assert "boom <object at 0x7f>" in caplog.text


def test_a_chart_whose_run_file_changed_says_so(analysis, monkeypatch):
    """An input problem met while drawing (a kept run's file replaced during the report) is said as
    itself, not as a fault in the analyzer."""
    from analyzer.errors import InputError

    def changed(*args, **kwargs):
        raise InputError("r1.fit", "", "the file changed while the report was being written; run the report again")

    monkeypatch.setattr(charts, "run_chart", changed)
    runs, _ = build._live_charts(analysis)
    assert [r["note"] for r in runs] == ["The chart of r1.fit could not be drawn (the file changed while the report "
                                         "was being written; run the report again)."]


class _Page:
    def render(self, **kwargs):
        return "<p>page</p>"


def test_a_pdf_that_fails_is_a_note_in_words(analysis, monkeypatch, caplog, tmp_path):
    import weasyprint

    monkeypatch.setattr(build, "_template", lambda name: _Page())
    monkeypatch.setattr(build, "_static_figures", lambda analysis, encode: ([], []))
    monkeypatch.setattr(weasyprint.HTML, "write_pdf", _boom)
    with caplog.at_level("INFO", "analyzer.report.build"):
        assert build._pdf(analysis, {"name": "Ana"}) == (None, "no PDF: WeasyPrint failed on this page (details in "
                                                               "the log)")
        assert build._team_pdf(tmp_path, {}) == ("no team.pdf: WeasyPrint failed on the team page (details in the "
                                                 "log)")
    assert [r.exc_info[1].args for r in caplog.records] == [("boom <object at 0x7f>",)] * 2
    assert not (tmp_path / "team.pdf").exists()
    monkeypatch.setitem(sys.modules, "weasyprint", None)  # the import fails
    missing = ("WeasyPrint is not usable here (it, or the system libraries it needs, are not installed; details in "
               "the log)")
    assert build._pdf(analysis, {"name": "Ana"}) == (None, f"no PDF: {missing}")
    assert build._team_pdf(tmp_path, {}) == f"no team.pdf: {missing}"
