"""The "Before the run" page in a real browser: Debian's Chromium, driven headless by Playwright.

At desk (1280 px) and phone (390 px) width, for María's hot afternoon (sample ``maria_hot`` and
its hot forecast, with a position so dark hours show) and George's plan without a forecast
(``george_night``): no horizontal overflow, the headline and each condition card visible with
its plain name and inside the screen's width, no console errors. Screenshots go to
``browser-screenshots/`` in the project (or ``$CRAMP_SCREENSHOTS``). Skipped, saying why, where
Chromium or Playwright cannot be had.
"""

from __future__ import annotations

import pytest

import analyzer
from tests.conftest import REPO
from tests.report.conftest import BROWSER_SKIPS, SHOTS, WIDTHS

pytestmark = BROWSER_SKIPS

CARD_NAMES = ["Longer than usual", "Faster than usual", "Heat index", "WBGT"]  # the report's plain names, in order


@pytest.fixture(scope="module")
def pages(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plan-browser")
    maria = analyzer.plan_run(analyzer.load_athlete(REPO / "sample_data" / "maria_hot", weather="off"),
                              date="2024-07-14", distance_km=16, start="13:00", where="40.42,-3.70",
                              forecast=REPO / "sample_data" / "forecasts" / "madrid_2024-07-14_hot.csv")
    george = analyzer.plan_run(analyzer.load_athlete(REPO / "sample_data" / "george_night", weather="off"),
                               date="2024-11-20", distance_km=8, forecast="off")
    out = {}
    for name, plan in {"plan-maria_hot": maria, "plan-george_night": george}.items():
        out[name] = folder / f"{name}.html"
        out[name].write_text(plan.to_html(), encoding="utf-8")
    return out


@pytest.mark.parametrize("width", WIDTHS, ids=list(WIDTHS))
@pytest.mark.parametrize("name", ["plan-maria_hot", "plan-george_night"])
def test_plan_page_reads_at_phone_and_desk_width(pages, browser, name, width):
    px = WIDTHS[width]
    page = browser.new_page(viewport={"width": px, "height": 900})
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    try:
        page.goto(pages[name].as_uri())
        page.wait_for_load_state("load")
        overflow = page.evaluate("document.documentElement.scrollWidth - document.documentElement.clientWidth")
        assert overflow <= 0, f"{name} overflows by {overflow}px at {px}px"
        font = page.evaluate("getComputedStyle(document.body).fontFamily")
        assert font.startswith("system-ui"), font  # the report's font, not the browser's default serif
        headline = page.locator(".answer .headline")
        assert headline.is_visible()
        assert headline.inner_text().startswith(("This run meets", "No cramp of yours"))
        facts = page.locator(".answer .fact b").all_inner_texts()
        assert facts[0] == ("3 of 4" if name == "plan-maria_hot" else "1 of 4")
        cards = page.locator("section.card.cond")
        assert cards.count() == 4
        assert page.locator("section.card.cond h3").all_inner_texts() == CARD_NAMES
        for i in range(4):
            card = cards.nth(i)
            card.scroll_into_view_if_needed()
            assert card.is_visible()
            box = card.bounding_box()
            assert box["x"] >= 0 and box["x"] + box["width"] <= px, (CARD_NAMES[i], box)
            assert card.locator(".state").inner_text().lower() in ("met", "not met", "unknown")
        tiles = page.locator("ol.hours li")
        if name == "plan-maria_hot":
            # 05:00–21:00 (the best-start window): 17 tiles, the run (13:00 + 1 h 32 min) over 13:00 and 14:00
            assert tiles.count() == 17
            assert page.locator("ol.hours li.in-run .t").all_inner_texts() == ["13:00", "14:00"]
            last = tiles.nth(16).bounding_box()
            assert last["x"] + last["width"] <= px
        else:
            assert tiles.count() == 0
        assert errors == []
        SHOTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(SHOTS / f"{name}-{width}.png"), full_page=True)
    finally:
        page.close()
