"""A run's result, assembled on the driver from its totals, its store and its checks.

`diff_table` and `validate_table` build the `TableResult` of a diff and of a validation run;
`TableStore` is what a `DiffResult` reads its full frames through once the run is over.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import polars as pl

from dbdiff.checks import CheckSuite
from dbdiff.compare import SUFFIX, changed_frame, utc_zones
from dbdiff.engine.residual import stored_first
from dbdiff.engine.side import Side
from dbdiff.plan import DiffPlan
from dbdiff.presentation import key_order_sql, present, present_keys
from dbdiff.result import (
    ColumnPair,
    ColumnStat,
    Samples,
    SchemaComparison,
    Summary,
    TableResult,
    Validation,
    table_status,
)
from dbdiff.samples import (
    changed_samples,
    duplicate_samples,
    first_by_key,
    null_key_samples,
    row_samples,
    user_frame,
)
from dbdiff.store import ResultStore
from dbdiff.values import bound_samples, changed_names, encode_value, frame_rows

if TYPE_CHECKING:
    from .runner import Totals


def diff_table(
    plan: DiffPlan,
    sides: tuple[Side, ...],
    totals: Totals,
    store: ResultStore,
    suite: CheckSuite,
    *,
    prefix: str,
    sample_limit: int,
    seconds: float,
    executor: str = "threads",
) -> TableResult:
    """A diff's table result: counts, samples, the schema comparison and the checks' verdict."""
    t, limit = totals.counts, sample_limit
    left_side, right_side = sides
    null_left, null_left_samples = _null_keys(plan, left_side, limit)
    null_right, null_right_samples = _null_keys(plan, right_side, limit)
    summary = Summary(
        rows_left=t.rows["left"] + null_left,
        rows_right=t.rows["right"] + null_right,
        matched=t.matched,
        only_left=store.count(f"{prefix}__only_left"),
        only_right=store.count(f"{prefix}__only_right"),
        changed=t.changed,
        duplicate_keys_left=t.duplicate_keys["left"],
        duplicate_keys_right=t.duplicate_keys["right"],
        duplicate_key_rows_left=t.duplicate_key_rows["left"],
        duplicate_key_rows_right=t.duplicate_key_rows["right"],
        null_keys_left=null_left,
        null_keys_right=null_right,
    )
    changed = []
    if totals.changed_samples:
        merged = first_by_key(
            pl.concat([utc_zones(f) for f in totals.changed_samples], how="vertical_relaxed"), plan, limit
        )
        shown = present(changed_frame(merged, plan), plan, "changed", for_json=True)
        changed = changed_samples(shown, plan)
    duplicates = []
    for side in ("left", "right"):
        frames = [f for s, f in totals.duplicate_samples if s == side]
        if frames:
            merged = first_by_key(pl.concat(frames, how="vertical_relaxed"), plan, limit)
            keys = [f"rk{i}" for i in range(len(plan.key))]
            duplicates.extend(duplicate_samples(present_keys(merged, plan, keys, side), plan, side))
    only = {}
    for side in ("left", "right"):
        kind = f"only_{side}"
        frame = stored_first(store, f"{prefix}__{kind}", key_order_sql(plan, ""), limit)
        if frame is not None:
            frame = present(frame, plan, kind, for_json=True)
        only[side] = row_samples(frame, plan) if frame is not None else []
    schema = SchemaComparison(
        only_left=plan.only_left,
        only_right=plan.only_right,
        columns=tuple(
            ColumnPair(
                name=p.name,
                left_type=p.left.native_type,
                right_type=p.right.native_type,
                rule=p.choice.label(),
                right_name=p.right.name,
            )
            for p in plan.all_pairs
        ),
        differences=plan.differences,
    )
    samples = Samples(
        only_left=tuple(only["left"]),
        only_right=tuple(only["right"]),
        changed=tuple(changed),
        duplicates=tuple(duplicates[: max(limit, 0) * 2]),
        null_keys=tuple((null_left_samples + null_right_samples)[: max(limit, 0) * 2]),
    )
    samples = bound_samples(samples)  # whole values stay in the store (result.changed())
    columns = tuple(
        ColumnStat(p.name, m, u) for p, m, u in zip(plan.columns, t.mismatches, t.unreadable, strict=True)
    )
    validation, validation_stats = suite.finish(
        store,
        rows_counted={} if plan.rows_estimated else {"left": plan.rows_left, "right": plan.rows_right},
        null_keys={
            side: (count, [{p.name: s["row"].get(p.name) for p in plan.key} for s in samples])
            for side, count, samples in (
                ("left", null_left, null_left_samples),
                ("right", null_right, null_right_samples),
            )
        },
    )
    return TableResult(
        left_table=plan.left_table,
        right_table=plan.right_table,
        key=plan.key_names,
        # A failed check makes the pair fail (exit code 1) even when both sides agree.
        status=table_status(summary, schema) if validation.passed else "different",
        validation=validation,
        warnings=_warnings(plan, totals, limit),
        schema=schema,
        summary=summary,
        columns=columns,
        samples=samples,
        window=plan.window,
        stats={
            "chunks": len(plan.chunks),
            "shared_boundaries": plan.shared_boundaries,
            "seconds": round(seconds, 3),
            "read_seconds_left": round(t.read_seconds["left"], 3),
            "read_seconds_right": round(t.read_seconds["right"], 3),
            # Rows read in chunks (rows with a NULL key belong to none: a few are read as samples).
            "rows_downloaded": {"left": t.rows["left"], "right": t.rows["right"]},
            "mode": "full",
            "executor": executor,
            **validation_stats,
        },
    )


def _null_keys(plan: DiffPlan, side: Side, limit: int) -> tuple[int, list[dict[str, Any]]]:
    """A side's rows with a NULL key: how many, and the first as samples under the left side's names."""
    if plan.window is not None:
        return 0, []  # a window compares the keys written in it, and a NULL key is no key
    count, rows = side.null_keys(limit)
    names = [c.name for c in side.columns]
    samples = null_key_samples(rows, side.name, names) if count else []
    for sample in samples:
        # Report under the left side's column names, like every other sample.
        sample["row"] = {p.name: sample["row"][c] for p, c in zip(plan.all_pairs, names, strict=True)}
    return count, samples


def _warnings(plan: DiffPlan, totals: Totals, limit: int) -> tuple[dict[str, Any], ...]:
    """Values a rule read leniently, per side and column."""
    warnings = []
    for (side, j), (count, message, heads) in sorted(totals.lossy.items()):
        rows = first_by_key(pl.concat(heads, how="vertical_relaxed"), plan, limit) if heads else None
        sfx = SUFFIX[side]
        examples = (
            [
                {
                    "key": {p.name: encode_value(r[f"rk{i}{sfx}"]) for i, p in enumerate(plan.key)},
                    "value": encode_value(r["v"]),
                }
                for r in frame_rows(rows)
            ]
            if rows is not None
            else []
        )
        warnings.append(
            {
                "side": side,
                "column": plan.columns[j].name,
                "check": "lossy_" + plan.columns[j].choice.normalizer,
                "count": count,
                "message": message,
                "examples": examples,
            }
        )
    return tuple(warnings)


def validate_table(
    plan: DiffPlan,
    suite: CheckSuite,
    validation: Validation,
    stats: Mapping[str, Any],
    *,
    null_keys: int,
    seconds: float,
) -> TableResult:
    """A validation run's table result: both sides are the one source, the checks are the verdict."""
    return TableResult(
        left_table=plan.left_table,
        right_table=plan.left_table,
        key=plan.key_names,
        status="identical" if validation.passed else "different",
        schema=SchemaComparison(
            columns=tuple(
                ColumnPair(
                    name=p.name,
                    left_type=p.left.native_type,
                    right_type=p.left.native_type,
                    rule=p.choice.label(),
                )
                for p in plan.all_pairs
            )
        ),
        summary=Summary(
            rows_left=suite.rows("left") + null_keys,
            duplicate_keys_left=suite.duplicated_keys("left"),
            null_keys_left=null_keys,
        ),
        validation=validation,
        stats={"chunks": len(plan.chunks), "seconds": round(seconds, 3), **stats},
    )


