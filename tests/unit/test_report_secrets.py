"""No rendering ever shows a password: not from URLs, options or error messages."""

from __future__ import annotations

import pytest

from dbdiff.report import RENDERERS, render_card_html, summary_line
from dbdiff.report.redaction import is_secret_name, option_rows, redact_options
from tests import report_fixtures as fx

EVERY_RENDERING = {
    **{name: (lambda result, fmt=name: RENDERERS[fmt](result)) for name in RENDERERS},
    "card": render_card_html,
    "summary_line": summary_line,
}


@pytest.mark.parametrize("fixture", ["error", "hostile", "run_hostile"])
@pytest.mark.parametrize("rendering", sorted(EVERY_RENDERING))
def test_password_never_appears(fixture: str, rendering: str) -> None:
    out = EVERY_RENDERING[rendering](fx.FIXTURES[fixture]())
    assert fx.PASSWORD not in out
    assert "Secr3t" not in out


@pytest.mark.parametrize(
    "name",
    ["password", "PASSWORD", "left_password", "db-passwd", "pwd", "secret", "client_secret", "api_key",
     "apiKey", "API-KEY", "token", "auth_token", "credentials", "private_key", "passphrase", "auth"],
)  # fmt: skip
def test_secret_names(name: str) -> None:
    assert is_secret_name(name)


@pytest.mark.parametrize("name", ["workers", "chunk_size", "tokenizer", "author", "passes", "key", "columns"])
def test_ordinary_names(name: str) -> None:
    assert not is_secret_name(name)


def test_redact_options_at_any_depth() -> None:
    options = {
        "password": fx.PASSWORD,
        "nested": {"db": {"token": fx.PASSWORD, "host": "db1"}},
        "urls": [f"mysql://app:{fx.PASSWORD}@db1/shop", "sqlite:///tmp/x.db"],
        "where": "id > 3",
        "empty_password": "",
        "workers": 4,
    }
    assert redact_options(options) == {
        "empty_password": "",
        "nested": {"db": {"host": "db1", "token": "***"}},
        "password": "***",
        "urls": ["mysql://app:***@db1/shop", "sqlite:///tmp/x.db"],
        "where": "id > 3",
        "workers": 4,
    }
    assert fx.PASSWORD not in repr(option_rows(options))
