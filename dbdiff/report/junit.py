"""JUnit XML for CI test views (Jenkins `junit`, GitLab `artifacts:reports:junit`).

Every table pair and check is one testcase, classname = the pair (`orders` or `orders → orders_v2`):
`schema`, `row_presence`, `values[column]` per compared column, `duplicate_keys`, `null_keys` and
`validation[side:column:check]` per failed check. Data differences are `<failure>`; a pair that
could not run is an `<error>` on `row_presence` with its other checks `<skipped>`. Warnings (values
equal only because a rule reads them leniently) are never failures: each column with any is a
passing `warnings[column]` testcase that tells them in its `<system-out>`. Run metadata goes into
`<properties>`. The output validates against the junit-10.xsd that pytest tests with.

A run judged by thresholds (`dbdiff run`) fails exactly where its verdict does: each `fail`
breach is a failing `threshold[metric]` testcase (the run's own under classname `(run)`), a
`warn` breach a passing one that says so in its `<system-out>`; the differences' testcases still
tell every difference, in their `<system-out>`, but pass: the thresholds tolerated them. A table
on one side only is a `table_presence` testcase, catalog differences go into `schema`, and an
incremental window is a passing `window` testcase that describes it.

A live run's rechecks (`--recheck N`) leave only persistent differences in the counts: their
failure messages say so, and a passing `recheck` testcase tells in its `<system-out>` how many
differences were transient (agreed at a later read) or vanished, with their keys. Those are never
failures.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dbdiff.report.display import display_key, display_value, escape_controls, marked_pair
from dbdiff.report.formatting import (
    check_rows,
    failure_example,
    is_validation_run,
    status_label,
    validation_failure_count,
)
from dbdiff.report.json_paths import json_columns, json_where
from dbdiff.report.recheck_views import (
    STATE_MEANINGS,
    any_recheck,
    recheck_line,
    recheck_of,
    sample_text,
    state_counts_text,
    transient_total,
    vanished_total,
)
from dbdiff.report.redaction import option_rows, safe_text
from dbdiff.report.run_views import (
    breach_text,
    difference_rows,
    difference_text,
    only_on_text,
    verdict_counts,
    window_facts,
    window_text,
)
from dbdiff.report.views import column_rows, pair_name, table_warnings, warning_example
from dbdiff.report.words import counted, fmt_count, truncate

if TYPE_CHECKING:
    from dbdiff.result import DiffResult, TableResult

_BODY_SAMPLES = 10  # example lines in a failure body
_MESSAGE_LIMIT = 500
_VALUE_LIMIT = 80
_SKIPPED = "not run: this table pair failed"
RUN_CLASSNAME = "(run)"  # the classname of a run's own threshold testcases


@dataclass(frozen=True)
class _Case:
    name: str
    outcome: str = "passed"  # passed | failure | error | skipped
    message: str = ""
    type: str = ""
    body: str = ""
    out: str = ""  # <system-out>: what a passing case still has to say


def xml_text(text: Any) -> str:
    """Text safe for XML 1.0: characters XML cannot carry (NUL, ESC, lone surrogates...) as escapes."""
    return escape_controls(str(text))


def render_junit(result: DiffResult) -> str:
    """The run as a JUnit XML document (one testsuite, one testcase per pair and check)."""
    import xml.etree.ElementTree as ET

    validation_run = is_validation_run(result)
    if validation_run:
        cases = [(t.left_table, case) for t in result.tables for case in _check_cases(t)]
    else:
        cases = [(pair_name(t), case) for t in result.tables for case in _judged(t, _cases(t))]
        cases += [(RUN_CLASSNAME, case) for case in _run_cases(result)]
    suite_name = "dbdiff validate" if validation_run else "dbdiff"
    counts = {
        "tests": str(len(cases)),
        "failures": str(sum(c.outcome == "failure" for _, c in cases)),
        "errors": str(sum(c.outcome == "error" for _, c in cases)),
        "skipped": str(sum(c.outcome == "skipped" for _, c in cases)),
    }
    duration = f"{result.duration_s:.3f}"
    root = ET.Element(
        "testsuites",
        {
            "name": suite_name,
            "tests": counts["tests"],
            "failures": counts["failures"],
            "errors": counts["errors"],
            "time": duration,
        },
    )
    suite = ET.SubElement(
        root,
        "testsuite",
        {"name": suite_name, **counts, "time": duration, "timestamp": xml_text(result.started_at)},
    )
    properties = ET.SubElement(suite, "properties")
    for name, value in _properties(result):
        ET.SubElement(properties, "property", {"name": xml_text(name), "value": xml_text(value)})
    for classname, case in cases:
        element = ET.SubElement(
            suite, "testcase", {"classname": xml_text(classname), "name": xml_text(case.name)}
        )
        if case.outcome != "passed":
            attrs = {"message": xml_text(truncate(case.message, _MESSAGE_LIMIT))}
            if case.type:
                attrs["type"] = case.type
            child = ET.SubElement(element, case.outcome, attrs)
            if case.body:
                child.text = xml_text(case.body)
        if case.out:
            ET.SubElement(element, "system-out").text = xml_text(case.out)
    ET.indent(root, space="  ")
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(root, encoding="unicode") + "\n"


def _properties(result: DiffResult) -> list[tuple[str, str]]:
    props = [
        ("dbdiff_version", result.dbdiff_version),
        ("schema_version", str(result.schema_version)),
        ("status", status_label(result, result.status).lower()),
        ("started_at", result.started_at),
        ("duration_s", f"{result.duration_s:.3f}"),
        # Where the run's time went, in seconds (the JSON's `timings`), when the result has them.
        *((f"timings.{phase}", f"{float(seconds):.3f}") for phase, seconds in result.timings.items()),
    ]
    sources = (
        (("source", result.left),)
        if is_validation_run(result)
        else (("left", result.left), ("right", result.right))
    )
    for side, source in sources:
        props += [
            (f"{side}.url", safe_text(source.url)),
            (f"{side}.dialect", safe_text(source.dialect)),
            (f"{side}.server_version", safe_text(source.server_version)),
        ]
    if any_recheck(result.tables):
        props += [
            ("recheck.transient", fmt_count(sum(transient_total(t) for t in result.tables))),
            ("recheck.vanished", fmt_count(sum(vanished_total(t) for t in result.tables))),
        ]
    if result.verdict is not None:
        props += [
            ("verdict", result.verdict.level),
            ("verdict.tables", verdict_counts(result)),
        ]
    props += [(f"option.{name}", value) for name, value in option_rows(result.options)]
    return props


def _cases(t: TableResult) -> list[_Case]:
    if t.status == "error":
        return _error_cases(t)
    if t.only_on:
        return [_Case("table_presence", "failure", only_on_text(t), "TablePresence")]
    s = t.summary
    cases = [_schema_case(t), _presence_case(t)]
    if t.window is not None:
        out = "\n".join(
            [window_text(t.window), *(f"{label}: {value}" for label, value in window_facts(t.window))]
        )
        cases.append(_Case("window", out=out))
    rows = column_rows(t)
    cases += [_values_case(t, row.name, row.mismatches) for row in rows]
    if s.changed and not any(row.mismatches for row in rows):
        cases.append(
            _Case("values", "failure", f"{counted(s.changed, 'matched row')} differ", "ValueMismatch")
        )
    cases += [_duplicates_case(t), _null_keys_case(t)]
    cases += _validation_cases(t)
    cases += _warning_cases(t)
    return _rechecked(t, cases)


def _rechecked(t: TableResult, cases: list[_Case]) -> list[_Case]:
    """A rechecked table: its differences' failures say they are persistent, and a passing
    `recheck` case tells the transient and vanished ones (never failures)."""
    view = recheck_of(t)
    if view is None:
        return cases
    told = [
        _Case(
            c.name, c.outcome, c.message + " (persistent: differed at every recheck)", c.type, c.body, c.out
        )
        if c.outcome == "failure" and (c.name == "row_presence" or c.name.startswith("values"))
        else c
        for c in cases
    ]
    lines = [recheck_line(view)]
    lines += [
        f"{state} ({STATE_MEANINGS[state]}): {state_counts_text(view, state)}" for state in STATE_MEANINGS
    ]
    lines += [sample_text(s, _VALUE_LIMIT) for s in view.samples[:_BODY_SAMPLES]]
    lines += _more(max(view.noise, len(view.samples)), min(len(view.samples), _BODY_SAMPLES))
    return [*told, _Case("recheck", out="\n".join(lines))]


def _error_cases(t: TableResult) -> list[_Case]:
    message = safe_text(t.error) or "the table pair failed"
    cases = [
        _Case("schema", "skipped", _SKIPPED),
        _Case("row_presence", "error", message.splitlines()[0] if message else message, "RunError", message),
    ]
    cases += [_Case(f"values[{row.name}]", "skipped", _SKIPPED) for row in column_rows(t)]
    cases += [_Case("duplicate_keys", "skipped", _SKIPPED), _Case("null_keys", "skipped", _SKIPPED)]
    return cases


def _schema_case(t: TableResult) -> _Case:
    left, right = t.schema.only_left, t.schema.only_right
    differences = difference_rows(t)
    if not left and not right and not differences:
        return _Case("schema")
    parts = []
    if left:
        parts.append(f"{counted(len(left), 'column')} only in left")
    if right:
        parts.append(f"{counted(len(right), 'column')} only in right")
    if differences:
        parts.append(counted(len(differences), "catalog difference"))
    body = []
    if left:
        body.append("only in left: " + ", ".join(left))
    if right:
        body.append("only in right: " + ", ".join(right))
    body += [difference_text(d) for d in differences]
    return _Case("schema", "failure", ", ".join(parts), "SchemaMismatch", "\n".join(body))


def _judged(t: TableResult, cases: list[_Case]) -> list[_Case]:
    """A judged table's cases: differences pass (told in system-out), each breach is a case."""
    if t.verdict is None:
        return cases
    told = [
        _Case(c.name, out="\n".join(x for x in (c.message, c.body, c.out) if x))
        if c.outcome == "failure"
        else c
        for c in cases
    ]
    errored = t.status == "error"
    return told + [_breach_case(b, t) for b in t.verdict.breaches if not (errored and b.metric == "error")]


