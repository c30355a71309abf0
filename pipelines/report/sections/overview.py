"""The report's first screen and last words: title, banners, overall verdict, KPI tiles, about."""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape

import pipelines
from pipelines.dates import Quarter
from pipelines.policy import LAW, Policy
from pipelines.policy import model as pm
from pipelines.report import commands as published_commands
from pipelines.report import outline
from pipelines.report.kit import remediation
from pipelines.report.kit.blocks import (
    VERDICT_ICON,
    command_html,
    component_css,
    file_name,
    finding_attrs,
    heading,
    inline,
    lacks_words,
    pill_html,
    policy_values,
    table_html,
    verdict_box,
    verdict_ink,
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
    NOT_KEPT,
    NOTHING_TO_JUDGE,
    Overall,
    basis,
    beside_of,
    code,
    finding,
    findings_of,
    overall,
    promises_of,
    summary_value,
)
from pipelines.report.kit.words import TEXT, label, t, tn


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
    and the table of findings (:func:`findings_table`) right under the
    subtitle, on the first screen (docs/report.md, "The first screen"). Leaves
    the slot where the HTML export puts the table of contents.
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
        f'<p class="pr-note"{inline("note")}>{escape(n)}</p>'
        for n in [*coverage_notes(ctx.summary, lang), *ctx.notes]
    )
    return (
        f"<style data-pr-style>{component_css()}</style>"
        + synthetic_banner(ctx)
        + f'<header class="pr-title"><h1{inline("h1")}>{escape(title)} {escape(ctx.period)}</h1>'
        f'<p class="pr-subtitle"{inline("subtitle")}>{escape(sub)}</p>'
        + (headline(ctx) + findings_table(ctx) + remediation.first_screen(ctx) if overall else "")
        + notes
        + (f'<p class="pr-intro"{inline("intro")}>{escape(intro)}</p>' if intro else "")
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
    return f'<p class="pr-banner" role="note" data-synthetic-sample{inline("banner")}>{escape(t(ctx.language, "synthetic_banner"))}</p>'


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
    rule_kind: str | None = None
    """The kind of rule whose records the figure counts (pipelines/report/outline.py, ``RULE_KINDS``): the tile is
    shown only when the policy states such a rule; None: a plain count, always shown."""
    grey_when_nothing_to_judge: bool = False
    """Whether the tile is not assessable when that rule's finding has nothing to judge."""


#: figures the findings table does not show (docs/report.md, "The first screen"): no total over kinds of
#: records, and no figure twice (records past their deadline are the findings' rows)
KPIS = (
    Kpi("rights.on_time_rate", "kpi_on_time", "pct", "higher", "below_one", rule_kind="rights_deadline"),
    Kpi("rights.open_overdue", "kpi_open_overdue", rule_kind="rights_deadline", grey_when_nothing_to_judge=True),
    Kpi("inactivity.due_next_30d", "kpi_due_soon", better=None, alarm=None, rule_kind="inactivity",
        grey_when_nothing_to_judge=True),
    Kpi("support.tickets", "kpi_tickets", better=None, alarm=None, rule_kind="response_time"),
    Kpi(
        "support.first_response_hours.median",
        "kpi_first_response",
        "hours",
        "lower",
        None,
        rule_kind="response_time",
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


def kpis_shown(policy: Policy | None) -> tuple[Kpi, ...]:
    """The tiles of the policy's report: each plain count, and each figure of a kind of rule the policy states
    (pipelines/report/outline.py)."""
    return tuple(kpi for kpi in KPIS if kpi.rule_kind is None or outline.shows(policy, kpi.rule_kind))


def kpi_tiles(ctx: ReportContext) -> str:
    """Figures beside the findings table, with their change against the previous quarter; a tile only for a kind
    of rule the policy states (:func:`kpis_shown`)."""
    lang = ctx.language
    prev = ctx.previous
    prev_period = (prev.get("period") or "") if prev else None
    prev_covered = prev is not None and covered(ctx.summary, prev)
    tiles = []
    for kpi in kpis_shown(ctx.policy):
        value = summary_value(ctx.summary, kpi.path)
        prev_value = summary_value(prev, kpi.path) if prev else None
        status = _status(kpi, value)
        if not kpi_assessable(kpi, ctx.summary, ctx.policy):
            change, modifier, status = t(lang, "kpi_not_assessable"), "none", "na"
        elif not kpi.compare:
            change, modifier = t(lang, "this_export"), "none"
        elif prev is not None and not prev_covered:
            change, modifier = t(lang, "nothing_to_compare", previous=prev_period), "none"
        else:
            change, modifier = change_text(kpi, value, prev_value, prev_period, lang)
        tiles.append(
            f'<div class="kpi kpi--{status}" data-kpi="{escape(kpi.path)}" data-value="{_data_value(value)}"'
            f'{inline("kpi", f".kpi--{status}")}>'
            f'<div class="kpi-label"{inline("kpi-label")}>{escape(t(lang, kpi.label, **policy_values(ctx)))}</div>'
            f'<div class="kpi-value"{inline("kpi-value", f".kpi--{status} .kpi-value")}>'
            f"{escape(_fmt(kpi.kind, value, lang))}</div>"
            f'<div class="kpi-change kpi-change--{modifier}"{inline("kpi-change", f".kpi-change--{modifier}")}>'
            f"{escape(change)}</div></div>"
        )
    return (
        f'<section class="pr-kpis" aria-label="{escape(t(lang, "sec_summary"))}"{inline("kpis")}>'
        f'<div class="kpi-grid"{inline("kpi-grid")}>{"".join(tiles)}</div></section>'
    )




def covered(summary: dict, previous: dict) -> bool:
    """Whether the previous quarter's review date falls on or after the exports' first date (unknown: yes)."""
    first, prev_as_of = lookup(summary, "data.first_date"), previous.get("as_of")
    return not (first and prev_as_of and str(prev_as_of) < str(first))


def kpi_assessable(kpi: Kpi, summary: dict | None, policy: Policy | None) -> bool:
    """False when the tile's finding is not assessable for want of anything to judge (docs/report.md, "Findings")."""
    rule = outline.rule_of(policy, kpi.rule_kind) if kpi.grey_when_nothing_to_judge else None
    if rule is None or not summary:
        return True
    return (finding(summary, rule.id) or {}).get("reason") != NOTHING_TO_JUDGE


def about(ctx: ReportContext) -> str:
    lang = ctx.language
    about_text = t(lang, "about", as_of=fmt_date(ctx.as_of or None, lang), na=t(lang, "na"))
    return (heading(ctx, "sec_about") + f'<p class="pr-about"{inline("about")}>{escape(about_text)}</p>' + version_line(ctx)
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
    return f'<p class="pr-about pr-version"{inline("about")}>{escape(text)}</p>'


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
    register = evidence.get("exceptions")  # the register of exceptions (docs/report.md, "Exceptions")
    if isinstance(register, dict):
        lines.append(t(lang, "about_evidence_register", file=register.get("file", ""),
                       rows=fmt_int(register.get("rows") or 0, lang), sha=short_hash(register.get("sha256"))))
    history = evidence.get("remediation")  # the history compared with (docs/report.md, "Remediation")
    if isinstance(history, dict) and history.get("compared_with"):
        lines.append(t(lang, "about_evidence_history", quarter=history["compared_with"],
                       sha=short_hash(history.get("compared_sha256"))))
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
    return f'<ul class="pr-about pr-evidence"{inline("about")}>{items}</ul>'


# --- the first screen: the overall verdict and the findings (docs/report.md, "The first screen") ---------


def headline_text(result: Overall, language: str) -> str:
    """The one-line overall verdict over the policy's own promises: "1 of 6 promises kept"; "All 6 promises kept."."""
    values = {"kept": fmt_int(result.kept, language), "total": fmt_int(result.total, language)}
    if result.total and result.kept == result.total:
        return t(language, "h_all_kept", **values)
    return t(language, "h_kept", **values)


def headline_detail(result: Overall, language: str) -> str:
    """"7 not kept, 1 not judged." (the parts that are not 0); empty when every promise is kept."""
    parts = [
        t(language, key, n=fmt_int(n, language))
        for key, n in (("h_not_kept", result.not_kept), ("h_not_judged", result.not_judged))
        if n
    ]
    return ", ".join(parts) + "." if parts else ""


def beside_words(ctx: ReportContext) -> str:
    """"Beside them: legal deadlines 0 of 1 met, internal standards 3 of 5 met." (docs/report.md, "The first
    screen"); empty when every finding is one of the policy's own promises."""
    lang = ctx.language
    parts = [t(lang, f"h_beside_{'law' if kind == LAW else 'standard'}", kept=fmt_int(result.kept, lang),
               total=fmt_int(result.total, lang))
             for kind, result in beside_of(ctx.summary).items()]
    return t(lang, "h_beside", parts=", ".join(parts)) if parts else ""


def headline(ctx: ReportContext) -> str:
    """The first screen's overall verdict: how many of the policy's own promises are kept, coloured by their worst
    verdict (``pipelines.findings.tally``), with legal deadlines and internal standards tallied beside them in
    their own words; not computable when the results hold no findings."""
    lang = ctx.language
    result = overall(promises_of(ctx.summary))
    verdict = result.verdict
    if result.total:
        text, detail = headline_text(result, lang), " ".join(
            w for w in (headline_detail(result, lang), beside_words(ctx)) if w)
    elif findings_of(ctx.summary):
        text, detail = t(lang, "h_no_promise"), beside_words(ctx)
        verdict = overall(findings_of(ctx.summary)).verdict
    else:
        text, detail = t(lang, "not_computable"), t(lang, "v_no_finding")
    detail = f' <span class="pr-headline-detail"{inline("headline-detail")}>{escape(detail)}</span>' if detail else ""
    # the spaces keep badge, figure and detail apart where no style applies (copied text, a sanitized view)
    return (
        f'<div class="pr-verdict pr-verdict--{verdict} pr-headline" data-verdict="{verdict}" '
        f'data-kept="{result.kept}" data-total="{result.total}"{inline("verdict", verdict_box(verdict))}>'
        f'<span class="pr-badge"{inline("badge", verdict_ink(verdict))}><span aria-hidden="true">{VERDICT_ICON[verdict]}</span> '
        f'{escape(t(lang, "h_badge"))}</span>'
        f' <span class="pr-verdict-text"{inline("verdict-text")}><strong>{escape(text)}</strong>{detail}</span></div>'
    )


def promise_words(ctx: ReportContext, finding_id: str) -> str:
    """The promise a finding judges, in plain words: its rule's title in the policy file ("Inactive accounts erased
    within 12 months"); an id the policy does not know in words ("new promise")."""
    rule = next((r for r in ctx.policy.rules if r.id == finding_id), None) if ctx.policy is not None else None
    if rule is not None:  # the policy file's own title of the rule, in the report's language
        return rule.title.get(ctx.language)
    return finding_id.replace("_", " ")


def change_in_open_now(ctx: ReportContext, found: dict) -> str:
    """``open_now - previous_open_now`` with its sign ("+39", "−3", "±0"); "—" when either is unknown or the previous
    quarter lies before the exports begin (nothing was observed then)."""
    now, before = found.get("open_now"), found.get("previous_open_now")
    prev = ctx.previous
    if is_missing(now) or is_missing(before) or (prev is not None and not covered(ctx.summary, prev)):
        return DASH
    delta = now - before
    if delta == 0:
        return "±0"
    return ("+" if delta > 0 else "−") + fmt_int(abs(delta), ctx.language)


DASH = "—"


def _rule(ctx: ReportContext, finding_id: str):
    return next((r for r in ctx.policy.rules if r.id == finding_id), None) if ctx.policy is not None else None


def todo_words(ctx: ReportContext, found: dict) -> str:
    """What the open records of a finding need, in words: "71 accounts to erase or anonymize", "6 requests to
    complete" (by the rule's check, and a retention rule's table and action); "Nothing open now; find out why 2 were
    late" when every record was fixed late."""
    lang, n = ctx.language, found.get("open_now") or 0
    if not n:
        return tn(lang, "todo_none_open", found.get("fixed_late") or 0)
    rule = _rule(ctx, str(found.get("id", "")))
    if rule is None or not rule.is_retention:
        check = rule.check if rule is not None else ""
        if check == pm.RIGHTS_DEADLINE and pm.CONSENT_WITHDRAWAL in rule.rights:
            check = pm.CONSENT_WITHDRAWAL
        key = f"todo_{check}" if f"todo_{check}" in TEXT else "todo_remove"
        return tn(lang, key, n, noun=tn(lang, "noun_records", n))
    tables = rule.tables
    noun = tn(lang, f"noun_{tables[0]}" if len(tables) == 1 and f"noun_{tables[0]}" in TEXT else "noun_records", n)
    actions = {p.action for p in rule.parts}
    return tn(lang, f"todo_{actions.pop()}" if len(actions) == 1 else "todo_remove", n, noun=noun)


def next_action(ctx: ReportContext, found: dict) -> str:
    """For a promise not kept: what the privacy team must do, in words, and the list that names the records
    ("71 accounts to erase or anonymize; list: account_past_deadline.csv"); the command that writes the lists is
    in the part for the privacy team (:func:`for_the_team`). For a finding not assessable for a column the export
    lacks: that column to export; else "—"."""
    lacking = lacks_words(ctx.language, found)
    if lacking:
        return escape(lacking)
    if code(found) != NOT_KEPT:
        return DASH
    todo = escape(todo_words(ctx, found))
    if not found.get("worklist") or not found.get("open_now"):
        return todo
    template = escape(t(ctx.language, "action_worklist", todo="\x00todo", file="\x00file"))
    return template.replace("\x00todo", todo).replace("\x00file", file_name(str(found["worklist"])))


def counts_cells(ctx: ReportContext, found: dict) -> tuple[str, str]:
    """A finding's open-now and fixed-late counts as the first screen and the sections print them ("—" unknown)."""
    lang = ctx.language
    return tuple(escape(fmt_int(found.get(k), lang) if not is_missing(found.get(k)) else DASH)
                 for k in ("open_now", "fixed_late"))


def findings_table(ctx: ReportContext) -> str:
    """The first screen's one table: a row per finding, in the order they were judged, with the promise in
    plain words, clause, basis, verdict (in the basis' words), the records open now and those fixed late, the change
    of open now against the previous quarter and what the privacy team must do. Each number is shown here once
    (docs/report.md, "The first screen"), and the sections show the same (:func:`pipelines.report.kit.blocks.counts`).
    """
    lang = ctx.language
    found = findings_of(ctx.summary)
    if not found:
        return ""
    prev_period = (ctx.previous or {}).get("period")
    rows, classes, attrs = [], [], []
    for f in found:
        verdict, kind = code(f), basis(f)
        rows.append(
            [
                # the clause and basis under the promise: a column each would leave no room for a list's name,
                # which never breaks (docs/report.md, "The first screen")
                escape(promise_words(ctx, str(f.get("id", ""))))
                + f' <span class="pr-ref"{inline("ref")}>{escape(str(f.get("clause") or ""))} · '
                f'{escape(label(lang, "basis", kind) if kind else t(lang, "na"))}</span>',
                pill_html(ctx, verdict, kind),
                *counts_cells(ctx, f),
                escape(change_in_open_now(ctx, f)),
                next_action(ctx, f),
            ]
        )
        classes.append(f"row--{verdict}")
        attrs.append(finding_attrs(f))
    table = table_html(
        [
            t(lang, "col_promise"),
            t(lang, "col_verdict"),
            t(lang, "col_rows"),
            t(lang, "col_fixed_late"),
            t(lang, "col_change", previous=prev_period or t(lang, "previous_quarter")),
            t(lang, "col_action"),
        ],
        rows,
        numeric=(2, 3, 4),
        classes=classes,
        attrs=attrs,
        table_class="pr-findings",
    )
    words = t(lang, "findings_note", as_of=fmt_date(ctx.as_of or None, lang),
              previous=prev_period or t(lang, "previous_quarter"))
    note = f'<p class="pr-findings-note"{inline("findings-note")}>{escape(words)}</p>'
    return f'<section class="pr-findings-block" aria-label="{escape(t(lang, "sec_findings"))}">{table}{note}</section>'


def for_the_team(ctx: ReportContext) -> str:
    """The part for the privacy team, at the end of the report (docs/report.md, "For the privacy team"): the command
    that writes the lists the first screen names, complete as the run was given its options (evidence.json's
    ``run.commands``, pipelines/report/commands.py), the lists it writes, and the command that verifies the
    published files. Empty without recorded commands (a report computed in a notebook, or by an older version)."""
    lang = ctx.language
    commands = lookup(ctx.evidence or {}, "run.commands")
    if not isinstance(commands, dict) or not commands.get("worklist"):
        return ""
    files = [str(f["worklist"]) for f in findings_of(ctx.summary)
             if f.get("worklist") and code(f) == NOT_KEPT and f.get("open_now")]
    # the placeholders in the report's language; every other word as the run was given it
    own = {published_commands.PRIVATE_FOLDER: f"<{t(lang, 'action_out')}>",
           published_commands.SEAL: f"<{t(lang, 'team_seal')}>"}

    def command(words: list[str]) -> str:
        return command_html([own.get(w, w) for w in words])

    parts = [heading(ctx, "team_title"), f"<p>{escape(t(lang, 'team_intro'))}</p>", command(commands["worklist"])]
    if files:
        listed = escape(t(lang, "team_files", files="\x00"))
        parts.append("<p>" + listed.replace("\x00", ", ".join(file_name(f) for f in dict.fromkeys(files))) + "</p>")
    if commands.get("withheld"):
        parts.append(f"<p>{escape(t(lang, 'team_paths_withheld', options=', '.join(commands['withheld'])))}</p>")
    if commands.get("verify"):
        parts += [f"<p>{escape(t(lang, 'team_verify'))}</p>", command(commands["verify"])]
    return f'<section class="pr-team" data-team{inline("team")}>{"".join(parts)}</section>'
