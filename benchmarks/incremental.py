"""How long an incremental check takes: a 15-minute window on the orders table of scale.py.

It builds (or, with --reuse, keeps) the N-row `orders` table of benchmarks/scale.py in both
servers, in a database of its own (`dbdiff_bench_incr` unless DBDIFF_BENCH_DB names another),
indexes `updated_at` on both sides, and then writes "the last 15 minutes" into it, as a dual-write
period would have: --writes rows spread over the key range get the same recent `updated_at` on
both sides (between 14.5 and 1.5 minutes ago), and among them, on purpose:

* 30 rows changed on the PostgreSQL side (their note), 10 rows deleted there, 10 rows inserted
  there only, and 10 rows written on the MariaDB side only (the right keeps its old updated_at);
* 20 rows written on the MariaDB side 2 seconds before the check: in flight for --min-age 30s.

The table's own planted differences (scale.py: 100 deleted, 100 added, 0.1% changed, all with old
timestamps) are outside the window and must not be seen. Then it times, in fresh processes:

* `python -c "import dbdiff.cli"`: the interpreter and import floor;
* `dbdiff explain --since 15m ...`: the planning alone (catalogs, window keys, counts, boundaries);
* `dbdiff diff --since 15m --updated-column updated_at --min-age 30s --json ...`, checked against
  exactly the window's planted differences.

    python benchmarks/incremental.py --rows 1000000 --keep
    python benchmarks/incremental.py --rows 1000000 --reuse --runs 5 --out benchmarks/RESULTS.md

Needs the servers of tests/conftest.py (DBDIFF_TEST_MYSQL_URL / DBDIFF_TEST_PG_URL).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("DBDIFF_BENCH_DB", "dbdiff_bench_incr")
sys.path.insert(0, str(Path(__file__).resolve().parent))

import scale

ROOT = scale.ROOT
DB = scale.DB
CHANGED, DELETED, INSERTED, LEFT_ONLY, IN_FLIGHT = 30, 10, 10, 10, 20


def window_ids(n: int, writes: int) -> list[int]:
    """`writes` ids spread over 1..n, none of them a row scale.py planted a difference in."""
    planted = set(scale._missing(n)) | {i for ids in scale._changed(n).values() for i in ids}
    step = max(n // (writes + 1), 1)
    ids = [i for i in range(step // 2 + 3, n + 1, step) if i not in planted]
    return ids[:writes]


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)


def repair(n: int, since: str) -> None:
    """Rows a previous run (--reuse) wrote in its window, made again as scale.py built them, so
    no difference of that window is left over (the table's own planted ones are never touched)."""
    mcon = scale._mysql_admin()
    with mcon.cursor() as cur:
        cur.execute(f"USE {DB}")
        cur.execute("SET time_zone = '+00:00'")
        cur.execute(f"SELECT id FROM orders WHERE updated_at >= '{since}'")
        ids = {int(r[0]) for r in cur.fetchall()}
    with scale._pg(DB) as con:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(f"DELETE FROM orders WHERE id > {n + 1000}")
        ids |= {int(r[0]) for r in con.execute(f"SELECT id FROM orders WHERE updated_at >= '{since}+00'")}
        if ids:
            listed = ", ".join(str(i) for i in sorted(ids))
            con.execute(f"DELETE FROM orders WHERE id IN ({listed})")
            generated = scale.PG_ROWS.replace(
                "generate_series({lo}::bigint, {hi}) s", "unnest(ARRAY[{ids}]) s"
            )
            con.execute(generated.format(ids=listed))
    if ids:
        with mcon.cursor() as cur:
            cur.execute(f"DELETE FROM orders WHERE id IN ({listed})")
            cur.execute(scale.MYSQL_ROWS.format(db=DB, lo=1, hi=n) + f" WHERE s IN ({listed})")
    mcon.close()


def write_window(n: int, writes: int) -> dict[str, object]:
    """Write the last 15 minutes into both tables; returns what a window check must report."""
    ids = window_ids(n, writes)
    changed = ids[:CHANGED]
    deleted = ids[CHANGED : CHANGED + DELETED]
    left_only = ids[CHANGED + DELETED : CHANGED + DELETED + LEFT_ONLY]
    in_flight = ids[CHANGED + DELETED + LEFT_ONLY : CHANGED + DELETED + LEFT_ONLY + IN_FLIGHT]
    inserted = list(range(n + 1001, n + 1001 + INSERTED))
    both = [i for i in ids if i not in set(left_only)]
    repair(n, (utcnow() - dt.timedelta(days=1)).isoformat(sep=" ", timespec="seconds"))
    base = (utcnow() - dt.timedelta(minutes=14, seconds=30)).isoformat(sep=" ", timespec="seconds")
    listed = lambda values: ", ".join(str(int(v)) for v in values)  # noqa: E731
    mcon = scale._mysql_admin()
    with mcon.cursor() as cur:
        cur.execute(f"USE {DB}")
        cur.execute("SET time_zone = '+00:00'")
        cur.execute(
            f"UPDATE orders SET updated_at = TIMESTAMP('{base}') + INTERVAL (id % 780) SECOND "
            f"WHERE id IN ({listed(ids)})"
        )
        cur.execute(f"UPDATE orders SET note = 'written on the left only' WHERE id IN ({listed(left_only)})")
    mcon.close()
    with scale._pg(DB) as con:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(
            f"UPDATE orders SET updated_at = TIMESTAMPTZ '{base}+00' + (id % 780) * INTERVAL '1 second' "
            f"WHERE id IN ({listed(both)})"
        )
        con.execute(
            f"UPDATE orders SET note = COALESCE(note, '') || ' (window)' WHERE id IN ({listed(changed)})"
        )
        con.execute(f"DELETE FROM orders WHERE id IN ({listed(deleted)})")
        con.execute(scale.PG_ROWS.format(lo=inserted[0], hi=inserted[-1]))
        con.execute(
            f"UPDATE orders SET updated_at = TIMESTAMPTZ '{base}+00' WHERE id IN ({listed(inserted)})"
        )
    # Last, so they are still younger than --min-age when the check runs.
    fresh = (utcnow() - dt.timedelta(seconds=2)).isoformat(sep=" ", timespec="seconds")
    mcon = scale._mysql_admin()
    with mcon.cursor() as cur:
        cur.execute(f"USE {DB}")
        cur.execute("SET time_zone = '+00:00'")
        cur.execute(
            f"UPDATE orders SET updated_at = '{fresh}', note = 'in flight' WHERE id IN ({listed(in_flight)})"
        )
    mcon.close()
    return {
        "changed": sorted([*changed, *left_only]),
        "only_left": deleted,
        "only_right": inserted,
        "in_flight": len(in_flight),
        "keys_compared": len(ids) - len(in_flight) + len(inserted),
    }


def index_updated_at() -> None:
    """An index on updated_at on both sides (the benchmark's own tables only)."""
    mcon = scale._mysql_admin()
    with mcon.cursor() as cur:
        cur.execute(
            "SELECT COUNT(*) FROM information_schema.STATISTICS WHERE TABLE_SCHEMA = %s "
            "AND TABLE_NAME = 'orders' AND INDEX_NAME = 'orders_updated_at'",
            (DB,),
        )
        if not cur.fetchone()[0]:
            cur.execute(f"CREATE INDEX orders_updated_at ON {DB}.orders (updated_at)")
    mcon.close()
    with scale._pg(DB) as con:
        con.execute("CREATE INDEX IF NOT EXISTS orders_updated_at ON orders (updated_at)")
        con.execute("ANALYZE orders")


def check(report: dict, expected: dict[str, object]) -> dict[str, object]:
    table = report["tables"][0]
    window = table["window"]
    found = {
        "changed": sorted(s["key"]["id"] for s in table["samples"]["changed"]),
        "only_left": sorted(s["key"]["id"] for s in table["samples"]["only_left"]),
        "only_right": sorted(s["key"]["id"] for s in table["samples"]["only_right"]),
        "in_flight": window["in_flight"],
        "keys_compared": window["keys_compared"],
    }
    if found != expected:
        wrong = {k: (found[k], expected[k]) for k in expected if found[k] != expected[k]}
        raise AssertionError(f"wrong answer (found, planted): {str(wrong)[:3000]}")
    return window


def timed(argv: list[str]) -> tuple[float, subprocess.CompletedProcess]:
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, *argv],
        capture_output=True,
        text=True,
        env={**os.environ, "DBDIFF_NO_PROGRESS": "1", "PYTHONPATH": str(ROOT)},
    )
    return time.perf_counter() - started, proc


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--writes", type=int, default=3000, help="rows written in the window")
    parser.add_argument("--runs", type=int, default=3, help="timed runs of each command")
    parser.add_argument("--out", type=Path, help="append a Markdown table of the results here")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark databases")
    parser.add_argument("--reuse", action="store_true", help="reuse tables a --keep run built for the same N")
    args = parser.parse_args()
    n = args.rows
    lines = [
        f"### {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, {n:,} rows, "
        f"{args.writes:,} rows written in the window",
        "",
        "| rows | run | seconds | result |",
        "|---:|---|---:|---|",
    ]
    try:
        t = time.perf_counter()
        left, right = scale.build(n, reuse=args.reuse)
        index_updated_at()
        print(f"tables of {n:,} rows per side ready in {time.perf_counter() - t:.1f} s", flush=True)
        window = ["--table", "orders", "--since", "15m", "--updated-column", "updated_at", "--min-age", "30s"]
        for run in range(args.runs):
            expected = write_window(n, args.writes)
            with tempfile.TemporaryDirectory() as tmp:
                out = Path(tmp) / "r.json"
                seconds, proc = timed(
                    ["-m", "dbdiff.cli", "diff", left, right, *window, "--json", str(out), "-q"]
                )
                if proc.returncode not in (0, 1):
                    raise RuntimeError(f"diff failed: {proc.stderr[-2000:]}")
                w = check(json.loads(out.read_text()), expected)
            shown = ", ".join(
                f"{k}={w[k]}" for k in ("keys_left", "keys_right", "keys_compared", "in_flight")
            )
            load = os.getloadavg()[0]
            lines.append(
                f"| {n:,} | dbdiff diff --since 15m (run {run + 1}) | {seconds:.2f} | {shown}; exact; "
                f"load {load:.1f} |"
            )
            print(lines[-1], flush=True)
            seconds, proc = timed(["-c", "import dbdiff.cli"])
            lines.append(f"| {n:,} | import dbdiff.cli | {seconds:.2f} | |")
            print(lines[-1], flush=True)
            seconds, proc = timed(["-m", "dbdiff.cli", "explain", left, right, *window])
            if proc.returncode != 0:
                raise RuntimeError(f"explain failed: {proc.stderr[-2000:]}")
            lines.append(f"| {n:,} | dbdiff explain (planning only) | {seconds:.2f} | |")
            print(lines[-1], flush=True)
    finally:
        if args.out:
            with args.out.open("a", encoding="utf-8") as f:
                f.write("\n".join(lines) + "\n\n")
        if not args.keep:
            scale._drop()


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
