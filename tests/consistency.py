"""One number per finding, everywhere: what a published quarter says of each finding, read back from every file.

docs/report.md, "Open now and fixed late". :func:`disagreements` reads a published quarter (and, when given, the
worklist written for it) independently of the report code: the data attributes and visible cells of the HTML and
the notebooks' outputs, the index, the published tables, the PDF's text and the worklist files' row counts, and
lists every place whose number is not the finding's ``open_now`` / ``fixed_late`` in ``summary.json``.
"""

from __future__ import annotations

import csv
import html as html_lib
import json
import re
import unicodedata
from pathlib import Path

from pipelines.metrics.params import OLDEST_PER_CATEGORY

#: a finding's counts as an element carries them (blocks.finding_attrs), whatever the order of the attributes
_TAG = re.compile(r"<[a-z]+\b[^>]*\bdata-finding=[^>]*>")
_ATTR = re.compile(r'data-(finding|open-now|fixed-late)="([^"]*)"')
_ROW = re.compile(r"<tr\b[^>]*\bdata-finding=\"([^\"]*)\"[^>]*>(.*?)</tr>", re.DOTALL)


def findings(report_dir: Path) -> dict[str, dict]:
    summary = json.loads((report_dir / "summary.json").read_text(encoding="utf-8"))
    return {f["id"]: f for f in summary["findings"]}


def _attrs(text: str) -> list[tuple[str, object, object]]:
    """(finding, open_now, fixed_late) of every element carrying a finding's counts."""
    found = []
    for tag in _TAG.findall(text):
        attrs = {k: html_lib.unescape(v) for k, v in _ATTR.findall(tag)}
        if "open-now" in attrs:
            found.append((attrs["finding"], json.loads(attrs["open-now"]), json.loads(attrs["fixed-late"])))
    return found


def _count(text: str) -> int | None:
    """A cell's count as printed ("1,234" / "1.234"); None for "—"."""
    digits = re.sub(r"[^\d]", "", text)
    return int(digits) if digits else None


def _plain(cell: str) -> str:
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", cell)).strip()


def html_disagreements(name: str, text: str, by_id: dict[str, dict]) -> tuple[list[str], int]:
    """What ``text`` (an HTML page or a notebook's outputs) says of a finding that is not its summary's counts,
    and how many elements it checked."""
    said, checked = [], 0
    for finding_id, open_now, fixed_late in _attrs(text):
        checked += 1
        f = by_id.get(finding_id)
        if f is None or (open_now, fixed_late) != (f["open_now"], f["fixed_late"]):
            said.append(f"{name}: {finding_id} carries {open_now}/{fixed_late}")
    # the findings table's visible cells: promise (with clause and basis), verdict, open now, fixed late, change,
    # action
    tables = re.findall(r"<table\b[^>]*\bpr-findings\b.*?</table>", text, re.DOTALL)
    for finding_id, row in _ROW.findall("".join(tables)):
        cells = [_plain(c) for c in re.findall(r"<td\b[^>]*>(.*?)</td>", row, re.DOTALL)]
        if len(cells) != 6:
            continue
        f = by_id[finding_id]
        checked += 1
        if (_count(cells[2]), _count(cells[3])) != (f["open_now"], f["fixed_late"]):
            said.append(f"{name}: the first screen shows {cells[2]}/{cells[3]} for {finding_id}")
        file = f.get("worklist")
        if file and f["open_now"]:
            action = re.sub(r"\s+", " ", cells[5])
            m = re.match(r"([\d.,]+) .*; \w+: " + re.escape(file) + "$", action)
            if m is None or _count(m.group(1)) != f["open_now"]:
                said.append(f"{name}: {finding_id}'s next step reads {action!r}")
    return said, checked


def notebook_html(path: Path) -> str:
    """Every HTML output of a notebook, joined."""
    nb = json.loads(path.read_text(encoding="utf-8"))
    parts = []
    for cell in nb.get("cells", []):
        for output in cell.get("outputs", []):
            value = output.get("data", {}).get("text/html")
            if value:
                parts.append("".join(value) if isinstance(value, list) else value)
    return "\n".join(parts)


