"""Repair SQL: the statements that make one side of a diff equal the other (docs/repair.md).

For every difference the result's store holds (after rechecks, the persistent ones only): a
DELETE of each row only on the target, an UPDATE of only the differing columns of each changed
row, an INSERT of each row only on the source, in the target's dialect, in transactions of at
most `batch` statements. dbdiff never executes it.

Values are taken in the rule's canonical form without its leniencies (`dbdiff.presentation`): a
text compared with ignore_case is written as the source spelled it, a DATETIME met by a
timestamptz as the instant the rule read, at the precision the comparison used. The target's
dialect spells each as a literal of the target column's type (`Dialect.repair_literal`). A value
the target cannot hold, duplicate and NULL keys, tables that errored or exist on one side only
are comments for a person, never statements. Masked columns are refused unless unmasked.
"""

from __future__ import annotations

import datetime as dt
import decimal
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from dbdiff.catalog import Column
from dbdiff.dialects import Dialect, Unwritable, get_dialect
from dbdiff.errors import UsageError, scrub
from dbdiff.mask import masked_columns
from dbdiff.plan import LENIENT_PARAMS, ColumnPlan, DiffPlan
from dbdiff.presentation import present

if TYPE_CHECKING:
    from dbdiff.engine.assemble import TableStore
    from dbdiff.options import OutputOptions
    from dbdiff.result import DiffResult, TableResult

TARGETS = ("right", "left")
#: Statements per transaction: a bounded lock footprint, and a failure undoes little.
BATCH = 500
#: What a rule's conversion raises on a value it cannot read (a polars panic included).
_UNREADABLE = (
    pl.exceptions.PolarsError,
    pl.exceptions.PanicException,
    ArithmeticError,
    ValueError,
    TypeError,
)


def repair_sql(
    result: DiffResult,
    target: str = "right",
    *,
    unmask: bool | Sequence[str] = False,
    batch: int = BATCH,
    now: dt.datetime | None = None,
) -> str:
    """The repair script that makes `target` ("right" or "left") equal the other side.

    `unmask`: True, or the masked columns to write anyway (masked columns are refused otherwise).
    """
    if target not in TARGETS:
        raise UsageError(f"--repair-target is one of right, left, not {target!r}")
    if batch < 1:
        raise UsageError(f"a repair batch holds at least 1 statement, not {batch}")
    store = _store_of(result)
    source = "left" if target == "right" else "right"
    info = result.right if target == "right" else result.left
    dialect = get_dialect(info.dialect)
    dialect.repair_literal(None, Column("x", "int", "integer"))  # a dialect that writes none raises here
    tables = list(result.tables)
    _refuse_masked(store, tables, unmask)
    made = (now or dt.datetime.now(dt.timezone.utc)).replace(microsecond=0)
    parts = [_TableRepair(t, store, target, source, dialect) for t in tables]
    lines = _header(result, target, source, made, parts)
    lines += [f"{s};" for s in dialect.repair_header]
    statements = [s for p in parts for s in p.statements]
    for start in range(0, len(statements), batch):
        lines += ["", "BEGIN;", *statements[start : start + batch], "COMMIT;"]
    for part in parts:
        if part.notes:
            lines += ["", f"-- {part.name}: needs a human"] + [f"--   {n}" for n in part.notes]
    return "\n".join(lines) + "\n"


