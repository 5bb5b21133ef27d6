"""The command line: parse arguments, call the API, choose renderers, map errors to exit codes.

Exit codes (DESIGN.md principle 8): 0 identical and every check passed; 1 differences or failed
checks; 2 usage, config or rule error; 3 runtime failure; 130 interrupted. Errors are one line on
stderr (with a hint when there is one), never a traceback, and never a password.

The options of diff, validate, infer-schema, explain and report are declared once in
`dbdiff.options` and built into click options by `dbdiff.cli_options`; the report flags and
`--format` choices come from the renderer registry (`dbdiff.report.register_renderer`).
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from dbdiff._version import __version__
from dbdiff.cli_options import OnceCommand, OptionsCommand, read_options
from dbdiff.errors import DbdiffError, UsageError, scrub
from dbdiff.interrupts import force_exit_after_ctrl_c, take_ctrl_c
from dbdiff.options import (
    DIFF,
    EXPLAIN,
    INFER,
    REPORT,
    RUN,
    VALIDATE,
    DiffOptions,
    InferOptions,
    OutputOptions,
    ValidateOptions,
)

F = TypeVar("F", bound=Callable[..., Any])

_SECRETS: list[str] = []


def _check_urls(**urls: str | None) -> None:
    """Parse every URL before anything connects: a bad one is a usage error naming its side, and the
    passwords of the good ones are scrubbed from every later message."""
    from dbdiff.errors import URLError
    from dbdiff.sources.urls import parse_url

    for side, url in urls.items():
        if not url:
            continue
        try:
            _SECRETS.extend(parse_url(url).secrets)
        except URLError as exc:
            raise URLError(f"{side} URL: {exc.message}", hint=exc.hint) from None


def _fail(message: str, code: int) -> None:
    click.echo(f"dbdiff: error: {scrub(message, tuple(_SECRETS))}", err=True)
    raise SystemExit(code)


# The shell's code for a process killed by SIGPIPE: what `cmd | head` reports when cmd could not finish.
EXIT_BROKEN_PIPE = 141


def _silence_stdout() -> None:
    """The reader of stdout is gone: send what is still buffered (and any later write) nowhere, so
    the exit code stays the one the run earned, not Python's complaint at shutdown."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # stdout is not a real file descriptor (a test's capture)
        pass


#: The --verdict-file of the command running (`dbdiff run`), and whether Ctrl-C was reported.
_interrupt: dict[str, Any] = {"verdict_file": None, "told": False}


def _interrupted() -> None:
    """Ctrl-C ended the command: an interrupted `dbdiff run` replaces its --verdict-file (verdict
    null, exit code 130), however early Ctrl-C came, so nothing reads an earlier run's verdict;
    and the user is told, once."""
    path = _interrupt["verdict_file"]
    if path is not None:
        from dbdiff.reconcile import write_failed_verdict

        try:
            write_failed_verdict(Path(path), "interrupted", 130)
        except DbdiffError as exc:
            click.echo(f"dbdiff: {exc}", err=True)
    if not _interrupt["told"]:
        _interrupt["told"] = True
        click.echo("dbdiff: interrupted", err=True)


def _before_forced_exit() -> None:
    """What a forced exit after Ctrl-C must still do (`dbdiff.interrupts`): the verdict file, the
    message, and the result stores' directories, which their finalizers would have removed."""
    _interrupted()
    store = sys.modules.get("dbdiff.store")
    if store is not None:
        store.release_all()


