"""The rooms of docs/design.md and what each may import, checked on the source."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pipelines"

#: room -> project modules it must never import (prefix match)
FORBIDDEN = {
    "pipelines/dates.py": ("pipelines",),
    "pipelines/contract.py": ("pipelines",),
    "pipelines/load": ("pipelines.metrics", "pipelines.report", "pipelines.results", "pipelines.cli", "pipelines.run"),
    "pipelines/metrics": ("pipelines.report", "pipelines.cli", "pipelines.run", "pipelines.load", "pipelines.results"),
    "pipelines/sample": ("pipelines.metrics", "pipelines.report", "pipelines.load", "pipelines.cli", "pipelines.run"),
    "pipelines/report": ("pipelines.cli", "pipelines.run", "pipelines.publish"),
    # the Spark engine: the same metric SQL and loading rules on Spark; run.py wires it, the report never sees it
    "pipelines/spark": ("pipelines.report", "pipelines.cli", "pipelines.run", "pipelines.results"),
    # evidence: file hashes and versions, read by the report's kit; it computes no figure and publishes nothing
    "pipelines/evidence.py": ("pipelines.metrics", "pipelines.report", "pipelines.results", "pipelines.run", "pipelines.cli"),
    # the markers and the swap: below every stage, they know nothing of what they publish
    "pipelines/ownership.py": ("pipelines.paths", "pipelines.run", "pipelines.report", "pipelines.metrics",
                               "pipelines.results", "pipelines.load", "pipelines.cli", "pipelines.publish"),
    # publishing: the swap knows nothing of what it publishes; the quarter's workflow calls the report and results
    "pipelines/publish/swap.py": ("pipelines.report", "pipelines.metrics", "pipelines.results", "pipelines.load",
                                  "pipelines.run", "pipelines.cli", "pipelines.session"),
    "pipelines/publish": ("pipelines.metrics", "pipelines.load", "pipelines.run", "pipelines.cli", "pipelines.session",
                          "pipelines.spark", "pipelines.engines"),
    "pipelines/paths.py": ("pipelines.report", "pipelines.metrics", "pipelines.results", "pipelines.load",
                           "pipelines.run", "pipelines.cli", "pipelines.locking"),
    # verify and the worklist compute through results/metrics; neither writes into a report
    "pipelines/verify.py": ("pipelines.report", "pipelines.cli", "pipelines.worklist"),
    "pipelines/worklist": ("pipelines.report", "pipelines.cli", "pipelines.verify"),
    # the records behind the findings: computed for the worklist, the run and verify; they write and publish nothing
    "pipelines/records": ("pipelines.report", "pipelines.cli", "pipelines.run", "pipelines.verify", "pipelines.worklist",
                          "pipelines.session", "pipelines.remediation", "pipelines.results", "pipelines.load"),
    # the history of remediation: keyed pseudonyms in the database's home; never the report, never a figure of its own
    "pipelines/remediation.py": ("pipelines.report", "pipelines.cli", "pipelines.run", "pipelines.verify",
                                 "pipelines.worklist", "pipelines.session", "pipelines.results", "pipelines.load"),
    # the one gate every input file passes (docs/operations.md, "Safe by construction"): below every reader
    "pipelines/inputs.py": ("pipelines.report", "pipelines.metrics", "pipelines.results", "pipelines.load",
                            "pipelines.run", "pipelines.cli", "pipelines.session", "pipelines.policy",
                            "pipelines.exceptions", "pipelines.remediation", "pipelines.evidence", "pipelines.publish",
                            "pipelines.worklist", "pipelines.ownership", "pipelines.locking"),
    # the modes of what holds personal data: below everything, it knows no other module
    "pipelines/private.py": ("pipelines",),
    # the register's reader reads one CSV: no figure, no report
    "pipelines/exceptions.py": ("pipelines.metrics", "pipelines.report", "pipelines.results", "pipelines.run",
                                "pipelines.cli", "pipelines.load"),
    # the report's kit knows no family and no publishing step
    "pipelines/report/kit": (
        "pipelines.report.sections", "pipelines.report.build", "pipelines.report.execute",
        "pipelines.report.export", "pipelines.report.nb", "pipelines.report.index", "pipelines.metrics",
    ),
    # sections read results; they never run notebooks, publish, load or compute figures
    "pipelines/report/sections": (
        "pipelines.report.build", "pipelines.report.execute", "pipelines.report.export",
        "pipelines.report.nb", "pipelines.metrics", "pipelines.load", "pipelines.results",
    ),
}

#: the family sections; only ``overview`` (the first screen) may read another family's section
FAMILIES = ("inactivity", "retention", "support", "rights", "quality")


@pytest.mark.parametrize("family", FAMILIES)
def test_a_family_section_imports_no_other_section(family):
    path = PACKAGE / "report" / "sections" / f"{family}.py"
    others = {f"pipelines.report.sections.{f}" for f in FAMILIES + ("overview",) if f != family}
    names = imports(path)
    assert not names & others, f"{path.name} imports {sorted(names & others)}"
    assert "pipelines.report.sections" not in names, f"{path.name} imports the sections package"


def imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def files(room: str) -> list[Path]:
    path = PACKAGE.parent / room
    return [path] if path.is_file() else sorted(path.rglob("*.py"))


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_room_imports_only_what_it_may(room):
    assert files(room)
    for path in files(room):
        bad = {n for n in imports(path) for f in FORBIDDEN[room] if n == f or n.startswith(f + ".")}
        assert not bad, f"{path.relative_to(PACKAGE.parent)} imports {sorted(bad)}"


def test_nothing_imports_the_cli():
    for path in PACKAGE.rglob("*.py"):
        if path.name != "cli.py":
            assert "pipelines.cli" not in imports(path), path
