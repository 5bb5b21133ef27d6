"""DuckDB sources: a DuckDB database file (opened read-only) and `ArrowSource` (tables in memory).

Both run their SQL through one DuckDB connection; `dbdiff.sources.files` reuses the same machinery
for Parquet and CSV. Values reach Arrow without loss. Types that Arrow or polars cannot carry
faithfully are read as DuckDB's own text for them: ENUM (as its label), BIT ('0101'), INTERVAL,
UHUGEINT (Arrow's decimal128 wraps values above 2^127), TIME WITH TIME ZONE, STRUCT, MAP, UNION and
BIGNUM. HUGEINT arrives as decimal128(38, 0), which holds every HUGEINT value bit for bit.

Every session runs with TimeZone 'UTC', so TIMESTAMP WITH TIME ZONE values arrive as UTC instants and
zone-less literals for them are read as UTC, whatever the machine's zone.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import math
import os
import re
import threading
import uuid
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from dbdiff.catalog import Column, TableCatalog
from dbdiff.dialects import Dialect, register_dialect
from dbdiff.errors import (
    ColumnError,
    ConnectionFailure,
    DbdiffError,
    ExtractionError,
    Interrupted,
    KeyColumnError,
    RuntimeFailure,
    TableNotFoundError,
    URLError,
    UsageError,
    WhereRejected,
)
from dbdiff.names import did_you_mean
from dbdiff.sources.base import (
    KeyRange,
    KeyValue,
    Source,
    boundaries_query,
    chunk_query,
    null_keys_predicate,
    register_source,
)
from dbdiff.sources.urls import SourceURL, parse_url

if TYPE_CHECKING:
    import polars as pl

__all__ = ["ArrowSource", "DuckDBBackedSource", "DuckDBDialect", "DuckDBSource", "duckdb_column"]

_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1

# --- types ------------------------------------------------------------------------------------

_SIGNED = frozenset({"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT"})
_UNSIGNED = frozenset({"UTINYINT", "USMALLINT", "UINTEGER", "UBIGINT", "UHUGEINT"})
_DATETIMES = {"TIMESTAMP": 6, "TIMESTAMP_NS": 9, "TIMESTAMP_MS": 3, "TIMESTAMP_S": 0}
_SIMPLE = {
    "BOOLEAN": ("boolean", {}),
    "FLOAT": ("float", {"precision": 24}),
    "DOUBLE": ("float", {"precision": 53}),
    "VARCHAR": ("string", {}),
    "BLOB": ("binary", {}),
    "DATE": ("date", {}),
    "TIMESTAMP WITH TIME ZONE": ("timestamp", {"fsp": 6}),
    "TIME": ("time", {"fsp": 6}),
    "TIME_NS": ("time", {"fsp": 9}),
    "INTERVAL": ("interval", {}),
    "JSON": ("json", {}),
    "UUID": ("uuid", {}),
    "BIT": ("bit", {}),
}
_DECIMAL = re.compile(r"DECIMAL\((\d+)\s*,\s*(\d+)\)")
_QUOTED_OR_PLAIN = re.compile(r"'(?:[^']|'')*'|\"(?:[^\"]|\"\")*\"|[^'\"]+")

#: Families read (and ordered, and compared in key ranges) as DuckDB's text for the value.
TEXT_FAMILIES = frozenset({"enum", "bit", "interval", "other"})


def duckdb_column(name: str, data_type: str, nullable: bool = True, values: Sequence[str] = ()) -> Column:
    """A `Column` for a DuckDB catalog type such as 'DECIMAL(12,2)' or 'TIMESTAMP WITH TIME ZONE'."""
    upper = data_type.strip().upper()
    native = _lower_outside_quotes(data_type.strip())
    kwargs: dict[str, Any] = {}
    if upper in _SIGNED:
        family = "integer"
    elif upper in _UNSIGNED:
        family, kwargs = "integer", {"unsigned": True}
    elif upper in _DATETIMES:
        family, kwargs = "datetime", {"fsp": _DATETIMES[upper]}
    elif upper in _SIMPLE:
        family, kwargs = _SIMPLE[upper]
    elif m := _DECIMAL.fullmatch(upper):
        family, kwargs = "decimal", {"precision": int(m[1]), "scale": int(m[2])}
    elif upper.startswith("ENUM("):
        family, kwargs = "enum", {"values": tuple(values)}
    elif upper.endswith("]"):
        family = "array"
    else:  # STRUCT, MAP, UNION, BIGNUM, TIME WITH TIME ZONE, GEOMETRY, ...
        family = "other"
    return Column(name=name, native_type=native, family=family, nullable=nullable, **kwargs)


def _lower_outside_quotes(text: str) -> str:
    # Enum labels and quoted struct field names keep their case; the type words are lowercased.
    return "".join(part if part[0] in "'\"" else part.lower() for part in _QUOTED_OR_PLAIN.findall(text))


# --- SQL --------------------------------------------------------------------------------------


def quote_string(text: str) -> str:
    """A SQL string literal ('' doubling)."""
    return "'" + text.replace("'", "''") + "'"


class DuckDBDialect(Dialect):
    """DuckDB quoting, literals and casts (also those of Arrow, Parquet and CSV sources, read by DuckDB)."""

    name = "duckdb"

    def quote(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def select_expr(self, column: Column) -> str:
        name = self.quote(column.name)
        if column.family in TEXT_FAMILIES or column.native_type == "uhugeint":
            return f"CAST({name} AS VARCHAR) AS {name}"
        return name

    def order_expr(self, column: Column) -> str:
        # Text-read columns order as text too, so a boundary read as text compares like the ORDER BY.
        if column.family in TEXT_FAMILIES:
            return f"CAST({self.quote(column.name)} AS VARCHAR)"
        return self.quote(column.name)

    def literal(self, value: Any, column: Column) -> str:
        if value is None:
            return "NULL"
        if column.family in TEXT_FAMILIES:
            return quote_string(str(value))
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        numeric = column.family in ("integer", "decimal", "float")
        if isinstance(value, int):
            if _INT64_MIN <= value <= _INT64_MAX:
                return str(value)
            target = column.native_type if numeric else ("hugeint" if value < 2**127 else "uhugeint")
            return _cast(str(value), target)
        if isinstance(value, float):
            target = column.native_type if column.family == "float" else "double"
            return _cast(_float_text(value), target)
        if isinstance(value, decimal.Decimal):
            if not value.is_finite():
                if column.family != "float":
                    raise KeyColumnError(f"column {column.name!r}: {value} is not a usable key bound")
                return _cast(_float_text(float(value)), column.native_type)
            if column.family == "integer" and value == value.to_integral_value():
                return self.literal(int(value), column)
            return _cast(format(value, "f"), column.native_type if numeric else "double")
        if isinstance(value, str):
            if column.family in ("date", "datetime", "timestamp", "time", "uuid") or numeric:
                return _cast(value, column.native_type)
            return quote_string(value)
        if isinstance(value, (bytes, bytearray, memoryview)):
            return f"from_hex('{bytes(value).hex()}')"
        if isinstance(value, dt.datetime):
            temporal = column.family in ("datetime", "timestamp")
            if value.tzinfo is not None and column.family != "timestamp":
                value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
            return _cast(value.isoformat(sep=" "), column.native_type if temporal else "timestamp")
        if isinstance(value, dt.date):
            temporal = column.family in ("date", "datetime", "timestamp")
            return _cast(value.isoformat(), column.native_type if temporal else "date")
        if isinstance(value, dt.time):
            return _cast(value.isoformat(), column.native_type if column.family == "time" else "time")
        if isinstance(value, uuid.UUID):
            return _cast(str(value), "uuid")
        raise KeyColumnError(
            f"column {column.name!r} ({column.native_type}): a {type(value).__name__} value "
            "cannot bound a key range in DuckDB"
        )


register_dialect(DuckDBDialect())
register_dialect(DuckDBDialect("arrow"))


def _cast(text: str, target: str) -> str:
    return f"CAST({quote_string(text)} AS {target})"


def _float_text(value: float) -> str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return repr(value)


def keys_from_arrow(table: pa.Table, key: Sequence[Column]) -> list[KeyValue]:
    """Arrow rows as key tuples in Python types both sides' literals accept."""
    columns: list[list[Any]] = []
    for array, column in zip(table.columns, key, strict=True):
        kind = array.type
        # Nanosecond values don't fit datetime; a truncated bound still cuts ranges in key order.
        if pa.types.is_timestamp(kind) and kind.unit == "ns":
            array = array.cast(pa.timestamp("us", kind.tz), safe=False)
        elif pa.types.is_time64(kind) and kind.unit == "ns":
            array = array.cast(pa.time64("us"), safe=False)
        values = array.to_pylist()
        if column.family == "integer":
            values = [v if v is None or isinstance(v, int) else int(v) for v in values]
        columns.append(values)
    keys = list(zip(*columns, strict=True)) if columns else []
    # Many equal keys can put one value at several boundaries; equal neighbours make empty ranges.
    return [k for i, k in enumerate(keys) if i == 0 or k != keys[i - 1]]


