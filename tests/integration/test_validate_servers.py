"""Invariants on the real MariaDB and PostgreSQL, chunked: `diff --schema`, `validate`, exit codes."""

from __future__ import annotations

import datetime as dt
import json
import os
import sqlite3
import subprocess
import sys
from decimal import Decimal

import duckdb
import polars as pl
import pytest

import dbdiff

pytestmark = pytest.mark.servers

ROWS = 300
CHUNK = 40
STATUSES = ("new", "paid", "shipped")

ORDERS_SCHEMA = """\
schema_type: polars_dataframe
columns:
  id:
    dtype: Int64
    unique: true
  amount:
    dtype: Decimal(precision=38, scale=2)
    greater_than_or_equal_to: 0
  status:
    dtype: String
    isin: [new, paid, shipped]
  currency:
    dtype: String
    str_matches: ^[A-Z]{3}$
  paid:
    dtype: Boolean
  created_at:
    dtype: Datetime(time_unit='us', time_zone=None)
    greater_than_or_equal_to: '2020-01-01 00:00:00'
"""


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dbdiff.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "DBDIFF_NO_PROGRESS": "1"},
    )


def counts(result: dbdiff.DiffResult) -> dict[tuple[str, str | None, str], int]:
    return {(f.side, f.column, f.check): f.count for f in result.table().validation.failures}


def order_rows() -> list[tuple]:
    start = dt.datetime(2024, 1, 1, 8, 0, 0, 250_000)
    return [
        (
            i,
            Decimal(i) / 4,
            STATUSES[i % 3],
            "EUR",
            i % 2,
            start + dt.timedelta(hours=i),
        )
        for i in range(1, ROWS + 1)
    ]


def planted(rows: list[tuple], changes: dict[int, dict[int, object]]) -> list[tuple]:
    out = []
    for row in rows:
        values = list(row)
        for column, value in changes.get(row[0], {}).items():
            values[column] = value
        out.append(tuple(values))
    return out


@pytest.fixture(scope="module")
def orders(mysql, pg, tmp_path_factory):
    """`orders` on both servers with violations planted on one side only and on both."""
    table = "val_orders"
    mysql.execute(
        f"CREATE TABLE {table} (id INT PRIMARY KEY, amount DECIMAL(12,2), status VARCHAR(20), "
        "currency CHAR(3), paid TINYINT(1), created_at DATETIME(6))"
    )
    pg.execute(
        f"CREATE TABLE {table} (id INT PRIMARY KEY, amount NUMERIC(12,2), status TEXT, "
        "currency CHAR(3), paid BOOLEAN, created_at TIMESTAMP(6))"
    )
    rows = order_rows()
    both = {20: {2: "lost"}, 299: {2: "lost"}, 41: {5: dt.datetime(2019, 12, 31)}}
    left = planted(rows, {**both, 7: {1: Decimal("-0.01")}, 150: {1: Decimal("-3.50")}})
    right = planted(rows, {**both, 99: {3: "usd"}, 100: {3: "US"}})
    mysql.executemany(f"INSERT INTO {table} VALUES (%s,%s,%s,%s,%s,%s)", left)
    pg.executemany(
        f"INSERT INTO {table} VALUES (%s,%s,%s,%s,%s,%s)",
        [(r[0], r[1], r[2], r[3], bool(r[4]), r[5]) for r in right],
    )
    schema = tmp_path_factory.mktemp("schemas") / "orders.yaml"
    schema.write_text(ORDERS_SCHEMA, encoding="utf-8")
    return table, schema


EXPECTED = {
    ("left", "amount", "greater_than_or_equal_to(0)"): 2,
    ("left", "status", "isin(['new', 'paid', 'shipped'])"): 2,
    ("left", "created_at", "greater_than_or_equal_to(2020-01-01 00:00:00)"): 1,
    ("right", "status", "isin(['new', 'paid', 'shipped'])"): 2,
    ("right", "created_at", "greater_than_or_equal_to(2020-01-01 00:00:00)"): 1,
    ("right", "currency", "str_matches('^[A-Z]{3}$')"): 2,
}


