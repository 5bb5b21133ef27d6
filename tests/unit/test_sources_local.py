"""The sources that need no server: DuckDB files, SQLite files, Parquet, CSV and Arrow tables in memory."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import itertools
import os
import random
import sqlite3
import tempfile
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dbdiff.catalog import Column
from dbdiff.errors import ExtractionError, KeyColumnError, TableNotFoundError, URLError, UsageError
from dbdiff.sources.base import KeyRange, Source, open_source
from dbdiff.sources.duckdb import ArrowSource, DuckDBDialect, DuckDBSource, duckdb_column
from dbdiff.sources.files import CSVSource, ParquetSource
from dbdiff.sources.sqlite import SQLiteDialect, SQLiteSource, sqlite_column

# --- one data set, every source ---------------------------------------------------------------

N = 230


def items_table() -> pa.Table:
    """Unique ids with gaps, unique mixed-case/accented codes, a composite (grp, sub) key, NULLs."""
    rng = random.Random(7)
    ids = rng.sample(range(1, 10_000), N)
    specials = ["a", "B", "b", "Z", "é", "ü", "x y", "it's", 'quote"d', "comma,c", "ß", "10", "9"]
    codes = specials + [f"c{rng.randrange(10**9):09d}" for _ in range(N - len(specials))]
    assert len(set(codes)) == N
    return pa.table(
        {
            "id": pa.array(ids, pa.int64()),
            "code": pa.array(codes, pa.string()),
            "grp": pa.array([i // 10 for i in range(N)], pa.int64()),
            "sub": pa.array([f"s{(i * 7) % 10}" for i in range(N)], pa.string()),
            "maybe": pa.array([None if i % 17 == 0 else i for i in range(N)], pa.int64()),
            "amount": pa.array([f"{i * 1.25:.2f}" for i in range(N)], pa.string()),
        }
    )


def _make_duckdb(path: Path, data: pa.Table) -> Source:
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE items (id BIGINT PRIMARY KEY, code VARCHAR NOT NULL, grp BIGINT, sub VARCHAR, "
        "maybe BIGINT, amount DECIMAL(12,2))"
    )
    con.register("src", data)
    con.execute("INSERT INTO items SELECT * FROM src")
    con.close()
    return DuckDBSource(f"duckdb:///{path}")


def _make_sqlite(path: Path, data: pa.Table) -> Source:
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE items (id INTEGER PRIMARY KEY, code TEXT NOT NULL, grp INTEGER, sub VARCHAR(5), "
        "maybe BIGINT, amount DECIMAL(12,2))"
    )
    con.executemany(
        "INSERT INTO items VALUES (?, ?, ?, ?, ?, ?)", list(zip(*data.to_pydict().values(), strict=True))
    )
    con.commit()
    con.close()
    return SQLiteSource(f"sqlite:///{path}")


def _make_parquet(path: Path, data: pa.Table) -> Source:
    pq.write_table(data, path)
    return ParquetSource(str(path))


def _make_csv(path: Path, data: pa.Table) -> Source:
    pacsv.write_csv(data, path)
    return CSVSource(str(path))


def _make_arrow(path: Path, data: pa.Table) -> Source:
    return ArrowSource({"items": data}, primary_keys={"items": ["id"]}, name="test")


MAKERS: dict[str, tuple[str, Callable[[Path, pa.Table], Source]]] = {
    "duckdb": ("items.duckdb", _make_duckdb),
    "sqlite": ("items.db", _make_sqlite),
    "parquet": ("items.parquet", _make_parquet),
    "csv": ("items.csv", _make_csv),
    "arrow": ("", _make_arrow),
}


@pytest.fixture(params=sorted(MAKERS))
def items(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Source]:
    name, make = MAKERS[request.param]
    with make(tmp_path / name, items_table()) as source:
        yield source


def key_of(source: Source, *names: str) -> list[Column]:
    schema = source.introspect("items")
    return [schema[n] for n in names]


def read_all_ranges(source: Source, key: Sequence[Column], every: int, where: str | None = None) -> list:
    """Every row's id, read range by range between consecutive boundaries."""
    bounds = source.key_boundaries("items", key, every, where)
    id_column = source.introspect("items")["id"]
    edges = [None, *bounds, None]
    ids: list = []
    for lower, upper in itertools.pairwise(edges):
        chunk = source.read_chunk("items", [id_column], key, KeyRange(lower, upper), where)
        assert chunk.num_rows <= every or len(key) > 1 or every >= N
        ids += chunk.column("id").to_pylist()
    return ids


# --- every source -----------------------------------------------------------------------------


def test_count_rows(items: Source) -> None:
    assert items.count_rows("items") == N
    assert items.count_rows("items", "grp < 5") == 50
    assert items.count_rows("items", "maybe IS NULL") == len(range(0, N, 17))


@pytest.mark.parametrize("names", [("id",), ("code",), ("grp", "sub")])
@pytest.mark.parametrize("every", [1, 7, 50, 10_000])
def test_boundaries_partition_the_rows(items: Source, names: tuple[str, ...], every: int) -> None:
    key = key_of(items, *names)
    ids = read_all_ranges(items, key, every)
    assert Counter(ids) == Counter(items_table().column("id").to_pylist())
    bounds = items.key_boundaries("items", key, every)
    assert len(bounds) == (N - 1) // every
    assert all(isinstance(b, tuple) and len(b) == len(key) for b in bounds)


def test_boundaries_are_ascending_and_honour_where(items: Source) -> None:
    key = key_of(items, "id")
    bounds = items.key_boundaries("items", key, 20, "grp >= 3")
    assert bounds == sorted(bounds)
    expected = [
        i
        for i, g in zip(items_table()["id"].to_pylist(), items_table()["grp"].to_pylist(), strict=True)
        if g >= 3
    ]
    assert Counter(read_all_ranges(items, key, 20, "grp >= 3")) == Counter(expected)
    assert len(bounds) == (len(expected) - 1) // 20


