"""Where a history lives: a DuckDB file, or a PostgreSQL or MySQL database (`dbdiff.history`).

Each backend knows how to connect, its SQL's placeholders and its errors; the tables, the
transaction discipline and the reads are shared. Every operation opens its own connection and
closes it: a DuckDB file is locked by the process that has it open, so holding a connection
between operations would lock every other run out. A process that finds the file locked waits
(`lock_wait_s`) and then fails with a clear message; a write conflict between transactions is
retried. A server URL is shown redacted, and driver messages are scrubbed of its password.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from dbdiff.errors import ConfigError, ConnectionFailure, RuntimeFailure, UsageError, scrub

if TYPE_CHECKING:
    from dbdiff.sources.urls import SourceURL

T = TypeVar("T")
Row = dict[str, Any]
RECORD = "record the run"

#: The layout of the store's tables; bump it with a migration in `MIGRATIONS`.
SCHEMA_VERSION = 2


def _name_runs(cur: _Cursor) -> None:
    """Version 1 kept no check file name: a run recorded by a check file gets its file's stem, the
    name every check file had before `name:` existed (a run of no check file keeps none)."""
    found = cur.query("SELECT DISTINCT checkfile FROM dbdiff_history_runs WHERE checkfile IS NOT NULL")
    for (checkfile,) in found:
        cur.execute(
            "UPDATE dbdiff_history_runs SET checkfile_name = ? WHERE checkfile = ?",
            (checkfile_stem(checkfile), checkfile),
        )


def checkfile_stem(path: str) -> str:
    """A check file's default name: its file name without the extension (`shop` for conf/shop.yaml)."""
    return Path(path.replace("\\", "/")).stem or path


#: Steps that bring a store from version N to N + 1: statements in the store's SQL, or functions
#: of a cursor. A store read without being opened for writing is migrated by its first reader.
MIGRATIONS: dict[int, tuple[str | Callable[[_Cursor], None], ...]] = {
    1: ("ALTER TABLE dbdiff_history_runs ADD COLUMN checkfile_name VARCHAR(255)", _name_runs),
}

#: How long a process waits for a DuckDB file another process holds, by default.
LOCK_WAIT_S = 15.0

#: Every summary count the store keeps per table.
COUNTS = (
    "rows_left",
    "rows_right",
    "matched",
    "changed",
    "only_left",
    "only_right",
    "duplicate_keys_left",
    "duplicate_keys_right",
    "null_keys_left",
    "null_keys_right",
)

RUN_FIELDS = (
    "run_id",
    "started_at",
    "started_utc",
    "recorded_at",
    "duration_s",
    "command",
    "checkfile",
    "checkfile_name",
    "checkfile_sha256",
    "verdict",
    "status",
    "left_url",
    "right_url",
    "dbdiff_version",
    "reports",
    "breaches",
)
TABLE_FIELDS = (
    "run_id",
    "table_index",
    "left_table",
    "right_table",
    "status",
    "verdict",
    "only_on",
    "error",
    "breaches",
    *COUNTS,
)
COLUMN_FIELDS = ("run_id", "table_index", "column_name", "mismatches", "unreadable")

DDL = (
    """CREATE TABLE IF NOT EXISTS dbdiff_history_meta (
        meta_key VARCHAR(64) NOT NULL PRIMARY KEY, meta_value VARCHAR(255) NOT NULL)""",
    """CREATE TABLE IF NOT EXISTS dbdiff_history_runs (
        run_id VARCHAR(64) NOT NULL PRIMARY KEY, started_at VARCHAR(64) NOT NULL,
        started_utc VARCHAR(32) NOT NULL, recorded_at VARCHAR(32) NOT NULL,
        duration_s DOUBLE PRECISION NOT NULL, command VARCHAR(32), checkfile TEXT,
        checkfile_name VARCHAR(255), checkfile_sha256 VARCHAR(64), verdict VARCHAR(8),
        status VARCHAR(16) NOT NULL, left_url TEXT, right_url TEXT, dbdiff_version VARCHAR(64),
        reports TEXT, breaches TEXT)""",
    """CREATE TABLE IF NOT EXISTS dbdiff_history_tables (
        run_id VARCHAR(64) NOT NULL, table_index INTEGER NOT NULL, left_table VARCHAR(255) NOT NULL,
        right_table VARCHAR(255) NOT NULL, status VARCHAR(16) NOT NULL, verdict VARCHAR(8),
        only_on VARCHAR(8), error TEXT, breaches TEXT, """
    + ", ".join(f"{c} BIGINT NOT NULL" for c in COUNTS)
    + ", PRIMARY KEY (run_id, table_index))",
    """CREATE TABLE IF NOT EXISTS dbdiff_history_columns (
        run_id VARCHAR(64) NOT NULL, table_index INTEGER NOT NULL, column_name VARCHAR(255) NOT NULL,
        mismatches BIGINT NOT NULL, unreadable BIGINT NOT NULL,
        PRIMARY KEY (run_id, table_index, column_name))""",
)


