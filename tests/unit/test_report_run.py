"""A `dbdiff run` result in every format: verdicts and breaches in words, tables on one side only,
catalog differences, incremental windows, both names of a renamed pair, and trends from history.
"""

from __future__ import annotations

import json
import re
import xml.etree.ElementTree as ET
from dataclasses import replace
from pathlib import Path

import pytest

from dbdiff.report import (
    render_card_html,
    render_html,
    render_junit,
    render_markdown,
    render_plain_text,
    summary_line,
)
from dbdiff.report.run_views import breach_text, difference_rows, ordered, window_text
from dbdiff.report.trend import trend_line, trend_svg
from dbdiff.result import Breach, DiffResult, Summary, TableResult, Verdict
from tests import report_fixtures as fx

XSD = Path(__file__).resolve().parents[1] / "data" / "junit-10.xsd"
OUR_MD_TAGS = {"<details>", "</details>", "<summary>", "</summary>", "<br>"}


def _entries(*rows: tuple[str, int, int]) -> list[dict[str, object]]:
    """History entries of one table `t`: (verdict, changed, only_right) per run, oldest first."""
    return [
        {
            "run_id": f"r{i}",
            "started_at": f"2024-05-0{i + 1}T07:00:00+00:00",
            "verdict": verdict,
            "tables": {"t": {"verdict": verdict, "changed": changed, "only_left": 0, "only_right": right}},
        }
        for i, (verdict, changed, right) in enumerate(rows)
    ]


# --- words ---


@pytest.mark.parametrize(
    ("breach", "expected"),
    [
        (Breach("changed", "fail", 12, "10"), "changed 12 rows > fail limit 10"),
        (Breach("changed", "warn", 1, "0"), "changed 1 row > warn limit 0"),
        (Breach("duplicate_keys", "fail", 3.0, "2"), "duplicate_keys 3 keys > fail limit 2"),
        (Breach("schema", "warn", 1, "0"), "schema 1 difference > warn limit 0"),
        (Breach("failed_checks", "fail", 2, "1"), "failed_checks 2 checks > fail limit 1"),
        (Breach("changed", "fail", 0.0125, "1%"), "changed 1.25% > fail limit 1%"),
        (Breach("custom_metric", "warn", 2.5, "2"), "custom_metric 2.5 > warn limit 2"),
        (Breach("error", "fail", 1, "0"), "error: the table could not be compared (fail)"),
    ],
)
def test_breach_in_words(breach: Breach, expected: str) -> None:
    assert breach_text(breach) == expected


def test_a_percent_limit_shows_the_share_it_was_checked_on() -> None:
    customers = fx.run_result().table("customers")
    assert breach_text(Breach("only_left", "warn", 3, "0.1%"), customers) == (
        "only_left 3 rows (0.3%) > warn limit 0.1%"
    )


@pytest.mark.parametrize(
    ("rows", "value", "limit", "share"),
    [
        (100_000, 1_001, "1%", "1.001%"),  # was "(1.0%) > fail limit 1%"
        (100_000, 51, "0.05%", "0.051%"),  # was "(<0.1%) > fail limit 0.05%"
        (100_000, 101, "0.1%", "0.101%"),  # was "(0.1%) > fail limit 0.1%"
        (1_000, 30, "1%", "3.0%"),  # already clearly above: as before
        (1_000, 2, "0%", "0.2%"),
    ],
)
def test_a_percent_share_never_reads_as_the_limit_it_broke(
    rows: int, value: int, limit: str, share: str
) -> None:
    table = replace(fx.run_result().table("customers"), summary=Summary(rows_left=rows))
    assert breach_text(Breach("changed", "fail", value, limit), table) == (
        f"changed {value:,} rows ({share}) > fail limit {limit}"
    )


def test_worst_tables_first_in_check_file_order_within_a_level() -> None:
    result = fx.many_tables_run_result(14)
    names = [t.left_table for _, t in ordered(result)]
    levels = [t.verdict.level for _, t in ordered(result) if t.verdict]
    assert levels == sorted(levels, key=["fail", "warn", "pass"].index)
    assert names[:3] == ["table_03", "table_08", "table_13"]
    assert names[3:6] == ["table_01", "table_05", "table_09"]
    # a plain diff keeps its order
    plain = fx.different_result()
    assert [t for _, t in ordered(plain)] == list(plain.tables)


