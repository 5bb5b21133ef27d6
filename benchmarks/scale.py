"""Time and peak memory of `dbdiff diff` against the connectorx floor, MariaDB vs PostgreSQL.

For each size N (1M, 10M, 50M, ...) it builds issue 13's `orders` table of N rows in both servers,
in a database of its own (dropped at the end unless --keep), MariaDB -> PostgreSQL:

    id BIGINT PRIMARY KEY            bigint PRIMARY KEY
    customer_id INT                  integer
    status ENUM(4 values)            text
    is_priority TINYINT(1)           boolean            (10% true)
    amount DECIMAL(12,2)             numeric(12,2)
    weight DOUBLE                    double precision   (full precision: a ratio of two integers)
    created_at DATETIME(6)           timestamp(6)
    updated_at TIMESTAMP(6) NULL     timestamptz(6)     (5% NULL)
    note VARCHAR(255)                varchar(255)       (15% NULL, 1% empty, non-ASCII words)
    payload JSON                     jsonb              (10% NULL, else {"sku":"SKU-01234","qty":3,
                                                         "tags":["red","blue"]}, compact in MariaDB)
    tracking_code CHAR(36)           uuid

Both servers generate every row from its id alone (INSERT ... SELECT over seq_lo_to_hi /
generate_series, batches of 1M rows, both servers at once), with the same integer hash of the id,
so the build is deterministic and needs no client round trip. Timestamps are written as UTC
whatever the session or server zone (time_zone '+00:00' on MariaDB, explicit +00 literals plus
second and microsecond intervals on PostgreSQL). After the build a sample of rows is read back
from both sides and compared value by value (doubles bit for bit, JSON as parsed documents, the
instants of the zoned timestamps), and the sizes on disk are printed.

On the PostgreSQL side 100 rows are deleted, 100 added past the end and 0.1% of the rows changed
in one column each, the column cycling through amount, status, note and updated_at. Then it
measures, each in a fresh subprocess, one after the other:

* the floor: connectorx reading both whole tables one after the other with a plain SELECT of every
  column (`payload::text` is the only cast; on MariaDB `SET time_zone='+00:00'` first). Above 10M
  rows each table is read in 10M-row key ranges one after the other, so the floor itself does not
  need 10+ GB of memory. `--readers dbdiff` adds a reader of dbdiff's own SELECT lists;
* `dbdiff diff` at the given chunk sizes and worker counts, with the dbdiff of each --code
  checkout (e.g. `--code before=/path/to/old after=.`): wall time, ratio to the floor and peak RSS
  (the kernel's high-water mark of the process), and, when the JSON report has them, the seconds
  per phase (`timings`).

Every line also gives the process's CPU seconds and the whole machine's busy core-seconds during
it (from /proc/stat: the servers' work and anything else running). On a virtual machine whose
host takes CPU time away ("steal" in top) wall times drift by a fifth within the hour; CPU seconds
drift less, and a list of --code labels may repeat (`before=A after=B before=A after=B`) so that
the runs of each interleave.

Before the floor is timed, the first reader reads both tables once, untimed, to warm both
servers' caches. Each dbdiff run is checked against the planted differences: exact counts
(only-left, only-right, changed, matched, mismatches per column) and the first samples by key,
with the same summary in every run.

    python benchmarks/scale.py --rows 1000000 10000000 --out benchmarks/RESULTS.md
    python benchmarks/scale.py --rows 50000000 --runs 100000x4 --keep   # then --reuse: no rebuild

`--rounds N` repeats the floor and the dbdiff runs N times, each dbdiff run divided by the floor
read just before it, and ends with each run's ratios, their median and the worst: on a machine
whose speed drifts within the hour, one ratio shows little.

Needs the servers of tests/conftest.py (DBDIFF_TEST_MYSQL_URL / DBDIFF_TEST_PG_URL); the database
is `dbdiff_bench` unless DBDIFF_BENCH_DB names another. --reuse rebuilds tables built for another
N or by another version of this script (a fingerprint of the table's SQL is stored with them).
"""

from __future__ import annotations

import argparse
import datetime as dt
import decimal
import hashlib
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, replace
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from dbdiff.sources.urls import parse_url  # noqa: E402

MYSQL = os.environ.get("DBDIFF_TEST_MYSQL_URL", "mysql://root@127.0.0.1:3306/test")
PG = os.environ.get("DBDIFF_TEST_PG_URL", "postgresql://postgres@127.0.0.1:5432/test")
DB = os.environ.get("DBDIFF_BENCH_DB", "dbdiff_bench")

COLUMNS = (
    "id",
    "customer_id",
    "status",
    "is_priority",
    "amount",
    "weight",
    "created_at",
    "updated_at",
    "note",
    "payload",
    "tracking_code",
)
# The PostgreSQL side differs from the MariaDB side in exactly these rows (all a function of N):
# 100 ids deleted (only_left), 100 ids added past the end (only_right), and 0.1% of the ids
# changed in one column each, the column cycling through these four.
CHANGED_COLUMNS = ("amount", "status", "note", "updated_at")
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


