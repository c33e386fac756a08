"""`analyzer report`: the report folder (docs/folders.md), exit codes, escaping, safety."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import re
import shutil
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path

import pytest
from typer.testing import CliRunner

from analyzer.cli import app
from analyzer.report.out_folder import OWN_NAMES
from analyzer.testing.synthetic import synthetic_run, write_athlete
from tests.conftest import pdf_unavailable

UTC = dt.UTC
runner = CliRunner()

FORMATS_COLUMNS = {
    "summary.csv": ["athlete", "name", "runs", "distance_km", "cramps", "patterns"],
    "cramps.csv": ["athlete", "cramp_row", "time_utc", "context", "activity", "elapsed_s", "distance_km",
                   "pace_s_per_km", "heart_rate_bpm", "air_temperature_c", "heat_index_c", "patterns"],
    "flags.csv": ["athlete", "scope", "cramp_row", "activity", "pattern", "rule", "value", "threshold", "unit",
                  "message", "source"],
    "errors.csv": ["athlete", "file", "location", "message"],
}


def _team(root: Path) -> Path:
    team = root / "team"
    start = dt.datetime(2024, 5, 6, 6, tzinfo=UTC)
    runs = {f"r{i}.fit": synthetic_run(start + dt.timedelta(days=2 * i), 5.0, 330, seed=i) for i in range(4)}
    write_athlete(team / "ana", {"name": "Ana <b>", "timezone": "Europe/Madrid"}, runs,
                  [{"time": "2024-05-08 08:20", "leg": "left", "notes": "<script>alert(1)</script>"},
                   {"time": "2024-05-10 08:20", "leg": "lef"},  # bad row
                   {"time": "2024-05-12 08:20", "leg": "right", "notes": "=HYPERLINK(\"http://x\")"}])
    bad_runs = dict(runs)
    bad_runs["corrupt.fit"] = b"\x0e\x10" + b"\x00" * 30  # header without .FIT
    write_athlete(team / "bob", {"timezone": "UTC"}, bad_runs, [])
    write_athlete(team / "..evil name!", {"timezone": "UTC"}, runs, [{"time": "2024-05-06T06:20:00Z", "leg": "left"}])
    return team


def _hashes(folder: Path) -> dict[Path, str]:
    return {p: hashlib.sha256(p.read_bytes()).hexdigest() for p in folder.rglob("*") if p.is_file()}


def _csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    with path.open(newline="", encoding="utf-8") as fh:
        reader = csv.DictReader(fh)
        return list(reader.fieldnames or []), list(reader)


class _Links(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.links, self.images, self.tables, self.scripts = [], [], 0, []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "a":
            self.links.append(a.get("href"))
        elif tag == "img":
            self.images.append(a.get("src", ""))
        elif tag == "table":
            self.tables += 1

    def handle_data(self, data):
        if "alert(1)" in data and "<script>" in data:
            self.scripts.append(data)


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    root = tmp_path_factory.mktemp("r")
    team = _team(root)
    before = _hashes(team)
    out = root / "out"
    result = runner.invoke(app, ["report", str(team), "--out", str(out), "--jobs", "2", "--format", "html,pdf"])
    return team, out, result, before


def test_report_folder_has_exactly_the_formats_files(report):
    team, out, result, _ = report
    assert result.exit_code == 1, result.output  # one corrupt FIT file and one bad row
    names = {p.name for p in out.iterdir()}
    assert {"index.html", "summary.csv", "cramps.csv", "flags.csv", "errors.csv"} <= names
    for name, columns in FORMATS_COLUMNS.items():
        header, _ = _csv(out / name)
        assert header[: len(columns)] == columns
    assert (out / "ana" / "report.html").exists()
    assert "3 athletes" in result.output.splitlines()[-2]
    assert result.output.splitlines()[-1] == f"open {out / 'index.html'}"  # where to look next


def test_problems_are_listed_and_everyone_else_reported(report):
    _, out, _, _ = report
    _, errors = _csv(out / "errors.csv")
    where = {(e["athlete"], Path(e["file"]).name, e["location"]) for e in errors}
    assert ("ana", "cramps.csv", "row 2") in where
    assert ("bob", "corrupt.fit", "byte 0") in where
    _, summary = _csv(out / "summary.csv")
    assert {s["athlete"] for s in summary} == {"ana", "bob", "..evil name!"}
    bob = next(s for s in summary if s["athlete"] == "bob")
    assert bob["runs"] == "4"


def test_cramps_csv_times_are_utc_z_and_formula_cells_are_defused(report):
    _, out, _, _ = report
    _, cramps = _csv(out / "cramps.csv")
    ana = [c for c in cramps if c["athlete"] == "ana"]
    assert ana[0]["time_utc"] == "2024-05-08T06:20:00Z"  # 08:20 in Madrid (CEST)
    assert ana[0]["context"] == "during_run"
    assert ana[1]["notes"].startswith("'=HYPERLINK")


def test_cramps_csv_adds_local_time_after_the_contract_columns(report):
    _, out, _, _ = report
    header, cramps = _csv(out / "cramps.csv")
    assert header[len(FORMATS_COLUMNS["cramps.csv"])] == "time_local"  # added after the twelve, nothing renamed
    ana = [c for c in cramps if c["athlete"] == "ana"]
    assert ana[0]["time_local"] == "2024-05-08T08:20:00+02:00"  # logged as 08:20 in Madrid, summer time
    evil = next(c for c in cramps if c["athlete"] == "..evil name!")
    assert evil["time_local"] == "2024-05-06T06:20:00+00:00" and evil["time_utc"] == "2024-05-06T06:20:00Z"


def test_csv_numbers_are_rounded_to_their_meaning(report):
    _, out, _, _ = report
    from analyzer.report.build import CSV_DIGITS

    for name in ("cramps.csv", "flags.csv", "summary.csv"):
        header, rows = _csv(out / name)
        for row in rows:
            for col, digits in CSV_DIGITS.items():
                cell = row.get(col, "")
                if cell and re.fullmatch(r"-?\d+(\.\d+)?", cell):
                    decimals = len(cell.partition(".")[2])
                    assert decimals <= digits, (name, col, cell)
        # no float noise anywhere, e.g. 7.933333333333334
        assert not re.search(r"\d\.\d{7,}", (out / name).read_text(encoding="utf-8")), name
    _, cramps = _csv(out / "cramps.csv")
    ana = next(c for c in cramps if c["athlete"] == "ana")
    assert ana["elapsed_s"] == "1200.0"  # 06:20 UTC is 20 min after the 06:00 start: whole seconds, one decimal


def test_files_are_written_with_the_users_umask(report):
    import os
    import stat

    _, out, _, _ = report
    mask = os.umask(0)
    os.umask(mask)
    for path in [out, *out.rglob("*")]:
        mode = stat.S_IMODE(path.stat().st_mode)
        expected = (0o777 if path.is_dir() else 0o666) & ~mask
        assert mode == expected, (path, oct(mode), oct(expected))


def test_the_team_summary_prints_on_one_landscape_page(report):
    import pypdf

    if pdf_unavailable():
        pytest.skip(pdf_unavailable())

    _, out, _, _ = report
    pdf = pypdf.PdfReader(out / "team.pdf")
    assert len(pdf.pages) == 1
    assert (round(float(pdf.pages[0].mediabox.width)), round(float(pdf.pages[0].mediabox.height))) == (842, 595)
    text = " ".join(pdf.pages[0].extract_text().split())
    _, summary = _csv(out / "summary.csv")
    assert all(row["name"] in text for row in summary)  # every athlete, on the one page
    assert "Order:" in text and "Click a column" not in text and "not medical advice" in text


def test_pdf_is_a4_linked_from_the_page_and_dates_every_cramp(report):
    import pypdf

    if pdf_unavailable():
        pytest.skip(pdf_unavailable())

    _, out, _, _ = report
    page = (out / "ana" / "report.html").read_text(encoding="utf-8")
    assert 'href="report.pdf"' in page
    assert (out / "ana" / "report.pdf").read_bytes()[:5] == b"%PDF-"
    pdf = pypdf.PdfReader(out / "ana" / "report.pdf")
    assert len(pdf.pages) >= 2
    assert {(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in pdf.pages} == {(595, 842)}  # A4
    text = " ".join(" ".join(p.extract_text() for p in pdf.pages).split())
    assert "Why do the cramps come? — Ana <b>" in text
    # each cramp with its local date and run (08:20 in Madrid on 8 and 12 May); never a source file no reader has
    assert "Wed 08 May 2024 08:20" in text and "Sun 12 May 2024 08:20" in text and "r1.fit" in text
    assert re.search(r"page 1 of \d+", text) and "DOMAIN.md" not in text


def test_html_escapes_input_text_and_is_self_contained(report):
    _, out, _, _ = report
    page = (out / "ana" / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Ana &lt;b&gt;" in page
    parser = _Links()
    parser.feed(page)
    assert parser.tables >= 2  # cramps and all runs (the season comparison is one sentence with too few cramp runs)
    # charts are specs the browser draws with the script inlined once; nothing is fetched
    assert page.count('data-chart="') >= 3 and page.count("vegaEmbed(") == 1
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert all(src.startswith("data:") for src in parser.images)
    index = _Links()
    index.feed((out / "index.html").read_text(encoding="utf-8"))
    for href in index.links:
        if href.startswith("#"):  # a place on the same page
            assert f'id="{href[1:]}"' in (out / "index.html").read_text(encoding="utf-8"), href
        else:
            assert (out / href).exists(), href


def test_odd_athlete_names_stay_inside_out(report):
    _, out, _, _ = report
    _, summary = _csv(out / "summary.csv")
    evil = next(s for s in summary if s["athlete"] == "..evil name!")
    target = (out / evil["report"]).resolve()
    assert out.resolve() in target.parents and target.exists()
    # no athlete's folder is hidden (the dot names are the report folder's own bookkeeping)
    assert not any(p.name.startswith(".") for p in out.iterdir() if p.name not in (*OWN_NAMES, ".last_report.json"))
    assert not (out.parent / "evil name!").exists()


def test_inputs_are_untouched(report):
    team, _, _, before = report
    assert _hashes(team) == before


def test_missing_folder_exits_2_with_a_clear_message(tmp_path):
    result = runner.invoke(app, ["report", str(tmp_path / "nope"), "--out", str(tmp_path / "o")])
    assert result.exit_code == 2
    assert "does not exist" in result.output


def test_bad_date_and_format_exit_2(tmp_path):
    assert runner.invoke(app, ["report", str(tmp_path), "--out", str(tmp_path / "o"), "--since", "May 1"]).exit_code == 2
    assert runner.invoke(app, ["report", str(tmp_path), "--out", str(tmp_path / "o"), "--format", "docx"]).exit_code == 2


def test_since_until_and_athlete_selection(tmp_path):
    team = _team(tmp_path)
    out = tmp_path / "o"
    result = runner.invoke(app, ["report", str(team), "--out", str(out), "--athlete", "ana", "--jobs", "1",
                                 "--since", "2024-05-09", "--until", "2024-05-31", "-q"])
    assert result.exit_code == 1  # ana's bad row is still an input problem
    _, summary = _csv(out / "summary.csv")
    assert [s["athlete"] for s in summary] == ["ana"]
    assert summary[0]["runs"] == "2"  # runs on 10 and 12 May
    _, cramps = _csv(out / "cramps.csv")
    assert [c["cramp_row"] for c in cramps] == ["3"]


def test_python_m_analyzer_help():
    proc = subprocess.run([sys.executable, "-m", "analyzer", "report", "--help"], capture_output=True, text=True)
    assert proc.returncode == 0 and "--since" in proc.stdout and "Exit codes" in proc.stdout


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium is not installed on this machine")
def test_a_page_with_many_cramp_runs_keeps_to_its_size_budget(tmp_path):
    import analyzer
    from analyzer.report.build import MIN_RUN_POINTS, PAGE_BUDGET_BYTES

    start = dt.datetime(2024, 5, 6, 6, tzinfo=UTC)
    runs = {f"r{i:02d}.fit": synthetic_run(start + dt.timedelta(days=2 * i), 12.0, 330, seed=i) for i in range(24)}
    cramps = [{"activity": name, "distance_km": 10.0, "leg": "left"} for name in runs]
    write_athlete(tmp_path / "team" / "busy", {"timezone": "UTC"}, runs, cramps)
    result = analyzer.run_report(tmp_path / "team", tmp_path / "out", jobs=1, weather="off", cache_dir=tmp_path / "c")
    assert result.exit_code == 0
    page = (tmp_path / "out" / "busy" / "report.html").read_text(encoding="utf-8")
    assert page.count('data-chart="run-') == 24  # every cramp run keeps its chart
    assert len(page.encode()) <= PAGE_BUDGET_BYTES
    points = re.findall(r'data-chart="run-0">(.*?)</script>', page)[0].count('"min":')
    assert MIN_RUN_POINTS <= points <= 5_000 // 24 + 1


ADDRESS_SPACE_LIMIT_BYTES = 5 * 2**29
"""``ulimit -v`` 2.5 GiB: Python, pandas and matplotlib run well inside it. vl-convert's JavaScript
engine could not reserve its heap under it (it needs more than 4 GiB of address space); the report
now starts no engine at all: the chart script ships with the analyzer."""


def test_an_address_space_limit_costs_nothing(tmp_path):
    import os
    import resource

    from tests.conftest import REPO

    team = tmp_path / "team"
    start = dt.datetime(2024, 5, 6, 6, tzinfo=UTC)
    write_athlete(team / "ana", {"name": "Ana", "timezone": "UTC"}, {"r0.fit": synthetic_run(start, 4.0, 330)},
                  [{"time": "2024-05-06 06:10", "leg": "left"}])
    out = tmp_path / "out"

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (ADDRESS_SPACE_LIMIT_BYTES, ADDRESS_SPACE_LIMIT_BYTES))

    env = {**os.environ, "PYTHONPATH": str(REPO), "OPENBLAS_NUM_THREADS": "1"}
    done = subprocess.run([sys.executable, "-m", "analyzer", "report", str(team), "--out", str(out), "--jobs", "1",
                           "--cache-dir", str(tmp_path / "fresh-cache"), "--weather", "off", "--quiet"],
                          preexec_fn=limit, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, (done.returncode, done.stderr[-2000:])
    assert [line for line in done.stderr.splitlines() if line.strip()] == []  # no note: nothing was given up
    assert "1 athletes, 1 runs, 1 cramps" in done.stdout
    page = (out / "ana" / "report.html").read_text(encoding="utf-8")
    assert "Cramp report — Ana" in page and 'src="data:image/png;base64,' not in page
    assert page.count((REPO / "analyzer" / "report" / "vendor" / "vega-bundle.js").read_text(encoding="utf-8")) == 1
    assert "static figures instead of interactive charts" not in (out / "index.html").read_text(encoding="utf-8")
