"""Strings of characters and of bytes: text, SET labels, UUIDs and binary values."""

from __future__ import annotations

from typing import Any

import polars as pl

from dbdiff.catalog import Column
from dbdiff.normalize.base import (
    Params,
    as_text,
    each_readable,
    is_string,
    normalizer,
    unsupported,
)

# --- text ------------------------------------------------------------------------------------


def _text_derive(left: Column, right: Column, params: Params) -> dict[str, Any]:
    # A CHAR side sheds its padding in `text` itself; a VARCHAR side keeps its trailing spaces,
    # since a lost trailing space is a difference (R-CHAR strips the fixed-width column only).
    return {}


def _utf8_readable(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr | None:
    """Bytes (MySQL `*_bin` text) are readable when they are UTF-8."""
    if dtype != pl.Binary:
        return None
    return expr.map_batches(lambda values: each_readable(values, bytes.decode), return_dtype=pl.Boolean)


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
        expr = as_text(expr, dtype)
    elif isinstance(dtype, pl.Datetime) and column.fsp is not None:
        expr = _datetime_text(expr, column.fsp)
    elif not is_string(dtype):
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


def _datetime_text(expr: pl.Expr, fsp: int) -> pl.Expr:
    """A timestamp as its column's text: 'YYYY-MM-DD HH:MM:SS' and `fsp` fraction digits, which is
    what MySQL's CAST AS CHAR gives. A MySQL chunk holding a zero date is read as text
    (`Dialect.text_expr`) and the others natively: both must read alike."""
    text = expr.dt.strftime("%Y-%m-%d %H:%M:%S")
    if fsp <= 0:
        return text
    return text + expr.dt.strftime("%.9f").str.slice(0, fsp + 1)


@normalizer("set", readable=_utf8_readable)
def set_(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """MySQL SET ('a,c') vs PostgreSQL text[]/enum[] ({a,c}) or text: compared as sets of labels.

    Order and repeats don't matter; the empty set ('' or {}) equals only the empty set, never
    NULL. Example: SET 'a,c' equals text[] {c,a}; '' equals {}; 'a' differs from {a,b}.
    """
    if isinstance(dtype, pl.List):
        members = expr.cast(pl.List(pl.String))
    elif is_string(dtype) or dtype == pl.Binary:
        s = as_text(expr, dtype)
        members = pl.when(s == "").then(pl.lit([], dtype=pl.List(pl.String))).otherwise(s.str.split(","))
    else:
        raise unsupported("set", column, dtype)
    return members.list.unique().list.sort()


# --- identifiers -----------------------------------------------------------------------------


_UUID_HEX = r"[0-9A-Fa-f]{8}-?(?:[0-9A-Fa-f]{4}-?){3}[0-9A-Fa-f]{12}"
_UUID_TEXT = rf"^(?:\{{{_UUID_HEX}\}}|{_UUID_HEX})$"


#: A UUID as PostgreSQL prints it, and as its canonical form is.
_CANONICAL_UUID = r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"


@normalizer("uuid", params={"swap": False}, plain_text=_CANONICAL_UUID)
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
    elif is_string(dtype):
        padded = column.family == "char"
        return expr.map_batches(
            lambda values: _uuid_texts(values, padded), return_dtype=pl.String, is_elementwise=True
        )
    else:
        raise unsupported("uuid", column, dtype)
    return _hyphenated(hexed)


def _uuid_texts(values: pl.Series, padded: bool = False) -> pl.Series:
    """UUID text in canonical form. A batch already in it (PostgreSQL's uuid, most CHAR(36)
    columns) is returned as it is: one regex pass instead of a dozen string passes.

    Text that is no UUID is compared as it is (less a CHAR column's trailing padding when
    `padded`), so it can only equal the same text: ' x' is not 'x', nor ' ' ''."""
    if values.dtype == pl.String and values.alias("u").str.contains(_CANONICAL_UUID).all():
        return values
    # Under a name of our own: polars reads a column name like "^...$" as a pattern.
    raw = pl.col("u")
    text = raw.str.strip_chars()
    well_formed = text.str.contains(_UUID_TEXT)
    canonical = _hyphenated(text.str.strip_chars("{}").str.replace_all("-", "").str.to_lowercase())
    as_is = raw.str.strip_chars_end(" ") if padded else raw
    found = pl.when(well_formed).then(canonical).otherwise(pl.lit("not a uuid: ") + as_is)
    return values.alias("u").to_frame().select(found.cast(pl.String)).to_series().alias(values.name)


def _hyphenated(hexed: pl.Expr) -> pl.Expr:
    """32 hex digits in the 8-4-4-4-12 form."""
    groups = [hexed.str.slice(0, 8), hexed.str.slice(8, 4), hexed.str.slice(12, 4), hexed.str.slice(16, 4)]
    return pl.concat_str([*groups, hexed.str.slice(20)], separator="-")


# --- bytes -----------------------------------------------------------------------------------


@normalizer("binary", params={"strip_zero_padding": False})
def binary(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """Bytes compared exactly: BINARY(n)'s trailing 0x00 padding is data.

    `strip_zero_padding` (opt-in) drops trailing zero bytes on both sides, for targets loaded
    from unpadded application values. Example: BINARY(4) 'ab' (61 62 00 00) equals bytea
    '\\x61620000' and differs from '\\x6162'.
    """
    if dtype == pl.Binary:
        value = expr
    elif is_string(dtype):
        value = expr.str.encode("hex").str.decode("hex")
    else:
        raise unsupported("binary", column, dtype)
    if params["strip_zero_padding"]:
        return value.bin.encode("hex").str.replace(r"(00)+$", "")
    return value
