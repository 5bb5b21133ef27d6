"""Rechecks: after a diff of live data, read the differing keys again, later, and keep what persists.

While an application writes to both sides, a write that reached one side but not yet the other is
a difference for a moment. So once a diff is over, the keys it found differing are read again from
both sides (only those keys, `key IN (...)` in batches, never whole chunks), `delay` seconds
later, `rounds` times. A key that still differs at every recheck (with the same values or others,
as the same kind of difference or another) is `persistent`; one whose two sides agreed at some
recheck is `transient` (`agreed_at`: that round); one gone from both sides is `vanished`. Each
round reads only the keys still persistent, so a round costs what the live drift costs.

Each batch of keys is diffed by the same driver as the diff itself (`DiffRun` over a plan narrowed
to the batch's keys, one chunk whose two sides are read at once), into the run's store under a
prefix of its own. When the rounds are over, the table's stored differences are the last round's
(the persistent ones, as last read), and its summary, column counts and samples say the same; the
`recheck` block tells what became of the others. Nothing is written to a source.
"""

from __future__ import annotations

import dataclasses
import time
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from dbdiff.checks.base import BOTH, ROW_COUNT, ROW_COUNT_EQUAL
from dbdiff.engine.executor import Executor, in_turn
from dbdiff.engine.runner import DiffRun, with_timings
from dbdiff.engine.side import Side, sides_of
from dbdiff.engine.window import canonical_key, sorted_keys
from dbdiff.errors import ExtractionError, WhereRejected
from dbdiff.options import DiffOptions
from dbdiff.plan import ChunkTask, DiffPlan
from dbdiff.result import (
    ColumnStat,
    Samples,
    Summary,
    TableResult,
    Validation,
    ValidationFailure,
    table_status,
)
from dbdiff.sources.base import KeyRange, KeyValue, Source, key_set_predicate
from dbdiff.store import ResultStore
from dbdiff.timings import READ, RECHECK_WAIT, Timings
from dbdiff.values import encode_value

#: The most keys one recheck batch reads (in `IN` lists of 999): a few statements per side.
BATCH = 5_000

#: The kinds of difference a key can have, in the order reports list them.
KINDS = ("changed", "only_left", "only_right")

#: (kind, the side whose raw key the stored rows carry, the stored key columns' suffix)
_STORED = (("changed", "left", "_l"), ("only_left", "left", ""), ("only_right", "right", ""))


def recheck_rounds(options: DiffOptions, left: Source, right: Source) -> int:
    """How many rechecks a diff of these sources runs (`--recheck`, or 2 between two servers)."""
    return options.recheck_rounds((left.dialect, right.dialect))


