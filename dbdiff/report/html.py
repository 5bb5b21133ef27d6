"""The self-contained HTML report (the notebook card lives in `card.py` and is re-exported here).

The page is one file that works offline: CSS and a small vanilla script are inlined, nothing is
fetched, and a Content-Security-Policy pins the inline style and script to their hashes, so even
a value that slipped past escaping could not run. Every value from the result reaches the page
through jinja2's autoescaping; the only unescaped inserts are this package's own asset files and
the summary JSON, which goes through `tojson` (it escapes `<`, `>`, `&` and `'`).

The page reads fine with JavaScript disabled (Jenkins and other artifact viewers block inline
scripts): the script only adds sorting, filtering and expand/collapse controls. All layout is
built here as plain view objects, so the templates hold no logic beyond loops.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from dbdiff.report.card import render_card_html
from dbdiff.report.display import (
    control_escape,
    display_key,
    first_difference,
    is_control,
    is_truncated,
    unreadable_on,
)
from dbdiff.report.formatting import (
    STATUS_LABELS,
    VALIDATION_LABELS,
    check_counts,
    check_headline,
    check_rows,
    failure_example,
    is_validation_run,
    pairs_phrase,
    table_headline,
    totals,
    validation_failure_count,
    validation_headline,
)
from dbdiff.report.json_paths import json_columns, json_where
from dbdiff.report.redaction import option_rows, safe_text
from dbdiff.report.templating import asset, csp_hash, environment, trusted_asset
from dbdiff.report.views import (
    SAMPLE_TITLES,
    WARNINGS_NOTE,
    changed_columns,
    column_rows,
    key_columns,
    pair_name,
    row_columns,
    sample_total,
    table_warnings,
)
from dbdiff.report.words import fmt_count, fmt_duration, fmt_percent

if TYPE_CHECKING:
    from dbdiff.result import DiffResult, TableResult

__all__ = ["render_card_html", "render_html", "value_segments"]

VALUE_LIMIT = 200  # characters of one value shown in the page
FILTER_MIN_ROWS = 8  # tables with fewer rows get no filter box
EXAMPLES_LIMIT = 10  # examples shown per validation failure
_CONTEXT = 40  # characters shown before a difference deep inside a long value

Seg = tuple[str, str]  # (css classes, text)
_NOTHING = object()


# --- view objects ---


@dataclass(frozen=True)
class Cell:
    lines: tuple[tuple[Seg, ...], ...]
    cls: str = ""
    sort: str | None = None  # body cells: the value sorting uses, when the text is not it
    sort_col: int | None = None  # header cells: the body column this header sorts by
    colspan: int = 1
    rowspan: int = 1
    href: str | None = None  # in-page anchors only
    bar: str | None = None  # a share in percent, drawn as an inline SVG bar
    title: str = ""


@dataclass(frozen=True)
class Table:
    label: str
    head: tuple[tuple[Cell, ...], ...]
    body: tuple[tuple[Cell, ...], ...]
    cls: str = ""


@dataclass(frozen=True)
class Section:
    kind: str
    title: str
    badge: str
    note: str
    table: Table | None
    open: bool = True
    badge_cls: str = "bad"  # `warn` (amber) for warnings, which are not failures


@dataclass(frozen=True)
class Stat:
    label: str
    value: str
    cls: str = ""


@dataclass(frozen=True)
class BarPart:
    kind: str
    label: str
    count: str
    x: str
    width: str


@dataclass(frozen=True)
class PairView:
    anchor: str
    name: str
    status: str
    status_label: str
    key: str
    error: str | None
    headline: str
    stats: tuple[Stat, ...]
    bar: tuple[BarPart, ...]
    only_left_columns: tuple[str, ...]
    only_right_columns: tuple[str, ...]
    columns: Table | None
    sections: tuple[Section, ...]
    run_stats: str
    open: bool


# --- public API ---


def render_html(result: DiffResult, *, sample_cap: int = 100) -> str:
    """The full self-contained report page: offline, escaped, deterministic for a given result."""
    if sample_cap < 0:
        raise ValueError("sample_cap must be >= 0")
    # The warning styles ship only in pages that show warnings: every other page stays the same.
    warned = any(table_warnings(t) for t in result.tables)
    styles = ("report.css", "warnings.css") if warned else ("report.css",)
    csp = "; ".join(
        (
            "default-src 'none'",
            f"style-src {csp_hash(''.join(asset(name) for name in styles))}",
            f"script-src {csp_hash(asset('report.js'))}",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )
    if is_validation_run(result):
        return _render_validation(result, csp, styles, sample_cap)
    context = {
        **_page_context(result, csp, styles, sample_cap),
        "eyebrow": "dbdiff reconciliation report",
        "single_source": False,
        "title": _title(result),
        "status_label": STATUS_LABELS.get(result.status, result.status),
        "headline": pairs_phrase(result),
        "banner": _banner_stats(result),
        "overview": _overview_table(result) if len(result.tables) > 1 else None,
        "pairs": [_pair_view(t, i, sample_cap) for i, t in enumerate(result.tables, 1)],
        "summary": _summary_payload(result, sample_cap),
    }
    return environment().get_template("report.html.j2").render(context)


def _page_context(result: DiffResult, csp: str, styles: Sequence[str], sample_cap: int) -> dict[str, Any]:
    """What every page shows whatever the run: assets, sources, run details and limits."""
    return {
        "examples_limit": fmt_count(EXAMPLES_LIMIT),
        "csp": csp,
        # Our own package files, never data: inserted verbatim so their CSP hashes match.
        "css": trusted_asset(*styles),
        "js": trusted_asset("report.js"),
        "status": result.status,
        "left": _source_view(result.left),
        "right": _source_view(result.right),
        "meta": _meta(result),
        "version": result.dbdiff_version or "unknown",
        "started_at": result.started_at or "unknown",
        "duration": fmt_duration(result.duration_s),
        "options": _options_table(result.options),
        "sample_cap": fmt_count(sample_cap),
        "sample_limit": _sample_limit(result.options),
        "value_limit": fmt_count(VALUE_LIMIT),
    }


# --- values ---


def value_segments(value: Any, other: Any = _NOTHING, limit: int = VALUE_LIMIT) -> tuple[Seg, ...]:
    """A JSON-encoded value as styled text runs.

    NULL, booleans, numbers and empty strings get their own look, so 'NULL' the string never
    passes for NULL. In strings, leading and trailing whitespace is marked, control and invisible
    characters are shown as escapes, and when `other` is the string on the other side, the part
    that differs from it is highlighted. Long strings are cut around that part.
    """
    if value is None:
        return (("v-null", "NULL"),)
    if is_truncated(value):
        return _bounded_segments(value, other, limit)
    if value is True or value is False:
        return (("v-bool", "true" if value else "false"),)
    if isinstance(value, (int, float)):
        return (("v-num", repr(value)),)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    if text == "":
        return (("v-empty", "empty string"),)
    span = _differing_span(text, other) if isinstance(other, str) else None
    # Where this side stops matching the other: the start of the highlight, or the end of a
    # common prefix when this side is the shorter one.
    focus = span[0] if span else (_common_prefix(text, other) if isinstance(other, str) else 0)
    size = len(text)
    start = 0
    if size > limit and focus > limit - _CONTEXT:
        start = max(0, min(focus - _CONTEXT, size - limit))
    end = min(size, start + limit)
    lead = size - len(text.lstrip())
    trail = len(text.rstrip())

    segments: list[Seg] = []
    if start:
        segments.append(("more", f"({fmt_count(start)} characters) … "))
    run_cls: str | None = None
    run: list[str] = []
    for i in range(start, end):
        char = text[i]
        control = is_control(char) or char in "\n\t"
        classes = []
        if i < lead or i >= trail:
            classes.append("ws")
        if control:
            classes.append("ctl")
        if span and span[0] <= i < span[1]:
            classes.append("hl")
        cls = " ".join(classes)
        if cls != run_cls and run:
            segments.append((run_cls or "", "".join(run)))
            run = []
        run_cls = cls
        run.append(control_escape(char) if control else char)
    if run:
        segments.append((run_cls or "", "".join(run)))
    if end < size:
        segments.append(("more", f" … ({fmt_count(size - end)} more characters)"))
    return tuple(segments)


def _bounded_segments(value: Mapping[str, Any], other: Any, limit: int) -> tuple[Seg, ...]:
    """A long value the JSON keeps bounded: its window, highlighted against the other side's."""
    window, offset = value["window"], value.get("offset") or 0
    length = value.get("length") or len(window)
    if is_truncated(other) and (other.get("offset") or 0) == offset:
        against: Any = other["window"]
    elif isinstance(other, str):
        against = other[offset : offset + len(window)]
    else:
        against = _NOTHING
    inner = [seg for seg in value_segments(window, against, limit) if seg[0] != "more"]
    shown = sum(len(text) for _, text in inner)
    lead = [("more", f"({fmt_count(offset)} characters) … ")] if offset else []
    rest = length - offset - min(len(window), limit)
    tail = [("more", f" … ({fmt_count(rest)} more characters)")] if rest > 0 and shown else []
    return (*lead, *inner, *tail)


