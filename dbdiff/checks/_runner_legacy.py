"""TEMPORARY: validate and infer-schema over one source, as dbdiff.validation ran them.

The engine's one runner takes these over (issue 10); this copy keeps the commands working until
then and goes at that merge.
"""

from __future__ import annotations

import concurrent.futures as cf
import dataclasses
import datetime as dt
from collections.abc import Callable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

import polars as pl

from dbdiff.checks.profile import Profiler
from dbdiff.checks.spec import SchemaSpec, describe_schema, load_schema
from dbdiff.checks.suite import CheckSuite
from dbdiff.compare import prepare_side
from dbdiff.errors import KeyColumnError, UsageError
from dbdiff.plan import (
    DiffPlan,
    Override,
    boundaries_shareable,
    canonical_bounds,
    choose_key,
    pair_columns,
    plan_chunks,
)
from dbdiff.result import ColumnPair, DiffResult, SchemaComparison, Summary, TableResult
from dbdiff.values import encode_value, frame_rows

if TYPE_CHECKING:
    from dbdiff.sources.base import Source
    from dbdiff.store import ResultStore


def _single_plan(
    source: Source,
    table: str,
    *,
    key: Sequence[str],
    columns: Sequence[str],
    exclude: Sequence[str],
    where: str | None,
    chunk_size: int,
    rules: Sequence[str],
    overrides: Mapping[str, Override] | None,
) -> DiffPlan:
    """A plan over one source: each column paired with itself, chunks in the source's own key order."""
    from dbdiff.rules import load_rules

    if chunk_size < 1:
        raise UsageError(f"--chunk-size must be at least 1, not {chunk_size}")
    schema = source.introspect(table)
    ruleset = load_rules(rules, left_dialect=source.dialect, right_dialect=source.dialect)
    try:
        chosen = choose_key(schema, schema, key)
    except KeyColumnError as exc:
        if key:
            raise
        raise KeyColumnError(
            f"no key found for {table!r}: it has no primary key",
            hint="name the key columns with --key COL [--key COL2]",
        ) from exc
    key_plans, compared, _, _ = pair_columns(
        schema,
        schema,
        key=chosen,
        rules=ruleset,
        left_dialect=source.dialect,
        right_dialect=source.dialect,
        columns=columns,
        exclude=exclude,
        overrides=overrides,
    )
    key_columns = [p.left for p in key_plans]
    rows = source.count_rows(table, where)
    bounds = canonical_bounds(source.key_boundaries(table, key_columns, chunk_size, where), key_columns)
    # Each chunk in the source's own order (never re-sorted in Python, which orders strings otherwise).
    chunks = plan_chunks(bounds, bounds, shared=False)
    return DiffPlan(
        left_table=table,
        right_table=table,
        key=key_plans,
        columns=compared,
        chunks=chunks,
        rows_left=rows,
        rows_right=rows,
        shared_boundaries=boundaries_shareable(key_plans),
        where=where,
        right_where=where,
    )


def _read_chunks(
    source: Source,
    plan: DiffPlan,
    workers: int,
    checks: CheckSuite | Profiler,
    store: ResultStore | None,
    progress: Any = None,
) -> None:
    """Read, normalize and feed every chunk (at most `workers` in flight); absorb each here."""
    columns = [p.left for p in plan.all_pairs]
    key = [p.left for p in plan.key]

    def one(task: Any) -> Any:
        arrow = source.read_chunk(plan.left_table, columns, key, task.left, plan.where)
        return checks.feed("left", prepare_side(arrow, plan, "left"))

    def absorb(done: set[cf.Future[Any]]) -> None:
        for future in done:
            checks.absorb(future.result(), store)  # type: ignore[arg-type]
            if progress is not None:
                progress.advance(1)

    if progress is not None:
        progress.start(len(plan.chunks), plan.left_table)
    workers = max(1, min(workers, len(plan.chunks)))
    with cf.ThreadPoolExecutor(workers, thread_name_prefix="dbdiff-validate") as pool:
        pending: set[cf.Future[Any]] = set()
        try:
            for task in plan.chunks:
                pending.add(pool.submit(one, task))
                if len(pending) >= workers:
                    done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                    absorb(done)
            done, pending = cf.wait(pending)
            absorb(done)
        except BaseException:
            for future in pending:
                future.cancel()
            raise
    if progress is not None:
        progress.finish()


def _null_key_examples(source: Source, plan: DiffPlan, limit: int) -> tuple[int, list[dict[str, Any]]]:
    key = [p.left for p in plan.key]
    count, rows = source.read_null_keys(plan.left_table, key, key, plan.where, limit)
    if not count:
        return 0, []
    frame = pl.from_arrow(rows)
    assert isinstance(frame, pl.DataFrame)
    examples = [{p.name: encode_value(row.get(p.left.name)) for p in plan.key} for row in frame_rows(frame)]
    return count, examples


