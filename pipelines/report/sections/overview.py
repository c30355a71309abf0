"""The report's first screen and last words: title, banners, overall verdict, KPI tiles, about."""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape

import pipelines
from pipelines.dates import Quarter
from pipelines.report.kit.blocks import (
    VERDICT_ICON,
    component_css,
    heading,
    policy_values,
)
from pipelines.report.kit.context import ReportContext, lookup, short_hash
from pipelines.report.kit.fmt import (
    fmt_date,
    fmt_hours,
    fmt_int,
    fmt_number,
    fmt_pct,
    is_missing,
)
from pipelines.report.kit.verdicts import (
    NOT_ASSESSABLE,
    NOT_CHECKED,
    NOT_COMPUTABLE,
    NOT_KEPT,
    Promise,
    Tally,
    summary_value,
    tally,
)
from pipelines.report.kit.words import label, t, tn
from pipelines.report.sections import inactivity, retention, rights, support


def title_block(
    ctx: ReportContext,
    title: str = "report_title",
    intro: str | None = "report_intro",
    *,
    overall: bool = False,
) -> str:
    """The page heading (title, period, as-of date, policy, introduction) and the report's styles.

    ``title`` and ``intro`` are catalogue keys (an analyst notebook passes its
    own; ``intro=None`` leaves the introduction out), so every notebook's
    first words are in the report's language. ``overall=True`` (the
    management report) puts the one-line overall verdict (:func:`headline`)
    right under the subtitle, on the first screen. Leaves the slot where the
    HTML export puts the table of contents.
    """
    lang = ctx.language
    title = t(lang, title, **policy_values(ctx))
    intro = t(lang, intro, **policy_values(ctx)) if intro else ""
    sub = t(
        lang,
        "report_subtitle",
        period=ctx.period or t(lang, "na"),
        as_of=fmt_date(ctx.as_of or None, lang),
        policy=policy_label(ctx.policy, lang),
    )
    notes = "".join(
        f'<p class="pr-note">{escape(n)}</p>'
        for n in [*coverage_notes(ctx.summary, lang), *ctx.notes]
    )
    return (
        f"<style data-pr-style>{component_css()}</style>"
        + synthetic_banner(ctx)
        + f'<header class="pr-title"><h1>{escape(title)} {escape(ctx.period)}</h1>'
        f'<p class="pr-subtitle">{escape(sub)}</p>'
        + (headline(ctx) if overall else "")
        + notes
        + (f'<p class="pr-intro">{escape(intro)}</p>' if intro else "")
        + "</header>"
        '<div class="pr-toc-slot"></div>'
    )


def policy_label(policy, language: str) -> str:
    """The policy's name in the report's language (``Policy.name_nl`` when the policy file states one, else ``name``) and its version."""
    name = getattr(policy, f"name_{language}", None) or policy.name
    try:
        version = fmt_date(policy.version, language)
    except ValueError:
        version = policy.version
    return t(language, "policy_label", name=name, version=version)


def synthetic_banner(ctx: ReportContext) -> str:
    """The warning shown above everything when ``summary.data.synthetic_sample`` is true (else nothing)."""
    if ctx.get("data.synthetic_sample") is not True:
        return ""
    return f'<p class="pr-banner" role="note" data-synthetic-sample>{escape(t(ctx.language, "synthetic_banner"))}</p>'


def coverage_notes(summary: dict, lang: str) -> list[str]:
    """Sentences for a reviewed quarter lying partly or wholly outside the exports' dates (``summary.data``)."""
    first, last = lookup(summary, "data.first_date"), lookup(summary, "data.last_date")
    period, as_of = summary.get("period"), summary.get("as_of")
    if not isinstance(lookup(summary, "data"), dict) or not period or not as_of:
        return []
    if first is None or last is None:
        return [t(lang, "cov_no_dates")]
    try:
        start = Quarter.parse(str(period)).start.isoformat()
    except ValueError:
        return []
    words = {
        "first": fmt_date(first, lang),
        "last": fmt_date(last, lang),
        "as_of": fmt_date(as_of, lang),
        "start": fmt_date(start, lang),
        "period": period,
    }
    if as_of < first:
        return [t(lang, "cov_after_as_of", **words)]
    notes = []
    if start > last:
        notes.append(t(lang, "cov_before_quarter", **words))
    elif start < first:
        notes.append(t(lang, "cov_starts_late", **words))
    if as_of > last:
        notes.append(t(lang, "cov_ends_early", **words))
    return notes


