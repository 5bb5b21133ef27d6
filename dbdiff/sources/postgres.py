"""PostgreSQL: connections, the catalog, counts and the planner's estimates (its SQL text, quoting
and literals, is `dbdiff.sources.postgres_sql`'s).

Catalog queries and counts go through psycopg (parameterized, fast and clear connection errors);
chunk data goes through connectorx's binary protocol (never its csv protocol, which turns '' into
NULL). Sessions are read-only.
"""

from __future__ import annotations

import dataclasses
import math
import os
import re
from typing import Any

from dbdiff.catalog import Column, TableCatalog
from dbdiff.errors import ConnectionFailure, DbdiffError, TableNotFoundError, URLError, UsageError, scrub
from dbdiff.sources import (
    _cx,
    postgres_sql,  # noqa: F401  (registers the dialect this source speaks)
)
from dbdiff.sources.base import register_source
from dbdiff.sources.server import ServerSource, tables_hint
from dbdiff.sources.urls import SourceURL

# extra_float_digits 3: floats as exact text (PostgreSQL before 12, or a role with 0, writes 15
# digits, and an incremental window's key list would look up 0.3 for 0.30000000000000004).
SESSION_SETUP = (
    "SET default_transaction_read_only = on",
    "SET TimeZone = 'UTC'",
    "SET extra_float_digits = 3",
)

_FAMILY = {
    "bool": "boolean",
    "int2": "integer",
    "int4": "integer",
    "int8": "integer",
    "oid": "integer",
    "numeric": "decimal",
    "float4": "float",
    "float8": "float",
    "bpchar": "char",
    "varchar": "string",
    "text": "string",
    "citext": "string",
    "name": "string",
    "bytea": "binary",
    "date": "date",
    "timestamp": "datetime",
    "timestamptz": "timestamp",
    "time": "time",
    "interval": "interval",
    "json": "json",
    "jsonb": "json",
    "uuid": "uuid",
    "bit": "bit",
    "varbit": "bit",
    "money": "decimal",
    "point": "spatial",
    "lseg": "spatial",
    "path": "spatial",
    "polygon": "spatial",
    "geometry": "spatial",  # PostGIS: its text form is hex EWKB
    "geography": "spatial",
}
_COLUMNS_SQL = """
SELECT a.attname, t.typname, format_type(a.atttypid, a.atttypmod), NOT a.attnotnull, t.typtype,
       bt.typname AS base_type, a.atttypmod, co.collname, t.typcategory,
       CASE WHEN t.typtype = 'e' THEN
         (SELECT array_agg(e.enumlabel ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid)
       END AS labels
FROM pg_attribute a
JOIN pg_type t ON t.oid = a.atttypid
LEFT JOIN pg_type bt ON bt.oid = t.typbasetype AND t.typtype = 'd'
LEFT JOIN pg_collation co ON co.oid = a.attcollation AND a.attcollation <> 0
WHERE a.attrelid = %s::regclass AND a.attnum > 0 AND NOT a.attisdropped
ORDER BY a.attnum
"""
_PK_SQL = """
SELECT a.attname FROM pg_index i
JOIN LATERAL unnest(i.indkey) WITH ORDINALITY AS k(attnum, ord) ON true
JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE i.indrelid = %s::regclass AND i.indisprimary ORDER BY k.ord
"""


#: libpq's and the server's words for a connection parameter they cannot take (a bad
#: ?sslmode=, ?connect_timeout=, or a setting in ?options= the server does not know).
_BAD_PARAMETER = (
    r"invalid \w+ value|bad value for \w+|invalid integer value .* for connection option"
    r"|unrecognized configuration parameter|invalid value for parameter|invalid connection option"
)


def _load_infinities(con: Any) -> None:
    """Read 'infinity' and '-infinity' dates and timestamps (key boundaries) as those words.

    Python's dates cannot hold them (psycopg raises "date too large"). As text they still sort
    where PostgreSQL puts them among ISO dates ('-infinity' first, 'infinity' last), turn back
    into the same literal here, and tell the other side's dialect where such a bound falls.
    """
    from psycopg.types.datetime import DateLoader, TimestampLoader, TimestamptzLoader

    bases = {"date": DateLoader, "timestamp": TimestampLoader, "timestamptz": TimestamptzLoader}
    for typname, base in bases.items():

        class Loader(base):  # type: ignore[valid-type, misc]
            def load(self, data: Any) -> Any:
                text = bytes(data)
                if text in (b"infinity", b"-infinity"):
                    return text.decode()
                return super().load(data)

        con.adapters.register_loader(typname, Loader)


