"""A run of many tables (`dbdiff run`) in the engine: one shared executor, every table planned
first, and the whole run end to end on embedded DuckDB files (no servers)."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time

import duckdb
import pyarrow as pa
import pytest

import dbdiff
from dbdiff.engine.executor import SharedExecutor, ThreadExecutor, at_once
from dbdiff.engine.tables import plan_tables
from dbdiff.errors import Interrupted, KeyColumnError
from dbdiff.options import DiffOptions
from dbdiff.sources.duckdb import ArrowSource


class Gauge:
    """How many tasks run at once, at most."""

    def __init__(self) -> None:
        self.now = self.most = 0
        self.lock = threading.Lock()

    def task(self, item: int) -> int:
        with self.lock:
            self.now += 1
            self.most = max(self.most, self.now)
        time.sleep(0.01)
        with self.lock:
            self.now -= 1
        return item


def test_tables_sharing_an_executor_read_at_most_workers_chunks_at_once():
    def tables(executor) -> tuple[int, list[list[int]]]:
        gauge = Gauge()
        runs = at_once(lambda n: sorted(executor.map(gauge.task, range(n))), [8, 8, 8], 3)
        return gauge.most, runs

    with SharedExecutor(2) as shared:
        most, runs = tables(shared)
    assert runs == [list(range(8))] * 3 and most == 2
    with ThreadExecutor(2) as own_pools:  # what the run must not do: a pool per table
        assert tables(own_pools)[0] > 2


def test_closing_a_shared_executor_ends_the_tables_reading_on_it():
    """Ctrl-C closes the run's executor: every table's driver must hear of it and end, also one
    whose chunks all wait in the queue (a chunk cancelled by a pool's shutdown never wakes the
    driver waiting on it, which then kept the process from exiting)."""
    executor = SharedExecutor(1)
    running = threading.Event()
    ended: dict[str, BaseException] = {}

    def chunk(item: int) -> int:
        running.set()
        time.sleep(0.2)
        return item

    def table(name: str) -> None:
        try:
            list(executor.map(chunk, range(100)))
        except Exception as exc:
            ended[name] = exc

    first = threading.Thread(target=table, args=("first",), daemon=True)
    first.start()
    assert running.wait(5)  # the one worker reads the first table's chunk
    second = threading.Thread(target=table, args=("second",), daemon=True)
    second.start()  # its chunk waits in the queue
    time.sleep(0.05)
    executor.close()
    for thread in (first, second):
        thread.join(5)
        assert not thread.is_alive()
    assert set(ended) == {"first", "second"}


@pytest.mark.parametrize("kind", [SharedExecutor, ThreadExecutor])
def test_closing_an_executor_ends_a_recheck_waiting_on_it(kind):
    """A table's recheck waits (5 s by default) on a run's thread: Ctrl-C closes the executor and
    the wait must end with it; the process waited for it (8 s after Ctrl-C, two tables)."""
    executor = kind(1)
    ended: list[BaseException] = []

    def recheck() -> None:
        try:
            executor.pause(60)
        except Interrupted as exc:
            ended.append(exc)

    waiting = threading.Thread(target=recheck, daemon=True)
    waiting.start()
    time.sleep(0.05)
    executor.close()
    waiting.join(10)
    assert not waiting.is_alive() and len(ended) == 1
    with pytest.raises(Interrupted):
        executor.pause(0)  # closed: no wait at all
    with kind(1) as open_one:
        open_one.pause(0.01)  # open: a plain wait


def test_ctrl_c_taken_by_another_thread_reaches_a_run_waiting_for_its_tables():
    """The system may give SIGINT to a library's thread: Python's flag is set, but a wait that has
    no end is not woken (`_thread.interrupt_main` does just that). The run waited for its tables
    to finish (8 s after Ctrl-C); it now hears of it within a fraction of a second."""
    import _thread

    release = threading.Event()
    started = time.perf_counter()
    try:
        with pytest.raises(KeyboardInterrupt):
            threading.Timer(0.2, _thread.interrupt_main).start()
            at_once(lambda seconds: release.wait(seconds), [20.0, 20.0], 2)
    finally:
        release.set()
    assert time.perf_counter() - started < 10, "heard only when the tables ended"


def test_a_table_that_asks_a_closed_run_for_chunks_hears_the_run_stopped(tmp_path):
    """Not the pool's "cannot schedule new futures after shutdown", as an internal error."""
    executor = SharedExecutor(1)
    executor.close()
    with pytest.raises(Interrupted, match="the run stopped"):
        list(executor.map(lambda n: n, range(3)))


