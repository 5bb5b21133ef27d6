"""Presentation helpers every renderer shares: counts, values, secrets, and per-table views.

Reports only render a result; nothing here recomputes a diff. Every function is pure and
deterministic (no clock, no locale), so the same result always renders to the same bytes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dbdiff.errors import scrub

if TYPE_CHECKING:
    from dbdiff.result import DiffResult, TableResult

SAMPLE_KINDS = ("changed", "only_left", "only_right", "duplicates", "null_keys")
SAMPLE_TITLES = {
    "changed": "Changed rows",
    "only_left": "Rows only in left",
    "only_right": "Rows only in right",
    "duplicates": "Duplicate keys",
    "null_keys": "Rows with a NULL key",
}
STATUS_LABELS = {"identical": "Identical", "different": "Different", "error": "Error"}

# Option names whose values are secrets whatever they hold. Matched as whole words inside the
# name, so `password`, `left_password`, `api-key` and `AUTH_TOKEN` are caught, `tokenizer` is not.
_SECRET_NAME = re.compile(
    r"(?:^|[^a-z])(?:pass(?:word|wd|phrase)?|pwd|secrets?|tokens?|api[_-]?keys?|private[_-]?keys?"
    r"|credentials?|auth)(?:$|[^a-z])",
    re.IGNORECASE,
)
# C0/C1 controls (tab and newline aside), invisible and bidi-override characters that can make a
# value look like another ("Trojan source"), lone surrogates and non-characters.
_CONTROL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u00ad\u200b-\u200f\u2028-\u202e\u2060-\u2069\ufeff"
    r"\ud800-\udfff\ufffe\uffff]"
)
_QUOTED = re.compile(_CONTROL.pattern[:-1] + r"\t\n]")
REDACTED = "***"


def fmt_count(n: int) -> str:
    """An integer with thousands separators: 12,345."""
    return f"{n:,}"


def fmt_percent(part: int, whole: int) -> str:
    """`part` as a share of `whole` with one decimal, never rounding a non-zero share to 0 or 100."""
    if whole <= 0 or part <= 0:
        return "0%"
    if part >= whole:
        return "100%"
    share = 100.0 * part / whole
    if share < 0.1:
        return "<0.1%"
    if share > 99.9:
        return ">99.9%"
    return f"{share:.1f}%"


def fmt_duration(seconds: float) -> str:
    """A run time for people: 0.042 s, 12.3 s, 4 min 05 s, 2 h 03 min."""
    if seconds < 1:
        return f"{seconds:.3f} s"
    if seconds < 60:
        return f"{seconds:.1f} s"
    whole = round(seconds)
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{hours} h {minutes:02d} min"
    return f"{minutes} min {secs:02d} s"


def escape_controls(text: str) -> str:
    """Control characters, lone surrogates and non-characters as visible `\\xNN` / `\\uNNNN` escapes."""
    return _CONTROL.sub(lambda m: control_escape(m.group()), text)


def is_control(char: str) -> bool:
    """True for a character that `escape_controls` makes visible."""
    return _CONTROL.match(char) is not None


def control_escape(char: str) -> str:
    """One invisible or unsafe character as a visible escape: `\\n`, `\\x1b`, `\\u202e`."""
    named = {"\n": "\\n", "\t": "\\t", "\r": "\\r"}.get(char)
    if named:
        return named
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def truncate(text: str, limit: int) -> str:
    """`text` cut to `limit` characters, saying how long it was."""
    if len(text) <= limit:
        return text
    return f"{text[:limit]}… ({fmt_count(len(text))} chars)"


#: Characters shown before the first difference when a long value is cut around it.
DIFF_CONTEXT = 20


def display_value(value: Any, limit: int = 120, *, start: int = 0) -> str:
    """One JSON-encoded sample value as plain text.

    NULL, booleans and numbers print bare. Strings print bare unless that would hide something:
    empty strings, surrounding whitespace, line breaks or control characters, and strings that
    read like NULL or a boolean are JSON-quoted, so `'abc '` never looks like `'abc'`. A string
    longer than `limit` shows `limit` characters from `start` (see `display_pair`), with `…`
    where it was cut and its full length.
    """
    if value is None:
        return "NULL"
    if is_truncated(value):
        return bounded_text(value, limit)
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, str):
        return _window(value, limit, start, quoted=_needs_quotes(value))
    return _window(json.dumps(value, ensure_ascii=False, sort_keys=True), limit, start, quoted=False)


def _window(text: str, limit: int, start: int, *, quoted: bool, offset: int = 0, length: int = -1) -> str:
    """`text` (quoted or with controls escaped) cut to `limit` characters from character `start`.

    `text` may itself be a window of a longer value: it starts at character `offset` of a value
    `length` characters long (a bounded sample value, see `is_truncated`).
    """
    length = offset + len(text) if length < 0 else length
    if offset == 0 and len(text) == length <= limit:
        return quote(text) if quoted else escape_controls(text)
    local = max(0, min(start - offset, len(text)))
    end = min(len(text), local + limit)
    piece = text[local:end]
    first, last = offset + local, offset + end  # where the piece sits in the whole value
    if quoted:
        piece = piece.replace("\\", "\\\\").replace('"', '\\"')
        piece = _QUOTED.sub(lambda m: control_escape(m.group()), piece)
        piece = ('"' if first == 0 else "") + piece + ('"' if last == length else "")
    else:
        piece = escape_controls(piece)
    shown = ("…" if first else "") + piece + ("…" if last < length else "")
    where = f", from character {fmt_count(first + 1)}" if first else ""
    return f"{shown} ({fmt_count(length)} chars{where})"


def first_difference(left: str, right: str) -> int:
    """The index of the first character where `left` and `right` differ (the shorter length if one
    is a prefix of the other)."""
    # A binary search over slice comparisons (done in C): fast on values of megabytes.
    low, high = 0, min(len(left), len(right))
    while low < high:
        mid = (low + high + 1) // 2
        if left[:mid] == right[:mid]:
            low = mid
        else:
            high = mid - 1
    return low


def display_pair(left: Any, right: Any, limit: int = 120) -> tuple[str, str]:
    """Both sides of a changed value as plain text; long strings are cut around their first
    difference (the same window on both sides), so a change at the end of a long value shows.
    Bounded sample values (`is_truncated`) are placed by their offset in the whole value."""
    a, b = _text_span(left), _text_span(right)
    if a is None or b is None or left == right:
        return display_value(left, limit), display_value(right, limit)
    focus = _span_difference(a, b)
    start = focus - DIFF_CONTEXT if focus > limit - DIFF_CONTEXT else 0
    return _pair_side(left, a, focus, start, limit), _pair_side(right, b, focus, start, limit)


def _text_span(value: Any) -> tuple[str, int, int] | None:
    """(text, where it starts in the whole value, the whole value's length) for text values."""
    if isinstance(value, str):
        return value, 0, len(value)
    if is_truncated(value):
        offset, length = value.get("offset"), value.get("length")
        offset = offset if isinstance(offset, int) and offset >= 0 else 0
        window = value["window"]
        length = (
            length if isinstance(length, int) and length >= offset + len(window) else offset + len(window)
        )
        return window, offset, length
    return None


def _span_difference(a: tuple[str, int, int], b: tuple[str, int, int]) -> int:
    """The first character (in whole-value positions) where two spans differ where they overlap."""
    low = max(a[1], b[1])
    high = min(a[1] + len(a[0]), b[1] + len(b[0]))
    if low >= high:
        return low
    return low + first_difference(a[0][low - a[1] : high - a[1]], b[0][low - b[1] : high - b[1]])


def _pair_side(value: Any, span: tuple[str, int, int], focus: int, start: int, limit: int) -> str:
    text, offset, length = span
    if isinstance(value, str):
        return display_value(value, limit, start=start)
    if offset <= focus <= offset + limit - DIFF_CONTEXT:
        return display_value(value, limit)  # its window already shows the difference
    return _window(text, limit, start, quoted=_needs_quotes(text), offset=offset, length=length)


def is_truncated(value: Any) -> bool:
    """True for a long sample value the JSON keeps bounded (`{"truncated": true, "window": ...}`)."""
    return (
        isinstance(value, Mapping) and value.get("truncated") is True and isinstance(value.get("window"), str)
    )


def bounded_text(value: Mapping[str, Any], limit: int = 120) -> str:
    """A bounded value as text: its window, with `…` where the value goes on, and its full length."""
    window = value["window"]
    offset, length = value.get("offset"), value.get("length")
    offset = offset if isinstance(offset, int) else 0
    length = length if isinstance(length, int) else len(window)
    shown = quote(window) if _needs_quotes(window) else window
    cut = shown[:limit]
    return f"{'… ' if offset else ''}{cut}… ({fmt_count(length)} chars)"


def unreadable_on(pair: Mapping[str, Any], side: str) -> bool:
    """True when a changed sample's `side` value is one its rule cannot read."""
    return pair.get("unreadable") in (side, "both")


def marked_pair(pair: Mapping[str, Any], limit: int = 120) -> tuple[str, str]:
    """`display_pair` of a changed sample's diff entry, each side marked when no rule can read it."""
    left, right = display_pair(pair.get("left"), pair.get("right"), limit)
    return (
        f"{left} (unreadable)" if unreadable_on(pair, "left") else left,
        f"{right} (unreadable)" if unreadable_on(pair, "right") else right,
    )


def quote(text: str) -> str:
    """`text` in double quotes with `\\`, `"`, line breaks, tabs and control characters escaped."""
    text = text.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + _QUOTED.sub(lambda m: control_escape(m.group()), text) + '"'


def _needs_quotes(text: str) -> bool:
    return (
        text == ""
        or text != text.strip()
        or text.lower() in ("null", "true", "false", "none")
        or _CONTROL.search(text) is not None
        or any(ch in text for ch in "\n\r\t\u2028\u2029")
    )


_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")


def is_json_rule(rule: str) -> bool:
    """True when a column's rule label (`json`, `my_rule -> json (...)`) compares it as JSON."""
    return rule.split(" (", 1)[0].split(" -> ")[-1].strip() == "json"


def json_columns(table: TableResult) -> set[str]:
    """The pair's columns compared as JSON documents."""
    return {c.name for c in table.schema.columns if is_json_rule(c.rule)}


def json_paths(left: Any, right: Any, limit: int = 5) -> tuple[list[str], int]:
    """Where two JSON documents (as text) differ: up to `limit` paths such as `$.a.b[2]`, and how
    many there are in all. `([], 0)` when either side is not a JSON document (NULL, not JSON)."""
    docs = []
    for value in (left, right):
        if not isinstance(value, str):
            return [], 0
        try:
            docs.append(json.loads(value))
        except (ValueError, RecursionError):
            return [], 0
    found: list[str] = []
    try:
        total = _json_walk(docs[0], docs[1], "$", found, limit)
    except RecursionError:  # nested deeper than Python recurses: no paths rather than a crash
        return [], 0
    return found, total


def _json_path_key(path: str, name: str) -> str:
    return f"{path}.{name}" if _IDENTIFIER.match(name) else f"{path}[{json.dumps(name, ensure_ascii=False)}]"


def _json_walk(a: Any, b: Any, path: str, found: list[str], limit: int) -> int:
    """Count the differing paths under `path`, recording the first `limit` in document order."""

    def hit() -> int:
        if len(found) < limit:
            found.append(escape_controls(path))
        return 1

    if isinstance(a, dict) and isinstance(b, dict):
        total = 0
        for name in [*a, *(k for k in b if k not in a)]:
            if name in a and name in b:
                total += _json_walk(a[name], b[name], _json_path_key(path, name), found, limit)
            else:
                total += _json_walk(_MISSING, _MISSING, _json_path_key(path, name), found, limit)
        return total
    if isinstance(a, list) and isinstance(b, list):
        total = 0
        for i in range(max(len(a), len(b))):
            if i < len(a) and i < len(b):
                total += _json_walk(a[i], b[i], f"{path}[{i}]", found, limit)
            else:
                total += _json_walk(_MISSING, _MISSING, f"{path}[{i}]", found, limit)
        return total
    if a is _MISSING or (type(a) is not type(b) and not _both_numbers(a, b)) or a != b:
        return hit()
    return 0


_MISSING = object()


def json_where(left: Any, right: Any, limit: int = 3) -> str:
    """`at $.a.b[2], $.c` (and `+N more`): where two JSON documents differ; empty when unknown."""
    paths, total = json_paths(left, right, limit)
    if not paths:
        return ""
    more = f" +{fmt_count(total - len(paths))} more" if total > len(paths) else ""
    return "at " + ", ".join(paths) + more


def _both_numbers(a: Any, b: Any) -> bool:
    return all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (a, b))


