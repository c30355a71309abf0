"""Retention periods (policy §1.1-§1.6, §2.1): per-category verdicts, the section, its charts."""

from __future__ import annotations

from html import escape

import altair as alt
import polars as pl

from pipelines.report import outline
from pipelines.report.kit import remediation
from pipelines.report.kit.blocks import (
    absent_exports,
    change_words,
    clause_html,
    export_names,
    finding_attrs,
    gap_note,
    heading,
    how_html,
    lacks_words,
    not_computable_words,
    pill_html,
    policy_values,
    source_html,
    table_html,
    tally_words,
    verdict_html,
)
from pipelines.report.kit.context import ReportContext
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
    NOT_AUDITABLE,
    NOT_CHECKED,
    NOT_COMPUTABLE,
    NOT_KEPT,
    PERIOD_UNSTATED,
    columns_lacking,
    basis,
    code,
    finding,
    overall,
)
from pipelines.report.kit.words import label, t, tn

def retention_rules(policy) -> list:
    """The policy file's retention rules, in its order: one row each (docs/policy-file.md)."""
    return [r for r in policy.rules if r.is_retention]


def consent_rules(policy) -> list:
    """The rules of no contact after consent was withdrawn (§1.6): the section's last rows."""
    return [r for r in policy.rules if r.check == "no_contact_after_withdrawal"]


def rule_count(ctx: ReportContext, rule, key: str = "breaches"):
    """A retention rule's own count (``retention.by_rule``), else its figure's when the figure has this rule
    alone (results computed before rules were counted one by one)."""
    value = ctx.get(f"retention.by_rule.{rule.id}.{key}")
    if value is None and len(ctx.policy.figure_rules(rule.figure)) == 1:
        value = ctx.get(f"retention.{key}.{rule.figure}")
    return value


