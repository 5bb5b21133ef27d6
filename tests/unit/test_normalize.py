"""Each normalizer on its own, on Arrow/polars values shaped as the sources deliver them."""

from __future__ import annotations

import datetime as dt
import json
from decimal import Decimal

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from dbdiff.catalog import Column
from dbdiff.errors import RuleError
from dbdiff.jsontext import _canonical_json_deep, canonical_json
from dbdiff.normalize import NORMALIZERS, get_normalizer


def col(native: str, family: str, **kw) -> Column:
    return Column(name="v", native_type=native, family=family, **kw)


def norm(name: str, values, column: Column, dtype=None, **params):
    """Normalize `values` (a polars Series) with resolved default parameters plus `params`."""
    n = get_normalizer(name)
    series = pl.Series("v", values, dtype=dtype)
    resolved = n.resolve_params(column, column, params)
    return pl.DataFrame([series]).select(n.convert(pl.col("v"), column, series.dtype, resolved)).to_series()


def same(
    name: str, left, right, lcol: Column, rcol: Column, ldtype=None, rdtype=None, **params
) -> list[bool]:
    """Per row: do `left` and `right` compare equal under normalizer `name`?"""
    n = get_normalizer(name)
    resolved = n.resolve_params(lcol, rcol, params)
    ls, rs = pl.Series("l", left, dtype=ldtype), pl.Series("r", right, dtype=rdtype)
    frame = pl.DataFrame([ls, rs]).select(
        n.convert(pl.col("l"), lcol, ls.dtype, resolved).alias("l"),
        n.convert(pl.col("r"), rcol, rs.dtype, resolved).alias("r"),
    )
    return frame.select(n.equal(pl.col("l"), pl.col("r"), resolved).fill_null(False)).to_series().to_list()


def test_every_normalizer_is_documented_with_an_example():
    for n in NORMALIZERS.values():
        assert n.doc and "Example" in n.doc, n.name


def test_boolean_from_tinyint_bit_and_text():
    t1, b = col("tinyint(1)", "integer"), col("boolean", "boolean")
    assert same("boolean", [1, 0, None, 2, 1], [True, False, None, True, False], t1, b) == [
        True,
        True,
        True,
        True,
        False,
    ]
    assert norm("boolean", [b"\x01", b"\x00"], col("bit(1)", "bit")).to_list() == [True, False]
    assert norm("boolean", ["t", "0", None], col("text", "string")).to_list() == [True, False, None]
    with pytest.raises(pl.exceptions.PolarsError, match="maybe"):
        norm("boolean", ["t", "maybe"], col("text", "string"))


def test_integer_exact_across_widths_and_above_2_63():
    u = col("bigint(20) unsigned", "integer", unsigned=True)
    n = col("numeric(20,0)", "decimal")
    big = 2**64 - 1
    assert same("integer", [big, 2**63], [str(big), str(2**63)], u, n, ldtype=pl.UInt64) == [True, True]
    assert same("integer", ["9007199254740993"], ["9007199254740992"], u, n) == [False]
    i8 = col("tinyint(4)", "integer")
    assert same("integer", [-5], [-5], i8, col("smallint", "integer"), ldtype=pl.Int8, rdtype=pl.Int16) == [
        True
    ]


def test_decimal_exact_at_any_precision():
    d = col("decimal(65,30)", "decimal")
    wide = "12345678901234567890.123456789012345678901234567890"
    assert same(
        "decimal",
        ["1.10", "-0.50", "0.00", wide, "1.0000000001"],
        ["1.1", "-0.5", "-0", wide, "1.0000000002"],
        d,
        d,
    ) == [
        True,
        True,
        True,
        True,
        False,
    ]
    assert same("decimal", [wide], [wide[:-1] + "1"], d, d) == [False]
    assert same("decimal", [Decimal("1.10")], ["1.1"], d, d, ldtype=pl.Decimal(38, 10)) == [True]
    assert same("decimal", ["NaN", "Infinity"], ["NaN", "1"], d, d) == [True, False]
    # 'inf' is another spelling of PostgreSQL's Infinity; digits other than ASCII are no decimal.
    assert same("decimal", ["inf", "-inf", "+inf"], ["Infinity", "-Infinity", "Infinity"], d, d) == [True] * 3
    for digit in ("\u0663", "\uff11"):  # Arabic-Indic three, full-width one
        with pytest.raises(pl.exceptions.PolarsError, match="not a decimal"):
            norm("decimal", [digit], d)
    with pytest.raises(pl.exceptions.PolarsError, match="not a decimal: 12,5"):
        norm("decimal", ["1", "12,5"], d)


