"""Were last quarter's breaches fixed? The history of remediation, and the comparison with it.

docs/report.md, "Remediation"; docs/operations.md, "The history of remediation". Every
published run keeps, per tracked category, the set of records behind each "not kept": the
rows of the worklist (:mod:`pipelines.records`), keyed by the exports' own ids but stored
only as keyed pseudonyms, ``HMAC-SHA-256(secret, table + U+001F + id)`` cut to
:data:`KEY_DIGITS` hex digits. The secret is 32 random bytes, created once in the database's
home as ``history.key`` (mode 0600, ``os.open(..., O_EXCL, 0o600)``); the sets are one Parquet
file per quarter in ``<home>/history/`` (folder 0700, files 0600). Without the secret a key
cannot be tied to an id, not even by hashing guessed ids; neither file is ever written under
``--out`` nor named in a report. Deleting ``history/`` and ``history.key`` forgets every trace.

The next quarter compares its own set with the latest earlier quarter's recorded set:

- ``new``: breaching now, not at the earlier quarter;
- ``carried_over``: breaching at both; each carries its age, the number of consecutive
  recorded quarters it has been reported in (this one included: 2 or more), and the quarter
  its run began (``since``);
- ``resolved``: breaching at the earlier quarter, not now.

A category is null when its figure is null now (its table was not exported) or the earlier
quarter did not record it. Re-running a quarter replaces that quarter's set (the comparison is
the same, so the file is the same); running an older quarter after a newer one compares with
the latest quarter before it. Only a published run records its quarter (:meth:`History.record`,
called by ``pipelines/run.py`` after the publish).

A quarter also records what it was made from (:class:`MadeFrom`): the policy's name and version
and a sample of the exports' accounts, and the layout it was written in (:data:`FORMAT`). An
earlier quarter written in a newer layout, under another policy or from other exports is not
compared with (a WARNING and ``remediation.reason`` say why; :func:`judge`), never silently
(docs/operations.md, "The history of remediation", "What a quarter was made from").
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import stat
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import polars as pl
import pyarrow as pa
import pyarrow.parquet as pq

from pipelines import inputs, locking
from pipelines.dates import Quarter
from pipelines.errors import BadInput
from pipelines.evidence import utc_now
from pipelines.metrics import Period
from pipelines.private import FOLDER_MODE, private_folder, write_private
from pipelines.records import Records

log = logging.getLogger(__name__)

HISTORY_DIR = "history"
KEY_FILE = "history.key"
#: held while a quarter is written (empty; it holds nothing)
LOCK_FILE = "history.lock"
#: the secret's length in bytes (HMAC-SHA-256's block is 64; 32 random bytes are its full strength)
KEY_BYTES = 32
#: hex digits kept of each HMAC-SHA-256: 128 bits, no collision among billions of records
KEY_DIGITS = 32
#: the layout of a quarter's file; raise it when a field changes meaning. 2: the metadata records what the quarter
#: was made from (``policy``, ``exports``); a file of 1 does not. A file of a later layout is never compared.
FORMAT = 2
#: the Parquet schema-metadata key holding a quarter's record (quarter, as_of, categories, ...)
META = b"privacy_review"
#: the quarters a summary's ``remediation.trend`` holds before the reviewed one
TREND_QUARTERS = 7
#: what the secret must say of itself: a quarter recorded under another secret cannot be compared
_CHECK = b"privacy-review remediation history"

#: why ``remediation`` compares with nothing (``summary.json``'s ``remediation.reason``; the report's words are the
#: catalogue's ``rem_reason_<code>``)
NO_EARLIER = "no_earlier_quarter"
KEY_CHANGED = "history_key_changed"
NEWER_FORMAT = "history_format_newer"
OTHER_POLICY = "other_policy"
OTHER_EXPORTS = "other_exports"
#: compared, with a note (``remediation.note``; the catalogue's ``rem_note_<code>``)
NOT_RECORDED = "made_from_not_recorded"
POLICY_VERSION = "policy_version_changed"

#: the accounts a quarter samples to tell its exports from another company's (:class:`AccountSample`)
SAMPLE_ACCOUNTS = 256
#: the share of an earlier quarter's sampled accounts these exports must hold to be the same company's
SAME_EXPORTS = 0.5
#: the most accounts read back to look up an earlier quarter's sample
SAMPLE_CAP = 65536
#: what the sample's key is derived from (the secret itself never leaves Python)
_SAMPLE = b"privacy-review exports sample"

#: the worklist's ``remediation`` column
NEW_LABEL = "new"
CARRIED_LABEL = "carried over since {since}"
NOT_COMPARED_LABEL = "no recorded earlier run"

ROWS = pl.Schema({"category": pl.String, "key": pl.String, "since": pl.String, "reported": pl.Int64})
_QUARTER_FILE = re.compile(r"^(\d{4}Q[1-4])\.parquet$")


def pseudonyms(secret: bytes, frame: pl.DataFrame, id_column: str, table: str | None) -> pl.Series:
    """The keyed pseudonym of each row of ``frame``: HMAC-SHA-256 over ``table U+001F id``, :data:`KEY_DIGITS` hex
    digits, computed column-wise by an in-memory DuckDB (whatever engine computed the records), never a Python loop
    per row. ``table``: the list's one table, else each row's ``table`` column.

    HMAC (RFC 2104) written out: ``H((K ^ opad) || H((K ^ ipad) || message))`` with the key padded to SHA-256's
    64-byte block; only the two pads are parameters of the query, never the secret."""
    block = (secret if len(secret) <= 64 else hashlib.sha256(secret).digest()).ljust(64, b"\0")
    inner_pad, outer_pad = bytes(b ^ 0x36 for b in block), bytes(b ^ 0x5C for b in block)
    ids = frame.select(pl.col(id_column).cast(pl.String).alias("id"),
                       (pl.lit(table) if table else pl.col("table")).cast(pl.String).alias("tbl"))
    with duckdb.connect() as local:
        local.register("ids", ids.to_arrow())
        keyed = local.sql(
            f"SELECT substr(sha256($outer || unhex(sha256($inner || encode(tbl || chr(31) || id)))), 1, {KEY_DIGITS})"
            " AS key FROM ids", params={"inner": inner_pad, "outer": outer_pad}).pl()
    return keyed.to_series().cast(pl.String)


def key_check(secret: bytes) -> str:
    return hmac.digest(secret, _CHECK, "sha256").hex()[:KEY_DIGITS]


def canonical(rows: pl.DataFrame) -> pl.DataFrame:
    """``rows`` (:data:`ROWS`) sorted by category, then key: the order a quarter's file is written in and
    :func:`digest` hashes. A key is hex of a fixed length, whose order is the order of its first 15 digits as a
    number (60 bits), ties broken by the whole key: a sort on integers, several times faster than on 32-character
    strings at millions of records; rows whose key is not hex are sorted as text."""
    prefix = pl.col("key").str.slice(0, 15).str.to_integer(base=16, strict=False)
    with_prefix = rows.with_columns(prefix.alias("_prefix"))
    if with_prefix["_prefix"].null_count():
        return rows.sort("category", "key", "since", "reported")
    return with_prefix.sort("category", "_prefix", "key", "since", "reported").drop("_prefix")


#: lines hashed per piece by :func:`digest` (the text of one piece is held at a time, never the whole set's)
DIGEST_PIECE = 262_144


def digest(rows: pl.DataFrame | None, *, ordered: bool = False) -> str | None:
    """SHA-256 of a set of history rows, in a fixed order (evidence.json; no key can be read back from it): the
    rows as ``category TAB key TAB since TAB reported`` lines, sorted, joined. The lines' order is :func:`canonical`
    order (``ordered``: ``rows`` are in it already): a category is a name (letters, digits, ``_``), so a shorter one
    that begins a longer one sorts first either way ("logs" then "logs_retention", TAB before any of them), and
    within a category the keys are unique. Built column-wise and hashed piece by piece: no Python string per row,
    no text of the whole set."""
    if rows is None:
        return None
    rows = rows if ordered else canonical(rows)
    lines = rows.select(pl.concat_str([pl.col("category"), pl.col("key"), pl.col("since"),
                                       pl.col("reported").cast(pl.String)], separator="\t") + "\n").to_series()
    hashed = hashlib.sha256()
    for start in range(0, len(lines), DIGEST_PIECE):
        hashed.update(lines.slice(start, DIGEST_PIECE).str.join("").item().encode())
    return hashed.hexdigest()


@dataclass(frozen=True)
class MadeFrom:
    """What a quarter's set was made from (docs/operations.md, "What a quarter was made from"): the policy by its
    name and version, and the exports by a sample of their accounts (:class:`AccountSample`)."""

    policy: str
    version: str
    accounts: tuple[str, ...]
    """The keyed pseudonyms of the accounts sampled (the :data:`SAMPLE_ACCOUNTS` lowest)."""

    def as_meta(self) -> dict:
        return {"policy": {"name": self.policy, "version": self.version}, "exports": {"accounts": list(self.accounts)}}

    @classmethod
    def of_meta(cls, meta: dict) -> MadeFrom | None:
        """The quarter's record of what it was made from; None when it has none (written before :data:`FORMAT` 2)."""
        policy, exports = meta.get("policy"), meta.get("exports")
        if not isinstance(policy, dict) or not isinstance(exports, dict):
            return None
        return cls(str(policy.get("name")), str(policy.get("version")), tuple(map(str, exports.get("accounts") or ())))


