"""Typed errors that say what went wrong and where."""

from __future__ import annotations

from pathlib import Path


class AnalyzerError(Exception):
    """Base class of every error this package raises on purpose."""


class FitError(AnalyzerError, ValueError):
    """A FIT file that cannot be read at all.

    Parameters
    ----------
    path : str or Path
        The file (or a description of the stream) that failed.
    offset : int or None
        Byte offset in the file where the problem was found.
    reason : str
        What is wrong, in words a coach understands.
    """

    def __init__(self, path: str | Path | None, offset: int | None, reason: str) -> None:
        self.path = str(path) if path is not None else "<stream>"
        self.offset = offset
        self.reason = reason
        where = f" at byte {offset}" if offset is not None else ""
        super().__init__(f"{self.path}{where}: {reason}")


class InputError(AnalyzerError, ValueError):
    """A problem with an input file other than FIT (CSV, TOML, folder).

    Parameters
    ----------
    path : str or Path
        The file or folder.
    location : str
        Where in it (``"row 7"``, ``"line 3"``) or ``""``.
    reason : str
        What is wrong.
    """

    def __init__(self, path: str | Path, location: str, reason: str) -> None:
        self.path = str(path)
        self.location = location
        self.reason = reason
        where = f" ({location})" if location else ""
        super().__init__(f"{self.path}{where}: {reason}")
