"""privacy-review: quarterly evidence that a privacy policy's promises are kept."""

from __future__ import annotations

from pathlib import Path

#: the distribution's name on an index and in ``pip show``
DISTRIBUTION = "privacy-review"


def _version() -> str:
    """The version in pyproject.toml, the one place it is written (docs/design.md, "Packaging").

    A checkout reads its own pyproject.toml, so a version raised there shows at
    once, editable install or none; an installed wheel reads its metadata,
    which was built from that file.
    """
    pyproject = Path(__file__).resolve().parent.parent / "pyproject.toml"
    if pyproject.is_file():
        import tomllib

        try:
            project = tomllib.loads(pyproject.read_text(encoding="utf-8")).get("project", {})
        except (OSError, tomllib.TOMLDecodeError, UnicodeDecodeError):
            project = {}
        if project.get("name") == DISTRIBUTION and project.get("version"):
            return str(project["version"])
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version(DISTRIBUTION)
    except PackageNotFoundError:  # neither installed nor a checkout: say so rather than guess
        return "0+unknown"


__version__ = _version()
