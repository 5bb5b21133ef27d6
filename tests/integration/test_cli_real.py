"""The command line against the real servers: credentials (UTF-8, libpq query parameters, passwords
of every shape), masked values in errors, a stdout closed early, and errors that say where they
came from."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import uuid
from dataclasses import replace
from urllib.parse import quote

import pytest

from dbdiff.sources.urls import parse_url

pytestmark = pytest.mark.servers


def dbdiff_cli(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dbdiff.cli", *args],
        capture_output=True,
        text=True,
        timeout=240,
        env={**os.environ, "DBDIFF_NO_PROGRESS": "1"},
        **kwargs,
    )


@pytest.fixture(scope="module")
def tables(mysql, pg):
    for server in (mysql, pg):
        server.execute(
            "CREATE TABLE cr_same (id INT PRIMARY KEY, v VARCHAR(20))",
            "INSERT INTO cr_same VALUES (1, 'a'), (2, 'b'), (3, 'c')",
        )
        server.execute("CREATE TABLE cr_diff (id INT PRIMARY KEY, v VARCHAR(20))")
    mysql.execute("INSERT INTO cr_diff VALUES (1, 'a'), (2, 'b')")
    pg.execute("INSERT INTO cr_diff VALUES (1, 'a'), (2, 'B')")
    return "cr_same", "cr_diff"


# --- 9.3: a MariaDB user whose password is not Latin-1 ---------------------------------------------


@pytest.fixture
def utf8_user(mysql):
    """A MariaDB user of this test's own, whose password is 'päss€', dropped afterwards."""
    name = f"dbdiff_u{uuid.uuid4().hex[:8]}"
    admin = mysql._connect()
    try:
        with admin.cursor() as cur:
            cur.execute(f"CREATE USER '{name}'@'%%' IDENTIFIED BY %s", ("päss€",))
            cur.execute(f"GRANT SELECT ON `{mysql.database}`.* TO '{name}'@'%'")
        yield name
    finally:
        with admin.cursor() as cur:
            cur.execute(f"DROP USER IF EXISTS '{name}'@'%'")
        admin.close()


def test_a_password_outside_latin1_logs_in_on_both_connections(mysql, pg, tables, utf8_user, tmp_path):
    url = replace(parse_url(mysql.url), user=utf8_user, password="päss€").connection_url()
    assert "p%C3%A4ss%E2%82%AC" in url
    out = tmp_path / "r.json"
    # cr_diff: a changed row is found, so rows went through connectorx's connection, not only
    # the catalog queries over PyMySQL's.
    proc = dbdiff_cli("diff", url, pg.url, "--table", tables[1], "--json", str(out))
    assert proc.returncode == 1, proc.stderr
    report = json.loads(out.read_text())
    assert report["tables"][0]["summary"]["changed"] == 1
    assert report["tables"][0]["samples"]["changed"][0]["diffs"]["v"] == {"left": "b", "right": "B"}
    assert "päss€" not in proc.stdout + proc.stderr + out.read_text()
    assert report["left"]["url"].startswith(f"mysql://{utf8_user}:***@")
    # The same password given as ?password= (percent-encoded UTF-8) works as well.
    query_url = (
        replace(parse_url(mysql.url), user=utf8_user).connection_url() + "?password=p%C3%A4ss%E2%82%AC"
    )
    proc = dbdiff_cli("diff", query_url, pg.url, "--table", tables[0])
    assert proc.returncode == 0, proc.stderr


# --- 8.8: libpq query parameters ---------------------------------------------------------------------


def test_libpq_query_parameters_are_honoured_and_the_password_redacted(mysql, pg, tables, tmp_path):
    # Local PostgreSQL trusts the connection, so any password is accepted: what matters is that
    # it is accepted once, and shown nowhere.
    url = pg.url + "?password=Hunter2Zq&sslmode=disable&application_name=dbdiff-test&connect_timeout=5"
    out = tmp_path / "r.json"
    proc = dbdiff_cli("diff", mysql.url, url, "--table", tables[0], "--json", str(out))
    assert proc.returncode == 0, proc.stderr
    report = out.read_text()
    assert "Hunter2Zq" not in proc.stdout + proc.stderr + report
    assert json.loads(report)["right"]["url"].startswith("postgresql://postgres:***@")


