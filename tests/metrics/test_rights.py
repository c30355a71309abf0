"""Rights-request turnaround (contract §3, §4; readings 5, 7, 8, 17, 18).

Timestamps in fixtures are UTC; 10:00 UTC is midday in Brussels. Deadlines are
hand-computed with Regulation 1182/71 art. 3 (see tests/test_dates.py).
"""

from __future__ import annotations

import json
from datetime import date, timedelta

import numpy as np
import pytest

from pipelines.dates import Quarter
from pipelines.metrics import Period, rights
from pipelines.policy import load_policy
from tests.conftest import legal_deadline

Q3 = Period.of(Quarter(2024, 3))  # 2024-07-01 .. 2024-09-30 (a Monday)
POLICY = load_policy()
IDENTITY = POLICY.with_rule("rights_on_time", clock_start="identity_verified")


def req(rid, received, *, right="access", channel="email", verified=None, notified=None, completed=None, account=None):
    def ts(d):
        return f"{d} 10:00" if d is not None and len(d) == 10 else d

    return {
        "request_id": rid,
        "account_id": account,
        "right": right,
        "channel": channel,
        "received_at": ts(received),
        "identity_verified_at": ts(verified),
        "extension_notified_at": ts(notified),
        "completed_at": ts(completed),
    }


@pytest.fixture
def run(make_db):
    def _run(requests, period=Q3, policy=POLICY):
        con = make_db({"rights_requests": list(requests)})
        return rights.compute(con, period, policy)

    return _run


def rows_by_status(result):
    t = result.detail["rights_requests"]
    return {x["status"]: x for x in t.iter_rows(named=True)}


def detail(result):
    """Requests of the detail table in order of receipt (keys are pseudonymous)."""
    return list(result.detail["rights_requests"].iter_rows(named=True))


def test_contract_block_shape(run):
    s = run([req("r1", "2024-07-05", completed="2024-07-20")]).summary
    assert {
        "received", "by_right", "completed", "on_time_rate", "days_to_complete",
        "extensions", "open_overdue", "open_not_due",
    } <= set(s)
    assert s["received"] == 1 and s["completed"] == 1
    assert s["by_right"] == {"access": 1}
    assert s["on_time_rate"] == 1.0
    assert s["days_to_complete"] == {"median": 15.0, "p90": 15.0}
    assert s["extensions"] == {"valid": 0, "invalid": 0}
    assert s["clock_start"] == "received"


def test_completion_on_the_deadline_day_is_on_time_and_the_day_after_late(run):
    # received Friday 2024-07-05: deadline Monday 2024-08-05
    r = run(
        [
            req("on_day", "2024-07-05", completed="2024-08-05"),
            req("day_after", "2024-07-05", completed="2024-08-06"),
            # 21:30 UTC on 5 August is 23:30 in Brussels: still the deadline day
            req("evening", "2024-07-05", completed="2024-08-05 21:30"),
            # 22:30 UTC on 5 August is 00:30 on 6 August in Brussels: late
            req("after_midnight", "2024-07-05", completed="2024-08-05 22:30"),
        ]
    )
    t = detail(r)
    assert {x["deadline"] for x in t} == {date(2024, 8, 5)}
    assert sorted((x["completed_on"], x["on_time"]) for x in t) == [
        (date(2024, 8, 5), True),
        (date(2024, 8, 5), True),
        (date(2024, 8, 6), False),
        (date(2024, 8, 6), False),
    ]
    assert r.summary["completed"] == 4
    assert r.summary["on_time"] == 2
    assert r.summary["on_time_rate"] == pytest.approx(0.5)


def test_received_in_the_brussels_evening_starts_the_next_local_day(run):
    # 2024-07-04 22:30 UTC is 2024-07-05 00:30 in Brussels: start 5 July, deadline 5 August
    t = detail(run([req("r", "2024-07-04 22:30")]))
    assert t[0]["start"] == date(2024, 7, 5)
    assert t[0]["deadline"] == date(2024, 8, 5)


