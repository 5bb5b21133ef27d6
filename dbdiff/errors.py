"""One rooted exception tree; each class carries the CLI exit code it maps to.

Data differences are never raised: they are collected into the result. Only problems that stop a
run (bad input, broken infrastructure) are exceptions.
"""

from __future__ import annotations

import re

_URL_PASSWORD = re.compile(r"(?P<head>[a-zA-Z][a-zA-Z0-9+.\-]*://[^:/@\s]*:)(?P<pw>[^@\s]*)(?P<tail>@)")


def scrub(text: str, secrets: tuple[str, ...] = ()) -> str:
    """Remove passwords from free text: URL userinfo and any known secret values."""
    text = _URL_PASSWORD.sub(lambda m: f"{m['head']}***{m['tail']}", text)
    for secret in secrets:
        if secret and len(secret) >= 2:
            text = text.replace(secret, "***")
    return text


class DbdiffError(Exception):
    """Root of every error dbdiff raises on purpose."""

    exit_code = 3

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


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


class Interrupted(DbdiffError):
    """The run was interrupted (Ctrl-C): exit code 130."""

    exit_code = 130
