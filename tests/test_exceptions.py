"""The register of approved exceptions (docs/report.md, "Exceptions"): the reader, the SQL, the run, the worklist.

Hand-computed from the rows below, as of 2024-09-30 (2024Q3; account rule: last activity + 12 months,
residual: erasure + 30 days):

- acct-court (last session 2022-06-01, its session sess-log-1 holds an IP address): past its deadline, and so is
  its log row; both excepted by rows in force (a court case);
- acct-expired: past its deadline; its exception expired on 2024-08-31: still a breach, flagged;
- acct-pending: past its deadline; its exception is approved on 2024-10-15, after as_of: still a breach;
- acct-hold: past its deadline on legal hold: exempt by the policy, not by the register;
- acct-fine: created 2024-06-01, not past its deadline; its exception is in force but takes nothing out;
- acct-erased: last active 2024-01-10 (deadline 2025-01-10), erased 2024-01-15; its session sess-res-1 (with an IP
  address) is a residual breach (its own deadline has not passed: contract reading 20), excepted.
"""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import date
from pathlib import Path

import pytest

from pipelines.cli import main
from pipelines.errors import BadInput
from pipelines.exceptions import parse, read_register
from pipelines.run import RunOptions, run
from pipelines.verify import verify
from tests.conftest import policy_with
from tests.load.helpers import write_exports

HEADER = "category,id,reason,approved_by,approved_on,expires_on\n"
REGISTER = HEADER + (
    "account,acct-court,court case 2024/117,legal department,2024-01-01,2025-12-31\n"      # 2 applied
    "account,acct-expired,fraud investigation,legal department,2023-09-01,2024-08-31\n"    # 3 expired
    "account,acct-pending,customer Lotte De Smet asked us to keep it,Jan Peeters,2024-10-15,2025-10-15\n"  # 4 pending
    "account,acct-fine,court case 2024/117,legal department,2024-01-01,2025-12-31\n"       # 5 applied, takes nothing
    "logs,sess-log-1,court case 2024/117,legal department,2024-01-01,2025-12-31\n"         # 6 applied
    "residual,sess-res-1,court case 2024/117,legal department,2024-01-01,2025-12-31\n"     # 7 applied
    "accounts,acct-court,court case 2024/117,legal department,2024-01-01,2025-12-31\n"     # 8 unknown category
    "account,acct-nope,court case 2024/117,legal department,2024-01-01,2025-12-31\n"       # 9 unknown id
    "account,acct-court,court case 2024/117,,2024-01-01,2025-12-31\n"                      # 10 no approver
    "account,acct-expired,fraud investigation,legal department,2023-09-01,\n"              # 11 no expiry
    "logs,acct-court,court case 2024/117,legal department,2024-01-01,2025-12-31\n"         # 12 not a session id
)


def exports(folder: Path) -> Path:
    accounts = ("account_id,created_at,plan,status,erased_at,legal_hold\n"
                "acct-court,2022-01-01T10:00:00Z,paid,active,,false\n"
                "acct-expired,2022-01-01T10:00:00Z,free,active,,false\n"
                "acct-pending,2022-01-01T10:00:00Z,free,active,,false\n"
                "acct-hold,2022-01-01T10:00:00Z,free,active,,true\n"
                "acct-fine,2024-06-01T10:00:00Z,free,active,,false\n"
                "acct-erased,2022-01-01T10:00:00Z,free,deleted,2024-01-15T10:00:00Z,false\n")
    sessions = ("session_id,account_id,started_at,ip_address\n"
                "sess-log-1,acct-court,2022-06-01T10:00:00Z,192.0.2.10\n"
                "sess-res-1,acct-erased,2024-01-10T10:00:00Z,192.0.2.11\n"
                "sess-fine,acct-fine,2024-09-01T10:00:00Z,\n")
    tickets = ("ticket_id,account_id,channel,category,created_at,first_response_at,resolved_at,anonymized_at\n"
               "tick-fine,acct-fine,email,bug,2024-09-02T10:00:00Z,2024-09-02T11:00:00Z,,\n")
    return write_exports(folder / "exports", {"accounts": accounts, "sessions": sessions, "support_tickets": tickets})


