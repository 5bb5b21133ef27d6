"""Nightly reconciliation: every table a check file names, in one run, judged by its thresholds.

`run_checkfile` loads the check file, opens both sources once, lists and pairs their tables, and
plans every pair before reading a row, so a key that does not exist or a table that is gone stops
the run (exit 2, naming the table) before the long part starts. The pairs then run side by side
on one executor and one result store (`dbdiff.engine.tables`). Tables present on one side only,
and catalog differences no rule can compare, are part of the result; the thresholds turn it into
a verdict; the history store gets the run and gives back the last runs for the reports' trends.
"""

from __future__ import annotations

import contextlib
import dataclasses
import datetime as dt
import secrets
import time
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from dbdiff._version import __version__
from dbdiff.checkfile import CheckFile, TablePair, load_checkfile, resolve_tables
from dbdiff.engine.executor import Executor
from dbdiff.engine.planning import build_plan
from dbdiff.engine.tables import (
    Differences,
    TableJob,
    naming_table,
    plan_tables,
    run_tables,
    shared_executor,
    table_store,
)
from dbdiff.errors import ConfigError, DbdiffError, UsageError
from dbdiff.history import History
from dbdiff.mask import check_mask, mask_result
from dbdiff.monitor import write_prometheus, write_verdict_file
from dbdiff.options import DiffOptions
from dbdiff.plan import DiffPlan
from dbdiff.result import DiffResult, SourceInfo, TableResult
from dbdiff.sources.base import Source, opened_source
from dbdiff.store import ResultStore
from dbdiff.thresholds import judge_run, judge_table
from dbdiff.timings import summed

#: Hears the run's progress, one line at a time: the plan, then each table as it finishes.
ProgressLines = Callable[[str], None]


def run_checkfile(
    checkfile: str | Path | CheckFile,
    *,
    progress: ProgressLines | None = None,
    workdir: str | None = None,
    reports: Mapping[str, Path] = {},
    record: bool = True,
    environ: Mapping[str, str] | None = None,
) -> DiffResult:
    """Run every table of `checkfile` and return one result: per table its counts and verdict,
    for the run its verdict and (with `record`) its history, this run included.

    `reports` names the report files the caller will write (the history keeps their absolute paths).
    Errors: a bad check file or a table that cannot be planned raises a `UsageError` before any
    row is read; a table that fails while it runs is a table with status `error` in the result.
    """
    check = checkfile if isinstance(checkfile, CheckFile) else load_checkfile(checkfile, environ=environ)
    say = progress or (lambda line: None)
    started = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    clock = time.perf_counter()
    run_id = f"{started:%Y%m%dT%H%M%SZ}-{secrets.token_hex(3)}"
    opened: list[History] = []

    def open_history() -> None:
        # Once every table is planned and before any row is read: a history store it may not use
        # (one of the compared databases) stops the run early, and a run that could not be
        # planned leaves no store behind.
        if record and check.history:
            sources = (check.left_url, check.right_url)
            opened.append(History.open(check.history, sources=sources, in_source=check.history_in_source))

    try:
        with opened_source("left", check.left_url) as left, opened_source("right", check.right_url) as right:
            result = _run(check, left, right, say, workdir, open_history)
        duration = time.perf_counter() - clock
        result = dataclasses.replace(
            result,
            started_at=started.isoformat().replace("+00:00", "Z"),
            duration_s=duration,
            options={**result.options, "run_id": run_id},
            timings=summed((t.stats.get("timings") for t in result.tables), wall=duration),
        )
        for history in opened:
            history.append(result, reports={fmt: str(Path(path).absolute()) for fmt, path in reports.items()})
            entries = history.entries(last=check.history_last, name=check.name)
            result = dataclasses.replace(result, history=tuple(entries))
    finally:
        for history in opened:
            history.close()
    return result


