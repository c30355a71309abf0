"""Reads a CSV export into text columns with each record's line number.

The reader walks physical lines itself (docs/design.md, "Loading"): a line
without a quote character is split on the delimiter; a line with one is parsed
by Python's csv module, which may continue over the following lines when a
quoted value holds a line break. When such a record then has the wrong number
of fields, or its quote never closes, the quote was stray: only the line it
opened on is set aside (``unterminated quote``) and reading resumes on the
next line, so one stray quote costs one line, not the rest of the file.

Most exports need none of these rules: blocks of the file without a quote
character, a bare carriage return or a ragged line go straight to Arrow's
multithreaded parser, numbered line by line (:func:`_read_plain_blocks`); the
walk above takes over at the first block that needs it, at that block's line.

A ``<table>.csv.gz`` export is read the same way through Python's gzip module, so its
line numbers are the decompressed file's lines.

Every value stays text here; casting to the contract's types happens in SQL.
"""

from __future__ import annotations

import csv
import gc
import gzip
import io
import re
import sys
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import NamedTuple

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from pipelines import inputs
from pipelines.errors import BadInput
from pipelines.load.cast import UNTERMINATED_QUOTE, WRONG_FIELDS
from pipelines.load.sources import is_gzip

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

CHUNK_ROWS = 200_000
#: Lines asked of the file at a time (as a size hint in characters).
_READ_HINT = 1 << 20
#: A quoted value may span at most this many lines; a quote still open after
#: them is treated as stray (it bounds the memory and time one stray quote costs).
MAX_RECORD_LINES = 10_000


class SetAside(NamedTuple):
    """A line the reader could not turn into a record."""

    line: int
    reason: str
    detail: str
    raw: str


#: Where parsed batches go instead of :attr:`CsvRead.batches`: the loader streams them into DuckDB,
#: so a large export is never held whole in Python's memory (docs/design.md, "Loading").
BatchSink = Callable[[pa.RecordBatch], None]


@dataclass
class CsvRead:
    header: list[str]
    delimiter: str
    batches: list[pa.RecordBatch] = field(default_factory=list)
    """Text columns ``c0``, ``c1`` … in header order, plus ``_line`` (batches are not in line order).
    Empty when the read was given a sink: the sink had them."""
    set_aside: list[SetAside] = field(default_factory=list)
    """Lines with a wrong number of fields or an unterminated quote."""
    sink: BatchSink | None = None
    rows: int = 0
    """Rows read (into ``batches`` or the sink)."""

    @property
    def records(self) -> int:
        """Records in the file: the rows read plus the lines set aside."""
        return self.rows + len(self.set_aside)

    def add(self, batches) -> None:
        for batch in batches:
            self.rows += batch.num_rows
            if self.sink is None:
                self.batches.append(batch)
            elif batch.num_rows:
                self.sink(batch)


