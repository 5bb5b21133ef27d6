"""Dialect-free description of a table: columns, their native types and type families, and the key.

Sources translate their catalogs into these objects; everything after introspection (rules,
planning, comparison, reports) sees only this model.
"""

from __future__ import annotations

from dataclasses import dataclass, field

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
class TableSchema:
    """A table (or query) as one source sees it."""

    name: str
    columns: tuple[Column, ...]
    primary_key: tuple[str, ...] = ()
    _by_name: dict[str, Column] = field(default_factory=dict, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_by_name", {c.name.lower(): c for c in self.columns})

    @property
    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]

    def get(self, name: str) -> Column | None:
        """The column named `name`, matched case-insensitively (MySQL names are case-insensitive)."""
        return self._by_name.get(name.lower())

    def __getitem__(self, name: str) -> Column:
        column = self.get(name)
        if column is None:
            raise KeyError(name)
        return column
