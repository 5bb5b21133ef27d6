"""Chunks cut from a whole-number key's extent stay near a chunk on both real servers when an
estimate cannot be trusted: a PostgreSQL side never analyzed that holds far more rows than the
MariaDB side, and a MariaDB key no index serves (EXPLAIN then gives the table's rows for any range).
Every row is read once, whatever the plan."""

from __future__ import annotations

import pytest

import dbdiff
from dbdiff.engine.extent import TOO_BIG
from dbdiff.engine.planning import build_plan
from dbdiff.options import DiffOptions
from dbdiff.sources.base import open_source
from tests.unit.test_extent import chunk_rows

pytestmark = pytest.mark.servers

CHUNK = 100


def _keys(server, sql: str) -> list[int]:
    return [int(row[0]) for row in server.execute(sql)]


def _assert_bounded(mysql, pg, table: str, column: str, **options) -> None:
    left_keys = _keys(mysql, f"SELECT {column} FROM {table}")
    right_keys = _keys(pg, f"SELECT {column} FROM {table}")
    with open_source(mysql.url) as left, open_source(pg.url) as right:
        plan = build_plan(left, right, DiffOptions(table=table, chunk_size=CHUNK, **options))
    for keys in (left_keys, right_keys):
        counts = chunk_rows(plan, keys)
        assert sum(counts) == len(keys)  # every row in exactly one chunk
        assert max(counts) <= CHUNK * TOO_BIG, (plan.rows_estimated, len(counts), max(counts))


@pytest.mark.parametrize("left_rows", [0, 60])
def test_a_side_without_statistics_holding_far_more_rows_is_not_one_chunk(mysql, pg, unique_name, left_rows):
    """PostgreSQL never analyzed (no estimates of its own) holds 50x the MariaDB side's rows: the
    MariaDB side's estimates say nothing of it, so they must not cut it."""
    t = unique_name("xs")
    mysql.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, v INT)")
    if left_rows:
        mysql.execute(f"INSERT INTO {t} SELECT seq * 50, seq FROM seq_1_to_{left_rows}")
    pg.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, v INT) WITH (autovacuum_enabled = off)",
        f"INSERT INTO {t} SELECT g, g FROM generate_series(1, 3000) g",
    )
    _assert_bounded(mysql, pg, t, "id")
    summary = dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=CHUNK, recheck=0).table().summary
    # Independent truth: the keys of each side.
    left = set(_keys(mysql, f"SELECT id FROM {t}"))
    right = set(_keys(pg, f"SELECT id FROM {t}"))
    assert (summary.rows_left, summary.rows_right) == (len(left), len(right))
    assert (summary.only_left, summary.only_right) == (len(left - right), len(right - left))


def test_a_key_no_index_serves_is_not_cut_by_the_tables_row_count(mysql, pg, unique_name):
    """`--key u` on a MariaDB column without an index: EXPLAIN gives the table's rows for any
    range, however narrow, so it is no estimate of the range."""
    t = unique_name("xn")
    rows = ", ".join(f"({i}, {u})" for i, u in enumerate([*range(1, 3001), 10**12]))
    mysql.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, u BIGINT NOT NULL)", f"INSERT INTO {t} VALUES {rows}"
    )
    pg.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, u BIGINT NOT NULL)",
        f"INSERT INTO {t} VALUES {rows}",
        f"ANALYZE {t}",
    )
    _assert_bounded(mysql, pg, t, "u", key=["u"])
    result = dbdiff.diff(mysql.url, pg.url, table=t, key=["u"], chunk_size=CHUNK, recheck=0)
    assert result.status == "identical" and result.table().summary.matched == 3001


