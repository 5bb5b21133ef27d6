"""Which column of one side is which column of the other: pairing by name, and the names users give.

Columns pair as `dbdiff.names.pair_names` says (a map, then exact names, then names equal under
the match mode, where unambiguous); a name a user gives (--key, --columns, --exclude, --rule,
--mask) resolves to one pair as `resolve_column` says. Pure: catalogs in, pairs out.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from dbdiff.catalog import Column, TableCatalog, find_named
from dbdiff.errors import ColumnError, UsageError
from dbdiff.names import did_you_mean, name_key, pair_names


@dataclass(frozen=True)
class ColumnMatch:
    """One column of either side with its partner on the other side, if it has one."""

    left: Column | None
    right: Column | None

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(c.name for c in (self.left, self.right) if c is not None))

    @property
    def paired(self) -> bool:
        return self.left is not None and self.right is not None

    def describe(self) -> str:
        if self.left is not None and self.right is not None:
            if self.left.name == self.right.name:
                return repr(self.left.name)
            return f"{self.left.name!r} (right side {self.right.name!r})"
        side, column = ("left", self.left) if self.left is not None else ("right", self.right)
        assert column is not None
        return f"{column.name!r} (only on the {side} side)"


def match_columns(
    left: TableCatalog,
    right: TableCatalog,
    match_names: str = "case",
    mapping: Mapping[str, str] | None = None,
) -> list[ColumnMatch]:
    """Pair both sides' columns as `names.pair_names` does: `mapping` (left -> right) first, then
    exact names, then names equal under `match_names` where that is unambiguous.

    Under "case" (the default), a column pairs with the one whose name differs only in case when
    neither side has another column of that name ignoring case (PostgreSQL can hold "Email" and
    email: then only exact names pair); "convention" also pairs UnitPrice with unit_price; "exact"
    pairs only names spelled alike. Pairs come in the left side's order, then the right side's
    unpaired columns.
    """
    given = resolve_mapping(left, right, mapping or {})
    by_left = {c.name: c for c in left.columns}
    by_right = {c.name: c for c in right.columns}
    return [
        ColumnMatch(by_left.get(a) if a else None, by_right.get(b) if b else None)
        for a, b in pair_names(left.column_names, right.column_names, match_names, given)
    ]


def resolve_mapping(left: TableCatalog, right: TableCatalog, mapping: Mapping[str, str]) -> dict[str, str]:
    """The user's column map with each name as its side spells it; `ColumnError` for a name its
    side does not have (with a did-you-mean), an ambiguous one, or two columns mapped to one."""
    resolved: dict[str, str] = {}
    for given_left, given_right in mapping.items():
        names = [_mapped(given_left, left, "left"), _mapped(given_right, right, "right")]
        if names[0] in resolved:
            raise ColumnError(f"map names left column {names[0]!r} twice")
        if names[1] in resolved.values():
            other = next(k for k, v in resolved.items() if v == names[1])
            raise ColumnError(f"map pairs both {other!r} and {names[0]!r} with right column {names[1]!r}")
        resolved[names[0]] = names[1]
    return resolved


def _mapped(name: str, table: TableCatalog, side: str) -> str:
    found = table.matches(name)
    if len(found) == 1:
        return found[0].name
    if found:
        raise ColumnError(
            f"map names {side} column {name!r}, which is ambiguous: it matches "
            + " and ".join(repr(c.name) for c in found)
            + " only ignoring case",
            hint="spell the column name exactly as the table does",
        )
    mean = did_you_mean(name, table.column_names) or did_you_mean(
        name.lower(), [n.lower() for n in table.column_names]
    )
    raise ColumnError(
        f"map names {side} column {name!r}, which the {side} table {table.name!r} does not have",
        hint=mean or columns_hint(table),
    )


def resolve_column(
    name: str, matches: Sequence[ColumnMatch], what: str, error: type[UsageError] = ColumnError
) -> ColumnMatch | None:
    """The column a user-given name means (see `schema.find_named`); `error` when ambiguous."""
    found = find_named(name, matches, _sided_names)
    if len(found) > 1:
        raise error(
            f"{what} {name!r} is ambiguous: it matches "
            + " and ".join(m.describe() for m in found)
            + " only ignoring case",
            hint="spell the column name exactly as the table does: names differing in case are two columns",
        )
    return found[0] if found else None


def _sided_names(match: ColumnMatch) -> tuple[str | None, str | None]:
    """A pair's names, left first (None for a side it lacks): see `find_named`."""
    return (
        match.left.name if match.left is not None else None,
        match.right.name if match.right is not None else None,
    )


def not_paired(
    name: str,
    match: ColumnMatch | None,
    what: str,
    left: TableCatalog,
    right: TableCatalog,
    match_names: str = "case",
) -> str:
    """Why `name` is not a column of both sides, in words."""
    if match is None:
        return f"{what} {name!r} does not exist on the left and right side"
    missing, schema = ("right", right) if match.left is not None else ("left", left)
    message = f"{what} {name!r} does not exist on the {missing} side"
    own = match.left or match.right
    assert own is not None
    loosest = "case" if match_names == "exact" else match_names
    variants = [c.name for c in schema.columns if name_key(c.name, loosest) == name_key(own.name, loosest)]
    if variants and match_names == "exact":
        message += (
            f" (it has {' and '.join(repr(v) for v in variants)}: with match_names exact, names pair "
            "only when spelled alike; map them, or use match_names case)"
        )
    elif variants:
        how = "differ only in case" if match_names == "case" else "are spellings of the same words"
        message += (
            f" (it has {' and '.join(repr(v) for v in variants)}: names that {how} "
            "pair only when each side has just one of them; map them to pair them)"
        )
    return message


def columns_hint(schema: TableCatalog) -> str:
    names = schema.column_names
    shown = ", ".join(names[:12]) + (", ..." if len(names) > 12 else "")
    return f"columns of {schema.name}: {shown}"
