"""Repair SQL on the real servers: generate it, apply it to the target (a database of this module's
own, never the compared source), diff again: identical. Both directions, a table with every type
family of rules/mysql-postgresql.yaml, a composite key, and a string key whose order depends on
the collation (MariaDB utf8mb4_general_ci against PostgreSQL "C").
"""

from __future__ import annotations

import dataclasses
import os
import shutil
import subprocess
from collections.abc import Iterator
from typing import Any

import pymysql
import pytest

import dbdiff
from dbdiff.errors import UsageError
from tests.conftest import MYSQL_URL, PG_URL, MySQLServer, PostgresServer

pytestmark = pytest.mark.servers


def m_text(text: str) -> str:
    return f"CONVERT(X'{text.encode().hex()}' USING utf8mb4)"


def p_text(text: str) -> str:
    return f"convert_from('\\x{text.encode().hex()}'::bytea, 'UTF8')"


HOSTILE = 'it\'s \\ a\nline\t"q" Zürich 😀 \r end'

# (column, MySQL type, PostgreSQL type, value A (MySQL, PostgreSQL), value B (MySQL, PostgreSQL)):
# A on one side equals A on the other; B differs from A.
COLUMNS: list[tuple[str, str, str, tuple[str, str], tuple[str, str]]] = [
    ("c_bool", "TINYINT(1)", "boolean", ("1", "true"), ("0", "false")),
    ("c_bit1", "BIT(1)", "boolean", ("b'1'", "true"), ("b'0'", "false")),
    ("c_tiny", "TINYINT UNSIGNED", "smallint", ("255", "255"), ("7", "7")),
    ("c_int", "INT", "integer", ("-2147483648", "-2147483648"), ("2147483647", "2147483647")),
    ("c_year", "YEAR", "smallint", ("2024", "2024"), ("1901", "1901")),
    (
        "c_bigu",
        "BIGINT UNSIGNED",
        "numeric(20,0)",
        ("18446744073709551615", "18446744073709551615"),
        ("9223372036854775808", "9223372036854775808"),
    ),
    ("c_bigu2", "BIGINT UNSIGNED", "bigint", ("9223372036854775807", "9223372036854775807"), ("0", "0")),
    (
        "c_dec",
        "DECIMAL(65,30)",
        "numeric(65,30)",
        ("12345678901234567890123456789012345.123456789012345678901234567891",) * 2,
        ("-0.000000000000000000000000000001",) * 2,
    ),
    ("c_dec2", "DECIMAL(10,2)", "numeric", ("1.10", "1.1"), ("-99999999.99", "-99999999.99")),
    ("c_float", "FLOAT", "real", ("0.1", "0.1"), ("3.4e38", "3.4e38")),
    ("c_fd", "FLOAT", "double precision", ("1.5", "1.5"), ("-2.25", "-2.25")),
    (
        "c_double",
        "DOUBLE",
        "double precision",
        ("0.1", "0.1"),
        ("1.7976931348623157e308", "1.7976931348623157e308"),
    ),
    ("c_char", "CHAR(5)", "char(5)", ("'ab'", "'ab'"), ("'xy z'", "'xy z'")),
    ("c_text", "VARCHAR(60)", "text", (m_text(HOSTILE), p_text(HOSTILE)), ("''", "''")),
    ("c_bin_coll", "VARCHAR(20) COLLATE utf8mb4_bin", "varchar(20)", ("'Abc'", "'Abc'"), ("'abc'", "'abc'")),
    ("c_enum", "ENUM('a','b','c')", "t_abc", ("'b'", "'b'"), ("'c'", "'c'")),
    ("c_set", "SET('a','b','c')", "text[]", ("'a,c'", "'{c,a}'"), ("''", "'{}'")),
    (
        "c_set_enum",
        "SET('a','b','c')",
        "t_abc[]",
        ("'b'", "'{b}'::t_abc[]"),
        ("'a,b,c'", "'{a,b,c}'::t_abc[]"),
    ),
    (
        "c_json",
        "JSON",
        "jsonb",
        ("""'{"b":1,"a":[1,2.50,"x\\\\"y"]}'""", """'{"a":[1,2.50,"x\\"y"],"b":1}'"""),
        ("'[1.10, null]'", "'[1.10, null]'"),
    ),
    ("c_jsonj", "JSON", "json", ("'{\"k\": 12345678901234567890.5}'",) * 2, ("'\"s\"'", "'\"s\"'")),
    ("c_ltj", "LONGTEXT", "jsonb", ("'[1,2]'", "'[1,2]'"), ("'{}'", "'{}'")),
    ("c_binary", "BINARY(4)", "bytea", ("X'61620000'", "'\\x61620000'"), ("X'00ff00ff'", "'\\x00ff00ff'")),
    ("c_blob", "BLOB", "bytea", ("X'00ff27'", "'\\x00ff27'"), ("X''", "'\\x'")),
    (
        "c_uuid",
        "CHAR(36)",
        "uuid",
        ("'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'"),
        ("'00000000-0000-0000-0000-000000000001'", "'00000000-0000-0000-0000-000000000001'"),
    ),
    (
        "c_buuid",
        "BINARY(16)",
        "uuid",
        ("X'a0eebc999c0b4ef8bb6d6bb9bd380a11'", "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'"),
        ("X'ffffffffffffffffffffffffffffffff'", "'ffffffff-ffff-ffff-ffff-ffffffffffff'"),
    ),
    (
        "c_muuid",
        "UUID",
        "uuid",
        ("'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'",) * 2,
        ("'123e4567-e89b-12d3-a456-426614174000'",) * 2,
    ),
    ("c_bit", "BIT(10)", "bit(10)", ("b'1000000001'", "B'1000000001'"), ("b'0'", "B'0000000000'")),
    (
        "c_bit64",
        "BIT(64)",
        "bit varying(64)",
        ("b'" + "1" * 64 + "'", "B'" + "1" * 64 + "'"),
        ("b'1'", "B'1'"),
    ),
    ("c_date", "DATE", "date", ("'9999-12-31'", "'9999-12-31'"), ("'1000-01-01'", "'1000-01-01'")),
    (
        "c_dt",
        "DATETIME(6)",
        "timestamp(6)",
        ("'2024-06-01 12:00:00.123456'",) * 2,
        ("'1970-01-01 00:00:00.000001'",) * 2,
    ),
    (
        "c_dttz",
        "DATETIME(6)",
        "timestamptz",
        ("'2024-06-01 12:00:00.000001'", "'2024-06-01 12:00:00.000001+00'"),
        ("'2000-02-29 23:59:59.999999'", "'2000-02-29 23:59:59.999999+00'"),
    ),
    (
        "c_berlin",
        "DATETIME",
        "timestamptz",
        ("'2024-07-01 12:00:00'", "'2024-07-01 10:00:00+00'"),
        ("'2024-01-01 00:30:00'", "'2023-12-31 23:30:00+00'"),
    ),
    (
        "c_ts",
        "TIMESTAMP(6) NULL",
        "timestamptz",
        ("'2038-01-19 03:14:07.499999'", "'2038-01-19 03:14:07.499999+00'"),
        ("'1970-01-01 00:00:01'", "'1970-01-01 00:00:01+00'"),
    ),
    ("c_interval", "TIME(6)", "interval", ("'-838:59:59'", "'-838:59:59'"), ("'12:00:00.5'", "'12:00:00.5'")),
    ("c_tod", "TIME", "time", ("'23:59:59'", "'23:59:59'"), ("'00:00:01'", "'00:00:01'")),
    (
        "c_point",
        "POINT",
        "point",
        ("ST_GeomFromText('POINT(1 2)')", "'(1,2)'"),
        ("ST_GeomFromText('POINT(-1.5 3)')", "'(-1.5,3)'"),
    ),
]
RULES = {"c_berlin": ("", {"assume_zone": "Europe/Berlin"})}


