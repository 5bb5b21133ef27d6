"""Shared presentation helpers: counts, durations, values."""

from __future__ import annotations

import pytest

from dbdiff.report.display import display_key, display_value, escape_controls
from dbdiff.report.words import fmt_count, fmt_duration, fmt_percent, truncate


def test_fmt_count() -> None:
    assert fmt_count(0) == "0"
    assert fmt_count(12_345) == "12,345"
    assert fmt_count(50_000_000) == "50,000,000"


@pytest.mark.parametrize(
    ("part", "whole", "text"),
    [
        (0, 10, "0%"),
        (1, 0, "0%"),
        (1, 1, "100%"),
        (1, 3, "33.3%"),
        (1, 10_000, "<0.1%"),
        (9_999, 10_000, ">99.9%"),
    ],
)
def test_fmt_percent(part: int, whole: int, text: str) -> None:
    assert fmt_percent(part, whole) == text


@pytest.mark.parametrize(
    ("seconds", "text"),
    [(0.0421, "0.042 s"), (12.34, "12.3 s"), (754.5, "12 min 34 s"), (7_380, "2 h 03 min")],
)
def test_fmt_duration(seconds: float, text: str) -> None:
    assert fmt_duration(seconds) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "NULL"),
        ("NULL", '"NULL"'),
        (True, "true"),
        ("true", '"true"'),
        (1, "1"),
        (10**40, str(10**40)),
        (0.1, "0.1"),
        ("NaN", "NaN"),
        ("1.10", "1.10"),
        ("", '""'),
        ("abc ", '"abc "'),
        ("a\nb", '"a\\nb"'),
        ('say "hi"\t', '"say \\"hi\\"\\t"'),
        ("esc\x1b", '"esc\\x1b"'),
        ("rtl\u202e", '"rtl\\u202e"'),
        ({"b": 1, "a": [2]}, '{"a": [2], "b": 1}'),
    ],
)
def test_display_value(value: object, text: str) -> None:
    assert display_value(value) == text


def test_display_key() -> None:
    assert display_key({"id": 4}) == "id=4"
    assert display_key({"a": 1, "b": "x "}) == '(a=1, b="x ")'


def test_truncate_and_escape() -> None:
    assert truncate("abcdef", 3) == "abc… (6 chars)"
    assert escape_controls("a\x00b\tc\nd\ud800") == "a\\x00b\tc\nd\\ud800"
