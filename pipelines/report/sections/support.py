"""Support inquiries (policy §1.4): the verdict, the section, its charts."""

from __future__ import annotations

import altair as alt
import polars as pl

from pipelines.report import outline
from pipelines.report.kit.blocks import (
    rule_quote_html,
    heading,
    how_html,
    lacks_words,
    not_computable_words,
    source_html,
    verdict_html,
)
from pipelines.report.kit.context import ReportContext
from pipelines.report.kit.fmt import fmt_date, fmt_hours, fmt_int, fmt_pct, is_missing
from pipelines.report.kit.theme import (
    ALL_CHANNELS,
    BLUE,
    GREY,
    ORANGE,
    WIDTH,
    by_measure,
    by_total,
    channel_bars,
    channel_frame,
    chart_title,
    column_sum,
    draws,
    measure_col,
    month_label,
    optional_column,
    ordered,
    titled,
    tooltips,
    usable,
    without_all,
    x_axis,
)
from pipelines.report.kit.verdicts import (
    KEPT,
    NOT_ASSESSABLE,
    NOT_COMPUTABLE,
    NOT_KEPT,
    basis,
    code,
    finding,
)
from pipelines.report.kit.words import OTHER, code_label, label, other_label, t, tn

#: the family's last elapsed-time bin ending at 24 hours and at 7 days (metrics/sql/marts/support_duration_histogram.sql)
DAY_BIN, WEEK_BIN = "8-24h", "2-7d"


def fmt_elapsed(hours, language: str = "en") -> str:
    """Elapsed time in hours, or in minutes below one hour (a live chat answered in 3 minutes is not '0.0 h')."""
    if not is_missing(hours) and 0 <= hours < 1:
        return fmt_int(max(1, round(hours * 60)), language) + "\u00a0" + t(language, "unit_minutes")
    return fmt_hours(hours, language)


def rule(ctx: ReportContext):
    """The rule this section's finding judges: the policy file's response standard (§1.4, inquiries of the
    quarter answered late or unanswered past it); None without one."""
    return ctx.policy.response_rule if ctx.policy is not None else None


def section(ctx: ReportContext) -> str:
    """§1.4 with the company's response standard: the finding's verdict, what the standard counts as a failure
    (answered late, unanswered past it) and what it does not (awaiting an answer within it); the statistics
    themselves are this section. An inquiry is answered by its first response or, failing that, its resolution
    (contract reading 24): the standard's words say "an answer", the statistics' "a first response". Nothing for a
    policy without a response standard (pipelines/report/outline.py)."""
    if not outline.shows(ctx.policy, "support"):
        return ""
    lang = ctx.language
    as_of = fmt_date(ctx.as_of, lang)
    found = finding(ctx.summary, rule(ctx).id)
    verdict = code(found)
    details = (found or {}).get("details") or {}
    tickets = ctx.get("support.tickets")
    no_first_response = ctx.get("support.no_first_response")
    days = tn(lang, "working_days", ctx.get("support.response_working_days", rule(ctx).period.amount))
    late = ctx.get("support.answered_late", details.get("answered_late"))
    past = ctx.get("support.unanswered_past_standard", details.get("unanswered_past_standard"))
    awaiting = details.get("awaiting_within_standard", ctx.get("support.awaiting_within_standard"))
    sentences = []
    if verdict == NOT_ASSESSABLE:
        sentences.append(lacks_words(lang, found) or t(lang, "v_support_none"))
    elif verdict == NOT_COMPUTABLE:
        sentences.append(not_computable_words(ctx, found))
    if verdict in (KEPT, NOT_KEPT) and not is_missing(tickets) and not is_missing(no_first_response):
        sentences.append(
            t(
                lang,
                "v_support_answered",
                n=fmt_int(tickets, lang),
                answered=fmt_int(tickets - no_first_response, lang),
                first=fmt_elapsed(ctx.get("support.first_response_hours.median"), lang),
                as_of=as_of,
            )
        )
    if verdict == NOT_KEPT:
        failed = (late or 0) + (past or 0)
        sentences.append(
            tn(lang, "v_support_failed", failed, days=days, late=fmt_int(late, lang), unanswered=fmt_int(past, lang))
        )
    elif verdict == KEPT:
        sentences.append(t(lang, "v_support_met", days=days))
    if verdict in (KEPT, NOT_KEPT) and awaiting:
        # within the standard: not (yet) a failure (docs/report.md, "Findings")
        sentences.append(tn(lang, "v_support_awaiting", awaiting, days=days, as_of=as_of))
    if not is_missing(tickets) and tickets:
        sentences.append(
            t(
                lang,
                "v_support_times",
                share=fmt_pct(ctx.get("support.privacy_share"), lang, 1),
                resolution=fmt_elapsed(ctx.get("support.resolution_hours.median"), lang),
                backlog=fmt_int(ctx.get("support.backlog"), lang),
                as_of=as_of,
            )
        )
    undeclared = ctx.get(f"support.by_category.{OTHER}")
    if undeclared:
        # counted, never named (docs/contract.md, "Only declared values")
        other = other_label(lang, ctx.get("support.category_other_distinct"))
        sentences.append(tn(lang, "v_support_other", undeclared, other=other))
    return (
        heading(ctx, "sec_support")
        + verdict_html(ctx, verdict, sentences, basis=basis(found), found=found)
        + rule_quote_html(ctx, rule(ctx))
        + source_html(ctx, found)
        + how_html(ctx, t(lang, "how_support", as_of=as_of, days=days))
    )


