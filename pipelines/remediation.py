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
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

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
#: the layout of a quarter's file; raise it when a field changes meaning
FORMAT = 1
#: the Parquet schema-metadata key holding a quarter's record (quarter, as_of, categories, ...)
META = b"privacy_review"
#: the quarters a summary's ``remediation.trend`` holds before the reviewed one
TREND_QUARTERS = 7
#: what the secret must say of itself: a quarter recorded under another secret cannot be compared
_CHECK = b"privacy-review remediation history"

#: why ``remediation`` compares with nothing (``summary.json``'s ``remediation.reason``)
NO_EARLIER = "no_earlier_quarter"
KEY_CHANGED = "history_key_changed"

#: the worklist's ``remediation`` column
NEW_LABEL = "new"
CARRIED_LABEL = "carried over since {since}"
NOT_COMPARED_LABEL = "no recorded earlier run"

ROWS = pl.Schema({"category": pl.String, "key": pl.String, "since": pl.String, "reported": pl.Int64})
_QUARTER_FILE = re.compile(r"^(\d{4}Q[1-4])\.parquet$")


def pseudonyms(secret: bytes, pairs: list[tuple[str, str]]) -> list[str]:
    """The keyed pseudonym of each ``(table, id)``: HMAC-SHA-256 over ``table U+001F id``, :data:`KEY_DIGITS` hex digits."""
    return [hmac.digest(secret, f"{table}\x1f{ident}".encode(), "sha256").hex()[:KEY_DIGITS]
            for table, ident in pairs]


def key_check(secret: bytes) -> str:
    return hmac.digest(secret, _CHECK, "sha256").hex()[:KEY_DIGITS]


def digest(rows: pl.DataFrame | None) -> str | None:
    """SHA-256 of a set of history rows, in a fixed order (evidence.json; no key can be read back from it)."""
    if rows is None:
        return None
    lines = sorted(f"{c}\t{k}\t{s}\t{r}\n" for c, k, s, r in rows.select(list(ROWS)).iter_rows())
    return hashlib.sha256("".join(lines).encode()).hexdigest()


@dataclass
class Recorded:
    """One quarter's set in the history: its rows (:data:`ROWS`) and what its run compared it with."""

    quarter: Quarter
    as_of: date
    check: str
    categories: list[str]
    """The categories recorded (a category whose figure was null is not)."""
    rows: pl.DataFrame
    remediation: dict
    """The quarter's ``remediation`` block as its run computed it (without ``trend``)."""
    recorded_at: str = field(default_factory=utc_now)

    def keys(self, category: str) -> dict[str, tuple[str, int]] | None:
        """``{key: (since, reported)}`` of ``category``; None when it was not recorded."""
        if category not in self.categories:
            return None
        part = self.rows.filter(pl.col("category") == category)
        return {k: (s, r) for k, s, r in part.select("key", "since", "reported").iter_rows()}


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

    def read(self, quarter: Quarter) -> Recorded | None:
        path = self.path(quarter)
        if not path.exists() and not path.is_symlink():
            return None
        try:
            with inputs.open_binary(path, inputs.HISTORY) as handle:  # the one gate: a regular file only
                table = pq.read_table(handle)
            meta = json.loads((table.schema.metadata or {})[META])
            rows = pl.from_arrow(table).cast(dict(ROWS)).select(list(ROWS))
            return Recorded(Quarter.parse(meta["quarter"]), date.fromisoformat(meta["as_of"]), meta["check"],
                            list(meta["categories"]), rows, meta["remediation"], meta["recorded_at"])
        except (OSError, KeyError, ValueError, TypeError, pa.ArrowException) as exc:
            raise BadInput(f"{path}: not readable as a quarter of the history ({exc}); delete it and run that "
                           "quarter again to record it anew (docs/operations.md, \"The history of remediation\")") from None

    def earlier(self, quarter: Quarter) -> Recorded | None:
        """The latest recorded quarter before ``quarter``."""
        before = [q for q in self.quarters() if (q.year, q.number) < (quarter.year, quarter.number)]
        return self.read(before[-1]) if before else None

    def trend(self, quarter: Quarter, check: str) -> list[dict]:
        """The ``remediation`` blocks recorded by up to :data:`TREND_QUARTERS` quarters before ``quarter`` (oldest
        first; quarters recorded under another secret left out)."""
        before = [q for q in self.quarters() if (q.year, q.number) < (quarter.year, quarter.number)]
        found = []
        for q in before[-TREND_QUARTERS:]:
            meta = self.meta(q)  # the file's metadata only: its rows are not read
            if meta is not None and meta.get("check") == check:
                found.append({"quarter": str(q), **meta["remediation"]})
        return found

    def meta(self, quarter: Quarter) -> dict | None:
        """A recorded quarter's metadata (quarter, as_of, check, categories, remediation), without its rows."""
        path = self.path(quarter)
        if not path.exists() and not path.is_symlink():
            return None
        try:
            with inputs.open_binary(path, inputs.HISTORY) as handle:  # the one gate: a regular file only
                schema = pq.read_schema(handle)
            return json.loads((schema.metadata or {})[META])
        except (OSError, KeyError, ValueError, TypeError, pa.ArrowException) as exc:
            raise BadInput(f"{path}: not readable as a quarter of the history ({exc}); delete it and run that "
                           "quarter again to record it anew (docs/operations.md, \"The history of remediation\")") from None

    def record(self, recorded: Recorded) -> Path:
        """Write ``recorded`` as its quarter's file (replacing the one there: a re-run), mode 0600, atomically."""
        private_folder(self.folder)
        os.chmod(self.folder, FOLDER_MODE)  # also a folder made before, under another umask (pipelines/private.py)
        meta = {"format": FORMAT, "quarter": str(recorded.quarter), "as_of": recorded.as_of.isoformat(),
                "check": recorded.check, "categories": recorded.categories, "remediation": recorded.remediation,
                "recorded_at": recorded.recorded_at}
        table = recorded.rows.select(list(ROWS)).sort("category", "key").to_arrow()
        table = table.replace_schema_metadata({META: json.dumps(meta, sort_keys=True).encode()})
        final = self.path(recorded.quarter)
        with locking.exclusive(self.home / LOCK_FILE, f"the history {self.folder}"):
            write_private(final, lambda handle: pq.write_table(table, handle))
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


