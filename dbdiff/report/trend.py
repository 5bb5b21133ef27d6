"""Trends over a check file's last runs: a small inline SVG chart and a one-line text trend.

Both read history entries (`DiffResult.history`, `History.entries()`): newest last, each
{"run_id", "started_at", "verdict", "status", "tables": {table: {"changed", "only_left", ...}}}.
`table=None` sums every table of a run. Entries are read leniently (a table missing from a run
is a gap, a count that is not a number is none), and every piece of text in the SVG is escaped.

The SVG is made to sit inline in an HTML page (so it carries no `xmlns`): sized, no script, no
style element, nothing fetched, an accessible name (`<title>`, `role="img"`, `aria-label`) and a
`<title>` per point. Text and axes take the page's colour (`currentColor`); the series' colours
hold a 3:1 contrast on light and dark pages alike, and each series also has its own dash
pattern, so colour is never the only cue.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape
from typing import Any

from dbdiff.report.display import escape_controls
from dbdiff.report.words import fmt_count

__all__ = ["METRIC_LABELS", "SERIES_COLOURS", "metric_series", "run_count", "trend_line", "trend_svg"]

DEFAULT_METRICS = ("changed", "only_left", "only_right")
METRIC_LABELS = {"changed": "changed", "only_left": "only in left", "only_right": "only in right"}
_LEGEND_LABELS = {"only_left": "only left", "only_right": "only right"}
# Each holds >= 3:1 contrast on white, #f6f8fa, #0d1117 and #1e1e1e (a page's legend can use them).
SERIES_COLOURS = _COLOURS = {"changed": "#c97a00", "only_left": "#d9480f", "only_right": "#7c66dc"}
_SPARE = ("#0e8a9e", "#2f81f7", "#1f883d", "#8b5cf6")
_DASHES = ("", "5 3", "1.5 2.5", "8 3 2 3")
_VERDICT_COLOURS = {"pass": "#1f883d", "warn": "#9a6700", "fail": "#dc3545"}
_LINE_VALUES = 8  # counts shown in a trend line before it starts with "…"

# Layout of the chart, in pixels.
_WIDTH, _HEIGHT = 360, 104
_LEFT, _RIGHT, _TOP, _BOTTOM = 44, 352, 10, 62
_STRIP, _LEGEND = 68, 96


_MAX_COUNT = 10**18  # larger, negative or non-finite "counts" come from a damaged history


def _count(value: Any) -> int | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return int(value) if 0 <= value < _MAX_COUNT else None


def _tables(entry: Mapping[str, Any]) -> Mapping[str, Any]:
    tables = entry.get("tables")
    return tables if isinstance(tables, Mapping) else {}


def metric_series(
    entries: Sequence[Mapping[str, Any]], metric: str, table: str | None = None
) -> list[int | None]:
    """One value per entry: the table's count of `metric`, or the sum over the run's tables."""
    values: list[int | None] = []
    for entry in entries:
        tables = _tables(entry)
        if table is not None:
            row = tables.get(table)
            values.append(_count(row.get(metric)) if isinstance(row, Mapping) else None)
            continue
        counts = [_count(row.get(metric)) for row in tables.values() if isinstance(row, Mapping)]
        known = [c for c in counts if c is not None]
        values.append(sum(known) if known else _count(entry.get(metric)))
    return values


def _verdicts(entries: Sequence[Mapping[str, Any]], table: str | None) -> list[str]:
    verdicts = []
    for entry in entries:
        source = _tables(entry).get(table) if table is not None else entry
        verdict = source.get("verdict") if isinstance(source, Mapping) else None
        verdicts.append(verdict if isinstance(verdict, str) else "")
    return verdicts


def _entries(entries: Sequence[Mapping[str, Any]] | None, table: str | None) -> list[Mapping[str, Any]]:
    """The well-formed entries, and for a table only from its first run on."""
    rows = [e for e in entries or () if isinstance(e, Mapping)]
    if table is not None:
        present = [i for i, e in enumerate(rows) if isinstance(_tables(e).get(table), Mapping)]
        rows = rows[present[0] :] if present else []
    return rows


def run_count(entries: Sequence[Mapping[str, Any]] | None, table: str | None = None) -> int:
    """How many runs of `entries` a trend of `table` (or of the run) covers."""
    return len(_entries(entries, table))


def _compact(n: int) -> str:
    """A count short enough for the chart's axis: 950, 9,999, 12k, 3.4M."""
    if n < 10_000:
        return fmt_count(n)
    for size, suffix in ((10**12, "T"), (10**9, "G"), (10**6, "M"), (10**3, "k")):
        if n >= size:
            shown = f"{n / size:.1f}".removesuffix(".0") if n < 10 * size else f"{n // size:,}"
            return shown + suffix
    return fmt_count(n)  # pragma: no cover - every n >= 10,000 has a suffix


