"""The page templates' compiled code kept in the cache folder (analyzer.report.template_cache): a
fresh process reuses it and writes the same pages; a changed template is compiled again; a damaged,
foreign or unwritable entry costs nothing but speed."""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys

import jinja2
import pytest

from analyzer.report import template_cache
from analyzer.testing.synthetic import synthetic_run, write_athlete
from tests.conftest import REPO

START = dt.datetime(2024, 6, 1, 7, tzinfo=dt.UTC)

# a report in a fresh process (the command line), saying which templates it compiled from source
REPORT = (
    "import sys, jinja2\n"
    "compiled = []\n"
    "orig = jinja2.Environment.compile\n"
    "def compile(self, source, *a, **kw):\n"
    "    compiled.append(source)\n"
    "    return orig(self, source, *a, **kw)\n"
    "jinja2.Environment.compile = compile\n"
    "from analyzer.cli import app\n"
    "try:\n"
    "    app(sys.argv[1:])\n"
    "except SystemExit as exc:\n"
    "    assert exc.code in (0, 1, None), exc.code\n"
    "print('compiled', len(compiled))\n"
)


def _report(*args: str) -> int:
    """``analyzer report ARGS --jobs 1 --weather off`` in a fresh process; how many templates it compiled."""
    done = subprocess.run([sys.executable, "-c", REPORT, "report", *args, "--jobs", "1", "--weather", "off", "--quiet"],
                          capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return int(done.stdout.split("compiled")[-1])


def _pages(out) -> dict:
    stamp = re.compile(rb"generated \d{4}-\d\d-\d\d \d\d:\d\d UTC")
    return {p.relative_to(out): stamp.sub(b"generated", p.read_bytes()) for p in sorted(out.rglob("*"))
            if p.is_file() and not p.name.startswith(".")}


def test_a_fresh_process_reuses_the_compiled_templates_and_writes_the_same_pages(tmp_path):
    team, cache = tmp_path / "team", tmp_path / "cache"
    write_athlete(team / "ana", {"timezone": "UTC"}, {f"r{k}.fit": synthetic_run(START + dt.timedelta(days=k), 6.0, 330,
                                                                               seed=k) for k in range(3)},
                  [{"activity": "r1.fit", "distance_km": 4.0, "leg": "left"}])
    # the first report compiles the athlete page and the team page, and keeps both
    assert _report(str(team), "--out", str(tmp_path / "out"), "--cache-dir", str(cache)) == 2
    kept = sorted(p.name.split("-")[0] for p in (cache / template_cache.FOLDER).iterdir())
    assert kept == ["athlete.html.j2", "index.html.j2"]
    assert not any(p.name == template_cache.FOLDER for p in (tmp_path / "out").rglob("*"))  # never in the report
    # the same without cache (compiled from source; --no-cache keeps no compiled code), remembering the
    # same last report, so that both mark the same runs new
    fresh = ("--out", str(tmp_path / "fresh"), "--cache-dir", str(tmp_path / "c2"), "--no-cache")
    assert _report(str(team), *fresh) == 2
    (tmp_path / "fresh" / ".last_report.json").write_bytes((tmp_path / "out" / ".last_report.json").read_bytes())
    # a new run: the athlete's page is written again, by a fresh process that compiles nothing
    (team / "ana" / "activities" / "r3.fit").write_bytes(synthetic_run(START + dt.timedelta(days=3), 7.0, 320, seed=3))
    assert _report(str(team), "--out", str(tmp_path / "out"), "--cache-dir", str(cache)) == 0
    assert _report(str(team), *fresh) == 2
    assert not (tmp_path / "c2" / template_cache.FOLDER).exists()
    pages, expected = _pages(tmp_path / "out"), _pages(tmp_path / "fresh")
    assert sorted(pages) == sorted(expected) and any(p.name == "report.html" for p in pages)
    for rel, data in expected.items():
        assert pages[rel] == data, rel


@pytest.fixture
def folder(tmp_path):
    template_cache.use_cache_folder(tmp_path)
    yield tmp_path / template_cache.FOLDER
    template_cache.use_cache_folder(None)


class Counting(jinja2.Environment):
    """An environment that counts what it compiles from source."""

    compiled = 0

    def compile(self, source, *args, **kwargs):
        Counting.compiled += 1
        return super().compile(source, *args, **kwargs)


def _render(name: str, source: str) -> tuple[str, int]:
    """``source`` rendered through the cache, and whether it was compiled from source (1) or loaded (0)."""
    env = Counting(autoescape=True)
    before = Counting.compiled
    text = template_cache.compiled(env, name, source).render(who="<Ana>")
    return text, Counting.compiled - before


def test_a_kept_template_is_loaded_and_a_changed_one_compiled_again(folder):
    assert _render("page.j2", "Hello {{ who }}") == ("Hello &lt;Ana&gt;", 1)
    assert _render("page.j2", "Hello {{ who }}") == ("Hello &lt;Ana&gt;", 0)
    assert _render("page.j2", "Bye {{ who }}!") == ("Bye &lt;Ana&gt;!", 1)  # the template changed
    assert _render("page.j2", "Bye {{ who }}!") == ("Bye &lt;Ana&gt;!", 0)
    assert len(list(folder.iterdir())) == 1  # the former version's entry is gone


@pytest.mark.parametrize("damage", ["garbage", "truncated", "flipped", "empty", "others may write", "a folder"])
def test_a_damaged_or_foreign_entry_is_compiled_from_source_and_rewritten(folder, damage):
    source = "{% for k in range(3) %}{{ k }}{{ who }}{% endfor %}"
    expected = "0&lt;Ana&gt;1&lt;Ana&gt;2&lt;Ana&gt;"
    assert _render("loop.j2", source) == (expected, 1)
    (entry,) = folder.iterdir()
    data = entry.read_bytes()
    if damage == "garbage":
        entry.write_bytes(b"\x00not compiled code" * 10)
    elif damage == "truncated":
        entry.write_bytes(data[: len(data) // 2])
    elif damage == "flipped":  # one byte of the code changed: its digest no longer matches
        entry.write_bytes(data[:40] + bytes([data[40] ^ 0x01]) + data[41:])
    elif damage == "empty":
        entry.write_bytes(b"")
    elif damage == "others may write":  # the right bytes, but a file anyone could have written
        os.chmod(entry, 0o666)
    else:
        entry.unlink()
        entry.mkdir()
    assert _render("loop.j2", source) == (expected, 1)
    if damage != "a folder":  # rewritten whole: the next process loads it
        assert _render("loop.j2", source) == (expected, 0)


def test_a_cache_folder_that_cannot_be_written_costs_only_speed(tmp_path, caplog):
    (tmp_path / "blocked").write_text("a file where the cache folder would be", encoding="utf-8")
    template_cache.use_cache_folder(tmp_path / "blocked")
    try:
        assert _render("page.j2", "Hello {{ who }}") == ("Hello &lt;Ana&gt;", 1)
        assert _render("page.j2", "Hello {{ who }}") == ("Hello &lt;Ana&gt;", 1)
    finally:
        template_cache.use_cache_folder(None)
    assert (tmp_path / "blocked").read_text(encoding="utf-8") == "a file where the cache folder would be"


def test_without_a_cache_folder_nothing_is_kept(tmp_path):
    template_cache.use_cache_folder(None)
    assert _render("page.j2", "Hello {{ who }}") == ("Hello &lt;Ana&gt;", 1)
    assert not list(tmp_path.iterdir())
