"""Remediation across quarters (docs/report.md, "Remediation"): hand-computed sets over three quarters.

The exports change between the quarters as a company's would: an account erased, one put on
legal hold and taken off it again (resolved, then back), one passing its deadline, a request
completed and another left open. Every expectation below is worked out by hand from the rows
in :func:`exports`; the worklists of the same quarters give the same set differences.
"""

from __future__ import annotations

import csv
import hashlib
import hmac
import json
import os
import stat
from pathlib import Path

import polars as pl
import pyarrow.parquet as pq
import pytest

from pipelines import remediation
from pipelines.cli import main
from pipelines.dates import Quarter
from pipelines.errors import PipelineFailure
from pipelines.run import RunOptions, run
from pipelines.verify import verify
from tests.load.helpers import write_exports

#: every id of the exports below: none may reach the history
IDS = ("acct-0001", "acct-0002", "acct-0003", "acct-0004", "acct-0005", "sess-0005-a", "sess-0005-b", "sess-0005-c",
       "tick-0005", "req-0001", "req-0002")
#: the categories whose figure is null (their optional table is not exported)
NOT_EXPORTED = ("marketing", "analytics", "payments", "withdrawn_consent")
ZERO = {"new": 0, "carried_over": 0, "resolved": 0, "oldest_age": None, "oldest_since": None, "by_age": {}}


def exports(folder: Path, quarter: str) -> Path:
    """The exports as taken after ``quarter`` (2024Q3, 2024Q4, 2025Q1).

    Accounts (the account rule: deadline = last activity + 12 months; no session but acct-0005's):
      acct-0001 created 2023-01-10: deadline 2024-01-10, past it at every quarter;
      acct-0002 created 2023-02-01: past its deadline at 2024Q3; erased on 2024-10-20 in the later exports;
      acct-0003 created 2023-11-15: deadline 2024-11-15, past it from 2024Q4 on;
      acct-0004 created 2023-03-01: past its deadline; on legal hold (exempt) in the 2024Q4 exports only;
      acct-0005 active (sessions every quarter, no IP: no log row).
    Rights requests (one month, rolled to a working day):
      req-0001 received 2024-06-01, due 2024-07-01: open overdue at 2024Q3, completed 2024-10-05 after;
      req-0002 received 2024-10-01, due 2024-11-04 (1 November is a public holiday): open overdue from 2024Q4 on.
    """
    erased = quarter != "2024Q3"
    hold = "true" if quarter == "2024Q4" else "false"
    accounts = (
        "account_id,created_at,plan,status,erased_at,legal_hold\n"
        "acct-0001,2023-01-10T10:00:00Z,free,active,,false\n"
        + ("acct-0002,2023-02-01T10:00:00Z,free,deleted,2024-10-20T10:00:00Z,false\n" if erased
           else "acct-0002,2023-02-01T10:00:00Z,free,active,,false\n")
        + "acct-0003,2023-11-15T10:00:00Z,free,active,,false\n"
        f"acct-0004,2023-03-01T10:00:00Z,free,active,,{hold}\n"
        "acct-0005,2024-01-01T10:00:00Z,paid,active,,false\n"
    )
    # the columns the logs and support rules read, empty: judged, nothing held (docs/contract.md, "Optional columns")
    sessions = ("session_id,account_id,started_at,ip_address,device_id\n"
                "sess-0005-a,acct-0005,2024-08-01T10:00:00Z,,\n"
                "sess-0005-b,acct-0005,2024-12-20T10:00:00Z,,\n"
                "sess-0005-c,acct-0005,2025-02-01T10:00:00Z,,\n")
    completed = "2024-10-05T10:00:00Z" if quarter != "2024Q3" else ""
    rights = ("request_id,account_id,right,channel,received_at,completed_at\n"
              f"req-0001,acct-0005,access,email,2024-06-01T09:00:00Z,{completed}\n"
              "req-0002,acct-0005,erasure,email,2024-10-01T09:00:00Z,\n")
    tickets = ("ticket_id,account_id,channel,category,created_at,first_response_at,resolved_at,anonymized_at\n"
               "tick-0005,acct-0005,email,bug,2024-02-02T10:00:00Z,2024-02-02T11:00:00Z,,\n")
    return write_exports(folder / f"exports-{quarter}", {"accounts": accounts, "sessions": sessions,
                                                         "rights_requests": rights, "support_tickets": tickets})


