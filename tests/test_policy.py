"""The policy file: the shipped one states every rule, and a broken one is refused with a clear message."""

import copy
import tomllib
from datetime import date

import pytest

from pipelines.errors import BadInput
from pipelines.policy import ANCHORS, default_policy_path, load_policy, parse_policy

RAW = tomllib.loads(default_policy_path().read_text(encoding="utf-8"))


def test_shipped_policy_states_every_category_with_clause_texts_in_both_languages():
    policy = load_policy()
    assert set(policy.retention) == set(ANCHORS)
    assert policy.rule("analytics").period_months == 24
    assert policy.rule("payments").period_months == 120
    assert policy.rule("residual").grace_days == 30
    # logs and support: the account's erasure deadline; a ticket without an account 12 months after its resolution
    assert (policy.rule("logs").anchor, policy.rule("logs").period_months) == ("account_erasure_deadline", 0)
    support = policy.rule("support")
    assert (support.anchor, support.period_months) == ("account_erasure_deadline", 0)
    assert (support.anchor_without_account, support.period_months_without_account) == ("resolution_or_creation", 12)
    assert policy.rule("account").exempt_legal_hold
    assert policy.zone == "Europe/Brussels" and policy.clock_start == "received"
    for rule in policy.retention.values():
        assert rule.clause.ref.startswith("§") and rule.clause.text("en") and rule.clause.text("nl")
        assert rule.clause.text("en") != rule.clause.text("nl")


def broken(mutate):
    raw = copy.deepcopy(RAW)
    mutate(raw)
    return raw


@pytest.mark.parametrize(
    "mutate, message",
    [
        (lambda r: r["retention"].pop(), "no \\[\\[retention\\]\\] rule for categories: payments"),
        (lambda r: r["retention"][0].update(period_months="twelve"), "period_months must be a whole number"),
        (lambda r: r["retention"][0].update(period_months=-12), "period_months must be a whole number >= 0, not -12"),
        (lambda r: r["rights"].update(deadline_months=-1), "\\[rights\\] deadline_months must be a whole number >= 0"),
        (lambda r: r["inactivity"].update(due_soon_days=True), "due_soon_days must be a whole number"),
        (lambda r: r["retention"][3].update(anchor="last_visit"), "anchor must be 'last_communication'"),
        (lambda r: r["retention"][0].update(category="cookies"), "unknown category 'cookies'"),
        (lambda r: r["rights"].update(clock_start="whenever"), "clock_start must be one of"),
        (lambda r: r["policy"].update(zone="Mars/Olympus"), "unknown time zone"),
        (lambda r: r.pop("support"), "missing section \\[support\\]"),
        # one source per rule: the inactivity period is the account rule's period
        (lambda r: r["inactivity"].update(period_months=12), "\\[inactivity\\] period_months is not read"),
        # each rule's period, anchor and basis read whole in the file (docs/design.md, "Where each rule lives")
        # (logs without a period is the earlier form, read as 0: test_a_policy_file_in_the_earlier_form_...)
        (lambda r: r["retention"][2].pop("period_months"), "retention\\[2\\].*period_months"),
        (lambda r: r["retention"][1].update(anchor="last_activity"), "anchor must be 'account_erasure_deadline'"),
        (lambda r: r["retention"][2].update(anchor_without_account="creation"),
         "anchor_without_account must be 'resolution_or_creation'"),
        (lambda r: r["retention"][2].pop("period_months_without_account"), "period_months_without_account"),
        (lambda r: r["retention"][3].update(period_months_without_account=6),
         "period_months_without_account is not read"),
        (lambda r: r["retention"][5].update(period_months=1), "\\(residual\\): period_months is not read"),
        (lambda r: r["retention"][0].update(grace_days=1), "\\(account\\): grace_days is not read"),
    ],
)
def test_broken_policy_is_refused_with_the_key(mutate, message):
    with pytest.raises(BadInput, match=message):
        parse_policy(broken(mutate), source="p.toml")


