"""Invariants (dbdiff.checks) on in-memory Arrow sources and local files: schemas, built-ins, outputs."""

from __future__ import annotations

import datetime as dt
import decimal
import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pandera.polars as pa
import polars as pl
import pyarrow as pyarrow
import pytest

import dbdiff
from dbdiff.checks import load_schema, load_schema_file
from dbdiff.errors import ColumnError, ConfigError, KeyColumnError, UsageError
from dbdiff.sources.duckdb import ArrowSource

N = 60


def source(frame: pl.DataFrame, key: tuple[str, ...] | None = ("id",), name: str = "orders") -> ArrowSource:
    return ArrowSource({name: frame}, primary_keys={name: list(key)} if key else None)


def orders(n: int = N) -> pl.DataFrame:
    return pl.DataFrame(
        {
            "id": list(range(1, n + 1)),
            "amount": [float(i) for i in range(1, n + 1)],
            "status": [("new", "paid", "shipped")[i % 3] for i in range(n)],
            "customer": [f"c{i:03d}" for i in range(n)],
        }
    )


SCHEMA = pa.DataFrameSchema(
    {
        "id": pa.Column(pl.Int64),
        "amount": pa.Column(pl.Float64, pa.Check.ge(0)),
        "status": pa.Column(pl.String, pa.Check.isin(["new", "paid", "shipped"])),
    }
)


def failures(result: dbdiff.DiffResult) -> dict[tuple[str, str | None, str], int]:
    return {(f.side, f.column, f.check): f.count for f in result.table().validation.failures}


def plant(frame: pl.DataFrame, column: str, ids: set[int], value: object) -> pl.DataFrame:
    return frame.with_columns(
        pl.when(pl.col("id").is_in(sorted(ids))).then(pl.lit(value)).otherwise(pl.col(column)).alias(column)
    )


# --- diff --schema -----------------------------------------------------------------------------


@pytest.mark.parametrize("chunk_size", [7, 25, 1000])
def test_violations_on_one_side_and_on_both_are_counted_exactly(chunk_size):
    left = plant(orders(), "amount", {3, 40}, -1.0)  # only the left side
    left = plant(left, "status", {5, 17, 59}, "lost")  # both sides
    right = plant(orders(), "status", {5, 17, 59}, "lost")
    result = dbdiff.diff(source(left), source(right), table="orders", schema=SCHEMA, chunk_size=chunk_size)
    table = result.table()
    isin = "isin(['new', 'paid', 'shipped'])"
    assert failures(result) == {
        ("left", "amount", "greater_than_or_equal_to(0)"): 2,
        ("left", "status", isin): 3,
        ("right", "status", isin): 3,
    }
    assert result.exit_code == 1 and not table.validation.passed
    by_check = {(f.side, f.check): f for f in table.validation.failures}
    assert [e["key"] for e in by_check["left", "greater_than_or_equal_to(0)"].examples] == [
        {"id": 3},
        {"id": 40},
    ]
    assert by_check["right", isin].examples == tuple({"key": {"id": i}, "value": "lost"} for i in (5, 17, 59))
    # The data itself differs only where the amount was planted.
    assert table.summary.changed == 2
    if chunk_size < N:
        assert table.stats["chunks"] > 1


def test_identical_data_that_breaks_a_rule_fails_with_exit_code_1():
    bad = plant(orders(), "amount", {1}, -5.0)
    result = dbdiff.diff(source(bad), source(bad), table="orders", schema=SCHEMA, chunk_size=10)
    table = result.table()
    assert table.summary.differences == 0
    assert table.status == "different" and result.exit_code == 1
    assert failures(result) == {
        ("left", "amount", "greater_than_or_equal_to(0)"): 1,
        ("right", "amount", "greater_than_or_equal_to(0)"): 1,
    }
    data = json.loads(result.to_json())
    assert data["tables"][0]["validation"] == {
        "passed": False,
        "failures": [
            {
                "side": side,
                "column": "amount",
                "check": "greater_than_or_equal_to(0)",
                "count": 1,
                "examples": [{"key": {"id": 1}, "value": -5.0}],
            }
            for side in ("left", "right")
        ],
    }
    assert data["options"]["schema"] == "DataFrameSchema"


def test_passing_schema_keeps_the_result_identical():
    result = dbdiff.diff(source(orders()), source(orders()), table="orders", schema=SCHEMA, chunk_size=9)
    assert result.status == "identical" and result.exit_code == 0
    assert result.table().validation.passed and not result.table().validation.failures


def test_no_schema_runs_only_the_built_ins():
    result = dbdiff.diff(source(orders()), source(orders()), table="orders", chunk_size=9)
    assert result.table().validation.passed
    assert "schema" not in result.to_dict()["options"]


def test_a_check_failing_on_every_row_keeps_its_examples_bounded():
    frame = orders(500)
    result = dbdiff.diff(
        source(frame),
        source(frame),
        table="orders",
        schema=pa.DataFrameSchema({"amount": pa.Column(pl.Float64, pa.Check.lt(0))}),
        chunk_size=37,
        sample_limit=5,
    )
    for failure in result.table().validation.failures:
        assert failure.count == 500
        # The smallest keys, whatever the chunking.
        assert [e["key"]["id"] for e in failure.examples] == [1, 2, 3, 4, 5]