def test_catalog_differences_and_window_in_words() -> None:
    invoice = fx.run_result().table("InvoiceLine")
    rows = difference_rows(invoice)
    assert [(r.kind, r.column, r.left, r.right) for r in rows] == [
        ("type", "Payload", "blob", "xml"),
        ("nullability", "UnitPrice", "NOT NULL", "NULL allowed"),
        ("primary_key", "(table)", "InvoiceLineId", "(none)"),
    ]
    assert window_text(fx.WINDOW) == (
        "updated_at from 2024-05-06T06:53:09+00:00 to 2024-05-06T07:08:09+00:00 · min age 30s"
        " · 121 keys compared (in window: 120 left, 118 right) · 2 in flight, not compared"
    )


# --- trends ---


def test_trend_line_arrows_gaps_and_caps() -> None:
    entries = _entries(("pass", 0, 0), ("warn", 3, 0), ("fail", 12, 2))
    assert trend_line(entries, "t") == "changed 0 → 3 → 12 ▲ · only in right 0 → 0 → 2 ▲"
    assert trend_line(entries[:2] + _entries(("pass", 1, 0)), "t").startswith("changed 0 → 3 → 1 ▼")
    assert trend_line(_entries(("pass", 5, 0), ("pass", 5, 0)), "t") == "changed 5 → 5 ="
    assert trend_line(_entries(("pass", 0, 0), ("pass", 0, 0)), "t") == "no differences in the last 2 runs"
    assert trend_line(_entries(("fail", 7, 0)), "t") == "changed 7 (first run: no trend yet)"
    assert trend_line([], "t") == "" and trend_line(entries, "nope") == ""
    # the run's trend sums its tables; a run without the table is a gap
    gap = [*entries[:1], {"run_id": "x", "tables": {"other": {"changed": 4}}}, *entries[2:]]
    assert trend_line(gap, "t").startswith("changed 0 → – → 12")
    assert trend_line(gap).startswith("changed 0 → 4 → 12")
    long = _entries(*[("pass", i, 0) for i in range(12)])
    assert trend_line(long, "t") == "changed … → 4 → 5 → 6 → 7 → 8 → 9 → 10 → 11 ▲"


def test_trend_svg_is_sized_accessible_and_inert() -> None:
    svg = trend_svg(_entries(("pass", 0, 0), ("warn", 3, 0), ("fail", 12, 2)), "t")
    page = fx.parse_html(svg)
    tags = [tag for tag, _ in page.elements]
    assert set(tags) <= {"svg", "title", "line", "text", "polyline", "circle", "rect"}
    root = page.elements[0][1]
    assert tags[0] == "svg" and tags[1] == "title"
    assert root["role"] == "img" and root["width"] == "360" and root["height"] == "104" and root["viewbox"]
    assert "changed 0 → 3 → 12 ▲" in (root["aria-label"] or "")
    assert tags.count("circle") == 9  # a point per run and metric, each with its own <title>
    assert tags.count("rect") == 3  # the verdicts
    assert tags.count("title") == 1 + 9 + 3
    assert "2024-05-03T07:00:00+00:00: changed 12" in "".join(page.text)
    for _, attrs in page.elements:
        assert not any(name.startswith("on") or name in ("style", "href", "src") for name in attrs)
    assert "<script" not in svg and "<style" not in svg and "url(" not in svg


def test_trend_svg_of_one_run_is_a_point_and_a_note() -> None:
    svg = trend_svg(_entries(("fail", 7, 0)), "t")
    assert "first run: no trend yet" in svg
    assert svg.count("<circle") == 3 and "<polyline" not in svg
    assert trend_svg([], "t") == "" and trend_svg(_entries(("pass", 1, 1)), "nope") == ""


def test_trend_svg_escapes_every_value() -> None:
    hostile = [
        {
            "run_id": fx.XSS_SCRIPT,
            "started_at": fx.XSS_ATTR,
            "verdict": "fail",
            "tables": {fx.XSS_SVG: {"changed": 1}},
        },
        {
            "run_id": fx.XSS_CLOSE,
            "verdict": fx.XSS_SVG,
            "tables": {fx.XSS_SVG: {"changed": "x", "only_left": 2}},
        },
    ]
    for svg in (trend_svg(hostile, fx.XSS_SVG), trend_svg(hostile, None, metrics=(fx.XSS_SCRIPT, "changed"))):
        page = fx.parse_html(svg)
        assert {tag for tag, _ in page.elements} <= {
            "svg",
            "title",
            "line",
            "text",
            "polyline",
            "circle",
            "rect",
        }
        assert fx.XSS_ATTR in "".join(page.text)  # shown as text
        assert "<img" not in svg and "<script>" not in svg


# --- every format ---


