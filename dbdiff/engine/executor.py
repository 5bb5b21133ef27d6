"""Executors run a run's tasks: chunk tasks in bounded numbers, and a side's work beside the other's.

The engine talks to an `Executor` only: `ThreadExecutor` (a local thread pool) is the default, and
this module is the one place in dbdiff that creates thread pools for a run. Another executor (a
process pool, a cluster) implements the same two methods.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
import functools
import os
import threading
from collections.abc import Callable, Generator, Iterable, Iterator, Sequence
from contextlib import AbstractContextManager
from typing import Protocol, TypeVar

from dbdiff.errors import Interrupted

T = TypeVar("T")
R = TypeVar("R")
A = TypeVar("A")
B = TypeVar("B")


#: The cores this process may run on: how many chunks are normalized or compared at once.
CORES = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else max(1, os.cpu_count() or 1)


class Executor(Protocol):
    """Runs a run's tasks; the driver merges what they return."""

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Generator[R, None, None]:
        """`fn` of every task, yielded as each completes, with a bounded number in flight.

        A task's error is raised here; closing the generator early cancels the tasks not started.
        """
        ...

    def both(self, left: Callable[[], A], right: Callable[[], B]) -> tuple[A, B]:
        """`left()` and `right()` side by side (two sides' reads, catalogs, counts)."""
        ...

    # An executor may also have `reading(side) -> context manager`, held while a chunk of that
    # side is read, to read fewer chunks at once than it runs (`ThreadExecutor.reading`), and
    # `pause(seconds)`, a wait that ends with `Interrupted` once the executor closes (a
    # recheck's delay, `ThreadExecutor.pause`).


class ThreadExecutor:
    """Tasks on a local thread pool of `workers` threads, the right side's reads on a pool of their own.

    Of the `workers` chunks in flight, each side reads at most as many at once as the machine has
    cores (`reading`); the others are normalized and compared meanwhile. Reading every chunk in
    flight at once made them all reach the CPU work together, and no read went on while they
    waited for a core (measured on issue 13's 1M-row table, 2 cores: 10% less wall time and CPU)."""

    #: How reports name it (`stats.executor`); another executor may say its own name.
    name = "threads"

    def __init__(self, workers: int = 4) -> None:
        self.workers = max(1, workers)
        self._reads: dict[str, threading.BoundedSemaphore] = {}
        self._reads_lock = threading.Lock()
        # Created now (its threads start on first use), so concurrent tasks share one.
        self._io = cf.ThreadPoolExecutor(self.workers, thread_name_prefix="dbdiff-io")
        self._closing = threading.Event()

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Generator[R, None, None]:
        with cf.ThreadPoolExecutor(self.workers, thread_name_prefix="dbdiff-chunk") as pool:
            yield from _bounded(pool, fn, tasks, self.workers)

    def reading(self, side: str) -> AbstractContextManager[object]:
        """Held while a chunk of `side` is read: at most `workers` or the cores, whichever is
        fewer, of each side's reads at a time."""
        with self._reads_lock:
            gate = self._reads.get(side)
            if gate is None:
                gate = self._reads[side] = threading.BoundedSemaphore(min(self.workers, CORES))
        return gate

    def pause(self, seconds: float) -> None:
        """Wait `seconds`, or until the executor closes: then `Interrupted`. A table's recheck
        waits on one of the run's threads (`dbdiff run`), and an interrupted run would otherwise
        wait for it (measured: 8 s after Ctrl-C, with the default 5 s between rechecks)."""
        if self._closing.wait(seconds):
            raise Interrupted("the run stopped while a recheck waited")

    def both(self, left: Callable[[], A], right: Callable[[], B]) -> tuple[A, B]:
        future = self._io.submit(right)
        try:
            first = left()
        except BaseException:
            # The left side's error wins, once the right side's work is done or cancelled.
            future.cancel()
            cf.wait([future])
            raise
        return first, future.result()

    def close(self) -> None:
        self._closing.set()
        self._io.shutdown()

    def __enter__(self) -> ThreadExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class SharedExecutor(ThreadExecutor):
    """One pool of `workers` chunk threads shared by several tables' runs (`dbdiff run`).

    Each table's `map` keeps at most `workers` of its chunks submitted, and all of them run on the
    one pool and read through the one `reading`, so however many tables run at once, `workers`
    chunks are in flight and each side reads no more of them at a time than `reading` lets."""

    def __init__(self, workers: int = 4) -> None:
        super().__init__(workers)
        self._chunks = cf.ThreadPoolExecutor(self.workers, thread_name_prefix="dbdiff-chunk")

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Generator[R, None, None]:
        task = functools.partial(self._unless_closing, fn)
        try:
            yield from _bounded(self._chunks, task, tasks, self.workers)
        except RuntimeError:  # "cannot schedule new futures after shutdown"
            if self._closing.is_set():
                raise Interrupted("the run stopped before this chunk was read") from None
            raise

    def _unless_closing(self, fn: Callable[[T], R], task: T) -> R:
        if self._closing.is_set():
            raise Interrupted("the run stopped before this chunk was read")
        return fn(task)

    def close(self) -> None:
        # The chunks still queued end at once (with an error their table's driver hears of), the
        # running ones once read. Cancelling them instead would leave the drivers waiting forever:
        # a future cancelled by a pool's shutdown never wakes `concurrent.futures.wait`.
        self._closing.set()
        self._chunks.shutdown()
        super().close()


