"""A dying worker costs one item at most, in the process pool and on a Dask LocalCluster; killing
the main process stops its workers. Workers here are really killed (SIGKILL, as the
out-of-memory killer does)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import threading
import time

import psutil
import pytest

from analyzer.executors import WorkerDied, open_executor, run_tasks
from tests.conftest import REPO

BOMB = "bomb"


def slow_square(name: str, seconds: float, x: int) -> int:
    """A task: sleeps, then answers; the item named BOMB kills its own worker every time."""
    if name == BOMB:
        os.kill(os.getpid(), signal.SIGKILL)
    time.sleep(seconds)
    return x * x


def _items(n: int, seconds: float, bomb_at: int | None = None):
    return [((BOMB if i == bomb_at else f"a{i}"), seconds, i) for i in range(n)]


def _workers_of(pid: int) -> list[psutil.Process]:
    return [p for p in psutil.Process(pid).children(recursive=True) if "resource_tracker" not in " ".join(p.cmdline())]


def test_a_task_that_kills_its_worker_is_given_up_and_the_rest_are_done():
    with open_executor("process", 2) as pool:
        out = {args[0]: (result, error) for args, result, error in run_tasks(pool, slow_square, _items(6, 0.05, 2))}
    assert set(out) == {"a0", "a1", BOMB, "a3", "a4", "a5"}
    assert isinstance(out[BOMB][1], WorkerDied)
    assert {k: v[0] for k, v in out.items() if k != BOMB} == {"a0": 0, "a1": 1, "a3": 9, "a4": 16, "a5": 25}


def test_a_worker_killed_from_outside_costs_nothing():
    results: dict[str, object] = {}

    def run() -> None:
        with open_executor("process", 2) as pool:
            for args, result, error in run_tasks(pool, slow_square, _items(6, 1.0)):
                results[args[0]] = error or result

    t = threading.Thread(target=run)
    t.start()
    deadline = time.time() + 20
    victims: list[psutil.Process] = []
    while time.time() < deadline and len(victims) < 2:
        victims = [p for p in _workers_of(os.getpid()) if p.status() != psutil.STATUS_ZOMBIE]
        time.sleep(0.05)
    time.sleep(0.3)  # both workers are now inside a task
    victims[0].send_signal(signal.SIGKILL)
    t.join(60)
    assert results == {f"a{i}": i * i for i in range(6)}  # the killed worker's task ran again


def test_on_dask_a_killed_worker_costs_one_task_at_most():
    with open_executor("dask", 2) as pool:
        out = {args[0]: (result, error) for args, result, error in run_tasks(pool, slow_square, _items(6, 0.2, 3))}
    assert type(out[BOMB][1]).__name__ == "KilledWorker"
    assert {k: v[0] for k, v in out.items() if k != BOMB} == {"a0": 0, "a1": 1, "a2": 4, "a4": 16, "a5": 25}


SCRIPT = textwrap.dedent("""
    import sys
    sys.path.insert(0, {repo!r})
    from analyzer.executors import open_executor, run_tasks
    from tests.test_worker_death import slow_square
    with open_executor({kind!r}, 2) as pool:
        for _ in run_tasks(pool, slow_square, [("a", 60.0, i) for i in range(4)]):
            pass
""")


@pytest.mark.parametrize("kind", ["process", "dask"])
def test_killing_the_main_process_stops_its_workers(kind):
    main = subprocess.Popen([sys.executable, "-c", SCRIPT.format(repo=str(REPO), kind=kind)], cwd=REPO)
    try:
        deadline = time.time() + 60
        workers: list[psutil.Process] = []
        while time.time() < deadline:
            workers = _workers_of(main.pid)
            if len(workers) >= 2:
                break
            time.sleep(0.2)
        assert len(workers) >= 2, "the workers never started"
        time.sleep(1.0)
        main.kill()
        main.wait(10)
        gone, alive = psutil.wait_procs(workers, timeout=15)
        assert not alive, f"workers still running after the main process was killed: {alive}"
    finally:
        if main.poll() is None:
            main.kill()
        for p in _workers_of(main.pid) if main.poll() is None else []:
            p.kill()