# --- the shared DuckDB-backed source ---------------------------------------------------------


@dataclass(frozen=True)
class Relation:
    """A table or view as DuckDB's catalog names it, and the reference SQL builders are given."""

    ref: str
    database: str
    schema: str
    name: str
    display: str
    kind: str = "table"  # or "view"


class DuckDBBackedSource(Source):
    """A source whose rows are read by SQL on one DuckDB connection (a file, Arrow tables, Parquet, CSV).

    The connection is used by one thread at a time (a lock); DuckDB parallelizes each query itself.
    """

    def __init__(self, url: SourceURL, con: duckdb.DuckDBPyConnection) -> None:
        super().__init__(url)
        self._con = con
        self._lock = threading.RLock()
        self._closed = False
        self._checked_where: set[tuple[str, str]] = set()
        self._relations_cache: list[Relation] | None = None
        with self._errors("setting up the session"):
            con.execute("SET TimeZone = 'UTC'")

    # -- hooks for subclasses --

    def _list_relations(self) -> list[Relation]:
        """Every table and view a user may name."""
        rows = self._fetch(
            "SELECT database_name, schema_name, table_name, 'table' FROM duckdb_tables() "
            "WHERE NOT internal AND database_name = current_database() "
            "UNION ALL SELECT database_name, schema_name, view_name, 'view' FROM duckdb_views() "
            "WHERE NOT internal AND database_name = current_database() ORDER BY 2, 3",
            context="listing tables",
        )
        return [
            Relation(
                ref=f"{schema}.{name}",
                database=database,
                schema=schema,
                name=name,
                display=name if schema == "main" else f"{schema}.{name}",
                kind=kind,
            )
            for database, schema, name, kind in rows
        ]

    def _primary_key(self, relation: Relation, columns: Sequence[Column]) -> tuple[str, ...]:
        rows = self._fetch(
            "SELECT constraint_column_names FROM duckdb_constraints() WHERE constraint_type = 'PRIMARY KEY' "
            "AND database_name = ? AND schema_name = ? AND table_name = ?",
            [relation.database, relation.schema, relation.name],
            context=f"reading the primary key of {relation.display!r}",
        )
        return tuple(rows[0][0]) if rows else ()

    def _where_subject(self) -> str:
        return "table"

    # -- Source --

    def server_version(self) -> str:
        return f"duckdb {duckdb.__version__}"

    def list_tables(self) -> list[str]:
        """The base tables (schema main bare, others as schema.table); views are left out."""
        return [r.display for r in self._list_relations() if r.kind == "table"]

    def introspect(self, table: str) -> TableCatalog:
        relation = self.resolve(table)
        rows = self._fetch(
            "SELECT column_name, data_type, is_nullable FROM duckdb_columns() "
            "WHERE database_name = ? AND schema_name = ? AND table_name = ? ORDER BY column_index",
            [relation.database, relation.schema, relation.name],
            context=f"reading the columns of {table!r}",
        )
        columns = []
        for name, data_type, nullable in rows:
            values: Sequence[str] = ()
            if data_type.upper().startswith("ENUM("):
                found = self._fetch(f"SELECT enum_range(NULL::{data_type})", context=f"reading {name!r}")
                values = tuple(found[0][0])
            columns.append(duckdb_column(name, data_type, bool(nullable), values))
        return TableCatalog(
            name=table, columns=tuple(columns), primary_key=self._primary_key(relation, columns)
        )

    def count_rows(self, table: str, where: str | None = None) -> int:
        relation = self._resolve_checked(table, where)
        sql = f"SELECT COUNT(*) FROM {self.sql.table_ref(relation.ref)}"
        if where:
            sql += f" WHERE ({where})"
        return int(self._fetch(sql, context=f"counting the rows of {table!r}")[0][0])

    def key_boundaries(
        self, table: str, key: Sequence[Column], every: int, where: str | None = None
    ) -> list[KeyValue]:
        if every < 1:
            raise UsageError(f"the chunk size must be at least 1, not {every}")
        if not key:
            raise KeyColumnError(f"no key columns given for {table!r}")
        relation = self._resolve_checked(table, where)
        sql = boundaries_query(self.sql, relation.ref, key, every, where)
        return keys_from_arrow(self._arrow(sql, context=f"planning chunks of {table!r}"), key)

    def read_chunk(
        self,
        table: str,
        columns: Sequence[Column],
        key: Sequence[Column],
        key_range: KeyRange,
        where: str | None = None,
    ) -> pa.Table:
        relation = self._resolve_checked(table, where)
        sql = chunk_query(self.sql, relation.ref, columns, key, key_range, where)
        return self._arrow(sql, context=f"reading {table!r}")

    def read_null_keys(
        self, table: str, columns: Sequence[Column], key: Sequence[Column], where: str | None, limit: int
    ) -> tuple[int, pa.Table]:
        if not columns:
            raise ColumnError("no columns to read")
        relation = self._resolve_checked(table, where)
        predicate = f"({null_keys_predicate(self.sql, key)})" + (f" AND ({where})" if where else "")
        ref = self.sql.table_ref(relation.ref)
        context = f"reading rows of {table!r} with a NULL key"
        count = int(self._fetch(f"SELECT COUNT(*) FROM {ref} WHERE {predicate}", context=context)[0][0])
        select = ", ".join(self.sql.select_expr(c) for c in columns)
        sql = f"SELECT {select} FROM {ref} WHERE {predicate} ORDER BY ALL LIMIT {max(int(limit), 0)}"
        return count, self._arrow(sql, context=context)

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._con.close()

    # -- names --

    def resolve(self, table: str) -> Relation:
        """The relation `table` names: exactly, then case-insensitively; `TableNotFoundError` if none."""
        with self._lock:
            if self._relations_cache is None:
                self._relations_cache = self._list_relations()
            relations = self._relations_cache
        for same in (str.__eq__, lambda a, b: a.lower() == b.lower()):
            found = [r for r in relations if same(table, r.display) or same(table, f"{r.schema}.{r.name}")]
            if len(found) == 1:
                return found[0]
        names = [r.display for r in relations]
        mean = did_you_mean(table, names) or did_you_mean(table.lower(), [n.lower() for n in names])
        hint = f"{mean} " if mean else ""
        if names:
            shown = ", ".join(names[:20]) + (f", ... ({len(names)} in all)" if len(names) > 20 else "")
            hint += f"available: {shown}"
        else:
            hint += "the source has no tables"
        raise TableNotFoundError(f"table {table!r} not found in {self.url.redacted}", hint=hint)

    def _resolve_checked(self, table: str, where: str | None) -> Relation:
        relation = self.resolve(table)
        if where:
            self._check_where(relation, table, where)
        return relation

    def _check_where(self, relation: Relation, table: str, where: str) -> None:
        # Binding once with LIMIT 0 tells a bad condition (exit 2) from a failure while reading (3).
        if (relation.ref, where) in self._checked_where:
            return
        sql = f"SELECT 1 FROM {self.sql.table_ref(relation.ref)} WHERE ({where})"
        problem = None
        with self._lock:
            self._ensure_open()
            try:
                if len(self._con.extract_statements(sql)) != 1:
                    problem = "it must be one condition, not several statements"
                else:
                    self._con.sql(sql + " LIMIT 0").fetchall()
            except duckdb.Error as exc:
                problem = _first_line(exc)
        if problem:
            raise WhereRejected(
                f"invalid --where for {self._where_subject()} {table!r}: {problem}", detail=problem
            )
        self._checked_where.add((relation.ref, where))

    # -- running queries --

    def _fetch(self, sql: str, params: Sequence[Any] | None = None, *, context: str) -> list[tuple[Any, ...]]:
        with self._lock, self._errors(context):
            self._ensure_open()
            return self._con.sql(sql, params=params).fetchall()

    def _arrow(self, sql: str, *, context: str) -> pa.Table:
        with self._lock, self._errors(context):
            self._ensure_open()
            return self._con.sql(sql).to_arrow_table()

    def _ensure_open(self) -> None:
        if self._closed:
            raise RuntimeFailure(f"the source {self.url.redacted} is closed")

    @contextlib.contextmanager
    def _errors(self, context: str) -> Iterator[None]:
        try:
            yield
        except DbdiffError:
            raise
        except duckdb.InterruptException:
            raise Interrupted(f"interrupted while {context}") from None
        except duckdb.OutOfMemoryException as exc:
            raise RuntimeFailure(f"DuckDB ran out of memory while {context}: {_first_line(exc)}") from exc
        except duckdb.Error as exc:
            raise ExtractionError(f"{context} from {self.url.redacted} failed: {_first_line(exc)}") from exc


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def existing_path(url: SourceURL, what: str) -> str:
    """The local path a file URL names; `URLError` when nothing is there."""
    path = os.path.expanduser(url.path or "")
    if not os.path.exists(path):
        raise URLError(f"{what} not found: {path!r}", hint=f"relative paths are taken from {os.getcwd()!r}")
    if os.path.isdir(path):
        raise URLError(f"{what} path {path!r} is a directory, not a file")
    return path


