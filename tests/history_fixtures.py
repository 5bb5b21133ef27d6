"""Hand-built runs of a check file for the history tests: DiffResults with verdicts, one a night."""

from __future__ import annotations

from collections.abc import Mapping

from dbdiff.result import (
    Breach,
    ColumnStat,
    DiffResult,
    SourceInfo,
    Summary,
    TableResult,
    Verdict,
)

LEFT = SourceInfo(url="mysql://app:***@db1:3306/shop", dialect="mysql")
RIGHT = SourceInfo(url="postgresql://app:***@db2:5432/shop", dialect="postgresql")
WORST = {"pass": 0, "warn": 1, "fail": 2}


def table(
    name: str, changed: int = 0, only_left: int = 0, only_right: int = 0, verdict: str | None = "pass", **more
) -> TableResult:
    """A table's result: 100 rows a side less what is missing, `changed` of them in column `amount`."""
    differs = changed or only_left or only_right
    breaches = (Breach("changed", verdict, changed, "10", table=name),) if verdict in ("warn", "fail") else ()
    return TableResult(
        left_table=name,
        right_table=more.pop("right_table", name),
        key=("id",),
        status=more.pop("status", "different" if differs else "identical"),
        summary=Summary(
            rows_left=100,
            rows_right=100 - only_left + only_right,
            matched=100 - only_left,
            changed=changed,
            only_left=only_left,
            only_right=only_right,
        ),
        columns=(ColumnStat("amount", changed, more.pop("unreadable", 0)),),
        verdict=Verdict(verdict, breaches) if verdict else None,
        **more,
    )


def run(
    day: int,
    tables: Mapping[str, tuple[int, int, int, str | None]],
    *,
    hour: int = 2,
    run_id: str | None = None,
    checkfile: str = "nightly.yaml",
) -> DiffResult:
    """A nightly run of December `day` over `tables` (name -> changed, only_left, only_right, verdict)
    by `checkfile` (the run's check file name is its stem, as `dbdiff run` records it)."""
    parts = tuple(table(name, *counts) for name, counts in tables.items())
    levels = [t.verdict.level for t in parts if t.verdict is not None]
    verdict = (
        Verdict(max(levels, key=WORST.__getitem__), tuple(b for t in parts for b in t.verdict.breaches))
        if levels
        else None
    )
    options = {
        "command": "run",
        "checkfile": checkfile,
        "checkfile_name": checkfile.rsplit("/", 1)[-1].split(".")[0],
        "checkfile_sha256": "ab" * 32,
    }
    if run_id is not None:
        options["run_id"] = run_id
    return DiffResult(
        left=LEFT,
        right=RIGHT,
        tables=parts,
        started_at=f"2026-12-{day:02d}T{hour:02d}:00:00+00:00",
        duration_s=10.0 + day,
        dbdiff_version="0.1.0",
        options=options,
        verdict=verdict,
    )


def nights() -> list[DiffResult]:
    """Four nights of a cutover: orders drifts then recovers, billing fails once, a table goes."""
    return [
        run(1, {"orders": (0, 0, 0, "pass"), "billing": (0, 0, 0, "pass"), "legacy": (0, 0, 0, "pass")}),
        run(2, {"orders": (3, 1, 0, "warn"), "billing": (0, 0, 0, "pass"), "legacy": (0, 0, 0, "pass")}),
        run(3, {"orders": (12, 1, 2, "fail"), "billing": (40, 0, 0, "fail")}),
        run(4, {"orders": (2, 0, 0, "warn"), "billing": (0, 0, 0, "pass")}),
    ]
