"""Passwords in source URLs: ambiguous URLs are refused without showing any of them, UTF-8 and
libpq-style credentials parse, and no message, log line or error text ever carries a password
(property-tested over printable Unicode, raw and percent-encoded)."""

from __future__ import annotations

import logging
from urllib.parse import quote

import pymysql
import pytest
from click.testing import CliRunner
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from dbdiff.cli import cli
from dbdiff.errors import URLError, scrub
from dbdiff.sources import _cx
from dbdiff.sources.base import open_source
from dbdiff.sources.mysql import MySQLSource
from dbdiff.sources.urls import parse_url

# --- the URLs from the issue ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("password", "template", "why"),
    [
        ("p@ss#word", "mysql://root:{}@127.0.0.1:3306/x", "more than one '@'"),
        ("p@ss/w?rd", "mysql://root:{}@127.0.0.1:3306/x", "more than one '@'"),
        ("Zk#q7Vb", "mysql://root:{}@127.0.0.1:3306/x", "'#' comes before the '@'"),
        ("Zk/q7Vb", "mysql://root:{}@127.0.0.1:3306/x", "'/' comes before the '@'"),
        ("Zk?q7Vb", "postgresql://root:{}@127.0.0.1:5432/x", "'?' comes before the '@'"),
        ("Zk[q7Vb", "postgresql://root:{}@127.0.0.1:5432/x", "'[' comes before the '@'"),
        ("Zk%zq7Vb", "mysql://root:{}@127.0.0.1:3306/x", "'%' that is not followed by two hex digits"),
        ("Zk%ffq7Vb", "mysql://root:{}@127.0.0.1:3306/x", "not UTF-8"),
        ("Zk\tq7Vb", "mysql://root:{}@127.0.0.1:3306/x", "unprintable"),
    ],
)
def test_an_ambiguous_url_is_refused_without_a_character_of_the_password(password, template, why):
    with pytest.raises(URLError) as info:
        parse_url(template.format(password))
    text = str(info.value)
    assert why in text
    assert "percent-encoded" in text and "%40" in text and "%23" in text
    assert_no_piece(password, [text])
    assert "ss#w" not in text and "ss/w" not in text and "q7" not in text


def test_the_cli_refuses_an_ambiguous_url_before_connecting_and_names_its_side():
    # Port 1 on the right: had anything connected, the error would be a connection failure (3).
    result = CliRunner().invoke(
        cli,
        ["diff", "postgresql://u@127.0.0.1:1/db", "mysql://root:p@ss#word@127.0.0.1:1/x", "-t", "t"],
    )
    assert result.exit_code == 2, result.output
    assert "right URL: " in result.output and "more than one '@'" in result.output
    assert "ss#w" not in result.output and "@ss" not in result.output


def test_a_url_whose_at_sign_is_missing_shows_nothing_of_what_may_be_a_password():
    for url in ("mysql://root:secretpw/db", "mysql://root:secretpw", "mysql:/root:secretpw@h/db"):
        with pytest.raises(URLError) as info:
            parse_url(url)
        assert "secr" not in str(info.value) and "etpw" not in str(info.value), str(info.value)


def test_percent_encoded_utf8_passwords_decode_as_utf8():
    url = parse_url("mysql://root:p%C3%A4ss%E2%82%AC@127.0.0.1:3306/test")
    assert url.password == "päss€"
    assert url.connection_url() == "mysql://root:p%C3%A4ss%E2%82%AC@127.0.0.1:3306/test"
    # A raw (unencoded) non-ASCII password is not ambiguous: it is taken as it is.
    assert parse_url("mysql://root:päss€@h/db").password == "päss€"


def test_the_mysql_driver_is_handed_the_password_as_utf8_bytes():
    # PyMySQL encodes a str password as Latin-1, which cannot hold '€' (UnicodeEncodeError, exit 3).
    source = MySQLSource(parse_url("mysql://root:p%C3%A4ss%E2%82%AC@127.0.0.1:1/test"))
    with pytest.raises(Exception) as info:
        source._open()
    assert isinstance(info.value, pymysql.err.MySQLError), repr(info.value)


