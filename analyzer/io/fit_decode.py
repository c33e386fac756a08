"""FIT bytes → one table per message type (the ``numpy`` engine).

The decoder walks the message headers once in Python, remembering where each data message
of a decoded type starts: a message nothing reads costs one table lookup, and a cycle of
messages that keeps repeating (a record a second, record + HRV, …) is recognised and taken
in one numpy step. Then the messages that share a definition are decoded in bulk: their
bytes are gathered into an ``(n, size)`` matrix, viewed through one structured dtype, and
each field becomes one typed column.

Field names, scales, offsets, units and enum names come from the FIT profile that
ships with fitparse (``fitparse.profile``), so both engines speak the same names.

The output of :func:`decode` is a :class:`Messages`: for every message name
(``record``, ``lap``, ``session``, ``event``, …) a :data:`Table` (numpy columns) named by the
profile's fields, holding scaled values (float), enum names (str), strings,
date-times as seconds since the FIT epoch (float), and developer fields as columns
named ``dev|<field name>|<units>``. A column ``_offset`` holds each message's byte offset
and orders the rows as in the file.

Files that stop early (a battery that died), fail their CRC or carry junk after the
data keep everything decoded before the break; what went wrong goes to
``Messages.problems``, each at its byte. Bytes that are not FIT at all raise a typed
:class:`~analyzer.errors.FitError` at byte 0 (:func:`check_header`): :class:`NotFitError`
(empty, no ``.FIT`` signature) or :class:`FitHeaderError` (a header cut short).

Definitions are parsed once per process, keyed by their bytes (a watch writes the same ones in
every file).

References
----------
Garmin FIT SDK, "Flexible and Interoperable Data Transfer (FIT) Protocol",
sections on the file header, record headers, compressed timestamp headers and the CRC.
"""

from __future__ import annotations

import functools
import itertools
import struct
from dataclasses import dataclass, field

import anycrc
import numpy as np
from fitparse.profile import MESSAGE_TYPES

from analyzer.errors import FitHeaderError, NotFitError
from analyzer.model import Problem

FIT_EPOCH_UNIX_S = 631065600
"""Seconds from 1970-01-01 UTC to the FIT epoch 1989-12-31 00:00:00 UTC."""

_CRC16_ARC = anycrc.Model("CRC16-ARC")  # the FIT CRC is CRC-16/ARC (poly 0x8005, reflected)

# base type id → (numpy kind code, size, invalid raw value)
_BASE_TYPES: dict[int, tuple[str, int, int | None]] = {
    0x00: ("u1", 1, 0xFF),  # enum
    0x01: ("i1", 1, 0x7F),
    0x02: ("u1", 1, 0xFF),
    0x83: ("i2", 2, 0x7FFF),
    0x84: ("u2", 2, 0xFFFF),
    0x85: ("i4", 4, 0x7FFFFFFF),
    0x86: ("u4", 4, 0xFFFFFFFF),
    0x07: ("S", 1, None),  # string
    0x88: ("f4", 4, None),  # invalid is the all-ones bit pattern, a NaN
    0x89: ("f8", 8, None),
    0x0A: ("u1", 1, 0x00),  # uint8z
    0x8B: ("u2", 2, 0x0000),
    0x8C: ("u4", 4, 0x00000000),
    0x0D: ("B", 1, 0xFF),  # byte (array)
    0x8E: ("i8", 8, 0x7FFFFFFFFFFFFFFF),
    0x8F: ("u8", 8, 0xFFFFFFFFFFFFFFFF),
    0x90: ("u8", 8, 0x0000000000000000),
}
_BYTE = 0x0D
_DTYPES = {(little, code): np.dtype(("<" if little else ">") + code)
           for little in (True, False) for code, _, _ in _BASE_TYPES.values() if code not in ("S", "B")}
_TIMESTAMP_FIELD = 253
_RUN_MIN = 4  # take a repeating cycle of messages in bulk when it repeats at least this often
_BULK_WORTH = 128  # messages a bulk step must take to pay for the numpy calls that found it
_FIELD_DESCRIPTION = 206
_SMALL = 16  # a layout with at most this many messages is read with struct, not numpy (see _numbers_small)
_STRUCT_CODES = {"u1": "B", "i1": "b", "u2": "H", "i2": "h", "u4": "I", "i4": "i", "f4": "f", "f8": "d"}

DECODED_MESSAGES = frozenset({
    0,  # file_id
    18,  # session
    19,  # lap
    20,  # record
    21,  # event
    23,  # device_info
    34,  # activity
    49,  # file_creator
})
"""Message numbers decoded into tables. Every other message (HRV, monitoring, settings, the
many undocumented ones) is walked over but not decoded: nothing downstream reads them.
Field descriptions (206) are read on their own, to name developer fields
(:func:`_field_descriptions`)."""

READ_FIELDS: dict[str, frozenset[str]] = {
    "record": frozenset({"timestamp", "distance", "speed", "enhanced_speed", "heart_rate", "altitude",
                         "enhanced_altitude", "temperature", "power", "cadence", "fractional_cadence",
                         "position_lat", "position_long"}),
    "event": frozenset({"timestamp", "event", "event_type", "event_group", "data", "timer_trigger"}),
    "device_info": frozenset({"timestamp", "device_index", "software_version", "device_type", "source_type",
                              "manufacturer", "product"}),
    "file_id": frozenset({"manufacturer", "product", "serial_number"}),
    "file_creator": frozenset({"software_version"}),
    "activity": frozenset({"timestamp", "local_timestamp"}),
}
"""The fields :func:`analyzer.io.fit.build_activity` reads, for the messages it does not show
whole (``lap`` and ``session`` become frames with every field; developer fields are always
read). Only these fields are decoded, with the fields whose components or subfields fill them.
The fitparse engine decodes everything, so the engine-equivalence tests notice a field
missing here."""

_NO_OFFSETS = np.zeros(0, dtype=np.int64)
_NO_OFFSETS.flags.writeable = False  # shared by every layout without messages (most of them)


