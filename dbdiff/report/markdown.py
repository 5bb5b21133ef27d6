"""GitHub-flavoured Markdown for job summaries and pull-request comments.

A table of pairs with their status, then one collapsible `<details>` per pair with the column
table and samples. Output never exceeds `max_bytes` (GitHub rejects job summaries over 1 MiB;
pass about 60_000 for a PR comment, whose limit is 65,536 characters): whatever does not fit is
cut at a row boundary and replaced by an explicit "N more ... omitted" line. No JS, no CSS.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from dbdiff.report.display import display_key, display_value, escape_controls, marked_pair
from dbdiff.report.formatting import (
    STATUS_LABELS,
    VALIDATION_LABELS,
    check_counts,
    check_headline,
    check_rows,
    failure_example,
    is_validation_run,
    run_headline,
    table_headline,
    validation_failure_count,
    validation_headline,
)
from dbdiff.report.json_paths import json_columns, json_where
from dbdiff.report.recheck_views import (
    PERSISTENT_NOTE,
    STATE_MEANINGS,
    any_transient,
    count_rows,
    recheck_line,
    recheck_of,
    sample_text,
    transient_total,
)
from dbdiff.report.redaction import safe_text
from dbdiff.report.run_views import (
    difference_rows,
    first_breach,
    history_key,
    history_of,
    ordered,
    run_breach_lines,
    table_breach_lines,
    verdict_counts,
    verdict_label,
    window_text,
)
from dbdiff.report.trend import run_count, trend_line
from dbdiff.report.views import (
    SAMPLE_TITLES,
    changed_columns,
    column_rows,
    pair_name,
    sample_total,
    table_warnings,
    warning_example,
)
from dbdiff.report.words import counted, fmt_count, fmt_duration, fmt_percent, fmt_timings, truncate

if TYPE_CHECKING:
    from dbdiff.result import DiffResult, TableResult

_ICONS = {"identical": "✅", "different": "❌", "error": "⚠️"}
_VERDICT_ICONS = {"pass": "✅", "warn": "⚠️", "fail": "❌"}
_BREACHES = 20  # breaches listed under a run's verdict
_RESERVE = 1_024  # bytes kept back for closing tags and "omitted" notes
_MIN_BYTES = 4_096
_VALUE_LIMIT = 100
_WARNING_EXAMPLES = 3  # example values listed per warning
_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\`*_[]|~"})


def md(text: Any) -> str:
    """Text for a Markdown paragraph or table cell: no markup, HTML or table break gets through."""
    text = escape_controls(str(text))
    text = html.escape(text, quote=False).translate(_MD_SPECIAL)
    return text.replace("\r\n", "\n").replace("\r", "\n").replace("\n", "<br>").replace("\t", " ")


def _html(text: Any) -> str:
    """Text inside a raw HTML block such as `<summary>` (Markdown is not parsed there)."""
    return html.escape(escape_controls(str(text)).replace("\n", " ").replace("\r", " "), quote=True)


def render_markdown(result: DiffResult, *, max_bytes: int = 1_000_000, sample_cap: int = 100) -> str:
    """A job-summary / PR-comment report that is at most `max_bytes` bytes of UTF-8."""
    if max_bytes < _MIN_BYTES:
        raise ValueError(f"max_bytes must be at least {_MIN_BYTES}")
    out = _Writer(max_bytes - _RESERVE)
    if is_validation_run(result):
        return _validation_run(out, result, max_bytes)
    status = result.status
    verdict = result.verdict
    if verdict is None:
        out.add(f"## {_ICONS.get(status, '')} dbdiff: {STATUS_LABELS.get(status, status)}\n\n")
    else:
        label = f"{verdict_label(verdict)} ({STATUS_LABELS.get(status, status).lower()})"
        out.add(f"## {_VERDICT_ICONS.get(verdict.level, '')} dbdiff: {md(label)}\n\n")
    out.add(md(run_headline(result)) + "\n\n")
    _verdict_block(out, result)
    out.add(f"{md(safe_text(result.left.url))} ⇄ {md(safe_text(result.right.url))}  \n")
    out.add(
        f"Started {md(result.started_at or 'unknown')} · took {fmt_duration(result.duration_s)}"
        f" · dbdiff {md(result.dbdiff_version or 'unknown')}\n\n"
    )
    if result.timings:
        out.add(f"Timings: {md(fmt_timings(result.timings))}\n\n")

    judged = verdict is not None or any(t.verdict is not None for t in result.tables)
    header = (
        "| Table pair | Status | Matched | Changed | Only in left | Only in right "
        "| Duplicate keys | NULL keys | Failed checks |\n"
        "|---|---|--:|--:|--:|--:|--:|--:|--:|\n"
    )
    if judged:
        header = header.replace("| Status |", "| Verdict | Status |", 1).replace(
            "|---|---|", "|---|---|---|", 1
        )
        header = header.replace("| Failed checks |\n", "| Failed checks | Breaches |\n").replace(
            "--:|\n", "--:|---|\n"
        )
    transient = any_transient(result.tables)  # a column only when a recheck saw any
    if transient:
        header = header.replace("| Failed checks |", "| Failed checks | Transient |", 1).replace(
            "--:|--:|--:|--:|--:|--:|--:|", "--:|--:|--:|--:|--:|--:|--:|--:|", 1
        )
    tables = [t for _, t in ordered(result)]
    if out.add(header):
        for i, t in enumerate(tables):
            if not out.add(_pair_row(t, judged, transient)):
                out.force(_omitted(len(result.tables) - i, "table pair", "table pairs", "from this table"))
                break
    out.add("\n")

    history = history_of(result)
    for i, t in enumerate(tables):
        if out.full or not _write_pair(out, t, sample_cap, history):
            out.force(_omitted(len(result.tables) - i, "table pair", "table pairs"))
            break
    text = "".join(out.parts)
    assert len(text.encode("utf-8")) <= max_bytes, "markdown byte budget exceeded"
    return text


@dataclass
class _Writer:
    limit: int
    parts: list[str] = field(default_factory=list)
    size: int = 0
    full: bool = False

    def add(self, text: str) -> bool:
        """Append `text` if it fits the budget; once something does not fit, nothing more does."""
        n = len(text.encode("utf-8"))
        if self.full or self.size + n > self.limit:
            self.full = True
            return False
        self.parts.append(text)
        self.size += n
        return True

    def force(self, text: str) -> None:
        """Append a closing tag or an omission note: these live in the reserved bytes."""
        self.parts.append(text)
        self.size += len(text.encode("utf-8"))


def _omitted(n: int, singular: str, plural: str, where: str = "") -> str:
    suffix = f" {where}" if where else ""
    what = f"{fmt_count(n)} more {singular if n == 1 else plural}"
    return f"\n_… {what} omitted{suffix} to stay under the size limit._\n\n"


def _verdict_block(out: _Writer, result: DiffResult) -> None:
    """A judged run's verdict, its breaches (fail first) and the run's trend, under the headline."""
    verdict = result.verdict
    if verdict is not None:
        counts = verdict_counts(result)
        out.add(
            f"**Verdict: {verdict.level.upper()}**" + (f" · tables: {md(counts)}" if counts else "") + "\n\n"
        )
        lines = run_breach_lines(result)
        for line in lines[:_BREACHES]:
            out.add(f"- {_VERDICT_ICONS.get(line.level, '')} {md(line.level.upper())} {md(str(line))}\n")
        if len(lines) > _BREACHES:
            out.add(f"- … {fmt_count(len(lines) - _BREACHES)} more\n")
        if lines:
            out.add("\n")
    trend = trend_line(history_of(result))
    if trend:
        out.add(f"**Trend** (last {fmt_count(len(history_of(result)))} runs): {md(trend)}\n\n")


def _pair_row(t: TableResult, judged: bool = False, transient: bool = False) -> str:
    s = t.summary
    status = (
        f"➖ Only in {t.only_on}"
        if t.only_on
        else f"{_ICONS.get(t.status, '')} {STATUS_LABELS.get(t.status, t.status)}"
    )
    verdict = [f"{_VERDICT_ICONS.get(t.verdict.level, '')} {verdict_label(t.verdict)}" if t.verdict else ""]
    cells = [
        md(pair_name(t)),
        *(verdict if judged else []),
        status,
        fmt_count(s.matched),
        fmt_count(s.changed),
        fmt_count(s.only_left),
        fmt_count(s.only_right),
        fmt_count(s.duplicate_keys_left + s.duplicate_keys_right),
        fmt_count(s.null_keys_left + s.null_keys_right),
        fmt_count(validation_failure_count(t)),
        *([fmt_count(transient_total(t))] if transient else []),
        *([md(first_breach(t))] if judged else []),
    ]
    return "| " + " | ".join(cells) + " |\n"


@dataclass(frozen=True)
class _Block:
    """A run of Markdown: a heading and a table, written row by row."""

    intro: str
    rows: Sequence[str]
    outro: str = ""


def _write_pair(
    out: _Writer, t: TableResult, sample_cap: int, history: Sequence[Mapping[str, Any]] = ()
) -> bool:
    """Write one pair's `<details>`; False when not even its opening fits."""
    if t.verdict is None:
        summary = f"{_ICONS.get(t.status, '')} {pair_name(t)} · {table_headline(t)}"
    else:
        icon = _VERDICT_ICONS.get(t.verdict.level, "")
        summary = f"{icon} {pair_name(t)} · {t.verdict.level.upper()} · {table_headline(t)}"
    rest = "\n_… the rest of this pair omitted to stay under the size limit._\n\n"
    return _write_details(out, summary, lambda: _pair_blocks(t, sample_cap, history), "of this pair", rest)


