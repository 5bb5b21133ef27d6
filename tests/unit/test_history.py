"""The history store in a DuckDB file: runs appended and read back, concurrent writers, locks,
the schema version, where a check file keeps its history, and `dbdiff history` / `dbdiff.history()`.

The PostgreSQL and MySQL stores and a real diff's run are in tests/integration/test_history_servers.py;
the dashboard in Chromium in tests/unit/test_dashboard_browser.py.
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import duckdb
import polars as pl
import pytest

import dbdiff
from dbdiff.errors import ConfigError, RuntimeFailure, UsageError
from dbdiff.history import History, history_entry, history_location
from dbdiff.report.history_text import render_history_text
from tests import history_fixtures as hx

ROOT = Path(__file__).resolve().parents[2]


def dbdiff_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dbdiff.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=cwd,
        env={**os.environ, "DBDIFF_NO_PROGRESS": "1", "PYTHONPATH": str(ROOT)},
    )


def one_line_error(proc: subprocess.CompletedProcess[str], code: int, *needles: str) -> str:
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dbdiff: error: "), proc.stderr
    for needle in needles:
        assert needle in lines[0], lines[0]
    return lines[0]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A check file and its history of four nights, appended out of order. The check file's sources
    name environment variables that are not set: reading the history must not need them."""
    directory = tmp_path_factory.mktemp("history")
    (directory / "nightly.yaml").write_text("left: {env: L}\nright: {env: R}\ntables: ['*']\n")
    store = History.open(directory / "nightly.history.duckdb")
    nights = hx.nights()
    for result in (nights[2], nights[0], nights[3], nights[1]):
        store.append(result, reports={"html": f"reports/{result.started_at[:10]}.html"})
    return directory


def test_runs_read_back_newest_last_in_the_result_history_shape(recorded: Path) -> None:
    store = History.open(recorded / "nightly.history.duckdb", create=False)
    entries = store.entries(last=None)
    assert entries == [history_entry(r) for r in hx.nights()]
    # The shape DiffResult.history documents, nothing more.
    first = entries[0]
    assert set(first) == {"run_id", "started_at", "duration_s", "verdict", "status", "tables"}
    assert set(first["tables"]["orders"]) == {
        "verdict", "status", "rows_left", "rows_right", "changed", "only_left", "only_right"
    }  # fmt: skip
    assert [e["verdict"] for e in entries] == ["pass", "warn", "fail", "warn"]
    assert entries[2]["tables"]["orders"] == {
        "verdict": "fail", "status": "different", "rows_left": 100, "rows_right": 101,
        "changed": 12, "only_left": 1, "only_right": 2,
    }  # fmt: skip
    assert list(entries[0]["tables"]) == ["orders", "billing", "legacy"]  # the run's order
    # Runs with the same check file get ids from their content: the same result, the same id.
    assert entries[1]["run_id"] == history_entry(hx.nights()[1])["run_id"]
    assert entries[1]["run_id"].startswith("20261202T020000Z-")


def test_last_and_table_keep_the_newest_runs_of_that_table(recorded: Path) -> None:
    store = History.open(recorded / "nightly.history.duckdb", create=False)
    assert [e["started_at"][:10] for e in store.entries(last=2)] == ["2026-12-03", "2026-12-04"]
    legacy = store.entries(table="legacy")
    assert [e["started_at"][:10] for e in legacy] == ["2026-12-01", "2026-12-02"]
    assert all(list(e["tables"]) == ["legacy"] for e in legacy)
    assert [e["tables"]["orders"]["changed"] for e in store.entries(table="orders", last=3)] == [3, 12, 2]
    with pytest.raises(ConfigError, match=r"checked a table 'ordrs' \(did you mean 'orders'\?\)"):
        store.entries(table="ordrs")


