"""Incremental windows: a diff narrowed to the keys written lately on either side.

`--since 15m --updated-column updated_at [--min-age 30s]` makes a diff compare only the rows whose
key K was written in the window on either side: K is the keys of the left side's window rows and
of the right side's (one indexed query per side), less every key that either side wrote less than
`min_age` ago (in flight: counted, not compared). Both sides are then compared on the keys of K
whatever their own updated value, so a row written on one side only shows as changed, and a row
deleted on one side shows as only on the other (its surviving copy is in the other side's window).

The narrowing is a condition: each side's `where` gets `key IN (...)` with the dialect's literals,
so planning, chunk reads and checks run unchanged on the few rows the window holds. Nothing is
written to a source. What such a check cannot see is in docs/incremental.md.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import uuid
from collections.abc import Iterable, Sequence
from typing import Any

from dbdiff.catalog import Column, TableCatalog, find_named
from dbdiff.engine.executor import Executor
from dbdiff.engine.side import Side
from dbdiff.errors import ColumnError, KeyColumnError, UsageError, WhereRejected
from dbdiff.names import did_you_mean
from dbdiff.options import DiffOptions
from dbdiff.plan import ChunkTask, DiffPlan, canonical_bound, plan_chunks
from dbdiff.sources.base import KeyValue, key_set_predicate
from dbdiff.timewindow import iso_utc, shown_duration

#: The most keys a window carries to the sides as a key list. Past it the SQL grows to megabytes
#: and a full diff (or a shorter window) is the better tool: the run stops with a clear error.
KEY_CAP = 100_000

#: From this many keys on, a window of numbers or dates is read in a few chunks side by side.
SPLIT_FROM = 2_000

#: The column families an updated column may have: instants and wall times.
_STAMPED = ("datetime", "timestamp")


@dataclasses.dataclass(frozen=True)
class Window:
    """The instants a window looks at, all aware UTC (`settled`: rows written after it are in flight)."""

    since: dt.datetime
    until: dt.datetime
    settled: dt.datetime | None

    @classmethod
    def of(cls, options: DiffOptions, now: dt.datetime | None = None) -> Window:
        """The window of `options`, ending now by the client's UTC clock (or at `now`)."""
        until = now or dt.datetime.now(dt.timezone.utc)
        since = options.window_since()
        min_age = options.window_min_age()
        assert since is not None, "a window needs --since"
        start = until - since if isinstance(since, dt.timedelta) else since
        if min_age is not None and until - min_age <= start:  # a timestamp since (durations: check_window)
            raise UsageError(
                f"the window from {iso_utc(start)} holds no row older than --min-age "
                f"{shown_duration(min_age)}: every row of it would be in flight",
                hint="use an earlier --since or a shorter --min-age",
            )
        return cls(since=start, until=until, settled=None if min_age is None else until - min_age)


