"""Numpy columns → pandas objects, quickly (the last step of reading a FIT file).

Building a small DataFrame the public way (``pd.DataFrame({...})``) costs pandas
5–25 µs per column in type inference and checks; for a FIT file's five frames that was
most of the reading time. The reader already knows each column's type, so these helpers
build the arrays pandas would infer (float64, int64, UTC datetimes, ``str``) and hand them
over without a second inference. The result is identical to the public constructor's
(``tests/io/test_frames.py`` checks both ways give equal frames, dtypes included); if a
future pandas drops the internal entry points used here, the public constructor is used.
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd

_UTC = pd.DatetimeTZDtype("ns", "UTC")
_STR = pd.Series(["a"]).dtype
"""The dtype pandas gives a column of text: ``str`` (Arrow-backed) in pandas 3, ``object`` before."""

try:  # pandas internals: the fast paths, checked against the public constructor in the tests
    import pyarrow as pa
    from pandas.arrays import ArrowStringArray, DatetimeArray

    _FAST = (
        callable(getattr(pd.DataFrame, "_from_arrays", None))
        and callable(getattr(DatetimeArray, "_simple_new", None))
    )
    _ARROW_STR = isinstance(_STR, pd.StringDtype) and _STR.storage == "pyarrow"
except ImportError:  # pragma: no cover - pyarrow is a dependency
    _FAST = _ARROW_STR = False


def utc_array(ns: np.ndarray) -> pd.api.extensions.ExtensionArray:
    """int64 nanoseconds since the Unix epoch (``int64`` minimum = NaT) → UTC datetime array."""
    values = np.ascontiguousarray(ns, dtype=np.int64).view("M8[ns]")
    if _FAST:
        return DatetimeArray._simple_new(values, dtype=_UTC)
    return pd.array(pd.DatetimeIndex(values).tz_localize("UTC"))


def utc_index(ns: np.ndarray, name: str | None = None) -> pd.DatetimeIndex:
    """int64 nanoseconds since the Unix epoch → a UTC :class:`~pandas.DatetimeIndex`."""
    return pd.DatetimeIndex(utc_array(ns), name=name)


def _is_text(values: np.ndarray) -> bool:
    """Text and ``None`` only, and not ``None`` only."""
    present = [v for v in values if v is not None]
    return bool(present) and all(type(v) is str for v in present)


@functools.lru_cache(maxsize=1024)
def _column_index(names: tuple[str, ...]) -> pd.Index:
    return pd.Index(names)


def frame(columns: dict[str, object], index: pd.Index | None = None, n: int | None = None) -> pd.DataFrame:
    """A DataFrame from ready-typed columns (numpy arrays or pandas extension arrays), in order.

    Object arrays holding text (and ``None``, not only ``None``) become pandas' text dtype
    (``str``, NaN for the missing), all of a frame's text columns through pyarrow in one call;
    other object arrays (numbers among the text, only ``None``) stay ``object``, as pandas
    would infer. ``index`` defaults to a :class:`~pandas.RangeIndex` of ``n`` rows (or of the
    first column's length).
    """
    names = list(columns)
    arrays = list(columns.values())
    texts = [i for i, a in enumerate(arrays) if isinstance(a, np.ndarray) and a.dtype == object and _is_text(a)]
    if texts and _ARROW_STR:
        joined = pa.array(np.concatenate([arrays[i] for i in texts]), type=pa.large_string(), from_pandas=True)
        at = 0
        for i in texts:
            n_i = len(arrays[i])
            arrays[i] = ArrowStringArray(joined.slice(at, n_i), dtype=_STR)
            at += n_i
    elif texts and _STR != np.dtype(object):  # a str dtype without pyarrow (before pandas 3: object, left as is)
        arrays = [pd.array(a, dtype=_STR) if i in texts else a for i, a in enumerate(arrays)]
    if index is None:
        index = pd.RangeIndex(n if n is not None else (len(arrays[0]) if arrays else 0))
    if _FAST and names:
        columns_index = _column_index(tuple(names)).view()  # a view: a caller may rename its own
        return pd.DataFrame._from_arrays(arrays, columns=columns_index, index=index, verify_integrity=False)
    return pd.DataFrame(dict(zip(names, arrays, strict=True)), index=index, copy=False)
