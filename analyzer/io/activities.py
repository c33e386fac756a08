"""Any activity file → :class:`~analyzer.model.Activity`; a folder of them, never stopping at a bad one.

FIT (``.fit``, ``.fit.gz``) goes to :mod:`analyzer.io.fit`; GPX and TCX (``.gpx``, ``.tcx``,
and their ``.gz``) to :mod:`analyzer.io.gpx_tcx`. Names are matched in any letter case.
"""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path
from typing import BinaryIO

from analyzer.errors import FitError, InputError
from analyzer.io.cache import ActivityCache
from analyzer.io.fit import FitWarning, _read_bytes, read_fit, read_fit_bytes
from analyzer.model import Activity, Problem


def activity_format(name: str) -> str | None:
    """``"fit"``, ``"gpx"``, ``"tcx"`` or ``None`` for a file name (any letter case, with or without ``.gz``)."""
    low = name.lower().removesuffix(".gz")
    for fmt in ("fit", "gpx", "tcx"):
        if low.endswith("." + fmt):
            return fmt
    return None


def is_activity_name(name: str) -> bool:
    """True for FIT, GPX and TCX file names (and their ``.gz``)."""
    return activity_format(name) is not None


def read_activity(source: str | os.PathLike | BinaryIO, name: str | None = None) -> Activity:
    """Read a FIT, GPX or TCX file (plain or gzipped), chosen by its name.

    Raises
    ------
    FitError
        For a FIT file that cannot be read at all.
    InputError
        For a GPX or TCX file that cannot be read at all (naming the line), or an unknown kind.
    """
    label = name or str(getattr(source, "name", source))
    fmt = activity_format(label)
    if fmt == "fit":
        return read_fit(source)
    from analyzer.io.gpx_tcx import read_gpx, read_tcx

    if fmt == "gpx":
        return read_gpx(source)
    if fmt == "tcx":
        return read_tcx(source)
    raise InputError(label, "", "not an activity file (.fit, .gpx or .tcx, optionally .gz)")


def read_activity_bytes(data: bytes, name: str) -> Activity:
    """:func:`read_activity` for bytes in memory (from a zip file), ``name`` deciding the format."""
    import io

    if activity_format(name) == "fit":
        return read_fit_bytes(data, name=name)
    buf = io.BytesIO(data)
    buf.name = name  # type: ignore[attr-defined]
    return read_activity(buf, name)


def read_activity_folder(
    folder: str | os.PathLike, engine: str = "numpy", cache: ActivityCache | None = None
) -> tuple[list[Activity], list[Problem]]:
    """Read every activity file in a folder (FIT, GPX, TCX), never stopping at a bad one.

    Parameters
    ----------
    folder : path-like
        Files named ``*.fit``, ``*.gpx``, ``*.tcx`` (any case, optionally ``.gz``) are read, in
        name order. Symbolic links that lead outside the folder are not followed (reported).
    engine : {"numpy", "fitparse"}
        The FIT decoder (see :func:`analyzer.read_fit`).
    cache : ActivityCache, optional
        Parsed activities are looked up by file content first and stored after parsing.

    Returns
    -------
    activities : list of Activity
        One per readable file (partial files included, with their problems).
    problems : list of Problem
        One per file that could not be read at all, plus every partial file's problems.
    """
    root = Path(folder)
    activities: list[Activity] = []
    problems: list[Problem] = []
    for path in list_activity_files(root, problems):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", FitWarning)
                act = read_cached(path, engine, cache) if cache is not None else _read_path(path, engine)
        except FitError as exc:
            problems.append(Problem.at_byte(str(path), exc.offset, exc.reason))
            continue
        except InputError as exc:
            problems.append(Problem(str(path), exc.location, exc.reason))
            continue
        except Exception as exc:  # a reader bug must not stop the batch: report it, go on
            problems.append(Problem(str(path), "", f"could not be read ({type(exc).__name__}: {exc}); "
                                    "please report this file to the analyzer's developers"))
            continue
        activities.append(act)
        problems.extend(act.problems)
    return activities, problems


read_fit_folder = read_activity_folder
"""The same as :func:`read_activity_folder` (its first name, from when only FIT was read)."""


def _read_path(path: Path, engine: str) -> Activity:
    if activity_format(path.name) == "fit":
        return read_fit(path, engine=engine)
    return read_activity(path)


def read_cached(path: Path, engine: str, cache: ActivityCache) -> Activity:
    """Like :func:`read_activity`, through ``cache`` (keyed by the file's bytes, after gunzip)."""
    fmt = activity_format(path.name)
    if fmt == "fit":
        data, _, note = _read_bytes(path)
        if note:  # a cut-off .gz: read it the ordinary way, which reports the cut
            return read_fit(path, engine=engine)
        key = cache.key(data, engine)
    else:
        from analyzer.io.inputs import MAX_ACTIVITY_BYTES, read_input

        raw = read_input(path, MAX_ACTIVITY_BYTES)
        key = cache.key(raw, f"xml-{fmt}")
    act = cache.get(key, path)
    if act is None:
        started = time.thread_time()  # CPU time: a machine busy with other work does not make a file "slow"
        act = read_fit_bytes(data, name=str(path), engine=engine) if fmt == "fit" else read_activity(path)
        if time.thread_time() - started >= cache.min_parse_s:
            cache.put(key, act)
    return act


def list_activity_files(folder: Path, problems: list[Problem]) -> list[Path]:
    """Activity files directly in ``folder``, sorted by name; odd entries reported in ``problems``."""
    if not folder.is_dir():
        problems.append(Problem(str(folder), "", "folder does not exist or is not a folder"))
        return []
    real_root = folder.resolve()
    out = []
    try:
        entries = sorted(folder.iterdir(), key=lambda p: p.name)
    except OSError as exc:
        problems.append(Problem(str(folder), "", f"cannot list the folder: {exc.strerror or exc}"))
        return []
    for path in entries:
        if not is_activity_name(path.name):
            continue
        try:
            if path.is_symlink() and real_root not in path.resolve(strict=True).parents:
                problems.append(Problem(str(path), "", "symbolic link to a file outside the folder; not followed"))
                continue
        except (OSError, RuntimeError):  # a link loop, or a link to nothing
            problems.append(Problem(str(path), "", "symbolic link that leads nowhere (or in a loop); not read"))
            continue
        out.append(path)  # anything that is not a regular file is refused, with a reason, when read
    return out