def section(ctx: ReportContext) -> str:
    """One row per retention rule of the policy file (and one per rule of no contact after withdrawn consent)
    with its title, clause, basis, count, oldest overdue and verdict. Each verdict is the rule's finding
    (docs/report.md, "Findings"); the section's badge counts them as the overall verdict does (``findings.tally``).
    Nothing for a policy without such rules (pipelines/report/outline.py)."""
    if not outline.shows(ctx.policy, "retention"):
        return ""
    lang, pol = ctx.language, ctx.policy
    rules = retention_rules(pol)
    titles = {r.id: r.title.get(lang) for r in (*rules, *consent_rules(pol))}
    found = {r.id: finding(ctx.summary, r.id) for r in rules}
    consents = {r.id: finding(ctx.summary, r.id) for r in consent_rules(pol)}
    verdicts = {rule_id: code(f) for rule_id, f in found.items()}
    rows, classes, attrs = [], [], []

    def row(name: str, ref: str, f: dict | None, value, old) -> None:
        verdict = code(f)
        kind = basis(f)
        if f is not None and "open_now" in f:
            value = f["open_now"]  # the finding's own count, as the first screen shows it
        rows.append(
            [
                escape(name),
                escape(ref),
                escape(label(lang, "basis", kind) if kind else t(lang, "na")),
                escape(fmt_int(value, lang) if not is_missing(value) else t(lang, "na")),
                escape(fmt_int(old, lang) if (value and not is_missing(old)) else "–"),
                pill_html(ctx, verdict, kind),
            ]
        )
        classes.append(f"row--{verdict}")
        attrs.append(finding_attrs(f, verdict) if f else {"finding": "", "verdict": verdict})

    for rule in rules:
        f = found[rule.id]
        value = rule_count(ctx, rule) if rule.assessable else None
        row(titles[rule.id], (f or {}).get("clause") or rule.clause, f, value, rule_count(ctx, rule, "oldest_days_overdue"))
    withdrawn = ctx.get("retention.withdrawn_consent_contacted")
    for rule in consent_rules(pol):
        row(titles[rule.id], (consents[rule.id] or {}).get("clause") or rule.clause, consents[rule.id], withdrawn,
            None)
    consent = next(iter(consents.values()), None)
    result = overall([f for f in (*found.values(), *consents.values()) if f is not None])

    def wanted(verdict: str) -> list[str]:
        return [c for c, v in verdicts.items() if v == verdict]

    def names(verdict: str) -> str:
        return ", ".join(titles[c] for c in wanted(verdict))

    as_of = fmt_date(ctx.as_of, lang)
    checked = sum(v in (KEPT, NOT_KEPT) for v in verdicts.values())
    breached = wanted(NOT_KEPT)
    sentences = []
    if not result.total:
        sentences.append(not_computable_words(ctx, None))
    elif breached:
        # no total over the categories: accounts, log rows, tickets and contacts are not one kind of record
        sentences.append(tn(lang, "v_retention_not", len(breached), m=fmt_int(checked, lang), names=names(NOT_KEPT)))
    elif checked:
        sentences.append(t(lang, "v_retention_kept"))
    if code(consent) == NOT_KEPT and not is_missing(withdrawn):
        sentences.append(tn(lang, "v_withdrawn", withdrawn))
    # not assessable for its own reason: nothing to judge, a promise no export can test, no period stated
    # (docs/policy-file.md, "Not auditable"), or a column the export lacks
    reasons = {rule_id: (f or {}).get("reason") for rule_id, f in found.items()}
    untestable = [c for c in wanted(NOT_ASSESSABLE) if reasons[c] == NOT_AUDITABLE]
    unstated = [c for c in wanted(NOT_ASSESSABLE) if reasons[c] == PERIOD_UNSTATED]
    lacking = [c for c in wanted(NOT_ASSESSABLE) if columns_lacking(found[c])]
    nothing = [c for c in wanted(NOT_ASSESSABLE) if c not in (*untestable, *unstated, *lacking)]
    if nothing:
        sentences.append(t(lang, "v_retention_nothing", names=", ".join(titles[c] for c in nothing), as_of=as_of))
    for c in untestable:
        sentences.append(t(lang, "v_retention_not_auditable", name=titles[c],
                           reason=pol.rule(c).not_auditable_reason.get(lang)))
    if unstated:
        sentences.append(t(lang, "v_retention_unstated", names=", ".join(titles[c] for c in unstated)))
    # None for a finding that lacks no column
    sentences += [lacks_words(lang, f, titles[rule_id]) for rule_id, f in (*found.items(), *consents.items())]
    if wanted(NOT_CHECKED):
        absent = set(absent_exports(ctx))
        exports = [
            name
            for c in wanted(NOT_CHECKED)
            for name in pol.rule(c).tables
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
    if wanted(NOT_COMPUTABLE) and result.total:
        sentences.append(t(lang, "v_retention_no_figure", names=names(NOT_COMPUTABLE)))
    table = table_html(
        [
            t(lang, "col_category"),
            t(lang, "col_clause"),
            t(lang, "col_basis"),
            t(lang, "col_breaches"),
            t(lang, "col_oldest"),
            t(lang, "col_verdict"),
        ],
        rows,
        numeric=(3, 4),
        classes=classes,
        attrs=attrs,
    )
    sources = "".join(
        source_html(ctx, f, name=titles[rule_id]) for rule_id, f in (*found.items(), *consents.items())
        if rule_id != pol.inactivity_rule  # its source is the inactivity section's
    )
    return (
        heading(ctx, "sec_retention")
        + verdict_html(ctx, result.verdict, sentences, badge=tally_words(lang, result))
        + how_html(ctx, t(lang, "how_retention", as_of=as_of, **policy_values(ctx)))
        + table
        + sources
        # the register of exceptions beside legal hold; last quarter's breaches fixed? (docs/report.md)
        + remediation.exemptions(ctx)
        + remediation.block(ctx, remediation.retention_categories(ctx))
    )


def clauses(ctx: ReportContext) -> str:
    """Each distinct retention quote once, naming the rules that rest on it; nothing without such rules."""
    if not outline.shows(ctx.policy, "retention"):
        return ""
    lang, pol = ctx.language, ctx.policy
    quotes: dict[tuple[str, str], list[str]] = {}
    for rule in (*retention_rules(pol), *consent_rules(pol)):
        quotes.setdefault((rule.clause, rule.quote.get(lang)), []).append(rule.title.get(lang))
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
    breaching = chart_data.filter(pl.col("breaches") > 0).get_column("category").to_list()
    if total == 0:
        title = t(language, "t_breaches_none")
    elif len(breaching) == 1:  # one figure alone: its records can be counted together
        title = tn(language, "t_figure_breaches", total, name=breaching[0])
    else:
        # how many categories breach, never a total: accounts, log rows, tickets and contacts are not one kind
        # of record (docs/report.md, "The first screen")
        judged = chart_data.filter(pl.col("status") != "unchecked")
        title = tn(
            language,
            "t_breaches",
            judged.filter(pl.col("status") == "breach").height,
            m=fmt_int(judged.height, language),
        )
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


@draws("retention_trend", part="inactivity")  # the inactivity rule's accounts
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
