"""Diffs during dual writes: how many differences a diff sees in flight, what rechecks keep, and the time.

It starts the dual-write rig of tests/rig/dualwrite.py (a writer that writes MariaDB at once and
PostgreSQL 0 to --lag seconds later, and three planted differences nothing fixes) on a table of
--rows rows in databases of its own, and runs --runs diffs with `--recheck ROUNDS --recheck-delay
DELAY`, printing for each what the diff found, what the rechecks called persistent, transient and
vanished, and how long it took. Every run must keep exactly the planted differences.

    python benchmarks/live.py --rows 20000 --rate 50 --runs 5 --recheck 2 --delay 1.25

Needs the servers of tests/conftest.py (DBDIFF_TEST_MYSQL_URL / DBDIFF_TEST_PG_URL).
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> int:
    import dbdiff
    from tests.conftest import MYSQL_URL, PG_URL, MySQLServer, PostgresServer
    from tests.rig.dualwrite import PLANTED, DualWrites, Servers

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--rate", type=float, default=50.0, help="writes a second")
    parser.add_argument("--lag", type=float, default=2.0, help="the largest dual-write lag, seconds")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--recheck", type=int, default=2)
    parser.add_argument("--delay", type=float, default=1.25)
    parser.add_argument("--chunk-size", type=int, default=5_000)
    args = parser.parse_args()
    planted = {(key, kind) for key, kind in PLANTED}
    mysql, pg = MySQLServer(MYSQL_URL), PostgresServer(PG_URL)
    try:
        servers = Servers(mysql.url, pg.url)
        with DualWrites(servers, "live", rows=args.rows, writes_per_second=args.rate, max_lag=args.lag):
            for run in range(1, args.runs + 1):
                started = time.perf_counter()
                result = dbdiff.diff(
                    servers.mysql_url,
                    servers.pg_url,
                    table="live",
                    chunk_size=args.chunk_size,
                    recheck=args.recheck,
                    recheck_delay=args.delay,
                )
                seconds = time.perf_counter() - started
                block = result.table().recheck or {}
                kept = {
                    (key, kind)
                    for kind in ("changed", "only_left", "only_right")
                    for key in getattr(result, kind)().get_column("id").to_list()
                }
                print(
                    f"run {run}: {seconds:.2f} s, the diff found {block.get('keys', 0)} keys; "
                    f"persistent {block.get('persistent')}, transient {block.get('transient')}, "
                    f"vanished {block.get('vanished')}; "
                    + ("exactly the planted ones kept" if kept == planted else f"KEPT {sorted(kept)}")
                )
    finally:
        mysql.drop()
        pg.drop()
    return 0


if __name__ == "__main__":  # the rig's writer is a spawned process: it imports this module again
    sys.exit(main())
