"""One rooted exception tree; each class carries the CLI exit code it maps to.

Data differences are never raised: they are collected into the result. Only problems that stop a
run (bad input, broken infrastructure) are exceptions.
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable

_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.\-]*://[^:/@\s]*:)(?P<pw>[^@\s]*)(?P<tail>@)")
_QUERY_PASSWORD = re.compile(r"(?P<head>[?&][a-z_]*pass[a-z_]*=)(?P<pw>[^&\s]*)", re.IGNORECASE)


def scrub(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Remove passwords from free text: URL userinfo and any known secret values."""
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}***{m['tail']}", text)
    text = _QUERY_PASSWORD.sub(lambda m: f"{m['head']}***", text)
    for secret in sorted(secrets, key=len, reverse=True):  # 'p%25' before its piece 'p%'
        if secret and len(secret) >= 2:
            text = text.replace(secret, "***")
    return text


class Quoted:
    """The data values a message quotes, each with the column it came from (None: unknown), so that
    the values of masked columns can be hidden from the message later (`DbdiffError.hiding`).

        q = Quoted()
        raise RuleError(f"cannot read {q.value('email', repr(v))}", quoted=q)
    """

    _MARK = "\x00"

    def __init__(self) -> None:
        self.pieces: list[tuple[str | None, str]] = []

    def value(self, column: str | None, text: str) -> str:
        """A placeholder for `text` (a value of `column`) to put in the message."""
        self.pieces.append((column, text))
        return f"{self._MARK}{len(self.pieces) - 1}{self._MARK}"

    def render(self, template: str, hidden: Callable[[str | None], bool] = lambda column: False) -> str:
        """The message with every value in place, or `<masked>` where `hidden(column)` says so."""
        parts = template.split(self._MARK)
        for i in range(1, len(parts), 2):
            column, text = self.pieces[int(parts[i])]
            parts[i] = "<masked>" if hidden(column) else text
        return "".join(parts)


class DbdiffError(Exception):
    """Root of every error dbdiff raises on purpose."""

    exit_code = 3

    def __init__(self, message: str, *, hint: str | None = None, quoted: Quoted | None = None) -> None:
        self._templates = (message, hint, quoted) if quoted is not None and quoted.pieces else None
        if self._templates is not None:
            assert quoted is not None
            message = quoted.render(message)
            hint = quoted.render(hint) if hint is not None else None
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message

    def quotes_values_of(self, masked: Callable[[str | None], bool]) -> bool:
        """Whether the message quotes a value of a column `masked` says is masked."""
        return self._templates is not None and any(masked(c) for c, _ in self._templates[2].pieces)

    def hiding(self, masked: Callable[[str | None], bool]) -> DbdiffError:
        """This error with the values of masked columns replaced by `<masked>` (itself when it quotes
        none)."""
        if self._templates is None or not self.quotes_values_of(masked):
            return self
        message, hint, quoted = self._templates
        hidden = copy.copy(self)
        hidden.message = quoted.render(message, masked)
        hidden.hint = quoted.render(hint, masked) if hint is not None else None
        hidden.args = (hidden.message,)
        hidden._templates = None
        return hidden


class UsageError(DbdiffError):
    """The user asked for something that cannot work: exit code 2."""

    exit_code = 2


class URLError(UsageError):
    """A source URL that cannot be parsed, or whose scheme is unknown."""


class TableNotFoundError(UsageError):
    """The named table does not exist in the source."""


class KeyColumnError(UsageError):
    """No key could be found, or a named key column does not exist."""


class ColumnError(UsageError):
    """A named column does not exist, or the column selection is empty."""


class RuleError(UsageError):
    """A rule file is invalid, or a column pair has no rule that covers it."""


class WhereRejected(UsageError):
    """A source refused the --where condition (an unknown column, bad syntax)."""

    def __init__(self, message: str, *, hint: str | None = None, detail: str | None = None) -> None:
        super().__init__(message, hint=hint)
        #: What the source said, without dbdiff's framing.
        self.detail = detail or message

    def for_side(self, side: str, dialect: str, option: str) -> WhereRejected:
        """The same error, saying which side (and which of its options) it came from."""
        return WhereRejected(
            f"the {side} side ({dialect}) rejected the query with {option}: {self.detail}", detail=self.detail
        )


class ConfigError(UsageError):
    """A configuration or schema file that cannot be loaded."""


class RuntimeFailure(DbdiffError):
    """The job broke while running: exit code 3."""

    exit_code = 3


class ConnectionFailure(RuntimeFailure):
    """A source could not be reached, refused the login, or dropped the connection."""


class ExtractionError(RuntimeFailure):
    """A query failed or a value could not be read while extracting a chunk."""

    #: False when trying again cannot help (a value the reader cannot convert).
    retryable = True
    #: True when the reader refused a value it reads natively (a MySQL zero date): the same rows
    #: read as text would arrive.
    unconvertible = False


class Interrupted(DbdiffError):
    """The run was interrupted (Ctrl-C): exit code 130."""

    exit_code = 130