def display_key(key: Mapping[str, Any], limit: int = 60) -> str:
    """A sample key as `id=4` or `(a=1, b="x ")` for composite keys."""
    parts = [f"{name}={display_value(value, limit)}" for name, value in key.items()]
    return parts[0] if len(parts) == 1 else "(" + ", ".join(parts) + ")"


def safe_text(text: str | None) -> str:
    """Free text from a result (errors, URLs, versions) with any URL password removed."""
    return scrub(text or "")


def is_secret_name(name: str) -> bool:
    """True for option names whose value must never be shown (password, token, api_key...)."""
    return _SECRET_NAME.search(str(name)) is not None


def redact_options(value: Any, name: str = "") -> Any:
    """Options with secret-named entries masked and URL passwords scrubbed, at any depth."""
    if name and is_secret_name(name) and value not in (None, "", False):
        return REDACTED
    if isinstance(value, Mapping):
        items = sorted(value.items(), key=lambda kv: str(kv[0]))
        return {str(k): redact_options(v, str(k)) for k, v in items}
    if isinstance(value, (list, tuple)):
        return [redact_options(v) for v in value]
    if isinstance(value, str):
        return scrub(value)
    if value is None or isinstance(value, (bool, int, float)):
        return value
    return scrub(str(value))


def option_rows(options: Mapping[str, Any]) -> list[tuple[str, str]]:
    """`(name, value as compact JSON)` per run option, sorted by name, secrets masked."""
    rows = []
    for name, value in redact_options(dict(options)).items():
        text = value if isinstance(value, str) else json.dumps(value, ensure_ascii=False, sort_keys=True)
        rows.append((name, escape_controls(text)))
    return rows


