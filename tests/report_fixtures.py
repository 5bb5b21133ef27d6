"""Hand-built `DiffResult` objects that the report tests and golden files render.

Each builder returns the same result every time (fixed timestamps, no randomness), so the golden
files under tests/golden/ pin the renderers' output. `PASSWORD` is planted in the options and in
an error message of the error and hostile results; no renderer may ever print it.
"""

from __future__ import annotations

import os
from html.parser import HTMLParser
from pathlib import Path

from dbdiff.result import (
    Breach,
    ColumnPair,
    ColumnStat,
    DiffResult,
    Samples,
    SchemaComparison,
    SourceInfo,
    Summary,
    TableResult,
    Validation,
    ValidationFailure,
    Verdict,
)

GOLDEN_DIR = Path(__file__).parent / "golden"
UPDATE_GOLDEN = os.environ.get("DBDIFF_UPDATE_GOLDEN") == "1"

PASSWORD = "Sup3r-Secr3t!"
STARTED_AT = "2024-05-06T07:08:09+00:00"
VERSION = "0.1.0"

LEFT = SourceInfo(url="mysql://app:***@db1:3306/shop", dialect="mysql", server_version="8.0.36")
RIGHT = SourceInfo(url="postgresql://app:***@db2:5432/shop", dialect="postgresql", server_version="16.2")
OPTIONS = {"chunk_size": 50_000, "workers": 4, "sample_limit": 100, "rules": ["rules/default.yaml"]}

# Payloads that would run if a renderer let them through: each one sets window.__pwned.
XSS_SCRIPT = "<script>window.__pwned=1;alert(1)</script>"
XSS_ATTR = '"><img src=x onerror="window.__pwned=2;alert(1)">'
XSS_SVG = "<svg/onload=window.__pwned=3>"
XSS_CLOSE = "</script><script>window.__pwned=4</script><!--"
XSS_JS_URL = "javascript:window.__pwned=5"
CONTROL = "nul\x00esc\x1b[31mred\x07bell\x08\x0b\x0c\x1f\x7fend"
BIDI = "user\u202eexe.txt\u200b"
LONG = "x" * 5_000 + "<b>DIFF</b>" + "y" * 5_000
UNICODE = "Zoë 東京 🚀 naïve café ß"
MARKDOWN = "| a | b | `code` **bold** [link](http://evil.example/) <details> _x_ ~~y~~ \\ # h1"
XML_BREAK = ']]><!DOCTYPE x [<!ENTITY e SYSTEM "file:///etc/passwd">]>&e;'
TEMPLATE = "{{ 7*7 }} {% raw %} ${7*7}"
RICH_MARKUP = "[bold]not bold[/bold] :smile: [link=https://evil.example]x[/link]"

_COLUMNS = (
    ColumnPair("id", "int", "integer", "integer"),
    ColumnPair("name", "varchar(100)", "text", "text_exact"),
    ColumnPair("amount", "decimal(12,2)", "numeric(12,2)", "decimal_exact"),
    ColumnPair("active", "tinyint(1)", "boolean", "tinyint1_bool"),
    ColumnPair("created_at", "datetime(6)", "timestamp with time zone", "timestamp_utc"),
    ColumnPair("score", "double", "real", "float_coarser", right_name="score_f32"),
)


def identical_result() -> DiffResult:
    """One table pair, a thousand rows, nothing different."""
    table = TableResult(
        left_table="orders",
        right_table="orders",
        key=("id",),
        status="identical",
        schema=SchemaComparison(columns=_COLUMNS),
        summary=Summary(rows_left=1_000, rows_right=1_000, matched=1_000),
        columns=tuple(ColumnStat(c.name, 0) for c in _COLUMNS[1:]),
    )
    return DiffResult(
        left=LEFT,
        right=RIGHT,
        tables=(table,),
        started_at=STARTED_AT,
        duration_s=1.234,
        dbdiff_version=VERSION,
        options=dict(OPTIONS),
    )