def test_left_and_right_schemas_apply_to_their_own_side():
    left_schema = pa.DataFrameSchema({"status": pa.Column(pl.String, pa.Check.isin(["new"]))})
    right_schema = pa.DataFrameSchema({"amount": pa.Column(pl.Float64, pa.Check.le(30))})
    result = dbdiff.diff(
        source(orders()),
        source(orders()),
        table="orders",
        schema=SCHEMA,  # a side's own schema wins over it
        left_schema=left_schema,
        right_schema=right_schema,
        chunk_size=11,
    )
    assert failures(result) == {
        ("left", "status", "isin(['new'])"): 40,
        ("right", "amount", "less_than_or_equal_to(30)"): 30,
    }


def test_schema_naming_a_missing_column_is_a_clear_error():
    schema = pa.DataFrameSchema({"amount_cents": pa.Column(pl.Int64)})
    with pytest.raises(ColumnError, match="amount_cents") as info:
        dbdiff.diff(source(orders()), source(orders()), table="orders", schema=schema)
    assert info.value.exit_code == 2


def test_schema_column_only_on_one_side_says_why():
    right = orders().drop("customer")
    schema = pa.DataFrameSchema({"customer": pa.Column(pl.String)})
    with pytest.raises(ColumnError, match="other side lacks"):
        dbdiff.diff(source(orders()), source(right), table="orders", left_schema=schema)


def test_wrong_dtype_is_a_config_error_not_a_data_failure():
    schema = pa.DataFrameSchema({"amount": pa.Column(pl.Int32)})
    with pytest.raises(ConfigError, match="amount") as info:
        dbdiff.diff(source(orders()), source(orders()), table="orders", schema=schema, chunk_size=10)
    assert info.value.exit_code == 2


def test_check_that_cannot_apply_is_a_config_error():
    schema = pa.DataFrameSchema({"status": pa.Column(pl.String, pa.Check.ge(0))})
    with pytest.raises(ConfigError, match="does not fit"):
        dbdiff.diff(source(orders()), source(orders()), table="orders", schema=schema)


def test_coerce_lets_one_schema_serve_differently_typed_sides():
    schema = pa.DataFrameSchema({"amount": pa.Column(pl.Int64, pa.Check.ge(0), coerce=True)})
    result = dbdiff.diff(source(orders()), source(orders()), table="orders", schema=schema)
    assert result.table().validation.passed


def test_values_that_do_not_coerce_fail_their_column_and_every_row_is_still_checked():
    """pandera coerces every column or none: one bad text would leave both columns uncoerced and
    their checks failing on every row. Each bad value fails its own column's coercion; every row
    is validated (a row with a bad value too), and each failure names its own key."""
    frame = orders().with_columns(pl.col("amount").cast(pl.String), pl.col("id").cast(pl.String).alias("qty"))
    frame = plant(plant(frame, "amount", {3, 7}, "n/a"), "qty", {7, 11}, "many")
    frame = plant(frame, "amount", {11, 50}, "-5")  # 11's qty does not coerce: its amount still fails
    schema = pa.DataFrameSchema(
        {
            "amount": pa.Column(pl.Float64, pa.Check.ge(0), coerce=True, nullable=True),
            "qty": pa.Column(pl.Int64, pa.Check.le(55), coerce=True),
        },
        # Frame-wide: this one sees the NULL standing in for 'many' at 7 and 11 (a NULL outcome
        # passes in pandera); the aggregate one fails every chunk, whatever its first row holds.
        checks=[
            pa.Check(lambda d: d.lazyframe.select(pl.col("qty") <= 58), name="qty_at_most_58"),
            pa.Check(lambda d: d.lazyframe.select(pl.col("id").sum() < 0), name="ids_negative"),
        ],
    )
    for chunk_size in (17, 1):
        result = dbdiff.validate(source(frame), table="orders", schema=schema, chunk_size=chunk_size)
        assert failures(result) == {
            ("left", "amount", "coerce_dtype(Float64)"): 2,
            ("left", "qty", "coerce_dtype(Int64)"): 2,
            ("left", "amount", "greater_than_or_equal_to(0)"): 2,
            ("left", "qty", "less_than_or_equal_to(55)"): 5,
            ("left", None, "qty_at_most_58"): 2,
            ("left", None, "ids_negative"): 60 // chunk_size + (60 % chunk_size > 0),
        }
        shown = {f.check: [e["key"]["id"] for e in f.examples] for f in result.table().validation.failures}
        assert shown["coerce_dtype(Float64)"] == [3, 7] and shown["coerce_dtype(Int64)"] == [7, 11]
        assert shown["greater_than_or_equal_to(0)"] == [11, 50] and shown["qty_at_most_58"] == [59, 60]
        assert shown["less_than_or_equal_to(55)"] == list(range(56, 61))
        listed = {(c["column"], c["check"]) for c in result.table().validation.checks}
        assert {("amount", "coerce_dtype(Float64)"), ("qty", "coerce_dtype(Int64)")} <= listed  # counted
        assert result.exit_code == 1