def test_text_ends_with_the_verdict_and_its_breaches() -> None:
    out = render_plain_text(fx.run_result(), width=200)
    last = out.rstrip().splitlines()[-1]
    assert last.startswith("FAIL · tables: 3 fail, 2 warn, 2 pass · orders: changed 12 rows > fail limit 10;")
    assert last.endswith("… 4 more")
    for expected in (
        "orders  Different  FAIL",
        "✗ FAIL changed 12 rows > fail limit 10",
        "! WARN only_left 2 rows > warn limit 0",
        "Window: updated_at from 2024-05-06T06:53:09+00:00",
        "Trend: changed 0 → 3 → 15 → 12 ▼",
        "table only in left (40 rows): right has no table of that name",
        "nullability of UnitPrice: NOT NULL → NULL allowed",
        "InvoiceLine → invoice_line",
        "UnitPrice",
        "run: changed 12 rows > warn limit 10",
    ):
        assert expected in out, expected


def test_text_of_a_passing_run() -> None:
    result = replace(fx.identical_result(), verdict=Verdict("pass"))
    assert render_plain_text(result).rstrip().splitlines()[-1] == "PASS · no threshold crossed (1 table)"


def test_text_of_many_tables_reads_worst_first() -> None:
    out = render_plain_text(fx.many_tables_run_result(14), width=120)
    overview = out[out.index("Table      Verdict") :]
    rows = [line.split()[0] for line in overview.splitlines()[2:16]]
    assert rows[:6] == ["table_03", "table_08", "table_13", "table_01", "table_05", "table_09"]
    assert rows[6:] == [f"table_{i:02d}" for i in (0, 2, 4, 6, 7, 10, 11, 12)]
    last = out.rstrip().splitlines()[-1]
    assert last.startswith("FAIL · tables: 3 fail, 3 warn, 8 pass · table_03:") and len(last) <= 120
    assert "  ✗ FAIL table_13: changed 53 rows > fail limit 10" in out  # every breach, above it


def test_plain_text_of_a_plain_diff_has_no_run_words() -> None:
    out = render_plain_text(fx.different_result())
    for word in ("Verdict", "PASS", "FAIL", "Trend", "Window", "Breaches"):
        assert word not in out


def test_markdown_verdict_overview_and_trend() -> None:
    text = render_markdown(fx.run_result())
    assert text.startswith("## ❌ dbdiff: Fail (error)\n")
    assert "**Verdict: FAIL** · tables: 3 fail, 2 warn, 2 pass\n" in text
    assert "- ❌ FAIL orders: changed 12 rows &gt; fail limit 10\n" in text
    assert "**Trend** (last 4 runs): changed 0 → 3 → 15 → 12 ▼ · only in left 0 → 1 → 3 → 5 ▲" in text
    overview = text[text.index("| Table pair | Verdict |") : text.index("<details>")]
    verdicts = [row.split(" | ")[1] for row in overview.splitlines()[2:] if row]
    assert verdicts == ["❌ Fail"] * 3 + ["⚠️ Warn"] * 2 + ["✅ Pass"] * 2
    assert "| audit\\_log | ❌ Fail | ➖ Only in left |" in text
    assert "| Nullability | UnitPrice | NOT NULL | NULL allowed |  |" in text
    assert "**Window:** updated\\_at from" in text
    assert "**Trend:** only in left 0 → 1 → 2 → 3 ▲" in text
    assert "| InvoiceLineId → invoice\\_line\\_id | int |" in text


@pytest.mark.parametrize("budget", [4_096, 8_192, 20_000])
def test_markdown_of_a_run_keeps_its_budget(budget: int) -> None:
    for result in (fx.run_result(), fx.hostile_run_result(), fx.many_tables_run_result(40)):
        text = render_markdown(result, max_bytes=budget)
        assert len(text.encode("utf-8")) <= budget
        assert set(re.findall(r"<[^<>]*>", text)) <= OUR_MD_TAGS
        assert text.count("<details>") == text.count("</details>")


