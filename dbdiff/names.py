"""Names people type and names migrations rename: did-you-mean, and pairing two sides' names.

>>> close_match("postgress", ["mysql", "postgresql"])
'postgresql'
>>> name_key("InvoiceLineID", "convention"), name_key("invoice_line_id", "convention")
('invoice_line_id', 'invoice_line_id')
>>> pair_names(["Id", "UnitPrice", "Note"], ["id", "unit_price"], "convention")
[('Id', 'id'), ('UnitPrice', 'unit_price'), ('Note', None)]

Tables and columns pair the same way (`pair_names`): an explicit mapping first, then equal names,
then names equal under the match mode, but only where that is unambiguous. A migration that
renamed `InvoiceLine.UnitPrice` to `invoice_line.unit_price` pairs under "convention"; one that
kept the names pairs under "exact".
"""

from __future__ import annotations

import difflib
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence

#: How names of the two sides pair, strictest first. "exact": spelled alike; "case": also names
#: that differ only in case; "convention": also CamelCase, camelCase, snake_case and kebab-case
#: spellings of the same words (`UnitPrice`, `unitPrice`, `unit_price`, `unit-price`).
MATCH_MODES = ("exact", "case", "convention")

# Anything that is not a letter or a digit separates words: `_`, `-`, spaces, dots.
_SEPARATORS = re.compile(r"[\W_]+")


def close_match(word: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The choice closest to `word`, or None when none is close enough (difflib's ratio >= `cutoff`)."""
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return found[0] if found else None


def did_you_mean(word: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str:
    """`did you mean 'x'?` for the closest choice, or '' when none is close."""
    found = close_match(word, choices, cutoff=cutoff)
    return f"did you mean {found!r}?" if found else ""


def check_mode(mode: str, what: str = "match_names") -> str:
    """`mode` if it is one of MATCH_MODES, else ValueError with a did-you-mean (callers wrap it)."""
    if mode not in MATCH_MODES:
        hint = did_you_mean(str(mode).lower(), MATCH_MODES)
        raise ValueError(
            f"{what} is one of {', '.join(MATCH_MODES)}, not {mode!r}" + (f" ({hint})" if hint else "")
        )
    return mode


def name_key(name: str, mode: str) -> str:
    """What two names must share to pair under `mode`.

    exact: the name itself; case: the name casefolded; convention: the name's words, casefolded and
    joined by `_`, where a word ends at a separator (`_`, `-`, space), at a lower-to-upper change
    (`unitPrice`), before the last capital of an acronym (`URLPath` -> url_path; a plural `s` stays:
    `ItemIDs` -> item_ids) and between letters and digits (`userID2` and `user_id2` -> user_id_2).
    Leading and trailing separators are kept: `_id` and `id` are different names.
    """
    check_mode(mode)
    if mode == "exact":
        return name
    if mode == "case":
        return name.casefold()
    core = name.strip("_- ")
    if not core:
        return name
    head, tail = name[: len(name) - len(name.lstrip("_- "))], name[len(name.rstrip("_- ")) :]
    words = [w for part in _SEPARATORS.split(core) for w in _split_words(part)]
    return head + "_".join(w.casefold() for w in words if w) + tail


def _split_words(part: str) -> list[str]:
    """The words of one separator-free run: split at case changes and letter/digit changes."""
    words: list[str] = []
    start = 0
    for i in range(1, len(part)):
        before, here = part[i - 1], part[i]
        after = part[i + 1] if i + 1 < len(part) else ""
        cut = (
            (before.isdigit() != here.isdigit())
            or (here.isupper() and not before.isupper() and not before.isdigit())
            # The last capital of an acronym starts the next word (URLPath), unless what follows is
            # a plural s ending the word (IDs, URLs).
            or (before.isupper() and here.isupper() and after.islower() and not _plural_s(part, i + 1))
        )
        if cut:
            words.append(part[start:i])
            start = i
    words.append(part[start:])
    return words


def _plural_s(part: str, i: int) -> bool:
    return part[i] == "s" and (i + 1 == len(part) or not part[i + 1].islower())


def same_name(a: str, b: str, mode: str) -> bool:
    """Whether two names may pair under `mode` (ambiguity aside): equal, or equal under the key of
    a tier up to `mode` ("convention" includes "case": `aB` and `ab` are the same name under both)."""
    check_mode(mode)
    return a == b or any(
        name_key(a, t) == name_key(b, t) for t in MATCH_MODES[1 : MATCH_MODES.index(mode) + 1]
    )


def pair_names(
    left: Sequence[str], right: Sequence[str], mode: str, mapping: Mapping[str, str] | None = None
) -> list[tuple[str | None, str | None]]:
    """Pair two sides' names: `mapping` (left -> right) first, then equal names, then names with
    the same `name_key` under "case", then (for "convention") under "convention".

    A name pairs by key only when its key is unique on both sides (counted over every name not in
    `mapping`): PostgreSQL can hold "Email" and email, and neither may then be guessed for the other
    side's EMAIL. Pairs come in the left order, then the right names left unpaired. `mapping` must
    name names of the sides (callers check, to word the error); a name is paired at most once.
    """
    check_mode(mode)
    mapping = dict(mapping or {})
    partner: dict[str, str] = {}
    taken: set[str] = set()

    def join(a: str, b: str) -> None:
        partner[a] = b
        taken.add(b)

    right_set = set(right)
    for name in left:
        target = mapping.get(name)
        if target is not None and target in right_set and target not in taken and name not in partner:
            join(name, target)
    free_left = [n for n in left if n not in mapping]
    free_right = [n for n in right if n not in set(mapping.values())]
    for name in free_left:
        if name not in partner and name in right_set and name not in taken:
            join(name, name)
    # Looser tiers only pair what the stricter ones left: under "convention", aB pairs with ab
    # (case) before a_b (convention) is considered, so a looser mode never pairs fewer names.
    for tier in MATCH_MODES[1 : MATCH_MODES.index(mode) + 1]:
        left_keys = Counter(name_key(n, tier) for n in free_left)
        right_keys = Counter(name_key(n, tier) for n in free_right)
        right_by_key = {name_key(n, tier): n for n in free_right}
        for name in free_left:
            key = name_key(name, tier)
            if name in partner or left_keys[key] != 1 or right_keys[key] != 1:
                continue
            if right_by_key[key] not in taken:
                join(name, right_by_key[key])
    pairs: list[tuple[str | None, str | None]] = [(n, partner.get(n)) for n in dict.fromkeys(left)]
    pairs.extend((None, n) for n in dict.fromkeys(right) if n not in taken)
    return pairs


def detect_convention(left: Sequence[str], right: Sequence[str]) -> str:
    """The strictest match mode that pairs as many names as the loosest one does.

    "exact" when the names are spelled alike, "case" when some differ only in case, "convention"
    when some pair only as CamelCase and snake_case spellings of the same words.
    """
    counts = {
        mode: sum(1 for a, b in pair_names(left, right, mode) if a is not None and b is not None)
        for mode in MATCH_MODES
    }
    best = max(counts.values())
    return next(mode for mode in MATCH_MODES if counts[mode] == best)
