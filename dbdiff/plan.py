"""Planning: which columns pair up, which rule compares each pair, the key, and the chunk ranges.

Everything here is pure: it takes schemas and key boundaries already read by the sources and does
no IO, so plans can be built and checked in unit tests and shown by `dbdiff explain`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from dbdiff.catalog import ORDER_STABLE_FAMILIES, Column, TableCatalog
from dbdiff.catalog_diff import type_difference
from dbdiff.column_match import (
    ColumnMatch,
    columns_hint,
    match_columns,
    not_paired,
    resolve_column,
)
from dbdiff.errors import ColumnError, KeyColumnError
from dbdiff.rules import RuleChoice, RuleSet
from dbdiff.sources.base import KeyRange, KeyValue

Override = tuple[str, Mapping[str, Any]]

#: Normalizer parameters that can make two different values equal. On a key they make equal
#: normalized keys possible in different chunks, so the engine pairs such keys globally.
LENIENT_PARAMS = ("ignore_case", "trim", "rstrip", "empty_as_null", "abs_tol", "rel_tol")

#: Families a side stores as free text: a normalizer that parses them (uuid folds case and drops
#: braces, json reorders keys, decimal reads '1.0' and '1.00' alike) can give two spellings one value.
_TEXT_STORED = frozenset({"char", "string", "json", "other"})
#: Normalizers that keep distinct keys of the non-text families apart.
_INJECTIVE = frozenset({"integer", "decimal", "date", "exact", "bit", "uuid"})
#: Families whose values both engines order alike, in classes: boundaries are shared only when both
#: sides' families are in one class (an integer boundary means nothing to a boolean column).
_ORDER_CLASSES = (
    frozenset({"integer", "year", "decimal", "float"}),
    frozenset({"boolean"}),
    frozenset({"date"}),
    frozenset({"datetime", "timestamp"}),
)


@dataclass(frozen=True)
class ColumnPlan:
    """One compared column: both sides' columns and the rule chosen for them."""

    name: str
    left: Column
    right: Column
    choice: RuleChoice

    def on(self, side: str) -> Column:
        """The pair's column on `side` ("left" or "right")."""
        return self.left if side == "left" else self.right


@dataclass(frozen=True)
class ChunkTask:
    """One unit of work: a key range on each side (the same range unless key order differs)."""

    index: int
    left: KeyRange
    right: KeyRange


@dataclass(frozen=True)
class DiffPlan:
    left_table: str
    right_table: str
    key: tuple[ColumnPlan, ...]
    columns: tuple[ColumnPlan, ...]
    only_left: tuple[str, ...] = ()
    only_right: tuple[str, ...] = ()
    chunks: tuple[ChunkTask, ...] = ()
    rows_left: int = 0
    rows_right: int = 0
    #: True when `rows_left`/`rows_right` are the servers' estimates, not counts (`engine.extent`).
    rows_estimated: bool = False
    shared_boundaries: bool = True
    where: str | None = None
    right_where: str | None = None
    #: Catalog differences found while planning for `dbdiff run` (see `dbdiff.catalog_diff`).
    differences: tuple[dict[str, Any], ...] = ()
    #: The incremental window the sides were narrowed to (`dbdiff.engine.window`), else None.
    window: Mapping[str, Any] | None = None

    @property
    def key_names(self) -> tuple[str, ...]:
        return tuple(k.name for k in self.key)

    @property
    def all_pairs(self) -> tuple[ColumnPlan, ...]:
        return self.key + self.columns


def choose_key(
    left: TableCatalog,
    right: TableCatalog,
    key: Sequence[str] | None,
    *,
    match_names: str = "case",
    mapping: Mapping[str, str] | None = None,
) -> list[str]:
    """The key columns (as the left side names them): as given, else the left primary key, else
    the right one; columns pair as `match_columns` says."""
    matches = match_columns(left, right, match_names, mapping)
    if key:
        chosen: list[str] = []
        for name in key:
            match = resolve_column(name, matches, "key column", KeyColumnError)
            if match is None or match.left is None or match.right is None:
                hint_schema = right if match is not None and match.left is not None else left
                raise KeyColumnError(
                    not_paired(name, match, "key column", left, right, match_names),
                    hint=columns_hint(hint_schema),
                )
            if match.left.name in chosen:
                raise KeyColumnError(f"key column {name!r} is named twice")
            if "spatial" in (match.left.family, match.right.family):
                raise KeyColumnError(
                    f"key column {name!r} is a geometry ({match.left.native_type} vs "
                    f"{match.right.native_type}): geometries have no order to chunk by",
                    hint="name other key columns with --key COL",
                )
            chosen.append(match.left.name)
        return chosen
    for side, schema in (("left", left), ("right", right)):
        own = [schema.get(pk) for pk in schema.primary_key]
        partners = {id(m.left if side == "left" else m.right): m.left for m in matches if m.paired}
        names = [partners.get(id(column)) for column in own]
        if names and all(names):
            return [n.name for n in names if n is not None]
    hint = "name the key columns with --key COL [--key COL2]"
    if match_names != "convention" and (left.primary_key or right.primary_key):
        try:
            choose_key(left, right, None, match_names="convention", mapping=mapping)
            hint = "the primary keys pair as spellings of the same words: try --match-names convention"
        except KeyColumnError:
            pass
    raise KeyColumnError(
        f"no key found for {left.name!r}: neither side has a primary key that both sides share", hint=hint
    )


