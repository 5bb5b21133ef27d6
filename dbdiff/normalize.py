"""The normalizer vocabulary: each turns one side's raw column into a canonical form.

A normalizer is a named, closed piece of code: rule files name it and pass parameters, never code.
`convert` builds a vectorized polars expression for one side (dispatching on the side's type family
and the Arrow dtype the source delivered); `equal` compares two canonical expressions, NULL-safe
(NULL equals only NULL). Both sides of a column pair go through the same normalizer, so their
canonical dtypes always agree.

No normalizer turns a value it cannot read into NULL: that would hide a difference. Unreadable
values raise (a polars error); `compare` then finds them (with the normalizer's `readable` test,
vectorized, where it has one) and reports each as an unreadable value of its row.
"""

from __future__ import annotations

import datetime as dt
import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, localcontext
from typing import Any

import polars as pl

from dbdiff.errors import RuleError
from dbdiff.jsontext import canonical_json
from dbdiff.schema import Column

Params = Mapping[str, Any]
Convert = Callable[[pl.Expr, Column, pl.DataType, Params], pl.Expr]
Equal = Callable[[pl.Expr, pl.Expr, Params], pl.Expr]
Derive = Callable[[Column, Column, Params], dict[str, Any]]
Lossy = Callable[[pl.Expr, Column, pl.DataType, Params], tuple[pl.Expr, str] | None]
Check = Callable[[Params], None]
Readable = Callable[[pl.Expr, Column, pl.DataType, Params], pl.Expr | None]


def _eq_missing(left: pl.Expr, right: pl.Expr, params: Params) -> pl.Expr:
    return left.eq_missing(right)


def _no_derive(left: Column, right: Column, params: Params) -> dict[str, Any]:
    return {}


def _no_check(params: Params) -> None:
    return None


@dataclass(frozen=True)
class Normalizer:
    """A named conversion to a canonical form, with the parameters it accepts."""

    name: str
    doc: str
    convert: Convert
    equal: Equal = _eq_missing
    params: Mapping[str, Any] = field(default_factory=dict)
    derive: Derive = _no_derive
    check: Check = _no_check
    #: Values that compare equal only because this normalizer reads them leniently (a TINYINT(1)
    #: holding 2 reads as true): a mask over one side's raw values and what to tell the user.
    lossy: Lossy | None = None
    #: Which raw values `convert` can read (a vectorized test; None: every value of this dtype).
    #: Only used once a chunk fails, to find its unreadable values without halving the chunk.
    readable: Readable | None = None

    def check_params(self, given: Params, where: str = "") -> None:
        """`RuleError` for a parameter this normalizer doesn't have, or a value it can't take."""
        prefix = f"{where}: " if where else ""
        unknown = sorted(set(given) - set(self.params))
        if unknown:
            close = difflib.get_close_matches(unknown[0], list(self.params), n=1)
            raise RuleError(
                f"{prefix}normalizer {self.name!r} has no parameter {unknown[0]!r}",
                hint=(f"did you mean {close[0]!r}? " if close else "")
                + f"it accepts: {', '.join(sorted(self.params)) or 'no parameters'}",
            )
        for key, value in given.items():
            default = self.params[key]
            if isinstance(default, bool):
                ok = isinstance(value, bool)
            elif isinstance(default, (int, float)):
                ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            else:
                ok = isinstance(value, str)
            if not ok:
                raise RuleError(
                    f"{prefix}parameter {key!r} of normalizer {self.name!r} must be "
                    f"{type(default).__name__}, not {value!r}"
                )
        try:
            self.check({**self.params, **given})
        except RuleError as exc:
            raise RuleError(prefix + exc.message, hint=exc.hint) from None

    def resolve_params(self, left: Column, right: Column, given: Params) -> dict[str, Any]:
        """Defaults, then values derived from the two columns, then the rule's and user's values."""
        self.check_params(given)
        resolved = dict(self.params)
        resolved.update(self.derive(left, right, given))
        resolved.update(given)
        return resolved


NORMALIZERS: dict[str, Normalizer] = {}


