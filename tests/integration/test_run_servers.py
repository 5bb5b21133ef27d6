"""`dbdiff run` on the real servers: a MariaDB database migrated to PostgreSQL, every table in one run.

The database has tables of different shapes (a string key, a composite key, JSON, DECIMAL, DOUBLE
and timestamps), one table on the left side only, one whose column changed to a type no rule
compares, one whose nullability drifted and one that lost its primary key. Check files over it
pass, warn and fail by their thresholds with the documented exit codes; bad check files stop with
one line and exit 2 before any row is read; a table that breaks while it runs is that table's
error, not the run's.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import pytest

from dbdiff.sources.urls import parse_url
from tests.conftest import MYSQL_URL, PG_URL, MySQLServer, PostgresServer

pytestmark = pytest.mark.servers

PASSWORD = "Run-S3cret-pw"  # PostgreSQL trusts local logins: the password is accepted, and must never show
PAIRED = ("accounts", "customers", "devices", "events", "order_lines", "shipments")


@pytest.fixture(scope="module")
def shop():
    """(left URL, right URL with a password) of a small shop database on MariaDB and on PostgreSQL."""
    try:
        left, right = MySQLServer(MYSQL_URL), PostgresServer(PG_URL)
    except Exception as exc:  # pragma: no cover - conftest's fixtures say how to start the servers
        pytest.skip(f"servers not reachable: {exc}")
    try:
        _fill(left, right)
        right_url = replace(parse_url(right.url), password=PASSWORD).connection_url()
        yield left, right, left.url, right_url
    finally:
        left.drop()
        right.drop()


def _fill(left: MySQLServer, right: PostgresServer) -> None:
    customers = [
        (f"C{i:04d}", f"name {i}", f"c{i}@example.com", f"2026-01-{i % 28 + 1:02d} 10:00:00.{i:03d}")
        for i in range(30)
    ]
    lines = [(o, n, f"{o * 10 + n}.25", (o + n) / 8) for o in range(1, 21) for n in (1, 2)]
    events = [
        (i, json.dumps({"kind": "click", "n": i, "tags": ["a", "b"]}), f"2026-02-01 12:{i:02d}:00")
        for i in range(25)
    ]
    left.execute(
        "SET time_zone = '+00:00'",
        "CREATE TABLE customers (code VARCHAR(12) PRIMARY KEY, name VARCHAR(40), email VARCHAR(80), "
        "created DATETIME(3))",
        "CREATE TABLE order_lines (order_id INT, line_no SMALLINT, amount DECIMAL(12,2), price DOUBLE, "
        "PRIMARY KEY (order_id, line_no))",
        "CREATE TABLE events (id BIGINT PRIMARY KEY, payload JSON, at TIMESTAMP NULL)",
        "CREATE TABLE legacy_notes (id INT PRIMARY KEY, note TEXT)",
        "CREATE TABLE devices (id INT PRIMARY KEY, code INT, label VARCHAR(20))",
        "CREATE TABLE accounts (id INT PRIMARY KEY, email VARCHAR(80) NOT NULL)",
        "INSERT INTO legacy_notes VALUES (1, 'one'), (2, 'two')",
        "CREATE TABLE shipments (id INT PRIMARY KEY, carrier VARCHAR(20))",
    )
    right.execute(
        "CREATE TABLE customers (code VARCHAR(12) PRIMARY KEY, name VARCHAR(40), email VARCHAR(80), "
        "created TIMESTAMP(3))",
        "CREATE TABLE order_lines (order_id INT, line_no SMALLINT, amount NUMERIC(12,2), "
        "price DOUBLE PRECISION, PRIMARY KEY (order_id, line_no))",
        "CREATE TABLE events (id BIGINT PRIMARY KEY, payload JSONB, at TIMESTAMPTZ)",
        "CREATE TABLE devices (id INT PRIMARY KEY, code VARCHAR(10), label VARCHAR(20))",
        "CREATE TABLE accounts (id INT PRIMARY KEY, email VARCHAR(80))",
        "CREATE TABLE shipments (id INT, carrier VARCHAR(20))",  # the migration lost the primary key
    )
    for server in (left, right):
        server.executemany("INSERT INTO customers VALUES (%s, %s, %s, %s)", customers)
        server.executemany("INSERT INTO order_lines VALUES (%s, %s, %s, %s)", lines)
        server.executemany(
            "INSERT INTO devices VALUES (%s, %s, %s)", [(i, i * 7, f"dev {i}") for i in range(10)]
        )
        server.executemany(
            "INSERT INTO accounts VALUES (%s, %s)", [(i, f"a{i}@example.com") for i in range(10)]
        )
        shipments = [(i, "ups" if i % 2 else "dhl") for i in range(10)]
        server.executemany("INSERT INTO shipments VALUES (%s, %s)", shipments)
    left.executemany("INSERT INTO events VALUES (%s, %s, %s)", events)
    right.executemany("INSERT INTO events VALUES (%s, %s, (%s || '+00')::timestamptz)", events)
    # Two changed rows: an amount (DECIMAL) and a price (DOUBLE).
    right.execute(
        "UPDATE order_lines SET amount = amount + 1 WHERE order_id = 3 AND line_no = 2",
        "UPDATE order_lines SET price = price * 2 WHERE order_id = 7 AND line_no = 1",
    )


def checkfile(directory: Path, body: str, name: str = "dbdiff.yaml") -> Path:
    """A check file reading its URLs from the environment (DBDIFF_T_LEFT, DBDIFF_T_RIGHT)."""
    path = directory / name
    path.write_text("left: {env: DBDIFF_T_LEFT}\nright: {env: DBDIFF_T_RIGHT}\n" + body, encoding="utf-8")
    return path


def dbdiff_run(shop, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dbdiff.cli", "run", *args],
        capture_output=True,
        text=True,
        timeout=240,
        env={
            **os.environ,
            "DBDIFF_NO_PROGRESS": "1",
            "DBDIFF_T_LEFT": shop[2],
            "DBDIFF_T_RIGHT": shop[3],
            **(env or {}),
        },
    )


PASS = """
thresholds:
  changed: {fail: 5}
  schema: {fail: 5}
