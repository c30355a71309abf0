"""Data-subject rights (policy §3, GDPR Art. 12(3)): the verdict, the section, its charts."""

from __future__ import annotations

import math

import altair as alt
import polars as pl

from pipelines.report import outline
from pipelines.report.kit import remediation
from pipelines.report.kit.blocks import (
    rule_quote_html,
    gap_note,
    heading,
    how_html,
    lacks_words,
    not_computable_words,
    source_html,
    verdict_html,
)
from pipelines.report.kit.context import ReportContext
from pipelines.report.kit.fmt import fmt_date, fmt_int, fmt_pct
from pipelines.report.kit.theme import (
    BAD,
    BLUE,
    GOOD,
    GREEN,
    INK,
    RIGHTS,
    SKY,
    WIDTH,
    before_data,
    column_sum,
    draws,
    optional_column,
    ordered,
    quarter_col,
    text_width,
    titled,
    tooltips,
    usable,
    x_axis,
)
from pipelines.report.kit.verdicts import (
    KEPT,
    NOT_ASSESSABLE,
    NOT_COMPUTABLE,
    basis,
    code,
    finding,
)
from pipelines.report.kit.words import OTHER, code_label, label, other_label, t, tn

def rule(ctx: ReportContext):
    """The rule this section's finding judges: the policy file's rights deadline (§3 and GDPR Art. 12(3),
    requests completed late in the quarter and open requests past their deadline); None without one."""
    return ctx.policy.rights_rule if ctx.policy is not None else None


def section(ctx: ReportContext) -> str:
    """§3 and GDPR Art. 12(3): every request answered within its (possibly extended) deadline. A policy stating only
    a standard for consent withdrawals shows that one (:func:`withdrawals_section`); a policy without a rights
    deadline, nothing (pipelines/report/outline.py)."""
    if not outline.shows(ctx.policy, "rights"):
        return ""
    if rule(ctx) is None:
        return withdrawals_section(ctx)
    lang, pol = ctx.language, ctx.policy
    found = finding(ctx.summary, rule(ctx).id)
    verdict = code(found)
    completed = ctx.get("rights.completed")
    rate = ctx.get("rights.on_time_rate")
    overdue = tn(lang, "v_rights_overdue", ctx.get("rights.open_overdue"))
    if verdict == NOT_COMPUTABLE:
        sentences = [not_computable_words(ctx, found)]
    elif verdict == NOT_ASSESSABLE:
        sentences = [lacks_words(lang, found) or t(lang, "v_rights_nothing", as_of=fmt_date(ctx.as_of, lang))]
    elif not completed:
        sentences = [t(lang, "v_rights_none", overdue=overdue)]
    elif verdict == KEPT:
        sentences = [tn(lang, "v_rights_kept", completed)]
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
            tn(lang, "v_support_missed", missed, days=tn(lang, "rights_days", window))
        )
    if verdict != NOT_ASSESSABLE:
        sentences.append(
            tn(
                lang,
                "v_rights_received",
                ctx.get("rights.received"),
                valid=fmt_int(ctx.get("rights.extensions.valid"), lang),
                invalid=fmt_int(ctx.get("rights.extensions.invalid"), lang),
            )
        )
    withdrawals = withdrawals_sentence(ctx)
    if withdrawals:
        sentences.append(withdrawals)
    undeclared = ctx.get(f"rights.by_right.{OTHER}")
    if undeclared:
        # counted, never named (docs/contract.md, "Only declared values")
        other = other_label(lang, ctx.get("rights.right_other_distinct"))
        sentences.append(tn(lang, "v_rights_other", undeclared, other=other))
    return (
        heading(ctx, "sec_rights")
        + verdict_html(ctx, verdict, sentences, basis=basis(found), found=found)
        + rule_quote_html(ctx, rule(ctx))
        + source_html(ctx, found)
        + how_html(ctx, how(ctx))
        + remediation.block(ctx, remediation.RIGHTS)  # last quarter's overdue requests answered? (docs/report.md)
    )


def withdrawals_section(ctx: ReportContext) -> str:
    """The section of a policy whose only rights deadline is its standard for consent withdrawals (contract reading
    23): that rule's verdict, the withdrawals against it, its clause; no Art. 12(3) figure, which no rule judges."""
    lang, withdrawal_rule = ctx.language, ctx.policy.consent_withdrawal_rule
    found = finding(ctx.summary, withdrawal_rule.id)
    verdict = code(found)
    if verdict == NOT_COMPUTABLE:
        sentences = [not_computable_words(ctx, found)]
    elif verdict == NOT_ASSESSABLE:
        sentences = [lacks_words(lang, found) or t(lang, "v_withdrawals_nothing", as_of=fmt_date(ctx.as_of, lang))]
    else:
        sentences = [withdrawals_sentence(ctx)]
    return (
        heading(ctx, "sec_rights")
        + verdict_html(ctx, verdict, sentences, basis=basis(found), found=found)
        + rule_quote_html(ctx, withdrawal_rule)
        + source_html(ctx, found)
    )