def _write_details(
    out: _Writer, summary: str, blocks: Callable[[], Iterable[_Block]], of_what: str, rest: str
) -> bool:
    """One `<details>` of blocks, cut where the budget ends (saying how many rows were left out,
    or `rest` when a whole block's intro or outro did not fit); False when not even its opening fits."""
    if not out.add(f"<details><summary>{_html(summary)}</summary>\n\n"):
        return False
    made = list(blocks())
    remaining = sum(len(b.rows) for b in made)
    for block in made:
        if not out.add(block.intro):
            break
        written = 0
        for row in block.rows:
            if not out.add(row):
                break
            written += 1
        remaining -= written
        if out.full:
            break
        out.add(block.outro)
    if out.full:
        out.force(_omitted(remaining, "row", "rows", of_what) if remaining else rest)
    out.force("</details>\n\n")
    return True


def _run_blocks(t: TableResult, history: Sequence[Mapping[str, Any]]) -> Iterable[_Block]:
    """What a check-file run adds to a pair: breaches, the table on one side, window, trend, catalog."""
    breaches = table_breach_lines(t)
    if breaches:
        rows = [f"- {_VERDICT_ICONS.get(b.level, '')} {md(b.level.upper())} {md(b.text)}\n" for b in breaches]
        yield _Block("", rows, "\n")
    if t.window is not None:
        yield _Block(f"**Window:** {md(window_text(t.window))}\n\n", ())
    if run_count(history, history_key(t)) > 1:
        yield _Block(f"**Trend:** {md(trend_line(history, history_key(t)))}\n\n", ())


