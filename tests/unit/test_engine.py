"""The engine on in-memory Arrow sources: planning, chunking, comparison, residual pass, samples."""

from __future__ import annotations

import polars as pl
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import dbdiff
from dbdiff.errors import ColumnError, KeyColumnError
from dbdiff.sources.duckdb import ArrowSource


def source(frame: pl.DataFrame, key: tuple[str, ...] | None = ("id",), name: str = "t") -> ArrowSource:
    return ArrowSource({name: frame}, primary_keys={name: list(key)} if key else None)


def run(left: pl.DataFrame, right: pl.DataFrame, **kwargs) -> dbdiff.DiffResult:
    kwargs.setdefault("table", "t")
    key = kwargs.pop("pk", ("id",))
    return dbdiff.diff(source(left, key), source(right, key), **kwargs)


BASE = pl.DataFrame(
    {
        "id": list(range(1, 11)),
        "name": [f"n{i}" for i in range(1, 11)],
        "amount": [float(i) / 4 for i in range(1, 11)],
        "note": [None, "a", "b", None, "c", "d", "e", "f", None, "g"],
    }
)


def test_identical_tables():
    result = run(BASE, BASE, chunk_size=3)
    table = result.table()
    assert result.status == "identical" and result.exit_code == 0
    assert table.summary.matched == 10 and table.summary.rows_left == 10
    assert table.stats["chunks"] == 4


def test_planted_differences_are_found_exactly():
    right = BASE.filter(pl.col("id") != 3).with_columns(
        pl.when(pl.col("id") == 5).then(pl.lit("CHANGED")).otherwise(pl.col("name")).alias("name"),
        pl.when(pl.col("id") == 9).then(pl.lit("now set")).otherwise(pl.col("note")).alias("note"),
    )
    right = pl.concat([right, pl.DataFrame({"id": [42], "name": ["x"], "amount": [1.0], "note": [None]})])
    result = run(BASE, right, chunk_size=4)
    table = result.table()
    assert result.status == "different" and result.exit_code == 1
    assert table.summary.to_dict() == {
        "rows_left": 10,
        "rows_right": 10,
        "matched": 9,
        "only_left": 1,
        "only_right": 1,
        "changed": 2,
        "duplicate_keys_left": 0,
        "duplicate_keys_right": 0,
        "null_keys_left": 0,
        "null_keys_right": 0,
        "duplicate_key_rows_left": 0,
        "duplicate_key_rows_right": 0,
    }
    assert {c.name: c.mismatches for c in table.columns} == {"name": 1, "amount": 0, "note": 1}
    assert table.samples.changed == (
        {"key": {"id": 5}, "diffs": {"name": {"left": "n5", "right": "CHANGED"}}},
        {"key": {"id": 9}, "diffs": {"note": {"left": None, "right": "now set"}}},
    )
    assert table.samples.only_left[0]["key"] == {"id": 3}
    assert table.samples.only_left[0]["row"] == {"id": 3, "name": "n3", "amount": 0.75, "note": "b"}
    assert table.samples.only_right[0]["key"] == {"id": 42}


def test_null_equals_only_null():
    left = pl.DataFrame({"id": [1, 2, 3], "s": [None, "", None], "f": [None, 0.0, float("nan")]})
    right = pl.DataFrame({"id": [1, 2, 3], "s": ["", None, None], "f": [0.0, None, float("nan")]})
    table = run(left, right).table()
    assert {c.name: c.mismatches for c in table.columns} == {"s": 2, "f": 2}


def test_duplicate_keys_are_reported_and_never_paired():
    left = pl.DataFrame({"id": [1, 2, 2, 3], "v": ["a", "b", "b2", "c"]})
    right = pl.DataFrame({"id": [1, 2, 3, 3, 3], "v": ["a", "b", "c", "c", "c"]})
    table = run(left, right, pk=None, key="id", chunk_size=2).table()
    s = table.summary
    assert (s.duplicate_keys_left, s.duplicate_keys_right) == (1, 1)
    assert s.matched == 1 and s.only_left == 0 and s.only_right == 0 and s.changed == 0
    assert sorted((d["side"], d["key"]["id"], d["count"]) for d in table.samples.duplicates) == [
        ("left", 2, 2),
        ("right", 3, 3),
    ]


