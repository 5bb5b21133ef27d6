"""Where two JSON documents differ, as paths such as `$.a.b[2]`, for columns compared as JSON."""

from __future__ import annotations

import json
import re
from typing import TYPE_CHECKING, Any

from dbdiff.report.display import escape_controls
from dbdiff.report.words import fmt_count

if TYPE_CHECKING:
    from dbdiff.result import TableResult


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def is_json_rule(rule: str) -> bool:
    """True when a column's rule label (`json`, `my_rule -> json (...)`) compares it as JSON."""
    return rule.split(" (", 1)[0].split(" -> ")[-1].strip() == "json"


def json_columns(table: TableResult) -> set[str]:
    """The pair's columns compared as JSON documents."""
    return {c.name for c in table.schema.columns if is_json_rule(c.rule)}


def json_paths(left: Any, right: Any, limit: int = 5) -> tuple[list[str], int]:
    """Where two JSON documents (as text) differ: up to `limit` paths such as `$.a.b[2]`, and how
    many there are in all. `([], 0)` when either side is not a JSON document (NULL, not JSON)."""
    docs = []
    for value in (left, right):
        if not isinstance(value, str):
            return [], 0
        try:
            docs.append(json.loads(value))
        except (ValueError, RecursionError):
            return [], 0
    found: list[str] = []
    try:
        total = _json_walk(docs[0], docs[1], "$", found, limit)
    except RecursionError:  # nested deeper than Python recurses: no paths rather than a crash
        return [], 0
    return found, total


def _json_path_key(path: str, name: str) -> str:
    return f"{path}.{name}" if _IDENTIFIER.match(name) else f"{path}[{json.dumps(name, ensure_ascii=False)}]"


def _json_walk(a: Any, b: Any, path: str, found: list[str], limit: int) -> int:
    """Count the differing paths under `path`, recording the first `limit` in document order."""

    def hit() -> int:
        if len(found) < limit:
            found.append(escape_controls(path))
        return 1

    if isinstance(a, dict) and isinstance(b, dict):
        total = 0
        for name in [*a, *(k for k in b if k not in a)]:
            if name in a and name in b:
                total += _json_walk(a[name], b[name], _json_path_key(path, name), found, limit)
            else:
                total += _json_walk(_MISSING, _MISSING, _json_path_key(path, name), found, limit)
        return total
    if isinstance(a, list) and isinstance(b, list):
        total = 0
        for i in range(max(len(a), len(b))):
            if i < len(a) and i < len(b):
                total += _json_walk(a[i], b[i], f"{path}[{i}]", found, limit)
            else:
                total += _json_walk(_MISSING, _MISSING, f"{path}[{i}]", found, limit)
        return total
    if a is _MISSING or (type(a) is not type(b) and not _both_numbers(a, b)) or a != b:
        return hit()
    return 0


_MISSING = object()


def json_where(left: Any, right: Any, limit: int = 3) -> str:
    """`at $.a.b[2], $.c` (and `+N more`): where two JSON documents differ; empty when unknown."""
    paths, total = json_paths(left, right, limit)
    if not paths:
        return ""
    more = f" +{fmt_count(total - len(paths))} more" if total > len(paths) else ""
    return "at " + ", ".join(paths) + more


def _both_numbers(a: Any, b: Any) -> bool:
    return all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (a, b))
