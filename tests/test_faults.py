"""Runs that are killed, that race each other, or that would publish personal data (docs/operations.md).

Real processes: a run killed with SIGKILL mid-load and mid-report, a reader
holding the database open while a run replaces it, a second run waiting on
the first's lock, and a report whose notebook prints personal values.
"""

from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest

from pipelines.publish.scan import PersonalDataFound
from pipelines.run import RunOptions, run
from tests.load.helpers import write_exports

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
DATA = REPO / "data_samples"


def start(*args, home: Path, **kwargs) -> subprocess.Popen:
    env = {**os.environ, "PRIVACY_REVIEW_HOME": str(home)}
    env.pop("PRIVACY_REVIEW_LOCK_TIMEOUT", None)
    return subprocess.Popen(
        [sys.executable, "-m", "pipelines.cli", *map(str, args)], env=env, text=True,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True, **kwargs,
    )


def finish(proc: subprocess.Popen) -> tuple[int, str, str]:
    out, err = proc.communicate(timeout=600)
    return proc.returncode, out, err


def kill(proc: subprocess.Popen) -> None:
    """SIGKILL the run and the kernels it started (its own process group)."""
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate(timeout=60)


def wait_for(condition, proc: subprocess.Popen, what: str):
    while True:
        found = condition()
        if found:
            return found
        if proc.poll() is not None:
            raise AssertionError(f"the run ended before {what}: {proc.stderr.read()[-2000:]}")
        time.sleep(0.005)


def snapshot(folder: Path) -> dict[str, str]:
    return {p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(folder.rglob("*")) if p.is_file()}


def leftovers(*folders: Path) -> list[str]:
    return [p.name for f in folders if f.is_dir() for p in f.iterdir() if ".tmp" in p.name or ".old-" in p.name]


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    root = tmp_path_factory.mktemp("faults")
    home, reports = root / "home", root / "reports"
    code, out, err = finish(start("run", "--data", DATA, "--out", reports, home=home))
    assert code == 0, err[-3000:]
    return {"home": home, "reports": reports, "db": home / "privacy-review.duckdb",
            "quarter": Path(out.strip().splitlines()[-1])}


def test_killed_mid_load_leaves_report_and_database_and_the_next_run_cleans_up(base, tmp_path):
    report, db = snapshot(base["quarter"]), base["db"].read_bytes()
    # --reload: the exports are unchanged, and this test needs a load to kill (docs/operations.md, "Re-using the database")
    proc = start("run", "--data", DATA, "--out", base["reports"], "--reload", home=base["home"])
    temp = wait_for(lambda: [p for p in base["home"].glob(".privacy-review.duckdb.*.tmp")], proc, "the load began")
    kill(proc)
    assert snapshot(base["quarter"]) == report and base["db"].read_bytes() == db
    assert all(p.exists() for p in temp)  # the killed load's half-built file is still there...
    code, _, err = finish(start("run", "--data", DATA, "--out", tmp_path / "other", "--no-report", home=base["home"]))
    assert code == 0, err[-3000:]
    assert not any(p.exists() for p in temp)  # ...until the next run
    assert leftovers(base["home"]) == []


