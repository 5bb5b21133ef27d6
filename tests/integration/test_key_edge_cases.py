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


# --- issue 8: chunk boundaries, keys that merge, non-finite bounds ---------------------------


def test_time_key_boundaries_follow_the_native_order(mysql, pg, unique_name):
    # MariaDB sorted the window by the CAST(... AS CHAR) alias: boundaries in string order,
    # overlapping chunks ("16 rows matched of 12").
    t = unique_name("timekey")
    times = ["-838:59:59", "-100:00:00", "-10:00:00", "-09:00:00", "-00:00:01", "00:00:00"]
    times += ["00:00:01", "09:00:00", "10:00:00", "99:00:00", "100:00:00", "838:59:59"]
    mysql.execute(f"CREATE TABLE {t} (id TIME PRIMARY KEY, v INT)")
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s)", [(s, i) for i, s in enumerate(times)])
    pg.execute(f"CREATE TABLE {t} (id INTERVAL PRIMARY KEY, v INT)")
    pg.executemany(f"INSERT INTO {t} VALUES (%s::interval, %s)", [(s, i) for i, s in enumerate(times)])
    same_table(dbdiff.diff(mysql.url, mysql.url, table=t, chunk_size=1), 12)
    same_table(dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=1), 12)
    validated = dbdiff.validate(mysql.url, table=t, chunk_size=1).table()
    assert validated.summary.rows_left == 12 and validated.summary.duplicate_keys_left == 0
    assert validated.validation.passed, validated.validation


def test_mariadb_uuid_keys_against_postgresql_uuid(mysql, pg, unique_name):
    import uuid as uuidlib

    t = unique_name("uuidkey")
    rows = [(str(uuidlib.uuid4()), i) for i in range(300)] + [
        (str(uuidlib.uuid1()), 300 + i) for i in range(20)
    ]
    mysql.execute(f"CREATE TABLE {t} (id UUID PRIMARY KEY, v INT)")
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s)", rows)
    pg.execute(f"CREATE TABLE {t} (id UUID PRIMARY KEY, v INT)")
    pg.executemany(f"INSERT INTO {t} VALUES (%s, %s)", rows)
    for chunk_size in (37, 100):
        same_table(dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=chunk_size), 320)


@pytest.mark.parametrize(
    ("mysql_type", "pg_type", "firsts"),
    [
        ("BIGINT UNSIGNED", "NUMERIC(20, 0)", [0, 1, 9, 10, 99, 100, 2**63, 2**64 - 1]),
        ("DECIMAL(10,2)", "NUMERIC(10, 2)", ["-10.00", "-2.50", "0.00", "0.10", "2.00", "10.00", "99.99"]),
    ],
    ids=["bigint-unsigned", "decimal"],
)
def test_composite_keys_with_a_number_read_as_text(mysql, pg, unique_name, mysql_type, pg_type, firsts):
    t = unique_name("compkey")
    rows = [(f, s, i) for i, (f, s) in enumerate((f, s) for f in firsts for s in ("a", "B", "c", "é"))]
    mysql.execute(f"CREATE TABLE {t} (a {mysql_type}, b VARCHAR(10), v INT, PRIMARY KEY (a, b))")
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s, %s)", rows)
    pg.execute(f"CREATE TABLE {t} (a {pg_type}, b VARCHAR(10), v INT, PRIMARY KEY (a, b))")
    pg.executemany(f"INSERT INTO {t} VALUES (%s, %s, %s)", rows)
    for chunk_size in (2, 5):
        same_table(dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=chunk_size), len(rows))
        validated = dbdiff.validate(mysql.url, table=t, chunk_size=chunk_size).table()
        assert validated.summary.duplicate_keys_left == 0 and validated.validation.passed


