"""PostgreSQL's SQL: quoting, literals, the casts that keep every value exact, and the literals
of repair statements. Talking to the server is `dbdiff.sources.postgres`'s job.
"""

from __future__ import annotations

import decimal
import re
from typing import Any

from dbdiff.catalog import Column
from dbdiff.dialects import Dialect, Unwritable, register_dialect
from dbdiff.errors import UsageError
from dbdiff.sources.base import INFINITIES

# connectorx reads these natively and exactly; everything else is cast to text in the SELECT list
# (time 24:00 wrapping, interval/money/bit/inet/... panicking). numeric too: connectorx reads
# numeric(p,s) exactly only while s <= 10 and p - s <= 18, and even then more slowly than its
# text (benchmarks/read_types.py), which the decimal normalizer's canonical form is anyway.
_NATIVE = {
    "bool",
    "int2",
    "int4",
    "int8",
    "float4",
    "float8",
    "bpchar",
    "varchar",
    "text",
    "citext",
    "name",
    "bytea",
    "date",
    "timestamp",
    "timestamptz",
    "uuid",
    "oid",
}
_NATIVE_ARRAYS = {"_bool", "_int2", "_int4", "_int8", "_float4", "_float8", "_varchar", "_text"}

#: The casts of PostgreSQL's date and time keys, which may hold 'infinity' and '-infinity'.
_DATED = {"date": "date", "datetime": "timestamp", "timestamp": "timestamptz"}


def _mysql_date_ceiling(value: Any) -> str | None:
    """The first valid date after a date MySQL holds but PostgreSQL cannot (a zero year, month or
    day, or a day past the month's end), as 'YYYY-MM-DD'; None for every other value."""
    import calendar
    import datetime as dt

    if not isinstance(value, str):
        return None
    match = re.fullmatch(r"(\d{4})-(\d{2})-(\d{2})(?:[ T].*)?", value, re.S)
    if match is None:
        return None
    year, month, day = (int(g) for g in match.groups())
    if year == 0:
        return "0001-01-01"
    if month == 0:
        return f"{year:04d}-01-01"
    if month > 12:
        return f"{year + 1:04d}-01-01" if year < 9999 else "infinity"
    if day == 0:
        return f"{year:04d}-{month:02d}-01"
    last = calendar.monthrange(year, month)[1]
    if day <= last:
        return None
    if (year, month) == (9999, 12):
        return "infinity"
    return (dt.date(year, month, last) + dt.timedelta(days=1)).isoformat()


