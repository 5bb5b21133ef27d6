"""Source URLs: parsing, percent-encoding, redaction, and clear errors."""

from __future__ import annotations

import pytest

from dbdiff.errors import URLError, scrub
from dbdiff.sources.base import open_source
from dbdiff.sources.urls import parse_url

SECRET = "p@ss#w/rd:1"


def test_password_is_percent_encoded_for_drivers_and_redacted_everywhere_else():
    url = parse_url("mysql://app:p%40ss%23w%2Frd%3A1@db1:3306/shop")
    assert url.password == SECRET
    assert url.connection_url() == "mysql://app:p%40ss%23w%2Frd%3A1@db1:3306/shop"
    for shown in (str(url), repr(url), url.redacted, f"{url}", f"{url!r}"):
        assert "***" in shown
        assert SECRET not in shown and "p%40ss" not in shown
    assert SECRET in url.secrets


@pytest.mark.parametrize(
    ("text", "scheme", "host", "port", "database"),
    [
        ("mysql://root@127.0.0.1:3306/test", "mysql", "127.0.0.1", 3306, "test"),
        ("mariadb://root@db/test", "mysql", "db", None, "test"),
        ("postgres://u@h/db", "postgresql", "h", None, "db"),
        ("postgresql://u:x@[::1]:5432/db", "postgresql", "::1", 5432, "db"),
    ],
)
def test_server_urls(text, scheme, host, port, database):
    url = parse_url(text)
    assert (url.scheme, url.host, url.port, url.database) == (scheme, host, port, database)


@pytest.mark.parametrize(
    ("text", "scheme", "path"),
    [
        ("duckdb:///rel/copy.duckdb", "duckdb", "rel/copy.duckdb"),
        ("duckdb:////abs/copy.duckdb", "duckdb", "/abs/copy.duckdb"),
        ("sqlite:///legacy.db", "sqlite", "legacy.db"),
        ("orders.parquet", "parquet", "orders.parquet"),
        ("/data/orders.csv", "csv", "/data/orders.csv"),
        ("x.duckdb", "duckdb", "x.duckdb"),
    ],
)
def test_file_urls(text, scheme, path):
    url = parse_url(text)
    assert (url.scheme, url.path) == (scheme, path)
    assert parse_url(url.connection_url()) == url


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty source URL"),
        ("mysqll://root:secret@h/db", "unknown URL scheme 'mysqll'"),
        ("oracle://u@h/db", "unknown URL scheme 'oracle'"),
        ("mysql://root@h", "names no database"),
        ("mysql://u:pa#ss@h:3306/db", "percent-encoded"),
        ("what-is-this", "cannot tell what kind of source"),
    ],
)
def test_bad_urls_say_what_is_wrong(text, message):
    with pytest.raises(URLError, match=message) as info:
        parse_url(text)
    assert "secret" not in str(info.value)


def test_unknown_scheme_suggests_the_close_one():
    with pytest.raises(URLError, match="did you mean 'mysql'"):
        parse_url("mysqll://u@h/db")


def test_open_source_rejects_an_unregistered_scheme_clearly():
    with pytest.raises(URLError):
        open_source("ftp://u@h/db")


def test_scrub_removes_url_passwords_and_known_secrets():
    text = "failed for mysql://app:hunter2@db/x and postgresql://u:pw@h/y; the value hunter2 too"
    cleaned = scrub(text, ("hunter2",))
    assert "hunter2" not in cleaned and ":pw@" not in cleaned
    assert "mysql://app:***@db/x" in cleaned
