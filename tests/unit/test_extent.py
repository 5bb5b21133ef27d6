"""Chunks of a whole-number key cut from its extent and estimates (`dbdiff.engine.extent`), on
in-memory sources whose estimates are exact, rough or missing."""

from __future__ import annotations

import pyarrow as pa
import pytest

import dbdiff
from dbdiff.engine.extent import TOO_BIG
from dbdiff.engine.planning import build_plan
from dbdiff.options import DiffOptions
from dbdiff.sources.duckdb import ArrowSource


class Estimating(ArrowSource):
    """An in-memory table that answers `key_extent` and `estimate_rows` like a server would:
    from its index, with estimates off by `factor`."""

    def __init__(self, ids: list[int], factor: float = 1.0, **kwargs) -> None:
        rows = {"id": pa.array(ids, pa.int64()), "v": pa.array([i % 7 for i in ids], pa.int64())}
        super().__init__({"t": pa.table(rows)}, {"t": ["id"]}, **kwargs)
        self.ids = sorted(ids)
        self.factor = factor
        self.estimates = 0

    def key_extent(self, table, key):
        return (self.ids[0], self.ids[-1]) if self.ids else (None, None)

    def estimate_rows(self, table, key, lower, upper):
        self.estimates += 1
        return max(1, round(sum(lower <= i < upper for i in self.ids) * self.factor))


def chunk_rows(plan, ids):
    """Rows of `ids` in each of the plan's chunks (both sides share them)."""
    counts = []
    for task in plan.chunks:
        low = task.left.lower[0] if task.left.lower else None
        high = task.left.upper[0] if task.left.upper else None
        counts.append(sum((low is None or i >= low) and (high is None or i < high) for i in ids))
    return counts


@pytest.mark.parametrize(
    "ids",
    [
        list(range(1, 2001)),  # dense
        list(range(1, 301)) + list(range(10**15, 10**15 + 1700)),  # two clusters far apart
        [2**62 + 3 * i for i in range(1500)] + [-(2**62)],  # one key far below the rest
        list(range(-1000, 1000, 3)),
    ],
)
def test_chunks_cover_every_key_and_stay_near_a_chunk(ids):
    left, right = Estimating(ids), Estimating([*ids[:-5], max(ids) + 1])
    plan = build_plan(left, right, DiffOptions(table="t", chunk_size=100))
    assert plan.rows_estimated
    counts = chunk_rows(plan, ids)
    assert sum(counts) == len(ids)  # every key in exactly one chunk
    assert max(counts) <= 100 * TOO_BIG
    result = dbdiff.diff(left, right, table="t", chunk_size=100)
    s = result.tables[0].summary
    assert (s.rows_left, s.rows_right, s.only_left, s.only_right, s.changed) == (
        len(ids),
        len(ids) - 4,
        5,
        1,
        0,
    )


def test_rough_estimates_cost_chunk_size_never_rows():
    ids = list(range(1, 5001))
    for factor in (0.3, 3.0):
        left, right = Estimating(ids, factor), Estimating(ids, factor)
        plan = build_plan(left, right, DiffOptions(table="t", chunk_size=200))
        assert sum(chunk_rows(plan, ids)) == len(ids)
        assert dbdiff.diff(left, right, table="t", chunk_size=200).tables[0].summary.matched == len(ids)


def test_empty_tables_are_one_chunk():
    left, right = Estimating([]), Estimating([])
    plan = build_plan(left, right, DiffOptions(table="t", chunk_size=10))
    assert len(plan.chunks) == 1 and plan.rows_left == plan.rows_right == 0


def test_one_side_empty():
    ids = list(range(1, 1001))
    left, right = Estimating(ids), Estimating([])
    plan = build_plan(left, right, DiffOptions(table="t", chunk_size=100))
    assert sum(chunk_rows(plan, ids)) == len(ids) and max(chunk_rows(plan, ids)) <= 100 * TOO_BIG
    assert dbdiff.diff(left, right, table="t", chunk_size=100).tables[0].summary.only_left == 1000


def test_without_estimates_the_rows_are_counted():
    """A source that cannot estimate (DuckDB, files) keeps COUNT(*) and the exact boundaries."""
    ids = list(range(1, 1001))
    left, right = ArrowSource({"t": pa.table({"id": ids})}, {"t": ["id"]}), Estimating(ids)
    plan = build_plan(left, right, DiffOptions(table="t", chunk_size=100))
    assert not plan.rows_estimated and plan.rows_left == 1000
    assert len(plan.chunks) == 10


