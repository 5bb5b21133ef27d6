"""Options declared once: the CLI flags and the API keywords come from the option dataclasses, and a
registered renderer gets a CLI flag and an API path with no edit to the CLI."""

from __future__ import annotations

import csv
import inspect
import io
import sqlite3

import pytest
from click.testing import CliRunner

import dbdiff
from dbdiff import api
from dbdiff.cli import cli
from dbdiff.errors import UsageError
from dbdiff.options import DiffOptions, InferOptions, ValidateOptions
from dbdiff.report import RENDERERS, register_renderer, write
from dbdiff.result import DiffResult


def render_changed_csv(result: DiffResult) -> str:
    """A toy report format: one CSV line per changed value the result kept."""
    out = io.StringIO()
    lines = csv.writer(out, lineterminator="\n")
    lines.writerow(["table", "key", "column", "left", "right"])
    for table in result.tables:
        for change in table.samples.changed:
            key = ",".join(str(value) for value in change["key"].values())
            for column, values in change["diffs"].items():
                lines.writerow([table.left_table, key, column, values["left"], values["right"]])
    return out.getvalue()


@pytest.fixture
def csv_format():
    register_renderer(
        "csv", render_changed_csv, flag="--csv", help="Write the changed values as CSV to FILE."
    )
    try:
        yield
    finally:
        del RENDERERS["csv"]


@pytest.fixture
def urls(tmp_path):
    made = []
    for name, rows in (("left", [(1, "a"), (2, "b")]), ("right", [(1, "a"), (2, "B")])):
        path = tmp_path / f"{name}.db"
        with sqlite3.connect(path) as con:
            con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
            con.executemany("INSERT INTO t VALUES (?, ?)", rows)
        con.close()
        made.append(f"sqlite:///{path}")
    return made


EXPECTED_CSV = "table,key,column,left,right\nt,2,v,b,B\n"


def test_a_registered_renderer_gets_a_cli_flag(csv_format, urls, tmp_path):
    out = tmp_path / "reports" / "changed.csv"
    result = CliRunner().invoke(cli, ["diff", *urls, "-t", "t", "--csv", str(out), "--quiet"])
    assert result.exit_code == 1, result.output
    assert out.read_text(encoding="utf-8") == EXPECTED_CSV
    assert "--csv FILE" in CliRunner().invoke(cli, ["diff", "--help"]).output
    assert "--csv FILE" in CliRunner().invoke(cli, ["report", "--help"]).output


def test_a_registered_renderer_can_print_on_stdout(urls):
    register_renderer("csv", render_changed_csv, stdout=True)  # the old two-argument call, plus stdout
    try:
        result = CliRunner().invoke(cli, ["diff", *urls, "-t", "t", "--format", "csv"])
    finally:
        del RENDERERS["csv"]
    assert result.exit_code == 1, result.output
    assert result.output.strip() == EXPECTED_CSV.strip()
    assert "--csv" not in CliRunner().invoke(cli, ["diff", "--help"]).output  # gone with the renderer


def test_a_registered_renderer_gets_an_api_path(csv_format, urls, tmp_path):
    result = dbdiff.diff(*urls, table="t")
    written = write(result, "csv", tmp_path / "changed.csv")
    assert written.read_text(encoding="utf-8") == EXPECTED_CSV
    with pytest.raises(UsageError, match="unknown report format 'cvs'") as info:
        write(result, "cvs", tmp_path / "x")
    assert "did you mean 'csv'?" in str(info.value)


def test_retries_and_memory_limit_reach_the_engine(urls, monkeypatch):
    seen = []
    run = api.diff_with
    monkeypatch.setattr(api, "diff_with", lambda *args, **kw: seen.append(args[2]) or run(*args, **kw))
    args = ["diff", *urls, "-t", "t", "--retries", "0", "--memory-limit", "256MB", "-q", "--columns", "id,v"]
    assert CliRunner().invoke(cli, args).exit_code == 1
    assert (seen[0].retries, seen[0].memory_limit, list(seen[0].columns)) == (0, "256MB", ["id", "v"])
    assert dbdiff.diff(*urls, table="t", retries=1, memory_limit="256MB").exit_code == 1


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--retries", "-1"], "--retries must not be negative, not -1"),
        (["--workers", "0"], "--workers must be at least 1, not 0"),
        (["--sample-limit", "-2"], "--sample-limit must not be negative, not -2"),
    ],
)
def test_values_are_checked_in_one_place_for_cli_and_api(urls, flags, message):
    result = CliRunner().invoke(cli, ["diff", *urls, "-t", "t", *flags])
    assert result.exit_code == 2 and result.output.strip() == f"dbdiff: error: {message}"
    keyword = flags[0].lstrip("-").replace("-", "_")
    with pytest.raises(UsageError, match=message):
        dbdiff.diff(*urls, table="t", **{keyword: int(flags[1])})


