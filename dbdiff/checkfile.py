"""The check file (`dbdiff.yaml`): two sources, the tables to compare, their options and thresholds.

Loaded strictly, before any connection: an unknown key, a wrong type, a bad threshold, an unset
environment variable or a duplicate table is a `ConfigError` (exit 2) of one line that names the
file and the line ("dbdiff.yaml line 12: unknown key 'keys' in table 'orders' (did you mean
'key'?)"). Table options are the options of `dbdiff diff`, checked by building `DiffOptions`, so an
option added to diff is accepted here without being listed. docs/checkfile.md is the reference.
"""

from __future__ import annotations

import dataclasses
import datetime
import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import quote, unquote

import yaml

from dbdiff import yaml_lines
from dbdiff.errors import ConfigError, RuleError, UsageError
from dbdiff.names import did_you_mean
from dbdiff.options import DIFF, DiffOptions, offered
from dbdiff.tablematch import MATCH_MODES, WILDCARDS, TablePair, entry_matches, name_key, resolve_tables, same
from dbdiff.thresholds import DEFAULT_THRESHOLDS, Thresholds, parse_thresholds
from dbdiff.yaml_lines import Located, YamlList, YamlMap, line_of

__all__ = ["CheckFile", "TableEntry", "TablePair", "load_checkfile", "resolve_tables"]

_TOP_KEYS = (
    "version",
    "name",
    "left",
    "right",
    "match_names",
    "history",
    "history_last",
    "run",
    "defaults",
    "thresholds",
    "run_thresholds",
    "tables",
)
_RUN_KEYS = ("tables_at_once", "workers", "memory_limit")
#: Why a table name is not text: YAML read it as a value (`- no` is false, `- 2024` a number).
_UNQUOTED = dict.fromkeys(
    (bool, int, float, datetime.date, datetime.datetime),
    "YAML reads an unquoted no, off, yes, on, a number or a date as a value: quote the name ('no')",
)
#: URL schemes whose path is a file (relative to the check file, like a bare path).
_FILE_SCHEMES = ("duckdb", "sqlite", "parquet", "csv")
_HISTORY_KEYS = ("url", "in_source_database")
#: Keys of a table entry that are not diff options.
_ENTRY_KEYS = ("name", "left", "right", "exclude", "exclude_columns", "thresholds")
#: Diff options a check file sets elsewhere: the table's names, and the run's shared executor/store.
_NOT_TABLE_OPTIONS = {
    "table": "name a table with 'name', or a pair with 'left' and 'right'",
    "right_table": "name a pair with 'left' and 'right'",
    "workers": "the run's workers are shared by every table: set run: {workers: N}",
    "memory_limit": "the run has one store: set run: {memory_limit: SIZE}",
}


@dataclass(frozen=True)
class TableEntry:
    """One entry of `tables:` as written: a name, a pattern, or an explicit pair."""

    pattern: str | None
    left: str | None
    right: str | None
    exclude: tuple[str, ...]
    options: Mapping[str, Any]
    thresholds: Thresholds
    line: int

    @property
    def label(self) -> str:
        """The entry as messages name it: 'orders', 'billing_*' or 'InvoiceLine' -> 'invoice_line'."""
        return repr(self.pattern) if self.pattern is not None else f"{self.left!r} -> {self.right!r}"

    @property
    def is_pattern(self) -> bool:
        return self.pattern is not None and bool(WILDCARDS & set(self.pattern))


