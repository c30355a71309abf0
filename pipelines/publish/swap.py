"""Publishing a quarter: a staging folder beside ``OUT/<Q>/``, swapped into place in one step.

docs/operations.md, "Publishing" and "Safe by construction". Everything a run
publishes is first written into a hidden sibling (``OUT/.<Q>.tmp-xxxx``) that
carries the tool's marker from the moment it is made; the swap replaces
``OUT/<Q>/`` only when that folder is the tool's own work
(:func:`pipelines.ownership.check_replaceable`), so a user's file is never
deleted, renamed or hidden. The traces an editor left beside the published files
(JupyterLab's ``.ipynb_checkpoints/``: :func:`pipelines.ownership.is_editor_trace`)
are the user's: :func:`carry_traces` copies them into the new version, and a
kept failed run or its removal leaves them where they were.
"""

from __future__ import annotations

import ctypes
import filecmp
import logging
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from pipelines import ownership
from pipelines.errors import PipelineFailure
from pipelines.ownership import FAILED_DIR

log = logging.getLogger(__name__)


def staging_dir(final_dir: Path) -> Path:
    """A new hidden sibling of ``final_dir`` (same file system, so the final rename is atomic), marked as the tool's."""
    final_dir = Path(final_dir)
    final_dir.parent.mkdir(parents=True, exist_ok=True)
    path = Path(tempfile.mkdtemp(prefix=f".{final_dir.name}.tmp-", dir=final_dir.parent))
    os.chmod(path, 0o755)  # mkdtemp makes 0700; a published report is meant to be read by others
    ownership.mark_quarter(path)
    return path


@contextmanager
def staged(final_dir: Path) -> Iterator[Path]:
    """A staging folder for ``final_dir`` (:func:`staging_dir`), removed when the block fails.

    ``final_dir`` must be replaceable first (the tool's own, or absent): refused before any work.
    Publish it with :func:`publish` after the block.
    """
    ownership.check_replaceable(final_dir)
    folder = staging_dir(final_dir)
    try:
        yield folder
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # a kept failed run was moved away first
        raise


def failed_dir(final_dir: Path) -> Path:
    """Where a failed run of ``final_dir``'s quarter is kept: ``OUT/<Q>/failed/``.

    Beside, never over, the quarter's published report; the next successful
    run replaces the whole quarter directory and so clears it (an editor's
    traces in it aside: :func:`carry_traces`).
    """
    return Path(final_dir) / FAILED_DIR


def carry_traces(source: Path, target: Path) -> list[str]:
    """Copy each editor trace under ``source`` to the same place under ``target``, its times kept, unless ``target``
    holds it already with the same bytes or a newer one there; return the names copied.

    docs/operations.md, "Safe by construction": a quarter published again keeps what JupyterLab wrote beside
    the old one (a checkpoint holds what the analyst last saved), never in the manifest.
    """
    source, target = Path(source), Path(target)
    if source.is_symlink() or not source.is_dir():
        return []
    carried = []
    for name in ownership.editor_traces(source):
        src, dst = source / name, target / name
        if dst.is_file() and not dst.is_symlink() and (
                dst.stat().st_mtime_ns > src.stat().st_mtime_ns or filecmp.cmp(src, dst, shallow=False)):
            continue
        if dst.exists() or dst.is_symlink():
            if not ownership.is_editor_trace(target, name):
                continue  # something else of that name: left as it is
            dst.unlink()
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst, follow_symlinks=False)
        carried.append(name)
    return carried


def remove_own(folder: Path) -> None:
    """Delete ``folder`` but the editor's traces in it (and the folders holding them): those are the user's."""
    folder = Path(folder)
    if not ownership.editor_traces(folder):
        shutil.rmtree(folder, ignore_errors=True)
        return
    for name in ownership.own_files(folder):
        (folder / name).unlink(missing_ok=True)
    for root, dirs, _ in os.walk(folder, topdown=False):
        for name in dirs:
            try:
                os.rmdir(os.path.join(root, name))  # only empty ones: a trace's folder stays
            except OSError:
                pass


