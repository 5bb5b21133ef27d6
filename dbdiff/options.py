"""What a run can be told: the options of diff, validate, infer-schema and explain, each declared once.

Every option is a field of one group -- what to read (`ReadingOptions`), how to compare
(`ComparingOptions`), which checks run (`CheckOptions`), what infer-schema profiles
(`ProfilingOptions`), where the output goes (`OutputOptions`) -- and its metadata, an `Option`,
holds its help text, CLI flag, short alias and the commands that take it. The click options
(`dbdiff.cli_options`) and the keyword parameters of `dbdiff.diff`/`validate`/`infer_schema`
(`takes_options`) are built from these fields, and `_Options.__post_init__` is the one place
values are checked. `DiffOptions`, `ValidateOptions` and `InferOptions` compose the groups: they
are what the engine receives.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import functools
import inspect
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar

from dbdiff.errors import UsageError
from dbdiff.names import MATCH_MODES, did_you_mean
from dbdiff.timewindow import check_window, parse_duration, parse_since, shown_window

if TYPE_CHECKING:
    from dbdiff.checks import SchemaSpec
    from dbdiff.plan import Override

# The commands that take options; each option names those that offer it.
DIFF, EXPLAIN, VALIDATE, INFER, REPORT = "diff", "explain", "validate", "infer-schema", "report"
RUN = "run"  # `dbdiff run CHECKFILE`: its table options come from the check file, not from flags
_TWO_SIDES = (DIFF, EXPLAIN)
_READ = (DIFF, EXPLAIN, VALIDATE, INFER)
_RUN = (DIFF, VALIDATE, INFER)  # explain reads no rows
_CHECK = (DIFF, VALIDATE)
_OUTPUT = (DIFF, VALIDATE, REPORT, RUN)

#: What each command does to the rows, as its help texts say it ("The table to {verb}").
VERBS = {DIFF: "compare", EXPLAIN: "compare", VALIDATE: "check", INFER: "profile"}

#: How an option's value is given. "value": one value; "int": a whole number; "names": column
#: names, repeatable and comma-separable on the command line, a str or a sequence in the API;
#: "files": rule files, repeatable; "overrides": per-column rules (`--rule COL=NAME[:K=V,...]`,
#: `column_rules=` in the API); "flag": an on/off switch; "reports" and "format": the report files
#: and the stdout view, one flag or choice per renderer in `dbdiff.report`'s registry; "mapping":
#: name pairs (`--map LEFT=RIGHT`, repeatable; `map={"LEFT": "RIGHT"}` in the API).
KINDS = ("value", "int", "names", "files", "overrides", "flag", "reports", "format", "mapping")


@dataclass(frozen=True)
class Option:
    """How one field is offered: its help, flag and alias, the commands that take it, its bounds."""

    help: str  # may say {verb}/{Verb}: what the command does to the rows
    commands: tuple[str, ...]
    kind: str = "value"
    flag: str = ""  # default: --field-name
    short: str | None = None
    dest: str = ""  # click's parameter name; default: the field's
    keyword: str = ""  # the API's keyword; default: the field's
    help_one_side: str = ""  # the help of commands that read one side, when it differs
    metavar: str | None = None
    minimum: int | None = None
    click_range: bool = False  # the CLI refuses a value below `minimum` as click does, its message and help
    required: str = ""  # what is missing, when the option must be given: "a table name"
    choices: tuple[str, ...] = ()  # the values it takes, when they are a few words

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise ValueError(f"an option's kind is one of {', '.join(KINDS)}, not {self.kind!r}")


@dataclass(frozen=True)
class Offered:
    """One option as one command offers it: names resolved, help worded for the command."""

    name: str
    option: Option
    flag: str
    dest: str
    keyword: str
    help: str
    default: Any  # dataclasses.MISSING when required; None for a default built by a factory


def option(
    default: Any = dataclasses.MISSING, *, factory: Callable[[], Any] | None = None, **spec: Any
) -> Any:
    """A dataclass field offered as an option; `spec` is the `Option` (help, commands, kind, ...)."""
    meta = {"option": Option(**spec)}
    if factory is not None:
        return field(default_factory=factory, metadata=meta)
    return field(default=default, metadata=meta)


def offered(cls: type, command: str) -> Iterator[Offered]:
    """The options `command` takes among the fields of option class `cls`, in declaration order."""
    verb = VERBS.get(command, "")
    for f in dataclasses.fields(cls):
        spec: Option | None = f.metadata.get("option")
        if spec is None or command not in spec.commands:
            continue
        text = (spec.help_one_side if command not in _TWO_SIDES else "") or spec.help
        yield Offered(
            name=f.name,
            option=spec,
            flag=_flag(f.name, spec),
            dest=spec.dest or f.name,
            keyword=spec.keyword or f.name,
            help=text.format(verb=verb, Verb=verb.capitalize()),
            default=None if f.default_factory is not dataclasses.MISSING else f.default,
        )


def _flag(name: str, spec: Option) -> str:
    return spec.flag or "--" + name.replace("_", "-")


T = TypeVar("T", bound="_Options")


@dataclass(frozen=True, kw_only=True)
class _Options:
    """The base of every option group: values are checked here, once, whoever builds them."""

    #: The command whose options these are (its help wording and the API keywords it takes).
    COMMAND: ClassVar[str] = ""

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            spec: Option | None = f.metadata.get("option")
            if spec is None:
                continue
            value = getattr(self, f.name)
            flag = _flag(f.name, spec)
            if spec.required and not value:
                raise UsageError(f"{spec.required} is required ({flag})")
            if spec.choices and value not in spec.choices:
                hint = did_you_mean(str(value).lower(), spec.choices)
                raise UsageError(
                    f"{flag} is one of {', '.join(spec.choices)}, not {value!r}", hint=hint or None
                )
            if spec.kind == "mapping":
                _check_mapping(value, flag)
            if spec.minimum is not None and value < spec.minimum:
                bound = "must not be negative" if spec.minimum == 0 else f"must be at least {spec.minimum}"
                raise UsageError(f"{flag} {bound}, not {value}")

    @classmethod
    def from_keywords(cls: type[T], keywords: Mapping[str, Any]) -> T:
        """The options a Python caller's keywords give (checked against the names by `takes_options`)."""
        values = {}
        for item in offered(cls, cls.COMMAND):
            if item.keyword in keywords:
                values[item.name] = _API_VALUES.get(item.option.kind, _same)(keywords[item.keyword])
        return cls(**values)


