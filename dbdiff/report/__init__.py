"""Renderings of a `DiffResult`: a registry from format name to a `(DiffResult) -> str` function.

    >>> from dbdiff.report import render
    >>> html = render(result, "html")

The renderer modules import jinja2 and rich inside their functions, so importing this package
stays cheap. `register_renderer` adds a format (a plugin, a company template).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import TYPE_CHECKING

from dbdiff.errors import UsageError
from dbdiff.report.html import render_card_html, render_html
from dbdiff.report.junit import render_junit
from dbdiff.report.markdown import render_markdown
from dbdiff.report.text import render_plain_text, render_text, summary_line

if TYPE_CHECKING:
    from dbdiff.result import DiffResult

Renderer = Callable[["DiffResult"], str]

__all__ = [
    "RENDERERS",
    "Renderer",
    "register_renderer",
    "render",
    "render_card_html",
    "render_html",
    "render_json",
    "render_junit",
    "render_markdown",
    "render_plain_text",
    "render_text",
    "summary_line",
]


def render_json(result: DiffResult) -> str:
    """The JSON contract (`schema_version` 1), with secrets masked like every other rendering.

    Identical to `result.to_json()` except that secret-named options are `***` and any password
    left in a URL, option, error or warning message is scrubbed; it reads back with `DiffResult.from_dict`.
    """
    import json

    from dbdiff.report.formatting import redact_options, safe_text

    data = result.to_dict()
    for side in ("left", "right"):
        data[side]["url"] = safe_text(data[side]["url"])
    for table in data["tables"]:
        if table.get("error"):
            table["error"] = safe_text(table["error"])
        for warning in table.get("warnings", ()):
            if isinstance(warning.get("message"), str):
                warning["message"] = safe_text(warning["message"])
    if "options" in data:
        data["options"] = redact_options(data["options"])
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


RENDERERS: dict[str, Renderer] = {
    "html": render_html,
    "markdown": render_markdown,
    "junit": render_junit,
    "json": render_json,
    "text": render_plain_text,
}


# Names people reach for; only used to suggest the real one.
_ALIASES = {
    "md": "markdown",
    "gfm": "markdown",
    "xml": "junit",
    "htm": "html",
    "txt": "text",
    "plain": "text",
}


def register_renderer(name: str, renderer: Renderer) -> None:
    """Make `renderer` available as format `name` (replacing any renderer of that name)."""
    RENDERERS[name] = renderer


def render(result: DiffResult, fmt: str) -> str:
    """`result` rendered in format `fmt` (html, markdown, junit, json, text)."""
    renderer = RENDERERS.get(fmt)
    if renderer is None:
        known = ", ".join(sorted(RENDERERS))
        alias = _ALIASES.get(fmt.lower())
        close = (
            [alias] if alias in RENDERERS else difflib.get_close_matches(fmt.lower(), list(RENDERERS), n=1)
        )
        hint = f"did you mean {close[0]!r}? known formats: {known}" if close else f"known formats: {known}"
        raise UsageError(f"unknown report format {fmt!r}", hint=hint)
    return renderer(result)
