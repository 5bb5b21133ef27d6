"""STAND-INS for issue 11's other parts, so `dbdiff run` works end to end before they land.

THE LEAD DELETES THIS MODULE at merge and swaps the one import block of `dbdiff.reconcile` (and
`_fallback.list_tables(source)` for `source.list_tables()`) for the real parts:

- part A: `dbdiff.checkfile` (CheckFile, TableEntry, TablePair, load_checkfile, resolve_tables),
  `dbdiff.thresholds` (Thresholds, judge_table, judge_run), `dbdiff.monitor` (write_verdict_file,
  write_prometheus);
- part B: `Source.list_tables()`, `dbdiff.names.pair_names`, planning with `uncovered="skip"` and
  `dbdiff.catalog_diff.catalog_differences` (here: `plan_pair`);
- part E: `dbdiff.history.History`.

Each keeps design.md's signature and only as much behaviour as the run's tests need.
"""

from __future__ import annotations

import dataclasses
import fnmatch
import hashlib
import json
import os
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbdiff.catalog import TableCatalog
from dbdiff.errors import ConfigError, RuleError
from dbdiff.names import did_you_mean
from dbdiff.result import Breach, DiffResult, TableResult, Verdict

# --- part A: thresholds ------------------------------------------------------------------------

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


@dataclass(frozen=True)
class Limit:
    warn: float | None = None
    fail: float | None = None
    text: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Thresholds:
    limits: Mapping[str, Limit] = field(default_factory=dict)

    def over(self, other: Thresholds) -> Thresholds:
        return Thresholds({**other.limits, **self.limits})


DEFAULT_THRESHOLDS = Thresholds(
    {
        m: Limit(warn=0, text={"warn": "0"}) if m == "warnings" else Limit(fail=0, text={"fail": "0"})
        for m in METRICS
    }
)