run: {tables_at_once: 3, workers: 2}
defaults: {chunk_size: 7}
tables: ["*"]
"""

WARN = """
thresholds:
  changed: {warn: 0, fail: 5}
  schema: {fail: 5}
tables: ["*"]
"""

FAIL = """
thresholds:
  schema: {fail: 5}
tables:
  - name: "*"
    exclude: [order_lines]
  - name: order_lines
    thresholds: {changed: {warn: 0, fail: "1%"}}
"""


def test_a_run_that_passes_reports_every_table_and_exits_0(shop, tmp_path):
    path = checkfile(tmp_path, PASS)
    out, verdict = tmp_path / "run.json", tmp_path / "verdict.json"
    proc = dbdiff_run(shop, str(path), "--json", str(out), "--verdict-file", str(verdict), "-q")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    assert report["verdict"] == "pass" and report["status"] == "different"
    tables = {t["left_table"]: t for t in report["tables"]}
    assert set(tables) == {*PAIRED, "legacy_notes"}
    assert all(t["verdict"] == "pass" for t in tables.values())
    # The one-side table, the type no rule compares, the nullability drift: all in the report.
    assert tables["legacy_notes"]["only_on"] == "left"
    (type_change,) = tables["devices"]["schema"]["differences"]
    assert (type_change["kind"], type_change["column"]) == ("type", "code")
    assert "code" not in [c["name"] for c in tables["devices"]["columns"]]  # left out, not compared
    assert tables["devices"]["summary"]["matched"] == 10 and tables["devices"]["summary"]["changed"] == 0
    assert [(d["kind"], d["column"]) for d in tables["accounts"]["schema"]["differences"]] == [
        ("nullability", "email")
    ]
    # The lost primary key; its column, NOT NULL as a key on the left, now takes NULL on the right.
    lost = {d["kind"]: d for d in tables["shipments"]["schema"]["differences"]}
    assert (lost["primary_key"]["left"], lost["primary_key"]["right"]) == (["id"], [])
    assert lost["nullability"]["column"] == "id" and set(lost) == {"primary_key", "nullability"}
    assert tables["shipments"]["key"] == ["id"] and tables["shipments"]["summary"]["matched"] == 10
    # Every shape compared: the composite key found its two changed rows, the rest agree.
    assert tables["order_lines"]["key"] == ["order_id", "line_no"]
    assert tables["order_lines"]["summary"]["changed"] == 2
    for name in ("customers", "events"):
        assert tables[name]["status"] == "identical", tables[name]
        assert tables[name]["summary"]["matched"] == {"customers": 30, "events": 25}[name]
    assert report["options"]["command"] == "run" and len(report["options"]["checkfile_sha256"]) == 64
    assert re.fullmatch(r"\d{8}T\d{6}Z-[0-9a-f]{6}", report["options"]["run_id"])
    assert json.loads(verdict.read_text())["verdict"] == "pass"
    # A line per table on stderr, and the password nowhere.
    lines = proc.stderr.splitlines()
    for name in (*PAIRED, "legacy_notes"):
        assert any(line.startswith("dbdiff: ") and f"{name}: " in line for line in lines), proc.stderr
    assert PASSWORD not in proc.stdout + proc.stderr + out.read_text() + verdict.read_text()
    assert "***" in report["right"]["url"]


def test_a_run_that_warns_exits_0_and_strict_makes_it_1(shop, tmp_path):
    path = checkfile(tmp_path, WARN)
    out = tmp_path / "run.json"
    proc = dbdiff_run(shop, str(path), "--json", str(out), "--no-history")
    assert proc.returncode == 0, proc.stderr
    report = json.loads(out.read_text())
    assert report["verdict"] == "warn"
    assert [(b["metric"], b["level"], b.get("table")) for b in report["breaches"]] == [
        ("changed", "warn", "order_lines")
    ]
    assert {t["left_table"]: t["verdict"] for t in report["tables"]}["order_lines"] == "warn"
    assert "order_lines" in proc.stdout  # the text report on stdout
    strict = dbdiff_run(shop, str(path), "--strict", "-q", "--no-history")
    assert strict.returncode == 1, strict.stderr
    assert not (tmp_path / "dbdiff.history.duckdb").exists()  # --no-history recorded nothing


def test_a_run_that_fails_exits_1_with_its_breaches_in_every_file(shop, tmp_path):
    path = checkfile(tmp_path, FAIL)
    out, verdict, prom = tmp_path / "run.json", tmp_path / "verdict.json", tmp_path / "dbdiff.prom"
    proc = dbdiff_run(
        shop, str(path), "--json", str(out), "--verdict-file", str(verdict), "--prometheus", str(prom), "-q"
    )
    assert proc.returncode == 1, proc.stderr
    report = json.loads(out.read_text())
    assert report["verdict"] == "fail"
    (breach,) = report["breaches"]
    assert (breach["metric"], breach["level"], breach["table"], breach["value"]) == (
        "changed",
        "fail",
        "order_lines",
        2,
    )
    small = json.loads(verdict.read_text())
    assert small["verdict"] == "fail" and small["exit_code"] == 1
    assert small["tables"]["order_lines"] == "fail" and small["tables"]["customers"] == "pass"
    metrics = prom.read_text()
    assert re.search(r"^dbdiff_run_verdict(\{[^}]*\})? 2$", metrics, re.M), metrics
    rows = [line for line in metrics.splitlines() if line.startswith("dbdiff_table_rows{")]
    assert any(
        'table="order_lines"' in line and 'side="left"' in line and line.endswith(" 40") for line in rows
    )
    phases = dict(re.findall(r'^dbdiff_run_phase_seconds\{[^}]*phase="(\w+)"\} (\S+)$', metrics, re.M))
    assert {"plan", "read_left", "read_right", "compare", "wall"} <= set(phases), metrics
    assert float(phases["wall"]) == report["timings"]["wall"]  # the same seconds as the JSON report
    assert PASSWORD not in metrics + verdict.read_text()
    # The table's line on stderr says why it failed.
    assert any(
        "order_lines: different, verdict fail [changed 2 > " in line for line in proc.stderr.splitlines()
    )
    assert not list(tmp_path.glob(".*tmp*"))  # written atomically: no temporary file left
    # The saved result re-renders, and exits by its verdict as the run did.
    again = subprocess.run(
        [
            sys.executable,
            "-m",
            "dbdiff.cli",
            "report",
            str(out),
            "--markdown",
            str(tmp_path / "run.md"),
            "-q",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert again.returncode == 1, again.stderr
    assert "order_lines" in (tmp_path / "run.md").read_text()


def test_run_thresholds_judge_the_totals(shop, tmp_path):
    import dbdiff

    path = checkfile(tmp_path, PASS + "run_thresholds: {changed: {fail: 1}}\n")
    os.environ.update(DBDIFF_T_LEFT=shop[2], DBDIFF_T_RIGHT=shop[3])
    result = dbdiff.run(path, record=False)
    assert result.verdict.level == "fail" and result.exit_code == 1
    assert [(b.scope, b.metric) for b in result.verdict.breaches if b.level == "fail"] == [("run", "changed")]
    assert all(t.verdict.level == "pass" for t in result.tables)


def test_the_api_drills_down_per_table_and_keeps_a_history(shop, tmp_path, monkeypatch):
    import dbdiff

    monkeypatch.setenv("DBDIFF_T_LEFT", shop[2])
    monkeypatch.setenv("DBDIFF_T_RIGHT", shop[3])
    path = checkfile(tmp_path, PASS)
    first = dbdiff.run(path)
    second = dbdiff.run(str(path))
    changed = second.changed("order_lines")
    assert changed.height == 2 and changed.columns[:2] == ["order_id", "line_no"]
    assert sorted(changed.select("order_id", "line_no").rows()) == [(3, 2), (7, 1)]
    assert second.only_left("customers").height == 0
    assert second.table("devices").schema.differences[0]["column"] == "code"
    assert second.table("legacy_notes").only_on == "left"
    # The history holds both runs, newest last, this one included.
    assert [h["run_id"] for h in second.history][-2:] == [first.options["run_id"], second.options["run_id"]]
    assert second.history[-1]["tables"]["order_lines"]["changed"] == 2
    assert json.loads(second.to_json())["history"][-1]["verdict"] == "pass"


def test_tables_at_once_do_not_change_what_is_found(shop, tmp_path, monkeypatch):
    import dbdiff

    monkeypatch.setenv("DBDIFF_T_LEFT", shop[2])
    monkeypatch.setenv("DBDIFF_T_RIGHT", shop[3])
    one = dbdiff.run(
        checkfile(tmp_path, PASS.replace("tables_at_once: 3", "tables_at_once: 1"), "one.yaml"), record=False
    )
    many = dbdiff.run(
        checkfile(tmp_path, PASS.replace("tables_at_once: 3", "tables_at_once: 6"), "many.yaml"), record=False
    )
    assert [t.summary for t in one.tables] == [t.summary for t in many.tables]
    assert [t.left_table for t in one.tables] == [t.left_table for t in many.tables]
    assert all(
        t.stats.get("chunks", 0) > 1 for t in many.tables if t.only_on is None
    )  # chunk_size 7: several


def test_a_table_that_breaks_while_running_is_an_error_and_the_others_go_on(shop, tmp_path, monkeypatch):
    """The events table disappears from PostgreSQL after the run planned it: reading it fails."""
    import dbdiff

    monkeypatch.setenv("DBDIFF_T_LEFT", shop[2])
    monkeypatch.setenv("DBDIFF_T_RIGHT", shop[3])
    right = shop[1]
    lines: list[str] = []

    def progress(line: str) -> None:
        if line.startswith("planned"):
            right.execute("ALTER TABLE events RENAME TO events_gone")
        lines.append(line)

    try:
        result = dbdiff.run(checkfile(tmp_path, PASS), progress=progress, record=False)
    finally:
        right.execute("ALTER TABLE events_gone RENAME TO events")
    events = result.table("events")
    assert events.status == "error" and events.error and events.verdict.level == "fail"
    assert PASSWORD not in events.error
    assert result.exit_code == 3 and result.verdict.level == "fail"
    others = [t for t in result.tables if t.left_table != "events"]
    assert all(t.status != "error" for t in others)
    assert result.table("order_lines").summary.changed == 2
    assert any(line.endswith(f"events: error, verdict fail: {events.error}") for line in lines)


# --- a bad check file: one line, exit 2, before any data is read ---------------------------------

UNREACHABLE = "mysql://root@127.0.0.1:1/nowhere"  # a run that connected would exit 3, not 2


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("tables:\n  - name: orders\n    keys: [id]\n", "'keys'"),
        ("thresholds:\n  changed: {fail: lots}\ntables: ['*']\n", "'lots'"),
        ("left: {env: DBDIFF_T_UNSET_VARIABLE}\ntables: ['*']\n", "DBDIFF_T_UNSET_VARIABLE"),
    ],
    ids=["unknown-key", "threshold-not-a-number", "unset-env-var"],
)
def test_a_bad_check_file_is_one_line_and_exit_2_before_connecting(shop, tmp_path, body, says):
    path = tmp_path / "dbdiff.yaml"
    left = "" if body.startswith("left:") else f"left: {UNREACHABLE}\n"
    path.write_text(f"{left}right: {UNREACHABLE}\n{body}", encoding="utf-8")
    proc = dbdiff_run(shop, str(path), "--json", str(tmp_path / "run.json"))
    assert proc.returncode == 2, proc.stderr
    assert proc.stdout == ""
    (line,) = proc.stderr.splitlines()
    assert line.startswith("dbdiff: error: ") and says in line, line
    assert not (tmp_path / "run.json").exists() and not (tmp_path / "dbdiff.history.duckdb").exists()


def test_a_table_pattern_that_matches_nothing_is_exit_2_naming_it(shop, tmp_path):
    path = checkfile(tmp_path, "tables: [customers, 'ordr_*']\n")
    proc = dbdiff_run(shop, str(path))
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.splitlines()
    assert "ordr_*" in line and PASSWORD not in line


def test_a_table_that_cannot_be_planned_stops_the_run_before_any_row_is_read(shop, tmp_path):
    """Every table is planned first: a bad key on the last table stops the run before any table is
    read (no table's line on stderr, no report, no history), naming the table and the column."""
    body = "tables:\n  - name: '*'\n    exclude: [order_lines]\n  - name: order_lines\n    key: [order_no]\n"
    path = checkfile(tmp_path, body)
    verdict = tmp_path / "verdict.json"
    verdict.write_text('{"verdict": "pass", "exit_code": 0}')  # an earlier run's
    proc = dbdiff_run(shop, str(path), "--json", str(tmp_path / "run.json"), "--verdict-file", str(verdict))
    assert proc.returncode == 2, proc.stderr
    (line,) = proc.stderr.splitlines()
    assert "'order_lines'" in line and "order_no" in line, line
    assert not (tmp_path / "run.json").exists() and not (tmp_path / "dbdiff.history.duckdb").exists()
    # The verdict file no longer says the earlier run's pass.
    replaced = json.loads(verdict.read_text())
    assert replaced["verdict"] is None and replaced["exit_code"] == 2 and "order_no" in replaced["error"]


def test_a_missing_check_file_is_exit_2(tmp_path):
    proc = subprocess.run(
        [sys.executable, "-m", "dbdiff.cli", "run"], capture_output=True, text=True, cwd=tmp_path, timeout=120
    )
    assert proc.returncode == 2 and "dbdiff.yaml" in proc.stderr
    assert len(proc.stderr.splitlines()) == 1


def test_a_server_that_cannot_be_reached_is_exit_3_and_a_verdict_file_saying_so(shop, tmp_path):
    path = checkfile(tmp_path, "tables: ['*']\n")
    verdict = tmp_path / "verdict.json"
    gone = f"postgresql://postgres:{PASSWORD}@127.0.0.1:1/nowhere"
    proc = dbdiff_run(shop, str(path), "--verdict-file", str(verdict), env={"DBDIFF_T_RIGHT": gone})
    assert proc.returncode == 3, proc.stderr
    (line,) = proc.stderr.splitlines()
    assert line.startswith("dbdiff: error: ") and PASSWORD not in line
    written = json.loads(verdict.read_text())
    assert written["verdict"] is None and written["exit_code"] == 3 and PASSWORD not in written["error"]


# --- the whole workflow on a renamed database: dbdiff init writes the file, dbdiff run runs it ------


@pytest.fixture(scope="module")
def renamed():
    """test_renamed_servers' CamelCase MariaDB and snake_case PostgreSQL, in databases of our own."""
    from tests.integration.test_renamed_servers import MARIADB, POSTGRES

    left, right = MySQLServer(MYSQL_URL), PostgresServer(PG_URL)
    try:
        left.execute(*MARIADB)
        right.execute(*POSTGRES)
        yield left, right
    finally:
        left.drop()
        right.drop()


def test_init_then_run_pairs_renamed_tables_and_columns_with_no_hand_written_map(renamed, tmp_path):
    left, right = renamed
    path, out = tmp_path / "dbdiff.yaml", tmp_path / "run.json"
    made = subprocess.run(
        [sys.executable, "-m", "dbdiff.cli", "init", left.url, right.url, "--out", str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert made.returncode == 0, made.stderr
    assert "map:" not in "".join(
        line for line in path.read_text().splitlines() if not line.lstrip().startswith("#")
    )
    proc = subprocess.run(
        [sys.executable, "-m", "dbdiff.cli", "run", str(path), "--json", str(out), "-q"],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "DBDIFF_NO_PROGRESS": "1"},
    )
    assert proc.returncode == 1, proc.stderr  # the default thresholds tolerate nothing
    tables = {t["left_table"]: t for t in json.loads(out.read_text())["tables"]}
    assert tables["InvoiceLine"]["right_table"] == "invoice_line"
    assert tables["InvoiceLine"]["summary"]["changed"] == 1 and tables["InvoiceLine"]["verdict"] == "fail"
    (change,) = tables["InvoiceLine"]["samples"]["changed"]
    assert change["key"] == {"InvoiceLineId": 101} and set(change["diffs"]) == {"UnitPrice"}
    assert tables["Customer"]["status"] == "identical" and tables["Customer"]["summary"]["matched"] == 3
    assert {c.get("right_name") for c in tables["Customer"]["schema"]["columns"]} >= {"first_name", "e_mail"}


def test_a_team_history_in_postgresql_keeps_every_run_and_refuses_a_compared_database(
    shop, tmp_path, monkeypatch
):
    import dbdiff
    from dbdiff.errors import ConfigError

    monkeypatch.setenv("DBDIFF_T_LEFT", shop[2])
    monkeypatch.setenv("DBDIFF_T_RIGHT", shop[3])
    store = PostgresServer(PG_URL)
    try:
        path = checkfile(tmp_path, PASS + f"history: {store.url}\n")
        first, second = dbdiff.run(path), dbdiff.run(path)
        assert [h["run_id"] for h in second.history] == [first.options["run_id"], second.options["run_id"]]
        assert store.execute("SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()")[0][0] > 0
    finally:
        store.drop()
    # The compared PostgreSQL database itself is refused as the store, before any row is read.
    path = checkfile(tmp_path, PASS + f"history: {shop[1].url}\n", "same.yaml")
    with pytest.raises(ConfigError):
        dbdiff.run(path, progress=lambda line: pytest.fail(f"a row was read: {line}"))