def test_extension_notified_on_the_deadline_day_is_valid_the_day_after_invalid(run):
    # received 2024-07-05: deadline 2024-08-05; extended 2024-10-05 is a Saturday -> Monday 2024-10-07
    r = run(
        [
            req("valid", "2024-07-05", notified="2024-08-05", completed="2024-09-20"),
            req("invalid", "2024-07-05", notified="2024-08-06", completed="2024-09-20"),
        ]
    )
    t = sorted(detail(r), key=lambda x: x["extension"])
    invalid, valid = t
    assert valid["extension"] == "valid" and invalid["extension"] == "invalid"
    assert valid["extended_deadline"] == invalid["extended_deadline"] == date(2024, 10, 7)
    assert valid["due"] == date(2024, 10, 7) and valid["on_time"] is True
    assert valid["days_allowed"] == (date(2024, 10, 7) - date(2024, 7, 5)).days
    assert invalid["due"] == date(2024, 8, 5) and invalid["on_time"] is False
    assert r.summary["extensions"] == {"valid": 1, "invalid": 1}
    assert r.summary["on_time_rate"] == pytest.approx(0.5)


def test_extension_notice_after_as_of_has_not_happened(run):
    # received 2024-09-10: deadline 2024-10-10; notice on 2 October (after as_of 30 September)
    requests = [req("r", "2024-09-10", notified="2024-10-02")]
    now = run(requests)
    assert detail(now)[0]["extension"] == "none"
    assert now.summary["extensions"] == {"valid": 0, "invalid": 0}
    later = run(requests, period=Period.of(Quarter(2024, 4)))
    assert detail(later)[0]["extension"] == "valid"
    assert detail(later)[0]["due"] == date(2024, 12, 10)


def test_open_one_day_past_due_is_overdue_and_due_on_as_of_is_not(run):
    as_of = date(2024, 9, 25)  # a Wednesday
    r = run(
        [
            # received Saturday 2024-08-24: deadline Tuesday 2024-09-24, one day before as_of
            req("overdue", "2024-08-24"),
            # received Sunday 2024-08-25: deadline Wednesday 2024-09-25 = as_of: not yet due
            req("due_today", "2024-08-25"),
        ],
        period=Period.of(Quarter(2024, 3), as_of),
    )
    s = r.summary
    assert s["open_overdue"] == 1 and s["open_not_due"] == 1
    assert s["overdue_days_max"] == 1
    by_status = rows_by_status(r)
    assert by_status["open_overdue"]["due"] == date(2024, 9, 24)
    assert by_status["open_not_due"]["due"] == date(2024, 9, 25)
    ageing = {x["bucket"]: x["requests"] for x in r.tables["rights_open_ageing"].iter_rows(named=True)}
    assert ageing["overdue 1-7 days"] == 1
    assert ageing["due today"] == 1
    assert sum(ageing.values()) == 2


def test_identity_verified_clock_restarts_at_verification(run):
    requests = [
        # verified 20 July: start 20 July, deadline Tuesday 20 August; completed 15 August
        req("restarted", "2024-07-05", verified="2024-07-20", completed="2024-08-15"),
        # verification after as_of has not happened: the clock runs from receipt
        req("verified_later", "2024-09-10", verified="2024-10-02"),
        # verification before receipt: the clock never starts before receipt
        req("verified_before", "2024-07-08", verified="2024-07-01"),
    ]
    by_received = run(requests)
    assert by_received.summary["on_time_rate"] == 0.0  # deadline 5 August
    assert by_received.summary["clock_start"] == "received"

    r = run(requests, policy=IDENTITY)
    assert r.summary["clock_start"] == "identity_verified"
    assert r.summary["on_time_rate"] == 1.0
    starts = {x["received_on"]: (x["start"], x["deadline"]) for x in detail(r)}
    assert starts[date(2024, 7, 5)] == (date(2024, 7, 20), date(2024, 8, 20))
    assert starts[date(2024, 9, 10)] == (date(2024, 9, 10), date(2024, 10, 10))
    assert starts[date(2024, 7, 8)] == (date(2024, 7, 8), date(2024, 8, 8))
    assert r.summary["days_to_complete"]["median"] == 26.0  # 20 July -> 15 August


