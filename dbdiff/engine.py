"""The engine: plans a diff, runs its chunks in a bounded pool, then the residual pass, and merges.

Memory stays bounded: at most `workers` chunks are in flight, each holding one chunk of each
side; every differing row goes to the DuckDB result store on disk, and only counts and capped
samples stay in memory.
"""

from __future__ import annotations

import concurrent.futures as cf
import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from dbdiff._version import __version__
from dbdiff.checks import CheckSuite
from dbdiff.compare import (
    SUFFIX,
    changed_frame,
    changed_samples,
    drop_keys,
    duplicate_samples,
    evaluate,
    first_by_key,
    join_sides,
    key_names,
    keys_may_merge,
    lossy_rows,
    null_key_samples,
    one_side_frame,
    prepare_side,
    residual_columns,
    row_samples,
    split_duplicates,
    user_frame,
    utc_zones,
)
from dbdiff.errors import ConnectionFailure, ExtractionError, WhereRejected
from dbdiff.normalize import get_normalizer
from dbdiff.options import DiffOptions
from dbdiff.plan import (
    ChunkTask,
    DiffPlan,
    boundaries_shareable,
    canonical_bounds,
    choose_key,
    pair_columns,
    plan_chunks,
)
from dbdiff.presentation import key_order_sql, present, present_keys
from dbdiff.progress import NoProgress, Progress
from dbdiff.result import (
    ColumnPair,
    ColumnStat,
    DiffResult,
    Samples,
    SchemaComparison,
    Summary,
    TableResult,
    table_status,
)
from dbdiff.rules import RuleSet, load_rules
from dbdiff.sources.base import KeyRange, Source
from dbdiff.store import ResultStore
from dbdiff.values import bound_samples, changed_names, encode_value, frame_rows

log = logging.getLogger("dbdiff")

# How many per-chunk sample frames a run keeps before it folds them into the first rows.
_FOLD_AT = 32


def build_plan(left: Source, right: Source, options: DiffOptions, rules: RuleSet | None = None) -> DiffPlan:
    """Introspect both sides, pair columns, choose rules and the key, and cut the key ranges."""
    right_table = options.right_table or options.table
    right_where = options.right_where if options.right_where is not None else options.where
    with cf.ThreadPoolExecutor(2, thread_name_prefix="dbdiff-plan") as pool:
        lf = pool.submit(left.introspect, options.table)
        rf = pool.submit(right.introspect, right_table)
        left_schema, right_schema = lf.result(), rf.result()
    if rules is None:
        rules = load_rules(options.rules, left_dialect=left.dialect, right_dialect=right.dialect)
    key = choose_key(left_schema, right_schema, options.key)
    key_plans, compared, only_left, only_right = pair_columns(
        left_schema,
        right_schema,
        key=key,
        rules=rules,
        left_dialect=left.dialect,
        right_dialect=right.dialect,
        columns=options.columns,
        exclude=options.exclude,
        overrides=options.overrides,
    )
    left_key = [k.left for k in key_plans]
    right_key = [k.right for k in key_plans]
    with cf.ThreadPoolExecutor(2, thread_name_prefix="dbdiff-plan") as pool:
        lc = pool.submit(left.count_rows, options.table, options.where)
        rc = pool.submit(right.count_rows, right_table, right_where)
        lb = pool.submit(left.key_boundaries, options.table, left_key, options.chunk_size, options.where)
        rb = pool.submit(right.key_boundaries, right_table, right_key, options.chunk_size, right_where)
        right_option = "--right-where" if options.right_where is not None else "--where"
        rows_left = _side_result(lc, "left", left, "--where")
        rows_right = _side_result(rc, "right", right, right_option)
        left_bounds = canonical_bounds(_side_result(lb, "left", left, "--where"), left_key)
        right_bounds = canonical_bounds(_side_result(rb, "right", right, right_option), right_key)
    shared = boundaries_shareable(key_plans)
    chunks = plan_chunks(left_bounds, right_bounds, shared=shared)
    return DiffPlan(
        left_table=options.table,
        right_table=right_table,
        key=key_plans,
        columns=compared,
        only_left=only_left,
        only_right=only_right,
        chunks=chunks,
        rows_left=rows_left,
        rows_right=rows_right,
        shared_boundaries=shared,
        where=options.where,
        right_where=right_where,
    )


