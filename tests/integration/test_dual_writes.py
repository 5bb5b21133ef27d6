"""Diffs of MariaDB and PostgreSQL while an application writes both (tests/rig/dualwrite.py).

The writer writes a row to MariaDB, and to PostgreSQL 0 to 2 s later; it leaves a row alone for
10 s once written. Three planted differences are never fixed. Ten diffs with rechecks run during
the writes (every other one followed by a diff without): every rechecked diff reports exactly the
planted differences as persistent, while the diffs themselves, before their rechecks, and the
diffs without rechecks report rows in flight besides them.

Why the rechecked diffs cannot report a row in flight as persistent (so the test is not flaky):
a row differs at the diff's read of its chunk only while a write to it is in flight, i.e. it was
written to MariaDB less than 2 s (the writer's largest lag) before that read. The last recheck
reads it at least rounds x delay = 2 x 2 = 4 s after the diff ended, so more than 2 s after that
write: the write has reached PostgreSQL, with 2 s to spare for a writer slowed by a loaded machine
(its PostgreSQL writes come late then). For the row to differ again then, another write to it must
be in flight at the last recheck's read, and the writer waits 12 s before writing a row again,
longer than the 2 s of lag plus the diff plus 4 s of delay plus a recheck. (A lag longer
than rounds x delay could make a row in flight at every read: that is what the bound is for, and
what docs/live.md tells users to size --recheck-delay by.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import pytest

import dbdiff
from tests.conftest import MySQLServer, PostgresServer
from tests.rig.dualwrite import PLANTED, DualWrites, Servers

PLANTED_KEYS = {(key, kind) for key, kind in PLANTED}


@pytest.fixture(scope="module")
def servers(mysql: MySQLServer, pg: PostgresServer) -> Servers:
    return Servers(mysql.url, pg.url)


def differing(result: dbdiff.DiffResult) -> set[tuple[int, str]]:
    """Every differing key the result's store holds, with its kind."""
    return {
        (key, kind)
        for kind in ("changed", "only_left", "only_right")
        for key in getattr(result, kind)().get_column("id").to_list()
    }


def test_rechecks_tell_the_planted_differences_from_the_writes_in_flight(servers):
    noisy_plain = noisy_diffs = 0
    with DualWrites(servers, "live_orders", rows=200, writes_per_second=10, max_lag=2.0, cooldown=12.0):
        for run in range(10):
            rechecked = dbdiff.diff(
                servers.mysql_url,
                servers.pg_url,
                table="live_orders",
                chunk_size=50,
                workers=2,
                recheck=2,
                recheck_delay=2.0,
            )
            t = rechecked.table()
            assert differing(rechecked) == PLANTED_KEYS
            assert (t.summary.changed, t.summary.only_left, t.summary.only_right) == (1, 1, 1)
            assert t.recheck is not None
            assert t.recheck["persistent"] == {"changed": 1, "only_left": 1, "only_right": 1}
            assert all(s["state"] == "persistent" for s in (*t.samples.changed, *t.samples.only_left))
            assert t.stats["chunks"] >= 3  # several chunks, read while the writer writes
            # What the diff itself found before its rechecks: the planted keys and those in flight.
            noisy_diffs += t.recheck["keys"] > len(PLANTED)
            if run % 2:  # and a diff without rechecks reports the writes in flight as differences
                plain = dbdiff.diff(
                    servers.mysql_url,
                    servers.pg_url,
                    table="live_orders",
                    chunk_size=50,
                    workers=2,
                    recheck=0,
                )
                found = differing(plain)
                assert plain.table().recheck is None and found >= PLANTED_KEYS
                noisy_plain += bool(found - PLANTED_KEYS)
    # About 10 writes a second, each in flight for a second on average: a diff sees some of them.
    assert noisy_diffs >= 5 and noisy_plain >= 3, "diffs without rechecks should see writes in flight"


def test_once_the_writes_have_landed_only_the_planted_differences_remain(servers, tmp_path):
    with DualWrites(servers, "settled_orders", rows=40, writes_per_second=20, cooldown=1.0) as rig:
        time.sleep(1.5)
        rig.stop()  # applies what was on its way
        result = dbdiff.diff(servers.mysql_url, servers.pg_url, table="settled_orders", recheck=0)
        assert differing(result) == PLANTED_KEYS
        # Two servers are rechecked by default (twice): the planted rows persist, the options say so.
        env = {k: v for k, v in os.environ.items() if k != "DBDIFF_RECHECK"}
        out = tmp_path / "r.json"
        command = [sys.executable, "-m", "dbdiff.cli", "diff", servers.mysql_url, servers.pg_url]
        command += ["-t", "settled_orders", "--recheck-delay", "0.1", "--json", str(out), "-q"]
        done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
        assert done.returncode == 1, done.stderr
        data = json.loads(out.read_text())
        assert (data["options"]["recheck"], data["options"]["recheck_delay"]) == (2, 0.1)
        block = data["tables"][0]["recheck"]
        assert (block["rounds"], block["keys"], block["persistent"]) == (
            2,
            3,
            {"changed": 1, "only_left": 1, "only_right": 1},
        )
        assert data["tables"][0]["samples"]["changed"][0]["state"] == "persistent"
