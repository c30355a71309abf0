"""HTML pieces of the management report: title, KPI tiles, one section per family.

Everything here is built from ``summary.json`` (and a few small tables) and
the policy file: the report shows the summary's own figures. KPI tiles carry
``data-kpi`` (a dotted path into the summary; ``a.b.*`` means the sum over
``a.b``) and ``data-value`` (the figure as JSON, ``null`` when not
computable), so tests can check the HTML against ``summary.json``.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from importlib import resources
from typing import Any

import polars as pl

from pipelines.report.context import ReportContext, lookup
from pipelines.report.text import (
    fmt_hours,
    fmt_int,
    fmt_number,
    fmt_pct,
    is_missing,
    label,
    t,
    tn,
)

KEPT, NOT_KEPT, NOT_COMPUTABLE, NOT_CHECKED, INFO = (
    "kept",
    "not_kept",
    "not_computable",
    "not_checked",
    "info",
)
_VERDICT_ICON = {
    KEPT: "✔",
    NOT_KEPT: "✖",
    NOT_COMPUTABLE: "–",
    NOT_CHECKED: "–",
    INFO: "i",
}
CATEGORIES = (
    "account",
    "logs",
    "support",
    "marketing",
    "analytics",
    "residual",
    "payments",
)


def _css() -> str:
    return (
        resources.files("pipelines.report")
        .joinpath("templates", "privacy_report", "components.css")
        .read_text(encoding="utf-8")
    )


def summary_value(summary: dict | None, path: str) -> Any:
    """The figure at ``path``; ``a.b.*`` sums the non-null values under ``a.b`` (``None`` if there are none)."""
    if path.endswith(".*"):
        node = lookup(summary, path[:-2])
        if not isinstance(node, dict):
            return None
        values = [
            v
            for v in node.values()
            if isinstance(v, (int, float))
            and not isinstance(v, bool)
            and not is_missing(v)
        ]
        return sum(values) if values else None
    value = lookup(summary, path)
    return None if is_missing(value) else value


# --- title -------------------------------------------------------------------


def title_block(
    ctx: ReportContext, title: str | None = None, intro: str | None = None
) -> str:
    """The page heading (title, period, as-of date, policy, introduction) and the report's styles.

    Leaves the slot where the HTML export puts the table of contents.
    """
    lang = ctx.language
    title = title if title is not None else t(lang, "report_title")
    intro = intro if intro is not None else t(lang, "report_intro")
    sub = t(
        lang,
        "report_subtitle",
        period=ctx.period or t(lang, "na"),
        as_of=ctx.as_of or t(lang, "na"),
        policy=ctx.policy.label,
    )
    notes = "".join(f'<p class="pr-note">{escape(n)}</p>' for n in ctx.notes)
    return (
        f"<style data-pr-style>{_css()}</style>"
        f'<header class="pr-title"><h1>{escape(title)} {escape(ctx.period)}</h1>'
        f'<p class="pr-subtitle">{escape(sub)}</p>'
        + (f'<p class="pr-intro">{escape(intro)}</p>' if intro else "")
        + f"{notes}</header>"
        '<div class="pr-toc-slot"></div>'
    )


# --- KPI tiles ---------------------------------------------------------------


@dataclass(frozen=True)
class Kpi:
    path: str
    label: str
    kind: str = "int"  # int | pct | hours
    better: str | None = "lower"  # lower | higher | None (neither)
    alarm: str | None = (
        "positive"  # positive (any > 0 is bad) | below_one (rate < 1 is bad) | None
    )
    compare: bool = True  # False: the previous quarter's figure describes the same export, not an earlier state


KPIS = (
    Kpi("retention.breaches.account", "kpi_account_breaches"),
    Kpi("retention.breaches.*", "kpi_all_breaches"),
    Kpi("rights.on_time_rate", "kpi_on_time", "pct", "higher", "below_one"),
    Kpi("rights.open_overdue", "kpi_open_overdue"),
    Kpi("inactivity.due_next_30d", "kpi_due_30d", better=None, alarm=None),
    Kpi("support.tickets", "kpi_tickets", better=None, alarm=None),
    Kpi(
        "support.first_response_hours.median",
        "kpi_first_response",
        "hours",
        "lower",
        None,
    ),
    Kpi(
        "data_quality.rows_rejected.*",
        "kpi_rows_rejected",
        alarm="positive",
        compare=False,
    ),
)


def _fmt(kind: str, value, lang: str) -> str:
    if kind == "pct":
        return fmt_pct(value, lang)
    if kind == "hours":
        return fmt_hours(value, lang)
    return fmt_int(value, lang)


def _fmt_delta(kind: str, delta: float, lang: str) -> str:
    sign = "+" if delta > 0 else "−"
    size = abs(delta)
    if kind == "pct":
        unit = " %-punt" if lang == "nl" else " pp"
        return sign + fmt_number(size * 100, lang, 1) + unit
    if kind == "hours":
        return sign + fmt_hours(size, lang)
    return sign + fmt_int(size, lang)


def change_text(
    kpi: Kpi, value, previous_value, previous_period: str | None, lang: str
) -> tuple[str, str]:
    """(text, css modifier) of a figure's change against the previous quarter."""
    if previous_period is None:
        return t(lang, "no_previous"), "none"
    prev_label = previous_period or t(lang, "previous_quarter")
    if is_missing(value) or is_missing(previous_value):
        return t(
            lang,
            "change_vs",
            delta=t(lang, "na"),
            previous=prev_label,
            value=_fmt(kpi.kind, previous_value, lang),
        ), "none"
    delta = value - previous_value
    if abs(delta) < 1e-12:
        return t(lang, "unchanged_vs", previous=prev_label), "same"
    arrow = "▲" if delta > 0 else "▼"
    text = f"{arrow} " + t(
        lang,
        "change_vs",
        delta=_fmt_delta(kpi.kind, delta, lang),
        previous=prev_label,
        value=_fmt(kpi.kind, previous_value, lang),
    )
    if kpi.better is None:
        return text, "neutral"
    better = (delta < 0) if kpi.better == "lower" else (delta > 0)
    return (
        f"{text} · {t(lang, 'better' if better else 'worse')}",
        "better" if better else "worse",
    )


