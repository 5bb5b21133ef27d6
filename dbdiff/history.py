"""The history of a check file's runs: one store every run appends to, read back as a trend.

A store is an embedded DuckDB file (by default `<dir>/<stem>.history.duckdb` beside the check
file) or a PostgreSQL or MySQL database a team shares (`history: postgresql://...`). Four small
tables hold it (`dbdiff_history_meta`, `_runs`, `_tables`, `_columns`), created when missing; the
meta table carries a `schema_version` row, so a later dbdiff can migrate an older store and an
older dbdiff refuses a newer one instead of misreading it.

Runs are appended, never updated, each in one transaction: a reader sees a run whole or not at
all. Concurrent runs may append to the same store: PostgreSQL and MySQL isolate the transactions;
a DuckDB file is locked by the process that has it open, so a connection is held only for the few
milliseconds of one append or read, and a process that finds the file locked retries briefly
before it gives up with a clear error. A store URL's password is never shown: messages and
`History.location` use the redacted URL.
"""

from __future__ import annotations

import hashlib
import json
import sys
import types
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dbdiff.errors import ConfigError, scrub
from dbdiff.history_store import COUNTS, LOCK_WAIT_S, SCHEMA_VERSION, Backend, backend_for, checkfile_stem

if TYPE_CHECKING:
    import polars as pl

    from dbdiff.result import DiffResult

__all__ = ["SCHEMA_VERSION", "History", "HistoryLocation", "history_entry", "history_location"]

#: The counts an entry keeps per table (DiffResult.history's shape).
ENTRY_COUNTS = ("rows_left", "rows_right", "changed", "only_left", "only_right")


# --- this run as an entry --------------------------------------------------------------------


def run_id_of(result: DiffResult) -> str:
    """The run's id: `options["run_id"]` (set by `dbdiff run`), else one derived from the result
    itself ("20261201T153000Z-1a2b3c"), so the same result always gets the same id."""
    given = result.options.get("run_id")
    if given:
        return str(given)
    digest = hashlib.sha256(result.to_json(indent=None).encode("utf-8")).hexdigest()[:6]
    return f"{_utc(result.started_at, fallback=None).strftime('%Y%m%dT%H%M%SZ')}-{digest}"


def history_entry(result: DiffResult, *, detail: bool = False) -> dict[str, Any]:
    """This run as a history entry, in the shape of `DiffResult.history` (what `entries` returns).

    `detail=True` adds what `dbdiff history --json` shows besides: the check file and its hash, the
    breaches, and per table every count, the right table's name, `only_on`, the error and the
    per-column mismatches."""
    return _entry(*_rows(result, {}), detail)


# --- where a check file keeps its history ---------------------------------------------------


@dataclass(frozen=True)
class HistoryLocation:
    """Where a check file's history is, and how many runs its trends show."""

    target: str = field(repr=False)  # a URL may hold a password
    last: int = 20
    in_source: bool = False
    #: The check file's name: its runs are the ones read. None for a store named directly (every run).
    name: str | None = None


def history_location(checkfile: str | Path) -> HistoryLocation:
    """The history store a check file names (or the store itself, given a store's path or URL).

    The check file is read without its sources (`resolve_sources=False`), so `dbdiff history` and
    `dbdiff dashboard` need neither the compared databases nor their URLs' environment variables.
    """
    text = str(checkfile)
    if "://" in text or text.endswith(".duckdb"):
        return HistoryLocation(text)
    from dbdiff.checkfile import load_checkfile

    check = load_checkfile(checkfile, resolve_sources=False)
    if check.history is None:
        raise ConfigError(f"{text} turns history off (history: false): no runs are recorded")
    return HistoryLocation(check.history, check.history_last, check.history_in_source, check.name)


# --- the store -------------------------------------------------------------------------------


