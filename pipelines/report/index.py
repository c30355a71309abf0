"""``reports/index.html``: every published quarter with its headline figures, newest first.

A plain HTML page (no scripts at all) linking to each ``<Q>/quarterly-review.html``
by relative path, so the whole ``reports/`` folder can be copied or zipped.
"""

from __future__ import annotations

import json
import os
import tempfile
from html import escape
from pathlib import Path

from pipelines import evidence
from pipelines.errors import BadInput
from pipelines.ownership import GENERATOR_META, INDEX_FILE, is_own_index
from pipelines.report.editions import Edition, edition_for, recorded_languages
from pipelines.report.kit.blocks import VERDICT_ICON, tally_words
from pipelines.report.kit.context import published_quarters
from pipelines.report.kit.fmt import fmt_date, fmt_hours, fmt_int, fmt_pct
from pipelines.report.kit.verdicts import overall, promises_of, summary_value
from pipelines.report.kit.words import LANGUAGES, t, tn

NBSP = "\u00a0"
REPORT_HTML = Edition("en").html  # the main edition's (pipelines/report/editions.py)

_CSS = """
body { margin: 0; background: #f4f6f8; color: #1f2328;
  font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, "Noto Sans", sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 2rem 2.2rem 3rem; background: #fff; min-height: 100vh; }
h1 { font-size: 1.8rem; margin: 0 0 .3rem; }
p.sub { color: #57606a; margin: 0 0 1.5rem; }
table { border-collapse: collapse; width: 100%; font-size: .93rem; }
th, td { padding: .5rem .6rem; border-bottom: 1px solid #e1e4e8; text-align: right; vertical-align: top;
  font-variant-numeric: tabular-nums; }
th { font-weight: 600; color: #3d444d; border-bottom: 2px solid #c9d1d9; font-size: .82rem; }
th:first-child, td:first-child, th:last-child { text-align: left; }
td.bad { color: #B34A00; font-weight: 700; }
td.good { color: #00734F; }
td.tally { text-align: left; font-weight: 700; }
td.tally a { color: inherit; }
td.v-kept { color: #00734F; }
td.v-not_kept { color: #B34A00; }
td.v-not_assessable, td.v-not_computable, td.v-not_checked { color: #57606a; }
a { color: #0072B2; font-weight: 600; }
.none { color: #57606a; font-style: italic; }
.date { white-space: nowrap; color: #57606a; }
small.date ~ small.date { white-space: normal; }
.synthetic { display: inline-block; margin-top: .2rem; padding: 0 .35rem; border-radius: 3px;
  background: #FFF4CE; color: #6B4E00; font-size: .78rem; font-weight: 600; }
.scroll { overflow-x: auto; }
.languages { float: right; font-size: .9rem; }
@media (max-width: 600px) { main { padding: 1rem .8rem 2rem; } th, td { padding: .4rem .35rem; } }
"""

#: (summary path, column heading key, format, alarm): headline figures, none a total over kinds of records
#: (docs/report.md, "The index page"); the last column is the findings' tally
COLUMNS = (
    ("retention.breaches.account", "kpi_account_breaches", "int", "positive"),
    ("rights.on_time_rate", "kpi_on_time", "pct", "below_one"),
    ("rights.open_overdue", "kpi_open_overdue", "int", "positive"),
    ("support.tickets", "kpi_tickets", "int", None),
    ("support.first_response_hours.median", "kpi_first_response", "hours", None),
    ("data_quality.rows_rejected.*", "kpi_rows_rejected", "int", "positive"),
)


def _cell(summary: dict, path: str, kind: str, alarm: str | None, lang: str) -> str:
    value = summary_value(summary, path)
    text = {"pct": fmt_pct, "hours": fmt_hours}.get(kind, fmt_int)(value, lang)
    cls = ""
    if value is not None and alarm == "positive":
        cls = "bad" if value > 0 else "good"
    elif value is not None and alarm == "below_one":
        cls = "bad" if value < 1 else "good"
    return f'<td class="{cls}" data-kpi="{escape(path)}" data-value="{escape(json.dumps(value), quote=True)}">{escape(text)}</td>'


def _date(value, lang: str) -> str:
    """The review date as words on one line (``30\u00a0September\u00a02024``); unreadable text as it is."""
    if not value:
        return ""
    try:
        return fmt_date(value, lang).replace(" ", NBSP)
    except ValueError:
        return str(value)


