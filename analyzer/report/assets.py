"""The JavaScript the report pages inline to draw their charts: Vega, Vega-Lite and vega-embed.

The bundle comes from ``vl-convert-python`` (maintained by the Vega project), which packs the
three libraries into one self-contained script. Building it takes a couple of seconds, so it
is built once per machine and kept in the analyzer's cache folder
(``assets/vega-bundle-<version>.js``); each page then inlines it once, so a report opens
offline, from a USB stick or an e-mail. The first report on a machine builds it in a process of
its own (:func:`start_bundle`) while the athletes are analysed; a process that needs it before
it is ready waits for it (a lock file beside it) rather than building it a second time.

When the bundle cannot be had (``vl-convert-python`` missing or failing), pages fall back to
static figures and say so.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import multiprocessing as mp
import os
from collections.abc import Iterator
from pathlib import Path

try:
    import fcntl
except ImportError:  # pragma: no cover - not on Windows: processes may then build it twice
    fcntl = None

log = logging.getLogger(__name__)

BUNDLE_BUDGET_BYTES = 1_000_000
"""The bundle's size is checked against this (it is about 0.9 MB: Vega, Vega-Lite, vega-embed)."""


def _version() -> str:
    import vl_convert

    return f"{vl_convert.__version__ if hasattr(vl_convert, '__version__') else 'x'}-{vl_convert.get_vega_version()}"


def _bundle_path(cache_dir: str, version: str) -> Path:
    return Path(cache_dir) / "assets" / f"vega-bundle-{version}.js"


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="utf-8") or None
    except OSError:
        return None


@contextlib.contextmanager
def _building(cache_dir: str) -> Iterator[None]:
    """Hold the bundle's lock file (``assets/.bundle.lock``): one process builds, the others wait."""
    if fcntl is None:
        yield
        return
    try:
        folder = Path(cache_dir) / "assets"
        folder.mkdir(parents=True, exist_ok=True)
        fh = open(folder / ".bundle.lock", "a+b")  # noqa: SIM115 - held across the yield
    except OSError:  # a cache folder that refuses: build without waiting for anyone
        yield
        return
    with fh:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh.fileno(), fcntl.LOCK_UN)


@functools.lru_cache(maxsize=4)
def vega_bundle(cache_dir: str, store: bool = True) -> str | None:
    """The chart script, from the cache folder or built once (and kept there when ``store``);
    ``None`` when it cannot be had. While another process builds it, this waits for it."""
    try:
        version = _version()
    except Exception as exc:  # not installed, or broken
        log.warning("charts fall back to static figures: vl-convert is not usable (%s)", exc)
        return None
    path = _bundle_path(cache_dir, version)
    text = _read(path)
    if text:
        return text
    if not store:  # nothing may be written to the cache folder, not even the lock file
        return _build(path, store)
    with _building(cache_dir):
        return _read(path) or _build(path, store)


def _build(path: Path, store: bool) -> str | None:
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


def _build_in_child(cache_dir: str | None, locked) -> None:
    if cache_dir is None:  # resolved here, so the parent need not import the reader (and pandas) first
        from analyzer.io.cache import default_cache_dir

        cache_dir = str(default_cache_dir())
    try:
        version = _version()
    except Exception:  # said by whoever asks for the bundle
        locked.set()
        return
    path = _bundle_path(cache_dir, version)
    if fcntl is not None:
        try:
            folder = path.parent
            folder.mkdir(parents=True, exist_ok=True)
            with open(folder / ".bundle.lock", "a+b") as fh:
                try:
                    fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
                except OSError:  # another process is building it: nothing to do here
                    return
                locked.set()
                if not _read(path):
                    _build(path, True)
                return
        except OSError:
            pass
        finally:
            locked.set()
    if not _read(path):
        _build(path, True)


def start_bundle(cache_dir: str | None, wait: bool = True) -> mp.process.BaseProcess | None:
    """Start building the chart script in a process of its own when the cache folder lacks it.

    Building takes a couple of seconds of one core and holds Python's lock, so a thread would
    not do; the command line starts this before it imports the analysis (``cache_dir=None``:
    the default cache folder, resolved in that process) and the batch before the athletes are
    analysed. The pages, written after each athlete's analysis, find the script ready or wait
    for it (:func:`vega_bundle`). With ``wait``, this returns once the process holds the lock
    (so no page can ask before it). Returns the process (join it when done), or ``None`` when
    the bundle is there already or no process could be started (then the first page to need it
    builds it). However processes race, one builds and the others wait for it.
    """
    try:
        if cache_dir is not None and _read(_bundle_path(cache_dir, _version())):
            return None
        context = mp.get_context()
        locked = context.Event()
        process = context.Process(target=_build_in_child, args=(cache_dir, locked), name="vega-bundle", daemon=True)
        process.start()
    except Exception as exc:  # vl-convert missing, no processes allowed: the pages see to it
        log.debug("chart script not built ahead: %s", exc)
        return None
    # the child holds the lock (or has seen another process hold it) before any worker asks
    while wait and not locked.wait(0.05):
        if not process.is_alive():
            break
    return process