# --- a DuckDB database file ------------------------------------------------------------------


@register_source("duckdb")
class DuckDBSource(DuckDBBackedSource):
    """A DuckDB database file, opened read-only: dbdiff never writes to a source.

    Table names may be `table` (in schema main) or `schema.table`.
    """

    dialect = "duckdb"

    def __init__(self, url: SourceURL | str) -> None:
        parsed = parse_url(url) if isinstance(url, str) else url
        path = existing_path(parsed, "DuckDB database file")
        try:
            con = duckdb.connect(path, read_only=True)
        except duckdb.Error as exc:
            message = _first_line(exc)
            if "not a valid DuckDB database" in message:
                raise URLError(f"{path!r} is not a DuckDB database file") from exc
            raise ConnectionFailure(f"cannot open DuckDB database {path!r}: {message}") from exc
        super().__init__(parsed, con)


# --- Arrow and polars tables in memory -------------------------------------------------------


class ArrowSource(DuckDBBackedSource):
    """Arrow tables or polars DataFrames in memory, read through DuckDB: the fake source for tests and demos.

        >>> import pyarrow as pa
        >>> src = ArrowSource({"orders": pa.table({"id": [1, 2, 3]})}, primary_keys={"orders": ["id"]})
        >>> src.introspect("orders").primary_key, src.count_rows("orders", "id > 1")
        (('id',), 2)

    The tables are registered with DuckDB, not copied, and must not change while the source is open.
    Types come back as DuckDB reads them (e.g. an Arrow duration arrives as an INTERVAL).
    """

    dialect = "arrow"

    def __init__(
        self,
        tables: Mapping[str, pa.Table | pl.DataFrame],
        primary_keys: Mapping[str, Sequence[str]] | None = None,
        name: str = "memory",
    ) -> None:
        super().__init__(SourceURL(scheme="memory", path="<memory>"), duckdb.connect())
        self.name = name
        self._tables: dict[str, pa.Table] = {}
        self._relations: list[Relation] = []
        self._keys: dict[str, tuple[str, ...]] = {}
        try:
            self._register(tables, primary_keys or {})
        except BaseException:
            self.close()
            raise

    def _register(self, tables: Mapping[str, Any], primary_keys: Mapping[str, Sequence[str]]) -> None:
        for i, (table, data) in enumerate(tables.items()):
            arrow = _as_arrow(table, data)
            internal = f"dbdiff_arrow_{i}"
            try:
                self._con.register(internal, arrow)
            except duckdb.Error as exc:
                raise UsageError(
                    f"DuckDB cannot read table {table!r} of {self.name!r}: {_first_line(exc)}"
                ) from exc
            self._tables[table] = arrow
            self._relations.append(Relation(internal, "temp", "main", internal, table))
        for table, key in primary_keys.items():
            names = [key] if isinstance(key, str) else list(key)
            display = self.resolve(table).display
            columns = self._tables[display].column_names
            by_lower = {n.lower(): n for n in columns}
            missing = [k for k in names if k.lower() not in by_lower]
            if missing:
                raise KeyColumnError(
                    f"primary key column {missing[0]!r} is not in table {table!r}",
                    hint="columns: " + ", ".join(columns),
                )
            self._keys[display] = tuple(by_lower[k.lower()] for k in names)

    @property
    def tables(self) -> dict[str, pa.Table]:
        """The tables as registered, by name."""
        return dict(self._tables)

    def server_version(self) -> str:
        return f"arrow (duckdb {duckdb.__version__})"

    def _list_relations(self) -> list[Relation]:
        return list(self._relations)

    def _primary_key(self, relation: Relation, columns: Sequence[Column]) -> tuple[str, ...]:
        return self._keys.get(relation.display, ())

    def __repr__(self) -> str:
        return f"ArrowSource(name={self.name!r}, tables={list(self._tables)!r})"


def _as_arrow(table: str, data: Any) -> pa.Table:
    if isinstance(data, pa.Table):
        return data
    if isinstance(data, pa.RecordBatch):
        return pa.Table.from_batches([data])
    if type(data).__module__.split(".")[0] == "polars" and hasattr(data, "to_arrow"):
        arrow = data.to_arrow()
        if isinstance(arrow, pa.Table):
            return arrow
    raise UsageError(
        f"table {table!r} must be a pyarrow.Table or a polars.DataFrame, not {type(data).__name__}"
    )
