"""How differing rows are shown: both sides of a column pair in one dtype and one form.

The sources deliver each side as its driver reads it (MySQL DECIMAL as text, a DATETIME as a
datetime, or as text in a chunk holding a zero date; BIGINT UNSIGNED as UInt64, numeric(20,0) as
text). Compared values are shown in the rule's canonical form instead, so `pl.concat` of both
sides works, the reports highlight only what differs, and JSON samples of the two sides read alike:

- integers and bits: Int64, or Decimal(38, 0) when a side can exceed it (BIGINT UNSIGNED, or an
  integer against NUMERIC(20,0)); JSON numbers either way;
- decimals: one Decimal(38, s) with the larger scale of the two sides ("1.10"); the canonical text
  when a side has no declared scale or more than 38 digits;
- timestamps: UTC datetimes at the coarser precision (zoned when a side is), dates as dates;
- JSON: compact text with sorted keys, numbers as written;
- times: "[-]HH:MM:SS[.ffffff]" text; floats: Float64 (text when a side is a 64-bit integer, whose
  digits a float would lose); text: as read (CHAR padding dropped); JSON: canonical text;
- every other rule: its canonical value.

The opt-in leniencies (`ignore_case`, `trim`, `empty_as_null`, `strip_zero_padding`) are not
applied: they decide equality, and hiding what they fold would hide the difference. The values as
the sources read them stay reachable: `result.changed(raw=True)` and friends.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import polars as pl

from dbdiff.normalize import get_normalizer
from dbdiff.plan import ColumnPlan, DiffPlan
from dbdiff.values import user_col

#: Parameters that fold values together for equality only: never applied to what is shown.
_FOLDING = {"ignore_case": False, "trim": False, "empty_as_null": False, "strip_zero_padding": False}


def present(
    frame: pl.DataFrame, plan: DiffPlan, kind: str, *, for_json: bool = False, strict: bool = False
) -> pl.DataFrame:
    """A stored frame (`changed`, `only_left` or `only_right`) with each pair in one form.

    The frame has the store's internal layout (`compare.changed_frame`, `samples.one_side_frame`:
    raw key `rk{i}_l` or `rk{i}`, raw values `r{j}_l`/`r{j}_r` or `r{j}`), so no user column name
    can be mistaken for another; `samples.user_frame` names the columns afterwards.
    `for_json`: whole numbers wider than Int64 as Int128 (Python ints, so JSON numbers) instead of
    Decimal(38, 0), which Arrow and pandas can read. `strict`: a pair that cannot be shown in the
    rule's form raises instead of staying as read (repair SQL must not write a raw value unawares).
    """
    if frame.width == 0:
        return frame
    side = kind.removeprefix("only_")
    columns: Sequence[tuple[str, str]]
    for i, pair in enumerate(plan.key):
        columns = ((f"rk{i}_l", "left"),) if kind == "changed" else ((f"rk{i}", side),)
        frame = _present_pair(frame, pair, columns, for_json, strict)
    for j, pair in enumerate(plan.columns):
        columns = ((f"r{j}_l", "left"), (f"r{j}_r", "right")) if kind == "changed" else ((f"r{j}", side),)
        frame = _present_pair(frame, pair, columns, for_json, strict)
    return frame


def present_keys(frame: pl.DataFrame, plan: DiffPlan, columns: Sequence[str], side: str) -> pl.DataFrame:
    """Raw key columns of one side (named `columns`, in key order) in the key rule's form, for JSON."""
    for pair, name in zip(plan.key, columns, strict=True):
        frame = _present_pair(frame, pair, ((name, side),), True)
    return frame


def _present_pair(
    frame: pl.DataFrame,
    pair: ColumnPlan,
    columns: Sequence[tuple[str, str]],
    for_json: bool,
    strict: bool = False,
) -> pl.DataFrame:
    present_cols = [(name, side) for name, side in columns if name in frame.columns]
    if not present_cols:
        return frame
    try:
        exprs = [
            # Under a plain name meanwhile: a user key column may be named like "^...$".
            _shown(user_col(name).alias("v"), pair, side, frame.schema[name], for_json).alias(name)
            for name, side in present_cols
        ]
        shown = frame.with_columns(exprs)
    except Exception:
        # What cannot be shown in the rule's form is shown as read: a report must never fail.
        if strict:
            raise
        return frame
    dtypes = {shown.schema[name] for name, _ in present_cols}
    if len(dtypes) != 1 and strict:
        raise ValueError(f"the two sides of {pair.name} show in different types")
    return shown if len(dtypes) == 1 else frame


