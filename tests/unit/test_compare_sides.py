"""`compare_sides` (join on normalized key and values, raw values gathered afterwards) against a
ground truth computed row by row in Python, on chunks with duplicate keys, unreadable values,
NULLs, multi-column keys and every row differing."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

import dbdiff.compare as compare_module
from dbdiff.compare import compare_sides, drop_keys, prepare_side, split_duplicates
from dbdiff.engine import build_plan
from dbdiff.options import DiffOptions
from dbdiff.samples import changed_samples
from dbdiff.sources.duckdb import ArrowSource

DOCS = [
    *('{"a":1}', '{"a":1.0}', '{"a":2}', '{"a":1,"a":2}'),
    *("[1,2]", "[2,1]", "[true]", "[1]"),
    *("{bad", "", None),
]
ROW = st.tuples(
    st.integers(0, 2),  # key part 1
    st.integers(-2, 2),  # key part 2
    st.one_of(st.none(), st.integers(-1, 1)),
    st.one_of(st.none(), st.sampled_from(["x", "y", "x "])),
    st.sampled_from(DOCS),
)


SCHEMA = {"k1": pl.Int64, "k2": pl.Int64, "a": pl.Int64, "b": pl.String, "doc": pl.String}


def _frame(rows: list[tuple[Any, ...]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=SCHEMA, orient="row")


PLAN = build_plan(
    ArrowSource({"t": _frame([])}, primary_keys={"t": ["k1", "k2"]}),
    ArrowSource({"t": _frame([])}, primary_keys={"t": ["k1", "k2"]}),
    DiffOptions.from_keywords({"table": "t", "column_rules": {"doc": "json"}}),
)


def _doc(text: str | None) -> tuple[str, Any]:
    """A JSON document's value (numbers exact), or ("bad", text) when it is no JSON."""
    if text is None:
        return ("null", None)
    try:
        return ("ok", _typed(json.loads(text, parse_float=Decimal, parse_int=Decimal)))
    except ValueError:
        return ("bad", text)


def _typed(value: Any) -> Any:
    """Numbers as exact decimals (Decimal equality is exact), every type tagged (True is no 1)."""
    if isinstance(value, bool) or value is None:
        return ("lit", value)
    if isinstance(value, (Decimal, str)):
        return (type(value).__name__, value)
    if isinstance(value, list):
        return ("arr", tuple(_typed(v) for v in value))
    return ("obj", tuple(sorted((k, _typed(v)) for k, v in value.items())))


def _differs(left: tuple[Any, ...], right: tuple[Any, ...]) -> set[str]:
    found = {name for name, x, y in (("a", left[2], right[2]), ("b", left[3], right[3])) if x != y}
    dl, dr = _doc(left[4]), _doc(right[4])
    if dl[0] == "bad" or dr[0] == "bad" or dl != dr:  # an unreadable value equals nothing
        found.add("doc")
    return found


@pytest.mark.parametrize("pairwise", [False, True], ids=["normalized", "in-pairs"])
@settings(max_examples=40, deadline=None)
@given(st.lists(ROW, max_size=12), st.lists(ROW, max_size=12))
@example(  # Python holds True == 1: decoded values alone would call these two equal
    left_rows=[(0, 0, 1, "x", "[true]"), (0, 1, 1, "x", '{"a":1}'), (1, 0, None, None, "{bad")],
    right_rows=[(0, 0, 1, "x", "[1]"), (0, 1, 1, "x", '{"a":1.0}'), (1, 0, None, None, "{bad")],
)
def test_compare_sides_agrees_with_a_row_by_row_ground_truth(pairwise, left_rows, right_rows):
    """Either way: every value normalized when prepared, or the JSON column left raw and its
    paired rows compared in pairs (`known_equal`, the rest normalized)."""
    plan = PLAN
    sides = {
        side: prepare_side(_frame(rows), plan, side, unreadable=True, pairwise=pairwise)
        for side, rows in (("left", left_rows), ("right", right_rows))
    }
    lu, ld = split_duplicates(sides["left"], plan, "left")
    ru, rd = split_duplicates(sides["right"], plan, "right")
    found = compare_sides(drop_keys(lu, rd, plan), drop_keys(ru, ld, plan), plan)

    def by_key(rows: list[tuple[Any, ...]]) -> dict[tuple[int, int], list[tuple[Any, ...]]]:
        grouped: dict[tuple[int, int], list[tuple[Any, ...]]] = {}
        for row in rows:
            grouped.setdefault((row[0], row[1]), []).append(row)
        return grouped

    lk, rk = by_key(left_rows), by_key(right_rows)
    duplicated = {k for k, rows in [*lk.items(), *rk.items()] if len(rows) > 1}
    both = (lk.keys() & rk.keys()) - duplicated
    changed = {k: _differs(lk[k][0], rk[k][0]) for k in both}
    changed = {k: v for k, v in changed.items() if v}
    assert found.matched == len(both)
    assert set(ld.select("rk0", "rk1").rows()) | set(rd.select("rk0", "rk1").rows()) == duplicated
    assert set(found.only_left.select("rk0_l", "rk1_l").rows()) == lk.keys() - rk.keys() - duplicated
    assert set(found.only_right.select("rk0_r", "rk1_r").rows()) == rk.keys() - lk.keys() - duplicated
    names = [p.name for p in plan.columns]
    assert found.mismatches == [sum(n in v for v in changed.values()) for n in names], (
        found.mismatches,
        changed,
        names,
    )
    samples = changed_samples(found.changed, plan)
    assert {(s["key"]["k1"], s["key"]["k2"]): set(s["diffs"]) for s in samples} == changed
    for s in samples:  # the raw values gathered afterwards belong to this very key
        k = (s["key"]["k1"], s["key"]["k2"])
        index = {"a": 2, "b": 3, "doc": 4}
        for name, diff in s["diffs"].items():
            assert (diff["left"], diff["right"]) == (lk[k][0][index[name]], rk[k][0][index[name]])
    # One-sided rows carry their own raw values.
    for frame, rows, sfx in ((found.only_left, lk, "_l"), (found.only_right, rk, "_r")):
        for row in frame.iter_rows(named=True):
            raw = rows[(row[f"rk0{sfx}"], row[f"rk1{sfx}"])][0]
            assert [row[f"r{j}{sfx}"] for j in range(3)] == [raw[2], raw[3], raw[4]]