def _common_prefix(text: str, other: str) -> int:
    return first_difference(text, other)


def _differing_span(text: str, other: str) -> tuple[int, int] | None:
    """The slice of `text` between its common prefix and common suffix with `other`."""
    if text == other:
        return None
    limit = min(len(text), len(other))
    prefix = _common_prefix(text, other)
    suffix = 0
    while suffix < limit - prefix and text[-1 - suffix] == other[-1 - suffix]:
        suffix += 1
    end = len(text) - suffix
    return (prefix, end) if prefix < end else None


def _sort_token(value: Any) -> str | None:
    """Numbers sort numerically in the page's script; everything else by its text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    return None


def _text(text: str, cls: str = "", **kwargs: Any) -> Cell:
    return Cell(lines=((("", text),),), cls=cls, **kwargs)


def _count(n: int, *, emphasize: bool = False) -> Cell:
    return _text(fmt_count(n), "num" + (" nz" if emphasize and n else ""), sort=str(n))


def _value(value: Any, other: Any = _NOTHING, cls: str = "val", where: str = "") -> Cell:
    lines: tuple[tuple[Seg, ...], ...] = (value_segments(value, other),)
    if where:  # a JSON document: the paths where it differs, above the value
        lines = ((("jpath", where),), *lines)
    return Cell(lines=lines, cls=cls, sort=_sort_token(value))


def _side_value(pair: Mapping[str, Any], side: str, cell: Cell) -> Cell:
    """A changed value's cell, with a second line saying when its rule cannot read it."""
    if not unreadable_on(pair, side):
        return cell
    note: tuple[Seg, ...] = (("v-empty", "unreadable"),)
    return replace(cell, lines=(*cell.lines, note), title="no rule can read this value")


