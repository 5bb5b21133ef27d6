"""Rechecks on in-memory sources: the data changes between rounds (the `sleep` of each round is
where the test moves it), and every difference is classed persistent, transient or vanished."""

from __future__ import annotations

import dataclasses

import polars as pl
import pyarrow as pa
import pytest

import dbdiff
from dbdiff.engine.assemble import TableStore
from dbdiff.engine.planning import build_plan
from dbdiff.engine.recheck import recheck_table
from dbdiff.engine.runner import DiffRun
from dbdiff.errors import UsageError
from dbdiff.options import DiffOptions
from dbdiff.result import DiffResult
from dbdiff.sources.duckdb import ArrowSource
from dbdiff.store import ResultStore


class Moving(ArrowSource):
    """An in-memory table whose rows can be replaced while it is open (the writes of a live app)."""

    def write(self, rows: dict) -> None:
        self._con.register("dbdiff_arrow_0", pa.table(rows))


def table(ids: list[int], values: list[str]) -> dict:
    return {"id": ids, "v": values}


def recheck(left: Moving, right: Moving, moves: list, rounds: int, **options):
    """Diff, then recheck `rounds` times, applying `moves[i]` (a function) before round i+1."""
    opts = DiffOptions(table="t", chunk_size=2, sample_limit=10, recheck_delay=0, **options)
    plan = build_plan(left, right, opts)
    store = ResultStore()
    first = DiffRun(left, right, plan, opts, store).run()
    pending = iter(moves)

    def sleep(seconds: float) -> None:
        assert seconds == 0
        move = next(pending, None)
        if move is not None:
            move()

    result = recheck_table(left, right, plan, opts, store, first, prefix="t0", rounds=rounds, sleep=sleep)
    store.seal()
    return first, DiffResult(
        left=left.info(),
        right=right.info(),
        tables=(result,),
        started_at="",
        duration_s=0,
        dbdiff_version="",
        _store=TableStore(store, {"t": ("t0", plan)}),
    )


def sources(left_rows: dict, right_rows: dict) -> tuple[Moving, Moving]:
    keys = {"t": ["id"]}
    return Moving({"t": pa.table(left_rows)}, keys), Moving({"t": pa.table(right_rows)}, keys)


def test_each_difference_is_persistent_transient_or_vanished():
    # id 2: changed, fixed at round 1 (transient); id 3: changed, another value later, never
    # fixed (persistent, as last read); id 4: only left, deleted on the left at round 2
    # (vanished); id 5: only right, inserted on the left at round 2 (transient); id 6: changed,
    # then deleted on the right (persistent, as only left).
    left, right = sources(
        table([1, 2, 3, 4, 6], ["a", "b", "c", "d", "f"]), table([1, 2, 3, 5, 6], ["a", "B", "C", "e", "F"])
    )
    moves = [
        lambda: right.write(table([1, 2, 3, 5, 6], ["a", "b", "CC", "e", "F"])),
        lambda: (
            left.write(table([1, 2, 3, 5, 6], ["a", "b", "c", "e", "f"])),
            right.write(table([1, 2, 3, 5], ["a", "b", "CCC", "e"])),
        ),
    ]
    first, result = recheck(left, right, moves, rounds=2)
    assert (first.summary.changed, first.summary.only_left, first.summary.only_right) == (3, 1, 1)
    t = result.table()
    assert t.recheck is not None
    block = dict(t.recheck)
    assert (block["rounds"], block["delay_s"], block["keys"]) == (2, 0.0, 5)
    assert block["persistent"] == {"changed": 1, "only_left": 1, "only_right": 0}
    assert block["transient"] == {"changed": 1, "only_left": 0, "only_right": 1}
    assert block["vanished"] == {"changed": 0, "only_left": 1, "only_right": 0}
    assert block["samples"] == [
        {"key": {"id": 2}, "kind": "changed", "state": "transient", "agreed_at": 1},
        {"key": {"id": 5}, "kind": "only_right", "state": "transient", "agreed_at": 2},
        {"key": {"id": 4}, "kind": "only_left", "state": "vanished"},
    ]
    # Counts, columns, samples and the stored rows: the persistent differences as last read.
    s = t.summary
    assert (s.changed, s.only_left, s.only_right) == (1, 1, 0)
    assert t.status == "different" and result.exit_code == 1
    assert [c.mismatches for c in t.columns] == [1]
    (changed,) = t.samples.changed
    assert changed["key"] == {"id": 3} and changed["state"] == "persistent"
    assert changed["diffs"] == {"v": {"left": "c", "right": "CCC"}}
    assert [x["key"] for x in t.samples.only_left] == [{"id": 6}]
    assert result.changed().rows() == [(3, ["v"], "c", "CCC")]
    assert result.only_left().rows() == [(6, "f")]
    assert result.only_right().height == 0
    assert result.changed(raw=True).get_column("v_right").to_list() == ["CCC"]
    assert json_of(result)["tables"][0]["recheck"] == block