def test_null_keys_are_excluded_from_ranges_and_counted(items: Source) -> None:
    key = key_of(items, "maybe")
    nulls = [
        i
        for i, m in zip(items_table()["id"].to_pylist(), items_table()["maybe"].to_pylist(), strict=True)
        if m is None
    ]
    ids = read_all_ranges(items, key, 13)
    assert sorted(ids) == sorted(set(items_table()["id"].to_pylist()) - set(nulls))
    schema = items.introspect("items")
    count, rows = items.read_null_keys("items", schema.columns, key, None, 3)
    assert count == len(nulls)
    assert rows.num_rows == 3
    assert rows.column_names == schema.column_names
    assert set(rows.column("id").to_pylist()) <= set(nulls)
    assert rows.column("maybe").null_count == 3
    count, rows = items.read_null_keys("items", schema.columns, key, "grp < 2", 100)
    assert count == 2  # rows 0 and 17
    assert rows.num_rows == 2


def test_read_chunk_gives_the_columns_in_order(items: Source) -> None:
    schema = items.introspect("items")
    cols = [schema["code"], schema["id"], schema["grp"]]
    table = items.read_chunk("items", cols, [schema["id"]], KeyRange(), "grp = 0")
    assert isinstance(table, pa.Table)
    assert table.column_names == ["code", "id", "grp"]
    assert table.num_rows == 10
    assert pa.types.is_integer(table.schema.field("id").type)
    assert pa.types.is_string(table.schema.field("code").type) or pa.types.is_large_string(
        table.schema.field("code").type
    )
    assert items.read_chunk("items", cols, [schema["id"]], KeyRange.nothing()).num_rows == 0


def test_introspection_finds_the_families(items: Source) -> None:
    schema = items.introspect("items")
    assert schema.name == "items"
    assert schema.column_names == ["id", "code", "grp", "sub", "maybe", "amount"]
    assert schema["id"].family == "integer"
    assert schema["code"].family == "string"
    assert schema["grp"].family == "integer"


def test_bad_where_is_a_usage_error(items: Source) -> None:
    with pytest.raises(UsageError, match="nosuch"):
        items.count_rows("items", "nosuch = 1")
    with pytest.raises(UsageError):
        items.key_boundaries("items", key_of(items, "id"), 10, "id >")
    with pytest.raises(UsageError):
        items.read_chunk("items", key_of(items, "id"), key_of(items, "id"), KeyRange(), "id = = 1")


def test_info_and_version(items: Source) -> None:
    info = items.info()
    assert info.dialect == items.dialect
    assert info.server_version == items.server_version()
    assert duckdb.__version__ in info.server_version or sqlite3.sqlite_version in info.server_version


def test_server_versions(tmp_path: Path) -> None:
    data = items_table()
    expected = {
        "duckdb": f"duckdb {duckdb.__version__}",
        "sqlite": f"sqlite {sqlite3.sqlite_version}",
        "parquet": f"parquet (duckdb {duckdb.__version__})",
        "csv": f"csv (duckdb {duckdb.__version__})",
        "arrow": f"arrow (duckdb {duckdb.__version__})",
    }
    for kind, (name, make) in MAKERS.items():
        with make(tmp_path / name, data) as source:
            assert source.server_version() == expected[kind]
            assert source.dialect == kind


def test_concurrent_reads_from_one_source(items: Source) -> None:
    # The engine reads several chunks of one source at once from a thread pool.
    key = key_of(items, "id")
    bounds = items.key_boundaries("items", key, 10)
    edges = [None, *bounds, None]
    with ThreadPoolExecutor(8) as pool:
        ranges = [KeyRange(lower, upper) for lower, upper in itertools.pairwise(edges)]
        chunks = pool.map(lambda r: items.read_chunk("items", key, key, r, "grp >= 0"), ranges)
        counts = pool.map(lambda _: items.count_rows("items"), range(8))
        ids = [i for chunk in chunks for i in chunk.column("id").to_pylist()]
    assert sorted(ids) == sorted(items_table()["id"].to_pylist())
    assert set(counts) == {N}


# --- partitions, as a property ----------------------------------------------------------------

_TEXT = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\x00"), max_size=6)
_ROWS = st.lists(st.tuples(st.integers(-(2**63), 2**63 - 1), _TEXT), min_size=0, max_size=40)


def _partition_holds(source: Source, every: int, names: Sequence[str], n: int) -> None:
    schema = source.introspect("t")
    key = [schema[name] for name in names]
    bounds = source.key_boundaries("t", key, every)
    edges = [None, *bounds, None]
    seen: list[int] = []
    for lower, upper in itertools.pairwise(edges):
        seen += source.read_chunk("t", [schema["rowno"]], key, KeyRange(lower, upper)).column(0).to_pylist()
    assert sorted(seen) == list(range(n))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_ROWS, every=st.integers(1, 12), names=st.sampled_from([("k",), ("s",), ("s", "k"), ("k", "s")]))
def test_partition_property_duckdb(rows: list[tuple[int, str]], every: int, names: tuple[str, ...]) -> None:
    table = pa.table(
        {
            "rowno": pa.array(range(len(rows)), pa.int64()),
            "k": pa.array([k for k, _ in rows], pa.int64()),
            "s": pa.array([s for _, s in rows], pa.string()),
        }
    )
    with ArrowSource({"t": table}) as source:
        _partition_holds(source, every, names, len(rows))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(rows=_ROWS, every=st.integers(1, 12), names=st.sampled_from([("k",), ("s",), ("s", "k")]))
def test_partition_property_sqlite(rows: list[tuple[int, str]], every: int, names: tuple[str, ...]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "t.db")
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE t (rowno INTEGER, k INTEGER, s TEXT)")
        con.executemany("INSERT INTO t VALUES (?, ?, ?)", [(i, k, s) for i, (k, s) in enumerate(rows)])
        con.commit()
        con.close()
        with SQLiteSource(f"sqlite:///{path}") as source:
            _partition_holds(source, every, names, len(rows))


# --- DuckDB files -----------------------------------------------------------------------------


