"""MySQL 8 and MariaDB: catalog, quoting, literals, and the casts that keep every value exact.

Catalog queries and counts go through PyMySQL (parameterized, with fast and clear connection
errors); chunk data goes through connectorx into Arrow. Every session runs with
time_zone '+00:00' (so TIMESTAMP values arrive as UTC) and as a READ ONLY, REPEATABLE READ
transaction.
"""

from __future__ import annotations

import decimal
import re
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
from typing import Any

import pyarrow as pa

from dbdiff.catalog import Column, TableCatalog
from dbdiff.dialects import Dialect, Unwritable, register_dialect
from dbdiff.errors import (
    ConnectionFailure,
    DbdiffError,
    TableNotFoundError,
    URLError,
    UsageError,
    scrub,
)
from dbdiff.sources import _cx
from dbdiff.sources.base import (
    KeyRange,
    infinite_date_rank,
    non_finite_rank,
    register_source,
)
from dbdiff.sources.server import ServerSource, tables_hint
from dbdiff.sources.urls import SourceURL

# A chunk is one SELECT, and under REPEATABLE READ (or READ COMMITTED) InnoDB answers a SELECT
# from one snapshot, consistent as of its start; a session of a server whose default is READ
# UNCOMMITTED would read writes not yet committed. So every session says its level (docs/live.md).
SESSION_SETUP = (
    "SET time_zone = '+00:00'",
    "SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ",
    "SET SESSION TRANSACTION READ ONLY",
)

_INTEGERS = {"tinyint", "smallint", "mediumint", "int", "integer", "bigint"}
_STRINGS = {"varchar", "tinytext", "text", "mediumtext", "longtext"}
_BLOBS = {"varbinary", "tinyblob", "blob", "mediumblob", "longblob"}
_FAMILY = {
    **dict.fromkeys(_INTEGERS, "integer"),
    **dict.fromkeys(_STRINGS, "string"),
    **dict.fromkeys(_BLOBS, "binary"),
    "decimal": "decimal",
    "numeric": "decimal",
    "float": "float",
    "double": "float",
    "real": "float",
    "char": "char",
    "binary": "binary",
    "date": "date",
    "datetime": "datetime",
    "timestamp": "timestamp",
    "time": "time",
    "year": "year",
    "json": "json",
    "enum": "enum",
    "set": "set",
    "bit": "bit",
    "uuid": "uuid",
    **dict.fromkeys(
        (
            "geometry",
            "point",
            "linestring",
            "polygon",
            "multipoint",
            "multilinestring",
            "multipolygon",
            "geometrycollection",
            "geomcollection",
        ),
        "spatial",
    ),
}
# Read as text so nothing is lost or panics on the way into Arrow (TIME beyond 24h, MySQL 8's
# JSON re-serialised with float numbers): the normalizers parse the text exactly. DECIMAL too:
# connectorx reads DECIMAL(p,s) exactly only while s <= 10 and p - s <= 18, and even then a
# native read costs as much as text (benchmarks/read_types.py), as the decimal normalizer's
# canonical form is text either way.
_AS_TEXT = {"decimal", "time", "json", "uuid", "other"}
# Read natively (no server-side formatting, no client-side parsing), except a chunk holding a
# zero or partial date ('0000-00-00', '2024-02-00'), on which connectorx panics: that chunk is
# read again with `text_expr`, and the column as text for the rest of the run (server.py).
_DATED = {"date", "datetime", "timestamp"}
# MariaDB's JSON is LONGTEXT with a CHECK (json_valid(`col`)) constraint: that makes it JSON.
_JSON_CHECK = re.compile(r"json_valid\(`((?:[^`]|``)+)`\)", re.IGNORECASE)