@pytest.fixture(scope="module")
def reviewed(tmp_path_factory):
    """The quarter without and with the register (one database), and the worklist with it."""
    root = tmp_path_factory.mktemp("exceptions")
    data = exports(root)
    register = root / "register.csv"
    register.write_text(REGISTER, encoding="utf-8")
    db = root / "home" / "r.duckdb"

    def one(out: str, **options) -> dict:
        final = run(RunOptions(data_dir=data, out_dir=root / out, db_path=db, quarter="2024Q3", report=False,
                               **options))
        return {"final": final, "summary": json.loads((final / "summary.json").read_text(encoding="utf-8")),
                "evidence": json.loads((final / "evidence.json").read_text(encoding="utf-8"))}

    found = {"root": root, "data": data, "register": register, "db": db,
             "without": one("plain"), "with": one("excepted", exceptions_file=register)}
    out = root / "worklist"
    assert main(["worklist", "--data", str(data), "--db", str(db), "--quarter", "2024Q3", "--exceptions", str(register),
                 "--out", str(out)]) == 0
    found["worklist"] = out
    return found


def rows(path: Path) -> list[dict]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


# --- the reader -------------------------------------------------------------------------------


def test_the_reader_keeps_every_row_with_its_first_problem():
    found = parse(REGISTER)
    assert found["line"].to_list() == list(range(2, 13))
    assert found.row(0, named=True) == {
        "line": 2, "category": "account", "id": "acct-court", "reason": "court case 2024/117",
        "approved_by": "legal department", "approved_on": date(2024, 1, 1), "expires_on": date(2025, 12, 31),
        "problem": None, "problem_column": None}
    problems = dict(zip(found["line"], zip(found["problem"], found["problem_column"], strict=True), strict=True))
    assert problems[10] == ("no_approver", "approved_by") and problems[11] == ("no_expiry", "expires_on")
    assert problems[8] == (None, None)  # an unknown category and id are found in SQL, against the exports


@pytest.mark.parametrize("row, problem, column", [
    ("account,a,r,b,2024-01-01\n", "wrong_field_count", None),
    ("account,,r,b,2024-01-01,2025-01-01\n", "no_id", "id"),
    ("account,a,,b,2024-01-01,2025-01-01\n", "no_reason", "reason"),
    ("account,a,r,b,,2025-01-01\n", "no_approval_date", "approved_on"),
    ("account,a,r,b,01/02/2024,2025-01-01\n", "bad_date", "approved_on"),
    ("account,a,r,b,2024-01-01,2025-13-01\n", "bad_date", "expires_on"),
    ("account,a,r,b,2024-01-01,20250101\n", "bad_date", "expires_on"),
    ("account,a,r,b,2024-06-01,2024-05-31\n", "expires_before_approval", "expires_on"),
])
def test_a_bad_row_is_kept_as_invalid_never_fatal(row, problem, column):
    found = parse(HEADER + row).row(0, named=True)
    assert (found["problem"], found["problem_column"]) == (problem, column)


def test_semicolons_a_bom_blank_lines_extra_columns_and_any_header_case_are_read():
    text = ("\ufeffCategory ; ID;Reason;Approved_By;approved_on;EXPIRES_ON;note\n\n;;;;;;\n"
            " Account ; acct-1 ;court; legal ;2024-01-01;2025-01-01;x\n")
    found = parse(text)
    assert found.select("line", "category", "id", "approved_by").rows() == [(4, "Account", "acct-1", "legal")]


@pytest.mark.parametrize("content, words", [
    (b"", "empty"),
    (b"category,id,reason\naccount,a,r\n", "lacks the column(s) approved_by, approved_on, expires_on"),
    (b"category,id,id,reason,approved_by,approved_on,expires_on\n", "stated twice"),
    (HEADER.encode() + b'account,"a,r,b,2024-01-01,2025-01-01\n', "line 2"),
    (HEADER.encode() + b"account,caf\xe9,r,b,2024-01-01,2025-01-01\n", "line 2, column 12: not UTF-8"),
])
def test_a_register_that_cannot_be_read_is_bad_input_naming_where(tmp_path, content, words):
    path = tmp_path / "register.csv"
    path.write_bytes(content)
    with pytest.raises(BadInput, match=words.replace("(", r"\(").replace(")", r"\)")):
        read_register(path)


