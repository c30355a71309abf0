"""Were last quarter's breaches fixed, and what the register of exceptions exempts: the blocks the sections share.

docs/report.md, "Remediation" and "Exceptions". Read from ``summary.json`` alone
(``remediation``, ``exceptions``, ``retention.excepted``, ``retention.legal_hold_exempt``)
and the tables ``exceptions_by_category`` and ``exceptions_invalid``; results written before
these existed show nothing. Every word comes from the catalogue; no id, and none of the
register's free text (its reasons and approvers), is ever shown: the results hold none
(docs/report.md, "Exceptions"). The flow chart is plain HTML (a bar per quarter: resolved, carried
over, new, each with its number written out, never by colour alone), so it needs no
notebook cell of its own.
"""

from __future__ import annotations

from html import escape

from pipelines.findings import list_key
from pipelines.report.kit.blocks import table_html
from pipelines.report.kit.context import ReportContext
from pipelines.report.kit.fmt import fmt_date, fmt_int, is_missing
from pipelines.report.kit.theme import BLUE, GREEN, VERMILLION
from pipelines.report.kit.words import TEXT, label, t, tn

#: the tracked categories the rights section shows (docs/report.md, "Remediation"); the retention section's are
#: the policy file's retention figures and withdrawn consent (:func:`retention_categories`)
RIGHTS = ("rights_overdue",)
WITHDRAWN_CONSENT = "withdrawn_consent"


def retention_categories(ctx: ReportContext) -> tuple[str, ...]:
    """The tracked categories the retention section shows: each retention rule's list (``findings.list_key``: its
    figure, or its id when the figure gathers several rules), then the contacts written to after withdrawing
    consent (pipelines/records/, the tracked lists)."""
    keys = (list_key(ctx.policy, r) for r in ctx.policy.retention_rules if r.assessable)
    return (*dict.fromkeys(keys), WITHDRAWN_CONSENT)
#: the three flows, in the order a bar shows them, with their colours (Okabe-Ito: fixed, still open, new)
FLOWS = (("resolved", GREEN), ("carried_over", BLUE), ("new", VERMILLION))


def category_name(language: str, category: str) -> str:
    return t(language, f"rem_cat_{category}") if category in (WITHDRAWN_CONSENT, *RIGHTS) else label(
        language, "cat", category)


def list_name(ctx: ReportContext, category: str) -> str:
    """A tracked list in words: a rule's own list by the rule's title, else as :func:`category_name`."""
    rule = next((r for r in ctx.policy.retention_rules if r.id == category), None) if ctx.policy else None
    return rule.title.get(ctx.language) if rule is not None else category_name(ctx.language, category)


def _counts(block: dict | None, categories: tuple[str, ...]) -> dict | None:
    """Summed flows of ``categories`` in one quarter's block; None when none of them was compared."""
    if not isinstance(block, dict):
        return None
    found = [block.get(c) for c in categories if isinstance(block.get(c), dict)]
    if not found:
        return None
    totals = {flow: sum(int(f.get(flow) or 0) for f in found) for flow, _ in FLOWS}
    ages = [(block[c]["oldest_age"], block[c].get("oldest_since"), c) for c in categories
            if isinstance(block.get(c), dict) and not is_missing(block[c].get("oldest_age"))]
    oldest = max(ages, key=lambda a: a[0]) if ages else (None, None, None)
    totals["oldest_age"], totals["oldest_since"], totals["oldest_category"] = oldest
    return totals


def quarters(ctx: ReportContext, categories: tuple[str, ...]) -> list[tuple[str, dict]]:
    """``[(quarter, flows), …]``: the earlier recorded quarters that compared (``remediation.trend``), then this one."""
    found = []
    for block in ctx.get("remediation.trend") or []:
        counts = _counts(block, categories)
        if counts is not None and isinstance(block, dict):
            found.append((str(block.get("quarter")), counts))
    counts = _counts(ctx.get("remediation"), categories)
    if counts is not None:
        found.append((str(ctx.summary.get("period")), counts))
    return found


def _words(language: str, counts: dict) -> str:
    return t(language, "rem_flows", resolved=fmt_int(counts["resolved"], language),
             carried=fmt_int(counts["carried_over"], language), new=fmt_int(counts["new"], language))


def _oldest(ctx: ReportContext, counts: dict) -> str:
    """The oldest carried-over record's age, its category and the quarter its run began; empty without one."""
    if is_missing(counts.get("oldest_age")):
        return ""
    return tn(ctx.language, "rem_oldest", int(counts["oldest_age"]), since=str(counts["oldest_since"]),
              category=list_name(ctx, counts["oldest_category"]))


