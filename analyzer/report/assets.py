"""The JavaScript the report pages inline to draw their charts: Vega, Vega-Lite and vega-embed.

The bundle comes from ``vl-convert-python`` (maintained by the Vega project), which packs the
three libraries into one self-contained script. Building it takes a couple of seconds, so it
is built once per machine and kept in the analyzer's cache folder
(``assets/vega-bundle-<version>.js``); each page then inlines it once, so a report opens
offline, from a USB stick or an e-mail.

The bundle is built in a separate process: vl-convert starts a JavaScript engine that reserves
gigabytes of address space, and where that is limited (``ulimit -v`` on shared and HPC machines)
the engine kills its process. So the report never loads that engine itself: when the bundle
cannot be had (``vl-convert-python`` missing, failing or killed), pages fall back to static
figures (matplotlib) and the report says so in one line.
"""

from __future__ import annotations

import functools
import logging
import os
import signal
import subprocess
import sys
from pathlib import Path

log = logging.getLogger(__name__)

BUNDLE_TIMEOUT_S = 300
"""The separate process building the bundle is given this long (it takes a few seconds)."""

_BUILD = "import sys, vl_convert; sys.stdout.buffer.write(vl_convert.javascript_bundle().encode('utf-8'))"


def _version() -> str:
    """vl-convert's version, from the package's metadata (without loading its engine)."""
    from importlib.metadata import version

    return version("vl-convert-python")


def _build() -> tuple[str | None, str]:
    """The bundle built by vl-convert in a separate process, or ``None`` and why not."""
    try:
        done = subprocess.run([sys.executable, "-c", _BUILD], capture_output=True, timeout=BUNDLE_TIMEOUT_S,
                              stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired:
        return None, f"the chart engine (vl-convert) did not finish within {BUNDLE_TIMEOUT_S} s"
    except OSError as exc:
        return None, f"the chart engine (vl-convert) could not be started ({exc.strerror or exc})"
    if done.returncode < 0:
        try:
            how = signal.Signals(-done.returncode).name
        except ValueError:
            how = f"signal {-done.returncode}"
        return None, (f"the chart engine (vl-convert) was stopped by {how}, as happens when the memory a process "
                      "may reserve is limited (ulimit -v)")
    if done.returncode != 0 or not done.stdout:
        last = (done.stderr.decode("utf-8", "replace").strip().splitlines() or ["no output"])[-1]
        return None, f"the chart engine (vl-convert) failed ({last[:200]})"
    return done.stdout.decode("utf-8"), ""


@functools.lru_cache(maxsize=4)
def chart_script(cache_dir: str, store: bool = True) -> tuple[str | None, str]:
    """The chart script, from the cache folder or built once in a separate process (and kept
    there when ``store``); or ``None`` and why it cannot be had."""
    try:
        version = _version()
    except Exception:  # not installed
        return None, "the chart engine (vl-convert-python) is not installed"
    path = Path(cache_dir) / "assets" / f"vega-bundle-{version}.js"
    try:
        text = path.read_text(encoding="utf-8")
        if text:
            return text, ""
    except OSError:
        pass
    text, why = _build()
    if text is None:  # said once by the report (its notices), not logged here as well
        return None, why
    if not store:
        return text, ""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("could not keep the chart script in %s: %s", path, exc)
    return text, ""


def vega_bundle(cache_dir: str, store: bool = True) -> str | None:
    """The chart script (:func:`chart_script`), or ``None`` when it cannot be had."""
    return chart_script(cache_dir, store)[0]
