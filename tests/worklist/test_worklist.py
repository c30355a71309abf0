"""privacy-review worklist: counts equal summary.json's, the exports' own ids, mode 0600, never under reports/."""

from __future__ import annotations

import csv
import json
import os
import stat
from pathlib import Path

import pytest

from pipelines import ownership
from pipelines.cli import main
from pipelines.contract import TABLES
from pipelines.policy import load_policy
from pipelines.records import REGISTER, lists_of
from pipelines.run import RunOptions, run
from pipelines.worklist import reports_folder
from pipelines.worklist.lists import write_private_csv

SAMPLE = Path(__file__).resolve().parents[2] / "data_samples"

#: the worklist's files under the packaged policy: one per retention figure, then the other checks'
FILES = lists_of(load_policy())
#: a retention figure's file: each row names its table and own id
RETENTION = [f.name for f in FILES if f.name.endswith("_past_deadline.csv")]
#: the other files -> (their id column, the export table and column the ids come from)
IDS = {
    "withdrawn_consent_contacted.csv": ("contact_id", "marketing_contacts", "contact_id"),
    "rights_requests_overdue.csv": ("request_id", "rights_requests", "request_id"),
    "inquiries_past_response_standard.csv": ("ticket_id", "support_tickets", "ticket_id"),
    "consent_withdrawals_past_standard.csv": ("request_id", "rights_requests", "request_id"),
}
#: the files written without a register of exceptions (exceptions.csv lists a register's rows)
WRITTEN = tuple(f for f in FILES if f.needs != REGISTER)
#: the column each file is sorted on, most overdue first
OVERDUE = {"withdrawn_consent_contacted.csv": "days_since_withdrawal", "rights_requests_overdue.csv": "days_past_due",
           "consent_withdrawals_past_standard.csv": "days_past_standard"}


def rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def export_ids(table: str, column: str) -> set[str]:
    return {r[column].strip() for r in rows(SAMPLE / f"{table}.csv") if r.get(column)}


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    """The sample's published quarter (``run --no-report``) and its database."""
    root = tmp_path_factory.mktemp("worklist")
    db = root / "db" / "review.duckdb"
    final = run(RunOptions(data_dir=SAMPLE, out_dir=root / "reports", db_path=db, report=False))
    return {"root": root, "db": db, "final": final,
            "summary": json.loads((final / "summary.json").read_text(encoding="utf-8"))}


@pytest.fixture(scope="module")
def worklist(reviewed):
    """``privacy-review worklist`` on the same exports and database; its folder and printed counts."""
    import contextlib
    import io

    out = reviewed["root"] / "private" / "worklist"
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        code = main(["worklist", "--data", str(SAMPLE), "--db", str(reviewed["db"]), "--quarter", "2026Q2",
                     "--out", str(out)])
    assert code == 0
    return {"out": out, "printed": json.loads(printed.getvalue())}


def figure(summary: dict, name: str):
    for part in name.split("."):
        summary = summary[part]
    return summary


def test_each_file_has_as_many_rows_as_its_figure_and_the_command_prints_them(reviewed, worklist):
    assert list(worklist["printed"]) == [f.name for f in FILES]
    assert worklist["printed"]["exceptions.csv"] == {"figure": "exceptions.rows", "rows": None}
    assert not (worklist["out"] / "exceptions.csv").exists()  # no register given
    nonzero = 0
    for spec in WRITTEN:
        expected = figure(reviewed["summary"], spec.figure)
        found = rows(worklist["out"] / spec.name)
        assert len(found) == expected, spec.name
        assert worklist["printed"][spec.name] == {"figure": spec.figure, "rows": expected}
        nonzero += expected > 0
    assert nonzero >= 6  # the sample breaches most categories: the comparison is not of empty files


def test_the_ids_are_the_exports_own(worklist):
    for name, (column, table, source) in IDS.items():
        found = {r[column] for r in rows(worklist["out"] / name)}
        assert found <= export_ids(table, source), name
    # one list per retention rule: by its figure, or by its id where the figure gathers two rules (support)
    assert RETENTION == [f"{name}_past_deadline.csv" for name in
                         ("account", "logs", "support_data_retention", "support_without_account_retention",
                          "marketing", "analytics", "residual", "payments")]
    for name in RETENTION:
        for r in rows(worklist["out"] / name):
            assert r["id"] in export_ids(r["table"], TABLES[r["table"]].key), name
    residual = rows(worklist["out"] / "residual_past_deadline.csv")
    assert residual and {r["table"] for r in residual} <= {"sessions", "support_tickets", "marketing_contacts",
                                                           "web_visits"}
    for rule_id in ("support_data_retention", "support_without_account_retention"):
        assert {r["rule"] for r in rows(worklist["out"] / f"{rule_id}_past_deadline.csv")} == {rule_id}
    accounts = export_ids("accounts", "account_id")
    for r in rows(worklist["out"] / "logs_past_deadline.csv"):
        assert r["account_id"] in accounts and r["table"] == "sessions"


