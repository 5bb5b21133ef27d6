"""The engine's one door to the checks: the check suite, infer-schema's profiler, schema loading."""

from dbdiff.engine._checks_shim import CheckSuite, Profiler, describe_schema, load_schema

__all__ = ["CheckSuite", "Profiler", "describe_schema", "load_schema"]
