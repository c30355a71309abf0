"""Page blocks shared by every section: headings, verdict line, clause quote, tables, "no data", policy numbers."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from functools import cache
from html import escape
from importlib import resources

from pipelines.policy import LAW, POLICY
from pipelines.report.kit.context import ReportContext
from pipelines.report.kit.fmt import fmt_date, fmt_int, is_missing
from pipelines.report.kit.verdicts import (
    INFO,
    KEPT,
    NOT_ASSESSABLE,
    NOT_CHECKED,
    NOT_COMPUTABLE,
    NOT_KEPT,
    columns_lacking,
    words_key,
)
from pipelines.report.kit.verdicts import basis as finding_basis
from pipelines.report.kit.verdicts import source as finding_source
from pipelines.report.kit.words import TEXT, label, t, tn

VERDICT_ICON = {
    KEPT: "✔",
    NOT_KEPT: "✖",
    NOT_ASSESSABLE: "○",
    NOT_COMPUTABLE: "–",
    NOT_CHECKED: "–",
    INFO: "i",
}


#: The components' looks as inline styles, for the notebooks opened in JupyterLab (docs/report.md, "Opening the
#: notebooks in JupyterLab"): an untrusted notebook's HTML output loses its ``<style>`` to JupyterLab's sanitizer,
#: which keeps a ``style`` attribute's declarations from its allow-list. Each name below takes the declarations of
#: components.css's rules for its selectors (:func:`component_rules`, the one statement of the looks), in order;
#: the HTML export removes them (:data:`INLINE_MARKER`), so the report keeps its stylesheet alone, media queries
#: and print rules included.
LAB_SELECTORS = {
    "h1": (".pr-title h1",), "subtitle": (".pr-subtitle",), "intro": (".pr-intro",), "banner": (".pr-banner",),
    "note": (".pr-note",), "kpis": (".pr-kpis",), "kpi-grid": (".kpi-grid",), "kpi": (".kpi",),
    "kpi-label": (".kpi-label",), "kpi-value": (".kpi-value",), "kpi-change": (".kpi-change",),
    "verdict": (".pr-verdict",), "badge": (".pr-badge",), "verdict-text": (".pr-verdict-text",),
    "headline-detail": (".pr-headline-detail",), "basis": (".pr-basis",), "clause": (".pr-clause",),
    "figcaption": (".pr-clause figcaption",), "blockquote": (".pr-clause blockquote",),
    "source-quote": (".pr-clause blockquote", ".pr-source blockquote"), "how": (".pr-how",),
    "table": (".pr-table",), "th": (".pr-table th",), "td": (".pr-table td",), "num": (".pr-table .num",),
    "pill": (".pr-pill",), "nodata": (".pr-nodata",), "about": (".pr-about",),
    "findings-note": (".pr-findings-note",), "code": (".pr-code",), "command": (".pr-command",),
    "nowrap": (".pr-nowrap",), "counts": (".pr-counts",), "ref": (".pr-ref",), "team": (".pr-team",),
}
#: declarations put before a name's own: JupyterLab's rendered tables have borders and stripes of their own
LAB_RESETS = {"th": "border:none;background:#fff", "td": "border:none;background:#fff"}
#: what JupyterLab's sanitizer drops, and what only the report's context can decide (a pill wraps in the
#: findings table, ``.pr-table .pr-pill``): left out of the inline styles
LAB_LEFT_OUT = {"font-variant-numeric", "hyphens"}
LAB_LEFT_OUT_OF = {"pill": {"white-space"}}

#: what precedes every inline style the kit writes: the HTML export removes ``INLINE_MARKER style="…"``
INLINE_MARKER = "data-pr-inline"


@cache
def component_rules() -> dict[str, dict[str, str]]:
    """components.css's rules outside media queries: selector -> its declarations, later rules winning."""
    css = re.sub(r"/\*.*?\*/", "", component_css(), flags=re.DOTALL)
    rules: dict[str, dict[str, str]] = {}
    depth, prelude, start = 0, "", 0
    for i, ch in enumerate(css):
        if ch == "{":
            if depth == 0:
                prelude, start = css[start:i].strip(), i + 1
            depth += 1
        elif ch == "}":
            depth -= 1
            if depth == 0:
                if not prelude.startswith("@"):  # a media query's rules hold for some widths only
                    body = [d.split(":", 1) for d in css[start:i].split(";") if ":" in d]
                    for selector in (s.strip() for s in prelude.split(",")):
                        rules.setdefault(selector, {}).update((k.strip(), v.strip()) for k, v in body)
                start = i + 1
    return rules


