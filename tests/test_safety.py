"""Safe by construction (docs/operations.md): a hostile user's paths and parameters.

Each case is bad input: exit 2, one line on stderr, no traceback, and nothing the
user owns is written, replaced, renamed or hidden. The exports are hashed before
and after every case.
"""

from __future__ import annotations

import hashlib
import json
import os
import subprocess

import pytest

from pipelines import cli as climod
from pipelines import ownership
from pipelines.publish.swap import staging_dir
from tests.conftest import policy_with
from tests.load.helpers import write_exports


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("PRIVACY_REVIEW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PRIVACY_REVIEW_MEMORY_LIMIT", raising=False)
    monkeypatch.delenv("PRIVACY_REVIEW_LOCK_TIMEOUT", raising=False)
    return tmp_path / "home"


def tree(folder):
    """Every file under ``folder`` with its bytes' hash (hidden files included)."""
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*")) if p.is_file() and not p.is_symlink()
    }


def refused(capsys, *args) -> str:
    """Run the command; assert exit 2 with exactly one error line and no traceback; return that line."""
    code = climod.main([str(a) for a in args])
    err = capsys.readouterr().err
    assert code == 2, err
    lines = [line for line in err.splitlines() if line.startswith("privacy-review: error")]
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


def run_args(data, out, *more):
    return ["run", "--data", data, "--out", out, "--quarter", "2024Q1", "--no-report", *more]


# --- 1. paths that overlap: the exports are never written -------------------------------------------


@pytest.mark.parametrize(
    "make_args",
    [
        lambda d, t: ["load", "--data", d, "--db", d / "accounts.csv"],                 # the export itself
        lambda d, t: ["load", "--data", d, "--db", d / "new.duckdb"],                   # inside the exports
        lambda d, t: ["load", "--data", d, "--db", t / "link-to-accounts"],             # a symlink to an export
        lambda d, t: ["load", "--data", d, "--db", t / "hardlink.csv"],                 # the same inode
        lambda d, t: ["load", "--data", d, "--db", d / ".." / d.name / "x.duckdb"],     # through ..
        lambda d, t: run_args(d, d),                                                    # --out is --data
        lambda d, t: run_args(d, t / "link-to-data"),                                   # --out links to --data
        lambda d, t: run_args(d, d / "reports"),                                        # --out inside --data
        lambda d, t: run_args(d, t),                                                    # --data inside --out
        lambda d, t: run_args(d, t / "r", "--db", d / "sessions.csv"),
        lambda d, t: run_args(d, t / "r", "--db", t / "r" / "db.duckdb"),               # the database published
    ],
)
def test_overlapping_paths_are_refused_and_the_exports_stay_as_they_were(tmp_path, capsys, make_args):
    data = write_exports(tmp_path / "exports")
    (tmp_path / "link-to-accounts").symlink_to(data / "accounts.csv")
    (tmp_path / "link-to-data").symlink_to(data, target_is_directory=True)
    os.link(data / "accounts.csv", tmp_path / "hardlink.csv")
    before = tree(data)
    line = refused(capsys, *make_args(data, tmp_path))
    assert "must not overlap" in line
    assert tree(data) == before
    assert not (tmp_path / "r").exists()


def test_a_home_inside_the_exports_is_refused(tmp_path, capsys, monkeypatch):
    data = write_exports(tmp_path / "exports")
    monkeypatch.setenv("PRIVACY_REVIEW_HOME", str(data / "state"))
    before = tree(data)
    line = refused(capsys, *run_args(data, tmp_path / "r"))
    assert "$PRIVACY_REVIEW_HOME" in line and "must not overlap" in line
    assert tree(data) == before and not (data / "state").exists()


def test_a_database_path_holding_another_file_is_never_overwritten(tmp_path, capsys):
    data = write_exports(tmp_path / "exports")
    mine = tmp_path / "thesis.docx"
    mine.write_bytes(b"years of work")
    line = refused(capsys, "load", "--data", data, "--db", mine)
    assert "is not a DuckDB database" in line
    assert mine.read_bytes() == b"years of work"