@register_source("postgresql")
class PostgresSource(ServerSource):
    """A PostgreSQL database."""

    dialect = "postgresql"
    session_setup = SESSION_SETUP
    # libpq keywords that psycopg and connectorx (rust-postgres) both understand.
    url_params = frozenset(
        {
            "sslmode",
            "sslrootcert",
            "application_name",
            "connect_timeout",
            "keepalives",
            "keepalives_idle",
            "tcp_user_timeout",
            "target_session_attrs",
            "channel_binding",
            "options",
        }
    )

    def __init__(self, url: SourceURL) -> None:
        super().__init__(url)
        #: (table, key column) -> the first and last bounds of the key's histogram, None where
        #: the planner's statistics of the key cannot be trusted.
        self._histograms: dict[tuple[str, str], tuple[int, int] | None] = {}
        for name, value in url.params:
            # psycopg may never open it (no SSL on the server); connectorx fails on every read.
            if name == "sslrootcert" and value != "system" and not os.path.isfile(value):
                raise URLError(f"the file of ?sslrootcert= in a postgresql URL does not exist: {value!r}")
            # libpq judges these by the session, and dbdiff's sessions are read-only on any
            # server: read-write would never connect and read-only would take a primary too.
            if name == "target_session_attrs" and value in ("read-write", "read-only"):
                raise URLError(
                    f"target_session_attrs={value} cannot choose a server for dbdiff: its sessions "
                    "are read-only on every server",
                    hint="use target_session_attrs=primary or standby, or leave it out",
                )

    def estimate_rows(self, table: str, key: Column, lower: int, upper: int) -> int | None:
        # The planner estimates a key range from the column's histogram: without one (a table
        # never analyzed) or with stale statistics, it guesses a fixed fraction of the table,
        # which could make one chunk of the whole table. Then there is no estimate.
        with self._lock:
            known = (table, key.name) in self._histograms
            span = self._histograms.get((table, key.name))
        if not known:
            span = self._histogram_span(table, key)
            with self._lock:
                self._histograms[(table, key.name)] = span
        if span is None:
            return None
        first, last = span
        # Inside the histogram the planner's estimate; keys below or above it (rows written
        # since the last ANALYZE: a live table's newest keys always are) are counted, through
        # the key's index. `_histogram_span` made sure they are few.
        rows = 0
        inside = (max(lower, first), min(upper, last + 1))
        if inside[0] < inside[1]:
            found = super().estimate_rows(table, key, *inside)
            if found is None:
                return None
            rows += found
        for outside in ((lower, min(upper, first)), (max(lower, last + 1), upper)):
            if outside[0] < outside[1]:
                rows += self._count_range(table, key, *outside)
        return rows

    def _histogram_span(self, table: str, key: Column) -> tuple[int, int] | None:
        """The first and last bounds of the key's histogram (those of the table and its children
        where it has any: they are what MIN and MAX read), or None when the statistics cannot be
        trusted: none at all, a table with more than a fifth of its rows written since its last
        ANALYZE, or more than a fifth of its rows outside the histogram."""
        found = self._query(
            # A partitioned table counts no changes of its own: its partitions' (and an inheriting
            # table's children's, which MIN and MAX read too) are added, at any depth.
            "SELECT h.b[1], h.b[cardinality(h.b)], c.reltuples, COALESCE(u.n_mod_since_analyze, 0) "
            "+ COALESCE((WITH RECURSIVE tree(relid) AS (SELECT i.inhrelid FROM pg_inherits i "
            "WHERE i.inhparent = c.oid UNION SELECT i.inhrelid FROM pg_inherits i "
            "JOIN tree ON i.inhparent = tree.relid) SELECT SUM(p.n_mod_since_analyze) FROM tree "
            "JOIN pg_stat_user_tables p ON p.relid = tree.relid), 0) "
            "FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace "
            "LEFT JOIN pg_stat_user_tables u ON u.relid = c.oid "
            "LEFT JOIN LATERAL (SELECT s.histogram_bounds::text::numeric[] AS b FROM pg_stats s "
            "WHERE s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = %s "
            "AND s.histogram_bounds IS NOT NULL ORDER BY s.inherited DESC LIMIT 1) h ON true "
            "WHERE c.oid = %s::regclass",
            (key.name, self._regclass(table)),
        )
        if not found:
            return None
        first, last, tuples, modified = found[0]
        most = 0.2 * float(tuples)
        if first is None or float(tuples) <= 0 or float(modified) > most:
            return None
        first, last = math.ceil(first), math.floor(last)
        # The count of changes reaches the statistics a while after the writes: the rows outside
        # the histogram are counted, not taken from it.
        extent = self.key_extent(table, key)
        if extent is None or extent[0] is None or extent[1] is None:
            return first, last
        low, high = int(extent[0]), int(extent[1])
        outside = 0
        if low < first:
            outside += self._count_range(table, key, low, first)
        if high > last:
            outside += self._count_range(table, key, last + 1, high + 1)
        return None if outside > most else (first, last)

    def _explained_rows(self, select: str, *, ranged: bool) -> int | None:
        # The first line is the top plan node: "... (cost=0.43..8.45 rows=1234 width=8)".
        top = self._query(f"EXPLAIN {select}")
        found = re.search(r"\brows=(\d+)", str(top[0][0])) if top else None
        return int(found.group(1)) if found else None

    def _open(self) -> Any:
        import psycopg

        params: dict[str, Any] = {"connect_timeout": "10", **dict(self.url.params)}
        # The user's options first: ours come last, so nothing turns the read-only session off.
        params["options"] = " ".join(
            p
            for p in (
                params.get("options"),
                "-c default_transaction_read_only=on -c TimeZone=UTC -c extra_float_digits=3",
            )
            if p
        )
        con = psycopg.connect(
            host=self.url.host,
            port=self.url.port or 5432,
            user=self.url.user or "postgres",
            password=self.url.password,
            dbname=self.url.database,
            autocommit=True,
            **params,
        )
        _load_infinities(con)
        return con

    def _cx_url(self) -> str:
        """Under sslmode prefer (libpq's default) or allow, connectorx connects as the catalog
        connection did. Without TLS it is told sslmode=disable, which spares it building a TLS
        context for every chunk it reads (10 ms of CPU each; the connection is the same). With
        TLS under allow (the server refused the plain connection) it is told sslmode=require,
        which is what allow falls back to; connectorx itself does not take allow. Any other
        sslmode is passed on as it is."""
        mode = dict(self.url.params).get("sslmode", "prefer")
        with self._lock:
            tls = None if self._conn is None else bool(self._conn.pgconn.ssl_in_use)
        told = {(False, "prefer"): "disable", (False, "allow"): "disable", (True, "allow"): "require"}
        sslmode = told.get((tls, mode)) if tls is not None else None
        # target_session_attrs chose the one server when the catalog connection opened;
        # connectorx takes neither primary nor standby.
        params = tuple((k, v) for k, v in self.url.params if k != "target_session_attrs")
        if sslmode is not None:
            params = (*((k, v) for k, v in params if k != "sslmode"), ("sslmode", sslmode))
        if params == self.url.params:
            return self.url.connection_url()
        return dataclasses.replace(self.url, params=params).connection_url()

    def _driver_error(self) -> type[Exception]:
        import psycopg

        return psycopg.Error

    def _failure(self, exc: Exception, sql: str | None) -> tuple[DbdiffError, bool]:
        import psycopg

        if sql is not None and not isinstance(exc, psycopg.OperationalError):
            return _cx.classify(exc, self.secrets, sql), False
        detail = " ".join(scrub(str(exc), self.secrets).split())
        where = f"{self.url.host}:{self.url.port or 5432}"
        if re.search(r"database \".*\" does not exist", detail):
            return UsageError(f"PostgreSQL at {where} has no database {self.url.database!r}"), True
        refused = r"password authentication failed|role \".*\" does not exist|no password supplied"
        if re.search(refused, detail):
            return (
                ConnectionFailure(
                    f"PostgreSQL at {where} refused the login for user {self.url.user!r}: {detail}",
                    hint="check the user and password in the URL",
                ),
                True,
            )
        # A URL parameter libpq or the server cannot take is configuration, not a runtime failure.
        if sql is None and re.search(_BAD_PARAMETER, detail):
            return (
                URLError(
                    f"PostgreSQL at {where} does not take a query parameter of the URL: {detail}",
                    hint="fix or remove the URL's query parameter (?sslmode=, ?options=, ...)",
                ),
                True,
            )
        return ConnectionFailure(f"cannot connect to PostgreSQL at {where}: {detail}"), True

    def server_version(self) -> str:
        if self._version is None:
            self._version = "PostgreSQL " + str(self._query("SHOW server_version")[0][0])
        return self._version

    def _regclass(self, table: str) -> str:
        parts = table.split(".", 1)
        ref = ".".join(self.sql.quote(p) for p in parts)
        found = self._query("SELECT to_regclass(%s)::text", (ref,))[0][0]
        if found is None:
            tables = [
                r[0]
                for r in self._query(
                    "SELECT table_name FROM information_schema.tables "
                    "WHERE table_schema = ANY(current_schemas(false)) ORDER BY 1"
                )
            ]
            raise TableNotFoundError(
                f"table {table!r} does not exist in PostgreSQL database {self.url.database!r}",
                hint=tables_hint(parts[-1], tables),
            )
        return ref

    def list_tables(self) -> list[str]:
        """The base tables of the schemas on the search_path (set one with ?options=-c search_path=...).

        Partitioned tables count once (their partitions are left out); views, materialized views
        and foreign tables are left out. Tables of the current schema are named bare, those of
        later schemas on the path as schema.table.
        """
        rows = self._query(
            "SELECT n.nspname = current_schema(), n.nspname, c.relname FROM pg_class c "
            "JOIN pg_namespace n ON n.oid = c.relnamespace WHERE c.relkind IN ('r', 'p') "
            "AND NOT c.relispartition AND n.nspname = ANY(current_schemas(false))"
        )
        return [
            name if current else f"{schema}.{name}" for current, schema, name in sorted(rows, key=_listed)
        ]

    def introspect(self, table: str) -> TableCatalog:
        ref = self._regclass(table)
        rows = self._query(_COLUMNS_SQL, (ref,))
        pk = [r[0] for r in self._query(_PK_SQL, (ref,))]
        return TableCatalog(name=table, columns=tuple(_column(r) for r in rows), primary_key=tuple(pk))


