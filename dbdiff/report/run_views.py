"""What a check-file run adds to a result, in words every renderer shares: the verdicts and their
breaches, tables on one side only, catalog differences and the incremental window.

Everything here reads only fields a plain diff leaves unset (`verdict`, `only_on`, `window`,
`schema.differences`), so a plain diff renders exactly as before. Saved results may be
hand-edited: the free-form parts (differences, window) are read leniently, never trusted.
"""

from __future__ import annotations

import contextlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING, Any

from dbdiff.report.display import control_escape, display_value, escape_controls
from dbdiff.report.redaction import safe_text
from dbdiff.report.views import pair_name
from dbdiff.report.words import counted, fmt_count, fmt_percent

if TYPE_CHECKING:
    from dbdiff.result import Breach, DiffResult, TableResult, Verdict

VERDICT_LABELS = {"pass": "Pass", "warn": "Warn", "fail": "Fail"}
_RANK = {"fail": 0, "warn": 1, "pass": 2}

#: What a metric's value counts, for "changed 12 rows > fail limit 10".
_UNITS = {
    "changed": ("row", "rows"),
    "only_left": ("row", "rows"),
    "only_right": ("row", "rows"),
    "duplicate_keys": ("key", "keys"),
    "null_keys": ("row", "rows"),
    "failed_checks": ("check", "checks"),
    "unreadable": ("value", "values"),
    "warnings": ("value", "values"),
    "schema": ("difference", "differences"),
}


def one_line(text: str) -> str:
    """`text` with control characters and line breaks as visible escapes: a breach is one line."""
    return re.sub(r"[\n\r\t]", lambda m: control_escape(m.group()), escape_controls(text))


def verdict_label(verdict: Verdict | None) -> str:
    """`Pass`, `Warn` or `Fail` (empty for no verdict)."""
    return VERDICT_LABELS.get(verdict.level, verdict.level) if verdict is not None else ""


def rank(table: TableResult) -> int:
    """0 for a failing table, 1 warning, 2 passing, 3 not judged: the order worst first."""
    return _RANK.get(table.verdict.level, 3) if table.verdict is not None else 3


def ordered(result: DiffResult) -> list[tuple[int, TableResult]]:
    """The tables with their place in the run (1-based, for anchors), worst verdict first.

    A run of dozens of tables is read for what broke, so a judged run lists failing tables
    first, then warnings, then passes; within a level the run's (the check file's) order stays.
    A plain diff keeps its order.
    """
    numbered = list(enumerate(result.tables, 1))
    if result.verdict is None and not any(t.verdict is not None for t in result.tables):
        return numbered
    return sorted(numbered, key=lambda item: rank(item[1]))


