"""A MariaDB database of CamelCase tables and columns migrated to snake_case PostgreSQL tables.

`dbdiff init` lists both catalogs, detects the convention and pairs every table with no
hand-written map; `dbdiff diff --match-names convention` finds the planted change; `--map` pairs
renamed columns by hand; exact mode refuses case variants. Each side is a database of this
module's own (init lists every table), dropped at the end.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import replace

import pytest
import yaml

import dbdiff
from dbdiff.checkfile import load_checkfile, resolve_tables
from dbdiff.engine import build_plan
from dbdiff.errors import KeyColumnError, RuleError
from dbdiff.options import DiffOptions
from dbdiff.sources.base import open_source
from dbdiff.sources.urls import parse_url
from tests.conftest import MYSQL_URL, PG_URL, MySQLServer, PostgresServer

pytestmark = pytest.mark.servers

MARIADB = [
    "CREATE TABLE Customer (CustomerId INT PRIMARY KEY, FirstName VARCHAR(40) NOT NULL, EMail VARCHAR(60))",
    "CREATE TABLE Invoice (InvoiceId INT PRIMARY KEY, CustomerId INT NOT NULL, InvoiceDate DATETIME, "
    "BillingCity VARCHAR(40))",
    "CREATE TABLE InvoiceLine (InvoiceLineId INT PRIMARY KEY, InvoiceId INT NOT NULL, "
    "UnitPrice DECIMAL(10,2) NOT NULL, Quantity INT NOT NULL)",
    "CREATE TABLE Product (ProductId INT PRIMARY KEY, Sku INT, Price DECIMAL(8,2) NOT NULL)",
    "CREATE TABLE AuditLog (Id INT PRIMARY KEY, Note TEXT)",
    "CREATE TABLE Versioned (Id INT PRIMARY KEY) WITH SYSTEM VERSIONING",
    "CREATE VIEW BigSpender AS SELECT * FROM Customer",
    "INSERT INTO Customer VALUES (1, 'Ann', 'ann@example.org'), (2, 'Bob', NULL), (3, 'Zoë', 'z@x.org')",
    "INSERT INTO Invoice VALUES (10, 1, '2026-01-02 03:04:05', 'Zürich'), (11, 3, NULL, 'Oslo')",
    "INSERT INTO InvoiceLine VALUES (100, 10, 9.99, 2), (101, 10, 1.50, 1), (102, 11, 20.00, 3)",
    "INSERT INTO Product VALUES (1, 1001, 5.00), (2, 1002, 7.50)",
]
POSTGRES = [
    "CREATE TABLE customer (customer_id INT PRIMARY KEY, first_name VARCHAR(40) NOT NULL, e_mail TEXT)",
    "CREATE TABLE invoice (invoice_id INT PRIMARY KEY, customer_id INT NOT NULL, invoice_date TIMESTAMP, "
    "billing_city TEXT)",
    "CREATE TABLE invoice_line (invoice_line_id INT PRIMARY KEY, invoice_id INT NOT NULL, "
    "unit_price NUMERIC(10,2) NOT NULL, quantity INT NOT NULL)",
    "CREATE TABLE product (product_id INT, sku TEXT, price NUMERIC(8,2), PRIMARY KEY (product_id, sku))",
    "CREATE TABLE versioned (id INT PRIMARY KEY)",
    "CREATE TABLE shipment (id INT PRIMARY KEY)",
    "CREATE VIEW big_spender AS SELECT * FROM customer",
    "CREATE TABLE event (id INT, at DATE) PARTITION BY RANGE (at)",
    "CREATE TABLE event_2026 PARTITION OF event FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')",
    "CREATE SCHEMA archive",
    "CREATE TABLE archive.old_invoice (id INT PRIMARY KEY)",
    "INSERT INTO customer VALUES (1, 'Ann', 'ann@example.org'), (2, 'Bob', NULL), (3, 'Zoë', 'z@x.org')",
    "INSERT INTO invoice VALUES (10, 1, '2026-01-02 03:04:05', 'Zürich'), (11, 3, NULL, 'Oslo')",
    # The planted change: line 101 cost 1.50 on the left.
    "INSERT INTO invoice_line VALUES (100, 10, 9.99, 2), (101, 10, 1.55, 1), (102, 11, 20.00, 3)",
    "INSERT INTO product VALUES (1, '1001', 5.00), (2, '1002', 7.50)",
]


@pytest.fixture(scope="module")
def shop():
    try:
        left, right = MySQLServer(MYSQL_URL), PostgresServer(PG_URL)
    except Exception as exc:  # the shared fixtures say how to point the tests at servers
        pytest.fail(f"servers not reachable: {exc}")
    try:
        left.execute(*MARIADB)
        right.execute(*POSTGRES)
        yield left, right
    finally:
        left.drop()
        right.drop()


def run_cli(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "DBDIFF_NO_PROGRESS": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "dbdiff.cli", *args], capture_output=True, text=True, env=full, timeout=120
    )


def test_list_tables_on_both_servers(shop):
    left, right = shop
    with open_source(left.url) as source:  # base and system-versioned tables, no view
        assert source.list_tables() == [
            "AuditLog",
            "Customer",
            "Invoice",
            "InvoiceLine",
            "Product",
            "Versioned",
        ]
    with open_source(right.url) as source:  # the partitioned table once; views and other schemas left out
        assert source.list_tables() == [
            "customer",
            "event",
            "invoice",
            "invoice_line",
            "product",
            "shipment",
            "versioned",
        ]
    on_path = right.url + "?options=-c%20search_path%3Dpublic,archive"
    with open_source(on_path) as source:  # a later schema on the search_path is named schema.table
        assert source.list_tables()[-1] == "archive.old_invoice"
        assert source.introspect("archive.old_invoice").primary_key == ("id",)


def test_init_detects_the_convention_and_pairs_every_table(shop, tmp_path):
    left, right = shop
    out = tmp_path / "dbdiff.yaml"
    done = run_cli("init", left.url, right.url, "--out", str(out))
    assert done.returncode == 0, done.stderr
    assert done.stdout == (
        f"wrote {out}: 5 table pairs (match_names: convention); 1 only on the left, 2 only on the right\n"
    )
    data = yaml.safe_load(out.read_text())
    assert data["left"] == left.url and data["right"] == right.url
    assert data["match_names"] == "convention"
    assert data["tables"] == [
        {"left": "Customer", "right": "customer", "key": ["CustomerId"]},
        {"left": "Invoice", "right": "invoice", "key": ["InvoiceId"]},
        {"left": "InvoiceLine", "right": "invoice_line", "key": ["InvoiceLineId"]},
        {"left": "Product", "right": "product", "key": ["ProductId"]},
        {"left": "Versioned", "right": "versioned", "key": ["Id"]},
    ]
    text = out.read_text()
    assert "map:" not in text.replace("map: {LeftName: right_name}", "")  # no hand-written map needed
    for only in ("# - name: AuditLog  # only on the left", "# - name: event  # only on the right"):
        assert only in text
    assert (
        "  # column 'Sku' (right side 'sku'): no rule compares mysql int(11) (integer) with postgresql "
        "text (string); left out of the comparison\n  - left: Product\n"
    ) in text
    # The file loads, pairs the tables of both catalogs as written, and every pair's diff (with the
    # options the file gives it, match_names included) finds the one planted change. Product has a
    # type no rule covers: `dbdiff run` skips it (see below); a plain diff refuses it.
    checkfile = load_checkfile(out)
    with open_source(left.url) as ls, open_source(right.url) as rs:
        pairs, only_left, only_right = resolve_tables(checkfile, ls.list_tables(), rs.list_tables())
    assert [(p.left, p.right) for p in pairs] == [(t["left"], t["right"]) for t in data["tables"]]
    assert (only_left, only_right) == ([], [])
    changed = {}
    for pair in pairs:
        keywords = pair.keywords()
        assert keywords["match_names"] == "convention"
        if pair.left == "Product":
            with pytest.raises(RuleError, match="no rule compares column 'Sku'"):
                dbdiff.diff(left.url, right.url, **keywords)
            continue
        table = dbdiff.diff(left.url, right.url, **keywords).table()
        assert table.schema.only_left == () and table.schema.only_right == (), pair
        changed[pair.left] = table.summary.changed
    assert changed == {"Customer": 0, "Invoice": 0, "InvoiceLine": 1, "Versioned": 0}


def test_diff_match_names_convention_on_the_command_line(shop, tmp_path):
    left, right = shop
    report = tmp_path / "r.json"
    args = ("diff", left.url, right.url, "-t", "InvoiceLine", "--right-table", "invoice_line")
    done = run_cli(
        *args, "--match-names", "convention", "--json", str(report), "--markdown", str(tmp_path / "r.md")
    )
    assert done.returncode == 1, done.stderr
    table = json.loads(report.read_text())["tables"][0]
    assert table["summary"]["changed"] == 1
    assert [(c["name"], c.get("right_name")) for c in table["schema"]["columns"]] == [
        ("InvoiceLineId", "invoice_line_id"),
        ("InvoiceId", "invoice_id"),
        ("UnitPrice", "unit_price"),
        ("Quantity", "quantity"),
    ]
    assert table["samples"]["changed"][0]["diffs"] == {"UnitPrice": {"left": "1.50", "right": "1.55"}}
    assert "| UnitPrice → unit\\_price |" in (tmp_path / "r.md").read_text()
    # Without it, the renamed key pairs with nothing: one clear line, exit 2.
    plain = run_cli(*args)
    assert plain.returncode == 2
    assert plain.stderr == (
        "dbdiff: error: no key found for 'InvoiceLine': neither side has a primary key that both sides "
        "share (the primary keys pair as spellings of the same words: try --match-names convention)\n"
    )
    explained = run_cli("explain", *args[1:], "--match-names", "convention")
    assert explained.returncode == 0, explained.stderr
    assert "    UnitPrice → unit_price: decimal(10,2) vs numeric(10,2) -> decimal" in explained.stdout


def test_map_pairs_renamed_columns_by_hand(shop, tmp_path):
    left, right = shop
    report = tmp_path / "r.json"
    done = run_cli(
        "diff",
        left.url,
        right.url,
        "-t",
        "InvoiceLine",
        "--right-table",
        "invoice_line",
        "--map",
        "InvoiceLineId=invoice_line_id",
        "--map",
        "UnitPrice=unit_price",
        "--json",
        str(report),
    )
    assert done.returncode == 1, done.stderr
    table = json.loads(report.read_text())["tables"][0]
    assert table["summary"]["changed"] == 1 and table["key"] == ["InvoiceLineId"]
    # Quantity pairs with quantity by case; InvoiceId is not mapped and stays on one side each.
    assert table["schema"]["only_left"] == ["InvoiceId"] and table["schema"]["only_right"] == ["invoice_id"]
    bad = run_cli("diff", left.url, right.url, "-t", "InvoiceLine", "--right-table", "invoice_line")
    assert bad.returncode == 2
    typo = run_cli(
        "diff", left.url, right.url, "-t", "InvoiceLine", "--right-table", "invoice_line",
        "--match-names", "convention", "--map", "UnitPrice=unit_prize",
    )  # fmt: skip
    assert typo.returncode == 2
    assert typo.stderr == (
        "dbdiff: error: map names right column 'unit_prize', which the right table 'invoice_line' does not "
        "have (did you mean 'unit_price'?)\n"
    )
    malformed = run_cli("diff", left.url, right.url, "-t", "InvoiceLine", "--map", "UnitPrice")
    assert malformed.returncode == 2
    assert malformed.stderr.startswith("dbdiff: error: --map 'UnitPrice' is not LEFT_COL=RIGHT_COL")


def test_exact_mode_refuses_case_variants(shop):
    left, right = shop
    kwargs = {"table": "Versioned", "right_table": "versioned"}
    assert dbdiff.diff(left.url, right.url, **kwargs).status == "identical"  # Id pairs with id by case
    with pytest.raises(KeyColumnError, match="no key found"):
        dbdiff.diff(left.url, right.url, match_names="exact", **kwargs)
    with pytest.raises(KeyColumnError, match=r"'Id' does not exist on the right side \(it has 'id': with"):
        dbdiff.diff(left.url, right.url, match_names="exact", key="Id", **kwargs)
    mapped = dbdiff.diff(left.url, right.url, match_names="exact", map={"Id": "id"}, **kwargs)
    assert mapped.status == "identical"


def test_planning_for_a_run_skips_uncovered_types_and_lists_catalog_differences(shop):
    left, right = shop
    options = DiffOptions(table="Product", right_table="product", match_names="convention")
    with open_source(left.url) as ls, open_source(right.url) as rs:
        with pytest.raises(RuleError, match="no rule compares column 'Sku'"):
            build_plan(ls, rs, options)
        plan = build_plan(ls, rs, options, uncovered="skip", catalog=True)
        assert [p.name for p in plan.columns] == ["Price"]
        assert plan.differences == (
            {
                "kind": "type",
                "column": "Sku",
                "left": "int(11)",
                "right": "text",
                "message": "column 'Sku' (right side 'sku'): no rule compares mysql int(11) (integer) with "
                "postgresql text (string); left out of the comparison",
            },
            {
                "kind": "nullability",
                "column": "Price",
                "left": "NOT NULL",
                "right": "NULL",
                "message": "column 'Price' (right side 'price') is NOT NULL on the left, NULL on the right",
            },
            {
                "kind": "primary_key",
                "column": None,
                "left": ["ProductId"],
                "right": ["product_id", "sku"],
                "message": "primary key (ProductId) on the left, (product_id, sku) on the right",
            },
        )
        # The engine carries them into the table's result (the JSON's schema.differences).
        from dbdiff.engine.runner import DiffRun
        from dbdiff.store import ResultStore

        store = ResultStore(None)
        try:
            table = DiffRun(ls, rs, plan, options, store, None).run()
        finally:
            store.close()
    assert table.schema.differences == plan.differences
    assert table.status == "identical" and table.summary.matched == 2
    assert table.schema.to_dict()["differences"][0]["kind"] == "type"


def test_init_never_writes_a_password(shop, tmp_path):
    left, right = shop
    secret = "s3cr#t pa55"
    # The local PostgreSQL trusts local logins, so the password is accepted and ignored.
    with_password = replace(parse_url(right.url), password=secret).connection_url()
    out = tmp_path / "dbdiff.yaml"
    done = run_cli("init", left.url, with_password, "--out", str(out))
    assert done.returncode == 0, done.stderr
    text = out.read_text()
    for form in parse_url(with_password).secrets:
        assert form not in text and form not in done.stdout and form not in done.stderr
    data = yaml.safe_load(text)
    assert data["left"] == left.url and data["right"] == {"env": "DBDIFF_RIGHT_URL"}
    assert "# DBDIFF_RIGHT_URL=postgresql://postgres:***@" in text
    assert done.stdout.endswith("; export DBDIFF_RIGHT_URL before running it\n")
