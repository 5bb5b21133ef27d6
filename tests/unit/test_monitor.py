"""The verdict file and the Prometheus text format, written atomically."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
from pathlib import Path

import pytest

from dbdiff.errors import UsageError
from dbdiff.monitor import (
    escape_label,
    prometheus_text,
    verdict_data,
    write_prometheus,
    write_verdict_file,
)
from dbdiff.result import DiffResult, SourceInfo, Summary, TableResult
from dbdiff.thresholds import Thresholds, parse_thresholds, with_verdicts

ODD = 'we"ird\\name\nx'  # a table name with a quote, a backslash and a newline


def run_result() -> DiffResult:
    info = SourceInfo("mysql://u:***@h/db", "mysql")
    tables = (
        TableResult(
            "orders",
            "orders",
            ("id",),
            "different",
            summary=Summary(rows_left=10, rows_right=12, changed=3, only_right=2),
            stats={"seconds": 0.25},
        ),
        TableResult(
            ODD,
            ODD,
            ("id",),
            "identical",
            summary=Summary(rows_left=5, rows_right=5, matched=5),
            stats={"seconds": 1},
        ),
        TableResult("broken", "broken", (), "error", error="lost"),
    )
    res = DiffResult(
        info,
        info,
        tables,
        "2026-12-01T15:30:00Z",
        2.5,
        "test",
        options={"command": "run", "checkfile": "/etc/dbdiff/prod.yaml", "run_id": "20261201T153000Z-1a2b3c"},
        timings={"plan": 0.125, "read_left": 1.5, "compare": 0.75, "wall": 2.375},
    )
    return with_verdicts(res, parse_thresholds({"changed": {"warn": 0, "fail": 10}}).over(Thresholds()))


def test_verdict_file(tmp_path: Path) -> None:
    path = tmp_path / "verdict.json"
    write_verdict_file(run_result(), path)
    data = json.loads(path.read_text())
    assert data["verdict"] == "fail" and data["exit_code"] == 3 and data["status"] == "error"
    assert data["run_id"] == "20261201T153000Z-1a2b3c" and data["checkfile"] == "/etc/dbdiff/prod.yaml"
    assert data["started_at"] == "2026-12-01T15:30:00Z" and data["duration_s"] == 2.5
    assert data["tables"] == {"orders": "warn", ODD: "pass", "broken": "fail"}
    assert {(b["table"], b["metric"], b["level"]) for b in data["breaches"]} == {
        ("orders", "changed", "warn"),
        ("broken", "error", "fail"),
    }
    assert [p.name for p in tmp_path.iterdir()] == ["verdict.json"]  # no temporary file left


def test_prometheus_text_parses_with_the_official_parser() -> None:
    parser = pytest.importorskip("prometheus_client.parser")
    text = prometheus_text(run_result())
    families = {f.name: f for f in parser.text_string_to_metric_families(text)}
    assert set(families) == {
        "dbdiff_run_verdict",
        "dbdiff_run_exit_code",
        "dbdiff_run_duration_seconds",
        "dbdiff_run_last_timestamp_seconds",
        "dbdiff_run_tables",
        "dbdiff_run_phase_seconds",
        "dbdiff_table_rows",
        "dbdiff_table_differences",
        "dbdiff_table_verdict",
        "dbdiff_table_duration_seconds",
        "dbdiff_table_error",
    }
    assert all(f.type == "gauge" and f.documentation for f in families.values())

    def value(name: str, **labels: str) -> float:
        found = [
            s.value for s in families[name].samples if all(s.labels.get(k) == v for k, v in labels.items())
        ]
        assert len(found) == 1, (name, labels, found)
        return found[0]

    prod = "/etc/dbdiff/prod.yaml"
    assert value("dbdiff_run_verdict", checkfile=prod) == 2
    assert value("dbdiff_run_exit_code") == 3
    assert value("dbdiff_run_duration_seconds") == 2.5
    assert value("dbdiff_run_last_timestamp_seconds") == 1796139000 + 2.5  # 2026-12-01T15:30:00Z + 2.5 s
    assert value("dbdiff_run_phase_seconds", checkfile=prod, phase="read_left") == 1.5
    assert value("dbdiff_run_phase_seconds", phase="wall") == 2.375
    assert value("dbdiff_table_rows", table="orders", side="right") == 12
    assert value("dbdiff_table_differences", table="orders", kind="changed") == 3
    assert value("dbdiff_table_differences", table="orders", kind="only_right") == 2
    assert value("dbdiff_table_verdict", table="orders") == 1
    assert value("dbdiff_table_verdict", table=ODD) == 0  # the odd name survives escaping exactly
    assert value("dbdiff_table_duration_seconds", table="orders") == 0.25
    assert (
        value("dbdiff_table_error", table="broken") == 1 and value("dbdiff_table_error", table="orders") == 0
    )


def test_prometheus_text_format_details() -> None:
    text = prometheus_text(run_result())
    assert text.endswith("\n") and "\n\n" not in text
    lines = text.splitlines()
    # HELP then TYPE once per family, right before its samples.
    for name in {line.split()[2] for line in lines if line.startswith("# TYPE")}:
        assert sum(line.startswith(f"# HELP {name} ") for line in lines) == 1
        index = lines.index(next(line for line in lines if line.startswith(f"# TYPE {name} ")))
        assert lines[index - 1].startswith(f"# HELP {name} ")
    assert 'table="we\\"ird\\\\name\\nx"' in text
    assert escape_label('a\\b"c\nd') == 'a\\\\b\\"c\\nd'
    assert 'dbdiff_table_rows{checkfile="/etc/dbdiff/prod.yaml",table="orders",side="left"} 10' in lines


def test_a_table_on_one_side_only_never_duplicates_a_series() -> None:
    """The pair orders -> orders_v2 and a right-only legacy `orders` (a pattern chose it) were two
    series with the same labels, which node_exporter rejects as duplicates."""
    parser = pytest.importorskip("prometheus_client.parser")
    res = run_result()
    legacy = TableResult("orders", "orders", (), "different", only_on="right")
    pair = dataclasses.replace(res.tables[0], right_table="orders_v2")
    res = with_verdicts(dataclasses.replace(res, tables=(pair, legacy)), Thresholds())
    text = prometheus_text(res)
    seen = [
        (s.name, tuple(sorted(s.labels.items())))
        for f in parser.text_string_to_metric_families(text)
        for s in f.samples
    ]
    assert len(seen) == len(set(seen))
    assert 'dbdiff_table_verdict{checkfile="/etc/dbdiff/prod.yaml",table="orders",only_on="right"} 0' in text
    assert 'dbdiff_table_verdict{checkfile="/etc/dbdiff/prod.yaml",table="orders"} 0' in text


def test_the_verdict_file_never_says_pass_for_a_name_a_failing_table_has(tmp_path: Path) -> None:
    """The pair orders -> orders_v2 fails and a right-only legacy `orders` passes: the verdict
    file's `tables` kept the last one, "orders": "pass", for a rollback script to read."""
    res = run_result()
    pair = dataclasses.replace(res.tables[0], right_table="orders_v2")
    legacy = TableResult("orders", "orders", (), "different", only_on="right")
    strict = parse_thresholds({"changed": {"fail": 0}, "schema": {"fail": 1}})
    res = with_verdicts(dataclasses.replace(res, tables=(pair, legacy)), strict)
    assert [t.verdict.level for t in res.tables if t.verdict] == ["fail", "pass"]
    write_verdict_file(res, tmp_path / "verdict.json")
    assert json.loads((tmp_path / "verdict.json").read_text())["tables"] == {"orders": "fail"}


