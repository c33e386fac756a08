"""Where batch tasks run: in this process, in a local process pool, or on a Dask cluster.

All three expose one operation, :func:`run_tasks`: call ``fn(*args)`` for every item and
yield ``(item, result, error)`` as each finishes, so no task waits for another's slowest one.
The Dask path uses an existing scheduler (``tcp://host:8786``) or starts a ``LocalCluster``;
its workers must see the same paths as this machine (a shared filesystem).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from typing import Any

EXECUTORS = ("serial", "process", "dask")


class _Serial:
    def run(self, fn: Callable, items: list[tuple]) -> Iterator[tuple[tuple, Any, BaseException | None]]:
        for args in items:
            try:
                yield args, fn(*args), None
            except Exception as exc:  # reported per task; the batch goes on
                yield args, None, exc


class _Processes:
    def __init__(self, pool: ProcessPoolExecutor) -> None:
        self.pool = pool

    def run(self, fn: Callable, items: list[tuple]) -> Iterator[tuple[tuple, Any, BaseException | None]]:
        futures = {self.pool.submit(fn, *args): args for args in items}
        for fut in as_completed(futures):
            exc = fut.exception()
            yield futures[fut], (None if exc else fut.result()), exc


class _Dask:
    def __init__(self, client) -> None:
        self.client = client

    def run(self, fn: Callable, items: list[tuple]) -> Iterator[tuple[tuple, Any, BaseException | None]]:
        from distributed import as_completed as dask_completed

        futures = {self.client.submit(fn, *args, pure=False): args for args in items}
        for fut in dask_completed(list(futures)):
            try:
                yield futures[fut], fut.result(), None
            except Exception as exc:
                yield futures[fut], None, exc


@contextlib.contextmanager
def open_executor(kind: str = "process", jobs: int = 1, scheduler: str | None = None):
    """An executor for :func:`run_tasks`.

    Parameters
    ----------
    kind : {"serial", "process", "dask"}
    jobs : int
        Processes for ``"process"``; workers of a local Dask cluster.
    scheduler : str, optional
        Address of a running Dask scheduler (implies ``"dask"``).
    """
    if scheduler:
        kind = "dask"
    if kind not in EXECUTORS:
        raise ValueError(f"executor must be one of {', '.join(EXECUTORS)}, not {kind!r}")
    if kind == "serial" or (kind == "process" and jobs <= 1):
        yield _Serial()
    elif kind == "process":
        with ProcessPoolExecutor(max_workers=jobs) as pool:
            yield _Processes(pool)
    else:
        from distributed import Client, LocalCluster

        if scheduler:
            with Client(scheduler) as client:
                yield _Dask(client)
        else:
            with LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                    Client(cluster) as client:
                yield _Dask(client)


def run_tasks(executor, fn: Callable, items: Iterable[tuple]) -> Iterator[tuple[tuple, Any, BaseException | None]]:
    """``(args, result, error)`` for ``fn(*args)`` over ``items``, in completion order."""
    return executor.run(fn, list(items))
