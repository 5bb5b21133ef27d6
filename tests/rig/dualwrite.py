"""A dual-write rig on real servers: an application that writes MariaDB first and PostgreSQL later.

`DualWrites` creates one table on both servers with the same rows, plants a few differences
that nothing ever fixes (a changed row, a row only in MariaDB, a row only in PostgreSQL), and
starts a writer process. The writer inserts, updates and deletes rows in MariaDB, each write at
once (autocommit), and applies the same write to PostgreSQL after a random delay of 0 to
`max_lag` seconds, as an application doing its second write late would. Writes to one row reach
PostgreSQL in the order they reached MariaDB; a row, once written, is left alone for `cooldown`
seconds (a row of an application's data is written now and then, not many times a second).

So at any instant a few rows differ for a moment (in flight) and the planted ones differ for
good. On `stop()` the writer applies its pending PostgreSQL writes at once: afterwards only the
planted rows differ. Used by tests/integration/test_dual_writes.py and by benchmarks/ (import
`tests.rig.dualwrite` with the repository root on `sys.path`).
"""

from __future__ import annotations

import heapq
import multiprocessing
import random
import time
from dataclasses import dataclass
from typing import Any

#: The planted differences' keys, outside the writer's keys: (key, kind as dbdiff reports it).
PLANTED = ((100_001, "changed"), (100_002, "only_left"), (100_003, "only_right"))


@dataclass(frozen=True)
class Servers:
    """Where the rig writes: a MariaDB/MySQL URL and a PostgreSQL URL (databases that exist)."""

    mysql_url: str
    pg_url: str


def _mysql(url: str) -> Any:
    import pymysql

    from dbdiff.sources.urls import parse_url

    u = parse_url(url)
    return pymysql.connect(
        host=u.host,
        port=u.port or 3306,
        user=u.user or "root",
        password=u.password or "",
        database=u.database,
        autocommit=True,
        charset="utf8mb4",
    )


def _postgres(url: str) -> Any:
    import psycopg

    from dbdiff.sources.urls import parse_url

    u = parse_url(url)
    return psycopg.connect(
        host=u.host,
        port=u.port or 5432,
        user=u.user or "postgres",
        password=u.password,
        dbname=u.database,
        autocommit=True,
    )


_INSERT = "INSERT INTO {t} (id, name, amount) VALUES (%s, %s, %s)"


class DualWrites:
    """The table `table` on both servers, `rows` rows written live by a writer process.

    Use as a context manager (`with DualWrites(servers, "orders") as rig: ...`): the writer runs
    inside, and the table is dropped on both sides after."""

    def __init__(
        self,
        servers: Servers,
        table: str,
        *,
        rows: int = 200,
        writes_per_second: float = 10.0,
        max_lag: float = 2.0,
        cooldown: float = 10.0,
        seed: int = 12,
    ) -> None:
        self.servers, self.table, self.rows = servers, table, rows
        self.settings = {
            "writes_per_second": writes_per_second,
            "max_lag": max_lag,
            "cooldown": cooldown,
            "seed": seed,
        }
        self._stop: Any = None
        self._process: Any = None

    def __enter__(self) -> DualWrites:
        self.create()
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self.stop()
        finally:
            self.drop()

    def create(self) -> None:
        """The same `rows` rows on both sides, then the planted differences."""
        t = self.table
        data = [(i, f"name {i}", f"{i}.50") for i in range(1, self.rows + 1)]
        with _mysql(self.servers.mysql_url) as con, con.cursor() as cur:
            cur.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, name VARCHAR(40), amount DECIMAL(10,2))")
            cur.executemany(_INSERT.format(t=t), data)
            cur.execute(_INSERT.format(t=t), (100_001, "planted", "1.00"))
            cur.execute(_INSERT.format(t=t), (100_002, "planted left", "2.00"))
        with _postgres(self.servers.pg_url) as con, con.cursor() as cur:
            cur.execute(f"CREATE TABLE {t} (id INTEGER PRIMARY KEY, name VARCHAR(40), amount NUMERIC(10,2))")
            cur.executemany(_INSERT.format(t=t), data)
            cur.execute(_INSERT.format(t=t), (100_001, "planted", "1.01"))
            cur.execute(_INSERT.format(t=t), (100_003, "planted right", "3.00"))

    def start(self) -> None:
        """Start the writer process (spawned: a fresh interpreter, its own connections)."""
        context = multiprocessing.get_context("spawn")
        self._stop = context.Event()
        ready = context.Event()
        self._process = context.Process(
            target=_write,
            args=(self.servers, self.table, self.rows, self.settings, self._stop, ready),
            daemon=True,
        )
        self._process.start()
        if not ready.wait(60):
            self.stop()
            raise RuntimeError("the dual-write rig's writer did not start")

    def stop(self) -> None:
        """Stop writing; the writes still on their way to PostgreSQL are applied before this returns."""
        if self._process is None:
            return
        self._stop.set()
        self._process.join(30)
        code = self._process.exitcode
        self._process = None
        if code != 0:
            raise RuntimeError(f"the dual-write rig's writer failed (exit code {code})")

    def drop(self) -> None:
        with _mysql(self.servers.mysql_url) as con, con.cursor() as cur:
            cur.execute(f"DROP TABLE IF EXISTS {self.table}")
        with _postgres(self.servers.pg_url) as con:
            con.execute(f"DROP TABLE IF EXISTS {self.table}")


