"""Data quality: what was set aside or flagged while loading, its section and charts."""

from __future__ import annotations

from html import escape

import altair as alt
import polars as pl
from babel.lists import format_list

from pipelines.contract import OPTIONAL_TABLES
from pipelines.report.kit import remediation
from pipelines.report.kit.blocks import (
    heading,
    how_html,
    table_html,
    verdict_html,
)
from pipelines.report.kit.context import ReportContext
from pipelines.report.kit.fmt import fmt_int, locale
from pipelines.report.kit.theme import (
    PALETTE,
    WIDTH,
    by_total,
    column_sum,
    draws,
    table_bars,
    titled,
    tooltips,
    usable,
)
from pipelines.report.kit.verdicts import (
    INFO,
    summary_value,
)
from pipelines.report.kit.words import label, t, tn


def table_label(language: str, name: str) -> str:
    """An export table in the reader's words (``marketing_contacts`` -> "marketing contacts"), never its file name."""
    return label(language, "export", name)


def names(language: str, items: list[str]) -> str:
    """``a, b and c`` (``a, b en c``): Babel's list pattern for the language."""
    return format_list(list(items), locale=locale(language)) if items else ""


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
            n for n in OPTIONAL_TABLES if isinstance(rows_in, dict) and n not in rows_in
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
    # an optional table no rule of the policy reads is not missed (server_logs for a policy without log rules)
    absent = [n for n in absent if n in ctx.policy.tables_read]
    if absent:
        sentences.append(
            t(lang, "v_quality_absent", names=names(lang, [table_label(lang, n) for n in absent]))
        )
    return (
        heading(ctx, "sec_quality")
        + verdict_html(ctx, INFO, sentences)
        + how_html(ctx, t(lang, "how_quality"))
        + table(ctx)
        + remediation.invalid_rows(ctx)  # the register's rows that exempt nothing (docs/report.md, "Exceptions")
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
            escape(capitalised(table_label(lang, name))),
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


def capitalised(text: str) -> str:
    return text[:1].upper() + text[1:]


def _quality_rows(
    frame: pl.DataFrame | None, column: str, language: str
) -> pl.DataFrame | None:
    """Rows per (table, ``column``), those with none left out; ``None`` when nothing is left.

    ``column`` keeps the loader's codes (``bad timestamp``, ``orphan: account
    unknown``: colours follow them); ``<column>_label`` and ``table_name``
    hold the reader's words from the catalogue (``reason_bad timestamp``, ``export_sessions``).
    """
    if not usable(frame, "table_name", column, "rows"):
        return None
    data = frame.select(
        pl.col("table_name")
        .cast(pl.Utf8)
        .map_elements(lambda n: capitalised(table_label(language, n)), return_dtype=pl.Utf8),
        pl.col(column).cast(pl.Utf8),
        pl.col("rows").fill_null(0).cast(pl.Int64),
    ).filter(pl.col("rows") > 0)
    data = data.with_columns(
        pl.col(column)
        .map_elements(lambda c: label(language, column, c), return_dtype=pl.Utf8)
        .alias(f"{column}_label")
    )
    return data if data.height else None


def _top(data: pl.DataFrame, column: str, language: str) -> dict[str, str]:
    """The most common ``column`` value (in the reader's words) and its row count, for the chart title."""
    top = (
        data.group_by(f"{column}_label")
        .agg(pl.col("rows").sum())
        .sort(["rows", f"{column}_label"], descending=[True, False])
        .row(0)
    )
    return {"top": top[0], "k": fmt_int(top[1], language)}


def _bars(data: pl.DataFrame, language: str, column: str, colours: list[str], title_key: str, **kw) -> alt.Chart:
    """:func:`table_bars` with the tooltip naming the ``column`` in the reader's words, not its code."""
    return table_bars(data, language, column, colours, title_key, **kw).encode(
        tooltip=tooltips(
            language,
            ("table_name:N", "ch_table"),
            (f"{column}_label:N", title_key),
            ("rows:Q", "ch_rows", ","),
        )
    )


@draws("quality_rejects")
def rejects(
    frame: pl.DataFrame | None, language: str = "en"
) -> alt.Chart | None:
    """Rows set aside at load, by table and reason."""
    data = _quality_rows(frame, "reason", language)
    if data is None:
        return None
    tables = by_total(data, "table_name", "rows")
    bars = _bars(data, language, "reason", PALETTE, "ch_reason", table_sort=tables).encode(
        order=alt.Order("rows:Q", sort="descending")
    )
    return titled(
        bars,
        tn(language, "t_quality", column_sum(data, "rows"), **_top(data, "reason", language)),
        t(language, "t_quality_sub"),
        width=WIDTH - 120,
        height=alt.Step(28),
    )


@draws("quality_flags")
def flags(frame: pl.DataFrame | None, language: str = "en") -> alt.Chart | None:
    """Loaded rows flagged (orphans, impossible orders) by table and flag."""
    data = _quality_rows(frame, "flag", language)
    if data is None:
        return None
    return titled(
        _bars(data, language, "flag", PALETTE[1:], "ch_flag"),
        tn(language, "t_flags", column_sum(data, "rows"), **_top(data, "flag", language)),
        t(language, "t_flags_sub"),
        width=WIDTH - 120,
        height=alt.Step(28),
    )