@pytest.fixture(scope="module")
def servers() -> Iterator[tuple[MySQLServer, PostgresServer]]:
    mysql, pg = MySQLServer(MYSQL_URL), PostgresServer(PG_URL)
    try:
        pg.execute("CREATE TYPE t_abc AS ENUM ('a', 'b', 'c')")
        yield mysql, pg
    finally:
        mysql.drop()
        pg.drop()


def apply_mysql(server: MySQLServer, script: str, sql_mode: str | None = None) -> None:
    """Run a script as a client would: every statement, in order, stopping at the first error
    (in a session with `sql_mode` added, when given)."""
    url = server.admin_url
    con = pymysql.connect(
        host=url.host,
        port=url.port or 3306,
        user=url.user or "root",
        password=url.password or "",
        database=server.database,
        autocommit=True,
        client_flag=pymysql.constants.CLIENT.MULTI_STATEMENTS,
    )
    with con, con.cursor() as cur:
        if sql_mode:
            cur.execute(f"SET SESSION sql_mode = CONCAT(@@sql_mode, ',{sql_mode}')")
        cur.execute(script)
        while cur.nextset():
            pass


def apply_with_client(server: MySQLServer | PostgresServer, script: str, sql_mode: str | None = None) -> None:
    """Run a script file through the server's own command-line client (mysql, psql), as people
    will; through the driver when the client is not installed."""
    url = server.admin_url
    if isinstance(server, MySQLServer):
        client = shutil.which("mysql") or shutil.which("mariadb")
        if client is None:
            apply_mysql(server, script, sql_mode)
            return
        args = [client, "-h", str(url.host), "-P", str(url.port or 3306), "-u", url.user or "root"]
        if sql_mode:
            args.append(f"--init-command=SET SESSION sql_mode = CONCAT(@@sql_mode, ',{sql_mode}')")
        args.append(server.database)
        env = {**os.environ, "MYSQL_PWD": url.password or ""}
    else:
        client = shutil.which("psql")
        if client is None:
            server.execute(script)
            return
        args = [client, "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", str(url.host), "-p", str(url.port or 5432)]
        args += ["-U", url.user or "postgres", "-d", server.database]
        env = {**os.environ, "PGPASSWORD": url.password or ""}
    done = subprocess.run(args, input=script.encode(), env=env, capture_output=True, timeout=60)
    assert done.returncode == 0 and not done.stderr.strip(), done.stderr.decode()