@pytest.mark.parametrize("workers", [1, 3])
def test_diff_with_schema_counts_planted_violations_per_side(mysql, pg, orders, workers):
    table, schema = orders
    result = dbdiff.diff(
        mysql.url, pg.url, table=table, schema=str(schema), chunk_size=CHUNK, workers=workers
    )
    t = result.table()
    assert t.stats["chunks"] >= ROWS // CHUNK
    assert counts(result) == EXPECTED, result.to_json()
    by = {(f.side, f.column, f.check): f for f in t.validation.failures}
    assert by["left", "amount", "greater_than_or_equal_to(0)"].examples == (
        {"key": {"id": 7}, "value": "-0.01"},
        {"key": {"id": 150}, "value": "-3.50"},
    )
    assert by["right", "currency", "str_matches('^[A-Z]{3}$')"].examples == (
        {"key": {"id": 99}, "value": "usd"},
        {"key": {"id": 100}, "value": "US"},
    )
    # TINYINT(1) vs boolean reached pandera as Boolean, DECIMAL as Decimal(38, 2): no dtype error.
    assert t.summary.changed == 4  # ids 7, 150 (amount), 99, 100 (currency)
    assert result.exit_code == 1


def test_diff_schema_through_the_cli_writes_json_and_exits_1(mysql, pg, orders, tmp_path):
    table, schema = orders
    out = tmp_path / "r.json"
    proc = cli("diff", mysql.url, pg.url, "--table", table, "--schema", str(schema), "--chunk-size",
               str(CHUNK), "--aggregate", "amount", "--json", str(out), "--quiet")  # fmt: skip
    assert proc.returncode == 1, proc.stderr
    data = json.loads(out.read_text())
    validation = data["tables"][0]["validation"]
    assert validation["passed"] is False
    got = {(f["side"], f["column"], f["check"]): f["count"] for f in validation["failures"]}
    assert got == {**EXPECTED, ("both", "amount", "aggregate_sum"): 1, ("both", "amount", "aggregate_min"): 1}
    aggregates = data["tables"][0]["stats"]["aggregates"]["amount"]
    assert aggregates["right"]["sum"] == str(sum(r[1] for r in order_rows()))
    assert aggregates["left"]["min"] == "-3.50"


def test_left_schema_only(mysql, pg, orders):
    table, schema = orders
    result = dbdiff.diff(mysql.url, pg.url, table=table, left_schema=str(schema), chunk_size=CHUNK)
    assert counts(result) == {k: v for k, v in EXPECTED.items() if k[0] == "left"}


def test_a_check_failing_on_every_row_keeps_examples_bounded(mysql, pg, orders, tmp_path):
    table, _ = orders
    schema = tmp_path / "neg.yaml"
    schema.write_text("columns:\n  id:\n    dtype: Int64\n    less_than: 0\n", encoding="utf-8")
    result = dbdiff.validate(pg.url, table=table, schema=str(schema), chunk_size=CHUNK, sample_limit=7)
    (failure,) = result.table().validation.failures
    assert failure.count == ROWS
    assert [e["key"]["id"] for e in failure.examples] == [1, 2, 3, 4, 5, 6, 7]


@pytest.mark.parametrize(
    ("text", "code", "needle"),
    [
        ("columns: {amount: {dtype: Int64, nulable: true}}\n", 2, "unknown key 'nulable'"),
        ("columns: {amount_cents: {dtype: Int64}}\n", 2, "amount_cents"),
        ("columns: {amount: {dtype: Int64}}\n", 2, "amount"),  # the view holds Decimal(38, 2)
        ("columns: [oops\n", 2, "not valid YAML"),
    ],
)
def test_bad_schema_is_exit_code_2(mysql, pg, orders, tmp_path, text, code, needle):
    table, _ = orders
    bad = tmp_path / "bad.yaml"
    bad.write_text(text, encoding="utf-8")
    for args in (
        ("diff", mysql.url, pg.url, "--table", table, "--schema", str(bad)),
        ("validate", mysql.url, "--table", table, "--schema", str(bad)),
    ):
        proc = cli(*args, "--chunk-size", str(CHUNK))
        assert proc.returncode == code, (args[0], proc.stdout, proc.stderr)
        assert proc.stderr.startswith("dbdiff: error: ") and needle in proc.stderr, proc.stderr
        assert "Traceback" not in proc.stderr


