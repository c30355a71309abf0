"""HTML pieces of the management report: title, KPI tiles, one section per family.

Everything here is built from ``summary.json`` (and a few small tables) and
the policy file: the report shows the summary's own figures. KPI tiles carry
``data-kpi`` (a dotted path into the summary; ``a.b.*`` means the sum over
``a.b``) and ``data-value`` (the figure as JSON, ``null`` when not
computable), so tests can check the HTML against ``summary.json``.

Verdicts (docs/report.md, "Verdicts"): ``kept`` means checked and no breach
found; ``not_kept`` a breach found; ``not_assessable`` nothing to judge (no
account, row, inquiry or request the promise applies to); ``not_computable``
the figure is missing from the results; ``not_checked`` the table was not
exported; ``info`` no promise is judged.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from html import escape
from importlib import resources
from typing import Any

import polars as pl

from pipelines.dates import Quarter
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

KEPT, NOT_KEPT, NOT_ASSESSABLE, NOT_COMPUTABLE, NOT_CHECKED, INFO = (
    "kept",
    "not_kept",
    "not_assessable",
    "not_computable",
    "not_checked",
    "info",
)
_VERDICT_ICON = {
    KEPT: "✔",
    NOT_KEPT: "✖",
    NOT_ASSESSABLE: "○",
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
    notes = "".join(
        f'<p class="pr-note">{escape(n)}</p>'
        for n in [*coverage_notes(ctx.summary, lang), *ctx.notes]
    )
    return (
        f"<style data-pr-style>{_css()}</style>"
        + synthetic_banner(ctx)
        + f'<header class="pr-title"><h1>{escape(title)} {escape(ctx.period)}</h1>'
        f'<p class="pr-subtitle">{escape(sub)}</p>'
        + (f'<p class="pr-intro">{escape(intro)}</p>' if intro else "")
        + f"{notes}</header>"
        '<div class="pr-toc-slot"></div>'
    )


def synthetic_banner(ctx: ReportContext) -> str:
    """The warning shown above everything when ``summary.data.synthetic_sample`` is true (else nothing)."""
    if ctx.get("data.synthetic_sample") is not True:
        return ""
    return f'<p class="pr-banner" role="note" data-synthetic-sample>{escape(t(ctx.language, "synthetic_banner"))}</p>'


def coverage_notes(summary: dict, lang: str) -> list[str]:
    """Sentences for a reviewed quarter lying partly or wholly outside the exports' dates (``summary.data``)."""
    first, last = lookup(summary, "data.first_date"), lookup(summary, "data.last_date")
    period, as_of = summary.get("period"), summary.get("as_of")
    if not isinstance(lookup(summary, "data"), dict) or not period or not as_of:
        return []
    if first is None or last is None:
        return [t(lang, "cov_no_dates")]
    try:
        start = Quarter.parse(str(period)).start.isoformat()
    except ValueError:
        return []
    if as_of < first:
        return [t(lang, "cov_after_as_of", first=first, last=last, as_of=as_of)]
    notes = []
    if start > last:
        notes.append(t(lang, "cov_before_quarter", first=first, last=last, period=period))
    elif start < first:
        notes.append(t(lang, "cov_starts_late", first=first, start=start, period=period))
    if as_of > last:
        notes.append(t(lang, "cov_ends_early", last=last, as_of=as_of))
    return notes


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
    basis: str | None = None  # what the figure judges: a retention category, "retention" (any) or "rights"; None: a plain count