class AccountSample:
    """The exports' accounts as keyed pseudonyms, to tell one company's exports from another's.

    Each account is ``SHA-256(k U+001F account_id U+001F created day)``, cut to :data:`KEY_DIGITS` hex digits, where
    ``k`` is derived from the history's secret (HMAC-SHA-256 of :data:`_SAMPLE`): keyed like the records, so a
    guessed id cannot be tied to a pseudonym, and computed in the database (DuckDB or Spark SQL: one hash per
    account, nothing per row in Python). A quarter records its lowest :data:`SAMPLE_ACCOUNTS`: a hash sample, the
    same accounts in every quarter that still holds them, whatever was added since. Another company's accounts
    differ by id or creation day even where both number them 1, 2, 3, … (docs/operations.md, "What a quarter was
    made from").
    """

    _SQL = ("SELECT k FROM (SELECT substr(sha256(concat($key, chr(31), account_id, chr(31), "
            "CAST(CAST(created_at AS DATE) AS VARCHAR))), 1, {digits}) AS k FROM accounts) {where}ORDER BY k LIMIT {limit}")

    def __init__(self, con, secret: bytes, *, lookup: list[tuple[str, ...]], own: bool):
        """``lookup``: the earlier quarters' samples these exports are compared with; ``own``: this quarter's sample
        is wanted (to record it)."""
        self.key = hmac.digest(secret, _SAMPLE, "sha256").hex()
        self.con = con
        bound = max((max(s) for s in lookup if s), default=None)
        found = self._keys(bound, SAMPLE_CAP) if bound is not None else []
        self.known = frozenset(found)
        # every account up to here is known: the bound, or the last one read when the cap was reached
        self.upto = found[-1] if len(found) == SAMPLE_CAP else bound
        self.own: tuple[str, ...] = ()
        if own:
            self.own = tuple(found[:SAMPLE_ACCOUNTS] if len(found) >= SAMPLE_ACCOUNTS else
                             self._keys(None, SAMPLE_ACCOUNTS))

    def _keys(self, bound: str | None, limit: int) -> list[str]:
        where = "WHERE k <= $bound " if bound is not None else ""
        params = {"key": self.key, **({"bound": bound} if bound is not None else {})}
        sql = self._SQL.format(digits=KEY_DIGITS, where=where, limit=int(limit))
        return [str(k) for k in self.con.sql(sql, params=params).pl()["k"].to_list()]

    def held(self, sample: tuple[str, ...]) -> tuple[int, int]:
        """(held, looked up): of an earlier quarter's sampled accounts within what was read, how many these exports
        hold."""
        looked = [k for k in sample if self.upto is not None and k <= self.upto]
        return sum(k in self.known for k in looked), len(looked)