@dataclass(frozen=True)
class Kpi:
    path: str
    label: str
    kind: str = "int"  # int | pct | hours
    better: str | None = "lower"  # lower | higher | None (neither)
    alarm: str | None = (
        "positive"  # positive (any > 0 is bad) | below_one (rate < 1 is bad) | None
    )
    compare: bool = True  # False: the previous quarter's figure describes the same export, not an earlier state
    basis: str | None = None  # what the figure judges: a retention category, "retention" (any) or "rights"; None: a plain count


KPIS = (
    Kpi("retention.breaches.account", "kpi_account_breaches", basis="account"),
    Kpi("retention.breaches.*", "kpi_all_breaches", basis="retention"),
    Kpi("rights.on_time_rate", "kpi_on_time", "pct", "higher", "below_one"),
    Kpi("rights.open_overdue", "kpi_open_overdue", basis="rights"),
    Kpi("inactivity.due_next_30d", "kpi_due_soon", better=None, alarm=None, basis="account"),
    Kpi("support.tickets", "kpi_tickets", better=None, alarm=None),
    Kpi(
        "support.first_response_hours.median",
        "kpi_first_response",
        "hours",
        "lower",
        None,
    ),
    Kpi(
        "data_quality.rows_rejected.*",
        "kpi_rows_rejected",
        alarm="positive",
        compare=False,
    ),
)


def _fmt(kind: str, value, lang: str) -> str:
    if kind == "pct":
        return fmt_pct(value, lang)
    if kind == "hours":
        return fmt_hours(value, lang)
    return fmt_int(value, lang)


def _fmt_delta(kind: str, delta: float, lang: str) -> str:
    sign = "+" if delta > 0 else "−"
    size = abs(delta)
    if kind == "pct":
        return sign + fmt_number(size * 100, lang, 1) + "\u00a0" + t(lang, "unit_pp")
    if kind == "hours":
        return sign + fmt_hours(size, lang)
    return sign + fmt_int(size, lang)


def change_text(
    kpi: Kpi, value, previous_value, previous_period: str | None, lang: str
) -> tuple[str, str]:
    """(text, css modifier) of a figure's change against the previous quarter."""
    if previous_period is None:
        return t(lang, "no_previous"), "none"
    prev_label = previous_period or t(lang, "previous_quarter")
    if is_missing(value) or is_missing(previous_value):
        return t(
            lang,
            "change_vs",
            delta=t(lang, "na"),
            previous=prev_label,
            value=_fmt(kpi.kind, previous_value, lang),
        ), "none"
    delta = value - previous_value
    if abs(delta) < 1e-12:
        return t(lang, "unchanged_vs", previous=prev_label), "same"
    arrow = "▲" if delta > 0 else "▼"
    text = f"{arrow} " + t(
        lang,
        "change_vs",
        delta=_fmt_delta(kpi.kind, delta, lang),
        previous=prev_label,
        value=_fmt(kpi.kind, previous_value, lang),
    )
    if kpi.better is None:
        return text, "neutral"
    better = (delta < 0) if kpi.better == "lower" else (delta > 0)
    return (
        f"{text} · {t(lang, 'better' if better else 'worse')}",
        "better" if better else "worse",
    )


def _status(kpi: Kpi, value) -> str:
    if is_missing(value):
        return "na"
    if kpi.alarm == "positive":
        return "bad" if value > 0 else "good"
    if kpi.alarm == "below_one":
        return "bad" if value < 1 else "good"
    return "neutral"


