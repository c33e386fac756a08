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


class FitHeaderError(FitError):
    """The bytes do not start with a FIT file header (fitdecode's ``FitHeaderError``)."""


class NotFitError(FitHeaderError):
    """Not a FIT file at all: empty, or something else (an image, a text file)."""


class FitTruncatedError(FitError):
    """The file ends before any data could be read (fitdecode's ``FitEOFError``): a cut-off download.

    A file cut off *after* some data is not an error: what came before the cut is read, with a problem.
    """


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
    offset : int or None
        The byte offset, as a number, when the problem is at a byte.
    row : int or None
        The row (from 1 after the header), as a number, when the problem is in a row.
    """

    def __init__(self, path: str | Path, location: str, reason: str, *, offset: int | None = None,
                 row: int | None = None) -> None:
        self.path = str(path)
        self.location = location
        self.reason = reason
        self.offset = offset
        self.row = row
        where = f" ({location})" if location else ""
        super().__init__(f"{self.path}{where}: {reason}")


class FolderNotFoundError(AnalyzerError, FileNotFoundError):
    """An athlete or team folder that does not exist (or is not a folder).

    Parameters
    ----------
    path : str or Path
        The folder asked for.
    what : str
        What it should have been (``"athlete folder"``, ``"team folder"``).
    """

    def __init__(self, path: str | Path, what: str = "folder") -> None:
        self.path = str(path)
        self.what = what
        super().__init__(f"{self.path}: no such {what} (looked in {Path(path).resolve().parent})")


class ThresholdError(AnalyzerError, ValueError):
    """A threshold override given in the API that cannot be used (unknown name, not a number, out of range).

    ``athlete.toml``'s ``[thresholds]`` do not raise: there a bad row is a problem and the default
    is kept (docs/thresholds.md).

    Parameters
    ----------
    setting : str
        The threshold's name.
    value : object
        The value given.
    reason : str
        Why it cannot be used, with the setting's range and unit.
    """

    def __init__(self, setting: str, value: object, reason: str) -> None:
        self.setting = setting
        self.value = value
        self.reason = reason
        super().__init__(f"threshold {setting} = {value!r}: {reason}")


class ArchiveError(AnalyzerError):
    """A weather service (the archive, the forecast) could not give a usable answer (after its retries).

    Parameters
    ----------
    message : str
        What went wrong, in words (never exception text).
    give_up : bool
        True when asking again in this report is pointless (no connection, no complete answer in
        time, a redirect to another host, busy after every retry); False when only this request is
        concerned (a refused request, an answer that fails the checks).
    reason : str
        What went wrong, as data: one of the :class:`analyzer.weather.reasons.Reason` values
        (``"unreachable"``, ``"bad_address"``, ``"busy"``, ``"too_slow"``, ``"budget_spent"``,
        ``"redirected"``, ``"refused"``, ``"implausible"``, ``"unreadable"``).
    """

    def __init__(self, message: str, give_up: bool = True, reason: str = "unreachable") -> None:
        super().__init__(message)
        self.give_up = give_up
        self.reason = reason
