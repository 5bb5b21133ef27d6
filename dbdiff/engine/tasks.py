"""A chunk as a pure task: read a key range of each side, compare them, feed the checks.

`run_chunk` writes nothing shared (no result store, no totals, no progress): everything it finds
comes back in a `ChunkOutcome`, which the driver (`runner.py`) merges. So an executor may run
chunks on threads, or on other processes or machines, without touching the engine.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from typing import Any, NamedTuple, Protocol, TypeVar

import polars as pl

from dbdiff.compare import (
    compare_sides,
    drop_keys,
    key_names,
    keys_may_merge,
    lossy_rows,
    prepare_side,
    residual_columns,
    split_duplicates,
)
from dbdiff.engine.executor import CORES, in_turn
from dbdiff.engine.side import SIDE_NAMES, Side
from dbdiff.plan import ChunkTask, DiffPlan
from dbdiff.samples import first_by_key
from dbdiff.sources.base import KeyRange
from dbdiff.timings import COMPARE, NORMALIZE, READ, Timings

A = TypeVar("A")
B = TypeVar("B")

#: Normalizing and comparing chunks is CPU work, mostly under the GIL: more of it at once than
#: the machine has cores only makes the threads take turns (and costs the switching), while
#: reads, which wait on the servers, may go on beside it. So `--workers` chunks are read at once
#: (`Executor.reading`), and at most this many are normalized or compared at once.
_CPU_SLOTS = threading.BoundedSemaphore(CORES)
Both = Callable[[Callable[[], A], Callable[[], B]], tuple[A, B]]
#: `Executor.reading`: held while a chunk of the named side is read.
Reading = Callable[[str], AbstractContextManager[object]]


def any_time(side: str) -> AbstractContextManager[object]:
    """A `Reading` that lets every read go on at once."""
    return contextlib.nullcontext()


class Feeder(Protocol):
    """What a task feeds each prepared chunk to: the check suite, or infer-schema's profiler."""

    def feed(self, side: str, prepared: pl.DataFrame, duplicates: pl.DataFrame | None) -> Any:
        """A partial result for the driver to absorb; pure (runs on a worker)."""
        ...

    @property
    def reads_values(self) -> bool:
        """Does `feed` read compared columns' normalized values?"""
        ...


@dataclass(frozen=True)
class ChunkWork:
    """What every chunk task of a run shares: the plan, its sides and the checks to feed."""

    plan: DiffPlan
    sides: tuple[Side, ...]
    checks: Feeder | None = None
    sample_limit: int = 100
    retries: int = 2

    @property
    def pairwise(self) -> bool:
        """Can columns be compared raw, in pairs? Only the pairing of chunks needs their values:
        no check reads them, and no key rule sends rows to the residual pass wholesale."""
        reading = self.checks is not None and self.checks.reads_values
        return len(self.sides) == 2 and not reading and not keys_may_merge(self.plan)


@dataclass
class Counts:
    """What a chunk (or a whole run, once merged) counted."""

    columns: int
    rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SIDE_NAMES, 0))
    matched: int = 0
    changed: int = 0
    mismatches: list[int] = field(default_factory=list)
    unreadable: list[int] = field(default_factory=list)
    # Distinct keys found twice or more within a chunk, and the rows they hold: set aside, never paired.
    duplicate_keys: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SIDE_NAMES, 0))
    duplicate_key_rows: dict[str, int] = field(default_factory=lambda: dict.fromkeys(SIDE_NAMES, 0))
    read_seconds: dict[str, float] = field(default_factory=lambda: dict.fromkeys(SIDE_NAMES, 0.0))
    #: Worker-seconds per phase (read_left, read_right, normalize, compare), summed over chunks.
    timings: Timings = field(default_factory=Timings)

    def __post_init__(self) -> None:
        self.mismatches = self.mismatches or [0] * self.columns
        self.unreadable = self.unreadable or [0] * self.columns

    def merge(self, other: Counts) -> None:
        """Add `other` into these counts."""
        self.matched += other.matched
        self.changed += other.changed
        self.add_columns(other.mismatches, other.unreadable)
        for side in SIDE_NAMES:
            self.rows[side] += other.rows[side]
            self.duplicate_keys[side] += other.duplicate_keys[side]
            self.duplicate_key_rows[side] += other.duplicate_key_rows[side]
            self.read_seconds[side] += other.read_seconds[side]
        self.timings.merge(other.timings)

    def add_columns(self, mismatches: list[int], unreadable: list[int]) -> None:
        """Add per-column mismatch and unreadable counts."""
        self.mismatches = [a + b for a, b in zip(self.mismatches, mismatches, strict=True)]
        self.unreadable = [a + b for a, b in zip(self.unreadable, unreadable, strict=True)]


class Lossy(NamedTuple):
    """Values of one column a rule read leniently in one chunk: how many, why, the first rows by key."""

    side: str
    column: int
    rows: int
    message: str
    head: pl.DataFrame


@dataclass
class ChunkOutcome:
    """Everything one chunk found; frames are in the result store's layout (`compare`)."""

    index: int
    counts: Counts
    #: (side, rows) still unmatched, for the residual pass: every row when keys pair globally.
    residual: tuple[tuple[str, pl.DataFrame], ...] = ()
    #: (side, normalized keys) duplicated within the chunk.
    duplicate_keys: tuple[tuple[str, pl.DataFrame], ...] = ()
    changed: pl.DataFrame | None = None
    #: The first changed and duplicated rows by key, for the report's samples.
    changed_sample: pl.DataFrame | None = None
    duplicate_samples: tuple[tuple[str, pl.DataFrame], ...] = ()
    lossy: tuple[Lossy, ...] = ()
    #: The checks' partial results, in the order the sides were fed.
    checks: tuple[Any, ...] = ()


