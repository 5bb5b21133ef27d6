"""Sample values between MariaDB and PostgreSQL: bounded in JSON, ordered by the key, one form per pair."""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import polars as pl
import pytest
from click.testing import CliRunner

import dbdiff
from dbdiff.cli import cli

pytestmark = pytest.mark.servers

SIZE = 100_000  # characters of each long value


def _long(i: int, changed: bool) -> str:
    text = [chr(ord("a") + (i + j) % 26) for j in range(SIZE)]
    if changed:
        text[SIZE // 2] = "#"  # one character deep inside the value
    return "".join(text)


def test_json_bounds_long_sample_values_and_keeps_short_ones_exact(mysql, pg, unique_name, tmp_path):
    t = unique_name("longtext")
    mysql.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, body LONGTEXT, blob_col LONGBLOB, note VARCHAR(20))"
    )
    pg.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, body TEXT, blob_col BYTEA, note TEXT)")
    rows = 30
    mysql.executemany(
        f"INSERT INTO {t} VALUES (%s, %s, %s, %s)",
        [(i, _long(i, False), _long(i, False).encode(), "same") for i in range(rows)]
        + [(99, "x" * 5000, b"", "l")],
    )
    pg.executemany(
        f"INSERT INTO {t} VALUES (%s, %s, %s, %s)",
        [(i, _long(i, True), _long(i, True).encode(), f"n{i}") for i in range(rows)],
    )
    result = dbdiff.diff(mysql.url, pg.url, table=t)
    path = result.write_json(tmp_path / "r.json")
    # Unbounded, this JSON held 30 x 2 x (100,000 characters + 200,000 hex digits): 18 MB.
    assert path.stat().st_size < 300_000
    data = json.loads(path.read_text())["tables"][0]["samples"]
    first = data["changed"][0]
    assert first["key"] == {"id": 0}
    assert first["diffs"]["note"] == {"left": "same", "right": "n0"}  # short values: exactly as before
    body = first["diffs"]["body"]
    whole_left, whole_right = _long(0, False), _long(0, True)
    assert body["left"]["truncated"] is True and body["right"]["truncated"] is True
    assert body["left"]["length"] == SIZE
    assert body["left"]["sha256"] == hashlib.sha256(whole_left.encode()).hexdigest()
    assert body["right"]["sha256"] == hashlib.sha256(whole_right.encode()).hexdigest()
    offset = body["right"]["offset"]
    assert 0 < offset < SIZE // 2 and body["right"]["window"] == whole_right[offset : offset + 200]
    assert "#" in body["right"]["window"] and body["left"]["offset"] == offset
    blob = first["diffs"]["blob_col"]["left"]
    assert blob["truncated"] is True and blob["length"] == 2 + 2 * SIZE  # "\x" and two hex digits a byte
    assert data["only_left"][0]["row"]["body"]["length"] == 5000
    # Python still has every whole value.
    changed = result.changed()
    assert changed.height == rows and changed["body_right"][0] == whole_right
    assert result.only_left()["body"][0] == "x" * 5000
    # The saved result re-renders, showing the window around the difference.
    html, md = tmp_path / "r.html", tmp_path / "r.md"
    proc = CliRunner().invoke(
        cli, ["report", str(path), "--quiet", "--html", str(html), "--markdown", str(md)]
    )
    assert proc.exit_code == 1, proc.output
    page = html.read_text()
    assert whole_right[offset : offset + 40] in page and "more characters" in page
    assert "100,000 chars" in md.read_text()


