"""Chunk ranges partition the table, for every key type the MySQL/PostgreSQL rules know.

For each key type and chunk sizes 1, 2, 3 and 1,000, the plan's key ranges are read on both real
servers: every row comes back exactly once on each side (ranges never overlap, and together they
cover the table), and the diff of the identical copies counts every row exactly once.
"""

from __future__ import annotations

import functools
import itertools
import threading
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from dbdiff.catalog import TableCatalog
from dbdiff.engine import run_diff
from dbdiff.options import DiffOptions
from dbdiff.rules import RuleSet, load_rules
from dbdiff.sources.base import Source, open_source

pytestmark = pytest.mark.servers

RULES = Path(__file__).resolve().parents[2] / "rules" / "mysql-postgresql.yaml"
SIZES = (1, 2, 3, 1000)

#: A value as a SQL literal both servers accept, or (MySQL literal, PostgreSQL literal).
Literal = str | tuple[str, str]


@dataclass(frozen=True)
class KeyCase:
    id: str
    rule: str
    mysql_type: str
    pg_type: str
    values: tuple[Literal, ...]
    # A second key column (VARCHAR on both sides): the rows are every pair of values.
    second: tuple[str, ...] = ()
    primary_key: bool = True
    pg_setup: str = ""


def q(*texts: str) -> tuple[str, ...]:
    return tuple("'" + t.replace("'", "''") + "'" for t in texts)


def hexes(*blobs: bytes) -> tuple[tuple[str, str], ...]:
    return tuple((f"X'{b.hex()}'", f"'\\x{b.hex()}'::bytea") for b in blobs)


UUIDS = (
    "00000000-0000-0000-0000-000000000000",
    "6ccd780c-baba-1026-9564-5b8c656024db",  # version 1: MariaDB's UUID sorts these by time
    "6ccd780c-baba-1026-0564-5b8c656024db",
    "1ccd780c-caba-1126-9564-5b8c656024dc",
    "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11",
    "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A12",
    "7f000000-0000-4000-8000-000000000000",
    "80000000-0000-4000-8000-000000000000",
    "ffffffff-ffff-ffff-ffff-ffffffffffff",
)
MIXED_TEXT = q(
    "", " lead", "0", "10", "9", "Apple", "banana", "Cherry", "Ärger", "日本語", "😀", "zz", "Z_", "a-b"
)

