"""The table catalog: a dialect-free description of a table's columns, native types, families and key.

Sources translate their catalogs into these objects; everything after introspection (rules,
planning, comparison, reports) sees only this model. (In dbdiff, "schema" means a pandera schema.)
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TypeVar

T = TypeVar("T")

#: The type families every dialect maps its native types onto. Rules match on these.
FAMILIES = (
    "boolean",  # PG boolean; MySQL tinyint(1) stays "integer" with width 1 (a rule decides)
    "integer",
    "decimal",
    "float",
    "string",  # varchar, text, and friends
    "char",  # fixed width, blank padded
    "binary",  # varbinary, blob, bytea; fixed binary(n) has `length` and fixed=True
    "date",
    "datetime",  # zone-less wall time: MySQL DATETIME, PG timestamp
    "timestamp",  # an instant: MySQL TIMESTAMP, PG timestamptz
    "time",
    "interval",
    "year",
    "json",
    "uuid",
    "enum",
    "set",
    "bit",
    "array",
    "spatial",  # MySQL GEOMETRY and its subtypes, PG point/lseg/path/polygon, PostGIS geometry
    "other",
)

#: Families whose values order the same way in every engine (so chunk boundaries can be shared).
ORDER_STABLE_FAMILIES = frozenset(
    {"boolean", "integer", "decimal", "float", "date", "datetime", "timestamp", "year"}
)


@dataclass(frozen=True)
class Column:
    """One column as the source's catalog describes it."""

    name: str
    native_type: str
    family: str
    nullable: bool = True
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    unsigned: bool = False
    fixed: bool = False
    fsp: int | None = None
    collation: str | None = None
    values: tuple[str, ...] = ()
    extra: tuple[tuple[str, str], ...] = ()

    def __post_init__(self) -> None:
        if self.family not in FAMILIES:
            raise ValueError(f"unknown type family {self.family!r} for column {self.name!r}")


@dataclass(frozen=True)
class TableCatalog:
    """A table (or query) as one source sees it."""

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def matches(self, name: str) -> list[Column]:
        """The columns `name` may mean: see `find_named` (more than one means it is ambiguous)."""
        return find_named(name, self.columns, lambda c: (c.name,))

    def get(self, name: str) -> Column | None:
        """The column named `name` exactly, else the only one named so ignoring case, else None.

        PostgreSQL (and Parquet, CSV) can hold both "Email" and "email"; a name that matches
        several columns only ignoring case names none of them.
        """
        found = self.matches(name)
        return found[0] if len(found) == 1 else None

    def __getitem__(self, name: str) -> Column:
        column = self.get(name)
        if column is None:
            raise KeyError(name)
        return column


def find_named(name: str, items: Sequence[T], names: Callable[[T], Iterable[str | None]]) -> list[T]:
    """The items that `names` calls `name` exactly; when none is, those that match ignoring case.

    This is how every user-given column name resolves (--key, --columns, --exclude, --rule, --mask):
    MySQL's names are case-insensitive, PostgreSQL's are not, so an exact match always wins and a
    case-insensitive one counts only when it is the only one (callers treat more as ambiguous).
    `names` gives an item's left name first (None when it has none): a name is a left name first,
    as in `--map LEFT=RIGHT`, so with a map that reuses a name (a->b, b->a; full_name->name
    beside a left `name`) `a` means the left column a, not the pair whose right column is a.
    """
    exact = [item for item in items if name in names(item)]
    if len(exact) > 1:
        first = [item for item in exact if next(iter(names(item)), None) == name]
        if len(first) == 1:
            return first
    if exact:
        return exact
    folded = name.lower()
    return [item for item in items if any(n is not None and n.lower() == folded for n in names(item))]
