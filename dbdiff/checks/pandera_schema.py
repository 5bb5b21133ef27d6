"""pandera_schema: each side's pandera schema, run on the view of every chunk.

A schema that names a column the view lacks, or whose dtype or check can't apply, is a
`ConfigError` (exit code 2): the schema doesn't fit the table, which is not a data failure.
Uniqueness (a column's `unique: true`, a schema's `unique: [a, b]`) must hold across chunks, so
pandera checks each chunk without it and the values go to the store, grouped once at the end.
"""

from __future__ import annotations

import copy
import functools
import itertools
import operator
import re
import threading
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from dbdiff.checks.base import (
    BOTH,
    FIELD_UNIQUENESS,
    MULTIPLE_FIELDS_UNIQUENESS,
    Check,
    CheckSetup,
    Chunk,
    End,
    Failed,
    Found,
    register_check,
)
from dbdiff.checks.spec import first_line
from dbdiff.checks.uniqueness import StoredUnique
from dbdiff.checks.view import view_columns
from dbdiff.errors import ColumnError, ConfigError
from dbdiff.values import is_pattern_name

if TYPE_CHECKING:
    from pandera.api.polars.container import DataFrameSchema

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

# pandera validates one chunk of a side at a time, as it always has in dbdiff (its backends don't
# promise thread safety). Locks of the module, not of the check, so a check can go to a process.
_VALIDATING = {"left": threading.Lock(), "right": threading.Lock()}


@dataclass(frozen=True)
class _SideSchema:
    schema: DataFrameSchema  # as the checks run and their failures name its columns
    chunk_schema: DataFrameSchema  # `schema` without its uniqueness (checked across chunks)
    uniques: tuple[StoredUnique, ...]
    #: User name -> the plain name pandera sees it under, when a name is one polars reads as a
    #: pattern ("*", "^...$"); empty when pandera sees the user's names.
    plain: dict[str, str]


def _plain_names(schema: DataFrameSchema, names: list[str], label: str) -> dict[str, str]:
    """User name -> a plain name for pandera, for each column name polars reads as a pattern:
    pandera would check a column "*" as every column, and a column named "^x$" as column x
    (`_expanded` expands the schema's regex columns and takes the plain names). Every other name stays.
    A frame-wide check reports whole rows under their column names: such a schema is refused."""
    needing = [n for n in names if is_pattern_name(n)]
    if "*" in schema.columns and "*" not in needing and not getattr(schema.columns["*"], "regex", False):
        needing.append("*")  # an optional "*" the table lacks: pandera would still select every column
    if not needing:
        return {}
    if schema.checks:
        raise ConfigError(
            f"{label} cannot be checked: pandera would read the column name {needing[0]!r} as a "
            "pattern, and the schema's frame-wide checks report rows by their column names",
            hint="move the frame-wide checks to a schema of their own, or check those columns one by one",
        )
    taken, plain = {*names, *schema.columns}, {}
    for name in needing:
        plain[name] = next(p for i in itertools.count() if (p := f"__dbdiff_column{i}__") not in taken)
        taken.add(plain[name])
    return plain


class _Overlap(Exception):
    """Two regex columns of a schema govern one table column (pandera applies both)."""

    def __init__(self, message: str, hint: str) -> None:
        super().__init__(message)
        self.hint = hint


def _unique_groups(unique: Any) -> list[tuple[str, ...]]:
    """A schema's `unique`: a column name, a list of names, or a list of such lists."""
    if isinstance(unique, str):
        return [(unique,)]
    if all(isinstance(group, (list, tuple)) for group in unique):
        return [tuple(group) for group in unique]
    return [tuple(unique)]


