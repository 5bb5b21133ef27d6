"""Incremental windows (--since, --updated-column, --min-age) on MariaDB and PostgreSQL.

Every table here is written with timestamps relative to the UTC clock when this module's tests
start (`clock`): OLD (2 hours ago, outside a 15-minute window), RECENT (5 minutes ago, inside it)
and FRESH (5 seconds ago, younger than a 3-minute min_age for the minute the module runs: in
flight).
"""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from zoneinfo import ZoneInfo

import pytest

import dbdiff
from dbdiff.errors import ColumnError, UsageError

pytestmark = pytest.mark.servers

NOW = OLD = RECENT = FRESH = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
WINDOW = {"since": "15m", "updated_column": "u", "min_age": "3m"}


@pytest.fixture(scope="module", autouse=True)
def clock() -> None:
    """The module's instants, taken when its tests start (not when the suite was collected)."""
    global NOW, OLD, RECENT, FRESH
    NOW = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    OLD = NOW - dt.timedelta(hours=2)
    RECENT = NOW - dt.timedelta(minutes=5)
    FRESH = NOW - dt.timedelta(seconds=5)


def stamp(value: dt.datetime | None) -> str:
    return "NULL" if value is None else f"'{value.isoformat(sep=' ', timespec='microseconds')}'"


def rows_sql(table: str, rows: list[tuple]) -> str:
    values = ", ".join(
        "(" + ", ".join(stamp(v) if isinstance(v, dt.datetime) or v is None else repr(v) for v in row) + ")"
        for row in rows
    )
    return f"INSERT INTO {table} VALUES {values}"


# id: (left v, left u), (right v, right u); None for a row the side does not have.
def orders_rows() -> dict[int, tuple]:
    return {
        1: (("v1", OLD), ("v1", OLD)),  # equal, outside the window
        2: (("v2", RECENT), ("two", RECENT)),  # changed inside the window: found
        3: (("v3", OLD), ("three", OLD)),  # changed outside the window: not seen
        4: (("v4", OLD), ("four", FRESH)),  # written on the right 5 s ago: in flight, not compared
        5: (("v5", RECENT), None),  # deleted on the right, its left copy written in the window: found
        6: (("six", RECENT), ("v6", OLD)),  # written on the left only: found
        7: (("v7", None), ("seven", None)),  # NULL updated on both sides: not seen
        8: (("v8", None), ("eight", RECENT)),  # NULL on the left, written on the right: found
        9: (("v9", OLD), ("v9", OLD)),
        10: (("v10", OLD), None),  # deleted on the right, left copy untouched: not seen
        11: (None, ("eleven", RECENT)),  # inserted on the right in the window: found
    }


def side_rows(index: int) -> list[tuple]:
    return [(i, *sides[index]) for i, sides in orders_rows().items() if sides[index] is not None]


@pytest.fixture(scope="module")
def orders(mysql, pg):
    """MariaDB TIMESTAMP(6) against PostgreSQL timestamptz, and DATETIME(6) against timestamp."""
    mysql.execute(
        "CREATE TABLE w_orders (id BIGINT PRIMARY KEY, v VARCHAR(20), u TIMESTAMP(6) NULL, KEY (u))",
        "CREATE TABLE w_naive (id BIGINT PRIMARY KEY, v VARCHAR(20), u DATETIME(6) NULL)",
        "SET time_zone = '+00:00'",
        rows_sql("w_orders", side_rows(0)),
        rows_sql("w_naive", side_rows(0)),
    )
    pg.execute(
        "CREATE TABLE w_orders (id BIGINT PRIMARY KEY, v VARCHAR(20), u TIMESTAMPTZ(6))",
        "CREATE TABLE w_naive (id BIGINT PRIMARY KEY, v VARCHAR(20), u TIMESTAMP(6))",
        "SET TimeZone = 'UTC'",
        rows_sql("w_orders", side_rows(1)),
        rows_sql("w_naive", side_rows(1)),
    )
    return "w_orders"


