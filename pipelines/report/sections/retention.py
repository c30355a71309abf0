"""Retention periods (policy §1.1-§1.6, §2.1): per-category verdicts, the section, its charts."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from typing import Any

import altair as alt
import polars as pl

from pipelines.report.kit.blocks import (
    absent_exports,
    change_words,
    clause_html,
    export_names,
    gap_note,
    heading,
    how_html,
    policy_values,
    table_html,
    verdict_html,
)
from pipelines.report.kit.context import ReportContext, lookup
from pipelines.report.kit.fmt import fmt_date, fmt_int, is_missing
from pipelines.report.kit.theme import (
    BAD,
    GOOD,
    GREY,
    INK,
    VERMILLION,
    WIDTH,
    before_data,
    column_sum,
    draws,
    optional_column,
    quarter_col,
    text_width,
    titled,
    to_date,
    tooltips,
    usable,
    x_axis,
)
from pipelines.report.kit.verdicts import (
    KEPT,
    NOT_ASSESSABLE,
    NOT_CHECKED,
    NOT_COMPUTABLE,
    NOT_KEPT,
)
from pipelines.report.kit.words import label, t, tn

CATEGORIES = (
    "account",
    "logs",
    "support",
    "marketing",
    "analytics",
    "residual",
    "payments",
)


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


def rule_tables(policy, category: str) -> list[str]:
    """The exports ``category``'s rule reads (the policy file's ``table``)."""
    rule = policy.retention.get(category)
    return [name.strip() for name in rule.table.split(",")] if rule is not None else []


def table_absent(ctx: ReportContext, category: str) -> bool:
    """Whether ``category``'s table was not exported (``retention.absent_tables`` or the breaches table says so)."""
    absent = ctx.get("retention.absent_tables")
    tables = rule_tables(ctx.policy, category)
    if isinstance(absent, list) and tables and all(name in absent for name in tables):
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


def category_verdict(ctx: ReportContext, category: str) -> str:
    """One retention category: breaches found, none among the rows it applies to, no such rows, or no figure."""
    value = ctx.get(f"retention.breaches.{category}")
    if is_missing(value):
        return NOT_CHECKED if table_absent(ctx, category) else NOT_COMPUTABLE
    if value > 0:
        return NOT_KEPT
    if rows_held(ctx.summary, ctx.policy, category) == 0:
        return NOT_ASSESSABLE
    return KEPT


def consent_verdict(ctx: ReportContext) -> str:
    """§1.6 marketing: no contact after consent was withdrawn; not checked without the marketing export."""
    value = ctx.get("retention.withdrawn_consent_contacted")
    if is_missing(value):
        return NOT_CHECKED if table_absent(ctx, "marketing") else NOT_COMPUTABLE
    if value > 0:
        return NOT_KEPT
    if rows_held(ctx.summary, ctx.policy, "marketing") == 0:
        return NOT_ASSESSABLE
    return KEPT


def judge(verdicts: Iterable[str], withdrawn) -> str:
    """All categories together: any breach (or contact after withdrawn consent) breaks the promise."""
    verdicts = list(verdicts)
    if NOT_KEPT in verdicts or (not is_missing(withdrawn) and withdrawn > 0):
        return NOT_KEPT
    for verdict in (KEPT, NOT_ASSESSABLE):
        if verdict in verdicts:
            return verdict
    return NOT_COMPUTABLE