def recheck_table(
    left: Source,
    right: Source,
    plan: DiffPlan,
    options: DiffOptions,
    store: ResultStore,
    table: TableResult,
    *,
    prefix: str,
    rounds: int,
    executor: Executor | None = None,
    sleep: Callable[[float], None] | None = None,
) -> TableResult:
    """`table` with its differences rechecked `rounds` times (unchanged when there is nothing to
    recheck: no rounds, no row difference, or a table in error). The delay before each round is
    `sleep`, by default the executor's `pause` (which ends when the run is stopped) or `time.sleep`."""
    if rounds < 1 or table.status == "error":
        return table
    s = table.summary
    if not (s.changed or s.only_left or s.only_right):
        return table
    started = time.perf_counter()
    delay = options.delay_seconds()
    sides = sides_of(plan, (left, right))
    found = _differing(store, prefix, plan, sides)
    shown = {key: shown for key, (_, shown) in found.items()}
    first_kind = {key: kind for key, (kind, _) in found.items()}
    persisting = dict(first_kind)
    agreed: dict[KeyValue, int] = {}
    vanished: set[KeyValue] = set()
    # Rechecks compare rows, nothing else: no schema, no aggregates (the diff checked them).
    reading = dataclasses.replace(options, schema=None, left_schema=None, right_schema=None, aggregate=())
    last: list[tuple[str, TableResult]] = []
    # What the rechecks read and spent, added to the diff's own (`stats`).
    timings = Timings()
    downloaded = dict(table.stats.get("rows_downloaded", {"left": 0, "right": 0}))
    for round_ in range(1, rounds + 1):
        with timings.timed(RECHECK_WAIT):
            (sleep or getattr(executor, "pause", None) or time.sleep)(delay)
        last = [
            (name, _run(DiffRun(left, right, narrowed, reading, store, store_prefix=name, executor=executor)))
            for name, narrowed in _batches(plan, sides, sorted_keys(persisting), f"{prefix}__rc{round_}")
        ]
        for _, result in last:
            timings.merge(Timings.from_dict(result.stats.get("timings")))
            for side, rows in result.stats.get("rows_downloaded", {}).items():
                downloaded[side] = downloaded.get(side, 0) + rows
        still = {}
        for name, _ in last:
            still.update({key: kind for key, (kind, _) in _differing(store, name, plan, sides).items()})
        gone = [key for key in persisting if key not in still]
        present, duplicated = _present(sides, gone, executor, timings)
        for key in gone:
            if key in duplicated:  # a side holds it twice now: a difference still (a duplicate key)
                still[key] = persisting[key]
            elif key in present:
                agreed[key] = round_
            else:
                vanished.add(key)
        persisting = {key: kind for key, kind in still.items() if key in persisting}
        if not persisting:
            break
    rechecked = _persistent_table(table, store, prefix, last if persisting else [], options.sample_limit)
    block = {
        "rounds": rounds,
        "delay_s": delay,
        "keys": len(found),
        "persistent": _counts(persisting.values()),
        "transient": _counts(first_kind[key] for key in agreed),
        "vanished": _counts(first_kind[key] for key in vanished),
        "samples": _samples(shown, first_kind, agreed, vanished, options.sample_limit),
    }
    paired_before = sum(kind == "changed" for kind in first_kind.values())
    summary = _rows_as_rechecked(rechecked.summary, paired_before, len(agreed))
    wall = float(table.stats.get("timings", {}).get("wall", 0.0)) + time.perf_counter() - started
    rechecked = with_timings(rechecked, timings, wall=wall)
    stats = {**rechecked.stats, "rows_downloaded": downloaded}
    return dataclasses.replace(rechecked, summary=summary, recheck=block, stats=stats)


def _rows_as_rechecked(s: Summary, paired_before: int, agreed: int) -> Summary:
    """`s` counting every row once again (rows == matched + one-sided + duplicated + NULL-keyed).

    A rechecked key's rows are counted as the last recheck read them, as its difference is: a
    changed row is no longer matched once it vanished or is one-sided, a one-sided row that both
    sides agreed on is matched now. The other rows stay as the diff read them."""
    matched = s.matched - paired_before + agreed + s.changed
    return dataclasses.replace(
        s,
        matched=matched,
        rows_left=matched + s.only_left + s.duplicate_key_rows_left + s.null_keys_left,
        rows_right=matched + s.only_right + s.duplicate_key_rows_right + s.null_keys_right,
    )


def _run(run: DiffRun) -> TableResult:
    try:
        return run.run()
    except WhereRejected as exc:
        raise _failed(exc, "a side") from None


def _failed(exc: WhereRejected, who: str) -> ExtractionError:
    """A recheck's query that failed, as the runtime failure it is (exit 3).

    Its condition is dbdiff's key list (and the --where the diff ran with already), so the
    source's refusal means the table changed under the run (a column renamed, a table dropped):
    not a --where to correct, as a `WhereRejected` would say."""
    return ExtractionError(f"{who} rejected a recheck's query (did the table change?): {exc.detail}")


def _differing(
    store: ResultStore, prefix: str, plan: DiffPlan, sides: Sequence[Side]
) -> dict[KeyValue, tuple[str, dict[str, Any]]]:
    """The keys a stored diff found differing: key -> (kind, the key as reports show it).

    Keys are the raw key values as read, made canonical per column (`canonical_bound`, as an
    incremental window does), so the same row's key is one value whichever side or round read it.
    """
    found: dict[KeyValue, tuple[str, dict[str, Any]]] = {}
    names = [p.name for p in plan.key]
    by_side = {side.name: side for side in sides}
    for kind, side, suffix in _STORED:
        table = f"{prefix}__{kind}"
        if not store.exists(table):
            continue
        columns = ", ".join(f"rk{i}{suffix}" for i in range(len(plan.key)))
        for batch in store.query_batches(f'SELECT {columns} FROM "{table}"', 10_000):
            rows = zip(*(batch.column(i).to_pylist() for i in range(batch.num_columns)), strict=True)
            for raw in rows:
                key = canonical_key(raw, by_side[side].key)
                found[key] = (kind, {n: encode_value(v) for n, v in zip(names, raw, strict=True)})
    return found


