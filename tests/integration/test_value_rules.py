"""Normalizers and value comparison between MariaDB and PostgreSQL: findings of issues 8 and 9."""

from __future__ import annotations

import pytest

import dbdiff

pytestmark = pytest.mark.servers


def changed_ids(mysql, pg, table: str, **kwargs) -> list[int]:
    result = dbdiff.diff(mysql.url, pg.url, table=table, chunk_size=2, **kwargs)
    return [s["key"]["id"] for s in result.table().samples.changed]


def test_the_readme_one_cent_tolerance_holds_for_decimal_and_float(mysql, pg, unique_name):
    t = unique_name("cent")
    mysql.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, balance DECIMAL(12,2), ratio DOUBLE)",
        f"INSERT INTO {t} VALUES (1, 2919.00, 2919.00), (2, 2919.00, 2919.00), (3, -0.01, -0.01), "
        "(4, 99999999.99, 99999999.99), (5, NULL, NULL), (6, 1.00, 1)",
    )
    pg.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, balance NUMERIC(12,2), ratio DOUBLE PRECISION)",
        f"INSERT INTO {t} VALUES (1, 2919.01, 2919.01), (2, 2919.02, 2919.02), (3, 0.00, 0), "
        "(4, 99999999.98, 99999999.98), (5, 0, 0), (6, NULL, NULL)",
    )
    rules = {"balance": ("decimal", {"abs_tol": 0.01}), "ratio": ("float", {"abs_tol": 0.01})}
    table = dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=2, column_rules=rules).table()
    diffs = {s["key"]["id"]: sorted(s["diffs"]) for s in table.samples.changed}
    # One cent apart is within abs_tol=0.01, two cents are not; NULL equals only NULL.
    assert diffs == {2: ["balance", "ratio"], 5: ["balance", "ratio"], 6: ["balance", "ratio"]}
    (rule,) = [c.rule for c in table.schema.columns if c.name == "balance"]
    assert rule.startswith("override:decimal") and "abs_tol=0.01" in rule
    relative = dbdiff.diff(
        mysql.url, pg.url, table=t, column_rules={"balance": ("", {"rel_tol": 2e-10})}
    ).table()
    # 99999999.99 vs .98 differs by about 1e-10 of the value: equal; 2919.00 vs .01 does not.
    assert sorted(s["key"]["id"] for s in relative.samples.changed if "balance" in s["diffs"]) == [
        1,
        2,
        3,
        5,
        6,
    ]


def test_jsonb_nested_1500_deep_is_compared_not_a_recursion_error(mysql, pg, unique_name):
    t = unique_name("deepjson")
    depth = 1500

    def nested(inner: str, spaced: bool = False) -> str:
        return ('{ "a" : ' if spaced else '{"a":') * depth + inner + "}" * depth

    # MariaDB's JSON_VALID stops at 32 levels: the text column holds what jsonb accepts.
    mysql.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, doc LONGTEXT)")
    mysql.executemany(
        f"INSERT INTO {t} VALUES (%s, %s)",
        [(1, nested('{"y": 2, "x": 1.10}')), (2, nested("[1, 2]")), (3, nested("[1, 2]"))],
    )
    pg.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, doc JSONB)")
    pg.executemany(
        f"INSERT INTO {t} VALUES (%s, %s::jsonb)",
        [(1, nested('{"x": 1.1, "y": 2}', spaced=True)), (2, nested("[2, 1]")), (3, nested("[1, 2]"))],
    )
    assert changed_ids(mysql, pg, t) == [2]


def _last_sunday(year: int, month: int) -> int:
    import calendar

    return max(week[calendar.SUNDAY] for week in calendar.monthcalendar(year, month))


def _berlin_wall_times(years) -> list[str]:
    """Summer and winter noon, the skipped and the repeated hour, for each year."""
    times = []
    for y in years:
        spring, autumn = _last_sunday(y, 3), _last_sunday(y, 10)
        times += [
            f"{y}-07-01 12:00:00.123456",
            f"{y}-01-15 12:00:00.654321",
            f"{y}-03-{spring:02d} 02:30:00",
            f"{y}-10-{autumn:02d} 02:30:00",
        ]
    return times


