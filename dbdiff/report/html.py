"""The self-contained HTML report (the notebook card lives in `card.py` and is re-exported here).

The page is one file that works offline: CSS and a small vanilla script are inlined, nothing is
fetched, and a Content-Security-Policy pins the inline style and script to their hashes, so even
a value that slipped past escaping could not run. Every value from the result reaches the page
through jinja2's autoescaping; the only unescaped inserts are this package's own asset files and
the summary JSON, which goes through `tojson` (it escapes `<`, `>`, `&` and `'`).

The page reads fine with JavaScript disabled (Jenkins and other artifact viewers block inline
scripts): the script only adds sorting, filtering and expand/collapse controls. All layout is
built as plain view objects, so the templates hold no logic beyond loops: this module assembles
the page, `html_sections` a pair's sections, `html_cells` the cells, `html_values` each value.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

from dbdiff.report.card import render_card_html
from dbdiff.report.formatting import (
    STATUS_LABELS,
    VALIDATION_LABELS,
    check_counts,
    check_headline,
    is_validation_run,
    pairs_phrase,
    table_headline,
    totals,
    validation_failure_count,
    validation_headline,
)
from dbdiff.report.html_cells import (
    BarPart,
    Cell,
    PairView,
    Stat,
    Table,
    count_cell,
    data_table,
    head_cells,
    text_cell,
)
from dbdiff.report.html_recheck import recheck_box, transient_cell
from dbdiff.report.html_run import (
    differences_section,
    is_run_page,
    overview_status_cell,
    overview_verdict_cells,
    pair_run_view,
    run_trend,
    verdict_view,
)
from dbdiff.report.html_sections import (
    EXAMPLES_LIMIT,
    changed_section,
    checks_section,
    duplicates_section,
    null_keys_section,
    rows_section,
    validation_section,
    warnings_section,
)
from dbdiff.report.html_values import VALUE_LIMIT
from dbdiff.report.recheck_views import any_recheck, any_transient, recheck_of
from dbdiff.report.redaction import option_rows, safe_text
from dbdiff.report.run_views import history_of, ordered, verdict_label
from dbdiff.report.templating import asset, csp_hash, environment, trusted_asset
from dbdiff.report.views import column_rows, pair_name, table_warnings
from dbdiff.report.words import fmt_count, fmt_duration, fmt_percent, fmt_timings

if TYPE_CHECKING:
    from dbdiff.result import DiffResult, TableResult

# `report/__init__.py` imports the notebook card from here, beside the page.
__all__ = ["render_card_html", "render_html"]


# --- public API ---


def render_html(result: DiffResult, *, sample_cap: int = 100) -> str:
    """The full self-contained report page: offline, escaped, deterministic for a given result."""
    if sample_cap < 0:
        raise ValueError("sample_cap must be >= 0")
    # The warning styles ship only in pages that show warnings: every other page stays the same.
    warned = any(table_warnings(t) for t in result.tables)
    styles = (
        "report.css",
        *(["warnings.css"] if warned else []),
        *(["run.css"] if is_run_page(result) else []),
        *(["recheck.css"] if any_recheck(result.tables) else []),
    )
    csp = "; ".join(
        (
            "default-src 'none'",
            f"style-src {csp_hash(''.join(asset(name) for name in styles))}",
            f"script-src {csp_hash(asset('report.js'))}",
            "base-uri 'none'",
            "form-action 'none'",
        )
    )
    if is_validation_run(result):
        return _render_validation(result, csp, styles, sample_cap)
    anchors = {pair_name(t): f"pair-{i}" for i, t in enumerate(result.tables, 1)}
    history = history_of(result)
    context = {
        **_page_context(result, csp, styles, sample_cap),
        "eyebrow": "dbdiff reconciliation report",
        "single_source": False,
        "title": _title(result),
        # A judged run's answer is its verdict; the status stays beside it, in the verdict box.
        "status_label": verdict_label(result.verdict) or STATUS_LABELS.get(result.status, result.status),
        "headline": pairs_phrase(result),
        "banner": _banner_stats(result),
        "verdict": verdict_view(result, anchors),
        "run_trend": run_trend(result),
        "overview": _overview_table(result) if len(result.tables) > 1 else None,
        "pairs": [_pair_view(t, i, sample_cap, history) for i, t in ordered(result)],
        "summary": _summary_payload(result, sample_cap),
    }
    return environment().get_template("report.html.j2").render(context)


def _page_context(result: DiffResult, csp: str, styles: Sequence[str], sample_cap: int) -> dict[str, Any]:
    """What every page shows whatever the run: assets, sources, run details and limits."""
    return {
        "examples_limit": fmt_count(EXAMPLES_LIMIT),
        "csp": csp,
        # Our own package files, never data: inserted verbatim so their CSP hashes match.
        "css": trusted_asset(*styles),
        "js": trusted_asset("report.js"),
        "status": result.status,
        "left": _source_view(result.left),
        "right": _source_view(result.right),
        "meta": _meta(result),
        "version": result.dbdiff_version or "unknown",
        "started_at": result.started_at or "unknown",
        "duration": fmt_duration(result.duration_s),
        "timings": fmt_timings(result.timings),
        "options": _options_table(result.options),
        "sample_cap": fmt_count(sample_cap),
        "sample_limit": _sample_limit(result.options),
        "value_limit": fmt_count(VALUE_LIMIT),
        "verdict": None,  # a check-file run's, set by `render_html`
        "run_trend": None,
    }


# --- the page ---


def _title(result: DiffResult) -> str:
    names = [pair_name(t) for t in result.tables]
    what = names[0] if len(names) == 1 else f"{fmt_count(len(names))} table pairs"
    status = STATUS_LABELS.get(result.status, result.status)
    if result.verdict is not None:
        status = f"{verdict_label(result.verdict)} ({status.lower()})"
    return f"dbdiff: {status} · {what}"


def _banner_stats(result: DiffResult) -> list[Stat]:
    t = totals(result)
    stats = [
        Stat("Table pairs", fmt_count(t.tables)),
        Stat("Rows left", fmt_count(t.rows_left)),
        Stat("Rows right", fmt_count(t.rows_right)),
        Stat("Matched", fmt_count(t.matched)),
    ]
    for label, n, always in (
        ("Changed", t.changed, True),
        ("Only in left", t.only_left, True),
        ("Only in right", t.only_right, True),
        ("Duplicate keys", t.duplicate_keys, False),
        ("NULL keys", t.null_keys, False),
        ("Schema differences", t.schema_differences, False),
        ("Tables on one side only", t.one_side, False),
        ("Failed checks", t.validation_failures, False),
        ("Errors", t.errors, False),
    ):
        if always or n:
            stats.append(Stat(label, fmt_count(n), "bad" if n else ""))
    if t.warnings:
        stats.append(Stat("Warnings", fmt_count(t.warnings), "warn"))
    for label, n in (("Transient", t.transient), ("Vanished", t.vanished)):
        if n:  # differences rechecks took out of the counts: noise, not drift
            stats.append(Stat(label, fmt_count(n), "warn"))
    return stats


def _source_view(source: Any) -> dict[str, str]:
    return {
        "url": safe_text(source.url),
        "dialect": safe_text(source.dialect),
        "server_version": safe_text(source.server_version),
    }


def _overview_table(result: DiffResult) -> Table:
    warned = any(table_warnings(t) for t in result.tables)  # the column only when there are any
    transient = any_transient(result.tables)  # differences that agreed at a recheck, likewise
    # A judged run: a Verdict column after the name, the first breach last, the worst tables first.
    judged = result.verdict is not None or any(t.verdict is not None for t in result.tables)
    labels = ["Table pair", *(["Verdict"] if judged else []), "Status", "Matched", "Changed", "Only in left"]
    labels += [
        "Only in right",
        "Duplicate keys",
        "NULL keys",
        "Failed checks",
        *(["Warnings"] if warned else []),
        *(["Transient"] if transient else []),
    ]
    head = head_cells(*labels, *(["Breaches"] if judged else []), num=range(3 if judged else 2, len(labels)))
    body = []
    for i, t in ordered(result):
        s = t.summary
        n = len(table_warnings(t))
        warnings = [text_cell(fmt_count(n), "num" + (" wn" if n else ""), sort=str(n))] if warned else []
        verdict, breach = overview_verdict_cells(t) if judged else (None, None)
        body.append(
            (
                text_cell(pair_name(t), href=f"#pair-{i}"),
                *([verdict] if verdict is not None else []),
                overview_status_cell(t)
                if t.only_on
                else text_cell(STATUS_LABELS.get(t.status, t.status), f"status s-{t.status}", sort=t.status),
                count_cell(s.matched),
                count_cell(s.changed, emphasize=True),
                count_cell(s.only_left, emphasize=True),
                count_cell(s.only_right, emphasize=True),
                count_cell(s.duplicate_keys_left + s.duplicate_keys_right, emphasize=True),
                count_cell(s.null_keys_left + s.null_keys_right, emphasize=True),
                count_cell(validation_failure_count(t), emphasize=True),
                *warnings,
                *([transient_cell(t)] if transient else []),
                *([breach] if breach is not None else []),
            )
        )
    return data_table("Table pairs", [head], body)


def _pair_view(
    t: TableResult, index: int, sample_cap: int, history: Sequence[Mapping[str, Any]] = ()
) -> PairView:
    s = t.summary
    stats = (
        Stat("Rows left", fmt_count(s.rows_left)),
        Stat("Rows right", fmt_count(s.rows_right)),
        Stat("Matched", fmt_count(s.matched)),
        Stat("Changed", fmt_count(s.changed), "bad" if s.changed else ""),
        Stat("Only in left", fmt_count(s.only_left), "bad" if s.only_left else ""),
        Stat("Only in right", fmt_count(s.only_right), "bad" if s.only_right else ""),
        Stat(
            "Dup. keys (L / R)",
            f"{fmt_count(s.duplicate_keys_left)} / {fmt_count(s.duplicate_keys_right)}",
            "bad" if s.duplicate_keys_left or s.duplicate_keys_right else "",
        ),
        Stat(
            "NULL keys (L / R)",
            f"{fmt_count(s.null_keys_left)} / {fmt_count(s.null_keys_right)}",
            "bad" if s.null_keys_left or s.null_keys_right else "",
        ),
    )
    sections = [
        section
        for section in (
            differences_section(t),
            changed_section(t, sample_cap),
            rows_section(t, "only_left", sample_cap),
            rows_section(t, "only_right", sample_cap),
            duplicates_section(t, sample_cap),
            null_keys_section(t, sample_cap),
            validation_section(t),
            warnings_section(t),
        )
        if section is not None
    ]
    return PairView(
        anchor=f"pair-{index}",
        name=pair_name(t),
        status=t.status,
        status_label=f"Only in {t.only_on}" if t.only_on else STATUS_LABELS.get(t.status, t.status),
        key=", ".join(t.key),
        error=safe_text(t.error) if t.status == "error" or t.error else None,
        headline=table_headline(t),
        # A table on one side only has no pair to count: its note says which side has it.
        stats=stats if not t.only_on and (t.status != "error" or s.rows_left or s.rows_right) else (),
        bar=_reconciliation_bar(t),
        only_left_columns=tuple(t.schema.only_left),
        only_right_columns=tuple(t.schema.only_right),
        columns=_columns_table(t),
        sections=tuple(sections),
        run_stats=_run_stats(t.stats),
        open=t.status != "identical" or bool(table_warnings(t)),
        run=pair_run_view(t, history) if t.verdict is not None or t.only_on or t.window or history else None,
        recheck=recheck_box(t, sample_cap),
    )


def _run_stats(stats: Mapping[str, Any]) -> str:
    """The engine's per-pair numbers (chunks, seconds...), as one line in the result's key order."""
    parts = []
    for name, value in stats.items():
        if isinstance(value, bool) or not isinstance(value, (int, float, str)):
            continue
        shown = (
            fmt_count(value) if isinstance(value, int) else repr(value) if isinstance(value, float) else value
        )
        parts.append(f"{str(name).replace('_', ' ')}: {shown}")
    return " · ".join(parts)


def _reconciliation_bar(t: TableResult) -> tuple[BarPart, ...]:
    """Where every key went: matched and equal, changed, only in left, only in right."""
    s = t.summary
    parts = [
        ("same", "Matched, equal", max(s.matched - s.changed, 0)),
        ("changed", "Changed", s.changed),
        ("left", "Only in left", s.only_left),
        ("right", "Only in right", s.only_right),
    ]
    whole = sum(n for _, _, n in parts)
    if whole <= 0:
        return ()
    # Non-empty parts stay visible however small, the rest share what is left.
    raw = [(100.0 * n / whole if n else 0.0) for _, _, n in parts]
    widths = [max(w, 0.6) if w else 0.0 for w in raw]
    scale = 100.0 / sum(widths)
    bar = []
    x = 0.0
    for (kind, label, n), width in zip(parts, widths, strict=True):
        if not n:
            continue
        w = width * scale
        bar.append(BarPart(kind, label, f"{fmt_count(n)} ({fmt_percent(n, whole)})", f"{x:.3f}", f"{w:.3f}"))
        x += w
    return tuple(bar)


def _columns_table(t: TableResult) -> Table | None:
    rows = column_rows(t)
    if not rows:
        return None
    key = set(t.key)
    head = head_cells(
        "Column", "Left type", "Right type", "Rule", "Mismatches", "Share of matched rows", num=(4,)
    )
    body = []
    for row in rows:
        name = row.name if row.right_name is None else f"{row.name} → {row.right_name}"
        share = 100.0 * row.mismatches / t.summary.matched if t.summary.matched else 0.0
        bar = f"{max(share, 1.0):.3f}" if row.mismatches else "0"
        body.append(
            (
                Cell(
                    lines=((("", name), ("tag", " key")),) if row.name in key else ((("", name),),),
                    cls="name",
                    sort=row.name,
                ),
                text_cell(row.left_type, "type"),
                text_cell(row.right_type, "type"),
                text_cell(row.rule, "rule"),
                count_cell(row.mismatches, emphasize=True),
                Cell(
                    lines=((("", fmt_percent(row.mismatches, t.summary.matched)),),),
                    cls="share",
                    sort=f"{share:.6f}",
                    bar=bar,
                ),
            )
        )
    return data_table("Columns", [head], body)


def _sample_limit(options: Mapping[str, Any]) -> str:
    limit = options.get("sample_limit")
    return fmt_count(limit) if isinstance(limit, int) and not isinstance(limit, bool) else ""


def _meta(result: DiffResult) -> list[Stat]:
    return [
        Stat("Started at", result.started_at or "unknown"),
        Stat("Duration", fmt_duration(result.duration_s)),
        Stat("dbdiff version", result.dbdiff_version or "unknown"),
        Stat("Result schema version", str(result.schema_version)),
    ]


def _options_table(options: Mapping[str, Any]) -> Table | None:
    rows = option_rows(options)
    if not rows:
        return None
    head = head_cells("Option", "Value")
    body = [(text_cell(name, "name"), text_cell(value, "val")) for name, value in rows]
    return data_table("Options", [head], body)


def _summary_payload(result: DiffResult, sample_cap: int) -> dict[str, Any]:
    """The counts as machine-readable JSON for tools that scrape reports (no sample values)."""
    return {
        "schema_version": result.schema_version,
        "dbdiff_version": result.dbdiff_version,
        "started_at": result.started_at,
        "duration_s": round(result.duration_s, 3),
        "status": result.status,
        "left": _source_view(result.left),
        "right": _source_view(result.right),
        "report": {"sample_cap": sample_cap, "value_limit": VALUE_LIMIT},
        "tables": [
            {
                "left_table": t.left_table,
                "right_table": t.right_table,
                "key": list(t.key),
                "status": t.status,
                "error": safe_text(t.error) if t.error else None,
                "summary": t.summary.to_dict(),
                "schema": {"only_left": list(t.schema.only_left), "only_right": list(t.schema.only_right)},
                "columns": [c.to_dict() for c in t.columns],
                "validation_failures": validation_failure_count(t),
                # only when there are any, as in the JSON result: older pages stay byte-identical
                **({"warnings": len(table_warnings(t))} if table_warnings(t) else {}),
                **_run_payload(t),
                **({"recheck": _recheck_payload(t)} if t.recheck is not None else {}),
            }
            for t in result.tables
        ],
        **(result.verdict.to_dict() if result.verdict is not None else {}),
    }


def _run_payload(t: TableResult) -> dict[str, Any]:
    """A judged table's verdict, side, catalog differences and window (only those it has)."""
    data: dict[str, Any] = {}
    if t.verdict is not None:
        data.update(t.verdict.to_dict())
    if t.only_on:
        data["only_on"] = t.only_on
    if t.schema.differences:
        data["catalog_differences"] = len(t.schema.differences)
    if isinstance(t.window, Mapping):
        data["window"] = {
            str(k): safe_text(v) if isinstance(v, str) else v
            for k, v in t.window.items()
            if isinstance(v, (int, str)) or v is None
        }
    return data