def seed_types(mysql: MySQLServer, pg: PostgresServer) -> None:
    """id 1 equal, 2 changed in every column, 3 only left, 4 only right, 5 NULL left / B right."""
    mysql.execute("DROP TABLE IF EXISTS rt")
    pg.execute("DROP TABLE IF EXISTS rt")
    mysql.execute(
        "CREATE TABLE rt (id INT PRIMARY KEY, " + ", ".join(f"{c} {m}" for c, m, *_ in COLUMNS) + ")"
    )
    pg.execute(
        "CREATE TABLE rt (id integer PRIMARY KEY, " + ", ".join(f"{c} {p}" for c, _, p, *_ in COLUMNS) + ")"
    )
    names = ", ".join(c for c, *_ in COLUMNS)

    def row(side: int, key: int, which: str) -> str:
        values = [
            "NULL" if which == "null" else (a if which == "a" else b)[side] for _, _, _, a, b in COLUMNS
        ]
        return f"INSERT INTO rt (id, {names}) VALUES ({key}, {', '.join(values)})"

    mysql.execute(
        "SET time_zone = '+00:00'", row(0, 1, "a"), row(0, 2, "a"), row(0, 3, "b"), row(0, 5, "null")
    )
    pg.execute(row(1, 1, "a"), row(1, 2, "b"), row(1, 4, "a"), row(1, 5, "b"))