def _same(value: Any) -> Any:
    return value


def _as_list(value: Any) -> list[Any]:
    """None, one name (or path), or several, as a list: `key="id"` means `key=["id"]`, and `""`
    names none, as it always has (and as `--columns ""` does)."""
    if value is None or value == "":
        return []
    if isinstance(value, (str, os.PathLike)):
        return [value]
    return list(value)


def _as_overrides(value: Mapping[str, Any] | None) -> dict[str, tuple[str, dict[str, Any]]]:
    """`{"amount": ("float", {"abs_tol": 0.01}), "name": "text"}` with every override a pair."""
    return {
        name: (rule, {}) if isinstance(rule, str) else (rule[0], dict(rule[1]))
        for name, rule in (value or {}).items()
    }


def _as_mapping(value: Mapping[str, str] | None) -> dict[str, str]:
    """`{"UnitPrice": "unit_price"}` as a dict (None maps nothing); checked by `_check_mapping`."""
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise UsageError(f"map takes a mapping of left to right column names, not {type(value).__name__}")
    return dict(value)


def _check_mapping(value: Mapping[str, str], flag: str) -> None:
    for left, right in value.items():
        if not isinstance(left, str) or not isinstance(right, str) or not left or not right:
            raise UsageError(f"{flag} pairs a left column name with a right one, not {left!r} with {right!r}")


def parse_mapping(specs: Sequence[str], flag: str = "--map") -> dict[str, str]:
    """`--map LEFT=RIGHT` flags as a dict; a malformed one or a left name given twice is a UsageError."""
    mapping: dict[str, str] = {}
    for spec in specs:
        left, sep, right = spec.partition("=")
        if not sep or not left.strip() or not right.strip() or "=" in right:
            raise UsageError(
                f"{flag} {spec!r} is not LEFT_COL=RIGHT_COL", hint=f"e.g. {flag} UnitPrice=unit_price"
            )
        if left.strip() in mapping:
            raise UsageError(f"{flag} names left column {left.strip()!r} twice")
        mapping[left.strip()] = right.strip()
    return mapping


_API_VALUES: dict[str, Callable[[Any], Any]] = {
    "names": _as_list,
    "files": _as_list,
    "overrides": _as_overrides,
    "mapping": _as_mapping,
}

