"""Verdict names and reading the summary: the rules every section shares, with no HTML.

Verdicts (docs/report.md, "Verdicts"): ``kept`` means checked and no breach
found; ``not_kept`` a breach found; ``not_assessable`` nothing to judge (no
account, row, inquiry or request the promise applies to); ``not_computable``
the figure is missing from the results; ``not_checked`` the table was not
exported; ``info`` no promise is judged.
"""

from __future__ import annotations

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

