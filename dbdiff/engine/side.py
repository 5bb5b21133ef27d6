"""A side of a run: one source's table, condition and columns, read chunk by chunk.

A `Side` is an immutable value (like reladiff's `TableSegment`): every reading step takes one
instead of branching on "left" or "right". A diff has two sides, validate and infer-schema one.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Sequence
from dataclasses import dataclass

import pyarrow as pa

from dbdiff.catalog import Column
from dbdiff.errors import ConnectionFailure, ExtractionError
from dbdiff.plan import DiffPlan
from dbdiff.sources.base import KeyRange, Source

log = logging.getLogger("dbdiff")

#: The names of a run's sides, in order: a one-side run has only the first.
SIDE_NAMES = ("left", "right")


@dataclass(frozen=True)
class Side:
    """One side of a plan: where its rows come from and which of its columns are read."""

    name: str
    source: Source
    table: str
    where: str | None
    #: The side's own columns of every pair, key first (the order of `DiffPlan.all_pairs`).
    columns: tuple[Column, ...]
    key: tuple[Column, ...]

    def read(self, key_range: KeyRange, retries: int) -> tuple[pa.Table, float]:
        """The rows of one key range and the seconds the read took, failed attempts and the pauses
        between them included (the time went into reading); a failed read is retried."""
        attempt = 0
        started = time.perf_counter()
        while True:
            try:
                table = self.source.read_chunk(self.table, self.columns, self.key, key_range, self.where)
                return table, time.perf_counter() - started
            except (ConnectionFailure, ExtractionError) as exc:
                attempt += 1
                if attempt > retries or not getattr(exc, "retryable", True):
                    raise
                # A server that is gone fails the run now, not after another pool timeout.
                self.source.ping()
                log.warning("reading a chunk of the %s side failed (%s); retry %d", self.name, exc, attempt)
                time.sleep(min(2.0**attempt * 0.25, 5.0))

    def null_keys(self, limit: int, columns: Sequence[Column] | None = None) -> tuple[int, pa.Table]:
        """How many rows have a NULL key (they belong to no chunk), and up to `limit` of them."""
        return self.source.read_null_keys(self.table, columns or self.columns, self.key, self.where, limit)


def sides_of(plan: DiffPlan, sources: Sequence[Source]) -> tuple[Side, ...]:
    """The plan's sides, one per source: the left alone, or the left and the right."""
    tables = (plan.left_table, plan.right_table)
    wheres = (plan.where, plan.right_where)
    return tuple(
        Side(
            name=name,
            source=source,
            table=tables[i],
            where=wheres[i],
            columns=tuple((p.left, p.right)[i] for p in plan.all_pairs),
            key=tuple((p.left, p.right)[i] for p in plan.key),
        )
        for i, (name, source) in enumerate(zip(SIDE_NAMES, sources, strict=False))
    )