def different_result() -> DiffResult:
    """Two pairs: one identical, one with every kind of difference, sample and a failed check."""
    customers = TableResult(
        left_table="customers",
        right_table="customers",
        key=("id",),
        status="identical",
        schema=SchemaComparison(columns=_COLUMNS[:2]),
        summary=Summary(rows_left=250, rows_right=250, matched=250),
        columns=(ColumnStat("name", 0),),
    )
    orders = TableResult(
        left_table="orders",
        right_table="orders_v2",
        key=("id",),
        status="different",
        schema=SchemaComparison(
            only_left=("legacy_flag",), only_right=("tenant_id", "updated_by"), columns=_COLUMNS
        ),
        summary=Summary(
            rows_left=1_234_567,
            rows_right=1_234_570,
            matched=1_234_560,
            only_left=7,
            only_right=10,
            changed=12_345,
            duplicate_keys_left=0,
            duplicate_keys_right=1,
            null_keys_left=1,
            null_keys_right=0,
        ),
        columns=(
            ColumnStat("name", 12_000),
            ColumnStat("amount", 300),
            ColumnStat("active", 44),
            ColumnStat("created_at", 1),
            ColumnStat("score", 0),
        ),
        samples=Samples(
            changed=(
                {"key": {"id": 4}, "diffs": {"name": {"left": "Alice ", "right": "Alice"}}},
                {
                    "key": {"id": 5},
                    "diffs": {"name": {"left": "abc", "right": "ABC"}, "active": {"left": 1, "right": False}},
                },
                {"key": {"id": 9}, "diffs": {"amount": {"left": "10.10", "right": "10.01"}}},
                {"key": {"id": 12}, "diffs": {"name": {"left": "", "right": None}}},
                {
                    "key": {"id": 17},
                    "diffs": {
                        "created_at": {
                            "left": "2024-03-10T02:30:00+00:00",
                            "right": "2024-03-10T03:30:00+00:00",
                        }
                    },
                },
                {"key": {"id": 21}, "diffs": {"name": {"left": "NULL", "right": None}}},
            ),
            only_left=(
                {
                    "key": {"id": 100},
                    "row": {"id": 100, "name": "Bob", "amount": "5.00", "active": 1, "score": 0.5},
                },
                {
                    "key": {"id": 101},
                    "row": {"id": 101, "name": "Carol", "amount": "7.25", "active": 0, "score": "NaN"},
                },
            ),
            only_right=(
                {
                    "key": {"id": 200},
                    "row": {"id": 200, "name": "Dave", "amount": "1.00", "active": True, "score": 1.5},
                },
            ),
            duplicates=({"side": "right", "key": {"id": 42}, "count": 2},),
            null_keys=({"side": "left", "row": {"id": None, "name": "orphan", "amount": "0.00"}},),
        ),
        stats={"chunks": 25, "shared_boundaries": True, "seconds": 741.25, "read_seconds_left": 310.5},
        validation=Validation(
            passed=False,
            failures=(
                ValidationFailure(
                    side="right",
                    column="amount",
                    check="greater_than_or_equal_to(0)",
                    count=3,
                    examples=({"key": {"id": 300}, "value": "-1.00"}, {"key": {"id": 301}, "value": "-0.01"}),
                ),
            ),
        ),
    )
    return DiffResult(
        left=LEFT,
        right=RIGHT,
        tables=(customers, orders),
        started_at=STARTED_AT,
        duration_s=754.5,
        dbdiff_version=VERSION,
        options=dict(OPTIONS),
    )


def error_result() -> DiffResult:
    """One pair that failed to run (its message still holds a password) and one identical pair."""
    broken = TableResult(
        left_table="payments",
        right_table="payments",
        key=("id",),
        status="error",
        error=f"connection lost: no reconnect to mysql://app:{PASSWORD}@db1:3306/shop after 3 attempts",
    )
    ok = TableResult(
        left_table="orders",
        right_table="orders",
        key=("id",),
        status="identical",
        schema=SchemaComparison(columns=_COLUMNS[:3]),
        summary=Summary(rows_left=10, rows_right=10, matched=10),
        columns=(ColumnStat("name", 0), ColumnStat("amount", 0)),
    )
    return DiffResult(
        left=LEFT,
        right=RIGHT,
        tables=(broken, ok),
        started_at=STARTED_AT,
        duration_s=0.042,
        dbdiff_version=VERSION,
        options={**OPTIONS, "password": PASSWORD, "right_url": f"postgresql://app:{PASSWORD}@db2/shop"},
    )


def warnings_result() -> DiffResult:
    """Two pairs whose values compare equal only because a rule reads them leniently.

    `orders` is identical but its TINYINT(1) `active` held 2, 5 and -1 on the left (PostgreSQL has
    true); `refunds` differs and also warns, on both sides. Warnings never change a status.
    """
    lossy = "tinyint(1) values other than 0 and 1 compare as true (as pgloader loads them)"
    orders = TableResult(
        left_table="orders",
        right_table="orders",
        key=("id",),
        status="identical",
        schema=SchemaComparison(columns=_COLUMNS),
        summary=Summary(rows_left=1_000, rows_right=1_000, matched=1_000),
        columns=tuple(ColumnStat(c.name, 0) for c in _COLUMNS[1:]),
        warnings=(
            {
                "side": "left",
                "column": "active",
                "check": "lossy_boolean",
                "count": 4,
                "message": lossy,
                "examples": [
                    {"key": {"id": 7}, "value": 2},
                    {"key": {"id": 9}, "value": 5},
                    {"key": {"id": 11}, "value": -1},
                ],
            },
        ),
    )
    refunds = TableResult(
        left_table="refunds",
        right_table="refunds_v2",
        key=("id",),
        status="different",
        schema=SchemaComparison(columns=_COLUMNS[:4]),
        summary=Summary(rows_left=20, rows_right=20, matched=20, changed=1),
        columns=(ColumnStat("name", 1), ColumnStat("amount", 0), ColumnStat("active", 0)),
        samples=Samples(changed=({"key": {"id": 3}, "diffs": {"name": {"left": "Eve", "right": "Eva"}}},)),
        warnings=(
            {
                "side": "left",
                "column": "active",
                "check": "lossy_boolean",
                "count": 1,
                "message": lossy,
                "examples": [{"key": {"id": 4}, "value": 255}],
            },
            {
                "side": "right",
                "column": "amount",
                "check": "lossy_decimal",
                "count": 2,
                "message": "numeric values beyond the left scale compare rounded",
                "examples": [],
            },
        ),
    )
    return DiffResult(
        left=LEFT,
        right=RIGHT,
        tables=(orders, refunds),
        started_at=STARTED_AT,
        duration_s=2.5,
        dbdiff_version=VERSION,
        options=dict(OPTIONS),
    )


