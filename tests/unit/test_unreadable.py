"""Values no rule can read are differences of kind "unreadable", found exactly in any chunking."""

from __future__ import annotations

import dataclasses

import polars as pl
import pytest

import dbdiff
from dbdiff import normalize
from dbdiff.sources.duckdb import ArrowSource


def source(frame: pl.DataFrame, key: tuple[str, ...] = ("id",)) -> ArrowSource:
    return ArrowSource({"t": frame}, primary_keys={"t": list(key)})


def run(
    left: pl.DataFrame, right: pl.DataFrame, key: tuple[str, ...] = ("id",), **kwargs
) -> dbdiff.DiffResult:
    return dbdiff.diff(source(left, key), source(right, key), table="t", **kwargs)


def unreadable_ids(result: dbdiff.DiffResult, column: str = "doc") -> dict[int, str]:
    return {
        s["key"]["id"]: s["diffs"][column]["unreadable"]
        for s in result.table().samples.changed
        if "unreadable" in s["diffs"].get(column, {})
    }


N = 200
BAD = {3, 4, 77, 150, 199}
LEFT = pl.DataFrame(
    {"id": list(range(N)), "doc": ["{oops" if i in BAD else f'{{"a": {i}}}' for i in range(N)]}
)
RIGHT = pl.DataFrame(
    {"id": list(range(N)), "doc": [None if i == 4 else "[" if i == 150 else f'{{"a":{i}}}' for i in range(N)]}
)


@pytest.mark.parametrize("chunk", [1, 7, 1000])
def test_unreadable_values_are_found_exactly_in_any_chunking(chunk):
    result = run(LEFT, RIGHT, chunk_size=chunk, column_rules={"doc": "json"})
    assert unreadable_ids(result) == {3: "left", 4: "left", 77: "left", 150: "both", 199: "left"}
    (stat,) = result.table().columns
    assert (stat.mismatches, stat.unreadable) == (5, 5)
    assert result.exit_code == 1


def test_without_a_vectorized_test_unreadable_values_are_found_by_halving(monkeypatch):
    monkeypatch.setitem(
        normalize.NORMALIZERS, "json", dataclasses.replace(normalize.NORMALIZERS["json"], readable=None)
    )
    result = run(LEFT, RIGHT, chunk_size=1000, column_rules={"doc": "json"})
    assert unreadable_ids(result) == {3: "left", 4: "left", 77: "left", 150: "both", 199: "left"}


def test_global_pairing_keeps_the_unreadable_flags():
    # ignore_case on the key pairs rows in the residual pass (DuckDB): the flags travel with them.
    left = pl.DataFrame({"id": ["A", "b"], "doc": ["{oops", "[1]"]})
    right = pl.DataFrame({"id": ["a", "B"], "doc": ["{oops", "[1]"]})
    result = run(
        left,
        right,
        key=("id",),
        chunk_size=1,
        column_rules={"id": ("text", {"ignore_case": True}), "doc": "json"},
    )
    changed = result.table().samples.changed
    assert [(s["key"]["id"], s["diffs"]["doc"]["unreadable"]) for s in changed] == [("A", "both")]


def test_invalid_utf8_bytes_read_as_text_are_unreadable():
    left = pl.DataFrame({"id": [1, 2, 3], "v": [b"ok", b"\xff\xfe", None]})
    right = pl.DataFrame({"id": [1, 2, 3], "v": ["ok", "x", None]})
    result = run(left, right, column_rules={"v": "text"})
    assert unreadable_ids(result, "v") == {2: "left"}


def test_a_key_value_no_rule_can_read_still_stops_the_run():
    from dbdiff.errors import RuleError

    left = pl.DataFrame({"id": ["1", "x"], "v": [1, 2]})
    right = pl.DataFrame({"id": ["1", "2"], "v": [1, 2]})
    with pytest.raises(RuleError, match="cannot read"):
        run(left, right, column_rules={"id": "integer"})
