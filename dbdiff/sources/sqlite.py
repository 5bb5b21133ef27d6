"""SQLite source: a database file opened read-only with the standard library's sqlite3.

SQLite is dynamically typed: a column's declared type is only a hint, and any row may hold a value
of another storage class. dbdiff maps the declared type to a family (SQLite's affinity rules plus
the usual names: BOOLEAN, DECIMAL(p,s), DATE, DATETIME, JSON, ...) and builds each Arrow column with
the family's type. A value that doesn't fit (text in an INTEGER column, a REAL in a DATE column)
stops the read with an `ExtractionError` naming the table, the column and the value's storage class;
it never becomes NULL.

Arrow types by family: integer int64, float float64, boolean bool, decimal string (the exact text:
integers as digits, REAL values as the shortest text that reads back as the same double), string,
char, json, uuid and other string, binary binary, date date32 (from 'YYYY-MM-DD' text),
datetime timestamp[us] (from ISO-8601 text without an offset), time time64[us].
"""

from __future__ import annotations

import contextlib
import datetime as dt
import decimal
import math
import os
import re
import sqlite3
import threading
from collections.abc import Callable, Iterator, Sequence
from typing import Any
from urllib.parse import quote

import pyarrow as pa

from dbdiff.catalog import Column, TableCatalog
from dbdiff.dialects import Dialect, register_dialect
from dbdiff.errors import (
    ColumnError,
    ConnectionFailure,
    DbdiffError,
    ExtractionError,
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

__all__ = ["SQLiteDialect", "SQLiteSource", "sqlite_column"]

# --- types ------------------------------------------------------------------------------------

_TYPE = re.compile(r"^\s*(?P<base>[A-Za-z_][A-Za-z0-9_ ]*)(?:\((?P<args>[^)]*)\))?")
_EXACT = {
    "BOOLEAN": "boolean",
    "BOOL": "boolean",
    "DATE": "date",
    "DATETIME": "datetime",
    "TIMESTAMP": "datetime",
    "TIME": "time",
    "JSON": "json",
    "UUID": "uuid",
}
_FIXED_CHAR = frozenset({"CHAR", "CHARACTER", "NCHAR", "NATIVE CHARACTER"})


def sqlite_column(name: str, declared: str, nullable: bool = True) -> Column:
    """A `Column` for a declared SQLite type (any text SQLite accepts, including none at all)."""
    native = declared.strip().lower()
    upper = declared.strip().upper()
    m = _TYPE.match(upper)
    base = m["base"].strip() if m else upper
    args = [a.strip() for a in m["args"].split(",")] if m and m["args"] else []
    numbers = [int(a) for a in args if a.isdigit()]
    kwargs: dict[str, Any] = {}
    first = base.split()[0] if base else ""
    if first in _EXACT:
        family = _EXACT[first]
    elif base in ("DECIMAL", "NUMERIC"):
        family = "decimal"
        if numbers:
            kwargs = {"precision": numbers[0], "scale": numbers[1] if len(numbers) > 1 else 0}
    elif base in _FIXED_CHAR:
        family, kwargs = "char", {"length": numbers[0] if numbers else 1, "fixed": True}
    # SQLite's own affinity rules (https://www.sqlite.org/datatype3.html), in its order.
    elif "INT" in upper:
        family, kwargs = "integer", {"unsigned": "UNSIGNED" in upper}
    elif any(word in upper for word in ("CHAR", "CLOB", "TEXT")):
        family = "string"
        if numbers:
            kwargs = {"length": numbers[0]}
    elif "BLOB" in upper:
        family = "binary"
    elif any(word in upper for word in ("REAL", "FLOA", "DOUB")):
        family, kwargs = "float", {"precision": 53}  # SQLite stores every REAL in 8 bytes
    else:  # no declared type, or NUMERIC affinity under an unknown name
        family = "other"
    return Column(name=name, native_type=native, family=family, nullable=nullable, **kwargs)


# --- reading values into Arrow ----------------------------------------------------------------

_DECIMAL_TEXT = re.compile(r"\s*[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?\s*")
_STORAGE = {int: "INTEGER", float: "REAL", str: "TEXT", bytes: "BLOB"}


class _BadValue(Exception):
    def __init__(self, value: Any, why: str = "") -> None:
        self.value, self.why = value, why


def _arrow_type(column: Column) -> pa.DataType:
    return {
        "integer": pa.int64(),
        "float": pa.float64(),
        "boolean": pa.bool_(),
        "binary": pa.binary(),
        "date": pa.date32(),
        "datetime": pa.timestamp("us"),
        "timestamp": pa.timestamp("us"),
        "time": pa.time64("us"),
    }.get(column.family, pa.string())


def _check_types(values: list[Any], allowed: tuple[type, ...]) -> None:
    for kind in set(map(type, values)):
        if kind is not type(None) and kind not in allowed:
            raise _BadValue(next(v for v in values if type(v) is kind))


def _to_decimal_text(value: Any) -> str:
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not math.isfinite(value):
            raise _BadValue(value, "not a finite number")
        return repr(value)
    if isinstance(value, str) and _DECIMAL_TEXT.fullmatch(value):
        return value.strip()
    raise _BadValue(value, "not a decimal number")


def _to_other_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value)
    raise _BadValue(value)