def _breach_case(breach: Any, table: TableResult | None = None) -> _Case:
    name = f"threshold[{breach.metric}]"
    text = breach_text(breach, table)
    if breach.level == "fail":
        return _Case(name, "failure", text, "ThresholdBreach", text)
    return _Case(name, out=f"{str(breach.level).upper()}: {text}")


def _run_cases(result: DiffResult) -> list[_Case]:
    """The run's own breaches (over its totals), as testcases of classname `(run)`."""
    if result.verdict is None:
        return []
    return [_breach_case(b) for b in result.verdict.breaches if b.scope == "run" or b.table is None]


def _presence_case(t: TableResult) -> _Case:
    s = t.summary
    if not s.only_left and not s.only_right:
        return _Case("row_presence")
    message = f"{counted(s.only_left, 'row')} only in left, {counted(s.only_right, 'row')} only in right"
    lines = []
    for kind, label in (("only_left", "only in left"), ("only_right", "only in right")):
        samples = getattr(t.samples, kind)
        lines += [f"{label}: {display_key(x.get('key', {}), _VALUE_LIMIT)}" for x in samples[:_BODY_SAMPLES]]
        lines += _more(getattr(s, kind), min(len(samples), _BODY_SAMPLES))
    return _Case("row_presence", "failure", message, "RowPresence", "\n".join(lines))