def test_a_missing_register_is_bad_input_before_anything_loads(tmp_path, capsys):
    data = exports(tmp_path)
    code = main(["run", "--data", str(data), "--out", str(tmp_path / "out"), "--db", str(tmp_path / "h" / "r.duckdb"),
                 "--quarter", "2024Q3", "--no-report", "--exceptions", str(tmp_path / "nope.csv")])
    assert code == 2
    assert "register of exceptions not found" in capsys.readouterr().err
    assert not (tmp_path / "h" / "r.duckdb").exists()


# --- the figures ------------------------------------------------------------------------------


def test_without_a_register_nothing_is_excepted(reviewed):
    summary = reviewed["without"]["summary"]
    assert summary["retention"]["breaches"]["account"] == 3  # court, expired, pending (hold exempt, erased not)
    assert summary["retention"]["breaches"]["logs"] == 1 and summary["retention"]["breaches"]["residual"] == 1
    assert summary["retention"]["excepted"] == {"account": 0, "logs": 0, "support": 0, "marketing": None,
                                                "analytics": None, "residual": 0, "payments": None}
    assert summary["exceptions"]["register"] is False and summary["exceptions"]["rows"] == 0
    assert reviewed["without"]["evidence"]["exceptions"] is None


def test_an_exception_in_force_takes_its_record_out_of_the_breaches(reviewed):
    retention = reviewed["with"]["summary"]["retention"]
    assert retention["breaches"]["account"] == 2  # expired, pending
    assert retention["breaches"]["logs"] == 0 and retention["breaches"]["residual"] == 0
    assert retention["excepted"]["account"] == 1 and retention["excepted"]["logs"] == 1
    assert retention["excepted"]["residual"] == 1
    assert retention["legal_hold_exempt"] == 1  # the other kind of exemption: acct-hold


def test_the_register_is_counted_applied_expired_pending_and_invalid(reviewed):
    found = reviewed["with"]["summary"]["exceptions"]
    assert {k: found[k] for k in ("register", "rows", "applied", "expired", "pending", "invalid")} == {
        "register": True, "rows": 11, "applied": 4, "expired": 1, "pending": 1, "invalid": 5}
    assert found["by_category"]["account"] == {"applied": 2, "expired": 1, "pending": 1, "invalid": 3}
    assert found["by_category"]["logs"] == {"applied": 1, "expired": 0, "pending": 0, "invalid": 1}
    assert found["by_category"]["residual"] == {"applied": 1, "expired": 0, "pending": 0, "invalid": 0}


def test_the_findings_follow_the_figures(reviewed):
    def finding(summary, name):
        return next(f for f in summary["findings"] if f["id"] == name)

    summary = reviewed["with"]["summary"]
    assert finding(summary, "account_erasure")["open_now"] == 2
    assert finding(summary, "logs_retention")["verdict"] == "kept"  # its only breach is excepted
    assert finding(summary, "erased_account_leftovers")["verdict"] == "kept"
    assert finding(reviewed["without"]["summary"], "logs_retention")["verdict"] == "not kept"


#: every reason and approver the register writes: free text, never published (docs/report.md, "Exceptions")
FREE_TEXT = ("court case", "fraud investigation", "Lotte", "De Smet", "Jan Peeters", "legal department")


def test_the_published_tables_count_by_category_and_name_lines_never_ids(reviewed):
    tables = reviewed["with"]["final"] / "tables"
    by_category = rows(tables / "exceptions_by_category.csv")
    assert list(by_category[0]) == ["category", "status", "rows", "first_expiry", "last_expiry"]
    assert {tuple(r.values()) for r in by_category} == {
        ("account", "applied", "2", "2025-12-31", "2025-12-31"), ("account", "expired", "1", "2024-08-31", "2024-08-31"),
        ("account", "pending", "1", "2025-10-15", "2025-10-15"), ("logs", "applied", "1", "2025-12-31", "2025-12-31"),
        ("residual", "applied", "1", "2025-12-31", "2025-12-31")}
    invalid = rows(tables / "exceptions_invalid.csv")
    assert [(r["line"], r["category"], r["problem"]) for r in invalid] == [
        ("8", "", "unknown_category"), ("9", "account", "unknown_id"), ("10", "account", "no_approver"),
        ("11", "account", "no_expiry"), ("12", "logs", "unknown_id")]
    for path in reviewed["with"]["final"].rglob("*"):
        if path.is_file():
            text = path.read_text(encoding="utf-8")
            assert "acct-court" not in text and "sess-log-1" not in text and "acct-nope" not in text, path.name


