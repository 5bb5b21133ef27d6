"""Ctrl-C on the real servers: the command ends at once, whatever it waits for."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator

import pytest

pytestmark = pytest.mark.servers


@contextlib.contextmanager
def _locked(mysql, pg, table: str, sides: str) -> Iterator[None]:
    """`table` locked against readers on MariaDB, and on PostgreSQL too with `sides` "both"."""
    my = mysql._connect(mysql.database)
    pg_con = pg._connect(pg.database) if sides == "both" else None
    try:
        with my.cursor() as cur:
            cur.execute(f"LOCK TABLES {table} WRITE")
        if pg_con is not None:
            pg_con.autocommit = False
            pg_con.execute(f"LOCK TABLE {table} IN ACCESS EXCLUSIVE MODE")
        yield
    finally:
        with my.cursor() as cur:
            cur.execute("UNLOCK TABLES")
        my.close()
        if pg_con is not None:
            pg_con.rollback()
            pg_con.close()


@pytest.mark.parametrize("sides", ["one", "both"])
def test_ctrl_c_ends_a_diff_whose_queries_wait_on_server_locks(mysql, pg, unique_name, sides, tmp_path):
    """polars' own SIGINT handler (installed when it is imported) sets SA_RESTART, so a socket
    read waiting on the server went on after Ctrl-C: a query waiting on a lock kept dbdiff
    running as long as the lock was held (10 minutes, in the attack that found it). With both
    sides waiting, the other side's query cannot be interrupted at all: the process ends anyway,
    `interrupts.GRACE` seconds later."""
    t = unique_name("locked")
    for server in (mysql, pg):
        server.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, v INT)", f"INSERT INTO {t} VALUES (1, 1)")
    with _locked(mysql, pg, t, sides):
        proc = subprocess.Popen(
            [sys.executable, "-m", "dbdiff.cli", "diff", mysql.url, pg.url, "--table", t, "--no-progress"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "DBDIFF_NO_PROGRESS": "1", "TMPDIR": str(tmp_path)},
        )
        try:
            _until_a_query_waits_on(mysql, t, proc)
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=30)  # before the fix: until the locks went
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "dbdiff: interrupted"
    assert "Traceback" not in err
    assert not [p.name for p in tmp_path.iterdir() if p.name.startswith("dbdiff-")]  # no store left


def _until_a_query_waits_on(mysql, table: str, proc: subprocess.Popen) -> None:
    """Until a MariaDB session's query on `table` waits for a lock."""
    deadline = time.monotonic() + 60
    with contextlib.closing(mysql._connect(mysql.database)) as watcher:
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.communicate()
            with watcher.cursor() as cur:
                cur.execute("SELECT state, info FROM information_schema.processlist")
                waiting = cur.fetchall()
            if any("lock" in (state or "").lower() and table in (info or "") for state, info in waiting):
                return
            time.sleep(0.1)
    pytest.fail("dbdiff never waited on the lock")
