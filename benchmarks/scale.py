"""Peak memory and time of `dbdiff diff` on MariaDB vs PostgreSQL at several table sizes.

For each size N it builds an `orders` table of N rows in both servers (a database of its own,
dropped at the end unless --keep), plants differences on the PostgreSQL side, then measures in
fresh subprocesses, one at a time:

* `connectorx alone`: connectorx reading both whole tables (the same SELECT lists dbdiff uses),
  the floor any connectorx-based tool stands on;
* `dbdiff diff` at the given chunk sizes and worker counts: wall time and peak RSS.

Each dbdiff run is checked against the planted differences: it must report exactly those rows
and columns, with the same summary at every chunk size and worker count.

    python benchmarks/scale.py --rows 1000000 10000000 --out benchmarks/results.md

Needs the servers of tests/conftest.py (DBDIFF_TEST_MYSQL_URL / DBDIFF_TEST_PG_URL).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from dbdiff.sources.urls import parse_url

MYSQL = os.environ.get("DBDIFF_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test")
PG = os.environ.get("DBDIFF_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
DB = "dbdiff_bench"

MISSING = (7, 123_457)  # ids deleted on the right (only_left), plus the last id
CHANGED_AMOUNT = (11, 250_001)
CHANGED_STATUS = (99,)
CHANGED_TIME = (5_000,)


def planted(n: int) -> dict[str, object]:
    missing = sorted({i for i in MISSING if i <= n} | {n})
    changed = sorted({i for i in CHANGED_AMOUNT + CHANGED_STATUS + CHANGED_TIME if i <= n} - set(missing))
    return {
        "only_left": missing,
        "only_right": [n + 1, n + 2],
        "changed": changed,
        "columns": {
            "amount": len([i for i in CHANGED_AMOUNT if i in changed]),
            "status": len([i for i in CHANGED_STATUS if i in changed]),
            "created_at": len([i for i in CHANGED_TIME if i in changed]),
        },
    }


def build(n: int) -> tuple[str, str]:
    import psycopg
    import pymysql

    my, pg = parse_url(MYSQL), parse_url(PG)
    mcon = pymysql.connect(
        host=my.host,
        port=my.port or 3306,
        user=my.user or "root",
        password=my.password or "",
        autocommit=True,
    )
    with mcon.cursor() as cur:
        cur.execute(f"CREATE DATABASE IF NOT EXISTS {DB}")
        cur.execute(f"USE {DB}")  # the sequence engine's seq_1_to_N tables need a current database
        cur.execute(f"DROP TABLE IF EXISTS {DB}.orders")
        cur.execute(
            f"CREATE TABLE {DB}.orders (id BIGINT PRIMARY KEY, customer_id INT NOT NULL, status VARCHAR(16), "
            "amount DECIMAL(12,2), is_paid TINYINT(1), created_at DATETIME(6), note VARCHAR(64))"
        )
        cur.execute(
            f"INSERT INTO {DB}.orders SELECT seq, seq % 50000, "
            "ELT(1 + seq % 4, 'new', 'paid', 'shipped', 'done'), "
            "(seq % 100000) / 100, seq % 3 = 0, "
            "TIMESTAMP('2026-01-01') + INTERVAL seq SECOND + INTERVAL (seq % 1000) MICROSECOND, "
            f"IF(seq % 7 = 0, NULL, CONCAT('note ', seq)) FROM seq_1_to_{n}"
        )
    mcon.close()
    admin = psycopg.connect(
        host=pg.host,
        port=pg.port or 5432,
        user=pg.user or "postgres",
        password=pg.password,
        dbname=pg.database,
        autocommit=True,
    )
    exists = admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB,)).fetchone()
    if not exists:
        admin.execute(f"CREATE DATABASE {DB}")
    admin.close()
    con = psycopg.connect(
        host=pg.host,
        port=pg.port or 5432,
        user=pg.user or "postgres",
        password=pg.password,
        dbname=DB,
        autocommit=True,
    )
    p = planted(n)
    con.execute("DROP TABLE IF EXISTS orders")
    con.execute(
        "CREATE UNLOGGED TABLE orders (id BIGINT PRIMARY KEY, customer_id INT NOT NULL, status TEXT, "
        "amount NUMERIC(12,2), is_paid BOOLEAN, created_at TIMESTAMP(6), note TEXT)"
    )
    con.execute(
        "INSERT INTO orders SELECT g, g % 50000, (ARRAY['new','paid','shipped','done'])[1 + g % 4], "
        "(g % 100000) / 100.0, g % 3 = 0, "
        "TIMESTAMP '2026-01-01' + g * INTERVAL '1 second' + (g % 1000) * INTERVAL '1 microsecond', "
        "CASE WHEN g % 7 = 0 THEN NULL ELSE 'note ' || g END "
        f"FROM generate_series(1, {n}) g"
    )
    con.execute("DELETE FROM orders WHERE id = ANY(%s)", (p["only_left"],))
    con.execute("UPDATE orders SET amount = amount + 0.01 WHERE id = ANY(%s)", (list(CHANGED_AMOUNT),))
    con.execute("UPDATE orders SET status = upper(status) WHERE id = ANY(%s)", (list(CHANGED_STATUS),))
    con.execute(
        "UPDATE orders SET created_at = created_at + INTERVAL '1 hour' WHERE id = ANY(%s)",
        (list(CHANGED_TIME),),
    )
    con.execute(
        f"INSERT INTO orders VALUES ({n + 1}, 1, 'new', 1, false, now(), NULL), "
        f"({n + 2}, 2, 'new', 2, true, now(), 'x')"
    )
    con.execute("ANALYZE orders")
    con.close()
    return (replace(my, database=DB).connection_url(), replace(pg, database=DB).connection_url())


def measure(argv: list[str]) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall seconds and peak RSS (MiB) of a child process."""
    wrapper = (
        "import resource, runpy, sys, time; sys.argv = sys.argv[1:]; t = time.perf_counter();\n"
        "code = 0\n"
        "try:\n    runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)\n"
        "except SystemExit as e:\n    code = e.code or 0\n"
        "sys.stderr.write(f'\\n@@ {time.perf_counter() - t:.3f} '"
        " f'{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}\\n'); sys.exit(code)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", wrapper, *argv],
        capture_output=True,
        text=True,
        env={**os.environ, "DBDIFF_NO_PROGRESS": "1"},
    )
    marker = [line for line in proc.stderr.splitlines() if line.startswith("@@ ")]
    if not marker:
        raise RuntimeError(f"{argv} failed: {proc.stderr[-2000:]}")
    seconds, rss = marker[-1].split()[1:]
    return float(seconds), float(rss), proc


