"""What a pandera schema is to dbdiff: how it is given, loaded (strictly) and shown in reports.

A schema comes as a YAML/JSON file (pandera's `DataFrameSchema.to_yaml()` format), a pandera polars
`DataFrameSchema`, or a `DataFrameModel` subclass. pandera's loader drops unknown keys silently, so
dbdiff refuses them first: a typo such as `nulable: true` is an error, not a quiet change.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dbdiff.errors import ConfigError, UsageError
from dbdiff.names import did_you_mean

if TYPE_CHECKING:
    from pandera.api.polars.container import DataFrameSchema

#: A schema as callers give it: a YAML/JSON file path, a pandera polars `DataFrameSchema`, or a
#: `DataFrameModel` subclass.
SchemaSpec = Any


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
            raise ConfigError(f"schema model {spec.__name__} is invalid: {first_line(exc)}") from None
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
            f"{where} names an unknown check or option: {first_line(exc)}",
            hint="use pandera's built-in checks (ge, le, in_range, isin, str_matches, ...)",
        ) from None
    except Exception as exc:
        raise ConfigError(f"{where} cannot be loaded: {type(exc).__name__}: {first_line(exc)}") from None


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
        hint = did_you_mean(str(key), sorted(allowed)) or "see pandera's DataFrameSchema.to_yaml() format"
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


def first_line(exc: BaseException) -> str:
    text = str(exc).strip()
    return (text.splitlines()[0] if text else type(exc).__name__)[:300]