def test_junit_fails_exactly_on_fail_breaches() -> None:
    xml = render_junit(fx.run_result())
    root = ET.fromstring(xml)
    failures = {
        (case.get("classname"), case.get("name")): case.find("failure")
        for case in root.iter("testcase")
        if case.find("failure") is not None
    }
    assert set(failures) == {("orders", "threshold[changed]"), ("audit_log", "threshold[schema]")}
    assert failures[("orders", "threshold[changed]")].get("message") == "changed 12 rows > fail limit 10"
    assert failures[("orders", "threshold[changed]")].get("type") == "ThresholdBreach"
    cases = {(c.get("classname"), c.get("name")): c for c in root.iter("testcase")}
    # a difference the thresholds tolerated still tells itself, and passes
    told = cases[("orders", "values[name]")]
    assert told.find("failure") is None and "12 of 119 matched rows differ in name" in told.findtext(
        "system-out", ""
    )
    assert (
        cases[("(run)", "threshold[changed]")].findtext("system-out")
        == "WARN: changed 12 rows > warn limit 10"
    )
    assert "3 catalog differences" in cases[("InvoiceLine → invoice_line", "schema")].findtext(
        "system-out", ""
    )
    assert "Keys compared: 121" in cases[("orders", "window")].findtext("system-out", "")
    assert cases[("payments", "row_presence")].find("error") is not None
    props = {p.get("name"): p.get("value") for p in root.iter("property")}
    assert props["verdict"] == "fail" and props["verdict.tables"] == "3 fail, 2 warn, 2 pass"
    suite = root.find("testsuite")
    assert suite is not None and suite.get("failures") == "2" and suite.get("errors") == "1"


def test_junit_of_a_passing_run_has_no_failure_though_rows_differ() -> None:
    result = fx.different_result()
    tables = tuple(replace(t, verdict=Verdict("pass")) for t in result.tables)
    xml = render_junit(replace(result, tables=tables, verdict=Verdict("pass")))
    assert "<failure" not in xml
    assert "12,000 of 1,234,560 matched rows differ in name" in xml  # told, not failed


def test_junit_one_side_table_without_a_verdict_is_a_failure() -> None:
    lonely = TableResult("archive", "archive", (), "different", only_on="right")
    result = replace(fx.identical_result(), tables=(lonely,))
    root = ET.fromstring(render_junit(result))
    (case,) = root.iter("testcase")
    failure = case.find("failure")
    assert case.get("name") == "table_presence" and failure is not None
    assert failure.get("message") == "table only in right: left has no table of that name"


@pytest.mark.parametrize("build", [fx.run_result, fx.hostile_run_result, fx.many_tables_run_result])
def test_junit_of_runs_validates(build: object) -> None:
    etree = pytest.importorskip("lxml.etree")
    schema = etree.XMLSchema(etree.parse(str(XSD)))
    assert schema.validate(etree.fromstring(render_junit(build()).encode("utf-8"))), schema.error_log  # type: ignore[operator]


def test_html_verdict_trend_and_run_parts() -> None:
    html = render_html(fx.run_result())
    page = fx.parse_html(html)
    text = " ".join(page.text)
    assert "<title>dbdiff: Fail (error) · 7 table pairs</title>" in html
    assert '<header class="banner s-error v-fail">' in html
    for expected in (
        "Verdict: Fail",
        "changed 12 rows > fail limit 10",
        "Only in left",
        "table only in left (40 rows): right has no table of that name",
        "Catalog differences",
        "Type no rule covers (not compared)",
        "Incremental window",
        "In flight (not compared)",
        "InvoiceLine → invoice_line",
        "UnitPrice → unit_price",
        "The last 4 runs of every table summed, oldest left: changed 0 → 3 → 15 → 12 ▼",
        "First run of this table: no trend yet.",
    ):
        assert expected in text, expected
    # the run's chart and one per table with at least two runs (orders, customers, shipments)
    assert html.count('<svg class="trend"') == 4
    # the breach links go to the table's card, wherever the worst-first order put it
    assert '<a href="#pair-4">audit_log</a>' in html and 'id="pair-4"' in html
    overview = html[html.index('aria-label="Table pairs"') :]
    order = re.findall(r'<a href="#pair-(\d+)">', overview[: overview.index("</table>")])
    assert order == ["1", "4", "6", "2", "3", "5", "7"]
    summary = json.loads(html.split('id="dbdiff-summary">', 1)[1].split("</script>", 1)[0])
    assert summary["verdict"] == "fail" and summary["tables"][3]["only_on"] == "left"
    assert summary["tables"][0]["window"]["keys_compared"] == 121


def test_html_styles_for_runs_only_on_run_pages() -> None:
    assert ".verdict-box" in render_html(fx.run_result())
    for build in fx.FIXTURES.values():
        result = build()
        if result.verdict is None and not result.history:
            assert ".verdict-box" not in render_html(result)


