"""One plan builder for a run of one side (validate, infer-schema) or two (diff, explain).

It reads only metadata: each side's catalog, row count and chunk boundaries (both sides side by
side on the executor); pairing, rules, the key and the chunk ranges come from `dbdiff.plan`,
which does no IO.
"""

from __future__ import annotations

import dataclasses
import functools
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Protocol

from dbdiff.catalog import TableCatalog
from dbdiff.catalog_diff import catalog_differences
from dbdiff.engine.executor import Executor, each_side, using
from dbdiff.engine.extent import extent_applies, extent_bounds
from dbdiff.engine.side import Side, sides_of
from dbdiff.errors import KeyColumnError, WhereRejected
from dbdiff.options import DiffOptions
from dbdiff.plan import (
    DiffPlan,
    Override,
    boundaries_shareable,
    canonical_bounds,
    choose_key,
    pair_columns,
    plan_chunks,
)
from dbdiff.rules import RuleSet, load_rules
from dbdiff.sources.base import KeyValue, Source


class PlanOptions(Protocol):
    """The options every plan reads (`DiffOptions`, `ValidateOptions` and `InferOptions` have them)."""

    @property
    def table(self) -> str: ...

    @property
    def where(self) -> str | None: ...

    @property
    def key(self) -> Sequence[str]: ...

    @property
    def columns(self) -> Sequence[str]: ...

    @property
    def exclude(self) -> Sequence[str]: ...

    @property
    def chunk_size(self) -> int: ...

    @property
    def rules(self) -> Sequence[str]: ...

    @property
    def overrides(self) -> Mapping[str, Override]: ...

    @property
    def map(self) -> Mapping[str, str]: ...

    @property
    def match_names(self) -> str: ...


#: What narrows a plan's sides before they are measured: (plan, sides, catalogs, executor) -> plan.
Narrow = Callable[[DiffPlan, Sequence[Side], Sequence[TableCatalog], Executor], DiffPlan]


@dataclasses.dataclass(frozen=True)
class SideSpec:
    """A side before planning: its source, table and condition, and the option that gave the condition."""

    source: Source
    table: str
    where: str | None
    where_option: str = "--where"


def build_plan(
    left: Source,
    right: Source,
    options: DiffOptions,
    rules: RuleSet | None = None,
    *,
    executor: Executor | None = None,
    uncovered: str = "error",
    catalog: bool = False,
) -> DiffPlan:
    """Introspect both sides, pair columns, choose rules and the key, and cut the key ranges.

    `dbdiff run` plans with `uncovered="skip"`: a column pair no rule covers is left out and listed
    in `plan.differences` (kind "type") instead of failing the table; with `catalog=True` the
    nullability and primary-key differences of the two catalogs are listed there too.
    """
    right_where = options.right_where if options.right_where is not None else options.where
    specs = (
        SideSpec(left, options.table, options.where),
        SideSpec(
            right,
            options.right_table or options.table,
            right_where,
            "--right-where" if options.right_where is not None else "--where",
        ),
    )
    narrow = None
    if options.since is not None:
        from dbdiff.engine.window import narrow_to_window

        narrow = functools.partial(narrow_to_window, options=options)
    return plan_sides(
        specs, options, rules=rules, executor=executor, uncovered=uncovered, catalog=catalog, narrow=narrow
    )


def plan_one(source: Source, options: PlanOptions, *, executor: Executor | None = None) -> DiffPlan:
    """The plan over one source: each column paired with itself, chunks in the source's own key order."""
    return plan_sides((SideSpec(source, options.table, options.where),), options, executor=executor)


