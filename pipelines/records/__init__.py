"""The records behind each finding, by the exports' own ids: computed once, for the worklist and the history.

docs/design.md, "The records behind the findings". ``privacy-review worklist`` writes these
rows (one CSV per finding of the policy file that an export tests: :func:`lists_of`), and every run keys the same rows into the history of remediation
(``pipelines/remediation.py``), so "carried over" and "resolved" are set differences of two
quarters' worklists by construction. Each list comes from a query in ``sql/*.sql`` that reads a
metric model by name (``retention_breach_rows``: one query for every retention rule, split by rule;
``retention_withdrawn_consent_rows``, ``support_evaluated``,
``rights_evaluated``, ``exceptions_evaluated``), so a rule is written once and a list's
row count is its figure in ``summary.json``, the finding's ``open_now`` (:func:`mismatches` says where it is
not).

:func:`compute` computes the families the lists read (``retention``, ``exceptions``,
``support``, ``rights``: the same code as ``run``), or takes the run's, whose models are this quarter's:
``retention_breach_rows`` names each row's own id for every figure (the records read it as built; building it
once more with the ids, as earlier versions did, cost more than the ids: docs/design.md, "Compute once").
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from pipelines import db as dbmod
from pipelines.errors import PipelineFailure
from pipelines.findings import (
    CHECK_WORKLISTS,
    CONSENT_WITHDRAWALS_WORKLIST,
    list_key,
    worklist_name,
)
from pipelines.metrics import Period, exceptions, retention, rights, support
from pipelines.metrics.params import sql_params
from pipelines.policy import Policy, Rule
from pipelines.policy import model as policy_model

SQL_PACKAGE = "pipelines.records"
#: the metric models the lists read; each must exist once the families computed
MODELS = (
    "retention_breach_rows", "retention_past_deadline_rows", "retention_withdrawn_consent_rows",
    "support_evaluated", "rights_evaluated", "exceptions_evaluated",
)
#: the families whose models the lists read, by their summary.json block
FAMILIES_READ = {"retention": retention, "exceptions": exceptions, "support": support, "rights": rights}
#: a list that needs the register of exceptions: not written without one
REGISTER = "register of exceptions"


@dataclass(frozen=True)
class RecordList:
    """One list of records: its file, query, the summary.json figure its row count equals, the table it needs,
    and how a row is keyed in the history of remediation (docs/report.md, "Remediation")."""

    name: str
    query: str
    figure: str
    needs: str | None = None
    """An optional export table (not exported: no list, the figure is null), or :data:`REGISTER`."""
    tracked: str | None = None
    """The remediation category (``summary.json``'s ``remediation.<tracked>``); None: not tracked."""
    table: str | None = None
    """The export table the ids are from; None: each row's own ``table`` column (a retention figure's list)."""
    id_column: str | None = None
    rule: str | None = None
    """A retention rule's list: the rule whose rows of the one retention query it keeps."""


#: the lists of the checks other than retention, in the report's order
CHECK_LISTS = (
    RecordList(CHECK_WORKLISTS[policy_model.NO_CONTACT_AFTER_WITHDRAWAL], "worklist_withdrawn_consent",
               "retention.withdrawn_consent_contacted", "marketing_contacts", tracked="withdrawn_consent",
               table="marketing_contacts", id_column="contact_id"),
    # inquiries are judged per quarter (those created in it): a quarter's set never carries over, so not tracked;
    # the open ones only (unanswered past the standard): those answered late are fixed (findings.fixed_late)
    RecordList(CHECK_WORKLISTS[policy_model.RESPONSE_TIME], "worklist_inquiries", "support.unanswered_past_standard"),
    RecordList(CHECK_WORKLISTS[policy_model.RIGHTS_DEADLINE], "worklist_rights_overdue", "rights.open_overdue",
               tracked="rights_overdue", table="rights_requests", id_column="request_id"),
    # reading 23: consent withdrawals open past the company's standard (not tracked)
    RecordList(CONSENT_WITHDRAWALS_WORKLIST, "worklist_consent_withdrawals",
               "rights.consent_withdrawals.open_past_standard"),
    # the register itself, row by row (docs/report.md, "Exceptions")
    RecordList("exceptions.csv", "worklist_exceptions", "exceptions.rows", REGISTER),
)
#: the register's own list (the worklist warns about its invalid rows)
EXCEPTIONS_LIST = "exceptions.csv"
#: the one query of every retention rule's list (``sql/worklist_retention.sql``), split by rule
RETENTION_QUERY = "worklist_retention"
#: the same rows' rule, table and id only, unordered (``sql/record_keys_retention.sql``): what a run keys
RETENTION_KEYS_QUERY = "record_keys_retention"


def retention_list(policy: Policy, rule: Rule) -> RecordList:
    """The list of a retention rule's records past their deadline, under the name its finding gives
    (``findings.worklist_name``), each row naming its table and own id, tracked under the list's name
    (``findings.list_key``)."""
    return RecordList(worklist_name(policy, rule), RETENTION_QUERY, f"retention.by_rule.{rule.id}.breaches",
                      tracked=list_key(policy, rule), table=None, id_column="id", rule=rule.id)


def lists_of(policy: Policy) -> tuple[RecordList, ...]:
    """Every list of ``policy``'s review: one per retention rule the exports can test, in the policy file's
    order, then the other checks' (docs/policy-file.md)."""
    # a check's list where the file states a rule of that check (the register's always)
    stated = {
        CHECK_WORKLISTS[policy_model.NO_CONTACT_AFTER_WITHDRAWAL]: policy.consent_rule,
        CHECK_WORKLISTS[policy_model.RESPONSE_TIME]: policy.response_rule,
        CHECK_WORKLISTS[policy_model.RIGHTS_DEADLINE]: policy.rights_rule,
        CONSENT_WITHDRAWALS_WORKLIST: policy.consent_withdrawal_rule,
    }
    checks = [spec for spec in CHECK_LISTS if spec.name not in stated or
              (stated[spec.name] is not None and stated[spec.name].assessable)]
    return (*(retention_list(policy, r) for r in policy.retention_rules if r.assessable), *checks)


@dataclass
class Records:
    """The rows of every list (by query name) and the figures of the families they were computed with."""

    frames: dict[str, pl.DataFrame]
    """Each list's rows, by its file name."""
    figures: dict
    lists: tuple[RecordList, ...] = CHECK_LISTS

    @property
    def tracked(self) -> tuple[RecordList, ...]:
        """The tracked lists, in the report's order: the remediation categories."""
        return tuple(spec for spec in self.lists if spec.tracked)

    def figure(self, spec: RecordList, figures: dict | None = None):
        """The summary figure ``spec``'s row count must equal; None when there is no list (a table not
        exported, or no register)."""
        figures = self.figures if figures is None else figures
        if spec.needs == REGISTER and not lookup(figures, "exceptions.register"):
            return None
        return lookup(figures, spec.figure)

    def rows(self, spec: RecordList) -> pl.DataFrame | None:
        """``spec``'s rows, or None when there is no list (:meth:`figure`)."""
        return None if self.figure(spec) is None else self.frames[spec.name]

    def ids(self, spec: RecordList) -> list[tuple[str, str]]:
        """``(table, id)`` of each of ``spec``'s rows, in order: what the history keys (docs/report.md, "Remediation")."""
        frame = self.frames[spec.name]
        ids = frame[spec.id_column].cast(pl.String).to_list()
        tables = [spec.table] * frame.height if spec.table else frame["table"].to_list()
        return list(zip(tables, ids, strict=True))


def lookup(data, path: str):
    node = data
    for part in path.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def compute(con, period: Period, policy: Policy, *, computed: dict | None = None, keys_only: bool = False) -> Records:
    """Every list's rows for ``period`` (module docstring), with the figures they must equal.

    ``computed``: the summary :func:`pipelines.results.compute_with_previous` just computed for
    ``period`` on ``con``, whose models are then this period's: the families are not computed
    again (docs/design.md, "Compute once"). Without it, they are. ``keys_only``: the retention lists hold only
    each row's ``rule``, ``table`` and ``id``, unordered (what a run counts and keys; the worklist writes every
    column, in order): the largest lists are not sorted or held whole.
    """
    if computed is not None and computed.get("period") == str(period.quarter) \
            and computed.get("as_of") == period.as_of.isoformat():
        figures = {block: computed[block] for block in FAMILIES_READ}
    else:
        figures = {block: family.compute(con, period, policy, summary_only=True).summary
                   for block, family in FAMILIES_READ.items()}
    params = sql_params(con, period, policy)
    # the support model again for this quarter (support.compute last built it for the one before)
    support.install_response_calendar(con, period, policy)
    dbmod.query_all(con, ["support_summary"], **params)  # rebuilds the model it reads
    missing = [m for m in MODELS if not dbmod.table_exists(con, m)]
    if missing:
        raise PipelineFailure(f"the metric models {', '.join(missing)} were not built; the record lists read them")
    lists = lists_of(policy)
    retention_query = RETENTION_KEYS_QUERY if keys_only else RETENTION_QUERY
    queries = [retention_query if spec.query == RETENTION_QUERY else spec.query for spec in lists]
    queried = dbmod.query_all(con, list(dict.fromkeys(queries)), package=SQL_PACKAGE, **params)
    frames = {spec.name: queried[spec.query] if spec.query != RETENTION_QUERY else
              queried[retention_query].filter(pl.col("rule") == spec.rule).drop("category", strict=False)
              for spec in lists}
    return Records(frames, figures, lists)


def mismatches(records: Records, figures: dict | None = None) -> list[str]:
    """Each list whose row count is not its figure (in ``figures``, default the records' own): a bug."""
    said = []
    for spec in records.lists:
        expected = records.figure(spec, figures)
        if expected is not None and records.frames[spec.name].height != expected:
            said.append(f"{spec.name}: {records.frames[spec.name].height} rows, but {spec.figure} is {expected}")
    return said