def handle_errors(func: F) -> F:
    """Map every failure to one clear line and its exit code, in exactly one place."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        _interrupt.update(verdict_file=kwargs.get("verdict_file"), told=False)
        try:
            take_ctrl_c()
            return func(*args, **kwargs)
        except DbdiffError as exc:
            _fail(str(exc), exc.exit_code)
        except KeyboardInterrupt:
            _interrupted()
            raise SystemExit(130) from None
        except (click.ClickException, click.exceptions.Exit, SystemExit):
            raise
        except MemoryError:
            _fail("out of memory: try a smaller --chunk-size or fewer --workers", 3)
        except BrokenPipeError:
            # stdout was closed before the command could finish writing (`dbdiff explain | head`).
            _silence_stdout()
            raise SystemExit(EXIT_BROKEN_PIPE) from None
        except Exception as exc:
            if os.environ.get("DBDIFF_DEBUG"):
                raise
            detail = " ".join(scrub(str(exc), tuple(_SECRETS)).split())[:500]
            _fail(f"internal error ({type(exc).__name__}): {detail} (set DBDIFF_DEBUG=1 for a traceback)", 3)

    return wrapper  # type: ignore[return-value]


class _Group(click.Group):
    command_class = OnceCommand


@click.group(cls=_Group, context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="dbdiff")
def cli() -> None:
    """dbdiff: prove two copies of a data set agree, and show exactly where they don't."""
    # The passwords to scrub are this command's: one invoked before it in the same process (a
    # notebook, a test's CliRunner) must not blank words of this one's messages.
    _SECRETS.clear()


def emit(result: Any, output: OutputOptions) -> None:
    """Write every requested report file and print the stdout view (then, with --timings, where
    the time went, on stderr, the seconds writing the reports took counted in its report phase)."""
    from dbdiff.report import render, write
    from dbdiff.timings import ReportClock

    clock = ReportClock()
    for fmt, path in output.reports.items():
        write(result, fmt, path)
    try:
        if not output.quiet:
            if output.fmt == "text":
                from dbdiff.report.text import render_text

                render_text(result, _console())
            else:
                click.echo(render(result, output.fmt))
            sys.stdout.flush()
    except BrokenPipeError:
        # Whoever reads stdout stopped early (`dbdiff diff ... | head -1`): the run is complete and
        # its files are written, so the exit code is still the verdict.
        _silence_stdout()
    if output.timings:
        from dbdiff.report.text import render_timings

        click.echo(render_timings(clock.counted(result)), err=True, nl=False)


def _console() -> Any:
    """A rich console for stdout that reports a closed pipe like any other write (rich's own exits 1)."""
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:
            self.quiet = True
            raise BrokenPipeError

    return _Console()


def _progress(output: OutputOptions) -> Any:
    from dbdiff.progress import RichProgress, wants_progress

    return RichProgress() if (not output.no_progress and wants_progress()) else None


@cli.command(DIFF, cls=OptionsCommand, options=(DiffOptions, OutputOptions))
@click.argument("left_url", required=False, envvar="DBDIFF_LEFT_URL")
@click.argument("right_url", required=False, envvar="DBDIFF_RIGHT_URL")
@handle_errors
def diff_command(left_url: str | None, right_url: str | None, **flags: Any) -> None:
    """Compare TABLE in LEFT_URL and RIGHT_URL, row by row and column by column.

    URLs: mysql://user:pass@host:3306/db, postgresql://user:pass@host:5432/db, duckdb:///file.duckdb,
    sqlite:///file.db, or a .parquet/.csv path. DBDIFF_LEFT_URL and DBDIFF_RIGHT_URL stand in for them.
    Exit codes: 0 identical, 1 different, 2 usage or rule error, 3 runtime failure.
    """
    if not left_url or not right_url:
        raise UsageError("two source URLs are needed", hint="dbdiff diff LEFT_URL RIGHT_URL --table T")
    _check_urls(left=left_url, right=right_url)
    from dbdiff.api import diff_with

    options, output = read_options(DiffOptions, DIFF, flags), read_options(OutputOptions, DIFF, flags)
    from dbdiff.repair import check_repair, write_repair

    check_repair(output, left_url, right_url, options.mask)
    result = diff_with(left_url, right_url, options, progress=_progress(output))
    emit(result, output)
    if (path := write_repair(result, output)) and not output.quiet:
        click.echo(f"dbdiff: repair SQL written to {path}", err=True)
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


# --- invariants: validate and infer-schema (dbdiff.checks) -------------------------------------------