def _difference_blocks(t: TableResult) -> Iterable[_Block]:
    rows = [
        "| " + " | ".join(md(x) for x in (d.kind_label, d.column, d.left, d.right, d.message)) + " |\n"
        for d in difference_rows(t)
    ]
    if rows:
        head = "**Catalog differences**\n\n| Kind | Column | Left | Right | Note |\n|---|---|---|---|---|\n"
        yield _Block(head, rows, "\n")


def _pair_blocks(
    t: TableResult, sample_cap: int, history: Sequence[Mapping[str, Any]] = ()
) -> Iterable[_Block]:
    s = t.summary
    if t.status == "error" or t.error:
        yield _Block(f"**Error:** {md(truncate(safe_text(t.error) or 'unknown error', 2_000))}\n\n", ())
    yield from _run_blocks(t, history)
    facts = []
    if t.key:
        facts.append("Key: " + md(", ".join(t.key)))
    # A table on one side only has no row counts to pair: its headline says so.
    if not t.only_on and (t.status != "error" or s.rows_left or s.rows_right):
        facts += [f"Rows left: {fmt_count(s.rows_left)}", f"Rows right: {fmt_count(s.rows_right)}"]
    if facts:
        yield _Block(" · ".join(facts) + "\n\n", ())
    yield from _recheck_blocks(t, sample_cap)
    if t.schema.only_left or t.schema.only_right:
        lines = []
        if t.schema.only_left:
            lines.append("**Columns only in left:** " + ", ".join(md(c) for c in t.schema.only_left))
        if t.schema.only_right:
            lines.append("**Columns only in right:** " + ", ".join(md(c) for c in t.schema.only_right))
        yield _Block("  \n".join(lines) + "\n\n", ())
    yield from _difference_blocks(t)

    rows = column_rows(t)
    if rows:
        yield _Block(
            "| Column | Left type | Right type | Rule | Mismatches | % of matched |\n"
            "|---|---|---|---|--:|--:|\n",
            [
                "| "
                + " | ".join(
                    (
                        md(r.name if r.right_name is None else f"{r.name} → {r.right_name}"),
                        md(r.left_type),
                        md(r.right_type),
                        md(r.rule),
                        fmt_count(r.mismatches),
                        fmt_percent(r.mismatches, s.matched),
                    )
                )
                + " |\n"
                for r in rows
            ],
            "\n",
        )
    yield from _sample_blocks(t, sample_cap)
    yield from _validation_blocks(t)
    yield from _warning_blocks(t)


