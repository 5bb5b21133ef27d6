"""Values with an inner structure, canonicalized in Python: JSON documents (a batch at a time,
through msgspec) and spatial geometries (one by one).
"""

from __future__ import annotations

import polars as pl

from dbdiff.catalog import Column
from dbdiff.jsontext import canonical_json, canonical_json_series, known_equal_json
from dbdiff.normalize.base import (
    Params,
    as_text,
    each_readable,
    is_string,
    normalizer,
    unsupported,
)

# --- JSON ------------------------------------------------------------------------------------


def _canonical_json_batch(series: pl.Series) -> pl.Series:
    # msgspec parses and renders small documents about ten times as fast as the exact reference
    # parser (benchmarks/json_speed.py); the reference only sees what msgspec cannot take.
    canonical = canonical_json_series(series)
    unreadable = canonical.is_null() & series.is_not_null()
    if unreadable.any():
        canonical_json(series.filter(unreadable)[0])  # raises, naming the value
        raise AssertionError("canonical_json_series and canonical_json disagree")  # pragma: no cover
    return canonical


def _json_readable(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr | None:
    def readable(values: pl.Series) -> pl.Series:
        return canonical_json_series(values).is_not_null() | values.is_null()

    return expr.map_batches(readable, return_dtype=pl.Boolean)


# A diff compares the documents of paired rows as decoded values, rendering no canonical text for
# most of them (about half the work).
@normalizer("json", readable=_json_readable, known_equal=known_equal_json)
def json_(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """JSON (MySQL JSON, MariaDB JSON text) vs json/jsonb compared as JSON values.

    Object key order, whitespace and duplicate keys (the last wins, as in jsonb) don't matter;
    array order, types (1 vs "1") and every digit do: numbers are parsed as exact decimals, never
    floats. Text that is no JSON fails loudly. Example: '{"b":1,"a":[1,2]}' equals
    '{"a": [1, 2], "b": 1}'; '[1,2]' differs from '[2,1]'; 1.10 equals 1.1.
    """
    if not (is_string(dtype) or dtype == pl.Binary):
        raise unsupported("json", column, dtype)
    return as_text(expr, dtype).map_batches(
        _canonical_json_batch, return_dtype=pl.String, is_elementwise=True
    )


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
        lambda values: each_readable(values, lambda v: canonical_geometry(v, native)),
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
    if not (is_string(dtype) or dtype == pl.Binary):
        raise unsupported("geometry", column, dtype)
    native = column.native_type
    return expr.map_batches(
        lambda values: _canonical_geometry_batch(values, native), return_dtype=pl.String, is_elementwise=True
    )