def test_under_strict_a_warn_run_says_the_exit_code_it_ends_with(tmp_path: Path) -> None:
    """`dbdiff run --strict` exits 1 on a warn verdict, but both files said exit code 0."""
    res = dataclasses.replace(run_result(), tables=run_result().tables[:2])
    res = with_verdicts(res, parse_thresholds({"changed": {"warn": 0, "fail": 10}}))
    assert res.verdict is not None and res.verdict.level == "warn" and res.exit_code == 0
    for strict, code in ((False, 0), (True, 1)):
        write_verdict_file(res, tmp_path / "v.json", strict=strict)
        assert json.loads((tmp_path / "v.json").read_text())["exit_code"] == code
        write_prometheus(res, tmp_path / "m.prom", strict=strict)
        assert (
            f'dbdiff_run_exit_code{{checkfile="/etc/dbdiff/prod.yaml"}} {code}'
            in (tmp_path / "m.prom").read_text().splitlines()
        )
    failed = run_result()  # a table errored: 3, strict or not
    assert json.loads(json.dumps(verdict_data(failed, strict=True)))["exit_code"] == 3


def test_a_result_without_a_verdict_has_no_verdict_series() -> None:
    res = dataclasses.replace(run_result(), verdict=None)
    res = dataclasses.replace(res, tables=tuple(dataclasses.replace(t, verdict=None) for t in res.tables))
    text = prometheus_text(res)
    assert "dbdiff_run_verdict" not in text and "dbdiff_table_verdict" not in text
    assert "dbdiff_run_exit_code" in text


def test_a_result_without_timings_has_no_phase_series() -> None:
    """A result saved before runs had timings (or built by hand) still makes valid metrics."""
    text = prometheus_text(dataclasses.replace(run_result(), timings={}))
    assert "dbdiff_run_phase_seconds" not in text and "dbdiff_run_duration_seconds" in text


def test_prometheus_file_is_replaced_atomically_and_readable(tmp_path: Path) -> None:
    path = tmp_path / "dbdiff.prom"
    path.write_text("old\n")
    write_prometheus(run_result(), path)
    assert path.read_text() == prometheus_text(run_result())
    assert [p.name for p in tmp_path.iterdir()] == ["dbdiff.prom"]
    umask = os.umask(0)
    os.umask(umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o666 & ~umask  # node_exporter can read it


def test_unwritable_targets_are_usage_errors(tmp_path: Path) -> None:
    with pytest.raises(UsageError, match=r"cannot write the Prometheus file '.*missing/x.prom'"):
        write_prometheus(run_result(), tmp_path / "missing" / "x.prom")
    (tmp_path / "dir.json").mkdir()
    with pytest.raises(UsageError, match="cannot write the verdict file"):
        write_verdict_file(run_result(), tmp_path / "dir.json")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dir.json"]  # no temporary file left