def test_uuid_text_key_with_two_spellings_counts_alike_at_every_chunk_size(mysql, pg, unique_name):
    # The uuid rule folds case: two raw keys of a utf8mb4_bin CHAR(36) are one key. Paired per
    # chunk, the verdict depended on the chunk size (matched 31 of 30, an only-left row, ...).
    import uuid as uuidlib

    t = unique_name("uuidcase")
    ids = sorted(str(uuidlib.UUID(int=(i * 0x9E3779B97F4A7C15) % 2**128)) for i in range(30))
    left_ids = [u.upper() if i % 3 == 0 else u for i, u in enumerate(ids)] + [ids[14].upper()]
    mysql.execute(f"CREATE TABLE {t} (id CHAR(36) COLLATE utf8mb4_bin PRIMARY KEY, v INT)")
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, 1)", [(u,) for u in left_ids])
    pg.execute(f"CREATE TABLE {t} (id UUID PRIMARY KEY, v INT)")
    pg.executemany(f"INSERT INTO {t} VALUES (%s, 1)", [(u,) for u in ids])
    summaries = set()
    for chunk_size in (1, 2, 3, 1000):
        summary = dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=chunk_size).table().summary
        summaries.add(summary)
        assert summary.rows_left == 31 and summary.rows_right == 30
        assert summary.duplicate_keys_left == 1 and summary.duplicate_keys_right == 0
        assert summary.matched == 29 and summary.only_left == summary.only_right == 0
    assert len(summaries) == 1


@pytest.mark.parametrize("pg_type", ["DOUBLE PRECISION", "REAL", "NUMERIC"])
def test_non_finite_postgresql_keys_bound_mysql_chunks(mysql, pg, unique_name, pg_type):
    # 'nan' reached MariaDB as a column name ("Unknown column 'nan' ... check --where").
    t = unique_name("nankey")
    finite = ["-1.5", "0", "0.5", "2", "10"]
    special = ["NaN", "Infinity", "-Infinity"] if pg_type != "REAL" else ["NaN", "Infinity"]
    mysql_type = "DECIMAL(10,2)" if pg_type == "NUMERIC" else "DOUBLE"
    mysql.execute(f"CREATE TABLE {t} (id {mysql_type} PRIMARY KEY, v INT)")
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, 1)", [(f,) for f in finite])
    pg.execute(f"CREATE TABLE {t} (id {pg_type} PRIMARY KEY, v INT)")
    pg.executemany(f"INSERT INTO {t} VALUES (%s::{pg_type}, 1)", [(f,) for f in finite + special])
    for chunk_size in (1, 2, 3):
        table = dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=chunk_size).table()
        assert table.summary.matched == len(finite), (chunk_size, table.summary)
        assert table.summary.only_right == len(special) and table.summary.only_left == 0
        assert table.summary.rows_right == len(finite + special)
        same_table(dbdiff.diff(pg.url, pg.url, table=t, chunk_size=chunk_size), len(finite + special))


def test_a_mysql_decimal_key_chunks_a_postgresql_integer_key(mysql, pg, unique_name):
    # DECIMAL(10,2) ids migrated to INTEGER: MariaDB's boundaries ('3.00') are shared with the
    # integer side, where a quoted '3.00' is no integer and PostgreSQL refused the chunk query.
    t = unique_name("dec_int")
    rows = [(i, i % 5) for i in range(-5, 20)]
    mysql.execute(f"CREATE TABLE {t} (id DECIMAL(10,2) PRIMARY KEY, v INT)")
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s)", rows)
    pg.execute(f"CREATE TABLE {t} (id INTEGER PRIMARY KEY, v INT)")
    pg.executemany(f"INSERT INTO {t} VALUES (%s, %s)", rows)
    for left, right in ((mysql.url, pg.url), (pg.url, mysql.url)):
        same_table(dbdiff.diff(left, right, table=t, chunk_size=2, workers=2), len(rows))


