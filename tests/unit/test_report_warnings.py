"""Warnings (values equal only because a rule reads them leniently) in every human view.

They are shown, amber not red, and never count as failures, differences or a status change.
"""

from __future__ import annotations

import io
import re
import xml.etree.ElementTree as ET

import pytest
from rich.console import Console

from dbdiff.report import RENDERERS, render_card_html, render_html, render_junit, render_markdown
from dbdiff.report.text import render_plain_text, render_text, summary_line
from dbdiff.result import DiffResult
from tests import report_fixtures as fx

OUR_MD_TAGS = {"<details>", "</details>", "<summary>", "</summary>", "<br>"}
ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")


def test_warnings_change_no_status() -> None:
    result = fx.warnings_result()
    assert [t.status for t in result.tables] == ["identical", "different"]
    assert result.exit_code == 1  # from the changed row of refunds, not from any warning
    only = DiffResult.from_dict({**result.to_dict(), "tables": [result.tables[0].to_dict()]})
    assert only.status == "identical" and only.exit_code == 0


def test_text_shows_a_warnings_block_even_for_an_identical_pair() -> None:
    out = render_plain_text(fx.warnings_result(), width=200)
    orders = out.split("refunds → refunds_v2")[0]
    assert "1,000 matched, 1 warning" in orders
    assert "Warnings (equal only because a rule reads them leniently; not differences)" in orders
    assert "active (left): 4 rows · tinyint(1) values other than 0 and 1 compare as true" in orders
    assert "e.g. id=7: 2; id=9: 5; … 2 more" in orders
    assert "amount (right): 2 rows" in out
    assert summary_line(fx.warnings_result()).endswith("1 changed, 3 warnings")
    assert "warning" not in render_plain_text(fx.different_result(), width=200).lower()


def test_html_warnings_are_amber_and_open() -> None:
    html = render_html(fx.warnings_result())
    page = fx.parse_html(html)
    assert html.count('<details class="section k-warnings" open>') == 2
    assert '<span class="count warn">1</span>' in html and '<span class="count warn">2</span>' in html
    assert '<div class="stat warn"><dt>Warnings</dt><dd>3</dd></div>' in html
    assert "count bad" not in html.split('class="section k-warnings"', 1)[1].split("</details>", 1)[0]
    # The identical pair with warnings starts open, and its card stays green.
    details = [a for t, a in page.elements if t == "details" and a.get("class") == "pair"]
    assert ["open" in d for d in details] == [True, True]
    cards = [a for t, a in page.elements if t == "section" and "card" in (a.get("class") or "")]
    assert [c["data-status"] for c in cards] == ["identical", "different"]
    assert ".count.warn" in page.styles[0]
    text = " ".join(page.text)
    assert "1,000 matched, 1 warning" in text and "lossy_boolean" in text


def test_warning_styles_only_ship_with_warnings() -> None:
    assert ".count.warn" not in render_html(fx.different_result())
    assert "dbdiff-card__warn" not in render_card_html(fx.different_result())
    assert "dbdiff-card__warn" in render_card_html(fx.warnings_result())


def test_card_has_a_one_line_warning_count() -> None:
    text = " ".join(fx.parse_html(render_card_html(fx.warnings_result())).text)
    assert "1 warning (values equal only as a rule reads them leniently): active, left: 4 rows" in text
    assert "2 warnings (values equal only as a rule reads them leniently)" in text


def test_markdown_lists_warnings_inside_the_pair() -> None:
    text = render_markdown(fx.warnings_result())
    orders = text.split("<details>")[1].split("</details>")[0]
    assert "**Warnings**" in orders
    assert "- **active** (left): 4 rows · " in orders
    assert "e.g. id=7: 2; id=9: 5; id=11: -1; … 1 more" in orders


def test_markdown_budget_holds_with_warnings() -> None:
    text = render_markdown(fx.hostile_warnings_result(), max_bytes=4_096)
    assert len(text.encode()) <= 4_096
    assert text.count("<details>") == text.count("</details>")


def test_junit_warnings_pass() -> None:
    root = ET.fromstring(render_junit(fx.warnings_result()))
    suite = root.find("testsuite")
    assert suite is not None
    assert suite.get("failures") == "1" and suite.get("errors") == "0"  # refunds' changed name only
    cases = {(c.get("classname"), c.get("name")): c for c in suite.iter("testcase")}
    for key in (("orders", "warnings[active]"), ("refunds → refunds_v2", "warnings[amount]")):
        case = cases[key]
        assert [child.tag for child in case] == ["system-out"]
    out = cases[("orders", "warnings[active]")].findtext("system-out") or ""
    assert out.startswith("left: 4 rows read leniently by lossy_boolean: tinyint(1) values")
    assert "  id=7: 2" in out and "  … 1 more" in out


def test_hostile_warnings_are_inert_everywhere() -> None:
    result = fx.hostile_warnings_result()

    html = render_html(result)
    page = fx.parse_html(html)
    assert {tag for tag, _ in page.elements} <= fx.ALLOWED_TAGS
    assert [attrs for attrs, _ in page.scripts] == [{"type": "application/json", "id": "dbdiff-summary"}, {}]
    for tag, attrs in page.elements:
        assert not any(name.startswith("on") or name in ("src", "style") for name in attrs), (tag, attrs)
    text = "".join(page.text)
    for payload in (fx.XSS_SCRIPT, fx.XSS_ATTR, fx.XSS_CLOSE, fx.XML_BREAK):
        assert payload in text, payload
    assert "nul\\x00esc\\x1b[31mred" in text
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202e\u200b]", html)

    card = fx.parse_html(render_card_html(result))
    assert card.scripts == [] and {tag for tag, _ in card.elements} <= fx.ALLOWED_TAGS - {"script"}
    assert fx.XSS_SCRIPT in "".join(card.text)

    md = render_markdown(result)
    assert set(re.findall(r"<[^<>]*>", md)) <= OUR_MD_TAGS
    assert "\x00" not in md and "\x1b" not in md and "\u202e" not in md

    xml = render_junit(result)
    assert not ILLEGAL_XML.search(xml)
    assert "<!DOCTYPE" not in xml and "<!ENTITY" not in xml
    assert len(list(ET.fromstring(xml).iter("failure"))) == 0

    buffer = io.StringIO()
    render_text(result, Console(file=buffer, width=200, force_terminal=True, color_system="truecolor"))
    assert "\x1b[31mred" not in buffer.getvalue() and "\u202e" not in buffer.getvalue()
    plain = render_plain_text(result, width=400)
    assert "[bold]not bold[/bold]" in plain and "nul\\x00esc\\x1b[31mred" in plain


@pytest.mark.parametrize("rendering", [*sorted(RENDERERS), "card", "summary_line"])
def test_password_in_a_warning_never_appears(rendering: str) -> None:
    render = {"card": render_card_html, "summary_line": summary_line}.get(rendering) or RENDERERS[rendering]
    out = render(fx.hostile_warnings_result())
    assert fx.PASSWORD not in out


@pytest.mark.parametrize("fmt", ["html", "markdown", "junit", "text"])
def test_malformed_warning_does_not_break_rendering(fmt: str) -> None:
    out = RENDERERS[fmt](fx.hostile_warnings_result())
    assert "\\x00" in out or "\\\\x00" in out  # the malformed warning's column is still shown
