"""The check file: strict loading (one line naming the file and line), options, pairing of tables."""

from __future__ import annotations

import textwrap
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import pytest

from dbdiff.checkfile import CheckFile, TablePair, load_checkfile, resolve_tables
from dbdiff.errors import ConfigError
from dbdiff.options import DiffOptions
from dbdiff.thresholds import DEFAULT_THRESHOLDS

ENV = {"DBDIFF_LEFT_URL": "mysql://app:s3cret@db1:3306/shop", "DBDIFF_RIGHT_URL": "postgresql://pg@db2/shop"}

FULL = """\
version: 1
left: {env: DBDIFF_LEFT_URL}
right: {env: DBDIFF_RIGHT_URL}
match_names: convention
history: team.history.duckdb
history_last: 10
run: {tables_at_once: 3, workers: 6, memory_limit: 4GB}
defaults: {chunk_size: 5000, sample_limit: 50}
thresholds:
  changed: {warn: 0, fail: "0.1%"}
  only_left: {fail: 10}
run_thresholds: {changed: {fail: 1000}}
tables:
  - orders
  - name: "billing_*"
    exclude: ["billing_tmp_*"]
    exclude_columns: [note]
    thresholds: {changed: {warn: 5, fail: 50}}
  - left: InvoiceLine
    right: invoice_line
    key: [InvoiceLineId]
    chunk_size: 100
    where: "id > 0"
    column_rules: {UnitPrice: "decimal:abs_tol=0.01", Created: [timestamp, {assume_zone: UTC}]}
name: " shop nightly "
"""


def write(tmp_path: Path, text: str, name: str = "dbdiff.yaml") -> Path:
    path = tmp_path / name
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> CheckFile:
    return load_checkfile(write(tmp_path, text), environ=ENV if env is None else env)