def test_connectorx_skips_tls_only_where_the_server_took_the_catalog_connection_without_it(pg):
    """Under sslmode prefer (the default) or allow, a server that took the catalog connection in
    plain text takes connectorx's the same way: connectorx is told sslmode=disable, keeping the
    other parameters and the password. Any other sslmode reaches connectorx as given."""
    from dbdiff.sources.base import open_source

    for query, rewritten in (
        ("", True),
        ("?sslmode=prefer&application_name=dbdiff-test", True),
        ("?sslmode=allow", True),
        ("?sslmode=disable&connect_timeout=5", False),
    ):
        source = open_source(pg.url + query)
        try:
            source.ping()
            plain = not source._conn.pgconn.ssl_in_use
            url = parse_url(source._cx_url())
            params = dict(url.params)
            if rewritten and plain:
                assert params["sslmode"] == "disable", query
            else:
                assert url.params == parse_url(pg.url + query).params, query
            assert [k for k, _ in url.params if k != "sslmode"] == [
                k for k, _ in parse_url(pg.url + query).params if k != "sslmode"
            ]
            assert url.password == parse_url(pg.url).password
            assert source._read("SELECT 41 + 1 AS x").column("x").to_pylist() == [42]  # connectorx takes it
        finally:
            source.close()


def test_target_session_attrs_choose_the_server_once_and_never_stall_the_reads(mysql, pg, tables):
    """libpq judges read-write and read-only by the session, and dbdiff's sessions are read-only
    on any server: read-write never connected, and read-only passed the catalog but connectorx
    refused every read, retrying for 90 s (exit 3). primary and standby judge the server; the
    catalog connection checks it, and connectorx (which takes neither) reads the same server."""
    import time

    proc = dbdiff_cli("diff", mysql.url, pg.url + "?target_session_attrs=primary", "--table", tables[0])
    assert proc.returncode == 0, proc.stderr
    for value in ("read-only", "read-write"):
        started = time.monotonic()
        proc = dbdiff_cli("diff", mysql.url, pg.url + f"?target_session_attrs={value}", "--table", tables[0])
        assert proc.returncode == 2 and "use target_session_attrs=primary or standby" in proc.stderr
        assert time.monotonic() - started < 30, value
    proc = dbdiff_cli("diff", mysql.url, pg.url + "?target_session_attrs=standby", "--table", tables[0])
    assert proc.returncode == 3 and "not in hot standby" in proc.stderr, proc.stderr  # a primary here


def test_an_unusable_query_parameter_is_a_usage_error(mysql, pg, tables):
    # (every refusal is in tests/unit/test_url_passwords.py; here: the CLI's exit code and line)
    proc = dbdiff_cli("diff", mysql.url, pg.url + "?sslmod=disable&password=Hunter2Zq", "--table", tables[0])
    assert proc.returncode == 2, proc.stderr
    assert "does not take the query parameter" in proc.stderr and "Traceback" not in proc.stderr
    assert "Hunter2Zq" not in proc.stderr


def test_a_password_both_in_the_url_and_the_query_is_a_usage_error(mysql, pg, tables):
    url = replace(parse_url(pg.url), password="Hunter2Zq").connection_url() + "?password=Other9Zq"
    proc = dbdiff_cli("diff", mysql.url, url, "--table", tables[0])
    assert proc.returncode == 2, proc.stderr
    assert "gives the password twice" in proc.stderr
    # The message reads whole: redaction does not eat the words that follow the parameter's name.
    assert proc.stderr.rstrip().endswith("as a query parameter)"), proc.stderr
    assert "Hunter2Zq" not in proc.stderr and "Other9Zq" not in proc.stderr


def test_mysql_query_parameters_are_checked_too(mysql, pg, tables):
    proc = dbdiff_cli("diff", mysql.url + "?charset=utf8mb4", pg.url, "--table", tables[0])
    assert proc.returncode == 2, proc.stderr
    assert "does not take the query parameter 'charset'" in proc.stderr
    proc = dbdiff_cli("diff", mysql.url + "?prefer_socket=false", pg.url, "--table", tables[0])
    assert proc.returncode == 0, proc.stderr


def test_a_refused_query_parameter_names_the_side_of_its_url(mysql, pg, tables):
    proc = dbdiff_cli("diff", pg.url, pg.url + "?gssencmode=disable", "--table", tables[0])
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("dbdiff: error: right URL: dbdiff does not take the query"), proc.stderr
    proc = dbdiff_cli("validate", mysql.url + "?charset=utf8mb4", "--table", tables[0])
    assert proc.returncode == 2, proc.stderr
    assert proc.stderr.startswith("dbdiff: error: source URL: dbdiff does not take"), proc.stderr


# --- 9.2: passwords of every shape, through the real CLI and a real report ------------------------

# Shaped like the p@ss#word and p@ss/w?rd, with no piece any message holds anyway.
NASTY = ["Qp@9#Zkv/Zk?v", "Zq€ 9:%x&y=[]"]


