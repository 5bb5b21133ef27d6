"""The Python API: `dbdiff.diff(left, right, table=...)` returns a `DiffResult`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dbdiff.engine import run_diff
from dbdiff.mask import check_mask, hiding_masked_values, mask_result
from dbdiff.options import DiffOptions
from dbdiff.progress import Progress
from dbdiff.result import DiffResult
from dbdiff.sources.base import Source, open_source
from dbdiff.sources.urls import SourceURL
from dbdiff.validation import SchemaSpec

Override = str | tuple[str, Mapping[str, Any]]


def diff(
    left: str | SourceURL | Source,
    right: str | SourceURL | Source,
    *,
    table: str,
    right_table: str | None = None,
    key: str | Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    where: str | None = None,
    right_where: str | None = None,
    chunk_size: int = 100_000,
    workers: int = 4,
    sample_limit: int = 100,
    rules: Sequence[str] = (),
    column_rules: Mapping[str, Override] | None = None,
    progress: Progress | bool | None = None,
    workdir: str | None = None,
    schema: SchemaSpec = None,
    left_schema: SchemaSpec = None,
    right_schema: SchemaSpec = None,
    aggregate: Sequence[str] = (),
    mask: Sequence[str] = (),
) -> DiffResult:
    """Compare `table` in two sources and return the result; differences are data, never raised.

    `left`/`right` are URLs (mysql://, postgresql://, duckdb:///, sqlite:///, a .parquet/.csv path)
    or `Source` objects. `key` defaults to the primary key. `column_rules` overrides the rule of
    single columns: `{"amount": ("float", {"abs_tol": 0.01}), "name": "text"}`. `progress=True`
    shows a bar (tqdm.auto: a widget in notebooks, text elsewhere).

    `schema` (a pandera YAML file, a `pandera.polars.DataFrameSchema` or a `DataFrameModel`) is
    checked on every chunk of both sides, `left_schema`/`right_schema` on one side; `aggregate`
    names columns whose count, sum, min and max must agree. Failed checks are in
    `result.table().validation` (see docs/validation.md). `mask` names columns whose values the
    reports show only as keyed hashes (see `dbdiff.mask`).
    """
    keys = [key] if isinstance(key, str) else list(key or ())
    overrides = _overrides(column_rules)
    options = DiffOptions(
        table=table,
        right_table=right_table,
        key=keys,
        columns=list(columns or ()),
        exclude=list(exclude),
        where=where,
        right_where=right_where,
        chunk_size=chunk_size,
        workers=workers,
        sample_limit=sample_limit,
        rules=list(rules),
        overrides=overrides,
        schema=schema,
        left_schema=left_schema,
        right_schema=right_schema,
        aggregate=[aggregate] if isinstance(aggregate, str) else list(aggregate),
    )
    reporter = _progress(progress)
    left_source, right_source = _open("left", left), _open("right", right)
    try:
        with hiding_masked_values(mask):
            result = run_diff(
                left_source,
                right_source,
                options,
                progress=reporter,
                workdir=workdir,
                on_plan=lambda plan: check_mask(plan.all_pairs, mask),  # a typo fails before any row is read
            )
        return mask_result(result, mask)
    finally:
        # Sources the caller handed in stay open; the ones opened here are closed.
        if not isinstance(left, Source):
            left_source.close()
        if not isinstance(right, Source):
            right_source.close()


def _overrides(column_rules: Mapping[str, Override] | None) -> dict[str, tuple[str, dict[str, Any]]]:
    return {
        name: (value, {}) if isinstance(value, str) else (value[0], dict(value[1]))
        for name, value in (column_rules or {}).items()
    }


def validate(
    source: str | SourceURL | Source,
    *,
    table: str,
    schema: SchemaSpec = None,
    key: str | Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    where: str | None = None,
    chunk_size: int = 100_000,
    workers: int = 4,
    sample_limit: int = 100,
    rules: Sequence[str] = (),
    column_rules: Mapping[str, Override] | None = None,
    progress: Progress | bool | None = None,
    workdir: str | None = None,
    mask: Sequence[str] = (),
) -> DiffResult:
    """Check `table` in one source against `schema` and the built-in invariants, chunk by chunk.

    Values are normalized as in a diff (each column paired with itself). The result renders like a
    diff's; `result.table().validation` holds the failures and `result.exit_code` is 0 or 1.
    """
    from dbdiff.validation import validate_source

    opened = _open("source", source)
    try:
        with hiding_masked_values(mask):
            result = validate_source(
                opened,
                table=table,
                schema=schema,
                key=[key] if isinstance(key, str) else list(key or ()),
                columns=list(columns or ()),
                exclude=list(exclude),
                where=where,
                chunk_size=chunk_size,
                workers=workers,
                sample_limit=sample_limit,
                rules=list(rules),
                overrides=_overrides(column_rules),
                progress=_progress(progress),
                workdir=workdir,
                on_plan=lambda plan: check_mask(plan.all_pairs, mask),
            )
        return mask_result(result, mask)
    finally:
        if not isinstance(source, Source):
            opened.close()


def infer_schema(
    source: str | SourceURL | Source,
    *,
    table: str,
    key: str | Sequence[str] | None = None,
    columns: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    where: str | None = None,
    chunk_size: int = 100_000,
    workers: int = 4,
    rules: Sequence[str] = (),
    column_rules: Mapping[str, Override] | None = None,
    max_values: int = 20,
) -> str:
    """A starting pandera YAML schema for `table` (dtypes, nullability, observed ranges and value sets)."""
    from dbdiff.validation import infer_schema as infer

    opened = _open("source", source)
    try:
        return infer(
            opened,
            table=table,
            key=[key] if isinstance(key, str) else list(key or ()),
            columns=list(columns or ()),
            exclude=list(exclude),
            where=where,
            chunk_size=chunk_size,
            workers=workers,
            rules=list(rules),
            overrides=_overrides(column_rules),
            max_values=max_values,
        )
    finally:
        if not isinstance(source, Source):
            opened.close()


def _open(side: str, url: str | SourceURL | Source) -> Source:
    """The source `url` names; a URL it refuses (a query parameter, ...) is an error naming the side."""
    from dbdiff.errors import URLError

    try:
        return open_source(url)
    except URLError as exc:
        if exc.message.startswith(f"{side} URL: "):
            raise
        raise URLError(f"{side} URL: {exc.message}", hint=exc.hint) from None


def _progress(progress: Progress | bool | None) -> Progress | None:
    if progress is True:
        from dbdiff.progress import TqdmProgress

        return TqdmProgress()
    if progress in (False, None):
        return None
    assert not isinstance(progress, bool)
    return progress