def test_html_of_a_hostile_run_is_inert() -> None:
    html = render_html(fx.hostile_run_result())
    page = fx.parse_html(html)
    assert {tag for tag, _ in page.elements} <= fx.ALLOWED_TAGS
    for tag, attrs in page.elements:
        for name, value in attrs.items():
            assert not name.startswith("on") and name not in ("src", "srcdoc", "style"), (tag, name)
            if name in fx.URL_ATTRS:
                assert (value or "").startswith("#"), (tag, name, value)
    assert [attrs for attrs, _ in page.scripts] == [{"type": "application/json", "id": "dbdiff-summary"}, {}]
    text = "".join(page.text)
    for payload in (fx.XSS_SCRIPT, fx.XSS_ATTR, fx.XSS_SVG, fx.XSS_CLOSE, fx.XML_BREAK, fx.TEMPLATE):
        assert payload in text, payload
    assert not re.search(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\u202e\u200b]", html)
    assert fx.PASSWORD not in html


def test_card_shows_the_worst_tables_first_with_their_verdicts() -> None:
    card = render_card_html(fx.many_tables_run_result(14))
    names = re.findall(r"<strong>(table_\d+)</strong>", card)
    assert names[:3] == ["table_03", "table_08", "table_13"] and len(names) == 10
    assert "… 4 more table pairs." in card
    run = render_card_html(fx.run_result())
    assert "Verdict FAIL · tables: 3 fail, 2 warn, 2 pass" in run
    assert "dbdiff-card__badge--v-fail" in run and "Window:" in run and "Catalog:" in run
    assert "Trend: changed 0 → 3 → 15 → 12 ▼" in run
    assert "dbdiff-card__badge--v" not in render_card_html(fx.different_result())


def test_a_run_reads_back_from_its_json_and_renders_the_same() -> None:
    result = fx.run_result()
    again = DiffResult.from_dict(json.loads(result.to_json()))
    for render in (render_html, render_markdown, render_junit, render_plain_text, render_card_html):
        assert render(again) == render(result)


def test_hostile_names_keep_the_verdict_on_one_line() -> None:
    out = render_plain_text(fx.hostile_run_result(), width=140)
    lines = out.rstrip().splitlines()
    assert lines[-1].startswith("FAIL · tables: 1 fail, 1 warn · run: only_left 3 rows > fail limit")
    assert lines[-2] == ""  # the verdict is one line, after a blank one
    assert '</script>\\n"><img' in out  # a line break in a table's name shows as \n in a breach


def test_summary_line_adds_the_verdict() -> None:
    line = summary_line(fx.run_result())
    assert line.endswith(" · verdict fail (3 fail, 2 warn, 2 pass)") and "\n" not in line
    assert "verdict" not in summary_line(fx.different_result())


def test_verdicts_from_real_thresholds_render_consistently() -> None:
    """A result judged by `dbdiff.thresholds` (as `dbdiff run` judges it): every format agrees."""
    from dbdiff.thresholds import parse_thresholds, with_verdicts

    limits = parse_thresholds({"changed": {"warn": 0, "fail": "0.5%"}, "only_left": {"fail": 100}})
    judged = with_verdicts(fx.different_result(), limits, parse_thresholds({"changed": {"warn": 10}}))
    assert judged.verdict is not None and judged.verdict.level == "fail"
    text = render_plain_text(judged, width=200)
    assert (
        text.rstrip()
        .splitlines()[-1]
        .startswith(
            "FAIL · tables: 1 fail, 1 pass · orders → orders_v2: changed 12,345 rows (1.0%) > fail limit 0.5%"
        )
    )
    assert "run: changed 12,345 rows > warn limit 10" in text
    root = ET.fromstring(render_junit(judged))
    failed = [
        (c.get("classname"), c.get("name")) for c in root.iter("testcase") if c.find("failure") is not None
    ]
    fails = [b for t in judged.tables if t.verdict for b in t.verdict.breaches if b.level == "fail"]
    assert len(failed) == len(fails) and ("orders → orders_v2", "threshold[changed]") in failed
    markdown = render_markdown(judged)
    assert markdown.count("orders → orders\\_v2: changed 12,345 rows (1.0%) &gt; fail limit 0.5%") == 1


def test_markdown_tables_of_a_hostile_run_keep_their_columns() -> None:
    text = render_markdown(fx.hostile_run_result())
    assert "\x00" not in text and "\u202e" not in text and "`" not in text.replace("\\`", "")
    for block in re.findall(r"(?:^\|.*\n)+", text, re.M):
        rows = block.splitlines()
        counts = {len(re.findall(r"(?<!\\)(?:\\\\)*\|", row)) for row in rows}
        assert len(counts) == 1, rows