@pytest.fixture
def typed_duckdb(tmp_path: Path) -> Iterator[DuckDBSource]:
    path = tmp_path / "typed.duckdb"
    con = duckdb.connect(str(path))
    con.execute("CREATE TYPE mood AS ENUM ('sad', 'ok', 'Happy')")
    con.execute(
        """CREATE TABLE typed (
            id INTEGER PRIMARY KEY, b BOOLEAN, ti TINYINT, hi HUGEINT, ub UBIGINT, uh UHUGEINT,
            d DECIMAL(12,2), f FLOAT, r REAL, db DOUBLE, s VARCHAR, bl BLOB, dt DATE, ts TIMESTAMP,
            tsns TIMESTAMP_NS, tsms TIMESTAMP_MS, tss TIMESTAMP_S, tz TIMESTAMPTZ, tm TIME, iv INTERVAL,
            j JSON, u UUID, m mood, l INTEGER[], a INTEGER[2], bt BIT, st STRUCT(x INTEGER), ttz TIMETZ
        )"""
    )
    con.execute(
        """INSERT INTO typed SELECT i, i % 2 = 0, i, i * 10000000000000000000000::HUGEINT,
            18446744073709551615 - i,
            '340282366920938463463374607431768211455'::UHUGEINT - CAST(i AS UHUGEINT),
            i / 4, i / 8, i / 8, i / 3, 'v' || i, from_hex(printf('%02x', i)),
            DATE '2024-01-01' + CAST(i AS INTEGER),
            TIMESTAMP '2024-01-01 00:00:00' + to_microseconds(i),
            '2024-01-01 00:00:00'::TIMESTAMP_NS + to_microseconds(i),
            TIMESTAMP '2024-01-01' + to_milliseconds(i),
            TIMESTAMP '2024-01-01' + to_seconds(i), '2024-01-01 00:00:00+00'::TIMESTAMPTZ + to_hours(i),
            TIME '10:00:00' + to_seconds(i), to_days(i), '{"k": ' || i || '}',
            uuid(), (['sad', 'ok', 'Happy'])[i % 3 + 1], [i, i + 1], [i, i], '0101'::BIT, {'x': i},
            '10:00:00+02'::TIMETZ
            FROM range(1, 41) r(i)"""
    )
    con.execute("CREATE SCHEMA other")
    con.execute("CREATE TABLE other.pairs (a INTEGER, b VARCHAR, v INTEGER, PRIMARY KEY (b, a))")
    con.execute("INSERT INTO other.pairs VALUES (1, 'x', 10), (2, 'x', 20), (1, 'y', 30)")
    con.execute("CREATE VIEW typed_view AS SELECT id, s FROM typed")
    con.close()
    with DuckDBSource(f"duckdb:///{path}") as source:
        yield source


def test_duckdb_introspection(typed_duckdb: DuckDBSource) -> None:
    schema = typed_duckdb.introspect("typed")
    assert schema.primary_key == ("id",)
    expected = {
        "id": ("integer", "integer"),
        "b": ("boolean", "boolean"),
        "ti": ("integer", "tinyint"),
        "hi": ("integer", "hugeint"),
        "ub": ("integer", "ubigint"),
        "uh": ("integer", "uhugeint"),
        "d": ("decimal", "decimal(12,2)"),
        "f": ("float", "float"),
        "r": ("float", "float"),
        "db": ("float", "double"),
        "s": ("string", "varchar"),
        "bl": ("binary", "blob"),
        "dt": ("date", "date"),
        "ts": ("datetime", "timestamp"),
        "tsns": ("datetime", "timestamp_ns"),
        "tsms": ("datetime", "timestamp_ms"),
        "tss": ("datetime", "timestamp_s"),
        "tz": ("timestamp", "timestamp with time zone"),
        "tm": ("time", "time"),
        "iv": ("interval", "interval"),
        "j": ("json", "json"),
        "u": ("uuid", "uuid"),
        "m": ("enum", "enum('sad', 'ok', 'Happy')"),
        "l": ("array", "integer[]"),
        "a": ("array", "integer[2]"),
        "bt": ("bit", "bit"),
        "st": ("other", "struct(x integer)"),
        "ttz": ("other", "time with time zone"),
    }
    assert {c.name: (c.family, c.native_type) for c in schema.columns} == expected
    assert schema["id"].nullable is False and schema["s"].nullable is True
    assert (schema["d"].precision, schema["d"].scale) == (12, 2)
    assert (schema["f"].precision, schema["db"].precision) == (24, 53)
    assert schema["ub"].unsigned and schema["uh"].unsigned and not schema["hi"].unsigned
    assert schema["m"].values == ("sad", "ok", "Happy")
    assert (schema["tsns"].fsp, schema["tsms"].fsp, schema["tss"].fsp) == (9, 3, 0)


def test_duckdb_schema_qualified_names_and_views(typed_duckdb: DuckDBSource) -> None:
    pairs = typed_duckdb.introspect("other.pairs")
    assert pairs.name == "other.pairs"
    assert pairs.primary_key == ("b", "a")
    assert typed_duckdb.count_rows("other.pairs") == 3
    assert typed_duckdb.count_rows("OTHER.Pairs", "b = 'x'") == 2
    assert typed_duckdb.introspect("main.typed").primary_key == ("id",)
    view = typed_duckdb.introspect("typed_view")
    assert view.column_names == ["id", "s"] and view.primary_key == ()


def test_duckdb_read_types_are_lossless(typed_duckdb: DuckDBSource) -> None:
    schema = typed_duckdb.introspect("typed")
    table = typed_duckdb.read_chunk("typed", schema.columns, [schema["id"]], KeyRange((1,), (2,)))
    types = {f.name: f.type for f in table.schema}
    assert types["d"] == pa.decimal128(12, 2)
    assert types["hi"] == pa.decimal128(38, 0)
    assert types["ub"] == pa.uint64()
    assert types["tsns"] == pa.timestamp("ns")
    assert types["tz"] == pa.timestamp("us", tz="UTC")
    for name in ("uh", "m", "bt", "iv", "st", "ttz", "u", "j"):
        assert types[name] == pa.string(), name
    row = table.drop_columns(["tsns"]).to_pylist()[0]
    assert row["uh"] == str(2**128 - 1 - 1)
    assert row["ub"] == 2**64 - 2
    assert row["hi"] == decimal.Decimal(10**22)
    assert row["d"] == decimal.Decimal("0.25")
    assert row["m"] == "ok" and row["bt"] == "0101" and row["ttz"] == "10:00:00+02"
    assert row["bl"] == b"\x01"
    assert row["tz"] == dt.datetime(2024, 1, 1, 1, tzinfo=dt.timezone.utc)
    assert row["l"] == [1, 2]


