"""What a notebook needs: the run's results, the policy, the language, tolerant accessors.

Notebooks call :func:`open_results` with their parameters. It reads the
results a run wrote (``summary.json`` + ``tables/``); when there are none
(a fresh checkout opened in JupyterLab), it loads the exports in
``data_dir`` into a temporary database and computes them, so "Run All"
works without running the CLI first.
"""

from __future__ import annotations

import re
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from pipelines.dates import LATEST
from pipelines.db import connect
from pipelines.errors import BadInput
from pipelines.evidence import read as read_evidence
from pipelines.evidence import short as short_hash  # noqa: F401 - the About section's short hashes
from pipelines.policy import Policy, load_policy
from pipelines.report.kit.words import check_language, t
from pipelines.results import (
    SUMMARY_FILE,
    Results,
    compute_with_previous,
    read_summary,
    read_table,
    write_results,
)
from pipelines.session import NO_OUTPUT, ReviewOptions, open_review


@dataclass
class ReportContext:
    """One quarter's results as a notebook sees them; missing parts read as ``None``."""

    summary: dict
    tables: dict[str, pl.DataFrame | None]
    """Tables in hand; others are read from ``tables_from`` on first use."""
    policy: Policy
    language: str = "en"
    results_dir: Path | None = None
    db: Path | None = None
    computed: bool = False
    """True when the results were computed from ``data_dir`` rather than read from a run."""
    notes: list[str] = field(default_factory=list)
    tables_from: Path | None = None
    """A results directory to read a table from, once, when first asked for (see :meth:`table`)."""
    evidence: dict | None = None
    """The run's ``evidence.json`` (pipelines/evidence.py) beside the results; ``None`` when there is none."""

    @property
    def period(self) -> str:
        return str(self.summary.get("period") or "")

    @property
    def as_of(self) -> str:
        return str(self.summary.get("as_of") or "")

    @property
    def previous(self) -> dict | None:
        prev = self.summary.get("previous")
        return prev if isinstance(prev, dict) and prev else None

    def get(self, path: str, default: Any = None, *, previous: bool = False) -> Any:
        """``get("retention.breaches.account")``: a dotted lookup; ``default`` where any part is missing."""
        return lookup(self.previous if previous else self.summary, path, default)

    def table(self, name: str) -> pl.DataFrame | None:
        """The table ``name``, or ``None`` when its family did not write it.

        Read from ``tables_from`` on first use, with its declared types, and kept: a
        notebook reads each table once, and only the tables it shows (a results
        directory may hold tables no page needs).
        """
        if name not in self.tables and self.tables_from is not None:
            self.tables[name] = read_table(self.tables_from, name)
        return self.tables.get(name)

    @contextmanager
    def connect(self) -> Iterator[Any]:
        """The loaded database, read-only, closed on exit; ``None`` when there is no database file.

        Analysts may look up things the results do not hold; the management
        report never needs it. Keep the connection short: a read-only
        connection blocks the next ``load`` from replacing the file on some systems.
        """
        if self.db is None or not Path(self.db).exists():
            yield None
            return

        con = connect(self.db, read_only=True, zone=self.policy.zone)
        try:
            yield con
        finally:
            con.close()


def lookup(data: dict | None, path: str, default: Any = None) -> Any:
    node: Any = data
    for part in path.split("."):
        if not isinstance(node, dict) or part not in node:
            return default
        node = node[part]
    return default if node is None else node


