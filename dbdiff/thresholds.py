"""Thresholds: how many differences a table (or a run) may have before it warns or fails.

A threshold tolerates differences, it never hides them: a table with 3 changed rows under a limit
of 10 is still `different`, with every row in the report; only its verdict (`pass`, `warn`,
`fail`) and the exit code of `dbdiff run` follow the limits.

A limit is the most tolerated at its level: `{warn: 0, fail: 10}` passes 0, warns at 1..10 and
fails above 10. A whole number counts rows (or checks, or catalog differences); an "N%" string
is a fraction of the larger side's row count, `max(rows_left, rows_right)` (of the run's summed
row counts for run thresholds). Comparisons are exact (`Fraction`), and a table with 0 rows
tolerates no row under a fraction: 0 of 0 passes, anything above fails.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Protocol

from dbdiff.errors import ConfigError
from dbdiff.names import did_you_mean
from dbdiff.result import Breach, DiffResult, TableResult, Verdict

#: What a threshold can limit, in the order reports list them.
METRICS = (
    "changed",
    "only_left",
    "only_right",
    "duplicate_keys",
    "null_keys",
    "failed_checks",
    "unreadable",
    "warnings",
    "schema",
)
#: Metrics that count rows, so that a fraction of the row count means something.
ROW_METRICS = frozenset(METRICS) - {"failed_checks", "schema"}
LEVELS = ("warn", "fail")
_RANK = {"pass": 0, "warn": 1, "fail": 2}
_PERCENT = re.compile(r"(\d+(?:\.\d+)?)%")


@dataclass(frozen=True)
class Limit:
    """One metric's limits: `warn` and `fail`, each None (no limit at that level), a whole number
    (rows) or a float (a fraction of the row count, as `text` wrote it: "0.1%" is 0.001)."""

    warn: int | float | None = None
    fail: int | float | None = None
    #: Each level's limit as the check file wrote it ("10", "0.1%"), for messages and breaches.
    text: Mapping[str, str] = field(default_factory=dict)

    def bound(self, level: str) -> int | float | None:
        return self.warn if level == "warn" else self.fail

    def shown(self, level: str) -> str:
        value = self.bound(level)
        if level in self.text:
            return self.text[level]
        if isinstance(value, float):
            return f"{value * 100:g}%"
        return str(value)

    def exceeded(self, level: str, value: int, rows: int) -> bool:
        """Whether `value` is above this level's limit (`rows`: the count a fraction is of)."""
        bound = self.bound(level)
        if bound is None:
            return False
        if isinstance(bound, float):
            text = self.text.get(level, "")
            match = _PERCENT.fullmatch(text)
            # The written decimal, exactly: 0.07% of 10,000 rows is 7, not 7.000000000000001.
            fraction = Fraction(match.group(1)) / 100 if match else Fraction(bound)
            return value > fraction * rows
        return value > bound

    def level_of(self, value: int, rows: int) -> str | None:
        """`fail`, `warn` or None: the worst level `value` breaks."""
        for level in ("fail", "warn"):
            if self.exceeded(level, value, rows):
                return level
        return None


@dataclass(frozen=True)
class Thresholds:
    """Limits by metric; a metric without a limit is never judged."""

    limits: Mapping[str, Limit] = field(default_factory=dict)

    def over(self, other: Thresholds) -> Thresholds:
        """These limits laid over `other`'s: a metric given here replaces that metric entirely."""
        return Thresholds({**other.limits, **self.limits})

    def to_dict(self) -> dict[str, dict[str, str]]:
        """As a check file writes them: {"changed": {"warn": "0", "fail": "0.1%"}}."""
        return {
            metric: {level: limit.shown(level) for level in LEVELS if limit.bound(level) is not None}
            for metric, limit in self.limits.items()
        }


#: Strict unless the check file says otherwise: any difference fails; a lenient reading
#: (`warnings`) only warns.
DEFAULT_THRESHOLDS = Thresholds(
    {
        **{metric: Limit(fail=0, text={"fail": "0"}) for metric in METRICS if metric != "warnings"},
        "warnings": Limit(warn=0, text={"warn": "0"}),
    }
)


# --- parsing (the check file's `thresholds:` and `run_thresholds:`) -------------------------------