@pytest.mark.parametrize(
    "name",
    [
        "id",
        "hi",
        "ub",
        "uh",
        "d",
        "f",
        "db",
        "s",
        "bl",
        "dt",
        "ts",
        "tsns",
        "tz",
        "tm",
        "iv",
        "u",
        "m",
        "bt",
        "b",
    ],
)
def test_duckdb_partition_on_every_key_type(typed_duckdb: DuckDBSource, name: str) -> None:
    schema = typed_duckdb.introspect("typed")
    key = [schema[name]]
    bounds = typed_duckdb.key_boundaries("typed", key, 6)
    assert bounds, name
    edges = [None, *bounds, None]
    ids = []
    for lower, upper in itertools.pairwise(edges):
        ids += (
            typed_duckdb.read_chunk("typed", [schema["id"]], key, KeyRange(lower, upper))
            .column(0)
            .to_pylist()
        )
    assert sorted(ids) == list(range(1, 41))


def test_duckdb_partition_with_canonical_bounds(typed_duckdb: DuckDBSource) -> None:
    # The engine rewrites bounds (dates and times as ISO text, numbers as Decimal) before using them.
    from dbdiff.plan import canonical_bounds

    schema = typed_duckdb.introspect("typed")
    for name in ("dt", "ts", "tsns", "tz", "d", "hi", "uh"):
        key = [schema[name]]
        bounds = canonical_bounds(typed_duckdb.key_boundaries("typed", key, 7), key)
        edges = [None, *bounds, None]
        ids = []
        for lower, upper in itertools.pairwise(edges):
            ids += (
                typed_duckdb.read_chunk("typed", [schema["id"]], key, KeyRange(lower, upper))
                .column(0)
                .to_pylist()
            )
        assert sorted(ids) == list(range(1, 41)), name


def test_duckdb_missing_table_lists_what_is_there(typed_duckdb: DuckDBSource) -> None:
    with pytest.raises(TableNotFoundError) as info:
        typed_duckdb.introspect("typd")
    text = str(info.value)
    assert "'typd'" in text and "did you mean 'typed'" in text and "other.pairs" in text
    with pytest.raises(TableNotFoundError):
        typed_duckdb.count_rows("nosuch")


def test_duckdb_missing_or_bad_file(tmp_path: Path) -> None:
    with pytest.raises(URLError, match="not found"):
        DuckDBSource(f"duckdb:///{tmp_path}/nope.duckdb")
    assert not (tmp_path / "nope.duckdb").exists()
    (tmp_path / "junk.duckdb").write_bytes(b"not a database" * 100)
    with pytest.raises(URLError, match="not a DuckDB database"):
        DuckDBSource(f"duckdb:///{tmp_path}/junk.duckdb")


def _digest(path: Path) -> tuple[str, int]:
    return hashlib.sha256(path.read_bytes()).hexdigest(), path.stat().st_mtime_ns


def test_duckdb_is_read_only(tmp_path: Path) -> None:
    path = tmp_path / "ro.duckdb"
    with _make_duckdb(path, items_table()) as source:
        pass
    before = _digest(path)
    with DuckDBSource(f"duckdb:///{path}") as source:
        schema = source.introspect("items")
        source.key_boundaries("items", [schema["id"]], 10)
        source.read_chunk("items", schema.columns, [schema["id"]], KeyRange())
        with pytest.raises(UsageError):
            source.count_rows("items", "1=1); DELETE FROM items; SELECT (1")
        with pytest.raises(duckdb.Error, match="read-only"):
            source._con.execute("DELETE FROM items")
        assert source.count_rows("items") == N
    assert _digest(path) == before
    assert not Path(str(path) + ".wal").exists()


