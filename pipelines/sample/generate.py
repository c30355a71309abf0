"""Synthetic exports of the contract tables, deterministic for a seed.

Everything is generated in DuckDB SQL, column-wise: no Python loop touches a
row, so a million accounts (about twenty million sessions) take seconds.

Randomness is ``u(key, salt)``: DuckDB's ``hash`` of the row's key xor a
per-(seed, salt) constant, a pure function of its arguments, so the output does
not depend on thread scheduling (``random()`` with ``setseed`` does). Same seed
and parameters, same DuckDB version: the same bytes of CSV and the same
Parquet rows (Parquet row order is not kept: it costs memory). DuckDB does not
promise that ``hash`` stays the same across releases; the committed sample
states the version that made it. (``hash(seed, key, salt)`` with the three as
arguments was tried first: its streams for two salts are correlated, r = 0.6.)

Times are whole epoch seconds (BIGINT) until the last projection, which writes
ISO-8601 text for CSV (mostly ``...Z``, one row in ten in Brussels local time
with its ``+01:00``/``+02:00`` offset) or TIMESTAMPTZ for Parquet.

The shapes (shares, delays) are module constants below, except those a
profile changes, which are one ``Shape`` per profile: ``TYPICAL`` (the
default, a company whose erasure job mostly runs on time: the shipped sample)
and ``LAPSES`` (one whose erasure job mostly never ran and who never purged
logs; docs/benchmarks.md measures privacy-review on both). The data model:

* an account is created at ``c``, is active until ``l`` (its last session,
  ``l == c`` for the accounts that never used the product) and is erased at
  ``e``: on time (within 12 months of ``l``), late, never, or early because the
  user deleted it. Erased accounts' sessions lose IP and device (except a few
  accounts: residual data), their tickets are anonymized (except a few), most
  of their marketing rows are gone.
* sessions, tickets, rights requests, marketing rows, web visits and payments
  hang off an account's active life, or off the history span for prospects.
* bad rows (``bad_rows``) are laid over generated rows: a share of each
  table's rows at scrambled places (typical), or a fixed few dozen per large
  table, one in each equal slice of the file, so its last part holds some too
  (lapses).
"""

from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Mapping, Sequence

import duckdb

from pipelines.contract import SYNTHETIC_MARKER, TABLES, Table

__all__ = ["write_sample", "FORMATS", "BAD_TIMESTAMPS", "PROFILES", "Shape", "TYPICAL", "LAPSES"]

FORMATS = ("csv", "parquet")

MINUTE = 60
HOUR = 3_600
DAY = 86_400
MONTH = 2_629_746  # mean Gregorian month in seconds (365.2425 / 12 days)
YEAR = 31_556_952
DEADLINE = 365 * DAY  # "12 months after the last activity", as the erasure job approximates it

#: Unparseable timestamp text used for bad CSV rows.
BAD_TIMESTAMPS = (
    "yesterday",
    "2024-02-30T10:00:00Z",
    "31/12/2025 14:00",
    "2025-13-01T09:00:00Z",
    "N/A",
    "2025-06-31T12:00:00+02:00",
    "2025-04-01T25:61:00Z",
)

# ---------------------------------------------------------------- shapes
PLANS_WEIGHTS = (("free", 0.52), ("trial", 0.20), ("paid", 0.24), ("demo", 0.04))
COUNTRIES_WEIGHTS = (
    ("BE", 0.62), ("NL", 0.13), ("FR", 0.09), ("DE", 0.05), ("LU", 0.03), ("GB", 0.02),
    ("ES", 0.015), ("IT", 0.015), ("US", 0.01), ("PL", 0.01), (None, 0.02),
)
SHARE_NEVER_USED = 0.06
LEGAL_HOLD = 0.005

TICKETS_PER_ACCOUNT = 0.45
TICKET_PROSPECTS = 0.10
TICKET_CHANNELS_WEIGHTS = (("help_center", 0.38), ("live_chat", 0.30), ("email", 0.28), ("phone", 0.04))
TICKET_CATEGORIES_WEIGHTS = (("billing", 0.25), ("bug", 0.24), ("how_to", 0.31), ("account", 0.15), ("privacy", 0.05))

REQUESTS_PER_ACCOUNT = 0.08
REQUEST_PROSPECTS = 0.15
RIGHTS_WEIGHTS = (
    ("access", 0.30), ("erasure", 0.27), ("rectification", 0.10), ("objection", 0.08),
    ("restriction", 0.05), ("portability", 0.07), ("consent_withdrawal", 0.13),
)
REQUEST_CHANNELS_WEIGHTS = (("email", 0.50), ("help_center", 0.25), ("live_chat", 0.13), ("other", 0.12))
OUTCOMES_WEIGHTS = (("fulfilled", 0.80), ("partially_fulfilled", 0.10), ("refused", 0.06), ("withdrawn", 0.04))

MARKETING_ACCOUNTS = 0.35
MARKETING_PROSPECTS_PER_ACCOUNT = 0.30

VISITORS_PER_ACCOUNT = 1.2
VISITORS_LINKED = 0.30


# ---------------------------------------------------------------- profiles
#: the kinds of bad row, in the order they take their places in a table
BAD_KINDS = ("bad_ts", "missing", "dup", "orphan", "bad_order")


@dataclass(frozen=True)
class BadRowShares:
    """Bad rows of each kind as a share of a table's rows, at least a floor: a few per thousand rows."""

    shares: Mapping[str, float]
    floors: Mapping[str, int]

    def counts(self, name: str, kinds: Sequence[str], rows: int) -> list[tuple[str, int]]:
        return [(k, max(self.floors[k], round(rows * self.shares[k]))) for k in kinds]


@dataclass(frozen=True)
class FixedBadRows:
    """A fixed number of bad rows per table whatever its size, the table's kinds taking turns.

    A handful of rows left to chance could all land in the first half of a file; these are laid one in
    each equal slice of the file, so the last slice holds one too (``_Generator._write``).
    """

    per_table: Mapping[str, int]

    def counts(self, name: str, kinds: Sequence[str], rows: int) -> list[tuple[str, int]]:
        total = min(self.per_table.get(name, 0), rows)
        return [(k, len(range(i, total, len(kinds)))) for i, k in enumerate(kinds)]


