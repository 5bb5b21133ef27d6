"""What a run can be told: the options of diff, validate and infer-schema."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from dbdiff.errors import UsageError
from dbdiff.plan import Override
from dbdiff.validation import SchemaSpec, describe_schema


@dataclass(frozen=True)
class DiffOptions:
    """Everything a diff can be told; the CLI flags map onto these one to one."""

    table: str
    right_table: str | None = None
    key: Sequence[str] = ()
    columns: Sequence[str] = ()
    exclude: Sequence[str] = ()
    where: str | None = None
    right_where: str | None = None
    chunk_size: int = 100_000
    workers: int = 4
    sample_limit: int = 100
    rules: Sequence[str] = ()
    overrides: Mapping[str, Override] = field(default_factory=dict)
    retries: int = 2
    memory_limit: str | None = None
    # Invariants (dbdiff.validation): a pandera schema for both sides or one per side, and columns
    # whose count/sum/min/max must agree between the sides.
    schema: SchemaSpec = None
    left_schema: SchemaSpec = None
    right_schema: SchemaSpec = None
    aggregate: Sequence[str] = ()

    def __post_init__(self) -> None:
        if self.chunk_size < 1:
            raise UsageError(f"--chunk-size must be at least 1, not {self.chunk_size}")
        if self.workers < 1:
            raise UsageError(f"--workers must be at least 1, not {self.workers}")
        if self.sample_limit < 0:
            raise UsageError(f"--sample-limit must not be negative, not {self.sample_limit}")
        if not self.table:
            raise UsageError("a table name is required (--table)")

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
        }

    def _validation_options(self) -> dict[str, Any]:
        # Only when set, so reports of runs without checks stay as they were.
        shown: dict[str, Any] = {
            name: describe_schema(getattr(self, name))
            for name in ("schema", "left_schema", "right_schema")
            if getattr(self, name) is not None
        }
        if self.aggregate:
            shown["aggregate"] = list(self.aggregate)
        return shown

    def schemas(self) -> dict[str, SchemaSpec]:
        """The schema each side is checked against (a side's own schema wins over `schema`)."""
        return {
            "left": self.left_schema if self.left_schema is not None else self.schema,
            "right": self.right_schema if self.right_schema is not None else self.schema,
        }


@dataclass(frozen=True)
class ValidateOptions:
    """What `dbdiff validate` can be told: one source's table, its schema and the built-in checks."""

    table: str
    schema: SchemaSpec = None
    key: Sequence[str] = ()
    columns: Sequence[str] = ()
    exclude: Sequence[str] = ()
    where: str | None = None
    chunk_size: int = 100_000
    workers: int = 4
    sample_limit: int = 100
    rules: Sequence[str] = ()
    overrides: Mapping[str, Override] = field(default_factory=dict)
    aggregate: Sequence[str] = ()
    retries: int = 2
    memory_limit: str | None = None


@dataclass(frozen=True)
class InferOptions:
    """What `dbdiff infer-schema` can be told."""

    table: str
    key: Sequence[str] = ()
    columns: Sequence[str] = ()
    exclude: Sequence[str] = ()
    where: str | None = None
    chunk_size: int = 100_000
    workers: int = 4
    rules: Sequence[str] = ()
    overrides: Mapping[str, Override] = field(default_factory=dict)
    max_values: int = 20
    retries: int = 2
