"""The run wiring without notebooks: period resolution, summary.json schema, publishing."""

import json
from datetime import date

import pytest

from pipelines import db as dbmod
from pipelines.errors import BadInput
from pipelines.load import load_exports
from pipelines.results import newest_data_date, resolve_period
from pipelines.run import RunOptions, run
from tests.load.helpers import write_exports

CONTRACT_KEYS = {
    "inactivity": {"population", "buckets", "due_next_30d"},
    "retention": {"breaches", "withdrawn_consent_contacted", "late_erasures"},
    "support": {"tickets", "by_channel", "first_response_hours", "resolution_hours", "backlog", "privacy_share"},
    "rights": {"received", "by_right", "completed", "on_time_rate", "days_to_complete", "extensions",
               "open_overdue", "open_not_due"},
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
    assert not any(p.name.startswith(".") for p in (tmp_path / "reports").iterdir())

