"""What a run keeps between chunks holds only its own rows, never a chunk's buffers, and what
its chunks freed goes back to the system.

Polars rows filtered, sorted or sliced out of a frame share its string buffers, so the few sample
rows the engine keeps per chunk used to keep every chunk's text alive until the end of the run:
peak memory grew with the table (4 GB at 10M rows). These tests look at the Arrow buffers of what
is kept, not at the process's memory.
"""

from __future__ import annotations

import os

import polars as pl
import pytest

from dbdiff.engine import build_plan, runner
from dbdiff.engine.memory import release_free_memory
from dbdiff.engine.runner import DiffRun
from dbdiff.options import DiffOptions
from dbdiff.samples import first_by_key
from dbdiff.sources.duckdb import ArrowSource
from dbdiff.store import ResultStore

ROWS, CHUNK = 4_000, 1_000
TEXT = 300  # characters per value: far beyond what a string view stores inline


def _buffer_bytes(frame: pl.DataFrame) -> int:
    """Bytes of every buffer the frame holds on to (views exported as they are, without a copy)."""
    return int(frame.to_arrow(compat_level=pl.CompatLevel.newest()).get_total_buffer_size())


def _tables() -> tuple[pl.DataFrame, pl.DataFrame]:
    ids = list(range(1, ROWS + 1))
    left = pl.DataFrame({"id": ids, "note": [f"{i:06d}" + "x" * TEXT for i in ids]})
    # One row changed in every chunk, and on the left one key doubled in every chunk.
    right = left.with_columns(
        pl.when(pl.col("id") % CHUNK == 5).then(pl.col("note") + "!").otherwise(pl.col("note")).alias("note")
    )
    doubled = left.filter(pl.col("id") % CHUNK == 9)
    return pl.concat([left, doubled]), right


def _run(workers: int) -> DiffRun:
    left, right = _tables()
    options = DiffOptions(table="t", key=["id"], chunk_size=CHUNK, workers=workers)
    lsrc, rsrc = ArrowSource({"t": left}), ArrowSource({"t": right})
    plan = build_plan(lsrc, rsrc, options)
    run = DiffRun(lsrc, rsrc, plan, options, ResultStore())
    result = run.run()
    assert result.summary.changed == ROWS // CHUNK
    assert result.summary.duplicate_keys_left == ROWS // CHUNK
    assert len(plan.chunks) >= ROWS // CHUNK
    return run


def test_samples_kept_from_chunks_hold_only_their_own_rows():
    run = _run(workers=2)
    kept = run.totals.changed_samples + [frame for _, frame in run.totals.duplicate_samples]
    assert kept and sum(frame.height for frame in kept) == 2 * ROWS // CHUNK
    # A kept row's text is a few copies of one value (raw and normalized, both sides); one
    # chunk's text alone is CHUNK times that.
    one_chunk = CHUNK * TEXT
    for frame in kept:
        assert _buffer_bytes(frame) < 20 * TEXT * frame.height < one_chunk, frame


def test_first_by_key_copies_the_rows_it_keeps():
    run = _run(workers=1)
    chunk = pl.DataFrame({"k0": list(range(CHUNK)), "s": ["y" * TEXT] * CHUNK})
    head = first_by_key(chunk.filter(pl.col("k0") % 100 == 3), run.plan, 3)
    assert head.get_column("k0").to_list() == [3, 103, 203]
    assert head.get_column("s").to_list() == ["y" * TEXT] * 3
    assert _buffer_bytes(head) < 10 * TEXT
    assert first_by_key(chunk.clear(), run.plan, 3).height == 0


def test_samples_of_many_chunks_are_folded_into_the_first_rows():
    ids = list(range(1, 2_001))
    left = pl.DataFrame({"id": ids, "v": [f"value {i}" for i in ids]})
    # Three changed rows in each of 100 chunks, in reverse key order within each chunk.
    right = left.with_columns(
        pl.when(pl.col("id") % 20 < 3).then(pl.col("v") + "!").otherwise(pl.col("v")).alias("v")
    )
    options = DiffOptions(table="t", key=["id"], chunk_size=20, workers=2, sample_limit=7)
    lsrc, rsrc = ArrowSource({"t": left}), ArrowSource({"t": right})
    plan = build_plan(lsrc, rsrc, options)
    run = DiffRun(lsrc, rsrc, plan, options, ResultStore())
    result = run.run()
    assert len(plan.chunks) >= 100
    assert result.summary.changed == 300
    assert len(run.totals.changed_samples) <= 33
    changed = sorted(i for i in ids if i % 20 < 3)
    assert [s["key"]["id"] for s in result.samples.changed] == changed[:7]


def _rss_mib() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * 4096 >> 20


def _glibc() -> bool:
    try:
        return bool(os.confstr("CS_GNU_LIBC_VERSION"))
    except (AttributeError, ValueError, OSError):
        return False


@pytest.mark.skipif(not _glibc(), reason="malloc_trim is glibc's")
def test_free_memory_glibc_holds_goes_back_to_the_system():
    """Blocks freed between blocks still in use: glibc keeps their pages (the arena's top is not
    free) until it is asked to give them back."""
    kept, freed = [], []
    for i in range(200_000):
        (kept if i % 10 == 0 else freed).append(bytearray(1_500))  # past pymalloc: glibc's
    freed.clear()
    before = _rss_mib()
    assert release_free_memory()
    assert _rss_mib() < before - 100, "about 250 MB freed in runs of pages"
    assert len(kept) == 20_000


def test_the_driver_releases_free_memory_every_few_chunks_merged(monkeypatch):
    calls = []
    monkeypatch.setattr(runner, "release_free_memory", lambda: calls.append(1) or True)
    monkeypatch.setattr(runner, "RELEASE_EVERY", 2)
    run = _run(workers=2)
    assert len(calls) == len(run.plan.chunks) // 2 > 0
