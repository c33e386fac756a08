"""Where batch tasks run: in this process, in a local process pool, or on a Dask cluster.

All three expose one operation, :func:`run_tasks`: call ``fn(*args)`` for every item and
yield ``(item, result, error)`` as each finishes, so no task waits for another's slowest one.

A worker that dies (killed by the out-of-memory killer, a crash in a C library) costs one
item at most:

* **process pool** — the pool is restarted and the items that had not finished are run
  again; the items that were running when it died are each retried alone, once, and an item
  that kills its worker a second time is given up with :class:`WorkerDied`;
* **Dask** — a task that was on a worker when it died comes back as ``KilledWorker`` (a local
  cluster allows :data:`DASK_ALLOWED_FAILURES` deaths, none: the scheduler does not guess which of
  the tasks on a dead worker was the culprit); once every other task has finished, each such task
  is run again alone, one at a time, so a neighbour can no longer be hurt by it, and only a task
  that kills a worker on its own is given up.

Both rules are the same by design, not by timing: a task lost with a dead worker is never given
up before it has been run with nothing beside it.

Worker processes end when the main process ends, even when it is killed: each asks the
kernel to be sent SIGTERM when its parent dies (Linux) and watches its parent's process id.

The Dask path uses an existing scheduler (``tcp://host:8786``) or starts a ``LocalCluster``;
its workers must see the same paths as this machine (a shared filesystem).
"""

from __future__ import annotations

import contextlib
import gc
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
from collections.abc import Callable, Generator, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from typing import Any

EXECUTORS = ("serial", "process", "dask")

DASK_ALLOWED_FAILURES = 0
"""Worker deaths a task may be part of on a local Dask cluster before the scheduler gives it up
(``KilledWorker``); the executor then runs each such task again alone (see the module docstring)."""

Outcome = tuple[tuple, Any, BaseException | None]


class WorkerDied(RuntimeError):
    """The process working on an item died, twice (also when the item ran alone)."""


class _Serial:
    def run(self, fn: Callable, items: list[tuple]) -> Iterator[Outcome]:
        for args in items:
            try:
                yield args, fn(*args), None
            except Exception as exc:  # reported per task; the batch goes on
                yield args, None, exc


# ------------------------------------------------------------------ process pool

_STARTED = None  # in a worker: the queue where it says which item it starts


def _worker_init(started, parent_pid: int) -> None:
    """Runs once in each worker: leave the parent's objects out of garbage collection, remember the
    start queue, and die with the parent."""
    global _STARTED
    # A forked worker shares the parent's memory page by page until either writes to it. The
    # parent's objects are alive in the worker only as its copy of them: frozen, the collector
    # never walks them (a full collection would walk the whole inherited heap, copying every page
    # it touches: ~0.1 s in the worker of a re-report run from a notebook or a long-lived process)
    gc.freeze()
    _STARTED = started
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
        except (OSError, AttributeError):
            pass
    if os.getppid() != parent_pid:  # the parent died before we could ask
        os._exit(1)

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(1.0)
        os._exit(1)

    threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _tracked(fn: Callable, index: int, args: tuple) -> Any:
    if _STARTED is not None:
        _STARTED.put(index)
    return fn(*args)


class _Processes:
    def __init__(self, jobs: int) -> None:
        self.jobs = jobs
        self.context = mp.get_context()
        self.closing: list = []  # the worker processes of pools told to stop, joined by close()

    def close(self) -> None:
        """Wait for the workers of every finished pool to exit (before a report lets go of its folder's
        lock: the workers inherited its file)."""
        while self.closing:
            self.closing.pop().join()

    def run(self, fn: Callable, items: list[tuple]) -> Iterator[Outcome]:
        todo = list(range(len(items)))
        while todo:
            done, broken, started = yield from self._round(fn, items, todo, self.jobs)
            if not broken:
                return
            unfinished = [i for i in todo if i not in done]
            suspects = [i for i in unfinished if i in started]
            if not suspects:  # nothing known to be running: run what is left one by one
                suspects = unfinished
            for i in suspects:  # each alone, once
                _, died_again, _ = yield from self._round(fn, items, [i], 1)
                if died_again:
                    yield items[i], None, WorkerDied(
                        "the worker process died twice while working on this (killed, e.g. for lack of memory, "
                        "or crashed); given up")
            todo = [i for i in unfinished if i not in suspects]

    def _round(self, fn: Callable, items: list[tuple], indices: list[int],
               workers: int) -> Generator[Outcome, None, tuple[set[int], bool, set[int]]]:
        """Run ``indices`` in a fresh pool; returns (finished, whether a worker died, started)."""
        started = self.context.SimpleQueue()
        pool = ProcessPoolExecutor(max_workers=max(1, min(workers, len(indices))), mp_context=self.context,
                                   initializer=_worker_init, initargs=(started, os.getpid()))
        done: set[int] = set()
        broken = False
        try:
            futures = {pool.submit(_tracked, fn, i, items[i]): i for i in indices}
            for fut in as_completed(futures):
                i = futures[fut]
                exc = fut.exception()
                if isinstance(exc, BrokenProcessPool):
                    broken = True
                    continue
                done.add(i)
                yield items[i], (None if exc else fut.result()), exc
        finally:
            # a round whose items all came back lets its workers exit while the caller goes on
            # (close() joins them: shutdown without waiting forgets them); a broken one is joined
            # now, before its items are run again
            workers = list((getattr(pool, "_processes", None) or {}).values())
            wait = broken or not all(hasattr(w, "join") for w in workers)
            pool.shutdown(wait=wait, cancel_futures=True)
            if not wait:
                self.closing += workers
        seen: set[int] = set()
        while not started.empty():
            seen.add(started.get())
        started.close()
        return done, broken, seen


# ------------------------------------------------------------------ Dask


class _Dask:
    def __init__(self, client) -> None:
        self.client = client

    def run(self, fn: Callable, items: list[tuple]) -> Iterator[Outcome]:
        from distributed import as_completed as dask_completed

        lost: list[tuple] = []
        futures = {self.client.submit(fn, *args, pure=False): args for args in items}
        for fut in dask_completed(list(futures)):
            args = futures[fut]
            try:
                yield args, fut.result(), None
            except Exception as exc:  # the batch goes on
                if _killed_worker(exc):
                    lost.append(args)  # maybe only a neighbour of the culprit: decided below, alone
                else:
                    yield args, None, exc
            finally:
                fut.release()
        for args in lost:  # each alone, once: nothing else is running on the cluster now
            fut = self.client.submit(fn, *args, pure=False)
            try:
                yield args, fut.result(), None
            except Exception as exc:  # KilledWorker again: this task kills a worker on its own
                yield args, None, exc
            finally:
                fut.release()


def _killed_worker(exc: BaseException) -> bool:
    return type(exc).__name__ == "KilledWorker"


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
        runner = _Processes(jobs)
        try:
            yield runner
        finally:
            runner.close()
    else:
        import dask
        from distributed import Client, LocalCluster

        if scheduler:
            with Client(scheduler) as client:
                yield _Dask(client)
        else:
            with dask.config.set({"distributed.scheduler.allowed-failures": DASK_ALLOWED_FAILURES}), \
                    LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, \
                    Client(cluster) as client:
                yield _Dask(client)


def run_tasks(executor, fn: Callable, items: Iterable[tuple]) -> Iterator[Outcome]:
    """``(args, result, error)`` for ``fn(*args)`` over ``items``, in completion order."""
    return executor.run(fn, list(items))