@cli.command(VALIDATE, cls=OptionsCommand, options=(ValidateOptions, OutputOptions))
@click.argument("url", required=False, envvar="DBDIFF_LEFT_URL")
@handle_errors
def validate_command(url: str | None, **flags: Any) -> None:
    """Check TABLE in URL against a pandera schema and the built-in invariants, chunk by chunk.

    Built-in checks always run: key not NULL, key unique (across chunks), rows read = rows counted.
    Exit codes: 0 every check passed, 1 a check failed, 2 usage or schema error, 3 runtime failure.
    """
    if not url:
        raise UsageError("a source URL is needed", hint="dbdiff validate URL --table T --schema FILE")
    _check_urls(source=url)
    from dbdiff.api import validate_with

    options, output = (
        read_options(ValidateOptions, VALIDATE, flags),
        read_options(OutputOptions, VALIDATE, flags),
    )
    result = validate_with(url, options, progress=_progress(output))
    emit(result, output)
    raise SystemExit(result.exit_code)


@cli.command(INFER, cls=OptionsCommand, options=(InferOptions,))
@click.argument("url", required=False, envvar="DBDIFF_LEFT_URL")
@click.option(
    "--output",
    "-o",
    "output",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the schema to FILE instead of stdout.",
)
@handle_errors
def infer_schema_command(url: str | None, output: Path | None, **flags: Any) -> None:
    """Write a starting pandera YAML schema for TABLE in URL, from its data, for people to edit.

    Dtypes are those of the normalized values a diff checks; ranges and value sets are what the
    data held. Use it with `dbdiff validate --schema` or `dbdiff diff --schema`.
    """
    if not url:
        raise UsageError("a source URL is needed", hint="dbdiff infer-schema URL --table T")
    _check_urls(source=url)
    from dbdiff.api import infer_with

    text = infer_with(url, read_options(InferOptions, INFER, flags))
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        output.parent.mkdir(parents=True, exist_ok=True)
        output.write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write the schema to {str(output)!r}: {exc.strerror}") from None
    click.echo(f"schema written to {output}", err=True)


# --- rules and explain -------------------------------------------------------------------------


@cli.command("rules")
@click.option("--left", "left_dialect", default="mysql", show_default=True, help="Left dialect.")
@click.option("--right", "right_dialect", default="postgresql", show_default=True, help="Right dialect.")
@click.option(
    "--rules",
    "rule_files",
    multiple=True,
    type=click.Path(exists=True, dir_okay=False),
    help="An extra rule file (YAML), listed first as it wins.",
)
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handle_errors
def rules_command(left_dialect: str, right_dialect: str, rule_files: Sequence[str], fmt: str) -> None:
    """List the rules in force for a dialect pair (in the order they are tried) and the normalizers."""
    import json

    from dbdiff.normalize import describe_normalizers
    from dbdiff.rules import describe_rule, load_rules

    ruleset = load_rules(rule_files, left_dialect=left_dialect, right_dialect=right_dialect)
    rules = [describe_rule(r) for r in ruleset.rules]
    normalizers: list[dict[str, Any]] = [
        {"name": n, "doc": d, "params": p} for n, d, p in describe_normalizers()
    ]
    if fmt == "json":
        click.echo(json.dumps({"rules": rules, "normalizers": normalizers}, indent=2, default=str))
        return
    click.echo(f"Rules for {left_dialect} vs {right_dialect} (first match wins):")
    for i, rule in enumerate(rules, start=1):
        params = ", ".join(f"{k}={v}" for k, v in rule["params"].items())
        click.echo(f"{i:3}. {rule['name']}  [{Path(rule['source']).name}]")
        click.echo(f"       left:  {rule['left']}")
        click.echo(f"       right: {rule['right']}")
        click.echo(f"       -> {rule['normalizer']}" + (f" ({params})" if params else ""))
    click.echo("")
    click.echo("Normalizers (override a column with --rule COL=NAME[:key=value,...]):")
    for item in normalizers:
        params = ", ".join(f"{k}={v!r}" for k, v in item["params"].items())
        first = item["doc"].splitlines()[0] if item["doc"] else ""
        click.echo(f"  {item['name']}" + (f" ({params})" if params else "") + f": {first}")