def lab_style(*parts: str) -> str:
    """The declarations of each part, in order (a later one wins): a :data:`LAB_SELECTORS` name, a components.css
    selector (``.kpi--bad``), or literal declarations (``"color:#B34A00"``)."""
    rules, found = component_rules(), []
    for part in filter(None, parts):
        if part in LAB_SELECTORS:
            found.append(LAB_RESETS.get(part, ""))
            left_out = LAB_LEFT_OUT | LAB_LEFT_OUT_OF.get(part, set())
            for selector in LAB_SELECTORS[part]:
                found += [f"{k}:{v}" for k, v in rules[selector].items() if k not in left_out]
        elif part.startswith("."):
            found += [f"{k}:{v}" for k, v in rules.get(part, {}).items() if k not in LAB_LEFT_OUT]
        else:
            found.append(part)
    return ";".join(d for d in found if d)


def inline(*parts: str) -> str:
    """`` data-pr-inline style="…"``: :func:`lab_style` of ``parts``."""
    return f' {INLINE_MARKER} style="{escape(lab_style(*parts), quote=True)}"'


def verdict_box(verdict: str) -> str:
    """The verdict line's colours (components.css's ``.pr-verdict--*``)."""
    return f".pr-verdict--{verdict}"


def verdict_ink(verdict: str) -> str:
    """The colour of a verdict's words (components.css's ``.pr-pill--*``; none where they keep the text's)."""
    return f".pr-pill--{verdict}"


def component_css() -> str:
    return (
        resources.files("pipelines.report")
        .joinpath("templates", "privacy_report", "components.css")
        .read_text(encoding="utf-8")
    )


def heading(ctx: ReportContext, key: str) -> str:
    return f"<h2>{escape(t(ctx.language, key))}</h2>"


def file_name(name: str) -> str:
    """A file name that never breaks, not even at its ``_`` (``account_past_deadline.csv``)."""
    return f'<code class="pr-code pr-nowrap"{inline("code", "nowrap")}>{escape(name)}</code>'


def command_html(words: list[str]) -> str:
    """A command that breaks between its words only, never inside one (``privacy-review``, ``--quarter``,
    ``<private folder>``)."""
    words = " ".join(f'<span class="pr-nowrap"{inline("nowrap")}>{escape(w)}</span>' for w in words)
    return f'<code class="pr-code pr-command"{inline("code", "command")}>{words}</code>'


def verdict_words(language: str, verdict: str, basis: str | None = POLICY) -> str:
    """A verdict in the words of its basis: "Promise kept", "Legal deadline missed", "Internal standard met"
    (docs/report.md, "Findings")."""
    return t(language, words_key(verdict, basis))


def finding_attrs(found: dict, verdict: str | None = None) -> dict[str, str]:
    """The ``data-*`` attributes of an element showing a finding: its id, verdict (the finding's, or the report's
    code ``verdict`` a table shows) and counts, the same wherever it is shown (docs/report.md, "Open now and fixed
    late": a test compares them across every published file)."""
    return {"finding": str(found.get("id", "")), "verdict": verdict or str(found.get("verdict", "")),
            "open-now": json.dumps(found.get("open_now")), "fixed-late": json.dumps(found.get("fixed_late"))}


def _data(attrs: dict[str, str]) -> str:
    return "".join(f' data-{name}="{escape(value, quote=True)}"' for name, value in attrs.items())


def counts_words(language: str, found: dict | None) -> str:
    """"Open now: 71 · fixed late this quarter: 19": a finding's two counts in the first screen's words; the second
    left out where the exports cannot tell; empty for a finding without counts (not judged)."""
    if not isinstance(found, dict) or is_missing(found.get("open_now")):
        return ""
    parts = [t(language, "counts_open_now", n=fmt_int(found["open_now"], language))]
    if not is_missing(found.get("fixed_late")):
        parts.append(t(language, "counts_fixed_late", n=fmt_int(found["fixed_late"], language)))
    return " · ".join(parts)


