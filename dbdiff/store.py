"""The result store: a DuckDB file in a private directory that holds every differing row.

Chunks append rows left unmatched (for the residual pass), changed rows and, at the end, the final
only-left/only-right rows. DuckDB spills to disk, so a diff with millions of differences does not
hold them in memory.

The directory is always one dbdiff creates itself (`dbdiff-*`, inside `workdir` when one is
given), never the user's `workdir`, so two results can share a workdir and nothing of the user's
is ever removed. Once a run is over the store is sealed (its writer closed) and read through a
read-only connection opened on first use, which is also how a pickled copy (another process, a
`copy.deepcopy`) reads it. Every live holder leaves a marker file in `holders/`; the directory is
removed when the last holder is garbage-collected or closed. A pickle not yet loaded counts as a
holder, so a result sent back from a worker process keeps its rows until the copy is dropped.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
import threading
import uuid
import weakref
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import duckdb
import polars as pl
import pyarrow as pa

from dbdiff.errors import UsageError

_HOLDERS = "holders"
#: Appended rows a table gathers before they are written in one INSERT: each INSERT costs DuckDB
#: about 10 ms however few its rows, and every chunk appends its few differing rows.
_BATCH_ROWS = 50_000
_PENDING = "pending-"


def release_all() -> None:
    """Release every store of this process now, as their finalizers would: for a process about
    to end without running them (a forced exit after Ctrl-C, `dbdiff.interrupts`)."""
    for store in list(_OPEN):
        store.close()


class StoreGone(RuntimeError):
    """The store's directory was removed (its last holder is gone): only samples remain."""