def test_missing_schema_file_is_exit_code_2(mysql, orders, tmp_path):
    table, _ = orders
    proc = cli("validate", mysql.url, "--table", table, "--schema", str(tmp_path / "none.yaml"))
    assert proc.returncode == 2 and "does not exist" in proc.stderr, proc.stderr


def test_validate_each_server_alone(mysql, pg, orders):
    table, schema = orders
    left = {k[1:]: v for k, v in EXPECTED.items() if k[0] == "left"}
    right = {k[1:]: v for k, v in EXPECTED.items() if k[0] == "right"}
    # Alone, MySQL's TINYINT(1) is an integer: the schema's Boolean paid column needs coerce.
    coerced = schema.parent / "coerced.yaml"
    coerced.write_text(ORDERS_SCHEMA.replace("dtype: Boolean", "dtype: Boolean\n    coerce: true"))
    for url, path, expected in ((mysql.url, coerced, left), (pg.url, schema, right)):
        result = dbdiff.validate(url, table=table, schema=str(path), chunk_size=CHUNK)
        got = {(f.column, f.check): f.count for f in result.table().validation.failures}
        assert got == expected, url
        assert result.exit_code == 1 and result.table().summary.rows_left == ROWS
    proc = cli("validate", pg.url, "--table", table, "--schema", str(schema), "--chunk-size", str(CHUNK))
    assert proc.returncode == 1, proc.stderr
    assert "str_matches" in proc.stdout


def test_duplicate_key_split_across_two_chunks_and_null_keys(mysql, pg, unique_name):
    """'AB' and 'ab' are different keys to the database, so they sort far apart and land in
    different chunks; compared case-insensitively they are one key, duplicated."""
    t = unique_name("dupkey")
    mysql.execute(f"CREATE TABLE {t} (code VARCHAR(20) COLLATE utf8mb4_bin PRIMARY KEY, v INT)")
    pg.execute(f'CREATE TABLE {t} (code VARCHAR(20) COLLATE "C", v INT)')  # no key: NULLs possible
    codes = [f"m{i:03d}" for i in range(120)] + ["AB", "ab"]
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s)", [(c, i) for i, c in enumerate(codes)])
    pg_rows = [(c, i) for i, c in enumerate(codes)] + [("m005", 5), ("m005", 5), (None, 1), (None, 2)]
    pg.executemany(f"INSERT INTO {t} VALUES (%s, %s)", pg_rows)
    rules = {"code": ("text", {"ignore_case": True})}
    for chunk_size in (10, 1000):
        result = dbdiff.diff(
            mysql.url, pg.url, table=t, key="code", chunk_size=chunk_size, column_rules=rules
        )
        assert counts(result) == {
            ("left", "code", "key_unique"): 2,
            ("right", "code", "key_unique"): 5,  # 'AB'/'ab', and m005 three times
            ("right", "code", "key_not_null"): 2,
            ("both", None, "row_count_equal"): 4,
        }, (chunk_size, result.to_json())
        by = {(f.side, f.check): f for f in result.table().validation.failures}
        assert by["right", "key_unique"].examples == (
            {"key": {"code": "AB"}, "value": 2},
            {"key": {"code": "m005"}, "value": 3},
        )
        assert by["right", "key_not_null"].examples == ({"key": {"code": None}, "value": None},) * 2
        if chunk_size == 10:
            assert result.table().stats["chunks"] > 10
    alone = dbdiff.validate(pg.url, table=t, key="code", chunk_size=10, column_rules=rules)
    assert {(f.check, f.count) for f in alone.table().validation.failures} == {
        ("key_unique", 5),
        ("key_not_null", 2),
    }