def track(found: Records, period: Period, history: History, *, create_key: bool) -> Tracked:
    """Compare ``found`` (this quarter's records) with the history's latest earlier quarter (module docstring).

    ``create_key``: make the secret when there is none (``run``, which records); otherwise (``worklist``,
    ``verify``) a home without a secret compares with nothing.
    """
    quarter = period.quarter
    secret = history.key(create=create_key)
    current = {spec.tracked: found.rows(spec) for spec in found.tracked}
    keys = {c: (None if frame is None else pseudonyms(secret, found.ids(spec)) if secret else None)
            for spec in found.tracked for c, frame in [(spec.tracked, current[spec.tracked])]}
    check = key_check(secret) if secret else None
    earlier = history.earlier(quarter) if secret else None
    reason = None
    if earlier is not None and earlier.check != check:
        log.warning("the history's %s was recorded under another secret (%s was replaced): it cannot be compared; "
                    "remediation starts again from %s", earlier.quarter, history.key_path, quarter)
        earlier, reason = None, KEY_CHANGED
    elif earlier is None:
        reason = NO_EARLIER

    summary: dict = {"compared_with": str(earlier.quarter) if earlier else None, "reason": reason}
    rows: list[tuple[str, str, str, int]] = []
    labels: dict[str, list[str]] = {}
    for spec in found.tracked:
        category, now = spec.tracked, keys[spec.tracked]
        if now is None:
            if current[category] is not None:  # rows, but no secret to key them (a worklist before any run)
                labels[spec.name] = [NOT_COMPARED_LABEL] * current[category].height
            if earlier is not None:
                summary[category] = None
            continue
        before = earlier.keys(category) if earlier is not None else None
        state = {}
        for key in now:
            if before is not None and key in before:
                since, reported = before[key]
                state[key] = (since, reported + 1)
            else:
                state[key] = (str(quarter), 1)
        rows += [(category, k, s, r) for k, (s, r) in state.items()]
        if before is None:
            labels[spec.name] = [NOT_COMPARED_LABEL] * len(now)
            if earlier is not None:
                summary[category] = None  # not recorded at the earlier quarter: nothing to compare
            continue
        labels[spec.name] = [NEW_LABEL if state[k][1] == 1 else CARRIED_LABEL.format(since=state[k][0]) for k in now]
        summary[category] = compare(set(now), before, state)
    summary["trend"] = history.trend(quarter, check) if check else []
    recorded = None
    if secret is not None:
        frame = pl.DataFrame(rows, schema=ROWS, orient="row")
        block = {k: v for k, v in summary.items() if k != "trend"}
        recorded = Recorded(quarter, period.as_of, check, [c for c, k in keys.items() if k is not None], frame, block)
    evidence = {
        "compared_with": summary["compared_with"],
        "compared_sha256": digest(earlier.rows) if earlier is not None else None,
        "recorded_sha256": digest(recorded.rows) if recorded is not None else None,
    }
    return Tracked(summary, recorded, labels, evidence)


def compare(now: set[str], before: dict[str, tuple[str, int]], state: dict[str, tuple[str, int]]) -> dict:
    """One category's counts: new, carried over (with their ages), resolved."""
    carried = [state[k] for k in now if k in before]
    ages = Counter(reported for _, reported in carried)
    return {
        "new": len(now) - len(carried),
        "carried_over": len(carried),
        "resolved": len(set(before) - now),
        "oldest_age": max(ages) if ages else None,
        "oldest_since": min((since for since, _ in carried), key=lambda q: Quarter.parse(q).start) if carried else None,
        "by_age": {str(age): ages[age] for age in sorted(ages)},
    }