def test_killed_mid_report_leaves_the_report_and_the_next_run_succeeds_beside_a_reader(base):
    report = snapshot(base["quarter"])
    # --force: the inputs are unchanged, and this test needs a report to kill (docs/operations.md, "An unchanged re-run")
    proc = start("run", "--data", DATA, "--out", base["reports"], "--force", home=base["home"])
    wait_for(lambda: list(base["reports"].glob(".*.tmp-*/notebooks/*.ipynb")), proc, "a notebook was written")
    kill(proc)
    assert snapshot(base["quarter"]) == report
    assert leftovers(base["reports"])  # the killed run's staging folder

    # an analyst's notebook holds the database open, read-only, while the next run replaces it
    script = (
        "import duckdb, sys\n"
        f"con = duckdb.connect({str(base['db'])!r}, read_only=True)\n"
        "n = con.execute('SELECT count(*) FROM accounts').fetchone()[0]\n"
        "print('ready', flush=True)\n"
        "sys.stdin.readline()\n"
        "assert con.execute('SELECT count(*) FROM accounts').fetchone()[0] == n\n"
        "print('still reading', n)\n"
    )
    reader = subprocess.Popen(
        [sys.executable, "-c", script],
        stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )
    assert reader.stdout.readline().strip() == "ready"
    code, _, err = finish(start("run", "--data", DATA, "--out", base["reports"], "--reload", home=base["home"]))
    out, reader_err = reader.communicate("go\n", timeout=60)
    assert code == 0, err[-3000:]
    assert reader.returncode == 0 and out.startswith("still reading"), reader_err
    assert leftovers(base["reports"], base["home"]) == []
    assert [line for line in err.splitlines() if " ERROR " in line] == []
    assert (base["quarter"] / "quarterly-review.html").is_file()


def test_a_second_run_waits_for_the_first(base, tmp_path):
    from filelock import FileLock

    out = tmp_path / "reports"
    out.mkdir()
    holder = FileLock(str(out / ".privacy-review.lock"))
    holder.acquire()  # the first run, still busy
    try:
        proc = start("run", "--data", DATA, "--out", out, "--no-report", home=tmp_path / "home")
        for line in proc.stderr:
            if "waiting for another privacy-review run" in line:
                break
        else:
            raise AssertionError("the second run did not wait")
        assert not (out / "2026Q2").exists()
    finally:
        holder.release()
    code, stdout, err = finish(proc)
    assert code == 0, err
    assert stdout.strip() == str(out / "2026Q2")


def leaky_notebooks(folder: Path) -> Path:
    """A report of one notebook that prints a device id and draws an IP address as a chart label."""
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3", "language": "python"}
    nb.cells = [
        nbformat.v4.new_code_cell(
            'results_dir = ""\ndb = ""\ndata_dir = ""\nquarter = "latest"\nas_of = ""\npolicy = ""\n'
            'language = "en"\noutput_dir = ""', metadata={"tags": ["parameters"]}),
        nbformat.v4.new_code_cell('print("device dev-4f2a9c1e")'),
        nbformat.v4.new_code_cell(
            "import altair as alt\n"
            'alt.Chart(alt.Data(values=[{"who": "192.0.2.44", "n": 1}])).mark_bar().encode(x="n:Q", y="who:N")'),
    ]
    folder.mkdir(parents=True)
    nbformat.write(nb, folder / "00_quarterly_review.ipynb")
    return folder


def test_a_report_with_personal_data_is_not_published(tmp_path, monkeypatch):
    monkeypatch.setenv("PRIVACY_REVIEW_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("PRIVACY_REVIEW_NOTEBOOKS", str(leaky_notebooks(tmp_path / "notebooks")))
    data = write_exports(tmp_path / "x", {
        "sessions": "session_id,account_id,started_at,ip_address,device_id\n"
                    "S1,A1,2024-02-01T10:00:00Z,192.0.2.44,dev-4f2a9c1e\n",
    })
    reports = tmp_path / "reports"
    (reports / "2024Q1").mkdir(parents=True)
    (reports / "2024Q1" / "summary.json").write_text(json.dumps({"period": "2024Q1"}))
    before = snapshot(reports / "2024Q1")
    with pytest.raises(PersonalDataFound) as info:
        run(RunOptions(data_dir=data, out_dir=reports, quarter="2024Q1"))
    found = {(f.file, f.kind) for f in info.value.findings}
    assert ("notebooks/00_quarterly_review.ipynb", "a value of sessions.device_id") in found
    assert ("notebooks/00_quarterly_review.ipynb", "an IPv4 address") in found
    assert ("quarterly-review.html", "an IPv4 address") in found  # the chart's label
    assert "dev-4f2a9c1e" not in str(info.value) and "192.0.2.44" not in str(info.value)
    assert snapshot(reports / "2024Q1") == before
    assert leftovers(reports) == [] and not (reports / "index.html").exists()