def test_duckdb_opened_by_url(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "u.duckdb"
    _make_duckdb(path, items_table()).close()
    monkeypatch.chdir(tmp_path)
    for url in ("duckdb:///u.duckdb", f"duckdb:///{path}", "u.duckdb"):
        with open_source(url) as source:
            assert isinstance(source, DuckDBSource)
            assert source.count_rows("items") == N


# --- the DuckDB dialect -----------------------------------------------------------------------


def _col(native: str) -> Column:
    return duckdb_column("c", native)


@pytest.mark.parametrize(
    ("value", "native", "sql"),
    [
        (None, "INTEGER", "NULL"),
        (True, "BOOLEAN", "TRUE"),
        (42, "BIGINT", "42"),
        (2**64 - 1, "UBIGINT", "CAST('18446744073709551615' AS ubigint)"),
        ("it's", "VARCHAR", "'it''s'"),
        ("a\\b", "VARCHAR", "'a\\b'"),
        (b"\x00\xff'", "BLOB", "from_hex('00ff27')"),
        (decimal.Decimal("1.10"), "DECIMAL(12,2)", "CAST('1.10' AS decimal(12,2))"),
        (decimal.Decimal("5"), "HUGEINT", "5"),
        (0.1, "DOUBLE", "CAST('0.1' AS double)"),
        (float("nan"), "DOUBLE", "CAST('NaN' AS double)"),
        (float("-inf"), "FLOAT", "CAST('-Infinity' AS float)"),
        (dt.date(2024, 1, 2), "DATE", "CAST('2024-01-02' AS date)"),
        (dt.datetime(2024, 1, 2, 3, 4, 5, 6), "TIMESTAMP", "CAST('2024-01-02 03:04:05.000006' AS timestamp)"),
        ("2024-01-02 03:04:05.000000", "TIMESTAMP_NS", "CAST('2024-01-02 03:04:05.000000' AS timestamp_ns)"),
        (dt.time(1, 2, 3), "TIME", "CAST('01:02:03' AS time)"),
        ("ok", "ENUM('ok', 'sad')", "'ok'"),
        (
            "0a3a9a3e-0000-4000-8000-000000000000",
            "UUID",
            "CAST('0a3a9a3e-0000-4000-8000-000000000000' AS uuid)",
        ),
    ],
)
def test_duckdb_literals(value: object, native: str, sql: str) -> None:
    assert DuckDBDialect().literal(value, _col(native)) == sql


def test_duckdb_literals_evaluate_to_the_value() -> None:
    dialect = DuckDBDialect()
    con = duckdb.connect()
    try:
        for value, native in [
            ("quote ' and '' and \\ and ; --", "VARCHAR"),
            (b"\x00\x01'\\", "BLOB"),
            (decimal.Decimal("-12345678901.25"), "DECIMAL(18,2)"),
            (2**100, "HUGEINT"),
            (1.0000000000000002, "DOUBLE"),
            (dt.datetime(1999, 12, 31, 23, 59, 59, 999999), "TIMESTAMP"),
        ]:
            literal = dialect.literal(value, _col(native))
            assert con.sql(f"SELECT {literal} = CAST(? AS {native})", params=[value]).fetchall() == [(True,)]
    finally:
        con.close()


def test_duckdb_unusable_bound_is_a_key_error() -> None:
    with pytest.raises(KeyColumnError):
        DuckDBDialect().literal([1, 2], _col("INTEGER[]"))


@pytest.mark.parametrize(
    ("native", "family"),
    [
        ("BOOLEAN", "boolean"),
        ("USMALLINT", "integer"),
        ("UINTEGER", "integer"),
        ("DECIMAL(38,10)", "decimal"),
        ("TIME_NS", "time"),
        ("MAP(VARCHAR, INTEGER)", "other"),
        ("STRUCT(a INTEGER)[]", "array"),
        ("BIGNUM", "other"),
        ("UNION(a INTEGER, b VARCHAR)", "other"),
    ],
)
def test_duckdb_type_families(native: str, family: str) -> None:
    assert duckdb_column("c", native).family == family


# --- SQLite -----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("declared", "family", "extra"),
    [
        ("INTEGER", "integer", {}),
        ("BIGINT UNSIGNED", "integer", {"unsigned": True}),
        ("TINYINT(1)", "integer", {}),
        ("BOOLEAN", "boolean", {}),
        ("DECIMAL(12,2)", "decimal", {"precision": 12, "scale": 2}),
        ("NUMERIC(10)", "decimal", {"precision": 10, "scale": 0}),
        ("NUMERIC", "decimal", {"precision": None}),
        ("REAL", "float", {"precision": 53}),
        ("DOUBLE PRECISION", "float", {}),
        ("FLOAT", "float", {}),
        ("CHAR(3)", "char", {"length": 3, "fixed": True}),
        ("CHARACTER(10)", "char", {"length": 10}),
        ("VARCHAR(20)", "string", {"length": 20}),
        ("NVARCHAR(20)", "string", {}),
        ("TEXT", "string", {}),
        ("CLOB", "string", {}),
        ("BLOB", "binary", {}),
        ("DATE", "date", {}),
        ("DATETIME", "datetime", {}),
        ("TIMESTAMP", "datetime", {}),
        ("TIME", "time", {}),
        ("JSON", "json", {}),
        ("", "other", {}),
        ("MONEY", "other", {}),
    ],
)
def test_sqlite_type_families(declared: str, family: str, extra: dict) -> None:
    column = sqlite_column("c", declared)
    assert column.family == family
    assert column.native_type == declared.lower()
    for name, value in extra.items():
        assert getattr(column, name) == value


@pytest.fixture
def typed_sqlite(tmp_path: Path) -> Iterator[SQLiteSource]:
    path = tmp_path / "typed.db"
    con = sqlite3.connect(path)
    con.execute(
        """CREATE TABLE typed (id INTEGER PRIMARY KEY, n BIGINT, f REAL, flag BOOLEAN, amount DECIMAL(12,2),
           code CHAR(3), name VARCHAR(20), body BLOB, d DATE, ts DATETIME, tm TIME, j JSON, anything)"""
    )
    con.execute("CREATE TABLE pairs (a TEXT, b INTEGER, v TEXT, PRIMARY KEY (b, a))")
    con.execute(
        "INSERT INTO typed VALUES (1, 9223372036854775807, 0.5, 1, 0.1, 'ab ', 'x', X'00ff', '2024-02-29', "
        "'2024-02-29 13:14:15.123456', '23:59:59.5', '{\"a\": 1}', 7)"
    )
    con.execute(
        "INSERT INTO typed VALUES (2, -1, 3, 0, '12345678901.25', 'abc', 'y', X'', '1999-12-31', "
        "'1999-12-31T23:59:59', '00:00:00', '[]', 'text')"
    )
    con.execute(
        "INSERT INTO typed VALUES (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)"
    )
    con.execute("INSERT INTO typed (id, amount) VALUES (4, 0.1 + 0.2)")
    con.execute("INSERT INTO pairs VALUES ('x', 1, 'a'), ('y', 1, 'b'), (NULL, 2, 'c')")
    con.commit()
    con.close()
    with SQLiteSource(f"sqlite:///{path}") as source:
        yield source


def test_sqlite_introspection(typed_sqlite: SQLiteSource) -> None:
    schema = typed_sqlite.introspect("typed")
    assert schema.primary_key == ("id",)
    assert [c.family for c in schema.columns] == [
        "integer",
        "integer",
        "float",
        "boolean",
        "decimal",
        "char",
        "string",
        "binary",
        "date",
        "datetime",
        "time",
        "json",
        "other",
    ]
    assert schema["id"].nullable is False
    assert schema["amount"].native_type == "decimal(12,2)" and schema["amount"].scale == 2
    assert typed_sqlite.introspect("PAIRS").primary_key == ("b", "a")
    assert typed_sqlite.introspect("main.pairs").name == "main.pairs"


def test_sqlite_read_types(typed_sqlite: SQLiteSource) -> None:
    schema = typed_sqlite.introspect("typed")
    table = typed_sqlite.read_chunk("typed", schema.columns, [schema["id"]], KeyRange())
    assert {f.name: f.type for f in table.schema} == {
        "id": pa.int64(),
        "n": pa.int64(),
        "f": pa.float64(),
        "flag": pa.bool_(),
        "amount": pa.string(),
        "code": pa.string(),
        "name": pa.string(),
        "body": pa.binary(),
        "d": pa.date32(),
        "ts": pa.timestamp("us"),
        "tm": pa.time64("us"),
        "j": pa.string(),
        "anything": pa.string(),
    }
    rows = {r["id"]: r for r in table.to_pylist()}
    assert rows[1]["n"] == 2**63 - 1
    assert rows[1]["flag"] is True and rows[2]["flag"] is False
    assert rows[1]["amount"] == "0.1" and rows[2]["amount"] == "12345678901.25"
    assert rows[4]["amount"] == "0.30000000000000004"  # the double SQLite holds, not a rounded text
    assert rows[2]["f"] == 3.0
    assert rows[1]["code"] == "ab "
    assert rows[1]["body"] == b"\x00\xff" and rows[2]["body"] == b""
    assert rows[1]["d"] == dt.date(2024, 2, 29)
    assert rows[1]["ts"] == dt.datetime(2024, 2, 29, 13, 14, 15, 123456)
    assert rows[2]["ts"] == dt.datetime(1999, 12, 31, 23, 59, 59)
    assert rows[1]["tm"] == dt.time(23, 59, 59, 500000)
    assert rows[1]["anything"] == "7" and rows[2]["anything"] == "text"
    assert all(v is None for k, v in rows[3].items() if k != "id")