def _status(kpi: Kpi, value) -> str:
    if is_missing(value):
        return "na"
    if kpi.alarm == "positive":
        return "bad" if value > 0 else "good"
    if kpi.alarm == "below_one":
        return "bad" if value < 1 else "good"
    return "neutral"


def _data_value(value) -> str:
    return escape(json.dumps(value), quote=True)


def kpi_tiles(ctx: ReportContext) -> str:
    """The one-screen summary: tiles with their change against the previous quarter, then breaches by category."""
    lang = ctx.language
    prev = ctx.previous
    prev_period = (prev.get("period") or "") if prev else None
    tiles = []
    for kpi in KPIS:
        value = summary_value(ctx.summary, kpi.path)
        prev_value = summary_value(prev, kpi.path) if prev else None
        if kpi.compare:
            change, modifier = change_text(kpi, value, prev_value, prev_period, lang)
        else:
            change, modifier = t(lang, "this_export"), "none"
        tiles.append(
            f'<div class="kpi kpi--{_status(kpi, value)}" data-kpi="{escape(kpi.path)}" data-value="{_data_value(value)}">'
            f'<div class="kpi-label">{escape(t(lang, kpi.label))}</div>'
            f'<div class="kpi-value">{escape(_fmt(kpi.kind, value, lang))}</div>'
            f'<div class="kpi-change kpi-change--{modifier}">{escape(change)}</div></div>'
        )
    chips = []
    for category in CATEGORIES:
        path = f"retention.breaches.{category}"
        value = summary_value(ctx.summary, path)
        if value is None:
            status, shown = (
                "na",
                t(lang, "not_checked")
                if _table_absent(ctx, category)
                else t(lang, "na"),
            )
        else:
            status, shown = ("bad" if value > 0 else "good"), fmt_int(value, lang)
        chips.append(
            f'<li class="kpi-chip kpi-chip--{status}" data-kpi="{path}" data-value="{_data_value(value)}">'
            f'<span class="kpi-chip-label">{escape(label(lang, "cat", category))}</span> '
            f'<span class="kpi-chip-value">{escape(shown)}</span></li>'
        )
    return (
        f'<section class="pr-kpis" aria-label="{escape(t(lang, "sec_summary"))}">'
        f'<div class="kpi-grid">{"".join(tiles)}</div>'
        f'<div class="kpi-strip"><span class="kpi-strip-title">{escape(t(lang, "kpi_all_breaches"))}</span>'
        f"<ul>{''.join(chips)}</ul></div></section>"
    )