@dataclass(slots=True)
class _Definition:
    global_num: int
    little_endian: bool
    fields: tuple[tuple[int, int, int, int], ...]  # (field number, size, base type, offset in message)
    dev_fields: tuple[tuple[int, int, int, int], ...]  # (field number, size, developer index, offset)
    size: int
    def_pos: int = 0  # where the first definition with this layout stood
    # while walking: data-message offsets (just after the header) found one by one and in bulk,
    # and for compressed-timestamp headers (offset, 5-bit time offset)
    singles: list[int] = field(default_factory=list)
    runs: list[np.ndarray] = field(default_factory=list)
    compressed_singles: list[tuple[int, int]] = field(default_factory=list)
    compressed_runs: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)
    # after the walk: the same in file order
    offsets: np.ndarray = field(default_factory=lambda: _NO_OFFSETS)
    compressed_offsets: np.ndarray = field(default_factory=lambda: _NO_OFFSETS)
    time_offsets: np.ndarray = field(default_factory=lambda: _NO_OFFSETS)

    def finish(self) -> None:
        """Gather what the walk found into sorted arrays."""
        if not self.singles and not self.runs:  # a layout of messages nothing reads
            return
        offsets = np.asarray(self.singles, dtype=np.int64)
        if self.runs:
            offsets = np.sort(np.concatenate([offsets, *self.runs]))
        self.offsets = offsets
        if self.compressed_singles or self.compressed_runs:
            pairs = np.asarray(self.compressed_singles, dtype=np.int64).reshape(-1, 2)
            offs = np.concatenate([pairs[:, 0], *(o for o, _ in self.compressed_runs)])
            times = np.concatenate([pairs[:, 1], *(t for _, t in self.compressed_runs)])
            order = np.argsort(offs, kind="stable")
            self.compressed_offsets, self.time_offsets = offs[order], times[order]


Table = dict[str, np.ndarray]
"""Columns of equal length: float arrays (NaN = missing) or object arrays (str / None)."""


@dataclass(slots=True)
class Messages:
    """Decoded messages, one :data:`Table` per message name (in the order of their first definition in
    the file), plus what went wrong."""

    tables: dict[str, Table]
    problems: list[Problem]

    def get(self, name: str) -> Table:
        """The table of message ``name`` (just an empty ``_offset`` column when the file has none)."""
        table = self.tables.get(name)
        return {"_offset": np.zeros(0, dtype=np.int64)} if table is None else table


def table_length(table: Table) -> int:
    """Number of rows of a table."""
    return len(next(iter(table.values()))) if table else 0


def merge_chunks(chunks: list[Table]) -> Table:
    """Stack tables with possibly different columns (missing cells NaN or None), ordered by ``_offset``."""
    if len(chunks) == 1:
        out = dict(chunks[0])
    else:
        names: list[str] = []
        for c in chunks:
            names.extend(k for k in c if k not in names)
        out = {}
        for name in names:
            parts = []
            as_object = any(name in c and c[name].dtype == object for c in chunks)
            for c in chunks:
                n = table_length(c)
                if name in c:
                    parts.append(c[name].astype(object) if as_object and c[name].dtype != object else c[name])
                elif as_object:
                    parts.append(np.full(n, None, dtype=object))
                elif name == "_compressed":
                    parts.append(np.zeros(n, dtype=bool))
                else:
                    parts.append(np.full(n, np.nan))
            out[name] = np.concatenate(parts)
    if len(chunks) == 1 and len(out["_offset"]) <= _SMALL:  # one layout's few messages: in order unless shown not
        offsets = out["_offset"].tolist()
        if all(a <= b for a, b in zip(offsets, offsets[1:], strict=False)):
            return out
    order = np.argsort(out["_offset"], kind="stable")
    if not np.array_equal(order, np.arange(len(order))):
        out = {k: v[order] for k, v in out.items()}
    return out


def crc16(data: bytes | memoryview) -> int:
    """FIT CRC of ``data`` (CRC-16/ARC).

    References
    ----------
    Garmin FIT SDK, "FIT File Protocol: CRC".

    Examples
    --------
    >>> hex(crc16(b"123456789"))  # the CRC-16/ARC check value
    '0xbb3d'
    """
    return _CRC16_ARC.calc(bytes(data))


def decode(data: bytes, name: str = "<stream>") -> Messages:
    """Decode every FIT segment in ``data`` (chained files included).

    Parameters
    ----------
    data : bytes
        The whole file.
    name : str
        File name used in problems and errors.

    Raises
    ------
    NotFitError
        When the bytes are empty or do not start with a FIT header (no ``.FIT`` signature).
    FitHeaderError
        When the first FIT header is cut short or runs past the end (see :func:`check_header`).
    """
    check_header(data, name)
    problems: list[Problem] = []
    n = len(data)
    pos = 0
    segment_tables: list[dict[str, Table]] = []
    arr = np.frombuffer(data, dtype=np.uint8)
    while pos < n:
        header = _read_header(data, pos)
        if isinstance(header, str):  # not at byte 0: check_header passed
            problems.append(Problem.at_byte(name, pos, f"{n - pos} bytes after the FIT data were ignored: {header}"))
            break
        header_size, data_size = header
        start = pos + header_size
        end = start + data_size
        if end > n:
            problems.append(
                Problem.at_byte(
                    name,
                    n,
                    f"file is truncated: the header announces {data_size} bytes of data but only "
                    f"{max(n - start, 0)} are present; everything before the break was kept",
                )
            )
            end = n
        elif end + 2 > n:
            problems.append(Problem.at_byte(name, end, "file ends without its CRC; the data was kept"))
        else:
            stored = data[end] | (data[end + 1] << 8)
            if stored != 0 and crc16(memoryview(data)[pos:end]) != stored:
                problems.append(
                    Problem.at_byte(name, end, "CRC check failed: the file may be damaged; values were kept as decoded")
                )
        defs, resets = _walk(data, start, end, name, problems)
        segment_tables.append(_decode_segment(arr, defs, resets, data))
        pos = end + 2
    tables = _concat_segments(segment_tables)
    return Messages(tables=tables, problems=problems)


def check_header(data: bytes, name: str = "<stream>") -> None:
    """Raise the typed error when ``data`` does not start with a FIT file header.

    Raises
    ------
    NotFitError
        Empty bytes, or bytes without the ``.FIT`` signature (an image, a text file), at byte 0.
    FitHeaderError
        A header with the signature that is cut short or runs past the end of the bytes, at byte 0.

    Examples
    --------
    >>> check_header(b"GIF89a" + bytes(10), "x.fit")
    Traceback (most recent call last):
    ...
    analyzer.errors.NotFitError: x.fit at byte 0: not a FIT file: no '.FIT' signature in the header
    """
    if not data:
        raise NotFitError(name, 0, "the file is empty")
    header = _read_header(data, 0)
    if isinstance(header, str):
        kind = FitHeaderError if data[8:12] == b".FIT" else NotFitError
        raise kind(name, 0, f"not a FIT file: {header}")


