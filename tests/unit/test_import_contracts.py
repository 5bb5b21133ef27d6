"""The import contract that keeps the result model plain data lists the modules it may not import
one by one: a module added to dbdiff is outside it until the list names it."""

from __future__ import annotations

import pkgutil
from pathlib import Path

import pytest

import dbdiff

PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"
#: What the result model may import (the contract's own words).
ALLOWED = {"dbdiff.result", "dbdiff.result_parts", "dbdiff.errors", "dbdiff.values", "dbdiff._version"}


def test_the_result_model_contract_names_every_other_module() -> None:
    tomllib = pytest.importorskip("tomllib", reason="Python 3.11's TOML reader")
    contracts = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]["contracts"]
    (contract,) = [c for c in contracts if c["name"].startswith("The result model is plain data")]
    listed = set(contract["forbidden_modules"]) - {"dbdiff"}
    modules = {f"dbdiff.{m.name}" for m in pkgutil.iter_modules(dbdiff.__path__)}
    assert modules - ALLOWED - listed == set(), "add these to the contract's forbidden_modules"
    assert listed - modules == set(), "these are no dbdiff modules"