def backend_for(target: str, lock_wait_s: float) -> Backend:
    if "://" not in target:
        return _DuckDBBackend(Path(target).expanduser(), lock_wait_s)
    from dbdiff.errors import URLError
    from dbdiff.sources.urls import parse_url

    try:
        url = parse_url(target)
    except URLError as exc:
        hint = exc.hint if "known schemes" not in (exc.hint or "") else _WHERE
        raise ConfigError(f"history URL: {exc.message}", hint=hint) from None
    if url.scheme == "duckdb" and url.path:
        return _DuckDBBackend(Path(url.path).expanduser(), lock_wait_s)
    if url.scheme in ("postgresql", "mysql"):
        if not url.database:
            raise ConfigError(f"history URL {url.redacted} names no database")
        return _PostgresBackend(url) if url.scheme == "postgresql" else _MySQLBackend(url)
    raise ConfigError(f"dbdiff cannot keep a history in a {url.scheme} store", hint=_WHERE)


_WHERE = "a history is a DuckDB file (a path), or a postgresql:// or mysql:// URL"


class Backend:
    """One kind of store: how to connect, its SQL's placeholders, and its errors."""

    location: str
    placeholder = "%s"
    #: Which schema `information_schema` is asked about: the one the store's tables go into.
    in_schema = ""
    #: Appended to each CREATE TABLE (MySQL: names compare exactly, as in every other store).
    table_options = ""

    def connect(self) -> Any:
        raise NotImplementedError

    def errors(self) -> tuple[type[Exception], ...]:
        raise NotImplementedError

    def secrets(self) -> tuple[str, ...]:
        return ()

    def exists(self) -> bool:
        return True

    def same_database(self, source: str) -> bool:
        return False

    def lock(self, cur: _Cursor) -> None:
        """Serialize creating the tables between concurrent runs, where the store needs it."""

    def insert_if_absent(self) -> str:
        return "INSERT INTO dbdiff_history_meta (meta_key, meta_value) VALUES (?, ?) ON CONFLICT DO NOTHING"

    def duplicate(self, exc: Exception) -> bool:
        return "duplicate" in str(exc).lower()

    def retryable(self, exc: Exception) -> bool:
        return False

    def sql(self, text: str) -> str:
        return text.replace("?", self.placeholder)

    def failure(self, exc: Exception, doing: str) -> Exception:
        detail = " ".join(scrub(str(exc), self.secrets()).split())[:400]
        return RuntimeFailure(f"history store {self.location}: cannot {doing}: {detail}")

    def transact(self, doing: str, work: Callable[[_Cursor], T]) -> T:
        """`work(cursor)` in one transaction: committed when it returns, rolled back on an error; a
        conflict with a concurrent writer runs it again, a few times."""
        attempts = 8
        for attempt in range(attempts):
            try:
                con = self.connect()
            except self.errors() as exc:
                raise self.failure(exc, doing) from None
            try:
                self.begin(con)
                done = work(_Cursor(self, self.cursor(con)))
                con.commit()
                return done
            except self.errors() as exc:
                with contextlib.suppress(Exception):
                    con.rollback()
                if self.retryable(exc) and attempt < attempts - 1:
                    time.sleep(0.05 * (attempt + 1))
                    continue
                if self.duplicate(exc) and doing == RECORD:
                    raise UsageError(
                        f"this run is already recorded in the history at {self.location}"
                    ) from None
                raise self.failure(exc, doing) from None
            finally:
                with contextlib.suppress(Exception):
                    con.close()
        raise AssertionError("unreachable")

    def cursor(self, con: Any) -> Any:
        return con.cursor()

    def tables_exist(self, cur: _Cursor) -> bool:
        found = cur.query(
            "SELECT COUNT(*) FROM information_schema.tables WHERE table_name = ?" + self.in_schema,
            ("dbdiff_history_runs",),
        )
        return bool(found[0][0])

    def begin(self, con: Any) -> None:
        """Transactions start implicitly (psycopg, PyMySQL without autocommit)."""

    def create(self) -> None:
        """The tables when missing, the schema version row, and any migration an older store needs."""
        self.transact("create its tables", self._create)

    def _create(self, cur: _Cursor) -> None:
        self.lock(cur)
        for statement in DDL:
            cur.execute(statement + self.table_options)
        cur.execute(self.insert_if_absent(), ("schema_version", str(SCHEMA_VERSION)))
        self._migrate(cur, self._version(cur))

    def _migrate(self, cur: _Cursor, version: int) -> None:
        """Bring a store of an older `version` up to this dbdiff's, in the caller's transaction."""
        for step in range(version, SCHEMA_VERSION):
            for statement in MIGRATIONS[step]:
                statement(cur) if callable(statement) else cur.execute(statement)
        if version < SCHEMA_VERSION:
            cur.execute(
                "UPDATE dbdiff_history_meta SET meta_value = ? WHERE meta_key = ?",
                (str(SCHEMA_VERSION), "schema_version"),
            )

    def _version(self, cur: _Cursor) -> int:
        """The store's schema version; a newer one than this dbdiff reads is refused, never misread."""
        found = cur.query(
            "SELECT meta_value FROM dbdiff_history_meta WHERE meta_key = ?", ("schema_version",)
        )
        try:
            version = int(found[0][0]) if found else SCHEMA_VERSION
        except ValueError:
            raise ConfigError(
                f"the history at {self.location} has a store version this dbdiff cannot read: "
                f"{str(found[0][0])[:40]!r}",
                hint="it was written by a newer dbdiff or by another program",
            ) from None
        if version > SCHEMA_VERSION:
            raise ConfigError(
                f"the history at {self.location} was written by a newer dbdiff (store version {version})",
                hint=f"this dbdiff reads store version {SCHEMA_VERSION}: upgrade dbdiff",
            )
        return version

    def append(self, run: Row, tables: Sequence[Row], columns: Sequence[Row]) -> None:
        """A run, its tables and its columns, in one transaction."""

        def insert(cur: _Cursor) -> None:
            cur.insert("dbdiff_history_runs", RUN_FIELDS, [run])
            cur.insert("dbdiff_history_tables", TABLE_FIELDS, tables)
            cur.insert("dbdiff_history_columns", COLUMN_FIELDS, columns)

        self.transact(RECORD, insert)

    def read(
        self, last: int | None, table: str | None, name: str | None = None
    ) -> tuple[list[Row], dict[str, list[Row]], dict[str, list[Row]]]:
        """The last runs (oldest first; with `table`, those that checked it; with `name`, those of
        the check file of that name) and their tables and columns by run id; nothing when the
        store has no tables yet."""
        return self.transact("read the history", lambda cur: self._read(cur, last, table, name))

    def _read(
        self, cur: _Cursor, last: int | None, table: str | None, name: str | None
    ) -> tuple[list[Row], dict[str, list[Row]], dict[str, list[Row]]]:
        if not self.tables_exist(cur):
            return [], {}, {}
        version = self._version(cur)
        if version < SCHEMA_VERSION:
            self.lock(cur)
            self._migrate(cur, self._version(cur))
        conditions, params = [], tuple[str, ...]()
        if table is not None:
            named = "SELECT run_id FROM dbdiff_history_tables WHERE left_table = ? OR right_table = ?"
            conditions.append(f"run_id IN ({named})")
            params = (table, table)
        if name is not None:
            conditions.append("checkfile_name = ?")
            params = (*params, name)
        where = f" WHERE {' AND '.join(conditions)}" if conditions else ""
        limit = f" LIMIT {int(last)}" if last is not None else ""
        runs = cur.rows(
            f"SELECT {', '.join(RUN_FIELDS)} FROM dbdiff_history_runs{where}"
            f" ORDER BY started_utc DESC, recorded_at DESC, run_id DESC{limit}",
            params,
            RUN_FIELDS,
        )[::-1]
        if table is not None and not runs:
            self._unknown_table(cur, table, name)
        tables: dict[str, list[Row]] = {}
        columns: dict[str, list[Row]] = {}
        ids = [r["run_id"] for r in runs]
        for start in range(0, len(ids), 500):
            batch = tuple(ids[start : start + 500])
            marks = ", ".join("?" * len(batch))
            for row in cur.rows(
                f"SELECT {', '.join(TABLE_FIELDS)} FROM dbdiff_history_tables WHERE run_id IN ({marks})"
                " ORDER BY run_id, table_index",
                batch,
                TABLE_FIELDS,
            ):
                if table is None or table in (row["left_table"], row["right_table"]):
                    tables.setdefault(row["run_id"], []).append(row)
            for row in cur.rows(
                f"SELECT {', '.join(COLUMN_FIELDS)} FROM dbdiff_history_columns WHERE run_id IN ({marks})"
                " ORDER BY run_id, table_index, column_name",
                batch,
                COLUMN_FIELDS,
            ):
                columns.setdefault(row["run_id"], []).append(row)
        return runs, tables, columns

    def _unknown_table(self, cur: _Cursor, table: str, name: str | None) -> None:
        from dbdiff.names import did_you_mean

        sql, params = "SELECT DISTINCT left_table, right_table FROM dbdiff_history_tables", tuple[str, ...]()
        if name is not None:
            sql += " WHERE run_id IN (SELECT run_id FROM dbdiff_history_runs WHERE checkfile_name = ?)"
            params = (name,)
        names = {n for row in cur.query(sql, params) for n in row}
        of = f" of {name!r}" if name is not None else ""
        raise ConfigError(
            f"no run{of} in the history at {self.location} checked a table {table!r}",
            hint=did_you_mean(table, names) or f"its tables: {', '.join(sorted(names)[:20]) or 'none yet'}",
        )


