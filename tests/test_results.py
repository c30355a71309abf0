"""summary.json's ``data`` block: the exports' date range, the synthetic-sample flag, rows held at as_of."""

from __future__ import annotations

from datetime import date

from pipelines.contract import SYNTHETIC_MARKER
from pipelines.dates import Quarter
from pipelines.metrics import Period
from pipelines.policy import load_policy
from pipelines.results import compute_results, compute_with_previous, data_coverage

Q3 = Period.of(Quarter(2024, 3))  # 2024-07-01 .. 2024-09-30
POLICY = load_policy()

# Brussels is UTC+2 in summer: 2024-09-30 22:30 UTC is 1 October locally.
TABLES = {
    "accounts": [
        {"account_id": "a1", "created_at": "2024-05-02 10:00", "plan": "free", "status": "active"},
        {"account_id": "a2", "created_at": "2024-09-30 22:30", "plan": "paid", "status": "active"},
    ],
    "sessions": [
        {"session_id": "s1", "account_id": "a1", "started_at": "2024-08-01 09:00"},
        {"session_id": "s2", "account_id": "a1", "started_at": "2024-10-03 09:00"},
    ],
    "support_tickets": [
        {"ticket_id": "t1", "account_id": "a1", "channel": "email", "category": "bug",
         "created_at": "2024-07-10 08:00", "first_response_at": "2024-07-10 09:00"},
    ],
    "rights_requests": [],
    "payments": [{"payment_id": "p1", "account_id": "a1", "paid_at": "2024-06-01 12:00"}],
}


def test_summary_data_gives_the_exports_dates_and_rows_held_at_as_of(make_db):
    con = make_db(TABLES, absent=("web_visits",))
    data = compute_results(con, Q3, POLICY).summary["data"]
    assert data == {
        "first_date": "2024-05-02",
        "last_date": "2024-10-03",  # newest of accounts, sessions, tickets (a2 is 1 October locally)
        "synthetic_sample": False,  # no settings table, no marker
        "rows_as_of": {  # dated on or before 2024-09-30 locally; web_visits not exported: left out
            "accounts": 1,
            "sessions": 1,
            "support_tickets": 1,
            "rights_requests": 0,
            "marketing_contacts": 0,
            "payments": 1,
            "server_logs": 0,
        },
        "columns_absent": [],  # a database built by hand records no headers: nothing lacks
    }


def test_the_previous_quarter_counts_rows_at_its_own_as_of(make_db):
    con = make_db(TABLES)
    summary = compute_with_previous(con, Q3, POLICY).summary
    assert summary["previous"]["data"]["rows_as_of"]["accounts"] == 1  # a1, created in May
    assert summary["previous"]["data"]["rows_as_of"]["sessions"] == 0
    assert summary["previous"]["data"]["first_date"] == "2024-05-02"


def test_an_export_written_by_sample_is_flagged_synthetic(make_db, tmp_path):
    con = make_db(TABLES)
    con.sql("CREATE TABLE settings (name VARCHAR PRIMARY KEY, value VARCHAR)")
    con.execute("INSERT INTO settings VALUES ('data_dir', ?)", [str(tmp_path)])
    assert data_coverage(con)["synthetic_sample"] is False
    (tmp_path / SYNTHETIC_MARKER).write_text("synthetic\n", encoding="utf-8")
    assert data_coverage(con) == {"first_date": "2024-05-02", "last_date": "2024-10-03", "synthetic_sample": True,
                                  "columns_absent": []}
    assert data_coverage(con, date(2024, 5, 1))["rows_as_of"]["accounts"] == 0


def test_an_empty_export_has_no_dates(make_db):
    data = data_coverage(make_db({}), date(2024, 9, 30))
    assert data["first_date"] is None and data["last_date"] is None
    assert set(data["rows_as_of"].values()) == {0}


def test_tables_read_back_with_their_declared_types_even_when_empty(tmp_path):
    import polars as pl

    from pipelines.metrics import table_schemas
    from pipelines.results import Results, read_results, write_results
    from tests.report.fake_results import write_fake_results

    back = read_results(write_fake_results(tmp_path / "fake"))
    assert {n: f.schema for n, f in back.tables.items()} == table_schemas()
    schema = table_schemas()["retention_breaches"]
    nothing = pl.DataFrame(
        {"category": ["payments"], "clause": ["§1.3"], "breaches": [None], "oldest_days_overdue": [None],
         "table_present": [False]},
        schema=schema,
    )
    write_results(Results({}, {"retention_breaches": nothing}), tmp_path / "empty")
    # an all-empty column is Int64 as declared, not text guessed from the CSV
    assert read_results(tmp_path / "empty").tables["retention_breaches"].schema == schema


