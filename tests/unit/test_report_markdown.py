"""The Markdown job summary: goldens, escaping, and the hard byte budget."""

from __future__ import annotations

import re

import pytest

from dbdiff.report.markdown import md, render_markdown
from tests import report_fixtures as fx

MIB = 1_048_576
OUR_TAGS = {"<details>", "</details>", "<summary>", "</summary>", "<br>"}


def _unescaped(text: str, char: str) -> int:
    """How many `char`s in `text` are not backslash-escaped (an even run of backslashes escapes nothing)."""
    return len(re.findall(r"(?<!\\)(?:\\\\)*" + re.escape(char), text))


@pytest.mark.parametrize("name", sorted(fx.FIXTURES))
def test_golden(name: str) -> None:
    fx.assert_golden(f"report_{name}.md", render_markdown(fx.FIXTURES[name]()))


def test_structure() -> None:
    text = render_markdown(fx.different_result())
    assert text.startswith("## ❌ dbdiff: Different\n")
    assert "| orders → orders\\_v2 | ❌ Different | 1,234,560 | 12,345 | 7 | 10 | 1 | 1 | 1 |" in text
    assert text.count("<details>") == text.count("</details>") == 2
    assert "**Changed rows** (showing 6 of 12,345)" in text
    assert '| id=4 | name | "Alice " | Alice |' in text
    assert '| id=21 | name | "NULL" | NULL |' in text
    assert "greater\\_than\\_or\\_equal\\_to(0)" in text


def test_hostile_values_are_inert() -> None:
    text = render_markdown(fx.hostile_result())
    assert set(re.findall(r"<[^<>]*>", text)) <= OUR_TAGS
    assert _unescaped(text, "`") == 0
    assert "\x00" not in text and "\x1b" not in text and "\u202e" not in text
    # Every table keeps its column count on every row.
    for block in re.findall(r"(?:^\|.*\n)+", text, re.M):
        rows = block.splitlines()
        assert len({_unescaped(row, "|") for row in rows}) == 1, rows


@pytest.mark.parametrize(
    ("raw", "escaped"),
    [
        ("a|b", "a\\|b"),
        ("`x`", "\\`x\\`"),
        ("<img src=x>", "&lt;img src=x&gt;"),
        ("**b** _i_ [l](u) ~~s~~", "\\*\\*b\\*\\* \\_i\\_ \\[l\\](u) \\~\\~s\\~\\~"),
        ("back\\slash", "back\\\\slash"),
        ("two\nlines", "two<br>lines"),
        ("a&b", "a&amp;b"),
        ("nul\x00", "nul\\\\x00"),
    ],
)
def test_md_escape(raw: str, escaped: str) -> None:
    assert md(raw) == escaped


def test_budget_with_fifty_thousand_samples_in_one_pair() -> None:
    result = fx.many_samples_result(tables=1, per_table=50_000)
    text = render_markdown(result, sample_cap=50_000)
    size = len(text.encode("utf-8"))
    assert size <= 1_000_000 < MIB
    written = len(re.findall(r"^\| id=\d+ \| name \|", text, re.M))
    omitted = re.search(r"_… ([\d,]+) more rows omitted of this pair to stay under the size limit\._", text)
    assert omitted, text[-500:]
    assert 0 < written < 50_000
    assert written + int(omitted.group(1).replace(",", "")) == 50_000
    assert text.rstrip().endswith("</details>")


def test_budget_with_fifty_thousand_samples_over_many_pairs() -> None:
    result = fx.many_samples_result(tables=2_000, per_table=25)
    text = render_markdown(result)
    assert len(text.encode("utf-8")) <= 1_000_000
    opened = text.count("<details>")
    omitted = re.search(r"_… ([\d,]+) more table pairs omitted to stay under the size limit\._", text)
    assert omitted
    assert opened + int(omitted.group(1).replace(",", "")) == 2_000
    assert text.count("<details>") == text.count("</details>")


def test_default_cap_states_what_it_left_out() -> None:
    text = render_markdown(fx.many_samples_result(tables=1, per_table=50_000))
    assert "**Changed rows** (showing 100 of 50,000)" in text
    assert len(text.encode()) < 100_000


@pytest.mark.parametrize("limit", [4_096, 10_000, 65_000])
def test_small_budgets_hold(limit: int) -> None:
    for build in (fx.hostile_result, lambda: fx.many_samples_result(tables=50, per_table=100)):
        text = render_markdown(build(), max_bytes=limit)
        assert len(text.encode("utf-8")) <= limit
        assert text.count("<details>") == text.count("</details>")


def test_budget_too_small_is_an_error() -> None:
    with pytest.raises(ValueError, match="max_bytes"):
        render_markdown(fx.identical_result(), max_bytes=100)
