"""The process pool's workers: they leave the objects they inherit out of garbage collection (the
parent's stay collectable), a report's team files are written while they exit, and every worker has
exited once the report returns; an athlete's kept team rows are those its report computed."""

from __future__ import annotations

import datetime as dt
import gc
import multiprocessing as mp
import os

import pandas as pd

import analyzer
from analyzer.executors import open_executor, run_tasks
from analyzer.report_cache import ROW_FRAMES, load_rows
from analyzer.testing.synthetic import synthetic_run, write_athlete

START = dt.datetime(2024, 5, 1, 6, tzinfo=dt.UTC)


_INHERITED: list = []  # set by the parent before its pool forks: the workers see this very object


def _worker_state(_: int) -> tuple[int, bool, bool]:
    """In a worker: its pid, whether the collector walks the list it inherited (``gc.get_objects``
    lists every generation but the frozen one), and whether it walks one made here."""
    mine = [object()]
    walked = {id(o) for o in gc.get_objects()}
    return os.getpid(), id(_INHERITED) in walked, id(mine) in walked


def test_workers_freeze_what_they_inherit_and_the_parent_does_not():
    _INHERITED.append(object())
    with open_executor("process", 2) as pool:
        outcomes = list(run_tasks(pool, _worker_state, [(k,) for k in range(3)]))
    assert [error for _, _, error in outcomes] == [None] * 3
    for _, (pid, inherited_walked, own_walked), _ in outcomes:
        assert pid != os.getpid()
        assert (inherited_walked, own_walked) == (False, True)
    assert id(_INHERITED) in {id(o) for o in gc.get_objects()}  # the parent's objects are still collected
    assert gc.get_freeze_count() == 0
    assert mp.active_children() == []  # every worker exited when the executor closed


def _pid(_: int) -> int:
    return os.getpid()


def test_every_worker_has_exited_when_the_executor_closes():
    """The team files are written while the workers exit, but the executor waits for them when it
    closes: a report lets go of its folder's lock only then (the workers inherited its file)."""
    for _ in range(3):
        with open_executor("process", 2) as pool:
            pids = {result for _, result, _ in run_tasks(pool, _pid, [(k,) for k in range(4)])}
        assert pids and os.getpid() not in pids
        for pid in pids:
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                continue
            raise AssertionError(f"worker {pid} still there after the executor closed")


def test_a_pool_report_keeps_each_athletes_rows_as_computed_and_leaves_no_worker(tmp_path):
    team = tmp_path / "team"
    for k in range(3):
        runs = {f"r{i}.fit": synthetic_run(START + dt.timedelta(days=2 * i), 5.0, 330, seed=10 * k + i)
                for i in range(3)}
        write_athlete(team / f"a{k}", {"timezone": "UTC"}, runs,
                      [{"activity": "r1.fit", "distance_km": 3.0, "leg": "left", "severity": 2}])
    cache = tmp_path / "cache"
    done = []
    for out, kw in ((tmp_path / "pool", {"jobs": 2, "cache_dir": cache}),
                    (tmp_path / "again", {"jobs": 2, "cache_dir": cache}),  # every athlete from the report cache
                    (tmp_path / "serial", {"jobs": 1, "use_cache": False, "cache_dir": tmp_path / "c2"})):
        done.append(analyzer.run_report(team, out, weather="off", **kw))
        assert mp.active_children() == []
    assert [r.exit_code for r in done] == [0, 0, 0]
    for k in range(3):
        expected = load_rows(tmp_path / "serial" / ".report-rows" / f"a{k}")  # written from the frames
        assert expected is not None and len(expected.cramps) == 1
        for out in ("pool", "again"):
            kept = load_rows(tmp_path / out / ".report-rows" / f"a{k}")
            assert kept.summary == expected.summary
            for name in ROW_FRAMES:
                pd.testing.assert_frame_equal(getattr(kept, name), getattr(expected, name))
    for name in ("summary.csv", "cramps.csv", "flags.csv", "suggested_cramps.csv", "runs.csv", "errors.csv"):
        assert (tmp_path / "pool" / name).read_bytes() == (tmp_path / "serial" / name).read_bytes() \
            == (tmp_path / "again" / name).read_bytes(), name