def hostile_warnings_result() -> DiffResult:
    """A warning whose every field is hostile (and one malformed, as a hand-edited JSON might hold)."""
    warning = {
        "side": XSS_ATTR,
        "column": XSS_SCRIPT,
        "check": MARKDOWN,
        "count": len(HOSTILE_VALUES),
        "message": f"{XSS_CLOSE} {CONTROL} {BIDI} {XML_BREAK} {RICH_MARKUP} mysql://app:{PASSWORD}@db1/shop",
        "examples": [{"key": {"k1": i, "k2": v}, "value": v} for i, v in enumerate(HOSTILE_VALUES)],
    }
    malformed = {"column": CONTROL, "count": "many", "examples": "not a list"}
    table = TableResult(
        left_table=XSS_SVG,
        right_table=XSS_SVG,
        key=("k1", "k2"),
        status="identical",
        summary=Summary(rows_left=20, rows_right=20, matched=20),
        warnings=(warning, malformed),
    )
    return DiffResult(
        left=LEFT,
        right=RIGHT,
        tables=(table,),
        started_at=STARTED_AT,
        duration_s=1.0,
        dbdiff_version=VERSION,
    )


HOSTILE_VALUES = (
    XSS_SCRIPT,
    XSS_ATTR,
    XSS_SVG,
    XSS_CLOSE,
    XSS_JS_URL,
    CONTROL,
    BIDI,
    LONG,
    UNICODE,
    MARKDOWN,
    XML_BREAK,
    RICH_MARKUP,
)


def hostile_result() -> DiffResult:
    """Every name and value an attacker or a broken data set could plant, and a planted password."""
    col_a = XSS_ATTR
    col_b = "col`|<i>"
    columns = (
        ColumnPair("k1", "int", "integer", "integer"),
        ColumnPair("k2", "varchar(10)", "text", "text_exact"),
        ColumnPair(col_a, f"varchar({XSS_SCRIPT})", "text", f"rule{XSS_SVG}"),
        ColumnPair(col_b, "text", "text", "text_exact", right_name=XSS_CLOSE),
    )
    key = {"k1": 1, "k2": XSS_SCRIPT}
    changed = tuple(
        {
            "key": {"k1": i, "k2": value},
            "diffs": {col_a: {"left": value, "right": value + "!"}, col_b: {"left": i, "right": value}},
        }
        for i, value in enumerate(HOSTILE_VALUES)
    )
    rows = tuple(
        {
            "key": {"k1": 1000 + i, "k2": value},
            "row": {"k1": 1000 + i, "k2": value, col_a: value, col_b: TEMPLATE},
        }
        for i, value in enumerate(HOSTILE_VALUES)
    )
    table = TableResult(
        left_table=XSS_SCRIPT,
        right_table=XSS_CLOSE,
        key=("k1", "k2"),
        status="different",
        schema=SchemaComparison(only_left=(XSS_ATTR, CONTROL), only_right=(MARKDOWN,), columns=columns),
        summary=Summary(
            rows_left=100,
            rows_right=100,
            matched=90,
            only_left=len(rows),
            only_right=len(rows),
            changed=len(changed),
            duplicate_keys_left=1,
            null_keys_right=1,
        ),
        columns=(ColumnStat(col_a, len(changed)), ColumnStat(col_b, len(changed))),
        samples=Samples(
            changed=changed,
            only_left=rows,
            only_right=rows,
            duplicates=({"side": "left", "key": key, "count": 3},),
            null_keys=({"side": "right", "row": {"k1": None, "k2": None, col_a: XSS_SVG}},),
        ),
        validation=Validation(
            passed=False,
            failures=(
                ValidationFailure(
                    side="left",
                    column=XSS_ATTR,
                    check=XSS_SCRIPT,
                    count=2,
                    examples=({"key": key, "value": XSS_CLOSE}, {"key": key, "value": CONTROL}),
                ),
                ValidationFailure(side="right", column=None, check=MARKDOWN, count=1),
            ),
        ),
    )
    broken = TableResult(
        left_table=UNICODE,
        right_table=BIDI,
        key=("id",),
        status="error",
        error=f"{XSS_SCRIPT} {CONTROL} {XML_BREAK} at postgresql://app:{PASSWORD}@db2/shop",
    )
    return DiffResult(
        left=SourceInfo(
            url=f"mysql://app:***@db1/shop?x={XSS_ATTR}", dialect="mysql", server_version=XSS_SCRIPT
        ),
        right=SourceInfo(url="postgresql://app:***@db2/shop", dialect=XSS_SVG, server_version=CONTROL),
        tables=(table, broken),
        started_at=STARTED_AT,
        duration_s=3.5,
        dbdiff_version=VERSION,
        options={
            "where": XSS_SCRIPT,
            "password": PASSWORD,
            "left_password": PASSWORD,
            "api_token": PASSWORD,
            "auth": {"secret": PASSWORD, "user": "app"},
            "left_url": f"mysql://app:{PASSWORD}@db1/shop",
            "urls": [f"postgresql://app:{PASSWORD}@db2/shop"],
            "columns": [XSS_ATTR, MARKDOWN, CONTROL],
        },
    )


