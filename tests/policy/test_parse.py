"""The policy file: the shipped one states one rule per promise; anything not understood is refused with its line."""

from __future__ import annotations

import re

import pytest

from pipelines.errors import BadInput
from pipelines.policy import load_policy
from pipelines.policy import model as m
from tests.policy.helpers import TEXT, english_only, line_of, replaced, write_policy

POLICY = load_policy()


def test_the_shipped_policy_keeps_the_summary_keys_and_states_each_basis():
    # the retention figures are the contract's summary keys (docs/contract.md §4)
    assert POLICY.figures == ("account", "logs", "support", "marketing", "analytics", "residual", "payments")
    bases = {r.id: r.basis.kind for r in POLICY.rules}
    # the policy's own promises; readings the policy does not state are internal standards (contract readings 20-24)
    assert [r for r, b in bases.items() if b == m.POLICY] == [
        "account_erasure", "support_data_retention", "marketing_retention", "analytics_retention",
        "payments_retention", "withdrawn_consent"]
    assert [r for r, b in bases.items() if b == m.LAW] == ["rights_on_time"]
    assert set(r for r, b in bases.items() if b == m.INTERNAL_STANDARD) == {
        "logs_retention", "support_without_account_retention", "erased_account_leftovers", "inquiries_answered",
        "consent_withdrawal"}
    for rule in POLICY.rules:
        assert rule.clause.startswith("§") and rule.title.get("en") and rule.title.get("nl")
        assert rule.quote.get("en") != rule.quote.get("nl")
        if rule.basis.kind != m.POLICY:
            assert rule.basis.source("en") and rule.basis.source("nl")


def test_the_shipped_rules_state_the_contracts_periods():
    assert POLICY.inactivity_months == 12 and POLICY.due_soon_days == 30
    assert str(POLICY.rule("analytics_retention").period) == "24 months"
    assert str(POLICY.rule("erased_account_leftovers").period) == "30 days"
    payments = POLICY.rule("payments_retention")
    # reading 22: the later of the account's deadline and 1 January after payment + 10 years
    assert payments.combine == m.LATEST_OF
    assert [(d.anchor.kind, d.starts, str(d.period)) for d in payments.deadlines] == [
        ("rule", "anchor", "none"), ("row", "next_year", "10 years")]
    # reading 20: an erased account's leftover yields to the row's own rule
    assert POLICY.rule("erased_account_leftovers").yields_to == (
        "logs_retention", "support_data_retention", "marketing_retention", "analytics_retention")
    # reading 21: legal hold exempts every retention rule
    assert all(m.LEGAL_HOLD in r.exempt for r in POLICY.retention_rules)
    # reading 23: consent withdrawal has its own standard, the Art. 12(3) rule leaves it out
    assert POLICY.consent_withdrawal_working_days == 2
    assert "consent_withdrawal" not in POLICY.rights_rule.rights
    assert (POLICY.deadline_months, POLICY.extended_deadline_months, POLICY.clock_start) == (1, 3, "received")
    assert POLICY.response_working_days == 5


def refused(tmp_path, text: str) -> str:
    with pytest.raises(BadInput) as caught:
        load_policy(write_policy(tmp_path, text))
    message = str(caught.value)
    assert "\n" not in message  # one line
    return message


LOGS = 'action = "clear"\nclear = ["ip_address", "device_id"]'


