"""Spatial values in one canonical text, whatever form they arrive in.

MySQL and MariaDB geometries are read as WKB (`ST_AsWKB`, exact doubles); the other side may hold
WKB or EWKB (bytea, or PostGIS's hex text), WKT or EWKT text, or one of PostgreSQL's own geometric
types (point, lseg, path, polygon) in their text form. Each is parsed into the same structure and
written out as WKT with every coordinate in its shortest exact spelling (`repr` of the double), so
two values are equal exactly when they are the same geometry with the same coordinates. SRIDs are
not compared: PostgreSQL without PostGIS has none.
"""

from __future__ import annotations

import re
import struct
from typing import Any

_NAMES = {
    1: "POINT",
    2: "LINESTRING",
    3: "POLYGON",
    4: "MULTIPOINT",
    5: "MULTILINESTRING",
    6: "MULTIPOLYGON",
    7: "GEOMETRYCOLLECTION",
}
_CODES = {name: code for code, name in _NAMES.items()}
_CODES["GEOMCOLLECTION"] = 7  # MySQL 8 spells it so
#: PostgreSQL's geometric types that have a WKT counterpart.
PG_GEOMETRIC = ("point", "lseg", "path", "polygon")

Point = tuple[float, ...]
Geometry = tuple[str, str, Any]  # (type name, dimensions "" | "Z" | "M" | "ZM", body)


class GeometryError(ValueError):
    """A value that is no geometry this module can read."""


def canonical_geometry(value: str | bytes, native_type: str = "") -> str:
    """One value (WKB bytes, hex WKB text, WKT, or a PostgreSQL geometric value) as canonical WKT."""
    if isinstance(value, (bytes, bytearray, memoryview)):
        return _format(_from_wkb(bytes(value)))
    text = value.strip()
    if text.startswith("\\x"):
        text = text[2:]
    if text and re.fullmatch(r"(?:[0-9A-Fa-f]{2})+", text):
        return _format(_from_wkb(bytes.fromhex(text)))
    base = native_type.lower().split("(")[0].strip()
    if base in PG_GEOMETRIC:
        return _format(_from_pg(text, base))
    return _format(_from_wkt(text))


# --- writing ---------------------------------------------------------------------------------


def _number(x: float) -> str:
    if x == 0:
        return "0"  # -0.0 is the same coordinate
    if x.is_integer() and abs(x) < 1e16:
        return str(int(x))
    return repr(x)


def _point(p: Point | None) -> str:
    return "EMPTY" if p is None else " ".join(_number(c) for c in p)


def _line(points: list[Point]) -> str:
    return ",".join(_point(p) for p in points)


def _format(geometry: Geometry) -> str:
    name, dims, body = geometry
    tag = f"{name} {dims}" if dims else name
    if body is None or (isinstance(body, list) and not body):
        return f"{tag} EMPTY"
    if name == "POINT":
        inner = _point(body)
    elif name in ("LINESTRING", "MULTIPOINT"):
        inner = _line(body)
    elif name in ("POLYGON", "MULTILINESTRING"):
        inner = ",".join(f"({_line(ring)})" for ring in body)
    elif name == "MULTIPOLYGON":
        inner = ",".join("(" + ",".join(f"({_line(ring)})" for ring in polygon) + ")" for polygon in body)
    else:
        inner = ",".join(_format(part) for part in body)
    return f"{tag}({inner})"


# --- WKB and EWKB ----------------------------------------------------------------------------


def _from_wkb(data: bytes) -> Geometry:
    try:
        geometry, end = _wkb_at(data, 0)
        if end == len(data):
            return geometry
    except (struct.error, GeometryError, IndexError):
        pass
    # MySQL's internal form puts a 4-byte SRID before the WKB.
    if len(data) > 4:
        try:
            geometry, end = _wkb_at(data, 4)
            if end == len(data):
                return geometry
        except (struct.error, GeometryError, IndexError):
            pass
    raise GeometryError(f"not WKB: {data[:24].hex()}{'...' if len(data) > 24 else ''}")


def _wkb_at(data: bytes, pos: int) -> tuple[Geometry, int]:
    order = {0: ">", 1: "<"}.get(data[pos])
    if order is None:
        raise GeometryError("bad byte order")
    (code,) = struct.unpack_from(order + "I", data, pos + 1)
    pos += 5
    z, m = bool(code & 0x80000000), bool(code & 0x40000000)
    if code & 0x20000000:  # EWKB: an SRID follows
        pos += 4
    code &= 0x0FFFFFFF
    iso, code = divmod(code, 1000)
    if iso:
        z, m = iso in (1, 3), iso in (2, 3)
    name = _NAMES.get(code)
    if name is None:
        raise GeometryError(f"unknown geometry type {code}")
    dims = ("Z" if z else "") + ("M" if m else "")
    width = 2 + z + m
    point = struct.Struct(order + "d" * width)

    def points(at: int) -> tuple[list[Point], int]:
        (count,) = struct.unpack_from(order + "I", data, at)
        at += 4
        if count > (len(data) - at) // point.size:
            raise GeometryError("truncated")
        found = [point.unpack_from(data, at + i * point.size) for i in range(count)]
        return found, at + count * point.size

    def rings(at: int) -> tuple[list[list[Point]], int]:
        (count,) = struct.unpack_from(order + "I", data, at)
        found = []
        at += 4
        for _ in range(count):
            ring, at = points(at)
            found.append(ring)
        return found, at

    body: Any
    if name == "POINT":
        coords = point.unpack_from(data, pos)
        pos += point.size
        body = None if all(c != c for c in coords) else coords  # NaN coordinates: POINT EMPTY
    elif name == "LINESTRING":
        body, pos = points(pos)
    elif name == "POLYGON":
        body, pos = rings(pos)
    else:
        (count,) = struct.unpack_from(order + "I", data, pos)
        pos += 4
        parts = []
        for _ in range(count):
            part, pos = _wkb_at(data, pos)
            parts.append(part)
        body = parts if name == "GEOMETRYCOLLECTION" else [part[2] for part in parts]
    return (name, dims, body), pos


