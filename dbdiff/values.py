"""Lossless JSON encoding of values, and the deterministic ordering of sample keys.

The JSON contract: integers as numbers (however large), strings as strings, booleans as booleans,
decimals as strings ("1.10"), floats as numbers ("NaN"/"Infinity" as strings), dates and times as
ISO 8601 (with the offset when the value has a zone), bytes as "\\x" + hex, JSON as canonical text.
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
import re
from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    import polars as pl

    from dbdiff.result import TableResult


def encode_value(value: Any) -> Any:
    """One Python value (as polars/Arrow give it) in its lossless JSON form."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        if math.isnan(value):
            return "NaN"
        if math.isinf(value):
            return "Infinity" if value > 0 else "-Infinity"
        return value
    if isinstance(value, decimal.Decimal):
        return format(value, "f")
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "\\x" + bytes(value).hex()
    if isinstance(value, dt.datetime):
        return value.isoformat()
    if isinstance(value, (dt.date, dt.time)):
        return value.isoformat()
    if isinstance(value, dt.timedelta):
        return _iso_duration(value)
    if isinstance(value, Mapping):
        return {str(k): encode_value(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [encode_value(v) for v in value]
    return str(value)


def _iso_duration(value: dt.timedelta) -> str:
    total_us = value.days * 86_400_000_000 + value.seconds * 1_000_000 + value.microseconds
    sign = "-" if total_us < 0 else ""
    total_us = abs(total_us)
    seconds, micros = divmod(total_us, 1_000_000)
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    frac = f".{micros:06d}".rstrip("0") if micros else ""
    return f"{sign}PT{hours}H{minutes}M{secs}{frac}S"


def encode_row(row: Mapping[str, Any]) -> dict[str, Any]:
    return {name: encode_value(v) for name, v in row.items()}


def changed_names(key: Sequence[str], columns: Sequence[str]) -> tuple[str, list[tuple[str, str]]]:
    """The names of a changed-rows frame's own columns: (`differs`, [(`<col>_left`, `<col>_right`)]).

    Key columns keep their names; a derived name that equals one of them (a key column called
    `differs`, or `a_left` beside a compared column `a`) gets trailing underscores until it is free.
    Derived names cannot collide with each other (`_left` and `_right` endings differ).
    """
    taken = set(key)

    def free(name: str) -> str:
        while name in taken:
            name += "_"
        return name

    return free("differs"), [(free(f"{c}_left"), free(f"{c}_right")) for c in columns]


def samples_frame(table: TableResult, kind: str) -> pl.DataFrame:
    """A DataFrame built from a result's samples (used when the full rows are no longer at hand)."""
    import polars as pl

    samples = getattr(table.samples, kind)
    if kind == "changed":
        columns_seen = list(dict.fromkeys(c for s in samples for c in s["diffs"]))
        _, sides = changed_names(table.key, columns_seen)
        names = dict(zip(columns_seen, sides, strict=True))
        records = []
        for s in samples:
            record = dict(s["key"])
            for column, pair in s["diffs"].items():
                record[names[column][0]] = pair["left"]
                record[names[column][1]] = pair["right"]
            records.append(record)
    else:
        records = [{**s["key"], **{k: v for k, v in s["row"].items() if k not in s["key"]}} for s in samples]
    records = [{k: truncated_text(v) if is_truncated(v) else v for k, v in r.items()} for r in records]
    if not records:
        return pl.DataFrame({k: [] for k in table.key})
    columns: dict[str, list[Any]] = {}
    for record in records:
        for name in record:
            columns.setdefault(name, [])
    for record in records:
        for name in columns:
            columns[name].append(record.get(name))
    return pl.DataFrame(columns, strict=False)


_PY_MIN_YEAR, _PY_MAX_YEAR = 1, 9999


def frame_rows(frame: pl.DataFrame) -> list[dict[str, Any]]:
    """The rows of a (small) frame as dicts, safe for `encode_value`.

    PostgreSQL's 'infinity' and '-infinity' dates and timestamps reach polars as the largest and
    smallest values it holds, beyond what Python's datetime can: those cells become the strings
    'infinity' and '-infinity' instead of breaking the report.
    """
    import polars as pl

    fixes = []
    for name, dtype in frame.schema.items():
        if not isinstance(dtype, (pl.Datetime, pl.Date)):
            continue
        # Under a plain name: polars' Series methods would read a name like "^...$" as a pattern.
        years = frame.get_column(name).alias("v").dt.year()
        outside = years.filter((years < _PY_MIN_YEAR) | (years > _PY_MAX_YEAR))
        if outside.len():
            column = user_col(name)
            year = column.dt.year()
            if isinstance(dtype, pl.Date):
                shown = column.dt.to_string("%Y-%m-%d")
            else:
                shown = column.dt.to_string("%Y-%m-%dT%H:%M:%S%.6f" + ("%:z" if dtype.time_zone else ""))
            fixes.append(
                pl.when(year > _PY_MAX_YEAR)
                .then(pl.lit("infinity"))
                .when(year < _PY_MIN_YEAR)
                .then(pl.lit("-infinity"))
                .otherwise(shown)
                .alias(name)
            )
    if fixes:
        frame = frame.with_columns(fixes)
    return list(frame.iter_rows(named=True))


def is_pattern_name(name: str) -> bool:
    """Whether polars' `pl.col` reads `name` as a pattern: "*" as every column, "^...$" as a regex
    (pandera, which selects with `pl.col`, too: it takes a "^...$" column name for a regex)."""
    return name == "*" or (name.startswith("^") and name.endswith("$"))


def exact_pattern(name: str) -> str:
    """The regex (for polars' `pl.col`, or a pandera column) that matches `name` alone."""
    return f"^{re.escape(name)}$"


def user_col(name: str) -> pl.Expr:
    """A user column by its exact name: a name `pl.col` reads as a pattern is selected through a
    pattern that matches only itself."""
    import polars as pl

    if is_pattern_name(name):
        return pl.col(exact_pattern(name))
    return pl.col(name)


# --- bounded sample values ---------------------------------------------------------------------

#: A sample value whose JSON text is longer than this many characters is written bounded.
SAMPLE_VALUE_LIMIT = 1024
#: Characters of a bounded value kept, and how many of them come before its first difference
#: (the window the HTML report shows, so a report re-rendered from JSON shows the same).
WINDOW = 200
WINDOW_CONTEXT = 40


def is_truncated(value: Any) -> bool:
    """True for the marker that stands for a long value in samples (see `bound_value`)."""
    return isinstance(value, Mapping) and value.get("truncated") is True and "window" in value


def bound_value(value: Any, other: Any = None) -> Any:
    """`value` (JSON-encoded) as it is, or, when it is text longer than `SAMPLE_VALUE_LIMIT`, a marker:

    {"truncated": true, "length": N, "sha256": "...", "offset": i, "window": value[i:i + 200]}

    `length` counts the characters of the whole value, `sha256` hashes its UTF-8 bytes, and the
    window starts 40 characters before the first difference from `other` (the other side's value)
    when that lies beyond the first 160 characters, else at 0.
    """
    if not isinstance(value, str) or len(value) <= SAMPLE_VALUE_LIMIT:
        return value
    size = len(value)
    focus = _common_prefix(value, other) if isinstance(other, str) else 0
    start = 0
    if size > WINDOW and focus > WINDOW - WINDOW_CONTEXT:
        start = max(0, min(focus - WINDOW_CONTEXT, size - WINDOW))
    import hashlib

    return {
        "truncated": True,
        "length": size,
        "sha256": hashlib.sha256(value.encode("utf-8", "surrogatepass")).hexdigest(),
        "offset": start,
        "window": value[start : start + WINDOW],
    }


def _common_prefix(text: str, other: str) -> int:
    limit = min(len(text), len(other))
    i = 0
    # Compare in blocks first: megabyte values that differ near their end stay fast.
    step = 4096
    while i + step <= limit and text[i : i + step] == other[i : i + step]:
        i += step
    while i < limit and text[i] == other[i]:
        i += 1
    return i


def bound_samples(samples: Any) -> Any:
    """`Samples` with every long value bounded (keys are kept whole: they name the row)."""
    import dataclasses

    def rows(items: Any) -> tuple[dict[str, Any], ...]:
        out = []
        for item in items:
            if "row" in item:
                item = {**item, "row": {k: bound_value(v) for k, v in item["row"].items()}}
            out.append(item)
        return tuple(out)

    changed = []
    for item in samples.changed:
        diffs = {
            name: {
                **pair,
                "left": bound_value(pair.get("left"), pair.get("right")),
                "right": bound_value(pair.get("right"), pair.get("left")),
            }
            for name, pair in item.get("diffs", {}).items()
        }
        changed.append({**item, "diffs": diffs})
    return dataclasses.replace(
        samples,
        changed=tuple(changed),
        only_left=rows(samples.only_left),
        only_right=rows(samples.only_right),
        null_keys=rows(samples.null_keys),
    )


def truncated_text(value: Mapping[str, Any]) -> str:
    """A bounded value as one line of text, for frames rebuilt from samples."""
    return f"[truncated: {value.get('length')} characters, sha256 {value.get('sha256')}]"
