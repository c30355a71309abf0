"""A straightforward pandas computation of the inactivity and retention figures, straight from the export files.

    .venv/bin/pip install -e '.[bench]'
    .venv/bin/python benchmarks/reference_pandas.py /work/bench/run/data/n10000-parquet-clean-s7 [--quarter 2026Q2]

What an analyst would write with pandas: read each export whole, convert to local dates,
group and join in memory. docs/benchmarks.md compares it with privacy-review (target:
privacy-review at least 10x faster). Unlike reference_duckdb.py it sets nothing aside: it
is meant for a clean export (no bad rows, timestamps with offsets). It writes the shipped policy's
figures in; definitions are docs/contract.md §2-§3 and its readings (20-22 included).
The benchmark runs it on the clean exports only. Prints the ``inactivity`` and
``retention`` blocks as JSON, with the keys summary.json uses.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent))
from reference_duckdb import (  # noqa: E402  (the quarter arithmetic and policy figures, written once)
    ACCOUNT_MONTHS, ANALYTICS_MONTHS, DUE_SOON_DAYS, GRACE_DAYS, MARKETING_MONTHS, PAYMENTS_MONTHS,
    SUPPORT_MONTHS, ZONE, quarter_end, quarter_start_before,
)

TIMESTAMPS = {
    "accounts": ["created_at", "erased_at", "last_login_at"],
    "sessions": ["started_at", "ended_at"],
    "support_tickets": ["created_at", "first_response_at", "resolved_at", "anonymized_at"],
    "marketing_contacts": ["consent_withdrawn_at", "last_communication_at"],
    "web_visits": ["visited_at"],
    "payments": ["paid_at"],
}
TEXT = {
    "accounts": ["account_id", "legal_hold"],
    "sessions": ["account_id", "ip_address", "device_id"],
    "support_tickets": ["ticket_id", "account_id"],
    "marketing_contacts": ["contact_id", "account_id"],
    "web_visits": ["visitor_id", "account_id"],
    "payments": ["account_id"],
}
CATEGORIES = ("account", "logs", "support", "marketing", "analytics", "residual", "payments")


def read(data: Path, table: str) -> pd.DataFrame:
    """One export as a DataFrame, timestamps as UTC datetimes."""
    cols = TEXT[table] + TIMESTAMPS[table]
    parquet = data / f"{table}.parquet"
    if parquet.exists() or (data / table).is_dir():  # a file, or a folder of Parquet files
        frame = pd.read_parquet(parquet if parquet.exists() else data / table, columns=cols)
    else:
        frame = pd.read_csv(data / f"{table}.csv", usecols=cols, dtype=str)
        for c in TIMESTAMPS[table]:
            frame[c] = pd.to_datetime(frame[c], utc=True, format="ISO8601")
        if table == "accounts":
            frame["legal_hold"] = frame["legal_hold"].str.lower().eq("true")
    return frame


def local_day(ts: pd.Series) -> pd.Series:
    """The local date in the controller's zone (contract §2), as a midnight datetime."""
    return ts.dt.tz_convert(ZONE).dt.tz_localize(None).dt.normalize()


def plus_months(day: pd.Series, n: int) -> pd.Series:
    """add_months: the same day n months later, clamped to the month's end (DateOffset clamps)."""
    return day + pd.DateOffset(months=n)


def whole_months(day: pd.Series, as_of: pd.Timestamp) -> pd.Series:
    """The largest m with add_months(day, m) <= as_of: add_months lands in as_of's month on
    day min(day.day, days in that month), one month too far when that day is after as_of's."""
    m = (as_of.year - day.dt.year) * 12 + as_of.month - day.dt.month
    landed = np.minimum(day.dt.day, as_of.days_in_month)
    return m - (landed > as_of.day).astype(int)


