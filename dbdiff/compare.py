"""Comparison of one chunk: normalize both sides, set duplicate keys aside, join on the key, and
find changed columns with each rule's NULL-safe equality.

Frames here use positional internal names so user column names can never collide with them:
`k{i}` normalized key, `rk{i}_l`/`rk{i}_r` raw key, `r{j}_l`/`r{j}_r` raw value and `n{j}_l`/`n{j}_r`
normalized value of compared column j, `u{j}_l`/`u{j}_r` "its rule cannot read this value",
`__l`/`__r` presence flags, `d{j}` "column j differs".
The result store keeps rows under these names too; user names appear only in `samples`. Chunks
are compared by `compare_sides` (polars), the residual join (DuckDB) by `evaluate`; both judge
paired rows with the same `_judged`.

A value no rule can read (invalid JSON text, a MySQL ALLOW_INVALID_DATES date) is data, not a
configuration error: it is kept raw, its normalized value is NULL and its `u` flag is set, and a
matched row holding one differs in that column (even from another unreadable value, even from
NULL). Only key values must be readable.
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl
import pyarrow as pa

from dbdiff.errors import Quoted, RuleError
from dbdiff.normalize import get_normalizer
from dbdiff.plan import ColumnPlan, DiffPlan, key_may_merge
from dbdiff.values import encode_value, user_col

SUFFIX = {"left": "_l", "right": "_r"}


def key_names(plan: DiffPlan) -> list[str]:
    return [f"k{i}" for i in range(len(plan.key))]


# A polars panic (a value at the edge of its datetime range, say) is a value it cannot read too.
_FAILURES = (pl.exceptions.PolarsError, pl.exceptions.PanicException, ArithmeticError, ValueError)


def prepare_side(
    table: pa.Table | pl.DataFrame,
    plan: DiffPlan,
    side: str,
    *,
    unreadable: bool = False,
    pairwise: bool = False,
) -> pl.DataFrame:
    """Raw columns of one side plus their normalized forms, under internal names.

    A compared value its rule cannot read is a `RuleError`, or with `unreadable` a set `u` flag.
    With `pairwise`, a column whose rule knows equal raw values in pairs (`Normalizer.known_equal`)
    gets no normalized form: `compare_sides` compares its paired rows, normalizing only what that
    test leaves open, and normalizes the rows without a partner."""
    frame = table if isinstance(table, pl.DataFrame) else pl.from_arrow(table)
    assert isinstance(frame, pl.DataFrame)
    deferred = _pairwise_columns(frame, plan, side) if pairwise and unreadable else frozenset()
    try:
        prepared = frame.select(_side_exprs(frame, plan, side, {}, deferred))
    except _FAILURES as exc:
        if not unreadable:
            raise _locate_failure(frame, plan, side, exc) from None
        prepared = _prepare_unreadable(frame, plan, side, exc, deferred)
    _check_keys(prepared, plan, side)
    return prepared


def _pairwise_columns(frame: pl.DataFrame, plan: DiffPlan, side: str) -> frozenset[int]:
    """The compared columns whose rule knows equal raw values in pairs, where they arrive as text."""
    deferred = set()
    for j, pair in enumerate(plan.columns):
        norm, dtype = get_normalizer(pair.choice.normalizer), frame.schema[pair.on(side).name]
        if norm.known_equal is not None and dtype in (pl.String, pl.Binary):
            deferred.add(j)
    return frozenset(deferred)


def _side_exprs(
    frame: pl.DataFrame,
    plan: DiffPlan,
    side: str,
    masks: dict[int, pl.Series],
    deferred: frozenset[int],
    holders: dict[int, str] | None = None,
) -> list[pl.Expr]:
    """The prepared columns; compared column j reads NULL where `masks[j]` marks a value unreadable
    (its raw values wait in column `holders[j]`, see `_masked`), and has no normalized form if in
    `deferred`."""
    sfx = SUFFIX[side]
    exprs: list[pl.Expr] = []
    for i, pair in enumerate(plan.key):
        exprs.append(user_col(pair.on(side).name).alias(f"rk{i}{sfx}"))
        exprs.append(_normalized(frame, pair, side).alias(f"k{i}"))
    for j, pair in enumerate(plan.columns):
        mask = masks.get(j)
        raw = user_col(pair.on(side).name) if mask is None else pl.col((holders or {})[j])
        exprs.append(raw.alias(f"r{j}{sfx}"))
        if j not in deferred:
            exprs.append(_normalized(frame, pair, side).alias(f"n{j}{sfx}"))
        exprs.append((pl.lit(False) if mask is None else pl.lit(mask)).alias(f"u{j}{sfx}"))
    return exprs


def settle(
    frame: pl.DataFrame, plan: DiffPlan, side: str, pairs: frozenset[int] = frozenset()
) -> pl.DataFrame:
    """`frame` (prepared rows of one side) with the normalized forms `prepare_side` left out,
    except those of the columns in `pairs`."""
    sfx = SUFFIX[side]
    columns: list[pl.Series] = []
    for j, pair in enumerate(plan.columns):
        if j in pairs or f"n{j}{sfx}" in frame.columns:
            continue
        normalized, unread = _normalized_values(frame.get_column(f"r{j}{sfx}"), pair, side, j)
        unread |= frame.get_column(f"u{j}{sfx}")
        columns += [normalized.alias(f"n{j}{sfx}"), unread.alias(f"u{j}{sfx}")]
    return frame.with_columns(columns) if columns else frame


def _normalized_values(raw: pl.Series, pair: ColumnPlan, side: str, j: int) -> tuple[pl.Series, pl.Series]:
    """One side's raw values of compared column j, normalized as `prepare_side` would, and which
    of them its rule cannot read (those read NULL)."""
    frame = raw.alias(pair.on(side).name).to_frame()
    mask = pl.repeat(False, frame.height, dtype=pl.Boolean, eager=True)
    try:
        return frame.select(_normalized(frame, pair, side)).to_series(), mask
    except _FAILURES:
        mask = _unreadable_mask(frame, pair, side, j)
    masked, _ = _masked(frame, {j: pair.on(side).name}, {j: mask})
    return masked.select(_normalized(masked, pair, side)).to_series(), mask


def _masked(
    frame: pl.DataFrame, names: dict[int, str], masks: dict[int, pl.Series]
) -> tuple[pl.DataFrame, dict[int, str]]:
    """`frame` with the values `masks` flag set to NULL, and the name of the column holding each
    masked column's raw values (`__raw{j}`, with more leading underscores while a column of
    `frame` has that name).

    Eagerly, in a frame of its own: inside one expression polars may push a normalizer's cast
    into both branches of a `when`, and the cast would meet the unreadable value anyway."""
    columns: list[pl.Expr | pl.Series] = []
    holders: dict[int, str] = {}
    for j, mask in masks.items():
        name = names[j]
        holder = f"__raw{j}"
        while holder in frame.columns:
            holder = "_" + holder
        holders[j] = holder
        if frame.schema[name] == pl.Binary:
            # A NULL keeps its bytes in the buffer, and the UTF-8 check of a cast reads them all.
            values = frame.get_column(name).to_list()
            cleared = [None if bad else v for v, bad in zip(values, mask.to_list(), strict=True)]
            fresh: pl.Expr | pl.Series = pl.Series(name, cleared, dtype=pl.Binary)
        else:
            fresh = pl.when(pl.lit(mask)).then(None).otherwise(user_col(name)).alias(name)
        columns += [user_col(name).alias(holder), fresh]
    return frame.with_columns(columns), holders


def _prepare_unreadable(
    frame: pl.DataFrame, plan: DiffPlan, side: str, exc: Exception, deferred: frozenset[int]
) -> pl.DataFrame:
    """Normalize a chunk in which some values cannot be read: find them column by column (the
    normalizer's own vectorized test when it has one, else by halving the chunk), flag them, and
    normalize the rest. A key value that cannot be read still stops the run."""
    for pair in plan.key:
        try:
            frame.select(_normalized(frame, pair, side))
        except _FAILURES:
            raise _locate_failure(frame, plan, side, exc) from None
    masks: dict[int, pl.Series] = {}
    for j, pair in enumerate(plan.columns):
        if j in deferred:  # compared in pairs later, where its unreadable values are flagged
            continue
        try:
            frame.select(_normalized(frame, pair, side))
            continue
        except _FAILURES:
            pass
        masks[j] = _unreadable_mask(frame, pair, side, j)
    names = {j: plan.columns[j].on(side).name for j in masks}
    masked, holders = _masked(frame, names, masks)
    try:
        return masked.select(_side_exprs(masked, plan, side, masks, deferred, holders))
    except _FAILURES as again:  # pragma: no cover - every failing row was flagged
        raise _locate_failure(frame, plan, side, again) from None


def _unreadable_mask(frame: pl.DataFrame, pair: ColumnPlan, side: str, j: int) -> pl.Series:
    """True for each value of the column its rule cannot read."""
    column = pair.on(side)
    raw = user_col(column.name).alias("v")  # a normalizer's batches see a plain name
    norm = get_normalizer(pair.choice.normalizer)
    mask = pl.Series("u", [False] * frame.height, dtype=pl.Boolean)
    if norm.readable is not None:
        test = norm.readable(raw, column, frame.schema[column.name], pair.choice.params)
        if test is not None:
            mask = frame.select((raw.is_not_null() & ~test.fill_null(False)).alias("u")).to_series()

    def fails(part: pl.DataFrame, flagged: pl.Series) -> bool:
        try:
            readable, _ = _masked(part, {j: column.name}, {j: flagged})
            readable.select(_normalized(readable, pair, side))
        except _FAILURES:
            return True
        return False

    # What the test missed (or all of it, for a normalizer without one): halve until single rows.
    bad: list[int] = []
    pending = [(0, frame.height)]
    while pending:
        lo, hi = pending.pop()
        if hi <= lo or not fails(frame.slice(lo, hi - lo), mask.slice(lo, hi - lo)):
            continue
        if hi - lo == 1:
            bad.append(lo)
            continue
        mid = (lo + hi) // 2
        pending += [(mid, hi), (lo, mid)]
    if bad:
        mask = mask.scatter(bad, True)
    return mask.alias("u")


def utc_zones(frame: pl.DataFrame) -> pl.DataFrame:
    """Zone-aware timestamps in one zone name: Arrow's '+00:00', DuckDB's 'Etc/UTC' and 'UTC' name
    the same zone, but polars will not stack frames whose names differ."""
    fixes = [
        pl.col(name).dt.convert_time_zone("UTC")
        for name, dtype in frame.schema.items()
        if isinstance(dtype, pl.Datetime) and dtype.time_zone not in (None, "UTC")
    ]
    return frame.with_columns(fixes) if fixes else frame


def _check_keys(prepared: pl.DataFrame, plan: DiffPlan, side: str) -> None:
    """A key value that normalizes to NULL (a MySQL zero date, say) could never be matched."""
    sfx = SUFFIX[side]
    for i, pair in enumerate(plan.key):
        if prepared.get_column(f"k{i}").null_count() == 0:
            continue  # the common case, without a pass over the chunk
        lost = prepared.filter(pl.col(f"k{i}").is_null() & pl.col(f"rk{i}{sfx}").is_not_null())
        if lost.height:
            column = pair.on(side)
            q = Quoted()
            example = q.value(pair.name, repr(encode_value(lost.get_column(f"rk{i}{sfx}")[0])))
            raise RuleError(
                f"key column {column.name!r} on the {side} side holds values that rule "
                f"{pair.choice.rule!r} turns into NULL (e.g. {example}), so they could never be matched",
                hint=f"leave those rows out with --where, or compare the key as text: "
                f"--rule {column.name}=text",
                quoted=q,
            )


def _normalized(frame: pl.DataFrame, pair: ColumnPlan, side: str) -> pl.Expr:
    column = pair.on(side)
    norm = get_normalizer(pair.choice.normalizer)
    # A normalizer's batches see a plain name: polars' own Series methods would read a name like
    # "^...$" as a pattern again.
    expr = user_col(column.name).alias("v")
    return norm.convert(expr, column, frame.schema[column.name], pair.choice.params)


def _locate_failure(frame: pl.DataFrame, plan: DiffPlan, side: str, exc: Exception) -> RuleError:
    """Normalize column by column to name the one that failed."""
    for pair in plan.all_pairs:
        column = pair.on(side)
        try:
            frame.select(_normalized(frame, pair, side))
        except _FAILURES as inner:
            # The reader's message quotes the value: it is data of this column, like the value itself.
            q = Quoted()
            detail = q.value(pair.name, str(inner).strip().splitlines()[0][:300])
            return RuleError(
                f"column {column.name!r} ({column.native_type}) on the {side} side holds a value that "
                f"rule {pair.choice.rule!r} ({pair.choice.normalizer}) cannot read"
                f"{_where_it_is(frame, plan, pair, side, q)}: {detail}",
                hint="choose another rule for this column, or exclude it with --exclude",
                quoted=q,
            )
    q = Quoted()
    detail = q.value(None, str(exc).splitlines()[0][:300])
    return RuleError(f"normalizing the {side} side failed: {detail}", quoted=q)


def _where_it_is(frame: pl.DataFrame, plan: DiffPlan, pair: ColumnPlan, side: str, q: Quoted) -> str:
    """' (row id=7: value ...)' for the first row whose value cannot be normalized, found by
    halving the chunk (a few normalizations, not one per row)."""

    def fails(part: pl.DataFrame) -> bool:
        try:
            part.select(_normalized(part, pair, side))
        except _FAILURES:
            return True
        return False

    lo, hi = 0, frame.height
    if hi == 0 or not fails(frame):
        return ""
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if fails(frame.slice(lo, mid - lo)):
            hi = mid
        else:
            lo = mid
    row = frame.row(lo, named=True)
    key = ", ".join(f"{k.name}={q.value(k.name, repr(encode_value(row[k.on(side).name])))}" for k in plan.key)
    value = encode_value(row[pair.on(side).name])
    shown = repr(value) if not isinstance(value, str) or len(value) <= 80 else repr(value[:80] + "...")
    return f" (row {key}: {q.value(pair.name, shown)})"


def lossy_rows(prepared: pl.DataFrame, plan: DiffPlan, side: str) -> list[tuple[int, str, pl.DataFrame]]:
    """Per compared column whose rule reads some values leniently: (column index, message, the rows
    holding such values as normalized key, raw key and raw value `v`)."""
    sfx = SUFFIX[side]
    found = []
    for j, pair in enumerate(plan.columns):
        norm = get_normalizer(pair.choice.normalizer)
        if norm.lossy is None:
            continue
        raw = f"r{j}{sfx}"
        flagged = norm.lossy(pl.col(raw), pair.on(side), prepared.schema[raw], pair.choice.params)
        if flagged is None:
            continue
        mask, message = flagged
        rows = prepared.filter(mask)
        if rows.height:
            keys = key_names(plan) + [f"rk{i}{sfx}" for i in range(len(plan.key))]
            found.append((j, message, rows.select([*keys, pl.col(raw).alias("v")])))
    return found


def split_duplicates(frame: pl.DataFrame, plan: DiffPlan, side: str) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(rows whose key is unique here, one row per duplicated key with its count and raw key)."""
    keys = key_names(plan)
    sfx = SUFFIX[side]
    if len(keys) == 1 and _sorted_unique(frame.get_column(keys[0])):
        # A chunk read in key order (as servers read a key range): no hashing of every key.
        return frame, _duplicates(frame.head(0), keys, sfx)
    marker = pl.struct(keys).is_duplicated() if len(keys) > 1 else pl.col(keys[0]).is_duplicated()
    duplicated = frame.select(marker).to_series()
    # The common case (no duplicate) keeps the chunk as it is: no copy of every column.
    unique = frame.filter(~duplicated) if duplicated.any() else frame
    return unique, _duplicates(frame.filter(duplicated), keys, sfx)


def _sorted_unique(key: pl.Series) -> bool:
    """True for a key without NULLs in ascending order without two equal neighbours (so no
    duplicate at all); False says nothing."""
    if key.null_count() or not key.is_sorted():
        return False
    return key.len() < 2 or not (key.slice(1) == key.slice(0, key.len() - 1)).any()


def _duplicates(rows: pl.DataFrame, keys: list[str], sfx: str) -> pl.DataFrame:
    """One row per duplicated key of `rows`: its count and its first raw key."""
    return rows.group_by(keys, maintain_order=True).agg(
        pl.len().alias("count"),
        *[pl.col(f"rk{i}{sfx}").first().alias(f"rk{i}") for i in range(len(keys))],
    )


def drop_keys(frame: pl.DataFrame, keys_frame: pl.DataFrame, plan: DiffPlan) -> pl.DataFrame:
    """Rows of `frame` whose key is not in `keys_frame`."""
    if keys_frame.height == 0:
        return frame
    return frame.join(keys_frame.select(key_names(plan)), on=key_names(plan), how="anti")


def residual_columns(plan: DiffPlan, side: str) -> list[str]:
    """The layout of a row waiting for the residual pass: normalized key, then the side's raw key,
    raw and normalized values (the store inserts by position, so every writer uses this)."""
    sfx = SUFFIX[side]
    return (
        key_names(plan)
        + [f"rk{i}{sfx}" for i in range(len(plan.key))]
        + [f"{p}{j}{sfx}" for j in range(len(plan.columns)) for p in ("r", "n", "u")]
    )


def keys_may_merge(plan: DiffPlan) -> bool:
    """True when a key rule can make two different keys equal (ignore_case, trim, ...): then equal
    normalized keys can sit in different chunks, and pairing and duplicates must be decided globally."""
    return any(key_may_merge(pair) for pair in plan.key)


@dataclass
class Evaluated:
    """What a joined frame holds: matched count, changed rows, per-column mismatches, unmatched rows."""

    matched: int
    changed: pl.DataFrame
    mismatches: list[int]
    only_left: pl.DataFrame
    only_right: pl.DataFrame
    #: Per compared column: matched rows in which a side's value could not be read.
    unreadable: list[int]


def evaluate(joined: pl.DataFrame, plan: DiffPlan) -> Evaluated:
    """Split a joined frame into matched (changed or not) and one-sided rows."""
    keys = key_names(plan)
    nk, nc = len(plan.key), len(plan.columns)
    matched = joined.filter(pl.col("__l") & pl.col("__r"))
    mismatches, unreadable, changed = _judged(matched, plan)
    changed = changed.select(
        keys
        + [f"rk{i}_l" for i in range(nk)]
        + [c for j in range(nc) for c in (f"r{j}_l", f"r{j}_r", f"d{j}", f"u{j}_l", f"u{j}_r")]
    )
    only_left = joined.filter(pl.col("__l") & ~pl.col("__r")).select(residual_columns(plan, "left"))
    only_right = joined.filter(~pl.col("__l") & pl.col("__r")).select(residual_columns(plan, "right"))
    return Evaluated(
        matched=matched.height,
        changed=changed,
        mismatches=mismatches,
        only_left=only_left,
        only_right=only_right,
        unreadable=unreadable,
    )


def compare_sides(left: pl.DataFrame, right: pl.DataFrame, plan: DiffPlan) -> Evaluated:
    """What `evaluate` finds in the full outer join of two chunks on the key, joining less.

    Only the normalized key and values (and flags) take part in the join; raw values are gathered
    afterwards for the rows that differ or have no partner, a few when the sides mostly agree
    (measured: a third of the join's time on an 11-column table)."""
    keys = key_names(plan)
    nk, nc = len(plan.key), len(plan.columns)
    # Columns neither side normalized are compared raw, in pairs; one side's alone is settled.
    normalized = set(left.columns) | set(right.columns)
    pairs = frozenset(j for j in range(nc) if not {f"n{j}_l", f"n{j}_r"} & normalized)
    left, right = settle(left, plan, "left", pairs), settle(right, plan, "right", pairs)
    compared = [(f"r{j}" if j in pairs else f"n{j}", f"u{j}") for j in range(nc)]
    left_part = left.select(keys + [f"{c}_l" for both in compared for c in both])
    right_part = right.select(keys + [f"{c}_r" for both in compared for c in both])
    aligned = _aligned(left_part, right_part, keys)
    if aligned is not None:
        matched, alone_left, alone_right = aligned
    else:
        joined = left_part.with_row_index("__li").join(
            right_part.with_row_index("__ri"), on=keys, how="full", coalesce=True
        )
        matched = joined.filter(pl.col("__li").is_not_null() & pl.col("__ri").is_not_null())
        alone_left = joined.filter(pl.col("__ri").is_null()).get_column("__li")
        alone_right = joined.filter(pl.col("__li").is_null()).get_column("__ri")
    mismatches, unreadable, found = _judged(_compared_in_pairs(matched, plan, pairs), plan)
    at_left, at_right = found.get_column("__li"), found.get_column("__ri")
    changed = pl.concat(
        [
            _rows(left, keys + [f"rk{i}_l" for i in range(nk)] + [f"r{j}_l" for j in range(nc)], at_left),
            _rows(right, [f"r{j}_r" for j in range(nc)], at_right),
            found.select([c for j in range(nc) for c in (f"d{j}", f"u{j}_l", f"u{j}_r")]),
        ],
        how="horizontal",
    )
    return Evaluated(
        matched=matched.height,
        changed=changed_frame(changed, plan),
        mismatches=mismatches,
        only_left=_alone(left, plan, "left", alone_left),
        only_right=_alone(right, plan, "right", alone_right),
        unreadable=unreadable,
    )


def _compared_in_pairs(matched: pl.DataFrame, plan: DiffPlan, pairs: frozenset[int]) -> pl.DataFrame:
    """Paired rows with `e{j}` (equal) and the `u` flags of each column compared raw, in pairs:
    the rule's cheap `known_equal` decides the pairs it can, its normal forms decide the rest."""
    columns: list[pl.Series] = []
    for j in sorted(pairs):
        pair = plan.columns[j]
        norm = get_normalizer(pair.choice.normalizer)
        assert norm.known_equal is not None
        raw_left, raw_right = matched.get_column(f"r{j}_l"), matched.get_column(f"r{j}_r")
        equal = norm.known_equal(raw_left, raw_right).fill_null(False)
        unread_left, unread_right = matched.get_column(f"u{j}_l"), matched.get_column(f"u{j}_r")
        rest = (~equal).arg_true()
        if rest.len():
            normal_left, flagged_left = _normalized_values(raw_left.gather(rest), pair, "left", j)
            normal_right, flagged_right = _normalized_values(raw_right.gather(rest), pair, "right", j)
            both = pl.DataFrame([normal_left.alias("l"), normal_right.alias("r")])
            decided = both.select(norm.equal(pl.col("l"), pl.col("r"), pair.choice.params)).to_series()
            equal = equal.scatter(rest, decided)
            unread_left = unread_left | _spread(flagged_left, rest, matched.height)
            unread_right = unread_right | _spread(flagged_right, rest, matched.height)
        columns += [equal.alias(f"e{j}"), unread_left.alias(f"u{j}_l"), unread_right.alias(f"u{j}_r")]
    return matched.with_columns(columns) if columns else matched


def _spread(values: pl.Series, at: pl.Series, height: int) -> pl.Series:
    """Boolean `values` at row positions `at` of `height` rows, False elsewhere."""
    return pl.repeat(False, height, dtype=pl.Boolean, eager=True).scatter(at, values)


def _alone(frame: pl.DataFrame, plan: DiffPlan, side: str, at: pl.Series) -> pl.DataFrame:
    """The rows of one side at positions `at` laid out for the residual pass, every value normalized."""
    layout = residual_columns(plan, side)
    rows = _rows(frame, [c for c in layout if c in frame.columns], at)
    return settle(rows, plan, side).select(layout)


#: Key types whose equality is the same for a join, `is_in` and sorting (floats are not: 0.0 and
#: -0.0, NaN).
_ALIGNABLE = (pl.Int8, pl.Int16, pl.Int32, pl.Int64, pl.UInt8, pl.UInt16, pl.UInt32, pl.UInt64)


def _aligned(
    left: pl.DataFrame, right: pl.DataFrame, keys: list[str]
) -> tuple[pl.DataFrame, pl.Series, pl.Series] | None:
    """The paired rows of two chunks side by side (with their row numbers `__li`, `__ri`), and
    the row numbers of the rows without a partner, found without a join; None when it can't be.

    Chunks read in key order (a server reads a key range so) with one integer key and no duplicate
    list their shared keys in the same order: the n-th shared key on the left pairs with the n-th
    on the right. Most chunks then share every key, and their columns pair without a copy; the
    join would hash every key and gather every column (measured: a third of comparing a chunk)."""
    if len(keys) != 1:
        return None
    lk, rk = left.get_column(keys[0]), right.get_column(keys[0])
    if lk.dtype != rk.dtype or lk.dtype not in _ALIGNABLE:
        return None
    if not (_sorted_unique(lk) and _sorted_unique(rk)):
        return None
    if lk.len() == rk.len() and bool((lk == rk).all()):
        li = ri = pl.int_range(0, lk.len(), dtype=pl.UInt32, eager=True)
        shared_left, shared_right = left, right.drop(keys)
        alone = pl.Series([], dtype=pl.UInt32)
        alone_left = alone_right = alone
    else:
        in_right, in_left = lk.is_in(rk.implode()), rk.is_in(lk.implode())
        li, ri = in_right.arg_true(), in_left.arg_true()
        shared_left = left.filter(in_right)
        shared_right = right.filter(in_left).drop(keys)
        alone_left, alone_right = (~in_right).arg_true(), (~in_left).arg_true()
    matched = pl.concat(
        [shared_left.with_columns(li.alias("__li")), shared_right.with_columns(ri.alias("__ri"))],
        how="horizontal",
    )
    return matched, alone_left, alone_right


def _rows(frame: pl.DataFrame, columns: list[str], at: pl.Series) -> pl.DataFrame:
    """`columns` of `frame` at row positions `at`."""
    return frame.select(pl.col(columns).gather(at))


def _judged(matched: pl.DataFrame, plan: DiffPlan) -> tuple[list[int], list[int], pl.DataFrame]:
    """Paired rows judged column by column: per compared column the mismatches and the values no
    rule could read, and the rows that differ in any column, with their `d{j}` flags."""
    nc = len(plan.columns)
    if not nc:
        return [], [], matched.head(0)
    differs = []
    for j, pair in enumerate(plan.columns):
        norm = get_normalizer(pair.choice.normalizer)
        if f"e{j}" in matched.columns:  # compared in pairs (`_compared_in_pairs`)
            equal = pl.col(f"e{j}")
        else:
            equal = norm.equal(pl.col(f"n{j}_l"), pl.col(f"n{j}_r"), pair.choice.params)
        # A value no rule can read equals nothing: not NULL, not another unreadable value.
        unread = pl.col(f"u{j}_l").fill_null(False) | pl.col(f"u{j}_r").fill_null(False)
        differs.append((~equal.fill_null(False) | unread).alias(f"d{j}"))
    flagged = matched.with_columns(differs)
    unread_counts = [
        (pl.col(f"u{j}_l") | pl.col(f"u{j}_r")).fill_null(False).sum().alias(f"c{j}") for j in range(nc)
    ]
    counts = [
        int(c or 0) for c in flagged.select([pl.col(f"d{j}").sum() for j in range(nc)] + unread_counts).row(0)
    ]
    return counts[:nc], counts[nc:], flagged.filter(pl.any_horizontal([f"d{j}" for j in range(nc)]))


# --- the store's layout ---------------------------------------------------------------------


def changed_frame(changed: pl.DataFrame, plan: DiffPlan) -> pl.DataFrame:
    """Changed rows as the store keeps them: `evaluate`'s internal layout (normalized key `k{i}`,
    left raw key `rk{i}_l`, raw values `r{j}_l`/`r{j}_r`, flags `d{j}` and `u{j}_l`/`u{j}_r`);
    `user_frame` names them."""
    nk, nc = len(plan.key), len(plan.columns)
    return changed.select(
        key_names(plan)
        + [f"rk{i}_l" for i in range(nk)]
        + [c for j in range(nc) for c in (f"r{j}_l", f"r{j}_r", f"d{j}", f"u{j}_l", f"u{j}_r")]
    )
