"""Verdict names and reading the summary: the rules every section shares, with no HTML.

Verdicts (docs/report.md, "Verdicts"): ``kept`` means checked and no breach
found; ``not_kept`` a breach found; ``not_assessable`` nothing to judge (no
account, row, inquiry or request the promise applies to); ``not_computable``
the figure is missing from the results; ``not_checked`` the table was not
exported; ``info`` no promise is judged.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from pipelines.report.kit.context import lookup
from pipelines.report.kit.fmt import is_missing

KEPT, NOT_KEPT, NOT_ASSESSABLE, NOT_COMPUTABLE, NOT_CHECKED, INFO = (
    "kept",
    "not_kept",
    "not_assessable",
    "not_computable",
    "not_checked",
    "info",
)


def summary_value(summary: dict | None, path: str) -> Any:
    """The figure at ``path``; ``a.b.*`` sums the non-null values under ``a.b`` (``None`` if there are none)."""
    if path.endswith(".*"):
        node = lookup(summary, path[:-2])
        if not isinstance(node, dict):
            return None
        values = [
            v
            for v in node.values()
            if isinstance(v, (int, float))
            and not isinstance(v, bool)
            and not is_missing(v)
        ]
        return sum(values) if values else None
    value = lookup(summary, path)
    return None if is_missing(value) else value



# --- the overall verdict (docs/report.md, "Verdicts", "The overall verdict") --


@dataclass(frozen=True)
class Promise:
    """One promise the report judges: its code, its verdict and how many items breach it (``None``: unknown)."""

    key: str
    verdict: str
    breaches: int | None = None


@dataclass(frozen=True)
class Tally:
    kept: int
    not_kept: int
    not_judged: int
    worst: Promise | None

    @property
    def total(self) -> int:
        return self.kept + self.not_kept + self.not_judged

    @property
    def verdict(self) -> str:
        """Not kept when any promise is broken; kept only when every promise is kept; else not assessable."""
        if self.not_kept:
            return NOT_KEPT
        if self.total and self.kept == self.total:
            return KEPT
        return NOT_ASSESSABLE


def tally(promises: Iterable[Promise]) -> Tally:
    """Count kept, broken and not judged promises and pick the worst broken one.

    Only ``kept`` counts as kept: not assessable, not computable and not
    checked are "not judged". The worst is the broken promise with the most
    items in breach (an unknown count ranks last); a tie goes to the one
    the report shows first.
    """
    promises = list(promises)
    broken = [p for p in promises if p.verdict == NOT_KEPT]
    worst = None
    for p in broken:
        if worst is None or _rank(p) > _rank(worst):
            worst = p
    kept = sum(p.verdict == KEPT for p in promises)
    return Tally(kept, len(broken), len(promises) - kept - len(broken), worst)


def _rank(promise: Promise) -> float:
    return -1 if is_missing(promise.breaches) else promise.breaches