def test_detail_keeps_reports_breaches_and_column_mismatches(recorded: Path) -> None:
    store = History.open(recorded / "nightly.history.duckdb", create=False)
    night = store.entries(detail=True)[2]
    assert night["reports"] == {"html": "reports/2026-12-03.html"}
    assert night["checkfile"] == "nightly.yaml" and night["checkfile_sha256"] == "ab" * 32
    assert night["checkfile_name"] == "nightly"
    assert {b["table"] for b in night["breaches"]} == {"orders", "billing"}
    orders = night["tables"]["orders"]
    assert orders["columns"] == {"amount": {"mismatches": 12, "unreadable": 0}}
    assert orders["matched"] == 99 and orders["right_table"] == "orders" and orders["error"] is None
    assert orders["breaches"][0]["metric"] == "changed"
    # A table that differs nowhere keeps no column rows.
    assert store.entries(detail=True)[0]["tables"]["orders"]["columns"] == {}


def test_frame_is_one_row_per_run_and_table(recorded: Path) -> None:
    frame = History.open(recorded / "nightly.history.duckdb", create=False).frame()
    assert frame.height == 3 + 3 + 2 + 2
    assert frame.schema["started_at"] == pl.Datetime("us", "UTC")
    assert frame.schema["changed"] == pl.Int64
    orders = frame.filter(pl.col("table") == "orders")
    assert orders.get_column("changed").to_list() == [0, 3, 12, 2]
    assert orders.get_column("table_verdict").to_list() == ["pass", "warn", "fail", "warn"]
    assert frame.get_column("verdict").unique(maintain_order=True).to_list() == ["pass", "warn", "fail"]
    assert (
        History.open(recorded / "nightly.history.duckdb")
        .frame(last=1, table="billing")
        .rows(named=True)[0]["changed"]
        == 0
    )


def test_api_reads_the_history_beside_the_check_file(recorded: Path) -> None:
    frame = dbdiff.history(recorded / "nightly.yaml", table="orders", last=2)
    assert frame.get_column("changed").to_list() == [12, 2]
    # The store's module shares the name: once imported it is what `dbdiff.history` is, and it
    # answers the call the same way.
    import dbdiff.history as module

    assert dbdiff.history is module
    assert dbdiff.history(recorded / "nightly.yaml").height == 10
    with pytest.raises(UsageError, match="last must be"):
        dbdiff.history(recorded / "nightly.yaml", last=0)
    with pytest.raises(ConfigError, match="no history at"):
        dbdiff.history(recorded / "missing.history.duckdb")


def test_a_run_is_recorded_once(tmp_path: Path) -> None:
    store = History.open(tmp_path / "h.duckdb")
    night = hx.nights()[0]
    store.append(night)
    with pytest.raises(UsageError, match="already recorded"):
        store.append(night)
    # The refused append left nothing half-written.
    assert len(store.entries()) == 1
    with duckdb.connect(str(tmp_path / "h.duckdb")) as con:
        assert con.execute("SELECT COUNT(*) FROM dbdiff_history_tables").fetchone() == (3,)


def test_a_run_id_given_by_the_run_is_kept_and_an_empty_store_reads_empty(tmp_path: Path) -> None:
    store = History.open(f"duckdb:///{tmp_path / 'h.duckdb'}")  # the URL form of a file
    assert store.entries() == [] and store.frame().height == 0
    assert store.frame().schema["changed"] == pl.Int64
    store.append(hx.run(1, {"orders": (1, 0, 0, "warn")}, run_id="20261201T020000Z-1a2b3c"))
    assert [e["run_id"] for e in History.open(tmp_path / "h.duckdb").entries()] == ["20261201T020000Z-1a2b3c"]


