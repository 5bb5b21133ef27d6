"""JSON text in canonical form: keys sorted, no whitespace, numbers by exact value, any depth.

The `json` normalizer compares documents through `canonical_json`; it lives apart because it is
plain text processing with no polars or rule in it.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any


class _Number:
    """A JSON number in canonical exact form: digits without trailing zeros, and an exponent."""

    __slots__ = ("text",)

    def __init__(self, literal: str) -> None:
        try:
            value = Decimal(literal)
        except InvalidOperation:  # pragma: no cover - the JSON parser only hands over numbers
            raise ValueError(f"not a JSON number: {literal!r}") from None
        sign, digits, exponent = value.as_tuple()
        assert isinstance(exponent, int)
        text = "".join(map(str, digits)).lstrip("0")
        if not text:
            self.text = "0"
            return
        stripped = text.rstrip("0")
        exponent += len(text) - len(stripped)
        self.text = f"{'-' if sign else ''}{stripped}e{exponent}"


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def _dump_json(value: Any) -> str:
    if isinstance(value, dict):
        items = sorted(value.items())
        return "{" + ",".join(json.dumps(k, ensure_ascii=True) + ":" + _dump_json(v) for k, v in items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_dump_json(v) for v in value) + "]"
    if isinstance(value, _Number):
        return value.text
    if value is True:
        return "true"
    if value is False:
        return "false"
    if value is None:
        return "null"
    return json.dumps(value, ensure_ascii=True)


def canonical_json(text: str) -> str:
    """One JSON text in canonical form: keys sorted, the last duplicate key wins, no whitespace,
    numbers by exact value (1.10 = 1.1 = 11e-1, but 0.12345678901234567891 != ...890).

    Documents of any depth: one nested deeper than Python's recursion allows (jsonb takes
    thousands of levels) goes through a parser that keeps its own stack."""
    try:
        try:
            value = json.loads(text, parse_float=_Number, parse_int=_Number, parse_constant=_reject_constant)
            return _dump_json(value)
        except RecursionError:
            return _canonical_json_deep(text)
    except ValueError as exc:
        shown = text if len(text) <= 60 else text[:57] + "..."
        raise ValueError(f"not valid JSON ({exc}): {shown!r}") from None


_scanstring: Callable[[str, int, bool], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][-+]?\d+)?")
_JSON_LITERALS = (("true", "true"), ("false", "false"), ("null", "null"))


def _canonical_json_deep(text: str) -> str:
    """`canonical_json` without recursion: containers live on an explicit stack.

    Each open container is [kind, parts-or-members, pending key]; a closed one becomes its
    canonical text and is handed to its parent. Strings use the json module's own scanner, so
    both parsers accept exactly the same texts."""
    stack: list[list[Any]] = []
    pos = _JSON_SPACE.match(text, 0).end()  # type: ignore[union-attr]
    result: str | None = None
    expect_value = True
    while True:
        if expect_value:
            if pos >= len(text):
                raise ValueError(f"Expecting value: char {pos}")
            char = text[pos]
            value: str | None = None
            if char == "{" or char == "[":
                stack.append(["object" if char == "{" else "array", {} if char == "{" else [], None])
                pos = _JSON_SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
                closing = "}" if char == "{" else "]"
                if text.startswith(closing, pos):
                    stack.pop()
                    value = "{}" if char == "{" else "[]"
                    pos += 1
                elif char == "{":
                    pos = _json_key(text, pos, stack[-1])
                    continue
                else:
                    continue
            elif char == '"':
                parsed, pos = _scanstring(text, pos + 1, True)
                value = json.dumps(parsed, ensure_ascii=True)
            else:
                number = _JSON_NUMBER.match(text, pos)
                if number:
                    value = _Number(number.group()).text
                    pos = number.end()
                else:
                    for literal, canonical in _JSON_LITERALS:
                        if text.startswith(literal, pos):
                            value, pos = canonical, pos + len(literal)
                            break
                    else:
                        raise ValueError(f"Expecting value: char {pos}")
            expect_value = False
        else:
            value = result
        # Hand the finished value to its container, then read what follows it.
        pos = _JSON_SPACE.match(text, pos).end()  # type: ignore[union-attr]
        if not stack:
            if pos != len(text):
                raise ValueError(f"Extra data: char {pos}")
            assert value is not None
            return value
        top = stack[-1]
        if top[0] == "object":
            top[1][top[2]] = value
        else:
            top[1].append(value)
        closing = "}" if top[0] == "object" else "]"
        if text.startswith(",", pos):
            pos = _JSON_SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
            if top[0] == "object":
                pos = _json_key(text, pos, top)
            expect_value = True
        elif text.startswith(closing, pos):
            stack.pop()
            pos += 1
            if top[0] == "object":
                members = sorted(top[1].items())
                result = "{" + ",".join(json.dumps(k, ensure_ascii=True) + ":" + v for k, v in members) + "}"
            else:
                result = "[" + ",".join(top[1]) + "]"
        else:
            raise ValueError(f"Expecting ',' delimiter: char {pos}")


def _json_key(text: str, pos: int, container: list[Any]) -> int:
    """Read `"key" :` at `pos` into the open object; the position of its value."""
    if not text.startswith('"', pos):
        raise ValueError(f"Expecting property name enclosed in double quotes: char {pos}")
    container[2], pos = _scanstring(text, pos + 1, True)
    pos = _JSON_SPACE.match(text, pos).end()  # type: ignore[union-attr]
    if not text.startswith(":", pos):
        raise ValueError(f"Expecting ':' delimiter: char {pos}")
    return _JSON_SPACE.match(text, pos + 1).end()  # type: ignore[union-attr]