# The annotations keyword parameters show (help(), completion) where they accept more than the field holds.
_API_TYPES = {
    "names": "str | Sequence[str] | None",
    "files": "str | os.PathLike[str] | Sequence[str | os.PathLike[str]]",
    "overrides": "Mapping[str, str | tuple[str, Mapping[str, Any]]] | None",
    "mapping": "Mapping[str, str] | None",
}

F = TypeVar("F", bound=Callable[..., Any])


def takes_options(cls: type[_Options]) -> Callable[[F], F]:
    """Give an API function taking `**options` the keyword parameters of option class `cls`.

    The function's signature (what `help()` and notebook completion show) and docstring list
    every option; a keyword that is none of them is a TypeError that suggests the closest name.
    """

    def decorate(func: F) -> F:
        own = inspect.signature(func)
        types = {f.name: f.type for f in dataclasses.fields(cls)}
        options = [
            inspect.Parameter(
                item.keyword,
                inspect.Parameter.KEYWORD_ONLY,
                default=inspect.Parameter.empty if item.default is dataclasses.MISSING else item.default,
                annotation=_API_TYPES.get(item.option.kind, types[item.name]),
            )
            for item in offered(cls, cls.COMMAND)
        ]
        positional = [p for p in own.parameters.values() if p.kind is p.POSITIONAL_OR_KEYWORD]
        keyword = [p for p in own.parameters.values() if p.kind is p.KEYWORD_ONLY]
        signature = own.replace(parameters=[*positional, *options, *keyword])
        names = list(signature.parameters)
        bind = _binder(func.__name__, signature)

        @functools.wraps(func)
        def checked(*args: Any, **kwargs: Any) -> Any:
            for word in kwargs:
                if word not in signature.parameters:
                    hint = did_you_mean(word, names)
                    message = f"{func.__name__}() got an unexpected keyword argument {word!r}"
                    raise TypeError(f"{message}; {hint}" if hint else message)
            bind(*args, **kwargs)
            return func(*args, **kwargs)

        checked.__signature__ = signature  # type: ignore[attr-defined]
        lines = "\n".join(f"    {item.keyword}: {item.help}" for item in offered(cls, cls.COMMAND))
        checked.__doc__ = f"{func.__doc__ or ''}\n\nOptions:\n\n{lines}\n"
        return checked  # type: ignore[return-value]

    return decorate


def _binder(name: str, signature: inspect.Signature) -> Callable[..., None]:
    """A function `name` of `signature` that does nothing: a call it refuses raises the TypeError
    Python words ("diff() missing 1 required keyword-only argument: 'table'"), as it did when the
    API functions spelled their parameters out."""
    params, star = [], False
    for param in signature.parameters.values():
        if param.kind is param.KEYWORD_ONLY and not star:
            params.append("*")
            star = True
        params.append(
            param.name if param.default is param.empty else f"{param.name}=_defaults[{param.name!r}]"
        )
    defaults = {p.name: p.default for p in signature.parameters.values()}
    space: dict[str, Any] = {"_defaults": defaults}
    exec(f"def {name}({', '.join(params)}): pass", space)  # the names are Python identifiers
    return space[name]


# --- the groups -----------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class ReadingOptions(_Options):
    """Which rows of which table each side reads, and how."""

    table: str = option(
        help="The table to {verb} (schema.table allowed).",
        commands=_READ,
        short="-t",
        required="a table name",
    )
    right_table: str | None = option(
        None, help="The table's name on the right side, when it differs.", commands=_TWO_SIDES
    )
    map: Mapping[str, str] = option(
        factory=dict,
        help="Pair a left column with a right one of another name (repeat): --map UnitPrice=unit_price.",
        commands=_TWO_SIDES,
        kind="mapping",
        dest="column_map",
        metavar="LEFT_COL=RIGHT_COL",
    )
    match_names: str = option(
        "case",
        help=(
            "How column names pair: exact (spelled alike), case (also names differing only in case), "
            "convention (also UnitPrice with unit_price); a --map wins over all."
        ),
        commands=_TWO_SIDES,
        choices=MATCH_MODES,
    )
    key: Sequence[str] = option(
        (),
        help="Key column (repeat for a composite key). Default: the primary key.",
        commands=_READ,
        kind="names",
        short="-k",
    )
    columns: Sequence[str] = option(
        (),
        help="{Verb} only these columns (repeat, or comma-separate).",
        commands=_READ,
        kind="names",
        short="-c",
    )
    exclude: Sequence[str] = option(
        (),
        help="Leave these columns out (repeat, or comma-separate).",
        commands=_READ,
        kind="names",
        short="-x",
    )
    where: str | None = option(
        None,
        help="A SQL condition applied on both sides (e.g. \"created_at < '2026-01-01'\").",
        help_one_side="A SQL condition selecting the rows to {verb}.",
        commands=_READ,
    )
    right_where: str | None = option(
        None, help="A different condition for the right side.", commands=_TWO_SIDES
    )
    chunk_size: int = option(100_000, help="Rows per chunk.", commands=_READ, kind="int", minimum=1)
    workers: int = option(4, help="Chunks in flight at once.", commands=_RUN, kind="int", minimum=1)
    retries: int = option(
        2,
        help="Times a chunk read that lost its connection is tried again.",
        commands=_RUN,
        kind="int",
        minimum=0,
    )
    memory_limit: str | None = option(
        None,
        help="Memory the result store may use before it spills to disk (DuckDB's memory_limit, e.g. 2GB).",
        commands=_RUN,
        metavar="SIZE",
    )