#: the figures of ``rights.consent_withdrawals`` (contract §5 reading 23), in the sentence's order
WITHDRAWAL_FIGURES = ("received", "completed", "within_standard", "open_past_standard")


def withdrawals_sentence(ctx: ReportContext) -> str | None:
    """Reading 23: the consent withdrawals, no Art. 12(3) requests, against the company's own standard (an
    internal standard, not the law); None when the results hold none of them (or no such block)."""
    lang = ctx.language
    block = ctx.get("rights.consent_withdrawals")
    if not isinstance(block, dict) or not any(block.get(k) for k in WITHDRAWAL_FIGURES):
        return None
    days = ctx.get("rights.consent_withdrawal_working_days", ctx.policy.consent_withdrawal_working_days)
    received, completed, within, open_past = (fmt_int(block.get(k), lang) for k in WITHDRAWAL_FIGURES)
    return t(lang, "v_rights_withdrawals", days=tn(lang, "working_days", days), received=received,
             completed=completed, within=within, open=open_past)


def how(ctx: ReportContext) -> str:
    """How the deadline is computed, its lengths from the policy (``[rights]``; GDPR Art. 12(3): one month, three when extended)."""
    lang, pol = ctx.language, ctx.policy
    return t(
        lang,
        "how_rights",
        clock_start=t(lang, f"clock_{pol.clock_start}"),
        deadline=tn(lang, "rights_months", pol.deadline_months),
        extended=tn(lang, "rights_months", pol.extended_deadline_months),
    )