def many_samples_result(*, tables: int, per_table: int) -> DiffResult:
    """`tables` different pairs, each with `per_table` changed-row samples (and as many changed)."""
    pairs = []
    for t in range(tables):
        changed = tuple(
            {"key": {"id": i}, "diffs": {"name": {"left": f"left value {i}", "right": f"right value {i}"}}}
            for i in range(per_table)
        )
        pairs.append(
            TableResult(
                left_table=f"table_{t:05d}",
                right_table=f"table_{t:05d}",
                key=("id",),
                status="different",
                schema=SchemaComparison(columns=_COLUMNS[:2]),
                summary=Summary(rows_left=100_000, rows_right=100_000, matched=100_000, changed=per_table),
                columns=(ColumnStat("name", per_table),),
                samples=Samples(changed=changed),
            )
        )
    return DiffResult(
        left=LEFT,
        right=RIGHT,
        tables=tuple(pairs),
        started_at=STARTED_AT,
        duration_s=100.0,
        dbdiff_version=VERSION,
        options=dict(OPTIONS),
    )


WIDE_COLUMNS = tuple(f"column_{i}" for i in range(1, 9))
WIDE_LONG = "lorem ipsum " * 40  # 480 characters, changed only at its very end
WIDE_JSON_LEFT = '{"a":{"b":[1,2,3]},"c":"same","d":{"e":true}}'
WIDE_JSON_RIGHT = '{"a":{"b":[1,2,4]},"c":"same","d":{"e":false}}'


def wide_result() -> DiffResult:
    """Eight differing columns (one compared as JSON, one long value changed at its end), and a
    row whose only change is in the last column, far to the right in a narrow window."""
    columns = (
        ColumnPair("id", "int", "integer", "integer"),
        *(ColumnPair(name, "varchar(600)", "text", "text") for name in WIDE_COLUMNS[:-2]),
        ColumnPair(WIDE_COLUMNS[-2], "text", "text", "text"),
        ColumnPair(WIDE_COLUMNS[-1], "json", "jsonb", "json"),
    )
    every = {
        name: {"left": f"left {name} value", "right": f"right {name} value"} for name in WIDE_COLUMNS[:-2]
    }
    changed = (
        {
            "key": {"id": 1},
            "diffs": {
                **every,
                WIDE_COLUMNS[-2]: {"left": WIDE_LONG + "end", "right": WIDE_LONG + "END"},
                WIDE_COLUMNS[-1]: {"left": WIDE_JSON_LEFT, "right": WIDE_JSON_RIGHT},
            },
        },
        {"key": {"id": 2}, "diffs": {WIDE_COLUMNS[-1]: {"left": WIDE_JSON_LEFT, "right": WIDE_JSON_RIGHT}}},
        {"key": {"id": 3}, "diffs": {WIDE_COLUMNS[-2]: {"left": WIDE_LONG + "end", "right": WIDE_LONG}}},
    )
    table = TableResult(
        left_table="wide",
        right_table="wide",
        key=("id",),
        status="different",
        schema=SchemaComparison(columns=columns),
        summary=Summary(rows_left=10, rows_right=10, matched=10, changed=3),
        columns=tuple(ColumnStat(name, 1 if name in every else 2) for name in WIDE_COLUMNS),
        samples=Samples(changed=changed),
    )
    return DiffResult(
        left=LEFT,
        right=RIGHT,
        tables=(table,),
        started_at=STARTED_AT,
        duration_s=0.5,
        dbdiff_version=VERSION,
    )


def validation_result(*, failed: bool = True) -> DiffResult:
    """A `dbdiff validate` run on one source: every check it ran, some failed (or none)."""
    checks = (
        {"side": "left", "column": "id", "check": "key_not_null"},
        {"side": "left", "column": "id", "check": "key_unique"},
        {"side": "left", "column": None, "check": "row_count"},
        {"side": "left", "column": "amount", "check": "not_nullable"},
        {"side": "left", "column": "amount", "check": "greater_than_or_equal_to(0)"},
        {"side": "left", "column": "city", "check": "isin(['Genève', 'Zürich'])"},
    )
    failures = (
        ValidationFailure("left", "id", "key_not_null", 1, ({"key": {"id": None}, "value": None},)),
        ValidationFailure(
            "left", None, "row_count", 2, ({"key": {}, "value": {"counted": 300, "read": 298}},)
        ),
        ValidationFailure(
            "left",
            "amount",
            "greater_than_or_equal_to(0)",
            2,
            ({"key": {"id": 2}, "value": "-3.00"}, {"key": {"id": 7}, "value": "-0.01"}),
        ),
    )
    table = TableResult(
        left_table="orders",
        right_table="orders",
        key=("id",),
        status="different" if failed else "identical",
        schema=SchemaComparison(
            columns=(
                ColumnPair("id", "int", "int", "integer"),
                ColumnPair("amount", "decimal(12,2)", "decimal(12,2)", "decimal"),
                ColumnPair("city", "varchar(40)", "varchar(40)", "text"),
            )
        ),
        summary=Summary(rows_left=300, null_keys_left=1 if failed else 0),
        validation=Validation(passed=not failed, failures=failures if failed else (), checks=checks),
        stats={"chunks": 3, "seconds": 0.25},
    )
    return DiffResult(
        left=LEFT,
        right=LEFT,
        tables=(table,),
        started_at=STARTED_AT,
        duration_s=0.25,
        dbdiff_version=VERSION,
        options={"command": "validate", "table": "orders", "key": ["id"], "schema": "orders.yaml"},
    )


