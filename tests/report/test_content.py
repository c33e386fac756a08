"""What an athlete's page says: the answer first, plain names, each explanation once, numbers as read."""

from __future__ import annotations

import datetime as dt
import re
from html.parser import HTMLParser

import pytest

import analyzer
from analyzer.report.build import write_athlete_report
from analyzer.report.content import PATTERN_NAMES, athlete_page, chip_value, number
from analyzer.testing.synthetic import synthetic_run, write_athlete

UTC = dt.UTC
START = dt.datetime(2024, 4, 8, 16, tzinfo=UTC)  # 18:00 in Berlin


class _Text(HTMLParser):
    """The words a reader sees (no scripts, no styles)."""

    def __init__(self) -> None:
        super().__init__()
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self._skip += tag in ("script", "style")

    def handle_endtag(self, tag):
        self._skip -= tag in ("script", "style")

    def handle_data(self, data):
        if not self._skip:
            self.parts.append(data)


@pytest.fixture(scope="module")
def lena(tmp_path_factory):
    """Five right-leg cramps on five runs (one leg), severities 2..5, one cramp in both legs at night."""
    runs = {f"r{i:02d}.fit": synthetic_run(START + dt.timedelta(days=3 * i), 8.0, 330, seed=i) for i in range(12)}
    cramps = [{"activity": f"r{i:02d}.fit", "distance_km": 6.0, "leg": "right", "muscle": "calf",
               "severity": 2 + i % 4} for i in (1, 3, 5, 7, 9)]
    cramps.append({"time": "2024-04-30 02:40", "leg": "both", "muscle": "calf", "severity": 3})
    folder = write_athlete(tmp_path_factory.mktemp("l") / "lena", {"name": "Lena K.", "timezone": "Europe/Berlin"},
                           runs, cramps)
    return analyzer.analyze(analyzer.load_athlete(folder))


@pytest.fixture(scope="module")
def page_text(lena, tmp_path_factory):
    out = tmp_path_factory.mktemp("page")
    write_athlete_report(lena, out, ("html",), bundle=None)
    parser = _Text()
    parser.feed((out / "report.html").read_text(encoding="utf-8"))
    return " ".join(" ".join(parser.parts).split())


def test_the_page_leads_with_one_card_per_pattern(lena):
    page = athlete_page(lena)
    assert [c.pattern for c in page.cards] == lena.patterns
    assert {c.name for c in page.cards} >= {"one leg only", "night cramps at rest"}
    one_leg = next(c for c in page.cards if c.pattern == "one_leg")
    # 5 of the 6 cramps were one-sided (the sixth was in both legs), on 5 separate runs
    assert one_leg.headline == "5 of 6 cramps were single-leg cramps on one side, on 5 separate runs or days."
    # chance alone: each of 5 independent cramps on the same side, either side: 2 × 0.5^5 = 0.0625
    assert "chance alone p = 0.062" in one_leg.numbers[-1]


def test_each_explanation_is_said_once(lena, page_text):
    one_leg_message = lena.flags.query("pattern == 'one_leg' and scope == 'cramp'")["message"].iloc[0]
    assert page_text.count(" ".join(one_leg_message.split())) == 1  # not once per cramp
    assert page_text.count("one leg only as for cramp 1") == 4  # the other four one-leg cramps point back to it


def test_plain_names_and_real_citations_never_ids_or_files(page_text):
    for pattern in PATTERN_NAMES:  # ids stay in the CSV files (a setting's name, e.g. one_leg_min_cramps, may show)
        if "_" in pattern:  # "night" and "medication" are also plain words
            assert not re.search(rf"\b{pattern}\b", page_text), pattern
    assert "one leg only" in page_text.lower()
    assert "DOMAIN.md" not in page_text and "FORMATS.md" not in page_text and "§" not in page_text
    # the night cramp's threshold cites its published source by author and year
    assert re.search(r"[A-Z][a-z]+ [^.]{0,40}\b(19|20)\d\d\b", page_text)


def test_numbers_as_read(lena, page_text):
    page = athlete_page(lena)
    severities = [c["severity"] for c in page.cramps]
    assert severities == ["3/5", "5/5", "3/5", "5/5", "3/5", "3/5"]  # 2 + i % 4 for i = 1, 3, 5, 7, 9; then 3
    assert page.cramps[-1]["leg"] == "calf, both legs"
    assert "both leg " not in page_text and "both leg." not in page_text
    assert not re.search(r"-0\.0\b|−0\.0\b", page_text)
    assert number(-0.04, 1) == "0.0" and number(float("nan")) == "" and number(2.25, 1, "°C") == "2.2 °C"


def test_night_cramp_is_shown_in_local_time(lena):
    page = athlete_page(lena)
    night = page.cramps[-1]
    assert night["when"] == "Tue 30 Apr 2024 02:40" and night["context"] == "at rest"
    assert any(chip["name"] == "night cramps at rest" and chip["value"] == "02:40" for chip in night["chips"])


@pytest.mark.parametrize(
    ("rule", "value", "text"),
    [("long_run_spike", 1.62, "1.6× longest"), ("faster_than_usual", 1.083, "+8 % speed"),
     ("heat_index", 41.06, "HI 41 °C"), ("heat_index", 70.0, "HI > 58 °C"), ("body_mass_loss", 2.71, "−2.7 % mass"),
     ("hr_drift", 6.6, "drift 7 %"), ("night", 2.6667, "02:40"), ("one_leg", 5, "5 runs/days")],
)
def test_chip_values(rule, value, text):
    assert chip_value(rule, value, "") == text