def _pieces(password: str) -> set[str]:
    forms = (password, quote(password, safe=""))
    return {f[i : i + 4] for f in forms for i in range(len(f) - 3)} | set(forms)


@pytest.mark.parametrize("password", NASTY)
@pytest.mark.parametrize("encode", [False, True])
def test_no_output_or_report_carries_a_piece_of_the_password(mysql, pg, tables, tmp_path, password, encode):
    base = parse_url(pg.url)
    embedded = quote(password, safe="") if encode else password
    url = f"postgresql://postgres:{embedded}@{base.host}:{base.port}/{base.database}"
    reports = {kind: tmp_path / f"r.{kind}" for kind in ("json", "html", "md", "xml")}
    proc = dbdiff_cli(
        "diff",
        mysql.url,
        url,
        "--table",
        tables[1],
        "--json",
        str(reports["json"]),
        "--html",
        str(reports["html"]),
        "--markdown",
        str(reports["md"]),
        "--junit",
        str(reports["xml"]),
    )
    texts = [proc.stdout, proc.stderr] + [p.read_text() for p in reports.values() if p.exists()]
    if encode:
        assert proc.returncode == 1, proc.stderr  # trusted: the diff ran and found the change
        assert len(texts) == 6
    else:
        assert proc.returncode == 2, proc.stderr  # ambiguous: refused before connecting
        assert "percent-encoded" in proc.stderr
    for text in texts:
        for piece in _pieces(password):
            assert piece not in text, (piece, text[:2000])


# --- 8.6: masked values in error messages --------------------------------------------------------------


def test_a_masked_value_that_cannot_be_read_is_hidden_in_the_error(mysql, pg, unique_name):
    t = unique_name("mask")
    mysql.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, doc LONGTEXT)",
        f"INSERT INTO {t} VALUES (1, '{{\"a\": 1}}'), (2, 'Zq-private-notjson-7741')",
    )
    pg.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, doc JSONB)",
        f"INSERT INTO {t} VALUES (1, '{{\"a\": 1}}'), (2, '{{\"b\": 2}}')",
    )
    # Unmasked, the message may quote the value (that is how a user finds it) ...
    plain = dbdiff_cli("diff", mysql.url, pg.url, "--table", t, "--rule", "doc=json")
    masked_out = dbdiff_cli("diff", mysql.url, pg.url, "--table", t, "--rule", "doc=json", "--mask", "doc")
    # ... masked, whatever the run makes of the value (an error today, a reported difference once
    # unreadable values are a kind of difference), the value is nowhere.
    assert masked_out.returncode == plain.returncode, (plain.stderr, masked_out.stderr)
    everything = masked_out.stdout + masked_out.stderr
    for piece in ("Zq-private", "notjson", "7741"):
        assert piece not in everything, everything
    if plain.returncode == 2:  # the value was an error: the masked one still says which column
        assert "doc" in masked_out.stderr and "<masked>" in masked_out.stderr


def test_a_masked_key_value_is_hidden_in_the_error_too(mysql, pg, unique_name):
    t = unique_name("maskkey")
    mysql.execute(
        f"CREATE TABLE {t} (code VARCHAR(40) PRIMARY KEY, doc LONGTEXT)",
        f"INSERT INTO {t} VALUES ('Zq-key-5512', 'Zq-private-notjson-7741')",
    )
    pg.execute(
        f"CREATE TABLE {t} (code VARCHAR(40) PRIMARY KEY, doc JSONB)",
        f"INSERT INTO {t} VALUES ('Zq-key-5512', '{{\"b\": 2}}')",
    )
    proc = dbdiff_cli(
        "diff",
        mysql.url,
        pg.url,
        "--table",
        t,
        "--rule",
        "doc=json",
        "--mask",
        "code,doc",
        "--format",
        "json",
    )
    everything = proc.stdout + proc.stderr
    for piece in ("Zq-key", "5512", "Zq-private", "7741"):
        assert piece not in everything, everything


# --- 9.7: a reader that stops early ------------------------------------------------------------------


