"""Run parameterized notebooks with papermill on this Python's kernel, one started kernel reused for several.

docs/report.md ("Steps", 1. Execute): papermill parameterizes, records its metadata and
raises its ``PapermillExecutionError`` exactly as before; only the kernel is no longer
started and shut down per notebook. A :class:`NotebookKernel` is started once and runs
notebooks one after another; before each notebook after its first, a cell that is never
saved resets the kernel to what a fresh kernel offers (an empty namespace, execution
counts from 1, the working directory asked for, warnings shown again). Modules stay
imported: that is the saving (docs/benchmarks.md, "Rendering").
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import nbformat
import papermill as pm
from jupyter_core.utils import ensure_event_loop
from papermill.clientwrap import PapermillNotebookClient
from papermill.engines import NBClientEngine, papermill_engines
from papermill.exceptions import PapermillExecutionError
from papermill.utils import merge_kwargs, remove_args

from pipelines.errors import PipelineFailure
from pipelines.report.kernel import KERNEL_NAME, ThisPythonKernelManager

log = logging.getLogger(__name__)

#: the longest a single cell may run (seconds); a hung cell fails the report instead of the scheduler
CELL_TIMEOUT = 600
START_TIMEOUT = 120
#: the papermill engine that runs a notebook on a started :class:`NotebookKernel`
ENGINE_NAME = "privacy-review-kernel"
#: what nbclient gives a kernel it starts: history in memory, never in the user's IPython profile
KERNEL_ARGUMENTS = ["--HistoryManager.hist_file=:memory:"]

#: run (unsaved, store_history=False) before each notebook after a kernel's first: what a fresh kernel offers.
#: The working directory is the one asked for; ``catch_warnings`` on exit marks the warning filters changed,
#: so a warning already shown by an earlier notebook is shown again; ``reset(new_session=True)`` empties the
#: namespace, ``In``/``Out`` and restarts execution counts at 1 (the cells' ``[1]``, ``[2]`` and
#: NotebookFailed's "in cell [N]" stay as with one kernel per notebook).
RESET_SOURCE = """\
import os as _pr_os, warnings as _pr_warnings
_pr_os.chdir({cwd})
with _pr_warnings.catch_warnings():
    pass
