"""Nightly runs of one check file on the real servers, the differences growing from night to night:
the history keeps every run, and the third night's HTML report draws the trend, checked in Chromium.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import MYSQL_URL, PG_URL, MySQLServer, PostgresServer
from tests.unit import test_report_browser as rb

pytestmark = [pytest.mark.servers, pytest.mark.browser]

CHECKFILE = """\
left: {env: DBDIFF_H_LEFT}
right: {env: DBDIFF_H_RIGHT}
thresholds: {changed: {warn: 0, fail: 2}}
tables: ["*"]
"""


@pytest.fixture(scope="module")
def servers():
    try:
        left, right = MySQLServer(MYSQL_URL), PostgresServer(PG_URL)
    except Exception as exc:  # pragma: no cover - conftest's fixtures say how to start the servers
        pytest.skip(f"servers not reachable: {exc}")
    try:
        rows = [(i, f"item {i}", f"{i}.99") for i in range(1, 31)]
        left.execute("CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20), price DECIMAL(8,2))")
        right.execute("CREATE TABLE items (id INT PRIMARY KEY, name VARCHAR(20), price NUMERIC(8,2))")
        for server in (left, right):
            server.executemany("INSERT INTO items VALUES (%s, %s, %s)", rows)
            server.execute("CREATE TABLE tags (id INT PRIMARY KEY, tag VARCHAR(10))")
            server.execute("INSERT INTO tags VALUES (1, 'a'), (2, 'b')")
        yield left, right
    finally:
        left.drop()
        right.drop()


@pytest.fixture(scope="module")
def chromium():
    """The report tests' headless Chromium (skips without it, unless DBDIFF_REQUIRE_BROWSER=1)."""
    yield from rb.browser.__wrapped__()


def test_three_nights_of_history_and_the_trend_in_the_html_report(
    servers, tmp_path: Path, chromium: Any
) -> None:
    left, right = servers
    (tmp_path / "dbdiff.yaml").write_text(CHECKFILE, encoding="utf-8")
    env = {**os.environ, "DBDIFF_NO_PROGRESS": "1", "DBDIFF_H_LEFT": left.url, "DBDIFF_H_RIGHT": right.url}
    codes = []
    for night, drifted in enumerate((0, 1, 3), start=1):
        if drifted:
            right.execute(f"UPDATE items SET price = price + 1 WHERE id <= {drifted}")
        proc = subprocess.run(
            [sys.executable, "-m", "dbdiff.cli", "run", "-q", "--html", f"night{night}.html"],
            capture_output=True,
            text=True,
            timeout=240,
            cwd=tmp_path,
            env=env,
        )
        codes.append(proc.returncode)
        assert proc.returncode in (0, 1), proc.stderr
    assert codes == [0, 0, 1]  # pass, warn (1 changed), fail (3 changed > 2)

    history = subprocess.run(
        [sys.executable, "-m", "dbdiff.cli", "history", "--json"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=tmp_path,
        env=env,
    )
    assert history.returncode == 0, history.stderr
    runs = json.loads(history.stdout)
    assert [r["verdict"] for r in runs] == ["pass", "warn", "fail"]
    assert [r["tables"]["items"]["changed"] for r in runs] == [0, 1, 3]

    html = (tmp_path / "night3.html").read_text(encoding="utf-8")
    page, watch = rb._open(chromium, tmp_path, "night3-view", html)
    try:
        rb._assert_clean(page, watch, (tmp_path / "night3-view.html").as_uri())
        assert page.inner_text("h1") == "Fail"
        charts = page.locator("svg.trend")
        assert charts.count() >= 2  # the run's trend and the items table's
        # Three nights, so three points on every series of the run's chart.
        first = charts.nth(0)
        assert first.locator("polyline").count() >= 1
        titles = first.locator("circle title").evaluate_all("ts => ts.map(t => t.textContent)")
        assert len(titles) % 3 == 0 and len(titles) >= 3, titles
        assert any("3" in t and "changed" in t for t in titles), titles
    finally:
        page.close()