# --- The rows, one formula per column in each dialect ---------------------------------------
# Every pseudo-random choice is a slice of h(k) = ((s*a + b) mod P)^2 + c mod P, an integer
# hash of the id `s` that both servers compute exactly (every product stays below 2^63).
# Slices are taken as (h DIV d) % m with d * m far below 2^31 (so each is close to uniform), and
# no two columns read the same bits of one hash.
_P = 2147483647  # 2^31 - 1
_HASHES = (
    (1103515245, 12345, 7),
    (1664525, 1013904223, 11),
    (22695477, 1, 13),
    (214013, 2531011, 17),
    (134775813, 1, 19),
    (69069, 362437, 23),
    (1140671485, 12820163, 29),
    (48271, 16807, 31),
    (40692, 2147483399, 37),
    (16807, 97, 41),
)
_STATUSES = ("pending", "paid", "shipped", "cancelled")
_WORDS = (
    "café", "Zürich", "東京", "naïve", "crème brûlée", "São Paulo", "Øresund", "smörgåsbord",
    "München", "Kraków", "façade", "jalapeño", "Αθήνα", "Москва", "delivery", "fragile",
)  # fmt: skip
_TAGS = ("red", "blue", "green", "black", "white", "gift", "fragile", "été")
_CREATED = 2 * 365 * 86400  # created_at: 2024-01-01 plus up to two years


class _Dialect:
    """How one server spells the few operations the row formulas use."""

    def __init__(self, div: str, pick: Callable[[str, tuple[str, ...]], str]) -> None:
        self.div, self.pick = div, pick

    def part(self, k: int, mod: int, div: int = 1) -> str:
        """(h(k) DIV div) % mod."""
        a, b, c = _HASHES[k]
        x = f"((s * {a} + {b}) % {_P})"
        h = f"(({x} * {x} + {c}) % {_P})"
        return f"({h} % {mod})" if div == 1 else f"(({h} {self.div} {div}) % {mod})"


def _quoted(words: tuple[str, ...]) -> list[str]:
    return ["'" + w.replace("'", "''") + "'" for w in words]


_MY = _Dialect("DIV", lambda i, words: f"ELT(1 + {i}, {', '.join(_quoted(words))})")
_PG = _Dialect("/", lambda i, words: f"(ARRAY[{', '.join(_quoted(words))}])[1 + {i}]")


