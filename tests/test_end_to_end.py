"""One end-to-end run per user path, on real parts: generated exports, a DuckDB file,
papermill, nbconvert, and the scheduler's view of exit codes."""

from __future__ import annotations

import csv
import json
import os
import re
import shutil
import subprocess
import sys
from functools import reduce
from pathlib import Path

import pytest

from pipelines.sample.generate import write_sample

pytestmark = pytest.mark.slow


def privacy_review(*args, env=None, home=None):
    return subprocess.run(
        [sys.executable, "-m", "pipelines.cli", *map(str, args)],
        capture_output=True, text=True, timeout=600, check=False,
        env={**os.environ, **({"PRIVACY_REVIEW_HOME": str(home)} if home else {}), **(env or {})},
    )


@pytest.fixture(scope="module")
def published(tmp_path_factory):
    root = tmp_path_factory.mktemp("e2e")
    write_sample(root / "data", accounts=300, seed=5, fmt="csv")
    done = privacy_review("run", "--data", root / "data", "--out", root / "reports", home=root / "home")
    assert done.returncode == 0, done.stderr[-3000:]
    final = Path(done.stdout.strip().splitlines()[-1])
    return {"root": root, "dir": final, "html": (final / "quarterly-review.html").read_text(encoding="utf-8"),
            "summary": json.loads((final / "summary.json").read_text()), "stderr": done.stderr}


def test_a_successful_run_logs_no_error_and_warns_about_the_sample(published):
    lines = published["stderr"].splitlines()
    assert [line for line in lines if "ERROR" in line or "Traceback" in line] == []
    assert [line for line in lines if " WARNING " in line and "synthetic sample" in line]
    assert "no personal data" in published["stderr"]  # the privacy scan ran


def test_nothing_personal_is_written_under_out(published):
    reports = published["root"] / "reports"
    assert not list(reports.rglob("*.duckdb*"))
    assert (published["root"] / "home" / "privacy-review.duckdb").is_file()


def test_the_report_is_offline_and_without_code(published):
    html = published["html"]
    assert "<script src=" not in html
    assert not re.search(r"""(src|href)\s*=\s*["']?(https?:)?//""", html)
    assert "<VegaLite" not in html and "jp-InputArea" not in html and "In&nbsp;[" not in html
    assert "Traceback" not in html and "Warning" not in html
    assert html.count('<figure class="pr-chart"') == 10


def test_headline_figures_equal_the_summary(published):
    summary = published["summary"]
    tiles = re.findall(r'data-kpi="([^"*]+)" data-value="([^"]*)"', published["html"])
    assert len(tiles) >= 5  # one tile per headline figure; the findings table carries the rest (docs/report.md)
    for path, value in tiles:
        expected = reduce(lambda d, k: d[k], path.split("."), summary)
        if expected is None:
            assert value in ("", "null", "None")
        else:
            assert float(value) == pytest.approx(float(expected)), path


def test_no_personal_data_in_the_report_or_tables(published):
    data = published["root"] / "data"
    secrets = set()
    for table, columns in {"sessions": ("ip_address", "device_id"), "accounts": ("account_id",),
                           "rights_requests": ("request_id",), "support_tickets": ("ticket_id",)}.items():
        with open(data / f"{table}.csv", encoding="utf-8") as handle:
            for row in csv.DictReader(handle):
                secrets.update(row[c] for c in columns if row.get(c) and len(row[c]) >= 6)
    assert len(secrets) > 100
    outputs = [published["dir"] / "quarterly-review.html", *sorted((published["dir"] / "tables").glob("*.csv"))]
    for path in outputs:
        text = path.read_text(encoding="utf-8")
        leaked = [s for s in secrets if s in text]
        assert not leaked, f"{path.name} holds {leaked[:3]}"


def test_index_lists_the_quarter(published):
    index = (published["root"] / "reports" / "index.html").read_text(encoding="utf-8")
    assert published["summary"]["period"] in index


def test_a_failing_notebook_exits_1_and_keeps_the_previous_report(published, tmp_path):
    reports = published["root"] / "reports"
    before = published["html"]
    broken = tmp_path / "notebooks"
    shutil.copytree(Path(__file__).parents[1] / "notebooks", broken)
    nb = json.loads((broken / "00_quarterly_review.ipynb").read_text())
    nb["cells"].append({"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": None,
                        "id": "boom", "source": "raise RuntimeError('boom')"})
    (broken / "00_quarterly_review.ipynb").write_text(json.dumps(nb))
    done = privacy_review("run", "--data", published["root"] / "data", "--out", reports,
                          env={"PRIVACY_REVIEW_NOTEBOOKS": str(broken)}, home=published["root"] / "home")
    assert done.returncode == 1
    assert "notebook 00_quarterly_review.ipynb failed" in done.stderr and "RuntimeError: boom" in done.stderr
    assert (published["dir"] / "quarterly-review.html").read_text(encoding="utf-8") == before
    assert list((published["dir"] / "failed").rglob("00_quarterly_review.ipynb"))
