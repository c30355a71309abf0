"""A Jupyter kernel that is always "this Python": no kernelspec on disk, no NoSuchKernel.

papermill looks kernels up by name in the user's Jupyter paths; in a
virtualenv the name found there (``python3``) often points at another
interpreter, or at none (papermill #251, #638, #761). Instead, execution
uses a kernel manager whose kernelspec is built in memory and runs
``sys.executable -m ipykernel_launcher``, with ``pipelines`` importable from
the same place as in the calling process. Nothing is written to the user's
kernels directories.
"""

from __future__ import annotations

import os
import sys
import tempfile
import uuid
from pathlib import Path

from jupyter_client.kernelspec import KernelSpec, KernelSpecManager
from jupyter_client.manager import AsyncKernelManager
from traitlets import default

import pipelines

#: the kernel name papermill is given; only the managers below know it
KERNEL_NAME = "privacy-review-python"


def package_root() -> Path:
    """The directory holding the ``pipelines`` package (the repository root in a checkout)."""
    return Path(pipelines.__file__).resolve().parent.parent


def this_python_kernelspec() -> KernelSpec:
    """An ipykernel on ``sys.executable`` that imports the same ``pipelines`` as this process."""
    python_path = [str(package_root())]
    if os.environ.get("PYTHONPATH"):
        python_path.append(os.environ["PYTHONPATH"])
    return KernelSpec(
        argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        display_name=f"Python {sys.version_info.major}.{sys.version_info.minor} (privacy-review)",
        language="python",
        name=KERNEL_NAME,
        env={
            "PYTHONPATH": os.pathsep.join(python_path),
            # keep kernels quiet and reproducible: no debugger warnings in stderr
            "PYDEVD_DISABLE_FILE_VALIDATION": "1",
            "PYTHONWARNINGS": os.environ.get(
                "PYTHONWARNINGS", "ignore::DeprecationWarning"
            ),
        },
        metadata={"debugger": False},
    )


class ThisPythonKernelSpecManager(KernelSpecManager):
    """Knows :data:`KERNEL_NAME` without any directory; other names as usual."""

    def get_kernel_spec(self, kernel_name: str) -> KernelSpec:
        if kernel_name == KERNEL_NAME:
            return this_python_kernelspec()
        return super().get_kernel_spec(kernel_name)

    def find_kernel_specs(self) -> dict[str, str]:
        specs = super().find_kernel_specs()
        specs.setdefault(KERNEL_NAME, "")
        return specs


class ThisPythonKernelManager(AsyncKernelManager):
    """The kernel manager class handed to papermill/nbclient (``kernel_manager_class``).

    On POSIX the kernel talks over Unix sockets in the temp directory
    (removed at shutdown) rather than TCP ports on localhost: nothing listens
    on the network, and ipykernel has no "unencrypted TCP" warning to print.
    """

    async def _async_interrupt_kernel(self) -> None:
        """Interrupt a running kernel, but not one that is being shut down.

        jupyter_client's ``shutdown_kernel`` sends SIGINT before its shutdown
        request, to stop running code. Our kernels are shut down only after
        their last cell (or a cell timeout); the SIGINT then lands in
        ipykernel's message handler, which logs "ERROR | KeyboardInterrupt
        caught in kernel." on the run's stderr: a false alarm in a scheduler's
        log. A kernel that ignores the shutdown request is still killed after
        ``shutdown_wait_time``.
        """
        if self.shutting_down:
            return
        await super()._async_interrupt_kernel()

    @default("kernel_spec_manager")
    def _kernel_spec_manager_default(self) -> KernelSpecManager:
        return ThisPythonKernelSpecManager(data_dir=self.data_dir)

    @default("transport")
    def _transport_default(self) -> str:
        return "ipc" if os.name == "posix" else "tcp"

    def _ip_default(self) -> str:
        if self.transport == "ipc":
            # short and absolute: socket paths are limited to ~100 bytes, and never in the notebooks' folder
            return os.path.join(
                tempfile.gettempdir(), f"pr-kernel-{uuid.uuid4().hex[:12]}"
            )
        return super()._ip_default()
