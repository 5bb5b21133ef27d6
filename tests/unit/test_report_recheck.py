"""The Rechecked section of a live run (issue 12) in every report format.

A table's recheck block says how many differences stayed (persistent: the table's counts and
samples), agreed at a later read (transient) or went from both sides (vanished). Every format
shows it when it is set, and only then: the golden files of results without one are unchanged.
"""

from __future__ import annotations

import dataclasses
import json
import re
from pathlib import Path
from typing import Any

import pytest

from dbdiff.report.card import render_card_html
from dbdiff.report.html import render_html
from dbdiff.report.junit import render_junit
from dbdiff.report.markdown import render_markdown
from dbdiff.report.recheck_views import STATE_MEANINGS, recheck_line, recheck_of
from dbdiff.report.text import render_plain_text, summary_line
from dbdiff.result import DiffResult
from tests import report_fixtures as fx

TRANSIENT_MEANS = "agreed at a later read: a write in flight between the two databases"
RENDERERS = {
    "text": lambda r: render_plain_text(r, width=160),
    "markdown": render_markdown,
    "junit": render_junit,
    "html": render_html,
    "card": render_card_html,
}


def _text_of(name: str, result: DiffResult) -> str:
    """A rendering as the reader sees it: HTML and XML entities decoded, Markdown escapes undone."""
    import html

    out = RENDERERS[name](result)
    if name in ("html", "card"):
        out = "".join(fx.parse_html(out).text)
    if name in ("junit", "markdown"):
        out = html.unescape(out)
    return out.replace("\\_", "_")


def test_transient_has_its_one_line_meaning() -> None:
    assert STATE_MEANINGS["transient"] == TRANSIENT_MEANS


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_every_format_shows_the_rechecked_section(name: str) -> None:
    text = _text_of(name, fx.rechecked_result())
    assert "2 rechecks of 17 keys, 5 s apart: 3 persistent, 13 transient, 1 vanished" in text
    assert TRANSIENT_MEANS in text
    # the persistent samples still render as samples
    assert "Alicia" in text
    if name != "junit":  # the headline counts the transient and vanished apart from the differences
        assert "2 changed, 1 only in left, 13 transient, 1 vanished" in text
    if name == "html":  # a table: key, kind at the diff, state, the round it agreed at
        rows = _html_rows(render_html(fx.rechecked_result()), "Transient and vanished rows")
        assert rows[:2] == [["7", "changed", "transient", "1"], ["8", "changed", "transient", "2"]]
        assert rows[4] == ["9", "only in left", "vanished", ""]
        return
    assert re.search(r"id=7(?!\d)", text) and "agreed at recheck 1" in text  # a transient row, its round
    assert re.search(r"id=8(?!\d)", text) and "agreed at recheck 2" in text
    if name != "card":  # the card shows the first three rows
        assert re.search(r"id=9(?!\d).{0,40}vanished", text, re.S)


def _html_rows(page: str, label: str) -> list[list[str]]:
    """The body rows of the table labelled `label`, as the text of each cell."""
    table = page.split(f'aria-label="{label}">', 1)[1].split("</table>", 1)[0]
    body = table.split("<tbody>", 1)[1]
    return [
        ["".join(fx.parse_html(cell).text) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row)]
        for row in re.findall(r"<tr>(.*?)</tr>", body)
    ]


@pytest.mark.parametrize("name", ["text", "markdown", "html"])
def test_counts_per_state_and_kind_and_that_the_counts_are_persistent(name: str) -> None:
    text = _text_of(name, fx.rechecked_result())
    assert "persistent differences: each differed at the diff and at every recheck" in text
    if name == "html":
        rows = _html_rows(render_html(fx.rechecked_result()), "Rechecked differences")
        text = "\n".join(" ".join(row) for row in rows)
    flat = re.sub(r"[\s|]+", " ", text)
    assert "persistent 2 1 0 3" in flat
    assert "transient 9 3 1 13" in flat
    assert "vanished 0 1 0 1" in flat


@pytest.mark.parametrize("name", sorted(RENDERERS))
def test_results_without_a_recheck_say_nothing_of_it(name: str) -> None:
    for build in fx.FIXTURES.values():
        result = build()
        if any(t.recheck is not None for t in result.tables):
            continue
        text = _text_of(name, result)
        assert "Rechecked" not in text and "recheck" not in text.lower(), build.__name__
        assert "transient" not in text.lower(), build.__name__


