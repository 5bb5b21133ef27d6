"""Renderings of a `DiffResult`: a registry from format name to a `(DiffResult) -> str` function.

    >>> from dbdiff.report import render
    >>> html = render(result, "html")
    >>> write(result, "junit", "reports/junit.xml")

The renderer modules import jinja2 and rich inside their functions, and are themselves imported
on first use, so importing this package stays cheap (a diff writing only JSON loads none of them).
`register_renderer` adds a format (a plugin, a company template): it gets a CLI flag
(`--NAME FILE`) and `write(result, NAME, path)` with no other edit.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from dbdiff.errors import UsageError
from dbdiff.lazy import lazy_attributes
from dbdiff.names import close_match

if TYPE_CHECKING:
    from dbdiff.report.html import render_card_html, render_html
    from dbdiff.report.junit import render_junit
    from dbdiff.report.markdown import render_markdown
    from dbdiff.report.text import render_plain_text, render_text, summary_line
    from dbdiff.result import DiffResult

#: The renderers this package exports, by the module that holds each (imported on first use).
_HOMES = {
    "render_card_html": "dbdiff.report.html",
    "render_html": "dbdiff.report.html",
    "render_junit": "dbdiff.report.junit",
    "render_markdown": "dbdiff.report.markdown",
    "render_plain_text": "dbdiff.report.text",
    "render_text": "dbdiff.report.text",
    "summary_line": "dbdiff.report.text",
}
__getattr__ = lazy_attributes(__name__, _HOMES)


Renderer = Callable[["DiffResult"], str]

__all__ = [
    "RENDERERS",
    "RegisteredRenderer",
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
    "write",
]


def render_json(result: DiffResult) -> str:
    """The JSON contract (`schema_version` 1), with secrets masked like every other rendering.

    Identical to `result.to_json()` except that secret-named options are `***` and any password
    left in a URL, option, error or warning message is scrubbed; it reads back with `DiffResult.from_dict`.
    """
    import json

    from dbdiff.report.redaction import redact_options, safe_text

    data = result.to_dict()
    for side in ("left", "right"):
        data[side]["url"] = safe_text(data[side]["url"])
    for table in data["tables"]:
        if table.get("error"):
            table["error"] = safe_text(table["error"])
        for warning in table.get("warnings", ()):
            if isinstance(warning.get("message"), str):
                warning["message"] = safe_text(warning["message"])
        # a check-file run's window and catalog differences are free text too
        if isinstance(table.get("window"), dict):
            table["window"] = {
                k: safe_text(v) if isinstance(v, str) else v for k, v in table["window"].items()
            }
        for difference in table["schema"].get("differences", ()):
            for name in ("message", "left", "right"):
                if isinstance(difference.get(name), str):
                    difference[name] = safe_text(difference[name])
    if "options" in data:
        data["options"] = redact_options(data["options"])
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


@dataclass(frozen=True)
class RegisteredRenderer:
    """A format in the registry: its renderer, and how the command line offers it."""

    name: str
    renderer: Renderer
    flag: str | None  # the CLI flag that writes this rendering to a file (--html FILE)
    help: str
    stdout: bool  # whether `--format` can print it

    def __call__(self, result: DiffResult) -> str:
        return self.renderer(result)

    @property
    def dest(self) -> str:
        """The name of the flag's value among a command's parameters."""
        return self.name.replace("-", "_") + "_path"


#: Format name -> renderer, in the order the CLI lists their flags and `--format` choices.
RENDERERS: dict[str, RegisteredRenderer] = {}


def register_renderer(
    name: str, renderer: Renderer, *, flag: str | bool = True, help: str = "", stdout: bool = False
) -> None:
    """Make `renderer` available as format `name` (replacing any renderer of that name).

    The format gets a CLI flag that writes it to a file -- `--NAME FILE` unless `flag` names
    another or is False -- on every command that writes reports, and `write(result, name, path)`
    in the API; `stdout=True` also offers it as a `--format` choice. No edit to the CLI is needed.
    """
    if flag is True:
        flag = f"--{name}"
    if isinstance(flag, str) and not flag.startswith("--"):
        raise ValueError(f"a renderer's flag starts with '--', not {flag!r}")
    RENDERERS[name] = RegisteredRenderer(
        name, renderer, flag or None, help or f"Write the {name} report to FILE.", stdout
    )


def _on_first_use(name: str) -> Renderer:
    """The exported renderer `name`, its module imported when it first renders."""

    def renderer(result: DiffResult) -> str:
        rendered: str = __getattr__(name)(result)
        return rendered

    renderer.__name__ = renderer.__qualname__ = name
    return renderer


register_renderer("json", render_json, help="Write the JSON report (schema_version 1) to FILE.", stdout=True)
register_renderer("html", _on_first_use("render_html"), help="Write the self-contained HTML report to FILE.")
register_renderer(
    "markdown",
    _on_first_use("render_markdown"),
    help="Write a Markdown summary (for CI job summaries) to FILE.",
    stdout=True,
)
register_renderer(
    "junit", _on_first_use("render_junit"), help="Write JUnit XML (one testcase per table and check) to FILE."
)
# The CLI's `--format text` is the terminal view (rich); this plain rendering is the API's.
register_renderer("text", _on_first_use("render_plain_text"), flag=False)


# Names people reach for; only used to suggest the real one.
_ALIASES = {
    "md": "markdown",
    "gfm": "markdown",
    "xml": "junit",
    "htm": "html",
    "txt": "text",
    "plain": "text",
}


def render(result: DiffResult, fmt: str) -> str:
    """`result` rendered in format `fmt` (html, markdown, junit, json, text)."""
    renderer = RENDERERS.get(fmt)
    if renderer is None:
        known = ", ".join(sorted(RENDERERS))
        alias = _ALIASES.get(fmt.lower())
        close = alias if alias in RENDERERS else close_match(fmt.lower(), RENDERERS)
        hint = f"did you mean {close!r}? known formats: {known}" if close else f"known formats: {known}"
        raise UsageError(f"unknown report format {fmt!r}", hint=hint)
    return renderer(result)


def write(result: DiffResult, fmt: str, path: str | os.PathLike[str]) -> Path:
    """Write `result` rendered in format `fmt` to the file `path` (making its folder); return the path.

    A file that can't be written is a `UsageError` (exit code 2) naming the format and the path.
    """
    text = render(result, fmt)
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write the {fmt} report to {str(target)!r}: {exc.strerror}") from None
    return target
