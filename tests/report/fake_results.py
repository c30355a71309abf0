"""A realistic results directory (summary.json + tables/*.csv) without running the metrics.

Shaped like ``pipelines.results.write_results`` output (contract §4 plus the
tables the families write), so report code and notebooks can be tested on
their own. Every table is built with the columns its family declares
(``pipelines.metrics.table_schemas()``), so a fake cannot drift from the real
tables. Options remove tables or null figures to test tolerance.
"""

from __future__ import annotations

import copy
import json
from datetime import date, timedelta
from pathlib import Path

import polars as pl

from pipelines.dates import quarter_ends
from pipelines.metrics import table_schemas
from pipelines.results import Results, write_results

QUARTER = "2024Q3"
AS_OF = "2024-09-30"
POLICY_LABEL = "Connexeon BV privacy policy (2024-06-17)"


def fake_summary(
    quarter: str = QUARTER,
    as_of: str = AS_OF,
    *,
    account_breaches: int = 37,
    with_previous: bool = True,
) -> dict:
    summary = {
        "period": quarter,
        "as_of": as_of,
        "policy": POLICY_LABEL,
        "data": {
            "first_date": "2022-10-01",
            "last_date": "2024-10-02",
            "synthetic_sample": False,
            "rows_as_of": {  # web_visits not exported
                "accounts": 1898,
                "sessions": 48190,
                "support_tickets": 1627,
                "rights_requests": 240,
                "marketing_contacts": 655,
                "payments": 3020,
            },
        },
        "inactivity": {
            "population": 1840,
            "buckets": {
                "0-3m": 1211,
                "3-6m": 254,
                "6-9m": 171,
                "9-12m": 141,
                "12m+": account_breaches + 26,
            },
            "due_next_30d": 48,
        },
        "retention": {
            "breaches": {
                "account": account_breaches,
                "logs": 1290,
                "support": 14,
                "marketing": 9,
                "analytics": None,  # web_visits not exported
                "residual": 6,
                "payments": 0,
            },
            "oldest_days_overdue": {
                "account": 212,
                "logs": 388,
                "support": 95,
                "marketing": 41,
                "analytics": None,
                "residual": 12,
                "payments": None,
            },
            "withdrawn_consent_contacted": 2,
            "late_erasures": 5,
            "late_erasures_max_days": 44,
            "absent_tables": ["web_visits"],
        },
        "support": {
            "tickets": 412,
            "by_channel": {
                "help_center": 188,
                "live_chat": 131,
                "email": 87,
                "other": 6,
            },
            "first_response_hours": {"median": 3.25, "p90": 21.6},
            "resolution_hours": {"median": 26.4, "p90": 118.0},
            "backlog": 23,
            "privacy_share": 0.0631,
            "privacy_tickets": 26,
            "no_first_response": 0,
            # the response standard of "inquiries answered" (docs/report.md, "Findings")
            "response_working_days": 5,
            "answered_late": 0,
            "unanswered_past_standard": 0,
            "awaiting_within_standard": 0,
            "past_response_standard": 0,
            "missed_rights_requests": 1,
            "missed_request_window_days": 30,
        },
        "rights": {
            "received": 58,
            "by_right": {
                "access": 21,
                "erasure": 19,
                "rectification": 6,
                "objection": 4,
                "portability": 3,
                "restriction": 1,
                "consent_withdrawal": 4,
            },
            "completed": 54,
            "on_time": 48,
            "on_time_rate": 0.8889,
            "days_to_complete": {"median": 17.0, "p90": 34.4},
            "extensions": {"valid": 3, "invalid": 1},
            "open_overdue": 2,
            "open_not_due": 7,
            # contract §5 reading 23: consent withdrawals against the company's standard
            "consent_withdrawals": {"received": 4, "completed": 3, "within_standard": 2, "open_past_standard": 1},
            "clock_start": "received",
            # contract reading 23: withdrawals of consent against the company's standard, out of the figures above
            "consent_withdrawals": {"received": 4, "completed": 4, "within_standard": 4, "open_past_standard": 0},
            "consent_withdrawal_working_days": 2,
        },
        "data_quality": {
            "rows_in": {
                "accounts": 1902,
                "sessions": 48210,
                "support_tickets": 1630,
                "rights_requests": 240,
                "marketing_contacts": 655,
                "payments": 3020,
            },
            "rows_loaded": {
                "accounts": 1898,
                "sessions": 48190,
                "support_tickets": 1627,
                "rights_requests": 240,
                "marketing_contacts": 655,
                "payments": 3020,
            },
            "rows_rejected": {
                "accounts": 4,
                "sessions": 20,
                "support_tickets": 3,
                "rights_requests": 0,
                "marketing_contacts": 0,
                "payments": 0,
            },
            "rejected_by_reason": {
                "bad timestamp": 6,
                "duplicate key": 1,
                "wrong number of fields": 12,
                "missing required value": 8,
            },
            "flagged": {
                "sessions: orphan: account unknown": 17,
                "support_tickets: impossible order: resolved before creation": 2,
            },
            "absent_tables": ["web_visits"],
        },
    }
    # the register of exceptions and the history of remediation (docs/report.md, "Exceptions", "Remediation")
    summary["retention"]["excepted"] = {"account": 1, "logs": 0, "support": 0, "marketing": 0, "analytics": None,
                                        "residual": 0, "payments": 0}
    summary["retention"]["legal_hold_exempt"] = 3
    by_category = {c: {"applied": 0, "expired": 0, "pending": 0, "invalid": 0}
                   for c in ("account", "logs", "support", "marketing", "analytics", "residual", "payments")}
    by_category["account"].update(applied=1, invalid=1)
    by_category["logs"].update(expired=2)
    summary["exceptions"] = {"register": True, "rows": 5, "applied": 1, "expired": 2, "pending": 0, "invalid": 2,
                             "by_category": by_category}
    flow = {"account": (5, 30, 2, 3, "2024Q1"), "logs": (300, 990, 114, 2, "2024Q2"), "support": (4, 14, 0, 2, "2024Q2"),
            "marketing": (2, 10, 3, 2, "2024Q2"), "residual": (1, 3, 1, 2, "2024Q2"), "payments": (0, 0, 0, None, None),
            "withdrawn_consent": (1, 2, 0, 2, "2024Q2"), "rights_overdue": (2, 1, 3, 2, "2024Q2")}
    summary["remediation"] = {
        "compared_with": "2024Q2", "reason": None,
        **{c: {"new": n, "carried_over": k, "resolved": r, "oldest_age": age, "oldest_since": since,
               "by_age": {str(age): k} if age else {}} for c, (n, k, r, age, since) in flow.items()},
        "analytics": None,
        "trend": [{"quarter": "2024Q1", "compared_with": None, "reason": "no_earlier_quarter"},
                  {"quarter": "2024Q2", "compared_with": "2024Q1", "reason": None,
                   "account": {"new": 8, "carried_over": 24, "resolved": 6, "oldest_age": 2, "oldest_since": "2024Q1",
                               "by_age": {"2": 24}}}],
    }
    if with_previous:
        prev = copy.deepcopy(summary)
        prev.pop("remediation")
        prev.update(period="2024Q2", as_of="2024-06-30")
        prev["retention"]["breaches"].update(
            account=32, logs=1104, support=17, marketing=12, residual=4
        )
        prev["inactivity"]["due_next_30d"] = 41
        prev["support"].update(
            tickets=388, first_response_hours={"median": 4.1, "p90": 26.0}
        )
        prev["rights"].update(on_time_rate=0.8125, on_time=39, open_overdue=4, completed=48)
        prev["data_quality"]["rows_rejected"] = {
            "accounts": 2,
            "sessions": 31,
            "support_tickets": 1,
            "rights_requests": 0,
            "marketing_contacts": 0,
            "payments": 0,
        }
        summary["previous"] = prev
    return with_findings(summary)


