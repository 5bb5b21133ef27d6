"""The HTML report and notebook card: goldens, escaping, offline-ness, CSP, caps, determinism."""

from __future__ import annotations

import base64
import hashlib
import json
import re

import pytest

from dbdiff.report.html import render_card_html, render_html
from dbdiff.report.html_values import VALUE_LIMIT, value_segments
from tests import report_fixtures as fx

ALLOWED_TAGS = fx.ALLOWED_TAGS
URL_ATTRS = fx.URL_ATTRS
parse = fx.parse_html


@pytest.fixture(scope="module")
def pages() -> dict[str, str]:
    return {name: render_html(build()) for name, build in fx.FIXTURES.items()}


@pytest.mark.parametrize("name", sorted(fx.FIXTURES))
def test_golden(name: str, pages: dict[str, str]) -> None:
    fx.assert_golden(f"report_{name}.html", pages[name])


@pytest.mark.parametrize("name", sorted(fx.FIXTURES))
def test_card_golden(name: str) -> None:
    fx.assert_golden(f"card_{name}.html", render_card_html(fx.FIXTURES[name]()))


def test_deterministic() -> None:
    assert render_html(fx.different_result()) == render_html(fx.different_result())
    assert render_card_html(fx.hostile_result()) == render_card_html(fx.hostile_result())


def test_hostile_values_never_become_markup(pages: dict[str, str]) -> None:
    page = parse(pages["hostile"])
    tags = {tag for tag, _ in page.elements}
    assert tags <= ALLOWED_TAGS, tags - ALLOWED_TAGS
    for tag, attrs in page.elements:
        for name, value in attrs.items():
            assert not name.startswith("on"), (tag, name, value)
            assert name not in ("src", "srcdoc", "style"), (tag, name)
            if name in URL_ATTRS:
                assert (value or "").startswith("#"), (tag, name, value)
    # Exactly our two scripts: the inert JSON summary and the packaged script.
    assert [attrs for attrs, _ in page.scripts] == [{"type": "application/json", "id": "dbdiff-summary"}, {}]
    text = "".join(page.text)
    for payload in (fx.XSS_SCRIPT, fx.XSS_ATTR, fx.XSS_SVG, fx.XSS_CLOSE, fx.XSS_JS_URL, fx.XML_BREAK):
        assert payload in text, payload  # shown to the reader as text
    assert fx.TEMPLATE in text  # data is never evaluated as a template


def test_control_and_invisible_characters_are_shown_as_escapes(pages: dict[str, str]) -> None:
    html = pages["hostile"]
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202e\u200b]", html)
    text = "".join(parse(html).text)
    assert "nul\\x00esc\\x1b[31mred" in text
    assert "user\\u202eexe.txt\\u200b" in text


def test_embedded_json_cannot_close_its_script(pages: dict[str, str]) -> None:
    html = pages["hostile"]
    body = html.split('<script type="application/json" id="dbdiff-summary">', 1)[1].split("</script>", 1)[0]
    assert "</" not in body and "<!--" not in body and "<" not in body
    summary = json.loads(body)
    assert summary["tables"][0]["left_table"] == fx.XSS_SCRIPT
    assert summary["tables"][0]["right_table"] == fx.XSS_CLOSE
    assert summary["status"] == "error"


@pytest.mark.parametrize("name", sorted(fx.FIXTURES))
def test_no_external_urls(name: str, pages: dict[str, str]) -> None:
    html = pages[name]
    page = parse(html)
    for tag, attrs in page.elements:
        for attr, value in attrs.items():
            if attr in URL_ATTRS:
                assert (value or "").startswith("#"), (tag, attr, value)
            assert not attr.startswith("xmlns"), (tag, attr)
    for css in page.styles:
        assert "url(" not in css and "@import" not in css
    assert not re.search(r"""(?:src|href|action)\s*=\s*["']?\s*(?:[a-z]+:)?//""", html, re.I)
    assert not re.search(r"url\(\s*[\"']?\s*(?:[a-z]+:)?//", html, re.I)
    if "hostile" not in name:  # the hostile fixtures carry URLs as (escaped) data on purpose
        assert not re.search(r"https?:|//", html.replace("mysql://", "").replace("postgresql://", ""))


def _csp_hash(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode()).digest()).decode() + "'"


