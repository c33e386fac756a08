"""The coach's Monday morning, in a real browser (Debian's Chromium, headless, via Playwright).

Who needs attention (the team page's order, "new" since the last report), why and what next
(each card's next step and the clinician triggers), tables a coach reads at desk and phone width,
run charts whose every panel answers the pointer and zooms, and no sentence said more than twice.
Expected values are worked out by hand from the sample team's own files (``sample_data/``).
Skipped, saying why, where Chromium or Playwright cannot be had.
"""

from __future__ import annotations

import re
import shutil
from collections import Counter

import pandas as pd
import pytest

import analyzer
from tests.conftest import REPO
from tests.report.conftest import BROWSER_SKIPS
from tests.report.test_browser import _open, _wait_for_charts

pytestmark = BROWSER_SKIPS

ADDED = "2024-11-10 07:40,,,left,calf,4,,\n"
"""One cramp added to Kai's log between two reports (Asia/Tokyo local time, at rest)."""


@pytest.fixture(scope="module")
def reports(tmp_path_factory):
    """The sample team reported twice into the same folder, Kai's log one cramp longer the second time."""
    root = tmp_path_factory.mktemp("coach")
    team = root / "team"
    shutil.copytree(REPO / "sample_data", team, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    first = root / "first"
    assert analyzer.run_report(team, first, jobs=1, weather="off").athletes == 6
    second = root / "second"
    shutil.copytree(first, second)  # the same report folder, as it was after the first run
    with open(team / "kai_control" / "cramps.csv", "a", encoding="utf-8") as f:
        f.write(ADDED)
    assert analyzer.run_report(team, second, jobs=1, weather="off").cramps == 18
    return first, second


def _names(page) -> list[str]:
    return page.eval_on_selector_all("#athletes tbody tr td:first-child a", "els => els.map(e => e.textContent)")


def test_team_page_is_in_attention_order_and_says_so(reports, browser):
    first, _ = reports
    page, errors = _open(browser, first / "index.html", 1280)
    try:
        # The team's last run is George's on Fri 15 Nov 2024, so the window is 01-15 Nov. Only George has
        # cramps in it (02 and 09 Nov, at night). Nobody else does: Lena comes next, worth mentioning to a
        # clinician (every cramp in her right leg, "tingling" in her notes); then Tom for over-exertion (the
        # stronger evidence); María's one pattern; Kai has cramps but no pattern; the Workoutizer runner none.
        assert _names(page) == ["George P.", "Lena K.", "Tom R.", "María G.", "Kai S.", "Workoutizer demo runner"]
        order = page.inner_text("#order")
        assert "last 14 days (01 Nov to 15 Nov 2024)" in order and "worst severity" in order
        assert order.index("worst severity") < order.index("worth mentioning to a clinician") < order.index(
            "stronger evidence")
        for width in (1280, 390):  # the mark is on George's and Lena's rows only, at desk and phone width
            page.set_viewport_size({"width": width, "height": 900})
            marks = page.eval_on_selector_all(
                "#athletes tbody tr", "rows => rows.map(r => { const m = r.querySelector('td:first-child .clin');"
                " return m && m.offsetHeight > 0 ? m.innerText : ''; })")
            # George: four night cramps within 25 days (15 Oct to 09 Nov) and furosemide/atorvastatin listed;
            # Lena: one leg only (all five on the right) and her note on cramp 6
            assert marks[0] == "worth mentioning to a clinician: frequent night cramps, a listed medicine", width
            assert marks[1] == ("worth mentioning to a clinician: cramps in one leg only, tingling or numbness in "
                                "the notes"), width
            assert marks[2:] == ["", "", "", ""], width
        recent = page.eval_on_selector_all("#athletes tbody tr td:nth-child(3)", "els => els.map(e => e.dataset.value)")
        assert recent == ["2", "0", "0", "0", "0", "0"]
        assert page.locator("#athletes .new").count() == 0  # a first report marks nothing new
        # Lena's typo (row 3 of her cramps.csv) is listed under her name, pointing at errors.csv's first row
        problems = page.inner_text("#problems-2")
        assert "Lena K." in problems
        item = page.locator("#problems-2 + ul li").inner_text()
        assert "cramps.csv (row 3)" in item and '"rigth"' in item and "errors.csv row 1" in item
        assert errors == []
    finally:
        page.close()


def test_new_marks_after_a_second_report_with_one_added_cramp(reports, browser):
    _, second = reports
    page, errors = _open(browser, second / "index.html", 1280)
    try:
        # Kai's added cramp (10 Nov) is in the window: one recent cramp of 4/5 puts Kai second, before Lena
        assert _names(page) == ["George P.", "Kai S.", "Lena K.", "Tom R.", "María G.", "Workoutizer demo runner"]
        kai = page.locator("#athletes tbody tr").nth(1)
        assert kai.locator(".new").count() == 1 and "+1 new" in kai.inner_text()
        assert re.search(r"since \d{4}-\d\d-\d\d \d\d:\d\d UTC: 1 new cramp$", kai.locator(".since").inner_text())
        assert page.locator("#athletes .new").count() == 1  # nobody else has anything new
    finally:
        page.close()
    page, more = _open(browser, second / "kai_control" / "report.html", 1280)
    try:
        marked = page.locator("#cramps ~ .table-wrap tbody tr:has(.new)")
        assert marked.count() == 1 and "Sun 10 Nov 2024 07:40" in marked.inner_text()  # Tokyo time, as logged
        assert "1 new cramp" in page.inner_text(".since-line")
        assert page.locator("#runs-table .new").count() == 0  # no new run
        assert errors == [] and more == []
    finally:
        page.close()


def _card(page, name: str):
    return page.locator("section.card", has=page.locator(f"h3:text-is('{name}')"))


def test_each_pattern_card_says_what_to_try_next_and_when_to_see_a_clinician(reports, browser):
    first, _ = reports
    team = REPO / "sample_data"
    checks = {
        "tom_spike": ("Over-exertion", ["more gradually",
                                        # the half marathon (21.1 km) against his longest run of the 30 days
                                        # before (10.0 km): 21.1 / 10.0
                                        f"{21.1 / 10.0:.2f} × the longest run of the previous 30 days"], []),
        "lena_right": ("One leg only", ["pinched nerve"],
                       ["Cramps in one leg only", "tingling in the foot after"]),  # her notes, cramp row 6
        "george_night": ("Night cramps at rest", ["stretching before bed"],
                         # 15 Oct, 24 Oct, 02 Nov, 09 Nov: four night cramps within 25 days
                         ["4 night cramps within 30 days", "(4 or more within 30 days)"]),
    }
    weigh = pd.read_csv(team / "maria_hot" / "weigh_ins.csv")
    worst_loss = ((weigh["mass_before_kg"] - weigh["mass_after_kg"]) / weigh["mass_before_kg"] * 100).max()
    checks["maria_hot"] = ("Hot-day dehydration", ["drink to a plan", "weigh before and after", "cooler hours",
                                                   f"median of {len(weigh)} runs",
                                                   f"up to {worst_loss:.1f} % of body mass lost"], [])
    for athlete, (name, nexts, clinician) in checks.items():
        page, errors = _open(browser, first / athlete / "report.html", 1280)
        try:
            card = _card(page, name)
            assert card.count() == 1, (athlete, name)
            text = card.locator(".next").inner_text()
            for words in nexts:
                assert words in text, (athlete, words, text)
            if clinician:
                said = card.locator(".clinician").inner_text()
                for words in clinician:
                    assert words in said, (athlete, words, said)
                assert not re.search(r"\b[a-z]+_[a-z_]+\b", said), said  # words, never a setting's name
            else:
                assert card.locator(".clinician").count() == 0
            assert errors == []
        finally:
            page.close()
    page, _ = _open(browser, first / "george_night" / "report.html", 1280)
    try:  # furosemide and atorvastatin: the medicine card names the trigger, each medicine once
        medicine = _card(page, "Medicine")
        assert "among the reasons to see a clinician" in medicine.locator(".clinician").inner_text()
        assert "furosemide 40 mg (furosemide)" not in page.inner_text("body")
    finally:
        page.close()


@pytest.mark.parametrize("athlete", ["maria_hot", "tom_spike", "lena_right", "wkz_runner"])
def test_all_runs_hides_no_column_at_desk_width(reports, browser, athlete):
    first, _ = reports
    page, _ = _open(browser, first / athlete / "report.html", 1280)
    try:
        heads = page.eval_on_selector_all("#runs-table thead th", "els => els.map(e => e.textContent)")
        assert heads[:2] == ["date", "cramps"]  # cramps first after the date
        wrap = page.evaluate("() => { const w = document.getElementById('runs-table').parentElement;"
                             " return [w.scrollWidth, w.clientWidth]; }")
        assert wrap[0] <= wrap[1], wrap  # no horizontal scroll: nothing hidden behind it
        runs = pd.read_csv(first / "cramps.csv")
        shaded = page.locator("#runs-table tr.cramp-run").count()
        during = runs[(runs["athlete"] == athlete) & runs["context"].isin(["during_run", "after_run"])]
        assert shaded == during["activity"].nunique()
    finally:
        page.close()


def test_the_verdict_is_on_a_phone_screen(reports, browser):
    first, _ = reports
    page, errors = _open(browser, first / "maria_hot" / "report.html", 390)
    try:
        rows = page.locator("#season-table tbody tr")
        assert rows.count() == 5
        for i in range(rows.count()):
            row = rows.nth(i).bounding_box()
            verdict = rows.nth(i).locator("td.verdict").bounding_box()
            assert verdict["x"] >= 0 and verdict["x"] + verdict["width"] <= 390, verdict
            assert row["height"] < 300, row
        assert errors == []
    finally:
        page.close()


def _tooltip(page) -> str | None:
    return page.evaluate("() => { const e = document.getElementById('vg-tooltip-element');"
                         " return e && e.classList.contains('visible') ? e.innerText : null; }")


def _panels(page, chart: str) -> list[dict]:
    """The plot area of each panel of a run chart (its grid), in viewport coordinates, top to bottom."""
    return page.evaluate("""(chart) => Array.from(document.querySelectorAll(`#${chart} svg g.role-scope`))
        .filter(g => /concat_\\d+_group/.test(g.getAttribute('class')))
        .map(g => {
            const grids = Array.from(g.querySelectorAll('g.role-axis')).map(a => a.getBoundingClientRect())
                .filter(r => r.width > 0 && r.height > 0);
            const r = grids.reduce((a, b) => (b.width * b.height > a.width * a.height ? b : a));
            return {x: r.x, y: r.y, width: r.width, height: r.height};
        })""", chart)


BAD = re.compile(r"\b(undefined|null|NaN|Infinity)\b")
_TOOLTIP_SHOWN = ("() => { const e = document.getElementById('vg-tooltip-element');"
                  " return e && e.classList.contains('visible'); }")
_TOOLTIP_HIDDEN = ("() => { const e = document.getElementById('vg-tooltip-element');"
                   " return !e || !e.classList.contains('visible'); }")


@pytest.mark.parametrize("athlete", ["maria_hot", "tom_spike", "lena_right"])
def test_every_chart_panel_answers_the_pointer_with_defined_values(reports, browser, athlete):
    first, _ = reports
    page, errors = _open(browser, first / athlete / "report.html", 1280)
    try:
        _wait_for_charts(page)
        charts = page.eval_on_selector_all("div.chart-live[id^='run-']", "els => els.map(e => e.id)")
        assert charts
        for chart in charts:
            page.locator(f"#{chart}").scroll_into_view_if_needed()
            panels = _panels(page, chart)
            assert len(panels) >= 2, chart  # pace and heart rate at least
            for box in panels:
                page.mouse.move(box["x"] + box["width"] * 0.45, box["y"] + box["height"] / 2)
                page.wait_for_function(_TOOLTIP_SHOWN, timeout=5_000)
                text = _tooltip(page)
                assert text and not BAD.search(text), (chart, text)
                assert "pace (min/km)" in text and re.search(r"\b\d{1,2}:\d\d\b", text), text
        # the season charts' data marks too (not a legend's symbol, not a band): a bar, a run's point
        for chart, kind in (("season-weekly", "rect"), ("season-scatter", "symbol")):
            page.locator(f"#{chart}").scroll_into_view_if_needed()
            mark = page.locator(f"#{chart} svg g.mark-{kind}.role-mark path").first
            box = mark.bounding_box()
            page.mouse.move(0, 0)  # away from every mark: the last panel's tooltip goes first
            page.wait_for_function(_TOOLTIP_HIDDEN, timeout=5_000)
            page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
            page.wait_for_function(_TOOLTIP_SHOWN, timeout=5_000)
            text = _tooltip(page)
            assert text and not BAD.search(text), (chart, text)
        assert errors == []
    finally:
        page.close()


def test_every_panel_zooms_all_panels_together(reports, browser):
    first, _ = reports
    for i in range(3):  # pace, heart rate, temperature of María's first cramp run
        page, errors = _open(browser, first / "maria_hot" / "report.html", 1280)
        try:
            _wait_for_charts(page)
            page.locator("#run-0").scroll_into_view_if_needed()
            panels = _panels(page, "run-0")
            assert len(panels) == 3
            before = page.evaluate("() => window.cramp_charts['run-0'].scale('x').domain()")
            box = panels[i]
            page.mouse.move(box["x"] + box["width"] * 0.6, box["y"] + box["height"] / 2)
            page.mouse.wheel(0, -500)
            width = before[1] - before[0]
            page.wait_for_function("w => { const d = window.cramp_charts['run-0'].scale('x').domain();"
                                   " return d[1] - d[0] < w; }", arg=width, timeout=5_000)
            after = page.evaluate("() => window.cramp_charts['run-0'].scale('x').domain()")
            assert after[1] - after[0] < before[1] - before[0], (i, before, after)  # narrower, on the shared axis
            assert errors == []
        finally:
            page.close()


def _sentences(page) -> list[str]:
    texts = page.eval_on_selector_all("p, li, dd, dt, td, h3", "els => els.map(e => e.innerText)")
    out = []
    for t in texts:
        for line in t.split("\n"):
            # a sentence ends with . ! or ? (labels and chips such as "one leg only · 5 runs/days" do not)
            out += [s.strip() for s in re.split(r"(?<=[.!?])\s+(?=[A-Z(“\"'])", line)
                    if len(s.strip()) >= 20 and s.strip()[-1] in ".!?"]
    return out


def test_no_sentence_said_more_than_twice_on_a_page(reports, browser):
    first, _ = reports
    for rel in ["index.html", *[f"{a}/report.html" for a in ("george_night", "kai_control", "lena_right", "maria_hot",
                                                              "tom_spike", "wkz_runner")]]:
        page, _ = _open(browser, first / rel, 1280)
        try:
            page.evaluate("() => document.querySelectorAll('details').forEach(d => d.open = true)")
            repeated = {s: n for s, n in Counter(_sentences(page)).items() if n > 2}
            assert repeated == {}, (rel, repeated)
        finally:
            page.close()


@pytest.mark.parametrize("width", [1280, 390])
def test_no_table_is_wider_than_its_box(reports, browser, width):
    """Every table fits its box on every page, with and without "new" marks: nothing (a verdict cut mid-word)
    hides behind a scroll."""
    first, second = reports
    for rel in [*[(r, "index.html") for r in (first, second)],
                *[(first, f"{a}/report.html") for a in ("george_night", "kai_control", "lena_right", "maria_hot",
                                                        "tom_spike", "wkz_runner")]]:
        root, rel = rel
        page, _ = _open(browser, root / rel, width)
        try:
            boxes = page.evaluate("() => Array.from(document.querySelectorAll('.table-wrap')).map(w =>"
                                  " [w.querySelector('table').id || w.previousElementSibling?.id || '',"
                                  "  w.scrollWidth, w.clientWidth])")
            assert boxes, rel
            wide = [b for b in boxes if b[1] > b[2]]
            assert wide == [], (rel, width, wide)
        finally:
            page.close()


def _svg_texts(page, chart: str) -> list[dict]:
    return page.evaluate("""(chart) => Array.from(document.querySelectorAll(`#${chart} svg text`))
        .filter(t => parseFloat(getComputedStyle(t).opacity) > 0 && t.getAttribute('opacity') !== '0')
        .map(t => { const r = t.getBoundingClientRect();
                    return {text: t.textContent, x: r.x, y: r.y, right: r.right, bottom: r.bottom,
                            role: t.closest('g.role-axis-title') ? 'title'
                                  : (t.closest('g.role-axis-label') ? 'label' : '')}; })""", chart)


@pytest.mark.parametrize("width", [1280, 390])
def test_the_scatter_has_its_own_name_labelled_lines_and_no_empty_band(reports, browser, width):
    first, _ = reports
    page, errors = _open(browser, first / "maria_hot" / "report.html", width)
    try:
        _wait_for_charts(page)
        page.locator("#season-scatter").scroll_into_view_if_needed()
        texts = _svg_texts(page, "season-scatter")
        words = [t["text"] for t in texts]
        assert "Each run: distance vs heat" in words  # not the table's heading below it
        assert "Runs with cramps vs runs without" not in words
        # the NWS caution line, 90 °F = 32.2 °C, and the 1.10 × long-run line, each labelled (docs/thresholds.md)
        assert f"{(90 - 32) * 5 / 9:.1f} °C" in words and "1.10× longest 30 d" in words
        # every one of María's 14 runs has a heat index (her weather.csv covers them): no "no heat index" band;
        # her first 10 runs have no 30 days of history before them: that band stays
        assert "no heat index" not in words and "no 30-day history" in words
        # the y title is short and whole: inside the chart's box
        box = page.locator("#season-scatter").bounding_box()
        title = next(t for t in texts if t["text"] == "× longest 30 d")
        assert box["x"] <= title["x"] and title["right"] <= box["x"] + box["width"] + 0.5
        assert title["y"] >= box["y"] - 0.5 and title["bottom"] <= box["y"] + box["height"] + 0.5
        assert errors == []
    finally:
        page.close()


@pytest.mark.parametrize("athlete", ["maria_hot", "lena_right", "george_night", "kai_control", "wkz_runner"])
def test_season_chart_dates_never_run_together_on_a_phone(reports, browser, athlete):
    first, _ = reports
    page, errors = _open(browser, first / athlete / "report.html", 390)
    try:
        _wait_for_charts(page)
        for chart in ("season-weekly", "season-timeline"):
            if page.locator(f"#{chart} svg g.role-axis").count() == 0:  # a chart that is only a sentence
                continue
            labels = sorted((t for t in _svg_texts(page, chart)  # the shown axis labels that are dates
                             if t["role"] == "label" and t["right"] > t["x"] and t["text"][:1].isdigit()),
                            key=lambda t: t["x"])
            # the x-axis labels (dates) sit on one line; each ends at least 4 px before the next begins
            by_line: dict[int, list[dict]] = {}
            for t in labels:
                by_line.setdefault(round(t["y"]), []).append(t)
            dates = max(by_line.values(), key=len) if by_line else []
            assert len(dates) >= 2, (athlete, chart, labels)
            gaps = [b["x"] - a["right"] for a, b in zip(dates, dates[1:], strict=False)]
            assert min(gaps) >= 4, (athlete, chart, [d["text"] for d in dates], gaps)
        assert errors == []
    finally:
        page.close()