@dataclass(frozen=True)
class Shape:
    """What a profile of the synthetic export changes: who is erased when, what an erasure leaves, bad rows.

    Every other shape (plans, channels, rates per account ...) is a module constant above.
    """

    share_short_life: float  # accounts active for up to two weeks
    share_medium_life: float  # ... for weeks to a couple of years; the rest are still active
    medium_life_days: int  # mean length of a medium life beyond its first two weeks
    user_deletion: float  # the user deletes the account soon after the last visit
    erased_on_time: float  # of the others: the erasure job runs within 12 months
    erased_late: float  # ... runs up to five months late; the rest: never
    residual_accounts: float  # erased accounts whose sessions keep IP/device
    residual_sessions: float  # single sessions of erased accounts that keep them
    tickets_not_anonymized: float  # erased accounts whose tickets were not anonymized
    marketing_kept_after_erasure: float  # erased accounts whose marketing row is still there
    years: float  # history before the newest date (write_sample's default)
    bad_rows: BadRowShares | FixedBadRows  # when write_sample is asked for bad rows


#: a company whose erasure job mostly runs on time: about 0.3 records behind the findings per account
TYPICAL = Shape(
    share_short_life=0.20,
    share_medium_life=0.32,
    medium_life_days=180,
    user_deletion=0.04,
    erased_on_time=0.55,
    erased_late=0.25,
    residual_accounts=0.06,
    residual_sessions=0.003,
    tickets_not_anonymized=0.10,
    marketing_kept_after_erasure=0.10,
    years=2.0,
    bad_rows=BadRowShares(
        shares={"bad_ts": 0.0015, "missing": 0.0010, "dup": 0.0010, "orphan": 0.0001, "bad_order": 0.0005},
        floors={"bad_ts": 1, "missing": 1, "dup": 1, "orphan": 3, "bad_order": 2},
    ),
)

#: a company whose erasure job mostly never ran and who never purged logs, over three years of history
#: (so web visits older than the 24 months of the analytics rule exist); a few dozen bad rows per large table
LAPSES = Shape(
    share_short_life=0.05,
    # most accounts churned within months, long enough ago to be past their deadline: at 20 sessions per
    # account about 5.9 records behind the findings per account (0.3 with the typical shares)
    share_medium_life=0.75,
    medium_life_days=150,
    user_deletion=0.0,
    erased_on_time=0.0,
    erased_late=0.05,
    residual_accounts=0.6,
    residual_sessions=0.05,
    tickets_not_anonymized=0.6,
    marketing_kept_after_erasure=0.6,
    years=3.0,
    bad_rows=FixedBadRows(
        per_table={"sessions": 20, "web_visits": 20, "support_tickets": 20, "accounts": 8,
                   "marketing_contacts": 8, "payments": 6, "rights_requests": 6, "server_logs": 6},
    ),
)

PROFILES = {"typical": TYPICAL, "lapses": LAPSES}

_SCRAMBLE = 2_654_435_761  # prime: rn -> (rn * P + off) % N is a permutation of 0..N-1


def _filter(rn: str) -> str:
    """Where a table's row source is filtered: all rows, or (for the copies) the rows that get a duplicate."""
    return f"/*filter:{rn}*/TRUE"


_KIND = {"bad_ts": 1, "missing": 2, "dup": 3, "orphan": 4, "bad_order": 5}

_FILTER_RE = re.compile(r"/\*filter:(.*?)\*/TRUE")


@dataclass(frozen=True)
class _Bad:
    """Where a table's bad rows go."""

    main_ts: str
    optional_ts: tuple[str, ...]
    required_text: str
    orphan: str | None = None  # column that gets an unknown account id
    bad_order: dict[str, str] = field(default_factory=dict)  # column -> BIGINT expression


_BAD: dict[str, _Bad] = {
    "accounts": _Bad("created_at", ("last_login_at", "erased_at"), "status"),
    "sessions": _Bad("started_at", ("ended_at",), "account_id", orphan="account_id"),
    "support_tickets": _Bad(
        "created_at",
        ("first_response_at", "resolved_at"),
        "channel",
        bad_order={
            "resolved_at": f"created_at - {HOUR} - CAST(u(rn, 'bad_order') * {2 * DAY} AS BIGINT)",
            "first_response_at": "NULL",
            "anonymized_at": "NULL",
        },
    ),
    "rights_requests": _Bad("received_at", ("completed_at", "identity_verified_at"), "right"),
    "marketing_contacts": _Bad("last_communication_at", ("consent_given_at", "consent_withdrawn_at"), "contact_id"),
    "web_visits": _Bad("visited_at", (), "visitor_id"),
    "payments": _Bad("paid_at", (), "account_id"),
    "server_logs": _Bad("logged_at", (), "log_id"),
}


def write_sample(
    out_dir: Path,
    accounts: int = 3000,
    seed: int = 42,
    fmt: str = "csv",
    bad_rows: bool = True,
    end: date = date(2026, 9, 30),
    years: float | None = None,
    *,
    profile: str = "typical",
    sessions_per_account: float = 15.0,
    threads: int | None = None,
    memory_limit: str | None = None,
) -> dict[str, int]:
    """Write a full export of the contract tables into ``out_dir`` (the columns only other policies read,
    ``closed_at``, ``product``, ``jurisdiction``, are written empty: ``sample --policy`` fills them).

    ``<table>.csv`` (comma-separated, UTF-8, header, ISO-8601 timestamps, empty
    for null) or ``<table>.parquet`` (TIMESTAMPTZ columns). ``end`` is the newest
    date in the data; accounts are created over the ``years`` before it
    (default: the profile's). ``profile`` names the shapes (``PROFILES``):
    ``typical``, a company whose erasure job mostly runs on time, or
    ``lapses``, one whose erasure job mostly never ran and who never purged
    logs. ``bad_rows`` adds rows the loader must set aside or flag (CSV: bad
    timestamps, missing required values, duplicate keys, orphan sessions,
    tickets resolved before created; Parquet: all but the bad timestamps): a
    few per thousand rows (typical) or a few dozen per large table (lapses).
    Returns the rows written per table, bad rows included.
    """
    if fmt not in FORMATS:
        raise ValueError(f"fmt must be one of {FORMATS}, not {fmt!r}")
    if profile not in PROFILES:
        raise ValueError(f"profile must be one of {tuple(PROFILES)}, not {profile!r}")
    shape = PROFILES[profile]
    years = shape.years if years is None else years
    if accounts < 1:
        raise ValueError("accounts must be at least 1")
    if not (0 < years <= 100):
        raise ValueError("years must be in (0, 100]")
    if not isinstance(seed, int) or not (-(2**63) <= seed < 2**63):
        raise ValueError("seed must be a 64-bit integer")
    if sessions_per_account <= 0:
        raise ValueError("sessions_per_account must be positive")
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    (out_dir / SYNTHETIC_MARKER).write_text(
        "This export directory was written by `privacy-review sample`: synthetic data, no real person.\n"
        "A review run on it warns in its log and its report carries a 'synthetic sample data' banner.\n",
        encoding="utf-8",
    )

    con = duckdb.connect(":memory:")
    try:
        con.execute("SET TimeZone = 'UTC'")
        con.execute("SET enable_progress_bar = false")
        if fmt == "parquet":
            # Parquet promises the same rows, not their order: writing without keeping the order
            # saves two thirds of the memory for large tables (CSV queries sort explicitly)
            con.execute("SET preserve_insertion_order = false")
        if threads:
            con.execute(f"SET threads = {int(threads)}")
        if memory_limit:
            con.execute(f"SET memory_limit = '{_checked_memory(memory_limit)}'")
        gen = _Generator(con, out_dir, accounts, int(seed), fmt, bad_rows, end, years, sessions_per_account, shape)
        return gen.run()
    finally:
        con.close()