def _closed_stdout(*args: str) -> tuple[int, str]:
    """Run the CLI with stdout a pipe whose only reader is gone before anything is written."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "dbdiff.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env={**os.environ, "DBDIFF_NO_PROGRESS": "1"},
    )
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.close()
    with proc.stderr:
        stderr = proc.stderr.read().decode()
    return proc.wait(timeout=240), stderr


@pytest.mark.parametrize(("fmt", "table", "code"), [("text", 0, 0), ("json", 0, 0), ("text", 1, 1)])
def test_a_closed_stdout_keeps_the_verdict(mysql, pg, tables, fmt, table, code, tmp_path):
    out = tmp_path / "r.json"
    args = ("diff", mysql.url, pg.url, "--table", tables[table], "--format", fmt, "--json", str(out))
    exit_code, stderr = _closed_stdout(*args)
    assert exit_code == code, stderr
    assert stderr == ""
    assert json.loads(out.read_text())["status"] == ("identical", "different")[code]  # files still written


@pytest.mark.parametrize("reader", ["true"])
def test_a_shell_pipe_closed_early_keeps_the_verdict(mysql, pg, tables, reader):
    # The shell's own pipe, its reader gone before dbdiff writes (`| head` once it has its line).
    script = (
        f"{sys.executable} -m dbdiff.cli diff '{mysql.url}' '{pg.url}' --table {tables[0]} "
        f'| {reader} >/dev/null; echo "code=${{PIPESTATUS[0]}}"'
    )
    env = {**os.environ, "DBDIFF_NO_PROGRESS": "1"}
    proc = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=240, env=env)
    assert "code=0" in proc.stdout, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr


def test_a_command_cut_short_by_a_closed_stdout_exits_141():
    # `dbdiff rules` has no verdict; it could not finish writing, as `yes | head` could not.
    code, stderr = _closed_stdout("rules")
    assert code == 141, stderr
    assert "Traceback" not in stderr


# --- 9.10: errors that say where they came from -----------------------------------------------------


@pytest.mark.parametrize(
    ("args", "needles"),
    [
        (["--where", "nonsense_col = 1"], ["the left side (mysql)", "--where", "nonsense_col"]),
        (
            ["--where", "id = 1", "--right-where", "nonsense_col = 1"],
            ["the right side (postgresql)", "--right-where", "nonsense_col"],
        ),
    ],
)
def test_a_rejected_where_names_its_side_and_dialect(mysql, pg, tables, args, needles):
    proc = dbdiff_cli("diff", mysql.url, pg.url, "--table", tables[0], *args)
    assert proc.returncode == 2, proc.stderr
    line = proc.stderr.strip().splitlines()[-1]
    for needle in needles:
        assert needle in line, line


def test_the_no_rule_example_is_a_rule_file_that_works(mysql, pg, unique_name, tmp_path):
    t = unique_name("norule")
    mysql.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, addr VARCHAR(40))",
        f"INSERT INTO {t} VALUES (1, '10.0.0.1/32')",
    )
    pg.execute(f"CREATE TABLE {t} (id INT PRIMARY KEY, addr inet)", f"INSERT INTO {t} VALUES (1, '10.0.0.1')")
    proc = dbdiff_cli("diff", mysql.url, pg.url, "--table", t)
    assert proc.returncode == 2, proc.stderr
    assert "no rule compares column 'addr'" in proc.stderr
    example = re.search(r"rules: \[\{.*?\}\]", proc.stderr)
    assert example, proc.stderr
    rule_file = tmp_path / "rules.yaml"
    rule_file.write_text(example.group(0) + "\n")
    proc = dbdiff_cli("diff", mysql.url, pg.url, "--table", t, "--rules", str(rule_file))
    assert proc.returncode == 0, proc.stderr


# --- explain --mask: chunk boundaries are key values ------------------------------------------------


def test_explain_with_a_masked_key_shows_no_key_value_at_chunk_boundaries(mysql, pg, unique_name):
    table = unique_name("ex_mask")
    emails = [f"person{i:02d}.secretmail@corp.example" for i in range(6)]
    for server in (mysql, pg):
        server.execute(
            f"CREATE TABLE {table} (email VARCHAR(100) PRIMARY KEY, n INT)",
            f"INSERT INTO {table} VALUES " + ", ".join(f"('{e}', {i})" for i, e in enumerate(emails)),
        )
    for fmt in ("text", "json"):
        args = ("explain", mysql.url, pg.url, "--table", table, "--chunk-size", "2", "--format", fmt)
        plain = dbdiff_cli(*args)
        assert plain.returncode == 0, plain.stderr
        assert "secretmail" in plain.stdout  # boundaries do show key values without --mask
        masked = dbdiff_cli(*args, "--mask", "email")
        assert masked.returncode == 0, masked.stderr
        assert "secretmail" not in masked.stdout + masked.stderr
        assert "<masked>" in masked.stdout
    # A masked column that is not the key leaves the boundaries as they are.
    other = dbdiff_cli("explain", mysql.url, pg.url, "--table", table, "--chunk-size", "2", "--mask", "n")
    assert other.returncode == 0 and "secretmail" in other.stdout, other.stderr