def _head(*labels: str, sortable: bool = True, num: Sequence[int] = ()) -> tuple[Cell, ...]:
    return tuple(
        _text(label, "num" if i in num else "", sort_col=i if sortable else None)
        for i, label in enumerate(labels)
    )


def _table(
    label: str, head: Sequence[Sequence[Cell]], body: Sequence[Sequence[Cell]], cls: str = ""
) -> Table:
    classes = ["data", "sortable", *cls.split()]
    if len(body) >= FILTER_MIN_ROWS:
        classes.append("filterable")
    return Table(label, tuple(tuple(r) for r in head), tuple(tuple(r) for r in body), " ".join(classes))


# --- the page ---


def _title(result: DiffResult) -> str:
    names = [pair_name(t) for t in result.tables]
    what = names[0] if len(names) == 1 else f"{fmt_count(len(names))} table pairs"
    return f"dbdiff: {STATUS_LABELS.get(result.status, result.status)} · {what}"


def _banner_stats(result: DiffResult) -> list[Stat]:
    t = totals(result)
    stats = [
        Stat("Table pairs", fmt_count(t.tables)),
        Stat("Rows left", fmt_count(t.rows_left)),
        Stat("Rows right", fmt_count(t.rows_right)),
        Stat("Matched", fmt_count(t.matched)),
    ]
    for label, n, always in (
        ("Changed", t.changed, True),
        ("Only in left", t.only_left, True),
        ("Only in right", t.only_right, True),
        ("Duplicate keys", t.duplicate_keys, False),
        ("NULL keys", t.null_keys, False),
        ("Schema differences", t.schema_differences, False),
        ("Failed checks", t.validation_failures, False),
        ("Errors", t.errors, False),
    ):
        if always or n:
            stats.append(Stat(label, fmt_count(n), "bad" if n else ""))
    if t.warnings:
        stats.append(Stat("Warnings", fmt_count(t.warnings), "warn"))
    return stats


