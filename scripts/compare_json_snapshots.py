"""Compare two directories of JSON snapshots written by the test suite (DBDIFF_JSON_SNAPSHOT=DIR).

    DBDIFF_JSON_SNAPSHOT=/tmp/before python -m pytest   # on the old commit
    DBDIFF_JSON_SNAPSHOT=/tmp/after python -m pytest    # on the new one
    python scripts/compare_json_snapshots.py /tmp/before /tmp/after

Each file holds the JSON reports of every result one test built, with run-specific parts (times,
random names, temp paths) blanked (tests/conftest.py). Exit 0 when every test present in both
directories wrote byte-identical files; the tests present in only one are listed.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path


def _text(path: Path) -> list[str]:
    """The file's results, each with what differs between any two runs blanked, in sorted order."""
    text = path.read_text(encoding="utf-8")
    # Masked values are keyed hashes under a key drawn afresh every run (dbdiff.mask).
    text = re.sub(r"masked:[0-9a-f]{12}", "masked:X", text)
    # Random table-name parts followed by more of the name (`t_081fa83e_b`).
    text = re.sub(r"_[0-9a-f]{8}(?=_)", "_X", text)
    return sorted(text.split("\n=====\n"))


def main(before: str, after: str) -> int:
    old = {p.name: p for p in Path(before).glob("*.json")}
    new = {p.name: p for p in Path(after).glob("*.json")}
    same = differ = 0
    for name in sorted(old.keys() & new.keys()):
        if _text(old[name]) == _text(new[name]):
            same += 1
        else:
            differ += 1
            sys.stdout.write(f"DIFFERS: {name}\n")
    for name in sorted(old.keys() - new.keys()):
        sys.stdout.write(f"only before: {name}\n")
    for name in sorted(new.keys() - old.keys()):
        sys.stdout.write(f"only after: {name}\n")
    one_only = len(old.keys() ^ new.keys())
    sys.stdout.write(f"{same} identical, {differ} different, {one_only} in one run only\n")
    return 1 if differ else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
