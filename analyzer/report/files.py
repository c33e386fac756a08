"""Safe writing: atomic files, spreadsheet-safe CSV (athlete folder names: :mod:`analyzer.report.out_folder`)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def atomic_write_bytes(path: Path, data: bytes) -> None:
    """Write ``data`` to a temporary file beside ``path``, then rename it into place.

    An interrupted run leaves either the old file or the new one, never half of one.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            os.fchmod(fh.fileno(), 0o666 & ~_umask())  # as an ordinary new file (mkstemp makes it 0600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    """The process's umask (read by setting and restoring it: the only way POSIX offers)."""
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def atomic_write_text(path: Path, text: str) -> None:
    """:func:`atomic_write_bytes` for UTF-8 text."""
    atomic_write_bytes(path, text.encode("utf-8"))


MAX_DIR_NAME_CHARS = 80
"""Athlete folder names in a report are at most this many characters
(:func:`analyzer.report.out_folder.page_name`), well inside every file system's 255-byte limit."""


def inside(root: Path, path: Path) -> bool:
    """True when ``path`` resolves to a place inside ``root``."""
    root_r, path_r = root.resolve(), path.resolve()
    return path_r == root_r or root_r in path_r.parents


def spreadsheet_safe(value: object) -> object:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (OWASP CSV injection)."""
    if isinstance(value, str) and value.startswith(_FORMULA_START):
        return "'" + value
    return value


def csv_text(frame: pd.DataFrame, columns: list[str]) -> str:
    """CSV with exactly ``columns`` first (others after), a header even when empty, formula-safe."""
    out = frame.copy()
    for col in columns:
        if col not in out:
            out[col] = pd.Series(dtype=object)
    out = out[columns + [c for c in out.columns if c not in columns]]
    for col in out.columns:
        values = out[col]
        if values.dtype == object:
            out[col] = values.map(spreadsheet_safe)
        elif pd.api.types.is_string_dtype(values) and values.str.startswith(_FORMULA_START).any():
            out[col] = values.map(spreadsheet_safe)  # (a text column without such a cell is written as it is)
    return out.to_csv(index=False, lineterminator="\n")
