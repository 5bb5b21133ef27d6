"""Dates, timestamps (with the zone rules PostgreSQL applies) and times of day or intervals."""

from __future__ import annotations

import datetime as dt
from typing import Any

import polars as pl

from dbdiff.catalog import Column
from dbdiff.errors import RuleError
from dbdiff.normalize.base import (
    Params,
    checked,
    is_string,
    normalizer,
    one_of,
    unsupported,
)

# --- dates and times -------------------------------------------------------------------------

_ZERO_DATE = r"^0000-00-00|^\d{4}-00-|^\d{4}-\d{2}-00"
_ZERO_POLICIES = ("null", "error")


def _zero_dates(expr: pl.Expr, params: Params) -> pl.Expr:
    # 'error' leaves zero dates in place, so the strict parse that follows reports them.
    if params.get("zero_date", "null") == "null":
        return pl.when(expr.str.contains(_ZERO_DATE)).then(None).otherwise(expr)
    return expr


def _date_readable(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr | None:
    if not is_string(dtype):
        return None
    cleaned = _zero_dates(expr, params)
    parsed = cleaned.str.strip_chars().str.to_date("%Y-%m-%d", strict=False)
    return parsed.is_not_null() | (cleaned.is_null() & expr.is_not_null())


@normalizer(
    "date",
    params={"zero_date": "null"},
    check=one_of("date", "zero_date", _ZERO_POLICIES),
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
    if is_string(dtype):
        return _zero_dates(expr, params).str.strip_chars().str.to_date("%Y-%m-%d", strict=True)
    raise unsupported("date", column, dtype)


def _timestamp_readable(expr: pl.Expr, dtype: pl.DataType, params: Params) -> pl.Expr | None:
    if not is_string(dtype):
        return None
    cleaned = _zero_dates(expr, params)
    parsed = cleaned.str.strip_chars().str.to_datetime("%Y-%m-%d %H:%M:%S%.f", time_unit="us", strict=False)
    return parsed.is_not_null() | (cleaned.is_null() & expr.is_not_null())


def _timestamp_derive(left: Column, right: Column, params: Params) -> dict[str, Any]:
    fsps = [c.fsp for c in (left, right) if c.fsp is not None]
    zoned = [c.family == "timestamp" for c in (left, right)]
    return {"fsp": min(fsps) if fsps else 6, "mixed_zones": zoned[0] != zoned[1]}


def _timestamp_check(params: Params) -> None:
    one_of("timestamp", "zero_date", _ZERO_POLICIES)(params)
    one_of("timestamp", "fsp_rounding", ("truncate", "round"))(params)
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
    if is_string(dtype):
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
        raise unsupported("timestamp", column, dtype)
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
    if not is_string(dtype):
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
    if not is_string(dtype):
        raise unsupported("time", column, dtype)
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
    return checked(value, valid, s, "a time or an interval without months", pl.Int64)
