"""key_not_null: no row's key has a NULL.

Such rows belong to no chunk (a key range can't hold them), so the check never sees them fed: the
runner counts them with one query per side and hands the count and some of their keys to `finish`.
"""

from __future__ import annotations

from collections.abc import Iterable

from dbdiff.checks.base import BOTH, KEY_NOT_NULL, Check, CheckSetup, End, Failed, register_check


@register_check(KEY_NOT_NULL)
class KeyNotNull(Check):
    """Always on: every table has a key."""

    reads_values = False  # keys and row counts only

    def __init__(self, setup: CheckSetup) -> None:
        self.label = setup.key_label

    def finish(self, end: End) -> Iterable[Failed]:
        for side in end.setup.sides:
            nulls, keys = end.null_keys.get(side, (0, ()))
            if nulls:
                examples = [((), {"key": dict(k), "value": None}) for k in list(keys)[: end.setup.limit]]
                yield Failed(side, self.label, KEY_NOT_NULL, nulls, examples)

    def checks_run(self, side: str) -> Iterable[tuple[str | None, str]]:
        return [] if side == BOTH else [(self.label, KEY_NOT_NULL)]