# --- `dbdiff run` results: verdicts, tables on one side only, catalog differences, windows, history ---

RUN_ID = "20240506T070809Z-1a2b3c"
RUN_OPTIONS = {
    "command": "run",
    "checkfile": "dbdiff.yaml",
    "checkfile_sha256": "9f2c" + "0" * 60,
    "run_id": RUN_ID,
    "tables": ["orders", "InvoiceLine", "customers", "audit_log", "tmp_import", "payments", "shipments"],
}
WINDOW = {
    "updated_column": "updated_at",
    "since": "2024-05-06T06:53:09+00:00",
    "until": "2024-05-06T07:08:09+00:00",
    "min_age": "30s",
    "keys_left": 120,
    "keys_right": 118,
    "keys_compared": 121,
    "in_flight": 2,
}


def _history_entry(i: int, verdict: str, tables: dict[str, tuple[str, int, int, int]]) -> dict[str, object]:
    """A past run as the history store gives it: per table (verdict, changed, only_left, only_right)."""
    return {
        "run_id": f"2024050{i}T070809Z-00000{i}",
        "started_at": f"2024-05-0{i}T07:08:09+00:00",
        "duration_s": 40.0 + i,
        "verdict": verdict,
        "status": "different",
        "tables": {
            name: {
                "verdict": v,
                "status": "identical" if not (c or ol or orr) else "different",
                "rows_left": 1_000,
                "rows_right": 1_000,
                "changed": c,
                "only_left": ol,
                "only_right": orr,
            }
            for name, (v, c, ol, orr) in tables.items()
        },
    }


def run_result(*, history: int = 4) -> DiffResult:
    """A `dbdiff run` of seven tables that fails: every verdict, a table on each side only, catalog
    differences, a renamed pair and column, an incremental window, an error, and `history` runs."""
    orders = TableResult(
        left_table="orders",
        right_table="orders",
        key=("id",),
        status="different",
        schema=SchemaComparison(columns=_COLUMNS),
        summary=Summary(rows_left=121, rows_right=119, matched=119, only_left=2, changed=12),
        columns=(ColumnStat("name", 12), ColumnStat("amount", 0)),
        samples=Samples(
            changed=({"key": {"id": 4}, "diffs": {"name": {"left": "Alice ", "right": "Alice"}}},)
        ),
        verdict=Verdict(
            "fail",
            (Breach("changed", "fail", 12, "10"), Breach("only_left", "warn", 2, "0")),
        ),
        window=dict(WINDOW),
    )
    invoice = TableResult(
        left_table="InvoiceLine",
        right_table="invoice_line",
        key=("InvoiceLineId",),
        status="different",
        schema=SchemaComparison(
            columns=(
                ColumnPair("InvoiceLineId", "int", "integer", "integer", right_name="invoice_line_id"),
                ColumnPair(
                    "UnitPrice", "decimal(10,2)", "numeric(10,2)", "decimal_exact", right_name="unit_price"
                ),
            ),
            differences=(
                {
                    "kind": "type",
                    "column": "Payload",
                    "left": "blob",
                    "right": "xml",
                    "message": "no rule compares blob with xml: left out of the comparison",
                },
                {"kind": "nullability", "column": "UnitPrice", "left": False, "right": True, "message": ""},
                {
                    "kind": "primary_key",
                    "column": None,
                    "left": ["InvoiceLineId"],
                    "right": [],
                    "message": "the right table has no primary key",
                },
            ),
        ),
        summary=Summary(rows_left=500, rows_right=500, matched=500),
        columns=(ColumnStat("UnitPrice", 0),),
        verdict=Verdict("warn", (Breach("schema", "warn", 3, "0"),)),
    )
    customers = TableResult(
        left_table="customers",
        right_table="customers",
        key=("id",),
        status="different",
        schema=SchemaComparison(columns=_COLUMNS[:2]),
        summary=Summary(rows_left=1_000, rows_right=997, matched=997, only_left=3),
        columns=(ColumnStat("name", 0),),
        samples=Samples(only_left=({"key": {"id": 7}, "row": {"id": 7, "name": "Zoë"}},)),
        verdict=Verdict("warn", (Breach("only_left", "warn", 3, "0.1%"),)),
    )
    audit = TableResult(
        left_table="audit_log",
        right_table="audit_log",
        key=(),
        status="different",
        summary=Summary(rows_left=40),
        only_on="left",
        verdict=Verdict("fail", (Breach("schema", "fail", 1, "0"),)),
    )
    tmp = TableResult(
        left_table="tmp_import",
        right_table="tmp_import",
        key=(),
        status="different",
        only_on="right",
        verdict=Verdict("pass"),
    )
    payments = TableResult(
        left_table="payments",
        right_table="payments",
        key=("id",),
        status="error",
        error="query timed out after 300 s",
        verdict=Verdict("fail", (Breach("error", "fail", 1, "0"),)),
    )
    shipments = TableResult(
        left_table="shipments",
        right_table="shipments",
        key=("id",),
        status="identical",
        schema=SchemaComparison(columns=_COLUMNS[:2]),
        summary=Summary(rows_left=80, rows_right=80, matched=80),
        columns=(ColumnStat("name", 0),),
        verdict=Verdict("pass"),
    )
    tables = (orders, invoice, customers, audit, tmp, payments, shipments)
    past = [
        _history_entry(1, "pass", {"orders": ("pass", 0, 0, 0), "customers": ("pass", 0, 0, 0)}),
        _history_entry(2, "warn", {"orders": ("warn", 3, 0, 0), "customers": ("warn", 0, 1, 0)}),
        _history_entry(
            3,
            "fail",
            {"orders": ("fail", 15, 1, 0), "customers": ("warn", 0, 2, 0), "shipments": ("pass", 0, 0, 0)},
        ),
    ]
    now = {
        "run_id": RUN_ID,
        "started_at": STARTED_AT,
        "duration_s": 42.5,
        "verdict": "fail",
        "status": "error",
        "tables": {
            t.left_table: {
                "verdict": t.verdict.level if t.verdict else None,
                "status": t.status,
                "rows_left": t.summary.rows_left,
                "rows_right": t.summary.rows_right,
                "changed": t.summary.changed,
                "only_left": t.summary.only_left,
                "only_right": t.summary.only_right,
            }
            for t in tables
        },
    }
    entries = ([*past, now])[-history:] if history else []
    run_breaches = [Breach("changed", "warn", 12, "10", scope="run")]
    run_breaches += [
        Breach(b.metric, b.level, b.value, b.limit, "table", t.left_table)
        for t in tables
        if t.verdict is not None
        for b in t.verdict.breaches
    ]
    return DiffResult(
        left=LEFT,
        right=RIGHT,
        tables=tables,
        started_at=STARTED_AT,
        duration_s=42.5,
        dbdiff_version=VERSION,
        options=dict(RUN_OPTIONS),
        verdict=Verdict("fail", tuple(run_breaches)),
        history=tuple(entries),
    )


