"""Property tests: any names and values, every renderer stays safe and well-formed."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dbdiff.report import render_card_html, render_html, render_junit, render_markdown, render_plain_text
from dbdiff.result import (
    Breach,
    ColumnPair,
    ColumnStat,
    DiffResult,
    Samples,
    SchemaComparison,
    SourceInfo,
    Summary,
    TableResult,
    Validation,
    ValidationFailure,
    Verdict,
)
from tests import report_fixtures as fx

# Any text, including control characters and lone surrogates.
TEXT = st.text(
    alphabet=st.one_of(
        st.characters(), st.characters(min_codepoint=0, max_codepoint=0x1F), st.sampled_from("<>&\"'`|*_[]\\")
    )
    | st.characters(min_codepoint=0xD800, max_codepoint=0xDFFF),
    max_size=30,
)
NAME = TEXT.filter(bool)
VALUE = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**30), max_value=10**30),
    st.floats(allow_nan=False, allow_infinity=False),
    TEXT,
)
COUNT = st.integers(min_value=0, max_value=10**9)
LEVEL = st.sampled_from(["pass", "warn", "fail"])


@st.composite
def verdicts(draw: Any) -> Verdict:
    """A verdict with any breaches: hostile metrics, limits and table names, any value."""
    breaches = tuple(
        Breach(
            metric=draw(st.sampled_from(["changed", "only_left", "schema", "error"]) | NAME),
            level=draw(st.sampled_from(["warn", "fail"])),
            value=draw(st.integers(0, 10**12) | st.floats(0, 1e12)),
            limit=draw(TEXT),
            scope=draw(st.sampled_from(["table", "run"])),
            table=draw(st.none() | NAME),
        )
        for _ in range(draw(st.integers(0, 3)))
    )
    return Verdict(draw(LEVEL), breaches)


def history_entries(draw: Any, names: list[str]) -> tuple[dict[str, Any], ...]:
    """Runs of a check file as a history store might hold them, some counts not numbers at all."""
    name = (st.sampled_from(names) | NAME) if names else NAME
    return tuple(
        {
            "run_id": draw(TEXT),
            "started_at": draw(TEXT),
            "verdict": draw(LEVEL | TEXT),
            "tables": {
                table: {"verdict": draw(LEVEL), **{m: draw(COUNT | VALUE) for m in ("changed", "only_left")}}
                for table in draw(st.lists(name, max_size=3))
            },
        }
        for _ in range(draw(st.integers(0, 4)))
    )


ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


@st.composite
def tables(draw: Any) -> TableResult:
    key = draw(st.lists(NAME, min_size=1, max_size=2, unique=True))
    columns = draw(st.lists(NAME, max_size=4, unique=True))

    def keyed() -> dict[str, Any]:
        return {k: draw(VALUE) for k in key}

    changed = [
        {"key": keyed(), "diffs": {c: {"left": draw(VALUE), "right": draw(VALUE)} for c in columns}}
        for _ in range(draw(st.integers(0, 3)))
    ]
    rows = [
        {"key": keyed(), "row": {c: draw(VALUE) for c in columns}} for _ in range(draw(st.integers(0, 3)))
    ]
    return TableResult(
        left_table=draw(NAME),
        right_table=draw(NAME),
        key=tuple(key),
        status=draw(st.sampled_from(["identical", "different", "error"])),
        error=draw(st.none() | TEXT),
        schema=SchemaComparison(
            only_left=tuple(draw(st.lists(NAME, max_size=2))),
            only_right=tuple(draw(st.lists(NAME, max_size=2))),
            columns=tuple(
                ColumnPair(c, draw(TEXT), draw(TEXT), draw(TEXT), draw(st.none() | NAME)) for c in columns
            ),
            differences=tuple(
                {
                    "kind": draw(st.sampled_from(["type", "nullability", "primary_key"]) | TEXT),
                    "column": draw(st.none() | NAME),
                    "left": draw(VALUE | st.lists(NAME, max_size=2)),
                    "right": draw(VALUE | st.lists(NAME, max_size=2)),
                    "message": draw(TEXT),
                }
                for _ in range(draw(st.integers(0, 2)))
            ),
        ),
        summary=Summary(**{f: draw(COUNT) for f in Summary.__dataclass_fields__}),
        columns=tuple(ColumnStat(c, draw(COUNT)) for c in columns),
        samples=Samples(
            changed=tuple(changed),
            only_left=tuple(rows),
            only_right=tuple(rows),
            duplicates=tuple(
                {"side": "left", "key": keyed(), "count": draw(COUNT)} for _ in range(draw(st.integers(0, 2)))
            ),
            null_keys=tuple(
                {"side": "right", "row": {c: draw(VALUE) for c in columns}}
                for _ in range(draw(st.integers(0, 2)))
            ),
        ),
        validation=Validation(
            passed=draw(st.booleans()),
            failures=tuple(
                ValidationFailure(
                    draw(NAME),
                    draw(st.none() | NAME),
                    draw(NAME),
                    draw(COUNT),
                    ({"key": keyed(), "value": draw(VALUE)},),
                )
                for _ in range(draw(st.integers(0, 2)))
            ),
        ),
        warnings=tuple(
            {
                "side": draw(NAME),
                "column": draw(NAME),
                "check": draw(NAME),
                "count": draw(COUNT),
                "message": draw(TEXT),
                "examples": [{"key": keyed(), "value": draw(VALUE)} for _ in range(draw(st.integers(0, 2)))],
            }
            for _ in range(draw(st.integers(0, 2)))
        ),
        verdict=draw(st.none() | verdicts()),
        only_on=draw(st.sampled_from([None, "left", "right"])),
        window=draw(
            st.none() | st.dictionaries(st.sampled_from(["since", "keys_compared"]) | NAME, VALUE, max_size=3)
        ),
    )


@st.composite
def results(draw: Any) -> DiffResult:
    tables_ = tuple(draw(st.lists(tables(), max_size=3)))
    return DiffResult(
        left=SourceInfo(draw(TEXT), draw(TEXT), draw(TEXT)),
        right=SourceInfo(draw(TEXT), draw(TEXT), draw(TEXT)),
        tables=tables_,
        started_at=draw(TEXT),
        duration_s=draw(st.floats(min_value=0, max_value=1e7)),
        dbdiff_version=draw(TEXT),
        options=draw(st.dictionaries(NAME, VALUE | st.lists(VALUE, max_size=3), max_size=4)),
        verdict=draw(st.none() | verdicts()),
        history=history_entries(draw, [t.left_table for t in tables_]),
    )


PROPERTY = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROPERTY
@given(results())
def test_html_never_carries_foreign_markup(result: DiffResult) -> None:
    for html in (render_html(result), render_card_html(result)):
        page = fx.parse_html(html)
        assert {tag for tag, _ in page.elements} <= fx.ALLOWED_TAGS
        for _, attrs in page.elements:
            assert not any(name.startswith("on") for name in attrs)
        assert len(page.scripts) == (2 if html.startswith("<!DOCTYPE") else 0)
        assert not ILLEGAL_XML.search(html)


@PROPERTY
@given(results())
def test_markdown_keeps_budget_and_markup(result: DiffResult) -> None:
    text = render_markdown(result, max_bytes=8_192)
    assert len(text.encode("utf-8")) <= 8_192
    assert set(re.findall(r"<[^<>]*>", text)) <= {
        "<details>",
        "</details>",
        "<summary>",
        "</summary>",
        "<br>",
    }
    assert text.count("<details>") == text.count("</details>")


@PROPERTY
@given(results())
def test_junit_is_well_formed(result: DiffResult) -> None:
    xml = render_junit(result)
    assert not ILLEGAL_XML.search(xml)
    root = ET.fromstring(xml)
    assert root.tag == "testsuites"


@PROPERTY
@given(results())
def test_text_has_no_escape_sequences(result: DiffResult) -> None:
    out = render_plain_text(result)
    assert "\x1b" not in out
    assert not re.search(r"[\ud800-\udfff]", out)