READER = """
import sys, connectorx as cx
from dbdiff.sources.base import open_source
from dbdiff.sources.mysql import SESSION_SETUP as MY
from dbdiff.sources.postgres import SESSION_SETUP as PG
left, right = open_source(sys.argv[1]), open_source(sys.argv[2])
rows = 0
for src, pre in ((left, MY), (right, PG)):
    schema = src.introspect("orders")
    select = ", ".join(src.sql.select_expr(c) for c in schema.columns)
    rows += cx.read_sql(src.url.connection_url(), f"SELECT {select} FROM orders", return_type="arrow",
                        pre_execution_query=list(pre)).num_rows
print(rows)
"""


def check(result_path: Path, n: int) -> dict[str, object]:
    report = json.loads(result_path.read_text())
    table = report["tables"][0]
    p = planted(n)
    found = {
        "only_left": [s["key"]["id"] for s in table["samples"]["only_left"]],
        "only_right": [s["key"]["id"] for s in table["samples"]["only_right"]],
        "changed": [s["key"]["id"] for s in table["samples"]["changed"]],
        "columns": {c["name"]: c["mismatches"] for c in table["columns"] if c["mismatches"]},
    }
    expected = dict(p, columns={k: v for k, v in p["columns"].items() if v})  # type: ignore[arg-type]
    if found != expected:
        raise AssertionError(f"wrong answer at {n} rows: found {found}, planted {expected}")
    return table["summary"]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument(
        "--runs",
        nargs="+",
        default=["100000x4", "25000x2", "400000x1"],
        help="CHUNKxWORKERS settings to run at every size",
    )
    parser.add_argument("--out", type=Path, help="append a Markdown table of the results here")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark databases")
    args = parser.parse_args()

    lines = [
        f"### {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}",
        "",
        "| rows | run | chunk x workers | seconds | peak RSS MiB | summary |",
        "|---:|---|---|---:|---:|---|",
    ]
    for n in args.rows:
        t = time.perf_counter()
        left, right = build(n)
        print(f"built {n:,} rows per side in {time.perf_counter() - t:.1f} s", flush=True)
        seconds, rss, proc = _reader(left, right)
        lines.append(
            f"| {n:,} | connectorx alone (both tables, whole) | - | {seconds:.1f} | {rss:.0f} | "
            f"{proc.stdout.strip()} rows read |"
        )
        print(lines[-1], flush=True)
        summaries = []
        for run in args.runs:
            chunk, workers = (int(x) for x in run.split("x"))
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "r.json"
                seconds, rss, proc = measure(
                    [
                        "dbdiff.cli",
                        "diff",
                        left,
                        right,
                        "--table",
                        "orders",
                        "--chunk-size",
                        str(chunk),
                        "--workers",
                        str(workers),
                        "--json",
                        str(out),
                        "--quiet",
                    ]
                )
                summary = check(out, n)
            summaries.append(summary)
            short = ", ".join(f"{k}={v}" for k, v in summary.items() if v and k != "rows_right")
            lines.append(
                f"| {n:,} | dbdiff diff | {chunk:,} x {workers} | {seconds:.1f} | {rss:.0f} | {short} |"
            )
            print(lines[-1], flush=True)
        if any(s != summaries[0] for s in summaries):
            raise AssertionError(f"summaries differ between chunkings at {n} rows: {summaries}")
    if args.out:
        with args.out.open("a", encoding="utf-8") as f:
            f.write("\n".join(lines) + "\n\n")
    if not args.keep:
        _drop()


