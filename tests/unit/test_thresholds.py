"""Thresholds: metric values, limits in rows and fractions, table and run verdicts, exit codes."""

from __future__ import annotations

import dataclasses
import json
import textwrap
from pathlib import Path

import pytest

from dbdiff.checkfile import load_checkfile
from dbdiff.errors import ConfigError
from dbdiff.result import (
    Breach,
    ColumnStat,
    DiffResult,
    SchemaComparison,
    SourceInfo,
    Summary,
    TableResult,
    Validation,
    ValidationFailure,
    Verdict,
)
from dbdiff.thresholds import (
    DEFAULT_THRESHOLDS,
    METRICS,
    Limit,
    Thresholds,
    judge_run,
    judge_table,
    metric_values,
    parse_limit,
    parse_thresholds,
    with_verdicts,
)


def table(
    name: str = "orders", status: str = "different", rows: tuple[int, int] = (1000, 1000), **summary: int
) -> TableResult:
    return TableResult(
        left_table=name,
        right_table=name,
        key=("id",),
        status=status,
        summary=Summary(rows_left=rows[0], rows_right=rows[1], **summary),
    )


def result(*tables: TableResult) -> DiffResult:
    info = SourceInfo("mysql://u@h/db", "mysql")
    return DiffResult(info, info, tables, "2026-12-01T15:30:00Z", 1.5, "test", options={"command": "run"})


def limits(**specs: dict) -> Thresholds:
    return parse_thresholds(specs)


def test_metric_values_read_every_part_of_a_table() -> None:
    t = TableResult(
        left_table="t",
        right_table="t",
        key=("id",),
        status="different",
        summary=Summary(
            changed=3,
            only_left=1,
            only_right=2,
            duplicate_keys_left=1,
            duplicate_keys_right=4,
            null_keys_left=2,
            null_keys_right=3,
        ),
        columns=(ColumnStat("a", 3, unreadable=2), ColumnStat("b", 0, unreadable=5)),
        validation=Validation(
            False,
            (ValidationFailure("left", "a", "not_null", 3), ValidationFailure("right", None, "row_count", 1)),
        ),
        warnings=({"count": 4}, {"count": 6}),
        schema=SchemaComparison(
            only_left=("x",), only_right=("y", "z"), differences=({"kind": "nullability"},)
        ),
        only_on=None,
    )
    assert metric_values(t) == {
        "changed": 3,
        "only_left": 1,
        "only_right": 2,
        "duplicate_keys": 5,
        "null_keys": 5,
        "failed_checks": 2,
        "unreadable": 7,
        "warnings": 10,
        "schema": 4,
    }
    one_side = dataclasses.replace(table(), only_on="right")
    assert metric_values(one_side)["schema"] == 1
    assert set(metric_values(table())) == set(METRICS)


def test_defaults_are_strict_every_difference_fails_warnings_only_warn() -> None:
    assert judge_table(table(status="identical"), DEFAULT_THRESHOLDS) == Verdict("pass")
    verdict = judge_table(table(changed=1), DEFAULT_THRESHOLDS)
    assert verdict == Verdict("fail", (Breach("changed", "fail", 1, "0", table="orders"),))
    warned = dataclasses.replace(table(status="identical"), warnings=({"count": 2},))
    assert judge_table(warned, DEFAULT_THRESHOLDS) == Verdict(
        "warn", (Breach("warnings", "warn", 2, "0", table="orders"),)
    )


@pytest.mark.parametrize(
    ("changed", "level"),
    [(0, "pass"), (1, "warn"), (10, "warn"), (11, "fail")],
)
def test_a_limit_is_the_most_tolerated_at_its_level(changed: int, level: str) -> None:
    verdict = judge_table(table(changed=changed), limits(changed={"warn": 0, "fail": 10}))
    assert verdict.level == level
    assert [b.level for b in verdict.breaches] == ([] if level == "pass" else [level])


def test_fractions_are_of_the_larger_side_and_exact() -> None:
    rule = limits(changed={"fail": "0.1%"}, only_left={"fail": "0.07%"})
    assert judge_table(table(rows=(500, 10_000), changed=10), rule).level == "pass"  # 10 of 10,000
    assert judge_table(table(rows=(10_000, 500), changed=11), rule).level == "fail"
    # 0.07% of 10,000 is 7 exactly (as a float, 7.000000000000001): 7 passes, 8 fails.
    assert judge_table(table(rows=(10_000, 10_000), only_left=7), rule).level == "pass"
    breach = judge_table(table(rows=(10_000, 10_000), only_left=8), rule).breaches[0]
    assert (breach.metric, breach.value, breach.limit) == ("only_left", 8, "0.07%")


def test_zero_row_tables_with_fractions() -> None:
    rule = limits(changed={"fail": "50%"}, warnings={"warn": "10%"})
    assert judge_table(table(rows=(0, 0), status="identical"), rule).level == "pass"
    # No rows, yet a lenient reading counted: any count is above a fraction of nothing.
    warned = dataclasses.replace(table(rows=(0, 0)), warnings=({"count": 1},))
    assert judge_table(warned, rule).level == "warn"
    assert judge_table(table(rows=(0, 3), only_right=3), limits(only_right={"fail": "100%"})).level == "pass"


def test_a_threshold_never_hides_a_difference() -> None:
    res = with_verdicts(result(table(changed=3)), limits(changed={"warn": 0, "fail": 10}))
    assert res.status == "different" and res.tables[0].status == "different"
    assert res.verdict is not None and res.verdict.level == "warn"
    assert res.exit_code == 0  # warn exits 0; the difference is still in the report
    data = json.loads(res.to_json())
    assert data["status"] == "different" and data["verdict"] == "warn"
    assert data["tables"][0]["breaches"][0] == {
        "metric": "changed",
        "level": "warn",
        "value": 3,
        "limit": "0",
        "scope": "table",
        "table": "orders",
    }


