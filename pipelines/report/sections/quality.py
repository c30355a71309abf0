"""Data quality: what was set aside or flagged while loading, its section and charts."""

from __future__ import annotations

from html import escape

import altair as alt
import polars as pl

from pipelines.report.kit.blocks import (
    heading,
    how_html,
    table_html,
    verdict_html,
)
from pipelines.report.kit.context import ReportContext
from pipelines.report.kit.fmt import fmt_int
from pipelines.report.kit.theme import (
    PALETTE,
    WIDTH,
    by_total,
    column_sum,
    draws,
    table_bars,
    titled,
    usable,
)
from pipelines.report.kit.verdicts import (
    INFO,
    summary_value,
)
from pipelines.report.kit.words import t, tn


def section(ctx: ReportContext) -> str:
    """Not a promise: how much of the export the figures rest on."""
    lang = ctx.language
    rows_in = summary_value(ctx.summary, "data_quality.rows_in.*")
    rejected = summary_value(ctx.summary, "data_quality.rows_rejected.*")
    flagged = summary_value(ctx.summary, "data_quality.flagged.*")
    if flagged is None:
        flags = ctx.table("flags")
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
        + table(ctx)
    )


def table(ctx: ReportContext) -> str:
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


def _quality_rows(frame: pl.DataFrame | None, column: str) -> pl.DataFrame | None:
    """Rows per (table, ``column``), those with none left out; ``None`` when nothing is left."""
    if not usable(frame, "table_name", column, "rows"):
        return None
    data = frame.select(
        pl.col("table_name").cast(pl.Utf8),
        pl.col(column).cast(pl.Utf8),
        pl.col("rows").fill_null(0).cast(pl.Int64),
    ).filter(pl.col("rows") > 0)
    return data if data.height else None


@draws("quality_rejects")
def rejects(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Rows set aside at load, by table and reason."""
    data = _quality_rows(frame, "reason")
    if data is None:
        return None
    tables = by_total(data, "table_name", "rows")
    bars = table_bars(
        data, language, "reason", PALETTE, "ch_reason", table_sort=tables
    ).encode(order=alt.Order("rows:Q", sort="descending"))
    return titled(
        bars,
        tn(language, "t_quality", column_sum(data, "rows")),
        t(language, "t_quality_sub"),
        width=WIDTH - 120,
        height=alt.Step(28),
    )


@draws("quality_flags")
def flags(frame: pl.DataFrame | None, language: str = "en") -> alt.Chart | None:
    """Loaded rows flagged (orphans, impossible orders) by table and flag."""
    data = _quality_rows(frame, "flag")
    if data is None:
        return None
    return titled(
        table_bars(data, language, "flag", PALETTE[1:]),
        t(language, "t_flags", n=fmt_int(column_sum(data, "rows"), language)),
        t(language, "t_flags_sub"),
        width=WIDTH - 120,
        height=alt.Step(28),
    )