def test_float_at_the_less_precise_side_and_opt_in_tolerance():
    f, dbl = col("float", "float", precision=24), col("double precision", "float", precision=53)
    widened = float(pl.Series([0.1], dtype=pl.Float32).cast(pl.Float64)[0])
    assert same("float", [widened, widened, widened], [0.1, widened, 0.1000001], f, dbl) == [
        True,
        True,
        False,
    ]
    assert same(
        "float", [0.1 + 0.2, -0.0, float("nan"), None], [0.3, 0.0, float("nan"), float("nan")], dbl, dbl
    ) == [
        False,
        True,
        True,
        False,
    ]
    assert same("float", [10.0, 1.0], [10.004, 1.2], dbl, dbl, abs_tol=0.01) == [True, False]
    assert same("float", [1e9, 1.0], [1e9 + 1, 1.1], dbl, dbl, rel_tol=1e-6) == [True, False]
    with pytest.raises(RuleError, match="must not be negative"):
        get_normalizer("float").check_params({"abs_tol": -1.0})


def test_text_strict_by_default_lenient_by_choice():
    v, c = col("varchar(10)", "string"), col("char(5)", "char")
    assert same("text", ["abc", "ab ", "", "é"], ["ABC", "ab", None, "e\u0301"], v, v) == [
        False,
        False,
        False,
        False,
    ]
    assert same("text", ["ab"], ["ab   "], c, c) == [True]
    assert same("text", ["abc", "ab "], ["ABC", "ab"], v, v, ignore_case=True, rstrip=True) == [True, True]
    assert same("text", [""], [None], v, v, empty_as_null=True) == [True]
    assert same("text", [" x "], ["x"], v, v, trim=True) == [True]
    assert norm("text", [b"abc"], v).to_list() == ["abc"]  # *_bin text may arrive as bytes


def test_set_as_sets():
    s, a = col("set('a','b','c')", "set"), col("text[]", "array")
    assert same("set", ["a,c", "", "a", None, ""], [["c", "a"], [], ["a", "b"], None, None], s, a) == [
        True,
        True,
        False,
        True,
        False,
    ]


@pytest.mark.parametrize(
    ("left", "right", "equal"),
    [
        ('{"b":1,"a":[1,2]}', '{"a": [1, 2], "b": 1}', True),
        ('{"a":1.10}', '{"a": 1.1}', True),
        ("1e2", "100", True),
        ("-0", "0", True),
        ('{"a":1}', '{"a": "1"}', False),
        ("[1,2]", "[2,1]", False),
        ('{"a":1,"a":2}', '{"a": 2}', True),
        ('{"n":0.12345678901234567891}', '{"n": 0.12345678901234567890}', False),
        ("123456789012345678901234567890", "123456789012345678901234567891", False),
        ("true", "1", False),
        ("null", '"null"', False),
        ("[]", "{}", False),
        ('"caf\\u00e9"', '"café"', True),
    ],
)
def test_canonical_json(left, right, equal):
    assert (canonical_json(left) == canonical_json(right)) is equal


@given(
    st.recursive(
        st.none()
        | st.booleans()
        | st.integers()
        | st.text(max_size=5)
        | st.decimals(allow_nan=False, allow_infinity=False).map(str),
        lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=3), inner, max_size=4),
        max_leaves=20,
    ),
    st.sampled_from(["", " ", "\n "]),
)
def test_the_deep_json_parser_agrees_with_the_fast_one(value, space):
    text = json.dumps(value, separators=("," + space, ":" + space))
    assert _canonical_json_deep(text) == canonical_json(text)


@pytest.mark.parametrize(
    "text", ["[1,]", '{"a" 1}', "[1 2]", "tru", "[1]x", "", "NaN", "01", '{"a":1,}', "[-]"]
)
def test_the_deep_json_parser_rejects_what_the_fast_one_rejects(text):
    with pytest.raises(ValueError):
        canonical_json(text)
    with pytest.raises(ValueError):
        _canonical_json_deep(text)


def test_json_nested_deeper_than_python_recursion_is_canonicalized():
    deep = '{"b": 1, "a": ' * 5000 + "[1.50, {}]" + "}" * 5000
    assert canonical_json(deep) == '{"a":' * 5000 + "[15e-1,{}]" + ',"b":1}' * 5000
    with pytest.raises(ValueError, match="not valid JSON"):
        canonical_json("[" * 5000)


def test_json_fails_loudly_on_invalid_text():
    with pytest.raises((pl.exceptions.PolarsError, ValueError), match="not valid JSON"):
        norm("json", ['{"a":1}', "{oops"], col("json", "json"))
    assert norm("json", [None, "[1, 2.50]"], col("json", "json")).to_list() == [None, "[1,25e-1]"]