def normalizer(
    name: str,
    *,
    params: Mapping[str, Any] | None = None,
    equal: Equal = _eq_missing,
    derive: Derive = _no_derive,
    check: Check = _no_check,
    lossy: Lossy | None = None,
    readable: Readable | None = None,
) -> Callable[[Convert], Convert]:
    """Register `convert` as the normalizer `name` (its docstring documents it)."""

    def wrap(convert: Convert) -> Convert:
        NORMALIZERS[name] = Normalizer(
            name=name,
            doc=(convert.__doc__ or "").strip(),
            convert=convert,
            equal=equal,
            params=dict(params or {}),
            derive=derive,
            check=check,
            lossy=lossy,
            readable=readable,
        )
        return convert

    return wrap


def get_normalizer(name: str) -> Normalizer:
    """The normalizer called `name`; a did-you-mean `RuleError` if there is none."""
    try:
        return NORMALIZERS[name]
    except KeyError:
        close = difflib.get_close_matches(name, list(NORMALIZERS), n=1)
        hint = (f"did you mean {close[0]!r}? " if close else "") + "known: " + ", ".join(sorted(NORMALIZERS))
        raise RuleError(f"unknown normalizer {name!r}", hint=hint) from None


def _unsupported(name: str, column: Column, dtype: pl.DataType) -> RuleError:
    return RuleError(
        f"normalizer {name!r} cannot read column {column.name!r} of type {column.native_type} "
        f"(arrives as {dtype})",
        hint="choose another rule for this column with --rules or a column override",
    )


def _is_integer(dtype: pl.DataType) -> bool:
    return dtype.is_integer()


def _is_string(dtype: pl.DataType) -> bool:
    return dtype == pl.String