def pair_name(table: TableResult) -> str:
    """`orders → orders_v2`, or `orders` when both sides share the name."""
    if table.left_table == table.right_table:
        return table.left_table
    return f"{table.left_table} → {table.right_table}"


# --- per-table views ---


@dataclass(frozen=True)
class ColumnRow:
    """One compared column: types, rule and mismatch count merged from schema and stats."""

    name: str
    right_name: str | None
    left_type: str
    right_type: str
    rule: str
    mismatches: int


def column_rows(table: TableResult) -> list[ColumnRow]:
    """The compared columns in schema order; stats for columns the schema lacks come last."""
    mismatches = {c.name: c.mismatches for c in table.columns}
    rows = [
        ColumnRow(
            name=c.name,
            right_name=c.right_name if c.right_name and c.right_name != c.name else None,
            left_type=c.left_type,
            right_type=c.right_type,
            rule=c.rule,
            mismatches=mismatches.pop(c.name, 0),
        )
        for c in table.schema.columns
    ]
    rows.extend(ColumnRow(name, None, "", "", "", count) for name, count in mismatches.items())
    return rows


def top_columns(table: TableResult, n: int) -> list[ColumnRow]:
    """The `n` columns with the most mismatches (ties in schema order), only those that differ."""
    differing = [row for row in column_rows(table) if row.mismatches > 0]
    return sorted(differing, key=lambda row: -row.mismatches)[:n]


