"""The parts of the HTML page that only a check-file run has: the verdict and its breaches, the
run's and each table's trend chart, tables on one side only, catalog differences and the window.

Each is built only when its field is set, and the styles for them (`run.css`) are appended to
the page only then, so a plain diff's page stays byte for byte what it was.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dbdiff.report.formatting import STATUS_LABELS
from dbdiff.report.html_cells import Section, data_table, head_cells, text_cell
from dbdiff.report.run_views import (
    difference_rows,
    first_breach,
    has_run_parts,
    history_key,
    history_of,
    only_on_text,
    rank,
    run_breach_lines,
    table_breach_lines,
    verdict_counts,
    verdict_label,
    window_facts,
)
from dbdiff.report.trend import run_count, trend_line, trend_svg
from dbdiff.report.words import fmt_count

if TYPE_CHECKING:
    from dbdiff.result import DiffResult, TableResult

_BREACHES = 50  # breaches listed in the banner


@dataclass(frozen=True)
class BreachItem:
    level: str
    where: str | None  # a table's name, or None for the run's own
    text: str
    anchor: str = ""  # the table's card, for a link


@dataclass(frozen=True)
class VerdictView:
    level: str
    label: str
    status: str
    status_label: str
    counts: str
    breaches: tuple[BreachItem, ...]
    more: str  # "12 more breaches" when the list was cut


@dataclass(frozen=True)
class TrendView:
    svg: Any  # markup built by `trend_svg`, every value in it escaped there ("" for no chart)
    caption: str  # the same trend in words, for readers who cannot see the chart


@dataclass(frozen=True)
class PairRunView:
    """What a check-file run adds to one pair's card."""

    verdict: str = ""
    verdict_label: str = ""
    breaches: tuple[BreachItem, ...] = ()
    only_on: str = ""
    window: tuple[tuple[str, str], ...] = ()
    trend: TrendView | None = None


def is_run_page(result: DiffResult) -> bool:
    """True when the page shows anything only a check-file run has (and so needs `run.css`)."""
    return result.verdict is not None or bool(result.history) or has_run_parts(result.tables)


def _trend(entries: Sequence[Mapping[str, Any]], table: str | None) -> TrendView | None:
    """The chart and its caption; a table's first run gets the caption alone (one point says little)."""
    from markupsafe import Markup

    n = run_count(entries, table)
    what = "every table summed" if table is None else "this table"
    if n == 0:
        return None
    if n == 1:
        caption = f"First run of {'this check file' if table is None else 'this table'}: no trend yet."
        return TrendView(Markup(trend_svg(entries, table)) if table is None else "", caption)
    line = trend_line(entries, table)
    return TrendView(
        Markup(trend_svg(entries, table)), f"The last {fmt_count(n)} runs of {what}, oldest left: {line}."
    )


def run_trend(result: DiffResult) -> TrendView | None:
    """The run's trend over its history (every table summed), or None without history."""
    return _trend(history_of(result), None)


def verdict_view(result: DiffResult, anchors: Mapping[str, str]) -> VerdictView | None:
    """The run's verdict for the banner: level, table counts and every breach (worst first)."""
    verdict = result.verdict
    if verdict is None:
        return None
    lines = run_breach_lines(result)
    items = tuple(
        BreachItem(line.level, line.where, line.text, anchors.get(line.where or "", ""))
        for line in lines[:_BREACHES]
    )
    more = len(lines) - len(items)
    return VerdictView(
        level=verdict.level,
        label=verdict_label(verdict),
        status=result.status,
        status_label=STATUS_LABELS.get(result.status, result.status),
        counts=verdict_counts(result),
        breaches=items,
        more=f"… {fmt_count(more)} more" if more > 0 else "",
    )


def pair_run_view(t: TableResult, history: Sequence[Mapping[str, Any]]) -> PairRunView:
    """A pair's verdict, breaches, one-side note, window and trend (empty for a plain diff)."""
    return PairRunView(
        verdict=t.verdict.level if t.verdict is not None else "",
        verdict_label=verdict_label(t.verdict),
        breaches=tuple(BreachItem(b.level, None, b.text) for b in table_breach_lines(t)),
        only_on=only_on_text(t) if t.only_on else "",
        window=tuple(window_facts(t.window)),
        trend=_trend(history, history_key(t)) if history else None,
    )


def differences_section(t: TableResult) -> Section | None:
    """Catalog differences: a type no rule covers (left out of the comparison), nullability, keys."""
    rows = difference_rows(t)
    if not rows:
        return None
    head = head_cells("Kind", "Column", "Left", "Right", "What it means")
    body = [
        (
            text_cell(d.kind_label, "kind"),
            text_cell(d.column, "name"),
            text_cell(d.left, "type"),
            text_cell(d.right, "type"),
            text_cell(d.message, "message"),
        )
        for d in rows
    ]
    table = data_table("Catalog differences", [head], body, "catalog")
    note = "Where the two catalogs disagree; a column whose types no rule covers is not compared."
    return Section("catalog", "Catalog differences", fmt_count(len(rows)), note, table)


def overview_verdict_cells(t: TableResult) -> tuple[Any, Any]:
    """The overview's Verdict cell (sorting worst first) and its Breaches cell."""
    level = t.verdict.level if t.verdict is not None else ""
    verdict = text_cell(
        verdict_label(t.verdict), f"verdict v-{level}" if level else "verdict", sort=str(rank(t))
    )
    return verdict, text_cell(first_breach(t), "breach")


def overview_status_cell(t: TableResult) -> Any:
    """The overview's Status cell: a table on one side only says which side."""
    return text_cell(f"Only in {t.only_on}", "status s-different", sort=t.status)
