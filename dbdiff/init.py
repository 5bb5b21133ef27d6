"""`dbdiff init`: a starting check file from the two catalogs, for people to edit and then run.

It lists both sides' base tables, detects how names were carried over (spelled alike, differing
in case, or renamed from CamelCase to snake_case: `names.detect_convention` over the table names
and every paired table's column names), pairs the tables, and writes each pair with its key.
Tables present on one side only, and pairs with no key on either side (or a key no rule
compares), are written commented out with a note, so the file runs as written; a column no rule
compares is noted (the run reports it and leaves it out), and likely renames among the columns
left unpaired are suggested as a commented-out `map:`. Views are not listed: a check file compares
base tables (tables: entries choose among them), so compare a view with `dbdiff diff --table`.

A password is never written: a URL that holds one is replaced by `{env: DBDIFF_LEFT_URL}` (or
RIGHT) with a comment saying what to export.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from dbdiff.catalog import TableCatalog
from dbdiff.errors import KeyColumnError, RuleError, UsageError
from dbdiff.names import MATCH_MODES, close_match, detect_convention, name_key, pair_names, same_name
from dbdiff.plan import choose_key, match_columns, pair_columns
from dbdiff.rules import RuleSet, load_rules
from dbdiff.sources.base import Source, open_source
from dbdiff.sources.urls import parse_url

#: The environment variables a check file names for URLs that hold a password (those `dbdiff diff`
#: reads too).
URL_VARIABLES = {"left": "DBDIFF_LEFT_URL", "right": "DBDIFF_RIGHT_URL"}


@dataclass(frozen=True)
class TablePlan:
    """One table pair as the starting file writes it."""

    left: str
    right: str
    key: tuple[str, ...]  # as the left side names the columns; () when neither side has one
    key_from: str  # "left" or "right": whose primary key it is
    only_left_columns: tuple[str, ...] = ()
    only_right_columns: tuple[str, ...] = ()
    renames: tuple[tuple[str, str], ...] = ()  # guessed from similar names, written commented out
    uncovered: tuple[str, ...] = ()  # columns no rule compares: the run reports and skips them
    problem: str = ""  # why the pair is written commented out ("" when it runs as written)


@dataclass(frozen=True)
class StartingFile:
    """What `dbdiff init` found and the check file's text."""

    text: str
    match_names: str
    tables: tuple[TablePlan, ...]
    only_left: tuple[str, ...]
    only_right: tuple[str, ...]
    env: tuple[str, ...] = field(default=())  # the variables the file reads the URLs from

    def summary(self, path: Path | str) -> str:
        """One line for the terminal."""
        keyed = sum(1 for t in self.tables if t.key)
        parts = [
            f"wrote {path}: {keyed} table pair{'s' if keyed != 1 else ''} (match_names: {self.match_names})"
        ]
        if len(self.tables) > keyed:
            parts.append(f"{len(self.tables) - keyed} without a key (commented out)")
        if self.only_left or self.only_right:
            parts.append(f"{len(self.only_left)} only on the left, {len(self.only_right)} only on the right")
        if self.env:
            parts.append("export " + " and ".join(self.env) + " before running it")
        return "; ".join(parts)


def write_starting_file(left_url: str, right_url: str, out: str | Path = "dbdiff.yaml") -> StartingFile:
    """Write the starting check file for two sources to `out`; never overwrites (UsageError)."""
    path = Path(out)
    _refuse_existing(path)
    started = starting_file(left_url, right_url)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("x", encoding="utf-8") as handle:  # "x": a file made meanwhile is kept too
            handle.write(started.text)
    except FileExistsError:
        _refuse_existing(path)
    except OSError as exc:
        raise UsageError(f"cannot write the check file {str(path)!r}: {exc.strerror}") from None
    return started


def _refuse_existing(path: Path) -> None:
    if path.exists() or path.is_symlink():
        raise UsageError(
            f"{str(path)!r} already exists: dbdiff init never overwrites a file",
            hint="choose another file with --out FILE, or move it away",
        )