_pr_warnings.onceregistry.clear()
get_ipython().reset(new_session=True)
"""


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


class NotebookKernel:
    """One kernel of this Python (:mod:`pipelines.report.kernel`) that runs notebooks one after another.

    Use it as a context manager, and only in the thread that entered it: the kernel's
    client lives on that thread's event loop (jupyter_core's, which nbclient uses too).
    Started as nbclient starts the kernels it owns (working directory ``cwd``, history in
    memory) and shut down as nbclient shuts them down (a shutdown request, no interrupt:
    see :class:`~pipelines.report.kernel.ThisPythonKernelManager`).
    """

    def __init__(self, cwd: str | Path, *, start_timeout: int = START_TIMEOUT) -> None:
        self.cwd, self.start_timeout = Path(cwd).resolve(), start_timeout
        self.km: ThisPythonKernelManager | None = None
        self.kc = None
        self.notebooks = 0  # notebooks begun on this kernel

    def __enter__(self) -> NotebookKernel:
        loop = ensure_event_loop()
        self.km = ThisPythonKernelManager(kernel_name=KERNEL_NAME)
        try:
            loop.run_until_complete(
                self.km.start_kernel(extra_arguments=list(KERNEL_ARGUMENTS), cwd=str(self.cwd))
            )
            self.kc = self.km.client()
            self.kc.start_channels()
            loop.run_until_complete(self.kc.wait_for_ready(timeout=self.start_timeout))
            self.kc.allow_stdin = False
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc_info) -> None:
        loop = ensure_event_loop()
        km, kc, self.km, self.kc = self.km, self.kc, None, None
        if km is None:
            return
        try:
            if loop.run_until_complete(km.is_alive()):
                loop.run_until_complete(km.shutdown_kernel(now=False))
        finally:
            loop.run_until_complete(km.cleanup_resources())
            if kc is not None:
                kc.stop_channels()

    def begin(self, cwd: Path, timeout: int) -> None:
        """Make the kernel ready for a notebook run in ``cwd``: as fresh as a new kernel (see :data:`RESET_SOURCE`)."""
        if self.kc is None:
            raise RuntimeError("the notebook kernel is not running")
        if self.notebooks or Path(cwd).resolve() != self.cwd:
            source = RESET_SOURCE.format(cwd=json.dumps(str(Path(cwd).resolve())))
            loop = ensure_event_loop()
            msg_id = self.kc.execute(source, silent=True, store_history=False, allow_stdin=False)
            reply = loop.run_until_complete(self.kc.get_shell_msg(timeout=timeout))
            while reply["parent_header"].get("msg_id") != msg_id:
                reply = loop.run_until_complete(self.kc.get_shell_msg(timeout=timeout))
            if reply["content"]["status"] != "ok":
                content = reply["content"]
                raise PipelineFailure(
                    f"cannot reset the notebook kernel: {content.get('ename')}: {content.get('evalue')}"
                )
        self.notebooks += 1


class KernelEngine(NBClientEngine):
    """papermill's nbclient engine on a started :class:`NotebookKernel` (engine argument ``kernel``).

    The same :class:`~papermill.clientwrap.PapermillNotebookClient` and arguments as papermill's
    own ``NBClientEngine``; the client is handed the kernel's manager and client, so it neither
    starts nor shuts down a kernel (nbclient leaves alone a kernel manager it did not create).
    """

    @classmethod
    def execute_managed_notebook(
        cls,
        nb_man,
        kernel_name,
        log_output=False,
        stdout_file=None,
        stderr_file=None,
        start_timeout=60,
        execution_timeout=None,
        kernel: NotebookKernel | None = None,
        **kwargs,
    ):
        if kernel is None or kernel.km is None:
            raise RuntimeError(f"the {ENGINE_NAME} engine needs a started NotebookKernel")
        kwargs = remove_args(["input_path", "timeout", "startup_timeout"], **kwargs)
        final_kwargs = merge_kwargs(
            kwargs,
            timeout=execution_timeout,
            startup_timeout=start_timeout,
            kernel_name=kernel_name,
            log=logging.getLogger("papermill"),
            log_output=log_output,
            stdout_file=stdout_file,
            stderr_file=stderr_file,
        )
        client = PapermillNotebookClient(nb_man, km=kernel.km, **final_kwargs)
        client.kc = kernel.kc
        return client.execute()


papermill_engines.register(ENGINE_NAME, KernelEngine)


def execute_notebook(
    src: str | Path,
    dst: str | Path,
    parameters: dict[str, Any] | None = None,
    cwd: str | Path | None = None,
    *,
    timeout: int = CELL_TIMEOUT,
    kernel: NotebookKernel | None = None,
) -> nbformat.NotebookNode:
    """Execute ``src`` into ``dst`` with ``parameters`` injected; return the executed notebook.

    The kernel is :data:`~pipelines.report.kernel.KERNEL_NAME`, i.e. ``sys.executable``,
    whatever kernels the user has installed: ``kernel`` if given (a started
    :class:`NotebookKernel`, reset first if it ran a notebook before), else one
    started for this notebook and shut down after it. ``cwd`` is the kernel's working
    directory (default: the notebook's folder, so relative defaults work as in
    JupyterLab); it is set in the kernel process, never with ``os.chdir`` here:
    papermill's ``cwd=`` changes the working directory of the whole process, and
    notebooks run two at a time in threads, so another thread's relative paths would
    resolve from the wrong folder. All paths are made absolute first for the same
    reason. On a cell error papermill still writes ``dst`` (error cell included) and
    raises ``papermill.PapermillExecutionError``; this function lets that propagate.
    The saved notebook keeps the source's ``kernelspec`` metadata, so it opens in
    JupyterLab with the user's ordinary kernel.
    """
    src, dst = Path(src).resolve(), Path(dst).resolve()
    kernel_cwd = Path(cwd).resolve() if cwd else src.parent
    if kernel is None:
        with NotebookKernel(kernel_cwd) as own:
            return execute_notebook(src, dst, parameters, kernel_cwd, timeout=timeout, kernel=own)
    dst.parent.mkdir(parents=True, exist_ok=True)
    source_kernelspec = dict(
        nbformat.read(src, as_version=4).metadata.get("kernelspec", {})
    )
    # papermill logs every cell at INFO; the report's logs say which notebook ran, not each cell
    logging.getLogger("papermill").setLevel(logging.WARNING)
    kernel.begin(kernel_cwd, timeout)
    failed = True
    try:
        pm.execute_notebook(
            str(src),
            str(dst),
            parameters=dict(parameters or {}),
            engine_name=ENGINE_NAME,
            kernel_name=KERNEL_NAME,
            language="python",
            progress_bar=False,
            log_output=False,
            request_save_on_cell_execute=False,
            execution_timeout=timeout,
            start_timeout=kernel.start_timeout,
            kernel=kernel,
        )
        failed = False
    finally:
        if dst.exists() and source_kernelspec:
            _restore_kernelspec(dst, source_kernelspec, best_effort=failed)
    return nbformat.read(dst, as_version=4)


def _restore_kernelspec(path: Path, kernelspec: dict, *, best_effort: bool = False) -> None:
    """Give the executed notebook at ``path`` the source's ``kernelspec`` again. ``best_effort``: papermill raised
    (a cell failed, a full disk cut the notebook short): a notebook that cannot be read or written is left as it
    is, so that papermill's own error, the one that says why (``No space left on device``), is the one raised."""
    if best_effort:
        try:
            _restore_kernelspec(path, kernelspec)
        except (OSError, ValueError):  # nbformat's NotJSONError is a ValueError
            log.debug("the kernelspec of %s was not restored", path, exc_info=True)
        return
    nb = nbformat.read(path, as_version=4)
    if dict(nb.metadata.get("kernelspec", {})) != kernelspec:
        nb.metadata["kernelspec"] = kernelspec
        nbformat.write(nb, path)