@pytest.mark.parametrize(
    ("column", "bad", "storage"),
    [
        ("n", "'twelve'", "TEXT"),
        ("n", "1.5", "REAL"),
        ("f", "'x'", "TEXT"),
        ("flag", "2", "INTEGER"),
        ("amount", "'1,5'", "TEXT"),
        ("amount", "X'01'", "BLOB"),
        ("name", "X'01'", "BLOB"),
        ("body", "'text'", "TEXT"),
        ("d", "'2024-02-30'", "TEXT"),
        ("d", "20240101", "INTEGER"),
        ("ts", "'2024-01-01 10:00:00+02:00'", "TEXT"),
        ("ts", "1700000000", "INTEGER"),
        ("tm", "'25:00'", "TEXT"),
        ("anything", "X'00'", "BLOB"),
    ],
)
def test_sqlite_misfit_values_fail_loudly(tmp_path: Path, column: str, bad: str, storage: str) -> None:
    path = tmp_path / "bad.db"
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, f REAL, flag BOOLEAN, amount DECIMAL(10,2), "
        "name TEXT, body BLOB, d DATE, ts DATETIME, tm TIME, anything)"
    )
    con.execute("INSERT INTO t (id) VALUES (1)")
    con.execute(f"INSERT INTO t (id, {column}) VALUES (2, {bad})")
    con.commit()
    con.close()
    with SQLiteSource(f"sqlite:///{path}") as source:
        schema = source.introspect("t")
        with pytest.raises(ExtractionError) as info:
            source.read_chunk("t", schema.columns, [schema["id"]], KeyRange())
        message = str(info.value)
        assert "'t'" in message and f"'{column}'" in message and storage in message
        # The other rows still read, and the bad value was not turned into NULL somewhere else.
        assert source.read_chunk("t", schema.columns, [schema["id"]], KeyRange(None, (2,))).num_rows == 1


def test_sqlite_null_keys_and_composite_partition(typed_sqlite: SQLiteSource) -> None:
    schema = typed_sqlite.introspect("pairs")
    key = [schema["b"], schema["a"]]
    count, rows = typed_sqlite.read_null_keys("pairs", schema.columns, key, None, 10)
    assert count == 1 and rows.to_pylist() == [{"a": None, "b": 2, "v": "c"}]
    bounds = typed_sqlite.key_boundaries("pairs", key, 1)
    assert bounds == [(1, "y")]


@pytest.mark.parametrize("name", ["id", "n", "f", "amount", "code", "name", "body", "d", "ts", "tm"])
def test_sqlite_partition_on_every_key_type(tmp_path: Path, name: str) -> None:
    from dbdiff.plan import canonical_bounds

    path = tmp_path / "k.db"
    con = sqlite3.connect(path)
    con.execute(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, f REAL, amount DECIMAL(10,2), code CHAR(3), "
        "name TEXT, body BLOB, d DATE, ts DATETIME, tm TIME)"
    )
    base = dt.datetime(2024, 1, 1)
    con.executemany(
        "INSERT INTO t VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            (
                i,
                (i * 7919) % 101 - 50,
                i / 7,
                f"{i * 0.37:.2f}",
                f"{i % 5:03d}",
                f"n{i * 37 % 60}",
                bytes([i % 9, i]),
                (base + dt.timedelta(days=i % 11)).date().isoformat(),
                (base + dt.timedelta(seconds=i * 1.5)).isoformat(sep=" "),
                (base + dt.timedelta(seconds=i * 0.25)).time().isoformat(),
            )
            for i in range(60)
        ],
    )
    con.commit()
    con.close()
    with SQLiteSource(f"sqlite:///{path}") as source:
        schema = source.introspect("t")
        key = [schema[name]]
        raw = source.key_boundaries("t", key, 8)
        for bounds in (raw, canonical_bounds(raw, key)):
            edges = [None, *bounds, None]
            ids = []
            for lower, upper in itertools.pairwise(edges):
                ids += (
                    source.read_chunk("t", [schema["id"]], key, KeyRange(lower, upper)).column(0).to_pylist()
                )
            assert sorted(ids) == list(range(60)), name


def test_sqlite_literals() -> None:
    dialect = SQLiteDialect()
    text = sqlite_column("c", "TEXT")
    assert dialect.literal("it's", text) == "'it''s'"
    assert dialect.literal(b"\x00\xff", sqlite_column("c", "BLOB")) == "X'00ff'"
    assert dialect.literal(decimal.Decimal("1.50"), sqlite_column("c", "DECIMAL(5,2)")) == "1.50"
    assert dialect.literal("1.50", sqlite_column("c", "DECIMAL(5,2)")) == "1.50"
    ts = sqlite_column("c", "DATETIME")
    assert dialect.literal("2024-01-02 03:04:05.000000", ts) == "'2024-01-02 03:04:05'"
    assert dialect.literal(dt.datetime(2024, 1, 2, 3, 4, 5, 500000), ts) == "'2024-01-02 03:04:05.5'"
    assert dialect.literal(True, sqlite_column("c", "BOOLEAN")) == "1"
    assert dialect.literal(float("inf"), sqlite_column("c", "REAL")) == "9e999"
    assert dialect.mod("a - 1", "10") == "((a - 1) % (10))"
    with pytest.raises(KeyColumnError):
        dialect.literal(float("nan"), sqlite_column("c", "REAL"))


