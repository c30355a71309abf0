"""Inactive accounts (policy §1.1): the verdict, the section, its charts."""

from __future__ import annotations

from datetime import date, timedelta

import altair as alt
import polars as pl

from pipelines.report import outline
from pipelines.report.kit.blocks import (
    change_words,
    rule_quote_html,
    gap_note,
    heading,
    how_html,
    lacks_words,
    not_computable_words,
    policy_values,
    source_html,
    verdict_html,
)
from pipelines.report.kit.context import ReportContext
from pipelines.report.kit.fmt import fmt_date, fmt_int, is_missing
from pipelines.report.kit.theme import (
    BUCKETS,
    ORANGE,
    before_data,
    bucket_frame,
    code_colour,
    colour_scale,
    column_sum,
    day_label,
    draws,
    quarter_label,
    titled,
    to_date,
    tooltips,
    usable,
    x_axis,
)
from pipelines.report.kit.verdicts import (
    NOT_ASSESSABLE,
    NOT_COMPUTABLE,
    basis,
    code,
    finding,
)
from pipelines.report.kit.words import label, t, tn

#: how far ahead the erasure-pipeline chart looks (docs/report.md, "Named constants"); not a policy
#: number: it is the horizon pipelines.metrics.inactivity.PIPELINE_DAYS computes (a test keeps them equal)
PIPELINE_DAYS = 90

#: the months-inactive group past the usual deadline ("12m+"), and the months it starts at; the
#: groups' edges are fixed by the results (whole months 0-3, 3-6, 6-9, 9-12, 12 or more), not by the policy
TOP_BUCKET = BUCKETS[-1]
TOP_MONTHS = int(TOP_BUCKET.rstrip("m+"))


def bucket_label(code: str, language: str) -> str:
    """A months-inactive group as the reader sees it ("12m+" -> "12+ mo", "12+ mnd")."""
    return label(language, "bucket", code)


def rule(ctx: ReportContext):
    """The rule this section's finding judges: the policy file's inactivity rule (§1.1, accounts past their
    erasure deadline or erased late; None when the file states none). The report shows its verdict and never
    judges the figures again."""
    return ctx.policy.inactivity


def past_deadline(ctx: ReportContext):
    """Accounts past the inactivity rule's deadline: its figure in ``retention.breaches`` (None without the rule)."""
    return ctx.get(f"retention.breaches.{rule(ctx).figure}") if rule(ctx) is not None else None


def holds_exempt(ctx: ReportContext) -> bool:
    """Whether the inactivity rule exempts accounts on legal hold."""
    return rule(ctx) is not None and "legal_hold" in rule(ctx).exempt


def reconcile(ctx: ReportContext) -> str | None:
    """Why the charts' "inactive for 12 months or more" differs from "past their deadline" (None when equal or unknown).

    The top group counts whole months since last activity; a breach is an
    account whose deadline lies before ``as_of``. With the policy's period
    equal to the group's edge, the difference is the accounts on legal hold
    (exempt when the policy says so) and those whose deadline is ``as_of``
    itself.
    """
    lang, pol = ctx.language, ctx.policy
    top = ctx.get(f"inactivity.buckets.{TOP_BUCKET}")
    past = past_deadline(ctx)
    if is_missing(top) or is_missing(past) or top == past:
        return None
    values = {
        **policy_values(ctx),
        "total": fmt_int(top, lang),
        "past": fmt_int(past, lang),
        "top_months": fmt_int(TOP_MONTHS, lang),
        "as_of": fmt_date(ctx.as_of, lang),
    }
    if pol.inactivity_months != TOP_MONTHS or top < past:
        return t(lang, "v_inactivity_groups", **values)
    key = "v_inactivity_hold" if holds_exempt(ctx) else "v_inactivity_due_today"
    return tn(lang, key, top - past, **values)


