"""Renamed columns: --map and --match-names through the options, the plan, the API and explain;
catalog differences and the "skip" planning `dbdiff run` uses. In-memory and file sources only."""

from __future__ import annotations

import json

import pyarrow as pa
import pytest
from click.testing import CliRunner

import dbdiff
from dbdiff.catalog import Column, TableCatalog
from dbdiff.catalog_diff import catalog_differences
from dbdiff.cli import cli
from dbdiff.engine import build_plan
from dbdiff.errors import ColumnError, KeyColumnError, RuleError, UsageError
from dbdiff.options import DiffOptions, ValidateOptions, parse_mapping
from dbdiff.plan import DiffPlan, match_columns, pair_columns
from dbdiff.rules import load_rules
from dbdiff.sources.duckdb import ArrowSource


def camel() -> ArrowSource:
    return ArrowSource(
        {
            "InvoiceLine": pa.table(
                {"InvoiceLineId": [1, 2, 3], "UnitPrice": [1.5, 2.0, 3.0], "Qty": [1, 1, 2]}
            )
        },
        primary_keys={"InvoiceLine": ["InvoiceLineId"]},
    )


def snake(price: float = 2.0) -> ArrowSource:
    return ArrowSource(
        {
            "invoice_line": pa.table(
                {"invoice_line_id": [1, 2, 3], "unit_price": [1.5, price, 3.0], "qty": [1, 1, 2]}
            )
        },
        primary_keys={"invoice_line": ["invoice_line_id"]},
    )


def test_convention_pairs_camel_case_with_snake_case_and_finds_a_change():
    result = dbdiff.diff(
        camel(), snake(price=2.5), table="InvoiceLine", right_table="invoice_line", match_names="convention"
    )
    table = result.table()
    assert [(c.name, c.right_name) for c in table.schema.columns] == [
        ("InvoiceLineId", "invoice_line_id"),
        ("UnitPrice", "unit_price"),
        ("Qty", "qty"),
    ]
    assert table.schema.only_left == () and table.schema.only_right == ()
    assert table.summary.changed == 1 and table.summary.matched == 3
    assert result.options["match_names"] == "convention"
    assert table.schema.to_dict()["columns"][1]["right_name"] == "unit_price"


def test_the_default_case_mode_leaves_renamed_columns_unpaired_and_map_pairs_them():
    with pytest.raises(KeyColumnError, match="no key found") as info:
        dbdiff.diff(camel(), snake(), table="InvoiceLine", right_table="invoice_line")
    assert info.value.hint is not None and info.value.hint.endswith("try --match-names convention")
    result = dbdiff.diff(
        camel(),
        snake(),
        table="InvoiceLine",
        right_table="invoice_line",
        key="InvoiceLineId",
        map={"InvoiceLineId": "invoice_line_id", "UnitPrice": "unit_price"},
    )
    table = result.table()
    assert [(c.name, c.right_name) for c in table.schema.columns] == [
        ("InvoiceLineId", "invoice_line_id"),
        ("UnitPrice", "unit_price"),
        ("Qty", "qty"),  # case pairs Qty with qty by itself
    ]
    assert table.status == "identical"
    assert result.options["map"] == {"InvoiceLineId": "invoice_line_id", "UnitPrice": "unit_price"}
    assert "match_names" not in result.options  # the default is not shown: reports stay as they were


def test_exact_mode_refuses_to_pair_case_variants():
    left = ArrowSource({"t": pa.table({"id": [1], "Email": ["a"]})}, primary_keys={"t": ["id"]})
    right = ArrowSource({"t": pa.table({"id": [1], "email": ["a"]})}, primary_keys={"t": ["id"]})
    assert dbdiff.diff(left, right, table="t").table().status == "identical"
    exact = dbdiff.diff(left, right, table="t", match_names="exact").table()
    assert exact.schema.only_left == ("Email",) and exact.schema.only_right == ("email",)
    assert exact.status == "different"
    with pytest.raises(
        ColumnError, match=r"'Email' does not exist on the right side \(it has 'email': with match"
    ):
        dbdiff.diff(left, right, table="t", match_names="exact", columns=["Email"])
    paired = dbdiff.diff(left, right, table="t", match_names="exact", map={"Email": "email"}).table()
    assert paired.status == "identical" and paired.schema.columns[1].right_name == "email"