def test_a_sqlite_file_is_not_taken_for_a_duckdb_store(tmp_path: Path) -> None:
    """DuckDB opens a SQLite file through its sqlite extension (downloading it when missing): a
    history path naming a SQLite database got the history's tables written into it, or a download
    attempt and exit 3. It is refused, untouched, like any other file that is not DuckDB's."""
    import sqlite3

    path = tmp_path / "app.db"
    with sqlite3.connect(path) as con:
        con.execute("CREATE TABLE users (id INTEGER PRIMARY KEY)")
    before = path.read_bytes()
    for create in (True, False):
        with pytest.raises(ConfigError, match="is not a DuckDB database file") as caught:
            History.open(path, create=create).entries()
        assert caught.value.exit_code == 2
    assert path.read_bytes() == before


def test_schema_version_row_and_a_newer_store_refused(tmp_path: Path) -> None:
    path = tmp_path / "h.duckdb"
    History.open(path)
    History.open(path)  # the tables exist: opened again, nothing doubled
    with duckdb.connect(str(path)) as con:
        assert con.execute("SELECT meta_key, meta_value FROM dbdiff_history_meta").fetchall() == [
            ("schema_version", "2")
        ]
        con.execute("UPDATE dbdiff_history_meta SET meta_value = '99'")
    with pytest.raises(ConfigError, match=r"written by a newer dbdiff \(store version 99\)"):
        History.open(path)
    with pytest.raises(ConfigError, match=r"written by a newer dbdiff"):
        History.open(path, create=False).entries()  # a reader refuses it too


APPENDER = textwrap.dedent(
    """
    import sys
    from dbdiff.history import History
    from tests import history_fixtures as hx
    store = History.open(sys.argv[1])
    for i in range(5):
        day = int(sys.argv[2]) * 5 + i + 1
        store.append(hx.run(day, {"orders": (day, 0, 0, "warn"), "billing": (0, 0, 0, "pass")}))
    """
)


def test_a_store_version_that_is_not_a_number_is_refused(tmp_path: Path) -> None:
    """A meta row reading '2.0-beta' was an internal error (ValueError), exit 3."""
    path = tmp_path / "h.duckdb"
    History.open(path).append(hx.nights()[0])
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE dbdiff_history_meta SET meta_value = '2.0-beta'")
    for open_it in (lambda: History.open(path), lambda: History.open(path, create=False).entries()):
        with pytest.raises(ConfigError, match=r"store version this dbdiff cannot read: '2\.0-beta'"):
            open_it()
    one_line_error(dbdiff_cli("history", str(path)), 2, "cannot read: '2.0-beta'")


def test_concurrent_processes_append_without_corrupting(tmp_path: Path) -> None:
    path = tmp_path / "shared.history.duckdb"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    writers = [
        subprocess.Popen([sys.executable, "-c", APPENDER, str(path), str(n)], env=env, stderr=subprocess.PIPE)
        for n in range(4)
    ]
    for writer in writers:
        _, err = writer.communicate(timeout=120)
        assert writer.returncode == 0, err.decode()
    entries = History.open(path).entries(last=None)
    assert [int(e["started_at"][8:10]) for e in entries] == list(range(1, 21))
    assert all(e["tables"]["orders"]["changed"] == int(e["started_at"][8:10]) for e in entries)
    assert all(list(e["tables"]) == ["orders", "billing"] for e in entries)


HOLDER = (
    "import duckdb, sys, time; c = duckdb.connect(sys.argv[1]); print('held', flush=True);"
    " time.sleep(float(sys.argv[2]))"
)


def _hold(path: Path, seconds: float) -> subprocess.Popen[str]:
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLDER, str(path), str(seconds)], stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
    return holder


def test_a_file_another_process_holds_is_waited_for_then_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / "h.duckdb"
    History.open(path).append(hx.nights()[0])
    holder = _hold(path, 30)
    try:
        started = time.monotonic()
        with pytest.raises(RuntimeFailure, match="is in use by another process") as caught:
            History.open(path, lock_wait_s=0.5)
        assert 0.5 <= time.monotonic() - started < 10
        assert "waited 0.5 s" in str(caught.value)
    finally:
        holder.kill()
        holder.communicate()
    # A holder that lets go in time: the append waits for it and goes through.
    holder = _hold(path, 1.0)
    try:
        History.open(path, lock_wait_s=20).append(hx.nights()[1])
    finally:
        holder.communicate()
    assert len(History.open(path).entries()) == 2


