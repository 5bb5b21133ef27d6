"""Source URLs: parsing, percent-encoding of credentials, and redaction.

A `SourceURL` never shows its password: `str()`, `repr()` and `redacted` all print `***` in its
place. Only `connection_url()` (handed to a driver, never to a log) carries it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote, unquote, unquote_to_bytes

from dbdiff.errors import URLError
from dbdiff.names import did_you_mean

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

# Query parameters whose values are never shown (a password that reached `params` some other way).
_SECRET_PARAM = re.compile(r"pass|secret|token", re.IGNORECASE)
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
    #: The password came as ?password=: what follows an unencoded '&' in it looks like a parameter.
    password_in_query: bool = field(default=False, repr=False, compare=False)

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
        if self.params and mask and self.password_in_query:
            query = "?***"  # an unencoded '&' in the password would have made pieces of it parameters
        elif self.params:
            query = "?" + "&".join(
                f"{quote(k, safe='')}={'***' if mask and _SECRET_PARAM.search(k) else quote(v, safe='')}"
                for k, v in self.params
            )
        return f"{self.scheme}://{auth}{host}{port}{db}{query}"

    def __str__(self) -> str:
        return self.redacted

    def __repr__(self) -> str:
        return f"SourceURL({self.redacted!r})"

    @property
    def secrets(self) -> tuple[str, ...]:
        """Strings that must never appear in output: the password raw, percent-encoded, and as a
        Python string literal shows it (a driver's message may quote it either way)."""
        found = [self.password or ""] + [v for k, v in self.params if _SECRET_PARAM.search(k)]
        if self.password_in_query:  # the other parameters may be pieces of the password
            found += [v for _, v in self.params] + [self.connection_url().partition("?")[2]]
        forms = (lambda t: t, lambda t: quote(t, safe=""), lambda t: repr(t)[1:-1])
        return tuple(dict.fromkeys(form(text) for text in found if text for form in forms))


def parse_url(text: str) -> SourceURL:
    """Parse a source URL or a file path; raise `URLError` with a clear message when it can't be used.

    Server URLs are split by hand, never guessed at: when the user and password could be read more
    than one way (a second '@', or a '/', '?', '#', '[' or ']' before the '@'), the URL is refused
    with a message that shows nothing of it, since any piece of it may be the password.
    """
    if not text or not text.strip():
        raise URLError("empty source URL", hint="give a URL such as mysql://user@host/db or a .parquet path")
    text = text.strip()
    if "://" not in text:
        return _parse_path(text)
    scheme_text, rest = text.split("://", 1)
    if not _SCHEME_SYNTAX.fullmatch(scheme_text):
        raise URLError("the text before '://' in a source URL is not a URL scheme", hint=_KNOWN_SCHEMES)
    scheme = _SCHEME_ALIASES.get(scheme_text.lower())
    if scheme is None:
        raise URLError(
            f"unknown URL scheme {scheme_text!r}",
            hint=f"{did_you_mean(scheme_text.lower(), _SCHEME_ALIASES)} {_KNOWN_SCHEMES}".lstrip(),
        )
    if scheme in ("duckdb", "sqlite", "parquet", "csv"):
        # As in SQLAlchemy: sqlite:///relative.db -> 'relative.db'; sqlite:////abs.db -> '/abs.db'
        path = rest[1:] if rest.startswith("/") else rest
        if not path:
            raise URLError(f"{scheme} URL needs a file path, as in {scheme}:///data/file")
        return SourceURL(scheme=scheme, path=unquote(path))
    return _parse_server_url(scheme, rest)


_SCHEME_SYNTAX = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]*")
_KNOWN_SCHEMES = "known schemes: " + ", ".join(sorted(_SCHEME_ALIASES))
_ENCODE_HINT = (
    "special characters in the user and password must be percent-encoded: '@' as %40, ':' as %3A, "
    "'/' as %2F, '?' as %3F, '#' as %23, '[' as %5B, ']' as %5D, '%' as %25, a space as %20; "
    "python3 -c \"import sys, urllib.parse; print(urllib.parse.quote(sys.argv[1], safe=''))\" 'PASSWORD' "
    "prints the encoded form"
)
# Query parameters that name a part of the URL itself: taken into the URL (user, password) or refused
# (host, port and database belong in the URL's own places).
_LIFTED = ("user", "password")
_MISPLACED = {"host": "the host", "hostaddr": "the host", "port": "the port", "dbname": "the database"}


def _ambiguous(scheme: str, why: str) -> URLError:
    return URLError(
        f"the {scheme} URL's user and password cannot be told apart from the rest: {why}", hint=_ENCODE_HINT
    )


def _decode_credential(scheme: str, part: str) -> str:
    if re.search(r"%(?![0-9A-Fa-f]{2})", part):
        raise _ambiguous(scheme, "they hold a '%' that is not followed by two hex digits")
    try:
        return unquote_to_bytes(part).decode("utf-8")
    except UnicodeDecodeError:
        raise _ambiguous(scheme, "their percent-encoded bytes are not UTF-8") from None