def starting_file(left_url: str, right_url: str) -> StartingFile:
    """Read both catalogs and build the starting check file (nothing is written)."""
    urls = {"left": left_url, "right": right_url}
    parsed = {side: parse_url(url) for side, url in urls.items()}
    left, right = open_source(parsed["left"]), open_source(parsed["right"])
    try:
        found = _survey(left, right)
    finally:
        left.close()
        right.close()
    tables, only_left, only_right, mode = found
    lines, env = _header(urls, parsed, mode)
    lines += _tables(tables, only_left, only_right, mode)
    text = "\n".join(lines) + "\n"
    return StartingFile(text, mode, tuple(tables), tuple(only_left), tuple(only_right), tuple(env))


def _survey(left: Source, right: Source) -> tuple[list[TablePlan], list[str], list[str], str]:
    left_tables, right_tables = left.list_tables(), right.list_tables()
    table_mode = detect_convention(left_tables, right_tables)
    pairs = pair_names(left_tables, right_tables, table_mode)
    paired = [(a, b) for a, b in pairs if a is not None and b is not None]
    if not paired:
        raise UsageError(
            "no table of the left source pairs with one of the right, by name or naming convention",
            hint=f"left tables: {_shown(left_tables)}; right tables: {_shown(right_tables)}",
        )
    catalogs = [(left.introspect(a), right.introspect(b)) for a, b in paired]
    modes = [table_mode] + [detect_convention(lc.column_names, rc.column_names) for lc, rc in catalogs]
    mode = max(modes, key=MATCH_MODES.index)
    mode = "case" if mode == "exact" else mode  # the check file's default, which pairs what exact does
    rules = load_rules(left_dialect=left.dialect, right_dialect=right.dialect)
    dialects = (left.dialect, right.dialect)
    tables = [
        _table_plan(lc, rc, mode, (a, b), rules, dialects)
        for (a, b), (lc, rc) in zip(paired, catalogs, strict=True)
    ]
    only_left = [a for a, b in pairs if b is None and a is not None]
    only_right = [b for a, b in pairs if a is None and b is not None]
    return tables, only_left, only_right, mode


def _alike(name: str, others: Sequence[str], mode: str) -> list[str]:
    """The other side's tables `name` would pair with but for an ambiguity."""
    return [other for other in others if same_name(name, other, mode)]


def _table_plan(
    lc: TableCatalog,
    rc: TableCatalog,
    mode: str,
    names: tuple[str, str],
    rules: RuleSet,
    dialects: tuple[str, str],
) -> TablePlan:
    problem, uncovered = "", ()
    try:
        key = tuple(choose_key(lc, rc, None, match_names=mode))
    except KeyColumnError:
        key, problem = (), "neither side has a primary key: name the key columns (key: [COL]) and uncomment"
        if lc.primary_key or rc.primary_key:  # one, named past any convention on the other side
            shown = [f"({', '.join(c.primary_key)})" if c.primary_key else "none" for c in (lc, rc)]
            problem = (
                f"no primary key pairs across the sides (left {shown[0]}, right {shown[1]}): pair "
                "its columns with map: {LeftName: right_name} or name the key columns (key: [COL]), "
                "and uncomment"
            )
    if key:
        try:
            pairing = pair_columns(
                lc, rc, key=key, rules=rules, left_dialect=dialects[0], right_dialect=dialects[1],
                match_names=mode, uncovered="skip",
            )  # fmt: skip
            uncovered = tuple(d["message"] for d in pairing.uncovered)
        except RuleError as exc:
            problem = f"{exc.message}: add a rule file (rules: [FILE]) or another key, and uncomment"
    matches = match_columns(lc, rc, mode)
    only_left = tuple(m.left.name for m in matches if m.left is not None and m.right is None)
    only_right = tuple(m.right.name for m in matches if m.right is not None and m.left is None)
    return TablePlan(
        left=names[0],
        right=names[1],
        key=key,
        key_from="right" if key and list(key) != list(lc.primary_key) else "left",
        only_left_columns=only_left,
        only_right_columns=only_right,
        renames=_renames(only_left, only_right),
        uncovered=uncovered,
        problem=problem,
    )