def test_no_reason_and_no_approver_is_published_the_worklist_keeps_them(reviewed):
    """A reason and an approver naming people ("customer Lotte De Smet asked ...", "Jan Peeters") reach the private
    worklist alone: no published file (summary.json, evidence.json, tables) holds any of the register's free text."""
    published = [p for p in reviewed["with"]["final"].rglob("*") if p.is_file()]
    assert {p.name for p in published} >= {"summary.json", "evidence.json", "exceptions_by_category.csv"}
    for path in published:
        text = path.read_text(encoding="utf-8")
        assert not [word for word in FREE_TEXT if word in text], path.name
    listed = {r["line"]: r for r in rows(reviewed["worklist"] / "exceptions.csv")}
    assert (listed["4"]["reason"], listed["4"]["approved_by"]) == ("customer Lotte De Smet asked us to keep it",
                                                                    "Jan Peeters")
    assert listed["2"]["reason"] == "court case 2024/117" and listed["2"]["approved_by"] == "legal department"


@pytest.mark.slow
def test_the_report_holds_no_reason_and_no_approver(reviewed, tmp_path):
    """The whole report (HTML, executed notebooks) of a run with the register: none of its free text."""
    final = run(RunOptions(data_dir=reviewed["data"], out_dir=tmp_path / "out", db_path=tmp_path / "h" / "r.duckdb",
                           quarter="2024Q3", exceptions_file=reviewed["register"]))
    published = [p for p in final.rglob("*") if p.is_file()]
    assert {p.suffix for p in published} >= {".html", ".ipynb", ".json", ".csv"}
    for path in published:
        text = path.read_text(encoding="utf-8")
        assert not [word for word in FREE_TEXT if word in text], path.relative_to(final)
    html = (final / "quarterly-review.html").read_text(encoding="utf-8")
    assert "2 in force until 31 December 2025" in html and "1 not yet in force" in html


def test_evidence_records_the_registers_sha256(reviewed):
    recorded = reviewed["with"]["evidence"]["exceptions"]
    assert recorded == {"file": "register.csv", "sha256": hashlib.sha256(REGISTER.encode()).hexdigest(), "rows": 11}


# --- the worklist -----------------------------------------------------------------------------


def test_the_worklist_leaves_excepted_records_out_and_flags_an_expired_exception(reviewed):
    accounts = {r["account_id"]: r for r in rows(reviewed["worklist"] / "account_past_deadline.csv")}
    assert set(accounts) == {"acct-expired", "acct-pending"}
    assert accounts["acct-expired"]["exception"] == "exception expired on 2024-08-31"
    assert accounts["acct-pending"]["exception"] == "exception not in force until 2024-10-15"
    assert rows(reviewed["worklist"] / "logs_past_deadline.csv") == []


def test_the_worklist_lists_the_register_as_judged(reviewed):
    found = rows(reviewed["worklist"] / "exceptions.csv")
    assert [(r["line"], r["category"], r["id"], r["status"], r["problem"], r["excepted"]) for r in found] == [
        ("2", "account", "acct-court", "applied", "", "true"),
        ("3", "account", "acct-expired", "expired", "", "false"),
        ("4", "account", "acct-pending", "pending", "", "false"),
        ("5", "account", "acct-fine", "applied", "", "false"),
        ("6", "logs", "sess-log-1", "applied", "", "true"),
        ("7", "residual", "sess-res-1", "applied", "", "true"),
        ("8", "accounts", "acct-court", "invalid", "unknown_category", "false"),
        ("9", "account", "acct-nope", "invalid", "unknown_id", "false"),
        ("10", "account", "acct-court", "invalid", "no_approver", "false"),
        ("11", "account", "acct-expired", "invalid", "no_expiry", "false"),
        ("12", "logs", "acct-court", "invalid", "unknown_id", "false"),
    ]