class PostgresDialect(Dialect):
    name = "postgresql"
    # '\\x..'::bytea and plain quotes need standard strings (the default since 9.1): say so anyway.
    repair_header = (
        "SET client_encoding = 'UTF8'",
        "SET standard_conforming_strings = on",
        "SET TimeZone = 'UTC'",
    )

    def repair_literal(self, value: Any, column: Column) -> str:
        return _repair_literal(self, value, column)

    def quote(self, name: str) -> str:
        return '"' + name.replace('"', '""') + '"'

    def literal(self, value: Any, column: Column) -> str:
        if value is None:
            return "NULL"
        if isinstance(value, bool):
            return "TRUE" if value else "FALSE"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            return f"'{value!r}'::float8"  # PostgreSQL reads 'nan', 'inf' and '-inf' too
        if isinstance(value, decimal.Decimal) and not value.is_finite():
            if value.is_nan():
                return "'NaN'::numeric"
            return "'Infinity'::numeric" if value > 0 else "'-Infinity'::numeric"
        if isinstance(value, (bytes, bytearray)):
            return f"'\\x{bytes(value).hex()}'::bytea"
        if isinstance(value, (list, tuple)):  # an array key, read through ::text[]
            elements = ", ".join("NULL" if v is None else self._quoted(str(v)) for v in value)
            return f"ARRAY[{elements}]::{column.native_type}" if value else f"'{{}}'::{column.native_type}"
        text = format(value, "f") if isinstance(value, decimal.Decimal) else str(value)
        if isinstance(value, decimal.Decimal) and column.family in ("integer", "year", "float"):
            # A shared boundary from the other side's DECIMAL key ('3.00'): a quoted literal would
            # be read as this column's type and rejected; a numeric constant compares exactly.
            return text
        if column.family == "decimal":
            if not re.fullmatch(r"-?\d+(\.\d+)?", text):
                raise UsageError(f"not a decimal key value: {text!r}")
            # money has no comparison with numeric; the cast from numeric ignores lc_monetary.
            return f"CAST({text} AS money)" if dict(column.extra).get("typname") == "money" else text
        quoted = self._quoted(text)
        if column.family in _DATED and text in INFINITIES:
            return f"{quoted}::{_DATED[column.family]}"
        casts = {"date": "date", "datetime": "timestamp", "timestamp": "timestamptz", "uuid": "uuid"}
        if column.family == "timestamp":
            return f"{quoted[:-1]}+00:00'::timestamptz"
        if column.family in casts:
            return f"{quoted}::{casts[column.family]}"
        return quoted

    def compare(self, expr: str, op: str, value: Any, column: Column) -> str:
        ceiling = _mysql_date_ceiling(value) if column.family in _DATED else None
        if ceiling is None:
            return super().compare(expr, op, value, column)
        # A MySQL zero or partial date ('0000-00-00', '2020-01-00') from the other side's
        # boundaries: no PostgreSQL date equals it, and it sits just below `ceiling`.
        if op == "=":
            return "1 = 0"
        if column.family != "date" and ceiling not in INFINITIES:
            ceiling += " 00:00:00"
        return f"{expr} {'>=' if op[0] == '>' else '<'} {self.literal(ceiling, column)}"

    def _quoted(self, text: str) -> str:
        if "\x00" in text:
            raise UsageError("a key value holds a NUL character, which PostgreSQL text cannot hold")
        return "'" + text.replace("'", "''") + "'"

    def order_expr(self, column: Column) -> str:
        # json (unlike jsonb) has no ordering, nor `=`: a json key orders and compares as its text.
        if dict(column.extra).get("typname") == "json":
            return f"{self.quote(column.name)}::text"
        return self.quote(column.name)

    def select_expr(self, column: Column) -> str:
        name = self.quote(column.name)
        extra = dict(column.extra)
        typname = extra.get("typname", "")
        domain = extra.get("domain") == "1"
        if typname in _NATIVE or typname in _NATIVE_ARRAYS:
            # connectorx reads a domain only through its base type.
            return f"{name}::{typname} AS {name}" if domain else name
        if typname == "interval":
            # Microseconds, exact; an interval with months has no fixed length and stays text,
            # which the time normalizer refuses loudly.
            return (
                f"CASE WHEN EXTRACT(YEAR FROM {name}) = 0 AND EXTRACT(MONTH FROM {name}) = 0 "
                f"THEN (EXTRACT(EPOCH FROM {name}) * 1000000)::numeric(30, 0)::text || ' us' "
                f"ELSE {name}::text END AS {name}"
            )
        if typname == "money":
            return f"{name}::numeric::text AS {name}"  # the text form depends on lc_monetary
        if column.family == "array":
            return f"{name}::text[] AS {name}"  # connectorx panics on enum[], uuid[], date[], ...
        return f"{name}::text AS {name}"


register_dialect(PostgresDialect())


def _pg_text(text: str) -> str:
    """A string literal: plain quotes when every character is printable (or a newline or tab),
    else E'' with escapes, so no control character reaches the file raw."""
    if "\x00" in text:
        raise Unwritable("PostgreSQL text cannot hold a NUL character")
    if all(ch.isprintable() or ch in "\n\t" for ch in text):
        return "'" + text.replace("'", "''") + "'"
    out = []
    for ch in text:
        if ch == "\\":
            out.append("\\\\")
        elif ch == "'":
            out.append("\\'")
        elif ch.isprintable():
            out.append(ch)
        else:
            out.append(f"\\U{ord(ch):08x}")
    return "E'" + "".join(out) + "'"