CASES = (
    KeyCase("tinyint1-boolean", "tinyint1-as-boolean", "TINYINT(1)", "boolean", q("0", "1")),
    KeyCase("bit1-boolean", "bit1-as-boolean", "BIT(1)", "boolean", (("b'0'", "false"), ("b'1'", "true"))),
    KeyCase(
        "int-unsigned",
        "integer",
        "INT UNSIGNED",
        "bigint",
        ("0", "1", "2", "65535", "2147483648", "4294967295"),
    ),
    KeyCase(
        "bigint",
        "integer",
        "BIGINT",
        "bigint",
        tuple(str(v) for v in (-(2**63), -(2**31), -1, 0, 1, 10, 2**31, 2**53 + 1, 2**63 - 1)),
    ),
    KeyCase("year", "integer", "YEAR", "smallint", ("1901", "1970", "1999", "2000", "2024", "2155")),
    KeyCase(
        "bigint-unsigned",
        "decimal",
        "BIGINT UNSIGNED",
        "numeric(20,0)",
        tuple(str(v) for v in (0, 1, 9, 10, 99, 100, 2**32, 2**63 - 1, 2**63, 2**64 - 2, 2**64 - 1)),
    ),
    KeyCase(
        "decimal",
        "decimal",
        "DECIMAL(10,2)",
        "numeric(10,2)",
        (
            "-99999999.99",
            "-10.00",
            "-1.50",
            "-0.01",
            "0.00",
            "0.01",
            "0.10",
            "1.00",
            "2.50",
            "10.00",
            "99999999.99",
        ),
    ),
    KeyCase(
        "decimal-money",
        "decimal",
        "DECIMAL(12,2)",
        "money",
        ("-1000.50", "-0.01", "0.00", "0.99", "9", "10", "1234567.89"),
    ),
    KeyCase(
        "decimal-wide",
        "decimal",
        "DECIMAL(65,30)",
        "numeric(65,30)",
        (
            "-99999999999999999999999999999999999.000000000000000000000000000001",
            "-1",
            "0",
            "0.000000000000000000000000000001",
            "2",
            "11",
            "99999999999999999999999999999999999.999999999999999999999999999999",
        ),
    ),
    KeyCase(
        "double",
        "float",
        "DOUBLE",
        "double precision",
        (
            "-1.7976931348623157e308",
            "-1e100",
            "-1.5",
            "-2.2250738585072014e-308",
            "0",
            "1e-300",
            "0.1",
            "1.5",
            "3",
            "1e100",
            "1.7976931348623157e308",
        ),
    ),
    KeyCase("float", "float", "FLOAT", "real", ("-3e38", "-2.5", "0", "0.5", "1", "1e10", "3e38")),
    KeyCase("varchar", "text", "VARCHAR(40)", "varchar(40)", MIXED_TEXT),
    KeyCase(
        "varchar-bin",
        "text",
        "VARCHAR(40) COLLATE utf8mb4_bin",
        'text COLLATE "C"',
        q("", "A", "B", "a", "b", "ä", "Ä", "😀", "😁", "日本", "a-b", "ab"),
    ),
    KeyCase("char", "text", "CHAR(10)", "char(10)", q("b", "C", "d e", "Zz", "ä", "日本", "0", "10", "9")),
    KeyCase(
        "enum-pg-enum",
        "enum",
        "ENUM('zeta','mid','alpha','Ünï')",
        "{enum}",
        q("zeta", "mid", "alpha", "Ünï"),
        pg_setup="CREATE TYPE {enum} AS ENUM ('zeta', 'mid', 'alpha', 'Ünï')",
    ),
    KeyCase(
        "set-array",
        "set",
        "SET('a','b','c')",
        "text[]",
        tuple((f"'{v}'", f"'{{{v}}}'") for v in ("", "a", "b", "a,b", "c", "a,c", "b,c", "a,b,c")),
    ),
    KeyCase(
        "set-text", "set", "SET('a','b','c')", "text", q("", "a", "b", "a,b", "c", "a,c", "b,c", "a,b,c")
    ),
    KeyCase(
        "json-jsonb",
        "json",
        "JSON",
        "jsonb",
        q('{"a": 1}', "[1, 2]", '"x"', "1", "1.5", "true", '{"a": [1], "b": "é"}', "[]", "{}", '"日本"'),
        primary_key=False,
    ),
    KeyCase(
        "json-json",
        "json",
        "JSON",
        "json",
        q('{"a": 1}', "[1, 2]", '"x"', "1", "true", "[]", "{}"),
        primary_key=False,
    ),
    KeyCase(
        "text-jsonb",
        "json-from-text",
        "VARCHAR(100)",
        "jsonb",
        q('{"a": 1}', "[1, 2]", '"x"', "1", "[]", "{}"),
    ),
    KeyCase(
        "binary16-uuid",
        "uuid-from-binary16",
        "BINARY(16)",
        "uuid",
        tuple((f"X'{u.replace('-', '')}'", f"'{u}'") for u in UUIDS),
    ),
    KeyCase("char36-uuid", "uuid", "CHAR(36)", "uuid", q(*UUIDS)),
    KeyCase("mariadb-uuid", "uuid", "UUID", "uuid", q(*UUIDS)),
    KeyCase("mariadb-uuid-char", "uuid-as-text", "UUID", "char(36)", q(*(u.lower() for u in UUIDS))),
    KeyCase(
        "varbinary",
        "binary",
        "VARBINARY(16)",
        "bytea",
        hexes(b"", b"\x00", b"\x00\x00", b"\x01", b"\x7f", b"\x80", b"\xff", b"\xff\xff", b"ab", b"a"),
    ),
    KeyCase(
        "binary4", "binary", "BINARY(4)", "bytea", hexes(b"\0\0\0\0", b"ab\0\0", b"\x80\0\0\1", b"\xff" * 4)
    ),
    KeyCase(
        "bit10",
        "bit",
        "BIT(10)",
        "bit(10)",
        (
            "b'0000000000'",
            "b'0000000001'",
            "b'0111111111'",
            "b'1000000000'",
            "b'1000000001'",
            "b'1111111111'",
        ),
    ),
    KeyCase(
        "bit8-int", "bit", "BIT(8)", "smallint", tuple((f"{v}", f"{v}") for v in (0, 1, 9, 10, 127, 128, 255))
    ),
    KeyCase(
        "date",
        "date",
        "DATE",
        "date",
        q("1000-01-01", "1969-12-31", "1970-01-01", "2000-02-29", "2024-02-29", "9999-12-31"),
    ),
    KeyCase(
        "datetime6",
        "timestamp",
        "DATETIME(6)",
        "timestamp(6)",
        q(
            "1000-01-01 00:00:00",
            "1969-12-31 23:59:59.999999",
            "1970-01-01 00:00:00",
            "2024-02-29 12:34:56.123456",
            "2024-02-29 12:34:56.123457",
            "9999-12-31 23:59:59.999999",
        ),
    ),
    KeyCase(
        "timestamp-tz",
        "timestamp",
        "TIMESTAMP",
        "timestamptz",
        tuple(
            (f"'{v}'", f"'{v}+00'")
            for v in (
                "1970-01-01 00:00:01",
                "2000-01-01 00:00:00",
                "2024-03-31 01:30:00",
                "2038-01-19 03:14:07",
            )
        ),
    ),
    KeyCase(
        "datetime-tz",
        "timestamp",
        "DATETIME",
        "timestamptz",
        tuple(
            (f"'{v}'", f"'{v}+00'")
            for v in ("1000-01-01 00:00:00", "1999-12-31 23:59:59", "9999-12-31 23:59:59")
        ),
    ),
    KeyCase(
        "time",
        "time",
        "TIME",
        "time",
        q("00:00:00", "00:00:01", "09:05:00", "10:00:00", "12:00:00", "23:59:59"),
    ),
    KeyCase(
        "time-interval",
        "time",
        "TIME(6)",
        "interval",
        q(
            "-838:59:59",
            "-100:00:00",
            "-10:00:00",
            "-09:00:00",
            "-00:00:01",
            "00:00:00",
            "00:00:00.000001",
            "09:00:00",
            "10:00:00",
            "100:00:00",
            "838:59:59",
        ),
    ),
    # Composite keys: a number read as text, then a string (own boundaries on each side) ...
    KeyCase(
        "bigint-unsigned+varchar",
        "decimal",
        "BIGINT UNSIGNED",
        "numeric(20,0)",
        tuple(str(v) for v in (0, 9, 10, 2**63, 2**64 - 1)),
        second=("a", "B", "c"),
    ),
    KeyCase(
        "decimal+varchar",
        "decimal",
        "DECIMAL(10,2)",
        "numeric(10,2)",
        ("-1.50", "0.00", "2.50", "10.00"),
        second=("a", "B", "c"),
    ),
    # ... and a date, shared boundaries with a second column.
    KeyCase(
        "date+varchar",
        "date",
        "DATE",
        "date",
        q("2000-01-01", "2024-02-29", "9999-12-31"),
        second=("a", "B", "c"),
    ),
)


