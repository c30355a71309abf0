"""Run one parameterized notebook with papermill on this Python's kernel."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import nbformat
from papermill.exceptions import PapermillExecutionError

from pipelines.errors import PipelineFailure
from pipelines.report.kernel import KERNEL_NAME, ThisPythonKernelManager

#: the longest a single cell may run (seconds); a hung cell fails the report instead of the scheduler
CELL_TIMEOUT = 600
START_TIMEOUT = 120


class NotebookFailed(PipelineFailure, PapermillExecutionError):
    """A report notebook raised while running.

    Both a :class:`~pipelines.errors.PipelineFailure` (the CLI's exit code 1)
    and a ``PapermillExecutionError`` (raised from papermill's own, whose
    cell, ename, evalue and traceback it carries). ``notebook`` is the
    source notebook's name; ``executed`` the saved executed copy with the
    error cell.
    """

    def __init__(
        self,
        notebook: str,
        executed: Path | None,
        error: PapermillExecutionError | None = None,
    ):
        e = error
        PapermillExecutionError.__init__(
            self,
            getattr(e, "cell_index", None),
            getattr(e, "exec_count", None),
            getattr(e, "source", ""),
            getattr(e, "ename", ""),
            getattr(e, "evalue", ""),
            getattr(e, "traceback", []) or [],
        )
        self.notebook, self.executed = notebook, executed

    def __str__(self) -> str:
        where = f" in cell [{self.exec_count}]" if self.exec_count is not None else ""
        kept = (
            f"; the executed notebook with the error is kept at {self.executed}"
            if self.executed
            else ""
        )
        return (
            f"notebook {self.notebook} failed{where}: {self.ename}: {self.evalue}{kept}"
        )


def execute_notebook(
    src: str | Path,
    dst: str | Path,
    parameters: dict[str, Any] | None = None,
    cwd: str | Path | None = None,
    *,
    timeout: int = CELL_TIMEOUT,
) -> nbformat.NotebookNode:
    """Execute ``src`` into ``dst`` with ``parameters`` injected; return the executed notebook.

    The kernel is :data:`~pipelines.report.kernel.KERNEL_NAME`, i.e. ``sys.executable``,
    whatever kernels the user has installed. ``cwd`` is the kernel's working
    directory (default: the notebook's folder, so relative defaults work as in
    JupyterLab); it is handed to the kernel process, never set with
    ``os.chdir``: papermill's ``cwd=`` changes the working directory of the
    whole process, and notebooks run two at a time in threads, so another
    thread's relative paths would resolve from the wrong folder. All paths are
    made absolute first for the same reason. On a cell error papermill still
    writes ``dst`` (error cell included) and raises
    ``papermill.PapermillExecutionError``; this function lets that propagate. The saved notebook keeps the source's ``kernelspec``
    metadata, so it opens in JupyterLab with the user's ordinary kernel.
    """
    import papermill as pm

    src, dst = Path(src).resolve(), Path(dst).resolve()
    kernel_cwd = Path(cwd).resolve() if cwd else src.parent
    dst.parent.mkdir(parents=True, exist_ok=True)
    source_kernelspec = dict(
        nbformat.read(src, as_version=4).metadata.get("kernelspec", {})
    )
    # papermill logs every cell at INFO; the report's logs say which notebook ran, not each cell
    logging.getLogger("papermill").setLevel(logging.WARNING)
    try:
        pm.execute_notebook(
            str(src),
            str(dst),
            parameters=dict(parameters or {}),
            kernel_name=KERNEL_NAME,
            language="python",
            # nbclient starts the kernel in resources.metadata.path (no os.chdir; see above)
            resources={"metadata": {"path": str(kernel_cwd)}},
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            execution_timeout=timeout,
            start_timeout=START_TIMEOUT,
            kernel_manager_class=ThisPythonKernelManager,
        )
    finally:
        if dst.exists() and source_kernelspec:
            _restore_kernelspec(dst, source_kernelspec)
    return nbformat.read(dst, as_version=4)


def _restore_kernelspec(path: Path, kernelspec: dict) -> None:
    nb = nbformat.read(path, as_version=4)
    if dict(nb.metadata.get("kernelspec", {})) != kernelspec:
        nb.metadata["kernelspec"] = kernelspec
        nbformat.write(nb, path)
