"""The JSON canonicalizer: msgspec's batch path agrees byte for byte with the exact reference."""

from __future__ import annotations

import json
import random
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dbdiff.jsontext import (
    MAX_PLAIN_DIGITS,
    _canonical_json_deep,
    canonical_json,
    canonical_json_series,
    canonical_number,
    known_equal_json,
)
from dbdiff.normalize.structured import _json_readable


def reference(text: str) -> str | None:
    try:
        return canonical_json(text)
    except ValueError:
        return None


def deep(text: str) -> str | None:
    try:
        return _canonical_json_deep(text)
    except ValueError:
        return None


def fast(texts: list[str | None]) -> list[str | None]:
    return canonical_json_series(pl.Series(texts, dtype=pl.String)).to_list()


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ('{"b": 1, "a": [1, 2]}', '{"a":[1,2],"b":1}'),
        ("1.10", "11e-1"),
        ("[3, 3.0, 300e-2, 3.000E0, 0.3e1]", "[3,3,3,3,3]"),
        ("[-0, -0.0, 0e-5, 0.000]", "[0,0,0,0]"),
        ("1e400", "1e400"),
        ("-1.5e-400", "-15e-401"),
        ("12345678901234567890123456789.5", "123456789012345678901234567895e-1"),
        ("0.12345678901234567891", "12345678901234567891e-20"),
        ("1" + "0" * MAX_PLAIN_DIGITS, "1e100"),
        ("1" + "0" * (MAX_PLAIN_DIGITS - 1), "1" + "0" * (MAX_PLAIN_DIGITS - 1)),
        ("1e99", "1" + "0" * 99),
        ("9" * 150, "9" * 150 + "e0"),
        ('{"a": 1, "a": 2}', '{"a":2}'),
        ('{"\\ud83d\\ude00": 1, "\\uffff": 2, "\\u00e9": 3, "z": 4}', '{"z":4,"é":3,"\uffff":2,"😀":1}'),
        (
            '"caf\\u00e9 \\/ \\" \\\\ \\n \\u0000 \\u007f \\u2028"',
            '"café / \\" \\\\ \\n \\u0000 \x7f \u2028"',
        ),
        ('["\\u00e9", "\\udc00"]', '["\\u00e9","\\udc00"]'),  # a lone surrogate: ASCII-escaped
        ('{"a": {"\\udc00": 1}, "a": "\\u00e9"}', '{"a":"é"}'),  # unless a duplicate key drops it
        (" \t\r\n[ true , false , null ] \n", "[true,false,null]"),
        ("[[[]]]", "[[[]]]"),
    ],
)
def test_canonical_texts(text, canonical):
    assert canonical_json(text) == canonical
    assert fast([text]) == [canonical]
    assert _canonical_json_deep(text) == canonical


@pytest.mark.parametrize(
    "text",
    [
        *["", "NaN", "-Infinity", "[1,]", '{"a":1,}', "01", "1.", ".5", "+1", "1e", "[1] x", "\ufeff1"],
        *['"a\tb"', '"\x01"', '"\\x"', '"\\u12"', "\x0c1", "[\u00a01]", "[\u0661]", '{"a" 1}', "tru"],
        "[" * 3000,
    ],
)
def test_invalid_texts_are_refused_by_every_path(text):
    with pytest.raises(ValueError, match="not valid JSON"):
        canonical_json(text)
    assert fast([text]) == [None]
    assert deep(text) is None


def test_deep_documents_take_the_stack_parser_on_both_paths():
    text = '{"x": ' * 3000 + '["\\udc00", 1.50]' + "}" * 3000
    expected = '{"x":' * 3000 + '["\\udc00",15e-1]' + "}" * 3000
    assert canonical_json(text) == expected
    assert fast([text, None, "[1.0]"]) == [expected, None, "[1]"]


def test_binary_documents_and_their_invalid_utf8():
    values = pl.Series([b'{"a": 1.0}', b'"\xff"', None, b"[2]"], dtype=pl.Binary)
    assert canonical_json_series(values).to_list() == ['{"a":1}', None, None, "[2]"]


def test_readable_flags_exactly_the_invalid_values():
    values = ['{"a":1}', "{oops", None, "[1e400]", "NaN", '"\\udc00"', "1" * 200]
    frame = pl.DataFrame({"j": values})
    flags = frame.select(_json_readable(pl.col("j"), None, pl.String, {})).to_series()  # type: ignore[arg-type]
    assert flags.to_list() == [True, False, True, True, False, True, True]


