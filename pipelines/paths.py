"""Where a command reads and writes: absolute paths fixed once, and the database's home.

Every path a command is given is made absolute before anything runs
(docs/operations.md, "Paths"): notebooks run in threads beside the main
work, and a relative path must mean the same folder for all of them.

The database holds personal data, so it never lives under ``--out`` (the
folder that is published). Its default home is ``$PRIVACY_REVIEW_HOME``,
else ``.privacy-review/`` in the directory the command was started from
(docs/operations.md, "Where the database lives").
"""

from __future__ import annotations

import os
from pathlib import Path

from pipelines.errors import BadInput

HOME_ENV = "PRIVACY_REVIEW_HOME"
STATE_DIR = ".privacy-review"
DATABASE_FILE = "privacy-review.duckdb"

#: written into a state directory the tool creates, so that git never offers to commit personal data
_GITIGNORE = "# created by privacy-review: this folder holds personal data; never commit or publish it\n*\n"


def absolute(path: str | Path | None) -> Path | None:
    """``path`` made absolute against the current directory (symlinks resolved); None stays None."""
    if path is None or str(path) == "":
        return None
    return Path(path).expanduser().resolve()


def state_dir() -> Path:
    """The folder for the database: ``$PRIVACY_REVIEW_HOME``, else ``./.privacy-review``."""
    home = os.environ.get(HOME_ENV, "").strip()
    return absolute(home) if home else absolute(Path.cwd() / STATE_DIR)


def default_database() -> Path:
    return state_dir() / DATABASE_FILE


def is_inside(path: Path, folder: Path) -> bool:
    """True when ``path`` is ``folder`` or lies anywhere under it (both absolute)."""
    return path == folder or folder in path.parents


def check_database_outside(db: Path, out: Path) -> None:
    """Refuse a database inside the published folder: ``--out`` holds no personal data."""
    if is_inside(db, out):
        raise BadInput(
            f"--db {db}: the database holds personal data and may not lie inside --out {out} "
            f"(the published folder); choose another --db or set {HOME_ENV}"
        )


def prepare_database_dir(db: Path) -> None:
    """Create the database's folder; a folder the tool creates is private (0700) and git-ignored."""
    folder = db.parent
    if folder.is_dir():
        return
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    (folder / ".gitignore").write_text(_GITIGNORE, encoding="utf-8")