def _source_view(source: Any) -> dict[str, str]:
    return {
        "url": safe_text(source.url),
        "dialect": safe_text(source.dialect),
        "server_version": safe_text(source.server_version),
    }


def _overview_table(result: DiffResult) -> Table:
    warned = any(table_warnings(t) for t in result.tables)  # the column only when there are any
    labels = ["Table pair", "Status", "Matched", "Changed", "Only in left", "Only in right"]
    labels += ["Duplicate keys", "NULL keys", "Failed checks", *(["Warnings"] if warned else [])]
    head = _head(*labels, num=range(2, len(labels)))
    body = []
    for i, t in enumerate(result.tables, 1):
        s = t.summary
        n = len(table_warnings(t))
        warnings = [_text(fmt_count(n), "num" + (" wn" if n else ""), sort=str(n))] if warned else []
        body.append(
            (
                _text(pair_name(t), href=f"#pair-{i}"),
                _text(STATUS_LABELS.get(t.status, t.status), f"status s-{t.status}", sort=t.status),
                _count(s.matched),
                _count(s.changed, emphasize=True),
                _count(s.only_left, emphasize=True),
                _count(s.only_right, emphasize=True),
                _count(s.duplicate_keys_left + s.duplicate_keys_right, emphasize=True),
                _count(s.null_keys_left + s.null_keys_right, emphasize=True),
                _count(validation_failure_count(t), emphasize=True),
                *warnings,
            )
        )
    return _table("Table pairs", [head], body)


def _pair_view(t: TableResult, index: int, sample_cap: int) -> PairView:
    s = t.summary
    stats = (
        Stat("Rows left", fmt_count(s.rows_left)),
        Stat("Rows right", fmt_count(s.rows_right)),
        Stat("Matched", fmt_count(s.matched)),
        Stat("Changed", fmt_count(s.changed), "bad" if s.changed else ""),
        Stat("Only in left", fmt_count(s.only_left), "bad" if s.only_left else ""),
        Stat("Only in right", fmt_count(s.only_right), "bad" if s.only_right else ""),
        Stat(
            "Dup. keys (L / R)",
            f"{fmt_count(s.duplicate_keys_left)} / {fmt_count(s.duplicate_keys_right)}",
            "bad" if s.duplicate_keys_left or s.duplicate_keys_right else "",
        ),
        Stat(
            "NULL keys (L / R)",
            f"{fmt_count(s.null_keys_left)} / {fmt_count(s.null_keys_right)}",
            "bad" if s.null_keys_left or s.null_keys_right else "",
        ),
    )
    sections = [
        section
        for section in (
            _changed_section(t, sample_cap),
            _rows_section(t, "only_left", sample_cap),
            _rows_section(t, "only_right", sample_cap),
            _duplicates_section(t, sample_cap),
            _null_keys_section(t, sample_cap),
            _validation_section(t),
            _warnings_section(t),
        )
        if section is not None
    ]
    return PairView(
        anchor=f"pair-{index}",
        name=pair_name(t),
        status=t.status,
        status_label=STATUS_LABELS.get(t.status, t.status),
        key=", ".join(t.key),
        error=safe_text(t.error) if t.status == "error" or t.error else None,
        headline=table_headline(t),
        stats=stats if t.status != "error" or s.rows_left or s.rows_right else (),
        bar=_reconciliation_bar(t),
        only_left_columns=tuple(t.schema.only_left),
        only_right_columns=tuple(t.schema.only_right),
        columns=_columns_table(t),
        sections=tuple(sections),
        run_stats=_run_stats(t.stats),
        open=t.status != "identical" or bool(table_warnings(t)),
    )