def test_a_condition_keeps_the_exact_plan():
    ids = list(range(1, 1001))
    left, right = Estimating(ids), Estimating(ids)
    plan = build_plan(left, right, DiffOptions(table="t", chunk_size=100, where="id > 500"))
    assert not plan.rows_estimated and plan.rows_left == 500 and left.estimates == 0


class Guessing(Estimating):
    """A planner without statistics: the same guess for any range, however wide or empty."""

    def estimate_rows(self, table, key, lower, upper):
        self.estimates += 1
        return 1000


class Blind(Estimating):
    """A source that can tell its key's extent but has no estimates (PostgreSQL never analyzed)."""

    def estimate_rows(self, table, key, lower, upper):
        self.estimates += 1
        return None

    def estimate_table_rows(self, table):
        return len(self.ids)  # PostgreSQL's from the table's pages, with or without statistics


def test_estimates_that_never_fall_stop_within_a_budget():
    """Halving a 64-bit range while a guess stays above a chunk would never end: the budget ends it."""
    ids = [-(2**63), 0, 2**63 - 1]
    left, right = Guessing(ids), Guessing(ids)
    plan = build_plan(left, right, DiffOptions(table="t", chunk_size=20))
    assert left.estimates <= 4 * 50 + 258  # 50 pieces (the guess / 20), four questions each, 256 more
    assert sum(chunk_rows(plan, ids)) == 3
    assert dbdiff.diff(left, right, table="t", chunk_size=20).tables[0].summary.matched == 3


def test_a_side_without_estimates_is_cut_by_the_other_sides():
    ids = list(range(1, 301)) + list(range(10**12, 10**12 + 700))
    left, right = Estimating(ids), Blind(ids)
    plan = build_plan(left, right, DiffOptions(table="t", chunk_size=100))
    assert plan.rows_estimated and (plan.rows_left, plan.rows_right) == (1000, 1000)
    assert max(chunk_rows(plan, ids)) <= 100 * TOO_BIG
    both_blind = build_plan(Blind(ids), Blind(ids), DiffOptions(table="t", chunk_size=100))
    assert not both_blind.rows_estimated and both_blind.rows_left == 1000  # counted, numbered


def test_a_side_without_estimates_holding_far_more_rows_is_counted():
    """The other side's ranges of a chunk would hold many chunks of it: its rows are counted."""
    ids = list(range(1, 3001))
    for few in ([], ids[::50]):
        left, right = Estimating(few), Blind(ids)
        plan = build_plan(left, right, DiffOptions(table="t", chunk_size=100))
        assert not plan.rows_estimated and plan.rows_right == 3000
        assert max(chunk_rows(plan, ids)) <= 2 * 100  # merged boundaries (`merge_boundaries`)
        assert dbdiff.diff(left, right, table="t", chunk_size=100).tables[0].summary.only_right == 3000 - len(
            few
        )


def test_a_side_without_estimates_or_size_is_counted():
    ids = list(range(1, 1001))

    class Sizeless(Blind):
        def estimate_table_rows(self, table):
            return None

    plan = build_plan(Estimating(ids), Sizeless(ids), DiffOptions(table="t", chunk_size=100))
    assert not plan.rows_estimated and (plan.rows_left, plan.rows_right) == (1000, 1000)


def test_a_side_without_estimates_holding_keys_beyond_the_others_is_counted():
    """Rows beyond the other side's largest key are in a range its estimates call empty: cut by
    them, the blind side's 500 rows there would be one chunk."""
    ids = list(range(1, 1001))
    far = ids + list(range(10**9, 10**9 + 500))
    plan = build_plan(Estimating(ids), Blind(far), DiffOptions(table="t", chunk_size=100))
    assert not plan.rows_estimated and plan.rows_right == 1500
    assert max(chunk_rows(plan, far)) <= 2 * 100
    below = [-(10**9) + i for i in range(500)] + ids
    plan = build_plan(Blind(below), Estimating(ids), DiffOptions(table="t", chunk_size=100))
    assert not plan.rows_estimated and max(chunk_rows(plan, below)) <= 2 * 100