def csv_rows(path: Path) -> list[dict]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def table_disagreements(report_dir: Path, by_id: dict[str, dict], policy) -> list[str]:
    """The published tables against the findings: the retention table per figure (the sum of its rules' open now),
    the accounts erased late, the open requests past their deadline, the trend's last quarter end."""
    said, tables = [], report_dir / "tables"
    inactivity = by_id.get(policy.inactivity_rule) if policy.inactivity_rule else None
    if (tables / "retention_breaches.csv").is_file():
        for row in csv_rows(tables / "retention_breaches.csv"):
            rules = [by_id[r.id] for r in policy.figure_rules(row["category"]) if r.id in by_id]
            known = [f["open_now"] for f in rules if f["open_now"] is not None]
            if row["breaches"] and known and int(row["breaches"]) != sum(known):
                said.append(f"retention_breaches.csv: {row['category']} {row['breaches']}, its rules {known}")
    if inactivity is not None and inactivity["fixed_late"] is not None and (tables / "retention_late_erasures.csv").is_file():
        late = len(csv_rows(tables / "retention_late_erasures.csv"))  # the latest few only (first_rows)
        if late != min(inactivity["fixed_late"], OLDEST_PER_CATEGORY):
            said.append(f"retention_late_erasures.csv: {late} rows, fixed late {inactivity['fixed_late']}")
    rights = by_id.get(policy.rights_rule.id) if policy.rights_rule else None
    if rights is not None and rights["open_now"] is not None and (tables / "rights_open_requests.csv").is_file():
        overdue = sum(r["status"] == "open_overdue" for r in csv_rows(tables / "rights_open_requests.csv"))
        if overdue != rights["open_now"]:
            said.append(f"rights_open_requests.csv: {overdue} open overdue, open now {rights['open_now']}")
    return said


def pdf_disagreements(pdf: Path, by_id: dict[str, dict]) -> list[str]:
    """The PDF's text: each finding with open records names its list after its open-now count."""
    from pypdf import PdfReader

    text = "\n".join(page.extract_text() or "" for page in PdfReader(str(pdf)).pages)
    flat = re.sub(r"\s+", " ", unicodedata.normalize("NFKC", text))
    said = []
    for f in by_id.values():
        if f.get("worklist") and f["open_now"]:
            # the count, then the words of what to do (no digit), then the list
            m = re.search(r"(\d[\d.,]*) [^\W\d][^;\d]{0,90}; \w+: ?" + re.escape(f["worklist"]).replace("_", "_ ?"), flat)
            if m is None or _count(m.group(1)) != f["open_now"]:
                said.append(f"{pdf.name}: {f['id']} not shown with {f['open_now']} open")
    return said


def worklist_disagreements(worklist_dir: Path, by_id: dict[str, dict]) -> list[str]:
    """Each finding's list holds exactly its open-now records."""
    said = []
    for f in by_id.values():
        if f.get("worklist") and f["open_now"] is not None:
            path = worklist_dir / f["worklist"]
            rows = len(csv_rows(path)) if path.is_file() else None
            if rows != f["open_now"]:
                said.append(f"{f['worklist']}: {rows} rows, {f['id']} open now {f['open_now']}")
    return said


def disagreements(report_dir: Path, policy, *, worklist_dir: Path | None = None) -> tuple[list[str], int]:
    """Every place of the published quarter (and its worklist) whose count of a finding is not ``summary.json``'s,
    and how many places were compared (a check that compared nothing proves nothing)."""
    by_id = findings(report_dir)
    said, checked = [], 0
    # every edition (docs/report.md, "Languages"): its HTML, its notebooks, its PDF
    pages = {p.name: p for p in sorted(report_dir.glob("quarterly-review*.html"))}
    pages.update({f"{p.parent.name}/{p.name}": p for p in sorted(report_dir.glob("notebooks*/*.ipynb"))})
    for name, path in pages.items():
        if path.is_file():
            text = notebook_html(path) if path.suffix == ".ipynb" else path.read_text(encoding="utf-8")
            found, n = html_disagreements(name, text, by_id)
            said += found
            checked += n
    said += table_disagreements(report_dir, by_id, policy)
    for pdf in sorted(report_dir.glob("quarterly-review*.pdf")):
        said += pdf_disagreements(pdf, by_id)
        checked += 1
    if worklist_dir is not None:
        said += worklist_disagreements(worklist_dir, by_id)
        checked += sum(1 for f in by_id.values() if f.get("worklist") and f["open_now"] is not None)
    return said, checked
