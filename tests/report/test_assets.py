"""The chart script shipped with the analyzer: what vl-convert builds, byte for byte; inlined by
every page without any engine; and when it is missing, static figures and one notice."""

from __future__ import annotations

import datetime as dt
import re
import subprocess
import sys
import tomllib

from analyzer.report import assets
from tests.conftest import REPO


def _pinned_vl_convert() -> str:
    """The version of vl-convert-python that ``pyproject.toml`` pins (``==``) in the test extra."""
    project = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    pins = [d for extra in project["optional-dependencies"].values() for d in extra
            if d.replace(" ", "").startswith("vl-convert-python==")]
    assert pins and len(set(pins)) == 1, pins
    assert not any("vl-convert" in d for d in project["dependencies"])  # the report does not need it
    return pins[0].split("==", 1)[1].strip()


def test_the_shipped_script_is_what_the_pinned_vl_convert_builds():
    from importlib.metadata import version

    pinned = _pinned_vl_convert()
    assert version("vl-convert-python") == pinned, "install the pinned vl-convert-python (pip install -e '.[test]')"
    notice = (assets.CHART_SCRIPT.parent / "NOTICE").read_text(encoding="utf-8")
    assert f"vl-convert-python {pinned}" in notice  # the credits name the build they describe
    assert (assets.CHART_SCRIPT.parent / "LICENSES").is_file()
    # built the way tools/build_chart_script.py builds it: in a process of its own (the engine
    # needs gigabytes of address space), vl-convert's default snippet
    done = subprocess.run([sys.executable, str(REPO / "tools" / "build_chart_script.py"), "--check"],
                          capture_output=True, text=True, timeout=600, cwd=REPO)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "the same as the build" in done.stdout
    # the versions NOTICE names are the ones inside the script vl-convert built
    import vl_convert

    assert f"Vega {vl_convert.get_vega_version()}," in notice
    assert f"vega-embed {vl_convert.get_vega_embed_version()} " in notice


def test_the_script_is_read_once_and_is_the_shipped_file():
    assets.chart_script.cache_clear()
    script, why = assets.chart_script()
    assert why == "" and script.endswith(assets.CHART_SCRIPT.read_text(encoding="utf-8"))
    assert assets.vega_bundle() is script  # the same string again: read once per process
    # headed by the libraries' notices: the BSD-3 conditions and each holder, as a comment the page keeps
    head = script[: len(script) - len(assets.CHART_SCRIPT.read_text(encoding="utf-8"))]
    assert head.startswith("/*!\n") and head.endswith("\n*/\n") and head.count("*/") == 1
    assert "Redistributions in binary form must reproduce the above copyright notice" in head
    assert "University of Washington Interactive Data Lab" in head and "Mike Bostock" in head
    assert script.rstrip().endswith("window.vegaEmbed=$t6;window.vega=__default;window.vegaLite=__default1;")


def _team(root):
    from analyzer.testing.synthetic import synthetic_run
    from tests.report.test_report import write_athlete

    start = dt.datetime(2024, 5, 6, 6, tzinfo=dt.UTC)
    write_athlete(root / "ana", {"name": "Ana", "timezone": "UTC"}, {"r0.fit": synthetic_run(start, 4.0, 330)},
                  [{"time": "2024-05-06 06:10", "leg": "left"}])


def test_a_report_inlines_the_shipped_script_once_per_page(tmp_path):
    import analyzer

    _team(tmp_path / "team")
    result = analyzer.run_report(tmp_path / "team", tmp_path / "out", jobs=1, weather="off", use_cache=False)
    assert result.exit_code == 0 and result.notices == []
    page = (tmp_path / "out" / "ana" / "report.html").read_text(encoding="utf-8")
    script = assets.CHART_SCRIPT.read_text(encoding="utf-8")
    assert page.count(script) == 1
    assert page.count("Redistributions in binary form must reproduce") == 1  # the notices travel with the page
    assert 'src="data:image/png;base64,' not in page


def test_a_missing_script_draws_static_figures_and_says_why(monkeypatch, tmp_path):
    import analyzer

    _team(tmp_path / "team")
    monkeypatch.setattr(assets, "CHART_SCRIPT", tmp_path / "gone" / "vega-bundle.js")
    assets.chart_script.cache_clear()
    try:
        result = analyzer.run_report(tmp_path / "team", tmp_path / "out", jobs=1, weather="off", use_cache=False)
    finally:
        assets.chart_script.cache_clear()
    assert result.exit_code == 0
    assert result.notices == ["the pages show static figures instead of interactive charts: the chart script "
                              "shipped with the analyzer cannot be read (No such file or directory); reinstall it"]
    page = (tmp_path / "out" / "ana" / "report.html").read_text(encoding="utf-8")
    assert len(re.findall('src="data:image/png;base64,', page)) >= 4  # the run's figure and 3 season figures
    assert "window.vegaEmbed=" not in page
    assert "static figures instead of interactive charts" in (tmp_path / "out" / "index.html").read_text(encoding="utf-8")