class ResultStore:
    """Per-run DuckDB store; safe to append from several threads."""

    def __init__(self, workdir: str | Path | None = None, *, memory_limit: str | None = None) -> None:
        parent = Path(workdir) if workdir else None
        if parent is not None:
            parent.mkdir(parents=True, exist_ok=True)
        # A directory of our own, even inside the user's workdir: only it is ever removed.
        self.path = Path(
            tempfile.mkdtemp(prefix="dbdiff-", dir=parent)
        ).absolute()  # a later chdir is harmless
        self._memory_limit = memory_limit
        self._lock = threading.Lock()
        #: Every table appended to or created (some of their rows may still be pending).
        self._tables: set[str] = set()
        #: The tables DuckDB holds already.
        self._created: set[str] = set()
        #: Appended rows not yet written, per table, all of one schema (`_BATCH_ROWS`), as Arrow:
        #: a polars frame of a few gathered rows would keep its whole chunk's text buffers alive.
        self._pending: dict[str, list[pa.Table]] = {}
        #: The Arrow schema each table was created with, as widened since (`_insert_list`).
        self._schemas: dict[str, pa.Schema] = {}
        try:
            self._con: duckdb.DuckDBPyConnection | None = duckdb.connect(
                str(self.path / "store.duckdb"), config=self._config(writer=True)
            )
        except duckdb.ParserException as exc:  # a --memory-limit DuckDB cannot read
            shutil.rmtree(self.path, ignore_errors=True)
            detail = str(exc).removeprefix("Parser Error: ")
            raise UsageError(f"--memory-limit {memory_limit!r} is not a size: {detail}") from None
        self._con.execute("SET TimeZone = 'UTC'")
        self._sealed = False
        self._hold()

    def _config(self, *, writer: bool) -> dict[str, str | bool | int | float | list[str]]:
        config: dict[str, str | bool | int | float | list[str]] = {
            "threads": "2",
            "preserve_insertion_order": "false",
        }
        if writer:
            config["temp_directory"] = str(self.path / "spill")
        if self._memory_limit:
            config["memory_limit"] = self._memory_limit
        return config

    def _hold(self) -> None:
        """Leave this holder's marker and arrange for it (and maybe the directory) to go with it."""
        marker = self.path / _HOLDERS / f"{os.getpid()}-{uuid.uuid4().hex}"
        with contextlib.suppress(OSError):
            marker.parent.mkdir(exist_ok=True)
            marker.touch()
        self._conns = _Connections(self._con)
        self._finalizer = weakref.finalize(self, _release, self._conns, self.path, marker)
        _OPEN.add(self)

    # --- pickling: the path travels, the connection is reopened read-only on first use ---

    def __getstate__(self) -> dict[str, Any]:
        self.seal()
        token = uuid.uuid4().hex
        with contextlib.suppress(OSError):
            (self.path / _HOLDERS / f"{_PENDING}{token}").touch()
        with self._lock:
            tables = set(self._tables)
        return {"path": str(self.path), "tables": tables, "memory_limit": self._memory_limit, "token": token}

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.path = Path(state["path"])
        self._memory_limit = state["memory_limit"]
        self._tables = set(state["tables"])
        self._created = set(self._tables)
        self._pending = {}
        self._schemas = {}
        self._lock = threading.Lock()
        self._con = None
        self._sealed = True
        if self.path.is_dir():
            self._hold()
        else:
            self._conns = _Connections(None)
            self._finalizer = weakref.finalize(self, _release, self._conns, self.path, None)
        # This copy now holds the directory: the pickle's own claim on it can go.
        with contextlib.suppress(OSError):
            (self.path / _HOLDERS / f"{_PENDING}{state['token']}").unlink()

    # --- writing (during the run) ---

    def seal(self) -> None:
        """The run is over: close the writer, so readers (other processes too) can open the file."""
        with self._lock:
            if self._sealed:
                return
            self._flush()
            self._sealed = True
            con, self._con = self._con, None
            self._conns.writer = None
        if con is not None:
            con.close()

    def _cursor(self) -> duckdb.DuckDBPyConnection:
        """A cursor of its own (a residual query may be streaming on another one meanwhile), once
        every pending append is written, so it reads every row. Called under the lock."""
        self._flush()
        return self._own_cursor()

    def _own_cursor(self) -> duckdb.DuckDBPyConnection:
        if self._con is not None:
            return self._con.cursor()
        reader = self._conns.reader
        if reader is None:
            if not (self.path / "store.duckdb").is_file():
                raise StoreGone(f"the result store {self.path} no longer exists")
            reader = duckdb.connect(
                str(self.path / "store.duckdb"), read_only=True, config=self._config(writer=False)
            )
            reader.execute("SET TimeZone = 'UTC'")
            self._conns.reader = reader
        return reader.cursor()

    def append(self, name: str, frame: pl.DataFrame) -> None:
        """Append rows to table `name` (created from the first frame's schema). The rows are
        written in batches: every read of the store first writes what is pending."""
        if frame.height == 0 and name in self._tables:
            return
        arrow = frame.to_arrow()
        with self._lock:
            pending = self._pending.get(name)
            if pending and pending[0].schema != arrow.schema:
                self._write(name)  # rows of one schema per INSERT (see `_insert_list`)
            self._pending.setdefault(name, []).append(arrow)
            self._tables.add(name)
            if sum(t.num_rows for t in self._pending[name]) >= _BATCH_ROWS:
                self._write(name)

    def _flush(self) -> None:
        """Write every pending append (under the lock)."""
        for name in list(self._pending):
            self._write(name)

    def _write(self, name: str) -> None:
        """Write table `name`'s pending appends in one INSERT (under the lock)."""
        tables = self._pending.pop(name, [])
        if not tables:
            return
        arrow = tables[0] if len(tables) == 1 else pa.concat_tables(tables)
        cursor = self._own_cursor()
        try:
            cursor.register("dbdiff_incoming", arrow)
            if name not in self._created:
                cursor.execute(f'CREATE TABLE "{name}" AS SELECT * FROM dbdiff_incoming')
                self._created.add(name)
                self._schemas[name] = arrow.schema
            else:
                select = self._insert_list(cursor, name, arrow.schema)
                cursor.execute(f'INSERT INTO "{name}" SELECT {select} FROM dbdiff_incoming')
        finally:
            cursor.close()

    def _insert_list(self, cursor: duckdb.DuckDBPyConnection, name: str, incoming: pa.Schema) -> str:
        """The SELECT list that appends `incoming` rows to table `name`, by position.

        A source may deliver a column as text in one chunk and natively in another (a MySQL
        DATETIME read as text where a chunk holds a zero date, which no timestamp can hold): such a
        column is widened to text in the table, and the native values are appended as text, which
        the normalizers read alike (see `Dialect.text_expr`)."""
        stored = self._schemas.get(name)
        if stored is None or len(stored) != len(incoming):
            return "*"
        exprs = []
        for i, (have, new) in enumerate(zip(stored, incoming, strict=True)):
            column = f'"{new.name.replace(chr(34), chr(34) * 2)}"'
            texts = (_is_text(have.type), _is_text(new.type))
            if texts[0] != texts[1] and not (pa.types.is_null(have.type) or pa.types.is_null(new.type)):
                if not texts[0]:
                    target = f'"{have.name.replace(chr(34), chr(34) * 2)}"'
                    cursor.execute(f'ALTER TABLE "{name}" ALTER {target} SET DATA TYPE VARCHAR')
                    stored = stored.set(i, pa.field(have.name, pa.large_string()))
                    self._schemas[name] = stored
                exprs.append(f"CAST({column} AS VARCHAR)")
            else:
                exprs.append(column)
        return ", ".join(exprs)

    def create_as(self, name: str, sql: str) -> None:
        """Create (or replace) table `name` from a query over the store's tables."""
        with self._lock:
            cursor = self._cursor()
            try:
                cursor.execute(f'CREATE OR REPLACE TABLE "{name}" AS {sql}')
            finally:
                cursor.close()
            self._tables.add(name)
            self._created.add(name)

    # --- reading ---

    def available(self) -> bool:
        """False once the store's directory is gone (only a pickled copy can outlive it)."""
        return self._con is not None or (self.path / "store.duckdb").is_file()

    def has(self, table: str, kind: str) -> bool:
        return f"{table}__{kind}" in self._tables

    def count(self, name: str) -> int:
        if name not in self._tables:
            return 0
        with self._lock:
            cursor = self._cursor()
            try:
                row = cursor.execute(f'SELECT COUNT(*) FROM "{name}"').fetchone()
            finally:
                cursor.close()
        return int(row[0]) if row else 0

    def query_batches(self, sql: str, batch_rows: int) -> Iterator[pa.RecordBatch]:
        """Stream a query's result in Arrow batches (a cursor of its own, so appends may go on)."""
        with self._lock:
            cursor = self._cursor()
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
            cursor = self._cursor()
        try:
            return pl.from_arrow(cursor.sql(f'SELECT * FROM "{name}"{order}').to_arrow_table())  # type: ignore[return-value]
        finally:
            cursor.close()

    def exists(self, name: str) -> bool:
        return name in self._tables

    def close(self) -> None:
        self._finalizer()