def flow_chart(ctx: ReportContext, rows: list[tuple[str, dict]]) -> str:
    """One bar per quarter: resolved, carried over and new side by side, widths to the largest quarter's total."""
    lang = ctx.language
    widest = max((sum(c[flow] for flow, _ in FLOWS) for _, c in rows), default=0) or 1
    lines = []
    for quarter, counts in rows:
        parts = "".join(
            f'<span title="{escape(t(lang, f"rem_{flow}"))}: {fmt_int(counts[flow], lang)}" '
            f'style="display:inline-block;height:0.9em;vertical-align:middle;background:{colour};'
            f'width:{100 * counts[flow] / widest:.2f}%"></span>'
            for flow, colour in FLOWS if counts[flow]
        )
        lines.append(
            f'<div class="pr-flow" data-quarter="{escape(quarter)}"><span class="pr-flow-quarter">{escape(quarter)}'
            f'</span> <span class="pr-flow-bar" style="display:inline-block;width:40%">{parts}</span> '
            f'<span class="pr-flow-words">{escape(_words(lang, counts))}</span></div>'
        )
    legend = " · ".join(
        f'<span style="color:{colour}">■</span> {escape(t(lang, f"rem_{flow}"))}' for flow, colour in FLOWS)
    caption = escape(t(lang, "rem_chart"))
    return f'<figure class="pr-flows"><figcaption>{caption}<br>{legend}</figcaption>{"".join(lines)}</figure>'


def block(ctx: ReportContext, categories: tuple[str, ...]) -> str:
    """A family section's remediation block: against which quarter, the flows per category, the flow chart."""
    lang = ctx.language
    found = ctx.get("remediation")
    if not isinstance(found, dict):
        return ""  # results computed before remediation was tracked
    title = f'<h3>{escape(t(lang, "rem_title"))}</h3>'
    compared = found.get("compared_with")
    if compared is None:
        return ""  # why nothing is compared is said once, on the first screen (:func:`first_screen`)
    rows, headers = [], [t(lang, "col_category"), t(lang, "rem_resolved"), t(lang, "rem_carried_over"),
                         t(lang, "rem_new"), t(lang, "rem_col_oldest")]
    for category in categories:
        counts = found.get(category)
        if not isinstance(counts, dict):
            continue
        age = counts.get("oldest_age")
        rows.append([escape(list_name(ctx, category))] + [escape(fmt_int(counts.get(k) or 0, lang))
                     for k in ("resolved", "carried_over", "new")]
                    + [escape(tn(lang, "rem_quarters", int(age)) if not is_missing(age) else "–")])
    totals = _counts(found, categories)
    if totals is None:
        return f'<div class="pr-remediation">{title}<p>{escape(t(lang, "rem_none", quarter=compared))}</p></div>'
    # no total over the categories in words: accounts, log rows and requests are not one kind of record
    oldest = f"<p>{escape(_oldest(ctx, totals))}</p>" if _oldest(ctx, totals) else ""
    return (f'<div class="pr-remediation">{title}{oldest}<p>{escape(t(lang, "rem_per_category", quarter=compared))}</p>'
            + table_html(headers, rows, numeric=(1, 2, 3))
            + flow_chart(ctx, quarters(ctx, categories)) + "</div>")


def first_screen(ctx: ReportContext) -> str:
    """One line for the first screen: every tracked category's flows against the earlier quarter."""
    lang = ctx.language
    found = ctx.get("remediation")
    if not isinstance(found, dict):
        return ""
    tracked = (*retention_categories(ctx), *RIGHTS)
    totals = _counts(found, tracked)
    if found.get("compared_with") is None or totals is None:
        previous = (ctx.previous or {}).get("period") or t(lang, "previous_quarter")
        # why nothing is compared (pipelines/remediation.py, the reasons; docs/report.md, "Remediation")
        reason = f"rem_reason_{found.get('reason') or 'no_earlier_quarter'}"
        text = t(lang, reason if reason in TEXT else "rem_reason_no_earlier_quarter", previous=previous,
                 quarter=str(ctx.summary.get("period") or ""), set_aside=str(found.get("set_aside") or previous))
    else:
        moved = [f"{list_name(ctx, c)}: {_words(lang, found[c])}" for c in tracked
                 if isinstance(found.get(c), dict) and any(found[c].get(flow) for flow, _ in FLOWS)]
        text = t(lang, "rem_against", quarter=found["compared_with"]) + " " + (
            "; ".join(moved) if moved else t(lang, "rem_nothing")) + "."
        if _oldest(ctx, totals):
            text += " " + _oldest(ctx, totals)
        note = f"rem_note_{found.get('note')}"
        if found.get("note") and note in TEXT:  # compared, with a note: an older record, another policy version
            text += " " + t(lang, note, compared=found["compared_with"], then=str(found.get("compared_policy_version")))
    return f'<p class="pr-remediation-line" data-remediation="{escape(str(found.get("compared_with")))}">' \
           f'<strong>{escape(t(lang, "rem_title"))}</strong> {escape(text)}</p>'


