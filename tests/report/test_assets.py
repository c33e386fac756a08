"""The chart script's early build: started by the command line before the heavy imports, in a
process of its own, and waited for (never built twice) when the pages need it. The child here
is a stand-in for vl-convert (a one-line script), so the tests are quick and need no engine."""

from __future__ import annotations

import sys

import pytest

from analyzer.report import assets


@pytest.fixture
def fake_engine(monkeypatch):
    """vl-convert's version pinned; building the ordinary way is refused (it must not happen)."""
    monkeypatch.setattr(assets, "_version", lambda: "9.9.9-test")

    def no_second_build():
        raise AssertionError("the bundle was built a second time")

    monkeypatch.setattr(assets, "_build", no_second_build)
    assets.chart_script.cache_clear()
    yield monkeypatch
    assets.chart_script.cache_clear()
    assets._pending.clear()


def test_default_cache_dir_is_the_cache_modules(monkeypatch, tmp_path):
    from analyzer.io.cache import default_cache_dir

    for value in (str(tmp_path / "xdg"), None):
        if value is None:
            monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
        else:
            monkeypatch.setenv("XDG_CACHE_HOME", value)
        assert assets.default_cache_dir() == default_cache_dir()


def test_an_early_build_is_waited_for_and_kept(fake_engine, tmp_path):
    # the stand-in writes its bundle the way the real child does: a temporary file renamed into place
    fake_engine.setattr(assets, "_BUILD_TO_FILE", assets._BUILD_TO_FILE.replace(
        "import os, sys, vl_convert; text = vl_convert.javascript_bundle();", "import os, sys; text = 'drawn(42)';"))
    assert assets.start_bundle(str(tmp_path)) is True
    assert assets.start_bundle(str(tmp_path)) is False  # one build per bundle, however often asked
    assert assets.chart_script(str(tmp_path)) == ("drawn(42)", "")
    kept = tmp_path / "assets" / "vega-bundle-9.9.9-test.js"
    assert kept.read_text(encoding="utf-8") == "drawn(42)"
    assert [p.name for p in kept.parent.iterdir()] == [kept.name]  # no temporary file left behind
    assert assets.start_bundle(str(tmp_path)) is False  # already there: nothing started


@pytest.mark.parametrize(("child", "said"), [
    ("import os, signal; os.kill(os.getpid(), signal.SIGKILL)", "was stopped by SIGKILL, as happens when the memory"),
    ("import sys; sys.exit('no JavaScript engine here')", "failed (no JavaScript engine here)"),
])
def test_an_early_build_that_fails_says_why_and_is_not_run_again(fake_engine, tmp_path, child, said):
    fake_engine.setattr(assets, "_BUILD_TO_FILE", child)
    assert assets.start_bundle(str(tmp_path)) is True
    script, why = assets.chart_script(str(tmp_path))
    assert script is None and why.startswith("the chart engine (vl-convert) ") and said in why
    assert not (tmp_path / "assets").exists()


def test_not_installed_starts_nothing(monkeypatch, tmp_path):
    def missing():
        raise ModuleNotFoundError("vl-convert-python")

    monkeypatch.setattr(assets, "_version", missing)
    assert assets.start_bundle(str(tmp_path)) is False and not assets._pending


def test_the_command_line_starts_the_build_before_the_analysis_is_imported(tmp_path):
    """``analyzer report`` starts the build first; ``--no-cache`` and PDF-only reports do not."""
    import subprocess

    from tests.conftest import REPO

    probe = (
        "import sys, analyzer.report.assets as a\n"
        "seen = []\n"
        "a.start_bundle = lambda d: seen.append((d, 'analyzer.batch' in sys.modules)) or False\n"
        "from analyzer.cli import app\n"
        "try:\n"
        "    app(sys.argv[1:])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(seen)\n"
    )
    runs = {}
    for label, extra in (("html", []), ("no-cache", ["--no-cache"]), ("pdf", ["--format", "pdf"])):
        done = subprocess.run([sys.executable, "-c", probe, "report", str(tmp_path / "none"), "--out",
                               str(tmp_path / "out"), "--cache-dir", str(tmp_path / "c"), "--weather", "off", *extra],
                              capture_output=True, text=True, cwd=REPO, timeout=300)
        runs[label] = done.stdout.strip().splitlines()[-1]
    assert runs == {"html": repr([(str(tmp_path / "c"), False)]), "no-cache": "[]", "pdf": "[]"}


