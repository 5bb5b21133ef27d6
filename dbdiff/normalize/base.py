"""What a normalizer is, the registry rule files name normalizers from, and the helpers every
family of normalizers shares.

A normalizer is a named, closed piece of code: rule files name it and pass parameters, never code.
`convert` builds a vectorized polars expression for one side (dispatching on the side's type family
and the Arrow dtype the source delivered); `equal` compares two canonical expressions, NULL-safe
(NULL equals only NULL). Both sides of a column pair go through the same normalizer, so their
canonical dtypes always agree.

No normalizer turns a value it cannot read into NULL: that would hide a difference. Unreadable
values raise (a polars error); `compare` then finds them (with the normalizer's `readable` test,
vectorized, where it has one) and reports each as an unreadable value of its row.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import polars as pl

from dbdiff.catalog import Column
from dbdiff.errors import RuleError
from dbdiff.names import did_you_mean

Params = Mapping[str, Any]
Convert = Callable[[pl.Expr, Column, pl.DataType, Params], pl.Expr]
Equal = Callable[[pl.Expr, pl.Expr, Params], pl.Expr]
Derive = Callable[[Column, Column, Params], dict[str, Any]]
Lossy = Callable[[pl.Expr, Column, pl.DataType, Params], tuple[pl.Expr, str] | None]
Check = Callable[[Params], None]
Readable = Callable[[pl.Expr, Column, pl.DataType, Params], pl.Expr | None]
#: Row i of one side's raw values (String or Binary) against row i of the other's: True where the
#: two surely are equal values and both readable, False where the rule must decide.
KnownEqual = Callable[[pl.Series, pl.Series], pl.Series]


def _eq_missing(left: pl.Expr, right: pl.Expr, params: Params) -> pl.Expr:
    return left.eq_missing(right)


def _no_derive(left: Column, right: Column, params: Params) -> dict[str, Any]:
    return {}


def _no_check(params: Params) -> None:
    return None


@dataclass(frozen=True)
class Normalizer:
    """A named conversion to a canonical form, with the parameters it accepts."""

    name: str
    doc: str
    convert: Convert
    equal: Equal = _eq_missing
    params: Mapping[str, Any] = field(default_factory=dict)
    derive: Derive = _no_derive
    check: Check = _no_check
    #: Values that compare equal only because this normalizer reads them leniently (a TINYINT(1)
    #: holding 2 reads as true): a mask over one side's raw values and what to tell the user.
    lossy: Lossy | None = None
    #: Which raw values `convert` can read (a vectorized test; None: every value of this dtype).
    #: Only used once a chunk fails, to find its unreadable values without halving the chunk.
    readable: Readable | None = None
    #: A cheap test of paired rows' raw values, for a normalizer whose canonical form of a value
    #: depends on the value alone: the pairs it finds equal need no normalizing (JSON documents
    #: decoded and compared, a plain decimal equal to its partner's text). A diff normalizes only
    #: the other pairs, and the rows without a partner.
    known_equal: KnownEqual | None = None

    def check_params(self, given: Params, where: str = "") -> None:
        """`RuleError` for a parameter this normalizer doesn't have, or a value it can't take."""
        prefix = f"{where}: " if where else ""
        unknown = sorted(set(given) - set(self.params))
        if unknown:
            close = did_you_mean(unknown[0], self.params)
            raise RuleError(
                f"{prefix}normalizer {self.name!r} has no parameter {unknown[0]!r}",
                hint=(f"{close} " if close else "")
                + f"it accepts: {', '.join(sorted(self.params)) or 'no parameters'}",
            )
        for key, value in given.items():
            default = self.params[key]
            if isinstance(default, bool):
                ok = isinstance(value, bool)
            elif isinstance(default, (int, float)):
                ok = isinstance(value, (int, float)) and not isinstance(value, bool)
            else:
                ok = isinstance(value, str)
            if not ok:
                raise RuleError(
                    f"{prefix}parameter {key!r} of normalizer {self.name!r} must be "
                    f"{type(default).__name__}, not {value!r}"
                )
        try:
            self.check({**self.params, **given})
        except RuleError as exc:
            raise RuleError(prefix + exc.message, hint=exc.hint) from None

    def resolve_params(self, left: Column, right: Column, given: Params) -> dict[str, Any]:
        """Defaults, then values derived from the two columns, then the rule's and user's values."""
        self.check_params(given)
        resolved = dict(self.params)
        resolved.update(self.derive(left, right, given))
        resolved.update(given)
        return resolved


NORMALIZERS: dict[str, Normalizer] = {}


def normalizer(
    name: str,
    *,
    params: Mapping[str, Any] | None = None,
    equal: Equal = _eq_missing,
    derive: Derive = _no_derive,
    check: Check = _no_check,
    lossy: Lossy | None = None,
    readable: Readable | None = None,
    known_equal: KnownEqual | None = None,
    plain_text: str | None = None,
) -> Callable[[Convert], Convert]:
    """Register `convert` as the normalizer `name` (its docstring documents it). `plain_text` is
    the commonest `known_equal`: a pattern of readable text whose canonical form depends on the
    text alone (a plain decimal), so equal such texts are equal values."""
    if plain_text is not None:
        known_equal = equal_plain_texts(plain_text)

    def wrap(convert: Convert) -> Convert:
        NORMALIZERS[name] = Normalizer(
            name=name,
            doc=(convert.__doc__ or "").strip(),
            convert=convert,
            equal=equal,
            params=dict(params or {}),
            derive=derive,
            check=check,
            lossy=lossy,
            readable=readable,
            known_equal=known_equal,
        )
        return convert

    return wrap


def equal_plain_texts(pattern: str) -> KnownEqual:
    """The `known_equal` of texts matching `pattern`: equal such texts, and NULL with NULL."""

    def known_equal(left: pl.Series, right: pl.Series) -> pl.Series:
        both_null = left.is_null() & right.is_null()
        if left.dtype != pl.String or right.dtype != pl.String:
            return both_null
        same = (left == right) & left.alias("l").str.contains(pattern)  # "l": a name no pattern
        return same.fill_null(False) | both_null

    return known_equal


def get_normalizer(name: str) -> Normalizer:
    """The normalizer called `name`; a did-you-mean `RuleError` if there is none."""
    try:
        return NORMALIZERS[name]
    except KeyError:
        close = did_you_mean(name, NORMALIZERS)
        hint = (f"{close} " if close else "") + "known: " + ", ".join(sorted(NORMALIZERS))
        raise RuleError(f"unknown normalizer {name!r}", hint=hint) from None


def describe_normalizers() -> list[tuple[str, str, dict[str, Any]]]:
    """(name, docstring, default parameters) for every normalizer, sorted by name."""
    return [(n.name, n.doc, dict(n.params)) for n in sorted(NORMALIZERS.values(), key=lambda n: n.name)]


def unsupported(name: str, column: Column, dtype: pl.DataType) -> RuleError:
    """The error for a column whose delivered dtype normalizer `name` has no reading for."""
    return RuleError(
        f"normalizer {name!r} cannot read column {column.name!r} of type {column.native_type} "
        f"(arrives as {dtype})",
        hint="choose another rule for this column with --rules or a column override",
    )


def is_integer(dtype: pl.DataType) -> bool:
    """True for any signed or unsigned integer dtype."""
    return dtype.is_integer()


def is_string(dtype: pl.DataType) -> bool:
    """True for text (not bytes)."""
    return dtype == pl.String


def as_text(expr: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Text as it arrived; bytes (MySQL `*_bin` text can arrive as binary) decoded as strict UTF-8."""
    return expr.cast(pl.String, strict=True) if dtype == pl.Binary else expr


