"""The synthetic export generator: deterministic, contract-shaped, valid unless asked for bad rows."""

from __future__ import annotations

import csv
from collections import Counter
from datetime import date, datetime, timedelta, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import pytest

from pipelines.contract import OUTCOMES, RIGHTS, SYNTHETIC_MARKER, TABLES, is_synthetic_export
from pipelines.sample.generate import BAD_TIMESTAMPS, write_sample

END = date(2026, 9, 30)
BRUSSELS = ZoneInfo("Europe/Brussels")


def read(path: Path) -> tuple[list[str], list[dict[str, str | None]]]:
    """Header and rows of a CSV export, empty fields as None (the contract's null)."""
    with open(path, encoding="utf-8", newline="") as handle:
        reader = csv.reader(handle)
        header = next(reader)
        rows = [{k: (v if v != "" else None) for k, v in zip(header, rec, strict=True)} for rec in reader]
    return header, rows


def parse_ts(text: str) -> datetime:
    value = datetime.fromisoformat(text)
    assert value.tzinfo is not None, f"{text!r}: no offset"
    return value


def load(directory: Path) -> dict[str, list[dict]]:
    return {name: read(directory / f"{name}.csv")[1] for name in TABLES}


@pytest.fixture(scope="module")
def clean(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("clean")
    return out, write_sample(out, accounts=200, seed=7, bad_rows=False)


@pytest.fixture(scope="module")
def dirty(tmp_path_factory) -> tuple[Path, dict[str, int]]:
    out = tmp_path_factory.mktemp("dirty")
    return out, write_sample(out, accounts=200, seed=7, bad_rows=True)


@pytest.fixture(scope="module")
def big(tmp_path_factory) -> dict[str, list[dict]]:
    """~2000 accounts, clean: for the shapes."""
    out = tmp_path_factory.mktemp("big")
    write_sample(out, accounts=2000, seed=42, bad_rows=False)
    return load(out)


# ---------------------------------------------------------------- files, columns, determinism


def test_every_table_with_the_contracts_columns_in_order(clean):
    out, counts = clean
    written = list(TABLES)
    assert set(counts) == set(written)
    for name in written:
        header, rows = read(out / f"{name}.csv")
        assert tuple(header) == TABLES[name].column_names, name
        assert len(rows) == counts[name], name
    assert sorted(p.name for p in out.iterdir()) == sorted([*(f"{name}.csv" for name in written), SYNTHETIC_MARKER])


def test_marks_the_export_as_synthetic(clean):
    out, _ = clean
    assert is_synthetic_export(out)
    assert not is_synthetic_export(out.parent)


def test_same_seed_same_bytes(tmp_path, dirty):
    out, counts = dirty
    again = write_sample(tmp_path, accounts=200, seed=7, bad_rows=True)
    assert again == counts
    for name in TABLES:
        assert (tmp_path / f"{name}.csv").read_bytes() == (out / f"{name}.csv").read_bytes(), name


def test_same_bytes_whatever_the_thread_count(tmp_path):
    one, many = tmp_path / "one", tmp_path / "many"
    write_sample(one, accounts=300, seed=3, threads=1)
    write_sample(many, accounts=300, seed=3, threads=4)
    for name in TABLES:
        assert (one / f"{name}.csv").read_bytes() == (many / f"{name}.csv").read_bytes(), name


def test_different_seed_different_data(tmp_path, dirty):
    out, _ = dirty
    write_sample(tmp_path, accounts=200, seed=8, bad_rows=True)
    for name in ("accounts", "sessions", "support_tickets", "web_visits"):
        assert (tmp_path / f"{name}.csv").read_bytes() != (out / f"{name}.csv").read_bytes(), name


def test_rejects_an_unknown_format(tmp_path):
    with pytest.raises(ValueError, match="fmt"):
        write_sample(tmp_path, accounts=10, fmt="xlsx")


def test_replaces_the_other_formats_file(tmp_path):
    write_sample(tmp_path, accounts=20, fmt="parquet")
    write_sample(tmp_path, accounts=20, fmt="csv")
    assert not list(tmp_path.glob("*.parquet")), "two sources for one table would be ambiguous to the loader"
    assert len(list(tmp_path.glob("*.csv"))) == len(TABLES)


# ---------------------------------------------------------------- clean exports are valid


def test_clean_export_keys_unique_required_present_timestamps_parse(clean):
    out, _ = clean
    data = load(out)
    for name, table in TABLES.items():
        rows = data[name]
        keys = [r[table.key] for r in rows]
        assert len(keys) == len(set(keys)), f"{name}: duplicate keys"
        for col in table.columns:
            for row in rows:
                value = row[col.name]
                if col.required:
                    assert value is not None, f"{name}.{col.name} empty in {row}"
                if value is None:
                    continue
                if col.type == "timestamp":
                    ts = parse_ts(value)
                    assert ts.astimezone(BRUSSELS).date() <= END, f"{name}.{col.name} after end: {value}"
                    assert ts.astimezone(BRUSSELS).date() >= END - timedelta(days=2 * 366), f"{name}.{col.name}: {value}"
                elif col.type == "boolean":
                    assert value in ("true", "false")
                if col.allowed and name != "support_tickets":  # tickets may use other channels (phone)
                    assert value in col.allowed, f"{name}.{col.name} = {value!r}"


def test_clean_export_has_no_orphans_or_impossible_orders(clean):
    out, _ = clean
    data = load(out)
    accounts = {a["account_id"]: a for a in data["accounts"]}
    ts = lambda v: parse_ts(v) if v else None  # noqa: E731
    for s in data["sessions"]:
        assert s["account_id"] in accounts
        account = accounts[s["account_id"]]
        assert ts(s["started_at"]) >= ts(account["created_at"])
        if account["erased_at"]:
            assert ts(s["started_at"]) <= ts(account["erased_at"])
        if s["ended_at"]:
            assert ts(s["ended_at"]) > ts(s["started_at"])
    for t in data["support_tickets"]:
        assert t["account_id"] is None or t["account_id"] in accounts
        created = ts(t["created_at"])
        if t["first_response_at"]:
            assert ts(t["first_response_at"]) >= created
        if t["resolved_at"]:
            assert ts(t["resolved_at"]) >= ts(t["first_response_at"]) >= created
        if t["anonymized_at"]:
            assert ts(t["anonymized_at"]) >= created
    for r in data["rights_requests"]:
        received = ts(r["received_at"])
        for col in ("identity_verified_at", "extension_notified_at", "completed_at"):
            if r[col]:
                assert ts(r[col]) >= received, (col, r)
        assert (r["completed_at"] is None) == (r["outcome"] is None), r
    for a in data["accounts"]:
        assert (a["status"] == "active") == (a["erased_at"] is None), a
        if a["erased_at"]:
            assert ts(a["erased_at"]) >= ts(a["created_at"])
    for m in data["marketing_contacts"]:
        if m["consent_withdrawn_at"]:
            assert ts(m["consent_withdrawn_at"]) > ts(m["consent_given_at"])
    for p in data["payments"]:
        assert accounts[p["account_id"]]["plan"] == "paid"
    for v in data["web_visits"]:
        assert v["account_id"] is None or v["account_id"] in accounts


def test_clean_export_loads_in_duckdb_with_contract_types(clean):
    out, _ = clean
    con = duckdb.connect()
    for name, table in TABLES.items():
        types = {c.name: {"text": "VARCHAR", "timestamp": "TIMESTAMPTZ", "boolean": "BOOLEAN"}[c.type] for c in table.columns}
        columns = "{" + ", ".join(f"'{k}': '{v}'" for k, v in types.items()) + "}"
        n = con.execute(f"SELECT count(*) FROM read_csv('{out / (name + '.csv')}', header = true, columns = {columns})").fetchone()[0]
        assert n == len(read(out / f"{name}.csv")[1])


# ---------------------------------------------------------------- bad rows


def test_bad_rows_are_there_in_every_table(dirty, clean):
    out, counts = dirty
    _, clean_counts = clean
    data = load(out)
    accounts = {a["account_id"] for a in data["accounts"] if a["account_id"]}
    for name, table in TABLES.items():
        rows = data[name]
        keys = Counter(r[table.key] for r in rows if r[table.key])
        dups = sum(c - 1 for c in keys.values())
        assert dups >= 1, f"{name}: no duplicate key"
        assert counts[name] == clean_counts[name] + dups, name
        missing = sum(1 for r in rows for c in table.columns if c.required and r[c.name] is None)
        assert missing >= 1, f"{name}: no missing required value"
        bad_ts = 0
        for r in rows:
            for c in table.columns:
                if c.type == "timestamp" and r[c.name] is not None:
                    try:
                        datetime.fromisoformat(r[c.name])
                    except ValueError:
                        assert r[c.name] in BAD_TIMESTAMPS
                        bad_ts += 1
        assert bad_ts >= 1, f"{name}: no bad timestamp"
        share = (dups + missing + bad_ts) / len(rows)
        if len(rows) > 2000:
            assert share < 0.01, f"{name}: {share:.2%} bad rows"
    # a duplicate is a later copy of an earlier row, the same in every field
    sessions = data["sessions"]
    seen: dict[str, int] = {}
    for i, s in enumerate(sessions):
        if s["session_id"] in seen:
            assert s == sessions[seen[s["session_id"]]]
        elif s["session_id"]:
            seen[s["session_id"]] = i
    orphans = [s for s in sessions if s["account_id"] and s["account_id"] not in accounts]
    assert 3 <= len(orphans) <= 20
    def ok(v):
        try:
            return datetime.fromisoformat(v)
        except (TypeError, ValueError):
            return None
    backwards = [t for t in data["support_tickets"]
                 if ok(t["resolved_at"]) and ok(t["created_at"]) and ok(t["resolved_at"]) < ok(t["created_at"])]
    assert len(backwards) >= 2


def test_bad_rows_leave_the_other_rows_alone(dirty, clean):
    """Bad rows are laid over the clean export: every clean row is still there, or is the one that was spoiled."""
    out, _ = dirty
    clean_out, _ = clean
    for name in TABLES:
        bad = {tuple(r.values()) for r in read(out / f"{name}.csv")[1]}
        good = [tuple(r.values()) for r in read(clean_out / f"{name}.csv")[1]]
        changed = sum(1 for r in good if r not in bad)
        assert changed <= max(6, 0.01 * len(good)), f"{name}: {changed} rows differ"


def test_parquet_native_types_and_its_bad_rows(tmp_path):
    counts = write_sample(tmp_path, accounts=300, seed=5, fmt="parquet", bad_rows=True)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for name, table in TABLES.items():
        path = tmp_path / f"{name}.parquet"
        schema = con.execute(f"DESCRIBE SELECT * FROM '{path}'").fetchall()
        assert tuple(r[0] for r in schema) == table.column_names
        expected = {"text": "VARCHAR", "timestamp": "TIMESTAMP WITH TIME ZONE", "boolean": "BOOLEAN"}
        assert [r[1] for r in schema] == [expected[c.type] for c in table.columns], name
        n, distinct, nulls = con.execute(
            f'SELECT count(*), count(DISTINCT "{table.key}"), count(*) - count("{table.key}") FROM \'{path}\''
        ).fetchone()
        assert n == counts[name]
        assert n - nulls > distinct, f"{name}: no duplicate key"
        required = " OR ".join(f'"{c.name}" IS NULL' for c in table.columns if c.required)
        assert con.execute(f"SELECT count(*) FROM '{path}' WHERE {required}").fetchone()[0] >= 1, name
    orphans = con.execute(
        f"SELECT count(*) FROM '{tmp_path}/sessions.parquet' WHERE account_id NOT IN "
        f"(SELECT account_id FROM '{tmp_path}/accounts.parquet' WHERE account_id IS NOT NULL)"
    ).fetchone()[0]
    assert orphans >= 3
    backwards = con.execute(f"SELECT count(*) FROM '{tmp_path}/support_tickets.parquet' WHERE resolved_at < created_at").fetchone()[0]
    assert backwards >= 2


def test_parquet_same_rows_for_a_seed_and_clean_when_asked(tmp_path):
    a, b, c = tmp_path / "a", tmp_path / "b", tmp_path / "c"
    write_sample(a, accounts=300, seed=5, fmt="parquet", bad_rows=False)
    write_sample(b, accounts=300, seed=5, fmt="parquet", bad_rows=False, threads=1)
    write_sample(c, accounts=300, seed=6, fmt="parquet", bad_rows=False)
    con = duckdb.connect()
    for name, table in TABLES.items():
        diff = f"SELECT count(*) FROM (SELECT * FROM '{a}/{name}.parquet' EXCEPT ALL SELECT * FROM '{{}}/{name}.parquet')"
        assert con.execute(diff.format(b)).fetchone()[0] == 0, name
        if name in ("accounts", "sessions"):
            assert con.execute(diff.format(c)).fetchone()[0] > 0, name
        n, distinct = con.execute(f'SELECT count(*), count(DISTINCT "{table.key}") FROM \'{a}/{name}.parquet\'').fetchone()
        assert n == distinct
        required = " OR ".join(f'"{c.name}" IS NULL' for c in table.columns if c.required)
        assert con.execute(f"SELECT count(*) FROM '{a}/{name}.parquet' WHERE {required}").fetchone()[0] == 0, name


def test_csv_and_parquet_hold_the_same_data(tmp_path):
    write_sample(tmp_path / "csv", accounts=150, seed=9, bad_rows=False)
    write_sample(tmp_path / "pq", accounts=150, seed=9, fmt="parquet", bad_rows=False)
    con = duckdb.connect()
    con.execute("SET TimeZone = 'UTC'")
    for name in TABLES:
        n = con.execute(
            f"SELECT count(*) FROM (SELECT * FROM read_csv('{tmp_path}/csv/{name}.csv', header = true, "
            f"timestampformat = '%Y-%m-%dT%H:%M:%S%z') EXCEPT ALL SELECT * FROM '{tmp_path}/pq/{name}.parquet')"
        ).fetchone()[0]
        assert n == 0, name


# ---------------------------------------------------------------- shapes


def test_accounts_shape(big):
    accounts = big["accounts"]
    status = Counter(a["status"] for a in accounts)
    assert status["deleted"] >= 20 and status["anonymized"] >= 20
    assert 0.6 < status["active"] / len(accounts) < 0.95
    plans = Counter(a["plan"] for a in accounts)
    assert set(plans) == {"free", "trial", "paid", "demo"}
    countries = Counter(a["country"] for a in accounts)
    assert countries.most_common(1)[0][0] == "BE" and {"NL", "FR", "DE"} <= set(countries)
    holds = sum(a["legal_hold"] == "true" for a in accounts)
    assert 1 <= holds <= 0.02 * len(accounts)
    assert any(a["last_login_at"] is None for a in accounts)
    created = sorted(parse_ts(a["created_at"]) for a in accounts)
    assert created[-1] - created[0] > timedelta(days=700)


def test_inactive_accounts_are_mostly_erased_some_late_some_never(big):
    sessions_by_account: dict[str, datetime] = {}
    for s in big["sessions"]:
        t = parse_ts(s["started_at"])
        if t > sessions_by_account.get(s["account_id"], datetime.min.replace(tzinfo=timezone.utc)):
            sessions_by_account[s["account_id"]] = t
    cutoff = datetime(2025, 9, 30, tzinfo=timezone.utc)
    on_time = late = never = 0
    for a in big["accounts"]:
        last = max(filter(None, [sessions_by_account.get(a["account_id"]),
                                 parse_ts(a["last_login_at"]) if a["last_login_at"] else None,
                                 parse_ts(a["created_at"])]))
        if last >= cutoff:
            continue
        if a["erased_at"] is None:
            never += 1
        elif parse_ts(a["erased_at"]) <= last + timedelta(days=365):
            on_time += 1
        else:
            late += 1
    assert on_time > late > 0 and never > 0
    assert on_time + late > never


def test_sessions_shape(big):
    sessions = big["sessions"]
    per_account = Counter(s["account_id"] for s in sessions)
    mean = len(sessions) / len(big["accounts"])
    assert 10 <= mean <= 20  # default 15 per account
    assert max(per_account.values()) > 5 * mean  # heavy users
    erased = {a["account_id"] for a in big["accounts"] if a["erased_at"]}
    of_erased = [s for s in sessions if s["account_id"] in erased]
    kept = [s for s in of_erased if s["ip_address"] or s["device_id"]]
    assert of_erased and 0 < len(kept) < 0.2 * len(of_erased)  # mostly scrubbed, some residual data
    live = [s for s in sessions if s["account_id"] not in erased]
    assert sum(1 for s in live if s["ip_address"]) > 0.9 * len(live)
    ips = [s["ip_address"] for s in live if s["ip_address"]]
    assert all(len(ip.split(".")) == 4 and all(0 <= int(p) <= 255 for p in ip.split(".")) for ip in ips)
    assert all(len(s["device_id"]) == 16 and int(s["device_id"], 16) >= 0 for s in live if s["device_id"])
    assert any(s["ended_at"] is None for s in sessions)
    offsets = Counter(s["started_at"][-6:] for s in sessions if not s["started_at"].endswith("Z"))
    assert offsets["+01:00"] > 0 and offsets["+02:00"] > 0  # local time, winter and summer


def test_support_tickets_shape(big):
    tickets = big["support_tickets"]
    channels = Counter(t["channel"] for t in tickets)
    assert {"help_center", "live_chat", "email"} <= set(channels) and len(channels) == 4  # plus "other" (phone)
    categories = Counter(t["category"] for t in tickets)
    assert 0.02 < categories["privacy"] / len(tickets) < 0.09
    assert any(t["account_id"] is None for t in tickets)
    assert any(t["resolved_at"] is None for t in tickets)

    def median_response(channel: str) -> float:
        delays = sorted(
            (parse_ts(t["first_response_at"]) - parse_ts(t["created_at"])).total_seconds()
            for t in tickets if t["channel"] == channel and t["first_response_at"]
        )
        return delays[len(delays) // 2]

    assert median_response("live_chat") < 15 * 60 < median_response("help_center") < median_response("email")
    erased = {a["account_id"] for a in big["accounts"] if a["erased_at"]}
    of_erased = [t for t in tickets if t["account_id"] in erased]
    assert sum(1 for t in of_erased if t["anonymized_at"]) > 0.7 * len(of_erased)


def test_rights_requests_shape(big):
    requests = big["rights_requests"]
    assert 80 <= len(requests) <= 400
    assert {r["right"] for r in requests} == set(RIGHTS)
    assert {r["channel"] for r in requests} == {"email", "help_center", "live_chat", "other"}
    assert {r["outcome"] for r in requests if r["outcome"]} == set(OUTCOMES)
    assert any(r["account_id"] is None for r in requests)
    open_ = [r for r in requests if r["completed_at"] is None]
    assert 0 < len(open_) < 0.3 * len(requests)
    assert any(r["identity_verified_at"] for r in requests)

    def months_later(t: datetime, n: int) -> datetime:
        return t + timedelta(days=30.44 * n)

    in_a_month = extended = late = 0
    for r in requests:
        if not r["completed_at"]:
            continue
        received, done = parse_ts(r["received_at"]), parse_ts(r["completed_at"])
        if done <= months_later(received, 1):
            in_a_month += 1
        elif r["extension_notified_at"] and parse_ts(r["extension_notified_at"]) < months_later(received, 1):
            extended += 1
            assert done <= months_later(received, 3)
        else:
            late += 1
    assert in_a_month > 0.5 * len(requests) and extended > 0 and late > 0


def test_marketing_web_and_payments_shape(big):
    contacts = big["marketing_contacts"]
    assert any(c["account_id"] is None for c in contacts) and any(c["account_id"] for c in contacts)
    withdrawn = [c for c in contacts if c["consent_withdrawn_at"]]
    after = [c for c in withdrawn if parse_ts(c["last_communication_at"]) > parse_ts(c["consent_withdrawn_at"])]
    assert withdrawn and 0 < len(after) < 0.3 * len(withdrawn)
    old = [c for c in contacts if parse_ts(c["last_communication_at"]) < datetime(2025, 9, 30, tzinfo=timezone.utc)]
    assert old

    visits = big["web_visits"]
    visitors = Counter(v["visitor_id"] for v in visits)
    assert len(visitors) < len(visits)
    assert 0 < sum(1 for v in visits if v["account_id"]) < len(visits)

    payments = big["payments"]
    per_account = Counter(p["account_id"] for p in payments)
    paid = sum(1 for a in big["accounts"] if a["plan"] == "paid")
    assert len(per_account) == paid
    assert max(per_account.values()) >= 12  # monthly over a year or more


def test_history_follows_end_and_years(tmp_path):
    write_sample(tmp_path, accounts=100, seed=1, bad_rows=False, end=date(2024, 3, 31), years=1.0)
    _, accounts = read(tmp_path / "accounts.csv")
    _, sessions = read(tmp_path / "sessions.csv")
    stamps = [parse_ts(a["created_at"]) for a in accounts] + [parse_ts(s["started_at"]) for s in sessions]
    assert max(stamps).astimezone(BRUSSELS).date() == date(2024, 3, 31)
    assert min(stamps).astimezone(BRUSSELS).date() >= date(2023, 3, 30)


def test_weighted_values_are_the_contracts():
    from pipelines import contract
    from pipelines.sample import generate

    assert {v for v, _ in generate.PLANS_WEIGHTS} == set(contract.PLANS)
    assert {v for v, _ in generate.RIGHTS_WEIGHTS} == set(contract.RIGHTS)
    assert {v for v, _ in generate.REQUEST_CHANNELS_WEIGHTS} == set(contract.REQUEST_CHANNELS)
    assert {v for v, _ in generate.OUTCOMES_WEIGHTS} == set(contract.OUTCOMES)
    assert set(contract.TICKET_CHANNELS) < {v for v, _ in generate.TICKET_CHANNELS_WEIGHTS}


def test_clean_sample_loads_with_zero_rejects_and_dirty_sample_balances(tmp_path):
    """The generator and the loader agree: rows in = loaded + set aside, none set aside when clean."""
    from pipelines.load import load_exports

    for fmt in ("csv", "parquet"):
        write_sample(tmp_path / f"clean-{fmt}", accounts=150, seed=11, fmt=fmt, bad_rows=False)
        report = load_exports(tmp_path / f"clean-{fmt}", tmp_path / f"clean-{fmt}.duckdb")
        assert set(report.rows_rejected.values()) == {0}, (fmt, report.rows_rejected)
        assert sum(report.rows_loaded.values()) > 1000
    write_sample(tmp_path / "dirty", accounts=150, seed=11, fmt="csv", bad_rows=True)
    report = load_exports(tmp_path / "dirty", tmp_path / "dirty.duckdb")
    assert sum(report.rows_rejected.values()) > 0
    for table, n in report.rows_in.items():
        assert n == report.rows_loaded[table] + report.rows_rejected[table]
