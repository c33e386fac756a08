"""Write FIT files: for synthetic athletes in tests and for the sample team.

A small, honest encoder: each message is given by its profile name and a dict of
physical values (``{"distance": 1234.5, "heart_rate": 150}``); values are scaled with the
profile's scale/offset, enum names are turned into numbers, ``None`` is written as the
base type's invalid value, datetimes (tz-aware) as FIT seconds. A definition message is
written whenever a message's field layout changes. Developer fields are supported.

References
----------
Garmin FIT SDK, "FIT File Protocol" (header, definition and data messages, CRC).
"""

from __future__ import annotations

import datetime as dt
import struct
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np
from fitparse.profile import MESSAGE_TYPES

from analyzer.io.fit_decode import FIT_EPOCH_UNIX_S, crc16

_BY_NAME = {mt.name: (num, mt) for num, mt in MESSAGE_TYPES.items()}
_FMT = {
    0x00: ("B", 0xFF), 0x01: ("b", 0x7F), 0x02: ("B", 0xFF), 0x83: ("h", 0x7FFF), 0x84: ("H", 0xFFFF),
    0x85: ("i", 0x7FFFFFFF), 0x86: ("I", 0xFFFFFFFF), 0x88: ("f", None), 0x89: ("d", None),
    0x0A: ("B", 0), 0x8B: ("H", 0), 0x8C: ("I", 0), 0x0D: ("B", 0xFF), 0x8E: ("q", 0x7FFFFFFFFFFFFFFF),
    0x8F: ("Q", 0xFFFFFFFFFFFFFFFF), 0x90: ("Q", 0),
}


@dataclass(frozen=True)
class DevField:
    """A developer field: ``(developer index, field number)`` with its name, units and base type."""

    developer_index: int
    number: int
    name: str
    units: str
    base_type: int = 0x88  # float32


def to_fit_seconds(value: dt.datetime) -> int:
    """tz-aware datetime → seconds since the FIT epoch (1989-12-31 00:00 UTC)."""
    if value.tzinfo is None:
        raise ValueError("datetimes written to FIT must be tz-aware")
    return int(round(value.timestamp())) - FIT_EPOCH_UNIX_S


def _base_type(field) -> int:
    base = getattr(field.type, "base_type", field.type)
    return base.identifier


def _raw(field, value: object) -> object:
    if value is None:
        return None
    if isinstance(value, dt.datetime):
        return to_fit_seconds(value)
    enum = getattr(field.type, "values", None)
    if isinstance(value, str) and enum:
        for k, v in enum.items():
            if v == value:
                return k
        raise ValueError(f"{value!r} is not a value of {field.type.name}")
    if isinstance(value, str):
        return value
    number = float(value)  # type: ignore[arg-type]
    if field.offset:
        number += field.offset
    if field.scale and field.scale != 1:
        number *= field.scale
    return number