def check_repair(
    output: OutputOptions, left_url: str | None, right_url: str | None, masks: Sequence[Any]
) -> None:
    """Before any row is read (`--repair-sql`): the target must be a MySQL or PostgreSQL server,
    and no masked column (`masks`: names, or a check file's per-table lists) goes out in clear
    unless `--repair-unmask`."""
    if output.repair_sql is None:
        return
    from dbdiff.sources.urls import parse_url

    target_url = right_url if output.repair_target == "right" else left_url
    scheme = parse_url(target_url).scheme if target_url else ""
    if scheme not in ("mysql", "postgresql"):
        raise UsageError(
            f"--repair-sql writes SQL for a MySQL or PostgreSQL target, and the {output.repair_target} "
            f"side is {scheme or 'no server'}",
            hint="choose the other side with --repair-target, or leave --repair-sql out",
        )
    names = sorted({str(n) for m in masks if m for n in ([m] if isinstance(m, str) else m)})
    if names and not output.repair_unmask:
        raise UsageError(
            f"--repair-sql would write the masked column(s) {', '.join(names)} in clear",
            hint="add --repair-unmask to write them anyway, or leave --mask out",
        )


def write_repair(result: DiffResult, output: OutputOptions) -> Path | None:
    """Write the run's repair script to `--repair-sql FILE`, atomically (a reader never sees half
    of it); None when no file was asked for."""
    import os

    if output.repair_sql is None:
        return None
    text = repair_sql(result, output.repair_target, unmask=output.repair_unmask)
    path = Path(output.repair_sql)
    partial = path.with_name(f".{path.name}.tmp")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        partial.write_text(text, encoding="utf-8")
        os.replace(partial, path)
    except OSError as exc:
        partial.unlink(missing_ok=True)
        raise UsageError(f"cannot write the repair SQL to {str(path)!r}: {exc.strerror or exc}") from None
    return path


def _store_of(result: DiffResult) -> TableStore:
    from dbdiff.engine.assemble import TableStore

    store = result._store
    if not isinstance(store, TableStore) or not result.full_rows:
        raise UsageError(
            "repair SQL needs every differing row, and this result holds only its samples "
            "(loaded from JSON, or its store is gone)",
            hint="run the diff again with --repair-sql FILE, or call repair_sql() on the result it returns",
        )
    return store


def _refuse_masked(store: TableStore, tables: Sequence[TableResult], unmask: bool | Sequence[str]) -> None:
    if unmask is True:
        return
    allowed = set() if unmask is False else {str(c).lower() for c in unmask}
    for table in tables:
        names = store.masked.get(table.left_table, ())
        if not names or table.left_table not in store.tables:
            continue
        masked = masked_columns(store.plan(table.left_table).all_pairs, names)
        refused = sorted(c for c in masked if c.lower() not in allowed)
        if refused:
            shown = ", ".join(refused)
            raise UsageError(
                f"repair SQL would write the masked column{'s' if len(refused) > 1 else ''} {shown} "
                f"of table {table.left_table!r} in clear",
                hint="drop --mask for it, or unmask it for the repair (--repair-unmask; "
                "repair_sql(unmask=True) in Python)",
            )


