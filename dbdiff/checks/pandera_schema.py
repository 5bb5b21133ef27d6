"""pandera_schema: each side's pandera schema, run on the view of every chunk.

A schema that names a column the view lacks, or whose dtype or check can't apply, is a
`ConfigError` (exit code 2): the schema doesn't fit the table, which is not a data failure.
Uniqueness (a column's `unique: true`, a schema's `unique: [a, b]`) must hold across chunks, so
pandera checks each chunk without it and the values go to the store, grouped once at the end.
"""

from __future__ import annotations

import copy
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
    schema: DataFrameSchema
    chunk_schema: DataFrameSchema  # `schema` without its uniqueness (checked across chunks)
    uniques: tuple[StoredUnique, ...]
    #: User name -> the plain name pandera sees it under, when a name is one polars reads as a
    #: pattern ("*", "^...$"); empty when pandera sees the user's names.
    plain: dict[str, str]


def _plain_names(schema: DataFrameSchema, names: list[str], label: str) -> dict[str, str]:
    """User name -> a plain name for pandera, when the view has a name polars reads as a pattern,
    or the schema declares column "*": pandera would check "*" as every column and "^x$" as
    column x, and report what they hold under the name. Empty when no name needs it.

    (A schema column named "^...$" is a regex by pandera's rule; `_renamed` matches it against
    the user's names.) A frame-wide check sees the columns by name: such a schema is refused."""
    declared = [n for n, c in schema.columns.items() if not getattr(c, "regex", False)]
    if not any(is_pattern_name(n) for n in names) and "*" not in declared:
        return {}
    if schema.checks:
        shown = next(n for n in (*names, *declared) if is_pattern_name(n))
        raise ConfigError(
            f"{label} cannot be checked: pandera would read the column name {shown!r} as a pattern, "
            "and the schema's frame-wide checks see the columns by their names",
            hint="move the frame-wide checks to a schema of their own, or check those columns one by one",
        )
    plain = {name: f"__dbdiff_column{i}__" for i, name in enumerate(names)}
    for name in declared:
        plain.setdefault(name, f"__dbdiff_column{len(plain)}__")
    return plain


def _renamed(schema: DataFrameSchema, plain: dict[str, str], names: list[str], label: str) -> DataFrameSchema:
    """`schema` with every column under its plain name; a regex column becomes one column per
    user name it matches (a required one that matches none names no column of the table)."""
    columns: dict[str, Any] = {}
    for name, column in schema.columns.items():
        if getattr(column, "regex", False):
            matched = [n for n in names if re.search(name, n)]
            if not matched and getattr(column, "required", True):
                raise ColumnError(f"{label} names columns matching {name!r}, and no column checked does")
        else:
            matched = [name]
        for user in matched:
            one = copy.deepcopy(column)
            one.regex = False
            one.set_name(plain[user])
            columns[plain[user]] = one
    renamed = copy.deepcopy(schema)
    renamed.columns = columns
    return renamed


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
        for n, name in enumerate(unique_columns):
            uniques.append(StoredUnique(FIELD_UNIQUENESS, name, (name,), f"{setup.prefix}__vuniq{n}_{side}"))
        frame_unique = schema.unique
        if frame_unique:
            columns = (frame_unique,) if isinstance(frame_unique, str) else tuple(frame_unique)
            missing = [c for c in columns if c not in names]
            if missing:
                raise ColumnError(
                    f"{setup.schema_label(side)}'s unique names column {missing[0]!r}, which "
                    f"{self._why_missing(missing[0], side)}"
                )
            chunk_schema = copy.deepcopy(chunk_schema)
            chunk_schema.unique = None
            uniques.append(
                StoredUnique(MULTIPLE_FIELDS_UNIQUENESS, None, columns, f"{setup.prefix}__vuniqf_{side}")
            )
        plain = _plain_names(chunk_schema, names, setup.schema_label(side))
        if plain:
            chunk_schema = _renamed(chunk_schema, plain, names, setup.schema_label(side))
        return _SideSchema(schema, chunk_schema, tuple(uniques), plain)

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
        found = Found(frames=[(unique.table, unique.values(chunk)) for unique in state.uniques])
        view = chunk.view.rename(state.plain) if state.plain else chunk.view
        with _VALIDATING[chunk.side]:
            # An empty frame of the same dtypes shows every problem of fit before any data does.
            self._raise_config(chunk.side, _run_pandera(state.chunk_schema, view.head(0)), state.plain)
            errors = _run_pandera(state.chunk_schema, view)
        if errors is None:
            return found
        self._raise_config(chunk.side, errors, state.plain)
        cases = errors.failure_cases
        assert isinstance(cases, pl.DataFrame)
        if state.plain:
            user = {p: n for n, p in state.plain.items()}
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

    def _raise_config(self, side: str, errors: Any, plain: dict[str, str]) -> None:
        for error in getattr(errors, "schema_errors", ()):
            reason = getattr(error.reason_code, "value", str(error.reason_code))
            if reason in _CONFIG_REASONS:
                message = first_line(error)
                for name, internal in plain.items():  # the user's names, not pandera's
                    message = message.replace(internal, name)
                raise ConfigError(
                    f"{self.setup.schema_label(side)} does not fit the data: {message}",
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
            out += [(name, _check_label(check)) for check in column.checks]
            if getattr(column, "unique", False):
                out.append((name, FIELD_UNIQUENESS))
        out += [(None, _check_label(check)) for check in schema.checks]
        if schema.unique:
            out.append((None, MULTIPLE_FIELDS_UNIQUENESS))
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
            raise ConfigError(f"the schema cannot be applied: {first_line(exc)}") from None
    return None


def _config_hint(reason: str) -> str:
    return {
        "wrong_dtype": "declare the normalized value's dtype (see docs/validation.md), or set coerce: true",
        "column_not_in_dataframe": "check the column names, or mark the column required: false",
        "column_not_in_schema": "the schema is strict: list every compared column, or drop strict",
        "check_error": "a check does not apply to this column's dtype",
    }.get(reason, "see docs/validation.md")
