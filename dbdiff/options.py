"""What a run can be told: the options of diff, validate, infer-schema and explain, each declared once.

Every option is a field of one group -- what to read (`ReadingOptions`), how to compare
(`ComparingOptions`), which checks run (`CheckOptions`), what infer-schema profiles
(`ProfilingOptions`), where the output goes (`OutputOptions`) -- and its metadata, an `Option`,
holds its help text, CLI flag, short alias and the commands that take it. The click options
(`dbdiff.cli_options`) and the keyword parameters of `dbdiff.diff`/`validate`/`infer_schema`
(`takes_options`) are built from these fields, and `_Options.__post_init__` is the one place
values are checked. `DiffOptions`, `ValidateOptions` and `InferOptions` compose the groups: they
are what the engine receives.
"""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

from dbdiff.errors import UsageError
from dbdiff.names import MATCH_MODES
from dbdiff.option_spec import (
    _CHECK,
    _OUTPUT,
    _READ,
    _RUN,
    _TWO_SIDES,
    DIFF,
    EXPLAIN,
    INFER,
    KINDS,
    REPORT,
    RUN,
    VALIDATE,
    VERBS,
    Offered,
    Option,
    _Options,
    offered,
    option,
    parse_mapping,
    takes_options,
)
from dbdiff.timewindow import check_window, parse_duration, parse_since, shown_window

if TYPE_CHECKING:
    from dbdiff.checks import SchemaSpec
    from dbdiff.plan import Override

__all__ = [
    "DIFF",
    "EXPLAIN",
    "INFER",
    "KINDS",
    "REPORT",
    "RUN",
    "VALIDATE",
    "VERBS",
    "Offered",
    "Option",
    "offered",
    "option",
    "parse_mapping",
    "takes_options",
]


# --- the groups -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ReadingOptions(_Options):
    """Which rows of which table each side reads, and how."""

    table: str = option(
        help="The table to {verb} (schema.table allowed).",
        commands=_READ,
        short="-t",
        required="a table name",
    )
    right_table: str | None = option(
        None, help="The table's name on the right side, when it differs.", commands=_TWO_SIDES
    )
    map: Mapping[str, str] = option(
        factory=dict,
        help="Pair a left column with a right one of another name (repeat): --map UnitPrice=unit_price.",
        commands=_TWO_SIDES,
        kind="mapping",
        dest="column_map",
        metavar="LEFT_COL=RIGHT_COL",
    )
    match_names: str = option(
        "case",
        help=(
            "How column names pair: exact (spelled alike), case (also names differing only in case), "
            "convention (also UnitPrice with unit_price); a --map wins over all."
        ),
        commands=_TWO_SIDES,
        choices=MATCH_MODES,
    )
    key: Sequence[str] = option(
        (),
        help="Key column (repeat for a composite key). Default: the primary key.",
        commands=_READ,
        kind="names",
        short="-k",
    )
    columns: Sequence[str] = option(
        (),
        help="{Verb} only these columns (repeat, or comma-separate).",
        commands=_READ,
        kind="names",
        short="-c",
    )
    exclude: Sequence[str] = option(
        (),
        help="Leave these columns out (repeat, or comma-separate).",
        commands=_READ,
        kind="names",
        short="-x",
    )
    where: str | None = option(
        None,
        help="A SQL condition applied on both sides (e.g. \"created_at < '2026-01-01'\").",
        help_one_side="A SQL condition selecting the rows to {verb}.",
        commands=_READ,
    )
    right_where: str | None = option(
        None, help="A different condition for the right side.", commands=_TWO_SIDES
    )
    chunk_size: int = option(100_000, help="Rows per chunk.", commands=_READ, kind="int", minimum=1)
    workers: int = option(4, help="Chunks in flight at once.", commands=_RUN, kind="int", minimum=1)
    retries: int = option(
        2,
        help="Times a chunk read that lost its connection is tried again.",
        commands=_RUN,
        kind="int",
        minimum=0,
    )
    memory_limit: str | None = option(
        None,
        help="Memory the result store may use before it spills to disk (DuckDB's memory_limit, e.g. 2GB).",
        commands=_RUN,
        metavar="SIZE",
    )


