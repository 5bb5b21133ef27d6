"""`dbdiff report RESULT.json` re-renders a saved result, byte for byte, with the saved exit code.

The diffs run on the embedded demo data (a SQLite file against a DuckDB file), so no server is
needed; tests/integration/test_report_servers.py does the same between MariaDB and PostgreSQL.
"""

from __future__ import annotations

import dataclasses
import json
import os
import subprocess
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from dbdiff.demo import PLANTED, build_demo
from dbdiff.report import RENDERERS, render
from dbdiff.result import DiffResult, load_result
from tests import report_fixtures as fx

FILES = {"json": "r.json", "html": "r.html", "markdown": "r.md", "junit": "r.xml"}


def dbdiff_cli(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "dbdiff.cli", *args],
        capture_output=True,
        text=True,
        timeout=240,
        cwd=cwd,
        env={**os.environ, "DBDIFF_NO_PROGRESS": "1"},
    )


def file_options(directory: Path, suffix: str = "") -> list[str]:
    args = []
    for kind, name in FILES.items():
        stem, ext = name.split(".")
        args += [f"--{kind}", str(directory / f"{stem}{suffix}.{ext}")]
    return args


def assert_one_line_error(proc: subprocess.CompletedProcess[str], *needles: str) -> None:
    assert proc.returncode == 2, (proc.returncode, proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr + proc.stdout
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("dbdiff: error: "), proc.stderr
    for needle in needles:
        assert needle in lines[0], proc.stderr


@pytest.fixture(scope="module")
def demo_run(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, subprocess.CompletedProcess[str]]:
    """One `dbdiff diff` of the demo data that writes all four report files."""
    directory = tmp_path_factory.mktemp("demo")
    left, right = build_demo(directory)
    proc = dbdiff_cli(
        "diff",
        f"sqlite:///{left}",
        f"duckdb:///{right}",
        "--table",
        "orders",
        "--chunk-size",
        "300",
        "--quiet",
        *file_options(directory),
    )
    return directory, proc


def test_one_diff_writes_all_four_files(demo_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    directory, proc = demo_run
    assert proc.returncode == 1, proc.stderr
    assert proc.stdout == ""

    result = load_result(directory / "r.json")
    summary = result.table().summary
    assert (summary.changed, summary.only_left, summary.only_right) == (
        len(PLANTED.changed),
        len(PLANTED.only_left),
        len(PLANTED.only_right),
    )
    html = (directory / "r.html").read_text(encoding="utf-8")
    assert html.lstrip().lower().startswith("<!doctype html>")
    assert "orders" in html
    markdown = (directory / "r.md").read_text(encoding="utf-8")
    assert "Different" in markdown
    junit = ElementTree.parse(directory / "r.xml").getroot()
    assert junit.tag == "testsuites"
    assert int(junit.get("failures", "0")) >= 1


def test_report_rerenders_every_file_byte_identical(
    demo_run: tuple[Path, subprocess.CompletedProcess[str]],
) -> None:
    directory, _ = demo_run
    proc = dbdiff_cli("report", str(directory / "r.json"), "--quiet", *file_options(directory, "2"))
    assert proc.returncode == 1, proc.stderr
    for name in FILES.values():
        stem, ext = name.split(".")
        original = (directory / name).read_bytes()
        again = (directory / f"{stem}2.{ext}").read_bytes()
        assert again == original, f"{name} differs after the JSON round trip"


def test_report_prints_the_stdout_view(demo_run: tuple[Path, subprocess.CompletedProcess[str]]) -> None:
    directory, _ = demo_run
    as_json = dbdiff_cli("report", str(directory / "r.json"), "--format", "json")
    assert as_json.returncode == 1, as_json.stderr
    assert as_json.stdout.strip() == (directory / "r.json").read_text(encoding="utf-8").strip()
    as_text = dbdiff_cli("report", str(directory / "r.json"))
    assert as_text.returncode == 1, as_text.stderr
    assert "orders" in as_text.stdout and "Traceback" not in as_text.stderr


@pytest.mark.parametrize(("name", "code"), [("identical", 0), ("different", 1), ("error", 3)])
def test_exit_code_is_the_saved_results(tmp_path: Path, name: str, code: int) -> None:
    saved = tmp_path / "saved.json"
    saved.write_text(render(fx.FIXTURES[name](), "json"), encoding="utf-8")
    proc = dbdiff_cli("report", str(saved), "--quiet", "--html", str(tmp_path / "out.html"))
    assert proc.returncode == code, proc.stderr
    assert proc.stderr == ""
    assert (tmp_path / "out.html").read_text(encoding="utf-8") == render(fx.FIXTURES[name](), "html")


@pytest.mark.parametrize(
    ("content", "needle"),
    [
        (None, "does not exist"),
        ("{", "is not valid JSON"),
        ("[1, 2]", "is not a dbdiff JSON result"),
        ('{"status": "different"}', "is not a dbdiff JSON result"),
        ('{"schema_version": 99, "tables": []}', "schema_version 99"),
        ('{"schema_version": 1, "tables": []}', "field 'left' is missing"),
        ('{"schema_version": 1, "tables": [{"status": 5}], "left": {}, "right": {}}', "is missing"),
        (b"\xff\xfe\x00garbage", "not UTF-8"),
    ],
    ids=["missing", "broken", "list", "no-tables", "version", "no-left", "bad-table", "binary"],
)
def test_a_bad_result_file_is_one_line_and_exit_2(
    tmp_path: Path, content: str | bytes | None, needle: str
) -> None:
    path = tmp_path / "result.json"
    if isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content, encoding="utf-8")
    proc = dbdiff_cli("report", str(path), "--html", str(tmp_path / "out.html"))
    assert_one_line_error(proc, needle)
    assert not (tmp_path / "out.html").exists()


def test_a_directory_is_one_line_and_exit_2(tmp_path: Path) -> None:
    assert_one_line_error(dbdiff_cli("report", str(tmp_path)), "cannot read result file")


def test_unwritable_output_is_exit_2(tmp_path: Path) -> None:
    saved = tmp_path / "saved.json"
    saved.write_text(render(fx.different_result(), "json"), encoding="utf-8")
    blocker = tmp_path / "file"
    blocker.write_text("x", encoding="utf-8")
    assert_one_line_error(
        dbdiff_cli("report", str(saved), "--html", str(blocker / "out.html")), "cannot write the html report"
    )


# --- the renderers see nothing the JSON round trip loses ---


def round_trip(result: DiffResult) -> DiffResult:
    return DiffResult.from_dict(json.loads(render(result, "json")))


@pytest.mark.parametrize("fmt", sorted(RENDERERS))
@pytest.mark.parametrize("name", [*fx.FIXTURES, "many"])
def test_every_renderer_is_deterministic_from_the_json(name: str, fmt: str) -> None:
    build = fx.FIXTURES.get(name) or (lambda: fx.many_samples_result(tables=3, per_table=120))
    result = build()
    assert render(round_trip(result), fmt) == render(result, fmt)


@pytest.mark.parametrize("seconds", [1.2504, 62.5004, 0.00049, 3599.4996])
def test_durations_render_the_same_after_the_round_trip(seconds: float) -> None:
    # The JSON keeps milliseconds; a duration a hair above a rounding boundary once rendered as
    # "1.3 s" live and "1.2 s" from the saved JSON.
    result = dataclasses.replace(fx.different_result(), duration_s=seconds)
    for fmt in ("html", "markdown", "text", "junit"):
        assert render(round_trip(result), fmt) == render(result, fmt), fmt