def hostile_run_result() -> DiffResult:
    """A run whose every new field is hostile: names, breaches, differences, window and history."""
    evil = XSS_SCRIPT + "\n" + XSS_ATTR
    table = TableResult(
        left_table=evil,
        right_table=XSS_CLOSE,
        key=(XSS_SVG,),
        status="different",
        schema=SchemaComparison(
            columns=(ColumnPair(XSS_ATTR, "text", "text", "text", right_name=MARKDOWN),),
            differences=(
                {
                    "kind": XSS_SCRIPT,
                    "column": XSS_ATTR,
                    "left": XSS_CLOSE,
                    "right": [CONTROL, BIDI],
                    "message": f"{XML_BREAK} {RICH_MARKUP} {TEMPLATE} at mysql://app:{PASSWORD}@db1/shop",
                },
                {"kind": "nullability", "column": MARKDOWN, "left": {"x": XSS_SVG}, "right": None},
                {"kind": None, "column": 7, "left": 1.5},
            ),
        ),
        summary=Summary(rows_left=10, rows_right=10, matched=10, changed=1),
        columns=(ColumnStat(XSS_ATTR, 1),),
        verdict=Verdict(
            "fail", (Breach(XSS_SCRIPT, "fail", 1.5, XSS_ATTR), Breach("changed", "warn", 1, "0.1%"))
        ),
        window={
            "updated_column": XSS_SCRIPT,
            "since": XSS_CLOSE,
            "until": CONTROL,
            "min_age": MARKDOWN,
            "keys_compared": XSS_SVG,
            "source": f"postgresql://app:{PASSWORD}@db2/shop",
            XSS_ATTR: RICH_MARKUP,
        },
    )
    lonely = TableResult(
        left_table=XSS_SVG,
        right_table="",
        key=(),
        status="different",
        only_on="left",
        verdict=Verdict("warn", (Breach("schema", "warn", 1, "0"),)),
    )
    history = (
        {
            "run_id": XSS_SCRIPT,
            "started_at": XSS_ATTR,
            "verdict": XSS_SVG,
            "tables": {evil: {"verdict": "fail", "changed": "many", "only_left": None}},
        },
        {"run_id": None, "tables": "not a mapping"},
        {"run_id": XSS_CLOSE, "verdict": "fail", "tables": {evil: {"changed": 1, "only_right": 10**12}}},
    )
    return DiffResult(
        left=LEFT,
        right=RIGHT,
        tables=(table, lonely),
        started_at=STARTED_AT,
        duration_s=1.0,
        dbdiff_version=VERSION,
        options={"command": "run", "checkfile": XSS_SCRIPT, "password": PASSWORD},
        verdict=Verdict(
            "fail",
            (
                Breach("only_left", "fail", 3, MARKDOWN, scope="run"),
                Breach("changed", "fail", 1, "0", "table", XSS_SCRIPT),
            ),
        ),
        history=history,  # type: ignore[arg-type]
    )


