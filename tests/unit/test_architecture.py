"""ARCHITECTURE.md's worked examples run: a normalizer, a check, a report format, a dialect and an
executor, each added the way the page says, on in-memory tables."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from dbdiff.checks import CHECKS
from dbdiff.checks.base import registered
from dbdiff.dialects import BUILTIN, DIALECTS, get_dialect
from dbdiff.normalize import NORMALIZERS
from dbdiff.report import RENDERERS

PAGE = Path(__file__).resolve().parents[2] / "ARCHITECTURE.md"


def _examples() -> list[str]:
    return re.findall(r"```python\n(.*?)```", PAGE.read_text(encoding="utf-8"), flags=re.S)


@pytest.fixture
def registries() -> Iterator[None]:
    """The examples register names; they are gone again after the test.

    Built-in checks and dialects register when first used: load them before looking, or the
    built-ins the examples load would count as the examples' and go with them (importing their
    modules again would not bring them back)."""
    registered()
    for name in BUILTIN:
        get_dialect(name)
    before = {id(r): set(r) for r in (NORMALIZERS, CHECKS, RENDERERS, DIALECTS)}
    yield
    for registry in (NORMALIZERS, CHECKS, RENDERERS, DIALECTS):
        for name in set(registry) - before[id(registry)]:
            del registry[name]


def test_the_page_has_a_worked_example_per_kind_of_addition() -> None:
    text = PAGE.read_text(encoding="utf-8")
    for kind in ("A normalizer", "A check", "A report format", "A dialect", "An executor"):
        assert f"### {kind}\n" in text
    assert len(_examples()) == 6  # the shared tables, then one per kind


def test_the_worked_examples_run(registries: None, tmp_path: Path) -> None:
    namespace: dict[str, object] = {"workdir": tmp_path, "__name__": "architecture_examples"}
    for number, code in enumerate(_examples()):
        exec(compile(code, f"ARCHITECTURE.md example {number}", "exec"), namespace)
    # Each kind was added through its registry (the examples' own asserts checked what it did).
    assert "digits" in NORMALIZERS and "max_chars" in CHECKS
    assert "changed-csv" in RENDERERS and "lowercase" in DIALECTS