def _quarter_cell(name: str, path: Path, summary: dict, lang: str) -> str:
    """The quarter (a link when its report is there), its review date on one line, the exports it was computed
    from, and the synthetic-data marker."""
    title = escape(name)
    report = report_link(name, path, lang)
    first = f'<a href="{escape(report, quote=True)}">{title}</a>' if report else title
    as_of = _date(summary.get("as_of"), lang)
    date = f'<br><small class="date">{escape(as_of)}</small>' if as_of else ""
    data = summary.get("data")
    synthetic = (
        f'<br><span class="synthetic" data-synthetic-sample title="{escape(t(lang, "synthetic_banner"), quote=True)}">'
        f"{escape(t(lang, 'index_synthetic'))}</span>"
        if isinstance(data, dict) and data.get("synthetic_sample") is True
        else ""
    )
    return f"<td>{first}{date}{_exports(path, lang)}{synthetic}</td>"


def _exports(path: Path, lang: str) -> str:
    """Which exports the quarter was computed from, and when: the first 12 hex digits of its evidence's exports
    fingerprint and its run date (docs/operations.md, "Evidence"); nothing without a readable evidence.json."""
    try:
        record = evidence.read(path)
    except (OSError, ValueError):
        return ""
    fingerprint = evidence.short(evidence.exports_fingerprint(record))
    if not fingerprint:
        return ""
    run = record.get("run") if isinstance(record.get("run"), dict) else {}
    words = t(lang, "index_exports", hash=fingerprint, date=_date(run.get("started_at"), lang) or t(lang, "na"))
    return (f'<br><small class="date" data-exports="{escape(fingerprint, quote=True)}" '
            f'title="{escape(t(lang, "index_exports_title"), quote=True)}">{escape(words)}</small>')


def report_link(name: str, path: Path, lang: str) -> str | None:
    """The quarter's report in the index's language, else its main edition (pipelines/report/editions.py)."""
    edition = edition_for(path, lang)
    return f"{name}/{edition.html}" if edition is not None else None


def index_file(language: str, main: str) -> str:
    """``index.html`` in the main language, ``index.<language>.html`` in each other (docs/report.md, "The index
    page")."""
    return INDEX_FILE if language == main else INDEX_FILE.replace(".html", f".{language}.html")


def index_languages(root: Path, languages: tuple[str, ...]) -> tuple[str, ...]:
    """The index's languages: the run's, main first, then any other a published quarter's report is in."""
    found = [lang for _, path in published_quarters(root) for lang in recorded_languages(path)]
    return tuple(dict.fromkeys([*languages, *sorted(set(found) - set(languages))]))


def _tally_cell(name: str, path: Path, summary: dict, lang: str) -> str:
    """The quarter's promises as its report's first screen counts them, "5 of 6 kept" (the policy's own promises;
    legal deadlines and internal standards are the report's to say beside them), coloured by the worst verdict
    (``pipelines.findings.tally``; docs/report.md, "The index page"), linking the quarter's report when it is
    there; "not computable" for results without findings."""
    result = overall(promises_of(summary))
    verdict = result.verdict
    text = tally_words(lang, result) if result.total else t(lang, "not_computable")
    words = f'<span aria-hidden="true">{VERDICT_ICON[verdict]}</span> {escape(text)}'
    report = report_link(name, path, lang)
    if report:
        words = f'<a href="{escape(report, quote=True)}">{words}</a>'
    return (
        f'<td class="tally v-{verdict}" data-verdict="{verdict}" data-kept="{result.kept}" '
        f'data-total="{result.total}">{words}</td>'
    )


def build_index(reports_dir: str | Path, *, languages: tuple[str, ...] = ("en",)) -> Path:
    """Write ``reports_dir/index.html`` in the first of ``languages`` and ``index.<language>.html`` in every other
    language of the index (:func:`index_languages`), each linking to the others, atomically; return the main one's
    path. Every word from the catalogue. An index of another language the tool wrote earlier and no longer makes
    is removed (it would list fewer quarters)."""
    root = Path(reports_dir)
    root.mkdir(parents=True, exist_ok=True)
    chosen = index_languages(root, tuple(languages))
    pages = {index_file(lang, chosen[0]): index_html(root, language=lang, languages=chosen) for lang in chosen}
    for name in pages:
        target = root / name
        if (target.exists() or target.is_symlink()) and not is_own_index(target):
            raise BadInput(f"{target}: not written by privacy-review; the tool will not overwrite it")
    for name, html in pages.items():
        fd, tmp = tempfile.mkstemp(prefix=".index-", suffix=".tmp", dir=root)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(html)
        os.chmod(tmp, 0o644)  # mkstemp makes 0600; the index is meant to be shared
        os.replace(tmp, root / name)
    for lang in LANGUAGES:  # an earlier run's index in a language this one does not make: the tool's own, stale
        stale = root / index_file(lang, "")
        if stale.name not in pages and stale.is_file() and is_own_index(stale):
            stale.unlink()
    return root / index_file(chosen[0], chosen[0])