def section(ctx: ReportContext) -> str:
    """§1.1: inactive accounts erased within the policy's period (kept: none past the deadline, none erased late);
    nothing for a policy without an inactivity rule (pipelines/report/outline.py)."""
    if not outline.shows(ctx.policy, "inactivity"):
        return ""
    lang = ctx.language
    breaches = past_deadline(ctx)
    late = ctx.get("retention.late_erasures")
    due = ctx.get("inactivity.due_next_30d")
    as_of = fmt_date(ctx.as_of, lang)
    values = policy_values(ctx)
    found = finding(ctx.summary, rule(ctx).id)
    verdict = code(found)
    sentences = []
    if verdict == NOT_COMPUTABLE:
        sentences.append(not_computable_words(ctx, found))
    elif verdict == NOT_ASSESSABLE:
        sentences.append(lacks_words(lang, found) or t(lang, "v_inactivity_none", as_of=as_of))
    elif breaches:
        sentences.append(tn(lang, "v_inactivity_not", breaches))
    else:
        sentences.append(
            tn(lang, "v_inactivity_kept", ctx.get("inactivity.population"), as_of=as_of)
        )
    if late:
        sentences.append(tn(lang, "v_late_erasures", late))
    if not is_missing(due) and verdict != NOT_ASSESSABLE:
        sentences.append(tn(lang, "v_inactivity_due", due, **values))
    if verdict != NOT_ASSESSABLE:
        sentences.append(reconcile(ctx))
    how = t(lang, "how_inactivity", as_of=as_of, **values)
    if holds_exempt(ctx):
        how += " " + t(lang, "how_legal_hold")
    return (
        heading(ctx, "sec_inactivity")
        + verdict_html(ctx, verdict, sentences, basis=basis(found), found=found)
        + rule_quote_html(ctx, rule(ctx))
        + source_html(ctx, found)
        + how_html(ctx, how)
    )


def _with_labels(data: pl.DataFrame, language: str) -> pl.DataFrame:
    mapping = {b: bucket_label(b, language) for b in BUCKETS}
    return data.with_columns(
        pl.col("bucket").replace_strict(mapping, default=pl.col("bucket")).alias("bucket_label")
    )


def _stack(
    data: pl.DataFrame, language: str, x_field: str, x_title_key: str, angle: float, domain: list | None = None
) -> alt.Chart:
    """Accounts per quarter, stacked by months-inactive group: colours by the group's code, names in ``language``;
    with ``domain``, exactly those quarters on the axis (an empty one too)."""
    return (
        alt.Chart(_with_labels(data, language))
        .mark_bar()
        .encode(
            x=x_axis(x_field, t(language, x_title_key), domain or "ascending", angle, domain),
            y=alt.Y("sum(accounts):Q", title=t(language, "ch_accounts")),
            color=code_colour(
                "bucket", "bucket", BUCKETS, language, t(language, "ch_months_inactive")
            ),
            order=alt.Order("order:Q"),
            tooltip=tooltips(
                language,
                (x_field, x_title_key),
                ("bucket_label:N", "ch_months_inactive"),
                ("accounts:Q", "ch_accounts", ","),
            ),
        )
    )


def _top(data: pl.DataFrame) -> int:
    return column_sum(data.filter(pl.col("bucket") == TOP_BUCKET), "accounts")