def diff_types(mysql: MySQLServer, pg: PostgresServer) -> dbdiff.DiffResult:
    return dbdiff.diff(mysql.url, pg.url, table="rt", column_rules=RULES, chunk_size=2)


@pytest.mark.parametrize(
    ("target", "sql_mode"), [("right", None), ("left", None), ("left", "NO_BACKSLASH_ESCAPES")]
)
def test_every_type_family_round_trips(
    servers: tuple[MySQLServer, PostgresServer], target: str, sql_mode: str | None
) -> None:
    mysql, pg = servers
    seed_types(mysql, pg)
    before = diff_types(mysql, pg)
    s = before.table().summary
    assert (s.changed, s.only_left, s.only_right) == (2, 1, 1)
    assert {c.name for c in before.table().columns if c.mismatches == 2} == {c for c, *_ in COLUMNS}
    script = before.repair_sql(target=target)
    assert "needs a human" not in script, script
    assert (
        script.count("UPDATE ") == 2 and script.count("INSERT INTO") == 1 and script.count("DELETE FROM") == 1
    )
    apply_with_client(pg if target == "right" else mysql, script, sql_mode)
    after = diff_types(mysql, pg)
    assert after.identical, (script, after.changed(), after.only_left(), after.only_right())


def test_update_writes_only_the_differing_columns(servers: tuple[MySQLServer, PostgresServer]) -> None:
    mysql, pg = servers
    mysql.execute("DROP TABLE IF EXISTS few", "CREATE TABLE few (id INT PRIMARY KEY, a INT, b TEXT)")
    pg.execute("DROP TABLE IF EXISTS few", "CREATE TABLE few (id integer PRIMARY KEY, a integer, b text)")
    mysql.execute("INSERT INTO few VALUES (1, 1, 'same'), (2, 2, 'same')")
    pg.execute("INSERT INTO few VALUES (1, 1, 'same'), (2, 3, 'same')")
    script = dbdiff.diff(mysql.url, pg.url, table="few").repair_sql()
    assert 'UPDATE "few" SET "a" = 2 WHERE "id" = 2;' in script
    assert '"b"' not in script.split("BEGIN;")[1]


def test_composite_key_round_trips(servers: tuple[MySQLServer, PostgresServer]) -> None:
    mysql, pg = servers
    mysql.execute(
        "DROP TABLE IF EXISTS comp",
        "CREATE TABLE comp (a INT, b VARCHAR(10), v TEXT, PRIMARY KEY (a, b))",
        "INSERT INTO comp VALUES (1, 'x', 'one'), (1, 'y', 'two'), (2, 'x', 'three'), (3, 'q''t', 'q')",
    )
    pg.execute(
        "DROP TABLE IF EXISTS comp",
        "CREATE TABLE comp (a integer, b varchar(10), v text, PRIMARY KEY (a, b))",
        "INSERT INTO comp VALUES (1, 'x', 'one'), (1, 'y', 'TWO'), (2, 'y', 'extra'), (3, 'q''t', 'q')",
    )
    for target in ("right", "left"):
        result = dbdiff.diff(mysql.url, pg.url, table="comp", chunk_size=1)
        assert not result.identical
        script = result.repair_sql(target=target)
        if target == "right":
            assert 'UPDATE "comp" SET "v" = \'two\' WHERE "a" = 1 AND "b" = \'y\';' in script
        else:
            assert "UPDATE `comp` SET `v` = 'changed' WHERE `a` = 1 AND `b` = 'x';" in script
        apply_mysql(mysql, script) if target == "left" else pg.execute(script)
        assert dbdiff.diff(mysql.url, pg.url, table="comp", chunk_size=1).identical
        # Back to a difference for the other direction.
        pg.execute("UPDATE comp SET v = 'changed' WHERE a = 1 AND b = 'x'", "DELETE FROM comp WHERE a = 2")


COLLATED_KEYS = ["apple", "Banana", "cherry", "Éclair", "zebra", "_under", "10", "9", "Zulu", "éa"]


