"""The policy file: one rule per promise (docs/policy-file.md), read and checked once.

``model`` holds the rules as data, ``parse`` reads and refuses what it does not understand (exit 2 with
file, line and column), ``documents`` checks each quote against the published policy texts, ``describe``
says every rule in a sentence a privacy officer can check (``privacy-review check-policy``).
"""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from pipelines.policy.model import (
    BASES,
    CLOCK_STARTS,
    CONSENT_WITHDRAWAL,
    INTERNAL_STANDARD,
    LAW,
    POLICY,
    Basis,
    Policy,
    Rule,
    Texts,
)
from pipelines.policy.parse import OTHER, load_policy, normal_code, parse_policy

DEFAULT_POLICY = "privacy-policy-2024-06-17.toml"


def default_policy_path() -> Path:
    return Path(str(resources.files("pipelines").joinpath("policies", DEFAULT_POLICY)))


__all__ = [
    "BASES", "CLOCK_STARTS", "CONSENT_WITHDRAWAL", "DEFAULT_POLICY", "INTERNAL_STANDARD", "LAW", "OTHER", "POLICY",
    "Basis", "Policy", "Rule", "Texts", "default_policy_path", "load_policy", "normal_code", "parse_policy",
]