def _recheck_payload(t: TableResult) -> dict[str, Any]:
    """The recheck counts (rounds, delay, per state and kind), without the samples' keys."""
    view = recheck_of(t)
    if view is None:
        return {}
    return {
        "rounds": view.rounds,
        "delay_s": view.delay_s,
        "keys": view.keys,
        **{state: dict(view.counts.get(state, {})) for state in ("persistent", "transient", "vanished")},
    }


# --- a validation run (`dbdiff validate`): one source and its checks, no diff words ---


def _render_validation(result: DiffResult, csp: str, styles: Sequence[str], sample_cap: int) -> str:
    t = totals(result)
    counts = [check_counts(table) for table in result.tables if table.status != "error"]
    failed = sum(c.failed for c in counts)
    banner = [
        Stat("Tables", fmt_count(t.tables)),
        Stat("Rows checked", fmt_count(sum(c.rows for c in counts))),
        Stat("Checks run", fmt_count(sum(c.run for c in counts))),
        Stat("Checks failed", fmt_count(failed), "bad" if failed else ""),
    ]
    if t.errors:
        banner.append(Stat("Errors", fmt_count(t.errors), "bad"))
    if t.warnings:
        banner.append(Stat("Warnings", fmt_count(t.warnings), "warn"))
    names = [table.left_table for table in result.tables]
    what = names[0] if len(names) == 1 else f"{fmt_count(len(names))} tables"
    label = VALIDATION_LABELS.get(result.status, result.status)
    context = {
        **_page_context(result, csp, styles, sample_cap),
        "eyebrow": "dbdiff validation report",
        "single_source": True,
        "title": f"dbdiff validate: {label} · {what}",
        "status_label": label,
        "headline": validation_headline(result),
        "banner": banner,
        "overview": None,
        "pairs": [_checked_view(table, i) for i, table in enumerate(result.tables, 1)],
        "summary": _validation_payload(result),
    }
    return environment().get_template("report.html.j2").render(context)


