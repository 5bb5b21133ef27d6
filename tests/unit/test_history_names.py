"""One history store shared by two check files: each one's trend, history, dashboard and DataFrame
show its own runs only (told apart by the check file's `name`), and the store read directly shows
every run with its check file's name. A store of version 1 (no names yet) still opens and reads."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import duckdb
import pytest

import dbdiff
from dbdiff.history import History, history_location
from tests import history_fixtures as hx
from tests.unit.test_history import dbdiff_cli


def make_sources(directory: Path) -> None:
    """Two DuckDB files: orders differ in two rows, users agree."""
    for side in ("left", "right"):
        with duckdb.connect(str(directory / f"{side}.duckdb")) as con:
            con.execute("CREATE TABLE orders (id INT PRIMARY KEY, note VARCHAR)")
            con.execute("INSERT INTO orders SELECT i, 'n' || i FROM range(20) t(i)")
            con.execute("CREATE TABLE users (uid VARCHAR PRIMARY KEY, name VARCHAR)")
            con.execute("INSERT INTO users VALUES ('a', 'A'), ('b', 'B')")
            if side == "right":
                con.execute("UPDATE orders SET note = 'x' WHERE id IN (3, 4)")


def checkfile(directory: Path, file: str, body: str) -> Path:
    path = directory / file
    sources = f"left: duckdb:///{directory}/left.duckdb\nright: duckdb:///{directory}/right.duckdb\n"
    path.write_text(sources + "history: team.history.duckdb\n" + body)
    return path


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """shop.yaml (name: its stem) and nightly.yaml (name: billing) run twice each, interleaved,
    into one DuckDB store; what each run's result.history held is kept."""
    directory = tmp_path_factory.mktemp("shared")
    make_sources(directory)
    shop = checkfile(directory, "shop.yaml", "tables: [orders]\n")
    billing = checkfile(directory, "nightly.yaml", "name: billing\ntables: [users]\n")
    results = [dbdiff.run(path) for path in (shop, billing, shop, billing)]
    return {"dir": directory, "shop": shop, "billing": billing, "results": results}


def ids(results: list) -> list[str]:
    return [r.options["run_id"] for r in results]


def test_each_runs_trend_holds_only_its_check_files_runs(shared: dict) -> None:
    results = shared["results"]
    shop_ids, billing_ids = ids(results[0::2]), ids(results[1::2])
    assert [r.options["checkfile_name"] for r in results] == ["shop", "billing", "shop", "billing"]
    assert [e["run_id"] for e in results[2].history] == shop_ids
    assert [e["run_id"] for e in results[3].history] == billing_ids
    assert all(set(e["tables"]) == {"users"} for e in results[3].history)
    assert [e["tables"]["orders"]["changed"] for e in results[2].history] == [2, 2]


def test_history_and_api_through_a_check_file_show_its_runs_only(shared: dict) -> None:
    results = shared["results"]
    proc = dbdiff_cli("history", str(shared["shop"]), "--json")
    assert proc.returncode == 0, proc.stderr
    shown = json.loads(proc.stdout)
    assert [e["run_id"] for e in shown] == ids(results[0::2])
    assert {e["checkfile_name"] for e in shown} == {"shop"}
    frame = dbdiff.history(shared["billing"])
    assert frame["run_id"].to_list() == ids(results[1::2]) and set(frame["checkfile_name"]) == {"billing"}
    # A table only the other check file checked: no run of this one checked it.
    proc = dbdiff_cli("history", str(shared["billing"]), "--table", "orders")
    assert proc.returncode == 2 and "no run of 'billing' in the history" in proc.stderr, proc.stderr
    text = dbdiff_cli("history", str(shared["shop"])).stdout
    assert "2 runs" in text and "check file" not in text


def test_the_store_read_directly_shows_every_run_and_its_name(shared: dict) -> None:
    store = str(shared["dir"] / "team.history.duckdb")
    assert history_location(store).name is None
    everything = json.loads(dbdiff_cli("history", store, "--json").stdout)
    assert [e["checkfile_name"] for e in everything] == ["shop", "billing", "shop", "billing"]
    text = dbdiff_cli("history", store).stdout
    lines = text.splitlines()
    assert "4 runs" in lines[0] and lines[1].split()[-2:] == ["check", "file"]
    assert [line.split()[-1] for line in lines[2:]] == ["shop", "billing", "shop", "billing"]
    assert dbdiff.history(store)["checkfile_name"].to_list() == ["shop", "billing", "shop", "billing"]


def test_the_dashboard_of_a_check_file_shows_its_runs_only(shared: dict, tmp_path: Path) -> None:
    results = shared["results"]
    proc = dbdiff_cli("dashboard", str(shared["billing"]), "--out", str(tmp_path))
    assert proc.returncode == 0 and "(2 runs)" in proc.stderr, proc.stderr
    page = (tmp_path / "index.html").read_text()
    assert all(run_id in page for run_id in ids(results[1::2]))
    assert not any(run_id in page for run_id in ids(results[0::2]))


def test_a_store_written_without_names_still_opens_and_reads(tmp_path: Path) -> None:
    """A version-1 store (no checkfile_name column) is migrated by its first reader or writer: a run
    of a check file gets its file's stem (the only name a check file had), a run of none no name."""
    for opened_by in ("reader", "writer"):
        path = tmp_path / f"{opened_by}.history.duckdb"
        store = History.open(path)
        store.append(hx.run(1, {"orders": (1, 0, 0, "pass")}, checkfile="conf/nightly.yaml"))
        store.append(hx.run(2, {"orders": (2, 0, 0, "pass")}, checkfile="shop.yaml"))
        anonymous = hx.run(3, {"orders": (3, 0, 0, "pass")})
        store.append(dataclasses.replace(anonymous, options={}))
        with duckdb.connect(str(path)) as con:
            con.execute("ALTER TABLE dbdiff_history_runs DROP COLUMN checkfile_name")
            con.execute("UPDATE dbdiff_history_meta SET meta_value = '1'")
        again = History.open(path, create=opened_by == "writer")
        assert [e["checkfile_name"] for e in again.entries(detail=True)] == ["nightly", "shop", None]
        assert [e["tables"]["orders"]["changed"] for e in again.entries(name="nightly")] == [1]
        again.append(hx.run(4, {"orders": (4, 0, 0, "pass")}))  # the column is there now
        assert [e["tables"]["orders"]["changed"] for e in again.entries(name="nightly")] == [1, 4]
        with duckdb.connect(str(path)) as con:
            assert con.execute("SELECT meta_value FROM dbdiff_history_meta").fetchall() == [("2",)]