def test_other_url_forms_still_parse():
    assert parse_url("mysql://app:p%40ss%23w%2Frd%3A1@db1:3306/shop").password == "p@ss#w/rd:1"
    assert (
        parse_url("mysql://app:pa:ss@db1/shop").password == "pa:ss"
    )  # a ':' after the first is the password's
    assert parse_url("postgresql://u:x@[::1]:5432/db").host == "::1"
    assert parse_url("mysql://App@DB1.Example:3306/Shop").host == "db1.example"
    assert parse_url("mysql://app:@db1/shop").password == ""


# --- libpq-style query parameters -------------------------------------------------------------------


def test_a_password_query_parameter_becomes_the_urls_password_and_is_redacted():
    url = parse_url("postgresql://postgres@127.0.0.1:5432/test?password=hunter22&sslmode=disable")
    assert url.password == "hunter22" and url.params == (("sslmode", "disable"),)
    assert "hunter22" not in url.redacted and "hunter22" not in repr(url)
    assert "hunter22" in url.secrets
    assert parse_url("postgresql://127.0.0.1/test?user=app&password=pw").user == "app"


@pytest.mark.parametrize(
    ("url", "message"),
    [
        ("postgresql://u:a@h/db?password=b", "gives the password twice"),
        ("postgresql://u@h/db?user=v", "gives the user twice"),
        ("postgresql://u@h/db?sslmode=a&sslmode=b", "'sslmode' twice"),
        ("postgresql://u@h/db?dbname=other", "names the database in a query parameter"),
        ("postgresql://u@h/db?host=/tmp", "names the host in a query parameter"),
        ("postgresql://u@h/db?sslmod=disable", "did you mean 'sslmode'"),
        (
            "postgresql://u@h/db?options=x&gssencmode=disable",
            "does not take the query parameter 'gssencmode'",
        ),
        ("mysql://u@h/db?charset=utf8mb4", "does not take the query parameter 'charset'"),
        ("mysql://u@h/db?foo=bar", "it takes: user, password, prefer_socket"),
    ],
)
def test_query_parameters_are_taken_or_refused_with_a_usage_error(url, message):
    with pytest.raises(URLError, match=message) as info:
        open_source(url)
    assert info.value.exit_code == 2


# --- the property: no password, nor any 4 characters of it, in any text -----------------------------

# Printable Unicode: every character str.isprintable() accepts (no control, format, surrogate,
# private-use, unassigned or separator character but the space).
PRINTABLE = st.characters(
    codec="utf-8",
    exclude_categories=("Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"),
    include_characters=" ",
)
PASSWORDS = st.text(PRINTABLE, min_size=1, max_size=20)
TEMPLATES = (
    "mysql://app:{}@127.0.0.1:1/shop",
    "postgresql://app:{}@127.0.0.1:1/shop",
    "postgresql://app@127.0.0.1:1/shop?sslmode=disable&password={}",
)


def _texts(url: str, password: str) -> list[str]:
    """Everything dbdiff may show about `url`: its parse error, or its redacted forms and the
    scrubbed messages of drivers that quote the URL and the password back."""
    try:
        parsed = parse_url(url)
    except URLError as exc:
        return [str(exc), repr(exc), exc.message, exc.hint or ""]
    # As a driver might: the URL it was handed, and the password it was given, quoted.
    driver_says = f"cannot log in to {parsed.connection_url()} with password {parsed.password!r}"
    texts = [parsed.redacted, str(parsed), repr(parsed), scrub(driver_says, parsed.secrets)]
    texts.append(str(_cx.classify(RuntimeError(driver_says), parsed.secrets)))
    texts.append(str(_cx.classify(type("PanicException", (Exception,), {})(driver_says), parsed.secrets)))
    try:
        open_source(parsed)
    except URLError as exc:
        texts.append(str(exc))
    return texts