def _limit_value(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise ConfigError(f"{where}: {value!r} is not a number or a percentage")
    if isinstance(value, str):
        match = re.fullmatch(r"\s*(\d+(?:\.\d+)?)\s*%\s*", value)
        if not match:
            raise ConfigError(f"{where}: {value!r} is not a number or a percentage")
        return float(match.group(1)) / 100
    return float(value)


def parse_thresholds(data: Any, where: str) -> Thresholds:
    if data is None:
        return Thresholds()
    if not isinstance(data, Mapping):
        raise ConfigError(f"{where} must be a mapping of metric: {{warn, fail}}")
    limits = {}
    for metric, levels in data.items():
        if metric not in METRICS:
            hint = did_you_mean(str(metric), METRICS)
            raise ConfigError(f"{where}: unknown metric {metric!r}" + (f" ({hint})" if hint else ""))
        if not isinstance(levels, Mapping) or set(levels) - {"warn", "fail"}:
            raise ConfigError(f"{where}.{metric} must be {{warn: N, fail: N}}")
        values = {lv: _limit_value(v, f"{where}.{metric}.{lv}") for lv, v in levels.items()}
        limits[metric] = Limit(values.get("warn"), values.get("fail"), {k: str(v) for k, v in levels.items()})
    return Thresholds(limits)


def metric_values(table: TableResult) -> dict[str, int]:
    s = table.summary
    return {
        "changed": s.changed,
        "only_left": s.only_left,
        "only_right": s.only_right,
        "duplicate_keys": s.duplicate_keys_left + s.duplicate_keys_right,
        "null_keys": s.null_keys_left + s.null_keys_right,
        "failed_checks": len(table.validation.failures),
        "unreadable": sum(c.unreadable for c in table.columns),
        "warnings": sum(int(w.get("count", 0)) for w in table.warnings),
        "schema": len(table.schema.only_left)
        + len(table.schema.only_right)
        + len(table.schema.differences)
        + (1 if table.only_on else 0),
    }


def _judge(
    values: Mapping[str, float], thresholds: Thresholds, total: int, scope: str, table: str | None
) -> list[Breach]:
    breaches = []
    for metric, limit in thresholds.limits.items():
        value = values.get(metric, 0)
        for level in ("fail", "warn"):
            bound = getattr(limit, level)
            if bound is None:
                continue
            most = bound * total if 0 < bound < 1 else bound
            if value > most:
                breaches.append(Breach(metric, level, value, limit.text.get(level, str(bound)), scope, table))
                break
    return breaches


def _level(breaches: Sequence[Breach]) -> str:
    levels = {b.level for b in breaches}
    return "fail" if "fail" in levels else "warn" if "warn" in levels else "pass"


def judge_table(table: TableResult, thresholds: Thresholds) -> Verdict:
    if table.status == "error":
        return Verdict("fail", (Breach("error", "fail", 1, "0", "table", table.left_table),))
    total = max(table.summary.rows_left, table.summary.rows_right)
    breaches = _judge(metric_values(table), thresholds, total, "table", table.left_table)
    return Verdict(_level(breaches), tuple(breaches))


def judge_run(tables: Sequence[TableResult], run_thresholds: Thresholds) -> Verdict:
    sums: dict[str, float] = {}
    for t in tables:
        for metric, value in metric_values(t).items():
            sums[metric] = sums.get(metric, 0) + value
    total = sum(max(t.summary.rows_left, t.summary.rows_right) for t in tables)
    breaches = [b for t in tables if t.verdict is not None for b in t.verdict.breaches]
    breaches += _judge(sums, run_thresholds, total, "run", None)
    return Verdict(_level(breaches), tuple(breaches))


# --- part A: the check file ----------------------------------------------------------------------


@dataclass(frozen=True)
class TableEntry:
    pattern: str | None
    left: str | None
    right: str | None
    exclude: tuple[str, ...]
    options: Mapping[str, Any]
    thresholds: Thresholds
    line: int = 0


@dataclass(frozen=True)
class TablePair:
    left: str
    right: str
    entry: TableEntry


@dataclass(frozen=True)
class CheckFile:
    path: Path
    sha256: str
    left_url: str
    right_url: str
    match_names: str
    tables: tuple[TableEntry, ...]
    thresholds: Thresholds
    run_thresholds: Thresholds
    history: str | None
    history_last: int
    history_in_source: bool
    tables_at_once: int
    workers: int
    memory_limit: str | None

    def thresholds_for(self, left_table: str, right_table: str) -> Thresholds:
        """The thresholds of the first entry that chooses the table (part A has this too)."""
        for entry in self.tables:
            names = (entry.left, entry.right) if entry.pattern is None else ()
            if left_table in names or right_table in names:
                return entry.thresholds
            if entry.pattern is not None and fnmatch.fnmatchcase(left_table, entry.pattern):
                return entry.thresholds
        return self.thresholds


_TOP = (
    "version",
    "left",
    "right",
    "match_names",
    "history",
    "history_last",
    "run",
    "defaults",
    "thresholds",
    "run_thresholds",
    "tables",
)
_ENTRY = ("name", "left", "right", "exclude", "thresholds")


def _option_keywords() -> list[str]:
    from dbdiff.options import DIFF, DiffOptions, offered

    return [i.keyword for i in offered(DiffOptions, DIFF) if i.keyword not in ("table", "right_table")]


def _unknown(keys: Any, known: Sequence[str], where: str, path: Path) -> None:
    for key in keys:
        if key not in known:
            hint = did_you_mean(str(key), known)
            raise ConfigError(f"{path.name}: unknown key {key!r} in {where}" + (f" ({hint})" if hint else ""))


def _url(value: Any, side: str, environ: Mapping[str, str], path: Path) -> str:
    if isinstance(value, Mapping) and set(value) == {"env"}:
        name = str(value["env"])
        if not environ.get(name):
            raise ConfigError(f"{path.name}: {side}: environment variable {name} is not set")
        return environ[name]
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{path.name}: {side} must be a URL or {{env: NAME}}")
    return value


def load_checkfile(path: str | Path, *, environ: Mapping[str, str] | None = None) -> CheckFile:
    import yaml

    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError(f"check file {str(path)!r} cannot be read: {exc.strerror}") from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path.name} is not valid YAML: {' '.join(str(exc).split())}") from None
    if not isinstance(data, Mapping):
        raise ConfigError(f"{path.name} is not a mapping of settings")
    environ = os.environ if environ is None else environ
    _unknown(data, _TOP, "the check file", path)
    keywords = _option_keywords()
    defaults = dict(data.get("defaults") or {})
    _unknown(defaults, keywords, "defaults", path)
    base = parse_thresholds(data.get("thresholds"), "thresholds").over(DEFAULT_THRESHOLDS)
    entries = []
    if not data.get("tables"):
        raise ConfigError(f"{path.name}: no 'tables' (list the tables to compare, or '*' for every table)")
    for item in data["tables"]:
        item = {"name": item} if isinstance(item, str) else dict(item)
        where = f"table {item.get('name') or item.get('left')!r}"
        _unknown(item, [*_ENTRY, *keywords], where, path)
        options = {**defaults, **{k: v for k, v in item.items() if k not in _ENTRY}}
        entries.append(
            TableEntry(
                pattern=item.get("name"),
                left=item.get("left"),
                right=item.get("right"),
                exclude=tuple(item.get("exclude") or ()),
                options=options,
                thresholds=parse_thresholds(item.get("thresholds"), f"{where} thresholds").over(base),
            )
        )
    run = dict(data.get("run") or {})
    _unknown(run, ("tables_at_once", "workers", "memory_limit"), "run", path)
    history = data.get("history", path.with_name(path.stem + ".history.duckdb"))
    return CheckFile(
        path=path,
        sha256=hashlib.sha256(raw).hexdigest(),
        left_url=_url(data.get("left"), "left", environ, path),
        right_url=_url(data.get("right"), "right", environ, path),
        match_names=str(data.get("match_names", "case")),
        tables=tuple(entries),
        thresholds=base,
        run_thresholds=parse_thresholds(data.get("run_thresholds"), "run_thresholds"),
        history=None if history is False else str(history),
        history_last=int(data.get("history_last", 20)),
        history_in_source=False,
        tables_at_once=int(run.get("tables_at_once", 2)),
        workers=int(run.get("workers", 4)),
        memory_limit=run.get("memory_limit"),
    )


