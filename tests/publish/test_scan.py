"""The privacy scan: addresses and paths by pattern, database values as whole tokens, findings without values."""

import base64
import json
from pathlib import Path

import pytest

from pipelines.publish.scan import (
    Finding,
    PersonalDataFound,
    check,
    identifying_addresses,
    looks_like_id,
    path_forms,
    pattern_kinds,
    scan,
    tokens,
)

EMAIL, IPV4, IPV6 = "an e-mail address", "an IPv4 address", "an IPv6 address"
PATH, RUN_PATH = "a local path", "a local path of this run"

ROWS = {
    "accounts": [{"account_id": "A000123", "created_at": "2024-01-01", "plan": "free", "status": "active"}],
    "sessions": [{"session_id": "S00000042", "account_id": "A000123", "started_at": "2024-02-01 10:00",
                  "ip_address": "10.186.55.181", "device_id": "7f8cf50a289b8b15"}],
    "web_visits": [{"visit_id": "W00000001", "visitor_id": "visitor-9f3a1c", "visited_at": "2024-02-01 10:00"}],
}


def write(folder, name, text):
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize(
    "text, kinds",
    [
        ("contact jane.doe@example.org today", ["an e-mail address"]),
        ("label: 192.168.1.20", ["an IPv4 address"]),
        ("from 2001:db8::8a2e:370:7334", ["an IPv6 address"]),
        ("fe80::1%eth0 and 2001:0db8:0000:0000:0000:ff00:0042:8329", ["an IPv6 address"]),
        # look-alikes that are not addresses
        ("Python 3.11.2, vega 5.20.1, 999.1.1.1, at 12:30:45, a::before", []),
        ("version 1.2.3.4.5 and 10.0.0", []),
        ("{'a': x::y, '::': 1, '::1'}", []),
        ("see @vega/embed and user@localhost", []),
    ],
)
def test_addresses_by_pattern(text, kinds):
    assert pattern_kinds(text) == kinds


@pytest.mark.parametrize(
    "text",
    [
        "jöhn.dœ@exämple.be",  # letters beyond ASCII in both parts
        "写信给 用户@例子.广告",  # an internationalised domain and top-level domain
        "john＠example.com",  # full-width at sign
        "john﹫example.com",  # small at sign
        "john@example．com",  # full-width full stop
        "john (at) example.com",
        "john[at]example.com",
        "john{at}example.com",
        "john (@) example.com",
        "john at example dot com",
        "JOHN AT EXAMPLE DOT COM",
        "john(at)example(dot)com",
        "john [at] example [dot] co [dot] uk",
        "mail john at example.com today",
        "write to j.doe+q2@sub.example.org",
        "look at jane.doe at example.com",  # prose before an address does not hide it
    ],
)
def test_every_spelling_of_an_e_mail_address_is_found(text):
    assert pattern_kinds(text) == [EMAIL]


@pytest.mark.parametrize(
    "text",
    [
        # report prose, English and Dutch: " at " is an address only between a local part and a domain
        "Look at the table below: accounts past their deadline at each quarter end.",
        "Figures as at 30 June 2026, at least 12 months after the last session.",
        "Days to spare at completion (below 0: late); at 12:30 on 2026-06-30.",
        "Open at 30.06.2026, at 1.5 times the median, at e.g. 3 days.",
        "Zie de tabel: 12 verzoeken at 30 juni, minstens 3 dagen te laat.",
        "the figures are at summary.json and tables at retention_breaches.csv",  # file names, not domains
        "contact us at www.example.com",  # a web site in a sentence
        "the policy is available at example.com",
        "see @vega/embed and user@localhost",
        "CSS a::before, x at y, at-rule @media, 5 at 3",
    ],
)
def test_prose_is_no_e_mail_address(text):
    assert pattern_kinds(text) == []


@pytest.mark.parametrize(
    "text, kinds",
    [
        ("host192.168.1.20x", [IPV4]),  # inside a word
        ("ip_10.1.2.3_", [IPV4]),
        ("from 10.1.2.3.", [IPV4]),  # end of a sentence
        ("10.1.2.3-backup", [IPV4]),
        ("fe80::1ff:fe23:4567:890a-", [IPV6]),
        ("ip_fe80::1ff:fe23:4567:890a_", [IPV6]),
        ("at fe80::1ff:fe23:4567:890a.", [IPV6]),
        ("::2:3:4:5:6:7:8 and 1:2:3:4:5:6:7::", [IPV6]),  # seven groups and "::" at either end
        # version numbers, dates, longer dotted numbers, invalid addresses, CSS pseudo-elements
        ("duckdb 1.2.3, polars 2.0.1, v5.20.1", []),
        ("2026-06-30, 30.06.2026, 2026.06.30, 1.2.3.4.5, 1.234.567.890", []),
        ("999.1.1.1 and 10.1.2.300x", []),
        ("li::marker, a::before, ::1, 12:30:45", []),
    ],
)
def test_addresses_inside_words_and_before_punctuation_are_found(text, kinds):
    assert pattern_kinds(text) == kinds