def many_tables_run_result(n: int = 14) -> DiffResult:
    """A judged run of `n` tables, most passing, a few warning and failing, in check-file order."""
    tables = []
    for i in range(n):
        level = "fail" if i % 5 == 3 else "warn" if i % 4 == 1 else "pass"
        changed = {"fail": 40 + i, "warn": 2, "pass": 0}[level]
        breaches = (
            () if level == "pass" else (Breach("changed", level, changed, "10" if level == "fail" else "0"),)
        )
        tables.append(
            TableResult(
                left_table=f"table_{i:02d}",
                right_table=f"table_{i:02d}",
                key=("id",),
                status="different" if changed else "identical",
                schema=SchemaComparison(columns=_COLUMNS[:2]),
                summary=Summary(rows_left=1_000, rows_right=1_000, matched=1_000, changed=changed),
                columns=(ColumnStat("name", changed),),
                verdict=Verdict(level, breaches),
            )
        )
    worst = "fail" if any(t.verdict and t.verdict.level == "fail" for t in tables) else "warn"
    return DiffResult(
        left=LEFT,
        right=RIGHT,
        tables=tuple(tables),
        started_at=STARTED_AT,
        duration_s=61.0,
        dbdiff_version=VERSION,
        options={"command": "run", "checkfile": "dbdiff.yaml"},
        verdict=Verdict(worst),
    )


RECHECK = {
    "rounds": 2,
    "delay_s": 5.0,
    "keys": 17,
    "persistent": {"changed": 2, "only_left": 1, "only_right": 0},
    "transient": {"changed": 9, "only_left": 3, "only_right": 1},
    "vanished": {"changed": 0, "only_left": 1, "only_right": 0},
    "samples": [
        {"key": {"id": 7}, "kind": "changed", "state": "transient", "agreed_at": 1},
        {"key": {"id": 8}, "kind": "changed", "state": "transient", "agreed_at": 2},
        {"key": {"id": 31}, "kind": "only_left", "state": "transient", "agreed_at": 1},
        {"key": {"id": 40}, "kind": "only_right", "state": "transient", "agreed_at": 2},
        {"key": {"id": 9}, "kind": "only_left", "state": "vanished"},
    ],
}


def rechecked_result() -> DiffResult:
    """A `dbdiff run` during dual writes with two rechecks 5 s apart: `orders` keeps 3 persistent
    differences (its counts and samples) beside 13 transient and 1 vanished, `customers` is
    identical once its 4 transient differences agreed, `shipments` had nothing to recheck."""
    orders = TableResult(
        left_table="orders",
        right_table="orders",
        key=("id",),
        status="different",
        schema=SchemaComparison(columns=_COLUMNS[:3]),
        summary=Summary(rows_left=1_000, rows_right=1_000, matched=999, changed=2, only_left=1),
        columns=(ColumnStat("name", 2), ColumnStat("amount", 0)),
        samples=Samples(
            changed=(
                {
                    "key": {"id": 4},
                    "diffs": {"name": {"left": "Alice", "right": "Alicia"}},
                    "state": "persistent",
                },
                {"key": {"id": 5}, "diffs": {"name": {"left": "Bob", "right": "Rob"}}, "state": "persistent"},
            ),
            only_left=(
                {
                    "key": {"id": 100},
                    "row": {"id": 100, "name": "Carol", "amount": "5.00"},
                    "state": "persistent",
                },
            ),
        ),
        verdict=Verdict("fail", (Breach("changed", "fail", 2, "0"),)),
        recheck=dict(RECHECK),
    )
    customers = TableResult(
        left_table="customers",
        right_table="customers",
        key=("id",),
        status="identical",
        schema=SchemaComparison(columns=_COLUMNS[:2]),
        summary=Summary(rows_left=250, rows_right=250, matched=250),
        columns=(ColumnStat("name", 0),),
        verdict=Verdict("pass"),
        recheck={
            "rounds": 2,
            "delay_s": 5.0,
            "keys": 4,
            "persistent": {"changed": 0, "only_left": 0, "only_right": 0},
            "transient": {"changed": 4, "only_left": 0, "only_right": 0},
            "vanished": {"changed": 0, "only_left": 0, "only_right": 0},
            "samples": [
                {"key": {"id": i}, "kind": "changed", "state": "transient", "agreed_at": 1}
                for i in (11, 12, 13, 14)
            ],
        },
    )
    shipments = TableResult(
        left_table="shipments",
        right_table="shipments",
        key=("id",),
        status="identical",
        schema=SchemaComparison(columns=_COLUMNS[:2]),
        summary=Summary(rows_left=80, rows_right=80, matched=80),
        columns=(ColumnStat("name", 0),),
        verdict=Verdict("pass"),
        recheck={
            "rounds": 2,
            "delay_s": 5.0,
            "keys": 0,
            **{
                state: {"changed": 0, "only_left": 0, "only_right": 0}
                for state in ("persistent", "transient", "vanished")
            },
            "samples": [],
        },
    )
    return DiffResult(
        left=LEFT,
        right=RIGHT,
        tables=(orders, customers, shipments),
        started_at=STARTED_AT,
        duration_s=30.5,
        dbdiff_version=VERSION,
        options={"command": "run", "checkfile": "dbdiff.yaml", "recheck": 2, "recheck_delay": 5.0},
        verdict=Verdict("fail", (Breach("changed", "fail", 2, "0", "table", "orders"),)),
    )


