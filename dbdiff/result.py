"""The result model: immutable typed data that every output format renders, and its JSON form.

`DiffResult.to_dict()` is exactly the JSON contract of DESIGN.md (`schema_version` 1);
`DiffResult.from_dict()` reads it back, so `dbdiff report result.json` can re-render a saved run.
Sample values are stored already encoded the lossless JSON way (see `dbdiff.values`).
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from dbdiff.errors import ConfigError, scrub
from dbdiff.result_parts import (
    VERDICTS,
    Breach,
    ColumnPair,
    ColumnStat,
    Samples,
    SchemaComparison,
    SourceInfo,
    Summary,
    Validation,
    ValidationFailure,
    Verdict,
)

if TYPE_CHECKING:
    import polars as pl

SCHEMA_VERSION = 1

__all__ = [
    "SCHEMA_VERSION",
    "STATUSES",
    "VERDICTS",
    "Breach",
    "ColumnPair",
    "ColumnStat",
    "DiffResult",
    "FrameStore",
    "Samples",
    "SamplesOnlyWarning",
    "SchemaComparison",
    "SourceInfo",
    "Summary",
    "TableResult",
    "Validation",
    "ValidationFailure",
    "Verdict",
    "Views",
    "load_result",
    "table_status",
    "use_repair",
    "use_views",
]


class FrameStore(Protocol):
    """Where a live result finds every differing row (the engine's on-disk store)."""

    def has(self, table: str, kind: str) -> bool: ...

    def read(self, table: str, kind: str, *, raw: bool = False) -> pl.DataFrame: ...


class Views(Protocol):
    """How a result shows itself to people: the notebook card, the full HTML page, `show()`.

    The data model imports no renderer: `dbdiff.report.notebook` implements these, and the package
    face hands it over with `use_views`, so the report package loads on a result's first view.
    """

    def repr_mimebundle(
        self, result: DiffResult, include: Collection[str] | None, exclude: Collection[str] | None
    ) -> dict[str, Any]: ...

    def repr_html(self, result: DiffResult) -> str: ...

    def to_html(self, result: DiffResult) -> str: ...

    def show(self, result: DiffResult, height: int) -> Any: ...

    def check_headline(self, table: TableResult) -> str: ...


_load_views: Callable[[], Views] | None = None


def use_views(load: Callable[[], Views]) -> None:
    """Say where results find their views: `load()` returns them, called when one is first needed."""
    global _load_views
    _load_views = load


#: Writes a result's repair SQL (`dbdiff.repair.repair_sql`), handed over by the package face like
#: the views: the result model imports no engine, source or dialect.
_repair: Callable[[DiffResult, str, bool | list[str]], str] | None = None


def use_repair(write: Callable[[DiffResult, str, bool | list[str]], str]) -> None:
    """Say what writes a result's repair SQL (`DiffResult.repair_sql`)."""
    global _repair
    _repair = write


def _views() -> Views:
    if _load_views is None:
        raise RuntimeError("results have no views: the package face (dbdiff/__init__.py) sets them")
    return _load_views()


STATUSES = ("identical", "different", "error")


class SamplesOnlyWarning(UserWarning):
    """A drill-down frame holds only a result's samples, not every differing row."""


@dataclass(frozen=True)
class TableResult:
    """The outcome for one table pair."""

    left_table: str
    right_table: str
    key: tuple[str, ...]
    status: str
    error: str | None = None
    schema: SchemaComparison = field(default_factory=SchemaComparison)
    summary: Summary = field(default_factory=Summary)
    columns: tuple[ColumnStat, ...] = ()
    samples: Samples = field(default_factory=Samples)
    validation: Validation = field(default_factory=Validation)
    stats: Mapping[str, Any] = field(default_factory=dict)
    #: Values equal only because a rule reads them leniently (a TINYINT(1) 2 as true): never a
    #: difference, never the exit code. {"side", "column", "check", "count", "message", "examples"}.
    warnings: tuple[dict[str, Any], ...] = ()
    #: The thresholds' verdict on this table (set by `dbdiff run`; JSON `verdict` and `breaches`).
    verdict: Verdict | None = None
    #: "left" or "right" when the table exists on that side only (a run's catalog difference).
    only_on: str | None = None
    #: The incremental window a run checked (since, until, updated_column, min_age, key counts).
    window: Mapping[str, Any] | None = None
    #: What the rechecks of a live run made of the differences (JSON `recheck`, additive):
    #: {"rounds", "delay_s", "keys", "persistent": {"changed", "only_left", "only_right"},
    #:  "transient": {...}, "vanished": {...}, "samples": [{"key", "kind", "state", ...}]}.
    #: `summary` and `samples` then count and show the persistent differences only.
    recheck: Mapping[str, Any] | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "left_table": self.left_table,
            "right_table": self.right_table,
            "key": list(self.key),
            "status": self.status,
            "error": self.error,
            "schema": self.schema.to_dict(),
            "summary": self.summary.to_dict(),
            "columns": [c.to_dict() for c in self.columns],
            "samples": self.samples.to_dict(),
            "validation": self.validation.to_dict(),
        }
        if self.warnings:
            data["warnings"] = [dict(w) for w in self.warnings]
        if self.stats:
            data["stats"] = dict(self.stats)
        if self.only_on is not None:
            data["only_on"] = self.only_on
        if self.window is not None:
            data["window"] = dict(self.window)
        if self.recheck is not None:
            data["recheck"] = dict(self.recheck)
        if self.verdict is not None:
            data.update(self.verdict.to_dict())
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> TableResult:
        return cls(
            left_table=data["left_table"],
            right_table=data["right_table"],
            key=tuple(data.get("key", ())),
            status=data["status"],
            error=data.get("error"),
            schema=SchemaComparison.from_dict(data.get("schema", {})),
            summary=Summary.from_dict(data.get("summary", {})),
            columns=tuple(ColumnStat.from_dict(c) for c in data.get("columns", ())),
            samples=Samples.from_dict(data.get("samples", {})),
            validation=Validation.from_dict(data.get("validation")),
            stats=dict(data.get("stats", {})),
            warnings=tuple(dict(w) for w in data.get("warnings", ())),
            verdict=Verdict.from_dict(data),
            only_on=data.get("only_on"),
            window=data.get("window"),
            recheck=data.get("recheck"),
        )