def _shown(expr: pl.Expr, pair: ColumnPlan, side: str, dtype: pl.DataType, for_json: bool) -> pl.Expr:
    column = pair.on(side)
    params: dict[str, Any] = {**pair.choice.params}
    params.update({k: v for k, v in _FOLDING.items() if k in params})
    name = pair.choice.normalizer
    if dtype == pl.Null:
        return expr
    if name == "float" and not any(_wide_integer(c) for c in (pair.left, pair.right)):
        params["exact_integers"] = False  # every 32-bit integer is exact in a Float64
    value = get_normalizer(name).convert(expr, column, dtype, params)
    whole: Any = pl.Int128 if for_json else pl.Decimal(38, 0)
    if name in ("integer", "bit"):
        return _whole(value, whole, params)
    if name == "decimal":
        return _decimal(value, pair, whole)
    if name == "time":
        return _clock(value)
    if name == "json":
        # The comparison form spells numbers as 11e-1; shown, they keep their own spelling.
        text = expr.cast(pl.String, strict=True) if dtype == pl.Binary else expr
        return text.map_batches(_json_batch, return_dtype=pl.String, is_elementwise=True)
    if name == "timestamp" and "timestamp" in (pair.left.family, pair.right.family):
        return value.dt.replace_time_zone("UTC")
    return value


def _whole(value: pl.Expr, whole: Any, params: dict[str, Any]) -> pl.Expr:
    # `integer` gives Int64 unless a side can exceed it (`wide`); `bit` always gives Decimal(38, 0).
    return value if params.get("wide") is False else value.cast(whole, strict=True)


def _decimal(canonical: pl.Expr, pair: ColumnPlan, whole: Any) -> pl.Expr:
    scales = [_scale(c) for c in (pair.left, pair.right)]
    integral = {pair.left.family, pair.right.family} & {"integer", "year", "bit"}
    if integral and all(s == 0 for s in scales):
        return canonical.cast(whole, strict=True)  # an integer against NUMERIC(20,0): a number
    if all(s is not None for s in scales):
        return canonical.cast(pl.Decimal(38, max(s or 0 for s in scales)), strict=True)
    return canonical


def _wide_integer(column: Any) -> bool:
    return column.family == "integer" and column.native_type.lower().startswith(("bigint", "ubigint", "int8"))


def _scale(column: Any) -> int | None:
    if column.family in ("integer", "year", "bit", "boolean"):
        return 0
    if column.family == "decimal" and column.scale is not None and (column.precision or 0) <= 38:
        return int(column.scale)
    return None


class _Literal:
    """A JSON number kept as it was written (no float rounding of 0.12345678901234567891)."""

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text


def _json_text(text: str) -> str:
    import json

    def dump(value: Any) -> str:
        if isinstance(value, dict):
            return (
                "{"
                + ",".join(
                    json.dumps(k, ensure_ascii=False) + ":" + dump(v) for k, v in sorted(value.items())
                )
                + "}"
            )
        if isinstance(value, list):
            return "[" + ",".join(dump(v) for v in value) + "]"
        if isinstance(value, _Literal):
            return value.text
        return json.dumps(value, ensure_ascii=False)

    return dump(json.loads(text, parse_float=_Literal, parse_int=_Literal))


def _json_batch(series: pl.Series) -> pl.Series:
    return pl.Series(
        series.name, [None if v is None else _json_text(v) for v in series.to_list()], dtype=pl.String
    )