def test_null_keys_are_counted_and_sampled():
    left = pl.DataFrame({"id": [1, None, None], "v": ["a", "b", "c"]})
    right = pl.DataFrame({"id": [1], "v": ["a"]})
    table = run(left, right, pk=None, key="id").table()
    assert table.summary.null_keys_left == 2
    assert table.status == "different"
    assert sorted(s["row"]["v"] for s in table.samples.null_keys) == ["b", "c"]


def test_composite_and_string_keys():
    left = pl.DataFrame({"a": ["x", "x", "y", "B"], "b": [1, 2, 1, 1], "v": [1, 2, 3, 4]})
    right = pl.DataFrame({"a": ["x", "x", "y", "b"], "b": [1, 2, 1, 1], "v": [1, 20, 3, 4]})
    table = run(left, right, pk=("a", "b"), chunk_size=1).table()
    assert table.key == ("a", "b")
    assert table.summary.changed == 1 and table.summary.only_left == 1 and table.summary.only_right == 1
    assert table.samples.only_left[0]["key"] == {"a": "B", "b": 1}


def test_column_selection_exclusion_and_one_sided_columns():
    right = BASE.drop("note").with_columns(pl.lit(1).alias("extra"))
    table = run(BASE, right).table()
    assert table.schema.only_left == ("note",) and table.schema.only_right == ("extra",)
    assert table.status == "different"  # a column on one side only is a schema difference
    table = run(BASE, right, exclude=["note", "extra"]).table()
    assert table.status == "identical"
    table = run(BASE, right, columns=["name"]).table()
    assert [c.name for c in table.columns] == ["name"]
    with pytest.raises(ColumnError, match="nope"):
        run(BASE, right, columns=["nope"])
    with pytest.raises(ColumnError, match="cannot exclude key"):
        run(BASE, BASE, exclude=["id"])


def test_where_and_right_table():
    left = ArrowSource({"orders": BASE}, primary_keys={"orders": ["id"]})
    right = ArrowSource({"orders_copy": BASE.filter(pl.col("id") <= 5)}, primary_keys={"orders_copy": ["id"]})
    result = dbdiff.diff(left, right, table="orders", right_table="orders_copy", where="id <= 5")
    assert result.status == "identical"
    assert result.table().right_table == "orders_copy"


def test_no_key_is_a_usage_error():
    with pytest.raises(KeyColumnError, match="--key"):
        dbdiff.diff(source(BASE, None), source(BASE, None), table="t")
    with pytest.raises(KeyColumnError, match="does not exist"):
        dbdiff.diff(source(BASE), source(BASE), table="t", key="missing")


def test_drill_down_returns_every_row_and_samples_are_capped():
    right = BASE.with_columns(pl.col("amount") + 1)
    result = run(BASE, right, sample_limit=3, chunk_size=2)
    assert len(result.table().samples.changed) == 3
    changed = result.changed()
    assert changed.height == 10
    assert changed.columns == [
        "id",
        "differs",
        "name_left",
        "name_right",
        "amount_left",
        "amount_right",
        "note_left",
        "note_right",
    ]
    assert changed["differs"].to_list() == [["amount"]] * 10
    stats = result.column_stats()
    assert stats.filter(pl.col("column") == "amount")["mismatches"].item() == 10


def test_json_round_trip():
    right = BASE.filter(pl.col("id") > 1)
    result = run(BASE, right)
    again = dbdiff.DiffResult.from_dict(result.to_dict())
    assert again.to_dict() == result.to_dict()
    with pytest.warns(dbdiff.SamplesOnlyWarning):
        assert again.only_left().height == 1  # from the samples once the store is gone


# --- properties ------------------------------------------------------------------------------

_values = st.one_of(st.none(), st.integers(-5, 5))
_rows = st.dictionaries(
    st.integers(0, 60), st.tuples(_values, st.one_of(st.none(), st.sampled_from("abcAB "))), max_size=40
)


