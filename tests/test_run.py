"""The run wiring without notebooks: period resolution, summary.json schema, publishing,
parameter checks, the database's home, the privacy scan and what a failed run leaves."""

import errno
import json
import logging
from dataclasses import replace
from datetime import date

import pytest

from pipelines import db as dbmod
from pipelines.errors import BadInput
from pipelines.load import load_exports
from pipelines.publish.swap import staging_dir
from pipelines.results import newest_data_date, resolve_period, write_results
from pipelines.run import RunOptions, run
from tests.load.helpers import write_exports


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    """The database's default home, kept inside the test's folder."""
    monkeypatch.setenv("PRIVACY_REVIEW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PRIVACY_REVIEW_LOCK_TIMEOUT", raising=False)
    return tmp_path / "home"

CONTRACT_KEYS = {
    "inactivity": {"population", "buckets", "due_next_30d"},
    "retention": {"breaches", "withdrawn_consent_contacted", "late_erasures"},
    "support": {"tickets", "by_channel", "first_response_hours", "resolution_hours", "backlog", "privacy_share"},
    "rights": {"received", "by_right", "completed", "on_time_rate", "days_to_complete", "extensions",
               "open_overdue", "open_not_due", "consent_withdrawals"},
    "data_quality": {"rows_in", "rows_loaded", "rows_rejected"},
}


def test_latest_uses_the_newest_local_date_in_the_activity_tables(tmp_path):
    data = write_exports(tmp_path / "x", {
        # 2024-06-30 22:30 UTC is 1 July in Brussels: Q2 is complete by the data
        "sessions": "session_id,account_id,started_at\nS1,A1,2024-06-30T22:30:00Z\n",
    })
    load_exports(data, tmp_path / "db.duckdb")
    with dbmod.connect(tmp_path / "db.duckdb", read_only=True) as con:
        assert newest_data_date(con) == date(2024, 7, 1)
        period = resolve_period(con, "latest", None, today=date(2026, 11, 22))
        assert str(period.quarter) == "2024Q2" and period.as_of == date(2024, 6, 30)
        assert resolve_period(con, "2024Q3", date(2024, 8, 15), today=date(2026, 1, 1)).as_of == date(2024, 8, 15)
        with pytest.raises(BadInput):
            resolve_period(con, "2024Q3", date(2024, 6, 1), today=date(2026, 1, 1))


def test_run_writes_summary_with_the_contract_schema_and_tables(tmp_path):
    data = write_exports(tmp_path / "x")
    final = run(RunOptions(data_dir=data, out_dir=tmp_path / "reports", quarter="2024Q1", report=False))
    assert final == tmp_path / "reports" / "2024Q1"
    summary = json.loads((final / "summary.json").read_text())
    assert (summary["period"], summary["as_of"]) == ("2024Q1", "2024-03-31")
    for family, keys in CONTRACT_KEYS.items():
        assert keys <= set(summary[family]), family
    assert set(summary["retention"]["breaches"]) == {"account", "logs", "support", "marketing", "analytics", "residual", "payments"}
    assert summary["retention"]["breaches"]["payments"] is None  # no payments export
    assert summary["support"]["tickets"] == 1 and summary["rights"]["received"] == 1
    assert (final / "tables" / "retention_breaches.csv").exists()
    assert sorted(p.name for p in (tmp_path / "reports").iterdir()) == [".privacy-review-reports", ".privacy-review.lock", "2024Q1"]



def test_the_database_lives_in_its_home_never_under_out(tmp_path, home):
    data = write_exports(tmp_path / "x")
    run(RunOptions(data_dir=data, out_dir=tmp_path / "reports", quarter="2024Q1", report=False))
    assert (home / "privacy-review.duckdb").is_file()
    assert (home / ".gitignore").read_text().splitlines()[-1] == "*"  # git never offers to commit it
    assert not list((tmp_path / "reports").rglob("*.duckdb*"))
    with pytest.raises(BadInput, match="--out .* contains --db .*must not overlap"):
        run(RunOptions(data_dir=data, out_dir=tmp_path / "reports", quarter="2024Q1", report=False,
                       db_path=tmp_path / "reports" / "x" / "db.duckdb"))