def _read_header(data: bytes, pos: int) -> tuple[int, int] | str:
    """(header size, data size), or a reason why ``data[pos:]`` is not a FIT header."""
    if len(data) - pos < 12:
        return f"only {len(data) - pos} bytes, a FIT header needs 12"
    header_size = data[pos]
    if header_size < 12 or data[pos + 8 : pos + 12] != b".FIT":
        return "no '.FIT' signature in the header"
    if pos + header_size > len(data):
        return "header runs past the end of the file"
    (data_size,) = struct.unpack_from("<I", data, pos + 4)
    return header_size, data_size


def _walk(
    data: bytes, pos: int, end: int, name: str, problems: list[Problem]
) -> tuple[list[_Definition], dict[int, list[int]]]:
    """Walk message headers from ``pos`` to ``end``.

    Returns the distinct definitions (identical layouts share one entry, so a file that
    redefines the same message a thousand times still decodes in one bulk pass), each with
    the offsets of its data messages, and for each message number the offsets where it was
    (re)defined (accumulated fields restart there).

    Only the messages that are decoded (:data:`DECODED_MESSAGES`) and field descriptions are
    remembered, with their definitions; the rest are stepped over, their definitions read for
    their size alone. A file with compressed-timestamp headers needs every message's
    timestamp to resolve them, so there the walk starts again and keeps everything.
    """
    found: list[Problem] = []
    try:
        result = _walk_messages(data, pos, end, name, found, keep_all=False)
    except _CompressedTimestamps:
        found = []
        result = _walk_messages(data, pos, end, name, found, keep_all=True)
    problems.extend(found)
    return result


class _CompressedTimestamps(Exception):
    """Raised by a walk that skips messages when it meets a compressed-timestamp header."""


def _walk_messages(
    data: bytes, pos: int, end: int, name: str, problems: list[Problem], keep_all: bool
) -> tuple[list[_Definition], dict[int, list[int]]]:
    """The walk itself: one step per message, with per-header-byte tables for the common cases.

    Watches write data in cycles (a record every second; record and HRV; record and two
    undocumented messages …). When a kept message's header has come round at the same
    distance :data:`_RUN_MIN` times, the walk checks with numpy how long that cycle goes on
    (:func:`_take_cycles`) and takes those messages in one step. Between definitions a header byte
    fixes the message size, so this lands on exactly the messages a one-by-one walk would.
    Definitions, field descriptions and compressed-timestamp messages are read by :class:`_Walker`.
    """
    walker = _Walker(data, end, name, problems, keep_all)
    arr = np.frombuffer(data, dtype=np.uint8)
    skip, keep, prev, period, repeats = walker.skip, walker.keep, walker.prev, walker.period, walker.repeats
    retry_at, backoff = 0, 1  # after a cycle that soon broke, look for the next one further on
    last = pos
    while pos < end:
        h = data[pos]
        s = skip[h]
        if s:  # a message nothing downstream reads
            last = pos
            pos += s
            continue
        d = keep[h]
        if d is not None:  # a message to decode (records, mostly)
            if pos >= retry_at:  # watch for a cycle: the same header at the same distance again
                gap = pos - prev[h]
                prev[h] = pos
                if gap != period[h]:
                    period[h] = gap
                    repeats[h] = 0
                else:
                    repeats[h] += 1
                    if repeats[h] >= _RUN_MIN:
                        k, taken = _take_cycles(data, arr, pos, gap, end, skip, keep)
                        pos += k * gap
                        if taken >= _BULK_WORTH:
                            backoff = 1
                        else:  # a look costs about what stepping over this many messages does
                            retry_at = pos + backoff * gap
                            backoff *= 2
                        if k:
                            continue
            d.singles.append(pos + 1)
            last = pos
            pos += 1 + d.size
            continue
        nxt = walker.definition(pos) if h & 0xC0 == 0x40 else walker.other_data(pos)
        if nxt is None:
            break
        pos = nxt
    if pos > end:  # the last message stepped over runs past the end
        walker.stop(last, "last message is cut off; stopped reading here")
        d = keep[data[last]]
        if d is not None and d.singles and d.singles[-1] == last + 1:
            d.singles.pop()
    definitions = list(walker.layouts.values())
    for d in definitions:
        d.finish()
    return definitions, walker.resets


class _Walker:
    """What a walk knows between messages: the local types in force, the distinct layouts, where
    each message number was (re)defined, and per header byte the step of a skipped message
    (``skip``), the definition of a kept one (``keep``) and its repeat tracking."""

    def __init__(self, data: bytes, end: int, name: str, problems: list[Problem], keep_all: bool) -> None:
        self.data, self.end, self.name, self.problems, self.keep_all = data, end, name, problems, keep_all
        self.local: dict[int, _Definition] = {}
        self.layouts: dict[tuple, _Definition] = {}
        self.resets: dict[int, list[int]] = {}
        self.descriptions_seen = 0  # developer field meanings can change mid-file (e.g. triathlon legs)
        self.skip = [0] * 256
        self.keep: list[_Definition | None] = [None] * 256
        self.prev = [-1] * 256
        self.period = [0] * 256
        self.repeats = [0] * 256

    def stop(self, pos: int, text: str) -> None:
        """Say why the walk stops at byte ``pos``."""
        self.problems.append(Problem.at_byte(self.name, pos, text))

    def definition(self, pos: int) -> int | None:
        """Read the definition message at ``pos``; the position after it, or ``None`` (cut off)."""
        parsed = _parse_definition(self.data, pos, self.end)
        if parsed is None:
            self.stop(pos, "definition message is cut off; stopped reading here")
            return None
        nxt, (gnum, little, fields, dev_fields, size) = parsed
        h = self.data[pos]
        if not self.keep_all and gnum not in DECODED_MESSAGES and gnum != _FIELD_DESCRIPTION:
            # a message nothing reads: its size is all the walk needs (the header tables step over it)
            self.local.pop(h & 0x0F, None)
            for b in range(h & 0x0F, 0x40, 0x10):
                self.skip[b] = 1 + size
                self.keep[b] = None
            return nxt
        key = (gnum, little, fields, dev_fields, self.descriptions_seen if dev_fields else 0)
        d = self.layouts.get(key)
        if d is None:
            d = self.layouts[key] = _Definition(gnum, little, fields, dev_fields, size, pos)
        self.resets.setdefault(gnum, []).append(pos)
        self.local[h & 0x0F] = d
        kept = gnum != _FIELD_DESCRIPTION
        for b in range(h & 0x0F, 0x40, 0x10):  # the data headers of this local type
            self.skip[b] = 0
            self.keep[b] = d if kept else None
            self.prev[b], self.period[b], self.repeats[b] = -1, 0, 0
        return nxt

    def other_data(self, pos: int) -> int | None:
        """A data message the header tables do not step over: a compressed-timestamp header
        (only when every message is kept), a field description, or one of an undefined local
        type (the walk stops). The position after it, or ``None``."""
        h = self.data[pos]
        compressed = bool(h & 0x80)
        if compressed and not self.keep_all:
            raise _CompressedTimestamps
        local_type = (h >> 5) & 0x03 if compressed else h & 0x0F
        d = self.local.get(local_type)
        if d is None:
            self.stop(pos, f"data message uses undefined local type {local_type}; stopped reading here")
            return None
        nxt = pos + 1 + d.size
        if nxt > self.end:
            self.stop(pos, "last message is cut off; stopped reading here")
            return None
        d.singles.append(pos + 1)
        if compressed:
            d.compressed_singles.append((pos + 1, h & 0x1F))
        else:
            self.descriptions_seen += 1
        return nxt


