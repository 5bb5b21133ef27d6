"""`dbdiff diff` between MariaDB and PostgreSQL writes all four reports; `dbdiff report` re-renders them."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from dbdiff.result import load_result
from tests.conftest import MySQLServer, PostgresServer
from tests.unit.test_report_command import FILES, dbdiff_cli, file_options

pytestmark = pytest.mark.servers


def test_report_rerenders_a_server_diff_byte_identical(
    mysql: MySQLServer, pg: PostgresServer, unique_name: Callable[[str], str], tmp_path: Path
) -> None:
    table = unique_name("report_t")
    mysql.execute(
        f"CREATE TABLE `{table}` (id INT PRIMARY KEY, flag TINYINT(1), amount DECIMAL(10,2), "
        "at DATETIME(6), name VARCHAR(20))"
    )
    pg.execute(
        f'CREATE TABLE "{table}" (id INT PRIMARY KEY, flag BOOLEAN, amount NUMERIC(10,2), '
        "at TIMESTAMP(6), name TEXT)"
    )
    rows = [(i, i % 2, f"{i}.50", f"2026-01-01 10:00:00.{i:06d}", f"n{i}") for i in range(1, 201)]
    mysql.executemany(f"INSERT INTO `{table}` VALUES (%s, %s, %s, %s, %s)", rows)
    copy = [(i, bool(f), a, t, n) for i, f, a, t, n in rows if i != 7]
    copy[10] = (*copy[10][:4], "N12")  # case differs
    copy.append((500, True, "1.00", "2026-01-02 00:00:00", "extra"))
    pg.executemany(f'INSERT INTO "{table}" VALUES (%s, %s, %s, %s, %s)', copy)

    first = dbdiff_cli("diff", mysql.url, pg.url, "--table", table, "--quiet", *file_options(tmp_path))
    assert first.returncode == 1, first.stderr
    summary = load_result(tmp_path / "r.json").table().summary
    assert (summary.changed, summary.only_left, summary.only_right) == (1, 1, 1)

    again = dbdiff_cli("report", str(tmp_path / "r.json"), "--quiet", *file_options(tmp_path, "2"))
    assert again.returncode == 1, again.stderr
    for name in FILES.values():
        stem, ext = name.split(".")
        assert (tmp_path / f"{stem}2.{ext}").read_bytes() == (tmp_path / name).read_bytes(), name