def review(root: Path, quarter: str, **options) -> dict:
    """``run --no-report`` of ``quarter`` on its exports, one database (and so one history) for all; the summary."""
    final = run(RunOptions(data_dir=exports(root, quarter), out_dir=root / "reports", db_path=root / "home" / "r.duckdb",
                           quarter=quarter, report=False, **options))
    return json.loads((final / "summary.json").read_text(encoding="utf-8"))


def worklist_ids(root: Path, quarter: str, name: str, column: str) -> dict[str, str]:
    """``privacy-review worklist`` of ``quarter``: ``{id: remediation label}`` of one file."""
    out = root / f"worklist-{quarter}"
    assert main(["worklist", "--data", str(exports(root, quarter)), "--db", str(root / "home" / "r.duckdb"),
                 "--quarter", quarter, "--out", str(out)]) == 0
    with open(out / name, newline="", encoding="utf-8") as handle:
        return {row[column]: row["remediation"] for row in csv.DictReader(handle)}


@pytest.fixture(scope="module")
def quarters(tmp_path_factory):
    """Three quarters run in order, each one's worklist taken right after its run."""
    root = tmp_path_factory.mktemp("remediation")
    found = {}
    for quarter in ("2024Q3", "2024Q4", "2025Q1"):
        found[quarter] = review(root, quarter)
        found[f"accounts {quarter}"] = worklist_ids(root, quarter, "account_past_deadline.csv", "account_id")
        found[f"rights {quarter}"] = worklist_ids(root, quarter, "rights_requests_overdue.csv", "request_id")
    found["root"] = root
    return found


def test_the_first_quarter_has_nothing_to_compare_with(quarters):
    assert quarters["2024Q3"]["remediation"] == {"compared_with": None, "reason": "no_earlier_quarter", "trend": []}
    assert quarters["2024Q3"]["retention"]["breaches"]["account"] == 3  # acct-0001, -0002, -0004
    assert quarters["accounts 2024Q3"] == dict.fromkeys(("acct-0001", "acct-0002", "acct-0004"), "no recorded earlier run")


def test_the_next_quarter_counts_new_carried_over_and_resolved(quarters):
    found = quarters["2024Q4"]["remediation"]
    assert found["compared_with"] == "2024Q3" and found["reason"] is None
    # 2024Q3 {0001, 0002, 0004} -> 2024Q4 {0001, 0003}: 0003 new, 0001 carried (2 quarters), 0002 erased and
    # 0004 on legal hold resolved
    assert found["account"] == {"new": 1, "carried_over": 1, "resolved": 2, "oldest_age": 2, "oldest_since": "2024Q3",
                                "by_age": {"2": 1}}
    # {req-0001} -> {req-0002}: one completed, one new
    assert found["rights_overdue"] == {"new": 1, "carried_over": 0, "resolved": 1, "oldest_age": None,
                                       "oldest_since": None, "by_age": {}}
    for category in ("logs", "support_data_retention", "support_without_account_retention", "residual"):
        assert found[category] == ZERO, category
    for category in NOT_EXPORTED:
        assert found[category] is None, category
    assert quarters["accounts 2024Q4"] == {"acct-0001": "carried over since 2024Q3", "acct-0003": "new"}
    assert quarters["rights 2024Q4"] == {"req-0002": "new"}


