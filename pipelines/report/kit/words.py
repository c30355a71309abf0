"""The report's words: one message catalogue per language, ``messages/<language>.toml``.

Every word a reader sees (section titles, KPI labels, chart titles, axes,
legends, value names, verdict sentences, the index page) comes from the
catalogue, so ``language="nl"`` gives a wholly Dutch report; clause quotes
come from the policy file. Both catalogues hold the same keys (tested).
"""

from __future__ import annotations

import math
import tomllib
from importlib import resources

from babel.numbers import format_decimal

LANGUAGES = ("en", "nl")


def _catalogue(language: str) -> dict[str, str]:
    text = resources.files("pipelines.report.kit").joinpath("messages", f"{language}.toml").read_text(encoding="utf-8")
    return tomllib.loads(text)


def _load() -> dict[str, tuple[str, str]]:
    """key -> (English, Dutch); a key missing from one catalogue fails at import, not in a report."""
    en, nl = _catalogue("en"), _catalogue("nl")
    if set(en) != set(nl):
        raise RuntimeError(f"message catalogues differ in keys: {sorted(set(en) ^ set(nl))}")
    return {key: (en[key], nl[key]) for key in en}


TEXT: dict[str, tuple[str, str]] = _load()


def check_language(language: str) -> str:
    if language not in LANGUAGES:
        raise ValueError(
            f"language must be one of {', '.join(LANGUAGES)}, not {language!r}"
        )
    return language


#: the report's locales: English as en_GB, Dutch as nl_BE (docs/report.md, "Languages")
LOCALES = {"en": "en_GB", "nl": "nl_BE"}


def locale(language: str) -> str:
    return LOCALES.get(language, LOCALES["en"])


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def fmt_int(value, language: str = "en") -> str:
    """A count as the language writes it (1,234 / 1.234); "n/a" when missing."""
    if is_missing(value):
        return t(language, "na")
    return format_decimal(round(value), format="#,##0", locale=locale(language))


def t(language: str, key: str, **values) -> str:
    """The text for ``key`` in ``language`` with ``values`` filled in."""
    en, nl = TEXT[key]
    return (nl if language == "nl" else en).format(**values)


def tn(language: str, key: str, n, **values) -> str:
    """Like :func:`t`, choosing the ``_one`` variant when ``n == 1``; ``n`` is formatted as a count."""
    chosen = f"{key}_one" if n == 1 and f"{key}_one" in TEXT else key
    return t(language, chosen, n=fmt_int(n, language), **values)


def label(language: str, prefix: str, value: str) -> str:
    """A known value's display name (``label('nl', 'right', 'erasure') == 'wissing'``), else the value."""
    key = f"{prefix}_{value}"
    return t(language, key) if key in TEXT else str(value).replace("_", " ")


#: the code undeclared values are counted under (docs/contract.md, "Only declared values")
OTHER = "other"


def other_label(language: str, values=None) -> str:
    """The ``other`` bucket with its number of distinct values in words: 'other (3 values)',
    'overig (3 waarden)'; plain 'other' / 'overig' without a count. The values are never named:
    only declared values reach the output (docs/contract.md, "Only declared values")."""
    if values is None or is_missing(values):
        return t(language, "other")
    return tn(language, "other_values", int(values))


def code_label(language: str, prefix: str, value: str, other_values=None) -> str:
    """:func:`label` for a coded value of the exports, ``other`` as :func:`other_label` says it."""
    return other_label(language, other_values) if value == OTHER else label(language, prefix, value)