def _rows_select(d: _Dialect, my: bool) -> str:
    """The SELECT list of one server's row formulas (without FROM)."""
    concat = (lambda *xs: f"CONCAT({', '.join(xs)})") if my else (lambda *xs: " || ".join(xs))
    created_s, created_us = d.part(3, _CREATED), d.part(4, 1_000_000)
    updated_s = f"{created_s} + {d.part(5, 30 * 86400)}"  # up to 30 days after created_at
    updated_us = d.part(6, 1_000_000)
    updated_bucket = d.part(4, 20, 10**6)  # 0: NULL (5%)
    note_bucket = d.part(8, 100, 1009)  # < 15: NULL, 15: empty
    payload_bucket = d.part(8, 10, 100_900)  # 0: NULL (10%)
    words = [d.pick(d.part(6, 16, 10**6), _WORDS), d.pick(d.part(8, 16, 1_009_000), _WORDS),
             d.pick(d.part(9, 16), _WORDS)]  # fmt: skip
    tags = [d.pick(d.part(7, 8, 3_600_000), _TAGS), d.pick(d.part(9, 8, 16), _TAGS),
            d.pick(d.part(9, 8, 128), _TAGS)]  # fmt: skip
    tag_lists = ["'[]'"] + [
        concat("'[\"'", *[x for t in tags[:m] for x in (t, "'\",\"'")][:-1], "'\"]'") for m in (1, 2, 3)
    ]
    if my:
        sku = f"LPAD({d.part(7, 100_000)}, 5, '0')"
        qty = f"1 + {d.part(7, 9, 100_000)}"
    else:
        sku = f"lpad({d.part(7, 100_000)}::text, 5, '0')"
        qty = f"(1 + {d.part(7, 9, 100_000)})::text"
    ntags = d.part(7, 4, 900_000)
    tag_case = "CASE " + " ".join(f"WHEN {ntags} = {m} THEN {t}" for m, t in enumerate(tag_lists[:3]))
    document = concat(
        '\'{"sku":"SKU-\'',
        sku,
        '\'","qty":\'',
        qty,
        "',\"tags\":'",
        f"{tag_case} ELSE {tag_lists[3]} END",
        "'}'",
    )
    weight = f"CAST({d.part(2, 1_000_003)} AS DOUBLE) / CAST(1 + {d.part(8, 1009)} AS DOUBLE)"
    if my:
        epoch = "TIMESTAMP'2024-01-01 00:00:00'"
        note_words = f"CONCAT_WS(' ', {', '.join(words)})"
        cols = [
            "s",
            f"1 + {d.part(0, 200_000)}",
            d.pick(d.part(0, 4, 200_000), _STATUSES),
            f"{d.part(0, 10, 800_000)} = 0",
            f"{d.part(1, 10**7)} / 100",
            weight,
            f"{epoch} + INTERVAL {created_s} SECOND + INTERVAL {created_us} MICROSECOND",
            f"IF({updated_bucket} = 0, NULL, {epoch} + INTERVAL ({updated_s}) SECOND "
            f"+ INTERVAL {updated_us} MICROSECOND)",
            f"CASE WHEN {note_bucket} < 15 THEN NULL WHEN {note_bucket} = 15 THEN '' ELSE {note_words} END",
            f"IF({payload_bucket} = 0, NULL, {document})",
            "INSERT(INSERT(INSERT(INSERT(MD5(s), 9, 0, '-'), 14, 0, '-'), 19, 0, '-'), 24, 0, '-')",
        ]
    else:
        note_words = f"concat_ws(' ', {', '.join(words)})"
        cols = [
            "s",
            f"1 + {d.part(0, 200_000)}",
            d.pick(d.part(0, 4, 200_000), _STATUSES),
            f"{d.part(0, 10, 800_000)} = 0",
            f"{d.part(1, 10**7)} / 100.0",
            weight.replace("AS DOUBLE", "AS DOUBLE PRECISION"),
            f"TIMESTAMP '2024-01-01 00:00:00' + {created_s} * INTERVAL '1 second' "
            f"+ {created_us} * INTERVAL '1 microsecond'",
            f"CASE WHEN {updated_bucket} = 0 THEN NULL ELSE TIMESTAMPTZ '2024-01-01 00:00:00+00' "
            f"+ ({updated_s}) * INTERVAL '1 second' + {updated_us} * INTERVAL '1 microsecond' END",
            f"CASE WHEN {note_bucket} < 15 THEN NULL WHEN {note_bucket} = 15 THEN '' ELSE {note_words} END",
            f"CASE WHEN {payload_bucket} = 0 THEN NULL ELSE ({document})::jsonb END",
            "md5(s::text)::uuid",
        ]
    # Braces of the JSON literals escaped for str.format, which fills {db}, {lo} and {hi}.
    return "SELECT " + ", ".join(cols).replace("{", "{{").replace("}", "}}")


MYSQL_TABLE = (
    "CREATE TABLE {db}.orders (id BIGINT PRIMARY KEY, customer_id INT NOT NULL, "
    f"status ENUM({', '.join(_quoted(_STATUSES))}) NOT NULL, is_priority TINYINT(1) NOT NULL, "
    "amount DECIMAL(12,2) NOT NULL, weight DOUBLE NOT NULL, created_at DATETIME(6) NOT NULL, "
    "updated_at TIMESTAMP(6) NULL, note VARCHAR(255), payload JSON, tracking_code CHAR(36) NOT NULL) "
    "CHARACTER SET utf8mb4"
)
# `WHERE s IN (...)` may be appended (benchmarks/incremental.py remakes single rows that way).
MYSQL_ROWS = (
    "INSERT INTO {db}.orders " + _rows_select(_MY, True) + " FROM (SELECT seq AS s FROM seq_{lo}_to_{hi}) g"
)
PG_TABLE = (
    "CREATE UNLOGGED TABLE orders (id BIGINT NOT NULL, customer_id INTEGER NOT NULL, "
    "status TEXT NOT NULL, is_priority BOOLEAN NOT NULL, amount NUMERIC(12,2) NOT NULL, "
    "weight DOUBLE PRECISION NOT NULL, created_at TIMESTAMP(6) NOT NULL, updated_at TIMESTAMPTZ(6), "
    "note VARCHAR(255), payload JSONB, tracking_code UUID NOT NULL)"
)
PG_ROWS = "INSERT INTO orders " + _rows_select(_PG, False) + " FROM generate_series({lo}::bigint, {hi}) s"
# How each planted change alters a column on the PostgreSQL side (never to an equal value).
PG_CHANGES = {
    "amount": "amount + 0.01",
    "status": "CASE WHEN status = 'paid' THEN 'shipped' ELSE 'paid' END",
    "note": "CASE WHEN note IS NULL OR note = '' THEN 'révisé' ELSE note || ' (révisé)' END",
    "updated_at": "COALESCE(updated_at + INTERVAL '1 microsecond', TIMESTAMPTZ '2025-06-30 12:00:00+00')",
}
BATCH = 1_000_000  # rows per INSERT, so no single statement holds a 10M-row transaction
# Changes whenever the table or its differences would: --reuse rebuilds tables of another layout.
LAYOUT = hashlib.sha256(
    repr((MYSQL_TABLE, MYSQL_ROWS, PG_TABLE, PG_ROWS, PG_CHANGES, PLANTED_ROWS, CHANGED_EVERY)).encode()
).hexdigest()[:16]


