"""Incremental windows without servers: the options, the key lists, and a window over Arrow tables.

The real-server behaviour (MariaDB and PostgreSQL timestamps, zones, key literals) is in
tests/integration/test_window_servers.py.
"""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest
from click.testing import CliRunner

import dbdiff
from dbdiff.catalog import Column
from dbdiff.cli import cli
from dbdiff.dialects import get_dialect
from dbdiff.engine import window as window_module
from dbdiff.errors import ColumnError, UsageError
from dbdiff.options import DiffOptions
from dbdiff.sources.base import key_set_predicate
from dbdiff.sources.duckdb import ArrowSource
from dbdiff.timewindow import parse_duration, parse_since, shown_duration

UTC = dt.timezone.utc


@pytest.mark.parametrize(
    ("text", "seconds"),
    [("90s", 90), ("15m", 900), ("15 min", 900), ("2h", 7200), ("1d", 86400), ("1w", 604800), ("30S", 30)],
)
def test_durations(text, seconds):
    assert parse_duration(text, "--since") == dt.timedelta(seconds=seconds)


def test_since_takes_a_duration_or_an_instant():
    assert parse_since("15m") == dt.timedelta(minutes=15)
    assert parse_since("2026-12-01T14:00:00") == dt.datetime(2026, 12, 1, 14, tzinfo=UTC)  # UTC
    assert parse_since("2026-12-01T14:00:00Z") == dt.datetime(2026, 12, 1, 14, tzinfo=UTC)
    assert parse_since("2026-12-01 15:00:00+01:00") == dt.datetime(2026, 12, 1, 14, tzinfo=UTC)
    assert parse_since(dt.timedelta(hours=1)) == dt.timedelta(hours=1)
    assert (
        shown_duration(dt.timedelta(seconds=900)) == "15m"
        and shown_duration(dt.timedelta(seconds=45)) == "45s"
    )
    assert shown_duration(dt.datetime(2026, 12, 1, 14)) == "2026-12-01T14:00:00Z"


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"since": "15m"}, "--since needs --updated-column"),
        (
            {"since": "yesterday", "updated_column": "u"},
            "--since takes a duration (90s, 15m, 2h, 1d) or an ISO",
        ),
        ({"since": "0s", "updated_column": "u"}, "--since must be longer than zero"),
        ({"since": dt.timedelta(minutes=-5), "updated_column": "u"}, "--since must be longer than zero"),
        ({"since": "15m", "updated_column": "u", "min_age": "-1s"}, "--min-age takes a duration"),
        ({"since": "15m", "updated_column": "u", "min_age": "soon"}, "--min-age takes a duration"),
        ({"min_age": "30s"}, "--min-age needs --since"),
    ],
)
def test_bad_window_options_are_one_usage_error(options, message):
    with pytest.raises(UsageError) as caught:
        DiffOptions(table="t", **options)
    assert message in caught.value.message


def test_window_options_show_only_when_set():
    plain = DiffOptions(table="t").public()
    assert not {"since", "updated_column", "min_age"} & set(plain)
    shown = DiffOptions(table="t", since=dt.timedelta(minutes=15), updated_column="u", min_age="30s").public()
    assert (shown["since"], shown["updated_column"], shown["min_age"]) == ("15m", "u", "30s")
    # --updated-column alone (a check file's defaults) is no window
    assert DiffOptions(table="t", updated_column="u").window_since() is None


def test_cli_offers_the_window_on_diff_and_explain(tmp_path):
    runner = CliRunner()
    for command in ("diff", "explain"):
        text = runner.invoke(cli, [command, "--help"]).output
        assert "--since DURATION|TIMESTAMP" in text and "--updated-column COL" in text and "--min-age" in text
    assert "--since" not in runner.invoke(cli, ["validate", "--help"]).output
    db = f"sqlite:///{tmp_path / 'x.db'}"
    result = runner.invoke(
        cli, ["diff", db, db, "--table", "t", "--since", "15 parsecs", "--updated-column", "u"]
    )
    assert result.exit_code == 2, result.output
    errors = [line for line in result.output.splitlines() if line.startswith("dbdiff: error")]
    assert errors == [
        "dbdiff: error: --since takes a duration (90s, 15m, 2h, 1d) or an ISO timestamp, not '15 parsecs' "
        "(e.g. --since 15m or --since 2026-12-01T14:00:00Z)"
    ], result.output