class _Cursor:
    """A DB-API cursor speaking the store's placeholders."""

    def __init__(self, backend: Backend, cursor: Any) -> None:
        self.backend, self.cursor = backend, cursor

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        self.cursor.execute(self.backend.sql(sql), tuple(params) or None)

    def query(self, sql: str, params: Sequence[Any] = ()) -> list[tuple[Any, ...]]:
        self.execute(sql, params)
        return list(self.cursor.fetchall())

    def rows(self, sql: str, params: Sequence[Any], fields: Sequence[str]) -> list[dict[str, Any]]:
        return [dict(zip(fields, row, strict=True)) for row in self.query(sql, params)]

    def insert(self, table: str, fields: Sequence[str], rows: Sequence[Mapping[str, Any]]) -> None:
        if rows:
            sql = f"INSERT INTO {table} ({', '.join(fields)}) VALUES ({', '.join('?' * len(fields))})"
            self.cursor.executemany(self.backend.sql(sql), [tuple(r[f] for f in fields) for r in rows])


class _DuckDBBackend(Backend):
    placeholder = "?"

    def __init__(self, path: Path, lock_wait_s: float) -> None:
        self.path = path.resolve()
        self.location = str(path)
        self.lock_wait_s = lock_wait_s

    def errors(self) -> tuple[type[Exception], ...]:
        import duckdb

        return (duckdb.Error,)

    def exists(self) -> bool:
        return self.path.is_file()

    def same_database(self, source: str) -> bool:
        from dbdiff.sources.urls import parse_url

        with contextlib.suppress(Exception):
            url = parse_url(source)
            return url.scheme == "duckdb" and url.path is not None and Path(url.path).resolve() == self.path
        return False

    def connect(self) -> Any:
        """A connection to the file, waiting while another process holds its lock."""
        import duckdb

        if not self.path.parent.is_dir():
            raise ConfigError(f"cannot create the history {self.location}: its directory does not exist")
        if _is_sqlite(self.path):
            # DuckDB would open it through its sqlite extension (downloading it when missing) and
            # write the history's tables into the user's SQLite database.
            raise ConfigError(f"the history {self.location} is not a DuckDB database file (it is SQLite)")
        deadline = time.monotonic() + self.lock_wait_s
        pause = 0.02
        while True:
            try:
                return duckdb.connect(str(self.path))
            except duckdb.IOException as exc:
                if "not a valid DuckDB database" in str(exc):
                    raise ConfigError(f"the history {self.location} is not a DuckDB database file") from None
                if "lock" not in str(exc).lower():
                    raise
                if time.monotonic() >= deadline:
                    raise RuntimeFailure(
                        f"the history {self.location} is in use by another process: "
                        f"{' '.join(str(exc).split('. See also')[0].split())}",
                        hint=f"waited {self.lock_wait_s:g} s; try again once it has finished",
                    ) from None
                time.sleep(pause)
                pause = min(pause * 2, 0.25)

    in_schema = " AND table_catalog = current_database() AND table_schema = current_schema()"

    def cursor(self, con: Any) -> Any:
        return con  # a DuckDB cursor is a connection of its own, outside this one's transaction

    def begin(self, con: Any) -> None:
        con.begin()

    def retryable(self, exc: Exception) -> bool:
        import duckdb

        return isinstance(exc, duckdb.TransactionException) or "conflict" in str(exc).lower()