def test_assume_zone_applies_dst_in_every_year_as_postgresql_does(mysql, pg, unique_name):
    t = unique_name("dst2100")
    walls = _berlin_wall_times([2024, 2037, 2038, 2099, 2100, 2200, 9999])
    rows = list(enumerate(walls, start=1))
    mysql.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, v DATETIME(6))")
    mysql.executemany(f"INSERT INTO {t} VALUES (%s, %s)", rows)
    pg.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, v TIMESTAMPTZ)")
    # Written the way a load under the zone writes them: PostgreSQL resolves each wall time.
    with pg._connect(pg.database) as con:
        con.execute("SET TimeZone = 'Europe/Berlin'")
        with con.cursor() as cur:
            cur.executemany(f"INSERT INTO {t} VALUES (%s, %s::timestamp::timestamptz)", rows)
        con.execute(f"UPDATE {t} SET v = v + interval '1 hour' WHERE id = 2")
    zone = {"v": ("", {"assume_zone": "Europe/Berlin"})}
    assert changed_ids(mysql, pg, t, column_rules=zone) == [2]


def test_assume_zone_beyond_year_9999_between_postgresql_tables(pg, unique_name):
    t = unique_name("dstfar")
    walls = [*_berlin_wall_times([2024, 2100, 12000, 200000]), "infinity", "-infinity"]
    rows = list(enumerate(walls, start=1))
    pg.execute(f"CREATE TABLE {t}_l (id INT PRIMARY KEY, v TIMESTAMP)")
    pg.execute(f"CREATE TABLE {t}_r (id INT PRIMARY KEY, v TIMESTAMPTZ)")
    pg.executemany(f"INSERT INTO {t}_l VALUES (%s, %s::timestamp)", rows)
    with pg._connect(pg.database) as con:
        con.execute("SET TimeZone = 'Europe/Berlin'")
        with con.cursor() as cur:
            cur.executemany(f"INSERT INTO {t}_r VALUES (%s, %s::timestamp::timestamptz)", rows)
    zone = {"v": ("", {"assume_zone": "Europe/Berlin"})}
    result = dbdiff.diff(pg.url, pg.url, table=f"{t}_l", right_table=f"{t}_r", column_rules=zone)
    assert result.status == "identical", result.to_json()


def test_mariadb_geometry_against_postgresql_geometric_types_wkt_and_wkb(mysql, pg, unique_name):
    t = unique_name("geo")
    mysql.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, g GEOMETRY, p POINT, poly POLYGON, wkb GEOMETRY, "
        "path LINESTRING)",
        f"INSERT INTO {t} VALUES "
        "(1, ST_GeomFromText('POINT(1 2)'), ST_GeomFromText('POINT(1.5 -2)'), "
        " ST_GeomFromText('POLYGON((0 0,1 0,1 1,0 0))'), ST_GeomFromText('LINESTRING(0 0,1 1)'), "
        " ST_GeomFromText('LINESTRING(0 0,1 1,2 0)')),"
        "(2, ST_GeomFromText('MULTIPOINT(1 1,2 2)'), ST_GeomFromText('POINT(0.30000000000000004 0)'), "
        " ST_GeomFromText('POLYGON((0 0,2 0,2 2,0 0))'), ST_GeomFromText('POINT(3 4)'), "
        " ST_GeomFromText('LINESTRING(0 0,1 1)')),"
        "(3, NULL, NULL, NULL, NULL, NULL)",
    )
    pg.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, g TEXT, p POINT, poly POLYGON, wkb BYTEA, path PATH)",
        f"INSERT INTO {t} VALUES "
        "(1, 'point (1.0 2.0)', '(1.5,-2)', '((0,0),(1,0),(1,1))', "
        " '\\x01020000000200000000000000000000000000000000000000000000000000f03f000000000000f03f', "
        " '[(0,0),(1,1),(2,0)]'),"
        # 0.3 is not 0.30000000000000004; the polygon's vertex moved; the WKB is POINT(4 3).
        "(2, 'MULTIPOINT((1 1),(2 2))', '(0.3,0)', '((0,0),(2,0),(2,3))', "
        " '\\x010100000000000000000010400000000000000840', '((0,0),(1,1))'),"
        "(3, NULL, NULL, NULL, NULL, NULL)",
    )
    table = dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=2).table()
    assert {s["key"]["id"]: sorted(s["diffs"]) for s in table.samples.changed} == {
        2: ["p", "path", "poly", "wkb"]
    }
    assert {c.name: c.rule for c in table.schema.columns if c.name != "id"} == dict.fromkeys(
        ["g", "p", "poly", "wkb", "path"], "geometry"
    )
    # MariaDB against MariaDB reads GEOMETRY too (it used to fail on CAST(.. AS CHAR)).
    assert dbdiff.diff(mysql.url, mysql.url, table=t).status == "identical"


