"""CSV files that people open in a spreadsheet: no text cell may be read as a formula.

``tables/*.csv`` and the worklist's CSVs are opened in Excel or LibreOffice, and the
worklist's cells come straight from the exports. A spreadsheet treats a cell that
starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return as a formula
(``=HYPERLINK(...)`` links anywhere, ``@SUM(...)`` computes, DDE runs commands):
such a text cell is written with a ``'`` before it, which spreadsheets read as
"text follows". Numbers, dates and booleans are written as they are: a negative
number is a number, ``-2.5``, not text (docs/operations.md, "CSV files and
spreadsheets").

The rule is reversible: a text that already starts with ``'`` and then one of those
characters gets one more ``'``, so :func:`restore` gives back every original value.
Both writers use :func:`write_csv`.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO

import polars as pl

#: the first characters that make a text cell a formula (OWASP, "CSV Injection")
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
#: any number of ``'`` and then a formula's first character: the cells given one more ``'``
_NEUTRALISE = "^'*[=+\\-@\t\r]"
#: a ``'`` added by :func:`neutralise`
_NEUTRALISED = "^'+[=+\\-@\t\r]"


def neutralise(frame: pl.DataFrame) -> pl.DataFrame:
    """``frame`` with a ``'`` before every text cell a spreadsheet would read as a formula.

    Only text columns change (``String``, ``Categorical``, ``Enum``, written as text);
    numeric, date, time and boolean columns are returned as they are, so they are
    written unquoted and a spreadsheet reads them as numbers and dates.
    """
    changed = [
        pl.when(text.str.contains(_NEUTRALISE)).then(pl.lit("'") + text).otherwise(text).alias(name)
        for name, dtype in frame.schema.items()
        if dtype == pl.String or isinstance(dtype, (pl.Categorical, pl.Enum))
        for text in (pl.col(name).cast(pl.String),)
    ]
    return frame.with_columns(changed) if changed else frame


def restore(frame: pl.DataFrame) -> pl.DataFrame:
    """The inverse of :func:`neutralise` on text columns: the ``'`` it added taken off again."""
    changed = [
        pl.when(pl.col(name).str.contains(_NEUTRALISED)).then(pl.col(name).str.slice(1)).otherwise(pl.col(name))
        for name, dtype in frame.schema.items()
        if dtype == pl.String
    ]
    return frame.with_columns(changed) if changed else frame


def write_csv(frame: pl.DataFrame, target: str | Path | IO[bytes]) -> None:
    """``frame`` as CSV at ``target`` (a path or a binary file), safe to open in a spreadsheet."""
    neutralise(frame).write_csv(target)
