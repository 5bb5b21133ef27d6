"""row_count: every row a side counted was read; row_count_equal: both sides hold as many rows.

A row read counts whether it was fed or had a NULL key (never fed); a difference from the count
taken while planning means the table changed under the run.
"""

from __future__ import annotations

from collections.abc import Iterable

from dbdiff.checks.base import (
    BOTH,
    ROW_COUNT,
    ROW_COUNT_EQUAL,
    Check,
    CheckSetup,
    End,
    Failed,
    register_check,
)


@register_check(ROW_COUNT)
class RowCount(Check):
    """Always on; the two sides' comparison only when there are two sides."""

    reads_values = False  # keys and row counts only

    def __init__(self, setup: CheckSetup) -> None:
        self.sides = setup.sides

    def finish(self, end: End) -> Iterable[Failed]:
        read = {}
        for side in self.sides:
            read[side] = end.rows.get(side, 0) + end.null_keys.get(side, (0, ()))[0]
            counted = end.rows_counted.get(side)
            if counted is not None and counted != read[side]:
                example = {"key": {}, "value": {"counted": counted, "read": read[side]}}
                yield Failed(side, None, ROW_COUNT, abs(counted - read[side]), [((), example)])
        if len(self.sides) == 2 and read["left"] != read["right"]:
            example = {"key": {}, "value": {"left": read["left"], "right": read["right"]}}
            yield Failed(BOTH, None, ROW_COUNT_EQUAL, abs(read["left"] - read["right"]), [((), example)])

    def checks_run(self, side: str) -> Iterable[tuple[str | None, str]]:
        return [(None, ROW_COUNT_EQUAL)] if side == BOTH else [(None, ROW_COUNT)]