def test_since_line_counts_what_is_new_against_the_last_report():
    from analyzer.report.content import since_text

    last = {"date": "2024-11-18 07:02 UTC", "cramps": ["a"], "runs": ["r1"], "patterns": ["night"]}
    now = {"cramps": ["a", "b"], "runs": ["r1", "r2", "r3"], "patterns": ["night", "one_leg"]}
    text, counts = since_text(last, now)
    assert text == "since 2024-11-18 07:02 UTC: 1 new cramp; 2 new runs; newly raised: one leg only"
    assert counts == {"cramps": 1, "runs": 2, "patterns": ["one_leg"], "date": "2024-11-18 07:02 UTC"}
    assert since_text(last, {"cramps": ["a"], "runs": ["r1"], "patterns": ["night"]})[0] == \
        "nothing new since the last report"  # no date: an unchanged athlete's cached page stays true
    assert since_text(None, now) == ("", {})  # the first report in a folder marks nothing


def test_each_refused_row_of_cramps_csv_is_said_under_the_cramp_table(tmp_path):
    """The sample's Lena: row 3 of her cramps.csv has leg "rigth", so her cramps are numbered 1, 2, 4, 5, 6."""
    import shutil

    from tests.conftest import REPO

    folder = tmp_path / "lena_right"
    shutil.copytree(REPO / "sample_data" / "lena_right", folder)
    rows = (folder / "cramps.csv").read_text(encoding="utf-8").splitlines()[1:]
    typo = [i for i, r in enumerate(rows, start=1) if r.split(",")[3] == "rigth"]
    assert typo == [3]
    # and a second refused row: row 2 repeated exactly at the end (row 7)
    with open(folder / "cramps.csv", "a", encoding="utf-8") as f:
        f.write(rows[1] + "\n")
    a = analyzer.analyze(analyzer.load_athlete(folder, weather="off"))
    assert a.cramps["cramp_row"].tolist() == [1, 2, 4, 5, 6]
    page = athlete_page(a)
    assert page.left_out == ['cramp 3 left out (leg "rigth" is not one of left, right, both)',
                             "cramp 7 left out (repeats row 2 exactly)"]
    out = tmp_path / "report"
    out.mkdir()
    write_athlete_report(a, out, ("html",), bundle=None)
    parser = _Text()
    parser.feed((out / "report.html").read_text(encoding="utf-8"))
    text = re.sub(r"\s+([.:])", r"\1", " ".join(" ".join(parser.parts).split()))  # the link's own text part
    assert 'cramp 3 left out (leg "rigth" is not one of left, right, both): see input problems.' in text
    assert "cramp 7 left out (repeats row 2 exactly): see input problems." in text


def test_the_glossary_lists_only_the_words_the_page_uses(tmp_path):
    from analyzer.report.content import GLOSSARY
    from tests.conftest import REPO

    out = tmp_path / "report"
    analyzer.run_report(REPO / "sample_data", out, jobs=1, weather="off")
    listed = {}
    for athlete in ("tom_spike", "kai_control", "george_night", "maria_hot"):
        html = (out / athlete / "report.html").read_text(encoding="utf-8")
        head, glossary = html.split('<h3 id="glossary">')
        terms = re.findall(r"<dt>(.*?)</dt>", glossary.split("</dl>")[0])
        listed[athlete] = terms
        for term in GLOSSARY:  # listed exactly when the page (above the glossary) says it
            said = term.replace("&", "&amp;") in head.split("<body>")[1]
            assert (term in terms) == said, (athlete, term)
    # Tom has too few cramp runs to compare, and no run of Kai's reached a threshold (no comparison): neither
    # page gives a Fisher exact p; neither lists a medicine (no sequence ratio, no 95 % CI); George's medicine
    # card cites Garrison et al.'s sequence ratios with their 95 % CIs
    for athlete in ("tom_spike", "kai_control"):
        assert not {"Fisher exact p", "sequence ratio", "95 % CI"} & set(listed[athlete]), listed[athlete]
    assert {"sequence ratio", "95 % CI"} <= set(listed["george_night"])
    assert "heat index" in listed["tom_spike"]  # the All runs table's column
    index = (out / "index.html").read_text(encoding="utf-8")
    assert '<span class="hide-phone">Click a column to sort' in index  # the cards on a phone have no columns
    assert ">last 14 days of data</th>" in index and ">last 14 d<" not in index


def test_the_glossary_says_the_athletes_own_settings():
    """An athlete.toml that widens "similar distance" to ±40 % and looks back 60 days for the longest run:
    the hover notes and the glossary say so, not the defaults (±25 %, 30 days)."""
    from analyzer.flags.thresholds import resolve_thresholds
    from analyzer.report.content import GLOSSARY, explain, glossary_for

    mine = glossary_for(resolve_thresholds({"similar_distance_fraction": 0.4, "long_run_history_days": 60})[0])
    assert "(within ±40 %)" in mine["× usual speed"] and "(within ±25 %)" in GLOSSARY["× usual speed"]
    assert "the previous 60 days" in mine["× longest 30 d"] and "the previous 30 days" in GLOSSARY["× longest 30 d"]
    assert "±40 %" in str(explain("× usual speed", mine)) and "±25 %" in str(explain("× usual speed"))