def test_sqlite_missing_file_is_not_created(tmp_path: Path) -> None:
    with pytest.raises(URLError, match="not found"):
        SQLiteSource(f"sqlite:///{tmp_path}/nope.db")
    assert not (tmp_path / "nope.db").exists()
    with pytest.raises(URLError, match="directory"):
        SQLiteSource(f"sqlite:///{tmp_path}")
    (tmp_path / "junk.db").write_bytes(b"definitely not sqlite" * 50)
    with pytest.raises(URLError, match="not a SQLite database"):
        SQLiteSource(f"sqlite:///{tmp_path}/junk.db")


def test_sqlite_missing_table(typed_sqlite: SQLiteSource) -> None:
    with pytest.raises(TableNotFoundError) as info:
        typed_sqlite.introspect("pair")
    assert "did you mean 'pairs'" in str(info.value) and "typed" in str(info.value)


def test_sqlite_is_read_only(tmp_path: Path) -> None:
    path = tmp_path / "ro.db"
    _make_sqlite(path, items_table()).close()
    before = _digest(path)
    with SQLiteSource(f"sqlite:///{path}") as source:
        schema = source.introspect("items")
        source.key_boundaries("items", [schema["code"]], 10)
        source.read_chunk("items", schema.columns, [schema["id"]], KeyRange())
        with pytest.raises(UsageError):
            source.count_rows("items", "1=1); DELETE FROM items; SELECT (1")
        with pytest.raises(sqlite3.OperationalError):
            source._con.execute("DELETE FROM items")
        assert source.count_rows("items") == N
    assert _digest(path) == before
    assert sorted(os.listdir(tmp_path)) == ["ro.db"]


def test_sqlite_path_with_url_characters(tmp_path: Path) -> None:
    folder = tmp_path / "we?ird #dir"
    folder.mkdir()
    path = folder / "x.db"
    _make_sqlite(path, items_table()).close()
    with SQLiteSource(f"sqlite:///{path}") as source:
        assert source.count_rows("items") == N


# --- Parquet and CSV --------------------------------------------------------------------------


def test_file_table_name_is_only_a_label(tmp_path: Path) -> None:
    pq.write_table(items_table(), tmp_path / "x.parquet")
    with ParquetSource(str(tmp_path / "x.parquet")) as source:
        schema = source.introspect("anything")
        assert schema.name == "anything" and schema.primary_key == ()
        assert source.count_rows("something else") == N


def test_parquet_directory_and_glob(tmp_path: Path) -> None:
    data = items_table()
    folder = tmp_path / "parts"
    folder.mkdir()
    pq.write_table(data.slice(0, 100), folder / "a.parquet")
    pq.write_table(data.slice(100), folder / "b.parquet")
    for url in (str(folder), f"parquet:///{folder}/*.parquet", f"parquet:///{folder}"):
        with open_source(url) as source:
            assert isinstance(source, ParquetSource)
            assert source.count_rows("t") == N
            key = [source.introspect("t")["id"]]
            bounds = source.key_boundaries("t", key, 25)
            edges = [None, *bounds, None]
            ids = []
            for lower, upper in itertools.pairwise(edges):
                ids += source.read_chunk("t", key, key, KeyRange(lower, upper)).column(0).to_pylist()
            assert sorted(ids) == sorted(data["id"].to_pylist())


def test_parquet_keeps_arrow_types(tmp_path: Path) -> None:
    data = pa.table(
        {
            "id": pa.array([1, 2], pa.int32()),
            "amount": pa.array([decimal.Decimal("1.10"), None], pa.decimal128(10, 2)),
            "at": pa.array(
                [dt.datetime(2024, 1, 1, tzinfo=dt.timezone.utc), None], pa.timestamp("us", "UTC")
            ),
            "raw": pa.array([b"\x00", None], pa.binary()),
        }
    )
    pq.write_table(data, tmp_path / "t.parquet")
    with ParquetSource(str(tmp_path / "t.parquet")) as source:
        schema = source.introspect("t")
        assert [(c.family, c.native_type) for c in schema.columns] == [
            ("integer", "integer"),
            ("decimal", "decimal(10,2)"),
            ("timestamp", "timestamp with time zone"),
            ("binary", "blob"),
        ]
        table = source.read_chunk("t", schema.columns, [schema["id"]], KeyRange())
        assert table.schema.field("amount").type == pa.decimal128(10, 2)
        assert table.sort_by("id").column("amount").to_pylist() == [decimal.Decimal("1.10"), None]


def test_missing_files(tmp_path: Path) -> None:
    with pytest.raises(URLError, match="not found"):
        ParquetSource(str(tmp_path / "nope.parquet"))
    with pytest.raises(URLError, match="not found"):
        CSVSource(str(tmp_path / "nope.csv"))
    with pytest.raises(URLError, match="no parquet file matches"):
        ParquetSource(f"parquet:///{tmp_path}/*.parquet")
    (tmp_path / "empty").mkdir()
    with pytest.raises(URLError, match="holds no"):
        ParquetSource(f"parquet:///{tmp_path}/empty")
    (tmp_path / "junk.parquet").write_bytes(b"nope")
    with pytest.raises(ExtractionError, match="cannot read parquet"):
        ParquetSource(str(tmp_path / "junk.parquet"))


def test_csv_types_header_and_options(tmp_path: Path) -> None:
    path = tmp_path / "t.csv"
    path.write_text("id,name,amount,zip,day\n1,a,1.50,007,2024-01-02\n2,,2.25,010,2024-01-03\n")
    with CSVSource(str(path)) as source:
        schema = source.introspect("t")
        assert [c.family for c in schema.columns] == ["integer", "string", "float", "string", "date"]
        rows = source.read_chunk("t", schema.columns, [schema["id"]], KeyRange()).sort_by("id").to_pylist()
        assert rows[0] == {"id": 1, "name": "a", "amount": 1.5, "zip": "007", "day": dt.date(2024, 1, 2)}
        assert rows[1]["name"] is None
    with open_source(f"csv:///{path}?all_varchar=true") as source:
        schema = source.introspect("t")
        assert {c.family for c in schema.columns} == {"string"}
        assert source.read_chunk("t", [schema["amount"]], [schema["id"]], KeyRange()).column(
            0
        ).to_pylist() == [
            "1.50",
            "2.25",
        ]
    # An all-text file whose first line is data: the explicit header wins over detection.
    flat = tmp_path / "flat.csv"
    flat.write_text("x;y\nA;B\n")
    with CSVSource(str(flat), header=False, delimiter=";") as source:
        assert source.introspect("t").column_names == ["column0", "column1"]
        assert source.count_rows("t") == 2
    with CSVSource(str(flat), header=True) as source:
        assert source.introspect("t").column_names == ["x", "y"]
        assert source.count_rows("t") == 1
    with pytest.raises(URLError, match="unknown CSV option"):
        open_source(f"csv:///{path}?colour=blue")
    with pytest.raises(URLError, match="true or false"):
        CSVSource(f"csv:///{path}?header=maybe")