def test_uniqueness_of_a_coerced_column_judges_the_coerced_values():
    """'1', '01' and '+1' coerced to Int64 are one value, as pandera judges them; values that don't
    cast fail their coercion and are no duplicates of each other. Across chunks too."""
    frame = pl.DataFrame(
        {
            "id": [1, 2, 3, 4, 5, 6, 7],
            "x": ["1", "01", "+1", "bad", "bad", "7", None],
            "y": [1, 1, 2, 3, 3, 4, 5],
        }
    )
    schema = pa.DataFrameSchema(
        {"x": pa.Column(pl.Int64, coerce=True, unique=True, nullable=True), "y": pa.Column(pl.Int64)},
        unique=["x", "y"],
    )
    for chunk_size in (2, 100):
        result = dbdiff.validate(source(frame), table="orders", schema=schema, chunk_size=chunk_size)
        shown = {
            f.check: sorted(e["key"]["id"] for e in f.examples) for f in result.table().validation.failures
        }
        assert shown == {
            "coerce_dtype(Int64)": [4, 5],
            "field_uniqueness": [1, 2, 3],
            "multiple_fields_uniqueness": [1, 2],
        }, chunk_size


def test_bytes_that_are_no_utf8_fail_their_coercion_to_text():
    """polars fails a whole cast of bytes to text on one value that is no UTF-8 (a VARBINARY of
    any bytes): the run stopped with exit 3. Each such value fails its own row's coercion."""
    frame = pl.DataFrame(
        {"id": [1, 2, 3, 4, 5], "code": [b"c1", b"\xff\xfe", b"c3", None, b"x\xc3("]},
        schema={"id": pl.Int64, "code": pl.Binary},
    )
    schema = pa.DataFrameSchema(
        {"code": pa.Column(pl.String, pa.Check.str_startswith("c"), coerce=True, nullable=True)}
    )
    for chunk_size in (2, 100):
        result = dbdiff.validate(source(frame), table="orders", schema=schema, chunk_size=chunk_size)
        (failed,) = result.table().validation.failures
        assert (failed.column, failed.check, failed.count) == ("code", "coerce_dtype(String)", 2)
        assert [e["key"]["id"] for e in failed.examples] == [2, 5]
        assert result.exit_code == 1


def test_a_coercion_no_cast_can_make_is_a_schema_that_does_not_fit():
    """polars casts no text to a Date, whatever the text: pandera's coercion fails on every row.
    That is the schema's fault (exit 2) and says so, with no failures made of it."""
    frame = orders().with_columns(pl.lit("2024-01-01").alias("day"))
    schema = pa.DataFrameSchema({"day": pa.Column(pl.Date, coerce=True)})
    with pytest.raises(ConfigError, match="cannot coerce the data") as caught:
        dbdiff.validate(source(frame), table="orders", schema=schema)
    assert "cast to" in caught.value.hint
    assert "'day' arrives as String, which has no cast to Date" in caught.value.message


@pytest.mark.parametrize("dtype", [pl.Int64, pl.Float64])
def test_bytes_coerced_to_a_number_are_a_schema_that_does_not_fit_even_when_no_utf8(dtype):
    """polars casts no bytes to a number: exit 2, as for valid text. Bytes that are no UTF-8
    crashed pandera's own report of the failure (exit 3)."""
    frame = pl.DataFrame(
        {"id": [1, 2], "code": [b"12", b"\xff\xfe"]}, schema={"id": pl.Int64, "code": pl.Binary}
    )
    schema = pa.DataFrameSchema({"code": pa.Column(dtype, coerce=True, nullable=True)})
    for rows in (frame.head(1), frame):
        with pytest.raises(ConfigError, match="'code' arrives as Binary, which has no cast to"):
            dbdiff.validate(source(rows), table="orders", schema=schema)


@pytest.mark.parametrize(
    ("dtype", "values", "to"), [(pl.Binary, [None, None], pl.Int64), (pl.String, [None], pl.Date)]
)
def test_a_coercion_no_cast_can_make_is_refused_when_the_rows_read_hold_only_nulls(dtype, values, to):
    """polars refuses such a cast only once a value meets it: a chunk of NULLs (a --where that
    reads few rows) passed, and the same schema failed with exit 2 on the next value read."""
    frame = pl.DataFrame(
        {"id": list(range(len(values))), "code": values}, schema={"id": pl.Int64, "code": dtype}
    )
    schema = pa.DataFrameSchema({"code": pa.Column(to, coerce=True, nullable=True)})
    with pytest.raises(ConfigError, match=f"'code' arrives as {dtype}, which has no cast to {to}"):
        dbdiff.validate(source(frame), table="orders", schema=schema)


