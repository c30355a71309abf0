"""The privacy-review command as a scheduler sees it: stdout, stderr, exit codes."""

import json
import subprocess
import sys

from tests.load.helpers import write_exports


def cli(*args):
    return subprocess.run([sys.executable, "-m", "pipelines.cli", *map(str, args)], capture_output=True, text=True)


def test_load_prints_the_data_quality_counts(tmp_path):
    data = write_exports(tmp_path / "x", {
        "accounts": "account_id,created_at,plan,status\nA1,2024-01-01,free,active\nA1,2024-01-01,free,active\n",
    })
    done = cli("load", "--data", data, "--db", tmp_path / "db.duckdb")
    assert done.returncode == 0, done.stderr
    counts = json.loads(done.stdout)
    assert counts["rows_in"]["accounts"] == 2
    assert counts["rows_loaded"]["accounts"] == 1
    assert counts["rows_rejected"] == {"accounts": 1, "sessions": 0, "support_tickets": 0, "rights_requests": 0}


def test_missing_required_column_exits_2_with_one_line_naming_file_and_column(tmp_path):
    data = write_exports(tmp_path / "x", {"sessions": "session_id,account_id\nS1,A1\n"})
    done = cli("load", "--data", data, "--db", tmp_path / "db.duckdb")
    assert done.returncode == 2
    errors = [line for line in done.stderr.splitlines() if "error" in line.lower()]
    assert len(errors) == 1
    assert "sessions.csv" in errors[0] and "'started_at'" in errors[0]
    assert "Traceback" not in done.stderr


def test_bad_parameters_exit_2(tmp_path):
    data = write_exports(tmp_path / "x")
    assert cli("run", "--data", data, "--quarter", "2024Q5", "--out", tmp_path / "r", "--no-report").returncode == 2
    assert cli("load", "--data", tmp_path / "nowhere", "--db", tmp_path / "db.duckdb").returncode == 2
    assert cli("run", "--as-of", "31/12/2024").returncode == 2