def pair_columns(
    left: TableCatalog,
    right: TableCatalog,
    *,
    key: Sequence[str],
    rules: RuleSet,
    left_dialect: str,
    right_dialect: str,
    columns: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    overrides: Mapping[str, Override] | None = None,
    match_names: str = "case",
    mapping: Mapping[str, str] | None = None,
    uncovered: str = "error",
) -> ColumnPairing:
    """The key pairs, compared pairs, columns only on either side, and the pairs left out.

    Columns pair as `match_columns` says; every name the user gives (key, --columns, --exclude,
    rule overrides) resolves as `resolve_column` says: exactly, else ignoring case when that is
    unambiguous, else an error naming the candidates. A compared (non-key) pair no rule covers is a
    `RuleError` with `uncovered="error"` (diff, explain); with "skip" (`dbdiff run`) it is left out
    and described in `uncovered` as a catalog difference of kind "type".
    """
    if uncovered not in ("error", "skip"):
        raise ValueError(f"uncovered is 'error' or 'skip', not {uncovered!r}")
    matches = match_columns(left, right, match_names, mapping)

    def paired(name: str, what: str) -> ColumnMatch:
        match = resolve_column(name, matches, what)
        if match is None or not match.paired:
            hint_schema = right if match is not None and match.left is not None else left
            raise ColumnError(
                not_paired(name, match, what, left, right, match_names), hint=columns_hint(hint_schema)
            )
        return match

    key_matches = [paired(k, "key column") for k in key]
    excluded: list[ColumnMatch] = []
    for name in exclude:
        match = resolve_column(name, matches, "--exclude column")
        if match is None:
            raise ColumnError(
                f"--exclude names column {name!r}, which neither side has", hint=columns_hint(left)
            )
        if any(match is k for k in key_matches):
            raise ColumnError(f"cannot exclude key column {name!r}")
        excluded.append(match)

    def skipped(match: ColumnMatch) -> bool:
        return any(match is k for k in key_matches) or any(match is e for e in excluded)

    if columns:
        wanted: list[ColumnMatch] = []
        for name in columns:
            match = paired(name, "column")
            if not any(match is w for w in wanted):
                wanted.append(match)
    else:
        wanted = [m for m in matches if m.paired]
    compared_matches = [m for m in wanted if not skipped(m)]
    rule_for: dict[int, Override] = {}
    for name, override in (overrides or {}).items():
        match = resolve_column(name, matches, "--rule column")
        if match is None or not any(match is m for m in key_matches + compared_matches):
            raise ColumnError(f"a rule override names column {name!r}, which is not compared")
        if id(match) in rule_for:
            raise ColumnError(f"two rule overrides name column {match.describe()}")
        rule_for[id(match)] = override

    def plan_for(match: ColumnMatch) -> ColumnPlan:
        lc, rc = match.left, match.right
        assert lc is not None and rc is not None
        choice = rules.choose(lc, rc, left_dialect, right_dialect, rule_for.get(id(match)))
        return ColumnPlan(name=lc.name, left=lc, right=rc, choice=choice)

    def covered(match: ColumnMatch) -> bool:
        lc, rc = match.left, match.right
        assert lc is not None and rc is not None
        named = rule_for.get(id(match), ("", {}))[0]
        return bool(named) or any(r.matches(lc, rc, left_dialect, right_dialect) for r in rules.rules)

    left_out = [m for m in compared_matches if uncovered == "skip" and not covered(m)]
    key_plans = tuple(plan_for(m) for m in key_matches)
    compared = tuple(plan_for(m) for m in compared_matches if not any(m is o for o in left_out))
    differences = tuple(
        type_difference(m.left, m.right, left_dialect, right_dialect) for m in left_out if m.left and m.right
    )
    if columns:
        return ColumnPairing(key_plans, compared, (), (), differences)
    only_left = tuple(m.left.name for m in matches if m.right is None and m.left and not skipped(m))
    only_right = tuple(m.right.name for m in matches if m.left is None and m.right and not skipped(m))
    return ColumnPairing(key_plans, compared, only_left, only_right, differences)


