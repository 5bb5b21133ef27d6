"""Invariants: pandera schemas and built-in checks, run on the chunks a diff already reads.

Each chunk of each side becomes a *view*: a polars frame with the side's own column names holding
the normalized values (what the diff compares), in dtypes pandera can check:

- decimals become `Decimal(38, s)` with `s` the larger declared scale of the pair (exact, numeric
  comparisons); when a side declares no scale (PostgreSQL `NUMERIC`) or the precision exceeds 38
  digits they become `Float64`, since a narrower decimal would silently round;
- `TIME` becomes `Duration("us")`; every other normalized value is used as it is (a MySQL
  `TINYINT(1)` compared with a PostgreSQL boolean is `Boolean`, timestamps are naive UTC
  `Datetime("us")`, text is `String`).

Rows whose key has a NULL belong to no chunk, so schema checks never see them; the built-in
`key_not_null` check reports them. Uniqueness (the built-in `key_unique`, a column's
`unique: true`, a schema's `unique: [a, b]`) holds across chunks: values go to the run's DuckDB
store and are grouped once at the end (unless the key provably can't repeat across chunks).

Failures are data, never raised: they are merged per side, column and check into counts and a
bounded list of examples (the smallest keys, so chunking never changes which are kept). A schema
that can't load, names a column the view lacks, or whose dtype or check can't apply is a
`ConfigError` (exit code 2).
"""

from __future__ import annotations

import contextlib
import copy
import datetime as dt
import decimal
import difflib
import json
import math
import threading
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import polars as pl

from dbdiff.compare import SUFFIX, key_names, split_duplicates
from dbdiff.errors import ColumnError, ConfigError, UsageError
from dbdiff.plan import (
    ColumnPlan,
    DiffPlan,
    key_may_merge,
)
from dbdiff.result import (
    Validation,
    ValidationFailure,
)
from dbdiff.schema import find_named
from dbdiff.values import encode_value, frame_rows

if TYPE_CHECKING:
    from pandera.api.polars.container import DataFrameSchema

    from dbdiff.store import ResultStore

#: A schema as callers give it: a YAML/JSON file path, a pandera polars `DataFrameSchema`, or a
#: `DataFrameModel` subclass.
SchemaSpec = Any

#: The `side` of a failure that compares the two sides (row counts, aggregates).
BOTH = "both"

KEY_NOT_NULL = "key_not_null"
KEY_UNIQUE = "key_unique"
ROW_COUNT = "row_count"
ROW_COUNT_EQUAL = "row_count_equal"
FIELD_UNIQUENESS = "field_uniqueness"  # pandera's own names for `unique`
MULTIPLE_FIELDS_UNIQUENESS = "multiple_fields_uniqueness"
AGGREGATES = ("count", "sum", "min", "max")

# pandera reasons that mean the schema doesn't fit the table, not that the data is wrong.
_CONFIG_REASONS = frozenset(
    {
        "column_not_in_schema",
        "column_not_in_dataframe",
        "wrong_dtype",
        "check_error",
        "column_not_ordered",
        "duplicate_dataframe_column_labels",
        "invalid_column_name",
        "add_missing_column_no_default",
        "mismatch_index",
        "wrong_field_name",
        "invalid_type",
    }
)


# --- schemas ----------------------------------------------------------------------------------


def load_schema(spec: SchemaSpec) -> DataFrameSchema | None:
    """A pandera polars `DataFrameSchema` from a file path, a schema or a `DataFrameModel` class."""
    if spec is None:
        return None
    if isinstance(spec, (str, Path)):
        return load_schema_file(spec)
    import pandera.polars as pa

    if isinstance(spec, pa.DataFrameSchema):
        return spec
    if isinstance(spec, type) and issubclass(spec, pa.DataFrameModel):
        try:
            return spec.to_schema()
        except Exception as exc:
            raise ConfigError(f"schema model {spec.__name__} is invalid: {_first_line(exc)}") from None
    raise UsageError(
        f"a schema must be a file path, a pandera.polars.DataFrameSchema or a DataFrameModel, "
        f"not {type(spec).__name__}",
        hint="pandas schemas (pandera.pandas) don't apply: dbdiff validates polars frames",
    )


def load_schema_file(path: str | Path) -> DataFrameSchema:
    """Load pandera's YAML (or JSON) format for polars schemas (`DataFrameSchema.to_yaml()`)."""
    import yaml

    path = Path(path)
    where = f"schema file {str(path)!r}"
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(f"{where} does not exist") from None
    except OSError as exc:
        raise ConfigError(f"{where} cannot be read: {exc.strerror}") from None
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (yaml.YAMLError, json.JSONDecodeError) as exc:
        raise ConfigError(
            f"{where} is not valid {'JSON' if path.suffix == '.json' else 'YAML'}: {exc}"
        ) from None
    if not isinstance(data, Mapping) or not isinstance(data.get("columns", {}), (Mapping, type(None))):
        raise ConfigError(
            f"{where} is not a pandera schema",
            hint="write one with pandera.polars.DataFrameSchema.to_yaml() or dbdiff infer-schema",
        )
    kind = data.get("schema_type")
    if kind not in (None, "polars_dataframe"):
        raise ConfigError(
            f"{where} holds a {kind!r} schema, not a polars one",
            hint="dbdiff validates polars frames: the file needs schema_type: polars_dataframe",
        )
    _reject_unknown_keys(data, where)
    try:
        from pandera.io import polars_io

        return polars_io.deserialize_schema(dict(data))
    except ModuleNotFoundError as exc:
        raise ConfigError(
            f"loading {where} needs the {exc.name!r} package (pandera's YAML loader imports it)",
            hint=f"pip install {exc.name}",
        ) from None
    except AttributeError as exc:
        # pandera rebuilds each check by name: `Check.<name>`.
        raise ConfigError(
            f"{where} names an unknown check or option: {_first_line(exc)}",
            hint="use pandera's built-in checks (ge, le, in_range, isin, str_matches, ...)",
        ) from None
    except Exception as exc:
        raise ConfigError(f"{where} cannot be loaded: {type(exc).__name__}: {_first_line(exc)}") from None


