"""--mask: reports carry keyed hashes of sensitive columns, never their values."""

from __future__ import annotations

import json
import re

import polars as pl
import pytest

import dbdiff
from dbdiff.cli import main
from dbdiff.demo import build_demo
from dbdiff.errors import ColumnError
from dbdiff.report import RENDERERS, render
from dbdiff.sources.duckdb import ArrowSource

LEFT = pl.DataFrame({"id": [1, 2, 3], "email": ["a@x.org", "b@x.org", "c@x.org"], "n": [1, 2, 3]})
RIGHT = pl.DataFrame({"id": [1, 2, 4], "email": ["a@x.org", "B@x.org", "d@x.org"], "n": [1, 2, 4]})


def sources() -> tuple[ArrowSource, ArrowSource]:
    return (
        ArrowSource({"t": LEFT}, primary_keys={"t": ["id"]}),
        ArrowSource({"t": RIGHT}, primary_keys={"t": ["id"]}),
    )


def test_masked_values_appear_in_no_report():
    result = dbdiff.diff(*sources(), table="t", mask=["EMAIL"])
    table = result.table()
    assert table.summary.changed == 1 and table.summary.only_left == 1
    change = table.samples.changed[0]["diffs"]["email"]
    assert re.fullmatch(r"masked:[0-9a-f]{12}", change["left"])
    assert change["left"] != change["right"]  # still visibly different
    assert table.samples.only_left[0]["row"]["n"] == 3  # other columns untouched
    for fmt in RENDERERS:
        text = render(result, fmt)
        for value in ("a@x.org", "b@x.org", "B@x.org", "c@x.org", "d@x.org"):
            assert value not in text, (fmt, value)
    assert result.options["mask"] == ["EMAIL"]
    # The drill-down stays local and unmasked.
    assert result.changed()["email_right"].to_list() == ["B@x.org"]


def test_hashes_are_keyed_per_run():
    one = dbdiff.diff(*sources(), table="t", mask=["email"]).table().samples.changed[0]
    two = dbdiff.diff(*sources(), table="t", mask=["email"]).table().samples.changed[0]
    assert one["diffs"]["email"] != two["diffs"]["email"]


def test_masking_a_key_column_masks_the_keys_too():
    table = dbdiff.diff(*sources(), table="t", mask=["id"]).table()
    assert all(
        str(s["key"]["id"]).startswith("masked:") for s in table.samples.changed + table.samples.only_left
    )


def test_an_unknown_masked_column_fails_before_reading():
    with pytest.raises(ColumnError, match="--mask names column 'mail'"):
        dbdiff.diff(*sources(), table="t", mask=["mail"])


def test_cli_mask_on_diff(tmp_path, capsys):
    left, right = build_demo(tmp_path)
    out = tmp_path / "r.json"
    with pytest.raises(SystemExit) as code:
        main(
            [
                "diff",
                f"sqlite:///{left}",
                f"duckdb:///{right}",
                "--table",
                "orders",
                "--mask",
                "customer,note",
                "--json",
                str(out),
                "--quiet",
            ]
        )
    assert code.value.code == 1
    text = out.read_text()
    assert "Ada Lovelace" not in text and "leave at door" not in text
    report = json.loads(text)
    assert report["tables"][0]["samples"]["changed"]


def test_masked_values_stay_out_of_validation_examples_and_aggregates():
    import pandera.polars as pa

    left = pl.DataFrame(
        {
            "id": [1, 2, 3, 4],
            "email": ["a@x.com", "a@x.com", "zz@x.com", "b@x.com"],
            "code": ["c", "c", "d", "e"],
            "amount": [1, 2, -3, 4],
        }
    )
    right = left.with_columns(
        pl.when(pl.col("id") == 4).then(pl.lit("zzz@secret.com")).otherwise(pl.col("email")).alias("email")
    )
    schema = pa.DataFrameSchema(
        {"email": pa.Column(str), "code": pa.Column(str), "amount": pa.Column(int)},
        unique=["code", "email"],
        checks=[pa.Check(lambda data: data.lazyframe.select(pl.col("amount") >= 0), name="non_negative")],
    )
    result = dbdiff.diff(
        ArrowSource({"t": left}, primary_keys={"t": ["id"]}),
        ArrowSource({"t": right}, primary_keys={"t": ["id"]}),
        table="t",
        schema=schema,
        aggregate=["email"],
        mask=["email"],
    )
    checks = {f.check for f in result.table().validation.failures}
    assert {"multiple_fields_uniqueness", "aggregate_max", "non_negative"} <= checks
    aggregate = next(f for f in result.table().validation.failures if f.check == "aggregate_max")
    assert set(aggregate.examples[0]["value"]) == {"left", "right"}  # which side still shows
    assert result.table().stats["aggregates"]["email"]["left"]["count"] == 4
    for fmt in RENDERERS:
        text = render(result, fmt)
        assert "@x.com" not in text and "secret.com" not in text, fmt


def test_validate_refuses_an_unknown_masked_column_before_reading():
    class Unreadable(ArrowSource):
        def read_chunk(self, *args, **kwargs):
            raise AssertionError("no row may be read before --mask is checked")

    source = Unreadable({"t": LEFT}, primary_keys={"t": ["id"]})
    with pytest.raises(ColumnError, match="--mask names column 'mail'"):
        dbdiff.validate(source, table="t", mask=["mail"])
