"""How a result shows itself in a notebook: the mimebundle and card, the full page, `show()`.

`DiffResult` stays plain data: its `_repr_mimebundle_`, `_repr_html_`, `to_html` and `show` hand
over to this module (the `dbdiff.result.Views` it implements, which the package face installs).
Every view renders what the run captured; none of them queries anything.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dbdiff.report.card import render_card_html
from dbdiff.report.formatting import check_headline
from dbdiff.report.html import render_html

if TYPE_CHECKING:
    from dbdiff.result import DiffResult

__all__ = [
    "JSON_MIME",
    "SUMMARY_MIME",
    "ReportFrame",
    "check_headline",
    "repr_html",
    "repr_mimebundle",
    "show",
    "to_html",
]

SUMMARY_MIME = "application/vnd.dbdiff.summary+json"
JSON_MIME = "application/json"


def repr_mimebundle(
    result: DiffResult, include: Collection[str] | None = None, exclude: Collection[str] | None = None
) -> dict[str, Any]:
    """The short summary (text/plain), the card (text/html) and the counts as JSON.

    The JSON goes under a vendor type by default: JupyterLab and VS Code rank plain
    `application/json` above `text/html` and would show a JSON tree instead of the card.
    Ask for `application/json` explicitly (`display(result, include=[...])`) to get it.
    """
    makers: dict[str, Callable[[], Any]] = {
        "text/plain": result.__repr__,
        "text/html": lambda: repr_html(result),
        SUMMARY_MIME: result.summary,
    }
    if include and JSON_MIME in include:
        makers[JSON_MIME] = result.summary
    return _bundle(makers, include, exclude)


def repr_html(result: DiffResult) -> str:
    """The compact notebook card: plain HTML and scoped CSS, no script."""
    return render_card_html(result)


def to_html(result: DiffResult) -> str:
    """The full self-contained HTML report (the same page as `dbdiff diff --html`)."""
    return render_html(result)


def show(result: DiffResult, height: int = 640) -> ReportFrame:
    """The full report for a notebook cell, in a sandboxed iframe `height` pixels tall."""
    return ReportFrame(to_html(result), height=height)


@dataclass(frozen=True)
class ReportFrame:
    """A full HTML report shown in a notebook through `<iframe srcdoc>`.

    The iframe keeps the report's CSS and script apart from the notebook's page, and its sandbox
    (scripts, but no same-origin access) keeps the report from touching the notebook even if a
    value ever slipped past escaping. Everything is inline, so it works offline.
    """

    html: str
    height: int = 640

    def __post_init__(self) -> None:
        if isinstance(self.height, bool) or not isinstance(self.height, int) or self.height < 50:
            raise ValueError(f"height must be a whole number of pixels >= 50, not {self.height!r}")

    def _repr_html_(self) -> str:
        from html import escape

        return (
            f'<iframe srcdoc="{escape(self.html, quote=True)}" sandbox="allow-scripts" '
            f'title="dbdiff report" style="width: 100%; height: {self.height}px; '
            'border: 1px solid #d0d7de; border-radius: 4px; background: #fff;"></iframe>'
        )

    def _repr_mimebundle_(
        self, include: Collection[str] | None = None, exclude: Collection[str] | None = None
    ) -> dict[str, Any]:
        return _bundle({"text/plain": self.__repr__, "text/html": self._repr_html_}, include, exclude)

    def __repr__(self) -> str:
        return f"<dbdiff report: {len(self.html):,} characters of HTML; .save(path) writes it to a file>"

    def save(self, path: str | Path) -> Path:
        """Write the report page to `path` (what `dbdiff diff --html` writes)."""
        path = Path(path)
        path.write_text(self.html, encoding="utf-8")
        return path


def _bundle(
    makers: Mapping[str, Callable[[], Any]], include: Collection[str] | None, exclude: Collection[str] | None
) -> dict[str, Any]:
    """The views `include` asks for (all when empty) less those `exclude` names, each made only then."""
    return {
        mime: make()
        for mime, make in makers.items()
        if (not include or mime in include) and not (exclude and mime in exclude)
    }
