"""The last check before publishing: no personal data in any file a run wrote.

Every file of the staging folder (HTML, CSV, JSON, executed notebooks, the PDF,
anything) is read as text and searched for (a PDF: the text of its pages, its
metadata and its links, extracted by pypdf: :func:`pdf_text`)

- e-mail addresses (any script, full-width ``＠``, spelled out as ``(at)``,
  ``[at]``, `` at `` and ``(dot)``, `` dot ``), IPv4 and IPv6 addresses (also
  inside a word), by pattern; the controller's own contact addresses (the
  policy's ``controller_contacts``) are allowed;
- local paths: absolute paths under the usual roots (``/home/``, ``/Users/``,
  ``/tmp/``, ...), Windows drive and UNC paths, ``file:`` URLs, ``~/``, and
  the run's own paths (``local_paths``) in any spelling;
- any value of the loaded database's identifying columns: the contract's
  personal columns (``sessions.ip_address``, ``sessions.device_id``) and
  every raw id (``*_id``: account, session, ticket, request, contact,
  visit, visitor and payment ids). An allowed address that is such a value,
  or any text value of the exports, is refused before the review starts
  (:func:`identifying_addresses`).

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
import functools
import html as html_lib
import ipaddress
import json
import logging
import os
import re
import time
import unicodedata
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

from pipelines import db as dbmod
from pipelines.contract import PERSONAL_COLUMNS, TABLES
from pipelines.errors import PipelineFailure

log = logging.getLogger(__name__)

#: horizontal white space: an address spelled out over a line break is not looked for (prose wraps)
_H = r"[^\S\r\n]"
#: an e-mail's local part and domain labels: any letter, so ``jöhn.dœ@exämple.be`` and ``用户@例子.广告`` too
_LOCAL = r"[\w.%+-]{1,64}+"  # possessive: an address's local part is the whole run (and it is fast)
_LABEL = r"[^\W_][\w-]{0,62}"
#: a top-level domain: letters only (``.be``, ``.广告``) or an IDN's ``xn--`` form
_TLD = r"(?:[^\W\d_]{2,24}|xn--[A-Za-z0-9-]{1,59})"
#: ``@``, full-width ``＠``, small ``﹫``; ``(at)``, ``[at]``, ``{at}``, ``<at>``, ``(@)``; `` at `` between spaces
_AT = (
    rf"(?:[@\uff20\ufe6b]|{_H}*[(\[{{<]{_H}*(?:(?i:at)|@){_H}*[)\]}}>]{_H}*|(?P<spaced>{_H}+(?i:at){_H}+))"
)
#: ``.``, full-width ``．``; ``(dot)``, ``[dot]``, ``(.)``...; `` dot `` between spaces
_DOT = rf"(?:[.\uff0e]|{_H}*[(\[{{<]{_H}*(?:(?i:dot)|\.){_H}*[)\]}}>]{_H}*|{_H}+(?i:dot){_H}+)"
EMAIL = re.compile(
    rf"(?<![\w.%+-])(?P<local>{_LOCAL}){_AT}(?P<domain>{_LABEL}(?:{_DOT}{_LABEL})*{_DOT}(?P<tld>{_TLD}))(?![\w-])"
)
#: the `` at `` form only: words before "at <host>" in prose ("contact us at example.com"), and
#: file types, which a domain's last label is not ("look at summary.json")
_PROSE_LOCAL = frozenset((
    "us", "me", "you", "him", "her", "it", "them", "we", "look", "looking", "looked", "see", "seen", "visit",
    "online", "available", "published", "hosted", "located", "found", "read", "live",
))
_FILE_TYPES = frozenset((
    "csv", "json", "html", "htm", "txt", "md", "toml", "ipynb", "py", "sql", "svg", "png", "jpg", "jpeg", "gif",
    "pdf", "js", "css", "xlsx", "xls", "log", "parquet", "duckdb", "zip", "gz", "tar", "xml", "yaml", "yml",
    "lock", "tmp",
))
_SPELLED_DOT = re.compile(rf"{_H}*[(\[{{<]{_H}*(?:(?i:dot)|\.){_H}*[)\]}}>]{_H}*|{_H}+(?i:dot){_H}+")

#: an IPv4 address, also inside a word or before ``.``, ``_``, ``-`` (``host192.168.1.20x``, ``ip_10.1.2.3_``,
#: ``10.1.2.3.``), but not a piece of a longer dotted number (``1.2.3.4.5``). Like every pattern here it
#: starts with a character and checks the ones before afterwards: a pattern that starts with a look-behind
#: is tried at every position of the text (twice to eight times slower).
IPV4 = re.compile(r"[0-9](?<![0-9][0-9])(?<![0-9]\.[0-9])[0-9]{0,2}(?:\.[0-9]{1,3}){3}(?!\.?[0-9])")
#: an IPv6 address (starting with a hex digit or with "::"), also after a non-hex letter or ``_`` and
#: before ``.``, ``_``, ``-``; never before a letter (CSS's ``a::before`` is no address)
IPV6 = re.compile(
    r"(?:[0-9A-Fa-f](?<![0-9A-Fa-f:.][0-9A-Fa-f])[0-9A-Fa-f]{0,3}(?::[0-9A-Fa-f]{0,4}){2,8}"
    r"|:(?<![0-9A-Fa-f:.]:)[0-9A-Fa-f]{0,4}(?::[0-9A-Fa-f]{0,4}){1,7})"
    r"(?:(?<=:)[0-9]{1,3}(?:\.[0-9]{1,3}){3})?(?![0-9A-Za-z:])(?!\.[0-9])"
)
#: local paths: absolute POSIX paths under the usual roots, Windows drive and UNC paths, ``file:`` URLs, ``~/``;
#: each form starts with its literal and checks the character before it afterwards (see IPV4)
_POSIX_ROOTS = (
    "home", "Users", "root", "tmp", "var", "mnt", "media", "srv", "opt", "data", "work", "private", "Volumes",
    "scratch", "run", "net", "nfs", "cygdrive",
)
_NAME = r"[\w.~$@%+=,-]"
LOCAL_PATH = re.compile(
    "|".join((
        rf"/(?<![\w.~/\\-]/)(?:{'|'.join(_POSIX_ROOTS)})/{_NAME}",  # /home/alice, /tmp/x (not x.org/data/x)
        rf":\\(?<=[A-Za-z]:\\)(?<![\w\\/][A-Za-z]:\\){_NAME}",  # C:\Users\alice
        # C:/Users/alice: with a forward slash only under the usual roots (minified code has "a:/x/")
        (r":/(?<=[A-Za-z]:/)(?<![\w\\/][A-Za-z]:/)"
         r"(?i:Users|Documents and Settings|ProgramData|Program Files|Windows|Temp)/"),
        r"\\\\(?<![\w\\]\\\\)[A-Za-z0-9][\w.$-]+\\[\w$][\w.$-]*",  # \\server\share
        r"[Ff](?<![\w.+-][Ff])(?i:ile):/",  # file:///home/alice/x, file://server/share
        rf"~[/\\](?<![\w.~/\\-]~[/\\]){_NAME}",  # ~/exports
    ))
)
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

    def __init__(self, findings: list[Finding], advice: str = ""):
        self.findings = findings
        listed = "; ".join(f"{f.file} holds {f.kind}" for f in findings[:10])
        more = f" (and {len(findings) - 10} more)" if len(findings) > 10 else ""
        super().__init__(f"privacy scan: personal data in the output, nothing was published: {listed}{more}"
                         + (f"; {advice}" if advice else ""))


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


def pattern_kinds(text: str, *, allowed_addresses: Iterable[str] = (),
                  local_paths: Iterable[str | Path] = ()) -> list[str]:
    """The kinds of value found by pattern: e-mail, IPv4, IPv6 (each checked to be a real address), local paths.

    ``allowed_addresses``: e-mail addresses that are no finding (the controller's own,
    ``[policy] controller_contacts``), compared case-insensitively, whatever their spelling.
    ``local_paths``: the run's own paths, looked for literally in every spelling (:func:`path_forms`).
    """
    kinds = []
    allowed = frozenset(normalise_address(a) for a in allowed_addresses)
    if next(emails(text, allowed), None) is not None:
        kinds.append("an e-mail address")
    if any(_is_ipv4(m.group(0)) for m in IPV4.finditer(text)):
        kinds.append("an IPv4 address")
    if any(_is_ipv6(m.group(0)) for m in IPV6.finditer(text)):
        kinds.append("an IPv6 address")
    if LOCAL_PATH.search(text):
        kinds.append("a local path")
    own = _run_paths_pattern(tuple(sorted({str(p) for p in local_paths})))
    if own is not None and any(_starts_a_path(text, m.start()) for m in own.finditer(text)):
        kinds.append("a local path of this run")
    return kinds


def emails(text: str, allowed: frozenset[str] = frozenset()) -> Iterator[str]:
    """Every e-mail address in ``text`` not in ``allowed``, normalised (:func:`normalise_address`)."""
    pos = 0
    while (m := EMAIL.search(text, pos)) is not None:
        if m.group("spaced") is not None and _is_prose(m):
            pos = m.start("domain")  # "look at jane.doe at example.com": the address may start here
            continue
        pos = m.end()
        address = normalise_address(m.group("local") + "@" + m.group("domain"))
        if address not in allowed:
            yield address


def _is_prose(m: re.Match) -> bool:
    """A `` at `` match that reads as a sentence ("contact us at example.com", "look at summary.json")."""
    domain = _SPELLED_DOT.sub(".", m.group("domain")).casefold()
    return (m.group("local").casefold() in _PROSE_LOCAL or m.group("tld").casefold() in _FILE_TYPES
            or domain.startswith("www."))


def normalise_address(address: str) -> str:
    """``John (at) Example (dot) COM``, ``john＠example.com`` -> ``john@example.com``: one spelling per address."""
    address = unicodedata.normalize("NFKC", address.strip())
    local, at, domain = address.partition("@")
    if not at:
        m = EMAIL.fullmatch(address)
        if m is None:
            return address.casefold()
        local, domain = m.group("local"), m.group("domain")
    return f"{local}@{_SPELLED_DOT.sub('.', domain)}".casefold()


def path_forms(path: str | Path) -> set[str]:
    """The spellings of ``path`` a file could hold: as given, absolute, resolved (links followed), with ``/``
    or ``\\``, percent-encoded, and from ``~/``.

    A path of one part (``/``, ``C:\\``, ``.``) names nothing, and a relative one of one part
    (``exports``) is an ordinary word: neither is looked for.
    """
    path = Path(path)
    variants = {path}
    try:
        path = path.expanduser()
    except RuntimeError:  # no home folder
        pass
    variants.update({path, Path(os.path.abspath(path))})
    try:
        variants.add(path.resolve())
    except (OSError, RuntimeError):
        pass
    try:
        home = Path.home()
    except RuntimeError:
        home = None
    forms: set[str] = set()
    for variant in variants:
        if len(variant.parts) < 2:
            continue
        posix = variant.as_posix()
        forms.update((str(variant), posix, quote(posix)))
        if len(variant.parts) > 2:  # "\root" could be anything (TeX has it); "\srv\exports" is a path
            forms.update((posix.replace("/", "\\"), quote(posix, safe="")))
        if home is not None and variant.is_absolute() and variant != home and variant.is_relative_to(home):
            forms.add("~/" + variant.relative_to(home).as_posix())
    return forms


@functools.lru_cache(maxsize=8)
def _run_paths_pattern(paths: tuple[str, ...]) -> re.Pattern | None:
    forms = sorted({form for p in paths for form in path_forms(p)}, key=len, reverse=True)
    if not forms:
        return None
    # whole paths: "/srv/exports" is in "/srv/exports/x.csv" and "/srv/exports." but not in "/srv/exports2";
    # the character before is checked by _starts_a_path (a leading look-behind would be slow, see LOCAL_PATH)
    return re.compile(rf"(?:{'|'.join(map(re.escape, forms))})(?![\w~-]|\.\w)", re.IGNORECASE)


def _starts_a_path(text: str, start: int) -> bool:
    """No name character before ``start``: "/srv/exports" is not the end of "x.org/srv/exports"... or "a/srv"."""
    return start == 0 or not (text[start - 1].isalnum() or text[start - 1] in "_.~-")


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
    HTML entities resolved, and text embedded as base64 ``data:`` URIs (the report's SVG charts);
    a PDF's extracted text (:func:`pdf_text`)."""
    if path.suffix.lower() == ".pdf":
        return pdf_text(path)
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