def sample_total(table: TableResult, kind: str) -> int:
    """How many items of a sample kind the run found (at least as many as it kept)."""
    s = table.summary
    total = {
        "changed": s.changed,
        "only_left": s.only_left,
        "only_right": s.only_right,
        "duplicates": s.duplicate_keys_left + s.duplicate_keys_right,
        "null_keys": s.null_keys_left + s.null_keys_right,
    }[kind]
    return max(total, len(getattr(table.samples, kind)))


def changed_columns(table: TableResult, samples: Iterable[Mapping[str, Any]]) -> list[str]:
    """Columns that differ in any of `samples`, in schema order, unknown ones as first seen."""
    seen: dict[str, None] = {}
    for sample in samples:
        for name in sample.get("diffs", {}):
            seen.setdefault(name, None)
    order = {c.name: i for i, c in enumerate(table.schema.columns)}
    return sorted(seen, key=lambda name: order.get(name, len(order)))


def row_columns(table: TableResult, samples: Iterable[Mapping[str, Any]]) -> list[str]:
    """Non-key columns of sampled rows, in the order first seen."""
    seen: dict[str, None] = {}
    for sample in samples:
        for name in sample.get("row", {}):
            if name not in table.key:
                seen.setdefault(name, None)
    return list(seen)


def key_columns(table: TableResult, samples: Sequence[Mapping[str, Any]]) -> list[str]:
    """The key columns: the table's key, else the names found in the samples' keys."""
    if table.key:
        return list(table.key)
    seen: dict[str, None] = {}
    for sample in samples:
        for name in sample.get("key", {}):
            seen.setdefault(name, None)
    return list(seen)