@pytest.mark.parametrize(
    "old, new, said, key",
    [
        # keys the earlier form read or nobody reads: refused, never silently ignored
        ('period = "12 months"\nexempt', 'period = "12 months"\nunit = "months"\nexempt', "unknown key 'unit'", "unit"),
        ('period = "12 months"\nexempt', 'period = "12 months"\ndeadline_days = 45\nexempt',
         "unknown key 'deadline_days'", "deadline_days"),
        ('period = "12 months"\nexempt', 'period = "12 months"\nholidays = "BE"\nexempt', "unknown key 'holidays'",
         "holidays"),
        ('anchor = "account_last_activity"', 'anchor = "last_visit"', "anchor must be one of", "anchor"),
        ('period = "24 months"', 'period = "24 fortnights"', "period '24 fortnights' is not understood", "period"),
        ('action = "delete"\nanchor = "row"', 'action = "shred"\nanchor = "row"', "action must be one of", "action"),
        ('table = "web_visits"', 'table = "page_views"', "unknown table 'page_views'", "table"),
        # a table the rule's columns are not in (the logs rule pointed at accounts)
        ('table = "sessions"\nscope', 'table = "accounts"\nscope', "'ip_address' is not an optional column of accounts",
         "clear"),
        (LOGS, 'action = "clear"\nclear = ["email"]', "'email' is not an optional column of sessions", "clear"),
        ('scope = { account = "known" }', 'scope = { account = "active" }', "scope: account must be one of",
         "account"),
        ('scope = { account = "known" }', 'scope = { account = "known", colour = ["red"] }',
         "scope: unknown key 'colour'; known: account, account_id, contact_id", "colour"),
        # a scope's value is a list of values, not one text
        ('scope = { account = "known" }', 'scope = { account = "known", account_id = "M1" }',
         "scope: account_id must be a list of non-empty strings", "account_id"),
        ('rule = "account_erasure"      # the account', 'rule = "accounts"      # the account',
         "rule: 'accounts' is not another retention rule", "rule"),
        ('exempt = ["legal_hold", "register"]', 'exempt = ["legal_hold", "goodwill"]', "unknown exemption 'goodwill'",
         "exempt"),
        ('period = "30 days"', 'period = "30 working days"', "working days are for response and rights rules",
         "period"),
        ('rights = ["consent_withdrawal"]', 'rights = ["consent_withdrawal", "access"]', "has a rule of its own",
         "rights"),
        ('rights = ["access", "rectification"', 'rights = ["access", "hug", "rectification"',
         "'hug' is not a right of the export contract", "rights"),
        # a shorter list would be read and not followed: the figures judge every Art. 12(3) request together
        ('rights = ["access", "rectification", ', 'rights = ["access", ', "covers every request under Art. 15-22",
         "rights"),
        ('calendar = "BE"               # a deadline', 'calendar = "XX"               # a deadline',
         "calendar 'XX' is not a country code", "calendar"),
        ('id = "logs_retention"', 'id = "account_erasure"', "the id is stated twice", "id"),
        ('id = "logs_retention"', 'id = "Logs Retention"', "must be lower case letters", "id"),
    ],
)
def test_what_is_not_understood_is_refused_naming_the_line_and_column_of_the_key(tmp_path, old, new, said, key):
    text = replaced(old, new)
    message = refused(tmp_path, text)
    assert said in message
    found = re.match(r"^(.*policy\.toml):(\d+):(\d+): ", message)
    assert found, message
    line = int(found.group(2))
    # the line named is the key's own line, within the rule the change was made in
    assert re.search(rf"(^|[\s{{,]){re.escape(key)}\s*=", text.splitlines()[line - 1]), (line, message)
    assert line >= line_of(text, new.split("\n")[0]) - 25


def test_a_quote_not_found_verbatim_is_refused_naming_the_rule_and_language(tmp_path):
    # a paraphrase of §3 (the earlier file's Dutch quote was one)
    text = replaced('quote_nl = "U kunt de GDPR-rechten uitoefenen met betrekking tot uw persoonsgegevens."',
                    'quote_nl = "U kunt uw GDPR-rechten uitoefenen."')
    message = refused(tmp_path, text)
    assert "'rights_on_time': quote_nl is not found verbatim" in message
    line = line_of(text, 'quote_nl = "U kunt uw GDPR')
    assert f":{line}:" in message
    # a changed capital is a different text
    message = refused(tmp_path, replaced('quote_en = "collection of log files', 'quote_en = "Collection of log files'))
    assert "'logs_retention': quote_en is not found verbatim" in message


def test_whitespace_in_a_quote_is_forgiven(tmp_path):
    text = replaced("We store marketing data for 12 months since", "We  store marketing data\\nfor 12 months   since")
    assert load_policy(write_policy(tmp_path, text)).rule("marketing_retention").quote.get("en").startswith(
        "We store marketing data for 12 months since")


def test_every_language_needs_its_quote_title_and_document(tmp_path):
    assert "missing the key 'quote_nl'" in refused(
        tmp_path, re.sub(r'^quote_nl = "Wij bewaren marketing.*\n', "", TEXT, count=1, flags=re.M))
    message = refused(tmp_path, replaced('quote_en = "We store marketing', 'quote_de = "Wir"\nquote_en = "We store marketing'))
    assert "unknown key 'quote_de'" in message and "the policy's languages are en, nl" in message
    assert "beleid.txt: policy text not found" in refused(tmp_path, replaced('nl = "privacy-policy-2024-06-17.nl.txt"',
                                                                          'nl = "beleid.txt"'))


def test_an_english_only_policy_needs_no_dutch(tmp_path):
    policy = load_policy(write_policy(tmp_path, english_only()))
    assert policy.languages == ("en",) and set(policy.documents) == {"en"}


def test_the_earlier_form_is_refused_with_where_to_read(tmp_path):
    message = refused(tmp_path, TEXT + '\n[[retention]]\ncategory = "logs"\n')
    assert "unknown section [retention]" in message and "docs/policy-file.md" in message


