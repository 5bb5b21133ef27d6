"""A window whose min_age is as long as its since: every row written in it is in flight."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

import dbdiff
from dbdiff.errors import UsageError
from dbdiff.options import DiffOptions
from dbdiff.sources.duckdb import ArrowSource


def test_a_min_age_not_shorter_than_since_is_a_usage_error():
    """--since 30s --min-age 1m compares nothing, ever: a monitor would pass forever, silently."""
    with pytest.raises(UsageError) as caught:
        DiffOptions(table="t", since="30s", updated_column="u", min_age="1m")
    assert "--min-age 1m must be shorter than --since 30s" in caught.value.message
    with pytest.raises(UsageError):
        DiffOptions(table="t", since="1m", updated_column="u", min_age="60s")
    DiffOptions(table="t", since="61s", updated_column="u", min_age="1m")  # a 1-second window is fine


def test_a_since_timestamp_inside_min_age_is_a_usage_error():
    """With a timestamp `since` the window's instants are known only at run time: checked there."""
    now = dt.datetime.now(dt.timezone.utc).replace(tzinfo=None)
    frame = pl.DataFrame({"id": [1], "v": [1], "u": [now - dt.timedelta(seconds=10)]})
    left = ArrowSource({"t": frame}, primary_keys={"t": ["id"]})
    right = ArrowSource({"t": frame.with_columns(v=pl.lit(2))}, primary_keys={"t": ["id"]})
    since = (now - dt.timedelta(seconds=20)).isoformat()
    with pytest.raises(UsageError, match=r"the window from .* holds no row older than --min-age 1m"):
        dbdiff.diff(left, right, table="t", since=since, updated_column="u", min_age="1m")
