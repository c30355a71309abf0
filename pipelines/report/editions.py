"""The report's editions: one per language a run publishes, side by side in the quarter folder.

docs/report.md, "Languages". A run publishes the report in every language of its policy file (``--language``
limits it to one); the first is the main edition, under the names a quarter always had
(``quarterly-review.html``, ``quarterly-review.pdf``, ``notebooks/``), each other beside it with its language in
the name (``quarterly-review.nl.html``, ``quarterly-review.nl.pdf``, ``notebooks-nl/``). Every edition reads the
same ``summary.json`` and findings; only the words differ. This module is the one place these names are made.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from pipelines import evidence
from pipelines.report.kit.words import LANGUAGES

STEM = "quarterly-review"
NOTEBOOKS = "notebooks"


@dataclass(frozen=True)
class Edition:
    """The report in one language: its HTML, PDF and executed notebooks' folder."""

    language: str
    main: bool = True

    @property
    def suffix(self) -> str:
        return "" if self.main else f".{self.language}"

    @property
    def html(self) -> str:
        return f"{STEM}{self.suffix}.html"

    @property
    def pdf(self) -> str:
        return f"{STEM}{self.suffix}.pdf"

    @property
    def notebooks(self) -> str:
        """A sibling of ``notebooks/``, so that a notebook reads the quarter it sits in as ``..`` either way."""
        return NOTEBOOKS if self.main else f"{NOTEBOOKS}-{self.language}"


def editions(languages) -> tuple[Edition, ...]:
    """The editions of a publish in ``languages``, the first the main one (duplicates dropped)."""
    ordered = list(dict.fromkeys(languages))
    return tuple(Edition(lang, main=i == 0) for i, lang in enumerate(ordered))


def recorded_languages(folder: Path) -> tuple[str, ...]:
    """The languages a published quarter's report was published in, main first (its ``evidence.json``'s
    ``run.languages``, else ``run.language``); empty when it records none."""
    try:
        record = evidence.read(folder)
    except (OSError, ValueError):
        return ()
    run = record.get("run") if isinstance(record, dict) else None
    if not isinstance(run, dict) or not run.get("report", True):
        return ()
    found = run.get("languages") or ([run["language"]] if run.get("language") else [])
    return tuple(lang for lang in found if lang in LANGUAGES)


def published_editions(folder: Path) -> tuple[Edition, ...]:
    """The editions whose HTML a published quarter holds, main first."""
    return tuple(e for e in editions(recorded_languages(folder) or ("en",)) if (Path(folder) / e.html).is_file())


def edition_for(folder: Path, language: str) -> Edition | None:
    """The quarter's edition in ``language``, else its main one; None without any."""
    found = published_editions(folder)
    return next((e for e in found if e.language == language), found[0] if found else None)