def test_an_errored_table_always_fails_and_exits_3() -> None:
    broken = dataclasses.replace(table(), status="error", error="connection lost")
    res = with_verdicts(result(broken, table(status="identical", name="b")), Thresholds({}))
    assert res.tables[0].verdict == Verdict("fail", (Breach("error", "fail", 1, "0", table="orders"),))
    assert res.verdict is not None and res.verdict.level == "fail" and res.exit_code == 3


def test_run_thresholds_judge_the_totals() -> None:
    tables = [table("a", rows=(1000, 900), changed=6), table("b", rows=(100, 2000), changed=5)]
    per_table = limits(changed={"warn": 0, "fail": 10})
    judged = [dataclasses.replace(t, verdict=judge_table(t, per_table)) for t in tables]
    assert [t.verdict.level for t in judged if t.verdict] == ["warn", "warn"]
    run = judge_run(judged, limits(changed={"fail": 10}))
    assert run.level == "fail"  # 11 changed in all, though each table only warns
    assert run.breaches[-1] == Breach("changed", "fail", 11, "10", scope="run")
    assert [b.table for b in run.breaches[:2]] == ["a", "b"]  # the tables' breaches come first
    # A fraction of the run's rows: the larger side of each table, summed (1000 + 2000).
    assert judge_run(judged, limits(changed={"fail": "0.4%"})).level == "warn"  # 11 <= 12
    assert judge_run(judged, limits(changed={"fail": "0.3%"})).level == "fail"  # 11 > 9
    assert judge_run([], Thresholds()).level == "pass"


def test_with_verdicts_takes_a_mapping_or_a_check_file(tmp_path: Path) -> None:
    res = result(table("a", changed=2), table("b", changed=2))
    judged = with_verdicts(res, {"a": limits(changed={"fail": 5})})
    assert [t.verdict.level for t in judged.tables if t.verdict] == ["pass", "fail"]  # b: the defaults
    path = tmp_path / "dbdiff.yaml"
    path.write_text(
        textwrap.dedent(
            """\
            left: a.parquet
            right: b.parquet
            run_thresholds: {changed: {warn: 3}}
            tables:
              - name: a
                thresholds: {changed: {warn: 1, fail: 5}}
              - b
            """
        )
    )
    judged = with_verdicts(res, load_checkfile(path))
    assert [t.verdict.level for t in judged.tables if t.verdict] == ["warn", "fail"]
    assert judged.verdict is not None and judged.verdict.level == "fail"
    assert judged.verdict.breaches[-1] == Breach("changed", "warn", 4, "3", scope="run")
    assert judged.exit_code == 1


def test_thresholds_layer_per_metric() -> None:
    table_level = limits(changed={"warn": 5})
    merged = table_level.over(limits(changed={"fail": 1}, only_left={"fail": 2})).over(DEFAULT_THRESHOLDS)
    assert merged.limits["changed"] == Limit(warn=5, text={"warn": "5"})  # replaced whole: no fail limit
    assert merged.limits["only_left"].fail == 2 and merged.limits["schema"].fail == 0
    assert merged.to_dict()["changed"] == {"warn": "5"}


def test_parse_limit_accepts_null_as_no_limit_and_percent_forms() -> None:
    assert parse_limit({"warn": None, "fail": "2.5%"}, "x: ") == Limit(None, 0.025, {"fail": "2.5%"})
    assert parse_limit({}, "x: ") == Limit()
    with pytest.raises(ConfigError, match=r"x: fail: '2\.5 %' is not a whole number"):
        parse_limit({"fail": "2.5 %"}, "x: ")
    assert Limit(fail=0.5).shown("fail") == "50%"  # built by hand, without its text
    assert Limit(fail=0.5).exceeded("fail", 3, 5) and not Limit(fail=0.5).exceeded("fail", 2, 5)


def test_a_real_diff_judged_end_to_end() -> None:
    import polars as pl

    import dbdiff
    from dbdiff.monitor import prometheus_text
    from dbdiff.sources.duckdb import ArrowSource

    def source(rows: dict) -> ArrowSource:
        return ArrowSource({"orders": pl.DataFrame(rows)}, primary_keys={"orders": ["id"]})

    left = source({"id": [1, 2, 3, 4], "note": ["a", "b", "c", "d"]})
    right = source({"id": [1, 2, 3, 5], "note": ["a", "B", "c", "e"]})
    res = dbdiff.diff(left, right, table="orders")
    assert metric_values(res.table()) == {
        **dict.fromkeys(METRICS, 0),
        "changed": 1,
        "only_left": 1,
        "only_right": 1,
    }
    strict = with_verdicts(res, DEFAULT_THRESHOLDS)
    assert strict.verdict is not None and strict.verdict.level == "fail" and strict.exit_code == 1
    assert {b.metric for b in strict.verdict.breaches} == {"changed", "only_left", "only_right"}
    tolerant = with_verdicts(
        res, limits(changed={"warn": 0}, only_left={"fail": "25%"}, only_right={"warn": 0})
    )
    assert tolerant.verdict is not None and tolerant.verdict.level == "warn" and tolerant.exit_code == 0
    assert tolerant.status == "different" and tolerant.changed().height == 1  # still every row
    assert 'dbdiff_table_differences{checkfile="",table="orders",kind="only_left"} 1' in prometheus_text(
        tolerant
    )