@draws("support_by_channel_month")
def by_channel_month(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Tickets created per month, grouped by channel."""
    if not usable(frame, "month", "channel", "tickets"):
        return None
    data, labels = channel_frame(
        frame.with_columns(pl.col("tickets").fill_null(0).cast(pl.Int64)), language
    )
    data = data.sort("month").with_columns(
        pl.col("month")
        .map_elements(lambda v: month_label(v, language), return_dtype=pl.Utf8)
        .alias("month_label")
    )
    months = list(dict.fromkeys(data.get_column("month_label").to_list()))
    total = column_sum(data, "tickets")
    top = by_total(data, "channel_label", "tickets")[0] if total else "-"
    bars = channel_bars(
        data,
        labels,
        language,
        x=x_axis("month_label:O", t(language, "ch_month"), months),
        tooltip=tooltips(
            language,
            ("month_label:O", "ch_month"),
            ("channel_label:N", "ch_channel"),
            ("tickets:Q", "ch_tickets", ","),
        ),
    )
    return titled(
        bars,
        t(language, "t_channel_month", n=fmt_int(total, language), channel=top),
        t(language, "t_channel_month_sub"),
    )


@draws("support_by_category")
def by_category(
    frame: pl.DataFrame | None, language: str = "en", privacy_category: str = "privacy"
) -> alt.Chart | None:
    """Tickets by category (the policy's declared categories, named from the catalogue), ``other`` last
    with its number of distinct values, never the values (docs/contract.md, "Only declared values");
    the privacy category stands out."""
    if not usable(frame, "category", "tickets"):
        return None
    privacy = privacy_category.strip().lower()  # declared categories are trimmed and lower-cased
    data = (
        frame.select(
            pl.col("category").cast(pl.Utf8).fill_null("-"),
            pl.col("tickets").fill_null(0).cast(pl.Int64),
            optional_column(frame, "other_values", pl.Int64),
        )
        .sort(pl.col("category") == OTHER, pl.col("tickets"), descending=[False, True], maintain_order=True)
        .with_columns((pl.col("category") == privacy).alias("is_privacy"))
    )
    data = data.with_columns(
        pl.struct("category", "other_values")
        .map_elements(
            lambda r: code_label(language, "category", r["category"], r["other_values"]), return_dtype=pl.Utf8
        )
        .alias("category_label")
    )
    order = data.get_column("category_label").to_list()
    base = alt.Chart(data).encode(
        y=alt.Y("category_label:N", title=t(language, "ch_category"), sort=order),
        x=alt.X("tickets:Q", title=t(language, "ch_tickets")),
    )
    bars = base.mark_bar().encode(
        color=alt.Color(
            "is_privacy:N",
            scale=alt.Scale(domain=[False, True], range=[BLUE, ORANGE]),
            legend=None,
        ),
        tooltip=tooltips(
            language,
            ("category_label:N", "ch_category"),
            ("tickets:Q", "ch_tickets", ","),
        ),
    )
    text = base.mark_text(align="left", dx=4).encode(
        text=alt.Text("tickets:Q", format=",")
    )
    return titled(
        bars + text,
        _category_title(data, language),
        t(language, "t_by_category_sub"),
        width=WIDTH - 120,
        height=alt.Step(24),
    )


def _category_title(data: pl.DataFrame, language: str) -> str:
    """'Most tickets concern how-to questions (35%); 8% concern privacy' (the privacy part when it is not the top)."""
    total = column_sum(data, "tickets")
    top = data.sort("tickets", descending=True, maintain_order=True).row(0, named=True)  # 'other' too
    values = {
        "category": top["category_label"],
        "share": fmt_pct(top["tickets"] / total if total else None, language),
    }
    privacy = data.filter(pl.col("is_privacy"))
    if top["is_privacy"] or privacy.height == 0 or not total:
        return t(language, "t_by_category_top", **values)
    return t(
        language,
        "t_by_category",
        privacy=privacy.get_column("category_label")[0],
        privacy_share=fmt_pct(column_sum(privacy, "tickets") / total, language),
        **values,
    )


@draws("support_durations")
def durations(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Median (dot) and 90th percentile (diamond) of first-response and resolution hours, by channel."""
    if not usable(frame, "channel", "measure", "median_hours", "p90_hours"):
        return None
    data, labels = channel_frame(frame, language)
    data = data.with_columns(
        measure_col(language),
        pl.col("median_hours").cast(pl.Float64),
        pl.col("p90_hours").cast(pl.Float64),
        optional_column(frame, "tickets", pl.Int64),
    ).filter(pl.col("median_hours").is_not_null())
    if data.height == 0:
        return None
    long = pl.concat(
        [
            data.select(
                "channel_label",
                "measure_label",
                "tickets",
                pl.col("median_hours").alias("hours"),
                pl.lit(t(language, "median")).alias("statistic"),
            ),
            data.select(
                "channel_label",
                "measure_label",
                "tickets",
                pl.col("p90_hours").alias("hours"),
                pl.lit(t(language, "p90")).alias("statistic"),
            ),
        ]
    )
    stats = [t(language, "median"), t(language, "p90")]
    tooltip = tooltips(
        language,
        ("channel_label:N", "ch_channel"),
        ("statistic:N", "ch_measure"),
        ("hours:Q", "ch_hours", ",.1f"),
        ("tickets:Q", "ch_tickets", ","),
    )
    y = alt.Y("channel_label:N", title=None, sort=labels)
    rule = (
        alt.Chart()
        .mark_rule(color=GREY, strokeWidth=2)
        .encode(
            y=y,
            x=alt.X("min(hours):Q", title=t(language, "ch_hours")),
            x2="max(hours):Q",
        )
    )
    points = (
        alt.Chart()
        .mark_point(filled=True, size=90, opacity=1)
        .encode(
            y=y,
            x=alt.X("hours:Q", title=t(language, "ch_hours")),
            color=alt.Color(
                "statistic:N",
                title=None,
                scale=alt.Scale(domain=stats, range=[BLUE, ORANGE]),
            ),
            shape=alt.Shape(
                "statistic:N",
                title=None,
                scale=alt.Scale(domain=stats, range=["circle", "diamond"]),
            ),
            tooltip=tooltip,
        )
    )
    rows = alt.layer(rule, points, data=long).properties(
        width=WIDTH - 120, height=alt.Step(26)
    )
    return (
        by_measure(rows)
        .resolve_scale(x="independent")
        .properties(
            title=chart_title(_durations_title(data, language), t(language, "t_durations_sub"))
        )
    )


def _first_response(data: pl.DataFrame) -> pl.DataFrame:
    return data.filter(pl.col("measure").cast(pl.Utf8) == "first_response")


def _durations_title(data: pl.DataFrame, language: str) -> str:
    """'Half of all tickets got a first response within 2.6 h; live chat was fastest (3 min), e-mail slowest (14.3 h)'."""
    first = _first_response(data)
    overall = first.filter(pl.col("channel").cast(pl.Utf8) == ALL_CHANNELS)
    channels = _first_response(without_all(data)).sort("median_hours")
    if overall.height == 0:
        if channels.height == 0:
            return t(language, "t_durations_sub")
        slow = channels.row(channels.height - 1, named=True)
        return t(
            language,
            "t_durations_slowest",
            channel=slow["channel_label"],
            hours=fmt_elapsed(slow["median_hours"], language),
        )
    values = {"hours": fmt_elapsed(overall.get_column("median_hours")[0], language)}
    if channels.height < 2 or channels.get_column("channel").cast(pl.Utf8).eq(ALL_CHANNELS).all():
        return t(language, "t_durations_all", **values)
    fast, slow = channels.row(0, named=True), channels.row(channels.height - 1, named=True)
    return t(
        language,
        "t_durations",
        fastest=fast["channel_label"],
        fast=fmt_elapsed(fast["median_hours"], language),
        slowest=slow["channel_label"],
        slow=fmt_elapsed(slow["median_hours"], language),
        **values,
    )


@draws("support_duration_histogram")
def duration_histogram(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Tickets by elapsed-time bin, per channel, for first response and resolution."""
    if not usable(frame, "channel", "measure", "bin", "tickets"):
        return None
    data = ordered(frame, "bin").with_columns(
        pl.col("tickets").fill_null(0).cast(pl.Int64), pl.col("bin").cast(pl.Utf8)
    )
    title = _histogram_title(data, language)
    data = without_all(data)
    data, labels = channel_frame(data, language)
    bins = list(dict.fromkeys(data.get_column("bin").to_list()))
    names = [label(language, "bin", b) for b in bins]
    data = data.with_columns(
        pl.col("bin").replace_strict(dict(zip(bins, names))).alias("bin_label"),
        measure_col(language),
    )
    bars = channel_bars(
        data,
        labels,
        language,
        x=x_axis("bin_label:O", t(language, "ch_hours_bin"), names),
        tooltip=tooltips(
            language,
            ("measure_label:N", "ch_measure"),
            ("channel_label:N", "ch_channel"),
            ("bin_label:O", "ch_hours_bin"),
            ("tickets:Q", "ch_tickets", ","),
        ),
    )
    return by_measure(bars.properties(width=WIDTH, height=170)).properties(
        title=chart_title(title, t(language, "t_histogram_sub"))
    )


def within(data: pl.DataFrame, measure: str, last_bin: str) -> float | None:
    """Share of the ``measure``'s tickets in the bins up to and including ``last_bin`` (all channels together)."""
    rows = data.filter(pl.col("measure").cast(pl.Utf8) == measure)
    overall = rows.filter(pl.col("channel").cast(pl.Utf8) == ALL_CHANNELS)
    rows = overall if overall.height else rows
    bins = list(dict.fromkeys(rows.get_column("bin").to_list()))
    if last_bin not in bins:
        return None
    early = bins[: bins.index(last_bin) + 1]
    total = column_sum(rows, "tickets")
    return column_sum(rows.filter(pl.col("bin").is_in(early)), "tickets") / total if total else None


def _histogram_title(data: pl.DataFrame, language: str) -> str:
    """'92% of first responses came within a day; 81% of resolved tickets were resolved within a week'."""
    first, resolved = within(data, "first_response", DAY_BIN), within(data, "resolution", WEEK_BIN)
    if first is None or resolved is None:
        return t(language, "t_histogram_plain")
    return t(
        language,
        "t_histogram",
        first=fmt_pct(first, language),
        resolved=fmt_pct(resolved, language),
    )