def test_api_keywords_come_from_the_options():
    for function, options in ((dbdiff.diff, DiffOptions), (dbdiff.validate, ValidateOptions)):
        parameters = inspect.signature(function).parameters
        assert {"table", "key", "chunk_size", "retries", "memory_limit", "column_rules", "mask"} <= set(
            parameters
        )
        assert parameters["table"].default is inspect.Parameter.empty
        assert parameters["chunk_size"].default == 100_000
        assert "chunk_size: Rows per chunk." in (function.__doc__ or "")
        assert options.from_keywords({"table": "t", "key": "id"}).key == ["id"]
    assert "max_values" in inspect.signature(dbdiff.infer_schema).parameters
    assert "right_table" not in inspect.signature(dbdiff.validate).parameters
    assert InferOptions.from_keywords({"table": "t", "column_rules": {"v": "text"}}).overrides == {
        "v": ("text", {})
    }


def test_an_unknown_keyword_suggests_the_closest():
    with pytest.raises(
        TypeError, match=r"diff\(\) got an unexpected keyword argument 'chunksize'; did you mean"
    ):
        dbdiff.diff("sqlite:///a.db", "sqlite:///b.db", table="t", chunksize=10)
    with pytest.raises(TypeError, match="'table'"):
        dbdiff.validate("sqlite:///a.db")


def test_a_misused_api_call_is_worded_as_python_words_it():
    cases = [
        (lambda: dbdiff.diff("a", "b", "t"), "diff() takes 2 positional arguments but 3 were given"),
        (lambda: dbdiff.diff("a", "b"), "diff() missing 1 required keyword-only argument: 'table'"),
        (lambda: dbdiff.diff("a", table="t"), "diff() missing 1 required positional argument: 'right'"),
        (lambda: dbdiff.validate("a", "t"), "validate() takes 1 positional argument but 2 were given"),
    ]
    for call, message in cases:
        with pytest.raises(TypeError) as info:
            call()
        assert str(info.value) == message


def test_infer_schema_keeps_its_max_values_range_and_any_workers(urls):
    result = CliRunner().invoke(cli, ["infer-schema", urls[0], "-t", "t", "--max-values", "-1"])
    assert result.exit_code == 2
    assert "Invalid value for '--max-values': -1 is not in the range x>=0." in result.output
    assert "[default: 20; x>=0]" in CliRunner().invoke(cli, ["infer-schema", "--help"]).output
    for workers in ("0", "-3"):  # read with one worker, as infer-schema always has
        result = CliRunner().invoke(cli, ["infer-schema", urls[0], "-t", "t", "--workers", workers])
        assert result.exit_code == 0 and "schema_type: polars_dataframe" in result.output, result.output
    assert "schema_type" in dbdiff.infer_schema(urls[0], table="t", workers=0)


def test_a_memory_limit_duckdb_cannot_read_is_a_usage_error(urls, tmp_path):
    result = CliRunner().invoke(cli, ["diff", *urls, "-t", "t", "--memory-limit", "lots"])
    assert result.exit_code == 2, result.output
    assert result.output.startswith("dbdiff: error: --memory-limit 'lots' is not a size")
    workdir = tmp_path / "work"
    with pytest.raises(UsageError, match="--memory-limit '100' is not a size"):
        dbdiff.diff(*urls, table="t", memory_limit="100", workdir=str(workdir))
    assert list(workdir.iterdir()) == []  # the store's directory went with it


def test_an_empty_string_names_no_column_and_no_rule_file(urls):
    result = dbdiff.diff(*urls, table="t", key="", columns="", exclude="", mask="", rules="", aggregate="")
    assert result.exit_code == 1 and [c.name for c in result.table().columns] == ["v"]
    assert dbdiff.validate(urls[0], table="t", columns="", rules="").exit_code == 0
    assert "schema_type" in dbdiff.infer_schema(urls[0], table="t", columns="", exclude="")