def keys(samples) -> list[int]:
    return sorted(s["key"]["id"] for s in samples)


@pytest.mark.parametrize("table", ["w_orders", "w_naive"])
def test_a_window_compares_the_keys_written_in_it_on_either_side(mysql, pg, orders, table):
    result = dbdiff.diff(mysql.url, pg.url, table=table, **WINDOW)
    t = result.table()
    assert keys(t.samples.changed) == [2, 6, 8]
    assert keys(t.samples.only_left) == [5]
    assert keys(t.samples.only_right) == [11]
    assert (t.summary.rows_left, t.summary.rows_right, t.summary.matched) == (4, 4, 3)
    w = dict(t.window)
    assert (w["keys_left"], w["keys_right"], w["keys_compared"], w["in_flight"]) == (3, 4, 5, 1)
    assert w["updated_column"] == "u" and w["min_age"] == "3m"
    since, until = (dt.datetime.fromisoformat(w[k].replace("Z", "+00:00")) for k in ("since", "until"))
    assert until - since == dt.timedelta(minutes=15) and abs(until.replace(tzinfo=None) - NOW) < dt.timedelta(
        minutes=5
    )
    data = result.to_dict()
    assert data["tables"][0]["window"] == w
    assert data["options"]["since"] == "15m" and data["options"]["updated_column"] == "u"
    # Without min_age the row written 5 s ago is compared, and differs.
    young = dbdiff.diff(mysql.url, pg.url, table=table, since="15m", updated_column="u").table()
    assert keys(young.samples.changed) == [2, 4, 6, 8] and young.window["in_flight"] == 0
    # Swapping the sides swaps what is only on one side.
    swapped = dbdiff.diff(pg.url, mysql.url, table=table, **WINDOW).table()
    assert keys(swapped.samples.only_left) == [11] and keys(swapped.samples.only_right) == [5]


def test_a_window_since_a_timestamp_and_with_the_users_where(mysql, pg, orders):
    since = (NOW - dt.timedelta(minutes=15)).isoformat()  # no offset: UTC
    t = dbdiff.diff(mysql.url, pg.url, table=orders, since=since, updated_column="u", where="id < 8").table()
    assert keys(t.samples.changed) == [2, 4, 6] and keys(t.samples.only_left) == [5]
    assert t.samples.only_right == () and t.window["keys_right"] == 2
    # An instant with an offset means that instant.
    berlin = (
        (NOW - dt.timedelta(minutes=15)).replace(tzinfo=dt.timezone.utc).astimezone(ZoneInfo("Europe/Berlin"))
    )
    same = dbdiff.diff(mysql.url, pg.url, table=orders, since=berlin.isoformat(), updated_column="u").table()
    assert keys(same.samples.changed) == [2, 4, 6, 8]


def test_an_empty_window_is_identical(mysql, pg, orders):
    later = (NOW + dt.timedelta(hours=1)).isoformat() + "Z"
    result = dbdiff.diff(mysql.url, pg.url, table=orders, since=later, updated_column="u")
    assert result.status == "identical" and result.exit_code == 0
    assert result.table().window["keys_compared"] == 0 and result.table().summary.rows_left == 0


def test_a_zone_less_updated_column_honours_assume_zone(mysql, pg, unique_name):
    """A DATETIME holding Berlin wall times: written 5 and 30 minutes ago. Read as UTC (wrongly)
    both would be an hour in the future, in flight; in Berlin time one is in a 15 m window."""
    t = unique_name("w_berlin")
    berlin = ZoneInfo("Europe/Berlin")

    def wall(ago: dt.timedelta) -> dt.datetime:
        return (NOW - ago).replace(tzinfo=dt.timezone.utc).astimezone(berlin).replace(tzinfo=None)

    mysql.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, v INT, u DATETIME(6))",
        rows_sql(t, [(1, 1, wall(dt.timedelta(minutes=5))), (2, 2, wall(dt.timedelta(minutes=30)))]),
    )
    pg.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, v INT, u TIMESTAMPTZ(6))",
        "SET TimeZone = 'UTC'",
        rows_sql(t, [(1, 10, NOW - dt.timedelta(minutes=5)), (2, 20, NOW - dt.timedelta(minutes=30))]),
    )
    zoned = {"u": ("timestamp", {"assume_zone": "Europe/Berlin"})}
    table = dbdiff.diff(mysql.url, pg.url, table=t, column_rules=zoned, **WINDOW).table()
    assert table.window["keys_left"] == 1 and table.window["in_flight"] == 0
    assert keys(table.samples.changed) == [1]
    assert [c.name for c in table.columns if c.mismatches] == ["v"]  # u agrees, in Berlin time