@dataclass(frozen=True, kw_only=True)
class ComparingOptions(_Options):
    """How values are normalized and compared, and how much of what differs is kept and shown."""

    sample_limit: int = option(
        100,
        help="Samples kept per kind.",
        help_one_side="Examples kept per check.",
        commands=_CHECK,
        kind="int",
        minimum=0,
    )
    rules: Sequence[str] = option(
        (),
        help="An extra rule file (YAML); its rules win over the defaults.",
        commands=_READ,
        kind="files",
        dest="rule_files",
    )
    overrides: Mapping[str, Override] = option(
        factory=dict,
        help=(
            "Compare one column with another normalizer or parameters (repeat). Leniency is opt-in here: "
            "--rule amount=float:abs_tol=0.01,rel_tol=1e-9 (float tolerance), "
            "--rule name=text:ignore_case=true,rstrip=true,trim=true,empty_as_null=true, "
            "--rule created=:assume_zone=Europe/Berlin (zone of a naive DATETIME; an empty NAME keeps "
            "the column's rule), --rule d=:zero_date=error, --rule id=:swap=true (UUID_TO_BIN(u, 1)). "
            "See `dbdiff rules`."
        ),
        commands=_READ,
        kind="overrides",
        flag="--rule",
        dest="rule_overrides",
        keyword="column_rules",
        metavar="COL=NAME[:K=V,...]",
    )
    mask: Sequence[str] = option(
        (),
        help="Show only keyed hashes of this column's values in every report (repeat, or comma-separate).",
        commands=(DIFF, VALIDATE, EXPLAIN),
        kind="names",
        metavar="COL",
    )


@dataclass(frozen=True, kw_only=True)
class CheckOptions(_Options):
    """Invariants checked on the chunks a run reads (dbdiff.checks)."""

    schema: SchemaSpec = option(
        None,
        help="A pandera YAML schema checked on every chunk of both sides.",
        help_one_side="A pandera YAML schema checked on every chunk.",
        commands=_CHECK,
    )
    left_schema: SchemaSpec = option(
        None, help="A pandera YAML schema for the left side only (wins over --schema).", commands=(DIFF,)
    )
    right_schema: SchemaSpec = option(
        None, help="A pandera YAML schema for the right side only (wins over --schema).", commands=(DIFF,)
    )
    aggregate: Sequence[str] = option(
        (),
        help="A column whose count, sum, min and max must agree between the sides (repeatable).",
        commands=(DIFF,),
        kind="names",
    )


