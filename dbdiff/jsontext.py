"""JSON text in canonical form: keys sorted by code point, no whitespace, numbers by exact value,
any depth.

The `json` normalizer compares documents through `canonical_json_series`, which takes a whole batch
through msgspec (about ten times the reference's speed) and hands every document msgspec cannot take to
`canonical_json`, the reference: the json module's parser with exact number hooks, or for
documents nested deeper than Python's recursion allows a parser with its own stack. All three
render through one msgspec encoder and one number function, `canonical_number`, so they agree
byte for byte (a property test holds them to it).
"""

from __future__ import annotations

import contextlib
import gc
import json
import operator
import re
import threading
from collections.abc import Callable, Iterator
from functools import lru_cache
from typing import Any

import msgspec
import polars as pl

#: An integral number with at most this many digits prints as plain digits, anything else as
#: significant digits and an exponent. The bound keeps 1e999999999 from printing a billion digits.
MAX_PLAIN_DIGITS = 100

_NUMBER_PARTS = re.compile(r"(-?)(0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([-+]?[0-9]+))?")


def canonical_number(token: str) -> str:
    """A JSON number token by exact value: "3" for 3, 3.0, 300e-2 and 3.000; "-12"; "0" for -0;
    otherwise significant digits and an exponent: 1.10 -> "11e-1", 1e400 -> "1e400"."""
    match = _NUMBER_PARTS.fullmatch(token)
    if match is None:
        raise ValueError(f"not a JSON number: {token!r}")
    sign, whole, fraction, exponent = match.groups("")
    digits = (whole + fraction).lstrip("0")
    if not digits:
        return "0"
    significant = digits.rstrip("0")
    power = (int(exponent) if exponent else 0) - len(fraction) + len(digits) - len(significant)
    if 0 <= power <= MAX_PLAIN_DIGITS - len(significant):
        return sign + significant + "0" * power
    return f"{sign}{significant}e{power}"


@lru_cache(maxsize=1 << 14)
def _cached_number(token: str) -> msgspec.Raw:
    """A number token as the encoder writes it. Prices and counts repeat: most are cache hits.
    (msgspec's hook only sees tokens without a digit run longer than MAX_PLAIN_DIGITS.)"""
    return msgspec.Raw(canonical_number(token).encode())


def _number(token: str) -> msgspec.Raw:
    """`_cached_number`, for tokens of any length (the reference parser's hook)."""
    return _cached_number(token) if len(token) <= 40 else msgspec.Raw(canonical_number(token).encode())


# The one encoder behind every canonical text: keys sorted by code point, compact, UTF-8 strings.
_ENCODER = msgspec.json.Encoder(order="sorted")
_encode = _ENCODER.encode
# Integers decode as exact ints (printed as plain digits, which is `canonical_number`'s form for
# up to MAX_PLAIN_DIGITS digits), every other number through the hook with its own text.
_decode = msgspec.json.Decoder(float_hook=_cached_number).decode
_LONG_DIGITS = f"[0-9]{{{MAX_PLAIN_DIGITS + 1}}}"
_FAST_ERRORS = (ValueError, msgspec.MsgspecError, RecursionError)  # ValueError: DecodeError, Unicode*


def canonical_json_series(texts: pl.Series) -> pl.Series:
    """Each document of a String or Binary (UTF-8) series in canonical form: equal to
    `canonical_json` of it, NULL where the value is NULL or not JSON."""
    if texts.dtype != pl.String:
        try:
            texts = texts.cast(pl.String, strict=True)
        except pl.exceptions.PolarsError:  # bytes that are no UTF-8 are no JSON text either
            texts = pl.Series(texts.name, [_utf8_or_none(v) for v in texts.to_list()], dtype=pl.String)
    # polars' Series methods would read a name like "^...$" as a pattern: a plain one meanwhile.
    name, texts = texts.name, texts.alias("doc")
    # msgspec would print a long integer as plain digits: such documents take the reference path.
    fast = (texts.is_not_null() & ~texts.str.contains(_LONG_DIGITS)).fill_null(False)
    everywhere = bool(fast.all())
    # As bytes: msgspec reads UTF-8 as fast as str, and no str is built (half the time).
    values: list[Any] = (texts if everywhere else texts.filter(fast)).cast(pl.Binary).to_list()
    with _no_collector():
        canonical = _canonical_each(values)
    result = pl.Series(texts.name, canonical, dtype=pl.Binary).cast(pl.String)
    if not everywhere:  # NULLs and long digit runs wait for the reference below
        result = pl.repeat(None, texts.len(), dtype=pl.String, eager=True).scatter(fast.arg_true(), result)
    redo = (result.is_null() & texts.is_not_null()).arg_true()
    if redo.len():
        exact = [_canonical_or_none(value) for value in texts.gather(redo).to_list()]
        result = result.scatter(redo, pl.Series(exact, dtype=pl.String))
    return result.alias(name)