def _run(
    check: CheckFile,
    left: Source,
    right: Source,
    say: ProgressLines,
    workdir: str | None,
    before_reading: Callable[[], None],
) -> DiffResult:
    """The run itself, over open sources: list, pair, plan every table, then read them."""
    try:
        store = ResultStore(workdir, memory_limit=check.memory_limit)
    except UsageError as exc:  # a size DuckDB cannot read
        raise ConfigError(exc.message.replace("--memory-limit", "run: memory_limit"), hint=exc.hint) from None
    try:
        with shared_executor(check.workers) as executor:
            left_info, right_info = executor.both(left.info, right.info)
            left_names, right_names = executor.both(left.list_tables, right.list_tables)
            pairs, only_left, only_right = resolve_tables(check, left_names, right_names)
            clock = time.perf_counter()
            jobs = plan_tables(
                left,
                right,
                [_options(pair) for pair in pairs],
                executor,
                planner=plan_for_run,
                at_a_time=check.tables_at_once,
            )
            _check_masks(jobs)
            before_reading()
            one_side = [*only_left, *only_right]
            say(
                f"planned {len(jobs)} table pair{'s' if len(jobs) != 1 else ''}"
                + (f" and {len(one_side)} on one side only" if one_side else "")
                + f" in {time.perf_counter() - clock:.1f} s"
            )
            judged: dict[str, TableResult] = {}
            counter = iter(range(1, len(jobs) + 1))

            def done(table: TableResult) -> None:
                job = next(j for j in jobs if j.name == table.left_table)
                table = _judged(_masked(table, job), job.options, check, pairs)
                judged[table.left_table] = table
                say(f"[{next(counter)}/{len(jobs)}] {_line(table)}")

            run_tables(left, right, jobs, executor, store, at_a_time=check.tables_at_once, on_table=done)
    except BaseException:
        store.close()
        raise
    store.seal()
    tables = [judged[job.name] for job in jobs]
    for side, names in (("left", only_left), ("right", only_right)):
        for name in names:
            table = TableResult(name, name, key=(), status="different", only_on=side)
            # A one-side table is judged by its own entry, never by a pair's that shares its name.
            limits = check.thresholds_for(name, None) if side == "left" else check.thresholds_for(None, name)
            table = dataclasses.replace(table, verdict=judge_table(table, limits))
            say(_line(table))
            tables.append(table)
    return DiffResult(
        left=left_info,
        right=right_info,
        tables=tuple(tables),
        started_at="",
        duration_s=0.0,
        dbdiff_version=__version__,
        options={
            "command": "run",
            "checkfile": str(check.path),
            "checkfile_name": check.name,
            "checkfile_sha256": check.sha256,
            "tables": [t.left_table for t in tables],
            "tables_at_once": check.tables_at_once,
            "workers": check.workers,
        },
        verdict=judge_run(tables, check.run_thresholds),
        _store=table_store(store, jobs),
    )


def plan_for_run(
    left: Source, right: Source, options: DiffOptions, executor: Executor
) -> tuple[DiffPlan, Differences]:
    """A table pair's plan for a run: a column pair no rule compares is left out instead of stopping
    the table, and it and the catalogs' other differences (nullability, primary keys) are listed in
    `plan.differences`, which the table's result reports."""
    return build_plan(left, right, options, executor=executor, uncovered="skip", catalog=True), ()


def write_monitors(
    result: DiffResult, *, verdict_file: Path | None, prometheus: Path | None, strict: bool = False
) -> None:
    """The files a cutover's monitors read: the tiny verdict JSON, the Prometheus textfile (both
    with the exit code the run ends with, `--strict` included)."""
    if verdict_file is not None:
        write_verdict_file(result, verdict_file, strict=strict)
    if prometheus is not None:
        write_prometheus(result, prometheus, strict=strict)


@contextlib.contextmanager
def verdict_on_failure(path: Path | None, hide: Callable[[str], str]) -> Iterator[None]:
    """Around a run: when it ends without a result, its verdict file says so (`write_failed_verdict`);
    `hide` takes the passwords out of the error's words. (Ctrl-C: the CLI's `handle_errors`.)"""
    try:
        yield
    except Exception as exc:
        if path is not None:
            write_failed_verdict(path, hide(str(exc)), exc.exit_code if isinstance(exc, DbdiffError) else 3)
        raise


