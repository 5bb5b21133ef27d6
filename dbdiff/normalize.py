"""The normalizer vocabulary: each turns one side's raw column into a canonical form.

A normalizer is a named, closed piece of code: rule files name it and pass parameters, never code.
`convert` builds a vectorized polars expression for one side (dispatching on the side's type family
and the Arrow dtype the source delivered); `equal` compares two canonical expressions, NULL-safe
(NULL equals only NULL). Both sides of a column pair go through the same normalizer, so their
canonical dtypes always agree.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from dbdiff.errors import RuleError
from dbdiff.schema import Column

Params = Mapping[str, Any]
Convert = Callable[[pl.Expr, Column, pl.DataType, Params], pl.Expr]
Equal = Callable[[pl.Expr, pl.Expr, Params], pl.Expr]
Derive = Callable[[Column, Column, Params], dict[str, Any]]


def _eq_missing(left: pl.Expr, right: pl.Expr, params: Params) -> pl.Expr:
    return left.eq_missing(right)


def _no_derive(left: Column, right: Column, params: Params) -> dict[str, Any]:
    return {}


@dataclass(frozen=True)
class Normalizer:
    """A named conversion to a canonical form, with the parameters it accepts."""

    name: str
    doc: str
    convert: Convert
    equal: Equal = _eq_missing
    params: Mapping[str, Any] = field(default_factory=dict)
    derive: Derive = _no_derive

    def resolve_params(self, left: Column, right: Column, given: Params) -> dict[str, Any]:
        """Defaults, then values derived from the two columns, then the rule's and user's values."""
        unknown = sorted(set(given) - set(self.params))
        if unknown:
            raise RuleError(
                f"normalizer {self.name!r} has no parameter {unknown[0]!r}",
                hint=f"it accepts: {', '.join(sorted(self.params)) or 'no parameters'}",
            )
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


# --- identity --------------------------------------------------------------------------------


@normalizer("exact")
def exact(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """Values compare as they are read; both sides must arrive with the same Arrow type."""
    return expr


# --- integers and booleans -------------------------------------------------------------------


def _integer_derive(left: Column, right: Column, params: Params) -> dict[str, Any]:
    wide = any(
        c.unsigned and (c.native_type.lower().startswith(("bigint", "ubigint"))) for c in (left, right)
    )
    wide = wide or any(c.family == "decimal" for c in (left, right))
    return {"wide": wide}


@normalizer("integer", params={"wide": False}, derive=_integer_derive)
def integer(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """Exact integers across signedness and width (BIGINT UNSIGNED above 2^63 included).

    Canonical form: Int64, or Decimal(38, 0) when a side can exceed Int64 (`wide`). Never a float.
    """
    target: pl.DataType = pl.Decimal(38, 0) if params["wide"] else pl.Int64
    if _is_integer(dtype) or dtype == pl.Boolean:
        return expr.cast(target, strict=True)
    if _is_string(dtype):
        return expr.str.strip_chars().cast(target, strict=True)
    if isinstance(dtype, pl.Decimal):
        return expr.cast(target, strict=True)
    raise _unsupported("integer", column, dtype)


@normalizer("boolean")
def boolean(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """Booleans from boolean, TINYINT(1) / integer (non-zero is true) and BIT(1) bytes."""
    if dtype == pl.Boolean:
        return expr
    if _is_integer(dtype):
        return expr != 0
    if dtype == pl.Binary:
        return expr.bin.encode("hex").str.replace_all("0", "") != ""
    if _is_string(dtype):
        lowered = expr.str.strip_chars().str.to_lowercase()
        return (
            pl.when(lowered.is_in(["1", "t", "true", "y", "yes"]))
            .then(True)
            .otherwise(pl.when(lowered.is_in(["0", "f", "false", "n", "no"])).then(False))
        )
    raise _unsupported("boolean", column, dtype)


# --- decimals --------------------------------------------------------------------------------


def canonical_decimal_text(text: pl.Expr) -> pl.Expr:
    """'+001.100' -> '1.1', '-0.00' -> '0', '12.' -> '12'; NaN/Infinity spellings pass through."""
    s = text.str.strip_chars()
    negative = s.str.starts_with("-")
    body = s.str.strip_prefix("-").str.strip_prefix("+")
    has_point = body.str.contains(".", literal=True)
    body = pl.when(has_point).then(body.str.strip_chars_end("0").str.strip_chars_end(".")).otherwise(body)
    body = body.str.strip_chars_start("0")
    body = pl.when(body == "").then(pl.lit("0")).otherwise(body)
    body = pl.when(body.str.starts_with(".")).then(pl.lit("0") + body).otherwise(body)
    return pl.when(negative & (body != "0")).then(pl.lit("-") + body).otherwise(body)


@normalizer("decimal")
def decimal(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """DECIMAL/NUMERIC compared exactly at any precision: trailing zeros don't matter, digits do.

    Canonical form: the shortest exact decimal text. Sources read decimals as text (or Arrow
    decimals), never through a float.
    """
    if _is_string(dtype):
        return canonical_decimal_text(expr)
    if isinstance(dtype, pl.Decimal) or _is_integer(dtype):
        return canonical_decimal_text(expr.cast(pl.String))
    raise _unsupported("decimal", column, dtype)


# --- floats ----------------------------------------------------------------------------------


def _float_derive(left: Column, right: Column, params: Params) -> dict[str, Any]:
    bits = min((c.precision or 53) if c.family == "float" else 53 for c in (left, right))
    return {"bits": 24 if bits <= 24 else 53}


def _float_equal(left: pl.Expr, right: pl.Expr, params: Params) -> pl.Expr:
    exact_equal = left.eq_missing(right)
    abs_tol = float(params.get("abs_tol") or 0.0)
    rel_tol = float(params.get("rel_tol") or 0.0)
    if not abs_tol and not rel_tol:
        return exact_equal
    both = left.is_not_null() & right.is_not_null()
    bound = pl.max_horizontal(pl.lit(abs_tol), rel_tol * pl.max_horizontal(left.abs(), right.abs()))
    close = both & ((left - right).abs() <= bound)
    return exact_equal | close.fill_null(False)


@normalizer(
    "float",
    params={"bits": 53, "abs_tol": 0.0, "rel_tol": 0.0},
    equal=_float_equal,
    derive=_float_derive,
)
def float_(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """FLOAT/REAL/DOUBLE at the precision of the less precise side (`bits` 24 or 53).

    -0.0 equals 0.0 and NaN equals NaN; a tolerance (`abs_tol`, `rel_tol`) is opt-in.
    """
    if dtype.is_float() or _is_integer(dtype) or isinstance(dtype, pl.Decimal) or _is_string(dtype):
        value = expr.cast(pl.Float64, strict=True)
    else:
        raise _unsupported("float", column, dtype)
    if params["bits"] == 24:
        value = value.cast(pl.Float32).cast(pl.Float64)
    return pl.when(value == 0).then(pl.lit(0.0, pl.Float64)).otherwise(value)


# --- text ------------------------------------------------------------------------------------


def _text_derive(left: Column, right: Column, params: Params) -> dict[str, Any]:
    return {"rstrip": any(c.family == "char" for c in (left, right))}


def _text_equal(left: pl.Expr, right: pl.Expr, params: Params) -> pl.Expr:
    return left.eq_missing(right)


@normalizer(
    "text",
    params={"rstrip": False, "ignore_case": False, "trim": False, "empty_as_null": False},
    derive=_text_derive,
)
def text(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """Strings compared exactly, code point by code point ('abc' != 'ABC', 'a ' != 'a').

    `rstrip` (on by default when a side is CHAR(n)) drops trailing blanks, which CHAR pads with;
    `ignore_case`, `trim` and `empty_as_null` are opt-in leniencies.
    """
    if not _is_string(dtype):
        if dtype == pl.Binary:
            raise _unsupported("text", column, dtype)
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


# --- bytes -----------------------------------------------------------------------------------


@normalizer("binary")
def binary(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """Bytes compared exactly (BINARY(n)'s zero padding is data)."""
    if dtype == pl.Binary:
        return expr
    if _is_string(dtype):
        return expr.str.encode("hex").str.decode("hex")
    raise _unsupported("binary", column, dtype)


# --- dates and times -------------------------------------------------------------------------

_ZERO_DATE = r"^0000-00-00|^\d{4}-00-|^\d{4}-\d{2}-00"


@normalizer("date", params={"zero_date": "null"})
def date(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """Calendar dates; MySQL zero dates ('0000-00-00', '2024-02-00') count as NULL by default."""
    if dtype == pl.Date:
        return expr
    if isinstance(dtype, pl.Datetime):
        return expr.dt.date()
    if _is_string(dtype):
        return _zero_dates(expr, params).str.slice(0, 10).str.to_date("%Y-%m-%d", strict=True)
    raise _unsupported("date", column, dtype)


def _zero_dates(expr: pl.Expr, params: Params) -> pl.Expr:
    policy = params.get("zero_date", "null")
    if policy not in ("null", "error"):
        raise RuleError(f"zero_date must be 'null' or 'error', not {policy!r}")
    # 'error' leaves zero dates in place, so the strict parse below reports them.
    if policy == "null":
        return pl.when(expr.str.contains(_ZERO_DATE)).then(None).otherwise(expr)
    return expr


def _timestamp_derive(left: Column, right: Column, params: Params) -> dict[str, Any]:
    fsps = [c.fsp for c in (left, right) if c.fsp is not None]
    return {"fsp": min(fsps) if fsps else 6}


@normalizer(
    "timestamp",
    params={"assume_zone": "UTC", "fsp": 6, "zero_date": "null"},
    derive=_timestamp_derive,
)
def timestamp(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """DATETIME, TIMESTAMP and timestamptz as UTC instants at the coarser side's precision (`fsp`).

    A zone-less value (MySQL DATETIME, PG timestamp) is taken to be in `assume_zone` (UTC unless the
    user names another zone); sources read MySQL with session time_zone '+00:00'.
    """
    if _is_string(dtype):
        cleaned = _zero_dates(expr, params)
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
        # MySQL TIMESTAMP is read as UTC wall time; DATETIME and PG timestamp are in `assume_zone`.
        naive_zone = "UTC" if column.family == "timestamp" else params["assume_zone"]
        if naive_zone != "UTC":
            value = value.dt.replace_time_zone(naive_zone, ambiguous="raise", non_existent="raise")
            value = value.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    else:
        value = value.dt.convert_time_zone("UTC").dt.replace_time_zone(None)
    fsp = int(params["fsp"])
    if fsp < 6:
        value = value.dt.truncate(f"{10 ** (6 - fsp)}us")
    return value


_TIME_TEXT = r"^(-)?(\d+):(\d{2}):(\d{2})(?:\.(\d{1,6}))?$"


@normalizer("time")
def time(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """TIME (MySQL's -838:59:59..838:59:59 included) and time of day as signed microseconds."""
    if dtype == pl.Time:
        return expr.cast(pl.Int64) // 1000
    if isinstance(dtype, pl.Duration):
        return expr.dt.total_microseconds()
    if _is_string(dtype):
        s = expr.str.strip_chars()
        parts = s.str.extract_groups(_TIME_TEXT)
        sign = pl.when(parts.struct.field("1") == "-").then(-1).otherwise(1)
        micros = (
            parts.struct.field("2").cast(pl.Int64) * 3_600_000_000
            + parts.struct.field("3").cast(pl.Int64) * 60_000_000
            + parts.struct.field("4").cast(pl.Int64) * 1_000_000
            + parts.struct.field("5").str.pad_end(6, "0").cast(pl.Int64).fill_null(0)
        )
        # A value the pattern can't read must not become NULL silently: make it fail loudly.
        checked = (
            pl.when(s.is_not_null() & micros.is_null()).then(s.cast(pl.Int64, strict=True)).otherwise(micros)
        )
        return sign * checked
    raise _unsupported("time", column, dtype)


# --- identifiers -----------------------------------------------------------------------------


@normalizer("uuid")
def uuid(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """UUIDs as lower-case hyphenated text, from text (any case, braces, no hyphens) or 16 bytes."""
    if dtype == pl.Binary:
        hexed = expr.bin.encode("hex")
    elif _is_string(dtype):
        hexed = expr.str.strip_chars().str.strip_chars("{}").str.replace_all("-", "").str.to_lowercase()
    else:
        raise _unsupported("uuid", column, dtype)
    return pl.concat_str(
        [
            hexed.str.slice(0, 8),
            hexed.str.slice(8, 4),
            hexed.str.slice(12, 4),
            hexed.str.slice(16, 4),
            hexed.str.slice(20, 12),
        ],
        separator="-",
    )


def describe_normalizers() -> list[tuple[str, str, dict[str, Any]]]:
    """(name, docstring, default parameters) for every normalizer, sorted by name."""
    return [(n.name, n.doc, dict(n.params)) for n in sorted(NORMALIZERS.values(), key=lambda n: n.name)]
