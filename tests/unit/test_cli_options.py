"""Command-line parsing: a single-valued option given twice is a usage error, never a silent choice."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from dbdiff.cli import cli

URLS = ["postgresql://u@127.0.0.1:1/db", "mysql://u@127.0.0.1:1/db"]


@pytest.mark.parametrize(
    "args",
    [
        ["diff", *URLS, "--table", "customers", "--table", "typemix"],
        ["diff", *URLS, "-t", "customers", "--table=typemix"],
        ["diff", *URLS, "-t", "a", "--where", "id > 1", "--where", "id > 2"],
        ["diff", *URLS, "-t", "a", "--format", "json", "--format", "text"],
        ["diff", *URLS, "-t", "a", "--chunk-size", "10", "--chunk-size", "20"],
        ["diff", *URLS, "-t", "a", "--json", "a.json", "--json", "b.json"],
        ["validate", URLS[0], "-t", "a", "-t", "b"],
        ["explain", *URLS, "-t", "a", "--right-table", "b", "--right-table", "c"],
        ["rules", "--left", "mysql", "--left", "postgresql"],
    ],
)
def test_a_single_valued_option_given_twice_is_a_usage_error(args):
    result = CliRunner().invoke(cli, args)
    assert result.exit_code == 2, result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dbdiff: error: "), result.output
    assert "is given more than once" in lines[0]
    # Parsing stopped there: nothing tried to reach the servers named (port 1 refuses).
    assert "connect" not in result.output


def test_options_meant_to_repeat_still_do(tmp_path):
    result = CliRunner().invoke(
        cli, ["explain", *URLS, "-t", "a", "--key", "a", "--key", "b", "-x", "c", "--exclude", "d"]
    )
    assert "more than once" not in result.output
    assert result.exit_code == 3, result.output  # it went on, and found no server on port 1
