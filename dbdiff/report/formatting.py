"""A run in words: status labels, run-wide totals, the headline of a pair, of a run and of a
validation run, and the checks of a validation run as rows.

Reports only render a result; nothing here recomputes a diff. Every function is pure and
deterministic (no clock, no locale), so the same result always renders to the same bytes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dbdiff.report.display import display_key, display_value, escape_controls
from dbdiff.report.recheck_views import headline_phrases, transient_total, vanished_total

# `report/__init__.py` (render_json) and `result.py` import these two from here.
from dbdiff.report.redaction import redact_options as redact_options
from dbdiff.report.redaction import safe_text as safe_text
from dbdiff.report.run_views import only_on_text
from dbdiff.report.views import table_warnings
from dbdiff.report.words import counted, fmt_count, truncate

if TYPE_CHECKING:
    from dbdiff.result import DiffResult, TableResult


STATUS_LABELS = {"identical": "Identical", "different": "Different", "error": "Error"}


@dataclass(frozen=True)
class Totals:
    """Counts summed over every table pair of a run."""

    tables: int
    identical: int
    different: int
    errors: int
    rows_left: int
    rows_right: int
    matched: int
    changed: int
    only_left: int
    only_right: int
    duplicate_keys: int
    null_keys: int
    schema_differences: int
    validation_failures: int
    warnings: int = 0
    one_side: int = 0  # tables on one side only (a check-file run), among `different`
    transient: int = 0  # differences that agreed at a recheck (a live run): not counted above
    vanished: int = 0  # differences a recheck saw gone from both sides


def totals(result: DiffResult) -> Totals:
    """The run-wide counts a status banner or summary line shows."""
    tables = result.tables
    return Totals(
        tables=len(tables),
        identical=sum(t.status == "identical" for t in tables),
        different=sum(t.status == "different" for t in tables),
        errors=sum(t.status == "error" for t in tables),
        rows_left=sum(t.summary.rows_left for t in tables),
        rows_right=sum(t.summary.rows_right for t in tables),
        matched=sum(t.summary.matched for t in tables),
        changed=sum(t.summary.changed for t in tables),
        only_left=sum(t.summary.only_left for t in tables),
        only_right=sum(t.summary.only_right for t in tables),
        duplicate_keys=sum(t.summary.duplicate_keys_left + t.summary.duplicate_keys_right for t in tables),
        null_keys=sum(t.summary.null_keys_left + t.summary.null_keys_right for t in tables),
        schema_differences=sum(schema_difference_count(t) for t in tables),
        validation_failures=sum(validation_failure_count(t) for t in tables),
        warnings=sum(len(table_warnings(t)) for t in tables),
        one_side=sum(bool(t.only_on) for t in tables),
        transient=sum(transient_total(t) for t in tables),
        vanished=sum(vanished_total(t) for t in tables),
    )


def schema_difference_count(table: TableResult) -> int:
    """Columns on one side only and catalog differences (types, nullability, keys) of a pair."""
    return len(table.schema.only_left) + len(table.schema.only_right) + len(table.schema.differences)


def validation_failure_count(table: TableResult) -> int:
    """Failed checks of a table (one when validation failed without saying which check)."""
    v = table.validation
    return len(v.failures) or (0 if v.passed else 1)


def _difference_phrases(
    changed: int, only_left: int, only_right: int, dups: int, nulls: int, schema: int, checks: int
) -> list[str]:
    return [
        phrase
        for n, phrase in (
            (changed, f"{fmt_count(changed)} changed"),
            (only_left, f"{fmt_count(only_left)} only in left"),
            (only_right, f"{fmt_count(only_right)} only in right"),
            (dups, counted(dups, "duplicate key")),
            (nulls, counted(nulls, "NULL key")),
            (schema, counted(schema, "schema difference")),
            (checks, counted(checks, "failed check")),
        )
        if n
    ]


def _warnings_phrase(n: int) -> list[str]:
    return [counted(n, "warning")] if n else []


def table_headline(table: TableResult) -> str:
    """The counts that matter for one pair, as one plain phrase (warnings last: not differences)."""
    if table.status == "error":
        return "error: " + truncate(escape_controls(safe_text(table.error) or "unknown error"), 200)
    if table.only_on:
        return only_on_text(table)
    s = table.summary
    return ", ".join(
        [
            f"{fmt_count(s.matched)} matched",
            *_difference_phrases(
                s.changed,
                s.only_left,
                s.only_right,
                s.duplicate_keys_left + s.duplicate_keys_right,
                s.null_keys_left + s.null_keys_right,
                schema_difference_count(table),
                validation_failure_count(table),
            ),
            *headline_phrases(table),
            *_warnings_phrase(len(table_warnings(table))),
        ]
    )


def pairs_phrase(result: DiffResult) -> str:
    """`3 table pairs (1 identical, 1 different, 1 error)`."""
    t = totals(result)
    breakdown = ", ".join(
        f"{fmt_count(n)} {label}"
        for n, label in (
            (t.identical, "identical"),
            (t.different - t.one_side, "different"),
            (t.one_side, "on one side only"),
            (t.errors, "error"),
        )
        if n
    )
    pairs = counted(t.tables, "table pair")
    return f"{pairs} ({breakdown})" if breakdown else pairs


def run_headline(result: DiffResult) -> str:
    """The counts that matter for a whole run, as one plain phrase."""
    t = totals(result)
    return ", ".join(
        [
            pairs_phrase(result),
            counted(t.matched, "row matched", "rows matched"),
            *_difference_phrases(
                t.changed,
                t.only_left,
                t.only_right,
                t.duplicate_keys,
                t.null_keys,
                t.schema_differences,
                t.validation_failures,
            ),
            *(
                f"{fmt_count(n)} {state}"
                for n, state in ((t.transient, "transient"), (t.vanished, "vanished"))
                if n
            ),
            *_warnings_phrase(t.warnings),
        ]
    )


# --- validation runs (`dbdiff validate`): checks on one source, told without diff words ---

VALIDATION_LABELS = {"identical": "Passed", "different": "Failed", "error": "Error"}


def is_validation_run(result: DiffResult) -> bool:
    """True for a `dbdiff validate` result: one source checked, nothing compared."""
    return result.options.get("command") == "validate"


def status_label(result: DiffResult, status: str) -> str:
    """`Identical`/`Different`/`Error` for a diff, `Passed`/`Failed`/`Error` for a validation run."""
    labels = VALIDATION_LABELS if is_validation_run(result) else STATUS_LABELS
    return labels.get(status, status)


@dataclass(frozen=True)
class CheckRow:
    """One check of a validation run: what it checked and, when it failed, how."""

    side: str
    column: str | None
    check: str
    failed: bool
    count: int  # failing rows (0 when it passed)
    examples: tuple[Mapping[str, Any], ...] = ()


def check_rows(table: TableResult) -> list[CheckRow]:
    """Every check of a pair, in the order it ran, failures merged in (failures it did not list last)."""
    failures = {(f.side, f.column, f.check): f for f in table.validation.failures}
    rows = []
    for item in table.validation.checks:
        key = (str(item.get("side") or ""), item.get("column"), str(item.get("check") or ""))
        failure = failures.pop(key, None)
        rows.append(
            CheckRow(
                key[0],
                key[1],
                key[2],
                failure is not None,
                failure.count if failure else 0,
                failure.examples if failure else (),
            )
        )
    rows += [CheckRow(f.side, f.column, f.check, True, f.count, f.examples) for f in failures.values()]
    return rows


@dataclass(frozen=True)
class CheckCounts:
    rows: int
    run: int
    failed: int


def check_counts(table: TableResult) -> CheckCounts:
    """Rows checked, checks run and checks failed for one table of a validation run."""
    rows = check_rows(table)
    return CheckCounts(
        rows=table.summary.rows_left,
        run=len(rows),
        failed=max(sum(r.failed for r in rows), validation_failure_count(table)),
    )


def check_headline(table: TableResult) -> str:
    """`300 rows checked, 5 checks run, 1 failed` (or the error) for one table of a validation run."""
    if table.status == "error":
        return "error: " + truncate(escape_controls(safe_text(table.error) or "unknown error"), 200)
    c = check_counts(table)
    phrases = [
        counted(c.rows, "row checked", "rows checked"),
        counted(c.run, "check run", "checks run"),
        f"{fmt_count(c.failed)} failed",
    ]
    return ", ".join([*phrases, *_warnings_phrase(len(table_warnings(table)))])


def validation_headline(result: DiffResult) -> str:
    """The run in one phrase: `1 table (1 failed), 300 rows checked, 5 checks run, 1 failed`."""
    t = totals(result)
    counts = [check_counts(table) for table in result.tables if table.status != "error"]
    breakdown = ", ".join(
        f"{fmt_count(n)} {label}"
        for n, label in ((t.identical, "passed"), (t.different, "failed"), (t.errors, "error"))
        if n
    )
    tables = counted(t.tables, "table")
    return ", ".join(
        [
            f"{tables} ({breakdown})" if breakdown else tables,
            counted(sum(c.rows for c in counts), "row checked", "rows checked"),
            counted(sum(c.run for c in counts), "check run", "checks run"),
            f"{fmt_count(sum(c.failed for c in counts))} failed",
            *_warnings_phrase(t.warnings),
        ]
    )


def check_name(row: CheckRow | Any) -> str:
    """`amount: greater_than_or_equal_to(0)`, or the check alone for a table-wide one."""
    return f"{row.column}: {row.check}" if row.column else row.check


def failure_example(example: Mapping[str, Any], limit: int = 60, check: str = "") -> str:
    """One example of a failed check: `id=2: -3.00`; a check on the whole table (no key) shows its
    value alone, a comparison as `left 300, right 298`."""
    key = example.get("key")
    value = example.get("value")
    if isinstance(key, Mapping) and key:
        if value is None and any(v is None for v in key.values()):
            return display_key(key, limit)  # a NULL key: the key says it all
        if check == "key_unique" and isinstance(value, int) and not isinstance(value, bool):
            return f"{display_key(key, limit)} × {fmt_count(value)}"  # the rows holding this key
        return f"{display_key(key, limit)}: {display_value(value, limit)}"
    if (
        isinstance(value, Mapping)
        and value
        and all(not isinstance(v, (Mapping, list)) for v in value.values())
    ):
        return ", ".join(f"{name} {display_value(v, limit)}" for name, v in value.items())
    return display_value(value, limit)
