"""The dashboard: one static HTML page of a check file's whole history (`dbdiff dashboard`).

The page shows the latest verdict, the run totals' trend, a grid of tables x runs coloured by
verdict, a trend chart per table and the list of every run. Like the report, it is one file a
team can publish as it is: styles inline and pinned by a Content-Security-Policy hash, charts as
inline SVG, nothing fetched and no script at all. Every value reaches the page through jinja2's
autoescaping. It renders history entries (`History.entries(detail=True)`), never the store.

The trend charts are `dbdiff.report.trend.trend_svg`, the same as the report's.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from dbdiff.report.history_text import TREND_METRICS, entry_counts, entry_judgement, started_text, trend_mark
from dbdiff.report.templating import asset, csp_hash, environment, trusted_asset
from dbdiff.report.trend import SERIES_COLOURS, trend_svg
from dbdiff.report.words import fmt_count, fmt_duration

#: Runs the grid shows (the newest); the charts and the run list hold every run.
GRID_RUNS = 60
#: Each trend metric's colour in the charts (the legend names them): the charts' own.
METRIC_COLOURS = SERIES_COLOURS


@dataclass(frozen=True)
class GridCell:
    level: str  # pass/warn/fail, or the status (identical/different/error), or "absent"
    text: str
    title: str


@dataclass(frozen=True)
class TableView:
    name: str
    anchor: str
    level: str
    chart: Any
    cells: list[GridCell]
    recent: list[dict[str, Any]]


def _level(entry: Mapping[str, Any], table: str | None = None) -> str:
    level = entry_judgement(entry, table)
    return level if level in ("pass", "warn", "fail", "identical", "different", "error") else "none"


def _cell(entry: Mapping[str, Any], table: str) -> GridCell:
    counts = entry_counts(entry, table)
    when = started_text(entry.get("started_at", ""))
    if counts is None:
        return GridCell("absent", "", f"{when}: not checked")
    level = _level(entry, table)
    total = sum(counts.values())
    detail = ", ".join(f"{label} {fmt_count(counts[m])}" for m, label in TREND_METRICS)
    return GridCell(level, _short(total) if total else "", f"{when}: {level} ({detail})")


def _short(n: int) -> str:
    """A count in three or four characters, for a grid cell: 7, 980, 12k, 3M."""
    for size, suffix in ((1_000_000_000, "G"), (1_000_000, "M"), (1_000, "k")):
        if n >= size:
            return f"{n // size}{suffix}"
    return str(n)


def _table_names(entries: Sequence[Mapping[str, Any]]) -> list[str]:
    names: dict[str, None] = {}
    for entry in entries:
        names.update(dict.fromkeys(entry.get("tables", {})))
    return list(names)


def _run_row(entry: Mapping[str, Any], before: Mapping[str, Any] | None) -> dict[str, Any]:
    counts = entry_counts(entry) or {}
    previous = entry_counts(before) if before is not None else None

    def shown(metric: str) -> str:
        mark = trend_mark(counts.get(metric, 0), previous.get(metric) if previous else None)
        return f"{fmt_count(counts.get(metric, 0))} {mark}".strip()

    reports = entry.get("reports") or {}
    return {
        "run_id": str(entry.get("run_id", "")),
        "started": started_text(entry.get("started_at", "")),
        "level": _level(entry),
        "judgement": entry_judgement(entry),
        "duration": fmt_duration(float(entry.get("duration_s", 0.0))),
        "tables": fmt_count(len(entry.get("tables", {}))),
        "counts": [shown(m) for m, _ in TREND_METRICS],
        "breaches": [_breach_words(b) for b in entry.get("breaches") or ()],
        "reports": [f"{kind}: {path}" for kind, path in sorted(reports.items())],
    }


def _breach_words(breach: Mapping[str, Any]) -> str:
    """`orders: changed 12 > fail limit 10`, as the reports word a breach."""
    where = f"{breach['table']}: " if breach.get("table") else ""
    value = breach.get("value")
    shown = (
        fmt_count(int(value)) if isinstance(value, (int, float)) and float(value).is_integer() else str(value)
    )
    return f"{where}{breach.get('metric')} {shown} > {breach.get('level')} limit {breach.get('limit')}"


def render_dashboard(
    entries: Sequence[Mapping[str, Any]], *, title: str = "dbdiff history", location: str = ""
) -> str:
    """The whole page for `entries` (oldest first, as `History.entries(detail=True)` returns them)."""
    metrics = tuple(m for m, _ in TREND_METRICS)
    latest = entries[-1] if entries else None
    grid_entries = list(entries[-GRID_RUNS:])
    tables = []
    for i, name in enumerate(_table_names(entries), start=1):
        checked = [e for e in entries if entry_counts(e, name) is not None]
        tables.append(
            TableView(
                name=name,
                anchor=f"table-{i}",
                level=_level(checked[-1], name) if checked else "none",
                chart=_markup(trend_svg(checked, table=name, metrics=metrics)),
                cells=[_cell(e, name) for e in grid_entries],
                recent=[
                    {
                        "started": started_text(e.get("started_at", "")),
                        "level": _level(e, name),
                        "judgement": entry_judgement(e, name),
                        "counts": [fmt_count((entry_counts(e, name) or {}).get(m, 0)) for m in metrics],
                    }
                    for e in reversed(checked[-10:])
                ],
            )
        )
    runs = [_run_row(e, entries[i - 1] if i else None) for i, e in enumerate(entries)]
    csp = "; ".join(
        (
            "default-src 'none'",
            f"style-src {csp_hash(asset('dashboard.css'))}",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )
    context: dict[str, Any] = {
        "csp": csp,
        "css": trusted_asset("dashboard.css"),
        "title": title,
        "location": location,
        "level": _level(latest) if latest else "none",
        "latest": entry_judgement(latest) if latest else "no runs yet",
        "latest_started": started_text(latest.get("started_at", "")) if latest else "",
        "first_started": started_text(entries[0].get("started_at", "")) if entries else "",
        "run_count": fmt_count(len(entries)),
        "table_count": fmt_count(len(tables)),
        "totals_chart": _markup(trend_svg(entries, table=None, metrics=metrics)) if entries else None,
        "legend": [(label, METRIC_COLOURS[m]) for m, label in TREND_METRICS],
        "grid_heads": [started_text(e.get("started_at", ""))[5:16] for e in grid_entries],
        "grid_hidden": fmt_count(max(0, len(entries) - GRID_RUNS)),
        "tables": tables,
        "metric_labels": [label for _, label in TREND_METRICS],
        "runs": list(reversed(runs)),
    }
    return environment().get_template("dashboard.html.j2").render(context)


def _markup(svg: str) -> Any:
    # The chart functions escape every value they put in the SVG: trusted as markup here.
    from markupsafe import Markup

    return Markup(svg)
