"""The one place connectorx is called: error wrapping, quiet Rust logging, password scrubbing."""

from __future__ import annotations

import os
import re
from collections.abc import Sequence

import pyarrow as pa

from dbdiff.errors import (
    ConnectionFailure,
    DbdiffError,
    ExtractionError,
    Quoted,
    TableNotFoundError,
    WhereRejected,
    scrub,
)

# connectorx logs connection-pool retries from Rust straight to stderr; keep them out of our output.
os.environ.setdefault("RUST_LOG", "off")

_CONNECT_PATTERNS = re.compile(
    r"timed out waiting for connection|Connection refused|Could not connect|Access denied|"
    r"password authentication failed|Lost connection|connection closed|broken pipe|Connection reset|"
    r"server closed the connection|os error|IO error|bytes remaining on stream|unexpected EOF",
    re.IGNORECASE,
)
_MISSING_TABLE = re.compile(r"doesn't exist|does not exist", re.IGNORECASE)
_SQL_ERROR = re.compile(
    r"syntax|Unknown column|ERROR 1064|ERROR 1054|column .* does not exist", re.IGNORECASE
)

#: A server's own error for the query (MySQL's "ERROR 4079 (HY000)", PostgreSQL's "db error: ERROR:").
_DETERMINISTIC = re.compile(r"MySqlError \{ ERROR \d+ \(|db error: ERROR:", re.IGNORECASE)
#: ... except those that another attempt may not meet.
_TRANSIENT = re.compile(
    r"ERROR (?:1040|1053|1205|1213|1317|3024) |deadlock|lock wait timeout|statement timeout|"
    r"could not serialize|too many connections|connection slots|out of memory|shutdown|"
    r"canceling statement|terminating connection|shared memory|no space left|disk full|temporary file",
    re.IGNORECASE,
)


def read_arrow(url: str, query: str, *, pre: Sequence[str] = (), secrets: Sequence[str] = ()) -> pa.Table:
    """Run one query through connectorx into an Arrow table; every failure becomes a dbdiff error."""
    import connectorx as cx

    try:
        table = cx.read_sql(url, query, return_type="arrow", pre_execution_query=list(pre) or None)
    except DbdiffError:
        raise
    except BaseException as exc:  # connectorx panics derive from BaseException
        if isinstance(exc, (KeyboardInterrupt, SystemExit, MemoryError)):
            raise
        raise classify(exc, secrets, query) from None
    assert isinstance(table, pa.Table)
    return table


def classify(exc: BaseException, secrets: Sequence[str], query: str = "") -> DbdiffError:
    """Turn a driver error into the dbdiff error a user can act on, without any password in it."""
    message = " ".join(scrub(str(exc), tuple(secrets)).split())
    # A reader's own words may quote a value, of a column it does not name.
    q = Quoted()
    if type(exc).__name__ == "PanicException":
        error = ExtractionError(
            f"the reader could not convert a value: {q.value(None, message[:400])}",
            hint="a type this source cannot read natively; please report it with the column's type",
            quoted=q,
        )
        error.retryable = False
        error.unconvertible = True
        return error
    if _CONNECT_PATTERNS.search(message):
        return ConnectionFailure(f"connection failed: {message[:400]}")
    if _SQL_ERROR.search(message):
        detail = message[:400]
        return WhereRejected(
            f"the database rejected the query: {detail}", hint="check --where", detail=detail
        )
    if _MISSING_TABLE.search(message):
        return TableNotFoundError(message[:400])
    # The server refused the query itself: the same query fails the same way every time.
    refused = bool(_DETERMINISTIC.search(message)) and not _TRANSIENT.search(message)
    error = ExtractionError(
        f"reading failed: {q.value(None, message[:400])}",
        hint="the database refuses to read a column this way: choose another rule for it or --exclude it"
        if refused
        else None,
        quoted=q,
    )
    error.retryable = not refused
    return error