@pytest.mark.parametrize("on", ["column", "schema"])
def test_drop_invalid_rows_is_refused_since_it_would_pass_failing_rows(on):
    """pandera drops the rows that fail and raises nothing: the run would say it passed."""
    column = pa.Column(pl.Float64, pa.Check.ge(100), drop_invalid_rows=on == "column")
    schema = pa.DataFrameSchema({"amount": column}, drop_invalid_rows=on == "schema")
    with pytest.raises(ConfigError, match="drop_invalid_rows") as caught:
        dbdiff.validate(source(orders()), table="orders", schema=schema)
    assert "unreported" in caught.value.message


def test_dataframe_model_through_the_api():
    class Orders(pa.DataFrameModel):
        amount: float = pa.Field(ge=0)
        status: str = pa.Field(isin=["new", "paid"])

    result = dbdiff.diff(source(orders()), source(orders()), table="orders", schema=Orders, chunk_size=13)
    assert failures(result) == {
        ("left", "status", "isin(['new', 'paid'])"): 20,
        ("right", "status", "isin(['new', 'paid'])"): 20,
    }
    assert result.to_dict()["options"]["schema"] == "Orders"


def test_frame_wide_check_reports_each_failing_row():
    class Timeline(pa.DataFrameModel):
        @pa.dataframe_check
        def shipped_after_created(cls, data) -> pl.LazyFrame:
            return data.lazyframe.select(pl.col("shipped") >= pl.col("created"))

    frame = pl.DataFrame({"id": [1, 2, 3, 4], "created": [1, 5, 5, 9], "shipped": [2, 4, 6, 8]})
    result = dbdiff.validate(source(frame), table="orders", schema=Timeline, chunk_size=1)
    (failure,) = result.table().validation.failures
    assert (failure.side, failure.column, failure.check, failure.count) == (
        "left",
        None,
        "shipped_after_created",
        2,
    )
    assert failure.examples == (
        {"key": {"id": 2}, "value": {"id": 2, "created": 5, "shipped": 4}},
        {"key": {"id": 4}, "value": {"id": 4, "created": 9, "shipped": 8}},
    )


def test_the_function_is_not_shadowed_by_the_module():
    import dbdiff.checks

    assert callable(dbdiff.validate) and callable(dbdiff.infer_schema)


def test_a_schema_of_the_wrong_kind_is_a_usage_error():
    with pytest.raises(UsageError, match="pandera"):
        load_schema(42)


# --- uniqueness across chunks ------------------------------------------------------------------


def test_unique_column_holds_across_chunks():
    frame = orders().with_columns(
        pl.when(pl.col("id").is_in([2, 50]))
        .then(pl.lit("dup"))
        .otherwise(pl.col("customer"))
        .alias("customer")
    )
    schema = pa.DataFrameSchema({"customer": pa.Column(pl.String, unique=True)})
    result = dbdiff.diff(source(frame), source(orders()), table="orders", schema=schema, chunk_size=10)
    assert failures(result) == {("left", "customer", "field_uniqueness"): 2}
    (failure,) = result.table().validation.failures
    assert failure.examples == ({"key": {"id": 2}, "value": "dup"}, {"key": {"id": 50}, "value": "dup"})


def test_unique_column_combination_holds_across_chunks():
    frame = orders().with_columns(pl.lit("x").alias("customer"))
    frame = frame.with_columns(
        pl.when(pl.col("id") == 58).then(pl.lit("new")).otherwise("status").alias("status")
    )
    schema = pa.DataFrameSchema(unique=["customer", "status"])
    result = dbdiff.diff(source(frame), source(frame), table="orders", left_schema=schema, chunk_size=10)
    # Every row shares customer "x"; statuses repeat, so every row is in a duplicated combination.
    assert failures(result) == {("left", None, "multiple_fields_uniqueness"): N}


def test_key_duplicated_across_two_chunks_is_found():
    """'AB' and 'ab' are far apart in key order but the same key once case is ignored."""
    keys = [f"k{i:03d}" for i in range(40)] + ["AB", "ab"]
    frame = pl.DataFrame({"code": keys, "v": list(range(len(keys)))})
    result = dbdiff.diff(
        source(frame, ("code",)),
        source(frame, ("code",)),
        table="orders",
        chunk_size=5,
        column_rules={"code": ("text", {"ignore_case": True})},
    )
    table = result.table()
    assert table.stats["chunks"] > 2
    assert failures(result) == {("left", "code", "key_unique"): 2, ("right", "code", "key_unique"): 2}
    assert table.validation.failures[0].examples == ({"key": {"code": "AB"}, "value": 2},)