def test_a_map_naming_a_missing_column_is_an_error_with_a_did_you_mean():
    kwargs = {"table": "InvoiceLine", "right_table": "invoice_line", "match_names": "convention"}
    with pytest.raises(ColumnError, match=r"map names left column 'UnitPrise'.*did you mean 'UnitPrice'\?"):
        dbdiff.diff(camel(), snake(), map={"UnitPrise": "unit_price"}, **kwargs)
    with pytest.raises(
        ColumnError, match=r"right column 'unitprice'.*'invoice_line' does not have.*'unit_price'"
    ):
        dbdiff.diff(camel(), snake(), map={"UnitPrice": "unitprice"}, **kwargs)
    with pytest.raises(ColumnError, match=r"pairs both 'UnitPrice' and 'Qty' with right column 'qty'"):
        dbdiff.diff(camel(), snake(), map={"UnitPrice": "qty", "Qty": "qty"}, **kwargs)
    # Names resolve as every user-given name does: exactly, else ignoring case when unambiguous.
    result = dbdiff.diff(camel(), snake(), map={"unitprice": "UNIT_PRICE"}, **kwargs)
    assert result.table().schema.columns[1].right_name == "unit_price"


def test_bad_map_and_match_names_values_are_usage_errors():
    with pytest.raises(
        UsageError, match=r"--match-names is one of exact, case, convention, not 'Convention'"
    ):
        DiffOptions(table="t", match_names="Convention")
    with pytest.raises(UsageError, match="takes a mapping"):
        DiffOptions.from_keywords({"table": "t", "map": ["a=b"]})
    with pytest.raises(UsageError, match="pairs a left column name with a right one"):
        DiffOptions.from_keywords({"table": "t", "map": {"a": ""}})
    assert DiffOptions.from_keywords({"table": "t", "map": None}).map == {}
    with pytest.raises(TypeError, match="did you mean 'map'"):
        dbdiff.diff(camel(), snake(), table="t", mapp={})  # type: ignore[call-arg]
    # One-side commands have the fields (planning reads them) but do not offer them.
    assert ValidateOptions(table="t").match_names == "case"
    with pytest.raises(TypeError):
        dbdiff.validate(camel(), table="InvoiceLine", match_names="exact")  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("specs", "message"),
    [
        (["UnitPrice"], "--map 'UnitPrice' is not LEFT_COL=RIGHT_COL"),
        (["=unit_price"], "is not LEFT_COL=RIGHT_COL"),
        (["UnitPrice="], "is not LEFT_COL=RIGHT_COL"),
        (["a=b=c"], "is not LEFT_COL=RIGHT_COL"),
        (["a=b", "a=c"], "names left column 'a' twice"),
    ],
)
def test_malformed_map_flags(specs, message):
    with pytest.raises(UsageError, match=message):
        parse_mapping(specs)


def test_map_flags_parse():
    assert parse_mapping(["UnitPrice=unit_price", " Qty = qty "]) == {"UnitPrice": "unit_price", "Qty": "qty"}


@pytest.fixture
def duckdb_files(tmp_path):
    import duckdb

    paths = []
    for name, sql in (
        ("left", "CREATE TABLE InvoiceLine (InvoiceLineId INT PRIMARY KEY, UnitPrice DECIMAL(10,2))"),
        ("right", "CREATE TABLE invoice_line (invoice_line_id INT PRIMARY KEY, unit_price DECIMAL(10,2))"),
    ):
        path = tmp_path / f"{name}.duckdb"
        with duckdb.connect(str(path)) as con:
            con.execute(sql)
            table = sql.split()[2]
            con.execute(f"INSERT INTO {table} VALUES (1, 1.50), (2, {2.00 if name == 'left' else 2.50})")
        paths.append(f"duckdb:///{path}")
    return paths