def _side_result(future: cf.Future[Any], side: str, source: Source, option: str) -> Any:
    """The future's result; a rejected condition says which side rejected it, and which option."""
    try:
        return future.result()
    except WhereRejected as exc:
        raise exc.for_side(side, source.dialect, option) from None


@dataclass
class _Totals:
    """Running totals merged from chunk outcomes (under a lock)."""

    rows_left: int = 0
    rows_right: int = 0
    matched: int = 0
    changed: int = 0
    mismatches: list[int] = field(default_factory=list)
    unreadable: list[int] = field(default_factory=list)
    duplicate_keys: dict[str, int] = field(default_factory=lambda: {"left": 0, "right": 0})
    # Rows whose key is duplicated on either side: set aside, never paired (see Summary).
    duplicate_key_rows: dict[str, int] = field(default_factory=lambda: {"left": 0, "right": 0})
    changed_samples: list[pl.DataFrame] = field(default_factory=list)
    duplicate_samples: list[tuple[str, pl.DataFrame]] = field(default_factory=list)
    # (side, column index) -> [count, message, first rows by key]
    lossy: dict[tuple[str, int], list[Any]] = field(default_factory=dict)


class DiffRun:
    """One table pair's diff: owns the plan, the pool, the store and the totals."""

    def __init__(
        self,
        left: Source,
        right: Source,
        plan: DiffPlan,
        options: DiffOptions,
        store: ResultStore,
        progress: Progress | None = None,
        store_prefix: str = "t0",
    ) -> None:
        self.left = left
        self.right = right
        self.plan = plan
        self.options = options
        self.store = store
        self.progress = progress or NoProgress()
        self.totals = _Totals(mismatches=[0] * len(plan.columns), unreadable=[0] * len(plan.columns))
        self._lock = threading.Lock()
        self._name = store_prefix
        self._global = keys_may_merge(plan)
        self._lossy_columns = [
            j for j, p in enumerate(plan.columns) if get_normalizer(p.choice.normalizer).lossy is not None
        ]
        self._read_seconds = {"left": 0.0, "right": 0.0}
        self.checks = CheckSuite(
            plan,
            schemas=options.schemas(),
            aggregate=options.aggregate,
            sample_limit=options.sample_limit,
            prefix=store_prefix,
        )

    # --- reading ---

    def _read(self, side: str, key_range: KeyRange) -> pl.DataFrame:
        source = self.left if side == "left" else self.right
        table = self.plan.left_table if side == "left" else self.plan.right_table
        where = self.plan.where if side == "left" else self.plan.right_where
        columns = [p.left if side == "left" else p.right for p in self.plan.all_pairs]
        key = [p.left if side == "left" else p.right for p in self.plan.key]
        attempt = 0
        while True:
            started = time.perf_counter()
            try:
                arrow = source.read_chunk(table, columns, key, key_range, where)
                break
            except (ConnectionFailure, ExtractionError) as exc:
                attempt += 1
                if attempt > self.options.retries or not getattr(exc, "retryable", True):
                    raise
                # A server that is gone fails the run now, not after another pool timeout.
                source.ping()
                log.warning("reading a chunk of the %s side failed (%s); retry %d", side, exc, attempt)
                time.sleep(min(2.0**attempt * 0.25, 5.0))
        with self._lock:
            self._read_seconds[side] += time.perf_counter() - started
        return prepare_side(arrow, self.plan, side, unreadable=True)

    # --- one chunk ---

    def run_chunk(self, task: ChunkTask, io_pool: cf.ThreadPoolExecutor) -> None:
        right_future = io_pool.submit(self._read, "right", task.right)
        left = self._read("left", task.left)
        right = right_future.result()
        left_unique, left_dups = split_duplicates(left, self.plan, "left")
        right_unique, right_dups = split_duplicates(right, self.plan, "right")
        left_checks = self.checks.feed("left", left, left_dups)
        right_checks = self.checks.feed("right", right, right_dups)
        with self._lock:  # chunks run on the pool's threads: one absorbs at a time
            self.checks.absorb(left_checks, self.store)
            self.checks.absorb(right_checks, self.store)
        self._note_lossy("left", left)
        self._note_lossy("right", right)
        if self._global:
            # Equal normalized keys may sit in other chunks: pair every row in the residual pass.
            for side, frame in (("left", left), ("right", right)):
                self.store.append(
                    f"{self._name}__residual_{side}", frame.select(residual_columns(self.plan, side))
                )
            with self._lock:
                self.totals.rows_left += left.height
                self.totals.rows_right += right.height
            return
        # A key duplicated on either side is reported, never paired: take it out of both.
        left_unique = drop_keys(left_unique, right_dups, self.plan)
        right_unique = drop_keys(right_unique, left_dups, self.plan)
        outcome = evaluate(join_sides(left_unique, right_unique, self.plan), self.plan)
        name = self._name
        self.store.append(f"{name}__residual_left", outcome.only_left)
        self.store.append(f"{name}__residual_right", outcome.only_right)
        for side, dups in (("left", left_dups), ("right", right_dups)):
            self.store.append(f"{name}__dupkeys_{side}", dups.select(key_names(self.plan)))
        if outcome.changed.height:
            self.store.append(f"{name}__changed", changed_frame(outcome.changed, self.plan))
        limit = self.options.sample_limit
        with self._lock:
            t = self.totals
            t.rows_left += left.height
            t.rows_right += right.height
            t.matched += outcome.matched
            t.changed += outcome.changed.height
            t.duplicate_key_rows["left"] += left.height - left_unique.height
            t.duplicate_key_rows["right"] += right.height - right_unique.height
            t.mismatches = [a + b for a, b in zip(t.mismatches, outcome.mismatches, strict=True)]
            t.unreadable = [a + b for a, b in zip(t.unreadable, outcome.unreadable, strict=True)]
            if outcome.changed.height and limit:
                t.changed_samples.append(first_by_key(outcome.changed, self.plan, limit))
                self._fold(t.changed_samples)
            for side, dups in (("left", left_dups), ("right", right_dups)):
                t.duplicate_keys[side] += dups.height
                if dups.height and limit:
                    t.duplicate_samples.append((side, first_by_key(dups, self.plan, limit)))

    def _note_lossy(self, side: str, prepared: pl.DataFrame) -> None:
        """Count the values a rule reads leniently, keeping the first few by key."""
        if not self._lossy_columns:
            return
        limit = self.options.sample_limit
        for j, message, rows in lossy_rows(prepared, self.plan, side):
            head = first_by_key(rows, self.plan, limit) if limit else rows.head(0)
            with self._lock:
                entry = self.totals.lossy.setdefault((side, j), [0, message, []])
                entry[0] += rows.height
                entry[2].append(head)
                self._fold(entry[2])

    def _fold(self, frames: list[pl.DataFrame]) -> None:
        """Once a list of kept samples is long, keep only its first rows, so that what a run keeps
        does not grow with the number of chunks (called under the lock)."""
        if len(frames) > _FOLD_AT:
            merged = pl.concat([utc_zones(f) for f in frames], how="vertical_relaxed")
            frames[:] = [first_by_key(merged, self.plan, self.options.sample_limit)]

    def _warnings(self) -> tuple[dict[str, Any], ...]:
        limit = self.options.sample_limit
        warnings = []
        for (side, j), (count, message, heads) in sorted(self.totals.lossy.items()):
            rows = first_by_key(pl.concat(heads, how="vertical_relaxed"), self.plan, limit) if heads else None
            sfx = SUFFIX[side]
            examples = (
                [
                    {
                        "key": {p.name: encode_value(r[f"rk{i}{sfx}"]) for i, p in enumerate(self.plan.key)},
                        "value": encode_value(r["v"]),
                    }
                    for r in frame_rows(rows)
                ]
                if rows is not None
                else []
            )
            warnings.append(
                {
                    "side": side,
                    "column": self.plan.columns[j].name,
                    "check": "lossy_" + self.plan.columns[j].choice.normalizer,
                    "count": count,
                    "message": message,
                    "examples": examples,
                }
            )
        return tuple(warnings)

    # --- residual pass ---

    def _global_duplicates(self, res: dict[str, str]) -> None:
        """In global pairing, duplicate keys are found across all chunks of a side at once."""
        keys = key_names(self.plan)
        group = ", ".join(keys)
        for side in ("left", "right"):
            # MIN: of the raw spellings that merge into one key, always the same one is shown.
            raw = ", ".join(f"MIN(rk{i}{SUFFIX[side]}) AS rk{i}" for i in range(len(keys)))
            table = f"{self._name}__dupkeys_{side}"
            self.store.create_as(
                table,
                f'SELECT {group}, COUNT(*) AS count, {raw} FROM "{res[side]}" '
                f"GROUP BY {group} HAVING COUNT(*) > 1",
            )
            dups = self._stored_first(table, key_order_sql(self.plan, ""), self.options.sample_limit)
            self.totals.duplicate_keys[side] = self.store.count(table)
            if dups is not None and dups.height:
                self.totals.duplicate_samples.append((side, dups))

    def residual_pass(self) -> tuple[int, int]:
        """Join every row left unmatched in its chunk, globally; what stays unmatched is final."""
        name = self._name
        keys = key_names(self.plan)
        res_l, res_r = f"{name}__residual_left", f"{name}__residual_right"
        if self._global:
            self._global_duplicates({"left": res_l, "right": res_r})
        on = " AND ".join(f"l.{k} = r.{k}" for k in keys)
        # Rows of a key duplicated on either side were never paired; leave them out here too.
        filters: dict[str, list[str]] = {"l": [], "r": []}
        for side in ("left", "right"):
            dup_table = f"{name}__dupkeys_{side}"
            if self.store.count(dup_table):
                for alias, conditions in filters.items():
                    match = " AND ".join(f"d.{k} = {alias}.{k}" for k in keys)
                    conditions.append(f'NOT EXISTS (SELECT 1 FROM "{dup_table}" d WHERE {match})')
        left_filter = " AND ".join(filters["l"]) or "TRUE"
        right_filter = " AND ".join(filters["r"]) or "TRUE"
        for side, table, alias, kept in (
            ("left", res_l, "l", left_filter),
            ("right", res_r, "r", right_filter),
        ):
            if kept != "TRUE" and self.store.exists(table):
                sql = f'SELECT COUNT(*) FROM "{table}" {alias} WHERE NOT ({kept})'
                batch = next(iter(self.store.query_batches(sql, 1)))
                self.totals.duplicate_key_rows[side] += int(batch.column(0)[0].as_py())
        # Presence comes from a flag of each side, never from the key: a key may be NULL.
        select = ", ".join(
            [f"COALESCE(l.{k}, r.{k}) AS {k}" for k in keys]
            + [f"l.* EXCLUDE ({', '.join(keys)}, __p)", f"r.* EXCLUDE ({', '.join(keys)}, __p)"]
            + ["COALESCE(l.__p, FALSE) AS __l", "COALESCE(r.__p, FALSE) AS __r"]
        )
        sql = (
            f'SELECT {select} FROM (SELECT *, TRUE AS __p FROM "{res_l}" l WHERE {left_filter}) l '
            f'FULL OUTER JOIN (SELECT *, TRUE AS __p FROM "{res_r}" r WHERE {right_filter}) r ON {on}'
        )
        matched = changed = 0
        limit = self.options.sample_limit
        for batch in self.store.query_batches(sql, max(self.options.chunk_size, 10_000)):
            joined = pl.from_arrow(batch)
            assert isinstance(joined, pl.DataFrame)
            outcome = evaluate(utc_zones(joined), self.plan)
            matched += outcome.matched
            changed += outcome.changed.height
            self.totals.mismatches = [
                a + b for a, b in zip(self.totals.mismatches, outcome.mismatches, strict=True)
            ]
            self.totals.unreadable = [
                a + b for a, b in zip(self.totals.unreadable, outcome.unreadable, strict=True)
            ]
            if outcome.changed.height:
                self.store.append(f"{name}__changed", changed_frame(outcome.changed, self.plan))
                if limit:
                    self.totals.changed_samples.append(first_by_key(outcome.changed, self.plan, limit))
            for side, rows in (("left", outcome.only_left), ("right", outcome.only_right)):
                self.store.append(f"{name}__only_{side}", one_side_frame(rows, self.plan, side))
        return matched, changed

    # --- the whole table ---

    def run(self) -> TableResult:
        started = time.perf_counter()
        plan, options = self.plan, self.options
        self.progress.start(len(plan.chunks), f"{plan.left_table}")
        workers = max(1, min(options.workers, len(plan.chunks)))
        with (
            cf.ThreadPoolExecutor(workers, thread_name_prefix="dbdiff-chunk") as chunk_pool,
            cf.ThreadPoolExecutor(workers, thread_name_prefix="dbdiff-io") as io_pool,
        ):
            pending: set[cf.Future[None]] = set()
            tasks = iter(plan.chunks)
            try:
                for task in tasks:
                    pending.add(chunk_pool.submit(self.run_chunk, task, io_pool))
                    if len(pending) >= workers:
                        done, pending = cf.wait(pending, return_when=cf.FIRST_COMPLETED)
                        self._finish(done)
                done, pending = cf.wait(pending)
                self._finish(done)
            except BaseException:
                for future in pending:
                    future.cancel()
                raise
        matched, changed = self.residual_pass()
        self.progress.finish()
        self.totals.matched += matched
        self.totals.changed += changed
        return self._result(time.perf_counter() - started)

    def _finish(self, done: set[cf.Future[None]]) -> None:
        for future in done:
            future.result()  # re-raises a chunk's error
            self.progress.advance(1)

    def _null_keys(self, side: str) -> tuple[int, list[dict[str, Any]]]:
        source = self.left if side == "left" else self.right
        table = self.plan.left_table if side == "left" else self.plan.right_table
        where = self.plan.where if side == "left" else self.plan.right_where
        columns = [p.left if side == "left" else p.right for p in self.plan.all_pairs]
        key = [p.left if side == "left" else p.right for p in self.plan.key]
        count, rows = source.read_null_keys(table, columns, key, where, self.options.sample_limit)
        names = [c.name for c in columns]
        samples = null_key_samples(rows, side, names) if count else []
        for sample in samples:
            # Report under the left side's column names, like every other sample.
            sample["row"] = {
                p.name: sample["row"][c] for p, c in zip(self.plan.all_pairs, names, strict=True)
            }
        return count, samples

    def _result(self, seconds: float) -> TableResult:
        plan, t, limit = self.plan, self.totals, self.options.sample_limit
        name = self._name
        null_left, null_left_samples = self._null_keys("left")
        null_right, null_right_samples = self._null_keys("right")
        only_left_n = self.store.count(f"{name}__only_left")
        only_right_n = self.store.count(f"{name}__only_right")
        summary = Summary(
            rows_left=t.rows_left + null_left,
            rows_right=t.rows_right + null_right,
            matched=t.matched,
            only_left=only_left_n,
            only_right=only_right_n,
            changed=t.changed,
            duplicate_keys_left=t.duplicate_keys["left"],
            duplicate_keys_right=t.duplicate_keys["right"],
            duplicate_key_rows_left=t.duplicate_key_rows["left"],
            duplicate_key_rows_right=t.duplicate_key_rows["right"],
            null_keys_left=null_left,
            null_keys_right=null_right,
        )
        changed = []
        if t.changed_samples:
            merged = first_by_key(
                pl.concat([utc_zones(f) for f in t.changed_samples], how="vertical_relaxed"), plan, limit
            )
            shown = present(changed_frame(merged, plan), plan, "changed", for_json=True)
            changed = changed_samples(shown, plan)
        duplicates = []
        for side in ("left", "right"):
            frames = [f for s, f in t.duplicate_samples if s == side]
            if frames:
                merged = first_by_key(pl.concat(frames, how="vertical_relaxed"), plan, limit)
                keys = [f"rk{i}" for i in range(len(plan.key))]
                duplicates.extend(duplicate_samples(present_keys(merged, plan, keys, side), plan, side))
        only = {}
        for side in ("left", "right"):
            kind = f"only_{side}"
            frame = self._first_stored(kind, limit)
            if frame is not None:
                frame = present(frame, plan, kind, for_json=True)
            only[side] = row_samples(frame, plan) if frame is not None else []
        schema = SchemaComparison(
            only_left=plan.only_left,
            only_right=plan.only_right,
            columns=tuple(
                ColumnPair(
                    name=p.name,
                    left_type=p.left.native_type,
                    right_type=p.right.native_type,
                    rule=p.choice.label(),
                    right_name=p.right.name,
                )
                for p in plan.all_pairs
            ),
        )
        samples = Samples(
            only_left=tuple(only["left"]),
            only_right=tuple(only["right"]),
            changed=tuple(changed),
            duplicates=tuple(duplicates[: max(limit, 0) * 2]),
            null_keys=tuple((null_left_samples + null_right_samples)[: max(limit, 0) * 2]),
        )
        samples = bound_samples(samples)  # whole values stay in the store (result.changed())
        columns = tuple(
            ColumnStat(p.name, m, u) for p, m, u in zip(plan.columns, t.mismatches, t.unreadable, strict=True)
        )
        validation, validation_stats = self.checks.finish(
            self.store,
            rows_counted={"left": plan.rows_left, "right": plan.rows_right},
            null_keys={
                side: (count, [{p.name: s["row"].get(p.name) for p in plan.key} for s in samples])
                for side, count, samples in (
                    ("left", null_left, null_left_samples),
                    ("right", null_right, null_right_samples),
                )
            },
        )
        return TableResult(
            left_table=plan.left_table,
            right_table=plan.right_table,
            key=plan.key_names,
            # A failed check makes the pair fail (exit code 1) even when both sides agree.
            status=table_status(summary, schema) if validation.passed else "different",
            validation=validation,
            warnings=self._warnings(),
            schema=schema,
            summary=summary,
            columns=columns,
            samples=samples,
            stats={
                "chunks": len(plan.chunks),
                "shared_boundaries": plan.shared_boundaries,
                "seconds": round(seconds, 3),
                "read_seconds_left": round(self._read_seconds["left"], 3),
                "read_seconds_right": round(self._read_seconds["right"], 3),
                **validation_stats,
            },
        )

    def _first_stored(self, kind: str, limit: int) -> pl.DataFrame | None:
        return self._stored_first(f"{self._name}__{kind}", key_order_sql(self.plan, ""), limit)

    def _stored_first(self, name: str, order: str, limit: int) -> pl.DataFrame | None:
        """The first `limit` rows of a stored table in `order` (None when there are none)."""
        if not limit or not self.store.exists(name):
            return None
        batches = list(
            self.store.query_batches(f'SELECT * FROM "{name}" ORDER BY {order} LIMIT {int(limit)}', limit)
        )
        if not batches:
            return None
        frame = pl.from_arrow(batches)
        assert isinstance(frame, pl.DataFrame)
        return frame


