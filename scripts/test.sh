#!/usr/bin/env bash
# Install dbdiff with its dev extra; lint, type-check, check the import contracts, run the test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e '.[dev]'
python3 -m ruff check dbdiff tests benchmarks
python3 -m ruff format --check --quiet dbdiff tests benchmarks
python3 -m mypy dbdiff
lint-imports  # the architecture's import contracts ([tool.importlinter] in pyproject.toml)
python3 -m pytest "$@"
