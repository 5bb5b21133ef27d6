"""What a run leaves for the machines that watch a cutover: a verdict file and Prometheus metrics.

Both are written atomically (a temporary file in the same directory, then `os.replace`), so a
rollback script or node_exporter's textfile collector never reads half a file. The verdict file is
a tiny JSON (`write_verdict_file`); the metrics follow the Prometheus text exposition format 0.0.4
(`prometheus_text`): HELP and TYPE once per family, label values escaped, one gauge family per
metric, every series labelled with the check file so that several runs on one host never collide.
"""

from __future__ import annotations

import json
import math
import os
import tempfile
from collections.abc import Iterable
from datetime import datetime, timezone
from pathlib import Path

from dbdiff.errors import UsageError
from dbdiff.result import DiffResult, TableResult
from dbdiff.thresholds import METRICS, metric_values

#: A verdict as a number, for alerting rules (`dbdiff_run_verdict >= 2`).
VERDICT_VALUES = {"pass": 0, "warn": 1, "fail": 2}


def run_exit_code(result: DiffResult, *, strict: bool = False) -> int:
    """The exit code `dbdiff run` ends with: the result's, and 1 for a warn verdict under `--strict`
    (the files must say the code the process returns, or a rollback script reads 0 for a 1)."""
    warned = strict and result.verdict is not None and result.verdict.level == "warn"
    return 1 if warned and result.exit_code == 0 else result.exit_code


def verdict_data(result: DiffResult, *, strict: bool = False) -> dict[str, object]:
    """The verdict file's content: what a rollback script needs, nothing more."""
    return {
        "verdict": result.verdict.level if result.verdict is not None else None,
        "exit_code": run_exit_code(result, strict=strict),
        "status": result.status,
        "run_id": result.options.get("run_id"),
        "started_at": result.started_at,
        "duration_s": result.duration_s,
        "checkfile": result.options.get("checkfile"),
        "tables": _table_verdicts(result),
        "breaches": [b.to_dict() for b in result.verdict.breaches] if result.verdict is not None else [],
    }


def _table_verdicts(result: DiffResult) -> dict[str, str | None]:
    """Each table's verdict by name. Two tables can share one (a right-only legacy `orders` beside
    the pair orders -> orders_v2): the name then says the worse, never a pass that hides a fail."""

    def rank(level: str | None) -> int:
        return VERDICT_VALUES.get(level, -1) if level is not None else -1

    verdicts: dict[str, str | None] = {}
    for table in result.tables:
        level = table.verdict.level if table.verdict is not None else None
        name = table_name(table)
        if name not in verdicts or rank(level) > rank(verdicts[name]):
            verdicts[name] = level
    return verdicts


def table_name(table: TableResult) -> str:
    """A table as the monitors name it: its left name (the right one for a right-only table)."""
    return table.left_table or table.right_table


def write_verdict_file(result: DiffResult, path: str | Path, *, strict: bool = False) -> None:
    """Write the verdict file (JSON) atomically."""
    text = json.dumps(verdict_data(result, strict=strict), indent=2, ensure_ascii=False) + "\n"
    write_atomically(Path(path), text, what="verdict file")


def write_prometheus(result: DiffResult, path: str | Path, *, strict: bool = False) -> None:
    """Write the run's metrics in the Prometheus text format atomically (name the file `*.prom`
    for node_exporter's textfile collector)."""
    write_atomically(Path(path), prometheus_text(result, strict=strict), what="Prometheus file")


def write_atomically(path: Path, text: str, *, what: str) -> None:
    """`text` into `path` so that a reader sees the old file or the new one, never a part."""
    directory = path.parent if str(path.parent) else Path(".")
    try:
        handle, temporary = tempfile.mkstemp(dir=directory, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as exc:
        raise UsageError(f"cannot write the {what} {str(path)!r}: {exc.strerror or exc}") from None
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as out:
            out.write(text)
            out.flush()
            os.fsync(out.fileno())
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(temporary, 0o666 & ~umask)  # mkstemp's 0600 would hide it from node_exporter
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise UsageError(f"cannot write the {what} {str(path)!r}: {exc.strerror or exc}") from None
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


# --- the Prometheus text format --------------------------------------------------------------------

_FAMILIES = {
    "dbdiff_run_verdict": "Verdict of the last dbdiff run: 0 pass, 1 warn, 2 fail.",
    "dbdiff_run_exit_code": "Exit code of the last dbdiff run (0 pass or warn, 1 fail, 3 a table errored).",
    "dbdiff_run_duration_seconds": "Duration of the last dbdiff run.",
    "dbdiff_run_last_timestamp_seconds": "When the last dbdiff run finished, in seconds since the epoch.",
    "dbdiff_run_tables": "Tables compared by the last dbdiff run.",
    "dbdiff_run_phase_seconds": "Seconds the last dbdiff run spent per phase (reading, normalizing and "
    "comparing summed over its workers; wall is the run's own).",
    "dbdiff_table_rows": "Rows of a table on each side, as the last dbdiff run counted them.",
    "dbdiff_table_differences": "Differences found in a table by the last dbdiff run, by kind.",
    "dbdiff_table_verdict": "Verdict on a table of the last dbdiff run: 0 pass, 1 warn, 2 fail.",
    "dbdiff_table_duration_seconds": "Time the last dbdiff run spent on a table.",
    "dbdiff_table_error": "1 when the last dbdiff run could not compare a table, else 0.",
}


def escape_label(value: str) -> str:
    """A label value as the text format writes it: backslash, double quote and newline escaped."""
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _escape_help(text: str) -> str:
    return text.replace("\\", "\\\\").replace("\n", "\\n")


def _number(value: float) -> str:
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, float) and math.isinf(value):
        return "+Inf" if value > 0 else "-Inf"
    if isinstance(value, bool):
        return str(int(value))
    if isinstance(value, int) or float(value).is_integer():
        return str(int(value))
    return repr(float(value))