def test_where_a_check_file_keeps_its_history(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    check = tmp_path / "conf" / "nightly.yaml"
    check.parent.mkdir()

    # The sources' variables need not be set: history reads the file without its sources.
    sources = "left: {env: DBDIFF_UNSET_LEFT_X}\nright: {env: DBDIFF_UNSET_RIGHT_X}\ntables: [orders]\n"

    def located(text: str) -> tuple[str, int, bool]:
        check.write_text(sources + text)
        where = history_location(check)
        return where.target, where.last, where.in_source

    assert located("") == (str(check.parent / "nightly.history.duckdb"), 20, False)
    assert located("history: true\n") == (str(check.parent / "nightly.history.duckdb"), 20, False)
    assert located("history: h/runs.duckdb\nhistory_last: 5\n") == (
        str(check.parent / "h/runs.duckdb"),
        5,
        False,
    )
    assert located("history: /abs/runs.duckdb\n")[0] == "/abs/runs.duckdb"
    url = "postgresql://team@db:5432/dbdiff"
    assert located(f"history: {url}\n") == (url, 20, False)
    assert located(f"history: {{url: '{url}', in_source_database: true}}\n") == (url, 20, True)
    monkeypatch.setenv("DBDIFF_HISTORY_URL", url)
    assert located("history: {url: {env: DBDIFF_HISTORY_URL}}\n")[0] == url
    # A store's own path or URL names itself.
    assert history_location("x/runs.duckdb").target == "x/runs.duckdb"
    assert history_location(url).target == url
    bad = {
        "history: false\n": "turns history off",
        "history_last: 0\n": "history_last",
        "history: 12\n": "history",
        "history: {url: {env: DBDIFF_NOT_SET_X}}\n": "DBDIFF_NOT_SET_X",
        "[a, b]\n": "a check file is a mapping",
        "a: [\n": "not valid YAML",
    }
    for text, message in bad.items():
        check.write_text(text if text.startswith(("[", "a:")) else sources + text)
        with pytest.raises(ConfigError, match=message):
            history_location(check)
    with pytest.raises(ConfigError, match="does not exist"):
        history_location(tmp_path / "nope.yaml")


def test_a_history_location_shows_no_password() -> None:
    where = history_location("postgresql://team:LocPw99@ops/dbdiff")
    assert where.target.endswith("@ops/dbdiff") and "LocPw99" not in repr(where)


def test_a_compared_database_is_refused_as_the_store_unless_allowed(tmp_path: Path) -> None:
    url = "postgresql://team:pw@localhost:5432/shop"
    sources = ["mysql://app@db1/shop", "postgresql://app@127.0.0.1/shop"]
    with pytest.raises(ConfigError, match="is a database this run compares") as caught:
        History.open(url, sources=sources)  # refused before connecting to anything
    assert "pw" not in str(caught.value) and "team:***@" in str(caught.value)
    with pytest.raises(ConfigError, match="is a database this run compares"):
        History.open(tmp_path / "same.duckdb", sources=[f"duckdb:///{tmp_path / 'same.duckdb'}"])
    with pytest.raises(ConfigError, match="is a database this run compares"):
        History.open(tmp_path / "same.duckdb", sources=[str(tmp_path / "same.duckdb")])  # a bare path too
    History.open(tmp_path / "same.duckdb", sources=[f"duckdb:///{tmp_path / 'same.duckdb'}"], in_source=True)
    History.open(tmp_path / "other.duckdb", sources=sources)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("ftp://host/x", "unknown URL scheme 'ftp'"),
        ("sqlite:///x.db", "cannot keep a history in a sqlite store"),
        ("postgresql://u@host", "names no database"),
        ("postgresql://u:a@b@host/db", "cannot be told apart"),
    ],
)
def test_bad_history_urls_are_config_errors(target: str, message: str) -> None:
    with pytest.raises(ConfigError, match=message) as caught:
        History.open(target)
    assert caught.value.exit_code == 2


