"""The rich terminal summary and the one-line summary."""

from __future__ import annotations

import io

import pytest
from rich.console import Console

from dbdiff.report.text import render_plain_text, render_text, summary_line
from tests import report_fixtures as fx


def _plain_console(width: int = 120) -> tuple[Console, io.StringIO]:
    buffer = io.StringIO()
    return Console(file=buffer, width=width, no_color=True, force_terminal=False), buffer


@pytest.mark.parametrize("name", sorted(fx.FIXTURES))
def test_renders_without_colour_or_tty(name: str) -> None:
    console, buffer = _plain_console()
    render_text(fx.FIXTURES[name](), console)
    out = buffer.getvalue()
    assert out
    assert "\x1b" not in out
    assert fx.PASSWORD not in out


def test_content_of_a_different_run() -> None:
    out = render_plain_text(fx.different_result(), width=120)
    for expected in (
        "DIFFERENT",
        "orders → orders_v2",
        "Columns only in right: tenant_id, updated_by",
        "Top differing columns",
        "12,000",
        "Changed rows (showing 5 of 12,345)",
        '"Alice "',
        "Rows only in left (showing 2 of 7)",
        "right: id=42 × 2",
        "greater_than_or_equal_to(0)",
    ):
        assert expected in out, expected


def test_max_samples() -> None:
    out = render_plain_text(fx.different_result(), width=120, max_samples=1)
    assert "Changed rows (showing 1 of 12,345)" in out
    assert "id=5" not in out


def test_data_cannot_inject_markup_or_escape_sequences() -> None:
    buffer = io.StringIO()
    console = Console(file=buffer, width=200, force_terminal=True, color_system="truecolor")
    render_text(fx.hostile_result(), console, max_samples=20)
    out = buffer.getvalue()
    assert "\x1b[31mred" not in out and "\x00" not in out and "\u202e" not in out
    plain = render_plain_text(fx.hostile_result(), width=400, max_samples=20)
    assert "[bold]not bold[/bold]" in plain  # rich markup in data is printed, not applied
    assert ":smile:" in plain
    assert "nul\\x00esc\\x1b[31mred" in plain


def test_prints_to_stdout_by_default(capsys: pytest.CaptureFixture[str]) -> None:
    render_text(fx.identical_result())
    out = capsys.readouterr().out
    assert "IDENTICAL" in out and "orders" in out


def test_summary_line() -> None:
    line = summary_line(fx.different_result())
    assert "\n" not in line
    assert line.startswith("dbdiff different: 2 table pairs (1 identical, 1 different)")
    assert "12,345 changed" in line
    assert (
        summary_line(fx.identical_result())
        == "dbdiff identical: 1 table pair (1 identical), 1,000 rows matched"
    )
    hostile = summary_line(fx.hostile_result())
    assert "\n" not in hostile and "\x1b" not in hostile
