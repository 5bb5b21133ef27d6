"""Every type family between the real MariaDB and the real PostgreSQL: values a faithful migration
writes must compare equal, real differences must be found, and nothing may panic or lose digits.

The whole module runs with both servers' default time zones moved away from UTC (MariaDB
`SET GLOBAL time_zone`, PostgreSQL `ALTER DATABASE ... SET timezone`), restored afterwards, and
every diff is cut into several chunks.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

import dbdiff
from dbdiff.errors import RuleError

pytestmark = pytest.mark.servers

MYSQL_ZONE = "+02:00"
PG_ZONE = "America/New_York"


@pytest.fixture(scope="module")
def zones(mysql, pg) -> Iterator[None]:
    """Both servers' default zones away from UTC for this module only (other tests share them)."""
    previous = mysql.execute("SELECT @@GLOBAL.time_zone")[0][0]
    try:
        mysql.execute(f"SET GLOBAL time_zone = '{MYSQL_ZONE}'")
        pg.execute(f"ALTER DATABASE \"{pg.database}\" SET timezone = '{PG_ZONE}'")
        yield
    finally:
        mysql.execute(f"SET GLOBAL time_zone = '{previous}'")
        pg.execute(f'ALTER DATABASE "{pg.database}" RESET timezone')


@dataclass
class Case:
    """One column type pair: rows of (MySQL literal, PostgreSQL literal, equal?)."""

    id: str
    mysql_type: str
    pg_type: str
    rows: list[tuple[str, str, bool]]
    rule: str | None = None
    overrides: dict[str, Any] = field(default_factory=dict)
    pg_setup: tuple[str, ...] = ()


def _enum_type(name: str) -> str:
    return (
        f"DO $$ BEGIN CREATE TYPE {name} AS ENUM ('a', 'b', 'c'); "
        "EXCEPTION WHEN duplicate_object THEN NULL; END $$"
    )


EQ, DIFF = True, False
N = "NULL"

