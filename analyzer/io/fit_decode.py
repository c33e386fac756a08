"""FIT bytes → one table per message type (the ``numpy`` engine).

The decoder walks the message headers once in Python (cheap: one branch per message),
remembering where each data message starts, then decodes every run of data messages
that share a definition in bulk with numpy: the bytes of all those messages are
gathered into an ``(n, size)`` matrix and each field becomes one typed column.

Field names, scales, offsets, units and enum names come from the FIT profile that
ships with fitparse (``fitparse.profile``), so both engines speak the same names.

The output of :func:`decode` is a :class:`Messages`: for every message name
(``record``, ``lap``, ``session``, ``event``, …) a DataFrame whose columns are the
profile's field names, holding scaled values (float), enum names (str), strings,
date-times as seconds since the FIT epoch (float), and developer fields as columns
named ``dev|<field name>|<units>``. A column ``_offset`` holds each message's byte offset
and orders the rows as in the file.

Files that stop early (a battery that died), fail their CRC or carry junk after the
data keep everything decoded before the break; what went wrong goes to
``Messages.problems``. Bytes that are not FIT at all raise :class:`FitError`.

References
----------
Garmin FIT SDK, "Flexible and Interoperable Data Transfer (FIT) Protocol",
sections on the file header, record headers, compressed timestamp headers and the CRC.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass, field

import anycrc
import numpy as np
from fitparse.profile import MESSAGE_TYPES

from analyzer.errors import FitError
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
_TIMESTAMP_FIELD = 253
_RUN_MIN = 4  # look for a bulk run only when at least this many messages could follow
_FIELD_DESCRIPTION = 206

DECODED_MESSAGES = frozenset({
    0,  # file_id
    18,  # session
    19,  # lap
    20,  # record
    21,  # event
    23,  # device_info
    34,  # activity
    49,  # file_creator
    206,  # field_description
    207,  # developer_data_id
})
"""Message numbers decoded into tables. Every other message (HRV, monitoring, settings, the
many undocumented ones) is walked over but not decoded: nothing downstream reads them."""

@dataclass
class _Definition:
    global_num: int
    little_endian: bool
    fields: list[tuple[int, int, int, int]]  # (field number, size, base type, offset in message)
    dev_fields: list[tuple[int, int, int, int]]  # (field number, size, developer index, offset)
    size: int
    def_pos: int = 0  # where the first definition with this layout stood
    offsets: list[int] = field(default_factory=list)
    compressed: list[tuple[int, int]] = field(default_factory=list)  # (offset, 5-bit time offset)


Table = dict[str, np.ndarray]
"""Columns of equal length: float arrays (NaN = missing) or object arrays (str / None)."""


@dataclass
class Messages:
    """Decoded messages, one :data:`Table` per message name, plus what went wrong."""

    tables: dict[str, Table]
    problems: list[Problem]

    def get(self, name: str) -> Table:
        """The table of message ``name`` (just an empty ``_offset`` column when the file has none)."""
        return self.tables.get(name, {"_offset": np.zeros(0, dtype=np.int64)})


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
    FitError
        When the bytes do not start with a FIT header, or are empty.
    """
    problems: list[Problem] = []
    n = len(data)
    if n == 0:
        raise FitError(name, 0, "the file is empty")
    pos = 0
    segment_tables: list[dict[str, Table]] = []
    arr = np.frombuffer(data, dtype=np.uint8)
    while pos < n:
        header = _read_header(data, pos)
        if isinstance(header, str):
            if pos == 0:
                raise FitError(name, pos, f"not a FIT file: {header}")
            problems.append(Problem(name, f"byte {pos}", f"{n - pos} bytes after the FIT data were ignored: {header}"))
            break
        header_size, data_size = header
        start = pos + header_size
        end = start + data_size
        if end > n:
            problems.append(
                Problem(
                    name,
                    f"byte {n}",
                    f"file is truncated: the header announces {data_size} bytes of data but only "
                    f"{max(n - start, 0)} are present; everything before the break was kept",
                )
            )
            end = n
        elif end + 2 > n:
            problems.append(Problem(name, f"byte {end}", "file ends without its CRC; the data was kept"))
        else:
            stored = data[end] | (data[end + 1] << 8)
            if stored != 0 and crc16(memoryview(data)[pos:end]) != stored:
                problems.append(
                    Problem(name, f"byte {end}", "CRC check failed: the file may be damaged; values were kept as decoded")
                )
        defs, resets = _walk(data, start, end, name, problems)
        segment_tables.append(_decode_segment(arr, defs, resets))
        pos = end + 2
    tables = _concat_segments(segment_tables)
    return Messages(tables=tables, problems=problems)


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
    """
    local: dict[int, _Definition] = {}
    layouts: dict[tuple, _Definition] = {}
    resets: dict[int, list[int]] = {}
    descriptions_seen = 0  # developer field meanings can change mid-file (e.g. triathlon legs)
    arr = np.frombuffer(data, dtype=np.uint8)
    last_h = -1  # header byte of the previous data message: a repeat starts a bulk run
    unpack_from = struct.unpack_from
    while pos < end:
        h = data[pos]
        if h & 0x80:  # compressed timestamp header
            d = local.get((h >> 5) & 0x03)
            if d is None:
                problems.append(Problem(name, f"byte {pos}", f"data message uses undefined local type {(h >> 5) & 3}; stopped reading here"))
                break
            nxt = pos + 1 + d.size
            if nxt > end:
                problems.append(Problem(name, f"byte {pos}", "last message is cut off; stopped reading here"))
                break
            d.offsets.append(pos + 1)
            d.compressed.append((pos + 1, h & 0x1F))
            last_h = -1
            pos = nxt
        elif h & 0x40:  # definition message
            if pos + 6 > end:
                problems.append(Problem(name, f"byte {pos}", "definition message is cut off; stopped reading here"))
                break
            little = data[pos + 2] == 0
            (gnum,) = unpack_from("<H" if little else ">H", data, pos + 3)
            nf = data[pos + 5]
            p = pos + 6
            if p + 3 * nf > end:
                problems.append(Problem(name, f"byte {pos}", "definition message is cut off; stopped reading here"))
                break
            fields = []
            off = 0
            for i in range(nf):
                num, size, base = data[p + 3 * i], data[p + 3 * i + 1], data[p + 3 * i + 2]
                fields.append((num, size, base, off))
                off += size
            p += 3 * nf
            dev_fields = []
            if h & 0x20:
                if p + 1 > end:
                    problems.append(Problem(name, f"byte {pos}", "definition message is cut off; stopped reading here"))
                    break
                nd = data[p]
                p += 1
                if p + 3 * nd > end:
                    problems.append(Problem(name, f"byte {pos}", "definition message is cut off; stopped reading here"))
                    break
                for i in range(nd):
                    num, size, idx = data[p + 3 * i], data[p + 3 * i + 1], data[p + 3 * i + 2]
                    dev_fields.append((num, size, idx, off))
                    off += size
                p += 3 * nd
            key = (gnum, little, tuple(fields), tuple(dev_fields), descriptions_seen if dev_fields else 0)
            d = layouts.get(key)
            if d is None:
                d = layouts[key] = _Definition(gnum, little, fields, dev_fields, off, pos)
            resets.setdefault(gnum, []).append(pos)
            local[h & 0x0F] = d
            last_h = -1
            pos = p
        else:  # normal data message
            d = local.get(h & 0x0F)
            if d is None:
                problems.append(Problem(name, f"byte {pos}", f"data message uses undefined local type {h & 0x0F}; stopped reading here"))
                break
            step = 1 + d.size
            nxt = pos + step
            if nxt > end:
                problems.append(Problem(name, f"byte {pos}", "last message is cut off; stopped reading here"))
                break
            if h == last_h and d.global_num != _FIELD_DESCRIPTION and end - pos >= _RUN_MIN * step:
                # a run of identical messages (records, mostly): find where it ends with numpy,
                # looking ahead in windows that double while the run goes on
                limit = (end - pos) // step
                k, window = 0, _RUN_MIN * 4
                while k < limit:
                    count = min(window, limit - k)
                    at = pos + k * step
                    differ = np.flatnonzero(arr[at : at + count * step : step] != h)
                    if len(differ):
                        k += int(differ[0])
                        break
                    k += count
                    window *= 4
                d.offsets.extend(range(pos + 1, pos + k * step, step))
                pos += k * step
                continue
            last_h = h
            d.offsets.append(pos + 1)
            if d.global_num == _FIELD_DESCRIPTION:
                descriptions_seen += 1
            pos = nxt
    return list(layouts.values()), resets


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
    dt = np.dtype(("<" if little else ">") + code)
    vals = np.ascontiguousarray(raw).view(dt).ravel()
    if code[0] == "f":
        res = vals.astype(np.float64)
        bad = (raw == 0xFF).all(axis=1)
        res[bad] = np.nan
        return "num", res
    res = vals.astype(np.float64)
    if invalid is not None:
        res[vals == invalid] = np.nan
    return "num", res


def _render(profile_field, values: np.ndarray) -> np.ndarray:
    """Scale/offset a numeric column, or map enum numbers to names, per the profile."""
    ftype = profile_field.type
    enum = getattr(ftype, "values", None)
    tname = getattr(ftype, "name", "")
    if enum and tname not in ("date_time", "local_date_time"):
        out = np.full(len(values), None, dtype=object)
        if len(values) <= 16:  # small tables (file_id, session, lap …): a plain loop is quicker
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
    scale = profile_field.scale
    offset = profile_field.offset
    if isinstance(scale, (int, float)) and scale not in (0, 1):
        values = values / scale
    if isinstance(offset, (int, float)) and offset:
        values = values - offset
    return values


def _field_descriptions(
    defs: list[_Definition], arr: np.ndarray
) -> list[tuple[int, tuple[int, int], tuple[str, str, int]]]:
    """``(offset, (developer index, field number), (name, units, base type))`` in file order."""
    out: list[tuple[int, tuple[int, int], tuple[str, str, int]]] = []
    mtype = MESSAGE_TYPES[_FIELD_DESCRIPTION]
    for d in defs:
        if d.global_num != _FIELD_DESCRIPTION or not d.offsets:
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
            out.append((d.offsets[i], (idx, num), (fname, units, base)))
    out.sort()
    return out


def _descriptions_before(descriptions: list, pos: int) -> dict[tuple[int, int], tuple[str, str, int]]:
    """The developer field meanings in force at byte ``pos`` (latest description wins)."""
    return {key: desc for off, key, desc in descriptions if off < pos}


def _matrix(arr: np.ndarray, d: _Definition) -> np.ndarray:
    offs = np.asarray(d.offsets, dtype=np.int64)
    return arr[offs[:, None] + np.arange(d.size, dtype=np.int64)]


def _decode_segment(arr: np.ndarray, defs: list[_Definition], resets: dict[int, list[int]]) -> dict[str, Table]:
    """Bulk-decode every definition's data messages of one FIT segment into tables."""
    dev_desc = _field_descriptions(defs, arr)
    per_type: dict[int, list[dict[str, np.ndarray]]] = {}
    ts_known: list[tuple[np.ndarray, np.ndarray]] = []  # (offsets, raw timestamps) for compressed-time resolution
    any_compressed = any(d.compressed for d in defs)
    for d in defs:
        if not d.offsets:
            continue
        if d.global_num not in DECODED_MESSAGES:
            if any_compressed:  # its timestamps still anchor the compressed ones that follow
                for num, size, base, off in d.fields:
                    if num == _TIMESTAMP_FIELD and (dec := _column(_matrix(arr, d), off, size, base, d.little_endian)):
                        if dec[0] == "num":
                            ts_known.append((np.asarray(d.offsets, dtype=np.int64), dec[1]))
            continue
        mtype = MESSAGE_TYPES.get(d.global_num)
        mat = _matrix(arr, d)
        offsets = np.asarray(d.offsets, dtype=np.int64)
        cols: dict[str, np.ndarray] = {"_offset": offsets}
        raw_num: dict[int, np.ndarray] = {}
        raw_bytes: dict[int, np.ndarray] = {}
        for num, size, base, off in d.fields:
            dec = _column(mat, off, size, base, d.little_endian)
            if dec is None:
                continue
            kind, values = dec
            if kind == "num":  # a field repeated in one definition: the first one counts, as in fitparse
                raw_num.setdefault(num, values)
            elif kind == "bytes":
                raw_bytes.setdefault(num, values)
            if num == _TIMESTAMP_FIELD and kind == "num":
                ts_known.append((offsets, values))
            pf = mtype.fields.get(num) if mtype else None
            if pf is None:
                continue
            if kind == "num":
                cols.setdefault(pf.name, _render(pf, values))
            elif kind == "str":
                cols.setdefault(pf.name, values)
        if mtype is not None:
            _subfields(mtype, raw_num, cols)
            _components(mtype, raw_num, raw_bytes, cols)
        in_force = _descriptions_before(dev_desc, d.def_pos) if d.dev_fields else {}
        if d.dev_fields and not in_force:  # description written after the definition: use the first ones
            in_force = _descriptions_before(dev_desc, 1 << 62)
        for num, size, idx, off in d.dev_fields:
            desc = in_force.get((idx, num))
            if desc is None:
                continue
            fname, units, base = desc
            dec = _column(mat, off, size, base, d.little_endian)
            if dec is None or dec[0] not in ("num", "str"):
                continue
            cols.setdefault(f"dev|{fname}|{units}", dec[1])
        if d.compressed:
            cols["_compressed"] = np.isin(offsets, np.fromiter((o for o, _ in d.compressed), dtype=np.int64))
        per_type.setdefault(d.global_num, []).append(cols)
    compressed = [(o, t) for d in defs for o, t in d.compressed]
    if compressed:
        _resolve_compressed_timestamps(compressed, ts_known, per_type)
    tables: dict[str, Table] = {}
    for gnum, chunks in per_type.items():
        mtype = MESSAGE_TYPES.get(gnum)
        name = mtype.name if mtype else f"unknown_{gnum}"
        table = merge_chunks(chunks)
        _accumulate(table, resets.get(gnum, []))
        tables[name] = {k: v for k, v in table.items() if not (k.startswith("_acc|") or k == "_compressed")}
    return tables


