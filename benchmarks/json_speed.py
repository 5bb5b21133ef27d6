"""How fast does the `json` normalizer canonicalize documents: the old per-document reference
(`canonical_json`, the json module with exact number hooks) against the msgspec batch path?

Builds N realistic documents ({"sku": "SKU-01234", "qty": 3, "tags": ["red", "blue"]} with varied
values, half in MariaDB's spacing and key order, half in jsonb's, 10% with a price), checks that
both paths give the same texts, and prints documents per second of each, the best of --runs.
Single core: polars is held to one thread. `--old FILE` times another `jsontext.py` (say, a
checkout from before the msgspec path) as the per-document canonicalizer instead.

    python benchmarks/json_speed.py --docs 1000000 [--old /path/to/old/dbdiff/jsontext.py]

`--pairs` times what a diff does with a JSON column of paired rows instead: each document in
MariaDB's compact form against the same document in jsonb's form, compared by canonical texts of
both (`canonical_json_series` of each side, as diffs did before) and by decoded values (the json
rule's `known_equal`, `known_equal_json`), after checking that both say every pair is equal.

    python benchmarks/json_speed.py --docs 1000000 --pairs
"""

from __future__ import annotations

import os

os.environ.setdefault("POLARS_MAX_THREADS", "1")

import argparse
import importlib.util
import json
import random
import time
from collections.abc import Callable

import polars as pl

from dbdiff.jsontext import canonical_json, canonical_json_series, known_equal_json

TAGS = ["red", "blue", "green", "xl", "sale", "new", "outlet"]


def documents(n: int, seed: int = 13, spelling: str | None = None) -> list[str]:
    """N documents, half spelled as MariaDB, half as jsonb; all as `spelling` ("mariadb" or "jsonb")."""
    rnd = random.Random(seed)
    docs = []
    for i in range(n):
        doc: dict[str, object] = {
            "sku": f"SKU-{rnd.randrange(100_000):05d}",
            "qty": rnd.randrange(1, 500),
            "tags": rnd.sample(TAGS, rnd.randrange(0, 4)),
        }
        price = f"{rnd.randrange(1, 100_000) / 100:.2f}" if rnd.random() < 0.1 else None
        if (spelling or ("mariadb" if i % 2 else "jsonb")) == "mariadb":  # keys as inserted
            # (compact, as MariaDB keeps what was inserted, when all are so spelled)
            text = json.dumps(doc, separators=(",", ":") if spelling else None)
            if price:
                text = text[:-1] + (f',"price":{price}}}' if spelling else f', "price": {price}}}')
        else:  # jsonb: shorter keys first, then by bytes
            if price:
                doc["price"] = None
            ordered = dict(sorted(doc.items(), key=lambda kv: (len(kv[0]), kv[0])))
            text = json.dumps(ordered)
            if price:
                text = text.replace('"price": null', f'"price": {price}')
        docs.append(text)
    return docs


def best(run: Callable[[], object], runs: int) -> tuple[float, float]:
    """The shortest wall-clock and the shortest CPU seconds of `runs` runs (on a shared machine the
    CPU time is the fairer measure: it leaves out the time other processes had the core)."""
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        run()
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    return min(walls), min(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--docs", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--old", help="a jsontext.py whose canonical_json to time per document")
    parser.add_argument(
        "--batch",
        type=int,
        default=100_000,
        help="documents per canonical_json_series call: dbdiff's default chunk (100,000 rows) "
        "hands it one chunk's column at a time",
    )
    parser.add_argument("--pairs", action="store_true", help="time the comparison of paired documents")
    args = parser.parse_args()
    if args.pairs:
        pairs(args)
        return
    per_document = canonical_json
    if args.old:
        spec = importlib.util.spec_from_file_location("old_jsontext", args.old)
        assert spec and spec.loader
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        per_document = module.canonical_json
    docs = documents(args.docs)
    series = pl.Series("doc", docs)
    new = canonical_json_series(series).to_list()
    if not args.old:
        assert new == [canonical_json(d) for d in docs], "the two paths disagree"
    seconds_old = best(lambda: [per_document(d) for d in docs], args.runs)
    batches = [series.slice(i, args.batch) for i in range(0, len(series), args.batch)]
    seconds_new = best(lambda: [canonical_json_series(b) for b in batches], args.runs)
    print(f"documents: {len(docs):,} in batches of {args.batch:,} (e.g. {docs[0]} / {docs[1]})")
    label = args.old or "json + hooks, per document"
    for name, (wall, cpu) in ((f"old ({label})", seconds_old), ("new (msgspec batch)", seconds_new)):
        print(f"{name}: {len(docs) / wall:,.0f} docs/s wall clock, {len(docs) / cpu:,.0f} docs/s CPU")


def canonical_texts_equal(left: pl.Series, right: pl.Series) -> pl.Series:
    """Paired documents compared by both sides' canonical texts (NULL equals NULL)."""
    return canonical_json_series(left).eq_missing(canonical_json_series(right))


def pairs(args: argparse.Namespace) -> None:
    """Paired documents compared by canonical texts and by decoded values, per chunk-sized batch."""
    left = pl.Series("l", documents(args.docs, spelling="mariadb"))
    right = pl.Series("r", documents(args.docs, spelling="jsonb"))
    starts = range(0, args.docs, args.batch)
    batches = [(left.slice(i, args.batch), right.slice(i, args.batch)) for i in starts]
    for compare in (canonical_texts_equal, known_equal_json):
        assert all(bool(compare(a, b).all()) for a, b in batches), f"{compare.__name__}: a pair differs"
    print(f"pairs: {args.docs:,} in batches of {args.batch:,} (e.g. {left[1]} / {right[1]})")
    for compare in (canonical_texts_equal, known_equal_json):
        wall, cpu = best(lambda c=compare: [c(a, b) for a, b in batches], args.runs)  # type: ignore[misc]
        rates = f"{args.docs / wall:,.0f} pairs/s wall clock, {args.docs / cpu:,.0f} pairs/s CPU"
        print(f"{compare.__name__}: {rates} ({2 * args.docs / cpu:,.0f} documents/s)")


if __name__ == "__main__":
    main()
