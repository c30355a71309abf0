"""Finds each contract table's export in a directory: CSV (plain or gzip), a Parquet file, or a folder of Parquet files.

Nothing present is taken for absent, and nothing is read that is not a regular file
(docs/bad-data.md, "Files that are not what they seem"):

- names match case-insensitively (``ACCOUNTS.CSV`` is ``accounts.csv``); two entries for one
  table, whatever their case or form, are refused rather than one picked;
- ``<table>.csv.gz`` is read as gzip-compressed CSV; a compression the loader does not read
  (``payments.csv.zip``) is refused, never reported as "not exported";
- a FIFO, socket or device (or a link to one) is refused before it is opened: opening a FIFO
  would wait for a writer forever (the one gate every input file passes: :mod:`pipelines.inputs`);
- a table folder is read at any depth (Spark's ``year=2024/`` layout), every ``.parquet`` file in
  any case of extension, skipping only Spark's and Hadoop's bookkeeping files; anything else in
  it is refused by name.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

from pipelines import inputs
from pipelines.contract import TABLES
from pipelines.errors import BadInput

#: the forms of a table's export, by the name's ending (lower case): (ending, format); "" is the bare
#: name: a folder of Parquet files (or, as before, a Parquet file without extension)
FORMS = ((".csv", "csv"), (".csv.gz", "csv"), (".parquet", "parquet"), ("", "parquet"))
#: compressions the loader does not read, after ``.csv`` or ``.parquet``: such a file is refused by name
UNREAD_COMPRESSIONS = (".zip", ".bz2", ".xz", ".zst", ".zstd", ".lz4", ".7z", ".z", ".br", ".gzip", ".tgz", ".tar",
                       ".tar.gz", ".tar.bz2", ".tar.xz")

#: Spark's and Hadoop's bookkeeping in a table folder, skipped: commit markers, checksums and Parquet
#: summary files (footers only: their rows are the data files' rows)
BOOKKEEPING_FILES = frozenset({"_SUCCESS", "_metadata", "_common_metadata"})
BOOKKEEPING_PREFIXES = ("_committed_", "_started_")
#: folders of output not (yet) committed: Hadoop's task attempts, Spark's dynamic-overwrite staging
BOOKKEEPING_FOLDERS = ("_temporary",)
BOOKKEEPING_FOLDER_PREFIXES = (".spark-staging-",)
#: folders that mean the files are not a plain set of Parquet files
_LOG_FOLDERS = {
    "_delta_log": "a Delta table's log: its folder also holds files of removed versions; export plain Parquet",
    "_spark_metadata": "a streaming sink's log: its folder may hold uncommitted files; export plain Parquet",
}


def is_gzip(path: Path | str) -> bool:
    """A CSV export compressed with gzip (``<table>.csv.gz``, any case)."""
    return str(path).lower().endswith(".gz")


@dataclass(frozen=True)
class Source:
    table: str
    path: Path
    format: str  # "csv" | "parquet"

    @cached_property
    def files(self) -> list[Path]:
        """The files read, in file order: the order "first in file order" refers to (reading 1).

        A folder's Parquet files at any depth, sorted by relative path folder by folder
        (code-point order: ``A.parquet`` before ``a.parquet``, ``a/z.parquet`` before ``b.parquet``).
        """
        if self.format == "parquet" and _mode(self.path, what="folder") == "folder":
            return parquet_files(self.path)
        return [self.path]


def find_sources(data_dir: Path) -> dict[str, Source | None]:
    """Every contract table's source (None for an absent optional table).

    A missing required table is bad input; two sources for one table are
    ambiguous and also refused, rather than silently picking one. Every file
    a source names is checked to be a regular file here, before anything opens it.
    """
    data_dir = Path(data_dir)
    if not data_dir.exists():
        raise BadInput(f"{data_dir}: export directory not found")
    if not data_dir.is_dir():
        raise BadInput(f"{data_dir}: not a directory (give the directory that holds the exports)")
    try:
        entries = sorted(data_dir.iterdir())
    except OSError as exc:
        raise BadInput(f"{data_dir}: cannot read the export directory: {exc.strerror or exc}") from None
    by_name: dict[str, list[Path]] = {}
    for entry in entries:
        by_name.setdefault(entry.name.lower(), []).append(entry)
    found: dict[str, Source | None] = {}
    for name, table in TABLES.items():
        for ending in (".csv", ".parquet"):
            for compression in UNREAD_COMPRESSIONS + ((".gz",) if ending == ".parquet" else ()):
                for path in by_name.get(name + ending + compression, []):
                    raise BadInput(
                        f"{path}: compressed as {path.name[len(name + ending):]}, which the loader does not read:"
                        f" give {name}.csv, {name}.csv.gz (gzip), {name}.parquet or a folder {name}/ of Parquet files"
                    )
        candidates = [Source(name, p, fmt) for ending, fmt in FORMS for p in by_name.get(name + ending, [])]
        if len(candidates) > 1:
            listed = ", ".join(str(c.path) for c in candidates)
            raise BadInput(f"{data_dir}: table {name} has more than one export ({listed}): keep one")
        if not candidates and table.required:
            raise BadInput(
                f"{data_dir / (name + '.csv')}: required table {name} is missing"
                f" (expected {name}.csv, {name}.csv.gz, {name}.parquet or a directory {name}/ of Parquet files)"
            )
        source = candidates[0] if candidates else None
        if source is not None:
            bare = source.path.name.lower() == name
            _mode(source.path, what="folder" if bare else "file")
            if not source.files:
                raise BadInput(f"{source.path}: directory holds no .parquet files")
            if source.format == "parquet":
                for file in source.files:
                    _refuse_pattern(file)
        found[name] = source
    return found


def parquet_files(folder: Path) -> list[Path]:
    """Every Parquet data file of a table folder, at any depth, in file order (:attr:`Source.files`).

    Skips Spark's and Hadoop's bookkeeping (:data:`BOOKKEEPING_FILES` …); anything else that is
    not a regular ``.parquet`` file is bad input naming it. A Hive partition folder
    (``year=2024/``) is only a folder: its name adds no column (docs/bad-data.md).
    """
    found: list[tuple[tuple[str, ...], Path]] = []
    seen: dict[tuple[int, int], Path] = {}

    def walk(directory: Path, parts: tuple[str, ...]) -> None:
        try:
            names = sorted(os.listdir(directory))
        except OSError as exc:
            raise BadInput(f"{directory}: cannot read the directory: {exc.strerror or exc}") from None
        for entry in names:
            path = directory / entry
            if entry in BOOKKEEPING_FILES or entry.startswith(BOOKKEEPING_PREFIXES) or entry.lower().endswith(".crc"):
                continue
            info = _stat(path)
            key = (info.st_dev, info.st_ino)
            if stat.S_ISDIR(info.st_mode):
                if entry in BOOKKEEPING_FOLDERS or entry.startswith(BOOKKEEPING_FOLDER_PREFIXES):
                    continue
                if entry in _LOG_FOLDERS:
                    raise BadInput(f"{path}: {_LOG_FOLDERS[entry]}")
                _refuse_hidden(path, folder)
                if key in seen:
                    raise BadInput(f"{path}: the same folder as {seen[key]} (a link): a table folder must not"
                                   " reach a folder twice")
                seen[key] = path
                walk(path, (*parts, entry))
            elif stat.S_ISREG(info.st_mode):
                _refuse_hidden(path, folder)
                if not entry.lower().endswith(".parquet"):
                    raise BadInput(f"{path}: not a .parquet file: a table folder holds only Parquet files"
                                   f" (and Spark's bookkeeping): move it out of {folder}")
                if key in seen:
                    raise BadInput(f"{path}: the same file as {seen[key]} (a link): keep one")
                seen[key] = path
                found.append(((*parts, entry), path))

    info = _stat(folder)
    seen[(info.st_dev, info.st_ino)] = folder
    walk(folder, ())
    return [path for _, path in sorted(found)]


#: characters DuckDB's read_parquet or Spark's reader take as a pattern in a path (``p[1].parquet``
#: would read ``p1.parquet``): a Parquet file's path holding one is refused, never read as another file
PATTERN_CHARACTERS = "*?[{\\"


def _refuse_pattern(file: Path) -> None:
    if any(ch in str(file) for ch in PATTERN_CHARACTERS):
        raise BadInput(f"{file}: DuckDB and Spark read a Parquet path holding any of * ? [ {{ \\ as a pattern,"
                       " which may name other files: rename the file (or the folders above it)")


def _refuse_hidden(path: Path, folder: Path) -> None:
    """Spark and Hadoop skip names starting with '_' or '.': reading one would make the engines disagree."""
    if path.name.startswith(("_", ".")):
        raise BadInput(f"{path}: a hidden name (Spark and Hadoop skip names starting with '_' or '.'), and not"
                       f" Spark's bookkeeping: rename it or move it out of {folder}")


def _stat(path: Path) -> os.stat_result:
    """A table folder's entry through the gate (:func:`pipelines.inputs.check`): a folder or a regular file, a link
    followed; anything else (a FIFO, a socket, a device, a broken link) is bad input naming it, never opened."""
    return inputs.check(path, inputs.EXPORT, folders=True)


def _mode(path: Path, *, what: str) -> str:
    """"file" or "folder"; bad input for anything else (a FIFO, a socket, a device: never opened).

    ``what``: "file" (a CSV or Parquet file: a folder is refused) or "folder" (a bare table name:
    a folder of Parquet files, or a file).
    """
    info = inputs.check(path, inputs.EXPORT, folders=what == "folder")
    return "folder" if stat.S_ISDIR(info.st_mode) else "file"