def _coerced_column_failures(
    mysql, tmp_path, table: str, column_type: str, rows: list, schema: str, chunk: int
):
    """`dbdiff validate` of a table (id, one column) against a schema of that column: the exit
    code and the failures by check."""
    mysql.execute(f"CREATE TABLE {table} (id INT PRIMARY KEY, c {column_type})")
    mysql.executemany(f"INSERT INTO {table} VALUES (%s, %s)", rows)
    path, out = tmp_path / "s.yaml", tmp_path / "r.json"
    path.write_text(f"schema_type: polars_dataframe\ncolumns:\n  c: {schema}\n")
    proc = cli(
        "validate",
        mysql.url,
        "--table",
        table,
        "--schema",
        str(path),
        "--chunk-size",
        str(chunk),
        "--json",
        str(out),
    )
    assert out.exists(), proc.stderr
    failures = json.loads(out.read_text())["tables"][0]["validation"]["failures"]
    return proc.returncode, {f["check"]: f for f in failures}


def test_texts_a_schema_cannot_coerce_are_failures_of_their_rows_not_a_bad_schema(
    mysql, unique_name, tmp_path
):
    """A VARCHAR of numbers with a few that are not: `coerce: true` to Int64 reports those rows
    (exit 1), and the other rows' checks still run; it used to stop with exit 2, "set coerce"."""
    rows = [(i, str(i)) for i in range(1, 101)]
    rows[9], rows[60] = (10, "ten"), (61, "6 1")
    schema = "{dtype: Int64, coerce: true, less_than_or_equal_to: 95}"
    code, failed = _coerced_column_failures(
        mysql, tmp_path, unique_name("coerce"), "VARCHAR(10)", rows, schema, 30
    )
    assert code == 1
    assert set(failed) == {"coerce_dtype(Int64)", "less_than_or_equal_to(95)"}
    assert [e["key"]["id"] for e in failed["coerce_dtype(Int64)"]["examples"]] == [10, 61]
    assert [e["value"] for e in failed["coerce_dtype(Int64)"]["examples"]] == ["ten", "6 1"]
    assert failed["less_than_or_equal_to(95)"]["count"] == 5


def test_varbinary_bytes_that_are_no_utf8_fail_their_rows_coercion_to_text(mysql, unique_name, tmp_path):
    """A VARBINARY of codes, two of them no UTF-8: `coerce: true` to String reports those rows
    (exit 1); it used to stop with exit 3, "invalid utf8"."""
    rows = [(i, f"c{i}".encode()) for i in range(1, 41)]
    rows[4], rows[32] = (5, b"\xff\xfe"), (33, b"c\xc3(")
    schema = "{dtype: String, coerce: true, str_startswith: c}"
    code, failed = _coerced_column_failures(
        mysql, tmp_path, unique_name("vbin"), "VARBINARY(16)", rows, schema, 9
    )
    assert code == 1 and set(failed) == {"coerce_dtype(String)"}
    assert (failed["coerce_dtype(String)"]["column"], failed["coerce_dtype(String)"]["count"]) == ("c", 2)
    assert [e["key"]["id"] for e in failed["coerce_dtype(String)"]["examples"]] == [5, 33]


def test_duplicate_integer_keys_on_a_side_without_a_primary_key(mysql, pg, unique_name):
    t = unique_name("dupint")
    mysql.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, v INT)")
    pg.execute(f"CREATE TABLE {t} (id INT, v INT)")
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s)", [(i, i) for i in range(1, 101)])
    pg.executemany(f"INSERT INTO {t} VALUES (%s, %s)", [(i, i) for i in range(1, 101)] + [(40, 0), (41, 0)])
    for chunk_size in (7, 1000):
        result = dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=chunk_size)
        assert counts(result) == {("right", "id", "key_unique"): 4, ("both", None, "row_count_equal"): 2}
        assert result.table().summary.duplicate_keys_right == 2