_PARSED_DEFINITIONS: dict[bytes, tuple[int, bool, tuple, tuple, int]] = {}
"""Definition bytes (after the header byte) → their layout, across files: a watch writes the same
definitions in every file, so each is parsed once per process (at most :data:`_PARSED_MAX` kept)."""
_PARSED_MAX = 4096


def _parse_definition(data: bytes, pos: int, end: int) -> tuple[int, tuple[int, bool, tuple, tuple, int]] | None:
    """The definition message at ``pos``: the position after it and its (global message number,
    little endian, fields, developer fields, message size); ``None`` when ``end`` cuts it off."""
    p = pos + 6
    if p > end:
        return None
    p += 3 * data[pos + 5]
    if p > end:
        return None
    if data[pos] & 0x20:  # developer fields follow
        if p + 1 > end:
            return None
        p += 1 + 3 * data[p]
        if p > end:
            return None
    raw = data[pos + 1 : p]
    parsed = _PARSED_DEFINITIONS.get(raw)
    if parsed is None:
        if len(_PARSED_DEFINITIONS) >= _PARSED_MAX:
            _PARSED_DEFINITIONS.clear()
        parsed = _PARSED_DEFINITIONS[raw] = _definition_layout(raw, bool(data[pos] & 0x20))
    return p, parsed


def _definition_layout(raw: bytes, with_developer_fields: bool) -> tuple[int, bool, tuple, tuple, int]:
    """A definition's bytes (reserved, architecture, global number, fields, developer fields) → its
    (global number, little endian, fields, developer fields, message size)."""
    little = raw[1] == 0
    (gnum,) = struct.unpack_from("<H" if little else ">H", raw, 2)
    nf = raw[4]
    fields, size = _field_list(raw[5 : 5 + 3 * nf], 0)
    dev_fields: list[tuple[int, int, int, int]] = []
    if with_developer_fields:
        at = 5 + 3 * nf
        dev_fields, size = _field_list(raw[at + 1 : at + 1 + 3 * raw[at]], size)
    return gnum, little, _Fields(fields), _Fields(dev_fields), size


class _Fields(tuple):
    """A definition's fields: a tuple that keeps its hash (the plans of a layout are cached by its
    fields, and a session's hundred fields would be hashed again at every look-up)."""

    def __hash__(self) -> int:
        try:
            return self.__dict__["hash"]
        except KeyError:
            value = self.__dict__["hash"] = tuple.__hash__(self)
            return value


def _field_list(triples: bytes, start: int) -> tuple[list[tuple[int, int, int, int]], int]:
    """A definition's field triples (number, size, base type or developer index) → the fields
    with their offset in the message, and the offset after the last one."""
    sizes = triples[1::3]
    offsets = list(itertools.accumulate(sizes, initial=start))
    return list(zip(triples[0::3], sizes, triples[2::3], offsets, strict=False)), offsets[-1]


def _take_cycles(data: bytes, arr: np.ndarray, pos: int, period: int, end: int,
                 skip: list[int], keep: list[_Definition | None]) -> tuple[int, int]:
    """Take the messages of the cycle of ``period`` bytes that starts at ``pos``, for as long
    as it repeats; return how many whole cycles and how many messages were taken (none when
    the cycle repeats fewer than :data:`_RUN_MIN` times).

    The cycle is read from the ``period`` bytes before ``pos`` (the last round of it); it
    must hold data messages only. Each further round must show the same header bytes at the
    same places; windows of rounds are checked at once, each window four times the last.
    """
    start = pos - period
    rel: list[int] = []
    heads: list[int] = []
    p = start
    while p < pos:
        b = data[p]
        s = skip[b] or (1 + keep[b].size if keep[b] is not None else 0)
        if not s:
            return 0, 0
        rel.append(p - start)
        heads.append(b)
        p += s
    if p != pos:
        return 0, 0
    rel_a = np.asarray(rel, dtype=np.int64)
    heads_a = np.asarray(heads, dtype=np.uint8)
    limit = (end - pos) // period
    k, window = 0, 4 * _RUN_MIN
    while k < limit:
        count = min(window, limit - k)
        at = pos + k * period
        if len(rel) == 1:
            seen = arr[at : at + count * period : period][:, None]
        else:
            seen = arr[at + rel_a[None, :] + period * np.arange(count)[:, None]]
        broken = np.flatnonzero((seen != heads_a).any(axis=1))
        if len(broken):
            k += int(broken[0])
            break
        k += count
        window *= 4
    if k < _RUN_MIN:
        return 0, 0
    rounds = pos + 1 + period * np.arange(k, dtype=np.int64)
    for r, b in zip(rel, heads, strict=True):
        d = keep[b]
        if d is not None:
            d.runs.append(rounds + r)
    return k, k * len(rel)


def _column(mat: np.ndarray, off: int, size: int, base: int, little: bool) -> tuple[str, np.ndarray] | None:
    """Decode one field of every message: ('num', float array), ('str', object array) or
    ('bytes', the raw ``(n, size)`` uint8 matrix)."""
    code, bsize, invalid = _BASE_TYPES.get(base, _BASE_TYPES[_BYTE])
    raw = mat[:, off : off + size]
    if code == "S":
        out = np.empty(len(raw), dtype=object)
        for i, row in enumerate(raw):
            b = row.tobytes().split(b"\x00", 1)[0]
            out[i] = b.decode("utf-8", errors="replace") if b else None
        return "str", out
    if code == "B" or size % bsize or size == 0:
        # byte arrays (and fields whose size does not fit their type): kept raw, for components only
        return ("bytes", raw) if size else None
    if size != bsize:  # arrays of numbers (e.g. HRV intervals): not part of any frame; skipped
        return None
    vals = np.ascontiguousarray(raw).view(_DTYPES[little, code]).ravel()
    if code[0] == "f":
        res = vals.astype(np.float64)
        bad = (raw == 0xFF).all(axis=1)
        res[bad] = np.nan
        return "num", res
    res = vals.astype(np.float64)
    if invalid is not None:
        res[vals == invalid] = np.nan
    return "num", res