def error(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> str:
    with pytest.raises(ConfigError) as caught:
        load(tmp_path, text, env)
    assert caught.value.exit_code == 2
    message = str(caught.value)
    assert "\n" not in message, message
    assert "s3cret" not in message
    return message


def plain(options: Mapping[str, Any]) -> dict[str, Any]:
    """A table's options but for `match_names`, which every table gets from the file once the diff
    option exists (checked in test_match_names_is_given_to_every_table)."""
    return {k: v for k, v in options.items() if k != "match_names"}


def test_match_names_is_given_to_every_table(tmp_path: Path) -> None:
    from dbdiff.checkfile import _option_keys

    if "match_names" not in _option_keys():
        pytest.skip("the diff option match_names is not in this build yet")
    text = MINIMAL + "match_names: convention\ntables:\n  - a\n  - name: b\n    match_names: exact\n"
    cf = load(tmp_path, text)
    assert [e.options["match_names"] for e in cf.tables] == ["convention", "exact"]


MINIMAL = "left: mysql://a@h/db\nright: postgresql://b@h/db\n"


def test_full_file_loads_with_every_key(tmp_path: Path) -> None:
    cf = load(tmp_path, FULL)
    assert cf.left_url == ENV["DBDIFF_LEFT_URL"] and cf.right_url == ENV["DBDIFF_RIGHT_URL"]
    assert "s3cret" not in repr(cf)  # the URLs are left out of the repr
    assert cf.match_names == "convention" and cf.name == "shop nightly"
    assert cf.history == str(tmp_path / "team.history.duckdb")  # relative to the check file
    assert (cf.history_last, cf.tables_at_once, cf.workers, cf.memory_limit) == (10, 3, 6, "4GB")
    assert len(cf.sha256) == 64
    orders, billing, invoice = cf.tables
    assert (orders.pattern, orders.line) == ("orders", 14)
    assert plain(orders.options) == {"chunk_size": 5000, "sample_limit": 50}
    assert billing.exclude == ("billing_tmp_*",) and billing.options["exclude"] == ["note"]
    assert billing.thresholds.limits["changed"].text == {"warn": "5", "fail": "50"}
    assert billing.thresholds.limits["only_left"].fail == 10  # the file's, under the table's
    assert (invoice.left, invoice.right, invoice.line) == ("InvoiceLine", "invoice_line", 19)
    assert invoice.options["chunk_size"] == 100 and invoice.options["key"] == ["InvoiceLineId"]
    assert invoice.options["column_rules"] == {
        "UnitPrice": ("decimal", {"abs_tol": 0.01}),
        "Created": ("timestamp", {"assume_zone": "UTC"}),
    }
    assert cf.run_thresholds.to_dict() == {"changed": {"fail": "1000"}}
    assert cf.thresholds.limits["schema"] == DEFAULT_THRESHOLDS.limits["schema"]


def test_file_urls_are_relative_to_the_check_file_too(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """`history: duckdb:///h.duckdb` (and a source `sqlite:///r.db`) stayed relative to the job's
    directory: cron, running from elsewhere, recorded into a new store there, silently."""
    from dbdiff.sources.urls import parse_url

    (tmp_path / "conf dir").mkdir()
    (tmp_path / "elsewhere").mkdir()
    path = tmp_path / "conf dir" / "dbdiff.yaml"
    path.write_text(
        "left: duckdb:///l.duckdb\nright: sqlite:///sub/r.db\nhistory: duckdb:///h.duckdb\ntables: [a]\n"
    )
    monkeypatch.chdir(tmp_path / "elsewhere")
    cf = load_checkfile(path)
    base = tmp_path / "conf dir"
    assert Path(str(parse_url(cf.left_url).path)) == base / "l.duckdb"
    assert Path(str(parse_url(cf.right_url).path)) == base / "sub" / "r.db"
    assert cf.history is not None and Path(str(parse_url(cf.history).path)) == base / "h.duckdb"
    absolute = f"duckdb:///{tmp_path}/abs.duckdb"  # duckdb:////tmp/...: already absolute
    path.write_text(f"left: {absolute}\nright: postgresql://u@h/db\ntables: [a]\n")
    cf = load_checkfile(path)
    assert (cf.left_url, cf.right_url) == (absolute, "postgresql://u@h/db")


def test_the_repr_of_a_check_file_shows_no_password(tmp_path: Path) -> None:
    """The sources' URLs were hidden from repr (a notebook shows it), the history URL was not."""
    path = write(tmp_path, "left: {env: L}\nright: {env: R}\nhistory: {url: {env: H}}\ntables: [a]\n")
    env = {"L": "mysql://a:LeftPw99@h/d", "R": "mysql://a@h/d", "H": "postgresql://t:HistPw99@ops/dbdiff"}
    cf = load_checkfile(path, environ=env)
    assert cf.history == env["H"]
    assert "HistPw99" not in repr(cf) and "LeftPw99" not in repr(cf)


def test_defaults_when_keys_are_left_out(tmp_path: Path) -> None:
    cf = load(tmp_path, MINIMAL + "tables: ['*']\n")
    assert cf.match_names == "case" and cf.name == "dbdiff"  # the file's stem
    assert cf.history == str(tmp_path / "dbdiff.history.duckdb")
    assert (cf.history_last, cf.tables_at_once, cf.workers, cf.memory_limit) == (20, 2, 4, None)
    assert cf.thresholds == DEFAULT_THRESHOLDS and cf.run_thresholds.limits == {}
    assert plain(cf.tables[0].options) == {}


def test_yaml_anchors_and_merge_keys_share_options(tmp_path: Path) -> None:
    text = MINIMAL + textwrap.dedent(
        """\
        tables:
          - name: a
            <<: &shared {chunk_size: 5, key: [id]}
          - name: b
            <<: [*shared, {where: "x > 1", chunk_size: 9}]
            key: [other]
        """
    )
    a, b = load(tmp_path, text).tables
    assert plain(a.options) == {"chunk_size": 5, "key": ["id"]}
    assert plain(b.options) == {"chunk_size": 5, "key": ["other"], "where": "x > 1"}


def test_history_forms(tmp_path: Path) -> None:
    assert load(tmp_path, MINIMAL + "history: false\ntables: [a]\n").history is None
    url = "postgresql://hist@h/history"
    cf = load(tmp_path, MINIMAL + f"history: {{url: '{url}', in_source_database: true}}\ntables: [a]\n")
    assert (cf.history, cf.history_in_source) == (url, True)
    cf = load(tmp_path, MINIMAL + "history: {url: {env: HIST}}\ntables: [a]\n", env={"HIST": url})
    assert (cf.history, cf.history_in_source) == (url, False)
    assert load(tmp_path, MINIMAL + "history: /var/h.duckdb\ntables: [a]\n").history == "/var/h.duckdb"


def test_relative_paths_are_relative_to_the_check_file(tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text("rules: []\n")
    (tmp_path / "schema.yaml").write_text("schema_type: dataframe\n")
    cf = load(
        tmp_path,
        "left: left.parquet\nright: right.parquet\ntables: [t]\n"
        "defaults: {rules: rules.yaml, schema: schema.yaml}\n",
    )
    assert cf.left_url == str(tmp_path / "left.parquet")
    assert cf.tables[0].options["rules"] == [str(tmp_path / "rules.yaml")]
    assert cf.tables[0].options["schema"] == str(tmp_path / "schema.yaml")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # unknown keys, everywhere, with did-you-mean
        (
            MINIMAL + "tables: [a]\ntreshold: {}\n",
            "dbdiff.yaml line 4: unknown key 'treshold' (did you mean 'thresholds'?)",
        ),
        (
            MINIMAL + "tables:\n  - name: orders\n    keys: [id]\n",
            "dbdiff.yaml line 5: unknown key 'keys' in table 'orders' (did you mean 'key'?)",
        ),
        (
            MINIMAL + "tables:\n  - left: A\n    right: a\n    chunk-size: 5\n",
            "line 6: unknown key 'chunk-size' in table 'A' -> 'a' (did you mean 'chunk_size'?)",
        ),
        (
            MINIMAL + "defaults: {sample_limt: 5}\ntables: [a]\n",
            "line 3: unknown key 'sample_limt' in defaults (did you mean 'sample_limit'?)",
        ),
        (
            MINIMAL + "run: {worker: 2}\ntables: [a]\n",
            "line 3: unknown key 'worker' in run (did you mean 'workers'?)",
        ),
        (
            MINIMAL + "tables:\n  - name: a\n    workers: 2\n",
            "unknown key 'workers' in table 'a' (the run's workers are shared",
        ),
        (
            MINIMAL + "tables:\n  - name: a\n    table: b\n",
            "unknown key 'table' in table 'a' (name a table with 'name'",
        ),
        (
            MINIMAL + "history: {url: x.duckdb, in_source: true}\ntables: [a]\n",
            "unknown key 'in_source' in history (did you mean 'in_source_database'?)",
        ),
        (
            MINIMAL + "tables: [a]\nchunk_size: 5\n",
            "line 4: unknown key 'chunk_size' (a diff option: set it under defaults:",
        ),
        (
            MINIMAL + "defaults: {thresholds: {}}\ntables: [a]\n",
            "unknown key 'thresholds' in defaults (thresholds for every table",
        ),
        # wrong types
        (
            MINIMAL + "defaults: {chunk_size: big}\ntables: [a]\n",
            "line 3: defaults: chunk_size must be a whole number, not 'big'",
        ),
        (
            MINIMAL + "defaults: {chunk_size: 0}\ntables: [a]\n",
            "line 3: defaults: chunk_size must be at least 1, not 0",
        ),
        (
            MINIMAL + "tables:\n  - name: a\n    key: {id: 1}\n",
            "line 5: table 'a': key must be a name or a list of names",
        ),
        (MINIMAL + "tables:\n  - name: a\n    where: 5\n", "line 5: table 'a': where must be text, not 5"),
        (
            MINIMAL + "tables:\n  - name: a\n    column_rules: {x: 'nosuch:a=1'}\n",
            "line 5: table 'a': column_rules: unknown normalizer",
        ),
        # A table named like a YAML value (no, off, 2024) is read as that value: say to quote it.
        (MINIMAL + "tables: [orders, no]\n", "entry #2 must be a name, a pattern or a mapping (YAML reads"),
        (MINIMAL + "tables:\n  - name: off\n", "table False: 'name' must be a table name (YAML reads an"),
        (MINIMAL + "tables:\n  - left: 2024\n    right: y\n", "'left' must be a table name (YAML reads"),
        # The [NORMALIZER, {params}] form is checked like the string form (it loaded unchecked).
        (
            MINIMAL + "tables:\n  - name: a\n    column_rules: {x: [flot, {abs_tol: 0.01}]}\n",
            "line 5: table 'a': column_rules: unknown normalizer 'flot' (did you mean 'float'?",
        ),
        (
            MINIMAL + "tables:\n  - name: a\n    column_rules: {x: [float, {abs_tl: 0.01}]}\n",
            "line 5: table 'a': column_rules: column 'x': normalizer 'float' has no parameter 'abs_tl'",
        ),
        (
            MINIMAL + "tables:\n  - name: a\n    column_rules: {x: [float, {abs_tol: wide}]}\n",
            "line 5: table 'a': column_rules: column 'x': parameter 'abs_tol' of normalizer 'float'",
        ),
        (
            MINIMAL + "tables:\n  - name: a\n    column_rules: {x: 5}\n",
            "line 5: table 'a': column_rules: x: write",
        ),
        (
            MINIMAL + "history_last: 0\ntables: [a]\n",
            "line 3: history_last must be a whole number of at least 1, not 0",
        ),
        (
            MINIMAL + "run: {tables_at_once: true}\ntables: [a]\n",
            "run: tables_at_once must be a whole number",
        ),
        (MINIMAL + "run: {memory_limit: 4}\ntables: [a]\n", "run: memory_limit must be a size"),
        (MINIMAL + "match_names: snake\ntables: [a]\n", "line 3: match_names: 'snake' is not a mode"),
        (MINIMAL + "version: 2\ntables: [a]\n", "line 3: unsupported version 2"),
        (MINIMAL + "history: 5\ntables: [a]\n", "line 3: history: must be a path"),
        # thresholds
        (
            MINIMAL + "thresholds: {changed: {fail: ten}}\ntables: [a]\n",
            "line 3: thresholds: changed: fail: 'ten' is not a whole number or a percentage like '0.1%'",
        ),
        (
            MINIMAL + "thresholds:\n  changed: {fail: 1.5}\ntables: [a]\n",
            "line 4: thresholds: changed: fail: 1.5 is not a whole number",
        ),
        (MINIMAL + "thresholds:\n  changed: {fail: '10'}\ntables: [a]\n", "fail: '10' is not a whole number"),
        (MINIMAL + "thresholds:\n  changed: {fail: -1}\ntables: [a]\n", "fail: -1 is negative"),
        (MINIMAL + "thresholds:\n  changed: {fail: '101%'}\ntables: [a]\n", "'101%' is above 100%"),
        (MINIMAL + "thresholds:\n  changed: {fail: true}\ntables: [a]\n", "fail: true is not a whole number"),
        (
            MINIMAL + "thresholds:\n  chaged: {fail: 1}\ntables: [a]\n",
            "line 4: thresholds: unknown metric 'chaged' (did you mean 'changed'?)",
        ),
        (MINIMAL + "thresholds:\n  changed: {error: 1}\ntables: [a]\n", "unknown level 'error'"),
        (
            MINIMAL + "thresholds:\n  changed: 5\ntables: [a]\n",
            "thresholds: changed: 5 is not a mapping of limits",
        ),
        (
            MINIMAL + "thresholds:\n  changed: {warn: 50, fail: 10}\ntables: [a]\n",
            "the warn limit 50 is above the fail limit 10",
        ),
        (
            MINIMAL + "thresholds:\n  schema: {fail: '1%'}\ntables: [a]\n",
            "a fraction of the row count, which this metric does not count",
        ),
        (
            MINIMAL + "run_thresholds: [changed]\ntables: [a]\n",
            "line 3: run_thresholds: ['changed'] is not a mapping",
        ),
        (
            MINIMAL + "tables:\n  - name: a\n    thresholds:\n      changed: {fail: x}\n",
            "line 6: table 'a': thresholds: changed: fail: 'x' is not a whole number",
        ),
        # environment variables and URLs
        (
            "left: {env: NOPE}\nright: x.parquet\ntables: [a]\n",
            "dbdiff.yaml line 1: left: environment variable NOPE is not set",
        ),
        (
            "left: {env: EMPTY}\nright: x.parquet\ntables: [a]\n",
            "line 1: left: environment variable EMPTY is empty",
        ),
        (
            "left: {variable: X}\nright: x.parquet\ntables: [a]\n",
            "unknown key 'variable' in left (allowed: env)",
        ),
        ("left: nosuch://h/db\nright: x.parquet\ntables: [a]\n", "line 1: left: "),
        ("left: 5\nright: x.parquet\ntables: [a]\n", "line 1: left: must be a URL"),
        ("right: x.parquet\ntables: [a]\n", "no 'left' source"),
        # tables
        (MINIMAL, "no 'tables'"),
        (MINIMAL + "tables: []\n", "line 3: tables: must be a list"),
        (
            MINIMAL + "tables: '*'\n",
            "line 3: tables: must be a list of names, patterns or pairs (write tables: ['*'])",
        ),
        (
            MINIMAL + "tables:\n  - name: a\n    left: a\n    right: b\n",
            "line 4: table 'a': give either 'name' or 'left' and 'right', not both",
        ),
        (
            MINIMAL + "tables:\n  - key: id\n",
            "line 4: tables: entry #1 has neither 'name' nor 'left' and 'right'",
        ),
        (MINIMAL + "tables:\n  - left: a\n", "line 4: table 'a' -> None: 'right' must be a table name"),
        (
            MINIMAL + "tables:\n  - left: 'a*'\n    right: b\n",
            "'left' names one table; use 'name' for a pattern",
        ),
        (
            MINIMAL + "tables:\n  - orders\n  - Orders\n",
            "line 5: table 'Orders' is listed twice (first at line 4)",
        ),
        (
            MINIMAL + "tables:\n  - orders\n  - left: orders\n    right: orders_v2\n",
            "line 5: table 'orders' is listed twice",
        ),
        (MINIMAL + "tables: ['b_*', 'b_*']\n", "table 'b_*' is listed twice"),
        (MINIMAL + "tables:\n  - [a]\n", "tables: entry #1 must be a name, a pattern or a mapping"),
        (
            MINIMAL + "tables:\n  - name: orders\n    exclude: [a]\n    exclude_columns: [b]\n",
            "give 'exclude' or 'exclude_columns', not both",
        ),
        # YAML itself
        (MINIMAL + "tables: [a\n", "dbdiff.yaml line 4: not valid YAML"),
        (MINIMAL + "tables: [a]\nleft: x\n", "line 4: the key 'left' is given twice (first at line 1)"),
        (MINIMAL + "tables: [a]\n1: x\n", "line 4: the key 1 is not a name"),
        ("", "the check file is empty"),
        ("- a\n", "dbdiff.yaml line 1: a check file is a mapping"),
        # its name, which a shared history's runs are told apart by
        (MINIMAL + "name: ''\ntables: [a]\n", "dbdiff.yaml line 3: name: must be a non-empty text"),
        (MINIMAL + "name: 2024\ntables: [a]\n", "dbdiff.yaml line 3: name: must be a non-empty text"),
        (MINIMAL + "nme: shop\ntables: [a]\n", "unknown key 'nme' (did you mean 'name'?)"),
    ],
)
def test_bad_check_files_are_one_line_naming_file_and_line(tmp_path: Path, text: str, expected: str) -> None:
    message = error(tmp_path, text, env={**ENV, "EMPTY": ""})
    assert message.startswith(str(tmp_path / "dbdiff.yaml")), message
    assert expected in message, message


def test_options_are_checked_merged_and_errors_point_at_the_option(tmp_path: Path) -> None:
    # A default every table overrides is never used alone: no error.
    cf = load(tmp_path, MINIMAL + "defaults: {chunk_size: 0}\ntables:\n  - name: a\n    chunk_size: 5\n")
    assert cf.tables[0].options["chunk_size"] == 5
    text = MINIMAL + "tables:\n  - name: a\n    key: id\n    chunk_size: 0\n"
    assert error(tmp_path, text).endswith("line 6: table 'a': chunk_size must be at least 1, not 0")
    # A YAML timestamp given to a text option is the text the user wrote.
    cf = load(tmp_path, MINIMAL + "tables:\n  - name: a\n    where: 2026-12-01\n")
    assert cf.tables[0].options["where"] == "2026-12-01"


def test_rule_and_schema_files_are_checked_before_any_connection(tmp_path: Path) -> None:
    text = MINIMAL + "tables:\n  - name: a\n    rules: my-rules.yaml\n"
    assert "line 5: table 'a': rules: rule file" in error(tmp_path, text)
    assert "does not exist" in error(tmp_path, text)
    (tmp_path / "my-rules.yaml").write_text("rules:\n  - name: r\n    left: {family: integer}\n")
    assert "rule 'r' has no 'right'" in error(tmp_path, text)
    text = MINIMAL + "defaults: {schema: nope.yaml}\ntables: [a]\n"
    assert error(tmp_path, text).endswith("line 3: defaults: schema: schema file 'nope.yaml' does not exist")


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"check file '.*nope.yaml' does not exist \(`dbdiff init"):
        load_checkfile(tmp_path / "nope.yaml")
    (tmp_path / "bad.yaml").write_bytes(b"left: \xff\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_checkfile(tmp_path / "bad.yaml")


def test_a_password_in_an_env_url_never_shows_in_errors(tmp_path: Path) -> None:
    text = "left: {env: L}\nright: x.parquet\ntables: [a]\n"
    env = {"L": "mysql://u:s3cret@h:bad/db"}
    message = error(tmp_path, text, env)
    assert "line 1: left:" in message


def test_commands_that_connect_to_no_source_need_not_resolve_them(tmp_path: Path) -> None:
    path = write(
        tmp_path, "left: {env: NOPE}\nright: {env: DBDIFF_RIGHT_URL}\nhistory: {url: {env: H}}\ntables: [a]\n"
    )
    cf = load_checkfile(path, environ={"H": "h.duckdb", **ENV}, resolve_sources=False)
    assert (cf.left_url, cf.right_url, cf.history) == (
        "",
        ENV["DBDIFF_RIGHT_URL"],
        str(tmp_path / "h.duckdb"),
    )
    with pytest.raises(ConfigError, match="line 3: history: url: environment variable H is not set"):
        load_checkfile(path, environ=ENV, resolve_sources=False)


def test_environ_defaults_to_the_process_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DBDIFF_TEST_RIGHT", "postgresql://pg@h/db")
    path = write(tmp_path, "left: a.parquet\nright: {env: DBDIFF_TEST_RIGHT}\ntables: [a]\n")
    assert load_checkfile(path).right_url == "postgresql://pg@h/db"


# --- pairing -------------------------------------------------------------------------------------


def pairs(
    cf: CheckFile, left: list[str], right: list[str]
) -> tuple[list[tuple[str, str, int]], list[str], list[str]]:
    both, only_left, only_right = resolve_tables(cf, left, right)
    assert all(isinstance(p, TablePair) for p in both)
    for pair in both:
        keywords = pair.keywords()
        assert (keywords["table"], keywords["right_table"]) == (pair.left, pair.right)
        assert DiffOptions.from_keywords(keywords).table == pair.left
    return [(p.left, p.right, p.entry.line) for p in both], only_left, only_right


def test_names_patterns_excludes_and_explicit_pairs(tmp_path: Path) -> None:
    cf = load(tmp_path, FULL)
    left = ["orders", "billing_a", "billing_tmp_x", "InvoiceLine", "audit", "billing_old"]
    right = ["orders", "billing_a", "invoice_line", "billing_new", "billing_tmp_y", "audit"]
    assert pairs(cf, left, right) == (
        [("orders", "orders", 14), ("billing_a", "billing_a", 15), ("InvoiceLine", "invoice_line", 19)],
        ["billing_old"],  # chosen by billing_*, on the left only
        ["billing_new"],  # audit is chosen by no entry; billing_tmp_* are excluded
    )


def test_match_names_pairs_tables_and_a_name_entry_wins_over_a_pattern(tmp_path: Path) -> None:
    text = MINIMAL + "match_names: {mode}\ntables:\n  - '*'\n  - name: invoice_line\n    key: [id]\n"
    cf = load(tmp_path, text.format(mode="convention"))
    got, only_left, only_right = pairs(cf, ["InvoiceLine", "Orders"], ["invoice_line", "orders"])
    assert got == [("InvoiceLine", "invoice_line", 6), ("Orders", "orders", 5)]
    entry = cf.entry_for("InvoiceLine", "invoice_line")
    assert entry is not None and plain(entry.options) == {"key": ["id"]}
    cf = load(tmp_path, text.format(mode="case"))
    got, only_left, only_right = pairs(cf, ["InvoiceLine", "Orders"], ["invoice_line", "orders"])
    assert (
        got == [("Orders", "orders", 5)] and only_left == ["InvoiceLine"] and only_right == ["invoice_line"]
    )
    cf = load(tmp_path, text.format(mode="exact"))
    got, only_left, only_right = pairs(cf, ["Orders", "invoice_line"], ["orders", "invoice_line"])
    assert (
        got == [("invoice_line", "invoice_line", 6)] and only_left == ["Orders"] and only_right == ["orders"]
    )


def test_explicit_pair_with_one_side_missing_is_a_one_side_table(tmp_path: Path) -> None:
    cf = load(tmp_path, MINIMAL + "tables:\n  - left: Orders\n    right: orders_v2\n")
    assert pairs(cf, ["Orders"], ["orders"]) == ([], ["Orders"], [])


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        ("ordrs", "line 4: tables: 'ordrs' matches no table (did you mean 'orders'?)"),
        ("'billng_*'", "line 4: tables: 'billng_*' matches no table (did you mean 'billing_*'?)"),
        ("{left: Invoice, right: invoice}", "tables: 'Invoice' -> 'invoice' matches no table"),
    ],
)
def test_an_entry_that_matches_no_table_is_a_config_error(tmp_path: Path, entry: str, expected: str) -> None:
    cf = load(tmp_path, MINIMAL + f"tables:\n  - {entry}\n")
    with pytest.raises(ConfigError) as caught:
        resolve_tables(cf, ["orders", "billing_items", "billing_tax"], ["orders", "billing_items"])
    assert caught.value.exit_code == 2 and expected in str(caught.value), str(caught.value)