def _checked_memory(text: str) -> str:
    if not all(ch.isalnum() or ch in " ." for ch in text):
        raise ValueError(f"bad memory limit {text!r}")
    return text


# ---------------------------------------------------------------- SQL helpers


def _lit(value: str | None) -> str:
    if value is None:
        return "NULL"
    return "'" + value.replace("'", "''") + "'"


def _choice(u: str, options: Sequence[tuple[str | None, float]]) -> str:
    """CASE expression picking a value with the given weights from a uniform ``u``."""
    total = sum(w for _, w in options)
    acc = 0.0
    parts = []
    for value, weight in options[:-1]:
        acc += weight / total
        parts.append(f"WHEN {u} < {acc:.6f} THEN {_lit(value)}")
    parts.append(f"ELSE {_lit(options[-1][0])}")
    return "(CASE " + " ".join(parts) + " END)"


class _Generator:
    def __init__(self, con, out_dir: Path, n: int, seed: int, fmt: str, bad_rows: bool, end: date, years: float,
                 spa: float, shape: Shape):
        self.con = con
        self.shape = shape
        self.out = out_dir
        self.n = n
        self.seed = seed
        self.fmt = fmt
        self.bad_rows = bad_rows
        # newest instant: 21:59:59 UTC on ``end``, still ``end`` in Brussels local time
        self.END = int(datetime(end.year, end.month, end.day, 21, 59, 59, tzinfo=timezone.utc).timestamp())
        self.SPAN = int(years * YEAR)
        self.START = self.END - self.SPAN
        self.spa = spa
        self.aw = max(6, len(str(n + 1000)))  # account id digits (orphans use ids above n)

    # ------------------------------------------------------------ run
    def run(self) -> dict[str, int]:
        self._macros()
        self._accounts()
        counts: dict[str, int] = {}
        for name, (sql, rows) in self._tables().items():
            counts[name] = self._write(name, sql, rows)
        return counts

    def _macros(self) -> None:
        s = self.seed
        for macro in (
            # uniform in [0, 1) from (seed, key, salt); keys are cast so the hash never depends on a literal's type
            # (the salt's hash is a constant the optimizer folds: one integer hash per row)
            f"CREATE TEMP MACRO h(k, salt) AS hash(xor(CAST(k AS UBIGINT), hash({s}::BIGINT, salt)))",
            "CREATE TEMP MACRO u(k, salt) AS CAST(h(k, salt) >> 11 AS DOUBLE) / 9007199254740992.0",
            # exponential with mean 1
            "CREATE TEMP MACRO ex(k, salt) AS -ln(1.0 - u(k, salt))",
            # same UTC day, moved into 07:00-19:00 UTC (office hours in Brussels)
            f"CREATE TEMP MACRO office(t, k, salt) AS (t // {DAY}) * {DAY} + {7 * HOUR} + CAST(u(k, salt) * {12 * HOUR} AS BIGINT)",
            # ... with probability p, and only when that stays within [lo, hi] (else t unchanged)
            """CREATE TEMP MACRO office_in(t, lo, hi, p, k, salt) AS CASE
                 WHEN u(k, salt || '?') < p AND office(t, k, salt) BETWEEN lo AND hi THEN office(t, k, salt) ELSE t END""",
            # fake but well-formed IPv4 addresses: documentation ranges and 10/8
            """CREATE TEMP MACRO fake_ip(x) AS CASE x % 8
                 WHEN 0 THEN concat('192.0.2.', 1 + (x >> 8) % 254)
                 WHEN 1 THEN concat('198.51.100.', 1 + (x >> 8) % 254)
                 WHEN 2 THEN concat('203.0.113.', 1 + (x >> 8) % 254)
                 ELSE concat('10.', (x >> 8) % 256, '.', (x >> 16) % 256, '.', 1 + (x >> 24) % 254) END""",
            "CREATE TEMP MACRO ident(prefix, num, width) AS prefix || lpad(CAST(num AS VARCHAR), width, '0')",
            # ISO-8601 text: UTC with Z, or Brussels local time with its offset
            "CREATE TEMP MACRO ts_z(x) AS strftime(make_timestamp(CAST(x AS BIGINT) * 1000000), '%Y-%m-%dT%H:%M:%SZ')",
            """CREATE TEMP MACRO ts_local(x) AS strftime(timezone('Europe/Brussels', to_timestamp(x)), '%Y-%m-%dT%H:%M:%S')
                 || CASE WHEN CAST(epoch(timezone('Europe/Brussels', to_timestamp(x))) AS BIGINT) - x = 7200
                         THEN '+02:00' ELSE '+01:00' END""",
        ):
            self.con.execute(macro)

    # ------------------------------------------------------------ accounts
    def _accounts(self) -> None:
        n, START, END, SPAN = self.n, self.START, self.END, self.SPAN
        shape = self.shape
        never = SHARE_NEVER_USED
        short = never + shape.share_short_life
        medium = short + shape.share_medium_life
        # mean sessions per account is ~20 for spa = 20 (calibrated on the shapes above)
        rate = 0.79 * self.spa / 20.0
        on_time = shape.erased_on_time
        late = shape.erased_on_time + shape.erased_late
        self.con.execute(
            f"""
            CREATE TEMP TABLE acc0 AS
            WITH b0 AS (
              SELECT i, {START} + CAST(pow(u(i, 'created'), 0.8) * {SPAN} AS BIGINT) AS c0, u(i, 'life') AS ul
              FROM range({n}) t(i)
            ), b1 AS (
              SELECT i, ul,
                office_in(c0, {START}, {END}, 0.85, i, 'c_hour') AS c
              FROM b0
            ), b2 AS (
              SELECT i, ul, c,
                CASE WHEN ul < {never} THEN c
                     ELSE office_in(l0, c, {END}, 0.85, i, 'l_hour')
                END AS l
              FROM (
                SELECT *,
                  CASE WHEN ul < {short} AND c + CAST(u(i, 'life_len') * {14 * DAY} AS BIGINT) <= {END}
                         THEN c + CAST(u(i, 'life_len') * {14 * DAY} AS BIGINT)
                       WHEN ul >= {short} AND ul < {medium} AND c + CAST(({15} + ex(i, 'life_len') * {shape.medium_life_days}) * {DAY} AS BIGINT) <= {END}
                         THEN c + CAST(({15} + ex(i, 'life_len') * {shape.medium_life_days}) * {DAY} AS BIGINT)
                       -- still active: last seen in the last weeks
                       ELSE greatest(c, {END} - CAST(pow(u(i, 'life_len'), 2) * {20 * DAY} AS BIGINT)) END AS l0
                FROM b1
              )
            ), b3 AS (
              SELECT *,
                CASE WHEN ul < {never} THEN 0
                     ELSE least(5000, 1 + CAST({rate} * (0.15 + ex(i, 'intensity'))
                                        * pow((l - c) / {DAY} + 1, 0.62) AS BIGINT)) END AS n_sess,
                u(i, 'legal_hold') < {LEGAL_HOLD} AS legal_hold,
                u(i, 'user_deletion') < {shape.user_deletion} AS user_del,
                u(i, 'erasure') AS ue
              FROM b2
            ), b4 AS (
              SELECT *,
                CASE WHEN legal_hold THEN NULL
                     WHEN user_del THEN l + {HOUR} + CAST(u(i, 'del_delay') * {20 * DAY} AS BIGINT)
                     WHEN ue < {on_time} THEN l + {DEADLINE} - {DAY} - CAST(u(i, 'er_delay') * {30 * DAY} AS BIGINT)
                     WHEN ue < {late} THEN l + {DEADLINE} + {DAY} + CAST(u(i, 'er_delay') * {150 * DAY} AS BIGINT)
                     ELSE NULL END AS e0
              FROM b3
            ), b5 AS (
              SELECT *, CASE WHEN e0 <= {END} THEN e0 END AS e FROM b4
            ), b6 AS (
              SELECT *,
                CASE WHEN e IS NULL THEN 'active'
                     WHEN user_del THEN 'deleted'
                     WHEN u(i, 'status') < 0.7 THEN 'anonymized' ELSE 'deleted' END AS status,
                u(i, 'last_login') AS ull
              FROM b5
            ), b7 AS (
              SELECT *,
                CASE WHEN status = 'anonymized' THEN NULL
                     WHEN n_sess = 0 THEN CASE WHEN ull < 0.5 THEN c + 60 + CAST(ull * {2 * HOUR} AS BIGINT) END
                     WHEN ull < 0.70 THEN l
                     WHEN ull < 0.85 THEN l + CAST(u(i, 'll_delta') * least({6 * HOUR}, {END} - l) AS BIGINT)
                     WHEN ull < 0.92 THEN greatest(c, l - CAST(u(i, 'll_delta') * {3 * DAY} AS BIGINT))
                     ELSE NULL END AS ll0
              FROM b6
            )
            SELECT *,
              CASE WHEN plan = 'paid' THEN 1 + CAST(greatest(0, pay_end - c - {2 * DAY}) // {MONTH} AS BIGINT) ELSE 0 END AS pay_n
            FROM (
              SELECT
                i, c, l, e, status, legal_hold, n_sess,
                CASE WHEN e IS NOT NULL AND ll0 > e THEN e ELSE ll0 END AS last_login,
                {_choice("u(i, 'plan')", PLANS_WEIGHTS)} AS plan,
                e IS NOT NULL AND u(i, 'residual') < {shape.residual_accounts} AS residual,
                e IS NOT NULL AND u(i, 'tickets_kept') >= {shape.tickets_not_anonymized} AS tickets_anonymized,
                u(i, 'marketing') < {MARKETING_ACCOUNTS}
                  AND (e IS NULL OR u(i, 'mk_kept') < {shape.marketing_kept_after_erasure}) AS mk,
                CASE WHEN plan = 'paid' THEN least(coalesce(e, {END}), l + {30 * DAY}, {END}) END AS pay_end
              FROM b7
            )
            """
        )
        # running offsets (the window sorts narrow rows), then the per-account strings
        self.con.execute(
            f"""
            CREATE TEMP TABLE acc AS
            SELECT *,
              ident('A', i + 1, {self.aw}) AS account_id,
              {_choice("u(i, 'country')", COUNTRIES_WEIGHTS)} AS country,
              1 + h(i, 'n_devices') % 3 AS n_dev,
              fake_ip(h(i, 'ip1')) AS ip1, fake_ip(h(i, 'ip2')) AS ip2, fake_ip(h(i, 'ip3')) AS ip3,
              printf('%016x', h(i, 'dev1')) AS dev1, printf('%016x', h(i, 'dev2')) AS dev2,
              printf('%016x', h(i, 'dev3')) AS dev3
            FROM (
              SELECT *,
                CAST(sum(n_sess) OVER w - n_sess AS BIGINT) AS s_off,
                CAST(sum(CAST(mk AS INTEGER)) OVER w - CAST(mk AS INTEGER) AS BIGINT) AS mk_off,
                CAST(sum(pay_n) OVER w - pay_n AS BIGINT) AS p_off
              FROM acc0
              WINDOW w AS (ORDER BY i ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
            )
            """
        )
        self.con.execute("DROP TABLE acc0")
        self.n_sessions, self.n_mk_acc, self.n_payments = self.con.execute(
            "SELECT sum(n_sess), sum(CAST(mk AS INTEGER)), sum(pay_n) FROM acc"
        ).fetchone()
        self.n_sessions = int(self.n_sessions or 0)
        self.n_mk_acc = int(self.n_mk_acc or 0)
        self.n_payments = int(self.n_payments or 0)

    # ------------------------------------------------------------ the other tables
    def _tables(self) -> dict[str, tuple[str, int]]:
        n, START, END, SPAN = self.n, self.START, self.END, self.SPAN
        out: dict[str, tuple[str, int]] = {}

        out["accounts"] = (
            f"""
            SELECT i AS rn, account_id, c AS created_at, plan, country, status, e AS erased_at,
                   last_login AS last_login_at, legal_hold
            FROM acc WHERE {_filter("i")}
            """,
            n,
        )

        sw = max(8, len(str(self.n_sessions)))
        out["sessions"] = (
            f"""
            WITH s0 AS (
              SELECT account_id, c, l, e, residual, n_dev, ip1, ip2, ip3, dev1, dev2, dev3, s_off + k AS rn, k
              FROM (SELECT *, unnest(range(n_sess)) AS k FROM acc)
              WHERE {_filter("s_off + k")}
            ), s1 AS (
              SELECT *,
                CASE WHEN k = 0 THEN l
                     ELSE office_in(c + CAST(pow(u(rn, 'start'), 1.8) * (l - c) AS BIGINT), c, l, 0.85, rn, 'st_hour') END AS st,
                {MINUTE} + CAST(ex(rn, 'duration') * {25 * MINUTE} AS BIGINT) AS dur,
                e IS NOT NULL AND NOT residual AND u(rn, 'residual') >= {self.shape.residual_sessions} AS scrubbed,
                u(rn, 'ip') AS uip, u(rn, 'device') AS udev
              FROM s0
            )
            SELECT rn,
              ident('S', rn + 1, {sw}) AS session_id,
              account_id,
              st AS started_at,
              CASE WHEN u(rn, 'no_end') < 0.03 OR st + dur > {END} THEN NULL ELSE st + dur END AS ended_at,
              CASE WHEN scrubbed THEN NULL WHEN uip < 0.65 THEN ip1 WHEN uip < 0.9 THEN ip2 ELSE ip3 END AS ip_address,
              CASE WHEN scrubbed OR udev < 0.04 THEN NULL
                   WHEN udev * n_dev < 1.5 THEN dev1 WHEN udev * n_dev < 2.5 THEN dev2 ELSE dev3 END AS device_id
            FROM s1
            """,
            self.n_sessions,
        )

        n_tickets = max(1, round(n * TICKETS_PER_ACCOUNT))
        tw = max(6, len(str(n_tickets)))
        fr = {  # first response delay (s) by channel
            "live_chat": f"20 + CAST(ex(t, 'fr') * {4 * MINUTE} AS BIGINT)",
            "phone": f"CAST(u(t, 'fr') * {2 * MINUTE} AS BIGINT)",
            "help_center": f"{20 * MINUTE} + CAST(ex(t, 'fr') * {7 * HOUR} AS BIGINT)",
            "email": f"{HOUR} + CAST(ex(t, 'fr') * {22 * HOUR} AS BIGINT)",
        }
        res = {  # resolution after the first response (s)
            "live_chat": f"CAST(ex(t, 'res') * {90 * MINUTE} AS BIGINT)",
            "phone": f"CAST(ex(t, 'res') * {HOUR} AS BIGINT)",
            "help_center": f"{HOUR} + CAST(ex(t, 'res') * {30 * HOUR} AS BIGINT)",
            "email": f"{2 * HOUR} + CAST(ex(t, 'res') * {50 * HOUR} AS BIGINT)",
        }
        out["support_tickets"] = (
            f"""
            WITH t0 AS (
              SELECT t, u(t, 'prospect') < {TICKET_PROSPECTS} AS prospect,
                CAST(floor(u(t, 'account') * {n}) AS BIGINT) AS ai,
                {_choice("u(t, 'channel')", TICKET_CHANNELS_WEIGHTS)} AS channel,
                {_choice("u(t, 'category')", TICKET_CATEGORIES_WEIGHTS)} AS category
              FROM range({n_tickets}) r(t) WHERE {_filter("t")}
            ), t1 AS (
              SELECT t0.*, a.account_id, a.e, a.tickets_anonymized,
                CASE WHEN prospect THEN {START} + CAST(u(t, 'created') * {SPAN} AS BIGINT)
                     ELSE a.c + CAST(u(t, 'created') * (least(a.l + {30 * DAY}, coalesce(a.e - {HOUR}, {END}), {END}) - a.c) AS BIGINT)
                END AS c0
              FROM t0 LEFT JOIN acc a ON a.i = t0.ai AND NOT t0.prospect
            ), t2 AS (
              SELECT *,
                office_in(c0, c0 - {DAY}, {END}, 0.8, t, 'c_hour') AS created,
                CASE channel {" ".join(f"WHEN '{k}' THEN {v}" for k, v in fr.items())} END AS fr_delay,
                CASE channel {" ".join(f"WHEN '{k}' THEN {v}" for k, v in res.items())} END AS res_delay,
                u(t, 'open') < 0.04 AS stays_open,
                u(t, 'no_response') < 0.02 AS no_response
              FROM t1
            ), t3 AS (
              SELECT *,
                CASE WHEN NOT no_response AND created + fr_delay <= {END} THEN created + fr_delay END AS fr_at
              FROM t2
            ), t4 AS (
              SELECT *,
                CASE WHEN fr_at IS NOT NULL AND NOT stays_open AND fr_at + res_delay <= {END} THEN fr_at + res_delay END AS res_at
              FROM t3
            )
            SELECT t AS rn,
              ident('T', t + 1, {tw}) AS ticket_id,
              CASE WHEN prospect THEN NULL ELSE account_id END AS account_id,
              channel, category,
              created AS created_at,
              fr_at AS first_response_at,
              res_at AS resolved_at,
              CASE
                WHEN NOT prospect AND e IS NOT NULL AND tickets_anonymized
                  THEN CASE WHEN greatest(e, coalesce(res_at, created)) + CAST(u(t, 'anon') * {7 * DAY} AS BIGINT) <= {END}
                            THEN greatest(e, coalesce(res_at, created)) + CAST(u(t, 'anon') * {7 * DAY} AS BIGINT) END
                WHEN prospect AND u(t, 'anon_p') < 0.85
                  THEN CASE WHEN coalesce(res_at, created) + {DEADLINE} - CAST(u(t, 'anon') * {20 * DAY} AS BIGINT) <= {END}
                            THEN coalesce(res_at, created) + {DEADLINE} - CAST(u(t, 'anon') * {20 * DAY} AS BIGINT) END
              END AS anonymized_at
            FROM t4
            ORDER BY t
            """,
            n_tickets,
        )

        n_req = max(1, round(n * REQUESTS_PER_ACCOUNT))
        rw = max(5, len(str(n_req)))
        out["rights_requests"] = (
            f"""
            WITH r0 AS (
              SELECT q, u(q, 'prospect') < {REQUEST_PROSPECTS} AS prospect,
                CAST(floor(u(q, 'account') * {n}) AS BIGINT) AS ai,
                {_choice("u(q, 'right')", RIGHTS_WEIGHTS)} AS "right",
                {_choice("u(q, 'channel')", REQUEST_CHANNELS_WEIGHTS)} AS channel,
                {_choice("u(q, 'outcome')", OUTCOMES_WEIGHTS)} AS outcome0,
                u(q, 'mode') AS um
              FROM range({n_req}) r(q) WHERE {_filter("q")}
            ), r1 AS (
              SELECT r0.*, a.account_id,
                CASE WHEN prospect THEN {START} + CAST(u(q, 'received') * {SPAN} AS BIGINT)
                     ELSE a.c + CAST(u(q, 'received') * (least(a.l + {60 * DAY}, coalesce(a.e, {END}), {END}) - a.c) AS BIGINT)
                END AS r00
              FROM r0 LEFT JOIN acc a ON a.i = r0.ai AND NOT r0.prospect
            ), r2 AS (
              SELECT *,
                office_in(r00, r00 - {DAY}, {END}, 0.8, q, 'r_hour') AS rec,
                CASE WHEN u(q, 'verify') < 0.45 THEN {2 * HOUR} + CAST(u(q, 'verify_delay') * {118 * HOUR} AS BIGINT) END AS ver_delay,
                -- 72% normal, 10% valid extension, 2% extension notified too late, 10% late, 4% stuck, 2% withdrawn
                CASE WHEN um < 0.72 THEN {DAY} + CAST(pow(u(q, 'done'), 2) * {27 * DAY} AS BIGINT)
                     WHEN um < 0.82 THEN {35 * DAY} + CAST(u(q, 'done') * {50 * DAY} AS BIGINT)
                     WHEN um < 0.84 THEN {45 * DAY} + CAST(u(q, 'done') * {40 * DAY} AS BIGINT)
                     WHEN um < 0.94 THEN {33 * DAY} + CAST(u(q, 'done') * {70 * DAY} AS BIGINT)
                     WHEN um < 0.98 THEN NULL
                     ELSE {DAY} + CAST(u(q, 'done') * {9 * DAY} AS BIGINT) END AS done_delay,
                CASE WHEN um >= 0.72 AND um < 0.82 THEN {10 * DAY} + CAST(u(q, 'ext') * {17 * DAY} AS BIGINT)
                     WHEN um >= 0.82 AND um < 0.84 THEN {32 * DAY} + CAST(u(q, 'ext') * {12 * DAY} AS BIGINT) END AS ext_delay
              FROM r1
            ), r3 AS (
              SELECT *,
                CASE WHEN rec + ver_delay <= {END} THEN rec + ver_delay END AS ver,
                CASE WHEN rec + ext_delay <= {END} THEN rec + ext_delay END AS ext,
                CASE WHEN done_delay IS NOT NULL AND rec + greatest(done_delay, coalesce(ver_delay + {HOUR}, 0)) <= {END}
                     THEN rec + greatest(done_delay, coalesce(ver_delay + {HOUR}, 0)) END AS done
              FROM r2
            )
            SELECT q AS rn,
              ident('R', q + 1, {rw}) AS request_id,
              CASE WHEN prospect THEN NULL ELSE account_id END AS account_id,
              "right", channel,
              rec AS received_at,
              ver AS identity_verified_at,
              CASE WHEN ext IS NOT NULL AND (done IS NULL OR ext < done) THEN ext END AS extension_notified_at,
              done AS completed_at,
              CASE WHEN done IS NULL THEN NULL WHEN um >= 0.98 THEN 'withdrawn' ELSE outcome0 END AS outcome
            FROM r3
            ORDER BY q
            """,
            n_req,
        )

        n_mk_pros = round(n * MARKETING_PROSPECTS_PER_ACCOUNT)
        n_mk = self.n_mk_acc + n_mk_pros
        mw = max(6, len(str(n_mk)))
        out["marketing_contacts"] = (
            f"""
            WITH m00 AS (
              SELECT mk_off AS rn, account_id, c AS w0, e FROM acc WHERE mk
              UNION ALL
              SELECT {self.n_mk_acc} + p AS rn, NULL AS account_id,
                {START} + CAST(u(p, 'prospect_start') * {SPAN} AS BIGINT) AS w0, NULL AS e
              FROM range({n_mk_pros}) r(p)
            ), m0 AS (SELECT * FROM m00 WHERE {_filter("rn")}
            ), m1 AS (
              SELECT *,
                CASE WHEN u(rn, 'no_consent') < 0.05 THEN NULL
                     ELSE w0 + CAST(u(rn, 'consent') * least({3 * DAY}, {END} - w0) AS BIGINT) END AS g,
                u(rn, 'comm') AS uc
              FROM m0
            ), m2 AS (
              SELECT *,
                CASE WHEN g IS NOT NULL AND u(rn, 'withdraw') < 0.18
                      AND g + {5 * DAY} + CAST(u(rn, 'w_delay') * {500 * DAY} AS BIGINT) <= {END}
                     THEN g + {5 * DAY} + CAST(u(rn, 'w_delay') * {500 * DAY} AS BIGINT) END AS w
              FROM m1
            ), m3 AS (
              SELECT *,
                CASE
                  WHEN w IS NOT NULL AND uc < 0.92
                    THEN greatest(coalesce(g, w0), w - CAST(u(rn, 'c_delta') * {30 * DAY} AS BIGINT))
                  WHEN w IS NOT NULL
                    THEN w + 1 + CAST(u(rn, 'c_delta') * greatest(0, least({60 * DAY}, {END} - w - 1)) AS BIGINT)
                  WHEN uc < 0.65
                    THEN greatest(coalesce(g, w0), {END} - CAST(u(rn, 'c_delta') * {35 * DAY} AS BIGINT))
                  ELSE coalesce(g, w0) + CAST(u(rn, 'c_delta') * ({END} - coalesce(g, w0)) AS BIGINT)
                END AS lc
              FROM m2
            )
            SELECT rn,
              ident('M', rn + 1, {mw}) AS contact_id,
              account_id,
              g AS consent_given_at,
              w AS consent_withdrawn_at,
              lc AS last_communication_at
            FROM m3
            ORDER BY rn
            """,
            n_mk,
        )

        n_visitors = max(1, round(n * VISITORS_PER_ACCOUNT))
        self.con.execute(
            f"""
            CREATE OR REPLACE TEMP TABLE vis AS
            WITH v0 AS (
              SELECT v, u(v, 'linked') < {VISITORS_LINKED} AS linked,
                CAST(floor(u(v, 'account') * {n}) AS BIGINT) AS ai,
                least(400, 1 + CAST(ex(v, 'n_visits') * 2.5 AS BIGINT)) AS n_vis,
                {START} + CAST(u(v, 'first') * {SPAN} AS BIGINT) AS f
              FROM range({n_visitors}) r(v)
            ), v1 AS (
              SELECT v0.v, v0.n_vis, a.account_id, a.c,
                CASE WHEN a.i IS NOT NULL THEN greatest({START}, a.c - {20 * DAY}) ELSE f END AS ws,
                CASE WHEN a.i IS NOT NULL THEN a.l
                     ELSE least({END}, f + CAST(ex(v0.v, 'v_life') * {60 * DAY} AS BIGINT)) END AS we
              FROM v0 LEFT JOIN acc a ON a.i = v0.ai AND v0.linked
            )
            SELECT *,
              CAST(sum(n_vis) OVER (ORDER BY v ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW) - n_vis AS BIGINT) AS v_off
            FROM v1
            ORDER BY v
            """
        )
        n_visits = int(self.con.execute("SELECT sum(n_vis) FROM vis").fetchone()[0] or 0)
        ww = max(8, len(str(n_visits)))
        out["web_visits"] = (
            f"""
            WITH w0 AS (
              SELECT v, account_id, c, ws, we, v_off + k AS rn
              FROM (SELECT *, unnest(range(n_vis)) AS k FROM vis)
              WHERE {_filter("v_off + k")}
            ), w1 AS (
              SELECT *, ws + CAST(u(rn, 'visit') * (we - ws) AS BIGINT) AS vat FROM w0
            )
            SELECT rn,
              ident('W', rn + 1, {ww}) AS visit_id,
              lower(lpad(to_hex(h(v, 'visitor')), 16, '0')) AS visitor_id,
              CASE WHEN vat >= c THEN account_id END AS account_id,
              vat AS visited_at
            FROM w1
            """,
            n_visits,
        )

        pw = max(7, len(str(self.n_payments)))
        out["payments"] = (
            f"""
            WITH p0 AS (
              SELECT account_id, c, pay_end, p_off + k AS rn, k
              FROM (SELECT *, unnest(range(pay_n)) AS k FROM acc WHERE pay_n > 0)
              WHERE {_filter("p_off + k")}
            )
            SELECT rn,
              ident('P', rn + 1, {pw}) AS payment_id,
              account_id,
              greatest(c, least(pay_end, c + k * {MONTH} + {HOUR} + CAST(u(rn, 'pay') * {DAY} AS BIGINT))) AS paid_at
            FROM p0
            """,
            self.n_payments,
        )

        # server log entries (read by policies other than the packaged one): one per account at its last
        # activity, and a tenth as many without an account, spread over the history
        n_logs = n + n // 10
        lw = max(7, len(str(n_logs)))
        out["server_logs"] = (
            f"""
            WITH g AS (
              SELECT rn FROM range({n_logs}) AS t(rn) WHERE {_filter("rn")}
            )
            SELECT g.rn,
              ident('L', g.rn + 1, {lw}) AS log_id,
              CASE WHEN a.account_id IS NOT NULL THEN a.l - CAST(u(g.rn, 'log') * {DAY} AS BIGINT)
                   ELSE {START} + CAST(u(g.rn, 'log') * {SPAN} AS BIGINT) END AS logged_at,
              a.account_id,
              fake_ip(h(g.rn, 'log_ip')) AS ip_address
            FROM g LEFT JOIN acc AS a ON a.i = g.rn
            ORDER BY g.rn
            """,
            n_logs,
        )
        return out

    # ------------------------------------------------------------ writing
    def _kinds(self, name: str, rows: int) -> list[tuple[str, int]]:
        """(kind, count) of bad rows, in the order their places are laid out (the shape says how many)."""
        if not self.bad_rows or rows == 0:
            return []
        spec = _BAD[name]
        applicable = [k for k in BAD_KINDS if (k != "bad_ts" or self.fmt == "csv") and (k != "orphan" or spec.orphan)
                      and (k != "bad_order" or spec.bad_order)]
        kinds, left = [], rows
        for kind, count in self.shape.bad_rows.counts(name, applicable, rows):
            count = min(count, left)
            if count:
                kinds.append((kind, count))
                left -= count
        return kinds

    def _places(self, name: str, rows: int, kinds: list[tuple[str, int]]):
        """Where the bad rows go: ``r_of(rn)``, a number per row; ``kind_of(r)``, its kind (0: a good row);
        ``first``, each kind's lowest number; ``pick``, a row's turn within its kind (which column it spoils)."""
        if isinstance(self.shape.bad_rows, FixedBadRows):
            return self._sliced_places(name, rows, kinds)
        return self._scrambled_places(name, rows, kinds)

    def _scrambled_places(self, name: str, rows: int, kinds: list[tuple[str, int]]):
        """_r: a permutation of 0..rows-1 (rows scrambled), laid out in ranges, one per kind of bad row:
        each kind gets exactly its count of rows, spread over the file."""
        n_rows = max(rows, 1)
        offset = int(self.con.execute(f"SELECT hash({self.seed}::BIGINT, {_lit(name)}) % {n_rows}").fetchone()[0])
        ranges: dict[str, tuple[int, int]] = {}
        lo = 0
        for kind, count in kinds:
            ranges[kind] = (lo, lo + count)
            lo += count

        def r_of(rn: str) -> str:
            return f"CAST((({rn}) * {_SCRAMBLE} + {offset}) % {n_rows} AS BIGINT)"

        def kind_of(r: str) -> str:
            whens = " ".join(f"WHEN {r} < {hi} THEN {_KIND[k]}" for k, (_, hi) in ranges.items())
            return f"CASE {whens} ELSE 0 END" if whens else "0"

        return r_of, kind_of, {k: lo for k, (lo, _) in ranges.items()}, "_r"

    def _sliced_places(self, name: str, rows: int, kinds: list[tuple[str, int]]):
        """One bad row in each of `total` equal slices of the file, at a place drawn within the slice; the kinds
        take turns, so each is spread over the whole file, its last slice included. _r: the slice's number
        for its bad row, above ``total`` for every other row."""
        n_rows = max(rows, 1)
        total, turns = sum(c for _, c in kinds), max(len(kinds), 1)

        def r_of(rn: str) -> str:
            if not total:
                return f"CAST({total} + ({rn}) AS BIGINT)"
            j = f"(((({rn}) + 1) * {total} - 1) // {n_rows})"
            lo, hi = f"({j} * {n_rows} // {total})", f"(({j} + 1) * {n_rows} // {total})"
            slot = f"{lo} + CAST(floor(u({j}, {_lit('slot:' + name)}) * ({hi} - {lo})) AS BIGINT)"  # never hi
            return f"CAST(CASE WHEN ({rn}) = {slot} THEN {j} ELSE {total} + ({rn}) END AS BIGINT)"

        def kind_of(r: str) -> str:
            if not total:
                return "0"
            whens = " ".join(f"WHEN {i} THEN {_KIND[k]}" for i, (k, _) in enumerate(kinds))
            return f"CASE WHEN {r} < {total} THEN (CASE {r} % {turns} {whens} END) ELSE 0 END"

        return r_of, kind_of, {k: i for i, (k, _) in enumerate(kinds)}, f"(_r // {turns})"

    def _write(self, name: str, raw_sql: str, rows: int) -> int:
        """Write one table: the raw rows, bad rows laid over them, formatted for the output format."""
        table: Table = TABLES[name]
        spec = _BAD[name]
        kinds = self._kinds(name, rows)
        counts = dict(kinds)
        cols = table.column_names
        r_of, kind_of, first, pick = self._places(name, rows, kinds)
        kind_sql = kind_of("_r")

        # which column a bad timestamp / a missing value hits (index into the contract's columns)
        ts_target = " ".join(f"WHEN {o} IS NOT NULL THEN {cols.index(o)}" for o in spec.optional_ts)
        ts_target = f"CASE WHEN {pick} % 2 = 0 THEN {cols.index(spec.main_ts)} {ts_target} ELSE {cols.index(spec.main_ts)} END"
        miss_cols = [cols.index(c) for c in (table.key, spec.main_ts, spec.required_text)]
        miss_target = f"{miss_cols}[1 + {pick} % 3]"

        replace = []
        if "orphan" in counts:
            replace.append(
                f"CASE WHEN _kind = {_KIND['orphan']} THEN ident('A', {self.n + 1} + _r - {first['orphan']}, {self.aw}) "
                f"ELSE {spec.orphan} END AS {spec.orphan}"
            )
        if "bad_order" in counts:
            for col, expr in spec.bad_order.items():
                replace.append(f"CASE WHEN _kind = {_KIND['bad_order']} THEN {expr} ELSE {col} END AS {col}")
        replace_sql = f" REPLACE ({', '.join(replace)})" if replace else ""

        # columns this generator does not model (those only some policies read: docs/contract.md, "Optional
        # columns") are written empty; `sample --policy` fills them (pipelines/sample/fitted.py)
        produced = {d[0] for d in self.con.execute(f"SELECT * FROM ({_FILTER_RE.sub('TRUE', raw_sql)}) LIMIT 0").description}
        csv = self.fmt == "csv"
        bad_text = "[" + ", ".join(_lit(b) for b in BAD_TIMESTAMPS) + f"][1 + ({pick} // 2) % {len(BAD_TIMESTAMPS)}]"
        select = []
        for j, col in enumerate(table.columns):
            q = f'"{col.name}"'
            if col.name not in produced:
                select.append(f"CAST(NULL AS {'TIMESTAMPTZ' if col.type == 'timestamp' and not csv else 'VARCHAR'}) AS {q}")
                continue
            if col.type == "timestamp":
                value = f"CASE WHEN _tz THEN ts_local({q}) ELSE ts_z({q}) END" if csv else f"to_timestamp({q})"
                if "bad_ts" in counts:
                    value = f"CASE WHEN _kind = {_KIND['bad_ts']} AND _ts_col = {j} THEN {bad_text} ELSE {value} END"
            else:
                value = q
            if "missing" in counts and col.required:
                value = f"CASE WHEN _kind = {_KIND['missing']} AND _miss_col = {j} THEN NULL ELSE {value} END"
            select.append(f"{value} AS {q}")

        def chain(raw: str) -> str:
            return f"""
                WITH k0 AS ({raw}),
                k1 AS (SELECT *, {r_of("rn")} AS _r FROM k0),
                k2 AS (SELECT *, {kind_sql} AS _kind, {"u(rn, 'tz') < 0.1" if csv else "false"} AS _tz FROM k1)
                SELECT *{replace_sql},
                  {ts_target if "bad_ts" in counts else "-1"} AS _ts_col,
                  {miss_target if "missing" in counts else "-1"} AS _miss_col
                FROM k2
            """

        branches = [f"SELECT *, rn AS _pos, 0 AS _copy FROM ({chain(_FILTER_RE.sub('TRUE', raw_sql))})"]
        if "dup" in counts:
            # the copies: the same rows again, computed only for the rows that get one; placed later in the file
            branches.append(
                f"SELECT *, least(rn + 1 + _r % 997, {rows - 1}) AS _pos, 1 AS _copy FROM ("
                + chain(_FILTER_RE.sub(lambda m: f"({kind_of(r_of(m.group(1)))} = {_KIND['dup']})", raw_sql))
                + ")"
            )
        query = f"""
            SELECT {", ".join(select)}
            FROM ({" UNION ALL ".join(branches)})
            {"ORDER BY _pos, _copy" if csv else ""}
        """
        self._copy(name, query)
        return rows + counts.get("dup", 0)

    def _copy(self, name: str, query: str) -> None:
        ext = "csv" if self.fmt == "csv" else "parquet"
        target = self.out / f"{name}.{ext}"
        tmp = self.out / f".{name}.{ext}.tmp"
        if self.fmt == "csv":
            options = "FORMAT csv, HEADER true, DELIMITER ',', NULL ''"
        else:
            # no dictionaries (ids are unique) and fast zstd: a quarter less CPU, the same size
            options = "FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1, DICTIONARY_SIZE_LIMIT 1"
        try:
            self.con.execute(f"COPY ({query}) TO '{_sql_path(tmp)}' ({options})")
            os.replace(tmp, target)
        finally:
            tmp.unlink(missing_ok=True)
        _remove_other_sources(self.out, name, keep=target)


def _sql_path(path: Path) -> str:
    return str(path).replace("'", "''")


def _remove_other_sources(out: Path, name: str, keep: Path) -> None:
    """A table must have one source in the directory: drop the other format's file we may have written before."""
    for other in (out / f"{name}.csv", out / f"{name}.parquet"):
        if other != keep and other.is_file():
            other.unlink()
    folder = out / name
    if folder.is_dir() and all(p.suffix == ".parquet" for p in folder.iterdir()):
        shutil.rmtree(folder)