def run_chunk(
    work: ChunkWork, task: ChunkTask, both: Both[Any, Any] = in_turn, reading: Reading = any_time
) -> ChunkOutcome:
    """Read, prepare and check one chunk of every side; with two sides, pair and compare them.

    `both` reads the two sides side by side (`Executor.both`), each read holding `reading(side)`
    (`Executor.reading`)."""
    if len(work.sides) == 1:
        (side,) = work.sides
        prepared, seconds, normalizing = _read(work, side, task.left, reading)
        counts = Counts(len(work.plan.columns))
        counts.rows[side.name] = prepared.height
        counts.read_seconds[side.name] = seconds
        with counts.timings.timed(COMPARE):  # a one-side run compares nothing: it checks
            checks = (work.checks.feed(side.name, prepared, None),) if work.checks is not None else ()
        counts.timings.add(READ[side.name], seconds)
        counts.timings.add(NORMALIZE, normalizing)
        return ChunkOutcome(task.index, counts, checks=checks)
    left_side, right_side = work.sides
    (left, left_seconds, left_normalizing), (right, right_seconds, right_normalizing) = both(
        lambda: _read(work, left_side, task.left, reading),
        lambda: _read(work, right_side, task.right, reading),
    )
    with _CPU_SLOTS:
        started = time.perf_counter()
        outcome = _compare(work, task.index, left, right)
    timings = outcome.counts.timings
    timings.add(COMPARE, time.perf_counter() - started)
    outcome.counts.read_seconds.update(left=left_seconds, right=right_seconds)
    timings.add(READ["left"], left_seconds)
    timings.add(READ["right"], right_seconds)
    timings.add(NORMALIZE, left_normalizing + right_normalizing)
    return outcome


def _read(
    work: ChunkWork, side: Side, key_range: KeyRange, reading: Reading
) -> tuple[pl.DataFrame, float, float]:
    """A side's chunk, normalized; the seconds reading it took and the seconds normalizing it took."""
    with reading(side.name):
        arrow, seconds = side.read(key_range, work.retries)
    with _CPU_SLOTS:
        started = time.perf_counter()
        # A diff reports a value its rule cannot read as a difference; validate and infer-schema stop.
        diff = len(work.sides) == 2
        prepared = prepare_side(arrow, work.plan, side.name, unreadable=diff, pairwise=work.pairwise)
        return prepared, seconds, time.perf_counter() - started


def _compare(work: ChunkWork, index: int, left: pl.DataFrame, right: pl.DataFrame) -> ChunkOutcome:
    plan, limit = work.plan, work.sample_limit
    left_unique, left_dups = split_duplicates(left, plan, "left")
    right_unique, right_dups = split_duplicates(right, plan, "right")
    checks: tuple[Any, ...] = ()
    if work.checks is not None:
        checks = (work.checks.feed("left", left, left_dups), work.checks.feed("right", right, right_dups))
    lossy = _lossy(plan, "left", left, limit) + _lossy(plan, "right", right, limit)
    counts = Counts(len(plan.columns))
    counts.rows.update(left=left.height, right=right.height)
    if keys_may_merge(plan):
        # Equal normalized keys may sit in other chunks: pair every row in the residual pass.
        residual = tuple(
            (side, frame.select(residual_columns(plan, side)))
            for side, frame in (("left", left), ("right", right))
        )
        return ChunkOutcome(index, counts, residual=residual, lossy=lossy, checks=checks)
    # A key duplicated on either side is reported, never paired: take it out of both.
    left_unique = drop_keys(left_unique, right_dups, plan)
    right_unique = drop_keys(right_unique, left_dups, plan)
    found = compare_sides(left_unique, right_unique, plan)
    counts.matched = found.matched
    counts.changed = found.changed.height
    counts.add_columns(found.mismatches, found.unreadable)
    counts.duplicate_key_rows.update(
        left=left.height - left_unique.height, right=right.height - right_unique.height
    )
    counts.duplicate_keys.update(left=left_dups.height, right=right_dups.height)
    dups = (("left", left_dups), ("right", right_dups))
    return ChunkOutcome(
        index,
        counts,
        residual=(("left", found.only_left), ("right", found.only_right)),
        duplicate_keys=tuple((side, frame.select(key_names(plan))) for side, frame in dups),
        changed=found.changed if found.changed.height else None,
        changed_sample=first_by_key(found.changed, plan, limit) if found.changed.height and limit else None,
        duplicate_samples=tuple(
            (side, first_by_key(frame, plan, limit)) for side, frame in dups if frame.height and limit
        ),
        lossy=lossy,
        checks=checks,
    )


def _lossy(plan: DiffPlan, side: str, prepared: pl.DataFrame, limit: int) -> tuple[Lossy, ...]:
    """The values a rule reads leniently, counted, with the first few by key."""
    return tuple(
        Lossy(side, j, rows.height, message, first_by_key(rows, plan, limit) if limit else rows.head(0))
        for j, message, rows in lossy_rows(prepared, plan, side)
    )
