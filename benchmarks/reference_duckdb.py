"""A minimal hand-written DuckDB computation of the main summary.json figures, straight from the export files.

    .venv/bin/python benchmarks/reference_duckdb.py /work/bench/run/data/n10000-parquet-lapses-s7 [--quarter 2026Q2]

The yardstick of docs/benchmarks.md: ``privacy-review run --no-report`` should take at
most twice as long. It reads ``<table>.parquet`` (or a ``<table>/`` folder of Parquet
files, in DuckDB's sorted order) or ``<table>.csv`` with fixed column types, and sets
aside what the loader sets aside for the bad rows ``privacy-review sample`` writes (the
``lapses`` profile's included): a row missing a required value, a CSV row with a
timestamp that does not parse, each later copy of a key (docs/bad-data.md); it
reports nothing about them. It has no other quarantine logic (ragged lines, stray
quotes, bad booleans, timestamps without an offset), no column mapping, no tables, no
previous quarter. Definitions are docs/contract.md §2-§3 and its readings (20-23
included); the policy's figures are written in below (the shipped policy of
2024-06-17, clock starting at receipt). Prints the ``inactivity``, ``retention``,
``support`` and ``rights`` blocks as JSON, with the keys summary.json uses.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import duckdb
import holidays

ZONE = "Europe/Brussels"
ACCOUNT_MONTHS, SUPPORT_MONTHS, MARKETING_MONTHS, ANALYTICS_MONTHS, PAYMENTS_MONTHS = 12, 12, 12, 24, 120
GRACE_DAYS, DUE_SOON_DAYS = 30, 30
DEADLINE_MONTHS, EXTENDED_MONTHS = 1, 3
CHANNELS = ("help_center", "live_chat", "email")
RIGHTS = ("access", "rectification", "erasure", "restriction", "objection", "portability", "consent_withdrawal")

T, S, B = "TIMESTAMPTZ", "VARCHAR", "BOOLEAN"
#: the columns the figures need, typed for CSV (the other columns are not read)
COLUMNS = {
    "accounts": {"account_id": S, "created_at": T, "erased_at": T, "last_login_at": T, "legal_hold": B},
    "sessions": {"account_id": S, "started_at": T, "ended_at": T, "ip_address": S, "device_id": S},
    "support_tickets": {"ticket_id": S, "account_id": S, "channel": S, "category": S, "created_at": T,
                        "first_response_at": T, "resolved_at": T, "anonymized_at": T},
    "rights_requests": {"request_id": S, "right": S, "received_at": T, "extension_notified_at": T, "completed_at": T},
    "marketing_contacts": {"contact_id": S, "account_id": S, "consent_withdrawn_at": T, "last_communication_at": T},
    "web_visits": {"visitor_id": S, "account_id": S, "visited_at": T},
    "payments": {"account_id": S, "paid_at": T},
}
#: each table's key, then its other required columns (docs/contract.md §1): a row lacking one is set aside
REQUIRED = {
    "accounts": ("account_id", "created_at", "plan", "status"),
    "sessions": ("session_id", "account_id", "started_at"),
    "support_tickets": ("ticket_id", "channel", "category", "created_at"),
    "rights_requests": ("request_id", "right", "channel", "received_at"),
    "marketing_contacts": ("contact_id", "last_communication_at"),
    "web_visits": ("visit_id", "visitor_id", "visited_at"),
    "payments": ("payment_id", "account_id", "paid_at"),
}
#: every timestamp column: a CSV row with one that does not parse is set aside whole (contract reading 2)
TIMESTAMPS = {
    "accounts": ("created_at", "erased_at", "last_login_at", "closed_at"),
    "sessions": ("started_at", "ended_at"),
    "support_tickets": ("created_at", "first_response_at", "resolved_at", "anonymized_at"),
    "rights_requests": ("received_at", "identity_verified_at", "extension_notified_at", "completed_at"),
    "marketing_contacts": ("consent_given_at", "consent_withdrawn_at", "last_communication_at"),
    "web_visits": ("visited_at",),
    "payments": ("paid_at",),
}


def source(data: Path, table: str) -> str:
    """A DuckDB table function over the table's export file (CSV: timestamps as text, checked in ``load``)."""
    if (data / f"{table}.parquet").exists():
        return f"read_parquet('{data / table}.parquet')"
    if (data / table).is_dir():
        return f"read_parquet('{data / table}/*.parquet')"
    types = {**COLUMNS[table], **{c: S for c in TIMESTAMPS[table]}}
    types = "{" + ", ".join(f"'{c}': '{t}'" for c, t in types.items()) + "}"
    return f"read_csv('{data / table}.csv', header = true, types = {types})"


