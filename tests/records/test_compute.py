"""Compute once: the records behind the findings, read from the models the run's figures just built,
are the rows the families computed again would give (docs/design.md, "Compute once")."""

from datetime import date
from pathlib import Path

import pytest

from pipelines import records
from pipelines.dates import Quarter
from pipelines.metrics import Period
from pipelines.policy import load_policy
from pipelines.results import compute_with_previous
from pipelines.session import ReviewOptions, open_review
from tests.metrics.test_rights import req

SAMPLE = Path(__file__).resolve().parents[2] / "data_samples"


@pytest.fixture(scope="module")
def review(tmp_path_factory):
    home = tmp_path_factory.mktemp("records")
    options = ReviewOptions(data_dir=SAMPLE, out_dir=home / "reports", db_path=home / "db" / "privacy-review.duckdb",
                            report=False)
    with open_review(options) as opened:
        yield opened


def _frames(found: records.Records) -> dict:
    return dict(found.frames)  # in their order: the history hashes the rows as listed


def test_the_run_reads_the_models_its_figures_built_and_gets_the_same_rows(review):
    summary = compute_with_previous(review.con, review.period, review.policy).summary
    reused = records.compute(review.con, review.period, review.policy, computed=summary)
    again = records.compute(review.con, review.period, review.policy)
    assert reused.figures == again.figures
    assert sum(f.height for f in reused.frames.values()) > 0  # the sample has records behind its findings
    assert _frames(reused).keys() == _frames(again).keys()
    for name, frame in _frames(reused).items():
        assert frame.equals(_frames(again)[name]), name
    assert records.mismatches(reused, summary) == []


def test_the_runs_keys_only_lists_are_the_worklists_rows_table_and_id(review, tmp_path):
    """``keys_only`` (what run and verify key): each retention list holds the worklist's rows' table and id, the
    same multiset, unordered; the other lists are the worklist's; the history compares both alike."""
    import polars as pl

    from pipelines import remediation

    summary = compute_with_previous(review.con, review.period, review.policy).summary
    keys = records.compute(review.con, review.period, review.policy, computed=summary, keys_only=True)
    full = records.compute(review.con, review.period, review.policy, computed=summary)
    assert records.mismatches(keys, summary) == []
    retention_lists = [spec for spec in full.lists if spec.query == records.RETENTION_QUERY]
    assert retention_lists and any(full.frames[s.name].height for s in retention_lists)
    for spec in full.lists:
        frame, narrow = full.frames[spec.name], keys.frames[spec.name]
        if spec.query == records.RETENTION_QUERY:
            assert narrow.columns == ["rule", "table", "id"], spec.name
            assert narrow.sort("table", "id").equals(frame.select("rule", "table", "id").sort("table", "id")), spec.name
        else:
            assert narrow.equals(frame), spec.name
    history = remediation.History(tmp_path / "home")
    tracked = [remediation.track(found, review.period, history, con=review.con, policy=review.policy,
                                 create_key=True) for found in (keys, full)]
    assert tracked[0].summary == tracked[1].summary
    assert tracked[0].evidence == tracked[1].evidence  # the recorded set's SHA-256: the same keys
    assert tracked[0].current.rows.sort("category", "key").equals(tracked[1].current.rows.sort("category", "key"))
    assert tracked[0].current.rows.height == sum(full.frames[s.name].height for s in full.tracked
                                                 if full.rows(s) is not None) > 0
    assert isinstance(tracked[0].current.rows, pl.DataFrame)


def test_a_summary_of_another_period_is_not_taken_for_this_one(review):
    previous = review.period.previous()
    summary = compute_with_previous(review.con, previous, review.policy).summary
    # the models now hold the quarter before: given its summary, this period computes its own families
    found = records.compute(review.con, review.period, review.policy, computed=summary)
    expected = records.compute(review.con, review.period, review.policy)
    assert found.figures == expected.figures
    for name, frame in _frames(found).items():
        assert frame.equals(_frames(expected)[name]), name
    assert found.figures["retention"] != summary["retention"] or found.figures["rights"] != summary["rights"]


def test_the_rights_lists_keep_art_12_3_requests_and_consent_withdrawals_apart(make_db):
    # contract §5 reading 23: a consent withdrawal is never an Art. 12(3) request open past its deadline; open past
    # the company's standard, it is listed in consent_withdrawals_past_standard.csv
    con = make_db({"rights_requests": [
        req("art12", "2024-07-05"),  # due Monday 5 August: overdue on 30 September
        req("withdrawal", "2024-07-05", right="consent_withdrawal"),  # standard due Tuesday 9 July
        req("not_yet", "2024-09-27", right="Consent Withdrawal"),  # standard due Tuesday 1 October
    ]})
    found = records.compute(con, Period.of(Quarter(2024, 3)), load_policy())
    assert found.frames["rights_requests_overdue.csv"]["request_id"].to_list() == ["art12"]
    assert found.frames["consent_withdrawals_past_standard.csv"].rows() == [
        ("withdrawal", "email", date(2024, 7, 5), date(2024, 7, 9), 83),
    ]
    assert found.figures["rights"]["open_overdue"] == 1
    assert found.figures["rights"]["consent_withdrawals"]["open_past_standard"] == 1
    assert records.mismatches(found) == []