def _is_sqlite(path: Path) -> bool:
    """Whether `path` is an existing SQLite database (by its header)."""
    try:
        with path.open("rb") as handle:
            return handle.read(16) == b"SQLite format 3\x00"
    except OSError:
        return False


class _ServerBackend(Backend):
    default_port = 0

    def __init__(self, url: SourceURL) -> None:
        self.url = url
        self.location = url.redacted

    def secrets(self) -> tuple[str, ...]:
        return self.url.secrets

    def same_database(self, source: str) -> bool:
        from dbdiff.sources.urls import parse_url

        try:
            other = parse_url(source)
        except Exception:
            return False
        local = {"localhost", "127.0.0.1", "::1", ""}

        def host(name: str | None) -> str:
            name = (name or "").lower()
            return "localhost" if name in local else name

        return (
            other.scheme == self.url.scheme
            and host(other.host) == host(self.url.host)
            and (other.port or self.default_port) == (self.url.port or self.default_port)
            and other.database == self.url.database
        )

    def failure(self, exc: Exception, doing: str) -> Exception:
        detail = " ".join(scrub(str(exc), self.secrets()).split())[:400]
        where = f"{self.url.host}:{self.url.port or self.default_port}"
        if ("does not exist" in detail and "database" in detail) or "Unknown database" in detail:
            return ConfigError(f"history URL: the server at {where} has no database {self.url.database!r}")
        if self._connection_lost(exc):
            return ConnectionFailure(f"cannot reach the history store {self.location}: {detail}")
        return RuntimeFailure(f"history store {self.location}: cannot {doing}: {detail}")

    def _connection_lost(self, exc: Exception) -> bool:
        return False