def _run_stats(stats: Mapping[str, Any]) -> str:
    """The engine's per-pair numbers (chunks, seconds...), as one line in the result's key order."""
    parts = []
    for name, value in stats.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            continue
        shown = (
            fmt_count(value) if isinstance(value, int) else repr(value) if isinstance(value, float) else value
        )
        parts.append(f"{str(name).replace('_', ' ')}: {shown}")
    return " · ".join(parts)


def _reconciliation_bar(t: TableResult) -> tuple[BarPart, ...]:
    """Where every key went: matched and equal, changed, only in left, only in right."""
    s = t.summary
    parts = [
        ("same", "Matched, equal", max(s.matched - s.changed, 0)),
        ("changed", "Changed", s.changed),
        ("left", "Only in left", s.only_left),
        ("right", "Only in right", s.only_right),
    ]
    whole = sum(n for _, _, n in parts)
    if whole <= 0:
        return ()
    # Non-empty parts stay visible however small, the rest share what is left.
    raw = [(100.0 * n / whole if n else 0.0) for _, _, n in parts]
    widths = [max(w, 0.6) if w else 0.0 for w in raw]
    scale = 100.0 / sum(widths)
    bar = []
    x = 0.0
    for (kind, label, n), width in zip(parts, widths, strict=True):
        if not n:
            continue
        w = width * scale
        bar.append(BarPart(kind, label, f"{fmt_count(n)} ({fmt_percent(n, whole)})", f"{x:.3f}", f"{w:.3f}"))
        x += w
    return tuple(bar)


def _columns_table(t: TableResult) -> Table | None:
    rows = column_rows(t)
    if not rows:
        return None
    key = set(t.key)
    head = _head("Column", "Left type", "Right type", "Rule", "Mismatches", "Share of matched rows", num=(4,))
    body = []
    for row in rows:
        name = row.name if row.right_name is None else f"{row.name} → {row.right_name}"
        share = 100.0 * row.mismatches / t.summary.matched if t.summary.matched else 0.0
        bar = f"{max(share, 1.0):.3f}" if row.mismatches else "0"
        body.append(
            (
                Cell(
                    lines=((("", name), ("tag", " key")),) if row.name in key else ((("", name),),),
                    cls="name",
                    sort=row.name,
                ),
                _text(row.left_type, "type"),
                _text(row.right_type, "type"),
                _text(row.rule, "rule"),
                _count(row.mismatches, emphasize=True),
                Cell(
                    lines=((("", fmt_percent(row.mismatches, t.summary.matched)),),),
                    cls="share",
                    sort=f"{share:.6f}",
                    bar=bar,
                ),
            )
        )
    return _table("Columns", [head], body)


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
    return [_value(key.get(name), cls="val key") for name in columns]


def _sticky_key_head(keys: Sequence[str], **kwargs: Any) -> Cell:
    """The header of the key column that stays in view while a wide table scrolls sideways."""
    return _text(", ".join(keys), "key stick", sort_col=0, **kwargs)


def _sticky_key_cell(keys: Sequence[str], key: Mapping[str, Any]) -> Cell:
    """All key values of a row in one cell (one line each), so one sticky column holds the key."""
    if len(keys) == 1:
        value = key.get(keys[0])
        return Cell(lines=(value_segments(value),), cls="val key stick", sort=_sort_token(value))
    return Cell(lines=tuple(value_segments(key.get(name)) for name in keys), cls="val key stick")


