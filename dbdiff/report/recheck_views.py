"""What the rechecks of a live run made of its differences, in words every renderer shares.

During dual writes a row written to one database and not yet to the other differs for a moment.
A run with `--recheck N` re-reads the differing keys N times; each difference is then
`persistent` (differed every time: the table's counts and samples), `transient` (agreed at a
later read) or `vanished` (gone from both sides). Reports show the last two in a "Rechecked"
section so that nobody mistakes the noise for drift, nor drift for noise.

Everything here reads `TableResult.recheck`, which a run without rechecks leaves unset, so such
results render exactly as before. A saved result may be hand-edited: the block is read
leniently (a count that is not a count is 0, a sample that is not a mapping is skipped).
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dbdiff.report.display import display_key, escape_controls
from dbdiff.report.words import counted, fmt_count

if TYPE_CHECKING:
    from dbdiff.result import TableResult

STATES = ("persistent", "transient", "vanished")
KINDS = ("changed", "only_left", "only_right")
KIND_LABELS = {"changed": "changed", "only_left": "only in left", "only_right": "only in right"}

#: What each state means, in one line (the words the reports use).
STATE_MEANINGS = {
    "persistent": "differed at the diff and at every recheck",
    "transient": "agreed at a later read: a write in flight between the two databases",
    "vanished": "gone from both sides at a later read: deleted while the diff ran",
}
PERSISTENT_NOTE = (
    "The counts and samples of this pair are its persistent differences: "
    "each differed at the diff and at every recheck."
)


@dataclass(frozen=True)
class RecheckSample:
    """One transient or vanished difference: its key, what it was at the diff, what it became."""

    key: Mapping[str, Any]
    kind: str  # changed | only_left | only_right (or whatever a hand-edited result says)
    state: str
    agreed_at: int | None  # the recheck round at which both sides agreed (transient)

    @property
    def kind_label(self) -> str:
        return KIND_LABELS.get(self.kind, escape_controls(self.kind) or "?")

    @property
    def state_text(self) -> str:
        """`transient (agreed at recheck 1)`, `vanished`."""
        state = escape_controls(self.state) or "?"
        return f"{state} (agreed at recheck {self.agreed_at})" if self.agreed_at is not None else state


@dataclass(frozen=True)
class RecheckView:
    """A table's recheck block, read leniently."""

    rounds: int | None
    delay_s: float | None
    keys: int | None
    counts: Mapping[str, Mapping[str, int]]  # state -> kind -> count
    samples: tuple[RecheckSample, ...]  # the transient and vanished ones, in the result's order

    def total(self, state: str) -> int:
        return sum(self.counts.get(state, {}).values())

    @property
    def noise(self) -> int:
        """Transient and vanished differences: what the rechecks took out of the counts."""
        return self.total("transient") + self.total("vanished")


def _count(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


def recheck_of(table: TableResult) -> RecheckView | None:
    """The table's recheck block as a view, or None when no recheck ran."""
    block = getattr(table, "recheck", None)
    if not isinstance(block, Mapping):
        return None
    counts = {}
    for state in STATES:
        part = block.get(state)
        part = part if isinstance(part, Mapping) else {}
        counts[state] = {kind: _count(part.get(kind)) for kind in KINDS}
    rounds = block.get("rounds")
    delay = block.get("delay_s")
    keys = block.get("keys")
    raw = block.get("samples")
    samples = []
    for item in raw if isinstance(raw, (list, tuple)) else ():
        if not isinstance(item, Mapping) or item.get("state") == "persistent":
            continue  # persistent samples are the table's own samples
        key = item.get("key")
        agreed = item.get("agreed_at")
        samples.append(
            RecheckSample(
                key=key if isinstance(key, Mapping) else {},
                kind=str(item.get("kind") or ""),
                state=str(item.get("state") or ""),
                agreed_at=agreed if isinstance(agreed, int) and not isinstance(agreed, bool) else None,
            )
        )
    return RecheckView(
        rounds=rounds if isinstance(rounds, int) and not isinstance(rounds, bool) else None,
        delay_s=float(delay)
        if isinstance(delay, (int, float)) and not isinstance(delay, bool) and math.isfinite(delay)
        else None,
        keys=keys if isinstance(keys, int) and not isinstance(keys, bool) else None,
        counts=counts,
        samples=tuple(samples),
    )


def fmt_delay(seconds: float) -> str:
    """`5 s`, `0.5 s`, `1.25 s`."""
    return f"{seconds:g} s"


def recheck_line(view: RecheckView) -> str:
    """`2 rechecks of 17 keys, 5 s apart: 3 persistent, 13 transient, 1 vanished`."""
    what = counted(view.rounds, "recheck") if view.rounds is not None else ""
    if view.keys is not None:
        what += f" of {counted(view.keys, 'key')}" if what else f"{counted(view.keys, 'key')} rechecked"
    if view.delay_s is not None and what:
        what += f", {fmt_delay(view.delay_s)} apart"
    states = ", ".join(f"{fmt_count(view.total(state))} {state}" for state in STATES)
    return f"{what}: {states}" if what else states


def state_counts_text(view: RecheckView, state: str) -> str:
    """`9 changed, 3 only in left, 1 only in right` (`none` when the state has none)."""
    parts = [
        f"{fmt_count(n)} {KIND_LABELS[kind]}" for kind in KINDS if (n := view.counts.get(state, {}).get(kind))
    ]
    return ", ".join(parts) or "none"


def count_rows(view: RecheckView) -> list[tuple[str, list[int], int]]:
    """(state, counts per kind in `KINDS` order, total) for each state."""
    rows = []
    for state in STATES:
        numbers = [view.counts.get(state, {}).get(kind, 0) for kind in KINDS]
        rows.append((state, numbers, sum(numbers)))
    return rows


def sample_text(sample: RecheckSample, limit: int = 60) -> str:
    """`id=7 changed: transient (agreed at recheck 1)`."""
    key = display_key(sample.key, limit) if sample.key else "(no key)"
    return f"{key} {sample.kind_label}: {sample.state_text}"


def headline_phrases(table: TableResult) -> list[str]:
    """`13 transient`, `1 vanished` for a pair's headline (none when nothing was rechecked away)."""
    view = recheck_of(table)
    if view is None:
        return []
    return [f"{fmt_count(n)} {state}" for state in ("transient", "vanished") if (n := view.total(state))]


def transient_total(table: TableResult) -> int:
    """A table's transient differences (0 without a recheck): the overview's column."""
    view = recheck_of(table)
    return view.total("transient") if view is not None else 0


def vanished_total(table: TableResult) -> int:
    view = recheck_of(table)
    return view.total("vanished") if view is not None else 0


def any_recheck(tables: Iterable[TableResult]) -> bool:
    return any(recheck_of(t) is not None for t in tables)


def any_transient(tables: Iterable[TableResult]) -> bool:
    """True when any table has a transient difference (the overview then gets a Transient column)."""
    return any(transient_total(t) for t in tables)