def test_collation_sensitive_string_key_round_trips(servers: tuple[MySQLServer, PostgresServer]) -> None:
    mysql, pg = servers
    mysql.execute(
        "DROP TABLE IF EXISTS coll",
        "CREATE TABLE coll (k VARCHAR(20) COLLATE utf8mb4_general_ci PRIMARY KEY, v INT)",
    )
    pg.execute("DROP TABLE IF EXISTS coll", 'CREATE TABLE coll (k text COLLATE "C" PRIMARY KEY, v integer)')
    left = {k: i for i, k in enumerate(COLLATED_KEYS)}
    right = {k: i for i, k in enumerate(COLLATED_KEYS) if k not in ("Banana", "éa")}
    right.update({"Éclair": 100, "Zulu": 200, "Aardvark": 1, "ähnlich": 2})
    mysql.executemany("INSERT INTO coll VALUES (%s, %s)", list(left.items()))
    pg.executemany("INSERT INTO coll VALUES (%s, %s)", list(right.items()))
    result = dbdiff.diff(mysql.url, pg.url, table="coll", chunk_size=3)
    s = result.table().summary
    assert (s.changed, s.only_left, s.only_right) == (2, 2, 2)
    pg.execute(result.repair_sql())
    assert dbdiff.diff(mysql.url, pg.url, table="coll", chunk_size=3).identical
    # Now the other way: MariaDB from PostgreSQL.
    pg.execute("DELETE FROM coll WHERE k = 'zebra'", "UPDATE coll SET v = -1 WHERE k = 'éa'")
    pg.execute("INSERT INTO coll VALUES ('Ölberg', 5)")
    result = dbdiff.diff(mysql.url, pg.url, table="coll", chunk_size=3)
    apply_mysql(mysql, result.repair_sql(target="left"))
    assert dbdiff.diff(mysql.url, pg.url, table="coll", chunk_size=3).identical


def test_script_header_and_batches(servers: tuple[MySQLServer, PostgresServer]) -> None:
    mysql, pg = servers
    mysql.execute("DROP TABLE IF EXISTS many", "CREATE TABLE many (id INT PRIMARY KEY, v INT)")
    pg.execute("DROP TABLE IF EXISTS many", "CREATE TABLE many (id integer PRIMARY KEY, v integer)")
    mysql.executemany("INSERT INTO many VALUES (%s, %s)", [(i, i) for i in range(7)])
    result = dbdiff.diff(mysql.url, pg.url, table="many")
    from dbdiff.repair import repair_sql

    script = repair_sql(result, "left", batch=3)
    assert script.count("BEGIN;") == 3 and script.count("COMMIT;") == 3
    assert "SET time_zone = '+00:00';" in script
    assert "-- table many: 7 DELETE, 0 UPDATE, 0 INSERT" in script
    assert "--   not rechecked: a write in flight" in script
    recheck = {"rounds": 2, "transient": {"changed": 9, "only_left": 3, "only_right": 1}}
    rechecked = dataclasses.replace(result, tables=(dataclasses.replace(result.table(), recheck=recheck),))
    assert "--   rechecked 2 time(s): persistent differences only (13 transient left out)" in repair_sql(
        rechecked, "left"
    )
    assert f"-- target (left): {mysql.url.split('@')[0].split('//')[0]}" in script
    apply_mysql(mysql, script)
    assert dbdiff.diff(mysql.url, pg.url, table="many").identical


def test_masked_columns_are_refused_unless_unmasked(servers: tuple[MySQLServer, PostgresServer]) -> None:
    mysql, pg = servers
    mysql.execute("DROP TABLE IF EXISTS secret", "CREATE TABLE secret (id INT PRIMARY KEY, email TEXT)")
    pg.execute("DROP TABLE IF EXISTS secret", "CREATE TABLE secret (id integer PRIMARY KEY, email text)")
    mysql.execute("INSERT INTO secret VALUES (1, 'a@example.com')")
    result = dbdiff.diff(mysql.url, pg.url, table="secret", mask="email")
    with pytest.raises(UsageError, match="masked column email of table 'secret' in clear"):
        result.repair_sql()
    assert "a@example.com" in result.repair_sql(unmask=True)
    assert "a@example.com" in result.repair_sql(unmask=["email"])


