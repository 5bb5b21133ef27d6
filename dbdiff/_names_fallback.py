"""A stand-in for part B's `dbdiff.names.name_key`/`pair_names` (issue 11), so the check file's
table pairing can be built and tested before part B lands. The lead deletes this module when
`dbdiff.names` has the real functions (`dbdiff.checkfile` prefers those already).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence

MATCH_MODES = ("exact", "case", "convention")


def name_key(name: str, mode: str) -> str:
    """The name as `mode` compares it: itself, casefolded, or snake_case casefolded."""
    if mode == "exact":
        return name
    if mode == "convention":
        name = re.sub(r"([A-Z]+)([A-Z][a-z])", r"\1_\2", name)
        name = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", name).replace("-", "_")
    return name.casefold()


def pair_names(
    left: Sequence[str], right: Sequence[str], mode: str, mapping: Mapping[str, str] | None = None
) -> list[tuple[str | None, str | None]]:
    """Explicit mapping first, then equal names, then names equal under `mode` where unambiguous."""
    mapping = dict(mapping or {})
    taken_right: set[str] = set()
    paired: dict[str, str] = {}
    for name in left:
        if name in mapping and mapping[name] in right:
            paired[name] = mapping[name]
            taken_right.add(mapping[name])
    for name in left:
        if name not in paired and name in right and name not in taken_right:
            paired[name] = name
            taken_right.add(name)
    free_left = [n for n in left if n not in paired]
    free_right = [n for n in right if n not in taken_right]
    by_key_left: dict[str, list[str]] = {}
    by_key_right: dict[str, list[str]] = {}
    for name in free_left:
        by_key_left.setdefault(name_key(name, mode), []).append(name)
    for name in free_right:
        by_key_right.setdefault(name_key(name, mode), []).append(name)
    for key, names in by_key_left.items():
        others = by_key_right.get(key, [])
        if len(names) == 1 and len(others) == 1:
            paired[names[0]] = others[0]
            taken_right.add(others[0])
    pairs: list[tuple[str | None, str | None]] = [(n, paired.get(n)) for n in left]
    pairs += [(None, n) for n in right if n not in taken_right]
    return pairs