def _write(servers: Servers, table: str, rows: int, settings: dict[str, Any], stop: Any, ready: Any) -> None:
    """The writer: a MariaDB write every 1/rate seconds, its PostgreSQL twin 0..max_lag s later."""
    rng = random.Random(settings["seed"])
    period = 1.0 / settings["writes_per_second"]
    max_lag, cooldown = settings["max_lag"], settings["cooldown"]
    present = set(range(1, rows + 1))
    free_at: dict[int, float] = {}  # key -> when it may be written again
    due_at: dict[int, float] = {}  # key -> when its last PostgreSQL write is due (order per key)
    pending: list[tuple[float, int, str, tuple[Any, ...]]] = []  # (due, seq, sql, params)
    seq = 0
    left, right = _mysql(servers.mysql_url), _postgres(servers.pg_url)
    insert = f"INSERT INTO {table} (id, name, amount) VALUES (%s, %s, %s)"
    update = f"UPDATE {table} SET name = %s, amount = %s WHERE id = %s"
    delete = f"DELETE FROM {table} WHERE id = %s"
    ready.set()
    next_write = time.monotonic()
    with left, right, left.cursor() as cur:
        while not stop.is_set():
            now = time.monotonic()
            if now >= next_write:
                next_write += period
                key = rng.randint(1, rows)
                if free_at.get(key, 0.0) <= now:
                    if key not in present:
                        sql, params = (
                            insert,
                            (key, f"new {rng.randint(0, 10**6)}", f"{rng.randint(0, 9999)}.25"),
                        )
                        present.add(key)
                    elif rng.random() < 0.7:
                        sql, params = (
                            update,
                            (f"upd {rng.randint(0, 10**6)}", f"{rng.randint(0, 9999)}.75", key),
                        )
                    else:
                        sql, params = delete, (key,)
                        present.discard(key)
                    cur.execute(sql, params)
                    due = max(now + rng.uniform(0.0, max_lag), due_at.get(key, 0.0))
                    due_at[key] = due
                    free_at[key] = now + cooldown
                    seq += 1
                    heapq.heappush(pending, (due, seq, sql, params))
            while pending and pending[0][0] <= time.monotonic():
                _, _, sql, params = heapq.heappop(pending)
                right.execute(sql, params)
            time.sleep(0.005)
        while pending:  # stopped: what is on its way arrives now
            _, _, sql, params = heapq.heappop(pending)
            right.execute(sql, params)
