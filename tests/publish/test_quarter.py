"""Publishing a quarter again (pipelines/publish/quarter.py): ``privacy-review pdf`` beside JupyterLab's traces."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipelines import cli, ownership
from pipelines.report.index import REPORT_HTML
from pipelines.report.pdf import REPORT_PDF

TRACE = ".ipynb_checkpoints/quarterly-review-checkpoint.html"


@pytest.fixture
def printer(monkeypatch):
    """Chromium stood in for by a one-page PDF (pypdf): the staging, scan and swap are the real ones."""
    pypdf = pytest.importorskip("pypdf")

    def write_pdf(html: Path, pdf: Path) -> Path:
        writer = pypdf.PdfWriter()
        writer.add_blank_page(width=595, height=842)
        with open(pdf, "wb") as handle:
            writer.write(handle)
        return pdf

    monkeypatch.setattr("pipelines.publish.quarter.find_chromium", lambda: "chromium")
    monkeypatch.setattr("pipelines.publish.quarter.write_pdf", write_pdf)


def quarter(folder: Path) -> Path:
    """A tiny quarter as the tool publishes it, then opened in JupyterLab (its HTML's checkpoint beside it)."""
    folder.mkdir(parents=True)
    (folder / REPORT_HTML).write_text("<!DOCTYPE html><title>Q</title><p>Quarterly privacy review</p>",
                                      encoding="utf-8")
    (folder / "summary.json").write_text('{"period": "2024Q3"}', encoding="utf-8")
    ownership.mark_quarter(folder)
    (folder / ".ipynb_checkpoints").mkdir()
    (folder / TRACE).write_bytes((folder / REPORT_HTML).read_bytes())
    return folder


def test_pdf_prints_a_quarter_opened_in_jupyterlab_and_keeps_the_trace(tmp_path, capsys, printer):
    folder = quarter(tmp_path / "reports" / "2024Q3")
    trace = (folder / TRACE).read_bytes()
    code = cli.main(["pdf", str(folder), "--db", str(tmp_path / "none.duckdb")])
    err = capsys.readouterr().err
    assert code == 0, err
    assert (folder / REPORT_PDF).is_file() and (folder / TRACE).read_bytes() == trace
    assert REPORT_PDF in ownership.quarter_manifest(folder) and TRACE not in ownership.quarter_manifest(folder)
    assert "carried over 1 editor trace(s)" in err


def test_pdf_still_refuses_a_quarter_holding_a_strangers_file(tmp_path, capsys, printer):
    folder = quarter(tmp_path / "reports" / "2024Q3")
    (folder / "notes.txt").write_text("mine", encoding="utf-8")
    assert cli.main(["pdf", str(folder), "--db", str(tmp_path / "none.duckdb")]) == 2
    assert "privacy-review did not write, e.g. notes.txt" in capsys.readouterr().err
    assert not (folder / REPORT_PDF).exists() and (folder / "notes.txt").read_text(encoding="utf-8") == "mine"