@pytest.mark.parametrize(
    ("step", "rows", "more", "expected"),
    [
        # As many again far beyond the MariaDB side's keys (within the size check): the MariaDB
        # estimates call that range empty.
        (1, 1500, "SELECT 1000000000 + g, g FROM generate_series(1, 1500) g", (1500, 0, 1500)),
        # As many again, all between two MariaDB keys: within the MariaDB side's extent and under
        # three times its rows, yet one MariaDB range of a chunk would hold thirty chunks of it.
        (
            100,
            3000,
            "SELECT 100000 + g, g FROM generate_series(1, 3000) g WHERE g % 100 <> 0",
            (3000, 0, 2970),
        ),
    ],
    ids=["beyond", "inside"],
)
def test_a_side_without_statistics_holding_more_keys_is_not_cut_by_the_others_estimates(
    mysql, pg, unique_name, step, rows, more, expected
):
    """The never-analyzed PostgreSQL side holds the MariaDB side's keys and as many again."""
    t = unique_name("xf")
    mysql.execute(
        f"CREATE TABLE {t} (id BIGINT PRIMARY KEY, v INT)",
        f"INSERT INTO {t} SELECT seq * {step}, seq FROM seq_1_to_{rows}",
    )
    pg.execute(
        f"CREATE TABLE {t} (id BIGINT PRIMARY KEY, v INT) WITH (autovacuum_enabled = off)",
        f"INSERT INTO {t} SELECT g * {step}, g FROM generate_series(1, {rows}) g",
        f"INSERT INTO {t} {more}",
    )
    _assert_bounded(mysql, pg, t, "id")
    summary = dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=CHUNK, recheck=0).table().summary
    assert (summary.matched, summary.only_left, summary.only_right) == expected


def test_rows_beyond_the_histogram_are_not_one_chunk(mysql, pg, unique_name):
    """PostgreSQL analyzed, then 19% more rows written far above its largest key (under the
    share of changes that makes statistics stale, and not yet counted as changes anyway): its
    histogram calls their range nearly empty, and the MariaDB side does not hold them."""
    t = unique_name("xh")
    mysql.execute(
        f"CREATE TABLE {t} (id BIGINT PRIMARY KEY, v INT)",
        f"INSERT INTO {t} SELECT seq, seq FROM seq_1_to_2000",
    )
    pg.execute(
        f"CREATE TABLE {t} (id BIGINT PRIMARY KEY, v INT) WITH (autovacuum_enabled = off)",
        f"INSERT INTO {t} SELECT g, g FROM generate_series(1, 2000) g",
        "SELECT pg_stat_force_next_flush()",  # the load is counted before ANALYZE, not after
        "SELECT 1",
        f"ANALYZE {t}",
        f"INSERT INTO {t} SELECT 1000000000 + g, g FROM generate_series(1, 380) g",
    )
    # The statistics look fresh by their count of changes: the histogram is what misses the rows.
    modified, tuples = pg.execute(
        f"SELECT n_mod_since_analyze, reltuples FROM pg_stat_user_tables JOIN pg_class ON oid = relid "
        f"WHERE pg_class.relname = '{t}'"
    )[0]
    assert modified <= 0.2 * tuples
    _assert_bounded(mysql, pg, t, "id")


def test_a_live_table_past_its_histogram_is_estimated_not_counted(mysql, pg, unique_name):
    """A live PostgreSQL table: analyzed, then its newest keys written above the histogram's last
    bound, as every table with growing keys has between two ANALYZEs (and the MariaDB side not
    holding them yet). The keys outside the histogram are counted through the index; the rest
    keeps the planner's estimate, so the plan is still cut from the extent, not by numbering rows."""
    t = unique_name("xl")
    mysql.execute(
        f"CREATE TABLE {t} (id BIGINT PRIMARY KEY, v INT)",
        f"INSERT INTO {t} SELECT seq, seq FROM seq_1_to_3000",
    )
    pg.execute(
        f"CREATE TABLE {t} (id BIGINT PRIMARY KEY, v INT) WITH (autovacuum_enabled = off)",
        f"INSERT INTO {t} SELECT g, g FROM generate_series(1, 3000) g",
        "SELECT pg_stat_force_next_flush()",
        "SELECT 1",
        f"ANALYZE {t}",
        f"INSERT INTO {t} SELECT 3000 + g, g FROM generate_series(1, 250) g",  # past the histogram
        f"DELETE FROM {t} WHERE id <= 40",  # and below it, the histogram still starting at 1
    )
    with open_source(mysql.url) as left, open_source(pg.url) as right:
        plan = build_plan(left, right, DiffOptions(table=t, chunk_size=CHUNK))
    assert plan.rows_estimated
    # The counted keys are exact: the estimate of the right side is off by the planner's error
    # on the 3,000 keys it saw, not by the 250 it never saw.
    assert abs(plan.rows_right - 3210) <= 300, plan.rows_right
    _assert_bounded(mysql, pg, t, "id")
    summary = dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=CHUNK, recheck=0).table().summary
    assert (summary.matched, summary.only_left, summary.only_right) == (2960, 40, 250)


