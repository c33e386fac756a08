"""The same report from every executor: serial, process pool, and a Dask LocalCluster."""

from __future__ import annotations

import datetime as dt

import pytest

import analyzer
from analyzer.testing.synthetic import synthetic_run, write_athlete

UTC = dt.UTC


@pytest.fixture(scope="module")
def team(tmp_path_factory):
    root = tmp_path_factory.mktemp("team")
    start = dt.datetime(2024, 5, 1, 6, tzinfo=UTC)
    for k in range(3):
        runs = {f"r{i}.fit": synthetic_run(start + dt.timedelta(days=2 * i), 2.0, 330, seed=10 * k + i) for i in range(3)}
        write_athlete(root / f"a{k}", {"timezone": "UTC"}, runs, [{"time": "2024-05-03T06:05:00Z", "leg": "left"}])
    (root / "a1" / "activities" / "bad.fit").write_bytes(b"nope")
    return root


def _csvs(out):
    return {p.name: p.read_text() for p in out.glob("*.csv")}


def test_serial_process_and_dask_write_the_same_report(team, tmp_path):
    from distributed import Client, LocalCluster

    serial = analyzer.run_report(team, tmp_path / "serial", jobs=1, cache_dir=tmp_path / "c1")
    pool = analyzer.run_report(team, tmp_path / "pool", jobs=2, cache_dir=tmp_path / "c2")
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False, dashboard_address=None) as cluster, \
            Client(cluster):
        on_dask = analyzer.run_report(team, tmp_path / "dask", jobs=2, cache_dir=tmp_path / "c3",
                                      scheduler=cluster.scheduler_address)
    assert serial.exit_code == pool.exit_code == on_dask.exit_code == 1  # bad.fit is reported by each
    assert _csvs(tmp_path / "serial") == _csvs(tmp_path / "pool") == _csvs(tmp_path / "dask")
    assert on_dask.athletes == 3 and on_dask.runs == 9
    # each athlete's finished report was cached on the cluster's side too
    assert len([p for p in (tmp_path / "c3" / "reports").iterdir() if not p.name.startswith(".")]) == 3


def test_unknown_executor_is_refused(team, tmp_path):
    with pytest.raises(ValueError, match="executor"):
        analyzer.run_report(team, tmp_path / "x", jobs=2, executor="threads")