@functools.cache
def _wanted_numbers(global_num: int) -> frozenset[int]:
    """Field numbers of a message to decode: the profile's fields (all, or those in
    :data:`READ_FIELDS` and the fields whose components or subfield choices fill them), and
    always the timestamp (it anchors compressed timestamps)."""
    mtype = MESSAGE_TYPES.get(global_num)
    if mtype is None:
        return frozenset({_TIMESTAMP_FIELD})
    names = READ_FIELDS.get(mtype.name)
    if names is None:
        return frozenset(mtype.fields) | {_TIMESTAMP_FIELD}
    wanted = {num for num, f in mtype.fields.items() if f.name in names}
    for num, f in mtype.fields.items():
        if any(getattr(mtype.fields.get(c.def_num), "name", None) in names for c in f.components or ()):
            wanted.add(num)
    for num in list(wanted):
        for sub in mtype.fields[num].subfields or ():
            wanted.update(ref.def_num for ref in sub.ref_fields)
    return frozenset(wanted | {_TIMESTAMP_FIELD})


@functools.lru_cache(maxsize=1024)
def _number_plan(global_num: int, little_endian: bool, fields: tuple, size: int) -> tuple:
    """How :func:`_numbers` reads a layout (made once per layout): the structured dtype of its
    wanted plain number fields, their indices in ``fields``, their invalid values, and for the
    fields shown as numbers (not enums) their profile scale and offset."""
    picked, formats, offsets, invalid, scales, shifts, plain = [], [], [], [], [], [], []
    wanted = _wanted_numbers(global_num)
    mtype = MESSAGE_TYPES.get(global_num)
    for i, (num, fsize, base, off) in enumerate(fields):
        code, bsize, inv = _BASE_TYPES.get(base, _BASE_TYPES[_BYTE])
        if code in ("S", "B", "i8", "u8") or fsize != bsize or num not in wanted:
            continue
        picked.append(i)
        formats.append(_DTYPES[little_endian, code])
        offsets.append(off)
        invalid.append(np.nan if inv is None else float(inv))  # float invalid: all 0xFF, a NaN already
        pf = mtype.fields.get(num) if mtype else None
        enum, scale, shift = _render_plan(pf) if pf is not None else (None, None, None)
        plain.append(pf is not None and not enum)
        scales.append(float(scale) if scale is not None else 1.0)
        shifts.append(float(shift) if shift is not None else 0.0)
    layout = np.dtype({"names": [f"f{j}" for j in range(len(picked))], "formats": formats,
                       "offsets": offsets, "itemsize": size})
    invalid_a, scales_a, shifts_a = (np.asarray(v, dtype=np.float64)[:, None] for v in (invalid, scales, shifts))
    return layout, picked, invalid_a, scales_a, shifts_a, plain


def _numbers(mat: np.ndarray, d: _Definition) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    """All plain number fields of a definition at once, raw and as shown.

    The messages' bytes are viewed through one structured dtype (the definition's layout,
    its byte order) and each field is cast into a row of one float array; the FIT invalid
    values become NaN in a single comparison, and the profile's scale and offset apply to all
    rows at once. Returns ``{index in d.fields: raw values}`` and, for the fields that are not
    enums, ``{index: scaled values}``. 64-bit integers (not exact as floats), text, byte
    arrays and arrays of numbers are left to :func:`_column`.
    """
    layout, picked, invalid, scale, shift, plain = _number_plan(d.global_num, d.little_endian, d.fields,
                                                                d.size)
    if not picked:
        return {}, {}
    messages = np.ascontiguousarray(mat).view(layout).ravel()
    raw = np.empty((len(picked), len(messages)), dtype=np.float64)
    for j, name in enumerate(layout.names):
        raw[j] = messages[name]
    raw[raw == invalid] = np.nan
    shown = raw / scale - shift
    return (dict(zip(picked, raw, strict=True)),
            {i: shown[j] for j, i in enumerate(picked) if plain[j]})


@functools.lru_cache(maxsize=1024)
def _number_struct(global_num: int, little_endian: bool, fields: tuple, size: int) -> struct.Struct:
    """The fields :func:`_number_plan` picks, as one :class:`struct.Struct` (pad bytes between them)."""
    layout, picked = _number_plan(global_num, little_endian, fields, size)[:2]
    fmt, at = ["<" if little_endian else ">"], 0
    for j in range(len(picked)):
        dtype, off = layout.fields[f"f{j}"][:2]
        fmt.append("x" * (off - at) + _STRUCT_CODES[dtype.str[1:]])
        at = off + dtype.itemsize
    return struct.Struct("".join(fmt))


def _numbers_small(data: bytes, d: _Definition) -> tuple[dict[int, np.ndarray], dict[int, np.ndarray]]:
    """:func:`_numbers` for a layout with few messages (at most :data:`_SMALL`): each message
    is unpacked with one precompiled :class:`struct.Struct` (the same fields, byte order and
    offsets as :func:`_number_plan`'s dtype) instead of numpy's structured view, whose fixed
    cost per call dominates tables of one to a few messages (file_id, session, lap, device_info,
    activity). The values, the invalid values turned NaN, and the scaling are the same
    operations on the same float64 numbers, so both paths give identical arrays (tested on
    every corpus file in ``tests/io/test_fit_small.py``)."""
    layout, picked, invalid, scale, shift, plain = _number_plan(d.global_num, d.little_endian, d.fields,
                                                                d.size)
    if not picked:
        return {}, {}
    unpack = _number_struct(d.global_num, d.little_endian, d.fields, d.size).unpack_from
    offsets = d.offsets.tolist()
    if len(offsets) == 1:  # one message (file_id, session, activity …): its values are the column
        raw = np.array(unpack(data, offsets[0]), dtype=np.float64)[:, None]
    else:
        raw = np.array(list(zip(*[unpack(data, o) for o in offsets], strict=True)), dtype=np.float64)
    raw[raw == invalid] = np.nan
    shown = raw / scale - shift
    return (dict(zip(picked, raw, strict=True)),
            {i: shown[j] for j, i in enumerate(picked) if plain[j]})


@functools.cache
def _render_plan(profile_field) -> tuple[dict | None, float | None, float | None]:
    """(enum names, scale, offset) of a profile field; enum names only for non-date types."""
    ftype = profile_field.type
    enum = getattr(ftype, "values", None)
    if not enum or getattr(ftype, "name", "") in ("date_time", "local_date_time"):
        enum = None
    scale, offset = profile_field.scale, profile_field.offset
    scale = scale if isinstance(scale, (int, float)) and scale not in (0, 1) else None
    offset = offset if isinstance(offset, (int, float)) and offset else None
    return enum, scale, offset


