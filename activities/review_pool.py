"""The worker's review processes: a weekly review's shards of teams computed on every core.

A review's work is Python (building the snapshot, facts, rules, sheets) and one process runs
it on one core. A worker with ``review_processes`` above one starts that many processes when
it starts (with ``spawn``: the worker's own threads are not forked), each opening the database
itself. Shard ``i`` of a review always goes to process ``i``, which keeps the shard's shared
work (``activities.review_work``) between the shard's batches.

A review process that dies (killed, out of memory) fails the batch it was computing; the
activity is retried and a fresh process takes the shard. A review process whose worker is
gone exits on its own.
"""

from __future__ import annotations

import multiprocessing
import os
import threading
import time
import weakref
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from typing import Any

from okrflow.store.db import DatabaseSpec, make_session_factory

_WORK: Any = None  # this review process's ReviewWork


class ReviewPool:
    """``size`` review processes for the shards of the worker's reviews."""

    def __init__(self, database: DatabaseSpec, size: int) -> None:
        self.database = database
        self.size = size
        self._lock = threading.Lock()
        self._executors: list[ProcessPoolExecutor | None] = [None] * size
        weakref.finalize(self, _shutdown, self._executors)

    def start(self) -> None:
        """Start every review process now, in the background (a review need not wait for them)."""
        for index in range(self.size):
            self._executor(index).submit(_ready)

    def call(self, index: int, method: str, *args: Any) -> Any:
        """Run ``ReviewWork.<method>(*args)`` in process ``index`` and wait for its result."""
        return self.submit(index, method, *args).result()

    def submit(self, index: int, method: str, *args: Any) -> Call:
        executor = self._executor(index)
        try:
            return Call(self, index, executor, executor.submit(_call, method, *args))
        except BrokenProcessPool:  # the process died since its last call; nothing of this one ran
            self.forget(index, executor)
            executor = self._executor(index)
            return Call(self, index, executor, executor.submit(_call, method, *args))

    def forget(self, index: int, broken: ProcessPoolExecutor) -> None:
        """Drop a broken process (once: a call in its fresh successor may have started meanwhile)."""
        with self._lock:
            if self._executors[index] is broken:
                self._executors[index] = None
        broken.shutdown(wait=False, cancel_futures=True)

    def gather(self, calls: list[Call]) -> list[Any]:
        """Every call's result, once all have ended: a failure is raised only then, so that every
        process that died under one of them is already replaced when the activity is retried."""
        outcomes: list[Any] = []
        failure: BaseException | None = None
        for call in calls:
            try:
                outcomes.append(call.result())
            except Exception as exc:
                failure = failure or exc
        if failure is not None:
            raise failure
        return outcomes

    def started(self) -> list[int]:
        with self._lock:
            return [i for i, e in enumerate(self._executors) if e is not None]

    def close(self) -> None:
        _shutdown(self._executors)

    def _executor(self, index: int) -> ProcessPoolExecutor:
        with self._lock:
            executor = self._executors[index]
            if executor is None:
                executor = ProcessPoolExecutor(
                    max_workers=1,
                    mp_context=multiprocessing.get_context("spawn"),
                    initializer=_start,
                    initargs=(self.database, os.getpid()),
                )
                self._executors[index] = executor
            return executor


@dataclass(frozen=True)
class Call:
    """A call running in a review process."""

    pool: ReviewPool
    index: int
    executor: ProcessPoolExecutor
    future: Future[Any]

    def result(self) -> Any:
        """The call's result. A call whose process died fails (the activity is retried), and the
        shard's next call starts a fresh process."""
        try:
            return self.future.result()
        except BrokenProcessPool:
            self.pool.forget(self.index, self.executor)
            raise


def _shutdown(executors: list[ProcessPoolExecutor | None]) -> None:
    for i, executor in enumerate(executors):
        if executor is not None:
            executor.shutdown(wait=False, cancel_futures=True)
            executors[i] = None


# ---------------------------------------------------------------- in a review process


def _start(database: DatabaseSpec, parent: int) -> None:
    global _WORK
    from activities.review_work import ReviewWork

    _WORK = ReviewWork(make_session_factory(database.engine()))
    _WORK.free_when_idle = True
    threading.Thread(target=_exit_with, args=(parent,), name="review-parent-watch", daemon=True).start()
    threading.Thread(target=_free_when_idle, name="review-free-when-idle", daemon=True).start()


def _exit_with(parent: int) -> None:
    """End this process once the worker that started it is gone (killed workers included)."""
    while os.getppid() == parent:
        time.sleep(1.0)
    os._exit(0)


def _ready() -> None:
    """Nothing: a process that runs it has started (and imported what a review needs)."""


_IDLE_SINCE: float | None = 0.0  # None: a call is running


def _call(method: str, *args: Any) -> Any:
    global _IDLE_SINCE
    _IDLE_SINCE = None
    try:
        return getattr(_WORK, method)(*args)
    finally:
        _IDLE_SINCE = time.monotonic()


def _free_when_idle(after: float = 1.0) -> None:
    """Free published reviews' shards once no call has run for ``after`` seconds: freeing millions
    of objects takes a few hundred milliseconds, better not spent at the start of the next review."""
    while True:
        time.sleep(after / 4)
        idle = _IDLE_SINCE
        if idle is not None and time.monotonic() - idle >= after:
            _WORK.cache.release_retired()
