"""The published policy texts a policy file quotes: each rule's quote must be found in them verbatim.

docs/policy-file.md, "Quotes". A quote is compared with its language's document with every run of
whitespace (line breaks, non-breaking spaces, indentation) as one space; nothing else is forgiven: a
paraphrase, a changed capital or a dropped word is refused, naming the rule and the language.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Mapping
from pathlib import Path

from pipelines import inputs
from pipelines.errors import BadInput

_SPACES = re.compile(r"\s+")


def normal_text(text: str) -> str:
    """``text`` with every run of whitespace (non-breaking spaces included) as one space, trimmed."""
    return _SPACES.sub(" ", text.replace("\u00a0", " ")).strip()


def read_document(path: Path, apart_from: Mapping[str, Path | None] | None = None) -> str:
    """A policy text, through the one gate (:mod:`pipelines.inputs`: a regular file of at most 16 MiB, UTF-8)."""
    return inputs.read_text(path, inputs.POLICY_TEXT, apart_from=apart_from)


def verify_quotes(policy, where: Callable, *, apart_from: Mapping[str, Path | None] | None = None) -> None:
    """Every rule's quote in every language is in that language's document (whitespace aside); else
    :class:`BadInput` naming the rule, the language and where the quote is written (``where(rule, language)``)."""
    texts = {lang: normal_text(read_document(path, apart_from)) for lang, path in policy.documents.items()}
    for rule in policy.rules:
        for lang, quote in rule.quote.by_language.items():
            if normal_text(quote) not in texts[lang]:
                raise BadInput(f"{where(rule, lang)}: [[rule]] {rule.id!r}: quote_{lang} is not found verbatim in "
                               f"{policy.documents[lang].name} (whitespace aside): quote the policy's own words")


def document_records(policy) -> list[dict]:
    """``evidence.json``'s record of the policy texts: language, file name and SHA-256 of each."""
    records = []
    for lang, path in policy.documents.items():
        there = Path(path).exists() or Path(path).is_symlink()
        digest = hashlib.sha256(inputs.read_bytes(Path(path), inputs.POLICY_TEXT)).hexdigest() if there else None
        records.append({"language": lang, "file": Path(path).name, "sha256": digest})
    return records