def test_trend_text_marks_growth_and_shrinkage() -> None:
    entries = [history_entry(r) for r in hx.nights()]
    text = render_history_text(entries)
    lines = text.splitlines()
    assert lines[0] == "History of all tables: 4 runs, oldest first"
    assert lines[1].split() == ["started", "(UTC)", "verdict", "duration", "tables", "changed", "only",
                                "left", "only", "right", "run"]  # fmt: skip
    rows = lines[2:]
    assert [r.split()[2] for r in rows] == ["pass", "warn", "fail", "warn"]
    # Per run: tables, then changed / only left / only right, each marked against the run before.
    counts = [re.findall(r"\s(\d+) ([▲▼ ])", r[r.index(" s ") :]) for r in rows]
    assert counts == [
        [("3", " "), ("0", " "), ("0", " "), ("0", " ")],
        [("3", " "), ("3", "▲"), ("1", "▲"), ("0", " ")],
        [("2", " "), ("52", "▲"), ("1", " "), ("2", "▲")],
        [("2", " "), ("2", "▼"), ("0", "▼"), ("0", "▼")],
    ]
    orders = render_history_text(entries, table="orders").splitlines()
    assert orders[0] == "History of table orders: 4 runs, oldest first"
    assert [line.split()[2] for line in orders[2:]] == ["pass", "warn", "fail", "warn"]
    assert "no runs recorded" in render_history_text([])


def test_history_command(recorded: Path) -> None:
    proc = dbdiff_cli("history", "nightly.yaml", cwd=recorded)
    assert proc.returncode == 0, proc.stderr
    lines = proc.stdout.splitlines()
    # The store beside the check file, named as the check file was.
    assert lines[0] == f"History of all tables: 4 runs, oldest first ({recorded / 'nightly.history.duckdb'})"
    assert [line.split()[0] for line in lines[2:]] == ["2026-12-01", "2026-12-02", "2026-12-03", "2026-12-04"]
    assert "52 ▲" in lines[4] and "2 ▼" in lines[5]

    proc = dbdiff_cli(
        "history", str(recorded / "nightly.yaml"), "--json", "--last", "2", "--table", "billing"
    )
    assert proc.returncode == 0, proc.stderr
    runs = json.loads(proc.stdout)
    assert [r["verdict"] for r in runs] == ["fail", "warn"]  # newest last
    assert [r["tables"]["billing"]["changed"] for r in runs] == [40, 0]
    assert runs[0]["tables"]["billing"]["verdict"] == "fail"
    assert runs[0]["reports"] == {"html": "reports/2026-12-03.html"}

    # The default check file is ./dbdiff.yaml.
    one_line_error(dbdiff_cli("history", cwd=recorded), 2, "check file 'dbdiff.yaml' does not exist")
    one_line_error(dbdiff_cli("history", "nightly.yaml", "--table", "bills", cwd=recorded), 2, "'bills'")
    one_line_error(dbdiff_cli("history", str(recorded / "none.history.duckdb")), 2, "no history at")
    one_line_error(dbdiff_cli("history", "ftp://x/y"), 2, "history URL: unknown URL scheme 'ftp'")
    (recorded / "text.duckdb").write_text("not a database")
    one_line_error(dbdiff_cli("history", "text.duckdb", cwd=recorded), 2, "is not a DuckDB database file")
    assert dbdiff_cli("history", "nightly.yaml", "--last", "0", cwd=recorded).returncode == 2


