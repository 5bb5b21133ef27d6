"""Rules: data that maps a pair of column types to a normalizer.

Rule files are YAML (`rules/*.yaml`), validated strictly: an unknown key, an unknown normalizer or
a malformed condition is a `RuleError` that says which file and which rule. YAML never carries code.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from dbdiff.errors import RuleError
from dbdiff.normalize import get_normalizer
from dbdiff.schema import FAMILIES, Column

_CONDITION_KEYS = {
    "family",
    "type",
    "unsigned",
    "fixed",
    "min_precision",
    "max_precision",
    "min_scale",
    "max_scale",
    "dialect",
}
_RULE_KEYS = {"name", "description", "left", "right", "normalizer", "params", "symmetric"}
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
        checks = (
            (self.min_precision, column.precision, lambda bound, v: v >= bound),
            (self.max_precision, column.precision, lambda bound, v: v <= bound),
            (self.min_scale, column.scale, lambda bound, v: v >= bound),
            (self.max_scale, column.scale, lambda bound, v: v <= bound),
        )
        for bound, value, ok in checks:
            if bound is not None and (value is None or not ok(bound, value)):
                return False
        return True


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
        if override is not None:
            name, given = override
            norm = get_normalizer(name)
            return RuleChoice(
                rule=f"override:{name}", normalizer=name, params=norm.resolve_params(left, right, given)
            )
        for rule in self.rules:
            if rule.matches(left, right, left_dialect, right_dialect):
                norm = get_normalizer(rule.normalizer)
                params = norm.resolve_params(left, right, rule.params)
                return RuleChoice(rule=rule.name, normalizer=rule.normalizer, params=params)
        raise RuleError(
            f"no rule compares column {left.name!r}: {left_dialect} {left.native_type} "
            f"({left.family}) vs {right_dialect} {right.native_type} ({right.family})",
            hint=(
                f"add a rule to a file passed with --rules, e.g. "
                f"{{name: my-rule, left: {{family: {left.family}}}, right: {{family: {right.family}}}, "
                f"normalizer: text}}, or leave the column out with --exclude {left.name}"
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
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
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
        normalizer = get_normalizer(str(entry["normalizer"]))
        params = entry.get("params") or {}
        if not isinstance(params, Mapping):
            raise RuleError(f"{where}: 'params' must be a mapping")
        unknown = sorted(set(params) - set(normalizer.params))
        if unknown:
            raise RuleError(
                f"{where}: normalizer {normalizer.name!r} has no parameter {unknown[0]!r}",
                hint=f"it accepts: {', '.join(sorted(normalizer.params)) or 'no parameters'}",
            )
        rules.append(
            Rule(
                name=str(entry["name"]),
                left=_condition(entry["left"], f"{where} left"),
                right=_condition(entry["right"], f"{where} right"),
                normalizer=normalizer.name,
                params=dict(params),
                symmetric=bool(entry.get("symmetric", True)),
                description=str(entry.get("description", "")),
                source=source,
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
            raise RuleError(f"{where}: unknown family {family!r}", hint="families: " + ", ".join(FAMILIES))
    pattern = data.get("type")
    if pattern is not None:
        try:
            re.compile(str(pattern))
        except re.error as exc:
            raise RuleError(f"{where}: 'type' is not a valid regular expression: {exc}") from None
    ints = {}
    for key in ("min_precision", "max_precision", "min_scale", "max_scale"):
        value = data.get(key)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            raise RuleError(f"{where}: {key!r} must be an integer")
        ints[key] = value
    bools = {}
    for key in ("unsigned", "fixed"):
        value = data.get(key)
        if value is not None and not isinstance(value, bool):
            raise RuleError(f"{where}: {key!r} must be true or false")
        bools[key] = value
    return Condition(
        families=families,
        type_pattern=str(pattern) if pattern is not None else None,
        dialects=_names(data.get("dialect"), where, "dialect"),
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
    import difflib

    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(str(key), sorted(allowed), n=1)
            hint = f"did you mean {close[0]!r}?" if close else "allowed: " + ", ".join(sorted(allowed))
            raise RuleError(f"{where}: unknown key {key!r}", hint=hint)