def test_content_security_policy_pins_inline_assets(pages: dict[str, str]) -> None:
    page = parse(pages["different"])
    csp = next(a["content"] for t, a in page.elements if t == "meta" and a.get("http-equiv"))
    assert csp is not None
    assert "default-src 'none'" in csp
    assert f"style-src {_csp_hash(page.styles[0])}" in csp
    assert f"script-src {_csp_hash(page.scripts[1][1])}" in csp
    assert "unsafe-inline" not in csp


def test_page_structure(pages: dict[str, str]) -> None:
    page = parse(pages["different"])
    text = " ".join(page.text)
    for expected in (
        "Different",
        "orders → orders_v2",
        "Columns only in left",
        "tenant_id",
        "text_exact",
        "Showing 6 of 12,345.",
        "Rows only in left",
        "Duplicate keys",
        "Rows with a NULL key",
        "Validation failures",
        "greater_than_or_equal_to(0)",
        "1,234,567",
        "8.0.36",
        "postgresql://app:***@db2:5432/shop",
        "2024-05-06T07:08:09+00:00",
        "12 min 34 s",
        "chunk_size",
    ):
        assert expected in text, expected
    cards = [a for t, a in page.elements if t == "section" and "card" in (a.get("class") or "")]
    assert [c["data-status"] for c in cards] == ["identical", "different"]
    # Identical pairs start collapsed, differing ones open.
    details = [a for t, a in page.elements if t == "details" and a.get("class") == "pair"]
    assert ["open" in d for d in details] == [False, True]


def test_error_pair_shows_its_message(pages: dict[str, str]) -> None:
    text = " ".join(parse(pages["error"]).text)
    assert "This table pair could not be compared." in text
    assert "connection lost: no reconnect to mysql://app:***@db1:3306/shop after 3 attempts" in text


def test_sample_cap_is_applied_and_stated() -> None:
    html = render_html(fx.different_result(), sample_cap=2)
    assert "Showing 2 of 12,345." in html
    assert "Showing 2 of 7." in html and "Showing 1 of 10." in html
    assert "at most 2 examples of each kind" in html
    changed = html.split('aria-label="Changed rows"', 1)[1].split("</tbody>", 1)[0]
    assert changed.count("<tr>") == 2 + 2  # two header rows, two samples


def test_size_stays_bounded_with_many_samples() -> None:
    result = fx.many_samples_result(tables=20, per_table=5_000)
    html = render_html(result)
    assert "Showing 100 of 5,000." in html
    assert len(html.encode()) < 3_000_000
    long = render_html(fx.hostile_result())
    assert "x" * (VALUE_LIMIT + 1) not in long and "more characters" in long


def test_value_segments() -> None:
    assert value_segments(None) == (("v-null", "NULL"),)
    assert value_segments("NULL") == (("", "NULL"),)
    assert value_segments(True) == (("v-bool", "true"),)
    assert value_segments(10**30) == (("v-num", str(10**30)),)
    assert value_segments("") == (("v-empty", "empty string"),)
    assert value_segments("Alice ", "Alice") == (("", "Alice"), ("ws hl", " "))
    assert value_segments("abc", "abd") == (("", "ab"), ("hl", "c"))
    assert value_segments("a\nb") == (("", "a"), ("ctl", "\\n"), ("", "b"))
    # A difference deep inside a long value stays in view.
    left, right = "a" * 1_000 + "X" + "b" * 1_000, "a" * 1_000 + "Y" + "b" * 1_000
    segs = value_segments(left, right)
    assert ("hl", "X") in segs and segs[0][0] == "more" and segs[-1][0] == "more"


def test_card_is_scoped_and_scriptless() -> None:
    card = render_card_html(fx.hostile_result())
    page = parse(card)
    assert page.scripts == []
    tags = {tag for tag, _ in page.elements}
    assert tags <= ALLOWED_TAGS - {"script"}, tags
    for tag, attrs in page.elements:
        for name in attrs:
            assert not name.startswith("on") and name not in URL_ATTRS, (tag, name)
        for cls in (attrs.get("class") or "").split():
            assert cls.startswith("dbdiff-card"), cls
    css = page.styles[0]
    selectors = [rule.split("{")[0].strip() for rule in css.split("}") if rule.strip()]
    for selector in selectors:
        for part in selector.split(","):
            assert part.strip().startswith(".dbdiff-card"), part
    text = "".join(page.text)
    assert fx.XSS_SCRIPT in text


def test_card_content() -> None:
    text = " ".join(parse(render_card_html(fx.different_result())).text)
    for expected in (
        "Different",
        "orders → orders_v2",
        "Top differing columns",
        "12,000",
        '"Alice "',
        "id=4",
    ):
        assert expected in text, expected