class MySQLDialect(Dialect):
    name = "mysql"
    # TIMESTAMP literals are UTC wall times; text literals never depend on the client's charset.
    repair_header = ("SET NAMES utf8mb4", "SET time_zone = '+00:00'")

    def repair_literal(self, value: Any, column: Column) -> str:
        return _repair_literal(value, column)

    def quote(self, name: str) -> str:
        return "`" + name.replace("`", "``") + "`"

    def literal(self, value: Any, column: Column) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "1" if value else "0"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            return repr(value)
        if isinstance(value, (bytes, bytearray)):
            return f"X'{bytes(value).hex()}'"
        text = format(value, "f") if isinstance(value, decimal.Decimal) else str(value)
        if column.family == "decimal":
            if not re.fullmatch(r"-?\d+(\.\d+)?", text):
                raise UsageError(f"not a decimal key value: {text!r}")
            return text
        # An introducer keeps the literal coercible, so the column's own collation compares it.
        return f"_utf8mb4 X'{text.encode('utf-8').hex()}'"

    def compare(self, expr: str, op: str, value: Any, column: Column) -> str:
        rank = non_finite_rank(value)
        if rank is None:
            rank = infinite_date_rank(value, column)  # PostgreSQL's 'infinity' dates: no MySQL date
        if rank is None:
            return super().compare(expr, op, value, column)
        # A bound from a PostgreSQL side that MySQL cannot hold (its floats and decimals are all
        # finite): in PostgreSQL's order -Infinity is below every value, Infinity and NaN above.
        holds = op != "=" and (rank < 0 if op[0] == ">" else rank > 0)
        return "1 = 1" if holds else "1 = 0"

    def order_expr(self, column: Column) -> str:
        # ORDER BY sorts ENUM and SET by their index, `>=` compares them as strings: make both text.
        if column.family in ("enum", "set"):
            return f"CAST({self.quote(column.name)} AS CHAR)"
        return self.quote(column.name)

    def select_expr(self, column: Column) -> str:
        name = self.quote(column.name)
        if column.family in _AS_TEXT:
            return f"CAST({name} AS CHAR) AS {name}"
        if _is_unsigned_bigint(column):
            # Exact as uint64 on connectorx 0.4.6, but Float64 on other versions: text is safe on all.
            return f"CAST({name} AS CHAR) AS {name}"
        if column.family == "bit":
            return f"CAST({name} AS UNSIGNED) AS {name}"
        if column.family == "spatial":
            return f"ST_AsWKB({name}) AS {name}"  # exact doubles; CAST(.. AS CHAR) is refused
        return name

    def text_expr(self, column: Column) -> str | None:
        if column.family in _DATED:
            name = self.quote(column.name)
            return f"CAST({name} AS CHAR) AS {name}"
        return None


register_dialect(MySQLDialect())


_INTEGER_BITS = {"tinyint": 8, "smallint": 16, "mediumint": 24, "int": 32, "integer": 32, "bigint": 64}


def _text_literal(text: str) -> str:
    """Plain quotes for printable ASCII without a backslash (the same in every sql_mode, with or
    without NO_BACKSLASH_ESCAPES); anything else as UTF-8 hex with an introducer, exact whatever
    the client's character set."""
    if all(" " <= ch <= "~" for ch in text) and "\\" not in text:
        return "'" + text.replace("'", "''") + "'"
    return f"_utf8mb4 X'{text.encode('utf-8').hex()}'"


def _repair_literal(value: Any, column: Column) -> str:
    """A dialect-free value as a MySQL literal of `column`'s type (see `Dialect.repair_literal`)."""
    import datetime as dt
    import math

    family = column.family
    if value is None:
        return "NULL"
    if isinstance(value, float) and not math.isfinite(value):
        raise Unwritable(f"{value!r}: MySQL has no NaN or infinity")
    if isinstance(value, decimal.Decimal) and not value.is_finite():
        raise Unwritable(f"{value}: MySQL has no NaN or infinity")
    if family == "bit":
        bits = f"{int(value):b}"
        if column.length and len(bits) > column.length:
            raise Unwritable(f"{int(value)} needs {len(bits)} bits, more than {column.native_type} holds")
        return f"b'{bits}'"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        width = _INTEGER_BITS.get(column.native_type.split("(")[0].split(" ")[0])
        if width and family == "integer":
            low, high = (0, 2**width) if column.unsigned else (-(2 ** (width - 1)), 2 ** (width - 1))
            if not low <= value < high:
                raise Unwritable(f"{value} is out of range for {column.native_type}")
        return str(value)
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (bytes, bytearray)):
        return f"X'{bytes(value).hex()}'"
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:  # the script's session zone is UTC
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return f"'{value.isoformat(sep=' ', timespec='microseconds')}'"
    if isinstance(value, dt.date):
        return f"'{value.isoformat()}'"
    if isinstance(value, (list, tuple)):  # a set's labels
        value = ",".join(str(v) for v in value)
    text = str(value)
    if family == "spatial":
        return f"ST_GeomFromText({_text_literal(text)})"
    if family in ("float", "decimal", "integer", "year"):
        if not re.fullmatch(r"-?[0-9.eE+-]+", text):
            raise Unwritable(f"{text!r} is no number")
        return text
    return _text_literal(text)


