"""Parquet and CSV sources: a file, a glob, or a directory of files, read by an in-memory DuckDB.

A file holds one table, so the table name the user gives (`--table`) is not used to find the data:
any name reads the file, and the name only appears in the schema and in messages. Files carry no
primary key: pass `--key`.

Parquet is read in place for every chunk (DuckDB skips row groups outside the key range). A CSV is
parsed once, with DuckDB's type detection, into an in-memory table that every chunk then reads.
CSV options come from keyword arguments or from the URL's query string (`data.csv?header=false`):
`header` (true/false; detected when not given), `delimiter` (one character; detected when not
given) and `all_varchar` (true reads every column as text, which keeps leading zeros).
"""

from __future__ import annotations

import glob
import os
import re
from typing import Any, ClassVar
from urllib.parse import parse_qsl

import duckdb

from dbdiff.dialects import register_dialect
from dbdiff.errors import ExtractionError, URLError
from dbdiff.sources.base import register_source
from dbdiff.sources.duckdb import DuckDBBackedSource, DuckDBDialect, Relation, quote_string
from dbdiff.sources.urls import SourceURL, parse_url

__all__ = ["CSVSource", "FileSource", "ParquetSource"]

_INTERNAL = "dbdiff_file"
# DuckDB reads the files, so their SQL is DuckDB's, under their own names.
register_dialect(DuckDBDialect("parquet"))
register_dialect(DuckDBDialect("csv"))
_GLOB_CHARS = frozenset("*?[")
_QUERY = re.compile(r"[A-Za-z_]+=[^&=]*(?:&[A-Za-z_]+=[^&=]*)*")


class FileSource(DuckDBBackedSource):
    """What Parquet and CSV sources share: locating the files and standing for "the" table."""

    kind: ClassVar[str]
    suffixes: ClassVar[tuple[str, ...]]

    def __init__(self, url: SourceURL | str, options: dict[str, str] | None = None) -> None:
        parsed = parse_url(url) if isinstance(url, str) else url
        path, from_query = _split_query(os.path.expanduser(parsed.path or ""))
        self.options = {**dict(parsed.params), **from_query, **(options or {})}
        self.pattern = self._locate(path)
        create = self._create_sql()
        con = duckdb.connect()
        try:
            con.execute(create)
        except duckdb.Error as exc:
            con.close()
            message = str(exc).strip().splitlines()[0]
            raise ExtractionError(f"cannot read {self.kind} {path!r}: {message}") from exc
        super().__init__(parsed, con)
        self._relation = Relation(_INTERNAL, "memory", "main", _INTERNAL, _INTERNAL)

    def _create_sql(self) -> str:
        raise NotImplementedError

    def _locate(self, path: str) -> str:
        """The file, glob or directory glob DuckDB reads; `URLError` when it names no file."""
        if not path:
            raise URLError(f"{self.kind} source needs a file path")
        if _GLOB_CHARS & set(path):
            if not glob.glob(path, recursive=True):
                raise URLError(f"no {self.kind} file matches {path!r}")
            return path
        if os.path.isdir(path):
            for suffix in self.suffixes:
                if glob.glob(os.path.join(glob.escape(path), f"*{suffix}")):
                    return os.path.join(path, f"*{suffix}")
            for suffix in self.suffixes:  # partitioned layouts: dir/year=2024/part-0.parquet
                if glob.glob(os.path.join(glob.escape(path), "**", f"*{suffix}"), recursive=True):
                    return os.path.join(path, "**", f"*{suffix}")
            raise URLError(f"directory {path!r} holds no {self.kind} files")
        if not os.path.exists(path):
            raise URLError(
                f"{self.kind} file not found: {path!r}", hint=f"relative paths are taken from {os.getcwd()!r}"
            )
        return path

    def server_version(self) -> str:
        return f"{self.kind} (duckdb {duckdb.__version__})"

    def _list_relations(self) -> list[Relation]:
        return [self._relation]

    def list_tables(self) -> list[str]:
        """The file's one table, named after the file (or its directory): `orders.parquet` is orders."""
        path = self.pattern
        while _GLOB_CHARS & set(os.path.basename(path)) or os.path.basename(path) == "**":
            path = os.path.dirname(path)
        name = os.path.basename(path.rstrip(os.sep)) or "data"
        return [name if os.path.isdir(path) else os.path.splitext(name)[0]]

    def resolve(self, table: str) -> Relation:
        """Every table name reads the file (the name is only a label)."""
        return self._relation

    def _primary_key(self, relation: Relation, columns: Any) -> tuple[str, ...]:
        return ()


@register_source("parquet")
class ParquetSource(FileSource):
    """A Parquet file, a glob of them, or a directory of them (columns matched by name across files)."""

    dialect = "parquet"
    kind = "parquet"
    suffixes = (".parquet", ".pq")

    def __init__(self, url: SourceURL | str) -> None:
        super().__init__(url)

    def _create_sql(self) -> str:
        if self.options:
            raise URLError(f"parquet sources take no options, got {sorted(self.options)}")
        return (
            f"CREATE VIEW {_INTERNAL} AS SELECT * FROM "
            f"read_parquet({quote_string(self.pattern)}, union_by_name = true)"
        )


_TRUE = {"true": True, "1": True, "yes": True, "false": False, "0": False, "no": False}


@register_source("csv")
class CSVSource(FileSource):
    """A CSV file (or a glob or directory of them), parsed once into memory with type detection."""

    dialect = "csv"
    kind = "csv"
    suffixes = (".csv", ".tsv")

    def __init__(
        self,
        url: SourceURL | str,
        *,
        header: bool | None = None,
        delimiter: str | None = None,
        all_varchar: bool | None = None,
    ) -> None:
        given = {"header": header, "delimiter": delimiter, "all_varchar": all_varchar}
        super().__init__(
            url, {k: str(v).lower() if isinstance(v, bool) else v for k, v in given.items() if v is not None}
        )

    def _create_sql(self) -> str:
        args = [quote_string(self.pattern), "auto_detect = true"]
        options = dict(self.options)
        for name in ("header", "all_varchar"):
            if name in options:
                text = options.pop(name).lower()
                if text not in _TRUE:
                    raise URLError(f"CSV option {name} must be true or false, not {text!r}")
                args.append(f"{name} = {str(_TRUE[text]).lower()}")
        if "all_varchar" not in self.options:
            args.append("all_varchar = false")
        if _GLOB_CHARS & set(self.pattern):
            args.append("union_by_name = true")
        delimiter = options.pop("delimiter", None) or options.pop("delim", None) or options.pop("sep", None)
        if delimiter is not None:
            if len(delimiter) != 1:
                raise URLError(f"CSV delimiter must be one character, not {delimiter!r}")
            args.append(f"delim = {quote_string(delimiter)}")
        if options:
            raise URLError(
                f"unknown CSV option {sorted(options)[0]!r}",
                hint="CSV options: header, delimiter, all_varchar",
            )
        return f"CREATE TABLE {_INTERNAL} AS SELECT * FROM read_csv({', '.join(args)})"


def _split_query(path: str) -> tuple[str, dict[str, str]]:
    # parse_url keeps a file URL's '?query' in the path. A '?' is also a glob wildcard, so only a
    # trailing 'name=value&...' that names no existing file is taken as options.
    base, sep, query = path.rpartition("?")
    if not sep or os.path.exists(path) or not _QUERY.fullmatch(query):
        return path, {}
    return base, dict(parse_qsl(query, keep_blank_values=True))