def verdict_html(
    ctx: ReportContext,
    verdict: str,
    sentences: Iterable[str],
    *,
    basis: str | None = None,
    badge: str | None = None,
    found: dict | None = None,
) -> str:
    """A section's verdict line: the badge (the verdict in its basis' words, or ``badge``), then the sentences.

    ``basis`` (a finding's ``basis``) also names the ground the verdict rests on, after the badge; ``found`` (the
    finding the section judges) puts its counts after it in the first screen's words (:func:`counts_words`).
    """
    text = " ".join(s for s in sentences if s)
    words = badge if badge is not None else verdict_words(ctx.language, verdict, basis)
    ground = (
        f' <span class="pr-basis" data-basis="{escape(basis)}"{inline("basis")}>'
        f"{escape(basis_words(ctx.language, basis))}</span>"
        if basis
        else ""
    )
    counted = counts_words(ctx.language, found)
    counts = (f' <span class="pr-counts"{_data(finding_attrs(found))}{inline("counts")}>{escape(counted)}.</span>'
              if counted else "")
    # the spaces between the parts keep them apart where no style applies (copied text, a sanitized view)
    return (
        f'<div class="pr-verdict pr-verdict--{verdict}" data-verdict="{verdict}"'
        f"{inline('verdict', verdict_box(verdict))}>"
        f'<span class="pr-badge"{inline("badge", verdict_ink(verdict))}>'
        f'<span aria-hidden="true">{VERDICT_ICON[verdict]}</span> {escape(words)}</span>'
        f"{ground}{counts}"
        f' <span class="pr-verdict-text"{inline("verdict-text")}>{escape(text)}</span></div>'
    )


def not_computable_words(ctx: ReportContext, found: dict | None) -> str:
    """Why a verdict is not computable: the results hold no such finding (a ``summary.json`` written before
    findings), or a figure the finding needs is missing."""
    return t(ctx.language, "v_no_finding" if found is None else "v_figure_missing")


def lacks_words(language: str, found: dict | None, name: str | None = None) -> str | None:
    """Why a finding reading a column the exports lack is not assessable, and what to do: "Not assessable: the
    export lacks accounts.closed_at; export that column to judge this rule." (``name``: the rule's title first, as
    a section listing several rules says it); None for any other finding (docs/report.md, "Findings")."""
    lacking = columns_lacking(found)
    if not lacking:
        return None
    key = "v_export_lacks_named" if name else "v_export_lacks"
    return tn(language, key, len(lacking), columns=", ".join(lacking), name=name)


def tally_words(language: str, result) -> str:
    """A tally of findings (``verdicts.overall``) in words: "2 of 8 kept", "2 van de 8 nagekomen"."""
    return t(language, "tally_kept", kept=fmt_int(result.kept, language), total=fmt_int(result.total, language))


def basis_words(language: str, basis: str) -> str:
    """"Basis: privacy policy", "Grondslag: wet"."""
    return t(language, "basis_line", basis=label(language, "basis", basis))


def pill_html(ctx: ReportContext, verdict: str, basis: str | None = POLICY) -> str:
    """A verdict in a table cell, coloured and in the words of its basis."""
    return (
        f'<span class="pr-pill pr-pill--{verdict}"{inline("pill", verdict_ink(verdict))}>'
        f"{escape(verdict_words(ctx.language, verdict, basis))}</span>"
    )


def source_html(ctx: ReportContext, found: dict | None, *, name: str | None = None) -> str:
    """The law or internal standard a finding rests on, quoted from the finding (its ``source``, in the
    report's language), captioned with its basis and clause; empty for a policy finding (its clause is
    quoted from the policy file) or without a source (docs/report.md, "Findings")."""
    kind = finding_basis(found)
    text = finding_source(found, ctx.language)
    if kind in (None, POLICY) or not text:
        return ""
    clause = found.get("clause") or ""
    who = " · ".join(part for part in (clause, name) if part)
    caption = t(ctx.language, "source_law" if kind == LAW else "source_standard") + (f" ({who})" if who else "")
    return (
        clause_html(ctx, clause, text, caption=caption)
        .replace('<figure class="pr-clause"', f'<figure class="pr-clause pr-source" data-basis="{escape(kind)}"', 1)
        .replace(inline("blockquote"), inline("source-quote"), 1)
    )


def rule_quote_html(ctx: ReportContext, rule) -> str:
    """A rule's clause and its quote from the policy, in the report's language; nothing without a rule."""
    return clause_html(ctx, rule.clause, rule.quote.get(ctx.language)) if rule is not None else ""


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
        f'<figure class="pr-clause"{inline("clause")}><figcaption{inline("figcaption")}>{caption}</figcaption>'
        f'<blockquote lang="{ctx.language}"{inline("blockquote")}>“{escape(text)}”</blockquote></figure>'
    )


def how_html(ctx: ReportContext, text: str) -> str:
    return f'<p class="pr-how"{inline("how")}><strong>{escape(t(ctx.language, "how_computed"))}.</strong> {escape(text)}</p>'


