"""Uniqueness that must hold across chunks: each chunk's values go to the store, grouped once at the end.

Used by the key's own check (when normalization can merge keys across chunks) and by a schema's
`unique: true` columns and `unique: [a, b]`. Each stored row holds the values (`u0`, `u1`, ...),
the normalized key (`k0`, ...) and the raw key (`rk0`, ...), so examples are the smallest keys.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from dbdiff.checks.base import Chunk, End, Example, Failed, token
from dbdiff.values import frame_rows, user_col

if TYPE_CHECKING:
    from dbdiff.store import ResultStore


@dataclass(frozen=True)
class StoredUnique:
    """One uniqueness check over the store table `table`."""

    check: str
    column: str | None  # how the failure is reported
    sources: tuple[str, ...]  # view columns (the internal key columns for the key)
    table: str
    per_key: bool = False  # the key itself: examples are one per duplicated key with its row count

    def values(self, chunk: Chunk, view: pl.DataFrame | None = None) -> pl.DataFrame:
        """The chunk's rows to append to `table` (the values from `view` when given: the chunk's
        view with the values a schema coerces cast)."""
        keys = chunk.setup.key_names
        key_columns = [pl.col(k) for k in keys] + [
            pl.col(r).alias(f"rk{i}") for i, r in enumerate(chunk.raw_keys)
        ]
        if self.per_key:
            return chunk.prepared.select(
                [pl.col(k).alias(f"u{i}") for i, k in enumerate(self.sources)] + key_columns
            )
        return pl.concat(
            [
                (chunk.view if view is None else view).select(
                    [user_col(c).alias(f"u{i}") for i, c in enumerate(self.sources)]
                ),
                chunk.prepared.select(key_columns),
            ],
            how="horizontal",
        )

    def finish(self, end: End, side: str) -> tuple[Failed | None, int]:
        """The failure (None when the values are unique) and how many distinct values repeat."""
        store, setup = end.store, end.setup
        if not store.exists(self.table):
            return None, 0
        n_values = len(self.sources)
        keys, limit = setup.key_names, setup.limit
        values = ", ".join(f"u{i}" for i in range(n_values))
        dup_groups = (
            f'SELECT {values}, COUNT(*) AS n FROM "{self.table}" GROUP BY {values} HAVING COUNT(*) > 1'
        )
        counted = _frame(
            store, f"SELECT COALESCE(SUM(n), 0) AS rows, COUNT(*) AS groups FROM ({dup_groups})", 10
        )
        rows = int(counted.item(0, "rows")) if counted is not None and counted.height else 0
        if not rows:
            return None, 0
        assert counted is not None
        groups = int(counted.item(0, "groups"))
        raw = [f"rk{i}" for i in range(len(keys))]
        examples: list[Example] = []
        if limit and self.per_key:
            first_raw = ", ".join(f"MIN({r}) AS {r}" for r in raw)
            sql = (
                f'SELECT {", ".join(keys)}, COUNT(*) AS n, {first_raw} FROM "{self.table}" '
                f"GROUP BY {', '.join(keys)} HAVING COUNT(*) > 1 "
                f"ORDER BY {', '.join(f'{k} NULLS FIRST' for k in keys)} LIMIT {limit}"
            )
            for row in _rows(store, sql, limit):
                examples.append(
                    (token(row[k] for k in keys), {"key": setup.raw_key(row, raw), "value": int(row["n"])})
                )
        elif limit:
            match = " AND ".join(f"t.u{i} IS NOT DISTINCT FROM d.u{i}" for i in range(n_values))
            sql = (
                f'SELECT t.* FROM "{self.table}" t JOIN ({dup_groups}) d ON {match} '
                f"ORDER BY {', '.join(f't.{k} NULLS FIRST' for k in [*keys, *raw])} LIMIT {limit}"
            )
            for row in _rows(store, sql, limit):
                if n_values == 1:
                    value = setup.encode(side, self.sources[0], row["u0"])
                else:
                    value = {c: setup.encode(side, c, row[f"u{i}"]) for i, c in enumerate(self.sources)}
                examples.append(
                    (
                        token([*(row[k] for k in keys), *(row[r] for r in raw)]),
                        {"key": setup.raw_key(row, raw), "value": value},
                    )
                )
        return Failed(side, self.column, self.check, rows, examples), groups


def _frame(store: ResultStore, sql: str, batch_rows: int) -> pl.DataFrame | None:
    batches = list(store.query_batches(sql, batch_rows))
    if not batches:
        return None
    frame = pl.from_arrow(batches)
    assert isinstance(frame, pl.DataFrame)
    return frame


def _rows(store: ResultStore, sql: str, limit: int) -> list[dict[str, Any]]:
    frame = _frame(store, sql, max(limit, 1))
    return [] if frame is None else list(frame_rows(frame))
