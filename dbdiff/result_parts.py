"""The parts of a table's result: sources, column pairs, counts, samples, checks, verdicts.

Plain frozen data with its JSON form; `dbdiff.result` composes them into `TableResult` and
`DiffResult` (and re-exports them, so `from dbdiff.result import Summary` keeps working).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class SourceInfo:
    """A source as reports show it: the redacted URL, never the password."""

    url: str
    dialect: str
    server_version: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {"url": self.url, "dialect": self.dialect, "server_version": self.server_version}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SourceInfo:
        return cls(url=data["url"], dialect=data["dialect"], server_version=data.get("server_version", ""))


@dataclass(frozen=True)
class ColumnPair:
    """A compared column: both native types and the rule that normalizes them."""

    name: str
    left_type: str
    right_type: str
    rule: str
    right_name: str | None = None

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "name": self.name,
            "left_type": self.left_type,
            "right_type": self.right_type,
            "rule": self.rule,
        }
        if self.right_name and self.right_name != self.name:
            data["right_name"] = self.right_name
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnPair:
        return cls(
            name=data["name"],
            left_type=data["left_type"],
            right_type=data["right_type"],
            rule=data["rule"],
            right_name=data.get("right_name"),
        )


@dataclass(frozen=True)
class SchemaComparison:
    only_left: tuple[str, ...] = ()
    only_right: tuple[str, ...] = ()
    columns: tuple[ColumnPair, ...] = ()
    #: Catalog differences found by `dbdiff run` (an extension, written only when there are any):
    #: {"kind": "type" | "nullability" | "primary_key", "column": name or None,
    #:  "left": ..., "right": ..., "message": "..."}; a "type" difference is a pair no rule
    #: covers, left out of the comparison.
    differences: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "only_left": list(self.only_left),
            "only_right": list(self.only_right),
            "columns": [c.to_dict() for c in self.columns],
        }
        if self.differences:
            data["differences"] = [dict(d) for d in self.differences]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> SchemaComparison:
        return cls(
            only_left=tuple(data.get("only_left", ())),
            only_right=tuple(data.get("only_right", ())),
            columns=tuple(ColumnPair.from_dict(c) for c in data.get("columns", ())),
            differences=tuple(dict(d) for d in data.get("differences", ())),
        )


@dataclass(frozen=True)
class Summary:
    """Row counts. `null_keys_*` extends the contract: rows whose key has a NULL cannot be matched.

    `duplicate_keys_*` counts the distinct keys that occur more than once on a side;
    `duplicate_key_rows_*` (also an extension) counts the rows of a side whose key is duplicated
    on either side: such rows are reported, never paired. Every row is counted exactly once:
    rows_left == matched + only_left + duplicate_key_rows_left + null_keys_left (and so on the right).
    """

    rows_left: int = 0
    rows_right: int = 0
    matched: int = 0
    only_left: int = 0
    only_right: int = 0
    changed: int = 0
    duplicate_keys_left: int = 0
    duplicate_keys_right: int = 0
    null_keys_left: int = 0
    null_keys_right: int = 0
    duplicate_key_rows_left: int = 0
    duplicate_key_rows_right: int = 0

    @property
    def differences(self) -> int:
        return (
            self.only_left
            + self.only_right
            + self.changed
            + self.duplicate_keys_left
            + self.duplicate_keys_right
            + self.null_keys_left
            + self.null_keys_right
        )

    def to_dict(self) -> dict[str, int]:
        return {name: getattr(self, name) for name in self.__dataclass_fields__}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Summary:
        return cls(**{k: int(v) for k, v in data.items() if k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class ColumnStat:
    """A compared column's count of matched rows that differ in it; `unreadable` (extends the
    contract, written when not 0) counts those in which a side's value no rule can read."""

    name: str
    mismatches: int
    unreadable: int = 0

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"name": self.name, "mismatches": self.mismatches}
        if self.unreadable:
            data["unreadable"] = self.unreadable
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ColumnStat:
        return cls(data["name"], int(data["mismatches"]), int(data.get("unreadable", 0)))


