"""Attacks on normalization and pairing (JSON canonical text, UUID text, chunk compare) on the
real servers, each verdict checked against a ground truth computed here in Python."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest

import dbdiff

pytestmark = pytest.mark.servers


def _typed(value: Any) -> Any:
    """A JSON value with numbers as exact decimals and every type tagged (True is no 1)."""
    if isinstance(value, bool) or value is None:
        return ("lit", value)
    if isinstance(value, Decimal):
        return ("num", value)  # Decimal equality is exact (normalize() would round to 28 digits)
    if isinstance(value, str):
        return ("str", value)
    if isinstance(value, list):
        return ("arr", tuple(_typed(v) for v in value))
    return ("obj", tuple(sorted((k, _typed(v)) for k, v in value.items())))


def _same_json(a: str, b: str) -> bool:
    def load(text: str) -> Any:
        return _typed(json.loads(text, parse_float=Decimal, parse_int=Decimal))

    return load(a) == load(b)


JSON_PAIRS = [
    ("1", "1.0"),
    ("1", "1e0"),
    ("1", "10e-1"),
    ("-0", "0"),
    ("0.1", "1e-1"),
    ("123456789012345678901234567890.5", "123456789012345678901234567890.50"),
    ("123456789012345678901234567890.5", "123456789012345678901234567890.6"),
    ("0.12345678901234567890123456789", "0.12345678901234567890123456788"),
    ("18446744073709551616", "18446744073709551617"),
    ("-9223372036854775809", "-9223372036854775809.0"),
    ("1e30", "1000000000000000000000000000000"),
    ("1e30", "1000000000000000000000000000001"),
    ('{"a":1,"a":2}', '{"a":2}'),
    ('{"a":1,"a":2}', '{"a":1}'),
    ('{"b":[1,{"y":2,"x":1}],"a":null}', '{"a":null,"b":[1,{"x":1,"y":2}]}'),
    ("[1,2]", "[2,1]"),
    ('"\\u00e9"', '"é"'),
    ('"\\ud83d\\ude00"', '"😀"'),
    ('"A"', '"a"'),
    ("true", "1"),
    ("null", '"null"'),
    ('{"k":"v"}', '{"k ":"v"}'),
    ("[1e-400]", "[0]"),
    ("[1E+2]", "[100.000]"),
]


@pytest.mark.parametrize("right_type", ["jsonb", "json", "text"])
def test_json_verdicts_match_exact_value_comparison(mysql, pg, unique_name, right_type):
    t = unique_name("js")
    mysql.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, doc JSON)")
    pg.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, doc {right_type})")
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s)", [(i, a) for i, (a, _) in enumerate(JSON_PAIRS)])
    pg.executemany(f"INSERT INTO {t} VALUES (%s, %s)", [(i, b) for i, (_, b) in enumerate(JSON_PAIRS)])
    expected = {i for i, (a, b) in enumerate(JSON_PAIRS) if not _same_json(a, b)}
    for chunk_size in (1000, 3):
        result = dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=chunk_size, sample_limit=100)
        table = result.table()
        assert table.summary.matched == len(JSON_PAIRS)
        found = {s["key"]["id"] for s in table.samples.changed}
        assert found == expected, (sorted(found - expected), sorted(expected - found))


def _uuids(n: int) -> list[str]:
    import uuid as uuid_module

    # Time-based (v1-like) UUIDs: MariaDB's UUID type sorts them by their time fields, not their text.
    return [
        str(uuid_module.UUID(int=(i * 0x9E3779B97F4A7C15 << 64 | (i * 7919)) % (1 << 128), version=1))
        for i in range(n)
    ]


def test_uuid_keys_mariadb_uuid_type_vs_postgres_uuid(mysql, pg, unique_name):
    t = unique_name("uk")
    ids = _uuids(60)
    mysql.execute(f"CREATE TABLE {t} (id UUID PRIMARY KEY, v INT)")
    pg.execute(f"CREATE TABLE {t} (id uuid PRIMARY KEY, v INT)")
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s)", [(u, i) for i, u in enumerate(ids)])
    pg.executemany(
        f"INSERT INTO {t} VALUES (%s, %s)", [(u, i + (i == 17)) for i, u in enumerate(ids) if i != 5]
    )
    for chunk_size in (1000, 7, 1):
        table = dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=chunk_size).table()
        s = table.summary
        assert (s.matched, s.changed, s.only_left, s.only_right) == (59, 1, 1, 0), chunk_size
        assert table.samples.only_left[0]["key"] == {"id": ids[5]}


def test_uuid_text_spellings_vs_postgres_uuid(mysql, pg, unique_name):
    t = unique_name("ut")
    ids = _uuids(40)
    spelled = []
    for i, u in enumerate(ids):
        forms = [u, u.upper(), "{" + u + "}", u.replace("-", ""), "{" + u.upper().replace("-", "") + "}"]
        spelled.append(forms[i % len(forms)])
    mysql.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, u CHAR(38))")
    pg.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, u uuid)")
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s)", list(enumerate(spelled)))
    pg.executemany(
        f"INSERT INTO {t} VALUES (%s, %s)",
        [(i, ids[(i + 1) % 40] if i == 9 else u) for i, u in enumerate(ids)],
    )
    for chunk_size in (1000, 3):
        table = dbdiff.diff(
            mysql.url, pg.url, table=t, chunk_size=chunk_size, column_rules={"u": "uuid"}
        ).table()
        assert {s["key"]["id"] for s in table.samples.changed} == {9}, chunk_size


def test_uuid_text_that_is_no_uuid_is_compared_as_it_is(mysql, unique_name):
    t1, t2 = unique_name("ua"), unique_name("ub")
    good = _uuids(1)[0]
    left = [good, "not-a-uuid", " padded", "x", good.upper() + "0", None, ""]
    right = [good.upper(), "not-a-uuid", "padded", "X", good.upper(), None, " "]
    for t, values in ((t1, left), (t2, right)):
        mysql.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, u VARCHAR(60) COLLATE utf8mb4_bin)")
        mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s)", list(enumerate(values)))
    table = dbdiff.diff(
        mysql.url, mysql.url, table=t1, right_table=t2, column_rules={"u": "uuid"}, sample_limit=100
    ).table()
    assert {s["key"]["id"] for s in table.samples.changed} == {2, 3, 4, 6}
