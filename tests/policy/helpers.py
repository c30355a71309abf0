"""A policy file of one's own, written beside copies of the published policy texts (docs/policy-file.md)."""

from __future__ import annotations

import shutil
from pathlib import Path

from pipelines.policy import default_policy_path

SHIPPED = default_policy_path()
TEXT = SHIPPED.read_text(encoding="utf-8")


def write_policy(folder: Path, text: str = TEXT, name: str = "policy.toml") -> Path:
    """``text`` as ``folder/name``, with the shipped policy documents beside it (the file names them)."""
    folder.mkdir(parents=True, exist_ok=True)
    for document in SHIPPED.parent.glob(SHIPPED.stem + ".*.txt"):
        shutil.copyfile(document, folder / document.name)
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def replaced(old: str, new: str, text: str = TEXT, count: int = 1) -> str:
    """``text`` with ``old`` replaced (it must be there: a test never edits nothing)."""
    assert old in text, old
    return text.replace(old, new, count)


def line_of(text: str, fragment: str) -> int:
    """The 1-based line where ``fragment`` first appears."""
    return text[: text.index(fragment)].count("\n") + 1


#: the head of a rule of one's own, quoting a sentence of the shipped policy texts (``RULE.format(id=...)``,
#: then the rule's own keys)
RULE = '''
[[rule]]
id = "{id}"
clause = "§1.6"
title_en = "t"
title_nl = "t"
quote_en = "We store marketing data for 12 months since the last communication with you."
quote_nl = "Wij bewaren marketinggegevens gedurende 12 maanden na de laatste communicatie met u."
basis = "policy"
'''


def english_only(text: str = TEXT) -> str:
    """``text`` as a policy published in English alone: no Dutch quote, title, source or document."""
    import re

    text = replaced('languages = ["en", "nl"]', 'languages = ["en"]', text)
    text = re.sub(r'^(quote|title|source)_nl = .*\n', "", text, flags=re.M)
    text = re.sub(r', source_nl = "[^"]*"', "", text)
    return replaced('nl = "privacy-policy-2024-06-17.nl.txt"\n', "", text)