KPIS = (
    Kpi("retention.breaches.account", "kpi_account_breaches", basis="account"),
    Kpi("retention.breaches.*", "kpi_all_breaches", basis="retention"),
    Kpi("rights.on_time_rate", "kpi_on_time", "pct", "higher", "below_one"),
    Kpi("rights.open_overdue", "kpi_open_overdue", basis="rights"),
    Kpi("inactivity.due_next_30d", "kpi_due_30d", better=None, alarm=None, basis="account"),
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
    lang, pol = ctx.language, ctx.policy
    prev = ctx.previous
    prev_period = (prev.get("period") or "") if prev else None
    prev_covered = prev is not None and _covered(ctx.summary, prev)
    tiles = []
    for kpi in KPIS:
        value = summary_value(ctx.summary, kpi.path)
        prev_value = summary_value(prev, kpi.path) if prev else None
        status = _status(kpi, value)
        if not kpi_assessable(kpi, ctx.summary, pol):
            change, modifier, status = t(lang, "kpi_not_assessable"), "none", "na"
        elif not kpi.compare:
            change, modifier = t(lang, "this_export"), "none"
        elif prev is not None and not (prev_covered and kpi_assessable(kpi, prev, pol)):
            change, modifier = t(lang, "nothing_to_compare", previous=prev_period), "none"
        else:
            change, modifier = change_text(kpi, value, prev_value, prev_period, lang)
        tiles.append(
            f'<div class="kpi kpi--{status}" data-kpi="{escape(kpi.path)}" data-value="{_data_value(value)}">'
            f'<div class="kpi-label">{escape(t(lang, kpi.label))}</div>'
            f'<div class="kpi-value">{escape(_fmt(kpi.kind, value, lang))}</div>'
            f'<div class="kpi-change kpi-change--{modifier}">{escape(change)}</div></div>'
        )
    chips = []
    for category in CATEGORIES:
        path = f"retention.breaches.{category}"
        value = summary_value(ctx.summary, path)
        verdict = category_verdict(ctx, category)
        if verdict == NOT_CHECKED:
            status, shown = "na", t(lang, "not_checked")
        elif verdict == NOT_COMPUTABLE:
            status, shown = "na", t(lang, "na")
        elif verdict == NOT_ASSESSABLE:
            status, shown = "na", t(lang, "nothing_to_judge")
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


def _covered(summary: dict, previous: dict) -> bool:
    """Whether the previous quarter's review date falls on or after the exports' first date (unknown: yes)."""
    first, prev_as_of = lookup(summary, "data.first_date"), previous.get("as_of")
    return not (first and prev_as_of and str(prev_as_of) < str(first))


def kpi_assessable(kpi: Kpi, summary: dict | None, policy) -> bool:
    """False when the tile's figure judges nothing in ``summary`` (no account, row or request it applies to)."""
    if kpi.basis is None or not summary:
        return True
    if kpi.basis == "rights":
        return rights_assessable(summary) is not False
    if kpi.basis == "retention":
        return not all(rows_held(summary, policy, c) == 0 for c in CATEGORIES)
    return rows_held(summary, policy, kpi.basis) != 0


def rows_held(summary: dict | None, policy, category: str) -> int | None:
    """How many rows the ``category`` rule applies to on ``as_of``; ``None`` when the summary does not say.

    ``account``: the inactivity population (accounts created on or before
    ``as_of`` and not erased by then). Other categories: the rows of the
    rule's tables dated on or before ``as_of`` (``data.rows_as_of``).
    """
    if category == "account":
        population = lookup(summary, "inactivity.population")
        return None if is_missing(population) else population
    counts = lookup(summary, "data.rows_as_of")
    rule = policy.retention.get(category)
    if not isinstance(counts, dict) or rule is None:
        return None
    tables = [name.strip() for name in rule.table.split(",")]
    return sum(counts[name] for name in tables if not is_missing(counts.get(name)))


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


def category_verdict(ctx: ReportContext, category: str) -> str:
    """One retention category: breaches found, none among the rows it applies to, no such rows, or no figure."""
    value = ctx.get(f"retention.breaches.{category}")
    if is_missing(value):
        return NOT_CHECKED if _table_absent(ctx, category) else NOT_COMPUTABLE
    if value > 0:
        return NOT_KEPT
    if rows_held(ctx.summary, ctx.policy, category) == 0:
        return NOT_ASSESSABLE
    return KEPT


def inactivity_verdict(summary: dict) -> str:
    """§1.1: not kept when an account is past its erasure deadline or was erased late; not assessable without accounts."""
    breaches = lookup(summary, "retention.breaches.account")
    late = lookup(summary, "retention.late_erasures")
    if is_missing(breaches):
        return NOT_COMPUTABLE
    if breaches > 0 or (not is_missing(late) and late > 0):
        return NOT_KEPT
    if lookup(summary, "inactivity.population") == 0:
        return NOT_ASSESSABLE
    return KEPT


def inactivity_section(ctx: ReportContext) -> str:
    """§1.1: inactive accounts erased within 12 months (kept: none past the deadline, none erased late)."""
    lang, pol = ctx.language, ctx.policy
    breaches = ctx.get("retention.breaches.account")
    late = ctx.get("retention.late_erasures")
    due = ctx.get("inactivity.due_next_30d")
    verdict = inactivity_verdict(ctx.summary)
    sentences = []
    if verdict == NOT_COMPUTABLE:
        sentences.append(t(lang, "not_computable") + ".")
    elif verdict == NOT_ASSESSABLE:
        sentences.append(t(lang, "v_inactivity_none", as_of=ctx.as_of))
    elif breaches:
        sentences.append(tn(lang, "v_inactivity_not", breaches))
    else:
        sentences.append(
            tn(lang, "v_inactivity_kept", ctx.get("inactivity.population"), as_of=ctx.as_of)
        )
    if late:
        sentences.append(t(lang, "v_late_erasures", n=fmt_int(late, lang)))
    if not is_missing(due) and verdict != NOT_ASSESSABLE:
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


def retention_verdict(verdicts: Iterable[str], withdrawn) -> str:
    """All categories together: any breach (or contact after withdrawn consent) breaks the promise."""
    verdicts = list(verdicts)
    if NOT_KEPT in verdicts or (not is_missing(withdrawn) and withdrawn > 0):
        return NOT_KEPT
    for verdict in (KEPT, NOT_ASSESSABLE):
        if verdict in verdicts:
            return verdict
    return NOT_COMPUTABLE


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
    rows, classes, verdicts = [], [], []
    total = 0
    for category in CATEGORIES:
        value = ctx.get(f"retention.breaches.{category}")
        rule = pol.retention.get(category)
        verdict = category_verdict(ctx, category)
        if verdict in (KEPT, NOT_KEPT):
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
    overall = retention_verdict(verdicts, withdrawn)

    def names(wanted: str) -> str:
        return ", ".join(label(lang, "cat", c) for c, v in zip(CATEGORIES, verdicts) if v == wanted)

    checked = sum(v in (KEPT, NOT_KEPT) for v in verdicts)
    breached = verdicts.count(NOT_KEPT)
    sentences = []
    if breached:
        sentences.append(
            t(lang, "v_retention_not", n=fmt_int(total, lang), k=breached, m=checked)
        )
    elif checked:
        sentences.append(t(lang, "v_retention_kept"))
    if withdrawn:
        sentences.append(t(lang, "v_withdrawn", n=fmt_int(withdrawn, lang)))
    if NOT_ASSESSABLE in verdicts:
        sentences.append(
            t(lang, "v_retention_nothing", names=names(NOT_ASSESSABLE), as_of=ctx.as_of)
        )
    if NOT_CHECKED in verdicts:
        sentences.append(t(lang, "v_retention_absent", names=names(NOT_CHECKED)))
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


def support_verdict(summary: dict) -> str:
    """§1.4 "used to help you with your request": kept when every inquiry received in the quarter
    had a first response by ``as_of``; not assessable when none was received."""
    tickets = lookup(summary, "support.tickets")
    unanswered = lookup(summary, "support.no_first_response")
    if is_missing(tickets):
        return NOT_COMPUTABLE
    if tickets == 0:
        return NOT_ASSESSABLE
    if is_missing(unanswered):
        return NOT_COMPUTABLE
    return NOT_KEPT if unanswered > 0 else KEPT


def support_section(ctx: ReportContext) -> str:
    """§1.4: each inquiry answered (first response by ``as_of``); the statistics themselves are this section."""
    lang = ctx.language
    verdict = support_verdict(ctx.summary)
    tickets = ctx.get("support.tickets")
    unanswered = ctx.get("support.no_first_response")
    if verdict == NOT_ASSESSABLE:
        sentences = [t(lang, "v_support_none")]
    elif is_missing(tickets) or is_missing(unanswered):
        sentences = [t(lang, "not_computable") + "."]
    else:
        sentences = [
            t(
                lang,
                "v_support_answered",
                n=fmt_int(tickets, lang),
                answered=fmt_int(tickets - unanswered, lang),
                first=fmt_hours(ctx.get("support.first_response_hours.median"), lang),
                as_of=ctx.as_of,
            )
        ]
        if unanswered:
            sentences.append(tn(lang, "v_support_unanswered", unanswered, as_of=ctx.as_of))
    if not is_missing(tickets) and tickets:
        sentences.append(
            t(
                lang,
                "v_support_times",
                share=fmt_pct(ctx.get("support.privacy_share"), lang, 1),
                resolution=fmt_hours(ctx.get("support.resolution_hours.median"), lang),
                backlog=fmt_int(ctx.get("support.backlog"), lang),
                as_of=ctx.as_of,
            )
        )
    clause = ctx.policy.support_clause
    return (
        heading(ctx, "sec_support")
        + verdict_html(ctx, verdict, sentences)
        + clause_html(ctx, clause.ref, clause.text(lang))
        + how_html(ctx, t(lang, "how_support", as_of=ctx.as_of))
    )


def rights_assessable(summary: dict) -> bool | None:
    """Whether any request was received or completed in the quarter, or open at ``as_of``; ``None``: not stated."""
    counts = [
        lookup(summary, f"rights.{key}")
        for key in ("received", "completed", "open_overdue", "open_not_due")
    ]
    known = [c for c in counts if not is_missing(c)]
    return any(c > 0 for c in known) if known else None


def rights_verdict(summary: dict) -> str:
    """§3: not kept when an open request is past its deadline or one completed in the quarter was late;
    not assessable when no request was received, completed or open."""
    completed = lookup(summary, "rights.completed")
    rate = lookup(summary, "rights.on_time_rate")
    overdue = lookup(summary, "rights.open_overdue")
    if is_missing(overdue) and is_missing(rate):
        return NOT_COMPUTABLE
    if (overdue or 0) > 0:
        return NOT_KEPT
    if completed and not is_missing(rate) and rate < 1:
        return NOT_KEPT
    if rights_assessable(summary) is False:
        return NOT_ASSESSABLE
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
    elif verdict == NOT_ASSESSABLE:
        sentences = [t(lang, "v_rights_nothing", as_of=ctx.as_of)]
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
    if verdict != NOT_ASSESSABLE:
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