def exemptions(ctx: ReportContext) -> str:
    """The retention section's exemptions: the register of exceptions (per category the records excepted, and the
    rows in force, expired and pending with their expiry dates; no reason, no approver) beside legal hold, the other
    kind of exemption."""
    lang = ctx.language
    register = ctx.get("exceptions")
    hold = ctx.get("retention.legal_hold_exempt")
    if not isinstance(register, dict) and is_missing(hold):
        return ""  # results computed before the register existed
    sentences = []
    inactivity = ctx.policy.inactivity if ctx.policy is not None else None
    if not is_missing(hold) and inactivity is not None and "legal_hold" in inactivity.exempt:
        sentences.append(tn(lang, "exc_legal_hold", int(hold)))
    rows = []
    if isinstance(register, dict) and register.get("register"):
        sentences.append(t(lang, "exc_register", rows=fmt_int(register.get("rows") or 0, lang),
                           applied=fmt_int(register.get("applied") or 0, lang),
                           expired=fmt_int(register.get("expired") or 0, lang),
                           pending=fmt_int(register.get("pending") or 0, lang),
                           invalid=fmt_int(register.get("invalid") or 0, lang)))
        by_category = ctx.table("exceptions_by_category")
        excepted = ctx.get("retention.excepted") or {}
        for category in ctx.policy.figures:
            said = []
            if by_category is not None and set(EXCEPTION_COLUMNS) <= set(by_category.columns):
                for row in by_category.filter(by_category["category"] == category).iter_rows(named=True):
                    said.append(_status_words(lang, row))
            value = excepted.get(category) if isinstance(excepted, dict) else None
            if said or (not is_missing(value) and value):
                rows.append([escape(category_name(lang, category)),
                             escape(fmt_int(value, lang) if not is_missing(value) else t(lang, "na")),
                             escape("; ".join(said))])
    elif isinstance(register, dict):
        sentences.append(t(lang, "exc_no_register"))
    if not sentences:
        return ""
    table = table_html([t(lang, "col_category"), t(lang, "exc_col_excepted"), t(lang, "exc_col_rows")], rows,
                       numeric=(1,)) if rows else ""
    return (f'<div class="pr-exemptions"><h3>{escape(t(lang, "exc_title"))}</h3>'
            f'<p>{escape(" ".join(sentences))}</p>{table}</div>')


#: the columns of ``exceptions_by_category`` the exemptions read (pipelines/metrics/exceptions.py)
EXCEPTION_COLUMNS = ("category", "status", "rows", "first_expiry", "last_expiry")


def _status_words(language: str, row: dict) -> str:
    """One category's rows of one status: "2 in force until 31 December 2025", "1 expired on 31 August 2024: no
    longer exempt", with the span of their expiry dates when they differ; pending rows without a date."""
    first, last = row.get("first_expiry"), row.get("last_expiry")
    span = "_span" if row["status"] != "pending" and first is not None and last is not None and first != last else ""
    return t(language, f"exc_status_{row['status']}{span}", n=fmt_int(row["rows"], language),
             date=fmt_date(last, language) if last is not None else t(language, "na"),
             first=fmt_date(first, language) if first is not None else t(language, "na"))


def invalid_rows(ctx: ReportContext) -> str:
    """The data-quality section's list of the register's invalid rows (line, column, problem): they exempt nothing."""
    lang = ctx.language
    count = ctx.get("exceptions.invalid")
    if is_missing(count) or not count:
        return ""
    frame = ctx.table("exceptions_invalid")
    rows = []
    if frame is not None and {"line", "problem_column", "problem"} <= set(frame.columns):
        for row in frame.iter_rows(named=True):
            category = row.get("category")
            rows.append([escape(fmt_int(row["line"], lang)),
                         escape(category_name(lang, category) if category else t(lang, "na")),
                         escape(label(lang, "exc_column", row["problem_column"]) if row.get("problem_column") else "–"),
                         escape(label(lang, "exception_problem", row["problem"]))])
    table = table_html([t(lang, "exc_col_line"), t(lang, "col_category"), t(lang, "exc_col_column"),
                        t(lang, "exc_col_problem")], rows, numeric=(0,)) if rows else ""
    return (f'<div class="pr-exceptions-invalid"><h3>{escape(t(lang, "exc_invalid_title"))}</h3>'
            f'<p>{escape(tn(lang, "exc_invalid", int(count)))}</p>{table}</div>')
