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

from dbdiff.engine.side import Side
from dbdiff.plan import DiffPlan
from dbdiff.sources.base import KeyValue

#: A range is halved while either side estimates more than this many chunks' worth of rows in it.
#: Generous, because estimates are rough (MariaDB's index dives were 2x off on 100k-row ranges).
TOO_BIG = 3
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
    tell its key's extent or estimate a range (then the planner counts and numbers the rows)."""
    left, right = sides
    extents = both(
        lambda: left.source.key_extent(left.table, left.key[0]),
        lambda: right.source.key_extent(right.table, right.key[0]),
    )
    if any(e is None for e in extents):
        return None
    lows = [int(e[0]) for e in extents if e[0] is not None]
    highs = [int(e[1]) for e in extents if e[1] is not None]
    if not lows:
        return [], (0, 0)  # both tables empty: one chunk

    def estimate(lower: int, upper: int) -> tuple[int, int] | None:
        found = both(
            lambda: left.source.estimate_rows(left.table, left.key[0], lower, upper),
            lambda: right.source.estimate_rows(right.table, right.key[0], lower, upper),
        )
        return None if None in found else (int(found[0]), int(found[1]))

    low, end = min(lows), max(highs) + 1
    whole = estimate(low, end)
    if whole is None:
        return None
    pieces = max(1, math.ceil(max(whole) / chunk_size))
    starts = sorted({low + (end - low) * i // pieces for i in range(pieces)})
    bounds: list[int] = []
    for start, stop in zip(starts, [*starts[1:], end], strict=True):
        bounds += _halved(start, stop, chunk_size * TOO_BIG, estimate, MOST_HALVINGS)
    # The first range starts at the smallest key, so its lower edge is no cut.
    cuts = [(b,) for b in bounds if b != low]
    return cuts, whole


def _halved(
    start: int,
    stop: int,
    most: int,
    estimate: Callable[[int, int], tuple[int, int] | None],
    depth: int,
) -> list[int]:
    """The lower edges of [start, stop) cut into halves until neither side estimates more than
    `most` rows in a piece."""
    if depth <= 0 or stop - start <= 1:
        return [start]
    found = estimate(start, stop)
    if found is None or max(found) <= most:
        return [start]
    middle = start + (stop - start) // 2
    return _halved(start, middle, most, estimate, depth - 1) + _halved(
        middle, stop, most, estimate, depth - 1
    )
