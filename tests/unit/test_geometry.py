"""Spatial values: WKB, EWKB, WKT and PostgreSQL's geometric types in one canonical text."""

from __future__ import annotations

import struct

import pytest

from dbdiff.geometry import GeometryError, canonical_geometry


def wkb(fmt: str, *values) -> bytes:
    return struct.pack("<" + fmt, *values)


@pytest.mark.parametrize(
    ("value", "native", "expected"),
    [
        (wkb("BIdd", 1, 1, 1.0, 2.0), "", "POINT(1 2)"),
        (struct.pack(">BIdd", 0, 1, 1.0, 2.0), "", "POINT(1 2)"),
        (b"\x00\x00\x00\x00" + wkb("BIdd", 1, 1, 1.0, 2.0), "", "POINT(1 2)"),  # MySQL's SRID prefix
        (wkb("BIdd", 1, 1, 1.0, 2.0).hex().upper(), "geometry", "POINT(1 2)"),
        (wkb("BIIdd", 1, 0x20000001, 4326, 1.0, 2.0).hex(), "geometry", "POINT(1 2)"),  # EWKB
        (wkb("BIddd", 1, 1001, 1.0, 2.0, 3.0), "", "POINT Z(1 2 3)"),
        (wkb("BIdd", 1, 1, float("nan"), float("nan")), "", "POINT EMPTY"),
        ("point (1.0 2.0)", "text", "POINT(1 2)"),
        ("SRID=4326;POINT(-0 2e0)", "text", "POINT(0 2)"),
        ("MULTIPOINT((1 1),(2 2))", "text", "MULTIPOINT(1 1,2 2)"),
        ("POLYGON((0 0,1 0,1 1,0 0),(0.1 0.1,0.2 0.1,0.2 0.2,0.1 0.1))", "text", None),
        ("GEOMETRYCOLLECTION(POINT(1 1),LINESTRING(0 0,1 1))", "text", None),
        ("MULTIPOLYGON(((0 0,1 0,1 1,0 0)),((5 5,6 5,6 6,5 5)))", "text", None),
        ("POINT(0.30000000000000004 1e-20)", "text", None),
        ("LINESTRING EMPTY", "text", None),
        ("(1.5,-2)", "point", "POINT(1.5 -2)"),
        ("((0,0),(1,0),(1,1))", "polygon", "POLYGON((0 0,1 0,1 1,0 0))"),
        ("[(0,0),(1,1)]", "lseg", "LINESTRING(0 0,1 1)"),
        ("[(0,0),(1,1)]", "path", "LINESTRING(0 0,1 1)"),
        ("((0,0),(1,1))", "path", "LINESTRING(0 0,1 1,0 0)"),
    ],
)
def test_canonical_geometry(value, native, expected):
    assert canonical_geometry(value, native) == (expected if expected is not None else value)


def test_wkb_and_wkt_of_the_same_geometry_agree():
    polygon = wkb("BIII" + "dd" * 4, 1, 3, 1, 4, 0, 0, 1, 0, 1, 1, 0, 0)
    assert canonical_geometry(polygon) == canonical_geometry("POLYGON ((0 0, 1 0, 1 1, 0 0))")
    assert canonical_geometry("POINT(1 2)") != canonical_geometry("POINT(2 1)")
    assert canonical_geometry("POINT(0.3 0)") != canonical_geometry("POINT(0.30000000000000004 0)")


@pytest.mark.parametrize(
    ("value", "native"),
    [
        ("POINT(1)", ""),
        ("POINT(1 2", ""),
        ("CIRCLE(1 2)", ""),
        ("", ""),
        ("<(1,2),3>", "circle"),
        ("(1,2", "point"),
        (b"\x01\x02", ""),
        (wkb("BIdd", 1, 1, 1.0, 2.0) + b"\x00", ""),
    ],
)
def test_what_is_no_geometry_is_refused(value, native):
    with pytest.raises(GeometryError):
        canonical_geometry(value, native)