def test_a_table_written_by_another_version_is_bad_input_naming_the_file(tmp_path):
    import pytest

    from pipelines.errors import BadInput
    from pipelines.results import read_results

    (tmp_path / "tables").mkdir()
    (tmp_path / "summary.json").write_text("{}", encoding="utf-8")
    (tmp_path / "tables" / "rights_by_right.csv").write_text("right,received\naccess,1\n", encoding="utf-8")
    (tmp_path / "tables" / "extra.csv").write_text("a\n1\n", encoding="utf-8")
    with pytest.raises(BadInput, match="rights_by_right.csv: columns right, received; expected right, received"):
        read_results(tmp_path)
    (tmp_path / "tables" / "rights_by_right.csv").unlink()
    assert read_results(tmp_path).tables["extra"]["a"].to_list() == [1]  # undeclared: read as found


#: text cells a spreadsheet would run as formulas (docs/operations.md, "CSV files and spreadsheets")
FORMULAS = ['=HYPERLINK("http://evil.example/x","click")', "+1", "-2", "@SUM(A1:A9)", "\tx", "\rx"]


def spreadsheet_frame():
    import polars as pl

    texts = [*FORMULAS, "plain", "'=already quoted", None]
    return pl.DataFrame({
        "label": texts,
        "ratio": [-1.5, 2.25, -0.125, 0.0, -3.0, 4.5, -7.75, 1.0, None],
        "days": [-2, 3, -40, 0, 1, -1, 5, -6, 7],
        "kind": pl.Series(texts, dtype=pl.Categorical),
    })


def test_tables_are_safe_to_open_in_a_spreadsheet(tmp_path):
    import csv

    import polars as pl

    from pipelines.results import Results, read_results, write_results

    write_results(Results({}, {"odd": spreadsheet_frame()}), tmp_path)
    path = tmp_path / "tables" / "odd.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    # every text cell that starts a formula gets a leading ', the rest is untouched
    expected = [f"'{v}" for v in FORMULAS] + ["plain", "''=already quoted", ""]
    assert [r["label"] for r in rows] == expected and [r["kind"] for r in rows] == expected
    # numbers stay numbers: written unquoted, negative ones too, and read back as numbers
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "label,ratio,days,kind" and ",-1.5,-2," in lines[1]
    back = read_results(tmp_path).tables["odd"]
    assert back.schema["ratio"] == pl.Float64 and back.schema["days"] == pl.Int64
    assert back["ratio"].to_list()[:3] == [-1.5, 2.25, -0.125] and back["days"].min() == -40
    assert back["label"].to_list()[:6] == [f"'{v}" for v in FORMULAS]


def test_neutralising_is_reversible_and_leaves_other_columns_alone():
    from pipelines.spreadsheet import neutralise, restore

    frame = spreadsheet_frame()
    safe = neutralise(frame)
    assert safe["ratio"].equals(frame["ratio"]) and safe["days"].equals(frame["days"])
    assert not any(v.startswith(("=", "+", "-", "@", "\t", "\r")) for v in safe["label"].drop_nulls())
    assert restore(safe)["label"].to_list() == frame["label"].to_list()


def test_the_previous_quarter_computed_summary_only_has_the_full_computations_summary(make_db):
    """compute_with_previous computes the previous quarter ``summary_only`` (docs/design.md, "Compute once"): its
    summary is exactly the one a full computation gives, and it carries no table; the reviewed quarter's tables
    are all there (the inactivity trend included)."""
    con = make_db(TABLES, absent=("web_visits",))
    results = compute_with_previous(con, Q3, POLICY)
    full_previous = compute_results(con, Q3.previous(), POLICY)
    short_previous = compute_results(con, Q3.previous(), POLICY, summary_only=True)
    assert results.summary["previous"] == full_previous.summary == short_previous.summary
    assert "inactivity_trend" in full_previous.tables and "inactivity_trend" not in short_previous.tables
    assert "inactivity_trend" in results.tables and results.tables["inactivity_trend"].height > 0