def _values_case(t: TableResult, column: str, mismatches: int) -> _Case:
    name = f"values[{column}]"
    if not mismatches:
        return _Case(name)
    message = f"{fmt_count(mismatches)} of {counted(t.summary.matched, 'matched row')} differ in {column}"
    unreadable = next((c.unreadable for c in t.columns if c.name == column), 0)
    if unreadable:
        message += f" ({fmt_count(unreadable)} holding a value its rule cannot read)"
    lines: list[str] = []
    json_names = json_columns(t)
    for sample in t.samples.changed:
        pair = sample.get("diffs", {}).get(column)
        if pair is None:
            continue
        if len(lines) == _BODY_SAMPLES:
            break
        left, right = marked_pair(pair, _VALUE_LIMIT)
        where = json_where(pair.get("left"), pair.get("right")) if column in json_names else ""
        lines.append(
            f"{display_key(sample.get('key', {}), _VALUE_LIMIT)}: "
            + (f"{where}: " if where else "")
            + f"left {left} | right {right}"
        )
    lines += _more(mismatches, len(lines))
    return _Case(name, "failure", message, "ValueMismatch", "\n".join(lines))


def _duplicates_case(t: TableResult) -> _Case:
    s = t.summary
    if not s.duplicate_keys_left and not s.duplicate_keys_right:
        return _Case("duplicate_keys")
    message = (
        f"{counted(s.duplicate_keys_left, 'duplicate key')} in left, "
        f"{counted(s.duplicate_keys_right, 'duplicate key')} in right"
    )
    samples = t.samples.duplicates[:_BODY_SAMPLES]
    lines = [
        f"{x.get('side', '')}: {display_key(x.get('key', {}), _VALUE_LIMIT)}"
        f" × {fmt_count(int(x.get('count', 0)))}"
        for x in samples
    ]
    lines += _more(s.duplicate_keys_left + s.duplicate_keys_right, len(samples))
    return _Case("duplicate_keys", "failure", message, "DuplicateKeys", "\n".join(lines))


