"""The page's plain view objects (cells, tables, sections, stats) and the builders of its cells.

All layout is built from these, so the templates hold no logic beyond loops.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from dbdiff.report.display import unreadable_on
from dbdiff.report.html_values import NOTHING, Seg, value_segments
from dbdiff.report.words import fmt_count

FILTER_MIN_ROWS = 8  # tables with fewer rows get no filter box


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
    run: Any = None  # html_run.PairRunView: what a check-file run adds (None for a plain diff)
    recheck: Any = None  # html_recheck.RecheckBox: what the rechecks of a live run saw (or None)


def sort_token(value: Any) -> str | None:
    """Numbers sort numerically in the page's script; everything else by its text."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return repr(value)
    return None


def text_cell(text: str, cls: str = "", **kwargs: Any) -> Cell:
    """A cell of plain text."""
    return Cell(lines=((("", text),),), cls=cls, **kwargs)


def count_cell(n: int, *, emphasize: bool = False) -> Cell:
    """A count, right-aligned; `emphasize` marks a non-zero one (a difference)."""
    return text_cell(fmt_count(n), "num" + (" nz" if emphasize and n else ""), sort=str(n))


def value_cell(value: Any, other: Any = NOTHING, cls: str = "val", where: str = "") -> Cell:
    """A sample value, highlighted against `other`; a JSON document shows `where` it differs above it."""
    lines: tuple[tuple[Seg, ...], ...] = (value_segments(value, other),)
    if where:  # a JSON document: the paths where it differs, above the value
        lines = ((("jpath", where),), *lines)
    return Cell(lines=lines, cls=cls, sort=sort_token(value))


def side_value_cell(pair: Mapping[str, Any], side: str, cell: Cell) -> Cell:
    """A changed value's cell, with a second line saying when its rule cannot read it."""
    if not unreadable_on(pair, side):
        return cell
    note: tuple[Seg, ...] = (("v-empty", "unreadable"),)
    return replace(cell, lines=(*cell.lines, note), title="no rule can read this value")


def head_cells(*labels: str, sortable: bool = True, num: Sequence[int] = ()) -> tuple[Cell, ...]:
    """A header row; `num` columns are right-aligned, and every column sorts unless `sortable` is off."""
    return tuple(
        text_cell(label, "num" if i in num else "", sort_col=i if sortable else None)
        for i, label in enumerate(labels)
    )


def data_table(
    label: str, head: Sequence[Sequence[Cell]], body: Sequence[Sequence[Cell]], cls: str = ""
) -> Table:
    """A sortable data table, with a filter box once it has enough rows."""
    classes = ["data", "sortable", *cls.split()]
    if len(body) >= FILTER_MIN_ROWS:
        classes.append("filterable")
    return Table(label, tuple(tuple(r) for r in head), tuple(tuple(r) for r in body), " ".join(classes))