WARNINGS_NOTE = (
    "Values that compare equal only because a rule reads them leniently: they do not make the pair different."
)


@dataclass(frozen=True)
class WarningRow:
    """One warning of a pair: values of `column` on `side` that a rule reads leniently."""

    side: str
    column: str
    check: str
    count: int
    message: str
    examples: tuple[Mapping[str, Any], ...]  # {"key": {...}, "value": v}, values JSON-encoded


def table_warnings(table: TableResult) -> list[WarningRow]:
    """The pair's warnings in the result's order, read leniently (a saved result may be hand-edited).

    Warnings never change a pair's status: they flag values that compare equal only because a
    rule reads them leniently (a TINYINT(1) holding 2 equals true).
    """
    rows = []
    for item in getattr(table, "warnings", ()) or ():
        if not isinstance(item, Mapping):
            continue
        raw = item.get("examples")
        examples = tuple(e for e in raw if isinstance(e, Mapping)) if isinstance(raw, (list, tuple)) else ()
        count = item.get("count")
        count = count if isinstance(count, int) and not isinstance(count, bool) and count >= 0 else 0
        rows.append(
            WarningRow(
                side=str(item.get("side") or ""),
                column=str(item.get("column") or ""),
                check=str(item.get("check") or ""),
                count=max(count, len(examples)),
                message=safe_text(str(item.get("message") or "")),
                examples=examples,
            )
        )
    return rows


def warning_example(example: Mapping[str, Any], limit: int = 60) -> str:
    """One warning example as `id=7: 2` (the key alone when the value was not kept)."""
    key = example.get("key")
    shown = display_key(key, limit) if isinstance(key, Mapping) and key else "(no key)"
    if "value" in example:
        return f"{shown}: {display_value(example.get('value'), limit)}"
    return shown


@dataclass(frozen=True)
class Totals:
    """Counts summed over every table pair of a run."""

    tables: int
    identical: int
    different: int
    errors: int
    rows_left: int
    rows_right: int
    matched: int
    changed: int
    only_left: int
    only_right: int
    duplicate_keys: int
    null_keys: int
    schema_differences: int
    validation_failures: int
    warnings: int = 0


