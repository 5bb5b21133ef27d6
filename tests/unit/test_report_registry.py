"""The renderer registry: names, did-you-mean errors, JSON, and cheap imports."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from dbdiff.errors import UsageError
from dbdiff.report import RENDERERS, register_renderer, render
from dbdiff.result import DiffResult
from tests import report_fixtures as fx
from tests.fresh_process import modules_after


def test_known_formats() -> None:
    assert {"html", "markdown", "junit", "json"} <= set(RENDERERS)


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
def test_every_renderer_returns_text(fmt: str) -> None:
    for build in fx.FIXTURES.values():
        out = render(build(), fmt)
        assert isinstance(out, str) and out


def test_json_round_trips() -> None:
    result = fx.different_result()
    assert DiffResult.from_dict(json.loads(render(result, "json"))) == result


@pytest.mark.parametrize(
    ("fmt", "suggestion"),
    [
        ("htlm", "'html'"),
        ("markdwon", "'markdown'"),
        ("md", "'markdown'"),
        ("xml", "'junit'"),
        ("JSON", "'json'"),
    ],
)
def test_unknown_format_suggests_the_closest(fmt: str, suggestion: str) -> None:
    with pytest.raises(UsageError) as info:
        render(fx.identical_result(), fmt)
    assert info.value.exit_code == 2
    assert f"unknown report format {fmt!r}" in str(info.value)
    assert f"did you mean {suggestion}?" in str(info.value)
    assert "known formats: html, json, junit, markdown, text" in str(info.value)


def test_unknown_format_without_a_near_name() -> None:
    with pytest.raises(UsageError, match="known formats") as info:
        render(fx.identical_result(), "pdf")
    assert "did you mean" not in str(info.value)


def test_register_renderer() -> None:
    register_renderer("status", lambda result: result.status)
    try:
        assert render(fx.error_result(), "status") == "error"
    finally:
        del RENDERERS["status"]


def test_import_stays_cheap() -> None:
    loaded = modules_after("import dbdiff, dbdiff.report")
    assert not loaded & {"jinja2", "rich", "markupsafe", "polars", "xml.etree.ElementTree"}


def test_renderer_modules_load_on_first_use() -> None:
    """A run that writes only JSON loads no other renderer (tens of milliseconds at start-up);
    the exported names and the registry still reach them."""
    code = (
        "import sys, dbdiff.report as r\n"
        "loaded = lambda: sorted(m for m in sys.modules if m.startswith('dbdiff.report.'))\n"
        "assert loaded() == [], loaded()\n"
        "assert r.render_html.__module__ == 'dbdiff.report.html'\n"
        "assert 'dbdiff.report.html' in loaded() and 'dbdiff.report.junit' not in loaded()\n"
        "assert r.RENDERERS['junit'].renderer.__name__ == 'render_junit'\n"
    )
    subprocess.run([sys.executable, "-c", code], check=True)