def open_results(
    results_dir: str | Path = "",
    data_dir: str | Path = "",
    db: str | Path = "",
    quarter: str = LATEST,
    as_of: str = "",
    policy: str | Path = "",
    *,
    language: str = "en",
    output_dir: str | Path = "",
) -> ReportContext:
    """The notebook's results, read or (failing that) computed.

    1. ``results_dir`` holds ``summary.json``: read it. A ``results_dir``
       named ``latest`` that does not exist means the newest quarter published
       beside it (``reports/latest`` -> ``reports/2024Q3``).
    2. Otherwise, compute from ``data_dir`` (default notebooks use
       ``../data_samples``) with :func:`compute_from_exports`, writing the
       results to ``output_dir`` (a temporary directory when empty).

    ``quarter``/``as_of`` other than ``latest``/empty must agree with what
    was read: a report never silently shows another quarter.
    """
    language = check_language(language)
    # the run checked the quotes against the policy texts; a published copy of the file travels without them
    pol = load_policy(policy or None, verify_documents=False)
    found = _find_results(Path(results_dir)) if str(results_dir) else None
    computed = False
    if found is not None:
        summary, tables = read_summary(found), {}
    else:
        if not str(data_dir) or not Path(data_dir).is_dir():
            raise BadInput(
                f"no results in {results_dir!s} (no {SUMMARY_FILE}) and no export directory {data_dir!s} to compute "
                "them from: run `privacy-review run` first, or point data_dir at an export"
            )
        found = (
            Path(output_dir)
            if str(output_dir)
            else Path(tempfile.mkdtemp(prefix="privacy-review-results-"))
        )
        results = compute_from_exports(
            Path(data_dir),
            quarter=quarter,
            as_of=as_of,
            policy_path=Path(policy) if str(policy) else None,
        )
        write_results(results, found)
        summary, tables = results.summary, dict(results.tables)
        computed = True
    if (
        quarter
        and quarter != LATEST
        and str(summary.get("period", "")).upper() != quarter.upper().replace("-", "")
    ):
        raise BadInput(
            f"{found}: the results are for {summary.get('period')!s}, not for the requested quarter {quarter}"
        )
    if as_of and str(summary.get("as_of", "")) != as_of:
        raise BadInput(
            f"{found}: the results are as of {summary.get('as_of')!s}, not {as_of}"
        )
    ctx = ReportContext(
        summary=summary,
        tables=tables,
        policy=pol,
        language=language,
        results_dir=found,
        db=Path(db) if str(db) else None,
        computed=computed,
        tables_from=None if computed else found,
        evidence=None if computed else read_evidence(found),
    )
    if summary.get("policy") and summary["policy"] != pol.label:
        ctx.notes.append(
            t(language, "note_policy_differs", computed=summary["policy"], quoted=pol.label)
        )
    return ctx


#: a published quarter's folder under a reports folder
QUARTER_DIR = re.compile(r"^(\d{4})Q([1-4])$")


def published_quarters(reports_dir: str | Path) -> list[tuple[str, Path]]:
    """``[("2024Q3", path), ...]`` for each ``<Q>/summary.json`` under ``reports_dir``, newest first."""
    root = Path(reports_dir)
    if not root.is_dir():
        return []
    found = []
    for child in root.iterdir():
        m = QUARTER_DIR.match(child.name)
        if m and child.is_dir() and (child / "summary.json").is_file():
            found.append(((int(m.group(1)), int(m.group(2))), child.name, child))
    return [(name, path) for _, name, path in sorted(found, reverse=True)]


def _find_results(path: Path) -> Path | None:
    if (path / SUMMARY_FILE).is_file():
        return path
    if path.name == LATEST and not path.exists():
        quarters = published_quarters(path.parent)
        if quarters:
            return quarters[0][1]
    return None


# --- computing results without a run (interactive use) -----------------------


def compute_from_exports(
    data_dir: Path,
    *,
    quarter: str = LATEST,
    as_of: str = "",
    policy_path: Path | None = None,
) -> Results:
    """Load ``data_dir`` into a temporary database and compute the results, for a notebook opened on a
    fresh checkout: the review session of ``privacy-review run`` (pipelines/session.py), the analyst's
    own database never written."""
    with tempfile.TemporaryDirectory(prefix="privacy-review-db-") as tmp:
        options = ReviewOptions(
            data_dir=Path(data_dir), out_kind=NO_OUTPUT, quarter=quarter or LATEST,
            as_of=date.fromisoformat(as_of) if as_of else None, policy_path=policy_path,
            db_path=Path(tmp) / "review.duckdb",
        )
        with open_review(options) as review:
            return compute_with_previous(review.con, review.period, review.policy)