# --- 1. publishing replaces only what the tool made ---------------------------------------------------


def test_a_quarter_folder_the_tool_did_not_make_is_refused_and_left_alone(tmp_path, capsys):
    data = write_exports(tmp_path / "exports")
    out = tmp_path / "r"
    (out / "2024Q1").mkdir(parents=True)
    (out / "2024Q1" / "notes.txt").write_text("mine")
    line = refused(capsys, *run_args(data, out))
    assert "2024Q1" in line and "not made by privacy-review" in line
    assert (out / "2024Q1" / "notes.txt").read_text() == "mine"
    assert sorted(p.name for p in out.iterdir() if p.name.startswith(".") and "tmp" in p.name) == []


def test_a_file_in_place_of_the_quarter_is_refused_never_renamed_or_hidden(tmp_path, capsys):
    data = write_exports(tmp_path / "exports")
    out = tmp_path / "r"
    out.mkdir()
    (out / "2024Q1").write_text("my file")
    refused(capsys, *run_args(data, out))
    assert (out / "2024Q1").read_text() == "my file"
    assert [p.name for p in out.iterdir() if p.name.startswith(".2024Q1")] == []


def test_a_user_file_added_to_a_published_quarter_stops_the_next_run(tmp_path, capsys):
    data = write_exports(tmp_path / "exports")
    out = tmp_path / "r"
    assert climod.main([str(a) for a in run_args(data, out)]) == 0
    capsys.readouterr()
    assert ownership.is_own_quarter(out / "2024Q1")
    (out / "2024Q1" / "tables" / "my-analysis.xlsx").write_bytes(b"mine")
    line = refused(capsys, *run_args(data, out))
    assert "tables/my-analysis.xlsx" in line
    assert (out / "2024Q1" / "tables" / "my-analysis.xlsx").read_bytes() == b"mine"
    (out / "2024Q1" / "tables" / "my-analysis.xlsx").unlink()
    assert climod.main([str(a) for a in run_args(data, out)]) == 0  # its own work it replaces


CHECKPOINT = "notebooks/.ipynb_checkpoints/00_quarterly_review-checkpoint.ipynb"


def opened_in_jupyterlab(quarter, text: str = "the notebook as the analyst last saved it"):
    """What JupyterLab writes beside a published notebook it opens (and beside summary.json): its checkpoints."""
    (quarter / "notebooks" / ".ipynb_checkpoints").mkdir(parents=True)
    (quarter / CHECKPOINT).write_text(json.dumps({"cells": [{"source": text}]}), encoding="utf-8")
    (quarter / ".ipynb_checkpoints").mkdir()
    (quarter / ".ipynb_checkpoints" / "summary-checkpoint.json").write_bytes((quarter / "summary.json").read_bytes())
    return tree(quarter / "notebooks" / ".ipynb_checkpoints") | tree(quarter / ".ipynb_checkpoints")