def sniff_delimiter(header_line: str) -> str:
    """';' when the header has more semicolons than commas (Belgian spreadsheets), else ','."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


#: What a damaged gzip file raises while it is read (a bad header, a cut-off end, a bad checksum).
_GZIP_ERRORS = (gzip.BadGzipFile, EOFError, zlib.error)
#: What reading an export may raise that is the file's fault, not a bug: each becomes one line naming the file.
_READING_ERRORS = (UnicodeDecodeError, OSError, *_GZIP_ERRORS)


class _GzipReader(gzip.GzipFile):
    """A gzip stream that closes the file it decompresses when it is closed (a ``GzipFile`` given an open file
    leaves it open)."""

    def __init__(self, raw) -> None:
        super().__init__(fileobj=raw, mode="rb")
        self.raw = raw

    def close(self) -> None:
        try:
            super().close()
        finally:
            self.raw.close()


def _open_binary(path: Path):
    """The export's bytes, opened through the one gate (:func:`pipelines.inputs.open_binary`: a regular file only),
    decompressed on the fly for ``<table>.csv.gz`` (docs/bad-data.md)."""
    raw = inputs.open_binary(path, inputs.EXPORT)
    return _GzipReader(raw) if is_gzip(path) else raw


def _open_text(path: Path):
    """The export as text (UTF-8, a BOM dropped, line ends kept as they are)."""
    return io.TextIOWrapper(_open_binary(path), encoding="utf-8-sig", newline="")


def read_header(path: Path) -> list[str]:
    """The header row's names, with :func:`read_csv`'s messages for a file that has none or cannot be read."""
    path = Path(path)
    try:
        with _open_text(path) as handle:
            first = handle.readline()
        return _header(path, first)[0]
    except _READING_ERRORS as exc:
        raise _reading_problem(path, exc) from None


def read_csv(path: Path, sink: BatchSink | None = None) -> CsvRead:
    """All records of a UTF-8 CSV (with or without BOM, plain or gzip) as text, numbered by physical line.

    With a ``sink``, each parsed batch is handed to it and not kept.
    """
    path = Path(path)
    # The read makes millions of small lists and strings, none in a cycle: the cyclic
    # garbage collector would only rescan them again and again (it halves the speed).
    collecting = gc.isenabled()
    gc.disable()
    try:
        with _open_text(path) as handle:
            first = handle.readline()
            header, delimiter = _header(path, first)
        out = CsvRead(header=header, delimiter=delimiter, sink=sink)
        with _open_binary(path) as raw:
            start = 3 if raw.read(3) == b"\xef\xbb\xbf" else 0
            offset, line_no = _read_plain_blocks(raw, start + len(first.encode("utf-8")), out)
            raw.seek(offset)  # in a gzip stream, a seek back reads it again from the start: once per file
            with io.TextIOWrapper(raw, encoding="utf-8", newline="") as handle:
                return _read_records(handle, header, delimiter, out, line_no)
    except _READING_ERRORS as exc:
        raise _reading_problem(path, exc) from None
    finally:
        if collecting:
            gc.enable()


def _reading_problem(path: Path, exc: Exception) -> BadInput:
    """Bad input naming the file (and line and column where there is one) for a problem met reading it."""
    if isinstance(exc, UnicodeDecodeError):
        try:
            line, column = _first_undecodable(path)
        except _GZIP_ERRORS:  # not UTF-8 before the gzip stream breaks: the first problem is the one named
            line, column = 1, 1
        return BadInput(f"{path}, line {line}, column {column}: not UTF-8 text: export the file as UTF-8")
    if is_gzip(path) and isinstance(exc, _GZIP_ERRORS):
        reason = str(exc) or type(exc).__name__
        return BadInput(f"{path}: not a readable gzip file ({reason}): compress it with gzip, or give {_plain(path)}")
    return BadInput(f"{path}: cannot read the file: {getattr(exc, 'strerror', None) or exc}")


def _plain(path: Path) -> str:
    """``payments.csv`` for ``payments.csv.gz``."""
    return path.name[: -len(".gz")]


def _header(path: Path, first: str) -> tuple[list[str], str]:
    if not first.strip():
        raise BadInput(f"{path}, line 1: no header row (the file is empty or starts with a blank line)")
    if "\0" in first:
        raise BadInput(f"{path}, line 1: holds NUL bytes: not a CSV text file")
    delimiter = sniff_delimiter(first)
    feed = _Feed([first], None, delimiter)
    fields = feed.record(0)
    if feed.open_at_end:
        raise BadInput(f"{path}, line 1: a quote in the header row is not closed")
    return [h.strip() for h in fields], delimiter


#: Bytes handed to Arrow at a time on the fast path (cut at a line end).
BLOCK_BYTES = 32 << 20


def _read_plain_blocks(raw, offset: int, out: CsvRead) -> tuple[int, int]:
    """The fast path: read blocks that need none of the line walk's rules, straight with Arrow.

    A block qualifies when it holds no quote character and no bare carriage return
    (so a physical line is a ``\n``-terminated run) and Arrow finds the header's number
    of fields on every line: then record i of the block is its line i. All-empty
    lines (reading 16) are dropped after parsing. At the first block that does not
    qualify, returns its (byte offset, line number before it): the line walk reads
    on from there, so a file's first quote or ragged line costs nothing before it.
    """
    width = len(out.header)
    names = _names(width)
    line_no = 1
    if width < 2:  # a blank line would parse as one empty field: leave it to the line walk
        return offset, line_no
    parse = pacsv.ParseOptions(delimiter=out.delimiter, quote_char=False, double_quote=False,
                               newlines_in_values=False, ignore_empty_lines=False)
    convert = pacsv.ConvertOptions(column_types={n: pa.string() for n in names},
                                   strings_can_be_null=False, quoted_strings_can_be_null=False)
    raw.seek(offset)
    carry = b""
    while True:
        block = carry + raw.read(BLOCK_BYTES)
        if not block:
            return offset, line_no
        end = block.rfind(b"\n") + 1
        if end == 0 or len(block) < BLOCK_BYTES:  # the file's last block: all of it
            end = len(block)
        block, carry = block[:end], block[end:]
        lines = block.count(b"\n") + (0 if block.endswith(b"\n") else 1)
        if b'"' in block or b"\0" in block or (b"\r" in block and block.count(b"\r") != block.count(b"\r\n")):
            return offset, line_no
        try:
            table = _arrow_read(block, names, parse, convert)
        except (pa.ArrowInvalid, UnicodeDecodeError):  # a ragged line, or not UTF-8: the line walk says where
            return offset, line_no
        if table.num_rows != lines:
            return offset, line_no
        table = table.append_column("_line", pa.array(np.arange(line_no + 1, line_no + 1 + lines, dtype=np.int64)))
        empty = _blank(table.column(names[0]))
        if pc.any(empty).as_py():  # rare: only then look at the other fields
            for n in names[1:]:
                empty = pc.and_(empty, _blank(table.column(n)))
            table = table.filter(pc.invert(empty))
        out.add(table.combine_chunks().to_batches())
        offset += len(block)
        line_no += lines


#: Arrow's CSV parser reads in blocks of this many bytes (in parallel); a line longer than one block
#: (one field of a few MB) stops it ("straddling object straddles two block boundaries").
ARROW_BLOCK = 1 << 20


def _arrow_read(block: bytes, names: list[str], parse: pacsv.ParseOptions, convert: pacsv.ConvertOptions) -> pa.Table:
    """``block`` (whole lines) parsed by Arrow into text columns ``names``.

    Arrow's blocks must each hold a whole line: when a line is longer than :data:`ARROW_BLOCK`
    (docs/bad-data.md, "Files that are not what they seem"), the block is parsed again as one Arrow block. A
    file of ordinary lines keeps Arrow's parallel blocks.
    """
    size = ARROW_BLOCK
    while True:
        try:
            return pacsv.read_csv(io.BytesIO(block), read_options=pacsv.ReadOptions(column_names=names, block_size=size),
                                  parse_options=parse, convert_options=convert)
        except pa.ArrowInvalid as exc:
            if "straddl" not in str(exc) or size > len(block):
                raise
            size = len(block) + 1


def _blank(column: pa.ChunkedArray) -> pa.ChunkedArray:
    """True where a field holds nothing but spaces."""
    return pc.equal(pc.utf8_trim(column, " "), "")


def _read_records(handle, header: list[str], delimiter: str, out: CsvRead | None = None, line_no: int = 1) -> CsvRead:
    """Walk the physical lines after ``line_no``; see the module docstring for the rule on quotes."""
    width = len(header)
    out = out or CsvRead(header=header, delimiter=delimiter)
    plain = _Plain(width, delimiter)  # lines without quotes, split by Arrow
    quoted = _Quoted(width)  # records parsed by the csv module
    empty_chars = delimiter + " \r\n"
    quoted_empty_chars = empty_chars + '"'
    feed = _Feed([], handle, delimiter)
    while chunk := handle.readlines(_READ_HINT):
        feed.chunk = chunk
        skip = 0
        # the list may grow while we iterate: a quoted value can reach past the chunk
        for i, line in enumerate(chunk):
            line_no += 1
            if skip:
                skip -= 1
                continue
            if '"' not in line:
                if line.count(delimiter) == width - 1 and (line[0] not in empty_chars or line.strip(empty_chars)):
                    plain.add(line, line_no, out)
                elif line.strip(empty_chars):
                    out.set_aside.append(_wrong_fields(line_no, line.rstrip("\r\n").split(delimiter), width, line))
                continue  # else a blank or all-empty line: no record (reading 16)
            record = feed.record(i)
            spanned = feed.taken - 1
            if feed.open_at_end or (spanned and len(record) != width):
                out.set_aside.append(_stray_quote(line_no, line, record, feed, header))
                continue  # resume on the next physical line
            skip = spanned  # a quoted value held line breaks: the record is the lines it took
            if not line.strip(quoted_empty_chars) and all(not f.strip(" ") for f in record):
                continue
            if len(record) != width:
                out.set_aside.append(_wrong_fields(line_no, record, width, line))
            else:
                quoted.rows.append(record)
                quoted.lines.append(line_no)
                if len(quoted.lines) >= CHUNK_ROWS:
                    quoted.flush(out)
    plain.flush(out)
    quoted.flush(out)
    if not out.batches and out.sink is None:
        out.batches.append(_batch([], [], width))
    return out


def _wrong_fields(line_no: int, record: list[str], width: int, line: str) -> SetAside:
    return SetAside(line_no, WRONG_FIELDS, f"{len(record)} fields, header has {width}", line.rstrip("\r\n"))


class _Plain:
    """Buffered quote-free lines of the right width, handed to Arrow's CSV parser in blocks (fast)."""

    def __init__(self, width: int, delimiter: str) -> None:
        self.names = _names(width)
        self.text: list[str] = []
        self.lines: list[int] = []
        self.parse = pacsv.ParseOptions(delimiter=delimiter, quote_char=False, double_quote=False,
                                        newlines_in_values=False, ignore_empty_lines=False)
        self.convert = pacsv.ConvertOptions(column_types={n: pa.string() for n in self.names},
                                            strings_can_be_null=False, quoted_strings_can_be_null=False)

    def add(self, line: str, line_no: int, out: CsvRead) -> None:
        self.text.append(line)
        self.lines.append(line_no)
        if len(self.lines) >= CHUNK_ROWS:
            self.flush(out)

    def flush(self, out: CsvRead) -> None:
        if not self.lines:
            return
        if not self.text[-1].endswith(("\n", "\r")):
            self.text[-1] += "\n"
        block = "".join(self.text).encode("utf-8")
        table = _arrow_read(block, self.names, self.parse, self.convert)
        if table.num_rows != len(self.lines):  # the line walk and Arrow disagree: a bug, not bad input
            raise AssertionError(f"CSV block parsed into {table.num_rows} rows, expected {len(self.lines)}")
        table = table.append_column("_line", pa.array(self.lines, type=pa.int64()))
        out.add(table.combine_chunks().to_batches())
        self.text, self.lines = [], []