def pdf_text(path: Path) -> str:
    """What a reader of the PDF ``path`` could see or copy: every page's text, its document information
    (title, author...), its links and its outline, NFKC-normalised (Chromium sets "fi" as the ligature
    "ﬁ"). A file pypdf cannot read is a failure (exit 1): what cannot be read cannot be published."""
    # deferred: only a run that prints a PDF needs pypdf
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(str(path))
        parts = [page.extract_text() or "" for page in reader.pages]
        parts += [str(v) for v in (reader.metadata or {}).values()]
        for page in reader.pages:
            for annot in page.get("/Annots") or []:
                action = annot.get_object().get("/A") or {}
                if "/URI" in action:
                    parts.append(str(action["/URI"]))
        parts += _outline_titles(reader.outline)
    except (PdfReadError, ValueError, KeyError, TypeError, OSError) as exc:
        raise PipelineFailure(f"privacy scan: {path.name} cannot be read as a PDF ({exc}); nothing was published")
    return unicodedata.normalize("NFKC", "\n".join(parts))


def _outline_titles(outline) -> list[str]:
    found: list[str] = []
    for item in outline or []:
        if isinstance(item, list):
            found += _outline_titles(item)
        elif getattr(item, "title", None):
            found.append(str(item.title))
    return found


def _unescape(m: re.Match) -> str:
    code = m.group(1)
    if len(code) == 5 and code[0] == "u":
        return chr(int(code[1:], 16))
    return code if code in '/\\"' else " "  # JSON's "C:\\\\Users" and "\\/home\\/alice" are paths


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