def _fake_child(engine, text: str = "drawn(42)", pause_s: float = 0.0) -> None:
    """The early build's child writes ``text`` (after ``pause_s``), as the real one writes the bundle."""
    engine.setattr(assets, "_BUILD_TO_FILE", assets._BUILD_TO_FILE.replace(
        "import os, sys, vl_convert; text = vl_convert.javascript_bundle();",
        f"import os, sys, time; time.sleep({pause_s}); text = {text!r};"))


def test_pages_wait_for_the_early_build_while_the_analysis_goes_on(fake_engine, tmp_path):
    _fake_child(fake_engine, pause_s=0.5)
    assert assets.start_bundle(str(tmp_path))
    early = assets.early_build(str(tmp_path))
    assert early is not None and assets.early_build(str(tmp_path)) is None  # handed over once
    # a page (here, or in a worker given the pid) waits for the file, however long the build takes
    assert assets.await_early_build(str(tmp_path), early.pid) == ("drawn(42)", "")
    assert assets.vega_bundle(str(tmp_path), True, early.pid) == "drawn(42)"
    assert early.result() == ""
    assert [p.name for p in (tmp_path / "assets").iterdir()] == ["vega-bundle-9.9.9-test.js"]


def test_an_early_build_that_dies_leaves_a_note_the_pages_read(fake_engine, tmp_path):
    fake_engine.setattr(assets, "_BUILD_TO_FILE", "import os, signal; os.kill(os.getpid(), signal.SIGKILL)")
    assert assets.start_bundle(str(tmp_path))
    early = assets.early_build(str(tmp_path))
    script, why = assets.await_early_build(str(tmp_path), early.pid)
    assert script is None and why.startswith("the chart engine (vl-convert) ")  # its note, once written
    assert "stopped by SIGKILL" in early.result()
    assert not any((tmp_path / "assets").iterdir())  # the note is gone once the report has said why


def _team(root):
    import datetime as dt

    from analyzer.testing.synthetic import synthetic_run
    from tests.report.test_report import write_athlete

    start = dt.datetime(2024, 5, 6, 6, tzinfo=dt.UTC)
    write_athlete(root / "ana", {"name": "Ana", "timezone": "UTC"}, {"r0.fit": synthetic_run(start, 4.0, 330)},
                  [{"time": "2024-05-06 06:10", "leg": "left"}])


def test_a_report_uses_the_early_build_for_its_pages(fake_engine, tmp_path):
    import analyzer

    _team(tmp_path / "team")
    _fake_child(fake_engine, text="/*early*/", pause_s=0.3)
    assert assets.start_bundle(str(tmp_path / "c"))
    result = analyzer.run_report(tmp_path / "team", tmp_path / "out", jobs=1, weather="off", cache_dir=tmp_path / "c")
    assert result.exit_code == 0 and result.notices == []
    assert "/*early*/" in (tmp_path / "out" / "ana" / "report.html").read_text(encoding="utf-8")
    assert not assets._pending  # waited for and reaped


def test_a_report_whose_early_build_fails_draws_static_figures_and_says_why(fake_engine, tmp_path):
    import analyzer

    _team(tmp_path / "team")
    fake_engine.setattr(assets, "_BUILD_TO_FILE", "import sys; sys.exit('no engine')")
    assert assets.start_bundle(str(tmp_path / "c"))
    result = analyzer.run_report(tmp_path / "team", tmp_path / "out", jobs=1, weather="off", cache_dir=tmp_path / "c")
    assert result.exit_code == 0
    assert result.notices == ["the pages show static figures instead of interactive charts: the chart engine "
                              "(vl-convert) failed (no engine)"]
    page = (tmp_path / "out" / "ana" / "report.html").read_text(encoding="utf-8")
    assert 'src="data:image/png;base64,' in page and "/*early*/" not in page
    assert "static figures instead of interactive charts" in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