def test_history_of_a_table_asked_for_by_its_right_name(tmp_path: Path) -> None:
    """`--table invoice_line` (the right name of InvoiceLine) found the runs but printed every
    one with verdict '-' and 0 changed rows: the entries it rendered had no right names."""
    store = History.open(tmp_path / "h.duckdb")
    for day in (1, 2):
        night = hx.run(day, {"InvoiceLine": (day * 5, 0, 0, "fail")})
        renamed = dataclasses.replace(night.tables[0], right_table="invoice_line")
        store.append(dataclasses.replace(night, tables=(renamed,)))
    by_name = {}
    for name in ("InvoiceLine", "invoice_line"):
        proc = dbdiff_cli("history", str(tmp_path / "h.duckdb"), "--table", name)
        assert proc.returncode == 0, proc.stderr
        by_name[name] = [line.split()[2:] for line in proc.stdout.splitlines()[2:]]
    assert by_name["invoice_line"] == by_name["InvoiceLine"]
    assert [row[:3] for row in by_name["invoice_line"]] == [["fail", "11.0", "s"], ["fail", "12.0", "s"]]
    assert [row[3] for row in by_name["invoice_line"]] == ["5", "10"]


def test_a_store_password_is_never_printed() -> None:
    secret = "Sup3r-Secr3t!"
    proc = dbdiff_cli("history", f"postgresql://team:{secret}@127.0.0.1:1/dbdiff")
    line = one_line_error(proc, 3, "cannot reach the history store postgresql://team:***@127.0.0.1:1/dbdiff")
    assert secret not in proc.stdout + proc.stderr and "Secr3t" not in line


def test_dashboard_command_writes_one_page(recorded: Path, tmp_path: Path) -> None:
    out = tmp_path / "site" / "dash"
    proc = dbdiff_cli("dashboard", str(recorded / "nightly.yaml"), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.strip() == f"dashboard written to {out / 'index.html'} (4 runs)"
    assert sorted(p.name for p in out.iterdir()) == ["index.html"]
    page = (out / "index.html").read_text()
    assert (
        "dbdiff history: nightly.yaml" in page and page.count('<svg class="trend"') == 4
    )  # totals + 3 tables
    assert "<script" not in page and "http://" not in page.replace("http://www.w3.org/2000/svg", "")
    (tmp_path / "file").write_text("")
    assert (
        dbdiff_cli("dashboard", str(recorded / "nightly.yaml"), "--out", str(tmp_path / "file")).returncode
        == 2
    )
    assert dbdiff_cli("dashboard", str(recorded / "nightly.yaml")).returncode == 2  # --out is required


def test_dashboards_written_at_once_share_no_temporary_file(recorded: Path, tmp_path: Path) -> None:
    """The page went through one fixed `.index.html.tmp`: two dashboards written at once (cron)
    wrote into the same file, and one could publish the other's half-written page. Here another
    writer's `.index.html.tmp` is in the way (a directory): the page is still written."""
    out = tmp_path / "site"
    (out / ".index.html.tmp").mkdir(parents=True)
    proc = dbdiff_cli("dashboard", str(recorded / "nightly.yaml"), "--out", str(out))
    assert proc.returncode == 0, proc.stderr
    assert (out / "index.html").read_text().rstrip().endswith("</html>")
    assert sorted(p.name for p in out.iterdir()) == [".index.html.tmp", "index.html"]


def test_a_table_error_is_stored_scrubbed(tmp_path: Path) -> None:
    night = hx.nights()[0]
    broken = dataclasses.replace(
        night.tables[0],
        status="error",
        error="lost postgresql://app:hunter22@db2/shop mid-read",
        verdict=None,
    )
    result = dataclasses.replace(night, tables=(broken, *night.tables[1:]))
    store = History.open(tmp_path / "h.duckdb")
    store.append(result)
    (entry,) = store.entries(detail=True)
    assert entry["status"] == "error"
    assert entry["tables"]["orders"]["error"] == "lost postgresql://app:***@db2/shop mid-read"
