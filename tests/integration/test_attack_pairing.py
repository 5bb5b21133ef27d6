"""Attacks on normalization and pairing (JSON canonical text, UUID text, chunk compare) on the
real servers, each verdict checked against a ground truth computed here in Python."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
import yaml

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


def test_uuid_spellings_of_one_key_are_duplicates_never_paired(mysql, pg, unique_name):
    t = unique_name("ud")
    ids = _uuids(30)
    mysql.execute(f"CREATE TABLE {t} (id CHAR(38) COLLATE utf8mb4_bin PRIMARY KEY, v INT)")
    pg.execute(f"CREATE TABLE {t} (id uuid PRIMARY KEY, v INT)")
    rows = [(u, i) for i, u in enumerate(ids)] + [(ids[3].upper(), 99), ("{" + ids[20] + "}", 20)]
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s)", rows)
    pg.executemany(f"INSERT INTO {t} VALUES (%s, %s)", [(u, i) for i, u in enumerate(ids)])
    for chunk_size in (1000, 4, 1):
        table = dbdiff.diff(
            mysql.url, pg.url, table=t, chunk_size=chunk_size, column_rules={"id": "uuid"}
        ).table()
        s = table.summary
        assert (s.matched, s.changed, s.only_left, s.only_right) == (28, 0, 0, 0), chunk_size
        assert (s.duplicate_keys_left, s.duplicate_keys_right) == (2, 0), chunk_size
        # Rows whose key another side duplicates are set aside too, never paired.
        assert (s.duplicate_key_rows_left, s.duplicate_key_rows_right) == (4, 2), chunk_size


def test_every_row_differs_and_key_only_tables(mysql, pg, unique_name):
    t, k = unique_name("all"), unique_name("konly")
    mysql.execute(f"CREATE TABLE {t} (id BIGINT PRIMARY KEY, a INT, b VARCHAR(10))")
    pg.execute(f"CREATE TABLE {t} (id BIGINT PRIMARY KEY, a INT, b VARCHAR(10))")
    left = [(i, i, f"s{i}") for i in range(-20, 21)]
    right = [(i, i + 1, f"s{i}" if i % 2 else f"t{i}") for i in range(-20, 21) if i != 0] + [(99, 0, None)]
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s, %s)", left)
    pg.executemany(f"INSERT INTO {t} VALUES (%s, %s, %s)", right)
    mysql.execute(f"CREATE TABLE {k} (a INT, b INT, PRIMARY KEY (a, b))")
    pg.execute(f"CREATE TABLE {k} (a INT, b INT, PRIMARY KEY (a, b))")
    mysql.executemany(f"INSERT INTO {k} VALUES (%s, %s)", [(i % 3, i) for i in range(20)])
    pg.executemany(f"INSERT INTO {k} VALUES (%s, %s)", [(i % 3, i) for i in range(20) if i != 7] + [(5, 5)])
    for chunk_size in (1000, 7, 1):
        table = dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=chunk_size, sample_limit=100).table()
        s = table.summary
        assert (s.matched, s.changed, s.only_left, s.only_right) == (40, 40, 1, 1), chunk_size
        assert [c.mismatches for c in table.columns] == [40, 20]
        by_key = {x["key"]["id"]: x["diffs"] for x in table.samples.changed}
        assert by_key[-3] == {"a": {"left": -3, "right": -2}}
        assert by_key[4] == {"a": {"left": 4, "right": 5}, "b": {"left": "s4", "right": "t4"}}
        assert table.samples.only_left[0]["row"] == {"id": 0, "a": 0, "b": "s0"}
        assert table.samples.only_right[0]["row"] == {"id": 99, "a": 0, "b": None}
        kt = dbdiff.diff(mysql.url, pg.url, table=k, chunk_size=chunk_size).table().summary
        assert (kt.matched, kt.changed, kt.only_left, kt.only_right) == (19, 0, 1, 1), chunk_size


def test_duplicate_text_keys_when_the_servers_order_keys_differently(mysql, pg, unique_name):
    t = unique_name("dk")
    words = [w for i in range(6) for w in (f"k{i:02d}", f"K{i:02d}_", f"_{i}", f"a{i}", f"B{i}")]
    left = [(w, n) for n, w in enumerate(words)] + [(w, -1) for w in words[::7]]
    right = [(w, n + (n % 11 == 0)) for n, w in enumerate(words) if n % 13] + [(w, -2) for w in words[3::8]]
    mysql.execute(f"CREATE TABLE {t} (k VARCHAR(20) COLLATE utf8mb4_bin NOT NULL, v INT)")
    pg.execute(f'CREATE TABLE {t} (k VARCHAR(20) COLLATE "C" NOT NULL, v INT)')
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s)", left)
    pg.executemany(f"INSERT INTO {t} VALUES (%s, %s)", right)
    dup_l = {w for w, _ in left if sum(x == w for x, _ in left) > 1}
    dup_r = {w for w, _ in right if sum(x == w for x, _ in right) > 1}
    lv, rv = dict(left), dict(right)
    both = (set(lv) & set(rv)) - dup_l - dup_r
    expected = (
        len(both),
        sum(lv[w] != rv[w] for w in both),
        len(set(lv) - set(rv) - dup_l - dup_r),
        len(set(rv) - set(lv) - dup_l - dup_r),
        sum(w in dup_l | dup_r for w, _ in left),
        sum(w in dup_l | dup_r for w, _ in right),
    )
    for chunk_size in (1000, 6, 1):
        s = dbdiff.diff(mysql.url, pg.url, table=t, key=["k"], chunk_size=chunk_size).table().summary
        found = (
            s.matched,
            s.changed,
            s.only_left,
            s.only_right,
            s.duplicate_key_rows_left,
            s.duplicate_key_rows_right,
        )
        assert found == expected, chunk_size
        assert (s.duplicate_keys_left, s.duplicate_keys_right) == (len(dup_l), len(dup_r))


def test_column_names_polars_would_read_as_patterns(mysql, pg, unique_name):
    t = unique_name("pat")
    u = _uuids(1)[0]
    mysql.execute(f"CREATE TABLE {t} (`^i.*$` INT PRIMARY KEY, `*` JSON, `^u$` CHAR(36), `^d$` DATETIME)")
    pg.execute(f'CREATE TABLE {t} ("^i.*$" INT PRIMARY KEY, "*" jsonb, "^u$" uuid, "^d$" timestamp)')
    mysql.executemany(
        f"INSERT INTO {t} VALUES (%s, %s, %s, %s)",
        [(1, '{"a":1}', u.upper(), "2020-01-01"), (2, "[1.0]", u, "2020-01-02"), (3, "null", None, None)],
    )
    pg.executemany(
        f"INSERT INTO {t} VALUES (%s, %s, %s, %s)",
        [(1, '{"a":1.0}', u, "2020-01-01"), (2, "[2]", u, "2020-01-03"), (4, "null", None, None)],
    )
    for chunk_size in (1000, 1):
        result = dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=chunk_size, column_rules={"^u$": "uuid"})
        table = result.table()
        s = table.summary
        assert (s.matched, s.changed, s.only_left, s.only_right) == (2, 1, 1, 1)
        (changed,) = table.samples.changed
        assert changed["key"] == {"^i.*$": 2} and set(changed["diffs"]) == {"*", "^d$"}
        assert result.only_left().to_dicts() == [{"^i.*$": 3, "*": "null", "^u$": None, "^d$": None}]


@pytest.mark.parametrize("key_rule", [None, "uuid"])
def test_invalid_json_text_equals_nothing_in_chunks_and_in_the_residual_pass(
    mysql, pg, unique_name, key_rule
):
    t = unique_name("badjs")
    ids = _uuids(8)
    left = ['{"a":1}', "{bad", "{bad", None, "", '{"a":1}', "[1,2]", "nope"]
    right = ['{"a":1.0}', "{bad", None, None, "", "{bad", "[1,2.0]", "nope "]
    mysql.execute(f"CREATE TABLE {t} (id CHAR(36) PRIMARY KEY, doc LONGTEXT)")
    pg.execute(f"CREATE TABLE {t} (id CHAR(36) PRIMARY KEY, doc text)")
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s)", [(ids[i], d) for i, d in enumerate(left)])
    pg.executemany(f"INSERT INTO {t} VALUES (%s, %s)", [(ids[i], d) for i, d in enumerate(right)])
    rules = {"doc": "json", **({"id": key_rule} if key_rule else {})}
    for chunk_size in (1000, 3):
        table = dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=chunk_size, column_rules=rules).table()
        assert table.summary.matched == 8
        found = {s["key"]["id"] for s in table.samples.changed}
        assert found == {ids[i] for i in (1, 2, 4, 5, 7)}, chunk_size


def test_a_null_key_row_with_a_date_column_named_like_a_pattern_is_a_sample(mysql, pg, unique_name):
    """The samples of rows with a NULL key show their dates: under a name like "^d$" polars' own
    Series methods read a pattern and the run stopped with an internal error."""
    t = unique_name("patnull")
    mysql.execute(f"CREATE TABLE {t} (id INT NULL, `^d$` DATETIME)")
    pg.execute(f'CREATE TABLE {t} (id int, "^d$" timestamp)')
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s)", [(1, "2020-01-01"), (None, "2020-01-02")])
    pg.executemany(f"INSERT INTO {t} VALUES (%s, %s)", [(1, "2020-01-01")])
    table = dbdiff.diff(mysql.url, pg.url, table=t, key=["id"], recheck=0).table()
    assert (table.summary.matched, table.summary.null_keys_left) == (1, 1)
    expected = {"side": "left", "row": {"id": None, "^d$": "2020-01-02T00:00:00"}}
    assert list(table.samples.null_keys) == [expected]


def test_infer_schema_profiles_columns_named_like_patterns(pg, unique_name):
    """infer-schema profiled each column with polars' Series methods under its own name, which
    read "^x$" as a pattern: the command stopped with an internal error."""
    t = unique_name("patinfer")
    pg.execute(f'CREATE TABLE {t} (id int PRIMARY KEY, "^x$" int, "^t$" text)')
    pg.executemany(f"INSERT INTO {t} VALUES (%s, %s, %s)", [(1, 5, "a"), (2, 7, "b")])
    text = dbdiff.infer_schema(pg.url, table=t)
    columns = yaml.safe_load(text)["columns"]
    # pandera reads a "^...$" column name as a regex: each is written as the regex of its name alone
    x, t_ = columns[r"^\^x\$$"], columns[r"^\^t\$$"]
    assert x["in_range"]["min_value"] == 5 and x["in_range"]["max_value"] == 7
    assert t_["isin"] == ["a", "b"]


def test_schema_checks_and_infer_schema_take_a_decimal_column_named_like_a_pattern(
    mysql, pg, unique_name, tmp_path
):
    """A DECIMAL column named "^x$" stopped every pandera check of its table and infer-schema with
    an internal error: the rounding guard ran polars' Series methods under the user's name."""
    t = unique_name("patdec")
    mysql.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, `^x$` DECIMAL(30,10), abc INT)")
    pg.execute(f'CREATE TABLE {t} (id int PRIMARY KEY, "^x$" numeric(30,10), abc int)')
    for db in (mysql, pg):
        db.executemany(f"INSERT INTO {t} VALUES (%s, %s, %s)", [(1, "1.5", 1), (2, "2.25", 9)])
    schema = tmp_path / "s.yaml"
    checks = "    checks:\n      in_range: {min_value: 0, max_value: 5}\n"
    schema.write_text("schema_type: polars_dataframe\ncolumns:\n  abc:\n" + checks)
    (failed,) = dbdiff.validate(pg.url, table=t, schema=str(schema)).table().validation.failures
    assert (failed.column, failed.count) == ("abc", 1)
    assert dbdiff.diff(mysql.url, pg.url, table=t, recheck=0).table().summary.matched == 2
    assert r"^\^x\$$" in yaml.safe_load(dbdiff.infer_schema(mysql.url, table=t))["columns"]


def test_infer_schema_of_the_last_datetime_python_holds_passes_its_own_validation(
    mysql, unique_name, tmp_path
):
    """infer-schema widened a timestamp's maximum to the next second, past 9999-12-31 23:59:59.999999
    (OverflowError, an internal error); there it now writes no upper bound."""
    t = unique_name("maxdt")
    mysql.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, d DATETIME(6))")
    mysql.executemany(
        f"INSERT INTO {t} VALUES (%s, %s)", [(1, "9999-12-31 23:59:59.999999"), (2, "2020-01-01")]
    )
    schema = tmp_path / "s.yaml"
    schema.write_text(dbdiff.infer_schema(mysql.url, table=t))
    validation = dbdiff.validate(mysql.url, table=t, schema=str(schema)).table().validation
    assert validation.passed and not validation.failures
    assert {
        "side": "left",
        "column": "d",
        "check": "greater_than_or_equal_to(2020-01-01 00:00:00)",
    } in validation.checks


def test_schema_checks_of_columns_named_like_patterns_judge_those_columns_alone(
    mysql, pg, unique_name, tmp_path
):
    """pandera selects a schema's columns with polars' `pl.col`: a check of column "*" judged every
    column and reported what they held under "*" (a wrong verdict), and a table column named
    "^x$" crashed pandera's checks. The columns now reach pandera under plain names, failures come
    back under the user's, and a schema's "^...$" column is a regex as pandera defines it."""
    t = unique_name("patschema")
    mysql.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, `*` INT, b INT, `^x$` INT, x INT)")
    pg.execute(f'CREATE TABLE {t} (id int PRIMARY KEY, "*" int, b int, "^x$" int, x int)')
    rows = [(1, 1, -5, 1, 1), (2, 2, 3, 1, 2), (3, 3, 4, 1, 3)]
    for db in (mysql, pg):
        db.executemany(f"INSERT INTO {t} VALUES (%s, %s, %s, %s, %s)", rows)
    pg.execute(f'UPDATE {t} SET "*" = -7, "^x$" = -9, x = -8 WHERE id = 3')
    schema = tmp_path / "s.yaml"
    checks = "    checks:\n      greater_than_or_equal_to: 0\n"
    # "*" is that column; "^x$" is pandera's regex for column x; "^\\^x\\$$" the column "^x$" itself
    schema.write_text(
        "schema_type: polars_dataframe\ncolumns:\n  '*':\n"
        + checks
        + "  '^x$':\n"
        + checks
        + "  '^\\^x\\$$':\n"
        + checks
    )
    assert dbdiff.validate(mysql.url, table=t, schema=str(schema)).table().validation.passed
    failures = dbdiff.validate(pg.url, table=t, schema=str(schema)).table().validation.failures
    found = {f.column: (f.count, json.dumps(f.examples, default=str)) for f in failures}
    assert {c: n for c, (n, _) in found.items()} == {"*": 1, "x": 1, "^x$": 1}
    assert "-7" in found["*"][1] and "-8" in found["x"][1] and "-9" in found["^x$"][1]
    # infer-schema writes each column so that pandera checks that column, and each side passes its own
    for url in (mysql.url, pg.url):
        own = tmp_path / "own.yaml"
        text = dbdiff.infer_schema(url, table=t)
        assert "^x$" not in yaml.safe_load(text)["columns"]  # that would be column x
        own.write_text(text)
        assert dbdiff.validate(url, table=t, schema=str(own)).table().validation.passed, url
    pg.execute(f'UPDATE {t} SET "^x$" = 100 WHERE id = 1')  # outside the range mysql's schema saw
    failures = dbdiff.validate(pg.url, table=t, schema=str(own)).table().validation.failures
    assert "^x$" in {f.column for f in failures}


def test_a_frame_wide_check_with_a_column_named_like_a_pattern_is_refused(pg, unique_name, tmp_path):
    t = unique_name("patframe")
    pg.execute(f'CREATE TABLE {t} (id int PRIMARY KEY, "*" int, b int)')
    pg.execute(f"INSERT INTO {t} VALUES (1, 1, 2)")
    schema = tmp_path / "s.yaml"
    schema.write_text(
        "schema_type: polars_dataframe\ncolumns:\n  b:\n    nullable: true\n"
        "checks:\n  greater_than_or_equal_to: 0\n"
    )
    with pytest.raises(dbdiff.errors.ConfigError, match="read the column name '\\*' as a pattern"):
        dbdiff.validate(pg.url, table=t, schema=str(schema))


def _validated(pg, t, tmp_path, yaml_text):
    schema = tmp_path / "s.yaml"
    schema.write_text("schema_type: polars_dataframe\n" + yaml_text)
    return dbdiff.validate(pg.url, table=t, schema=str(schema)).table().validation


def test_with_a_column_named_like_a_pattern_regex_columns_keep_pandera_rules(pg, unique_name, tmp_path):
    """A tester's findings: with a column "*" in the table, a regex column replaced the checks of
    a column declared by name (a wrong PASSED), an optional column the table lacks stopped the
    run, and regexes were matched by other rules than pandera's. Each verdict must be the one
    pandera gives the same table without the "*" column."""
    star, plain = unique_name("patrx"), unique_name("patrx0")
    pg.execute(f'CREATE TABLE {star} (id int PRIMARY KEY, "*" int, y int, x int, xx int, "X" int)')
    pg.execute(f'CREATE TABLE {plain} (id int PRIMARY KEY, y int, x int, xx int, "X" int)')
    pg.execute(f"INSERT INTO {star} VALUES (1, 1, 1, 50, -5, 2), (2, 2, 2, 3, -6, 3)")
    pg.execute(f"INSERT INTO {plain} VALUES (1, 1, 50, -5, 2), (2, 2, 3, -6, 3)")
    ge0 = "checks: {greater_than_or_equal_to: 0}"
    cases = {
        # x keeps its own check; the regex governs y alone (pandera leaves declared columns be)
        f"columns:\n  x: {{checks: {{less_than_or_equal_to: 10}}}}\n  '^[xy]$': {{{ge0}}}\n": {"x": 1},
        # an optional column the table lacks is passed over
        "columns:\n  x: {checks: {less_than_or_equal_to: 10}}\n  nothere: {required: false}\n": {"x": 1},
        "columns:\n  x: {checks: {less_than_or_equal_to: 10}}\n  '*': {required: false}\n": {"x": 1},
        # "x" with regex: true is column x alone, not xx
        f"columns:\n  x: {{regex: true, {ge0}}}\n": {},
        # polars' regex syntax: a flag group and a Unicode class
        f"columns:\n  '^(?i)x$': {{{ge0}}}\n": {},
        f"columns:\n  '^\\pL\\pL$': {{{ge0}}}\n": {"xx": 2},
    }
    for text, expected in cases.items():
        failures = _validated(pg, star, tmp_path, text).failures
        assert {f.column: f.count for f in failures} == expected, text
        # without "*", pandera reports a regex column's failures under the regex: the same counts
        failures = _validated(pg, plain, tmp_path, text).failures
        assert sorted(f.count for f in failures) == sorted(expected.values()), text
    # two regexes governing one column: pandera applies both; renamed, dbdiff says it cannot
    text = f"columns:\n  '^x$': {{checks: {{less_than_or_equal_to: 10}}}}\n  '^[xy]$': {{{ge0}}}\n"
    assert [(f.column, f.count) for f in _validated(pg, plain, tmp_path, text).failures] == [("^x$", 1)]
    with pytest.raises(dbdiff.errors.ConfigError, match="both govern column 'x'"):
        _validated(pg, star, tmp_path, text)


def test_uniqueness_of_a_regex_column_and_messages_under_the_users_names(pg, unique_name, tmp_path):
    """infer-schema writes a key named "^x$" as the regex of that name, with unique: true: the
    check across chunks took the regex for a column name (an internal error). And a message
    about a column must name the user's column, also one named like dbdiff's plain names."""
    t = unique_name("patuniq")
    pg.execute(f'CREATE TABLE {t} ("^x$" int PRIMARY KEY, v int, x int)')
    pg.execute(f"INSERT INTO {t} VALUES (1, 1, 7), (2, 2, 7)")
    own = dbdiff.infer_schema(pg.url, table=t)
    assert yaml.safe_load(own)["columns"][r"^\^x\$$"]["unique"] is True
    assert _validated(
        pg, t, tmp_path, own.split("\n", 3)[-1].split("schema_type: polars_dataframe\n")[-1]
    ).passed
    (failed,) = _validated(pg, t, tmp_path, "columns:\n  '^x$': {unique: true}\n").failures  # column x
    assert (failed.column, failed.count) == ("x", 2)
    pg.execute(f'ALTER TABLE {t} ADD COLUMN "__dbdiff_column1__" int, ADD COLUMN "*" int')
    with pytest.raises(dbdiff.errors.ConfigError, match="__dbdiff_column1__"):
        _validated(
            pg, t, tmp_path, "columns:\n  '*': {nullable: true}\n  __dbdiff_column1__: {dtype: String}\n"
        )


def test_regex_columns_by_pandera_rules_with_and_without_a_pattern_named_column(pg, unique_name, tmp_path):
    """A second tester's findings: a regex `unique: true` beside declared columns passed a
    duplicated column (pandera selects with polars when the regex matches no name whole); an
    optional unique column the table lacks, and `unique` as a list of lists, stopped the run; a
    regex failure was one merged failure under the regex without its values. Failures now name
    the columns they are in, the same with or without a "*" column in the table."""
    star, plain = unique_name("patrx2"), unique_name("patrx20")
    pg.execute(f'CREATE TABLE {star} (id int PRIMARY KEY, "*" int, ab int, abc int, q int)')
    pg.execute(f"CREATE TABLE {plain} (id int PRIMARY KEY, ab int, abc int, q int)")
    pg.execute(f"INSERT INTO {star} VALUES (1, 1, 7, -2, 1), (2, 2, 7, -5, 2), (3, 3, -1, 3, 3)")
    pg.execute(f"INSERT INTO {plain} VALUES (1, 7, -2, 1), (2, 7, -5, 2), (3, -1, 3, 3)")
    cases = {
        "columns:\n  q: {}\n  '^a|b$': {unique: true}\n": {("ab", "field_uniqueness"): 2},
        "columns:\n  '^a.*$': {checks: {greater_than_or_equal_to: 0}}\n": {
            ("ab", "greater_than_or_equal_to(0)"): 1,
            ("abc", "greater_than_or_equal_to(0)"): 2,
        },
        "columns:\n  '*': {required: false, unique: true}\n  nothere: {required: false, unique: true}\n": {},
        "columns:\n  q: {}\nunique: [[ab], [q]]\n": {(None, "multiple_fields_uniqueness"): 2},
    }
    for text, expected in cases.items():
        for t in (star, plain):
            failures = _validated(pg, t, tmp_path, text).failures
            assert {(f.column, f.check): f.count for f in failures} == expected, (t, text)
    (failed,) = [f for f in _validated(pg, plain, tmp_path, list(cases)[1]).failures if f.column == "abc"]
    shown = json.dumps(failed.examples, default=str)
    assert '"value": -2' in shown and '"value": -5' in shown, shown
    for bad in ("'^(?i)x$'", "'^(?=x).*$'"):  # a regex one engine or the other does not take
        with pytest.raises(dbdiff.errors.ConfigError):
            _validated(pg, plain, tmp_path, f"columns:\n  q: {{}}\n  {bad}: {{required: false}}\n")


def test_json_compared_in_pairs_agrees_with_canonical_texts_with_rows_alone_in_their_chunk(
    mysql, pg, unique_name
):
    """A diff compares paired rows' documents as decoded values (no canonical text), and gives
    the rows without a partner in their chunk canonical texts for the residual pass. With
    `aggregate` a check reads every normalized value, so the same run takes canonical texts
    everywhere: both must give the ground truth, whatever the chunking."""
    t = unique_name("jspairs")
    docs = [
        ('{"a":true}', '{"a": 1}'),
        ('{"a":false}', '{"a": 0}'),
        ('{"a":1}', '{"a": 1.0}'),
        ('{"b":[1,{"y":2,"x":1}]}', '{"b": [1, {"x": 1, "y": 2}]}'),
        ('{"n":12345678901234567890123456789}', '{"n": 12345678901234567890123456788}'),
        ('{"n":1.10}', '{"n": 1.1}'),
        ('{"a":1,"a":2}', '{"a": 2}'),
        ("null", None),
        ('"\\u00e9"', '"é"'),
        ('{"x":[true,1]}', '{"x": [1, true]}'),
    ]
    left = {i: a for i, (a, _) in enumerate(docs)} | {100: '{"only":"left"}', 101: '{"only":"left"}'}
    right = {i: b for i, (_, b) in enumerate(docs)} | {200: '{"only": "right"}'}
    mysql.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, doc JSON)")
    pg.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, doc jsonb)")
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s)", list(left.items()))
    pg.executemany(f"INSERT INTO {t} VALUES (%s, %s)", list(right.items()))
    expected = {i for i, (a, b) in enumerate(docs) if b is None or not _same_json(a, b)}
    assert expected == {0, 1, 4, 7, 9}
    for chunk_size in (1000, 4, 1):
        for aggregate in ([], ["doc"]):
            table = dbdiff.diff(
                mysql.url, pg.url, table=t, chunk_size=chunk_size, aggregate=aggregate, recheck=0
            ).table()
            s = table.summary
            assert (s.matched, s.changed, s.only_left, s.only_right) == (10, 5, 2, 1), (chunk_size, aggregate)
            assert {x["key"]["id"] for x in table.samples.changed} == expected, (chunk_size, aggregate)
            assert {c.name: c.mismatches for c in table.columns}["doc"] == 5


def test_plain_texts_compared_as_they_are_agree_with_normalizing_both_sides(mysql, pg, unique_name):
    """Decimal and UUID texts in their plain form are compared as they are (equal texts are equal
    values); every other pair is normalized. Text no rule reads equals nothing, even the same
    text; CHAR padding and case count only as the rules say. With `aggregate` (a check reads
    every normalized value) both sides are normalized everywhere: both give the ground truth."""
    t = unique_name("plain")
    u = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    rows = [  # (decimal left, decimal right, uuid left, uuid right, differs?)
        ("1.50", "1.50", u, u, False),
        ("1.50", "1.5", u.upper(), u, False),
        ("-0.00", "0", "{" + u + "}", u, False),
        ("abc", "abc", "not a uuid", "not a uuid", True),  # the same unreadable decimal text
        (None, None, None, None, False),
        (None, "0", u, None, True),
        ("1.51", "1.50", u, u.replace("a11", "a12"), True),
        ("12345678901234567890.123456789", "12345678901234567890.123456788", "x", "x ", True),
        (" 7", "7", u + " ", u, False),  # CHAR(40) padding of a UUID goes; the decimal is trimmed
    ]
    mysql.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, d VARCHAR(40), u CHAR(40))")
    pg.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, d text, u text)")
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s, %s)", [(i, r[0], r[2]) for i, r in enumerate(rows)])
    pg.executemany(f"INSERT INTO {t} VALUES (%s, %s, %s)", [(i, r[1], r[3]) for i, r in enumerate(rows)])
    rules = {"d": "decimal", "u": "uuid"}
    expected = {i for i, r in enumerate(rows) if r[4]}
    for chunk_size in (1000, 2):
        for aggregate in ([], ["d"]):
            table = dbdiff.diff(
                mysql.url, pg.url, table=t, chunk_size=chunk_size, column_rules=rules, aggregate=aggregate
            ).table()
            where = (chunk_size, aggregate)
            assert table.summary.matched == len(rows), where
            assert {s["key"]["id"] for s in table.samples.changed} == expected, where
            unreadable = {c.name: c.unreadable for c in table.columns}
            assert unreadable["d"] == 1, where  # the row with "abc" on both sides


def test_a_column_named_like_the_holder_of_unreadable_raw_values(mysql, pg, unique_name):
    """An unreadable value's raw column waits under an internal name while the rest of its column
    is normalized; a compared column of that very name ("__raw0") stopped the run with polars'
    "duplicate" error."""
    t = unique_name("rawname")
    columns = "`^d$` VARCHAR(40), Dd VARCHAR(40), __raw0 VARCHAR(40)"
    mysql.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, {columns})")
    pg.execute(f'CREATE TABLE {t} (id int PRIMARY KEY, "^d$" text, "Dd" text, __raw0 text)')
    insert = f"INSERT INTO {t} VALUES (%s, %s, %s, %s)"
    mysql.executemany(insert, [(1, "abc", "1.50", "2"), (2, "3", "4", "5.0")])
    pg.executemany(insert, [(1, "abc", "1.5", "2.00"), (2, "3", "4", "6")])
    rules = {"^d$": "decimal", "Dd": "decimal", "__raw0": "decimal"}
    for aggregate in ([], ["Dd"]):
        table = dbdiff.diff(mysql.url, pg.url, table=t, column_rules=rules, aggregate=aggregate).table()
        assert (table.summary.matched, table.summary.changed) == (2, 2), aggregate
        mismatches = {c.name: (c.mismatches, c.unreadable) for c in table.columns}
        assert mismatches == {"^d$": (1, 1), "Dd": (0, 0), "__raw0": (1, 0)}, aggregate
