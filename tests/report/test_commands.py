"""The commands "For the privacy team" prints (pipelines/report/commands.py; docs/report.md, "For the privacy team"):
complete as the run was given its options, and never a path of the machine."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from pipelines.dates import Quarter
from pipelines.report.commands import relative_form, run_commands

CWD = Path("/srv/privacy")
Q = Quarter.parse("2026Q2")


@pytest.mark.parametrize(
    "given, shown",
    [
        ("exports/2026Q2", "exports/2026Q2"),  # relative as typed: itself
        ("data_samples", "data_samples"),
        ("./exports", "exports"),
        ("/srv/privacy/exports", "exports"),  # absolute inside the folder the run started in: made relative
        ("/srv/privacy", "."),
        ("/mnt/share/exports", None),  # outside it: withheld
        ("/srv/privacy-other/exports", None),  # a folder whose name starts alike is not inside
        ("../exports", None),  # climbs out: names the machine's folders around it
        ("exports/../../etc", None),
        ("~/exports", None),  # a home names its user
        (None, None),
    ],
)
def test_a_path_is_published_only_relative_to_the_runs_folder(given, shown):
    assert relative_form(given, CWD) == shown


def test_the_worklist_command_carries_every_option_the_run_was_given():
    found = run_commands(quarter=Q, as_of=date(2026, 6, 30), cwd=CWD, out_dir=Path("reports"), given={
        "--data": Path("exports"), "--db": Path("/srv/privacy/db/pr.duckdb"), "--policy": Path("policy 2026.toml"),
        "--exceptions": None, "--mapping": None, "--input-zone": "Europe/Brussels"})
    assert found["worklist"] == [
        "privacy-review", "worklist", "--quarter", "2026Q2", "--data", "exports", "--policy", "'policy 2026.toml'",
        "--db", "db/pr.duckdb", "--input-zone", "Europe/Brussels", "--out", "<private folder>"]
    assert found["verify"] == ["privacy-review", "verify", "reports/2026Q2", "--data", "exports",
                               "--policy", "'policy 2026.toml'", "--db", "db/pr.duckdb",
                               "--seal", "<seal from the run's log>"]
    assert found["withheld"] == []


def test_a_review_date_before_the_quarters_end_is_given_and_outside_paths_are_withheld():
    found = run_commands(quarter=Q, as_of=date(2026, 6, 15), cwd=CWD, out_dir=Path("/var/www/reports"), given={
        "--data": Path("/mnt/exports"), "--db": None, "--input-zone": "UTC"})
    assert found["worklist"] == ["privacy-review", "worklist", "--quarter", "2026Q2", "--as-of", "2026-06-15",
                                 "--data", "<--data>", "--out", "<private folder>"]
    assert found["verify"][:5] == ["privacy-review", "verify", "<REPORT_DIR>", "--data", "<--data>"]
    assert found["withheld"] == ["--data", "REPORT_DIR"]
    assert not any("/mnt" in w or "/var" in w for w in found["worklist"] + found["verify"])