def test_a_result_without_its_store_is_refused(
    servers: tuple[MySQLServer, PostgresServer], tmp_path: Any
) -> None:
    mysql, pg = servers
    mysql.execute("DROP TABLE IF EXISTS gone", "CREATE TABLE gone (id INT PRIMARY KEY)")
    pg.execute("DROP TABLE IF EXISTS gone", "CREATE TABLE gone (id integer PRIMARY KEY)")
    mysql.execute("INSERT INTO gone VALUES (1)")
    path = dbdiff.diff(mysql.url, pg.url, table="gone").write_json(tmp_path / "r.json")
    with pytest.raises(UsageError, match="holds only its samples"):
        dbdiff.load_result(path).repair_sql()


def test_duplicate_and_null_keys_are_left_to_a_human(servers: tuple[MySQLServer, PostgresServer]) -> None:
    mysql, pg = servers
    mysql.execute("DROP TABLE IF EXISTS dup", "CREATE TABLE dup (n INT NULL, v INT)")
    pg.execute("DROP TABLE IF EXISTS dup", "CREATE TABLE dup (n integer NULL, v integer)")
    mysql.execute("INSERT INTO dup VALUES (1, 1), (2, 2), (2, 3), (NULL, 4), (5, 5)")
    pg.execute("INSERT INTO dup VALUES (1, 1), (2, 2), (5, 6)")
    result = dbdiff.diff(mysql.url, pg.url, table="dup", key="n")
    script = result.repair_sql()
    assert 'UPDATE "dup" SET "v" = 5 WHERE "n" = 5;' in script
    assert "-- dup: needs a human" in script
    assert "1 key(s) are duplicated on the left side; their rows are not repaired (e.g. n=2)" in script
    assert "1 row(s) have a NULL key on the left side" in script
    assert script.count("\nUPDATE") == 1 and "\nINSERT" not in script and "\nDELETE" not in script


def test_values_the_target_cannot_hold_are_comments(servers: tuple[MySQLServer, PostgresServer]) -> None:
    mysql, pg = servers
    mysql.execute("DROP TABLE IF EXISTS nan", "CREATE TABLE nan (id INT PRIMARY KEY, f DOUBLE)")
    pg.execute("DROP TABLE IF EXISTS nan", "CREATE TABLE nan (id integer PRIMARY KEY, f double precision)")
    mysql.execute("INSERT INTO nan VALUES (1, 1.5), (2, 2.5)")
    pg.execute("INSERT INTO nan VALUES (1, 'NaN'), (3, '-Infinity')")
    result = dbdiff.diff(mysql.url, pg.url, table="nan")
    left = result.repair_sql(target="left")
    assert "UPDATE of key id=1: nan: MySQL has no NaN or infinity" in left
    assert "INSERT of key id=3: -inf: MySQL has no NaN or infinity" in left
    assert "DELETE FROM `nan` WHERE `id` = 2;" in left
    right = result.repair_sql()
    assert 'UPDATE "nan" SET "f" = \'1.5\'::float8 WHERE "id" = 1;' in right