class History:
    """A history store: `append` a run, read `entries` (plain dicts) or a polars `frame`.

    >>> history = History.open("nightly.history.duckdb")
    >>> history.append(result, reports={"html": "reports/nightly.html"})
    >>> history.entries(last=5)[-1]["verdict"]
    'pass'
    """

    def __init__(self, backend: Backend) -> None:
        self._backend = backend

    @classmethod
    def open(
        cls,
        target: str | Path,
        *,
        sources: Sequence[str] = (),
        in_source: bool = False,
        create: bool = True,
        lock_wait_s: float = LOCK_WAIT_S,
    ) -> History:
        """The store at `target`: a DuckDB file path (or duckdb:/// URL), or a postgresql:// or
        mysql:// URL. Its tables are created when missing, unless `create=False` (a reader: a store
        that does not exist yet is then a ConfigError, and a database without the tables has no runs).

        A URL naming the same server and database as one of `sources` (the compared sources' URLs)
        is refused unless `in_source=True`: a run never writes into a database it compares unless
        the user said so (`history: {url: ..., in_source_database: true}`).
        """
        backend = backend_for(str(target), lock_wait_s)
        for source in sources:
            if not in_source and backend.same_database(source):
                raise ConfigError(
                    f"the history store {backend.location} is a database this run compares",
                    hint="name another database, or allow it: history: {url: ..., in_source_database: true}",
                )
        if create:
            backend.create()
        elif not backend.exists():
            raise ConfigError(f"no history at {backend.location} yet (each `dbdiff run` records one)")
        return cls(backend)

    @property
    def location(self) -> str:
        """The store as safe to show: a file path, or the URL with its password as ***."""
        return self._backend.location

    def __repr__(self) -> str:
        return f"History({self.location!r})"

    def append(self, result: DiffResult, *, reports: Mapping[str, str] = {}) -> None:
        """Record a run, whole, in one transaction (a run already recorded is a UsageError)."""
        self._backend.append(*_rows(result, reports))

    def entries(
        self,
        *,
        last: int | None = 20,
        table: str | None = None,
        detail: bool = False,
        name: str | None = None,
    ) -> list[dict]:
        """The last `last` runs (all when None), newest last, in `DiffResult.history`'s shape; with
        `table`, only the runs that checked it (by its left or right name), with only that table;
        with `name`, only the runs of the check file of that name (a shared store holds many)."""
        runs, tables, columns = self._backend.read(last, table, name)
        return [
            _entry(run, tables.get(run["run_id"], []), columns.get(run["run_id"], []), detail) for run in runs
        ]

    def frame(
        self, *, last: int | None = None, table: str | None = None, name: str | None = None
    ) -> pl.DataFrame:
        """One row per run and table, oldest first: the run's id, time, check file name, verdict and
        status, and the table's verdict, status and every count (`unreadable` summed over its
        columns). `name` keeps the runs of the check file of that name."""
        import polars as pl

        runs, tables, columns = self._backend.read(last, table, name)
        unreadable: dict[tuple[str, int], int] = {}
        for run_id, rows in columns.items():
            for row in rows:
                key = (run_id, row["table_index"])
                unreadable[key] = unreadable.get(key, 0) + int(row["unreadable"])
        records = []
        for run in runs:
            for t in tables.get(run["run_id"], []):
                records.append(
                    {
                        "run_id": run["run_id"],
                        "started_at": _utc(run["started_utc"], fallback=None),
                        "duration_s": float(run["duration_s"]),
                        "verdict": run["verdict"],
                        "status": run["status"],
                        "checkfile_name": run["checkfile_name"],
                        "checkfile_sha256": run["checkfile_sha256"],
                        "table": t["left_table"],
                        "right_table": t["right_table"],
                        "table_verdict": t["verdict"],
                        "table_status": t["status"],
                        "only_on": t["only_on"],
                        **{c: int(t[c]) for c in COUNTS},
                        "unreadable": unreadable.get((run["run_id"], t["table_index"]), 0),
                        "error": t["error"],
                    }
                )
        text = pl.String
        schema: dict[str, Any] = {
            "run_id": text,
            "started_at": pl.Datetime("us", "UTC"),
            "duration_s": pl.Float64,
            "verdict": text,
            "status": text,
            "checkfile_name": text,
            "checkfile_sha256": text,
            "table": text,
            "right_table": text,
            "table_verdict": text,
            "table_status": text,
            "only_on": text,
            **dict.fromkeys(COUNTS, pl.Int64),
            "unreadable": pl.Int64,
            "error": text,
        }
        return pl.DataFrame(records, schema=schema) if records else pl.DataFrame(schema=schema)

    def close(self) -> None:
        """Nothing stays open between calls; kept so a History reads like every other resource."""

    def __enter__(self) -> History:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


# --- rows of a run ---------------------------------------------------------------------------


def _utc(text: str | None, *, fallback: datetime | None) -> datetime:
    """An ISO time as an aware UTC datetime (naive is UTC); `fallback` (default now) when unreadable."""
    try:
        moment = datetime.fromisoformat(str(text).replace("Z", "+00:00"))
    except ValueError:
        return fallback or datetime.now(timezone.utc)
    return moment.replace(tzinfo=timezone.utc) if moment.tzinfo is None else moment.astimezone(timezone.utc)


def _stamp(moment: datetime) -> str:
    # Fixed width, so text order is time order in every store.
    return moment.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def _rows(
    result: DiffResult, reports: Mapping[str, str]
) -> tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]:
    """The run's row, its tables' rows and its differing columns' rows, as the store keeps them."""
    run_id = run_id_of(result)  # once: without options["run_id"] it hashes the whole result
    tables = [_table_row(result, i, run_id) for i in range(len(result.tables))]
    return _run_row(result, reports, run_id), tables, _column_rows(result, run_id)