def _recheck_blocks(t: TableResult, sample_cap: int) -> Iterable[_Block]:
    """The Rechecked section: counts per state and kind, then the transient and vanished rows."""
    view = recheck_of(t)
    if view is None:
        return
    intro = f"**Rechecked:** {md(recheck_line(view))}\n\n"
    if not view.noise and not view.total("persistent"):
        yield _Block(intro, ())
        return
    if view.total("persistent") or t.status == "different":
        intro += f"_{md(PERSISTENT_NOTE)}_\n\n"
    head = "| State | Changed | Only in left | Only in right | Total |\n|---|--:|--:|--:|--:|\n"
    rows = [
        f"| {state} | " + " | ".join(fmt_count(n) for n in (*numbers, total)) + " |\n"
        for state, numbers, total in count_rows(view)
    ]
    meanings = "".join(f"- _{state}_: {md(STATE_MEANINGS[state])}\n" for state in ("transient", "vanished"))
    yield _Block(intro + head, rows, "\n" + meanings + "\n")
    shown = view.samples[:sample_cap]
    if shown:
        total = max(view.noise, len(view.samples))
        note = f" (showing {fmt_count(len(shown))} of {fmt_count(total)})" if len(shown) < total else ""
        rows = [f"- {md(sample_text(s, _VALUE_LIMIT))}\n" for s in shown]
        yield _Block(f"**Transient and vanished rows**{note}\n\n", rows, "\n")


def _heading(t: TableResult, kind: str, shown: int) -> str:
    total = sample_total(t, kind)
    if not shown:
        note = f" ({fmt_count(total)}; no examples were kept)"
    else:
        note = f" (showing {fmt_count(shown)} of {fmt_count(total)})" if shown < total else ""
    return f"**{SAMPLE_TITLES[kind]}**{note}\n\n"


