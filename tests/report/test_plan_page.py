"""The "Before the run" page without a browser: what it says, worked out by hand.

The synthetic heat-cramper of ``tests/test_plan.py`` (three hot 10 km cramp runs, Madrid) plans
15 km at 13:00 on a forecast that is hot exactly from 09:00 to 20:00. Every expected number and
word below comes from that set-up (see the comments), not from the page.
"""

from __future__ import annotations

import html
import re

import pytest

import analyzer
from analyzer.report.plan_page import plan_page
from tests.conftest import REPO
from tests.test_plan import HOT_RH, HOT_T, PLAN_DAY, _bom_wbgt, _forecast_csv, _heat_cramper

FORBIDDEN = ("nan", "NaN", "NaT", "None", "null", "undefined", "inf", "Traceback")


def _visible(page: str) -> str:
    """The page's text as read (no tags, no style sheet), entities decoded."""
    body = re.sub(r"<style>.*?</style>", " ", page, flags=re.S)
    return html.unescape(re.sub(r"<[^>]+>", " ", body))


@pytest.fixture(scope="module")
def hot(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("plan-page")
    athlete = analyzer.load_athlete(_heat_cramper(tmp), weather="off")
    return analyzer.plan_run(athlete, date=PLAN_DAY, distance_km=15, start="13:00", pace="5:30",
                             forecast=_forecast_csv(tmp / "hot.csv"))


def test_the_headline_and_one_card_per_condition_with_its_plain_name_and_numbers(hot):
    page = plan_page(hot)
    # 15 km ÷ 10 km = 1.50 ≥ 1.10: met; no run of 11.25–18.75 km before: pace unknown; 90 °F at 70 %
    # is a heat index of 106 °F = 41.1 °C on the NWS chart (≥ 32.2) and BoM WBGT 35.4 °C (≥ 23): met
    assert (page.met, page.total, page.unknown, page.cramp_runs) == (3, 4, 1, 3)
    cards = [(c.name, c.pattern_name, c.state_text, c.value, c.threshold) for c in page.cards]
    assert cards == [
        ("Longer than usual", "over-exertion", "met", "1.50 ×", "1.10 ×"),
        ("Faster than usual", "over-exertion", "unknown", "unknown", "1.05 ×"),
        ("Heat index", "hot-day dehydration", "met", "41.1 °C", "32.2 °C"),
        ("WBGT", "hot-day dehydration", "met", f"{_bom_wbgt(HOT_T, HOT_RH):.1f} °C", "23.0 °C"),
    ]
    # the history line is the athlete's own: all three cramp runs were hot, none of the 10 others
    assert page.cards[2].history == "3 of your 3 cramp runs had heat index ≥ 32.2 °C; 0 of 10 runs without cramps did"
    # the unknown card says why, without the word "unknown:" in front
    assert page.cards[1].detail == "0 runs of similar distance in the 60 days before (3 needed)."
    # the nearest start whose 82.5 min stay cool: 06:30 (it ends 07:52, before the air warms)
    assert (page.best_start, page.planned_start) == ("06:30", "13:00")
    assert page.forecast == "the file hot.csv"


def test_the_hours_are_tiles_of_the_window_with_the_run_marked(hot):
    page = plan_page(hot)
    assert page.window == ("05:00", "21:00")
    assert len(page.hours) == 24  # the whole day, for the table
    tiles = [h for h in page.hours if h.in_window or h.in_run or h.in_best]
    assert [h.time for h in tiles] == [f"{h:02d}:00" for h in range(5, 22)]  # 05:00–21:00
    assert [h.time[:2] for h in tiles if h.hot] == [f"{h:02d}" for h in range(9, 21)]  # the CSV's hot hours
    # 13:00 + 82.5 min = 14:22: the hours of 13:00 and 14:00; from 06:30 to 07:52: 06:00 and 07:00
    assert [h.time for h in tiles if h.in_run] == ["13:00", "14:00"]
    assert [h.time for h in tiles if h.in_best] == ["06:00", "07:00"]
    # 05:00 is 16 °C = 60.8 °F at 60 %: the NWS simple formula 0.5·(60.8 + 61 + (60.8 − 68)·1.2 + 60·0.094)
    # = 59.4 °F = 15.2 °C, below the 16 °C air and under the NWS chart (80 °F = 26.7 °C): no heat-stress
    # number, so the table says "< 26.7" and the tile shows the air; WBGT by BoM
    assert tiles[0].heat_index == "< 26.7" and tiles[0].heat_tile == "air 16.0"
    assert tiles[0].wbgt == f"{_bom_wbgt(16.0, 60):.1f}"
    # 13:00 is 90 °F at 70 %: 105.9 °F = 41.1 °C on the NWS chart, shown as a heat index
    assert tiles[8].heat_index == "41.1" and tiles[8].heat_tile == "HI 41.1"
    assert tiles[8].air == "32.2 °C" and tiles[8].humidity == "70 %"  # 13:00 in the file


def test_the_page_reads_plainly_and_loses_no_note(hot):
    page = hot.to_html()
    text = _visible(page)
    assert '<meta name="viewport" content="width=device-width, initial-scale=1">' in page
    assert "<script" not in page  # self-contained, nothing to run
    for word in FORBIDDEN:
        assert not re.search(rf"\b{word}\b", text), word
    # plain names, never the ids; the forecast in words
    for name in ("Longer than usual", "Faster than usual", "Heat index", "WBGT"):
        assert f"<h3>{name}</h3>" in page
    assert not re.search(r"\b(long_run_spike|faster_than_usual|heat_index|wbgt|over_exertion|dehydration_heat)\b",
                         text)
    assert "file:hot.csv" not in text and "met/unknown" not in text
    assert "3 of 4" in text and "06:30" in text
    # every source once, at the bottom (after "How to read this")
    how = text.index("How to read this")
    for source in hot.conditions["source"]:
        assert text.count(source) == 1 and text.index(source) > how
    # every note said exactly once, in the words of the plan (a prefix the page shows as a heading dropped)
    for note in hot.notes:
        for prefix in ("Best start: ", "Reminder (your history, not a prediction): "):
            note = note.removeprefix(prefix)
        assert text.count(note[1:]) == 1, note
    assert "you will cramp" not in text.lower()


def test_without_a_forecast_the_heat_is_unknown_and_said_so(tmp_path):
    athlete = analyzer.load_athlete(_heat_cramper(tmp_path), weather="off")
    plan = analyzer.plan_run(athlete, date=PLAN_DAY, distance_km=15, start="13:00", pace="5:30", forecast="off")
    page = plan_page(plan)
    # distance met (1.5), pace unknown (no similar runs), both heat conditions unknown without a forecast
    assert (page.met, page.unknown) == (1, 3)
    assert [c.state for c in page.cards] == ["met", "unknown", "unknown", "unknown"]
    assert page.hours == [] and page.best_start == ""
    assert page.best_notes == ["The heat over the planned run is unknown, so no start could be checked."]
    out = plan.to_html()
    text = _visible(out)
    assert 'id="outlook"' not in out and "none (forecast off)" in text
    for word in FORBIDDEN:
        assert not re.search(rf"\b{word}\b", text), word


def test_no_cramp_run_is_said_plainly_and_reminders_are_their_own_list():
    george = analyzer.load_athlete(REPO / "sample_data" / "george_night", weather="off")
    plan = analyzer.plan_run(george, date="2024-11-20", distance_km=8, forecast="off")
    page = plan_page(plan)
    assert page.cramp_runs == 0  # his cramps are at rest at night
    text = _visible(plan.to_html())
    assert "conditions the report checks met (no cramp run to line them up with)" in text
    assert "Conditions that came before your cramps" not in text
    # the sample's night cramps and its two listed medicines, as reminders
    assert len(page.reminders) == 3 and "furosemide" in page.reminders[1] and "atorvastatin" in page.reminders[2]
    assert "Your other patterns (reminders, not predictions)" in text


def test_text_output_speaks_the_pages_names_and_says_the_key_line_first(hot):
    text = hot.to_text()
    lines = text.splitlines()
    assert lines[1] == "Forecast: file:hot.csv"
    # the key line third, before the conditions; counted from the JSON contract's own "met" values
    met = sum(c["met"] is True for c in hot.to_dict()["conditions"])
    assert lines[2].startswith(f"This run meets {met} of the {len(hot.to_dict()['conditions'])} conditions")
    assert text.count(lines[2]) == 1  # not repeated among the notes
    assert "  [MET    ] Longer than usual (over-exertion): planned 15 km" in text
    assert "Heat index (hot-day dehydration): forecast heat index" in text
    for raw in ("over_exertion", "long_run_spike", "dehydration_heat", "heat_index:", "faster_than_usual", " · "):
        assert raw not in text, raw  # the report's plain names, never the ids
    assert hot.to_dict()["conditions"][0]["name"] == "long_run_spike"  # the JSON keeps its ids (a contract)


def test_in_a_notebook_the_page_keeps_its_style_to_itself(hot):
    shown = hot._repr_html_()
    # one frame whose document is the page itself: no <style> reaches the notebook around it
    assert shown.startswith("<iframe ") and shown.endswith("</iframe>") and "<style" not in shown
    srcdoc = re.search(r'srcdoc="([^"]*)"', shown).group(1)
    assert html.unescape(srcdoc) == hot.to_html()


def test_a_heat_index_beyond_the_nws_chart_is_shown_as_such(tmp_path):
    athlete = analyzer.load_athlete(_heat_cramper(tmp_path), weather="off")
    csv = tmp_path / "scorching.csv"
    # 45 °C = 113 °F: hotter than the chart's 110 °F air, so the heat index is only "above 58 °C"
    csv.write_text("time,temperature_c,relative_humidity_pct\n" + "".join(
        f"{PLAN_DAY.isoformat()} {h:02d}:00,45,40\n" for h in range(24)), encoding="utf-8")
    plan = analyzer.plan_run(athlete, date=PLAN_DAY, distance_km=15, start="13:00", pace="5:30", forecast=csv)
    card = plan_page(plan).cards[2]
    assert (card.name, card.state, card.value) == ("Heat index", "met", "above 58 °C")
    assert "beyond the NWS chart" in card.detail


def test_the_page_reads_the_plans_fields_never_the_opening_words_of_its_notes(hot):
    import dataclasses

    from analyzer.plan import BEST_START, DISCLAIMER, REMINDER

    # the notes (text and JSON) are the typed fields put together, each once, in the page's order
    context = [hot.acclimatisation["text"]] + ([hot.fluid["text"]] if hot.fluid else [])
    assert hot.notes[0] == hot.headline and hot.notes[-1] == hot.disclaimer == DISCLAIMER
    assert sorted(hot.notes) == sorted([hot.headline, *hot.other_notes, *(BEST_START + n for n in hot.best_start_notes),
                                        *context, *(REMINDER + r for r in hot.reminders), hot.disclaimer])
    assert not any(r.startswith("Reminder") for r in hot.reminders)
    # the page is the same with the words of the notes list gone: it never reads them
    assert plan_page(dataclasses.replace(hot, notes=["Best start: x", "Reminder (your history, not a prediction): y"])) \
        == plan_page(hot)
    page = plan_page(hot)
    assert (page.headline, page.disclaimer, page.notes) == (hot.headline, DISCLAIMER, hot.other_notes)


def test_a_cards_words_come_from_the_conditions_finding_not_from_cutting_the_detail(hot):
    rows = hot.conditions.set_index("name")
    # unknown: the detail is "unknown: " + the finding; known: the finding + the threshold
    assert rows.loc["faster_than_usual", "detail"] == "unknown: " + rows.loc["faster_than_usual", "finding"]
    assert rows.loc["long_run_spike", "detail"] == rows.loc["long_run_spike", "finding"] + \
        " (the condition starts at 1.10 ×)"
    assert rows.loc["heat_index", "detail"].endswith(" (the condition starts at 32.2 °C)")
    page = plan_page(hot)
    # the card: the finding as a sentence (15 km vs the longest 10 km of the 30 days before: 1.50 ×)
    assert page.cards[0].detail == "Planned 15 km vs your longest of the 30 days before, 10.0 km: 1.50 ×."


def test_an_hour_beyond_the_nws_chart_shows_no_heat_index_number(tmp_path):
    """44 °C air at 10 % humidity: the regression gives about 41 °C (106 °F), a number the NWS chart
    does not give (its air stops at 110 °F, 43.3 °C). Every hour says "off chart" instead, on the
    tiles, in the table, in the text outlook; the outlook says so as data."""
    athlete = analyzer.load_athlete(_heat_cramper(tmp_path), weather="off")
    csv = tmp_path / "dry-heat.csv"
    csv.write_text("time,temperature_c,relative_humidity_pct\n" + "".join(
        f"{PLAN_DAY.isoformat()} {h:02d}:00,44,10\n" for h in range(24)), encoding="utf-8")
    plan = analyzer.plan_run(athlete, date=PLAN_DAY, distance_km=15, start="13:00", pace="5:30", forecast=csv)
    assert len(plan.outlook) == 24 and plan.outlook["heat_index_beyond_chart"].tolist() == [True] * 24
    assert plan.outlook["heat_index_c"].between(40.0, 42.0).all()  # the number that must not be shown
    hours = plan_page(plan).hours
    assert [(h.heat_index, h.heat_tile) for h in hours] == [("off chart", "HI off chart")] * 24
    text_hours = [line for line in plan.to_text().splitlines() if line.startswith("  ") and " air 44.0 °C" in line]
    assert len(text_hours) == 24 and all("heat index off chart  WBGT" in line for line in text_hours)
    table = re.search(r"<table.*?</table>", plan.to_html(), flags=re.S)
    shown = re.findall(r"\b4[01]\.\d\b", _visible(plan.to_html()))
    assert table and not shown, shown
