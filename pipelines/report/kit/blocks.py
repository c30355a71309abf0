"""Page blocks shared by every section: headings, verdict line, clause quote, tables, "no data"."""

from __future__ import annotations

from collections.abc import Iterable
from html import escape
from importlib import resources

from pipelines.report.kit.context import ReportContext
from pipelines.report.kit.verdicts import (
    INFO,
    KEPT,
    NOT_ASSESSABLE,
    NOT_CHECKED,
    NOT_COMPUTABLE,
    NOT_KEPT,
)
from pipelines.report.kit.words import t

VERDICT_ICON = {
    KEPT: "✔",
    NOT_KEPT: "✖",
    NOT_ASSESSABLE: "○",
    NOT_COMPUTABLE: "–",
    NOT_CHECKED: "–",
    INFO: "i",
}


def component_css() -> str:
    return (
        resources.files("pipelines.report")
        .joinpath("templates", "privacy_report", "components.css")
        .read_text(encoding="utf-8")
    )


def heading(ctx: ReportContext, key: str) -> str:
    return f"<h2>{escape(t(ctx.language, key))}</h2>"


def verdict_html(ctx: ReportContext, verdict: str, sentences: Iterable[str]) -> str:
    text = " ".join(s for s in sentences if s)
    return (
        f'<div class="pr-verdict pr-verdict--{verdict}" data-verdict="{verdict}">'
        f'<span class="pr-badge"><span aria-hidden="true">{VERDICT_ICON[verdict]}</span> {escape(t(ctx.language, verdict))}</span>'
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


def no_data(ctx: ReportContext, table: str) -> str:
    """The sentence shown instead of a chart whose table is absent or empty."""
    lang = ctx.language
    return f'<p class="pr-nodata">{escape(t(lang, "no_data", what=t(lang, "table_absent", name=table)))}</p>'