def test_populations_of_reading_5(run):
    r = run(
        [
            req("q2_done_q3", "2024-06-20", right="erasure", completed="2024-07-25"),  # completed only
            req("q3_open", "2024-07-10", right="access"),  # received and open
            req("q3_done_later", "2024-09-20", right="portability", completed="2024-10-03"),  # received, open
            req("q3_done", "2024-07-11", right="access", completed="2024-07-12"),  # received and completed
            req("q2_done_q2", "2024-05-01", right="objection", completed="2024-05-10"),  # nowhere
            req("q2_open", "2024-05-02", right="restriction"),  # open only
            req("q4", "2024-10-01 10:00", right="rectification"),  # does not exist yet
        ]
    )
    s = r.summary
    assert s["received"] == 3
    assert s["by_right"] == {"access": 2, "portability": 1}
    assert s["completed"] == 2
    # erasure: received 20 June, deadline 20 July (a Saturday; 21 July Sunday, national day) -> Monday 22 July
    assert s["on_time_rate"] == pytest.approx(0.5)
    assert s["open_overdue"] == 2  # q3_open (due 12 August), q2_open (due 3 June)
    assert s["open_not_due"] == 1  # q3_done_later (due 21 October)
    assert r.detail["rights_requests"].height == 5  # not q2_done_q2, not q4
    by_right = {x["right"]: x for x in r.tables["rights_by_right"].iter_rows(named=True)}
    assert list(by_right) == ["access", "erasure", "portability"]  # the contract's order
    assert by_right["erasure"] == {"right": "erasure", "received": 0, "completed": 1, "on_time": 0, "other_values": None}
    assert by_right["access"] == {"right": "access", "received": 2, "completed": 1, "on_time": 1, "other_values": None}


def test_completed_before_start_is_kept_but_not_timed(run):
    r = run(
        [
            req("impossible", "2024-07-10", completed="2024-07-08"),
            req("normal", "2024-07-10", completed="2024-07-20"),
        ]
    )
    s = r.summary
    assert s["completed"] == 2
    assert s["on_time_rate"] == 1.0
    assert s["completed_before_start"] == 1
    assert s["days_to_complete"] == {"median": 10.0, "p90": 10.0}
    impossible = next(x for x in detail(r) if x["completed_on"] == date(2024, 7, 8))
    assert impossible["days_to_complete"] is None and impossible["on_time"] is True


def test_completed_before_start_counts_on_time_everywhere_but_days(run):
    # reading 18 under the identity reading: completed 15 July, identity verified 20 July
    # (clock start 20 July); a normal request completed 21 days after its start
    r = run(
        [
            req("impossible", "2024-07-10", right="erasure", verified="2024-07-20", completed="2024-07-15"),
            req("normal", "2024-07-01", right="erasure", completed="2024-07-22"),
        ],
        policy=IDENTITY,
    )
    s = r.summary
    assert (s["completed"], s["on_time"], s["on_time_rate"]) == (2, 2, 1.0)
    assert s["completed_before_start"] == 1
    assert s["days_to_complete"] == {"median": 21.0, "p90": 21.0}
    by_right = {x["right"]: x for x in r.tables["rights_by_right"].iter_rows(named=True)}
    assert by_right["erasure"] == {"right": "erasure", "received": 2, "completed": 2, "on_time": 2, "other_values": None}
    q3 = r.tables["rights_on_time_trend"].row(-1, named=True)
    assert (q3["completed"], q3["on_time"]) == (2, 2)


def test_days_to_complete_median_and_p90_match_numpy(run):
    days = [3, 10, 12, 29, 31, 45]
    received = date(2024, 6, 3)
    requests = [
        req(f"r{i}", received.isoformat(), completed=(received + timedelta(days=d)).isoformat())
        for i, d in enumerate(days)
    ]
    s = run(requests).summary
    # completed 6 June .. 18 July: only those completed in Q3 count
    in_q3 = [d for d in days if received + timedelta(days=d) >= date(2024, 7, 1)]
    assert in_q3 == [29, 31, 45]
    assert s["completed"] == 3
    assert s["days_to_complete"]["median"] == pytest.approx(np.percentile(in_q3, 50))
    assert s["days_to_complete"]["p90"] == pytest.approx(np.percentile(in_q3, 90))
    assert s["days_to_complete"]["p90"] == pytest.approx(42.2)


