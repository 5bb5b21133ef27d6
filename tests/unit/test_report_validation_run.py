"""A `dbdiff validate` result in every renderer: its own summary, no diff words (issue 9.5)."""

from __future__ import annotations

import json

import pytest

from dbdiff.report import render
from dbdiff.report.html import render_card_html
from dbdiff.report.text import render_plain_text, summary_line
from dbdiff.result import DiffResult
from tests import report_fixtures as fx

DIFF_WORDS = ("IDENTICAL", "DIFFERENT", "Identical", "Different", "matched", "⇄", "Rows right", "Mismatches")


def _all(result: DiffResult) -> dict[str, str]:
    out = {fmt: render(result, fmt) for fmt in ("html", "markdown", "junit")}
    out["text"] = render_plain_text(result, width=200)
    out["card"] = render_card_html(result)
    return out


@pytest.mark.parametrize("failed", [True, False])
def test_no_diff_words_in_any_renderer(failed: bool) -> None:
    for name, text in _all(fx.validation_result(failed=failed)).items():
        for word in DIFF_WORDS:
            assert word not in text, (name, word)


def test_counts_in_every_renderer() -> None:
    outputs = _all(fx.validation_result())
    assert outputs["text"].startswith(
        "FAILED  1 table (1 failed), 300 rows checked, 6 checks run, 3 failed\n"
    )
    assert "| orders | ❌ Failed | 300 | 6 | 3 |" in outputs["markdown"]
    assert "<dt>Rows checked</dt><dd>300</dd>" in outputs["html"]
    assert "<dt>Checks run</dt><dd>6</dd>" in outputs["html"]
    assert "<dt>Checks failed</dt><dd>3</dd>" in outputs["html"]
    assert '<testsuite name="dbdiff validate" tests="6" failures="3"' in outputs["junit"]
    assert ">Failed<" in outputs["card"] and "300 rows checked, 6 checks run, 3 failed" in outputs["card"]
    passed = _all(fx.validation_result(failed=False))
    assert passed["text"].startswith("PASSED  1 table (1 passed), 300 rows checked, 6 checks run, 0 failed\n")
    assert "✅ dbdiff validate: Passed" in passed["markdown"]
    assert '<testsuite name="dbdiff validate" tests="6" failures="0"' in passed["junit"]
    assert summary_line(fx.validation_result()) == (
        "dbdiff validate failed: 1 table (1 failed), 300 rows checked, 6 checks run, 3 failed"
    )


def test_table_wide_examples_read_well() -> None:
    for name, text in _all(fx.validation_result()).items():
        assert "counted 300, read 298" in text, name
        assert "(): " not in text and '{"counted"' not in text, name


def test_json_stays_the_contract_and_round_trips() -> None:
    result = fx.validation_result()
    data = json.loads(render(result, "json"))
    assert data["status"] == "different"
    assert len(data["tables"][0]["validation"]["checks"]) == 6
    again = DiffResult.from_dict(data)
    assert again.table().validation.checks == result.table().validation.checks
    assert render(again, "markdown") == render(result, "markdown")


def test_key_check_examples() -> None:
    from dbdiff.report.formatting import failure_example

    null_key = {"key": {"a": None, "b": "y"}, "value": None}
    assert failure_example(null_key, check="key_not_null") == "(a=NULL, b=y)"
    assert failure_example({"key": {"a": 1, "b": "x"}, "value": 2}, check="key_unique") == "(a=1, b=x) × 2"
    assert failure_example({"key": {"id": 3}, "value": None}, check="not_nullable") == "id=3: NULL"
    assert failure_example({"key": {}, "value": {"left": "1.00", "right": "2.00"}}) == "left 1.00, right 2.00"
