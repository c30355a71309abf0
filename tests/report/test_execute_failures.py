"""A notebook whose write fails (a full disk): papermill's own error is the one raised, never the half-written file's.

pipelines/report/execute.py: after papermill, the executed notebook's kernelspec is restored. When papermill
raised, that restoring is best effort, so the reason (``No space left on device``) reaches the one line the
command prints (docs/operations.md, "Exit codes") instead of nbformat's "does not appear to be JSON". No kernel
is started: papermill is replaced by a writer that fills the disk half way.
"""

from __future__ import annotations

import errno

import nbformat
import pytest

from pipelines.report import execute


class IdleKernel:
    """What execute_notebook asks of a started kernel, without a kernel."""

    start_timeout = 1

    def begin(self, cwd, timeout):
        pass


def notebook(path):
    nb = nbformat.v4.new_notebook(metadata={"kernelspec": {"name": "python3", "display_name": "Python 3"}})
    nb.cells = [nbformat.v4.new_code_cell("x = 1")]
    nbformat.write(nb, path)
    return path


def test_a_notebook_cut_short_by_a_full_disk_raises_the_disks_error(tmp_path, monkeypatch):
    dst = tmp_path / "out" / "tiny.ipynb"

    def full_disk(src, out, **kwargs):
        with open(out, "w", encoding="utf-8") as handle:
            handle.write('{"cells": [')  # as far as the disk went
        raise OSError(errno.ENOSPC, "No space left on device", str(out))

    monkeypatch.setattr(execute.pm, "execute_notebook", full_disk)
    with pytest.raises(OSError) as raised:
        execute.execute_notebook(notebook(tmp_path / "tiny.ipynb"), dst, kernel=IdleKernel())
    assert (raised.value.errno, raised.value.filename) == (errno.ENOSPC, str(dst))


def test_after_a_successful_run_the_source_kernelspec_is_restored(tmp_path, monkeypatch):
    dst = tmp_path / "out" / "tiny.ipynb"

    def written_with_another_kernelspec(src, out, **kwargs):
        nb = nbformat.read(src, as_version=4)
        nb.metadata["kernelspec"] = {"name": "privacy-review", "display_name": "x"}
        nbformat.write(nb, out)

    monkeypatch.setattr(execute.pm, "execute_notebook", written_with_another_kernelspec)
    done = execute.execute_notebook(notebook(tmp_path / "tiny.ipynb"), dst, kernel=IdleKernel())
    assert done.metadata["kernelspec"]["name"] == "python3"
