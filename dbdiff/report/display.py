"""Sample values as plain text: quoted when bare text would mislead, control and invisible
characters made visible, long values cut around their first difference.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from dbdiff.report.words import fmt_count

# C0/C1 controls (tab and newline aside), invisible and bidi-override characters that can make a
# value look like another ("Trojan source"), lone surrogates and non-characters.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
    r"\ud800-\udfff\ufffe\uffff]"
)
_QUOTED = re.compile(_CONTROL.pattern[:-1] + r"\t\n]")


def escape_controls(text: str) -> str:
    """Control characters, lone surrogates and non-characters as visible `\\xNN` / `\\uNNNN` escapes."""
    return _CONTROL.sub(lambda m: control_escape(m.group()), text)


def is_control(char: str) -> bool:
    """True for a character that `escape_controls` makes visible."""
    return _CONTROL.match(char) is not None


def control_escape(char: str) -> str:
    """One invisible or unsafe character as a visible escape: `\\n`, `\\x1b`, `\\u202e`."""
    named = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(char)
    if named:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


#: Characters shown before the first difference when a long value is cut around it.
DIFF_CONTEXT = 20


def display_value(value: Any, limit: int = 120, *, start: int = 0) -> str:
    """One JSON-encoded sample value as plain text.

    NULL, booleans and numbers print bare. Strings print bare unless that would hide something:
    empty strings, surrounding whitespace, line breaks or control characters, and strings that
    read like NULL or a boolean are JSON-quoted, so `'abc '` never looks like `'abc'`. A string
    longer than `limit` shows `limit` characters from `start` (see `display_pair`), with `…`
    where it was cut and its full length.
    """
    if value is None:
        return "NULL"
    if is_truncated(value):
        return bounded_text(value, limit)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return _window(value, limit, start, quoted=_needs_quotes(value))
    return _window(json.dumps(value, ensure_ascii=False, sort_keys=True), limit, start, quoted=False)


def _window(text: str, limit: int, start: int, *, quoted: bool, offset: int = 0, length: int = -1) -> str:
    """`text` (quoted or with controls escaped) cut to `limit` characters from character `start`.

    `text` may itself be a window of a longer value: it starts at character `offset` of a value
    `length` characters long (a bounded sample value, see `is_truncated`).
    """
    length = offset + len(text) if length < 0 else length
    if offset == 0 and len(text) == length <= limit:
        return quote(text) if quoted else escape_controls(text)
    local = max(0, min(start - offset, len(text)))
    end = min(len(text), local + limit)
    piece = text[local:end]
    first, last = offset + local, offset + end  # where the piece sits in the whole value
    if quoted:
        piece = piece.replace("\\", "\\\\").replace('"', '\\"')
        piece = _QUOTED.sub(lambda m: control_escape(m.group()), piece)
        piece = ('"' if first == 0 else "") + piece + ('"' if last == length else "")
    else:
        piece = escape_controls(piece)
    shown = ("…" if first else "") + piece + ("…" if last < length else "")
    where = f", from character {fmt_count(first + 1)}" if first else ""
    return f"{shown} ({fmt_count(length)} chars{where})"


def first_difference(left: str, right: str) -> int:
    """The index of the first character where `left` and `right` differ (the shorter length if one
    is a prefix of the other)."""
    # A binary search over slice comparisons (done in C): fast on values of megabytes.
    low, high = 0, min(len(left), len(right))
    while low < high:
        mid = (low + high + 1) // 2
        if left[:mid] == right[:mid]:
            low = mid
        else:
            high = mid - 1
    return low


def display_pair(left: Any, right: Any, limit: int = 120) -> tuple[str, str]:
    """Both sides of a changed value as plain text; long strings are cut around their first
    difference (the same window on both sides), so a change at the end of a long value shows.
    Bounded sample values (`is_truncated`) are placed by their offset in the whole value."""
    a, b = _text_span(left), _text_span(right)
    if a is None or b is None or left == right:
        return display_value(left, limit), display_value(right, limit)
    focus = _span_difference(a, b)
    start = focus - DIFF_CONTEXT if focus > limit - DIFF_CONTEXT else 0
    return _pair_side(left, a, focus, start, limit), _pair_side(right, b, focus, start, limit)


def _text_span(value: Any) -> tuple[str, int, int] | None:
    """(text, where it starts in the whole value, the whole value's length) for text values."""
    if isinstance(value, str):
        return value, 0, len(value)
    if is_truncated(value):
        offset, length = value.get("offset"), value.get("length")
        offset = offset if isinstance(offset, int) and offset >= 0 else 0
        window = value["window"]
        length = (
            length if isinstance(length, int) and length >= offset + len(window) else offset + len(window)
        )
        return window, offset, length
    return None


def _span_difference(a: tuple[str, int, int], b: tuple[str, int, int]) -> int:
    """The first character (in whole-value positions) where two spans differ where they overlap."""
    low = max(a[1], b[1])
    high = min(a[1] + len(a[0]), b[1] + len(b[0]))
    if low >= high:
        return low
    return low + first_difference(a[0][low - a[1] : high - a[1]], b[0][low - b[1] : high - b[1]])


def _pair_side(value: Any, span: tuple[str, int, int], focus: int, start: int, limit: int) -> str:
    text, offset, length = span
    if isinstance(value, str):
        return display_value(value, limit, start=start)
    if offset <= focus <= offset + limit - DIFF_CONTEXT:
        return display_value(value, limit)  # its window already shows the difference
    return _window(text, limit, start, quoted=_needs_quotes(text), offset=offset, length=length)


def is_truncated(value: Any) -> bool:
    """True for a long sample value the JSON keeps bounded (`{"truncated": true, "window": ...}`)."""
    return (
        isinstance(value, Mapping) and value.get("truncated") is True and isinstance(value.get("window"), str)
    )


def bounded_text(value: Mapping[str, Any], limit: int = 120) -> str:
    """A bounded value as text: its window, with `…` where the value goes on, and its full length."""
    window = value["window"]
    offset, length = value.get("offset"), value.get("length")
    offset = offset if isinstance(offset, int) else 0
    length = length if isinstance(length, int) else len(window)
    shown = quote(window) if _needs_quotes(window) else window
    cut = shown[:limit]
    return f"{'… ' if offset else ''}{cut}… ({fmt_count(length)} chars)"


def unreadable_on(pair: Mapping[str, Any], side: str) -> bool:
    """True when a changed sample's `side` value is one its rule cannot read."""
    return pair.get("unreadable") in (side, "both")


def marked_pair(pair: Mapping[str, Any], limit: int = 120) -> tuple[str, str]:
    """`display_pair` of a changed sample's diff entry, each side marked when no rule can read it."""
    left, right = display_pair(pair.get("left"), pair.get("right"), limit)
    return (
        f"{left} (unreadable)" if unreadable_on(pair, "left") else left,
        f"{right} (unreadable)" if unreadable_on(pair, "right") else right,
    )


def quote(text: str) -> str:
    """`text` in double quotes with `\\`, `"`, line breaks, tabs and control characters escaped."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _QUOTED.sub(lambda m: control_escape(m.group()), text) + '"'


def _needs_quotes(text: str) -> bool:
    return (
        text == ""
        or text != text.strip()
        or text.lower() in ("null", "true", "false", "none")
        or _CONTROL.search(text) is not None
        or any(ch in text for ch in "\n\r\t\u2028\u2029")
    )


def display_key(key: Mapping[str, Any], limit: int = 60) -> str:
    """A sample key as `id=4` or `(a=1, b="x ")` for composite keys."""
    parts = [f"{name}={display_value(value, limit)}" for name, value in key.items()]
    return parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"