@functools.cache
def _rules() -> RuleSet:
    # Loaded once: parsing the rule files is most of a small diff's time.
    return load_rules((), left_dialect="mysql", right_dialect="postgresql")


def _lit(value: Literal, side: int) -> str:
    return value if isinstance(value, str) else value[side]


def _rows(case: KeyCase, side: int) -> list[str]:
    """One `(k[, k2], v)` tuple of SQL literals per row; v numbers the rows from 0."""
    if case.second:
        pairs = itertools.product(case.values, case.second)
        return [f"({_lit(k, side)}, '{k2}', {i})" for i, (k, k2) in enumerate(pairs)]
    return [f"({_lit(k, side)}, {i})" for i, k in enumerate(case.values)]


def _create(mysql, pg, case: KeyCase, table: str) -> tuple[list[str], int]:
    enum = f"{table}_e"
    pg_type = case.pg_type.format(enum=enum)
    key = ["k", "k2"] if case.second else ["k"]
    extra_m = ", k2 VARCHAR(10) NOT NULL" if case.second else ""
    extra_p = ", k2 varchar(10) NOT NULL" if case.second else ""
    pk = f", PRIMARY KEY ({', '.join(key)})" if case.primary_key else ""
    mysql.execute(
        "SET time_zone = '+00:00'",  # TIMESTAMP literals mean UTC whatever the server's zone
        f"CREATE TABLE {table} (k {case.mysql_type} NOT NULL{extra_m}, v INT NOT NULL{pk})",
        f"INSERT INTO {table} VALUES {', '.join(_rows(case, 0))}",
    )
    if case.pg_setup:
        pg.execute(case.pg_setup.format(enum=enum))
    pg.execute(
        f"CREATE TABLE {table} (k {pg_type} NOT NULL{extra_p}, v INT NOT NULL{pk})",
        f"INSERT INTO {table} VALUES {', '.join(_rows(case, 1))}",
    )
    return key, len(_rows(case, 0))