def _checked_view(t: TableResult, index: int) -> PairView:
    c = check_counts(t)
    s = t.summary
    stats = (
        Stat("Rows checked", fmt_count(c.rows)),
        Stat("Checks run", fmt_count(c.run)),
        Stat("Checks failed", fmt_count(c.failed), "bad" if c.failed else ""),
        Stat("NULL keys", fmt_count(s.null_keys_left), "bad" if s.null_keys_left else ""),
        Stat("Duplicate keys", fmt_count(s.duplicate_keys_left), "bad" if s.duplicate_keys_left else ""),
    )
    sections = [sec for sec in (checks_section(t), warnings_section(t)) if sec is not None]
    rows = column_rows(t)
    columns = None
    if rows:
        key = set(t.key)
        body = [
            (
                Cell(
                    lines=((("", r.name), ("tag", " key")),) if r.name in key else ((("", r.name),),),
                    cls="name",
                    sort=r.name,
                ),
                text_cell(r.left_type, "type"),
                text_cell(r.rule, "rule"),
            )
            for r in rows
        ]
        columns = data_table("Columns", [head_cells("Column", "Type", "Rule")], body)
    return PairView(
        anchor=f"pair-{index}",
        name=t.left_table,
        status=t.status,
        status_label=VALIDATION_LABELS.get(t.status, t.status),
        key=", ".join(t.key),
        error=safe_text(t.error) if t.status == "error" or t.error else None,
        headline=check_headline(t),
        stats=stats if t.status != "error" else (),
        bar=(),
        only_left_columns=(),
        only_right_columns=(),
        columns=columns,
        sections=tuple(sections),
        run_stats=_run_stats(t.stats),
        open=True,
    )


def _validation_payload(result: DiffResult) -> dict[str, Any]:
    """The counts as machine-readable JSON for tools that scrape reports (no example values)."""
    tables = []
    for t in result.tables:
        c = check_counts(t)
        tables.append(
            {
                "table": t.left_table,
                "key": list(t.key),
                "status": t.status,
                "error": safe_text(t.error) if t.error else None,
                "rows_checked": c.rows,
                "checks_run": c.run,
                "checks_failed": c.failed,
            }
        )
    return {
        "schema_version": result.schema_version,
        "dbdiff_version": result.dbdiff_version,
        "command": "validate",
        "started_at": result.started_at,
        "duration_s": round(result.duration_s, 3),
        "status": result.status,
        "source": _source_view(result.left),
        "tables": tables,
    }