def _render(profile_field, values: np.ndarray) -> np.ndarray:
    """Scale/offset a numeric column, or map enum numbers to names, per the profile."""
    enum, scale, offset = _render_plan(profile_field)
    if enum:
        out = np.empty(len(values), dtype=object)  # filled with None
        if len(values) <= _SMALL:  # small tables (file_id, session, lap …): a plain loop is quicker
            for i, v in enumerate(values.tolist()):
                if v == v:
                    out[i] = enum.get(int(v), str(int(v)))
            return out
        ok = ~np.isnan(values)
        if ok.any():
            codes, where = np.unique(values[ok].astype(np.int64), return_inverse=True)
            names = np.array([enum.get(int(c), str(int(c))) for c in codes], dtype=object)
            out[ok] = names[where]
        return out
    if scale is not None:
        values = values / scale
    if offset is not None:
        values = values - offset
    return values


def _field_descriptions(
    defs: list[_Definition], arr: np.ndarray
) -> list[tuple[int, tuple[int, int], tuple[str, str, int]]]:
    """``(offset, (developer index, field number), (name, units, base type))`` in file order."""
    out: list[tuple[int, tuple[int, int], tuple[str, str, int]]] = []
    mtype = MESSAGE_TYPES[_FIELD_DESCRIPTION]
    for d in defs:
        if d.global_num != _FIELD_DESCRIPTION or not len(d.offsets):
            continue
        mat = _matrix(arr, d)
        numbers: dict[str, np.ndarray] = {}
        texts: dict[str, np.ndarray] = {}
        for num, size, base, off in d.fields:
            f = mtype.fields.get(num)
            dec = _column(mat, off, size, base, d.little_endian)
            if f is None or dec is None:
                continue
            if dec[0] == "num":
                numbers[f.name] = dec[1]
            elif dec[0] == "str":  # a damaged file may give a name field a numeric type: ignored
                texts[f.name] = dec[1]
        for i in range(len(d.offsets)):
            try:
                idx = int(numbers["developer_data_index"][i])
                num = int(numbers["field_definition_number"][i])
                base = int(numbers["fit_base_type_id"][i])
            except (KeyError, TypeError, ValueError):
                continue
            fname = (texts["field_name"][i] if "field_name" in texts else None) or f"unnamed_dev_field_{num}"
            units = (texts["units"][i] if "units" in texts else None) or ""
            out.append((int(d.offsets[i]), (idx, num), (fname, units, base)))
    out.sort()
    return out


def _descriptions_before(descriptions: list, pos: int) -> dict[tuple[int, int], tuple[str, str, int]]:
    """The developer field meanings in force at byte ``pos`` (latest description wins)."""
    return {key: desc for off, key, desc in descriptions if off < pos}


def _matrix(arr: np.ndarray, d: _Definition) -> np.ndarray:
    return arr[d.offsets[:, None] + np.arange(d.size, dtype=np.int64)]


def _decode_segment(arr: np.ndarray, defs: list[_Definition], resets: dict[int, list[int]],
                    data: bytes | None = None) -> dict[str, Table]:
    """Bulk-decode every definition's data messages of one FIT segment into tables.

    A layout with at most :data:`_SMALL` messages has its numbers read with :mod:`struct`
    (:func:`_numbers_small`) and its subfields chosen in a plain loop; the message matrix is
    gathered only when a text, byte or developer field needs it."""
    if data is None:
        data = arr.tobytes()
    dev_desc = _field_descriptions(defs, arr)
    per_type: dict[int, list[dict[str, np.ndarray]]] = {}
    ts_known: list[tuple[np.ndarray, np.ndarray]] = []  # (offsets, raw timestamps) for compressed-time resolution
    any_compressed = any(len(d.compressed_offsets) for d in defs)
    for d in defs:
        if not len(d.offsets):
            continue
        if d.global_num not in DECODED_MESSAGES:
            if any_compressed:  # its timestamps still anchor the compressed ones that follow
                for num, size, base, off in d.fields:
                    if num == _TIMESTAMP_FIELD and (dec := _column(_matrix(arr, d), off, size, base, d.little_endian)):
                        if dec[0] == "num":
                            ts_known.append((d.offsets, dec[1]))
            continue
        per_type.setdefault(d.global_num, []).append(_layout_columns(d, arr, data, dev_desc, ts_known))
    if any_compressed:
        _resolve_compressed_timestamps(
            np.concatenate([d.compressed_offsets for d in defs]), np.concatenate([d.time_offsets for d in defs]),
            ts_known, per_type,
        )
    tables: dict[str, Table] = {}
    for gnum, chunks in per_type.items():
        mtype = MESSAGE_TYPES.get(gnum)
        tables[mtype.name if mtype else f"unknown_{gnum}"] = _table(chunks, resets.get(gnum, []))
    return tables


def _table(chunks: list[dict[str, np.ndarray]], resets: list[int]) -> Table:
    """One message's columns from each of its layouts → its table, in file order, counters unwrapped."""
    table = merge_chunks(chunks)
    _accumulate(table, resets)
    return {k: v for k, v in table.items() if not (k.startswith("_acc|") or k == "_compressed")}


@functools.lru_cache(maxsize=1024)
def _field_plan(global_num: int, little_endian: bool, fields: tuple, size: int) -> tuple:
    """The wanted fields of a layout in field order, made once per layout: ``(index in fields,
    field number, profile field or None, read by _numbers)`` each."""
    picked = set(_number_plan(global_num, little_endian, fields, size)[1])
    wanted = _wanted_numbers(global_num)
    mtype = MESSAGE_TYPES.get(global_num)
    return tuple((i, num, mtype.fields.get(num) if mtype else None, i in picked)
                 for i, (num, _, _, _) in enumerate(fields) if num in wanted)


