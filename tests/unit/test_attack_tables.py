"""Check-file table entries under `match_names: convention` also match names differing in case."""

from __future__ import annotations

from pathlib import Path

from dbdiff.checkfile import load_checkfile, resolve_tables


def test_an_entry_spelled_in_another_case_matches_under_convention(tmp_path: Path) -> None:
    """`left: orderitems` names the left table OrderItems under "case"; under "convention", which
    pairs everything "case" pairs, it matched nothing, and the right table was reported as a
    table on one side only (a false difference)."""
    for mode in ("case", "convention"):
        path = tmp_path / f"{mode}.yaml"
        path.write_text(
            f"left: mysql://a@h/db\nright: postgresql://b@h/db\nmatch_names: {mode}\n"
            "tables:\n  - left: orderitems\n    right: ORDERITEMS\n",
            encoding="utf-8",
        )
        both, only_left, only_right = resolve_tables(load_checkfile(path), ["OrderItems"], ["orderItems"])
        assert [(p.left, p.right) for p in both] == [("OrderItems", "orderItems")], mode
        assert only_left == [] and only_right == [], mode