# --- verify and the policy's default register -------------------------------------------------


def test_verify_recomputes_with_the_same_register(reviewed):
    report = reviewed["with"]["final"]
    assert verify(report, reviewed["data"], exceptions_file=reviewed["register"], history_home=reviewed["db"].parent).ok
    without = verify(report, reviewed["data"], history_home=reviewed["db"].parent)
    assert any(d.startswith("register of exceptions: the run read register.csv") for d in without.differences)
    assert "figure retention.breaches.account: published 2, now 3" in without.differences


def test_verify_names_a_register_changed_since(reviewed, tmp_path):
    changed = tmp_path / "register.csv"
    changed.write_text(REGISTER.replace("2025-12-31", "2025-11-30"), encoding="utf-8")
    found = verify(reviewed["with"]["final"], reviewed["data"], exceptions_file=changed,
                   history_home=reviewed["db"].parent)
    assert [d for d in found.differences if d.startswith("register of exceptions: ")]


def test_the_policy_file_names_a_default_register(reviewed, tmp_path):
    (tmp_path / "registers").mkdir()
    (tmp_path / "registers" / "court.csv").write_text(REGISTER, encoding="utf-8")
    policy = policy_with(tmp_path / "policy.toml", "[inactivity]",
                         '[exceptions]\nregister = "registers/court.csv"\n\n[inactivity]')
    final = run(RunOptions(data_dir=reviewed["data"], out_dir=tmp_path / "out", db_path=tmp_path / "h" / "r.duckdb",
                           quarter="2024Q3", report=False, policy_path=policy))
    summary = json.loads((final / "summary.json").read_text(encoding="utf-8"))
    assert summary["retention"]["breaches"]["account"] == 2 and summary["exceptions"]["applied"] == 4
    assert json.loads((final / "evidence.json").read_text())["exceptions"]["file"] == "court.csv"


def test_the_register_table_in_sql_with_no_session(make_db):
    """A connection made without the review session computes as with an empty register; installed, it exempts."""
    from pipelines.dates import Quarter
    from pipelines.metrics import Period
    from pipelines.metrics import exceptions as register_table
    from pipelines.policy import load_policy
    from pipelines.results import compute_results

    con = make_db({"accounts": [{"account_id": "acct-1", "created_at": "2022-01-01", "plan": "free",
                                 "status": "active"}],
                   "sessions": [{"session_id": "sess-1", "account_id": "acct-1", "started_at": "2022-02-01",
                                 "device_id": "dev-1"}]})
    period, policy = Period.of(Quarter.parse("2024Q3")), load_policy()
    before = compute_results(con, period, policy).summary
    assert before["retention"]["breaches"]["logs"] == 1 and before["exceptions"]["register"] is False
    register_table.install(con, parse(HEADER + "logs,sess-1,court,legal,2024-01-01,2025-01-01\n"))
    after = compute_results(con, period, policy).summary
    assert after["retention"]["breaches"]["logs"] == 0 and after["retention"]["excepted"]["logs"] == 1
    assert after["exceptions"]["applied"] == 1
    assert after["exceptions"]["by_category"]["logs"] == {"applied": 1, "expired": 0, "pending": 0, "invalid": 0}


def test_invalid_rows_are_a_warning_naming_their_lines(reviewed, tmp_path, caplog):
    run(RunOptions(data_dir=reviewed["data"], out_dir=tmp_path / "out", db_path=reviewed["db"], quarter="2024Q3",
                   report=False, exceptions_file=reviewed["register"]))
    warnings = [r.getMessage() for r in caplog.records if r.levelname == "WARNING" and "register" in r.getMessage()]
    assert len(warnings) == 1 and "5 invalid row(s) exempt nothing" in warnings[0]
    assert "line 8 (unknown category in category)" in warnings[0] and "line 10 (no approver in approved_by)" in warnings[0]