# The keys pandera's polars loader reads; it drops any other key silently (a typo such as
# `nulable: true` would quietly make a column non-nullable), so dbdiff refuses them.
_SCHEMA_KEYS = frozenset(
    {
        "schema_type",
        "version",
        "api",
        "columns",
        "checks",
        "index",
        "dtype",
        "coerce",
        "strict",
        "name",
        "ordered",
        "unique",
        "report_duplicates",
        "unique_column_names",
        "add_missing_columns",
        "title",
        "description",
        "metadata",
    }
)
_COLUMN_KEYS = frozenset(
    {
        "title",
        "description",
        "dtype",
        "nullable",
        "checks",
        "name",
        "unique",
        "coerce",
        "required",
        "regex",
        "default",
        "report_duplicates",
        "drop_invalid_rows",
    }
)


def _reject_unknown_keys(data: Mapping[str, Any], where: str) -> None:
    from pandera.api.checks import Check

    def fail(key: Any, place: str, allowed: Iterable[str]) -> None:
        close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
        hint = f"did you mean {close[0]!r}?" if close else "see pandera's DataFrameSchema.to_yaml() format"
        raise ConfigError(f"{where}: unknown key {key!r} in {place}", hint=hint)

    for key in data:
        if key not in _SCHEMA_KEYS:
            fail(key, "the schema", _SCHEMA_KEYS)
    for name, column in (data.get("columns") or {}).items():
        if column is None:
            continue
        if not isinstance(column, Mapping):
            raise ConfigError(f"{where}: column {name!r} must be a mapping (dtype, nullable, checks, ...)")
        checks = [k for k in column if k not in _COLUMN_KEYS and callable(getattr(Check, str(k), None))]
        for key in column:
            if key not in _COLUMN_KEYS and key not in checks:
                fail(key, f"column {name!r}", _COLUMN_KEYS | _check_names())
        if checks and column.get("checks") is not None:
            raise ConfigError(
                f"{where}: column {name!r} has both a checks: list and check keys ({checks[0]!r})",
                hint="pandera reads only one of the two forms: use one",
            )


def _check_names() -> set[str]:
    from pandera.api.checks import Check

    names = {n for n in dir(Check) if not n.startswith("_") and callable(getattr(Check, n, None))}
    registry = getattr(Check, "REGISTERED_CUSTOM_CHECKS", {})
    return names | set(registry)


def describe_schema(spec: SchemaSpec) -> str | None:
    """How reports show a schema option: the file path, or the schema's or model's name."""
    if spec is None:
        return None
    if isinstance(spec, (str, Path)):
        return str(spec)
    if isinstance(spec, type):
        return spec.__name__
    return getattr(spec, "name", None) or type(spec).__name__


def _first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:300]


# --- the view pandera sees --------------------------------------------------------------------


def _side_column(pair: ColumnPlan, side: str) -> Any:
    return pair.left if side == "left" else pair.right


def view_columns(plan: DiffPlan, side: str) -> list[tuple[str, str, ColumnPlan]]:
    """(the side's column name, the internal normalized column, its plan) for key then compared columns."""
    sfx = SUFFIX[side]
    out = [(_side_column(p, side).name, f"k{i}", p) for i, p in enumerate(plan.key)]
    out += [(_side_column(p, side).name, f"n{j}{sfx}", p) for j, p in enumerate(plan.columns)]
    return out


def _decimal_view_dtype(pair: ColumnPlan) -> pl.DataType:
    """Decimal(38, s) when both sides bound their digits within 38, else Float64 (see module doc)."""
    scales, precisions = [], []
    for column in (pair.left, pair.right):
        if column.family in ("integer", "year"):
            scales.append(0)
            precisions.append(20)
        elif column.scale is not None and column.precision is not None:
            scales.append(column.scale)
            precisions.append(column.precision)
        else:
            return pl.Float64()
    scale = max(scales)
    if max(p - s for p, s in zip(precisions, scales, strict=True)) + scale > 38:
        return pl.Float64()
    return pl.Decimal(38, scale)


def view_expr(internal: str, pair: ColumnPlan) -> pl.Expr:
    """The normalized column in the dtype pandera checks (decimals numeric, TIME as a Duration)."""
    expr = pl.col(internal)
    normalizer = pair.choice.normalizer
    if normalizer == "decimal":
        # `view_frame` refuses values with more digits than the declared scale or precision (a
        # SQLite or file source can hold them), so the cast is exact; values a decimal can't hold
        # (PostgreSQL 'NaN', 'Infinity') become NULL.
        return expr.cast(_decimal_view_dtype(pair), strict=False)
    if normalizer == "time":
        return expr.cast(pl.Duration("us"))
    return expr


def view_frame(prepared: pl.DataFrame, plan: DiffPlan, side: str) -> pl.DataFrame:
    """One side's chunk under its own column names, holding normalized values."""
    columns = view_columns(plan, side)
    view = prepared.select([view_expr(internal, p).alias(name) for name, internal, p in columns])
    for name, internal, pair in columns:
        dtype = view.schema[name]
        if isinstance(dtype, pl.Decimal):
            _refuse_rounding(prepared.get_column(internal), view.get_column(name), dtype, name, pair, side)
    return view