def totals(result: DiffResult) -> Totals:
    """The run-wide counts a status banner or summary line shows."""
    tables = result.tables
    return Totals(
        tables=len(tables),
        identical=sum(t.status == "identical" for t in tables),
        different=sum(t.status == "different" for t in tables),
        errors=sum(t.status == "error" for t in tables),
        rows_left=sum(t.summary.rows_left for t in tables),
        rows_right=sum(t.summary.rows_right for t in tables),
        matched=sum(t.summary.matched for t in tables),
        changed=sum(t.summary.changed for t in tables),
        only_left=sum(t.summary.only_left for t in tables),
        only_right=sum(t.summary.only_right for t in tables),
        duplicate_keys=sum(t.summary.duplicate_keys_left + t.summary.duplicate_keys_right for t in tables),
        null_keys=sum(t.summary.null_keys_left + t.summary.null_keys_right for t in tables),
        schema_differences=sum(len(t.schema.only_left) + len(t.schema.only_right) for t in tables),
        validation_failures=sum(validation_failure_count(t) for t in tables),
        warnings=sum(len(table_warnings(t)) for t in tables),
    )


def validation_failure_count(table: TableResult) -> int:
    """Failed checks of a table (one when validation failed without saying which check)."""
    v = table.validation
    return len(v.failures) or (0 if v.passed else 1)


def counted(n: int, singular: str, plural: str | None = None) -> str:
    """`1 failed check`, `2 failed checks`, `12,345 changed`."""
    return f"{fmt_count(n)} {singular if n == 1 else (plural or singular + 's')}"


def _difference_phrases(
    changed: int, only_left: int, only_right: int, dups: int, nulls: int, schema: int, checks: int
) -> list[str]:
    return [
        phrase
        for n, phrase in (
            (changed, f"{fmt_count(changed)} changed"),
            (only_left, f"{fmt_count(only_left)} only in left"),
            (only_right, f"{fmt_count(only_right)} only in right"),
            (dups, counted(dups, "duplicate key")),
            (nulls, counted(nulls, "NULL key")),
            (schema, counted(schema, "schema difference")),
            (checks, counted(checks, "failed check")),
        )
        if n
    ]


def _warnings_phrase(n: int) -> list[str]:
    return [counted(n, "warning")] if n else []


def table_headline(table: TableResult) -> str:
    """The counts that matter for one pair, as one plain phrase (warnings last: not differences)."""
    if table.status == "error":
        return "error: " + truncate(escape_controls(safe_text(table.error) or "unknown error"), 200)
    s = table.summary
    return ", ".join(
        [
            f"{fmt_count(s.matched)} matched",
            *_difference_phrases(
                s.changed,
                s.only_left,
                s.only_right,
                s.duplicate_keys_left + s.duplicate_keys_right,
                s.null_keys_left + s.null_keys_right,
                len(table.schema.only_left) + len(table.schema.only_right),
                validation_failure_count(table),
            ),
            *_warnings_phrase(len(table_warnings(table))),
        ]
    )


def pairs_phrase(result: DiffResult) -> str:
    """`3 table pairs (1 identical, 1 different, 1 error)`."""
    t = totals(result)
    breakdown = ", ".join(
        f"{fmt_count(n)} {label}"
        for n, label in ((t.identical, "identical"), (t.different, "different"), (t.errors, "error"))
        if n
    )
    pairs = counted(t.tables, "table pair")
    return f"{pairs} ({breakdown})" if breakdown else pairs


def run_headline(result: DiffResult) -> str:
    """The counts that matter for a whole run, as one plain phrase."""
    t = totals(result)
    return ", ".join(
        [
            pairs_phrase(result),
            counted(t.matched, "row matched", "rows matched"),
            *_difference_phrases(
                t.changed,
                t.only_left,
                t.only_right,
                t.duplicate_keys,
                t.null_keys,
                t.schema_differences,
                t.validation_failures,
            ),
            *_warnings_phrase(t.warnings),
        ]
    )


# --- validation runs (`dbdiff validate`): checks on one source, told without diff words ---

VALIDATION_LABELS = {"identical": "Passed", "different": "Failed", "error": "Error"}


def is_validation_run(result: DiffResult) -> bool:
    """True for a `dbdiff validate` result: one source checked, nothing compared."""
    return result.options.get("command") == "validate"


def status_label(result: DiffResult, status: str) -> str:
    """`Identical`/`Different`/`Error` for a diff, `Passed`/`Failed`/`Error` for a validation run."""
    labels = VALIDATION_LABELS if is_validation_run(result) else STATUS_LABELS
    return labels.get(status, status)


