"""The command line's options, built from the option dataclasses (dbdiff.options) and the renderer
registry (dbdiff.report), and read back into those dataclasses.

A command made with `cls=OptionsCommand, options=(DiffOptions, OutputOptions)` offers every field
of those classes that names the command, worded for it, plus one `--NAME FILE` flag per registered
renderer; `read_options` turns the parsed flags into the option objects the API takes.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any, TypeVar

import click

from dbdiff.errors import UsageError
from dbdiff.options import Offered, offered, parse_mapping

T = TypeVar("T")


class OneLineError(click.ClickException):
    """A usage error found while parsing, shown as every other error is: one line, exit code 2."""

    exit_code = 2

    def show(self, file: Any = None) -> None:
        click.echo(f"dbdiff: error: {self.format_message()}", err=True)


class OnceCommand(click.Command):
    """A command that refuses a single-valued option given twice, instead of silently taking the
    last one (`--table a --table b` would compare only b)."""

    def make_parser(self, ctx: click.Context) -> Any:
        parser = super().make_parser(ctx)
        parse = parser.parse_args

        def parse_args(args: list[str]) -> Any:
            opts, rest, order = parse(args=args)
            seen: set[str] = set()
            for param in order:
                if not isinstance(param, click.Option) or param.multiple or param.count or param.is_flag:
                    continue
                if param.name in seen:
                    name = max(param.opts, key=len)
                    raise OneLineError(f"{name} is given more than once; it takes one value")
                seen.add(str(param.name))
            return opts, rest, order

        parser.parse_args = parse_args  # type: ignore[method-assign]
        return parser


class OptionsCommand(OnceCommand):
    """A command whose options come from option classes and the renderer registry.

    They are built when the command runs (or shows its help), so a renderer registered after
    `dbdiff.cli` was imported still gets its flag. Arguments come first, then the built options,
    then the command's own options.
    """

    def __init__(self, *args: Any, options: Sequence[type] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.option_classes = tuple(options)
        self._built: tuple[tuple[Any, ...], list[click.Parameter]] | None = None

    def get_params(self, ctx: click.Context) -> list[click.Parameter]:
        from dbdiff.report import RENDERERS

        registry = tuple(RENDERERS.values())
        if self._built is None or self._built[0] != registry:
            self._built = (registry, self._build_params())
        own = super().get_params(ctx)
        arguments = [p for p in own if isinstance(p, click.Argument)]
        return [*arguments, *self._built[1], *(p for p in own if not isinstance(p, click.Argument))]

    def _build_params(self) -> list[click.Parameter]:
        params: list[click.Parameter] = []
        for cls in self.option_classes:
            for item in offered(cls, str(self.name)):
                params.extend(_click_options(item))
        taken = [opt for p in [*self.params, *params] for opt in p.opts]
        clash = next((opt for opt in taken if taken.count(opt) > 1), None)
        if clash:
            raise OneLineError(f"{clash} is offered twice by `dbdiff {self.name}` (a renderer's flag?)")
        return params


def _click_options(item: Offered) -> list[click.Option]:
    """The click option(s) of one offered field: one per renderer for the report files."""
    spec = item.option
    names = [item.flag, *([spec.short] if spec.short else []), item.dest]
    if spec.kind == "reports":
        from dbdiff.report import RENDERERS

        return [
            click.Option(
                [renderer.flag, renderer.dest],
                type=click.Path(dir_okay=False, path_type=Path),
                help=renderer.help,
            )
            for renderer in RENDERERS.values()
            if renderer.flag
        ]
    if spec.kind == "format":
        from dbdiff.report import RENDERERS

        choices = ["text", *(name for name, renderer in RENDERERS.items() if renderer.stdout)]
        return [
            click.Option(
                names, type=click.Choice(choices), default=item.default, show_default=True, help=item.help
            )
        ]
    if spec.kind == "flag":
        return [click.Option(names, is_flag=True, help=item.help)]
    settings: dict[str, Any] = {"help": item.help, "metavar": spec.metavar}
    if spec.kind == "int":
        bounded = spec.click_range and spec.minimum is not None
        settings.update(
            type=click.IntRange(min=spec.minimum) if bounded else int, default=item.default, show_default=True
        )
    elif spec.kind in ("names", "overrides", "mapping"):
        settings.update(multiple=True)
    elif spec.kind == "files":
        settings.update(multiple=True, type=click.Path(exists=True, dir_okay=False))
    if spec.choices:  # checked by the options (one line with a did-you-mean), shown in the help
        settings.update(default=item.default, show_default=True, metavar="[" + "|".join(spec.choices) + "]")
    if spec.required:
        settings.update(required=True)
    return [click.Option(names, **settings)]


def read_options(cls: type[T], command: str, flags: Mapping[str, Any]) -> T:
    """The `cls` options that `command`'s parsed `flags` give (names split, `--rule`s parsed)."""
    values = {item.name: _read(item, flags) for item in offered(cls, command)}
    return cls(**values)


def _read(item: Offered, flags: Mapping[str, Any]) -> Any:
    kind = item.option.kind
    if kind == "reports":
        from dbdiff.report import RENDERERS

        return {
            name: flags[renderer.dest]
            for name, renderer in RENDERERS.items()
            if renderer.flag and flags.get(renderer.dest) is not None
        }
    value = flags[item.dest]
    if kind == "names":
        return split_names(value)
    if kind == "files":
        return list(value)
    if kind == "overrides":
        return column_rules(value)
    if kind == "mapping":
        return parse_mapping(value, item.flag)
    return value


def split_names(values: Iterable[str]) -> list[str]:
    """`--columns a,b --columns c` -> ['a', 'b', 'c']."""
    return [part.strip() for value in values for part in value.split(",") if part.strip()]


def column_rules(specs: Sequence[str]) -> dict[str, tuple[str, dict[str, Any]]]:
    """`--rule COL=NAME[:k=v,...]` flags as the API's `column_rules`."""
    from dbdiff.rules import parse_override

    overrides: dict[str, tuple[str, dict[str, Any]]] = {}
    for spec in specs:
        column, override = parse_override(spec)
        if column in overrides:  # "Email" and email may be two columns: the plan resolves names
            raise UsageError(f"--rule names column {column!r} twice")
        overrides[column] = override
    return overrides