class _Quoted:
    """Records that held a quote, already split by the csv module."""

    def __init__(self, width: int) -> None:
        self.width = width
        self.rows: list[list[str]] = []
        self.lines: list[int] = []

    def flush(self, out: CsvRead) -> None:
        if self.rows:
            out.add([_batch(self.rows, self.lines, self.width)])
            self.rows, self.lines = [], []


class _Feed:
    """Lines of a chunk from index ``start`` on, for the csv module; reads on from the file when needed.

    Records how many lines the last record took, and whether its quote was
    still open at the end of the file (or after ``MAX_RECORD_LINES``).
    """

    __slots__ = ("chunk", "handle", "next_index", "open_at_end", "reader", "stop", "taken")

    def __init__(self, chunk: list[str], handle, delimiter: str) -> None:
        self.chunk, self.handle = chunk, handle
        self.next_index = self.stop = self.taken = 0
        self.open_at_end = False
        self.reader = csv.reader(self, delimiter=delimiter)

    def record(self, start: int) -> list[str]:
        """One record starting at ``chunk[start]``."""
        self.next_index, self.stop = start, start + MAX_RECORD_LINES
        self.taken, self.open_at_end = 0, False
        return next(self.reader)

    def __iter__(self):
        return self

    def __next__(self) -> str:
        if self.next_index >= self.stop:
            self.open_at_end = True
            raise StopIteration
        if self.next_index == len(self.chunk):
            more = self.handle.readline() if self.handle is not None else ""
            if not more:
                self.open_at_end = True
                raise StopIteration
            self.chunk.append(more)
        self.next_index += 1
        self.taken += 1
        return self.chunk[self.next_index - 1]


