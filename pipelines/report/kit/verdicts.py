"""Verdict codes and reading the findings: what every section shares, with no HTML.

The report never judges a promise (docs/report.md, "Findings"): each verdict is
a finding in ``summary.json`` (``findings``, written by ``pipelines/findings.py``),
read here by its id and shown with the report's verdict codes:

``kept`` the finding is kept; ``not_kept`` not kept; ``not_assessable`` not
assessable, nothing to judge; ``not_checked`` not assessable because the optional
export was not given (reason ``not_exported``); ``not_computable`` not computable,
or no such finding in the results (a ``summary.json`` written before findings);
``info`` no promise is judged (data quality).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipelines import findings as judged
from pipelines.policy import INTERNAL_STANDARD, LAW, POLICY
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

#: the reasons a finding is not assessable beyond "nothing to judge": a promise no export can test, one whose
#: period the policy does not state (docs/policy-file.md, "Not auditable"), and one reading a column the export's
#: header lacks (``details.lacks``; docs/contract.md, "Optional columns")
NOT_AUDITABLE, PERIOD_UNSTATED, EXPORT_LACKS = judged.NOT_AUDITABLE, judged.PERIOD_UNSTATED, judged.EXPORT_LACKS
#: the reason a finding judges nothing: no record it applies to on ``as_of``
NOTHING_TO_JUDGE = judged.NOTHING_TO_JUDGE

#: a finding's verdict -> the report's verdict code (docs/report.md, "Findings")
CODES = {
    judged.KEPT: KEPT,
    judged.NOT_KEPT: NOT_KEPT,
    judged.NOT_ASSESSABLE: NOT_ASSESSABLE,
    judged.NOT_COMPUTABLE: NOT_COMPUTABLE,
}


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


# --- the findings (docs/report.md, "Findings") --------------------------------


def findings_of(summary: dict | None) -> list[dict]:
    """The findings in ``summary``, in the order they were judged; ``[]`` when it holds none (an older summary)."""
    found = summary.get("findings") if isinstance(summary, dict) else None
    return [f for f in found if isinstance(f, dict)] if isinstance(found, list) else []


def finding(summary: dict | None, finding_id: str) -> dict | None:
    """The finding ``finding_id`` (``"rights_on_time"``); ``None`` when the results hold no such finding."""
    return next((f for f in findings_of(summary) if f.get("id") == finding_id), None)


def code(found: dict | None) -> str:
    """The report's verdict code of a finding: "not assessable" for want of an export is ``not_checked``;
    an unknown verdict, or no finding at all, is ``not_computable``."""
    if not isinstance(found, dict):
        return NOT_COMPUTABLE
    verdict = found.get("verdict")
    if verdict == judged.NOT_ASSESSABLE and found.get("reason") == judged.NOT_EXPORTED:
        return NOT_CHECKED
    return CODES.get(verdict, NOT_COMPUTABLE)


def columns_lacking(found: dict | None) -> list[str]:
    """The columns (``table.column``, the contract's names) whose absence from the exports leaves the finding not
    assessable (reason ``export_lacks``, ``details.lacks``); ``[]`` for any other finding."""
    if not isinstance(found, dict) or found.get("reason") != EXPORT_LACKS:
        return []
    lacks = (found.get("details") or {}).get("lacks")
    return [str(c) for c in lacks] if isinstance(lacks, list) else []


def verdict(summary: dict | None, finding_id: str) -> str:
    """The report's verdict code of finding ``finding_id`` in ``summary``."""
    return code(finding(summary, finding_id))


def basis(found: dict | None) -> str | None:
    """The finding's basis (``policy``, ``law`` or ``internal standard``); ``None`` without a finding or basis."""
    kind = found.get("basis") if isinstance(found, dict) else None
    return kind if kind in (POLICY, LAW, INTERNAL_STANDARD) else None


def source(found: dict | None, language: str) -> str:
    """The text of the law or standard a finding rests on, in ``language`` (English when there is no Dutch);
    empty for a policy finding, whose source is the clause itself."""
    texts = found.get("source") if isinstance(found, dict) else None
    if not isinstance(texts, dict):
        return ""
    return str(texts.get(language) or texts.get("en") or "")


#: the catalogue key of a verdict's words by basis: "Promise kept", "Legal deadline met", "Internal
#: standard met" (docs/report.md, "Findings"); the verdicts that judge nothing read the same on any basis
_BY_BASIS = {LAW: "law", INTERNAL_STANDARD: "standard"}


def words_key(verdict_code: str, kind: str | None = POLICY) -> str:
    """``words_key("not_kept", "law") == "not_kept_law"``: the catalogue key of the verdict's words on that basis."""
    if verdict_code in (KEPT, NOT_KEPT) and kind in _BY_BASIS:
        return f"{verdict_code}_{_BY_BASIS[kind]}"
    return verdict_code


@dataclass(frozen=True)
class Overall:
    """``findings.tally`` of some findings with the report's code of the worst verdict (its colour)."""

    kept: int
    not_kept: int
    not_judged: int
    total: int
    worst: str

    @property
    def verdict(self) -> str:
        return self.worst


def promises_of(summary: dict | None) -> list[dict]:
    """The findings on the policy's own promises (``pipelines.findings.promises``): what the headline and the
    index count ("6 of 8 promises kept"); legal deadlines and internal standards are tallied beside them."""
    return judged.promises(findings_of(summary))


def beside_of(summary: dict | None) -> dict[str, Overall]:
    """The tallies of the findings that are not the policy's own promises, by basis (``law``, ``internal
    standard``), in that order: the headline says them beside the promises, in their own words."""
    found = findings_of(summary)
    return {kind: overall([f for f in found if f.get("basis") == kind])
            for kind in (LAW, INTERNAL_STANDARD) if any(f.get("basis") == kind for f in found)}


def overall(found: list[dict]) -> Overall:
    """The tally of ``found`` (``pipelines.findings.tally``): kept of total, coloured by the worst verdict;
    no finding at all is not computable."""
    result = judged.tally(found)
    worst = CODES.get(result["worst"], NOT_COMPUTABLE) if result["total"] else NOT_COMPUTABLE
    return Overall(result["kept"], result["not_kept"], result["not_judged"], result["total"], worst)
