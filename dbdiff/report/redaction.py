"""Secrets never shown: URL passwords scrubbed from free text, secret-named options masked."""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from dbdiff.errors import scrub
from dbdiff.report.display import escape_controls

# Option names whose values are secrets whatever they hold. Matched as whole words inside the
# name, so `password`, `left_password`, `api-key` and `AUTH_TOKEN` are caught, `tokenizer` is not.
_SECRET_NAME = re.compile(
    r"(?:^|[^a-z])(?:pass(?:word|wd|phrase)?|pwd|secrets?|tokens?|api[_-]?keys?|private[_-]?keys?"
    r"|credentials?|auth)(?:$|[^a-z])",
    re.IGNORECASE,
)
REDACTED = "***"


def safe_text(text: str | None) -> str:
    """Free text from a result (errors, URLs, versions) with any URL password removed."""
    return scrub(text or "")


def is_secret_name(name: str) -> bool:
    """True for option names whose value must never be shown (password, token, api_key...)."""
    return _SECRET_NAME.search(str(name)) is not None


def redact_options(value: Any, name: str = "") -> Any:
    """Options with secret-named entries masked and URL passwords scrubbed, at any depth."""
    if name and is_secret_name(name) and value not in (None, "", False):
        return REDACTED
    if isinstance(value, Mapping):
        items = sorted(value.items(), key=lambda kv: str(kv[0]))
        return {str(k): redact_options(v, str(k)) for k, v in items}
    if isinstance(value, (list, tuple)):
        return [redact_options(v) for v in value]
    if isinstance(value, str):
        return scrub(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return scrub(str(value))


def option_rows(options: Mapping[str, Any]) -> list[tuple[str, str]]:
    """`(name, value as compact JSON)` per run option, sorted by name, secrets masked."""
    rows = []
    for name, value in redact_options(dict(options)).items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
        rows.append((name, escape_controls(text)))
    return rows
