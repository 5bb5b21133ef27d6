"""The check suite: the one face the runner sees of every check of a run.

    suite = CheckSuite(plan, sides=("left", "right"), schemas={...}, aggregate=[...])
    partial = suite.feed(side, prepared, duplicates)  # on a worker: pure, returns plain data
    suite.absorb(partial, store)                       # on the driver: merge, append frames
    validation, stats = suite.finish(store, rows_counted=..., null_keys=...)

Failures are data, never raised: they are merged per side, column and check into counts and a
bounded list of examples (the smallest keys, so chunking never changes which are kept). A schema
that can't load or doesn't fit the table is a `ConfigError`, raised while the suite is built or
by the first chunk.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import polars as pl

from dbdiff.checks.base import BOTH, KEY_UNIQUE, Check, CheckSetup, Chunk, End, Failures, Found, registered
from dbdiff.checks.spec import SchemaSpec
from dbdiff.plan import DiffPlan
from dbdiff.result import Validation

if TYPE_CHECKING:
    from dbdiff.store import ResultStore


@dataclass(frozen=True)
class ChecksPartial:
    """What the checks found in one chunk of one side: plain data, safe to send between processes."""

    side: str
    rows: int
    found: Mapping[str, Found]  # by check name


class CheckSuite:
    """Every check a run switches on, fed chunk by chunk; see the module doc for the protocol."""

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
        self.sides = tuple(sides)
        self.setup = CheckSetup(
            plan, self.sides, dict(schemas or {}), tuple(aggregate), max(int(sample_limit), 0), prefix
        )
        self._checks: list[tuple[str, Check]] = []
        for name, factory in registered():
            check = factory(self.setup)
            if check is not None:
                self._checks.append((name, check))
        self._states: dict[str, dict[str, Any]] = {name: {} for name, _ in self._checks}
        self._rows = dict.fromkeys(self.sides, 0)
        self._failures = Failures(self.setup.limit)

    @property
    def reads_values(self) -> bool:
        """Does any check of the run read compared columns' normalized values?"""
        return any(check.reads_values for _, check in self._checks)

    @property
    def has_schema(self) -> bool:
        return any(self.setup.schema(side) is not None for side in self.sides)

    def rows(self, side: str) -> int:
        """Rows fed so far for `side` (NULL-key rows are never fed)."""
        return self._rows[side]

    def duplicated_keys(self, side: str) -> int:
        """Distinct normalized keys found more than once on `side` (complete after `finish`)."""
        return int(self._states.get(KEY_UNIQUE, {}).get(side, 0))

    def feed(
        self, side: str, prepared: pl.DataFrame, duplicates: pl.DataFrame | None = None
    ) -> ChecksPartial:
        """Check one chunk of one side (`prepared` as `compare.prepare_side` returns it). Pure.

        `duplicates` is the chunk's `compare.split_duplicates` result when the caller has it.
        """
        chunk = Chunk(self.setup, side, prepared, duplicates)
        found = {}
        for name, check in self._checks:
            result = check.feed(chunk)
            if result is not None:
                found[name] = result
        return ChecksPartial(side, prepared.height, found)

    def absorb(self, partial: ChecksPartial, store: ResultStore) -> None:
        """Merge one chunk's partial into the run (on the driver), its frames into the store."""
        self._rows[partial.side] += partial.rows
        for name, check in self._checks:
            found = partial.found.get(name)
            if found is None:
                continue
            for table, frame in found.frames:
                store.append(table, frame)
            for failed in found.failures:
                self._failures.add(failed)
            if found.state is not None:
                states = self._states[name]
                states[partial.side] = check.merge(states.get(partial.side), found.state)

    def finish(
        self,
        store: ResultStore,
        *,
        rows_counted: Mapping[str, int | None] | None = None,
        null_keys: Mapping[str, tuple[int, Sequence[Mapping[str, Any]]]] | None = None,
    ) -> tuple[Validation, dict[str, Any]]:
        """Merge everything into a `Validation`, plus stats (aggregates) for `TableResult.stats`.

        `rows_counted`: each side's COUNT(*) from planning; `null_keys`: each side's count of rows
        with a NULL key and some of their keys (mappings from key name to encoded value).
        """
        stats: dict[str, Any] = {}
        for name, check in self._checks:
            end = End(
                self.setup, store, self._rows, rows_counted or {}, null_keys or {}, self._states[name], stats
            )
            for failed in check.finish(end):
                self._failures.add(failed)
        return self._failures.validation(), stats

    def checks_run(self) -> list[tuple[str, str | None, str]]:
        """Every check this suite runs, as failures name them: (side, column, check)."""
        sides = (*self.sides, BOTH) if len(self.sides) == 2 else self.sides
        return [
            (side, column, check)
            for side in sides
            for _, each in self._checks
            for column, check in each.checks_run(side)
        ]
