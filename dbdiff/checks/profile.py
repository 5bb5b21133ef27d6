"""infer-schema's profiling: what each column held across the chunks, written as a pandera YAML schema.

Text columns with at most `max_values` distinct values get an `isin` check; numbers, dates and
timestamps get an `in_range` of what was observed (decimal bounds rounded outwards to integers,
so the data always passes its own schema).
"""

from __future__ import annotations

import datetime as dt
import decimal
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import polars as pl

from dbdiff.checks.view import view_columns, view_frame, view_frame_dtype
from dbdiff.plan import DiffPlan
from dbdiff.values import exact_pattern, is_pattern_name

if TYPE_CHECKING:
    from pandera.api.polars.container import DataFrameSchema

    from dbdiff.store import ResultStore


class Profiler:
    """Profiles one side's chunks: `feed` on a worker (pure), `absorb` on the driver, then the YAML."""

    reads_values = True

    def __init__(self, plan: DiffPlan, *, max_values: int = 20) -> None:
        self.plan = plan
        self.max_values = max_values
        self._profiles: dict[str, _Profile] = {}

    def feed(
        self, side: str, prepared: pl.DataFrame, duplicates: pl.DataFrame | None = None
    ) -> dict[str, tuple[pl.DataType, dict[str, Any]]]:
        """Each view column's dtype and statistics in this chunk."""
        view = view_frame(prepared, self.plan, side)
        # Each column under a plain name: polars' Series methods read a name like "^...$" as a pattern.
        return {
            name: (
                view.get_column(name).dtype,
                _profile_chunk(view.get_column(name).alias("v"), self.max_values),
            )
            for name in view.columns
        }

    def absorb(
        self, partial: Mapping[str, tuple[pl.DataType, dict[str, Any]]], store: ResultStore | None
    ) -> None:
        """Merge one chunk's statistics (profiles keep nothing in the store)."""
        for name, (dtype, stats) in partial.items():
            profile = self._profiles.setdefault(name, _Profile(dtype=dtype))
            _merge_profile(profile, stats, self.max_values)

    def schema_yaml(self, *, table: str, source: str, nulls: int) -> str:
        """The inferred schema as pandera YAML under a header; `source` is the redacted URL."""
        import pandera.polars as pa

        key_names = [p.left.name for p in self.plan.key]
        schema_columns = {}
        for name, _, pair in view_columns(self.plan, "left"):
            profile = self._profiles.get(name)
            dtype = profile.dtype if profile else view_frame_dtype(self.plan, name)
            checks = _inferred_checks(profile, dtype) if profile else []
            is_key = name in key_names
            # pandera reads a "^...$" column name as a regex: the regex of this name alone.
            written = exact_pattern(name) if is_pattern_name(name) and name != "*" else name
            schema_columns[written] = pa.Column(
                dtype,
                checks=checks or None,
                nullable=(not is_key) and bool(profile and profile.nulls),
                unique=is_key and len(key_names) == 1,
                description=f"{pair.left.native_type}; normalized by {pair.choice.label()}",
            )
        schema = pa.DataFrameSchema(
            schema_columns,
            unique=key_names if len(key_names) > 1 else None,
            name=table,
            description=f"inferred by dbdiff from {source} ({table}); edit before use",
        )
        header = (
            f"# pandera schema for {table}, inferred by dbdiff infer-schema from {source}.\n"
            "# Ranges and value sets are what the data held: edit them into the rules the data must obey.\n"
        )
        if nulls:
            header += f"# {nulls} row(s) have a NULL key; they are left out of every profile.\n"
        return header + _schema_yaml(schema)


@dataclass
class _Profile:
    """What one column held across all chunks."""

    dtype: pl.DataType
    nulls: int = 0
    count: int = 0
    minimum: Any = None
    maximum: Any = None
    values: set[Any] | None = field(default_factory=set)
    unbounded: bool = False  # NaN or an infinity seen: no range holds every value


def _orderable(dtype: pl.DataType) -> bool:
    return (
        dtype.is_numeric()
        or isinstance(dtype, (pl.Decimal, pl.Datetime, pl.Duration))
        or dtype in (pl.Date, pl.Time)
    )


def _schema_yaml(schema: DataFrameSchema) -> str:
    """pandera's YAML for `schema`, written as UTF-8 text: `Zürich`, not `"Z\\xFCrich"`."""
    import yaml
    from pandera.io.polars_io import serialize_schema

    return str(yaml.safe_dump(serialize_schema(schema), sort_keys=False, allow_unicode=True))


def _profile_chunk(series: pl.Series, max_values: int) -> dict[str, Any]:
    values = series.drop_nulls()
    stats: dict[str, Any] = {"nulls": series.null_count(), "count": values.len()}
    if values.is_empty():
        return stats
    if series.dtype.is_float():
        # pandera treats NaN as NULL (a NOT NULL column fails on it), and no in_range holds NaN
        # or an infinity: count NaN as NULL and leave the range out.
        nans = int(values.is_nan().sum())
        stats["nulls"] += nans
        stats["count"] -= nans
        finite = values.filter(values.is_finite())
        stats["unbounded"] = finite.len() < values.len()
        values = finite
    if _orderable(series.dtype) and not values.is_empty():
        stats["min"], stats["max"] = values.min(), values.max()
    if series.dtype == pl.String:
        distinct = values.unique()
        stats["values"] = set(distinct.to_list()) if distinct.len() <= max_values else None
    return stats


def _merge_profile(profile: _Profile, stats: Mapping[str, Any], max_values: int) -> None:
    profile.nulls += stats["nulls"]
    profile.count += stats["count"]
    profile.unbounded = profile.unbounded or bool(stats.get("unbounded"))
    for key, pick in (("min", min), ("max", max)):
        if stats.get(key) is not None:
            current = profile.minimum if key == "min" else profile.maximum
            chosen = stats[key] if current is None else pick(current, stats[key])
            if key == "min":
                profile.minimum = chosen
            else:
                profile.maximum = chosen
    if "values" in stats and profile.values is not None:
        if stats["values"] is None:
            profile.values = None
        else:
            profile.values |= stats["values"]
            if len(profile.values) > max_values:
                profile.values = None


def _inferred_checks(profile: _Profile, dtype: pl.DataType) -> list[Any]:
    import pandera.polars as pa

    checks = []
    if profile.values:
        checks.append(pa.Check.isin(sorted(profile.values)))
    low, high = profile.minimum, profile.maximum
    if profile.unbounded or low is None or high is None or isinstance(dtype, pl.Duration) or dtype == pl.Time:
        return checks  # pandera's YAML writer cannot store durations or times
    if isinstance(low, decimal.Decimal):
        low, high = math.floor(low), math.ceil(high)
    if isinstance(low, dt.datetime):
        # pandera writes datetimes at second precision: widen so the data passes its own schema.
        low = low.replace(microsecond=0)
        if high.microsecond:
            if high.replace(tzinfo=None) >= dt.datetime.max.replace(microsecond=0):
                # 9999-12-31 23:59:59.5: no later second to widen to, so no upper bound.
                checks.append(pa.Check.ge(low))
                return checks
            high = high.replace(microsecond=0) + dt.timedelta(seconds=1)
    checks.append(pa.Check.in_range(low, high))
    return checks