class _Connections:
    """The open connections of one holder, shared with its finalizer (which must not hold the store)."""

    def __init__(self, writer: duckdb.DuckDBPyConnection | None) -> None:
        self.writer = writer
        self.reader: duckdb.DuckDBPyConnection | None = None


def _release(conns: _Connections, path: Path, marker: Path | None) -> None:
    """Close this holder's connections, drop its marker, and remove the directory if it was the last."""
    for con in (conns.writer, conns.reader):
        if con is not None:
            with contextlib.suppress(Exception):
                con.close()
    conns.writer = conns.reader = None
    if marker is None:
        return
    with contextlib.suppress(OSError):
        marker.unlink()
    if not _held(path / _HOLDERS):
        shutil.rmtree(path, ignore_errors=True)


def _held(holders: Path) -> bool:
    """True while a live holder (in any process on this machine) or an unloaded pickle remains."""
    try:
        names = os.listdir(holders)
    except OSError:
        return False
    for name in names:
        if name.startswith(_PENDING):
            return True
        pid = name.split("-", 1)[0]
        if pid.isdigit() and _alive(int(pid)):
            return True
    return False


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # it exists, we may just not signal it
    return True


def _is_text(dtype: pa.DataType) -> bool:
    return bool(
        pa.types.is_string(dtype) or pa.types.is_large_string(dtype) or pa.types.is_string_view(dtype)
    )


#: Every store of this process that holds its directory (`release_all`).
_OPEN: weakref.WeakSet[ResultStore] = weakref.WeakSet()