def scan(folder: Path, con, *, ignore: tuple[str, ...] = (), allowed_addresses: Iterable[str] = (),
         local_paths: Iterable[str | Path] = ()) -> list[Finding]:
    """Every (file, kind) of personal data under ``folder``; ``con`` is the run's database (read-only).

    ``allowed_addresses`` and ``local_paths``: as for :func:`pattern_kinds`.
    """
    import pyarrow as pa

    folder = Path(folder)
    files = sorted(p for p in folder.rglob("*") if p.is_file())
    findings: set[Finding] = set()
    token_files: list[int] = []
    token_values: list[str] = []
    for index, path in enumerate(files):
        text = readable_text(path, ignore)
        rel = path.relative_to(folder).as_posix()
        findings.update(Finding(rel, kind) for kind in pattern_kinds(
            text, allowed_addresses=allowed_addresses, local_paths=local_paths))
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


def identifying_addresses(con, addresses: Iterable[str]) -> list[str]:
    """The columns (``table.column``) of the loaded database ``con`` holding one of ``addresses``, compared trimmed
    and case-insensitively: every identifying column (:func:`identifying_columns`) and every other text column of
    the contract, since an e-mail address in the exports, an account id or a ticket's category, is someone's. An
    allowed address (the policy's ``controller_contacts``) found there is someone the review is about, whom the
    scan would let through every published file (docs/operations.md, "Safe by construction")."""
    import pyarrow as pa

    wanted = sorted({a.strip().lower() for a in addresses if a.strip()})
    present = _present_columns(con)
    columns = dict.fromkeys([*identifying_columns(), *((name, col.name) for name, table in TABLES.items()
                                                       for col in table.columns if col.type == "text")])
    by_table: dict[str, list[str]] = {}
    for table, column in columns:
        if (table, column) in present:
            by_table.setdefault(table, []).append(column)
    if not wanted:
        return []
    found = []
    for table, names in by_table.items():  # one scan per table, every column in it; the list is a few addresses
        # a value equal to an address holds its '@': the cheap test first (lower and trim only for those)
        guard = "contains(CAST(\"{c}\" AS VARCHAR), '@') AND " if all("@" in a for a in wanted) else ""
        flags = ", ".join(f"coalesce(bool_or({guard.format(c=c)}list_contains($wanted, "
                          f"lower(trim(CAST(\"{c}\" AS VARCHAR))))), false)" for c in names)
        row = con.execute(f"SELECT {flags} FROM {table}", {"wanted": wanted}).fetchall()[0]
        found += [f"{table}.{c}" for c, hit in zip(names, row, strict=True) if hit]
    return sorted(found)