def _canonical_each(values: list[bytes]) -> list[bytes | None]:
    """Each document's canonical text; None where msgspec cannot take it (the reference decides)."""
    try:  # the common batch, every document readable: a map in C, no Python per document
        return list(map(_encode, map(_decode, values)))
    except _FAST_ERRORS:
        pass
    canonical: list[bytes | None] = []
    append, encode, decode = canonical.append, _encode, _decode
    for value in values:
        try:
            append(encode(decode(value)))
        except _FAST_ERRORS:  # invalid text, lone surrogate escapes, too deep: the reference decides
            append(None)
    return canonical


def known_equal_json(left: pl.Series, right: pl.Series) -> pl.Series:
    """Row i of `left` against row i of `right`, both String or Binary: True where both surely
    are equal JSON documents (or both NULL), False where their canonical texts must decide.

    Documents are decoded and compared as Python values, and no text is rendered: equal values
    have equal canonical texts (integers decode exactly, at any length msgspec takes; other
    numbers through `_cached_number`), except that Python holds true == 1 and false == 0. So
    pairs holding a `true` or `false`, and pairs whose values differ or don't decode, are left
    to the canonical texts: about half the cost of rendering both sides' texts, when most pairs
    are equal."""
    both_null = left.is_null() & right.is_null()
    try:
        texts = [s if s.dtype == pl.String else s.cast(pl.String, strict=True) for s in (left, right)]
    except pl.exceptions.PolarsError:  # bytes that are no UTF-8 are no JSON either
        return both_null
    # polars' Series methods would read a name like "^...$" as a pattern: plain ones meanwhile.
    lt, rt = texts[0].alias("l"), texts[1].alias("r")
    plain = ~(lt.str.contains("true|false") | rt.str.contains("true|false"))
    fast = (lt.is_not_null() & rt.is_not_null() & plain).fill_null(False)
    same = _equal_each(lt.filter(fast).cast(pl.Binary).to_list(), rt.filter(fast).cast(pl.Binary).to_list())
    equal = fast.arg_true().filter(pl.Series(same, dtype=pl.Boolean).fill_null(False))
    return both_null.scatter(equal, True)


def _equal_each(left: list[bytes], right: list[bytes]) -> list[bool | None]:
    """Per pair: are the decoded documents equal Python values? None where one does not decode."""
    with _no_collector():
        try:  # the common batch: a map in C, no Python per document
            return list(map(operator.eq, map(_decode, left), map(_decode, right)))
        except _FAST_ERRORS:
            pass
        same: list[bool | None] = []
        append, decode = same.append, _decode
        for one, other in zip(left, right, strict=True):
            try:
                append(decode(one) == decode(other))
            except _FAST_ERRORS:  # invalid text, too deep: the canonical texts decide
                append(None)
        return same


_collector_lock = threading.Lock()
_collector_holds = 0  # threads inside `_no_collector` now
_collector_was_on = False  # was the collector on when the first of them came in?


@contextlib.contextmanager
def _no_collector() -> Iterator[None]:
    """The cyclic garbage collector off while documents are decoded: their trees are built and
    dropped one at a time, and it would walk each of them. Threads come and go in any order: the
    last one out switches it back on if it was on when the first came in."""
    global _collector_holds, _collector_was_on
    with _collector_lock:
        if not _collector_holds:
            _collector_was_on = gc.isenabled()
            gc.disable()
        _collector_holds += 1
    try:
        yield
    finally:
        with _collector_lock:
            _collector_holds -= 1
            if not _collector_holds and _collector_was_on:
                gc.enable()


def _canonical_or_none(text: str) -> str | None:
    try:
        return canonical_json(text)
    except ValueError:
        return None


