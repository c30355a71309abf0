"""Data-quality section and charts: export tables, reasons and flags in the reader's words, colours by code."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest

from pipelines.contract import TABLES
from pipelines.load import cast
from pipelines.report.kit.words import TEXT
from pipelines.report.sections import quality
from tests.report.fake_results import fake_summary
from tests.report.sections.helpers import chart_text, ctx, title, visible

FLAGS_SQL = Path(cast.__file__).parent / "sql" / "flags.sql"

REJECTS = pl.DataFrame(
    {
        "table_name": ["accounts", "accounts", "sessions", "sessions", "marketing_contacts"],
        "reason": ["bad timestamp", "duplicate key", "wrong number of fields", "missing required value", "bad timestamp"],
        "rows": [3, 1, 12, 8, 0],
    }
)  # 24 rows set aside; the most common reason: wrong number of fields (12)


def test_every_reason_the_loader_gives_has_a_name_in_the_catalogue():
    reasons = [cast.MISSING, cast.BAD_TIMESTAMP, cast.BAD_BOOLEAN, cast.DUPLICATE, cast.WRONG_FIELDS, cast.UNTERMINATED_QUOTE]
    assert [r for r in reasons if f"reason_{r}" not in TEXT] == []


def test_every_flag_the_loader_sets_has_a_name_in_the_catalogue():
    flags = re.findall(r"SELECT '\w+'(?: AS table_name)?, '([^']+)'", FLAGS_SQL.read_text(encoding="utf-8"))
    assert len(set(flags)) >= 8
    assert sorted({f for f in flags if f"flag_{f}" not in TEXT}) == []


def test_every_export_table_has_a_name_in_the_catalogue():
    assert [name for name in TABLES if f"export_{name}" not in TEXT] == []


def test_rejects_title_and_words():
    chart = quality.rejects(REJECTS)
    assert title(chart) == "24 export rows were set aside; most common reason: wrong number of columns on the line (12)"
    nl = quality.rejects(REJECTS, "nl")
    assert title(nl) == "24 exportrijen zijn apart gezet; meest voorkomende reden: verkeerd aantal kolommen op de regel (12)"
    text = chart_text(nl)
    for shown in ("Sessies", "Accounts", "onleesbare datum of tijd", "identificatie komt twee keer voor"):
        assert shown in text
    for code in ("bad timestamp", "duplicate key", "sessions", "marketing_contacts", "Marketingcontacten"):
        assert code not in text  # codes never shown; a table with 0 rows set aside is left out


def test_colours_follow_the_code_and_tooltips_name_the_reason():
    en, nl = (quality.rejects(REJECTS, lang).to_dict() for lang in ("en", "nl"))
    assert en["encoding"]["color"]["field"] == "reason"
    assert en["encoding"]["color"]["scale"] == nl["encoding"]["color"]["scale"]  # same colour per code in both languages
    assert "onleesbare datum of tijd" in json.dumps(nl["encoding"]["tooltip"] + list(nl["datasets"].values()))
    assert [t["field"] for t in nl["encoding"]["tooltip"]] == ["table_name", "reason_label", "rows"]


def test_flags_title_and_singular():
    flags = pl.DataFrame(
        {
            "table_name": ["sessions", "support_tickets"],
            "flag": ["orphan: account unknown", "impossible order: resolved before creation"],
            "rows": [17, 2],
        }
    )
    assert title(quality.flags(flags)) == "19 loaded rows are flagged; most common: refers to an unknown account (17)"
    one = flags.tail(1).with_columns(pl.lit(1).alias("rows"))
    assert title(quality.flags(one, "nl")) == "1 geladen rij is gemarkeerd: opgelost vóór de aanmaak"
    assert "Supporttickets" in chart_text(quality.flags(flags, "nl"))


@pytest.mark.parametrize(
    "language,absent,row",
    [
        ("en", "Optional tables not exported: website visits.", "Marketing contacts 655 655 0"),
        ("nl", "websitebezoeken.", "Marketingcontacten 655 655 0"),
    ],
)
def test_section_names_tables_in_the_readers_words(language, absent, row):
    text = visible(quality.section(ctx(language=language)))
    assert absent in text and row in text
    assert "marketing_contacts" not in text and "web_visits" not in text


def test_absent_tables_listed_with_the_languages_conjunction():
    summary = fake_summary()
    summary["data_quality"]["absent_tables"] = ["web_visits", "marketing_contacts", "payments"]
    assert "website visits, marketing contacts and payments." in visible(quality.section(ctx(summary)))
    assert "websitebezoeken, marketingcontacten en betalingen." in visible(
        quality.section(ctx(summary, language="nl"))
    )