def _series(name: str, labels: dict[str, str], value: float) -> str:
    inner = ",".join(f'{key}="{escape_label(text)}"' for key, text in labels.items())
    return f"{name}{{{inner}}} {_number(value)}"


def _finished_at(result: DiffResult) -> float | None:
    try:
        started = datetime.fromisoformat(result.started_at.replace("Z", "+00:00"))
    except ValueError:
        return None
    if started.tzinfo is None:
        started = started.replace(tzinfo=timezone.utc)
    return started.timestamp() + result.duration_s


def prometheus_text(result: DiffResult, *, strict: bool = False) -> str:
    """The run's metrics: run verdict, exit code, duration, finish time and seconds per phase
    (phase=plan, read_left, ...); per table its rows (side=left|right), differences
    (kind=changed, only_left, ...), verdict, duration and error."""
    run = {"checkfile": str(result.options.get("checkfile") or "")}
    samples: dict[str, list[str]] = {name: [] for name in _FAMILIES}
    if result.verdict is not None:
        samples["dbdiff_run_verdict"].append(
            _series("dbdiff_run_verdict", run, VERDICT_VALUES[result.verdict.level])
        )
    code = run_exit_code(result, strict=strict)
    samples["dbdiff_run_exit_code"].append(_series("dbdiff_run_exit_code", run, code))
    samples["dbdiff_run_duration_seconds"].append(
        _series("dbdiff_run_duration_seconds", run, result.duration_s)
    )
    finished = _finished_at(result)
    if finished is not None:
        samples["dbdiff_run_last_timestamp_seconds"].append(
            _series("dbdiff_run_last_timestamp_seconds", run, round(finished, 3))
        )
    samples["dbdiff_run_tables"].append(_series("dbdiff_run_tables", run, len(result.tables)))
    for phase, seconds in result.timings.items():
        samples["dbdiff_run_phase_seconds"].append(
            _series("dbdiff_run_phase_seconds", {**run, "phase": phase}, seconds)
        )
    for table in result.tables:
        for name, line in _table_series(table, run):
            samples[name].append(line)
    lines: list[str] = []
    for name, help_text in _FAMILIES.items():
        if samples[name]:
            lines += [f"# HELP {name} {_escape_help(help_text)}", f"# TYPE {name} gauge", *samples[name]]
    return "\n".join(lines) + "\n"


def _table_series(table: TableResult, run: dict[str, str]) -> Iterable[tuple[str, str]]:
    labels = {**run, "table": table_name(table)}
    if table.only_on is not None:
        # A right-only `orders` beside the pair orders -> orders_v2 has the same name: without this
        # label their series would collide, and node_exporter drops a duplicate series.
        labels["only_on"] = table.only_on
    for side, rows in (("left", table.summary.rows_left), ("right", table.summary.rows_right)):
        yield "dbdiff_table_rows", _series("dbdiff_table_rows", {**labels, "side": side}, rows)
    values = metric_values(table)
    for kind in METRICS:
        yield (
            "dbdiff_table_differences",
            _series("dbdiff_table_differences", {**labels, "kind": kind}, values[kind]),
        )
    if table.verdict is not None:
        level = VERDICT_VALUES[table.verdict.level]
        yield "dbdiff_table_verdict", _series("dbdiff_table_verdict", labels, level)
    seconds = table.stats.get("seconds")
    if isinstance(seconds, (int, float)) and not isinstance(seconds, bool):
        yield "dbdiff_table_duration_seconds", _series("dbdiff_table_duration_seconds", labels, seconds)
    yield "dbdiff_table_error", _series("dbdiff_table_error", labels, int(table.status == "error"))