def test_duplicate_and_null_keys_without_a_primary_key():
    frame = pl.DataFrame(
        {"id": [1, 2, 2, 3, None, None, 4, 4, 4], "v": ["a", "b", "b", "c", "n1", "n2", "d", "d", "d"]}
    )
    clean = pl.DataFrame({"id": [1, 2, 3, 4], "v": ["a", "b", "c", "d"]})
    for chunk_size in (1, 2, 100):
        result = dbdiff.diff(
            source(frame, None), source(clean, None), table="orders", key="id", chunk_size=chunk_size
        )
        assert failures(result) == {
            ("left", "id", "key_not_null"): 2,
            ("left", "id", "key_unique"): 5,
            ("both", None, "row_count_equal"): 5,
        }, chunk_size
        by_check = {f.check: f for f in result.table().validation.failures}
        assert by_check["key_unique"].examples == (
            {"key": {"id": 2}, "value": 2},
            {"key": {"id": 4}, "value": 3},
        )
        assert by_check["key_not_null"].examples == ({"key": {"id": None}, "value": None},) * 2
        assert by_check["row_count_equal"].examples == ({"key": {}, "value": {"left": 9, "right": 4}},)


# --- aggregates --------------------------------------------------------------------------------


def test_aggregates_agree_and_disagree():
    left = orders()
    right = plant(orders(), "amount", {10}, 10.5)
    result = dbdiff.diff(
        source(left), source(right), table="orders", aggregate=["amount", "status"], chunk_size=8
    )
    assert failures(result) == {("both", "amount", "aggregate_sum"): 1}
    stats = result.table().stats["aggregates"]
    assert stats["amount"]["left"] == {"count": N, "sum": 1830.0, "min": 1.0, "max": 60.0}
    assert stats["amount"]["right"]["sum"] == 1830.5
    assert stats["status"]["left"] == {"count": N, "min": "new", "max": "shipped"}
    same = dbdiff.diff(source(left), source(left), table="orders", aggregate="amount", chunk_size=8)
    assert same.table().validation.passed


def test_decimal_aggregates_are_exact():
    values = [decimal.Decimal("0.10")] * 30 + [decimal.Decimal("12345678901234567890.01")]
    left = pyarrow.table({"id": list(range(31)), "amount": pyarrow.array(values, pyarrow.decimal128(38, 2))})
    right_values = [*values[:-1], decimal.Decimal("12345678901234567890.02")]
    right = pyarrow.table(
        {"id": list(range(31)), "amount": pyarrow.array(right_values, pyarrow.decimal128(38, 2))}
    )
    result = dbdiff.diff(
        ArrowSource({"t": left}, {"t": ["id"]}),
        ArrowSource({"t": right}, {"t": ["id"]}),
        table="t",
        aggregate=["amount"],
        chunk_size=4,
    )
    stats = result.table().stats["aggregates"]["amount"]
    assert stats["left"]["sum"] == "12345678901234567893.01"
    assert stats["right"]["sum"] == "12345678901234567893.02"
    assert {f.check for f in result.table().validation.failures} == {"aggregate_sum", "aggregate_max"}


def test_aggregate_of_an_unknown_column_is_an_error():
    with pytest.raises(ColumnError, match="nope"):
        dbdiff.diff(source(orders()), source(orders()), table="orders", aggregate=["nope"])


def test_decimals_reach_pandera_as_exact_decimals():
    values = [decimal.Decimal("0.01"), decimal.Decimal("-0.01"), decimal.Decimal("99.99")]
    table = pyarrow.table({"id": [1, 2, 3], "price": pyarrow.array(values, pyarrow.decimal128(10, 2))})
    schema = pa.DataFrameSchema({"price": pa.Column(pl.Decimal(38, 2), pa.Check.gt(0))})
    result = dbdiff.validate(ArrowSource({"t": table}, {"t": ["id"]}), table="t", schema=schema)
    (failure,) = result.table().validation.failures
    assert (failure.column, failure.count) == ("price", 1)
    assert failure.examples == ({"key": {"id": 2}, "value": "-0.01"},)


# --- schema files ------------------------------------------------------------------------------


def test_yaml_written_by_pandera_loads_and_checks(tmp_path):
    path = tmp_path / "orders.yaml"
    SCHEMA.to_yaml(path)
    loaded = load_schema_file(path)
    assert set(loaded.columns) == {"id", "amount", "status"}
    bad = plant(orders(), "amount", {7}, -1.0)
    result = dbdiff.diff(source(bad), source(orders()), table="orders", schema=str(path), chunk_size=10)
    assert failures(result) == {("left", "amount", "greater_than_or_equal_to(0)"): 1}
    assert result.to_dict()["options"]["schema"] == str(path)


def test_shipped_example_schema_loads():
    example = Path(__file__).resolve().parents[2] / "examples" / "orders.schema.yaml"
    schema = load_schema_file(example)
    assert "amount" in schema.columns


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("columns: [unclosed", "not valid YAML"),
        ("- just\n- a list\n", "not a pandera schema"),
        ("schema_type: dataframe\ncolumns: {a: {dtype: int64}}\n", "not a polars one"),
        (
            "schema_type: polars_dataframe\ncolumns:\n  a:\n    dtype: Int64\n    no_such_check: 1\n",
            "unknown",
        ),
        ("schema_type: polars_dataframe\ncolumns:\n  a:\n    dtype: NotAType\n", "cannot be loaded"),
    ],
)
def test_bad_schema_files_are_config_errors(tmp_path, text, needle):
    path = tmp_path / "bad.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError, match=needle) as info:
        load_schema_file(path)
    assert info.value.exit_code == 2


