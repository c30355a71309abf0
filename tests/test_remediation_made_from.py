"""What a recorded quarter was made from (docs/operations.md, "What a quarter was made from"): an earlier quarter
of another company's exports, another policy or a newer history format is not compared, with a WARNING and a
reason; an older file, or another version of the same policy, is compared with a note. Tiny inline histories:
the accounts are a few rows in an in-memory DuckDB, the earlier quarters written here."""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
from dataclasses import replace
from datetime import date, datetime, timedelta, timezone

import duckdb
import polars as pl
import pyarrow.parquet as pq
import pytest

from pipelines import remediation
from pipelines.dates import Quarter
from pipelines.policy import load_policy
from pipelines.report.kit import remediation as kit
from pipelines.report.kit.context import open_results
from tests.report.fake_results import write_fake_results
from tests.report.test_dutch_report import CODES, ENGLISH
from tests.test_remediation import review

POLICY = load_policy()
Q3, Q4, Q1 = Quarter(2024, 3), Quarter(2024, 4), Quarter(2025, 1)


def accounts(numbers, prefix="", first=date(2023, 1, 1)):
    """An in-memory database holding ``accounts`` (id, created_at): account ``prefix + n`` created n days after
    ``first``."""
    con = duckdb.connect()
    con.execute("SET TimeZone = 'Europe/Brussels'")
    con.execute("CREATE TABLE accounts (account_id VARCHAR, created_at TIMESTAMPTZ)")
    start = datetime.combine(first, datetime.min.time(), timezone.utc) + timedelta(hours=10)
    con.executemany("INSERT INTO accounts VALUES (?, ?)", [[f"{prefix}{n}", start + timedelta(days=n)] for n in numbers])
    return con


def company(n, prefix="", first=date(2023, 1, 1)):
    return accounts(range(1, n + 1), prefix, first)


@pytest.fixture
def history(tmp_path):
    found = remediation.History(tmp_path / "home")
    found.key(create=True)
    return found


def record(history, quarter, con, under=POLICY, **meta):
    """Record ``quarter`` as a run on ``con``'s accounts under the policy ``under`` would, with ``meta`` written over it."""
    secret = history.key(create=False)
    made = remediation.MadeFrom(under.name, under.version,
                                remediation.AccountSample(con, secret, lookup=[], own=True).own)
    block = {"compared_with": None, "reason": remediation.NO_EARLIER, "account": None}
    history.record(remediation.Recorded(quarter, quarter.end, remediation.key_check(secret), ["account"],
                                        pl.DataFrame([], schema=remediation.ROWS), block, made_from=made))
    if meta:  # a file as another version wrote it
        path = history.path(quarter)
        table = pq.read_table(path)
        written = {**json.loads(table.schema.metadata[remediation.META]), **meta}
        written = {k: v for k, v in written.items() if v is not None}
        pq.write_table(table.replace_schema_metadata({remediation.META: json.dumps(written).encode()}), path)


def look_back(history, con, policy=POLICY, quarter=Q4):
    return remediation.look_back(history, quarter, history.key(create=False), con, policy, own=True)


def test_the_same_companys_next_exports_are_compared_though_accounts_came_and_went(history):
    record(history, Q3, company(300))
    # 600 accounts more, the first 60 gone (erased and dropped from the exports)
    found = look_back(history, accounts(range(61, 901)))
    assert (found.reason, found.note, found.set_aside) == (None, None, None)
    assert found.recorded is not None and found.recorded.quarter == Q3
    assert [t["quarter"] for t in found.trend] == ["2024Q3"]


def test_another_companys_exports_are_not_compared_though_their_ids_are_the_same(history, caplog):
    record(history, Q3, company(300))
    other = company(300, first=date(2022, 6, 1))  # accounts 1, 2, 3, … too, created on other days
    with caplog.at_level(logging.WARNING):
        found = look_back(history, other)
    assert found.reason == remediation.OTHER_EXPORTS and found.recorded is None
    assert found.set_aside == Q3 and found.trend == []
    warning, = [r for r in caplog.records if r.levelno == logging.WARNING]
    assert "2024Q3 was recorded from other exports: 0 of the 256 accounts it sampled are in these exports" \
        in warning.getMessage()
    assert "it is not compared; remediation starts again from 2024Q4" in warning.getMessage()


def test_another_policy_is_not_compared(history, caplog):
    record(history, Q3, company(20), under=replace(POLICY, name="Another BV privacy policy"))
    with caplog.at_level(logging.WARNING):
        found = look_back(history, company(20))
    assert (found.reason, found.set_aside, found.recorded) == (remediation.OTHER_POLICY, Q3, None)
    assert "recorded under another policy ('Another BV privacy policy'; this run: 'Connexeon BV privacy policy')" \
        in caplog.text


def test_a_newer_history_format_is_not_read(history, caplog):
    # a later version may change every field: nothing but its format is read
    record(history, Q3, company(20), format=remediation.FORMAT + 1, check="?", remediation=None, categories=None)
    with caplog.at_level(logging.WARNING):
        found = look_back(history, company(20))
    assert (found.reason, found.set_aside, found.trend) == (remediation.NEWER_FORMAT, Q3, [])
    assert f"history format {remediation.FORMAT + 1}; this version reads up to {remediation.FORMAT}" in caplog.text


