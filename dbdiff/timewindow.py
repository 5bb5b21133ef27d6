"""The words of an incremental window: durations (`15m`), instants (`2026-12-01T14:00:00Z`), in UTC.

Pure and IO-free: the options check a `--since` or `--min-age` with these before any connection,
and the engine (`dbdiff.engine.window`) turns them into the instants it queries with.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from dbdiff.errors import UsageError

#: A duration as --since and --min-age take it: a whole number and a unit (s, m, h, d, w).
_DURATION = re.compile(
    r"(\d+)\s*(s|secs?|seconds?|m|mins?|minutes?|h|hours?|d|days?|w|weeks?)", re.IGNORECASE
)
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}

Since = str | dt.datetime | dt.timedelta


def parse_duration(value: str | dt.timedelta, flag: str, *, zero: bool = False) -> dt.timedelta:
    """`15m` -> 15 minutes: a whole number and a unit (s, m, h, d, w); one UsageError otherwise.

    A negative duration is refused, and so is zero unless `zero` (a `--min-age 0s` is harmless;
    a `--since 0s` window holds nothing and is surely a mistake).
    """
    if isinstance(value, dt.timedelta):
        return _positive(value, flag, zero=zero)
    text = str(value).strip()
    match = _DURATION.fullmatch(text)
    if match is None:
        raise UsageError(
            f"{flag} takes a duration such as 90s, 15m, 2h or 1d, not {text!r}",
            hint="a whole number followed by s, m, h, d or w",
        )
    unit = match.group(2).lower()
    seconds = int(match.group(1)) * _UNITS[unit[0]]
    return _positive(dt.timedelta(seconds=seconds), flag, zero=zero)


def parse_since(value: Since) -> dt.datetime | dt.timedelta:
    """`--since`: a duration back from now, or an instant (aware, UTC; no offset means UTC)."""
    if isinstance(value, dt.timedelta):
        return parse_duration(value, "--since")
    if isinstance(value, dt.datetime):
        return as_utc(value)
    text = str(value).strip()
    if _DURATION.fullmatch(text):
        return parse_duration(text, "--since")
    try:
        return as_utc(dt.datetime.fromisoformat(text.replace("Z", "+00:00").replace("z", "+00:00")))
    except ValueError:
        raise UsageError(
            f"--since takes a duration (90s, 15m, 2h, 1d) or an ISO timestamp, not {text!r}",
            hint="e.g. --since 15m or --since 2026-12-01T14:00:00Z",
        ) from None


def check_window(since: Since | None, updated_column: str | None, min_age: str | dt.timedelta | None) -> None:
    """The window options checked together: one UsageError for the first thing wrong.

    `--updated-column` alone is harmless (a check file's defaults may name it for every table and
    give only some a window); `--min-age` without a window is surely a mistake.
    """
    if since is None:
        if min_age:
            raise UsageError("--min-age needs --since (the start of the window to check)")
        return
    if not updated_column:
        raise UsageError(
            "--since needs --updated-column (the timestamp column every write sets)",
            hint="e.g. --since 15m --updated-column updated_at",
        )
    start = parse_since(since)
    if min_age:
        age = parse_duration(min_age, "--min-age", zero=True)
        if isinstance(start, dt.timedelta) and age >= start:
            # Every row written in the window is younger than min_age: nothing would ever be
            # compared, and a monitor would pass forever.
            raise UsageError(
                f"--min-age {shown_duration(min_age)} must be shorter than --since {shown_duration(since)}: "
                "every row of the window would be in flight and none compared",
                hint="e.g. --since 15m --min-age 30s",
            )


def shown_window(
    since: Since, updated_column: str | None, min_age: str | dt.timedelta | None
) -> dict[str, Any]:
    """The window options as reports show them: `since` and `min_age` as given."""
    return {
        "since": shown_duration(since),
        "updated_column": updated_column,
        "min_age": None if min_age is None else shown_duration(min_age),
    }


def shown_duration(value: Since) -> str:
    """A `since` or `min_age` as reports show it: as given, a duration in its largest unit."""
    if isinstance(value, dt.timedelta):
        seconds = value.total_seconds()
        for unit, size in (("w", 604800), ("d", 86400), ("h", 3600), ("m", 60)):
            if seconds >= size and seconds % size == 0:
                return f"{int(seconds // size)}{unit}"
        return f"{seconds:g}s"
    if isinstance(value, dt.datetime):
        return iso_utc(as_utc(value))
    return str(value).strip()


def as_utc(moment: dt.datetime) -> dt.datetime:
    """An aware instant in UTC; a timestamp without an offset is taken as UTC (DESIGN principle 4)."""
    if moment.tzinfo is None:
        return moment.replace(tzinfo=dt.timezone.utc)
    return moment.astimezone(dt.timezone.utc)


def iso_utc(moment: dt.datetime) -> str:
    """`2026-12-01T14:00:00Z` (microseconds only when there are some)."""
    return as_utc(moment).isoformat().replace("+00:00", "Z")


def _positive(delta: dt.timedelta, flag: str, *, zero: bool = False) -> dt.timedelta:
    if delta < dt.timedelta(0) or (delta == dt.timedelta(0) and not zero):
        bound = "must not be negative" if zero else "must be longer than zero"
        raise UsageError(f"{flag} {bound}, not {shown_duration(delta) if delta else '0s'}")
    return delta