@dataclass
class _TableRepair:
    """One table's statements and the rows it leaves to a person."""

    table: TableResult
    store: TableStore
    target: str
    source: str
    dialect: Dialect
    statements: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=lambda: {"DELETE": 0, "UPDATE": 0, "INSERT": 0})

    def __post_init__(self) -> None:
        t = self.table
        self.name = t.right_table if self.target == "right" else t.left_table
        if t.status == "error":
            self.notes.append(f"the table could not be compared: {scrub(t.error or '')}")
            return
        if t.only_on is not None:
            if t.only_on == self.source:
                self.notes.append(f"the table exists on the {self.source} side only: create it by hand")
            else:
                self.notes.append(
                    f"the table exists on the {self.target} side only: drop it by hand if it must go"
                )
            return
        if t.left_table not in self.store.tables:
            self.notes.append("no rows of this table were kept")
            return
        self.plan = self.store.plan(t.left_table)
        lenient = [p.name for p in self.plan.key if any(p.choice.params.get(k) for k in LENIENT_PARAMS)]
        if lenient and self.target == "right":
            self.notes.append(
                f"key {', '.join(lenient)} is compared leniently: each UPDATE finds its row by the left "
                "side's spelling of the key, which the right side may spell otherwise"
            )
        self._guard_rails()
        self._deletes()
        self._updates()
        self._inserts()

    # --- what no statement can fix ---

    def _guard_rails(self) -> None:
        s, t = self.table.summary, self.table
        for side in ("left", "right"):
            keys = getattr(s, f"duplicate_keys_{side}")
            if keys:
                shown = [_key_text(d.get("key", {})) for d in t.samples.duplicates if d.get("side") == side]
                self.notes.append(
                    f"{keys:,} key(s) are duplicated on the {side} side; their rows are not repaired"
                    + (f" (e.g. {'; '.join(shown[:5])})" if shown else "")
                )
            nulls = getattr(s, f"null_keys_{side}")
            if nulls:
                self.notes.append(
                    f"{nulls:,} row(s) have a NULL key on the {side} side; they are not repaired"
                )
        for name in (*t.schema.only_left, *t.schema.only_right):
            self.notes.append(f"column {name} is on one side only: not written")

    # --- statements ---

    def _table_ref(self) -> str:
        return self.dialect.table_ref(self.name)

    def _where(self, values: Sequence[Any]) -> str:
        parts = []
        for pair, value in zip(self.plan.key, values, strict=True):
            column = pair.on(self.target)
            parts.append(f"{self.dialect.quote(column.name)} = {self._literal(value, pair)}")
        return " AND ".join(parts)

    def _literal(self, value: Any, pair: ColumnPlan) -> str:
        return self.dialect.repair_literal(_for_target(value, pair, self.target), pair.on(self.target))

    def _rows(self, kind: str) -> Iterator[dict[str, Any]]:
        """The rows of `kind` in the rules' form; a row with a value no rule can show is a note."""
        frame = self.store.stored(self.table.left_table, kind)
        if frame.height == 0:
            return
        nk = len(self.plan.key)
        if kind == f"only_{self.target}":  # a DELETE needs the key only
            frame = frame.select([c for c in frame.columns if c.startswith(("k", "rk"))])
        elif kind == "changed":  # an UPDATE writes the source's values only: the target's may be unreadable
            mine = "_r" if self.target == "right" else "_l"
            frame = frame.with_columns(
                pl.lit(None, dtype=frame.schema[f"r{j}{mine}"]).alias(f"r{j}{mine}")
                for j in range(len(self.plan.columns))
            )
        try:
            yield from present(frame, self.plan, kind, for_json=True, strict=True).iter_rows(named=True)
            return
        except _UNREADABLE:
            pass
        for index in range(frame.height):  # only when some value is unreadable: find it row by row
            row = frame.slice(index, 1)
            try:
                shown = present(row, self.plan, kind, for_json=True, strict=True)
            except _UNREADABLE:
                suffix = "_l" if kind == "changed" else ""
                key = row.select(f"rk{i}{suffix}" for i in range(nk)).row(0)
                what = f"no rule can read a value on the {self.source} side"
                self.notes.append(f"{_key_of(self.plan, key)}: {what}")
                continue
            yield from shown.iter_rows(named=True)

    def _deletes(self) -> None:
        for row in self._rows(f"only_{self.target}"):
            key = [row[f"rk{i}"] for i in range(len(self.plan.key))]

            def delete(key: list[Any] = key) -> str:
                return f"DELETE FROM {self._table_ref()} WHERE {self._where(key)}"

            self._add("DELETE", key, delete)

    def _updates(self) -> None:
        theirs = "_l" if self.source == "left" else "_r"
        for row in self._rows("changed"):
            key = [row[f"rk{i}_l"] for i in range(len(self.plan.key))]
            differing = [j for j in range(len(self.plan.columns)) if row[f"d{j}"]]
            unread = [self.plan.columns[j].name for j in differing if row.get(f"u{j}{theirs}")]
            if unread:
                what = f"no rule can read {', '.join(unread)} on the {self.source} side"
                self.notes.append(f"{_key_of(self.plan, key)}: {what}")
                continue

            def update(
                row: dict[str, Any] = row, key: list[Any] = key, differing: list[int] = differing
            ) -> str:
                sets = ", ".join(
                    f"{self.dialect.quote(self.plan.columns[j].on(self.target).name)} = "
                    f"{self._literal(row[f'r{j}{theirs}'], self.plan.columns[j])}"
                    for j in differing
                )
                return f"UPDATE {self._table_ref()} SET {sets} WHERE {self._where(key)}"

            self._add("UPDATE", key, update)

    def _inserts(self) -> None:
        pairs = [*self.plan.key, *self.plan.columns]
        names = ", ".join(self.dialect.quote(p.on(self.target).name) for p in pairs)
        nk = len(self.plan.key)
        for row in self._rows(f"only_{self.source}"):
            key = [row[f"rk{i}"] for i in range(nk)]
            values = key + [row[f"r{j}"] for j in range(len(self.plan.columns))]

            def insert(values: list[Any] = values) -> str:
                literals = ", ".join(self._literal(v, p) for v, p in zip(values, pairs, strict=True))
                return f"INSERT INTO {self._table_ref()} ({names}) VALUES ({literals})"

            self._add("INSERT", key, insert)

    def _add(self, verb: str, key: Sequence[Any], build: Any) -> None:
        try:
            statement = build()
        except Unwritable as exc:
            self.notes.append(f"{verb} of {_key_of(self.plan, key)}: {exc}")
            return
        self.statements.append(statement + ";")
        self.counts[verb] += 1


