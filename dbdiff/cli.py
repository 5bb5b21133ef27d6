"""The command line: parse arguments, call the API, choose renderers, map errors to exit codes.

Exit codes (DESIGN.md principle 8): 0 identical and every check passed; 1 differences or failed
checks; 2 usage, config or rule error; 3 runtime failure; 130 interrupted. Errors are one line on
stderr (with a hint when there is one), never a traceback, and never a password.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from dbdiff import __version__
from dbdiff.errors import DbdiffError, UsageError, scrub

F = TypeVar("F", bound=Callable[..., Any])

_SECRETS: list[str] = []


def _remember_secrets(*urls: str | None) -> None:
    from dbdiff.sources.urls import parse_url

    for url in urls:
        if not url:
            continue
        try:
            _SECRETS.extend(parse_url(url).secrets)
        except DbdiffError:
            pass


def _fail(message: str, code: int) -> None:
    click.echo(f"dbdiff: error: {scrub(message, tuple(_SECRETS))}", err=True)
    raise SystemExit(code)


def handle_errors(func: F) -> F:
    """Map every failure to one clear line and its exit code, in exactly one place."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except DbdiffError as exc:
            _fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            click.echo("dbdiff: interrupted", err=True)
            raise SystemExit(130) from None
        except (click.ClickException, click.exceptions.Exit, SystemExit):
            raise
        except MemoryError:
            _fail("out of memory: try a smaller --chunk-size or fewer --workers", 3)
        except Exception as exc:
            if os.environ.get("DBDIFF_DEBUG"):
                raise
            detail = " ".join(str(exc).split())[:500]
            _fail(f"internal error ({type(exc).__name__}): {detail} (set DBDIFF_DEBUG=1 for a traceback)", 3)

    return wrapper  # type: ignore[return-value]


def _split_names(values: Iterable[str]) -> list[str]:
    """`--columns a,b --columns c` -> ['a', 'b', 'c']."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="dbdiff")
def cli() -> None:
    """dbdiff: prove two copies of a data set agree, and show exactly where they don't."""