@dataclass(frozen=True, kw_only=True)
class ComparingOptions(_Options):
    """How values are normalized and compared, and how much of what differs is kept and shown."""

    sample_limit: int = option(
        100,
        help="Samples kept per kind.",
        help_one_side="Examples kept per check.",
        commands=_CHECK,
        kind="int",
        minimum=0,
    )
    rules: Sequence[str] = option(
        (),
        help="An extra rule file (YAML); its rules win over the defaults.",
        commands=_READ,
        kind="files",
        dest="rule_files",
    )
    overrides: Mapping[str, Override] = option(
        factory=dict,
        help=(
            "Compare one column with another normalizer or parameters (repeat). Leniency is opt-in here: "
            "--rule amount=float:abs_tol=0.01,rel_tol=1e-9 (float tolerance), "
            "--rule name=text:ignore_case=true,rstrip=true,trim=true,empty_as_null=true, "
            "--rule created=:assume_zone=Europe/Berlin (zone of a naive DATETIME; an empty NAME keeps "
            "the column's rule), --rule d=:zero_date=error, --rule id=:swap=true (UUID_TO_BIN(u, 1)). "
            "See `dbdiff rules`."
        ),
        commands=_READ,
        kind="overrides",
        flag="--rule",
        dest="rule_overrides",
        keyword="column_rules",
        metavar="COL=NAME[:K=V,...]",
    )
    mask: Sequence[str] = option(
        (),
        help="Show only keyed hashes of this column's values in every report (repeat, or comma-separate).",
        commands=(DIFF, VALIDATE, EXPLAIN),
        kind="names",
        metavar="COL",
    )


@dataclass(frozen=True, kw_only=True)
class CheckOptions(_Options):
    """Invariants checked on the chunks a run reads (dbdiff.checks)."""

    schema: SchemaSpec = option(
        None,
        help="A pandera YAML schema checked on every chunk of both sides.",
        help_one_side="A pandera YAML schema checked on every chunk.",
        commands=_CHECK,
    )
    left_schema: SchemaSpec = option(
        None, help="A pandera YAML schema for the left side only (wins over --schema).", commands=(DIFF,)
    )
    right_schema: SchemaSpec = option(
        None, help="A pandera YAML schema for the right side only (wins over --schema).", commands=(DIFF,)
    )
    aggregate: Sequence[str] = option(
        (),
        help="A column whose count, sum, min and max must agree between the sides (repeatable).",
        commands=(DIFF,),
        kind="names",
    )


