"""`dbdiff init` and `Source.list_tables` on embedded sources (DuckDB, SQLite, Parquet, CSV, Arrow).

The starting file is checked for the shape of the check file (docs/checkfile.md) and by running
every pair it writes with the options it gives; the real-server runs are in
tests/integration/test_renamed_servers.py.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import pyarrow as pa
import pytest
import yaml
from click.testing import CliRunner

import dbdiff
from dbdiff.cli import cli
from dbdiff.errors import UsageError
from dbdiff.init import starting_file, write_starting_file
from dbdiff.sources.base import Source, open_source
from dbdiff.sources.duckdb import ArrowSource

#: The top-level keys and table-entry keys of a check file (design part A).
TOP_KEYS = {"version", "left", "right", "match_names", "history", "history_last", "run", "defaults"}
TOP_KEYS |= {"thresholds", "run_thresholds", "tables"}


def duckdb_file(path: Path, *statements: str) -> str:
    with duckdb.connect(str(path)) as con:
        for statement in statements:
            con.execute(statement)
    return f"duckdb:///{path}"


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """A CamelCase DuckDB shop and its snake_case copy, with one planted change."""
    d = tmp_path_factory.mktemp("shop")
    left = duckdb_file(
        d / "left.duckdb",
        "CREATE TABLE Customer (CustomerId INT PRIMARY KEY, FirstName VARCHAR, EMail VARCHAR)",
        "CREATE TABLE InvoiceLine (InvoiceLineId INT PRIMARY KEY, CustomerId INT, UnitPrice DECIMAL(10,2))",
        "CREATE TABLE AuditLog (Id INT)",
        "CREATE TABLE NoKey (A INT)",
        'CREATE TABLE "Odd: #1" (Id INT PRIMARY KEY)',
        "CREATE VIEW BigSpenders AS SELECT * FROM Customer",
        "INSERT INTO Customer VALUES (1, 'Ann', 'a@x'), (2, 'Bob', NULL)",
        "INSERT INTO InvoiceLine VALUES (1, 1, 9.99), (2, 2, 1.50)",
    )
    right = duckdb_file(
        d / "right.duckdb",
        "CREATE TABLE customer (customer_id INT PRIMARY KEY, first_name VARCHAR, e_mail VARCHAR)",
        "CREATE TABLE invoice_line (invoice_line_id INT PRIMARY KEY, customer_id INT, "
        "unit_price DECIMAL(10,2))",
        "CREATE TABLE no_key (a INT)",
        "CREATE TABLE extra (x INT)",
        'CREATE TABLE "odd: #1" (id INT PRIMARY KEY)',
        "INSERT INTO customer VALUES (1, 'Ann', 'a@x'), (2, 'Bob', NULL)",
        "INSERT INTO invoice_line VALUES (1, 1, 9.99), (2, 2, 1.55)",
    )
    return left, right


def test_list_tables_of_embedded_sources(shop, tmp_path):
    with open_source(shop[0]) as left:
        assert left.list_tables() == ["AuditLog", "Customer", "InvoiceLine", "NoKey", "Odd: #1"]  # no view
    other = duckdb_file(tmp_path / "s.duckdb", "CREATE SCHEMA sales", "CREATE TABLE sales.orders (id INT)")
    with open_source(other) as source:
        assert source.list_tables() == ["sales.orders"]
        assert source.introspect("sales.orders").column_names == ["id"]
    db = tmp_path / "x.db"
    with sqlite3.connect(db) as con:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT)")  # makes sqlite_sequence
        con.execute('CREATE TABLE "Odd""Name" (id INTEGER)')
        con.execute("CREATE VIEW v AS SELECT * FROM t")
    con.close()
    with open_source(f"sqlite:///{db}") as source:
        assert source.list_tables() == ['Odd"Name', "t"]
    (tmp_path / "parts").mkdir()
    for name in ("a", "b"):
        duckdb.sql(f"COPY (SELECT 1 AS id) TO '{tmp_path / 'parts' / name}.parquet'")
    (tmp_path / "orders.csv").write_text("id\n1\n")
    for url, tables in (
        (str(tmp_path / "parts" / "a.parquet"), ["a"]),
        (str(tmp_path / "parts"), ["parts"]),
        (str(tmp_path / "parts" / "*.parquet"), ["parts"]),
        (str(tmp_path / "orders.csv"), ["orders"]),
    ):
        with open_source(url) as source:
            assert source.list_tables() == tables
    with ArrowSource({"b": pa.table({"x": [1]}), "a": pa.table({"x": [1]})}) as arrow:
        assert arrow.list_tables() == ["b", "a"]


def test_a_source_that_cannot_list_its_tables_says_so():
    class Bare(Source):
        dialect = "duckdb"
        server_version = introspect = count_rows = key_boundaries = read_chunk = read_null_keys = None  # type: ignore[assignment]

    from dbdiff.sources.urls import SourceURL

    with pytest.raises(UsageError, match=r"Bare \(x\) cannot list its tables"):
        Bare(SourceURL(scheme="memory", path="x")).list_tables()


def test_init_pairs_renamed_tables_and_columns_with_their_keys(shop):
    started = starting_file(*shop)
    assert started.match_names == "convention"
    assert [(t.left, t.right, t.key) for t in started.tables] == [
        ("Customer", "customer", ("CustomerId",)),
        ("InvoiceLine", "invoice_line", ("InvoiceLineId",)),
        ("NoKey", "no_key", ()),
        ("Odd: #1", "odd: #1", ("Id",)),
    ]
    assert started.only_left == ("AuditLog",) and started.only_right == ("extra",)
    data = yaml.safe_load(started.text)
    assert set(data) <= TOP_KEYS
    assert data["left"] == shop[0] and data["right"] == shop[1] and data["match_names"] == "convention"
    assert data["tables"] == [
        {"left": "Customer", "right": "customer", "key": ["CustomerId"]},
        {"left": "InvoiceLine", "right": "invoice_line", "key": ["InvoiceLineId"]},
        {"left": "Odd: #1", "right": "odd: #1", "key": ["Id"]},
    ]
    # What is commented out says why, and is a valid entry once uncommented.
    no_key = "  # neither side has a primary key: name the key columns (key: [COL]) and uncomment\n"
    assert no_key in started.text
    assert "  # - left: NoKey\n  #   right: no_key\n" in started.text
    assert "  # - name: AuditLog  # only on the left: no table of the other side pairs\n" in started.text
    assert "  # - name: extra  # only on the right: no table of the other side pairs\n" in started.text
    assert "e_mail" not in started.text  # EMail pairs with e_mail by convention: no note needed
    # Every written pair runs with the options the file gives it, and the planted change is found.
    for entry in data["tables"]:
        result = dbdiff.diff(
            *shop,
            table=entry["left"],
            right_table=entry["right"],
            key=entry["key"],
            match_names=data["match_names"],
        )
        table = result.table()
        assert table.schema.only_left == () and table.schema.only_right == ()
        assert table.summary.changed == (1 if entry["left"] == "InvoiceLine" else 0)


def test_init_with_alike_names_writes_no_match_names_and_notes_unpaired_columns(tmp_path):
    left = duckdb_file(tmp_path / "l.duckdb", "CREATE TABLE orders (id INT PRIMARY KEY, total INT, old INT)")
    right = duckdb_file(tmp_path / "r.duckdb", "CREATE TABLE orders (id INT, total INT, new INT)")
    started = starting_file(left, right)
    assert started.match_names == "case"
    data = yaml.safe_load(started.text)
    assert "match_names" not in data and data["tables"] == [{"name": "orders", "key": ["id"]}]
    assert (
        "  # columns on one side only: left [old], right [new]; pair renamed ones with map: "
        "{LeftName: right_name}\n" in started.text
    )
    # The key is the right side's when only the right has one, and the file says so.
    swapped = starting_file(right, left)
    assert "  key: [id]  # the right side's primary key: the left side has none\n" in swapped.text


def test_init_guesses_renames_and_notes_types_no_rule_compares(tmp_path):
    left = duckdb_file(
        tmp_path / "l.duckdb",
        "CREATE TABLE orders (id INT PRIMARY KEY, total_amt INT, note VARCHAR, tag INT)",
        "CREATE TABLE keyed (k INT PRIMARY KEY, v INT)",
    )
    right = duckdb_file(
        tmp_path / "r.duckdb",
        "CREATE TABLE orders (id INT PRIMARY KEY, total_amount INT, remark VARCHAR, tag BLOB)",
        "CREATE TABLE keyed (k BLOB PRIMARY KEY, v INT)",
    )
    started = starting_file(left, right)
    assert [(t.left, t.renames, t.problem != "") for t in started.tables] == [
        ("keyed", (), True),
        ("orders", (("total_amt", "total_amount"),), False),  # note and remark are not alike
    ]
    text = started.text
    guess = "  #   map: {total_amt: total_amount}  # guessed from similar names: check, then uncomment\n"
    assert guess in text
    assert "  # column 'tag': no rule compares duckdb integer (integer) with duckdb blob (binary)" in text
    assert "  # no rule compares column 'k': duckdb integer (integer) vs duckdb blob (binary): add" in text
    assert yaml.safe_load(text)["tables"] == [{"name": "orders", "key": ["id"]}]  # keyed is commented out


def test_init_leaves_ambiguous_tables_to_the_user(tmp_path):
    # Two left tables are spellings of invoice_line: neither is guessed, both are noted.
    left = duckdb_file(
        tmp_path / "l.duckdb",
        "CREATE TABLE OrderItem (Id INT PRIMARY KEY)",
        "CREATE TABLE InvoiceLine (Id INT PRIMARY KEY)",
        'CREATE TABLE "invoice-line" (Id INT PRIMARY KEY)',
    )
    right = duckdb_file(
        tmp_path / "r.duckdb",
        "CREATE TABLE order_item (id INT PRIMARY KEY)",
        "CREATE TABLE invoice_line (id INT PRIMARY KEY)",
    )
    started = starting_file(left, right)
    assert started.match_names == "convention"
    assert [(t.left, t.right) for t in started.tables] == [("OrderItem", "order_item")]
    assert started.only_left == ("InvoiceLine", "invoice-line") and started.only_right == ("invoice_line",)
    text = started.text
    hand = "pair it by hand (left: ..., right: ...)"
    assert f"  # - name: InvoiceLine  # on the left, named like [invoice_line]: {hand}\n" in text
    assert f"  # - name: invoice-line  # on the left, named like [invoice_line]: {hand}\n" in text
    right_note = f"# on the right, named like [InvoiceLine, invoice-line]: {hand}\n"
    assert f"  # - name: invoice_line  {right_note}" in text


def test_init_refuses_sources_that_share_no_table(tmp_path):
    left = duckdb_file(tmp_path / "l.duckdb", "CREATE TABLE a (id INT)")
    right = duckdb_file(tmp_path / "r.duckdb", "CREATE TABLE b (id INT)")
    with pytest.raises(UsageError, match=r"no table of the left.*left tables: a; right tables: b"):
        starting_file(left, right)


def test_cli_init_writes_once_and_never_overwrites(shop, tmp_path):
    runner = CliRunner()
    out = tmp_path / "sub" / "dbdiff.yaml"
    done = runner.invoke(cli, ["init", *shop, "--out", str(out)])
    assert done.exit_code == 0, done.output
    assert done.output == (
        f"wrote {out}: 3 table pairs (match_names: convention); 1 without a key (commented out); "
        "1 only on the left, 1 only on the right\n"
    )
    written = out.read_text()
    again = runner.invoke(cli, ["init", *shop, "--out", str(out)])
    assert again.exit_code == 2
    assert again.output == (
        f"dbdiff: error: {str(out)!r} already exists: dbdiff init never overwrites a file "
        "(choose another file with --out FILE, or move it away)\n"
    )
    assert out.read_text() == written
    with pytest.raises(UsageError, match="already exists"):
        write_starting_file(*shop, out)
    missing = runner.invoke(cli, ["init", shop[0]], env={"DBDIFF_RIGHT_URL": ""})
    assert missing.exit_code == 2 and missing.output.startswith("dbdiff: error: two source URLs are needed")
    bad = runner.invoke(cli, ["init", shop[0], "nosuch://x", "--out", str(tmp_path / "x.yaml")])
    assert bad.exit_code == 2 and "right URL" in bad.output and not (tmp_path / "x.yaml").exists()


def test_the_written_file_loads_and_pairs_its_tables(shop, tmp_path):
    from dbdiff.checkfile import load_checkfile, resolve_tables

    out = tmp_path / "dbdiff.yaml"
    write_starting_file(*shop, out)
    checkfile = load_checkfile(out)
    assert (checkfile.left_url, checkfile.right_url, checkfile.match_names) == (*shop, "convention")
    with open_source(shop[0]) as left, open_source(shop[1]) as right:
        pairs, only_left, only_right = resolve_tables(checkfile, left.list_tables(), right.list_tables())
    assert [(p.left, p.right, p.keywords()["key"]) for p in pairs] == [
        ("Customer", "customer", ["CustomerId"]),
        ("InvoiceLine", "invoice_line", ["InvoiceLineId"]),
        ("Odd: #1", "odd: #1", ["Id"]),
    ]
    assert (only_left, only_right) == ([], [])  # commented-out tables are chosen by no entry


def test_default_out_is_dbdiff_yaml_in_the_current_directory(shop, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    done = CliRunner().invoke(cli, ["init", *shop])
    assert done.exit_code == 0, done.output
    text = (tmp_path / "dbdiff.yaml").read_text()
    assert text.startswith("# A dbdiff check file, started by `dbdiff init`")