def test_another_policy_file_changes_the_figures(tmp_path, make_db):
    from pipelines.dates import Quarter
    from pipelines.metrics import Period, retention

    text = default_policy_path().read_text(encoding="utf-8").replace(
        'anchor = "last_visit"\nperiod_months = 24', 'anchor = "last_visit"\nperiod_months = 12'
    )
    assert "period_months = 12" in text
    (tmp_path / "short.toml").write_text(text, encoding="utf-8")
    con = make_db({"web_visits": [{"visit_id": "v", "visitor_id": "x", "visited_at": "2023-01-01 10:00"}]})
    period = Period.of(Quarter.parse("2024Q3"))
    assert retention.compute(con, period, load_policy()).summary["breaches"]["analytics"] == 0
    assert retention.compute(con, period, load_policy(tmp_path / "short.toml")).summary["breaches"]["analytics"] == 1


def test_missing_policy_file_is_bad_input(tmp_path):
    with pytest.raises(BadInput, match="policy file not found"):
        load_policy(tmp_path / "nope.toml")


def test_the_account_rule_period_sets_the_erasure_deadline(make_db):
    from pipelines.dates import Quarter
    from pipelines.db import query
    from pipelines.metrics import Period
    from pipelines.metrics.params import sql_params

    six = parse_policy(broken(lambda r: r["retention"][0].update(period_months=6)))
    assert six.inactivity_months == 6 and load_policy().inactivity_months == 12
    con = make_db({"accounts": [{"account_id": "a", "created_at": "2024-01-31 10:00", "plan": "free", "status": "active"}]})
    deadline = query(con, "account_deadlines", **sql_params(con, Period.of(Quarter.parse("2024Q3")), six))
    assert deadline["erasure_deadline"].to_list() == [date(2024, 7, 31)]


def test_the_shipped_policy_names_itself_in_dutch_and_a_blank_dutch_name_is_refused():
    from pipelines.errors import BadInput
    from pipelines.errors import read_toml
    from pipelines.policy import parse_policy

    assert load_policy().name_nl == "Privacybeleid van Connexeon BV"
    raw = read_toml(default_policy_path(), "policy file")
    raw["policy"]["name_nl"] = "  "
    with pytest.raises(BadInput, match="name_nl"):
        parse_policy(raw, source="p.toml")
    del raw["policy"]["name_nl"]
    assert parse_policy(raw, source="p.toml").name_nl is None


def test_the_declared_support_categories_are_read_trimmed_and_lower_cased():
    # docs/contract.md, "Only declared values": the shipped file declares the contract's examples
    assert load_policy().support_categories == ("billing", "bug", "how_to", "account", "privacy")
    raw = broken(lambda r: r["support"].update(categories=[" Billing", "BUG "]))
    policy = parse_policy(raw, source="p.toml")
    # the privacy category is always declared: added when the list lacks it
    assert policy.support_categories == ("billing", "bug", "privacy")
    assert policy.declared_categories == ("billing", "bug", "privacy")


def test_without_the_key_only_the_privacy_category_is_declared():
    policy = parse_policy(broken(lambda r: r["support"].pop("categories")), source="p.toml")
    assert policy.support_categories == ("privacy",)
    raw = broken(lambda r: (r["support"].pop("categories"), r["support"].update(privacy_category=" GDPR ")))
    assert parse_policy(raw, source="p.toml").declared_categories == ("gdpr",)


def test_a_policy_built_without_categories_still_declares_its_privacy_category():
    from dataclasses import replace

    policy = replace(load_policy(), support_categories=(), privacy_category="Privacy")
    assert policy.declared_categories == ("privacy",)


@pytest.mark.parametrize(
    "categories, message",
    [
        ("billing", "must be a list of category names"),
        (["billing", ""], "must hold non-empty strings, not ''"),
        (["billing", "  "], "must hold non-empty strings"),
        (["billing", 3], "must hold non-empty strings, not 3"),
        (["billing", " Billing "], "' Billing ' is stated twice"),
        (["billing", "Other"], "'other' is not a category"),
    ],
)
def test_a_broken_category_list_is_refused_with_the_key(categories, message):
    with pytest.raises(BadInput, match=r"\[support\] categories"):
        parse_policy(broken(lambda r: r["support"].update(categories=categories)), source="p.toml")
    with pytest.raises(BadInput, match=message):
        parse_policy(broken(lambda r: r["support"].update(categories=categories)), source="p.toml")


def test_the_privacy_category_cannot_be_the_other_bucket():
    with pytest.raises(BadInput, match="privacy_category must not be 'other'"):
        parse_policy(broken(lambda r: r["support"].update(privacy_category=" OTHER")), source="p.toml")