def _as_text(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Text as it arrived; bytes (MySQL `*_bin` text can arrive as binary) decoded as strict UTF-8."""
    return expr.cast(pl.String, strict=True) if dtype == pl.Binary else expr


def _checked(value: pl.Expr, valid: pl.Expr, raw: pl.Expr, what: str, dtype: Any) -> pl.Expr:
    """`value`, except that a non-NULL `raw` which is not `valid` raises, showing the raw text.

    This is how a normalizer fails loudly instead of turning an unreadable value into NULL.
    """
    bad = raw.is_not_null() & ~valid.fill_null(False)
    # Text that starts with "not ..." never parses as an integer: the strict cast raises, and its
    # message carries the offending value.
    failing = (pl.lit(f"not {what}: ") + raw.cast(pl.String)).cast(pl.Int64, strict=True).cast(dtype)
    return pl.when(bad).then(failing).otherwise(value)


def _one_of(name: str, key: str, allowed: tuple[str, ...]) -> Check:
    def check(params: Params) -> None:
        if params.get(key) not in allowed:
            raise RuleError(
                f"parameter {key!r} of normalizer {name!r} must be one of {', '.join(allowed)}, "
                f"not {params.get(key)!r}"
            )

    return check


# --- identity --------------------------------------------------------------------------------


@normalizer("exact")
def exact(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """Values compare as they are read; both sides must arrive with the same Arrow type.

    Example: PostgreSQL int4[] {1,2} equals int4[] {1,2} and differs from {2,1}.
    """
    return expr


# --- integers and booleans -------------------------------------------------------------------


def _integer_derive(left: Column, right: Column, params: Params) -> dict[str, Any]:
    wide = any(c.unsigned and c.native_type.lower().startswith(("bigint", "ubigint")) for c in (left, right))
    wide = wide or any(c.family == "decimal" for c in (left, right))
    return {"wide": wide}


def _integer_readable(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr | None:
    target: Any = pl.Decimal(38, 0) if params["wide"] else pl.Int64
    if _is_string(dtype):
        return expr.str.strip_chars().cast(target, strict=False).is_not_null()
    if isinstance(dtype, pl.Decimal) or _is_integer(dtype):
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
    if _is_integer(dtype) or dtype == pl.Boolean:
        return expr.cast(target, strict=True)
    if _is_string(dtype):
        return expr.str.strip_chars().cast(target, strict=True)
    if isinstance(dtype, pl.Decimal):
        return expr.cast(target, strict=True)
    raise _unsupported("integer", column, dtype)


_TRUE = ["1", "t", "true", "y", "yes", "on"]
_FALSE = ["0", "f", "false", "n", "no", "off"]


def _boolean_lossy(
    expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params
) -> tuple[pl.Expr, str] | None:
    if _is_integer(dtype) or isinstance(dtype, pl.Decimal):
        return (
            expr.is_not_null() & ~expr.is_in([0, 1]),
            f"{column.native_type.upper()} values other than 0 and 1 compare as true, as pgloader loads them",
        )
    return None


def _boolean_readable(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr | None:
    if _is_string(dtype):
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
    if _is_integer(dtype) or isinstance(dtype, pl.Decimal):
        return expr != 0
    if dtype == pl.Binary:
        return expr.bin.encode("hex").str.replace_all("0", "") != ""
    if _is_string(dtype):
        lowered = expr.str.strip_chars().str.to_lowercase()
        value = pl.when(lowered.is_in(_TRUE)).then(True).when(lowered.is_in(_FALSE)).then(False)
        return _checked(value, lowered.is_in(_TRUE + _FALSE), expr, "a boolean", pl.Boolean)
    raise _unsupported("boolean", column, dtype)


# --- decimals --------------------------------------------------------------------------------

_DECIMAL_TEXT = r"^[+-]?(\d+\.?\d*|\.\d+)$|^[+-]?(NaN|Infinity|inf)$"


def canonical_decimal_text(text: pl.Expr) -> pl.Expr:
    """'+001.100' -> '1.1', '-0.00' -> '0', '12.' -> '12'; NaN/Infinity spellings pass through."""
    return text.map_batches(_canonical_decimal_series, return_dtype=pl.String)


def _canonical_decimal_series(values: pl.Series) -> pl.Series:
    # Step by step on a frame: as one nested expression every `when` re-evaluates the steps
    # before it, which made this seven times slower than the vectorized steps themselves.
    b = pl.col("b")
    frame = pl.DataFrame({"s": values.str.strip_chars()})
    frame = frame.with_columns(neg=pl.col("s").str.starts_with("-"), b=pl.col("s").str.strip_prefix("-"))
    frame = frame.with_columns(b=b.str.strip_prefix("+"))
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
    return expr.str.strip_chars().str.contains(_DECIMAL_TEXT) if _is_string(dtype) else None


@normalizer(
    "decimal",
    params={"abs_tol": 0.0, "rel_tol": 0.0},
    equal=_decimal_equal,
    check=_tolerance_check("decimal"),
    readable=_decimal_readable,
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
    if _is_string(dtype):
        s = expr.str.strip_chars()
        return _checked(canonical_decimal_text(s), s.str.contains(_DECIMAL_TEXT), s, "a decimal", pl.Int64)
    if isinstance(dtype, pl.Decimal) or _is_integer(dtype):
        return canonical_decimal_text(expr.cast(pl.String))
    raise _unsupported("decimal", column, dtype)


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
    return expr.cast(pl.Float64, strict=False).is_not_null() if _is_string(dtype) else None


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
    if exact_integers and _is_integer(dtype):
        # Against a float, an integer keeps every digit: 16777217 must not become 16777216.0.
        return expr.cast(pl.String)
    if dtype.is_float() or _is_integer(dtype) or isinstance(dtype, pl.Decimal) or _is_string(dtype):
        value = expr.cast(pl.Float64, strict=True)
    else:
        raise _unsupported("float", column, dtype)
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


# --- text ------------------------------------------------------------------------------------


def _text_derive(left: Column, right: Column, params: Params) -> dict[str, Any]:
    # A CHAR side sheds its padding in `text` itself; a VARCHAR side keeps its trailing spaces,
    # since a lost trailing space is a difference (R-CHAR strips the fixed-width column only).
    return {}


def _utf8_readable(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr | None:
    """Bytes (MySQL `*_bin` text) are readable when they are UTF-8."""
    if dtype != pl.Binary:
        return None
    return expr.map_batches(lambda values: _each_readable(values, bytes.decode), return_dtype=pl.Boolean)


@normalizer(
    "text",
    params={"rstrip": False, "ignore_case": False, "trim": False, "empty_as_null": False},
    derive=_text_derive,
    readable=_utf8_readable,
)
def text(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """Strings compared exactly, code point by code point ('abc' != 'ABC', 'a ' != 'a', '' != NULL).

    `rstrip` (derived: on when a side is CHAR(n)) drops the trailing blanks CHAR pads with;
    `ignore_case`, `trim` (both ends) and `empty_as_null` are opt-in leniencies. Also used for
    ENUM vs PostgreSQL enum types (labels compared exactly). Example: CHAR(5) 'ab' equals
    PostgreSQL char(5) 'ab   '; VARCHAR 'ab ' differs from 'ab'.
    """
    if dtype == pl.Binary:
        expr = _as_text(expr, dtype)
    elif not _is_string(dtype):
        expr = expr.cast(pl.String)
    if params["rstrip"] or column.family == "char":
        expr = expr.str.strip_chars_end(" ")
    if params["trim"]:
        expr = expr.str.strip_chars()
    if params["ignore_case"]:
        expr = expr.str.to_lowercase()
    if params["empty_as_null"]:
        expr = pl.when(expr == "").then(None).otherwise(expr)
    return expr


@normalizer("set", readable=_utf8_readable)
def set_(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """MySQL SET ('a,c') vs PostgreSQL text[]/enum[] ({a,c}) or text: compared as sets of labels.

    Order and repeats don't matter; the empty set ('' or {}) equals only the empty set, never
    NULL. Example: SET 'a,c' equals text[] {c,a}; '' equals {}; 'a' differs from {a,b}.
    """
    if isinstance(dtype, pl.List):
        members = expr.cast(pl.List(pl.String))
    elif _is_string(dtype) or dtype == pl.Binary:
        s = _as_text(expr, dtype)
        members = pl.when(s == "").then(pl.lit([], dtype=pl.List(pl.String))).otherwise(s.str.split(","))
    else:
        raise _unsupported("set", column, dtype)
    return members.list.unique().list.sort()


# --- JSON ------------------------------------------------------------------------------------


def _canonical_json_batch(series: pl.Series) -> pl.Series:
    # Measured at ~50k documents/s (130-byte objects): parsing with exact decimals needs a parser,
    # and neither polars nor DuckDB (whose JSON reader rounds numbers to doubles) has an exact one.
    return pl.Series(
        series.name,
        [None if text is None else canonical_json(text) for text in series.to_list()],
        dtype=pl.String,
    )


def _json_readable(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr | None:
    def read(value: str | bytes) -> str:
        return canonical_json(value.decode("utf-8") if isinstance(value, bytes) else value)

    return expr.map_batches(lambda values: _each_readable(values, read), return_dtype=pl.Boolean)


def _each_readable(values: pl.Series, read: Callable[[Any], Any]) -> pl.Series:
    """Per value: does `read` take it (NULL: yes)? For normalizers that parse in Python anyway."""

    def ok(value: Any) -> bool:
        try:
            read(value)
        except ValueError:  # UnicodeDecodeError included
            return False
        return True

    return pl.Series([value is None or ok(value) for value in values.to_list()], dtype=pl.Boolean)


@normalizer("json", readable=_json_readable)
def json_(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """JSON (MySQL JSON, MariaDB JSON text) vs json/jsonb compared as JSON values.

    Object key order, whitespace and duplicate keys (the last wins, as in jsonb) don't matter;
    array order, types (1 vs "1") and every digit do: numbers are parsed as exact decimals, never
    floats. Text that is no JSON fails loudly. Example: '{"b":1,"a":[1,2]}' equals
    '{"a": [1, 2], "b": 1}'; '[1,2]' differs from '[2,1]'; 1.10 equals 1.1.
    """
    if not (_is_string(dtype) or dtype == pl.Binary):
        raise _unsupported("json", column, dtype)
    return _as_text(expr, dtype).map_batches(
        _canonical_json_batch, return_dtype=pl.String, is_elementwise=True
    )


# --- bytes and bits --------------------------------------------------------------------------


@normalizer("binary", params={"strip_zero_padding": False})
def binary(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """Bytes compared exactly: BINARY(n)'s trailing 0x00 padding is data.

    `strip_zero_padding` (opt-in) drops trailing zero bytes on both sides, for targets loaded
    from unpadded application values. Example: BINARY(4) 'ab' (61 62 00 00) equals bytea
    '\\x61620000' and differs from '\\x6162'.
    """
    if dtype == pl.Binary:
        value = expr
    elif _is_string(dtype):
        value = expr.str.encode("hex").str.decode("hex")
    else:
        raise _unsupported("binary", column, dtype)
    if params["strip_zero_padding"]:
        return value.bin.encode("hex").str.replace(r"(00)+$", "")
    return value


def _bit_readable(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr | None:
    if _is_string(dtype):
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
    if _is_integer(dtype) or dtype == pl.Boolean:
        return expr.cast(wide, strict=True)
    if _is_string(dtype):
        return expr.str.strip_chars().str.to_integer(base=2, dtype=pl.UInt64, strict=True).cast(wide)
    if dtype == pl.Binary:
        return expr.bin.encode("hex").str.to_integer(base=16, dtype=pl.UInt64, strict=True).cast(wide)
    raise _unsupported("bit", column, dtype)


# --- dates and times -------------------------------------------------------------------------

_ZERO_DATE = r"^0000-00-00|^\d{4}-00-|^\d{4}-\d{2}-00"
_ZERO_POLICIES = ("null", "error")


def _zero_dates(expr: pl.Expr, params: Params) -> pl.Expr:
    # 'error' leaves zero dates in place, so the strict parse that follows reports them.
    if params.get("zero_date", "null") == "null":
        return pl.when(expr.str.contains(_ZERO_DATE)).then(None).otherwise(expr)
    return expr


def _date_readable(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr | None:
    if not _is_string(dtype):
        return None
    cleaned = _zero_dates(expr, params)
    parsed = cleaned.str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
    return parsed.is_not_null() | (cleaned.is_null() & expr.is_not_null())


@normalizer(
    "date",
    params={"zero_date": "null"},
    check=_one_of("date", "zero_date", _ZERO_POLICIES),
    readable=_date_readable,
)
def date(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """Calendar dates. MySQL zero dates ('0000-00-00', '2024-02-00') follow `zero_date`:
    'null' (default, as pgloader and most migration tools load them) or 'error'.

    Example: DATE '9999-12-31' equals date '9999-12-31'; '0000-00-00' equals NULL.
    """
    if dtype == pl.Date:
        return expr
    if isinstance(dtype, pl.Datetime):
        return expr.dt.date()
    if _is_string(dtype):
        return _zero_dates(expr, params).str.strip_chars().str.to_date("%Y-%m-%d", strict=True)
    raise _unsupported("date", column, dtype)


def _timestamp_readable(expr: pl.Expr, dtype: pl.DataType, params: Params) -> pl.Expr | None:
    if not _is_string(dtype):
        return None
    cleaned = _zero_dates(expr, params)
    parsed = cleaned.str.strip_chars().str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us", strict=False)
    return parsed.is_not_null() | (cleaned.is_null() & expr.is_not_null())


def _timestamp_derive(left: Column, right: Column, params: Params) -> dict[str, Any]:
    fsps = [c.fsp for c in (left, right) if c.fsp is not None]
    zoned = [c.family == "timestamp" for c in (left, right)]
    return {"fsp": min(fsps) if fsps else 6, "mixed_zones": zoned[0] != zoned[1]}


def _timestamp_check(params: Params) -> None:
    _one_of("timestamp", "zero_date", _ZERO_POLICIES)(params)
    _one_of("timestamp", "fsp_rounding", ("truncate", "round"))(params)
    if not 0 <= int(params["fsp"]) <= 6:
        raise RuleError(f"parameter 'fsp' of normalizer 'timestamp' must be 0..6, not {params['fsp']!r}")
    zone = params["assume_zone"]
    try:
        from zoneinfo import ZoneInfo

        pl.Series([0], dtype=pl.Datetime("us")).dt.replace_time_zone(zone)
        ZoneInfo(zone)  # far-future wall times are resolved with Python's zone rules
    except Exception:
        raise RuleError(
            f"parameter 'assume_zone' of normalizer 'timestamp' is not a time zone: {zone!r}",
            hint="use an IANA name such as 'Europe/Berlin' or 'UTC'",
        ) from None


@normalizer(
    "timestamp",
    params={
        "assume_zone": "UTC",
        "fsp": 6,
        "fsp_rounding": "truncate",
        "zero_date": "null",
        "mixed_zones": False,
    },
    derive=_timestamp_derive,
    check=_timestamp_check,
    readable=lambda expr, column, dtype, params: _timestamp_readable(expr, dtype, params),
)
def timestamp(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """DATETIME, TIMESTAMP, timestamp and timestamptz as UTC instants at the coarser precision.

    MySQL TIMESTAMP is read in session time zone '+00:00' (so it arrives as UTC) and PostgreSQL
    timestamptz as an instant. When a zone-less value (MySQL DATETIME, PostgreSQL timestamp) is
    compared with a zoned one, it is taken to be in `assume_zone` (UTC unless the user names a
    zone; a wall time DST makes ambiguous or skips is read as PostgreSQL reads it, and the zone's
    rules apply in every year, 2100 and 9999 included, as in PostgreSQL); the servers' own zones
    never decide it. `fsp` (derived: the smaller fractional-second precision of the two sides)
    cuts both sides to that precision by `fsp_rounding` ('truncate' or 'round'). Zero dates
    follow `zero_date`. Example: DATETIME '2024-06-01 12:00:00' equals timestamptz
    '2024-06-01 12:00:00+00'; a value one hour off differs.
    """
    if _is_string(dtype):
        cleaned = _zero_dates(expr, params).str.strip_chars()
        value = cleaned.str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us", strict=True)
        zone = None
    elif isinstance(dtype, pl.Datetime):
        value = expr.cast(pl.Datetime("us", dtype.time_zone))
        zone = dtype.time_zone
    elif dtype == pl.Date:
        value = expr.cast(pl.Datetime("us"))
        zone = None
    else:
        raise _unsupported("timestamp", column, dtype)
    if zone is None:
        # MySQL TIMESTAMP arrives as UTC wall time; a naive value meets a zoned one in `assume_zone`.
        naive_zone = "UTC"
        if column.family != "timestamp" and params.get("mixed_zones"):
            naive_zone = params["assume_zone"]
        if naive_zone != "UTC":
            value = _wall_time_to_utc(value, naive_zone)
    else:
        value = value.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    fsp = int(params["fsp"])
    if fsp < 6:
        every = f"{10 ** (6 - fsp)}us"
        value = value.dt.round(every) if params["fsp_rounding"] == "round" else value.dt.truncate(every)
    return value


def _wall_time_to_utc(value: pl.Expr, zone: str) -> pl.Expr:
    """Naive wall times in `zone` as naive UTC, resolved the way PostgreSQL resolves them: an
    ambiguous time (the hour DST repeats) as standard time, a non-existent one (the hour DST
    skips) with the offset in force just before the gap. A pgloader load of DATETIME values into
    timestamptz then compares equal, DST nights included.

    polars' zone database stops applying DST rules after 2099, while PostgreSQL extends a zone's
    last rule (the POSIX TZ string of its TZif file) to every year: from `_ZONE_RULES_YEAR` on,
    wall times are resolved with Python's zoneinfo, which reads that rule too. PostgreSQL's
    'infinity' and '-infinity' (the largest and smallest values polars holds) stay themselves."""
    infinite = (value.dt.year() > 262_000) | (value.dt.year() < -262_000)
    wall = value
    value = pl.when(infinite).then(None).otherwise(value)  # no zone arithmetic at the very edge
    local = value.dt.replace_time_zone(zone, ambiguous="latest", non_existent="null")
    before = (value - pl.duration(days=1)).dt.replace_time_zone(zone, ambiguous="latest", non_existent="null")
    # The offsets are millisecond durations: subtracting them must not cut the microseconds.
    offset = (before.dt.base_utc_offset() + before.dt.dst_offset()).cast(pl.Duration("us"))
    in_gap = value - offset
    utc = local.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    near = pl.when(local.is_null() & value.is_not_null()).then(in_gap).otherwise(utc)
    far = value.map_batches(
        lambda wall: _far_wall_times_to_utc(wall, zone), return_dtype=pl.Datetime("us"), is_elementwise=True
    )
    resolved = pl.when(value.dt.year() >= _ZONE_RULES_YEAR).then(far).otherwise(near)
    return pl.when(infinite).then(wall).otherwise(resolved).cast(pl.Datetime("us"))


#: From this year on, a zone's offsets come from its last rule, which repeats every 400 years
#: (the Gregorian calendar does, weekdays included).
_ZONE_RULES_YEAR = 2037
_CYCLE_US = 146_097 * 86_400 * 1_000_000
_EPOCH = dt.datetime(1970, 1, 1)


def _far_wall_times_to_utc(wall: pl.Series, zone: str) -> pl.Series:
    """Wall times from `_ZONE_RULES_YEAR` on as naive UTC, PostgreSQL's way (other rows NULL).

    A year beyond Python's 9999 (PostgreSQL timestamps reach 294276) is moved by whole 400-year
    cycles into 2400..2799, where the zone's last rule gives the same offsets."""
    from zoneinfo import ZoneInfo

    far = wall.dt.year() >= _ZONE_RULES_YEAR
    if not far.any():
        return pl.Series(wall.name, [None] * len(wall), dtype=pl.Datetime("us"))
    tz = ZoneInfo(zone)
    frame = pl.DataFrame({"us": wall.dt.cast_time_unit("us").cast(pl.Int64), "year": wall.dt.year()})
    out: list[int | None] = [None] * len(wall)
    for index, us, year in frame.with_row_index().filter(far).iter_rows():
        cycles = (year - 2400) // 400 if year > 9999 else 0
        shifted = us - cycles * _CYCLE_US
        local = _EPOCH + dt.timedelta(microseconds=shifted)
        before = local.replace(tzinfo=tz, fold=0).utcoffset()
        after = local.replace(tzinfo=tz, fold=1).utcoffset()
        assert before is not None and after is not None
        # PostgreSQL (DetermineTimeZoneOffset): in a gap the offset before it, in a repeated hour
        # the offset after it; both are the smaller of the two.
        offset = min(before, after)
        out[index] = us - (offset.days * 86_400 + offset.seconds) * 1_000_000
    return pl.Series(wall.name, out, dtype=pl.Int64).cast(pl.Datetime("us"))


_TIME_TEXT = r"^(-)?(\d+):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$"
_MICROS_TEXT = r"^(-?\d+) us$"


def _time_readable(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr | None:
    if not _is_string(dtype):
        return None
    s = expr.str.strip_chars()
    return s.str.contains(_TIME_TEXT) | s.str.contains(_MICROS_TEXT)


@normalizer("time", readable=_time_readable)
def time(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """TIME (MySQL's -838:59:59..838:59:59 included), time of day and interval as signed
    microseconds.

    PostgreSQL time '24:00:00' is 24 hours (read as text, not wrapped to 00:00); an interval is
    read as its microseconds ('N us') and one with months or years fails loudly.
    Example: TIME '838:59:59' equals interval '838:59:59'; TIME '-01:30:00' equals
    interval '-01:30:00'.
    """
    if dtype == pl.Time:
        return expr.cast(pl.Int64) // 1000
    if isinstance(dtype, pl.Duration):
        return expr.dt.total_microseconds()
    if not _is_string(dtype):
        raise _unsupported("time", column, dtype)
    s = expr.str.strip_chars()
    parts = s.str.extract_groups(_TIME_TEXT)
    sign = pl.when(parts.struct.field("1") == "-").then(-1).otherwise(1)
    clock = sign * (
        parts.struct.field("2").cast(pl.Int64) * 3_600_000_000
        + parts.struct.field("3").cast(pl.Int64) * 60_000_000
        + parts.struct.field("4").cast(pl.Int64) * 1_000_000
        + parts.struct.field("5").str.pad_end(6, "0").cast(pl.Int64).fill_null(0)
    )
    micros = s.str.extract(_MICROS_TEXT, 1).cast(pl.Int64)
    value = pl.when(s.str.contains(_TIME_TEXT)).then(clock).otherwise(micros)
    valid = s.str.contains(_TIME_TEXT) | s.str.contains(_MICROS_TEXT)
    return _checked(value, valid, s, "a time or an interval without months", pl.Int64)


# --- spatial ---------------------------------------------------------------------------------


def _canonical_geometry_batch(series: pl.Series, native_type: str) -> pl.Series:
    from dbdiff.geometry import canonical_geometry

    return pl.Series(
        series.name,
        [None if value is None else canonical_geometry(value, native_type) for value in series.to_list()],
        dtype=pl.String,
    )


def _geometry_readable(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr | None:
    from dbdiff.geometry import canonical_geometry

    native = column.native_type
    return expr.map_batches(
        lambda values: _each_readable(values, lambda v: canonical_geometry(v, native)),
        return_dtype=pl.Boolean,
    )


@normalizer("geometry", readable=_geometry_readable)
def geometry(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """Spatial values as geometries: MySQL/MariaDB GEOMETRY (read as WKB) vs WKB or EWKB (bytea,
    PostGIS hex), WKT or EWKT text, or PostgreSQL's point, lseg, path and polygon.

    Canonical form: WKT with each coordinate's shortest exact spelling, so the type, the vertex
    order and every coordinate bit matter, and the SRID and the spelling don't. A PostgreSQL
    polygon (whose ring is not closed) equals the closed ring; lseg and path are LINESTRINGs.
    Example: POINT(1 2) equals point '(1,2)' and text 'point (1.0 2.0)'; POINT(1 2) differs from
    POINT(2 1).
    """
    if not (_is_string(dtype) or dtype == pl.Binary):
        raise _unsupported("geometry", column, dtype)
    native = column.native_type
    return expr.map_batches(
        lambda values: _canonical_geometry_batch(values, native), return_dtype=pl.String, is_elementwise=True
    )


# --- identifiers -----------------------------------------------------------------------------


_UUID_HEX = r"[0-9A-Fa-f]{8}-?(?:[0-9A-Fa-f]{4}-?){3}[0-9A-Fa-f]{12}"
_UUID_TEXT = rf"^(?:\{{{_UUID_HEX}\}}|{_UUID_HEX})$"


@normalizer("uuid", params={"swap": False})
def uuid(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """UUIDs as lower-case hyphenated text, from text (any case, braces, no hyphens) or 16 bytes.

    `swap` (opt-in) undoes MySQL's UUID_TO_BIN(u, 1) byte order for BINARY(16) values.
    Example: CHAR(36) 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11' equals uuid
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'.
    """
    if dtype == pl.Binary:
        hexed = expr.bin.encode("hex")
        if params["swap"]:
            # UUID_TO_BIN(u, 1) stores time-high, time-mid, time-low, then the rest.
            hexed = pl.concat_str(
                [hexed.str.slice(8, 8), hexed.str.slice(4, 4), hexed.str.slice(0, 4), hexed.str.slice(16)]
            )
    elif _is_string(dtype):
        text = expr.str.strip_chars()
        well_formed = text.str.contains(_UUID_TEXT)
        canonical = _hyphenated(text.str.strip_chars("{}").str.replace_all("-", "").str.to_lowercase())
        # Text that is no UUID is compared as it is, so it can only equal the same text.
        return pl.when(well_formed).then(canonical).otherwise(pl.lit("not a uuid: ") + text)
    else:
        raise _unsupported("uuid", column, dtype)
    return _hyphenated(hexed)


def _hyphenated(hexed: pl.Expr) -> pl.Expr:
    """32 hex digits in the 8-4-4-4-12 form."""
    groups = [hexed.str.slice(0, 8), hexed.str.slice(8, 4), hexed.str.slice(12, 4), hexed.str.slice(16, 4)]
    return pl.concat_str([*groups, hexed.str.slice(20)], separator="-")


def describe_normalizers() -> list[tuple[str, str, dict[str, Any]]]:
    """(name, docstring, default parameters) for every normalizer, sorted by name."""
    return [(n.name, n.doc, dict(n.params)) for n in sorted(NORMALIZERS.values(), key=lambda n: n.name)]