def _changed_section(t: TableResult, sample_cap: int) -> Section | None:
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
        top = [_sticky_key_head(keys, rowspan=2), _text("Differs in", "differs", rowspan=2, sort_col=1)]
        top += [_text(name, "pair", colspan=2) for name in columns]
        sub = [cell for _ in columns for cell in (_text("left", "side l"), _text("right", "side r"))]
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
                    row.append(_text("=", "same", colspan=2, title=f"{name}: equal"))
                    continue
                left, right = pair.get("left"), pair.get("right")
                where = json_where(left, right) if name in json_names else ""
                row.append(_side_value(pair, "left", _value(left, right, "val chg l", where)))
                row.append(_side_value(pair, "right", _value(right, left, "val chg r", where)))
            body.append(row)
        table = _table("Changed rows", [top, sub], body, "diff")
    return Section("changed", SAMPLE_TITLES["changed"], total, note, table)


def _chip(name: str, comma: bool) -> tuple[Seg, ...]:
    return ((("", ", "),) if comma else ()) + (("dcol", name),)


def _rows_section(t: TableResult, kind: str, sample_cap: int) -> Section | None:
    if not getattr(t.summary, kind) and not getattr(t.samples, kind):
        return None
    shown, total, note = _shown(t, kind, sample_cap)
    table = None
    if shown:
        keys = key_columns(t, shown)
        columns = row_columns(t, shown)
        head = [_sticky_key_head(keys)]
        head += [_text(name, sort_col=1 + i) for i, name in enumerate(columns)]
        body = []
        for sample in shown:
            row = sample.get("row", {})
            cells = [_sticky_key_cell(keys, sample.get("key", {}))]
            cells += [_value(row.get(name)) for name in columns]
            body.append(cells)
        table = _table(SAMPLE_TITLES[kind], [head], body, f"rows {kind}")
    return Section(kind, SAMPLE_TITLES[kind], total, note, table)


def _duplicates_section(t: TableResult, sample_cap: int) -> Section | None:
    s = t.summary
    if not (s.duplicate_keys_left or s.duplicate_keys_right or t.samples.duplicates):
        return None
    shown, total, note = _shown(t, "duplicates", sample_cap)
    table = None
    if shown:
        keys = key_columns(t, shown)
        head = [_text("Side", sort_col=0)]
        head += [_text(name, "key", sort_col=1 + i) for i, name in enumerate(keys)]
        head.append(_text("Rows with this key", "num", sort_col=1 + len(keys)))
        body = [
            [
                _text(str(sample.get("side", "")), "side"),
                *_key_cells(keys, sample.get("key", {})),
                _count(int(sample.get("count", 0))),
            ]
            for sample in shown
        ]
        table = _table(SAMPLE_TITLES["duplicates"], [head], body)
    return Section("duplicates", SAMPLE_TITLES["duplicates"], total, note, table)


def _null_keys_section(t: TableResult, sample_cap: int) -> Section | None:
    s = t.summary
    if not (s.null_keys_left or s.null_keys_right or t.samples.null_keys):
        return None
    shown, total, note = _shown(t, "null_keys", sample_cap)
    table = None
    if shown:
        keys = list(t.key)
        columns = keys + row_columns(t, shown)
        head = [_text("Side", sort_col=0)]
        head += [
            _text(name, "key" if name in t.key else "", sort_col=1 + i) for i, name in enumerate(columns)
        ]
        body = []
        for sample in shown:
            row = sample.get("row", {})
            body.append([_text(str(sample.get("side", "")), "side"), *[_value(row.get(c)) for c in columns]])
        table = _table(SAMPLE_TITLES["null_keys"], [head], body)
    return Section("null_keys", SAMPLE_TITLES["null_keys"], total, note, table)


def _validation_section(t: TableResult) -> Section | None:
    v = t.validation
    if v.passed and not v.failures:
        return None
    note = "" if v.failures else "Validation failed without naming a check."
    table = None
    if v.failures:
        head = _head("Side", "Column", "Check", "Failing rows", "Examples", num=(3,))
        body = []
        for f in v.failures:
            examples = _failure_examples(f.examples, f.check)
            body.append(
                (
                    _text(f.side, "side"),
                    _text(f.column or "(table)", "name"),
                    _text(f.check, "rule"),
                    _count(f.count, emphasize=True),
                    Cell(lines=examples or ((("more", "no examples"),),), cls="examples"),
                )
            )
        table = _table("Validation failures", [head], body)
    badge = fmt_count(validation_failure_count(t))
    return Section("validation", "Validation failures", badge, note, table)