def _sample_blocks(t: TableResult, sample_cap: int) -> Iterable[_Block]:
    changed = t.samples.changed[:sample_cap]
    if changed:
        rows = []
        order = changed_columns(t, changed)
        json_names = json_columns(t)
        for sample in changed:
            diffs = sample.get("diffs", {})
            key = md(display_key(sample.get("key", {})))
            for name in order:
                if name in diffs:
                    pair = diffs[name]
                    shown = marked_pair(pair, _VALUE_LIMIT)
                    left, right = md(shown[0]), md(shown[1])
                    where = json_where(pair.get("left"), pair.get("right")) if name in json_names else ""
                    column = md(name) + (f"<br>{md(where)}" if where else "")
                    rows.append(f"| {key} | {column} | {left} | {right} |\n")
        head = "| Key | Column | Left | Right |\n|---|---|---|---|\n"
        yield _Block(_heading(t, "changed", len(changed)) + head, rows, "\n")
    elif t.summary.changed:
        yield _Block(_heading(t, "changed", 0), ())

    for kind in ("only_left", "only_right"):
        samples = getattr(t.samples, kind)[:sample_cap]
        if samples:
            rows = [
                f"| {md(display_key(x.get('key', {})))} | {md(_row_text(x.get('row', {}), t.key))} |\n"
                for x in samples
            ]
            yield _Block(_heading(t, kind, len(samples)) + "| Key | Row |\n|---|---|\n", rows, "\n")
        elif getattr(t.summary, kind):
            yield _Block(_heading(t, kind, 0), ())

    dups = t.samples.duplicates[:sample_cap]
    if dups:
        rows = [
            f"| {md(x.get('side', ''))} | {md(display_key(x.get('key', {})))} "
            f"| {fmt_count(int(x.get('count', 0)))} |\n"
            for x in dups
        ]
        head = "| Side | Key | Rows with this key |\n|---|---|--:|\n"
        yield _Block(_heading(t, "duplicates", len(dups)) + head, rows, "\n")
    elif sample_total(t, "duplicates"):
        yield _Block(_heading(t, "duplicates", 0), ())

    nulls = t.samples.null_keys[:sample_cap]
    if nulls:
        rows = [f"| {md(x.get('side', ''))} | {md(_row_text(x.get('row', {}), ()))} |\n" for x in nulls]
        yield _Block(_heading(t, "null_keys", len(nulls)) + "| Side | Row |\n|---|---|\n", rows, "\n")
    elif sample_total(t, "null_keys"):
        yield _Block(_heading(t, "null_keys", 0), ())


def _row_text(row: dict[str, Any], key: Sequence[str]) -> str:
    return ", ".join(f"{k}={display_value(v, _VALUE_LIMIT)}" for k, v in row.items() if k not in key)


def _validation_blocks(t: TableResult) -> Iterable[_Block]:
    v = t.validation
    if v.failures:
        rows = []
        for f in v.failures:
            examples = "; ".join(failure_example(e, _VALUE_LIMIT, f.check) for e in f.examples[:5])
            if len(f.examples) > 5:
                examples += f"; … {fmt_count(len(f.examples) - 5)} more"
            cells = (md(f.side), md(f.column or "(table)"), md(f.check), fmt_count(f.count), md(examples))
            rows.append("| " + " | ".join(cells) + " |\n")
        head = (
            "**Validation failures**\n\n"
            "| Side | Column | Check | Failing rows | Examples |\n|---|---|---|--:|---|\n"
        )
        yield _Block(head, rows, "\n")
    elif not v.passed:
        yield _Block("**Validation failed** without naming a check.\n\n", ())


def _warning_blocks(t: TableResult) -> Iterable[_Block]:
    rows = []
    for w in table_warnings(t):
        shown = [warning_example(e, _VALUE_LIMIT) for e in w.examples[:_WARNING_EXAMPLES]]
        examples = "; ".join(shown)
        if shown and w.count > len(shown):
            examples += f"; … {fmt_count(w.count - len(shown))} more"
        message = truncate(w.message, 300)
        rows.append(
            f"- **{md(w.column or '(table)')}** ({md(w.side)}): {counted(w.count, 'row')} · {md(message)}"
            + (f" · e.g. {md(examples)}" if examples else "")
            + "\n"
        )
    if rows:
        intro = "**Warnings** (equal only because a rule reads them leniently; not differences)\n\n"
        yield _Block(intro, rows, "\n")