def run_diff(
    left: Source,
    right: Source,
    options: DiffOptions,
    *,
    progress: Progress | None = None,
    rules: RuleSet | None = None,
    workdir: str | None = None,
    on_plan: Callable[[DiffPlan], None] | None = None,
) -> DiffResult:
    """Diff one table pair end to end and return the result (differences are data, not errors)."""
    started_at = dt.datetime.now(dt.timezone.utc).replace(microsecond=0)
    clock = time.perf_counter()
    with cf.ThreadPoolExecutor(2) as pool:
        li, ri = pool.submit(left.info), pool.submit(right.info)
        left_info, right_info = li.result(), ri.result()
    plan = build_plan(left, right, options, rules)
    if on_plan is not None:
        on_plan(plan)
    store = ResultStore(workdir, memory_limit=options.memory_limit)
    try:
        table = DiffRun(left, right, plan, options, store, progress).run()
    except BaseException:
        store.close()
        raise
    store.seal()  # from here on read-only, so copies in other processes can read it too
    return DiffResult(
        left=left_info,
        right=right_info,
        tables=(table,),
        started_at=started_at.isoformat().replace("+00:00", "Z"),
        duration_s=time.perf_counter() - clock,
        dbdiff_version=__version__,
        options=options.public(),
        _store=_TableStore(store, {plan.left_table: ("t0", plan)}),
    )