@dataclass(frozen=True)
class CheckFile:
    """A loaded check file: sources resolved, every option and threshold checked."""

    path: Path
    sha256: str
    left_url: str = field(repr=False)
    right_url: str = field(repr=False)
    match_names: str
    tables: tuple[TableEntry, ...]
    thresholds: Thresholds
    run_thresholds: Thresholds
    history: str | None = field(repr=False)  # a store's URL may hold a password, like the sources'
    history_last: int = 20
    history_in_source: bool = False
    tables_at_once: int = 2
    workers: int = 4
    memory_limit: str | None = None
    #: Which check file a shared history's runs belong to (`name:`, default the file's stem).
    name: str = ""

    def entry_for(self, left_table: str | None, right_table: str | None) -> TableEntry | None:
        """The entry that chose this table pair: an explicit pair, then a name, then the first
        pattern in file order (one whose `exclude` leaves the table out does not count)."""
        sides = (("left", left_table), ("right", right_table))
        for entry in self.tables:
            if entry.pattern is None and any(
                name is not None and same(name, getattr(entry, side), self.match_names)
                for side, name in sides
            ):
                return entry
        for patterns in (False, True):
            for entry in self.tables:
                if (
                    entry.pattern is not None
                    and entry.is_pattern == patterns
                    and any(n is not None and entry_matches(entry, n, self.match_names) for _, n in sides)
                ):
                    return entry
        return None

    def thresholds_for(self, left_table: str | None, right_table: str | None) -> Thresholds:
        """The thresholds of a table of this run (the file's when no entry chose it). A table on one
        side only is asked for with None on the other side: a right-only `orders` beside the pair
        `left: orders, right: orders_v2` is not that pair's table."""
        entry = self.entry_for(left_table, right_table)
        return entry.thresholds if entry is not None else self.thresholds


# --- loading ----------------------------------------------------------------------------------------