def test_key_lists_quote_every_value_as_data():
    duck = get_dialect("duckdb")
    key = [Column("name", "VARCHAR", "string"), Column("n", "INTEGER", "integer")]
    sql = key_set_predicate(duck, key, [("O'Brien", 1), ("x'); DROP TABLE t; --", 2)])
    assert sql == """("name", "n") IN (('O''Brien', 1), ('x''); DROP TABLE t; --', 2))"""
    assert key_set_predicate(duck, key[1:], []) == "1 = 0"
    mysql = get_dialect("mysql")
    one = key_set_predicate(mysql, [Column("id", "varchar(9)", "string")], [("a'b",)])
    assert one == "`id` IN (_utf8mb4 X'612762')"
    many = key_set_predicate(duck, key[1:], [(i,) for i in range(1500)])
    assert (
        many.startswith('("n" IN (0, 1, ') and many.count(" IN (") == 2 and ', 998) OR "n" IN (999, ' in many
    )
    # A NaN bound cannot be a MySQL value: that key selects nothing there and is left out.
    floats = key_set_predicate(mysql, [Column("f", "double", "float")], [(float("nan"),), (1.5,)])
    assert floats == "`f` IN (1.5)"


def ago(**delta: float) -> dt.datetime:
    """An instant that long before now (taken when the test runs, not when the suite was collected)."""
    return dt.datetime.now(UTC).replace(tzinfo=None) - dt.timedelta(**delta)


def sources(left: dict, right: dict, key: list[str]) -> tuple[ArrowSource, ArrowSource]:
    return (
        ArrowSource({"t": pl.DataFrame(left)}, primary_keys={"t": key}),
        ArrowSource({"t": pl.DataFrame(right)}, primary_keys={"t": key}),
    )


def orders() -> tuple[ArrowSource, ArrowSource]:
    left = {
        "id": [1, 2, 3, 4, 5, 6, 7],
        "v": ["a", "b", "c", "d", "e", "f", "g"],
        "u": [ago(hours=2), ago(minutes=5), ago(hours=2), ago(hours=2), ago(minutes=5), None, None],
    }
    right = {
        "id": [1, 2, 3, 4, 6, 7, 8],
        "v": ["a", "B", "C", "D", "F", "G", "h"],
        "u": [
            ago(hours=2),
            ago(minutes=5),
            ago(hours=2),
            ago(seconds=3),
            ago(minutes=1),
            None,
            ago(minutes=2),
        ],
    }
    return sources(left, right, ["id"])


def test_a_window_over_arrow_tables():
    left, right = orders()
    table = dbdiff.diff(left, right, table="t", since="15m", updated_column="u", min_age="30s").table()
    changed = sorted(s["key"]["id"] for s in table.samples.changed)
    assert changed == [2, 6]  # 3 changed outside the window, 4 in flight, 7 NULL on both sides
    assert [s["key"]["id"] for s in table.samples.only_left] == [5]  # deleted on the right
    assert [s["key"]["id"] for s in table.samples.only_right] == [8]
    window = dict(table.window)
    assert (window["keys_left"], window["keys_right"], window["keys_compared"], window["in_flight"]) == (
        2,
        4,
        4,
        1,
    )
    assert (table.summary.rows_left, table.summary.rows_right) == (3, 3)