def _mysql_admin():  # type: ignore[no-untyped-def]
    import pymysql

    my = parse_url(MYSQL)
    return pymysql.connect(
        host=my.host,
        port=my.port or 3306,
        user=my.user or "root",
        password=my.password or "",
        charset="utf8mb4",  # the note and payload literals are not ASCII
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
    """The N of the tables already built by this layout (a marker table on each side), or None."""
    try:
        with _pg(DB) as con:
            pg = con.execute("SELECT n, layout FROM dbdiff_bench_built").fetchone()
        mcon = _mysql_admin()
        with mcon.cursor() as cur:
            cur.execute(f"SELECT n, layout FROM {DB}.dbdiff_bench_built")
            my = cur.fetchone()
        mcon.close()
    except Exception:  # no database, no marker, or the marker of an older layout (no `layout`)
        return None
    if not pg or not my or tuple(pg) != tuple(my) or pg[1] != LAYOUT:
        return None
    return int(pg[0])


def _progress(side: str, done: int, n: int, started: float) -> None:
    took = time.perf_counter() - started
    eta = took / done * (n - done) if done else 0.0
    print(f"  {side}: {done:,}/{n:,} rows, {took:.0f} s, {eta:.0f} s to go", flush=True)


def _build_mysql(n: int) -> None:
    mcon = _mysql_admin()
    started = time.perf_counter()
    with mcon.cursor() as cur:
        cur.execute(f"CREATE DATABASE IF NOT EXISTS {DB} CHARACTER SET utf8mb4")
        cur.execute(f"USE {DB}")  # the sequence engine's seq_1_to_N tables need a current database
        cur.execute("SET time_zone = '+00:00'")  # TIMESTAMP values are written as UTC
        cur.execute(f"DROP TABLE IF EXISTS {DB}.dbdiff_bench_built")
        cur.execute(f"DROP TABLE IF EXISTS {DB}.orders")
        cur.execute(MYSQL_TABLE.format(db=DB))
        for lo in range(1, n + 1, BATCH):
            hi = min(lo + BATCH - 1, n)
            cur.execute(MYSQL_ROWS.format(db=DB, lo=lo, hi=hi))
            _progress("mariadb", hi, n, started)
        cur.execute(f"ANALYZE TABLE {DB}.orders")
        cur.fetchall()
    mcon.close()


def _build_pg(n: int) -> None:
    with _pg() as admin:
        if not admin.execute("SELECT 1 FROM pg_database WHERE datname = %s", (DB,)).fetchone():
            admin.execute(f"CREATE DATABASE {DB}")
    p = planted(n)
    started = time.perf_counter()
    with _pg(DB) as con:
        con.execute("SET TimeZone = 'UTC'")  # the literals carry +00 anyway
        con.execute("DROP TABLE IF EXISTS dbdiff_bench_built")
        con.execute("DROP TABLE IF EXISTS orders")
        con.execute(PG_TABLE)
        for lo in range(1, n + 1, BATCH):
            hi = min(lo + BATCH - 1, n)
            con.execute(PG_ROWS.format(lo=lo, hi=hi))
            _progress("postgresql", hi, n, started)
        con.execute("ALTER TABLE orders ADD PRIMARY KEY (id)")  # one sorted index build, after the rows
        con.execute("DELETE FROM orders WHERE id = ANY(%s)", (p["only_left"],))
        for column, ids in _changed(n).items():
            con.execute(f"UPDATE orders SET {column} = {PG_CHANGES[column]} WHERE id = ANY(%s)", (ids,))
        extra = p["only_right"]
        con.execute(PG_ROWS.format(lo=extra[0], hi=extra[-1]))  # type: ignore[index]
        # Hint bits and the visibility map set now, so no measured reader pays for them.
        con.execute("VACUUM (FREEZE, ANALYZE) orders")


def build(n: int, *, reuse: bool = False) -> tuple[str, str]:
    """The N-row orders table in both servers (rebuilt unless `reuse` and built for N by this layout)."""
    if reuse and _built_rows() == n:
        print(f"reusing the {n:,}-row tables of {DB} (layout {LAYOUT})", flush=True)
        return urls()
    failures: list[BaseException] = []

    def run(step: Callable[[int], None]) -> None:
        try:
            step(n)
        except BaseException as e:
            failures.append(e)

    # Both servers at once: each INSERT ... SELECT is one server's CPU, and there are two cores.
    threads = [threading.Thread(target=run, args=(step,)) for step in (_build_mysql, _build_pg)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if failures:
        raise failures[0]
    verify_sample(n)
    mcon = _mysql_admin()
    with mcon.cursor() as cur:
        cur.execute(f"CREATE TABLE {DB}.dbdiff_bench_built AS SELECT {int(n)} AS n, '{LAYOUT}' AS layout")
    mcon.close()
    with _pg(DB) as con:
        con.execute(f"CREATE TABLE dbdiff_bench_built AS SELECT {int(n)}::bigint AS n, '{LAYOUT}' AS layout")
    return urls()


def _canonical(column: str, value: object) -> object:
    """One value as both sides must agree on it exactly."""
    if value is None:
        return None
    if column == "is_priority":
        return bool(value)
    if column == "weight":
        return float(value).hex()  # type: ignore[arg-type]  # bit for bit
    if column == "payload":
        return json.loads(value)  # type: ignore[arg-type]  # jsonb re-renders spacing and key order
    if column == "amount":
        return decimal.Decimal(value).quantize(decimal.Decimal("0.01"))  # type: ignore[arg-type]
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:  # timestamptz: compare the instant
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value.isoformat()
    return str(value) if column == "tracking_code" else value


def verify_sample(n: int, rows: int = 20_000) -> None:
    """Both servers generated the same rows: `rows` ids spread over the table (none with a planted
    difference) read back with connectorx and compared value by value; prints the mix of values."""
    import connectorx as cx

    untouched = set(_missing(n)) | {i for ids in _changed(n).values() for i in ids}
    step = max(n // rows, 1)
    ids = [i for i in range(1, n + 1, step) if i not in untouched]
    listed = ", ".join(map(str, ids))
    left, right = urls()
    select = ", ".join("payload::text AS payload" if c == "payload" else c for c in COLUMNS)
    sides = []
    for url, query, pre in (
        (left, f"SELECT * FROM orders WHERE id IN ({listed}) ORDER BY id", ["SET time_zone = '+00:00'"]),
        (right, f"SELECT {select} FROM orders WHERE id IN ({listed}) ORDER BY id", ["SET TimeZone = 'UTC'"]),
    ):
        table = cx.read_sql(
            parse_url(url).connection_url(), query, return_type="arrow", pre_execution_query=pre
        )
        sides.append(
            [
                tuple(_canonical(c, v) for c, v in zip(COLUMNS, row.values(), strict=True))
                for row in table.to_pylist()
            ]
        )
    mine, theirs = sides
    if len(mine) != len(ids) or mine != theirs:
        bad = [(a, b) for a, b in zip(mine, theirs, strict=False) if a != b][:3]
        raise AssertionError(f"the servers built different rows: {len(mine)} vs {len(theirs)} read, {bad}")
    share = lambda test: f"{100 * sum(1 for r in mine if test(r)) / len(mine):.1f}%"  # noqa: E731
    print(
        f"  sample of {len(mine):,} rows identical on both sides; priority {share(lambda r: r[3])}, "
        f"updated_at NULL {share(lambda r: r[7] is None)}, note NULL {share(lambda r: r[8] is None)}, "
        f"note empty {share(lambda r: r[8] == '')}, payload NULL {share(lambda r: r[9] is None)}, "
        f"statuses {len({r[2] for r in mine})}, distinct weights {len({r[5] for r in mine}):,}",
        flush=True,
    )


def table_sizes() -> str:
    """The orders table's size on disk on each side (files, indexes included)."""
    mcon = _mysql_admin()
    with mcon.cursor() as cur:
        cur.execute(
            "SELECT ALLOCATED_SIZE FROM information_schema.INNODB_SYS_TABLESPACES WHERE NAME = %s",
            (f"{DB}/orders",),
        )
        row = cur.fetchone()
    mcon.close()
    with _pg(DB) as con:
        pg = con.execute("SELECT pg_total_relation_size('orders')").fetchone()[0]
    my = f"{row[0] / 2**30:.2f} GiB" if row else "unknown"
    return f"on disk: MariaDB {my}, PostgreSQL {pg / 2**30:.2f} GiB"


@dataclass(frozen=True)
class Measured:
    """One child process: wall seconds, peak RSS (MiB), its CPU seconds (user + system, threads
    and children included) and the whole machine's busy core-seconds meanwhile (the servers' work
    included; None where /proc/stat is missing). A shared or virtual machine's speed drifts: CPU
    seconds drift less than wall seconds, and busy core-seconds show what the servers did."""

    seconds: float
    rss: float
    cpu: float
    busy: float | None
    proc: subprocess.CompletedProcess

    def cells(self, ratio: str) -> str:
        """The table cells from seconds to peak RSS, with the ratio to the floor given."""
        busy = f"{self.busy:.1f}" if self.busy is not None else "-"
        return f"{self.seconds:.1f} | {ratio} | {self.cpu:.1f} | {busy} | {self.rss:.0f}"


def _busy_core_seconds() -> float | None:
    """Core-seconds the machine spent busy since boot (every CPU: user, system, irq; not idle,
    iowait or the time a hypervisor stole)."""
    try:
        fields = [int(v) for v in Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]]
    except (OSError, ValueError):
        return None
    busy = sum(fields[:3]) + sum(fields[5:7])  # user nice system | irq softirq
    return busy / os.sysconf("SC_CLK_TCK")


def compile_bytecode(checkout: str) -> None:
    """Compile the checkout's dbdiff as `pip install` does. Where PYTHONDONTWRITEBYTECODE is set (it
    is on this project's machines) a checkout keeps no bytecode, and every dbdiff run would compile
    its 70-odd modules afresh (measured: 0.18 s of each start) while the floor's libraries load
    theirs from site-packages."""
    target = Path(checkout) / "dbdiff"
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(target)], check=True)


