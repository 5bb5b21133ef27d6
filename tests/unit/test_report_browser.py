"""The HTML report in a real headless Chromium (Debian's `chromium` package, driven by playwright).

Skips when /usr/bin/chromium is missing, unless DBDIFF_REQUIRE_BROWSER=1 (CI sets it): then the
missing browser fails the test. Screenshots go to test-artifacts/ for people to look at.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dbdiff.report.html import render_html
from tests import report_fixtures as fx

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# No network of any kind: the report must work offline, and the test must not phone home.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    if not CHROMIUM.exists():
        reason = f"{CHROMIUM} not found: install Debian's chromium (apt-get install -y chromium)"
        if os.environ.get("DBDIFF_REQUIRE_BROWSER") == "1":
            pytest.fail(f"DBDIFF_REQUIRE_BROWSER=1 but {reason}")
        pytest.skip(reason)
    sync_api = pytest.importorskip(
        "playwright.sync_api", reason="pip install playwright (no browser download)"
    )
    with sync_api.sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        try:
            yield instance
        finally:
            instance.close()


class _Watch:
    """What a page did that it should not: console errors, uncaught errors, dialogs, requests."""

    def __init__(self, page: Any) -> None:
        self.console_errors: list[str] = []
        self.page_errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: self.console_errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: self.page_errors.append(str(e)))
        page.on("dialog", self._dialog)
        page.on("request", lambda r: self.requests.append(r.url))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()


def _open(browser: Any, tmp_path: Path, name: str, html: str, width: int = 1280) -> tuple[Any, _Watch]:
    path = tmp_path / f"{name}.html"
    path.write_text(html, encoding="utf-8")
    page = browser.new_page(viewport={"width": width, "height": 900})
    watch = _Watch(page)
    page.goto(path.as_uri())
    page.wait_for_load_state("load")
    return page, watch


def _assert_clean(page: Any, watch: _Watch, url: str) -> None:
    assert watch.console_errors == []
    assert watch.page_errors == []
    assert watch.dialogs == []
    assert page.evaluate("typeof window.__pwned") == "undefined"
    assert watch.requests == [url], watch.requests  # the page itself, nothing else


def test_hostile_report_runs_no_injected_code(browser: Any, tmp_path: Path) -> None:
    page, watch = _open(browser, tmp_path, "hostile", render_html(fx.hostile_result()))
    try:
        _assert_clean(page, watch, (tmp_path / "hostile.html").as_uri())
        # The payloads are on the page as text.
        body = page.inner_text("body")
        assert fx.XSS_SCRIPT in body and fx.XSS_ATTR in body
        assert page.locator("img").count() == 0
        assert page.locator("script").count() == 2
        # The script ran (its toolbar is visible) and its controls work on hostile names too.
        assert page.is_visible("#toolbar button:has-text('Expand all')")
        header = page.locator("#pair-1 table[aria-label='Columns'] thead th").first
        header.locator("button").click()
        assert header.get_attribute("aria-sort") == "ascending"
        page.click("#toolbar button:has-text('Collapse all')")
        page.click("#toolbar button:has-text('Expand all')")
        assert page.evaluate("[...document.querySelectorAll('details')].every(d => d.open)")
        assert page.evaluate("typeof window.__pwned") == "undefined"
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
    finally:
        page.close()


def test_sorting_filtering_and_collapsing(browser: Any, tmp_path: Path) -> None:
    page, watch = _open(browser, tmp_path, "different", render_html(fx.different_result()))
    try:
        _assert_clean(page, watch, (tmp_path / "different.html").as_uri())
        columns = page.locator("#pair-2 table[aria-label='Columns']")
        names = columns.locator("tbody tr td:first-child")
        assert names.all_inner_texts()[:3] == ["id key", "name", "amount"]

        mismatches = columns.locator("thead th", has_text="Mismatches").locator("button")
        mismatches.click()  # ascending, numeric
        counts = columns.locator("tbody tr td:nth-child(5)").all_inner_texts()
        assert counts == ["0", "0", "1", "44", "300", "12,000"]
        mismatches.click()  # descending
        assert columns.locator("tbody tr td:nth-child(5)").all_inner_texts()[0] == "12,000"
        assert columns.locator("thead th", has_text="Mismatches").get_attribute("aria-sort") == "descending"

        # Collapse all closes every section, expand all opens them again.
        page.click("#toolbar button:has-text('Collapse all')")
        assert page.evaluate("[...document.querySelectorAll('details')].every(d => !d.open)")
        assert not page.is_visible("#pair-2 table[aria-label='Columns']")
        page.click("#toolbar button:has-text('Expand all')")
        assert page.evaluate("[...document.querySelectorAll('details')].every(d => d.open)")

        # Hiding identical pairs.
        assert page.is_visible("#pair-1")
        page.check("#only-differing")
        assert not page.is_visible("#pair-1") and page.is_visible("#pair-2")
        page.uncheck("#only-differing")

        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report-different.png"), full_page=True)
    finally:
        page.close()


def test_filter_box_on_long_tables(browser: Any, tmp_path: Path) -> None:
    page, watch = _open(
        browser, tmp_path, "many", render_html(fx.many_samples_result(tables=1, per_table=50))
    )
    try:
        _assert_clean(page, watch, (tmp_path / "many.html").as_uri())
        table = page.locator("table[aria-label='Changed rows']")
        rows = table.locator("tbody tr")
        assert rows.count() == 50
        page.fill(".filter-bar input", "left value 42")
        assert [r for r in rows.all() if r.is_visible()] and sum(r.is_visible() for r in rows.all()) == 1
        assert page.inner_text(".filter-bar .shown") == "1 of 50 rows"
        page.fill(".filter-bar input", "")
        assert sum(r.is_visible() for r in rows.all()) == 50
    finally:
        page.close()


def test_narrow_screen_and_no_javascript(browser: Any, tmp_path: Path) -> None:
    html = render_html(fx.different_result())
    page, watch = _open(browser, tmp_path, "narrow", html, width=400)
    try:
        _assert_clean(page, watch, (tmp_path / "narrow.html").as_uri())
        # Wide tables scroll inside their box instead of widening the page.
        assert page.evaluate("document.documentElement.scrollWidth") <= 400
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report-narrow.png"), full_page=True)
    finally:
        page.close()

    context = browser.new_context(java_script_enabled=False, viewport={"width": 1280, "height": 900})
    try:
        page = context.new_page()
        path = tmp_path / "nojs.html"
        path.write_text(html, encoding="utf-8")
        page.goto(path.as_uri())
        # Everything is there without the script; only its controls are missing.
        assert page.is_hidden("#toolbar")
        assert page.is_visible("#pair-2 table[aria-label='Changed rows']")
        assert "Showing 6 of 12,345." in page.inner_text("#pair-2")
    finally:
        context.close()


def test_print_layout_opens_everything(browser: Any, tmp_path: Path) -> None:
    page, watch = _open(browser, tmp_path, "print", render_html(fx.different_result()))
    try:
        assert page.evaluate("document.querySelector('#pair-1 details.pair').open") is False
        page.emulate_media(media="print")
        page.evaluate("window.dispatchEvent(new Event('beforeprint'))")
        assert page.evaluate("[...document.querySelectorAll('details')].every(d => d.open)")
        assert page.is_hidden("#toolbar button:has-text('Expand all')")
        pdf = page.pdf()
        assert pdf.startswith(b"%PDF")
        page.evaluate("window.dispatchEvent(new Event('afterprint'))")
        assert page.evaluate("document.querySelector('#pair-1 details.pair').open") is False
        _assert_clean(page, watch, (tmp_path / "print.html").as_uri())
    finally:
        page.close()


def _changed_table_geometry(page: Any) -> dict[str, Any]:
    return page.evaluate(
        """() => {
        const table = document.querySelector("table[aria-label='Changed rows']");
        const box = table.parentElement;
        const heads = [...table.querySelectorAll("thead th.pair")].map(th => {
            const r = th.getBoundingClientRect();
            return {name: th.textContent.trim(), left: r.left, right: r.right};
        });
        return {heads, scrollWidth: box.scrollWidth, clientWidth: box.clientWidth,
                boxLeft: box.getBoundingClientRect().left, viewport: window.innerWidth};
    }"""
    )


def test_wide_table_uses_the_whole_window(browser: Any, tmp_path: Path) -> None:
    """At 2,600 px every one of eight differing columns is on screen without scrolling."""
    page, watch = _open(browser, tmp_path, "wide", render_html(fx.wide_result()), width=2600)
    try:
        _assert_clean(page, watch, (tmp_path / "wide.html").as_uri())
        geometry = _changed_table_geometry(page)
        assert [h["name"] for h in geometry["heads"]] == list(fx.WIDE_COLUMNS)
        assert geometry["scrollWidth"] <= geometry["clientWidth"], geometry
        assert all(h["right"] <= geometry["viewport"] for h in geometry["heads"]), geometry
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report-wide-2600.png"), full_page=True)
    finally:
        page.close()


@pytest.mark.parametrize("javascript", [True, False])
def test_wide_table_in_a_narrow_window_keeps_key_and_changed_columns_in_view(
    browser: Any, tmp_path: Path, javascript: bool
) -> None:
    """Narrow: each row names its differing columns before any scrolling; the key stays put."""
    context = browser.new_context(java_script_enabled=javascript, viewport={"width": 700, "height": 900})
    try:
        page = context.new_page()
        path = tmp_path / "wide-narrow.html"
        path.write_text(render_html(fx.wide_result()), encoding="utf-8")
        page.goto(path.as_uri())
        geometry = _changed_table_geometry(page)
        assert geometry["scrollWidth"] > geometry["clientWidth"]  # the table does need scrolling
        assert page.evaluate("document.documentElement.scrollWidth") <= 700  # the page itself does not
        rows = page.locator("table[aria-label='Changed rows'] tbody tr")
        # Row id=2 changed only in the last column, far off-screen: the row says so up front.
        differs = rows.nth(1).locator("td.differs")
        assert differs.inner_text() == fx.WIDE_COLUMNS[-1]
        box = differs.bounding_box()
        assert box is not None and box["x"] + box["width"] <= 700
        assert rows.nth(0).locator("td.differs").inner_text() == ", ".join(fx.WIDE_COLUMNS)
        # The JSON cell names the paths that differ.
        assert "at $.a.b[2], $.d.e" in rows.nth(1).inner_text()
        # Scrolled all the way right, the key column is still at the box's left edge, on top.
        page.evaluate(
            "() => { const b = document.querySelector(\"table[aria-label='Changed rows']\").parentElement;"
            " window.scrollTo(0, window.scrollY + b.getBoundingClientRect().top - 50);"
            " b.scrollLeft = b.scrollWidth; }"
        )
        geometry = _changed_table_geometry(page)
        key = rows.nth(1).locator("td.key")
        key_box = key.bounding_box()
        assert key_box is not None and abs(key_box["x"] - geometry["boxLeft"]) <= 2, (key_box, geometry)
        assert page.evaluate(
            "(() => { const c = document.querySelector(\"table[aria-label='Changed rows'] tbody tr td.key\");"
            " const r = c.getBoundingClientRect();"
            " return document.elementFromPoint(r.left + 3, r.top + 3) === c ||"
            " c.contains(document.elementFromPoint(r.left + 3, r.top + 3)); })()"
        )
        if javascript:
            ARTIFACTS.mkdir(exist_ok=True)
            page.screenshot(path=str(ARTIFACTS / "report-wide-narrow.png"), full_page=True)
    finally:
        context.close()


def test_validation_report_in_the_browser(browser: Any, tmp_path: Path) -> None:
    page, watch = _open(browser, tmp_path, "validation", render_html(fx.validation_result()))
    try:
        _assert_clean(page, watch, (tmp_path / "validation.html").as_uri())
        assert page.inner_text("h1") == "Failed"
        checks = page.locator("table[aria-label='Checks'] tbody tr")
        assert checks.count() == 6
        assert checks.nth(2).inner_text().split("\t")[:3] == ["(table)", "row_count", "failed"]
        assert "counted 300, read 298" in checks.nth(2).inner_text()
        body = page.inner_text("body")
        assert "Rows right" not in body and "matched" not in body and "⇄" not in body
    finally:
        page.close()


def test_run_report_with_history_and_its_trend_charts(browser: Any, tmp_path: Path) -> None:
    """A judged run with four runs of history: the verdict first, the charts drawn, nothing fetched."""
    page, watch = _open(browser, tmp_path, "run", render_html(fx.run_result()))
    try:
        _assert_clean(page, watch, (tmp_path / "run.html").as_uri())
        assert page.inner_text("h1") == "Fail"
        assert "FAIL orders: changed 12 rows > fail limit 10" in page.inner_text(".verdict-box")
        charts = page.locator("svg.trend")
        assert charts.count() == 4  # the run's, and orders', customers' and shipments' (2+ runs each)
        page.click("#toolbar button:has-text('Expand all')")  # shipments is identical: closed
        for i in range(charts.count()):
            box = charts.nth(i).bounding_box()
            assert box is not None and box["width"] >= 300 and box["height"] >= 80, box
        # every line is drawn, every point has its tooltip
        assert page.evaluate(
            "[...document.querySelectorAll('svg.trend polyline')].every(p => p.getTotalLength() > 0)"
        )
        assert page.evaluate(
            "[...document.querySelectorAll('svg.trend circle')].every(c => c.querySelector('title'))"
        )
        # text and axes take the page's text colour
        assert page.evaluate(
            "(() => { const s = document.querySelector('svg.trend');"
            " return getComputedStyle(s.querySelector('text')).fill === getComputedStyle(s).color; })()"
        )
        # a breach links to its table's card, wherever the worst-first order put it
        link = page.locator(".verdict-box a:has-text('audit_log')")
        assert link.get_attribute("href") == "#pair-4"
        link.click()  # the page's script scrolls to the card (and opens it)
        assert page.evaluate("document.querySelector('#pair-4 .pair-name').textContent") == "audit_log"
        assert page.evaluate(
            "(() => { const r = document.querySelector('#pair-4').getBoundingClientRect();"
            " return r.top >= -1 && r.top < innerHeight; })()"
        )
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report-run.png"), full_page=True)
    finally:
        page.close()
    page, watch = _open(browser, tmp_path, "run-narrow", render_html(fx.run_result()), width=400)
    try:
        _assert_clean(page, watch, (tmp_path / "run-narrow.html").as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= 400  # the charts shrink
    finally:
        page.close()


def test_first_run_shows_a_point_and_a_note(browser: Any, tmp_path: Path) -> None:
    page, watch = _open(browser, tmp_path, "first", render_html(fx.run_result(history=1)))
    try:
        _assert_clean(page, watch, (tmp_path / "first.html").as_uri())
        charts = page.locator("svg.trend")
        assert charts.count() == 1  # the run's; a table's first run gets a sentence, not a chart
        assert "first run: no trend yet" in (charts.text_content() or "")
        assert charts.locator("circle").count() == 3 and charts.locator("polyline").count() == 0
        assert "First run of this table: no trend yet." in page.inner_text("#pair-1")
    finally:
        page.close()


@pytest.mark.parametrize(
    ("scheme", "background", "text"), [("light", "#ffffff", "#1f2328"), ("dark", "#0d1117", "#e6edf3")]
)
def test_trend_chart_reads_on_light_and_dark_pages(
    browser: Any, tmp_path: Path, scheme: str, background: str, text: str
) -> None:
    """The chart brings no colours of its own for text and axes, so a dark page (the dashboard,
    a notebook's dark theme) shows them in its own light text colour."""
    from dbdiff.report.trend import trend_svg

    svg = trend_svg(fx.run_result().history, "orders")
    page, watch = _open(
        browser,
        tmp_path,
        f"trend-{scheme}",
        f'<!DOCTYPE html><html><body style="background:{background};color:{text}">{svg}</body></html>',
    )
    try:
        _assert_clean(page, watch, (tmp_path / f"trend-{scheme}.html").as_uri())
        fills = page.evaluate("[...document.querySelectorAll('svg text')].map(t => getComputedStyle(t).fill)")
        r, g, b = (int(text[i : i + 2], 16) for i in (1, 3, 5))
        assert fills and set(fills) == {f"rgb({r}, {g}, {b})"}
        ARTIFACTS.mkdir(exist_ok=True)
        page.locator("svg").screenshot(path=str(ARTIFACTS / f"trend-{scheme}.png"))
    finally:
        page.close()


def test_rechecked_report_in_the_browser(browser: Any, tmp_path: Path) -> None:
    """A live run's Rechecked section: shown open, its tables sort, it fits a narrow window, and a
    hostile recheck block runs nothing."""
    page, watch = _open(browser, tmp_path, "rechecked", render_html(fx.rechecked_result()))
    try:
        _assert_clean(page, watch, (tmp_path / "rechecked.html").as_uri())
        section = page.locator("#pair-1 details.k-recheck")
        assert section.is_visible()
        text = section.inner_text()
        assert "2 rechecks of 17 keys, 5 s apart: 3 persistent, 13 transient, 1 vanished" in text
        assert "agreed at a later read: a write in flight between the two databases" in text
        counts = section.locator("table[aria-label='Rechecked differences'] tbody tr")
        assert [r.split("\t") for r in counts.all_inner_texts()][1] == ["transient", "9", "3", "1", "13"]
        rows = section.locator("table[aria-label='Transient and vanished rows']")
        header = rows.locator("thead th", has_text="Agreed at recheck").locator("button")
        header.click()
        header.click()  # descending: the rows that agreed last come first
        assert rows.locator("tbody tr td:nth-child(4)").all_inner_texts()[:2] == ["2", "2"]
        # the overview's Transient column, and the identical table that only had transient rows
        overview = page.locator("table[aria-label='Table pairs']")
        assert overview.locator("thead th", has_text="Transient").count() == 1
        assert "250 matched, 4 transient" in page.inner_text("#pair-2 summary")
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report-rechecked.png"), full_page=True)
    finally:
        page.close()
    page, watch = _open(browser, tmp_path, "rechecked-narrow", render_html(fx.rechecked_result()), width=400)
    try:
        _assert_clean(page, watch, (tmp_path / "rechecked-narrow.html").as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= 400
    finally:
        page.close()
    page, watch = _open(browser, tmp_path, "rechecked-hostile", render_html(fx.hostile_rechecked_result()))
    try:
        _assert_clean(page, watch, (tmp_path / "rechecked-hostile.html").as_uri())
        assert fx.XSS_SCRIPT in page.inner_text("#pair-1 details.k-recheck")
        assert page.locator("img").count() == 0 and page.locator("script").count() == 2
    finally:
        page.close()
