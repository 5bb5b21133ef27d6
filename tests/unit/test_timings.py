"""Timings per phase, rows downloaded, mode and executor: measured by the engine, carried by the result.

No assertion compares one phase's seconds with another's: only that every phase is there, never
negative, and that what was measured (a read, the run's wall time) took some time at all.
"""

from __future__ import annotations

import json

import polars as pl
import pytest

import dbdiff
from dbdiff.engine import build_plan, run_diff
from dbdiff.engine.planning import plan_one
from dbdiff.engine.side import sides_of
from dbdiff.engine.tasks import ChunkWork, Counts, run_chunk
from dbdiff.options import DiffOptions, ValidateOptions
from dbdiff.report.text import render_timings
from dbdiff.result import DiffResult
from dbdiff.sources.duckdb import ArrowSource
from dbdiff.timings import PHASES, WALL, Timings, merged, summed

KEYS = [*PHASES, WALL]


def _source(rows: dict) -> ArrowSource:
    return ArrowSource({"orders": pl.DataFrame(rows)}, primary_keys={"orders": ["id"]})


LEFT = {"id": [1, 2, 3, 4, 5, 6, 7], "v": ["a", "b", "c", "d", "e", "f", "g"]}
RIGHT = {"id": [1, 2, 3, 4, 5, 6, 8, 9], "v": ["a", "B", "c", "d", "e", "f", "h", "i"]}


def _all_phases(timings) -> None:
    assert list(timings) == KEYS, timings
    assert all(isinstance(s, float) and s >= 0 for s in timings.values()), timings


def test_timings_add_per_phase_merge_and_render_every_phase_in_order_rounded_to_ms():
    t = Timings()
    t.add("read_left", 0.0004)
    t.add("read_left", 0.0012)
    other = Timings({"compare": 0.25}, wall=9.0)
    t.merge(other)
    t.wall = 1.23456
    data = t.to_dict()
    assert list(data) == KEYS
    assert data["read_left"] == 0.002 and data["compare"] == 0.25 and data["plan"] == 0.0
    assert data["wall"] == 1.235  # merging adds phases, never wall seconds
    assert Timings.from_dict(data).to_dict() == data
    with pytest.raises(ValueError, match="no timing phase"):
        t.add("reading", 1.0)


def test_timed_counts_a_block_even_when_it_raises_and_merged_and_summed_add_up():
    t = Timings()
    with pytest.raises(RuntimeError), t.timed("store"):
        raise RuntimeError("boom")
    assert "store" in t.seconds and t.seconds["store"] >= 0
    base = {"plan": 1.0, "read_left": 2.0, "wall": 5.0}
    assert merged(base, Timings({"plan": 0.5}))["plan"] == 1.5
    assert merged(base, Timings({"plan": 0.5}))["wall"] == 5.0
    assert merged(base, Timings(), wall=7.0)["wall"] == 7.0
    total = summed([base, {"read_left": 1.0}, None], wall=4.0)
    assert (total["plan"], total["read_left"], total["wall"]) == (1.0, 3.0, 4.0)


def test_counts_merge_their_timings():
    a, b = Counts(1), Counts(1)
    a.timings.add("read_left", 1.0)
    b.timings.add("read_left", 2.0)
    b.timings.add("normalize", 0.5)
    a.merge(b)
    assert a.timings.seconds == {"read_left": 3.0, "normalize": 0.5}


def test_a_chunk_task_measures_its_reads_normalizing_and_comparing():
    left, right = _source(LEFT), _source(RIGHT)
    plan = build_plan(left, right, DiffOptions(table="orders", chunk_size=100))
    work = ChunkWork(plan, sides_of(plan, (left, right)))
    outcome = run_chunk(work, plan.chunks[0])
    seconds = outcome.counts.timings.seconds
    assert set(seconds) == {"read_left", "read_right", "normalize", "compare"}
    # Unrounded: a real read, a real normalization and a real join each take some time.
    assert all(s > 0 for s in seconds.values()), seconds
    assert seconds["read_left"] == outcome.counts.read_seconds["left"]