def test_quarter_without_requests_gives_nulls(run):
    s = run([req("old", "2024-01-10", completed="2024-01-20")]).summary
    assert s["received"] == 0 and s["completed"] == 0
    assert s["by_right"] == {}
    assert s["on_time_rate"] is None
    assert s["days_to_complete"] == {"median": None, "p90": None}
    assert s["open_overdue"] == 0 and s["open_not_due"] == 0


def test_rights_and_channels_use_the_contract_names(run):
    r = run(
        [
            req("a", "2024-07-05", right="ACCESS "),
            req("b", "2024-07-05", right="consent withdrawal", channel="fax"),
            req("c", "2024-07-05", right="consent_withdrawal", channel=" Help_Center"),
        ]
    )
    assert r.summary["by_right"] == {"access": 1, "consent_withdrawal": 2}
    assert sorted(x["channel"] for x in detail(r)) == ["email", "help_center", "other"]
    # reading 23 changed this: both spellings are consent withdrawals, no Art. 12(3) requests, so only the access
    # request (due 5 August) is open past its deadline on 30 September (before, all three were); the two
    # withdrawals are open past the company's standard (Tuesday 9 July)
    assert r.summary["open_overdue"] == 1 and r.summary["open_not_due"] == 0
    assert r.summary["consent_withdrawals"] == {"received": 2, "completed": 0, "within_standard": 0,
                                               "open_past_standard": 2}


def test_coded_values_compare_trimmed_and_case_insensitively(run):
    # reading 17: right `Access` is access, channel `Email ` is email
    r = run(
        [
            req("a", "2024-07-05", right="Access", channel="Email ", completed="2024-07-10"),
            req("b", "2024-07-05", right="access", channel="email"),
            req("c", "2024-07-05", right=" Erasure", channel="LIVE_CHAT"),
        ]
    )
    assert r.summary["by_right"] == {"access": 2, "erasure": 1}
    by_right = {x["right"]: x for x in r.tables["rights_by_right"].iter_rows(named=True)}
    assert by_right["access"] == {"right": "access", "received": 2, "completed": 1, "on_time": 1, "other_values": None}
    assert sorted(x["channel"] for x in detail(r)) == ["email", "email", "live_chat"]


def test_sql_deadlines_agree_with_dates(run):
    starts = [date(2024, 1, 1) + timedelta(days=7 * i + i % 7) for i in range(40)]
    r = run([req(f"r{i}", d.isoformat()) for i, d in enumerate(starts)], period=Period.of(Quarter(2024, 4)))
    t = detail(r)
    assert len(t) == len(starts)
    for x in t:
        assert x["deadline"] == legal_deadline(x["start"], 1)
        assert x["extended_deadline"] == legal_deadline(x["start"], 3)


def test_very_old_open_request_is_covered_by_the_calendar(run):
    r = run([req("ancient", "2015-03-02")])
    t = detail(r)
    assert t[0]["deadline"] == date(2015, 4, 2)
    assert r.summary["open_overdue"] == 1
    ageing = {x["bucket"]: x["requests"] for x in r.tables["rights_open_ageing"].iter_rows(named=True)}
    assert ageing["overdue 91+ days"] == 1


def test_on_time_trend_over_eight_quarters(run):
    r = run(
        [
            req("q1_on_time", "2024-01-10", completed="2024-02-01"),
            req("q1_late", "2024-01-10", completed="2024-03-01"),
            req("q3_on_time", "2024-07-10", completed="2024-07-20"),
            req("before_window", "2022-08-01", completed="2022-08-10"),  # 2022Q3: outside the eight
        ]
    )
    trend = r.tables["rights_on_time_trend"]
    assert trend.columns == ["quarter", "quarter_start", "as_of", "completed", "on_time", "on_time_rate"]
    assert trend["quarter"].to_list() == [
        "2022Q4", "2023Q1", "2023Q2", "2023Q3", "2023Q4", "2024Q1", "2024Q2", "2024Q3",
    ]
    rows = {x["quarter"]: x for x in trend.iter_rows(named=True)}
    assert rows["2024Q1"]["as_of"] == date(2024, 3, 31)
    assert (rows["2024Q1"]["completed"], rows["2024Q1"]["on_time"]) == (2, 1)
    assert rows["2024Q1"]["on_time_rate"] == pytest.approx(0.5)
    assert rows["2024Q2"]["completed"] == 0 and rows["2024Q2"]["on_time_rate"] is None
    assert rows["2024Q3"]["on_time_rate"] == r.summary["on_time_rate"] == 1.0
    assert sum(trend["completed"]) == 3


