"""The last check before publishing: no personal data in any file a run wrote.

Every file of the staging folder (HTML, CSV, JSON, executed notebooks,
anything) is read as text and searched for

- e-mail addresses, IPv4 and IPv6 addresses (by pattern), and
- any value of the loaded database's identifying columns: the contract's
  personal columns (``sessions.ip_address``, ``sessions.device_id``) and
  every raw id (``*_id``: account, session, ticket, request, contact,
  visit, visitor and payment ids).

A hit stops the run before anything is published (docs/operations.md,
"Privacy scan"). Findings name the file and the kind of value, never the value.

Values are matched as whole tokens, not substrings, so a short id inside an
ordinary word or number is no alarm; and only values that look like ids are
looked for: at least 6 characters with a digit, and a letter or at least 8
digits (an id ``1234`` would otherwise match every count of 1234). The
lookup runs in DuckDB, one join of the files' distinct tokens against each
column, so millions of session ids never enter Python. The inlined Vega
bundle (third-party code, the same in every report) is not searched.
"""

from __future__ import annotations

import base64
import binascii
import html as html_lib
import ipaddress
import json
import logging
import re
import time
from dataclasses import dataclass
from pathlib import Path

from pipelines.contract import PERSONAL_COLUMNS, TABLES
from pipelines.errors import PipelineFailure

log = logging.getLogger(__name__)

EMAIL = re.compile(r"(?<![\w.%+-])[A-Za-z0-9._%+-]{1,64}@[A-Za-z0-9-]{1,63}(?:\.[A-Za-z0-9-]{1,63})*\.[A-Za-z]{2,24}(?![\w-])")
IPV4 = re.compile(r"(?<![\w.])\d{1,3}(?:\.\d{1,3}){3}(?![\w.])")
IPV6 = re.compile(r"(?<![\w:.])[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){2,7}(?:(?<=:)\d{1,3}(?:\.\d{1,3}){3})?(?![\w:.])")
#: characters an id may hold; a run of them is split on the punctuation among them
_RUN = re.compile(r"[A-Za-z0-9_.:@+\-]+")
_SEPARATORS = re.compile(r"([_.:@+\-])")
#: an id made of more punctuation-joined parts than this is not looked for (a UUID has 5)
MAX_PARTS = 8
#: at least 6 characters with a digit, and a letter or at least 8 digits
_ID_LIKE = re.compile(r"(?=.*\d)(?=.*[A-Za-z]|(?:\D*\d){8}).{6,}\Z", re.DOTALL)
_DATA_URI = re.compile(r"data:(?:image/svg\+xml|text/[\w.+-]+|application/json)(?:;[\w=.-]+)*;base64,([A-Za-z0-9+/=]+)")
_JSON_ESCAPE = re.compile(r"\\(u[0-9a-fA-F]{4}|.)")


class PersonalDataFound(PipelineFailure):
    """A file about to be published holds personal data (exit code 1); nothing was published."""

    def __init__(self, findings: list[Finding]):
        self.findings = findings
        listed = "; ".join(f"{f.file} holds {f.kind}" for f in findings[:10])
        more = f" (and {len(findings) - 10} more)" if len(findings) > 10 else ""
        super().__init__(f"privacy scan: personal data in the output, nothing was published: {listed}{more}")


@dataclass(frozen=True, order=True)
class Finding:
    file: str  # relative to the scanned folder
    kind: str  # "an e-mail address", "an IPv4 address", "a value of sessions.device_id", ...


def identifying_columns() -> list[tuple[str, str]]:
    """(table, column) of every value the scan looks for: the personal columns and every raw id."""
    return [
        (name, col.name)
        for name, table in TABLES.items()
        for col in table.columns
        if col.name in PERSONAL_COLUMNS or col.name.endswith("_id")
    ]


def looks_like_id(token: str) -> bool:
    """Long and varied enough that equality with a database value is not a coincidence."""
    return bool(_ID_LIKE.match(token))


def tokens(text: str) -> set[str]:
    """Every candidate id in ``text``: each run of id characters and its punctuation-joined pieces."""
    found: set[str] = set()
    for run in set(_RUN.findall(text)):
        if len(run) < 6:
            continue
        pieces = _SEPARATORS.split(run.strip("_.:@+-"))
        if len(pieces) == 1:
            if _ID_LIKE.match(run):
                found.add(run)
            continue
        words = len(pieces) // 2 + 1
        for i in range(words):
            for j in range(i, min(words, i + MAX_PARTS)):
                candidate = "".join(pieces[2 * i: 2 * j + 1])
                if _ID_LIKE.match(candidate):
                    found.add(candidate)
    return found


def pattern_kinds(text: str) -> list[str]:
    """The kinds of address found by pattern: e-mail, IPv4, IPv6 (each checked to be a real address)."""
    kinds = []
    if EMAIL.search(text):
        kinds.append("an e-mail address")
    if any(_is_ipv4(m.group(0)) for m in IPV4.finditer(text)):
        kinds.append("an IPv4 address")
    if any(_is_ipv6(m.group(0)) for m in IPV6.finditer(text)):
        kinds.append("an IPv6 address")
    return kinds