def measure(argv: list[str], pythonpath: str) -> Measured:
    """A child process that runs module argv[0] with the dbdiff found in `pythonpath`; its peak RSS
    is the kernel's high-water mark."""
    wrapper = (
        "import resource, runpy, sys, time; sys.argv = sys.argv[1:]; t = time.perf_counter();\n"
        "code = 0\n"
        "try:\n    runpy.run_module(sys.argv[0], run_name='__main__', alter_sys=True)\n"
        "except SystemExit as e:\n    code = e.code or 0\n"
        "peak = max(resource.getrusage(w).ru_maxrss\n"
        "           for w in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN))\n"
        "sys.stderr.write(f'\\n@@ {time.perf_counter() - t:.3f} {peak / 1024:.1f}\\n'); sys.exit(code)"
    )
    return _timed([sys.executable, "-c", wrapper, *argv], pythonpath)


def _timed(command: list[str], pythonpath: str) -> Measured:
    busy = _busy_core_seconds()
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    proc = subprocess.run(
        command,
        capture_output=True,
        text=True,
        env={**os.environ, "DBDIFF_NO_PROGRESS": "1", "PYTHONPATH": pythonpath},
        # `python -c` puts the working directory first on sys.path, before PYTHONPATH: run in the
        # checkout measured, or a run started from another checkout would import that one.
        cwd=pythonpath.split(os.pathsep)[0] or None,
    )
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    busy_after = _busy_core_seconds()
    marker = [line for line in proc.stderr.splitlines() if line.startswith("@@ ")]
    if not marker:
        raise RuntimeError(f"{command[3:]} failed: {proc.stderr[-2000:]}")
    seconds, rss = marker[-1].split()[1:]
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    used = busy_after - busy if busy is not None and busy_after is not None else None
    return Measured(float(seconds), float(rss), cpu, used, proc)


