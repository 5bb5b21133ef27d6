"""Numbers and words for people: counts with separators, shares, durations, plurals, cut text.

Pure and deterministic (no clock, no locale), as every report helper is.
"""

from __future__ import annotations

from collections.abc import Mapping


def fmt_count(n: int) -> str:
    """An integer with thousands separators: 12,345."""
    return f"{n:,}"


def fmt_percent(part: int, whole: int) -> str:
    """`part` as a share of `whole` with one decimal, never rounding a non-zero share to 0 or 100."""
    if whole <= 0 or part <= 0:
        return "0%"
    if part >= whole:
        return "100%"
    share = 100.0 * part / whole
    if share < 0.1:
        return "<0.1%"
    if share > 99.9:
        return ">99.9%"
    return f"{share:.1f}%"


def fmt_duration(seconds: float) -> str:
    """A run time for people: 0.042 s, 12.3 s, 4 min 05 s, 2 h 03 min."""
    if seconds < 1:
        return f"{seconds:.3f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s"


def truncate(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, saying how long it was."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({fmt_count(len(text))} chars)"


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """`1 failed check`, `2 failed checks`, `12,345 changed`."""
    return f"{fmt_count(n)} {singular if n == 1 else (plural or singular + 's')}"


def fmt_timings(timings: Mapping[str, float]) -> str:
    """A run's seconds per phase on one line: `plan 0.120 s · read left 2.4 s · ... · wall 3.1 s`
    (phases that took no measurable time left out); empty without timings."""
    return " · ".join(
        f"{phase.replace('_', ' ')} {fmt_duration(float(seconds))}"
        for phase, seconds in timings.items()
        if seconds or phase == "wall"
    )
