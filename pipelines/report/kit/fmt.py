"""Numbers, percentages, hours and dates as a reader of each language expects them."""

from __future__ import annotations

import math

from pipelines.report.kit.words import t

# --- numbers ----------------------------------------------------------------


def is_missing(value) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def _group(text: str, language: str) -> str:
    # 12,345.6 (en) -> 12.345,6 (nl)
    if language == "nl":
        return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")
    return text


def fmt_int(value, language: str = "en") -> str:
    if is_missing(value):
        return t(language, "na")
    return _group(f"{round(value):,}", language)


def fmt_number(value, language: str = "en", digits: int = 1) -> str:
    if is_missing(value):
        return t(language, "na")
    return _group(f"{value:,.{digits}f}", language)


def fmt_pct(rate, language: str = "en", digits: int = 0) -> str:
    """A fraction 0..1 as a percentage (0.875 -> '88%'); 99.5% never rounds up to 100%."""
    if is_missing(rate):
        return t(language, "na")
    pct = rate * 100
    text = f"{pct:.{digits}f}"
    if rate < 1 and float(text) >= 100:
        text = f"{math.floor(pct * 10**digits) / 10**digits:.{digits}f}"
    return _group(text, language) + "%"


def fmt_hours(hours, language: str = "en") -> str:
    """Elapsed hours, always in hours so quarters compare at a glance ('3.2 h', '3,2 u')."""
    if is_missing(hours):
        return t(language, "na")
    unit = "u" if language == "nl" else "h"
    return _group(f"{hours:,.1f}", language) + f"\u00a0{unit}"
