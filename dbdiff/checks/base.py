"""What every check shares: the Check protocol, the records it returns, the failure merge, the registry.

A check is a small named unit, built for each run by a factory registered under its name:

- `feed(chunk) -> Found | None` runs on a worker, once per chunk and side. It is PURE: it reads
  the chunk and the run's constant setup and returns plain data (failures, frames for the store,
  a mergeable state); it touches no store and no shared state.
- `merge(state, new) -> state` folds a chunk's state into the run's, on the driver.
- `finish(end) -> failures` runs once after the last chunk; it may read the store tables its
  frames went to, and fold what it read into its state.
- `checks_run(side)` names what it checks, as its failures name it (`BOTH` for checks that
  compare the sides).

Switching a check on: every registered factory is called for every run with its `CheckSetup`
and returns None when it has nothing to check there (no schema, no `--aggregate` columns, no
column that asks for it). Adding a check is one new module with a `@register_check(name)`
factory; a built-in one also gets its module's name in `BUILTIN_CHECKS`.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import polars as pl

from dbdiff.checks.spec import SchemaSpec, load_schema
from dbdiff.checks.view import integral, view_columns, view_frame
from dbdiff.compare import SUFFIX, key_names
from dbdiff.plan import DiffPlan
from dbdiff.result import Validation, ValidationFailure
from dbdiff.values import encode_value, frame_rows

if TYPE_CHECKING:
    from pandera.api.polars.container import DataFrameSchema

    from dbdiff.store import ResultStore

#: The `side` of a failure that compares the two sides (row counts, aggregates).
BOTH = "both"

KEY_NOT_NULL = "key_not_null"
KEY_UNIQUE = "key_unique"
ROW_COUNT = "row_count"
ROW_COUNT_EQUAL = "row_count_equal"
FIELD_UNIQUENESS = "field_uniqueness"  # pandera's own names for `unique`
MULTIPLE_FIELDS_UNIQUENESS = "multiple_fields_uniqueness"

#: The built-in checks, by module and registered name, in the order reports list them.
BUILTIN_CHECKS = ("key_not_null", "key_unique", "row_count", "pandera_schema", "aggregates")

#: An example of a failure: its sort token (which examples are kept) and what the report shows.
Example = tuple[tuple[Any, ...], dict[str, Any]]


def token(values: Iterable[Any]) -> tuple[Any, ...]:
    """A sort token over normalized key values (NULL first), the order examples are kept in.

    Where a normalizer merges keys ('A' and 'a'), the raw key values follow as a tie-break, so
    the examples kept never depend on the chunking."""
    return tuple((v is not None, v) for v in values)


@dataclass(frozen=True)
class Failed:
    """Rows that failed one check on one side (or `BOTH`), with some examples."""

    side: str
    column: str | None
    check: str
    count: int
    examples: Sequence[Example] = ()


@dataclass
class Found:
    """What a check's `feed` returns for one chunk: plain data the driver merges."""

    failures: list[Failed] = field(default_factory=list)
    frames: list[tuple[str, pl.DataFrame]] = field(default_factory=list)  # (store table, rows to append)
    state: Any = None  # folded into the run's state by `Check.merge`


# --- the run's constants and one chunk -------------------------------------------------------


@dataclass
class CheckSetup:
    """What a run's checks are built from and read while checking (never written after setup)."""

    plan: DiffPlan
    sides: tuple[str, ...]
    specs: Mapping[str, SchemaSpec]
    aggregate: tuple[str, ...]
    limit: int
    prefix: str
    key_label: str = field(init=False)  # how the key's checks name their column: `id` or `a,b`
    key_names: list[str] = field(init=False)  # the prepared frames' normalized key columns
    _integers: dict[str, frozenset[str]] = field(init=False, repr=False)
    _schemas: dict[str, DataFrameSchema | None] = field(init=False, repr=False, default_factory=dict)

    def __post_init__(self) -> None:
        self.key_label = ",".join(p.name for p in self.plan.key)
        self.key_names = key_names(self.plan)
        self._integers = {
            side: frozenset(
                n for n, _, p in view_columns(self.plan, side) if p.choice.normalizer == "integer"
            )
            for side in self.sides
        }

    def schema(self, side: str) -> DataFrameSchema | None:
        """The side's pandera schema, loaded on first use (while the checks are built)."""
        if side not in self._schemas:
            self._schemas[side] = load_schema(self.specs.get(side))
        return self._schemas[side]

    def schema_label(self, side: str) -> str:
        return "the schema" if len(self.sides) == 1 else f"the {side} schema"

    def encode(self, side: str, column: str | None, value: Any) -> Any:
        """A view value in the report: like every value, but integers stay JSON numbers however large
        (wide integers reach the view as Decimal(38, 0)); a whole row (`column` None) field by field."""
        integers = self._integers[side]
        if isinstance(value, Mapping) and column not in integers:
            return {str(k): self.encode(side, str(k), v) for k, v in value.items()}
        if column in integers:
            return integral(value)
        return encode_value(value)

    def raw_key(self, row: Mapping[str, Any], raw: Sequence[str]) -> dict[str, Any]:
        """A row's key as the side stores it (before normalization), under the key's names."""
        return {p.name: encode_value(row[r]) for p, r in zip(self.plan.key, raw, strict=True)}