@cli.command(EXPLAIN, cls=OptionsCommand, options=(DiffOptions,))
@click.argument("left_url", required=False, envvar="DBDIFF_LEFT_URL")
@click.argument("right_url", required=False, envvar="DBDIFF_RIGHT_URL")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@handle_errors
def explain_command(left_url: str | None, right_url: str | None, fmt: str, **flags: Any) -> None:
    """Show the plan for a diff without reading any row: column pairs, rules, casts and chunks.

    Reads only metadata: the catalogs, row counts and chunk boundaries (with --since, also the keys
    written in the window).
    """
    import json

    if not left_url or not right_url:
        raise UsageError("two source URLs are needed", hint="dbdiff explain LEFT_URL RIGHT_URL --table T")
    _check_urls(left=left_url, right=right_url)
    from dbdiff.engine import build_plan
    from dbdiff.plan import describe_plan
    from dbdiff.sources.base import open_source

    options = read_options(DiffOptions, EXPLAIN, flags)
    left, right = open_source(left_url), open_source(right_url)
    try:
        plan = build_plan(left, right, options)
        from dbdiff.mask import masked_columns

        masked = masked_columns(plan.all_pairs, options.mask)
        described = describe_plan(
            plan,
            left_cast=left.sql.select_expr,
            right_cast=right.sql.select_expr,
            hide_keys=bool(masked & set(plan.key_names)),
        )
    finally:
        left.close()
        right.close()
    described = {"left": left.url.redacted, "right": right.url.redacted, **described}
    if plan.window is not None:
        described["window"] = dict(plan.window)
    if fmt == "json":
        click.echo(json.dumps(described, indent=2, default=str, ensure_ascii=False))
        return
    about = "about " if plan.rows_estimated else ""  # the servers' estimates (engine/extent.py)
    click.echo(f"left:  {described['left']}  table {plan.left_table}  rows {about}{plan.rows_left}")
    click.echo(f"right: {described['right']}  table {plan.right_table}  rows {about}{plan.rows_right}")
    click.echo(f"key:   {', '.join(plan.key_names)}")
    if plan.window is not None:
        w = plan.window
        click.echo(
            f"window: {w['updated_column']} since {w['since']} until {w['until']}: keys written "
            f"left {w['keys_left']}, right {w['keys_right']}; compared {w['keys_compared']}, "
            f"in flight {w['in_flight']}"
        )
    for pair in described["columns"]:
        role = "key " if pair["key"] else "    "
        name = f"{pair['name']} → {pair['right_name']}" if "right_name" in pair else pair["name"]
        click.echo(f"{role}{name}: {pair['left_type']} vs {pair['right_type']} -> {pair['rule']}")
        if pair["left_cast"]:
            click.echo(f"        left reads  {pair['left_cast']}")
        if pair["right_cast"]:
            click.echo(f"        right reads {pair['right_cast']}")
    if plan.only_left:
        click.echo(f"only on the left:  {', '.join(plan.only_left)}")
    if plan.only_right:
        click.echo(f"only on the right: {', '.join(plan.only_right)}")
    shared = "shared by both sides" if plan.shared_boundaries else "each side its own (key order differs)"
    click.echo(f"chunks: {len(plan.chunks)} of about {options.chunk_size} rows; boundaries {shared}")
    for chunk in described["chunks"][:20]:
        click.echo(
            f"  #{chunk['index']}: {chunk['left']}"
            + (f" | right {chunk['right']}" if chunk["right"] != chunk["left"] else "")
        )
    if len(described["chunks"]) > 20:
        click.echo(f"  ... {len(described['chunks']) - 20} more")


