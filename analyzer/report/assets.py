"""The JavaScript the report pages inline to draw their charts: Vega, Vega-Lite and vega-embed.

The bundle comes from ``vl-convert-python`` (maintained by the Vega project), which packs the
three libraries into one self-contained script. Building it takes a couple of seconds, so it
is built once per machine and kept in the analyzer's cache folder
(``assets/vega-bundle-<version>.js``); each page then inlines it once, so a report opens
offline, from a USB stick or an e-mail.

When the bundle cannot be had (``vl-convert-python`` missing or failing), pages fall back to
static figures and say so.
"""

from __future__ import annotations

import functools
import logging
import os
from pathlib import Path

log = logging.getLogger(__name__)

BUNDLE_BUDGET_BYTES = 1_000_000
"""The bundle's size is checked against this (it is about 0.9 MB: Vega, Vega-Lite, vega-embed)."""


def _version() -> str:
    import vl_convert

    return f"{vl_convert.__version__ if hasattr(vl_convert, '__version__') else 'x'}-{vl_convert.get_vega_version()}"


@functools.lru_cache(maxsize=4)
def vega_bundle(cache_dir: str, store: bool = True) -> str | None:
    """The chart script, from the cache folder or built once (and kept there when ``store``);
    ``None`` when it cannot be had."""
    try:
        version = _version()
    except Exception as exc:  # not installed, or broken
        log.warning("charts fall back to static figures: vl-convert is not usable (%s)", exc)
        return None
    path = Path(cache_dir) / "assets" / f"vega-bundle-{version}.js"
    try:
        text = path.read_text(encoding="utf-8")
        if text:
            return text
    except OSError:
        pass
    try:
        import vl_convert

        text = vl_convert.javascript_bundle()
    except Exception as exc:
        log.warning("charts fall back to static figures: the chart script could not be built (%s)", exc)
        return None
    if not store:
        return text
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as exc:
        log.warning("could not keep the chart script in %s: %s", path, exc)
    return text