def test_trend_quarter_is_evaluated_as_of_its_own_end(run):
    # With the identity reading: completed in Q1 three weeks late as of 31 March; an identity
    # verification recorded in Q2 would, as of later dates, move the clock past the completion.
    requests = [req("r", "2024-01-05", verified="2024-04-10", completed="2024-02-26")]
    trend = run(requests, policy=IDENTITY).tables["rights_on_time_trend"]
    q1 = trend.filter(trend["quarter"] == "2024Q1").row(0, named=True)
    assert (q1["completed"], q1["on_time"]) == (1, 0)
    # the current quarter's row follows as_of when the run names an earlier date
    r = run([req("a", "2024-07-05", completed="2024-07-20")], period=Period.of(Quarter(2024, 3), date(2024, 8, 15)))
    last = r.tables["rights_on_time_trend"].row(-1, named=True)
    assert (last["quarter"], last["as_of"], last["completed"]) == ("2024Q3", date(2024, 8, 15), 1)


def test_no_raw_ids_in_tables(run):
    r = run([req("REQUEST-SECRET", "2024-07-05", account="ACCOUNT-SECRET", completed="2024-07-06")])
    assert r.detail["rights_requests"].columns == [
        "request_key", "right", "channel", "received_on", "start", "deadline", "extended_deadline",
        "extension", "due", "completed_on", "days_to_complete", "days_allowed", "on_time", "status",
        # reading 23 added the consent-withdrawal columns
        "consent_withdrawal", "standard_due", "within_standard",
    ]
    for name, frame in r.tables.items():
        assert name.startswith("rights_")
        assert "SECRET" not in frame.write_csv(), name
    key = r.detail["rights_requests"]["request_key"][0]
    assert len(key) == 12 and key != "REQUEST-SECRET"


def test_days_spare_counts_completed_requests_without_keys(run):
    r = run(
        [
            req("a", "2024-07-01", completed="2024-07-11"),  # due 1 August: 31 allowed, 10 taken -> 21 to spare
            req("b", "2024-07-01", completed="2024-07-11"),
            req("c", "2024-07-01", completed="2024-08-05"),  # 4 days late -> -4
            req("d", "2024-07-01"),  # open: not in the chart
        ]
    )
    spare = r.tables["rights_days_spare"]
    assert spare.rows() == [(-4, False, 1), (21, True, 2)]


def test_open_requests_table_holds_the_first_due_ten_per_status(run):
    # received 1..12 July: due 1..12 August, all overdue on 30 September; one not yet due
    requests = [req(f"o{d:02d}", f"2024-07-{d:02d}") for d in range(1, 13)] + [req("late", "2024-09-20")]
    r = run(requests)
    table = r.tables["rights_open_requests"]
    overdue = table.filter(table["status"] == "open_overdue")
    assert overdue.height == 10 and r.summary["open_overdue"] == 12
    assert overdue["due"].to_list() == sorted(overdue["due"].to_list())  # (a weekend rolls some to one day)
    # 10, 11 and 12 July are all due Monday 12 August (a weekend between): two of them are left out
    left_out = {date(2024, 7, d) for d in range(1, 13)} - set(overdue["received_on"].to_list())
    assert len(left_out) == 2 and left_out <= {date(2024, 7, 10), date(2024, 7, 11), date(2024, 7, 12)}
    assert table.filter(table["status"] == "open_not_due").height == 1