def test_a_table_identical_once_rechecked_tells_its_transient_rows() -> None:
    """`customers` differed in 4 rows at the diff, all agreed later: identical, and it says why."""
    text = render_plain_text(fx.rechecked_result(), width=160)
    part = text.split("customers  Identical", 1)[1].split("shipments", 1)[0]
    assert "250 matched, 4 transient" in part
    assert "0 persistent, 4 transient, 0 vanished" in part
    assert "id=14" in part
    # it has no persistent difference, so nothing claims its counts are
    assert "persistent differences" not in part


@pytest.mark.parametrize("name", ["text", "markdown", "html"])
def test_the_overview_has_a_transient_column_only_when_some_table_has_any(name: str) -> None:
    columns = {"text": r"Only right +Transient", "markdown": r"\| Transient \|", "html": r">Transient</th>"}
    column = columns[name]
    text = RENDERERS[name](fx.rechecked_result())
    assert re.search(column, text)
    if name == "text":
        rows = {line.split()[0]: line.split() for line in text.splitlines() if line.split()[:1]}
        assert rows["orders"][6] == "13" and rows["customers"][6] == "4" and rows["shipments"][6] == "0"
    if name == "markdown":
        assert "| orders | ❌ Fail | ❌ Different | 999 | 2 | 1 | 0 | 0 | 0 | 0 | 13 |" in text
    quiet = fx.rechecked_result()
    tables = tuple(
        dataclasses.replace(t, recheck={**(t.recheck or {}), "transient": {}}) for t in quiet.tables
    )
    text = RENDERERS[name](dataclasses.replace(quiet, tables=tables))
    assert "Transient and vanished rows" in text  # the vanished row is still told
    assert not re.search(column, text)


def test_html_overview_cell_and_banner() -> None:
    page = render_html(fx.rechecked_result())
    assert '<td class="num tr" data-sort="13">13</td>' in page
    assert '<th class="num" data-col="10" scope="col">Transient</th>' in page
    assert '<div class="stat warn"><dt>Transient</dt><dd>17</dd></div>' in page
    # the recheck styles ship only in such pages
    assert ".section.k-recheck" in page
    assert ".section.k-recheck" not in render_html(fx.run_result())


def test_html_summary_json_carries_the_counts() -> None:
    page = render_html(fx.rechecked_result())
    body = page.split('<script type="application/json" id="dbdiff-summary">', 1)[1].split("</script>", 1)[0]
    orders = json.loads(body)["tables"][0]
    assert orders["recheck"] == {
        "rounds": 2,
        "delay_s": 5.0,
        "keys": 17,
        "persistent": {"changed": 2, "only_left": 1, "only_right": 0},
        "transient": {"changed": 9, "only_left": 3, "only_right": 1},
        "vanished": {"changed": 0, "only_left": 1, "only_right": 0},
    }


def test_html_sample_cap_says_how_many_were_shown() -> None:
    page = render_html(fx.rechecked_result(), sample_cap=2)
    section = page.split('class="section k-recheck"', 1)[1].split("</details>", 1)[0]
    assert "Showing 2 of 14." in section
    assert section.count("<tr>") == 1 + 3 + 1 + 2  # counts: head + 3 states; rows: head + 2


def test_junit_transient_and_vanished_are_never_failures() -> None:
    """The recheck block changes no outcome: same failures with and without it."""
    from lxml import etree

    def unjudged(result: DiffResult, keep_recheck: bool) -> DiffResult:
        tables = tuple(
            dataclasses.replace(t, verdict=None, recheck=t.recheck if keep_recheck else None)
            for t in result.tables
        )
        return dataclasses.replace(result, tables=tables, verdict=None)

    rechecked = unjudged(fx.rechecked_result(), True)
    plain = unjudged(fx.rechecked_result(), False)
    doc = etree.fromstring(render_junit(rechecked).encode("utf-8"))
    base = etree.fromstring(render_junit(plain).encode("utf-8"))
    failing = [c.get("name") for c in doc.iter("testcase") if c.find("failure") is not None]
    assert failing == [c.get("name") for c in base.iter("testcase") if c.find("failure") is not None]
    assert failing == ["row_presence", "values[name]"]
    for case in doc.iter("testcase"):
        failure = case.find("failure")
        if failure is not None:
            assert failure.get("message").endswith("(persistent: differed at every recheck)")
    recheck = [c for c in doc.iter("testcase") if c.get("name") == "recheck"]
    assert [c.get("classname") for c in recheck] == ["orders", "customers", "shipments"]
    assert all(c.find("failure") is None and c.find("error") is None for c in recheck)
    out = recheck[0].findtext("system-out")
    assert out.startswith("2 rechecks of 17 keys, 5 s apart")
    assert f"transient ({TRANSIENT_MEANS}): 9 changed, 3 only in left, 1 only in right" in out
    assert "id=9 only in left: vanished" in out
    props = {p.get("name"): p.get("value") for p in doc.iter("property")}
    assert props["recheck.transient"] == "17" and props["recheck.vanished"] == "1"
    assert "recheck.transient" not in {p.get("name") for p in base.iter("property")}