def test_cli_map_and_match_names(duckdb_files, tmp_path):
    runner = CliRunner()
    left, right = duckdb_files
    base = ["diff", left, right, "-t", "InvoiceLine", "--right-table", "invoice_line", "--no-progress"]
    out = tmp_path / "r.json"
    done = runner.invoke(cli, [*base, "--match-names", "convention", "--json", str(out)])
    assert done.exit_code == 1, done.output
    table = json.loads(out.read_text())["tables"][0]
    assert table["summary"]["changed"] == 1
    assert table["schema"]["columns"][1] == {
        "name": "UnitPrice",
        "left_type": "decimal(10,2)",
        "right_type": "decimal(10,2)",
        "rule": "decimal",
        "right_name": "unit_price",
    }
    markdown, html = tmp_path / "r.md", tmp_path / "r.html"
    mapped = ["--map", "InvoiceLineId=invoice_line_id", "--map", "UnitPrice=unit_price"]
    done = runner.invoke(cli, [*base, *mapped, "--markdown", str(markdown), "--html", str(html)])
    assert done.exit_code == 1, done.output
    assert (
        "| UnitPrice → unit\\_price | decimal(10,2) | decimal(10,2) | decimal | 1 | 50.0% |"
        in markdown.read_text()
    )
    assert "UnitPrice → unit_price" in html.read_text()
    for bad, message in (
        (["--map", "UnitPrice"], "dbdiff: error: --map 'UnitPrice' is not LEFT_COL=RIGHT_COL"),
        (["--match-names", "snake"], "dbdiff: error: --match-names is one of exact, case, convention"),
        (["--match-names", "convention", "--map", "UnitPrise=unit_price"], "did you mean 'UnitPrice'?"),
    ):
        done = runner.invoke(cli, [*base, *bad])
        assert done.exit_code == 2 and message in done.output, done.output
        assert len(done.output.strip().splitlines()) == 1


def test_explain_shows_both_names(duckdb_files):
    left, right = duckdb_files
    runner = CliRunner()
    args = [
        "explain",
        left,
        right,
        "-t",
        "InvoiceLine",
        "--right-table",
        "invoice_line",
        "--match-names",
        "convention",
    ]
    done = runner.invoke(cli, args)
    assert done.exit_code == 0, done.output
    assert "key InvoiceLineId → invoice_line_id: integer vs integer" in done.output
    assert "    UnitPrice → unit_price: decimal(10,2) vs decimal(10,2) -> decimal" in done.output
    described = json.loads(runner.invoke(cli, [*args, "--format", "json"]).output)
    assert [(c["name"], c.get("right_name")) for c in described["columns"]] == [
        ("InvoiceLineId", "invoice_line_id"),
        ("UnitPrice", "unit_price"),
    ]
    same = json.loads(
        runner.invoke(cli, ["explain", left, left, "-t", "InvoiceLine", "--format", "json"]).output
    )
    assert all("right_name" not in c for c in same["columns"])  # unchanged when the names agree


# --- planning for `dbdiff run`: uncovered pairs skipped, catalog differences ----------------------


INT = Column("id", "int", "integer", nullable=False)


def catalog(*columns: Column, pk: tuple[str, ...] = ("id",), name: str = "t") -> TableCatalog:
    return TableCatalog(name, columns, pk)