def _number(value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return escape_controls(str(value))
    if float(value).is_integer():
        return fmt_count(int(value))
    return f"{value:.4g}"


def breach_text(breach: Breach, table: TableResult | None = None) -> str:
    """`changed 12 rows > fail limit 10` (a limit in percent adds the share it was checked on)."""
    metric = one_line(str(breach.metric))
    limit = one_line(str(breach.limit))
    level = one_line(str(breach.level))
    if metric == "error":
        return f"error: the table could not be compared ({level})"
    value = breach.value
    if (
        limit.endswith("%")
        and isinstance(value, float)
        and not value.is_integer()
        and 0 <= value <= 1  # a share, as a fraction
    ):
        shown = f"{100 * value:.3g}%"
    else:
        unit = _UNITS.get(metric)
        number = _number(value)
        shown = number
        if unit and isinstance(value, (int, float)) and not isinstance(value, bool):
            shown = f"{number} {unit[0] if value == 1 else unit[1]}"
        finite = isinstance(value, int) or (isinstance(value, float) and math.isfinite(value))
        if limit.endswith("%") and table is not None and finite and not isinstance(value, bool):
            whole = max(table.summary.rows_left, table.summary.rows_right)
            if whole:
                shown += f" ({_share(int(value), whole, limit)})"
    return f"{metric} {shown} > {level} limit {limit}"


def _share(value: int, whole: int, limit: str) -> str:
    """`value` as a percentage of `whole`, precise enough to read above the `limit` it broke:
    1,001 of 100,000 rows over "1%" is 1.001%, never "1.0%", and 51 over "0.05%" never "<0.1%"."""
    shown = fmt_percent(value, whole)
    try:
        bound = Fraction(limit.removesuffix("%"))
    except ValueError:
        return shown
    share = Fraction(100 * value, whole)
    with contextlib.suppress(ValueError):
        if share <= bound or Fraction(shown.removesuffix("%")) > bound:
            return shown
    decimals = len(limit.removesuffix("%").partition(".")[2]) + 1
    for digits in range(decimals, decimals + 12):
        text = f"{float(share):.{digits}f}"
        if Fraction(text) > bound:
            return f"{text}%"
    return shown


def breach_brief(breach: Breach) -> str:
    """A breach in a few characters, for an overview cell: `changed 12 > 10`."""
    if breach.metric == "error":
        return "error"
    return one_line(f"{breach.metric} {_number(breach.value)} > {breach.limit}")


def first_breach(table: TableResult) -> str:
    """The table's worst breach in brief, with how many more: `changed 12 > 10 (+1)`."""
    if table.verdict is None or not table.verdict.breaches:
        return ""
    breaches = sorted(table.verdict.breaches, key=lambda b: _RANK.get(b.level, 3))
    more = f" (+{len(breaches) - 1})" if len(breaches) > 1 else ""
    return breach_brief(breaches[0]) + more


@dataclass(frozen=True)
class BreachLine:
    """One breach as a report lists it: where (a table's name, or None for the run) and what."""

    level: str
    where: str | None
    text: str

    def __str__(self) -> str:
        return f"{self.where}: {self.text}" if self.where else f"run: {self.text}"


def table_breach_lines(table: TableResult) -> list[BreachLine]:
    """A table's breaches, fail before warn."""
    if table.verdict is None:
        return []
    where = one_line(pair_name(table))
    lines = [BreachLine(b.level, where, breach_text(b, table)) for b in table.verdict.breaches]
    return sorted(lines, key=lambda line: _RANK.get(line.level, 3))


def run_breach_lines(result: DiffResult) -> list[BreachLine]:
    """Every breach of a run, fail before warn: the run's own (its totals), then each table's.

    A run verdict may repeat its tables' breaches (scope `table`) or carry only its own: either
    way each is listed once, under its table's name.
    """
    by_name: dict[str, TableResult] = {}
    for t in result.tables:
        by_name.setdefault(t.left_table, t)
        by_name.setdefault(t.right_table, t)
    run = result.verdict.breaches if result.verdict is not None else ()
    lines = [BreachLine(b.level, None, breach_text(b)) for b in run if b.scope == "run" or b.table is None]
    for t in result.tables:
        lines += table_breach_lines(t)
    seen = {(line.where, line.text, line.level) for line in lines}
    for b in run:
        if b.scope != "run" and b.table is not None:
            table = by_name.get(b.table)
            where = pair_name(table) if table is not None else str(b.table)
            line = BreachLine(b.level, one_line(where), breach_text(b, table))
            if (line.where, line.text, line.level) not in seen:
                seen.add((line.where, line.text, line.level))
                lines.append(line)
    return sorted(lines, key=lambda line: _RANK.get(line.level, 3))


def verdict_counts(result: DiffResult) -> str:
    """`2 fail, 1 warn, 11 pass` over the judged tables (empty when none is judged)."""
    levels = [t.verdict.level for t in result.tables if t.verdict is not None]
    return ", ".join(
        f"{fmt_count(levels.count(level))} {level}" for level in ("fail", "warn", "pass") if level in levels
    )


def verdict_sentence(result: DiffResult, limit: int = 3) -> str:
    """The run's verdict in one line: `FAIL · orders: changed 12 rows > fail limit 10; … 2 more`."""
    verdict = result.verdict
    if verdict is None:
        return ""
    lines = run_breach_lines(result)
    head = verdict.level.upper()
    if not lines:
        judged = sum(t.verdict is not None for t in result.tables)
        return f"{head} · no threshold crossed ({counted(judged or len(result.tables), 'table')})"
    shown = "; ".join(str(line) for line in lines[:limit])
    more = f"; … {fmt_count(len(lines) - limit)} more" if len(lines) > limit else ""
    return f"{head} · {shown}{more}"


# --- tables on one side only ---


def only_on_text(table: TableResult) -> str:
    """`only in left: there is no such table in right` for a table on one side only."""
    side = table.only_on
    if side not in ("left", "right"):
        return f"only on one side ({escape_controls(str(side))})" if side else ""
    other = "right" if side == "left" else "left"
    rows = table.summary.rows_left if side == "left" else table.summary.rows_right
    count = f" ({counted(rows, 'row')})" if rows else ""
    return f"table only in {side}{count}: {other} has no table of that name"


# --- catalog differences ---

DIFFERENCE_KINDS = {
    "type": "Type no rule covers (not compared)",
    "nullability": "Nullability",
    "primary_key": "Primary key",
}


@dataclass(frozen=True)
class DifferenceRow:
    """One catalog difference of a pair: its kind, column, both sides and what it means."""

    kind: str
    kind_label: str
    column: str
    left: str
    right: str
    message: str


def _catalog_value(kind: str, value: Any) -> str:
    if kind == "nullability" and isinstance(value, bool):
        return "NULL allowed" if value else "NOT NULL"
    if value is None:
        return "(none)"
    if isinstance(value, (list, tuple)):
        return ", ".join(escape_controls(str(v)) for v in value) or "(none)"
    if isinstance(value, str):
        return escape_controls(safe_text(value))
    return display_value(value, 200)


def difference_rows(table: TableResult) -> list[DifferenceRow]:
    """The pair's catalog differences in the result's order, read leniently."""
    rows = []
    for item in getattr(table.schema, "differences", ()) or ():
        if not isinstance(item, Mapping):
            continue
        kind = str(item.get("kind") or "")
        column = item.get("column")
        rows.append(
            DifferenceRow(
                kind=kind,
                kind_label=DIFFERENCE_KINDS.get(kind, escape_controls(kind) or "difference"),
                column=escape_controls(str(column)) if column not in (None, "") else "(table)",
                left=_catalog_value(kind, item.get("left")),
                right=_catalog_value(kind, item.get("right")),
                message=escape_controls(safe_text(str(item.get("message") or ""))),
            )
        )
    return rows


def difference_text(row: DifferenceRow) -> str:
    """One catalog difference as a line: `nullability of amount: NOT NULL → NULL allowed (...)`."""
    kinds = {"type": "type", "nullability": "nullability", "primary_key": "primary key"}
    what = kinds.get(row.kind) or one_line(row.kind) or "difference"
    where = f"{what} of {row.column}" if row.column != "(table)" else what
    note = f" ({row.message})" if row.message else ""
    return one_line(f"{where}: {row.left} → {row.right}{note}")


# --- the incremental window ---

_WINDOW_FACTS = (
    ("updated_column", "Updated column"),
    ("since", "Since"),
    ("until", "Until"),
    ("min_age", "Min. age"),
    ("keys_left", "Keys in window, left"),
    ("keys_right", "Keys in window, right"),
    ("keys_compared", "Keys compared"),
    ("in_flight", "In flight (not compared)"),
)


def _fact(value: Any) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        return fmt_count(value)
    if isinstance(value, str):
        return escape_controls(safe_text(value))
    return display_value(value, 120)


def window_facts(window: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """(label, value) per fact of an incremental window, known ones first, in a fixed order."""
    if not isinstance(window, Mapping):
        return []
    facts = [(label, _fact(window[name])) for name, label in _WINDOW_FACTS if window.get(name) is not None]
    known = {name for name, _ in _WINDOW_FACTS}
    facts += [
        (escape_controls(str(name)).replace("_", " "), _fact(value))
        for name, value in sorted(window.items(), key=lambda kv: str(kv[0]))
        if name not in known and value is not None
    ]
    return facts


def window_text(window: Mapping[str, Any] | None) -> str:
    """The window in one line: `updated_at from … to … · min age 30s · 14 keys compared (…), 2 in flight`."""
    if not isinstance(window, Mapping):
        return ""
    parts = []
    column = window.get("updated_column")
    since, until = window.get("since"), window.get("until")
    if since is not None or until is not None:
        span = " ".join(
            p
            for p in (
                f"from {_fact(since)}" if since is not None else "",
                f"to {_fact(until)}" if until is not None else "",
            )
            if p
        )
        parts.append(f"{_fact(column)} {span}" if column is not None else span)
    elif column is not None:
        parts.append(f"on {_fact(column)}")
    if window.get("min_age") is not None:
        parts.append(f"min age {_fact(window.get('min_age'))}")
    compared = window.get("keys_compared")
    if compared is not None:
        sides = [
            f"{_fact(window[k])} {side}"
            for k, side in (("keys_left", "left"), ("keys_right", "right"))
            if window.get(k) is not None
        ]
        detail = f" (in window: {', '.join(sides)})" if sides else ""
        parts.append(f"{_fact(compared)} keys compared{detail}")
    if window.get("in_flight"):
        parts.append(f"{_fact(window.get('in_flight'))} in flight, not compared")
    return one_line(" · ".join(parts)) or "incremental window"


def has_run_parts(tables: Iterable[TableResult]) -> bool:
    """True when any table carries something only a check-file run sets."""
    return any(
        t.verdict is not None or t.only_on or t.window is not None or t.schema.differences for t in tables
    )


def history_key(table: TableResult) -> str:
    """The name a table goes by in the history: its left name (the right one for a right-only table)."""
    return table.left_table or table.right_table


def history_of(result: DiffResult) -> Sequence[Mapping[str, Any]]:
    """The run's history entries (newest last), only the well-formed ones."""
    return [h for h in result.history if isinstance(h, Mapping)]
