"""History stores on the real servers: a PostgreSQL database of the test's own (the team store),
a MariaDB one, concurrent writers creating and appending, and a real diff's run recorded."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest

import dbdiff
from dbdiff.errors import ConfigError
from dbdiff.history import History, history_entry
from dbdiff.sources.urls import parse_url
from tests import history_fixtures as hx
from tests.conftest import MYSQL_URL, PG_URL, MySQLServer, PostgresServer
from tests.unit.test_history import dbdiff_cli

pytestmark = pytest.mark.servers


@pytest.fixture(scope="module")
def pg_store() -> Iterator[PostgresServer]:
    server = PostgresServer(PG_URL)
    yield server
    server.drop()


@pytest.fixture(scope="module")
def mysql_store() -> Iterator[MySQLServer]:
    server = MySQLServer(MYSQL_URL)
    yield server
    server.drop()


def test_postgresql_store_reads_back_what_was_appended(pg_store: PostgresServer) -> None:
    store = History.open(pg_store.url)
    assert store.entries() == []
    for night in hx.nights():
        store.append(night, reports={"json": "out/run.json"})
    again = History.open(pg_store.url, create=False)
    assert again.entries(last=None) == [history_entry(r) for r in hx.nights()]
    assert [e["tables"]["orders"]["changed"] for e in again.entries(table="orders", last=2)] == [12, 2]
    assert again.entries(detail=True)[-1]["reports"] == {"json": "out/run.json"}
    assert again.frame().height == 10
    assert pg_store.execute("SELECT meta_key, meta_value FROM dbdiff_history_meta") == [
        ("schema_version", "2")
    ]
    # Appended whole or not at all: a second append of a run leaves no stray rows.
    with pytest.raises(Exception, match="already recorded"):
        again.append(hx.nights()[0])
    assert pg_store.execute("SELECT COUNT(*) FROM dbdiff_history_tables") == [(10,)]


def test_postgresql_concurrent_writers_create_and_append(pg_store: PostgresServer) -> None:
    """Eight writers open a fresh store at once (the tables are created once) and append 40 runs."""
    fresh = PostgresServer(PG_URL)
    try:
        errors: list[BaseException] = []
        start = threading.Barrier(8)

        def writer(n: int) -> None:
            try:
                start.wait()
                store = History.open(fresh.url)
                for i in range(5):
                    day = n * 5 + i + 1
                    store.append(hx.run(day % 28 + 1, {"orders": (day, 0, 0, "pass")}, hour=day % 24))
            except BaseException as exc:
                errors.append(exc)

        threads = [threading.Thread(target=writer, args=(n,)) for n in range(8)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(120)
        assert errors == []
        entries = History.open(fresh.url).entries(last=None)
        assert sorted(e["tables"]["orders"]["changed"] for e in entries) == list(range(1, 41))
        assert fresh.execute("SELECT COUNT(*) FROM dbdiff_history_meta") == [(1,)]
    finally:
        fresh.drop()


def test_mysql_store_reads_back_what_was_appended(mysql_store: MySQLServer) -> None:
    store = History.open(mysql_store.url)
    for night in hx.nights()[:2]:
        store.append(night)
    assert History.open(mysql_store.url, create=False).entries() == [
        history_entry(r) for r in hx.nights()[:2]
    ]


def test_mysql_store_keeps_names_that_differ_only_by_case(mysql_store: MySQLServer) -> None:
    """PostgreSQL allows the columns `Name` and `name` in one table (and tables `Orders` and
    `orders`): the MySQL store's case-blind collation made them one primary key, and the run could
    not be recorded ("this run is already recorded")."""
    from dbdiff.result import ColumnStat

    night = hx.run(9, {"orders": (3, 0, 0, "fail")}, run_id="case-only-names")
    orders = replace(night.tables[0], columns=(ColumnStat("Name", 2), ColumnStat("name", 1)))
    upper = replace(orders, left_table="Orders", right_table="Orders")
    store = History.open(mysql_store.url)
    store.append(replace(night, tables=(orders, upper)))
    (entry,) = [e for e in store.entries(detail=True, last=None) if e["run_id"] == "case-only-names"]
    assert entry["tables"]["orders"]["columns"] == {
        "Name": {"mismatches": 2, "unreadable": 0},
        "name": {"mismatches": 1, "unreadable": 0},
    }
    assert list(store.entries(table="orders", last=1)[-1]["tables"]) == ["orders"]


def test_a_real_diff_is_recorded(mysql, pg, pg_store: PostgresServer, tmp_path) -> None:
    for server in (mysql, pg):
        server.execute("CREATE TABLE hist_orders (id INT PRIMARY KEY, amount INT)")
    mysql.execute("INSERT INTO hist_orders VALUES (1, 10), (2, 20), (3, 30)")
    pg.execute("INSERT INTO hist_orders VALUES (1, 10), (2, 21), (4, 40)")
    result = dbdiff.diff(mysql.url, pg.url, table="hist_orders")
    for target in (pg_store.url, str(tmp_path / "real.duckdb")):
        store = History.open(target)
        store.append(result)
        entry = store.entries(detail=True, table="hist_orders")[-1]
        assert entry["status"] == "different" and entry["verdict"] is None
        orders = entry["tables"]["hist_orders"]
        assert (orders["changed"], orders["only_left"], orders["only_right"], orders["matched"]) == (
            1,
            1,
            1,
            2,
        )
        assert orders["columns"] == {"amount": {"mismatches": 1, "unreadable": 0}}
        assert entry == history_entry(result, detail=True)


def test_a_compared_database_as_the_store(pg_store: PostgresServer, pg) -> None:
    with pytest.raises(ConfigError, match="is a database this run compares"):
        History.open(pg.url, sources=[MYSQL_URL, pg.url])
    # Allowed in so many words (`history: {url: ..., in_source_database: true}`).
    store = History.open(pg.url, sources=[pg.url], in_source=True)
    store.append(hx.nights()[0])
    assert len(store.entries()) == 1


def test_a_missing_database_is_a_config_error() -> None:
    url = replace(parse_url(PG_URL), database="dbdiff_no_such_db_x").connection_url()
    with pytest.raises(ConfigError, match="has no database 'dbdiff_no_such_db_x'"):
        History.open(url)


def test_the_dashboard_of_a_store_url_never_shows_its_password(pg_store: PostgresServer, tmp_path) -> None:
    """The page's title named the URL's last path piece as given: `db?password=...` showed the
    password of a URL that carries it as a query parameter."""
    import os
    import subprocess
    import sys
    from pathlib import Path

    History.open(pg_store.url).append(hx.run(27, {"orders": (0, 0, 0, "pass")}, run_id="dash-secret"))
    secret = "Dash-Secr3t-99"
    url = f"{pg_store.url}?password={secret}"
    proc = subprocess.run(
        [sys.executable, "-m", "dbdiff.cli", "dashboard", url, "--out", str(tmp_path / "site")],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    assert proc.returncode == 0, proc.stderr
    page = (tmp_path / "site" / "index.html").read_text(encoding="utf-8")
    assert secret not in page + proc.stdout + proc.stderr
    assert "dbdiff history: postgresql://" in page


def test_check_files_sharing_a_postgresql_store_each_see_their_own_runs(
    pg_store: PostgresServer, tmp_path: Path
) -> None:
    """The team store: shop.yaml and nightly.yaml (name: billing) record into one PostgreSQL
    database; each one's trend, history, DataFrame and dashboard hold its runs only."""
    from tests.unit.test_history_names import make_sources

    fresh = PostgresServer(PG_URL)
    try:
        make_sources(tmp_path)
        sources = f"left: duckdb:///{tmp_path}/left.duckdb\nright: duckdb:///{tmp_path}/right.duckdb\n"
        shop, billing = tmp_path / "shop.yaml", tmp_path / "nightly.yaml"
        shop.write_text(f"{sources}history: {fresh.url}\ntables: [orders]\n")
        billing.write_text(f"{sources}history: {fresh.url}\nname: billing\ntables: [users]\n")
        results = [dbdiff.run(path) for path in (shop, billing, shop, billing)]
        shop_ids = [r.options["run_id"] for r in results[0::2]]
        billing_ids = [r.options["run_id"] for r in results[1::2]]
        assert [e["run_id"] for e in results[2].history] == shop_ids
        assert [e["run_id"] for e in results[3].history] == billing_ids
        assert dbdiff.history(shop)["run_id"].to_list() == shop_ids
        shown = History.open(fresh.url, create=False).entries(detail=True, name="billing")
        assert [e["run_id"] for e in shown] == billing_ids
        everything = dbdiff.history(fresh.url)
        assert everything["checkfile_name"].to_list() == ["shop", "billing", "shop", "billing"]
        proc = dbdiff_cli("dashboard", str(shop), "--out", str(tmp_path / "site"))
        assert proc.returncode == 0 and "(2 runs)" in proc.stderr, proc.stderr
        page = (tmp_path / "site" / "index.html").read_text()
        assert all(i in page for i in shop_ids) and not any(i in page for i in billing_ids)
    finally:
        fresh.drop()


def test_a_postgresql_store_written_without_names_still_opens_and_reads(tmp_path: Path) -> None:
    fresh = PostgresServer(PG_URL)
    try:
        store = History.open(fresh.url)
        store.append(hx.run(1, {"orders": (1, 0, 0, "pass")}, checkfile="shop.yaml"))
        store.append(hx.run(2, {"orders": (2, 0, 0, "pass")}, checkfile="billing.yaml"))
        fresh.execute(
            "ALTER TABLE dbdiff_history_runs DROP COLUMN checkfile_name",
            "UPDATE dbdiff_history_meta SET meta_value = '1'",
        )
        (tmp_path / "shop.yaml").write_text(
            f"left: {{env: L}}\nright: {{env: R}}\nhistory: {fresh.url}\ntables: ['*']\n"
        )
        assert [
            e["tables"]["orders"]["changed"]
            for e in History.open(fresh.url, create=False).entries(name="shop")
        ] == [1]
        assert dbdiff.history(tmp_path / "shop.yaml")["changed"].to_list() == [1]
        assert fresh.execute("SELECT meta_value FROM dbdiff_history_meta") == [("2",)]
    finally:
        fresh.drop()
