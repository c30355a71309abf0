"""Synthetic exports fitted to a policy file: ``privacy-review sample --policy FILE --out DIR``.

docs/policy-file.md, "A sample for any policy". For each rule of the file the sample plants records
around its deadline, so that ``privacy-review run --policy FILE --data DIR`` gives one finding per rule
with a verdict designed in:

* every judged rule gets records due on the review date and the day after (within their deadline), and
  records handled in time; rules in odd places (the first, the third, ...) also get records past their
  deadline (45 days, and one day), and one on legal hold where the rule admits it: "not kept"; the others
  are "kept";
* a rule no export can test, or without a stated period, is "not assessable", as the file says.

The sample is small (tens of rows per rule) and deterministic: the same file gives the same bytes. It is
reviewed as of :data:`AS_OF` (the quarter 2026Q3, what ``--quarter latest`` picks for it). Beside the
exports, ``sample-design.json`` states, per rule, the records planted and the verdict and count the run
must give. The count of each retention rule is computed here from the planted rows by the rules' meaning
(docs/policy-file.md), independently of the SQL that the run uses: a rule's rows may also be another
rule's, and this says so rather than assume otherwise.
"""

from __future__ import annotations

import csv
import json
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from pipelines.contract import ROW_TIME, SYNTHETIC_MARKER, TABLES
from pipelines.dates import Quarter, add_months, working_days_after
from pipelines.policy import Policy, Rule
from pipelines.policy import model as m

#: the review date the sample is made for; one row dated the day after makes it the latest complete quarter
AS_OF = date(2026, 9, 30)
DESIGN_FILE = "sample-design.json"
REQUIRED_TABLES = tuple(name for name, t in TABLES.items() if t.required)

#: the planted cases of a retention rule: (label, the deadline's offset from as_of in days, handled in time)
PAST = (("45 days past the deadline", -45, False), ("one day past the deadline", -1, False))
WITHIN = (("due on the review date", 0, False), ("due the day after", 1, False), ("handled in time", -45, True))
HOLD = ("past the deadline, on legal hold", -45, False)


@dataclass
class Account:
    account_id: str
    created: date
    erased: date | None = None
    closed: date | None = None
    hold: bool = False
    sessions: list[date] = field(default_factory=list)
    row: dict = field(default_factory=dict)
    """The account's own columns a rule on accounts planted (its marker, cleared and scope columns)."""
    activity_planted: bool = False
    """A rule's anchor set the last activity; otherwise the account was last used shortly before the review
    date (or its closure or erasure), so that it breaks no inactivity rule by accident."""


