"""Key order tokens, bounded sample values and how reports show them (no servers)."""

from __future__ import annotations

import hashlib
from decimal import Decimal

import duckdb
import polars as pl
from hypothesis import given, settings
from hypothesis import strategies as st

from dbdiff.engine import build_plan
from dbdiff.options import DiffOptions
from dbdiff.presentation import _decimal_order_sql, _json_text, decimal_order_token
from dbdiff.report.display import display_value
from dbdiff.report.html_values import value_segments
from dbdiff.sources.duckdb import ArrowSource
from dbdiff.values import SAMPLE_VALUE_LIMIT, bound_value

_decimals = st.decimals(
    allow_nan=False, allow_infinity=False, places=4, min_value=-(10**25), max_value=10**25
)


def _canonical(d: Decimal) -> str:
    text = format(d.normalize(), "f")
    return "0" if text in ("-0", "0") else text


@settings(max_examples=60, deadline=None)
@given(st.lists(_decimals, min_size=1, max_size=30))
def test_decimal_order_token_sorts_like_the_numbers_in_polars_and_duckdb(values):
    texts = [_canonical(v) for v in values] + ["NaN", "Infinity", "-Infinity"]
    frame = pl.DataFrame({"k": texts})
    expected = sorted(texts, key=lambda t: (t == "NaN", Decimal(t) if t != "NaN" else 0))
    by_polars = frame.sort(decimal_order_token(pl.col("k")))["k"].to_list()
    by_duckdb = [
        r[0] for r in duckdb.sql(f"SELECT k FROM frame ORDER BY {_decimal_order_sql('k')}").fetchall()
    ]
    assert [Decimal(t) if t != "NaN" else t for t in by_polars] == [
        Decimal(t) if t != "NaN" else t for t in expected
    ]
    assert by_duckdb == by_polars


def test_short_values_stay_whole_and_long_ones_keep_a_window_length_and_digest():
    assert bound_value("x" * SAMPLE_VALUE_LIMIT) == "x" * SAMPLE_VALUE_LIMIT
    assert bound_value(12) == 12 and bound_value(None) is None
    left = "a" * 5000 + "L" + "b" * 5000
    right = "a" * 5000 + "R" + "b" * 5000
    marker = bound_value(left, right)
    assert marker["truncated"] is True and marker["length"] == 10_001
    assert marker["sha256"] == hashlib.sha256(left.encode()).hexdigest()
    assert marker["offset"] == 4960 and marker["window"] == left[4960:5160]
    assert bound_value("z" * 2000)["offset"] == 0  # one-sided rows: from the start


def test_reports_show_a_bounded_value_as_its_window():
    left = "a" * 5000 + "L" + "b" * 5000
    right = "a" * 5000 + "R" + "b" * 5000
    lm, rm = bound_value(left, right), bound_value(right, left)
    shown = display_value(lm, 60)
    assert shown.startswith("… " + "a" * 40 + "L") and shown.endswith("(10,001 chars)")
    segments = value_segments(lm, rm)
    assert segments[0] == ("more", "(4,960 characters) … ")
    assert ("hl", "L") in segments and segments[-1][0] == "more"


def test_json_is_shown_with_sorted_keys_and_numbers_as_written():
    assert (
        _json_text('{"b": 1.10, "a": [1e2, 0.12345678901234567891]}')
        == '{"a":[1e2,0.12345678901234567891],"b":1.10}'
    )


def test_dates_and_keys_under_names_polars_reads_as_patterns_are_shown_as_read():
    """A user column named like "^...$" (a pattern to `pl.col` and to polars' own Series methods)
    still shows: sample rows of NULL keys with a date column so named, a far date as 'infinity',
    and a key rule's form of a key column so named."""
    import datetime as dt

    import pyarrow as pa

    from dbdiff.presentation import present_keys
    from dbdiff.samples import null_key_samples
    from dbdiff.values import frame_rows

    far = pl.Series([253402300800000000 * 2], dtype=pl.Int64).cast(pl.Datetime("us"))
    near = pl.Series([dt.datetime(2020, 1, 2)], dtype=pl.Datetime("us"))
    frame = pl.DataFrame({"^d.*$": far, "dx": near})
    assert frame_rows(frame) == [{"^d.*$": "infinity", "dx": dt.datetime(2020, 1, 2)}]
    table = pa.table({"^k.*$": pa.array([None], pa.int64()), "^d$": pa.array([dt.datetime(2020, 1, 2)])})
    assert null_key_samples(table, "left", ["^k.*$", "^d$"]) == [
        {"side": "left", "row": {"^k.*$": None, "^d$": "2020-01-02T00:00:00"}}
    ]
    source = ArrowSource({"t": pl.DataFrame({"^k.*$": [1], "v": [1]})}, primary_keys={"t": ["^k.*$"]})
    plan = build_plan(source, source, DiffOptions.from_keywords({"table": "t"}))
    keys = pl.DataFrame({"^k.*$": [7], "other": ["x"]})
    assert present_keys(keys, plan, ["^k.*$"], "left").to_dicts() == [{"^k.*$": 7, "other": "x"}]