@dataclass(frozen=True, kw_only=True)
class WindowOptions(_Options):
    """An incremental check: only the rows written lately on either side (docs/incremental.md).

    Values stay as given (reports and check files show them so); the engine reads them through
    `window_since` and `window_min_age`.
    """

    since: str | dt.datetime | dt.timedelta | None = option(
        None,
        help=(
            "Compare only the rows written since then on either side (by --updated-column): a duration "
            "back from now (90s, 15m, 2h, 1d) or an ISO timestamp (UTC unless it has an offset)."
        ),
        commands=_TWO_SIDES,
        metavar="DURATION|TIMESTAMP",
    )
    updated_column: str | None = option(
        None,
        help="The timestamp or datetime column every write sets (what --since looks at).",
        commands=_TWO_SIDES,
        metavar="COL",
    )
    min_age: str | dt.timedelta | None = option(
        None,
        help=(
            "Leave out rows written less than this long ago on either side (replication or dual-write "
            "lag, e.g. 30s): they are counted as in flight, not compared."
        ),
        commands=_TWO_SIDES,
        metavar="DURATION",
    )

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.since == "":
            object.__setattr__(self, "since", None)
        check_window(self.since, self.updated_column, self.min_age)  # before any connection

    def window_since(self) -> dt.datetime | dt.timedelta | None:
        """`since` as a duration back from now, or as an aware UTC instant (None: no window)."""
        return None if self.since is None else parse_since(self.since)

    def window_min_age(self) -> dt.timedelta | None:
        """`min_age` as a duration (None when not given)."""
        return None if not self.min_age else parse_duration(self.min_age, "--min-age", zero=True)

    def window_public(self) -> dict[str, Any]:
        """The window options as reports show them, only when a window is asked for."""
        return {} if self.since is None else shown_window(self.since, self.updated_column, self.min_age)


@dataclass(frozen=True, kw_only=True)
class ProfilingOptions(_Options):
    """What infer-schema writes into the schema it proposes."""

    max_values: int = option(
        20,
        help="Text columns with at most this many distinct values get an isin check.",
        commands=(INFER,),
        kind="int",
        minimum=0,
        click_range=True,  # as infer-schema always has
    )


@dataclass(frozen=True, kw_only=True)
class OutputOptions(_Options):
    """Where a command's result goes: report files, the stdout view, the progress bar."""

    reports: Mapping[str, Path] = option(
        factory=dict, help="The report files, by format.", commands=_OUTPUT, kind="reports"
    )
    fmt: str = option(
        "text", help="What to print on stdout.", commands=_OUTPUT, kind="format", flag="--format"
    )
    no_progress: bool = option(False, help="Never show a progress bar.", commands=(*_CHECK, RUN), kind="flag")
    quiet: bool = option(
        False,
        help="Print nothing on stdout (files and exit code only).",
        commands=_OUTPUT,
        kind="flag",
        short="-q",
    )


# --- what each command receives (groups listed last first: dataclass fields follow the reverse MRO) --


@dataclass(frozen=True, kw_only=True)
class DiffOptions(WindowOptions, CheckOptions, ComparingOptions, ReadingOptions):
    """Everything a diff can be told; the CLI flags map onto these one to one."""

    COMMAND: ClassVar[str] = DIFF

    def public(self) -> dict[str, Any]:
        """The options as reports show them."""
        return {
            "table": self.table,
            "right_table": self.right_table or self.table,
            "key": list(self.key),
            "columns": list(self.columns),
            "exclude": list(self.exclude),
            "where": self.where,
            "right_where": self.right_where,
            "chunk_size": self.chunk_size,
            "workers": self.workers,
            "sample_limit": self.sample_limit,
            "rules": [str(r) for r in self.rules],
            **self._validation_options(),
            **self.window_public(),
        }

    def _validation_options(self) -> dict[str, Any]:
        from dbdiff.checks import describe_schema

        # Only when set, so reports of runs without checks stay as they were.
        shown: dict[str, Any] = {
            name: describe_schema(getattr(self, name))
            for name in ("schema", "left_schema", "right_schema")
            if getattr(self, name) is not None
        }
        if self.aggregate:
            shown["aggregate"] = list(self.aggregate)
        if self.map:
            shown["map"] = dict(self.map)
        if self.match_names != "case":
            shown["match_names"] = self.match_names
        return shown

    def schemas(self) -> dict[str, SchemaSpec]:
        """The schema each side is checked against (a side's own schema wins over `schema`)."""
        return {
            "left": self.left_schema if self.left_schema is not None else self.schema,
            "right": self.right_schema if self.right_schema is not None else self.schema,
        }


@dataclass(frozen=True, kw_only=True)
class ValidateOptions(CheckOptions, ComparingOptions, ReadingOptions):
    """What `dbdiff validate` can be told: one source's table, its schema and the built-in checks."""

    COMMAND: ClassVar[str] = VALIDATE


@dataclass(frozen=True, kw_only=True)
class InferOptions(ProfilingOptions, ComparingOptions, ReadingOptions):
    """What `dbdiff infer-schema` can be told."""

    COMMAND: ClassVar[str] = INFER

    def __post_init__(self) -> None:
        # infer-schema has always read with at least one worker whatever --workers says.
        object.__setattr__(self, "workers", max(1, self.workers))
        super().__post_init__()
