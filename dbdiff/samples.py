"""The rows a diff found, for people: stored frames under the user's column names, and the JSON
samples of changed rows, rows on one side only, duplicate and NULL keys (`compare` keeps and
stores them under positional internal names; see its module doc for the layout)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl
import pyarrow as pa

from dbdiff.compare import SUFFIX, key_names
from dbdiff.plan import DiffPlan
from dbdiff.values import changed_names, encode_value, frame_rows


def one_side_frame(rows: pl.DataFrame, plan: DiffPlan, side: str) -> pl.DataFrame:
    """Rows found on one side only, as the store keeps them: normalized key `k{i}`, raw key
    `rk{i}` and raw values `r{j}` (one layout for both sides); `user_frame` names them."""
    sfx = SUFFIX[side]
    return rows.select(
        key_names(plan)
        + [pl.col(f"rk{i}{sfx}").alias(f"rk{i}") for i in range(len(plan.key))]
        + [pl.col(f"r{j}{sfx}").alias(f"r{j}") for j in range(len(plan.columns))]
    )


def user_frame(stored: pl.DataFrame, plan: DiffPlan, kind: str) -> pl.DataFrame:
    """A stored frame (`changed_frame` or `one_side_frame` layout) under the user's column names.

    Changed rows: the key columns, `differs` (the names of the columns that differ), then
    `<col>_left`/`<col>_right`; rows of one side: the key columns, then the compared columns.
    Where a derived name equals a key column's name, it gets a trailing underscore
    (see `values.changed_names`), so no user column name can collide with one dbdiff makes.
    """
    key = [p.name for p in plan.key]
    names = [p.name for p in plan.columns]
    if kind != "changed":
        return stored.select(
            [pl.col(f"rk{i}").alias(n) for i, n in enumerate(key)]
            + [pl.col(f"r{j}").alias(n) for j, n in enumerate(names)]
        )
    differs_name, sides = changed_names(key, names)
    differs = (
        pl.concat_list([pl.when(pl.col(f"d{j}")).then(pl.lit(name)) for j, name in enumerate(names)])
        .list.drop_nulls()
        .alias(differs_name)
        if names
        else pl.lit([], dtype=pl.List(pl.String)).alias(differs_name)
    )
    return stored.select(
        [pl.col(f"rk{i}_l").alias(n) for i, n in enumerate(key)]
        + [differs]
        + [
            c
            for j, (left_name, right_name) in enumerate(sides)
            for c in (pl.col(f"r{j}_l").alias(left_name), pl.col(f"r{j}_r").alias(right_name))
        ]
    )


def first_by_key(frame: pl.DataFrame, plan: DiffPlan, limit: int, prefix: str = "") -> pl.DataFrame:
    """The `limit` rows with the smallest normalized keys: chunking never changes which are kept.

    The rows own their data (see `detach`), so keeping them keeps nothing else alive.
    """
    from dbdiff.presentation import key_order

    order = key_order(plan, prefix)
    if frame.height <= limit:
        return detach(frame.sort(order, nulls_last=False))
    return detach(frame.sort(order, nulls_last=False).head(limit))


def detach(frame: pl.DataFrame) -> pl.DataFrame:
    """A copy of a few rows that holds only their own data.

    Rows filtered, sorted or sliced out of a polars frame share its string buffers (string views
    point into them), so three samples kept from a chunk would keep the whole chunk's text in
    memory for the rest of the run. Export to Arrow's plain (non-view) strings copies the viewed
    bytes into buffers of their own; the polars frame read back from it holds nothing more.
    """
    if frame.height == 0:
        return frame.clear()
    detached = pl.from_arrow(frame.to_arrow(compat_level=pl.CompatLevel.oldest()))
    assert isinstance(detached, pl.DataFrame)
    return detached


def changed_samples(frame: pl.DataFrame, plan: DiffPlan) -> list[dict[str, Any]]:
    """JSON samples from changed rows in the `changed_frame` layout."""
    samples = []
    for row in frame_rows(frame):
        key = {p.name: encode_value(row[f"rk{i}_l"]) for i, p in enumerate(plan.key)}
        diffs = {
            p.name: {
                "left": encode_value(row[f"r{j}_l"]),
                "right": encode_value(row[f"r{j}_r"]),
                **_unreadable_side(row.get(f"u{j}_l"), row.get(f"u{j}_r")),
            }
            for j, p in enumerate(plan.columns)
            if row[f"d{j}"]
        }
        samples.append({"key": key, "diffs": diffs})
    return samples


def _unreadable_side(left: bool | None, right: bool | None) -> dict[str, str]:
    """{"unreadable": "left" | "right" | "both"} when a side's value could not be read, else {}."""
    if left or right:
        return {"unreadable": "both" if left and right else "left" if left else "right"}
    return {}


def row_samples(frame: pl.DataFrame, plan: DiffPlan) -> list[dict[str, Any]]:
    """JSON samples from one side's rows in the `one_side_frame` layout."""
    samples = []
    for row in frame_rows(frame):
        key = {p.name: encode_value(row[f"rk{i}"]) for i, p in enumerate(plan.key)}
        values = {p.name: encode_value(row[f"r{j}"]) for j, p in enumerate(plan.columns)}
        samples.append({"key": key, "row": {**key, **values}})
    return samples


def duplicate_samples(dups: pl.DataFrame, plan: DiffPlan, side: str) -> list[dict[str, Any]]:
    samples = []
    for row in frame_rows(dups):
        key = {p.name: encode_value(row[f"rk{i}"]) for i, p in enumerate(plan.key)}
        samples.append({"side": side, "key": key, "count": int(row["count"])})
    return samples


def null_key_samples(table: pa.Table, side: str, names: Sequence[str]) -> list[dict[str, Any]]:
    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    return [{"side": side, "row": {n: encode_value(row.get(n)) for n in names}} for row in frame_rows(frame)]
