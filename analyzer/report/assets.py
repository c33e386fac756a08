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
_BUILD_TO_FILE = (
    "import os, sys, vl_convert; text = vl_convert.javascript_bundle(); path = sys.argv[1]; "
    "os.makedirs(os.path.dirname(path), exist_ok=True); "
    "tmp = os.path.join(os.path.dirname(path), '.' + os.path.basename(path) + '.' + str(os.getpid()) + '.tmp'); "
    "open(tmp, 'w', encoding='utf-8').write(text); os.replace(tmp, path)"
)
"""The early build (:func:`start_bundle`): the same bundle, written into the cache folder by the
child itself (a temporary file renamed into place), so the parent never holds it twice."""

_pending: dict[str, subprocess.Popen] = {}
"""Builds started early by :func:`start_bundle`, by bundle path (this process only)."""


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
    why = _failed(done.returncode, done.stderr)
    if why or not done.stdout:
        return None, why or _failed(1, done.stderr)
    return done.stdout.decode("utf-8"), ""


def _failed(returncode: int, stderr: bytes | None) -> str:
    """Why a build process gave no bundle ("" when it ended well)."""
    if returncode < 0:
        try:
            how = signal.Signals(-returncode).name
        except ValueError:
            how = f"signal {-returncode}"
        return (f"the chart engine (vl-convert) was stopped by {how}, as happens when the memory a process "
                "may reserve is limited (ulimit -v)")
    if returncode != 0:
        last = ((stderr or b"").decode("utf-8", "replace").strip().splitlines() or ["no output"])[-1]
        return f"the chart engine (vl-convert) failed ({last[:200]})"
    return ""


def _bundle_path(cache_dir: str, version: str) -> Path:
    return Path(cache_dir) / "assets" / f"vega-bundle-{version}.js"


