"""The result store behind `DiffResult`: the user's workdir, pickling, and results without a store."""

from __future__ import annotations

import copy
import gc
import pickle
import subprocess
import sys

import pytest

import dbdiff
from dbdiff.result import SamplesOnlyWarning, load_result

pytestmark = pytest.mark.servers


@pytest.fixture
def table(mysql, pg, unique_name):
    """Ten rows; the odd ids differ in `v`, id 10 only on the left, id 11 only on the right."""
    t = unique_name("store")
    mysql.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, v INT, note VARCHAR(10))")
    pg.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, v INT, note TEXT)")
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s, %s)", [(i, i, "same") for i in (*range(10), 10)])
    pg.executemany(f"INSERT INTO {t} VALUES (%s, %s, %s)", [(i, i + i % 2, "same") for i in (*range(10), 11)])
    return t


def _diff(mysql, pg, t, **kwargs) -> dbdiff.DiffResult:
    return dbdiff.diff(mysql.url, pg.url, table=t, **kwargs)


def test_workdir_is_never_removed_and_can_be_shared(mysql, pg, table, tmp_path):
    workdir = tmp_path / "work"
    workdir.mkdir()
    (workdir / "mine.txt").write_text("the user's file")
    first = _diff(mysql, pg, table, workdir=str(workdir))
    second = _diff(mysql, pg, table, workdir=str(workdir))  # a second live result in the same workdir
    assert first.changed().height == second.changed().height == 5
    ours = [p for p in workdir.iterdir() if p.name != "mine.txt"]
    assert len(ours) == 2 and all(p.name.startswith("dbdiff-") for p in ours)
    del first
    gc.collect()
    assert second.only_left().height == 1
    del second
    gc.collect()
    assert sorted(p.name for p in workdir.iterdir()) == ["mine.txt"]  # only what dbdiff made is gone
    assert (workdir / "mine.txt").read_text() == "the user's file"


def test_a_result_pickles_and_deep_copies_with_its_rows(mysql, pg, table, tmp_path):
    result = _diff(mysql, pg, table, sample_limit=2)
    copied = copy.deepcopy(result)
    assert copied == result and copied.full_rows
    assert copied.changed().equals(result.changed())
    again = pickle.loads(pickle.dumps(result))
    assert again.changed().height == 5 and again.only_right()["id"].to_list() == [11]
    # Another process reads the same store while this one holds it.
    path = tmp_path / "r.pickle"
    path.write_bytes(pickle.dumps(result))
    code = "import pickle, sys; r = pickle.loads(open(sys.argv[1], 'rb').read()); print(r.changed().height)"
    out = subprocess.run([sys.executable, "-c", code, str(path)], check=True, capture_output=True, text=True)
    assert out.stdout.strip() == "5"


def test_a_result_made_in_a_worker_process_keeps_its_rows(mysql, pg, table, tmp_path):
    """As with a process pool: the worker's result is gone before the parent loads the pickle."""
    path = tmp_path / "r.pickle"
    code = (
        "import dbdiff, pickle, sys; "
        f"r = dbdiff.diff({mysql.url!r}, {pg.url!r}, table={table!r}, sample_limit=1, "
        "workdir=sys.argv[2]); open(sys.argv[1], 'wb').write(pickle.dumps(r))"
    )
    workdir = tmp_path / "work"
    workdir.mkdir()
    (workdir / "keep.txt").write_text("x")
    subprocess.run([sys.executable, "-c", code, str(path), str(workdir)], check=True)
    assert (workdir / "keep.txt").exists()  # the worker's exit removed nothing of the user's
    result = pickle.loads(path.read_bytes())
    assert result.full_rows
    assert result.changed().height == 5
    del result
    gc.collect()
    assert [p.name for p in workdir.iterdir()] == ["keep.txt"]  # the last holder removed the store


def test_a_loaded_result_says_its_frames_are_only_samples(mysql, pg, table, tmp_path):
    fresh = _diff(mysql, pg, table, sample_limit=2)
    assert fresh.full_rows
    assert fresh.changed().height == 5
    assert not getattr(fresh.changed(), "dbdiff_samples_only", False)
    fresh.write_json(tmp_path / "r.json")
    loaded = load_result(tmp_path / "r.json")
    assert not loaded.full_rows
    with pytest.warns(SamplesOnlyWarning, match=r"only the 2 sampled rows of 5"):
        frame = loaded.changed()
    assert frame.height == 2 and frame.dbdiff_samples_only is True
    with pytest.warns(SamplesOnlyWarning):
        loaded.only_left()