def test_the_accounts_file_has_the_columns_the_team_needs(worklist):
    (first, *_) = rows(worklist["out"] / "account_past_deadline.csv")
    # every retention figure's file alike: the rule broken, where the record is, whose it is, how late
    assert list(first) == ["rule", "table", "id", "account_id", "subject_id", "deadline", "days_overdue",
                           "exception", "remediation"]
    assert first["rule"] == "account_erasure" and first["id"] == first["account_id"]
    assert list(rows(worklist["out"] / "rights_requests_overdue.csv")[0])[:2] == ["request_id", "right"]


def test_the_inquiries_file_counts_days_overdue_to_the_answer_or_as_of(reviewed, worklist):
    # contract reading 24: the answer is the first response or, failing that, the resolution (answered_on)
    from datetime import date

    as_of = date.fromisoformat(reviewed["summary"]["as_of"])
    found = rows(worklist["out"] / "inquiries_past_response_standard.csv")
    assert found and list(found[0]) == ["ticket_id", "account_id", "channel", "created_on", "response_due",
                                        "first_response_on", "answered_on", "response_status", "days_overdue"]
    for r in found:
        answered = date.fromisoformat(r["answered_on"]) if r["answered_on"] else None
        assert r["response_status"] == ("answered_late" if answered else "unanswered_past_standard")
        days = ((answered or as_of) - date.fromisoformat(r["response_due"])).days
        assert int(r["days_overdue"]) == days > 0, r["ticket_id"]


def test_rows_are_sorted_most_overdue_first(worklist):
    for spec in WRITTEN:
        column = OVERDUE.get(spec.name, "days_overdue")
        days = [int(r[column]) for r in rows(worklist["out"] / spec.name)]
        assert days == sorted(days, reverse=True), spec.name


def test_files_are_mode_0600_and_the_folder_0700(worklist):
    assert stat.S_IMODE(worklist["out"].stat().st_mode) == 0o700
    for spec in WRITTEN:
        assert stat.S_IMODE((worklist["out"] / spec.name).stat().st_mode) == 0o600, spec.name