def parse_thresholds(data: Any, where: Callable[[Any], str] = lambda metric: "") -> Thresholds:
    """Thresholds from a check file's mapping {metric: {warn: N, fail: N}}.

    `where(metric)` prefixes each error with the place ("dbdiff.yaml line 8: thresholds: "; metric
    None for the mapping itself).
    """
    if data is None:
        return Thresholds()
    if not isinstance(data, Mapping):
        raise ConfigError(
            f"{where(None)}{_show(data)} is not a mapping of metric: {{warn: N, fail: N}}",
            hint="metrics: " + ", ".join(METRICS),
        )
    limits: dict[str, Limit] = {}
    for metric, spec in data.items():
        here = where(metric)
        if metric not in METRICS:
            hint = did_you_mean(str(metric), METRICS) or "metrics: " + ", ".join(METRICS)
            raise ConfigError(f"{here}unknown metric {metric!r}", hint=hint)
        limits[metric] = parse_limit(spec, f"{here}{metric}: ", fractions=metric in ROW_METRICS)
    return Thresholds(limits)


def parse_limit(spec: Any, where: str, *, fractions: bool = True) -> Limit:
    """`{warn: 0, fail: "0.1%"}` as a `Limit`; `where` prefixes errors ("... thresholds: changed: ")."""
    if not isinstance(spec, Mapping):
        raise ConfigError(
            f"{where}{_show(spec)} is not a mapping of limits",
            hint="write e.g. {warn: 0, fail: 10} or {fail: '0.1%'}",
        )
    values: dict[str, int | float | None] = {}
    text: dict[str, str] = {}
    for level, raw in spec.items():
        if level not in LEVELS:
            hint = did_you_mean(str(level), LEVELS) or "levels: warn, fail"
            raise ConfigError(f"{where}unknown level {level!r}", hint=hint)
        if raw is None:
            values[level] = None
            continue
        if isinstance(raw, int) and not isinstance(raw, bool):
            if raw < 0:
                raise ConfigError(
                    f"{where}{level}: {raw} is negative; a limit is the most tolerated, 0 or more"
                )
            values[level], text[level] = raw, str(raw)
            continue
        match = _PERCENT.fullmatch(raw) if isinstance(raw, str) else None
        if match is None:
            raise ConfigError(
                f"{where}{level}: {_show(raw)} is not a whole number or a percentage like '0.1%'",
                hint="a whole number counts rows; 'N%' is a fraction of max(rows_left, rows_right)",
            )
        if not fractions:
            raise ConfigError(
                f"{where}{level}: {raw!r} is a fraction of the row count, which this metric does not "
                "count; write a whole number"
            )
        percent = Fraction(match.group(1))
        if percent > 100:
            raise ConfigError(f"{where}{level}: {raw!r} is above 100%")
        values[level], text[level] = float(percent / 100), raw
    warn, fail = values.get("warn"), values.get("fail")
    if warn is not None and fail is not None and type(warn) is type(fail) and warn > fail:
        raise ConfigError(
            f"{where}the warn limit {text['warn']} is above the fail limit {text['fail']}",
            hint="a limit is the most tolerated at its level: warn first, then fail",
        )
    return Limit(warn=warn, fail=fail, text=text)


def _show(value: Any) -> str:
    """A YAML value as the user wrote it: 'ten' quoted, true as true, 1.5 as 1.5."""
    if isinstance(value, str):
        return repr(value)
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


# --- judging -------------------------------------------------------------------------------------


def metric_values(table: TableResult) -> dict[str, int]:
    """What the thresholds judge of one table, by metric (every metric, 0 when nothing counted)."""
    s = table.summary
    return {
        "changed": s.changed,
        "only_left": s.only_left,
        "only_right": s.only_right,
        "duplicate_keys": s.duplicate_keys_left + s.duplicate_keys_right,
        "null_keys": s.null_keys_left + s.null_keys_right,
        "failed_checks": len(table.validation.failures),
        "unreadable": sum(c.unreadable for c in table.columns),
        "warnings": sum(int(w.get("count", 0) or 0) for w in table.warnings),
        "schema": len(table.schema.only_left)
        + len(table.schema.only_right)
        + len(table.schema.differences)
        + (1 if table.only_on else 0),
    }