def pair_names(
    left: Sequence[str], right: Sequence[str], mode: str, mapping: Mapping[str, str] = {}
) -> list[tuple[str | None, str | None]]:
    """Part B's pairing, reduced to exact names then names equal ignoring case."""
    rest = {r.casefold(): r for r in right}
    pairs: list[tuple[str | None, str | None]] = []
    for name in left:
        partner = mapping.get(name) or (name if name in right else rest.get(name.casefold()))
        pairs.append((name, partner if partner in right else None))
    used = {r for _, r in pairs}
    return pairs + [(None, r) for r in right if r not in used]


def resolve_tables(
    checkfile: CheckFile, left_tables: Sequence[str], right_tables: Sequence[str]
) -> tuple[list[TablePair], list[str], list[str]]:
    pairs: list[TablePair] = []
    only_left: list[str] = []
    only_right: list[str] = []
    seen: set[str] = set()
    for entry in checkfile.tables:
        if entry.pattern is None:
            if entry.left not in left_tables or entry.right not in right_tables:
                raise ConfigError(f"tables: the pair {entry.left!r} -> {entry.right!r} names no table")
            assert entry.left is not None and entry.right is not None
            pairs.append(TablePair(entry.left, entry.right, entry))
            seen.add(entry.left)
            continue
        found = False
        for lt, rt in pair_names(left_tables, right_tables, checkfile.match_names):
            name = lt or rt
            assert name is not None
            if not fnmatch.fnmatchcase(name, entry.pattern) or any(
                fnmatch.fnmatchcase(name, x) for x in entry.exclude
            ):
                continue
            found = True
            if name in seen:
                continue
            seen.add(name)
            if lt and rt:
                pairs.append(TablePair(lt, rt, entry))
            else:
                (only_left if lt else only_right).append(name)
        if not found:
            hint = did_you_mean(entry.pattern, [*left_tables, *right_tables])
            raise ConfigError(f"tables: {entry.pattern!r} matches no table" + (f" ({hint})" if hint else ""))
    return pairs, only_left, only_right


# --- part A: monitor -----------------------------------------------------------------------------


def _replace(path: Path, text: str) -> None:
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(text, encoding="utf-8")
    os.replace(tmp, path)


def write_verdict_file(result: DiffResult, path: Path) -> None:
    data = {
        "verdict": result.verdict.level if result.verdict else None,
        "exit_code": result.exit_code,
        "status": result.status,
        "run_id": result.options.get("run_id"),
        "started_at": result.started_at,
        "duration_s": result.duration_s,
        "checkfile": result.options.get("checkfile"),
        "tables": {t.left_table: t.verdict.level if t.verdict else None for t in result.tables},
        "breaches": [b.to_dict() for b in (result.verdict.breaches if result.verdict else ())],
    }
    _replace(Path(path), json.dumps(data, indent=2) + "\n")


def write_prometheus(result: DiffResult, path: Path) -> None:
    levels = {"pass": 0, "warn": 1, "fail": 2}
    lines = ["# TYPE dbdiff_run_verdict gauge"]
    lines.append(f"dbdiff_run_verdict {levels[result.verdict.level] if result.verdict else 2}")
    lines.append(f"dbdiff_run_duration_seconds {result.duration_s}")
    for t in result.tables:
        name = t.left_table.replace("\\", "\\\\").replace('"', '\\"')
        lines.append(f'dbdiff_table_rows{{table="{name}",side="left"}} {t.summary.rows_left}')
        lines.append(f'dbdiff_table_rows{{table="{name}",side="right"}} {t.summary.rows_right}')
        lines.append(f'dbdiff_table_differences{{table="{name}",kind="changed"}} {t.summary.changed}')
        lines.append(f'dbdiff_table_error{{table="{name}"}} {1 if t.status == "error" else 0}')
    _replace(Path(path), "\n".join(lines) + "\n")