def _is_ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True


def _is_ipv6(text: str) -> bool:
    # "::" and "::1" name no one; a real address has at least two groups
    if sum(1 for group in text.split(":") if group) < 2:
        return False
    try:
        ipaddress.IPv6Address(text)
    except ValueError:
        return False
    return True


def readable_text(path: Path, ignore: tuple[str, ...] = ()) -> str:
    """What a reader of ``path`` could see, as one text: its characters, JSON strings decoded,
    HTML entities resolved, and text embedded as base64 ``data:`` URIs (the report's SVG charts)."""
    text = path.read_bytes().decode("utf-8", errors="replace")
    for known in ignore:
        if known:
            text = text.replace(known, " ")
    views = [text]
    if path.suffix.lower() in (".json", ".ipynb"):
        try:
            views.append("\n".join(_strings(json.loads(text))))
        except ValueError:
            pass
    else:
        views.append(_JSON_ESCAPE.sub(_unescape, text))  # JSON inside HTML <script> elements
    if path.suffix.lower() in (".html", ".htm", ".svg", ".xml"):
        views.append(html_lib.unescape(text))
    for view in list(views):
        for m in _DATA_URI.finditer(view):
            try:
                views.append(base64.b64decode(m.group(1), validate=False).decode("utf-8", errors="replace"))
            except (binascii.Error, ValueError):
                continue
    return "\n".join(views)


def _unescape(m: re.Match) -> str:
    code = m.group(1)
    return chr(int(code[1:], 16)) if len(code) == 5 and code[0] == "u" else " "


def _strings(node) -> list[str]:
    out: list[str] = []
    stack = [node]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            out.append(item)
        elif isinstance(item, dict):
            out.extend(str(k) for k in item)
            stack.extend(item.values())
        elif isinstance(item, list):
            stack.extend(item)
        elif item is not None and not isinstance(item, bool):
            out.append(str(item))
    return out


def scan(folder: Path, con, *, ignore: tuple[str, ...] = ()) -> list[Finding]:
    """Every (file, kind) of personal data under ``folder``; ``con`` is the run's database (read-only)."""
    import pyarrow as pa

    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    findings: set[Finding] = set()
    token_files: list[int] = []
    token_values: list[str] = []
    for index, path in enumerate(files):
        text = readable_text(path, ignore)
        rel = path.relative_to(folder).as_posix()
        findings.update(Finding(rel, kind) for kind in pattern_kinds(text))
        found = tokens(text)
        token_files.extend([index] * len(found))
        token_values.extend(found)
    if token_values and con is not None:
        present = _present_columns(con)
        parts = [
            f"SELECT DISTINCT t.file, '{table}.{column}' AS kind FROM {table} s"
            f" JOIN scan_tokens t ON t.token = CAST(s.{column} AS VARCHAR)"
            for table, column in identifying_columns()
            if (table, column) in present
        ]
        if parts:
            con.register("scan_tokens", pa.table({"file": token_files, "token": token_values}))
            try:
                for index, kind in con.execute(" UNION ALL ".join(parts)).fetchall():
                    findings.add(Finding(files[index].relative_to(folder).as_posix(), f"a value of {kind}"))
            finally:
                con.unregister("scan_tokens")
    return sorted(findings)


def _present_columns(con) -> set[tuple[str, str]]:
    rows = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'"
    ).fetchall()
    return {(t, c) for t, c in rows}


def check(folder: Path, db: Path | None, *, zone: str = "UTC", con=None) -> None:
    """Raise :class:`PersonalDataFound` when any file under ``folder`` holds personal data.

    ``con``: an open connection to look the ids up in instead of the database file ``db``
    (a Spark run's, pipelines/spark/engine.py); it is left open.
    """
    from pipelines import db as dbmod

    started = time.perf_counter()
    own = con is None
    if own:
        con = dbmod.connect(db, read_only=True, zone=zone) if db is not None and Path(db).exists() else None
    try:
        has_html = any(p.suffix.lower() in (".html", ".htm") for p in Path(folder).rglob("*"))
        findings = scan(folder, con, ignore=_third_party_code() if has_html else ())
    finally:
        if own and con is not None:
            con.close()
    log.info("privacy scan: %d file(s), %s (%.1f s)",
             sum(1 for p in Path(folder).rglob("*") if p.is_file()),
             "no personal data" if not findings else f"{len(findings)} finding(s)", time.perf_counter() - started)
    if findings:
        raise PersonalDataFound(findings)


def _third_party_code() -> tuple[str, ...]:
    """The Vega bundle the report inlines, as it is inlined: code, not data, and full of look-alikes."""
    try:
        from pipelines.report.kit.theme import vegalite_version
        from pipelines.report.export import vega_bundle

        return (vega_bundle(vegalite_version()),)
    except Exception:  # noqa: BLE001 - without it the scan is only stricter
        return ()
