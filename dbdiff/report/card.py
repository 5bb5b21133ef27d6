"""The compact notebook card: what `_repr_html_` shows for a result.

Status, counts, the top differing columns and the first few differences, as plain HTML with CSS
scoped under `.dbdiff-card` (every class carries the `dbdiff-card` prefix) and no script: Jupyter
does not run scripts in untrusted outputs, and other notebook viewers strip them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dbdiff.report.display import display_key, marked_pair
from dbdiff.report.formatting import (
    STATUS_LABELS,
    VALIDATION_LABELS,
    check_headline,
    check_name,
    check_rows,
    failure_example,
    is_validation_run,
    run_headline,
    status_label,
    table_headline,
    validation_headline,
)
from dbdiff.report.json_paths import json_columns, json_where
from dbdiff.report.recheck_views import STATE_MEANINGS, recheck_line, recheck_of
from dbdiff.report.redaction import safe_text
from dbdiff.report.run_views import (
    difference_rows,
    difference_text,
    has_run_parts,
    history_key,
    history_of,
    ordered,
    table_breach_lines,
    verdict_counts,
    verdict_label,
    verdict_sentence,
    window_text,
)
from dbdiff.report.templating import environment, trusted_asset
from dbdiff.report.trend import run_count, trend_line
from dbdiff.report.views import pair_name, table_warnings, top_columns
from dbdiff.report.words import counted, fmt_count, fmt_duration, fmt_percent

if TYPE_CHECKING:
    from dbdiff.result import DiffResult, TableResult

CARD_VALUE_LIMIT = 60
CARD_SAMPLES = 3
CARD_COLUMNS = 5
CARD_TABLES = 10


def render_card_html(result: DiffResult) -> str:
    """A compact notebook card: status, counts, top differing columns, first samples; no script."""
    validation_run = is_validation_run(result)
    history = history_of(result)
    if validation_run:
        tables = [_checked_card_table(t) for t in result.tables[:CARD_TABLES]]
    else:  # a judged run shows its worst tables first: the card has room for ten
        tables = [_card_table(t, history) for _, t in ordered(result)[:CARD_TABLES]]
    # The warning and run styles ship only in cards that need them: every other card stays the same.
    warned = any(t.warnings for t in tables)
    judged = result.verdict is not None or has_run_parts(result.tables)
    styles = ["card.css", *(["card_warnings.css"] if warned else []), *(["card_run.css"] if judged else [])]
    verdict = result.verdict
    context = {
        "css": trusted_asset(*styles),
        "verdict": verdict.level if verdict is not None else "",
        "verdict_label": verdict_label(verdict),
        "verdict_line": verdict_sentence(result).partition(" · ")[2] if verdict is not None else "",
        "verdict_counts": verdict_counts(result),
        "trend": trend_line(history) if run_count(history) > 1 else "",
        "status": result.status,
        "status_label": status_label(result, result.status),
        "headline": validation_headline(result) if validation_run else run_headline(result),
        "single_source": validation_run,
        "left": safe_text(result.left.url),
        "right": safe_text(result.right.url),
        "started_at": result.started_at,
        "duration": fmt_duration(result.duration_s),
        "tables": tables,
        "more_tables": fmt_count(len(result.tables) - len(tables))
        if len(tables) < len(result.tables)
        else "",
    }
    return environment().get_template("card.html.j2").render(context)


# --- view ---


@dataclass(frozen=True)
class CardTable:
    name: str
    status: str
    status_label: str
    headline: str
    columns: tuple[tuple[str, str, str], ...]  # name, mismatches, share
    samples: tuple[tuple[str, str, str, str], ...]  # key, column, left, right
    changed: str
    only: tuple[tuple[str, str], ...]  # side label, keys
    warnings: str = ""  # one line: how many, and on which columns
    checks: tuple[tuple[str, str, str], ...] = ()  # a validation run's failed checks: name, rows, example
    # what a check-file run adds: the verdict, its breaches, catalog differences, window, trend
    verdict: str = ""
    verdict_label: str = ""
    breaches: tuple[tuple[str, str], ...] = ()  # level, text
    differences: tuple[str, ...] = ()
    window: str = ""
    trend: str = ""
    # what the rechecks of a live run saw: the counts in a line, what they mean, the first rows
    recheck: str = ""
    recheck_note: str = ""
    recheck_samples: tuple[tuple[str, str, str], ...] = ()  # key, kind at the diff, state


def _checked_card_table(t: TableResult) -> CardTable:
    """One table of a validation run: its counts and first failed checks, no diff words."""
    failed = [r for r in check_rows(t) if r.failed]
    checks = tuple(
        (
            check_name(r),
            fmt_count(r.count),
            failure_example(r.examples[0], CARD_VALUE_LIMIT, r.check) if r.examples else "",
        )
        for r in failed[:CARD_SAMPLES]
    )
    if len(failed) > CARD_SAMPLES:
        checks += ((f"… {fmt_count(len(failed) - CARD_SAMPLES)} more failed checks", "", ""),)
    return CardTable(
        name=t.left_table,
        status=t.status,
        status_label=VALIDATION_LABELS.get(t.status, t.status),
        headline=check_headline(t),
        columns=(),
        samples=(),
        changed="",
        only=(),
        warnings=_warnings_line(t),
        checks=checks,
    )


def _card_table(t: TableResult, history: Sequence[Mapping[str, Any]] = ()) -> CardTable:
    s = t.summary
    columns = tuple(
        (row.name, fmt_count(row.mismatches), fmt_percent(row.mismatches, s.matched))
        for row in top_columns(t, CARD_COLUMNS)
    )
    samples: list[tuple[str, str, str, str]] = []
    json_names = json_columns(t)
    for sample in t.samples.changed:
        for name, pair in sample.get("diffs", {}).items():
            if len(samples) < CARD_SAMPLES:
                left, right = marked_pair(pair, CARD_VALUE_LIMIT)
                where = json_where(pair.get("left"), pair.get("right")) if name in json_names else ""
                samples.append(
                    (
                        display_key(sample.get("key", {}), CARD_VALUE_LIMIT),
                        f"{name} {where}" if where else name,
                        left,
                        right,
                    )
                )
    only = []
    for kind, label in (("only_left", "Only in left"), ("only_right", "Only in right")):
        rows = getattr(t.samples, kind)
        count = getattr(s, kind)
        if count or rows:
            keys = ", ".join(display_key(r.get("key", {}), CARD_VALUE_LIMIT) for r in rows[:CARD_SAMPLES])
            extra = max(count, len(rows)) - min(len(rows), CARD_SAMPLES)
            if extra > 0:
                keys = f"{keys}, … {fmt_count(extra)} more" if keys else f"{fmt_count(extra)} rows"
            only.append((f"{label} ({fmt_count(max(count, len(rows)))})", keys))
    return CardTable(
        name=pair_name(t),
        status=t.status,
        status_label=f"Only in {t.only_on}" if t.only_on else STATUS_LABELS.get(t.status, t.status),
        headline=table_headline(t),
        columns=columns,
        samples=tuple(samples),
        changed=fmt_count(max(s.changed, len(t.samples.changed))),
        only=tuple(only),
        warnings=_warnings_line(t),
        verdict=t.verdict.level if t.verdict is not None else "",
        verdict_label=verdict_label(t.verdict),
        breaches=tuple((b.level, b.text) for b in table_breach_lines(t)[:CARD_SAMPLES]),
        differences=tuple(difference_text(d) for d in difference_rows(t)[:CARD_SAMPLES]),
        window=window_text(t.window) if t.window is not None else "",
        trend=trend_line(history, history_key(t)) if run_count(history, history_key(t)) > 1 else "",
        **_recheck_fields(t),
    )


def _recheck_fields(t: TableResult) -> dict[str, Any]:
    view = recheck_of(t)
    if view is None:
        return {}
    samples = tuple(
        (display_key(s.key, CARD_VALUE_LIMIT) if s.key else "(no key)", s.kind_label, s.state_text)
        for s in view.samples[:CARD_SAMPLES]
    )
    more = max(view.noise, len(view.samples)) - len(samples)
    if samples and more > 0:
        samples += ((f"… {fmt_count(more)} more", "", ""),)
    note = ""
    if view.noise:
        note = f"transient: {STATE_MEANINGS['transient']}. Changed and only-in counts are persistent."
    return {"recheck": recheck_line(view), "recheck_note": note, "recheck_samples": samples}


def _warnings_line(t: TableResult) -> str:
    warnings = table_warnings(t)
    line = ""
    if warnings:
        where = "; ".join(
            f"{w.column or '(table)'}, {w.side}: {counted(w.count, 'row')}" for w in warnings[:CARD_SAMPLES]
        )
        if len(warnings) > CARD_SAMPLES:
            where += f"; … {fmt_count(len(warnings) - CARD_SAMPLES)} more"
        what = counted(len(warnings), "warning")
        line = f"{what} (values equal only as a rule reads them leniently): {where}"
    return line