def _data_value(value) -> str:
    return escape(json.dumps(value), quote=True)


def kpi_tiles(ctx: ReportContext) -> str:
    """The one-screen summary: tiles with their change against the previous quarter, then breaches by category."""
    lang, pol = ctx.language, ctx.policy
    prev = ctx.previous
    prev_period = (prev.get("period") or "") if prev else None
    prev_covered = prev is not None and _covered(ctx.summary, prev)
    tiles = []
    for kpi in KPIS:
        value = summary_value(ctx.summary, kpi.path)
        prev_value = summary_value(prev, kpi.path) if prev else None
        status = _status(kpi, value)
        if not kpi_assessable(kpi, ctx.summary, pol):
            change, modifier, status = t(lang, "kpi_not_assessable"), "none", "na"
        elif not kpi.compare:
            change, modifier = t(lang, "this_export"), "none"
        elif prev is not None and not (prev_covered and kpi_assessable(kpi, prev, pol)):
            change, modifier = t(lang, "nothing_to_compare", previous=prev_period), "none"
        else:
            change, modifier = change_text(kpi, value, prev_value, prev_period, lang)
        tiles.append(
            f'<div class="kpi kpi--{status}" data-kpi="{escape(kpi.path)}" data-value="{_data_value(value)}">'
            f'<div class="kpi-label">{escape(t(lang, kpi.label, **policy_values(ctx)))}</div>'
            f'<div class="kpi-value">{escape(_fmt(kpi.kind, value, lang))}</div>'
            f'<div class="kpi-change kpi-change--{modifier}">{escape(change)}</div></div>'
        )
    chips = []
    for category in retention.CATEGORIES:
        path = f"retention.breaches.{category}"
        value = summary_value(ctx.summary, path)
        verdict = retention.category_verdict(ctx, category)
        if verdict == NOT_CHECKED:
            status, shown = "na", t(lang, "not_checked")
        elif verdict == NOT_COMPUTABLE:
            status, shown = "na", t(lang, "na")
        elif verdict == NOT_ASSESSABLE:
            status, shown = "na", t(lang, "nothing_to_judge")
        else:
            status, shown = ("bad" if value > 0 else "good"), fmt_int(value, lang)
        chips.append(
            f'<li class="kpi-chip kpi-chip--{status}" data-kpi="{path}" data-value="{_data_value(value)}">'
            f'<span class="kpi-chip-label">{escape(label(lang, "cat", category))}</span> '
            f'<span class="kpi-chip-value">{escape(shown)}</span></li>'
        )
    return (
        f'<section class="pr-kpis" aria-label="{escape(t(lang, "sec_summary"))}">'
        f'<div class="kpi-grid">{"".join(tiles)}</div>'
        f'<div class="kpi-strip"><span class="kpi-strip-title">{escape(t(lang, "kpi_all_breaches"))}</span>'
        f"<ul>{''.join(chips)}</ul></div></section>"
    )


def _covered(summary: dict, previous: dict) -> bool:
    """Whether the previous quarter's review date falls on or after the exports' first date (unknown: yes)."""
    first, prev_as_of = lookup(summary, "data.first_date"), previous.get("as_of")
    return not (first and prev_as_of and str(prev_as_of) < str(first))


def kpi_assessable(kpi: Kpi, summary: dict | None, policy) -> bool:
    """False when the tile's figure judges nothing in ``summary`` (no account, row or request it applies to)."""
    if kpi.basis is None or not summary:
        return True
    if kpi.basis == "rights":
        return rights.assessable(summary) is not False
    if kpi.basis == "retention":
        return not all(retention.rows_held(summary, policy, c) == 0 for c in retention.CATEGORIES)
    return retention.rows_held(summary, policy, kpi.basis) != 0


def about(ctx: ReportContext) -> str:
    lang = ctx.language
    about_text = t(lang, "about", as_of=fmt_date(ctx.as_of or None, lang), na=t(lang, "na"))
    return (heading(ctx, "sec_about") + f'<p class="pr-about">{escape(about_text)}</p>' + version_line(ctx)
            + evidence_lines(ctx))