def test_a_record_that_resolved_and_came_back_is_new_again(quarters):
    found = quarters["2025Q1"]["remediation"]
    # 2024Q4 {0001, 0003} -> 2025Q1 {0001, 0003, 0004}: 0004 off legal hold is new (age 1), not carried over;
    # 0001 carried for 3 quarters, 0003 for 2
    assert found["compared_with"] == "2024Q4"
    assert found["account"] == {"new": 1, "carried_over": 2, "resolved": 0, "oldest_age": 3, "oldest_since": "2024Q3",
                                "by_age": {"2": 1, "3": 1}}
    assert found["rights_overdue"] == {"new": 0, "carried_over": 1, "resolved": 0, "oldest_age": 2,
                                       "oldest_since": "2024Q4", "by_age": {"2": 1}}
    assert quarters["accounts 2025Q1"] == {"acct-0001": "carried over since 2024Q3",
                                           "acct-0003": "carried over since 2024Q4", "acct-0004": "new"}
    assert [t["quarter"] for t in found["trend"]] == ["2024Q3", "2024Q4"]
    assert found["trend"][1]["account"] == quarters["2024Q4"]["remediation"]["account"]


@pytest.mark.parametrize("later, earlier", [("2024Q4", "2024Q3"), ("2025Q1", "2024Q4")])
def test_remediation_is_the_set_difference_of_two_worklists(quarters, later, earlier):
    for kind, category in (("accounts", "account"), ("rights", "rights_overdue")):
        now, before = set(quarters[f"{kind} {later}"]), set(quarters[f"{kind} {earlier}"])
        found = quarters[later]["remediation"][category]
        assert (found["new"], found["carried_over"], found["resolved"]) == (
            len(now - before), len(now & before), len(before - now)), (kind, later)


def test_the_history_holds_keyed_pseudonyms_and_no_raw_id(quarters):
    home = quarters["root"] / "home"
    history = home / remediation.HISTORY_DIR
    secret = (home / remediation.KEY_FILE).read_bytes()
    assert len(secret) == remediation.KEY_BYTES
    assert stat.S_IMODE((home / remediation.KEY_FILE).stat().st_mode) == 0o600
    assert stat.S_IMODE(history.stat().st_mode) == 0o700
    files = sorted(history.iterdir())
    assert [f.name for f in files] == ["2024Q3.parquet", "2024Q4.parquet", "2025Q1.parquet"]
    for path in files:
        assert stat.S_IMODE(path.stat().st_mode) == 0o600, path.name
        data = path.read_bytes()
        table = pq.read_table(path)
        text = json.dumps(table.to_pylist()) + table.schema.metadata[remediation.META].decode()
        for ident in IDS:
            assert ident.encode() not in data and ident not in text, (path.name, ident)
    # the keys are HMAC-SHA-256(secret, table U+001F id), 32 hex digits: computed here by hand
    def key(table: str, ident: str) -> str:
        return hmac.new(secret, f"{table}\x1f{ident}".encode(), "sha256").hexdigest()[:32]

    rows = pl.from_arrow(pq.read_table(history / "2025Q1.parquet"))
    assert sorted(rows.iter_rows()) == sorted([
        ("account", key("accounts", "acct-0001"), "2024Q3", 3),
        ("account", key("accounts", "acct-0003"), "2024Q4", 2),
        ("account", key("accounts", "acct-0004"), "2025Q1", 1),
        ("rights_overdue", key("rights_requests", "req-0002"), "2024Q4", 2),
    ])
    # nothing of the history, the secret or the home is published
    for published in (quarters["root"] / "reports").rglob("*"):
        if published.is_file():
            text = published.read_text(encoding="utf-8", errors="replace")
            assert key("accounts", "acct-0001") not in text and str(home) not in text, published


def test_a_rerun_replaces_its_quarter_with_the_same_set(quarters):
    root = quarters["root"]
    path = root / "home" / remediation.HISTORY_DIR / "2024Q4.parquet"
    before = pl.from_arrow(pq.read_table(path)).sort("category", "key")
    again = review(root, "2024Q4")  # 2025Q1 is recorded: 2024Q4 still compares with 2024Q3, its latest earlier
    assert again["remediation"] == quarters["2024Q4"]["remediation"]
    assert pl.from_arrow(pq.read_table(path)).sort("category", "key").equals(before)


def test_an_older_quarter_run_after_newer_ones_compares_with_the_quarter_before_it(quarters, tmp_path):
    root = quarters["root"]
    again = review(root, "2024Q3")
    assert again["remediation"] == {"compared_with": None, "reason": "no_earlier_quarter", "trend": []}
    history = remediation.History(root / "home")
    assert [str(q) for q in history.quarters()] == ["2024Q3", "2024Q4", "2025Q1"]
    assert str(history.earlier(Quarter.parse("2024Q4")).quarter) == "2024Q3"