def test_a_notebook_opened_in_jupyterlab_never_blocks_the_next_run_and_its_checkpoint_is_kept(tmp_path, capsys):
    """docs/operations.md, "Safe by construction": JupyterLab's traces are carried over into the quarter published
    again, outside its manifest and its evidence; verify stays green; any other stranger file still blocks."""
    from pipelines import evidence

    data = write_exports(tmp_path / "exports")
    out = tmp_path / "r"
    quarter = out / "2024Q1"
    assert climod.main([str(a) for a in run_args(data, out)]) == 0
    traces = opened_in_jupyterlab(quarter)
    first = evidence.read(quarter)["run"]["started_at"]
    capsys.readouterr()
    assert climod.main([str(a) for a in run_args(data, out)]) == 0  # unchanged: the traces leave it whole
    assert "is unchanged" in capsys.readouterr().err
    assert climod.main([str(a) for a in run_args(data, out, "--force")]) == 0
    assert "carried over 2 editor trace(s)" in capsys.readouterr().err
    assert evidence.read(quarter)["run"]["started_at"] != first  # published again ...
    assert tree(quarter / "notebooks" / ".ipynb_checkpoints") | tree(quarter / ".ipynb_checkpoints") == traces
    manifest, hashed = ownership.quarter_manifest(quarter), evidence.read(quarter)["published"]
    assert not any(".ipynb_checkpoints" in name for name in [*manifest, *hashed])  # ... and not by the run
    assert climod.main(["verify", str(quarter), "--data", str(data)]) == 0, capsys.readouterr()
    (quarter / "notes.txt").write_text("mine")
    line = refused(capsys, *run_args(data, out, "--force"))
    assert "holds 1 file(s) privacy-review did not write, e.g. notes.txt" in line
    assert (quarter / "notes.txt").read_text() == "mine" and (quarter / CHECKPOINT).is_file()


def test_a_checkpoint_holding_personal_data_is_never_published_again_nor_deleted(tmp_path, capsys):
    """A carried-over trace is published by the run that carries it: the privacy scan reads it (exit 1)."""
    from pipelines import evidence

    data = write_exports(tmp_path / "exports")
    out = tmp_path / "r"
    quarter = out / "2024Q1"
    assert climod.main([str(a) for a in run_args(data, out)]) == 0
    traces = opened_in_jupyterlab(quarter, "mail jane.doe@example.org about her erasure")
    sealed = evidence.seal(quarter)
    capsys.readouterr()
    assert climod.main([str(a) for a in run_args(data, out, "--force")]) == 1
    err = capsys.readouterr().err
    assert f"{CHECKPOINT} holds an e-mail address" in err
    assert f"{CHECKPOINT} is an editor's copy (JupyterLab)" in err and "move it out of the quarter's folder" in err
    assert "jane.doe" not in err
    assert evidence.seal(quarter) == sealed  # the published quarter stands, its traces with it
    assert tree(quarter / "notebooks" / ".ipynb_checkpoints") | tree(quarter / ".ipynb_checkpoints") == traces
    assert not [p for p in out.iterdir() if p.name.startswith(".2024Q1")]


def test_an_index_html_the_tool_did_not_write_is_never_overwritten(tmp_path, capsys):
    data = write_exports(tmp_path / "exports")
    out = tmp_path / "site"
    out.mkdir()
    (out / "index.html").write_text("<html>my intranet page</html>")
    line = refused(capsys, *run_args(data, out))
    assert "index.html" in line
    assert (out / "index.html").read_text() == "<html>my intranet page</html>"


def test_a_staging_folder_name_without_the_tool_marker_is_never_cleaned_up(tmp_path, capsys):
    data = write_exports(tmp_path / "exports")
    out = tmp_path / "r"
    lookalike = out / ".2024Q1.tmp-notmine"
    lookalike.mkdir(parents=True)
    (lookalike / "keep.txt").write_text("mine")
    real = staging_dir(out / "2023Q4")
    assert climod.main([str(a) for a in run_args(data, out)]) == 0
    assert (lookalike / "keep.txt").read_text() == "mine"
    assert not real.exists()


def test_sample_never_writes_over_a_folder_of_someone_elses_files(tmp_path, capsys):
    folder = tmp_path / "documents"
    folder.mkdir()
    (folder / "accounts.csv").write_text("my own accounts")
    refused(capsys, "sample", "--out", folder, "--accounts", "5")
    assert (folder / "accounts.csv").read_text() == "my own accounts"