def version_line(ctx: ReportContext) -> str:
    """The version of privacy-review that made the report, and the figures' if another version computed them.

    The figures' version is ``summary.json``'s ``generator``; a summary without
    one (written before versions were recorded) is not guessed at.
    """
    made_by = pipelines.__version__
    computed = lookup(ctx.summary, "generator.version")
    if computed is None or str(computed) == made_by:
        text = t(ctx.language, "about_version", version=made_by)
    else:
        text = t(ctx.language, "about_version_results", version=made_by, results=computed)
    return f'<p class="pr-about pr-version">{escape(text)}</p>'


#: how the About section names a library of evidence.json's ``software``
SOFTWARE_NAMES = {"python": "Python", "duckdb": "DuckDB", "babel": "Babel"}


def evidence_lines(ctx: ReportContext) -> str:
    """What the figures were computed from, in short form (docs/operations.md, "Evidence"); empty without evidence.

    Each hash is its first 12 hex digits: enough to compare by eye with
    ``sha256sum`` or ``evidence.json``, which holds them in full.
    """
    evidence, lang = ctx.evidence, ctx.language
    if not isinstance(evidence, dict):
        return ""
    lines = []
    files = [f"{f.get('name')} {short_hash(f.get('sha256'))}"
             for table in (evidence.get("exports") or {}).values() for f in table.get("files", [])]
    if files:
        lines.append(t(lang, "about_evidence_exports", files=", ".join(files)))
    policy = evidence.get("policy") or {}
    if policy:
        # the policy's name in the report's language when it is the policy the report quotes (Policy.name_nl)
        name = policy.get("name", "")
        if name == ctx.policy.name:
            name = getattr(ctx.policy, f"name_{lang}", None) or name
        lines.append(t(lang, "about_evidence_policy", name=name, version=policy.get("version", ""),
                       file=policy.get("file", ""), sha=short_hash(policy.get("sha256"))))
    mapping = evidence.get("column_mapping")
    if mapping:
        lines.append(t(lang, "about_evidence_mapping", file=mapping.get("file", ""), sha=short_hash(mapping.get("sha256"))))
    versions = [f"{SOFTWARE_NAMES.get(name, name)} {v}" for name, v in (evidence.get("software") or {}).items() if v]
    if versions:
        lines.append(t(lang, "about_evidence_software", versions=", ".join(versions)))
    run = evidence.get("run") or {}
    if run:
        started = str(run.get("started_at") or "")
        when = f"{fmt_date(started[:10] or None, lang)} {started[11:16]} UTC" if started else t(lang, "na")
        lines.append(t(lang, "about_evidence_run", quarter=run.get("quarter", ""), as_of=fmt_date(run.get("as_of"), lang),
                       zone=run.get("input_zone", ""), engine=label(lang, "engine", run.get("engine", "")), started=when))
    lines.append(t(lang, "about_evidence_verify"))
    items = "".join(f"<li>{escape(line)}</li>" for line in lines)
    return f'<ul class="pr-about pr-evidence">{items}</ul>'


# --- the overall verdict (docs/report.md, "The overall verdict") ----------------

#: what each promise's breaches are counted in: the unit of its "worst: ..." words
UNIT = {"inactivity": "accounts", "withdrawn_consent": "contacts", "support": "inquiries", "rights": "requests"}


def _added(*values) -> int | None:
    known = [v for v in values if not is_missing(v)]
    return sum(known) if known else None


def rights_breaches(summary: dict) -> int | None:
    """Requests completed late in the quarter plus open requests past their deadline."""
    completed, on_time = lookup(summary, "rights.completed"), lookup(summary, "rights.on_time")
    rate = lookup(summary, "rights.on_time_rate")
    if is_missing(on_time) and not is_missing(completed) and not is_missing(rate):
        on_time = round(completed * rate)
    late = None if is_missing(completed) or is_missing(on_time) else completed - on_time
    return _added(late, lookup(summary, "rights.open_overdue"))