def test_a_diff_reports_every_phase_the_rows_it_downloaded_its_mode_and_executor():
    result = dbdiff.diff(_source(LEFT), _source(RIGHT), table="orders", chunk_size=2, workers=2)
    _all_phases(result.timings)
    assert result.timings["wall"] > 0
    assert result.timings["wall"] == result.duration_s
    stats = result.table().stats
    _all_phases(stats["timings"])
    assert stats["rows_downloaded"] == {"left": 7, "right": 8}
    assert (stats["mode"], stats["executor"]) == ("full", "threads")
    # The run's phases are its one table's; the table's own wall seconds fit in the run's.
    assert {p: result.timings[p] for p in PHASES} == {p: stats["timings"][p] for p in PHASES}
    assert 0 < stats["timings"]["wall"] <= result.timings["wall"]
    assert stats["seconds"] >= 0 and "read_seconds_left" in stats  # kept as they were


def test_rows_downloaded_do_not_depend_on_chunk_size_or_workers_and_name_a_custom_executor():
    class InTurn:
        def map(self, fn, tasks):
            for task in tasks:
                yield fn(task)

        def both(self, left, right):
            return left(), right()

    for chunk_size, workers in ((1, 1), (3, 4), (100, 2)):
        options = DiffOptions(table="orders", chunk_size=chunk_size, workers=workers)
        stats = run_diff(_source(LEFT), _source(RIGHT), options).table().stats
        assert stats["rows_downloaded"] == {"left": 7, "right": 8}, (chunk_size, workers)
    stats = (
        run_diff(_source(LEFT), _source(RIGHT), DiffOptions(table="orders"), executor=InTurn()).table().stats
    )
    assert stats["executor"] == "InTurn"
    _all_phases(stats["timings"])


def test_timings_and_the_new_stats_survive_the_json_round_trip():
    result = dbdiff.diff(_source(LEFT), _source(RIGHT), table="orders", chunk_size=3)
    data = json.loads(result.to_json())
    assert list(data["timings"]) == KEYS
    assert data["tables"][0]["stats"]["rows_downloaded"] == {"left": 7, "right": 8}
    back = DiffResult.from_dict(data)
    assert back.timings == result.timings
    assert back.table().stats == result.table().stats
    assert back.to_dict() == data


def test_a_result_without_timings_writes_none_and_reads_back_without_them():
    result = dbdiff.diff(_source(LEFT), _source(RIGHT), table="orders")
    data = result.to_dict()
    del data["timings"]
    back = DiffResult.from_dict(data)
    assert back.timings == {} and "timings" not in back.to_dict()
    assert render_timings(back) == ""


def test_validate_reports_its_phases_and_the_rows_it_read():
    result = dbdiff.validate(_source(LEFT), table="orders", chunk_size=2)
    _all_phases(result.timings)
    stats = result.table().stats
    _all_phases(stats["timings"])
    assert stats["rows_downloaded"] == {"left": 7}
    assert (stats["mode"], stats["executor"]) == ("full", "threads")
    assert stats["timings"]["read_right"] == 0.0


def test_a_one_side_chunk_measures_its_read_and_normalizing():
    source = _source(LEFT)
    plan = plan_one(source, ValidateOptions(table="orders", chunk_size=100))
    outcome = run_chunk(ChunkWork(plan, sides_of(plan, (source,))), plan.chunks[0])
    seconds = outcome.counts.timings.seconds
    assert seconds["read_left"] > 0 and seconds["normalize"] > 0 and "read_right" not in seconds


def test_the_timings_text_lists_every_phase_and_the_wall_seconds():
    result = dbdiff.diff(_source(LEFT), _source(RIGHT), table="orders")
    text = render_timings(result)
    lines = text.splitlines()
    assert lines[0].startswith("Timings")
    names = [line.rsplit(None, 1)[0].strip() for line in lines[1:]]
    assert names == [p.replace("_", " ") for p in PHASES] + ["wall"]
    assert lines[-1].split()[-1] == f"{result.timings['wall']:.3f}"


def test_the_report_clock_adds_the_seconds_of_writing_reports_only_to_a_result_with_timings():
    from dbdiff.timings import ReportClock

    result = dbdiff.diff(_source(LEFT), _source(RIGHT), table="orders")
    clock = ReportClock()
    counted = clock.counted(result)
    assert counted.timings["report"] >= result.timings["report"]
    assert counted.timings["wall"] >= result.timings["wall"]
    assert {p: counted.timings[p] for p in PHASES if p != "report"} == {
        p: result.timings[p] for p in PHASES if p != "report"
    }
    loaded = DiffResult.from_dict({k: v for k, v in result.to_dict().items() if k != "timings"})
    assert clock.counted(loaded) is loaded