def checked(value: pl.Expr, valid: pl.Expr, raw: pl.Expr, what: str, dtype: Any) -> pl.Expr:
    """`value`, except that a non-NULL `raw` which is not `valid` raises, showing the raw text.

    This is how a normalizer fails loudly instead of turning an unreadable value into NULL.
    """
    bad = raw.is_not_null() & ~valid.fill_null(False)
    # Text that starts with "not ..." never parses as an integer: the strict cast raises, and its
    # message carries the offending value.
    failing = (pl.lit(f"not {what}: ") + raw.cast(pl.String)).cast(pl.Int64, strict=True).cast(dtype)
    return pl.when(bad).then(failing).otherwise(value)


def one_of(name: str, key: str, allowed: tuple[str, ...]) -> Check:
    """A parameter check: `key` must be one of `allowed`."""

    def check(params: Params) -> None:
        if params.get(key) not in allowed:
            raise RuleError(
                f"parameter {key!r} of normalizer {name!r} must be one of {', '.join(allowed)}, "
                f"not {params.get(key)!r}"
            )

    return check


def each_readable(values: pl.Series, read: Callable[[Any], Any]) -> pl.Series:
    """Per value: does `read` take it (NULL: yes)? For normalizers that parse in Python anyway."""

    def ok(value: Any) -> bool:
        try:
            read(value)
        except ValueError:  # UnicodeDecodeError included
            return False
        return True

    return pl.Series([value is None or ok(value) for value in values.to_list()], dtype=pl.Boolean)


# --- identity --------------------------------------------------------------------------------


@normalizer("exact")
def exact(expr: pl.Expr, column: Column, dtype: pl.DataType, params: Params) -> pl.Expr:
    """Values compare as they are read; both sides must arrive with the same Arrow type.

    Example: PostgreSQL int4[] {1,2} equals int4[] {1,2} and differs from {2,1}.
    """
    return expr
