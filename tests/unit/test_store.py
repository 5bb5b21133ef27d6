"""The result store on its own: what it removes, and when."""

from __future__ import annotations

import os
import pickle

import polars as pl

from dbdiff.store import ResultStore, release_all


def test_only_its_own_directory_goes_even_after_a_chdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "mine").write_text("x")
    store = ResultStore("w")  # relative, as a user may pass it
    store.append("t", pl.DataFrame({"a": [1, 2]}))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    (elsewhere / "other").write_text("y")
    monkeypatch.chdir(elsewhere)
    store.close()
    assert sorted(os.listdir(tmp_path / "w")) == ["mine"]
    assert sorted(os.listdir(elsewhere)) == ["other"]


def test_release_all_removes_every_live_store_s_directory_at_once(tmp_path):
    """A forced exit after Ctrl-C runs no finalizer: it releases the stores first."""
    stores = [ResultStore(tmp_path) for _ in range(2)]
    stores[0].append("t", pl.DataFrame({"a": [1, 2]}))
    assert len(os.listdir(tmp_path)) == 2
    release_all()
    assert os.listdir(tmp_path) == []


def test_a_copy_reads_after_the_original_is_gone(tmp_path):
    store = ResultStore(tmp_path)
    store.append("t", pl.DataFrame({"a": [1, 2]}))
    copy = pickle.loads(pickle.dumps(store))
    store.close()
    assert copy.count("t") == 2
    copy.close()
    assert os.listdir(tmp_path) == []


def test_a_column_delivered_as_text_in_one_chunk_and_natively_in_another_is_kept_as_text(tmp_path):
    """A MySQL DATETIME chunk holding a zero date is read as text, its neighbours natively."""
    import datetime as dt

    import polars as pl

    from dbdiff.store import ResultStore

    store = ResultStore(tmp_path)
    store.append("t__x", pl.DataFrame({"k": [1], "r": [dt.datetime(2024, 1, 8, 12, 0, 0, 500000)]}))
    store.append("t__x", pl.DataFrame({"k": [2], "r": ["0000-00-00 00:00:00"]}))
    store.append("t__x", pl.DataFrame({"k": [3], "r": [dt.datetime(2024, 1, 9)]}))
    rows = store.read("t", "x", order_by=["k"]).rows()
    assert rows == [(1, "2024-01-08 12:00:00.5"), (2, "0000-00-00 00:00:00"), (3, "2024-01-09 00:00:00")]
    store.close()


def test_appends_are_written_in_batches_and_every_read_sees_them_all(tmp_path, monkeypatch):
    """Small appends wait in memory and go to DuckDB in one INSERT (a batch of rows, a change of
    schema, a read or the seal writes them): whatever the moment, a read counts every row."""
    import datetime as dt

    import dbdiff.store as store_module

    monkeypatch.setattr(store_module, "_BATCH_ROWS", 5)
    inserts = []
    store = ResultStore(tmp_path)
    write = store._write
    monkeypatch.setattr(store, "_write", lambda name: (inserts.append(name), write(name)))
    for k in range(4):
        store.append("t__a", pl.DataFrame({"k": [k], "r": [dt.datetime(2024, 1, 1 + k)]}))
    assert inserts == [] and store.exists("t__a") and store.has("t", "a")
    assert store.count("t__a") == 4  # a read writes what is pending first
    assert inserts == ["t__a"]
    for k in range(4, 10):  # the 5th pending row writes the batch (k 4 to 8), k 9 waits
        store.append("t__a", pl.DataFrame({"k": [k], "r": [dt.datetime(2024, 1, 1 + k)]}))
    assert inserts == ["t__a"] * 2
    # Another schema writes what waits: k 9, then the text row alone.
    store.append("t__a", pl.DataFrame({"k": [10], "r": ["0000-00-00 00:00:00"]}))
    store.append("t__a", pl.DataFrame({"k": [11], "r": [dt.datetime(2024, 1, 12)]}))
    assert inserts == ["t__a"] * 4
    store.append("t__b", pl.DataFrame({"k": [1]}))
    copy = pickle.loads(pickle.dumps(store))  # a copy seals the store: everything is written
    store.close()
    rows = copy.read("t", "a", order_by=["k"]).rows()
    assert [r[0] for r in rows] == list(range(12))
    assert rows[10] == (10, "0000-00-00 00:00:00") and rows[11] == (11, "2024-01-12 00:00:00")
    assert copy.count("t__b") == 1
    copy.close()
