"""Personal data planted everywhere an export can hold it, and none of it under ``--out``.

docs/operations.md, "Safe by construction": only declared values reach a published
file, and no local path. A real run (papermill, nbconvert, the privacy scan) on an
export whose every free-text and coded column, an extra column, a Parquet file name
and the export folder's own name hold a person's name; the run publishes (exit 0:
the values were counted under "other", not leaked) and no published byte names her.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import duckdb
import pytest

from pipelines.publish.scan import readable_text

pytestmark = pytest.mark.slow

#: the planted person: a name no report word, number or library contains
NAME = "Quirinus Zyxwvut"
TOKEN = "zyxwvut"


def _exports(folder):
    """Four required tables as CSV, sessions as a folder of Parquet named after the person."""
    folder.mkdir(parents=True)
    who = NAME
    (folder / "accounts.csv").write_text(
        "account_id,created_at,plan,country,status,erased_at,last_login_at,legal_hold,notes\n"
        f"A1,2023-01-05T10:00:00Z,{who} plan,{who},active,,2023-02-01T10:00:00Z,false,{who}\n"
        f"A2,2023-02-05T10:00:00Z,free,BE,active,,2024-08-01T10:00:00Z,false,call {who}\n"
        f"A3,2023-03-05T10:00:00Z,paid,XX,{who} status,,2024-08-01T10:00:00Z,false,\n"
        f"A4,{who},free,BE,active,,,false,set aside: its timestamp is a name\n",
        encoding="utf-8",
    )
    (folder / "support_tickets.csv").write_text(
        "ticket_id,account_id,channel,category,created_at,first_response_at,resolved_at,anonymized_at\n"
        f"T1,A2,{who} phone,complaint by {who},2024-07-02T10:00:00Z,2024-07-02T12:00:00Z,,\n"
        f"T2,A2,email,{who},2024-07-03T10:00:00Z,2024-07-03T11:00:00Z,2024-07-04T10:00:00Z,\n"
        "T3,A2,email,privacy,2024-08-03T10:00:00Z,2024-08-03T11:00:00Z,2024-08-04T10:00:00Z,\n",
        encoding="utf-8",
    )
    (folder / "rights_requests.csv").write_text(
        "request_id,account_id,right,channel,received_at,completed_at,outcome\n"
        f"R1,A2,forget {who},{who} letter,2024-07-10T09:00:00Z,2024-07-20T09:00:00Z,{who}\n"
        "R2,A2,access,email,2024-08-10T09:00:00Z,,\n",
        encoding="utf-8",
    )
    sessions = folder / "sessions"
    sessions.mkdir()
    with duckdb.connect() as con:
        con.sql(
            "COPY (SELECT * FROM (VALUES"
            " ('S1', 'A2', TIMESTAMPTZ '2024-08-01 10:00:00+00', '10.1.2.3', 'dev-1'),"
            " ('S2', 'A1', TIMESTAMPTZ '2023-02-01 10:00:00+00', '10.1.2.4', 'dev-2'))"
            " AS t(session_id, account_id, started_at, ip_address, device_id))"
            f" TO '{sessions / (TOKEN + '-private-sessions.parquet')}' (FORMAT parquet)"
        )
    return folder


def test_a_name_planted_in_every_column_file_and_folder_is_never_published(tmp_path):
    data = _exports(tmp_path / f"{TOKEN}-exports")
    out = tmp_path / "published"
    done = subprocess.run(
        [sys.executable, "-m", "pipelines.cli", "run", "--data", str(data), "--out", str(out), "--quarter", "2024Q3"],
        capture_output=True, text=True, timeout=900, check=False,
        env={**os.environ, "PRIVACY_REVIEW_HOME": str(tmp_path / "home")},
    )
    assert done.returncode == 0, done.stderr[-3000:]
    files = [p for p in out.rglob("*") if p.is_file()]
    assert any(p.name == "quarterly-review.html" for p in files) and any(p.suffix == ".ipynb" for p in files)
    for path in files:
        text = readable_text(path).lower()
        assert TOKEN not in text, f"{path.relative_to(out)} names the planted person"
        assert str(tmp_path).lower() not in text, f"{path.relative_to(out)} names a local path"
    summary = json.loads((out / "2024Q3" / "summary.json").read_text(encoding="utf-8"))
    # the undeclared values were counted, not dropped: two undeclared categories, one unknown right
    assert summary["support"]["by_category"].get("other") == 2
    assert summary["support"]["category_other_distinct"] == 2
    assert summary["rights"]["by_right"].get("other") == 1
