"""Reading input files safely: regular files only, never more than a stated size, gzip inflated within a cap.

Every reader of the athlete's files opens them through :func:`read_input`, so a pipe named
``cramps.csv`` cannot make the batch wait forever, a device cannot be read, and a small
``.fit.gz`` that inflates to gigabytes cannot exhaust the machine's memory.
"""

from __future__ import annotations

import logging
import os
import stat
import zlib
from pathlib import Path

from analyzer.errors import InputError

log = logging.getLogger(__name__)

MAX_ACTIVITY_BYTES = 64 * 1024 * 1024
"""Largest activity file read (and largest inflated ``.gz``): 64 MiB. The largest real FIT file we
know, a 100,000-record multisport day, is 3 MB; a 24-hour 1 Hz run is about 3 MB too."""

MAX_LOG_BYTES = 16 * 1024 * 1024
"""Largest log or profile read (``cramps.csv``, ``weather.csv``, ``weigh_ins.csv``, ``athlete.toml``):
16 MiB, over 100,000 rows."""

_CHUNK = 1 << 20


def read_input(path: str | os.PathLike, max_bytes: int) -> bytes:
    """The bytes of a regular file, refusing anything else.

    Parameters
    ----------
    path : path-like
    max_bytes : int
        Larger files are refused (before reading).

    Raises
    ------
    InputError
        Not a regular file (a folder, a pipe, a device, a socket), a symbolic-link loop,
        larger than ``max_bytes``, or unreadable.
    """
    p = Path(path)
    try:
        # O_NONBLOCK: opening a FIFO for reading returns at once instead of waiting for a writer
        fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        raise InputError(p, "", _os_reason(exc)) from exc
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise InputError(p, "", f"{_kind(info.st_mode)}, not a regular file; not read")
        if info.st_size > max_bytes:
            raise InputError(p, "", f"{info.st_size:,} bytes is over the {max_bytes:,}-byte limit for this kind "
                                    "of file; not read")
        chunks = []
        total = 0
        while True:
            chunk = os.read(fd, min(_CHUNK, max_bytes + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
            if total > max_bytes:
                raise InputError(p, "", f"grew past the {max_bytes:,}-byte limit while being read; not read")
        return b"".join(chunks)
    except OSError as exc:
        raise InputError(p, "", _os_reason(exc)) from exc
    finally:
        os.close(fd)


def gunzip_capped(data: bytes, max_bytes: int, name: str = "<stream>") -> tuple[bytes, str]:
    """Inflate gzip ``data`` (all members), refusing to produce more than ``max_bytes``.

    Memory stays within ``max_bytes`` plus one chunk however far the data claims to inflate.

    Returns
    -------
    data : bytes
        The inflated bytes; for a cut-off file, everything before the cut.
    note : str
        ``""``, or what was wrong ("cut off at byte N") when only a part could be inflated.

    Raises
    ------
    InputError
        Not valid gzip, or inflating past the cap (a "zip bomb").
    """
    data, cut = gunzip_cut(data, max_bytes, name)
    return data, cut_note(cut)


def cut_note(cut: int | None) -> str:
    """What a cut-off gzip file's problem says (``""`` when it is whole)."""
    return "" if cut is None else f"the gzip file is cut off at byte {cut}; what it holds before the cut was read"


def gunzip_cut(data: bytes, max_bytes: int, name: str = "<stream>") -> tuple[bytes, int | None]:
    """Like :func:`gunzip_capped`, with the byte where the file is cut off (``None`` when it is whole).

    Raises
    ------
    InputError
        Not valid gzip, or inflating past the cap (a "zip bomb").
    """
    out: list[bytes] = []
    size = 0
    rest = data
    while rest:
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
        pending = rest
        while pending:
            try:
                piece = d.decompress(pending, _CHUNK)
            except zlib.error as exc:
                at = len(data) - len(rest)
                log.info("%s: gzip data broken at byte %d: %r", name, at, exc)
                raise InputError(name, f"byte {at}", "not a valid gzip file: its compressed data is damaged",
                                 offset=at) from exc
            out.append(piece)
            size += len(piece)
            if size > max_bytes:
                raise InputError(name, "", f"inflates to more than {max_bytes:,} bytes (the limit); not read")
            pending = d.unconsumed_tail
            if d.eof:
                break
        if not d.eof:
            return b"".join(out), len(data)
        rest = d.unused_data.lstrip(b"\x00")
        if rest and rest[:2] != b"\x1f\x8b":
            break  # trailing junk after the last member is ignored, as gzip does
    return b"".join(out), None


def _kind(mode: int) -> str:
    if stat.S_ISDIR(mode):
        return "a folder"
    if stat.S_ISFIFO(mode):
        return "a named pipe (FIFO)"
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return "a device"
    if stat.S_ISSOCK(mode):
        return "a socket"
    return "not a regular file"


def _os_reason(exc: OSError) -> str:
    import errno

    if exc.errno == errno.ELOOP:
        return "symbolic-link loop; not read"
    if exc.errno == errno.EISDIR:
        return "a folder, not a regular file; not read"
    return f"cannot read the file: {exc.strerror or 'the system gave no reason'}"
