"""Numbers, percentages, hours and dates as a reader of each language expects them.

Formatting is Babel's (CLDR) for the report's locales: English as ``en_GB``
(``1,234.5``, ``30 September 2024``), Dutch as ``nl_BE`` (``1.234,5``,
``30 september 2024``); docs/report.md, "Languages".
"""

from __future__ import annotations

import math
from datetime import date, datetime

from babel.dates import format_date
from babel.numbers import format_decimal

# a count, a missing value and the locales live with the words (a count is part of a sentence:
# words.tn), so that words never imports this module (no import circle, docs/design.md)
from pipelines.report.kit.words import LOCALES, fmt_int, is_missing, locale, t  # noqa: F401 - the kit's formatters


def fmt_number(value, language: str = "en", digits: int = 1) -> str:
    if is_missing(value):
        return t(language, "na")
    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    return format_decimal(value, format=pattern, locale=locale(language))


def fmt_pct(rate, language: str = "en", digits: int = 0) -> str:
    """A fraction 0..1 as a percentage (0.875 -> '88%'); 99.5% never rounds up to 100%."""
    if is_missing(rate):
        return t(language, "na")
    pct = rate * 100
    if rate < 1 and round(pct, digits) >= 100:
        pct = math.floor(pct * 10**digits) / 10**digits
    return fmt_number(pct, language, digits) + "%"


def fmt_hours(hours, language: str = "en") -> str:
    """Elapsed hours, always in hours so quarters compare at a glance ('3.2 h', '3,2 u')."""
    if is_missing(hours):
        return t(language, "na")
    return fmt_number(hours, language, 1) + "\u00a0" + t(language, "unit_hours")


def fmt_date(value, language: str = "en", style: str = "long") -> str:
    """A date as words ('30 September 2024', '30 september 2024'); ISO text is accepted."""
    if is_missing(value) or value == "":
        return t(language, "na")
    if isinstance(value, datetime):
        value = value.date()
    if not isinstance(value, date):
        value = date.fromisoformat(str(value)[:10])
    return format_date(value, format=style, locale=locale(language))