def _batches(
    plan: DiffPlan, sides: Sequence[Side], keys: Sequence[KeyValue], prefix: str
) -> Iterable[tuple[str, DiffPlan]]:
    """The plan narrowed to each batch of `keys`: one chunk, each side's condition its key list.

    A MySQL side's list holds only the keys it holds exactly as asked: under its collations
    `k IN ('a')` also selects the row 'A' (case-insensitive) and 'a' the row 'a ' (PAD SPACE), a
    row the diff matched already, which read alone would come back as a one-sided row that is no
    difference. (So such a side's keys are read first; PostgreSQL compares text exactly.)"""
    whole = (ChunkTask(0, KeyRange(), KeyRange()),)
    for b, start in enumerate(range(0, len(keys), BATCH)):
        batch = keys[start : start + BATCH]

        def exact(side: Side, batch: Sequence[KeyValue] = batch) -> Sequence[KeyValue]:
            if side.source.dialect != "mysql" or not any(c.collation for c in side.key):
                return batch
            held = _held(side, batch)
            return [key for key in batch if key in held]

        left, right = (_narrowed(side, exact(side)) for side in sides)
        # `window` set: a recheck reads keys, and rows with a NULL key have none to read.
        narrowed = dataclasses.replace(
            plan,
            where=left,
            right_where=right,
            chunks=whole,
            rows_left=0,
            rows_right=0,
            window={"recheck": True},
        )
        yield f"{prefix}_{b}", narrowed


def _narrowed(side: Side, keys: Sequence[KeyValue]) -> str:
    predicate = key_set_predicate(side.source.sql, side.key, keys)
    return f"({side.where}) AND {predicate}" if side.where else predicate


def _present(
    sides: Sequence[Side], keys: Sequence[KeyValue], executor: Executor | None, timings: Timings
) -> tuple[set[KeyValue], set[KeyValue]]:
    """Those of `keys` that either side holds now (a key neither holds has vanished), and those
    that a side holds more than once (a key duplicated since is no agreement: the round reported
    its rows as duplicates, not as a difference of the three kinds)."""
    if not keys:
        return set(), set()
    ordered = sorted_keys(keys)
    left, right = sides

    def held(side: Side) -> tuple[Counter[KeyValue], float]:
        started = time.perf_counter()
        return _held(side, ordered), time.perf_counter() - started

    both = in_turn if executor is None else executor.both
    (on_left, left_seconds), (on_right, right_seconds) = both(lambda: held(left), lambda: held(right))
    timings.add(READ["left"], left_seconds)  # key lookups: no rows of values are downloaded
    timings.add(READ["right"], right_seconds)
    twice = {key for counts in (on_left, on_right) for key, n in counts.items() if n > 1}
    return set(on_left) | set(on_right), twice


def _held(side: Side, keys: Sequence[KeyValue]) -> Counter[KeyValue]:
    """The keys of the rows that `side` selects for `keys` (each as often as it holds it)."""
    found: Counter[KeyValue] = Counter()
    for start in range(0, len(keys), BATCH):
        where = _narrowed(side, keys[start : start + BATCH])
        try:
            rows = side.source.keys_where(side.table, side.key, where)
        except WhereRejected as exc:
            raise _failed(exc, f"the {side.name} side ({side.source.dialect})") from None
        found.update(canonical_key(row, side.key) for row in rows)
    return found