def _null_keys_case(t: TableResult) -> _Case:
    s = t.summary
    if not s.null_keys_left and not s.null_keys_right:
        return _Case("null_keys")
    message = (
        f"{counted(s.null_keys_left, 'row')} with a NULL key in left, {fmt_count(s.null_keys_right)} in right"
    )
    samples = t.samples.null_keys[:_BODY_SAMPLES]
    lines = [
        f"{x.get('side', '')}: "
        + ", ".join(f"{k}={display_value(v, _VALUE_LIMIT)}" for k, v in x.get("row", {}).items())
        for x in samples
    ]
    lines += _more(s.null_keys_left + s.null_keys_right, len(samples))
    return _Case("null_keys", "failure", message, "NullKeys", "\n".join(lines))


def _validation_cases(t: TableResult) -> list[_Case]:
    v = t.validation
    cases = []
    for f in v.failures:
        name = f"validation[{f.side}:{f.column or ''}:{f.check}]"
        message = f"{counted(f.count, 'row')} failed {f.check}" + (f" on {f.column}" if f.column else "")
        lines = [failure_example(e, _VALUE_LIMIT, f.check) for e in f.examples[:_BODY_SAMPLES]]
        lines += _more(f.count, len(lines))
        cases.append(_Case(name, "failure", message, "ValidationFailure", "\n".join(lines)))
    if not v.failures and validation_failure_count(t):
        cases.append(_Case("validation", "failure", "validation failed", "ValidationFailure"))
    return cases


def _check_cases(t: TableResult) -> list[_Case]:
    """A validation run: one testcase per check that ran, a failure for each that failed."""
    if t.status == "error":
        message = safe_text(t.error) or "the validation failed to run"
        return [
            _Case("checks", "error", message.splitlines()[0] if message else message, "RunError", message)
        ]
    cases = []
    for r in check_rows(t):
        name = f"check[{r.column}:{r.check}]" if r.column else f"check[{r.check}]"
        if not r.failed:
            cases.append(_Case(name))
            continue
        message = f"{counted(r.count, 'row')} failed {r.check}" + (f" on {r.column}" if r.column else "")
        lines = [failure_example(e, _VALUE_LIMIT, r.check) for e in r.examples[:_BODY_SAMPLES]]
        # Row examples count rows; a table-wide check's example or a key's row count does not.
        if r.examples and r.check != "key_unique" and all(e.get("key") for e in r.examples):
            lines += _more(r.count, len(lines))
        cases.append(_Case(name, "failure", message, "ValidationFailure", "\n".join(lines)))
    if not t.validation.passed and not any(r.failed for r in check_rows(t)):
        cases.append(_Case("checks", "failure", "validation failed", "ValidationFailure"))
    return cases + _warning_cases(t)


def _warning_cases(t: TableResult) -> list[_Case]:
    """One passing case per column with warnings (both sides together): they are not failures."""
    by_column: dict[str, list[str]] = {}
    for w in table_warnings(t):
        lines = by_column.setdefault(w.column or "(table)", [])
        lines.append(
            f"{w.side}: {counted(w.count, 'row')} read leniently by {w.check or 'a rule'}"
            + (f": {truncate(w.message, _MESSAGE_LIMIT)}" if w.message else "")
        )
        examples = [f"  {warning_example(e, _VALUE_LIMIT)}" for e in w.examples[:_BODY_SAMPLES]]
        lines += examples + [f"  {line}" for line in _more(w.count, len(examples))]
    return [_Case(f"warnings[{column}]", out="\n".join(lines)) for column, lines in by_column.items()]


def _more(total: int, shown: int) -> list[str]:
    return [f"… {fmt_count(total - shown)} more"] if total > shown else []