def _stray_quote(line_no: int, line: str, record: list[str], feed: _Feed, header: list[str]) -> SetAside:
    """The set-aside entry for a line whose quote opened a value that never closed properly."""
    spanning = next((j for j, f in enumerate(record) if "\n" in f or "\r" in f), len(record) - 1)
    column = f"field {spanning + 1}" + (f" ({header[spanning]})" if spanning < len(header) else "")
    if feed.open_at_end:
        detail = f"{column} opens a quote that is not closed before the end of the file"
    else:
        detail = (
            f"{column} opens a quote that runs on to line {line_no + feed.taken - 1}, leaving"
            f" {len(record)} fields, header has {len(header)}"
        )
    return SetAside(line_no, UNTERMINATED_QUOTE, detail, line.rstrip("\r\n"))


_UNDECODED = re.compile("[\udc80-\udcff]")


def _first_undecodable(path: Path) -> tuple[int, int]:
    """(line, column) of the first byte that is not UTF-8, counted as the reader counts them."""
    with io.TextIOWrapper(_open_binary(path), encoding="utf-8-sig", errors="surrogateescape", newline="") as handle:
        for number, line in enumerate(handle, start=1):
            if match := _UNDECODED.search(line):
                return number, match.start() + 1
    return 1, 1  # not reached: the strict read failed somewhere


def _names(width: int) -> list[str]:
    return [f"c{i}" for i in range(width)]


def _batch(rows: list[list[str]], lines: list[int], width: int) -> pa.RecordBatch:
    names = _names(width)
    columns = list(zip(*rows)) if rows else [() for _ in names]
    arrays = [pa.array(col, type=pa.string()) for col in columns]
    arrays.append(pa.array(lines, type=pa.int64()))
    return pa.RecordBatch.from_arrays(arrays, names=[*names, "_line"])