def with_findings(summary: dict, policy=None) -> dict:
    """``summary`` with its ``findings`` judged as ``pipelines.results`` judges them (``findings.judge`` against
    the previous quarter): call again after changing a figure, so the report shows the findings of the figures."""
    from pipelines.findings import judge
    from pipelines.policy import load_policy

    policy = policy or load_policy()
    for block in (summary, summary.get("previous")):
        if isinstance(block, dict) and isinstance(block.get("retention"), dict):
            block["retention"]["by_rule"] = by_rule(block["retention"], policy)
    summary["findings"] = judge(summary, policy, summary.get("previous"))
    return summary


def by_rule(retention: dict, policy) -> dict:
    """``retention.by_rule`` from the figures: a figure's count is its first rule's, its other rules (support's
    tickets without an account) hold none; a figure not computed leaves its rules uncomputed."""
    found = {}
    for figure in policy.figures:
        for i, rule in enumerate(policy.figure_rules(figure)):
            count = (retention.get("breaches") or {}).get(figure)
            oldest = (retention.get("oldest_days_overdue") or {}).get(figure)
            found[rule.id] = {"figure": figure, "breaches": count if i == 0 or count is None else 0,
                              "oldest_days_overdue": oldest if i == 0 else None}
    return found


def fake_tables(summary: dict) -> dict[str, pl.DataFrame]:
    as_of = date.fromisoformat(summary["as_of"])
    buckets = ["0-3m", "3-6m", "6-9m", "9-12m", "12m+"]
    b = summary["inactivity"]["buckets"]
    cohorts = []
    signup_quarters = [
        "2022Q4",
        "2023Q1",
        "2023Q2",
        "2023Q3",
        "2023Q4",
        "2024Q1",
        "2024Q2",
        "2024Q3",
    ]
    weights = [0.08, 0.1, 0.12, 0.13, 0.14, 0.15, 0.16, 0.12]
    for sq, w in zip(signup_quarters, weights):
        for bucket in buckets:
            young = sq >= "2024Q2"
            if young and bucket in ("9-12m", "12m+"):
                continue
            cohorts.append(
                {
                    "signup_quarter": sq,
                    "bucket": bucket,
                    "accounts": max(1, round(b[bucket] * w)),
                }
            )
    ends = quarter_ends(as_of, 8)
    trend = [
        {
            "quarter_end": e,
            "bucket": bucket,
            "accounts": round(b[bucket] * (0.7 + 0.04 * i)),
        }
        for i, e in enumerate(ends)
        for bucket in buckets
    ]
    pipeline = [
        {"deadline": as_of + timedelta(days=d), "accounts": 1 + (d * 7) % 4}
        for d in range(1, 91, 2)
    ]
    br = summary["retention"]["breaches"]
    clauses = {
        "account": "§1.1",
        "logs": "§1.6",
        "support": "§1.4",
        "marketing": "§1.6",
        "analytics": "§2.1",
        "residual": "§1.2",
        "payments": "§1.3",
    }
    oldest = {
        "account": 212,
        "logs": 388,
        "support": 95,
        "marketing": 41,
        "analytics": None,
        "residual": 12,
        "payments": None,
    }
    breaches = [
        {
            "category": c,
            "clause": clauses[c],
            "breaches": br[c],
            "oldest_days_overdue": oldest[c] if br[c] else None,
            "table_present": br[c] is not None,
        }
        for c in clauses
    ]
    retention_trend = [
        {"quarter_end": e, "accounts_past_deadline": v}
        for e, v in zip(ends, [12, 15, 19, 22, 26, 29, 32, br["account"]])
    ]
    months = [date(2024, 7, 1), date(2024, 8, 1), date(2024, 9, 1)]
    channels = summary["support"]["by_channel"]
    by_month = [
        {
            "month": m,
            "channel": ch,
            "tickets": n // 3 + (i if ch == "help_center" else 0),
        }
        for i, m in enumerate(months)
        for ch, n in channels.items()
    ]
    by_category = [
        {"category": c, "is_privacy": c == "privacy", "tickets": n, "share": n / 412, "other_values": None}
        for c, n in [
            ("how_to", 141),
            ("billing", 96),
            ("bug", 88),
            ("account", 61),
            ("privacy", 26),
        ]
    ]
    durations = []
    histogram = []
    bins = ["<1h", "1-4h", "4-8h", "8-24h", "1-2d", "2-7d", "7d+"]
    for i, ch in enumerate(["all", *channels]):
        n_channel = summary["support"]["tickets"] if ch == "all" else channels[ch]
        for measure, med, p90 in (
            ("first_response", 1.5 + 2 * i, 9 + 8 * i),
            ("resolution", 12 + 10 * i, 60 + 30 * i),
        ):
            durations.append(
                {
                    "channel": ch,
                    "measure": measure,
                    "tickets": n_channel,
                    "median_hours": float(med),
                    "p90_hours": float(p90),
                }
            )
            for j, bn in enumerate(bins):
                histogram.append(
                    {
                        "channel": ch,
                        "measure": measure,
                        "bin": bn,
                        "bin_order": j + 1,
                        "tickets": max(0, n_channel // (j + 2) - i),
                    }
                )
    change = [
        {"metric": "tickets", "previous": 388.0, "current": 412.0, "change": 24.0},
        {
            "metric": "first_response_median_hours",
            "previous": 4.1,
            "current": 3.25,
            "change": -0.85,
        },
    ]
    rights = summary["rights"]
    by_right = [
        {
            "right": r,
            "received": n,
            # reading 23: no Art. 12(3) completed or on-time count for consent withdrawals
            "completed": max(0, n - 1) if r != "consent_withdrawal" else None,
            "on_time": max(0, n - 2) if r != "consent_withdrawal" else None,
            "other_values": None,
        }
        for r, n in rights["by_right"].items()
    ]
    requests = []
    k = 0
    for r, n in rights["by_right"].items():
        for i in range(n):
            k += 1
            start = date(2024, 7, 1) + timedelta(days=(k * 5) % 80)
            allowed = 92 if k % 17 == 0 else 30 + (k % 2)
            taken = (k * 7) % 36 if k % 9 else allowed + 3
            done = k % 13 != 0
            due = start + timedelta(days=allowed)
            if done:
                status = "completed_on_time" if taken <= allowed else "completed_late"
            else:
                status = (
                    "open_overdue"
                    if due < date.fromisoformat(summary["as_of"])
                    else "open_not_due"
                )
            requests.append(
                {
                    "request_key": f"r{k:04x}pseudo",
                    "right": r,
                    "received_on": start,
                    "channel": ["email", "help_center", "live_chat", "other"][k % 4],
                    "start": start,
                    "deadline": start + timedelta(days=30),
                    "extended_deadline": start + timedelta(days=92),
                    "extension": "valid" if allowed > 40 else "none",
                    "due": start + timedelta(days=allowed),
                    "completed_on": start + timedelta(days=taken) if done else None,
                    "days_to_complete": taken if done else None,
                    "days_allowed": allowed,
                    "on_time": (taken <= allowed) if done else None,
                    "status": status,
                }
            )
    ageing = [
        {"bucket": b_, "bucket_order": i + 1, "status": st, "requests": n}
        for i, (b_, st, n) in enumerate(
            [
                ("overdue 91+ days", "open_overdue", 0),
                ("overdue 31-90 days", "open_overdue", 1),
                ("overdue 8-30 days", "open_overdue", 0),
                ("overdue 1-7 days", "open_overdue", 1),
                ("due today", "open_not_due", 0),
                ("due in 1-7 days", "open_not_due", 2),
                ("due in 8-30 days", "open_not_due", 4),
                ("due in 31+ days", "open_not_due", 1),
            ]
        )
    ]
    quarters = [f"{e.year}Q{(e.month - 1) // 3 + 1}" for e in ends]
    on_time_trend = [
        {
            "quarter": q,
            "quarter_start": e - timedelta(days=80),
            "as_of": e,
            "completed": c,
            "on_time": o,
            "on_time_rate": (o / c) if c else None,
        }
        for q, e, c, o in zip(
            quarters,
            ends,
            [31, 35, 0, 40, 44, 47, 48, 54],
            [30, 33, 0, 36, 39, 40, 39, 48],
        )
    ]
    as_of_d = date.fromisoformat(summary["as_of"])
    breach_detail = [
        {
            "category": c,
            "subject_key": f"{c[:3]}{i:09x}",
            "rows": 1 + i % 3,
            "deadline": as_of_d - timedelta(days=5 + 7 * i),
            "days_overdue": 5 + 7 * i,
        }
        for c, n in (("account", 6), ("logs", 4), ("support", 2))
        for i in range(n)
    ]
    late_erasures = [
        {
            "account_key": f"late{i:08x}",
            "last_activity_on": as_of_d - timedelta(days=500 + i),
            "erasure_deadline": as_of_d - timedelta(days=135 + i),
            "erased_on": as_of_d - timedelta(days=90 + i),
            "days_late": 45 - i,
        }
        for i in range(summary["retention"]["late_erasures"])
    ]
    withdrawn = [
        {
            "contact_key": f"wd{i:010x}",
            "consent_withdrawn_on": as_of_d - timedelta(days=60 + i),
            "last_communication_on": as_of_d - timedelta(days=20 + i),
        }
        for i in range(summary["retention"]["withdrawn_consent_contacted"])
    ]
    missed = [
        {
            "ticket_key": "tk0000000001",
            "account_key": "ac0000000001",
            "channel": "email",
            "created_on": as_of_d - timedelta(days=50),
            "window_ends": as_of_d - timedelta(days=20),
            "window_open": False,
        }
    ]
    rejects = [
        {"table_name": "accounts", "reason": "bad timestamp", "rows": 3},
        {"table_name": "accounts", "reason": "duplicate key", "rows": 1},
        {"table_name": "sessions", "reason": "wrong number of fields", "rows": 12},
        {"table_name": "sessions", "reason": "missing required value", "rows": 8},
        {"table_name": "support_tickets", "reason": "bad timestamp", "rows": 3},
    ]
    flags = [
        {"table_name": "sessions", "flag": "orphan: account unknown", "rows": 17},
        {
            "table_name": "support_tickets",
            "flag": "impossible order: resolved before creation",
            "rows": 2,
        },
    ]
    return {
        name: _frame(name, rows)
        for name, rows in {
            "inactivity_buckets": [{"bucket": k_, "accounts": v} for k_, v in b.items()],
            "inactivity_cohorts": cohorts,
            "inactivity_trend": trend,
            "inactivity_erasure_pipeline": pipeline,
            "retention_breaches": breaches,
            "retention_trend": retention_trend,
            "support_by_channel_month": by_month,
            "support_by_category": by_category,
            "support_durations": durations,
            "support_duration_histogram": histogram,
            "support_quarter_change": change,
            "rights_by_right": by_right,
            "rights_days_spare": _days_spare(requests),
            "rights_open_requests": _open_requests(requests),
            "rights_open_ageing": ageing,
            "rights_on_time_trend": on_time_trend,
            "quality_rejects": rejects,
            "quality_flags": flags,
            "retention_oldest_breaches": breach_detail,
            "retention_late_erasures": late_erasures,
            "retention_withdrawn_consent": withdrawn,
            "support_missed_rights_requests": missed,
            "exceptions_by_category": [
                {"category": "account", "status": "applied", "rows": 1, "first_expiry": date(2025, 12, 31),
                 "last_expiry": date(2025, 12, 31)},
                {"category": "logs", "status": "expired", "rows": 2, "first_expiry": date(2024, 7, 31),
                 "last_expiry": date(2024, 8, 31)},
            ],
            "exceptions_invalid": [
                {"line": 4, "category": "account", "problem_column": "approved_by", "problem": "no_approver"},
                {"line": 5, "category": None, "problem_column": "category", "problem": "unknown_category"},
            ],
        }.items()
    }


def _days_spare(requests: list[dict]) -> list[dict]:
    """(spare, on_time, requests) of the completed fake requests, as rights_days_spare.sql counts them."""
    counts: dict = {}
    for r in requests:
        if r["days_to_complete"] is not None:
            key = (r["days_allowed"] - r["days_to_complete"], bool(r["on_time"]))
            counts[key] = counts.get(key, 0) + 1
    return [{"spare": s, "on_time": o, "requests": n} for (s, o), n in sorted(counts.items())]


def _open_requests(requests: list[dict], most: int = 10) -> list[dict]:
    """The first-due open fake requests, at most ``most`` per status, as rights_open_requests.sql picks them."""
    open_ = sorted((r for r in requests if r["status"].startswith("open")), key=lambda r: (r["due"], r["request_key"]))
    kept, seen = [], {}
    for r in open_:
        seen[r["status"]] = seen.get(r["status"], 0) + 1
        if seen[r["status"]] <= most:
            columns = ("request_key", "right", "channel", "received_on", "start", "due", "extension", "status")
            kept.append({**{c: r[c] for c in columns}, "days_past_due": None})
    return kept


def _frame(name: str, rows: list[dict]) -> pl.DataFrame:
    """A fake table with exactly its family's declared columns and types."""
    schema = table_schemas()[name]
    for row in rows:
        assert set(row) == set(schema.names()), (
            f"fake {name}: columns {sorted(row)} differ from the declared {schema.names()}"
        )
    return pl.DataFrame(rows, schema=schema)


def write_fake_results(
    out_dir: Path,
    quarter: str = QUARTER,
    as_of: str = AS_OF,
    *,
    account_breaches: int = 37,
    with_previous: bool = True,
    omit_tables: tuple[str, ...] = (),
    null_paths: tuple[str, ...] = (),
) -> Path:
    """Write a results directory; ``null_paths`` like ``("rights.on_time_rate",)`` become null."""
    summary = fake_summary(
        quarter, as_of, account_breaches=account_breaches, with_previous=with_previous
    )
    tables = fake_tables(summary)
    for path in null_paths:
        node = summary
        *parents, leaf = path.split(".")
        for p in parents:
            node = node[p]
        node[leaf] = None
    for name in omit_tables:
        tables.pop(name, None)
    with_findings(summary)
    write_results(Results(summary, tables), Path(out_dir))
    return Path(out_dir)


if __name__ == "__main__":  # python -m tests.report.fake_results <dir>
    import sys

    print(
        write_fake_results(Path(sys.argv[1] if len(sys.argv) > 1 else "reports/fake"))
    )
    print(json.dumps(fake_summary()["retention"], indent=2))