class FitWriter:
    """Build a FIT file message by message.

    Examples
    --------
    >>> w = FitWriter()
    >>> w.write("file_id", type="activity", manufacturer="development", product=1)
    >>> len(w.to_bytes()) > 14
    True
    """

    def __init__(self, little_endian: bool = True, dev_fields: Iterable[DevField] = ()) -> None:
        self.little = little_endian
        self.body = bytearray()
        self.layouts: dict[int, tuple] = {}
        self.next_local = 0
        self.local_of: dict[tuple, int] = {}
        self.dev = {(d.developer_index, d.number): d for d in dev_fields}
        self.dev_by_name = {d.name: d for d in dev_fields}
        if self.dev:
            for idx in sorted({d.developer_index for d in dev_fields}):
                self.write("developer_data_id", developer_data_index=idx, application_version=1)
            for d in dev_fields:
                base_name = {v: k for k, v in _TYPE_NAMES.items()}[d.base_type]
                self.write(
                    "field_description",
                    developer_data_index=d.developer_index,
                    field_definition_number=d.number,
                    fit_base_type_id=base_name,
                    field_name=d.name,
                    units=d.units,
                )

    def write(self, message: str, compressed_time_offset: int | None = None, **values: object) -> None:
        """Append one data message (and a definition when its layout is new).

        ``compressed_time_offset`` writes a compressed-timestamp header with that 5-bit offset
        instead of a ``timestamp`` field (local types 0–3 only).
        """
        gnum, mtype = _BY_NAME[message]
        by_name = {f.name: (num, f) for num, f in mtype.fields.items()}
        fields = []
        dev = []
        for key, value in values.items():
            if key in self.dev_by_name:
                d = self.dev_by_name[key]
                fmt, invalid = _FMT[d.base_type]
                dev.append((d.number, struct.calcsize(fmt), d.developer_index, fmt, invalid, value))
                continue
            num, f = by_name[key]
            base = _base_type(f)
            raw = _raw(f, value)
            if base == 0x07:
                text = (str(raw) if raw is not None else "").encode() + b"\x00"
                fields.append((num, len(text), base, f"{len(text)}s", None, text))
            else:
                fmt, invalid = _FMT[base]
                fields.append((num, struct.calcsize(fmt), base, fmt, invalid, raw))
        local = self._local_type(gnum, fields, dev, 4 if compressed_time_offset is not None else 16)
        end = "<" if self.little else ">"
        if compressed_time_offset is not None:
            if local > 3:
                raise ValueError("compressed timestamp headers need local types 0-3")
            self.body.append(0x80 | (local << 5) | (compressed_time_offset & 0x1F))
        else:
            self.body.append(local)
        for *_, fmt, invalid, raw in fields + dev:
            if fmt.endswith("s"):
                self.body += struct.pack(fmt, raw)
                continue
            if raw is None:
                raw = invalid if invalid is not None else float("nan")
                if invalid is None:
                    self.body += b"\xff" * struct.calcsize(fmt)
                    continue
            if fmt in "fd":
                self.body += struct.pack(end + fmt, float(raw))
            else:
                self.body += struct.pack(end + fmt, int(round(float(raw))))

    def _local_type(self, gnum: int, fields: list, dev: list, limit: int = 16) -> int:
        """The local type for this layout, writing a definition message when it is new."""
        layout = (gnum, tuple((n, s, b) for n, s, b, *_ in fields), tuple((n, s, i) for n, s, i, *_ in dev))
        local = self.local_of.get(layout)
        if local is None:
            local = self.next_local % limit
            self.next_local += 1
            for k in [k for k, v in self.local_of.items() if v == local]:
                del self.local_of[k]
            self.local_of[layout] = local
            self._definition(local, gnum, fields, dev)
        return local

    def write_many(self, message: str, **columns: np.ndarray) -> None:
        """Append one data message per row of equal-length numeric arrays, in one go.

        Values are physical (scaled like :meth:`write`); NaN is written as the invalid value;
        ``date_time`` fields take FIT seconds.
        """
        gnum, mtype = _BY_NAME[message]
        by_name = {f.name: (num, f) for num, f in mtype.fields.items()}
        fields = []
        n = len(next(iter(columns.values())))
        for key, values in columns.items():
            num, f = by_name[key]
            base = _base_type(f)
            fmt, invalid = _FMT[base]
            vals = np.asarray(values, dtype=np.float64)
            if getattr(f.type, "name", "") not in ("date_time", "local_date_time"):
                if f.offset:
                    vals = vals + f.offset
                if f.scale and f.scale != 1:
                    vals = vals * f.scale
            fields.append((num, struct.calcsize(fmt), base, fmt, invalid, vals))
        local = self._local_type(gnum, fields, [])
        end = "<" if self.little else ">"
        dtype = np.dtype([("header", "u1")] + [(f"f{i}", end + _NUMPY_CODE[fmt]) for i, (*_, fmt, _, _) in
                                              enumerate(fields)])
        rows = np.zeros(n, dtype=dtype)
        rows["header"] = local
        for i, (*_, fmt, invalid, vals) in enumerate(fields):
            if fmt in "fd":
                rows[f"f{i}"] = vals
            else:
                bad = ~np.isfinite(vals)
                rows[f"f{i}"] = np.where(bad, invalid, np.round(np.where(bad, 0, vals))).astype(_NUMPY_CODE[fmt])
        self.body += rows.tobytes()

    def _definition(self, local: int, gnum: int, fields: list, dev: list) -> None:
        end = "<" if self.little else ">"
        header = 0x40 | local | (0x20 if dev else 0)
        self.body += struct.pack(end + "BBBHB", header, 0, 0 if self.little else 1, gnum, len(fields))
        for num, size, base, *_ in fields:
            self.body += bytes((num, size, base))
        if dev:
            self.body.append(len(dev))
            for num, size, idx, *_ in dev:
                self.body += bytes((num, size, idx))

    def to_bytes(self) -> bytes:
        """The complete file: 14-byte header (with its CRC), data, file CRC."""
        header = struct.pack("<BBHI4s", 14, 0x20, 2132, len(self.body), b".FIT")
        header += struct.pack("<H", crc16(header))
        data = header + bytes(self.body)
        return data + struct.pack("<H", crc16(data))


