"""Support-inquiry statistics (contract §3, §4; readings 4, 7, 8, 13, 15, 17, 24).

Timestamps in fixtures are UTC; Brussels is UTC+2 in summer, UTC+1 in winter.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import numpy as np
import pytest

from pipelines.dates import Quarter
from pipelines.metrics import Period, support
from pipelines.policy import load_policy

Q3 = Period.of(Quarter(2024, 3))  # 2024-07-01 .. 2024-09-30
POLICY = load_policy()


def ticket(tid, created, *, channel="email", category="bug", account=None, first=None, resolved=None):
    return {
        "ticket_id": tid,
        "account_id": account,
        "channel": channel,
        "category": category,
        "created_at": created,
        "first_response_at": first,
        "resolved_at": resolved,
    }


def request(rid, account, received, right="access"):
    return {"request_id": rid, "account_id": account, "right": right, "channel": "email", "received_at": received}


@pytest.fixture
def run(make_db):
    def _run(tickets, requests=(), period=Q3, policy=POLICY):
        con = make_db({"support_tickets": list(tickets), "rights_requests": list(requests)})
        return support.compute(con, period, policy)

    return _run


CONTRACT_KEYS = {
    "tickets",
    "by_channel",
    "first_response_hours",
    "resolution_hours",
    "backlog",
    "privacy_share",
}


def test_contract_block_shape(run):
    s = run([ticket("t1", "2024-07-02 08:00", first="2024-07-02 09:00", resolved="2024-07-02 10:00")]).summary
    assert CONTRACT_KEYS <= set(s)
    assert set(s["by_channel"]) == {"help_center", "live_chat", "email", "other"}
    assert set(s["first_response_hours"]) == {"median", "p90"}
    assert set(s["resolution_hours"]) == {"median", "p90"}
    assert s["first_response_hours"] == {"median": 1.0, "p90": 1.0}
    assert s["resolution_hours"] == {"median": 2.0, "p90": 2.0}


def test_counts_by_channel_with_unknown_channel_as_other(run):
    s = run(
        [
            ticket("t1", "2024-07-02 08:00", channel="email"),
            ticket("t2", "2024-07-03 08:00", channel="help_center"),
            ticket("t3", "2024-07-04 08:00", channel="live_chat"),
            ticket("t4", "2024-07-05 08:00", channel="phone"),
            ticket("t5", "2024-07-06 08:00", channel="carrier pigeon"),
            ticket("t6", "2024-07-06 09:00", channel="Email "),  # normalised, not "other"
            ticket("t7", "2024-06-15 08:00", channel="email"),  # previous quarter
        ]
    ).summary
    assert s["tickets"] == 6
    assert s["by_channel"] == {"help_center": 1, "live_chat": 1, "email": 2, "other": 2}


def test_quarter_membership_is_by_brussels_local_date(run):
    s = run(
        [
            ticket("t1", "2024-06-30 22:30"),  # 2024-07-01 00:30 in Brussels: Q3
            ticket("t2", "2024-09-30 21:59"),  # 2024-09-30 23:59 in Brussels: Q3
            ticket("t3", "2024-09-30 22:00"),  # 2024-10-01 00:00 in Brussels: after as_of, does not exist
        ]
    ).summary
    assert s["tickets"] == 2
    assert s["previous_quarter"]["tickets"] == 0


def test_no_first_response(run):
    s = run(
        [
            ticket("t1", "2024-07-02 08:00", first="2024-07-02 10:00"),
            ticket("t2", "2024-07-03 08:00"),
        ]
    ).summary
    assert s["tickets"] == 2
    assert s["no_first_response"] == 1
    assert s["first_response_timed"] == 1
    assert s["first_response_hours"] == {"median": 2.0, "p90": 2.0}
    assert s["resolution_hours"] == {"median": None, "p90": None}


def test_response_after_as_of_has_not_happened(run):
    # 2024-09-30 22:30 UTC is 2024-10-01 in Brussels: after as_of
    s = run([ticket("t1", "2024-09-30 08:00", first="2024-09-30 22:30", resolved="2024-09-30 22:30")]).summary
    assert s["no_first_response"] == 1
    assert s["first_response_hours"]["median"] is None
    assert s["resolution_hours"]["median"] is None
    assert s["backlog"] == 1
    # but as of a later quarter end it has happened
    later = run(
        [ticket("t1", "2024-09-30 08:00", first="2024-09-30 21:30", resolved="2024-09-30 21:30")]
    ).summary
    assert later["first_response_hours"]["median"] == pytest.approx(13.5)
    assert later["backlog"] == 0


def test_backlog_counts_open_tickets_created_on_or_before_as_of(run):
    s = run(
        [
            ticket("t1", "2024-07-02 08:00"),  # open
            ticket("t2", "2024-04-02 08:00"),  # previous quarter, still open: backlog too
            ticket("t3", "2024-04-03 08:00", resolved="2024-07-01 08:00"),  # resolved
            ticket("t4", "2024-09-10 08:00", resolved="2024-10-02 08:00"),  # resolved after as_of: open
            ticket("t5", "2024-10-02 08:00"),  # created after as_of: does not exist
        ]
    ).summary
    assert s["backlog"] == 3
    assert s["tickets"] == 2


def test_ticket_resolved_before_it_was_created(run):
    # reading 4: counts in tickets, by_channel and privacy_share; not in backlog; out of both durations
    s = run(
        [
            ticket("t1", "2024-07-10 08:00", channel="live_chat", category="privacy",
                   first="2024-07-10 09:00", resolved="2024-07-09 08:00"),
            ticket("t2", "2024-07-11 08:00", first="2024-07-11 10:00", resolved="2024-07-11 12:00"),
        ]
    ).summary
    assert s["tickets"] == 2
    assert s["by_channel"]["live_chat"] == 1
    assert s["privacy_share"] == 0.5
    assert s["backlog"] == 0
    assert s["resolution_timed"] == 1
    assert s["resolution_hours"] == {"median": 4.0, "p90": 4.0}
    assert s["excluded_impossible_resolution"] == 1
    assert s["excluded_impossible_order"] == 1
    # its first response, though after creation, is left out too: only t2's 2 hours count
    assert s["first_response_timed"] == 1
    assert s["first_response_hours"] == {"median": 2.0, "p90": 2.0}


def test_resolved_before_creation_first_response_is_out_of_every_duration_table(run):
    # reading 4, the case an independent implementation caught: created 30 Nov 00:00 Brussels,
    # first response 8 Dec 08:00 (200 h later), "resolved" 29 Nov 21:00 (before creation)
    r = run(
        [
            ticket("bad", "2024-11-29 23:00", channel="email", first="2024-12-08 07:00", resolved="2024-11-29 20:00"),
            ticket("ok", "2024-11-04 08:00", channel="email", first="2024-11-04 10:00"),
        ],
        period=Period.of(Quarter(2024, 4)),
    )
    s = r.summary
    assert s["tickets"] == 2 and s["backlog"] == 1  # "ok" is open; "bad" is not (reading 4)
    assert s["first_response_hours"] == {"median": 2.0, "p90": 2.0}  # not (2 + 200) / 2
    assert s["resolution_hours"] == {"median": None, "p90": None}
    d = {(x["channel"], x["measure"]): x for x in r.tables["support_durations"].iter_rows(named=True)}
    for channel in ("all", "email"):
        assert d[(channel, "first_response")]["tickets"] == 1
        assert d[(channel, "first_response")]["median_hours"] == pytest.approx(2.0)
        assert d[(channel, "resolution")]["tickets"] == 0
    h = r.tables["support_duration_histogram"]
    assert h.filter(h["bin"] == "7d+")["tickets"].sum() == 0
    assert h.filter((h["channel"] == "all") & (h["measure"] == "first_response"))["tickets"].sum() == 1
    # the next quarter's change compares against the same rule
    nxt = run(
        [ticket("bad", "2024-11-29 23:00", first="2024-12-08 07:00", resolved="2024-11-29 20:00")],
        period=Period.of(Quarter(2025, 1)),
    ).summary
    assert nxt["previous_quarter"]["first_response_hours"] == {"median": None, "p90": None}


def test_first_response_before_creation_loses_only_first_response(run):
    # reading 15
    s = run(
        [
            ticket("t1", "2024-07-10 08:00", first="2024-07-10 07:00", resolved="2024-07-10 14:00"),
            ticket("t2", "2024-07-11 08:00", first="2024-07-11 11:00", resolved="2024-07-11 10:00"),
        ]
    ).summary
    assert s["first_response_timed"] == 1
    assert s["first_response_hours"] == {"median": 3.0, "p90": 3.0}
    assert s["resolution_timed"] == 2
    assert s["resolution_hours"]["median"] == pytest.approx(4.0)  # (6 + 2) / 2
    assert s["excluded_impossible_first_response"] == 1
    assert s["excluded_impossible_resolution"] == 0
    assert s["excluded_impossible_order"] == 1


def test_elapsed_hours_across_spring_clock_change(run):
    # reading 13: created 2024-03-30 12:00 Brussels (UTC+1), resolved 2024-03-31 12:00 Brussels (UTC+2)
    s = run(
        [ticket("t1", "2024-03-30 11:00", first="2024-03-31 10:00", resolved="2024-03-31 10:00")],
        period=Period.of(Quarter(2024, 1)),
    ).summary
    assert s["resolution_hours"]["median"] == pytest.approx(23.0)
    assert s["first_response_hours"]["median"] == pytest.approx(23.0)


def test_elapsed_hours_across_autumn_clock_change(run):
    # created 2024-10-26 12:00 Brussels (UTC+2), resolved 2024-10-27 12:00 Brussels (UTC+1): 25 hours
    s = run(
        [ticket("t1", "2024-10-26 10:00", resolved="2024-10-27 11:00")],
        period=Period.of(Quarter(2024, 4)),
    ).summary
    assert s["resolution_hours"]["median"] == pytest.approx(25.0)


def test_median_and_p90_match_numpy(run):
    first_hours = [1.0, 2.0, 3.0, 10.0, 4.5]
    resolution_hours = [5.0, 7.0, 11.0, 50.0]
    created = datetime(2024, 8, 1, 6, tzinfo=UTC)
    tickets = [
        ticket(f"f{i}", created, first=created + timedelta(hours=h)) for i, h in enumerate(first_hours)
    ] + [
        ticket(f"r{i}", created, resolved=created + timedelta(hours=h)) for i, h in enumerate(resolution_hours)
    ]
    s = run(tickets).summary
    assert s["first_response_hours"]["median"] == pytest.approx(np.percentile(first_hours, 50))
    assert s["first_response_hours"]["p90"] == pytest.approx(np.percentile(first_hours, 90))
    assert s["resolution_hours"]["median"] == pytest.approx(np.percentile(resolution_hours, 50))
    assert s["resolution_hours"]["p90"] == pytest.approx(np.percentile(resolution_hours, 90))
    # linear interpolation, not the nearest rank: p90 of [5, 7, 11, 50] is 38.3
    assert s["resolution_hours"]["p90"] == pytest.approx(38.3)


def test_durations_table_by_channel(run):
    r = run(
        [
            ticket("t1", "2024-07-02 08:00", channel="email", first="2024-07-02 09:00"),
            ticket("t2", "2024-07-02 08:00", channel="email", first="2024-07-02 11:00"),
            ticket("t3", "2024-07-02 08:00", channel="live_chat", first="2024-07-02 08:30"),
        ]
    )
    d = r.tables["support_durations"]
    assert d.columns == ["channel", "measure", "tickets", "median_hours", "p90_hours"]
    assert d.height == 10  # (all + 4 channels) x 2 measures
    rows = {(x["channel"], x["measure"]): x for x in d.iter_rows(named=True)}
    assert rows[("email", "first_response")]["median_hours"] == pytest.approx(2.0)
    assert rows[("email", "first_response")]["p90_hours"] == pytest.approx(np.percentile([1, 3], 90))
    assert rows[("live_chat", "first_response")]["median_hours"] == pytest.approx(0.5)
    assert rows[("all", "first_response")]["tickets"] == 3
    assert rows[("all", "first_response")]["median_hours"] == pytest.approx(1.0)
    assert rows[("help_center", "first_response")]["tickets"] == 0
    assert rows[("help_center", "first_response")]["median_hours"] is None
    assert rows[("all", "resolution")]["median_hours"] is None

    h = r.tables["support_duration_histogram"]
    assert h.height == 5 * 2 * 7
    fr_all = h.filter((h["channel"] == "all") & (h["measure"] == "first_response"))
    assert dict(zip(fr_all["bin"], fr_all["tickets"])) == {
        "<1h": 1, "1-4h": 2, "4-8h": 0, "8-24h": 0, "1-2d": 0, "2-7d": 0, "7d+": 0
    }


def test_quarter_without_tickets_gives_nulls(run):
    s = run([ticket("t1", "2024-05-02 08:00", first="2024-05-02 09:00", resolved="2024-05-02 10:00")]).summary
    assert s["tickets"] == 0
    assert s["by_channel"] == {"help_center": 0, "live_chat": 0, "email": 0, "other": 0}
    assert s["first_response_hours"] == {"median": None, "p90": None}
    assert s["resolution_hours"] == {"median": None, "p90": None}
    assert s["privacy_share"] is None
    assert s["backlog"] == 0


def test_privacy_share_is_a_fraction_by_trimmed_lowercase_category(run):
    r = run(
        [
            ticket("t1", "2024-07-02 08:00", category="privacy"),
            ticket("t2", "2024-07-02 08:00", category=" Privacy "),
            ticket("t3", "2024-07-02 08:00", category="billing"),
            ticket("t4", "2024-07-02 08:00", category="privacy policy"),
        ]
    )
    assert r.summary["privacy_share"] == pytest.approx(0.5)
    assert r.summary["privacy_tickets"] == 2
    cats = {x["category"]: x for x in r.tables["support_by_category"].iter_rows(named=True)}
    # reading 17: `Privacy` is privacy; `privacy policy` is no declared category ("Only declared values")
    assert set(cats) == {"privacy", "billing", "other"}
    assert cats["privacy"]["is_privacy"] and cats["privacy"]["tickets"] == 2
    assert not cats["other"]["is_privacy"] and cats["other"]["other_values"] == 1
    assert cats["billing"]["share"] == pytest.approx(0.25)


def test_coded_values_compare_trimmed_and_case_insensitively(run):
    # reading 17: channel `Email ` is email, category `Privacy` is privacy, in every table
    r = run(
        [
            ticket("t1", "2024-07-02 08:00", channel="Email ", category="Privacy", first="2024-07-02 09:00"),
            ticket("t2", "2024-07-02 08:00", channel="email", category="privacy", first="2024-07-02 11:00"),
            ticket("t3", "2024-07-02 08:00", channel=" LIVE_CHAT", category="bug"),
        ]
    )
    s = r.summary
    assert s["by_channel"] == {"help_center": 0, "live_chat": 1, "email": 2, "other": 0}
    assert s["privacy_tickets"] == 2 and s["privacy_share"] == pytest.approx(2 / 3)
    d = {(x["channel"], x["measure"]): x for x in r.tables["support_durations"].iter_rows(named=True)}
    assert d[("email", "first_response")]["tickets"] == 2
    assert d[("email", "first_response")]["median_hours"] == pytest.approx(2.0)
    m = r.tables["support_by_channel_month"]
    assert m.filter(m["channel"] == "email")["tickets"].sum() == 2
    assert m.filter(m["channel"] == "other")["tickets"].sum() == 0


def test_by_channel_month_has_every_month_and_channel(run):
    t = run(
        [
            ticket("t1", "2024-07-02 08:00", channel="email"),
            ticket("t2", "2024-07-31 22:30", channel="email"),  # 1 August in Brussels
            ticket("t3", "2024-09-30 08:00", channel="sms"),
        ]
    ).tables["support_by_channel_month"]
    assert t.columns == ["month", "channel", "tickets"]
    assert t.height == 12
    got = {(x["month"], x["channel"]): x["tickets"] for x in t.iter_rows(named=True) if x["tickets"]}
    assert got == {
        (date(2024, 7, 1), "email"): 1,
        (date(2024, 8, 1), "email"): 1,
        (date(2024, 9, 1), "other"): 1,
    }


def test_quarter_on_quarter_change(run):
    r = run(
        [
            ticket("p1", "2024-05-02 08:00", category="privacy", first="2024-05-02 12:00", resolved="2024-05-03 08:00"),
            ticket("p2", "2024-06-02 08:00", resolved="2024-07-05 08:00"),  # open at Q2's end, resolved in Q3
            ticket("c1", "2024-07-02 08:00", first="2024-07-02 10:00", resolved="2024-07-02 12:00"),
            ticket("c2", "2024-07-03 08:00", first="2024-07-03 10:00"),
            ticket("c3", "2024-07-04 08:00", category="privacy", first="2024-07-04 10:00"),
        ]
    )
    prev = r.summary["previous_quarter"]
    assert prev["period"] == "2024Q2" and prev["as_of"] == "2024-06-30"
    assert prev["tickets"] == 2
    assert prev["backlog"] == 1
    assert prev["first_response_hours"]["median"] == pytest.approx(4.0)
    assert prev["privacy_share"] == pytest.approx(0.5)
    change = r.summary["quarter_change"]
    assert change["tickets"] == 1
    assert change["backlog"] == 1  # Q3 backlog: c2, c3
    assert change["first_response_median_hours"] == pytest.approx(2.0 - 4.0)
    assert change["privacy_share"] == pytest.approx(1 / 3 - 0.5)
    t = {x["metric"]: x for x in r.tables["support_quarter_change"].iter_rows(named=True)}
    assert t["tickets"]["previous"] == 2 and t["tickets"]["current"] == 3 and t["tickets"]["change"] == 1
    assert t["resolution_median_hours"]["previous"] == pytest.approx(24.0)


def test_missed_rights_requests(run):
    tickets = [
        ticket("followed", "2024-07-02 08:00", category="privacy", account="A"),
        ticket("day30", "2024-07-02 08:00", category="privacy", account="B"),
        ticket("day31", "2024-07-02 08:00", category="privacy", account="C"),
        ticket("before", "2024-07-10 08:00", category="privacy", account="D"),
        ticket("other_account", "2024-07-02 08:00", category="privacy", account="E"),
        ticket("no_account", "2024-07-02 08:00", category="privacy"),
        ticket("not_privacy", "2024-07-02 08:00", category="billing", account="F"),
        ticket("late", "2024-09-25 08:00", category="Privacy", account="G"),  # window runs past as_of
    ]
    requests = [
        request("r1", "A", "2024-07-02 15:00"),  # same day
        request("r2", "B", "2024-08-01 08:00"),  # created + 30 days: within the window
        request("r3", "C", "2024-08-02 08:00"),  # created + 31 days: too late
        request("r4", "D", "2024-07-09 08:00"),  # before the ticket
        request("r5", "Z", "2024-07-03 08:00"),  # another account
    ]
    r = run(tickets, requests)
    assert r.summary["missed_rights_requests"] == 3  # day31, before, other_account; "late" may still come
    assert r.summary["missed_rights_requests_window_open"] == 1
    t = r.tables["support_missed_rights_requests"]
    assert t.columns == ["ticket_key", "account_key", "channel", "created_on", "window_ends", "window_open"]
    assert t.height == 4
    assert t.filter(t["window_open"])["created_on"].to_list() == [date(2024, 9, 25)]
    assert t.filter(t["window_open"])["window_ends"].to_list() == [date(2024, 10, 25)]


def test_the_report_table_keeps_ten_missed_tickets_per_window_state(run):
    closed = [ticket(f"c{d:02d}", f"2024-07-{d:02d} 08:00", category="privacy", account=f"A{d}") for d in range(1, 13)]
    still_open = [ticket(f"o{d}", f"2024-09-{d:02d} 08:00", category="privacy", account=f"B{d}") for d in range(18, 30)]
    r = run(closed + still_open, [])
    assert r.summary["missed_rights_requests"] == 12
    assert r.summary["missed_rights_requests_window_open"] == 12
    t = r.tables["support_missed_rights_requests"]
    shown_closed = t.filter(~t["window_open"])["created_on"].to_list()
    assert shown_closed == [date(2024, 7, d) for d in range(1, 11)]  # the oldest ten
    assert t.filter(t["window_open"]).height == 10
    assert r.detail["missed_rights_requests"].height == 24


def test_missed_request_window_from_the_policy(run):
    from dataclasses import replace

    tickets = [ticket("t", "2024-07-02 08:00", category="privacy", account="A")]
    requests = [request("r", "A", "2024-07-12 08:00")]  # 10 days later
    assert run(tickets, requests).summary["missed_rights_requests"] == 0
    assert run(tickets, requests, policy=replace(POLICY, missed_request_window_days=9)).summary[
        "missed_rights_requests"
    ] == 1


def test_no_raw_ids_in_tables(run):
    r = run(
        [ticket("TICKET-SECRET", "2024-07-02 08:00", category="privacy", account="ACCOUNT-SECRET")],
    )
    for name, frame in r.tables.items():
        assert name.startswith("support_")
        text = frame.write_csv()
        assert "SECRET" not in text, name
    assert r.tables["support_missed_rights_requests"].height == 1


def published_text(result) -> str:
    """Everything a run would write for the family: its summary block as JSON and each table as CSV."""
    import json

    return json.dumps(result.summary, default=str) + "".join(f.write_csv() for f in result.tables.values())


def test_undeclared_categories_count_under_other_with_their_number_of_distinct_values(run):
    # docs/contract.md "Only declared values" and reading 17: the policy declares billing, bug,
    # how_to, account and privacy; ` Billing ` and `Billing` are billing; the rest is 'other'
    r = run(
        [
            ticket("t1", "2024-07-02 08:00", category="billing"),
            ticket("t2", "2024-07-02 08:00", category=" Billing "),
            ticket("t3", "2024-07-02 08:00", category="Billing"),
            ticket("t4", "2024-07-02 08:00", category="Feature Request"),
            ticket("t5", "2024-07-02 08:00", category=" feature request"),  # the same value, trimmed and lower-cased
            ticket("t6", "2024-07-02 08:00", category="jan.peeters complaint"),
            ticket("t7", "2024-07-02 08:00", category="Other"),  # 'other' is no category either: a third value
            ticket("t8", "2024-07-02 08:00", category="Privacy"),
        ]
    )
    s = r.summary
    # declared first by tickets, 'other' last whatever its count
    assert list(s["by_category"].items()) == [("billing", 3), ("privacy", 1), ("other", 4)]
    assert s["category_other_distinct"] == 3  # feature request, jan.peeters complaint, other
    assert s["tickets"] == 8 and s["privacy_tickets"] == 1 and s["privacy_share"] == pytest.approx(1 / 8)
    rows = r.tables["support_by_category"].to_dicts()
    assert [x["category"] for x in rows] == ["billing", "privacy", "other"]
    assert [x["other_values"] for x in rows] == [None, None, 3]
    assert rows[2]["share"] == pytest.approx(0.5) and not rows[2]["is_privacy"]
    text = published_text(r)
    for raw in ("Feature", "feature", "jan.peeters", "peeters", "complaint", "Billing", "Privacy"):
        assert raw not in text, raw


def test_without_undeclared_categories_other_is_absent_and_its_count_zero(run):
    r = run(
        [
            ticket("t1", "2024-07-02 08:00", category="how_to"),
            ticket("t2", "2024-07-02 08:00", category="ACCOUNT"),
            # an older ticket still open: in the backlog, not in the quarter's categories
            ticket("old", "2024-05-02 08:00", category="jan.peeters complaint"),
        ]
    )
    assert r.summary["by_category"] == {"account": 1, "how_to": 1}
    assert r.summary["category_other_distinct"] == 0 and r.summary["backlog"] == 3
    assert r.tables["support_by_category"]["other_values"].null_count() == 2
    assert "peeters" not in published_text(r)


def test_the_declared_categories_come_from_the_policy(run):
    from dataclasses import replace

    # a policy declaring only billing: bug is 'other'; the privacy category is always declared
    narrow = replace(POLICY, support_categories=("billing", "privacy"))
    r = run(
        [
            ticket("t1", "2024-07-02 08:00", category="billing"),
            ticket("t2", "2024-07-02 08:00", category="bug"),
            ticket("t3", "2024-07-02 08:00", category="privacy"),
        ],
        policy=narrow,
    )
    assert r.summary["by_category"] == {"billing": 1, "privacy": 1, "other": 1}
    assert r.summary["category_other_distinct"] == 1 and r.summary["privacy_tickets"] == 1


def test_the_response_standard_counts_working_days_after_receipt_and_waits_until_it_passes(run):
    """"Inquiries answered" (docs/report.md, "Findings"): 5 working days after the day of receipt,
    Belgian public holidays and weekends not counted, measured at as_of (2024-09-30, a Monday)."""
    s = run([
        ticket("last-day", "2024-09-30 10:00"),                      # due 7 Oct: awaiting, within the standard
        ticket("due-on-as-of", "2024-09-23 10:00"),                  # due 30 Sep = as_of: not yet missed
        ticket("past", "2024-09-20 10:00"),                          # due 27 Sep: unanswered past the standard
        ticket("saturday", "2024-09-21 10:00"),                      # received on a Saturday: due 27 Sep, past
        ticket("holiday-in-time", "2024-08-09 10:00", first="2024-08-19 08:00"),  # 15 Aug does not count
        ticket("holiday-late", "2024-08-09 10:00", first="2024-08-20 08:00"),     # one working day late
        ticket("same-day", "2024-07-02 10:00", first="2024-07-02 11:00"),
    ]).summary
    assert s["response_working_days"] == 5
    assert (s["answered_late"], s["unanswered_past_standard"], s["awaiting_within_standard"]) == (1, 2, 2)
    assert s["past_response_standard"] == 3
    assert s["no_first_response"] == 4  # the contract's figure is unchanged: unanswered at as_of, due or not


def test_an_inquiry_received_on_the_last_day_still_unanswered_is_no_failure(run):
    s = run([ticket("t1", "2024-09-30 21:30")]).summary  # 23:30 in Brussels, the quarter's last day
    assert (s["awaiting_within_standard"], s["past_response_standard"]) == (1, 0)


def test_the_response_standard_comes_from_the_policy(run):
    tickets = [ticket("t1", "2024-09-26 10:00")]  # Thursday: 1 working day -> Fri 27 Sep, 2 -> Mon 30 Sep
    one, two = (POLICY.with_period("inquiries_answered", p) for p in ("1 working day", "2 working days"))
    assert run(tickets, policy=one).summary["past_response_standard"] == 1
    assert run(tickets, policy=two).summary["past_response_standard"] == 0


# --- reading 24: an inquiry is answered by its first response or, failing that, its resolution ---------------
# Q3 2024, as_of Monday 30 September; 5 working days after the day of receipt. 08:00 UTC is 10:00 in Brussels
# (same local day). Received Wednesday 3 July: due Wednesday 10 July. Received Friday 20 September: due Friday
# 27 September. Received Monday 23 September: due Monday 30 September (= as_of).
STANDARD_COUNTS = ("answered_late", "unanswered_past_standard", "awaiting_within_standard", "past_response_standard")


def evaluated(con, period=Q3, policy=POLICY) -> dict[str, dict]:
    """``support_evaluated`` for ``period``, by ticket id (support.compute ends on the previous quarter's)."""
    from pipelines.db import query_all
    from pipelines.metrics.params import sql_params

    support.install_response_calendar(con, period, policy)
    query_all(con, ["support_summary"], **sql_params(con, period, policy))
    return {r["ticket_id"]: r for r in con.sql("SELECT * FROM support_evaluated").pl().to_dicts()}


@pytest.fixture
def standard(make_db):
    """The summary and the evaluated rows of ``tickets`` in Q3."""

    def _standard(tickets):
        con = make_db({"support_tickets": list(tickets), "rights_requests": []})
        return support.compute(con, Q3, POLICY).summary, evaluated(con)

    return _standard


def counts(summary) -> tuple:
    return tuple(summary[k] for k in STANDARD_COUNTS)


def test_an_inquiry_resolved_within_the_standard_without_first_response_is_answered_in_time(standard):
    # the auditor's TE08: received 3 July, resolved 5 July, no first response; before reading 24 it counted as
    # unanswered past the standard (due 10 July < as_of)
    s, rows = standard([ticket("TE08", "2024-07-03 08:00", resolved="2024-07-05 12:00")])
    assert counts(s) == (0, 0, 0, 0)
    assert (rows["TE08"]["response_status"], rows["TE08"]["answered_on"]) == ("answered_in_time", date(2024, 7, 5))
    assert rows["TE08"]["response_due"] == date(2024, 7, 10)
    # the contract's figure and the duration statistics are unchanged: no first response, nothing timed
    assert (s["no_first_response"], s["first_response_timed"], s["resolution_timed"]) == (1, 0, 1)


def test_an_inquiry_resolved_after_the_standard_without_first_response_is_answered_late(standard):
    s, rows = standard([ticket("t1", "2024-07-03 08:00", resolved="2024-07-12 08:00")])  # due 10 July
    assert counts(s) == (1, 0, 0, 1)
    assert (rows["t1"]["response_status"], rows["t1"]["answered_on"]) == ("answered_late", date(2024, 7, 12))


def test_a_first_response_before_creation_leaves_the_resolution_to_answer(standard):
    # reading 15: the first response is not valid, so the resolution answers (reading 24); without one the
    # inquiry is unanswered. Before reading 24 all three counted as answered in time by that first response.
    s, rows = standard([
        ticket("in-time", "2024-07-03 08:00", first="2024-07-02 08:00", resolved="2024-07-04 08:00"),
        ticket("late", "2024-07-03 08:00", first="2024-07-02 08:00", resolved="2024-07-15 08:00"),
        ticket("none", "2024-07-03 08:00", first="2024-07-02 08:00"),
    ])
    assert {k: (r["response_status"], r["answered_on"]) for k, r in rows.items()} == {
        "in-time": ("answered_in_time", date(2024, 7, 4)),
        "late": ("answered_late", date(2024, 7, 15)),
        "none": ("unanswered_past_standard", None),
    }
    assert counts(s) == (1, 1, 0, 2)
    assert s["excluded_impossible_first_response"] == 3 and s["first_response_timed"] == 0


def test_a_ticket_resolved_before_it_was_created_is_out_of_the_response_standard(standard):
    # readings 4 and 24: in none of the standard's counts, whatever its first response. Before reading 24 the
    # first counted as unanswered past the standard, the second as answered late.
    s, rows = standard([
        ticket("TE07", "2024-07-03 08:00", resolved="2024-07-02 08:00"),
        ticket("late-reply", "2024-07-03 08:00", first="2024-07-20 08:00", resolved="2024-07-01 08:00"),
    ])
    assert counts(s) == (0, 0, 0, 0)
    assert {r["response_status"] for r in rows.values()} == {"excluded_impossible_order"}
    assert {r["answered_on"] for r in rows.values()} == {None}
    assert (s["tickets"], s["excluded_impossible_resolution"], s["backlog"]) == (2, 2, 0)


def test_an_inquiry_with_neither_is_unanswered_past_the_standard_only_once_its_due_day_is_before_as_of(standard):
    s, rows = standard([
        ticket("past", "2024-09-20 08:00"),          # due 27 September < as_of
        ticket("due-on-as-of", "2024-09-23 08:00"),  # due 30 September = as_of: not yet missed
    ])
    assert rows["past"]["response_status"] == "unanswered_past_standard"
    assert (rows["due-on-as-of"]["response_due"], rows["due-on-as-of"]["response_status"]) == (
        date(2024, 9, 30), "awaiting_within_standard")
    assert counts(s) == (0, 1, 1, 1)


def test_an_answer_after_as_of_has_not_happened_so_the_resolution_answers(standard):
    # reading 8: a first response dated (locally) after as_of has not happened; the resolution before it answers
    s, rows = standard([ticket("t1", "2024-09-20 08:00", first="2024-10-02 08:00", resolved="2024-09-26 08:00")])
    assert (rows["t1"]["response_status"], rows["t1"]["answered_on"]) == ("answered_in_time", date(2024, 9, 26))
    assert counts(s) == (0, 0, 0, 0) and s["no_first_response"] == 1


def test_a_valid_first_response_answers_even_when_the_resolution_came_first(standard):
    # reading 24 as written: the answer time is the first response when valid, the resolution only failing it
    s, rows = standard([ticket("t1", "2024-07-03 08:00", first="2024-07-12 08:00", resolved="2024-07-05 08:00")])
    assert (rows["t1"]["response_status"], rows["t1"]["answered_on"]) == ("answered_late", date(2024, 7, 12))
    assert counts(s) == (1, 0, 0, 1)