def test_a_geometry_pair_without_rule_suggests_a_rule_that_runs(mysql, pg, unique_name, tmp_path):
    from dbdiff.errors import RuleError

    t = unique_name("geocircle")
    mysql.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, g GEOMETRY)",
        f"INSERT INTO {t} VALUES (1, ST_GeomFromText('POINT(1 2)'))",
    )
    pg.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, g CIRCLE)", f"INSERT INTO {t} VALUES (1, '<(1,2),0>')")
    with pytest.raises(RuleError) as info:
        dbdiff.diff(mysql.url, pg.url, table=t)
    hint = info.value.hint or ""
    suggested = hint[hint.index("{") : hint.rindex("}") + 1]
    assert "normalizer: geometry" in suggested
    rule_file = tmp_path / "rules.yaml"
    rule_file.write_text(f"rules:\n  - {suggested}\n", encoding="utf-8")
    result = dbdiff.diff(mysql.url, pg.url, table=t, rules=[str(rule_file)])
    # A circle is no geometry WKT knows: the value is unreadable, a difference, not a crash.
    assert result.status == "different" and result.exit_code == 1
    assert result.table().columns[0].unreadable == 1


def test_a_query_the_server_refuses_is_not_retried(mysql, pg, unique_name, caplog):
    from dbdiff.engine import run_diff
    from dbdiff.errors import ExtractionError
    from dbdiff.options import DiffOptions
    from dbdiff.sources.base import open_source

    t = unique_name("refused")
    mysql.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, d DATE)", f"INSERT INTO {t} VALUES (1, NULL)")
    pg.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, d DATE)", f"INSERT INTO {t} VALUES (1, NULL)")

    def break_column(plan) -> None:
        # Planned as a DATE (read with CAST(d AS CHAR)); MariaDB refuses that cast on a GEOMETRY.
        mysql.execute(f"ALTER TABLE {t} DROP COLUMN d, ADD COLUMN d GEOMETRY")

    left, right = open_source(mysql.url), open_source(pg.url)
    try:
        with pytest.raises(ExtractionError, match="cast_as_char") as info:
            run_diff(left, right, DiffOptions(table=t, retries=2), on_plan=break_column)
    finally:
        left.close()
        right.close()
    assert info.value.retryable is False
    assert not [r for r in caplog.records if "retry" in r.getMessage()]


@pytest.fixture
def unreadable_tables(mysql, pg, unique_name):
    t = unique_name("unread")
    mysql.execute(
        "SET SESSION sql_mode = 'ALLOW_INVALID_DATES'",
        f"CREATE TABLE {t} (id INT PRIMARY KEY, d DATE, doc LONGTEXT)",
        f"INSERT INTO {t} VALUES (1, '2024-02-30', '{{\"a\": 1}}'), (2, '2024-01-01', '{{oops'), "
        "(3, '2024-01-02', '[1]'), (4, '2024-04-31', '[2]'), (5, '2024-01-03', '[3]')",
    )
    pg.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, d DATE, doc JSONB)",
        f"INSERT INTO {t} VALUES (1, '2024-03-01', '{{\"a\": 1}}'), (2, '2024-01-01', NULL), "
        "(3, '2024-01-02', '[1]'), (4, NULL, '[2]'), (5, '2024-01-03', '[3]')",
    )
    return t


