"""Every file the tool reads passes one gate: a regular file, within a bound when read whole, UTF-8 when text.

docs/operations.md, "Safe by construction" ("Every input file passes one gate"); docs/bad-data.md, "Files that
are not what they seem". The exports, the register of exceptions, the column mapping, the policy file and the
policy texts it quotes, and the history of remediation's files are opened through this module only:

- **Only a regular file is opened.** The path is stat-ed first, a link followed: a FIFO, a socket, a device or
  a folder is bad input (exit 2), one line naming the file, before anything opens it (opening a FIFO waits for
  a writer forever; ``/dev/zero`` never ends). The file is then opened with ``O_NONBLOCK`` and checked again on
  the open descriptor, so a FIFO put in its place between the two neither blocks the open nor is read.
- **What is read whole has a bound** (:attr:`Input.limit`: :data:`POLICY`, :data:`MAPPING` 1 MiB,
  :data:`POLICY_TEXT` 16 MiB, :data:`REGISTER` 64 MiB, :data:`HISTORY_KEY` 4 KiB), checked on the size before
  reading and on what is read; the exports and the history's quarters are streamed, not read whole.
- **Text is UTF-8** (a BOM allowed, and dropped): a byte that is not is named by its line and column
  (characters, from 1).
- **Never inside the folder a command writes**: given ``apart_from`` (``{"--out": folder}``), a file lying in
  it, by path, link or identity (:func:`pipelines.paths.lies_in`), is refused, as the exports are.
"""

from __future__ import annotations

import os
import stat
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from pipelines.errors import BadInput
from pipelines.paths import lies_in

_KIB, _MIB = 1 << 10, 1 << 20
_BOM = b"\xef\xbb\xbf"
#: how the gate opens a file: never waiting (a FIFO), never becoming the controlling terminal (a tty), not
#: inherited by the notebooks' kernels
_OPEN_FLAGS = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) | getattr(os, "O_CLOEXEC", 0)


@dataclass(frozen=True)
class Input:
    """A kind of file the tool reads: what a message calls it, the most bytes read whole (None: streamed),
    and what to do instead of giving a FIFO or a device."""

    noun: str
    limit: int | None = None
    advice: str = ""

    @property
    def instead(self) -> str:
        return self.advice or "copy it into a file and give that file's path"


#: an export, or a file of a table folder (streamed: no bound; docs/bad-data.md)
EXPORT = Input("export", advice="export the data to a file")
#: a policy file: the shipped one is 14 KB
POLICY = Input("policy file", _MIB)
#: a published policy text a policy file quotes (``[policy.documents]``): a privacy policy is some 50 KB
POLICY_TEXT = Input("policy text", 16 * _MIB)
#: a column-mapping TOML: a few lines per table
MAPPING = Input("column mapping file", _MIB)
#: the register of exceptions: some 150 bytes a row, so 64 MiB is over 400,000 exceptions
REGISTER = Input("register of exceptions", 64 * _MIB)
#: the history's secret: 32 bytes (pipelines/remediation.py, ``KEY_BYTES``); a larger file is not one
HISTORY_KEY = Input("history's secret", 4 * _KIB)
#: a quarter of the history of remediation (Parquet, read by Arrow from the open file)
HISTORY = Input("quarter of the history of remediation")
#: a file of a published quarter, hashed by ``verify`` and the evidence
PUBLISHED = Input("published file", advice="remove it from the quarter's folder")


