"""The published policy texts a policy file quotes: each rule's quote must be found in them verbatim.

docs/policy-file.md, "Quotes". A quote is compared with its language's document with every run of
whitespace (line breaks, non-breaking spaces, indentation) as one space; nothing else is forgiven: a
paraphrase, a changed capital or a dropped word is refused, naming the rule and the language.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable
from pathlib import Path

from pipelines.errors import BadInput

_SPACES = re.compile(r"\s+")


def normal_text(text: str) -> str:
    """``text`` with every run of whitespace (non-breaking spaces included) as one space, trimmed."""
    return _SPACES.sub(" ", text.replace("\u00a0", " ")).strip()


def read_document(path: Path, language: str, source: str) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise BadInput(f"{source}: [policy.documents] {language}: the policy text {path} is not there") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise BadInput(f"{source}: [policy.documents] {language}: {path} cannot be read as UTF-8 text: {exc}") from None


def verify_quotes(policy, where: Callable) -> None:
    """Every rule's quote in every language is in that language's document (whitespace aside); else
    :class:`BadInput` naming the rule, the language and where the quote is written (``where(rule, language)``)."""
    texts = {lang: normal_text(read_document(path, lang, policy.source)) for lang, path in policy.documents.items()}
    for rule in policy.rules:
        for lang, quote in rule.quote.by_language.items():
            if normal_text(quote) not in texts[lang]:
                raise BadInput(f"{where(rule, lang)}: [[rule]] {rule.id!r}: quote_{lang} is not found verbatim in "
                               f"{policy.documents[lang].name} (whitespace aside): quote the policy's own words")


def document_records(policy) -> list[dict]:
    """``evidence.json``'s record of the policy texts: language, file name and SHA-256 of each."""
    records = []
    for lang, path in policy.documents.items():
        digest = hashlib.sha256(Path(path).read_bytes()).hexdigest() if Path(path).is_file() else None
        records.append({"language": lang, "file": Path(path).name, "sha256": digest})
    return records
