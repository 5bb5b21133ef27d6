"""Repair SQL without servers: each dialect's literals, and what is refused (the round trips on the
real servers are in tests/integration/test_repair_servers.py)."""

from __future__ import annotations

import datetime as dt
import decimal
import warnings

import polars as pl
import pytest
from click.testing import CliRunner

import dbdiff
from dbdiff.catalog import Column
from dbdiff.cli import cli
from dbdiff.dialects import Unwritable, get_dialect
from dbdiff.errors import UsageError
from dbdiff.repair import _shortest_float32, repair_sql
from dbdiff.sources.duckdb import ArrowSource

MYSQL = get_dialect("mysql")
PG = get_dialect("postgresql")


def col(family: str, native: str = "", **more: object) -> Column:
    return Column("c", native or family, family, **more)  # type: ignore[arg-type]


def pg_col(family: str, typname: str, **more: object) -> Column:
    return Column("c", typname, family, extra=(("typname", typname), ("domain", "0")), **more)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("value", "column", "literal"),
    [
        (None, col("string"), "NULL"),
        ("it's", col("string"), "'it''s'"),
        ("a\\b", col("string"), "_utf8mb4 X'615c62'"),  # never depends on NO_BACKSLASH_ESCAPES
        ("Zürich", col("string"), f"_utf8mb4 X'{'Zürich'.encode().hex()}'"),
        ("line\nbreak", col("string"), "_utf8mb4 X'6c696e650a627265616b'"),
        (18446744073709551615, col("integer", "bigint unsigned", unsigned=True), "18446744073709551615"),
        (
            decimal.Decimal("-0.000000000000000000000000000001"),
            col("decimal"),
            "-0.000000000000000000000000000001",
        ),
        (0.1, col("float"), "0.1"),
        (5e-324, col("float"), "5e-324"),
        (True, col("integer", "tinyint(1)"), "1"),
        (5, col("bit", "bit(10)"), "b'101'"),
        (True, col("bit", "bit(1)"), "b'1'"),
        (b"\x00\xff'", col("binary"), "X'00ff27'"),
        (b"", col("binary"), "X''"),
        (dt.date(9999, 12, 31), col("date"), "'9999-12-31'"),
        (
            dt.datetime(2024, 6, 1, 14, 0, 0, 1, tzinfo=dt.timezone(dt.timedelta(hours=2))),
            col("timestamp"),
            "'2024-06-01 12:00:00.000001'",
        ),
        (["a", "c"], col("set"), "'a,c'"),
        ("POINT(1 2)", col("spatial", "point"), "ST_GeomFromText('POINT(1 2)')"),
    ],
)
def test_mysql_literals(value: object, column: Column, literal: str) -> None:
    assert MYSQL.repair_literal(value, column) == literal


@pytest.mark.parametrize(
    "value", [float("nan"), float("inf"), decimal.Decimal("NaN"), decimal.Decimal("-Infinity")]
)
def test_mysql_cannot_hold_non_finite_numbers(value: object) -> None:
    with pytest.raises(Unwritable, match="MySQL has no NaN or infinity"):
        MYSQL.repair_literal(value, col("float"))


@pytest.mark.parametrize(
    ("value", "column", "literal"),
    [
        ("it's", pg_col("string", "text"), "'it''s'"),
        ("a\\b\nc", pg_col("string", "text"), "'a\\b\nc'"),  # standard strings: a backslash is itself
        ("a\rb'\\", pg_col("string", "text"), "E'a\\U0000000db\\'\\\\'"),
        (True, pg_col("boolean", "bool"), "TRUE"),
        (0, pg_col("boolean", "bool"), "FALSE"),
        (5, pg_col("bit", "bit", length=10), "B'0000000101'"),
        (5, pg_col("bit", "varbit", length=64), "B'101'"),
        (0.1, pg_col("float", "float4"), "'0.1'::float4"),
        (float("nan"), pg_col("float", "float8"), "'NaN'::float8"),
        (float("-inf"), pg_col("float", "float8"), "'-Infinity'::float8"),
        (decimal.Decimal("NaN"), pg_col("decimal", "numeric"), "'NaN'::numeric"),
        (b"\x00\xff", pg_col("binary", "bytea"), "'\\x00ff'::bytea"),
        (
            dt.datetime(2024, 6, 1, 12),
            pg_col("timestamp", "timestamptz"),
            "'2024-06-01 12:00:00.000000+00:00'::timestamptz",
        ),
        (
            dt.datetime(2024, 6, 1, 12),
            pg_col("datetime", "timestamp"),
            "'2024-06-01 12:00:00.000000'::timestamp",
        ),
        (["a", "c"], pg_col("array", "text[]"), "ARRAY['a', 'c']::text[]"),
        ([], pg_col("array", "text[]"), "'{}'::text[]"),
        ("a,c", pg_col("array", "text[]"), "ARRAY['a', 'c']::text[]"),
        ("-838:59:59", pg_col("time", "interval"), "'-838:59:59'::interval"),
        ('{"a":1}', pg_col("json", "jsonb"), "'{\"a\":1}'::jsonb"),
        (
            "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
            pg_col("uuid", "uuid"),
            "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid",
        ),
        ("POINT(-1.5 3)", pg_col("spatial", "point"), "'(-1.5,3)'::point"),
    ],
)
def test_postgres_literals(value: object, column: Column, literal: str) -> None:
    assert PG.repair_literal(value, column) == literal