def test_composite_string_decimal_and_quoted_keys(mysql, pg, unique_name):
    t = unique_name("w_comp")
    names = ["O'Brien", 'say "hi"', "back\\slash", "Zürich", "semi; DROP TABLE x; --", "plain"]
    left = [(name, f"{i}.50", i, RECENT if i % 2 == 0 else OLD) for i, name in enumerate(names)]
    right = [(name, amount, v + (100 if name != "plain" else 0), u) for name, amount, v, u in left]
    mysql.execute(
        f"CREATE TABLE {t} (name VARCHAR(40), amount DECIMAL(10,2), v INT, u DATETIME(6), "
        "PRIMARY KEY (name, amount))",
    )
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s, %s, %s)", left)
    pg.execute(
        f"CREATE TABLE {t} (name TEXT, amount NUMERIC(10,2), v INT, u TIMESTAMP(6), "
        "PRIMARY KEY (name, amount))"
    )
    pg.executemany(f"INSERT INTO {t} VALUES (%s, %s, %s, %s)", right)
    table = dbdiff.diff(mysql.url, pg.url, table=t, since="15m", updated_column="u").table()
    found = sorted((s["key"]["name"], s["key"]["amount"]) for s in table.samples.changed)
    assert found == sorted((n, f"{i}.50") for i, n in enumerate(names) if i % 2 == 0 and n != "plain")
    assert table.window["keys_compared"] == 3 and table.summary.matched == 3
    assert table.summary.only_left == table.summary.only_right == 0


def test_uuid_keys_char_against_uuid(mysql, pg, unique_name):
    import uuid

    t = unique_name("w_uuid")
    ids = [str(uuid.UUID(int=i * 7919 + 1)) for i in range(6)]
    mysql.execute(
        f"CREATE TABLE {t} (id CHAR(36) PRIMARY KEY, v INT, u TIMESTAMP(6) NULL)",
        "SET time_zone = '+00:00'",
        rows_sql(t, [(k, i, RECENT if i < 3 else OLD) for i, k in enumerate(ids)]),
    )
    pg.execute(
        f"CREATE TABLE {t} (id UUID PRIMARY KEY, v INT, u TIMESTAMPTZ(6))",
        "SET TimeZone = 'UTC'",
        rows_sql(t, [(k, i + (i % 2), RECENT if i < 3 else OLD) for i, k in enumerate(ids) if i != 2]),
    )
    table = dbdiff.diff(mysql.url, pg.url, table=t, since="15m", updated_column="u").table()
    assert [s["key"]["id"] for s in table.samples.changed] == [ids[1]]
    assert [s["key"]["id"] for s in table.samples.only_left] == [ids[2]]
    assert table.window["keys_compared"] == 3


def test_bad_updated_columns_are_usage_errors(mysql, pg, orders, unique_name):
    with pytest.raises(ColumnError, match=r"--updated-column 'v' is varchar\(20\) on the left side"):
        dbdiff.diff(mysql.url, pg.url, table=orders, since="15m", updated_column="v")
    with pytest.raises(ColumnError, match=r"--updated-column 'updated' does not exist on the left side"):
        dbdiff.diff(mysql.url, pg.url, table=orders, since="15m", updated_column="updated")
    with pytest.raises(UsageError, match="--since needs --updated-column"):
        dbdiff.diff(mysql.url, pg.url, table=orders, since="15m")


