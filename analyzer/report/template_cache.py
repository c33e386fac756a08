"""The page templates, compiled once and kept in the report cache folder between processes.

Compiling the athlete page's template takes about 0.05 s and the team page's about 0.02 s, in
every fresh process that writes one (the command line's main process and each pool worker);
loading the compiled code back takes well under a millisecond. The compiled code is kept in
``<cache dir>/templates/`` (never in a report folder) under a name made of the template's name
and a digest of its source, the analyzer's code (:func:`analyzer.report_cache.code_fingerprint`,
which includes the settings of the environments that compile them), the Jinja and Python
versions: a changed template, analyzer or interpreter gets a new entry, compiled from source.

Each entry holds the SHA-256 of its compiled code and is used only when that digest matches and
the file is the user's own and writable by no one else; anything else (a corrupt, truncated or
foreign file, a folder that cannot be read or written) is compiled from source as without the
cache, costing speed only. Entries are written to a temporary file, then renamed into place, so
two reports at once never read half an entry.
"""

from __future__ import annotations

import hashlib
import logging
import marshal
import os
import sys
import tempfile
import types
from pathlib import Path

import jinja2

log = logging.getLogger(__name__)

FOLDER = "templates"
"""The sub-folder of the cache folder (``--cache-dir``) that holds the compiled templates."""

_SUFFIX = ".jinja-code"

_directory: Path | None = None


def use_cache_folder(cache_dir: str | os.PathLike | None) -> None:
    """Keep this process's compiled templates in ``cache_dir``/:data:`FOLDER` (``None``: not kept)."""
    global _directory
    _directory = Path(cache_dir) / FOLDER if cache_dir is not None else None


def entry_name(name: str, source: str) -> str:
    """The file name of ``name``'s compiled code for this ``source``, analyzer, Jinja and Python."""
    from analyzer.report_cache import code_fingerprint

    h = hashlib.sha256()
    for part in (source, code_fingerprint(), jinja2.__version__, sys.version, sys.implementation.cache_tag or ""):
        h.update(part.encode("utf-8", "surrogatepass") + b"\0")
    return f"{Path(name).name}-{h.hexdigest()[:32]}{_SUFFIX}"


def compiled(env: jinja2.Environment, name: str, source: str) -> jinja2.Template:
    """``env.from_string(source)``, with the compiled code loaded from or stored in the cache folder."""
    if _directory is None:
        return env.from_string(source)
    path = _directory / entry_name(name, source)
    code = _load(path)
    if code is None:
        code = env.compile(source)
        _store(path, code)
    return env.template_class.from_code(env, code, env.make_globals(None), None)


def _load(path: Path):
    """The code stored at ``path``, or ``None`` when there is none that can be trusted."""
    try:
        with open(path, "rb") as f:
            st = os.fstat(f.fileno())
            if (hasattr(os, "getuid") and st.st_uid != os.getuid()) or st.st_mode & 0o022:
                return None  # another user's, or a file others may write: not run
            data = f.read()
        digest, payload = data[:32], data[32:]
        if len(digest) != 32 or hashlib.sha256(payload).digest() != digest:
            return None
        code = marshal.loads(payload)
        return code if isinstance(code, types.CodeType) else None
    except Exception:  # missing, unreadable, corrupt: compiled from source
        return None


def _store(path: Path, code) -> None:
    """Store ``code`` at ``path`` (atomically); a folder that refuses costs nothing but speed."""
    tmp = None
    try:
        payload = marshal.dumps(code)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
        with os.fdopen(fd, "wb") as f:
            f.write(hashlib.sha256(payload).digest() + payload)
        os.replace(tmp, path)
        tmp = None
        stem = path.name[: -len(_SUFFIX)].rsplit("-", 1)[0]
        for old in path.parent.glob(f"{stem}-*{_SUFFIX}"):  # entries of this template's former versions
            if old.name != path.name:
                old.unlink(missing_ok=True)
    except Exception as exc:
        log.debug("compiled template not kept at %s: %s", path, exc)
    finally:
        if tmp is not None:
            Path(tmp).unlink(missing_ok=True)
