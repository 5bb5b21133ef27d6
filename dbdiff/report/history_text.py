"""The history of a check file's runs as a trend table for the terminal (`dbdiff history`).

One row per run, oldest first: when it started, its verdict (or its status when no thresholds
judged it), how long it took, and the changed, only-left and only-right counts, summed over the
run's tables or for one table, each marked ▲ or ▼ when it grew or shrank since the run before.
It renders history entries (plain dicts, `dbdiff.history.History.entries`), so reports never
touch the store.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timezone
from typing import Any

from dbdiff.report.display import escape_controls
from dbdiff.report.words import fmt_count, fmt_duration

#: The counts the trend follows, with their column headings.
TREND_METRICS = (("changed", "changed"), ("only_left", "only left"), ("only_right", "only right"))
UP, DOWN = "▲", "▼"


def entry_counts(entry: Mapping[str, Any], table: str | None = None) -> dict[str, int] | None:
    """A run's counts of one table (None when the run did not check it), or summed over its tables."""
    tables = entry.get("tables", {})
    if table is not None:
        found = tables.get(table)
        if found is None:
            found = next((t for t in tables.values() if t.get("right_table") == table), None)
        return None if found is None else {m: int(found.get(m, 0)) for m, _ in TREND_METRICS}
    return {m: sum(int(t.get(m, 0)) for t in tables.values()) for m, _ in TREND_METRICS}


def entry_judgement(entry: Mapping[str, Any], table: str | None = None) -> str:
    """The verdict of a run (or of its `table`), or its status when no thresholds judged it."""
    source: Mapping[str, Any] = entry
    if table is not None:
        source = entry.get("tables", {}).get(table) or next(
            (t for t in entry.get("tables", {}).values() if t.get("right_table") == table), {}
        )
    return str(source.get("verdict") or source.get("status") or "-")


def started_text(started_at: str) -> str:
    """An ISO start time as `2026-12-01 15:30:00` in UTC (as written when it cannot be read)."""
    try:
        moment = datetime.fromisoformat(str(started_at).replace("Z", "+00:00"))
    except ValueError:
        return escape_controls(str(started_at))
    if moment.tzinfo is not None:
        moment = moment.astimezone(timezone.utc)
    return moment.strftime("%Y-%m-%d %H:%M:%S")


def trend_mark(value: int, before: int | None) -> str:
    """▲ when the count grew since the run before, ▼ when it shrank, nothing otherwise."""
    if before is None or value == before:
        return ""
    return UP if value > before else DOWN


def render_history_text(
    entries: Sequence[Mapping[str, Any]], *, table: str | None = None, location: str = "", names: bool = False
) -> str:
    """The trend table: a heading, then one line per run, oldest first; `names` adds the check
    file each run belongs to (a store read directly holds every check file's runs)."""
    what = f"table {escape_controls(table)}" if table is not None else "all tables"
    runs = f"{fmt_count(len(entries))} run{'' if len(entries) == 1 else 's'}"
    lines = [
        f"History of {what}: {runs}, oldest first" + (f" ({escape_controls(location)})" if location else "")
    ]
    if not entries:
        lines.append("no runs recorded" + (" for this table" if table is not None else ""))
        return "\n".join(lines) + "\n"
    head = [
        "started (UTC)",
        "verdict",
        "duration",
        "tables",
        *(f"{label}  " for _, label in TREND_METRICS),
        "run",
        *(["check file"] if names else []),
    ]
    if table is not None:
        head.remove("tables")
    rows: list[list[str]] = []
    before: dict[str, int] | None = None
    for entry in entries:
        counts = entry_counts(entry, table) or dict.fromkeys((m for m, _ in TREND_METRICS), 0)
        row = [
            started_text(entry.get("started_at", "")),
            entry_judgement(entry, table),
            fmt_duration(float(entry.get("duration_s", 0.0))),
        ]
        if table is None:
            row.append(fmt_count(len(entry.get("tables", {}))))
        for metric, _ in TREND_METRICS:
            mark = trend_mark(counts[metric], before[metric] if before is not None else None)
            row.append(f"{fmt_count(counts[metric])} {mark or ' '}")  # numbers stay aligned
        row.append(escape_controls(str(entry.get("run_id", ""))))
        if names:
            row.append(escape_controls(str(entry.get("checkfile_name") or "-")))
        rows.append(row)
        before = counts
    numeric = {
        i for i, name in enumerate(head) if name not in ("started (UTC)", "verdict", "run", "check file")
    }
    widths = [max(len(r[i]) for r in [head, *rows]) for i in range(len(head))]

    def line(cells: Sequence[str]) -> str:
        return "  ".join(
            (c.rjust(w) if i in numeric else c.ljust(w))
            for i, (c, w) in enumerate(zip(cells, widths, strict=True))
        ).rstrip()

    lines.append(line(head))
    lines.extend(line(r) for r in rows)
    return "\n".join(lines) + "\n"
