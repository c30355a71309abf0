"""Reads a CSV export into text columns with each record's line number.

Python's csv module tracks physical lines (``reader.line_num``), so a record
whose quoted field spans lines still gets the line it starts on. Every value
stays text here; casting to the contract's types happens in SQL afterwards.
"""

from __future__ import annotations

import csv
import sys
from dataclasses import dataclass, field
from pathlib import Path

import pyarrow as pa

from pipelines.errors import BadInput

csv.field_size_limit(min(sys.maxsize, 2**31 - 1))

CHUNK_ROWS = 200_000


@dataclass
class CsvRead:
    header: list[str]
    delimiter: str
    batches: list[pa.RecordBatch] = field(default_factory=list)
    """Text columns named as in the header, plus ``_line``."""
    ragged: list[tuple[int, int, str]] = field(default_factory=list)
    """(line, field count, raw text) of records whose field count differs from the header's."""


def sniff_delimiter(header_line: str) -> str:
    """';' when the header has more semicolons than commas (Belgian spreadsheets), else ','."""
    return ";" if header_line.count(";") > header_line.count(",") else ","


def read_csv(path: Path) -> CsvRead:
    """All records of a UTF-8 CSV (with or without BOM) as text, numbered by physical line."""
    try:
        with open(path, encoding="utf-8-sig", newline="") as handle:
            first = handle.readline()
            if not first.strip():
                raise BadInput(f"{path}, line 1: no header row")
            delimiter = sniff_delimiter(first)
            handle.seek(0)
            # utf-8-sig strips the BOM again after seek(0)
            reader = csv.reader(handle, delimiter=delimiter)
            header = next(reader)
            return _read_records(path, reader, header, delimiter)
    except UnicodeDecodeError as exc:
        raise BadInput(f"{path}: not UTF-8 text (byte {exc.start} of a read block): export it as UTF-8") from None
    except csv.Error as exc:
        raise BadInput(f"{path}, line {reader.line_num}: unreadable CSV: {exc}") from None


def _read_records(path: Path, reader, header: list[str], delimiter: str) -> CsvRead:
    width = len(header)
    out = CsvRead(header=[h.strip() for h in header], delimiter=delimiter)
    names = [f"c{i}" for i in range(width)]
    rows: list[list[str]] = []
    lines: list[int] = []
    last_line = reader.line_num  # physical lines consumed so far
    for record in reader:
        start = last_line + 1
        last_line = reader.line_num
        if not record:  # a blank line is not a record
            continue
        if len(record) != width:
            out.ragged.append((start, len(record), delimiter.join(record)))
            continue
        rows.append(record)
        lines.append(start)
        if len(rows) >= CHUNK_ROWS:
            out.batches.append(_batch(rows, lines, names))
            rows, lines = [], []
    if rows or not out.batches:
        out.batches.append(_batch(rows, lines, names))
    return out


def _batch(rows: list[list[str]], lines: list[int], names: list[str]) -> pa.RecordBatch:
    columns = list(zip(*rows)) if rows else [() for _ in names]
    arrays = [pa.array(col, type=pa.string()) for col in columns]
    arrays.append(pa.array(lines, type=pa.int64()))
    return pa.RecordBatch.from_arrays(arrays, names=[*names, "_line"])