def load(con: duckdb.DuckDBPyConnection, data: Path) -> None:
    """Each table's needed columns as an in-memory table (two reads of each file), set aside as the loader does
    for the bad rows `privacy-review sample` writes (docs/bad-data.md): a missing required value, a CSV
    timestamp that does not parse, a later copy of a key (the first in file order is kept). Orphans and
    impossible orders stay: the figures below keep them out where the contract says (readings 3, 4, 12)."""
    for table, cols in COLUMNS.items():
        key = REQUIRED[table][0]
        csv = not (data / f"{table}.parquet").exists() and not (data / table).is_dir()
        stamps = TIMESTAMPS[table] if csv else ()
        select = ", ".join(f'"{c}"' for c in cols)
        if table == "sessions":  # only whether a session still holds an IP or device id
            select = "account_id, started_at, ended_at, ip_address IS NOT NULL OR device_id IS NOT NULL AS pii"
        kept = " AND ".join([*(f'"{c}" IS NOT NULL' for c in REQUIRED[table]),
                             *(f'("{c}" IS NULL) = (TRY_CAST("{c}" AS {T}) IS NULL)' for c in stamps)])
        casts = ", ".join(f'TRY_CAST("{c}" AS {T}) AS "{c}"' for c in stamps)
        typed = f"REPLACE ({casts})" if stamps else ""
        # the later copies of a key found on (key, line) alone, and the file read again rather than held:
        # half the time and memory of numbering whole rows per key
        con.sql(f"""CREATE TABLE "{table}" AS
            WITH loadable AS NOT MATERIALIZED (SELECT * {typed} FROM (
                SELECT *, row_number() OVER () AS line FROM {source(data, table)}) WHERE {kept})
            SELECT {select} FROM loadable WHERE line NOT IN (
                SELECT line FROM loadable QUALIFY row_number() OVER (PARTITION BY "{key}" ORDER BY line) > 1)""")