def test_relative_paths_are_fixed_at_the_start(tmp_path, monkeypatch, home):
    monkeypatch.delenv("PRIVACY_REVIEW_HOME")
    write_exports(tmp_path / "x")
    monkeypatch.chdir(tmp_path)
    final = run(RunOptions(data_dir="x", out_dir="reports", quarter="2024Q1", report=False))
    assert final == tmp_path / "reports" / "2024Q1" and final.is_absolute()
    assert (tmp_path / ".privacy-review" / "privacy-review.duckdb").is_file()


@pytest.mark.parametrize(
    "options, message",
    [
        ({"quarter": "2024Q5"}, "not a quarter: '2024Q5'"),
        ({"quarter": "24Q1"}, "not a quarter: '24Q1'"),
        ({"quarter": "2024Q2", "as_of": date(2024, 3, 31)}, "--as-of 2024-03-31 is before the start of 2024Q2"),
        ({"data_dir": "nowhere"}, "export directory not found"),
        ({"policy_path": "missing.toml"}, "policy file not found"),
    ],
)
def test_bad_parameters_are_refused_before_the_load(tmp_path, home, options, message):
    data = write_exports(tmp_path / "x")
    options = {"data_dir": data, "out_dir": tmp_path / "reports", "report": False, **options}
    if str(options["data_dir"]) == "nowhere":
        options["data_dir"] = tmp_path / "nowhere"
    if "policy_path" in options:
        options["policy_path"] = tmp_path / options["policy_path"]
    with pytest.raises(BadInput, match=message):
        run(RunOptions(**options))
    assert not home.exists()  # refused before anything was written


@pytest.mark.parametrize("quarter", ["2019Q1", "2024Q2"])
def test_a_quarter_outside_the_exports_dates_is_refused(tmp_path, quarter):
    # accounts, sessions and support tickets date the exports: 2024-01-01 to 2024-02-02
    data = write_exports(tmp_path / "x")
    with pytest.raises(BadInput) as info:
        run(RunOptions(data_dir=data, out_dir=tmp_path / "reports", quarter=quarter, report=False))
    assert str(info.value).startswith(f"{quarter} (as of ") and "2024-01-01 to 2024-02-02" in str(info.value)
    assert not (tmp_path / "reports" / quarter).exists()


def test_a_synthetic_sample_is_announced_in_the_log(tmp_path, caplog):
    data = write_exports(tmp_path / "x")
    (data / "SYNTHETIC-SAMPLE.txt").write_text("made up\n")
    with caplog.at_level(logging.INFO):
        run(RunOptions(data_dir=data, out_dir=tmp_path / "reports", quarter="2024Q1", report=False))
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "synthetic sample" in warnings[0] and "not evidence" in warnings[0]


def _published_before(tmp_path):
    data = write_exports(tmp_path / "x", {
        "sessions": "session_id,account_id,started_at,ip_address,device_id\n"
                    "S1,A1,2024-02-01T10:00:00Z,192.0.2.44,dev-4f2a9c1e\n",
    })
    final = run(RunOptions(data_dir=data, out_dir=tmp_path / "reports", quarter="2024Q1", report=False))
    return data, final, (final / "summary.json").read_bytes()


def test_personal_data_in_the_output_publishes_nothing(tmp_path, monkeypatch):
    from pipelines.publish import quarter
    from pipelines.publish.scan import PersonalDataFound

    data, final, before = _published_before(tmp_path)

    def leaky_write(results, folder):
        write_results(results, folder)
        (folder / "tables" / "devices.csv").write_text("label\ndev-4f2a9c1e\n")

    monkeypatch.setattr(quarter, "write_results", leaky_write)
    with pytest.raises(PersonalDataFound) as info:
        run(RunOptions(data_dir=data, out_dir=tmp_path / "reports", quarter="2024Q1", report=False, force=True))
    assert "tables/devices.csv holds a value of sessions.device_id" in str(info.value)
    assert "dev-4f2a9c1e" not in str(info.value)
    assert (final / "summary.json").read_bytes() == before and not (final / "tables" / "devices.csv").exists()
    assert [p.name for p in (tmp_path / "reports").iterdir() if ".tmp-" in p.name] == []


