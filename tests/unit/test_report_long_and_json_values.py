"""Long values cut around their first difference, and JSON differences named by path (issues 8.13, 9.10)."""

from __future__ import annotations

import json
from dataclasses import replace

import pytest

from dbdiff.report.html import render_card_html, render_html
from dbdiff.report.junit import render_junit
from dbdiff.report.markdown import render_markdown
from dbdiff.report.text import render_plain_text
from tests import report_fixtures as fx

RENDERERS = {
    "text": lambda r: render_plain_text(r, width=400),
    "markdown": render_markdown,
    "junit": render_junit,
}


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_a_change_at_the_end_of_a_long_value_is_shown(name: str) -> None:
    out = RENDERERS[name](fx.wide_result())
    assert "ipsum end" in out and "ipsum END" in out
    assert "483 chars, from character" in out


def test_both_sides_are_cut_at_the_same_place() -> None:
    from dbdiff.report.display import display_pair

    left, right = display_pair("a" * 300 + "X" + "b" * 300, "a" * 300 + "Y" + "b" * 300, 60)
    assert left.startswith("…" + "a" * 20 + "X") and right.startswith("…" + "a" * 20 + "Y")
    assert left.endswith("… (601 chars, from character 281)")
    # Short values and a difference near the start are shown as before.
    assert display_pair("abc", "abd") == ("abc", "abd")
    assert display_pair("X" + "a" * 300, "Y" + "a" * 300, 60)[0] == "X" + "a" * 59 + "… (301 chars)"


def test_a_cut_quoted_value_keeps_its_escapes() -> None:
    from dbdiff.report.display import display_pair

    left, right = display_pair("a" * 200 + "\x1b[31m \n", "a" * 200 + "\x1b[32m \n", 50)
    assert left == "…" + "a" * 17 + '\\x1b[31m \\n" (207 chars, from character 184)'
    assert "\x1b" not in right and '\\x1b[32m \\n"' in right


def test_json_paths() -> None:
    from dbdiff.report.json_paths import json_paths, json_where

    assert json_paths(fx.WIDE_JSON_LEFT, fx.WIDE_JSON_RIGHT) == (["$.a.b[2]", "$.d.e"], 2)
    assert json_paths('{"a": 1, "b c": [1]}', '{"a": 1.0, "b c": [1, 2], "new": null}') == (
        ['$["b c"][1]', "$.new"],
        2,
    )
    assert json_paths("1", "true") == (["$"], 1)
    assert json_paths("not json", "{}") == ([], 0)
    assert json_paths(None, "{}") == ([], 0)
    many = json_where("[" + ",".join("1" * 9) + "]", "[" + ",".join("2" * 9) + "]")
    assert many == "at $[0], $[1], $[2] +6 more"


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_json_columns_name_the_differing_paths(name: str) -> None:
    out = RENDERERS[name](fx.wide_result())
    assert "at $.a.b[2], $.d.e" in out.replace("\\[", "[").replace("\\]", "]")


def test_the_notebook_card_cuts_around_the_difference_and_names_json_paths() -> None:
    result = fx.wide_result()
    table = result.tables[0]
    samples = replace(table.samples, changed=table.samples.changed[1:])
    card = render_card_html(replace(result, tables=(replace(table, samples=samples),)))
    assert "at $.a.b[2], $.d.e" in card
    assert "ipsum end" in card


def test_html_names_the_paths_and_the_differing_columns_of_each_row() -> None:
    page = render_html(fx.wide_result())
    assert '<span class="jpath">at $.a.b[2], $.d.e</span>' in page
    assert '<td class="differs" data-sort="column_8"><span class="dcol">column_8</span></td>' in page
    # Only JSON-rule columns get paths: a text column holding JSON text does not.
    assert page.count('class="jpath"') == 4


def test_hostile_and_deep_json_never_breaks_a_report() -> None:
    from dbdiff.report.json_paths import json_paths

    result = fx.wide_result()
    table = result.tables[0]
    left = json.dumps({fx.XSS_SCRIPT: 1, fx.CONTROL: [1], "ok": {fx.XSS_ATTR: True}})
    right = json.dumps({fx.XSS_SCRIPT: 2, fx.CONTROL: [2], "ok": {fx.XSS_ATTR: False}})
    deep_left, deep_right = "[" * 5_000 + "1" + "]" * 5_000, "[" * 5_000 + "2" + "]" * 5_000
    changed = (
        {"key": {"id": 1}, "diffs": {fx.WIDE_COLUMNS[-1]: {"left": left, "right": right}}},
        {"key": {"id": 2}, "diffs": {fx.WIDE_COLUMNS[-1]: {"left": deep_left, "right": deep_right}}},
    )
    hostile = replace(result, tables=(replace(table, samples=replace(table.samples, changed=changed)),))
    page = render_html(hostile)
    parsed = fx.parse_html(page)
    assert {tag for tag, _ in parsed.elements} <= fx.ALLOWED_TAGS
    assert len(parsed.scripts) == 2 and "\x1b" not in page
    assert "at $[&#34;&lt;script&gt;window.__pwned=1;alert(1)&lt;/script&gt;&#34;]" in page
    markdown = render_markdown(hostile)
    assert "<script>" not in markdown and "\x1b" not in markdown
    text = render_plain_text(hostile, width=300)
    assert "\x1b" not in text and '$["nul\\u0000esc' in text
    assert json_paths(deep_left, deep_right) == ([], 0)  # too deep to walk: no paths, no crash


def test_bounded_sample_values_are_cut_around_their_difference() -> None:
    from dbdiff.report.display import display_pair
    from dbdiff.values import bound_value

    for tail in ("", "b" * 5_000):  # the difference at the very end, and in the middle
        left, right = "a" * 5_000 + "-left-end" + tail, "a" * 5_000 + "-right-end" + tail
        shown = display_pair(bound_value(left, right), bound_value(right, left), 60)
        assert "-left-end" in shown[0] and "-right-end" in shown[1], shown
