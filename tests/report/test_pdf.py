"""The report as a PDF (docs/report.md, "PDF"): ``run --pdf`` and ``privacy-review pdf``.

The fast tests need no browser: the missing-Chromium message, the refusals, the scan of a PDF,
the print CSS. The ``printed`` fixture publishes the management report with ``pdf=True`` in both
languages through the publish stage (slow: tests/conftest.py) and reads the PDF back with pypdf.
"""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

from pipelines import cli as climod
from pipelines import evidence, ownership
from pipelines.report.index import REPORT_HTML
from pipelines.report.pdf import CHROMIUM_ENV, NO_CHROMIUM, REPORT_PDF
from tests.report.conftest import NOTEBOOKS

pypdf = pytest.importorskip("pypdf")

A4 = (595.28, 841.89)


def _no_chromium(monkeypatch, tmp_path):
    empty = tmp_path / "empty-path"
    empty.mkdir(exist_ok=True)
    monkeypatch.setenv("PATH", str(empty))
    monkeypatch.delenv(CHROMIUM_ENV, raising=False)


def _quarter(folder: Path, *, html: bool = True) -> Path:
    """A tiny quarter as the tool publishes it: its files and its manifest."""
    folder.mkdir(parents=True)
    if html:
        (folder / REPORT_HTML).write_text("<!DOCTYPE html><title>Q</title><p>Quarterly privacy review 2024Q3</p>",
                                          encoding="utf-8")
    (folder / "summary.json").write_text('{"period": "2024Q3"}', encoding="utf-8")
    ownership.mark_quarter(folder)
    return folder


def _cli(capsys, *argv) -> tuple[int, str, str]:
    code = climod.main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _error_lines(err: str) -> list[str]:
    return [line for line in err.splitlines() if line.startswith("privacy-review:")]


# --- fast: no browser -------------------------------------------------------------------


def test_without_chromium_the_pdf_command_exits_2_with_one_line(tmp_path, monkeypatch, capsys):
    _no_chromium(monkeypatch, tmp_path)
    quarter = _quarter(tmp_path / "reports" / "2024Q3")
    before = sorted(ownership.files_under(quarter))
    code, out, err = _cli(capsys, "pdf", str(quarter), "--db", str(tmp_path / "none.duckdb"))
    assert code == 2
    assert _error_lines(err) == [f"privacy-review: error: {NO_CHROMIUM}"]
    assert "Traceback" not in err and out == ""
    assert sorted(ownership.files_under(quarter)) == before  # nothing written


