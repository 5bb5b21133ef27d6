"""Which engine compares a chunk faster: polars or DuckDB? (DESIGN.md: measure and keep the faster.)

Builds two Arrow chunks of N rows (a realistic orders row, 1% changed, 0.5% missing on each side)
and times the per-chunk work both ways: a full outer join on the key plus NULL-safe per-column
equality, returning per-column mismatch counts and the changed rows.

    python benchmarks/compare_engines.py --rows 100000 400000
"""

from __future__ import annotations

import argparse
import statistics
import time

import duckdb
import numpy as np
import polars as pl

COLUMNS = ["customer_id", "status", "amount", "created_at", "note"]


def chunks(n: int, seed: int = 7) -> tuple[pl.DataFrame, pl.DataFrame]:
    rng = np.random.default_rng(seed)
    ids = np.arange(1, n + 1)
    left = pl.DataFrame(
        {
            "id": ids,
            "customer_id": rng.integers(0, 50_000, n),
            "status": rng.choice(["new", "paid", "shipped", "done"], n),
            "amount": (rng.integers(0, 10_000_000, n)).astype(str),
            "created_at": pl.datetime_range(
                pl.datetime(2026, 1, 1),
                pl.datetime(2026, 1, 1) + pl.duration(seconds=n - 1),
                "1s",
                eager=True,
            ),
            "note": [None if i % 7 == 0 else f"note {i}" for i in range(n)],
        }
    )
    changed = rng.random(n) < 0.01
    right = left.with_columns(
        pl.when(pl.Series(changed)).then(pl.col("status").str.to_uppercase()).otherwise(pl.col("status"))
    )
    left = left.filter(pl.Series(rng.random(n) >= 0.005))
    right = right.filter(pl.Series(rng.random(n) >= 0.005))
    return left, right


def with_polars(left: pl.DataFrame, right: pl.DataFrame) -> tuple[list[int], int]:
    joined = left.with_columns(pl.lit(True).alias("__l")).join(
        right.with_columns(pl.lit(True).alias("__r")), on="id", how="full", coalesce=True, suffix="_r"
    )
    both = joined.filter(pl.col("__l") & pl.col("__r"))
    flags = both.select([(~pl.col(c).eq_missing(pl.col(f"{c}_r"))).alias(c) for c in COLUMNS])
    counts = list(flags.sum().row(0))
    changed = both.filter(pl.any_horizontal(flags)).height
    return counts, changed


def with_duckdb(
    con: duckdb.DuckDBPyConnection, left: pl.DataFrame, right: pl.DataFrame
) -> tuple[list[int], int]:
    con.register("l", left.to_arrow())
    con.register("r", right.to_arrow())
    flags = ", ".join(f"(l.{c} IS DISTINCT FROM r.{c}) AS {c}" for c in COLUMNS)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE j AS SELECT {flags}, l.id IS NOT NULL AND r.id IS NOT NULL AS matched "
        "FROM l FULL OUTER JOIN r ON l.id = r.id"
    )
    counts = list(
        con.sql("SELECT " + ", ".join(f"count_if({c} AND matched)" for c in COLUMNS) + " FROM j").fetchall()[
            0
        ]
    )
    changed = con.sql("SELECT count(*) FROM j WHERE matched AND (" + " OR ".join(COLUMNS) + ")").fetchall()[
        0
    ][0]
    return counts, changed


def best_of(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, nargs="+", default=[100_000, 400_000])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    con = duckdb.connect()
    con.execute("SET threads = 2")
    print("| chunk rows | polars (median s) | duckdb (median s) |")
    print("|---:|---:|---:|")
    for n in args.rows:
        left, right = chunks(n)
        assert with_polars(left, right) == with_duckdb(con, left, right)
        p = best_of(lambda left=left, right=right: with_polars(left, right), args.repeat)
        d = best_of(lambda left=left, right=right: with_duckdb(con, left, right), args.repeat)
        print(f"| {n:,} | {p:.3f} | {d:.3f} |")


if __name__ == "__main__":
    main()