def test_a_full_disk_exits_1_with_one_line_and_leaves_nothing_half_written(tmp_path, monkeypatch, capsys):
    from pipelines import cli
    from pipelines.publish import quarter

    data, final, before = _published_before(tmp_path)

    def full_disk(results, folder):
        (folder / "summary.json").write_text("{")  # half written
        raise OSError(errno.ENOSPC, "No space left on device", str(folder / "tables"))

    monkeypatch.setattr(quarter, "write_results", full_disk)
    code = cli.main(["run", "--data", str(data), "--out", str(tmp_path / "reports"), "--quarter", "2024Q1", "--no-report",
                     "--force"])
    assert code == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if "privacy-review:" in line]
    assert len(errors) == 1 and "No space left on device" in errors[0] and "Traceback" not in errors[0]
    assert (final / "summary.json").read_bytes() == before
    assert [p.name for p in (tmp_path / "reports").iterdir() if ".tmp-" in p.name] == []


def test_leftovers_of_a_killed_run_are_cleaned_by_the_next(tmp_path, home):
    data, _, _ = _published_before(tmp_path)
    reports = tmp_path / "reports"
    dead = staging_dir(reports / "2024Q1")  # what a killed run leaves: a staging folder with the tool's marker
    (dead / "summary.json").write_text("{}")
    foreign = reports / ".2024Q1.tmp-mine"  # the same name pattern, but not the tool's: left alone
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    (reports / ".index-x.tmp").write_text("")
    dead_pid = 2**22 + 12345  # above Linux's pid_max: no such process
    stale = [home / f".privacy-review.duckdb.{dead_pid}.tmp", home / f".privacy-review.duckdb.{dead_pid}.tmp.wal"]
    for path in stale:
        path.write_bytes(b"half a database")
    run(RunOptions(data_dir=data, out_dir=reports, quarter="2024Q1", report=False))
    assert sorted(p.name for p in reports.iterdir()) == [
        ".2024Q1.tmp-mine", ".privacy-review-reports", ".privacy-review.lock", "2024Q1"]
    assert (foreign / "notes.txt").read_text() == "mine"
    assert not any(p.exists() for p in stale)


def test_a_report_moved_aside_by_a_killed_publish_is_put_back(tmp_path):
    _, final, before = _published_before(tmp_path)
    aside = final.with_name(".2024Q1.old-k1ll3d")
    final.rename(aside)  # publish's fallback died between its two renames
    from pipelines.locking import clean_output_leftovers

    clean_output_leftovers(tmp_path / "reports")
    assert (final / "summary.json").read_bytes() == before and not aside.exists()


def test_a_second_run_on_the_same_output_waits_or_gives_up(tmp_path, monkeypatch):
    from filelock import FileLock

    data, _, _ = _published_before(tmp_path)
    holder = FileLock(str(tmp_path / "reports" / ".privacy-review.lock"))
    holder.acquire()
    try:
        monkeypatch.setenv("PRIVACY_REVIEW_LOCK_TIMEOUT", "0")
        with pytest.raises(BadInput, match="is in use by another privacy-review run"):
            run(RunOptions(data_dir=data, out_dir=tmp_path / "reports", quarter="2024Q1", report=False))
    finally:
        holder.release()
    run(RunOptions(data_dir=data, out_dir=tmp_path / "reports", quarter="2024Q1", report=False))


def test_a_second_run_on_unchanged_exports_reuses_the_database(tmp_path, caplog):
    data = write_exports(tmp_path / "x")
    options = RunOptions(data_dir=data, out_dir=tmp_path / "reports", quarter="2024Q1", report=False)
    first = (run(options) / "summary.json").read_text()
    caplog.clear()
    with caplog.at_level(logging.INFO):
        second = (run(options) / "summary.json").read_text()
    assert "reusing the database loaded at" in caplog.text
    assert "loading exports from" not in caplog.text  # reused: nothing is loaded, and the log does not say so
    assert json.loads(second)["data_quality"] == json.loads(first)["data_quality"]
    caplog.clear()
    with caplog.at_level(logging.INFO):
        run(replace(options, reload=True))
    assert "loading: --reload given" in caplog.text and "reusing" not in caplog.text
    said = caplog.text.splitlines()
    reason = next(i for i, line in enumerate(said) if "loading: --reload given" in line)
    assert f"loading exports from {data} into " in said[reason + 1]  # where, once it is decided, after why
