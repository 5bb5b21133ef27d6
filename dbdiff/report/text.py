"""The terminal summary (rich) and the one-line summary for logs.

Works on a colour terminal, with `NO_COLOR`, and when piped to a file: every value goes in as a
`rich.text.Text` (never markup), with control characters shown as escapes, so data can neither
inject rich markup nor terminal escape sequences.
"""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dbdiff.report.display import display_key, display_value, escape_controls, marked_pair
from dbdiff.report.formatting import (
    STATUS_LABELS,
    VALIDATION_LABELS,
    check_headline,
    check_name,
    check_rows,
    failure_example,
    is_validation_run,
    run_headline,
    table_headline,
    validation_headline,
)
from dbdiff.report.json_paths import json_columns, json_where
from dbdiff.report.recheck_views import (
    KIND_LABELS,
    PERSISTENT_NOTE,
    STATE_MEANINGS,
    any_transient,
    count_rows,
    recheck_line,
    recheck_of,
    transient_total,
)
from dbdiff.report.redaction import safe_text
from dbdiff.report.run_views import (
    difference_rows,
    difference_text,
    first_breach,
    has_run_parts,
    history_key,
    history_of,
    ordered,
    run_breach_lines,
    table_breach_lines,
    verdict_counts,
    verdict_label,
    verdict_sentence,
    window_text,
)
from dbdiff.report.trend import run_count, trend_line
from dbdiff.report.views import (
    SAMPLE_TITLES,
    pair_name,
    sample_total,
    table_warnings,
    top_columns,
    warning_example,
)
from dbdiff.report.words import counted, fmt_count, fmt_duration, fmt_percent, truncate

if TYPE_CHECKING:
    from rich.console import Console
    from rich.text import Text

    from dbdiff.result import DiffResult, TableResult

_STYLES = {"identical": "bold green", "different": "bold yellow", "error": "bold red"}
_VERDICT_STYLES = {"pass": "bold green", "warn": "bold yellow", "fail": "bold red"}
_BREACH_MARKS = {"fail": "✗", "warn": "!"}
_BREACH_LINES = 50  # breaches listed above a run's verdict line
_TOP_COLUMNS = 10
_VALUE_LIMIT = 60
_WARNING_EXAMPLES = 2  # example values shown per warning


def summary_line(result: DiffResult) -> str:
    """One plain line for logs: `dbdiff different: 2 table pairs (...), 1,234 rows matched, 5 changed`
    (`dbdiff validate failed: 1 table (1 failed), 300 rows checked, ...` for a validation run)."""
    if is_validation_run(result):
        label = VALIDATION_LABELS.get(result.status, result.status).lower()
        return escape_controls(f"dbdiff validate {label}: {validation_headline(result)}")
    line = f"dbdiff {result.status}: {run_headline(result)}"
    if result.verdict is not None:
        counts = verdict_counts(result)
        line += f" · verdict {result.verdict.level}" + (f" ({counts})" if counts else "")
    return escape_controls(line)


def render_text(result: DiffResult, console: Console | None = None, *, max_samples: int = 5) -> None:
    """Print a readable summary of `result`: status, then per pair counts, columns and samples."""
    from rich.console import Console

    console = console or Console()
    _Printer(console, max_samples).run(result)


def render_plain_text(result: DiffResult, *, width: int = 100, max_samples: int = 5) -> str:
    """The terminal summary as plain text (no colour, no escape codes), for files and pipes."""
    from rich.console import Console

    buffer = io.StringIO()
    console = Console(
        file=buffer,
        width=width,
        no_color=True,
        color_system=None,
        force_terminal=False,
        force_interactive=False,
        highlight=False,
        emoji=False,
        soft_wrap=False,
        legacy_windows=False,
    )
    render_text(result, console, max_samples=max_samples)
    return buffer.getvalue()