@dataclass(frozen=True, kw_only=True)
class WindowOptions(_Options):
    """An incremental check: only the rows written lately on either side (docs/incremental.md).

    Values stay as given (reports and check files show them so); the engine reads them through
    `window_since` and `window_min_age`.
    """

    since: str | dt.datetime | dt.timedelta | None = option(
        None,
        help=(
            "Compare only the rows written since then on either side (by --updated-column): a duration "
            "back from now (90s, 15m, 2h, 1d) or an ISO timestamp (UTC unless it has an offset)."
        ),
        commands=_TWO_SIDES,
        metavar="DURATION|TIMESTAMP",
    )
    updated_column: str | None = option(
        None,
        help="The timestamp or datetime column every write sets (what --since looks at).",
        commands=_TWO_SIDES,
        metavar="COL",
    )
    min_age: str | dt.timedelta | None = option(
        None,
        help=(
            "Leave out rows written less than this long ago on either side (replication or dual-write "
            "lag, e.g. 30s): they are counted as in flight, not compared."
        ),
        commands=_TWO_SIDES,
        metavar="DURATION",
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.since == "":
            object.__setattr__(self, "since", None)
        check_window(self.since, self.updated_column, self.min_age)  # before any connection

    def window_since(self) -> dt.datetime | dt.timedelta | None:
        """`since` as a duration back from now, or as an aware UTC instant (None: no window)."""
        return None if self.since is None else parse_since(self.since)

    def window_min_age(self) -> dt.timedelta | None:
        """`min_age` as a duration (None when not given)."""
        return None if not self.min_age else parse_duration(self.min_age, "--min-age", zero=True)

    def window_public(self) -> dict[str, Any]:
        """The window options as reports show them, only when a window is asked for."""
        return {} if self.since is None else shown_window(self.since, self.updated_column, self.min_age)


#: Seconds between a diff and each recheck when --recheck-delay is not given.
DEFAULT_RECHECK_DELAY = 5.0


@dataclass(frozen=True, kw_only=True)
class RecheckOptions(_Options):
    """Rechecks after a diff of live data (docs/live.md): the differing keys read again, later.

    `recheck` None means the default: 2 rounds when both sides are database servers (data that may
    be moving), none for files and embedded databases (data that holds still). The environment
    variable DBDIFF_RECHECK sets the servers' default instead (a CI job, or a test suite, whose
    data holds still sets 0)."""

    recheck: int | None = option(
        None,
        help=(
            "Read the differing rows again this many times, --recheck-delay apart, and count only those "
            "that differ every time (default: $DBDIFF_RECHECK, else 2 against database servers and 0 "
            "for files)."
        ),
        commands=(DIFF,),
        kind="int",
        minimum=0,
        metavar="N",
    )
    recheck_delay: float | str | None = option(
        DEFAULT_RECHECK_DELAY,
        help="Seconds between the diff and each recheck: more than the dual-write lag (default 5).",
        commands=(DIFF,),
        metavar="SECONDS",
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        # None: not given (the CLI's value of an option left out).
        delay = DEFAULT_RECHECK_DELAY if self.recheck_delay is None else self.recheck_delay
        object.__setattr__(self, "recheck_delay", _seconds(delay))
        if self.recheck is None:
            _default_rounds(os.environ.get("DBDIFF_RECHECK", ""))  # a bad value fails before any query

    def delay_seconds(self) -> float:
        """`recheck_delay` in seconds (a float once the options are built)."""
        return float(self.recheck_delay or 0)

    def recheck_rounds(self, dialects: Sequence[str]) -> int:
        """How many rechecks run between sides of these dialects (`recheck`, or the default)."""
        if self.recheck is not None:
            return self.recheck
        if not all(d in SERVER_DIALECTS for d in dialects):
            return 0
        return _default_rounds(os.environ.get("DBDIFF_RECHECK", ""))

    def recheck_public(self, rounds: int) -> dict[str, Any]:
        """The recheck options as reports show them, only when rechecks ran."""
        return {"recheck": rounds, "recheck_delay": self.recheck_delay} if rounds else {}


#: Dialects of database servers, whose data may move while a diff reads it: rechecked by default.
SERVER_DIALECTS = ("mysql", "postgresql")


def _default_rounds(text: str) -> int:
    """The servers' default rounds: DBDIFF_RECHECK when set (a whole number, 0 or more), else 2."""
    if not text.strip():
        return 2
    if not text.strip().isdigit():
        raise UsageError(f"DBDIFF_RECHECK is a number of rechecks (0 or more), not {text!r}")
    return int(text)


def _seconds(value: Any) -> float:
    """A delay in seconds, from a number or its text ("2.5"); one clear error otherwise."""
    try:
        seconds = float(value) if not isinstance(value, bool) else float("nan")
    except (TypeError, ValueError):
        seconds = float("nan")
    if not seconds >= 0 or seconds == float("inf"):
        raise UsageError(f"--recheck-delay is a number of seconds (0 or more), not {value!r}")
    return seconds


@dataclass(frozen=True, kw_only=True)
class ProfilingOptions(_Options):
    """What infer-schema writes into the schema it proposes."""

    max_values: int = option(
        20,
        help="Text columns with at most this many distinct values get an isin check.",
        commands=(INFER,),
        kind="int",
        minimum=0,
        click_range=True,  # as infer-schema always has
    )


@dataclass(frozen=True, kw_only=True)
class OutputOptions(_Options):
    """Where a command's result goes: report files, the stdout view, the progress bar."""

    reports: Mapping[str, Path] = option(
        factory=dict, help="The report files, by format.", commands=_OUTPUT, kind="reports"
    )
    fmt: str = option(
        "text", help="What to print on stdout.", commands=_OUTPUT, kind="format", flag="--format"
    )
    no_progress: bool = option(False, help="Never show a progress bar.", commands=(*_CHECK, RUN), kind="flag")
    quiet: bool = option(
        False,
        help="Print nothing on stdout (files and exit code only).",
        commands=_OUTPUT,
        kind="flag",
        short="-q",
    )
    timings: bool = option(
        False,
        help=(
            "Print the seconds spent per phase (plan, read, normalize, compare, residual, store, "
            "report) and the wall seconds on stderr, after the report."
        ),
        commands=(*_CHECK, RUN),
        kind="flag",
    )
    repair_sql: str | None = option(
        None,
        help=(
            "Write to FILE the SQL that makes the --repair-target side equal the other (INSERT, UPDATE, "
            "DELETE in its dialect; dbdiff never runs it; docs/repair.md)."
        ),
        commands=(DIFF, RUN),
        metavar="FILE",
    )
    repair_target: str = option(
        "right",
        help="The side the repair SQL changes: right (the default) or left (a rollback).",
        commands=(DIFF, RUN),
        choices=("right", "left"),
    )
    repair_unmask: bool = option(
        False,
        help="Write the values of masked columns in clear in the repair SQL (refused otherwise).",
        commands=(DIFF, RUN),
        kind="flag",
    )


# --- what each command receives (groups listed last first: dataclass fields follow the reverse MRO) --


@dataclass(frozen=True, kw_only=True)
class DiffOptions(RecheckOptions, WindowOptions, CheckOptions, ComparingOptions, ReadingOptions):
    """Everything a diff can be told; the CLI flags map onto these one to one."""

    COMMAND: ClassVar[str] = DIFF

    def public(self) -> dict[str, Any]:
        """The options as reports show them."""
        return {
            "table": self.table,
            "right_table": self.right_table or self.table,
            "key": list(self.key),
            "columns": list(self.columns),
            "exclude": list(self.exclude),
            "where": self.where,
            "right_where": self.right_where,
            "chunk_size": self.chunk_size,
            "workers": self.workers,
            "sample_limit": self.sample_limit,
            "rules": [str(r) for r in self.rules],
            **self._validation_options(),
            **self.window_public(),
        }

    def _validation_options(self) -> dict[str, Any]:
        from dbdiff.checks import describe_schema

        # Only when set, so reports of runs without checks stay as they were.
        shown: dict[str, Any] = {
            name: describe_schema(getattr(self, name))
            for name in ("schema", "left_schema", "right_schema")
            if getattr(self, name) is not None
        }
        if self.aggregate:
            shown["aggregate"] = list(self.aggregate)
        if self.map:
            shown["map"] = dict(self.map)
        if self.match_names != "case":
            shown["match_names"] = self.match_names
        return shown

    def schemas(self) -> dict[str, SchemaSpec]:
        """The schema each side is checked against (a side's own schema wins over `schema`)."""
        return {
            "left": self.left_schema if self.left_schema is not None else self.schema,
            "right": self.right_schema if self.right_schema is not None else self.schema,
        }


@dataclass(frozen=True, kw_only=True)
class ValidateOptions(CheckOptions, ComparingOptions, ReadingOptions):
    """What `dbdiff validate` can be told: one source's table, its schema and the built-in checks."""

    COMMAND: ClassVar[str] = VALIDATE


@dataclass(frozen=True, kw_only=True)
class InferOptions(ProfilingOptions, ComparingOptions, ReadingOptions):
    """What `dbdiff infer-schema` can be told."""

    COMMAND: ClassVar[str] = INFER

    def __post_init__(self) -> None:
        # infer-schema has always read with at least one worker whatever --workers says.
        object.__setattr__(self, "workers", max(1, self.workers))
        super().__post_init__()