@dataclass(frozen=True)
class DiffResult:
    """The outcome of a run over one or more table pairs."""

    left: SourceInfo
    right: SourceInfo
    tables: tuple[TableResult, ...]
    started_at: str
    duration_s: float
    dbdiff_version: str
    options: Mapping[str, Any] = field(default_factory=dict)
    schema_version: int = SCHEMA_VERSION
    #: The thresholds' verdict on the run (`dbdiff run`; JSON `verdict` and `breaches` beside
    #: `status`); None for a plain diff or validate.
    verdict: Verdict | None = None
    #: The last runs of the check file, newest last and this run included (JSON `history`):
    #: {"run_id", "started_at", "duration_s", "verdict", "status", "tables": {left_table: {"verdict",
    #: "status", "rows_left", "rows_right", "changed", "only_left", "only_right"}}}.
    history: tuple[Mapping[str, Any], ...] = ()
    #: Seconds per phase of the run (JSON `timings`, additive): plan, read_left, read_right,
    #: normalize, compare, residual, store, report (worker phases are summed worker-seconds), and
    #: `wall`, the run's own seconds; each table's are in its `stats["timings"]`.
    timings: Mapping[str, float] = field(default_factory=dict)
    _store: FrameStore | None = field(default=None, repr=False, compare=False)

    def __post_init__(self) -> None:
        # The JSON keeps milliseconds: rounding here too makes a fresh result render exactly like
        # its saved JSON (`fmt_duration` would otherwise round 1.2504 s and 1.25 s differently).
        object.__setattr__(self, "duration_s", round(float(self.duration_s), 3))

    @property
    def status(self) -> str:
        """`error` if any table failed, else `different` if any differs, else `identical`."""
        statuses = {t.status for t in self.tables}
        for status in ("error", "different"):
            if status in statuses:
                return status
        return "identical"

    @property
    def exit_code(self) -> int:
        """The CLI's exit code for this result: 0 identical, 1 different, 3 a table errored.

        A run judged by thresholds exits by its verdict: 0 pass or warn, 1 fail (3 still when a
        table errored: the job is broken, whatever the data says)."""
        if self.verdict is not None and self.status != "error":
            return 1 if self.verdict.level == "fail" else 0
        return {"identical": 0, "different": 1, "error": 3}[self.status]

    @property
    def identical(self) -> bool:
        return self.status == "identical"

    def table(self, name: str | None = None) -> TableResult:
        """The result for table `name` (left or right name); the only table when `name` is omitted."""
        if name is None:
            if len(self.tables) != 1:
                raise ValueError(f"this result holds {len(self.tables)} tables: name one")
            return self.tables[0]
        for table in self.tables:
            if name in (table.left_table, table.right_table):
                return table
        raise KeyError(f"no table {name!r} in this result")

    # --- drill-down as polars DataFrames ---

    def changed(self, table: str | None = None, *, raw: bool = False) -> pl.DataFrame:
        """Every changed row (key, `differs`, then `<col>_left`/`<col>_right` of each compared column).

        Both sides of a column come in one dtype, the rule's canonical form (a MySQL DATETIME read
        as text and a PostgreSQL timestamp are both datetimes); `raw=True` gives the values as the
        sources delivered them.
        """
        return self._frame(table, "changed", raw)

    def only_left(self, table: str | None = None, *, raw: bool = False) -> pl.DataFrame:
        """Every row found only on the left side (in the same dtypes as `only_right()`)."""
        return self._frame(table, "only_left", raw)

    def only_right(self, table: str | None = None, *, raw: bool = False) -> pl.DataFrame:
        """Every row found only on the right side (in the same dtypes as `only_left()`)."""
        return self._frame(table, "only_right", raw)

    def column_stats(self, table: str | None = None) -> pl.DataFrame:
        """Per-column mismatch counts with both native types and the rule used."""
        import polars as pl

        t = self.table(table)
        mismatches = {c.name: c.mismatches for c in t.columns}
        return pl.DataFrame(
            {
                "column": [c.name for c in t.schema.columns],
                "left_type": [c.left_type for c in t.schema.columns],
                "right_type": [c.right_type for c in t.schema.columns],
                "rule": [c.rule for c in t.schema.columns],
                "mismatches": [mismatches.get(c.name, 0) for c in t.schema.columns],
            },
            schema={
                "column": pl.String,
                "left_type": pl.String,
                "right_type": pl.String,
                "rule": pl.String,
                "mismatches": pl.Int64,
            },
        )

    @property
    def full_rows(self) -> bool:
        """True when `changed()`/`only_left()`/`only_right()` return every row, not only samples.

        A fresh result (or a pickled copy of one) reads its store; a result loaded from JSON, or
        one whose store is gone, has only the samples the report kept.
        """
        return self._store is not None and all(
            self._store.has(t.left_table, kind)
            for t in self.tables
            for kind in ("changed", "only_left", "only_right")
        )

    def _frame(self, table: str | None, kind: str, raw: bool = False) -> pl.DataFrame:
        t = self.table(table)
        if self._store is not None and self._store.has(t.left_table, kind):
            return self._store.read(t.left_table, kind, raw=raw)
        import warnings

        from dbdiff.values import samples_frame

        frame = samples_frame(t, kind)
        total = getattr(t.summary, kind)
        kept = len(getattr(t.samples, kind))
        what = "with only the columns that differ" if kind == "changed" else "as the report kept them"
        warnings.warn(
            f"{kind}() of a result without its store (loaded from JSON, or the store is gone) "
            f"holds only the {kept:,} sampled rows of {total:,}, {what}; "
            "rerun the diff (or keep the result object, or pickle it) for every row",
            SamplesOnlyWarning,
            stacklevel=3,
        )
        # The frame says so itself, for code that checks instead of reading warnings.
        frame.dbdiff_samples_only = True  # type: ignore[attr-defined]
        return frame

    def repair_sql(self, target: str = "right", *, unmask: bool | Collection[str] = False) -> str:
        """The SQL that makes the `target` side ("right" or "left") equal the other (docs/repair.md).

        Needs the result's store (every differing row): a result loaded from JSON is refused.
        Masked columns are refused unless `unmask` is True or names them. dbdiff never runs it.
        """
        if _repair is None:
            raise RuntimeError("results write no repair SQL: the package face (dbdiff/__init__.py) sets it")
        return _repair(self, target, unmask if isinstance(unmask, bool) else list(unmask))

    # --- JSON ---

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "schema_version": self.schema_version,
            "dbdiff_version": self.dbdiff_version,
            "started_at": self.started_at,
            "duration_s": round(self.duration_s, 3),
            "left": self.left.to_dict(),
            "right": self.right.to_dict(),
            "status": self.status,
            **(self.verdict.to_dict() if self.verdict is not None else {}),
            "tables": [t.to_dict() for t in self.tables],
        }
        if self.options:
            data["options"] = dict(self.options)
        if self.history:
            data["history"] = [dict(h) for h in self.history]
        if self.timings:
            data["timings"] = dict(self.timings)
        return data

    def to_json(self, *, indent: int | None = 2) -> str:
        return json.dumps(self.to_dict(), indent=indent, ensure_ascii=False, sort_keys=False)

    def write_json(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(self.to_json() + "\n", encoding="utf-8")
        return path

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DiffResult:
        version = data.get("schema_version")
        if version != SCHEMA_VERSION:
            raise ConfigError(
                f"unsupported result schema_version {version!r}",
                hint=f"this dbdiff reads schema_version {SCHEMA_VERSION}",
            )
        return cls(
            left=SourceInfo.from_dict(data["left"]),
            right=SourceInfo.from_dict(data["right"]),
            tables=tuple(TableResult.from_dict(t) for t in data.get("tables", ())),
            started_at=data.get("started_at", ""),
            duration_s=float(data.get("duration_s", 0.0)),
            dbdiff_version=data.get("dbdiff_version", ""),
            options=dict(data.get("options", {})),
            verdict=Verdict.from_dict(data),
            history=tuple(dict(h) for h in data.get("history", ())),
            timings=_timings(data.get("timings")),
        )

    def __repr__(self) -> str:
        if self.options.get("command") == "validate":  # one source checked: no diff words
            label = {"identical": "passed", "different": "failed"}.get(self.status, self.status)
            tables = "; ".join(f"{t.left_table}: {_views().check_headline(t)}" for t in self.tables)
            return f"<DiffResult validate {label}: {tables}>"
        parts = []
        for t in self.tables:
            s = t.summary
            parts.append(
                f"{t.left_table}: {t.status} (matched={s.matched}, changed={s.changed}, "
                f"only_left={s.only_left}, only_right={s.only_right})"
            )
        return f"<DiffResult {self.status}: " + "; ".join(parts) + ">"

    # --- notebook: every view renders what the run captured; none of them queries anything ---

    def _repr_mimebundle_(
        self, include: Collection[str] | None = None, exclude: Collection[str] | None = None
    ) -> dict[str, Any]:
        """The short summary (text/plain), the card (text/html) and the counts as JSON."""
        return _views().repr_mimebundle(self, include, exclude)

    def _repr_html_(self) -> str:
        """The compact notebook card: plain HTML and scoped CSS, no script."""
        return _views().repr_html(self)

    def summary(self) -> dict[str, Any]:
        """The run in brief as plain data: status, sources, and per table its counts (no samples)."""
        return {
            "schema_version": self.schema_version,
            "dbdiff_version": self.dbdiff_version,
            "started_at": self.started_at,
            "duration_s": self.duration_s,
            "status": self.status,
            "exit_code": self.exit_code,
            "left": {"url": scrub(self.left.url or ""), "dialect": self.left.dialect},
            "right": {"url": scrub(self.right.url or ""), "dialect": self.right.dialect},
            "tables": [
                {
                    "left_table": t.left_table,
                    "right_table": t.right_table,
                    "key": list(t.key),
                    "status": t.status,
                    "error": scrub(t.error) if t.error else None,
                    "summary": t.summary.to_dict(),
                    "columns": {c.name: c.mismatches for c in t.columns if c.mismatches},
                }
                for t in self.tables
            ],
        }

    def to_html(self) -> str:
        """The full self-contained HTML report (the same page as `dbdiff diff --html`)."""
        return _views().to_html(self)

    def show(self, *, height: int = 640) -> Any:
        """The full report for a notebook cell, in a sandboxed iframe `height` pixels tall."""
        return _views().show(self, height)


def load_result(path: str | Path) -> DiffResult:
    """Read a JSON result written by `--json` back into a `DiffResult`."""
    try:
        data = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(f"result file {str(path)!r} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"cannot read result file {str(path)!r}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"result file {str(path)!r} is not valid JSON: not UTF-8 text") from None
    except json.JSONDecodeError as exc:
        raise ConfigError(f"result file {str(path)!r} is not valid JSON: {exc}") from None
    if not isinstance(data, dict) or "tables" not in data:
        raise ConfigError(f"{str(path)!r} is not a dbdiff JSON result")
    try:
        return DiffResult.from_dict(data)
    except ConfigError:
        raise
    except KeyError as exc:
        raise ConfigError(f"{str(path)!r} is not a valid dbdiff result: field {exc} is missing") from None
    except (TypeError, ValueError, AttributeError) as exc:
        raise ConfigError(f"{str(path)!r} is not a valid dbdiff result: {exc}") from None


def _timings(data: Any) -> dict[str, float]:
    """A result's `timings` as read from JSON: each phase a finite number of seconds, never negative
    (dbdiff writes nothing else; a hand-edited file saying otherwise is no valid result)."""
    if not data:
        return {}
    if not isinstance(data, Mapping):
        raise ValueError(f"timings must be an object of seconds per phase, not {type(data).__name__}")
    for phase, seconds in data.items():
        ok = isinstance(seconds, int | float) and not isinstance(seconds, bool)
        if not ok or not math.isfinite(seconds) or seconds < 0:
            raise ValueError(f"timings.{phase} must be a number of seconds, not {seconds!r}")
    return {str(phase): float(seconds) for phase, seconds in data.items()}


def table_status(summary: Summary, schema: SchemaComparison) -> str:
    """`different` when any row or column differs, else `identical`."""
    if summary.differences or schema.only_left or schema.only_right:
        return "different"
    return "identical"