def test_markdown_and_html_show_a_timings_line_only_for_a_result_with_timings():
    from dbdiff.report import render

    result = dbdiff.diff(_source(LEFT), _source(RIGHT), table="orders")
    markdown, html = render(result, "markdown"), render(result, "html")
    assert "Timings: " in markdown and "wall " in markdown.split("Timings: ")[1].splitlines()[0]
    assert "Timings: " in html
    data = result.to_dict()
    del data["timings"]
    bare = DiffResult.from_dict(data)
    assert "Timings" not in render(bare, "markdown") and "Timings" not in render(bare, "html")


def test_timings_read_from_json_are_numbers_and_their_names_are_escaped():
    from dbdiff.report import render

    result = dbdiff.diff(_source(LEFT), _source(RIGHT), table="orders")
    data = result.to_dict()
    data["timings"] = {**data["timings"], "<b>x</b>": 1.5}
    html = render(DiffResult.from_dict(data), "html")
    assert "<b>x</b>" not in html and "&lt;b&gt;x&lt;/b&gt;" in html
    data["timings"]["plan"] = "soon"
    with pytest.raises(ValueError):
        DiffResult.from_dict(data)


@pytest.mark.parametrize("seconds", ["1.5", None, True, float("inf"), float("nan"), -0.5, [1.0]])
def test_timings_read_from_json_that_are_no_seconds_make_no_valid_result(tmp_path, seconds):
    from dbdiff.errors import ConfigError
    from dbdiff.result import load_result

    data = dbdiff.diff(_source(LEFT), _source(RIGHT), table="orders").to_dict()
    data["timings"] = {**data["timings"], "plan": seconds}
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data), encoding="utf-8")  # inf and nan as Python's JSON writes them
    with pytest.raises(ConfigError, match=r"not a valid dbdiff result: timings\.plan must be a number"):
        load_result(path)
    data["timings"] = ["plan", 1.0]
    path.write_text(json.dumps(data), encoding="utf-8")
    with pytest.raises(ConfigError, match="timings must be an object"):
        load_result(path)
    data["timings"] = {"plan": 0, "wall": 2.5, "later_phase": 1}  # unknown phases are kept: additive
    path.write_text(json.dumps(data), encoding="utf-8")
    assert load_result(path).timings == {"plan": 0.0, "wall": 2.5, "later_phase": 1.0}


def test_junit_carries_every_timing_of_the_result_as_a_suite_property_and_none_without():
    import xml.etree.ElementTree as ET

    from dbdiff.report import render

    result = dbdiff.diff(_source(LEFT), _source(RIGHT), table="orders")
    properties = {
        p.get("name"): p.get("value") for p in ET.fromstring(render(result, "junit")).iter("property")
    }
    timed = {n.removeprefix("timings."): float(v) for n, v in properties.items() if n.startswith("timings.")}
    assert list(timed) == [*PHASES, WALL]
    assert timed == pytest.approx(dict(result.timings), abs=0.0005)
    data = result.to_dict()
    del data["timings"]
    bare = render(DiffResult.from_dict(data), "junit")
    assert "timings." not in bare


def test_a_read_that_was_retried_counts_its_failed_attempts_and_pauses(monkeypatch):
    import types

    from dbdiff.engine import side as side_module
    from dbdiff.errors import ExtractionError
    from dbdiff.sources.base import KeyRange

    now = [0.0]  # a clock of the test's own: each read takes 1 s, a pause what it asks

    def sleep(seconds: float) -> None:
        now[0] += seconds

    monkeypatch.setattr(side_module, "time", types.SimpleNamespace(perf_counter=lambda: now[0], sleep=sleep))

    class Flaky:
        failures = 2

        def read_chunk(self, *args):
            now[0] += 1.0
            if self.failures:
                self.failures -= 1
                raise ExtractionError("connection reset")
            return "rows"

        def ping(self):
            pass

    side = side_module.Side("left", Flaky(), "t", None, (), ())  # type: ignore[arg-type]
    rows, seconds = side.read(KeyRange(), retries=2)
    # Three reads of 1 s, and the pauses after the first two failures (0.5 s, then 1 s).
    assert (rows, seconds) == ("rows", 3.0 + 0.5 + 1.0)