def _repair_literal(dialect: PostgresDialect, value: Any, column: Column) -> str:
    """A dialect-free value as a PostgreSQL literal of `column`'s type (see `Dialect.repair_literal`)."""
    import datetime as dt
    import math

    family = column.family
    typname = dict(column.extra).get("typname", "")
    if value is None:
        return "NULL"
    if family == "boolean":
        return "TRUE" if (value if isinstance(value, bool) else int(value) != 0) else "FALSE"
    if family == "bit" and isinstance(value, int):
        bits = f"{value:b}"
        if column.length and len(bits) > column.length:
            raise Unwritable(f"{value} needs {len(bits)} bits, more than {column.native_type} holds")
        if typname == "bit" and column.length:
            bits = bits.rjust(column.length, "0")
        return f"B'{bits}'"
    if family == "float":
        cast = "float4" if typname == "float4" else "float8"
        if isinstance(value, float) and not math.isfinite(value):
            text = "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
        else:
            text = repr(value) if isinstance(value, float) else str(value)
        return f"'{text}'::{cast}"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        width = {"int2": 16, "int4": 32, "int8": 64}.get(typname)
        if width and not -(2 ** (width - 1)) <= value < 2 ** (width - 1):
            raise Unwritable(f"{value} is out of range for {column.native_type}")
        return str(value)
    if isinstance(value, decimal.Decimal):
        if not value.is_finite():
            if value.is_nan():
                return "'NaN'::numeric"
            return "'Infinity'::numeric" if value > 0 else "'-Infinity'::numeric"
        return format(value, "f")
    if isinstance(value, (bytes, bytearray)):
        return f"'\\x{bytes(value).hex()}'::bytea"
    if isinstance(value, (list, tuple)):
        if not value:
            return f"'{{}}'::{column.native_type}"
        return f"ARRAY[{', '.join(_pg_text(str(v)) for v in value)}]::{column.native_type}"
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:  # an instant: UTC, as a zone-less value is taken
            value = value.astimezone(dt.timezone.utc).replace(tzinfo=None)
        stamp = value.isoformat(sep=" ", timespec="microseconds")
        return f"'{stamp}+00:00'::timestamptz" if family == "timestamp" else f"'{stamp}'::timestamp"
    if isinstance(value, dt.date):
        return f"'{value.isoformat()}'::date"
    text = str(value)
    if family == "array":  # a SET's 'a,c' into a text[]
        return _repair_literal(dialect, text.split(",") if text else [], column)
    if family in ("integer", "decimal"):
        if not re.fullmatch(r"-?[0-9]+(\.[0-9]+)?", text):
            raise Unwritable(f"{text!r} is no number")
        return text
    if family == "time":
        match = re.fullmatch(r"(-?)(\d+):\d{2}:\d{2}(\.\d+)?", text)
        if typname == "time" and (match is None or match.group(1) or int(match.group(2)) > 24):
            raise Unwritable(f"{text!r} is no time of day")
    if family == "spatial":
        if typname in ("geometry", "geography"):
            return f"ST_GeomFromText({_pg_text(text)})"
        point = re.fullmatch(r"POINT ?\((\S+) (\S+)\)", text)
        if typname == "point" and point is not None:
            return f"'({point.group(1)},{point.group(2)})'::point"
        raise Unwritable(f"a geometry for a PostgreSQL {typname} column needs a human: {text}")
    casts = {"time": typname or "time", "json": typname or "json", "uuid": "uuid", "interval": "interval"}
    literal = _pg_text(text)
    return f"{literal}::{casts[family]}" if family in casts else literal