def _output_options(func: F) -> F:
    options = [
        click.option(
            "--json",
            "json_path",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Write the JSON report (schema_version 1) to FILE.",
        ),
        click.option(
            "--html",
            "html_path",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Write the self-contained HTML report to FILE.",
        ),
        click.option(
            "--markdown",
            "markdown_path",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Write a Markdown summary (for CI job summaries) to FILE.",
        ),
        click.option(
            "--junit",
            "junit_path",
            type=click.Path(dir_okay=False, path_type=Path),
            help="Write JUnit XML (one testcase per table and check) to FILE.",
        ),
        click.option(
            "--format",
            "fmt",
            type=click.Choice(["text", "json", "markdown"]),
            default="text",
            show_default=True,
            help="What to print on stdout.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def emit(
    result: Any,
    *,
    fmt: str,
    json_path: Path | None,
    html_path: Path | None,
    markdown_path: Path | None,
    junit_path: Path | None,
    quiet: bool = False,
) -> None:
    """Write every requested file and print the stdout view."""
    from dbdiff.report import render

    outputs = {"json": json_path, "html": html_path, "markdown": markdown_path, "junit": junit_path}
    for kind, path in outputs.items():
        if path is None:
            continue
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(render(result, kind), encoding="utf-8")
        except OSError as exc:
            raise UsageError(f"cannot write the {kind} report to {str(path)!r}: {exc.strerror}") from None
    if quiet:
        return
    if fmt == "text":
        from dbdiff.report.text import render_text

        render_text(result)
    else:
        click.echo(render(result, fmt))


@cli.command("diff")
@click.argument("left_url", required=False, envvar="DBDIFF_LEFT_URL")
@click.argument("right_url", required=False, envvar="DBDIFF_RIGHT_URL")
@click.option("--table", "-t", required=True, help="The table to compare (schema.table allowed).")
@click.option("--right-table", help="The table's name on the right side, when it differs.")
@click.option(
    "--key", "-k", multiple=True, help="Key column (repeat for a composite key). Default: the primary key."
)
@click.option(
    "--columns", "-c", multiple=True, help="Compare only these columns (repeat, or comma-separate)."
)
@click.option("--exclude", "-x", multiple=True, help="Leave these columns out (repeat, or comma-separate).")
@click.option("--where", help="A SQL condition applied on both sides (e.g. \"created_at < '2026-01-01'\").")
@click.option("--right-where", help="A different condition for the right side.")
@click.option("--chunk-size", type=int, default=100_000, show_default=True, help="Rows per chunk.")
@click.option("--workers", type=int, default=4, show_default=True, help="Chunks in flight at once.")
@click.option("--sample-limit", type=int, default=100, show_default=True, help="Samples kept per kind.")
@click.option(
    "--rules",
    "rule_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="An extra rule file (YAML); its rules win over the defaults.",
)
@_output_options
@click.option("--no-progress", is_flag=True, help="Never show a progress bar.")
@click.option("--quiet", "-q", is_flag=True, help="Print nothing on stdout (files and exit code only).")
@handle_errors
def diff_command(
    left_url: str | None,
    right_url: str | None,
    table: str,
    right_table: str | None,
    key: Sequence[str],
    columns: Sequence[str],
    exclude: Sequence[str],
    where: str | None,
    right_where: str | None,
    chunk_size: int,
    workers: int,
    sample_limit: int,
    rule_files: Sequence[str],
    fmt: str,
    json_path: Path | None,
    html_path: Path | None,
    markdown_path: Path | None,
    junit_path: Path | None,
    no_progress: bool,
    quiet: bool,
) -> None:
    """Compare TABLE in LEFT_URL and RIGHT_URL, row by row and column by column.

    URLs: mysql://user:pass@host:3306/db, postgresql://user:pass@host:5432/db, duckdb:///file.duckdb,
    sqlite:///file.db, or a .parquet/.csv path. DBDIFF_LEFT_URL and DBDIFF_RIGHT_URL stand in for them.
    Exit codes: 0 identical, 1 different, 2 usage or rule error, 3 runtime failure.
    """
    _remember_secrets(left_url, right_url)
    if not left_url or not right_url:
        raise UsageError("two source URLs are needed", hint="dbdiff diff LEFT_URL RIGHT_URL --table T")
    from dbdiff.api import diff
    from dbdiff.progress import RichProgress, wants_progress

    progress = RichProgress() if (not no_progress and wants_progress()) else None
    result = diff(
        left_url,
        right_url,
        table=table,
        right_table=right_table,
        key=_split_names(key),
        columns=_split_names(columns),
        exclude=_split_names(exclude),
        where=where,
        right_where=right_where,
        chunk_size=chunk_size,
        workers=workers,
        sample_limit=sample_limit,
        rules=list(rule_files),
        progress=progress,
    )
    emit(
        result,
        fmt=fmt,
        json_path=json_path,
        html_path=html_path,
        markdown_path=markdown_path,
        junit_path=junit_path,
        quiet=quiet,
    )
    raise SystemExit(result.exit_code)


@cli.command("demo")
@click.option(
    "--dir",
    "directory",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path("dbdiff-demo"),
    show_default=True,
    help="Where to build the demo databases and write the reports.",
)
@click.option("--chunk-size", type=int, default=250, show_default=True, help="Rows per chunk.")
@handle_errors
def demo_command(directory: Path, chunk_size: int) -> None:
    """Diff two small embedded databases with planted differences (no servers needed).

    Builds a SQLite file shaped like a legacy MySQL store and a DuckDB file shaped like its
    PostgreSQL copy, diffs them, prints the summary and writes the reports. Exits 0 when the demo
    ran (the differences in it are planted on purpose).
    """
    from dbdiff.demo import run_demo

    result, written = run_demo(directory, chunk_size=chunk_size)
    from dbdiff.report.text import render_text

    render_text(result)
    for kind, path in written.items():
        click.echo(f"{kind} report: {path}")


def _setup_logging() -> None:
    import logging

    class _LowerLevelFormatter(logging.Formatter):
        def format(self, record: logging.LogRecord) -> str:
            record.levelname = record.levelname.lower()
            return scrub(super().format(record), tuple(_SECRETS))

    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(_LowerLevelFormatter("dbdiff: %(levelname)s: %(message)s"))
    logger = logging.getLogger("dbdiff")
    logger.handlers[:] = [handler]
    logger.setLevel(logging.DEBUG if os.environ.get("DBDIFF_DEBUG") else logging.WARNING)
    logger.propagate = False


def main(argv: Sequence[str] | None = None) -> None:
    """Console-script entry point."""
    _setup_logging()
    try:
        cli.main(args=list(argv) if argv is not None else None, prog_name="dbdiff", standalone_mode=True)
    except KeyboardInterrupt:
        click.echo("dbdiff: interrupted", err=True)
        sys.exit(130)


if __name__ == "__main__":
    main()