def test_postgresql_infinite_date_and_timestamp_keys_are_chunk_bounds(mysql, pg, unique_name):
    # 'infinity' and '-infinity' keys on PostgreSQL are chunk boundaries that Python's dates cannot
    # hold: reading them stopped the run ("date too large"). They are rows only PostgreSQL has.
    for mysql_type, pg_type, first in (
        ("DATE", "DATE", "2020-01-01"),
        ("DATETIME(6)", "TIMESTAMP", "2020-01-01 00:00:00"),
        ("TIMESTAMP(6)", "TIMESTAMPTZ", "2020-01-01 00:00:00"),
    ):
        t = unique_name("infkey")
        rows = [(first[:-1] + str(i + 1), i) for i in range(5)]
        mysql.execute(f"CREATE TABLE {t} (k {mysql_type} PRIMARY KEY, v INT)")
        with mysql._connect(mysql.database) as con, con.cursor() as cur:
            cur.execute("SET time_zone = '+00:00'")
            cur.executemany(f"INSERT INTO {t} VALUES (%s, %s)", rows)
        pg.execute(f"CREATE TABLE {t} (k {pg_type} PRIMARY KEY, v INT)")
        pg.executemany(f"INSERT INTO {t} VALUES (%s, %s)", [*rows, ("infinity", 9), ("-infinity", 8)])
        for (left, right), only in (((mysql.url, pg.url), "only_right"), ((pg.url, mysql.url), "only_left")):
            result = dbdiff.diff(left, right, table=t, chunk_size=1, workers=2)
            summary = result.table().summary
            assert (summary.matched, getattr(summary, only), summary.changed) == (5, 2, 0), summary


def test_mysql_zero_and_partial_date_keys_are_chunk_bounds_on_postgresql(mysql, pg, unique_name):
    # '0000-00-00', '2020-00-00' and '2020-01-00' in a MariaDB key (compared as text, as the key
    # error's hint advises) became chunk bounds that PostgreSQL refused: exit 3 after retries.
    t = unique_name("zerodate")
    dates = ["0000-00-00", "0000-00-00", "2020-00-00", "2020-01-00", "2020-01-01", "2021-05-05"]
    rows = [(d, i) for i, d in enumerate(dates)]
    mysql.execute(f"CREATE TABLE {t} (d DATE NOT NULL, id INT NOT NULL, PRIMARY KEY (d, id))")
    with mysql._connect(mysql.database) as con, con.cursor() as cur:
        cur.execute("SET sql_mode = ''")
        cur.executemany(f"INSERT INTO {t} VALUES (%s, %s)", rows)
    pg.execute(f"CREATE TABLE {t} (d DATE NOT NULL, id INT NOT NULL, PRIMARY KEY (d, id))")
    pg.executemany(f"INSERT INTO {t} VALUES (%s, %s)", rows[4:])
    text = {"d": ("text", {})}
    for (left, right), only in (((mysql.url, pg.url), "only_left"), ((pg.url, mysql.url), "only_right")):
        result = dbdiff.diff(left, right, table=t, chunk_size=1, workers=2, column_rules=text)
        summary = result.table().summary
        assert (summary.matched, getattr(summary, only)) == (2, 4), summary


def test_the_text_rule_reads_a_timestamp_read_natively_as_the_text_read_of_it(mysql, unique_name):
    """A MySQL chunk holding a zero date is read as text and the others natively: under the text
    rule a native DATETIME read as '2019-05-05 00:00:00.000000' while its text read said
    '2019-05-05 00:00:00', so a side that read a chunk natively and one that read it as text
    differed on an identical table (CI saw it once, by timing). Forced here: one side reads
    every chunk as text from the start, the other natively until it meets the zero date."""
    from dbdiff.sources.base import open_source

    t = unique_name("textts")
    mysql.execute(
        "SET SESSION sql_mode = ''",
        f"CREATE TABLE {t} (d DATE NOT NULL, ts DATETIME NOT NULL, t3 DATETIME(3), t6 TIMESTAMP(6) NULL, "
        "PRIMARY KEY (d, ts))",
        f"INSERT INTO {t} VALUES ('2019-05-05', '2019-05-05 00:00:00', '2019-05-05 01:02:03.450', "
        "'2019-05-05 01:02:03.000001'), ('2020-00-00', '0000-00-00 00:00:00', NULL, NULL), "
        "('2021-01-01', '2021-01-01 00:00:00', '2021-01-01 00:00:00.000', '2021-01-01 23:59:59.999999')",
    )
    rules = {name: "text" for name in ("d", "ts", "t3", "t6")}
    left, right = open_source(mysql.url), open_source(mysql.url)
    columns = frozenset(rules)
    left._as_text[t] = columns  # as after a zero date met in an earlier chunk
    result = dbdiff.diff(left, right, table=t, chunk_size=1, workers=1, column_rules=rules, recheck=0)
    same_table(result, 3)
    assert right._as_text[t] == columns  # the right side did switch at the zero date
