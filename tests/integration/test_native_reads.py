"""MySQL DATE, DATETIME and TIMESTAMP are read natively (no text cast in the SELECT list); a chunk
holding a value connectorx cannot convert (a zero or partial date) is read again as text, and
every answer is the one a text read of every chunk gives."""

from __future__ import annotations

import json
import logging

import pytest

import dbdiff
from dbdiff.sources.base import open_source

pytestmark = pytest.mark.servers


def _answer(result: dbdiff.DiffResult) -> dict:
    data = json.loads(result.to_json())
    data["started_at"] = data["duration_s"] = data["options"] = data["timings"] = None
    for table in data["tables"]:
        table["stats"] = None
        table["timings"] = None
    return data


def _text_read(url: str, table: str):
    """A source that reads every column of `table` with a text form as text, as before this change."""
    source = open_source(url)
    source._as_text[table] = frozenset(c.name for c in source.introspect(table).columns)  # type: ignore[attr-defined]
    return source


def test_select_lists_read_dates_natively_and_the_rest_as_before(mysql, unique_name):
    t = unique_name("natsel")
    mysql.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, d DATE, dt DATETIME(6), ts TIMESTAMP(6) NULL, "
        "amount DECIMAL(12,2), tm TIME)"
    )
    with open_source(mysql.url) as source:
        columns = {c.name: c for c in source.introspect(t).columns}
        select = {name: source.sql.select_expr(c) for name, c in columns.items()}
        text = {name: source.sql.text_expr(c) for name, c in columns.items()}
    assert select["d"] == "`d`" and select["dt"] == "`dt`" and select["ts"] == "`ts`"
    assert text["dt"] == "CAST(`dt` AS CHAR) AS `dt`"
    # Text where connectorx is not exact or not faster: decimals, TIME.
    assert select["amount"] == "CAST(`amount` AS CHAR) AS `amount`" and text["amount"] is None
    assert select["tm"] == "CAST(`tm` AS CHAR) AS `tm`"


def _zero_date_tables(mysql, pg, t: str) -> None:
    mysql.execute(
        "SET SESSION sql_mode = ''",
        f"CREATE TABLE {t} (id INT PRIMARY KEY, dt DATETIME(6), d DATE, ts TIMESTAMP(6) NULL, "
        "big DECIMAL(65,30), v INT)",
    )
    pg.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, dt timestamp(6), d date, ts timestamptz(6), "
        "big numeric(65,30), v INT)"
    )
    big = "12345678901234567890.123456789012345678901234567891"
    left, right = [], []
    for i in range(1, 61):
        dt = f"2024-01-{i % 28 + 1:02d} 12:00:00.{i:06d}"
        d = f"2023-03-{i % 28 + 1:02d}"
        ts = f"2022-05-{i % 28 + 1:02d} 01:02:03.5"
        left.append(
            (i, "0000-00-00 00:00:00" if i in (25, 26) else dt, "2024-02-00" if i == 44 else d, ts, big, i)
        )
        right.append((i, None if i in (25, 26) else dt, None if i == 44 else d, ts + "+00", big, i))
    right[11] = (12, "2024-01-01 00:00:00", *right[11][2:])  # changed in a chunk read natively
    right[25] = (26, "2024-01-01 00:00:00", *right[25][2:])  # changed where the left holds a zero date
    right[47] = (48, *right[47][1:4], big[:-1] + "2", 48)  # the 30th decimal digit
    del right[29]  # id 30, next to the zero dates: only on the left
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s, %s, %s, %s, %s)", left)
    pg.executemany(f"INSERT INTO {t} VALUES (%s, %s, %s, %s, %s, %s)", right)


def test_zero_dates_fall_back_to_text_and_give_the_text_answer(mysql, pg, unique_name, caplog):
    t = unique_name("natzero")
    _zero_date_tables(mysql, pg, t)
    with _text_read(mysql.url, t) as text_source:
        before = dbdiff.diff(text_source, pg.url, table=t, chunk_size=10, workers=1, recheck=0)
    table = before.table()
    assert (table.summary.changed, table.summary.only_left, table.summary.only_right) == (3, 1, 0)
    assert {c.name: c.mismatches for c in table.columns} == {"dt": 2, "d": 0, "ts": 0, "big": 1, "v": 0}
    for chunk_size, workers in ((10, 1), (10, 3), (7, 2), (1000, 1)):
        with caplog.at_level(logging.INFO, logger="dbdiff"):
            caplog.clear()
            native = dbdiff.diff(
                mysql.url, pg.url, table=t, chunk_size=chunk_size, workers=workers, recheck=0
            )
        assert _answer(native) == _answer(before), (chunk_size, workers)
        assert native.repair_sql().split("\n", 6)[-1] == before.repair_sql().split("\n", 6)[-1]
        fallbacks = [r for r in caplog.records if "read as text from now on" in r.getMessage()]
        assert len(fallbacks) == 1 and "0000" not in fallbacks[0].getMessage()
    # zero_date=error: the zero dates are unreadable values of their rows, as with text.
    rules = {"dt": ("", {"zero_date": "error"}), "d": ("", {"zero_date": "error"})}
    with _text_read(mysql.url, t) as text_source:
        strict_text = dbdiff.diff(text_source, pg.url, table=t, chunk_size=10, column_rules=rules, recheck=0)
    strict = dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=10, column_rules=rules, recheck=0)
    assert _answer(strict) == _answer(strict_text)