def test_missing_schema_file_fails_before_any_work(tmp_path):
    with pytest.raises(ConfigError, match="does not exist"):
        dbdiff.validate(source(orders()), table="orders", schema=str(tmp_path / "nope.yaml"))


# --- validate and infer-schema -----------------------------------------------------------------


def test_validate_one_source_chunked():
    bad = plant(orders(), "amount", {2, 30, 31}, -1.0)
    result = dbdiff.validate(source(bad), table="orders", schema=SCHEMA, chunk_size=7)
    table = result.table()
    assert failures(result) == {("left", "amount", "greater_than_or_equal_to(0)"): 3}
    assert result.exit_code == 1 and table.status == "different"
    assert table.summary.rows_left == N and table.stats["chunks"] > 1
    assert result.options["command"] == "validate"
    good = dbdiff.validate(source(orders()), table="orders", schema=SCHEMA, chunk_size=7)
    assert good.exit_code == 0 and good.status == "identical"


def test_validate_needs_a_key_when_there_is_no_primary_key():
    with pytest.raises(KeyColumnError, match="--key"):
        dbdiff.validate(source(orders(), None), table="orders")


def test_validate_renders_in_every_format():
    from dbdiff.report import render

    bad = plant(orders(), "status", {4}, "lost")
    result = dbdiff.validate(source(bad), table="orders", schema=SCHEMA)
    for fmt in ("json", "markdown", "html", "junit"):
        assert "lost" in render(result, fmt), fmt


def test_inferred_schema_passes_on_its_data_and_catches_a_planted_violation(tmp_path):
    frame = orders().with_columns(
        pl.Series("note", [None if i % 4 else f"n{i}" for i in range(N)]),
        pl.Series("day", [dt.date(2024, 1, 1 + i % 28) for i in range(N)]),
        pl.Series("at", [dt.datetime(2024, 1, 1, 12, 0, i % 60, 250_000) for i in range(N)]),
    )
    text = dbdiff.infer_schema(source(frame), table="orders", chunk_size=9)
    path = tmp_path / "inferred.yaml"
    path.write_text(text, encoding="utf-8")
    schema = load_schema_file(path)
    assert schema.columns["status"].checks[0].statistics == {"allowed_values": ["new", "paid", "shipped"]}
    assert schema.columns["id"].unique and not schema.columns["id"].nullable
    assert schema.columns["note"].nullable and not schema.columns["amount"].nullable
    assert dbdiff.validate(source(frame), table="orders", schema=str(path), chunk_size=9).exit_code == 0
    bad = plant(frame, "amount", {3}, 1000.0)
    result = dbdiff.validate(source(bad), table="orders", schema=str(path), chunk_size=9)
    assert failures(result) == {("left", "amount", "in_range(1.0, 60.0)"): 1}


def test_parquet_file_through_the_cli(tmp_path):
    path = tmp_path / "orders.parquet"
    plant(orders(), "amount", {9}, -3.0).write_parquet(path)
    schema_path = tmp_path / "orders.yaml"
    SCHEMA.to_yaml(schema_path)
    report = tmp_path / "out.json"

    def cli(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "dbdiff.cli", *args],
            capture_output=True,
            text=True,
            timeout=120,
            env={**os.environ, "DBDIFF_NO_PROGRESS": "1"},
        )

    failed = cli("validate", str(path), "--table", "orders", "--key", "id", "--schema", str(schema_path),
                 "--chunk-size", "10", "--json", str(report), "--quiet")  # fmt: skip
    assert failed.returncode == 1, failed.stderr
    data = json.loads(report.read_text())
    assert data["tables"][0]["validation"]["failures"][0]["examples"] == [{"key": {"id": 9}, "value": -3.0}]
    bad_schema = tmp_path / "bad.yaml"
    bad_schema.write_text("columns: [", encoding="utf-8")
    broken = cli("validate", str(path), "--table", "orders", "--key", "id", "--schema", str(bad_schema))
    assert broken.returncode == 2 and broken.stderr.startswith("dbdiff: error: "), broken.stderr
    assert "Traceback" not in broken.stderr
    inferred = tmp_path / "inferred.yaml"
    made = cli("infer-schema", str(path), "--table", "orders", "--key", "id", "-o", str(inferred))
    assert made.returncode == 0, made.stderr
    passed = cli("validate", str(path), "--table", "orders", "--key", "id", "--schema", str(inferred), "-q")
    assert passed.returncode == 0, passed.stderr


def test_uniqueness_goes_to_the_store_only_when_normalization_can_merge_keys():
    from dbdiff.compare import keys_may_merge as keys_may_cross_chunks
    from dbdiff.engine import build_plan
    from dbdiff.options import DiffOptions

    frame = pl.DataFrame({"code": ["a", "b"], "v": [1, 2]})
    left, right = source(frame, ("code",)), source(frame, ("code",))
    plain = build_plan(left, right, DiffOptions(table="orders"))
    folded = build_plan(
        left, right, DiffOptions(table="orders", overrides={"code": ("text", {"ignore_case": True})})
    )
    ints = build_plan(source(orders()), source(orders()), DiffOptions(table="orders"))
    assert not keys_may_cross_chunks(plain) and not keys_may_cross_chunks(ints)
    assert keys_may_cross_chunks(folded)