def _table_absent(ctx: ReportContext, category: str) -> bool:
    """Whether ``category``'s table was not exported (``retention.absent_tables`` or the breaches table says so)."""
    absent = ctx.get("retention.absent_tables")
    rule = ctx.policy.retention.get(category)
    if isinstance(absent, list) and rule is not None:
        tables = [name.strip() for name in rule.table.split(",")]
        if tables and all(name in absent for name in tables):
            return True
    frame = ctx.table("retention_breaches")
    if (
        frame is None
        or "table_present" not in frame.columns
        or "category" not in frame.columns
    ):
        return False
    rows = frame.filter(pl.col("category") == category)
    return rows.height > 0 and rows.get_column("table_present")[0] is False


# --- sections ----------------------------------------------------------------


def heading(ctx: ReportContext, key: str) -> str:
    return f"<h2>{escape(t(ctx.language, key))}</h2>"


def verdict_html(ctx: ReportContext, verdict: str, sentences: Iterable[str]) -> str:
    text = " ".join(s for s in sentences if s)
    return (
        f'<div class="pr-verdict pr-verdict--{verdict}" data-verdict="{verdict}">'
        f'<span class="pr-badge"><span aria-hidden="true">{_VERDICT_ICON[verdict]}</span> {escape(t(ctx.language, verdict))}</span>'
        f'<span class="pr-verdict-text">{escape(text)}</span></div>'
    )


def clause_html(
    ctx: ReportContext,
    ref: str,
    text: str,
    name: str | None = None,
    *,
    caption: str | None = None,
) -> str:
    """A clause quoted verbatim from the policy file, in the report's language."""
    who = f"{escape(ref)}" + (f" · {escape(name)}" if name else "")
    caption = (
        f"{escape(t(ctx.language, 'policy_says'))} ({who})"
        if caption is None
        else escape(caption)
    )
    return (
        f'<figure class="pr-clause"><figcaption>{caption}</figcaption>'
        f'<blockquote lang="{ctx.language}">“{escape(text)}”</blockquote></figure>'
    )


def how_html(ctx: ReportContext, text: str) -> str:
    return f'<p class="pr-how"><strong>{escape(t(ctx.language, "how_computed"))}.</strong> {escape(text)}</p>'


def table_html(
    headers: list[str],
    rows: list[list[str]],
    *,
    numeric: Iterable[int] = (),
    classes: list[str] | None = None,
) -> str:
    numeric = set(numeric)
    head = "".join(
        f"<th{' class=num' if i in numeric else ''}>{escape(h)}</th>"
        for i, h in enumerate(headers)
    )
    body = []
    for r, row in enumerate(rows):
        cls = f' class="{classes[r]}"' if classes and classes[r] else ""
        cells = "".join(
            f"<td{' class=num' if i in numeric else ''}>{cell}</td>"
            for i, cell in enumerate(row)
        )
        body.append(f"<tr{cls}>{cells}</tr>")
    return f'<table class="pr-table"><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


def _count_verdict(value) -> str:
    if is_missing(value):
        return NOT_COMPUTABLE
    return NOT_KEPT if value > 0 else KEPT


