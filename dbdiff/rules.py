"""Rules: data that maps a pair of column types to a normalizer.

Rule files are YAML (`rules/*.yaml`), validated strictly: an unknown key, an unknown normalizer or
a malformed condition is a `RuleError` that says which file and which rule. YAML never carries code.
"""

from __future__ import annotations

import contextlib
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbdiff.catalog import FAMILIES, Column
from dbdiff.dialects import dialect_names
from dbdiff.errors import RuleError
from dbdiff.names import did_you_mean
from dbdiff.normalize import get_normalizer

#: Integer bounds a condition may set on a column's precision, scale, length and fractional seconds.
_BOUND_KEYS = (
    "min_precision",
    "max_precision",
    "min_scale",
    "max_scale",
    "min_length",
    "max_length",
    "min_fsp",
    "max_fsp",
)
_CONDITION_KEYS = {"family", "type", "unsigned", "fixed", "collation", "dialect", *_BOUND_KEYS}
_RULE_KEYS = {"name", "description", "left", "right", "normalizer", "params", "symmetric", "example"}
_EXAMPLE_KEYS = {"left", "right", "equal"}
_FILE_KEYS = {"version", "rules", "description"}


@dataclass(frozen=True)
class Condition:
    """What one side's column must look like for a rule to apply."""

    families: tuple[str, ...] = ()
    type_pattern: str | None = None
    unsigned: bool | None = None
    fixed: bool | None = None
    min_precision: int | None = None
    max_precision: int | None = None
    min_scale: int | None = None
    max_scale: int | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_fsp: int | None = None
    max_fsp: int | None = None
    collation: str | None = None
    dialects: tuple[str, ...] = ()

    def matches(self, column: Column, dialect: str) -> bool:
        if self.families and column.family not in self.families:
            return False
        if self.dialects and dialect not in self.dialects:
            return False
        if self.type_pattern and not re.fullmatch(self.type_pattern, column.native_type, re.IGNORECASE):
            return False
        if self.unsigned is not None and column.unsigned != self.unsigned:
            return False
        if self.fixed is not None and column.fixed != self.fixed:
            return False
        if self.collation and not re.fullmatch(self.collation, column.collation or "", re.IGNORECASE):
            return False
        ranges = (
            (self.min_precision, self.max_precision, column.precision),
            (self.min_scale, self.max_scale, column.scale),
            (self.min_length, self.max_length, column.length),
            (self.min_fsp, self.max_fsp, column.fsp),
        )
        for low, high, value in ranges:
            if (low is not None or high is not None) and value is None:
                return False
            if low is not None and value < low:  # type: ignore[operator]
                return False
            if high is not None and value > high:  # type: ignore[operator]
                return False
        return True

    def describe(self) -> str:
        """The condition as one line of YAML-like text, for listings."""
        parts = []
        if self.dialects:
            parts.append("dialect: " + "|".join(self.dialects))
        if self.families:
            parts.append("family: " + "|".join(self.families))
        if self.type_pattern:
            parts.append(f"type: {self.type_pattern}")
        for key in ("unsigned", "fixed"):
            value = getattr(self, key)
            if value is not None:
                parts.append(f"{key}: {str(value).lower()}")
        for key in _BOUND_KEYS:
            value = getattr(self, key)
            if value is not None:
                parts.append(f"{key}: {value}")
        if self.collation:
            parts.append(f"collation: {self.collation}")
        return ", ".join(parts) or "any column"


@dataclass(frozen=True)
class Rule:
    name: str
    left: Condition
    right: Condition
    normalizer: str
    params: Mapping[str, Any] = field(default_factory=dict)
    symmetric: bool = True
    description: str = ""
    source: str = ""
    example: Mapping[str, Any] | None = None

    def matches(self, left: Column, right: Column, left_dialect: str, right_dialect: str) -> bool:
        if self.left.matches(left, left_dialect) and self.right.matches(right, right_dialect):
            return True
        return (
            self.symmetric
            and self.left.matches(right, right_dialect)
            and self.right.matches(left, left_dialect)
        )