def _frame(rows: dict[int, tuple]) -> pl.DataFrame:
    ids = sorted(rows)
    return pl.DataFrame(
        {"id": ids, "n": [rows[i][0] for i in ids], "s": [rows[i][1] for i in ids]},
        schema={"id": pl.Int64, "n": pl.Int64, "s": pl.String},
    )


_settings = settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@_settings
@given(rows=_rows, chunk=st.integers(1, 50), workers=st.integers(1, 3))
def test_diff_of_a_table_with_itself_is_identical(rows, chunk, workers):
    frame = _frame(rows)
    result = run(frame, frame, chunk_size=chunk, workers=workers)
    assert result.status == "identical"
    assert result.table().summary.matched == frame.height


@_settings
@given(left=_rows, right=_rows, chunk=st.integers(1, 50))
def test_swapping_sides_swaps_only_left_and_only_right(left, right, chunk):
    a, b = _frame(left), _frame(right)
    forward = run(a, b, chunk_size=chunk).table().summary
    backward = run(b, a, chunk_size=chunk).table().summary
    assert (forward.only_left, forward.only_right) == (backward.only_right, backward.only_left)
    assert forward.changed == backward.changed and forward.matched == backward.matched


@_settings
@given(left=_rows, right=_rows)
def test_results_do_not_depend_on_chunk_size_or_workers(left, right):
    a, b = _frame(left), _frame(right)
    outcomes = {
        repr((t.summary.to_dict(), [c.to_dict() for c in t.columns], t.samples.to_dict()))
        for t in (run(a, b, chunk_size=c, workers=w).table() for c, w in ((1, 1), (7, 2), (1000, 3)))
    }
    assert len(outcomes) == 1


@_settings
@given(left=_rows, right=_rows)
def test_planted_changes_are_found_exactly(left, right):
    a, b = _frame(left), _frame(right)
    table = run(a, b, chunk_size=5).table()
    only_left = set(left) - set(right)
    only_right = set(right) - set(left)
    changed = {k for k in set(left) & set(right) if left[k] != right[k]}
    assert table.summary.only_left == len(only_left)
    assert table.summary.only_right == len(only_right)
    assert table.summary.changed == len(changed)
    result_changed = run(a, b, chunk_size=5)
    assert set(result_changed.changed()["id"].to_list()) == changed
    assert set(result_changed.only_left()["id"].to_list()) == only_left


@pytest.mark.parametrize("chunk", [1, 2, 100])
def test_a_lenient_key_rule_pairs_and_finds_duplicates_across_chunks(chunk):
    # ignore_case makes 'A' and 'a' one key; they sort far apart, into different chunks.
    left = pl.DataFrame({"k": ["A", "B", "C", "a", "b", "d"], "v": [1, 2, 3, 4, 5, 6]})
    right = pl.DataFrame({"k": ["a", "b", "c", "D"], "v": [1, 2, 3, 6]})
    result = dbdiff.diff(
        source(left, ("k",)),
        source(right, ("k",)),
        table="t",
        chunk_size=chunk,
        column_rules={"k": ("text", {"ignore_case": True})},
    )
    s = result.table().summary
    assert (s.duplicate_keys_left, s.duplicate_keys_right) == (2, 0)  # A/a and B/b
    assert (s.matched, s.changed, s.only_left, s.only_right) == (2, 0, 0, 0)  # C~c and d~D pair up
    dups = sorted((d["key"]["k"], d["count"]) for d in result.table().samples.duplicates)
    assert dups == [("A", 2), ("B", 2)]
    assert (s.duplicate_key_rows_left, s.duplicate_key_rows_right) == (4, 2)  # A a B b; a b
    assert s.rows_left == s.matched + s.only_left + s.duplicate_key_rows_left + s.null_keys_left