def inactivity_section(ctx: ReportContext) -> str:
    """§1.1: inactive accounts erased within 12 months (kept: none past the deadline, none erased late)."""
    lang, pol = ctx.language, ctx.policy
    breaches = ctx.get("retention.breaches.account")
    late = ctx.get("retention.late_erasures")
    due = ctx.get("inactivity.due_next_30d")
    verdict = _count_verdict(breaches)
    if verdict == KEPT and not is_missing(late) and late > 0:
        verdict = NOT_KEPT
    sentences = []
    if verdict == NOT_COMPUTABLE:
        sentences.append(t(lang, "not_computable") + ".")
    elif breaches:
        sentences.append(tn(lang, "v_inactivity_not", breaches))
    else:
        sentences.append(t(lang, "v_inactivity_kept"))
    if late:
        sentences.append(t(lang, "v_late_erasures", n=fmt_int(late, lang)))
    if not is_missing(due):
        sentences.append(t(lang, "v_inactivity_due", n=fmt_int(due, lang)))
    clause = pol.inactivity_clause
    return (
        heading(ctx, "sec_inactivity")
        + verdict_html(ctx, verdict, sentences)
        + clause_html(ctx, clause.ref, clause.text(lang))
        + how_html(
            ctx,
            t(lang, "how_inactivity", as_of=ctx.as_of, months=pol.inactivity_months),
        )
    )


def retention_section(ctx: ReportContext) -> str:
    """§1.1-§1.6, §2.1: one row per category with its clause, count, oldest overdue and verdict."""
    lang, pol = ctx.language, ctx.policy
    frame = ctx.table("retention_breaches")
    oldest: dict[str, Any] = {}
    if frame is not None and {"category", "oldest_days_overdue"} <= set(frame.columns):
        oldest = dict(
            zip(
                frame.get_column("category").cast(pl.Utf8).to_list(),
                frame.get_column("oldest_days_overdue").to_list(),
            )
        )
    stated = ctx.get("retention.oldest_days_overdue")
    if isinstance(stated, dict):
        oldest.update(stated)
    rows, classes, verdicts, absent = [], [], [], []
    total = 0
    for category in CATEGORIES:
        value = ctx.get(f"retention.breaches.{category}")
        rule = pol.retention.get(category)
        if value is None:
            verdict = NOT_CHECKED if _table_absent(ctx, category) else NOT_COMPUTABLE
            if verdict == NOT_CHECKED:
                absent.append(label(lang, "cat", category))
        else:
            verdict = _count_verdict(value)
            total += value
        verdicts.append(verdict)
        old = oldest.get(category)
        rows.append(
            [
                escape(label(lang, "cat", category)),
                escape(rule.clause.ref if rule else ""),
                escape(fmt_int(value, lang) if value is not None else t(lang, "na")),
                escape(fmt_int(old, lang) if (value and not is_missing(old)) else "–"),
                f'<span class="pr-pill pr-pill--{verdict}">{escape(t(lang, verdict))}</span>',
            ]
        )
        classes.append(f"row--{verdict}")
    withdrawn = ctx.get("retention.withdrawn_consent_contacted")
    checked = [v for v in verdicts if v in (KEPT, NOT_KEPT)]
    breached = sum(v == NOT_KEPT for v in verdicts)
    if not checked:
        overall = NOT_COMPUTABLE
    elif breached or (withdrawn or 0) > 0:
        overall = NOT_KEPT
    else:
        overall = KEPT
    sentences = []
    if breached:
        sentences.append(
            t(
                lang,
                "v_retention_not",
                n=fmt_int(total, lang),
                k=breached,
                m=len(checked),
            )
        )
    elif checked:
        sentences.append(t(lang, "v_retention_kept"))
    if withdrawn:
        sentences.append(t(lang, "v_withdrawn", n=fmt_int(withdrawn, lang)))
    if absent:
        sentences.append(t(lang, "v_retention_absent", names=", ".join(absent)))
    table = table_html(
        [
            t(lang, "col_category"),
            t(lang, "col_clause"),
            t(lang, "col_breaches"),
            t(lang, "col_oldest"),
            t(lang, "col_verdict"),
        ],
        rows,
        numeric=(2, 3),
        classes=classes,
    )
    return (
        heading(ctx, "sec_retention")
        + verdict_html(ctx, overall, sentences)
        + how_html(ctx, t(lang, "how_retention", as_of=ctx.as_of))
        + table
    )