# --- a validation run (`dbdiff validate`): one source and its checks, no diff words ---

_CHECK_ICONS = {"identical": "✅", "different": "❌", "error": "⚠️"}
_VERDICT_ICONS = {"pass": "✅", "warn": "⚠️", "fail": "❌"}
_BREACHES = 20  # breaches listed under a run's verdict


def _validation_run(out: _Writer, result: DiffResult, max_bytes: int) -> str:
    status = result.status
    out.add(f"## {_CHECK_ICONS.get(status, '')} dbdiff validate: {VALIDATION_LABELS.get(status, status)}\n\n")
    out.add(md(validation_headline(result)) + "\n\n")
    out.add(f"Source: {md(safe_text(result.left.url))}  \n")
    out.add(
        f"Started {md(result.started_at or 'unknown')} · took {fmt_duration(result.duration_s)}"
        f" · dbdiff {md(result.dbdiff_version or 'unknown')}\n\n"
    )
    header = "| Table | Status | Rows checked | Checks run | Checks failed |\n|---|---|--:|--:|--:|\n"
    if out.add(header):
        for i, t in enumerate(result.tables):
            c = check_counts(t)
            label = f"{_CHECK_ICONS.get(t.status, '')} {VALIDATION_LABELS.get(t.status, t.status)}"
            cells = [md(t.left_table), label]
            cells += (
                ["", "", ""]
                if t.status == "error"
                else [fmt_count(c.rows), fmt_count(c.run), fmt_count(c.failed)]
            )
            if not out.add("| " + " | ".join(cells) + " |\n"):
                out.force(_omitted(len(result.tables) - i, "table", "tables", "from this table"))
                break
    out.add("\n")
    for i, t in enumerate(result.tables):
        if out.full or not _write_checked_table(out, t):
            out.force(_omitted(len(result.tables) - i, "table", "tables"))
            break
    text = "".join(out.parts)
    assert len(text.encode("utf-8")) <= max_bytes, "markdown byte budget exceeded"
    return text


def _write_checked_table(out: _Writer, t: TableResult) -> bool:
    summary = f"{_CHECK_ICONS.get(t.status, '')} {t.left_table} · {check_headline(t)}"
    return _write_details(out, summary, lambda: _checked_blocks(t), "of this table", "\n")


def _checked_blocks(t: TableResult) -> Iterable[_Block]:
    if t.status == "error" or t.error:
        yield _Block(f"**Error:** {md(truncate(safe_text(t.error) or 'unknown error', 2_000))}\n\n", ())
        return
    facts = [f"Rows checked: {fmt_count(t.summary.rows_left)}"]
    if t.key:
        facts.insert(0, "Key: " + md(", ".join(t.key)))
    yield _Block(" · ".join(facts) + "\n\n", ())
    rows = []
    for r in check_rows(t):
        examples = "; ".join(failure_example(e, _VALUE_LIMIT, r.check) for e in r.examples[:5])
        if len(r.examples) > 5:
            examples += f"; … {fmt_count(len(r.examples) - 5)} more"
        result = "❌ failed" if r.failed else "✅ passed"
        cells = (
            md(r.column or "(table)"),
            md(r.check),
            result,
            fmt_count(r.count) if r.failed else "",
            md(examples),
        )
        rows.append("| " + " | ".join(cells) + " |\n")
    if rows:
        head = "**Checks**\n\n| Column | Check | Result | Failing rows | Examples |\n|---|---|---|--:|---|\n"
        yield _Block(head, rows, "\n")
    elif not t.validation.passed:
        yield _Block("**A check failed** without naming itself.\n\n", ())
    columns = column_rows(t)
    if columns:
        yield _Block(
            "**Columns checked**\n\n| Column | Type | Rule |\n|---|---|---|\n",
            [f"| {md(r.name)} | {md(r.left_type)} | {md(r.rule)} |\n" for r in columns],
            "\n",
        )
    yield from _warning_blocks(t)