def _clock(micros: pl.Expr) -> pl.Expr:
    """Signed microseconds as "[-]HH:MM:SS[.ffffff]" (MySQL's TIME form, hours beyond 24 kept)."""
    size = micros.abs()
    seconds = size // 1_000_000
    frac = (size % 1_000_000).cast(pl.String).str.pad_start(6, "0").str.strip_chars_end("0")
    text = pl.concat_str(
        [
            pl.when(micros < 0).then(pl.lit("-")).otherwise(pl.lit("")),
            (seconds // 3600).cast(pl.String).str.pad_start(2, "0"),
            pl.lit(":"),
            (seconds // 60 % 60).cast(pl.String).str.pad_start(2, "0"),
            pl.lit(":"),
            (seconds % 60).cast(pl.String).str.pad_start(2, "0"),
            pl.when(frac != "").then(pl.lit(".") + frac).otherwise(pl.lit("")),
        ]
    )
    return pl.when(micros.is_null()).then(None).otherwise(text)


# --- order: samples and drill-down frames come in the key's own order ---


def key_order(plan: DiffPlan, prefix: str = "") -> list[pl.Expr]:
    """Sort expressions over the normalized key columns (`{prefix}k{i}`) in the key's own order.

    A key compared by the decimal rule is held as canonical text ("13", "1200"): sorted as text
    it would read 100, 1200, 13, 200, so it sorts by a token whose text order is numeric order.
    """
    return [
        decimal_order_token(pl.col(f"{prefix}k{i}")) if _textual_decimal(pair) else pl.col(f"{prefix}k{i}")
        for i, pair in enumerate(plan.key)
    ]


def key_order_sql(plan: DiffPlan, prefix: str = "__") -> str:
    """`key_order` as a DuckDB ORDER BY list over the stored `{prefix}k{i}` columns."""
    return ", ".join(
        _decimal_order_sql(f'"{prefix}k{i}"') if _textual_decimal(pair) else f'"{prefix}k{i}"'
        for i, pair in enumerate(plan.key)
    )


def _textual_decimal(pair: ColumnPlan) -> bool:
    return pair.choice.normalizer == "decimal"


_DIGITS, _COMPLEMENT = "0123456789", "9876543210"
_PLAIN = r"^-?[0-9]+(\.[0-9]+)?$"


def decimal_order_token(text: pl.Expr) -> pl.Expr:
    """Canonical decimal text -> a string whose text order is the numbers' order.

    Non-negative: '2', the integer digits' count (4 digits), then the digits. Negative: '1', the
    count's complement to 9999, the complemented digits and '~' (so -1.5 sorts before -1).
    -Infinity '0', Infinity '3', NaN '4' (PostgreSQL puts NaN above every number).
    """
    negative = text.str.starts_with("-")
    body = text.str.strip_prefix("-")
    whole = body.str.extract(r"^([0-9]+)", 1)
    digits = body.str.replace(".", "", literal=True)
    width = whole.str.len_chars()
    positive_token = pl.concat_str([pl.lit("2"), width.cast(pl.String).str.pad_start(4, "0"), digits])
    negative_token = pl.concat_str(
        [
            pl.lit("1"),
            (9999 - width).cast(pl.String).str.pad_start(4, "0"),
            digits.str.replace_many(list(_DIGITS), list(_COMPLEMENT)),
            pl.lit("~"),
        ]
    )
    lowered = text.str.to_lowercase()
    return (
        pl.when(text.is_null())
        .then(None)
        .when(text.str.contains(_PLAIN) & negative)
        .then(negative_token)
        .when(text.str.contains(_PLAIN))
        .then(positive_token)
        .when(lowered.is_in(["-infinity", "-inf"]))
        .then(pl.lit("0"))
        .when(lowered == "nan")
        .then(pl.lit("4"))
        .otherwise(pl.lit("3"))
    )


def _decimal_order_sql(col: str) -> str:
    body = f"ltrim({col}, '-')"
    width = f"length(split_part({body}, '.', 1))"
    digits = f"replace({body}, '.', '')"
    return (
        f"(CASE WHEN {col} IS NULL THEN NULL "
        f"WHEN regexp_matches({col}, '{_PLAIN}') AND starts_with({col}, '-') THEN "
        f"'1' || lpad(CAST(9999 - {width} AS VARCHAR), 4, '0') || "
        f"translate({digits}, '{_DIGITS}', '{_COMPLEMENT}') || '~' "
        f"WHEN regexp_matches({col}, '{_PLAIN}') THEN "
        f"'2' || lpad(CAST({width} AS VARCHAR), 4, '0') || {digits} "
        f"WHEN lower({col}) IN ('-infinity', '-inf') THEN '0' "
        f"WHEN lower({col}) = 'nan' THEN '4' ELSE '3' END)"
    )