#: Rules whose columns can never be a key: geometries have no order (PostgreSQL's point has no
#: btree operator class), so a geometry key is refused before anything is read.
NOT_KEYS = {"geometry"}


def test_every_rule_of_the_mysql_postgresql_file_has_a_key_case():
    rules = {r["name"] for r in yaml.safe_load(RULES.read_text())["rules"]}
    assert rules - NOT_KEYS <= {c.rule for c in CASES}
    assert rules >= NOT_KEYS


def test_a_geometry_key_is_refused_as_a_usage_error(mysql, pg, unique_name):
    from click.testing import CliRunner

    from dbdiff.cli import cli

    table = unique_name("gk")
    mysql.execute(
        f"CREATE TABLE {table} (id INT PRIMARY KEY, p POINT NOT NULL)",
        f"INSERT INTO {table} VALUES (1, ST_GeomFromText('POINT(1 2)'))",
    )
    pg.execute(
        f"CREATE TABLE {table} (id int PRIMARY KEY, p point NOT NULL)",
        f"INSERT INTO {table} VALUES (1, '(1,2)')",
    )
    result = CliRunner().invoke(cli, ["diff", mysql.url, pg.url, "--table", table, "--key", "p"])
    assert result.exit_code == 2, result.output
    assert "key column 'p' is a geometry" in result.output
    assert "ordering operator" not in result.output


class Recording(Source):
    """A real source that keeps the `v` of every row its chunk reads return, per read."""

    def __init__(self, inner: Source) -> None:
        super().__init__(inner.url)
        self.inner = inner
        self.dialect = inner.dialect  # type: ignore[misc]
        self.reads: list[list[int]] = []
        self._lock = threading.Lock()

    def server_version(self) -> str:
        return self.inner.server_version()

    def introspect(self, table: str) -> TableCatalog:
        return self.inner.introspect(table)

    def count_rows(self, table: str, where: str | None = None) -> int:
        return self.inner.count_rows(table, where)

    def key_boundaries(self, table, key, every, where=None):  # type: ignore[no-untyped-def]
        return self.inner.key_boundaries(table, key, every, where)

    def read_chunk(self, table, columns, key, key_range, where=None):  # type: ignore[no-untyped-def]
        chunk = self.inner.read_chunk(table, columns, key, key_range, where)
        with self._lock:
            self.reads.append(chunk.column("v").to_pylist())
        return chunk

    def read_null_keys(self, table, columns, key, where, limit):  # type: ignore[no-untyped-def]
        return self.inner.read_null_keys(table, columns, key, where, limit)