def test_a_value_no_rule_can_read_is_an_unreadable_difference(mysql, pg, unreadable_tables):
    t = unreadable_tables
    results = [dbdiff.diff(mysql.url, pg.url, table=t, chunk_size=size) for size in (1, 2, 100)]
    for result in results:
        table = result.table()
        assert result.status == "different" and result.exit_code == 1
        assert table.summary.matched == 5 and table.summary.changed == 3
        stats = {c.name: (c.mismatches, c.unreadable) for c in table.columns}
        assert stats == {"d": (2, 2), "doc": (1, 1)}
        assert [(s["key"], s["diffs"]) for s in table.samples.changed] == [
            ({"id": 1}, {"d": {"left": "2024-02-30", "right": "2024-03-01", "unreadable": "left"}}),
            ({"id": 2}, {"doc": {"left": "{oops", "right": None, "unreadable": "left"}}),  # not NULL
            ({"id": 4}, {"d": {"left": "2024-04-31", "right": None, "unreadable": "left"}}),
        ]
    data = results[0].to_dict()
    assert data["tables"][0]["columns"][0] == {"name": "d", "mismatches": 2, "unreadable": 2}
    assert dbdiff.DiffResult.from_dict(data).to_dict() == data
    changed = results[0].changed()  # every changed row, its raw values as read
    assert changed.get_column("d_left").to_list() == ["2024-02-30", "2024-01-01", "2024-04-31"]
    # Two unreadable values never equal each other: the same table on both sides differs.
    same = dbdiff.diff(mysql.url, mysql.url, table=t).table()
    assert [(s["key"]["id"], s["diffs"]["d"]["unreadable"]) for s in same.samples.changed] == [
        (1, "both"),
        (4, "both"),
    ]


def _visible(report: str) -> str:
    """A report's text without markup (HTML highlights the differing part of a value in a span)."""
    import re

    return re.sub(r"<[^>]+>", "", report)


def test_unreadable_values_in_every_report_and_never_when_masked(mysql, pg, unreadable_tables, tmp_path):
    from dbdiff.report import render

    t = unreadable_tables
    result = dbdiff.diff(mysql.url, pg.url, table=t)
    masked = dbdiff.diff(mysql.url, pg.url, table=t, mask=["d", "doc"])
    assert masked.table().samples.changed[0]["diffs"]["d"]["unreadable"] == "left"
    for fmt in ("text", "markdown", "html", "junit"):
        shown = _visible(render(result, fmt))
        assert "2024-02-30" in shown and "unreadable" in shown, fmt
        hidden = _visible(render(masked, fmt))
        assert "unreadable" in hidden, fmt
        for raw in ("2024-02-30", "2024-04-31", "oops"):
            assert raw not in hidden, (fmt, raw)
    assert "2024-02-30" not in masked.to_json() and "oops" not in masked.to_json()


def test_float_tolerance_allows_for_the_rounding_of_the_operands(mysql, pg, unique_name):
    t = unique_name("fcent")
    mysql.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, v DOUBLE)",
        f"INSERT INTO {t} VALUES (1, 2919.00), (2, 2919.00), (3, 1e6), (4, 0.1)",
    )
    pg.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, v DOUBLE PRECISION)",
        f"INSERT INTO {t} VALUES (1, 2919.01), (2, 2919.02), (3, 1000000.01), (4, 0.11)",
    )
    # In binary, 2919.01 - 2919.00 is 0.010000000000218: still within abs_tol=0.01 as users read it.
    assert changed_ids(mysql, pg, t, column_rules={"v": ("float", {"abs_tol": 0.01})}) == [2]
