"""Masking: reports carry keyed hashes instead of the values of sensitive columns.

`--mask email` replaces every sample value of `email` (and every validation example of it) with
`masked:` plus 12 hex digits of an HMAC-SHA256 under a key drawn afresh for each run. Within one
report equal values hash alike, so "left and right differ" stays visible; across runs, and to
anyone without the key, the hashes say nothing about the values. NULL stays NULL. The rows behind
`result.changed()` and friends stay unmasked: they live in memory on the machine that ran the diff.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any

from dbdiff.catalog import find_named
from dbdiff.errors import ColumnError, DbdiffError, RuntimeFailure
from dbdiff.result import DiffResult, Samples, TableResult, Validation, ValidationFailure


def check_mask(pairs: Sequence[Any], columns: Sequence[str]) -> None:
    """`ColumnError` when a masked column is not among the compared `pairs` (see `masked_columns`)."""
    masked_columns(pairs, columns)


def masked_columns(pairs: Sequence[Any], columns: Sequence[str]) -> set[str]:
    """The names of the compared `pairs` (plan or result column pairs) that `columns` mean.

    A name matches exactly, else ignoring case when only one pair matches so; `ColumnError` when a
    name matches no compared column or several.
    """
    masked = set()
    for column in columns:
        found = find_named(column, pairs, _pair_names)
        if len(found) != 1:
            shown = " and ".join(repr(p.name) for p in found)
            raise ColumnError(
                f"--mask names column {column!r}, which "
                + (f"is ambiguous: it matches {shown} only ignoring case" if found else "is not compared"),
                hint="compared columns: " + ", ".join(sorted(p.name for p in pairs)),
            )
        masked.add(found[0].name)
    return masked


def _pair_names(pair: Any) -> tuple[str, ...]:
    right = getattr(pair, "right_name", None) or getattr(getattr(pair, "right", None), "name", None)
    return (pair.name, right) if right else (pair.name,)


def mask_result(result: DiffResult, columns: Sequence[str], *, key: bytes | None = None) -> DiffResult:
    """A copy of `result` whose reports show hashes for `columns` (resolved as `check_mask` says)."""
    if not columns:
        return result
    wanted = [masked_columns(t.schema.columns, columns) for t in result.tables]
    secret = key if key is not None else secrets.token_bytes(32)

    def hide(value: Any) -> Any:
        if value is None:
            return None
        data = json.dumps(value, sort_keys=True, ensure_ascii=False).encode("utf-8")
        return "masked:" + hmac.new(secret, data, hashlib.sha256).hexdigest()[:12]

    tables = tuple(_mask_table(t, w, hide) for t, w in zip(result.tables, wanted, strict=True))
    options = {**result.options, "mask": sorted({c for c in columns})}
    return dataclasses.replace(result, tables=tables, options=options)


def _mask_table(table: TableResult, wanted: set[str], hide: Callable[[Any], Any]) -> TableResult:
    def row(values: Mapping[str, Any]) -> dict[str, Any]:
        return {k: hide(v) if k in wanted else v for k, v in values.items()}

    def sample(item: Mapping[str, Any]) -> dict[str, Any]:
        out = dict(item)
        for field in ("key", "row"):
            if field in out:
                out[field] = row(out[field])
        if "diffs" in out:
            out["diffs"] = {
                # "unreadable" names a side, not a value: it stays.
                col: {k: v if k == "unreadable" else hide(v) for k, v in pair.items()}
                if col in wanted
                else pair
                for col, pair in out["diffs"].items()
            }
        return out

    s = table.samples
    samples = Samples(
        only_left=tuple(sample(x) for x in s.only_left),
        only_right=tuple(sample(x) for x in s.only_right),
        changed=tuple(sample(x) for x in s.changed),
        duplicates=tuple(sample(x) for x in s.duplicates),
        null_keys=tuple(sample(x) for x in s.null_keys),
    )

    def example_value(column: str | None, value: Any) -> Any:
        if column is not None and column in wanted:
            if isinstance(value, Mapping) and set(value) == {"left", "right"}:
                return {side: hide(v) for side, v in value.items()}  # an aggregate: keep which side
            return hide(value)
        if isinstance(value, Mapping):
            return row(value)  # a frame-wide check or a multi-column unique: a row of values
        return value

    def failure(f: ValidationFailure) -> ValidationFailure:
        examples = tuple(
            {**e, "key": row(e.get("key", {})), "value": example_value(f.column, e.get("value"))}
            if "value" in e
            else {**e, "key": row(e.get("key", {}))}
            for e in f.examples
        )
        return dataclasses.replace(f, examples=examples)

    validation = Validation(
        passed=table.validation.passed, failures=tuple(failure(f) for f in table.validation.failures)
    )
    stats = dict(table.stats)
    if isinstance(stats.get("aggregates"), Mapping):
        stats["aggregates"] = {
            column: _hide_all(values, hide) if column in wanted else values
            for column, values in stats["aggregates"].items()
        }
    warnings = tuple(
        {
            **w,
            "examples": [
                {"key": row(e.get("key", {})), "value": example_value(w.get("column"), e.get("value"))}
                for e in w.get("examples", ())
            ],
        }
        for w in table.warnings
    )
    recheck = table.recheck
    if recheck is not None:  # the transient and vanished keys a recheck samples
        recheck = {**recheck, "samples": [sample(x) for x in recheck.get("samples", ())]}
    return dataclasses.replace(
        table, samples=samples, validation=validation, stats=stats, warnings=warnings, recheck=recheck
    )


def _hide_all(value: Any, hide: Callable[[Any], Any]) -> Any:
    """Every leaf of nested mappings hidden (counts stay: they say nothing of the values)."""
    if isinstance(value, Mapping):
        return {k: v if k == "count" else _hide_all(v, hide) for k, v in value.items()}
    return hide(value)


# --- values of masked columns in errors and log lines -------------------------------------------


def is_masked(columns: Sequence[str]) -> Callable[[str | None], bool]:
    """Whether a quoted value of `column` must be hidden: a masked column's, or one of no known
    column (a driver's message may quote any value)."""
    wanted = {c.lower() for c in columns}
    return lambda column: bool(wanted) and (column is None or column.lower() in wanted)


class _HideMaskedValues(logging.Filter):
    def __init__(self, masked: Callable[[str | None], bool]) -> None:
        super().__init__()
        self.masked = masked

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                a.hiding(self.masked) if isinstance(a, DbdiffError) else a for a in record.args
            )
        if isinstance(record.msg, DbdiffError):
            record.msg = record.msg.hiding(self.masked)
        return True