# The floor: every column as connectorx reads it natively (jsonb, which it cannot, as text), both
# tables one after the other, each in key ranges of `slice` rows read one after the other.
PLAIN_READER = f"""
import sys, connectorx as cx
left, right, n, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
columns = {list(COLUMNS)!r}
rows = 0
for url, select, pre in (
    (left, ", ".join(columns), ["SET time_zone = '+00:00'"]),
    (right, ", ".join("payload::text AS payload" if c == "payload" else c for c in columns), None),
):
    bounds = [(1, n + 1000)] if size <= 0 else [(lo, lo + size - 1) for lo in range(1, n + 1000, size)]
    for lo, hi in bounds:
        where = "" if size <= 0 else f" WHERE id BETWEEN {{lo}} AND {{hi}}"
        rows += cx.read_sql(url, f"SELECT {{select}} FROM orders{{where}}", return_type="arrow",
                            pre_execution_query=pre).num_rows
print(rows)
"""
# The old floor: dbdiff's own SELECT lists (its casts included), whole tables.
DBDIFF_READER = """
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
READERS = {"plain": PLAIN_READER, "dbdiff": DBDIFF_READER}
WHOLE_UP_TO = 10_000_000  # rows per side the floor reads in one query; above, 10M-row key ranges


def read_floor(kind: str, n: int, left: str, right: str) -> Measured:
    """One connectorx reader in a fresh process."""
    wrapper = (
        "import resource, sys, time; t = time.perf_counter()\n"
        f"exec(compile({READERS[kind]!r}, 'reader', 'exec'))\n"
        "sys.stderr.write(f'\\n@@ {time.perf_counter() - t:.3f} '"
        " f'{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.1f}\\n')"
    )
    size = 0 if n <= WHOLE_UP_TO else WHOLE_UP_TO
    return _timed([sys.executable, "-c", wrapper, left, right, str(n), str(size)], str(ROOT))


def compared_columns(columns: list[str], exclude: list[str]) -> list[str]:
    """The non-key columns a run compares (as --columns and --exclude choose them)."""
    chosen = [c for c in COLUMNS[1:] if not columns or c in columns]
    return [c for c in chosen if c not in exclude]


def check(report: dict, n: int, compared: list[str]) -> dict[str, object]:
    """The run's summary, after checking that it reports exactly the planted differences."""
    table = report["tables"][0]
    p = planted(n)
    by_column = _changed(n)
    changed_columns = {c: len(ids) for c, ids in by_column.items() if ids and c in compared}
    changed = sorted(i for c, ids in by_column.items() if c in compared for i in ids)
    limit = report["options"]["sample_limit"]
    only_left, only_right = p["only_left"], p["only_right"]
    expected = {
        "summary": {
            "rows_left": n,
            "rows_right": n - len(only_left) + len(only_right),  # type: ignore[arg-type]
            "only_left": len(only_left),  # type: ignore[arg-type]
            "only_right": len(only_right),  # type: ignore[arg-type]
            "changed": len(changed),
            "matched": n - len(only_left),  # type: ignore[arg-type]  (changed rows included)
        },
        "columns": changed_columns,
        "only_left": only_left[:limit],  # type: ignore[index]
        "only_right": only_right[:limit],  # type: ignore[index]
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


def phases(report: dict) -> list[str]:
    """The report's seconds per phase (`timings`, run-wide and the table's), if it has them."""
    shown = []
    stats = (report.get("tables") or [{}])[0].get("stats") or {}
    for label, timings in (("run", report.get("timings")), ("table", stats.get("timings"))):
        if isinstance(timings, dict) and timings:
            parts = [f"{k} {v:.2f}" if isinstance(v, int | float) else f"{k} {v}" for k, v in timings.items()]
            shown.append(f"{label}: {', '.join(parts)}")
    return shown


def read_floors(
    kinds: list[str], n: int, left: str, right: str, floor: float | None, lines: list[str], again: str = ""
) -> float | None:
    """Time each connectorx reader in `kinds`, adding a line for each to `lines`; the floor (the
    first reader's seconds, unless `floor` is already known)."""
    for kind in kinds:
        load = os.getloadavg()[0]
        measured = read_floor(kind, n, left, right)
        floor = floor or measured.seconds
        what = "plain SELECT, jsonb as text" if kind == "plain" else "dbdiff's SELECT lists"
        ranges = " in 10M-row key ranges" if kind == "plain" and n > WHOLE_UP_TO else ""
        cells = measured.cells(f"{measured.seconds / floor:.2f}")
        lines.append(
            f"| {n:,} | connectorx reads both tables{ranges}, one after the other ({what}){again}, "
            f"load {load:.1f} | - | {cells} | {measured.proc.stdout.strip()} rows read | |"
        )
        print(lines[-1], flush=True)
    return floor


def _timed_run(
    left: str,
    right: str,
    n: int,
    run: str,
    code: tuple[str, str],
    floor: float | None,
    args: argparse.Namespace,
    lines: list[str],
    wrong: list[str],
) -> tuple[Measured, dict[str, object]] | None:
    """One dbdiff run, its line added to `lines`: its measurement and summary, or None (and the
    error in `wrong`) when its answer was wrong."""
    label, directory = code
    load = os.getloadavg()[0]
    chunk, workers = (int(x) for x in run.split("x"))
    try:
        measured, summary, shown = _run_dbdiff(left, right, n, run, directory, args)
    except AssertionError as e:
        wrong.append(str(e))
        lines.append(f"| {n:,} | dbdiff diff ({label}) | {run} | | | | | | **{e}** | |")
        print(lines[-1], flush=True)
        return None
    short = ", ".join(f"{k}={v}" for k, v in summary.items() if v and k != "rows_right")
    ratio = f"{measured.seconds / floor:.2f}" if floor else "-"
    lines.append(
        f"| {n:,} | dbdiff diff ({label}), load {load:.1f} | {chunk:,} x {workers} | "
        f"{measured.cells(ratio)} | {short} | {'; '.join(shown)} |"
    )
    print(lines[-1], flush=True)
    for phase_line in shown or ["(no timings in the report)"]:
        print(f"    {phase_line}", flush=True)
    return measured, summary


def _run_dbdiff(
    left: str, right: str, n: int, run: str, code: str, args: argparse.Namespace
) -> tuple[Measured, dict[str, object], list[str]]:
    chunk, workers = (int(x) for x in run.split("x"))
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "r.json"
        argv = ["dbdiff.cli", "diff", left, right, "--table", "orders"]
        argv += ["--chunk-size", str(chunk), "--workers", str(workers)]
        argv += [a for c in args.columns for a in ("--columns", c)]
        argv += [a for c in args.exclude for a in ("--exclude", c)]
        argv += ["--recheck", str(args.recheck)] if args.recheck is not None else []
        measured = measure([*argv, "--json", str(out), "--quiet"], code)
        if not out.exists():
            proc = measured.proc
            raise RuntimeError(f"dbdiff wrote no report (exit {proc.returncode}): {proc.stderr[-2000:]}")
        report = json.loads(out.read_text())
    summary = check(report, n, compared_columns(args.columns, args.exclude))
    return measured, summary, phases(report)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[1_000_000, 10_000_000])
    parser.add_argument(
        "--runs",
        nargs="+",
        default=["100000x4"],
        help="CHUNKxWORKERS settings to run at every size (100000x4 is dbdiff's default)",
    )
    parser.add_argument(
        "--code",
        nargs="+",
        default=[f"current={ROOT}"],
        metavar="LABEL=DIR",
        help="run each setting with the dbdiff of each of these checkouts (before=DIR after=DIR)",
    )
    parser.add_argument("--columns", nargs="*", default=[], help="compare only these columns")
    parser.add_argument("--exclude", nargs="*", default=[], help="columns to leave out of the diff")
    parser.add_argument(
        "--readers",
        nargs="+",
        choices=sorted(READERS),
        default=["plain"],
        help="connectorx readers to time: plain (the floor: a plain SELECT of every column), "
        "dbdiff (dbdiff's own SELECT lists); the first is the floor the ratios divide by",
    )
    parser.add_argument("--no-reader", action="store_true", help="skip the connectorx runs (no floor)")
    parser.add_argument(
        "--recheck",
        type=int,
        help="dbdiff's --recheck (default: dbdiff's own, 2 rounds --recheck-delay 5 s apart: at least "
        "10 s of waiting whenever a difference is found); 0 times the diff alone",
    )
    parser.add_argument(
        "--floor-again",
        action="store_true",
        help="read the floor again after the dbdiff runs of each size (how much it drifted meanwhile)",
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="repeat the floor and every dbdiff run this many times, each dbdiff run divided by the "
        "floor read just before it; a summary of each run's ratios follows (a drifting machine)",
    )
    parser.add_argument("--out", type=Path, help="append a Markdown table of the results here")
    parser.add_argument("--keep", action="store_true", help="keep the benchmark databases")
    parser.add_argument("--reuse", action="store_true", help="reuse tables a --keep run built for the same N")
    args = parser.parse_args()
    codes = [tuple(c.split("=", 1)) for c in args.code]
    for directory in sorted({d for _, d in codes}):
        compile_bytecode(directory)
    chosen = [f"--columns {' '.join(args.columns)}"] if args.columns else []
    chosen += [f"--exclude {' '.join(args.exclude)}"] if args.exclude else []
    chosen += [f"--recheck {args.recheck}"] if args.recheck is not None else []

    lines = [
        f"### {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}: {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}" + "".join(f", {c}" for c in chosen),
        "",
        "| rows | run | chunk x workers | seconds | x floor | CPU s | busy core-s | peak RSS MiB | summary "
        "| phases (s) |",
        "|---:|---|---|---:|---:|---:|---:|---:|---|---|",
    ]
    wrong: list[str] = []
    try:
        for n in args.rows:
            t = time.perf_counter()
            left, right = build(n, reuse=args.reuse)
            print(f"tables of {n:,} rows per side ready in {time.perf_counter() - t:.1f} s; {table_sizes()}")
            if not args.no_reader:
                # Untimed: the first read after a build or another program's work meets cold
                # caches (1M: 6.6 s, then 4.8 s), and every dbdiff run after it finds them warm.
                warm = read_floor(args.readers[0], n, left, right)
                print(f"warm-up read (not counted): {warm.seconds:.1f} s", flush=True)
            summaries = []
            ratios: dict[str, list[float]] = {}
            for _ in range(args.rounds):
                floor = read_floors([] if args.no_reader else args.readers, n, left, right, None, lines)
                for run in args.runs:
                    for label, code in codes:
                        measured = _timed_run(left, right, n, run, (label, code), floor, args, lines, wrong)
                        if measured is not None:
                            summaries.append(measured[1])
                            if floor:
                                ratios.setdefault(f"{label}, {run}", []).append(measured[0].seconds / floor)
            if args.rounds > 1:
                for what, seen in ratios.items():
                    shown = ", ".join(f"{r:.2f}" for r in seen)
                    lines.append(
                        f"| {n:,} | dbdiff diff ({what}) against the floor of its round: {shown}; "
                        f"median {statistics.median(seen):.2f}, worst {max(seen):.2f} | | | | | | | | |"
                    )
                    print(lines[-1], flush=True)
            if args.floor_again and not args.no_reader:
                again = ", again after the dbdiff runs"
                read_floors(args.readers[:1], n, left, right, floor, lines, again=again)
            if any(s != summaries[0] for s in summaries):
                raise AssertionError(f"summaries differ between runs at {n} rows: {summaries}")
    finally:
        if args.out:
            with args.out.open("a", encoding="utf-8") as f:
                f.write("\n".join(lines) + "\n\n")
        if not args.keep:
            _drop()
    if wrong:
        raise SystemExit("dbdiff reported a wrong answer:\n" + "\n".join(wrong))


def _drop() -> None:
    with _mysql_admin() as con, con.cursor() as cur:
        cur.execute(f"DROP DATABASE IF EXISTS {DB}")
    with _pg() as con:
        con.execute(f"DROP DATABASE IF EXISTS {DB} WITH (FORCE)")


if __name__ == "__main__":
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    main()