def hostile_rechecked_result() -> DiffResult:
    """A plain diff whose recheck block is hostile: keys holding HTML, script and control
    characters, states and kinds that are markup, counts that are not counts, malformed samples."""
    samples: list[object] = [
        {"key": {"k1": i, "k2": value}, "kind": "changed", "state": "transient", "agreed_at": 1}
        for i, value in enumerate(HOSTILE_VALUES)
    ]
    samples += [
        {"key": {"k1": 99, "k2": XSS_SCRIPT}, "kind": XSS_ATTR, "state": XSS_SVG, "agreed_at": XSS_CLOSE},
        {"key": XSS_SCRIPT, "kind": None, "state": "vanished"},
        "not a sample",
        {"key": {"k1": 1, "k2": "p"}, "kind": "changed", "state": "persistent"},
    ]
    table = TableResult(
        left_table=XSS_SCRIPT,
        right_table=XSS_CLOSE,
        key=("k1", "k2"),
        status="different",
        summary=Summary(rows_left=20, rows_right=20, matched=20, changed=1),
        columns=(ColumnStat(XSS_ATTR, 1),),
        samples=Samples(
            changed=(
                {"key": {"k1": 1, "k2": "p"}, "diffs": {XSS_ATTR: {"left": XSS_SVG, "right": MARKDOWN}}},
            )
        ),
        recheck={
            "rounds": XSS_SCRIPT,
            "delay_s": float("nan"),
            "keys": CONTROL,
            "persistent": {"changed": 1, "only_left": "many", "only_right": -3},
            "transient": {"changed": len(HOSTILE_VALUES), XSS_ATTR: 5, "only_left": True},
            "vanished": XSS_SVG,
            "samples": samples,
            XSS_ATTR: RICH_MARKUP,
        },
    )
    return DiffResult(
        left=LEFT,
        right=RIGHT,
        tables=(table,),
        started_at=STARTED_AT,
        duration_s=1.0,
        dbdiff_version=VERSION,
        options={"recheck": 2, "password": PASSWORD},
    )


FIXTURES = {
    "identical": identical_result,
    "different": different_result,
    "error": error_result,
    "hostile": hostile_result,
    "warnings": warnings_result,
    "wide": wide_result,
    "validation": validation_result,
    "run": run_result,
    "run_hostile": hostile_run_result,
    "rechecked": rechecked_result,
    "rechecked_hostile": hostile_rechecked_result,
}


def assert_golden(name: str, actual: str) -> None:
    """Compare `actual` with tests/golden/`name`; with DBDIFF_UPDATE_GOLDEN=1, rewrite the file instead."""
    path = GOLDEN_DIR / name
    if UPDATE_GOLDEN:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(actual.encode("utf-8"))
        return
    assert path.exists(), f"golden file {path} is missing: run the tests with DBDIFF_UPDATE_GOLDEN=1"
    expected = path.read_bytes().decode("utf-8")
    assert actual == expected, (
        f"{name} differs from its golden file; if the change is intended, regenerate with "
        f"DBDIFF_UPDATE_GOLDEN=1 and review the diff (see tests/golden/README.md)"
    )


# --- inspecting rendered HTML ---

ALLOWED_TAGS = {
    "html", "head", "meta", "title", "style", "body", "header", "main", "footer", "section", "div",
    "p", "span", "code", "pre", "strong", "h1", "h2", "h3", "dl", "dt", "dd", "details", "summary",
    "table", "thead", "tbody", "tr", "th", "td", "a", "br", "svg", "rect", "figure", "figcaption",
    "script", "ul", "li", "polyline", "circle", "line", "text",
}  # fmt: skip
URL_ATTRS = {"src", "href", "xlink:href", "action", "formaction", "poster", "data", "srcset", "background"}


class _Page(HTMLParser):
    """Every element, attribute, script body and text run of a page."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.text: list[str] = []
        self.scripts: list[tuple[dict[str, str | None], str]] = []
        self.styles: list[str] = []
        self._raw: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))
        if tag in ("script", "style"):
            self._raw = tag
            self._raw_attrs = dict(attrs)
            self._raw_text: list[str] = []

    def handle_endtag(self, tag: str) -> None:
        if tag == self._raw:
            body = "".join(self._raw_text)
            if tag == "script":
                self.scripts.append((self._raw_attrs, body))
            else:
                self.styles.append(body)
            self._raw = None

    def handle_data(self, data: str) -> None:
        if self._raw:
            self._raw_text.append(data)
        else:
            self.text.append(data)


def parse_html(page: str) -> _Page:
    """Parse a rendered page with the standard library's tolerant HTML parser."""
    parser = _Page()
    parser.feed(page)
    parser.close()
    return parser