def test_the_documented_model_runs():
    """The Python example of docs/validation.md, on an in-memory table."""
    text = (Path(__file__).resolve().parents[2] / "docs" / "validation.md").read_text(encoding="utf-8")
    code = text.split("```python\n", 1)[1].split("```", 1)[0]
    values = [decimal.Decimal("1.50"), decimal.Decimal("-2.00"), decimal.Decimal("3.25")]
    created = [dt.datetime(2024, 1, d) for d in (1, 2, 3)]
    table = pyarrow.table(
        {
            "id": [1, 2, 3],
            "amount": pyarrow.array(values, pyarrow.decimal128(12, 2)),
            "status": ["new", "paid", "lost"],
            "created_at": created,
            "shipped_at": [created[0], dt.datetime(2023, 1, 1), None],
        }
    )
    sources = {name: ArrowSource({"orders": table}, {"orders": ["id"]}) for name in ("left", "right")}
    # A module of its own, so pandera can resolve the model's annotations.
    module = types.ModuleType("dbdiff_docs_validation")
    module.__dict__.update(left_url=sources["left"], right_url=sources["right"], print=lambda *a: None)
    sys.modules[module.__name__] = module
    try:
        exec(compile(code, "docs/validation.md", "exec"), module.__dict__)
    finally:
        del sys.modules[module.__name__]
    result = module.__dict__["result"]
    got = {(f.side, f.column, f.check): f.count for f in result.table().validation.failures}
    assert got == {
        (side, column, check): 1
        for side in ("left", "right")
        for column, check in (
            ("amount", "greater_than_or_equal_to(0)"),
            ("status", "isin(['new', 'paid', 'shipped'])"),
            (None, "shipped_after_created"),
        )
    }


# --- regressions -------------------------------------------------------------------------------


@pytest.mark.parametrize("special", [float("nan"), float("inf"), float("-inf")])
def test_float_aggregates_of_identical_data_with_nan_or_infinity_agree(special):
    frame = pl.DataFrame({"id": [1, 2, 3], "f": [1.0, special, 2.0]})
    result = dbdiff.diff(source(frame), source(frame), table="orders", aggregate=["f"], chunk_size=2)
    assert result.table().validation.passed, result.table().validation.failures
    other = frame.with_columns(pl.Series("f", [1.0, 5.0, 2.0]))
    differs = dbdiff.diff(source(frame), source(other), table="orders", aggregate=["f"], chunk_size=2)
    assert ("both", "f", "aggregate_sum") in failures(differs)


@pytest.mark.parametrize(
    ("chunk_size", "rules"),
    [(1, None), (2, None), (100, None), (2, {"id": ("text", {"ignore_case": True})})],
)
def test_validate_counts_distinct_duplicated_keys_like_diff(chunk_size, rules):
    ids = ["1", "1", "1", "2", "2", "3"] if rules else [1, 1, 1, 2, 2, 3]
    frame = pl.DataFrame({"id": ids, "v": list(range(6))})
    kwargs = {"table": "orders", "key": "id", "chunk_size": chunk_size, "column_rules": rules}
    checked = dbdiff.validate(source(frame, None), **kwargs)
    diffed = dbdiff.diff(source(frame, None), source(frame, None), **kwargs)
    assert checked.table().summary.duplicate_keys_left == diffed.table().summary.duplicate_keys_left == 2
    assert failures(checked) == {("left", "id", "key_unique"): 5}


@pytest.mark.parametrize("chunk_size", [1, 2, 10])
def test_decimal_aggregates_are_exact_past_28_digits_and_independent_of_chunking(chunk_size):
    big = decimal.Decimal("1234567890123456789.1234567891")
    left = [big, big, decimal.Decimal("1.0000000000")]
    right = [big, big, decimal.Decimal("1.0000000001")]

    def side(values: list[decimal.Decimal]) -> ArrowSource:
        table = pyarrow.table({"id": [1, 2, 3], "d": pyarrow.array(values, pyarrow.decimal128(38, 10))})
        return ArrowSource({"t": table}, {"t": ["id"]})

    result = dbdiff.diff(side(left), side(right), table="t", aggregate=["d"], chunk_size=chunk_size)
    stats = result.table().stats["aggregates"]["d"]
    assert stats["left"] == {
        "count": 3,
        "sum": "2469135780246913579.2469135782",
        "min": "1.0000000000",  # at the declared scale, however the chunks fell
        "max": "1234567890123456789.1234567891",
    }
    assert stats["right"]["sum"] == "2469135780246913579.2469135783"
    assert stats["right"]["min"] == "1.0000000001"
    assert {f.check for f in result.table().validation.failures} == {"aggregate_sum", "aggregate_min"}