class ColumnPairing(NamedTuple):
    """What `pair_columns` found (it unpacks like a tuple)."""

    key: tuple[ColumnPlan, ...]
    compared: tuple[ColumnPlan, ...]
    only_left: tuple[str, ...]
    only_right: tuple[str, ...]
    #: Pairs no rule covers, left out of the comparison (only with `uncovered="skip"`).
    uncovered: tuple[dict[str, Any], ...] = ()


def boundaries_shareable(key: Sequence[ColumnPlan]) -> bool:
    """True when every key column orders the same way on both sides (numbers, dates)."""
    return all(
        k.left.family in ORDER_STABLE_FAMILIES
        and any(k.left.family in c and k.right.family in c for c in _ORDER_CLASSES)
        for k in key
    )


def key_may_merge(pair: ColumnPlan) -> bool:
    """True unless the key rule provably keeps distinct raw keys of a side apart.

    Keys it may merge (case folding, trimming, UUID spellings, any non-zero TINYINT(1) read as
    true, precision cuts) can sit in different chunks, or in one at another chunk size, so the
    engine and `validate` pair them and find their duplicates across the whole table.
    """
    choice, params = pair.choice, pair.choice.params
    if any(params.get(p) for p in LENIENT_PARAMS):
        return True
    families = {pair.left.family, pair.right.family}
    name = choice.normalizer
    if name == "text":
        return "char" in families  # CHAR padding is dropped
    if name != "exact" and families & _TEXT_STORED:
        return True
    if name in _INJECTIVE:
        return False
    if name == "binary":
        return bool(params.get("strip_zero_padding"))
    if name == "timestamp":
        finest = max(c.fsp if c.fsp is not None else 6 for c in (pair.left, pair.right))
        return int(params.get("fsp", 6)) < finest
    return True  # boolean, float, time, json, set, and any normalizer not known to keep keys apart


def bound_order(bound: KeyValue) -> tuple[Any, ...]:
    """A sort key for boundaries that orders NaN last (as PostgreSQL and DuckDB do) instead of
    breaking the sort (a float NaN compares false with everything, a decimal NaN raises)."""
    return tuple(_value_order(v) for v in bound)


def _value_order(value: Any) -> tuple[int, Any]:
    import decimal
    import math

    if isinstance(value, float) and math.isnan(value):
        return (1, 0)
    if isinstance(value, decimal.Decimal) and value.is_nan():
        return (1, 0)
    return (0, value)


def plan_chunks(
    left_bounds: Sequence[KeyValue],
    right_bounds: Sequence[KeyValue],
    *,
    shared: bool,
    sort_key: Any = None,
) -> tuple[ChunkTask, ...]:
    """Chunk tasks from each side's boundaries (every Nth key in that side's own order).

    Shared: both sides' boundaries merged (see `merge_boundaries`) and used on both sides.
    Not shared (string keys, whose order depends on the collation): each side keeps its own
    boundaries, chunk i of one side paired with chunk i of the other; each side's ranges still
    partition that side, and the residual pass matches rows that land in different chunks.
    """
    if shared:
        edges: list[KeyValue | None] = [None, *merge_boundaries(left_bounds, right_bounds, sort_key), None]
        return tuple(
            ChunkTask(i, KeyRange(edges[i], edges[i + 1]), KeyRange(edges[i], edges[i + 1]))
            for i in range(len(edges) - 1)
        )
    n = max(len(left_bounds), len(right_bounds)) + 1
    return tuple(ChunkTask(i, _own_range(left_bounds, i), _own_range(right_bounds, i)) for i in range(n))


def merge_boundaries(
    left: Sequence[KeyValue], right: Sequence[KeyValue], sort_key: Any = None
) -> list[KeyValue]:
    """One list of cuts from two sides' boundaries, each every-Nth key of its side.

    Cutting at the union of both lists would be safe but, when the sides differ by a few rows,
    alternate full chunks with chunks of one row. Instead, walk the union in order and cut once
    both sides have passed a boundary since the last cut, or one side has passed two. A chunk then
    spans at most two of either side's intervals: never more than twice the chunk size on a side,
    and about the chunk size when the sides agree.
    """
    sides: dict[KeyValue, set[str]] = {}
    for name, bounds in (("left", left), ("right", right)):
        for bound in bounds:
            sides.setdefault(bound, set()).add(name)
    cuts = []
    passed = {"left": 0, "right": 0}
    for bound in sorted(sides, key=sort_key or bound_order):
        for name in sides[bound]:
            passed[name] += 1
        if (passed["left"] and passed["right"]) or max(passed.values()) >= 2:
            cuts.append(bound)
            passed = {"left": 0, "right": 0}
    return cuts


