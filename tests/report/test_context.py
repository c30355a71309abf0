"""How notebooks find their results (open_results) and the kernel they run on."""

from __future__ import annotations

import sys

import duckdb
import nbformat
import polars as pl
import pytest
from jupyter_client.kernelspec import NoSuchKernel
from nbformat.v4 import new_code_cell, new_notebook

from pipelines.errors import BadInput
from pipelines.report.kit import context
from pipelines.report.kit.context import open_results
from pipelines.report.kernel import KERNEL_NAME, ThisPythonKernelSpecManager
from pipelines.results import read_results
from tests.report.fake_results import write_fake_results


def test_reads_a_results_directory(results_dir):
    ctx = open_results(results_dir, quarter="2024Q3", as_of="2024-09-30")
    assert ctx.period == "2024Q3" and not ctx.computed
    assert ctx.get("retention.breaches.account") == 37
    assert ctx.get("retention.breaches.analytics") is None
    assert ctx.get("no.such.figure", "n/a") == "n/a"
    assert ctx.get("retention.breaches.account", previous=True) == 32
    assert (
        ctx.table("retention_breaches") is not None
        and ctx.table("no_such_table") is None
    )
    assert ctx.policy.inactivity.clause == "§1.1"


def test_a_table_is_read_on_first_use_only_and_typed_as_declared(tmp_path):
    results_dir = write_fake_results(tmp_path / "2024Q3")
    ctx = open_results(results_dir)
    assert ctx.tables == {}  # opening reads summary.json only
    ageing = ctx.table("rights_open_ageing")
    assert ageing.schema["bucket_order"] == pl.Int32  # the declared type, not an inferred Int64
    assert list(ctx.tables) == ["rights_open_ageing"]  # the others are never read
    (results_dir / "tables" / "rights_open_ageing.csv").unlink()
    assert ctx.table("rights_open_ageing") is ageing  # read once, then kept
    assert ctx.table("no_such_table") is None and "no_such_table" in ctx.tables


def test_latest_means_the_newest_published_quarter(tmp_path):
    write_fake_results(tmp_path / "reports" / "2023Q4", "2023Q4", "2023-12-31")
    write_fake_results(tmp_path / "reports" / "2024Q3")
    write_fake_results(tmp_path / "reports" / "2024Q1", "2024Q1", "2024-03-31")
    (tmp_path / "reports" / "2024Q4" / "failed").mkdir(parents=True)  # a failed run, nothing published
    assert open_results(tmp_path / "reports" / "latest").period == "2024Q3"


def test_results_for_another_quarter_are_refused(results_dir):
    with pytest.raises(BadInput, match="2024Q3, not for the requested quarter 2024Q2"):
        open_results(results_dir, quarter="2024Q2")
    with pytest.raises(BadInput, match="as of 2024-09-30, not 2024-08-31"):
        open_results(results_dir, as_of="2024-08-31")
    with pytest.raises(ValueError, match="language"):
        open_results(results_dir, language="fr")


def test_no_results_and_no_exports_says_what_to_do(tmp_path):
    with pytest.raises(BadInput, match="privacy-review run"):
        open_results(tmp_path / "reports" / "latest", tmp_path / "no-exports")


def test_without_results_it_computes_them_from_the_exports(
    tmp_path, results_dir, monkeypatch
):
    exports = tmp_path / "exports"
    exports.mkdir()
    calls = []

    def fake_compute(data_dir, **kwargs):
        calls.append((data_dir, kwargs))
        return read_results(results_dir)

    monkeypatch.setattr(context, "compute_from_exports", fake_compute)
    ctx = open_results(
        tmp_path / "reports" / "latest", exports, output_dir=tmp_path / "computed"
    )
    assert ctx.computed and ctx.period == "2024Q3"
    assert (tmp_path / "computed" / "summary.json").is_file()
    assert calls[0][0] == exports and calls[0][1]["quarter"] == "latest"


def test_connect_is_read_only_and_closed(results_dir, tmp_path):
    db = tmp_path / "review.duckdb"
    con = duckdb.connect(str(db))
    con.sql("CREATE TABLE load_tables AS SELECT 'accounts' AS table_name")
    con.close()
    ctx = open_results(results_dir, db=db)
    with ctx.connect() as con:
        assert con.sql("SELECT count(*) FROM load_tables").fetchall() == [(1,)]
        with pytest.raises(duckdb.Error):
            con.sql("CREATE TABLE x (a INT)")
    with open_results(results_dir).connect() as none:
        assert none is None


def test_kernel_is_this_python_without_any_kernelspec_on_disk():
    ksm = ThisPythonKernelSpecManager()
    spec = ksm.get_kernel_spec(KERNEL_NAME)
    assert spec.argv[0] == sys.executable and spec.language == "python"
    assert KERNEL_NAME in ksm.find_kernel_specs()
    with pytest.raises(NoSuchKernel):
        ksm.get_kernel_spec("no-such-kernel-anywhere")


@pytest.mark.slow
def test_a_notebook_naming_an_unknown_kernel_still_runs_here(tmp_path):
    from pipelines.report.execute import execute_notebook

    nb = new_notebook(cells=[new_code_cell("import sys\nprint(sys.executable)")])
    nb.metadata["kernelspec"] = {
        "name": "some-kernel-nobody-has",
        "language": "python",
        "display_name": "?",
    }
    src = tmp_path / "k.ipynb"
    nbformat.write(nb, src)
    out = execute_notebook(src, tmp_path / "out.ipynb", {}, cwd=tmp_path)
    assert out.cells[-1].outputs[0]["text"].strip() == sys.executable
    assert out.metadata.kernelspec["name"] == "some-kernel-nobody-has"
    assert not list(
        tmp_path.glob("kernel-*")
    )  # no ipc sockets left in the working directory