class TableStore:
    """What `DiffResult` needs from the store: full frames per table and kind, internal columns hidden."""

    def __init__(
        self,
        store: ResultStore,
        tables: Mapping[str, tuple[str, DiffPlan]],
        masked: Mapping[str, tuple[str, ...]] | None = None,
    ) -> None:
        self.store = store
        self.tables = dict(tables)
        #: The columns each table's reports mask (`--mask`, a check file's `mask`): repair SQL asks.
        self.masked = dict(masked or {})

    def plan(self, table: str) -> DiffPlan:
        """The plan a table ran by (its column pairs, their catalog columns and rules)."""
        return self.tables[table][1]

    def stored(self, table: str, kind: str) -> pl.DataFrame:
        """A kind's rows in the store's internal layout (`compare.changed_frame`, `one_side_frame`),
        in key order: raw values under names no user column can collide with."""
        prefix, plan = self.tables[table]
        if not self.store.exists(f"{prefix}__{kind}"):
            return pl.DataFrame()
        return self.store.read(prefix, kind, order_by=[key_order_sql(plan, "")])

    def has(self, table: str, kind: str) -> bool:
        known = table in self.tables and kind in ("changed", "only_left", "only_right")
        return known and self.store.available()

    def read(self, table: str, kind: str, *, raw: bool = False) -> pl.DataFrame:
        prefix, plan = self.tables[table]
        if not self.store.exists(f"{prefix}__{kind}"):
            return _empty_frame(plan, kind)
        # Stored under internal names only (DuckDB names are case-insensitive, users' may not be).
        frame = self.store.read(prefix, kind, order_by=[key_order_sql(plan, "")])
        return user_frame(frame if raw else present(frame, plan, kind), plan, kind)


def _empty_frame(plan: DiffPlan, kind: str) -> pl.DataFrame:
    names = [p.name for p in plan.key]
    if kind == "changed":
        differs, sides = changed_names(names, [p.name for p in plan.columns])
        names += [differs] + [n for pair in sides for n in pair]
    else:
        names += [p.name for p in plan.columns]
    return pl.DataFrame({n: [] for n in names})