def latest_quarter(frames: dict[str, pd.DataFrame], today: date) -> date:
    newest = max(local_day(frames[t][c]).max() for t in ("accounts", "sessions", "support_tickets")
                 for c in TIMESTAMPS[t]).date()
    bound = min(today, newest)
    start = date(bound.year, 3 * ((bound.month - 1) // 3) + 1, 1)
    return start if quarter_end(start) < bound else quarter_start_before(start)


def compute(data: Path, quarter: str | None = None, today: date | None = None) -> dict:
    frames = {t: read(data, t) for t in TIMESTAMPS}
    if quarter:
        start = date(int(quarter[:4]), 3 * int(quarter[5]) - 2, 1)
    else:
        start = latest_quarter(frames, today or date.today())
    as_of_date = quarter_end(start)
    as_of, q_start = pd.Timestamp(as_of_date), pd.Timestamp(start)
    end = pd.Timestamp(datetime.combine(as_of_date + timedelta(days=1), time(), ZoneInfo(ZONE)))

    acc = frames["accounts"]
    acc = acc[acc["created_at"] < end].copy()
    erased = local_day(acc["erased_at"])
    acc["erased_on"] = erased.where(erased <= as_of)
    acc["hold"] = acc["legal_hold"].fillna(False).astype(bool)
    login = acc["last_login_at"].where(acc["last_login_at"] < end)

    ses = frames["sessions"]
    ses = ses[ses["started_at"] < end]
    last_session = ses.groupby("account_id")["started_at"].max()
    pii = ses[ses["ip_address"].notna() | ses["device_id"].notna()].groupby("account_id").size()
    acc["pii_sessions"] = acc["account_id"].map(pii).fillna(0).astype(int)
    last = pd.concat([acc["account_id"].map(last_session), login], axis=1).max(axis=1)
    acc["last_on"] = local_day(last.fillna(acc["created_at"]))
    acc["deadline"] = plus_months(acc["last_on"], ACCOUNT_MONTHS)
    acc["months"] = whole_months(acc["last_on"], as_of)

    pop = acc[acc["erased_on"].isna()]
    bucket = pd.cut(pop["months"], [-np.inf, 3, 6, 9, 12, np.inf], right=False,
                    labels=["0-3m", "3-6m", "6-9m", "9-12m", "12m+"])
    soon = (pop["deadline"] > as_of) & (pop["deadline"] <= as_of + pd.Timedelta(days=DUE_SOON_DAYS))

    # rows held, with their category and deadline (contract §3, retention breaches)
    held = []
    grace = pd.Timedelta(days=GRACE_DAYS)

    def add(figure: str, deadline: pd.Series, erased_on: pd.Series | None = None, hold: pd.Series | None = None,
            weight: pd.Series | None = None) -> None:
        """A rule's rows: past their own deadline, that rule's breach; else an erased account's are residual
        (reading 20); none of an account on legal hold (reading 21)."""
        rows = pd.DataFrame({"category": figure, "deadline": deadline.values, "n": 1 if weight is None else weight.values})
        if erased_on is not None:
            residual = erased_on.notna().values & ~(rows["deadline"] < as_of).values
            rows.loc[residual, "category"] = "residual"
            rows.loc[residual, "deadline"] = erased_on.values[residual] + grace
        held.append(rows if hold is None else rows[~hold.eq(True).values])

    add("account", pop["deadline"], hold=pop["hold"])
    logs = acc[acc["pii_sessions"] > 0]
    add("logs", logs["deadline"], logs["erased_on"], logs["hold"], logs["pii_sessions"])

    known = acc.set_index("account_id")  # the accounts that exist by as_of (reading 19)
    hold_of = frames["accounts"].set_index("account_id")["legal_hold"].eq(True)  # every account of the export

    t = frames["support_tickets"]
    t = t[(t["created_at"] < end) & (t["anonymized_at"].isna() | (t["anonymized_at"] >= end))]
    t = t[t["account_id"].isna() | t["account_id"].isin(known.index)]
    closed = local_day(t["resolved_at"].where(t["resolved_at"] < end, t["created_at"]))
    deadline = t["account_id"].map(known["deadline"]).where(t["account_id"].notna(), plus_months(closed, SUPPORT_MONTHS))
    add("support", deadline, t["account_id"].map(known["erased_on"]), t["account_id"].map(known["hold"]))

    m = frames["marketing_contacts"]
    m = m[(m["last_communication_at"] < end) & (m["account_id"].isna() | m["account_id"].isin(hold_of.index))]
    add("marketing", plus_months(local_day(m["last_communication_at"]), MARKETING_MONTHS),
        m["account_id"].map(known["erased_on"]), m["account_id"].map(hold_of))

    v = frames["web_visits"]
    v = v[v["visited_at"] < end]
    last_visit = local_day(v["visited_at"]).groupby(v["visitor_id"]).transform("max")
    add("analytics", plus_months(last_visit, ANALYTICS_MONTHS), v["account_id"].map(known["erased_on"]),
        v["account_id"].map(hold_of))

    p = frames["payments"]
    p = p[p["paid_at"] < end]
    paid = local_day(p["paid_at"])
    statutory = plus_months(pd.to_datetime((paid.dt.year + 1).astype(str) + "-01-01"), PAYMENTS_MONTHS)
    # reading 22: the later of the account's erasure deadline and the statutory end
    add("payments", pd.concat([statutory, p["account_id"].map(known["deadline"])], axis=1).max(axis=1),
        hold=p["account_id"].map(hold_of))

    rows = pd.concat(held, ignore_index=True)
    rows = rows[rows["deadline"] < as_of]
    rows["overdue"] = (as_of - rows["deadline"]).dt.days
    by_cat = rows.groupby("category").agg(breaches=("n", "sum"), oldest=("overdue", "max"))

    mc = frames["marketing_contacts"]
    withdrawn = ((mc["consent_withdrawn_at"] < end) & (mc["last_communication_at"] < end)
                 & (mc["last_communication_at"] > mc["consent_withdrawn_at"])).sum()
    late = acc[(acc["erased_on"] >= q_start) & (acc["erased_on"] > acc["deadline"])]
    return {
        "period": f"{start.year}Q{(start.month + 2) // 3}",
        "as_of": as_of_date.isoformat(),
        "inactivity": {
            "population": int(len(pop)),
            "buckets": {str(k): int(n) for k, n in bucket.value_counts(sort=False).items()},
            "due_next_30d": int(soon.sum()),
        },
        "retention": {
            "breaches": {c: int(by_cat["breaches"].get(c, 0)) for c in CATEGORIES},
            "oldest_days_overdue": {c: (int(by_cat["oldest"][c]) if c in by_cat.index else None) for c in CATEGORIES},
            "withdrawn_consent_contacted": int(withdrawn),
            "late_erasures": int(len(late)),
            "late_erasures_max_days": int((late["erased_on"] - late["deadline"]).dt.days.max()) if len(late) else None,
        },
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("data", type=Path, help="export directory (a clean export)")
    parser.add_argument("--quarter", help="e.g. 2026Q2 (default: the latest complete quarter, contract §2)")
    args = parser.parse_args(argv)
    json.dump(compute(args.data, args.quarter), sys.stdout, indent=2)
    print()
    return 0


if __name__ == "__main__":
    sys.exit(main())
