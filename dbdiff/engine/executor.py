"""Executors run a run's tasks: chunk tasks in bounded numbers, and a side's work beside the other's.

The engine talks to an `Executor` only: `ThreadExecutor` (a local thread pool) is the default, and
this module is the one place in dbdiff that creates thread pools for a run. Another executor (a
process pool, a cluster) implements the same two methods.
"""

from __future__ import annotations

import concurrent.futures as cf
import contextlib
from collections.abc import Callable, Generator, Iterable, Iterator
from typing import Protocol, TypeVar

T = TypeVar("T")
R = TypeVar("R")
A = TypeVar("A")
B = TypeVar("B")


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


class ThreadExecutor:
    """Tasks on a local thread pool of `workers` threads, each side's reads on a pool of their own."""

    def __init__(self, workers: int = 4) -> None:
        self.workers = max(1, workers)
        # Created now (its threads start on first use), so concurrent tasks share one.
        self._io = cf.ThreadPoolExecutor(self.workers, thread_name_prefix="dbdiff-io")

    def map(self, fn: Callable[[T], R], tasks: Iterable[T]) -> Generator[R, None, None]:
        with cf.ThreadPoolExecutor(self.workers, thread_name_prefix="dbdiff-chunk") as pool:
            pending: set[cf.Future[R]] = set()
            try:
                for task in tasks:
                    pending.add(pool.submit(fn, task))
                    # At most `workers` tasks in flight, so memory holds that many chunks at most.
                    if len(pending) >= self.workers:
                        done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                        yield from _results(done)
                while pending:
                    done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                    yield from _results(done)
            finally:
                for future in pending:
                    future.cancel()

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
        self._io.shutdown()

    def __enter__(self) -> ThreadExecutor:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


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
