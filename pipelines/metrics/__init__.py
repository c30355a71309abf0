"""The four families of figures, each a module with its SQL in ``sql/``.

Every family exposes ``compute(con, period, policy) -> FamilyResult``: pure
reads of the loaded database, as of ``period.as_of``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

import polars as pl

from pipelines.dates import Quarter


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
    """A family's block of ``summary.json`` and its detail tables (written as CSV)."""

    summary: dict
    tables: dict[str, pl.DataFrame] = field(default_factory=dict)
