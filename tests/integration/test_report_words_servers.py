"""What the CLI prints about real tables: validation runs in validation words, readable check examples,
SQL-style values in `explain`, UTF-8 `infer-schema`, and JSON differences named by path.

Issues 9.5 and 9.10, on the real MariaDB and PostgreSQL.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import dbdiff

pytestmark = pytest.mark.servers

SCHEMA = """\
schema_type: polars_dataframe
columns:
  amount:
    dtype: Decimal(precision=38, scale=2)
    greater_than_or_equal_to: 0
"""

# Words of a diff that a validation run (one source, nothing compared) must never print.
DIFF_WORDS = ("IDENTICAL", "DIFFERENT", "Identical", "Different", "matched", "⇄", "Rows right", "Mismatches")


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dbdiff.cli", *args],
        capture_output=True,
        text=True,
        timeout=300,
        env={**os.environ, "DBDIFF_NO_PROGRESS": "1"},
    )


@pytest.fixture(scope="module")
def cities(mysql, pg) -> str:
    table = "report_cities"
    for server, json_type in ((mysql, "JSON"), (pg, "JSONB")):
        columns = f"id INT PRIMARY KEY, city VARCHAR(40), amount DECIMAL(12,2), doc {json_type}"
        server.execute(f"CREATE TABLE {table} ({columns})")
    mysql.executemany(
        f"INSERT INTO {table} VALUES (%s, %s, %s, %s)",
        [
            (1, "Zürich", "10.50", '{"a": {"b": [1, 2, 3]}, "c": "x"}'),
            (2, "Genève", "-3.00", '{"a": 1}'),
            (3, "Zürich", "100004.00", "[1, 2]"),
        ],
    )
    pg.executemany(
        f"INSERT INTO {table} VALUES (%s, %s, %s, %s)",
        [(1, "Zürich", "10.50", '{"c": "x", "a": {"b": [1, 2, 4]}}'), (2, "Genève", "-3.00", '{"a": 1}')],
    )
    return table


def test_validate_reports_in_validation_words(mysql, cities, tmp_path: Path) -> None:
    schema = tmp_path / "schema.yaml"
    schema.write_text(SCHEMA, encoding="utf-8")
    files = {kind: tmp_path / f"v.{kind}" for kind in ("json", "html", "markdown", "junit")}
    flags = [arg for kind, path in files.items() for arg in (f"--{kind}", str(path))]
    run = cli("validate", mysql.url, "--table", cities, "--schema", str(schema), *flags)
    assert run.returncode == 1, run.stderr
    text = run.stdout
    assert text.startswith("FAILED  1 table (1 failed), 3 rows checked, 5 checks run, 1 failed")
    assert "amount: greater_than_or_equal_to(0)" in text and "id=2: -3.00" in text
    markdown = files["markdown"].read_text(encoding="utf-8")
    assert "## ❌ dbdiff validate: Failed" in markdown
    assert "| Table | Status | Rows checked | Checks run | Checks failed |" in markdown
    html = files["html"].read_text(encoding="utf-8")
    assert "<dt>Checks failed</dt><dd>1</dd>" in html and "dbdiff validation report" in html
    junit = files["junit"].read_text(encoding="utf-8")
    assert 'testsuite name="dbdiff validate" tests="5" failures="1"' in junit
    assert 'name="check[amount:greater_than_or_equal_to(0)]"' in junit
    for name, out in (("text", text), ("markdown", markdown), ("html", html), ("junit", junit)):
        for word in DIFF_WORDS:
            assert word not in out, (name, word)
    # The JSON contract stays; the checks that ran are an additive field.
    data = json.loads(files["json"].read_text(encoding="utf-8"))
    assert data["status"] == "different" and data["tables"][0]["validation"]["passed"] is False
    assert [c["check"] for c in data["tables"][0]["validation"]["checks"]] == [
        "key_not_null",
        "key_unique",
        "row_count",
        "not_nullable",
        "greater_than_or_equal_to(0)",
    ]
    # `dbdiff report` re-renders the saved run the same way.
    again = cli("report", str(files["json"]), "--format", "markdown")
    assert again.returncode == 1 and "dbdiff validate: Failed" in again.stdout


def test_a_passing_validation_and_its_notebook_card(mysql, cities) -> None:
    run = cli("validate", mysql.url, "--table", cities)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("PASSED  1 table (1 passed), 3 rows checked, 3 checks run, 0 failed")
    result = dbdiff.validate(mysql.url, table=cities)
    card = result._repr_html_()
    assert ">Passed<" in card and "3 rows checked, 3 checks run, 0 failed" in card
    assert "Identical" not in card and "⇄" not in card and "matched" not in card
    assert repr(result) == f"<DiffResult validate passed: {cities}: 3 rows checked, 3 checks run, 0 failed>"


def test_row_count_equal_example_reads_well(mysql, pg, cities, tmp_path: Path) -> None:
    schema = tmp_path / "schema.yaml"
    schema.write_text(SCHEMA.replace("greater_than_or_equal_to: 0", "nullable: true"), encoding="utf-8")
    md_path, xml_path = tmp_path / "d.md", tmp_path / "d.xml"
    run = cli(
        "diff", mysql.url, pg.url, "--table", cities, "--schema", str(schema),
        "--markdown", str(md_path), "--junit", str(xml_path), "--html", str(tmp_path / "d.html"),
    )  # fmt: skip
    assert run.returncode == 1, run.stderr
    markdown = md_path.read_text(encoding="utf-8")
    assert "| both | (table) | row\\_count\\_equal | 1 | left 3, right 2 |" in markdown
    for out in (run.stdout, markdown, xml_path.read_text(encoding="utf-8")):
        assert "left 3, right 2" in out
        assert '(): {"left"' not in out and "(): " not in out
    assert "left 3, right 2" in (tmp_path / "d.html").read_text(encoding="utf-8")


def test_json_difference_names_its_paths(mysql, pg, cities, tmp_path: Path) -> None:
    run = cli("diff", mysql.url, pg.url, "--table", cities, "--markdown", str(tmp_path / "d.md"))
    assert run.returncode == 1, run.stderr
    assert "at $.a.b[2]" in run.stdout
    assert "doc<br>at $.a.b\\[2\\]" in (tmp_path / "d.md").read_text(encoding="utf-8")


def test_explain_prints_key_values_as_sql(mysql, pg, cities) -> None:
    run = cli("explain", mysql.url, pg.url, "--table", cities, "--key", "amount", "--chunk-size", "1")
    assert run.returncode == 0, run.stderr
    assert "Decimal(" not in run.stdout and "(Decimal" not in run.stdout
    assert "#0: [start, 10.50)" in run.stdout and "[10.50, " in run.stdout
    by_city = cli("explain", mysql.url, pg.url, "--table", cities, "--key", "city", "--chunk-size", "1")
    assert "[start, 'Zürich')" in by_city.stdout and "('" not in by_city.stdout


def test_infer_schema_writes_utf8_yaml(mysql, cities, tmp_path: Path) -> None:
    run = cli("infer-schema", mysql.url, "--table", cities)
    assert run.returncode == 0, run.stderr
    assert "- Genève\n    - Zürich\n" in run.stdout
    assert "\\x" not in run.stdout and "\\u" not in run.stdout
    out = tmp_path / "inferred.yaml"
    assert cli("infer-schema", mysql.url, "--table", cities, "-o", str(out)).returncode == 0
    assert "- Zürich" in out.read_text(encoding="utf-8")
    # The data passes its own schema.
    check = cli("validate", mysql.url, "--table", cities, "--schema", str(out))
    assert check.returncode == 0, check.stdout + check.stderr


@pytest.mark.parametrize("length", [400, 5_000])  # kept whole in the samples, and bounded there
def test_a_change_at_the_end_of_a_long_value_shows_in_text_and_markdown(
    mysql, pg, unique_name, length, tmp_path
):
    table = unique_name("longtext")
    for server in (mysql, pg):
        server.execute(f"CREATE TABLE {table} (id INT PRIMARY KEY, body TEXT)")
    mysql.executemany(f"INSERT INTO {table} VALUES (%s, %s)", [(1, "a" * length + "-left-end")])
    pg.executemany(f"INSERT INTO {table} VALUES (%s, %s)", [(1, "a" * length + "-right-end")])
    md_path = tmp_path / "d.md"
    run = cli("diff", mysql.url, pg.url, "--table", table, "--markdown", str(md_path))
    assert run.returncode == 1, run.stderr
    markdown = md_path.read_text(encoding="utf-8")
    for out in (run.stdout, markdown):
        assert "-left-end" in out and "-right-end" in out