def test_cli_diff_and_run_write_the_repair_sql(
    servers: tuple[MySQLServer, PostgresServer], tmp_path: Any
) -> None:
    from click.testing import CliRunner

    from dbdiff.cli import cli

    mysql, pg = servers
    mysql.execute("DROP TABLE IF EXISTS cli_t", "CREATE TABLE cli_t (id INT PRIMARY KEY, v VARCHAR(10))")
    pg.execute("DROP TABLE IF EXISTS cli_t", "CREATE TABLE cli_t (id integer PRIMARY KEY, v varchar(10))")
    mysql.execute("INSERT INTO cli_t VALUES (1, 'a'), (2, 'b')")
    pg.execute("INSERT INTO cli_t VALUES (1, 'A'), (3, 'c')")
    out = tmp_path / "repair.sql"
    args = ["diff", mysql.url, pg.url, "-t", "cli_t", "--repair-sql", str(out), "-q"]
    run = CliRunner().invoke(cli, [*args, "--repair-target", "left"])
    assert run.exit_code == 1, run.output
    apply_mysql(mysql, out.read_text())
    assert dbdiff.diff(mysql.url, pg.url, table="cli_t").identical

    bad = CliRunner().invoke(cli, [*args, "--repair-target", "middle"])
    assert bad.exit_code == 2 and "--repair-target is one of right, left, not 'middle'" in bad.output
    masked = CliRunner().invoke(cli, [*args, "--mask", "v"])
    assert masked.exit_code == 2 and "would write the masked column(s) v in clear" in masked.output
    assert "--repair-unmask" in masked.output

    mysql.execute("UPDATE cli_t SET v = 'z' WHERE id = 1")
    check = tmp_path / "dbdiff.yaml"
    check.write_text(
        f"left: {mysql.url}\nright: {pg.url}\nhistory: false\ntables:\n  - name: cli_t\n    mask: [v]\n"
    )
    refused = CliRunner().invoke(cli, ["run", str(check), "--repair-sql", str(out), "-q"])
    assert refused.exit_code == 2 and "masked column(s) v" in refused.output
    ran = CliRunner().invoke(cli, ["run", str(check), "--repair-sql", str(out), "--repair-unmask", "-q"])
    assert ran.exit_code == 1, ran.output
    assert 'UPDATE "cli_t" SET "v" = \'z\' WHERE "id" = 1;' in out.read_text()
    assert "run 20" in out.read_text()  # the run's id
    pg.execute(out.read_text())
    assert dbdiff.diff(mysql.url, pg.url, table="cli_t").identical


def test_a_leniently_compared_key_is_flagged(servers: tuple[MySQLServer, PostgresServer]) -> None:
    mysql, pg = servers
    mysql.execute("DROP TABLE IF EXISTS lenient", "CREATE TABLE lenient (k VARCHAR(10) PRIMARY KEY, v INT)")
    pg.execute("DROP TABLE IF EXISTS lenient", "CREATE TABLE lenient (k text PRIMARY KEY, v integer)")
    mysql.execute("INSERT INTO lenient VALUES ('ABC', 1)")
    pg.execute("INSERT INTO lenient VALUES ('abc', 2)")
    rules = {"k": ("text", {"ignore_case": True})}
    result = dbdiff.diff(mysql.url, pg.url, table="lenient", column_rules=rules)
    assert result.table().summary.changed == 1
    assert "key k is compared leniently" in result.repair_sql()
    left = result.repair_sql(target="left")
    assert "leniently" not in left and "UPDATE `lenient` SET `v` = 2 WHERE `k` = 'ABC';" in left
    apply_mysql(mysql, left)
    assert dbdiff.diff(mysql.url, pg.url, table="lenient", column_rules=rules).identical


def test_a_value_no_rule_can_read_is_left_to_a_human(servers: tuple[MySQLServer, PostgresServer]) -> None:
    mysql, pg = servers
    mysql.execute("DROP TABLE IF EXISTS unread", "CREATE TABLE unread (id INT PRIMARY KEY, j LONGTEXT)")
    pg.execute("DROP TABLE IF EXISTS unread", "CREATE TABLE unread (id integer PRIMARY KEY, j jsonb)")
    mysql.execute("INSERT INTO unread VALUES (1, 'not json'), (2, '[1]'), (3, '{oops')")
    pg.execute("INSERT INTO unread VALUES (1, '{}'), (2, '[2]'), (4, '[4]')")
    result = dbdiff.diff(mysql.url, pg.url, table="unread")
    right = result.repair_sql()
    assert "key id=1: no rule can read a value on the left side" in right
    assert "key id=3: no rule can read a value on the left side" in right
    assert 'UPDATE "unread" SET "j" = \'[1]\'::jsonb WHERE "id" = 2;' in right
    assert 'DELETE FROM "unread" WHERE "id" = 4;' in right
    left = result.repair_sql(target="left")  # the unreadable values are the target's: repaired
    assert "needs a human" not in left
    apply_mysql(mysql, left)
    assert dbdiff.diff(mysql.url, pg.url, table="unread").identical