@dataclass(frozen=True)
class RuleChoice:
    """The rule chosen for one column pair, with its resolved parameters."""

    rule: str
    normalizer: str
    params: Mapping[str, Any]

    def label(self) -> str:
        """`rule` or `rule(normalizer k=v, ...)` for reports."""
        shown = {k: v for k, v in sorted(self.params.items()) if v not in (False, None, 0, 0.0, "")}
        detail = " ".join(f"{k}={v}" for k, v in shown.items())
        base = self.rule if self.rule == self.normalizer else f"{self.rule} -> {self.normalizer}"
        return f"{base} ({detail})" if detail else base


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]

    def choose(
        self,
        left: Column,
        right: Column,
        left_dialect: str,
        right_dialect: str,
        override: tuple[str, Mapping[str, Any]] | None = None,
    ) -> RuleChoice:
        """The first rule matching the pair (or the override); `RuleError` naming both types if none."""
        given: Mapping[str, Any] = {}
        if override is not None:
            name, given = override
            if name:
                norm = get_normalizer(name)
                try:
                    params = norm.resolve_params(left, right, given)
                except RuleError as exc:
                    raise RuleError(f"column {left.name!r}: {exc.message}", hint=exc.hint) from None
                return RuleChoice(rule=f"override:{name}", normalizer=name, params=params)
            # No normalizer named: the matching rule's, with the user's parameters on top.
        for rule in self.rules:
            if rule.matches(left, right, left_dialect, right_dialect):
                norm = get_normalizer(rule.normalizer)
                try:
                    params = norm.resolve_params(left, right, {**rule.params, **given})
                except RuleError as exc:
                    raise RuleError(
                        f"column {left.name!r} (rule {rule.name!r}): {exc.message}", hint=exc.hint
                    ) from None
                return RuleChoice(rule=rule.name, normalizer=rule.normalizer, params=params)
        # Lists compare as they are read, spatial values as geometries; the rest most often as text.
        families = (left.family, right.family)
        suggested = "exact" if "array" in families else "geometry" if "spatial" in families else "text"
        raise RuleError(
            f"no rule compares column {left.name!r}: {left_dialect} {left.native_type} "
            f"({left.family}) vs {right_dialect} {right.native_type} ({right.family})",
            # The example is a whole rule file in YAML's one-line form: pasted into a file, it works.
            hint=(
                f"write a rule file and pass it with --rules FILE, e.g. this one line: "
                f"rules: [{{name: my-rule, left: {{family: {left.family}}}, "
                f"right: {{family: {right.family}}}, normalizer: {suggested}}}]; "
                f"or leave the column out with --exclude {left.name}"
            ),
        )


def rules_dir() -> Path:
    """Where the shipped rule files are: inside the wheel, or at the top of a source checkout."""
    packaged = Path(__file__).parent / "_rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "rules"


def default_rule_files(left_dialect: str, right_dialect: str) -> list[Path]:
    """The engine-pair file (either order) when there is one, then the generic defaults."""
    base = rules_dir()
    files = []
    for a, b in ((left_dialect, right_dialect), (right_dialect, left_dialect)):
        candidate = base / f"{a}-{b}.yaml"
        if candidate.is_file() and candidate not in files:
            files.append(candidate)
    files.append(base / "default.yaml")
    return files


def load_rules(
    paths: Iterable[str | Path] = (),
    *,
    left_dialect: str | None = None,
    right_dialect: str | None = None,
    include_defaults: bool = True,
) -> RuleSet:
    """User files first (they win), then the defaults for the dialect pair."""
    rules: list[Rule] = []
    for path in paths:
        rules.extend(load_rule_file(path))
    if include_defaults:
        for path in default_rule_files(left_dialect or "", right_dialect or ""):
            rules.extend(load_rule_file(path))
    return RuleSet(tuple(rules))


def load_rule_file(path: str | Path) -> list[Rule]:
    import yaml

    path = Path(path)
    try:
        # libyaml's loader when PyYAML has it: the default rules load in 4 ms instead of 30, every run
        loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=loader)
    except FileNotFoundError:
        raise RuleError(f"rule file {str(path)!r} does not exist") from None
    except yaml.YAMLError as exc:
        raise RuleError(f"rule file {str(path)!r} is not valid YAML: {exc}") from None
    return parse_rules(data, source=str(path))


