#!/usr/bin/env bash
# Install dbdiff with its dev extra, then lint, type-check and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -m pip install --quiet --disable-pip-version-check -e '.[dev]'
python3 -m ruff check dbdiff tests benchmarks
python3 -m ruff format --check --quiet dbdiff tests benchmarks
python3 -m mypy dbdiff
python3 -m pytest "$@"