def test_a_promise_no_export_can_test_is_stated_as_not_auditable(tmp_path):
    text = TEXT + '''
[[rule]]
id = "backups"
clause = "§4"
title_en = "Backups purged"
title_nl = "Back-ups gewist"
quote_en = "We will take all necessary measures to protect your information"
quote_nl = "Wij nemen alle nodige maatregelen"
basis = "policy"
auditable = false
reason_en = "backups are not exported"
reason_nl = "back-ups worden niet geëxporteerd"
'''
    policy = load_policy(write_policy(tmp_path, text))
    rule = policy.rule("backups")
    assert not rule.assessable and rule.not_auditable_reason.get("en") == "backups are not exported"
    # a rule marked not auditable must say why
    assert "missing the key 'reason_nl'" in refused(tmp_path, text.replace('reason_nl = "back-ups worden niet geëxporteerd"\n', ""))


def test_an_unstated_period_is_not_assessable(tmp_path):
    policy = load_policy(write_policy(tmp_path, replaced('period = "24 months"', 'period = "unstated"')))
    assert not policy.rule("analytics_retention").assessable
    assert "analytics_retention" not in [r.id for r in policy.retention_rules]


def test_the_inactivity_rule_must_be_an_account_rule(tmp_path):
    message = refused(tmp_path, replaced('rule = "account_erasure"      # the rule whose',
                                         'rule = "marketing_retention"      # the rule whose'))
    assert "[inactivity]" in message and "account_last_activity" in message


def test_categories_and_contacts_are_read_trimmed_and_checked(tmp_path):
    assert POLICY.declared_categories == ("billing", "bug", "how_to", "account", "privacy")
    assert POLICY.controller_contacts == ("privacy@onetagger.com",)
    assert "'Billing ' is stated twice" in refused(tmp_path, replaced('categories = ["billing",',
                                                                       'categories = ["billing", "Billing ",'))
    assert "'other' is not a category" in refused(tmp_path, replaced('categories = ["billing",',
                                                                      'categories = ["other",'))
    assert "must hold e-mail addresses" in refused(tmp_path, replaced('["privacy@onetagger.com"]', '["privacy"]'))


def test_the_period_is_read_in_its_units():
    assert m.Period.parse("1 month") == m.Period(1, "months")
    assert m.Period.parse(" 10 Years ") == m.Period(10, "years") and m.Period(10, "years").months == 120
    assert m.Period.parse("5 working days") == m.Period(5, "working days")
    assert m.Period.parse("1 working day") == m.Period(1, "working days")
    assert m.Period.parse("none") == m.Period(0, "none") and not m.Period.parse("unstated").stated
    assert m.Period.parse("12") is None and m.Period.parse("-1 days") is None and m.Period.parse("a year") is None


def test_a_key_inside_parts_or_deadlines_is_named_on_its_own_line(tmp_path):
    text = replaced('{ table = "web_visits", action = "delete" },', '{ table = "web_visits", action = "burn" },')
    message = refused(tmp_path, text)
    assert "parts[3]: action must be one of" in message
    assert message.split(":")[1] == str(line_of(text, 'action = "burn"'))
    text = replaced('{ anchor = "rule", rule = "account_erasure", period = "none" },',
                    '{ anchor = "rule", rule = "account_erasure", period = "forever" },')
    message = refused(tmp_path, text)
    assert "deadlines[0]" in message and "period 'forever' is not understood" in message
    assert message.split(":")[1] == str(line_of(text, 'period = "forever"'))


#: the policy's own contact paragraph (§3), quoted by the rights rule
CONTACT_QUOTE = ('quote_en = "You can formulate such requests or channel further questions on data protection by '
                 'contacting us at privacy@onetagger.com."')
QUOTING = replaced('quote_en = "You may exercise the GDPR rights regarding your personal data."', CONTACT_QUOTE)


def test_an_address_the_file_writes_must_be_a_controller_contact_and_the_message_says_the_fix(tmp_path):
    """A run publishes the quotes and a copy of the file, and the scan lets only controller_contacts through: an
    address the file writes that is not one of them is refused where the file is read, naming its line."""
    assert load_policy(write_policy(tmp_path, QUOTING)).controller_contacts == ("privacy@onetagger.com",)
    undeclared = replaced('controller_contacts = ["privacy@onetagger.com"]\n', "", QUOTING)
    message = refused(tmp_path, undeclared)
    assert f"policy.toml:{line_of(undeclared, CONTACT_QUOTE)}:1: quote_en holds an e-mail address that is not in " \
           "[policy] controller_contacts" in message
    assert "add it to [policy] controller_contacts" in message and "onetagger" not in message.split(": ", 1)[1]
    # in any spelling the scan finds, in a comment too, and written with TOML escapes
    for old, new, where in (
            ("# (docs/policy-file.md states every key)", "# (docs/policy-file.md states every key; jan at example dot be)",
             ":2:1: a comment holds"),
            ('version = "2024-06-17"', 'version = "2024-06-17 (jan\\u0040example.be)"', ": version holds"),
    ):
        assert where in refused(tmp_path, replaced(old, new)), new