def _baseline() -> str:
    """What these texts say for passwords of every shape that hold no 4 characters worth hiding:
    a piece of a password found here proves nothing."""
    shapes = ["x", "x@y", "x#y", "x/y", "x?y", "x%zy", "x%ffy", "x[y", "x:y", "x y", "x&y", "x=y", "x+y"]
    found = []
    for shape in shapes:
        for template in TEMPLATES:
            for form in (shape, quote(shape, safe="")):
                found += _texts(template.format(form), shape)
    return "\n".join(found)


BASELINE = _baseline()
BASELINE_GRAMS = {BASELINE[i : i + 4] for i in range(len(BASELINE) - 3)}


def _pieces(password: str) -> set[str]:
    """The password (when long enough to mean something) and every 4 characters of it, raw and
    percent-encoded, less those the messages hold whatever the password."""
    pieces = set()
    for form in (password, quote(password, safe="")):
        pieces |= {form[i : i + 4] for i in range(len(form) - 3)} - BASELINE_GRAMS
        if len(form) >= 2 and form not in BASELINE:
            pieces.add(form)
    return pieces


def assert_no_piece(password: str, texts: list[str], baseline: frozenset[str] = frozenset()) -> None:
    pieces = _pieces(password) - baseline
    for text in texts:
        for piece in pieces:
            assert piece not in text, (password, piece, text)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(passwords=st.lists(PASSWORDS, min_size=8, max_size=8))
def test_no_text_carries_a_piece_of_the_password(passwords):
    # 2,000 passwords, each raw and percent-encoded in every kind of URL.
    for password in passwords:
        assert password.isprintable()
        for template in TEMPLATES:
            for embedded in (password, quote(password, safe="")):
                assert_no_piece(password, _texts(template.format(embedded), password))


@settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(password=PASSWORDS, encode=st.booleans(), side=st.sampled_from(["left", "right"]))
def test_no_cli_output_or_log_line_carries_a_piece_of_the_password(password, encode, side, caplog):
    embedded = quote(password, safe="") if encode else password
    code, texts = _cli_texts(embedded, side, caplog)
    # Refused as ambiguous (2) or refused by the server on port 1 (3); never a crash.
    assert code in (2, 3), texts
    assert "internal error" not in texts[0]
    # What the drivers say whatever the password ("… on that host …") proves nothing.
    assert_no_piece(password, texts, _cli_baseline(side, caplog))


def _cli_texts(embedded: str, side: str, caplog) -> tuple[int, list[str]]:
    url = f"mysql://app:{embedded}@127.0.0.1:1/shop"
    other = "postgresql://postgres@127.0.0.1:1/shop"
    args = [url, other] if side == "left" else [other, url]
    caplog.clear()
    with caplog.at_level(logging.DEBUG, logger="dbdiff"):
        result = CliRunner().invoke(cli, ["diff", *args, "--table", "t"])
    return result.exit_code, [result.output, caplog.text, repr(result.exception)]


_CLI_BASELINES: dict[str, frozenset[str]] = {}


def _cli_baseline(side: str, caplog) -> frozenset[str]:
    if side not in _CLI_BASELINES:
        text = "\n".join(_cli_texts("x", side, caplog)[1])
        _CLI_BASELINES[side] = frozenset(text[i : i + 4] for i in range(len(text) - 3))
    return _CLI_BASELINES[side]


def test_a_password_of_an_earlier_command_in_the_same_process_scrubs_nothing_later():
    """The passwords to scrub were kept for the process: after a command whose password was the
    word 'timestamp', a later command's message read 'the *** column' (a test order flake)."""
    runner = CliRunner()
    earlier = "postgresql://u:timestamp@127.0.0.1:1/x"
    runner.invoke(cli, ["diff", earlier, earlier, "--table", "t"])
    url = "postgresql://u@127.0.0.1:1/x"
    result = runner.invoke(cli, ["diff", url, url, "--table", "t", "--since", "15 parsecs"])
    assert "the timestamp column" in result.output and "***" not in result.output
