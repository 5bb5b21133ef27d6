"""The Python API: `dbdiff.diff(left, right, table=...)` returns a `DiffResult`.

The keyword options of `diff`, `validate` and `infer_schema` are the fields of `DiffOptions`,
`ValidateOptions` and `InferOptions` (dbdiff.options), where each is declared and checked once;
`diff_with`, `validate_with` and `infer_with` take such an options object directly (the CLI does).
Reports are written with `dbdiff.report.write(result, fmt, path)`.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dbdiff.engine import run_diff, run_infer, run_validate
from dbdiff.errors import UsageError
from dbdiff.mask import check_mask, hiding_masked_values, mask_result
from dbdiff.options import DiffOptions, InferOptions, ValidateOptions, takes_options
from dbdiff.plan import DiffPlan
from dbdiff.progress import Progress
from dbdiff.result import DiffResult
from dbdiff.sources.base import Source, opened_source
from dbdiff.sources.urls import SourceURL

if TYPE_CHECKING:
    import polars as pl

SourceLike = str | SourceURL | Source


@takes_options(DiffOptions)
def diff(
    left: SourceLike,
    right: SourceLike,
    *,
    progress: Progress | bool | None = None,
    workdir: str | None = None,
    **options: Any,
) -> DiffResult:
    """Compare `table` in two sources and return the result; differences are data, never raised.

    `left`/`right` are URLs (mysql://, postgresql://, duckdb:///, sqlite:///, a .parquet/.csv path)
    or `Source` objects. `key` defaults to the primary key. `column_rules` overrides the rule of
    single columns: `{"amount": ("float", {"abs_tol": 0.01}), "name": "text"}`. `progress=True`
    shows a bar (tqdm.auto: a widget in notebooks, text elsewhere).

    `schema` (a pandera YAML file, a `pandera.polars.DataFrameSchema` or a `DataFrameModel`) is
    checked on every chunk of both sides, `left_schema`/`right_schema` on one side; `aggregate`
    names columns whose count, sum, min and max must agree. `map` pairs columns renamed on the way
    (`{"UnitPrice": "unit_price"}`), and `match_names` says which names pair by themselves:
    "exact", "case" (the default: also names differing only in case) or "convention" (also
    UnitPrice with unit_price). Failed checks are in
    `result.table().validation` (see docs/validation.md). `mask` names columns whose values the
    reports show only as keyed hashes (see `dbdiff.mask`).
    """
    return diff_with(
        left, right, DiffOptions.from_keywords(options), progress=_progress(progress), workdir=workdir
    )


def diff_with(
    left: SourceLike,
    right: SourceLike,
    options: DiffOptions,
    *,
    progress: Progress | None = None,
    workdir: str | None = None,
) -> DiffResult:
    """`diff` with its options already built."""
    with opened_source("left", left) as left_source, opened_source("right", right) as right_source:
        return _masked(
            options.mask,
            lambda on_plan: run_diff(
                left_source, right_source, options, progress=progress, workdir=workdir, on_plan=on_plan
            ),
        )


@takes_options(ValidateOptions)
def validate(
    source: SourceLike,
    *,
    progress: Progress | bool | None = None,
    workdir: str | None = None,
    **options: Any,
) -> DiffResult:
    """Check `table` in one source against `schema` and the built-in invariants, chunk by chunk.

    Values are normalized as in a diff (each column paired with itself). The result renders like a
    diff's; `result.table().validation` holds the failures and `result.exit_code` is 0 or 1.
    """
    return validate_with(
        source, ValidateOptions.from_keywords(options), progress=_progress(progress), workdir=workdir
    )


def validate_with(
    source: SourceLike,
    options: ValidateOptions,
    *,
    progress: Progress | None = None,
    workdir: str | None = None,
) -> DiffResult:
    """`validate` with its options already built."""
    with opened_source("source", source) as opened:
        return _masked(
            options.mask,
            lambda on_plan: run_validate(
                opened, options, progress=progress, workdir=workdir, on_plan=on_plan
            ),
        )


@takes_options(InferOptions)
def infer_schema(source: SourceLike, **options: Any) -> str:
    """A starting pandera YAML schema for `table` (dtypes, nullability, observed ranges and value sets)."""
    return infer_with(source, InferOptions.from_keywords(options))


def infer_with(source: SourceLike, options: InferOptions) -> str:
    """`infer_schema` with its options already built."""
    with opened_source("source", source) as opened:
        return run_infer(opened, options)


def history(
    checkfile: str | Path = "dbdiff.yaml", *, table: str | None = None, last: int | None = None
) -> pl.DataFrame:
    """The runs a check file recorded, one row per run and table, oldest first (a polars DataFrame).

    Reads only the history store (the check file's `history:`, by default the DuckDB file beside it;
    a store's own path or URL works too), never the compared databases. `table` keeps the runs that
    checked it, `last` the newest `last` runs. Through a check file, only the runs of its `name`
    (a shared store holds other check files' runs too); a store's own path or URL reads every run.
    Columns: run_id, started_at (UTC), duration_s, verdict, status, checkfile_name, checkfile_sha256,
    table, right_table, table_verdict, table_status, only_on,
    every summary count, unreadable and error.
    """
    from dbdiff.history import History, history_location

    if last is not None and (isinstance(last, bool) or not isinstance(last, int) or last < 1):
        raise UsageError(f"last must be a whole number of runs >= 1, not {last!r}")
    where = history_location(checkfile)
    with History.open(where.target, create=False) as store:
        return store.frame(last=last, table=table, name=where.name)


def run(
    checkfile: str | Path = "dbdiff.yaml",
    *,
    progress: bool | Callable[[str], None] | None = None,
    workdir: str | None = None,
    record: bool = True,
) -> DiffResult:
    """Diff every table of a check file and judge the run by its thresholds (`dbdiff run`).

    The result holds every table (`result.table("orders")`, `result.changed("orders")`), the
    verdict of each and of the run (`result.verdict`), and the last runs of the check file
    (`result.history`, this one included) unless `record=False`. `progress=True` prints a line per
    table on stderr; a function receives those lines instead.
    """
    from dbdiff.reconcile import run_checkfile

    if progress is True:
        import sys

        def say(line: str) -> None:
            sys.stderr.write(f"dbdiff: {line}\n")

        return run_checkfile(checkfile, progress=say, workdir=workdir, record=record)
    return run_checkfile(checkfile, progress=progress or None, workdir=workdir, record=record)


def _masked(mask: Any, run: Callable[[Callable[[DiffPlan], None]], DiffResult]) -> DiffResult:
    """`run(on_plan)` with the `mask` columns hidden: a misspelt one fails once the plan is made,
    before any row is read; values quoted by errors and logs are hidden while it runs."""
    with hiding_masked_values(mask):
        result = run(lambda plan: check_mask(plan.all_pairs, mask))
    return mask_result(result, mask)


def _progress(progress: Progress | bool | None) -> Progress | None:
    if progress is True:
        from dbdiff.progress import TqdmProgress

        return TqdmProgress()
    if progress in (False, None):
        return None
    assert not isinstance(progress, bool)
    return progress