def test_files_never_change(tmp_path: Path) -> None:
    pq.write_table(items_table(), tmp_path / "x.parquet")
    pacsv.write_csv(items_table(), tmp_path / "x.csv")
    before = {p.name: _digest(p) for p in tmp_path.iterdir()}
    for source in (ParquetSource(str(tmp_path / "x.parquet")), CSVSource(str(tmp_path / "x.csv"))):
        with source:
            schema = source.introspect("x")
            source.key_boundaries("x", [schema["code"]], 9)
            source.read_chunk("x", schema.columns, [schema["id"]], KeyRange())
    assert {p.name: _digest(p) for p in tmp_path.iterdir()} == before


# --- ArrowSource ------------------------------------------------------------------------------


def test_arrow_source_from_polars_and_arrow() -> None:
    frame = pl.DataFrame(
        {
            "id": [3, 1, 2],
            "name": ["c", "a", None],
            "price": [1.5, 2.5, None],
            "cat": pl.Series(["x", "y", "x"], dtype=pl.Categorical),
        }
    )
    arrow = pa.table({"k1": ["a", "a", "b"], "k2": [2, 1, 1], "v": [True, False, None]})
    with ArrowSource(
        {"frame": frame, "pairs": arrow}, primary_keys={"frame": ["ID"], "pairs": ["k1", "k2"]}
    ) as src:
        assert src.url.scheme == "memory" and src.url.path == "<memory>"
        assert src.info().url == "<memory>" and src.info().dialect == "arrow"
        assert src.name == "memory" and set(src.tables) == {"frame", "pairs"}
        schema = src.introspect("frame")
        assert schema.primary_key == ("id",)
        assert [c.family for c in schema.columns] == ["integer", "string", "float", "string"]
        assert src.introspect("pairs").primary_key == ("k1", "k2")
        table = src.read_chunk("frame", schema.columns, [schema["id"]], KeyRange((2,), None))
        assert sorted(table.column("id").to_pylist()) == [2, 3]
        assert src.count_rows("FRAME", "price > 2") == 1
        with pytest.raises(TableNotFoundError, match="did you mean 'frame'"):
            src.introspect("frames")


def test_arrow_source_rejects_bad_input() -> None:
    with pytest.raises(UsageError, match=r"pyarrow\.Table or a polars\.DataFrame"):
        ArrowSource({"t": [1, 2, 3]})  # type: ignore[dict-item]
    with pytest.raises(KeyColumnError, match="nope"):
        ArrowSource({"t": pa.table({"a": [1]})}, primary_keys={"t": ["nope"]})
    with pytest.raises(TableNotFoundError):
        ArrowSource({"t": pa.table({"a": [1]})}, primary_keys={"u": ["a"]})


def test_arrow_source_table_names_need_no_quoting() -> None:
    data = pa.table({"id": [1, 2, 3], "select": ["a", "b", "c"]})
    with ArrowSource({"my.schema.table": data, 'we"ird': data}) as src:
        schema = src.introspect("my.schema.table")
        assert src.count_rows("my.schema.table", "\"select\" <> 'b'") == 2
        assert src.count_rows('we"ird') == 3
        assert src.read_chunk("my.schema.table", schema.columns, [schema["id"]], KeyRange()).num_rows == 3


def test_closed_source_says_so(tmp_path: Path) -> None:
    source = ArrowSource({"t": pa.table({"a": [1]})})
    source.close()
    source.close()
    with pytest.raises(Exception, match="closed"):
        source.count_rows("t")


def test_an_interrupt_while_the_driver_is_first_imported_stays_an_interrupt():
    """Ctrl-C landing while pymysql was being imported left a half-imported module, and the
    `except driver error` clause, evaluated as the interrupt passed, raised AttributeError
    (an internal error, exit 3, instead of 130)."""
    import pytest

    from dbdiff.sources.mysql import MySQLSource
    from dbdiff.sources.urls import parse_url

    interrupted = []

    class Interrupted(MySQLSource):
        def _driver_error(self):
            if interrupted:  # the driver's module, half imported when the interrupt came
                raise AttributeError("module 'pymysql' has no attribute 'err'")
            return super()._driver_error()

        def _open(self):
            interrupted.append(True)  # Ctrl-C while `_open` imports the driver
            raise KeyboardInterrupt

    source = Interrupted(parse_url("mysql://root@127.0.0.1:1/test"))
    with pytest.raises(KeyboardInterrupt):
        source.server_version()


def test_connectorx_is_told_the_sslmode_the_catalog_connection_ended_up_with():
    """(The plain-text cases run against the real server in test_cli_real.py; no server here
    speaks TLS, so the TLS cases stand the catalog connection's TLS flag in.)"""
    from types import SimpleNamespace

    from dbdiff.sources.postgres import PostgresSource
    from dbdiff.sources.urls import parse_url

    def told(query: str, tls: bool | None) -> str | None:
        source = PostgresSource(parse_url("postgresql://app:s%40cret@db.example:5432/shop" + query))
        if tls is not None:
            source._conn = SimpleNamespace(pgconn=SimpleNamespace(ssl_in_use=tls))
        url = parse_url(source._cx_url())
        assert url.password == "s@cret"
        return dict(url.params).get("sslmode")

    assert told("", False) == "disable" and told("?sslmode=allow", False) == "disable"
    assert told("", True) is None and told("?sslmode=prefer", True) == "prefer"
    assert told("?sslmode=allow", True) == "require"  # connectorx has no allow
    assert told("?sslmode=require", False) == "require" and told("?sslmode=disable", True) == "disable"
    assert told("?sslmode=verify-full", True) == "verify-full"
    assert told("", None) is None  # no catalog connection yet: the URL as given