def table_html(
    headers: list[str],
    rows: list[list[str]],
    *,
    numeric: Iterable[int] = (),
    classes: list[str] | None = None,
    attrs: list[dict[str, object]] | None = None,
    table_class: str = "",
) -> str:
    """A table; ``attrs`` gives each row's ``data-*`` attributes (``{"finding": "logs_retention"}``)."""
    numeric = set(numeric)
    def cell(tag: str, i: int) -> str:
        return f"<{tag} class=num{inline(tag, 'num')}>" if i in numeric else f"<{tag}{inline(tag)}>"

    head = "".join(f"{cell('th', i)}{escape(h)}</th>" for i, h in enumerate(headers))
    body = []
    for r, row in enumerate(rows):
        cls = f' class="{classes[r]}"' if classes and classes[r] else ""
        if attrs and attrs[r]:
            cls += "".join(f' data-{name}="{escape(str(value), quote=True)}"' for name, value in attrs[r].items())
        cells = "".join(f"{cell('td', i)}{value}</td>" for i, value in enumerate(row))
        body.append(f"<tr{cls}>{cells}</tr>")
    return f'<table class="pr-table{" " + table_class if table_class else ""}"{inline("table")}><thead><tr>{head}</tr></thead><tbody>{"".join(body)}</tbody></table>'


#: results tables that read an optional export: when it was not exported the table is empty, and the page says why
NEEDS_EXPORT = {"retention_withdrawn_consent": ("marketing_contacts",)}


def absent_exports(ctx: ReportContext) -> list[str]:
    """The optional exports that were not supplied (``retention.absent_tables`` or ``data_quality.absent_tables``)."""
    for path in ("retention.absent_tables", "data_quality.absent_tables"):
        absent = ctx.get(path)
        if isinstance(absent, list):
            return [str(name) for name in absent]
    return []


def export_names(language: str, tables: Iterable[str]) -> str:
    """Exports in the reader's words (``export_web_visits`` -> "website visits"), never their file names."""
    return ", ".join(
        t(language, f"export_{name}") if f"export_{name}" in TEXT else t(language, "export_other")
        for name in tables
    )


def no_data(ctx: ReportContext, table: str) -> str:
    """The sentence shown instead of a chart or table: what is missing, in the reader's words, and why.

    Four cases (docs/report.md, "Missing data"): the optional export the
    table reads was not supplied; the results hold no such table (the run
    that wrote them did not produce it); the table is there but empty
    (nothing in this quarter); the table is there but lacks what the chart
    needs. The table's own name is never shown.
    """
    lang = ctx.language
    key = f"data_{table}"
    what = t(lang, key, **policy_values(ctx)) if key in TEXT else t(lang, "data_unknown")
    frame = ctx.table(table)
    missing = [name for name in NEEDS_EXPORT.get(table, ()) if name in absent_exports(ctx)]
    if missing:
        text = t(lang, "nodata_not_exported", what=what, exports=export_names(lang, missing))
    elif frame is None:
        text = t(lang, "nodata_absent", what=what)
    elif frame.height == 0:
        text = t(lang, "nodata_empty", what=what, period=ctx.period or t(lang, "na"))
    else:
        text = t(lang, "nodata_unusable", what=what)
    return f'<p class="pr-nodata" data-nodata="{escape(table)}"{inline("nodata")}>{escape(text)}</p>'


def policy_values(ctx: ReportContext) -> dict[str, str]:
    """The policy's numbers as the report's words show them: every "12 months" or "30 days" on a page comes from here."""
    pol, lang = ctx.policy, ctx.language
    return {
        "months": fmt_int(pol.inactivity_months, lang),
        "due_days": fmt_int(pol.due_soon_days, lang),
    }


def subsection(ctx: ReportContext, heading_key: str, text_key: str | None = None, **values) -> str:
    """An analyst notebook's heading and its short explanation, from the catalogue (policy numbers filled in)."""
    values = {
        **policy_values(ctx),
        **{k: fmt_int(v, ctx.language) if isinstance(v, int) else v for k, v in values.items()},
    }
    text = (
        f'<p class="pr-how"{inline("how")}>{escape(t(ctx.language, text_key, **values))}</p>'
        if text_key
        else ""
    )
    return f"<h2>{escape(t(ctx.language, heading_key, **values))}</h2>{text}"


def change_words(last, previous, language: str) -> str:
    """A trend title's tail ("up from 32 a quarter earlier"); empty without both figures."""
    if is_missing(last) or is_missing(previous):
        return ""
    if last == previous:
        return t(language, "same_as")
    return t(language, "up_from" if last > previous else "down_from", n=fmt_int(previous, language))


def gap_note(subtitle: str, first_date, language: str) -> str:
    """A trend's subtitle saying that the quarters ending before the exports begin are left empty
    (docs/report.md, "Trends before the exports begin")."""
    return f"{subtitle}; {t(language, 'trend_before_data', date=fmt_date(first_date, language))}"
