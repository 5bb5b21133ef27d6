"""The engine's seams: chunk tasks are pure, the thread executor bounds and cancels, one plan builder."""

from __future__ import annotations

import threading
import time

import polars as pl
import pytest

from dbdiff.engine import ThreadExecutor, build_plan
from dbdiff.engine.planning import plan_one
from dbdiff.engine.side import sides_of
from dbdiff.engine.tasks import ChunkWork, run_chunk
from dbdiff.options import DiffOptions, ValidateOptions
from dbdiff.sources.duckdb import ArrowSource


def _source(frame: pl.DataFrame) -> ArrowSource:
    return ArrowSource({"t": frame}, primary_keys={"t": ["id"]})


def test_the_executor_keeps_at_most_workers_tasks_in_flight_and_yields_every_result():
    running, peak = 0, 0
    lock = threading.Lock()

    def task(n: int) -> int:
        nonlocal running, peak
        with lock:
            running += 1
            peak = max(peak, running)
        time.sleep(0.01)
        with lock:
            running -= 1
        return n * n

    with ThreadExecutor(3) as executor:
        assert sorted(executor.map(task, range(20))) == [n * n for n in range(20)]
    assert 1 <= peak <= 3


def test_a_failing_task_raises_in_the_driver_and_later_tasks_never_start():
    started: list[int] = []

    def task(n: int) -> int:
        started.append(n)
        if n == 1:
            raise ValueError("chunk 1 broke")
        time.sleep(0.01)
        return n

    with ThreadExecutor(2) as executor, pytest.raises(ValueError, match="chunk 1 broke"):
        list(executor.map(task, range(100)))
    assert len(started) < 100


def test_both_runs_the_sides_side_by_side_and_the_left_error_wins():
    barrier = threading.Barrier(2, timeout=5)

    def meet(value: int) -> int:
        barrier.wait()  # each side waits for the other: only sides running together get past
        return value

    with ThreadExecutor(1) as executor:
        assert executor.both(lambda: meet(1), lambda: meet(2)) == (1, 2)

        def fail(side: str) -> int:
            raise ValueError(side)

        with pytest.raises(ValueError, match="left"):
            executor.both(lambda: fail("left"), lambda: fail("right"))


def test_a_chunk_task_is_pure_and_its_outcome_holds_what_it_found():
    left = pl.DataFrame({"id": [1, 2, 3, 3], "v": ["a", "b", "c", "c"]})
    right = pl.DataFrame({"id": [1, 2, 4], "v": ["a", "B", "d"]})
    lsrc, rsrc = _source(left), _source(right)
    plan = build_plan(lsrc, rsrc, DiffOptions(table="t", key=["id"]))
    work = ChunkWork(plan, sides_of(plan, (lsrc, rsrc)), sample_limit=10)
    (task,) = plan.chunks
    outcome = run_chunk(work, task)
    again = run_chunk(work, task)
    # Nothing shared was changed by the first run (only the read times differ).
    assert outcome.counts.matched == again.counts.matched and outcome.counts.rows == again.counts.rows
    assert outcome.counts.rows == {"left": 4, "right": 3}
    assert (outcome.counts.matched, outcome.counts.changed) == (2, 1)
    assert outcome.counts.duplicate_keys == {"left": 1, "right": 0}
    assert {side: rows.height for side, rows in outcome.residual} == {"left": 0, "right": 1}


def test_a_one_side_plan_keeps_the_sources_chunk_order_and_both_table_names():
    frame = pl.DataFrame({"id": list(range(10)), "v": [str(i) for i in range(10)]})
    plan = plan_one(_source(frame), ValidateOptions(table="t", chunk_size=3, where="id < 8"))
    assert (plan.left_table, plan.right_table, plan.where, plan.right_where) == ("t", "t", "id < 8", "id < 8")
    assert plan.rows_left == plan.rows_right == 8
    assert plan.shared_boundaries and plan.only_left == plan.only_right == ()
    assert [c.left for c in plan.chunks] == [c.right for c in plan.chunks]
    assert len(plan.chunks) == 3