def render_timings(result: DiffResult) -> str:
    """Where the run's time went (`--timings`): seconds per phase, then the wall seconds.

    Reading, normalizing and comparing run on the workers and are summed over them, so with several
    workers they can add up to more than the wall seconds. Empty for a result without timings."""
    from dbdiff.timings import PHASES, WALL

    if not result.timings:
        return ""
    rows = [(phase.replace("_", " "), result.timings.get(phase, 0.0)) for phase in PHASES]
    rows.append((WALL, result.timings.get(WALL, 0.0)))
    width = max(len(name) for name, _ in rows)
    lines = ["Timings (seconds; read, normalize and compare are summed over the workers)"]
    lines += [f"  {name:<{width}}  {seconds:>10.3f}" for name, seconds in rows]
    return "\n".join(lines) + "\n"


class _Printer:
    def __init__(self, console: Console, max_samples: int) -> None:
        self.console = console
        self.max_samples = max(0, max_samples)
        encoding = (console.encoding or "utf-8").lower()
        self.encoding = None if encoding.replace("-", "").startswith("utf") else encoding
        self.history: list[Any] = []

    def text(self, value: Any, style: str = "") -> Text:
        from rich.text import Text

        text = escape_controls(str(value))
        if self.encoding:  # a terminal that cannot show ⇄ or → gets '?' rather than a crash
            text = text.encode(self.encoding, "replace").decode(self.encoding)
        return Text(text, style=style)

    def table(self, *headers: str, numeric: Sequence[int] = ()) -> Any:
        from rich import box
        from rich.table import Table

        table = Table(box=box.SIMPLE_HEAD, show_edge=False, pad_edge=False, highlight=False)
        for i, header in enumerate(headers):
            table.add_column(self.text(header), justify="right" if i in numeric else "left", overflow="fold")
        return table

    def run(self, result: DiffResult) -> None:
        if is_validation_run(result):
            self.validation_run(result)
            return
        c = self.console
        self.history = list(history_of(result))
        self.header(
            result,
            STATUS_LABELS,
            run_headline(result),
            f"{safe_text(result.left.url)} ⇄ {safe_text(result.right.url)}",
        )
        for _, table in ordered(result):
            c.print()
            self.pair(table)
        if result.verdict is not None or has_run_parts(result.tables):
            self.judged_run(result)

    def judged_run(self, result: DiffResult) -> None:
        """The end of a check-file run: the tables worst first, the trend, and the verdict last."""
        c = self.console
        if len(result.tables) > 1:
            c.print()
            # Transient differences (agreed at a recheck) get a column only when a table has any.
            transient = any_transient(result.tables)
            table = self.table(
                "Table",
                "Verdict",
                "Status",
                "Changed",
                "Only left",
                "Only right",
                *(["Transient"] if transient else []),
                "Breaches",
                numeric=(3, 4, 5, 6) if transient else (3, 4, 5),
            )
            for _, t in ordered(result):
                s = t.summary
                level = t.verdict.level if t.verdict is not None else ""
                table.add_row(
                    self.text(pair_name(t)),
                    self.text(verdict_label(t.verdict).upper(), _VERDICT_STYLES.get(level, "")),
                    self.text("one side" if t.only_on else STATUS_LABELS.get(t.status, t.status).lower()),
                    *(self.text(fmt_count(n)) for n in (s.changed, s.only_left, s.only_right)),
                    *([self.text(fmt_count(transient_total(t)))] if transient else []),
                    self.text(first_breach(t)),
                )
            c.print(table)
        trend = trend_line(history_of(result))
        if trend:
            c.print(self.text("Trend: ", "bold") + self.text(trend))
        verdict = result.verdict
        if verdict is None:
            return
        lines = run_breach_lines(result)
        counts = verdict_counts(result)
        head, _, rest = verdict_sentence(result).partition(" · ")
        last = self.text(head, _VERDICT_STYLES.get(verdict.level, "bold")) + self.text(
            (f" · tables: {counts}" if counts else "") + (f" · {rest}" if rest else "")
        )
        # Every breach is listed above the verdict line when that line cannot show them all.
        if len(lines) > 3 or last.cell_len > c.width:
            c.rule(self.text("Breaches", "bold"), align="left", style="dim")
            for line in lines[:_BREACH_LINES]:
                mark = f"  {_BREACH_MARKS.get(line.level, '·')} {line.level.upper():4} "
                c.print(self.text(mark, _VERDICT_STYLES.get(line.level, "")) + self.text(str(line)))
            if len(lines) > _BREACH_LINES:
                c.print(self.text(f"  … {fmt_count(len(lines) - _BREACH_LINES)} more", "dim"))
        c.print()
        # The verdict is the last line a person sees: one line, cut to the terminal's width.
        c.print(last, no_wrap=True, overflow="ellipsis")

    def header(self, result: DiffResult, labels: Mapping[str, str], headline: str, sources: str) -> None:
        """The run's first three lines: status and headline, what was read, when and how long."""
        status = result.status
        self.console.print(
            self.text(labels.get(status, status).upper(), _STYLES.get(status, "bold"))
            + self.text("  ")
            + self.text(headline)
        )
        self.console.print(self.text(sources, "dim"))
        self.console.print(
            self.text(
                f"started {result.started_at or 'unknown'} · took {fmt_duration(result.duration_s)}"
                f" · dbdiff {result.dbdiff_version or 'unknown'}",
                "dim",
            )
        )

    # --- a validation run: one source, its checks; no diff words ---

    def validation_run(self, result: DiffResult) -> None:
        c = self.console
        self.header(
            result, VALIDATION_LABELS, validation_headline(result), f"validated {safe_text(result.left.url)}"
        )
        for table in result.tables:
            c.print()
            self.checked_table(table)

    def checked_table(self, t: TableResult) -> None:
        c = self.console
        c.rule(
            self.text(t.left_table, "bold")
            + self.text("  ")
            + self.text(VALIDATION_LABELS.get(t.status, t.status), _STYLES.get(t.status, "")),
            align="left",
            style="dim",
        )
        c.print(self.text(check_headline(t)) + self.text(f" · key {', '.join(t.key) or '-'}", "dim"))
        if t.status == "error":
            return
        every = check_rows(t)
        if every:
            names = " · ".join(check_name(r) for r in every)
            c.print(self.text("checks run: " + truncate(names, 1_000), "dim"))
        rows = [r for r in every if r.failed]
        if rows:
            table = self.table("Failed check", "Failing rows", "Example", numeric=(1,))
            c.print()
            for r in rows:
                example = failure_example(r.examples[0], _VALUE_LIMIT, r.check) if r.examples else ""
                table.add_row(self.text(check_name(r)), self.text(fmt_count(r.count)), self.text(example))
            c.print(table)
        elif not t.validation.passed:
            c.print(self.text("A check failed without naming itself.", "red"))
        self.warnings(t)

    def pair(self, t: TableResult) -> None:
        c = self.console
        title = (
            self.text(pair_name(t), "bold")
            + self.text("  ")
            + self.text(
                f"Only in {t.only_on}" if t.only_on else STATUS_LABELS.get(t.status, t.status),
                _STYLES.get(t.status, ""),
            )
        )
        if t.verdict is not None:
            title += self.text("  ") + self.text(
                verdict_label(t.verdict).upper(), _VERDICT_STYLES.get(t.verdict.level, "")
            )
        c.rule(title, align="left", style="dim")
        c.print(self.text(table_headline(t)) + self.text(f" · key {', '.join(t.key) or '-'}", "dim"))
        self.run_parts(t)
        if t.status != "different" or t.only_on:
            # An identical pair is fully told by its headline (and its warnings, and what its
            # rechecks saw agree), an error pair by its message.
            self.rechecked(t)
            self.warnings(t)
            return
        s = t.summary
        counts = self.table(
            "Rows left",
            "Rows right",
            "Matched",
            "Changed",
            "Only left",
            "Only right",
            "Dup. keys L/R",
            "NULL keys L/R",
            numeric=range(8),
        )
        counts.add_row(
            *(
                self.text(x)
                for x in (
                    fmt_count(s.rows_left),
                    fmt_count(s.rows_right),
                    fmt_count(s.matched),
                    fmt_count(s.changed),
                    fmt_count(s.only_left),
                    fmt_count(s.only_right),
                    f"{fmt_count(s.duplicate_keys_left)}/{fmt_count(s.duplicate_keys_right)}",
                    f"{fmt_count(s.null_keys_left)}/{fmt_count(s.null_keys_right)}",
                )
            )
        )
        c.print(counts)
        self.rechecked(t)
        if t.schema.only_left:
            c.print(self.text("Columns only in left: ", "yellow") + self.text(", ".join(t.schema.only_left)))
        if t.schema.only_right:
            c.print(
                self.text("Columns only in right: ", "yellow") + self.text(", ".join(t.schema.only_right))
            )
        self.differences(t)
        self.columns(t)
        self.changed(t)
        for kind in ("only_left", "only_right"):
            self.rows(t, kind)
        self.others(t)
        self.validation(t)
        self.warnings(t)

    def run_parts(self, t: TableResult) -> None:
        """What a check-file run adds to a pair: its breaches, window and trend."""
        c = self.console
        for line in table_breach_lines(t):
            c.print(
                self.text(
                    f"  {_BREACH_MARKS.get(line.level, '·')} {line.level.upper()} ",
                    _VERDICT_STYLES.get(line.level, ""),
                )
                + self.text(line.text)
            )
        if t.window is not None:
            c.print(self.text("Window: ", "bold") + self.text(window_text(t.window)))
        trend = trend_line(self.history, history_key(t))
        # A table's trend only once it has one, and only when it has counted something.
        if run_count(self.history, history_key(t)) > 1 and not trend.startswith("no differences"):
            c.print(self.text("Trend: ", "bold") + self.text(trend))
        if t.only_on and t.schema.differences:
            self.differences(t)

    def rechecked(self, t: TableResult) -> None:
        """What the rechecks made of the differences: counts per state and kind, then the transient
        and vanished samples (the persistent ones are the pair's own samples)."""
        view = recheck_of(t)
        if view is None:
            return
        c = self.console
        c.print()
        c.print(self.text("Rechecked", "bold") + self.text(f"  {recheck_line(view)}"))
        if not view.noise and not view.total("persistent"):
            return  # nothing differed, nothing to tell apart
        if view.total("persistent") or t.status == "different":
            c.print(self.text(PERSISTENT_NOTE, "dim"))
        table = self.table(
            "State", *(KIND_LABELS[k].capitalize() for k in KIND_LABELS), "Total", numeric=(1, 2, 3, 4)
        )
        for state, numbers, total in count_rows(view):
            table.add_row(self.text(state), *(self.text(fmt_count(n)) for n in (*numbers, total)))
        c.print(table)
        for state in ("transient", "vanished"):
            c.print(self.text(f"  {state}: {STATE_MEANINGS[state]}", "dim"))
        samples = view.samples[: self.max_samples]
        if samples:
            total = max(view.noise, len(view.samples))
            note = (
                f" (showing {fmt_count(len(samples))} of {fmt_count(total)})" if len(samples) < total else ""
            )
            c.print()
            c.print(self.text("Transient and vanished rows", "bold") + self.text(note, "dim"))
            rows = self.table("Key", "Was", "State")
            for sample in samples:
                rows.add_row(
                    self.text(display_key(sample.key, _VALUE_LIMIT) if sample.key else "(no key)"),
                    self.text(sample.kind_label),
                    self.text(sample.state_text, "yellow" if sample.state == "transient" else "dim"),
                )
            c.print(rows)

    def differences(self, t: TableResult) -> None:
        rows = difference_rows(t)
        if rows:
            self.console.print(self.text("Catalog differences:", "yellow"))
            for row in rows:
                self.console.print(self.text(f"  {difference_text(row)}"))

    def heading(self, t: TableResult, kind: str, shown: int) -> None:
        total = sample_total(t, kind)
        note = f" (showing {fmt_count(shown)} of {fmt_count(total)})" if shown < total else ""
        self.console.print()
        self.console.print(self.text(SAMPLE_TITLES[kind], "bold") + self.text(note, "dim"))

    def columns(self, t: TableResult) -> None:
        top = top_columns(t, _TOP_COLUMNS)
        if not top:
            return
        table = self.table("Top differing columns", "Mismatches", "% of matched", "Rule", numeric=(1, 2))
        self.console.print()
        for row in top:
            table.add_row(
                self.text(row.name if row.right_name is None else f"{row.name} → {row.right_name}"),
                self.text(fmt_count(row.mismatches)),
                self.text(fmt_percent(row.mismatches, t.summary.matched)),
                self.text(row.rule, "dim"),
            )
        self.console.print(table)

    def changed(self, t: TableResult) -> None:
        samples = t.samples.changed[: self.max_samples]
        if not samples:
            return
        self.heading(t, "changed", len(samples))
        table = self.table("Key", "Column", "Left", "Right")
        json_names = json_columns(t)
        for sample in samples:
            key = display_key(sample.get("key", {}), _VALUE_LIMIT)
            for name, pair in sample.get("diffs", {}).items():
                left, right = marked_pair(pair, _VALUE_LIMIT)
                where = json_where(pair.get("left"), pair.get("right")) if name in json_names else ""
                table.add_row(
                    self.text(key),
                    self.text(name) + (self.text(f"\n{where}", "dim") if where else self.text("")),
                    self.text(left, "red"),
                    self.text(right, "green"),
                )
        self.console.print(table)

    def rows(self, t: TableResult, kind: str) -> None:
        samples = getattr(t.samples, kind)[: self.max_samples]
        if not samples:
            return
        self.heading(t, kind, len(samples))
        table = self.table("Key", "Row")
        for sample in samples:
            row = sample.get("row", {})
            values = ", ".join(
                f"{k}={display_value(v, _VALUE_LIMIT)}" for k, v in row.items() if k not in t.key
            )
            table.add_row(self.text(display_key(sample.get("key", {}), _VALUE_LIMIT)), self.text(values))
        self.console.print(table)

    def others(self, t: TableResult) -> None:
        dups = t.samples.duplicates[: self.max_samples]
        if dups:
            self.heading(t, "duplicates", len(dups))
            for d in dups:
                self.console.print(
                    self.text(
                        f"  {d.get('side', '')}: {display_key(d.get('key', {}), _VALUE_LIMIT)}"
                        f" × {fmt_count(int(d.get('count', 0)))}"
                    )
                )
        nulls = t.samples.null_keys[: self.max_samples]
        if nulls:
            self.heading(t, "null_keys", len(nulls))
            for n in nulls:
                values = ", ".join(
                    f"{k}={display_value(v, _VALUE_LIMIT)}" for k, v in n.get("row", {}).items()
                )
                self.console.print(self.text(f"  {n.get('side', '')}: {values}"))

    def validation(self, t: TableResult) -> None:
        v = t.validation
        if not v.failures:
            if not v.passed:
                self.console.print(self.text("Validation failed without naming a check.", "red"))
            return
        table = self.table("Failed check", "Side", "Column", "Rows", "Example", numeric=(3,))
        self.console.print()
        for f in v.failures:
            example = failure_example(f.examples[0], _VALUE_LIMIT, f.check) if f.examples else ""
            table.add_row(
                self.text(f.check),
                self.text(f.side),
                self.text(f.column or "(table)"),
                self.text(fmt_count(f.count)),
                self.text(example),
            )
        self.console.print(table)

    def warnings(self, t: TableResult) -> None:
        rows = table_warnings(t)
        if not rows:
            return
        c = self.console
        c.print()
        note = " (equal only because a rule reads them leniently; not differences)"
        c.print(self.text("Warnings", "bold yellow") + self.text(note, "dim"))
        for w in rows:
            c.print(
                self.text(f"  {w.column or '(table)'} ({w.side or '?'}): ", "yellow")
                + self.text(f"{counted(w.count, 'row')} · {w.message or w.check}")
                + self.text(f" [{w.check}]" if w.check and w.message else "", "dim")
            )
            shown = [warning_example(e, _VALUE_LIMIT) for e in w.examples[:_WARNING_EXAMPLES]]
            if shown:
                more = f"; … {fmt_count(w.count - len(shown))} more" if w.count > len(shown) else ""
                c.print(self.text("    e.g. " + "; ".join(shown) + more, "dim"))