def plan_sides(
    specs: Sequence[SideSpec],
    options: PlanOptions,
    *,
    rules: RuleSet | None = None,
    executor: Executor | None = None,
    uncovered: str = "error",
    catalog: bool = False,
    narrow: Narrow | None = None,
) -> DiffPlan:
    """The plan of one or two sides (a one-side plan pairs the side with itself).

    `narrow` (an incremental window) may narrow the sides' conditions once the columns are paired
    and before the sides are counted and cut into chunks.
    """
    first, last = specs[0], specs[-1]
    with using(executor, 2) as ex:
        catalogs = each_side(ex.both, specs, lambda spec: spec.source.introspect(spec.table))
        if rules is None:
            rules = load_rules(
                options.rules, left_dialect=first.source.dialect, right_dialect=last.source.dialect
            )
        naming: dict[str, Any] = {"match_names": options.match_names, "mapping": options.map}
        key = _choose_key(catalogs, options.key, first.table, naming)
        pairing = pair_columns(
            catalogs[0],
            catalogs[-1],
            key=key,
            rules=rules,
            left_dialect=first.source.dialect,
            right_dialect=last.source.dialect,
            columns=options.columns,
            exclude=options.exclude,
            overrides=options.overrides,
            uncovered=uncovered,
            **naming,
        )
        plan = DiffPlan(
            left_table=first.table,
            right_table=last.table,
            key=pairing.key,
            columns=pairing.compared,
            only_left=pairing.only_left,
            only_right=pairing.only_right,
            shared_boundaries=boundaries_shareable(pairing.key),
            where=first.where,
            right_where=last.where,
            differences=pairing.uncovered,
        )
        if catalog:
            found = catalog_differences(plan, catalogs[0], catalogs[-1], **naming)
            plan = dataclasses.replace(plan, differences=plan.differences + found)
        sides = sides_of(plan, [spec.source for spec in specs])
        counted: Sequence[int | None] = (None, None)
        most = None
        if narrow is not None:
            # A window knows each side's rows (the keys it holds) and that no side holds more
            # than the window's keys: no COUNT(*), and no boundaries below one chunk's worth.
            plan = narrow(plan, sides, catalogs, ex)
            sides = sides_of(plan, [spec.source for spec in specs])
            counted = (plan.rows_left, plan.rows_right)
            most = 0 if plan.chunks else max(counted)  # chunks cut by the window need no boundaries
        # A whole-number key is cut from its extent and the servers' estimates: no table scan.
        extent = (
            extent_bounds(sides, options.chunk_size, ex.both)
            if narrow is None and extent_applies(plan, sides)
            else None
        )
        if extent is not None:
            cuts, estimated = extent
            measured: Sequence[tuple[int, list[KeyValue]]] = [(estimated[0], cuts), (estimated[1], cuts)]
            plan = dataclasses.replace(plan, rows_estimated=True)
        else:
            measured = each_side(
                ex.both,
                [(side, spec, counted[i]) for i, (side, spec) in enumerate(zip(sides, specs, strict=True))],
                lambda item: _measure(
                    item[0], item[1], options.chunk_size, named=len(specs) > 1, rows=item[2], most=most
                ),
            )
    (rows_left, left_bounds), (rows_right, right_bounds) = measured[0], measured[-1]
    # One side keeps its chunks in its own order (never re-sorted in Python, which orders strings
    # otherwise); two sides share boundaries when their key orders agree.
    shared = plan.shared_boundaries and len(specs) > 1
    chunks = plan.chunks or plan_chunks(left_bounds, right_bounds, shared=shared)
    return dataclasses.replace(plan, chunks=chunks, rows_left=rows_left, rows_right=rows_right)


def _choose_key(
    catalogs: Sequence[TableCatalog], key: Sequence[str], table: str, naming: Mapping[str, Any]
) -> list[str]:
    try:
        return choose_key(catalogs[0], catalogs[-1], key, **naming)
    except KeyColumnError as exc:
        if key or len(catalogs) > 1:
            raise
        raise KeyColumnError(
            f"no key found for {table!r}: it has no primary key",
            hint="name the key columns with --key COL [--key COL2]",
        ) from exc


def _measure(
    side: Side,
    spec: SideSpec,
    chunk_size: int,
    *,
    named: bool,
    rows: int | None = None,
    most: int | None = None,
) -> tuple[int, list[KeyValue]]:
    """A side's row count (unless known: `rows`) and chunk boundaries (none when the side holds at
    most `most` rows, one chunk's worth); with `named`, a rejected condition names its side."""
    try:
        if rows is None:
            rows = side.source.count_rows(side.table, side.where)
        bounds: Sequence[KeyValue] = []
        if most is None or most > chunk_size:
            bounds = side.source.key_boundaries(side.table, side.key, chunk_size, side.where)
    except WhereRejected as exc:
        if not named:
            raise
        raise exc.for_side(side.name, side.source.dialect, spec.where_option) from None
    return rows, canonical_bounds(bounds, side.key)