def json_of(result: DiffResult) -> dict:
    import json

    return json.loads(result.to_json())


def test_differences_all_fixed_leave_the_table_identical_and_stop_the_rounds():
    left, right = sources(table([1, 2, 3], ["a", "b", "c"]), table([1, 2], ["a", "X"]))
    fixes = [lambda: right.write(table([1, 2, 3], ["a", "b", "c"]))]
    reads: list[str] = []
    original = right.read_chunk

    def counted(*args, **kwargs):
        reads.append("read")
        return original(*args, **kwargs)

    right.read_chunk = counted  # type: ignore[method-assign]
    _, result = recheck(left, right, fixes, rounds=3)
    t = result.table()
    assert t.status == "identical" and result.exit_code == 0
    assert t.recheck is not None and t.recheck["transient"] == {"changed": 1, "only_left": 1, "only_right": 0}
    assert (t.summary.changed, t.summary.only_left, t.summary.only_right) == (0, 0, 0)
    assert t.samples.changed == () and t.samples.only_left == ()
    assert result.changed().height == 0 and result.only_left().height == 0
    # The diff's 2 chunks, then ONE recheck read (nothing persisted after round 1).
    assert reads.count("read") == 3


def test_a_static_difference_is_persistent_and_a_clean_diff_is_not_rechecked():
    left, right = sources(table([1, 2], ["a", "b"]), table([1, 2], ["a", "B"]))
    _, result = recheck(left, right, [], rounds=2)
    t = result.table()
    assert t.recheck is not None and t.recheck["persistent"]["changed"] == 1
    assert t.summary.changed == 1 and t.samples.changed[0]["state"] == "persistent"
    same, _ = sources(table([1], ["a"]), table([1], ["a"]))
    first, clean = recheck(same, Moving({"t": pa.table(table([1], ["a"]))}, {"t": ["id"]}), [], rounds=2)
    assert clean.table().recheck is None and clean.table() == first


def test_a_composite_key_and_a_where_are_rechecked_by_their_own_keys():
    rows_l = {"a": [1, 1, 2, 9], "b": ["x", "y", "x", "z"], "v": [1, 2, 3, 4]}
    rows_r = {"a": [1, 1, 2, 9], "b": ["x", "y", "x", "z"], "v": [1, 20, 30, 40]}
    keys = {"t": ["a", "b"]}
    left, right = Moving({"t": pa.table(rows_l)}, keys), Moving({"t": pa.table(rows_r)}, keys)
    fix = [lambda: right.write({"a": [1, 1, 2, 9], "b": ["x", "y", "x", "z"], "v": [1, 2, 30, 40]})]
    _, result = recheck(left, right, fix, rounds=1, where="a < 9")
    t = result.table()
    assert t.recheck is not None and t.recheck["keys"] == 2
    assert [s["key"] for s in t.recheck["samples"]] == [{"a": 1, "b": "y"}]
    assert result.changed().select("a", "b").rows() == [(2, "x")]


def test_the_api_rechecks_only_when_asked_for_files_and_shows_the_options_then():
    left = ArrowSource({"t": pl.DataFrame({"id": [1], "v": ["a"]})}, {"t": ["id"]})
    right = ArrowSource({"t": pl.DataFrame({"id": [1], "v": ["b"]})}, {"t": ["id"]})
    plain = dbdiff.diff(left, right, table="t")
    assert plain.table().recheck is None and "recheck" not in plain.options
    asked = dbdiff.diff(left, right, table="t", recheck=1, recheck_delay=0)
    assert asked.table().recheck is not None and asked.table().recheck["persistent"]["changed"] == 1
    assert (asked.options["recheck"], asked.options["recheck_delay"]) == (1, 0.0)


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"recheck": -1}, "--recheck must not be negative, not -1"),
        ({"recheck_delay": "soon"}, "--recheck-delay is a number of seconds (0 or more), not 'soon'"),
        ({"recheck_delay": -2}, "--recheck-delay is a number of seconds (0 or more), not -2"),
    ],
)
def test_bad_recheck_options_are_one_clear_error(options, message):
    with pytest.raises(UsageError) as caught:
        DiffOptions(table="t", **options)
    assert str(caught.value) == message