def index_differences(report_dir: Path) -> list[str]:
    """``verify``'s check of the index beside a published quarter (docs/operations.md, "Verifying a report"): the
    index is made from the published quarters alone, so each page (``index.html``, ``index.<language>.html``) must be
    the page they make in its language with some main language; a hand-edited one ("6 of 6 kept") is named.
    Nothing for a page that is not the tool's."""
    root = Path(report_dir).parent
    said = []
    for page in (None, *LANGUAGES):  # index.html (its language is its main one), then index.<language>.html
        target = root / (INDEX_FILE if page is None else index_file(page, ""))
        if not target.is_file() or not is_own_index(target):
            continue
        made = (index_html(root, language=main if page is None else page, languages=index_languages(root, (main,)))
                for main in LANGUAGES if page != main)
        text = target.read_text(encoding="utf-8", errors="replace")
        if not any(text == html for html in made):
            said.append(f"published files: ../{target.name}: differs from the index the published quarters make "
                        "(changed after the run; the next run rebuilds it)")
    return said


def index_html(root: Path, *, language: str = "en", languages: tuple[str, ...] = ()) -> str:
    """The index page of the quarters published in ``root`` in ``language``, linking its pages in the other
    ``languages`` (the first the main one), as text: the same quarters give the same bytes, so ``verify`` can make
    it again and compare (docs/operations.md, "Verifying a report")."""
    lang = language
    others = [other for other in languages if other != lang]
    nav = ('<nav class="languages" aria-label="' + escape(t(lang, "index_other_languages"), quote=True) + '">'
           + " · ".join(f'<a href="{index_file(o, languages[0])}" hreflang="{o}" lang="{o}">'
                        f'{escape(t(o, "language_name"))}</a>' for o in others) + "</nav>") if others else ""
    quarters = []
    for name, path in published_quarters(root):
        try:
            summary = json.loads((path / "summary.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        if isinstance(summary, dict):
            quarters.append((name, path, summary))
    # a figure no published quarter holds belongs to a kind of rule the policies do not state (a policy without
    # an Art. 12(3) rule has no rights figures): its column is left out (docs/report.md, "The index page")
    columns = [c for c in COLUMNS if any(summary_value(s, c[0]) is not None for _, _, s in quarters)] or list(COLUMNS)
    rows = []
    for name, path, summary in quarters:
        cells = "".join(_cell(summary, p, kind, alarm, lang) for p, _, kind, alarm in columns)
        rows.append(
            f'<tr data-quarter="{escape(name)}">{_quarter_cell(name, path, summary, lang)}{cells}'
            f"{_tally_cell(name, path, summary, lang)}</tr>"
        )
    heads = "".join(f"<th>{escape(t(lang, key))}</th>" for _, key, _, _ in columns)
    table = (
        f'<div class="scroll"><table><thead><tr>'
        f"<th>{escape(t(lang, 'ch_quarter'))}</th>{heads}<th>{escape(t(lang, 'index_promises'))}</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table></div>"
        if rows
        else f'<p class="none">{escape(t(lang, "index_none"))}</p>'
    )
    title = escape(t(lang, "index_title"))
    sub = escape(t(lang, "index_sub", report=t(lang, "report_title"), quarters=tn(lang, "index_quarters", len(rows))))
    html = (
        f'<!DOCTYPE html>\n<html lang="{lang}"><head><meta charset="utf-8">{GENERATOR_META}'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'\">"
        f"<title>{title}</title><style>{_CSS}</style></head>"
        f'<body><main>{nav}<h1>{title}</h1><p class="sub">{sub}</p>{table}</main></body></html>\n'
    )
    return html