def test_a_chunk_without_zero_dates_stays_native(mysql, unique_name):
    t = unique_name("natkeep")
    mysql.execute("SET SESSION sql_mode = ''", f"CREATE TABLE {t} (id INT PRIMARY KEY, dt DATETIME)")
    mysql.executemany(
        f"INSERT INTO {t} VALUES (%s, %s)", [(1, "2024-01-01 10:00:00"), (2, "0000-00-00 00:00:00")]
    )
    with open_source(mysql.url) as source:
        catalog = source.introspect(t)
        from dbdiff.sources.base import KeyRange

        key = catalog.columns[:1]
        first = source.read_chunk(t, catalog.columns, key, KeyRange(upper=(2,)))
        assert str(first.schema.field("dt").type) == "timestamp[us]"
        both = source.read_chunk(t, catalog.columns, key, KeyRange())
        assert both.column("dt").to_pylist() == ["2024-01-01 10:00:00", "0000-00-00 00:00:00"]
        again = source.read_chunk(t, catalog.columns, key, KeyRange(upper=(2,)))  # decided for the run
        assert again.column("dt").to_pylist() == ["2024-01-01 10:00:00"]


@pytest.mark.parametrize("key_type", ["DATETIME(6)", "DATE", "TIMESTAMP(6)"])
def test_date_keys_chunk_and_recheck_and_window_alike(mysql, pg, unique_name, key_type):
    t = unique_name("natkey")
    pg_type = {"DATETIME(6)": "timestamp(6)", "DATE": "date", "TIMESTAMP(6)": "timestamptz(6)"}[key_type]
    mysql.execute(f"CREATE TABLE {t} (k {key_type} NOT NULL PRIMARY KEY, v INT)")
    pg.execute(f"CREATE TABLE {t} (k {pg_type} PRIMARY KEY, v INT)")
    if key_type == "DATE":
        keys = [f"20{20 + i // 300}-{i // 28 % 12 + 1:02d}-{i % 28 + 1:02d}" for i in range(150)]
    else:
        keys = [f"2024-01-{i // 24 + 1:02d} {i % 24:02d}:00:00.{i:06d}" for i in range(150)]
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s)", [(k, i) for i, k in enumerate(keys)])
    suffix = "+00" if pg_type == "timestamptz(6)" else ""
    pg.executemany(
        f"INSERT INTO {t} VALUES (%s, %s)",
        [(k + suffix, i + (i == 77)) for i, k in enumerate(keys) if i != 5],
    )
    before = None
    for chunk_size, workers in ((1000, 1), (13, 2), (4, 3)):
        with _text_read(mysql.url, t) as text_source:
            text = dbdiff.diff(
                text_source, pg.url, table=t, chunk_size=chunk_size, workers=workers, recheck=1
            )
        native = dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=chunk_size, workers=workers, recheck=1)
        assert _answer(native) == _answer(text)
        summary = native.table().summary
        assert (summary.changed, summary.only_left, summary.only_right) == (1, 1, 0)
        assert native.table().recheck is not None
        before = before or _answer(native)
        assert _answer(native) == before
        repair = native.repair_sql()
        assert repair.split("\n", 6)[-1] == text.repair_sql().split("\n", 6)[-1]


def test_decimal_keys_and_wide_decimals_stay_exact(mysql, pg, unique_name):
    t = unique_name("natdec")
    mysql.execute(f"CREATE TABLE {t} (id DECIMAL(12,2) PRIMARY KEY, big DECIMAL(65,30))")
    pg.execute(f"CREATE TABLE {t} (id numeric(12,2) PRIMARY KEY, big numeric(65,30))")
    big = "99999999999999999999999999999999999.999999999999999999999999999999"
    rows = [(f"{i}.{i % 100:02d}", big if i % 2 else "-" + big) for i in range(40)]
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s)", rows)
    pg.executemany(
        f"INSERT INTO {t} VALUES (%s, %s)", [(k, v[:-1] + "8" if k == "7.07" else v) for k, v in rows]
    )
    result = dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=6, recheck=1)
    (changed,) = result.table().samples.changed
    assert changed["key"] == {"id": "7.07"}
    assert changed["diffs"]["big"] == {"left": big, "right": big[:-1] + "8"}
