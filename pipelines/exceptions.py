"""The register of approved exceptions: the CSV the privacy team keeps, read once per review.

docs/report.md, "Exceptions". One row per exempted record::

    category,id,reason,approved_by,approved_on,expires_on
    account,A000123,court case 2024/117 (legal claim),legal department,2024-05-02,2025-12-31

``category`` names a retention category as in ``retention.breaches`` (account, logs,
support, marketing, analytics, residual, payments); ``id`` is the record's own id in the
exports, as the worklist names it (the account's ``account_id``, a session's
``session_id``, ..., for ``residual`` the row's id in any of its tables). This module
only reads the file: whether a row's category and id are known, and whether it is in
force at ``as_of``, is decided in SQL beside the figures
(``pipelines/metrics/sql/staging/exceptions_evaluated.sql``), so that the breach counts, the
findings, the worklist and the report agree.

The reader is forgiving of rows and strict about the file (docs/operations.md,
"The register of exceptions"):

- the file as a whole is bad input (exit 2, one line naming the file, and the line and
  column where there is one): missing or unreadable, not a regular file (a FIFO, a device, a
  folder), over 64 MiB, not UTF-8 (the one gate every input file passes: :mod:`pipelines.inputs`),
  empty, no header, a required column missing or stated twice, a quote that never closes;
- a row is never fatal: a row with the wrong number of fields, no id, no approver, no
  approval date, no expiry date, no reason, a date that is not ``YYYY-MM-DD``, or an
  expiry before the approval is kept with its ``problem`` and ``problem_column`` and
  counted as invalid; it exempts nothing.

Comma- or semicolon-separated (a header without a comma and with a semicolon is read as
semicolon-separated, as a Dutch or Belgian spreadsheet saves it), UTF-8 with or without
BOM; header names compare trimmed and case-insensitively; extra columns are ignored;
values are trimmed; a blank line or a line of empty fields is no row.
"""

from __future__ import annotations

import csv
import hashlib
import io
import logging
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import polars as pl

from pipelines import inputs
from pipelines.errors import BadInput

log = logging.getLogger(__name__)

COLUMNS = ("category", "id", "reason", "approved_by", "approved_on", "expires_on")

#: problem codes a row can have (the report names each through the catalogue: ``exception_problem_<code>``);
#: ``unknown_category`` and ``unknown_id`` are found in SQL (exceptions_evaluated.sql)
WRONG_FIELDS = "wrong_field_count"
NO_ID = "no_id"
NO_REASON = "no_reason"
NO_APPROVER = "no_approver"
NO_APPROVAL_DATE = "no_approval_date"
NO_EXPIRY = "no_expiry"
BAD_DATE = "bad_date"
EXPIRES_BEFORE_APPROVAL = "expires_before_approval"
UNKNOWN_CATEGORY = "unknown_category"
UNKNOWN_ID = "unknown_id"
PROBLEMS = (WRONG_FIELDS, NO_ID, NO_REASON, NO_APPROVER, NO_APPROVAL_DATE, NO_EXPIRY, BAD_DATE,
            EXPIRES_BEFORE_APPROVAL, UNKNOWN_CATEGORY, UNKNOWN_ID)

#: the register as a table (``exception_register`` in the review's connection)
SCHEMA = pl.Schema({
    "line": pl.Int64,
    "category": pl.String,
    "id": pl.String,
    "reason": pl.String,
    "approved_by": pl.String,
    "approved_on": pl.Date,
    "expires_on": pl.Date,
    "problem": pl.String,
    "problem_column": pl.String,
})

_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


@dataclass(frozen=True)
class Register:
    """A register as read: its file, SHA-256 (for evidence.json) and rows (:data:`SCHEMA`)."""

    path: Path
    sha256: str
    rows: pl.DataFrame

    @property
    def name(self) -> str:
        return self.path.name


def empty() -> pl.DataFrame:
    """A register with no row: the table every review has when no register is given."""
    return pl.DataFrame(schema=SCHEMA)


def read_register(path: Path, *, apart_from: Mapping[str, Path | None] | None = None) -> Register:
    """Read the register at ``path`` (module docstring) through the one gate (:mod:`pipelines.inputs`: a regular
    file of at most 64 MiB, UTF-8, outside ``apart_from``); bad input only for a file that cannot be read."""
    path = Path(path)
    data = inputs.read_bytes(path, inputs.REGISTER, apart_from=apart_from)
    text = inputs.decode(data, path, inputs.REGISTER)
    return Register(path, hashlib.sha256(data).hexdigest(), parse(text, str(path)))