def test_binary_padding_is_data_unless_stripped():
    b4, by = col("binary(4)", "binary", length=4, fixed=True), col("bytea", "binary")
    assert same("binary", [b"ab\x00\x00", b"ab\x00"], [b"ab\x00\x00", b"ab"], b4, by) == [True, False]
    assert same("binary", [b"ab\x00\x00", b"\x00"], [b"ab", b""], b4, by, strip_zero_padding=True) == [
        True,
        True,
    ]


def test_bit_as_unsigned_integers():
    m, p = col("bit(10)", "bit", length=10), col("bit(10)", "bit", length=10)
    assert same("bit", [513, 1], ["1000000001", "0000000011"], m, p, ldtype=pl.UInt64) == [True, False]
    assert norm("bit", [b"\x02\x01"], m).to_list() == [513]
    assert norm("bit", ["1" * 64], p).to_list() == [2**64 - 1]


def test_uuid_text_binary_and_swapped():
    c, u, b = col("char(36)", "char"), col("uuid", "uuid"), col("binary(16)", "binary", length=16)
    text = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    assert same("uuid", [text.upper(), "{" + text.replace("-", "") + "}"], [text, text], c, u) == [True, True]
    plain = bytes.fromhex(text.replace("-", ""))
    swapped = bytes.fromhex("4ef89c0ba0eebc99bb6d6bb9bd380a11")
    assert same("uuid", [plain, swapped], [text, text], b, u) == [True, False]
    assert same("uuid", [plain, swapped], [text, text], b, u, swap=True) == [False, True]


def test_uuid_rule_compares_text_that_is_no_uuid_as_it_is():
    v, c, u = col("varchar(60)", "string"), col("char(60)", "char"), col("uuid", "uuid")
    text = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    left = [" x", "", "x", "x  ", f" {text.upper()} ", None, ""]
    right = ["x", " ", "X", "x", text, None, None]
    assert same("uuid", left, right, v, u) == [False, False, False, False, True, True, False]
    # A CHAR column's trailing padding is no difference; a VARCHAR's trailing space is one.
    assert same("uuid", ["x  ", " x"], ["x", "x"], c, v) == [True, False]


def test_uuid_text_under_a_column_name_polars_reads_as_a_pattern():
    text = "a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11"
    for values in ([text, None], [text.upper(), "no"]):
        series = pl.Series("^v.*$", values)
        converted = pl.DataFrame([series]).select(
            get_normalizer("uuid").convert(pl.nth(0), col("char(36)", "char"), pl.String, {"swap": False})
        )
        assert converted.to_series().to_list() == [text, None if values[1] is None else "not a uuid: no"]


def test_dates_and_zero_dates():
    d = col("date", "date")
    assert norm("date", ["2024-02-29", "0000-00-00", "2024-02-00", None], d).to_list() == [
        dt.date(2024, 2, 29),
        None,
        None,
        None,
    ]
    with pytest.raises(pl.exceptions.PolarsError):
        norm("date", ["0000-00-00"], d, zero_date="error")
    with pytest.raises(RuleError, match="zero_date"):
        get_normalizer("date").check_params({"zero_date": "zero"})


def test_timestamps_as_utc_instants_at_the_coarser_precision():
    naive, zoned = col("datetime", "datetime", fsp=6), col("timestamptz", "timestamp", fsp=6)
    instant = dt.datetime(2024, 6, 1, 12, tzinfo=dt.timezone.utc)
    utc = pl.Datetime("us", "UTC")
    assert same("timestamp", ["2024-06-01 12:00:00"], [instant], naive, zoned, rdtype=utc) == [True]
    hour_later = instant + dt.timedelta(hours=1)
    assert same("timestamp", ["2024-06-01 12:00:00"], [hour_later], naive, zoned, rdtype=utc) == [False]
    berlin = same(
        "timestamp",
        ["2024-06-01 12:00:00"],
        [instant - dt.timedelta(hours=2)],
        naive,
        zoned,
        rdtype=utc,
        assume_zone="Europe/Berlin",
    )
    assert berlin == [True]
    # Two naive sides are never shifted, so a DST gap time in the named zone is no error.
    assert same(
        "timestamp",
        ["2024-03-31 02:30:00"],
        [dt.datetime(2024, 3, 31, 2, 30)],
        naive,
        naive,
        assume_zone="Europe/Berlin",
    ) == [True]
    # Against a zoned side, wall times DST skips or repeats are read as PostgreSQL reads them:
    # the skipped 02:30 with the offset before the gap (+01:00), the repeated 02:30 as standard time.
    gap_and_repeat = norm(
        "timestamp",
        ["2024-03-31 02:30:00", "2024-10-27 02:30:00"],
        naive,
        assume_zone="Europe/Berlin",
        mixed_zones=True,
    )
    assert gap_and_repeat.to_list() == [dt.datetime(2024, 3, 31, 1, 30), dt.datetime(2024, 10, 27, 1, 30)]
    coarse = col("timestamp(0)", "datetime", fsp=0)
    assert same(
        "timestamp",
        ["2024-06-01 12:00:00.999999", "2024-06-01 12:00:00.4"],
        [dt.datetime(2024, 6, 1, 12, 0, 1), dt.datetime(2024, 6, 1, 12)],
        naive,
        coarse,
    ) == [False, True]
    assert same(
        "timestamp",
        ["2024-06-01 12:00:00.999999"],
        [dt.datetime(2024, 6, 1, 12, 0, 1)],
        naive,
        coarse,
        fsp_rounding="round",
    ) == [True]
    with pytest.raises(RuleError, match="not a time zone"):
        get_normalizer("timestamp").check_params({"assume_zone": "Nowhere/Land"})


