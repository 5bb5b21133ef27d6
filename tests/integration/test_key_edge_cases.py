"""Keys that once broke chunking or pairing: each a wrong answer or a crash found in review."""

from __future__ import annotations

import pytest

import dbdiff
from dbdiff.errors import RuleError

pytestmark = pytest.mark.servers


def same_table(result: dbdiff.DiffResult, rows: int) -> None:
    table = result.table()
    assert result.status == "identical", table.summary
    assert table.summary.rows_left == table.summary.rows_right == table.summary.matched == rows


def test_bigint_unsigned_keys_chunk_by_number_and_stay_numbers(mysql, pg, unique_name):
    t = unique_name("u64")
    ids = [*range(1, 201), 2**63, 2**64 - 1]
    mysql.execute(f"CREATE TABLE {t} (id BIGINT UNSIGNED PRIMARY KEY, v INT)")
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s)", [(i, i % 7) for i in ids])
    pg.execute(f"CREATE TABLE {t} (id NUMERIC(20, 0) PRIMARY KEY, v INT)")
    pg.executemany(f"INSERT INTO {t} VALUES (%s, %s)", [(i, i % 7) for i in ids if i != 150])
    for chunk_size, workers in ((50, 2), (7, 1)):
        same_table(
            dbdiff.diff(mysql.url, mysql.url, table=t, chunk_size=chunk_size, workers=workers), len(ids)
        )
        result = dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=chunk_size, workers=workers)
        table = result.table()
        assert table.summary.rows_left == len(ids) and table.summary.only_left == 1
        assert table.samples.only_left[0]["key"] == {"id": 150}  # a JSON number, not "150"
    big = dbdiff.diff(mysql.url, pg.url, table=t, where="id > 1000").table()
    assert big.summary.matched == 2


def test_mysql_enum_keys_are_read_once(mysql, unique_name):
    t = unique_name("enumkey")
    mysql.execute(
        f"CREATE TABLE {t} (kind ENUM('zeta','mid','alpha') NOT NULL, id INT NOT NULL, v INT, "
        "PRIMARY KEY (kind, id))"
    )
    mysql.executemany(
        f"INSERT INTO {t} VALUES (%s, %s, %s)",
        [(k, i, i) for k in ("zeta", "mid", "alpha") for i in range(10)],
    )
    for chunk_size in (1000, 10, 4):
        same_table(dbdiff.diff(mysql.url, mysql.url, table=t, chunk_size=chunk_size), 30)


def test_small_decimal_keys(mysql, pg, unique_name):
    t = unique_name("deckey")
    mysql.execute(f"CREATE TABLE {t} (id DECIMAL(20,10) PRIMARY KEY, v INT)")
    pg.execute(f"CREATE TABLE {t} (id NUMERIC(20,10) PRIMARY KEY, v INT)")
    rows = [(f"{i / 1e8:.10f}", i) for i in range(10)]
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s)", rows)
    pg.executemany(f"INSERT INTO {t} VALUES (%s, %s)", rows)
    same_table(dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=3), 10)


def test_zero_dates_in_keys_are_an_error_not_a_silent_loss(mysql, unique_name):
    t = unique_name("zerokey")
    mysql.execute(
        "SET SESSION sql_mode = ''",
        f"CREATE TABLE {t} (d DATE NOT NULL, ts DATETIME NOT NULL, v INT, PRIMARY KEY (d, ts))",
        f"INSERT INTO {t} VALUES ('2019-05-05', '2019-05-05 00:00:00', 1), "
        "('2020-00-00', '0000-00-00 00:00:00', 2), "
        f"('2020-00-00', '2020-01-01 00:00:00', 3), ('2021-01-01', '2021-01-01 00:00:00', 4)",
    )
    with pytest.raises(RuleError, match="key column 'd' on the left side holds values"):
        dbdiff.diff(mysql.url, mysql.url, table=t, chunk_size=1)
    # Compared as text, they match; the zero DATETIME in a NOT NULL key is no NULL key.
    result = dbdiff.diff(
        mysql.url, mysql.url, table=t, chunk_size=1, column_rules={"d": "text", "ts": "text"}
    )
    same_table(result, 4)
    assert result.table().summary.null_keys_left == 0


def test_zoned_timestamps_from_the_residual_pass_stack_with_chunk_samples(pg, unique_name):
    left, right = unique_name("tzl"), unique_name("tzr")
    pg.execute(
        f"CREATE TABLE {left} (k TEXT PRIMARY KEY, ts TIMESTAMPTZ)",
        f"CREATE TABLE {right} (k TEXT PRIMARY KEY, ts TIMESTAMPTZ)",
        f"INSERT INTO {left} VALUES ('a', '2020-01-01Z'), ('b', '2020-01-01Z'), ('c', '2020-01-01Z'), "
        "('d', '2020-01-01Z')",
        f"INSERT INTO {right} VALUES ('a', '2020-01-01 00:00:01Z'), ('c', '2020-01-01 00:00:01Z'), "
        "('d', '2020-01-01 00:00:01Z')",
    )
    table = dbdiff.diff(pg.url, pg.url, table=left, right_table=right, chunk_size=2).table()
    assert table.summary.changed == 3 and table.summary.only_left == 1
    assert [s["key"]["k"] for s in table.samples.changed] == ["a", "c", "d"]


def test_missing_column_in_where_is_a_query_error_not_a_missing_table(pg, unique_name):
    t = unique_name("col")
    pg.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY)")
    from dbdiff.errors import TableNotFoundError, UsageError

    with pytest.raises(UsageError) as info:
        dbdiff.diff(pg.url, pg.url, table=t, where="no_such_column = 1")
    assert not isinstance(info.value, TableNotFoundError)
