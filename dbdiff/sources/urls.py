"""Source URLs: parsing, percent-encoding of credentials, and redaction.

A `SourceURL` never shows its password: `str()`, `repr()` and `redacted` all print `***` in its
place. Only `connection_url()` (handed to a driver, never to a log) carries it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import parse_qsl, quote, unquote, urlsplit

from dbdiff.errors import URLError

_SCHEME_ALIASES = {
    "mysql": "mysql",
    "mariadb": "mysql",
    "postgresql": "postgresql",
    "postgres": "postgresql",
    "duckdb": "duckdb",
    "sqlite": "sqlite",
    "parquet": "parquet",
    "csv": "csv",
}

_FILE_SUFFIXES = {".parquet": "parquet", ".pq": "parquet", ".csv": "csv", ".tsv": "csv"}
_DB_SUFFIXES = {".duckdb": "duckdb", ".db": "sqlite", ".sqlite": "sqlite", ".sqlite3": "sqlite"}


@dataclass(frozen=True)
class SourceURL:
    """A parsed source location. Network sources have host/port/database; file sources a path."""

    scheme: str
    host: str | None = None
    port: int | None = None
    user: str | None = None
    password: str | None = field(default=None, repr=False)
    database: str | None = None
    path: str | None = None
    params: tuple[tuple[str, str], ...] = ()

    @property
    def is_file(self) -> bool:
        return self.path is not None

    @property
    def redacted(self) -> str:
        """The URL as safe to show anywhere: the password replaced by `***`."""
        return self._render(mask=True)

    def connection_url(self) -> str:
        """The URL with real, percent-encoded credentials, for a driver only."""
        return self._render(mask=False)

    def _render(self, *, mask: bool) -> str:
        if self.path is not None:
            return f"{self.scheme}:///{self.path}" if self.scheme in ("duckdb", "sqlite") else self.path
        auth = ""
        if self.user is not None:
            auth = quote(self.user, safe="")
            if self.password is not None:
                auth += ":" + ("***" if mask else quote(self.password, safe=""))
            auth += "@"
        host = self.host or ""
        if ":" in host:  # IPv6 literal
            host = f"[{host}]"
        port = f":{self.port}" if self.port else ""
        db = f"/{quote(self.database, safe='')}" if self.database else ""
        query = ""
        if self.params:
            query = "?" + "&".join(f"{quote(k, safe='')}={quote(v, safe='')}" for k, v in self.params)
        return f"{self.scheme}://{auth}{host}{port}{db}{query}"

    def __str__(self) -> str:
        return self.redacted

    def __repr__(self) -> str:
        return f"SourceURL({self.redacted!r})"

    @property
    def secrets(self) -> tuple[str, ...]:
        """Strings that must never appear in output (the password, raw and encoded)."""
        if not self.password:
            return ()
        return (self.password, quote(self.password, safe=""))


def parse_url(text: str) -> SourceURL:
    """Parse a source URL or a file path; raise `URLError` with a clear message when it can't be used."""
    if not text or not text.strip():
        raise URLError("empty source URL", hint="give a URL such as mysql://user@host/db or a .parquet path")
    text = text.strip()
    if "://" not in text:
        return _parse_path(text)
    try:
        parts = urlsplit(text)
    except ValueError as exc:
        raise URLError(f"cannot parse source URL {_mask(text)!r}: {exc}") from None
    scheme = _SCHEME_ALIASES.get(parts.scheme.lower())
    if scheme is None:
        known = ", ".join(sorted(_SCHEME_ALIASES))
        suggestion = _did_you_mean(parts.scheme.lower(), list(_SCHEME_ALIASES))
        raise URLError(
            f"unknown URL scheme {parts.scheme!r} in {_mask(text)!r}",
            hint=(f"did you mean {suggestion!r}? " if suggestion else "") + f"known schemes: {known}",
        )
    if scheme in ("duckdb", "sqlite", "parquet", "csv"):
        # As in SQLAlchemy: sqlite:///relative.db -> 'relative.db'; sqlite:////abs.db -> '/abs.db'
        raw = text.split("://", 1)[1]
        path = raw[1:] if raw.startswith("/") else raw
        if not path:
            raise URLError(f"{scheme} URL needs a file path, as in {scheme}:///data/file")
        return SourceURL(scheme=scheme, path=unquote(path))
    try:
        port = parts.port
    except ValueError:
        raise URLError(
            f"invalid port in {_mask(text)!r}",
            hint="a '#', '/' or '@' in a password must be percent-encoded (%23, %2F, %40)",
        ) from None
    if not parts.hostname:
        raise URLError(f"source URL {_mask(text)!r} has no host")
    database = unquote(parts.path.lstrip("/")) or None
    if not database:
        raise URLError(f"source URL {_mask(text)!r} names no database", hint="add /DBNAME after the host")
    return SourceURL(
        scheme=scheme,
        host=parts.hostname,
        port=port,
        user=unquote(parts.username) if parts.username is not None else None,
        password=unquote(parts.password) if parts.password is not None else None,
        database=database,
        params=tuple(parse_qsl(parts.query)),
    )


def _parse_path(text: str) -> SourceURL:
    suffix = Path(text).suffix.lower()
    if suffix in _FILE_SUFFIXES:
        return SourceURL(scheme=_FILE_SUFFIXES[suffix], path=text)
    if suffix in _DB_SUFFIXES:
        return SourceURL(scheme=_DB_SUFFIXES[suffix], path=text)
    if os.path.isdir(text) and any(Path(text).glob("*.parquet")):
        return SourceURL(scheme="parquet", path=text)
    raise URLError(
        f"cannot tell what kind of source {text!r} is",
        hint="use a URL (mysql://, postgresql://, duckdb:///, sqlite:///) or a .parquet/.csv path",
    )


def _mask(text: str) -> str:
    from dbdiff.errors import scrub

    return scrub(text)


def _did_you_mean(word: str, choices: list[str]) -> str | None:
    import difflib

    found = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return found[0] if found else None
