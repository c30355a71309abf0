"""The data contract's tables, columns, types and keys: the one place they are written.

See docs/contract.md, section 1. Every other module (loader, sample
generator, metrics tests) reads the schema from here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

ColumnType = Literal["text", "timestamp", "boolean"]

#: DuckDB type each contract type is loaded as. Timestamps are instants
#: (TIMESTAMPTZ); their local date is taken in the controller's zone later.
SQL_TYPES: dict[str, str] = {"text": "VARCHAR", "timestamp": "TIMESTAMPTZ", "boolean": "BOOLEAN"}


@dataclass(frozen=True)
class Column:
    name: str
    type: ColumnType = "text"
    required: bool = True
    """A required column must be in the export and hold a value on every row."""
    allowed: tuple[str, ...] = ()
    """Documented values; others are loaded and reported, not set aside."""


@dataclass(frozen=True)
class Table:
    name: str
    key: str
    columns: tuple[Column, ...]
    required: bool = True
    """A required table must be present in every export directory."""

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def column(self, name: str) -> Column:
        return next(c for c in self.columns if c.name == name)

    def ddl(self) -> str:
        """CREATE TABLE statement for the typed, loaded table."""
        cols = ",\n  ".join(f'"{c.name}" {SQL_TYPES[c.type]}' for c in self.columns)
        return f"CREATE TABLE {self.name} (\n  {cols}\n)"
    # `right` is a reserved word in SQL: queries write it as "right".


def _opt(name: str, type: ColumnType = "text", allowed: tuple[str, ...] = ()) -> Column:
    return Column(name, type, required=False, allowed=allowed)


PLANS = ("free", "trial", "paid", "demo")  # §1.5
ACCOUNT_STATUSES = ("active", "deleted", "anonymized")
TICKET_CHANNELS = ("help_center", "live_chat", "email")  # §1.4; anything else is "other"
RIGHTS = ("access", "rectification", "erasure", "restriction", "objection", "portability", "consent_withdrawal")
#: support channels in report order: the contract's three, then everything else (§1.4)
CHANNELS = (*TICKET_CHANNELS, "other")
#: §3 inactivity buckets, in order: (label, the months inactive it stays below; None: every month after)
INACTIVITY_BUCKET_BOUNDS = (("0-3m", 3), ("3-6m", 6), ("6-9m", 9), ("9-12m", 12), ("12m+", None))
#: §3 inactivity bucket labels, in order (the ``inactivity_bucket`` macro of pipelines/metrics/sql/macros.sql)
INACTIVITY_BUCKETS = tuple(label for label, _ in INACTIVITY_BUCKET_BOUNDS)
REQUEST_CHANNELS = ("email", "help_center", "live_chat", "other")
OUTCOMES = ("fulfilled", "partially_fulfilled", "refused", "withdrawn")

TABLES: dict[str, Table] = {
    t.name: t
    for t in (
        Table(
            "accounts",
            "account_id",
            (
                Column("account_id"),
                Column("created_at", "timestamp"),
                Column("plan", allowed=PLANS),
                _opt("country"),
                Column("status", allowed=ACCOUNT_STATUSES),
                _opt("erased_at", "timestamp"),
                _opt("last_login_at", "timestamp"),
                _opt("legal_hold", "boolean"),
                _opt("closed_at", "timestamp"),
                _opt("product"),
            ),
        ),
        Table(
            "sessions",
            "session_id",
            (
                Column("session_id"),
                Column("account_id"),
                Column("started_at", "timestamp"),
                _opt("ended_at", "timestamp"),
                _opt("ip_address"),
                _opt("device_id"),
                _opt("product"),
            ),
        ),
        Table(
            "support_tickets",
            "ticket_id",
            (
                Column("ticket_id"),
                _opt("account_id"),
                Column("channel", allowed=TICKET_CHANNELS),
                Column("category"),
                Column("created_at", "timestamp"),
                _opt("first_response_at", "timestamp"),
                _opt("resolved_at", "timestamp"),
                _opt("anonymized_at", "timestamp"),
            ),
        ),
        Table(
            "rights_requests",
            "request_id",
            (
                Column("request_id"),
                _opt("account_id"),
                Column("right", allowed=RIGHTS),
                Column("channel", allowed=REQUEST_CHANNELS),
                Column("received_at", "timestamp"),
                _opt("identity_verified_at", "timestamp"),
                _opt("extension_notified_at", "timestamp"),
                _opt("completed_at", "timestamp"),
                _opt("outcome", allowed=OUTCOMES),
                _opt("jurisdiction"),
            ),
        ),
        Table(
            "marketing_contacts",
            "contact_id",
            (
                Column("contact_id"),
                _opt("account_id"),
                _opt("consent_given_at", "timestamp"),
                _opt("consent_withdrawn_at", "timestamp"),
                Column("last_communication_at", "timestamp"),
            ),
            required=False,
        ),
        Table(
            "web_visits",
            "visit_id",
            (
                Column("visit_id"),
                Column("visitor_id"),
                _opt("account_id"),
                Column("visited_at", "timestamp"),
                _opt("product"),
            ),
            required=False,
        ),
        Table(
            "payments",
            "payment_id",
            (
                Column("payment_id"),
                Column("account_id"),
                Column("paid_at", "timestamp"),
                _opt("product"),
            ),
            required=False,
        ),
        Table(
            "server_logs",
            "log_id",
            (
                Column("log_id"),
                Column("logged_at", "timestamp"),
                _opt("account_id"),
                _opt("ip_address"),
                _opt("product"),
            ),
            required=False,
        ),
    )
}

#: Optional tables (contract §1): a run without them says which figures it could not compute.
#: the timestamp that dates a row: a row dated (locally) after as_of does not exist yet (contract reading 8);
#: a retention rule reads only rows that exist (docs/policy-file.md, "Which rows a rule reads")
ROW_TIME = {
    "accounts": "created_at",
    "sessions": "started_at",
    "support_tickets": "created_at",
    "rights_requests": "received_at",
    "marketing_contacts": "last_communication_at",
    "web_visits": "visited_at",
    "payments": "paid_at",
    "server_logs": "logged_at",
}
#: whose data a row is: the first non-empty of these columns names the data subject a breach is counted
#: under (the report's oldest breaches per subject; docs/policy-file.md, "Subjects")
SUBJECT = {
    "accounts": ("account_id",),
    "sessions": ("account_id",),
    "support_tickets": ("account_id", "ticket_id"),
    "rights_requests": ("account_id", "request_id"),
    "marketing_contacts": ("account_id", "contact_id"),
    "web_visits": ("visitor_id",),
    "payments": ("account_id",),
    "server_logs": ("account_id", "log_id"),
}

OPTIONAL_TABLES = tuple(name for name, t in TABLES.items() if not t.required)

#: Columns that hold personal data: never written to a report or a CSV table.
PERSONAL_COLUMNS = frozenset({"ip_address", "device_id", "email", "name"})

#: Tables whose newest timestamp bounds the ``latest`` quarter (contract §2).
ACTIVITY_TABLES = ("accounts", "sessions", "support_tickets")


#: A file that ``privacy-review sample`` writes into every synthetic export directory
#: (the shipped ``data_samples/`` included): a run on such a directory warns in its log and
#: the report carries a "synthetic sample data" banner (README, "Synthetic sample data").
SYNTHETIC_MARKER = "SYNTHETIC-SAMPLE.txt"


def is_synthetic_export(data_dir) -> bool:
    """True when ``data_dir`` was made by ``privacy-review sample`` (it holds :data:`SYNTHETIC_MARKER`)."""
    from pathlib import Path

    return data_dir not in (None, "") and (Path(data_dir) / SYNTHETIC_MARKER).is_file()
