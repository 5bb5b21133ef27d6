"""`dbdiff demo`: two small embedded databases with planted differences, diffed end to end.

The left side is a SQLite file shaped like a legacy MySQL store (TINYINT(1) flags, DECIMAL kept
as text, DATETIME as text); the right side is a DuckDB file shaped like its PostgreSQL copy
(BOOLEAN, DECIMAL, TIMESTAMP). The copy is faithful except for the differences planted below, which
the demo must find exactly, no more and no less.
"""

from __future__ import annotations

import datetime as dt
import random
import sqlite3
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dbdiff.result import DiffResult

ROWS = 2_000

STATUSES = ("new", "paid", "shipped", "delivered", "refunded")
CUSTOMERS = (
    "Ada Lovelace",
    "Grace Hopper",
    "Edsger Dijkstra",
    "Barbara Liskov",
    "Donald Knuth",
    "Frances Allen",
    "Ken Thompson",
    "Margaret Hamilton",
    "Dennis Ritchie",
    "Radia Perlman",
)


@dataclass(frozen=True)
class Planted:
    """The differences the demo plants, for the tests and the README to check against."""

    only_left: tuple[int, ...] = (17, 404, 1999)
    only_right: tuple[int, ...] = (2001, 2002)
    changed: tuple[tuple[int, str], ...] = (
        (5, "amount"),  # 19.99 -> 19.90: a wrong cent
        (42, "status"),  # 'shipped' -> 'Shipped': case matters
        (77, "note"),  # a trailing space lost
        (123, "created_at"),  # shifted by exactly one hour
        (256, "is_paid"),  # flag flipped
        (512, "note"),  # '' became NULL
    )


PLANTED = Planted()


def _rows() -> list[dict[str, Any]]:
    rng = random.Random(20261124)
    start = dt.datetime(2026, 1, 1, 8, 0, 0)
    rows = []
    for i in range(1, ROWS + 1):
        rows.append(
            {
                "id": i,
                "customer": rng.choice(CUSTOMERS),
                "status": rng.choice(STATUSES),
                "amount": Decimal(rng.randint(100, 500_000)) / 100,
                "is_paid": rng.random() < 0.7,
                "created_at": start + dt.timedelta(minutes=37 * i, microseconds=rng.randint(0, 999_999)),
                "note": rng.choice(["", "gift", "express ", "call first", None]),
            }
        )
    rows[4]["amount"] = Decimal("19.99")
    rows[41]["status"] = "shipped"
    rows[76]["note"] = "leave at door "
    rows[511]["note"] = ""
    return rows


def build_demo(directory: Path) -> tuple[Path, Path]:
    """Write legacy.sqlite (left) and copy.duckdb (right) into `directory`; return their paths."""
    import duckdb

    directory.mkdir(parents=True, exist_ok=True)
    left, right = directory / "legacy.sqlite", directory / "copy.duckdb"
    for path in (left, right):
        path.unlink(missing_ok=True)
    rows = _rows()

    con = sqlite3.connect(left)
    try:
        con.execute(
            "CREATE TABLE orders (id INTEGER PRIMARY KEY, customer VARCHAR(40) NOT NULL, status VARCHAR(12), "
            "amount DECIMAL(12,2), is_paid TINYINT(1), created_at DATETIME, note TEXT)"
        )
        con.executemany(
            "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    r["id"],
                    r["customer"],
                    r["status"],
                    f"{r['amount']:.2f}",
                    int(bool(r["is_paid"])),
                    r["created_at"].isoformat(sep=" "),
                    r["note"],
                )
                for r in rows
            ],
        )
        con.commit()
    finally:
        con.close()

    copy = [dict(r) for r in rows if r["id"] not in PLANTED.only_left]
    by_id = {r["id"]: r for r in copy}
    by_id[5]["amount"] = Decimal("19.90")
    by_id[42]["status"] = "Shipped"
    by_id[77]["note"] = "leave at door"
    by_id[123]["created_at"] = by_id[123]["created_at"] + dt.timedelta(hours=1)
    by_id[256]["is_paid"] = not by_id[256]["is_paid"]
    by_id[512]["note"] = None
    for extra in PLANTED.only_right:
        copy.append(
            {
                "id": extra,
                "customer": "Late Arrival",
                "status": "new",
                "amount": Decimal("1.00"),
                "is_paid": False,
                "created_at": dt.datetime(2026, 11, 24, 9, 0),
                "note": None,
            }
        )
    duck = duckdb.connect(str(right))
    try:
        duck.execute(
            "CREATE TABLE orders (id BIGINT PRIMARY KEY, customer VARCHAR NOT NULL, status VARCHAR, "
            "amount DECIMAL(12,2), is_paid BOOLEAN, created_at TIMESTAMP, note VARCHAR)"
        )
        duck.executemany(
            "INSERT INTO orders VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (r["id"], r["customer"], r["status"], r["amount"], r["is_paid"], r["created_at"], r["note"])
                for r in copy
            ],
        )
    finally:
        duck.close()
    return left, right


def run_demo(directory: Path, *, chunk_size: int = 250) -> tuple[DiffResult, dict[str, Path]]:
    """Build the demo data, diff it, write the reports; return the result and the files written."""
    from dbdiff.api import diff
    from dbdiff.report import RENDERERS, render

    left, right = build_demo(directory)
    result = diff(f"sqlite:///{left}", f"duckdb:///{right}", table="orders", chunk_size=chunk_size, workers=2)
    written = {}
    for kind, name in (("json", "report.json"), ("html", "report.html")):
        if kind in RENDERERS:
            path = directory / name
            path.write_text(render(result, kind), encoding="utf-8")
            written[kind] = path
    return result, written