def _warnings_section(t: TableResult) -> Section | None:
    rows = table_warnings(t)
    if not rows:
        return None
    head = _head("Side", "Column", "Check", "Rows", "What it means", "Examples", num=(3,))
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
                _text(w.side, "side"),
                _text(w.column or "(table)", "name"),
                _text(w.check, "rule"),
                _count(w.count),
                _text(w.message, "message"),
                Cell(lines=examples or ((("more", "no examples"),),), cls="examples"),
            )
        )
    table = _table("Warnings", [head], body, "warnings")
    return Section("warnings", "Warnings", fmt_count(len(rows)), WARNINGS_NOTE, table, badge_cls="warn")


def _sample_limit(options: Mapping[str, Any]) -> str:
    limit = options.get("sample_limit")
    return fmt_count(limit) if isinstance(limit, int) and not isinstance(limit, bool) else ""


def _meta(result: DiffResult) -> list[Stat]:
    return [
        Stat("Started at", result.started_at or "unknown"),
        Stat("Duration", fmt_duration(result.duration_s)),
        Stat("dbdiff version", result.dbdiff_version or "unknown"),
        Stat("Result schema version", str(result.schema_version)),
    ]


def _options_table(options: Mapping[str, Any]) -> Table | None:
    rows = option_rows(options)
    if not rows:
        return None
    head = _head("Option", "Value")
    body = [(_text(name, "name"), _text(value, "val")) for name, value in rows]
    return _table("Options", [head], body)


def _summary_payload(result: DiffResult, sample_cap: int) -> dict[str, Any]:
    """The counts as machine-readable JSON for tools that scrape reports (no sample values)."""
    return {
        "schema_version": result.schema_version,
        "dbdiff_version": result.dbdiff_version,
        "started_at": result.started_at,
        "duration_s": round(result.duration_s, 3),
        "status": result.status,
        "left": _source_view(result.left),
        "right": _source_view(result.right),
        "report": {"sample_cap": sample_cap, "value_limit": VALUE_LIMIT},
        "tables": [
            {
                "left_table": t.left_table,
                "right_table": t.right_table,
                "key": list(t.key),
                "status": t.status,
                "error": safe_text(t.error) if t.error else None,
                "summary": t.summary.to_dict(),
                "schema": {"only_left": list(t.schema.only_left), "only_right": list(t.schema.only_right)},
                "columns": [c.to_dict() for c in t.columns],
                "validation_failures": validation_failure_count(t),
                # only when there are any, as in the JSON result: older pages stay byte-identical
                **({"warnings": len(table_warnings(t))} if table_warnings(t) else {}),
            }
            for t in result.tables
        ],
    }


# --- a validation run (`dbdiff validate`): one source and its checks, no diff words ---


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


def _render_validation(result: DiffResult, csp: str, styles: Sequence[str], sample_cap: int) -> str:
    t = totals(result)
    counts = [check_counts(table) for table in result.tables if table.status != "error"]
    failed = sum(c.failed for c in counts)
    banner = [
        Stat("Tables", fmt_count(t.tables)),
        Stat("Rows checked", fmt_count(sum(c.rows for c in counts))),
        Stat("Checks run", fmt_count(sum(c.run for c in counts))),
        Stat("Checks failed", fmt_count(failed), "bad" if failed else ""),
    ]
    if t.errors:
        banner.append(Stat("Errors", fmt_count(t.errors), "bad"))
    if t.warnings:
        banner.append(Stat("Warnings", fmt_count(t.warnings), "warn"))
    names = [table.left_table for table in result.tables]
    what = names[0] if len(names) == 1 else f"{fmt_count(len(names))} tables"
    label = VALIDATION_LABELS.get(result.status, result.status)
    context = {
        **_page_context(result, csp, styles, sample_cap),
        "eyebrow": "dbdiff validation report",
        "single_source": True,
        "title": f"dbdiff validate: {label} · {what}",
        "status_label": label,
        "headline": validation_headline(result),
        "banner": banner,
        "overview": None,
        "pairs": [_checked_view(table, i) for i, table in enumerate(result.tables, 1)],
        "summary": _validation_payload(result),
    }
    return environment().get_template("report.html.j2").render(context)


