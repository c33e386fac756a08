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
from analyzer.synthetic import synthetic_run, write_athlete

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
    assert (out / "ana" / "report.html").exists() and (out / "ana" / "report.pdf").read_bytes()[:4] == b"%PDF"
    assert "3 athletes" in result.output.splitlines()[-1]


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


def test_html_escapes_input_text_and_is_self_contained(report):
    _, out, _, _ = report
    page = (out / "ana" / "report.html").read_text(encoding="utf-8")
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "Ana &lt;b&gt;" in page
    parser = _Links()
    parser.feed(page)
    assert parser.tables >= 3
    # charts are specs the browser draws with the script inlined once; nothing is fetched
    assert page.count('data-chart="') >= 3 and page.count("vegaEmbed(") == 1
    assert not re.search(r"""(src|href)=["']?(https?:)?//""", page)
    assert all(src.startswith("data:") for src in parser.images)
    index = _Links()
    index.feed((out / "index.html").read_text(encoding="utf-8"))
    for href in index.links:
        assert (out / href).exists(), href


def test_odd_athlete_names_stay_inside_out(report):
    _, out, _, _ = report
    _, summary = _csv(out / "summary.csv")
    evil = next(s for s in summary if s["athlete"] == "..evil name!")
    target = (out / evil["report"]).resolve()
    assert out.resolve() in target.parents and target.exists()
    assert not any(p.name.startswith(".") for p in out.iterdir())
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
def test_report_renders_in_headless_chromium_without_console_errors(report, tmp_path):
    _, out, _, _ = report
    shot = tmp_path / "shot.png"
    proc = subprocess.run(
        ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run", f"--user-data-dir={tmp_path / 'prof'}",
         "--enable-logging=stderr", "--v=0", f"--screenshot={shot}", "--window-size=1200,2000",
         (out / "ana" / "report.html").as_uri()],
        capture_output=True, text=True, timeout=120,
    )
    assert shot.exists() and shot.stat().st_size > 10_000
    console_errors = [line for line in proc.stderr.splitlines() if "CONSOLE" in line and "ERROR" in line.upper()]
    assert console_errors == []