def _utf8_or_none(value: bytes | None) -> str | None:
    try:
        return None if value is None else value.decode("utf-8")
    except UnicodeDecodeError:
        return None


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def canonical_json(text: str) -> str:
    """One JSON text in canonical form: keys sorted, the last duplicate key wins, no whitespace,
    numbers by exact value (1.10 = 1.1 = 11e-1, 3.0 = 3, but 0.12345678901234567891 != ...890).

    Documents of any depth: one nested deeper than Python's recursion allows (jsonb takes
    thousands of levels) goes through a parser that keeps its own stack. Text that is no JSON
    raises ValueError."""
    try:
        try:
            value = json.loads(text, parse_float=_number, parse_int=_number, parse_constant=_reject_constant)
            try:
                return _encode(value).decode()
            except UnicodeEncodeError:  # a lone surrogate (an escape like "\udc00") has no UTF-8
                return _dump_ascii(value)
        except RecursionError:
            return _canonical_json_deep(text)
    except ValueError as exc:
        shown = text if len(text) <= 60 else text[:57] + "..."
        raise ValueError(f"not valid JSON ({exc}): {shown!r}") from None


def _quote_ascii(text: str) -> str:
    return json.dumps(text, ensure_ascii=True)


def _quote_utf8(text: str) -> str:
    return _encode(text).decode()


def _dump_ascii(value: Any) -> str:
    """The canonical text of a document with a lone surrogate: the same, with strings ASCII-escaped."""
    if isinstance(value, dict):
        items = sorted(value.items(), key=lambda item: item[0])
        return "{" + ",".join(_quote_ascii(k) + ":" + _dump_ascii(v) for k, v in items) + "}"
    if isinstance(value, list):
        return "[" + ",".join(_dump_ascii(v) for v in value) + "]"
    if isinstance(value, msgspec.Raw):
        return bytes(value).decode()
    if isinstance(value, str):
        return _quote_ascii(value)
    return _encode(value).decode()  # true, false, null


_scanstring: Callable[[str, int, bool], tuple[str, int]] = json.decoder.scanstring  # type: ignore[attr-defined]
_JSON_SPACE = re.compile(r"[ \t\n\r]*")
_JSON_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
_JSON_LITERALS = (("true", "true"), ("false", "false"), ("null", "null"))


def _canonical_json_deep(text: str) -> str:
    """`canonical_json` without recursion, byte for byte: ASCII-escaped, too, when a lone
    surrogate is left in the document (not one in a member a later duplicate key replaced)."""
    canonical, lone = _canonical_json_stack(text, ascii=False)
    return _canonical_json_stack(text, ascii=True)[0] if lone else canonical


def _quoted(text: str, ascii: bool) -> tuple[str, bool]:
    """A string as the encoder writes it, and whether it holds a lone surrogate."""
    if ascii:
        return _quote_ascii(text), False
    try:
        return _quote_utf8(text), False
    except UnicodeEncodeError:
        return _quote_ascii(text), True


def _canonical_json_stack(text: str, ascii: bool) -> tuple[str, bool]:
    """`_canonical_json_deep`'s canonical text (strings ASCII-escaped if `ascii`) and whether a
    lone surrogate is in it. Containers live on an explicit stack.

    Each open container is [kind, parts-or-members, pending key, lone surrogate in its parts];
    a closed one becomes its canonical text and is handed to its parent. Strings use the json
    module's own scanner, so both parsers accept exactly the same texts."""
    stack: list[list[Any]] = []
    pos = _JSON_SPACE.match(text, 0).end()  # type: ignore[union-attr]
    result: tuple[str, bool] = ("", False)
    expect_value = True
    while True:
        if expect_value:
            if pos >= len(text):
                raise ValueError(f"Expecting value: char {pos}")
            char = text[pos]
            lone = False
            if char == "{" or char == "[":
                stack.append(["object" if char == "{" else "array", {} if char == "{" else [], None, False])
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
                value, lone = _quoted(parsed, ascii)
            else:
                number = _JSON_NUMBER.match(text, pos)
                if number:
                    value = canonical_number(number.group())
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
            value, lone = result
        # Hand the finished value to its container, then read what follows it.
        pos = _JSON_SPACE.match(text, pos).end()  # type: ignore[union-attr]
        if not stack:
            if pos != len(text):
                raise ValueError(f"Extra data: char {pos}")
            return value, lone
        top = stack[-1]
        if top[0] == "object":
            top[1][top[2]] = (value, lone)  # a duplicate key replaces the member, surrogates and all
        else:
            top[1].append(value)
            top[3] = top[3] or lone
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
                parts, lone = [], False
                for key, (member, member_lone) in sorted(top[1].items(), key=lambda item: item[0]):
                    quoted, key_lone = _quoted(key, ascii)
                    parts.append(quoted + ":" + member)
                    lone = lone or key_lone or member_lone
                result = ("{" + ",".join(parts) + "}", lone)
            else:
                result = ("[" + ",".join(top[1]) + "]", top[3])
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