def _checked_view(t: TableResult, index: int) -> PairView:
    c = check_counts(t)
    s = t.summary
    stats = (
        Stat("Rows checked", fmt_count(c.rows)),
        Stat("Checks run", fmt_count(c.run)),
        Stat("Checks failed", fmt_count(c.failed), "bad" if c.failed else ""),
        Stat("NULL keys", fmt_count(s.null_keys_left), "bad" if s.null_keys_left else ""),
        Stat("Duplicate keys", fmt_count(s.duplicate_keys_left), "bad" if s.duplicate_keys_left else ""),
    )
    sections = [sec for sec in (_checks_section(t), _warnings_section(t)) if sec is not None]
    rows = column_rows(t)
    columns = None
    if rows:
        key = set(t.key)
        body = [
            (
                Cell(
                    lines=((("", r.name), ("tag", " key")),) if r.name in key else ((("", r.name),),),
                    cls="name",
                    sort=r.name,
                ),
                _text(r.left_type, "type"),
                _text(r.rule, "rule"),
            )
            for r in rows
        ]
        columns = _table("Columns", [_head("Column", "Type", "Rule")], body)
    return PairView(
        anchor=f"pair-{index}",
        name=t.left_table,
        status=t.status,
        status_label=VALIDATION_LABELS.get(t.status, t.status),
        key=", ".join(t.key),
        error=safe_text(t.error) if t.status == "error" or t.error else None,
        headline=check_headline(t),
        stats=stats if t.status != "error" else (),
        bar=(),
        only_left_columns=(),
        only_right_columns=(),
        columns=columns,
        sections=tuple(sections),
        run_stats=_run_stats(t.stats),
        open=True,
    )


def _checks_section(t: TableResult) -> Section | None:
    rows = check_rows(t)
    if not rows:
        if t.validation.passed:
            return None
        return Section("validation", "Checks", "1 failed", "A check failed without naming itself.", None)
    head = _head("Column", "Check", "Result", "Failing rows", "Examples", num=(3,))
    body = []
    for r in rows:
        examples = Cell(lines=_failure_examples(r.examples, r.check), cls="examples") if r.examples else None
        result = (
            _text("failed", "status s-different", sort="0")
            if r.failed
            else _text("passed", "status s-identical", sort="1")
        )
        body.append(
            (
                _text(r.column or "(table)", "name"),
                _text(r.check, "rule"),
                result,
                _count(r.count, emphasize=True) if r.failed else _text("", "num", sort="0"),
                examples or _text(""),
            )
        )
    failed = sum(r.failed for r in rows)
    badge = f"{fmt_count(failed)} failed" if failed else f"{fmt_count(len(rows))} passed"
    table = _table("Checks", [head], body)
    return Section("validation", "Checks", badge, "", table, badge_cls="bad" if failed else "")


def _validation_payload(result: DiffResult) -> dict[str, Any]:
    """The counts as machine-readable JSON for tools that scrape reports (no example values)."""
    tables = []
    for t in result.tables:
        c = check_counts(t)
        tables.append(
            {
                "table": t.left_table,
                "key": list(t.key),
                "status": t.status,
                "error": safe_text(t.error) if t.error else None,
                "rows_checked": c.rows,
                "checks_run": c.run,
                "checks_failed": c.failed,
            }
        )
    return {
        "schema_version": result.schema_version,
        "dbdiff_version": result.dbdiff_version,
        "command": "validate",
        "started_at": result.started_at,
        "duration_s": round(result.duration_s, 3),
        "status": result.status,
        "source": _source_view(result.left),
        "tables": tables,
    }