@pytest.mark.parametrize(
    "text",
    [
        "/home/alice/exports/accounts.csv",
        "db: /Users/alice/review.duckdb",
        "(/root/reports)",
        "--out /tmp/scanrep",
        "/var/lib/privacy-review/db",
        "/mnt/exports/2026Q3",
        "/media/usb/x",
        "/srv/privacy-team/2026Q2",
        "/opt/privacy/data",
        "'/data/exports'",
        "/work/main/data_samples",
        "C:\\Users\\alice\\exports",
        "D:\\exports",
        "C:/Users/alice/exports",
        "\\\\fileserver\\privacy\\q2",
        "file:///home/alice/report.html",
        "FILE://server/share/x",
        "~/exports/q2",
    ],
)
def test_local_paths_are_found(text):
    assert pattern_kinds(text) == [PATH]


@pytest.mark.parametrize(
    "text",
    [
        "https://example.com/data/x and https://docs.example.org/home/alice",
        "tables/data/x.csv, notebooks/tmp/y, and/or, km/h, 30/06/2026",
        "never under /tmp/ or /home/ (named, not a path under them)",
        "a:/x/, /[a-z]/g, s = x ~ y, \\d+\\.\\s",
        "profile:/x",
    ],
)
def test_look_alikes_of_paths_are_not(text):
    assert pattern_kinds(text) == []


