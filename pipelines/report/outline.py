"""Which parts of the report a policy has: the one place that decides it (docs/report.md, "The report follows the
policy").

A section, chart or KPI tile that shows a kind of rule (inactivity, response time, a rights deadline) appears only
when the policy file states a rule of that kind; the others (retention with at least one retention rule, data
quality, the first screen, About) are always there. The table of contents follows the sections shown (it links
every ``<h2>``), the report builder runs the analyst notebook of a section shown only, and the management
notebook's sections and charts leave themselves out (``section(ctx)`` returns ``""``, ``nb.chart`` draws
nothing). No module imported here draws anything, so the builder reads it without loading a chart library.
"""

from __future__ import annotations

from collections.abc import Callable

from pipelines.policy import Policy, Rule
from pipelines.policy.model import NO_CONTACT_AFTER_WITHDRAWAL, RETENTION

#: each kind of rule a part of the report may belong to, and the policy's rule of that kind (None: it states none)
RULE_KINDS: dict[str, Callable[[Policy], Rule | None]] = {
    "inactivity": lambda policy: policy.inactivity,
    "retention": lambda policy: next(
        (r for r in policy.rules if r.check in (RETENTION, NO_CONTACT_AFTER_WITHDRAWAL)), None),
    "response_time": lambda policy: policy.response_rule,
    "rights_deadline": lambda policy: policy.rights_rule,
    "consent_withdrawal": lambda policy: policy.consent_withdrawal_rule,
}

#: the sections in reading order, each with the kinds of rule any of which brings it in (none: always shown)
SECTIONS: dict[str, tuple[str, ...]] = {
    "inactivity": ("inactivity",),
    "retention": ("retention",),
    "support": ("response_time",),
    "rights": ("rights_deadline", "consent_withdrawal"),
    "quality": (),
}

#: the analyst notebook of each section (``notebooks/``); a notebook not named here always runs
NOTEBOOKS: dict[str, str] = {
    "10_inactivity.ipynb": "inactivity",
    "20_retention.ipynb": "retention",
    "30_support.ipynb": "support",
    "40_rights.ipynb": "rights",
    "50_data_quality.ipynb": "quality",
}


def rule_of(policy: Policy | None, kind: str) -> Rule | None:
    """The policy's rule of ``kind`` (a key of :data:`RULE_KINDS`); None when it states none."""
    return RULE_KINDS[kind](policy) if policy is not None else None


def has(policy: Policy | None, kind: str) -> bool:
    """Whether the policy states a rule of ``kind`` (a key of :data:`RULE_KINDS`)."""
    return rule_of(policy, kind) is not None


def shows(policy: Policy | None, part: str) -> bool:
    """Whether the report of ``policy`` shows ``part``: a section of :data:`SECTIONS` (any of its kinds of rule,
    or always when it names none) or a kind of rule of :data:`RULE_KINDS` (a chart or tile of that kind)."""
    if part in SECTIONS:
        kinds = SECTIONS[part]
        return not kinds or any(has(policy, kind) for kind in kinds)
    return has(policy, part)


def sections(policy: Policy | None) -> tuple[str, ...]:
    """The sections the report of ``policy`` shows, in reading order."""
    return tuple(name for name in SECTIONS if shows(policy, name))


def notebook_shown(policy: Policy | None, name: str) -> bool:
    """Whether the report of ``policy`` runs the notebook ``name`` (its section is shown, or it has none)."""
    return name not in NOTEBOOKS or shows(policy, NOTEBOOKS[name])


def part_of(make: Callable) -> str | None:
    """The part a chart belongs to: the kind of rule its ``draws`` names, else the section of the module defining
    it (``pipelines.report.sections.inactivity`` -> ``inactivity``); None for a chart of no section (always drawn)."""
    section = make.__module__.rpartition(".")[2]
    return getattr(make, "part", None) or (section if section in SECTIONS else None)
