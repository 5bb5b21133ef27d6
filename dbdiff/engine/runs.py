"""The three runs: diff, validate and infer-schema, each planned, driven and assembled by the engine.

Each plans its sides (`planning.py`), runs its chunks through the one driver (`runner.drive`) on
an executor, and builds its result; differences and failed checks are data, never raised.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import time
from collections.abc import Callable
from typing import Any

import polars as pl

from dbdiff._version import __version__
from dbdiff.checks import CheckSuite, describe_schema, load_schema
from dbdiff.checks.profile import Profiler
from dbdiff.engine.assemble import TableStore, validate_table
from dbdiff.engine.executor import Executor, using
from dbdiff.engine.planning import build_plan, plan_one
from dbdiff.engine.recheck import recheck_rounds, recheck_table
from dbdiff.engine.runner import DiffRun, drive, executor_name, with_timings
from dbdiff.engine.side import Side, sides_of
from dbdiff.engine.tasks import ChunkOutcome, ChunkWork
from dbdiff.options import DiffOptions, InferOptions, ValidateOptions
from dbdiff.plan import DiffPlan
from dbdiff.progress import NoProgress, Progress
from dbdiff.result import DiffResult
from dbdiff.rules import RuleSet
from dbdiff.sources.base import Source
from dbdiff.store import ResultStore
from dbdiff.timings import PLAN, REPORT, STORE, Timings
from dbdiff.values import encode_value, frame_rows


def run_diff(
    left: Source,
    right: Source,
    options: DiffOptions,
    *,
    progress: Progress | None = None,
    rules: RuleSet | None = None,
    workdir: str | None = None,
    on_plan: Callable[[DiffPlan], None] | None = None,
    executor: Executor | None = None,
) -> DiffResult:
    """Diff one table pair end to end and return the result (differences are data, not errors)."""
    started_at = _now()
    clock = time.perf_counter()
    planning = Timings()
    with using(executor, options.workers) as ex:
        with planning.timed(PLAN):
            left_info, right_info = ex.both(left.info, right.info)
            plan = build_plan(left, right, options, rules, executor=ex)
            if on_plan is not None:
                on_plan(plan)
        store = ResultStore(workdir, memory_limit=options.memory_limit)
        try:
            table = DiffRun(left, right, plan, options, store, progress, executor=ex).run()
            rounds = recheck_rounds(options, left, right)
            table = recheck_table(
                left, right, plan, options, store, table, prefix="t0", rounds=rounds, executor=ex
            )
        except BaseException:
            store.close()
            raise
    store.seal()  # from here on read-only, so copies in other processes can read it too
    wall = float(table.stats["timings"]["wall"]) + planning.seconds[PLAN]
    table = with_timings(table, planning, wall=wall)
    duration = time.perf_counter() - clock
    return DiffResult(
        left=left_info,
        right=right_info,
        tables=(table,),
        started_at=started_at,
        duration_s=duration,
        dbdiff_version=__version__,
        options={**options.public(), **options.recheck_public(rounds if table.recheck else 0)},
        timings={**table.stats["timings"], "wall": round(duration, 3)},
        _store=TableStore(store, {plan.left_table: ("t0", plan)}, {plan.left_table: tuple(options.mask)}),
    )


def run_validate(
    source: Source,
    options: ValidateOptions,
    *,
    progress: Progress | None = None,
    workdir: str | None = None,
    on_plan: Callable[[DiffPlan], None] | None = None,
    executor: Executor | None = None,
) -> DiffResult:
    """Run the schema and the built-in checks over one source, chunked; failures are data.

    The result is a `DiffResult` whose two sides are the same source, so every report renders it;
    its status is `identical` when every check passed and `different` when one failed.
    """
    schema = load_schema(options.schema)  # a bad schema fails before any query
    started_at = _now()
    clock = time.perf_counter()
    timings = Timings()
    rows = {"left": 0}
    with timings.timed(PLAN):
        info = source.info()
    progress = progress or NoProgress()
    with using(executor, options.workers) as ex:
        with timings.timed(PLAN):
            plan = plan_one(source, options, executor=ex)
            if on_plan is not None:
                on_plan(plan)  # e.g. a --mask typo fails here, before any row is read
        (side,) = sides_of(plan, (source,))
        store = ResultStore(workdir, memory_limit=options.memory_limit)
        try:
            suite = CheckSuite(
                plan,
                sides=("left",),
                schemas={"left": schema},
                aggregate=options.aggregate,
                sample_limit=options.sample_limit,
                prefix="t0",
            )
            work = ChunkWork(plan, (side,), suite, options.sample_limit, options.retries)
            progress.start(len(plan.chunks), plan.left_table)
            drive(work, ex, _absorber(suite, store, timings, rows), progress)
            progress.finish()
            finishing = time.perf_counter()
            nulls, null_examples = _null_key_examples(plan, side, options.sample_limit)
            validation, stats = suite.finish(
                store, rows_counted={"left": plan.rows_left}, null_keys={"left": (nulls, null_examples)}
            )
            # A validation run lists every check it ran, so reports can say how many passed.
            checks = tuple(
                {"side": s, "column": column, "check": check} for s, column, check in suite.checks_run()
            )
            validation = dataclasses.replace(validation, checks=checks)
        finally:
            store.close()
    stats = {**stats, "rows_downloaded": rows, "mode": "full", "executor": executor_name(ex)}
    table = validate_table(
        plan, suite, validation, stats, null_keys=nulls, seconds=time.perf_counter() - clock
    )
    timings.add(REPORT, time.perf_counter() - finishing)
    table = with_timings(table, timings, wall=time.perf_counter() - clock)
    shown: dict[str, Any] = {"command": "validate", "table": options.table, "key": list(plan.key_names)}
    if options.schema is not None:
        shown["schema"] = describe_schema(options.schema)
    if options.where:
        shown["where"] = options.where
    shown.update(chunk_size=options.chunk_size, sample_limit=options.sample_limit)
    return DiffResult(
        left=info,
        right=info,
        tables=(table,),
        started_at=started_at,
        duration_s=time.perf_counter() - clock,
        dbdiff_version=__version__,
        options=shown,
        timings=table.stats["timings"],
    )


def run_infer(source: Source, options: InferOptions, *, executor: Executor | None = None) -> str:
    """A starting pandera YAML schema from the data: dtypes, nullability, ranges and value sets.

    Reads every chunk once (see `Profiler` for what each column's profile becomes)."""
    with using(executor, options.workers) as ex:
        plan = plan_one(source, options, executor=ex)
        (side,) = sides_of(plan, (source,))
        profiler = Profiler(plan, max_values=options.max_values)
        store = ResultStore(memory_limit=options.memory_limit)
        try:
            work = ChunkWork(plan, (side,), profiler, retries=options.retries)
            drive(work, ex, _absorber(profiler, store), NoProgress())
        finally:
            store.close()
    nulls, _ = side.null_keys(0, side.key)
    return profiler.schema_yaml(table=options.table, source=source.url.redacted, nulls=nulls)


def _absorber(
    checks: CheckSuite | Profiler,
    store: ResultStore,
    timings: Timings | None = None,
    rows: dict[str, int] | None = None,
) -> Callable[[ChunkOutcome], None]:
    """What a one-side run does with a chunk's outcome: hand the checks' partials to the checks
    (and count its rows and seconds into `rows` and `timings`)."""

    def absorb(outcome: ChunkOutcome) -> None:
        started = time.perf_counter()
        for partial in outcome.checks:
            checks.absorb(partial, store)
        if timings is not None:
            timings.add(STORE, time.perf_counter() - started)
            timings.merge(outcome.counts.timings)
        if rows is not None:
            rows["left"] += outcome.counts.rows["left"]

    return absorb


def _null_key_examples(plan: DiffPlan, side: Side, limit: int) -> tuple[int, list[dict[str, Any]]]:
    """How many rows have a NULL key, and the keys of the first `limit`."""
    count, rows = side.null_keys(limit, side.key)
    if not count:
        return 0, []
    frame = pl.from_arrow(rows)
    assert isinstance(frame, pl.DataFrame)
    return count, [
        {p.name: encode_value(row.get(c.name)) for p, c in zip(plan.key, side.key, strict=True)}
        for row in frame_rows(frame)
    ]


def _now() -> str:
    """The start of a run as reports show it: UTC, to the second."""
    started = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    return started.isoformat().replace("+00:00", "Z")
