"""Notebook views of a `DiffResult`: the mimebundle, the card, `show()` and `to_html()`.

None of them may run a query: a result whose store is closed still shows everything.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from dbdiff.report import render, render_card_html
from dbdiff.report.notebook import JSON_MIME, SUMMARY_MIME, ReportFrame
from dbdiff.result import DiffResult
from tests import report_fixtures as fx
from tests.fresh_process import modules_after


@pytest.fixture(scope="module")
def demo_result(tmp_path_factory: pytest.TempPathFactory) -> DiffResult:
    from dbdiff.api import diff
    from dbdiff.demo import build_demo

    left, right = build_demo(tmp_path_factory.mktemp("demo"))
    return diff(f"sqlite:///{left}", f"duckdb:///{right}", table="orders", chunk_size=400, workers=2)


def test_mimebundle_has_the_summary_card_and_counts() -> None:
    result = fx.different_result()
    bundle = result._repr_mimebundle_()
    assert set(bundle) == {"text/plain", "text/html", SUMMARY_MIME}
    assert bundle["text/plain"] == repr(result)
    assert bundle["text/plain"].startswith("<DiffResult different: ")
    assert bundle["text/html"] == render_card_html(result) == result._repr_html_()

    summary = bundle[SUMMARY_MIME]
    assert json.loads(json.dumps(summary)) == summary  # plain JSON data
    assert summary["status"] == "different" and summary["exit_code"] == 1
    table = result.table("orders")
    assert summary["tables"][1]["summary"] == table.summary.to_dict()
    assert summary["tables"][1]["columns"] == {c.name: c.mismatches for c in table.columns if c.mismatches}
    assert summary["left"] == {"url": result.left.url, "dialect": result.left.dialect}


def test_plain_application_json_only_when_asked_for() -> None:
    # JupyterLab and VS Code rank application/json above text/html: by default it would hide the card.
    result = fx.identical_result()
    assert JSON_MIME not in result._repr_mimebundle_()
    asked = result._repr_mimebundle_(include=[JSON_MIME])
    assert set(asked) == {JSON_MIME}
    assert asked[JSON_MIME] == result.summary()


def test_mimebundle_honours_include_and_exclude() -> None:
    result = fx.identical_result()
    assert set(result._repr_mimebundle_(include={"text/plain"})) == {"text/plain"}
    assert set(result._repr_mimebundle_(exclude={"text/html", SUMMARY_MIME})) == {"text/plain"}
    assert result._repr_mimebundle_(include={"image/png"}) == {}


@pytest.mark.parametrize("name", sorted(fx.FIXTURES))
def test_card_runs_no_script_and_keeps_secrets(name: str) -> None:
    result = fx.FIXTURES[name]()
    card = result._repr_html_()
    page = fx.parse_html(card)
    tags = {tag for tag, _ in page.elements}
    assert "script" not in tags and "iframe" not in tags
    for tag, attrs in page.elements:
        assert not [a for a in attrs if a.lower().startswith("on")], (tag, attrs)
    assert "<script" not in card.lower()
    bundle = result._repr_mimebundle_()
    assert fx.PASSWORD not in json.dumps(bundle, ensure_ascii=False)


def test_summary_carries_no_sample_values() -> None:
    summary = fx.hostile_result().summary()
    assert all(set(t) >= {"summary", "columns"} and "samples" not in t for t in summary["tables"])
    assert fx.LONG not in json.dumps(summary, ensure_ascii=False)  # a value only the samples hold


def test_to_html_is_the_full_report() -> None:
    result = fx.different_result()
    assert result.to_html() == render(result, "html")


def test_show_embeds_the_report_in_a_sandboxed_iframe() -> None:
    result = fx.hostile_result()
    frame = result.show()
    assert isinstance(frame, ReportFrame)
    outer = frame._repr_html_()
    page = fx.parse_html(outer)
    # The hostile values (quotes, </script>, onerror=...) stay inside srcdoc: the outer markup
    # is one iframe and nothing else, and srcdoc decodes back to exactly the report page.
    assert [tag for tag, _ in page.elements] == ["iframe"]
    attrs = page.elements[0][1]
    assert attrs["srcdoc"] == result.to_html()
    assert attrs["sandbox"] == "allow-scripts"  # no allow-same-origin: the report cannot touch the notebook
    assert "height: 640px" in (attrs["style"] or "")
    assert "".join(page.text).strip() == ""
    assert '"' not in outer.split('srcdoc="', 1)[1].split('" sandbox=', 1)[0]
    assert fx.PASSWORD not in outer
    assert frame._repr_mimebundle_()["text/html"] == outer
    assert "characters of HTML" in repr(frame)


def test_show_height_and_save(tmp_path: Path) -> None:
    result = fx.identical_result()
    assert "height: 900px" in result.show(height=900)._repr_html_()
    for bad in (10, -5, True, "100%", 3.5):
        with pytest.raises(ValueError):
            result.show(height=bad)  # type: ignore[arg-type]
    written = result.show().save(tmp_path / "report.html")
    assert written.read_text(encoding="utf-8") == result.to_html()


def test_reprs_never_query(demo_result: DiffResult) -> None:
    before = (
        repr(demo_result),
        demo_result._repr_mimebundle_(),
        demo_result.show()._repr_html_(),
        demo_result.to_html(),
    )
    assert demo_result._store is not None
    demo_result._store.store.close()  # type: ignore[attr-defined]
    with pytest.raises(Exception):  # noqa: B017 - any failure proves the store is gone
        demo_result.changed()
    after = (
        repr(demo_result),
        demo_result._repr_mimebundle_(),
        demo_result.show()._repr_html_(),
        demo_result.to_html(),
    )
    assert after == before
    assert after[1][SUMMARY_MIME]["tables"][0]["summary"]["changed"] == 6


def test_reprs_of_a_loaded_result(tmp_path: Path) -> None:
    from dbdiff.result import load_result

    path = tmp_path / "r.json"
    path.write_text(render(fx.different_result(), "json"), encoding="utf-8")
    loaded = load_result(path)
    assert loaded._repr_mimebundle_() == fx.different_result()._repr_mimebundle_()


def test_import_dbdiff_stays_cheap() -> None:
    loaded = modules_after("import dbdiff, dbdiff.result")
    assert not loaded & {"jinja2", "polars", "duckdb", "pyarrow", "IPython", "dbdiff.report"}


# --- in a real browser ---

CHROMIUM = Path("/usr/bin/chromium")


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
        instance = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--headless", "--no-sandbox", "--disable-gpu"]
        )
        try:
            yield instance
        finally:
            instance.close()


@pytest.mark.browser
def test_show_renders_offline_in_chromium(browser: Any) -> None:
    result = fx.hostile_result()
    page = browser.new_page()
    requests: list[str] = []
    page.on("request", lambda r: requests.append(r.url))
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    try:
        page.set_content(f"<!doctype html><html><body>{result.show()._repr_html_()}</body></html>")
        frame = page.frame_locator("iframe")
        heading = frame.locator("h1").first
        heading.wait_for(timeout=10_000)
        assert heading.inner_text().strip()
        inner = page.frames[1]
        # The report's own script ran inside the sandbox: it adds the expand/collapse buttons.
        frame.get_by_role("button", name="Expand all").wait_for(timeout=10_000)
        assert inner.evaluate("typeof window.__pwned") == "undefined"
        assert page.evaluate("typeof window.__pwned") == "undefined"
        assert inner.evaluate("document.querySelectorAll('table').length") > 0
        assert page.evaluate("document.querySelectorAll('iframe').length") == 1
        assert not dialogs
        assert all(url.startswith(("about:", "data:")) for url in requests), requests
    finally:
        page.close()


@pytest.mark.browser
def test_show_in_page_links_stay_in_the_report(browser: Any) -> None:
    result = fx.different_result()  # two table pairs: the overview links to each
    page_html = f"<!doctype html><html><body>{result.show()._repr_html_()}</body></html>"
    page = browser.new_page()
    try:
        # Served from an http URL, as JupyterLab is.
        page.route(
            "http://notebook.test/**", lambda route: route.fulfill(body=page_html, content_type="text/html")
        )
        page.goto("http://notebook.test/lab/tree/demo.ipynb")
        frame = page.frame_locator("iframe")
        frame.locator("a[href^='#pair-']").first.click()
        page.wait_for_timeout(500)
        assert page.frames[1].evaluate("document.querySelectorAll('h1').length") == 1
    finally:
        page.close()
