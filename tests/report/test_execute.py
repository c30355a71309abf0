"""One notebook through papermill: its kernel's folder without os.chdir, and a quiet shutdown."""

from __future__ import annotations

import os
import signal

import nbformat

from pipelines.report.execute import execute_notebook
from pipelines.report.kernel import ThisPythonKernelManager


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