@dataclass
class Chunk:
    """One chunk of one side as checks see it; built for each `feed`, never shared between threads."""

    setup: CheckSetup
    side: str
    prepared: pl.DataFrame  # as `compare.prepare_side` returns it
    duplicates: pl.DataFrame | None = None  # `compare.split_duplicates`'s, when the caller has it

    @functools.cached_property
    def view(self) -> pl.DataFrame:
        """The chunk under the side's own column names (see `checks.view`), built once if asked for."""
        return view_frame(self.prepared, self.setup.plan, self.side)

    @property
    def raw_keys(self) -> list[str]:
        """The prepared frame's raw key columns."""
        return [f"rk{i}{SUFFIX[self.side]}" for i in range(len(self.setup.key_names))]

    def failed_rows(self, column: str | None, check: str, index: pl.Series) -> Failed:
        """The rows at `index` (row numbers, sorted) failed `check`: show each row's value in
        `column`, or the whole row under the side's names when `column` is not a view column."""
        setup, view = self.setup, self.view
        keys, raw = setup.key_names, self.raw_keys
        examples: list[Example] = []
        if setup.limit:
            rows = (
                self.prepared.select(keys + raw)
                .with_columns(
                    view.get_column(column).alias("__v")
                    if column in view.columns
                    else pl.lit(None).alias("__v")
                )
                .select(pl.all().gather(index))
            )
            if column not in view.columns:
                rows = rows.with_columns(
                    pl.Series("__v", view.select(pl.struct(pl.all())).to_series().gather(index))
                )
            rows = rows.sort(keys + raw, nulls_last=False).head(setup.limit)
            examples = [
                (
                    token([*(row[k] for k in keys), *(row[r] for r in raw)]),
                    {"key": setup.raw_key(row, raw), "value": setup.encode(self.side, column, row["__v"])},
                )
                for row in frame_rows(rows)
            ]
        return Failed(self.side, column, check, index.len(), examples)


@dataclass
class End:
    """What a check's `finish` sees after the last chunk."""

    setup: CheckSetup
    store: ResultStore
    rows: Mapping[str, int]  # rows fed per side (NULL-key rows are never fed)
    rows_counted: Mapping[str, int | None]  # each side's COUNT(*) from planning
    null_keys: Mapping[str, tuple[int, Sequence[Mapping[str, Any]]]]  # count, some of their keys
    states: dict[str, Any]  # this check's merged state per side; `finish` may fold more into it
    stats: dict[str, Any]  # run stats (`TableResult.stats`) a check may add to


# --- the protocol and the registry ----------------------------------------------------------


class Check(Protocol):
    """One named check of a run. Subclass it and override what the check needs."""

    #: Does `feed` read compared columns' normalized values (`n{j}_l`, `Chunk.view`)? A run
    #: whose checks don't compares some columns' raw values in pairs, leaving them out of the
    #: prepared chunk (`compare.prepare_side`'s `pairwise`).
    reads_values: bool = True

    def feed(self, chunk: Chunk) -> Found | None:
        """What one chunk of one side holds for this check (PURE: runs on a worker)."""
        return None

    def merge(self, state: Any, new: Any) -> Any:
        """The run's state with a chunk's folded in; states that add up need no merge of their own."""
        return new if state is None else state + new

    def finish(self, end: End) -> Iterable[Failed]:
        """The failures only the whole run shows (after the last chunk)."""
        return ()

    def checks_run(self, side: str) -> Iterable[tuple[str | None, str]]:
        """(column, check) for each check run on `side` (or `BOTH`), as failures name them."""
        return ()


CheckFactory = Callable[[CheckSetup], Check | None]
F = TypeVar("F", bound=CheckFactory)

#: Every registered check factory by name.
CHECKS: dict[str, CheckFactory] = {}


def register_check(name: str) -> Callable[[F], F]:
    """Register a check factory under `name`: it builds the check for a run, or None to stay off."""

    def register(factory: F) -> F:
        if CHECKS.get(name, factory) is not factory:
            raise ValueError(f"a check named {name!r} is already registered")
        CHECKS[name] = factory
        return factory

    return register


def registered() -> list[tuple[str, CheckFactory]]:
    """Every registered check: the built-ins first, in report order, then the others as registered."""
    for module in BUILTIN_CHECKS:
        importlib.import_module(f"dbdiff.checks.{module}")
    builtin = [(name, CHECKS[name]) for name in BUILTIN_CHECKS]
    return builtin + [(name, factory) for name, factory in CHECKS.items() if name not in BUILTIN_CHECKS]


# --- merging failures ------------------------------------------------------------------------


@dataclass
class _Failure:
    count: int = 0
    examples: list[Example] = field(default_factory=list)

    def add(self, count: int, examples: Sequence[Example], limit: int) -> None:
        self.count += count
        self.examples.extend(examples)
        if len(self.examples) > 2 * max(limit, 1):
            self.trim(limit)

    def trim(self, limit: int) -> None:
        # Keys of mixed types (a value normalized to NULL) can't be ordered: keep arrival order.
        with contextlib.suppress(TypeError):
            self.examples.sort(key=lambda e: e[0])
        del self.examples[max(limit, 0) :]


_SIDE_ORDER = {"left": 0, "right": 1, BOTH: 2}


class Failures:
    """Failures merged per side, column and check: counts add up, the smallest keys are kept."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._merged: dict[tuple[str, str | None, str], _Failure] = {}

    def add(self, failed: Failed) -> None:
        failure = self._merged.setdefault((failed.side, failed.column, failed.check), _Failure())
        failure.add(failed.count, failed.examples, self.limit)

    def validation(self) -> Validation:
        """Every failure, by side (left, right, both), column and check, with its examples."""
        failures = []
        for (side, column, check), failure in sorted(
            self._merged.items(),
            key=lambda item: (_SIDE_ORDER.get(item[0][0], 3), item[0][1] or "", item[0][2]),
        ):
            failure.trim(self.limit)
            failures.append(
                ValidationFailure(
                    side=side,
                    column=column,
                    check=check,
                    count=failure.count,
                    examples=tuple(e for _, e in failure.examples),
                )
            )
        return Validation(passed=not failures, failures=tuple(failures))