def test_a_quarter_recorded_before_its_origin_was_is_compared_with_a_warning(history, caplog):
    record(history, Q3, company(20), format=1, policy=None, exports=None)
    with caplog.at_level(logging.WARNING):
        found = look_back(history, company(20, first=date(2020, 1, 1)))
    assert found.reason is None and found.recorded is not None
    assert found.note.note == remediation.NOT_RECORDED
    assert "did not record which exports and policy it was made from: compared as this run's" in caplog.text


def test_another_version_of_the_same_policy_is_compared_with_a_note(history, caplog):
    record(history, Q3, company(20), under=replace(POLICY, version="2023-01-01"))
    with caplog.at_level(logging.INFO):
        found = look_back(history, company(20))
    assert found.reason is None and found.recorded is not None
    assert (found.note.note, found.note.version) == (remediation.POLICY_VERSION, "2023-01-01")
    assert not [r for r in caplog.records if r.levelno >= logging.WARNING]


def test_the_trend_leaves_out_the_quarters_of_other_exports(history):
    record(history, Quarter(2024, 2), company(50, first=date(2021, 1, 1)))  # another company's
    record(history, Q3, company(50))
    record(history, Q4, company(50))
    found = look_back(history, company(60), quarter=Q1)
    assert found.recorded.quarter == Q4 and [t["quarter"] for t in found.trend] == ["2024Q3", "2024Q4"]


def test_the_sample_is_keyed_by_the_secret_and_holds_no_id(history, tmp_path):
    con = company(400, prefix="acct-")
    secret = history.key(create=False)
    own = remediation.AccountSample(con, secret, lookup=[], own=True).own
    # SHA-256(k U+001F id U+001F created day), k derived from the secret: computed here by hand
    k = hmac.digest(secret, b"privacy-review exports sample", "sha256").hex()
    days = dict(con.execute("SELECT account_id, CAST(CAST(created_at AS DATE) AS VARCHAR) FROM accounts").fetchall())
    by_hand = sorted(hashlib.sha256(f"{k}\x1f{i}\x1f{d}".encode()).hexdigest()[:32] for i, d in days.items())
    assert list(own) == by_hand[:remediation.SAMPLE_ACCOUNTS]
    other = remediation.AccountSample(con, b"\x01" * remediation.KEY_BYTES, lookup=[], own=True).own
    assert not set(own) & set(other)
    record(history, Q3, con)
    text = history.path(Q3).read_bytes()
    assert b"acct-" not in text and own[0].encode() in text


@pytest.fixture(scope="module")
def two_companies(tmp_path_factory):
    """2024Q3 run on one company's exports, then 2024Q4 on another's (the same ids, created on other days), in one
    database home."""
    from pipelines.run import RunOptions, run
    from tests.test_remediation import exports

    root = tmp_path_factory.mktemp("two")
    first = review(root, "2024Q3")
    other = exports(root / "other", "2024Q4")
    text = (other / "accounts.csv").read_text()
    (other / "accounts.csv").write_text(text.replace("2023-", "2022-").replace("2024-01-01", "2022-12-01"))
    final = run(RunOptions(data_dir=other, out_dir=root / "reports", db_path=root / "home" / "r.duckdb",
                           quarter="2024Q4", report=False))
    return root, first, json.loads((final / "summary.json").read_text(encoding="utf-8"))


def test_a_run_on_another_companys_exports_compares_with_nothing(two_companies):
    root, _, second = two_companies
    assert second["remediation"] == {"compared_with": None, "reason": "other_exports", "set_aside": "2024Q3",
                                     "trend": []}
    meta = remediation.History(root / "home").meta(Q4)
    assert meta["format"] == remediation.FORMAT and meta["policy"] == {"name": POLICY.name, "version": POLICY.version}
    assert 0 < len(meta["exports"]["accounts"]) <= remediation.SAMPLE_ACCOUNTS


@pytest.mark.parametrize("summary, words", [
    ({"compared_with": None, "reason": "other_exports", "set_aside": "2024Q2", "trend": []},
     "The history's 2024Q2 was recorded from other exports (most of the accounts it sampled are not in these): it "
     "is not compared, and tracking starts again with 2024Q3."),
    ({"compared_with": None, "reason": "other_policy", "set_aside": "2024Q1", "trend": []},
     "The history's 2024Q1 was recorded under another policy"),
    ({"compared_with": None, "reason": "history_format_newer", "set_aside": "2024Q2", "trend": []},
     "written by a newer version of privacy-review, which this version cannot read"),
    ({"note": "policy_version_changed", "compared_policy_version": "2023-01-01"},
     "(2024Q2 was recorded under version 2023-01-01 of the policy: a record may be new or resolved"),
    ({"note": "made_from_not_recorded"},
     "(2024Q2 was recorded by an earlier version that did not note which exports and policy it was made from"),
])
def test_the_first_screen_says_why_in_words(tmp_path, summary, words):
    folder = write_fake_results(tmp_path / "2024Q3")
    written = json.loads((folder / "summary.json").read_text())
    written["remediation"] = {**written["remediation"], **summary} if "note" in summary else summary
    (folder / "summary.json").write_text(json.dumps(written))
    said = " ".join(kit.first_screen(open_results(folder, language="en")).split())
    assert words in said.replace("&#x27;", "'"), said
    dutch = kit.first_screen(open_results(folder, language="nl"))
    plain = " ".join(dutch.replace("&#x27;", "'").split("</strong>", 1)[1].split())
    assert ENGLISH.findall(plain) == [] and CODES.findall(plain) == [] and "2024Q" in plain, plain