def section(ctx: ReportContext) -> str:
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
    overall = judge(verdicts, withdrawn)

    def wanted(verdict: str) -> list[str]:
        return [c for c, v in zip(CATEGORIES, verdicts) if v == verdict]

    def names(verdict: str) -> str:
        return ", ".join(label(lang, "cat", c) for c in wanted(verdict))

    as_of = fmt_date(ctx.as_of, lang)
    checked = sum(v in (KEPT, NOT_KEPT) for v in verdicts)
    breached = verdicts.count(NOT_KEPT)
    sentences = []
    if breached:
        sentences.append(
            tn(
                lang,
                "v_retention_not",
                total,
                k=fmt_int(breached, lang),
                m=fmt_int(checked, lang),
            )
        )
    elif checked:
        sentences.append(t(lang, "v_retention_kept"))
    if withdrawn:
        sentences.append(tn(lang, "v_withdrawn", withdrawn))
    if NOT_ASSESSABLE in verdicts:
        sentences.append(
            t(lang, "v_retention_nothing", names=names(NOT_ASSESSABLE), as_of=as_of)
        )
    if NOT_CHECKED in verdicts:
        absent = set(absent_exports(ctx))
        exports = [
            name
            for c in wanted(NOT_CHECKED)
            for name in rule_tables(pol, c)
            if name in absent or not absent
        ]
        sentences.append(
            t(
                lang,
                "v_retention_absent",
                names=names(NOT_CHECKED),
                exports=export_names(lang, dict.fromkeys(exports)),
            )
        )
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
        + how_html(ctx, t(lang, "how_retention", as_of=as_of, **policy_values(ctx)))
        + table
    )


def clauses(ctx: ReportContext) -> str:
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