def _to_time(value: Any) -> dt.time:
    if not isinstance(value, str):
        raise _BadValue(value)
    try:
        parsed = dt.time.fromisoformat(value.strip())
    except ValueError:
        raise _BadValue(value, "not an ISO-8601 time") from None
    if parsed.tzinfo is not None:
        raise _BadValue(value, "a time with an offset")
    return parsed


def _each(values: list[Any], convert: Callable[[Any], Any]) -> list[Any]:
    return [None if v is None else convert(v) for v in values]


def _from_text(values: list[Any], kind: pa.DataType, what: str) -> pa.Array:
    _check_types(values, (str,))
    try:
        return pa.array(values, pa.string()).cast(kind)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        for v in values:  # find the culprit for the message
            if v is not None:
                try:
                    pa.array([v], pa.string()).cast(kind)
                except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
                    raise _BadValue(v, f"not {what}") from None
        raise


def column_to_arrow(values: list[Any], column: Column) -> pa.Array:
    """SQLite values of one column as an Arrow array of the family's type; `_BadValue` on a misfit."""
    family = column.family
    kind = _arrow_type(column)
    if family == "integer":
        _check_types(values, (int,))
        return pa.array(values, kind)
    if family == "float":
        _check_types(values, (float, int))
        for v in values:
            if type(v) is int and float(v) != v:
                raise _BadValue(v, "an integer a double can't hold exactly")
        return pa.array(values, kind)
    if family == "boolean":
        _check_types(values, (int,))
        if not set(values) <= {0, 1, None}:
            raise _BadValue(next(v for v in values if v not in (0, 1, None)), "not 0 or 1")
        return pa.array([None if v is None else bool(v) for v in values], kind)
    if family == "decimal":
        return pa.array(_each(values, _to_decimal_text), kind)
    if family == "binary":
        _check_types(values, (bytes,))
        return pa.array(values, kind)
    if family == "date":
        return _from_text(values, kind, "a 'YYYY-MM-DD' date")
    if family in ("datetime", "timestamp"):
        return _from_text(values, kind, "an ISO-8601 date and time without an offset")
    if family == "time":
        return pa.array(_each(values, _to_time), kind)
    if family == "other":
        return pa.array(_each(values, _to_other_text), kind)
    _check_types(values, (str,))  # string, char, json, uuid
    return pa.array(values, kind)


# --- SQL --------------------------------------------------------------------------------------