def promises(ctx: ReportContext) -> list[Promise]:
    """Every promise the report judges, in the report's order.

    Inactivity (§1.1, accounts past the deadline or erased late); each
    retention category but ``account``, which is the inactivity promise
    itself (§1.2-§1.6, §2.1); marketing after withdrawn consent (§1.6);
    support (§1.4); rights (§3).
    """
    s = ctx.summary
    found = [
        Promise(
            "inactivity",
            inactivity.judge(s),
            _added(lookup(s, "retention.breaches.account"), lookup(s, "retention.late_erasures")),
        )
    ]
    found += [
        Promise(f"retention_{c}", retention.category_verdict(ctx, c), lookup(s, f"retention.breaches.{c}"))
        for c in retention.CATEGORIES
        if c != "account"
    ]
    found += [
        Promise(
            "withdrawn_consent",
            retention.consent_verdict(ctx),
            lookup(s, "retention.withdrawn_consent_contacted"),
        ),
        Promise("support", support.judge(s), lookup(s, "support.no_first_response")),
        Promise("rights", rights.judge(s), rights_breaches(s)),
    ]
    return found


def promise_name(key: str, language: str) -> str:
    if key.startswith("retention_"):
        return label(language, "cat", key.removeprefix("retention_"))
    return t(language, f"promise_{key}")


def worst_words(promise: Promise, language: str) -> str:
    """"Log files (IP address, device ID): 369 records held past their deadline"; the name alone without a count."""
    name = promise_name(promise.key, language)
    if is_missing(promise.breaches):
        return name
    unit = UNIT.get(promise.key, "records")
    return t(language, "h_worst", name=name, count=tn(language, f"h_breach_{unit}", promise.breaches))


def headline_text(result: Tally, language: str) -> str:
    """The one-line overall verdict: "3 of 10 promises kept, 5 not kept, 2 not judged; worst: ..."."""
    values = {
        "kept": fmt_int(result.kept, language),
        "total": fmt_int(result.total, language),
        "broken": fmt_int(result.not_kept, language),
        "unjudged": fmt_int(result.not_judged, language),
    }
    if result.worst is not None:
        values["worst"] = worst_words(result.worst, language)
        key = "h_broken_unjudged" if result.not_judged else "h_broken"
    elif result.not_judged:
        key = "h_unjudged"
    else:
        key = "h_all_kept"
    return t(language, key, **values)


WHY_NOT_JUDGED = {NOT_ASSESSABLE: "why_not_assessable", NOT_CHECKED: "why_not_checked", NOT_COMPUTABLE: "why_not_computable"}


def headline(ctx: ReportContext) -> str:
    """The first screen's overall verdict: one line, then which promises were not kept and which not judged."""
    lang = ctx.language
    found = promises(ctx)
    result = tally(found)
    broken = [promise_name(p.key, lang) for p in found if p.verdict == NOT_KEPT]
    unjudged = [
        f"{promise_name(p.key, lang)} ({t(lang, WHY_NOT_JUDGED[p.verdict])})"
        for p in found
        if p.verdict in WHY_NOT_JUDGED
    ]
    details = []
    if broken:
        details.append(t(lang, "h_list_not_kept", names=", ".join(broken)))
    if unjudged:
        details.append(t(lang, "h_list_not_judged", names=", ".join(unjudged)))
    verdict = result.verdict
    detail = f'<span class="pr-headline-detail">{escape(" ".join(details))}</span>' if details else ""
    return (
        f'<div class="pr-verdict pr-verdict--{verdict} pr-headline" data-verdict="{verdict}" '
        f'data-kept="{result.kept}" data-total="{result.total}">'
        f'<span class="pr-badge"><span aria-hidden="true">{VERDICT_ICON[verdict]}</span> {escape(t(lang, "h_badge"))}</span>'
        f'<span class="pr-verdict-text"><strong>{escape(headline_text(result, lang))}</strong>{detail}</span></div>'
    )