def _for_target(value: Any, pair: ColumnPlan, target: str) -> Any:
    """A value in the rule's canonical form as the dialect-free value the target column takes;
    `Unwritable` when the column is too small for it (the server would refuse the statement, and
    with it the whole transaction, or round the value so that it still differs)."""
    value = _converted(value, pair, target)
    column = pair.on(target)
    scale, precision = column.scale, column.precision
    decimals = isinstance(value, decimal.Decimal) and value.is_finite() and column.family == "decimal"
    if decimals and scale is not None:
        with decimal.localcontext() as exact:
            exact.prec = 1000  # the default 28 digits cannot quantize a DECIMAL(65,30)
            if value != value.quantize(decimal.Decimal(1).scaleb(-scale), rounding=decimal.ROUND_DOWN):
                raise Unwritable(f"{value} has more decimal places than {column.native_type} holds")
            if precision and abs(value) >= decimal.Decimal(10) ** (precision - scale):
                raise Unwritable(f"{value} is too large for {column.native_type}")
    # Declared lengths in characters (a TEXT's is in bytes, and the server's to judge).
    sized = column.native_type.lower().startswith(("varchar", "char", "character"))
    if isinstance(value, str) and sized and column.length and len(value) > column.length:
        raise Unwritable(f"a text of {len(value):,} characters is too long for {column.native_type}")
    return value


def _converted(value: Any, pair: ColumnPlan, target: str) -> Any:
    column = pair.on(target)
    other = pair.on("left" if target == "right" else "right")
    rule, params = pair.choice.normalizer, pair.choice.params
    if value is None:
        return None
    if isinstance(value, uuid.UUID):
        value = str(value)
    if rule == "uuid" and column.family == "binary":
        raw = uuid.UUID(str(value)).bytes
        if params.get("swap"):  # UUID_TO_BIN(u, 1): time-high first
            raw = raw[6:8] + raw[4:6] + raw[0:4] + raw[8:]
        return raw
    if rule == "timestamp" and isinstance(value, dt.datetime):
        instant = value if value.tzinfo else value.replace(tzinfo=dt.timezone.utc)
        if column.family == "timestamp":
            return instant
        zone = str(params.get("assume_zone", "UTC")) if params.get("mixed_zones") else "UTC"
        if zone != "UTC":
            return _wall_time(instant, zone)
        return instant.astimezone(dt.timezone.utc).replace(tzinfo=None)
    if rule == "float" and isinstance(value, float) and (other.precision or 53) <= 24:
        return _shortest_float32(value)
    if rule == "decimal" and isinstance(value, str):
        return decimal.Decimal(value)
    if rule == "set" and column.family in ("set", "string", "char") and isinstance(value, (list, tuple)):
        return ",".join(str(v) for v in value)
    return value