def _expanded(
    schema: DataFrameSchema, names: list[str], label: str, plain: dict[str, str] | None = None
) -> DataFrameSchema:
    """`schema` without regex columns: each becomes a column for every name it governs
    (`_regex_matches`), as pandera expands it, so that pandera never selects by pattern; every
    column under its name in `plain` when it has one there."""
    plain = plain or {}
    columns: dict[str, Any] = {}
    source: dict[str, str] = {}
    for name, column in schema.columns.items():
        targets = [name]
        if getattr(column, "regex", False):
            targets = _regex_matches(schema, name, names)
            if not targets and getattr(column, "required", True):
                raise ColumnError(f"{label} names columns matching {name!r}, and no column checked does")
        for target in targets:
            if target in source:
                raise _Overlap(
                    f"its columns {source[target]!r} and {name!r} both govern column {target!r}, "
                    "and the table has a column name pandera reads as a pattern",
                    "let one schema column govern each table column",
                )
            one = copy.deepcopy(column)
            one.set_name(plain.get(target, target))
            one.regex = False  # after set_name, which takes a "^...$" name for a regex
            columns[one.name], source[target] = one, name
    expanded = copy.deepcopy(schema)
    expanded.columns = columns
    return expanded


def _regex_matches(schema: DataFrameSchema, regex: str, names: list[str]) -> list[str]:
    """The view's columns a regex column of `schema` governs, by pandera's rule: beside columns
    the schema declares by name, the names the regex matches whole (`re.fullmatch`) except those
    declared ones; otherwise, or when it matches none of them whole, what polars selects with it."""
    explicit = {n for n, c in schema.columns.items() if not getattr(c, "regex", False)}
    try:
        if explicit:
            whole = [n for n in names if re.fullmatch(regex, n)]
            if whole:
                return [n for n in whole if n not in explicit]
        selector = getattr(schema.columns[regex], "selector", regex)  # "x" with regex: true is "^x$"
        return pl.DataFrame(schema=dict.fromkeys(names, pl.Null)).select(pl.col(selector)).columns
    except (re.error, pl.exceptions.PolarsError) as exc:
        raise ConfigError(f"the schema's column regex {regex!r} cannot be applied: {exc}") from None


@register_check("pandera_schema")
def pandera_schema(setup: CheckSetup) -> PanderaSchema | None:
    """On when a side has a schema; a schema that names a column the run can't check fails here."""
    check = PanderaSchema(setup)
    return check if check.schemas else None