@draws("retention_breaches")
def breaches_by_category(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Records past their deadline by category, labelled with the oldest overdue (days)."""
    if not usable(frame, "category", "breaches"):
        return None
    data = frame.select(
        pl.col("category").cast(pl.Utf8),
        optional_column(frame, "clause", pl.Utf8, ""),
        pl.col("breaches").cast(pl.Int64),
        optional_column(frame, "oldest_days_overdue", pl.Int64, alias="oldest"),
        optional_column(frame, "table_present", pl.Boolean, True, alias="present"),
    )
    rows = []
    for category, clause, breaches, oldest, present in data.iter_rows():
        name = label(language, "cat", category) + (f" ({clause})" if clause else "")
        if present is False:
            note = t(language, "not_checked")
        elif breaches is None:
            note = t(language, "not_computable")
        elif breaches > 0 and oldest is not None:
            note = f"{fmt_int(breaches, language)} · {tn(language, 'oldest_days', oldest)}"
        else:
            note = fmt_int(breaches or 0, language)
        rows.append(
            {
                "category": name,
                "breaches": int(breaches or 0),
                "oldest": oldest,
                "note": note,
                # what a narrow chart shows instead: the count without the oldest overdue, a dash for "not checked"
                "short": fmt_int(breaches or 0, language) if present is not False and breaches is not None else "–",
                "status": "breach"
                if (breaches or 0) > 0
                else (
                    "none"
                    if present is not False and breaches is not None
                    else "unchecked"
                ),
            }
        )
    chart_data = pl.DataFrame(
        rows,
        schema={
            "category": pl.Utf8,
            "breaches": pl.Int64,
            "oldest": pl.Int64,
            "note": pl.Utf8,
            "short": pl.Utf8,
            "status": pl.Utf8,
        },
    )
    total = column_sum(chart_data, "breaches")
    account = (
        data.filter(pl.col("category") == "account").get_column("breaches").to_list()
    )
    if total == 0:
        title = t(language, "t_breaches_none")
    elif account and account[0] and account[0] == total:
        title = tn(language, "t_account_breaches", total)
    else:
        title = tn(language, "t_breaches", total)
    order = chart_data.get_column("category").to_list()
    fits, end = label_room(chart_data.get_column("note").to_list(), chart_data.get_column("short").to_list())
    base = alt.Chart(chart_data).encode(
        y=alt.Y("category:N", title=None, sort=order, axis=alt.Axis(labelLimit=260)),
        x=alt.X(
            "breaches:Q",
            title=t(language, "ch_records"),
            scale=alt.Scale(domainMin=0, nice=True, range=[0, alt.ExprRef(end)]),
        ),
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "status:N",
            scale=alt.Scale(
                domain=["breach", "none", "unchecked"], range=[BAD, GOOD, GREY]
            ),
            legend=None,
        ),
        tooltip=tooltips(
            language,
            ("category:N", "ch_category"),
            ("breaches:Q", "ch_records", ","),
            ("oldest:Q", "ch_oldest", ","),
        ),
    )
    notes = base.mark_text(
        align="left", dx=LABEL_DX, text=alt.ExprRef(f"{fits} ? datum.note : datum.short")
    )
    return titled(
        bars + notes,
        title,
        t(language, "t_breaches_sub"),
        width=WIDTH,
        height=alt.Step(26),
    )


#: the gap between a bar's end and its label (px), and the least share of the plot's width the bars
#: keep when the labels take the rest; below it a label shows only its count
LABEL_DX, MIN_BAR_SHARE = 5, 0.4


def label_room(notes: list[str], shorts: list[str]) -> tuple[str, str]:
    """(when the full labels fit, where the bars' scale ends) as Vega expressions of the plot's ``width``.

    The labels drawn at the bars' ends must lie inside the chart at any width
    (the report's charts are as wide as the page, a phone's too: docs/report.md,
    "The offline template"). So the x scale ends short of the plot's right edge
    by the widest label (estimated generously, ``theme.text_width``): the longest
    bar still has its label beside it. When that would leave the bars less than
    ``MIN_BAR_SHARE`` of the width, the labels show their count only
    ("1,234,567" without "oldest 3,650 days overdue", a dash for "not checked";
    the table above and the tooltips give them) and the room is theirs.
    """
    full = max(map(text_width, notes), default=0) + LABEL_DX + 4
    short = max(map(text_width, shorts), default=0) + LABEL_DX + 4
    fits = f"width - {full:.0f} >= {MIN_BAR_SHARE} * width"
    return fits, f"{fits} ? width - {full:.0f} : max(0, width - {short:.0f})"


@draws("retention_trend")
def trend(
    frame: pl.DataFrame | None, language: str = "en", first_date=None
) -> alt.Chart | None:
    """Accounts past their erasure deadline at each quarter end; the title states the latest figure and its change.

    A quarter ending before the exports' ``first_date`` (``data.first_date``) is left empty, not 0
    (docs/report.md, "Trends before the exports begin").
    """
    if not usable(frame, "quarter_end", "accounts_past_deadline"):
        return None
    frame = frame.sort("quarter_end")
    ends = frame.get_column("quarter_end").to_list()
    gap = [before_data(end, first_date) for end in ends]
    data = frame.select(
        quarter_col("quarter_end", "quarter"),
        pl.col("quarter_end")
        .map_elements(lambda v: fmt_date(to_date(v), language) if to_date(v) else str(v), return_dtype=pl.Utf8)
        .alias("quarter_end"),
        pl.when(pl.Series(gap, dtype=pl.Boolean))
        .then(None)
        .otherwise(pl.col("accounts_past_deadline"))
        .cast(pl.Int64)
        .alias("accounts"),
    )
    quarters = data.get_column("quarter").to_list()
    values = data.get_column("accounts").to_list()
    last, end = values[-1], to_date(ends[-1])
    title = tn(
        language,
        "t_retention_trend",
        last,
        date=fmt_date(end, language) if end else t(language, "na"),
        change=change_words(last, values[-2] if len(values) > 1 else None, language),
    ).rstrip(", ")
    subtitle = t(language, "t_retention_trend_sub")
    base = alt.Chart(data).encode(
        # every quarter on the axis, an empty one too
        x=x_axis("quarter:O", t(language, "ch_quarter_end"), quarters, domain=quarters),
        y=alt.Y(
            "accounts:Q", title=t(language, "ch_accounts"), scale=alt.Scale(domainMin=0)
        ),
        tooltip=tooltips(
            language,
            ("quarter_end:N", "ch_quarter_end"),
            ("accounts:Q", "ch_accounts", ","),
        ),
    )
    line = base.mark_line(color=VERMILLION) + base.mark_point(color=VERMILLION, size=70)
    labels = base.mark_text(dy=-12, color=INK).encode(
        text=alt.Text("accounts:Q", format=",")
    )
    return titled(
        line + labels,
        title,
        gap_note(subtitle, first_date, language) if any(gap) else subtitle,
    )