def run_cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dbdiff.cli", *args], capture_output=True, text=True, timeout=120
    )


def test_cli_window_json_explain_and_errors(mysql, pg, orders, tmp_path):
    out = tmp_path / "r.json"
    base = ["diff", mysql.url, pg.url, "--table", orders]
    proc = run_cli(
        *base, "--since", "15m", "--updated-column", "u", "--min-age", "3m", "--json", str(out), "-q"
    )
    assert proc.returncode == 1, proc.stderr
    report = json.loads(out.read_text())
    assert report["tables"][0]["window"]["keys_compared"] == 5
    assert report["tables"][0]["summary"]["changed"] == 3
    explained = run_cli(
        "explain", mysql.url, pg.url, "--table", orders, "--since", "15m", "--updated-column", "u"
    )
    assert explained.returncode == 0, explained.stderr
    assert "rows 5" in explained.stdout  # the left side's rows in the window (2, 4, 5, 6, 8)
    assert "window: u since" in explained.stdout and "in flight 0" in explained.stdout
    for flags, message in (
        (["--since", "15 parsecs", "--updated-column", "u"], "--since takes a duration"),
        (["--since", "15m"], "--since needs --updated-column"),
        (["--since", "15m", "--updated-column", "u", "--min-age", "-1s"], "--min-age takes a duration"),
        (["--min-age", "30s"], "--min-age needs --since"),
        (["--since", "15m", "--updated-column", "v"], "a window needs a timestamp or datetime column"),
    ):
        proc = run_cli(*base, *flags)
        assert proc.returncode == 2, (flags, proc.stderr)
        lines = proc.stderr.strip().splitlines()
        assert len(lines) == 1 and message in lines[0], proc.stderr


def test_a_big_window_is_read_in_chunks_of_its_own_keys(mysql, pg, unique_name):
    """3,000 keys (a composite key of two numbers): key lists longer than 999 and chunks cut from
    the window's keys, read side by side; the answer is the same as in one chunk."""
    t = unique_name("w_big")
    recent = stamp(RECENT)
    mysql.execute(
        f"CREATE TABLE {t} (a INT, b INT, v INT, u TIMESTAMP(6) NULL, PRIMARY KEY (a, b))",
        "SET time_zone = '+00:00'",
        f"INSERT INTO {t} SELECT seq % 7, seq, seq, {recent} FROM seq_1_to_3000",
        f"INSERT INTO {t} SELECT seq % 7, seq, seq, {stamp(OLD)} FROM seq_3001_to_4000",
    )
    pg.execute(
        f"CREATE TABLE {t} (a INT, b INT, v INT, u TIMESTAMPTZ(6), PRIMARY KEY (a, b))",
        "SET TimeZone = 'UTC'",
        f"INSERT INTO {t} SELECT s % 7, s, CASE WHEN s % 500 = 0 THEN -s ELSE s END, {recent} "
        "FROM generate_series(1, 3000) s WHERE s <> 1234",
        f"INSERT INTO {t} SELECT s % 7, s, -s, {stamp(OLD)} FROM generate_series(3001, 4000) s",
    )
    whole = dbdiff.diff(mysql.url, pg.url, table=t, since="15m", updated_column="u", workers=4).table()
    assert whole.stats["chunks"] == 3 and whole.window["keys_compared"] == 3000  # of 1,000 keys
    assert sorted(s["key"]["b"] for s in whole.samples.changed) == [500, 1000, 1500, 2000, 2500, 3000]
    assert [s["key"] for s in whole.samples.only_left] == [{"a": 1234 % 7, "b": 1234}]
    assert (whole.summary.rows_left, whole.summary.rows_right, whole.summary.matched) == (3000, 2999, 2999)
    # Rows read agree with rows counted (only the sides' counts differ, by the missing row).
    assert {f.check for f in whole.validation.failures} == {"row_count_equal"}
    one = dbdiff.diff(mysql.url, pg.url, table=t, since="15m", updated_column="u", workers=1).table()
    assert one.stats["chunks"] == 1 and one.summary == whole.summary