def _wall_time(instant: dt.datetime, zone: str) -> dt.datetime:
    """`instant` as a zone-less wall time in `zone`, if it reads back as the same instant.

    A wall time in the hour a DST change repeats is read (by the rule, as by PostgreSQL) with the
    smaller offset: the earlier of the two instants has no wall time of its own, and is `Unwritable`.
    """
    from zoneinfo import ZoneInfo

    tz = ZoneInfo(zone)
    wall = instant.astimezone(tz).replace(tzinfo=None)
    offsets = [wall.replace(tzinfo=tz, fold=fold).utcoffset() for fold in (0, 1)]
    offset = min(o for o in offsets if o is not None)
    if wall - offset != instant.astimezone(dt.timezone.utc).replace(tzinfo=None):
        raise Unwritable(
            f"{instant.isoformat()} has no wall time of its own in {zone} (the hour DST repeats): "
            "a zone-less column cannot hold it"
        )
    return wall


def _shortest_float32(value: float) -> float:
    """The double of the shortest decimal that reads back as the same 32-bit float (0.1, not
    0.10000000149011612), so a FLOAT's value is written as people wrote it."""
    import math
    import struct

    if not math.isfinite(value):
        return value
    single = struct.unpack("f", struct.pack("f", value))[0]
    for digits in range(1, 10):
        text = f"{single:.{digits}g}"
        if struct.unpack("f", struct.pack("f", float(text)))[0] == single:
            return float(text)
    return single


def _key_text(key: Any) -> str:
    if isinstance(key, dict):
        return ", ".join(f"{k}={v!r}" for k, v in key.items())
    return repr(key)


def _key_of(plan: DiffPlan, key: Sequence[Any]) -> str:
    return "key " + ", ".join(f"{p.name}={_shown(v)}" for p, v in zip(plan.key, key, strict=True))


def _shown(value: Any) -> str:
    text = repr(value.isoformat() if isinstance(value, (dt.date, dt.datetime)) else value)
    return text if len(text) <= 80 else text[:77] + "..."


def _header(
    result: DiffResult, target: str, source: str, made: dt.datetime, parts: Sequence[_TableRepair]
) -> list[str]:
    src, tgt = (result.left, result.right) if target == "right" else (result.right, result.left)
    run_id = result.options.get("run_id")
    lines = [
        f"-- dbdiff repair SQL: makes the {target} side equal the {source} side.",
        "-- dbdiff never executes it: read it, then run it against the target yourself.",
        f"-- made {made.isoformat().replace('+00:00', 'Z')} by dbdiff {result.dbdiff_version}"
        f" from the diff started {result.started_at or '(unknown)'}" + (f", run {run_id}" if run_id else ""),
        f"-- source ({source}): {scrub(src.url or '')}",
        f"-- target ({target}): {scrub(tgt.url or '')} ({tgt.dialect})",
    ]
    for part in parts:
        c = part.counts
        rechecked = part.table.recheck
        lines.append(
            f"-- table {part.name}: {c['DELETE']:,} DELETE, {c['UPDATE']:,} UPDATE, {c['INSERT']:,} INSERT"
            + (f"; {len(part.notes):,} note(s) for a human at the end" if part.notes else "")
        )
        if rechecked:
            transient = sum(int(v) for v in dict(rechecked.get("transient") or {}).values())
            lines.append(
                f"--   rechecked {rechecked.get('rounds')} time(s): persistent differences only "
                f"({transient:,} transient left out)"
            )
        elif part.table.only_on is None and part.table.status != "error":
            lines.append("--   not rechecked: a write in flight during the diff may show as a difference")
    return lines