def at_once(fn: Callable[[T], R], items: Sequence[T], most: int) -> list[R]:
    """`fn` of every item, at most `most` at a time (a run's tables), results in the items' order.

    Every item runs to its end: `fn` is expected to turn its own failures into data."""
    if most <= 1 or len(items) <= 1:
        return [fn(item) for item in items]
    pool = cf.ThreadPoolExecutor(most, thread_name_prefix="dbdiff-table")
    try:
        return [_awaited(future) for future in [pool.submit(fn, item) for item in items]]
    finally:
        # Interrupted (Ctrl-C): the items not started never start, and the caller does not wait
        # for the running ones, which end once the executor they read on cancels their chunks.
        pool.shutdown(wait=False, cancel_futures=True)


#: How often a thread waiting for a long task looks for Ctrl-C (`_awaited`).
_POLL = 0.25


def _awaited(future: cf.Future[R]) -> R:
    """The future's result, waited for in short spells: under polars' SIGINT handler (SA_RESTART,
    see `dbdiff.interrupts`; a program importing dbdiff keeps it) Ctrl-C sets Python's flag
    without waking a wait that has no end, so it was heard only once the table running finished
    (measured: 8 s after Ctrl-C, in a recheck's wait)."""
    while True:
        try:
            return future.result(timeout=_POLL)
        except cf.TimeoutError:
            continue


def _bounded(
    pool: cf.ThreadPoolExecutor, fn: Callable[[T], R], tasks: Iterable[T], most: int
) -> Generator[R, None, None]:
    """`fn` of every task on `pool`, yielded as each completes, at most `most` submitted at a time."""
    pending: set[cf.Future[R]] = set()
    try:
        for task in tasks:
            pending.add(pool.submit(fn, task))
            # At most `most` tasks in flight, so memory holds that many chunks at most.
            if len(pending) >= most:
                done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                yield from _results(done)
        while pending:
            done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
            yield from _results(done)
    finally:
        for future in pending:
            future.cancel()


def _results(done: set[cf.Future[R]]) -> Iterator[R]:
    for future in done:
        yield future.result()  # re-raises a task's error


@contextlib.contextmanager
def using(executor: Executor | None, workers: int) -> Iterator[Executor]:
    """`executor` when the caller gave one (the caller closes it), else a `ThreadExecutor` for the run."""
    if executor is not None:
        yield executor
        return
    with ThreadExecutor(workers) as own:
        yield own


def in_turn(left: Callable[[], A], right: Callable[[], B]) -> tuple[A, B]:
    """`Executor.both` without an executor: one after the other."""
    return left(), right()


def each_side(
    both: Callable[[Callable[[], R], Callable[[], R]], tuple[R, R]], items: Sequence[T], fn: Callable[[T], R]
) -> tuple[R, ...]:
    """`fn` of one item (a side), or of two side by side through `both` (`Executor.both`)."""
    if len(items) == 1:
        return (fn(items[0]),)
    return both(lambda: fn(items[0]), lambda: fn(items[1]))
