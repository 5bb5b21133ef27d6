"""The summary's row counts reconcile: every row of a side is matched, only on that side, set aside
for a duplicated key, or has a NULL key; exactly one of these, whatever the chunking."""

from __future__ import annotations

import pytest

import dbdiff
from dbdiff.result import Summary

pytestmark = pytest.mark.servers

# (id, v): 3 and 7 duplicated on the left, 7 and 9 on the right, NULL keys on both sides,
# 11 only on the left, 20 only on the right, 2 changed.
LEFT = [(i, i) for i in range(1, 13)] + [(3, 3), (3, 30), (7, 7), (None, 0)]
RIGHT = [(i, i if i != 2 else -2) for i in range(1, 13) if i != 11] + [
    (7, 70),
    (9, 9),
    (9, 90),
    (20, 20),
    (None, 1),
    (None, 2),
]


def assert_reconciles(s: Summary) -> None:
    assert s.rows_left == s.matched + s.only_left + s.duplicate_key_rows_left + s.null_keys_left
    assert s.rows_right == s.matched + s.only_right + s.duplicate_key_rows_right + s.null_keys_right
    assert s.changed <= s.matched


def expected(swapped: bool = False) -> dict[str, int]:
    left = {"rows": 16, "only": 1, "dup_keys": 2, "dup_rows": 6, "nulls": 1}
    right = {"rows": 17, "only": 1, "dup_keys": 2, "dup_rows": 6, "nulls": 2}
    if swapped:
        left, right = right, left
    return {
        "rows_left": left["rows"],
        "rows_right": right["rows"],
        "matched": 8,
        "only_left": left["only"],
        "only_right": right["only"],
        "changed": 1,
        "duplicate_keys_left": left["dup_keys"],
        "duplicate_keys_right": right["dup_keys"],
        "null_keys_left": left["nulls"],
        "null_keys_right": right["nulls"],
        "duplicate_key_rows_left": left["dup_rows"],
        "duplicate_key_rows_right": right["dup_rows"],
    }


@pytest.fixture
def dup_tables(mysql, pg, unique_name):
    """The same rows keyed by an integer (shared chunk boundaries) and by text (each side's own)."""
    t = unique_name("dupcount")
    mysql.execute(f"CREATE TABLE {t} (id INT, code VARCHAR(10), v INT)")
    pg.execute(f"CREATE TABLE {t} (id INT, code VARCHAR(10), v INT)")

    def rows(data: list[tuple[int | None, int]]) -> list[tuple[object, ...]]:
        return [(i, None if i is None else f"K{i:02d}", v) for i, v in data]

    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s, %s)", rows(LEFT))
    pg.executemany(f"INSERT INTO {t} VALUES (%s, %s, %s)", rows(RIGHT))
    return t


@pytest.mark.parametrize("chunk_size", [1, 3, 1000])
def test_counts_reconcile_with_duplicates_on_either_and_both_sides(mysql, pg, dup_tables, chunk_size):
    runs = [
        ({"key": "id", "exclude": ["code"]}, False),
        ({"key": "id", "exclude": ["code"]}, True),
        # Text keys: each side chunks in its own collation's order.
        ({"key": "code", "exclude": ["id"]}, False),
        # ignore_case can merge keys, so every row is paired globally in the residual pass.
        ({"key": "code", "exclude": ["id"], "column_rules": {"code": ("text", {"ignore_case": True})}}, True),
    ]
    for options, swapped in runs:
        left, right = (pg.url, mysql.url) if swapped else (mysql.url, pg.url)
        result = dbdiff.diff(left, right, table=dup_tables, chunk_size=chunk_size, workers=2, **options)
        s = result.table().summary
        assert_reconciles(s)
        assert s.to_dict() == expected(swapped), (options, swapped)
        assert result.to_dict()["tables"][0]["summary"]["duplicate_key_rows_right"] == 6


def test_duplicates_on_one_side_only(mysql, unique_name):
    """Duplicates only on the left; the right's partner row of that key is set aside too."""
    t = unique_name("dupone")
    mysql.execute(f"CREATE TABLE {t} (id INT, v INT)", f"CREATE TABLE {t}_r (id INT, v INT)")
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s)", [(i, i) for i in range(1, 21)] + [(5, 5), (5, 6)])
    mysql.executemany(f"INSERT INTO {t}_r VALUES (%s, %s)", [(i, i) for i in range(1, 21)])
    for chunk_size in (3, 7, 100):
        s = dbdiff.diff(mysql.url, mysql.url, table=t, right_table=f"{t}_r", key="id", chunk_size=chunk_size)
        summary = s.table().summary
        assert_reconciles(summary)
        assert (summary.rows_left, summary.rows_right, summary.matched) == (22, 20, 19)
        assert (summary.duplicate_keys_left, summary.duplicate_keys_right) == (1, 0)
        assert (summary.duplicate_key_rows_left, summary.duplicate_key_rows_right) == (3, 1)
        assert summary.only_left == summary.only_right == 0
