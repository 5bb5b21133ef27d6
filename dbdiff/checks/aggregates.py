"""aggregates: count, sum, min and max of the `--aggregate` columns, which must agree between the sides.

Each chunk's statistics are exact and merge into the run's (decimals as exact decimals at any
number of digits); a float sum is compared approximately, since each side adds in its own order.
The statistics also go to `TableResult.stats["aggregates"]`, with one side as with two.
"""

from __future__ import annotations

import contextlib
import decimal
import math
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import polars as pl

from dbdiff.catalog import find_named
from dbdiff.checks.base import BOTH, Check, CheckSetup, Chunk, End, Failed, Found, register_check
from dbdiff.checks.view import DECIMAL_TEXT, integral
from dbdiff.compare import SUFFIX
from dbdiff.errors import ColumnError
from dbdiff.plan import ColumnPlan, DiffPlan
from dbdiff.values import encode_value

AGGREGATES = ("count", "sum", "min", "max")


@register_check("aggregates")
def aggregates(setup: CheckSetup) -> Aggregates | None:
    """On when `--aggregate` names columns."""
    return Aggregates(setup) if setup.aggregate else None


class Aggregates(Check):
    def __init__(self, setup: CheckSetup) -> None:
        self.sides = setup.sides
        self.columns = _aggregate_columns(setup.plan, setup.aggregate, setup.sides)

    def feed(self, chunk: Chunk) -> Found:
        return Found(
            state={
                name: _chunk_aggregate(
                    chunk.prepared.get_column(internal[chunk.side]), pair.choice.normalizer
                )
                for name, internal, pair in self.columns
            }
        )

    def merge(self, state: Any, new: Any) -> Any:
        merged = dict(state or {})
        for name, stats in new.items():
            merged[name] = _merge_aggregate(merged.get(name), stats)
        return merged

    def finish(self, end: End) -> Iterable[Failed]:
        out: dict[str, Any] = {}
        for name, _, pair in self.columns:
            per_side = {
                side: (end.states.get(side) or {}).get(name) or _empty_aggregate() for side in self.sides
            }
            # Decimals are written at one scale, whatever the chunks held: the larger of the
            # declared scales and the most fractional digits any value of either side had.
            scale = max(
                [c.scale for c in (pair.left, pair.right) if c.scale is not None]
                + [int(values.pop("scale", 0)) for values in per_side.values()]
            )

            integer = pair.choice.normalizer == "integer"

            def encode(value: Any, scale: int = scale, integer: bool = integer) -> Any:
                return _encode_aggregate(value, scale, integer)

            out[name] = {side: {k: encode(v) for k, v in values.items()} for side, values in per_side.items()}
            if len(self.sides) != 2:
                continue
            left, right = per_side["left"], per_side["right"]
            for stat in AGGREGATES:
                if stat not in left and stat not in right:
                    continue
                a, b = left.get(stat), right.get(stat)
                if not _same(a, b, pair.choice.normalizer == "float" and stat == "sum"):
                    example = {"key": {}, "value": {"left": encode(a), "right": encode(b)}}
                    yield Failed(BOTH, name, f"aggregate_{stat}", 1, [((), example)])
        end.stats["aggregates"] = out

    def checks_run(self, side: str) -> Iterable[tuple[str | None, str]]:
        if side != BOTH:
            return []
        return [(name, f"aggregate_{stat}") for name, _, _ in self.columns for stat in AGGREGATES]


def _aggregate_columns(
    plan: DiffPlan, names: Sequence[str], sides: Sequence[str]
) -> list[tuple[str, dict[str, str], ColumnPlan]]:
    """(the column's name, its internal column per side, its plan) for each named column."""
    columns = [(p, i, True) for i, p in enumerate(plan.key)]
    columns += [(p, j, False) for j, p in enumerate(plan.columns)]
    out = []
    for name in names:
        # Exactly, else ignoring case when that is unambiguous (as every column name resolves).
        found = find_named(name, columns, lambda c: (c[0].name, c[0].right.name))
        if len(found) != 1:
            shown = " and ".join(repr(c[0].name) for c in found)
            why = f"is ambiguous: it matches {shown} only ignoring case" if found else "is not compared"
            raise ColumnError(
                f"--aggregate names column {name!r}, which {why}",
                hint="columns: " + ", ".join(p.name for p in plan.all_pairs),
            )
        pair, index, is_key = found[0]
        internal = {side: (f"k{index}" if is_key else f"n{index}{SUFFIX[side]}") for side in sides}
        out.append((pair.name, internal, pair))
    return out