@dataclass(frozen=True)
class Samples:
    """Capped examples per kind; every value already JSON-encoded."""

    only_left: tuple[dict[str, Any], ...] = ()  # {"key": {...}, "row": {...}}
    only_right: tuple[dict[str, Any], ...] = ()
    changed: tuple[dict[str, Any], ...] = ()  # {"key": {...}, "diffs": {col: {"left": v, "right": v}}}
    duplicates: tuple[dict[str, Any], ...] = ()  # {"side": "left", "key": {...}, "count": n}
    null_keys: tuple[dict[str, Any], ...] = ()  # {"side": "left", "row": {...}}

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "only_left": list(self.only_left),
            "only_right": list(self.only_right),
            "changed": list(self.changed),
            "duplicates": list(self.duplicates),
        }
        if self.null_keys:
            data["null_keys"] = list(self.null_keys)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Samples:
        return cls(**{k: tuple(data.get(k, ())) for k in cls.__dataclass_fields__})


@dataclass(frozen=True)
class ValidationFailure:
    side: str
    column: str | None
    check: str
    count: int
    examples: tuple[dict[str, Any], ...] = ()  # {"key": {...}, "value": v}

    def to_dict(self) -> dict[str, Any]:
        return {
            "side": self.side,
            "column": self.column,
            "check": self.check,
            "count": self.count,
            "examples": list(self.examples),
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ValidationFailure:
        return cls(
            side=data["side"],
            column=data.get("column"),
            check=data["check"],
            count=int(data["count"]),
            examples=tuple(data.get("examples", ())),
        )


@dataclass(frozen=True)
class Validation:
    passed: bool = True
    failures: tuple[ValidationFailure, ...] = ()
    #: Every check that ran, failed or not: {"side", "column", "check"} named as failures name them.
    checks: tuple[dict[str, Any], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {"passed": self.passed, "failures": [f.to_dict() for f in self.failures]}
        if self.checks:
            data["checks"] = [dict(c) for c in self.checks]
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> Validation:
        if not data:
            return cls()
        return cls(
            passed=bool(data.get("passed", True)),
            failures=tuple(ValidationFailure.from_dict(f) for f in data.get("failures", ())),
            checks=tuple(dict(c) for c in data.get("checks", ()) if isinstance(c, Mapping)),
        )


VERDICTS = ("pass", "warn", "fail")


@dataclass(frozen=True)
class Breach:
    """One threshold a run crossed: `metric` (changed, only_left, ...) reached `level` (warn or
    fail) with `value` over `limit` (as the check file wrote it: "10", "0.1%")."""

    metric: str
    level: str
    value: float
    limit: str
    scope: str = "table"  # "table" or "run"
    table: str | None = None  # the table, for a table's breach

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "metric": self.metric,
            "level": self.level,
            "value": self.value,
            "limit": self.limit,
            "scope": self.scope,
        }
        if self.table is not None:
            data["table"] = self.table
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Breach:
        return cls(
            metric=data["metric"],
            level=data["level"],
            value=data["value"],
            limit=str(data["limit"]),
            scope=data.get("scope", "table"),
            table=data.get("table"),
        )


@dataclass(frozen=True)
class Verdict:
    """What the thresholds made of a table or a run: `pass`, `warn` or `fail`, and why."""

    level: str
    breaches: tuple[Breach, ...] = ()

    def __post_init__(self) -> None:
        if self.level not in VERDICTS:
            raise ValueError(f"a verdict is one of {', '.join(VERDICTS)}, not {self.level!r}")

    def to_dict(self) -> dict[str, Any]:
        """The JSON fields a verdict adds beside `status`: `verdict` and `breaches`."""
        return {"verdict": self.level, "breaches": [b.to_dict() for b in self.breaches]}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Verdict | None:
        if data.get("verdict") is None:
            return None
        return cls(
            level=data["verdict"], breaches=tuple(Breach.from_dict(b) for b in data.get("breaches", ()))
        )
