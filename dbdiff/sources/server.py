"""What MySQL and PostgreSQL sources share: a catalog connection through the Python driver, chunk
reads through connectorx, and the SQL of counts, boundaries, chunks and NULL keys.

A subclass names its dialect, its session setup and how to open a driver connection, and says
which driver errors mean the connection is gone; it keeps its own catalog queries.
"""

from __future__ import annotations

import abc
import logging
import threading
from collections.abc import Callable, Sequence
from collections.abc import Set as AbstractSet
from typing import Any, ClassVar

import pyarrow as pa

from dbdiff.catalog import Column
from dbdiff.errors import ConnectionFailure, DbdiffError, ExtractionError, URLError
from dbdiff.names import did_you_mean
from dbdiff.sources import _cx
from dbdiff.sources.base import (
    KeyRange,
    KeyValue,
    Source,
    boundaries_query,
    chunk_query,
    null_keys_predicate,
)
from dbdiff.sources.urls import SourceURL

log = logging.getLogger("dbdiff")


class ServerSource(Source):
    """A database server: catalog queries over one driver connection, data through connectorx."""

    #: Statements every session runs first (time zone, read-only), for the driver and connectorx.
    session_setup: ClassVar[tuple[str, ...]] = ()
    #: URL query parameters both the driver and connectorx honour alike (user and password are
    #: taken into the URL's credentials by `parse_url`); any other is refused before connecting.
    url_params: ClassVar[frozenset[str]] = frozenset()

    def __init__(self, url: SourceURL) -> None:
        super().__init__(url)
        if not url.database:
            raise URLError(f"{url.redacted} names no database")
        for name, _ in url.params:
            if name not in self.url_params:
                known = ", ".join(["user", "password", *sorted(self.url_params)])
                # After ?password=, an unencoded '&' starts what looks like a parameter: it may be
                # a piece of the password, so its name is not shown then.
                shown = "" if url.password_in_query else f" {name!r}"
                mean = did_you_mean(name.lower(), self.url_params) if shown else ""
                raise URLError(
                    f"dbdiff does not take the query parameter{shown} in a {url.scheme} URL",
                    hint=f"{mean} it takes: {known}".lstrip(),
                )
        self._conn: Any = None
        self._lock = threading.Lock()
        self._version: str | None = None
        #: Per table, the columns read as text since a native read of them failed (`_read_rows`).
        self._as_text: dict[str, frozenset[str]] = {}

    # --- what a subclass provides ---

    @abc.abstractmethod
    def _open(self) -> Any:
        """A new DB-API connection with the session set up; driver errors propagate as they are."""

    @abc.abstractmethod
    def _driver_error(self) -> type[Exception]:
        """The root of the driver's exceptions."""

    @abc.abstractmethod
    def _failure(self, exc: Exception, sql: str | None) -> tuple[DbdiffError, bool]:
        """The dbdiff error for a driver error (`sql` is None while connecting), and whether the
        connection is gone."""

    # --- the catalog connection ---

    def _connection(self) -> Any:
        if self._conn is None:
            # The driver's error class before the driver is used: an interrupt (Ctrl-C) that
            # lands while the driver is first imported stays an interrupt, and does not turn
            # into an AttributeError of the half-imported module in the `except` clause.
            driver_error = self._driver_error()
            try:
                self._conn = self._open()
            except driver_error as exc:
                raise self._failure(exc, None)[0] from None
        return self._conn

    def _query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        return self._query_named(sql, params)[1]

    def _query_named(self, sql: str, params: Sequence[Any] = ()) -> tuple[list[str], list[tuple[Any, ...]]]:
        """The column names and rows of `sql`."""
        with self._lock:
            conn = self._connection()
            driver_error = self._driver_error()
            try:
                with conn.cursor() as cursor:
                    cursor.execute(sql, params or None)
                    names = [d[0] for d in cursor.description or ()]
                    return names, list(cursor.fetchall())
            except driver_error as exc:
                error, gone = self._failure(exc, sql)
                if gone:
                    self._conn = None
                raise error from None

    def _read(self, query: str) -> pa.Table:
        # connectorx waits 30 s for a pool connection to a dead server; a ping fails at once.
        self.ping()
        return _cx.read_arrow(self._cx_url(), query, pre=self.session_setup, secrets=self.secrets)

    def _cx_url(self) -> str:
        """The URL connectorx connects with (after `ping`, so the catalog connection is open)."""
        return self.url.connection_url()

    def _select(self, columns: Sequence[Column], text: AbstractSet[str]) -> str:
        """The SELECT list: each column through `select_expr`, those in `text` through `text_expr`."""
        exprs = []
        for column in columns:
            fallback = self.sql.text_expr(column) if column.name in text else None
            exprs.append(fallback or self.sql.select_expr(column))
        return ", ".join(exprs)

    def _read_rows(self, table: str, columns: Sequence[Column], query: Callable[[str], str]) -> pa.Table:
        """`query(select list)` through connectorx, the columns read natively where the dialect can.

        A read that fails on a value connectorx cannot convert (a MySQL zero date) is read again
        with every column that has a text form (`Dialect.text_expr`) as text, so its values are
        exactly those a text read gives. Those columns stay text for the rest of this source's
        reads of `table` (logged once): the failing read is not paid again chunk after chunk.
        """
        text = self._as_text.get(table, frozenset())
        try:
            return self._read(query(self._select(columns, text)))
        except ExtractionError as exc:
            if not exc.unconvertible:
                raise
            error: ExtractionError = exc
        more = text | {c.name for c in columns if self.sql.text_expr(c) is not None}
        if more != text:
            rows = self._read(query(self._select(columns, more)))
            with self._lock:
                known = self._as_text.get(table, frozenset())
                self._as_text[table] = known | more
            if not more <= known:
                # No value in the line: a column may be masked.
                log.info(
                    "%s: connectorx cannot convert every value of %s (a zero date?); read as text "
                    "from now on",
                    table,
                    ", ".join(sorted(more - known)),
                )
            return rows
        raise error

    def ping(self) -> None:
        try:
            self._query("SELECT 1")
        except ConnectionFailure:
            self._query("SELECT 1")  # once more over a fresh connection; raises if the server is gone

    def close(self) -> None:
        with self._lock:
            if self._conn is not None:
                try:
                    self._conn.close()
                finally:
                    self._conn = None

    # --- the Source protocol, in SQL ---

    def _where(self, where: str | None, *more: str) -> str:
        parts = [p for p in more if p] + ([f"({where})"] if where else [])
        return f" WHERE {' AND '.join(parts)}" if parts else ""

    def count_rows(self, table: str, where: str | None = None) -> int:
        return int(self._query(f"SELECT COUNT(*) FROM {self.sql.table_ref(table)}{self._where(where)}")[0][0])

    def key_boundaries(
        self, table: str, key: Sequence[Column], every: int, where: str | None = None
    ) -> list[KeyValue]:
        return [tuple(r) for r in self._query(boundaries_query(self.sql, table, key, every, where))]

    def key_extent(self, table: str, key: Column) -> tuple[Any, Any] | None:
        name = self.sql.quote(key.name)
        low, high = self._query(f"SELECT MIN({name}), MAX({name}) FROM {self.sql.table_ref(table)}")[0]
        return low, high

    def estimate_rows(self, table: str, key: Column, lower: int, upper: int) -> int | None:
        select = f"SELECT {self.sql.quote(key.name)} FROM {self.sql.table_ref(table)} "
        return self._explained_rows(select + f"WHERE {self._key_range(key, lower, upper)}", ranged=True)

    def _count_range(self, table: str, key: Column, lower: int, upper: int) -> int:
        """The rows whose whole-number `key` is in [lower, upper), counted."""
        return self.count_rows(table, self._key_range(key, lower, upper))

    def _key_range(self, key: Column, lower: int, upper: int) -> str:
        """The condition `lower <= key < upper`."""
        name = self.sql.quote(key.name)
        return f"{name} >= {self.sql.literal(lower, key)} AND {name} < {self.sql.literal(upper, key)}"

    def estimate_table_rows(self, table: str) -> int | None:
        return self._explained_rows(f"SELECT 1 FROM {self.sql.table_ref(table)}", ranged=False)

    def _explained_rows(self, select: str, *, ranged: bool) -> int | None:
        """The rows the server's planner expects `select` to return (a subclass knows how to ask);
        with `ranged`, None unless the estimate is of the range `select` keeps."""
        return None

    def keys_where(self, table: str, key: Sequence[Column], where: str) -> list[KeyValue]:
        # Over the catalog connection: no connectorx pool to open for a few thousand keys.
        select = ", ".join(self.sql.select_expr(c) for c in key)
        not_null = [f"{self.sql.quote(c.name)} IS NOT NULL" for c in key if c.nullable]
        sql = f"SELECT {select} FROM {self.sql.table_ref(table)}{self._where(where, *not_null)}"
        return [tuple(r) for r in self._query(sql)]

    def read_chunk(
        self,
        table: str,
        columns: Sequence[Column],
        key: Sequence[Column],
        key_range: KeyRange,
        where: str | None = None,
    ) -> pa.Table:
        return self._read_rows(
            table,
            columns,
            lambda select: chunk_query(self.sql, table, columns, key, key_range, where, select),
        )

    def read_null_keys(
        self, table: str, columns: Sequence[Column], key: Sequence[Column], where: str | None, limit: int
    ) -> tuple[int, pa.Table]:
        predicate = f"({null_keys_predicate(self.sql, key)})"
        ref = self.sql.table_ref(table)
        count = int(self._query(f"SELECT COUNT(*) FROM {ref}{self._where(where, predicate)}")[0][0])
        # Ordered, so the samples are the same from run to run.
        order = ", ".join(str(i) for i in range(1, len(columns) + 1))
        filters = self._where(where, predicate)

        def query(select: str) -> str:
            return f"SELECT {select} FROM {ref}{filters} ORDER BY {order} LIMIT {int(limit)}"

        rows = self._read_rows(table, columns, query)
        return count, rows


def tables_hint(name: str, tables: Sequence[str]) -> str:
    """A did-you-mean, or the tables there are, for a table that does not exist."""
    mean = did_you_mean(name, tables)
    if mean:
        return mean
    shown = ", ".join(tables[:10]) + (", ..." if len(tables) > 10 else "")
    return f"tables: {shown}" if tables else "the database has no tables"
