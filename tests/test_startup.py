"""What ``analyzer report`` imports before it starts work: not IPython (a notebook's, 0.1 s),
while in an IPython shell the figures still show inline."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import REPO


def _run(code: str) -> str:
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout.strip()


def test_the_batch_does_not_import_ipython():
    assert _run("import sys, analyzer.batch, analyzer.report.build, analyzer.plots; "
                "print('IPython' in sys.modules)") == "False"


def test_in_an_ipython_shell_figures_still_show_inline():
    code = ("from IPython.core.interactiveshell import InteractiveShell\n"
            "shell = InteractiveShell.instance()\n"
            "import analyzer.plots\n"
            "from matplotlib.figure import Figure\n"
            "print(Figure in shell.display_formatter.formatters['image/png'].type_printers)\n")
    assert _run(code) == "True"


def test_an_html_report_loads_no_chart_engine_figures_or_pdf_library(tmp_path):
    """The HTML report inlines the shipped chart script and the pages' chart specs: it needs
    neither vl-convert's engine, nor matplotlib (static figures, PDF), nor WeasyPrint (PDF), nor
    SciPy, in the main process or in the workers (forked, so they see its modules and load their own)."""
    import datetime as dt

    from analyzer.testing.synthetic import synthetic_run, write_athlete

    start = dt.datetime(2024, 5, 6, 6, tzinfo=dt.UTC)
    for name in ("ana", "ben"):
        write_athlete(tmp_path / "team" / name, {"name": name, "timezone": "UTC"},
                      {"r0.fit": synthetic_run(start, 4.0, 330)}, [{"time": "2024-05-06 06:10", "leg": "left"}])
    heavy = ("vl_convert", "matplotlib", "weasyprint", "scipy", "IPython")
    code = (
        "import os, sys\n"
        "import analyzer.batch as b\n"
        f"HEAVY = {heavy!r}\n"
        "def loaded():\n"
        "    return sorted({m.split('.')[0] for m in sys.modules} & set(HEAVY))\n"
        "orig = b._one_athlete\n"
        "def task(**kw):\n"
        "    report = orig(**kw)\n"
        # one write of the whole line: two workers' lines never interleave on the shared pipe
        "    os.write(1, f'worker {os.getpid() != PARENT} {loaded()}\\n'.encode())\n"
        "    return report\n"
        "b._one_athlete = task\n"
        "PARENT = os.getpid()\n"
        "from analyzer.cli import app\n"
        "try:\n"
        "    app(sys.argv[1:])\n"
        "except SystemExit as exc:\n"
        "    assert not exc.code, exc.code\n"
        "print('main', loaded())\n"
    )
    done = subprocess.run([sys.executable, "-c", code, "report", str(tmp_path / "team"), "--out", str(tmp_path / "out"),
                           "--cache-dir", str(tmp_path / "c"), "--weather", "off", "--jobs", "2", "--quiet"],
                          capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    lines = [line for line in done.stdout.splitlines() if line.startswith(("worker", "main"))]
    assert lines == ["worker True []", "worker True []", "main []"]
