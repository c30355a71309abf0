"""Notebooks through papermill: the kernel's folder without os.chdir, a quiet shutdown, one kernel reused."""

from __future__ import annotations

import os
import signal

import nbformat
import pytest
from papermill.exceptions import PapermillExecutionError

from pipelines.report.execute import NotebookKernel, execute_notebook
from pipelines.report.kernel import ThisPythonKernelManager

pytestmark = pytest.mark.slow  # starts kernels


def tiny_notebook(folder, source="import os\nprint(os.getcwd())"):
    nb = nbformat.v4.new_notebook()
    nb.cells = [nbformat.v4.new_code_cell("x = 1", metadata={"tags": ["parameters"]}), nbformat.v4.new_code_cell(source)]
    folder.mkdir(parents=True, exist_ok=True)
    nbformat.write(nb, folder / "tiny.ipynb")
    return folder / "tiny.ipynb"


def test_the_kernel_runs_in_the_notebooks_folder_and_the_process_never_changes_folder(tmp_path, monkeypatch):
    src = tiny_notebook(tmp_path / "notebooks")
    start = os.getcwd()
    moves = []
    real_chdir = os.chdir

    def recording_chdir(path):
        moves.append(os.path.realpath(path))
        real_chdir(path)

    monkeypatch.setattr(os, "chdir", recording_chdir)
    nb = execute_notebook(src, tmp_path / "out" / "tiny.ipynb", {"x": 2})
    assert nb.cells[-1].outputs[0]["text"].strip() == str(src.parent.resolve())
    # papermill's own file handler "changes" to the current folder; nothing may move the process elsewhere
    assert set(moves) <= {os.path.realpath(start)}


def test_a_finished_kernel_is_shut_down_without_an_interrupt(tmp_path, monkeypatch):
    # jupyter_client interrupts (SIGINT) before every shutdown; ipykernel then logs
    # "ERROR | KeyboardInterrupt caught in kernel." in the run's stderr
    sent = []
    real_signal = ThisPythonKernelManager._async_signal_kernel

    async def recording_signal(self, signum):
        sent.append(signum)
        await real_signal(self, signum)

    monkeypatch.setattr(ThisPythonKernelManager, "_async_signal_kernel", recording_signal)
    execute_notebook(tiny_notebook(tmp_path), tmp_path / "out.ipynb")
    assert signal.SIGINT not in sent


def test_one_kernel_runs_notebooks_one_after_another_each_as_in_a_fresh_kernel(tmp_path):
    # docs/report.md, "Steps": one kernel for several notebooks, reset between them by a cell that is not saved
    first = tiny_notebook(tmp_path / "a", "import os\nos.chdir('/')\nleft_over = 1\nprint(os.getpid())")
    second = tiny_notebook(
        tmp_path / "b",
        "import os, warnings\nprint(os.getpid(), os.getcwd(), 'left_over' in globals(), x)\n"
        "warnings.warn('shown in every notebook')",
    )
    with NotebookKernel(tmp_path) as kernel:
        one = execute_notebook(first, tmp_path / "out" / "a.ipynb", {"x": 1}, kernel=kernel)
        two = execute_notebook(second, tmp_path / "out" / "b.ipynb", {"x": 2}, cwd=tmp_path / "b", kernel=kernel)
        three = execute_notebook(second, tmp_path / "out" / "c.ipynb", {"x": 3}, cwd=tmp_path / "b", kernel=kernel)
    pid = one.cells[-1].outputs[0]["text"].strip()
    assert two.cells[-1].outputs[0]["text"].split() == [pid, str((tmp_path / "b").resolve()), "False", "2"]
    assert three.cells[-1].outputs[0]["text"].split()[-1] == "3"
    for nb in (one, two, three):  # the reset cell is not saved and counts restart: [1], [2], [3]
        assert [c.execution_count for c in nb.cells] == [1, 2, 3]
        assert "injected-parameters" in nb.cells[1].metadata.tags and len(nb.cells) == 3
    for nb in (two, three):
        assert any("shown in every notebook" in o.get("text", "") for o in nb.cells[-1].outputs)


def test_a_failing_cell_in_a_reused_kernel_reports_as_in_a_fresh_one(tmp_path):
    src = tiny_notebook(tmp_path, "raise LookupError('no such figure')")
    errors = {}
    with pytest.raises(PapermillExecutionError) as fresh:
        execute_notebook(src, tmp_path / "fresh.ipynb", {"x": 2})
    with NotebookKernel(tmp_path) as kernel:
        execute_notebook(tiny_notebook(tmp_path / "ok"), tmp_path / "ok.ipynb", kernel=kernel)
        with pytest.raises(PapermillExecutionError) as reused:
            execute_notebook(src, tmp_path / "reused.ipynb", {"x": 2}, kernel=kernel)
    for name, info in (("fresh", fresh), ("reused", reused)):
        saved = nbformat.read(tmp_path / f"{name}.ipynb", as_version=4)
        assert saved.metadata.papermill.exception is True
        errors[name] = (info.value.ename, info.value.evalue, info.value.exec_count,
                        [c.get("execution_count") for c in saved.cells],
                        [o["ename"] for c in saved.cells for o in c.get("outputs", []) if "ename" in o])
    # papermill's markers (markdown cells) at the top and before the failing cell, counts from 1 as in a new kernel
    assert errors["reused"] == errors["fresh"] == (
        "LookupError", "no such figure", 3, [None, 1, 2, None, 3], ["LookupError"])