def test_decimal_rule_keys_sort_numerically(mysql, pg, unique_name):
    t = unique_name("u64sort")
    mysql.execute(f"CREATE TABLE {t} (id BIGINT UNSIGNED PRIMARY KEY, v INT)")
    pg.execute(f"CREATE TABLE {t} (id NUMERIC(20, 0) PRIMARY KEY, v INT)")
    ids = [1200, 13, 200, 100, 2, 18446744073709551615]
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s)", [(i, 1) for i in ids] + [(7, 1), (30, 1)])
    pg.executemany(f"INSERT INTO {t} VALUES (%s, %s)", [(i, 2) for i in ids] + [(8, 1), (40, 1)])
    want = sorted(ids)
    for chunk_size in (3, 1000):
        result = dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=chunk_size)
        table = result.table()
        assert table.summary.changed == len(ids)
        assert [s["key"]["id"] for s in table.samples.changed] == want
        assert result.changed()["id"].cast(pl.String).to_list() == [str(i) for i in want]
        small = dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=chunk_size, sample_limit=3).table()
        assert [s["key"]["id"] for s in small.samples.changed] == want[:3]  # the smallest, not "100"
    from dbdiff.report import render

    text = render(result, "markdown")
    assert text.index("id=2 ") < text.index("id=13 ") < text.index("id=100 ") < text.index("id=1200 ")


def test_both_sides_of_a_pair_come_in_one_dtype_and_one_form(mysql, pg, unique_name):
    t = unique_name("forms")
    mysql.execute(
        f"CREATE TABLE {t} (id BIGINT UNSIGNED PRIMARY KEY, created_at DATETIME, amount DECIMAL(10,2), "
        "tm TIME, flag TINYINT(1))"
    )
    pg.execute(
        f"CREATE TABLE {t} (id NUMERIC(20,0) PRIMARY KEY, created_at TIMESTAMP, amount NUMERIC(12,3), "
        "tm INTERVAL, flag BOOLEAN)"
    )
    stamp = dt.datetime(2020, 2, 15, 19, 51, 40)
    mysql.executemany(
        f"INSERT INTO {t} VALUES (%s, %s, %s, %s, %s)",
        [
            (1, stamp, "1.10", "01:30:00", 1),
            (2, stamp, "2.00", "838:59:59", 0),
            (5, stamp, "5.00", "-00:00:01", 1),
        ],
    )
    pg.executemany(
        f"INSERT INTO {t} VALUES (%s, %s, %s, %s, %s)",
        [
            (1, stamp + dt.timedelta(hours=1), "1.1", "01:30:00", True),
            (2, stamp, "2.001", "838:59:59", False),
            (6, stamp, "6", "00:00:00.5", None),
        ],
    )
    result = dbdiff.diff(mysql.url, pg.url, table=t)
    left, right = result.only_left(), result.only_right()
    assert left.schema == right.schema
    both = pl.concat([left, right])  # failed before: UInt64 vs String ids, String vs Datetime stamps
    assert both["id"].cast(pl.String).to_list() == ["5", "6"]
    assert both["tm"].to_list() == ["-00:00:01", "00:00:00.5"]
    changed = result.changed()
    for column in ("created_at", "amount", "tm", "flag"):
        assert changed.schema[f"{column}_left"] == changed.schema[f"{column}_right"], column
    assert changed.schema["created_at_left"] == pl.Datetime("us")
    # The raw values as the sources delivered them are still there.
    raw = result.changed(raw=True)
    assert raw.schema["flag_left"] != raw.schema["flag_right"]  # TINYINT(1) vs boolean
    # MySQL DATETIME arrives as a datetime (no text cast), as PostgreSQL timestamp does.
    assert raw.schema["created_at_left"] == raw.schema["created_at_right"] == pl.Datetime("us")
    assert result.only_left(raw=True).schema["id"] == pl.UInt64
    samples = {s["key"]["id"]: s["diffs"] for s in result.table().samples.changed}
    assert samples[1]["created_at"] == {"left": "2020-02-15T19:51:40", "right": "2020-02-15T20:51:40"}
    assert samples[2]["amount"] == {"left": "2.000", "right": "2.001"}
    assert result.table().samples.only_right[0]["key"] == {"id": 6}  # a number, as on the left
    html = result.to_html()
    assert "2020-02-15 19:51:40" not in html  # one separator on both sides: only the hour differs