_NUMPY_CODE = {"B": "u1", "b": "i1", "H": "u2", "h": "i2", "I": "u4", "i": "i4", "f": "f4", "d": "f8",
               "q": "i8", "Q": "u8"}

_TYPE_NAMES = {
    "enum": 0x00, "sint8": 0x01, "uint8": 0x02, "sint16": 0x83, "uint16": 0x84, "sint32": 0x85,
    "uint32": 0x86, "string": 0x07, "float32": 0x88, "float64": 0x89, "uint8z": 0x0A,
    "uint16z": 0x8B, "uint32z": 0x8C, "byte": 0x0D, "sint64": 0x8E, "uint64": 0x8F, "uint64z": 0x90,
}


def encode_run(
    start: dt.datetime,
    elapsed_s: Iterable[float],
    *,
    distance_m: Iterable[float] | None = None,
    speed_mps: Iterable[float] | None = None,
    heart_rate_bpm: Iterable[float | None] | None = None,
    cadence_spm: Iterable[float] | None = None,
    altitude_m: Iterable[float] | None = None,
    temperature_c: Iterable[float] | None = None,
    pauses: Iterable[tuple[float, float]] = (),
    utc_offset_s: int | None = 0,
    sport: str = "running",
    manufacturer: str = "development",
    product: int = 1,
    serial_number: int = 12345,
    laps_every_m: float | None = 1000.0,
    enhanced: bool = True,
    latitude_deg: Iterable[float] | None = None,
    longitude_deg: Iterable[float] | None = None,
    sensors: Iterable[dict[str, object]] = (),
) -> bytes:
    """A complete activity file from 1-D arrays (one value per record).

    Parameters
    ----------
    start : datetime (tz-aware)
        When the timer started.
    elapsed_s : array of float
        Seconds since ``start`` of each record (wall clock, pauses included).
    pauses : iterable of (stop_s, resume_s)
        Timer stops, in elapsed seconds; records inside a pause should be left out by the caller.
    utc_offset_s : int or None
        Written as ``activity.local_timestamp − timestamp``; ``None`` leaves the field out.
    cadence_spm : array
        Steps per minute; written as FIT running cadence (one foot, whole strides) plus
        ``fractional_cadence``.
    enhanced : bool
        Write ``enhanced_speed``/``enhanced_altitude`` (True) or the plain 16-bit fields.
    latitude_deg, longitude_deg : array of float, optional
        Position of each record, degrees (written as semicircles).
    sensors : iterable of dict
        Extra ``device_info`` messages (``device_index``, ``device_type``, ``source_type``,
        ``manufacturer``, ``product``), e.g. a Garmin Tempe: ``{"device_index": 2,
        "device_type": 25, "source_type": "antplus", "manufacturer": "garmin", "product": 1570}``.

    Returns
    -------
    bytes
    """


    el = np.asarray(list(elapsed_s), dtype=float)
    n = len(el)

    def arr(values):
        return None if values is None else np.asarray(list(values), dtype=float)

    dist, spd, hr, cad, alt, temp = map(arr, (distance_m, speed_mps, heart_rate_bpm, cadence_spm, altitude_m, temperature_c))
    w = FitWriter()
    w.write("file_id", type="activity", manufacturer=manufacturer, product=product,
            serial_number=serial_number, time_created=start)
    w.write("device_info", timestamp=start, device_index="creator", manufacturer=manufacturer,
            product=product, serial_number=serial_number, software_version=12.5)
    for sensor in sensors:
        w.write("device_info", timestamp=start, **sensor)
    w.write("event", timestamp=start, event="timer", event_type="start", event_group=0)
    pauses = sorted(pauses)
    pause_iter = iter(pauses)
    next_pause = next(pause_iter, None)
    lap_start_i = 0
    lap_start_t = start
    lap_no = 0

    def t_at(sec: float) -> dt.datetime:
        return start + dt.timedelta(seconds=float(sec))

    def write_lap(i0: int, i1: int) -> None:
        t0 = t_at(el[i0])
        t1 = t_at(el[i1])
        d0 = dist[i0] if dist is not None else None
        d1 = dist[i1] if dist is not None else None
        w.write("lap", timestamp=t1, start_time=t0, total_elapsed_time=el[i1] - el[i0],
                total_timer_time=el[i1] - el[i0], total_distance=(d1 - d0) if dist is not None else None,
                event="lap", event_type="stop", sport=sport)
        del d0

    for stop, resume in pauses:
        w.write("event", timestamp=t_at(stop), event="timer", event_type="stop_all", event_group=0)
        w.write("event", timestamp=t_at(resume), event="timer", event_type="start", event_group=0)
    del pause_iter, next_pause
    columns: dict[str, np.ndarray] = {"timestamp": to_fit_seconds(start) + np.round(el)}
    if dist is not None:
        columns["distance"] = dist
    if spd is not None:
        columns["enhanced_speed" if enhanced else "speed"] = spd
    if hr is not None:
        columns["heart_rate"] = hr
    if cad is not None:
        half = cad / 2.0
        columns["cadence"] = np.floor(half)
        columns["fractional_cadence"] = half - np.floor(half)
    if alt is not None:
        columns["enhanced_altitude" if enhanced else "altitude"] = alt
    if temp is not None:
        columns["temperature"] = temp
    if latitude_deg is not None and longitude_deg is not None:
        columns["position_lat"] = np.asarray(list(latitude_deg), dtype=float) * (2**31 / 180.0)
        columns["position_long"] = np.asarray(list(longitude_deg), dtype=float) * (2**31 / 180.0)
    if n:
        w.write_many("record", **columns)
    if laps_every_m and dist is not None and n > 1:
        km = np.floor(np.nan_to_num(dist) / laps_every_m)
        ends = list(np.flatnonzero(np.diff(km) > 0) + 1)
        if not ends or ends[-1] != n - 1:
            ends.append(n - 1)
        for i in ends:
            if i > lap_start_i:
                write_lap(lap_start_i, int(i))
                lap_start_i = int(i)
                lap_no += 1
    del lap_start_t
    end = t_at(el[-1]) if n else start
    w.write("event", timestamp=end, event="timer", event_type="stop_all", event_group=0)
    paused = sum(b - a for a, b in pauses)
    total = float(el[-1]) if n else 0.0
    w.write("session", timestamp=end, start_time=start, total_elapsed_time=total,
            total_timer_time=total - paused,
            total_distance=float(np.nanmax(dist)) if dist is not None else None,
            sport=sport, sub_sport="generic", event="session", event_type="stop",
            avg_heart_rate=float(np.nanmean(hr)) if hr is not None else None,
            max_heart_rate=float(np.nanmax(hr)) if hr is not None else None,
            num_laps=max(lap_no, 1))
    local = None if utc_offset_s is None else to_fit_seconds(end) + utc_offset_s
    act = {"timestamp": end, "total_timer_time": total - paused, "num_sessions": 1, "type": "manual",
           "event": "activity", "event_type": "stop"}
    if local is not None:
        act["local_timestamp"] = local
    w.write("activity", **act)
    return w.to_bytes()