def _arrow(values: Sequence[int | None]) -> str:
    known = [v for v in values if v is not None]
    if len(known) < 2:
        return ""
    return "▲" if known[-1] > known[-2] else "▼" if known[-1] < known[-2] else "="


def _series_text(values: Sequence[int | None], limit: int = _LINE_VALUES) -> str:
    shown = ["–" if v is None else fmt_count(v) for v in values[-limit:]]
    return ("… → " if len(values) > limit else "") + " → ".join(shown)


def trend_line(
    entries: Sequence[Mapping[str, Any]] | None,
    table: str | None = None,
    metrics: Sequence[str] = DEFAULT_METRICS,
) -> str:
    """A compact trend for Markdown and text: `changed 0 → 3 → 12 ▲ · only in left 0 → 0 → 1 ▲`.

    Metrics that stayed 0 over every run are left out (`no differences in the last 5 runs` when
    all did); ▲ the last run counted more than the one before, ▼ fewer, = as many. Empty when
    there is no history (or the table is in none of it).
    """
    rows = _entries(entries, table)
    if not rows:
        return ""
    parts = []
    for metric in metrics:
        values = metric_series(rows, metric, table)
        if any(v for v in values):
            label = METRIC_LABELS.get(metric, escape_controls(str(metric)).replace("_", " "))
            arrow = _arrow(values)
            parts.append(f"{label} {_series_text(values)}" + (f" {arrow}" if arrow else ""))
    runs = "the first run" if len(rows) == 1 else f"the last {fmt_count(len(rows))} runs"
    if not parts:
        return f"no differences in {runs}"
    line = " · ".join(parts)
    return f"{line} (first run: no trend yet)" if len(rows) == 1 else line


def _when(entry: Mapping[str, Any]) -> str:
    started = entry.get("started_at")
    run_id = entry.get("run_id")
    text = str(started) if started else str(run_id or "a run")
    return escape_controls(text)


def _attr(text: str) -> str:
    return escape(escape_controls(text), quote=True)


