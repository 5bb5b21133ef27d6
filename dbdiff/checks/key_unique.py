"""key_unique: no two rows of a side share a normalized key.

Each side's chunks are key ranges its own database evaluates, so rows with identical key values
always share a chunk and each chunk's duplicates (which the diff finds anyway) are the whole
answer. Only a normalizer that maps different values onto one key (case folding, trimming,
precision cuts, UUID spellings, ...) can spread one normalized key over several chunks; then the
keys go to the store and are grouped once at the end.

Its state per side is the number of distinct keys found more than once (the summary's count).
"""

from __future__ import annotations

from collections.abc import Iterable

import polars as pl

from dbdiff.checks.base import (
    BOTH,
    KEY_UNIQUE,
    Check,
    CheckSetup,
    Chunk,
    End,
    Failed,
    Found,
    register_check,
    token,
)
from dbdiff.checks.uniqueness import StoredUnique
from dbdiff.compare import keys_may_merge, split_duplicates
from dbdiff.values import frame_rows


@register_check(KEY_UNIQUE)
class KeyUnique(Check):
    """Always on: per chunk when keys can't cross chunks, else through the store."""

    reads_values = False  # keys and row counts only

    def __init__(self, setup: CheckSetup) -> None:
        self.setup = setup
        self.stored = (
            {
                side: StoredUnique(
                    KEY_UNIQUE,
                    setup.key_label,
                    tuple(setup.key_names),
                    f"{setup.prefix}__vkey_{side}",
                    per_key=True,
                )
                for side in setup.sides
            }
            if keys_may_merge(setup.plan)
            else {}
        )

    def feed(self, chunk: Chunk) -> Found | None:
        if self.stored:
            stored = self.stored[chunk.side]
            return Found(frames=[(stored.table, stored.values(chunk))])
        duplicates = chunk.duplicates
        if duplicates is None:
            duplicates = split_duplicates(chunk.prepared, self.setup.plan, chunk.side)[1]
        if not duplicates.height:
            return None
        return Found(failures=[self._duplicates(chunk.side, duplicates)], state=duplicates.height)

    def _duplicates(self, side: str, dups: pl.DataFrame) -> Failed:
        setup = self.setup
        keys, limit = setup.key_names, setup.limit
        raw = [f"rk{i}" for i in range(len(keys))]
        head = dups.sort(keys, nulls_last=False).head(limit) if limit else dups.head(0)
        examples = [
            (token(row[k] for k in keys), {"key": setup.raw_key(row, raw), "value": int(row["count"])})
            for row in frame_rows(head)
        ]
        return Failed(side, setup.key_label, KEY_UNIQUE, int(dups.get_column("count").sum()), examples)

    def finish(self, end: End) -> Iterable[Failed]:
        for side, stored in self.stored.items():
            failed, groups = stored.finish(end, side)
            if failed is not None:
                end.states[side] = end.states.get(side, 0) + groups
                yield failed

    def checks_run(self, side: str) -> Iterable[tuple[str | None, str]]:
        return [] if side == BOTH else [(self.setup.key_label, KEY_UNIQUE)]
