"""Many table pairs in one run (`dbdiff run`): every table planned first, then read side by side.

Planning reads only metadata, so a bad key or a missing table stops the run (a usage error naming
the table) before any row is read. Then `tables_at_once` tables run at a time on ONE executor,
whose `workers` chunk threads they share, and write ONE result store (each table under its own
prefix, t0, t1, ...), so a run of fifty tables holds no more chunks in memory than a diff of one.
A table that fails while it runs becomes a table with status `error`; the others go on.
"""

from __future__ import annotations

import copy
import dataclasses
import threading
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dbdiff.engine.assemble import TableStore
from dbdiff.engine.executor import Executor, SharedExecutor, at_once
from dbdiff.engine.planning import build_plan
from dbdiff.engine.recheck import recheck_rounds, recheck_table
from dbdiff.engine.runner import DiffRun, with_timings
from dbdiff.errors import DbdiffError, UsageError, scrub
from dbdiff.options import DiffOptions
from dbdiff.plan import DiffPlan
from dbdiff.result import TableResult
from dbdiff.sources.base import Source
from dbdiff.store import ResultStore
from dbdiff.timings import PLAN, Timings

#: What a run's catalog comparison found for one table: {"kind", "column", "left", "right", "message"}.
Differences = tuple[dict[str, Any], ...]
#: Plans one table pair: (left, right, options, executor) -> (plan, catalog differences).
Planner = Callable[[Source, Source, DiffOptions, Executor], tuple[DiffPlan, Differences]]


def plain_planner(
    left: Source, right: Source, options: DiffOptions, executor: Executor
) -> tuple[DiffPlan, Differences]:
    """The plan a diff makes, with no catalog differences beyond its columns on one side."""
    return build_plan(left, right, options, executor=executor), ()


@dataclass(frozen=True)
class TableJob:
    """One table pair of a run once planned: its options, its plan (None when planning broke
    at run time), the catalog differences, and the store prefix its rows go under."""

    options: DiffOptions
    prefix: str
    plan: DiffPlan | None = None
    differences: Differences = ()
    error: str | None = None
    #: The seconds planning it took (its `stats.timings.plan`).
    plan_seconds: float = 0.0

    @property
    def name(self) -> str:
        return self.options.table


def plan_tables(
    left: Source,
    right: Source,
    tables: Sequence[DiffOptions],
    executor: Executor,
    *,
    planner: Planner = plain_planner,
    at_a_time: int = 2,
) -> list[TableJob]:
    """Plan every table pair (`at_a_time` side by side), before any row of any of them is read.

    A usage error (a key column that does not exist, a table gone, a `where` a side refuses)
    is raised naming the table: the run stops. A runtime failure (a lost connection) makes that
    table's job an error, reported with the others' results."""

    def plan(item: tuple[int, DiffOptions]) -> TableJob | UsageError:
        index, options = item
        started = time.perf_counter()
        try:
            made, differences = planner(left, right, options, executor)
        except UsageError as exc:
            return naming_table(exc, options.table)
        except Exception as exc:
            return TableJob(options, f"t{index}", error=error_text(exc, (left, right)))
        return TableJob(options, f"t{index}", made, differences, plan_seconds=time.perf_counter() - started)

    jobs = at_once(plan, list(enumerate(tables)), at_a_time)
    for job in jobs:  # the first table in the file's order that cannot run stops the run
        if isinstance(job, UsageError):
            raise job
    return [job for job in jobs if isinstance(job, TableJob)]


def run_tables(
    left: Source,
    right: Source,
    jobs: Sequence[TableJob],
    executor: Executor,
    store: ResultStore,
    *,
    at_a_time: int = 2,
    on_table: Callable[[TableResult], None] | None = None,
) -> list[TableResult]:
    """Diff every planned job, `at_a_time` tables at once, into `store`; results in the jobs' order.

    `on_table` hears of each table as it finishes (progress lines, verdicts as they come)."""
    lock = threading.Lock()

    def run(job: TableJob) -> TableResult:
        table = run_one(left, right, job, executor, store)
        if on_table is not None:
            with lock:  # one line at a time
                on_table(table)
        return table

    return at_once(run, list(jobs), at_a_time)


def run_one(
    left: Source, right: Source, job: TableJob, executor: Executor, store: ResultStore
) -> TableResult:
    """One job's table result; a failure while it runs is the table's `error`, not the run's."""
    right_name = job.options.right_table or job.options.table
    if job.plan is None:
        return TableResult(job.name, right_name, key=tuple(job.options.key), status="error", error=job.error)
    try:
        table = DiffRun(
            left, right, job.plan, job.options, store, store_prefix=job.prefix, executor=executor
        ).run()
        rounds = recheck_rounds(job.options, left, right)
        table = recheck_table(
            left,
            right,
            job.plan,
            job.options,
            store,
            table,
            prefix=job.prefix,
            rounds=rounds,
            executor=executor,
        )
    except Exception as exc:
        return TableResult(
            job.plan.left_table,
            job.plan.right_table,
            key=job.plan.key_names,
            status="error",
            error=error_text(exc, (left, right)),
        )
    planning = Timings({PLAN: job.plan_seconds})
    table = with_timings(table, planning, wall=table.stats["timings"]["wall"] + job.plan_seconds)
    # Catalog differences (a column no rule compares, left out; a nullability or a primary key
    # that drifted) are differences of the table, even when every compared row agrees.
    differences = (*table.schema.differences, *job.differences)
    if not differences:
        return table
    schema = dataclasses.replace(table.schema, differences=differences)
    status = "different" if table.status == "identical" else table.status
    return dataclasses.replace(table, schema=schema, status=status)


def table_store(store: ResultStore, jobs: Sequence[TableJob]) -> TableStore:
    """How the run's result reads every table's rows back (`result.changed("orders")`)."""
    tables: Mapping[str, tuple[str, DiffPlan]] = {
        job.plan.left_table: (job.prefix, job.plan) for job in jobs if job.plan is not None
    }
    masked = {job.plan.left_table: tuple(job.options.mask) for job in jobs if job.plan is not None}
    return TableStore(store, tables, masked)


def shared_executor(workers: int) -> SharedExecutor:
    """The run's one executor: `workers` chunks in flight across every table."""
    return SharedExecutor(workers)


def naming_table(exc: UsageError, table: str) -> UsageError:
    """The same error, saying which table of the run it is about."""
    named = copy.copy(exc)
    named.message = f"table {table!r}: {exc.message}"
    named.args = (named.message,)
    named._templates = None
    return named


def error_text(exc: Exception, sources: Sequence[Source]) -> str:
    """A table's error as its result shows it: one line, never a password."""
    secrets = tuple(s for source in sources for s in source.secrets)
    text = str(exc) if isinstance(exc, DbdiffError) else f"internal error ({type(exc).__name__}): {exc}"
    return " ".join(scrub(text, secrets).split())[:500]
