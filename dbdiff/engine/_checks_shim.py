"""TEMPORARY adapter, deleted when `dbdiff.checks` lands: the checks facade of design.md on top of
today's `dbdiff.validation`. `CheckSuite.feed` defers the work to `absorb` (on the driver), since
`Validator.feed` writes to the store."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import polars as pl

from dbdiff.plan import DiffPlan
from dbdiff.result import Validation
from dbdiff.store import ResultStore
from dbdiff.validation import (
    SchemaSpec,
    Validator,
    _inferred_checks,
    _merge_profile,
    _Profile,
    _profile_chunk,
    _schema_yaml,
    describe_schema,
    load_schema,
    view_columns,
    view_frame,
    view_frame_dtype,
)

__all__ = ["CheckSuite", "Profiler", "describe_schema", "load_schema"]


class CheckSuite:
    def __init__(
        self,
        plan: DiffPlan,
        *,
        sides: Sequence[str] = ("left", "right"),
        schemas: Mapping[str, SchemaSpec] | None = None,
        aggregate: Sequence[str] = (),
        sample_limit: int = 100,
        prefix: str = "t0",
    ) -> None:
        # A stand-in store until `absorb` gives the real one (Validator only checks it is set).
        self._validator = Validator(
            plan,
            sides=sides,
            schemas=schemas,
            aggregate=aggregate,
            sample_limit=sample_limit,
            store=object(),  # type: ignore[arg-type]
            prefix=prefix,
        )

    def feed(self, side: str, prepared: pl.DataFrame, duplicates: pl.DataFrame | None) -> Any:
        return (side, prepared, duplicates)

    def absorb(self, partial: Any, store: ResultStore) -> None:
        self._validator.store = store
        self._validator.feed(*partial)

    def finish(
        self,
        store: ResultStore,
        *,
        rows_counted: Mapping[str, int | None] | None = None,
        null_keys: Mapping[str, tuple[int, Sequence[Mapping[str, Any]]]] | None = None,
    ) -> tuple[Validation, dict[str, Any]]:
        self._validator.store = store
        return self._validator.finish(rows_counted=rows_counted, null_keys=null_keys)

    def checks_run(self) -> list[tuple[str, str | None, str]]:
        return self._validator.checks_run()

    def rows(self, side: str) -> int:
        return self._validator.rows(side)

    def duplicated_keys(self, side: str) -> int:
        return self._validator.duplicated_keys(side)

    @property
    def has_schema(self) -> bool:
        return self._validator.has_schema


class Profiler:
    def __init__(self, plan: DiffPlan, *, max_values: int = 20) -> None:
        self.plan = plan
        self.max_values = max_values
        self._profiles: dict[str, _Profile] = {}

    def feed(self, side: str, prepared: pl.DataFrame, duplicates: pl.DataFrame | None) -> Any:
        view = view_frame(prepared, self.plan, side)
        return [
            (name, view.get_column(name).dtype, _profile_chunk(view.get_column(name), self.max_values))
            for name in view.columns
        ]

    def absorb(self, partial: Any, store: ResultStore | None) -> None:
        for name, dtype, stats in partial:
            profile = self._profiles.setdefault(name, _Profile(dtype=dtype))
            _merge_profile(profile, stats, self.max_values)

    def schema_yaml(self, *, table: str, source: str, nulls: int) -> str:
        import pandera.polars as pa

        plan = self.plan
        key_names_ = [p.left.name for p in plan.key]
        schema_columns = {}
        for name, _, pair in view_columns(plan, "left"):
            profile = self._profiles.get(name)
            dtype = profile.dtype if profile else view_frame_dtype(plan, name)
            checks = _inferred_checks(profile, dtype) if profile else []
            is_key = name in key_names_
            schema_columns[name] = pa.Column(
                dtype,
                checks=checks or None,
                nullable=(not is_key) and bool(profile and profile.nulls),
                unique=is_key and len(key_names_) == 1,
                description=f"{pair.left.native_type}; normalized by {pair.choice.label()}",
            )
        schema = pa.DataFrameSchema(
            schema_columns,
            unique=key_names_ if len(key_names_) > 1 else None,
            name=table,
            description=f"inferred by dbdiff from {source} ({table}); edit before use",
        )
        header = (
            f"# pandera schema for {table}, inferred by dbdiff infer-schema from {source}.\n"
            "# Ranges and value sets are what the data held: edit them into the rules the data must obey.\n"
        )
        if nulls:
            header += f"# {nulls} row(s) have a NULL key; they are left out of every profile.\n"
        return header + _schema_yaml(schema)