def validate_source(
    source: Source,
    *,
    table: str,
    schema: SchemaSpec = None,
    key: Sequence[str] = (),
    columns: Sequence[str] = (),
    exclude: Sequence[str] = (),
    where: str | None = None,
    chunk_size: int = 100_000,
    workers: int = 4,
    sample_limit: int = 100,
    rules: Sequence[str] = (),
    overrides: Mapping[str, Override] | None = None,
    aggregate: Sequence[str] = (),
    progress: Any = None,
    workdir: str | None = None,
    on_plan: Callable[[DiffPlan], None] | None = None,
) -> DiffResult:
    """Run the schema and the built-in invariants over one source, chunked; failures are data.

    The result is a `DiffResult` whose two sides are the same source, so every report renders it;
    its status is `identical` when every check passed and `different` when one failed.
    """
    import time

    from dbdiff._version import __version__
    from dbdiff.store import ResultStore

    if workers < 1:
        raise UsageError(f"--workers must be at least 1, not {workers}")
    if sample_limit < 0:
        raise UsageError(f"--sample-limit must not be negative, not {sample_limit}")
    loaded = load_schema(schema)  # a bad schema fails before any query
    started_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    clock = time.perf_counter()
    info = source.info()
    plan = _single_plan(
        source,
        table,
        key=key,
        columns=columns,
        exclude=exclude,
        where=where,
        chunk_size=chunk_size,
        rules=rules,
        overrides=overrides,
    )
    if on_plan is not None:
        on_plan(plan)  # e.g. a --mask typo fails here, before any row is read
    store = ResultStore(workdir)
    try:
        validator = CheckSuite(
            plan,
            sides=("left",),
            schemas={"left": loaded},
            aggregate=aggregate,
            sample_limit=sample_limit,
        )
        _read_chunks(source, plan, workers, validator, store, progress)
        nulls, null_examples = _null_key_examples(source, plan, sample_limit)
        validation, stats = validator.finish(
            store, rows_counted={"left": plan.rows_left}, null_keys={"left": (nulls, null_examples)}
        )
        # A validation run lists every check it ran, so reports can say how many passed.
        ran = validator.checks_run()
        checks = tuple({"side": side, "column": column, "check": check} for side, column, check in ran)
        validation = dataclasses.replace(validation, checks=checks)
    finally:
        store.close()
    result_table = TableResult(
        left_table=table,
        right_table=table,
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
            rows_left=validator.rows("left") + nulls,
            duplicate_keys_left=validator.duplicated_keys("left"),
            null_keys_left=nulls,
        ),
        validation=validation,
        stats={"chunks": len(plan.chunks), "seconds": round(time.perf_counter() - clock, 3), **stats},
    )
    options: dict[str, Any] = {"command": "validate", "table": table, "key": list(plan.key_names)}
    if schema is not None:
        options["schema"] = describe_schema(schema)
    if where:
        options["where"] = where
    options.update(chunk_size=chunk_size, sample_limit=sample_limit)
    return DiffResult(
        left=info,
        right=info,
        tables=(result_table,),
        started_at=started_at.isoformat().replace("+00:00", "Z"),
        duration_s=time.perf_counter() - clock,
        dbdiff_version=__version__,
        options=options,
    )


def infer_schema(
    source: Source,
    *,
    table: str,
    key: Sequence[str] = (),
    columns: Sequence[str] = (),
    exclude: Sequence[str] = (),
    where: str | None = None,
    chunk_size: int = 100_000,
    workers: int = 4,
    rules: Sequence[str] = (),
    overrides: Mapping[str, Override] | None = None,
    max_values: int = 20,
) -> str:
    """A starting pandera YAML schema from the data: dtypes, nullability, ranges and value sets.

    Reads every chunk once. Text columns with at most `max_values` distinct values get an `isin`
    check; numbers, dates and timestamps get an `in_range` of what was observed (decimal bounds
    rounded outwards to integers, so the data always passes its own schema).
    """
    plan = _single_plan(
        source,
        table,
        key=key,
        columns=columns,
        exclude=exclude,
        where=where,
        chunk_size=chunk_size,
        rules=rules,
        overrides=overrides,
    )
    profiler = Profiler(plan, max_values=max_values)
    _read_chunks(source, plan, workers, profiler, None)
    nulls, _ = _null_key_examples(source, plan, 0)
    return profiler.schema_yaml(table=table, source=str(source.url.redacted), nulls=nulls)