def _refuse_rounding(
    text: pl.Series, cast: pl.Series, dtype: pl.Decimal, name: str, pair: ColumnPlan, side: str
) -> None:
    """A ConfigError when the fixed-scale view would round or drop a value (never silently).

    The view's dtype comes from the declared types, so every chunk of a run gets the same one;
    a value with more fractional digits than the declared scale, or too many digits for
    Decimal(38, s), would be rounded (`-0.005` -> `0.00`, passing `ge: 0`) or become NULL.
    """
    if text.dtype != pl.String:
        return
    number = text.str.contains(_DECIMAL_TEXT)
    digits = text.str.split(".").list.get(1, null_on_oob=True).str.len_chars().fill_null(0)
    scale = dtype.scale or 0
    bad = text.filter(number & ((digits > scale) | cast.is_null()))
    if bad.is_empty():
        return
    declared = _side_column(pair, side)
    raise ConfigError(
        f"column {name!r} ({declared.native_type}) holds {bad[0]!r}, which has more digits than "
        f"its declared type allows: checking it as Decimal(38, {scale}) would round it",
        hint="the source does not enforce the declared type: fix the data or the column's type",
    )


def keys_may_cross_chunks(plan: DiffPlan) -> bool:
    """True unless equal normalized keys provably land in the same chunk of a side.

    Each side's chunks are key ranges its own database evaluates, so rows with identical key
    values always share a chunk. Only a normalizer that maps different values onto one key
    (case folding, trimming, precision cuts, UUID spellings, ...) can spread one normalized key
    over several chunks; then the keys go to the store and are grouped once at the end.
    """
    return any(key_may_merge(pair) for pair in plan.key)


def _token(values: Iterable[Any]) -> tuple[Any, ...]:
    """A sort token over normalized key values (NULL first), the order examples are kept in.

    Where a normalizer merges keys ('A' and 'a'), the raw key values follow as a tie-break, so
    the examples kept never depend on the chunking."""
    return tuple((v is not None, v) for v in values)


# --- failures ---------------------------------------------------------------------------------


@dataclass
class _Failure:
    count: int = 0
    examples: list[tuple[tuple[Any, ...], dict[str, Any]]] = field(default_factory=list)

    def add(self, count: int, examples: Sequence[tuple[tuple[Any, ...], dict[str, Any]]], limit: int) -> None:
        self.count += count
        self.examples.extend(examples)
        if len(self.examples) > 2 * max(limit, 1):
            self.trim(limit)

    def trim(self, limit: int) -> None:
        # Keys of mixed types (a value normalized to NULL) can't be ordered: keep arrival order.
        with contextlib.suppress(TypeError):
            self.examples.sort(key=lambda e: e[0])
        del self.examples[max(limit, 0) :]


@dataclass
class _Unique:
    """A uniqueness check that must hold across chunks: its values go to the store."""

    check: str
    column: str | None  # how the failure is reported
    sources: tuple[str, ...]  # view columns (or internal key columns for the key)
    table: str
    per_key: bool = False  # examples: one per duplicated key with its row count


@dataclass
class _Side:
    schema: DataFrameSchema | None = None
    chunk_schema: DataFrameSchema | None = None  # `schema` without its uniqueness (checked globally)
    uniques: list[_Unique] = field(default_factory=list)
    ready: bool = False
    rows: int = 0
    duplicated_keys: int = 0  # distinct normalized keys that occur more than once
    lock: threading.Lock = field(default_factory=threading.Lock)