@cli.command(REPORT, cls=OptionsCommand, options=(OutputOptions,))
@click.argument("result_path", metavar="RESULT.json", type=click.Path(path_type=Path))
@handle_errors
def report_command(result_path: Path, **flags: Any) -> None:
    """Re-render a saved JSON result (from `dbdiff diff --json`) without touching a database.

    Writes the reports asked for and prints the stdout view, then exits with the saved result's
    code, so CI can gate on it: 0 identical, 1 different, 3 a table errored. A missing file or one
    that is not a dbdiff JSON result exits 2.
    """
    from dbdiff.result import load_result

    result = load_result(result_path)
    emit(result, read_options(OutputOptions, REPORT, flags))
    raise SystemExit(result.exit_code)


# --- history and dashboard: they read the history store only, never the compared databases -------


def _history_store(checkfile: str) -> Any:
    """The store a check file's history is in (or the store a path or URL names), for reading."""
    from dbdiff.history import History, history_location

    where = history_location(checkfile)
    if "://" in where.target:
        _check_urls(history=where.target)  # its password is scrubbed from every later message
    return where, History.open(where.target, create=False)


@cli.command("history")
@click.argument("checkfile", required=False, default="dbdiff.yaml")
@click.option("--table", help="Only the runs that checked this table (its left or right name).")
@click.option("--last", type=click.IntRange(min=1), help="The newest N runs (default: history_last, 20).")
@click.option(
    "--json", "as_json", is_flag=True, help="A JSON list of runs, newest last, with per-table counts."
)
@handle_errors
def history_command(checkfile: str, table: str | None, last: int | None, as_json: bool) -> None:
    """Show the trend of CHECKFILE's runs (default dbdiff.yaml) from its history store.

    One line per run, oldest first: start, verdict, duration and the changed, only-left and
    only-right rows (summed over the tables, or of --table), marked ▲/▼ when they grew or shrank.
    Connects to no compared database. Exit codes: 0 shown, 2 no history or a bad check file or URL,
    3 the store could not be read.
    """
    import json

    from dbdiff.report.history_text import render_history_text

    where, store = _history_store(checkfile)
    with store:
        # In detail: the text finds a table asked for by its right name through `right_table`.
        entries = store.entries(last=last or where.last, table=table, detail=True, name=where.name)
    if as_json:
        click.echo(json.dumps(entries, indent=2, ensure_ascii=False))
    else:
        text = render_history_text(entries, table=table, location=store.location, names=where.name is None)
        click.echo(text, nl=False)


@cli.command("dashboard")
@click.argument("checkfile", required=False, default="dbdiff.yaml")
@click.option(
    "--out",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="The directory to write index.html into (created when missing).",
)
@handle_errors
def dashboard_command(checkfile: str, out: Path) -> None:
    """Write a static HTML page of CHECKFILE's whole history (default dbdiff.yaml) to DIR/index.html.

    Tables x runs coloured by verdict, trend charts and every run: one offline file with no script,
    to publish as it is. Connects to no compared database.
    """
    from dbdiff.report.dashboard import render_dashboard

    where, store = _history_store(checkfile)
    with store:
        entries = store.entries(last=None, detail=True, name=where.name)
    # A store's URL is named by its redacted form: its query may hold a password (?password=...).
    name = store.location if "://" in checkfile else Path(checkfile).name
    html = render_dashboard(entries, title=f"dbdiff history: {name}", location=store.location)
    from dbdiff.monitor import write_atomically

    target = out / "index.html"
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise UsageError(f"cannot write the dashboard to {str(target)!r}: {exc.strerror or exc}") from None
    # A temporary file of its own: two dashboards written at once (cron) never publish a mix.
    write_atomically(target, html, what="dashboard")
    click.echo(f"dashboard written to {target} ({len(entries)} runs)", err=True)


# --- init: a starting check file (dbdiff.init) -------------------------------------------------