def test_a_file_left_world_readable_is_replaced_by_a_0600_one(tmp_path):
    import polars as pl

    path = tmp_path / "account_past_deadline.csv"
    path.write_text("old\n")
    os.chmod(path, 0o644)
    write_private_csv(pl.DataFrame({"account_id": ["A1"]}), path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600 and path.read_text() == "account_id\nA1\n"
    assert [p.name for p in tmp_path.iterdir()] == [path.name]  # no temporary file left


def test_the_log_warns_that_the_files_hold_personal_data(reviewed, tmp_path, capsys):
    assert main(["worklist", "--data", str(SAMPLE), "--db", str(reviewed["db"]), "--quarter", "2026Q2",
                 "--out", str(tmp_path / "w")]) == 0
    warnings = [line for line in capsys.readouterr().err.splitlines() if " WARNING " in line]
    assert any("personal data" in line and str(tmp_path / "w") in line for line in warnings)


@pytest.mark.parametrize("where", ["reports/private", "published", "quarter/sub"])
def test_an_out_inside_a_reports_folder_is_refused(reviewed, tmp_path, capsys, where):
    if where == "published":  # any folder holding a published index
        (tmp_path / "published").mkdir()
        (tmp_path / "published" / "index.html").write_text("<html></html>")
        out = tmp_path / "published" / "worklist"
    elif where == "quarter/sub":  # inside the run's published quarter
        out = reviewed["final"] / "worklist"
    else:
        out = tmp_path / where
    code = main(["worklist", "--data", str(SAMPLE), "--db", str(reviewed["db"]), "--out", str(out)])
    assert code == 2
    assert "holds personal data" in capsys.readouterr().err
    assert not out.exists()


def test_reports_folder_finds_the_folder_and_only_that(tmp_path):
    assert reports_folder(tmp_path / "reports" / "2024Q3") == tmp_path / "reports"
    assert reports_folder(tmp_path / "Reports") == tmp_path / "Reports"
    (tmp_path / "pub").mkdir()
    (tmp_path / "pub" / "quarterly-review.html").write_text("")
    assert reports_folder(tmp_path / "pub" / "x" / "y") == tmp_path / "pub"
    assert reports_folder(tmp_path / "private" / "worklist") is None


def test_the_published_tables_hold_no_per_row_list(reviewed):
    """Reports keep aggregates and at most 10 rows named by key per category or status (GDPR Recital 26)."""
    tables = reviewed["final"] / "tables"
    assert not (tables / "retention_breach_detail.csv").exists()
    checked = []
    for path in sorted(tables.glob("*.csv")):
        found = rows(path)
        keys = [c for c in (found[0] if found else {}) if c.endswith("_key")]
        if not keys:
            continue
        group = next((c for c in ("category", "status", "window") if c in found[0]), None)
        counts: dict = {}
        for r in found:
            counts[r.get(group)] = counts.get(r.get(group), 0) + 1
        assert max(counts.values()) <= 10, path.name
        checked.append(path.stem)
    assert {"retention_oldest_breaches", "retention_late_erasures", "rights_open_requests"} <= set(checked)


def test_a_table_not_exported_gets_no_file_and_a_null_count(tmp_path, capsys):
    from tests.load.helpers import write_exports

    # the four required tables only (the accounts with their erasure time: the account rule reads it)
    data = write_exports(tmp_path / "x", {"accounts": "account_id,created_at,plan,status,erased_at\n"
                                                      "A1,2022-01-01T10:00:00Z,free,active,\n"})
    out = tmp_path / "w"
    (out).mkdir()
    (out / "payments_past_deadline.csv").write_text("payment_id\nP-from-an-older-export\n")
    ownership.mark_worklist(out, ["payments_past_deadline.csv"])  # an earlier worklist's file
    assert main(["worklist", "--data", str(data), "--db", str(tmp_path / "db.duckdb"), "--quarter", "2024Q1",
                 "--out", str(out)]) == 0
    printed = json.loads(capsys.readouterr().out)
    for name in ("marketing_past_deadline.csv", "analytics_past_deadline.csv", "payments_past_deadline.csv",
                 "withdrawn_consent_contacted.csv"):
        assert printed[name]["rows"] is None and not (out / name).exists(), name
    assert printed["account_past_deadline.csv"]["rows"] == len(rows(out / "account_past_deadline.csv"))


def test_cells_a_spreadsheet_would_run_are_neutralised_and_numbers_stay_numbers(tmp_path):
    """docs/operations.md, "CSV files and spreadsheets": the worklist's ids come from the exports."""
    from datetime import date

    import polars as pl

    ids = ['=HYPERLINK("http://evil.example/x","click")', "+1", "-2", "@SUM(A1:A9)", "\tx", "\rx", "A000123"]
    frame = pl.DataFrame({
        "account_id": ids,
        "erasure_deadline": [date(2026, 1, d) for d in range(1, 8)],
        "days_overdue": [-3, 0, 12, -1, 5, 7, -40],
        "share": [-0.5, 1.25, -2.0, 0.0, 3.5, -7.125, 9.0],
        "legal_hold": [True, False, False, True, False, False, True],
    })
    path = tmp_path / "account_past_deadline.csv"
    write_private_csv(frame, path)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    found = rows(path)
    assert [r["account_id"] for r in found] == [f"'{v}" for v in ids[:-1]] + ["A000123"]
    assert [r["days_overdue"] for r in found] == ["-3", "0", "12", "-1", "5", "7", "-40"]
    assert [r["share"] for r in found][:3] == ["-0.5", "1.25", "-2.0"]
    assert found[0]["erasure_deadline"] == "2026-01-01" and found[0]["legal_hold"] == "true"
    # negative numbers are written unquoted: a spreadsheet reads them as numbers
    assert '",2026-01-01,-3,-0.5,true' in path.read_text(encoding="utf-8").splitlines()[1]
    back = pl.read_csv(path)
    assert back.schema["days_overdue"] == pl.Int64 and back.schema["share"] == pl.Float64


def test_a_file_of_the_same_name_the_worklist_did_not_write_is_never_replaced(tmp_path, capsys):
    from tests.load.helpers import write_exports

    data = write_exports(tmp_path / "x")
    out = tmp_path / "w"
    out.mkdir()
    (out / "account_past_deadline.csv").write_text("my own list")
    assert main(["worklist", "--data", str(data), "--db", str(tmp_path / "db.duckdb"), "--quarter", "2024Q1",
                 "--out", str(out)]) == 2
    assert "account_past_deadline.csv" in capsys.readouterr().err
    assert (out / "account_past_deadline.csv").read_text() == "my own list"


@pytest.mark.parametrize("where", ["inside-exports", "no-report-quarter", "dotdot"])
def test_a_worklist_never_lands_in_the_exports_or_a_published_folder(tmp_path, capsys, where):
    from tests.load.helpers import write_exports

    data = write_exports(tmp_path / "x")
    pub = tmp_path / "pub"
    assert main(["run", "--data", str(data), "--db", str(tmp_path / "db.duckdb"), "--quarter", "2024Q1",
                 "--out", str(pub), "--no-report"]) == 0
    (pub / "index.html").unlink(missing_ok=True)  # --no-report: no index; the marker decides
    out = {"inside-exports": data / "w", "no-report-quarter": pub / "2024Q1" / "w",
           "dotdot": pub / "2024Q1" / ".." / "w"}[where]
    capsys.readouterr()
    assert main(["worklist", "--data", str(data), "--db", str(tmp_path / "db.duckdb"), "--quarter", "2024Q1",
                 "--out", str(out)]) == 2
    assert not out.exists()
