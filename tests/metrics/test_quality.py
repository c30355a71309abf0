from pipelines import db as dbmod
from pipelines.dates import Quarter
from pipelines.load import load_exports
from pipelines.metrics import Period, quality
from pipelines.policy import load_policy
from tests.load.helpers import write_exports


def test_counts_reasons_and_flags_come_from_the_load(tmp_path):
    data = write_exports(tmp_path / "x", {
        "sessions": (
            "session_id,account_id,started_at\n"
            "S1,A1,2024-02-01T10:00:00Z\nS1,A1,2024-02-01T10:00:00Z\nS2,ZZ,2024-02-01T10:00:00Z\nS3,A1,soon\n"
        ),
    })
    load_exports(data, tmp_path / "db.duckdb")
    with dbmod.connect(tmp_path / "db.duckdb", read_only=True) as con:
        result = quality.compute(con, Period.of(Quarter.parse("2024Q1")), load_policy())
    s = result.summary
    assert s["rows_in"]["sessions"] == 4 and s["rows_loaded"]["sessions"] == 2 and s["rows_rejected"]["sessions"] == 2
    assert "payments" not in s["rows_in"] and s["absent_tables"] == ["marketing_contacts", "payments", "server_logs", "web_visits"]
    assert s["rejected_by_reason"] == {"bad timestamp": 1, "duplicate key": 1}
    assert s["flagged"] == {"sessions: orphan: account unknown": 1}
    assert result.tables["quality_rejects"].rows() == [("sessions", "bad timestamp", 1), ("sessions", "duplicate key", 1)]