def test_thresholds_for_a_table_follow_its_entry(tmp_path: Path) -> None:
    cf = load(tmp_path, FULL)
    assert cf.thresholds_for("billing_a", "billing_a").limits["changed"].fail == 50
    assert cf.thresholds_for("billing_tmp_x", "billing_tmp_x") == cf.thresholds  # excluded: the file's
    assert cf.thresholds_for("InvoiceLine", "invoice_line").limits["changed"].text["fail"] == "0.1%"


def test_a_one_side_table_is_judged_by_its_own_entry_not_a_pair_of_the_same_name(tmp_path: Path) -> None:
    """The pair `left: orders, right: orders_v2` tolerates catalog differences; the legacy right
    `orders` that '*' chooses exists on the right only. Its thresholds were the pair's (found by
    the name `orders` on either side), so its one-side `schema` breach passed instead of failing."""
    from dbdiff.result import DiffResult, SourceInfo, TableResult
    from dbdiff.thresholds import with_verdicts

    text = MINIMAL + (
        "tables:\n  - '*'\n  - left: orders\n    right: orders_v2\n    thresholds: {schema: {fail: 5}}\n"
    )
    cf = load(tmp_path, text)
    assert pairs(cf, ["orders"], ["orders_v2", "orders"]) == ([("orders", "orders_v2", 5)], [], ["orders"])
    assert cf.thresholds_for(None, "orders") == cf.thresholds
    assert cf.thresholds_for("orders", None).limits["schema"].fail == 5
    info = SourceInfo("mysql://a@h/db", "mysql")
    legacy = TableResult("orders", "orders", (), "different", only_on="right")
    pair = TableResult("orders", "orders_v2", ("id",), "identical")
    judged = with_verdicts(DiffResult(info, info, (pair, legacy), "", 0.0, "test"), cf)
    assert [t.verdict.level for t in judged.tables if t.verdict] == ["pass", "fail"]
    assert judged.verdict is not None and judged.verdict.level == "fail"