def test_a_table_mostly_past_its_histogram_is_counted(mysql, pg, unique_name):
    """More than a fifth of the rows outside the histogram (not yet counted as changes): the
    statistics are not trusted, and the plan still holds every row once in bounded chunks."""
    t = unique_name("xm")
    mysql.execute(
        f"CREATE TABLE {t} (id BIGINT PRIMARY KEY, v INT)",
        f"INSERT INTO {t} SELECT seq, seq FROM seq_1_to_2000",
    )
    pg.execute(
        f"CREATE TABLE {t} (id BIGINT PRIMARY KEY, v INT) WITH (autovacuum_enabled = off)",
        f"INSERT INTO {t} SELECT g, g FROM generate_series(1, 1000) g",
        "SELECT pg_stat_force_next_flush()",
        "SELECT 1",
        f"ANALYZE {t}",
        f"INSERT INTO {t} SELECT 1000 + g, g FROM generate_series(1, 1000) g",
    )
    with open_source(pg.url) as right:
        from dbdiff.catalog import Column

        key = next(c for c in right.introspect(t).columns if c.name == "id")
        assert isinstance(key, Column)
        assert right.estimate_rows(t, key, 1, 3000) is None
    _assert_bounded(mysql, pg, t, "id")
    summary = dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=CHUNK, recheck=0).table().summary
    assert (summary.matched, summary.only_left, summary.only_right) == (2000, 0, 0)


def test_a_partitioned_table_grown_since_analyze_is_not_trusted(mysql, pg, unique_name):
    """PostgreSQL counts no changes on a partitioned table itself, only on its partitions: a
    table tripled since ANALYZE (its new keys inside the histogram's range, where only the count
    of changes can tell) must not be cut by its stale histogram."""
    t = unique_name("xp")
    mysql.execute(
        f"CREATE TABLE {t} (id BIGINT PRIMARY KEY, v INT)",
        f"INSERT INTO {t} SELECT seq * 100, seq FROM seq_1_to_3000",
    )
    pg.execute(
        f"CREATE TABLE {t} (id BIGINT PRIMARY KEY, v INT) PARTITION BY RANGE (id)",
        f"CREATE TABLE {t}_a PARTITION OF {t} FOR VALUES FROM (MINVALUE) TO (150001) "
        "WITH (autovacuum_enabled = off)",
        f"CREATE TABLE {t}_b PARTITION OF {t} FOR VALUES FROM (150001) TO (MAXVALUE) "
        "WITH (autovacuum_enabled = off)",
        f"INSERT INTO {t} SELECT g * 100, g FROM generate_series(1, 3000) g",
        "SELECT pg_stat_force_next_flush()",
        "SELECT 1",
        f"ANALYZE {t}",
        f"INSERT INTO {t} SELECT 100000 + g, g FROM generate_series(1, 6000) g WHERE g % 100 <> 0",
        "SELECT pg_stat_force_next_flush()",
    )
    _assert_bounded(mysql, pg, t, "id")
    summary = dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=CHUNK, recheck=0).table().summary
    assert (summary.matched, summary.only_left, summary.only_right) == (3000, 0, 5940)
