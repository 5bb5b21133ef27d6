"""Values that once compared wrong between MariaDB and PostgreSQL: each a finding of review."""

from __future__ import annotations

import pytest

import dbdiff

pytestmark = pytest.mark.servers


def changed_ids(mysql, pg, table: str, **kwargs) -> list[int]:
    result = dbdiff.diff(mysql.url, pg.url, table=table, chunk_size=2, **kwargs)
    return [s["key"]["id"] for s in result.table().samples.changed]


def test_an_integer_against_a_float_keeps_every_digit(mysql, pg, unique_name):
    t = unique_name("intreal")
    mysql.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, v INT)",
        f"INSERT INTO {t} VALUES (1, 16777217), (2, 2147483647), (3, 1), (4, -7)",
    )
    pg.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, v REAL)",
        f"INSERT INTO {t} VALUES (1, 16777216), (2, 2147483647), (3, 1), (4, -7)",
    )
    # real stores 16777216 and 2147483648: neither is the integer on the left.
    assert changed_ids(mysql, pg, t) == [1, 2]


def test_a_double_beyond_real_range_is_no_infinity(mysql, pg, unique_name):
    t = unique_name("dblreal")
    mysql.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, v DOUBLE)",
        f"INSERT INTO {t} VALUES (1, 1e39), (2, -1e300), (3, 1e-50), (4, 0.1)",
    )
    pg.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, v REAL)",
        f"INSERT INTO {t} VALUES (1, 'Infinity'), (2, '-Infinity'), (3, 0), (4, 0.1)",
    )
    assert changed_ids(mysql, pg, t) == [1, 2, 3]


def test_a_lost_trailing_space_between_varchar_and_char(mysql, pg, unique_name):
    t = unique_name("vcchar")
    mysql.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, v VARCHAR(5))",
        f"INSERT INTO {t} VALUES (1, 'ab '), (2, 'ab'), (3, '')",
    )
    pg.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, v CHAR(5))",
        f"INSERT INTO {t} VALUES (1, 'ab'), (2, 'ab'), (3, '')",
    )
    assert changed_ids(mysql, pg, t) == [1]


def test_text_that_is_no_uuid_is_compared_as_it_is(mysql, pg, unique_name):
    t = unique_name("baduuid")
    good = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    mysql.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, v CHAR(38))",
        f"INSERT INTO {t} VALUES (1, '{good.upper()}'), (2, '{{{good}}}'), (3, '{good}')",
    )
    pg.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, v UUID)",
        f"INSERT INTO {t} VALUES (1, '{good}'), (2, '{good}'), (3, '{good}')",
    )
    assert changed_ids(mysql, pg, t) == []
    # MariaDB's UUID type against text: a malformed spelling must not pass for the UUID.
    u = unique_name("uuidtext")
    mysql.execute(
        f"CREATE TABLE {u} (id INT PRIMARY KEY, v UUID)",
        f"INSERT INTO {u} VALUES (1, '{good}'), (2, '{good}')",
    )
    pg.execute(
        f"CREATE TABLE {u} (id INT PRIMARY KEY, v TEXT)",
        f"INSERT INTO {u} VALUES (1, '{good.upper()}'), (2, 'a0eebc99--9c0b-4ef8-bb6d-6bb9bd380a11')",
    )
    assert changed_ids(mysql, pg, u) == [2]


def test_json_with_a_lone_surrogate_is_compared_not_a_crash(mysql, pg, unique_name):
    t = unique_name("jsur")
    mysql.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, v JSON)", f"""INSERT INTO {t} VALUES (1, '"x"'), (2, '"y"')"""
    )
    pg.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, v JSON)",
        f"""INSERT INTO {t} VALUES (1, '"x"'), (2, '"\\ud800"')""",
    )
    assert changed_ids(mysql, pg, t) == [2]


def test_bit64_against_a_signed_bigint(mysql, pg, unique_name):
    t = unique_name("bit64")
    mysql.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, v BIT(64))",
        f"INSERT INTO {t} VALUES (1, 0xffffffffffffffff), (2, b'101')",
    )
    pg.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, v BIGINT)", f"INSERT INTO {t} VALUES (1, -1), (2, 5)")
    assert changed_ids(mysql, pg, t) == [1]  # a difference to report, not a value that cannot be read


def test_dst_wall_times_compare_as_postgresql_loaded_them(mysql, pg, unique_name):
    t = unique_name("dst")
    mysql.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, v DATETIME)",
        f"INSERT INTO {t} VALUES (1, '2024-03-10 02:30:00'), (2, '2024-11-03 01:30:00'), "
        "(3, '2024-06-01 12:00:00')",
    )
    pg.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, v TIMESTAMPTZ)",
        f"INSERT INTO {t} VALUES (1, '2024-03-10 07:30:00+00'), (2, '2024-11-03 06:30:00+00'), "
        "(3, '2024-06-01 17:00:00+00')",
    )
    zone = {"v": ("", {"assume_zone": "America/New_York"})}
    assert changed_ids(mysql, pg, t, column_rules=zone) == [3]  # 12:00 EDT is 16:00 UTC, not 17:00


def test_a_key_value_no_rule_can_read_is_named_with_its_row(mysql, pg, unique_name):
    # A compared value no rule can read is an "unreadable" difference (test_value_rules.py); a key
    # value cannot be matched at all, so it still stops the run, naming the row.
    from dbdiff.errors import RuleError

    t = unique_name("invdate")
    mysql.execute(
        "SET SESSION sql_mode = 'ALLOW_INVALID_DATES'",
        f"CREATE TABLE {t} (d DATE PRIMARY KEY, v INT)",
        f"INSERT INTO {t} VALUES ('2024-01-01', 1), ('2024-02-30', 2), ('2024-03-01', 3)",
    )
    pg.execute(f"CREATE TABLE {t} (d DATE PRIMARY KEY, v INT)", f"INSERT INTO {t} VALUES ('2024-01-01', 1)")
    with pytest.raises(
        RuleError, match=r"column 'd' \(date\) on the left side .* \(row d='2024-02-30': '2024-02-30'\)"
    ):
        dbdiff.diff(mysql.url, pg.url, table=t)


def test_tinyint1_values_other_than_0_and_1_are_equal_but_flagged(mysql, pg, unique_name):
    t = unique_name("tiny2")
    mysql.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, flag TINYINT(1))",
        f"INSERT INTO {t} VALUES (1, 1), (2, 2), (3, 0), (4, -1), (5, NULL)",
    )
    pg.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, flag BOOLEAN)",
        f"INSERT INTO {t} VALUES (1, true), (2, true), (3, false), (4, true), (5, NULL)",
    )
    for chunk_size in (2, 100):
        result = dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=chunk_size)
        table = result.table()
        assert result.status == "identical" and result.exit_code == 0  # a warning is no difference
        (warning,) = table.warnings
        assert (warning["side"], warning["column"], warning["count"]) == ("left", "flag", 2)
        assert warning["examples"] == [{"key": {"id": 2}, "value": 2}, {"key": {"id": 4}, "value": -1}]
        assert "other than 0 and 1" in warning["message"]
    again = dbdiff.DiffResult.from_dict(result.to_dict())
    assert again.table().warnings == table.warnings
    masked = dbdiff.diff(mysql.url, pg.url, table=t, mask=["flag"]).table().warnings[0]
    assert all(str(e["value"]).startswith("masked:") for e in masked["examples"])