# --- the reference ---------------------------------------------------------------------------------

DOCS = Path(__file__).resolve().parents[2] / "docs" / "checkfile.md"


def test_the_reference_documents_every_key_option_and_metric() -> None:
    from dbdiff.checkfile import _ENTRY_KEYS, _HISTORY_KEYS, _RUN_KEYS, _TOP_KEYS, _option_keys
    from dbdiff.thresholds import METRICS

    text = DOCS.read_text(encoding="utf-8")
    keys = {*_TOP_KEYS, *_RUN_KEYS, *_HISTORY_KEYS, *_ENTRY_KEYS, *_option_keys(), *METRICS}
    missing = sorted(key for key in keys if f"`{key}`" not in text)
    assert not missing, f"docs/checkfile.md does not document {missing}"


def test_the_reference_example_loads(tmp_path: Path) -> None:
    from dbdiff.checkfile import _option_keys

    later = {"map", "since", "updated_column", "min_age"} - set(_option_keys())
    if later:
        pytest.skip(f"the diff options {sorted(later)} are not in this build yet")
    example = DOCS.read_text(encoding="utf-8").split("```yaml\n", 1)[1].split("```", 1)[0]
    cf = load(tmp_path, example)
    assert [e.line for e in cf.tables] == [16, 17, 20] and cf.name == "shop"


