"""Shared fixtures: real MariaDB and PostgreSQL databases of this test run's own.

Servers come from DBDIFF_TEST_MYSQL_URL and DBDIFF_TEST_PG_URL (defaulting to this machine's
services). Each run creates databases with unique names and drops them at the end. Without
reachable servers the tests that need them skip, saying how to point them at servers; with
DBDIFF_REQUIRE_SERVERS=1 (CI sets it) they fail instead.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest

MYSQL_URL = os.environ.get("DBDIFF_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test")
PG_URL = os.environ.get("DBDIFF_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
REQUIRE = os.environ.get("DBDIFF_REQUIRE_SERVERS") == "1"

# Diffs of two servers recheck their differences twice by default, 5 s apart (docs/live.md). The
# suite's data holds still, where a recheck finds what the diff found, 10 s later: the suite's
# default is no recheck (`dbdiff` commands the tests run inherit it). Tests of rechecks say
# --recheck; tests/integration/test_dual_writes.py runs the servers' own default too.
os.environ["DBDIFF_RECHECK"] = "0"

HOW = (
    "set DBDIFF_TEST_MYSQL_URL / DBDIFF_TEST_PG_URL to reachable servers "
    "(or start the local ones: bash scripts/start-services.sh)"
)


def _unavailable(what: str, exc: Exception) -> None:
    message = f"{what} is not reachable ({type(exc).__name__}: {exc}); {HOW}"
    if REQUIRE:
        pytest.fail(message + " [DBDIFF_REQUIRE_SERVERS=1]")
    pytest.skip(message)


def _with_database(url: str, database: str) -> str:
    from dbdiff.sources.urls import parse_url

    parsed = parse_url(url)
    from dataclasses import replace

    return replace(parsed, database=database).connection_url()


class MySQLServer:
    """A database of this test run's own on the MariaDB/MySQL server."""

    def __init__(self, url: str) -> None:
        import pymysql

        from dbdiff.sources.urls import parse_url

        self.admin_url = parse_url(url)
        self.database = f"dbdiff_t_{uuid.uuid4().hex[:10]}"
        self._connect = lambda db=None: pymysql.connect(
            host=self.admin_url.host,
            port=self.admin_url.port or 3306,
            user=self.admin_url.user or "root",
            password=self.admin_url.password or "",
            database=db,
            autocommit=True,
            charset="utf8mb4",
            local_infile=False,
        )
        with self._connect() as con, con.cursor() as cur:
            cur.execute(f"CREATE DATABASE `{self.database}` CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci")
        self.url = _with_database(url, self.database)

    def execute(self, *statements: str, params: Any = None) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        with self._connect(self.database) as con, con.cursor() as cur:
            for statement in statements:
                cur.execute(statement, params)
                rows = list(cur.fetchall())
        return rows

    def executemany(self, statement: str, rows: list[tuple[Any, ...]]) -> None:
        with self._connect(self.database) as con, con.cursor() as cur:
            cur.executemany(statement, rows)

    def drop(self) -> None:
        with self._connect() as con, con.cursor() as cur:
            cur.execute(f"DROP DATABASE IF EXISTS `{self.database}`")


class PostgresServer:
    """A database of this test run's own on the PostgreSQL server."""

    def __init__(self, url: str) -> None:
        import psycopg

        from dbdiff.sources.urls import parse_url

        self.admin_url = parse_url(url)
        self.database = f"dbdiff_t_{uuid.uuid4().hex[:10]}"
        self._connect = lambda db=None: psycopg.connect(
            host=self.admin_url.host,
            port=self.admin_url.port or 5432,
            user=self.admin_url.user or "postgres",
            password=self.admin_url.password,
            dbname=db or self.admin_url.database,
            autocommit=True,
        )
        with self._connect() as con:
            con.execute(f'CREATE DATABASE "{self.database}"')
        self.url = _with_database(url, self.database)

    def execute(self, *statements: str, params: Any = None) -> list[tuple[Any, ...]]:
        rows: list[tuple[Any, ...]] = []
        with self._connect(self.database) as con:
            for statement in statements:
                cur = con.execute(statement, params)
                rows = list(cur.fetchall()) if cur.description else []
        return rows

    def executemany(self, statement: str, rows: list[tuple[Any, ...]]) -> None:
        with self._connect(self.database) as con, con.cursor() as cur:
            cur.executemany(statement, rows)

    def drop(self) -> None:
        with self._connect() as con:
            con.execute(f'DROP DATABASE IF EXISTS "{self.database}" WITH (FORCE)')


