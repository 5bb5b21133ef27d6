"""Catalog differences of a planned table pair: what the two catalogs disagree on, as plain data.

`dbdiff run` reports them beside the row differences (`SchemaComparison.differences`), each a
dict {"kind", "column", "left", "right", "message"}:

- "type": a column pair no rule covers; the run leaves it out of the comparison (planning with
  `uncovered="skip"`) instead of stopping, as `dbdiff diff` does with a RuleError.
- "nullability": a compared column NULL-able on one side only.
- "primary_key": the primary keys differ (as the left side names the columns), or one side has none.

Columns only on one side are not repeated here: `SchemaComparison.only_left`/`only_right` list them.
Everything here is pure: it reads the catalogs and the plan, never a source.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from dbdiff.catalog import Column, TableCatalog
from dbdiff.column_match import match_columns

if TYPE_CHECKING:
    from dbdiff.plan import DiffPlan

#: The kinds of catalog difference, in the order they are listed.
KINDS = ("type", "nullability", "primary_key")


def type_difference(left: Column, right: Column, left_dialect: str, right_dialect: str) -> dict[str, Any]:
    """A pair no rule covers, left out of the comparison."""
    return {
        "kind": "type",
        "column": left.name,
        "left": left.native_type,
        "right": right.native_type,
        "message": (
            f"column {_pair_name(left, right)}: no rule compares {left_dialect} {left.native_type} "
            f"({left.family}) with {right_dialect} {right.native_type} ({right.family}); "
            "left out of the comparison"
        ),
    }


def catalog_differences(
    plan: DiffPlan,
    left: TableCatalog,
    right: TableCatalog,
    match_names: str = "case",
    mapping: Mapping[str, str] | None = None,
) -> tuple[dict[str, Any], ...]:
    """The nullability and primary-key differences of `plan`'s table pair (type differences are
    found while planning: `plan.differences`); `match_names` and `mapping` pair the columns the
    plan leaves out, as the plan paired its own."""
    found: list[dict[str, Any]] = []
    for pair in plan.all_pairs:
        if pair.left.nullable != pair.right.nullable:
            words = {True: "NULL", False: "NOT NULL"}
            found.append(
                {
                    "kind": "nullability",
                    "column": pair.name,
                    "left": words[pair.left.nullable],
                    "right": words[pair.right.nullable],
                    "message": (
                        f"column {_pair_name(pair.left, pair.right)} is {words[pair.left.nullable]} "
                        f"on the left, {words[pair.right.nullable]} on the right"
                    ),
                }
            )
    difference = primary_key_difference(plan, left, right, match_names, mapping)
    if difference is not None:
        found.append(difference)
    return tuple(found)


def primary_key_difference(
    plan: DiffPlan,
    left: TableCatalog,
    right: TableCatalog,
    match_names: str = "case",
    mapping: Mapping[str, str] | None = None,
) -> dict[str, Any] | None:
    """The primary keys as lists of the left side's column names (a right column paired with a left
    one under its left name), or None when they agree."""
    left_name = {pair.right.name: pair.name for pair in plan.all_pairs}
    # A key column the comparison leaves out (--exclude, --columns, another --key) still pairs as
    # the plan would pair it: InvoiceLineID renamed invoice_line_id is the same primary key.
    for match in match_columns(left, right, match_names, mapping):
        if match.left is not None and match.right is not None:
            left_name.setdefault(match.right.name, match.left.name)
    folded = {name.casefold(): name for name in left.column_names}
    left_key = list(left.primary_key)
    right_key = [left_name.get(name) or folded.get(name.casefold(), name) for name in right.primary_key]
    if left_key == right_key:
        return None

    def shown(key: list[str]) -> str:
        return "(" + ", ".join(key) + ")" if key else "no primary key"

    right_own = list(right.primary_key)
    return {
        "kind": "primary_key",
        "column": None,
        "left": left_key,
        "right": right_own,
        "message": f"primary key {shown(left_key)} on the left, {shown(right_own)} on the right",
    }


def _pair_name(left: Column, right: Column) -> str:
    return repr(left.name) if left.name == right.name else f"{left.name!r} (right side {right.name!r})"