@pytest.mark.parametrize("when", ["starting", "running"])
def test_an_interrupted_run_replaces_the_verdict_file(shop, monkeypatch, when):
    """A rollback script must never act on the verdict of an earlier run: Ctrl-C, however early,
    leaves one that says the run ended without a result."""
    from click.testing import CliRunner

    from dbdiff import cli, reconcile

    def interrupt(*args: object, **kwargs: object) -> None:
        raise KeyboardInterrupt

    where = (cli, "take_ctrl_c") if when == "starting" else (reconcile, "run_checkfile")
    monkeypatch.setattr(*where, interrupt)
    checkfile = write(shop, f"interrupted-{when}.yaml", "history: false\ntables: [orders]\n")
    path = shop / f"verdict-{when}.json"
    path.write_text(json.dumps({"verdict": "pass", "exit_code": 0}))
    args = ["run", str(checkfile), "--verdict-file", str(path), "--no-progress"]
    result = CliRunner().invoke(cli.cli, args)
    assert result.exit_code == 130, result.output
    assert "dbdiff: interrupted" in result.output
    assert json.loads(path.read_text()) == {
        "verdict": None,
        "exit_code": 130,
        "status": "error",
        "error": "interrupted",
    }


def test_at_once_keeps_the_items_order_and_its_bound():
    gauge = Gauge()
    assert at_once(gauge.task, list(range(10)), 3) == list(range(10))
    assert gauge.most == 3
    assert at_once(gauge.task, [5], 3) == [5]


def test_a_table_that_cannot_be_planned_is_an_error_naming_it():
    frame = pa.table({"id": [1, 2], "v": ["a", "b"]})
    source = ArrowSource({"a": frame, "b": frame}, primary_keys={"a": ["id"], "b": ["id"]})
    tables = [DiffOptions(table="a"), DiffOptions(table="b", key=["nope"])]
    with SharedExecutor(2) as executor, pytest.raises(KeyColumnError) as caught:
        plan_tables(source, source, tables, executor)
    assert caught.value.message.startswith("table 'b': key column 'nope'")
    with SharedExecutor(2) as executor:
        jobs = plan_tables(source, source, tables[:1], executor)
    assert [(j.name, j.prefix, j.plan is not None) for j in jobs] == [("a", "t0", True)]


@pytest.fixture(scope="module")
def shop(tmp_path_factory):
    """Two DuckDB files: orders differ in two rows, users agree, `extra` is on the right only."""
    directory = tmp_path_factory.mktemp("run")
    for name in ("left", "right"):
        con = duckdb.connect(str(directory / f"{name}.duckdb"))
        con.execute("CREATE TABLE orders (id INT PRIMARY KEY, amount DECIMAL(10,2), note VARCHAR)")
        con.execute("INSERT INTO orders SELECT i, i * 1.5, 'n' || i FROM range(50) t(i)")
        con.execute("CREATE TABLE users (uid VARCHAR PRIMARY KEY, name VARCHAR)")
        con.execute("INSERT INTO users VALUES ('a', 'A'), ('b', 'B')")
        if name == "right":
            con.execute("UPDATE orders SET note = 'x' WHERE id IN (3, 4)")
            con.execute("CREATE TABLE extra (id INT)")
        con.close()
    return directory


def write(directory, name: str, body: str):
    path = directory / name
    path.write_text(
        f"left: duckdb:///{directory}/left.duckdb\nright: duckdb:///{directory}/right.duckdb\n{body}"
    )
    return path


