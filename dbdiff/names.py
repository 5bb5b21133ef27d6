"""Names people type: the one did-you-mean helper every "unknown X" error uses.

>>> close_match("postgress", ["mysql", "postgresql"])
'postgresql'
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable


def close_match(word: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str | None:
    """The choice closest to `word`, or None when none is close enough (difflib's ratio >= `cutoff`)."""
    found = difflib.get_close_matches(word, list(choices), n=1, cutoff=cutoff)
    return found[0] if found else None


def did_you_mean(word: str, choices: Iterable[str], *, cutoff: float = 0.6) -> str:
    """`did you mean 'x'?` for the closest choice, or '' when none is close."""
    found = close_match(word, choices, cutoff=cutoff)
    return f"did you mean {found!r}?" if found else ""