@pytest.mark.parametrize(
    ("token", "canonical"),
    [("0", "0"), ("-0.0e7", "0"), ("100", "100"), ("1E+2", "100"), ("1.10", "11e-1"), ("-2.5e-3", "-25e-4")],
)
def test_canonical_number(token, canonical):
    assert canonical_number(token) == canonical


def test_canonical_number_refuses_what_is_no_json_number():
    for token in ["01", "1.", "+1", "NaN", "1e", "\u0661"]:
        with pytest.raises(ValueError, match="not a JSON number"):
            canonical_number(token)


# --- random documents, spelled many ways -------------------------------------------------------


class Obj(list):  # type: ignore[type-arg]
    """An object as its members in text order, duplicates included (the last one wins)."""


class Num:
    def __init__(self, negative: bool, digits: str, exponent: int) -> None:
        self.negative, self.digits, self.exponent = negative, digits, exponent

    def value(self) -> Decimal:
        return Decimal(f"{'-' if self.negative else ''}{self.digits}e{self.exponent}")


LONE = st.sampled_from(["\ud800", "\udbff", "\udc00", "\udfff"])
STRINGS = st.text(max_size=6) | st.builds(
    lambda a, s, b: a + s + b, st.text(max_size=2), LONE, st.text(max_size=2)
)
NUMBERS = st.builds(
    Num,
    st.booleans(),
    st.integers(0, 10**40).map(str) | st.integers(0, 10**130).map(str) | st.just("0"),
    st.integers(-20, 20) | st.integers(-500, 500) | st.just(0),
)
LEAVES = st.none() | st.booleans() | st.integers() | st.integers(-(10**130), 10**130) | NUMBERS | STRINGS
TREES = st.recursive(
    LEAVES,
    lambda inner: st.lists(inner, max_size=4) | st.lists(st.tuples(STRINGS, inner), max_size=4).map(Obj),
    max_leaves=12,
)
SPACE = ["", "", " ", "\n", "\t", "\r\n  "]
ESCAPES = {"\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t", '"': '\\"', "\\": "\\\\"}


def spell_string(text: str, rnd: random.Random) -> str:
    out = []
    for char in text:
        code = ord(char)
        forced = code < 0x20 or char in '"\\' or 0xD800 <= code < 0xE000
        if forced or rnd.random() < 0.2:
            if char in ESCAPES and rnd.random() < 0.5:
                out.append(ESCAPES[char])
            elif code > 0xFFFF:
                high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
                out.append(f"\\u{high:04x}\\u{low:04X}")
            elif char == "/" and rnd.random() < 0.5:
                out.append("\\/")
            else:
                out.append(f"\\u{code:04x}" if rnd.random() < 0.5 else f"\\u{code:04X}")
        else:
            out.append(char)
    return '"' + "".join(out) + '"'


def spell_number(negative: bool, digits: str, exponent: int, rnd: random.Random) -> str:
    """One of the many JSON spellings of (-)digits x 10^exponent."""
    digits = digits.lstrip("0") or "0"
    zeros = rnd.choice([0, 0, 1, 3, MAX_PLAIN_DIGITS + 1])
    digits, exponent = digits + "0" * zeros, exponent - zeros
    point = rnd.randint(0, len(digits))  # digits after the point
    exponent += point
    whole, fraction = digits[: len(digits) - point] or "0", digits[len(digits) - point :]
    if whole != "0":
        whole = whole.lstrip("0") or "0"
    text = ("-" if negative else "") + whole + ("." + fraction if fraction else "")
    if exponent or rnd.random() < 0.3:
        sign = "-" if exponent < 0 else rnd.choice(["", "+"])
        text += rnd.choice("eE") + sign + str(abs(exponent))
    return text