def _listed(row: tuple[Any, ...]) -> tuple[bool, str, str]:
    current, schema, name = row
    return (not current, str(schema), str(name))


def _column(row: tuple[Any, ...]) -> Column:
    name, typname, formatted, nullable, typtype, base_type, _typmod, collation, category, labels = row
    effective = base_type if typtype == "d" and base_type else typname
    if typtype == "e":
        family = "enum"
    elif category == "A":
        family = "array"
    else:
        family = _FAMILY.get(effective, "other")
    length = precision = scale = fsp = None
    match = re.search(r"\((\d+)(?:,(\d+))?\)", formatted)
    if match:
        first, second = int(match.group(1)), match.group(2)
        if family == "decimal":
            precision, scale = first, int(second) if second is not None else 0
        elif family in ("datetime", "timestamp", "time"):
            fsp = first
        else:
            length = first
    if family in ("datetime", "timestamp", "time") and fsp is None:
        fsp = 6
    if family == "float":
        precision = 24 if effective == "float4" else 53
    return Column(
        name=str(name),
        native_type=str(formatted),
        family=family,
        nullable=bool(nullable),
        length=length,
        precision=precision,
        scale=scale,
        fixed=effective in ("bpchar",),
        fsp=fsp,
        collation=str(collation) if collation else None,
        values=tuple(labels or ()),
        extra=(
            ("typname", str(effective if typtype != "e" else "enum")),
            ("domain", "1" if typtype == "d" else "0"),
        ),
    )