def load_checkfile(
    path: str | Path, *, environ: Mapping[str, str] | None = None, resolve_sources: bool = True
) -> CheckFile:
    """Read and check a check file; every problem is one `ConfigError` naming the file and line.

    `environ` replaces `os.environ` for `{env: NAME}`. `resolve_sources=False` is for commands that
    connect to neither source (`dbdiff history`, `dbdiff dashboard`): an unset variable of `left` or
    `right` is then no error, and that URL is "" (everything else is checked as always).
    """
    import os

    shown = str(path)
    path = Path(path)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise ConfigError(
            f"check file {shown!r} does not exist", hint="`dbdiff init LEFT_URL RIGHT_URL` writes one"
        ) from None
    except OSError as exc:
        raise ConfigError(f"cannot read check file {shown!r}: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
        data = yaml_lines.load(text)
        parser = _Parser(path, shown, environ if environ is not None else os.environ, resolve_sources)
        return parser.checkfile(data, raw)
    except UnicodeDecodeError as exc:
        raise ConfigError(f"{shown}: not UTF-8 text (byte {exc.start})") from None
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        where = f"{shown} line {mark.line + 1}" if mark is not None else shown
        raise ConfigError(f"{where}: not valid YAML: {exc.problem or exc.context}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{shown}: not valid YAML: {exc}") from None
    except Located as exc:
        where = f"{shown} line {exc.line}" if exc.line else shown
        raise ConfigError(f"{where}: {exc.message}", hint=exc.hint) from None


class _Parser:
    """Turns the parsed YAML into a `CheckFile`; raises `Located` (line, message)."""

    def __init__(self, path: Path, shown: str, environ: Mapping[str, str], resolve_sources: bool) -> None:
        self.path, self.shown, self.environ = path, shown, environ
        self.resolve_sources = resolve_sources
        self.base = path.resolve().parent
        #: (context, option) -> the line that set it, for errors found once options are merged.
        self.places: dict[tuple[str, str], int | None] = {}

    def checkfile(self, data: Any, raw: bytes) -> CheckFile:
        if data is None:
            raise Located(None, "the check file is empty", hint="`dbdiff init LEFT_URL RIGHT_URL` writes one")
        if not isinstance(data, YamlMap):
            raise Located(line_of(data) or 1, "a check file is a mapping (left, right, tables, ...)")
        _reject_unknown(data, _TOP_KEYS, "")
        if data.get("version", 1) != 1 or isinstance(data.get("version"), bool):
            raise Located(
                line_of(data, "version"), f"unsupported version {data['version']!r} (this dbdiff reads 1)"
            )
        for side in ("left", "right"):
            if side not in data:
                raise Located(
                    data.line, f"no {side!r} source", hint=f"{side}: URL, or {side}: {{env: VARIABLE}}"
                )
        match_names = data.get("match_names", "case")
        if match_names not in MATCH_MODES:
            hint = did_you_mean(str(match_names), MATCH_MODES) or "one of " + ", ".join(MATCH_MODES)
            raise Located(
                line_of(data, "match_names"), f"match_names: {match_names!r} is not a mode", hint=hint
            )
        run = data.get("run") or YamlMap()
        if not isinstance(run, YamlMap):
            raise Located(
                line_of(data, "run"), "run: must be a mapping (tables_at_once, workers, memory_limit)"
            )
        _reject_unknown(run, _RUN_KEYS, "run")
        memory_limit = run.get("memory_limit")
        if memory_limit is not None and not isinstance(memory_limit, str):
            raise Located(line_of(run, "memory_limit"), "run: memory_limit must be a size such as '4GB'")
        thresholds = self.thresholds(data, "thresholds").over(DEFAULT_THRESHOLDS)
        defaults = self.options(data.get("defaults"), line_of(data, "defaults"), "defaults")
        if "match_names" in _option_keys():  # the file's mode pairs columns too
            defaults.setdefault("match_names", match_names)
        history, history_in_source = self.history(data)
        name = data.get("name", self.path.stem)
        if not isinstance(name, str) or not name.strip():
            raise Located(line_of(data, "name"), "name: must be a non-empty text (the check file's name)")
        return CheckFile(
            name=name.strip(),
            path=self.path,
            sha256=hashlib.sha256(raw).hexdigest(),
            left_url=self.url(data, "left"),
            right_url=self.url(data, "right"),
            match_names=match_names,
            tables=self.tables(data, defaults, thresholds, match_names),
            thresholds=thresholds,
            run_thresholds=self.thresholds(data, "run_thresholds"),
            history=history,
            history_last=_whole(data, "history_last", 20, minimum=1),
            history_in_source=history_in_source,
            tables_at_once=_whole(run, "tables_at_once", 2, minimum=1, context="run: "),
            workers=_whole(run, "workers", 4, minimum=1, context="run: "),
            memory_limit=memory_limit,
        )

    # -- sources and history --

    def url(self, data: YamlMap, key: str, context: str = "") -> str:
        """A URL as written, or the environment variable `{env: NAME}` names."""
        value, line = data[key], line_of(data, key)
        if isinstance(value, YamlMap):
            _reject_unknown(value, ("env",), f"{context}{key}")
            name = value.get("env")
            if not isinstance(name, str) or not name:
                raise Located(line, f"{context}{key}: env must name an environment variable")
            value = self.environ.get(name, "")
            if not value.strip() and not self.resolve_sources and key in ("left", "right"):
                return ""
            if not value.strip():
                state = "is empty" if name in self.environ else "is not set"
                raise Located(line, f"{context}{key}: environment variable {name} {state}")
        elif not isinstance(value, str) or not value.strip():
            raise Located(line, f"{context}{key}: must be a URL (or a path), or {{env: VARIABLE}}")
        if key in ("left", "right"):
            from dbdiff.sources.urls import parse_url

            try:
                parse_url(value)  # says nothing of the password; checks the scheme before connecting
            except UsageError as exc:
                raise Located(line, f"{context}{key}: {exc.message}", hint=exc.hint) from None
        return self.relative(value)

    def relative(self, value: str) -> str:
        """A path relative to the check file's directory, so cron can run from anywhere: a bare path,
        or the path of a file URL (`duckdb:///h.duckdb` went to whatever directory the job ran in)."""
        if "://" in value:
            scheme, _, rest = value.partition("://")
            if scheme.lower() not in _FILE_SCHEMES:
                return value
            written = unquote(rest[1:] if rest.startswith("/") else rest)  # as parse_url reads it
            path = Path(written).expanduser()
            if not written or path.is_absolute():
                return value
            return f"{scheme}:///{quote(str(self.base / path))}"
        path = Path(value).expanduser()
        return str(path if path.is_absolute() else self.base / path)

    def history(self, data: YamlMap) -> tuple[str | None, bool]:
        value = data.get("history", True)
        line = line_of(data, "history")
        if value is False:
            return None, False
        if value is True or value is None:
            return str(self.base / f"{self.path.stem}.history.duckdb"), False
        if isinstance(value, str):
            return self.url(data, "history"), False
        if isinstance(value, YamlMap):
            _reject_unknown(value, _HISTORY_KEYS, "history")
            if "url" not in value:
                raise Located(line, "history: no 'url'", hint="history: {url: URL, in_source_database: true}")
            in_source = value.get("in_source_database", False)
            if not isinstance(in_source, bool):
                raise Located(
                    line_of(value, "in_source_database"), "history: in_source_database must be true or false"
                )
            return self.url(value, "url", "history: "), in_source
        raise Located(line, "history: must be a path, a URL, {url: ...} or false")

    # -- thresholds --

    def thresholds(self, data: YamlMap, key: str, context: str = "") -> Thresholds:
        value = data.get(key)

        def where(metric: Any) -> str:
            line = line_of(value, metric) if metric is not None else line_of(data, key)
            return f"{self.shown} line {line}: {context}{key}: "

        return parse_thresholds(value, where)  # its ConfigError is located by `where`

    # -- tables --

    def tables(
        self, data: YamlMap, defaults: Mapping[str, Any], thresholds: Thresholds, match_names: str
    ) -> tuple[TableEntry, ...]:
        items = data.get("tables")
        if items is None:
            raise Located(data.line, "no 'tables'", hint="list the tables to compare, or '*' for every table")
        if not isinstance(items, YamlList) or not items:
            hint = f"write tables: [{items!r}]" if isinstance(items, str) else None
            raise Located(line_of(data, "tables"), "tables: must be a list of names, patterns or pairs", hint)
        entries: list[TableEntry] = []
        seen: dict[tuple[str, str], int] = {}
        for index, (item, line) in enumerate(zip(items, items.lines, strict=True), start=1):
            entry = self.entry(item, line, index, defaults, thresholds)
            for claim, written in _claims(entry, match_names):
                if claim in seen:
                    raise Located(line, f"table {written!r} is listed twice (first at line {seen[claim]})")
                seen[claim] = line
            entries.append(entry)
        return tuple(entries)

    def entry(
        self,
        item: Any,
        line: int,
        index: int,
        defaults: Mapping[str, Any],
        thresholds: Thresholds,
    ) -> TableEntry:
        if isinstance(item, str):
            if not item.strip():
                raise Located(line, f"tables: entry #{index} is an empty name")
            self.check_options(defaults, f"table {item!r}", line)
            return TableEntry(item, None, None, (), dict(defaults), thresholds, line)
        if not isinstance(item, YamlMap):
            hint = _UNQUOTED.get(type(item))
            raise Located(line, f"tables: entry #{index} must be a name, a pattern or a mapping", hint)
        has_name, has_pair = "name" in item, "left" in item or "right" in item
        label = repr(item["name"]) if has_name else f"{item.get('left')!r} -> {item.get('right')!r}"
        context = f"table {label}"
        if has_name and has_pair:
            raise Located(line, f"{context}: give either 'name' or 'left' and 'right', not both")
        if not has_name and not has_pair:
            raise Located(line, f"tables: entry #{index} has neither 'name' nor 'left' and 'right'")
        for key in ("name",) if has_name else ("left", "right"):
            value = item.get(key)
            if not isinstance(value, str) or not value.strip():
                raise Located(
                    line_of(item, key) if key in item else line,
                    f"{context}: {key!r} must be a table name",
                    _UNQUOTED.get(type(value)),
                )
            if has_pair and WILDCARDS & set(value):
                raise Located(
                    line_of(item, key), f"{context}: {key!r} names one table; use 'name' for a pattern"
                )
        pattern = item.get("name")
        is_pattern = pattern is not None and bool(WILDCARDS & set(pattern))
        option_data = YamlMap({k: v for k, v in item.items() if k not in _ENTRY_KEYS})
        option_data.line, option_data.lines = item.line, item.lines
        excluded: tuple[str, ...] = ()
        if is_pattern and "exclude" in item:
            excluded = _names_list(item, "exclude", context)
        elif "exclude" in item:
            option_data["exclude"] = item["exclude"]
        if "exclude_columns" in item:
            if "exclude" in option_data:
                raise Located(
                    line_of(item, "exclude_columns"),
                    f"{context}: give 'exclude' or 'exclude_columns', not both",
                )
            option_data["exclude"] = item["exclude_columns"]
            option_data.lines["exclude"] = item.lines["exclude_columns"]
        unknown = [k for k in item if k not in _ENTRY_KEYS and k not in _option_keys()]
        if unknown:
            _reject_unknown(item, (*_ENTRY_KEYS, *_option_keys()), context)
        options = {**defaults, **self.options(option_data, line, context)}
        self.check_options(options, context, line)
        table_thresholds = (
            self.thresholds(item, "thresholds", f"{context}: ") if "thresholds" in item else Thresholds()
        )
        return TableEntry(
            pattern=pattern,
            left=item.get("left"),
            right=item.get("right"),
            exclude=excluded,
            options=options,
            thresholds=table_thresholds.over(thresholds),
            line=line,
        )

    # -- diff options --

    def options(self, data: Any, line: int | None, context: str) -> dict[str, Any]:
        """Diff options as API keywords, each checked for its type (`check_options` checks them
        together, once a table's are merged over the defaults). Remembers where each was set."""
        if data is None:
            data = YamlMap()
        if not isinstance(data, YamlMap):
            raise Located(line, f"{context}: must be a mapping of diff options")
        _reject_unknown(data, _option_keys(), context)
        items = {item.keyword: item for item in offered(DiffOptions, DIFF)}
        options: dict[str, Any] = {}
        for key, value in data.items():
            options[key] = self.option_value(items[key], value, line_of(data, key), context)
            self.places[(context, key)] = line_of(data, key)
        return options

    def check_options(self, options: Mapping[str, Any], context: str, line: int) -> None:
        """Build `DiffOptions` from a table's options: its error names the option's own line (and
        says `defaults` when the table took it from there), in the check file's words."""
        try:
            DiffOptions.from_keywords({"table": "x", **options})
        except (UsageError, TypeError, ValueError) as exc:
            message, hint = (exc.message, exc.hint) if isinstance(exc, UsageError) else (str(exc), None)
            for item in offered(DiffOptions, DIFF):
                if item.keyword in options and item.flag in message.split():
                    message = message.replace(item.flag, item.keyword)
                    if (context, item.keyword) not in self.places:
                        context = "defaults"
                    line = self.places.get((context, item.keyword)) or line
                    break
            raise Located(line, f"{context}: {message}", hint=hint) from None

    def option_value(self, item: Any, value: Any, line: int | None, context: str) -> Any:
        key, kind = item.keyword, item.option.kind
        annotation = str(next(f.type for f in dataclasses.fields(DiffOptions) if f.name == item.name))
        here = f"{context}: {key}"
        if kind == "int" and (not isinstance(value, int) or isinstance(value, bool)):
            raise Located(line, f"{here} must be a whole number, not {value!r}")
        if kind == "flag" and not isinstance(value, bool):
            raise Located(line, f"{here} must be true or false, not {value!r}")
        if kind in ("names", "files"):
            if isinstance(value, str):
                value = [value]
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                raise Located(line, f"{here} must be a name or a list of names")
            if kind == "names":
                return list(value)
            return (
                [self.rule_file(v, line, here) for v in value]
                if key == "rules"
                else [self.relative(v) for v in value]
            )
        if kind == "overrides":
            return self.overrides(value, line, here)
        if "SchemaSpec" in annotation:
            if not isinstance(value, str):
                raise Located(line, f"{here} must be the path of a schema file")
            resolved = self.relative(value)
            if not Path(resolved).is_file():
                raise Located(line, f"{here}: schema file {value!r} does not exist")
            return resolved
        if isinstance(value, (datetime.date, datetime.datetime)) and annotation.startswith("str"):
            value = value.isoformat()  # `since: 2026-12-01 10:00` is a YAML timestamp, meant as text
        if (
            annotation.startswith("str")
            and not isinstance(value, str)
            and not (value is None and "None" in annotation)
        ):
            raise Located(line, f"{here} must be text, not {value!r}")
        if annotation.startswith("Mapping") and not isinstance(value, Mapping):
            raise Located(line, f"{here} must be a mapping")
        return dict(value) if isinstance(value, Mapping) else value

    def rule_file(self, value: str, line: int | None, here: str) -> str:
        """A rule file, relative to the check file, loaded once now so that a typo in it is found
        before any connection."""
        from dbdiff.rules import load_rule_file

        resolved = self.relative(value)
        try:
            load_rule_file(resolved)
        except RuleError as exc:
            raise Located(line, f"{here}: {exc.message}", hint=exc.hint) from None
        return resolved

    def overrides(self, value: Any, line: int | None, here: str) -> dict[str, Any]:
        """`column_rules`: {col: "float:abs_tol=0.01"} (the --rule form) or
        {col: [float, {abs_tol: 0.01}]} (the API's pair)."""
        from dbdiff.normalize import get_normalizer
        from dbdiff.rules import parse_override

        if not isinstance(value, YamlMap):
            raise Located(line, f"{here} must be a mapping of column: rule")
        parsed: dict[str, Any] = {}
        for column, rule in value.items():
            at = line_of(value, column)
            if isinstance(rule, str):
                try:
                    parsed[column] = parse_override(f"{column}={rule}")[1]
                except RuleError as exc:
                    raise Located(at, f"{here}: {exc.message}", hint=exc.hint) from None
            elif (
                isinstance(rule, list)
                and len(rule) == 2
                and isinstance(rule[0], str)
                and isinstance(rule[1], Mapping)
            ):
                parsed[column] = (rule[0], dict(rule[1]))
                try:  # checked as the string form is: a typo is found before any connection
                    if rule[0]:
                        get_normalizer(rule[0]).check_params(dict(rule[1]), f"column {column!r}")
                except RuleError as exc:
                    raise Located(at, f"{here}: {exc.message}", hint=exc.hint) from None
            else:
                raise Located(
                    at, f"{here}: {column}: write 'NORMALIZER[:key=value,...]' or [NORMALIZER, {{params}}]"
                )
        return parsed


# --- helpers ---------------------------------------------------------------------------------------


def _option_keys() -> tuple[str, ...]:
    """The diff options a table entry or `defaults` may set (every diff option but the table's names
    and the run's shared workers and memory)."""
    return tuple(
        item.keyword for item in offered(DiffOptions, DIFF) if item.keyword not in _NOT_TABLE_OPTIONS
    )


def _reject_unknown(data: YamlMap, allowed: Sequence[str], context: str) -> None:
    for key in data:
        if key not in allowed:
            hint = did_you_mean(key.replace("-", "_"), allowed)
            if context and key in _NOT_TABLE_OPTIONS:
                hint = _NOT_TABLE_OPTIONS[key]
            elif not context and not hint and key in _option_keys():
                hint = "a diff option: set it under defaults: (every table) or in a table entry"
            elif context == "defaults" and key == "thresholds":
                hint = "thresholds for every table are a top-level key"
            hint = hint or "allowed: " + ", ".join(allowed)
            suffix = f" in {context}" if context else ""
            raise Located(line_of(data, key), f"unknown key {key!r}{suffix}", hint=hint)


def _whole(data: YamlMap, key: str, default: int, *, minimum: int, context: str = "") -> int:
    value = data.get(key, default)
    if not isinstance(value, int) or isinstance(value, bool) or value < minimum:
        raise Located(
            line_of(data, key), f"{context}{key} must be a whole number of at least {minimum}, not {value!r}"
        )
    return value


def _names_list(data: YamlMap, key: str, context: str) -> tuple[str, ...]:
    value = data[key]
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not all(isinstance(v, str) and v for v in value):
        raise Located(line_of(data, key), f"{context}: {key!r} must be a pattern or a list of patterns")
    return tuple(value)


def _claims(entry: TableEntry, mode: str) -> list[tuple[tuple[str, str], str]]:
    """What an entry lays claim to, for finding a table listed twice: a name is the table on both
    sides (`orders` and `left: orders` are the same table); a pattern only itself."""
    if entry.is_pattern:
        return [(("pattern", entry.pattern or ""), entry.pattern or "")]
    sides = (("left", entry.pattern or entry.left or ""), ("right", entry.pattern or entry.right or ""))
    return [((side, name_key(name, mode)), name) for side, name in sides]