def _layout_columns(d: _Definition, arr: np.ndarray, data: bytes, dev_desc: list,
                    ts_known: list[tuple[np.ndarray, np.ndarray]]) -> dict[str, np.ndarray]:
    """One layout's messages → columns named by the profile (subfields and components
    resolved, developer fields named by their descriptions); its raw timestamps go to ``ts_known``."""
    mtype = MESSAGE_TYPES.get(d.global_num)
    offsets = d.offsets
    small = len(offsets) <= _SMALL
    mat = None if small else _matrix(arr, d)
    cols: dict[str, np.ndarray] = {"_offset": offsets}
    raw_num: dict[int, np.ndarray] = {}
    raw_bytes: dict[int, np.ndarray] = {}
    numbers, shown = _numbers_small(data, d) if small else _numbers(mat, d)
    for i, num, pf, picked in _field_plan(d.global_num, d.little_endian, d.fields, d.size):
        if picked:
            kind, values = "num", numbers[i]
        else:
            if mat is None:
                mat = _matrix(arr, d)
            _, size, base, off = d.fields[i]
            dec = _column(mat, off, size, base, d.little_endian)
            if dec is None:
                continue
            kind, values = dec
        if kind == "num":  # a field repeated in one definition: the first one counts, as in fitparse
            raw_num.setdefault(num, values)
            if num == _TIMESTAMP_FIELD:
                ts_known.append((offsets, values))
        elif kind == "bytes":
            raw_bytes.setdefault(num, values)
        if pf is None or pf.name in cols:
            continue
        if kind == "num":
            cols[pf.name] = shown[i] if i in shown else _render(pf, values)
        elif kind == "str":
            cols[pf.name] = values
    if mtype is not None:
        _subfields(mtype, raw_num, cols)
        _components(mtype, raw_num, raw_bytes, cols)
    if d.dev_fields:
        mat = _developer_columns(d, arr, mat, dev_desc, cols)
    if len(d.compressed_offsets):
        cols["_compressed"] = np.isin(offsets, d.compressed_offsets)
    return cols


def _developer_columns(d: _Definition, arr: np.ndarray, mat: np.ndarray | None, dev_desc: list,
                       cols: dict[str, np.ndarray]) -> np.ndarray | None:
    """A layout's developer fields into ``cols`` as ``dev|<name>|<units>``, named by the
    descriptions in force where it was defined; the message matrix (gathered if needed)."""
    in_force = _descriptions_before(dev_desc, d.def_pos)
    if not in_force:  # description written after the definition: use the first ones
        in_force = _descriptions_before(dev_desc, 1 << 62)
    for num, size, idx, off in d.dev_fields:
        desc = in_force.get((idx, num))
        if desc is None:
            continue
        if mat is None:
            mat = _matrix(arr, d)
        fname, units, base = desc
        dec = _column(mat, off, size, base, d.little_endian)
        if dec is None or dec[0] not in ("num", "str"):
            continue
        cols.setdefault(f"dev|{fname}|{units}", dec[1])
    return mat


@functools.cache
def _with_subfields(mtype) -> tuple[int, ...]:
    return tuple(num for num, pf in mtype.fields.items() if pf.subfields)


@functools.cache
def _with_components(mtype) -> tuple[int, ...]:
    return tuple(num for num, pf in mtype.fields.items() if pf.components)


@functools.cache
def _subfield_lookup(mtype, num: int) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """For each field a subfield choice depends on: its raw values that choose one (sorted) and
    the first subfield, in profile order, each of them chooses."""
    first: dict[int, dict[float, int]] = {}
    for i, sub in enumerate(mtype.fields[num].subfields):
        for ref in sub.ref_fields:
            first.setdefault(ref.def_num, {}).setdefault(float(ref.raw_value), i)
    return {ref_num: (np.array(sorted(table), dtype=np.float64),
                      np.array([table[k] for k in sorted(table)], dtype=np.int64))
            for ref_num, table in first.items()}


@functools.cache
def _subfield_dicts(mtype, num: int) -> dict[int, dict[float, int]]:
    """:func:`_subfield_lookup` as dicts (raw value → first subfield), for the small-table loop."""
    return {ref_num: dict(zip(keys.tolist(), firsts.tolist(), strict=True))
            for ref_num, (keys, firsts) in _subfield_lookup(mtype, num).items()}


def _subfields(mtype, raw_num: dict[int, np.ndarray], cols: dict[str, np.ndarray]) -> None:
    """Re-render fields whose meaning depends on another field (e.g. product by manufacturer).

    Each message takes the first subfield (in profile order) whose reference field holds one
    of its values; messages no subfield matches keep the field's own rendering.
    """
    for num in _with_subfields(mtype):
        values = raw_num.get(num)
        pf = mtype.fields[num]
        if values is None or pf.name not in cols:
            continue
        none = len(pf.subfields)
        if len(values) <= _SMALL:  # a few messages: the same choice in a plain loop
            picks = [none] * len(values)
            for ref_num, table in _subfield_dicts(mtype, num).items():
                ref_vals = raw_num.get(ref_num)
                if ref_vals is None:
                    continue
                for j, v in enumerate(ref_vals.tolist()):
                    k = table.get(v)
                    if k is not None and k < picks[j]:
                        picks[j] = k
            if min(picks) == none:
                continue
            choice = np.array(picks, dtype=np.int64)
        else:
            choice = np.full(len(values), none, dtype=np.int64)
            for ref_num, (keys, firsts) in _subfield_lookup(mtype, num).items():
                ref_vals = raw_num.get(ref_num)
                if ref_vals is None:
                    continue
                at = np.clip(np.searchsorted(keys, ref_vals), 0, len(keys) - 1)
                choice = np.where(keys[at] == ref_vals, np.minimum(choice, firsts[at]), choice)
        chosen = choice < none
        if not chosen.any():
            continue
        out = cols[pf.name].astype(object)
        for i in np.unique(choice[chosen]).tolist():
            mask = choice == i
            out[mask] = _render(pf.subfields[i], values[mask])
        cols[pf.name] = out


def _components(mtype, raw_num: dict[int, np.ndarray], raw_bytes: dict[int, np.ndarray], cols: dict[str, np.ndarray]) -> None:
    """Expand component fields (e.g. speed → enhanced_speed, compressed_speed_distance)."""
    for num in _with_components(mtype):
        if num not in raw_num and num not in raw_bytes:
            continue
        pf = mtype.fields[num]
        if num in raw_num and len(raw_num[num]) <= _SMALL and _components_small(mtype, pf, raw_num[num], cols):
            continue
        if num in raw_num:
            raw = raw_num[num]
            valid = ~np.isnan(raw)
            ints = np.where(valid, raw, 0).astype(np.uint64)
        else:
            mat = raw_bytes[num]
            if mat.shape[1] > 8:
                continue
            valid = ~(mat == 0xFF).all(axis=1)
            shifts = np.arange(mat.shape[1], dtype=np.uint64) * np.uint64(8)
            ints = (mat.astype(np.uint64) << shifts).sum(axis=1, dtype=np.uint64)  # little-endian bytes
        for comp in pf.components:
            target = mtype.fields.get(comp.def_num)
            if target is None:
                continue
            bits = int(comp.bits)
            vals = ((ints >> np.uint64(comp.bit_offset)) & np.uint64((1 << bits) - 1)).astype(np.float64)
            vals[~valid] = np.nan
            _put_component(comp, target, bits, vals, cols)


