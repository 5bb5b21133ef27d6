"""dbdiff: prove two copies of a data set agree, and show exactly where they don't.

    >>> import dbdiff
    >>> result = dbdiff.diff("mysql://app@db1/shop", "postgresql://app@db2/shop", table="orders")
    >>> result.status
    'identical'

The heavy modules (polars, duckdb, connectorx) load on first use, so `import dbdiff` stays cheap.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from dbdiff._version import __version__
from dbdiff.lazy import lazy_attributes
from dbdiff.result import use_repair as _use_repair
from dbdiff.result import use_views as _use_views

__all__ = [
    "DiffResult",
    "SamplesOnlyWarning",
    "TableResult",
    "__version__",
    "diff",
    "history",
    "infer_schema",
    "load_result",
    "run",
    "validate",
]

if TYPE_CHECKING:
    from dbdiff.api import diff, history, infer_schema, run, validate
    from dbdiff.result import DiffResult, SamplesOnlyWarning, TableResult, Views, load_result

_LAZY = {
    "diff": "dbdiff.api",
    "validate": "dbdiff.api",
    "infer_schema": "dbdiff.api",
    # Once `dbdiff.history` (the store's module) is imported, the package attribute is that module:
    # it is callable with the same signature (see dbdiff/history.py).
    "history": "dbdiff.api",
    "run": "dbdiff.api",
    "DiffResult": "dbdiff.result",
    "TableResult": "dbdiff.result",
    "SamplesOnlyWarning": "dbdiff.result",
    "load_result": "dbdiff.result",
}


__getattr__ = lazy_attributes("dbdiff", _LAZY)


def _notebook_views() -> Views:
    """The report package's views of a result, loaded when a result is first shown, not here."""
    from dbdiff.report import notebook

    return notebook


# The result model imports no renderer; wired here, every result shows itself however it was made
# (by a run, from JSON, or unpickled).
_use_views(_notebook_views)


def _repair_sql(result: DiffResult, target: str, unmask: bool | list[str]) -> str:
    from dbdiff.repair import repair_sql

    return repair_sql(result, target, unmask=unmask)


_use_repair(_repair_sql)