ONE_KEY_PLAN = build_plan(
    ArrowSource({"t": pl.DataFrame(schema={"id": pl.Int64, "v": pl.Int64})}, primary_keys={"t": ["id"]}),
    ArrowSource({"t": pl.DataFrame(schema={"id": pl.Int64, "v": pl.Int64})}, primary_keys={"t": ["id"]}),
    DiffOptions.from_keywords({"table": "t"}),
)


@settings(max_examples=200, deadline=None)
@given(st.lists(st.integers(-3, 30), max_size=40), st.booleans())
def test_split_duplicates_finds_every_duplicate_in_key_order_or_not(ids, in_order):
    """A chunk in key order skips the hashing of its keys: in order or not, with or without
    neighbours that repeat, the unique rows and the duplicated keys are the same."""
    ids = sorted(ids) if in_order else ids
    frame = pl.DataFrame({"id": ids, "v": list(range(len(ids)))}, schema={"id": pl.Int64, "v": pl.Int64})
    prepared = prepare_side(frame, ONE_KEY_PLAN, "left", unreadable=True)
    unique, dups = split_duplicates(prepared, ONE_KEY_PLAN, "left")
    counts = {i: ids.count(i) for i in ids}
    assert sorted(unique.get_column("rk0_l").to_list()) == sorted(i for i in ids if counts[i] == 1)
    assert dict(dups.select("rk0", "count").rows()) == {i: n for i, n in counts.items() if n > 1}
    assert dups.columns == ["k0", "count", "rk0"]


ALIGN_SCHEMA = {"id": pl.Int64, "a": pl.Int64, "doc": pl.String}
ALIGN_PLAN = build_plan(
    ArrowSource({"t": pl.DataFrame(schema=ALIGN_SCHEMA)}, primary_keys={"t": ["id"]}),
    ArrowSource({"t": pl.DataFrame(schema=ALIGN_SCHEMA)}, primary_keys={"t": ["id"]}),
    DiffOptions.from_keywords({"table": "t", "column_rules": {"doc": "json"}}),
)
ALIGN_ROW = st.tuples(st.one_of(st.none(), st.integers(-1, 1)), st.sampled_from(DOCS))


def _evaluated_rows(found: Any) -> dict[str, Any]:
    return {
        "matched": found.matched,
        "mismatches": found.mismatches,
        "unreadable": found.unreadable,
        "changed": sorted(found.changed.rows(), key=repr),
        "only_left": sorted(found.only_left.rows(), key=repr),
        "only_right": sorted(found.only_right.rows(), key=repr),
    }


@settings(max_examples=150, deadline=None)
@given(
    st.dictionaries(st.integers(-5, 40), ALIGN_ROW, max_size=30),
    st.dictionaries(st.integers(-5, 40), ALIGN_ROW, max_size=30),
    st.booleans(),
    st.booleans(),
)
def test_chunks_in_key_order_pair_without_a_join_as_the_join_pairs_them(left, right, shuffle, same_keys):
    """One integer key, read in key order: the chunks pair by position (`_aligned`), with every key
    shared or some on one side only; out of order they take the join. Both give the same result."""
    if same_keys:
        right = {k: right.get(k, v) for k, v in left.items()}

    def frame(rows: dict[int, tuple[Any, ...]]) -> pl.DataFrame:
        ordered = sorted(rows.items(), reverse=shuffle)
        return pl.DataFrame([(k, *v) for k, v in ordered], schema=ALIGN_SCHEMA, orient="row")

    sides = {
        side: prepare_side(frame(rows), ALIGN_PLAN, side, unreadable=True)
        for side, rows in (("left", left), ("right", right))
    }
    found = compare_sides(sides["left"], sides["right"], ALIGN_PLAN)
    original = compare_module._aligned
    compare_module._aligned = lambda *args: None
    try:
        joined = compare_sides(sides["left"], sides["right"], ALIGN_PLAN)
    finally:
        compare_module._aligned = original
    assert _evaluated_rows(found) == _evaluated_rows(joined)
    assert found.matched == len(left.keys() & right.keys())
    assert sorted(found.only_left.get_column("rk0_l")) == sorted(left.keys() - right.keys())
