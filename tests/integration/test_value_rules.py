"""Normalizers and value comparison between MariaDB and PostgreSQL: findings of issues 8 and 9."""

from __future__ import annotations

import pytest

import dbdiff

pytestmark = pytest.mark.servers


def changed_ids(mysql, pg, table: str, **kwargs) -> list[int]:
    result = dbdiff.diff(mysql.url, pg.url, table=table, chunk_size=2, **kwargs)
    return [s["key"]["id"] for s in result.table().samples.changed]


def test_the_readme_one_cent_tolerance_holds_for_decimal_and_float(mysql, pg, unique_name):
    t = unique_name("cent")
    mysql.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, balance DECIMAL(12,2), ratio DOUBLE)",
        f"INSERT INTO {t} VALUES (1, 2919.00, 2919.00), (2, 2919.00, 2919.00), (3, -0.01, -0.01), "
        "(4, 99999999.99, 99999999.99), (5, NULL, NULL), (6, 1.00, 1)",
    )
    pg.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, balance NUMERIC(12,2), ratio DOUBLE PRECISION)",
        f"INSERT INTO {t} VALUES (1, 2919.01, 2919.01), (2, 2919.02, 2919.02), (3, 0.00, 0), "
        "(4, 99999999.98, 99999999.98), (5, 0, 0), (6, NULL, NULL)",
    )
    rules = {"balance": ("decimal", {"abs_tol": 0.01}), "ratio": ("float", {"abs_tol": 0.01})}
    table = dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=2, column_rules=rules).table()
    diffs = {s["key"]["id"]: sorted(s["diffs"]) for s in table.samples.changed}
    # One cent apart is within abs_tol=0.01, two cents are not; NULL equals only NULL.
    assert diffs == {2: ["balance", "ratio"], 5: ["balance", "ratio"], 6: ["balance", "ratio"]}
    (rule,) = [c.rule for c in table.schema.columns if c.name == "balance"]
    assert rule.startswith("override:decimal") and "abs_tol=0.01" in rule
    relative = dbdiff.diff(
        mysql.url, pg.url, table=t, column_rules={"balance": ("", {"rel_tol": 2e-10})}
    ).table()
    # 99999999.99 vs .98 differs by about 1e-10 of the value: equal; 2919.00 vs .01 does not.
    assert sorted(s["key"]["id"] for s in relative.samples.changed if "balance" in s["diffs"]) == [
        1,
        2,
        3,
        5,
        6,
    ]


def test_jsonb_nested_1500_deep_is_compared_not_a_recursion_error(mysql, pg, unique_name):
    t = unique_name("deepjson")
    depth = 1500

    def nested(inner: str, spaced: bool = False) -> str:
        return ('{ "a" : ' if spaced else '{"a":') * depth + inner + "}" * depth

    # MariaDB's JSON_VALID stops at 32 levels: the text column holds what jsonb accepts.
    mysql.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, doc LONGTEXT)")
    mysql.executemany(
        f"INSERT INTO {t} VALUES (%s, %s)",
        [(1, nested('{"y": 2, "x": 1.10}')), (2, nested("[1, 2]")), (3, nested("[1, 2]"))],
    )
    pg.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, doc JSONB)")
    pg.executemany(
        f"INSERT INTO {t} VALUES (%s, %s::jsonb)",
        [(1, nested('{"x": 1.1, "y": 2}', spaced=True)), (2, nested("[2, 1]")), (3, nested("[1, 2]"))],
    )
    assert changed_ids(mysql, pg, t) == [2]