class _Sample:
    def __init__(self, policy: Policy, as_of: date):
        self.policy, self.as_of = policy, as_of
        self.quarter = Quarter.containing(as_of)
        self.zone = ZoneInfo(policy.zone)
        self.rows: dict[str, list[dict]] = {name: [] for name in TABLES}
        self.accounts: dict[str, Account] = {}
        self.counter = 0
        self.design: dict[str, dict] = {}

    # --- rows ------------------------------------------------------------------------------------

    def next_id(self, prefix: str) -> str:
        self.counter += 1
        return f"{prefix}-{self.counter:05d}"

    def account(self, created: date, **facts) -> Account:
        acc = Account(self.next_id("acct"), created, **facts)
        self.accounts[acc.account_id] = acc
        return acc

    def add(self, table: str, row: dict) -> dict:
        self.rows[table].append(row)
        return row

    def defaults(self, table: str, row: dict, when: date) -> dict:
        """The required columns a rule does not set, filled so the row loads and stays out of the other checks."""
        spec = TABLES[table]
        row.setdefault(spec.key, self.next_id(table[:4]))
        row.setdefault(ROW_TIME[table], when)
        fill = {"channel": "email", "category": (self.policy.support_categories or ("other",))[0],
                "right": "access", "visitor_id": self.next_id("visitor")}
        for column in spec.columns:
            if column.required and column.name not in row:
                row[column.name] = fill.get(column.name)
        # answered and completed the day they came in, unless a rule plants otherwise: a retention rule's
        # tickets and requests stay out of the response and rights checks
        if table == "support_tickets":
            row.setdefault("first_response_at", row[ROW_TIME[table]])
        if table == "rights_requests":
            row.setdefault("completed_at", row[ROW_TIME[table]])
            row.setdefault("outcome", "fulfilled" if row["completed_at"] else None)
        if "account_id" in spec.column_names and spec.column("account_id").required and not row.get("account_id"):
            row["account_id"] = self.account(when - timedelta(days=30)).account_id
        return row

    # --- retention rules ---------------------------------------------------------------------------

    def inverse(self, deadline: m.Deadline, target: date) -> date:
        """An anchor date whose deadline is ``target`` (or as near as months and accounting years allow)."""
        period = deadline.period
        if deadline.starts == "next_year":
            base = add_months(target, -(period.months or 0)) - timedelta(days=period.amount if period.unit == m.DAYS else 0)
            return date(base.year - 1, 7, 1)
        if period.months is not None:
            return add_months(target, -period.months)
        if period.unit == m.DAYS:
            return target - timedelta(days=period.amount)
        return target

    def set_anchor(self, rule: Rule, table: str, anchor: m.Anchor, when: date, row: dict, acc: Account | None) -> None:
        if anchor.kind in (m.ROW, m.FIRST_PRESENT):
            row[anchor.columns[0]] = when
        elif anchor.kind == m.SUBJECT_LATEST:
            subject = acc.account_id if anchor.subject == "account_id" and acc is not None else self.next_id("subject")
            row[anchor.subject] = subject
            own = [c for t, c in anchor.events if t == table]
            if own:
                row[own[0]] = when
            else:
                events_table, column = anchor.events[0]
                if events_table == "accounts" and acc is not None:
                    acc.row[column] = when  # the account's own event (its key is the subject: account_id)
                else:
                    self.add(events_table, self.defaults(events_table, {anchor.subject: subject, column: when}, when))
        elif anchor.kind == m.ACCOUNT_LAST_ACTIVITY and acc is not None:
            acc.created = min(acc.created, when - timedelta(days=200))
            acc.sessions.append(when)
            acc.activity_planted = True
        elif anchor.kind == m.ACCOUNT_ERASURE and acc is not None:
            acc.erased = when
        elif anchor.kind == m.ACCOUNT_CLOSURE and acc is not None:
            acc.closed = when
        elif anchor.kind == m.RULE and acc is not None:
            other = self.policy.rule(anchor.rule).deadlines[0]
            self.set_anchor(rule, "accounts", other.anchor, self.inverse(other, when), row, acc)

    def needs_account(self, part: m.Part, rule: Rule) -> bool:
        spec = TABLES[part.table]
        if part.table == "accounts" or ("account_id" in spec.column_names and spec.column("account_id").required):
            return True
        kinds = {d.anchor.kind for d in rule.deadlines}
        by_account = any(d.anchor.subject == "account_id" for d in rule.deadlines)
        return (part.account in (m.KNOWN, m.WITH_ACCOUNT, m.ERASED, m.CLOSED) or by_account
                or bool(kinds & {*m.ACCOUNT_ANCHORS, m.RULE}))

    def plant(self, rule: Rule, part: m.Part, label: str, offset: int, handled: bool, hold: bool) -> None:
        target = self.as_of + timedelta(days=offset)
        columns = TABLES[part.table].column_names
        if part.account == m.WITHOUT_ACCOUNT and self.needs_account(part, rule):
            return  # a row with no account has no account's date: nothing to plant
        acc = self.account(target - timedelta(days=800), hold=hold) if hold or self.needs_account(part, rule) else None
        row: dict = {}
        dates = []
        for i, deadline in enumerate(rule.deadlines):
            # several deadlines: the first is the one planted; the others fall after it ("earliest") or before
            # it ("latest"), so the first decides
            shift = 0 if i == 0 else (400 if rule.combine == m.EARLIEST else -400)
            when = self.inverse(deadline, target + timedelta(days=shift))
            dates.append(when)
            self.set_anchor(rule, part.table, deadline.anchor, when, row, acc)
        for column, values in part.where:
            row[column] = values[0]
        if acc is not None:
            if part.account == m.ERASED and acc.erased is None:
                acc.erased = min(self.as_of, target) - timedelta(days=10)
            if part.account == m.CLOSED and acc.closed is None:
                acc.closed = min(self.as_of, target) - timedelta(days=10)
            if part.account == m.NOT_ERASED:
                acc.erased = None
            if part.account == m.NOT_CLOSED:
                acc.closed = None
        if part.action == m.CLEAR:
            for column in part.columns:
                row[column] = None if handled else self.held_value(part.table, column)
        elif part.action == m.MARK:
            row[part.marker] = min(target, self.as_of) if handled else None
        elif handled:
            return  # deleted in time: no row left to export
        earliest = min([self.as_of, *dates, *(d for d in (row.get(c) for c in columns) if isinstance(d, date))])
        when = earliest - timedelta(days=10)
        if part.table == "accounts":
            # the account's own columns (marker, cleared columns, scope columns, a row anchor's timestamp)
            acc.created = min(acc.created, when) if "created_at" not in row else row.pop("created_at")
            acc.closed = row.pop("closed_at", acc.closed)
            acc.row = row
        else:
            if acc is not None and "account_id" in columns:
                row["account_id"] = acc.account_id
                acc.created = min(acc.created, when - timedelta(days=10))
            self.add(part.table, self.defaults(part.table, row, when))
        self.design[rule.id]["planted"].append({"table": part.table, "case": label})

    def held_value(self, table: str, column: str):
        """A value of the column's type for a row still holding it (an IP address from the documentation range)."""
        kind = TABLES[table].column(column).type
        if kind == "timestamp":
            return self.as_of - timedelta(days=400)
        if kind == "boolean":
            return True
        return {"ip_address": "192.0.2.44", "device_id": "device-0001"}.get(column, f"synthetic {column}")

    def retention(self, rule: Rule, breach: bool) -> None:
        cases = [*(PAST if breach else ()), *WITHIN]
        if breach and m.LEGAL_HOLD in rule.exempt:
            cases.append(HOLD)
        for part in rule.parts:
            for label, offset, handled in cases:
                hold = label == HOLD[0]
                if hold and "account_id" not in TABLES[part.table].column_names:
                    continue
                self.plant(rule, part, label, offset, handled, hold)

    # --- the other checks -------------------------------------------------------------------------------

    def rights(self, rule: Rule, breach: bool) -> tuple[int, int]:
        """Requests of one right the rule covers; the late and overdue ones when ``breach``. Returns how many are
        open past the deadline and how many were completed late (the finding's ``open_now``, ``fixed_late``)."""
        right = rule.rights[0]
        q_start, as_of = self.quarter.start, self.as_of
        fixed_late = 0

        def request(label, received, completed=None, notified=None):
            self.add("rights_requests", self.defaults("rights_requests", {
                "right": right, "received_at": received, "completed_at": completed, "identity_verified_at": received,
                "extension_notified_at": notified, "outcome": "fulfilled" if completed else None}, received))
            self.design[rule.id]["planted"].append({"table": "rights_requests", "case": label})

        if m.CONSENT_WITHDRAWAL in rule.rights:
            request("completed the day it was received", as_of - timedelta(days=20), as_of - timedelta(days=20))
            return self.past_standard(rule, "completed", request) if breach else (0, 0)
        months = rule.period.months
        request("completed two days after receipt", as_of - timedelta(days=20), as_of - timedelta(days=18))
        request("open, not due yet", as_of - timedelta(days=3))
        if rule.extended_period is not None:
            received = as_of - timedelta(days=60)
            request("extended, completed within the extended deadline", received, as_of - timedelta(days=5),
                    received + timedelta(days=10))
        if breach:
            received = q_start + timedelta(days=1)
            late = add_months(received, months) + timedelta(days=10)
            if late <= as_of:
                request("completed ten days after the deadline", received, late)
                fixed_late += 1
            request("open past the deadline", add_months(as_of, -months) - timedelta(days=20))
            return 1, fixed_late
        return 0, 0

    def response(self, rule: Rule, breach: bool) -> tuple[int, int]:
        as_of = self.as_of

        def ticket(label, created, answered=None):
            self.add("support_tickets", self.defaults("support_tickets", {
                "created_at": created, "first_response_at": answered, "resolved_at": answered}, created))
            self.design[rule.id]["planted"].append({"table": "support_tickets", "case": label})

        ticket("answered the day it came in", as_of - timedelta(days=20), as_of - timedelta(days=20))
        ticket("received on the review date, not answered yet", as_of)
        return self.past_standard(rule, "answered", ticket) if breach else (0, 0)

    def past_standard(self, rule: Rule, done: str, plant) -> tuple[int, int]:
        """Past a standard of working days after the day of receipt: one record done a day late in the quarter,
        one still open past it, each where the quarter leaves room. Returns how many are open past it and how
        many were done late."""
        n, calendar, open_now, fixed_late = rule.period.amount, rule.calendar, 0, 0
        received = self.quarter.start + timedelta(days=1)
        late = working_days_after(received, n, calendar) + timedelta(days=1)
        if late <= self.as_of:
            plant(f"{done} one day after the standard", received, late)
            fixed_late += 1
        received = self.as_of - timedelta(days=60)
        if working_days_after(received, n, calendar) < self.as_of:
            plant("open past the standard", received)
            open_now += 1
        return open_now, fixed_late

    def withdrawn_consent(self, rule: Rule, breach: bool) -> tuple[int, None]:
        as_of = self.as_of

        def contact(label, withdrawn, last):
            given = (withdrawn or last) - timedelta(days=300)
            self.add("marketing_contacts", self.defaults("marketing_contacts", {
                "consent_given_at": given, "consent_withdrawn_at": withdrawn, "last_communication_at": last}, last))
            self.design[rule.id]["planted"].append({"table": "marketing_contacts", "case": label})

        contact("last written to before withdrawing", as_of - timedelta(days=100), as_of - timedelta(days=120))
        contact("consent kept, written to last week", None, as_of - timedelta(days=7))
        if breach:
            contact("written to after withdrawing", as_of - timedelta(days=100), as_of - timedelta(days=50))
            return 1, None
        return 0, None

    # --- the whole sample ---------------------------------------------------------------------------------

    def build(self) -> None:
        judged = [r for r in self.policy.rules if r.assessable]
        breached = {r.id for r in judged[::2]}  # the first, the third, ... judged rule
        counted: dict[str, int] = {}
        for rule in self.policy.rules:
            self.design[rule.id] = {"planted": []}
        for rule in judged:
            breach = rule.id in breached
            if rule.is_retention:
                self.retention(rule, breach)
            elif rule.check == m.RIGHTS_DEADLINE:
                counted[rule.id] = self.rights(rule, breach)
            elif rule.check == m.RESPONSE_TIME:
                counted[rule.id] = self.response(rule, breach)
            else:
                counted[rule.id] = self.withdrawn_consent(rule, breach)
        # the exports' dates span the quarter whatever the rules read (contract §2): an account of two years'
        # standing, used the week before the review date; and a newer one, so 2026Q3 is the latest complete quarter
        self.account(self.as_of - timedelta(days=730))
        later = self.account(self.as_of + timedelta(days=1))
        later.sessions.append(self.as_of + timedelta(days=1))
        self.write_accounts()
        oracle = _Expected(self)
        expected, late = oracle.retention_rows(), oracle.late_erasures()
        for rule in self.policy.rules:
            entry = self.design[rule.id]
            if not rule.auditable:
                entry.update(verdict="not assessable", reason="not_auditable", open_now=None, fixed_late=None)
                continue
            if not rule.assessable:
                entry.update(verdict="not assessable", reason="period_unstated", open_now=None, fixed_late=None)
                continue
            if rule.is_retention:
                # only the inactivity rule's late fixes show in the exports (an erased account's erased_at)
                open_now, fixed_late = expected[rule.id], late if rule.id == self.policy.inactivity_rule else None
            else:
                open_now, fixed_late = counted[rule.id]
            if rule.is_retention and rule.id != self.policy.inactivity_rule and not oracle.in_scope(rule):
                # no row in its scope (one no planted row can meet): nothing to judge
                entry.update(verdict="not assessable", reason="nothing_to_judge", open_now=0, fixed_late=None)
                continue
            broken = open_now or fixed_late
            entry.update(verdict="not kept" if broken else "kept", reason="breach" if broken else "no_breach",
                         open_now=open_now, fixed_late=fixed_late)

    def write_accounts(self) -> None:
        for acc in self.accounts.values():
            if not acc.activity_planted and not acc.sessions:
                last = min(d - timedelta(days=1) for d in (self.as_of - timedelta(days=4), acc.erased, acc.closed) if d)
                if last >= acc.created:
                    acc.sessions.append(last)
            # what a rule planted on the account (a scope's plan, a marker) over the defaults
            row = {"plan": "paid", "country": "BE", **acc.row}
            row.update(account_id=acc.account_id, created_at=acc.created, legal_hold=acc.hold, closed_at=acc.closed,
                       status="deleted" if acc.erased else "active")
            if "erased_at" not in row or row["erased_at"] is None:
                row["erased_at"] = acc.erased
            if row["erased_at"] is not None:
                acc.erased = row["erased_at"]
                row["status"] = "deleted"
            self.add("accounts", row)
            for started in acc.sessions:
                self.add("sessions", self.defaults("sessions", {"account_id": acc.account_id, "started_at": started},
                                                   started))

    def timestamp(self, value) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, date):
            return datetime.combine(value, time(12), self.zone).isoformat()
        return str(value)

    def write(self, out: Path) -> dict[str, int]:
        read = set(self.policy.tables_read) | set(REQUIRED_TABLES)
        counts = {}
        for name, spec in TABLES.items():
            if name not in read and not self.rows[name]:
                continue
            with open(out / f"{name}.csv", "w", newline="", encoding="utf-8") as handle:
                writer = csv.writer(handle)
                writer.writerow(spec.column_names)
                for row in self.rows[name]:
                    writer.writerow([self.timestamp(row.get(c)) for c in spec.column_names])
            counts[name] = len(self.rows[name])
        return counts