@pytest.mark.parametrize(
    ("mode", "chosen"),
    [
        ("exact", ["billing_a"]),
        ("case", ["Billing_2024", "billing_a"]),
        ("convention", ["Billing_2024", "BillingItem", "billing_a"]),
    ],
)
def test_patterns_match_names_under_the_mode(tmp_path: Path, mode: str, chosen: list[str]) -> None:
    cf = load(tmp_path, MINIMAL + f"match_names: {mode}\ntables: ['billing_*']\n")
    both, only_left, only_right = resolve_tables(
        cf, ["Billing_2024", "BillingItem", "billing_a", "orders"], ["billing_a"]
    )
    assert sorted([p.left for p in both] + only_left) == sorted(chosen) and only_right == []


def test_a_file_shaped_like_dbdiff_init_writes_loads(tmp_path: Path) -> None:
    """What `dbdiff init` writes (comments, env URLs, explicit pairs with keys, tables on one side
    commented out) loads as it is."""
    text = """\
        # A dbdiff check file, started by `dbdiff init` from the two catalogs: edit it, then `dbdiff run`.
        version: 1
        # The left URL holds a password, which a check file never does: export it as
        # DBDIFF_LEFT_URL='mysql://app:***@db1:3306/shop' (with the real password).
        left: {env: DBDIFF_LEFT_URL}
        right: postgresql://pg@db2/shop
        match_names: convention
        # thresholds:
        #   changed: {warn: 0, fail: "0.1%"}
        tables:
          - name: customers
            key: [id]
          - left: InvoiceLine
            right: invoice_line
            key: [InvoiceLineId]  # the right side's primary key: the left side has none
          # - name: audit_log  # only on the left: no table of the other side pairs
        """
    cf = load(tmp_path, text)
    assert [(e.pattern, e.left, e.right, plain(e.options)) for e in cf.tables] == [
        ("customers", None, None, {"key": ["id"]}),
        (None, "InvoiceLine", "invoice_line", {"key": ["InvoiceLineId"]}),
    ]