def test_a_window_on_a_composite_key_with_quotes_and_a_where():
    left = {"k": ["it's", "b", "c"], "n": [1, 2, 3], "v": [1, 2, 3], "u": [ago(minutes=1)] * 3}
    right = {**left, "v": [10, 2, 30]}
    a, b = sources(left, right, ["k", "n"])
    table = dbdiff.diff(a, b, table="t", since="15m", updated_column="u", where="n < 3").table()
    assert [s["key"] for s in table.samples.changed] == [{"k": "it's", "n": 1}]
    assert table.window["keys_compared"] == 2


def test_window_errors():
    left, right = orders()
    with pytest.raises(ColumnError, match="--updated-column 'v' is varchar on the left side"):
        dbdiff.diff(left, right, table="t", since="15m", updated_column="v")
    with pytest.raises(ColumnError, match="--updated-column 'updated' does not exist on the left side"):
        dbdiff.diff(left, right, table="t", since="15m", updated_column="updated")


def test_a_window_above_the_key_cap_stops(monkeypatch):
    monkeypatch.setattr(window_module, "KEY_CAP", 2)
    left, right = orders()
    with pytest.raises(UsageError, match="the window holds 5 keys, more than the 2"):
        dbdiff.diff(left, right, table="t", since="15m", updated_column="u")


def test_a_window_on_a_key_that_is_not_unique_counts_in_the_source():
    """--key g with duplicates: a side's rows are not its keys, so the source counts them (the
    built-in row-count check would fail otherwise)."""
    rows = {
        "g": [1, 1, 2, 3],
        "v": [1, 2, 3, 4],
        "u": [ago(minutes=1), ago(hours=3), ago(hours=3), ago(minutes=2)],
    }
    left = ArrowSource({"t": pl.DataFrame(rows)})
    right = ArrowSource({"t": pl.DataFrame({**rows, "v": [1, 2, 3, 40]})})
    table = dbdiff.diff(left, right, table="t", key=["g"], since="15m", updated_column="u").table()
    assert {f.check for f in table.validation.failures} == {"key_unique"}  # and no row-count failure
    assert (table.summary.rows_left, table.summary.rows_right) == (3, 3)
    assert table.summary.duplicate_keys_left == 1 and table.window["keys_compared"] == 2


def test_a_big_window_is_cut_into_chunks_only_on_keys_ordered_alike():
    """Chunks cut from the window's keys need an order both sides share: numbers yes, text no."""
    u = [ago(minutes=1)] * 2500
    numbers = {"id": list(range(2500)), "v": [1] * 2500, "u": u}
    left, right = sources(numbers, {**numbers, "v": [1] * 2499 + [2]}, ["id"])
    cut = dbdiff.diff(left, right, table="t", since="15m", updated_column="u", workers=2).table()
    assert cut.stats["chunks"] == 2 and cut.summary.changed == 1 and cut.summary.matched == 2500
    texts = {**numbers, "id": [f"k{i}" for i in range(2500)]}
    left, right = sources(texts, {**texts, "v": [1] * 2499 + [2]}, ["id"])
    whole = dbdiff.diff(left, right, table="t", since="15m", updated_column="u", workers=2).table()
    assert whole.stats["chunks"] == 1 and whole.summary.changed == 1 and whole.summary.matched == 2500


def test_the_updated_column_may_have_another_name_on_the_right():
    """A renamed column (--map UpdatedAt=updated_at) is found through its pair."""
    u = [ago(minutes=1), ago(hours=3)]
    left = ArrowSource(
        {"t": pl.DataFrame({"id": [1, 2], "v": [1, 2], "UpdatedAt": u})}, primary_keys={"t": ["id"]}
    )
    right = ArrowSource(
        {"t": pl.DataFrame({"id": [1, 2], "v": [10, 20], "updated_at": u})}, primary_keys={"t": ["id"]}
    )
    table = dbdiff.diff(
        left, right, table="t", map={"UpdatedAt": "updated_at"}, since="15m", updated_column="UpdatedAt"
    ).table()
    assert [s["key"]["id"] for s in table.samples.changed] == [1] and table.window["keys_right"] == 1