class PanderaSchema(Check):
    def __init__(self, setup: CheckSetup) -> None:
        self.setup = setup
        self.schemas: dict[str, _SideSchema] = {}
        for side in setup.sides:
            schema = setup.schema(side)
            if schema is not None:
                self.schemas[side] = self._side_schema(side, schema)

    def _side_schema(self, side: str, schema: DataFrameSchema) -> _SideSchema:
        setup = self.setup
        names = [name for name, _, _ in view_columns(setup.plan, side)]
        dropping = [n for n, c in schema.columns.items() if getattr(c, "drop_invalid_rows", False)]
        if dropping or getattr(schema, "drop_invalid_rows", False):
            # pandera would drop the failing rows and pass: a validation would hide what it found.
            where = f"column {dropping[0]!r}" if dropping else "the schema"
            raise ConfigError(
                f"{setup.schema_label(side)} sets drop_invalid_rows on {where}: its failing rows "
                "would be dropped unreported",
                hint="remove drop_invalid_rows: dbdiff reports every row that fails a check",
            )
        for name, column in schema.columns.items():
            if getattr(column, "regex", False) or not getattr(column, "required", True):
                continue
            if name not in names:
                why = self._why_missing(name, side)
                raise ColumnError(
                    f"{setup.schema_label(side)} names column {name!r}, which {why}",
                    hint=f"columns checked: {', '.join(names)}",
                )
        chunk_schema = schema
        uniques = []
        unique_columns = [name for name, c in schema.columns.items() if getattr(c, "unique", False)]
        if unique_columns:
            chunk_schema = chunk_schema.update_columns({n: {"unique": False} for n in unique_columns})
        # A regex column's uniqueness holds for each column it governs (infer-schema writes a key
        # named "^x$" as the regex of that name).
        # (an optional column the table lacks has nothing to hold unique)
        governed = [
            column
            for name in unique_columns
            for column in (
                _regex_matches(schema, name, names)
                if getattr(schema.columns[name], "regex", False)
                else [name]
            )
            if column in names
        ]
        for n, name in enumerate(dict.fromkeys(governed)):
            uniques.append(StoredUnique(FIELD_UNIQUENESS, name, (name,), f"{setup.prefix}__vuniq{n}_{side}"))
        if schema.unique:
            for k, columns in enumerate(_unique_groups(schema.unique)):
                missing = [c for c in columns if c not in names]
                if missing:
                    raise ColumnError(
                        f"{setup.schema_label(side)}'s unique names column {missing[0]!r}, which "
                        f"{self._why_missing(missing[0], side)}"
                    )
                table = f"{setup.prefix}__vuniqf{k or ''}_{side}"
                uniques.append(StoredUnique(MULTIPLE_FIELDS_UNIQUENESS, None, columns, table))
            chunk_schema = copy.deepcopy(chunk_schema)
            chunk_schema.unique = None
        label = setup.schema_label(side)
        plain = _plain_names(chunk_schema, names, label)
        listed = schema
        if plain or any(getattr(c, "regex", False) for c in schema.columns.values()):
            # Expanded, a regex column's failures name the columns they are in (pandera names
            # the regex, and its rows could not be shown); two regexes governing one column stay
            # pandera's to apply, except where names must be renamed. pandera sees plain names;
            # the checks run and their failures are the user's columns.
            try:
                listed = _expanded(schema, names, label)
                chunk_schema = _expanded(chunk_schema, names, label, plain)
            except _Overlap as exc:
                if plain:
                    raise ConfigError(f"{label} cannot be checked: {exc}", hint=exc.hint) from None
        return _SideSchema(listed, chunk_schema, tuple(uniques), plain)

    def _why_missing(self, name: str, side: str) -> str:
        plan = self.setup.plan
        lowered = name.lower()
        others = plan.only_left if side == "left" else plan.only_right
        if any(c.lower() == lowered for c in others):
            return f"the {side} side has but the other side lacks, so it is not read"
        for _, _, pair in view_columns(plan, side):
            if pair.name.lower() == lowered or pair.on(side).name.lower() == lowered:
                return f"is spelled {pair.on(side).name!r} on the {side} side"
        if len(self.setup.sides) == 1:
            return "the table does not have (or --exclude/--columns leave out)"
        return "is not compared (missing, excluded, or outside --columns)"

    # --- per chunk ---

    def feed(self, chunk: Chunk) -> Found | None:
        state = self.schemas.get(chunk.side)
        if state is None:
            return None
        # pandera coerces all columns or none: one value it cannot coerce would leave every
        # coerced column uncoerced and their checks failing or erroring. Such a value fails its
        # own column's coercion; pandera sees NULL in its place (the column's own checks pass over
        # it; a frame-wide check sees the NULL), and the uniqueness checks leave its row out.
        try:
            coerced, uncoercible = _coerced(state.schema, chunk.view)
        except _NoCast as exc:
            raise self._cannot_coerce(chunk.side, str(exc)) from None
        found = Found(frames=self._unique_values(state, chunk, coerced, uncoercible))
        view = coerced
        if state.plain:
            view = view.rename({n: p for n, p in state.plain.items() if n in view.columns})
        user = {p: n for n, p in state.plain.items()}
        with _VALIDATING[chunk.side]:
            # An empty frame of the same dtypes shows every problem of fit before any data does.
            self._raise_config(chunk.side, _run_pandera(state.chunk_schema, view.head(0)), state.plain)
            errors = _run_pandera(state.chunk_schema, view)
        for name, (mask, check) in uncoercible.items():
            found.failures.append(chunk.failed_rows(name, check, mask.arg_true()))
        if errors is None:
            return found
        self._raise_config(chunk.side, errors, state.plain)
        cases = errors.failure_cases
        assert isinstance(cases, pl.DataFrame)
        if uncoercible:
            cases = _without_stand_ins(cases, [state.plain.get(n, n) for n in uncoercible], uncoercible)
        if state.plain:
            cases = cases.with_columns(pl.col("column").replace_strict(user, default=pl.col("column")))
        # A frame-wide check names the schema in `column`: it belongs to no column.
        cases = cases.with_columns(
            pl.when(pl.col("schema_context") == "DataFrameSchema")
            .then(None)
            .otherwise("column")
            .alias("column")
        )
        limit = self.setup.limit
        for (column, check), group in cases.group_by(["column", "check"], maintain_order=True):
            indexed = group.filter(pl.col("index").is_not_null())
            unindexed = group.filter(pl.col("index").is_null())
            if unindexed.height:
                # A check that judged the chunk as a whole (no row to point at).
                examples = [((), {"key": {}, "value": v}) for v in unindexed.get_column("failure_case")]
                found.failures.append(
                    Failed(chunk.side, column, str(check), unindexed.height, examples[:limit])
                )
            if indexed.height:
                index = indexed.get_column("index").unique().cast(pl.Int64).sort()
                found.failures.append(chunk.failed_rows(column, str(check), index))
        return found

    def _unique_values(
        self, state: _SideSchema, chunk: Chunk, coerced: pl.DataFrame, uncoercible: _Uncoercible
    ) -> list[tuple[str, pl.DataFrame]]:
        """Each uniqueness check's rows of this chunk, as pandera would judge them: the coerced
        values ('7' and '007' as Int64 are one value), without the rows whose value does not
        cast (they fail their coercion)."""
        frames = []
        for unique in state.uniques:
            rows = unique.values(chunk, coerced)
            lost = [uncoercible[c][0] for c in unique.sources if c in uncoercible and not unique.per_key]
            if lost:
                rows = rows.filter(~functools.reduce(operator.or_, lost))
            frames.append((unique.table, rows))
        return frames

    def _cannot_coerce(self, side: str, detail: str) -> ConfigError:
        return ConfigError(
            f"{self.setup.schema_label(side)} cannot coerce the data: {detail}",
            hint="declare the dtype the values arrive as, or one they cast to (see docs/validation.md)",
        )

    def _raise_config(self, side: str, errors: Any, plain: dict[str, str]) -> None:
        for error in getattr(errors, "schema_errors", ()):
            reason = getattr(error.reason_code, "value", str(error.reason_code))
            if reason == "dtype_coercion_error":
                # A coercion `_coerced` does not read (overlapping regex columns, a schema's dtype).
                raise self._cannot_coerce(side, _in_user_names(first_line(error), plain))
            if reason in _CONFIG_REASONS:
                raise ConfigError(
                    f"{self.setup.schema_label(side)} does not fit the data: "
                    f"{_in_user_names(first_line(error), plain)}",
                    hint=_config_hint(reason),
                )

    # --- the end ---

    def finish(self, end: End) -> Iterable[Failed]:
        for side, state in self.schemas.items():
            for unique in state.uniques:
                failed, _ = unique.finish(end, side)
                if failed is not None:
                    yield failed

    def checks_run(self, side: str) -> Iterable[tuple[str | None, str]]:
        state = self.schemas.get(side) if side != BOTH else None
        if state is None:
            return []
        schema = state.schema
        out: list[tuple[str | None, str]] = []
        for name, column in schema.columns.items():
            if not getattr(column, "nullable", True):
                out.append((name, "not_nullable"))
            coercion = _coercion(schema, column)
            if coercion is not None:
                out.append((name, coercion))
            out += [(name, _check_label(check)) for check in column.checks]
            if getattr(column, "unique", False):
                out.append((name, FIELD_UNIQUENESS))
        out += [(None, _check_label(check)) for check in schema.checks]
        if schema.unique:
            out.append((None, MULTIPLE_FIELDS_UNIQUENESS))
        return out