def test_the_runs_own_paths_are_found_in_any_spelling(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", "/exports-home/alice")
    given = Path("/exports/q2 data")  # outside the usual roots: only the literal finds it
    for text in ("/exports/q2 data/accounts.csv", "\\exports\\q2 data", "/exports/q2%20data/x",
                 "%2Fexports%2Fq2%20data", "/EXPORTS/Q2 DATA.", "uri file:///exports/q2%20data"):
        assert RUN_PATH in pattern_kinds(text, local_paths=(given,)), text
    for text in ("/exports/q2 database", "x.org/exports/q2 data", "/exports/q2 data2"):
        assert pattern_kinds(text, local_paths=(given,)) == [], text
    db = Path("/exports-home/alice/db/review.duckdb")
    assert "~/db/review.duckdb" in path_forms(db)
    assert RUN_PATH in pattern_kinds("see ~/db/review.duckdb", local_paths=(db,))
    # as given and resolved: a link and the folder it points to
    real = tmp_path / "real-exports"
    real.mkdir()
    (tmp_path / "link").symlink_to(real)
    assert RUN_PATH in pattern_kinds(f"read {real}/accounts.csv", local_paths=(tmp_path / "link",))
    # a path of one part names nothing, and a relative one is a word ("the exports")
    assert path_forms(Path("/")) == set()
    assert "exports" not in path_forms(Path("exports"))
    assert pattern_kinds("the exports and the data", local_paths=(Path("exports"), Path("data"), Path("/"))) == []


def test_the_reports_own_styles_and_template_hold_no_look_alike():
    import pipelines.report

    folder = Path(pipelines.report.__file__).parent / "templates" / "privacy_report"
    for path in sorted(folder.iterdir()):
        assert pattern_kinds(path.read_text(encoding="utf-8")) == [], path.name


def test_only_id_like_values_are_looked_for():
    assert looks_like_id("A000123") and looks_like_id("7f8cf50a289b8b15") and looks_like_id("12345678")
    # a short id, a word, a count: equality with them would be a coincidence
    assert not looks_like_id("A12") and not looks_like_id("active") and not looks_like_id("1234567")


def test_tokens_are_whole_and_punctuation_joined():
    found = tokens("id=A000123, file XA0001234.csv uuid 550e8400-e29b-41d4-a716-446655440000;")
    assert "A000123" in found and "550e8400-e29b-41d4-a716-446655440000" in found
    assert "XA0001234" in found and "A0001234" not in found  # no substrings of a token


def test_database_values_are_found_as_whole_tokens_only(tmp_path, make_db):
    con = make_db(ROWS)
    out = tmp_path / "out"
    write(out, "summary.json", json.dumps({"note": "rows: 7f8cf50a289b8b15", "count": 12}))
    write(out, "tables/a.csv", "key,n\nxA000123,1\nA0001234,2\n")  # neither is the id A000123
    write(out, "tables/b.csv", "who\nvisitor-9f3a1c\n")
    write(out, "notes.txt", "session S00000042 at\tnoon")
    assert scan(out, con) == [
        Finding("notes.txt", "a value of sessions.session_id"),
        Finding("summary.json", "a value of sessions.device_id"),
        Finding("tables/b.csv", "a value of web_visits.visitor_id"),
    ]


def test_values_hidden_by_encodings_are_found(tmp_path, make_db):
    con = make_db(ROWS)
    out = tmp_path / "out"
    svg = '<svg><text>A000123</text></svg>'
    uri = "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()
    write(out, "report.html", f'<img src="{uri}"><p>&#49;0.186.55.181</p>')
    nb = {"cells": [{"source": "x\nA000123", "outputs": [{"text": "\n7f8cf50a289b8b15"}]}]}
    write(out, "nb.ipynb", json.dumps(nb))
    write(out, "spec.html", '<script type="application/json">{"label":"\\u0031\\u0030.186.55.181"}</script>')
    kinds = {(f.file, f.kind) for f in scan(out, con)}
    assert ("report.html", "a value of accounts.account_id") in kinds
    assert ("report.html", "an IPv4 address") in kinds
    assert ("nb.ipynb", "a value of accounts.account_id") in kinds
    assert ("nb.ipynb", "a value of sessions.device_id") in kinds
    assert ("spec.html", "an IPv4 address") in kinds


def test_ignored_text_is_not_searched(tmp_path, make_db):
    con = make_db(ROWS)
    out = tmp_path / "out"
    bundle = "/* vendor code: contact maintainer@vega.dev, 1.2.3.4 */"
    write(out, "report.html", f"<p>fine</p><script>{bundle}</script>")
    assert scan(out, con, ignore=(bundle,)) == []
    assert scan(out, con) != []


def test_check_names_file_and_kind_but_never_the_value(tmp_path, make_db):
    from pipelines import db as dbmod

    db = tmp_path / "db.duckdb"
    con = dbmod.connect(db)
    con.sql("CREATE TABLE sessions (session_id VARCHAR, ip_address VARCHAR, device_id VARCHAR)")
    con.sql("INSERT INTO sessions VALUES ('S00000042', '10.186.55.181', '7f8cf50a289b8b15')")
    con.close()
    out = tmp_path / "out"
    write(out, "tables/t.csv", "device\n7f8cf50a289b8b15\n")
    with pytest.raises(PersonalDataFound) as info:
        check(out, db)
    message = str(info.value)
    assert "tables/t.csv holds a value of sessions.device_id" in message
    assert "7f8cf50a289b8b15" not in message
    write(out, "tables/t.csv", "device\nnone\n")
    check(out, db)  # nothing left to find


def test_check_finds_local_paths_and_names_only_their_kind(tmp_path):
    out = tmp_path / "out"
    data = Path("/exports/2026Q2")
    write(out, "notebooks/nb.ipynb", json.dumps({"cells": [{"source": f"data_dir = {str(data)!r}"}]}))
    write(out, "summary.json", json.dumps({"db": "C:\\Users\\alice\\review.duckdb"}))
    write(out, "report.html", '<script type="application/json">{"path": "\\/home\\/alice\\/x"}</script>')
    with pytest.raises(PersonalDataFound) as info:
        check(out, None, local_paths=(data,))
    assert info.value.findings == [
        Finding("notebooks/nb.ipynb", RUN_PATH), Finding("report.html", PATH), Finding("summary.json", PATH),
    ]
    message = str(info.value)
    assert "/exports" not in message and "alice" not in message


def test_the_controllers_own_address_is_allowed_and_no_other(tmp_path):
    from pipelines.policy import load_policy

    contacts = load_policy().controller_contacts  # ("privacy@onetagger.com",)
    out = tmp_path / "out"
    write(out, "report.html", "<p>Questions: privacy@onetagger.com, PRIVACY@OneTagger.com, "
                              "privacy (at) onetagger (dot) com, privacy＠onetagger.com</p>")
    check(out, None, allowed_addresses=contacts)  # the policy's own address: no finding
    with pytest.raises(PersonalDataFound):
        check(out, None)  # not declared: an address like any other
    for other in ("jane@onetagger.com", "xprivacy@onetagger.com", "privacy@onetagger.com.evil.org",
                  "privacy@onetagger.co"):
        write(out, "tables/t.csv", f"who\n{other}\n")
        with pytest.raises(PersonalDataFound) as info:
            check(out, None, allowed_addresses=contacts)
        assert info.value.findings == [Finding("tables/t.csv", EMAIL)], other
        assert other not in str(info.value)


def test_an_allowed_address_that_is_a_value_of_the_exports_is_named_by_its_column(make_db):
    """An address the scan would allow that is someone's id, or any text value of the exports (a ticket category):
    found trimmed and in any case, named by column."""
    con = make_db({**ROWS, "marketing_contacts": [{"contact_id": " Lotte.DeSmet@Example.com", "account_id": "A000123",
                                                   "last_communication_at": "2024-02-01 10:00"}],
                   "support_tickets": [{"ticket_id": "T000001", "channel": "email", "category": "JAN@example.be",
                                        "created_at": "2024-02-01 10:00"}]})
    assert identifying_addresses(con, ["lotte.desmet@example.com ", "privacy@onetagger.com"]) == [
        "marketing_contacts.contact_id"]
    assert identifying_addresses(con, ["jan@example.be", "lotte.desmet@example.com"]) == [
        "marketing_contacts.contact_id", "support_tickets.category"]
    assert identifying_addresses(con, ["privacy@onetagger.com"]) == []
    assert identifying_addresses(con, []) == []
