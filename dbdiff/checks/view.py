"""The view checks see: one side's chunk under its own column names, holding normalized values.

The values are what the diff compares, in dtypes pandera can check:

- decimals become `Decimal(38, s)` with `s` the larger declared scale of the pair (exact, numeric
  comparisons); when a side declares no scale (PostgreSQL `NUMERIC`) or the precision exceeds 38
  digits they become `Float64`, since a narrower decimal would silently round;
- `TIME` becomes `Duration("us")`; every other normalized value is used as it is (a MySQL
  `TINYINT(1)` compared with a PostgreSQL boolean is `Boolean`, timestamps are naive UTC
  `Datetime("us")`, text is `String`).

Rows whose key has a NULL belong to no chunk, so no view ever holds them.
"""

from __future__ import annotations

import decimal
from typing import Any

import polars as pl

from dbdiff.compare import SUFFIX
from dbdiff.errors import ConfigError
from dbdiff.plan import ColumnPlan, DiffPlan
from dbdiff.values import encode_value

#: A decimal written as text: what the decimal normalizer produces for every finite value.
DECIMAL_TEXT = r"^-?\d+(\.\d+)?$"


def view_columns(plan: DiffPlan, side: str) -> list[tuple[str, str, ColumnPlan]]:
    """(the side's column name, the internal normalized column, its plan) for key then compared columns."""
    sfx = SUFFIX[side]
    out = [(p.on(side).name, f"k{i}", p) for i, p in enumerate(plan.key)]
    out += [(p.on(side).name, f"n{j}{sfx}", p) for j, p in enumerate(plan.columns)]
    return out


def decimal_view_dtype(pair: ColumnPlan) -> pl.DataType:
    """Decimal(38, s) when both sides bound their digits within 38, else Float64 (see module doc)."""
    scales, precisions = [], []
    for column in (pair.left, pair.right):
        if column.family in ("integer", "year"):
            scales.append(0)
            precisions.append(20)
        elif column.scale is not None and column.precision is not None:
            scales.append(column.scale)
            precisions.append(column.precision)
        else:
            return pl.Float64()
    scale = max(scales)
    if max(p - s for p, s in zip(precisions, scales, strict=True)) + scale > 38:
        return pl.Float64()
    return pl.Decimal(38, scale)


def view_expr(internal: str, pair: ColumnPlan) -> pl.Expr:
    """The normalized column in the dtype pandera checks (decimals numeric, TIME as a Duration)."""
    expr = pl.col(internal)
    normalizer = pair.choice.normalizer
    if normalizer == "decimal":
        # `view_frame` refuses values with more digits than the declared scale or precision (a
        # SQLite or file source can hold them), so the cast is exact; values a decimal can't hold
        # (PostgreSQL 'NaN', 'Infinity') become NULL.
        return expr.cast(decimal_view_dtype(pair), strict=False)
    if normalizer == "time":
        return expr.cast(pl.Duration("us"))
    return expr


def view_frame(prepared: pl.DataFrame, plan: DiffPlan, side: str) -> pl.DataFrame:
    """One side's chunk under its own column names, holding normalized values."""
    columns = view_columns(plan, side)
    view = prepared.select([view_expr(internal, p).alias(name) for name, internal, p in columns])
    for name, internal, pair in columns:
        dtype = view.schema[name]
        if isinstance(dtype, pl.Decimal):
            # Under plain names: polars' Series methods read a name like "^...$" as a pattern.
            text, cast = prepared.get_column(internal).alias("t"), view.get_column(name).alias("c")
            _refuse_rounding(text, cast, dtype, name, pair, side)
    return view


def view_frame_dtype(plan: DiffPlan, name: str) -> pl.DataType:
    """A column's view dtype when no chunk held rows to show it (an empty table)."""
    for column_name, _, pair in view_columns(plan, "left"):
        if column_name == name and pair.choice.normalizer == "decimal":
            return decimal_view_dtype(pair)
    return pl.String()


def _refuse_rounding(
    text: pl.Series, cast: pl.Series, dtype: pl.Decimal, name: str, pair: ColumnPlan, side: str
) -> None:
    """A ConfigError when the fixed-scale view would round or drop a value (never silently).

    The view's dtype comes from the declared types, so every chunk of a run gets the same one;
    a value with more fractional digits than the declared scale, or too many digits for
    Decimal(38, s), would be rounded (`-0.005` -> `0.00`, passing `ge: 0`) or become NULL.
    """
    if text.dtype != pl.String:
        return
    number = text.str.contains(DECIMAL_TEXT)
    digits = text.str.split(".").list.get(1, null_on_oob=True).str.len_chars().fill_null(0)
    scale = dtype.scale or 0
    bad = text.filter(number & ((digits > scale) | cast.is_null()))
    if bad.is_empty():
        return
    declared = pair.on(side)
    raise ConfigError(
        f"column {name!r} ({declared.native_type}) holds {bad[0]!r}, which has more digits than "
        f"its declared type allows: checking it as Decimal(38, {scale}) would round it",
        hint="the source does not enforce the declared type: fix the data or the column's type",
    )


def integral(value: Any) -> Any:
    """An integer column's value: a whole Decimal (a wide integer) as an int, the JSON number."""
    if isinstance(value, decimal.Decimal) and value.is_finite() and value == value.to_integral_value():
        return int(value)
    return encode_value(value)
