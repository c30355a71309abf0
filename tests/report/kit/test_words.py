"""The two message catalogues stay in step: same keys, same placeholders per key, singulars beside plurals."""

from __future__ import annotations

import string

import pytest

from pipelines.report.kit import words
from pipelines.report.kit.words import TEXT, label, t, tn

CATALOGUES = {language: words._catalogue(language) for language in words.LANGUAGES}


def placeholders(text: str) -> set[str]:
    """The ``{name}`` fields of a message (``{{`` is a literal brace, not a field)."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def test_both_catalogues_hold_the_same_keys():
    en, nl = CATALOGUES["en"], CATALOGUES["nl"]
    assert sorted(set(en) - set(nl)) == [] and sorted(set(nl) - set(en)) == []


def test_every_key_has_the_same_placeholders_in_both_languages():
    differ = {
        key: (sorted(placeholders(en)), sorted(placeholders(CATALOGUES["nl"][key])))
        for key, en in CATALOGUES["en"].items()
        if placeholders(en) != placeholders(CATALOGUES["nl"][key])
    }
    assert differ == {}


def test_placeholders_are_plain_names():
    """No ``{0}``, ``{a.b}`` or ``{n!r}``: :func:`t` fills by keyword and nothing else."""
    odd = {
        (language, key)
        for language, catalogue in CATALOGUES.items()
        for key, text in catalogue.items()
        for _, field, spec, conversion in string.Formatter().parse(text)
        if field is not None and (not field.isidentifier() or conversion or spec)
    }
    assert odd == set()


def test_every_singular_has_its_plural_and_no_message_is_empty():
    assert [k for k in TEXT if k.endswith("_one") and k[: -len("_one")] not in TEXT] == []
    assert [(k, v) for k, v in TEXT.items() if not v[0].strip() or not v[1].strip()] == []


def test_placeholder_check_can_fail():
    assert placeholders("{n} of {total} ({share})") == {"n", "total", "share"}
    assert placeholders("{{literal}} {n}") == {"n"}
    assert placeholders("{n} days") != placeholders("{days} dagen")


@pytest.mark.parametrize(
    "n,en,nl", [(1, "1 quarter", "1 kwartaal"), (2, "2 quarters", "2 kwartalen"), (1234, "1,234 quarters", "1.234 kwartalen")]
)
def test_tn_picks_the_singular_and_formats_the_count(n, en, nl):
    assert tn("en", "index_quarters", n) == en
    assert tn("nl", "index_quarters", n) == nl


def test_label_names_a_code_or_falls_back_to_words():
    assert label("nl", "reason", "bad timestamp") == "onleesbare datum of tijd"
    assert label("en", "bin", "7d+") == "7+ d"
    assert label("en", "category", "never_heard_of") == "never heard of"
    assert t("nl", "rights_deadline_mark") == "termijn"