@draws("inactivity_cohorts")
def cohorts(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Accounts by signup quarter, stacked by months since last activity."""
    if not usable(frame, "signup_quarter", "bucket", "accounts"):
        return None
    data = bucket_frame(frame, "signup_quarter", "signup_quarter")
    return titled(
        _stack(data, language, "signup_quarter:O", "ch_signup_quarter", -45),
        tn(language, "t_cohorts", _top(data), months=fmt_int(TOP_MONTHS, language)),
        t(language, "t_cohorts_sub"),
    )


@draws("inactivity_buckets")
def buckets(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Accounts per months-inactive group."""
    if not usable(frame, "bucket", "accounts"):
        return None
    data = _with_labels(
        frame.select(
            pl.col("bucket").cast(pl.Utf8), pl.col("accounts").fill_null(0).cast(pl.Int64)
        ),
        language,
    )
    order = [bucket_label(b, language) for b in BUCKETS]
    base = alt.Chart(data).encode(
        x=x_axis("bucket_label:N", t(language, "ch_months_inactive"), order),
        y=alt.Y("accounts:Q", title=t(language, "ch_accounts")),
    )
    bars = base.mark_bar().encode(
        color=alt.Color("bucket:N", scale=colour_scale("bucket", BUCKETS), legend=None),
        tooltip=tooltips(
            language,
            ("bucket_label:N", "ch_months_inactive"),
            ("accounts:Q", "ch_accounts", ","),
        ),
    )
    labels = base.mark_text(dy=-7).encode(text=alt.Text("accounts:Q", format=","))
    return titled(
        bars + labels,
        tn(
            language,
            "t_buckets",
            _top(data),
            total=fmt_int(column_sum(data, "accounts"), language),
            months=fmt_int(TOP_MONTHS, language),
        ),
        t(language, "t_buckets_sub"),
    )


@draws("inactivity_trend")
def trend(
    frame: pl.DataFrame | None, language: str = "en", first_date=None
) -> alt.Chart | None:
    """Group counts at each of the last quarter ends; the title states the top group's latest figure and change.

    A quarter ending before the exports' ``first_date`` (``data.first_date``) is left empty, not 0
    (docs/report.md, "Trends before the exports begin").
    """
    if not usable(frame, "quarter_end", "bucket", "accounts"):
        return None
    data = bucket_frame(frame, "quarter_end", "quarter")
    ends = sorted({d for d in (to_date(v) for v in frame.get_column("quarter_end").to_list()) if d})
    quarters = data.get_column("quarter").unique().sort().to_list()
    empty = {quarter_label(e) for e in ends if before_data(e, first_date)}
    data = data.filter(~pl.col("quarter").is_in(list(empty)))
    tops = [
        None if q in empty else _top(data.filter(pl.col("quarter") == q))
        for q in quarters
    ]
    title = tn(
        language,
        "t_inactivity_trend",
        tops[-1],
        months=fmt_int(TOP_MONTHS, language),
        date=fmt_date(ends[-1], language) if ends else t(language, "na"),
        change=change_words(tops[-1], tops[-2] if len(tops) > 1 else None, language),
    )
    subtitle = tn(language, "t_inactivity_trend_sub", len(tops))
    return titled(
        _stack(data, language, "quarter:O", "ch_quarter_end", 0, quarters),
        title.replace(" ,", ",").rstrip(", "),
        gap_note(subtitle, first_date, language) if empty else subtitle,
    )


@draws("inactivity_erasure_pipeline")
def erasure_pipeline(
    frame: pl.DataFrame | None, language: str = "en", days: int = PIPELINE_DAYS
) -> alt.Chart | None:
    """Accounts reaching their erasure deadline in the next ``days`` days, by week (Monday)."""
    if not usable(frame, "deadline", "accounts"):
        return None
    rows: dict[date, int] = {}
    for deadline, accounts in frame.select("deadline", "accounts").iter_rows():
        d = to_date(deadline)
        if d is None:
            continue
        monday = d - timedelta(days=d.weekday())
        rows[monday] = rows.get(monday, 0) + int(accounts or 0)
    if not rows:
        return None
    weeks = sorted(rows)
    data = pl.DataFrame(
        {
            "week": [day_label(w, language) for w in weeks],
            "week_start": [w.isoformat() for w in weeks],
            "accounts": [rows[w] for w in weeks],
        }
    )
    total = sum(rows.values())
    order = data.get_column("week").to_list()
    base = alt.Chart(data).encode(
        x=x_axis("week:O", t(language, "ch_deadline_week"), order),
        y=alt.Y("accounts:Q", title=t(language, "ch_accounts")),
    )
    bars = base.mark_bar(color=ORANGE).encode(
        tooltip=tooltips(
            language,
            ("week_start:N", "ch_deadline_week"),
            ("accounts:Q", "ch_accounts", ","),
        )
    )
    labels = base.mark_text(dy=-7).encode(text=alt.Text("accounts:Q", format=","))
    return titled(
        bars + labels,
        tn(language, "t_pipeline", total, days=fmt_int(days, language)),
        t(language, "t_pipeline_sub"),
    )