def test_decimal_aggregates_past_38_digits_are_exact():
    from dbdiff.checks.aggregates import _chunk_aggregate, _merge_aggregate

    values = ["9" * 37 + ".5"] * 3 + ["0.25"]

    merged = None
    for chunk in (values[:2], values[2:]):
        merged = _merge_aggregate(merged, _chunk_aggregate(pl.Series(chunk), "decimal"))
    assert merged is not None and merged["sum"] == decimal.Decimal("2" + "9" * 36 + "8.75")


def test_big_integers_stay_json_numbers_in_examples_and_aggregates():
    big = 18446744073709551615

    def side(values: list[int]) -> ArrowSource:
        table = pyarrow.table(
            {"id": pyarrow.array([1, 2], pyarrow.uint64()), "big": pyarrow.array(values, pyarrow.uint64())}
        )
        return ArrowSource({"t": table}, {"t": ["id"]})

    schema = pa.DataFrameSchema(
        {"big": pa.Column(pl.Decimal(38, 0), pa.Check.le(10))},
        checks=[pa.Check(lambda d: d.lazyframe.select(pl.col("big") < 10), name="small")],
    )
    unique = pa.DataFrameSchema({"big": pa.Column(pl.Decimal(38, 0), unique=True)})
    result = dbdiff.diff(side([big, 5]), side([big - 1, 5]), table="t", schema=schema, aggregate=["big"])
    data = json.loads(result.to_json())["tables"][0]
    by_check = {(f["side"], f["check"]): f["examples"] for f in data["validation"]["failures"]}
    assert by_check["left", "less_than_or_equal_to(10)"] == [{"key": {"id": 1}, "value": big}]
    assert by_check["left", "small"] == [{"key": {"id": 1}, "value": {"id": 1, "big": big}}]
    assert by_check["both", "aggregate_max"] == [{"key": {}, "value": {"left": big, "right": big - 1}}]
    assert data["stats"]["aggregates"]["big"]["left"] == {"count": 2, "sum": big + 5, "min": 5, "max": big}
    dup = dbdiff.validate(side([big, big]), table="t", schema=unique)
    (failure,) = dup.table().validation.failures
    assert failure.examples == ({"key": {"id": 1}, "value": big}, {"key": {"id": 2}, "value": big})


@pytest.mark.parametrize("special", [float("nan"), float("inf"), float("-inf")])
def test_inferred_schema_passes_on_floats_with_nan_or_infinity(tmp_path, special):
    frame = orders().with_columns(pl.Series("f", [special if i == 7 else float(i) for i in range(N)]))
    text = dbdiff.infer_schema(source(frame), table="orders", chunk_size=9)
    path = tmp_path / "inferred.yaml"
    path.write_text(text, encoding="utf-8")
    result = dbdiff.validate(source(frame), table="orders", schema=str(path), chunk_size=9)
    assert result.exit_code == 0, result.table().validation.failures
    assert load_schema_file(path).columns["amount"].checks  # finite columns keep their range


def test_examples_do_not_depend_on_chunking_when_the_key_normalizer_merges_keys():
    keys = ["a", "A", "b", "B", "b ", "c", "d", "D", "e", "f"]
    frame = pl.DataFrame({"id": keys, "v": list(range(10)), "w": ["x"] * 10})
    schema = pa.DataFrameSchema({"w": pa.Column(str, pa.Check.isin(["y"]), unique=True)})
    seen = set()
    for chunk_size, workers in [(100, 1), (2, 3), (1, 4), (3, 2)]:
        result = dbdiff.diff(
            source(frame),
            source(frame),
            table="orders",
            column_rules={"id": ("text", {"ignore_case": True, "rstrip": True})},
            chunk_size=chunk_size,
            workers=workers,
            sample_limit=3,
            schema=schema,
        )
        got = {
            (f.side, f.check): [e["key"]["id"] for e in f.examples]
            for f in result.table().validation.failures
        }
        assert got["left", "field_uniqueness"] == ["A", "a", "B"], (chunk_size, workers)
        assert got["left", "isin(['y'])"] == ["A", "a", "B"], (chunk_size, workers)
        seen.add(json.dumps(result.to_dict()["tables"][0]["validation"]))
    assert len(seen) == 1


@pytest.mark.parametrize("value", ["-0.005", "2.125"])
def test_decimals_beyond_their_declared_scale_are_never_rounded(tmp_path, value):
    import sqlite3

    path = tmp_path / "t.sqlite"
    with sqlite3.connect(path) as db:
        db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, amount DECIMAL(12,2))")
        db.executemany("INSERT INTO t VALUES (?, ?)", [(1, "1.50"), (2, value)])
    db.close()
    schema = pa.DataFrameSchema({"amount": pa.Column(pl.Decimal(38, 2), pa.Check.ge(0), nullable=True)})
    with pytest.raises(ConfigError, match="amount"):
        dbdiff.validate(f"sqlite:///{path}", table="t", schema=schema, chunk_size=1)
    with pytest.raises(ConfigError, match="amount"):
        dbdiff.infer_schema(f"sqlite:///{path}", table="t")