def test_an_uncovered_pair_is_skipped_and_reported_only_when_asked():
    left = catalog(INT, Column("shape", "geometry", "other"), Column("n", "int", "integer"))
    right = catalog(INT, Column("shape", "bytea", "binary"), Column("n", "int", "integer"))
    kwargs = {"key": ["id"], "rules": load_rules(), "left_dialect": "mysql", "right_dialect": "postgresql"}
    with pytest.raises(RuleError, match="no rule compares column 'shape'"):
        pair_columns(left, right, **kwargs)
    pairing = pair_columns(left, right, uncovered="skip", **kwargs)
    assert [p.name for p in pairing.compared] == ["n"]
    assert pairing.uncovered == (
        {
            "kind": "type",
            "column": "shape",
            "left": "geometry",
            "right": "bytea",
            "message": "column 'shape': no rule compares mysql geometry (other) with postgresql bytea "
            "(binary); left out of the comparison",
        },
    )
    # An override naming a normalizer covers the pair; a key no rule covers stays an error.
    covered = pair_columns(left, right, uncovered="skip", overrides={"shape": ("exact", {})}, **kwargs)
    assert covered.uncovered == () and [p.name for p in covered.compared] == ["shape", "n"]
    with pytest.raises(RuleError):
        pair_columns(left, right, uncovered="skip", **{**kwargs, "key": ["shape"]})
    with pytest.raises(ValueError, match="uncovered is 'error' or 'skip'"):
        pair_columns(left, right, uncovered="ignore", **kwargs)


def test_catalog_differences_nullability_and_primary_key():
    left = catalog(INT, Column("Name", "varchar(9)", "string", nullable=False), Column("x", "int", "integer"))
    right = catalog(
        Column("id", "int", "integer", nullable=False),
        Column("name", "text", "string"),
        Column("x", "int", "integer"),
        pk=("id", "x"),
    )
    key, compared, *_ = pair_columns(
        left, right, key=["id"], rules=load_rules(), left_dialect="mysql", right_dialect="postgresql"
    )
    plan = DiffPlan("t", "t", key, compared)
    assert catalog_differences(plan, left, right) == (
        {
            "kind": "nullability",
            "column": "Name",
            "left": "NOT NULL",
            "right": "NULL",
            "message": "column 'Name' (right side 'name') is NOT NULL on the left, NULL on the right",
        },
        {
            "kind": "primary_key",
            "column": None,
            "left": ["id"],
            "right": ["id", "x"],
            "message": "primary key (id) on the left, (id, x) on the right",
        },
    )
    same = DiffPlan("t", "t", key, tuple(p for p in compared if p.name != "Name"))
    assert catalog_differences(same, left, left) == ()
    no_pk = catalog(*right.columns, pk=())
    assert catalog_differences(same, left, no_pk) == (
        {
            "kind": "primary_key",
            "column": None,
            "left": ["id"],
            "right": [],
            "message": "primary key (id) on the left, no primary key on the right",
        },
    )


def test_primary_keys_compare_through_the_column_pairs():
    left = catalog(Column("InvoiceLineId", "int", "integer", nullable=False), pk=("InvoiceLineId",))
    right = catalog(Column("invoice_line_id", "int", "integer", nullable=False), pk=("invoice_line_id",))
    matches = match_columns(left, right, "convention")
    assert [(m.left.name, m.right.name) for m in matches if m.left and m.right] == [
        ("InvoiceLineId", "invoice_line_id")
    ]
    key, compared, *_ = pair_columns(
        left,
        right,
        key=["InvoiceLineId"],
        rules=load_rules(),
        left_dialect="mysql",
        right_dialect="postgresql",
        match_names="convention",
    )
    assert catalog_differences(DiffPlan("t", "t", key, compared), left, right) == ()


def test_build_plan_fills_plan_differences_for_a_run():
    left = ArrowSource(
        {"t": pa.table({"id": pa.array([1], pa.int64()), "d": pa.array([1], pa.int32())})},
        primary_keys={"t": ["id"]},
    )
    right = ArrowSource(
        {"t": pa.table({"id": pa.array([1], pa.int64()), "d": pa.array(["1"], pa.string())})},
        primary_keys={"t": ["id"]},
    )
    options = DiffOptions(table="t")
    with pytest.raises(RuleError, match="no rule compares column 'd'"):
        build_plan(left, right, options)
    plan = build_plan(left, right, options, uncovered="skip", catalog=True)
    assert [p.name for p in plan.columns] == []
    assert [(d["kind"], d["column"]) for d in plan.differences] == [("type", "d")]
    # Without `catalog`, only the uncovered pairs; a plain diff plan has none.
    assert build_plan(left, right, options, uncovered="skip").differences == plan.differences
    assert build_plan(left, left, options).differences == ()