# --- WKT and EWKT ----------------------------------------------------------------------------

_TOKEN = re.compile(
    r"\s*(?:(?P<word>[A-Za-z]+)|(?P<num>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)|(?P<sym>[(),]))"
)


def _from_wkt(text: str) -> Geometry:
    text = re.sub(r"^\s*SRID=\d+\s*;", "", text, flags=re.IGNORECASE)
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            if text[pos:].strip() == "":
                break
            raise GeometryError(f"not WKT: {text[:60]!r}")
        kind = match.lastgroup
        assert kind is not None
        tokens.append((kind, match.group(kind).upper() if kind == "word" else match.group(kind)))
        pos = match.end()
    parser = _WKT(tokens, text)
    geometry = parser.geometry()
    if parser.pos != len(tokens):
        raise GeometryError(f"not WKT (text after the geometry): {text[:60]!r}")
    return geometry


class _WKT:
    def __init__(self, tokens: list[tuple[str, str]], text: str) -> None:
        self.tokens, self.text, self.pos = tokens, text, 0

    def fail(self) -> GeometryError:
        return GeometryError(f"not WKT: {self.text[:60]!r}")

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def take(self, value: str) -> None:
        if self.peek()[1] != value:
            raise self.fail()
        self.pos += 1

    def geometry(self) -> Geometry:
        kind, word = self.peek()
        if kind != "word" or word not in _CODES:
            raise self.fail()
        self.pos += 1
        name = _NAMES[_CODES[word]]
        dims = ""
        if self.peek()[1] in ("Z", "M", "ZM"):
            dims = self.peek()[1]
            self.pos += 1
        if self.peek()[1] == "EMPTY":
            self.pos += 1
            return (name, dims, None if name == "POINT" else [])
        self.take("(")
        body: Any
        if name == "POINT":
            body = self.coords()
        elif name == "LINESTRING":
            body = self.listed(self.coords)
        elif name == "POLYGON" or name == "MULTILINESTRING":
            body = self.listed(self.ring)
        elif name == "MULTIPOINT":
            body = self.listed(self.multipoint_member)
        elif name == "MULTIPOLYGON":
            body = self.listed(
                lambda: self.wrapped(
                    lambda: self.listed(lambda: self.wrapped(lambda: self.listed(self.coords)))
                )
            )
        else:
            parts = self.listed(self.geometry)
            body = parts
        self.take(")")
        if not dims:
            dims = _implied_dims(body if name != "GEOMETRYCOLLECTION" else [])
        return (name, dims, body)

    def listed(self, item: Any) -> list[Any]:
        found = [item()]
        while self.peek()[1] == ",":
            self.pos += 1
            found.append(item())
        return found

    def wrapped(self, item: Any) -> Any:
        self.take("(")
        value = item()
        self.take(")")
        return value

    def ring(self) -> list[Point]:
        return self.wrapped(lambda: self.listed(self.coords))  # type: ignore[no-any-return,unused-ignore]

    def multipoint_member(self) -> Point | None:
        if self.peek()[1] == "EMPTY":
            self.pos += 1
            return None
        if self.peek()[1] == "(":
            return self.wrapped(self.coords)
        return self.coords()

    def coords(self) -> Point:
        values = []
        while self.peek()[0] == "num":
            values.append(float(self.peek()[1]))
            self.pos += 1
        if not 2 <= len(values) <= 4:
            raise self.fail()
        return tuple(values)


def _implied_dims(body: Any) -> str:
    """Dimensions of a WKT geometry that names none: three coordinates are Z, four ZM."""
    while isinstance(body, list) and body:
        body = body[0]
    if isinstance(body, tuple):
        return {3: "Z", 4: "ZM"}.get(len(body), "")
    return ""


# --- PostgreSQL's geometric types ------------------------------------------------------------

_PG_NUMBER = r"[-+]?(?:\d+\.?\d*(?:[eE][-+]?\d+)?|\.\d+(?:[eE][-+]?\d+)?|Infinity|NaN)"
_PG_POINT = rf"\(\s*({_PG_NUMBER})\s*,\s*({_PG_NUMBER})\s*\)"


def _from_pg(text: str, type_name: str) -> Geometry:
    """point '(1,2)', lseg '[(0,0),(1,1)]', path '[(..),..]' (open) or '((..),..)' (closed), and
    polygon '((..),..)' as POINT, LINESTRING (a closed path repeats its first point) and POLYGON."""
    points_text = re.fullmatch(rf"\s*([\[(]?)\s*((?:{_PG_POINT}\s*,?\s*)+)\s*([\])]?)\s*", text)
    if points_text is None:
        raise GeometryError(f"not a PostgreSQL {type_name}: {text[:60]!r}")
    opening = points_text.group(1)
    points: list[Point] = [(float(x), float(y)) for x, y in re.findall(_PG_POINT, points_text.group(2))]
    if type_name == "point":
        if len(points) != 1:
            raise GeometryError(f"not a PostgreSQL point: {text[:60]!r}")
        return ("POINT", "", points[0])
    if type_name == "polygon" or (type_name == "path" and opening == "("):
        if points[0] != points[-1]:
            points.append(points[0])
        if type_name == "polygon":
            return ("POLYGON", "", [points])
    return ("LINESTRING", "", points)
