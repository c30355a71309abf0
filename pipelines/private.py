"""What holds personal data is private whatever the umask: files 0600, folders 0700, set explicitly.

docs/operations.md, "Safe by construction" ("What holds personal data is private whatever the umask"). The
database (and the files DuckDB makes beside it), the history of remediation and its secret, the worklist and
the staging files of each are read by their owner only, also when the command runs under ``umask 000``.
A umask only ever takes bits away, so each mode is given explicitly, in one of three ways:

- a file the tool writes itself is *created* with its mode (:func:`write_private`: ``os.open(…, 0o600)``
  under a new temporary name, renamed into place), never created wider and narrowed afterwards;
- a folder it makes is created, then ``chmod``-ed 0700 (:func:`private_folder`: ``mkdir``'s mode is cut
  by the umask, the ``chmod`` is not);
- DuckDB creates its database file, its ``.wal`` and its spill files itself, with mode 0666 cut by the
  umask and no way to ask for another. While it *builds* the database the load holds a umask of 077
  (:func:`private_umask`), so each is private from the moment it exists (a ``chmod`` after creation
  would leave a window, and cannot reach a ``.wal`` or spill file made and removed later); every
  connection to a database file spills into a folder the tool made 0700 first (:func:`spill_folder`),
  so what DuckDB writes there during later queries is out of everyone else's reach whatever its mode.

The umask is the process's, not the thread's: it is held only around the load, when no other thread
creates a file (the exports' hashing thread only reads), and restored after.

Published report files are not private: they are meant to be read (docs/operations.md, "Privacy scan").
"""

from __future__ import annotations

import atexit
import os
import stat
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

#: a file that holds personal data or a key to it: read and written by its owner only
FILE_MODE = 0o600
#: a folder that holds such files: entered and listed by its owner only
FOLDER_MODE = 0o700
#: the umask held while DuckDB creates a database's files: no bit for the group or others
PRIVATE_UMASK = 0o077


@contextmanager
def private_umask() -> Iterator[None]:
    """Hold a umask that grants nothing to the group or others (the current one's bits kept), restored on exit."""
    previous = os.umask(PRIVATE_UMASK)
    os.umask(previous | PRIVATE_UMASK)
    try:
        yield
    finally:
        os.umask(previous)


def private_folder(folder: Path) -> Path:
    """Make ``folder`` (and each missing folder above it) mode 0700; a folder that already exists is left as it is.

    The tool narrows only what it creates: an existing folder is the user's (``--db /srv/data/x.duckdb``)."""
    folder = Path(folder)
    missing = [p for p in (folder, *folder.parents) if not p.exists()]
    for path in reversed(missing):
        try:
            path.mkdir(mode=FOLDER_MODE)
        except FileExistsError:  # made by another run an instant ago
            continue
        os.chmod(path, FOLDER_MODE)
    return folder


#: the spill folders this process handed to DuckDB: removed when empty as it exits (:func:`spill_folder`)
_SPILL_FOLDERS: set[Path] = set()


def _remove_empty_spill_folders() -> None:
    """DuckDB removes a spill folder it made itself, not one it was given: the tool removes its own when empty (a
    folder still holding files, another process's spill, is left)."""
    for folder in _SPILL_FOLDERS:
        try:
            if folder.is_dir() and not folder.is_symlink():
                folder.rmdir()
        except OSError:
            pass


atexit.register(_remove_empty_spill_folders)


def spill_folder(database: Path) -> Path | None:
    """The folder DuckDB spills into for the database file ``database`` (``<database>.tmp``, DuckDB's own default
    name), made 0700 by the tool before DuckDB uses it; None when it cannot be made (a read-only folder: DuckDB
    then keeps its default, which it cannot make either, and spills nothing). Removed when empty as the process
    exits, as DuckDB removes the one it makes (a killed run's is removed by the next run on the database)."""
    folder = Path(f"{database}.tmp")
    _SPILL_FOLDERS.add(folder)
    try:
        if folder.is_dir() and not folder.is_symlink():
            if stat.S_IMODE(folder.stat().st_mode) != FOLDER_MODE:
                os.chmod(folder, FOLDER_MODE)  # left by DuckDB itself (mode 0755 cut by the umask): ours to narrow
            return folder
        private_folder(folder)
    except OSError:
        return None
    return folder


def narrow(path: Path) -> bool:
    """Make the file ``path``, which the tool made, mode 0600 when it is wider (made by an older version or under
    another umask); True when it was narrowed. A file the user cannot change is left as it is."""
    try:
        mode = stat.S_IMODE(os.stat(path).st_mode)
        if mode & ~FILE_MODE & 0o777 == 0:
            return False
        os.chmod(path, FILE_MODE)
    except OSError:
        return False
    return True


def write_private(path: Path, write: Callable) -> None:
    """Write ``path`` through ``write(handle)``: created 0600 (never wider, never chmod-ed after) under a new
    temporary name opened with ``O_EXCL``, flushed to disk, then renamed over ``path`` in one step.

    A failed write (a full disk) raises the system's error naming ``path`` (docs/operations.md, "Exit codes")."""
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    if tmp.exists():
        tmp.unlink()
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
        try:
            with os.fdopen(fd, "wb") as handle:
                write(handle)
                handle.flush()
                os.fsync(handle.fileno())
            os.replace(tmp, path)
        except BaseException:
            if tmp.exists():
                tmp.unlink()
            raise
    except OSError as exc:
        if exc.errno is None or exc.filename is not None:
            raise
        raise OSError(exc.errno, exc.strerror or os.strerror(exc.errno), str(path)) from exc