def test_a_chromium_named_in_the_environment_that_is_not_there_exits_2(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(CHROMIUM_ENV, str(tmp_path / "no-such-chromium"))
    quarter = _quarter(tmp_path / "reports" / "2024Q3")
    code, _, err = _cli(capsys, "pdf", str(quarter), "--db", str(tmp_path / "none.duckdb"))
    assert code == 2
    [line] = _error_lines(err)
    assert CHROMIUM_ENV in line and "apt-get install chromium" in line


def test_a_failing_chromium_is_exit_1_in_one_line(tmp_path, monkeypatch, capsys):
    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\necho 'something broke' >&2\nexit 3\n")
    fake.chmod(0o755)
    monkeypatch.setenv(CHROMIUM_ENV, str(fake))
    quarter = _quarter(tmp_path / "reports" / "2024Q3")
    code, _, err = _cli(capsys, "pdf", str(quarter), "--db", str(tmp_path / "none.duckdb"))
    assert code == 1
    [line] = _error_lines(err)
    assert "could not print" in line and "exit 3" in line and "something broke" in line
    assert "Traceback" not in err
    assert not (quarter / REPORT_PDF).exists()
    assert not [p for p in quarter.parent.iterdir() if p.name.startswith(".2024Q3.tmp-")]  # staging removed


def test_run_pdf_without_chromium_exits_2_before_any_work(tmp_path, monkeypatch, capsys):
    _no_chromium(monkeypatch, tmp_path)
    code, _, err = _cli(capsys, "run", "--pdf", "--no-report", "--out", str(tmp_path / "out"))
    assert code == 2 and "--no-report" in _error_lines(err)[0]


def test_a_pdf_the_tool_did_not_write_is_never_replaced(tmp_path, capsys):
    quarter = _quarter(tmp_path / "reports" / "2024Q3")
    (quarter / REPORT_PDF).write_bytes(b"%PDF-1.4 the user's own")
    code, _, err = _cli(capsys, "pdf", str(quarter), "--db", str(tmp_path / "none.duckdb"))
    assert code == 2
    [line] = _error_lines(err)
    assert REPORT_PDF in line and "did not write" in line
    assert (quarter / REPORT_PDF).read_bytes() == b"%PDF-1.4 the user's own"


@pytest.mark.parametrize("case", ["not the tool's", "no html"])
def test_only_a_published_quarter_with_its_html_is_printed(tmp_path, capsys, case):
    if case == "not the tool's":
        folder = tmp_path / "mine"
        folder.mkdir()
        (folder / REPORT_HTML).write_text("<p>mine</p>", encoding="utf-8")
    else:
        folder = _quarter(tmp_path / "reports" / "2024Q3", html=False)
    code, _, err = _cli(capsys, "pdf", str(folder), "--db", str(tmp_path / "none.duckdb"))
    assert code == 2 and len(_error_lines(err)) == 1
    assert not (folder / REPORT_PDF).exists() and not (folder.parent / ".privacy-review.lock").exists()


def _tiny_pdf(path: Path, text: str, *, author: str | None = None) -> Path:
    """A one-page PDF showing ``text`` in Helvetica (pypdf, no browser)."""
    from pypdf import PdfWriter
    from pypdf.generic import DecodedStreamObject, DictionaryObject, NameObject

    writer = PdfWriter()
    page = writer.add_blank_page(width=A4[0], height=A4[1])
    font = DictionaryObject({NameObject("/Type"): NameObject("/Font"), NameObject("/Subtype"): NameObject("/Type1"),
                             NameObject("/BaseFont"): NameObject("/Helvetica")})
    page[NameObject("/Resources")] = DictionaryObject({
        NameObject("/Font"): DictionaryObject({NameObject("/F1"): writer._add_object(font)})})
    stream = DecodedStreamObject()
    stream.set_data(f"BT /F1 12 Tf 72 720 Td ({text}) Tj ET".encode("latin-1"))
    page[NameObject("/Contents")] = writer._add_object(stream)
    if author:
        writer.add_metadata({"/Author": author})
    with open(path, "wb") as handle:
        writer.write(handle)
    return path


def test_the_scan_reads_a_pdfs_text(tmp_path):
    from pipelines.publish.scan import PersonalDataFound, check, pdf_text, scan

    folder = tmp_path / "q"
    folder.mkdir()
    _tiny_pdf(folder / REPORT_PDF, "Contact jane.doe@example.com about 10.1.2.3")
    assert "jane.doe@example.com" in pdf_text(folder / REPORT_PDF)
    kinds = {f.kind for f in scan(folder, None)}
    assert {"an e-mail address", "an IPv4 address"} <= kinds
    with pytest.raises(PersonalDataFound, match=REPORT_PDF):
        check(folder, None)


def test_the_scan_reads_a_pdfs_metadata_and_allows_the_controllers_address(tmp_path):
    from pipelines.publish.scan import scan

    folder = tmp_path / "q"
    folder.mkdir()
    _tiny_pdf(folder / "a.pdf", "Write to privacy@connexeon.example", author="john.smith@example.org")
    found = scan(folder, None, allowed_addresses=["privacy@connexeon.example"])
    assert [f.kind for f in found] == ["an e-mail address"]  # the author, not the allowed contact
    (folder / "a.pdf").unlink()
    _tiny_pdf(folder / "b.pdf", "Write to privacy@connexeon.example")
    assert scan(folder, None, allowed_addresses=["privacy@connexeon.example"]) == []


def test_an_unreadable_pdf_is_not_published(tmp_path):
    from pipelines.errors import PipelineFailure
    from pipelines.publish.scan import check

    folder = tmp_path / "q"
    folder.mkdir()
    (folder / REPORT_PDF).write_bytes(b"not a pdf at all")
    with pytest.raises(PipelineFailure, match="cannot be read as a PDF"):
        check(folder, None)


def test_the_page_rule_carries_the_title_and_page_numbers():
    from pipelines.report.export import page_css

    css = page_css('Quarterly privacy review 2024Q3 "</style>')
    assert "size: A4" in css and "@bottom-center" in css
    assert 'counter(page) " / " counter(pages)' in css
    assert "Quarterly privacy review 2024Q3" in css and "</style>" not in css and '\\22 ' in css


def test_the_print_css_keeps_charts_tables_and_sections_whole():
    from pipelines.report.export import templates_dir

    css = (templates_dir() / "privacy_report" / "report.css").read_text(encoding="utf-8")
    printing = css[css.index("@media print"):]
    assert re.search(r"h2 \{ break-before: page", printing)
    whole = " ".join(re.findall(r"([^{}]+)\{\s*break-inside: avoid", printing))
    for selector in ("figure.pr-chart", "table", ".kpi", "section", "svg"):
        assert re.search(rf"(^|[\s,]){re.escape(selector)}\s*,", whole), selector
    assert ".pr-toc" in printing.split("display: none")[0]  # the contents' links are for the screen


# --- slow: the report printed by Chromium --------------------------------------------------


def _skip_without_chromium():
    from pipelines.errors import BadInput
    from pipelines.report.pdf import find_chromium

    try:
        find_chromium()
    except BadInput:
        pytest.skip("needs Chromium (apt-get install chromium)")


@pytest.fixture(scope="module", params=["en", "nl"])
def printed(request, tmp_path_factory, results_dir):
    """The management report published with its PDF (the publish stage, as ``run --pdf`` calls it)."""
    _skip_without_chromium()
    from pipelines.publish.quarter import ReportRequest, publish_quarter
    from pipelines.publish.scan import Scan
    from pipelines.results import read_results

    language = request.param
    notebooks = tmp_path_factory.mktemp(f"notebooks-{language}")
    shutil.copy(NOTEBOOKS / "00_quarterly_review.ipynb", notebooks)
    reports = tmp_path_factory.mktemp(f"reports-pdf-{language}")
    record = {"format": evidence.FORMAT, "run": {"language": language}}
    final = publish_quarter(read_results(results_dir), reports, scan=Scan(), record=record,
                            report=ReportRequest(language=language, notebooks_dir=notebooks, pdf=True))
    reader = pypdf.PdfReader(str(final / REPORT_PDF))
    return {
        "language": language, "dir": final, "reader": reader,
        "pages": [page.extract_text() or "" for page in reader.pages],
        "summary": json.loads((final / "summary.json").read_text(encoding="utf-8")),
        "html": (final / REPORT_HTML).read_text(encoding="utf-8"),
    }


def _squeeze(text: str) -> str:
    """Text without white space: a table cell's words may wrap anywhere."""
    import unicodedata

    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def test_the_pdf_is_published_beside_the_html_in_the_manifest_and_the_evidence(printed):
    final = printed["dir"]
    assert (final / REPORT_PDF).read_bytes()[:5] == b"%PDF-"
    assert REPORT_PDF in ownership.quarter_manifest(final)
    [document] = evidence.read(final)["documents"]
    assert document["name"] == REPORT_PDF
    assert document["sha256"] == evidence.sha256_file(final / REPORT_PDF)[1]
    assert document["bytes"] == (final / REPORT_PDF).stat().st_size


def test_bytes_appended_to_the_pdf_are_named_by_verify(printed, tmp_path, capsys, monkeypatch):
    """Issue 31: the PDF the board reads is among the files verify checks (docs/operations.md)."""
    from pipelines.verify import check_published

    assert check_published(printed["dir"]) == ([], check_published(printed["dir"])[1])
    forged = tmp_path / "quarter"
    shutil.copytree(printed["dir"], forged)
    with open(forged / REPORT_PDF, "ab") as handle:
        handle.write(b"%% appended")
    differences, _ = check_published(forged)
    assert differences and all(REPORT_PDF in d for d in differences)
    assert differences[0].startswith(f"published files: {REPORT_PDF}: changed after the run")


def test_every_page_is_a4(printed):
    for page in printed["reader"].pages:
        box = page.mediabox
        assert abs(float(box.width) - A4[0]) <= 1 and abs(float(box.height) - A4[1]) <= 1


def test_every_page_has_the_quarter_and_its_number_in_the_footer(printed):
    quarter = printed["summary"]["period"]
    total = len(printed["pages"])
    assert total >= 3  # the first screen, then a page per section
    for number, text in enumerate(printed["pages"], 1):
        assert re.search(rf"{quarter}\s*·\s*{number}\s*/\s*{total}\b", text), (number, text[:200])


def test_the_pdf_holds_the_quarter_and_every_findings_verdict_in_its_language(printed):
    from pipelines.report.kit.verdicts import basis, code, findings_of, words_key
    from pipelines.report.kit.words import t

    language, summary = printed["language"], printed["summary"]
    text = _squeeze(" ".join(printed["pages"]))
    first = _squeeze(printed["pages"][0])
    assert summary["period"] in first
    assert _squeeze(t(language, "report_title")) in first
    findings = findings_of(summary)
    assert findings
    for found in findings:
        words = _squeeze(t(language, words_key(code(found), basis(found))))
        assert words in first, (found["id"], words)  # the findings table, on page 1
        assert words in text


def test_the_first_page_holds_the_first_screen(printed):
    """Title, overall verdict, findings table and KPI tiles: all on page 1; the first section starts on page 2."""
    html = printed["html"]
    first = _squeeze(printed["pages"][0])
    tiles = re.findall(r'<div class="kpi-label">([^<]+)</div>', html)
    assert tiles
    import html as html_lib

    for label in tiles:
        assert _squeeze(html_lib.unescape(label)) in first, label
    headings = [html_lib.unescape(h) for h in re.findall(r'<h2 id="sec-[^"]*">([^<]+)</h2>', html)]
    assert headings
    for heading in headings:  # each section starts a page of its own (after the footer's words)
        assert any(_squeeze(heading) in _squeeze(page)[:120] for page in printed["pages"][1:]), heading


def _struct_pages(reader) -> list[tuple[str, set[int]]]:
    """(tag, pages) of every outermost Figure and every Table of the PDF's structure tree (Chromium tags its PDFs)."""
    pages = {page.indirect_reference.idnum: i for i, page in enumerate(reader.pages)}

    def kids(element):
        k = element.get("/K")
        return [x.get_object() if hasattr(x, "get_object") else x for x in (k if isinstance(k, list) else [k])] \
            if k is not None else []

    def on_pages(element, inherited):
        page = pages[element.raw_get("/Pg").idnum] if "/Pg" in element else inherited
        found = set()
        for kid in kids(element):
            if isinstance(kid, int):
                found.add(page)
            elif isinstance(kid, dict) and kid.get("/Type") == "/MCR":
                found.add(pages[kid.raw_get("/Pg").idnum] if "/Pg" in kid else page)
            elif isinstance(kid, dict) and "/S" in kid:
                found |= on_pages(kid, page)
        return found

    out = []

    def walk(element, in_figure):
        tag = element.get("/S")
        if tag in ("/Figure", "/Table") and not in_figure:
            out.append((str(tag), on_pages(element, None)))
        for kid in kids(element):
            if isinstance(kid, dict) and "/S" in kid:
                walk(kid, in_figure or tag == "/Figure")

    walk(reader.trailer["/Root"]["/StructTreeRoot"], False)
    return out


def test_no_chart_or_table_is_split_across_pages(printed):
    elements = _struct_pages(printed["reader"])
    assert any(tag == "/Table" for tag, _ in elements)
    split = [(tag, sorted(pages)) for tag, pages in elements if len(pages - {None}) > 1]
    assert split == []
    charts = len(re.findall(r'<figure class="pr-chart"', printed["html"]))
    assert charts > 0
    drawn = sum(1 for tag, pages in elements if tag == "/Figure" and pages - {None})
    assert drawn >= charts  # every chart (and every clause quote) is a figure of the PDF


def test_every_chart_title_is_in_the_pdf(printed):
    import html as html_lib

    text = _squeeze(" ".join(printed["pages"]))
    titles = [html_lib.unescape(x) for x in re.findall(r'<span class="pr-chart-title">([^<]+)</span>', printed["html"])]
    assert titles
    for title in titles:
        assert _squeeze(title) in text, title


def test_the_pdf_command_adds_the_pdf_to_a_published_quarter(printed, tmp_path, capsys):
    """``privacy-review pdf`` on a quarter published without one: the PDF, the manifest and the evidence."""
    if printed["language"] != "en":
        pytest.skip("once is enough")
    reports = tmp_path / "reports"
    quarter = reports / printed["dir"].name
    shutil.copytree(printed["dir"], quarter)
    (quarter / REPORT_PDF).unlink()
    record = evidence.read(quarter)
    record.pop("documents")
    evidence.write(quarter, record)
    ownership.mark_quarter(quarter)
    code, out, err = _cli(capsys, "pdf", str(quarter), "--db", str(tmp_path / "none.duckdb"))
    assert code == 0, err
    assert out.strip() == str(quarter.resolve() / REPORT_PDF)
    assert REPORT_PDF in ownership.quarter_manifest(quarter) and not ownership.foreign_entries(quarter)
    [document] = evidence.read(quarter)["documents"]
    assert document["sha256"] == evidence.sha256_file(quarter / REPORT_PDF)[1]
    # again: the tool's own PDF is replaced
    code, _, err = _cli(capsys, "pdf", str(quarter), "--db", str(tmp_path / "none.duckdb"))
    assert code == 0, err
    assert len(evidence.read(quarter)["documents"]) == 1