@draws("rights_by_right")
def by_right(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Requests received, completed and completed on time, by right: the contract's rights, then ``other``
    with its number of distinct values, never the values (docs/contract.md, "Only declared values").
    A count the table leaves empty is not drawn: consent withdrawals have no Art. 12(3) completed or on-time
    count (contract §5 reading 23)."""
    if not usable(frame, "right", "received"):
        return None
    cols = [c for c in ("received", "completed", "on_time") if c in frame.columns]
    names = {
        "received": t(language, "received"),
        "completed": t(language, "completed"),
        "on_time": t(language, "completed_on_time"),
    }
    data = frame.with_columns(pl.col("right").cast(pl.Utf8), optional_column(frame, "other_values", pl.Int64))
    rights = [r for r in RIGHTS if r in data.get_column("right").to_list()] + sorted(
        set(data.get_column("right").to_list()) - set(RIGHTS)
    )
    other_values = dict(zip(data.get_column("right").to_list(), data.get_column("other_values").to_list()))
    right_labels = [code_label(language, "right", r, other_values.get(r)) for r in rights]
    long = pl.concat(
        [
            data.select(
                pl.col("right")
                .replace_strict(
                    dict(zip(rights, right_labels)), default=pl.col("right")
                )
                .alias("right_label"),
                pl.lit(names[c]).alias("status"),
                pl.col(c).cast(pl.Int64).alias("requests"),
            )
            for c in cols
        ]
    ).filter(pl.col("requests").is_not_null())
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
        right=code_label(language, "right", top_row["right"], top_row["other_values"]),
    )
    return titled(
        bars,
        title,
        t(language, "t_by_right_sub"),
        width=WIDTH - 140,
        height=alt.Step(9),
    )


#: at most this many bars in the days-to-spare chart: wider bins beyond it (20,000 requests draw as fast as 50)
MAX_BARS = 60


def spare_days(frame: pl.DataFrame) -> pl.DataFrame:
    """Completed requests as (days to spare, on time, requests): days allowed minus days taken, late below 0.

    Aggregated from the per-request table, so the chart holds no request key
    and at most a few hundred rows whatever the number of requests.
    """
    on_time = (
        pl.col("on_time").cast(pl.Boolean)
        if "on_time" in frame.columns
        else (pl.col("days_to_complete") <= pl.col("days_allowed"))
    )
    return (
        frame.filter(
            pl.col("days_to_complete").is_not_null()
            & pl.col("days_allowed").is_not_null()
        )
        .select(
            (pl.col("days_allowed").cast(pl.Int64) - pl.col("days_to_complete").cast(pl.Int64)).alias("spare"),
            on_time.fill_null(False).alias("on_time"),
        )
        .group_by("spare", "on_time")
        .agg(pl.len().cast(pl.Int64).alias("requests"))
        .sort("spare", "on_time")
    )


def binned(data: pl.DataFrame) -> tuple[pl.DataFrame, int]:
    """Days to spare in bins of equal width (1 day, wider past :data:`MAX_BARS` days), one edge at 0 (the deadline)."""
    lo, hi = int(data.get_column("spare").min()), int(data.get_column("spare").max())
    width = max(1, -(-(hi - lo + 1) // MAX_BARS))
    out = (
        data.with_columns((pl.col("spare") // width * width).alias("start"))
        .group_by("start", "on_time")
        .agg(pl.col("requests").sum())
        .with_columns((pl.col("start") + width).alias("end"))
        .sort("start", "on_time")
    )
    return out, width


@draws("rights_days_spare", part="rights_deadline")
def days_to_complete(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Completed requests by days to spare at completion: left of the deadline line were late.

    ``frame`` is (spare, on_time, requests), as :func:`spare_days` makes it from
    per-request rows (the run writes it so: ``rights_days_spare``). A histogram, not
    a scatter of days taken against days allowed: days allowed takes a few values
    only (one month, or three when extended), so a scatter piles thousands of
    requests onto two columns of dots.
    """
    if not usable(frame, "spare", "on_time", "requests"):
        return None
    spare = frame.filter(pl.col("spare").is_not_null()).select(
        pl.col("spare").cast(pl.Int64), pl.col("on_time").fill_null(False), pl.col("requests").cast(pl.Int64)
    )
    if spare.height == 0:
        return None
    data, width = binned(spare)
    statuses = [t(language, "on_time"), t(language, "late")]
    data = data.with_columns(
        pl.when(pl.col("on_time"))
        .then(pl.lit(statuses[0]))
        .otherwise(pl.lit(statuses[1]))
        .alias("status"),
        (pl.col("end") - 1).alias("last"),
    )
    bars = (
        alt.Chart(data)
        .mark_bar(stroke="white", strokeWidth=0.5)
        .encode(
            x=alt.X(
                "start:Q",
                title=t(language, "ch_days_spare"),
                axis=alt.Axis(tickMinStep=1, format="d"),
            ),
            x2="end:Q",
            y=alt.Y(
                "sum(requests):Q",
                title=t(language, "ch_requests"),
                axis=alt.Axis(tickMinStep=1, format="d"),
            ),
            color=alt.Color(
                "status:N",
                title=None,
                sort=statuses,
                scale=alt.Scale(domain=statuses, range=[GOOD, BAD]),
            ),
            tooltip=tooltips(
                language,
                ("start:Q", "ch_days_spare_from"),
                ("last:Q", "ch_days_spare_to"),
                ("status:N", "ch_status"),
                ("requests:Q", "ch_requests", ","),
            ),
        )
    )
    deadline = (
        alt.Chart(pl.DataFrame({"x": [0], "text": [t(language, "rights_deadline_mark")]}))
        .encode(x="x:Q")
    )
    marks = deadline.mark_rule(color=INK, strokeDash=[4, 3], strokeWidth=1.5) + deadline.mark_text(
        align="left", baseline="top", dx=4, y=2, color=INK
    ).encode(text="text:N")
    return titled(
        bars + marks,
        days_title(spare, language),
        t(language, "t_days_sub") if width == 1 else tn(language, "t_days_sub_binned", width),
    )


def days_title(spare: pl.DataFrame, language: str) -> str:
    """'2 of 32 completed requests were late, the latest by 5 days' or 'All 32 ... on time, the closest 1 day before the deadline'."""
    n = column_sum(spare, "requests")
    late = spare.filter(~pl.col("on_time"))
    if late.height:
        worst = max(0, -int(late.get_column("spare").min()))
        return t(
            language,
            "t_days",
            late=fmt_int(column_sum(late, "requests"), language),
            n=fmt_int(n, language),
            days=tn(language, "rights_days", worst),
        )
    closest = max(0, int(spare.get_column("spare").min()))
    return tn(language, "t_days_kept", n, days=tn(language, "rights_days", closest))


@draws("rights_on_time_trend", part="rights_deadline")
def on_time_trend(
    frame: pl.DataFrame | None, language: str = "en", first_date=None
) -> alt.Chart | None:
    """On-time rate by quarter of completion, against the 100% the law requires; the axis spans the data.

    A quarter ending before the exports' ``first_date`` (``data.first_date``) is left empty: no
    rate, and no 0 completed in its tooltip (docs/report.md, "Trends before the exports begin").
    """
    if not usable(frame, "quarter", "on_time_rate"):
        return None
    # the quarter's end: its own as_of when the table says it (the reviewed quarter's is as_of), else its last day
    ends = frame.get_column("as_of" if "as_of" in frame.columns else "quarter").to_list()
    gap = pl.Series([before_data(end, first_date) for end in ends], dtype=pl.Boolean)
    data = frame.select(
        quarter_col("quarter", "quarter"),
        pl.col("on_time_rate").cast(pl.Float64).alias("rate"),
        optional_column(frame, "completed", pl.Int64),
        optional_column(frame, "on_time", pl.Int64),
    ).with_columns(
        pl.when(gap).then(None).otherwise(pl.col(c)).alias(c) for c in ("rate", "completed", "on_time")
    ).sort("quarter")
    known = data.filter(pl.col("rate").is_not_null())
    if known.height == 0:
        return None
    quarters = data.get_column("quarter").to_list()
    subtitle = t(language, "t_on_time_sub")
    base = alt.Chart(data).encode(
        x=x_axis("quarter:O", t(language, "ch_quarter"), quarters, domain=quarters),
        y=alt.Y(
            "rate:Q",
            title=t(language, "ch_on_time_rate"),
            scale=alt.Scale(domain=rate_domain(known.get_column("rate").to_list()), nice=False, zero=False),
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
    return titled(
        target + line + labels,
        on_time_title(known, language),
        gap_note(subtitle, first_date, language) if gap.any() else subtitle,
    )


def rate_domain(rates: list[float], step: float = 0.05) -> list[float]:
    """The y range for on-time rates: a little below the lowest (room for its label), to 100%, the target line.

    87-97% on a 0-100% axis is a flat line; on 85-100% the changes show.
    """
    low = min(rates) - max(0.02, (1 - min(rates)) / 10)
    return [max(0.0, round(math.floor(round(low / step, 6)) * step, 4)), 1.0]


def on_time_title(known: pl.DataFrame, language: str) -> str:
    """'89% of requests completed on time in 2024Q3, against 83% in 2024Q2' (the latest quarter against the one before)."""
    last = known.row(known.height - 1, named=True)
    values = {"rate": fmt_pct(last["rate"], language), "quarter": last["quarter"]}
    if known.height < 2:
        return t(language, "t_on_time", **values)
    prev = known.row(known.height - 2, named=True)
    return t(
        language,
        "t_on_time_change",
        previous=fmt_pct(prev["rate"], language),
        previous_quarter=prev["quarter"],
        **values,
    )


@draws("rights_open_ageing", part="rights_deadline")
def open_ageing(
    frame: pl.DataFrame | None, language: str = "en", open_overdue: int | None = None
) -> alt.Chart | None:
    """Open requests by age bucket (the family's buckets, in its order), overdue ones in vermillion.

    The overdue count is the table's own (its ``open_overdue`` rows); ``open_overdue`` serves a table without statuses.
    """
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
        "open": t(language, "open_request"),
    }
    data = data.with_columns(
        pl.col("status")
        .replace_strict(statuses, default=pl.col("status"))
        .alias("status_label")
    )
    data = data.with_columns(
        pl.col("bucket")
        .map_elements(lambda b: label(language, "age", b), return_dtype=pl.Utf8)
        .alias("bucket")
    )
    order = data.get_column("bucket").to_list()
    shown = list(dict.fromkeys(data.get_column("status_label").to_list()))
    colours = [BAD if s == statuses["open_overdue"] else BLUE for s in shown]
    n = column_sum(data, "requests")
    # one bar per age, the ages down the side: each name on a line of its own, none dropped to
    # avoid overlap (labelOverlap), in both languages; the counts beside the bars keep room at the right
    # (docs/report.md, "The offline template": bar labels)
    room = text_width(fmt_int(data.get_column("requests").max(), language)) + 4 + 4
    base = alt.Chart(data).encode(
        y=alt.Y(
            "bucket:N",
            title=t(language, "ch_age"),
            sort=order,
            axis=alt.Axis(labelOverlap=False, labelLimit=300),
        ),
        x=alt.X(
            "requests:Q",
            title=t(language, "ch_requests"),
            axis=alt.Axis(tickMinStep=1, format="d"),
            scale=alt.Scale(domainMin=0, range=[0, alt.ExprRef(f"max(0, width - {room:.0f})")]),
        ),
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "status_label:N", title=None, scale=alt.Scale(domain=shown, range=colours)
        ),
        tooltip=tooltips(language, ("bucket:N", "ch_age"), ("requests:Q", "ch_requests", ",")),
    )
    text = base.mark_text(align="left", dx=4).encode(text=alt.Text("requests:Q", format=","))
    if "status" in frame.columns:
        open_overdue = column_sum(data.filter(pl.col("status") == "open_overdue"), "requests")
    if open_overdue is None:
        title = tn(language, "t_ageing_open", n)
    else:
        title = tn(language, "t_ageing", n, overdue=fmt_int(open_overdue, language))
    return titled(bars + text, title, t(language, "t_ageing_sub"), height=alt.Step(24))