def parse(text: str, source: str = "<register>") -> pl.DataFrame:
    """The rows of a register's text as :data:`SCHEMA` (module docstring)."""
    text = text.removeprefix("\ufeff")
    first = text.split("\n", 1)[0]
    delimiter = ";" if ";" in first and "," not in first else ","
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter, strict=True)
    records: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for fields in reader:
            records.append((line, fields))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise BadInput(f"{source}, line {line}: not readable as CSV ({exc}); "
                       "a quote that never closes makes the rest of the file one value") from None
    header_at = next((i for i, (_, fields) in enumerate(records) if _has_value(fields)), None)
    if header_at is None:
        raise BadInput(f"{source}: the register is empty: it needs a header row ({','.join(COLUMNS)})")
    header_line, header = records[header_at]
    names = [h.strip().lower() for h in header]
    for name in COLUMNS:
        if names.count(name) > 1:
            raise BadInput(f"{source}, line {header_line}: the column {name!r} is stated twice")
    missing = [name for name in COLUMNS if name not in names]
    if missing:
        hint = " (one column only: is the file separated by another character?)" if len(names) == 1 else ""
        raise BadInput(f"{source}, line {header_line}: the register lacks the column(s) {', '.join(missing)}; "
                       f"its header must name {','.join(COLUMNS)}{hint}")
    where = {name: names.index(name) for name in COLUMNS}
    rows = [_row(number, fields, where, len(names)) for number, fields in records[header_at + 1:]
            if _has_value(fields)]
    return pl.DataFrame(rows, schema=SCHEMA, orient="row") if rows else empty()


def _has_value(fields: list[str]) -> bool:
    """A record with at least one non-blank field (a blank line or ``,,,,,`` is no row: contract reading 16)."""
    return any(f.strip() for f in fields)


def _row(line: int, fields: list[str], where: dict[str, int], width: int) -> tuple:
    """One register row; its first problem (in column order) and the column it is in, else none."""
    if len(fields) != width:
        return (line, None, None, None, None, None, None, WRONG_FIELDS, None)
    value = {name: (fields[i].strip() or None) for name, i in where.items()}
    problem = column = None

    def found(code: str, name: str) -> None:
        nonlocal problem, column
        if problem is None:
            problem, column = code, name

    approved_on, expires_on = _date(value["approved_on"]), _date(value["expires_on"])
    if value["id"] is None:
        found(NO_ID, "id")
    if value["reason"] is None:
        found(NO_REASON, "reason")
    if value["approved_by"] is None:
        found(NO_APPROVER, "approved_by")
    if value["approved_on"] is None:
        found(NO_APPROVAL_DATE, "approved_on")
    elif approved_on is None:
        found(BAD_DATE, "approved_on")
    if value["expires_on"] is None:
        found(NO_EXPIRY, "expires_on")
    elif expires_on is None:
        found(BAD_DATE, "expires_on")
    if approved_on is not None and expires_on is not None and expires_on < approved_on:
        found(EXPIRES_BEFORE_APPROVAL, "expires_on")
    return (line, value["category"], value["id"], value["reason"], value["approved_by"], approved_on, expires_on,
            problem, column)


def _date(text: str | None) -> date | None:
    """A ``YYYY-MM-DD`` date, else None (``2024-13-01``, ``01/02/2024`` and ``20240102`` are not dates here)."""
    if text is None or not _ISO_DATE.fullmatch(text):
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        return None


def warn_invalid(invalid: pl.DataFrame | None, register: Register | None) -> None:
    """A WARNING naming the register's invalid rows (``line``, ``problem_column``, ``problem``): they exempt nothing
    (docs/report.md, "Exceptions"); the report lists them in its data-quality section."""
    if register is None or invalid is None or invalid.height == 0:
        return
    lines = ", ".join(f"line {line} ({problem.replace('_', ' ')}{f' in {column}' if column else ''})"
                      for line, column, problem in invalid.select("line", "problem_column", "problem").iter_rows())
    log.warning("register of exceptions %s: %s invalid row(s) exempt nothing: %s", register.path, invalid.height, lines)