class _PostgresBackend(_ServerBackend):
    default_port = 5432
    in_schema = " AND table_schema = current_schema()"

    def connect(self) -> Any:
        import psycopg

        params: dict[str, Any] = {"connect_timeout": "10", **dict(self.url.params)}
        return psycopg.connect(
            host=self.url.host,
            port=self.url.port or 5432,
            user=self.url.user or "postgres",
            password=self.url.password,
            dbname=self.url.database,
            **params,
        )

    def errors(self) -> tuple[type[Exception], ...]:
        import psycopg

        return (psycopg.Error,)

    def lock(self, cur: _Cursor) -> None:
        # CREATE TABLE IF NOT EXISTS races in PostgreSQL (a duplicate pg_type row): one at a time.
        cur.execute("SELECT pg_advisory_xact_lock(7243157390)")

    def exists(self) -> bool:
        return True

    def retryable(self, exc: Exception) -> bool:
        import psycopg

        return isinstance(exc, (psycopg.errors.SerializationFailure, psycopg.errors.DeadlockDetected))

    def _connection_lost(self, exc: Exception) -> bool:
        import psycopg

        return isinstance(exc, psycopg.OperationalError)


class _MySQLBackend(_ServerBackend):
    default_port = 3306
    in_schema = " AND table_schema = DATABASE()"
    # The server's default collation ignores case: columns `Name` and `name` of one table (both
    # legal in PostgreSQL) were one primary key, and the run "already recorded".
    table_options = " CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"

    def connect(self) -> Any:
        import pymysql

        return pymysql.connect(
            host=self.url.host,
            port=self.url.port or 3306,
            user=self.url.user or "root",
            password=(self.url.password or "").encode("utf-8"),
            database=self.url.database,
            charset="utf8mb4",
            connect_timeout=10,
            autocommit=False,
        )

    def errors(self) -> tuple[type[Exception], ...]:
        import pymysql

        return (pymysql.err.MySQLError,)

    def insert_if_absent(self) -> str:
        return "INSERT IGNORE INTO dbdiff_history_meta (meta_key, meta_value) VALUES (?, ?)"

    def begin(self, con: Any) -> None:
        con.begin()

    def retryable(self, exc: Exception) -> bool:
        return bool(exc.args) and exc.args[0] in (1205, 1213)  # lock wait timeout, deadlock

    def _connection_lost(self, exc: Exception) -> bool:
        code = exc.args[0] if exc.args else None
        return isinstance(code, int) and (2000 <= code < 3000 or code == 1045)