def _encode_aggregate(value: Any, scale: int, integer: bool = False) -> Any:
    """An aggregate as the report holds it: decimals at the column's `scale`, however the chunks
    fell; an integer column's values as JSON numbers however large."""
    if integer:
        return integral(value)
    if isinstance(value, decimal.Decimal):
        return _decimal_text(value, scale)
    return encode_value(value)


def _empty_aggregate() -> dict[str, Any]:
    return {"count": 0}


def _chunk_aggregate(series: pl.Series, normalizer: str) -> dict[str, Any]:
    """count (non-NULL), sum (numbers), min and max of one chunk's normalized values."""
    values = series.drop_nulls()
    out: dict[str, Any] = {"count": values.len()}
    if values.is_empty():
        return out
    dtype = values.dtype
    if normalizer == "decimal" and dtype == pl.String:
        numbers = values.filter(values.str.contains(DECIMAL_TEXT))
        if numbers.is_empty():
            return out
        scale = numbers.str.split(".").list.get(1, null_on_oob=True).str.len_chars().max() or 0
        try:
            out["scale"] = int(scale)
            exact = numbers.cast(pl.Decimal(38, int(scale)), strict=True)
            out.update(sum=exact.sum(), min=exact.min(), max=exact.max())
        except (pl.exceptions.PolarsError, ArithmeticError):
            # Beyond 38 digits: Python's decimals are exact at any size.
            parsed = [decimal.Decimal(v) for v in numbers.to_list()]
            out.update(sum=_exact_sum(parsed), min=min(parsed), max=max(parsed))
        return out
    if dtype.is_integer():
        out.update(sum=int(values.cast(pl.Int128).sum()), min=values.min(), max=values.max())
    elif isinstance(dtype, pl.Decimal):
        out.update(sum=values.sum(), min=values.min(), max=values.max())
    elif dtype.is_float():
        out.update(sum=float(values.sum()), min=values.min(), max=values.max())
    elif dtype == pl.Boolean:
        out.update(sum=int(values.cast(pl.Int64).sum()), min=values.min(), max=values.max())
    else:
        with contextlib.suppress(pl.exceptions.PolarsError):
            out.update(min=values.min(), max=values.max())
    return out


def _merge_aggregate(a: Mapping[str, Any] | None, b: Mapping[str, Any]) -> dict[str, Any]:
    if a is None:
        return dict(b)
    out = {"count": a.get("count", 0) + b.get("count", 0)}
    if "scale" in a or "scale" in b:
        out["scale"] = max(a.get("scale", 0), b.get("scale", 0))
    if "sum" in a or "sum" in b:
        parts = [v for v in (a.get("sum"), b.get("sum")) if v is not None]
        if len(parts) == 2 and isinstance(parts[0], decimal.Decimal) != isinstance(parts[1], decimal.Decimal):
            parts = [decimal.Decimal(str(p)) for p in parts]
        out["sum"] = _add(parts[0], parts[1]) if len(parts) == 2 else parts[0]
    for stat, pick in (("min", min), ("max", max)):
        found = [v for v in (a.get(stat), b.get(stat)) if v is not None]
        if found:
            out[stat] = pick(found)
    return out


def _add(a: Any, b: Any) -> Any:
    """a + b; decimals exactly, at any number of digits."""
    if isinstance(a, decimal.Decimal) and isinstance(b, decimal.Decimal):
        return _exact_sum((a, b))
    return a + b


def _exact_sum(values: Iterable[decimal.Decimal]) -> decimal.Decimal:
    """The exact sum of finite decimals, as scaled integers (no context, so no rounding)."""
    total, exponent = 0, 0
    for value in values:
        sign, digits, exp = value.as_tuple()
        assert isinstance(exp, int), "only finite decimals are summed"
        number = int("".join(map(str, digits)) or "0") * (-1 if sign else 1)
        if exp < exponent:
            total *= 10 ** (exponent - exp)
            exponent = exp
        total += number * 10 ** (exp - exponent)
    return decimal.Decimal(f"{total}E{exponent}")


def _decimal_text(value: decimal.Decimal, scale: int) -> str:
    """Exact text with `scale` fractional digits (more only when the value needs them)."""
    if not value.is_finite():
        return str(encode_value(value))
    text = format(value, "f")
    whole, _, fraction = text.partition(".")
    fraction = fraction.rstrip("0").ljust(scale, "0")
    if whole == "-0" and not fraction.strip("0"):
        whole = "0"
    return f"{whole}.{fraction}" if fraction else whole


def _same(a: Any, b: Any, approximate: bool) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, float) and isinstance(b, float):
        if math.isnan(a) or math.isnan(b):
            return math.isnan(a) and math.isnan(b)
        if math.isinf(a) or math.isinf(b):
            return a == b  # same-signed infinities only
    if approximate:
        # Float sums depend on the order of addition, and each side chunks in its own order.
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    return bool(a == b)