def latest_quarter(con: duckdb.DuckDBPyConnection, today: date) -> date:
    """The start of the last full quarter ending before the newest date in accounts, sessions, tickets (§2)."""
    newest = con.execute(
        """SELECT max(d) FROM (
            SELECT max(greatest(created_at, erased_at, last_login_at))::DATE AS d FROM accounts
            UNION ALL SELECT max(greatest(started_at, ended_at))::DATE FROM sessions
            UNION ALL SELECT max(greatest(created_at, first_response_at, resolved_at, anonymized_at))::DATE
                FROM support_tickets)"""
    ).fetchone()[0]
    bound = min(today, newest)
    start = date(bound.year, 3 * ((bound.month - 1) // 3) + 1, 1)
    end = quarter_end(start)
    return start if end < bound else quarter_start_before(start)


def quarter_end(start: date) -> date:
    nxt = date(start.year + (start.month == 10), (start.month + 2) % 12 + 1, 1)
    return nxt - timedelta(days=1)


def quarter_start_before(start: date) -> date:
    return date(start.year - (start.month == 1), (start.month - 4) % 12 + 1, 1)


SQL = f"""
CREATE TEMP MACRO plus_months(d, n) AS CAST(CAST(d AS DATE) + to_months(CAST(n AS INTEGER)) AS DATE);
CREATE TEMP TABLE deadlines AS
WITH s AS (
    SELECT account_id, max(started_at) AS last_session, count(*) FILTER (WHERE pii) AS pii_sessions
    FROM sessions WHERE started_at < $end GROUP BY account_id
), a AS (
    SELECT account_id, created_at,
        CASE WHEN erased_at::DATE <= $as_of THEN erased_at::DATE END AS erased_on,
        coalesce(legal_hold, false) AS hold,
        CASE WHEN last_login_at < $end THEN last_login_at END AS login
    FROM accounts WHERE created_at < $end
), d AS (
    SELECT a.*, coalesce(s.pii_sessions, 0) AS pii_sessions,
        coalesce(greatest(s.last_session, a.login), a.created_at)::DATE AS last_on
    FROM a LEFT JOIN s USING (account_id)
)
SELECT *, plus_months(last_on, {ACCOUNT_MONTHS}) AS deadline,
    (year($as_of) - year(last_on)) * 12 + month($as_of) - month(last_on)
      - CASE WHEN plus_months(last_on, (year($as_of) - year(last_on)) * 12 + month($as_of) - month(last_on)) > $as_of
        THEN 1 ELSE 0 END AS months
FROM d;

CREATE TEMP TABLE breaches AS
WITH known_accounts AS (  -- every account of the export; erased_on and deadline only if it exists by as_of (reading 19)
    SELECT a.account_id, coalesce(a.legal_hold, false) AS hold, d.account_id IS NOT NULL AS exists_now, d.erased_on,
        d.deadline
    FROM accounts a LEFT JOIN deadlines d USING (account_id)
), tickets AS (
    SELECT t.account_id, k.exists_now, k.erased_on, k.deadline, k.hold,
        (CASE WHEN t.resolved_at < $end THEN t.resolved_at ELSE t.created_at END)::DATE AS closed_on
    FROM support_tickets t LEFT JOIN known_accounts k USING (account_id)
    WHERE t.created_at < $end AND (t.anonymized_at IS NULL OR t.anonymized_at >= $end)
), marketing AS (
    SELECT m.account_id, k.account_id AS known, k.erased_on, k.hold, m.last_communication_at::DATE AS last_on
    FROM marketing_contacts m LEFT JOIN known_accounts k USING (account_id) WHERE m.last_communication_at < $end
), visits AS (
    SELECT k.erased_on, k.hold, max(v.visited_at::DATE) OVER (PARTITION BY v.visitor_id) AS last_on
    FROM web_visits v LEFT JOIN known_accounts k USING (account_id) WHERE v.visited_at < $end
), held_rows (figure, n, deadline, erased_on, hold) AS (  -- each row with its own rule's deadline
    SELECT 'account', 1, deadline, NULL, hold FROM deadlines WHERE erased_on IS NULL
    UNION ALL SELECT 'logs', pii_sessions, deadline, erased_on, hold FROM deadlines WHERE pii_sessions > 0
    UNION ALL SELECT 'support', 1, CASE WHEN account_id IS NULL THEN plus_months(closed_on, {SUPPORT_MONTHS}) ELSE deadline END,
        erased_on, hold FROM tickets WHERE account_id IS NULL OR exists_now
    UNION ALL SELECT 'marketing', 1, plus_months(last_on, {MARKETING_MONTHS}), erased_on, hold
        FROM marketing WHERE account_id IS NULL OR known IS NOT NULL
    UNION ALL SELECT 'analytics', 1, plus_months(last_on, {ANALYTICS_MONTHS}), erased_on, hold FROM visits
    UNION ALL SELECT 'payments', 1, greatest(plus_months(make_date(year(paid_at::DATE) + 1, 1, 1), {PAYMENTS_MONTHS}),
        k.deadline), NULL, k.hold FROM payments LEFT JOIN known_accounts k USING (account_id) WHERE paid_at < $end
), judged AS (  -- reading 20: past its own deadline, a row is its rule's breach; else an erased account's is residual
    SELECT CASE WHEN deadline < $as_of OR erased_on IS NULL THEN figure ELSE 'residual' END AS category, n,
        CASE WHEN deadline < $as_of OR erased_on IS NULL THEN deadline ELSE erased_on + {GRACE_DAYS} END AS deadline
    FROM held_rows WHERE NOT coalesce(hold, false)  -- reading 21: a legal hold exempts every row of its account
)
SELECT category, sum(n) AS breaches, max($as_of - deadline) AS oldest
FROM judged WHERE deadline < $as_of GROUP BY category;

CREATE TEMP TABLE tickets AS
WITH t AS (
    SELECT CASE WHEN lower(trim(channel)) IN {CHANNELS} THEN lower(trim(channel)) ELSE 'other' END AS channel,
        coalesce(lower(trim(category)) = 'privacy', false) AS privacy, created_at, created_at::DATE >= $quarter_start AS in_q,
        CASE WHEN first_response_at::DATE <= $as_of THEN first_response_at END AS fr,
        CASE WHEN resolved_at::DATE <= $as_of THEN resolved_at END AS res
    FROM support_tickets WHERE created_at::DATE <= $as_of
)
SELECT channel, privacy, in_q, res IS NULL AS open,
    CASE WHEN NOT coalesce(res < created_at, false) AND NOT coalesce(fr < created_at, false)
        THEN (epoch(fr) - epoch(created_at)) / 3600.0 END AS fr_hours,
    CASE WHEN NOT coalesce(res < created_at, false) THEN (epoch(res) - epoch(created_at)) / 3600.0 END AS res_hours
FROM t WHERE in_q OR res IS NULL;

CREATE TEMP TABLE requests AS
WITH r AS (
    SELECT CASE WHEN replace(replace(lower(trim("right")), ' ', '_'), '-', '_') IN {RIGHTS}
                THEN replace(replace(lower(trim("right")), ' ', '_'), '-', '_') ELSE 'other' END AS "right",
        received_at::DATE AS start_on,
        CASE WHEN extension_notified_at::DATE <= $as_of THEN extension_notified_at::DATE END AS notified_on,
        CASE WHEN completed_at::DATE <= $as_of THEN completed_at::DATE END AS completed_on
    FROM rights_requests WHERE received_at::DATE <= $as_of
), cal_days AS (
    SELECT CAST(d AS DATE) AS day, isodow(d) < 6 AND CAST(d AS DATE) NOT IN (SELECT day FROM holiday) AS working
    FROM range(CAST((SELECT min(start_on) FROM r) AS TIMESTAMP),
               CAST($as_of AS TIMESTAMP) + INTERVAL {EXTENDED_MONTHS + 1} MONTH, INTERVAL 1 DAY) t(d)
), cal AS (
    SELECT day, min(CASE WHEN working THEN day END) OVER (ORDER BY day DESC) AS next_working FROM cal_days
), dated AS (
    SELECT r.*, c1.next_working AS deadline, c3.next_working AS extended
    FROM r JOIN cal c1 ON c1.day = plus_months(r.start_on, {DEADLINE_MONTHS})
           JOIN cal c3 ON c3.day = plus_months(r.start_on, {EXTENDED_MONTHS})
)
SELECT *,
    CASE WHEN notified_on IS NULL THEN 'none' WHEN notified_on <= deadline THEN 'valid' ELSE 'invalid' END AS extension,
    CASE WHEN notified_on <= deadline THEN extended ELSE deadline END AS due_on
FROM dated;

-- contract reading 23: a consent withdrawal counts in received and by right only
CREATE TEMP VIEW art12 AS SELECT * FROM requests WHERE "right" <> 'consent_withdrawal';
"""

FIGURES = f"""
SELECT
    (SELECT count(*) FROM deadlines WHERE erased_on IS NULL) AS population,
    (SELECT count(*) FROM deadlines WHERE erased_on IS NULL AND deadline > $as_of
        AND deadline <= $as_of + {DUE_SOON_DAYS}) AS due_next_30d,
    (SELECT count(*) FROM marketing_contacts WHERE consent_withdrawn_at < $end AND last_communication_at < $end
        AND last_communication_at > consent_withdrawn_at) AS withdrawn_consent_contacted,
    (SELECT count(*) FROM deadlines WHERE erased_on >= $quarter_start AND erased_on > deadline) AS late_erasures,
    (SELECT max(erased_on - deadline) FROM deadlines WHERE erased_on >= $quarter_start AND erased_on > deadline)
        AS late_erasures_max_days,
    (SELECT count(*) FROM tickets WHERE in_q) AS tickets,
    (SELECT quantile_cont(fr_hours, 0.5) FROM tickets WHERE in_q) AS fr_median,
    (SELECT quantile_cont(fr_hours, 0.9) FROM tickets WHERE in_q) AS fr_p90,
    (SELECT quantile_cont(res_hours, 0.5) FROM tickets WHERE in_q) AS res_median,
    (SELECT quantile_cont(res_hours, 0.9) FROM tickets WHERE in_q) AS res_p90,
    (SELECT count(*) FROM tickets WHERE open) AS backlog,
    (SELECT count(*) FILTER (WHERE privacy) / nullif(count(*), 0) FROM tickets WHERE in_q) AS privacy_share,
    (SELECT count(*) FROM requests WHERE start_on >= $quarter_start) AS received,
    (SELECT count(*) FROM art12 WHERE completed_on >= $quarter_start) AS completed,
    (SELECT count(*) FILTER (WHERE completed_on <= due_on) / nullif(count(*), 0) FROM art12
        WHERE completed_on >= $quarter_start) AS on_time_rate,
    (SELECT quantile_cont(CAST(completed_on - start_on AS DOUBLE), 0.5) FROM art12
        WHERE completed_on >= $quarter_start AND completed_on >= start_on) AS days_median,
    (SELECT quantile_cont(CAST(completed_on - start_on AS DOUBLE), 0.9) FROM art12
        WHERE completed_on >= $quarter_start AND completed_on >= start_on) AS days_p90,
    (SELECT count(*) FROM art12 WHERE start_on >= $quarter_start AND extension = 'valid') AS ext_valid,
    (SELECT count(*) FROM art12 WHERE start_on >= $quarter_start AND extension = 'invalid') AS ext_invalid,
    (SELECT count(*) FROM art12 WHERE completed_on IS NULL AND due_on < $as_of) AS open_overdue,
    (SELECT count(*) FROM art12 WHERE completed_on IS NULL AND due_on >= $as_of) AS open_not_due
"""


def pairs(con: duckdb.DuckDBPyConnection, sql: str, params: dict | None = None) -> dict:
    return dict(con.execute(sql, params or {}).fetchall())


def compute(data: Path, quarter: str | None = None, today: date | None = None,
            memory_limit: str = "2GB", threads: int | None = None) -> dict:
    """The summary blocks for the quarter (``2026Q2``), or the latest complete one."""
    con = duckdb.connect()
    con.sql(f"SET TimeZone = '{ZONE}'")
    con.sql(f"SET memory_limit = '{memory_limit}'")
    con.sql("SET enable_progress_bar = false")
    if threads:
        con.sql(f"SET threads = {threads}")
    load(con, data)
    if quarter:
        start = date(int(quarter[:4]), 3 * int(quarter[5]) - 2, 1)
    else:
        start = latest_quarter(con, today or date.today())
    as_of = quarter_end(start)
    end = datetime.combine(as_of + timedelta(days=1), time(), ZoneInfo(ZONE))  # first instant after as_of's day
    # Belgian public holidays (the statutory days, not Good Friday nor 26 December) for the deadline roll
    years = range(2000, as_of.year + 2)
    con.execute("CREATE TEMP TABLE holiday AS SELECT unnest(?::DATE[]) AS day",
                [sorted(holidays.country_holidays("BE", years=years))])
    params = {"as_of": as_of, "quarter_start": start, "end": end}
    for statement in SQL.split(";\n"):
        if statement.strip():
            used = {k: v for k, v in params.items() if f"${k}" in statement}
            con.execute(statement, used)
    f = con.execute(FIGURES, {k: params[k] for k in ("as_of", "quarter_start", "end")}).fetchone()
    f = dict(zip([d[0] for d in con.description], f))
    buckets = pairs(con, """SELECT CASE WHEN months < 3 THEN '0-3m' WHEN months < 6 THEN '3-6m' WHEN months < 9
        THEN '6-9m' WHEN months < 12 THEN '9-12m' ELSE '12m+' END, count(*) FROM deadlines
        WHERE erased_on IS NULL GROUP BY ALL""")
    found = {c: (n, o) for c, n, o in con.execute("SELECT * FROM breaches").fetchall()}
    categories = ("account", "logs", "support", "marketing", "analytics", "residual", "payments")
    by_channel = pairs(con, "SELECT channel, count(*) FROM tickets WHERE in_q GROUP BY ALL")
    by_right = pairs(con, "SELECT \"right\", count(*) FROM requests WHERE start_on >= $qs GROUP BY ALL",
                     {"qs": start})
    return {
        "period": f"{start.year}Q{(start.month + 2) // 3}",
        "as_of": as_of.isoformat(),
        "inactivity": {
            "population": f["population"],
            "buckets": {b: buckets.get(b, 0) for b in ("0-3m", "3-6m", "6-9m", "9-12m", "12m+")},
            "due_next_30d": f["due_next_30d"],
        },
        "retention": {
            "breaches": {c: int(found.get(c, (0, None))[0]) for c in categories},
            "oldest_days_overdue": {c: found.get(c, (0, None))[1] for c in categories},
            "withdrawn_consent_contacted": f["withdrawn_consent_contacted"],
            "late_erasures": f["late_erasures"],
            "late_erasures_max_days": f["late_erasures_max_days"],
        },
        "support": {
            "tickets": f["tickets"],
            "by_channel": {c: by_channel.get(c, 0) for c in (*CHANNELS, "other")},
            "first_response_hours": {"median": f["fr_median"], "p90": f["fr_p90"]},
            "resolution_hours": {"median": f["res_median"], "p90": f["res_p90"]},
            "backlog": f["backlog"],
            "privacy_share": f["privacy_share"],
        },
        "rights": {
            "received": f["received"],
            "by_right": {r: by_right[r] for r in (*RIGHTS, "other") if r in by_right},
            "completed": f["completed"],
            "on_time_rate": f["on_time_rate"],
            "days_to_complete": {"median": f["days_median"], "p90": f["days_p90"]},
            "extensions": {"valid": f["ext_valid"], "invalid": f["ext_invalid"]},
            "open_overdue": f["open_overdue"],
            "open_not_due": f["open_not_due"],
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="export directory (written by privacy-review sample)")
    parser.add_argument("--quarter", help="e.g. 2026Q2 (default: the latest complete quarter, contract §2)")
    parser.add_argument("--memory-limit", default="2GB", help="DuckDB memory limit (default: 2GB, as privacy-review)")
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)
    json.dump(compute(args.data, args.quarter, memory_limit=args.memory_limit, threads=args.threads),
              sys.stdout, indent=2, default=str)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