def _parse_server_url(scheme: str, rest: str) -> SourceURL:
    # Nothing of `rest` goes into a message until the credentials are split off unambiguously.
    ats = rest.count("@")
    if ats > 1:
        raise _ambiguous(scheme, "it holds more than one '@'")
    user = password = None
    if ats == 1:
        userinfo, hostpart = rest.split("@")
        delimiter = next((c for c in "/?#[]" if c in userinfo), None)
        if delimiter is not None:
            raise _ambiguous(scheme, f"a {delimiter!r} comes before the '@'")
        if not all(c.isprintable() for c in userinfo):
            raise _ambiguous(scheme, "an unprintable character comes before the '@'")
        raw_user, has_password, raw_password = userinfo.partition(":")
        user = _decode_credential(scheme, raw_user)
        password = _decode_credential(scheme, raw_password) if has_password else None
    else:
        hostpart = rest
    if "#" in hostpart:
        raise URLError(f"a {scheme} URL cannot hold a '#'", hint=_ENCODE_HINT)
    match = re.fullmatch(r"([^/?]*)(/[^?]*)?(?:\?(.*))?", hostpart, re.DOTALL)
    assert match is not None  # every string matches
    authority, path, query = match.group(1), match.group(2) or "", match.group(3) or ""
    host, port = _host_port(scheme, authority, has_credentials=ats == 1)
    database = unquote(path.lstrip("/")) or None
    params: list[tuple[str, str]] = []
    seen: set[str] = set()
    for key, value in _query_pairs(query):
        name = key.lower()
        if name in seen:
            raise URLError(f"the {scheme} URL gives the query parameter {key!r} twice")
        seen.add(name)
        if name in _MISPLACED:
            raise URLError(
                f"the {scheme} URL names {_MISPLACED[name]} in a query parameter ({key!r})",
                hint=f"write it in the URL itself: {scheme}://user:password@host:port/database",
            )
        if name == "user":
            if user is not None:
                raise URLError(f"the {scheme} URL gives the user twice (before '@' and as a query parameter)")
            user = value
        elif name == "password":
            if password is not None:
                raise URLError(
                    f"the {scheme} URL gives the password twice (after 'user:' and as a query parameter)"
                )
            password = value
        else:
            params.append((key, value))
    url = SourceURL(
        scheme=scheme,
        host=host,
        port=port,
        user=user,
        password=password,
        database=database,
        params=tuple(params),
        password_in_query="password" in seen,
    )
    if not database:
        raise URLError(f"source URL {url.redacted!r} names no database", hint="add /DBNAME after the host")
    return url


def _query_pairs(query: str) -> list[tuple[str, str]]:
    """`a=1&b=2` as libpq reads it: percent-decoding only ('+' stays '+', as in a password)."""
    pairs = []
    for item in query.split("&"):
        if item:
            key, _, value = item.partition("=")
            pairs.append((unquote(key), unquote(value)))
    return pairs


def _host_port(scheme: str, authority: str, *, has_credentials: bool) -> tuple[str, int | None]:
    port_text = ""
    if authority.startswith("["):  # an IPv6 literal
        end = authority.find("]")
        after = authority[end + 1 :] if end >= 0 else ""
        if end < 0 or (after and not after.startswith(":")):
            raise URLError(f"the host of a {scheme} URL is not a valid IPv6 literal", hint=_ENCODE_HINT)
        host, port_text = authority[1:end], after[1:]
    else:
        host, _, port_text = authority.partition(":")
    if not host:
        raise URLError(f"the {scheme} URL has no host", hint=f"as in {scheme}://user@host:port/database")
    if port_text or authority.endswith(":"):
        if not (port_text.isascii() and port_text.isdigit() and 0 < int(port_text) < 65536):
            # Without an '@', what looks like host:port may be user:password: show none of it.
            raise URLError(
                f"the port of the {scheme} URL is not a number from 1 to 65535",
                hint=_ENCODE_HINT if not has_credentials else None,
            )
        return host.lower(), int(port_text)
    return host.lower(), None


def _parse_path(text: str) -> SourceURL:
    suffix = Path(text).suffix.lower()
    if suffix in _FILE_SUFFIXES:
        return SourceURL(scheme=_FILE_SUFFIXES[suffix], path=text)
    if suffix in _DB_SUFFIXES:
        return SourceURL(scheme=_DB_SUFFIXES[suffix], path=text)
    if os.path.isdir(text) and any(Path(text).glob("*.parquet")):
        return SourceURL(scheme="parquet", path=text)
    # A URL whose '://' was mistyped may hold a password: name no such text.
    shown = f" {text!r}" if not set(text) & set("@:") else ""
    raise URLError(
        f"cannot tell what kind of source{shown} this is: not a URL with '://', nor a known file type",
        hint="use a URL (mysql://, postgresql://, duckdb:///, sqlite:///) or a .parquet/.csv path",
    )
