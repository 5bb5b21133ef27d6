"""Every bad input gets one clear line, the right exit code, no traceback and no password."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from dbdiff.sources.urls import parse_url

pytestmark = pytest.mark.servers

SECRET = "Sup3r-Secr3t#pw"


def dbdiff_cli(
    *args: str, env: dict[str, str] | None = None, timeout: int = 240
) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "dbdiff.cli", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "DBDIFF_NO_PROGRESS": "1", **(env or {})},
    )


def assert_clean_error(proc: subprocess.CompletedProcess, code: int, *needles: str) -> None:
    assert proc.returncode == code, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr and "Traceback" not in proc.stdout
    lines = proc.stderr.strip().splitlines()
    # One error line, last; retries before it may each have said one warning line.
    assert lines[-1].startswith("dbdiff: error: "), proc.stderr
    assert all(line.startswith("dbdiff: warning: ") for line in lines[:-1]), proc.stderr
    for needle in needles:
        assert needle in lines[-1], proc.stderr
    from urllib.parse import quote

    for leaked in (SECRET, quote(SECRET, safe="")):
        assert leaked not in proc.stderr + proc.stdout


def with_password(url: str, password: str = SECRET) -> str:
    from dataclasses import replace

    return replace(parse_url(url), password=password).connection_url()


@pytest.fixture(scope="module")
def tables(mysql, pg):
    mysql.execute(
        "CREATE TABLE cli_t (id INT PRIMARY KEY, v VARCHAR(10))", "INSERT INTO cli_t VALUES (1,'a'),(2,'b')"
    )
    pg.execute(
        "CREATE TABLE cli_t (id INT PRIMARY KEY, v VARCHAR(10))", "INSERT INTO cli_t VALUES (1,'a'),(2,'B')"
    )
    mysql.execute("CREATE TABLE cli_nokey (id INT, v VARCHAR(10))")
    pg.execute("CREATE TABLE cli_nokey (id INT, v VARCHAR(10))")
    return "cli_t"


def test_diff_writes_json_and_exits_1_on_differences(mysql, pg, tables, tmp_path):
    out = tmp_path / "out.json"
    proc = dbdiff_cli("diff", mysql.url, pg.url, "--table", tables, "--json", str(out))
    assert proc.returncode == 1, proc.stderr
    report = json.loads(out.read_text())
    assert report["schema_version"] == 1 and report["status"] == "different"
    table = report["tables"][0]
    assert table["summary"]["changed"] == 1
    assert table["samples"]["changed"] == [{"key": {"id": 2}, "diffs": {"v": {"left": "b", "right": "B"}}}]
    assert set(report) >= {
        "schema_version",
        "dbdiff_version",
        "started_at",
        "duration_s",
        "left",
        "right",
        "status",
        "tables",
    }
    assert "different" in proc.stdout.lower()


def test_identical_exits_0_and_env_urls_stand_in(mysql, pg, tables):
    env = {"DBDIFF_LEFT_URL": mysql.url, "DBDIFF_RIGHT_URL": pg.url}
    proc = dbdiff_cli("diff", "--table", tables, "--where", "id = 1", "--format", "json", env=env)
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["status"] == "identical"


def test_wrong_host(pg, tables):
    proc = dbdiff_cli("diff", with_password("mysql://root@127.0.0.1:1/test"), pg.url, "--table", tables)
    assert_clean_error(proc, 3, "cannot connect to MySQL at 127.0.0.1:1")


def test_unknown_host(mysql, tables):
    proc = dbdiff_cli(
        "diff",
        mysql.url,
        with_password("postgresql://postgres@no-such-host.invalid:5432/x"),
        "--table",
        tables,
    )
    assert_clean_error(proc, 3, "cannot connect to PostgreSQL")


def test_wrong_password(mysql, pg, tables):
    # MariaDB checks passwords (root has none here, so any password is wrong); PostgreSQL trusts.
    proc = dbdiff_cli("diff", with_password(mysql.url), pg.url, "--table", tables)
    assert_clean_error(proc, 3, "refused the login")


def test_missing_table(mysql, pg, tables):
    proc = dbdiff_cli("diff", mysql.url, pg.url, "--table", "cli_tt")
    assert_clean_error(proc, 2, "does not exist", "did you mean 'cli_t'")


def test_missing_database(mysql, pg, tables):
    from dataclasses import replace

    url = replace(parse_url(pg.url), database="no_such_db_xyz").connection_url()
    proc = dbdiff_cli("diff", mysql.url, url, "--table", tables)
    assert_clean_error(proc, 2, "no database 'no_such_db_xyz'")


def test_no_key_found(mysql, pg, tables):
    proc = dbdiff_cli("diff", mysql.url, pg.url, "--table", "cli_nokey")
    assert_clean_error(proc, 2, "no key found", "--key")


def test_unknown_url_scheme(pg, tables):
    proc = dbdiff_cli("diff", f"mysqll://root:{SECRET}@127.0.0.1/test", pg.url, "--table", tables)
    assert_clean_error(proc, 2, "unknown URL scheme 'mysqll'", "did you mean 'mysql'")


def test_bad_where(mysql, pg, tables):
    proc = dbdiff_cli("diff", mysql.url, pg.url, "--table", tables, "--where", "nonsense_column = 1")
    assert_clean_error(proc, 2, "rejected the query")


def test_bad_option_value(mysql, pg, tables):
    proc = dbdiff_cli("diff", mysql.url, pg.url, "--table", tables, "--chunk-size", "0")
    assert_clean_error(proc, 2, "--chunk-size")


@pytest.mark.parametrize(
    "query",
    [
        "sslmode=bogus",
        "connect_timeout=abc",
        "keepalives=x",
        "target_session_attrs=bogus",
        "options=-c%20no_such_setting%3D1",
    ],
)
def test_a_postgresql_url_parameter_libpq_refuses_is_a_usage_error(mysql, pg, tables, query):
    # A value libpq or the server cannot take is configuration (exit 2), not a failure to reach it.
    sep = "&" if "?" in pg.url else "?"
    proc = dbdiff_cli("diff", mysql.url, with_password(pg.url) + sep + query, "--table", tables)
    assert_clean_error(proc, 2, "query parameter")


def test_a_missing_sslrootcert_file_is_a_usage_error(mysql, pg, tables, tmp_path):
    # psycopg never opened it (the server has no SSL); connectorx failed on every chunk read.
    sep = "&" if "?" in pg.url else "?"
    url = pg.url + sep + f"sslrootcert={tmp_path / 'no-such-root.crt'}"
    proc = dbdiff_cli("diff", mysql.url, url, "--table", tables)
    assert_clean_error(proc, 2, "sslrootcert", "does not exist")
    assert "warning" not in proc.stderr


def test_a_mysql_prefer_socket_value_connectorx_refuses_is_a_usage_error(mysql, pg, tables):
    # PyMySQL ignores it; connectorx failed on every chunk read (retries, then exit 3).
    sep = "&" if "?" in mysql.url else "?"
    proc = dbdiff_cli("diff", mysql.url + sep + "prefer_socket=yes", pg.url, "--table", tables)
    assert_clean_error(proc, 2, "prefer_socket", "true or false")
    assert "warning" not in proc.stderr


# --- a connection that drops mid-run ---------------------------------------------------------


class DroppingProxy:
    """A TCP proxy on loopback to the MariaDB server that can be cut at any moment."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.sockets: list[socket.socket] = []
        self.alive = True
        self.bytes_down = 0
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while self.alive:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            if not self.alive:
                client.close()
                return
            upstream = socket.create_connection(self.target)
            self.sockets += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream, False), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, True), daemon=True).start()

    def _pipe(self, src: socket.socket, dst: socket.socket, down: bool) -> None:
        try:
            while self.alive:
                data = src.recv(65536)
                if not data:
                    break
                if down:
                    self.bytes_down += len(data)
                dst.sendall(data)
        except OSError:
            pass

    def cut(self) -> None:
        self.alive = False
        self.server.close()
        for s in self.sockets:
            try:
                s.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
            finally:
                s.close()