def test_a_run_of_embedded_files_from_python(shop):
    path = write(
        shop,
        "api.yaml",
        "thresholds: {changed: {warn: 0, fail: 5}, schema: {fail: 1}}\nhistory: false\ntables: ['*']\n",
    )
    lines: list[str] = []
    result = dbdiff.run(path, progress=lines.append)
    assert result.verdict.level == "warn" and result.exit_code == 0
    assert [t.left_table for t in result.tables] == ["orders", "users", "extra"]
    assert result.table("extra").only_on == "right" and result.table("users").verdict.level == "pass"
    assert sorted(result.changed("orders")["id"].to_list()) == [3, 4]
    assert result.history == ()
    assert lines[0].startswith("planned 2 table pairs and 1 on one side only")
    assert sorted(line.split("] ")[1].split(":")[0] for line in lines[1:3]) == ["orders", "users"]


def test_the_run_command_exits_by_the_verdict(shop):
    path = write(
        shop, "cli.yaml", "thresholds: {changed: {warn: 0, fail: 5}, schema: {fail: 1}}\ntables: ['*']\n"
    )

    def run(*args: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "dbdiff.cli", "run", str(path), "-q", *args],
            capture_output=True,
            text=True,
            timeout=120,
        )

    assert run().returncode == 0
    strict = run("--strict", "--verdict-file", str(shop / "verdict.json"), "--no-progress")
    assert strict.returncode == 1 and strict.stderr == ""
    verdict = json.loads((shop / "verdict.json").read_text())
    # The file says the code the process ends with: a rollback script must not read 0 for a 1.
    assert verdict["verdict"] == "warn" and verdict["exit_code"] == 1
    assert run("--no-history").returncode == 0


def test_a_table_on_one_side_only_is_judged_by_its_own_entry_not_a_pair_sharing_its_name(tmp_path):
    """The pair `users -> users_v2` tolerates schema differences; the right side's legacy `users`
    is a table on one side only and must take the file's strict thresholds, not that pair's (which
    shares its name on the other side)."""
    for name, tables in (("left", ["users"]), ("right", ["users", "users_v2"])):
        con = duckdb.connect(str(tmp_path / f"{name}.duckdb"))
        for table in tables:
            con.execute(f"CREATE TABLE {table} (uid VARCHAR PRIMARY KEY, name VARCHAR)")
            con.execute(f"INSERT INTO {table} VALUES ('a', 'A'), ('b', 'B')")
        con.close()
    pair = "{left: users, right: users_v2, thresholds: {schema: {fail: 9}}}"
    body = f"history: false\ntables:\n  - {pair}\n  - '*'\n"
    result = dbdiff.run(write(tmp_path, "shared.yaml", body))
    alone = [t for t in result.tables if t.only_on == "right"]
    assert [t.right_table for t in alone] == ["users"]
    assert alone[0].verdict.level == "fail" and result.verdict.level == "fail"
    assert result.table("users_v2").verdict.level == "pass"


def test_a_table_s_mask_hides_its_values_in_the_run_s_reports(shop):
    body = "history: false\ntables:\n  - name: orders\n    mask: [note]\n  - users\n"
    result = dbdiff.run(write(shop, "mask.yaml", body))
    shown = json.dumps([t.to_dict() for t in result.tables])
    assert '"n3"' not in shown and "masked:" in shown
    assert result.table("orders").samples.changed[0]["diffs"]["note"]["left"].startswith("masked:")


@pytest.mark.parametrize(
    ("body", "says"),
    [
        ("run: {memory_limit: lots}\ntables: ['*']\n", "lots"),
        ("tables:\n  - name: orders\n    mask: [nope]\n", "nope"),
    ],
    ids=["memory-limit", "mask-column"],
)
def test_a_run_that_cannot_start_is_a_usage_error_before_reading(shop, body, says):
    from dbdiff.errors import UsageError

    with pytest.raises(UsageError) as caught:
        dbdiff.run(write(shop, "bad.yaml", "history: false\n" + body), progress=pytest.fail)
    assert says in str(caught.value)


def test_run_is_part_of_the_package_face():
    assert "run" in dbdiff.__all__ and dbdiff.run.__module__ == "dbdiff.api"