def default_cache_dir() -> Path:
    """:func:`analyzer.io.cache.default_cache_dir`, without importing pandas (which that module
    needs): the command line starts the build before the heavy imports (a test keeps the two equal)."""
    return Path(os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")) / "cramp-analyzer"


def start_bundle(cache_dir: str) -> bool:
    """Start building the chart script into ``cache_dir`` in a process of its own, now, so that
    it runs beside the imports and the reading of the athlete folders; :func:`chart_script`
    then waits for it instead of starting its own. Nothing is started when the script is
    already there or vl-convert is not installed. Returns whether a build was started.

    The command line calls this first thing (``analyzer report`` with HTML pages and the
    cache). vl-convert's engine is loaded only in the child, never in this process.
    """
    try:
        path = _bundle_path(cache_dir, _version())
    except Exception:  # not installed: chart_script says so
        return False
    key = str(path)
    if key in _pending or path.is_file():
        return False
    try:
        _pending[key] = subprocess.Popen([sys.executable, "-c", _BUILD_TO_FILE, key], stdin=subprocess.DEVNULL,
                                         stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    except OSError:  # chart_script builds it the ordinary way, and says why if it cannot
        return False
    return True


def _wait_for_early_build(path: Path) -> str:
    """Wait for a build :func:`start_bundle` started for ``path``; why it gave nothing, or ""."""
    proc = _pending.pop(str(path), None)
    if proc is None:
        return ""
    try:
        _, stderr = proc.communicate(timeout=BUNDLE_TIMEOUT_S)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        return f"the chart engine (vl-convert) did not finish within {BUNDLE_TIMEOUT_S} s"
    return _failed(proc.returncode, stderr)


@functools.lru_cache(maxsize=4)
def chart_script(cache_dir: str, store: bool = True) -> tuple[str | None, str]:
    """The chart script, from the cache folder or built once in a separate process (and kept
    there when ``store``); or ``None`` and why it cannot be had."""
    try:
        version = _version()
    except Exception:  # not installed
        return None, "the chart engine (vl-convert-python) is not installed"
    path = _bundle_path(cache_dir, version)
    early = _wait_for_early_build(path)  # started by the command line, beside the imports
    try:
        text = path.read_text(encoding="utf-8")
        if text:
            return text, ""
    except OSError:
        pass
    if early:  # the early build failed (a signal: ulimit -v): building again would fail alike
        return None, early
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


def vega_bundle(cache_dir: str, store: bool = True, early_pid: int | None = None) -> str | None:
    """The chart script (:func:`chart_script`), or ``None`` when it cannot be had. With
    ``early_pid``, the early build of that process id (:class:`EarlyBuild`) is waited for."""
    if early_pid is not None:
        return await_early_build(cache_dir, early_pid)[0]
    return chart_script(cache_dir, store)[0]


WAIT_STEP_S = 0.02
"""How often a page waiting for an early build looks for its file."""


def _failure_note(path: Path, pid: int) -> Path:
    return path.with_name(f".{path.name}.{pid}.failed")


class EarlyBuild:
    """The build :func:`start_bundle` started, handed over to the batch so the analysis need
    not wait for it: a thread of this process reaps the child and, should it give no bundle,
    writes why into a note beside it; pages (in this process or in workers on this machine)
    wait for the bundle's file or that note (:func:`await_early_build`)."""

    def __init__(self, path: Path, proc: subprocess.Popen) -> None:
        import threading

        self.path, self.pid, self._proc, self._why = path, proc.pid, proc, ""
        self._thread = threading.Thread(target=self._reap, name="chart-script-build", daemon=True)
        self._thread.start()

    def _reap(self) -> None:
        try:
            _, stderr = self._proc.communicate(timeout=BUNDLE_TIMEOUT_S)
            why = _failed(self._proc.returncode, stderr)
        except subprocess.TimeoutExpired:
            self._proc.kill()
            self._proc.communicate()
            why = f"the chart engine (vl-convert) did not finish within {BUNDLE_TIMEOUT_S} s"
        if not why and not self.path.is_file():
            why = "the chart engine (vl-convert) failed (no output)"
        self._why = why
        if why:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                _failure_note(self.path, self.pid).write_text(why, encoding="utf-8")
            except OSError:  # the waiting pages time out instead; the report still says why
                log.warning("could not leave a note for the pages waiting on the chart script: %s", why)

    def result(self) -> str:
        """Wait for the build; why it gave no bundle, or "" (its note is removed)."""
        self._thread.join()
        if self._why:
            _failure_note(self.path, self.pid).unlink(missing_ok=True)
        return self._why


def early_build(cache_dir: str) -> EarlyBuild | None:
    """The build :func:`start_bundle` started for ``cache_dir`` in this process, handed over
    (``None`` when there is none, or it was already waited for)."""
    try:
        path = _bundle_path(cache_dir, _version())
    except Exception:
        return None
    proc = _pending.pop(str(path), None)
    return EarlyBuild(path, proc) if proc is not None else None


@functools.lru_cache(maxsize=4)
def await_early_build(cache_dir: str, pid: int) -> tuple[str | None, str]:
    """The chart script once the early build ``pid`` has written it, or ``None`` and why not
    (its failure note), looking every :data:`WAIT_STEP_S` for up to :data:`BUNDLE_TIMEOUT_S`.
    Asked once per process (the answer is final: the file, or why there is none), not once per page."""
    import time

    try:
        path = _bundle_path(cache_dir, _version())
    except Exception:
        return None, "the chart engine (vl-convert-python) is not installed"
    note = _failure_note(path, pid)
    deadline = time.monotonic() + BUNDLE_TIMEOUT_S
    gone = None  # when the build process was first seen gone (reaped) with neither file nor note
    while True:
        try:
            text = path.read_text(encoding="utf-8")
            if text:
                return text, ""
        except OSError:
            pass
        try:
            return None, note.read_text(encoding="utf-8") or "the chart engine (vl-convert) failed"
        except OSError:
            pass
        now = time.monotonic()
        if gone is None and not _alive(pid):
            gone = now
        if gone is not None and now - gone > WAIT_GONE_S:  # no note came: it could not be written
            return None, "the chart engine (vl-convert) failed"
        if now > deadline:
            return None, f"the chart engine (vl-convert) did not finish within {BUNDLE_TIMEOUT_S} s"
        time.sleep(WAIT_STEP_S)


WAIT_GONE_S = 5.0
"""After the build process is gone, how long a page still looks for its bundle or its note."""


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # another user's process of that id: assume it is ours, still building
        return True
    return True