def test_time_and_interval_as_signed_microseconds():
    t = col("time", "time")
    got = norm(
        "time", ["838:59:59", "-01:30:00", "24:00:00", "00:00:00.5", "93600000000 us", None], t
    ).to_list()
    assert got == [3_020_399_000_000, -5_400_000_000, 86_400_000_000, 500_000, 93_600_000_000, None]
    assert norm("time", [dt.time(12, 0)], t).to_list() == [43_200_000_000]
    with pytest.raises(pl.exceptions.PolarsError, match="1 mon"):
        norm("time", ["01:00:00", "1 mon"], t)


def test_wall_times_keep_their_microseconds_and_dst_after_2099():
    from dbdiff.normalize.temporal import _wall_time_to_utc

    walls = [
        dt.datetime(2024, 6, 1, 12, 0, 0, 123456),
        dt.datetime(2024, 3, 31, 2, 30, 0, 1),  # skipped hour: the offset before the gap
        dt.datetime(2100, 7, 1, 12),
        dt.datetime(2100, 10, 31, 2, 30),  # repeated hour: standard time
        dt.datetime(9999, 7, 1, 12),
        None,
    ]
    frame = pl.DataFrame({"v": walls}, schema={"v": pl.Datetime("us")})
    utc = frame.select(_wall_time_to_utc(pl.col("v"), "Europe/Berlin")).to_series().to_list()
    assert utc == [
        dt.datetime(2024, 6, 1, 10, 0, 0, 123456),
        dt.datetime(2024, 3, 31, 1, 30, 0, 1),
        dt.datetime(2100, 7, 1, 10),
        dt.datetime(2100, 10, 31, 1, 30),
        dt.datetime(9999, 7, 1, 10),
        None,
    ]


_DECIMAL_TEXTS = st.from_regex(r"\A\s?[+-]?[0-9]{0,4}(\.[0-9]{0,4})?\s?\Z") | st.sampled_from(
    ["NaN", "Infinity", "-Infinity", "-0", "0", "-0.0", ".", "-", ""]
)


@given(st.lists(st.none() | _DECIMAL_TEXTS, max_size=40))
@settings(max_examples=300, deadline=None)
def test_decimal_text_already_canonical_skips_the_steps_and_gives_what_they_give(texts):
    """The canonical-form check in front of the decimal steps only saves work: every text,
    canonical or not, comes out as the steps alone make it."""
    from dbdiff.normalize.numbers import _canonical_decimal_series, _canonical_decimal_steps

    series = pl.Series("a", texts, dtype=pl.String)
    assert _canonical_decimal_series(series).to_list() == _canonical_decimal_steps(series).to_list()


_SERVER_DECIMALS = st.from_regex(r"\A-?(0|[1-9][0-9]{0,3})(\.[0-9]{1,3}0{0,2})?\Z")


@given(st.lists(st.none() | _DECIMAL_TEXTS | _SERVER_DECIMALS, max_size=40))
@settings(max_examples=300, deadline=None)
def test_decimal_text_as_servers_print_it_takes_a_short_path_to_the_same_form(texts):
    """Text as a server prints a decimal ('12.30', '-0.00') is only stripped of its fraction's
    trailing zeros; it comes out as every step makes it, and text that is no decimal still fails."""
    from dbdiff.normalize.numbers import _canonical_decimal_steps, _decimal_text

    series = pl.Series("a", texts, dtype=pl.String)
    readable = series.str.strip_chars().str.contains(r"^[+-]?(\d+\.?\d*|\.\d+)$|^[+-]?(NaN|Infinity|inf)$")
    if not readable.fill_null(True).all():
        with pytest.raises(pl.exceptions.PolarsError, match="not a decimal"):
            _decimal_text(series)
        return
    expected = _canonical_decimal_steps(series.str.strip_chars()).to_list()
    assert _decimal_text(series).to_list() == expected
