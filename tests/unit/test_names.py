"""Pairing names across a migration: match keys, pairs, ambiguity, and the detected convention."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from dbdiff.names import MATCH_MODES, check_mode, detect_convention, name_key, pair_names, same_name


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("InvoiceLineID", "invoice_line_id"),
        ("invoice_line_id", "invoice_line_id"),
        ("UnitPrice", "unit_price"),
        ("unitPrice", "unit_price"),
        ("unit-price", "unit_price"),
        ("Unit Price", "unit_price"),
        ("URLPath", "url_path"),
        ("url_path", "url_path"),
        ("HTTPServer", "http_server"),
        ("ID", "id"),
        ("id", "id"),
        ("Id", "id"),
        ("ItemIDs", "item_ids"),  # a plural acronym keeps its s
        ("item_ids", "item_ids"),
        ("userID2", "user_id_2"),  # digits are a word of their own on both sides
        ("user_id2", "user_id_2"),
        ("user_id_2", "user_id_2"),
        ("Address2Line", "address_2_line"),
        ("md5Hash", "md_5_hash"),
        ("ÜberName", "über_name"),
        ("Straße", "strasse"),  # casefolded
        ("城市Name", "城市_name"),
        ("_id", "_id"),  # leading and trailing separators are part of the name
        ("id_", "id_"),
        ("___", "___"),
        ("", ""),
    ],
)
def test_convention_key(name, key):
    assert name_key(name, "convention") == key


def test_exact_and_case_keys():
    assert name_key("UnitPrice", "exact") == "UnitPrice"
    assert name_key("UnitPrice", "case") == "unitprice"
    assert name_key("STRASSE", "case") == name_key("straße", "case")
    assert name_key("UnitPrice", "case") != name_key("unit_price", "case")


def test_an_unknown_mode_is_refused_with_a_did_you_mean():
    with pytest.raises(ValueError, match=r"not 'convension' \(did you mean 'convention'\?\)"):
        check_mode("convension")
    with pytest.raises(ValueError):
        name_key("a", "loose")


def test_modes_pair_more_names_from_exact_to_convention():
    left, right = ["id", "ID2", "UnitPrice"], ["id", "id2", "unit_price"]
    assert pair_names(left, right, "exact") == [
        ("id", "id"),
        ("ID2", None),
        ("UnitPrice", None),
        (None, "id2"),
        (None, "unit_price"),
    ]
    assert pair_names(left, right, "case") == [
        ("id", "id"),
        ("ID2", "id2"),
        ("UnitPrice", None),
        (None, "unit_price"),
    ]
    assert pair_names(left, right, "convention") == [
        ("id", "id"),
        ("ID2", "id2"),
        ("UnitPrice", "unit_price"),
    ]


def test_exact_names_win_over_keys():
    # "ID" and "id" on the right: the left "id" takes its exact partner; "ID" pairs with nothing,
    # since its key is shared by two names on the right.
    assert pair_names(["id"], ["ID", "id"], "case") == [("id", "id"), (None, "ID")]
    assert pair_names(["ID", "id"], ["id"], "convention") == [("ID", None), ("id", "id")]


def test_two_names_with_one_key_pair_with_nothing_by_key():
    # Both left names map to unit_price: ambiguous, so neither pairs and all three are listed.
    assert pair_names(["UnitPrice", "unitPrice"], ["unit_price"], "convention") == [
        ("UnitPrice", None),
        ("unitPrice", None),
        (None, "unit_price"),
    ]
    # The same on the right side.
    assert pair_names(["UnitPrice"], ["unit_price", "unit-price"], "convention") == [
        ("UnitPrice", None),
        (None, "unit_price"),
        (None, "unit-price"),
    ]
    assert pair_names(["Email", "email"], ["EMAIL"], "case") == [
        ("Email", None),
        ("email", None),
        (None, "EMAIL"),
    ]


def test_a_mapping_wins_and_resolves_an_ambiguity():
    mapping = {"UnitPrice": "unit_price"}
    assert pair_names(["UnitPrice", "unitPrice"], ["unit_price"], "convention", mapping) == [
        ("UnitPrice", "unit_price"),
        ("unitPrice", None),
    ]
    # A mapping beats an exact name: the left "price" then has no partner.
    assert pair_names(["Cost", "price"], ["price"], "exact", {"Cost": "price"}) == [
        ("Cost", "price"),
        ("price", None),
    ]
    # Mapped names are out of the key counts: the unmapped "unitPrice" pairs by key alone.
    assert pair_names(
        ["UnitPrice", "unitPrice"], ["cost", "unit_price"], "convention", {"UnitPrice": "cost"}
    ) == [
        ("UnitPrice", "cost"),
        ("unitPrice", "unit_price"),
    ]


def test_pairs_come_in_left_order_then_the_right_leftovers():
    assert pair_names(["b", "a", "c"], ["z", "a", "b"], "exact") == [
        ("b", "b"),
        ("a", "a"),
        ("c", None),
        (None, "z"),
    ]


def test_detect_convention_is_the_strictest_mode_pairing_the_most():
    assert detect_convention(["orders", "items"], ["orders", "items"]) == "exact"
    assert detect_convention(["Orders", "items"], ["orders", "items"]) == "case"
    assert detect_convention(["InvoiceLine", "Customer"], ["invoice_line", "customer"]) == "convention"
    assert detect_convention(["a"], ["b"]) == "exact"
    assert detect_convention([], []) == "exact"


NAMES = st.text(alphabet="aAbB_1-É", min_size=1, max_size=6)


@given(left=st.lists(NAMES, unique=True, max_size=6), right=st.lists(NAMES, unique=True, max_size=6))
def test_every_name_is_paired_once_or_listed_and_pairs_share_a_key(left, right):
    for mode in MATCH_MODES:
        pairs = pair_names(left, right, mode)
        assert [a for a, _ in pairs if a is not None] == left
        assert sorted(b for _, b in pairs if b is not None) == sorted(right)
        tiers = MATCH_MODES[1 : MATCH_MODES.index(mode) + 1]
        for a, b in pairs:
            if a is not None and b is not None and a != b:
                # Paired by a key of some tier up to `mode`, unique among that tier's keys on both sides.
                assert any(
                    name_key(a, t) == name_key(b, t)
                    and [n for n in left if name_key(n, t) == name_key(a, t)] == [a]
                    and [n for n in right if name_key(n, t) == name_key(b, t)] == [b]
                    for t in tiers
                )
    # Looser modes never pair fewer names.
    counts = [sum(1 for a, b in pair_names(left, right, m) if a and b) for m in MATCH_MODES]
    assert counts == sorted(counts)


@given(st.text(max_size=12))
def test_keys_are_idempotent_under_convention(name):
    key = name_key(name, "convention")
    assert name_key(key, "convention") == key


def test_convention_pairs_case_variants_first():
    # Under convention alone, aB and a_b share the key a_b (ambiguous); the case tier pairs aB with
    # ab and a_b with A_B first, so convention pairs no fewer names than case does.
    left, right = ["aB", "a_b"], ["ab", "A_B"]
    assert pair_names(left, right, "case") == [("aB", "ab"), ("a_b", "A_B")]
    assert pair_names(left, right, "convention") == [("aB", "ab"), ("a_b", "A_B")]


def test_same_name_follows_the_tiers():
    assert same_name("orders", "orders", "exact") and not same_name("Orders", "orders", "exact")
    assert same_name("Orders", "orders", "case") and not same_name("InvoiceLine", "invoice_line", "case")
    assert same_name("InvoiceLine", "invoice_line", "convention")
    assert same_name("aB", "ab", "convention")  # by case, though their convention keys differ
    assert name_key("aB", "convention") != name_key("ab", "convention")