def _present_columns(con) -> set[tuple[str, str]]:
    rows = con.execute(
        "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'"
    ).fetchall()
    return {(t, c) for t, c in rows}


def check(folder: Path, db: Path | None, *, zone: str = "UTC", con=None,
          allowed_addresses: Iterable[str] = (), local_paths: tuple[Path, ...] = ()) -> None:
    """Raise :class:`PersonalDataFound` when any file under ``folder`` holds personal data.

    ``con``: an open connection to look the ids up in instead of the database file ``db``
    (a Spark run's, pipelines/spark/engine.py); it is left open.
    ``allowed_addresses``: the controller's own contact addresses (the policy's
    ``controller_contacts``), the only e-mail addresses a published file may quote.
    ``local_paths``: the run's own paths (--data, --db, the home and working folders),
    found in any spelling (docs/operations.md, "Privacy scan").
    """
    started = time.perf_counter()
    own = con is None
    if own:
        con = dbmod.connect(db, read_only=True, zone=zone) if db is not None and Path(db).exists() else None
    try:
        has_html = any(p.suffix.lower() in (".html", ".htm") for p in Path(folder).rglob("*"))
        findings = scan(folder, con, ignore=_third_party_code() if has_html else (),
                        allowed_addresses=allowed_addresses, local_paths=local_paths)
    finally:
        if own and con is not None:
            con.close()
    log.info("privacy scan: %d file(s), %s (%.1f s)",
             sum(1 for p in Path(folder).rglob("*") if p.is_file()),
             "no personal data" if not findings else f"{len(findings)} finding(s)", time.perf_counter() - started)
    if findings:
        raise PersonalDataFound(findings)


@dataclass(frozen=True)
class Scan:
    """One run's scan: :func:`check`'s settings, applied to whatever folder is about to be published."""

    database: Path | None = None
    zone: str = "UTC"
    con: object = None
    allowed_addresses: tuple[str, ...] = ()
    local_paths: tuple[Path, ...] = ()

    def check(self, folder: Path) -> None:
        check(folder, self.database, zone=self.zone, con=self.con, allowed_addresses=self.allowed_addresses,
              local_paths=self.local_paths)


def _third_party_code() -> tuple[str, ...]:
    """The Vega bundle the report inlines, as it is inlined: code, not data, and full of look-alikes."""
    try:  # deferred: nbconvert loads only when a report's HTML is scanned
        from pipelines.report.export import vega_bundle
        from pipelines.report.kit.theme import vegalite_version

        return (vega_bundle(vegalite_version()),)
    except Exception:  # noqa: BLE001 - without it the scan is only stricter
        return ()
