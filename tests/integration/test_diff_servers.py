"""End-to-end diffs between the real MariaDB and the real PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import pytest

import dbdiff
from dbdiff.errors import TableNotFoundError

pytestmark = pytest.mark.servers


def _summary(result: dbdiff.DiffResult) -> dict[str, int]:
    return result.table().summary.to_dict()


def test_identical_tables_across_engines(mysql, pg, unique_name):
    t = unique_name("same")
    mysql.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, flag TINYINT(1), amount DECIMAL(12,2), name VARCHAR(40), "
        "code CHAR(4), created DATETIME(6), ratio DOUBLE)"
    )
    pg.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, flag BOOLEAN, amount NUMERIC(12,2), name TEXT, "
        "code CHAR(4), created TIMESTAMP(6), ratio DOUBLE PRECISION)"
    )
    rows = [
        (1, 1, Decimal("1.10"), "abc", "ab", dt.datetime(2024, 1, 1, 12, 0, 0, 123456), 0.1),
        (2, 0, Decimal("0.00"), "", "", dt.datetime(2024, 6, 1), -0.0),
        (3, None, None, None, None, None, None),
    ]
    mysql.executemany(f"INSERT INTO {t} VALUES (%s,%s,%s,%s,%s,%s,%s)", rows)
    pg.executemany(
        f"INSERT INTO {t} VALUES (%s,%s,%s,%s,%s,%s,%s)",
        [(r[0], None if r[1] is None else bool(r[1]), *r[2:]) for r in rows],
    )
    result = dbdiff.diff(mysql.url, pg.url, table=t)
    assert result.status == "identical", result.to_json()
    assert _summary(result)["matched"] == 3
    rules = {c.name: c.rule for c in result.table().schema.columns}
    assert rules["flag"].startswith("tinyint1-as-boolean")
    assert rules["code"] == "text"  # each CHAR side sheds its own padding


def test_string_keys_ordered_differently_by_the_two_collations(mysql, pg, unique_name):
    """MySQL's case-insensitive collation and PostgreSQL's "C" order put keys in other chunks."""
    t = unique_name("strkey")
    mysql.execute(f"CREATE TABLE {t} (k VARCHAR(20) COLLATE utf8mb4_general_ci PRIMARY KEY, v INT)")
    pg.execute(f'CREATE TABLE {t} (k VARCHAR(20) COLLATE "C" PRIMARY KEY, v INT)')
    keys = []
    for i in range(600):
        # Mixed case and punctuation: 'a' < 'B' in MySQL, 'B' < 'a' in "C".
        keys.append(f"{'aBcDeF'[i % 6]}{i:04d}")
        keys.append(f"_{i:04d}" if i % 3 == 0 else f"Z{i:04d}")
    rows = [(k, i) for i, k in enumerate(keys)]
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s)", rows)
    right = [r for r in rows if r[0] not in ("a0000", "Z0001")] + [("zz-extra", 1)]
    right = [(k, v + 1) if k == "c0002" else (k, v) for k, v in right]
    pg.executemany(f"INSERT INTO {t} VALUES (%s, %s)", right)

    expected = None
    for chunk_size, workers in ((50, 1), (97, 3), (5000, 2)):
        result = dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=chunk_size, workers=workers)
        table = result.table()
        summary = _summary(result)
        assert summary["only_left"] == 2, summary
        assert summary["only_right"] == 1
        assert summary["changed"] == 1
        assert summary["matched"] == len(rows) - 2
        assert {s["key"]["k"] for s in table.samples.only_left} == {"a0000", "Z0001"}
        assert [s["key"]["k"] for s in table.samples.only_right] == ["zz-extra"]
        assert table.samples.changed[0] == {"key": {"k": "c0002"}, "diffs": {"v": {"left": 4, "right": 5}}}
        assert not table.stats["shared_boundaries"]
        if expected is None:
            expected = summary
        assert summary == expected


def test_composite_key(mysql, pg, unique_name):
    t = unique_name("comp")
    mysql.execute(f"CREATE TABLE {t} (tenant INT, code VARCHAR(10), qty INT, PRIMARY KEY (tenant, code))")
    pg.execute(f"CREATE TABLE {t} (tenant INT, code VARCHAR(10), qty INT, PRIMARY KEY (tenant, code))")
    rows = [(tenant, f"c{c:03d}", tenant * c) for tenant in range(1, 21) for c in range(50)]
    mysql.executemany(f"INSERT INTO {t} VALUES (%s,%s,%s)", rows)
    changed = [(t_, c, q + 1 if (t_, c) == (7, "c010") else q) for t_, c, q in rows if (t_, c) != (3, "c049")]
    pg.executemany(f"INSERT INTO {t} VALUES (%s,%s,%s)", changed)
    for chunk_size in (33, 1000):
        result = dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=chunk_size)
        table = result.table()
        assert table.key == ("tenant", "code")
        assert _summary(result)["only_left"] == 1
        assert table.samples.only_left[0]["key"] == {"tenant": 3, "code": "c049"}
        assert table.samples.changed[0]["key"] == {"tenant": 7, "code": "c010"}
        assert table.samples.changed[0]["diffs"] == {"qty": {"left": 70, "right": 71}}


def test_duplicate_keys_on_a_side_without_primary_key(mysql, pg, unique_name):
    t = unique_name("dups")
    mysql.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, v VARCHAR(10))")
    pg.execute(f"CREATE TABLE {t} (id INT, v VARCHAR(10))")  # no primary key: duplicates possible
    mysql.executemany(f"INSERT INTO {t} VALUES (%s,%s)", [(i, f"v{i}") for i in range(1, 101)])
    pg.executemany(
        f"INSERT INTO {t} VALUES (%s,%s)",
        [(i, f"v{i}") for i in range(1, 101)] + [(10, "v10"), (20, "other"), (20, "third")],
    )
    for chunk_size in (7, 1000):
        result = dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=chunk_size)
        summary = _summary(result)
        assert summary["duplicate_keys_right"] == 2
        assert summary["duplicate_keys_left"] == 0
        # Duplicated keys are reported, never paired: neither matched nor changed.
        assert summary["matched"] == 98
        assert summary["changed"] == 0
        assert summary["only_left"] == summary["only_right"] == 0
        dups = sorted((d["key"]["id"], d["count"], d["side"]) for d in result.table().samples.duplicates)
        assert dups == [(10, 2, "right"), (20, 3, "right")]
        assert result.status == "different"


def test_nulls_in_every_column(mysql, pg, unique_name):
    t = unique_name("nulls")
    mysql.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, i INT, b TINYINT(1), d DECIMAL(20,5), f FLOAT, g DOUBLE, "
        "s VARCHAR(10), c CHAR(3), dt DATETIME, ts TIMESTAMP NULL, da DATE, tm TIME, bin VARBINARY(8))"
    )
    pg.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, i BIGINT, b BOOLEAN, d NUMERIC(20,5), f REAL, g FLOAT8, "
        "s TEXT, c CHAR(3), dt TIMESTAMP, ts TIMESTAMPTZ, da DATE, tm TIME, bin BYTEA)"
    )
    nulls = (None,) * 12
    mysql.executemany(
        f"INSERT INTO {t} VALUES ({', '.join(['%s'] * 13)})", [(1, *nulls), (2, *nulls), (3, *nulls)]
    )
    values = (
        5,
        True,
        Decimal("1.5"),
        0.5,
        2.5,
        "x",
        "abc",
        dt.datetime(2024, 1, 1),
        dt.datetime(2024, 1, 1),
        dt.date(2024, 1, 1),
        dt.time(1, 2, 3),
        b"\x00",
    )
    pg_values = [(1, *nulls), (2, *nulls), (3, *values)]
    pg.executemany(f"INSERT INTO {t} VALUES ({', '.join(['%s'] * 13)})", pg_values)
    result = dbdiff.diff(mysql.url, pg.url, table=t)
    table = result.table()
    assert table.summary.changed == 1
    assert table.summary.matched == 3
    # Every column of row 3 is NULL on the left and set on the right: each is one mismatch.
    assert {c.name: c.mismatches for c in table.columns} == dict.fromkeys(
        ["i", "b", "d", "f", "g", "s", "c", "dt", "ts", "da", "tm", "bin"], 1
    )
    diffs = table.samples.changed[0]["diffs"]
    assert diffs["d"] == {"left": None, "right": "1.50000"}
    assert diffs["bin"] == {"left": None, "right": "\\x00"}


def test_null_keys_are_reported(mysql, pg, unique_name):
    t = unique_name("nullkey")
    mysql.execute(f"CREATE TABLE {t} (id INT NULL, v INT)")
    pg.execute(f"CREATE TABLE {t} (id INT NULL, v INT)")
    mysql.executemany(f"INSERT INTO {t} VALUES (%s,%s)", [(1, 1), (None, 2), (None, 3)])
    pg.executemany(f"INSERT INTO {t} VALUES (%s,%s)", [(1, 1)])
    result = dbdiff.diff(mysql.url, pg.url, table=t, key="id")
    summary = _summary(result)
    assert summary["null_keys_left"] == 2
    assert summary["null_keys_right"] == 0
    assert summary["matched"] == 1
    assert summary["rows_left"] == 3
    assert result.status == "different"
    assert sorted(s["row"]["v"] for s in result.table().samples.null_keys) == [2, 3]


def test_mysql_timestamps_read_in_utc_whatever_the_session_zone(mysql, pg, unique_name):
    t = unique_name("tz")
    mysql.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, ts TIMESTAMP NULL)")
    pg.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, ts TIMESTAMPTZ)")
    # Written through a +02:00 session: stored as 10:00 UTC.
    mysql.execute("SET time_zone = '+02:00'", f"INSERT INTO {t} VALUES (1, '2024-06-01 12:00:00')")
    mysql.execute(f"INSERT INTO {t} VALUES (2, '2024-06-01 12:00:00')")  # session zone of the server
    pg.execute(
        f"INSERT INTO {t} VALUES (1, '2024-06-01 10:00:00+00'), (2, '2024-06-01 13:00:00+00')",
    )
    server_zone = mysql.execute("SELECT TIMESTAMPDIFF(HOUR, UTC_TIMESTAMP(), NOW())")[0][0]
    result = dbdiff.diff(mysql.url, pg.url, table=t)
    changed = {s["key"]["id"] for s in result.table().samples.changed}
    # Row 1 is the same instant; row 2 differs by an hour (plus the server's own offset).
    assert 1 not in changed
    assert 2 in changed or server_zone == -1


def test_large_table_in_many_chunks_gives_the_same_answer_at_any_chunking(mysql, pg, unique_name):
    t = unique_name("big")
    n = 200_000
    mysql.execute(
        f"CREATE TABLE {t} (id BIGINT PRIMARY KEY, amount DECIMAL(14,2), name VARCHAR(30), qty INT)",
        f"INSERT INTO {t} SELECT seq, seq * 1.25, CONCAT('name-', seq), seq % 97 FROM seq_1_to_{n}",
    )
    pg.execute(
        f"CREATE TABLE {t} (id BIGINT PRIMARY KEY, amount NUMERIC(14,2), name TEXT, qty INT)",
        f"INSERT INTO {t} SELECT g, g * 1.25, 'name-' || g, g % 97 FROM generate_series(1, {n}) g "
        f"WHERE g NOT IN (5, 99999, 200000)",
        f"INSERT INTO {t} VALUES (200001, 1, 'extra', 1), (200002, 2, 'extra', 2)",
        f"UPDATE {t} SET amount = amount + 0.01 WHERE id IN (10, 150000)",
        f"UPDATE {t} SET name = 'NAME-77' WHERE id = 77",
    )
    results = []
    for chunk_size, workers in ((7_000, 1), (23_456, 4), (250_000, 2)):
        result = dbdiff.diff(
            mysql.url, pg.url, table=t, chunk_size=chunk_size, workers=workers, sample_limit=10
        )
        table = result.table()
        assert table.stats["chunks"] >= (n // chunk_size)
        results.append(
            (
                table.summary.to_dict(),
                [c.to_dict() for c in table.columns],
                table.samples.to_dict(),
            )
        )
    assert results[0] == results[1] == results[2]
    summary, columns, samples = results[0]
    assert summary["only_left"] == 3 and summary["only_right"] == 2 and summary["changed"] == 3
    assert summary["rows_left"] == n and summary["rows_right"] == n - 1
    assert {c["name"]: c["mismatches"] for c in columns} == {"amount": 2, "name": 1, "qty": 0}
    assert [s["key"]["id"] for s in samples["only_left"]] == [5, 99999, 200000]
    assert [s["key"]["id"] for s in samples["changed"]] == [10, 77, 150000]
    assert samples["changed"][0]["diffs"] == {"amount": {"left": "12.50", "right": "12.51"}}


def test_missing_table_is_a_usage_error(mysql, pg):
    with pytest.raises(TableNotFoundError, match="does not exist"):
        dbdiff.diff(mysql.url, pg.url, table="no_such_table_here")


def test_drill_down_frames(mysql, pg, unique_name):
    t = unique_name("drill")
    mysql.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, v VARCHAR(5))")
    pg.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, v VARCHAR(5))")
    mysql.executemany(f"INSERT INTO {t} VALUES (%s,%s)", [(i, "a") for i in range(1, 301)])
    pg.executemany(f"INSERT INTO {t} VALUES (%s,%s)", [(i, "b" if i % 2 else "a") for i in range(1, 301)])
    result = dbdiff.diff(mysql.url, pg.url, table=t, sample_limit=5, chunk_size=64)
    assert len(result.table().samples.changed) == 5
    changed = result.changed()
    assert changed.height == 150  # every changed row, not only the samples
    assert changed.columns == ["id", "differs", "v_left", "v_right"]
    assert changed["id"].to_list() == list(range(1, 301, 2))
    assert result.only_left().height == 0
    json.loads(result.to_json())


def test_postgres_infinity_is_reported_not_a_crash(mysql, pg, unique_name):
    t = unique_name("inf")
    mysql.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, ts DATETIME, d DATE)")
    pg.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, ts TIMESTAMP, d DATE)")
    mysql.execute(
        f"INSERT INTO {t} VALUES (1, '2024-01-01', '2024-01-01'), (2, '9999-12-31 23:59:59', '9999-12-31')"
    )
    pg.execute(
        f"INSERT INTO {t} VALUES (1, 'infinity', '-infinity'), (2, '9999-12-31 23:59:59', '9999-12-31'), "
        "(3, '-infinity', 'infinity')"
    )
    table = dbdiff.diff(mysql.url, pg.url, table=t).table()
    assert table.summary.changed == 1 and table.summary.only_right == 1
    assert table.samples.changed[0]["diffs"] == {
        "ts": {"left": "2024-01-01T00:00:00", "right": "infinity"},  # one form for both sides
        "d": {"left": "2024-01-01", "right": "-infinity"},
    }
    assert table.samples.only_right[0]["row"] == {"id": 3, "ts": "-infinity", "d": "infinity"}