class _TableStore:
    """What `DiffResult` needs from the store: full frames per table and kind, internal columns hidden."""

    def __init__(self, store: ResultStore, tables: Mapping[str, tuple[str, DiffPlan]]) -> None:
        self.store = store
        self.tables = dict(tables)

    def has(self, table: str, kind: str) -> bool:
        known = table in self.tables and kind in ("changed", "only_left", "only_right")
        return known and self.store.available()

    def read(self, table: str, kind: str, *, raw: bool = False) -> pl.DataFrame:
        prefix, plan = self.tables[table]
        if not self.store.exists(f"{prefix}__{kind}"):
            return _empty_frame(plan, kind)
        # Stored under internal names only (DuckDB names are case-insensitive, users' may not be).
        frame = self.store.read(prefix, kind, order_by=[key_order_sql(plan, "")])
        return user_frame(frame if raw else present(frame, plan, kind), plan, kind)


def _empty_frame(plan: DiffPlan, kind: str) -> pl.DataFrame:
    names = [p.name for p in plan.key]
    if kind == "changed":
        differs, sides = changed_names(names, [p.name for p in plan.columns])
        names += [differs] + [n for pair in sides for n in pair]
    else:
        names += [p.name for p in plan.columns]
    return pl.DataFrame({n: [] for n in names})