def row_base(table: TableResult) -> int:
    """The count a fraction limit is of: the larger side's rows."""
    return max(table.summary.rows_left, table.summary.rows_right)


def _breaches(
    values: Mapping[str, int], rows: int, thresholds: Thresholds, scope: str, table: str | None
) -> list[Breach]:
    found = []
    for metric in METRICS:
        limit = thresholds.limits.get(metric)
        if limit is None:
            continue
        value = values.get(metric, 0)
        level = limit.level_of(value, rows)
        if level is not None:
            found.append(Breach(metric, level, value, limit.shown(level), scope=scope, table=table))
    return found


def _worst(breaches: Sequence[Breach], floor: str = "pass") -> str:
    levels = [floor, *(b.level for b in breaches)]
    return max(levels, key=_RANK.__getitem__)


def judge_table(table: TableResult, thresholds: Thresholds) -> Verdict:
    """The table's verdict: `fail` when a metric is above its fail limit (or the table errored:
    the job broke, no limit tolerates that), else `warn` when one is above its warn limit."""
    if table.status == "error":
        return Verdict("fail", (Breach("error", "fail", 1, "0", table=table.left_table),))
    found = _breaches(metric_values(table), row_base(table), thresholds, "table", table.left_table)
    return Verdict(_worst(found), tuple(found))


def judge_run(
    tables: Sequence[TableResult], run_thresholds: Thresholds, verdicts: Sequence[Verdict] | None = None
) -> Verdict:
    """The run's verdict: the worst table verdict, and the run's own limits over the totals.

    Its breaches are every table's (scope "table", with the table named) then the run's own (scope
    "run"), so one list says everything that broke. `verdicts` are the tables' (judged by
    `judge_table` when a table has none).
    """
    if verdicts is None:
        verdicts = [t.verdict or Verdict("pass") for t in tables]
    totals = dict.fromkeys(METRICS, 0)
    for table in tables:
        for metric, value in metric_values(table).items():
            totals[metric] += value
    rows = sum(row_base(t) for t in tables)
    own = _breaches(totals, rows, run_thresholds, "run", None)
    table_breaches = [b for v in verdicts for b in v.breaches]
    # The tables' own levels count too: a verdict built by hand may have no breach.
    floor = max((v.level for v in verdicts), key=_RANK.__getitem__, default="pass")
    level = _worst([*own, *table_breaches], floor=floor)
    return Verdict(level, (*table_breaches, *own))


class Judge(Protocol):
    """What `with_verdicts` needs of a check file: each table's thresholds and the run's."""

    run_thresholds: Thresholds

    def thresholds_for(self, left_table: str | None, right_table: str | None) -> Thresholds: ...


def with_verdicts(
    result: DiffResult,
    thresholds: Thresholds | Mapping[str, Thresholds] | Judge,
    run_thresholds: Thresholds | None = None,
) -> DiffResult:
    """`result` with every table's verdict and the run's filled in.

    `thresholds`: one `Thresholds` for every table, a mapping by left table name (a table not in it
    gets `DEFAULT_THRESHOLDS`), or a `CheckFile` (each table's entry, and its `run_thresholds`
    when `run_thresholds` is not given).
    """
    if isinstance(thresholds, Thresholds):

        def lookup(table: TableResult) -> Thresholds:
            return thresholds

    elif isinstance(thresholds, Mapping):

        def lookup(table: TableResult) -> Thresholds:
            return thresholds.get(table.left_table, DEFAULT_THRESHOLDS)

    else:
        judge = thresholds

        def lookup(table: TableResult) -> Thresholds:
            # A table on one side only has no name on the other: the entry is found by its side's.
            left = None if table.only_on == "right" else table.left_table
            right = None if table.only_on == "left" else table.right_table
            return judge.thresholds_for(left, right)

        if run_thresholds is None:
            run_thresholds = judge.run_thresholds
    tables = tuple(dataclasses.replace(t, verdict=judge_table(t, lookup(t))) for t in result.tables)
    verdict = judge_run(tables, run_thresholds or Thresholds(), [t.verdict for t in tables if t.verdict])
    return dataclasses.replace(result, tables=tables, verdict=verdict)