class _Expected:
    """The rules' meaning (docs/policy-file.md, "Retention rules") applied to the planted rows, in Python."""

    def __init__(self, sample: _Sample):
        self.s, self.policy, self.as_of = sample, sample.policy, sample.as_of
        self.accounts = {}
        for row in sample.rows["accounts"]:
            created = row["created_at"]
            exists = created <= self.as_of
            sessions = [r["started_at"] for r in sample.rows["sessions"]
                        if r["account_id"] == row["account_id"] and r["started_at"] <= self.as_of]
            login = row.get("last_login_at")
            if isinstance(login, date) and login <= self.as_of:
                sessions.append(login)  # the latest of session start and last login (contract §3)
            erased = row.get("erased_at")
            closed = row.get("closed_at")
            self.accounts[row["account_id"]] = {
                "exists": exists, "hold": bool(row.get("legal_hold")),
                "erased_on": erased if exists and erased and erased <= self.as_of else None,
                "closed_on": closed if exists and closed and closed <= self.as_of else None,
                "last_activity_on": max([*sessions, created]) if exists else None,
            }

    def happened(self, value) -> date | None:
        return value if isinstance(value, date) and value <= self.as_of else None

    def anchor(self, anchor: m.Anchor, row: dict, state: dict | None) -> date | None:
        if anchor.kind in (m.ROW, m.FIRST_PRESENT):
            return next((self.happened(row.get(c)) for c in anchor.columns if self.happened(row.get(c))), None)
        if anchor.kind == m.SUBJECT_LATEST:
            subject = row.get(anchor.subject)
            events = [self.happened(r.get(c)) for t, c in anchor.events for r in self.s.rows[t]
                      if subject is not None and r.get(anchor.subject) == subject]
            events = [e for e in events if e]
            return max(events) if events else None
        if state is None:
            return None
        if anchor.kind == m.ACCOUNT_LAST_ACTIVITY:
            return state["last_activity_on"]
        if anchor.kind == m.ACCOUNT_ERASURE:
            return state["erased_on"]
        if anchor.kind == m.ACCOUNT_CLOSURE:
            return state["closed_on"]
        return self.deadline(self.policy.rule(anchor.rule).deadlines[0], {}, state)

    def deadline(self, deadline: m.Deadline, row: dict, state: dict | None) -> date | None:
        day = self.anchor(deadline.anchor, row, state)
        if day is None:
            return None
        if deadline.starts == "next_year":
            day = date(day.year + 1, 1, 1)
        period = deadline.period
        if period.months is not None:
            return add_months(day, period.months)
        return day + timedelta(days=period.amount) if period.unit == m.DAYS else day

    def rule_deadline(self, rule: Rule, row: dict, state: dict | None) -> date | None:
        found = [d for d in (self.deadline(x, row, state) for x in rule.deadlines) if d is not None]
        if not found:
            return None
        return min(found) if rule.combine == m.EARLIEST else max(found)

    def in_scope(self, rule: Rule) -> int:
        """The rows that exist on the review date in the rule's scope, whatever their deadline (findings.rows_held)."""
        return sum(1 for part in rule.parts for row in self.s.rows[part.table]
                   if self.happened(row.get(ROW_TIME[part.table])) is not None
                   and self.scoped(part, row, self.accounts.get(row.get("account_id"))))

    def scoped(self, part: m.Part, row: dict, state: dict | None) -> bool:
        account = row.get("account_id")
        scope = {
            m.ANY: True,
            m.KNOWN: account is None or state is not None,
            m.WITH_ACCOUNT: state is not None and state["exists"],
            m.WITHOUT_ACCOUNT: account is None,
            m.ERASED: state is not None and state["erased_on"] is not None,
            m.NOT_ERASED: account is None or (state is not None and state["erased_on"] is None),
            m.CLOSED: state is not None and state["closed_on"] is not None,
            m.NOT_CLOSED: account is None or (state is not None and state["closed_on"] is None),
        }[part.account]
        return scope and all(str(row.get(c) or "").strip().lower() in values for c, values in part.where)

    def applies(self, part: m.Part, row: dict, state: dict | None) -> bool:
        """In scope and still holding what the action removes."""
        if part.action == m.CLEAR:
            held = any(row.get(c) is not None for c in part.columns)
        elif part.action == m.MARK:
            held = self.happened(row.get(part.marker)) is None
        else:
            held = True
        return held and self.scoped(part, row, state)

    def past(self, rule: Rule, part: m.Part, row: dict, state: dict | None) -> bool:
        deadline = self.rule_deadline(rule, row, state)
        return self.applies(part, row, state) and deadline is not None and deadline < self.as_of

    def retention_rows(self) -> dict[str, int]:
        counts = {r.id: 0 for r in self.policy.retention_rules}
        for rule in self.policy.retention_rules:
            for part in rule.parts:
                for row in self.s.rows[part.table]:
                    if self.happened(row.get(ROW_TIME[part.table])) is None:
                        continue  # a row dated after as_of does not exist yet (contract reading 8)
                    state = self.accounts.get(row.get("account_id"))
                    if not self.past(rule, part, row, state):
                        continue
                    if m.LEGAL_HOLD in rule.exempt and state is not None and state["hold"]:
                        continue
                    if any(self.past(o, p, row, state) for o in map(self.policy.rule, rule.yields_to)
                           for p in o.parts if p.table == part.table):
                        continue  # contract reading 20
                    counts[rule.id] += 1
        return counts

    def late_erasures(self) -> int:
        """Accounts erased in the quarter after their inactivity deadline (contract §3)."""
        months = self.policy.inactivity_months
        return sum(1 for a in self.accounts.values() if a["erased_on"] is not None
                   and a["erased_on"] >= self.s.quarter.start
                   and a["erased_on"] > add_months(a["last_activity_on"], months))


def write_fitted_sample(policy: Policy, out: Path, as_of: date = AS_OF) -> dict[str, int]:
    """Write the exports fitted to ``policy`` into ``out`` (created if missing) with ``sample-design.json`` and
    the synthetic marker; returns the rows written per table."""
    sample = _Sample(policy, as_of)
    sample.build()
    out.mkdir(parents=True, exist_ok=True)
    counts = sample.write(out)
    (out / SYNTHETIC_MARKER).write_text(
        "This export directory was written by `privacy-review sample --policy`: synthetic data, no real person.\n"
        "A review run on it warns in its log and its report carries a 'synthetic sample data' banner.\n"
        f"{DESIGN_FILE} states what was planted for each rule and the finding the review must give.\n",
        encoding="utf-8")
    design = {"policy": policy.label, "as_of": as_of.isoformat(), "quarter": str(sample.quarter),
              "findings": sample.design}
    (out / DESIGN_FILE).write_text(json.dumps(design, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return counts