def parse_rules(data: Any, *, source: str = "<rules>") -> list[Rule]:
    """Validate and build rules from parsed YAML/JSON data."""
    if not isinstance(data, Mapping):
        raise RuleError(f"{source}: a rule file is a mapping with a 'rules' list")
    _reject_unknown(data, _FILE_KEYS, source)
    if data.get("version", 1) != 1:
        raise RuleError(f"{source}: unsupported rule file version {data.get('version')!r} (expected 1)")
    entries = data.get("rules")
    if not isinstance(entries, Sequence) or isinstance(entries, (str, bytes)):
        raise RuleError(f"{source}: 'rules' must be a list")
    rules = []
    for index, entry in enumerate(entries):
        where = f"{source}: rule #{index + 1}"
        if not isinstance(entry, Mapping):
            raise RuleError(f"{where} must be a mapping")
        if "name" in entry:
            where = f"{source}: rule {entry['name']!r}"
        _reject_unknown(entry, _RULE_KEYS, where)
        for required in ("name", "left", "right", "normalizer"):
            if required not in entry:
                raise RuleError(f"{where} has no {required!r}")
        try:
            normalizer = get_normalizer(str(entry["normalizer"]))
        except RuleError as exc:
            raise RuleError(f"{where}: {exc.message}", hint=exc.hint) from None
        params = entry.get("params") or {}
        if not isinstance(params, Mapping):
            raise RuleError(f"{where}: 'params' must be a mapping")
        normalizer.check_params(params, where)
        example = entry.get("example")
        if example is not None:
            if not isinstance(example, Mapping):
                raise RuleError(f"{where}: 'example' must be a mapping with left, right and equal")
            _reject_unknown(example, _EXAMPLE_KEYS, f"{where} example")
            for key in sorted(_EXAMPLE_KEYS):
                if key not in example:
                    raise RuleError(f"{where} example has no {key!r}")
            if not isinstance(example["equal"], bool):
                raise RuleError(f"{where} example: 'equal' must be true or false")
        symmetric = entry.get("symmetric", True)
        if not isinstance(symmetric, bool):
            raise RuleError(f"{where}: 'symmetric' must be true or false")
        rules.append(
            Rule(
                name=str(entry["name"]),
                left=_condition(entry["left"], f"{where} left"),
                right=_condition(entry["right"], f"{where} right"),
                normalizer=normalizer.name,
                params=dict(params),
                symmetric=symmetric,
                description=str(entry.get("description", "")),
                source=source,
                example=dict(example) if example is not None else None,
            )
        )
    return rules


def _condition(data: Any, where: str) -> Condition:
    if not isinstance(data, Mapping):
        raise RuleError(f"{where} must be a mapping of conditions")
    _reject_unknown(data, _CONDITION_KEYS, where)
    families = _names(data.get("family"), where, "family")
    for family in families:
        if family not in FAMILIES:
            hint = f"{did_you_mean(family, FAMILIES)} families: {', '.join(FAMILIES)}".lstrip()
            raise RuleError(f"{where}: unknown family {family!r}", hint=hint)
    dialects = _names(data.get("dialect"), where, "dialect")
    known = dialect_names()  # a condition may name any dialect a source reports
    for dialect in dialects:
        if dialect not in known:
            raise RuleError(f"{where}: unknown dialect {dialect!r}", hint="dialects: " + ", ".join(known))
    patterns = {}
    for key in ("type", "collation"):
        pattern = data.get(key)
        if pattern is not None:
            try:
                re.compile(str(pattern))
            except re.error as exc:
                raise RuleError(f"{where}: {key!r} is not a valid regular expression: {exc}") from None
        patterns[key] = str(pattern) if pattern is not None else None
    ints: dict[str, Any] = {}
    for key in _BOUND_KEYS:
        value = data.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise RuleError(f"{where}: {key!r} must be an integer")
        ints[key] = value
    bools: dict[str, Any] = {}
    for key in ("unsigned", "fixed"):
        value = data.get(key)
        if value is not None and not isinstance(value, bool):
            raise RuleError(f"{where}: {key!r} must be true or false")
        bools[key] = value
    return Condition(
        families=families,
        type_pattern=patterns["type"],
        collation=patterns["collation"],
        dialects=dialects,
        **ints,
        **bools,
    )