def _persistent_table(
    table: TableResult,
    store: ResultStore,
    prefix: str,
    last: Sequence[tuple[str, TableResult]],
    limit: int,
) -> TableResult:
    """`table` counting, showing and storing only the differences of the last round (`last`)."""
    for kind in KINDS:
        name = f"{prefix}__{kind}"
        parts = [f'SELECT * FROM "{batch}__{kind}"' for batch, _ in last if store.exists(f"{batch}__{kind}")]
        if parts:
            store.create_as(name, " UNION ALL ".join(parts))
        elif store.exists(name):
            store.create_as(name, f'SELECT * FROM "{name}" LIMIT 0')
    results = [result for _, result in last]
    s = table.summary
    # Keys a side came to hold twice by the last round are duplicates now: counted as such.
    summary = dataclasses.replace(
        s,
        changed=sum(r.summary.changed for r in results),
        only_left=sum(r.summary.only_left for r in results),
        only_right=sum(r.summary.only_right for r in results),
        duplicate_keys_left=s.duplicate_keys_left + sum(r.summary.duplicate_keys_left for r in results),
        duplicate_keys_right=s.duplicate_keys_right + sum(r.summary.duplicate_keys_right for r in results),
        duplicate_key_rows_left=s.duplicate_key_rows_left
        + sum(r.summary.duplicate_key_rows_left for r in results),
        duplicate_key_rows_right=s.duplicate_key_rows_right
        + sum(r.summary.duplicate_key_rows_right for r in results),
    )
    columns = tuple(
        ColumnStat(
            c.name,
            sum(r.columns[j].mismatches for r in results),
            sum(r.columns[j].unreadable for r in results),
        )
        for j, c in enumerate(table.columns)
    )
    samples = Samples(
        only_left=_persistent(r.samples.only_left for r in results),
        only_right=_persistent(r.samples.only_right for r in results),
        changed=_persistent(r.samples.changed for r in results),
        duplicates=(*table.samples.duplicates, *[d for r in results for d in r.samples.duplicates][:limit]),
        null_keys=table.samples.null_keys,
    )
    samples = dataclasses.replace(
        samples,
        changed=samples.changed[:limit],
        only_left=samples.only_left[:limit],
        only_right=samples.only_right[:limit],
    )
    validation = _row_counts_judged_again(table.validation, summary)
    status = table_status(summary, table.schema) if validation.passed else "different"
    return dataclasses.replace(
        table, summary=summary, columns=columns, samples=samples, status=status, validation=validation
    )


def _row_counts_judged_again(validation: Validation, summary: Summary) -> Validation:
    """The row-count checks once the transient differences are out.

    While an application writes, the rows a side counted when the run was planned are not the
    rows it read later (`row_count`), nor do both sides hold as many rows at any instant
    (`row_count_equal`): those are the moving data the rechecks set aside. The sides' counts
    differ for good only by the persistent one-sided rows (and rows of duplicated or NULL keys), so
    `row_count_equal` is judged on those; `row_count` is not judged after rechecks."""
    failures = [f for f in validation.failures if f.check not in (ROW_COUNT, ROW_COUNT_EQUAL)]
    left = summary.only_left + summary.duplicate_key_rows_left + summary.null_keys_left
    right = summary.only_right + summary.duplicate_key_rows_right + summary.null_keys_right
    if left != right:
        example = {"key": {}, "value": {"only_left": left, "only_right": right}}
        failures.append(ValidationFailure(BOTH, None, ROW_COUNT_EQUAL, abs(left - right), (example,)))
    if len(failures) == len(validation.failures) and left == right:
        return validation
    return dataclasses.replace(validation, failures=tuple(failures), passed=not failures)


def _persistent(batches: Iterable[tuple[dict[str, Any], ...]]) -> tuple[dict[str, Any], ...]:
    """The samples of every batch (batches follow key order), each marked persistent."""
    return tuple({**sample, "state": "persistent"} for batch in batches for sample in batch)


def _counts(kinds: Iterable[str]) -> dict[str, int]:
    counts = dict.fromkeys(KINDS, 0)
    for kind in kinds:
        counts[kind] += 1
    return counts


def _samples(
    shown: dict[KeyValue, dict[str, Any]],
    kinds: dict[KeyValue, str],
    agreed: dict[KeyValue, int],
    vanished: set[KeyValue],
    limit: int,
) -> list[dict[str, Any]]:
    """The first `limit` transient and the first `limit` vanished keys, in key order."""
    samples: list[dict[str, Any]] = [
        {"key": shown[key], "kind": kinds[key], "state": "transient", "agreed_at": agreed[key]}
        for key in sorted_keys(agreed)[:limit]
    ]
    samples += [
        {"key": shown[key], "kind": kinds[key], "state": "vanished"} for key in sorted_keys(vanished)[:limit]
    ]
    return samples
