"""The JavaScript the report pages inline to draw their charts: Vega, Vega-Lite and vega-embed.

The script ships with the analyzer (``vendor/vega-bundle.js``, credits and licences in
``vendor/NOTICE`` and ``vendor/LICENSES``): ``vl-convert-python`` (maintained by the Vega
project) packs the three libraries into one self-contained script, and
``tools/build_chart_script.py`` rebuilds it at the version ``pyproject.toml`` pins (a test
builds it again and compares the bytes). A report thus never starts vl-convert's JavaScript
engine, which took 1.8 s of one core and reserved gigabytes of address space (its process died
under ``ulimit -v``). Each page inlines the script once, so a report opens offline, from a USB
stick or an e-mail. Should the file be missing (a broken installation), pages fall back to
static figures (matplotlib) and the report says so in one line.
"""

from __future__ import annotations

import functools
from pathlib import Path

CHART_SCRIPT = Path(__file__).with_name("vendor") / "vega-bundle.js"
"""The chart script shipped with the analyzer."""


@functools.lru_cache(maxsize=1)
def chart_script() -> tuple[str | None, str]:
    """The chart script (read once per process), or ``None`` and why it cannot be had."""
    try:
        text = CHART_SCRIPT.read_text(encoding="utf-8")
    except OSError as exc:
        why = exc.strerror or "the system gave no reason"
        return None, f"the chart script shipped with the analyzer cannot be read ({why}); reinstall it"
    if not text:
        return None, "the chart script shipped with the analyzer is empty; reinstall it"
    return _licence_comment() + text, ""


def _licence_comment() -> str:
    """The libraries' credits and licences (``vendor/NOTICE`` and ``vendor/LICENSES``) as a comment
    heading the script: a page carries the minified libraries, so it carries their notices too
    (BSD-3-Clause, ISC and MIT ask for them in every copy)."""
    vendor = CHART_SCRIPT.parent
    try:
        notices = [(vendor / name).read_text(encoding="utf-8").strip() for name in ("NOTICE", "LICENSES")]
    except OSError:
        notices = ["Vega, Vega-Lite and vega-embed: BSD-3-Clause, (c) University of Washington Interactive Data Lab"]
    return "/*!\n" + "\n\n".join(n.replace("*/", "* /") for n in notices) + "\n*/\n"


def vega_bundle() -> str | None:
    """The chart script (:func:`chart_script`), or ``None`` when it cannot be had."""
    return chart_script()[0]