FILE_ROWS = pl.DataFrame(
    {
        "id": list(range(1, 101)),
        "qty": [-1 if i in (3, 77) else i for i in range(1, 101)],
        "status": ["lost" if i == 50 else STATUSES[i % 3] for i in range(1, 101)],
    }
)

FILE_SCHEMA = """\
columns:
  id: {dtype: Int64, unique: true}
  qty: {dtype: Int64, greater_than_or_equal_to: 0}
  status: {dtype: String, isin: [new, paid, shipped]}
"""


def test_validate_on_every_source_kind(mysql, pg, unique_name, tmp_path):
    t = unique_name("kinds")
    rows = FILE_ROWS.rows()
    mysql.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, qty INT, status VARCHAR(10))")
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s, %s)", rows)
    pg.execute(f"CREATE TABLE {t} (id BIGINT PRIMARY KEY, qty BIGINT, status TEXT)")
    pg.executemany(f"INSERT INTO {t} VALUES (%s, %s, %s)", rows)
    parquet, csv = tmp_path / f"{t}.parquet", tmp_path / f"{t}.csv"
    FILE_ROWS.write_parquet(parquet)
    FILE_ROWS.write_csv(csv)
    sqlite_path, duck_path = tmp_path / "k.sqlite", tmp_path / "k.duckdb"
    with sqlite3.connect(sqlite_path) as con:
        con.execute(f"CREATE TABLE {t} (id INTEGER PRIMARY KEY, qty INTEGER, status TEXT)")
        con.executemany(f"INSERT INTO {t} VALUES (?, ?, ?)", rows)
    con = duckdb.connect(str(duck_path))
    con.execute(f"CREATE TABLE {t} (id BIGINT PRIMARY KEY, qty BIGINT, status VARCHAR)")
    con.executemany(f"INSERT INTO {t} VALUES (?, ?, ?)", rows)
    con.close()
    schema = tmp_path / "s.yaml"
    schema.write_text(FILE_SCHEMA, encoding="utf-8")
    expected = {("qty", "greater_than_or_equal_to(0)"): 2, ("status", "isin(['new', 'paid', 'shipped'])"): 1}
    sources = {
        "mysql": (mysql.url, t),
        "postgresql": (pg.url, t),
        "parquet": (str(parquet), parquet.stem),
        "csv": (str(csv), csv.stem),
        "sqlite": (f"sqlite:///{sqlite_path}", t),
        "duckdb": (f"duckdb:///{duck_path}", t),
    }
    for kind, (url, table) in sources.items():
        result = dbdiff.validate(url, table=table, key="id", schema=str(schema), chunk_size=15)
        got = {(f.column, f.check): f.count for f in result.table().validation.failures}
        assert got == expected, (kind, result.to_json())
        assert result.table().stats["chunks"] > 3, kind
        examples = {
            f.column: [e["key"]["id"] for e in f.examples] for f in result.table().validation.failures
        }
        assert examples == {"qty": [3, 77], "status": [50]}, kind


def test_inferred_schema_passes_on_its_own_data(mysql, pg, orders, tmp_path):
    table, _ = orders
    for name, url in (("mysql", mysql.url), ("pg", pg.url)):
        path = tmp_path / f"{name}.yaml"
        proc = cli("infer-schema", url, "--table", table, "--chunk-size", str(CHUNK), "-o", str(path))
        assert proc.returncode == 0, proc.stderr
        text = path.read_text()
        assert "isin:" in text and "in_range:" in text, text
        proc = cli("validate", url, "--table", table, "--schema", str(path), "--chunk-size", str(CHUNK), "-q")
        assert proc.returncode == 0, (name, text, proc.stderr)
    # The PostgreSQL profile holds NUMERIC(12,2) as Decimal(38, 2), rounded outwards to integers.
    pg_schema = (tmp_path / "pg.yaml").read_text()
    assert "dtype: Decimal(precision=38, scale=2)" in pg_schema
    assert "dtype: Boolean" in pg_schema