@register_source("mysql")
class MySQLSource(ServerSource):
    """A MySQL 8 or MariaDB database."""

    dialect = "mysql"
    session_setup = SESSION_SETUP
    # connectorx only; PyMySQL always speaks TCP to the host, and so does connectorx without it.
    url_params = frozenset({"prefer_socket"})

    def __init__(self, url: SourceURL) -> None:
        super().__init__(url)
        for name, value in url.params:
            # The catalog connection ignores it; connectorx would fail on every chunk read.
            if name == "prefer_socket" and value not in ("true", "false"):
                raise URLError(f"?prefer_socket= in a mysql URL takes true or false, not {value!r}")

    def _explained_rows(self, select: str, *, ranged: bool) -> int | None:
        # MySQL 8 and MariaDB name the columns alike, at different places (MySQL adds `partitions`).
        names, rows = self._query_named(f"EXPLAIN {select}")
        if not rows or "rows" not in names:
            return None
        if ranged and "possible_keys" in names and rows[0][names.index("possible_keys")] is None:
            # No index can serve the range (a --key without one): the rows are the table's
            # statistics, the same for any range however narrow, no estimate of it.
            return None
        found = rows[0][names.index("rows")]
        return int(found) if found is not None else None

    def _open(self) -> Any:
        import pymysql

        return pymysql.connect(
            host=self.url.host,
            port=self.url.port or 3306,
            user=self.url.user or "root",
            # PyMySQL sends a str password as Latin-1; UTF-8 bytes are what the server hashed.
            password=(self.url.password or "").encode("utf-8"),
            database=self.url.database,
            charset="utf8mb4",
            connect_timeout=10,
            autocommit=True,
            init_command="; ".join(SESSION_SETUP),
            client_flag=pymysql.constants.CLIENT.MULTI_STATEMENTS,
        )

    def _driver_error(self) -> type[Exception]:
        import pymysql

        return pymysql.err.MySQLError

    def read_chunk(
        self,
        table: str,
        columns: Sequence[Column],
        key: Sequence[Column],
        key_range: KeyRange,
        where: str | None = None,
    ) -> pa.Table:
        return _typed(super().read_chunk(table, columns, key, key_range, where), columns)

    def read_null_keys(
        self, table: str, columns: Sequence[Column], key: Sequence[Column], where: str | None, limit: int
    ) -> tuple[int, pa.Table]:
        count, rows = super().read_null_keys(table, columns, key, where, limit)
        return count, _typed(rows, columns)

    def _failure(self, exc: Exception, sql: str | None) -> tuple[DbdiffError, bool]:
        code = exc.args[0] if exc.args else None
        # PyMySQL files SQL errors (unknown column, ...) under OperationalError too: only
        # client-side codes (2000-2999) and login refusals mean the connection is gone.
        connection_level = isinstance(code, int) and (2000 <= code < 3000 or code in (1045, 1049))
        if sql is not None and not connection_level:
            return _cx.classify(exc, self.secrets, sql), False
        detail = scrub(str(exc.args[1] if len(exc.args) > 1 else exc), self.secrets)
        where = f"{self.url.host}:{self.url.port or 3306}"
        if code == 1045:
            error: DbdiffError = ConnectionFailure(
                f"MySQL at {where} refused the login for user {self.url.user!r}: {detail}",
                hint="check the user and password in the URL",
            )
        elif code == 1049:
            error = UsageError(f"MySQL at {where} has no database {self.url.database!r}")
        else:
            error = ConnectionFailure(f"cannot connect to MySQL at {where}: {detail}")
        return error, True

    # --- Source ---

    def server_version(self) -> str:
        if self._version is None:
            self._version = str(self._query("SELECT VERSION()")[0][0])
        return self._version

    def _split(self, table: str) -> tuple[str, str]:
        if "." in table:
            schema, name = table.split(".", 1)
            return schema, name
        return str(self.url.database), table

    def list_tables(self) -> list[str]:
        """The URL's database's base tables (MariaDB's system-versioned ones too); no views."""
        rows = self._query(
            "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s "
            "AND TABLE_TYPE IN ('BASE TABLE', 'SYSTEM VERSIONED')",
            (self.url.database,),
        )
        return sorted(str(r[0]) for r in rows)

    def introspect(self, table: str) -> TableCatalog:
        schema, name = self._split(table)
        rows = self._query(
            "SELECT COLUMN_NAME, DATA_TYPE, COLUMN_TYPE, IS_NULLABLE, CHARACTER_MAXIMUM_LENGTH, "
            "NUMERIC_PRECISION, NUMERIC_SCALE, DATETIME_PRECISION, COLLATION_NAME "
            "FROM information_schema.COLUMNS WHERE TABLE_SCHEMA = %s AND TABLE_NAME = %s "
            "ORDER BY ORDINAL_POSITION",
            (schema, name),
        )
        if not rows:
            tables = [
                r[0]
                for r in self._query(
                    "SELECT TABLE_NAME FROM information_schema.TABLES WHERE TABLE_SCHEMA = %s ORDER BY 1",
                    (schema,),
                )
            ]
            raise TableNotFoundError(
                f"table {table!r} does not exist in MySQL database {schema!r}",
                hint=tables_hint(name, tables),
            )
        pk = [
            r[0]
            for r in self._query(
                "SELECT COLUMN_NAME FROM information_schema.KEY_COLUMN_USAGE WHERE TABLE_SCHEMA = %s "
                "AND TABLE_NAME = %s AND CONSTRAINT_NAME = 'PRIMARY' ORDER BY ORDINAL_POSITION",
                (schema, name),
            )
        ]
        json_columns = self._json_checked_columns(schema, name)
        columns = tuple(_column(r, json_columns) for r in rows)
        return TableCatalog(name=table, columns=columns, primary_key=tuple(pk))

    def _json_checked_columns(self, schema: str, name: str) -> set[str]:
        """Columns MariaDB declares JSON (LONGTEXT + CHECK json_valid); MySQL 8 has a JSON type."""
        try:
            clauses = self._query(
                "SELECT CHECK_CLAUSE FROM information_schema.CHECK_CONSTRAINTS "
                "WHERE CONSTRAINT_SCHEMA = %s AND TABLE_NAME = %s",
                (schema, name),
            )
        except DbdiffError:  # MySQL 8's CHECK_CONSTRAINTS lacks TABLE_NAME; its JSON is a type
            return set()
        found = set()
        for (clause,) in clauses:
            for match in _JSON_CHECK.finditer(str(clause)):
                found.add(match.group(1).replace("``", "`").lower())
        return found


