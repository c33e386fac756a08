"""The report pages in a real browser: Debian's Chromium, driven headless by Playwright.

At desk (1280 px) and phone (390 px) width: no console errors, no horizontal page overflow on
the phone, the intended font, headers that sort, links and charts that resolve, a chart that
zooms. Screenshots go to ``browser-screenshots/`` in the project (or ``$CRAMP_SCREENSHOTS``).
Skipped, saying why, where Chromium or Playwright cannot be had.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import unquote, urlparse

import pytest

import analyzer
from tests.conftest import REPO
from tests.report.conftest import BROWSER_SKIPS, SHOTS, WIDTHS

pytestmark = BROWSER_SKIPS

PAGES = {"index": "index.html", "maria_hot": "maria_hot/report.html", "tom_spike": "tom_spike/report.html",
         "wkz_runner": "wkz_runner/report.html"}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("browser") / "report"
    result = analyzer.run_report(REPO / "sample_data", out, jobs=1, formats=("html", "pdf"), weather="off")
    assert result.athletes == 6
    return out


def _open(browser, path: Path, width: int):
    page = browser.new_page(viewport={"width": width, "height": 900})
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, errors


def _wait_for_charts(page) -> int:
    charts = page.locator("div.chart-live")
    n = charts.count()
    if n:
        page.wait_for_function(f"Object.keys(window.cramp_charts || {{}}).length >= {n}", timeout=20_000)
    return n


@pytest.mark.parametrize("width", WIDTHS, ids=list(WIDTHS))
@pytest.mark.parametrize("name", PAGES, ids=list(PAGES))
def test_pages_render_cleanly(report, browser, name, width):
    page, errors = _open(browser, report / PAGES[name], WIDTHS[width])
    try:
        n = _wait_for_charts(page)
        for i in range(n):  # every chart drew an SVG, none says it failed
            chart = page.locator("div.chart-live").nth(i)
            assert chart.locator("svg").count() >= 1
            assert "could not be drawn" not in chart.inner_text()
        font = page.evaluate("getComputedStyle(document.body).fontFamily")
        assert font.startswith("system-ui"), font  # the intended font, not the browser's default serif
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} overflows by {overflow}px at {WIDTHS[width]}px"
        assert errors == []
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    finally:
        page.close()


def test_every_link_and_embedded_chart_resolves(report, browser):
    for name, rel in PAGES.items():
        page, _ = _open(browser, report / rel, 1280)
        try:
            hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
            for href in hrefs:
                url = urlparse(href)
                assert url.scheme == "file", (name, href)
                assert Path(unquote(url.path)).exists(), (name, href)
                if url.fragment:
                    assert page.locator(f"#{url.fragment}").count() == 1 or not href.startswith((report / rel).as_uri())
            images = page.eval_on_selector_all("img", "els => els.map(e => e.naturalWidth)")
            assert all(w > 0 for w in images)
        finally:
            page.close()


def test_clicking_a_header_sorts_numbers_high_to_low_first(report, browser):
    page, errors = _open(browser, report / "index.html", 1280)
    try:
        def column(i: int) -> list[str]:
            return page.eval_on_selector_all(f"#athletes tbody tr td:nth-child({i})",
                                             "els => els.map(e => e.getAttribute('data-value'))")

        page.click("#athletes th:nth-child(6)")  # runs
        runs = [float(v) for v in column(6)]
        assert runs == sorted(runs, reverse=True)
        assert page.get_attribute("#athletes th:nth-child(6)", "aria-sort") == "descending"
        page.click("#athletes th:nth-child(6)")
        assert [float(v) for v in column(6)] == sorted(runs)
        page.click("#athletes th:nth-child(1)")  # names: A to Z first
        names = column(1)
        assert names == sorted(names, key=str.lower) or names == sorted(names)
        assert errors == []
    finally:
        page.close()


def test_a_run_chart_zooms(report, browser):
    page, errors = _open(browser, report / PAGES["tom_spike"], 1280)
    try:
        _wait_for_charts(page)

        def zoom() -> list | None:
            return page.evaluate("() => window.cramp_charts['run-0'].signal('zoom_x')")

        def ticks() -> list[str]:
            return page.evaluate("() => Array.from(document.querySelectorAll('#run-0 svg g.role-axis-label text'))"
                                 ".map(e => e.textContent)")

        before = ticks()
        assert zoom() is None  # the whole run
        page.locator("#run-0").scroll_into_view_if_needed()
        line = page.locator("#run-0 svg g.mark-line path").first.bounding_box()  # the pace panel's plot
        page.mouse.move(line["x"] + line["width"] * 0.6, line["y"] + line["height"] / 2)
        page.mouse.wheel(0, -500)
        page.wait_for_timeout(400)
        lo, hi = zoom()
        assert 0 < hi - lo < 21.1  # a narrower span of the 21.1 km run
        assert ticks() != before  # and the axis says so
        assert errors == []
    finally:
        page.close()