def narrow_to_window(
    plan: DiffPlan,
    sides: Sequence[Side],
    catalogs: Sequence[TableCatalog],
    executor: Executor,
    *,
    options: DiffOptions,
    now: dt.datetime | None = None,
) -> DiffPlan:
    """`plan` with each side's condition narrowed to the window's keys, `plan.window` set,
    `rows_left`/`rows_right` the rows each side holds of those keys, and, for a big window of
    numbers or dates, its chunks cut from the keys themselves (else none: the planner cuts them)."""
    window = Window.of(options, now)
    name = str(options.updated_column)
    columns, zone = _updated_columns(plan, catalogs, name)
    left, right = sides
    _check_key_lookups(sides)

    def read(side: Side, column: Column) -> tuple[set[KeyValue], set[KeyValue]]:
        updated = side.source.sql.quote(column.name)
        written = _keys(side, f"{updated} >= {_stamp(side, column, window.since, zone)}")
        if window.settled is None:
            return written, set()
        return written, _keys(side, f"{updated} > {_stamp(side, column, window.settled, zone)}")

    (written_left, flight_left), (written_right, flight_right) = executor.both(
        lambda: read(left, columns[0]), lambda: read(right, columns[1])
    )
    in_flight = flight_left | flight_right
    keys = (written_left | written_right) - in_flight
    if len(keys) > KEY_CAP:
        raise UsageError(
            f"the window holds {len(keys):,} keys, more than the {KEY_CAP:,} an incremental check "
            "carries to the sides",
            hint="use a shorter --since, or compare the whole table without --since",
        )
    ordered, natural = _sorted(keys)
    wheres = [_narrowed(side, ordered) for side in sides]
    # Each side holds the keys it wrote in the window, and perhaps some the other side wrote:
    # only those are counted in the database (a short key list, not the whole window's). That
    # holds where a key is one row (the primary key) and equal keys are equal values (numbers,
    # dates: a collation may make 'abc' and 'ABC' one key); else the database counts them all.
    exact = plan.shared_boundaries and all(
        tuple(c.name for c in side.key) == tuple(catalog.primary_key)
        for side, catalog in zip(sides, catalogs, strict=True)
    )

    def holding(side: Side, written: set[KeyValue]) -> int:
        return _holding(side, written & keys, keys - written) if exact else _holding(side, set(), keys)

    rows = executor.both(lambda: holding(left, written_left), lambda: holding(right, written_right))
    chunks: tuple[ChunkTask, ...] = ()
    if plan.shared_boundaries and natural and len(ordered) >= SPLIT_FROM:
        # Rows scattered over a big table are read page by page: a few chunks read side by side
        # (each looks up only the keys of its range) take about half as long as one.
        per = min(options.chunk_size, max(-(-len(ordered) // options.workers), SPLIT_FROM // 2))
        bounds = ordered[per::per]
        chunks = plan_chunks(bounds, bounds, shared=True)
    shown: dict[str, Any] = {
        "updated_column": name,
        "since": iso_utc(window.since),
        "until": iso_utc(window.until),
        "min_age": None if options.min_age is None else shown_duration(options.min_age),
        "keys_left": len(written_left),
        "keys_right": len(written_right),
        "keys_compared": len(keys),
        "in_flight": len(in_flight),
    }
    return dataclasses.replace(
        plan,
        where=wheres[0],
        right_where=wheres[1],
        window=shown,
        rows_left=rows[0],
        rows_right=rows[1],
        chunks=chunks,
    )


def _holding(side: Side, own: set[KeyValue], others: set[KeyValue]) -> int:
    """How many of the window's keys `side` holds: its own window's, and those of `others` it has."""
    if not others:
        return len(own)
    where = _narrowed(side, sorted_keys(others))
    try:
        return len(own) + side.source.count_rows(side.table, where)
    except WhereRejected as exc:
        raise exc.for_side(side.name, side.source.dialect, "--since") from None


def _check_key_lookups(sides: Sequence[Side]) -> None:
    """Refuse a key the window's key list cannot find again: a single-precision float (FLOAT,
    real) holds 0.1 as 0.100000001490116, which `= 0.1` never finds (and MySQL reads it back
    rounded to 6 digits), so its rows would be left out of the window without a word."""
    for side in sides:
        for column in side.key:
            if column.family == "float" and (column.precision or 53) <= 24:
                raise KeyColumnError(
                    f"key column {column.name!r} is {column.native_type} on the {side.name} side: a "
                    "single-precision float key cannot be looked up exactly, so an incremental window "
                    "cannot carry its keys",
                    hint="compare this table without --since, or with another --key",
                )


def _updated_columns(
    plan: DiffPlan, catalogs: Sequence[TableCatalog], name: str
) -> tuple[tuple[Column, Column], str]:
    """Each side's updated column (a timestamp or datetime) and the zone of its zone-less values.

    The zone is the column's `assume_zone` (a `--rule COL=:assume_zone=Europe/Berlin`), UTC by
    default: a DATETIME holds wall times, and the window's instants are written in that zone.
    """
    # A compared column is found as the pair it is in (its right name may differ: --map, a
    # naming convention); its rule knows its zone. Another column is found by name on each side,
    # and has no rule, so no zone: its wall times are UTC.
    pairs = find_named(name, plan.all_pairs, lambda p: (p.left.name, p.right.name))
    if len(pairs) == 1:
        zone = str(pairs[0].choice.params.get("assume_zone", "UTC"))
        found = [pairs[0].left, pairs[0].right]
    else:
        zone = "UTC"
        found = [
            _named(name, side, catalog) for side, catalog in zip(("left", "right"), catalogs, strict=True)
        ]
    for side, column in zip(("left", "right"), found, strict=True):
        if column.family not in _STAMPED:
            raise ColumnError(
                f"--updated-column {column.name!r} is {column.native_type} on the {side} side: "
                "a window needs a timestamp or datetime column"
            )
    return (found[0], found[1]), zone


def _named(name: str, side: str, catalog: TableCatalog) -> Column:
    matches = find_named(name, catalog.columns, lambda c: (c.name,))
    if len(matches) != 1:
        why = "is ambiguous (names differing only in case)" if matches else "does not exist"
        raise ColumnError(
            f"--updated-column {name!r} {why} on the {side} side ({catalog.name})",
            hint=did_you_mean(name, [c.name for c in catalog.columns]) or None,
        )
    return matches[0]


def _stamp(side: Side, column: Column, instant: dt.datetime, zone: str) -> str:
    """`instant` as a literal of `column`: UTC for an instant (MySQL TIMESTAMP is read in a UTC
    session, timestamptz as an instant), wall time in `zone` for a zone-less DATETIME/timestamp."""
    if column.family == "datetime" and zone != "UTC":
        from zoneinfo import ZoneInfo

        wall = instant.astimezone(ZoneInfo(zone)).replace(tzinfo=None)
    else:
        wall = instant.astimezone(dt.timezone.utc).replace(tzinfo=None)
    return side.source.sql.literal(wall.isoformat(sep=" ", timespec="microseconds"), column)


def _keys(side: Side, condition: str) -> set[KeyValue]:
    """The keys of `side`'s rows that meet `condition` (and the side's own --where)."""
    where = f"({side.where}) AND {condition}" if side.where else condition
    try:
        keys = side.source.keys_where(side.table, side.key, where)
    except WhereRejected as exc:
        option = "--where and --since" if side.where else "--since"
        raise exc.for_side(side.name, side.source.dialect, option) from None
    return {canonical_key(key, side.key) for key in keys}


def canonical_key(raw: Sequence[Any], columns: Sequence[Any]) -> KeyValue:
    """One row's key as the same value whichever side read it (`canonical_bound` per column; whole
    numbers are canonical as they are).

    A CHAR(n) key is read padded from PostgreSQL ('ab   ') and bare from MySQL ('ab'), and the diff
    pairs the two (the text rule strips CHAR's padding): so do the window's key sets and a
    recheck, or one row would count as two keys (and a recheck lose a changed row's difference)."""
    return tuple(
        v if type(v) is int else _hashable(canonical_bound(_unpadded(v, c), c))
        for v, c in zip(raw, columns, strict=True)
    )


def _unpadded(value: Any, column: Any) -> Any:
    return value.rstrip(" ") if column.family == "char" and isinstance(value, str) else value


def sorted_keys(keys: Iterable[KeyValue]) -> list[KeyValue]:
    """Keys in a stable order (the same keys read in the same batches, with the same SQL)."""
    return _sorted(set(keys))[0]


def _hashable(value: Any) -> Any:
    """A key value as one value whatever side read it: a UUID as its text, an array as a tuple."""
    if isinstance(value, uuid.UUID):
        return str(value)
    return tuple(value) if isinstance(value, list) else value


def _sorted(keys: set[KeyValue]) -> tuple[list[KeyValue], bool]:
    """The keys in a stable order, so the same window writes the same SQL, and whether that order
    is their natural one (numbers, ISO dates: the databases' order, which chunks may be cut by)."""
    try:
        ordered = sorted(keys)
    except (TypeError, decimal.InvalidOperation):  # mixed types, a decimal NaN: any fixed order
        return sorted(keys, key=repr), False
    nan = any(v != v for key in ordered for v in key if isinstance(v, (float, decimal.Decimal)))
    return ordered, not nan


def _narrowed(side: Side, keys: Sequence[KeyValue]) -> str:
    predicate = key_set_predicate(side.source.sql, side.key, keys)
    return f"({side.where}) AND {predicate}" if side.where else predicate
