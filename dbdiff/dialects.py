"""SQL dialects by name: what a source's SQL is written in, and the registry that finds it.

Each source module defines its dialect (a `Dialect`: quoting, literals, and the casts a chunk read
needs so nothing is lost on the way into Arrow) and registers it with `register_dialect`. Rule
conditions (`dialect: mysql`) and `dbdiff explain` ask this registry, which imports no source.

The built-in dialects are known by name before their modules load (`BUILTIN`): rules validate a
name without loading any driver, and the first `get_dialect` of a built-in imports, by name, the
module that registers it (as `open_source` does for URL schemes). A new built-in dialect is one
module under `dbdiff/sources/` plus its line in `BUILTIN`; a plugin's module calls
`register_dialect` when imported and needs no line at all.
"""

from __future__ import annotations

import abc
import importlib
from typing import Any, TypeVar

from dbdiff.catalog import Column
from dbdiff.errors import UsageError
from dbdiff.names import did_you_mean

__all__ = [
    "BUILTIN",
    "DIALECTS",
    "Dialect",
    "Unwritable",
    "builtin_modules",
    "dialect_names",
    "get_dialect",
    "register_dialect",
]

#: The built-in dialects, in the order listings show them, and the module that registers each.
#: The same modules register the URL schemes `open_source` handles.
BUILTIN = {
    "mysql": "dbdiff.sources.mysql",
    "postgresql": "dbdiff.sources.postgres",
    "duckdb": "dbdiff.sources.duckdb",
    "sqlite": "dbdiff.sources.sqlite",
    "arrow": "dbdiff.sources.duckdb",
    "parquet": "dbdiff.sources.files",
    "csv": "dbdiff.sources.files",
}


class Unwritable(ValueError):
    """A value the target column cannot hold (a NaN for MySQL, a NUL in PostgreSQL text): repair SQL
    lists its row as a comment for a person to decide, instead of a statement."""


class Dialect(abc.ABC):
    """Quoting, literals and casts of one SQL dialect: the pieces a source's SQL is built from."""

    #: The name sources report, rule conditions match and reports show.
    name: str

    def __init__(self, name: str | None = None) -> None:
        # One dialect can serve under several names (DuckDB's SQL reads Arrow, Parquet and CSV).
        if name is not None:
            self.name = name

    @abc.abstractmethod
    def quote(self, name: str) -> str:
        """A quoted identifier."""

    @abc.abstractmethod
    def literal(self, value: Any, column: Column) -> str:
        """A SQL literal for `value` (as read through `select_expr`) comparable with `column`."""

    @abc.abstractmethod
    def select_expr(self, column: Column) -> str:
        """The SELECT-list expression that reads `column` into Arrow without loss, aliased to its name.

        `dbdiff explain` shows it for every column read through a cast.
        """

    def text_expr(self, column: Column) -> str | None:
        """The SELECT-list expression that reads `column` as text, for a column `select_expr` reads
        natively although some values may not survive that read (a MySQL zero date makes
        connectorx panic): a chunk whose native read fails is read again with it. None (the
        default) when the native read never fails on a value, or the column is read as text anyway.
        """
        return None

    def order_expr(self, column: Column) -> str:
        """The expression key ranges and ordering compare on (the column itself by default)."""
        return self.quote(column.name)

    def compare(self, expr: str, op: str, value: Any, column: Column) -> str:
        """`expr op value` as SQL, `op` one of = < <= > >= (a key range's bound against the column).

        A dialect whose columns cannot hold some bound (MySQL has no NaN or infinity, which a
        PostgreSQL side's boundaries may carry) overrides it to say where such a bound falls.
        """
        return f"{expr} {op} {self.literal(value, column)}"

    #: Statements a repair script for this dialect starts with (zone, string syntax); see `dbdiff.repair`.
    repair_header: tuple[str, ...] = ()

    def repair_literal(self, value: Any, column: Column) -> str:
        """`value` (a dialect-free Python value: int, bool, Decimal, float, str, bytes, date,
        datetime (aware means UTC), a list of labels) as a literal of `column`'s type that reads
        back exactly; `Unwritable` when the column cannot hold it."""
        raise UsageError(f"dbdiff writes no repair SQL for {self.name} (only for mysql and postgresql)")

    def mod(self, dividend: str, divisor: str) -> str:
        """`dividend` modulo `divisor` as SQL (dialects without MOD(), such as SQLite, override)."""
        return f"MOD({dividend}, {divisor})"

    def table_ref(self, table: str) -> str:
        """A quoted table reference; `schema.table` is split on the first dot."""
        if "." in table:
            schema, name = table.split(".", 1)
            return f"{self.quote(schema)}.{self.quote(name)}"
        return self.quote(table)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.name!r})"


#: The dialects registered so far, by name (built-ins appear once their module is imported).
DIALECTS: dict[str, Dialect] = {}

D = TypeVar("D", bound=Dialect)


def register_dialect(dialect: D) -> D:
    """Make `dialect` the one its name stands for (a later registration under a name replaces it)."""
    DIALECTS[dialect.name] = dialect
    return dialect


def dialect_names() -> tuple[str, ...]:
    """Every dialect name a source may report: the built-ins, then any registered since."""
    return tuple(dict.fromkeys([*BUILTIN, *DIALECTS]))


def get_dialect(name: str) -> Dialect:
    """The dialect registered as `name`, importing its built-in module on first use."""
    if name not in DIALECTS and name in BUILTIN:
        importlib.import_module(BUILTIN[name])
    dialect = DIALECTS.get(name)
    if dialect is None:
        names = dialect_names()
        hint = f"{did_you_mean(name, names)} known: {', '.join(names)}".lstrip()
        raise UsageError(f"unknown dialect {name!r}", hint=hint)
    return dialect


def builtin_modules() -> tuple[str, ...]:
    """The modules that register the built-in dialects (and URL schemes), each once, in order."""
    return tuple(dict.fromkeys(BUILTIN.values()))