def test_an_unknown_right_counts_under_other_with_its_number_of_distinct_values(run):
    # docs/contract.md "Only declared values": a right outside the contract's list is 'other' in every
    # table; its values are counted, compared as reading 17 compares rights, never published
    r = run(
        [
            req("a", "2024-07-05", right="Access"),
            req("b", "2024-07-05", right="Right to be forgotten", completed="2024-07-10"),
            req("c", "2024-07-06", right="right-to-be forgotten "),  # the same right as b once compared
            req("d", "2024-07-07", right="jan.peeters wants his data"),
            # received in Q2, completed in the quarter: in the table's 'other' row, not in by_right
            req("e", "2024-06-10", right="Other", completed="2024-07-02"),
        ]
    )
    s = r.summary
    assert s["by_right"] == {"access": 1, "other": 3} and s["received"] == 4
    assert s["right_other_distinct"] == 2  # right_to_be_forgotten, jan.peeters_wants_his_data
    rows = r.tables["rights_by_right"].to_dicts()
    assert rows == [
        {"right": "access", "received": 1, "completed": 0, "on_time": 0, "other_values": None},
        # b and e completed on time; e's "other" is a third distinct value
        {"right": "other", "received": 3, "completed": 2, "on_time": 2, "other_values": 3},
    ]
    assert set(r.tables["rights_open_requests"]["right"]) == {"access", "other"}
    assert "right_given" not in r.detail["rights_requests"].columns
    text = json.dumps(s, default=str) + "".join(f.write_csv() for f in r.tables.values())
    for raw in ("forgotten", "peeters", "wants", "Access", "Other"):
        assert raw not in text, raw


def test_without_unknown_rights_other_is_absent_and_its_count_zero(run):
    s = run([req("a", "2024-07-05", right="erasure")]).summary
    assert s["by_right"] == {"erasure": 1} and s["right_other_distinct"] == 0


# --- reading 23: a consent withdrawal is no Art. 12(3) request ----------------------------------------------
# Judged against the company's standard instead (the policy's consent_withdrawal_working_days, 2): completed by
# the 2nd working day after the day of receipt, which does not count; weekends and Belgian public holidays are
# not working days.

WITHDRAWAL = "consent_withdrawal"


def withdrawals(result) -> dict:
    """The consent withdrawals of the detail, by receipt date and completion date."""
    return {(x["received_on"], x["completed_on"]): x for x in detail(result) if x["consent_withdrawal"]}


def test_a_consent_withdrawal_counts_in_received_and_by_right_and_in_no_other_art_12_3_figure(run):
    # Beside one access request (received Friday 5 July, due Monday 5 August, completed 20 July: 15 days,
    # on time), consent withdrawals that would each have moved an Art. 12(3) figure
    r = run(
        [
            req("access", "2024-07-05", completed="2024-07-20"),
            # the auditor's R0040: completed 23 days after receipt, "on time" under the one-month deadline;
            # received Monday 1 July, standard due Wednesday 3 July: past it
            req("r0040", "2024-07-01", right=WITHDRAWAL, completed="2024-07-24"),
            # an extension notice within the month is no Art. 12(3) extension; received Tuesday 2 July,
            # standard due Thursday 4 July, completed 3 July: within
            req("notified", "2024-07-02", right=WITHDRAWAL, notified="2024-07-10", completed="2024-07-03"),
            # open on 30 September, received Thursday 1 August: would have been open_overdue (due 2 September);
            # standard due Monday 5 August: open past it
            req("open_old", "2024-08-01", right=WITHDRAWAL),
            # open, received Friday 27 September: would have been open_not_due; standard due Tuesday 1 October
            req("open_new", "2024-09-27", right=WITHDRAWAL),
            # received Thursday 20 June (standard due Monday 24 June), completed in the quarter: would have
            # counted in completed
            req("q2", "2024-06-20", right=WITHDRAWAL, completed="2024-07-02"),
        ]
    )
    s = r.summary
    assert s["received"] == 5  # not q2, received in Q2
    assert s["by_right"] == {"access": 1, "consent_withdrawal": 4}
    assert (s["completed"], s["on_time"], s["on_time_rate"]) == (1, 1, 1.0)
    assert s["days_to_complete"] == {"median": 15.0, "p90": 15.0}
    assert s["extensions"] == {"valid": 0, "invalid": 0}
    assert (s["open_overdue"], s["open_not_due"], s["overdue_days_max"]) == (0, 0, None)
    assert s["consent_withdrawals"] == {"received": 4, "completed": 3, "within_standard": 1, "open_past_standard": 1}
    assert s["consent_withdrawal_working_days"] == 2 and s["deadline_months"] == 1

    by_right = r.tables["rights_by_right"].to_dicts()
    assert by_right == [
        {"right": "access", "received": 1, "completed": 1, "on_time": 1, "other_values": None},
        # no Art. 12(3) completed or on-time count claimed for withdrawals
        {"right": "consent_withdrawal", "received": 4, "completed": None, "on_time": None, "other_values": None},
    ]
    assert sum(r.tables["rights_open_ageing"]["requests"]) == 0
    assert r.tables["rights_open_requests"].height == 0
    assert r.tables["rights_days_spare"].rows() == [(31 - 15, True, 1)]  # the access request only
    last = r.tables["rights_on_time_trend"].row(-1, named=True)
    assert (last["completed"], last["on_time"]) == (1, 1)

    w = withdrawals(r)
    r0040 = w[(date(2024, 7, 1), date(2024, 7, 24))]
    assert (r0040["standard_due"], r0040["within_standard"], r0040["status"]) == (
        date(2024, 7, 3), False, "withdrawal_past_standard")
    assert r0040["days_to_complete"] == 23  # still stated in the detail, counted in no figure
    for x in w.values():  # no Art. 12(3) deadline, extension or verdict
        assert (x["deadline"], x["extended_deadline"], x["extension"], x["due"], x["days_allowed"], x["on_time"]) == (
            None, None, None, None, None, None)
    assert w[(date(2024, 7, 2), date(2024, 7, 3))]["status"] == "withdrawal_within_standard"
    assert w[(date(2024, 8, 1), None)]["status"] == "withdrawal_open_past_standard"
    assert w[(date(2024, 9, 27), None)]["standard_due"] == date(2024, 10, 1)
    assert w[(date(2024, 9, 27), None)]["status"] == "withdrawal_open_within_standard"
    assert w[(date(2024, 6, 20), date(2024, 7, 2))]["status"] == "withdrawal_past_standard"