def test_notebooks_force_replaces_only_its_own_copies(tmp_path, capsys):
    target = tmp_path / "analysis"
    assert climod.main(["notebooks", str(target)]) == 0
    assert climod.main(["notebooks", str(target), "--force"]) == 0  # its own copies
    capsys.readouterr()
    mine = target / "00_quarterly_review.ipynb"
    mine.write_text(json.dumps({"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}))
    line = refused(capsys, "notebooks", target, "--force")
    assert "00_quarterly_review.ipynb" in line
    assert json.loads(mine.read_text())["metadata"] == {}


# --- 4. every bad parameter: one line, exit 2 ------------------------------------------------------------


@pytest.mark.parametrize(
    "more, env, words",
    [
        (["--quarter", "0000Q1"], {}, "outside the supported years"),
        (["--quarter", "9999Q4"], {}, "outside the supported years"),
        (["--as-of", "9999-12-31"], {}, "outside the supported years"),
        (["--as-of", "0001-01-01"], {}, "outside the supported years"),
        (["--input-zone", "posixrules"], {}, "unknown time zone 'posixrules'"),
        (["--input-zone", "localtime"], {}, "unknown time zone 'localtime'"),
        (["--input-zone", "Mars/Olympus"], {}, "unknown time zone"),
        (["--policy", "{posixrules_policy}"], {}, "[policy] zone: unknown time zone 'posixrules'"),
        (["--memory-limit", "lots"], {}, "--memory-limit: not a memory size"),
        ([], {"PRIVACY_REVIEW_MEMORY_LIMIT": "lots"}, "$PRIVACY_REVIEW_MEMORY_LIMIT: not a memory size"),
        ([], {"PRIVACY_REVIEW_LOCK_TIMEOUT": "nan"}, "$PRIVACY_REVIEW_LOCK_TIMEOUT"),
        ([], {"PRIVACY_REVIEW_LOCK_TIMEOUT": "inf"}, "$PRIVACY_REVIEW_LOCK_TIMEOUT"),
        ([], {"PRIVACY_REVIEW_LOCK_TIMEOUT": "-1"}, "$PRIVACY_REVIEW_LOCK_TIMEOUT"),
        (["--out", "{a_file}"], {}, "is not a folder"),
    ],
)
def test_bad_parameters_are_one_line_and_exit_2(tmp_path, capsys, monkeypatch, more, env, words):
    data = write_exports(tmp_path / "exports")
    values = {
        "posixrules_policy": policy_with(tmp_path / "p.toml", 'zone = "Europe/Brussels"', 'zone = "posixrules"'),
        "a_file": tmp_path / "a-file",
    }
    (tmp_path / "a-file").write_text("not a folder")
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    args = ["run", "--data", str(data), "--out", str(tmp_path / "r"), "--no-report", *(m.format(**values) for m in more)]
    line = refused(capsys, *args)
    assert words in line
    assert not (tmp_path / "r").exists() or (tmp_path / "r").is_file() is False
    assert (tmp_path / "a-file").read_text() == "not a folder"


# --- a full disk: exit 1, one line, the previous database and report intact ------------------------------


@pytest.fixture
def tiny_disk(tmp_path):
    """A 3 MiB tmpfs (root only; skipped elsewhere): a real full disk, not a simulated one."""
    mount = tmp_path / "tiny"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=3m", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def _many_sessions(n: int) -> str:
    rows = "".join(f"S{i:07d},A1,2024-02-01T10:00:00Z,,10.0.{i % 250}.{i % 200},device-{i:07d}\n" for i in range(n))
    return "session_id,account_id,started_at,ended_at,ip_address,device_id\n" + rows


def test_a_disk_that_fills_while_loading_is_exit_1_in_one_line_and_the_old_database_stays(
        tmp_path, tiny_disk, capsys, monkeypatch):
    small = write_exports(tmp_path / "small")
    db = tiny_disk / "db.duckdb"
    assert climod.main(["load", "--data", str(small), "--db", str(db)]) == 0
    before = hashlib.sha256(db.read_bytes()).hexdigest()
    capsys.readouterr()
    big = write_exports(tmp_path / "big", {"sessions": _many_sessions(120_000)})
    code = climod.main(["load", "--data", str(big), "--db", str(db)])
    err = capsys.readouterr().err
    assert code == 1, err
    lines = [line for line in err.splitlines() if line.startswith("privacy-review:")]
    assert len(lines) == 1 and "no space left on device" in lines[0] and "Traceback" not in err
    assert hashlib.sha256(db.read_bytes()).hexdigest() == before


# --- a worklist folder is never published -------------------------------------------------------------------------


def worklist_into(data, out):
    assert climod.main(["worklist", "--data", str(data), "--out", str(out), "--quarter", "2024Q1"]) == 0


@pytest.mark.parametrize("case", ["the worklist folder", "inside it", "its files without the marker"])
def test_a_worklist_folder_is_refused_as_runs_out_and_left_as_it_was(tmp_path, capsys, case):
    """Reported: a worklist folder used afterwards as ``run --out`` was published, the worklists inside."""
    data = write_exports(tmp_path / "exports")
    lists = tmp_path / "lists"
    worklist_into(data, lists)
    if case == "its files without the marker":  # an earlier worklist whose marker was deleted
        (lists / ownership.WORKLIST_MARKER).unlink()
    capsys.readouterr()
    before = tree(lists)
    out = lists / "reports" if case == "inside it" else lists
    line = refused(capsys, *run_args(data, out))
    assert f"the worklist folder {lists}" in line and "choose another --out" in line
    assert tree(lists) == before and not (lists / "reports").exists() and not (lists / "2024Q1").exists()
    assert not (lists / ownership.REPORTS_MARKER).exists()


def test_a_reports_folder_beside_a_register_named_like_a_worklist_file_is_not_a_worklist(tmp_path, capsys):
    data = write_exports(tmp_path / "exports")
    (tmp_path / "exceptions.csv").write_text("category,id,reason,approved_by,approved_on,expires_on\n")
    assert climod.main([str(a) for a in run_args(data, tmp_path / "reports")]) == 0


# --- the policy's contact addresses: the controller's own, never someone in the exports ------------------------


def test_a_controller_contact_that_is_a_customers_id_is_refused_before_anything_is_published(tmp_path, capsys):
    """A contact the scan would let through that is an account or marketing contact id (an e-mail address):
    exit 2 naming the policy file, line, column and key, never the address (docs/operations.md, "Privacy scan")."""
    contact = "lotte.desmet@example.com"
    data = write_exports(tmp_path / "exports", {
        "accounts": "account_id,created_at,plan,status\nA1,2024-01-01T10:00:00Z,free,active\n"
                    " Lotte.DeSmet@Example.com ,2024-01-02T10:00:00Z,free,active\n",
        "marketing_contacts": "contact_id,account_id,last_communication_at\nM1,A1,2024-02-01T10:00:00Z\n"})
    policy = policy_with(tmp_path / "p" / "policy.toml", 'controller_contacts = ["privacy@onetagger.com"]',
                         f'controller_contacts = ["privacy@onetagger.com", "{contact}"]')
    out = tmp_path / "r"
    line = refused(capsys, *run_args(data, out, "--policy", policy))
    text = policy.read_text(encoding="utf-8")
    number = text[:text.index("controller_contacts = [")].count("\n") + 1
    assert f"{policy}:{number}:1: [policy] controller_contacts: " in line
    assert "accounts.account_id" in line and contact not in line.lower()
    assert not (out / "2024Q1").exists()
    # a marketing contact's id the same: any identifying column, compared trimmed and in any case
    write_exports(data, {"marketing_contacts": "contact_id,account_id,last_communication_at\n"
                                               "LOTTE.DESMET@EXAMPLE.COM,A1,2024-02-01T10:00:00Z\n",
                         "accounts": "account_id,created_at,plan,status\nA1,2024-01-01T10:00:00Z,free,active\n"})
    line = refused(capsys, *run_args(data, out, "--policy", policy))
    assert "marketing_contacts.contact_id" in line and "accounts.account_id" not in line
    # the controller's own address alone is no one's
    assert climod.main([str(a) for a in run_args(data, out)]) == 0


def test_a_policy_quoting_its_own_contact_address_publishes_when_declared_and_says_the_fix_when_not(tmp_path, capsys,
                                                                                                   home):
    """The policy's contact paragraph quoted in a rule: with the address in controller_contacts the run publishes;
    without, exit 2 where the file is read, with the fix, before anything is loaded (the report quoting it, scanned
    with the declared address allowed: tests/publish/test_scan.py)."""
    from tests.policy.helpers import write_policy
    from tests.policy.test_parse import QUOTING

    data = write_exports(tmp_path / "exports")
    declared = write_policy(tmp_path / "declared", QUOTING)
    out = tmp_path / "r"
    assert climod.main([str(a) for a in run_args(data, out, "--policy", declared)]) == 0
    assert (out / "2024Q1" / "summary.json").is_file()
    undeclared = write_policy(tmp_path / "undeclared", QUOTING.replace(
        'controller_contacts = ["privacy@onetagger.com"]\n', ""))
    line = refused(capsys, *run_args(data, tmp_path / "r2", "--policy", undeclared, "--db", tmp_path / "h2" / "r.duckdb"))
    assert f"{undeclared}:" in line and "add it to [policy] controller_contacts" in line
    assert not (tmp_path / "h2" / "r.duckdb").exists() and not (tmp_path / "r2" / "2024Q1").exists()


# --- a published file someone edited is never replaced without a word ---------------------------------------------


@pytest.mark.parametrize("edited", ["summary.json", "tables/retention_breaches.csv"])
def test_a_published_file_edited_since_is_never_replaced_even_with_force(tmp_path, capsys, home, edited):
    """Reported: ``run --force`` silently replaced a published file a user had edited. The quarter's evidence.json
    holds each file's SHA-256 as published; a re-run that finds other bytes refuses (exit 2) naming the file, and
    leaves the quarter as it was; with the file moved out (or the edit undone) the re-run publishes."""
    data = write_exports(tmp_path / "exports")
    out = tmp_path / "reports"
    assert climod.main([str(a) for a in run_args(data, out)]) == 0
    quarter = out / "2024Q1"
    target = quarter / edited
    if not target.is_file():  # the table a figure is published under: any one of them will do
        target = sorted((quarter / "tables").glob("*.csv"))[0]
    original = target.read_bytes()
    target.write_bytes(original + b"my note\n")
    capsys.readouterr()
    before = tree(quarter)
    line = refused(capsys, *run_args(data, out, "--force"))
    assert f"{target}: changed since privacy-review published it" in line and "even with --force" in line
    assert tree(quarter) == before
    # the edit undone: the re-run replaces the quarter again
    target.write_bytes(original)
    assert climod.main([str(a) for a in run_args(data, out, "--force")]) == 0


def test_two_edited_files_are_counted_and_an_unedited_quarter_is_replaced(tmp_path, capsys, home):
    data = write_exports(tmp_path / "exports")
    out = tmp_path / "reports"
    assert climod.main([str(a) for a in run_args(data, out)]) == 0
    quarter = out / "2024Q1"
    assert climod.main([str(a) for a in run_args(data, out, "--force")]) == 0  # nothing edited: replaced
    for name in ("summary.json", "evidence.json"):
        (quarter / name).write_text((quarter / name).read_text(encoding="utf-8") + " ", encoding="utf-8")
    tables = sorted((quarter / "tables").glob("*.csv"))
    tables[0].write_text("edited\n", encoding="utf-8")
    capsys.readouterr()
    line = refused(capsys, *run_args(data, out, "--force"))
    # evidence.json is not hashed in itself (it holds the hashes): summary.json and the table are the two edits
    assert "(and 1 other file(s): privacy-review verify lists them)" in line