@dataclass(frozen=True)
class CheckRow:
    """One check of a validation run: what it checked and, when it failed, how."""

    side: str
    column: str | None
    check: str
    failed: bool
    count: int  # failing rows (0 when it passed)
    examples: tuple[Mapping[str, Any], ...] = ()


def check_rows(table: TableResult) -> list[CheckRow]:
    """Every check of a pair, in the order it ran, failures merged in (failures it did not list last)."""
    failures = {(f.side, f.column, f.check): f for f in table.validation.failures}
    rows = []
    for item in table.validation.checks:
        key = (str(item.get("side") or ""), item.get("column"), str(item.get("check") or ""))
        failure = failures.pop(key, None)
        rows.append(
            CheckRow(
                key[0],
                key[1],
                key[2],
                failure is not None,
                failure.count if failure else 0,
                failure.examples if failure else (),
            )
        )
    rows += [CheckRow(f.side, f.column, f.check, True, f.count, f.examples) for f in failures.values()]
    return rows


@dataclass(frozen=True)
class CheckCounts:
    rows: int
    run: int
    failed: int


def check_counts(table: TableResult) -> CheckCounts:
    """Rows checked, checks run and checks failed for one table of a validation run."""
    rows = check_rows(table)
    return CheckCounts(
        rows=table.summary.rows_left,
        run=len(rows),
        failed=max(sum(r.failed for r in rows), validation_failure_count(table)),
    )


def check_headline(table: TableResult) -> str:
    """`300 rows checked, 5 checks run, 1 failed` (or the error) for one table of a validation run."""
    if table.status == "error":
        return "error: " + truncate(escape_controls(safe_text(table.error) or "unknown error"), 200)
    c = check_counts(table)
    phrases = [
        counted(c.rows, "row checked", "rows checked"),
        counted(c.run, "check run", "checks run"),
        f"{fmt_count(c.failed)} failed",
    ]
    return ", ".join([*phrases, *_warnings_phrase(len(table_warnings(table)))])


def validation_headline(result: DiffResult) -> str:
    """The run in one phrase: `1 table (1 failed), 300 rows checked, 5 checks run, 1 failed`."""
    t = totals(result)
    counts = [check_counts(table) for table in result.tables if table.status != "error"]
    breakdown = ", ".join(
        f"{fmt_count(n)} {label}"
        for n, label in ((t.identical, "passed"), (t.different, "failed"), (t.errors, "error"))
        if n
    )
    tables = counted(t.tables, "table")
    return ", ".join(
        [
            f"{tables} ({breakdown})" if breakdown else tables,
            counted(sum(c.rows for c in counts), "row checked", "rows checked"),
            counted(sum(c.run for c in counts), "check run", "checks run"),
            f"{fmt_count(sum(c.failed for c in counts))} failed",
            *_warnings_phrase(t.warnings),
        ]
    )


def check_name(row: CheckRow | Any) -> str:
    """`amount: greater_than_or_equal_to(0)`, or the check alone for a table-wide one."""
    return f"{row.column}: {row.check}" if row.column else row.check


def failure_example(example: Mapping[str, Any], limit: int = 60, check: str = "") -> str:
    """One example of a failed check: `id=2: -3.00`; a check on the whole table (no key) shows its
    value alone, a comparison as `left 300, right 298`."""
    key = example.get("key")
    value = example.get("value")
    if isinstance(key, Mapping) and key:
        if value is None and any(v is None for v in key.values()):
            return display_key(key, limit)  # a NULL key: the key says it all
        if check == "key_unique" and isinstance(value, int) and not isinstance(value, bool):
            return f"{display_key(key, limit)} × {fmt_count(value)}"  # the rows holding this key
        return f"{display_key(key, limit)}: {display_value(value, limit)}"
    if (
        isinstance(value, Mapping)
        and value
        and all(not isinstance(v, (Mapping, list)) for v in value.values())
    ):
        return ", ".join(f"{name} {display_value(v, limit)}" for name, v in value.items())
    return display_value(value, limit)
