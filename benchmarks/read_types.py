"""What reading a column as text costs against reading it natively, per type, on both servers.

For each type it builds a table of N rows (`id` plus one column of that type, generated inside
the server) in MariaDB and PostgreSQL (a database of its own, dropped at the end unless --keep),
then reads the column through connectorx with dbdiff's session setup twice: cast to text in the
SELECT list (`CAST(c AS CHAR)`, `c::text`) and as the column itself. For each read it records
the wall time, the client's CPU seconds (this process, every thread connectorx starts) and the
server's CPU seconds (the server processes' user + system time from /proc, when readable), and
then the client CPU of normalizing the column with dbdiff's rule for it (text is parsed, native
values are cast). The best of --runs repetitions is kept.

    python benchmarks/read_types.py --rows 1000000 --runs 3

Needs the servers of tests/conftest.py (DBDIFF_TEST_MYSQL_URL / DBDIFF_TEST_PG_URL); the database
is `dbdiff_readtypes`.
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from dataclasses import replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

# The servers and connections of scale.py (same folder): one place for both scripts.
from scale import MYSQL, PG, _pg  # noqa: E402
from scale import _mysql_admin as _mysql  # noqa: E402

from dbdiff.catalog import Column  # noqa: E402
from dbdiff.normalize import get_normalizer  # noqa: E402
from dbdiff.sources.mysql import SESSION_SETUP as MYSQL_SETUP  # noqa: E402
from dbdiff.sources.postgres import SESSION_SETUP as PG_SETUP  # noqa: E402
from dbdiff.sources.urls import parse_url  # noqa: E402

DB = "dbdiff_readtypes"

# (label, column type, generating expression over the integer `seq`, normalizer, family)
_MY_STAMP = "TIMESTAMP'2020-01-01 00:00:00' + INTERVAL seq * 1000003 MICROSECOND"
_PG_STEP = "seq * INTERVAL '1000003 microseconds'"
_PG_TZ = "TIMESTAMPTZ '2020-01-01+00' + " + _PG_STEP
MYSQL_TYPES = (
    ("DECIMAL(12,2)", "DECIMAL(12,2)", "(seq * 7919 % 100000000) / 100", "decimal", "decimal"),
    ("DATETIME(6)", "DATETIME(6)", _MY_STAMP, "timestamp", "datetime"),
    ("TIMESTAMP(6)", "TIMESTAMP(6) NULL", _MY_STAMP, "timestamp", "timestamp"),
    ("DATE", "DATE", "DATE'1990-01-01' + INTERVAL seq % 20000 DAY", "date", "date"),
)  # fmt: skip
PG_TYPES = (
    ("numeric(12,2)", "numeric(12,2)", "(seq::bigint * 7919 % 100000000) / 100.0", "decimal", "decimal"),
    ("timestamp(6)", "timestamp(6)", "TIMESTAMP '2020-01-01' + " + _PG_STEP, "timestamp", "datetime"),
    ("timestamptz(6)", "timestamptz(6)", _PG_TZ, "timestamp", "timestamp"),
    ("date", "date", "DATE '1990-01-01' + (seq % 20000)::int", "date", "date"),
    ("uuid", "uuid", "md5(seq::text)::uuid", "uuid", "uuid"),
)  # fmt: skip


def _url(base: str) -> str:
    return replace(parse_url(base), database=DB).connection_url()


def build(n: int) -> None:
    con = _mysql()
    with con.cursor() as cur:
        cur.execute(f"CREATE DATABASE IF NOT EXISTS {DB}")
        cur.execute(f"USE {DB}")
        cur.execute("SET time_zone = '+00:00'")
        for i, (_, sql_type, expr, _, _) in enumerate(MYSQL_TYPES):
            cur.execute(f"DROP TABLE IF EXISTS t{i}")
            cur.execute(f"CREATE TABLE t{i} (id BIGINT PRIMARY KEY, c {sql_type})")
            cur.execute(f"INSERT INTO t{i} SELECT seq, {expr} FROM seq_1_to_{int(n)}")
    con.close()
    with _pg() as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB,)).fetchone():
            admin.execute(f"CREATE DATABASE {DB}")
    with _pg(DB) as con:
        for i, (_, sql_type, expr, _, _) in enumerate(PG_TYPES):
            con.execute(f"DROP TABLE IF EXISTS t{i}")
            con.execute(f"CREATE TABLE t{i} (id bigint PRIMARY KEY, c {sql_type})")
            con.execute(f"INSERT INTO t{i} SELECT seq, {expr} FROM generate_series(1, {int(n)}) seq")
            con.execute(f"VACUUM ANALYZE t{i}")


def _server_cpu(names: tuple[str, ...]) -> float | None:
    """User + system CPU seconds of every process whose command is one of `names`, or None."""
    tick = os.sysconf("SC_CLK_TCK")
    total, seen = 0, False
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            comm = Path(f"/proc/{pid}/comm").read_text().strip()
            if comm not in names:
                continue
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12]) + int(fields[13]) + int(fields[14])
        seen = True
    return total / tick if seen else None


def _client_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def read_once(url: str, query: str, pre: tuple[str, ...], server: tuple[str, ...]):  # type: ignore[no-untyped-def]
    import connectorx as cx

    s0, c0, w0 = _server_cpu(server), _client_cpu(), time.perf_counter()
    table = cx.read_sql(url, query, return_type="arrow", pre_execution_query=list(pre))
    wall = time.perf_counter() - w0
    client = _client_cpu() - c0
    s1 = _server_cpu(server)
    return table, wall, client, (s1 - s0) if s0 is not None and s1 is not None else None


def normalize_cpu(table, rule: str, family: str) -> float:  # type: ignore[no-untyped-def]
    import polars as pl

    frame = pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    column = Column(name="c", native_type=family, family=family, fsp=6, scale=2, precision=12)
    norm = get_normalizer(rule)
    params = dict(norm.params)
    c0 = _client_cpu()
    try:
        frame.select(norm.convert(pl.col("c"), column, frame.schema["c"], params))
    except pl.exceptions.PolarsError:  # timestamptz text ('...+00'): dbdiff reads it natively
        return float("nan")
    return _client_cpu() - c0


def measure(side: str, n: int, runs: int) -> list[tuple[str, str, float, float, float | None, float]]:
    if side == "mysql":
        url, pre, types, server = _url(MYSQL), MYSQL_SETUP, MYSQL_TYPES, ("mariadbd", "mysqld")
    else:
        url, pre, types, server = _url(PG), PG_SETUP, PG_TYPES, ("postgres",)
    rows = []
    for i, (label, _, _, rule, family) in enumerate(types):
        text_expr = "CAST(c AS CHAR) AS c" if side == "mysql" else "c::text AS c"
        for how, expr in (("text", text_expr), ("native", "c")):
            best = None
            for _ in range(runs):
                table, wall, client, srv = read_once(url, f"SELECT {expr} FROM t{i}", pre, server)
                assert table.num_rows == n
                norm = normalize_cpu(table, rule, family)
                if best is None or wall < best[0]:
                    best = (wall, client, srv, norm)
                del table
            assert best is not None
            rows.append((label, how, *best))
            print(f"{side:6} {label:15} {how:6} wall {best[0]:6.2f}s client {best[1]:6.2f}s "
                  f"server {best[2] if best[2] is None else round(best[2], 2)}s normalize {best[3]:5.2f}s",
                  file=sys.stderr)  # fmt: skip
    return rows


def _drop() -> None:
    with _mysql() as con, con.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {DB}")
    with _pg() as admin:
        admin.execute(f"DROP DATABASE IF EXISTS {DB}")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--keep", action="store_true", help="keep the database (and reuse it with --reuse)")
    parser.add_argument("--reuse", action="store_true", help="read the tables a --keep run left")
    args = parser.parse_args()
    if not args.reuse:
        build(args.rows)
    try:
        lines = [
            "| server | type | read as | wall s | client CPU s | server CPU s | normalize CPU s |",
            "|---|---|---|---:|---:|---:|---:|",
        ]
        for side in ("mysql", "postgresql"):
            for label, how, wall, client, srv, norm in measure(side, args.rows, args.runs):
                shown = "-" if srv is None else f"{srv:.2f}"
                lines.append(
                    f"| {side} | {label} | {how} | {wall:.2f} | {client:.2f} | {shown} | {norm:.2f} |"
                )
        sys.stdout.write("\n".join(lines) + "\n")
    finally:
        if not args.keep:
            _drop()


if __name__ == "__main__":
    main()
