"""The whole report on the fake results: every notebook through papermill once (session fixture), then checks."""

from __future__ import annotations

import json
import re
import shutil

import nbformat
import pytest
from papermill.exceptions import PapermillExecutionError

from pipelines.publish.quarter import ReportRequest, publish_quarter
from pipelines.publish.scan import Scan
from pipelines.publish.swap import failed_dir, publish, staging_dir
from pipelines.report.build import build_report, report_notebooks
from pipelines.report.execute import NotebookFailed, NotebookKernel, execute_notebook
from pipelines.report.export import export_html
from pipelines.report.index import published_quarters
from pipelines.results import read_results
from tests.report.conftest import NOTEBOOKS, finding_rows, kpi_markers, summary_figure
from tests.report.fake_results import write_fake_results

pytestmark = pytest.mark.slow
VEGALITE = re.compile(r"^application/vnd\.vegalite\.v[56]\+json$")
#: the notebooks a report runs and publishes (the analysts' explore.ipynb is neither run nor published)
REPORT_NOTEBOOKS = [p.name for p in report_notebooks(NOTEBOOKS)]


def _html(published) -> str:
    return published["html"].read_text(encoding="utf-8")


def _chart_outputs(nb) -> list[dict]:
    return [
        o
        for c in nb.cells
        if c.cell_type == "code"
        for o in c.get("outputs", [])
        if any(VEGALITE.match(k) for k in o.get("data", {}))
    ]


def test_published_layout(published):
    q = published["dir"]
    assert q.name == "2024Q3" and published["html"].name == "quarterly-review.html"
    assert (q / "summary.json").is_file() and (
        q / "tables" / "retention_breaches.csv"
    ).is_file()
    assert sorted(p.name for p in (q / "notebooks").glob("*.ipynb")) == REPORT_NOTEBOOKS  # never explore.ipynb
    assert not (q / "failed").exists()
    # the executed notebooks read the quarter they sit in and name no local path (docs/operations.md,
    # "Safe by construction"): results_dir is "..", no database, no exports, file names only
    nb = nbformat.read(q / "notebooks" / "10_inactivity.ipynb", as_version=4)
    injected = next(
        c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", [])
    )
    assert 'results_dir = ".."' in injected.source and 'db = ""' in injected.source
    assert nb.metadata.papermill.parameters["results_dir"] == ".."
    assert nb.metadata.papermill.input_path == nb.metadata.papermill.output_path == "10_inactivity.ipynb"
    assert str(q.parent) not in (q / "notebooks" / "10_inactivity.ipynb").read_text(encoding="utf-8")
    leftovers = [
        p.name for p in published["reports"].iterdir() if p.name.startswith(".")
    ]
    assert leftovers == []


@pytest.mark.parametrize("name", REPORT_NOTEBOOKS)
def test_every_notebook_ran_and_its_charts_carry_the_spec(published, name):
    nb = nbformat.read(published["dir"] / "notebooks" / name, as_version=4)
    errors = [
        o
        for c in nb.cells
        for o in c.get("outputs", [])
        if o.get("output_type") == "error"
    ]
    assert not errors
    assert (
        nb.metadata.kernelspec["name"] == "python3"
    )  # opens with the user's ordinary kernel
    charts = _chart_outputs(nb)
    assert charts, "each notebook draws charts"
    for output in charts:
        assert {"application/vnd.vega.v5+json", "image/png"} <= set(output["data"])  # what JupyterLab 4 draws, untrusted too
        assert "<VegaLite" not in output["data"].get("text/plain", "")
    stderr = [
        o for c in nb.cells for o in c.get("outputs", []) if o.get("name") == "stderr"
    ]
    assert not stderr, [o["text"][:200] for o in stderr]


def test_html_is_self_contained_and_offline(published):
    html = _html(published)
    assert not re.search(r"<script[^>]*\bsrc\s*=", html, re.IGNORECASE)
    assert not re.search(
        r"""(?:src|href|action)\s*=\s*["']?\s*(?:https?:)?//""", html, re.IGNORECASE
    )
    assert not re.search(
        r"<link\b|<iframe\b|@import|url\(\s*['\"]?https?:", html, re.IGNORECASE
    )
    assert "<VegaLite" not in html and "&lt;VegaLite" not in html


def test_html_has_no_code_prompts_or_stderr(published):
    html = _html(published)
    body = html.split("</main>")[0]
    assert (
        "cm-editor" not in body
        and "jp-InputPrompt" not in body
        and "jp-OutputPrompt" not in body
    )
    assert not re.search(r"In&nbsp;\[|Out\[\d*\]", html)
    for code in (
        "nb.start(",
        "import pathlib",
        "results_dir",
        "inactivity.erasure_pipeline",
        "Traceback",
    ):
        assert code not in body
    for noise in (
        "Warning:",
        "DeprecationWarning",
        "application/vnd.jupyter.stderr",
        "Kernel is running",
    ):
        assert noise not in body
    assert (
        str(published["dir"]) not in body
    )  # no local paths leak from injected parameters