def test_servers_are_rechecked_by_default_and_files_are_not(monkeypatch):
    monkeypatch.delenv("DBDIFF_RECHECK")
    opts = DiffOptions(table="t")
    assert opts.recheck_rounds(("mysql", "postgresql")) == 2
    assert opts.recheck_rounds(("mysql", "duckdb")) == 0
    assert dataclasses.replace(opts, recheck=0).recheck_rounds(("mysql", "mysql")) == 0
    monkeypatch.setenv("DBDIFF_RECHECK", "3")
    assert DiffOptions(table="t").recheck_rounds(("mysql", "postgresql")) == 3
    assert DiffOptions(table="t", recheck=1).recheck_rounds(("mysql", "postgresql")) == 1
    monkeypatch.setenv("DBDIFF_RECHECK", "often")
    with pytest.raises(
        UsageError, match=r"^DBDIFF_RECHECK is a number of rechecks \(0 or more\), not 'often'$"
    ):
        DiffOptions(table="t")


def test_a_check_file_run_rechecks_its_tables_when_asked(tmp_path):
    import duckdb

    for name in ("left", "right"):
        con = duckdb.connect(str(tmp_path / f"{name}.duckdb"))
        con.execute("CREATE TABLE orders (id INT PRIMARY KEY, note VARCHAR)")
        con.execute("INSERT INTO orders SELECT i, 'n' || i FROM range(20) t(i)")
        if name == "right":
            con.execute("UPDATE orders SET note = 'x' WHERE id IN (3, 4)")
        con.close()
    path = tmp_path / "live.yaml"
    path.write_text(
        f"left: duckdb:///{tmp_path}/left.duckdb\nright: duckdb:///{tmp_path}/right.duckdb\n"
        "history: false\ndefaults: {recheck: 1, recheck_delay: 0, chunk_size: 5}\ntables: [orders]\n"
    )
    result = dbdiff.run(path)
    t = result.table("orders")
    assert t.recheck is not None and (t.recheck["rounds"], t.recheck["keys"]) == (1, 2)
    assert t.recheck["persistent"]["changed"] == 2 and t.summary.changed == 2
    assert sorted(result.changed("orders")["id"].to_list()) == [3, 4]
    assert result.exit_code == 1


def test_a_masked_key_is_hidden_in_the_recheck_samples_too():
    from dbdiff.mask import mask_result

    left, right = sources(table([1, 2], ["a", "b"]), table([1, 2], ["a", "X"]))
    _, result = recheck(left, right, [lambda: right.write(table([1, 2], ["a", "b"]))], rounds=1)
    (transient,) = result.table().recheck["samples"]
    assert transient["key"] == {"id": 2}
    masked = mask_result(result, ["id"]).table().recheck
    assert masked["samples"][0]["key"]["id"].startswith("masked:")
    assert masked["transient"] == {"changed": 1, "only_left": 0, "only_right": 0}


@pytest.mark.parametrize(
    ("flags", "message"),
    [
        (["--recheck-delay", "soon"], "--recheck-delay is a number of seconds (0 or more), not 'soon'"),
        (["--recheck", "-2"], "--recheck must not be negative, not -2"),
    ],
)
def test_bad_recheck_flags_exit_2_with_one_line(tmp_path, flags, message):
    from click.testing import CliRunner

    from dbdiff.cli import cli

    for name in ("l", "r"):
        pl.DataFrame({"id": [1], "v": ["a"]}).write_parquet(tmp_path / f"{name}.parquet")
    args = ["diff", str(tmp_path / "l.parquet"), str(tmp_path / "r.parquet"), "-t", "t", "-k", "id", *flags]
    outcome = CliRunner().invoke(cli, args)
    assert outcome.exit_code == 2 and outcome.output == f"dbdiff: error: {message}\n"


def test_the_cli_rechecks_when_asked_and_the_json_says_so(tmp_path):
    import json

    from click.testing import CliRunner

    from dbdiff.cli import cli

    pl.DataFrame({"id": [1, 2], "v": ["a", "b"]}).write_parquet(tmp_path / "l.parquet")
    pl.DataFrame({"id": [1, 2], "v": ["a", "c"]}).write_parquet(tmp_path / "r.parquet")
    out = tmp_path / "r.json"
    args = ["diff", str(tmp_path / "l.parquet"), str(tmp_path / "r.parquet"), "-t", "t", "-k", "id"]
    outcome = CliRunner().invoke(
        cli, [*args, "--recheck", "1", "--recheck-delay", "0", "--json", str(out), "-q"]
    )
    assert outcome.exit_code == 1, outcome.output
    table = json.loads(out.read_text())["tables"][0]
    assert table["recheck"]["persistent"] == {"changed": 1, "only_left": 0, "only_right": 0}
    assert table["samples"]["changed"][0]["state"] == "persistent"
    outcome = CliRunner().invoke(cli, [*args, "--json", str(out), "-q"])
    assert "recheck" not in json.loads(out.read_text())["tables"][0]