def test_a_withdrawal_completed_by_the_second_working_day_after_receipt_is_within_the_standard(run):
    r = run(
        [
            # received Friday 5 July: the day of receipt does not count, Saturday and Sunday are no working
            # days; Monday 8 July is the first working day after it, Tuesday 9 July the second: the last day
            req("tuesday", "2024-07-05", right=WITHDRAWAL, completed="2024-07-09"),
            # 21:30 UTC on 9 July is 23:30 in Brussels: still the last day
            req("tuesday_evening", "2024-07-05 09:00", right=WITHDRAWAL, completed="2024-07-09 21:30"),
            # 22:30 UTC on 9 July is 00:30 on Wednesday 10 July in Brussels: the third working day
            req("after_midnight", "2024-07-05 08:00", right=WITHDRAWAL, completed="2024-07-09 22:30"),
            # completed in 3 working days, Wednesday 10 July: completed, not within the standard
            req("wednesday", "2024-07-05 07:00", right=WITHDRAWAL, completed="2024-07-10"),
            # received on Saturday 6 July: Monday and Tuesday are its two working days
            req("saturday", "2024-07-06", right=WITHDRAWAL, completed="2024-07-09"),
            # completed on the day of receipt
            req("same_day", "2024-07-05 06:00", right=WITHDRAWAL, completed="2024-07-05 12:00"),
        ]
    )
    t = {x["completed_on"]: x for x in detail(r)}
    assert {x["standard_due"] for x in detail(r)} == {date(2024, 7, 9)}
    assert sorted((x["completed_on"], x["within_standard"]) for x in detail(r)) == [
        (date(2024, 7, 5), True),
        (date(2024, 7, 9), True),
        (date(2024, 7, 9), True),
        (date(2024, 7, 9), True),
        (date(2024, 7, 10), False),
        (date(2024, 7, 10), False),
    ]
    assert t[date(2024, 7, 10)]["status"] == "withdrawal_past_standard"
    s = r.summary
    assert s["consent_withdrawals"] == {"received": 6, "completed": 6, "within_standard": 4, "open_past_standard": 0}
    assert (s["received"], s["completed"], s["on_time_rate"]) == (6, 0, None)


