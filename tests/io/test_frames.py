"""The fast frame builder gives exactly what pandas' public constructor gives."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from analyzer.io import frames

NS = np.array([1_700_000_000 * 10**9, np.iinfo(np.int64).min, 1_700_000_060 * 10**9])


def _columns() -> dict[str, object]:
    return {
        "time": frames.utc_array(NS),
        "distance_m": np.array([1.0, np.nan, 3.5]),
        "session": np.array([0, 0, 1], dtype=np.int64),
        "sport": np.array(["running", None, "cycling"], dtype=object),
        "all_none": np.array([None, None, None], dtype=object),
        "mixed": np.array(["a", 3, None], dtype=object),
        "event": np.array([None, "timer", "lap"], dtype=object),
    }


def _public(columns: dict[str, object], index: pd.Index) -> pd.DataFrame:
    public = {k: (pd.Series(NS).replace(np.iinfo(np.int64).min, np.nan).pipe(pd.to_datetime, utc=True).to_numpy()
                  if k == "time" else v) for k, v in columns.items()}
    return pd.DataFrame(public, index=index)


@pytest.mark.parametrize(("fast", "arrow_text"), [(True, True), (False, True), (True, False)],
                         ids=["fast", "fallback", "text-without-pyarrow-shortcut"])
def test_frame_equals_the_public_constructor(monkeypatch, fast, arrow_text):
    monkeypatch.setattr(frames, "_FAST", fast and frames._FAST)
    monkeypatch.setattr(frames, "_ARROW_STR", arrow_text and frames._ARROW_STR)
    index = frames.utc_index(NS, "time")
    got = frames.frame(_columns(), index)
    want = _public(_columns(), index)
    pd.testing.assert_frame_equal(got, want, check_exact=True, check_column_type=True, check_index_type=True)
    text = str(pd.Series(["a"]).dtype)
    assert list(got.dtypes.astype(str)) == ["datetime64[ns, UTC]", "float64", "int64", text, "object", "object", text]
    assert got["event"].tolist()[1:] == ["timer", "lap"] and got["sport"].tolist()[::2] == ["running", "cycling"]
    assert got["time"].isna().tolist() == [False, True, False]
    assert got.index[0] == pd.Timestamp("2023-11-14 22:13:20", tz="UTC")


def test_frame_without_columns_has_the_rows_asked_for():
    got = frames.frame({}, n=4)
    pd.testing.assert_frame_equal(got, pd.DataFrame(index=pd.RangeIndex(4)))


def test_renaming_one_frames_columns_leaves_the_next_frame_alone():
    first = frames.frame({"a": np.array([1.0])})
    first.columns.name = "renamed"
    second = frames.frame({"a": np.array([2.0])})
    assert second.columns.name is None
    first.columns = ["b"]
    assert list(frames.frame({"a": np.array([3.0])}).columns) == ["a"]
