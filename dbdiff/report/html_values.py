"""A value as styled text runs for the HTML page: NULL, booleans, numbers and empty strings
each get their own look, whitespace and invisible characters are marked, and the part of a
string that differs from the other side is highlighted, cut around it when the value is long.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from dbdiff.report.display import control_escape, first_difference, is_control, is_truncated
from dbdiff.report.words import fmt_count

VALUE_LIMIT = 200  # characters of one value shown in the page
_CONTEXT = 40  # characters shown before a difference deep inside a long value

Seg = tuple[str, str]  # (css classes, text)
#: `other` when there is no other side to compare with (None is a NULL on the other side).
NOTHING = object()


def value_segments(value: Any, other: Any = NOTHING, limit: int = VALUE_LIMIT) -> tuple[Seg, ...]:
    """A JSON-encoded value as styled text runs.

    NULL, booleans, numbers and empty strings get their own look, so 'NULL' the string never
    passes for NULL. In strings, leading and trailing whitespace is marked, control and invisible
    characters are shown as escapes, and when `other` is the string on the other side, the part
    that differs from it is highlighted. Long strings are cut around that part.
    """
    if value is None:
        return (("v-null", "NULL"),)
    if is_truncated(value):
        return _bounded_segments(value, other, limit)
    if value is True or value is False:
        return (("v-bool", "true" if value else "false"),)
    if isinstance(value, (int, float)):
        return (("v-num", repr(value)),)
    text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
    if text == "":
        return (("v-empty", "empty string"),)
    span = _differing_span(text, other) if isinstance(other, str) else None
    # Where this side stops matching the other: the start of the highlight, or the end of a
    # common prefix when this side is the shorter one.
    focus = span[0] if span else (_common_prefix(text, other) if isinstance(other, str) else 0)
    size = len(text)
    start = 0
    if size > limit and focus > limit - _CONTEXT:
        start = max(0, min(focus - _CONTEXT, size - limit))
    end = min(size, start + limit)
    lead = size - len(text.lstrip())
    trail = len(text.rstrip())

    segments: list[Seg] = []
    if start:
        segments.append(("more", f"({fmt_count(start)} characters) … "))
    run_cls: str | None = None
    run: list[str] = []
    for i in range(start, end):
        char = text[i]
        control = is_control(char) or char in "\n\t"
        classes = []
        if i < lead or i >= trail:
            classes.append("ws")
        if control:
            classes.append("ctl")
        if span and span[0] <= i < span[1]:
            classes.append("hl")
        cls = " ".join(classes)
        if cls != run_cls and run:
            segments.append((run_cls or "", "".join(run)))
            run = []
        run_cls = cls
        run.append(control_escape(char) if control else char)
    if run:
        segments.append((run_cls or "", "".join(run)))
    if end < size:
        segments.append(("more", f" … ({fmt_count(size - end)} more characters)"))
    return tuple(segments)


def _bounded_segments(value: Mapping[str, Any], other: Any, limit: int) -> tuple[Seg, ...]:
    """A long value the JSON keeps bounded: its window, highlighted against the other side's."""
    window, offset = value["window"], value.get("offset") or 0
    length = value.get("length") or len(window)
    if is_truncated(other) and (other.get("offset") or 0) == offset:
        against: Any = other["window"]
    elif isinstance(other, str):
        against = other[offset : offset + len(window)]
    else:
        against = NOTHING
    inner = [seg for seg in value_segments(window, against, limit) if seg[0] != "more"]
    shown = sum(len(text) for _, text in inner)
    lead = [("more", f"({fmt_count(offset)} characters) … ")] if offset else []
    rest = length - offset - min(len(window), limit)
    tail = [("more", f" … ({fmt_count(rest)} more characters)")] if rest > 0 and shown else []
    return (*lead, *inner, *tail)


def _common_prefix(text: str, other: str) -> int:
    return first_difference(text, other)


def _differing_span(text: str, other: str) -> tuple[int, int] | None:
    """The slice of `text` between its common prefix and common suffix with `other`."""
    if text == other:
        return None
    limit = min(len(text), len(other))
    prefix = _common_prefix(text, other)
    suffix = 0
    while suffix < limit - prefix and text[-1 - suffix] == other[-1 - suffix]:
        suffix += 1
    end = len(text) - suffix
    return (prefix, end) if prefix < end else None