@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
def test_chunk_ranges_partition_both_sides_and_the_diff_counts_each_row_once(mysql, pg, unique_name, case):
    table = unique_name("kr")
    key, n = _create(mysql, pg, case, table)
    with open_source(mysql.url) as my, open_source(pg.url) as postgres:
        for size in SIZES:
            left, right = Recording(my), Recording(postgres)
            options = DiffOptions(table=table, key=key, chunk_size=size, workers=2)
            result = run_diff(left, right, options, rules=_rules())
            table_result = result.table()
            assert table_result.schema.columns[0].rule.split(" ")[0] == case.rule
            assert table_result.stats["chunks"] == len(left.reads) == len(right.reads)
            # Every row read exactly once on each server: the ranges never overlap and cover the table.
            for side in (left, right):
                seen = sorted(itertools.chain.from_iterable(side.reads))
                assert seen == list(range(n)), (side.dialect, size, side.reads)
            summary = table_result.summary
            assert result.status == "identical", (size, summary)
            assert (summary.rows_left, summary.rows_right, summary.matched) == (n, n, n), (size, summary)
            assert summary.duplicate_keys_left == summary.duplicate_keys_right == 0, (size, summary)


class RecordingExtent(Recording):
    """`Recording` that also gives the key's extent and the server's estimates, so a whole-number
    key is cut from them (`dbdiff.engine.extent`) instead of counted and numbered."""

    estimated = 0

    def key_extent(self, table, key):  # type: ignore[no-untyped-def]
        return self.inner.key_extent(table, key)

    def estimate_rows(self, table, key, lower, upper):  # type: ignore[no-untyped-def]
        self.estimated += 1
        return self.inner.estimate_rows(table, key, lower, upper)

    def estimate_table_rows(self, table):  # type: ignore[no-untyped-def]
        return self.inner.estimate_table_rows(table)


# YEAR is its own type family (a year, not a number): it keeps the counted plan.
WHOLE_NUMBER_CASES = [
    c for c in CASES if c.rule == "integer" and not c.second and c.primary_key and c.mysql_type != "YEAR"
]


@pytest.mark.parametrize("case", WHOLE_NUMBER_CASES, ids=[c.id for c in WHOLE_NUMBER_CASES])
def test_ranges_cut_from_the_key_extent_partition_both_sides(mysql, pg, unique_name, case):
    """The same partition with ranges cut from MIN/MAX and the servers' estimates, down to ranges of
    a single key (chunk size 1), across the whole 64-bit range (the bigint case)."""
    table = unique_name("ke")
    key, n = _create(mysql, pg, case, table)
    with open_source(mysql.url) as my, open_source(pg.url) as postgres:
        for size in SIZES:
            left, right = RecordingExtent(my), RecordingExtent(postgres)
            result = run_diff(
                left, right, DiffOptions(table=table, key=key, chunk_size=size, workers=2), rules=_rules()
            )
            assert left.estimated and right.estimated  # the extent path was taken
            for side in (left, right):
                seen = sorted(itertools.chain.from_iterable(side.reads))
                assert seen == list(range(n)), (side.dialect, size, side.reads)
            summary = result.table().summary
            assert result.status == "identical", (size, summary)
            assert (summary.rows_left, summary.rows_right, summary.matched) == (n, n, n), (size, summary)


def test_keys_bunched_far_apart_are_cut_near_a_chunk_each(mysql, pg, unique_name):
    """Two clusters of keys 10^15 apart: the estimates halve the empty middle away, every row is
    read once, and no chunk holds much more than its share."""
    table = unique_name("kb")
    ids = list(range(1, 401)) + list(range(10**15, 10**15 + 600))
    rows = ", ".join(f"({i}, {v})" for v, i in enumerate(ids))
    mysql.execute(
        f"CREATE TABLE {table} (id BIGINT PRIMARY KEY, v INT)", f"INSERT INTO {table} VALUES {rows}"
    )
    pg.execute(f"CREATE TABLE {table} (id BIGINT PRIMARY KEY, v INT)", f"INSERT INTO {table} VALUES {rows}")
    pg.execute(f"ANALYZE {table}")
    with open_source(mysql.url) as my, open_source(pg.url) as postgres:
        left, right = RecordingExtent(my), RecordingExtent(postgres)
        result = run_diff(left, right, DiffOptions(table=table, chunk_size=100, workers=2), rules=_rules())
        assert result.status == "identical" and result.table().summary.matched == len(ids)
        for side in (left, right):
            assert sorted(itertools.chain.from_iterable(side.reads)) == list(range(len(ids)))
            # Not one chunk of everything: the clusters were found and cut.
            assert max(len(r) for r in side.reads) <= 400, [len(r) for r in side.reads]
