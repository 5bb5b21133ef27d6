"""The normalizer vocabulary: each turns one side's raw column into a canonical form.

`base` says what a normalizer is and keeps the registry; each family module registers its
normalizers when imported here, so naming one (`get_normalizer`) always finds the whole vocabulary.
Adding a normalizer is one function with `@normalizer(name)` in the module of its family.
"""

from __future__ import annotations

# Imported for what importing does: each family module registers its normalizers.
from dbdiff.normalize import numbers, strings, structured, temporal  # noqa: F401
from dbdiff.normalize.base import (
    NORMALIZERS,
    Normalizer,
    Params,
    describe_normalizers,
    get_normalizer,
    normalizer,
)

__all__ = [
    "NORMALIZERS",
    "Normalizer",
    "Params",
    "describe_normalizers",
    "get_normalizer",
    "normalizer",
]