def test_title_toc_and_chart_count(published):
    html = _html(published)
    assert "<title>Quarterly privacy review 2024Q3</title>" in html
    assert '<html lang="en">' in html
    nav = re.search(r'<nav class="pr-toc".*?</nav>', html, re.DOTALL).group(0)
    for section in (
        "Inactive accounts",
        "Retention periods",
        "Support inquiries",
        "Data-subject rights requests",
        "Data quality",
    ):
        assert section in nav
    executed = nbformat.read(
        published["dir"] / "notebooks" / "00_quarterly_review.ipynb", as_version=4
    )
    assert html.count('<figure class="pr-chart"') == len(_chart_outputs(executed)) == 10
    assert html.count("<script>") == 2  # the one Vega bundle and the embed loop


def test_kpi_values_equal_summary_json(published):
    html = _html(published)
    summary = json.loads(
        (published["dir"] / "summary.json").read_text(encoding="utf-8")
    )
    markers = kpi_markers(html.split("</main>")[0])
    assert len(markers) >= 6
    for path, value in markers:
        assert value == summary_figure(summary, path), path
    paths = {p for p, _ in markers}
    for needed in (
        "rights.on_time_rate",
        "rights.open_overdue",
        "support.tickets",
        "support.first_response_hours.median",
        "data_quality.rows_rejected.*",
    ):
        assert needed in paths
    assert "retention.breaches.*" not in paths  # no total over kinds of records (docs/report.md, "The first screen")


def test_the_first_screen_holds_every_finding(published):
    """Right under the overall verdict, one table with a row per finding of summary.json: its verdict in the
    words of its basis, its records, their change and the worklist of a broken promise."""
    html = _html(published)
    findings = published["summary"]["findings"]
    first = html[html.index('<header class="pr-title">') : html.index('class="pr-toc')]
    shown = finding_rows(first)
    assert shown == [(f["id"], f["verdict"], json.dumps(f["open_now"]), json.dumps(f["fixed_late"])) for f in findings]
    text = re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", first)).replace("&lt;", "<").replace("&gt;", ">")
    # the policy's own promises counted, the legal deadline and the internal standards beside them
    assert ("Overall 1 of 6 promises kept 4 not kept, 1 not judged. Beside them: legal deadlines 0 of 1 met, "
            "internal standards 3 of 5 met.") in text
    for words in ("Promise not kept", "Promise kept", "Legal deadline missed", "Internal standard missed",
                  "Internal standard met", "Not checked: not exported"):
        assert words in text
    assert "privacy-review" not in text  # the commands are for the privacy team, at the end
    for f in findings:
        if f["verdict"] == "not kept" and f["open_now"]:
            assert f"<code class=\"pr-code pr-nowrap\">{f['worklist']}</code>" in first  # never broken


def test_management_report_quotes_clauses_and_gives_verdicts(published):
    html = _html(published)
    assert html.count('<div class="pr-verdict') == 6  # five sections + the overall verdict
    assert (
        "If you become inactive, we will delete or anonymize your information within 12 months"
        in html
    )
    assert "Promise not kept" in html and "Promise kept" in html and "Internal standard met" in html


def test_no_personal_data_in_the_report(published):
    html = _html(published).split("</main>")[0]
    assert not re.search(
        r"r[0-9a-f]{4}pseudo", html
    )  # not even the fixture's pseudonymous request keys
    html = re.sub(
        r"<noscript>.*?</noscript>", "", html, flags=re.DOTALL
    )  # base64 images
    assert not re.search(r"[\w.+-]{1,64}@[\w-]{1,63}\.[a-z]{2,}", html)
    assert not re.search(r"\b\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}\b", html)


def test_index_lists_quarters_newest_first(published):
    index = (published["reports"] / "index.html").read_text(encoding="utf-8")
    quarters = re.findall(r'<tr data-quarter="([^"]+)"', index)
    assert quarters == ["2024Q3", "2024Q2"]
    assert 'href="2024Q3/quarterly-review.html"' in index
    assert "<script" not in index and not re.search(r"https?://", index)
    summary = published["summary"]
    rows = re.findall(r'<tr data-quarter="2024Q3">(.*?)</tr>', index, re.DOTALL)[0]
    for path, value in kpi_markers(rows):
        assert value == summary_figure(summary, path)
    assert [q for q, _ in published_quarters(published["reports"])] == [
        "2024Q3",
        "2024Q2",
    ]


