"""The dialect registry: built-ins by name without loading sources, and a new dialect in one file."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pyarrow as pa
import pytest

from dbdiff.catalog import Column
from dbdiff.dialects import BUILTIN, DIALECTS, Dialect, dialect_names, get_dialect, register_dialect
from dbdiff.errors import RuleError, UsageError
from dbdiff.rules import parse_rules
from dbdiff.sources.base import KeyRange
from dbdiff.sources.duckdb import ArrowSource, DuckDBDialect
from tests.fresh_process import modules_after


def test_every_builtin_name_is_registered_by_its_module() -> None:
    for name in BUILTIN:
        dialect = get_dialect(name)
        assert isinstance(dialect, Dialect)
        assert dialect.name == name


def test_builtin_names_in_listing_order() -> None:
    assert dialect_names()[:7] == ("mysql", "postgresql", "duckdb", "sqlite", "arrow", "parquet", "csv")


def test_an_unknown_dialect_says_which_are_known() -> None:
    with pytest.raises(UsageError, match="unknown dialect 'postgres'") as caught:
        get_dialect("postgres")
    assert caught.value.hint.startswith("did you mean 'postgresql'? known: mysql, postgresql")


def test_rules_know_the_dialect_names_without_loading_a_source() -> None:
    loaded = modules_after(
        "from dbdiff.rules import load_rules; load_rules(left_dialect='mysql', right_dialect='postgresql')"
    )
    assert not {m for m in loaded if m.startswith("dbdiff.sources")}


def test_a_url_loads_only_the_source_of_its_scheme() -> None:
    """A MySQL and PostgreSQL diff does not import DuckDB's or SQLite's source (nor duckdb)."""
    loaded = modules_after(
        "from dbdiff.sources.base import open_source; "
        "open_source('mysql://u@h/db'); open_source('postgresql://u@h/db')"
    )
    sources = {m for m in loaded if m.startswith(("dbdiff.sources.", "duckdb", "sqlite3"))}
    expected = ["_cx", "base", "mysql", "postgres", "postgres_sql", "server", "urls"]
    assert sources == {f"dbdiff.sources.{m}" for m in expected}


# --- a new dialect: one class, one registration line ----------------------------------------------


class ShoutingDialect(DuckDBDialect):
    """DuckDB's SQL, reading every text column upper-cased (a toy: what a new dialect looks like)."""

    name = "shouting"

    def select_expr(self, column: Column) -> str:
        if column.family == "string":
            return f"upper({self.quote(column.name)}) AS {self.quote(column.name)}"
        return super().select_expr(column)


class ShoutingSource(ArrowSource):
    dialect = "shouting"


@pytest.fixture
def shouting() -> Iterator[Dialect]:
    dialect = register_dialect(ShoutingDialect())
    yield dialect
    del DIALECTS[dialect.name]


def _rule_naming(dialect: str) -> dict[str, Any]:
    condition = {"dialect": dialect, "family": "string"}
    return {"rules": [{"name": "r", "left": condition, "right": condition, "normalizer": "text"}]}


def test_a_registered_dialect_drives_reads_rules_and_explain(shouting: Dialect) -> None:
    table = pa.table({"id": [1, 2], "name": ["ann", "bob"]})
    source = ShoutingSource({"t": table}, primary_keys={"t": ["id"]})
    catalog = source.introspect("t")
    assert source.sql is shouting
    assert source.sql.select_expr(catalog["name"]) == 'upper("name") AS "name"'  # what explain shows
    chunk = source.read_chunk("t", catalog.columns, [catalog["id"]], KeyRange())
    assert chunk.column("name").to_pylist() == ["ANN", "BOB"]
    assert source.info().dialect == "shouting"
    assert parse_rules(_rule_naming("shouting"))[0].left.dialects == ("shouting",)


def test_a_rule_cannot_name_a_dialect_nobody_registered() -> None:
    with pytest.raises(RuleError, match="unknown dialect 'shouting'"):
        parse_rules(_rule_naming("shouting"))
