"""The result store: a DuckDB file in a private work directory that holds every differing row.

Chunks append rows left unmatched (for the residual pass), changed rows and, at the end, the final
only-left/only-right rows. DuckDB spills to disk, so a diff with millions of differences does not
hold them in memory. The directory is removed when the store is garbage-collected (or closed).
"""

from __future__ import annotations

import shutil
import tempfile
import threading
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa


class ResultStore:
    """Per-run DuckDB store; safe to append from several threads."""

    def __init__(self, workdir: str | Path | None = None, *, memory_limit: str | None = None) -> None:
        self.path = Path(workdir) if workdir else Path(tempfile.mkdtemp(prefix="dbdiff-"))
        self.path.mkdir(parents=True, exist_ok=True)
        config: dict[str, str | bool | int | float | list[str]] = {
            "threads": "2",
            "preserve_insertion_order": "false",
            "temp_directory": str(self.path / "spill"),
        }
        if memory_limit:
            config["memory_limit"] = memory_limit
        self._con = duckdb.connect(str(self.path / "store.duckdb"), config=config)
        self._con.execute("SET TimeZone = 'UTC'")
        self._lock = threading.Lock()
        self._tables: set[str] = set()
        self._finalizer = weakref.finalize(self, _cleanup, self._con, self.path)

    def append(self, name: str, frame: pl.DataFrame) -> None:
        """Append rows to table `name` (created from the first frame's schema)."""
        if frame.height == 0 and name in self._tables:
            return
        arrow = frame.to_arrow()
        with self._lock:
            # A cursor of its own: a residual query may be streaming on another one meanwhile.
            cursor = self._con.cursor()
            try:
                cursor.register("dbdiff_incoming", arrow)
                if name not in self._tables:
                    cursor.execute(f'CREATE TABLE "{name}" AS SELECT * FROM dbdiff_incoming')
                    self._tables.add(name)
                else:
                    cursor.execute(f'INSERT INTO "{name}" SELECT * FROM dbdiff_incoming')
            finally:
                cursor.close()

    def create_as(self, name: str, sql: str) -> None:
        """Create (or replace) table `name` from a query over the store's tables."""
        with self._lock:
            cursor = self._con.cursor()
            try:
                cursor.execute(f'CREATE OR REPLACE TABLE "{name}" AS {sql}')
            finally:
                cursor.close()
            self._tables.add(name)

    def has(self, table: str, kind: str) -> bool:
        return f"{table}__{kind}" in self._tables

    def count(self, name: str) -> int:
        if name not in self._tables:
            return 0
        with self._lock:
            cursor = self._con.cursor()
            try:
                row = cursor.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()
            finally:
                cursor.close()
        return int(row[0]) if row else 0

    def query_batches(self, sql: str, batch_rows: int) -> Iterator[pa.RecordBatch]:
        """Stream a query's result in Arrow batches (a cursor of its own, so appends may go on)."""
        with self._lock:
            cursor = self._con.cursor()
        try:
            reader = cursor.sql(sql).to_arrow_reader(batch_rows)
            yield from reader
        finally:
            cursor.close()

    def read(self, table: str, kind: str, order_by: Sequence[str] = ()) -> pl.DataFrame:
        """All rows of one kind (`changed`, `only_left`, `only_right`) for a table, as polars."""
        name = f"{table}__{kind}"
        order = f" ORDER BY {', '.join(order_by)}" if order_by else ""
        with self._lock:
            cursor = self._con.cursor()
        try:
            return pl.from_arrow(cursor.sql(f'SELECT * FROM "{name}"{order}').to_arrow_table())  # type: ignore[return-value]
        finally:
            cursor.close()

    def exists(self, name: str) -> bool:
        return name in self._tables

    def close(self) -> None:
        self._finalizer()


def _cleanup(con: duckdb.DuckDBPyConnection, path: Path) -> None:
    try:
        con.close()
    finally:
        shutil.rmtree(path, ignore_errors=True)