def _names(value: Any, where: str, key: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if isinstance(value, str):
        return (value,)
    if isinstance(value, Sequence) and all(isinstance(v, str) for v in value):
        return tuple(value)
    raise RuleError(f"{where}: {key!r} must be a name or a list of names")


def _reject_unknown(data: Mapping[str, Any], allowed: set[str], where: str) -> None:
    for key in data:
        if key not in allowed:
            hint = did_you_mean(str(key), allowed) or "allowed: " + ", ".join(sorted(allowed))
            raise RuleError(f"{where}: unknown key {key!r}", hint=hint)


# --- listings and the generated reference ----------------------------------------------------


def describe_rule(rule: Rule) -> dict[str, Any]:
    """A rule as plain data, for `dbdiff rules --format json`."""
    return {
        "name": rule.name,
        "source": rule.source,
        "left": rule.left.describe(),
        "right": rule.right.describe(),
        "normalizer": rule.normalizer,
        "params": dict(rule.params),
        "symmetric": rule.symmetric,
        "description": rule.description,
        "example": dict(rule.example) if rule.example else None,
    }


def _cell(text: Any) -> str:
    return str(text).replace("|", "\\|").replace("\n", " ")


def render_rules_markdown() -> str:
    """docs/rules.md: every shipped rule file and every normalizer, generated from the sources.

    `python -m dbdiff.rules > docs/rules.md` regenerates it; a test keeps it up to date.
    """
    from dbdiff.normalize import describe_normalizers

    base = rules_dir()
    lines = [
        "# Rules reference",
        "",
        "<!-- Generated by `python -m dbdiff.rules > docs/rules.md`; do not edit by hand. -->",
        "",
        "A rule maps a pair of column types to a normalizer. Rules are tried in order, user files",
        "(`--rules FILE`) first, then the engine-pair file (`mysql-postgresql.yaml` when one side is",
        "MySQL or MariaDB and the other PostgreSQL), then `default.yaml`; the first rule whose `left`",
        "and `right` conditions both match wins (`symmetric` rules also match with the sides swapped).",
        "A column pair that no rule covers is an error before any data is read.",
        "",
        "Conditions: `family`, `type` (a regular expression matched against the whole native type,",
        "case-insensitively), `unsigned`, `fixed`, `min_precision`/`max_precision`,",
        "`min_scale`/`max_scale`, `min_length`/`max_length`, `min_fsp`/`max_fsp`, `collation` (a",
        "regular expression) and `dialect`.",
        "",
        "Override one column: `dbdiff diff ... --rule amount=decimal:abs_tol=0.01` (or",
        "`--rule created=:assume_zone=Europe/Berlin` to keep the column's rule and set a parameter);",
        'from Python: `dbdiff.diff(..., column_rules={"amount": ("decimal", {"abs_tol": 0.01})})`.',
        "",
    ]
    for path in sorted(base.glob("*.yaml"), key=lambda p: (p.name == "default.yaml", p.name)):
        lines += [f"## {path.name}", ""]
        for rule in load_rule_file(path):
            lines += [f"### {rule.name}", ""]
            if rule.description:
                lines += [rule.description, ""]
            params = ", ".join(f"{k}={v}" for k, v in rule.params.items())
            lines += [
                "| | |",
                "|---|---|",
                f"| left | {_cell(rule.left.describe())} |",
                f"| right | {_cell(rule.right.describe())} |",
                f"| normalizer | `{rule.normalizer}`" + (f" ({_cell(params)})" if params else "") + " |",
                f"| symmetric | {str(rule.symmetric).lower()} |",
            ]
            if rule.example:
                verdict = "equal" if rule.example["equal"] else "a difference"
                lines.append(
                    f"| example | {_cell(rule.example['left'])} vs {_cell(rule.example['right'])}: "
                    f"{verdict} |"
                )
            lines.append("")
    lines += ["## Normalizers", ""]
    for norm_name, doc, defaults in describe_normalizers():
        lines += [f"### {norm_name}", ""]
        shown = ", ".join(f"`{k}` (default {v!r})" for k, v in defaults.items())
        lines += [doc, "", f"Parameters: {shown}." if shown else "Parameters: none.", ""]
    return "\n".join(lines).rstrip("\n") + "\n"


def parse_override(text: str) -> tuple[str, tuple[str, dict[str, Any]]]:
    """`COL=NAME[:k=v,...]` (or `COL=:k=v,...` to keep the column's rule) -> (column, override).

    Values are read as YAML scalars: `true`, `0.01`, `Europe/Berlin`.
    """
    import yaml

    column, sep, spec = text.partition("=")
    if not sep or not column.strip():
        raise RuleError(
            f"--rule {text!r} is not COLUMN=NORMALIZER[:key=value,...]",
            hint="e.g. --rule amount=float:abs_tol=0.01 or --rule created=:assume_zone=Europe/Berlin",
        )
    name, _, rest = spec.partition(":")
    name = name.strip()
    if name:
        get_normalizer(name)  # did-you-mean for a typo, before anything is read
    params: dict[str, Any] = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, eq, value = item.partition("=")
        if not eq or not key.strip():
            raise RuleError(f"--rule {text!r}: {item!r} is not key=value")
        try:
            parsed = yaml.safe_load(value) if value.strip() else ""
        except yaml.YAMLError:
            parsed = value
        if isinstance(parsed, str):
            with contextlib.suppress(ValueError):
                parsed = float(parsed)  # YAML 1.1 reads '1e-9' as text
        params[key.strip()] = parsed if isinstance(parsed, (bool, int, float, str)) else value
    if not name and not params:
        raise RuleError(f"--rule {text!r} names neither a normalizer nor a parameter")
    if name:
        get_normalizer(name).check_params(params, f"--rule {text!r}")
    return column.strip(), (name, params)


if __name__ == "__main__":
    import sys

    sys.stdout.write(render_rules_markdown())
