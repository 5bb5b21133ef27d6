"""Planning without IO: key choice, column pairing, chunk ranges, and the SQL they become."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dbdiff.catalog import Column, TableCatalog
from dbdiff.errors import ColumnError, KeyColumnError, RuleError
from dbdiff.plan import canonical_bound, choose_key, merge_boundaries, pair_columns, plan_chunks
from dbdiff.rules import load_rules
from dbdiff.sources.base import KeyRange, chunk_query, range_predicate
from dbdiff.sources.mysql import MySQLDialect
from dbdiff.sources.postgres_sql import PostgresDialect

INT = Column("id", "int", "integer", nullable=False)
NAME = Column("name", "varchar(20)", "string")


def schema(*columns: Column, pk: tuple[str, ...] = ("id",)) -> TableCatalog:
    return TableCatalog("t", columns, pk)


def test_key_defaults_to_the_left_primary_key_then_the_right():
    left, right = schema(INT, NAME), schema(INT, NAME, pk=())
    assert choose_key(left, right, None) == ["id"]
    assert choose_key(right, left, None) == ["id"]
    with pytest.raises(KeyColumnError, match="no key found"):
        choose_key(right, right, None)
    with pytest.raises(KeyColumnError, match="'nope' does not exist on the left and right side"):
        choose_key(left, left, ["nope"])


def test_columns_pair_case_insensitively_and_one_sided_columns_are_listed():
    left = schema(INT, NAME, Column("Extra", "int", "integer"))
    right = schema(INT, Column("NAME", "text", "string"), Column("other", "int", "integer"))
    rules = load_rules()
    keys, compared, only_left, only_right, _ = pair_columns(
        left, right, key=["id"], rules=rules, left_dialect="mysql", right_dialect="postgresql"
    )
    assert [k.name for k in keys] == ["id"]
    assert [(c.name, c.right.name) for c in compared] == [("name", "NAME")]
    assert (only_left, only_right) == (("Extra",), ("other",))
    with pytest.raises(ColumnError, match="neither side"):
        pair_columns(
            left, right, key=["id"], rules=rules, left_dialect="a", right_dialect="b", exclude=["zzz"]
        )


def test_a_type_pair_no_rule_covers_is_an_error_naming_both_types():
    left = schema(INT, Column("shape", "geometry", "other"))
    right = schema(INT, Column("shape", "bytea", "binary"))
    with pytest.raises(RuleError, match=r"'shape'.*geometry.*bytea") as info:
        pair_columns(
            left, right, key=["id"], rules=load_rules(), left_dialect="mysql", right_dialect="postgresql"
        )
    assert "--rules" in str(info.value) and "--exclude shape" in str(info.value)


def test_shared_boundaries_are_used_on_both_sides():
    tasks = plan_chunks([(10,), (20,)], [(10,), (20,)], shared=True)
    ranges = [(t.left.lower, t.left.upper) for t in tasks]
    assert ranges == [(None, (10,)), ((10,), (20,)), ((20,), None)]
    assert all(t.left == t.right for t in tasks)


def test_boundaries_shifted_by_a_row_do_not_make_tiny_chunks():
    # The right side lacks a row, so its every-Nth keys sit one later: no one-row chunks between.
    left = [(100,), (200,), (300,)]
    right = [(101,), (201,), (301,)]
    assert merge_boundaries(left, right) == [(101,), (201,), (301,)]


@given(
    left=st.lists(st.integers(0, 1000), unique=True).map(sorted),
    right=st.lists(st.integers(0, 1000), unique=True).map(sorted),
)
def test_merged_chunks_span_at_most_two_intervals_of_either_side(left, right):
    cuts = [c[0] for c in merge_boundaries([(v,) for v in left], [(v,) for v in right])]
    edges = [-1, *cuts, 10_000]
    for lo, hi in itertools.pairwise(edges):
        for bounds in (left, right):
            inside = [b for b in bounds if lo < b < hi]
            assert len(inside) <= 1  # so the chunk touches at most two intervals of that side


def test_own_boundaries_pair_chunk_i_with_chunk_i_and_pad_the_shorter_side():
    tasks = plan_chunks([("b",)], [("B",), ("m",), ("x",)], shared=False)
    assert len(tasks) == 4
    assert tasks[0].left == KeyRange(None, ("b",)) and tasks[0].right == KeyRange(None, ("B",))
    assert tasks[1].left == KeyRange(("b",), None)
    assert tasks[2].left.empty and tasks[3].left.empty
    assert tasks[3].right == KeyRange(("x",), None)


def test_no_boundaries_is_one_chunk():
    (task,) = plan_chunks([], [], shared=True)
    assert task.left == KeyRange(None, None)


def test_canonical_bounds_make_both_sides_comparable():
    dec = Column("d", "decimal(10,2)", "decimal")
    ts = Column("t", "timestamp", "timestamp")
    assert canonical_bound("1.10", dec) == Decimal("1.10") == canonical_bound(Decimal("1.1"), dec)
    aware = dt.datetime(2024, 1, 1, 12, tzinfo=dt.timezone(dt.timedelta(hours=2)))
    assert canonical_bound(aware, ts) == "2024-01-01 10:00:00.000000"
    assert canonical_bound("2024-01-01 10:00:00", ts) == "2024-01-01 10:00:00.000000"
    assert canonical_bound(dt.date(2024, 1, 2), Column("d", "date", "date")) == "2024-01-02"


def test_composite_range_predicate_is_lexicographic():
    key = [Column("a", "int", "integer"), Column("b", "varchar(5)", "string")]
    sql = range_predicate(PostgresDialect(), key, KeyRange((1, "x"), (2, "y")))
    assert sql == (
        '"a" IS NOT NULL AND "b" IS NOT NULL AND (("a" > 1) OR ("a" = 1 AND "b" >= \'x\')) '
        'AND (("a" < 2) OR ("a" = 2 AND "b" < \'y\'))'
    )
    assert range_predicate(PostgresDialect(), key, KeyRange.nothing()) == "1 = 0"


def test_literals_cannot_break_out_of_the_query():
    text = Column("k", "varchar(20)", "string")
    hostile = "x'; DROP TABLE t; --"
    pg = PostgresDialect().literal(hostile, text)
    assert pg == "'x''; DROP TABLE t; --'"
    my = MySQLDialect().literal(hostile + "\\", text)
    assert my.startswith("_utf8mb4 X'") and "DROP" not in my
    with pytest.raises(Exception, match="decimal"):
        PostgresDialect().literal("1; DROP TABLE t", Column("d", "numeric", "decimal"))


def test_chunk_query_reads_the_casts_of_the_dialect():
    columns = [INT, Column("amount", "decimal(12,2)", "decimal"), Column("at", "datetime(6)", "datetime")]
    sql = chunk_query(MySQLDialect(), "shop.orders", columns, [INT], KeyRange((5,), (9,)), "amount > 0")
    assert sql.startswith("SELECT `id`, CAST(`amount` AS CHAR) AS `amount`")
    # `id` is NOT NULL in the catalog, so no NULL test (MySQL would call a zero DATETIME NULL).
    assert "FROM `shop`.`orders` WHERE `id` >= 5 AND `id` < 9 AND (amount > 0)" in sql


def test_boundaries_query_sorts_the_native_column_and_casts_only_outside_the_window():
    # MariaDB resolves a window's ORDER BY name to a same-named SELECT alias: never put one beside it.
    from dbdiff.sources.base import boundaries_query

    key = [
        Column("t", "time", "time", nullable=False),
        Column("u", "bigint unsigned", "integer", unsigned=True),
    ]
    sql = boundaries_query(MySQLDialect(), "tbl", key, 10, None)
    inner = sql[sql.index("(SELECT") : sql.rindex(")")]
    assert "CAST" not in inner and "ORDER BY `t`, `u`" in inner
    assert sql.startswith("SELECT CAST(`t` AS CHAR) AS `t`, CAST(`u` AS CHAR) AS `u` FROM (")


@pytest.mark.parametrize(
    "value", [float("nan"), float("inf"), float("-inf"), Decimal("NaN"), Decimal("-Infinity")]
)
def test_mysql_places_non_finite_bounds_where_postgresql_sorts_them(value):
    key = [Column("x", "double", "float", nullable=False)]
    sql = range_predicate(MySQLDialect(), key, KeyRange((value,), None))
    below_all = value == float("-inf")
    assert sql == ("1 = 1" if below_all else "1 = 0")  # x >= -inf holds, x >= inf or NaN never
    upper = range_predicate(MySQLDialect(), key, KeyRange(None, (value,)))
    assert upper == ("1 = 0" if below_all else "1 = 1")
    pg = range_predicate(PostgresDialect(), key, KeyRange((value,), None))
    assert pg.startswith('"x" >= \'') and pg.endswith(("::float8", "::numeric"))


def test_nan_bounds_merge_last_as_postgresql_sorts_them():
    nan = float("nan")
    cuts = merge_boundaries([(1.0,), (nan,)], [(-1.0,), (float("inf"),), (nan,)])
    assert [c[0] for c in cuts][:-1] == sorted(c[0] for c in cuts[:-1]) and cuts[-1][0] != cuts[-1][0]
    assert merge_boundaries([(Decimal("NaN"),)], [(Decimal("1"),)])[-1][0].is_nan()


def test_boundaries_are_shared_only_within_one_ordering_class():
    from dbdiff.plan import ColumnPlan, boundaries_shareable
    from dbdiff.rules import RuleChoice

    def pair(left: str, right: str) -> ColumnPlan:
        choice = RuleChoice("r", "exact", {})
        return ColumnPlan("k", Column("k", left, left), Column("k", right, right), choice)

    assert boundaries_shareable([pair("integer", "decimal"), pair("datetime", "timestamp")])
    assert not boundaries_shareable([pair("integer", "boolean")])  # TINYINT(1) -5, 0, 2 vs false, true
    assert not boundaries_shareable([pair("date", "timestamp")])


@pytest.mark.parametrize(
    ("normalizer", "left", "right", "params", "merges"),
    [
        ("uuid", "char", "uuid", {}, True),  # 'A0EE...' and 'a0ee...' are one uuid
        ("uuid", "uuid", "uuid", {}, False),
        ("uuid", "binary", "uuid", {"swap": False}, False),
        ("integer", "integer", "integer", {}, False),
        ("decimal", "string", "decimal", {}, True),  # '1.0' and '1.00'
        ("boolean", "integer", "boolean", {}, True),  # 1 and 2 are both true
        ("text", "string", "string", {}, False),
        ("text", "string", "string", {"ignore_case": True}, True),
        ("text", "char", "string", {}, True),
        ("json", "json", "json", {}, True),
        ("timestamp", "datetime", "datetime", {"fsp": 0}, True),
    ],
)
def test_which_key_rules_may_merge_distinct_raw_keys(normalizer, left, right, params, merges):
    from dbdiff.plan import ColumnPlan, key_may_merge
    from dbdiff.rules import RuleChoice

    pair = ColumnPlan(
        "k",
        Column("k", left, left, fsp=6),
        Column("k", right, right, fsp=6),
        RuleChoice("r", normalizer, params),
    )
    assert key_may_merge(pair) is merges


def named(*names: str, pk: tuple[str, ...] = ("id",)) -> TableCatalog:
    return TableCatalog("t", tuple(Column(n, "int", "integer") for n in names), pk)


def pairs_of(left: TableCatalog, right: TableCatalog, **kwargs):
    return pair_columns(
        left, right, rules=load_rules(), left_dialect="mysql", right_dialect="postgresql", **kwargs
    )


def test_a_case_variant_pairs_only_by_its_exact_name():
    left = named("id", "email")
    for right in (named("id", "Email", "email"), named("id", "email", "Email")):
        _, compared, only_left, only_right, _ = pairs_of(left, right, key=["id"])
        assert [(c.left.name, c.right.name) for c in compared] == [("email", "email")]
        assert (only_left, only_right) == ((), ("Email",))
    # No exact partner and two candidates ignoring case: neither pairs, all are listed.
    _, compared, only_left, only_right, _ = pairs_of(
        named("id", "EMAIL"), named("id", "Email", "email"), key=["id"]
    )
    assert compared == () and only_left == ("EMAIL",) and only_right == ("Email", "email")


def test_user_names_resolve_exactly_then_unambiguously_ignoring_case():
    left, right = named("id", "Email", "email"), named("id", "Email", "email")
    _, compared, _, _, _ = pairs_of(left, right, key=["ID"], columns=["Email"])
    assert [c.name for c in compared] == ["Email"]
    _, compared, _, _, _ = pairs_of(
        left, right, key=["id"], exclude=["email"], overrides={"Email": ("integer", {})}
    )
    assert [c.name for c in compared] == ["Email"]
    for kwargs in (
        {"columns": ["EMAIL"]},
        {"exclude": ["EMAIL"]},
        {"overrides": {"EMAIL": ("integer", {})}},
    ):
        with pytest.raises(ColumnError, match="'EMAIL' is ambiguous: it matches 'Email' and 'email'"):
            pairs_of(left, right, key=["id"], **kwargs)
    with pytest.raises(KeyColumnError, match="key column 'EMAIL' is ambiguous"):
        choose_key(left, right, ["EMAIL"])
    with pytest.raises(ColumnError, match="two rule overrides name column 'email'"):
        pairs_of(
            named("id", "email"),
            named("id", "email"),
            key=["id"],
            overrides={"email": ("integer", {}), "EMAIL": ("integer", {})},
        )
    with pytest.raises(KeyColumnError, match=r"'Email' does not exist on the left side \(it has 'email'"):
        choose_key(named("id", "email", "x"), named("id", "Email", "email", "x"), ["Email"])


def test_the_primary_key_pairs_like_any_column():
    # The right side's primary key is "ID"; the left has id and "Id": "ID" pairs with neither.
    with pytest.raises(KeyColumnError, match="no key found"):
        choose_key(named("id", "Id", pk=()), named("ID", pk=("ID",)), None)
    assert choose_key(named("id", pk=()), named("ID", pk=("ID",)), None) == ["id"]


@given(
    left=st.lists(st.sampled_from(["a", "A", "b", "B", "c", "ab", "Ab"]), unique=True),
    right=st.lists(st.sampled_from(["a", "A", "b", "B", "d", "ab", "AB"]), unique=True),
)
def test_every_column_is_paired_once_or_listed(left, right):
    from collections import Counter

    from dbdiff.plan import match_columns

    ls, rs = named(*left, pk=()), named(*right, pk=())
    matches = match_columns(ls, rs)
    assert sorted(m.left.name for m in matches if m.left) == sorted(left)
    assert sorted(m.right.name for m in matches if m.right) == sorted(right)
    lf, rf = Counter(n.lower() for n in left), Counter(n.lower() for n in right)
    for m in matches:
        if m.left and m.right and m.left.name != m.right.name:
            fold = m.left.name.lower()
            assert m.right.name.lower() == fold and lf[fold] == rf[fold] == 1
        elif m.left and not m.right:
            assert m.left.name not in right


def test_mysql_zero_and_partial_date_bounds_compare_on_postgresql():
    d = PostgresDialect()
    date = Column("d", "date", "date", nullable=False)
    ts = Column("t", "timestamp", "datetime", nullable=False)
    assert d.compare('"d"', ">=", "2020-01-00", date) == "\"d\" >= '2020-01-01'::date"
    assert d.compare('"d"', "<", "2020-00-00", date) == "\"d\" < '2020-01-01'::date"
    assert d.compare('"d"', "=", "0000-00-00", date) == "1 = 0"
    assert d.compare('"d"', ">", "0000-00-00", date) == "\"d\" >= '0001-01-01'::date"
    assert d.compare('"t"', "<", "2020-02-31 10:00:00", ts) == "\"t\" < '2020-03-01 00:00:00'::timestamp"
    assert d.compare('"t"', ">=", "9999-12-32 00:00:00", ts) == "\"t\" >= 'infinity'::timestamp"
    assert d.compare('"d"', ">=", "2020-02-29", date) == "\"d\" >= '2020-02-29'::date"
    assert d.compare('"d"', ">=", "-infinity", date) == "\"d\" >= '-infinity'::date"