# --- part B: catalogs ----------------------------------------------------------------------------


def list_tables(source: Any) -> list[str]:
    """`Source.list_tables()`: base tables of the database (MySQL, PostgreSQL, DuckDB)."""
    if source.dialect == "mysql":
        sql = (
            "SELECT TABLE_NAME FROM information_schema.TABLES "
            "WHERE TABLE_SCHEMA = %s AND TABLE_TYPE = 'BASE TABLE' ORDER BY 1"
        )
        return [r[0] for r in source._query(sql, (source.url.database,))]
    if source.dialect == "postgresql":
        sql = (
            "SELECT table_name FROM information_schema.tables "
            "WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY 1"
        )
        return [r[0] for r in source._query(sql)]
    return [r.display for r in source._list_relations()]


def plan_pair(left: Any, right: Any, options: Any, executor: Any) -> tuple[Any, tuple[dict[str, Any], ...]]:
    """Part B's `build_plan(..., uncovered="skip")` + `catalog_differences`: columns no rule
    covers are left out and reported as "type" differences, with nullability and primary keys."""
    from dbdiff.engine.planning import build_plan
    from dbdiff.plan import match_columns
    from dbdiff.rules import load_rules

    lcat, rcat = executor.both(
        lambda: left.introspect(options.table), lambda: right.introspect(options.right_table or options.table)
    )
    rules = load_rules(options.rules, left_dialect=left.dialect, right_dialect=right.dialect)
    differences: list[dict[str, Any]] = []
    skip = []
    for m in match_columns(lcat, rcat):
        if m.left is None or m.right is None:
            continue
        try:
            rules.choose(m.left, m.right, left.dialect, right.dialect, options.overrides.get(m.left.name))
        except RuleError:
            if m.left.name not in options.columns and m.left.name not in options.key:
                skip.append(m.left.name)
                differences.append(
                    _difference(
                        "type",
                        m.left.name,
                        m.left.native_type,
                        m.right.native_type,
                        "no rule compares these types: left out of the comparison",
                    )
                )
            continue
        if m.left.nullable != m.right.nullable:
            differences.append(
                _difference(
                    "nullability",
                    m.left.name,
                    m.left.nullable,
                    m.right.nullable,
                    "NULL allowed on one side only",
                )
            )
    differences += _key_difference(lcat, rcat)
    options = dataclasses.replace(options, exclude=[*options.exclude, *skip])
    return build_plan(left, right, options, rules, executor=executor), tuple(differences)


def _difference(kind: str, column: str | None, left: Any, right: Any, message: str) -> dict[str, Any]:
    return {"kind": kind, "column": column, "left": left, "right": right, "message": message}


def _key_difference(lcat: TableCatalog, rcat: TableCatalog) -> list[dict[str, Any]]:
    lk, rk = [c.casefold() for c in lcat.primary_key], [c.casefold() for c in rcat.primary_key]
    if lk == rk:
        return []
    return [
        _difference(
            "primary_key", None, list(lcat.primary_key), list(rcat.primary_key), "the primary keys differ"
        )
    ]


# --- part E: history -----------------------------------------------------------------------------


def history_entry(result: DiffResult) -> dict[str, Any]:
    return {
        "run_id": result.options.get("run_id"),
        "started_at": result.started_at,
        "duration_s": result.duration_s,
        "verdict": result.verdict.level if result.verdict else None,
        "status": result.status,
        "tables": {
            t.left_table: {
                "verdict": t.verdict.level if t.verdict else None,
                "status": t.status,
                **{
                    k: getattr(t.summary, k)
                    for k in ("rows_left", "rows_right", "changed", "only_left", "only_right")
                },
            }
            for t in result.tables
        },
    }


class History:
    """A JSON-lines file of run entries (part E keeps them in DuckDB or PostgreSQL)."""

    def __init__(self, path: Path) -> None:
        self.path = path

    @classmethod
    def open(cls, target: str | Path, *, sources: Sequence[str] = (), in_source: bool = False) -> History:
        if "://" in str(target):
            raise ConfigError(f"history {target!r}: the stand-in keeps history in a file only")
        return cls(Path(target))

    def append(self, result: DiffResult, *, reports: Mapping[str, str] = {}) -> None:
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps({**history_entry(result), "reports": dict(reports)}) + "\n")

    def entries(self, *, last: int = 20, table: str | None = None) -> list[dict[str, Any]]:
        lines = self.path.read_text(encoding="utf-8").splitlines() if self.path.exists() else []
        return [json.loads(line) for line in lines[-last:]]

    def close(self) -> None:
        pass
