"""The test scaffolding lives in analyzer.testing; the old import paths are the same modules."""

from __future__ import annotations

import datetime as dt
import importlib

from analyzer.io.fit import read_fit_bytes


def test_old_paths_give_the_moved_functions():
    old, new = importlib.import_module("analyzer.synthetic"), importlib.import_module("analyzer.testing.synthetic")
    assert old.synthetic_run is new.synthetic_run and old._varied_run is new._varied_run
    old, new = importlib.import_module("analyzer.io.fit_encode"), importlib.import_module("analyzer.testing.fit_encode")
    assert old.encode_run is new.encode_run
    from analyzer.io.fit_encode import encode_run  # noqa: F401  (still importable by name)
    from analyzer.synthetic import synthetic_run

    # a run written through the old path reads back with the distance asked for: 2 km
    act = read_fit_bytes(synthetic_run(dt.datetime(2024, 1, 1, tzinfo=dt.UTC), 2.0, 300), "a.fit")
    assert round(act.distance_m) == 2000