def spell(tree: Any, rnd: random.Random, shuffle: bool) -> str:
    def space() -> str:
        return rnd.choice(SPACE)

    if tree is None or isinstance(tree, bool):
        return json.dumps(tree)
    if isinstance(tree, int):
        if rnd.random() < 0.7:
            return str(tree)
        return spell_number(tree < 0, str(abs(tree)), 0, rnd)
    if isinstance(tree, Num):
        return spell_number(tree.negative, tree.digits, tree.exponent, rnd)
    if isinstance(tree, str):
        return spell_string(tree, rnd)
    if isinstance(tree, Obj):
        members = list(tree)
        if shuffle:  # the same object: its last value per key, in any order
            members = list(dict(members).items())
            rnd.shuffle(members)
        inner = ("," + space()).join(
            spell_string(k, rnd) + space() + ":" + space() + spell(v, rnd, shuffle) for k, v in members
        )
        return "{" + space() + inner + space() + "}"
    return "[" + space() + ("," + space()).join(spell(v, rnd, shuffle) for v in tree) + space() + "]"


def same(read: Any, tree: Any) -> bool:
    """Is the document read back from a canonical text the value of `tree`?"""
    if tree is None or isinstance(tree, (bool, str)):
        return type(read) is type(tree) and read == tree
    if isinstance(tree, (int, Num)):
        expected = Decimal(tree) if isinstance(tree, int) else tree.value()
        return isinstance(read, Decimal) and read == expected
    if isinstance(tree, Obj):
        members = dict(tree)
        return (
            isinstance(read, dict)
            and list(read) == sorted(members)
            and all(same(read[k], v) for k, v in members.items())
        )
    return isinstance(read, list) and len(read) == len(tree) and all(map(same, read, tree))


@settings(max_examples=300, deadline=None)
@given(st.lists(TREES, min_size=1, max_size=4), st.randoms(use_true_random=False))
def test_the_fast_path_agrees_with_the_reference_on_any_spelling(trees, rnd):
    texts = [spell(tree, rnd, shuffle=False) for tree in trees]
    others = [spell(tree, rnd, shuffle=True) for tree in trees]
    batch = fast([*texts, None, *others])
    assert batch == [*map(reference, texts), None, *map(reference, others)]
    for row, (tree, text) in enumerate(zip(trees, texts, strict=True)):
        canonical = batch[row]
        assert canonical is not None, text
        assert batch[len(texts) + 1 + row] == canonical  # the same document, spelled otherwise
        assert _canonical_json_deep(text) == canonical
        read = json.loads(canonical, parse_float=Decimal, parse_int=Decimal)
        assert same(read, tree), (text, canonical)


@settings(max_examples=300, deadline=None)
@given(TREES, st.randoms(use_true_random=False))
def test_two_spellings_of_one_document_have_one_canonical_text(tree, rnd):
    first, second = spell(tree, rnd, shuffle=False), spell(tree, rnd, shuffle=True)
    assert fast([first, second]) == [canonical_json(first)] * 2


JUNK = [
    *',]}[{:"\\-.e0 \x00\x7f\x0c\x1f\u00a0\u0661\ufeff',
    *["NaN", "Infinity", "E+", "00", "\\ud800", "\\udc00", "\\u", "tru", "1" * 101],
]


EDITS = st.lists(st.tuples(st.integers(0, 4), st.integers(0, 10**6)))


@settings(max_examples=400, deadline=None)
@given(TREES, st.randoms(use_true_random=False), EDITS)
def test_mutated_texts_are_canonical_or_invalid_on_both_paths(tree, rnd, edits):
    text = spell(tree, rnd, shuffle=False)
    for kind, at in edits:
        at %= len(text) + 1
        if kind == 0:
            text = text[:at]
        elif kind == 1:
            text = text[:at] + rnd.choice(JUNK) + text[at:]
        elif kind == 2:
            text = text[:at] + text[at + 1 :]
        elif kind == 3:
            text = text[:at] + rnd.choice(JUNK) + text[at + 1 :]
        else:
            text = rnd.choice(["\ufeff", " ", "[", ""]) + text + rnd.choice([",", "]", " ", ",]", ""])
    expected = reference(text)
    assert fast([text]) == [expected]
    assert deep(text) == expected


def twist(tree: Any, rnd: random.Random) -> Any:
    """`tree` with some leaves swapped for ones Python equates with them (true and 1, false and
    0) or whose canonical text is theirs or close to it (1 and 1.0, 1 and "1", 2 and 2e0)."""
    if isinstance(tree, Obj):
        return Obj((k, twist(v, rnd)) for k, v in tree)
    if isinstance(tree, list):
        return [twist(v, rnd) for v in tree]
    if rnd.random() < 0.6:
        return tree
    if isinstance(tree, bool):
        return int(tree)
    if isinstance(tree, int):
        return rnd.choice([tree == 1, str(tree), Num(tree < 0, str(abs(tree)), 0), tree + 1])
    return rnd.choice([None, True, 0, "x"]) if rnd.random() < 0.3 else tree