def _renames(only_left: Sequence[str], only_right: Sequence[str]) -> tuple[tuple[str, str], ...]:
    """Likely renames among the unpaired columns: names whose words are close (`Qty`, `qty_total`)."""
    keys = {name_key(name, "convention"): name for name in only_right}
    guesses: dict[str, str] = {}
    for name in only_left:
        found = close_match(name_key(name, "convention"), keys, cutoff=0.75)
        if found is not None and keys[found] not in guesses.values():
            guesses[name] = keys[found]
    return tuple(guesses.items())


def _header(urls: dict[str, str], parsed: dict[str, Any], mode: str) -> tuple[list[str], list[str]]:
    lines = [
        "# A dbdiff check file, started by `dbdiff init` from the two catalogs: edit it, then `dbdiff run`.",
        "# Every key is described in docs/checkfile.md.",
        "version: 1",
    ]
    env: list[str] = []
    for side, url in urls.items():
        if parsed[side].secrets:
            variable = URL_VARIABLES[side]
            env.append(variable)
            lines += [
                f"# The {side} URL holds a password, which a check file never does: export it as",
                f"# {variable}={_scalar(parsed[side].redacted)} (with the real password).",
                f"{side}: {{env: {variable}}}",
            ]
        else:
            lines.append(f"{side}: {_scalar(url)}")
    if mode == "convention":
        lines += [
            "# Tables and columns were renamed between naming conventions (InvoiceLine.UnitPrice and",
            "# invoice_line.unit_price): names pair as spellings of the same words.",
            "match_names: convention",
        ]
    lines += [
        "# By default any difference fails the run; thresholds tolerate some, e.g.:",
        "# thresholds:",
        '#   changed: {warn: 0, fail: "0.1%"}',
        "tables:",
    ]
    return lines, env


def _tables(
    tables: Sequence[TablePlan], only_left: Sequence[str], only_right: Sequence[str], mode: str
) -> list[str]:
    lines: list[str] = []
    for table in tables:
        entry = (
            [f"- name: {_scalar(table.left)}"]
            if table.left == table.right and not set("*?[") & set(table.left)
            else [f"- left: {_scalar(table.left)}", f"  right: {_scalar(table.right)}"]
        )
        if table.key:
            entry.append(f"  key: {_flow(table.key)}")
            if table.key_from == "right":
                entry[-1] += "  # the right side's primary key: the left side has none"
        notes = []
        if table.only_left_columns or table.only_right_columns:
            notes.append(
                "# columns on one side only: left "
                + (_flow(table.only_left_columns) if table.only_left_columns else "none")
                + ", right "
                + (_flow(table.only_right_columns) if table.only_right_columns else "none")
                + "; pair renamed ones with map: {LeftName: right_name}"
            )
        notes += [f"# {message}" for message in table.uncovered]
        if table.problem:
            notes.append(f"# {table.problem}")
            entry = ["# " + line for line in entry]
        if table.renames:
            guessed = ", ".join(f"{_scalar(a)}: {_scalar(b)}" for a, b in table.renames)
            entry.append(f"#   map: {{{guessed}}}  # guessed from similar names: check, then uncomment")
        lines += ["  " + line for line in notes + entry]
    for side, names, others in (("left", only_left, only_right), ("right", only_right, only_left)):
        for name in names:
            alike = _alike(name, others, mode)
            note = (
                f"only on the {side}: no table of the other side pairs"
                if not alike
                else f"on the {side}, named like {_flow(alike)}: pair it by hand (left: ..., right: ...)"
            )
            lines.append(f"  # - name: {_scalar(name)}  # {note}")
    return lines


def _scalar(value: str) -> str:
    """`value` as one YAML scalar on one line (quoted, with escapes, when it must be)."""
    style = None if value.isprintable() else '"'
    text = yaml.safe_dump(value, default_style=style, allow_unicode=True, width=1 << 20)
    return text.removesuffix("\n...\n").rstrip("\n")


def _flow(values: Sequence[str]) -> str:
    return "[" + ", ".join(_scalar(v) for v in values) + "]"


def _shown(names: Sequence[str]) -> str:
    return ", ".join(names[:10]) + (", ..." if len(names) > 10 else "") if names else "none"