def _is_unsigned_bigint(column: Column) -> bool:
    return column.family == "integer" and column.unsigned and column.native_type.startswith("bigint")


def _typed(table: pa.Table, columns: Sequence[Column]) -> pa.Table:
    """BIGINT UNSIGNED, read as text so no connectorx version rounds it, back to exact uint64."""
    for column in columns:
        if _is_unsigned_bigint(column):
            import pyarrow.compute as pc  # only here: importing it takes a sixth of a second

            index = table.schema.get_field_index(column.name)
            table = table.set_column(index, column.name, pc.cast(table.column(index), pa.uint64()))
    return table


def _column(row: tuple[Any, ...], json_columns: AbstractSet[str] = frozenset()) -> Column:
    name, data_type, column_type, nullable, length, precision, scale, fsp, collation = row
    data_type = str(data_type).lower()
    column_type = str(column_type).lower()
    family = _FAMILY.get(data_type, "other")
    if family == "string" and str(name).lower() in json_columns:
        family = "json"
    values: tuple[str, ...] = ()
    if family in ("enum", "set"):
        values = tuple(v.replace("''", "'") for v in re.findall(r"'((?:[^']|'')*)'", column_type))
    if family == "float":
        precision = 24 if data_type == "float" else 53
    if family == "bit":
        length = precision
    return Column(
        name=str(name),
        native_type=column_type,
        family=family,
        nullable=str(nullable).upper() == "YES",
        length=int(length) if length is not None else None,
        precision=int(precision) if precision is not None else None,
        scale=int(scale) if scale is not None and family == "decimal" else None,
        unsigned="unsigned" in column_type,
        fixed=data_type in ("char", "binary"),
        fsp=int(fsp) if fsp is not None and family in ("datetime", "timestamp", "time") else None,
        collation=str(collation) if collation else None,
        values=values,
    )