def test_the_controllers_contact_addresses_are_read_and_optional():
    # docs/operations.md, "Privacy scan": the only e-mail addresses a published file may quote
    assert load_policy().controller_contacts == ("privacy@onetagger.com",)
    raw = broken(lambda r: r["policy"].update(controller_contacts=[" privacy@onetagger.com ", "dpo@exämple.be"]))
    assert parse_policy(raw, source="p.toml").controller_contacts == ("privacy@onetagger.com", "dpo@exämple.be")
    without = parse_policy(broken(lambda r: r["policy"].pop("controller_contacts")), source="p.toml")
    assert without.controller_contacts == ()


def test_a_policy_built_without_contacts_has_none():
    from dataclasses import fields

    from pipelines.policy import Policy

    assert next(f for f in fields(Policy) if f.name == "controller_contacts").default == ()


@pytest.mark.parametrize(
    "contacts, message",
    [
        ("privacy@onetagger.com", "must be a list of e-mail addresses"),
        ([""], "must hold e-mail addresses"),
        (["privacy"], "must hold e-mail addresses"),
        (["privacy@localhost"], "must hold e-mail addresses"),
        (["privacy @onetagger.com"], "must hold e-mail addresses"),
        (["a@b@onetagger.com"], "must hold e-mail addresses"),
        ([42], "must hold e-mail addresses"),
    ],
)
def test_contacts_that_are_not_e_mail_addresses_are_refused(contacts, message):
    with pytest.raises(BadInput, match=rf"p.toml: \[policy\] controller_contacts {message}"):
        parse_policy(broken(lambda r: r["policy"].update(controller_contacts=contacts)), source="p.toml")


def test_each_rule_states_its_basis_and_law_or_standard_names_its_source(tmp_path):
    from pipelines.policy import INTERNAL_STANDARD, LAW, POLICY

    policy = load_policy()
    assert policy.rule("logs").basis.kind == POLICY
    assert policy.rule("residual").basis.kind == INTERNAL_STANDARD
    assert policy.rule("payments").basis.kind == LAW and "art. 315" in policy.rule("payments").basis.source("en")
    assert policy.rights_basis.kind == LAW and "12" in policy.rights_basis.source("nl")
    assert (policy.response_working_days, policy.response_basis.kind) == (5, INTERNAL_STANDARD)
    assert policy.consent_clause.ref == "§1.6"
    text = default_policy_path().read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('basis = "law"                     #', 'basis = "custom" #', 1), encoding="utf-8")
    with pytest.raises(BadInput, match="basis must be one of"):
        load_policy(bad)
    bad.write_text(text.replace('response_basis = "internal standard"\nresponse_source_en', 'response_basis = "law"\nx_en', 1),
                   encoding="utf-8")
    with pytest.raises(BadInput, match="response_basis 'law' needs response_source_en"):
        load_policy(bad)


def test_a_policy_file_in_the_earlier_form_keeps_its_meaning(tmp_path):
    """Earlier policy files gave ``logs`` no period and ``support`` the period of tickets without an account as its
    ``period_months`` (pipelines/policy.py, ``current_form``): read today, the same rules, not a refusal."""
    text = default_policy_path().read_text(encoding="utf-8")
    logs_today = 'anchor = "account_erasure_deadline"\nperiod_months = 0\nbasis = "policy"\ntext_en = "Collection'
    support_today = ('period_months = 0\nanchor_without_account = "resolution_or_creation"\n'
                     'period_months_without_account = 12\n')
    assert logs_today in text and support_today in text
    earlier = text.replace(logs_today, 'anchor = "account_erasure_deadline"\nbasis = "policy"\ntext_en = "Collection')
    earlier = earlier.replace(support_today, "period_months = 12\n")
    path = tmp_path / "earlier.toml"
    path.write_text(earlier, encoding="utf-8")
    assert load_policy(path).retention == load_policy(None).retention
    assert load_policy(path).retention["support"].period_months_without_account == 12
    # a rule half in each form is refused, not guessed
    half = earlier.replace("period_months = 12\n", "period_months = 12\nperiod_months_without_account = 12\n", 1)
    path.write_text(half, encoding="utf-8")
    with pytest.raises(BadInput):
        load_policy(path)