def retention_clauses(ctx: ReportContext) -> str:
    """Each distinct retention clause quoted once, naming the categories it covers."""
    lang, pol = ctx.language, ctx.policy
    quotes: dict[tuple[str, str], list[str]] = {}
    for category in CATEGORIES:
        rule = pol.retention.get(category)
        if rule:
            quotes.setdefault((rule.clause.ref, rule.clause.text(lang)), []).append(
                label(lang, "cat", category)
            )
    quoted = "".join(
        clause_html(ctx, ref, text, caption=f"{ref} · {', '.join(names)}")
        for (ref, text), names in sorted(quotes.items())
    )
    return f'<div class="pr-clauses"><h3>{escape(t(lang, "policy_says"))}</h3>{quoted}</div>'


def support_section(ctx: ReportContext) -> str:
    """§1.4: statistics of support inquiries are produced (this section is that statistic)."""
    lang = ctx.language
    tickets = ctx.get("support.tickets")
    if is_missing(tickets):
        verdict, sentences = NOT_COMPUTABLE, [t(lang, "v_support_none")]
    else:
        verdict = KEPT
        sentences = [
            t(
                lang,
                "v_support_kept",
                n=fmt_int(tickets, lang),
                share=fmt_pct(ctx.get("support.privacy_share"), lang, 1),
            ),
            t(
                lang,
                "v_support_times",
                first=fmt_hours(ctx.get("support.first_response_hours.median"), lang),
                resolution=fmt_hours(ctx.get("support.resolution_hours.median"), lang),
                backlog=fmt_int(ctx.get("support.backlog"), lang),
                as_of=ctx.as_of,
            ),
        ]
    clause = ctx.policy.support_clause
    return (
        heading(ctx, "sec_support")
        + verdict_html(ctx, verdict, sentences)
        + clause_html(ctx, clause.ref, clause.text(lang))
        + how_html(ctx, t(lang, "how_support"))
    )


def rights_verdict(summary: dict) -> str:
    completed = lookup(summary, "rights.completed")
    rate = lookup(summary, "rights.on_time_rate")
    overdue = lookup(summary, "rights.open_overdue")
    if is_missing(overdue) and is_missing(rate):
        return NOT_COMPUTABLE
    if (overdue or 0) > 0:
        return NOT_KEPT
    if completed and not is_missing(rate) and rate < 1:
        return NOT_KEPT
    return KEPT


def rights_section(ctx: ReportContext) -> str:
    """§3 and GDPR Art. 12(3): every request answered within its (possibly extended) deadline."""
    lang, pol = ctx.language, ctx.policy
    verdict = rights_verdict(ctx.summary)
    completed = ctx.get("rights.completed")
    rate = ctx.get("rights.on_time_rate")
    overdue = fmt_int(ctx.get("rights.open_overdue"), lang)
    if verdict == NOT_COMPUTABLE:
        sentences = [t(lang, "not_computable") + "."]
    elif not completed:
        sentences = [t(lang, "v_rights_none", overdue=overdue)]
    elif verdict == KEPT:
        sentences = [t(lang, "v_rights_kept", n=fmt_int(completed, lang))]
    else:
        sentences = [
            t(
                lang,
                "v_rights_not",
                rate=fmt_pct(rate, lang),
                n=fmt_int(completed, lang),
                overdue=overdue,
            )
        ]
    missed = ctx.get("support.missed_rights_requests")
    if missed:
        window = ctx.get(
            "support.missed_request_window_days", pol.missed_request_window_days
        )
        sentences.append(
            t(lang, "v_support_missed", n=fmt_int(missed, lang), days=window)
        )
    sentences.append(
        t(
            lang,
            "v_rights_received",
            n=fmt_int(ctx.get("rights.received"), lang),
            valid=fmt_int(ctx.get("rights.extensions.valid"), lang),
            invalid=fmt_int(ctx.get("rights.extensions.invalid"), lang),
        )
    )
    clause = pol.rights_clause
    clock = t(lang, f"clock_{pol.clock_start}")
    return (
        heading(ctx, "sec_rights")
        + verdict_html(ctx, verdict, sentences)
        + clause_html(ctx, clause.ref, clause.text(lang))
        + how_html(ctx, t(lang, "how_rights", clock_start=clock))
    )


