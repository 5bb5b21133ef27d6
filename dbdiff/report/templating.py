"""The jinja2 environment and packaged assets the HTML renderings share.

Autoescaping is always on, whatever a template's file name; `finalize` also turns control and
invisible characters in any value into visible escapes. Assets (CSS, JS) are this package's own
files, read from `dbdiff/report/templates/` so they ship inside the wheel.
"""

from __future__ import annotations

import base64
import hashlib
from functools import cache, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from dbdiff.report.display import escape_controls

if TYPE_CHECKING:
    import jinja2


@lru_cache(maxsize=1)
def environment() -> jinja2.Environment:
    """The shared environment (jinja2 is imported on first use, not with the package)."""
    import jinja2
    from markupsafe import Markup

    def finalize(value: Any) -> Any:
        # Names, messages and versions come from the data too: show control and invisible
        # characters as escapes everywhere, not only in sample values. Markup is our own assets.
        if isinstance(value, str) and not isinstance(value, Markup):
            return escape_controls(value)
        return value

    return jinja2.Environment(
        loader=jinja2.PackageLoader("dbdiff.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=finalize,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@cache
def asset(name: str) -> str:
    """The text of a packaged asset file (`report.css`, `report.js`...)."""
    return resources.files("dbdiff.report").joinpath("templates").joinpath(name).read_text(encoding="utf-8")


def trusted_asset(*names: str) -> Any:
    """Assets (one or more, joined) as markup to insert verbatim: our own files, never data."""
    from markupsafe import Markup

    return Markup("".join(asset(name) for name in names))


def csp_hash(text: str) -> str:
    """The Content-Security-Policy source that allows exactly this inline style or script."""
    digest = hashlib.sha256(text.encode("utf-8")).digest()
    return "'sha256-" + base64.b64encode(digest).decode("ascii") + "'"
