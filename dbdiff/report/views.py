"""Per-table views every renderer shares: compared columns, sample kinds and their columns,
and the pair's warnings, read from a result without recomputing anything.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dbdiff.report.display import display_key, display_value
from dbdiff.report.redaction import safe_text

if TYPE_CHECKING:
    from dbdiff.result import TableResult


SAMPLE_KINDS = ("changed", "only_left", "only_right", "duplicates", "null_keys")
SAMPLE_TITLES = {
    "changed": "Changed rows",
    "only_left": "Rows only in left",
    "only_right": "Rows only in right",
    "duplicates": "Duplicate keys",
    "null_keys": "Rows with a NULL key",
}


def pair_name(table: TableResult) -> str:
    """`orders → orders_v2`, or `orders` when both sides share the name (or it is on one side only)."""
    if table.only_on == "left":
        return table.left_table or table.right_table
    if table.only_on == "right":
        return table.right_table or table.left_table
    if table.left_table == table.right_table:
        return table.left_table
    return f"{table.left_table} → {table.right_table}"


@dataclass(frozen=True)
class ColumnRow:
    """One compared column: types, rule and mismatch count merged from schema and stats."""

    name: str
    right_name: str | None
    left_type: str
    right_type: str
    rule: str
    mismatches: int


def column_rows(table: TableResult) -> list[ColumnRow]:
    """The compared columns in schema order; stats for columns the schema lacks come last."""
    mismatches = {c.name: c.mismatches for c in table.columns}
    rows = [
        ColumnRow(
            name=c.name,
            right_name=c.right_name if c.right_name and c.right_name != c.name else None,
            left_type=c.left_type,
            right_type=c.right_type,
            rule=c.rule,
            mismatches=mismatches.pop(c.name, 0),
        )
        for c in table.schema.columns
    ]
    rows.extend(ColumnRow(name, None, "", "", "", count) for name, count in mismatches.items())
    return rows


def top_columns(table: TableResult, n: int) -> list[ColumnRow]:
    """The `n` columns with the most mismatches (ties in schema order), only those that differ."""
    differing = [row for row in column_rows(table) if row.mismatches > 0]
    return sorted(differing, key=lambda row: -row.mismatches)[:n]


def sample_total(table: TableResult, kind: str) -> int:
    """How many items of a sample kind the run found (at least as many as it kept)."""
    s = table.summary
    total = {
        "changed": s.changed,
        "only_left": s.only_left,
        "only_right": s.only_right,
        "duplicates": s.duplicate_keys_left + s.duplicate_keys_right,
        "null_keys": s.null_keys_left + s.null_keys_right,
    }[kind]
    return max(total, len(getattr(table.samples, kind)))


def changed_columns(table: TableResult, samples: Iterable[Mapping[str, Any]]) -> list[str]:
    """Columns that differ in any of `samples`, in schema order, unknown ones as first seen."""
    seen: dict[str, None] = {}
    for sample in samples:
        for name in sample.get("diffs", {}):
            seen.setdefault(name, None)
    order = {c.name: i for i, c in enumerate(table.schema.columns)}
    return sorted(seen, key=lambda name: order.get(name, len(order)))


def row_columns(table: TableResult, samples: Iterable[Mapping[str, Any]]) -> list[str]:
    """Non-key columns of sampled rows, in the order first seen."""
    seen: dict[str, None] = {}
    for sample in samples:
        for name in sample.get("row", {}):
            if name not in table.key:
                seen.setdefault(name, None)
    return list(seen)


def key_columns(table: TableResult, samples: Sequence[Mapping[str, Any]]) -> list[str]:
    """The key columns: the table's key, else the names found in the samples' keys."""
    if table.key:
        return list(table.key)
    seen: dict[str, None] = {}
    for sample in samples:
        for name in sample.get("key", {}):
            seen.setdefault(name, None)
    return list(seen)


WARNINGS_NOTE = (
    "Values that compare equal only because a rule reads them leniently: they do not make the pair different."
)


@dataclass(frozen=True)
class WarningRow:
    """One warning of a pair: values of `column` on `side` that a rule reads leniently."""

    side: str
    column: str
    check: str
    count: int
    message: str
    examples: tuple[Mapping[str, Any], ...]  # {"key": {...}, "value": v}, values JSON-encoded


def table_warnings(table: TableResult) -> list[WarningRow]:
    """The pair's warnings in the result's order, read leniently (a saved result may be hand-edited).

    Warnings never change a pair's status: they flag values that compare equal only because a
    rule reads them leniently (a TINYINT(1) holding 2 equals true).
    """
    rows = []
    for item in getattr(table, "warnings", ()) or ():
        if not isinstance(item, Mapping):
            continue
        raw = item.get("examples")
        examples = tuple(e for e in raw if isinstance(e, Mapping)) if isinstance(raw, (list, tuple)) else ()
        count = item.get("count")
        count = count if isinstance(count, int) and not isinstance(count, bool) and count >= 0 else 0
        rows.append(
            WarningRow(
                side=str(item.get("side") or ""),
                column=str(item.get("column") or ""),
                check=str(item.get("check") or ""),
                count=max(count, len(examples)),
                message=safe_text(str(item.get("message") or "")),
                examples=examples,
            )
        )
    return rows


def warning_example(example: Mapping[str, Any], limit: int = 60) -> str:
    """One warning example as `id=7: 2` (the key alone when the value was not kept)."""
    key = example.get("key")
    shown = display_key(key, limit) if isinstance(key, Mapping) and key else "(no key)"
    if "value" in example:
        return f"{shown}: {display_value(example.get('value'), limit)}"
    return shown