def quality_section(ctx: ReportContext) -> str:
    """Not a promise: how much of the export the figures rest on."""
    lang = ctx.language
    rows_in = summary_value(ctx.summary, "data_quality.rows_in.*")
    rejected = summary_value(ctx.summary, "data_quality.rows_rejected.*")
    flagged = summary_value(ctx.summary, "data_quality.flagged.*")
    if flagged is None:
        flags = ctx.table("quality_flags")
        flagged = (
            int(flags.get_column("rows").fill_null(0).sum())
            if flags is not None and "rows" in flags.columns
            else 0
        )
    absent = ctx.get("data_quality.absent_tables")
    if not isinstance(
        absent, list
    ):  # not stated: an optional table missing from the counts was not exported
        rows_in = ctx.get("data_quality.rows_in")
        absent = [
            n
            for n in ("marketing_contacts", "web_visits", "payments")
            if isinstance(rows_in, dict) and n not in rows_in
        ]
    if rows_in is None:
        sentences = [t(lang, "not_computable") + "."]
    elif rejected or flagged:
        sentences = [
            t(
                lang,
                "v_quality_warn",
                rejected=fmt_int(rejected or 0, lang),
                rows_in=fmt_int(rows_in, lang),
                flagged=fmt_int(flagged, lang),
            )
        ]
    else:
        sentences = [t(lang, "v_quality_ok", rows_in=fmt_int(rows_in, lang))]
    if absent:
        sentences.append(t(lang, "v_quality_absent", names=", ".join(absent)))
    return (
        heading(ctx, "sec_quality")
        + verdict_html(ctx, INFO, sentences)
        + how_html(ctx, t(lang, "how_quality"))
        + quality_table(ctx)
    )


def quality_table(ctx: ReportContext) -> str:
    """Rows in, loaded and set aside per exported table (from ``summary.json``)."""
    lang = ctx.language
    rows_in = ctx.get("data_quality.rows_in") or {}
    loaded = ctx.get("data_quality.rows_loaded") or {}
    rejected = ctx.get("data_quality.rows_rejected") or {}
    if not isinstance(rows_in, dict) or not rows_in:
        return ""
    rows = [
        [
            escape(name),
            escape(fmt_int(rows_in.get(name), lang)),
            escape(fmt_int(loaded.get(name), lang)),
            escape(fmt_int(rejected.get(name), lang)),
        ]
        for name in rows_in
    ]
    return table_html(
        [
            t(lang, "ch_table"),
            t(lang, "rows_in"),
            t(lang, "rows_loaded"),
            t(lang, "rows_rejected"),
        ],
        rows,
        numeric=(1, 2, 3),
    )


def about_section(ctx: ReportContext) -> str:
    lang = ctx.language
    return (
        heading(ctx, "sec_about")
        + f'<p class="pr-about">{escape(t(lang, "about", as_of=ctx.as_of, na=t(lang, "na")))}</p>'
    )


def no_data(ctx: ReportContext, table: str) -> str:
    """The sentence shown instead of a chart whose table is absent or empty."""
    lang = ctx.language
    return f'<p class="pr-nodata">{escape(t(lang, "no_data", what=t(lang, "table_absent", name=table)))}</p>'