class Validator:
    """Feeds chunks through the checks of each side and merges what fails.

    `feed` is safe to call from several threads; `finish` runs once, after the last chunk.
    """

    def __init__(
        self,
        plan: DiffPlan,
        *,
        sides: Sequence[str] = ("left", "right"),
        schemas: Mapping[str, SchemaSpec] | None = None,
        aggregate: Sequence[str] = (),
        sample_limit: int = 100,
        store: ResultStore | None = None,
        prefix: str = "t0",
    ) -> None:
        self.plan = plan
        self.sides = tuple(sides)
        self.limit = max(int(sample_limit), 0)
        self.store = store
        self.prefix = prefix
        self._lock = threading.Lock()
        self._failures: dict[tuple[str, str | None, str], _Failure] = {}
        self._global_keys = keys_may_cross_chunks(plan)
        self._key_label = ",".join(p.name for p in plan.key)
        self._sides = {side: _Side() for side in self.sides}
        self._integer_columns = {
            side: {name for name, _, p in view_columns(plan, side) if p.choice.normalizer == "integer"}
            for side in self.sides
        }
        for side in self.sides:
            self._setup_side(side, load_schema((schemas or {}).get(side)))
            if self._global_keys:
                self._sides[side].uniques.append(
                    _Unique(
                        KEY_UNIQUE,
                        self._key_label,
                        tuple(key_names(plan)),
                        f"{prefix}__vkey_{side}",
                        per_key=True,
                    )
                )
        if any(s.uniques for s in self._sides.values()) and store is None:
            raise UsageError("uniqueness across chunks needs a result store")
        self._aggregate = self._aggregate_columns(aggregate)
        self._partials: dict[str, dict[str, dict[str, Any]]] = {side: {} for side in self.sides}

    @property
    def has_schema(self) -> bool:
        return any(s.schema is not None for s in self._sides.values())

    def rows(self, side: str) -> int:
        """Rows fed so far for `side` (NULL-key rows are never fed)."""
        return self._sides[side].rows

    def duplicated_keys(self, side: str) -> int:
        """Distinct normalized keys found more than once on `side` (complete after `finish`)."""
        return self._sides[side].duplicated_keys

    # --- setup ---

    def _setup_side(self, side: str, schema: DataFrameSchema | None) -> None:
        state = self._sides[side]
        if schema is None:
            return
        names = [name for name, _, _ in view_columns(self.plan, side)]
        for name, column in schema.columns.items():
            if getattr(column, "regex", False) or not getattr(column, "required", True):
                continue
            if name not in names:
                why = self._why_missing(name, side)
                raise ColumnError(
                    f"{self._schema_label(side)} names column {name!r}, which {why}",
                    hint=f"columns checked: {', '.join(names)}",
                )
        chunk_schema = schema
        unique_columns = [name for name, c in schema.columns.items() if getattr(c, "unique", False)]
        if unique_columns:
            chunk_schema = chunk_schema.update_columns({n: {"unique": False} for n in unique_columns})
        for n, name in enumerate(unique_columns):
            state.uniques.append(_Unique(FIELD_UNIQUENESS, name, (name,), f"{self.prefix}__vuniq{n}_{side}"))
        frame_unique = schema.unique
        if frame_unique:
            columns = (frame_unique,) if isinstance(frame_unique, str) else tuple(frame_unique)
            missing = [c for c in columns if c not in names]
            if missing:
                raise ColumnError(
                    f"{self._schema_label(side)}'s unique names column {missing[0]!r}, which "
                    f"{self._why_missing(missing[0], side)}"
                )
            chunk_schema = copy.deepcopy(chunk_schema)
            chunk_schema.unique = None
            state.uniques.append(
                _Unique(
                    MULTIPLE_FIELDS_UNIQUENESS,
                    None,
                    columns,
                    f"{self.prefix}__vuniqf_{side}",
                )
            )
        state.schema = schema
        state.chunk_schema = chunk_schema

    def _schema_label(self, side: str) -> str:
        return "the schema" if len(self.sides) == 1 else f"the {side} schema"

    def _why_missing(self, name: str, side: str) -> str:
        lowered = name.lower()
        others = self.plan.only_left if side == "left" else self.plan.only_right
        if any(c.lower() == lowered for c in others):
            return f"the {side} side has but the other side lacks, so it is not read"
        for _, _, pair in view_columns(self.plan, side):
            if pair.name.lower() == lowered or _side_column(pair, side).name.lower() == lowered:
                return f"is spelled {_side_column(pair, side).name!r} on the {side} side"
        if len(self.sides) == 1:
            return "the table does not have (or --exclude/--columns leave out)"
        return "is not compared (missing, excluded, or outside --columns)"

    def _aggregate_columns(self, names: Sequence[str]) -> list[tuple[str, dict[str, str], ColumnPlan]]:
        columns = [(p, i, True) for i, p in enumerate(self.plan.key)]
        columns += [(p, j, False) for j, p in enumerate(self.plan.columns)]
        out = []
        for name in names:
            # Exactly, else ignoring case when that is unambiguous (as every column name resolves).
            found = find_named(name, columns, lambda c: (c[0].name, c[0].right.name))
            if len(found) != 1:
                shown = " and ".join(repr(c[0].name) for c in found)
                why = f"is ambiguous: it matches {shown} only ignoring case" if found else "is not compared"
                raise ColumnError(
                    f"--aggregate names column {name!r}, which {why}",
                    hint="columns: " + ", ".join(p.name for p in self.plan.all_pairs),
                )
            pair, index, is_key = found[0]
            internal = {side: (f"k{index}" if is_key else f"n{index}{SUFFIX[side]}") for side in self.sides}
            out.append((pair.name, internal, pair))
        return out

    # --- per chunk ---

    def feed(self, side: str, prepared: pl.DataFrame, duplicates: pl.DataFrame | None = None) -> None:
        """Check one chunk of one side (`prepared` as `compare.prepare_side` returns it).

        `duplicates` is the chunk's `compare.split_duplicates` result when the caller has it.
        """
        state = self._sides[side]
        with self._lock:
            state.rows += prepared.height
        keys = key_names(self.plan)
        raw_keys = [f"rk{i}{SUFFIX[side]}" for i in range(len(keys))]
        if not self._global_keys:
            if duplicates is None:
                duplicates = split_duplicates(prepared, self.plan, side)[1]
            if duplicates.height:
                self._record_duplicate_keys(side, duplicates)
        view = None
        if state.schema is not None or any(u.check != KEY_UNIQUE for u in state.uniques):
            view = view_frame(prepared, self.plan, side)
        for unique in state.uniques:
            assert self.store is not None
            if unique.check == KEY_UNIQUE:
                values = prepared.select(
                    [pl.col(k).alias(f"u{i}") for i, k in enumerate(keys)]
                    + [pl.col(k) for k in keys]
                    + [pl.col(r).alias(f"rk{i}") for i, r in enumerate(raw_keys)]
                )
            else:
                assert view is not None
                values = pl.concat(
                    [
                        view.select([pl.col(c).alias(f"u{i}") for i, c in enumerate(unique.sources)]),
                        prepared.select(
                            [pl.col(k) for k in keys]
                            + [pl.col(r).alias(f"rk{i}") for i, r in enumerate(raw_keys)]
                        ),
                    ],
                    how="horizontal",
                )
            self.store.append(unique.table, values)
        if state.schema is not None:
            assert view is not None
            self._check_schema(side, state, prepared, view)
        if self._aggregate:
            partial = {
                name: _chunk_aggregate(prepared.get_column(internal[side]), pair.choice.normalizer)
                for name, internal, pair in self._aggregate
            }
            with self._lock:
                merged = self._partials[side]
                for name, stats in partial.items():
                    merged[name] = _merge_aggregate(merged.get(name), stats)

    def _record_duplicate_keys(self, side: str, dups: pl.DataFrame) -> None:
        keys = key_names(self.plan)
        rows = int(dups.get_column("count").sum())
        with self._lock:
            self._sides[side].duplicated_keys += dups.height
        head = dups.sort(keys, nulls_last=False).head(self.limit) if self.limit else dups.head(0)
        examples = [
            (
                _token(row[k] for k in keys),
                {"key": self._raw_key(row, [f"rk{i}" for i in range(len(keys))]), "value": int(row["count"])},
            )
            for row in frame_rows(head)
        ]
        self._add(side, self._key_label, KEY_UNIQUE, rows, examples)

    def _encode(self, side: str, column: str | None, value: Any) -> Any:
        """A view value in the report: like every value, but integers stay JSON numbers however large
        (wide integers reach the view as Decimal(38, 0)); a whole row (`column` None) field by field."""
        if isinstance(value, Mapping) and column not in self._integer_columns[side]:
            return {str(k): self._encode(side, str(k), v) for k, v in value.items()}
        if column in self._integer_columns[side]:
            return _integral(value)
        return encode_value(value)

    def _raw_key(self, row: Mapping[str, Any], raw: Sequence[str]) -> dict[str, Any]:
        return {p.name: encode_value(row[r]) for p, r in zip(self.plan.key, raw, strict=True)}

    def _add(
        self,
        side: str,
        column: str | None,
        check: str,
        count: int,
        examples: Sequence[tuple[tuple[Any, ...], dict[str, Any]]],
    ) -> None:
        with self._lock:
            failure = self._failures.setdefault((side, column, check), _Failure())
            failure.add(count, examples, self.limit)

    def _check_schema(self, side: str, state: _Side, prepared: pl.DataFrame, view: pl.DataFrame) -> None:
        schema = state.chunk_schema
        assert schema is not None
        with state.lock:
            if not state.ready:
                # An empty frame of the same dtypes shows every problem of fit before any data does.
                errors = _run_pandera(schema, view.head(0))
                if errors is not None:
                    self._raise_config(side, errors)
                state.ready = True
            errors = _run_pandera(schema, view)
        if errors is None:
            return
        self._raise_config(side, errors)
        cases = errors.failure_cases
        assert isinstance(cases, pl.DataFrame)
        keys = key_names(self.plan)
        raw = [f"rk{i}{SUFFIX[side]}" for i in range(len(keys))]
        base = prepared.select(keys + raw)
        # A frame-wide check names the schema in `column`: it belongs to no column.
        cases = cases.with_columns(
            pl.when(pl.col("schema_context") == "DataFrameSchema")
            .then(None)
            .otherwise("column")
            .alias("column")
        )
        for (column, check), group in cases.group_by(["column", "check"], maintain_order=True):
            indexed = group.filter(pl.col("index").is_not_null())
            unindexed = group.filter(pl.col("index").is_null())
            if unindexed.height:
                # A check that judged the chunk as a whole (no row to point at).
                examples = [((), {"key": {}, "value": v}) for v in unindexed.get_column("failure_case")]
                self._add(side, column, str(check), unindexed.height, examples[: self.limit])
            if not indexed.height:
                continue
            index = indexed.get_column("index").unique().cast(pl.Int64).sort()
            examples = []
            if self.limit:
                rows = base.with_columns(
                    view.get_column(column).alias("__v")
                    if column in view.columns
                    else pl.lit(None).alias("__v")
                ).select(pl.all().gather(index))
                if column not in view.columns:
                    # A frame-wide check: show the whole row under the side's names.
                    rows = rows.with_columns(
                        pl.Series("__v", view.select(pl.struct(pl.all())).to_series().gather(index))
                    )
                rows = rows.sort(keys + raw, nulls_last=False).head(self.limit)
                examples = [
                    (
                        _token([*(row[k] for k in keys), *(row[r] for r in raw)]),
                        {"key": self._raw_key(row, raw), "value": self._encode(side, column, row["__v"])},
                    )
                    for row in frame_rows(rows)
                ]
            self._add(side, column, str(check), index.len(), examples)

    def _raise_config(self, side: str, errors: Any) -> None:
        for error in getattr(errors, "schema_errors", ()):
            reason = getattr(error.reason_code, "value", str(error.reason_code))
            if reason in _CONFIG_REASONS:
                raise ConfigError(
                    f"{self._schema_label(side)} does not fit the data: {_first_line(error)}",
                    hint=_config_hint(reason),
                )

    # --- the end ---

    def finish(
        self,
        *,
        rows_counted: Mapping[str, int | None] | None = None,
        null_keys: Mapping[str, tuple[int, Sequence[Mapping[str, Any]]]] | None = None,
    ) -> tuple[Validation, dict[str, Any]]:
        """Merge everything into a `Validation`, plus stats (aggregates) for `TableResult.stats`.

        `rows_counted`: each side's COUNT(*) from planning; `null_keys`: each side's count of rows
        with a NULL key and some of their keys (mappings from key name to encoded value).
        """
        rows_counted = rows_counted or {}
        null_keys = null_keys or {}
        totals = {}
        for side in self.sides:
            nulls, null_examples = null_keys.get(side, (0, ()))
            if nulls:
                examples = [((), {"key": dict(k), "value": None}) for k in list(null_examples)[: self.limit]]
                self._add(side, self._key_label, KEY_NOT_NULL, nulls, examples)
            for unique in self._sides[side].uniques:
                self._finish_unique(side, unique)
            read = self._sides[side].rows + nulls
            totals[side] = read
            counted = rows_counted.get(side)
            if counted is not None and counted != read:
                example = {"key": {}, "value": {"counted": counted, "read": read}}
                self._add(side, None, ROW_COUNT, abs(counted - read), [((), example)])
        stats: dict[str, Any] = {}
        if len(self.sides) == 2 and totals["left"] != totals["right"]:
            example = {"key": {}, "value": {"left": totals["left"], "right": totals["right"]}}
            self._add(BOTH, None, ROW_COUNT_EQUAL, abs(totals["left"] - totals["right"]), [((), example)])
        if self._aggregate:
            stats["aggregates"] = self._finish_aggregates()
        order = {"left": 0, "right": 1, BOTH: 2}
        failures = []
        for (side, column, check), failure in sorted(
            self._failures.items(), key=lambda item: (order.get(item[0][0], 3), item[0][1] or "", item[0][2])
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
        return Validation(passed=not failures, failures=tuple(failures)), stats

    def checks_run(self) -> list[tuple[str, str | None, str]]:
        """Every check this validator runs, as failures name them: (side, column, check)."""
        out: list[tuple[str, str | None, str]] = []
        for side in self.sides:
            out += [(side, self._key_label, KEY_NOT_NULL), (side, self._key_label, KEY_UNIQUE)]
            out.append((side, None, ROW_COUNT))
            schema = self._sides[side].schema
            if schema is not None:
                for name, column in schema.columns.items():
                    if not getattr(column, "nullable", True):
                        out.append((side, name, "not_nullable"))
                    out += [(side, name, _check_label(check)) for check in column.checks]
                    if getattr(column, "unique", False):
                        out.append((side, name, FIELD_UNIQUENESS))
                out += [(side, None, _check_label(check)) for check in schema.checks]
                if schema.unique:
                    out.append((side, None, MULTIPLE_FIELDS_UNIQUENESS))
        if len(self.sides) == 2:
            out.append((BOTH, None, ROW_COUNT_EQUAL))
            for name, _, _ in self._aggregate:
                out += [(BOTH, name, f"aggregate_{stat}") for stat in AGGREGATES]
        return out

    def _finish_unique(self, side: str, unique: _Unique) -> None:
        assert self.store is not None
        if not self.store.exists(unique.table):
            return
        n_values = len(unique.sources)
        keys = key_names(self.plan)
        values = ", ".join(f"u{i}" for i in range(n_values))
        dup_groups = (
            f'SELECT {values}, COUNT(*) AS n FROM "{unique.table}" GROUP BY {values} HAVING COUNT(*) > 1'
        )
        batches = list(
            self.store.query_batches(
                f"SELECT COALESCE(SUM(n), 0) AS rows, COUNT(*) AS groups FROM ({dup_groups})", 10
            )
        )
        counted = pl.from_arrow(batches) if batches else None
        assert counted is None or isinstance(counted, pl.DataFrame)
        rows = int(counted.item(0, "rows")) if counted is not None and counted.height else 0
        if not rows:
            return
        if unique.check == KEY_UNIQUE:
            assert counted is not None
            with self._lock:
                self._sides[side].duplicated_keys += int(counted.item(0, "groups"))
        raw = [f"rk{i}" for i in range(len(keys))]
        examples: list[tuple[tuple[Any, ...], dict[str, Any]]] = []
        if self.limit and unique.per_key:
            first_raw = ", ".join(f"MIN({r}) AS {r}" for r in raw)
            sql = (
                f'SELECT {", ".join(keys)}, COUNT(*) AS n, {first_raw} FROM "{unique.table}" '
                f"GROUP BY {', '.join(keys)} HAVING COUNT(*) > 1 "
                f"ORDER BY {', '.join(f'{k} NULLS FIRST' for k in keys)} LIMIT {self.limit}"
            )
            for row in self._rows(sql):
                example = {"key": self._raw_key(row, raw), "value": int(row["n"])}
                examples.append((_token(row[k] for k in keys), example))
        elif self.limit:
            match = " AND ".join(f"t.u{i} IS NOT DISTINCT FROM d.u{i}" for i in range(n_values))
            sql = (
                f'SELECT t.* FROM "{unique.table}" t JOIN ({dup_groups}) d ON {match} '
                f"ORDER BY {', '.join(f't.{k} NULLS FIRST' for k in [*keys, *raw])} LIMIT {self.limit}"
            )
            for row in self._rows(sql):
                if n_values == 1:
                    value = self._encode(side, unique.sources[0], row["u0"])
                else:
                    value = {c: self._encode(side, c, row[f"u{i}"]) for i, c in enumerate(unique.sources)}
                examples.append(
                    (
                        _token([*(row[k] for k in keys), *(row[r] for r in raw)]),
                        {"key": self._raw_key(row, raw), "value": value},
                    )
                )
        self._add(side, unique.column, unique.check, rows, examples)

    def _rows(self, sql: str) -> list[dict[str, Any]]:
        assert self.store is not None
        batches = list(self.store.query_batches(sql, max(self.limit, 1)))
        if not batches:
            return []
        frame = pl.from_arrow(batches)
        assert isinstance(frame, pl.DataFrame)
        return list(frame_rows(frame))

    def _finish_aggregates(self) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for name, _, pair in self._aggregate:
            per_side = {side: self._partials[side].get(name) or _empty_aggregate() for side in self.sides}
            # Decimals are written at one scale, whatever the chunks held: the larger of the
            # declared scales and the most fractional digits any value of either side had.
            scale = max(
                [c.scale for c in (pair.left, pair.right) if c.scale is not None]
                + [int(values.pop("scale", 0)) for values in per_side.values()]
            )

            integer = pair.choice.normalizer == "integer"

            def encode(value: Any, scale: int = scale, integer: bool = integer) -> Any:
                return _encode_aggregate(value, scale, integer)

            out[name] = {side: {k: encode(v) for k, v in values.items()} for side, values in per_side.items()}
            if len(self.sides) != 2:
                continue
            left, right = per_side["left"], per_side["right"]
            for stat in AGGREGATES:
                if stat not in left and stat not in right:
                    continue
                a, b = left.get(stat), right.get(stat)
                if not _same(a, b, pair.choice.normalizer == "float" and stat == "sum"):
                    example = {
                        "key": {},
                        "value": {"left": encode(a), "right": encode(b)},
                    }
                    self._add(BOTH, name, f"aggregate_{stat}", 1, [((), example)])
        return out


def _check_label(check: Any) -> str:
    """A pandera check as its failures name it: `greater_than_or_equal_to(0)`, or its name."""
    return str(getattr(check, "error", None) or getattr(check, "name", None) or check)


def _run_pandera(schema: DataFrameSchema, frame: pl.DataFrame) -> Any:
    """pandera's SchemaErrors for `frame`, or None; depth pinned per call, never via globals."""
    import pandera.polars as pa
    from pandera.config import ValidationDepth, config_context

    with config_context(validation_enabled=True, validation_depth=ValidationDepth.SCHEMA_AND_DATA):
        try:
            schema.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as exc:
            return exc
        except (pa.errors.SchemaError, pa.errors.SchemaDefinitionError) as exc:
            raise ConfigError(f"the schema cannot be applied: {_first_line(exc)}") from None
    return None


def _config_hint(reason: str) -> str:
    return {
        "wrong_dtype": "declare the normalized value's dtype (see docs/validation.md), or set coerce: true",
        "column_not_in_dataframe": "check the column names, or mark the column required: false",
        "column_not_in_schema": "the schema is strict: list every compared column, or drop strict",
        "check_error": "a check does not apply to this column's dtype",
    }.get(reason, "see docs/validation.md")


# --- aggregates -------------------------------------------------------------------------------


def _integral(value: Any) -> Any:
    """An integer column's value: a whole Decimal (a wide integer) as an int, the JSON number."""
    if isinstance(value, decimal.Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    return encode_value(value)


def _encode_aggregate(value: Any, scale: int, integer: bool = False) -> Any:
    """An aggregate as the report holds it: decimals at the column's `scale`, however the chunks
    fell; an integer column's values as JSON numbers however large."""
    if integer:
        return _integral(value)
    if isinstance(value, decimal.Decimal):
        return _decimal_text(value, scale)
    return encode_value(value)


def _empty_aggregate() -> dict[str, Any]:
    return {"count": 0}


_DECIMAL_TEXT = r"^-?\d+(\.\d+)?$"


def _chunk_aggregate(series: pl.Series, normalizer: str) -> dict[str, Any]:
    """count (non-NULL), sum (numbers), min and max of one chunk's normalized values."""
    values = series.drop_nulls()
    out: dict[str, Any] = {"count": values.len()}
    if values.is_empty():
        return out
    dtype = values.dtype
    if normalizer == "decimal" and dtype == pl.String:
        numbers = values.filter(values.str.contains(_DECIMAL_TEXT))
        if numbers.is_empty():
            return out
        scale = numbers.str.split(".").list.get(1, null_on_oob=True).str.len_chars().max() or 0
        try:
            out["scale"] = int(scale)
            exact = numbers.cast(pl.Decimal(38, int(scale)), strict=True)
            out.update(sum=exact.sum(), min=exact.min(), max=exact.max())
        except (pl.exceptions.PolarsError, ArithmeticError):
            # Beyond 38 digits: Python's decimals are exact at any size.
            parsed = [decimal.Decimal(v) for v in numbers.to_list()]
            out.update(sum=_exact_sum(parsed), min=min(parsed), max=max(parsed))
        return out
    if dtype.is_integer():
        out.update(sum=int(values.cast(pl.Int128).sum()), min=values.min(), max=values.max())
    elif isinstance(dtype, pl.Decimal):
        out.update(sum=values.sum(), min=values.min(), max=values.max())
    elif dtype.is_float():
        out.update(sum=float(values.sum()), min=values.min(), max=values.max())
    elif dtype == pl.Boolean:
        out.update(sum=int(values.cast(pl.Int64).sum()), min=values.min(), max=values.max())
    else:
        with contextlib.suppress(pl.exceptions.PolarsError):
            out.update(min=values.min(), max=values.max())
    return out


def _merge_aggregate(a: Mapping[str, Any] | None, b: Mapping[str, Any]) -> dict[str, Any]:
    if a is None:
        return dict(b)
    out = {"count": a.get("count", 0) + b.get("count", 0)}
    if "scale" in a or "scale" in b:
        out["scale"] = max(a.get("scale", 0), b.get("scale", 0))
    if "sum" in a or "sum" in b:
        parts = [v for v in (a.get("sum"), b.get("sum")) if v is not None]
        if len(parts) == 2 and isinstance(parts[0], decimal.Decimal) != isinstance(parts[1], decimal.Decimal):
            parts = [decimal.Decimal(str(p)) for p in parts]
        out["sum"] = _add(parts[0], parts[1]) if len(parts) == 2 else parts[0]
    for stat, pick in (("min", min), ("max", max)):
        found = [v for v in (a.get(stat), b.get(stat)) if v is not None]
        if found:
            out[stat] = pick(found)
    return out


def _add(a: Any, b: Any) -> Any:
    """a + b; decimals exactly, at any number of digits."""
    if isinstance(a, decimal.Decimal) and isinstance(b, decimal.Decimal):
        return _exact_sum((a, b))
    return a + b


def _exact_sum(values: Iterable[decimal.Decimal]) -> decimal.Decimal:
    """The exact sum of finite decimals, as scaled integers (no context, so no rounding)."""
    total, exponent = 0, 0
    for value in values:
        sign, digits, exp = value.as_tuple()
        assert isinstance(exp, int), "only finite decimals are summed"
        number = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
        if exp < exponent:
            total *= 10 ** (exponent - exp)
            exponent = exp
        total += number * 10 ** (exp - exponent)
    return decimal.Decimal(f"{total}E{exponent}")


def _decimal_text(value: decimal.Decimal, scale: int) -> str:
    """Exact text with `scale` fractional digits (more only when the value needs them)."""
    if not value.is_finite():
        return str(encode_value(value))
    text = format(value, "f")
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0").ljust(scale, "0")
    if whole == "-0" and not fraction.strip("0"):
        whole = "0"
    return f"{whole}.{fraction}" if fraction else whole


def _same(a: Any, b: Any, approximate: bool) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        if math.isinf(a) or math.isinf(b):
            return a == b  # same-signed infinities only
    if approximate:
        # Float sums depend on the order of addition, and each side chunks in its own order.
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    return bool(a == b)


# --- infer-schema -----------------------------------------------------------------------------


@dataclass
class _Profile:
    """What one column held across all chunks."""

    dtype: pl.DataType
    nulls: int = 0
    count: int = 0
    minimum: Any = None
    maximum: Any = None
    values: set[Any] | None = field(default_factory=set)
    unbounded: bool = False  # NaN or an infinity seen: no range holds every value


def _orderable(dtype: pl.DataType) -> bool:
    return (
        dtype.is_numeric()
        or isinstance(dtype, (pl.Decimal, pl.Datetime, pl.Duration))
        or dtype in (pl.Date, pl.Time)
    )


def _schema_yaml(schema: DataFrameSchema) -> str:
    """pandera's YAML for `schema`, written as UTF-8 text: `Zürich`, not `"Z\\xFCrich"`."""
    import yaml
    from pandera.io.polars_io import serialize_schema

    return str(yaml.safe_dump(serialize_schema(schema), sort_keys=False, allow_unicode=True))


def view_frame_dtype(plan: DiffPlan, name: str) -> pl.DataType:
    """A column's view dtype when no chunk held rows to show it (an empty table)."""
    for column_name, _, pair in view_columns(plan, "left"):
        if column_name == name and pair.choice.normalizer == "decimal":
            return _decimal_view_dtype(pair)
    return pl.String()


def _profile_chunk(series: pl.Series, max_values: int) -> dict[str, Any]:
    values = series.drop_nulls()
    stats: dict[str, Any] = {"nulls": series.null_count(), "count": values.len()}
    if values.is_empty():
        return stats
    if series.dtype.is_float():
        # pandera treats NaN as NULL (a NOT NULL column fails on it), and no in_range holds NaN
        # or an infinity: count NaN as NULL and leave the range out.
        nans = int(values.is_nan().sum())
        stats["nulls"] += nans
        stats["count"] -= nans
        finite = values.filter(values.is_finite())
        stats["unbounded"] = finite.len() < values.len()
        values = finite
    if _orderable(series.dtype) and not values.is_empty():
        stats["min"], stats["max"] = values.min(), values.max()
    if series.dtype == pl.String:
        distinct = values.unique()
        stats["values"] = set(distinct.to_list()) if distinct.len() <= max_values else None
    return stats


def _merge_profile(profile: _Profile, stats: Mapping[str, Any], max_values: int) -> None:
    profile.nulls += stats["nulls"]
    profile.count += stats["count"]
    profile.unbounded = profile.unbounded or bool(stats.get("unbounded"))
    for key, pick in (("min", min), ("max", max)):
        if stats.get(key) is not None:
            current = profile.minimum if key == "min" else profile.maximum
            chosen = stats[key] if current is None else pick(current, stats[key])
            if key == "min":
                profile.minimum = chosen
            else:
                profile.maximum = chosen
    if "values" in stats and profile.values is not None:
        if stats["values"] is None:
            profile.values = None
        else:
            profile.values |= stats["values"]
            if len(profile.values) > max_values:
                profile.values = None


def _inferred_checks(profile: _Profile, dtype: pl.DataType) -> list[Any]:
    import pandera.polars as pa

    checks = []
    if profile.values:
        checks.append(pa.Check.isin(sorted(profile.values)))
    low, high = profile.minimum, profile.maximum
    if profile.unbounded or low is None or high is None or isinstance(dtype, pl.Duration) or dtype == pl.Time:
        return checks  # pandera's YAML writer cannot store durations or times
    if isinstance(low, decimal.Decimal):
        low, high = math.floor(low), math.ceil(high)
    if isinstance(low, dt.datetime):
        # pandera writes datetimes at second precision: widen so the data passes its own schema.
        low = low.replace(microsecond=0)
        high = high.replace(microsecond=0) + dt.timedelta(seconds=1) if high.microsecond else high
    checks.append(pa.Check.in_range(low, high))
    return checks