@contextlib.contextmanager
def hiding_masked_values(columns: Sequence[str]) -> Iterator[None]:
    """While a run with `--mask` goes on: errors and dbdiff's log lines that quote a value of a
    masked column show `<masked>` in its place; an unexpected error's text (which may quote any
    value) is not shown at all."""
    if not columns:
        yield
        return
    masked = is_masked(columns)
    hide = _HideMaskedValues(masked)
    # Logger filters see only records logged on that very logger: put one on each of dbdiff's.
    loggers = [logging.getLogger("dbdiff"), logging.getLogger("dbdiff.engine")] + [
        logger
        for name, logger in logging.Logger.manager.loggerDict.items()
        if name.startswith("dbdiff.") and isinstance(logger, logging.Logger)
    ]
    for logger in loggers:
        logger.addFilter(hide)
    try:
        yield
    except DbdiffError as exc:
        hidden = exc.hiding(masked)
        if hidden is exc:
            raise
        raise hidden from None
    except MemoryError:
        raise
    except Exception as exc:
        raise RuntimeFailure(
            f"internal error ({type(exc).__name__}); its text is not shown, as it may quote a value of "
            "a masked column",
            hint="run it again without --mask to see it",
        ) from None
    finally:
        for logger in loggers:
            logger.removeFilter(hide)