@pytest.mark.parametrize(
    ("value", "column", "why"),
    [
        ("a\x00b", pg_col("string", "text"), "NUL"),
        ("25:00:00", pg_col("time", "time"), "no time of day"),
        ("-01:00:00", pg_col("time", "time"), "no time of day"),
        ("LINESTRING(0 0, 1 1)", pg_col("spatial", "path"), "needs a human"),
    ],
)
def test_postgres_cannot_hold(value: object, column: Column, why: str) -> None:
    with pytest.raises(Unwritable, match=why):
        PG.repair_literal(value, column)


def test_bits_beyond_the_column_are_refused() -> None:
    with pytest.raises(Unwritable, match="needs 4 bits, more than bit holds"):
        PG.repair_literal(8, pg_col("bit", "bit", length=3))
    with pytest.raises(Unwritable, match="needs 4 bits"):
        MYSQL.repair_literal(8, col("bit", "bit(3)", length=3))
    assert MYSQL.repair_literal(7, col("bit", "bit(3)", length=3)) == "b'111'"


def test_integers_beyond_the_column_are_refused() -> None:
    with pytest.raises(Unwritable, match="18446744073709551615 is out of range for int8"):
        PG.repair_literal(18446744073709551615, pg_col("integer", "int8"))
    assert PG.repair_literal(-(2**63), pg_col("integer", "int8")) == str(-(2**63))
    with pytest.raises(Unwritable, match="-1 is out of range for tinyint unsigned"):
        MYSQL.repair_literal(-1, col("integer", "tinyint unsigned", unsigned=True))
    assert MYSQL.repair_literal(2**64 - 1, col("integer", "bigint unsigned", unsigned=True)) == str(2**64 - 1)
    with pytest.raises(Unwritable, match="out of range for int"):
        MYSQL.repair_literal(2**31, col("integer", "int"))


def test_float32_values_are_written_in_their_shortest_form() -> None:
    import struct

    widened = struct.unpack("f", struct.pack("f", 0.1))[0]
    assert widened != 0.1 and _shortest_float32(widened) == 0.1
    assert _shortest_float32(struct.unpack("f", struct.pack("f", 3.4e38))[0]) == 3.4e38


def _arrow_result() -> dbdiff.DiffResult:
    left = ArrowSource({"t": pl.DataFrame({"id": [1, 2], "v": ["a", "b"]})}, primary_keys={"t": ["id"]})
    right = ArrowSource({"t": pl.DataFrame({"id": [1], "v": ["x"]})}, primary_keys={"t": ["id"]})
    return dbdiff.diff(left, right, table="t")


def test_targets_other_than_mysql_and_postgresql_are_refused() -> None:
    with pytest.raises(UsageError, match="dbdiff writes no repair SQL for arrow"):
        _arrow_result().repair_sql()


def test_a_bad_target_is_refused() -> None:
    with pytest.raises(UsageError, match="--repair-target is one of right, left, not 'up'"):
        _arrow_result().repair_sql(target="up")
    with pytest.raises(UsageError, match="at least 1 statement"):
        repair_sql(_arrow_result(), batch=0)


def test_a_result_loaded_from_json_is_refused(tmp_path: object) -> None:
    result = _arrow_result()
    path = result.write_json(tmp_path / "r.json")  # type: ignore[operator]
    loaded = dbdiff.load_result(path)
    with warnings.catch_warnings(), pytest.raises(UsageError, match="holds only its samples") as caught:
        warnings.simplefilter("ignore")
        loaded.repair_sql()
    assert "--repair-sql FILE" in str(caught.value)


def test_cli_refuses_a_target_it_cannot_write_before_reading(tmp_path: object) -> None:
    left, right = tmp_path / "a.csv", tmp_path / "b.csv"  # type: ignore[operator]
    left.write_text("id,v\n1,a\n")
    right.write_text("id,v\n1,b\n")
    run = CliRunner().invoke(
        cli, ["diff", str(left), str(right), "-t", "t", "-k", "id", "--repair-sql", "x.sql"]
    )
    assert run.exit_code == 2
    assert "--repair-sql writes SQL for a MySQL or PostgreSQL target, and the right side is csv" in run.output


def test_an_instant_without_a_wall_time_of_its_own_is_refused() -> None:
    from dbdiff.repair import _wall_time

    utc = dt.timezone.utc
    # 2024-10-27 02:30 happens twice in Berlin; the rule (as PostgreSQL) reads it as the later one.
    later = dt.datetime(2024, 10, 27, 1, 30, tzinfo=utc)
    assert _wall_time(later, "Europe/Berlin") == dt.datetime(2024, 10, 27, 2, 30)
    with pytest.raises(Unwritable, match="no wall time of its own in Europe/Berlin"):
        _wall_time(dt.datetime(2024, 10, 27, 0, 30, tzinfo=utc), "Europe/Berlin")
    assert _wall_time(dt.datetime(2024, 7, 1, 10, tzinfo=utc), "Europe/Berlin") == dt.datetime(2024, 7, 1, 12)