def _subfields(mtype, raw_num: dict[int, np.ndarray], cols: dict[str, np.ndarray]) -> None:
    """Re-render fields whose meaning depends on another field (e.g. product by manufacturer)."""
    for num, values in raw_num.items():
        pf = mtype.fields.get(num)
        if pf is None or not pf.subfields:
            continue
        out = cols[pf.name].astype(object) if pf.name in cols else None
        if out is None:
            continue
        done = np.zeros(len(values), dtype=bool)
        for sub in pf.subfields:
            mask = np.zeros(len(values), dtype=bool)
            for ref in sub.ref_fields:
                ref_vals = raw_num.get(ref.def_num)
                if ref_vals is not None:
                    mask |= ref_vals == ref.raw_value
            mask &= ~done
            if mask.any():
                rendered = _render(sub, values[mask])
                out[mask] = rendered
                done |= mask
        if done.any():
            cols[pf.name] = out


def _components(mtype, raw_num: dict[int, np.ndarray], raw_bytes: dict[int, np.ndarray], cols: dict[str, np.ndarray]) -> None:
    """Expand component fields (e.g. speed → enhanced_speed, compressed_speed_distance)."""
    for num, pf in mtype.fields.items():
        if not pf.components or (num not in raw_num and num not in raw_bytes):
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
            if comp.accumulate:
                cols[f"_acc|{target.name}|{bits}|{comp.scale}|{comp.offset}"] = vals
                continue
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
                continue
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
    compressed: list[tuple[int, int]],
    ts_known: list[tuple[np.ndarray, np.ndarray]],
    per_type: dict[int, list[dict[str, np.ndarray]]],
) -> None:
    """Give messages with a compressed timestamp header their full timestamp.

    The 5-bit offset rolls over the low bits of the last full timestamp seen in file order:
    ``ts = last + ((offset - last) mod 32)``.
    """
    events: list[tuple[int, int, float]] = [(o, 1, float(t)) for o, t in compressed]
    for offs, vals in ts_known:
        events.extend((int(o), 0, float(v)) for o, v in zip(offs, vals, strict=False) if not np.isnan(v))
    events.sort()
    last = 0
    resolved: dict[int, float] = {}
    for off, kind, val in events:
        if kind == 0:
            last = int(val)
        else:
            ts = last + ((int(val) - last) % 32)
            resolved[off] = float(ts)
            last = ts
    for chunks in per_type.values():
        for cols in chunks:
            if "_compressed" not in cols:
                continue
            ts = np.array([resolved.get(int(o), np.nan) for o in cols["_offset"]])
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
