"""Report fixtures: a fake results directory, and one published report built once per test session; the shipped
sample run as a user runs it, and the exploration notebook run on its database."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.report.fake_results import QUARTER, write_fake_results

REPO = Path(__file__).resolve().parents[2]
NOTEBOOKS = REPO / "notebooks"
SAMPLE = REPO / "data_samples"
EXPLORE = NOTEBOOKS / "explore.ipynb"


def publish_report(results_dir: Path, reports: Path, **request) -> Path:
    """The run's publish stage (pipelines/publish/quarter.py) on a results folder, the scan without a database
    (patterns and paths only); returns the published HTML."""
    from pipelines.publish.quarter import ReportRequest, publish_quarter
    from pipelines.publish.scan import Scan
    from pipelines.report.index import REPORT_HTML
    from pipelines.results import read_results

    return publish_quarter(read_results(results_dir), reports, scan=Scan(), report=ReportRequest(**request)) / REPORT_HTML


@pytest.fixture(scope="session")
def results_dir(tmp_path_factory) -> Path:
    return write_fake_results(tmp_path_factory.mktemp("results") / QUARTER)


@pytest.fixture(scope="session")
def published(tmp_path_factory, results_dir):
    """The publish stage on the fake results (all notebooks, once), beside an older published quarter."""

    reports = tmp_path_factory.mktemp("reports")
    older = write_fake_results(
        reports / "2024Q2",
        "2024Q2",
        "2024-06-30",
        account_breaches=32,
        with_previous=False,
    )
    (older / "quarterly-review.html").write_text(
        "<!DOCTYPE html><title>older</title>", encoding="utf-8"
    )
    started = time.perf_counter()
    html = publish_report(results_dir, reports, notebooks_dir=NOTEBOOKS)
    seconds = time.perf_counter() - started
    print(f"\nreport build on the fake results: {seconds:.1f}s")
    return {
        "reports": reports,
        "html": html,
        "dir": html.parent,
        "seconds": seconds,
        "summary": json.loads(
            (results_dir / "summary.json").read_text(encoding="utf-8")
        ),
    }


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> dict:
    """``privacy-review run`` on the shipped sample (``data_samples/``) as a user types it, in a process of its own:
    the published quarter (its HTML and executed notebooks) and the database it loaded."""
    root = tmp_path_factory.mktemp("sample-run")
    database = root / "db" / "review.duckdb"
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", "--data", str(SAMPLE), "--out", str(root / "reports"),
         "--db", str(database)],
        cwd=REPO, capture_output=True, text=True, timeout=900, check=False,
        env={**os.environ, "PRIVACY_REVIEW_HOME": str(root / "home")},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    final = Path(done.stdout.strip().splitlines()[-1])
    return {"dir": final, "html": final / "quarterly-review.html", "db": database}


@pytest.fixture(scope="session")
def explored(tmp_path_factory, sample_run) -> dict:
    """``notebooks/explore.ipynb`` run top to bottom on the sample run's database (raises on a failing cell):
    the executed notebook, and the database's bytes before and after."""
    from pipelines.report.execute import execute_notebook

    database = sample_run["db"]
    before = database.read_bytes()
    out = tmp_path_factory.mktemp("explored") / "explore.ipynb"
    execute_notebook(EXPLORE, out, {"db": str(database)}, cwd=NOTEBOOKS)
    return {"notebook": out, "before": before, "after": database.read_bytes()}


def kpi_markers(html: str) -> list[tuple[str, object]]:
    """(data-kpi, parsed data-value) of every marker in the HTML."""
    import html as html_lib

    found = []
    for m in re.finditer(r'data-kpi="([^"]+)"\s+data-value="([^"]*)"', html):
        found.append((m.group(1), json.loads(html_lib.unescape(m.group(2)))))
    return found


def summary_figure(summary: dict, path: str):
    """The figure a marker names, resolved independently of the report code (``a.b.*`` = sum)."""
    node = summary
    parts = path.split(".")
    star = parts[-1] == "*"
    for part in parts[:-1] if star else parts:
        node = node.get(part) if isinstance(node, dict) else None
    if star:
        values = [
            v
            for v in (node or {}).values()
            if isinstance(v, (int, float)) and v is not None
        ]
        return sum(values) if values else None
    return node


def finding_rows(html: str) -> list[tuple[str, str, str, str]]:
    """(data-finding, data-verdict, data-open-now, data-fixed-late) of every row of a findings table, in order,
    whatever the order of the attributes (the HTML export sorts them)."""
    found = []
    for tag in re.findall(r"<tr\b[^>]*\bdata-finding=[^>]*>", html):
        attrs = dict(re.findall(r'data-(finding|verdict|open-now|fixed-late)="([^"]*)"', tag))
        found.append((attrs.get("finding"), attrs.get("verdict"), attrs.get("open-now"), attrs.get("fixed-late")))
    return found