@dataclass(frozen=True)
class Verdict:
    """Whether an earlier quarter can be compared with this one (:func:`judge`)."""

    reason: str | None = None
    """Why it is not compared (:data:`NEWER_FORMAT`, :data:`KEY_CHANGED`, :data:`OTHER_POLICY`, :data:`OTHER_EXPORTS`)."""
    note: str | None = None
    """Compared, with a note (:data:`NOT_RECORDED`, :data:`POLICY_VERSION`)."""
    said: str = ""
    """The log's words: what differs."""
    version: str | None = None
    """The earlier quarter's policy version (with :data:`POLICY_VERSION`)."""


def judge(meta: dict, check: str, now: MadeFrom, sample: AccountSample) -> Verdict:
    """Can the recorded quarter of ``meta`` be compared with this one (docs/operations.md, "What a quarter was made
    from")? Not when it was written in a later layout, under another secret, under another policy (by name) or
    from other exports (fewer than :data:`SAME_EXPORTS` of its sampled accounts held now); compared with a note
    when it records nothing of what it was made from (an earlier version wrote it) or another version of the
    same policy."""
    written = meta.get("format", 1)
    if not isinstance(written, int) or written > FORMAT:
        return Verdict(NEWER_FORMAT, said=f"written by a newer version of privacy-review (history format {written}; "
                                           f"this version reads up to {FORMAT})")
    if meta.get("check") != check:
        return Verdict(KEY_CHANGED, said="recorded under another secret")
    then = MadeFrom.of_meta(meta)
    if then is None:
        return Verdict(note=NOT_RECORDED, said="recorded by an earlier version that did not record which exports and "
                                                "policy it was made from")
    if then.policy != now.policy:
        return Verdict(OTHER_POLICY, said=f"recorded under another policy ({then.policy!r}; this run: {now.policy!r})")
    if not then.accounts:  # exports without an account: nothing tells them apart
        return Verdict(note=NOT_RECORDED, said="recorded from exports without an account, which cannot be told apart "
                                                "from these")
    held, looked = sample.held(then.accounts)
    if not looked or held < SAME_EXPORTS * looked:
        return Verdict(OTHER_EXPORTS, said=f"recorded from other exports: {held} of the {looked} accounts it sampled "
                                           "are in these exports (by id and creation day)")
    if then.version != now.version:
        return Verdict(note=POLICY_VERSION, version=then.version,
                       said=f"recorded under version {then.version} of the policy, this run under {now.version}")
    return Verdict()


