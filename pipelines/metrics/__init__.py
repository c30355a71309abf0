"""The families of figures (five, and the register of exceptions), each a module with its SQL in ``sql/``.

Every family exposes ``compute(con, period, policy) -> FamilyResult``: pure
reads of the loaded database, as of ``period.as_of``, and ``TABLES``: the
columns and types of each table it writes, declared once. ``compute`` checks
its tables against ``TABLES`` (:func:`checked`); the report's tests build their
fake tables from the same declarations.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from importlib import import_module
from types import ModuleType

import polars as pl

from pipelines.dates import Quarter
from pipelines.errors import PipelineFailure

#: summary.json block -> family module, in the order they are computed
FAMILIES = {
    "inactivity": "inactivity",
    "retention": "retention",
    # the register of approved exceptions (docs/report.md, "Exceptions"): its rows judged as of as_of
    "exceptions": "exceptions",
    "support": "support",
    "rights": "rights",
    "data_quality": "quality",
}


@dataclass(frozen=True)
class Period:
    """The reviewed quarter and the day everything is computed as of (contract §2)."""

    quarter: Quarter
    as_of: date

    @classmethod
    def of(cls, quarter: Quarter, as_of: date | None = None) -> Period:
        return cls(quarter, as_of or quarter.end)

    @property
    def start(self) -> date:
        return self.quarter.start

    def previous(self) -> Period:
        """The quarter before, as of its own last day (for quarter-on-quarter change)."""
        return Period.of(self.quarter.previous())


@dataclass
class FamilyResult:
    """A family's block of ``summary.json``, its tables (written as CSV) and per-row detail (never written).

    ``detail`` holds per-row frames a family computes anyway (one row per request...):
    they name millions of keys at scale, so they stay out of the published results;
    the database holds the same rows (its SQL models).
    """

    summary: dict
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
    detail: dict[str, pl.DataFrame] = field(default_factory=dict)


def first_rows(frame: pl.DataFrame, n: int, by: str | None = None) -> pl.DataFrame:
    """The first ``n`` rows of a sorted per-row list (per value of ``by``): what a report may show by key.

    The report holds aggregates and a few rows to look at, never the whole list
    (docs/design.md, "Metric families"); the counts come from the whole list.
    """
    if by is None:
        return frame.head(n)
    return frame.filter(pl.int_range(pl.len()).over(by) < n)


def families() -> dict[str, ModuleType]:
    """summary.json block -> family module."""
    return {block: import_module(f"pipelines.metrics.{module}") for block, module in FAMILIES.items()}


def table_schemas() -> dict[str, pl.Schema]:
    """Every table a run writes, with its declared columns (from each family's ``TABLES``)."""
    return {name: schema for family in families().values() for name, schema in family.TABLES.items()}


def checked(
    summary: dict,
    tables: dict[str, pl.DataFrame],
    declared: dict[str, pl.Schema],
    detail: dict[str, pl.DataFrame] | None = None,
) -> FamilyResult:
    """The family's result, once its tables are exactly the declared ones (names, columns, order, types).

    A difference is a bug in the family, never bad input: :class:`PipelineFailure` naming the table.
    """
    if set(tables) != set(declared):
        raise PipelineFailure(
            f"metric tables {sorted(tables)} differ from the declared {sorted(declared)}"
        )
    for name, frame in tables.items():
        if frame.schema != declared[name]:
            raise PipelineFailure(
                f"metric table {name!r} has columns {dict(frame.schema)}, declared {dict(declared[name])}"
            )
    return FamilyResult(summary, {name: tables[name] for name in declared}, dict(detail or {}))