@settings(max_examples=300, deadline=None)
@given(
    st.lists(st.tuples(TREES, st.sampled_from(["same", "twisted", "other", "mutated"]), TREES), max_size=6),
    st.randoms(use_true_random=False),
)
def test_pairs_known_equal_have_equal_canonical_texts(rows, rnd):
    """What `known_equal_json` (documents decoded and compared as Python values) finds equal has
    equal canonical texts by the reference, both readable, on equal, nearly equal (true vs 1,
    1 vs 1.0), different, invalid and NULL documents, with `true` and long digit runs anywhere.
    Every pair it leaves open goes to the canonical texts, so this is all a diff relies on."""
    left: list[str | None] = []
    right: list[str | None] = []
    for tree, how, other in rows:
        left.append(spell(tree, rnd, shuffle=False))
        if how == "same":
            right.append(spell(tree, rnd, shuffle=True))
        elif how == "twisted":
            right.append(spell(twist(tree, rnd), rnd, shuffle=True))
        elif how == "other":
            right.append(spell(other, rnd, shuffle=True))
        else:
            text = spell(tree, rnd, shuffle=True)
            at = rnd.randint(0, len(text))
            right.append(text[:at] + rnd.choice(JUNK) + text[at:])
    left += [None, None, "{bad", '{"a":1}', "[1]", "{bad"]
    right += [None, '{"a":1}', "{bad", None, "[true]", "{bad"]
    for swap in (False, True):
        lt, rt = (right, left) if swap else (left, right)
        binary = pl.Series([None if t is None else t.encode() for t in rt], dtype=pl.Binary)
        known = known_equal_json(pl.Series(lt, dtype=pl.String), binary).to_list()
        for surely, one, other in zip(known, lt, rt, strict=True):
            if surely:  # both NULL, or both readable with one canonical text
                canonical = (None, None) if one is None else (reference(one), reference(other))
                assert (one is None) == (other is None) and canonical[0] == canonical[1], (one, other)
                assert one is None or canonical[0] is not None, (one, other)
        assert known[-6] is True and known[-1] is False  # NULL with NULL; invalid text equals nothing


def test_pairs_as_the_servers_print_them_are_known_equal():
    """The common case takes the cheap path: MariaDB's text against jsonb's of the same value."""
    pairs = [
        (
            '{"sku":"SKU-01234","qty":3,"tags":["red","blue"]}',
            '{"qty": 3, "sku": "SKU-01234", "tags": ["red", "blue"]}',
        ),
        (
            '{"price":1.10,"n":-50,"big":123456789012345678901}',
            '{"n": -50, "big": 123456789012345678901, "price": 1.1}',
        ),
        (
            '{"name":"Zo\\u00eb","in":{"b":[1,{"c":null}],"a":"\\u2603"}}',
            '{"in": {"a": "☃", "b": [1, {"c": null}]}, "name": "Zoë"}',
        ),
        ('{"a":1,"a":2}', '{"a": 2}'),
        ("[]", "[]"),
    ]
    known = known_equal_json(pl.Series([p[0] for p in pairs]), pl.Series([p[1] for p in pairs]))
    assert known.to_list() == [True] * len(pairs)


@pytest.mark.parametrize("name", ["^x$", "*", "payload"])
def test_a_batch_keeps_its_name_nulls_and_the_documents_only_the_reference_takes(name):
    """NULLs, a long integer (the reference path), an invalid text and a lone surrogate escape in
    one batch, under a name polars would read as a pattern."""
    texts = ['{"b":1,"a":[1,2]}', None, "1" * 120, "{bad", '{"a": 1.10}', '"\\ud800"', None]
    result = canonical_json_series(pl.Series(name, texts, dtype=pl.String))
    assert result.name == name
    assert result.to_list() == [None if t is None else reference(t) for t in texts]
    assert result.to_list()[2] == "1" * 120 + "e0" and result.to_list()[3] is None
