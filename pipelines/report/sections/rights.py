"""Data-subject rights (policy §3, GDPR Art. 12(3)): the verdict, the section, its charts."""

from __future__ import annotations

import altair as alt
import polars as pl

from pipelines.report.kit.blocks import (
    clause_html,
    heading,
    how_html,
    verdict_html,
)
from pipelines.report.kit.context import ReportContext, lookup
from pipelines.report.kit.fmt import fmt_int, fmt_pct, is_missing
from pipelines.report.kit.theme import (
    BAD,
    BLUE,
    GOOD,
    GREEN,
    GREY,
    INK,
    RIGHTS,
    SKY,
    WIDTH,
    column_sum,
    draws,
    optional_column,
    ordered,
    quarter_col,
    titled,
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
from pipelines.report.kit.words import label, t


def assessable(summary: dict) -> bool | None:
    """Whether any request was received or completed in the quarter, or open at ``as_of``; ``None``: not stated."""
    counts = [
        lookup(summary, f"rights.{key}")
        for key in ("received", "completed", "open_overdue", "open_not_due")
    ]
    known = [c for c in counts if not is_missing(c)]
    return any(c > 0 for c in known) if known else None


def judge(summary: dict) -> str:
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
    if assessable(summary) is False:
        return NOT_ASSESSABLE
    return KEPT


def section(ctx: ReportContext) -> str:
    """§3 and GDPR Art. 12(3): every request answered within its (possibly extended) deadline."""
    lang, pol = ctx.language, ctx.policy
    verdict = judge(ctx.summary)
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


@draws("rights_by_right")
def by_right(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Requests received, completed and completed on time, by right."""
    if not usable(frame, "right", "received"):
        return None
    cols = [c for c in ("received", "completed", "on_time") if c in frame.columns]
    names = {
        "received": t(language, "received"),
        "completed": t(language, "completed"),
        "on_time": t(language, "completed_on_time"),
    }
    data = frame.with_columns(pl.col("right").cast(pl.Utf8))
    rights = [r for r in RIGHTS if r in data.get_column("right").to_list()] + sorted(
        set(data.get_column("right").to_list()) - set(RIGHTS)
    )
    right_labels = [label(language, "right", r) for r in rights]
    long = pl.concat(
        [
            data.select(
                pl.col("right")
                .replace_strict(
                    dict(zip(rights, right_labels)), default=pl.col("right")
                )
                .alias("right_label"),
                pl.lit(names[c]).alias("status"),
                pl.col(c).fill_null(0).cast(pl.Int64).alias("requests"),
            )
            for c in cols
        ]
    )
    received = column_sum(data, "received")
    top_row = data.sort("received", descending=True).row(0, named=True)
    statuses = [names[c] for c in cols]
    bars = (
        alt.Chart(long)
        .mark_bar()
        .encode(
            y=alt.Y("right_label:N", title=None, sort=right_labels),
            yOffset=alt.YOffset("status:N", sort=statuses),
            x=alt.X("requests:Q", title=t(language, "ch_requests")),
            color=alt.Color(
                "status:N",
                title=None,
                sort=statuses,
                scale=alt.Scale(
                    domain=statuses, range=[SKY, BLUE, GREEN][: len(statuses)]
                ),
            ),
            tooltip=tooltips(
                language,
                ("right_label:N", "ch_right"),
                ("status:N", "ch_status"),
                ("requests:Q", "ch_requests", ","),
            ),
        )
    )
    title = t(
        language,
        "t_by_right",
        n=fmt_int(received, language),
        right=label(language, "right", top_row["right"]),
    )
    return titled(
        bars,
        title,
        t(language, "t_by_right_sub"),
        width=WIDTH - 140,
        height=alt.Step(9),
    )


@draws("rights_requests")
def days_to_complete(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Completed requests: days taken against days allowed (points above the diagonal are late).

    The per-request table is aggregated first, to (days allowed, days taken,
    on time, count): the chart holds no request keys and stays small.
    """
    if not usable(frame, "days_to_complete", "days_allowed"):
        return None
    on_time_col = (
        pl.col("on_time").cast(pl.Boolean)
        if "on_time" in frame.columns
        else (pl.col("days_to_complete") <= pl.col("days_allowed"))
    )
    data = (
        frame.filter(
            pl.col("days_to_complete").is_not_null()
            & pl.col("days_allowed").is_not_null()
        )
        .select(
            pl.col("days_allowed").cast(pl.Int64),
            pl.col("days_to_complete").cast(pl.Int64),
            on_time_col.fill_null(False).alias("on_time"),
        )
        .group_by("days_allowed", "days_to_complete", "on_time")
        .agg(pl.len().cast(pl.Int64).alias("requests"))
        .with_columns(
            pl.when(pl.col("on_time"))
            .then(pl.lit(t(language, "on_time")))
            .otherwise(pl.lit(t(language, "late")))
            .alias("status")
        )
        .sort("days_allowed", "days_to_complete")
    )
    if data.height == 0:
        return None
    n = column_sum(data, "requests")
    late = column_sum(data.filter(~pl.col("on_time")), "requests")
    hi = (
        int(
            max(
                data.get_column("days_allowed").max(),
                data.get_column("days_to_complete").max(),
            )
        )
        + 5
    )
    statuses = [t(language, "on_time"), t(language, "late")]
    diagonal = (
        alt.Chart(pl.DataFrame({"d": [0, hi]}))
        .mark_line(color=GREY, strokeDash=[4, 4], strokeWidth=1.5)
        .encode(x="d:Q", y="d:Q")
    )
    points = (
        alt.Chart(data)
        .mark_point(filled=True, opacity=0.8)
        .encode(
            x=alt.X(
                "days_allowed:Q",
                title=t(language, "ch_days_allowed"),
                scale=alt.Scale(domain=[0, hi]),
            ),
            y=alt.Y(
                "days_to_complete:Q",
                title=t(language, "ch_days_taken"),
                scale=alt.Scale(domain=[0, hi]),
            ),
            size=(
                alt.Size(
                    "requests:Q",
                    title=t(language, "ch_requests"),
                    scale=alt.Scale(range=[60, 400], zero=False),
                    legend=alt.Legend(format="d", tickMinStep=1),
                )
                if int(data.get_column("requests").max()) > 1
                else alt.value(110)
            ),
            color=alt.Color(
                "status:N",
                title=None,
                scale=alt.Scale(domain=statuses, range=[GOOD, BAD]),
            ),
            shape=alt.Shape(
                "status:N",
                title=None,
                scale=alt.Scale(domain=statuses, range=["circle", "triangle-up"]),
            ),
            tooltip=tooltips(
                language,
                ("days_allowed:Q", "ch_days_allowed"),
                ("days_to_complete:Q", "ch_days_taken"),
                ("status:N", "ch_status"),
                ("requests:Q", "ch_requests"),
            ),
        )
    )
    return titled(
        diagonal + points,
        t(language, "t_days", late=fmt_int(late, language), n=fmt_int(n, language)),
        t(language, "t_days_sub"),
        width=WIDTH - 160,
        height=WIDTH - 160,
    )


@draws("rights_on_time_trend")
def on_time_trend(frame: pl.DataFrame | None, language: str = "en") -> alt.Chart | None:
    """On-time rate by quarter of completion, against the 100% the law requires."""
    if not usable(frame, "quarter", "on_time_rate"):
        return None
    data = frame.select(
        quarter_col("quarter", "quarter"),
        pl.col("on_time_rate").cast(pl.Float64).alias("rate"),
        optional_column(frame, "completed", pl.Int64),
        optional_column(frame, "on_time", pl.Int64),
    ).sort("quarter")
    known = data.filter(pl.col("rate").is_not_null())
    if known.height == 0:
        return None
    last = known.row(known.height - 1, named=True)
    base = alt.Chart(data).encode(
        x=x_axis("quarter:O", t(language, "ch_quarter"), "ascending"),
        y=alt.Y(
            "rate:Q",
            title=t(language, "ch_on_time_rate"),
            scale=alt.Scale(domain=[0, 1]),
            axis=alt.Axis(format="%"),
        ),
        tooltip=tooltips(
            language,
            ("quarter:O", "ch_quarter"),
            ("rate:Q", "ch_on_time_rate", ".1%"),
            ("completed:Q", "completed"),
            ("on_time:Q", "on_time"),
        ),
    )
    target = (
        alt.Chart(pl.DataFrame({"target": [1.0]}))
        .mark_rule(color=GREEN, strokeDash=[6, 4], strokeWidth=1.5)
        .encode(y="target:Q")
    )
    line = base.mark_line(color=BLUE) + base.mark_point(color=BLUE, size=70)
    labels = base.mark_text(dy=14, color=INK).encode(
        text=alt.Text("rate:Q", format=".0%")
    )
    title = t(
        language,
        "t_on_time",
        rate=fmt_pct(last["rate"], language),
        quarter=last["quarter"],
    )
    return titled(target + line + labels, title, t(language, "t_on_time_sub"))


@draws("rights_open_ageing")
def open_ageing(
    frame: pl.DataFrame | None, language: str = "en", open_overdue: int | None = None
) -> alt.Chart | None:
    """Open requests by age bucket (the family's buckets, in its order), overdue ones in vermillion."""
    if not usable(frame, "bucket", "requests"):
        return None
    data = ordered(frame, "bucket").select(
        pl.col("bucket").cast(pl.Utf8),
        pl.col("requests").fill_null(0).cast(pl.Int64),
        optional_column(frame, "status", pl.Utf8, "open"),
    )
    statuses = {
        "open_overdue": t(language, "overdue"),
        "open_not_due": t(language, "not_yet_due"),
    }
    data = data.with_columns(
        pl.col("status")
        .replace_strict(statuses, default=pl.col("status"))
        .alias("status_label")
    )
    order = data.get_column("bucket").to_list()
    shown = list(dict.fromkeys(data.get_column("status_label").to_list()))
    colours = [BAD if s == statuses["open_overdue"] else BLUE for s in shown]
    base = alt.Chart(data).encode(
        x=x_axis("bucket:N", t(language, "ch_age"), order, -30),
        y=alt.Y(
            "requests:Q", title=t(language, "ch_requests"), axis=alt.Axis(tickMinStep=1)
        ),
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "status_label:N", title=None, scale=alt.Scale(domain=shown, range=colours)
        ),
        tooltip=tooltips(language, ("bucket:N", "ch_age"), ("requests:Q", "ch_requests")),
    )
    text = base.mark_text(dy=-7).encode(text="requests:Q")
    overdue = (
        fmt_int(open_overdue, language)
        if open_overdue is not None
        else t(language, "na")
    )
    title = t(
        language,
        "t_ageing",
        n=fmt_int(column_sum(data, "requests"), language),
        overdue=overdue,
    )
    return titled(bars + text, title, t(language, "t_ageing_sub"))

