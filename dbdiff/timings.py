"""Where a run's time goes: seconds per phase, added up as the run goes, merged across chunks and tables.

A chunk task measures its own phases (reading each side, normalizing, comparing) on the worker that
runs it and hands them back in its outcome; the driver measures its own (planning, the residual
pass, writing to the result store, building the report) and merges the chunks'. Worker phases are
summed worker-seconds, so with several workers they may add up to more than `wall`, the run's
own seconds: the two together show how much the work overlapped.

The JSON report carries them as `timings` (the run) and `stats.timings` (each table), in ms.
"""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

PLAN = "plan"
READ_LEFT = "read_left"
READ_RIGHT = "read_right"
NORMALIZE = "normalize"
COMPARE = "compare"
RESIDUAL = "residual"
STORE = "store"
REPORT = "report"
#: The seconds a recheck waits before it reads the differing rows again (`--recheck-delay`, each
#: round): time the run spends letting in-flight writes land, not working.
RECHECK_WAIT = "recheck_wait"
#: The phases, in the order a run goes through them (and reports list them).
PHASES = (PLAN, READ_LEFT, READ_RIGHT, NORMALIZE, COMPARE, RESIDUAL, STORE, REPORT, RECHECK_WAIT)
#: The run's own seconds, beside the phases' (not a phase: the phases overlap in it).
WALL = "wall"
#: Each side's reading phase.
READ = {"left": READ_LEFT, "right": READ_RIGHT}


@dataclass
class Timings:
    """Seconds per phase, and the wall seconds of what they were measured in."""

    seconds: dict[str, float] = field(default_factory=dict)
    wall: float = 0.0

    def add(self, phase: str, seconds: float) -> None:
        """Count `seconds` more in `phase`."""
        if phase not in PHASES:
            raise ValueError(f"no timing phase {phase!r}: one of {', '.join(PHASES)}")
        self.seconds[phase] = self.seconds.get(phase, 0.0) + seconds

    @contextmanager
    def timed(self, phase: str) -> Iterator[None]:
        """Count the seconds the `with` block takes in `phase` (also when it raises)."""
        started = time.perf_counter()
        try:
            yield
        finally:
            self.add(phase, time.perf_counter() - started)

    def merge(self, other: Timings) -> None:
        """Add `other`'s phases into these (the wall seconds stay these: they do not add up)."""
        for phase, seconds in other.seconds.items():
            self.add(phase, seconds)

    def to_dict(self) -> dict[str, float]:
        """Every phase in order (0 when it took no time), then `wall`; seconds rounded to ms."""
        data = {phase: round(self.seconds.get(phase, 0.0), 3) for phase in PHASES}
        data[WALL] = round(self.wall, 3)
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, float] | None) -> Timings:
        """Timings read back from `to_dict()`'s form (unknown names are left out)."""
        data = data or {}
        return cls({p: float(data[p]) for p in PHASES if p in data}, float(data.get(WALL, 0.0)))


def summed(timings: Iterable[Mapping[str, float] | None], wall: float) -> dict[str, float]:
    """The `to_dict()` form of several (a run's tables) added up, with the run's `wall` seconds."""
    total = Timings(wall=wall)
    for one in timings:
        total.merge(Timings.from_dict(one))
    return total.to_dict()


def merged(
    timings: Mapping[str, float] | None, more: Timings, *, wall: float | None = None
) -> dict[str, float]:
    """A `to_dict()` form with `more`'s phases added, and `wall` when given (else kept)."""
    total = Timings.from_dict(timings)
    total.merge(more)
    if wall is not None:
        total.wall = wall
    return total.to_dict()


class ReportClock:
    """The seconds a run's reports take to write, counted into its result's report phase."""

    def __init__(self) -> None:
        self.started = time.perf_counter()
        self.seconds = 0.0

    def counted(self, result: Any) -> Any:
        """`result` (a `DiffResult`) with the seconds since this clock started added to its `report`
        and `wall` timings; unchanged when it has none (a result read back from JSON)."""
        self.seconds = time.perf_counter() - self.started
        if not result.timings:
            return result
        wall = result.timings.get(WALL, 0.0) + self.seconds
        return dataclasses.replace(
            result, timings=merged(result.timings, Timings({REPORT: self.seconds}), wall=wall)
        )