def test_verify_recomputes_remediation_against_the_same_history(quarters):
    root = quarters["root"]
    found = verify(root / "reports" / "2025Q1", exports(root, "2025Q1"), db=root / "home" / "r.duckdb")
    assert found.ok, found.differences
    assert not [n for n in found.notes if n.startswith("remediation")]  # compared, not skipped


def test_verify_without_the_history_says_so_in_a_note(quarters, tmp_path):
    root = quarters["root"]
    found = verify(root / "reports" / "2025Q1", exports(root, "2025Q1"), history_home=tmp_path / "elsewhere")
    assert found.ok, found.differences
    assert any("remediation: not verified" in note for note in found.notes)


def test_verify_finds_a_history_recorded_again_since(quarters, tmp_path):
    """The run compared with 2024Q4's set; a history whose 2024Q4 holds another set is a difference."""
    root = quarters["root"]
    copy = tmp_path / "home"
    copy.mkdir()
    (copy / remediation.KEY_FILE).write_bytes((root / "home" / remediation.KEY_FILE).read_bytes())
    history = remediation.History(copy)
    recorded = history_of(root).read(Quarter.parse("2024Q4"))
    recorded.rows = recorded.rows.filter(pl.col("category") != "rights_overdue")
    history.record(recorded)
    found = verify(root / "reports" / "2025Q1", exports(root, "2025Q1"), history_home=copy)
    assert [d for d in found.differences if d.startswith("remediation: the run compared with 2024Q4")]


def history_of(root: Path) -> remediation.History:
    return remediation.History(root / "home")


def test_a_failed_run_records_nothing(tmp_path):
    """Only a published quarter is recorded: a run the privacy scan stops (a clause of the policy file naming an IP
    address, which summary.json publishes) leaves no quarter in the history."""
    from tests.conftest import policy_with

    data = exports(tmp_path, "2024Q3")
    policy = policy_with(tmp_path / "p" / "policy.toml", 'clause = "§1.1"', 'clause = "§1.1, server 192.0.2.10"')
    with pytest.raises(PipelineFailure, match="privacy scan"):
        run(RunOptions(data_dir=data, out_dir=tmp_path / "reports", db_path=tmp_path / "home" / "r.duckdb",
                       quarter="2024Q3", report=False, policy_path=policy))
    assert remediation.History(tmp_path / "home").quarters() == []
    assert not (tmp_path / "reports" / "2024Q3").exists()


def test_a_history_under_out_is_refused(tmp_path, capsys):
    """The history lies in the database's home: a --db whose folder would put it under --out is refused (exit 2)."""
    data = exports(tmp_path, "2024Q3")
    code = main(["run", "--data", str(data), "--out", str(tmp_path / "pub" / "history"), "--db",
                 str(tmp_path / "pub" / "r.duckdb"), "--quarter", "2024Q3", "--no-report"])
    assert code == 2
    assert "the history of remediation" in capsys.readouterr().err
    assert not os.path.exists(tmp_path / "pub" / "history.key")


def test_a_secret_replaced_since_starts_remediation_again(tmp_path, caplog):
    """Quarters recorded under another secret cannot be compared: the reason says so, a WARNING too."""
    review(tmp_path, "2024Q3")
    (tmp_path / "home" / remediation.KEY_FILE).unlink()
    found = review(tmp_path, "2024Q4")
    assert found["remediation"]["compared_with"] is None
    assert found["remediation"]["reason"] == "history_key_changed"
    assert "another secret" in caplog.text


def test_a_worklist_before_any_run_says_no_earlier_quarter_and_makes_no_secret(tmp_path):
    data = exports(tmp_path, "2024Q3")
    out = tmp_path / "worklist"
    assert main(["worklist", "--data", str(data), "--db", str(tmp_path / "home" / "r.duckdb"), "--quarter", "2024Q3",
                 "--out", str(out)]) == 0
    with open(out / "account_past_deadline.csv", newline="", encoding="utf-8") as handle:
        assert {r["remediation"] for r in csv.DictReader(handle)} == {"no recorded earlier run"}
    assert not (tmp_path / "home" / remediation.KEY_FILE).exists()
    assert not (tmp_path / "home" / remediation.HISTORY_DIR).exists()