_keys = st.lists(st.one_of(st.none(), st.integers(0, 8)), max_size=16)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(left=_keys, right=_keys)
def test_counts_reconcile_with_duplicate_and_null_keys(left, right):
    def frame(ids: list[int | None]) -> pl.DataFrame:
        return pl.DataFrame(
            {"id": ids, "v": [i % 3 if i is not None else 0 for i in ids]},
            schema={"id": pl.Int64, "v": pl.Int64},
        )

    a, b = frame(left), frame(right)
    outcomes = set()
    for chunk, workers in ((2, 1), (5, 2), (1000, 1)):
        s = run(a, b, pk=None, key="id", chunk_size=chunk, workers=workers).table().summary
        assert s.rows_left == len(left) and s.rows_right == len(right)
        assert s.rows_left == s.matched + s.only_left + s.duplicate_key_rows_left + s.null_keys_left
        assert s.rows_right == s.matched + s.only_right + s.duplicate_key_rows_right + s.null_keys_right
        outcomes.add(repr(s.to_dict()))
    assert len(outcomes) == 1
    dup = {k for ids in (left, right) for k in ids if k is not None and ids.count(k) > 1}
    assert s.duplicate_key_rows_left == sum(1 for k in left if k in dup)
    assert s.duplicate_key_rows_right == sum(1 for k in right if k in dup)


def test_chunks_are_read_workers_at_a_time_but_normalized_and_compared_cores_at_a_time(monkeypatch):
    """`--workers` bounds the chunks in flight; the CPU work (normalizing, comparing) takes one of
    the machine's slots, so no more of it runs at once than the slots allow, whatever the workers."""
    import threading
    import time

    from dbdiff.engine import tasks

    monkeypatch.setattr(tasks, "_CPU_SLOTS", threading.BoundedSemaphore(2))
    running, most, lock = [0], [0], threading.Lock()

    def counted(fn):
        def wrapper(*args, **kwargs):
            with lock:
                running[0] += 1
                most[0] = max(most[0], running[0])
            try:
                time.sleep(0.01)  # long enough for the other workers to arrive
                return fn(*args, **kwargs)
            finally:
                with lock:
                    running[0] -= 1

        return wrapper

    monkeypatch.setattr(tasks, "prepare_side", counted(tasks.prepare_side))
    monkeypatch.setattr(tasks, "_compare", counted(tasks._compare))
    left = pl.DataFrame({"id": list(range(400)), "v": [i % 7 for i in range(400)]})
    right = left.with_columns(pl.when(pl.col("id") % 50 == 0).then(-1).otherwise(pl.col("v")).alias("v"))
    result = dbdiff.diff(source(left), source(right), table="t", chunk_size=20, workers=8)
    assert result.table().summary.changed == 8
    assert most[0] == 2  # the slots were all taken, never more


def test_each_side_reads_no_more_chunks_at_once_than_the_machine_has_cores(monkeypatch):
    """`--workers` chunks are in flight, but each side reads at most min(workers, cores) of them at
    once, so the others are normalized and compared meanwhile instead of all reading together."""
    import threading
    import time

    from dbdiff.engine import executor, side

    reading = {"left": 0, "right": 0}
    most = {"left": 0, "right": 0}
    lock = threading.Lock()
    read = side.Side.read

    def counted(self, key_range, retries):
        with lock:
            reading[self.name] += 1
            most[self.name] = max(most[self.name], reading[self.name])
        try:
            time.sleep(0.03)  # long enough for the other workers to arrive
            return read(self, key_range, retries)
        finally:
            with lock:
                reading[self.name] -= 1

    monkeypatch.setattr(side.Side, "read", counted)
    left = pl.DataFrame({"id": list(range(400)), "v": [i % 7 for i in range(400)]})
    right = left.with_columns(pl.when(pl.col("id") % 50 == 0).then(-1).otherwise(pl.col("v")).alias("v"))
    for cores, workers, expected in ((2, 8, 2), (3, 2, 2), (4, 1, 1)):
        monkeypatch.setattr(executor, "CORES", cores)
        most.update(left=0, right=0)
        result = dbdiff.diff(source(left), source(right), table="t", chunk_size=20, workers=workers)
        assert result.table().summary.changed == 8
        assert most == {"left": expected, "right": expected}, (cores, workers)
