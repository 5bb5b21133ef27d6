"""Ctrl-C on the real servers: the command ends at once, whatever it waits for."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

pytestmark = pytest.mark.servers


def test_ctrl_c_ends_a_diff_whose_query_waits_on_a_server_lock(mysql, pg, unique_name):
    """polars' own SIGINT handler (installed when it is imported) sets SA_RESTART, so a socket
    read waiting on the server went on after Ctrl-C: a query waiting on a lock kept dbdiff
    running for as long as the lock was held (10 minutes, in the attack that found it)."""
    t = unique_name("locked")
    for server in (mysql, pg):
        server.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, v INT)", f"INSERT INTO {t} VALUES (1, 1)")
    holder = mysql._connect(mysql.database)
    try:
        with holder.cursor() as cur:
            cur.execute(f"LOCK TABLES {t} WRITE")
        proc = subprocess.Popen(
            [sys.executable, "-m", "dbdiff.cli", "diff", mysql.url, pg.url, "--table", t, "--no-progress"],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
            env={**os.environ, "DBDIFF_NO_PROGRESS": "1"},
        )
        try:
            _until_a_query_waits_on(holder, t, proc)
            proc.send_signal(signal.SIGINT)
            _, err = proc.communicate(timeout=30)  # before the fix: until the lock went
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.communicate()
    finally:
        with holder.cursor() as cur:
            cur.execute("UNLOCK TABLES")
        holder.close()
    assert proc.returncode == 130, err
    assert err.strip().splitlines()[-1] == "dbdiff: interrupted"
    assert "Traceback" not in err


def _until_a_query_waits_on(holder, table: str, proc: subprocess.Popen) -> None:
    """Until another session's query on `table` waits for the lock `holder` holds."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.communicate()
        with holder.cursor() as cur:
            cur.execute("SELECT state, info FROM information_schema.processlist WHERE id <> CONNECTION_ID()")
            waiting = cur.fetchall()
        if any("lock" in (state or "").lower() and table in (info or "") for state, info in waiting):
            return
        time.sleep(0.1)
    pytest.fail("dbdiff never waited on the lock")