def test_a_datetime_cannot_hold_the_hour_dst_repeats(servers: tuple[MySQLServer, PostgresServer]) -> None:
    mysql, pg = servers
    mysql.execute("DROP TABLE IF EXISTS dst", "CREATE TABLE dst (id INT PRIMARY KEY, at DATETIME)")
    pg.execute("DROP TABLE IF EXISTS dst", "CREATE TABLE dst (id integer PRIMARY KEY, at timestamptz)")
    pg.execute("INSERT INTO dst VALUES (1, '2024-10-27 00:30:00+00'), (2, '2024-10-27 01:30:00+00')")
    rules = {"at": ("", {"assume_zone": "Europe/Berlin"})}
    script = dbdiff.diff(mysql.url, pg.url, table="dst", column_rules=rules).repair_sql(target="left")
    assert "INSERT INTO `dst` (`id`, `at`) VALUES (2, '2024-10-27 02:30:00.000000');" in script
    assert "INSERT of key id=1: 2024-10-27T00:30:00+00:00 has no wall time of its own in Europe/Berlin" in (
        script
    )
    apply_mysql(mysql, script)
    after = dbdiff.diff(mysql.url, pg.url, table="dst", column_rules=rules).table().summary
    assert (after.changed, after.only_left, after.only_right) == (0, 0, 1)


def test_values_too_big_for_the_target_column_are_comments(
    servers: tuple[MySQLServer, PostgresServer],
) -> None:
    mysql, pg = servers
    mysql.execute(
        "DROP TABLE IF EXISTS small", "CREATE TABLE small (id INT PRIMARY KEY, d DECIMAL(5,2), s VARCHAR(3))"
    )
    pg.execute("DROP TABLE IF EXISTS small", "CREATE TABLE small (id integer PRIMARY KEY, d numeric, s text)")
    mysql.execute("INSERT INTO small VALUES (1, 1.00, 'abc'), (2, 1.00, 'abc'), (3, 1.00, 'abc')")
    pg.execute(
        "INSERT INTO small VALUES (1, 1.125, 'abc'), (2, 1000, 'abc'), (3, 1, 'abcd'), (4, 999.99, 'Zü')"
    )
    script = dbdiff.diff(mysql.url, pg.url, table="small").repair_sql(target="left")
    assert "UPDATE of key id=1: 1.125 has more decimal places than decimal(5,2) holds" in script
    assert "UPDATE of key id=2: 1000 is too large for decimal(5,2)" in script
    assert "UPDATE of key id=3: a text of 4 characters is too long for varchar(3)" in script
    apply_mysql(mysql, script)  # the rest still applies: no statement the server would refuse
    after = dbdiff.diff(mysql.url, pg.url, table="small").table().summary
    assert (after.changed, after.only_right) == (3, 0)


def test_a_rechecked_result_repairs_its_persistent_differences(
    servers: tuple[MySQLServer, PostgresServer],
) -> None:
    mysql, pg = servers
    seed_types(mysql, pg)
    result = dbdiff.diff(mysql.url, pg.url, table="rt", column_rules=RULES, recheck=1, recheck_delay=0)
    assert result.table().recheck is not None
    script = result.repair_sql(target="left")
    assert "--   rechecked 1 time(s): persistent differences only (0 transient left out)" in script
    apply_mysql(mysql, script)
    assert diff_types(mysql, pg).identical
