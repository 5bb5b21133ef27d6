"""How an option is declared: the `Option` metadata of a dataclass field, and what is built from it.

`dbdiff.options` declares every option group with `option(...)` fields; the CLI (`cli_options`) and
the API keywords (`takes_options`) are made from them through `offered`, and `_Options.__post_init__`
is the one place values are checked. Split from `dbdiff.options`, which re-exports these names.
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, TypeVar

from dbdiff.errors import UsageError
from dbdiff.names import did_you_mean

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
            if spec.minimum is not None and value is not None and value < spec.minimum:
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