def test_a_belgian_public_holiday_is_no_working_day_of_the_standard(run):
    r = run(
        [
            # received Tuesday 13 August: Wednesday 14 is the first working day after it, Thursday 15 August
            # (Assumption) none, Friday 16 the second: completed on the 16th is within the standard
            req("tuesday", "2024-08-13", right=WITHDRAWAL, completed="2024-08-16"),
            # received Wednesday 14 August: Friday 16 and Monday 19 are its two working days
            req("wednesday", "2024-08-14", right=WITHDRAWAL, completed="2024-08-19"),
            req("wednesday_late", "2024-08-14", right=WITHDRAWAL, completed="2024-08-20"),
        ]
    )
    due = {(x["received_on"], x["completed_on"]): (x["standard_due"], x["within_standard"]) for x in detail(r)}
    assert due == {
        (date(2024, 8, 13), date(2024, 8, 16)): (date(2024, 8, 16), True),
        (date(2024, 8, 14), date(2024, 8, 19)): (date(2024, 8, 19), True),
        (date(2024, 8, 14), date(2024, 8, 20)): (date(2024, 8, 19), False),
    }
    assert r.summary["consent_withdrawals"]["within_standard"] == 2


def test_an_open_withdrawal_is_past_the_standard_only_once_its_last_day_is_before_as_of(run):
    as_of = date(2024, 9, 25)  # a Wednesday
    r = run(
        [
            # received Friday 20 September: last day Tuesday 24 September, one day before as_of
            req("past", "2024-09-20", right=WITHDRAWAL),
            # received Monday 23 September: last day Wednesday 25 September = as_of, not yet past (reading 5)
            req("due_today", "2024-09-23", right=WITHDRAWAL),
            # completed after as_of: open on as_of, its last day (Thursday 26) still to come
            req("later", "2024-09-24", right=WITHDRAWAL, completed="2024-09-27"),
        ],
        period=Period.of(Quarter(2024, 3), as_of),
    )
    status = {x["received_on"]: (x["standard_due"], x["status"]) for x in detail(r)}
    assert status == {
        date(2024, 9, 20): (date(2024, 9, 24), "withdrawal_open_past_standard"),
        date(2024, 9, 23): (date(2024, 9, 25), "withdrawal_open_within_standard"),
        date(2024, 9, 24): (date(2024, 9, 26), "withdrawal_open_within_standard"),
    }
    s = r.summary
    assert s["consent_withdrawals"] == {"received": 3, "completed": 0, "within_standard": 0, "open_past_standard": 1}
    assert (s["open_overdue"], s["open_not_due"]) == (0, 0)


def test_the_standard_runs_from_receipt_under_the_identity_reading_and_its_length_is_the_policys(run):
    requests = [
        # received Friday 5 July, identity verified 8 July: the identity reading does not restart a withdrawal
        req("w", "2024-07-05", right=WITHDRAWAL, verified="2024-07-08", completed="2024-07-11"),
    ]
    (x,) = detail(run(requests, policy=IDENTITY))
    assert (x["start"], x["standard_due"], x["within_standard"]) == (date(2024, 7, 5), date(2024, 7, 9), False)
    # five working days: Monday 8 .. Friday 12 July
    five = run(requests, policy=POLICY.with_period("consent_withdrawal", "5 working days"))
    assert (detail(five)[0]["standard_due"], detail(five)[0]["within_standard"]) == (date(2024, 7, 12), True)
    assert five.summary["consent_withdrawal_working_days"] == 5
    # none: by the day of receipt itself
    assert detail(run(requests, policy=POLICY.with_period("consent_withdrawal", "0 working days")))[0]["standard_due"] == (
        date(2024, 7, 5))


def test_sql_standard_days_agree_with_dates(run):
    from pipelines.dates import working_days_after

    received = [date(2024, 7, 1) + timedelta(days=i) for i in range(0, 80, 3)]  # every weekday, 15 August among them
    r = run([req(f"w{i}", d.isoformat(), right=WITHDRAWAL) for i, d in enumerate(received)])
    t = detail(r)
    assert len(t) == len(received)
    for x in t:
        assert x["standard_due"] == working_days_after(x["received_on"], 2)