def _run_row(result: DiffResult, reports: Mapping[str, str], run_id: str) -> dict[str, Any]:
    options = result.options
    now = datetime.now(timezone.utc)
    return {
        "run_id": run_id,
        "started_at": result.started_at or _stamp(now),
        "started_utc": _stamp(_utc(result.started_at, fallback=now)),
        "recorded_at": _stamp(now),
        "duration_s": float(result.duration_s),
        "command": options.get("command"),
        "checkfile": str(options["checkfile"]) if options.get("checkfile") else None,
        "checkfile_name": _name_of(options),
        "checkfile_sha256": options.get("checkfile_sha256"),
        "verdict": result.verdict.level if result.verdict is not None else None,
        "status": result.status,
        "left_url": scrub(result.left.url or ""),
        "right_url": scrub(result.right.url or ""),
        "dbdiff_version": result.dbdiff_version,
        "reports": json.dumps({str(k): str(v) for k, v in reports.items()}) if reports else None,
        "breaches": _breaches(result.verdict),
    }


def _name_of(options: Mapping[str, Any]) -> str | None:
    """The check file's name (`options["checkfile_name"]`, set by `dbdiff run`), else its stem."""
    if options.get("checkfile_name"):
        return str(options["checkfile_name"])
    return checkfile_stem(str(options["checkfile"])) if options.get("checkfile") else None


def _breaches(verdict: Any) -> str | None:
    if verdict is None or not verdict.breaches:
        return None
    return json.dumps([b.to_dict() for b in verdict.breaches], ensure_ascii=False)


def _table_row(result: DiffResult, index: int, run_id: str) -> dict[str, Any]:
    t = result.tables[index]
    return {
        "run_id": run_id,
        "table_index": index,
        "left_table": t.left_table,
        "right_table": t.right_table,
        "status": t.status,
        "verdict": t.verdict.level if t.verdict is not None else None,
        "only_on": t.only_on,
        "error": scrub(t.error) if t.error else None,
        "breaches": _breaches(t.verdict),
        **{c: int(getattr(t.summary, c)) for c in COUNTS},
    }


def _column_rows(result: DiffResult, run_id: str) -> list[dict[str, Any]]:
    return [
        {
            "run_id": run_id,
            "table_index": i,
            "column_name": c.name,
            "mismatches": int(c.mismatches),
            "unreadable": int(c.unreadable),
        }
        for i, t in enumerate(result.tables)
        for c in t.columns
        if c.mismatches or c.unreadable
    ]


def _entry(
    run: Mapping[str, Any],
    tables: Sequence[Mapping[str, Any]],
    columns: Sequence[Mapping[str, Any]],
    detail: bool,
) -> dict[str, Any]:
    entry: dict[str, Any] = {
        "run_id": run["run_id"],
        "started_at": run["started_at"],
        "duration_s": round(float(run["duration_s"]), 3),
        "verdict": run["verdict"],
        "status": run["status"],
        "tables": {},
    }
    if detail:
        entry["checkfile"] = run["checkfile"]
        entry["checkfile_name"] = run["checkfile_name"]
        entry["checkfile_sha256"] = run["checkfile_sha256"]
        entry["dbdiff_version"] = run["dbdiff_version"]
        entry["reports"] = json.loads(run["reports"]) if run["reports"] else {}
        entry["breaches"] = json.loads(run["breaches"]) if run["breaches"] else []
    for t in tables:
        item: dict[str, Any] = {"verdict": t["verdict"], "status": t["status"]}
        item.update({c: int(t[c]) for c in (COUNTS if detail else ENTRY_COUNTS)})
        if detail:
            item["right_table"] = t["right_table"]
            item["only_on"] = t["only_on"]
            item["error"] = t["error"]
            item["breaches"] = json.loads(t["breaches"]) if t["breaches"] else []
            item["columns"] = {
                c["column_name"]: {"mismatches": int(c["mismatches"]), "unreadable": int(c["unreadable"])}
                for c in columns
                if c["table_index"] == t["table_index"]
            }
        entry["tables"][t["left_table"]] = item
    return entry


class _CallableModule(types.ModuleType):
    """`dbdiff.history` is this module once anything imports it (the import system sets the
    package's attribute), and also the API function `dbdiff.history(...)`: calling the module
    calls `dbdiff.api.history`, so both read the same, whichever was loaded first."""

    def __call__(
        self, checkfile: str | Path = "dbdiff.yaml", *, table: str | None = None, last: int | None = None
    ) -> pl.DataFrame:
        from dbdiff.api import history

        return history(checkfile, table=table, last=last)


sys.modules[__name__].__class__ = _CallableModule