CASES = [
    # --- booleans ---
    Case(
        "tinyint1-boolean",
        "TINYINT(1)",
        "boolean",
        [
            ("1", "true", EQ),
            ("0", "false", EQ),
            (N, N, EQ),
            ("2", "true", EQ),
            ("1", "false", DIFF),
            (N, "false", DIFF),
            ("0", N, DIFF),
        ],
        rule="tinyint1-as-boolean",
    ),
    Case(
        "bit1-boolean",
        "BIT(1)",
        "boolean",
        [("b'1'", "true", EQ), ("b'0'", "false", EQ), ("b'1'", "false", DIFF), (N, N, EQ)],
        rule="bit1-as-boolean",
    ),
    # --- integers ---
    Case(
        "tinyint-smallint", "TINYINT(4)", "smallint", [("-5", "-5", EQ), ("127", "127", EQ), ("7", "8", DIFF)]
    ),
    Case(
        "tinyint-unsigned",
        "TINYINT UNSIGNED",
        "smallint",
        [("255", "255", EQ), ("0", "0", EQ), ("1", "2", DIFF)],
    ),
    Case("int-unsigned", "INT UNSIGNED", "bigint", [("4294967295", "4294967295", EQ), ("1", "2", DIFF)]),
    Case(
        "bigint",
        "BIGINT",
        "bigint",
        [
            ("-9223372036854775808", "-9223372036854775808", EQ),
            ("9223372036854775807", "9223372036854775807", EQ),
            ("9223372036854775807", "9223372036854775806", DIFF),
        ],
        rule="integer",
    ),
    Case(
        "bigint-unsigned-numeric",
        "BIGINT UNSIGNED",
        "numeric(20,0)",
        [
            ("18446744073709551615", "18446744073709551615", EQ),
            ("9223372036854775808", "9223372036854775808", EQ),
            ("9007199254740993", "9007199254740992", DIFF),
            ("18446744073709551615", "18446744073709551614", DIFF),
        ],
        rule="decimal",
    ),
    Case(
        "bigint-unsigned-bigint",
        "BIGINT UNSIGNED",
        "bigint",
        [("9223372036854775807", "9223372036854775807", EQ), ("9223372036854775808", "-1", DIFF)],
    ),
    Case("year-integer", "YEAR", "integer", [("2024", "2024", EQ), ("0", "0", EQ), ("2155", "2154", DIFF)]),
    # --- decimals ---
    Case(
        "decimal-10-2",
        "DECIMAL(10,2)",
        "numeric(10,2)",
        [
            ("1.1", "1.10", EQ),
            ("0.005", "0.01", EQ),
            ("-0.50", "-0.5", EQ),
            ("1.10", "1.11", DIFF),
            (N, "0", DIFF),
        ],
        rule="decimal",
    ),
    Case(
        "decimal-unconstrained",
        "DECIMAL(10,2)",
        "numeric",
        [("1.10", "1.1", EQ), ("100", "100.000", EQ), ("1.10", "1.101", DIFF)],
    ),
    Case("decimal-18-8", "DECIMAL(18,8)", "numeric(18,8)", [("1.1", "1.10000001", DIFF), ("1.1", "1.1", EQ)]),
    Case(
        "decimal-tenth-digit",
        "DECIMAL(20,10)",
        "numeric(20,10)",
        [("1.0000000001", "1.0000000002", DIFF), ("1.0000000001", "1.0000000001", EQ)],
    ),
    Case(
        "decimal-30-12",
        "DECIMAL(30,12)",
        "numeric(30,12)",
        [("1.000000000001", "1.000000000002", DIFF), ("1.000000000001", "1.000000000001", EQ)],
    ),
    Case(
        "decimal-65-30",
        "DECIMAL(65,30)",
        "numeric(65,30)",
        [
            (
                "12345678901234567890.123456789012345678901234567890",
                "12345678901234567890.123456789012345678901234567890",
                EQ,
            ),
            (
                "12345678901234567890.123456789012345678901234567890",
                "12345678901234567890.123456789012345678901234567891",
                DIFF,
            ),
            (
                "-99999999999999999999999999999999999.000000000000000000000000000001",
                "-99999999999999999999999999999999999.000000000000000000000000000001",
                EQ,
            ),
        ],
    ),
    Case("decimal-money", "DECIMAL(12,2)", "money", [("1234.50", "1234.50", EQ), ("1.00", "1.01", DIFF)]),
    # --- floats ---
    Case(
        "float-double",
        "FLOAT",
        "double precision",
        [
            ("0.1", "0.1", EQ),
            ("0.1", "0.10000000149011612", EQ),
            ("0.1", "0.1000001", DIFF),
            ("-0e0", "0", EQ),
        ],
        rule="float",
    ),
    Case(
        "float-real", "FLOAT", "real", [("0.1", "0.1", EQ), ("3.4e38", "3.4e38", EQ), ("1.5", "1.25", DIFF)]
    ),
    Case(
        "double-double",
        "DOUBLE",
        "double precision",
        [
            ("0.1", "0.1", EQ),
            ("0.1e0+0.2e0", "0.3", DIFF),
            (N, "'NaN'", DIFF),
            ("-0e0", "0", EQ),
            ("1.7976931348623157e308", "1.7976931348623157e308", EQ),
        ],
    ),
    Case("double-real", "DOUBLE", "real", [("0.1", "0.1", EQ), ("0.1", "0.2", DIFF)]),
    # --- strings ---
    Case(
        "char-char",
        "CHAR(5)",
        "char(5)",
        [("'ab'", "'ab'", EQ), ("''", "''", EQ), ("'ab'", "'abc'", DIFF)],
        rule="text",
    ),
    Case("char-varchar", "CHAR(5)", "varchar(5)", [("'ab'", "'ab'", EQ), ("'ab'", "'Ab'", DIFF)]),
    Case(
        "varchar-text",
        "VARCHAR(20)",
        "text",
        [
            ("'abc'", "'abc'", EQ),
            ("'abc'", "'ABC'", DIFF),
            ("'ab '", "'ab'", DIFF),
            ("''", N, DIFF),
            ("''", "''", EQ),
            ("'\U0001f600'", "'\U0001f600'", EQ),
            ("'\u00e9'", "'e\u0301'", DIFF),
            ("' x'", "'x'", DIFF),
        ],
        rule="text",
    ),
    Case(
        "varchar-bin",
        "VARCHAR(20) COLLATE utf8mb4_bin",
        "varchar(20)",
        [("'abc'", "'abc'", EQ), ("'abc'", "'ABC'", DIFF)],
    ),
    Case(
        "varchar-ci-varchar",
        "VARCHAR(20) COLLATE utf8mb4_general_ci",
        "varchar(20)",
        [("'abc'", "'ABC'", DIFF), ("'a '", "'a '", EQ)],
    ),
    # --- enum and set ---
    Case(
        "enum-pg-enum",
        "ENUM('a','b','c')",
        "t_abc",
        [("'b'", "'b'", EQ), ("'B'", "'b'", EQ), ("'a'", "'b'", DIFF), (N, N, EQ)],
        rule="enum",
        pg_setup=(_enum_type("t_abc"),),
    ),
    Case("enum-text", "ENUM('a','b')", "text", [("'a'", "'a'", EQ), ("'a'", "'A'", DIFF)]),
    Case(
        "set-text-array",
        "SET('a','b','c')",
        "text[]",
        [
            ("'c,a,a'", "'{a,c}'", EQ),
            ("''", "'{}'", EQ),
            ("'a'", "'{a,b}'", DIFF),
            ("''", N, DIFF),
            ("'b,a'", "'{b,a}'", EQ),
        ],
        rule="set",
    ),
    Case(
        "set-enum-array",
        "SET('a','b','c')",
        "t_abc[]",
        [("'a,c'", "'{c,a}'", EQ), ("'a'", "'{b}'", DIFF)],
        pg_setup=(_enum_type("t_abc"),),
    ),
    # --- JSON ---
    Case(
        "json-jsonb",
        "JSON",
        "jsonb",
        [
            ('\'{"b":1,"a":[1,2]}\'', '\'{"a": [1, 2], "b": 1}\'', EQ),
            ("'{\"a\":1.10}'", "'{\"a\": 1.1}'", EQ),
            ("'{\"a\":1}'", '\'{"a": "1"}\'', DIFF),
            ("'[1,2]'", "'[2,1]'", DIFF),
            ('\'{"a":1,"a":2}\'', "'{\"a\": 2}'", EQ),
            ("'{\"n\":0.12345678901234567891}'", "'{\"n\": 0.12345678901234567890}'", DIFF),
            ("'{ \"x\" : [ true , null ] }'", "'{\"x\":[true,null]}'", EQ),
            ("'{\"x\":true}'", "'{\"x\":1}'", DIFF),
            ("'1e2'", "'100'", EQ),
            ("'\"caf\u00e9\"'", "'\"caf\\u00e9\"'", EQ),
        ],
        rule="json",
    ),
    Case(
        "json-json",
        "JSON",
        "json",
        [('\'{"b":1, "a":2}\'', '\'{"a":2,"b":1}\'', EQ), ("'{\"a\":[]}'", "'{\"a\":{}}'", DIFF)],
    ),
    Case(
        "longtext-jsonb",
        "LONGTEXT",
        "jsonb",
        [
            ('\'{"b":1,"a":2}\'', '\'{"a":2,"b":1}\'', EQ),
            ("'[1]'", "'[1.0]'", EQ),
            ("'[1]'", "'[\"1\"]'", DIFF),
        ],
        rule="json-from-text",
    ),
    # --- bytes ---
    Case(
        "binary-bytea",
        "BINARY(4)",
        "bytea",
        [("'ab'", "'\\x61620000'", EQ), ("'ab'", "'\\x6162'", DIFF), (N, N, EQ)],
        rule="binary",
    ),
    Case(
        "varbinary-bytea",
        "VARBINARY(8)",
        "bytea",
        [("0x616200", "'\\x6162'", DIFF), ("0x00ff", "'\\x00ff'", EQ), ("''", "'\\x'", EQ), ("''", N, DIFF)],
    ),
    Case(
        "blob-bytea",
        "BLOB",
        "bytea",
        [("0xdeadbeef", "'\\xdeadbeef'", EQ), ("0xdeadbeef", "'\\xdeadbeee'", DIFF)],
    ),
    # --- UUIDs ---
    Case(
        "char36-uuid",
        "CHAR(36)",
        "uuid",
        [
            ("'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", EQ),
            ("'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a12'", DIFF),
        ],
        rule="uuid",
    ),
    Case(
        "binary16-uuid",
        "BINARY(16)",
        "uuid",
        [
            ("0xa0eebc999c0b4ef8bb6d6bb9bd380a11", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", EQ),
            ("0x4ef89c0ba0eebc99bb6d6bb9bd380a11", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", DIFF),
        ],
        rule="uuid-from-binary16",
    ),
    Case(
        "binary16-uuid-swapped",
        "BINARY(16)",
        "uuid",
        [
            ("0x4ef89c0ba0eebc99bb6d6bb9bd380a11", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", EQ),
            ("0xa0eebc999c0b4ef8bb6d6bb9bd380a11", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", DIFF),
        ],
        overrides={"v": ("", {"swap": True})},
    ),
    Case(
        "mariadb-uuid",
        "UUID",
        "uuid",
        [
            ("'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'", EQ),
            ("'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", "'b0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'", DIFF),
        ],
    ),
    # --- bits ---
    Case(
        "bit10-bit10",
        "BIT(10)",
        "bit(10)",
        [("b'1000000001'", "B'1000000001'", EQ), ("b'1000000001'", "B'1000000011'", DIFF)],
        rule="bit",
    ),
    Case("bit10-integer", "BIT(10)", "integer", [("b'1000000001'", "513", EQ), ("b'1'", "2", DIFF)]),
    Case(
        "bit64-varbit",
        "BIT(64)",
        "bit varying(64)",
        [("0xffffffffffffffff", "B'" + "1" * 64 + "'", EQ), ("b'101'", "B'100'", DIFF)],
    ),
    # --- dates and times ---
    Case(
        "date-date",
        "DATE",
        "date",
        [
            ("'2024-02-29'", "'2024-02-29'", EQ),
            ("'0000-00-00'", N, EQ),
            ("'2024-02-00'", N, EQ),
            ("'9999-12-31'", "'9999-12-31'", EQ),
            ("'1000-01-01'", "'1000-01-01'", EQ),
            ("'2024-03-01'", "'2024-03-02'", DIFF),
            ("'0000-00-00'", "'2024-01-01'", DIFF),
        ],
        rule="date",
    ),
    Case(
        "datetime-timestamp",
        "DATETIME(6)",
        "timestamp(6)",
        [
            ("'2024-06-01 12:00:00.123456'", "'2024-06-01 12:00:00.123456'", EQ),
            ("'2024-06-01 12:00:00.123456'", "'2024-06-01 12:00:00.123457'", DIFF),
            ("'2024-03-10 02:30:00'", "'2024-03-10 02:30:00'", EQ),
            ("'0000-00-00 00:00:00'", N, EQ),
        ],
        rule="timestamp",
    ),
    Case(
        "datetime6-timestamp0",
        "DATETIME(6)",
        "timestamp(0)",
        [
            ("'2024-06-01 12:00:00.999999'", "'2024-06-01 12:00:01'", DIFF),
            ("'2024-06-01 12:00:00'", "'2024-06-01 12:00:00'", EQ),
        ],
    ),
    Case(
        "datetime-timestamptz",
        "DATETIME",
        "timestamptz",
        [
            ("'2024-06-01 12:00:00'", "'2024-06-01 12:00:00+00'", EQ),
            ("'2024-06-01 12:00:00'", "'2024-06-01 13:00:00+00'", DIFF),
            ("'2024-06-01 12:00:00'", "'2024-06-01 14:00:00+02'", EQ),
            ("'0000-00-00 00:00:00'", N, EQ),
        ],
    ),
    Case(
        "datetime-timestamptz-zone",
        "DATETIME",
        "timestamptz",
        # pgloader writes DATETIME into timestamptz in its session zone: name it for the column.
        [
            ("'2024-06-01 12:00:00'", "'2024-06-01 12:00:00'", EQ),
            ("'2024-01-15 08:30:00'", "'2024-01-15 08:30:00'", EQ),
            ("'2024-06-01 12:00:00'", "'2024-06-01 12:00:00+00'", DIFF),
        ],
        overrides={"v": ("", {"assume_zone": PG_ZONE})},
    ),
    Case(
        "timestamp-timestamptz",
        "TIMESTAMP NULL",
        "timestamptz",
        # Written in the servers' non-UTC session zones: +02:00 on MariaDB, New York on PostgreSQL.
        [
            ("'2024-06-01 12:00:00'", "'2024-06-01 10:00:00+00'", EQ),
            ("'2024-06-01 12:00:00'", "'2024-06-01 06:00:00'", EQ),
            ("'2024-06-01 12:00:00'", "'2024-06-01 11:00:00+00'", DIFF),
            ("'2024-06-01 12:00:00'", "'2024-06-01 12:00:00+00'", DIFF),
        ],
    ),
    Case(
        "time-time",
        "TIME",
        "time",
        [
            ("'12:34:56'", "'12:34:56'", EQ),
            ("'24:00:00'", "'24:00:00'", EQ),
            ("'00:00:00'", "'24:00:00'", DIFF),
            ("'12:00:00'", "'12:00:01'", DIFF),
        ],
        rule="time",
    ),
    Case(
        "time-interval",
        "TIME(6)",
        "interval",
        [
            ("'838:59:59'", "'838:59:59'", EQ),
            ("'-01:30:00'", "'-01:30:00'", EQ),
            ("'26:00:00'", "'1 day 02:00:00'", EQ),
            ("'00:00:00.5'", "'0.5 seconds'", EQ),
            ("'-838:59:59'", "'-838:59:58'", DIFF),
        ],
    ),
]


def _create(mysql, pg, table: str, case: Case) -> None:
    mysql.execute(f"CREATE TABLE {table} (id INT PRIMARY KEY, v {case.mysql_type})")
    pg.execute(*case.pg_setup, f"CREATE TABLE {table} (id INT PRIMARY KEY, v {case.pg_type})")
    for i, (left, right, _) in enumerate(case.rows, start=1):
        mysql.execute(f"INSERT INTO {table} VALUES ({i}, {left})")
        pg.execute(f"INSERT INTO {table} VALUES ({i}, {right})")


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_type_pair(zones, mysql, pg, unique_name, case: Case):
    table = unique_name("ty")
    _create(mysql, pg, table, case)
    expected = sorted(i for i, (_, _, equal) in enumerate(case.rows, start=1) if not equal)
    for left, right, flip in ((mysql.url, pg.url, False), (pg.url, mysql.url, True)):
        chunk_size = 2 if len(case.rows) >= 4 else 1
        result = dbdiff.diff(
            left, right, table=table, chunk_size=chunk_size, workers=2, column_rules=case.overrides
        )
        t = result.table()
        assert t.stats["chunks"] >= 2
        summary = t.summary.to_dict()
        assert summary["only_left"] == summary["only_right"] == 0, result.to_json()
        assert summary["matched"] == len(case.rows)
        changed = sorted(s["key"]["id"] for s in t.samples.changed)
        assert changed == expected, (flip, t.samples.changed)
        assert summary["changed"] == len(expected)
        rule = next(c.rule for c in t.schema.columns if c.name == "v")
        if case.rule:
            assert rule.split(" ")[0] == case.rule, rule


def test_one_megabyte_of_text_differing_in_its_last_character(zones, mysql, pg, unique_name):
    table = unique_name("big")
    mysql.execute(f"CREATE TABLE {table} (id INT PRIMARY KEY, body LONGTEXT)")
    pg.execute(f"CREATE TABLE {table} (id INT PRIMARY KEY, body TEXT)")
    body = "".join(chr(ord("a") + i % 26) for i in range(1 << 20))
    rows = [(1, body), (2, body), (3, "short")]
    mysql.executemany(f"INSERT INTO {table} VALUES (%s, %s)", rows)
    pg.executemany(f"INSERT INTO {table} VALUES (%s, %s)", [(1, body), (2, body[:-1] + "!"), (3, "short")])
    result = dbdiff.diff(mysql.url, pg.url, table=table, chunk_size=1)
    assert [s["key"]["id"] for s in result.table().samples.changed] == [2]
    assert result.table().summary.matched == 3


def test_interval_with_months_is_an_unreadable_value_of_its_column(zones, mysql, pg, unique_name):
    # Once an error that stopped the run; an unreadable value is data (issue 9.12).
    table = unique_name("mon")
    mysql.execute(f"CREATE TABLE {table} (id INT PRIMARY KEY, span TIME)")
    pg.execute(f"CREATE TABLE {table} (id INT PRIMARY KEY, span INTERVAL)")
    mysql.execute(f"INSERT INTO {table} VALUES (1, '01:00:00')")
    pg.execute(f"INSERT INTO {table} VALUES (1, '1 mon')")
    result = dbdiff.diff(mysql.url, pg.url, table=table)
    assert result.exit_code == 1
    (sample,) = result.table().samples.changed
    assert sample["diffs"]["span"] == {"left": "01:00:00", "right": "1 mon", "unreadable": "right"}


def test_zero_date_policy_error_refuses_zero_dates(zones, mysql, pg, unique_name):
    table = unique_name("zero")
    mysql.execute(f"CREATE TABLE {table} (id INT PRIMARY KEY, d DATE)")
    pg.execute(f"CREATE TABLE {table} (id INT PRIMARY KEY, d DATE)")
    mysql.execute(f"INSERT INTO {table} VALUES (1, '0000-00-00')")
    pg.execute(f"INSERT INTO {table} VALUES (1, NULL)")
    assert dbdiff.diff(mysql.url, pg.url, table=table).status == "identical"
    # Refused: the zero date is a value the rule cannot read, so the row differs (issue 9.12).
    refused = dbdiff.diff(
        mysql.url, pg.url, table=table, column_rules={"d": ("date", {"zero_date": "error"})}
    )
    assert refused.table().samples.changed[0]["diffs"]["d"]["unreadable"] == "left"
    assert refused.table().columns[0].unreadable == 1


def test_leniency_is_opt_in_per_column(zones, mysql, pg, unique_name):
    table = unique_name("len")
    mysql.execute(
        f"CREATE TABLE {table} (id INT PRIMARY KEY, name VARCHAR(20), amount DOUBLE, note VARCHAR(9))"
    )
    pg.execute(f"CREATE TABLE {table} (id INT PRIMARY KEY, name TEXT, amount DOUBLE PRECISION, note TEXT)")
    mysql.execute(f"INSERT INTO {table} VALUES (1, 'abc', 10.0, ''), (2, 'x ', 1.0, 'n')")
    pg.execute(f"INSERT INTO {table} VALUES (1, 'ABC', 10.004, NULL), (2, 'x', 1.2, 'n')")
    strict = dbdiff.diff(mysql.url, pg.url, table=table).table()
    assert {c.name: c.mismatches for c in strict.columns} == {"name": 2, "amount": 2, "note": 1}
    lenient = dbdiff.diff(
        mysql.url,
        pg.url,
        table=table,
        column_rules={
            "name": ("text", {"ignore_case": True, "rstrip": True}),
            "amount": ("float", {"abs_tol": 0.01}),
            "note": ("", {"empty_as_null": True}),
        },
    ).table()
    assert {c.name: c.mismatches for c in lenient.columns} == {"name": 0, "amount": 1, "note": 0}
    rules = {c.name: c.rule for c in lenient.schema.columns}
    assert rules["amount"].startswith("override:float")
    assert "empty_as_null=True" in rules["note"]


def test_pair_without_rule_is_an_error_before_reading(zones, mysql, pg, unique_name):
    table = unique_name("norule")
    mysql.execute(f"CREATE TABLE {table} (id INT PRIMARY KEY, addr VARCHAR(40))")
    pg.execute(f"CREATE TABLE {table} (id INT PRIMARY KEY, addr INET)")
    with pytest.raises(RuleError) as info:
        dbdiff.diff(mysql.url, pg.url, table=table)
    message = str(info.value)
    assert "'addr'" in message and "varchar(40)" in message and "inet" in message and "--rules" in message


def test_types_connectorx_cannot_read_natively_do_not_panic(zones, mysql, pg, unique_name):
    """PostgreSQL types connectorx panics on or rounds are cast in the SELECT list."""
    table = unique_name("pgonly")
    ddl = (
        "id INT PRIMARY KEY, n NUMERIC, iv INTERVAL, vb BIT VARYING(8), m MONEY, ts TIMETZ, arr UUID[], "
        "t TIME, x XML, big NUMERIC(40,0)"
    )
    pg.execute(f"CREATE TABLE {table} ({ddl})")
    pg.execute(
        f"INSERT INTO {table} VALUES (1, 123456789012345678901234567890.123456789, '2 days 03:00', "
        "B'101', 12.5, '10:00+02', ARRAY['a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::uuid], '24:00:00', "
        "'<a/>', 1234567890123456789012345678901234567890)"
    )
    result = dbdiff.diff(pg.url, pg.url, table=table, chunk_size=1)
    assert result.status == "identical", result.to_json()
    rules = {c.name: c.rule.split(" ")[0] for c in result.table().schema.columns}
    assert rules["n"] == "decimal" and rules["iv"] == "time" and rules["vb"] == "bit"


def test_cli_explain_shows_pairs_rules_casts_and_chunks_without_reading_rows(zones, mysql, pg, unique_name):
    import json

    from click.testing import CliRunner

    from dbdiff.cli import cli

    table = unique_name("explain")
    mysql.execute(
        f"CREATE TABLE {table} (id INT PRIMARY KEY, flag TINYINT(1), amount DECIMAL(40,20), doc JSON, "
        "left_only INT)"
    )
    pg.execute(
        f"CREATE TABLE {table} (id INT PRIMARY KEY, flag BOOLEAN, amount NUMERIC(40,20), doc JSONB, "
        "right_only INT)"
    )
    mysql.executemany(f"INSERT INTO {table} (id) VALUES (%s)", [(i,) for i in range(10)])
    args = ["explain", mysql.url, pg.url, "--table", table, "--chunk-size", "3", "--rule", "amount=:"]
    bad = CliRunner().invoke(cli, args)
    assert bad.exit_code == 2 and "names neither" in bad.output
    args[-1] = "doc=text"
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "flag: tinyint(1) vs boolean -> tinyint1-as-boolean" in result.output
    assert "left reads  CAST(`amount` AS CHAR) AS `amount`" in result.output
    assert "doc: longtext vs jsonb -> override:text -> text" in result.output
    assert (
        "only on the left:  left_only" in result.output and "only on the right: right_only" in result.output
    )
    described = json.loads(CliRunner().invoke(cli, [*args, "--format", "json"]).output)
    assert described["rows_left"] == 10 and described["rows_right"] == 0
    assert len(described["chunks"]) >= 2
    assert {c["name"]: c["rule"].split(" ")[0] for c in described["columns"]}["amount"] == "decimal"
