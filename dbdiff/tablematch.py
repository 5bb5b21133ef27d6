"""Which tables a check file's entries choose, and how the two catalogs' tables pair.

A name entry chooses the table of that name (or the one equal under `match_names`), a pattern
entry every table its fnmatch pattern matches but for its `exclude`, an explicit pair its two
tables. Pairing itself is `dbdiff.names.pair_names`.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dbdiff.errors import ConfigError
from dbdiff.names import MATCH_MODES, did_you_mean, name_key, pair_names, same_name

if TYPE_CHECKING:
    from dbdiff.checkfile import CheckFile, TableEntry

__all__ = ["MATCH_MODES", "TablePair", "name_key", "pair_names", "resolve_tables", "same"]

#: The characters that make a table name a pattern.
WILDCARDS = frozenset("*?[")


@dataclass(frozen=True)
class TablePair:
    """A table to compare: its name on each side and the entry that chose it."""

    left: str
    right: str
    entry: TableEntry

    def keywords(self) -> dict[str, Any]:
        """The keywords of `dbdiff.diff` (and `DiffOptions.from_keywords`) for this pair."""
        return {**self.entry.options, "table": self.left, "right_table": self.right}


def same(name: str, written: str | None, mode: str) -> bool:
    """Whether a table's `name` is the one an entry wrote, under `mode` (as `pair_names` pairs)."""
    return written is not None and same_name(name, written, mode)


def _glob(name: str, pattern: str, mode: str) -> bool:
    """fnmatch, as written; then ignoring case (modes case and convention); then, under convention,
    against the name in snake_case ("billing_*" chooses BillingItem). The pattern itself is never
    converted: a naming convention has no rule for `*`."""
    if fnmatch.fnmatchcase(name, pattern):
        return True
    if mode != "exact" and fnmatch.fnmatchcase(name.casefold(), pattern.casefold()):
        return True
    return mode == "convention" and fnmatch.fnmatchcase(name_key(name, mode), pattern.casefold())


def entry_matches(entry: TableEntry, name: str, mode: str) -> bool:
    """Whether a name or pattern entry chooses table `name` (its `exclude` leaves tables out)."""
    assert entry.pattern is not None
    if not entry.is_pattern:
        return same(name, entry.pattern, mode)
    return _glob(name, entry.pattern, mode) and not any(_glob(name, p, mode) for p in entry.exclude)


# --- pairing the tables of both catalogs -----------------------------------------------------------


def resolve_tables(
    checkfile: CheckFile, left_tables: Sequence[str], right_tables: Sequence[str]
) -> tuple[list[TablePair], list[str], list[str]]:
    """The pairs to compare, and the chosen tables found on one side only (left, right).

    Explicit pairs first; the other tables pair by `match_names` (dbdiff.names.pair_names). Only
    tables some entry chooses are compared or reported. An entry that chooses no table on either
    side is a `ConfigError` naming it, with the closest table or pattern.
    """
    mode = checkfile.match_names
    shown = str(checkfile.path)
    pairs: list[tuple[str | None, str | None, TableEntry]] = []
    claimed_left: set[str] = set()
    claimed_right: set[str] = set()
    for entry in checkfile.tables:
        if entry.pattern is not None:
            continue
        left = _find(entry.left or "", left_tables, mode)
        right = _find(entry.right or "", right_tables, mode)
        if left is None and right is None:
            hint = did_you_mean(entry.left or "", left_tables) or did_you_mean(
                entry.right or "", right_tables
            )
            raise ConfigError(
                f"{shown} line {entry.line}: tables: {entry.label} matches no table", hint=hint or None
            )
        pairs.append((left, right, entry))
        claimed_left.update([left] if left else [])
        claimed_right.update([right] if right else [])
    rest_left = [n for n in left_tables if n not in claimed_left]
    rest_right = [n for n in right_tables if n not in claimed_right]
    named = [e for e in checkfile.tables if e.pattern is not None]
    for entry in named:
        if not any(
            entry_matches(entry, n, mode) for n in [*rest_left, *rest_right, *claimed_left, *claimed_right]
        ):
            assert entry.pattern is not None
            everything = [*left_tables, *right_tables]
            choices = _pattern_variants(entry.pattern, everything) if entry.is_pattern else everything
            hint = did_you_mean(entry.pattern, choices) or did_you_mean(entry.pattern, everything)
            raise ConfigError(
                f"{shown} line {entry.line}: tables: {entry.label} matches no table", hint=hint or None
            )
    ordered = sorted(named, key=lambda e: e.is_pattern)  # names win over patterns; patterns in file order
    for left, right in pair_names(rest_left, rest_right, mode, {}):
        for entry in ordered:
            if any(n is not None and entry_matches(entry, n, mode) for n in (left, right)):
                pairs.append((left, right, entry))
                break
    place = {name: i for i, name in enumerate(left_tables)}
    place_right = {name: len(left_tables) + i for i, name in enumerate(right_tables)}
    pairs.sort(key=lambda p: place[p[0]] if p[0] is not None else place_right[p[1] or ""])
    both = [
        TablePair(left, right, entry)
        for left, right, entry in pairs
        if left is not None and right is not None
    ]
    only_left = [left for left, right, _ in pairs if left is not None and right is None]
    only_right = [right for left, right, _ in pairs if left is None and right is not None]
    return both, only_left, only_right


def _find(written: str, names: Sequence[str], mode: str) -> str | None:
    """The table `written` names on one side: exactly, else the one name equal under a tier up to
    `mode`, strictest first (as `pair_names` pairs: "convention" finds what "case" finds)."""
    if written in names:
        return written
    for tier in MATCH_MODES[1 : MATCH_MODES.index(mode) + 1]:
        found = [n for n in names if name_key(n, tier) == name_key(written, tier)]
        if found:
            return found[0] if len(found) == 1 else None
    return None


def _pattern_variants(pattern: str, names: Sequence[str]) -> list[str]:
    """Patterns like `pattern` that do match a table, for did-you-mean: 'billng_*' -> 'billing_*'."""
    head = pattern[: min(pattern.index(c) for c in WILDCARDS & set(pattern))]
    tail = pattern[len(head) :]
    variants = set()
    for name in names:
        for size in range(max(1, len(head) - 2), len(head) + 3):
            candidate = name[:size] + tail
            if fnmatch.fnmatchcase(name, candidate):
                variants.add(candidate)
    return sorted(variants)