def trend_svg(
    entries: Sequence[Mapping[str, Any]] | None,
    table: str | None = None,
    metrics: Sequence[str] = DEFAULT_METRICS,
) -> str:
    """A small inline SVG line chart of `metrics` over the runs in `entries` (oldest left).

    One point per run with a `<title>` (when, what, how many), a strip of each run's verdict under
    the lines, a legend with the last values. One run draws its points and says there is no trend
    yet; no entries (or a table in none of them) give "" (nothing to draw).
    """
    rows = _entries(entries, table)
    if not rows:
        return ""
    n = len(rows)
    series = [(metric, metric_series(rows, metric, table)) for metric in metrics]
    top = max([v for _, values in series for v in values if v is not None] + [1])
    width = _RIGHT - _LEFT

    def x(i: int) -> float:
        return _LEFT + width / 2 if n == 1 else _LEFT + i * width / (n - 1)

    def y(v: int) -> float:
        return _BOTTOM - (_BOTTOM - _TOP) * v / top

    what = f"{escape_controls(table)}" if table is not None else "the run"
    label = f"Trend of {what} over {'1 run' if n == 1 else f'the last {fmt_count(n)} runs'}"
    line = trend_line(rows, table, metrics)
    name = f"{label}: {line}" if line else label
    out = [
        f'<svg class="trend" width="{_WIDTH}" height="{_HEIGHT}" '
        f'viewBox="0 0 {_WIDTH} {_HEIGHT}" role="img" aria-label="{_attr(name)}" '
        'font-family="system-ui, sans-serif" font-size="10">',
        f"<title>{_attr(name)}</title>",
        # axes: the zero line and the top, with their counts
        f'<line x1="{_LEFT}" y1="{_BOTTOM}" x2="{_RIGHT}" y2="{_BOTTOM}" stroke="currentColor"'
        ' stroke-opacity="0.35"/>',
        f'<line x1="{_LEFT}" y1="{_TOP}" x2="{_RIGHT}" y2="{_TOP}" stroke="currentColor"'
        ' stroke-opacity="0.15" stroke-dasharray="2 3"/>',
        f'<text x="{_LEFT - 4}" y="{_BOTTOM + 3}" text-anchor="end" fill="currentColor">0</text>',
        f'<text x="{_LEFT - 4}" y="{_TOP + 3}" text-anchor="end" fill="currentColor">{_compact(top)}</text>',
    ]
    for k, (metric, values) in enumerate(series):
        colour = _COLOURS.get(metric, _SPARE[k % len(_SPARE)])
        dash = _DASHES[k % len(_DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        metric_label = METRIC_LABELS.get(metric, escape_controls(str(metric)).replace("_", " "))
        segment: list[str] = []
        segments = []
        for i, v in enumerate(values):
            if v is None:
                segments.append(segment)
                segment = []
            else:
                segment.append(f"{x(i):.1f},{y(v):.1f}")
        segments.append(segment)
        for points in segments:
            if len(points) > 1:
                out.append(
                    f'<polyline points="{" ".join(points)}" fill="none" stroke="{colour}" stroke-width="1.75"'
                    f'{dash_attr} stroke-linejoin="round"/>'
                )
        for i, v in enumerate(values):
            if v is not None:
                tip = f"{_when(rows[i])}: {metric_label} {fmt_count(v)}"
                out.append(
                    f'<circle cx="{x(i):.1f}" cy="{y(v):.1f}" r="2.5" fill="{colour}">'
                    f"<title>{_attr(tip)}</title></circle>"
                )
    # the verdict of each run, as a strip under the chart
    step = width / n
    for i, verdict in enumerate(_verdicts(rows, table)):
        if verdict not in _VERDICT_COLOURS:
            continue
        colour = _VERDICT_COLOURS[verdict]
        left = x(i) - min(step, 24) / 2 + 1 if n > 1 else x(i) - 12
        out.append(
            f'<rect x="{left:.1f}" y="{_STRIP}" width="{max(min(step, 24) - 2, 2):.1f}" height="6" rx="1" '
            f'fill="{colour}"><title>{_attr(f"{_when(rows[i])}: {verdict}")}</title></rect>'
        )
    if n == 1:
        out.append(
            f'<text x="{_LEFT + 4}" y="{_TOP + 14}" fill="currentColor" fill-opacity="0.75">'
            "first run: no trend yet</text>"
        )
    # legend: a sample of each line and its last value
    slot = (_RIGHT - 4) / max(len(series), 1)
    for k, (metric, values) in enumerate(series):
        colour = _COLOURS.get(metric, _SPARE[k % len(_SPARE)])
        dash = _DASHES[k % len(_DASHES)]
        dash_attr = f' stroke-dasharray="{dash}"' if dash else ""
        left = 4 + k * slot
        last = next((v for v in reversed(values) if v is not None), None)
        metric_label = _LEGEND_LABELS.get(metric) or METRIC_LABELS.get(
            metric, escape_controls(str(metric)).replace("_", " ")
        )
        text = f"{metric_label} {fmt_count(last) if last is not None else '–'}"
        out.append(
            f'<line x1="{left:.1f}" y1="{_LEGEND - 3}" x2="{left + 14:.1f}" y2="{_LEGEND - 3}"'
            f' stroke="{colour}" stroke-width="2"{dash_attr}/>'
            f'<text x="{left + 18:.1f}" y="{_LEGEND}" fill="currentColor">{_attr(text)}</text>'
        )
    out.append("</svg>")
    return "".join(out)
