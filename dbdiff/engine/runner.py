"""The driver: runs a plan's chunk tasks on an executor and merges their outcomes as they complete.

Only the driver writes: it appends what each chunk found to the result store, feeds the checks'
partial results to the check suite, keeps the first sample rows and advances the progress bar.
A diff then pairs what no chunk could (`residual.py`) and assembles its result (`assemble.py`).
diff, validate and infer-schema all run their chunks through `drive`.
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from dbdiff.checks import CheckSuite
from dbdiff.compare import utc_zones
from dbdiff.engine.assemble import diff_table
from dbdiff.engine.executor import Executor, using
from dbdiff.engine.memory import RELEASE_EVERY, release_free_memory
from dbdiff.engine.residual import pair_residuals
from dbdiff.engine.side import SIDE_NAMES, sides_of
from dbdiff.engine.tasks import ChunkOutcome, ChunkWork, Counts, any_time, run_chunk
from dbdiff.options import DiffOptions
from dbdiff.plan import DiffPlan
from dbdiff.progress import NoProgress, Progress
from dbdiff.result import TableResult
from dbdiff.samples import first_by_key
from dbdiff.sources.base import Source
from dbdiff.store import ResultStore
from dbdiff.timings import REPORT, RESIDUAL, STORE, Timings, merged

# How many per-chunk sample frames a run keeps before it folds them into the first rows.
_FOLD_AT = 32


def drive(
    work: ChunkWork, executor: Executor, absorb: Callable[[ChunkOutcome], None], progress: Progress
) -> None:
    """Run every chunk of `work` on `executor`, handing each outcome to `absorb` as it completes.

    A chunk's error (or `absorb`'s) stops the run: the chunks not yet started are cancelled. Every
    `RELEASE_EVERY` chunks merged, the memory freed meanwhile goes back to the system
    (`release_free_memory`)."""
    # An executor without `reading` (one of a caller's own) reads as many chunks as it runs.
    reading = getattr(executor, "reading", None) or any_time
    task = functools.partial(run_chunk, work, both=executor.both, reading=reading)
    outcomes = executor.map(task, work.plan.chunks)
    with contextlib.closing(outcomes):
        for merged, outcome in enumerate(outcomes, start=1):
            absorb(outcome)
            del outcome  # its frames are merged: what they held may go back to the system
            if merged % RELEASE_EVERY == 0:
                release_free_memory()
            progress.advance(1)


@dataclass
class Totals:
    """What a diff has merged so far: the counts, and the few sample rows it keeps."""

    counts: Counts
    changed_samples: list[pl.DataFrame] = field(default_factory=list)
    duplicate_samples: list[tuple[str, pl.DataFrame]] = field(default_factory=list)
    # (side, column index) -> [count, message, first rows by key]
    lossy: dict[tuple[str, int], list[Any]] = field(default_factory=dict)

    def absorb(self, outcome: ChunkOutcome, plan: DiffPlan, limit: int) -> None:
        """Merge one chunk's counts and samples."""
        self.counts.merge(outcome.counts)
        if outcome.changed_sample is not None:
            self.changed_samples.append(outcome.changed_sample)
            fold(self.changed_samples, plan, limit)
        self.duplicate_samples.extend(outcome.duplicate_samples)
        for note in outcome.lossy:
            entry = self.lossy.setdefault((note.side, note.column), [0, note.message, []])
            entry[0] += note.rows
            entry[2].append(note.head)
            fold(entry[2], plan, limit)


def fold(frames: list[pl.DataFrame], plan: DiffPlan, limit: int) -> None:
    """Once a list of kept samples is long, keep only its first rows, so that what a run keeps
    does not grow with the number of chunks."""
    if len(frames) > _FOLD_AT:
        merged = pl.concat([utc_zones(f) for f in frames], how="vertical_relaxed")
        frames[:] = [first_by_key(merged, plan, limit)]


class DiffRun:
    """One table pair's diff: drives its chunks, owns the store and the totals, builds the result."""

    def __init__(
        self,
        left: Source,
        right: Source,
        plan: DiffPlan,
        options: DiffOptions,
        store: ResultStore,
        progress: Progress | None = None,
        store_prefix: str = "t0",
        executor: Executor | None = None,
    ) -> None:
        self.plan = plan
        self.options = options
        self.store = store
        self.progress = progress or NoProgress()
        self.sides = sides_of(plan, (left, right))
        self.prefix = store_prefix
        self.executor = executor
        self.totals = Totals(Counts(len(plan.columns)))
        self.suite = CheckSuite(
            plan,
            sides=SIDE_NAMES,
            schemas=options.schemas(),
            aggregate=options.aggregate,
            sample_limit=options.sample_limit,
            prefix=store_prefix,
        )

    def run(self) -> TableResult:
        started = time.perf_counter()
        plan, options = self.plan, self.options
        work = ChunkWork(plan, self.sides, self.suite, options.sample_limit, options.retries)
        self.progress.start(len(plan.chunks), plan.left_table)
        with using(self.executor, options.workers) as executor:
            drive(work, executor, self._absorb, self.progress)
        # The driver's own phases; the chunks' come merged in the counts.
        timings = self.totals.counts.timings
        with timings.timed(RESIDUAL):
            matched, changed = pair_residuals(
                plan, self.store, self.totals, self.prefix, options.sample_limit, options.chunk_size
            )
        self.progress.finish()
        self.totals.counts.matched += matched
        self.totals.counts.changed += changed
        with timings.timed(REPORT):
            table = diff_table(
                plan,
                self.sides,
                self.totals,
                self.store,
                self.suite,
                prefix=self.prefix,
                sample_limit=options.sample_limit,
                seconds=time.perf_counter() - started,
                executor=executor_name(executor),
            )
        return with_timings(table, timings, wall=time.perf_counter() - started)

    def _absorb(self, outcome: ChunkOutcome) -> None:
        name = self.prefix
        with self.totals.counts.timings.timed(STORE):
            for side, rows in outcome.residual:
                self.store.append(f"{name}__residual_{side}", rows)
            for side, keys in outcome.duplicate_keys:
                self.store.append(f"{name}__dupkeys_{side}", keys)
            if outcome.changed is not None:
                self.store.append(f"{name}__changed", outcome.changed)
            for partial in outcome.checks:
                self.suite.absorb(partial, self.store)
        self.totals.absorb(outcome, self.plan, self.options.sample_limit)


def executor_name(executor: Executor) -> str:
    """How reports name the executor a table ran on (`stats.executor`): its `name`, when it has one."""
    return str(getattr(executor, "name", type(executor).__name__))


def with_timings(table: TableResult, more: Timings, *, wall: float | None = None) -> TableResult:
    """`table` with `more`'s phases added to its `stats.timings` (and its wall seconds, when given)."""
    timings = merged(table.stats.get("timings"), more, wall=wall)
    return dataclasses.replace(table, stats={**table.stats, "timings": timings})
