"""The sections of one pair's part of the page: changed rows, rows on one side only, duplicate
and NULL keys, failed checks and warnings, each a table of sample values.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dbdiff.report.display import display_key
from dbdiff.report.formatting import check_rows, failure_example, validation_failure_count
from dbdiff.report.html_cells import (
    Cell,
    Section,
    count_cell,
    data_table,
    head_cells,
    side_value_cell,
    sort_token,
    text_cell,
    value_cell,
)
from dbdiff.report.html_values import Seg, value_segments
from dbdiff.report.json_paths import json_columns, json_where
from dbdiff.report.views import (
    SAMPLE_TITLES,
    WARNINGS_NOTE,
    changed_columns,
    key_columns,
    row_columns,
    sample_total,
    table_warnings,
)
from dbdiff.report.words import fmt_count

if TYPE_CHECKING:
    from dbdiff.result import TableResult


EXAMPLES_LIMIT = 10  # examples shown per validation failure


def _shown(t: TableResult, kind: str, sample_cap: int) -> tuple[list[dict[str, Any]], str, str]:
    samples = list(getattr(t.samples, kind))
    total = sample_total(t, kind)
    shown = samples[:sample_cap]
    if len(shown) == total:
        note = ""
    elif not shown:
        note = "No examples were kept for this report."
    else:
        note = f"Showing {fmt_count(len(shown))} of {fmt_count(total)}."
    return shown, fmt_count(total), note


def _key_cells(columns: Sequence[str], key: Mapping[str, Any]) -> list[Cell]:
    return [value_cell(key.get(name), cls="val key") for name in columns]


def _sticky_key_head(keys: Sequence[str], **kwargs: Any) -> Cell:
    """The header of the key column that stays in view while a wide table scrolls sideways."""
    return text_cell(", ".join(keys), "key stick", sort_col=0, **kwargs)


def _sticky_key_cell(keys: Sequence[str], key: Mapping[str, Any]) -> Cell:
    """All key values of a row in one cell (one line each), so one sticky column holds the key."""
    if len(keys) == 1:
        value = key.get(keys[0])
        return Cell(lines=(value_segments(value),), cls="val key stick", sort=sort_token(value))
    return Cell(lines=tuple(value_segments(key.get(name)) for name in keys), cls="val key stick")


def changed_section(t: TableResult, sample_cap: int) -> Section | None:
    """Changed rows: the key, the columns that differ, then left and right of each column."""
    if not t.summary.changed and not t.samples.changed:
        return None
    shown, total, note = _shown(t, "changed", sample_cap)
    table = None
    if shown:
        keys = key_columns(t, shown)
        columns = changed_columns(t, shown)
        json_names = json_columns(t)
        # The key stays in view when the table scrolls sideways, and the column right after it
        # names the columns that differ in the row, so a change far to the right is never hidden.
        top = [_sticky_key_head(keys, rowspan=2), text_cell("Differs in", "differs", rowspan=2, sort_col=1)]
        top += [text_cell(name, "pair", colspan=2) for name in columns]
        sub = [cell for _ in columns for cell in (text_cell("left", "side l"), text_cell("right", "side r"))]
        body = []
        for sample in shown:
            diffs = sample.get("diffs", {})
            differing = [name for name in columns if name in diffs]
            row = [
                _sticky_key_cell(keys, sample.get("key", {})),
                Cell(
                    lines=(tuple(seg for i, n in enumerate(differing) for seg in _chip(n, i > 0)),),
                    cls="differs",
                    sort=", ".join(differing),
                ),
            ]
            for name in columns:
                pair = diffs.get(name)
                if pair is None:
                    row.append(text_cell("=", "same", colspan=2, title=f"{name}: equal"))
                    continue
                left, right = pair.get("left"), pair.get("right")
                where = json_where(left, right) if name in json_names else ""
                row.append(side_value_cell(pair, "left", value_cell(left, right, "val chg l", where)))
                row.append(side_value_cell(pair, "right", value_cell(right, left, "val chg r", where)))
            body.append(row)
        table = data_table("Changed rows", [top, sub], body, "diff")
    return Section("changed", SAMPLE_TITLES["changed"], total, note, table)


def _chip(name: str, comma: bool) -> tuple[Seg, ...]:
    return ((("", ", "),) if comma else ()) + (("dcol", name),)


def rows_section(t: TableResult, kind: str, sample_cap: int) -> Section | None:
    """Rows only on one side (`kind` is `only_left` or `only_right`) with their values."""
    if not getattr(t.summary, kind) and not getattr(t.samples, kind):
        return None
    shown, total, note = _shown(t, kind, sample_cap)
    table = None
    if shown:
        keys = key_columns(t, shown)
        columns = row_columns(t, shown)
        head = [_sticky_key_head(keys)]
        head += [text_cell(name, sort_col=1 + i) for i, name in enumerate(columns)]
        body = []
        for sample in shown:
            row = sample.get("row", {})
            cells = [_sticky_key_cell(keys, sample.get("key", {}))]
            cells += [value_cell(row.get(name)) for name in columns]
            body.append(cells)
        table = data_table(SAMPLE_TITLES[kind], [head], body, f"rows {kind}")
    return Section(kind, SAMPLE_TITLES[kind], total, note, table)


def duplicates_section(t: TableResult, sample_cap: int) -> Section | None:
    """Keys that occur more than once on a side, with how many rows hold each."""
    s = t.summary
    if not (s.duplicate_keys_left or s.duplicate_keys_right or t.samples.duplicates):
        return None
    shown, total, note = _shown(t, "duplicates", sample_cap)
    table = None
    if shown:
        keys = key_columns(t, shown)
        head = [text_cell("Side", sort_col=0)]
        head += [text_cell(name, "key", sort_col=1 + i) for i, name in enumerate(keys)]
        head.append(text_cell("Rows with this key", "num", sort_col=1 + len(keys)))
        body = [
            [
                text_cell(str(sample.get("side", "")), "side"),
                *_key_cells(keys, sample.get("key", {})),
                count_cell(int(sample.get("count", 0))),
            ]
            for sample in shown
        ]
        table = data_table(SAMPLE_TITLES["duplicates"], [head], body)
    return Section("duplicates", SAMPLE_TITLES["duplicates"], total, note, table)


def null_keys_section(t: TableResult, sample_cap: int) -> Section | None:
    """Rows whose key has a NULL, which are reported and never paired."""
    s = t.summary
    if not (s.null_keys_left or s.null_keys_right or t.samples.null_keys):
        return None
    shown, total, note = _shown(t, "null_keys", sample_cap)
    table = None
    if shown:
        keys = list(t.key)
        columns = keys + row_columns(t, shown)
        head = [text_cell("Side", sort_col=0)]
        head += [
            text_cell(name, "key" if name in t.key else "", sort_col=1 + i) for i, name in enumerate(columns)
        ]
        body = []
        for sample in shown:
            row = sample.get("row", {})
            body.append(
                [text_cell(str(sample.get("side", "")), "side"), *[value_cell(row.get(c)) for c in columns]]
            )
        table = data_table(SAMPLE_TITLES["null_keys"], [head], body)
    return Section("null_keys", SAMPLE_TITLES["null_keys"], total, note, table)


def validation_section(t: TableResult) -> Section | None:
    """The failed checks of a diff run, with examples."""
    v = t.validation
    if v.passed and not v.failures:
        return None
    note = "" if v.failures else "Validation failed without naming a check."
    table = None
    if v.failures:
        head = head_cells("Side", "Column", "Check", "Failing rows", "Examples", num=(3,))
        body = []
        for f in v.failures:
            examples = _failure_examples(f.examples, f.check)
            body.append(
                (
                    text_cell(f.side, "side"),
                    text_cell(f.column or "(table)", "name"),
                    text_cell(f.check, "rule"),
                    count_cell(f.count, emphasize=True),
                    Cell(lines=examples or ((("more", "no examples"),),), cls="examples"),
                )
            )
        table = data_table("Validation failures", [head], body)
    badge = fmt_count(validation_failure_count(t))
    return Section("validation", "Validation failures", badge, note, table)


def warnings_section(t: TableResult) -> Section | None:
    """Values that compare equal only because a rule reads them leniently."""
    rows = table_warnings(t)
    if not rows:
        return None
    head = head_cells("Side", "Column", "Check", "Rows", "What it means", "Examples", num=(3,))
    body = []
    for w in rows:
        examples = tuple(
            (("ex-key", display_key(ex.get("key") or {})), ("", ": "), *value_segments(ex.get("value")))
            if "value" in ex
            else (("ex-key", display_key(ex.get("key") or {})),)
            for ex in w.examples[:EXAMPLES_LIMIT]
        )
        if examples and w.count > len(examples):
            examples += ((("more", f"… {fmt_count(w.count - len(examples))} more"),),)
        body.append(
            (
                text_cell(w.side, "side"),
                text_cell(w.column or "(table)", "name"),
                text_cell(w.check, "rule"),
                count_cell(w.count),
                text_cell(w.message, "message"),
                Cell(lines=examples or ((("more", "no examples"),),), cls="examples"),
            )
        )
    table = data_table("Warnings", [head], body, "warnings")
    return Section("warnings", "Warnings", fmt_count(len(rows)), WARNINGS_NOTE, table, badge_cls="warn")


def _failure_examples(examples: Sequence[Mapping[str, Any]], check: str = "") -> tuple[tuple[Seg, ...], ...]:
    """Examples of a failed check, one line each: `id=2: -3.00`; a check on the whole table (no
    key) shows its value alone, a comparison as `left 300, right 298`."""
    lines: list[tuple[Seg, ...]] = []
    for ex in examples[:EXAMPLES_LIMIT]:
        key = ex.get("key")
        null_key = ex.get("value") is None and isinstance(key, Mapping) and None in key.values()
        if isinstance(key, Mapping) and key and not null_key and check != "key_unique":
            lines.append((("ex-key", display_key(key)), ("", ": "), *value_segments(ex.get("value"))))
        else:
            lines.append((("", failure_example(ex, check=check)),))
    if len(examples) > EXAMPLES_LIMIT:
        lines.append((("more", f"… {fmt_count(len(examples) - EXAMPLES_LIMIT)} more examples"),))
    return tuple(lines)


def checks_section(t: TableResult) -> Section | None:
    """Every check of a validation run, passed or failed, with examples of failures."""
    rows = check_rows(t)
    if not rows:
        if t.validation.passed:
            return None
        return Section("validation", "Checks", "1 failed", "A check failed without naming itself.", None)
    head = head_cells("Column", "Check", "Result", "Failing rows", "Examples", num=(3,))
    body = []
    for r in rows:
        examples = Cell(lines=_failure_examples(r.examples, r.check), cls="examples") if r.examples else None
        result = (
            text_cell("failed", "status s-different", sort="0")
            if r.failed
            else text_cell("passed", "status s-identical", sort="1")
        )
        body.append(
            (
                text_cell(r.column or "(table)", "name"),
                text_cell(r.check, "rule"),
                result,
                count_cell(r.count, emphasize=True) if r.failed else text_cell("", "num", sort="0"),
                examples or text_cell(""),
            )
        )
    failed = sum(r.failed for r in rows)
    badge = f"{fmt_count(failed)} failed" if failed else f"{fmt_count(len(rows))} passed"
    table = data_table("Checks", [head], body)
    return Section("validation", "Checks", badge, "", table, badge_cls="bad" if failed else "")