@cli.command("init")
@click.argument("left_url", required=False, envvar="DBDIFF_LEFT_URL")
@click.argument("right_url", required=False, envvar="DBDIFF_RIGHT_URL")
@click.option(
    "--out",
    type=click.Path(dir_okay=False, path_type=Path),
    default=Path("dbdiff.yaml"),
    show_default=True,
    help="The check file to write (never overwritten).",
)
@handle_errors
def init_command(left_url: str | None, right_url: str | None, out: Path) -> None:
    """Write a starting check file for LEFT_URL and RIGHT_URL from their catalogs.

    Pairs the tables (detecting renames from CamelCase to snake_case), writes each pair with its
    primary key, and comments out tables on one side only. A URL holding a password is written as
    {env: DBDIFF_LEFT_URL} (or RIGHT), never with the password. Exit 2 if FILE exists.
    """
    if not left_url or not right_url:
        raise UsageError("two source URLs are needed", hint="dbdiff init LEFT_URL RIGHT_URL [--out FILE]")
    _check_urls(left=left_url, right=right_url)
    from dbdiff.init import write_starting_file

    click.echo(write_starting_file(left_url, right_url, out).summary(out))


# --- run: every table of a check file, judged by its thresholds (dbdiff.reconcile) ------------------

_FILE = click.Path(dir_okay=False, path_type=Path)


@cli.command(RUN, cls=OptionsCommand, options=(OutputOptions,))
@click.argument("checkfile", required=False, default="dbdiff.yaml", type=click.Path(path_type=Path))
@click.option("--strict", is_flag=True, help="A warn verdict exits 1 too.")
@click.option("--verdict-file", type=_FILE, help="Write the verdict as a tiny JSON to FILE.")
@click.option("--prometheus", type=_FILE, help="Write the run's metrics to FILE (Prometheus text format).")
@click.option("--no-history", is_flag=True, help="Neither record this run nor show the last runs.")
@handle_errors
def run_command(checkfile: Path, strict: bool, verdict_file: Path | None, **flags: Any) -> None:
    """Diff every table of CHECKFILE (default dbdiff.yaml) and judge the run by its thresholds.

    Every table is planned before any row is read; a line per table goes to stderr as it finishes
    (none with --no-progress). Exit codes: 0 pass or warn (--strict: pass only), 1 fail, 2 check
    file or usage error, 3 a table or the run failed. A run that ends without a result still
    replaces the --verdict-file, with verdict null and its exit code, so nothing reads a stale one.
    """
    from dbdiff.monitor import run_exit_code
    from dbdiff.reconcile import load_checkfile, run_checkfile, verdict_on_failure, write_monitors
    from dbdiff.repair import check_repair, write_repair

    output = read_options(OutputOptions, RUN, flags)

    def hide(text: str) -> str:  # the URLs' passwords, once _check_urls has read them
        return scrub(text, tuple(_SECRETS))

    say = None if output.no_progress else lambda line: click.echo(f"dbdiff: {hide(line)}", err=True)
    with verdict_on_failure(verdict_file, hide):
        check = load_checkfile(checkfile)
        _check_urls(left=check.left_url, right=check.right_url)
        check_repair(output, check.left_url, check.right_url, [e.options.get("mask") for e in check.tables])
        result = run_checkfile(check, progress=say, reports=output.reports, record=not flags["no_history"])
        # Until the new verdict is written, a failure (Ctrl-C too) must not leave the old one.
        emit(result, output)
        write_monitors(result, verdict_file=verdict_file, prometheus=flags["prometheus"], strict=strict)
    if (path := write_repair(result, output)) and not output.quiet:
        click.echo(f"dbdiff: repair SQL written to {path}", err=True)
    raise SystemExit(run_exit_code(result, strict=strict))


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
        with force_exit_after_ctrl_c(_before_forced_exit):
            cli.main(args=list(argv) if argv is not None else None, prog_name="dbdiff", standalone_mode=True)
    except KeyboardInterrupt:
        _interrupted()
        sys.exit(130)
    finally:
        # What is still buffered goes out now, while a closed pipe can be told from a failure.
        try:
            sys.stdout.flush()
        except BrokenPipeError:
            _silence_stdout()
        except (OSError, ValueError):
            pass


if __name__ == "__main__":
    main()