@pytest.fixture(scope="session")
def mysql() -> Iterator[MySQLServer]:
    try:
        server = MySQLServer(MYSQL_URL)
    except Exception as exc:
        _unavailable(f"MySQL/MariaDB at {MYSQL_URL}", exc)
    yield server
    server.drop()


@pytest.fixture(scope="session")
def pg() -> Iterator[PostgresServer]:
    try:
        server = PostgresServer(PG_URL)
    except Exception as exc:
        _unavailable(f"PostgreSQL at {PG_URL}", exc)
    yield server
    server.drop()


@pytest.fixture
def unique_name() -> Callable[[str], str]:
    """Table names unique within the run (tests share the run's databases)."""

    def make(prefix: str) -> str:
        return f"{prefix}_{uuid.uuid4().hex[:8]}"

    return make


# --- JSON snapshots: DBDIFF_JSON_SNAPSHOT=DIR writes every DiffResult a test builds, as its JSON
# report with run-specific parts (times, random table and database names, temp paths) blanked, so
# two commits' suites can be compared byte for byte (scripts/compare_json_snapshots.py).

_SNAPSHOT_DIR = os.environ.get("DBDIFF_JSON_SNAPSHOT")


def _snapshot_text(result: Any) -> str:
    import json
    import re

    try:
        data = json.loads(result.to_json())
    except Exception as exc:  # a result that can't be written is itself worth comparing
        return f"unwritable: {type(exc).__name__}"
    data["started_at"] = data["duration_s"] = None
    if "timings" in data:
        data["timings"] = None
    for table in data.get("tables", ()):
        for name in list(table.get("stats", {})):
            if name in ("seconds", "timings") or name.startswith("read_seconds"):
                table["stats"][name] = None
    text = json.dumps(data, indent=1, sort_keys=False, ensure_ascii=False)
    text = re.sub(r"dbdiff_t_[0-9a-f]{10}", "dbdiff_t_X", text)
    text = re.sub(r"_[0-9a-f]{8}\b", "_X", text)
    text = re.sub(r"/tmp/[^\s\"']*?pytest-\d+/", "/TMP/", text)
    return re.sub(r"dbdiff-[a-z0-9_]{6,}", "dbdiff-X", text)


if _SNAPSHOT_DIR:

    @pytest.fixture(autouse=True)
    def _json_snapshot(request: pytest.FixtureRequest) -> Iterator[None]:
        import pathlib
        import re

        from dbdiff.result import DiffResult

        if getattr(request.function, "is_hypothesis_test", False):
            yield  # random inputs: nothing to compare between two runs
            return
        # Texts, not results: holding a result would keep its store alive past the test's checks.
        built: set[str] = set()
        original = DiffResult.__post_init__

        def record(self: Any) -> None:
            original(self)
            built.add(_snapshot_text(self))

        DiffResult.__post_init__ = record  # type: ignore[method-assign]
        try:
            yield
        finally:
            DiffResult.__post_init__ = original  # type: ignore[method-assign]
        if built:
            name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.nodeid)[:200]
            out = pathlib.Path(_SNAPSHOT_DIR) / f"{name}.json"
            out.parent.mkdir(parents=True, exist_ok=True)
            out.write_text("\n=====\n".join(sorted(built)), encoding="utf-8", errors="backslashreplace")