def _in_user_names(text: str, plain: dict[str, str]) -> str:
    """`text` of pandera's with the user's column names in place of the plain ones (in one pass)."""
    if not plain:
        return text
    user = {p: n for n, p in plain.items()}
    return re.sub("|".join(map(re.escape, user)), lambda m: user[m.group()], text)


def _check_label(check: Any) -> str:
    """A pandera check as its failures name it: `greater_than_or_equal_to(0)`, or its name."""
    return str(getattr(check, "error", None) or getattr(check, "name", None) or check)


def _coercion(schema: DataFrameSchema, column: Any) -> str | None:
    """The check a column's coercion is, as its failures name it: `coerce_dtype(Int64)`."""
    coerced = column.coerce or schema.coerce
    return f"coerce_dtype({column.dtype})" if coerced and getattr(column.dtype, "type", None) else None


#: Per column: which of its values do not cast to the dtype the schema coerces it to, and the
#: check that names that (`coerce_dtype(Int64)`).
_Uncoercible = dict[str, tuple[pl.Series, str]]


class _NoCast(Exception):
    """A column the schema coerces to a dtype its values have no cast to, whatever they hold."""


def _coerced(schema: DataFrameSchema, frame: pl.DataFrame) -> tuple[pl.DataFrame, _Uncoercible]:
    """`frame` with each column the schema coerces cast to its dtype, NULL where a value does not
    cast; and those values, per column that holds any. A column with no cast at all (polars
    casts no text to a Date, no bytes to a number) is `_NoCast`: the schema does not fit (exit
    2). pandera would say so too, but its own report of the failure reads bytes that are no
    UTF-8 as text, and crashes on them."""
    found: _Uncoercible = {}
    for name, column in schema.columns.items():
        check = _coercion(schema, column)
        if check is None or name not in frame.columns:
            continue
        values = frame.get_column(name)
        if values.dtype == column.dtype.type:
            continue
        try:
            # polars refuses a cast it has not only once a value meets it: ask with a probe value
            # too, so that a chunk of NULLs fails like any other.
            _cast(_PROBES.get(values.dtype, values.head(0)), column.dtype.type)
            cast = _cast(values, column.dtype.type)
        except pl.exceptions.PolarsError:
            raise _NoCast(
                f"column {name!r} arrives as {values.dtype}, which has no cast to {column.dtype}"
            ) from None
        bad = cast.is_null() & values.is_not_null()
        if bad.any():
            found[name] = (bad, check)
        frame = frame.with_columns(cast)
    return frame, found