def test_failed_notebook_keeps_previous_report_and_the_failed_notebook(
    published, results_dir, tmp_path
):
    reports = tmp_path / "reports"
    shutil.copytree(published["dir"], reports / "2024Q3")
    before = {
        p.relative_to(reports): p.read_bytes()
        for p in (reports / "2024Q3").rglob("*")
        if p.is_file() and p.name != ".privacy-review-quarter"  # its manifest gains failed/ (checked below)
    }
    with pytest.raises(NotebookFailed) as info:
        # the management notebook raises in its second cell (a path in the message would make the scan drop it)
        notebooks = _one_notebook(tmp_path / "nb", "raise LookupError('no such figure: rights.on_time')")
        publish_quarter(read_results(results_dir), reports, scan=Scan(),
                        report=ReportRequest(notebooks_dir=notebooks, jobs=1))
    exc = info.value
    assert isinstance(exc.__cause__, PapermillExecutionError) and isinstance(
        exc, PapermillExecutionError
    )
    assert str(exc.executed) in str(exc)
    assert exc.notebook == "00_quarterly_review.ipynb" and exc.ename == "LookupError"
    assert "no such figure: rights.on_time" in exc.evalue
    after = {
        p.relative_to(reports): p.read_bytes()
        for p in (reports / "2024Q3").rglob("*")
        if p.is_file() and p.relative_to(reports / "2024Q3").parts[0] != "failed" and p.name != ".privacy-review-quarter"
    }
    assert after == before  # the published report is untouched; the failure sits beside it
    manifest = json.loads((reports / "2024Q3" / ".privacy-review-quarter").read_text())["files"]
    assert "failed/failed/00_quarterly_review.ipynb" in manifest  # the tool's own, so the next run may replace it
    kept = failed_dir(reports / "2024Q3")
    assert (
        exc.executed == kept / "failed" / "00_quarterly_review.ipynb"
        and exc.executed.is_file()
    )
    failed_nb = nbformat.read(exc.executed, as_version=4)
    assert any(
        o.get("output_type") == "error"
        for c in failed_nb.cells
        for o in c.get("outputs", [])
    )
    assert [p.name for p in reports.iterdir() if p.name.startswith(".")] == []
    assert not (reports / "index.html").exists()


def test_build_report_wrong_quarter_fails_clearly(results_dir, tmp_path):
    with pytest.raises(NotebookFailed) as info:
        build_report(
            results_dir,
            tmp_path / "out",
            quarter="2023Q1",
            notebooks_dir=NOTEBOOKS,
            jobs=1,
        )
    assert "2024Q3, not for the requested quarter 2023Q1" in str(info.value)
    assert (tmp_path / "out" / "failed" / "00_quarterly_review.ipynb").is_file()
    assert not (tmp_path / "out" / "quarterly-review.html").exists()


def test_dutch_report_tolerates_missing_tables_and_figures(tmp_path):
    results = write_fake_results(
        tmp_path / "results",
        with_previous=False,
        omit_tables=(
            "retention_trend",
            "rights_on_time_trend",
            "support_by_channel_month",
            "quality_rejects",
            "retention_breaches",
            "inactivity_cohorts",
            "support_duration_histogram",
            "rights_by_right",
            "rights_days_spare",
        ),
        null_paths=(
            "rights.on_time_rate",
            "support.first_response_hours",
            "retention.breaches.account",
            "inactivity",
        ),
    )
    nb = execute_notebook(
        NOTEBOOKS / "00_quarterly_review.ipynb",
        tmp_path / "nl.ipynb",
        {"results_dir": str(results), "language": "nl"},
    )
    html = export_html(nb, tmp_path / "nl.html").read_text(encoding="utf-8")
    assert '<html lang="nl">' in html
    assert (
        "Belofte niet nagekomen" in html
        and "n.v.t." in html
        and "geen vorig kwartaal" in html
    )
    assert "Als u inactief wordt, verwijderen of anonimiseren wij uw gegevens" in html
    assert (
        "Geen gegevens: de resultaten bevatten geen tellingen van accounts over hun termijn per kwartaaleinde;"
        " de berekening die ze schreef, heeft deze tabel niet aangemaakt." in html
    )
    assert "retention_trend" not in re.sub(r"<[^>]+>", " ", html.split("<main", 1)[-1].split("</main>")[0])
    assert (
        html.count('<figure class="pr-chart"') == 1
    )  # only the erasure pipeline has its table
    assert ("rights.on_time_rate", None) in kpi_markers(html)


