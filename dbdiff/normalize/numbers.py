"""Numbers: integers and booleans, exact decimals, floats at a side's precision, and BIT(n)
values as the unsigned integers they are.
"""

from __future__ import annotations

from decimal import Decimal, localcontext
from typing import Any

import polars as pl

from dbdiff.catalog import Column
from dbdiff.errors import RuleError
from dbdiff.normalize.base import (
    Check,
    Params,
    checked,
    is_integer,
    is_string,
    normalizer,
    unsupported,
)

# --- integers and booleans -------------------------------------------------------------------


def _integer_derive(left: Column, right: Column, params: Params) -> dict[str, Any]:
    wide = any(c.unsigned and c.native_type.lower().startswith(("bigint", "ubigint")) for c in (left, right))
    wide = wide or any(c.family == "decimal" for c in (left, right))
    return {"wide": wide}


def _integer_readable(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr | None:
    target: Any = pl.Decimal(38, 0) if params["wide"] else pl.Int64
    if is_string(dtype):
        return expr.str.strip_chars().cast(target, strict=False).is_not_null()
    if isinstance(dtype, pl.Decimal) or is_integer(dtype):
        return expr.cast(target, strict=False).is_not_null()
    return None


@normalizer("integer", params={"wide": False}, derive=_integer_derive, readable=_integer_readable)
def integer(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """Exact integers across signedness and width (BIGINT UNSIGNED above 2^63 included).

    Canonical form: Int64, or Decimal(38, 0) when a side can exceed Int64 (`wide`, derived from
    the column types). Never a float. Example: MySQL INT UNSIGNED 4294967295 equals PostgreSQL
    bigint 4294967295; YEAR 0000 equals integer 0.
    """
    target: Any = pl.Decimal(38, 0) if params["wide"] else pl.Int64
    if is_integer(dtype) or dtype == pl.Boolean:
        return expr.cast(target, strict=True)
    if is_string(dtype):
        return expr.str.strip_chars().cast(target, strict=True)
    if isinstance(dtype, pl.Decimal):
        return expr.cast(target, strict=True)
    raise unsupported("integer", column, dtype)


_TRUE = ["1", "t", "true", "y", "yes", "on"]
_FALSE = ["0", "f", "false", "n", "no", "off"]


def _boolean_lossy(
    expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params
) -> tuple[pl.Expr, str] | None:
    if is_integer(dtype) or isinstance(dtype, pl.Decimal):
        return (
            expr.is_not_null() & ~expr.is_in([0, 1]),
            f"{column.native_type.upper()} values other than 0 and 1 compare as true, as pgloader loads them",
        )
    return None


def _boolean_readable(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr | None:
    if is_string(dtype):
        return expr.str.strip_chars().str.to_lowercase().is_in(_TRUE + _FALSE)
    return None


@normalizer("boolean", lossy=_boolean_lossy, readable=_boolean_readable)
def boolean(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """Booleans from boolean, TINYINT(1) / integer (any non-zero is true) and BIT(1).

    Text reads 1/0, t/f, true/false, y/n, yes/no, on/off; anything else fails loudly.
    Example: MySQL TINYINT(1) 1 equals PostgreSQL true; 0 equals false; NULL equals only NULL.
    """
    if dtype == pl.Boolean:
        return expr
    if is_integer(dtype) or isinstance(dtype, pl.Decimal):
        return expr != 0
    if dtype == pl.Binary:
        return expr.bin.encode("hex").str.replace_all("0", "") != ""
    if is_string(dtype):
        lowered = expr.str.strip_chars().str.to_lowercase()
        value = pl.when(lowered.is_in(_TRUE)).then(True).when(lowered.is_in(_FALSE)).then(False)
        return checked(value, lowered.is_in(_TRUE + _FALSE), expr, "a boolean", pl.Boolean)
    raise unsupported("boolean", column, dtype)


# --- decimals --------------------------------------------------------------------------------

# ASCII digits only: `\d` would read Arabic-Indic or full-width digits as decimals.
_DECIMAL_TEXT = r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$|^[+-]?(NaN|Infinity|inf)$"


def canonical_decimal_text(text: pl.Expr) -> pl.Expr:
    """'+001.100' -> '1.1', '-0.00' -> '0', '12.' -> '12', '-inf' -> '-Infinity'; NaN passes through."""
    return text.map_batches(_canonical_decimal_series, return_dtype=pl.String)


#: Decimal text already in canonical form: no sign but a minus, no leading zero, no trailing
#: fractional zero, no "-0". Most values a database prints are (a price ending in 0 is not).
_CANONICAL_DECIMAL = r"^(?:0|-?[1-9][0-9]*|-?(?:0|[1-9][0-9]*)\.[0-9]*[1-9])$"


def _canonical_decimal_series(values: pl.Series) -> pl.Series:
    # One pattern finds the values already canonical; only the others take the steps.
    if values.dtype != pl.String:
        values = values.cast(pl.String)
    todo = (~values.str.contains(_CANONICAL_DECIMAL)).fill_null(False)
    if not todo.any():
        return values
    at = todo.arg_true()
    return values.clone().scatter(at, _canonical_decimal_steps(values.gather(at)))


def _canonical_decimal_steps(values: pl.Series) -> pl.Series:
    # Step by step on a frame: as one nested expression every `when` re-evaluates the steps
    # before it, which made this seven times slower than the vectorized steps themselves.
    b = pl.col("b")
    frame = pl.DataFrame({"s": values.str.strip_chars()})
    frame = frame.with_columns(neg=pl.col("s").str.starts_with("-"), b=pl.col("s").str.strip_prefix("-"))
    # 'inf' is how some clients spell PostgreSQL's 'Infinity'.
    frame = frame.with_columns(b=b.str.strip_prefix("+").replace("inf", "Infinity"))
    has_point = b.str.contains(".", literal=True)
    frame = frame.with_columns(
        b=pl.when(has_point).then(b.str.strip_chars_end("0").str.strip_chars_end(".")).otherwise(b)
    )
    frame = frame.with_columns(b=b.str.strip_chars_start("0"))
    frame = frame.with_columns(
        b=pl.when((b == "") | b.str.starts_with(".")).then(pl.concat_str([pl.lit("0"), b])).otherwise(b)
    )
    frame = frame.with_columns(
        b=pl.when(pl.col("neg") & (b != "0")).then(pl.concat_str([pl.lit("-"), b])).otherwise(b)
    )
    return frame.get_column("b").alias(values.name)


def _decimal_equal(left: pl.Expr, right: pl.Expr, params: Params) -> pl.Expr:
    exact_equal = left.eq_missing(right)
    abs_tol = _exact_tolerance(params.get("abs_tol"))
    rel_tol = _exact_tolerance(params.get("rel_tol"))
    if not abs_tol and not rel_tol:
        return exact_equal

    def close(pairs: pl.Series) -> pl.Series:
        lefts = pairs.struct.field("l").to_list()
        rights = pairs.struct.field("r").to_list()
        values = [_decimals_close(a, b, abs_tol, rel_tol) for a, b in zip(lefts, rights, strict=True)]
        return pl.Series(values, dtype=pl.Boolean)

    # Only pairs whose canonical texts differ reach Python: equal values never need arithmetic.
    differing = pl.when(~exact_equal & left.is_not_null() & right.is_not_null())
    pairs = pl.struct(differing.then(left).alias("l"), differing.then(right).alias("r"))
    return exact_equal | pairs.map_batches(close, return_dtype=pl.Boolean, is_elementwise=True)


def _exact_tolerance(value: Any) -> Decimal:
    """A tolerance as the decimal the user wrote: 0.01 (read as a float) is exactly 0.01."""
    return Decimal(repr(float(value or 0.0)))


def _decimals_close(left: str | None, right: str | None, abs_tol: Decimal, rel_tol: Decimal) -> bool:
    """|l - r| <= max(abs_tol, rel_tol * max(|l|, |r|)), in exact decimal arithmetic."""
    if left is None or right is None:
        return False
    with localcontext() as ctx:
        # Enough digits that neither the subtraction nor the product ever rounds.
        ctx.prec = 1000
        a, b = Decimal(left), Decimal(right)
        if not (a.is_finite() and b.is_finite()):
            return False  # NaN and Infinity equal only themselves
        bound = max(abs_tol, rel_tol * max(abs(a), abs(b)))
        return abs(a - b) <= bound


def _tolerance_check(name: str) -> Check:
    def check(params: Params) -> None:
        for key in ("abs_tol", "rel_tol"):
            if params[key] < 0:
                raise RuleError(f"parameter {key!r} of normalizer {name!r} must not be negative")

    return check


def _decimal_readable(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr | None:
    return expr.str.strip_chars().str.contains(_DECIMAL_TEXT) if is_string(dtype) else None


#: How servers print a decimal: digits, perhaps a minus and a fraction; no plus, no spaces, no
#: leading zero, no exponent. Its canonical form only drops the fraction's trailing zeros.
_PLAIN_DECIMAL = r"^-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?$"


@normalizer(
    "decimal",
    params={"abs_tol": 0.0, "rel_tol": 0.0},
    equal=_decimal_equal,
    check=_tolerance_check("decimal"),
    readable=_decimal_readable,
    plain_text=_PLAIN_DECIMAL,
)
def decimal(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """DECIMAL/NUMERIC compared exactly at any precision: trailing zeros don't matter, digits do.

    Canonical form: the shortest exact decimal text. Sources read decimals as text (or Arrow
    decimals), never through a float; text that is no decimal fails loudly. NaN and Infinity
    (PostgreSQL numeric) equal only themselves. Example: DECIMAL(10,2) 1.10 equals numeric 1.1;
    DECIMAL(65,30) values differing in the 30th decimal differ. A tolerance is opt-in and exact
    (decimal arithmetic, never floats): values are equal when |l - r| <= max(`abs_tol`,
    `rel_tol` * max(|l|, |r|)), so `abs_tol=0.01` makes 2919.00 equal 2919.01, not 2919.02.
    """
    if is_string(dtype):
        return expr.map_batches(_decimal_text, return_dtype=pl.String, is_elementwise=True)
    if isinstance(dtype, pl.Decimal) or is_integer(dtype):
        return canonical_decimal_text(expr.cast(pl.String))
    raise unsupported("decimal", column, dtype)


def _decimal_text(values: pl.Series) -> pl.Series:
    """Decimal text in canonical form; text that is no decimal raises, naming the value."""
    plain = values.str.contains(_PLAIN_DECIMAL)
    if not plain.all():  # (NULLs aside) other spellings, or no decimal at all: every step
        s = pl.col(values.name).str.strip_chars()
        general = checked(canonical_decimal_text(s), s.str.contains(_DECIMAL_TEXT), s, "a decimal", pl.Int64)
        return values.to_frame().select(general).to_series()
    # Only a fraction ending in 0 (a price like 12.30) or a negative zero changes.
    zeros = values.str.ends_with("0")
    if zeros.any():
        zeros = zeros & values.str.contains(".", literal=True)
    negative = values.str.starts_with("-0")
    if negative.any():
        negative = negative & ~values.str.contains("[1-9]")
    changes = zeros | negative
    if not changes.any():
        return values
    at = changes.arg_true()
    stripped = values.gather(at).str.strip_chars_end("0").str.strip_chars_end(".")
    fixed = stripped.zip_with(~negative.gather(at), pl.repeat("0", stripped.len(), eager=True))
    return values.clone().scatter(at, fixed)


# --- floats ----------------------------------------------------------------------------------


def _float_derive(left: Column, right: Column, params: Params) -> dict[str, Any]:
    bits = min((c.precision or 53) if c.family == "float" else 53 for c in (left, right))
    mixed = {left.family, right.family} == {"float", "integer"}
    return {"bits": 24 if bits <= 24 else 53, "exact_integers": mixed}


def _float_equal(left: pl.Expr, right: pl.Expr, params: Params) -> pl.Expr:
    exact_equal = left.eq_missing(right)
    abs_tol = float(params.get("abs_tol") or 0.0)
    rel_tol = float(params.get("rel_tol") or 0.0)
    if not abs_tol and not rel_tol:
        return exact_equal
    both = left.is_not_null() & right.is_not_null()
    larger = pl.max_horizontal(left.abs(), right.abs())
    # The operands are the nearest binary values to what users read (2919.01 is 2919.0100000000002),
    # and the subtraction rounds too: allow a few units in the last place of the larger operand, so
    # |l - r| <= abs_tol holds for the decimal values as written.
    epsilon = 2.0 ** -(int(params.get("bits") or 53) - 1)
    slack = 4 * epsilon * larger
    bound = pl.max_horizontal(pl.lit(abs_tol), rel_tol * larger) + slack
    close = both & ((left - right).abs() <= bound)
    return exact_equal | close.fill_null(False)


def _float_check(params: Params) -> None:
    if params["bits"] not in (24, 53):
        raise RuleError(f"parameter 'bits' of normalizer 'float' must be 24 or 53, not {params['bits']!r}")
    _tolerance_check("float")(params)


def _float_readable(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr | None:
    return expr.cast(pl.Float64, strict=False).is_not_null() if is_string(dtype) else None


@normalizer(
    "float",
    params={"bits": 53, "abs_tol": 0.0, "rel_tol": 0.0, "exact_integers": False},
    equal=_float_equal,
    derive=_float_derive,
    check=_float_check,
    readable=_float_readable,
)
def float_(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """FLOAT/REAL/DOUBLE at the precision of the less precise side (`bits` 24 or 53, derived).

    -0.0 equals 0.0 and NaN equals NaN (but not NULL); a tolerance is opt-in: values are equal
    when |l - r| <= max(`abs_tol`, `rel_tol` * max(|l|, |r|)), the bound widened by four units in
    the last place of the larger value for the binary rounding of the operands and of the
    subtraction (so 2919.00 equals 2919.01 with `abs_tol=0.01`; DECIMAL columns have the exact
    `decimal` tolerance). Example: MySQL FLOAT 0.1 (read as
    0.10000000149011612) equals PostgreSQL double precision 0.1; DOUBLE 0.30000000000000004
    differs from 0.3.
    """
    exact_integers = params.get("exact_integers") and not (params["abs_tol"] or params["rel_tol"])
    if exact_integers and is_integer(dtype):
        # Against a float, an integer keeps every digit: 16777217 must not become 16777216.0.
        return expr.cast(pl.String)
    if dtype.is_float() or is_integer(dtype) or isinstance(dtype, pl.Decimal) or is_string(dtype):
        value = expr.cast(pl.Float64, strict=True)
    else:
        raise unsupported("float", column, dtype)
    if params["bits"] == 24:
        rounded = value.cast(pl.Float32).cast(pl.Float64)
        # A double beyond float32's range is no infinity, and a tiny one is no zero: keep them.
        lost = (rounded.is_infinite() & value.is_finite()) | ((rounded == 0) & (value != 0))
        value = pl.when(lost).then(value).otherwise(rounded)
    value = pl.when(value == 0).then(pl.lit(0.0, pl.Float64)).otherwise(value)
    if exact_integers:
        # The float side as the integer it exactly is, when it is one; otherwise as float text,
        # which no integer's digits can equal.
        integral = value.is_finite() & (value == value.floor()) & (value.abs() < 9.2e18)
        return (
            pl.when(integral)
            .then(value.cast(pl.Int64, strict=False).cast(pl.String))
            .otherwise(value.cast(pl.String))
        )
    return value


# --- bits ------------------------------------------------------------------------------------


def _bit_readable(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr | None:
    if is_string(dtype):
        return expr.str.strip_chars().str.to_integer(base=2, dtype=pl.UInt64, strict=False).is_not_null()
    return None


@normalizer("bit", readable=_bit_readable)
def bit(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """BIT(n) vs bit(n) (or an integer) as unsigned integers, n <= 64.

    MySQL BIT is read as CAST(.. AS UNSIGNED), PostgreSQL bit as its text ('1000000001'); raw
    big-endian bytes and booleans are read too. Example: BIT(10) b'1000000001' equals bit(10)
    B'1000000001' and integer 513.
    """
    # Decimal(38, 0) holds every BIT(64) value and every signed integer: a negative integer (a
    # BIT(64) stored in a bigint) is then a difference to report, not a value that cannot be read.
    wide = pl.Decimal(38, 0)
    if is_integer(dtype) or dtype == pl.Boolean:
        return expr.cast(wide, strict=True)
    if is_string(dtype):
        return expr.str.strip_chars().str.to_integer(base=2, dtype=pl.UInt64, strict=True).cast(wide)
    if dtype == pl.Binary:
        return expr.bin.encode("hex").str.to_integer(base=16, dtype=pl.UInt64, strict=True).cast(wide)
    raise unsupported("bit", column, dtype)
