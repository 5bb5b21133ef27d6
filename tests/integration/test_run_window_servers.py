"""`dbdiff run` with an incremental window on the real servers: a check file whose table checks only
the rows written in the last 15 minutes (`since`, `updated_column`) and leaves out those younger
than `min_age` (still in flight between the dual writes).

Planted on a MariaDB -> PostgreSQL orders table, relative to the time the test runs:
- order 1, written 5 minutes ago, differs: inside the window, found;
- order 2, written 2 days ago, differs: outside the window, not looked at;
- order 3, written just now on the left only: younger than min_age, left out and counted in flight;
- order 4, written 3 minutes ago on the left, deleted on the right: found as only on the left;
- order 5, written 4 minutes ago on the right only (its left copy is old): found as changed, because
  the window's keys of one side are read on the other whatever their age.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import MYSQL_URL, PG_URL, MySQLServer, PostgresServer

pytestmark = pytest.mark.servers


def _ts(delta: dt.timedelta) -> str:
    return (dt.datetime.now(dt.timezone.utc) - delta).strftime("%Y-%m-%d %H:%M:%S.%f")


@pytest.fixture(scope="module")
def servers():
    try:
        left, right = MySQLServer(MYSQL_URL), PostgresServer(PG_URL)
    except Exception as exc:  # pragma: no cover - conftest's fixtures say how to start the servers
        pytest.skip(f"servers not reachable: {exc}")
    try:
        old, minutes = dt.timedelta(days=2), dt.timedelta(minutes=1)
        rows = [(i, f"{i * 10}.50", "new", _ts(old)) for i in range(1, 41)]
        left.execute(
            "SET time_zone = '+00:00'",
            "CREATE TABLE orders (id BIGINT PRIMARY KEY, amount DECIMAL(10,2), state VARCHAR(10), "
            "updated_at TIMESTAMP(6) NULL, KEY (updated_at))",
            "CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(20))",
            "INSERT INTO customers VALUES (1, 'ann'), (2, 'bob')",
        )
        right.execute(
            "CREATE TABLE orders (id BIGINT PRIMARY KEY, amount NUMERIC(10,2), state VARCHAR(10), "
            "updated_at TIMESTAMPTZ(6))",
            "CREATE INDEX ON orders (updated_at)",
            "CREATE TABLE customers (id INT PRIMARY KEY, name VARCHAR(20))",
            "INSERT INTO customers VALUES (1, 'ann'), (2, 'bob')",
        )
        left.executemany("INSERT INTO orders VALUES (%s, %s, %s, %s)", rows)
        right.executemany("INSERT INTO orders VALUES (%s, %s, %s, (%s || '+00')::timestamptz)", rows)
        left.execute(
            "SET time_zone = '+00:00'",
            f"UPDATE orders SET state = 'paid', updated_at = '{_ts(5 * minutes)}' WHERE id = 1",
            "UPDATE orders SET state = 'paid' WHERE id = 2",
            f"UPDATE orders SET state = 'paid', updated_at = '{_ts(dt.timedelta(seconds=2))}' WHERE id = 3",
            f"UPDATE orders SET updated_at = '{_ts(3 * minutes)}' WHERE id = 4",
        )
        right.execute(
            f"UPDATE orders SET state = 'shipped', updated_at = '{_ts(5 * minutes)}+00' WHERE id = 1",
            "DELETE FROM orders WHERE id = 4",
            f"UPDATE orders SET amount = 1, updated_at = '{_ts(4 * minutes)}+00' WHERE id = 5",
        )
        yield left.url, right.url
    finally:
        left.drop()
        right.drop()


CHECKFILE = """\
left: {env: DBDIFF_W_LEFT}
right: {env: DBDIFF_W_RIGHT}
tables:
  - name: orders
    since: 15m
    updated_column: updated_at
    min_age: 60s
  - customers
"""


def run(servers, directory: Path, body: str) -> tuple[subprocess.CompletedProcess, dict]:
    (directory / "dbdiff.yaml").write_text(body, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "dbdiff.cli", "run", "--json", "run.json", "--no-history", "-q"],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=directory,
        env={
            **os.environ,
            "DBDIFF_NO_PROGRESS": "1",
            "DBDIFF_W_LEFT": servers[0],
            "DBDIFF_W_RIGHT": servers[1],
        },
    )
    report = json.loads((directory / "run.json").read_text()) if (directory / "run.json").exists() else {}
    return proc, report


def test_a_window_run_sees_what_was_written_in_it_and_nothing_else(servers, tmp_path: Path) -> None:
    proc, report = run(servers, tmp_path, CHECKFILE)
    assert proc.returncode == 1, proc.stderr  # strict default thresholds: any difference fails
    assert report["verdict"] == "fail"
    tables = {t["left_table"]: t for t in report["tables"]}
    orders = tables["orders"]
    assert orders["summary"]["changed"] == 2  # orders 1 and 5
    assert orders["summary"]["only_left"] == 1  # order 4
    assert orders["summary"]["only_right"] == 0
    changed = sorted(s["key"]["id"] for s in orders["samples"]["changed"])
    assert changed == [1, 5]
    assert [s["key"]["id"] for s in orders["samples"]["only_left"]] == [4]
    window = orders["window"]
    assert window["updated_column"] == "updated_at"
    assert window["in_flight"] == 1  # order 3
    assert window["keys_compared"] == 3  # 1, 4 and 5; order 3 is in flight, order 2 is old
    # The table without a window is compared whole.
    assert tables["customers"]["summary"]["matched"] == 2
    assert tables["customers"]["verdict"] == "pass"
    assert "window" not in tables["customers"]


def test_the_same_run_without_the_window_sees_every_difference(servers, tmp_path: Path) -> None:
    body = CHECKFILE.replace("    since: 15m\n    updated_column: updated_at\n    min_age: 60s\n", "")
    proc, report = run(servers, tmp_path, body)
    assert proc.returncode == 1, proc.stderr
    orders = next(t for t in report["tables"] if t["left_table"] == "orders")
    assert sorted(s["key"]["id"] for s in orders["samples"]["changed"]) == [1, 2, 3, 5]
    assert orders["summary"]["only_left"] == 1
