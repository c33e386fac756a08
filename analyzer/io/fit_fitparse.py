"""FIT bytes → message tables with fitparse, the reference parser (the ``fitparse`` engine).

Produces the same :class:`~analyzer.io.fit_decode.Messages` as the numpy decoder so
that both engines go through one frame builder and can be compared value for value.
fitparse stops at the first thing it cannot read; what it read before is kept and
the reason goes to ``problems``.

References
----------
python-fitparse, https://github.com/dtcooper/python-fitparse (MIT).
"""

from __future__ import annotations

import datetime as dt
import io
import logging

import numpy as np

from analyzer.errors import FitError
from analyzer.io.fit_decode import FIT_EPOCH_UNIX_S, Messages
from analyzer.model import Problem

log = logging.getLogger(__name__)

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


def _plain(value: object) -> object:
    if isinstance(value, dt.datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=dt.UTC)
        return (value - _EPOCH).total_seconds() - FIT_EPOCH_UNIX_S
    if isinstance(value, bool):
        return float(value)
    if isinstance(value, int):
        return float(value)
    return value


def decode_with_fitparse(data: bytes, name: str = "<stream>") -> Messages:
    """Decode ``data`` with fitparse into per-message tables (see :func:`analyzer.io.fit_decode.decode`)."""
    import fitparse

    problems: list[Problem] = []
    rows: dict[str, list[dict[str, object]]] = {}
    try:
        fit = fitparse.FitFile(io.BytesIO(data), check_crc=True)
        for seq, msg in enumerate(fit.get_messages()):
            row: dict[str, object] = {"_offset": seq}
            # a field's own value wins over the same field expanded from a component
            for fd in sorted(msg.fields, key=lambda f: f.field_def is None):
                if fd.field_def is not None and fd.field_def.__class__.__name__ == "DevFieldDefinition":
                    dev = fd.field_def.field
                    key = f"dev|{dev.name}|{dev.units or ''}"
                elif fd.field is None:
                    continue
                else:
                    key = fd.parent_field.name if fd.parent_field is not None else fd.name
                    if key.startswith("unknown_"):
                        continue
                value = fd.value
                if isinstance(value, tuple):  # arrays are not part of any frame (the numpy engine skips them)
                    continue
                if isinstance(value, int) and getattr(fd.type, "values", None):
                    value = str(value)  # an enum number the profile has no name for
                value = _plain(value)
                if row.get(key) is None:
                    row[key] = value
            rows.setdefault(msg.name, []).append(row)
    except fitparse.FitParseError as exc:
        log.info("%s: fitparse stopped: %r", name, exc)
        if not rows:
            raise FitError(name, None, "fitparse cannot read it (its reason is in the log)") from exc
        problems.append(Problem(name, "", "fitparse stopped early, at data it cannot read (its reason is in the "
                                          "log); data before it was kept"))
    tables = {k: _columns(v) for k, v in rows.items()}
    return Messages(tables=tables, problems=problems)


def _columns(rows: list[dict[str, object]]) -> dict[str, np.ndarray]:
    """Row dicts → columns: numbers as float arrays (None → NaN), anything else as objects."""
    names: list[str] = []
    for r in rows:
        names.extend(k for k in r if k not in names)
    out: dict[str, np.ndarray] = {}
    for name in names:
        values = [r.get(name) for r in rows]
        if all(v is None or (isinstance(v, float)) for v in values):
            out[name] = np.array([np.nan if v is None else v for v in values], dtype=np.float64)
        else:
            column = np.empty(len(values), dtype=object)
            for i, v in enumerate(values):  # element by element: tuples must stay single cells
                column[i] = v
            out[name] = column
    out["_offset"] = np.asarray(out["_offset"], dtype=np.int64)
    return out