@dataclass
class Recorded:
    """One quarter's set in the history: its rows (:data:`ROWS`), what its run compared it with, and what it was
    made from."""

    quarter: Quarter
    as_of: date
    check: str
    categories: list[str]
    """The categories recorded (a category whose figure was null is not)."""
    rows: pl.DataFrame
    remediation: dict
    """The quarter's ``remediation`` block as its run computed it (without ``trend``)."""
    recorded_at: str = field(default_factory=utc_now)
    made_from: MadeFrom | None = None
    """None: a quarter an earlier version recorded (:data:`FORMAT` 1)."""
    ordered: bool = False
    """``rows`` are in :func:`canonical` order already (a file this tool wrote, or :func:`track`'s set)."""

    def __post_init__(self) -> None:
        if not self.ordered:
            self.rows = canonical(self.rows.select(list(ROWS)))
            self.ordered = True

    def category_rows(self, category: str) -> pl.DataFrame | None:
        """``key``, ``since``, ``reported`` of ``category``'s records; None when it was not recorded."""
        if category not in self.categories:
            return None
        return self.rows.filter(pl.col("category") == category).select("key", "since", "reported")


class History:
    """The history in the database's home (module docstring)."""

    def __init__(self, home: Path):
        self.home = Path(home)
        self.folder = self.home / HISTORY_DIR
        self.key_path = self.home / KEY_FILE

    # --- the secret ---------------------------------------------------------------------

    def key(self, *, create: bool) -> bytes | None:
        """The secret; made once (mode 0600) when ``create``, else None when there is none."""
        if create and not self.key_path.exists() and not self.key_path.is_symlink():
            private_folder(self.home)
            try:
                fd = os.open(self.key_path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            except FileExistsError:  # made by another run an instant ago: read it
                pass
            else:
                with os.fdopen(fd, "wb") as handle:
                    handle.write(secrets.token_bytes(KEY_BYTES))
                    handle.flush()
                    os.fsync(handle.fileno())
                log.info("created the history's secret %s (mode 0600)", self.key_path)
        if not self.key_path.exists() and not self.key_path.is_symlink():
            return None
        secret = inputs.read_bytes(self.key_path, inputs.HISTORY_KEY)  # the one gate: a regular file, 4 KiB at most
        try:
            mode = stat.S_IMODE(os.stat(self.key_path).st_mode)
        except OSError as exc:
            raise BadInput(f"{self.key_path}: cannot read the history's secret: {exc.strerror or exc}") from None
        if len(secret) != KEY_BYTES:
            raise BadInput(f"{self.key_path}: not a history secret ({len(secret)} bytes, not {KEY_BYTES}); delete it "
                           f"and {self.folder} to start a new history (docs/operations.md, \"The history of remediation\")")
        if mode & 0o077:
            log.warning("%s can be read by others (mode %o): chmod 600 it; the history's keys are pseudonyms only "
                        "while the secret is private", self.key_path, mode)
        return secret

    # --- the quarters -------------------------------------------------------------------

    def path(self, quarter: Quarter) -> Path:
        return self.folder / f"{quarter}.parquet"

    def quarters(self) -> list[Quarter]:
        """The recorded quarters, oldest first."""
        if not self.folder.is_dir():
            return []
        found = [Quarter.parse(m.group(1)) for p in self.folder.iterdir() if (m := _QUARTER_FILE.match(p.name))]
        return sorted(found, key=lambda q: (q.year, q.number))

    def before(self, quarter: Quarter) -> list[Quarter]:
        """The recorded quarters before ``quarter``, oldest first."""
        return [q for q in self.quarters() if (q.year, q.number) < (quarter.year, quarter.number)]

    def read(self, quarter: Quarter) -> Recorded | None:
        path = self.path(quarter)
        if not path.exists() and not path.is_symlink():
            return None
        try:
            with inputs.open_binary(path, inputs.HISTORY) as handle:  # the one gate: a regular file only
                table = pq.read_table(handle)
            meta = json.loads((table.schema.metadata or {})[META])
            rows = pl.from_arrow(table).cast(dict(ROWS)).select(list(ROWS))
            # a file of this tool's is written in canonical order (History.record; so were format 1's, sorted by
            # category and key)
            return Recorded(Quarter.parse(meta["quarter"]), date.fromisoformat(meta["as_of"]), meta["check"],
                            list(meta["categories"]), rows, meta["remediation"], meta["recorded_at"],
                            MadeFrom.of_meta(meta), ordered=True)
        except (OSError, KeyError, ValueError, TypeError, pa.ArrowException) as exc:
            raise BadInput(f"{path}: not readable as a quarter of the history ({exc}); delete it and run that "
                           "quarter again to record it anew (docs/operations.md, \"The history of remediation\")") from None

    def earlier(self, quarter: Quarter) -> Recorded | None:
        """The latest recorded quarter before ``quarter``."""
        before = self.before(quarter)
        return self.read(before[-1]) if before else None

    def meta(self, quarter: Quarter) -> dict | None:
        """A recorded quarter's metadata (format, quarter, as_of, check, categories, remediation, policy, exports),
        without its rows."""
        path = self.path(quarter)
        if not path.exists() and not path.is_symlink():
            return None
        try:
            with inputs.open_binary(path, inputs.HISTORY) as handle:  # the one gate: a regular file only
                meta = json.loads((pq.read_schema(handle).metadata or {})[META])
            if not isinstance(meta, dict):
                raise ValueError("its metadata is not an object")
            return meta
        except (OSError, KeyError, ValueError, TypeError, pa.ArrowException) as exc:
            raise BadInput(f"{path}: not readable as a quarter of the history ({exc}); delete it and run that "
                           "quarter again to record it anew (docs/operations.md, \"The history of remediation\")") from None

    def record(self, recorded: Recorded) -> Path:
        """Write ``recorded`` as its quarter's file (replacing the one there: a re-run), mode 0600, atomically."""
        private_folder(self.folder)
        os.chmod(self.folder, FOLDER_MODE)  # also a folder made before, under another umask (pipelines/private.py)
        meta = {"format": FORMAT, "quarter": str(recorded.quarter), "as_of": recorded.as_of.isoformat(),
                "check": recorded.check, "categories": recorded.categories, "remediation": recorded.remediation,
                "recorded_at": recorded.recorded_at,
                **(recorded.made_from.as_meta() if recorded.made_from is not None else {})}
        table = recorded.rows.select(list(ROWS)).to_arrow()  # in canonical order (Recorded)
        table = table.replace_schema_metadata({META: json.dumps(meta, sort_keys=True).encode()})
        final = self.path(recorded.quarter)
        with locking.exclusive(self.home / LOCK_FILE, f"the history {self.folder}"):
            # keys are unique: a dictionary would only cost time; zstd's fastest level halves the file at little cost
            write_private(final, lambda handle: pq.write_table(table, handle, use_dictionary=["category", "since"],
                                                              compression="zstd", compression_level=1))
        log.info("recorded %s's records behind the findings in the history (%s rows, keyed pseudonyms only)",
                 recorded.quarter, recorded.rows.height)
        return final


@dataclass
class Tracked:
    """A quarter compared with the history: ``summary.json``'s ``remediation``, the set to record after
    publishing, each tracked list's per-row label (the worklist's ``remediation`` column), evidence."""

    summary: dict
    current: Recorded | None
    labels: dict[str, list[str]]
    evidence: dict


@dataclass
class Earlier:
    """The history's quarters before this one, judged (:func:`judge`): the one compared with, or why none is."""

    recorded: Recorded | None = None
    reason: str | None = None
    note: Verdict | None = None
    set_aside: Quarter | None = None
    trend: list[dict] = field(default_factory=list)
    made_from: MadeFrom | None = None
    """This quarter's (None without a secret, or when nothing is recorded)."""


def look_back(history: History, quarter: Quarter, secret: bytes | None, con, policy, *, own: bool) -> Earlier:
    """The latest recorded quarter before ``quarter``, if it can be compared, and the trend's quarters that can;
    every quarter set aside is a WARNING naming why (docs/operations.md, "What a quarter was made from")."""
    if secret is None:
        return Earlier(reason=NO_EARLIER)
    check = key_check(secret)
    window = {q: history.meta(q) for q in history.before(quarter)[-TREND_QUARTERS:]}
    samples = [then.accounts for meta in window.values() if (then := MadeFrom.of_meta(meta)) is not None]
    sample = AccountSample(con, secret, lookup=samples, own=own)
    now = MadeFrom(policy.name, policy.version, sample.own)
    verdicts = {q: judge(meta, check, now, sample) for q, meta in window.items()}
    trend = [{"quarter": str(q), **window[q]["remediation"]} for q, v in verdicts.items()
             if v.reason is None and isinstance(window[q].get("remediation"), dict)]
    if not window:
        return Earlier(reason=NO_EARLIER, trend=trend, made_from=now)
    last = max(window, key=lambda q: (q.year, q.number))
    verdict = verdicts[last]
    if verdict.reason is not None:
        log.warning("the history's %s was %s: it is not compared; remediation starts again from %s. Runs on another "
                    "company's exports or another policy keep their own database home (--db or $PRIVACY_REVIEW_HOME; "
                    "docs/operations.md, \"What a quarter was made from\")", last, verdict.said, quarter)
        return Earlier(reason=verdict.reason, set_aside=last, trend=trend, made_from=now)
    if verdict.note == NOT_RECORDED:
        log.warning("the history's %s was %s: compared as this run's; if it was made from another company's exports, "
                    "delete %s (docs/operations.md, \"What a quarter was made from\")", last, verdict.said, history.folder)
    elif verdict.note is not None:
        log.info("the history's %s was %s: compared; a record may be new or resolved because a rule changed", last,
                 verdict.said)
    return Earlier(history.read(last), note=verdict if verdict.note else None, trend=trend, made_from=now)


def track(found: Records, period: Period, history: History, *, con, policy, create_key: bool,
          labels_wanted: bool = False) -> Tracked:
    """Compare ``found`` (this quarter's records) with the history's latest earlier quarter (module docstring).

    ``con`` holds the exports (their accounts are sampled: :class:`AccountSample`); ``policy`` is the run's. ``create_key``: make the secret when there is none, and sample this
    quarter's accounts to record them (``run``, which records); otherwise (``worklist``, ``verify``) a home without a
    secret compares with nothing. ``labels_wanted``: each list's per-row label (the worklist's ``remediation``
    column; run and verify need only the counts). The sets are compared column-wise (joins), never record by record
    in Python.
    """
    quarter = period.quarter
    secret = history.key(create=create_key)
    current = {spec.tracked: found.rows(spec) for spec in found.tracked}
    keys = {spec.tracked: (None if current[spec.tracked] is None or not secret else
                           pseudonyms(secret, current[spec.tracked], spec.id_column, spec.table))
            for spec in found.tracked}
    check = key_check(secret) if secret else None
    back = look_back(history, quarter, secret, con, policy, own=create_key)
    earlier = back.recorded

    summary: dict = {"compared_with": str(earlier.quarter) if earlier else None, "reason": back.reason}
    if back.set_aside is not None:
        summary["set_aside"] = str(back.set_aside)
    if back.note is not None:
        summary["note"] = back.note.note
        if back.note.version is not None:
            summary["compared_policy_version"] = back.note.version
    parts: list[pl.DataFrame] = []
    labels: dict[str, pl.Series] = {}
    carried_words = CARRIED_LABEL.split("{since}")
    for spec in found.tracked:
        category, now = spec.tracked, keys[spec.tracked]
        if now is None:
            if current[category] is not None and labels_wanted:  # rows, no secret to key them (a worklist before any run)
                labels[spec.name] = pl.repeat(NOT_COMPARED_LABEL, current[category].height, dtype=pl.String,
                                              eager=True)
            if earlier is not None:
                summary[category] = None
            continue
        before = earlier.category_rows(category) if earlier is not None else None
        # each row of the list, in order, with what the earlier quarter recorded of its key (null: not recorded)
        rows_now = now.to_frame("key")
        if before is not None:
            rows_now = rows_now.join(before.rename({"since": "since_before", "reported": "reported_before"}),
                                     on="key", how="left", maintain_order="left")
        else:
            rows_now = rows_now.with_columns(since_before=pl.lit(None, pl.String),
                                             reported_before=pl.lit(None, pl.Int64))
        rows_now = rows_now.with_columns(
            since=pl.coalesce(pl.col("since_before"), pl.lit(str(quarter))),
            reported=pl.coalesce(pl.col("reported_before") + 1, pl.lit(1, pl.Int64)))
        # a key once in the set (canonical() orders it: the list's order is not kept)
        parts.append(rows_now.unique("key", keep="any")
                     .select(pl.lit(category, pl.String).alias("category"), "key", "since", "reported"))
        if before is None:
            if labels_wanted:
                labels[spec.name] = pl.repeat(NOT_COMPARED_LABEL, len(now), dtype=pl.String, eager=True)
            if earlier is not None:
                summary[category] = None  # not recorded at the earlier quarter: nothing to compare
            continue
        if labels_wanted:
            labels[spec.name] = rows_now.select(
                pl.when(pl.col("reported") == 1).then(pl.lit(NEW_LABEL))
                .otherwise(pl.lit(carried_words[0]) + pl.col("since") + pl.lit(carried_words[1]))).to_series()
        summary[category] = compare(rows_now, before)
    summary["trend"] = back.trend
    recorded = None
    if secret is not None:
        frame = pl.concat(parts, how="vertical") if parts else pl.DataFrame(schema=ROWS)
        block = {k: v for k, v in summary.items() if k != "trend"}
        recorded = Recorded(quarter, period.as_of, check, [c for c, k in keys.items() if k is not None],
                            frame.cast(dict(ROWS)), block, made_from=back.made_from if create_key else None)
    evidence = {
        "compared_with": summary["compared_with"],
        "compared_sha256": digest(earlier.rows, ordered=True) if earlier is not None else None,
        "recorded_sha256": digest(recorded.rows, ordered=True) if recorded is not None else None,
    }
    return Tracked(summary, recorded, labels, evidence)


def compare(now: pl.DataFrame, before: pl.DataFrame) -> dict:
    """One category's counts: new, carried over (with their ages), resolved. ``now``: each row of the list with its
    ``since`` and ``reported`` (``reported_before`` null: not in the earlier set); ``before``: the earlier set."""
    carried = now.filter(pl.col("reported_before").is_not_null())
    ages = carried.group_by("reported").len().sort("reported")
    resolved = before.join(now.select("key").unique(), on="key", how="anti").height
    return {
        "new": now.height - carried.height,
        "carried_over": carried.height,
        "resolved": resolved,
        "oldest_age": int(ages["reported"].max()) if ages.height else None,
        "oldest_since": min(carried["since"].unique().to_list(), key=lambda q: Quarter.parse(q).start)
        if carried.height else None,
        "by_age": {str(age): int(n) for age, n in ages.iter_rows()},
    }
