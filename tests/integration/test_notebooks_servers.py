"""notebooks/mysql_to_postgresql.ipynb runs top to bottom against the real servers."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import MySQLServer, PostgresServer
from tests.unit.test_notebooks import NOTEBOOKS, SUMMARY_MIME, execute_notebook, outputs, rich_outputs

pytestmark = [pytest.mark.servers, pytest.mark.slow]


def test_mysql_to_postgresql_notebook(
    mysql: MySQLServer,
    pg: PostgresServer,
    unique_name: Callable[[str], str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # The notebook works in the databases it is given: here this run's own, and a table name we
    # know, so the tables are dropped even when a cell fails half-way.
    table = unique_name("nb_orders")
    monkeypatch.setenv("DBDIFF_TEST_MYSQL_URL", mysql.url)
    monkeypatch.setenv("DBDIFF_TEST_PG_URL", pg.url)
    monkeypatch.setenv("DBDIFF_NOTEBOOK_TABLE", table)
    try:
        notebook = execute_notebook(NOTEBOOKS / "mysql_to_postgresql.ipynb", tmp_path)
    finally:
        mysql.execute(f"DROP TABLE IF EXISTS `{table}`")
        pg.execute(f'DROP TABLE IF EXISTS "{table}"')

    assert not [o for o in outputs(notebook) if o["output_type"] == "error"]
    shown = rich_outputs(notebook)
    cards = [o["data"] for o in shown if SUMMARY_MIME in o["data"]]
    assert [card[SUMMARY_MIME]["status"] for card in cards] == ["different"]
    assert cards[0][SUMMARY_MIME]["tables"][0]["left_table"] == table
    frames = [o for o in shown if "<iframe srcdoc=" in o["data"].get("text/html", "")]
    assert len(frames) == 1
    # The notebook dropped what it created (the finally above only guards a failure).
    assert not mysql.execute(f"SHOW TABLES LIKE '{table}'")
    assert not pg.execute(f"SELECT 1 FROM information_schema.tables WHERE table_name = '{table}'")


def test_notebook_defaults_match_the_test_servers() -> None:
    # The notebook's fallback URLs are the suite's defaults, so it runs as-is on a developer machine.
    source = (NOTEBOOKS / "mysql_to_postgresql.ipynb").read_text(encoding="utf-8")
    assert (
        "mysql://root@127.0.0.1:3306/test" in source and "postgresql://postgres@127.0.0.1:5432/test" in source
    )