def test_pseudonyms_are_the_rfc_2104_hmac_of_table_and_id_computed_column_wise():
    """The engine's HMAC written out equals Python's hmac, for one table and for a ``table`` column, with ids that
    are numbers, empty, non-ASCII or long (a 64-byte secret, and a longer one, which HMAC hashes first)."""
    from pipelines.remediation import KEY_DIGITS, pseudonyms

    ids = ["A1", "", "Lotte-é-✓", "x" * 300, "42"]
    for secret in (bytes(range(32)), bytes(range(64)), bytes(range(100))):
        by_hand = [hmac.new(secret, f"accounts\x1f{i}".encode(), "sha256").hexdigest()[:KEY_DIGITS] for i in ids]
        assert pseudonyms(secret, pl.DataFrame({"account_id": ids}), "account_id", "accounts").to_list() == by_hand
        tables = ["sessions", "web_visits", "sessions", "payments", "support_tickets"]
        frame = pl.DataFrame({"id": ids, "table": tables})
        assert pseudonyms(secret, frame, "id", None).to_list() == [
            hmac.new(secret, f"{t}\x1f{i}".encode(), "sha256").hexdigest()[:KEY_DIGITS] for t, i in zip(tables, ids)]


def test_the_digest_of_a_set_is_the_sha256_of_its_sorted_lines():
    from pipelines.remediation import ROWS, digest

    rows = pl.DataFrame({"category": ["logs", "accounts", "logs"], "key": ["zz", "é1", "Z9"],
                         "since": ["2026Q1", "2025Q4", "2026Q1"], "reported": [1, 3, 1]}, schema=ROWS)
    lines = sorted(f"{c}\t{k}\t{s}\t{r}\n" for c, k, s, r in rows.iter_rows())
    assert digest(rows) == hashlib.sha256("".join(lines).encode()).hexdigest()
    assert digest(rows.reverse()) == digest(rows)
    assert digest(pl.DataFrame(schema=ROWS)) == hashlib.sha256(b"").hexdigest()
    assert digest(None) is None


def test_canonical_order_is_the_sorted_lines_order_for_hex_keys_and_nested_category_names():
    """The digest hashes rows in canonical order (category, then the key by its first 15 hex digits, then the whole
    key) instead of sorting their text: for keys as the history writes them (32 hex digits, sharing long prefixes
    too) and a category that begins another, the two orders are one."""
    from pipelines.remediation import ROWS, canonical, digest

    keys = [os.urandom(16).hex() for _ in range(300)] + ["0" * 15 + "f" * 17, "0" * 15 + "e" * 17, "f" * 32]
    rows = pl.DataFrame({"category": [["logs", "logs_retention", "account"][i % 3] for i in range(len(keys))],
                         "key": keys, "since": ["2026Q1"] * len(keys), "reported": [1] * len(keys)}, schema=ROWS)
    lines = sorted(f"{c}\t{k}\t{s}\t{r}\n" for c, k, s, r in rows.iter_rows())
    ordered = canonical(rows.sample(fraction=1.0, shuffle=True, seed=3))
    assert [f"{c}\t{k}\t{s}\t{r}\n" for c, k, s, r in ordered.iter_rows()] == lines
    assert digest(ordered, ordered=True) == digest(rows) == hashlib.sha256("".join(lines).encode()).hexdigest()


def test_the_digest_hashed_piece_by_piece_is_the_digest_of_the_whole_text(monkeypatch):
    from pipelines import remediation as rem

    rows = pl.DataFrame({"category": ["a"] * 50, "key": [f"{i:032x}" for i in range(50)], "since": ["2026Q1"] * 50,
                         "reported": list(range(50))}, schema=rem.ROWS)
    whole = rem.digest(rows)
    monkeypatch.setattr(rem, "DIGEST_PIECE", 7)  # 50 rows in 8 pieces, the last one short
    assert rem.digest(rows) == whole
