"""Inactive accounts (policy §1.1, §1.2): the verdict, the section, its charts."""

from __future__ import annotations

from datetime import date, timedelta

import altair as alt
import polars as pl

from pipelines.report.kit.blocks import (
    clause_html,
    heading,
    how_html,
    verdict_html,
)
from pipelines.report.kit.context import ReportContext, lookup
from pipelines.report.kit.fmt import fmt_int, is_missing
from pipelines.report.kit.theme import (
    BUCKETS,
    ORANGE,
    bucket_frame,
    bucket_scale,
    bucket_stack,
    column_sum,
    day_label,
    draws,
    titled,
    to_date,
    tooltips,
    usable,
    x_axis,
)
from pipelines.report.kit.verdicts import (
    KEPT,
    NOT_ASSESSABLE,
    NOT_COMPUTABLE,
    NOT_KEPT,
)
from pipelines.report.kit.words import t, tn


def judge(summary: dict) -> str:
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


def section(ctx: ReportContext) -> str:
    """§1.1: inactive accounts erased within 12 months (kept: none past the deadline, none erased late)."""
    lang, pol = ctx.language, ctx.policy
    breaches = ctx.get("retention.breaches.account")
    late = ctx.get("retention.late_erasures")
    due = ctx.get("inactivity.due_next_30d")
    verdict = judge(ctx.summary)
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


@draws("inactivity_cohorts")
def cohorts(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Accounts by signup quarter, stacked by months since last activity."""
    if not usable(frame, "signup_quarter", "bucket", "accounts"):
        return None
    data = bucket_frame(frame, "signup_quarter", "signup_quarter")
    past = column_sum(data.filter(pl.col("bucket") == "12m+"), "accounts")
    return titled(
        bucket_stack(data, language, "signup_quarter:O", "ch_signup_quarter", -45),
        tn(language, "t_cohorts", past),
        t(language, "t_cohorts_sub"),
    )


@draws("inactivity_buckets")
def buckets(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Accounts per months-inactive bucket."""
    if not usable(frame, "bucket", "accounts"):
        return None
    data = frame.select(
        pl.col("bucket").cast(pl.Utf8), pl.col("accounts").fill_null(0).cast(pl.Int64)
    )
    past = column_sum(data.filter(pl.col("bucket") == "12m+"), "accounts")
    base = alt.Chart(data).encode(
        x=x_axis("bucket:N", t(language, "ch_months_inactive"), BUCKETS),
        y=alt.Y("accounts:Q", title=t(language, "ch_accounts")),
    )
    bars = base.mark_bar().encode(
        color=alt.Color("bucket:N", scale=bucket_scale(), legend=None),
        tooltip=tooltips(
            language,
            ("bucket:N", "ch_months_inactive"),
            ("accounts:Q", "ch_accounts", ","),
        ),
    )
    labels = base.mark_text(dy=-7).encode(text=alt.Text("accounts:Q", format=","))
    return titled(
        bars + labels,
        t(language, "t_buckets", n=fmt_int(past, language)),
        t(language, "t_buckets_sub"),
    )


@draws("inactivity_trend")
def trend(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Bucket counts at each of the last eight quarter ends."""
    if not usable(frame, "quarter_end", "bucket", "accounts"):
        return None
    return titled(
        bucket_stack(
            bucket_frame(frame, "quarter_end", "quarter"),
            language,
            "quarter:O",
            "ch_quarter_end",
            0,
        ),
        t(language, "t_inactivity_trend"),
        t(language, "t_inactivity_trend_sub"),
    )


@draws("inactivity_erasure_pipeline")
def erasure_pipeline(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Accounts reaching their erasure deadline in the next 90 days, by week (Monday)."""
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
        bars + labels, tn(language, "t_pipeline", total), t(language, "t_pipeline_sub")
    )