def check(path: Path, kind: Input, *, apart_from: Mapping[str, Path | None] | None = None,
          folders: bool = False) -> os.stat_result:
    """The status of ``path`` once it passed the gate (module docstring), without opening it: a regular file (a
    link followed; a folder too when ``folders``), within ``kind``'s bound, outside every folder of
    ``apart_from``; else :class:`BadInput` naming it (exit 2)."""
    path = Path(path)
    try:
        info = os.stat(path)
    except FileNotFoundError:
        if os.path.islink(path):
            raise BadInput(f"{path}: cannot read the file: a link to a file that does not exist") from None
        raise BadInput(f"{path}: {kind.noun} not found") from None
    except OSError as exc:
        raise BadInput(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    _refuse_kind(path, info.st_mode, kind, folders=folders)
    if stat.S_ISREG(info.st_mode) and kind.limit is not None and info.st_size > kind.limit:
        raise _too_large(path, info.st_size, kind)
    for name, folder in (apart_from or {}).items():
        if folder is not None and lies_in(path, folder):
            raise BadInput(f"the {kind.noun} {path} lies inside {name} {folder}: a file the command reads is never "
                           f"kept in the folder it writes (it would be published or replaced with it): move it out of "
                           f"{name}")
    return info


def open_binary(path: Path, kind: Input, *, apart_from: Mapping[str, Path | None] | None = None) -> BinaryIO:
    """``path`` opened for reading bytes once it passed :func:`check`, and checked again on the open descriptor."""
    check(path, kind, apart_from=apart_from)
    try:
        fd = os.open(path, _OPEN_FLAGS)
    except OSError as exc:
        raise BadInput(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    try:
        _refuse_kind(Path(path), os.fstat(fd).st_mode, kind)  # the file opened is the file checked
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def read_bytes(path: Path, kind: Input, *, apart_from: Mapping[str, Path | None] | None = None) -> bytes:
    """The bytes of ``path`` (:func:`open_binary`), no more than ``kind``'s bound."""
    try:
        with open_binary(path, kind, apart_from=apart_from) as handle:
            data = handle.read() if kind.limit is None else handle.read(kind.limit + 1)
    except OSError as exc:
        raise BadInput(f"{path}: cannot read the file: {exc.strerror or exc}") from None
    if kind.limit is not None and len(data) > kind.limit:  # it grew after the check
        raise _too_large(path, len(data), kind)
    return data


def read_text(path: Path, kind: Input, *, apart_from: Mapping[str, Path | None] | None = None) -> str:
    """The text of ``path``: :func:`read_bytes`, then :func:`decode`."""
    return decode(read_bytes(path, kind, apart_from=apart_from), path, kind)


def read_toml(path: Path, kind: Input, *, apart_from: Mapping[str, Path | None] | None = None) -> tuple[dict, str]:
    """A user's TOML file (a column mapping, a policy) through the gate: (its tables, its text); a file that is not
    TOML is bad input naming it and the line and column tomllib gives."""
    text = read_text(path, kind, apart_from=apart_from)
    try:
        return tomllib.loads(text), text
    except tomllib.TOMLDecodeError as exc:
        raise BadInput(f"{path}: not valid TOML: {exc}") from None


def decode(data: bytes, path: Path, kind: Input) -> str:
    """``data`` read as UTF-8, a BOM dropped; a byte that is not UTF-8 is bad input naming its line and column."""
    body = data[len(_BOM):] if data.startswith(_BOM) else data
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        line, column = position(body, exc.start)
        raise BadInput(f"{path}, line {line}, column {column}: not UTF-8 text: save the {kind.noun} as UTF-8") from None


def position(text: bytes, offset: int) -> tuple[int, int]:
    """(line, column) of byte ``offset`` of ``text`` (UTF-8 before it, no BOM), both from 1: the column counts
    characters, as an editor does."""
    before = text[:offset]
    line_start = before.rfind(b"\n") + 1
    return before.count(b"\n") + 1, len(before[line_start:].decode("utf-8", errors="replace")) + 1


def file_kind(mode: int) -> str:
    """What a file that is not regular is, in words."""
    return ("a FIFO (named pipe)" if stat.S_ISFIFO(mode) else "a socket" if stat.S_ISSOCK(mode)
            else "a character device" if stat.S_ISCHR(mode) else "a block device" if stat.S_ISBLK(mode)
            else "not a file")


def _refuse_kind(path: Path, mode: int, kind: Input, *, folders: bool = False) -> None:
    if stat.S_ISREG(mode) or (folders and stat.S_ISDIR(mode)):
        return
    if stat.S_ISDIR(mode):
        raise BadInput(f"{path}: cannot read the file: Is a directory")
    raise BadInput(f"{path}: not a regular file ({file_kind(mode)}): only regular files are read; {kind.instead}")


def _too_large(path: Path, size: int, kind: Input) -> BadInput:
    return BadInput(f"{path}: too large for a {kind.noun} ({size:,} bytes; at most {_size(kind.limit)} is read): is it "
                    "the right file? (docs/operations.md, \"Safe by construction\")")


def _size(n: int) -> str:
    return f"{n // _MIB} MiB" if n >= _MIB else f"{n // _KIB} KiB" if n >= _KIB else f"{n} bytes"
