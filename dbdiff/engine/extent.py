"""Chunk boundaries of a whole-number key from its extent, without reading the table.

Cutting a table into chunks of exactly N rows needs every key in order (a `ROW_NUMBER()` window:
62 s on MariaDB at 10M rows, more than reading every column of the table) and `COUNT(*)` (9 s).
A one-column whole-number key needs neither: its MIN and MAX come from its index, and the
servers' own estimates of the rows in a key range (index dives in MySQL and MariaDB, the
histogram in PostgreSQL) cut [min, max] into ranges of about a chunk each; a range estimated
well above a chunk is halved until it is not (keys bunched in a corner of a wide range).

Exactness never depends on an estimate: the ranges cover every key, so only a chunk's size (and
so memory) does. The sides' row counts are then estimates too (`DiffPlan.rows_estimated`); the
rows actually read are what the report counts.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

from dbdiff.engine.executor import each_side
from dbdiff.engine.side import Side
from dbdiff.plan import DiffPlan
from dbdiff.sources.base import KeyValue

#: A range is halved while either side estimates more than this many chunks' worth of rows in it.
#: Generous, because estimates are rough (MariaDB's index dives were 2x off on 100k-row ranges).
TOO_BIG = 3
#: A side without estimates of its own is cut by the other side's only when it holds at most this
#: many times the other side's rows (plus a chunk): the two sides of a migration hold about the
#: same rows, and a side that grew more may hold its new rows anywhere in the other's ranges.
ALIKE = 1.25
#: Halvings at most (a 64-bit key range is single keys after 64).
MOST_HALVINGS = 64

Both = Callable[[Callable[[], Any], Callable[[], Any]], tuple[Any, Any]]


def extent_applies(plan: DiffPlan, sides: Sequence[Side]) -> bool:
    """True for a diff of two whole tables on one whole-number key compared as itself."""
    if len(sides) != 2 or len(plan.key) != 1 or not plan.shared_boundaries:
        return False
    if plan.where is not None or plan.right_where is not None:
        return False  # MIN, MAX and the estimates would have to read the rows the condition keeps
    pair = plan.key[0]
    return pair.choice.normalizer == "integer" and pair.left.family == pair.right.family == "integer"


def extent_bounds(
    sides: Sequence[Side], chunk_size: int, both: Both
) -> tuple[list[KeyValue], tuple[int, int]] | None:
    """Boundaries shared by both sides, and each side's estimated rows; None when a source cannot
    tell its key's extent, or neither side can estimate a range (then the planner counts and
    numbers the rows). A side without estimates (PostgreSQL without fresh statistics) is cut by
    the other side's when the sides look alike (`_sizes`): the sides of a migration hold about
    the same keys."""
    extents = each_side(both, sides, lambda side: side.source.key_extent(side.table, side.key[0]))
    if any(e is None for e in extents):
        return None
    lows = [int(e[0]) for e in extents if e[0] is not None]
    highs = [int(e[1]) for e in extents if e[1] is not None]
    if not lows:
        return [], (0, 0)  # both tables empty: one chunk
    low, end = min(lows), max(highs) + 1
    estimates = _Estimates(sides, both, budget=0)
    whole = estimates.sides(low, end)
    if whole is None:
        return None
    rows = _sizes(sides, whole, extents, chunk_size, both)
    if rows is None:
        return None
    pieces = max(1, math.ceil(max(n for n in whole if n is not None) / chunk_size))
    # Halving stops once the estimates have been asked this often: estimates that never fall
    # (a planner guessing) must not cut a 64-bit range into single keys.
    estimates.budget = 4 * pieces + 256
    starts = sorted({low + (end - low) * i // pieces for i in range(pieces)})
    bounds: list[int] = []
    for start, stop in zip(starts, [*starts[1:], end], strict=True):
        bounds += _halved(start, stop, chunk_size * TOO_BIG, estimates, MOST_HALVINGS)
    # The first range starts at the smallest key, so its lower edge is no cut.
    cuts = [(b,) for b in bounds if b != low]
    return cuts, rows


def _sizes(
    sides: Sequence[Side],
    whole: tuple[int | None, int | None],
    extents: Sequence[tuple[Any, Any]],
    chunk_size: int,
    both: Both,
) -> tuple[int, int] | None:
    """Each side's estimated rows; None when a side without estimates of its own cannot be cut by
    the other side's: it cannot tell its size, holds more than `ALIKE` times the other side's rows
    (the other side's ranges of a chunk could hold many chunks of it: a side loaded twice, one side
    empty, or rows written since ANALYZE), or holds keys beyond the other side's smallest or
    largest (rows the other side's estimates never see, all in a range they call empty)."""
    left, right = sides
    found = both(
        lambda: left.source.estimate_table_rows(left.table) if whole[0] is None else whole[0],
        lambda: right.source.estimate_table_rows(right.table) if whole[1] is None else whole[1],
    )
    for blind, other in ((0, 1), (1, 0)):
        if whole[blind] is None:
            size, known = found[blind], whole[other]
            if size is None or known is None or size > ALIKE * known + chunk_size:
                return None
            (low, high), (other_low, other_high) = extents[blind], extents[other]
            if low is not None and (other_low is None or low < other_low or high > other_high):
                return None
    return int(found[0]), int(found[1])


class _Estimates:
    """Both sides' estimates of a key range, counted against a budget of questions."""

    def __init__(self, sides: Sequence[Side], both: Both, budget: int) -> None:
        self.left, self.right = sides
        self.both = both
        self.budget = budget

    def sides(self, lower: int, upper: int) -> tuple[int | None, int | None] | None:
        """Each side's estimate (None: that side has none); None when neither side has one."""
        found = each_side(
            self.both,
            (self.left, self.right),
            lambda side: side.source.estimate_rows(side.table, side.key[0], lower, upper),
        )
        if all(n is None for n in found):
            return None
        return found[0], found[1]

    def most(self, lower: int, upper: int) -> int | None:
        """The larger side's estimate, or None once the budget is spent."""
        if self.budget <= 0:
            return None
        self.budget -= 1
        found = self.sides(lower, upper)
        return None if found is None else max(n for n in found if n is not None)


def _halved(start: int, stop: int, most: int, estimates: _Estimates, depth: int) -> list[int]:
    """The lower edges of [start, stop) cut into halves until no side estimates more than `most`
    rows in a piece (or the halvings or the estimates' budget run out)."""
    if depth <= 0 or stop - start <= 1:
        return [start]
    found = estimates.most(start, stop)
    if found is None or found <= most:
        return [start]
    middle = start + (stop - start) // 2
    return _halved(start, middle, most, estimates, depth - 1) + _halved(
        middle, stop, most, estimates, depth - 1
    )