def write_failed_verdict(path: Path, error: str, exit_code: int) -> None:
    """The verdict file of a run that ended without a result (a bad check file, a server gone):
    {"verdict": null, "exit_code", "status": "error", "error"}, written atomically, so that a
    rollback script never acts on the verdict of an earlier run."""
    import json
    import os

    data = {"verdict": None, "exit_code": exit_code, "status": "error", "error": error}
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(4)}.tmp")
    try:
        temporary.write_text(json.dumps(data, indent=2) + "\n", encoding="utf-8")
        os.replace(temporary, path)
    except OSError as exc:
        temporary.unlink(missing_ok=True)
        raise ConfigError(f"cannot write the verdict file {str(path)!r}: {exc.strerror or exc}") from None


def _check_masks(jobs: list[TableJob]) -> None:
    """A `mask` naming a column a table does not have is an error naming the table, before reading."""
    for job in jobs:
        if job.plan is not None and job.options.mask:
            try:
                check_mask(job.plan.all_pairs, job.options.mask)
            except UsageError as exc:
                raise naming_table(exc, job.name) from None


def _options(pair: TablePair) -> DiffOptions:
    """A table pair's diff options: the check file's defaults and the table's own."""
    keywords: dict[str, Any] = dict(pair.entry.options)
    rules = keywords.get("column_rules")
    if isinstance(rules, Mapping):  # the CLI's form is welcome too: {amount: "float:abs_tol=0.01"}
        from dbdiff.rules import parse_override

        keywords["column_rules"] = {
            column: parse_override(f"{column}={rule}")[1] if isinstance(rule, str) else rule
            for column, rule in rules.items()
        }
    try:
        return DiffOptions.from_keywords({**keywords, "table": pair.left, "right_table": pair.right})
    except UsageError as exc:
        raise naming_table(exc, pair.left) from None


def _masked(table: TableResult, job: TableJob) -> TableResult:
    """The table with its `mask` columns shown only as keyed hashes."""
    if not job.options.mask or table.status == "error":
        return table
    one = DiffResult(
        left=_NO_SOURCE, right=_NO_SOURCE, tables=(table,), started_at="", duration_s=0, dbdiff_version=""
    )
    return mask_result(one, job.options.mask).tables[0]


def _judged(
    table: TableResult, options: DiffOptions, check: CheckFile, pairs: list[TablePair]
) -> TableResult:
    """The table with the verdict of its own thresholds."""
    entry = next(p.entry for p in pairs if p.left == options.table)
    return dataclasses.replace(table, verdict=judge_table(table, entry.thresholds))


def _line(table: TableResult) -> str:
    """A table's progress line: what it is, its verdict and, in brief, why."""
    verdict = ""
    if table.verdict is not None:
        # Why, in brief: the breaches of the verdict's own level ("schema 1 > 0").
        why = [
            f"{b.metric} {b.value:g} > {b.limit}"
            for b in table.verdict.breaches
            if b.level == table.verdict.level and b.metric != "error"
        ]
        verdict = f", verdict {table.verdict.level}" + (f" [{', '.join(why)}]" if why else "")
    if table.status == "error":
        return f"{table.left_table}: error{verdict}: {table.error}"
    if table.only_on is not None:
        return f"{table.left_table}: on the {table.only_on} side only{verdict}"
    s = table.summary
    counts = (
        f"rows {s.rows_left:,}/{s.rows_right:,}, changed {s.changed:,}, "
        f"only left {s.only_left:,}, only right {s.only_right:,}"
    )
    seconds = table.stats.get("seconds")
    took = f" in {seconds:.2f} s" if isinstance(seconds, (int, float)) else ""
    return f"{table.left_table}: {table.status}{verdict} ({counts}){took}"


_NO_SOURCE = SourceInfo(url="", dialect="")