def _components_small(mtype, pf, raw: np.ndarray, cols: dict[str, np.ndarray]) -> bool:
    """:func:`_components` of one number field of a few messages, bits taken in a plain loop;
    ``False`` (nothing done) when a value is not a whole number from 0 to 2⁶⁴, whose cast to
    ``uint64`` only numpy's own rules give."""
    values = raw.tolist()
    if not all(v != v or (0 <= v < 18446744073709551616.0 and v == int(v)) for v in values):
        return False
    ints = [None if v != v else int(v) for v in values]
    for comp in pf.components:
        target = mtype.fields.get(comp.def_num)
        if target is None:
            continue
        bits = int(comp.bits)
        shift, mask = int(comp.bit_offset), (1 << bits) - 1
        vals = np.array([np.nan if v is None else float((v >> shift) & mask) for v in ints], dtype=np.float64)
        _put_component(comp, target, bits, vals, cols)
    return True


def _put_component(comp, target, bits: int, vals: np.ndarray, cols: dict[str, np.ndarray]) -> None:
    """One component's values into ``cols``: accumulated, or rendered, the field itself winning where valid."""
    if comp.accumulate:
        cols[f"_acc|{target.name}|{bits}|{comp.scale}|{comp.offset}"] = vals
        return
    vals = _render_component(comp, target, vals)
    if target.name in cols:  # the field itself wins where it is valid
        own = cols[target.name]
        if own.dtype == object:
            missing = np.array([v is None for v in own], dtype=bool)
        else:
            missing = np.isnan(own)
        if missing.any():
            own = own.copy()
            own[missing] = vals[missing]
            cols[target.name] = own
        return
    cols[target.name] = vals


def _render_component(comp, target, vals: np.ndarray) -> np.ndarray:
    enum = getattr(target.type, "values", None)
    if enum:
        return _render(target, vals)
    if comp.scale not in (None, 0, 1):
        vals = vals / comp.scale
    if comp.offset:
        vals = vals - comp.offset
    return vals


def _accumulate(table: Table, resets: list[int]) -> None:
    """Unwrap accumulated components (rolling counters) over the messages of one type, in file order.

    Each value is ``previous + ((raw - previous) mod 2**bits)``; the counter restarts at zero
    at each definition of the message, as fitparse does.
    """
    for col in [c for c in table if c.startswith("_acc|")]:
        _, target_name, bits_s, scale_s, offset_s = col.split("|")
        bits = int(bits_s)
        raw = table[col].astype(np.float64)
        out = np.full(len(raw), np.nan)
        seg = np.searchsorted(np.asarray(sorted(resets), dtype=np.int64), table["_offset"], side="right")
        valid = ~np.isnan(raw)
        for s in np.unique(seg):
            idx = np.flatnonzero((seg == s) & valid)
            if not len(idx):
                continue
            r = raw[idx].astype(np.int64)
            steps = np.diff(r) % (1 << bits)
            out[idx] = np.concatenate([[r[0]], r[0] + np.cumsum(steps)]).astype(np.float64)
        scale = float(scale_s) if scale_s not in ("None", "0", "1") else 1.0
        offset = float(offset_s) if offset_s not in ("None", "0") else 0.0
        vals = out / scale - offset
        if target_name in table:
            own = table[target_name].astype(np.float64)
            table[target_name] = np.where(np.isnan(own), vals, own)
        else:
            table[target_name] = vals


def _resolve_compressed_timestamps(
    compressed_offsets: np.ndarray,
    time_offsets: np.ndarray,
    ts_known: list[tuple[np.ndarray, np.ndarray]],
    per_type: dict[int, list[dict[str, np.ndarray]]],
) -> None:
    """Give messages with a compressed timestamp header their full timestamp.

    The 5-bit offset rolls over the low bits of the last timestamp seen in file order (a full
    one, or the last one resolved): ``ts = last + ((offset - last) mod 32)``. Since each resolved
    timestamp ends in its own 5 bits, the steps are ``(offset - previous 5 bits) mod 32`` and the
    timestamps are the last full timestamp plus a running sum of steps, computed for all at once.

    References
    ----------
    Garmin FIT SDK, "FIT File Protocol: Compressed Timestamp Header".
    """
    known_offsets = [o for o, _ in ts_known]
    known_values = [v for _, v in ts_known]
    k_off = np.concatenate(known_offsets) if known_offsets else np.zeros(0, dtype=np.int64)
    k_val = np.concatenate(known_values) if known_values else np.zeros(0)
    ok = ~np.isnan(k_val)
    offsets = np.concatenate([k_off[ok], compressed_offsets])
    values = np.concatenate([k_val[ok].astype(np.int64), time_offsets.astype(np.int64)])
    is_compressed = np.concatenate([np.zeros(int(ok.sum()), dtype=bool), np.ones(len(compressed_offsets), dtype=bool)])
    order = np.lexsort((is_compressed, offsets))  # file order; at one offset the full timestamp first
    offsets, values, is_compressed = offsets[order], values[order], is_compressed[order]
    previous_low = np.concatenate([[0], values[:-1] % 32])
    steps = np.where(is_compressed, (values - previous_low) % 32, 0)
    total = np.cumsum(steps)
    positions = np.arange(len(values))
    last_full = np.maximum.accumulate(np.where(is_compressed, -1, positions))
    has_full = last_full >= 0
    safe = np.clip(last_full, 0, None)
    resolved = np.where(has_full, values[safe] - total[safe], 0) + total
    c_off, c_ts = offsets[is_compressed], resolved[is_compressed].astype(np.float64)
    for chunks in per_type.values():
        for cols in chunks:
            if "_compressed" not in cols:
                continue
            at = np.clip(np.searchsorted(c_off, cols["_offset"]), 0, max(len(c_off) - 1, 0))
            found = cols["_compressed"] & (c_off[at] == cols["_offset"]) if len(c_off) else cols["_compressed"] & False
            ts = np.where(found, c_ts[at] if len(c_off) else np.nan, np.nan)
            if "timestamp" in cols:
                cols["timestamp"] = np.where(cols["_compressed"], ts, cols["timestamp"])
            else:
                cols["timestamp"] = ts


def _concat_segments(segments: list[dict[str, Table]]) -> dict[str, Table]:
    if len(segments) == 1:
        return segments[0]
    names: list[str] = []
    for seg in segments:
        names.extend(n for n in seg if n not in names)
    return {n: merge_chunks([s[n] for s in segments if n in s]) for n in names}
