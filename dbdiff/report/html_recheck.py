"""The "Rechecked" part of a pair's card on the HTML page: what the rechecks of a live run made
of its differences (persistent, transient, vanished per kind) and the transient and vanished rows.

Built only for a table with a recheck block, and its styles (`recheck.css`) are appended to the
page only then, so a page without rechecks stays byte for byte what it was.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from dbdiff.report.html_cells import Cell, Table, count_cell, data_table, head_cells, text_cell
from dbdiff.report.html_values import value_segments
from dbdiff.report.recheck_views import (
    KIND_LABELS,
    PERSISTENT_NOTE,
    STATE_MEANINGS,
    count_rows,
    recheck_line,
    recheck_of,
    transient_total,
)
from dbdiff.report.words import fmt_count

if TYPE_CHECKING:
    from dbdiff.result import TableResult


@dataclass(frozen=True)
class RecheckBox:
    """A pair's Rechecked section."""

    badge: str  # `13 transient · 1 vanished`
    badge_cls: str  # `warn` when rechecks took something out of the counts
    line: str  # `2 rechecks of 17 keys, 5 s apart: 3 persistent, 13 transient, 1 vanished`
    note: str  # that the pair's counts are its persistent differences
    meanings: tuple[tuple[str, str], ...]  # (state, what it means)
    counts: Table | None
    samples: Table | None
    samples_note: str


def recheck_box(t: TableResult, sample_cap: int) -> RecheckBox | None:
    """The pair's Rechecked section, or None when no recheck ran."""
    view = recheck_of(t)
    if view is None:
        return None
    noise = [f"{fmt_count(n)} {s}" for s in ("transient", "vanished") if (n := view.total(s))]
    persistent = view.total("persistent")
    busy = bool(view.noise or persistent)
    counts = None
    if busy:
        head = head_cells(
            "State", *(label.capitalize() for label in KIND_LABELS.values()), "Total", num=(1, 2, 3, 4)
        )
        body = [
            (
                text_cell(state, f"state st-{state}"),
                *(count_cell(n, emphasize=state == "persistent") for n in numbers),
                count_cell(total, emphasize=state == "persistent"),
            )
            for state, numbers, total in count_rows(view)
        ]
        counts = data_table("Rechecked differences", [head], body, "recheck-counts")
    shown = view.samples[:sample_cap]
    samples = None
    note = ""
    if shown:
        keys = list(t.key) or list(dict.fromkeys(name for s in shown for name in s.key))
        columns = [text_cell(", ".join(keys) or "Key", "key stick", sort_col=0)]
        columns += [
            text_cell("Was", sort_col=1),
            text_cell("State", sort_col=2),
            text_cell("Agreed at recheck", "num", sort_col=3),
        ]
        body = []
        for s in shown:
            key_lines = (
                tuple(value_segments(s.key.get(name)) for name in keys)
                if s.key
                else ((("v-empty", "(no key)"),),)
            )
            body.append(
                (
                    Cell(lines=key_lines, cls="val key stick"),
                    text_cell(s.kind_label, "kind"),
                    text_cell(s.state, f"state st-{s.state if s.state in STATE_MEANINGS else 'other'}"),
                    count_cell(s.agreed_at) if s.agreed_at is not None else text_cell("", "num", sort="-1"),
                )
            )
        samples = data_table("Transient and vanished rows", [columns], body, "recheck-rows")
        total = max(view.noise, len(view.samples))
        if len(shown) < total:
            note = f"Showing {fmt_count(len(shown))} of {fmt_count(total)}."
    return RecheckBox(
        badge=" · ".join(noise) or "nothing rechecked away",
        badge_cls="warn" if noise else "",
        line=recheck_line(view),
        note=PERSISTENT_NOTE if persistent or t.status == "different" else "",
        meanings=tuple((s, STATE_MEANINGS[s]) for s in ("transient", "vanished")) if busy else (),
        counts=counts,
        samples=samples,
        samples_note=note,
    )


def transient_cell(t: TableResult) -> Cell:
    """The overview's Transient cell: differences that agreed at a recheck."""
    n = transient_total(t)
    return text_cell(fmt_count(n), "num" + (" tr" if n else ""), sort=str(n))
