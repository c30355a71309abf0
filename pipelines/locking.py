"""One run at a time per output folder and per database; leftovers of killed runs cleaned up.

A second ``privacy-review run`` on the same ``--out`` (or the same ``--db``)
waits for the first to finish, up to ``$PRIVACY_REVIEW_LOCK_TIMEOUT`` seconds
(default 3600; 0 = do not wait), then gives up with exit code 2
(docs/operations.md, "Two runs at once"). The locks are ``fcntl`` locks
(``filelock``): the system releases them when a process dies, even by
SIGKILL, so a killed run never blocks the next one.

Under the locks, whatever a dead run left is removed: hidden staging folders
of the output and temporary database files (docs/operations.md, "What a
killed or failed run leaves").
"""

from __future__ import annotations

import logging
import os
import re
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from pipelines import ownership
from pipelines.errors import BadInput
from pipelines.paths import LOCK_TIMEOUT_ENV, seconds
from pipelines.private import FILE_MODE

log = logging.getLogger(__name__)

DEFAULT_LOCK_TIMEOUT = 3600.0
OUT_LOCK = ".privacy-review.lock"

#: staging folders of pipelines/publish/swap.py (removed only when they carry the tool's marker) and the index's temporary file
_STAGING = re.compile(r"^\.(?P<quarter>.+)\.(?P<kind>tmp|old)-[^/]+$")
_INDEX_TMP = re.compile(r"^\.index-.*\.tmp$")


def lock_timeout() -> float:
    text = os.environ.get(LOCK_TIMEOUT_ENV, "").strip()
    return seconds(text, f"${LOCK_TIMEOUT_ENV}") if text else DEFAULT_LOCK_TIMEOUT


def out_lock_path(out_dir: Path) -> Path:
    return Path(out_dir) / OUT_LOCK


def db_lock_path(db: Path) -> Path:
    return Path(db).with_name(Path(db).name + ".lock")


@contextmanager
def exclusive(lock_file: Path, what: str, timeout: float | None = None) -> Iterator[None]:
    """Hold ``lock_file`` for the block; wait up to ``timeout`` seconds for another holder."""
    timeout = lock_timeout() if timeout is None else timeout
    lock_file.parent.mkdir(parents=True, exist_ok=True)
    # 0600 whatever the umask: a lock holds nothing, and beside the database or the history no one else may take it
    lock = FileLock(str(lock_file), mode=FILE_MODE, thread_local=False)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if timeout == 0:
            raise BadInput(f"{what} is in use by another privacy-review run (lock {lock_file})") from None
        log.info("waiting for another privacy-review run to finish with %s (lock %s)", what, lock_file)
        try:
            lock.acquire(timeout=timeout)
        except Timeout:
            raise BadInput(
                f"{what} is still in use by another privacy-review run after {timeout:g} s "
                f"(lock {lock_file}; ${LOCK_TIMEOUT_ENV} sets the wait)"
            ) from None
    try:
        yield
    finally:
        lock.release()


def clean_output_leftovers(out_dir: Path) -> list[Path]:
    """Remove staging folders and temporary files that a killed run left in ``out_dir``.

    Call only while holding the output's lock: then no live run owns them. A
    ``.<Q>.old-*`` folder is the previous report that ``publish`` moved aside
    (on systems without an atomic exchange); if the run died before putting
    the new one in place, it is put back instead of deleted.
    """
    out_dir = Path(out_dir)
    if not out_dir.is_dir():
        return []
    removed = []
    for child in sorted(out_dir.iterdir()):
        m = _STAGING.match(child.name)
        if m and child.is_dir() and not child.is_symlink() and ownership.is_own_quarter(child):
            final = out_dir / m.group("quarter")
            if m.group("kind") == "old" and not final.exists():
                os.rename(child, final)
                log.warning("put back %s, which a killed run had moved aside", final)
                continue
            shutil.rmtree(child, ignore_errors=True)
            removed.append(child)
        elif _INDEX_TMP.match(child.name) and child.is_file():
            child.unlink(missing_ok=True)
            removed.append(child)
    if removed:
        log.info("removed %d leftover(s) of an earlier run that did not finish: %s",
                 len(removed), ", ".join(p.name for p in removed))
    return removed


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True


def clean_database_leftovers(db: Path) -> list[Path]:
    """Remove ``.<db>.<pid>.tmp`` files (and their ``.wal``) of loads whose process is gone.

    The loader builds the new database under that name and renames it into
    place; a load killed before the rename leaves it behind.
    """
    db = Path(db)
    if not db.parent.is_dir():
        return []
    pattern = re.compile(rf"^\.{re.escape(db.name)}\.(\d+)\.tmp(\.wal)?$")
    removed = []
    for child in sorted(db.parent.iterdir()):
        m = pattern.match(child.name)
        if m and int(m.group(1)) != os.getpid() and not _pid_alive(int(m.group(1))):
            child.unlink(missing_ok=True)
            removed.append(child)
    if removed:
        log.info("removed %d temporary database file(s) of a load that did not finish: %s",
                 len(removed), ", ".join(p.name for p in removed))
    return removed