def _quote_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def _datetime_text(value: dt.datetime) -> str:
    # SQLite's own form ('YYYY-MM-DD HH:MM:SS[.fff]'), with no trailing fractional zeros, so the text
    # comparison SQLite does agrees with time order for values stored that way.
    if value.tzinfo is not None:
        value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return value.isoformat(sep=" ").rstrip("0").rstrip(".") if value.microsecond else value.isoformat(sep=" ")


class SQLiteDialect(Dialect):
    """SQLite quoting and literals; values are read raw and typed in Python (see the module docs)."""

    name = "sqlite"

    def quote(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def select_expr(self, column: Column) -> str:
        return self.quote(column.name)

    def mod(self, dividend: str, divisor: str) -> str:
        # MOD() exists only when SQLite is built with its math functions; % always does.
        return f"(({dividend}) % ({divisor}))"

    def literal(self, value: Any, column: Column) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            if math.isnan(value):
                raise KeyColumnError(f"column {column.name!r}: NaN cannot bound a key range in SQLite")
            return repr(value) if math.isfinite(value) else ("9e999" if value > 0 else "-9e999")
        if isinstance(value, decimal.Decimal):
            if not value.is_finite():
                raise KeyColumnError(f"column {column.name!r}: {value} cannot bound a key range in SQLite")
            return format(value, "f")
        if isinstance(value, (bytes, bytearray, memoryview)):
            return f"X'{bytes(value).hex()}'"
        if isinstance(value, dt.datetime):
            return _quote_string(_datetime_text(value))
        if isinstance(value, dt.date):
            return _quote_string(value.isoformat())
        if isinstance(value, dt.time):
            return _quote_string(value.isoformat())
        if isinstance(value, str):
            if column.family in ("integer", "float", "decimal") and _DECIMAL_TEXT.fullmatch(value):
                return value.strip()
            if column.family in ("datetime", "timestamp"):
                with contextlib.suppress(ValueError):
                    return _quote_string(_datetime_text(dt.datetime.fromisoformat(value)))
            return _quote_string(value)
        raise KeyColumnError(
            f"column {column.name!r} ({column.native_type}): a {type(value).__name__} value "
            "cannot bound a key range in SQLite"
        )


register_dialect(SQLiteDialect())


# --- the source -------------------------------------------------------------------------------


@register_source("sqlite")
class SQLiteSource(Source):
    """A SQLite database file, opened read-only (`mode=ro`, and `PRAGMA query_only`).

    Table names may be `table` or `main.table`. One connection, used by one thread at a time.
    """

    dialect = "sqlite"

    def __init__(self, url: SourceURL | str) -> None:
        parsed = parse_url(url) if isinstance(url, str) else url
        super().__init__(parsed)
        path = os.path.abspath(os.path.expanduser(parsed.path or ""))
        if not os.path.exists(path):
            raise URLError(
                f"SQLite database file not found: {parsed.path!r}",
                hint=f"relative paths are taken from {os.getcwd()!r}",
            )
        if os.path.isdir(path):
            raise URLError(f"SQLite database path {parsed.path!r} is a directory, not a file")
        self.path = path
        self._lock = threading.RLock()
        self._closed = False
        self._checked_where: set[tuple[str, str]] = set()
        try:
            self._con = sqlite3.connect(
                f"file:{quote(path)}?mode=ro", uri=True, check_same_thread=False, isolation_level=None
            )
        except sqlite3.Error as exc:
            raise ConnectionFailure(f"cannot open SQLite database {parsed.path!r}: {exc}") from exc
        try:
            self._con.execute("PRAGMA query_only = 1")
            self._con.execute("SELECT count(*) FROM sqlite_master").fetchall()
        except sqlite3.DatabaseError as exc:
            self._con.close()
            if "not a database" in str(exc):
                raise URLError(f"{parsed.path!r} is not a SQLite database file") from exc
            raise ConnectionFailure(f"cannot open SQLite database {parsed.path!r}: {exc}") from exc

    def server_version(self) -> str:
        return f"sqlite {sqlite3.sqlite_version}"

    # -- names --

    def resolve(self, table: str) -> str:
        """The table's name as SQLite's catalog spells it; `TableNotFoundError` if there is none."""
        names = [
            r[0]
            for r in self._rows(
                "SELECT name FROM sqlite_master WHERE type IN ('table', 'view') "
                "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name",
                context="listing tables",
            )
        ]
        wanted = table[5:] if table.lower().startswith("main.") and table not in names else table
        if wanted in names:
            return wanted
        folded = [n for n in names if n.lower() == wanted.lower()]
        if len(folded) == 1:
            return folded[0]
        mean = did_you_mean(wanted, names) or did_you_mean(wanted.lower(), [n.lower() for n in names])
        hint = f"{mean} " if mean else ""
        if names:
            hint += (
                "available: "
                + ", ".join(names[:20])
                + (f", ... ({len(names)} in all)" if len(names) > 20 else "")
            )
        else:
            hint += "the database has no tables"
        raise TableNotFoundError(f"table {table!r} not found in {self.url.redacted}", hint=hint)

    # -- Source --

    def list_tables(self) -> list[str]:
        """The database's tables (not views, not SQLite's own)."""
        rows = self._rows(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\'",
            context="listing tables",
        )
        return sorted(str(r[0]) for r in rows)

    def introspect(self, table: str) -> TableCatalog:
        name = self.resolve(table)
        rows = self._rows(
            'SELECT name, type, "notnull", pk FROM pragma_table_info(?) ORDER BY cid',
            (name,),
            context=f"reading the columns of {table!r}",
        )
        pk = [(order, col) for col, _, _, order in rows if order]
        columns = tuple(
            sqlite_column(col, declared or "", nullable=not notnull and not _is_rowid(declared, order, pk))
            for col, declared, notnull, order in rows
        )
        return TableCatalog(name=table, columns=columns, primary_key=tuple(col for _, col in sorted(pk)))

    def count_rows(self, table: str, where: str | None = None) -> int:
        name = self._resolve_checked(table, where)
        sql = f"SELECT COUNT(*) FROM {self.sql.quote(name)}" + (f" WHERE ({where})" if where else "")
        return int(self._rows(sql, context=f"counting the rows of {table!r}")[0][0])

    def key_boundaries(
        self, table: str, key: Sequence[Column], every: int, where: str | None = None
    ) -> list[KeyValue]:
        if every < 1:
            raise UsageError(f"the chunk size must be at least 1, not {every}")
        if not key:
            raise KeyColumnError(f"no key columns given for {table!r}")
        name = self._resolve_checked(table, where)
        rows = self._rows(
            boundaries_query(self.sql, _main(name), key, every, where),
            context=f"planning chunks of {table!r}",
        )
        arrow = self._to_arrow(table, rows, key)
        columns = []
        for array, column in zip(arrow.columns, key, strict=True):
            values = array.to_pylist()
            if column.family == "decimal":  # a number, so both sides' literals compare it as one
                values = [None if v is None else decimal.Decimal(v) for v in values]
            columns.append(values)
        keys = list(zip(*columns, strict=True))
        return [k for i, k in enumerate(keys) if i == 0 or k != keys[i - 1]]

    def read_chunk(
        self,
        table: str,
        columns: Sequence[Column],
        key: Sequence[Column],
        key_range: KeyRange,
        where: str | None = None,
    ) -> pa.Table:
        name = self._resolve_checked(table, where)
        sql = chunk_query(self.sql, _main(name), columns, key, key_range, where)
        return self._to_arrow(table, self._rows(sql, context=f"reading {table!r}"), columns)

    def read_null_keys(
        self, table: str, columns: Sequence[Column], key: Sequence[Column], where: str | None, limit: int
    ) -> tuple[int, pa.Table]:
        if not columns:
            raise ColumnError("no columns to read")
        name = self._resolve_checked(table, where)
        predicate = f"({null_keys_predicate(self.sql, key)})" + (f" AND ({where})" if where else "")
        ref = self.sql.quote(name)
        context = f"reading rows of {table!r} with a NULL key"
        count = int(self._rows(f"SELECT COUNT(*) FROM {ref} WHERE {predicate}", context=context)[0][0])
        select = ", ".join(self.sql.select_expr(c) for c in columns)
        rows = self._rows(
            f"SELECT {select} FROM {ref} WHERE {predicate} LIMIT {max(int(limit), 0)}", context=context
        )
        return count, self._to_arrow(table, rows, columns)

    def close(self) -> None:
        with self._lock:
            if not self._closed:
                self._closed = True
                self._con.close()

    # -- helpers --

    def _resolve_checked(self, table: str, where: str | None) -> str:
        name = self.resolve(table)
        if where and (name, where) not in self._checked_where:
            # Compiling (not running) the condition tells a bad --where (exit 2) from a failed read (3).
            try:
                with self._lock:
                    self._ensure_open()
                    self._con.execute(
                        f"EXPLAIN SELECT 1 FROM {self.sql.quote(name)} WHERE ({where})"
                    ).fetchall()
            except (sqlite3.Error, sqlite3.Warning) as exc:
                raise WhereRejected(f"invalid --where for table {table!r}: {exc}", detail=str(exc)) from exc
            self._checked_where.add((name, where))
        return name

    def _rows(self, sql: str, params: Sequence[Any] = (), *, context: str) -> list[tuple[Any, ...]]:
        with self._lock, self._errors(context):
            self._ensure_open()
            return self._con.execute(sql, params).fetchall()

    def _to_arrow(self, table: str, rows: list[tuple[Any, ...]], columns: Sequence[Column]) -> pa.Table:
        by_column = list(zip(*rows, strict=True)) if rows else [() for _ in columns]
        arrays = []
        for values, column in zip(by_column, columns, strict=True):
            try:
                arrays.append(column_to_arrow(list(values), column))
            except _BadValue as bad:
                storage = _STORAGE.get(type(bad.value), type(bad.value).__name__)
                shown = repr(bad.value)
                shown = shown if len(shown) <= 60 else shown[:57] + "..."
                why = f" ({bad.why})" if bad.why else ""
                article = "an" if storage[0] in "AEIOUaeiou" else "a"
                declared = column.native_type or "no type"
                raise ExtractionError(
                    f"table {table!r}, column {column.name!r} (declared {declared}, read as {column.family}) "
                    f"holds {article} {storage} value {shown}{why}",
                    hint="SQLite lets any column hold any type: fix the row, or leave the column out",
                ) from None
            except (pa.ArrowInvalid, pa.ArrowTypeError, OverflowError) as exc:
                raise ExtractionError(f"table {table!r}, column {column.name!r}: {exc}") from exc
        schema = pa.schema([pa.field(c.name, _arrow_type(c)) for c in columns])
        return pa.Table.from_arrays(arrays, schema=schema)

    def _ensure_open(self) -> None:
        if self._closed:
            raise RuntimeFailure(f"the source {self.url.redacted} is closed")

    @contextlib.contextmanager
    def _errors(self, context: str) -> Iterator[None]:
        try:
            yield
        except DbdiffError:
            raise
        except (sqlite3.Error, sqlite3.Warning) as exc:
            raise ExtractionError(f"{context} from {self.url.redacted} failed: {exc}") from exc


def _is_rowid(declared: str | None, order: int, pk: list[tuple[int, str]]) -> bool:
    # An INTEGER PRIMARY KEY is the rowid, which is never NULL (other key columns may be, in SQLite).
    return bool(order) and len(pk) == 1 and (declared or "").strip().upper() == "INTEGER"


def _main(name: str) -> str:
    # base.table_ref splits on the first dot; qualifying with main keeps a dotted table name whole.
    return f"main.{name}" if "." in name else name