def test_connection_dropping_mid_run_is_a_runtime_failure(mysql, pg, unique_name, tmp_path):
    t = unique_name("drop")
    n = 300_000
    mysql.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, payload VARCHAR(200))",
        f"INSERT INTO {t} SELECT seq, REPEAT('x', 150) FROM seq_1_to_{n}",
    )
    pg.execute(
        f"CREATE TABLE {t} (id INT PRIMARY KEY, payload VARCHAR(200))",
        f"INSERT INTO {t} SELECT g, repeat('x', 150) FROM generate_series(1, {n}) g",
    )
    admin = parse_url(mysql.url)
    proxy = DroppingProxy(admin.host or "127.0.0.1", admin.port or 3306)
    from dataclasses import replace

    # prefer_socket=false: on loopback the MySQL client would otherwise switch to the unix socket.
    url = replace(
        admin, host="127.0.0.1", port=proxy.port, params=(("prefer_socket", "false"),)
    ).connection_url()
    out = tmp_path / "never.json"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "dbdiff.cli",
            "diff",
            url,
            pg.url,
            "--table",
            t,
            "--chunk-size",
            "20000",
            "--workers",
            "1",
            "--json",
            str(out),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "DBDIFF_NO_PROGRESS": "1"},
    )
    deadline = time.monotonic() + 120
    while proxy.bytes_down < 2_000_000 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.01)
    assert proc.poll() is None, proc.communicate()
    proxy.cut()  # mid-run: some chunks are read, others are not
    stdout, stderr = proc.communicate(timeout=240)
    done = subprocess.CompletedProcess(proc.args, proc.returncode, stdout, stderr)
    assert_clean_error(done, 3, "MySQL")
    assert not Path(out).exists()  # no half-finished report that could pass for a result
