"""Checks: pandera schemas and built-in invariants, run on the chunks a diff or validate already reads.

Each check is a small unit registered by name (`base.register_check`), fed each chunk of each
side on a worker and merged on the driver; `CheckSuite` is the face the runner uses. Modules:
`spec` (loading schemas), `view` (the frame checks see), `base` (protocol, failures, registry),
one module per built-in check, `suite` (the face) and `profile` (infer-schema).
"""

from dbdiff.checks.aggregates import AGGREGATES
from dbdiff.checks.base import (
    BOTH,
    CHECKS,
    FIELD_UNIQUENESS,
    KEY_NOT_NULL,
    KEY_UNIQUE,
    MULTIPLE_FIELDS_UNIQUENESS,
    ROW_COUNT,
    ROW_COUNT_EQUAL,
    Check,
    CheckSetup,
    Chunk,
    End,
    Failed,
    Found,
    register_check,
)
from dbdiff.checks.spec import SchemaSpec, describe_schema, load_schema, load_schema_file
from dbdiff.checks.suite import ChecksPartial, CheckSuite

__all__ = [
    "AGGREGATES",
    "BOTH",
    "CHECKS",
    "FIELD_UNIQUENESS",
    "KEY_NOT_NULL",
    "KEY_UNIQUE",
    "MULTIPLE_FIELDS_UNIQUENESS",
    "ROW_COUNT",
    "ROW_COUNT_EQUAL",
    "Check",
    "CheckSetup",
    "CheckSuite",
    "ChecksPartial",
    "Chunk",
    "End",
    "Failed",
    "Found",
    "SchemaSpec",
    "describe_schema",
    "load_schema",
    "load_schema_file",
    "register_check",
]