def _own_range(bounds: Sequence[KeyValue], i: int) -> KeyRange:
    if i > len(bounds):
        return KeyRange.nothing()
    lower = bounds[i - 1] if i > 0 else None
    upper = bounds[i] if i < len(bounds) else None
    return KeyRange(lower, upper)


def canonical_bound(value: Any, column: Column) -> Any:
    """A boundary value in a form both sides' literals accept and that sorts in key order."""
    import datetime as dt
    import decimal

    if value is None or isinstance(value, (bool, bytes)):
        return value
    if column.family == "decimal" or isinstance(value, decimal.Decimal):
        return decimal.Decimal(str(value))
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        return value.isoformat(sep=" ", timespec="microseconds")
    if isinstance(value, dt.date):
        return value.isoformat()
    if column.family in ("integer", "year") and isinstance(value, str):
        return int(value)  # BIGINT UNSIGNED is read as text: its boundaries must sort as numbers
    if column.family in ("datetime", "timestamp") and isinstance(value, str):
        try:
            return dt.datetime.fromisoformat(value).isoformat(sep=" ", timespec="microseconds")
        except ValueError:
            return value  # a MySQL zero date: the server compares the text itself
    return value


def canonical_bounds(bounds: Sequence[KeyValue], key: Sequence[Column]) -> list[KeyValue]:
    return [tuple(canonical_bound(v, c) for v, c in zip(b, key, strict=True)) for b in bounds]


def key_literal(value: Sequence[Any]) -> str:
    """A key value as people write it in SQL: `100004`, `'Zürich'`, `(7, 'b')` for a composite key."""
    parts = [value_literal(v) for v in value]
    return parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"


def value_literal(value: Any) -> str:
    """One value as a SQL literal: numbers bare, text and dates quoted, bytes as x'..', NULL."""
    import datetime as dt
    import decimal

    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, decimal.Decimal):
        return format(value, "f") if value.is_finite() else f"'{value}'"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "x'" + bytes(value).hex() + "'"
    if isinstance(value, dt.datetime):
        text = value.isoformat(sep=" ")
    elif isinstance(value, (dt.date, dt.time)):
        text = value.isoformat()
    else:
        text = str(value)
    escaped = "".join(ch if ch.isprintable() else ascii(ch)[1:-1] for ch in text.replace("'", "''"))
    return f"'{escaped}'"


def describe_plan(
    plan: DiffPlan,
    *,
    left_cast: Callable[[Column], str] | None = None,
    right_cast: Callable[[Column], str] | None = None,
    hide_keys: bool = False,
) -> dict[str, Any]:
    """The plan as plain data for `dbdiff explain`: pairs, rules, SELECT-list casts and chunks.

    A cast is shown only when a side reads the column through an expression (`... AS name`).
    With `hide_keys` (a key column is masked), chunk boundaries show `<masked>` for key values.
    """

    def cast(fn: Callable[[Column], str] | None, column: Column) -> str | None:
        expr = fn(column) if fn is not None else None
        return expr if expr and " AS " in expr else None

    def bound(key_range: KeyRange) -> str:
        if key_range.empty:
            return "(no rows)"
        shown = (lambda _: "<masked>") if hide_keys else key_literal
        lower = "start" if key_range.lower is None else shown(key_range.lower)
        upper = "end" if key_range.upper is None else shown(key_range.upper)
        return f"[{lower}, {upper})"

    return {
        "left_table": plan.left_table,
        "right_table": plan.right_table,
        "key": list(plan.key_names),
        "rows_left": plan.rows_left,
        "rows_right": plan.rows_right,
        **({"rows_estimated": True} if plan.rows_estimated else {}),
        "columns": [
            {
                "name": pair.name,
                **({"right_name": pair.right.name} if pair.right.name != pair.name else {}),
                "key": pair in plan.key,
                "left_type": pair.left.native_type,
                "right_type": pair.right.native_type,
                "left_family": pair.left.family,
                "right_family": pair.right.family,
                "rule": pair.choice.label(),
                "normalizer": pair.choice.normalizer,
                "params": dict(pair.choice.params),
                "left_cast": cast(left_cast, pair.left),
                "right_cast": cast(right_cast, pair.right),
            }
            for pair in plan.all_pairs
        ],
        "only_left": list(plan.only_left),
        "only_right": list(plan.only_right),
        "shared_boundaries": plan.shared_boundaries,
        "chunks": [{"index": c.index, "left": bound(c.left), "right": bound(c.right)} for c in plan.chunks],
    }
