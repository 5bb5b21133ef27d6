"""Timings, rows downloaded, mode and executor of runs against the real servers, through the API and
the command line (`--timings`). No assertion compares one phase's seconds with another's."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

import dbdiff
from dbdiff.result import load_result
from dbdiff.timings import PHASES, WALL

pytestmark = pytest.mark.servers

KEYS = [*PHASES, WALL]
ROWS = 40


@pytest.fixture(scope="module")
def tables(mysql, pg):
    """tm_same: equal on both sides; tm_diff: 2 changed, 1 only left, 1 only right."""
    for server in (mysql, pg):
        server.execute(
            "CREATE TABLE tm_same (id INT PRIMARY KEY, v VARCHAR(20))",
            "CREATE TABLE tm_diff (id INT PRIMARY KEY, v VARCHAR(20))",
        )
        rows = [(i, f"v{i}") for i in range(1, ROWS + 1)]
        server.executemany("INSERT INTO tm_same VALUES (%s, %s)", rows)
        server.executemany("INSERT INTO tm_diff VALUES (%s, %s)", rows)
    mysql.execute("UPDATE tm_diff SET v = 'changed' WHERE id IN (3, 17)", "DELETE FROM tm_diff WHERE id = 40")
    pg.execute("DELETE FROM tm_diff WHERE id = 5")
    return mysql, pg


def _phases(timings) -> None:
    assert list(timings) == KEYS, timings
    assert all(s >= 0 for s in timings.values()), timings


def test_a_diff_of_two_servers_times_every_phase_and_downloads_every_row_once(tables):
    mysql, pg = tables
    result = dbdiff.diff(mysql.url, pg.url, table="tm_same", chunk_size=7, workers=2)
    _phases(result.timings)
    stats = result.table().stats
    _phases(stats["timings"])
    for phase in ("read_left", "read_right", "plan"):
        assert stats["timings"][phase] > 0, stats["timings"]
    assert result.timings["wall"] > 0
    assert stats["rows_downloaded"] == {"left": ROWS, "right": ROWS}
    assert (stats["mode"], stats["executor"]) == ("full", "threads")


def test_without_rechecks_the_rows_downloaded_are_the_rows_each_side_holds(tables):
    mysql, pg = tables
    t = dbdiff.diff(mysql.url, pg.url, table="tm_diff", chunk_size=9, recheck=0).table()
    assert t.recheck is None
    assert t.stats["rows_downloaded"] == {"left": ROWS - 1, "right": ROWS - 1}
    assert (t.summary.rows_left, t.summary.rows_right) == (ROWS - 1, ROWS - 1)


def test_rechecks_add_the_rows_they_read_again(tables):
    mysql, pg = tables
    t = dbdiff.diff(mysql.url, pg.url, table="tm_diff", chunk_size=9, recheck=2, recheck_delay=0).table()
    assert t.recheck["persistent"] == {"changed": 2, "only_left": 1, "only_right": 1}, t.recheck
    # Each round reads the 4 differing keys again: the left holds 3 of them (2 changed, 1 only
    # left), the right 3 (2 changed, 1 only right).
    assert t.stats["rows_downloaded"] == {"left": ROWS - 1 + 2 * 3, "right": ROWS - 1 + 2 * 3}
    _phases(t.stats["timings"])
    assert t.stats["timings"]["recheck_wait"] < 0.5  # no delay asked for


def test_the_recheck_wait_is_a_phase_of_its_own(tables):
    """Two rounds 0.4 s apart: the run waited at least 0.8 s, in `recheck_wait`, not in a read."""
    mysql, pg = tables
    result = dbdiff.diff(mysql.url, pg.url, table="tm_diff", chunk_size=9, recheck=2, recheck_delay=0.4)
    timings = result.table().stats["timings"]
    assert 0.8 <= timings["recheck_wait"] < timings["wall"], timings
    assert result.timings["recheck_wait"] == timings["recheck_wait"]
    without = dbdiff.diff(mysql.url, pg.url, table="tm_diff", chunk_size=9, recheck=0).timings
    assert without["recheck_wait"] == 0.0


def _cli(*args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dbdiff.cli", *args],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "DBDIFF_NO_PROGRESS": "1", **(env or {})},
    )


def _timings_lines(stderr: str) -> dict[str, float]:
    lines = stderr[stderr.index("Timings") :].splitlines()[1:]
    return {line.rsplit(None, 1)[0].strip(): float(line.rsplit(None, 1)[1]) for line in lines if line.strip()}


def test_diff_timings_prints_every_phase_on_stderr_after_the_report(tables, tmp_path: Path):
    mysql, pg = tables
    out = tmp_path / "r.json"
    proc = _cli(
        "diff", mysql.url, pg.url, "--table", "tm_diff", "--recheck", "0", "--timings", "--json", str(out)
    )
    assert proc.returncode == 1, proc.stderr
    assert "Timings" not in proc.stdout and "tm_diff" in proc.stdout
    shown = _timings_lines(proc.stderr)
    assert list(shown) == [p.replace("_", " ") for p in PHASES] + ["wall"], proc.stderr
    assert shown["read left"] > 0 and shown["wall"] > 0
    saved = load_result(out)
    _phases(saved.timings)
    assert saved.table().stats["rows_downloaded"] == {"left": ROWS - 1, "right": ROWS - 1}
    # What the terminal shows counts writing the JSON file and the stdout view too: never less.
    assert shown["wall"] >= saved.timings["wall"] and shown["report"] >= saved.timings["report"]


def test_without_timings_nothing_is_printed_and_json_on_stdout_stays_json(tables):
    mysql, pg = tables
    plain = _cli("diff", mysql.url, pg.url, "--table", "tm_same")
    assert plain.returncode == 0 and "Timings" not in plain.stderr + plain.stdout
    as_json = _cli("diff", mysql.url, pg.url, "--table", "tm_same", "--format", "json", "--timings")
    assert as_json.returncode == 0, as_json.stderr
    assert list(json.loads(as_json.stdout)["timings"]) == KEYS
    assert "Timings" in as_json.stderr


def test_validate_and_run_take_timings_too(tables, tmp_path: Path):
    mysql, pg = tables
    checked = _cli("validate", pg.url, "--table", "tm_same", "--timings", "-q")
    assert checked.returncode == 0, checked.stderr
    assert _timings_lines(checked.stderr)["read left"] > 0
    path = tmp_path / "dbdiff.yaml"
    path.write_text(
        "left: {env: DBDIFF_T_LEFT}\nright: {env: DBDIFF_T_RIGHT}\n"
        "defaults: {recheck: 0}\ntables:\n  - name: tm_same\n  - name: tm_diff\n",
        encoding="utf-8",
    )
    out = tmp_path / "run.json"
    env = {"DBDIFF_T_LEFT": mysql.url, "DBDIFF_T_RIGHT": pg.url}
    ran = _cli("run", str(path), "--no-history", "--timings", "--json", str(out), env=env)
    assert ran.returncode in (0, 1), ran.stderr
    assert list(_timings_lines(ran.stderr)) == [p.replace("_", " ") for p in PHASES] + ["wall"]
    saved = load_result(out)
    _phases(saved.timings)
    for table in saved.tables:
        _phases(table.stats["timings"])
        assert table.stats["timings"]["plan"] > 0
    assert {t.left_table: t.stats["rows_downloaded"] for t in saved.tables} == {
        "tm_same": {"left": ROWS, "right": ROWS},
        "tm_diff": {"left": ROWS - 1, "right": ROWS - 1},
    }
    # The run's phases add up its tables'.
    assert saved.timings["read_left"] == pytest.approx(
        sum(t.stats["timings"]["read_left"] for t in saved.tables), abs=0.002
    )
