"""The Source protocol, the URL-scheme registry, and the SQL machinery shared by SQL sources.

A source knows its own dialect: catalog queries, quoting, literals, and which columns must be cast
in the SELECT list so that nothing is lost on the way into Arrow. It knows nothing of diffs.
"""

from __future__ import annotations

import abc
import contextlib
import decimal
import math
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import pyarrow as pa

from dbdiff.catalog import Column, TableCatalog
from dbdiff.dialects import BUILTIN, Dialect, builtin_modules, get_dialect
from dbdiff.errors import ColumnError, URLError, UsageError
from dbdiff.names import did_you_mean
from dbdiff.result import SourceInfo
from dbdiff.sources.urls import SourceURL, parse_url

KeyValue = tuple[Any, ...]


@dataclass(frozen=True)
class KeyRange:
    """Rows whose key is >= `lower` (when set) and < `upper` (when set), in the source's own order.

    `empty=True` selects no rows: a chunk that exists on one side only.
    """

    lower: KeyValue | None = None
    upper: KeyValue | None = None
    empty: bool = False

    @classmethod
    def nothing(cls) -> KeyRange:
        return cls(empty=True)


class Source(abc.ABC):
    """One side of a diff: a database, a file, or an in-memory table."""

    #: The name of the dialect the source speaks (see `dbdiff.dialects`); reports and rules use it.
    dialect: ClassVar[str]

    def __init__(self, url: SourceURL) -> None:
        self.url = url

    @property
    def sql(self) -> Dialect:
        """The dialect object: the quoting, literals and read casts of this source's SQL."""
        return get_dialect(self.dialect)

    @property
    def secrets(self) -> tuple[str, ...]:
        return self.url.secrets

    def info(self) -> SourceInfo:
        return SourceInfo(url=self.url.redacted, dialect=self.dialect, server_version=self.server_version())

    @abc.abstractmethod
    def server_version(self) -> str:
        """The server's (or library's) version string."""

    @abc.abstractmethod
    def introspect(self, table: str) -> TableCatalog:
        """Columns, native types and primary key of `table`; `TableNotFoundError` if it isn't there."""

    @abc.abstractmethod
    def count_rows(self, table: str, where: str | None = None) -> int:
        """Number of rows (after `where`)."""

    @abc.abstractmethod
    def key_boundaries(
        self, table: str, key: Sequence[Column], every: int, where: str | None = None
    ) -> list[KeyValue]:
        """Every `every`-th key in the source's own key order (NULL keys excluded), ascending.

        Consecutive boundaries cut the table into ranges of at most `every` rows each.
        """

    def key_extent(self, table: str, key: Column) -> tuple[Any, Any] | None:
        """The smallest and largest value of a one-column key (None, None for an empty table),
        from its index; None where this source cannot tell without reading the table."""
        return None

    def estimate_rows(self, table: str, key: Column, lower: int, upper: int) -> int | None:
        """The server's own estimate of the rows whose whole-number `key` is in [lower, upper)
        (index dives, histograms: no row is read); None where this source has none."""
        return None

    def estimate_table_rows(self, table: str) -> int | None:
        """The server's own estimate of the table's rows, without statistics of the key (from
        its size on disk in PostgreSQL); None where this source has none."""
        return None

    @abc.abstractmethod
    def read_chunk(
        self,
        table: str,
        columns: Sequence[Column],
        key: Sequence[Column],
        key_range: KeyRange,
        where: str | None = None,
    ) -> pa.Table:
        """The rows of one key range, with `columns` in that order, as Arrow."""

    @abc.abstractmethod
    def read_null_keys(
        self, table: str, columns: Sequence[Column], key: Sequence[Column], where: str | None, limit: int
    ) -> tuple[int, pa.Table]:
        """How many rows have a NULL in a key column, and up to `limit` of them."""

    def list_tables(self) -> list[str]:
        """The names of the source's base tables (views left out), as `introspect` takes them.

        `dbdiff init` and `dbdiff run` pair the two sides' tables from these lists. A source that
        cannot list its tables says so (a third-party source need not implement it).
        """
        raise UsageError(
            f"{type(self).__name__} ({self.url.redacted}) cannot list its tables",
            hint="name each table in the check file's `tables:` as left/right pairs",
        )

    def keys_where(self, table: str, key: Sequence[Column], where: str) -> list[KeyValue]:
        """The keys of the rows `where` selects (NULL keys left out), in the form key boundaries
        take (values as read through the dialect's `select_expr`), in no particular order.

        An incremental window reads the keys of the rows written lately with it; SQL servers answer
        it over their catalog connection, others through `read_chunk`.
        """
        rows = self.read_chunk(table, key, key, KeyRange(), where)
        columns = [rows.column(i).to_pylist() for i in range(rows.num_columns)]
        return list(zip(*columns, strict=True)) if columns else []

    def ping(self) -> None:  # noqa: B027 - optional hook
        """Check, quickly and over a fresh connection, that the source is reachable.

        Raises `ConnectionFailure` when it is not. The engine calls it before retrying a failed chunk,
        so a server that went away fails the run at once instead of after the driver's pool timeout.
        """

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release connections; sources that hold none need not override."""

    def __enter__(self) -> Source:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.url.redacted!r})"


# --- registry ---------------------------------------------------------------------------------

_REGISTRY: dict[str, Callable[[SourceURL], Source]] = {}


def register_source(scheme: str) -> Callable[[Callable[[SourceURL], Source]], Callable[[SourceURL], Source]]:
    """Class decorator: make a source the handler of a URL scheme."""

    def wrap(factory: Callable[[SourceURL], Source]) -> Callable[[SourceURL], Source]:
        _REGISTRY[scheme] = factory
        return factory

    return wrap


def open_source(url: str | SourceURL | Source) -> Source:
    """Open the source a URL names (a `Source` passes through unchanged)."""
    if isinstance(url, Source):
        return url
    parsed = parse_url(url) if isinstance(url, str) else url
    _load_builtin_sources(parsed.scheme)
    factory = _REGISTRY.get(parsed.scheme)
    if factory is None:
        _load_builtin_sources()  # every one, so the hint lists every scheme
        known = ", ".join(sorted(_REGISTRY))
        hint = f"{did_you_mean(parsed.scheme, _REGISTRY)} known: {known}".lstrip()
        raise URLError(f"no source handles the scheme {parsed.scheme!r}", hint=hint)
    return factory(parsed)


@contextlib.contextmanager
def opened_source(side: str, url: str | SourceURL | Source) -> Iterator[Source]:
    """The source `url` names, closed afterwards unless the caller handed in an open `Source`;
    a URL it refuses (a query parameter, ...) is an error naming the side ("left URL: ...")."""
    if isinstance(url, Source):
        yield url
        return
    try:
        source = open_source(url)
    except URLError as exc:
        if exc.message.startswith(f"{side} URL: "):
            raise
        raise URLError(f"{side} URL: {exc.message}", hint=exc.hint) from None
    try:
        yield source
    finally:
        source.close()


def _load_builtin_sources(scheme: str | None = None) -> None:
    """Import the built-in module that registers `scheme` (every built-in one when None)."""
    # Imported lazily so `import dbdiff` stays cheap and optional drivers load only when used; and
    # only the scheme's module, as `get_dialect` does: DuckDB's, SQLite's and the files' sources
    # cost a MySQL and PostgreSQL diff 50 ms before its first read (importing duckdb, mostly).
    import importlib

    if scheme is None:
        modules = builtin_modules()
    elif scheme in BUILTIN:
        modules = (BUILTIN[scheme],)
    else:
        return
    for module in modules:
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name != module:
                raise


# --- SQL building shared by SQL sources ---------------------------------------------------------


#: PostgreSQL's infinite dates and timestamps, as its key boundaries carry them (see postgres.py).
INFINITIES = {"-infinity": -1, "infinity": 1}


def infinite_date_rank(value: Any, column: Any) -> int | None:
    """-1 or 1 for a '-infinity' or 'infinity' bound of a date or time key, else None."""
    if column.family in ("date", "datetime", "timestamp") and isinstance(value, str):
        return INFINITIES.get(value)
    return None


def non_finite_rank(value: Any) -> int | None:
    """Where a non-finite float or decimal sorts in PostgreSQL: -1 for -Infinity, 1 for Infinity,
    2 for NaN (above everything); None for every other value."""
    if isinstance(value, float) and not math.isfinite(value):
        return 2 if math.isnan(value) else (1 if value > 0 else -1)
    if isinstance(value, decimal.Decimal) and not value.is_finite():
        return 2 if value.is_nan() else (1 if value > 0 else -1)
    return None


def range_predicate(dialect: Dialect, key: Sequence[Column], key_range: KeyRange) -> str:
    """A WHERE fragment selecting `key_range` (lexicographic on composite keys, NULL keys excluded)."""
    if key_range.empty:
        return "1 = 0"
    # Only nullable columns get a NULL test: in MySQL a zero DATETIME in a NOT NULL column
    # satisfies `IS NULL` (an ODBC quirk), which would read that row as a NULL key too.
    parts = [f"{dialect.order_expr(c)} IS NOT NULL" for c in key if c.nullable]
    if key_range.lower is not None:
        parts.append(_tuple_compare(dialect, key, key_range.lower, ">="))
    if key_range.upper is not None:
        parts.append(_tuple_compare(dialect, key, key_range.upper, "<"))
    return " AND ".join(parts) or "1 = 1"


def _tuple_compare(dialect: Dialect, key: Sequence[Column], value: KeyValue, op: str) -> str:
    # (a, b) >= (x, y) expanded to a > x OR (a = x AND b >= y): portable and index-friendly.
    strict = op[0]  # '>' or '<'
    exprs = [dialect.order_expr(c) for c in key]
    n = len(key)

    def cmp(i: int, o: str) -> str:
        return dialect.compare(exprs[i], o, value[i], key[i])

    disjuncts = []
    for i in range(n):
        eqs = [cmp(j, "=") for j in range(i)]
        last_op = op if i == n - 1 else strict
        disjuncts.append(" AND ".join([*eqs, cmp(i, last_op)]))
    if n == 1:
        return disjuncts[0]
    return "(" + " OR ".join(f"({d})" for d in disjuncts) + ")"


def chunk_query(
    dialect: Dialect,
    table: str,
    columns: Sequence[Column],
    key: Sequence[Column],
    key_range: KeyRange,
    where: str | None,
    select: str | None = None,
) -> str:
    """SELECT the columns of one key range (`select`: the SELECT list, if not the dialect's)."""
    if not columns:
        raise ColumnError("no columns to read")
    select = select or ", ".join(dialect.select_expr(c) for c in columns)
    predicates = [range_predicate(dialect, key, key_range)]
    if where:
        predicates.append(f"({where})")
    return f"SELECT {select} FROM {dialect.table_ref(table)} WHERE {' AND '.join(predicates)}"


def boundaries_query(
    dialect: Dialect, table: str, key: Sequence[Column], every: int, where: str | None
) -> str:
    """Every `every`-th key in key order, computed inside the database with a window function.

    The window orders the table's own columns and only the outer query reads them through
    `select_expr`: in MariaDB a `CAST(col AS CHAR) AS col` beside the window would make
    `ORDER BY col` sort the text, so the boundaries would come out in string order (TIME, UUID,
    DECIMAL, BIGINT UNSIGNED) while the chunk predicates compare the native values.
    """
    order = ", ".join(dialect.order_expr(c) for c in key)
    names = ", ".join(dialect.quote(c.name) for c in key)
    not_null = " AND ".join(f"{dialect.quote(c.name)} IS NOT NULL" for c in key if c.nullable) or "1 = 1"
    filters = f"{not_null} AND ({where})" if where else not_null
    select = ", ".join(dialect.select_expr(c) for c in key)
    rn = "dbdiff_rn"
    while rn in {c.name.lower() for c in key}:  # a key column may have that name: never collide
        rn += "_"
    inner = (
        f"SELECT {names}, ROW_NUMBER() OVER (ORDER BY {order}) AS {rn} "
        f"FROM {dialect.table_ref(table)} WHERE {filters}"
    )
    return (
        f"SELECT {select} FROM ({inner}) dbdiff_q "
        f"WHERE {rn} > 1 AND {dialect.mod(f'{rn} - 1', str(int(every)))} = 0 ORDER BY {rn}"
    )


def null_keys_predicate(dialect: Dialect, key: Sequence[Column]) -> str:
    """Rows with a NULL in a key column (none when the catalog says no key column is nullable)."""
    return " OR ".join(f"{dialect.quote(c.name)} IS NULL" for c in key if c.nullable) or "1 = 0"


def key_set_predicate(dialect: Dialect, key: Sequence[Column], keys: Sequence[KeyValue]) -> str:
    """A WHERE fragment selecting the rows whose key is one of `keys` (`1 = 0` for none).

    `col IN (...)` for one column, `(a, b) IN ((...), ...)` for a composite key, in lists of at
    most 999 keys OR-ed together: both servers look such lists up in the key's index. A key value
    this side's columns cannot hold (a NaN for MySQL, a zero date for PostgreSQL: the dialect's
    `compare` says `1 = 0`) selects nothing here and is left out. Literals come from the dialect,
    so a quote in a value is only ever data.
    """
    exprs = [dialect.order_expr(c) for c in key]
    items = []
    for value in keys:
        parts = []
        for expr, v, column in zip(exprs, value, key, strict=True):
            # Whole numbers are whole numbers on every side: only other values may be unholdable
            # (and asking for each of 100,000 integer keys costs a noticeable fraction of a second).
            if type(v) is not int and dialect.compare(expr, "=", v, column) == "1 = 0":
                break
            parts.append(dialect.literal(v, column))
        else:
            items.append(parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")")
    if not items:
        return "1 = 0"
    target = exprs[0] if len(exprs) == 1 else "(" + ", ".join(exprs) + ")"
    lists = [f"{target} IN ({', '.join(items[i : i + _IN_GROUP])})" for i in range(0, len(items), _IN_GROUP)]
    return lists[0] if len(lists) == 1 else "(" + " OR ".join(lists) + ")"


#: Keys per IN list. MariaDB turns a list of 1000 or more into a join with a table of values,
#: which looks up every key of the list even when a chunk's key range selects only some of them;
#: shorter lists OR-ed together stay ranges that the chunk's range narrows.
_IN_GROUP = 999
