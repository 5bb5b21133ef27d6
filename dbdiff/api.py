"""The Python API: `dbdiff.diff(left, right, table=...)` returns a `DiffResult`."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from dbdiff.engine import DiffOptions, Progress, run_diff
from dbdiff.result import DiffResult
from dbdiff.sources.base import Source, open_source
from dbdiff.sources.urls import SourceURL

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
) -> DiffResult:
    """Compare `table` in two sources and return the result; differences are data, never raised.

    `left`/`right` are URLs (mysql://, postgresql://, duckdb:///, sqlite:///, a .parquet/.csv path)
    or `Source` objects. `key` defaults to the primary key. `column_rules` overrides the rule of
    single columns: `{"amount": ("float", {"abs_tol": 0.01}), "name": "text"}`. `progress=True`
    shows a bar (tqdm.auto: a widget in notebooks, text elsewhere).
    """
    keys = [key] if isinstance(key, str) else list(key or ())
    overrides = {
        name: (value, {}) if isinstance(value, str) else (value[0], dict(value[1]))
        for name, value in (column_rules or {}).items()
    }
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
    )
    reporter = _progress(progress)
    left_source, right_source = open_source(left), open_source(right)
    try:
        return run_diff(left_source, right_source, options, progress=reporter, workdir=workdir)
    finally:
        # Sources the caller handed in stay open; the ones opened here are closed.
        if not isinstance(left, Source):
            left_source.close()
        if not isinstance(right, Source):
            right_source.close()


def _progress(progress: Progress | bool | None) -> Progress | None:
    if progress is True:
        from dbdiff.progress import TqdmProgress

        return TqdmProgress()
    if progress in (False, None):
        return None
    assert not isinstance(progress, bool)
    return progress