def _published_by_the_tool(final):
    """A quarter the tool made earlier (its marker lists old.txt)."""
    old = staging_dir(final)
    (old / "old.txt").write_text("old")
    publish(old, final)


def test_publish_replaces_a_previous_version_in_one_step(tmp_path):
    final = tmp_path / "reports" / "2024Q3"
    _published_by_the_tool(final)
    new = staging_dir(final)
    (new / "new.txt").write_text("new")
    assert publish(new, final) == final
    assert sorted(p.name for p in final.iterdir()) == [".privacy-review-quarter", "new.txt"]
    assert [p.name for p in final.parent.iterdir()] == ["2024Q3"]
    assert oct(final.stat().st_mode & 0o777) == "0o755"
    fresh = staging_dir(tmp_path / "reports" / "2025Q1")
    assert publish(fresh, tmp_path / "reports" / "2025Q1").is_dir()


def test_publish_falls_back_to_two_renames(tmp_path, monkeypatch):
    from pipelines.publish import swap as publishing

    final = tmp_path / "2024Q3"
    _published_by_the_tool(final)
    monkeypatch.setattr(publishing, "_exchange", lambda a, b: False)
    new = staging_dir(final)
    (new / "new.txt").write_text("new")
    publish(new, final)
    assert sorted(p.name for p in final.iterdir()) == [".privacy-review-quarter", "new.txt"] and len(
        list(tmp_path.iterdir())
    ) == 1


def _one_notebook(folder, source):
    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_code_cell('results_dir = ""', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell(source),
    ]
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / "00_quarterly_review.ipynb")
    return folder


def test_a_check_that_refuses_publishes_nothing(results_dir, tmp_path):
    from pipelines.errors import PipelineFailure

    seen = []

    class Refusing(Scan):
        def check(self, folder):
            seen.append(sorted(p.name for p in folder.iterdir()))
            raise PipelineFailure("personal data")

    reports = tmp_path / "reports"
    with pytest.raises(PipelineFailure, match="personal data"):
        publish_quarter(read_results(results_dir), reports, scan=Refusing(),
                        report=ReportRequest(notebooks_dir=_one_notebook(tmp_path / "nb", "print('hi')")))
    assert "quarterly-review.html" in seen[0] and "notebooks" in seen[0]  # checked when complete
    assert list(reports.iterdir()) == []  # no quarter, no staging folder, no index


def test_failed_notebooks_that_hold_personal_data_are_not_kept(results_dir, tmp_path):
    from pipelines.errors import PipelineFailure

    reports = tmp_path / "reports"
    notebooks = _one_notebook(tmp_path / "nb", "raise RuntimeError('10.1.2.3')")
    with pytest.raises(NotebookFailed) as info:  # the real scan finds the IP address in the error output
        publish_quarter(read_results(results_dir), reports, scan=Scan(), report=ReportRequest(notebooks_dir=notebooks))
    assert info.value.executed is None
    assert list(reports.iterdir()) == []  # no failed/ folder, no staging folder


def test_one_kernel_runs_the_notebooks_in_order_and_stops_at_the_first_failure(results_dir, tmp_path, monkeypatch):
    # docs/report.md, "Steps": jobs=1 is one kernel for every notebook; a failing cell stops the report there
    folder = _one_notebook(tmp_path / "nb", "import os\nprint(os.getpid())")
    for name, source in (("10_fails.ipynb", "raise LookupError('no such figure')"),
                         ("20_never.ipynb", "open('ran.txt', 'w').close()")):
        nb = nbformat.v4.new_notebook()
        nb.cells = [nbformat.v4.new_code_cell('results_dir = ""', metadata={"tags": ["parameters"]}),
                    nbformat.v4.new_code_cell(source)]
        nbformat.write(nb, folder / name)
    started = []
    real_enter = NotebookKernel.__enter__

    def counting_enter(self):
        started.append(self)
        return real_enter(self)

    monkeypatch.setattr(NotebookKernel, "__enter__", counting_enter)
    with pytest.raises(NotebookFailed) as info:
        build_report(results_dir, tmp_path / "out", notebooks_dir=folder, jobs=1)
    assert len(started) == 1
    assert (info.value.notebook, info.value.ename, info.value.exec_count) == ("10_fails.ipynb", "LookupError", 3)
    assert info.value.executed == tmp_path / "out" / "failed" / "10_fails.ipynb" and info.value.executed.is_file()
    assert [p.name for p in (tmp_path / "out" / "notebooks").iterdir()] == ["00_quarterly_review.ipynb"]
    assert not (folder / "ran.txt").exists() and not (tmp_path / "out" / "quarterly-review.html").exists()
