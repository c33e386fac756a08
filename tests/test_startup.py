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
