"""The privacy scan: addresses by pattern, database values as whole tokens, findings without values."""

import base64
import json

import pytest

from pipelines.privacy_scan import (
    Finding,
    PersonalDataFound,
    check,
    looks_like_id,
    pattern_kinds,
    scan,
    tokens,
)

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