def _reader(left: str, right: str) -> tuple[float, float, subprocess.CompletedProcess]:
    wrapper = (
        "import resource, sys, time; t = time.perf_counter()\n"
        f"exec(compile({READER!r}, 'reader', 'exec'))\n"
        "sys.stderr.write(f'\\n@@ {time.perf_counter() - t:.3f} '"
        " f'{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}\\n')"
    )
    proc = subprocess.run([sys.executable, "-c", wrapper, left, right], capture_output=True, text=True)
    marker = [line for line in proc.stderr.splitlines() if line.startswith("@@ ")]
    if not marker:
        raise RuntimeError(f"connectorx reader failed: {proc.stderr[-2000:]}")
    seconds, rss = marker[-1].split()[1:]
    return float(seconds), float(rss), proc


def _drop() -> None:
    import psycopg
    import pymysql

    my, pg = parse_url(MYSQL), parse_url(PG)
    with (
        pymysql.connect(
            host=my.host,
            port=my.port or 3306,
            user=my.user or "root",
            password=my.password or "",
            autocommit=True,
        ) as con,
        con.cursor() as cur,
    ):
        cur.execute(f"DROP DATABASE IF EXISTS {DB}")
    with psycopg.connect(
        host=pg.host,
        port=pg.port or 5432,
        user=pg.user or "postgres",
        password=pg.password,
        dbname=pg.database,
        autocommit=True,
    ) as con:
        con.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
