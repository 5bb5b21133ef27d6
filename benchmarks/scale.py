"""Peak memory and time of `dbdiff diff` on MariaDB vs PostgreSQL at several table sizes.

For each size N it builds an 11-column `orders` table of N rows in both servers (a database of its
own, dropped at the end unless --keep): BIGINT key, INT, ENUM, TINYINT(1), DECIMAL(12,2), DOUBLE,
DATETIME(6), TIMESTAMP(6), VARCHAR(255), JSON and CHAR(36) uuid in MariaDB; bigint, integer, text,
boolean, numeric(12,2), double precision, timestamp(6), timestamptz(6), varchar(255), jsonb and
uuid in PostgreSQL. Both servers generate the rows from the id alone (INSERT ... SELECT over
seq_1_to_N / generate_series), so the sides agree without a client round trip. On the PostgreSQL
side 100 rows are deleted, 100 added and 0.1% of the rows changed in one column each (the column
cycling through all ten). Then it measures in fresh subprocesses, one at a time:

* `connectorx alone`: connectorx reading both whole tables (the same SELECT lists dbdiff uses),
  the floor any connectorx-based tool stands on (skip it with --no-reader);
* `dbdiff diff` at the given chunk sizes and worker counts, with the dbdiff of each --code
  checkout (e.g. `--code before=/path/to/old after=.`): wall time and peak RSS (the kernel's
  high-water mark of the process).

Each dbdiff run is checked against the planted differences: exact counts (only-left, only-right,
changed, matched, mismatches per column) and the first samples by key, with the same summary in
every run.

    python benchmarks/scale.py --rows 1000000 10000000 --out benchmarks/RESULTS.md
    python benchmarks/scale.py --rows 10000000 --keep ...   # then --reuse: no rebuild

Needs the servers of tests/conftest.py (DBDIFF_TEST_MYSQL_URL / DBDIFF_TEST_PG_URL); the database
is `dbdiff_bench` unless DBDIFF_BENCH_DB names another.
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

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dbdiff.sources.urls import parse_url  # noqa: E402

MYSQL = os.environ.get("DBDIFF_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test")
PG = os.environ.get("DBDIFF_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
DB = os.environ.get("DBDIFF_BENCH_DB", "dbdiff_bench")

# The PostgreSQL side differs from the MariaDB side in exactly these rows (all a function of N):
# 100 ids deleted (only_left), 100 ids added past the end (only_right), and 0.1% of the ids
# changed in one column each, the column cycling through every non-key column.
CHANGED_COLUMNS = (
    "customer_id",
    "status",
    "is_paid",
    "amount",
    "weight",
    "created_at",
    "updated_at",
    "note",
    "attrs",
    "uuid",
)
PLANTED_ROWS = 100
CHANGED_EVERY = 1000  # 0.1%


def _missing(n: int) -> list[int]:
    step = max(n // PLANTED_ROWS, 1)
    return [i * step + 17 for i in range(PLANTED_ROWS) if i * step + 17 <= n]


def _changed(n: int) -> dict[str, list[int]]:
    """Changed ids by column: every 1000th id (500, 1500, ...), the column cycling with it."""
    gone = set(_missing(n))
    by_column: dict[str, list[int]] = {c: [] for c in CHANGED_COLUMNS}
    for i in range(CHANGED_EVERY // 2, n + 1, CHANGED_EVERY):
        if i not in gone:
            by_column[CHANGED_COLUMNS[(i // CHANGED_EVERY) % len(CHANGED_COLUMNS)]].append(i)
    return by_column


def planted(n: int) -> dict[str, object]:
    """What an exact diff of the N-row tables reports."""
    by_column = _changed(n)
    changed = sorted(i for ids in by_column.values() for i in ids)
    only_right = list(range(n + 1, n + PLANTED_ROWS + 1))
    return {
        "only_left": _missing(n),
        "only_right": only_right,
        "changed": changed,
        "columns": {c: len(ids) for c, ids in by_column.items()},
    }


# One formula per column in each dialect, so both servers generate the same rows from the id
# alone (no client round trip): `s` is the id. Doubles are integer / 7 on both sides: IEEE
# division rounds the same on both, and both print the shortest round-tripping digits.
MYSQL_TABLE = (
    "CREATE TABLE {db}.orders (id BIGINT PRIMARY KEY, customer_id INT NOT NULL, "
    "status ENUM('new','paid','shipped','done','cancelled') NOT NULL, is_paid TINYINT(1) NOT NULL, "
    "amount DECIMAL(12,2) NOT NULL, weight DOUBLE, created_at DATETIME(6) NOT NULL, "
    "updated_at TIMESTAMP(6) NULL, note VARCHAR(255), attrs JSON, uuid CHAR(36) NOT NULL)"
)
MYSQL_ROWS = (
    "INSERT INTO {db}.orders SELECT s, s % 50000, "
    "ELT(1 + s % 5, 'new', 'paid', 'shipped', 'done', 'cancelled'), s % 3 = 0, "
    "(s % 1000000) / 100, CAST(s % 100003 AS DOUBLE) / 7, "
    "TIMESTAMP('2026-01-01') + INTERVAL s SECOND + INTERVAL (s % 1000000) MICROSECOND, "
    "IF(s % 4 = 0, NULL, TIMESTAMP('2026-02-01') + INTERVAL s SECOND + INTERVAL (s % 999) MICROSECOND), "
    "IF(s % 7 = 0, NULL, CONCAT('Customer ', s % 50000, ' ', MD5(s % 50000))), "
    'IF(s % 11 = 0, NULL, CONCAT(\'{{"sku": "SKU-\', s % 5000, \'", "qty": \', 1 + s % 9, '
    "', \"gift\": ', IF(s % 5 = 0, 'true', 'false'), ', \"price\": ', (s % 10000) / 4, "
    "', \"tags\": [\"', ELT(1 + s % 3, 'a', 'b', 'c'), '\", \"x\"]}}')), "
    "LOWER(CONCAT_WS('-', SUBSTR(MD5(s), 1, 8), SUBSTR(MD5(s), 9, 4), SUBSTR(MD5(s), 13, 4), "
    "SUBSTR(MD5(s), 17, 4), SUBSTR(MD5(s), 21, 12))) "
    "FROM (SELECT seq AS s FROM seq_{lo}_to_{hi}) g"
)
PG_TABLE = (
    "CREATE UNLOGGED TABLE orders (id BIGINT PRIMARY KEY, customer_id INTEGER NOT NULL, "
    "status TEXT NOT NULL, is_paid BOOLEAN NOT NULL, amount NUMERIC(12,2) NOT NULL, "
    "weight DOUBLE PRECISION, created_at TIMESTAMP(6) NOT NULL, updated_at TIMESTAMPTZ(6), "
    "note VARCHAR(255), attrs JSONB, uuid UUID NOT NULL)"
)
PG_ROWS = (
    "INSERT INTO orders SELECT s, s % 50000, "
    "(ARRAY['new','paid','shipped','done','cancelled'])[1 + s % 5], s % 3 = 0, "
    "(s % 1000000) / 100.0, (s % 100003)::float8 / 7, "
    "TIMESTAMP '2026-01-01' + s * INTERVAL '1 second' + (s % 1000000) * INTERVAL '1 microsecond', "
    "CASE WHEN s % 4 = 0 THEN NULL ELSE TIMESTAMPTZ '2026-02-01 00:00:00+00' + s * INTERVAL '1 second' "
    "+ (s % 999) * INTERVAL '1 microsecond' END, "
    "CASE WHEN s % 7 = 0 THEN NULL ELSE 'Customer ' || s % 50000 || ' ' || md5((s % 50000)::text) END, "
    'CASE WHEN s % 11 = 0 THEN NULL ELSE (\'{{"sku": "SKU-\' || s % 5000 || \'", "qty": \' || '
    "1 + s % 9 || ', \"gift\": ' || (s % 5 = 0)::text || ', \"price\": ' || (s % 10000) / 4.0 || "
    "', \"tags\": [\"' || (ARRAY['a','b','c'])[1 + s % 3] || '\", \"x\"]}}')::jsonb END, "
    "md5(s::text)::uuid "
    "FROM generate_series({lo}::bigint, {hi}) s"
)
# How each planted change alters a column on the PostgreSQL side (never to an equal value).
PG_CHANGES = {
    "customer_id": "customer_id + 1",
    "status": "CASE WHEN status = 'new' THEN 'paid' ELSE 'new' END",
    "is_paid": "NOT is_paid",
    "amount": "amount + 0.01",
    "weight": "COALESCE(weight, 0) + 0.5",
    "created_at": "created_at + INTERVAL '1 hour'",
    "updated_at": "COALESCE(updated_at, TIMESTAMPTZ '2026-01-01 00:00:00+00') + INTERVAL '1 microsecond'",
    "note": "COALESCE(note, '') || ' '",
    "attrs": "COALESCE(attrs, '{}') || '{\"qty\": 99}'",
    "uuid": "md5('changed' || id)::uuid",
}
BATCH = 1_000_000  # rows per INSERT, so no single statement holds a 10M-row transaction


def _mysql_admin():  # type: ignore[no-untyped-def]
    import pymysql

    my = parse_url(MYSQL)
    return pymysql.connect(
        host=my.host,
        port=my.port or 3306,
        user=my.user or "root",
        password=my.password or "",
        autocommit=True,
    )


def _pg(dbname: str | None = None):  # type: ignore[no-untyped-def]
    import psycopg

    pg = parse_url(PG)
    return psycopg.connect(
        host=pg.host,
        port=pg.port or 5432,
        user=pg.user or "postgres",
        password=pg.password,
        dbname=dbname or pg.database,
        autocommit=True,
    )


def urls() -> tuple[str, str]:
    return (
        replace(parse_url(MYSQL), database=DB).connection_url(),
        replace(parse_url(PG), database=DB).connection_url(),
    )


def _built_rows() -> int | None:
    """The N of the tables already built (recorded in a marker table), or None."""
    try:
        con = _pg(DB)
    except Exception:
        return None
    with con:
        try:
            row = con.execute("SELECT n FROM dbdiff_bench_built").fetchone()
        except Exception:
            return None
    return int(row[0]) if row else None


def build(n: int, *, reuse: bool = False) -> tuple[str, str]:
    """The N-row orders table in both servers (rebuilt unless `reuse` and already built for N)."""
    if reuse and _built_rows() == n:
        return urls()
    mcon = _mysql_admin()
    with mcon.cursor() as cur:
        cur.execute(f"CREATE DATABASE IF NOT EXISTS {DB}")
        cur.execute(f"USE {DB}")  # the sequence engine's seq_1_to_N tables need a current database
        cur.execute("SET time_zone = '+00:00'")  # TIMESTAMP values are written as UTC
        cur.execute(f"DROP TABLE IF EXISTS {DB}.orders")
        cur.execute(MYSQL_TABLE.format(db=DB))
        for lo in range(1, n + 1, BATCH):
            cur.execute(MYSQL_ROWS.format(db=DB, lo=lo, hi=min(lo + BATCH - 1, n)))
    mcon.close()
    with _pg() as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB,)).fetchone():
            admin.execute(f"CREATE DATABASE {DB}")
    p = planted(n)
    with _pg(DB) as con:
        con.execute("DROP TABLE IF EXISTS dbdiff_bench_built")
        con.execute("DROP TABLE IF EXISTS orders")
        con.execute(PG_TABLE)
        for lo in range(1, n + 1, BATCH):
            con.execute(PG_ROWS.format(lo=lo, hi=min(lo + BATCH - 1, n)))
        con.execute("DELETE FROM orders WHERE id = ANY(%s)", (p["only_left"],))
        for column, ids in _changed(n).items():
            con.execute(f"UPDATE orders SET {column} = {PG_CHANGES[column]} WHERE id = ANY(%s)", (ids,))
        extra = p["only_right"]
        con.execute(PG_ROWS.format(lo=extra[0], hi=extra[-1]))  # type: ignore[index]
        con.execute("ANALYZE orders")
        con.execute(f"CREATE TABLE dbdiff_bench_built AS SELECT {int(n)}::bigint AS n")
    return urls()


def measure(argv: list[str], pythonpath: str) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall seconds and peak RSS (MiB, the kernel's high-water mark) of a child process that runs
    module argv[0] with the dbdiff found in `pythonpath`."""
    wrapper = (
        "import resource, runpy, sys, time; sys.argv = sys.argv[1:]; t = time.perf_counter();\n"
        "code = 0\n"
        "try:\n    runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)\n"
        "except SystemExit as e:\n    code = e.code or 0\n"
        "peak = max(resource.getrusage(w).ru_maxrss\n"
        "           for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))\n"
        "sys.stderr.write(f'\\n@@ {time.perf_counter() - t:.3f} {peak / 1024:.1f}\\n'); sys.exit(code)"
    )
    proc = subprocess.run(
        [sys.executable, "-c", wrapper, *argv],
        capture_output=True,
        text=True,
        env={**os.environ, "DBDIFF_NO_PROGRESS": "1", "PYTHONPATH": pythonpath},
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


def check(result_path: Path, n: int, exclude: list[str]) -> dict[str, object]:
    """The run's summary, after checking that it reports exactly the planted differences."""
    report = json.loads(result_path.read_text())
    table = report["tables"][0]
    p = planted(n)
    changed_columns = {c: v for c, v in p["columns"].items() if v and c not in exclude}  # type: ignore[attr-defined]
    changed = sorted(i for c, ids in _changed(n).items() if c not in exclude for i in ids)
    limit = report["options"]["sample_limit"]
    expected = {
        "summary": {
            "rows_left": n,
            "rows_right": n - len(p["only_left"]) + len(p["only_right"]),  # type: ignore[arg-type]
            "only_left": len(p["only_left"]),  # type: ignore[arg-type]
            "only_right": len(p["only_right"]),  # type: ignore[arg-type]
            "changed": len(changed),
            "matched": n - len(p["only_left"]),  # type: ignore[arg-type]  (changed rows included)
        },
        "columns": changed_columns,
        "only_left": p["only_left"][:limit],  # type: ignore[index]
        "only_right": p["only_right"][:limit],  # type: ignore[index]
        "changed": changed[:limit],
    }
    summary = table["summary"]
    found = {
        "summary": {k: summary[k] for k in expected["summary"]},  # type: ignore[attr-defined]
        "columns": {c["name"]: c["mismatches"] for c in table["columns"] if c["mismatches"]},
        "only_left": [s["key"]["id"] for s in table["samples"]["only_left"]],
        "only_right": [s["key"]["id"] for s in table["samples"]["only_right"]],
        "changed": [s["key"]["id"] for s in table["samples"]["changed"]],
    }
    if found != expected:
        wrong = {k: (found[k], expected[k]) for k in expected if found[k] != expected[k]}
        raise AssertionError(f"wrong answer at {n} rows (found, planted): {str(wrong)[:3000]}")
    return summary  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument(
        "--runs",
        nargs="+",
        default=["100000x4", "25000x2"],
        help="CHUNKxWORKERS settings to run at every size (100000x4 is dbdiff's default)",
    )
    parser.add_argument(
        "--code",
        nargs="+",
        default=[f"current={ROOT}"],
        metavar="LABEL=DIR",
        help="run each setting with the dbdiff of each of these checkouts (before=DIR after=DIR)",
    )
    parser.add_argument("--exclude", nargs="*", default=[], help="columns to leave out of the diff")
    parser.add_argument("--no-reader", action="store_true", help="skip the connectorx-alone run")
    parser.add_argument("--out", type=Path, help="append a Markdown table of the results here")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark databases")
    parser.add_argument("--reuse", action="store_true", help="reuse tables a --keep run built for the same N")
    args = parser.parse_args()
    codes = [tuple(c.split("=", 1)) for c in args.code]

    lines = [
        f"### {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}"
        + (f", --exclude {' '.join(args.exclude)}" if args.exclude else ""),
        "",
        "| rows | run | chunk x workers | seconds | peak RSS MiB | summary |",
        "|---:|---|---|---:|---:|---|",
    ]
    try:
        for n in args.rows:
            t = time.perf_counter()
            left, right = build(n, reuse=args.reuse)
            print(f"tables of {n:,} rows per side ready in {time.perf_counter() - t:.1f} s", flush=True)
            if not args.no_reader:
                seconds, rss, proc = _reader(left, right)
                lines.append(
                    f"| {n:,} | connectorx alone (both tables, whole) | - | {seconds:.1f} | {rss:.0f} | "
                    f"{proc.stdout.strip()} rows read |"
                )
                print(lines[-1], flush=True)
            summaries = []
            for run in args.runs:
                chunk, workers = (int(x) for x in run.split("x"))
                for label, code in codes:
                    with tempfile.TemporaryDirectory() as tmp:
                        out = Path(tmp) / "r.json"
                        argv = ["dbdiff.cli", "diff", left, right, "--table", "orders"]
                        argv += ["--chunk-size", str(chunk), "--workers", str(workers)]
                        argv += [a for c in args.exclude for a in ("--exclude", c)]
                        seconds, rss, proc = measure([*argv, "--json", str(out), "--quiet"], code)
                        summary = check(out, n, args.exclude)
                    summaries.append(summary)
                    short = ", ".join(f"{k}={v}" for k, v in summary.items() if v and k != "rows_right")
                    lines.append(
                        f"| {n:,} | dbdiff diff ({label}) | {chunk:,} x {workers} | {seconds:.1f} | "
                        f"{rss:.0f} | {short} |"
                    )
                    print(lines[-1], flush=True)
            if any(s != summaries[0] for s in summaries):
                raise AssertionError(f"summaries differ between runs at {n} rows: {summaries}")
    finally:
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
    with _mysql_admin() as con, con.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {DB}")
    with _pg() as con:
        con.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
