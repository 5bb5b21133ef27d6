"""The history dashboard in a real headless Chromium (as tests/unit/test_report_browser.py drives it).

The page is built from hand-made runs (tests/history_fixtures.py) read back from a DuckDB store,
plus one run whose table name is a script payload: every chart renders, the verdict colours are
the ones the legend promises, nothing runs, nothing is fetched, nothing is logged as an error.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dbdiff.history import History
from dbdiff.report.dashboard import render_dashboard
from tests import history_fixtures as hx
from tests import report_fixtures as fx

pytestmark = pytest.mark.browser

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
# No network of any kind: the page must work offline, and the test must not phone home.
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
HOSTILE = fx.XSS_SCRIPT + fx.XSS_ATTR
RGB = {"pass": "rgb(26, 127, 55)", "warn": "rgb(217, 142, 4)", "fail": "rgb(198, 40, 40)"}


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


@pytest.fixture(scope="module")
def page_file(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("dashboard")
    store = History.open(directory / "nightly.history.duckdb")
    for night in hx.nights():
        store.append(night)
    store.append(hx.run(5, {"orders": (0, 0, 0, "pass"), HOSTILE: (5, 0, 0, "fail")}))
    path = directory / "index.html"
    html = render_dashboard(store.entries(last=None, detail=True), title=f"dbdiff history: {fx.XSS_SVG}")
    path.write_text(html, encoding="utf-8")
    return path


def test_dashboard_renders_its_charts_and_colours_offline(browser: Any, page_file: Path) -> None:
    page = browser.new_page(viewport={"width": 1280, "height": 900})
    console: list[str] = []
    errors: list[str] = []
    requests: list[str] = []
    page.on("console", lambda m: console.append(f"{m.type}: {m.text}"))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("request", lambda r: requests.append(r.url))
    try:
        page.goto(page_file.as_uri())
        page.wait_for_load_state("load")
        assert [c for c in console if c.startswith("error")] == [] and errors == []
        assert requests == [page_file.as_uri()]  # the page itself, nothing else
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert page.locator("script").count() == 0 and page.locator("img").count() == 0

        # One trend chart for the run totals and one per table, each drawn with a point per run.
        tables = ["orders", "billing", "legacy", HOSTILE]
        assert page.locator(".totals-trend svg").count() == 1
        assert [" ".join(h.split()) for h in page.locator(".table-card h3").all_inner_texts()] == [
            f"{verdict} {name}"
            for verdict, name in zip(["pass", "pass", "pass", "fail"], tables, strict=True)
        ]
        assert page.locator(".table-trend svg").count() == len(tables)
        points = page.locator(".table-card").nth(0).locator("svg circle")
        assert points.count() == 5 * 3  # orders in five runs, three counts each
        assert "changed 12" in points.nth(2).locator("title").text_content()
        for chart in page.locator("svg.trend").all():
            box = chart.bounding_box()
            assert box is not None and box["width"] > 100 and box["height"] > 40

        # Tables x runs: a cell per run, coloured by the table's verdict in that run.
        grid = page.locator("table.grid tbody tr")
        assert grid.count() == len(tables)
        orders = grid.nth(0).locator("td")
        assert orders.count() == 5
        colours = [c.evaluate("e => getComputedStyle(e).backgroundColor") for c in orders.all()]
        assert colours == [RGB["pass"], RGB["warn"], RGB["fail"], RGB["warn"], RGB["pass"]]
        assert orders.nth(2).inner_text() == "15" and "fail (changed 12" in orders.nth(2).get_attribute(
            "title"
        )
        legacy = grid.nth(2).locator("td")
        assert [c.get_attribute("class") for c in legacy.all()][2:] == ["cell v-absent"] * 3

        # The latest run failed: the banner says so in the fail colour; the hostile names are text.
        assert page.locator("header .badge").inner_text() == "fail"
        assert page.locator("header").evaluate("e => getComputedStyle(e).borderTopColor") == RGB["fail"]
        assert page.locator("h1").inner_text() == f"dbdiff history: {fx.XSS_SVG}"
        assert HOSTILE in page.inner_text("table.grid")
        runs = page.locator("table.runs tbody tr")
        assert runs.count() == 5 and runs.nth(0).locator(".badge").inner_text() == "fail"
        assert f"{HOSTILE}: changed 5 > fail limit 10" in runs.nth(0).inner_text()
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "dashboard.png"), full_page=True)
    finally:
        page.close()


def test_dashboard_on_a_narrow_screen_without_javascript(browser: Any, page_file: Path) -> None:
    context = browser.new_context(java_script_enabled=False, viewport={"width": 400, "height": 800})
    try:
        page = context.new_page()
        page.goto(page_file.as_uri())
        assert page.evaluate("document.documentElement.scrollWidth") <= 400  # wide tables scroll in their box
        assert page.locator("svg.trend").count() == 5
        assert page.is_visible("table.grid") and page.is_visible("table.runs")
    finally:
        context.close()


def test_an_empty_history_is_a_page_too(browser: Any, tmp_path: Path) -> None:
    path = tmp_path / "empty.html"
    path.write_text(render_dashboard([], title="dbdiff history: nightly.yaml"), encoding="utf-8")
    page = browser.new_page()
    try:
        page.goto(path.as_uri())
        assert "No runs recorded yet" in page.inner_text("main")
        assert page.locator("header .badge").inner_text() == "no runs yet"
    finally:
        page.close()
