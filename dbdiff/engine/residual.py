"""The residual pass: pair, in the result store, the rows no chunk could pair.

Rows a chunk left unmatched (a key in another chunk of the other side, or every row when keys
may merge across chunks) wait in the store; one full outer join on the normalized key pairs them
globally, and what stays unmatched is final. Runs on the driver, after the last chunk.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import polars as pl

from dbdiff.compare import SUFFIX, changed_frame, evaluate, key_names, keys_may_merge, utc_zones
from dbdiff.plan import DiffPlan
from dbdiff.presentation import key_order_sql
from dbdiff.samples import first_by_key, one_side_frame
from dbdiff.store import ResultStore

if TYPE_CHECKING:
    from .runner import Totals


def pair_residuals(
    plan: DiffPlan, store: ResultStore, totals: Totals, prefix: str, sample_limit: int, chunk_size: int
) -> tuple[int, int]:
    """Join every row left unmatched in its chunk, globally; (matched, changed) it found."""
    keys = key_names(plan)
    res_l, res_r = f"{prefix}__residual_left", f"{prefix}__residual_right"
    if keys_may_merge(plan):
        _global_duplicates(plan, store, totals, prefix, {"left": res_l, "right": res_r}, sample_limit)
    on = " AND ".join(f"l.{k} = r.{k}" for k in keys)
    # Rows of a key duplicated on either side were never paired; leave them out here too.
    filters: dict[str, list[str]] = {"l": [], "r": []}
    for side in ("left", "right"):
        dup_table = f"{prefix}__dupkeys_{side}"
        if store.count(dup_table):
            for alias, conditions in filters.items():
                match = " AND ".join(f"d.{k} = {alias}.{k}" for k in keys)
                conditions.append(f'NOT EXISTS (SELECT 1 FROM "{dup_table}" d WHERE {match})')
    left_filter = " AND ".join(filters["l"]) or "TRUE"
    right_filter = " AND ".join(filters["r"]) or "TRUE"
    counts = totals.counts
    for side, table, alias, kept in (
        ("left", res_l, "l", left_filter),
        ("right", res_r, "r", right_filter),
    ):
        if kept != "TRUE" and store.exists(table):
            sql = f'SELECT COUNT(*) FROM "{table}" {alias} WHERE NOT ({kept})'
            batch = next(iter(store.query_batches(sql, 1)))
            counts.duplicate_key_rows[side] += int(batch.column(0)[0].as_py())
    # Presence comes from a flag of each side, never from the key: a key may be NULL.
    select = ", ".join(
        [f"COALESCE(l.{k}, r.{k}) AS {k}" for k in keys]
        + [f"l.* EXCLUDE ({', '.join(keys)}, __p)", f"r.* EXCLUDE ({', '.join(keys)}, __p)"]
        + ["COALESCE(l.__p, FALSE) AS __l", "COALESCE(r.__p, FALSE) AS __r"]
    )
    sql = (
        f'SELECT {select} FROM (SELECT *, TRUE AS __p FROM "{res_l}" l WHERE {left_filter}) l '
        f'FULL OUTER JOIN (SELECT *, TRUE AS __p FROM "{res_r}" r WHERE {right_filter}) r ON {on}'
    )
    matched = changed = 0
    for batch in store.query_batches(sql, max(chunk_size, 10_000)):
        joined = pl.from_arrow(batch)
        assert isinstance(joined, pl.DataFrame)
        found = evaluate(utc_zones(joined), plan)
        matched += found.matched
        changed += found.changed.height
        counts.add_columns(found.mismatches, found.unreadable)
        if found.changed.height:
            store.append(f"{prefix}__changed", changed_frame(found.changed, plan))
            if sample_limit:
                totals.changed_samples.append(first_by_key(found.changed, plan, sample_limit))
        for side, rows in (("left", found.only_left), ("right", found.only_right)):
            store.append(f"{prefix}__only_{side}", one_side_frame(rows, plan, side))
    return matched, changed


def _global_duplicates(
    plan: DiffPlan, store: ResultStore, totals: Totals, prefix: str, res: dict[str, str], limit: int
) -> None:
    """In global pairing, duplicate keys are found across all chunks of a side at once."""
    keys = key_names(plan)
    group = ", ".join(keys)
    for side in ("left", "right"):
        # MIN: of the raw spellings that merge into one key, always the same one is shown.
        raw = ", ".join(f"MIN(rk{i}{SUFFIX[side]}) AS rk{i}" for i in range(len(keys)))
        table = f"{prefix}__dupkeys_{side}"
        store.create_as(
            table,
            f'SELECT {group}, COUNT(*) AS count, {raw} FROM "{res[side]}" '
            f"GROUP BY {group} HAVING COUNT(*) > 1",
        )
        dups = stored_first(store, table, key_order_sql(plan, ""), limit)
        totals.counts.duplicate_keys[side] = store.count(table)
        if dups is not None and dups.height:
            totals.duplicate_samples.append((side, dups))


def stored_first(store: ResultStore, name: str, order: str, limit: int) -> pl.DataFrame | None:
    """The first `limit` rows of a stored table in `order` (None when there are none)."""
    if not limit or not store.exists(name):
        return None
    batches = list(store.query_batches(f'SELECT * FROM "{name}" ORDER BY {order} LIMIT {int(limit)}', limit))
    if not batches:
        return None
    frame = pl.from_arrow(batches)
    assert isinstance(frame, pl.DataFrame)
    return frame