_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def _exchange(a: Path, b: Path) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``); False where unsupported."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    renameat2.restype = ctypes.c_int
    return renameat2(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0


def publish(tmp_dir: Path, final_dir: Path) -> Path:
    """Move a finished ``tmp_dir`` to ``final_dir``, replacing a previous version in one step.

    Readers see either the old directory or the new one, never a mix: on
    Linux the two are exchanged atomically; elsewhere the old one is renamed
    aside first (and put back if the second rename fails). The old version
    is then deleted, once an editor's trace written into it since it was
    copied (:func:`carry_traces`, before the scan) is copied over too: a file
    written into a published folder while it is replaced is kept, as one written
    just after. A ``final_dir`` the tool did not make, or holding a file it
    did not write, is refused (:class:`~pipelines.errors.BadInput`, exit code 2).
    """
    tmp_dir, final_dir = Path(tmp_dir), Path(final_dir)
    if not tmp_dir.is_dir():
        raise PipelineFailure(f"{tmp_dir}: nothing to publish")
    ownership.mark_quarter(tmp_dir)
    ownership.check_replaceable(final_dir)
    if not final_dir.exists():
        os.rename(tmp_dir, final_dir)
        return final_dir
    if _exchange(tmp_dir, final_dir):
        _drop_previous(tmp_dir, final_dir)  # now holds the previous version, the tool's own (checked)
        return final_dir
    old = Path(tempfile.mkdtemp(prefix=f".{final_dir.name}.old-", dir=final_dir.parent))
    old.rmdir()
    os.rename(final_dir, old)
    try:
        os.rename(tmp_dir, final_dir)
    except OSError:
        os.rename(old, final_dir)
        raise
    _drop_previous(old, final_dir)
    return final_dir


def _drop_previous(previous: Path, final_dir: Path) -> None:
    """Delete the replaced version ``previous`` of ``final_dir``, a trace written into it at the last moment kept."""
    late = carry_traces(previous, final_dir)
    if late:
        log.warning("%s: kept %d editor trace(s) written while it was being replaced, not scanned: %s",
                    final_dir.name, len(late), ", ".join(late))
    shutil.rmtree(previous, ignore_errors=True)


def keep_failed(tmp_dir: Path, final_dir: Path) -> Path:
    """Keep a failed run's staging folder as ``OUT/<Q>/failed/`` (replacing the tool's older one); return it.

    ``OUT/<Q>/`` is made (and marked) when there is no published quarter yet; an existing one
    must be the tool's own, as for :func:`publish`.
    """
    final_dir = Path(final_dir)
    ownership.check_replaceable(final_dir)
    keep = failed_dir(final_dir)
    final_dir.mkdir(parents=True, exist_ok=True)
    if keep.exists():
        carry_traces(keep, tmp_dir)  # what JupyterLab left beside the older failed run stays (docs/operations.md)
        if _exchange(tmp_dir, keep):
            shutil.rmtree(tmp_dir)  # now the older failed run, its traces copied
        else:
            shutil.rmtree(keep)
            os.rename(tmp_dir, keep)
    else:
        os.rename(tmp_dir, keep)
    (keep / ownership.QUARTER_MARKER).unlink(missing_ok=True)  # one manifest, the quarter's
    ownership.mark_quarter(final_dir)
    return keep


def drop_failed(final_dir: Path) -> None:
    """Delete a kept failed run (it could not be kept safely), an editor's traces in it excepted; remove
    ``OUT/<Q>/`` too when that left it empty."""
    final_dir = Path(final_dir)
    remove_own(failed_dir(final_dir))
    if final_dir.is_dir() and set(ownership.files_under(final_dir)) <= {ownership.QUARTER_MARKER}:
        shutil.rmtree(final_dir, ignore_errors=True)
    elif final_dir.is_dir():
        ownership.mark_quarter(final_dir)
