"""A check defined outside dbdiff: one class and one `@register_check` line, run like a built-in.

The worked example: `max_length` fails text longer than the `max_length` a schema column's
metadata sets. Its factory returns None for a run whose schemas ask for no length (every other
test's), which is how a registered check stays off.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandera.polars as pa
import polars as pl
import pytest

import dbdiff
from dbdiff.checks import CHECKS, Check, CheckSetup, CheckSuite, Chunk, Found, register_check
from dbdiff.compare import prepare_side, split_duplicates
from dbdiff.engine import build_plan
from dbdiff.options import DiffOptions
from dbdiff.sources.duckdb import ArrowSource
from dbdiff.store import ResultStore


class MaxLength(Check):
    """Text no longer than a limit, per side and column."""

    def __init__(self, limits: dict[str, dict[str, int]]) -> None:
        self.limits = limits

    def feed(self, chunk: Chunk) -> Found:
        found = Found()
        for column, most in self.limits.get(chunk.side, {}).items():
            too_long = chunk.view.with_row_index().filter(pl.col(column).str.len_chars() > most)
            if too_long.height:
                found.failures.append(chunk.failed_rows(column, "max_length", too_long.get_column("index")))
        return found

    def checks_run(self, side: str) -> Iterable[tuple[str | None, str]]:
        return [(column, "max_length") for column in self.limits.get(side, {})]


@register_check("max_length")
def max_length(setup: CheckSetup) -> MaxLength | None:
    """On for the columns whose schema metadata sets a `max_length`."""
    limits = {}
    for side in setup.sides:
        schema = setup.schema(side)
        columns = schema.columns.items() if schema is not None else ()
        asked = {name: c.metadata["max_length"] for name, c in columns if "max_length" in (c.metadata or {})}
        if asked:
            limits[side] = asked
    return MaxLength(limits) if limits else None


SCHEMA = pa.DataFrameSchema({"name": pa.Column(pl.String, metadata={"max_length": 3})})


def names(values: list[str]) -> ArrowSource:
    frame = pl.DataFrame({"id": list(range(1, len(values) + 1)), "name": values})
    return ArrowSource({"t": frame}, primary_keys={"t": ["id"]})


def test_a_registered_check_runs_through_the_suite(tmp_path):
    left, right = names(["ann", "bobby", "cy", "dorothy"]), names(["ann", "bob", "cy", "dot"])
    plan = build_plan(left, right, DiffOptions(table="t", chunk_size=2))
    suite = CheckSuite(plan, schemas={"left": SCHEMA, "right": SCHEMA}, sample_limit=10)
    store = ResultStore(tmp_path)
    try:
        for task in plan.chunks:
            for side, source, key_range in (("left", left, task.left), ("right", right, task.right)):
                columns = [getattr(p, side) for p in plan.all_pairs]
                key = [getattr(p, side) for p in plan.key]
                arrow = source.read_chunk("t", columns, key, key_range, None)
                prepared = prepare_side(arrow, plan, side)
                partial = suite.feed(side, prepared, split_duplicates(prepared, plan, side)[1])
                suite.absorb(partial, store)
        validation, _ = suite.finish(store, rows_counted={"left": 4, "right": 4})
    finally:
        store.close()
    (failure,) = validation.failures
    assert (failure.side, failure.column, failure.check, failure.count) == ("left", "name", "max_length", 2)
    assert failure.examples == (
        {"key": {"id": 2}, "value": "bobby"},
        {"key": {"id": 4}, "value": "dorothy"},
    )
    assert ("left", "name", "max_length") in suite.checks_run()
    assert ("right", "name", "max_length") in suite.checks_run()


def test_a_registered_check_reports_like_a_built_in():
    result = dbdiff.validate(names(["ann", "bobby"]), table="t", schema=SCHEMA)
    (failure,) = result.table().validation.failures
    assert (failure.column, failure.check, failure.count) == ("name", "max_length", 1)
    assert {"side": "left", "column": "name", "check": "max_length"} in result.table().validation.checks
    assert result.exit_code == 1


def test_a_check_whose_factory_returns_none_stays_off():
    result = dbdiff.validate(names(["ann", "bobby"]), table="t")
    assert result.exit_code == 0
    assert all(c["check"] != "max_length" for c in result.table().validation.checks)


def test_a_name_is_registered_once():
    assert CHECKS["max_length"] is max_length
    with pytest.raises(ValueError, match="already registered"):
        register_check("max_length")(lambda setup: None)