def test_lenient_reading_of_a_hand_edited_block() -> None:
    table = fx.hostile_rechecked_result().tables[0]
    view = recheck_of(table)
    assert view is not None
    assert view.rounds is None and view.delay_s is None and view.keys is None
    assert dict(view.counts["persistent"]) == {"changed": 1, "only_left": 0, "only_right": 0}
    n = len(fx.HOSTILE_VALUES)
    assert dict(view.counts["transient"]) == {"changed": n, "only_left": 0, "only_right": 0}
    assert dict(view.counts["vanished"]) == {"changed": 0, "only_left": 0, "only_right": 0}
    # malformed samples are skipped, persistent ones are the table's own samples
    assert len(view.samples) == len(fx.HOSTILE_VALUES) + 2
    assert view.samples[-1].key == {} and view.samples[-1].state == "vanished"
    assert view.samples[-2].agreed_at is None  # a string is no round
    assert recheck_line(view) == f"1 persistent, {len(fx.HOSTILE_VALUES)} transient, 0 vanished"
    assert recheck_of(dataclasses.replace(table, recheck="not a block")) is None  # type: ignore[arg-type]


def test_hostile_recheck_block_stays_text_in_html_and_card() -> None:
    for page in (render_html(fx.hostile_rechecked_result()), render_card_html(fx.hostile_rechecked_result())):
        parsed = fx.parse_html(page)
        assert {tag for tag, _ in parsed.elements} <= fx.ALLOWED_TAGS
        for tag, attrs in parsed.elements:
            assert not any(name.startswith("on") for name in attrs), (tag, attrs)
        text = "".join(parsed.text)
        assert fx.XSS_SCRIPT in text
        assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202e\u200b]", page)
        assert fx.PASSWORD not in page


def test_hostile_recheck_block_in_text_and_markdown() -> None:
    result = fx.hostile_rechecked_result()
    text = render_plain_text(result, width=200)
    assert "\x1b" not in text and "\u202e" not in text
    md = render_markdown(result)
    assert "<script>" not in md and "<svg" not in md and "<img" not in md
    assert fx.PASSWORD not in text + md


def _noisy(n: int) -> DiffResult:
    result = fx.rechecked_result()
    orders = result.tables[0]
    block: dict[str, Any] = dict(orders.recheck or {})
    block["transient"] = {"changed": n, "only_left": 0, "only_right": 0}
    block["samples"] = [
        {"key": {"id": i}, "kind": "changed", "state": "transient", "agreed_at": 1 + i % 2} for i in range(n)
    ]
    return dataclasses.replace(result, tables=(dataclasses.replace(orders, recheck=block),))


def test_markdown_budget_holds_with_many_transient_rows() -> None:
    md = render_markdown(_noisy(20_000), max_bytes=6_000)
    assert len(md.encode("utf-8")) <= 6_000
    assert "more rows omitted of this pair to stay under the size limit" in md
    # the default cap shows 100 rows and says how many there were
    assert "(showing 100 of 20,001)" in render_markdown(_noisy(20_000))


def test_text_shows_max_samples_rows() -> None:
    text = render_plain_text(_noisy(50), width=160, max_samples=3)
    assert "Transient and vanished rows (showing 3 of 51)" in text
    assert "id=2 " in text and "id=3 " not in text


def test_one_line_summary_counts_the_transient() -> None:
    line = summary_line(fx.rechecked_result())
    assert "2 changed, 1 only in left, 17 transient, 1 vanished" in line


def test_saved_json_renders_the_same(tmp_path: Path) -> None:
    from dbdiff.result import load_result

    result = fx.rechecked_result()
    loaded = load_result(result.write_json(tmp_path / "r.json"))
    for name, render in RENDERERS.items():
        assert render(loaded) == render(result), name