#: A value of each dtype that may arrive with no cast to the dtype a schema coerces it to.
_PROBES: dict[Any, pl.Series] = {pl.String: pl.Series(["0"]), pl.Binary: pl.Series([b"0"])}


def _cast(values: pl.Series, dtype: Any) -> pl.Series:
    """`values` cast to `dtype`, NULL where a value does not cast. Bytes that are no UTF-8 fail
    polars' whole cast to text (a VARBINARY of any bytes): only those turn NULL."""
    try:
        return values.cast(dtype, strict=False)
    except pl.exceptions.ComputeError:
        if values.dtype != pl.Binary or dtype != pl.String:
            raise
    return pl.Series(values.name, [_text(v) for v in values.to_list()], dtype=pl.String)


def _text(value: bytes | None) -> str | None:
    try:
        return None if value is None else value.decode("utf-8")
    except UnicodeDecodeError:
        return None


_CELLS = {"column": pl.String, "index": pl.Int64}


def _without_stand_ins(cases: pl.DataFrame, names: list[str], uncoercible: _Uncoercible) -> pl.DataFrame:
    """pandera's failure cases without those of the NULLs standing in for uncoercible values in
    their own columns (`names`: those columns as pandera names them). A frame-wide check sees the
    NULLs and keeps what it says: which rows it read, and whether it judged rows or the whole
    chunk, its failures don't tell."""
    cells = pl.concat(
        [
            pl.DataFrame({"column": name, "index": mask.arg_true()}, schema=_CELLS)
            for name, (mask, _) in zip(names, uncoercible.values(), strict=True)
        ]
    )
    cases = cases.with_columns(pl.col("index").cast(pl.Int64))
    return cases.join(cells, on=["column", "index"], how="anti", maintain_order="left")


def _run_pandera(schema: DataFrameSchema, frame: pl.DataFrame) -> Any:
    """pandera's SchemaErrors for `frame`, or None; depth pinned per call, never via globals."""
    import pandera.polars as pa
    from pandera.config import ValidationDepth, config_context

    with config_context(validation_enabled=True, validation_depth=ValidationDepth.SCHEMA_AND_DATA):
        try:
            schema.validate(frame, lazy=True)
        except pa.errors.SchemaErrors as exc:
            return exc
        except (
            pa.errors.SchemaError,
            pa.errors.SchemaDefinitionError,
            re.error,
            pl.exceptions.InvalidOperationError,  # a column regex polars does not take
        ) as exc:
            raise ConfigError(f"the schema cannot be applied: {first_line(exc)}") from None
    return None


def _config_hint(reason: str) -> str:
    return {
        "wrong_dtype": "declare the normalized value's dtype (see docs/validation.md), or set coerce: true",
        "column_not_in_dataframe": "check the column names, or mark the column required: false",
        "column_not_in_schema": "the schema is strict: list every compared column, or drop strict",
        "check_error": "a check does not apply to this column's dtype",
    }.get(reason, "see docs/validation.md")
