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

import math
import os
import stat
from datetime import date
from pathlib import Path

from pipelines.dates import FIRST_YEAR, LAST_YEAR, LATEST, Quarter, known_zone
from pipelines.db import MEMORY_LIMIT_ENV, MEMORY_SIZE
from pipelines.errors import BadInput
from pipelines.private import private_folder, write_private

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
    """The folder for the database: ``$PRIVACY_REVIEW_HOME``, else ``./.privacy-review``.

    ``$PRIVACY_REVIEW_HOME`` is read here only; :func:`check_environment` refuses an unusable value first.
    """
    home = os.environ.get(HOME_ENV, "").strip()
    return absolute(home) if home else absolute(Path.cwd() / STATE_DIR)


def home_is_set() -> bool:
    return bool(os.environ.get(HOME_ENV, "").strip())


def default_database() -> Path:
    return state_dir() / DATABASE_FILE


def is_inside(path: Path, folder: Path) -> bool:
    """True when ``path`` is ``folder`` or lies anywhere under it (both absolute)."""
    return path == folder or folder in path.parents


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_dev, st.st_ino


def lies_in(path: Path, folder: Path) -> bool:
    """True when ``path`` is ``folder`` or lies under it: by resolved path (symlinks and ``..``
    followed) and by identity (the same inode: a hard link, a bind mount), for paths not yet made too."""
    path, folder = Path(path).resolve(), Path(folder).resolve()
    if is_inside(path, folder):
        return True
    target = _identity(folder)
    if target is None:
        return False
    if any(_identity(p) == target for p in (path, *path.parents)):
        return True
    return _hard_link_into(path, folder)


def _hard_link_into(path: Path, folder: Path) -> bool:
    """True when the existing file ``path`` is a hard link to a file under the folder ``folder``."""
    mine = _identity(path)
    if mine is None or not path.is_file() or not folder.is_dir():
        return False
    for root, _, files in os.walk(folder):
        if any(_identity(Path(root) / name) == mine for name in files):
            return True
    return False


def overlap(a: Path, b: Path) -> bool:
    """``a`` and ``b`` are the same, or one lies inside the other."""
    return lies_in(a, b) or lies_in(b, a)


def check_apart(named: dict[str, Path | None], *, may_contain: tuple[tuple[str, str], ...] = ()) -> None:
    """Refuse (exit 2) any two of ``named`` (``{"--data": path, "--out": path, ...}``) that overlap.

    ``may_contain``: pairs ``(outer, inner)`` where ``inner`` may lie inside ``outer`` (the database
    inside its home). docs/operations.md, "Safe by construction".
    """
    items = [(name, Path(path)) for name, path in named.items() if path not in (None, "")]
    for i, (name_a, a) in enumerate(items):
        for name_b, b in items[i + 1:]:
            if (name_a, name_b) in may_contain and lies_in(b, a) and not lies_in(a, b):
                continue
            if (name_b, name_a) in may_contain and lies_in(a, b) and not lies_in(b, a):
                continue
            if overlap(a, b):
                how = "is" if lies_in(a, b) and lies_in(b, a) else "lies inside" if lies_in(a, b) else "contains"
                raise BadInput(f"{name_a} {a} {how} {name_b} {b}: they must not overlap "
                               "(the tool never writes into the exports, and never publishes its own working files)")


def check_separate(*, data: Path, db: Path, out: Path | None = None, out_name: str = "--out") -> None:
    """The exports, the output, the database and its home (when used) never overlap (exit 2).

    The home counts when the database lies in it or ``$PRIVACY_REVIEW_HOME`` is set; the
    database may lie inside its home, nothing else may lie inside anything else.
    """
    home = state_dir()
    home_name = f"${HOME_ENV}" if home_is_set() else "the database home"
    named = {"--data": data, out_name: out}
    if home_is_set() or is_inside(db, home):
        named[home_name] = home
    named["--db"] = db
    check_apart(named, may_contain=((home_name, "--db"),))


def check_writable_folder(path: Path, what: str) -> None:
    """A folder the command will write into: absent (it is made) or a directory; never a file."""
    if path.exists() and not path.is_dir():
        raise BadInput(f"{what} {path}: is not a folder")


def check_database_file(db: Path, what: str = "--db") -> None:
    """A database path the tool may (re)build: absent, or a DuckDB database file (never a user's other file)."""
    if not db.exists() and not db.is_symlink():
        return
    try:
        mode = os.stat(db).st_mode
    except OSError as exc:
        raise BadInput(f"{what} {db}: cannot read it: {exc.strerror or exc}") from None
    if not stat.S_ISREG(mode):
        raise BadInput(f"{what} {db}: is not a database file")
    try:
        with open(db, "rb") as handle:
            header = handle.read(16)
    except OSError as exc:
        raise BadInput(f"{what} {db}: cannot read it: {exc.strerror or exc}") from None
    if header[8:12] != DUCKDB_MAGIC:
        raise BadInput(f"{what} {db}: exists and is not a DuckDB database; the tool will not overwrite it")


#: a DuckDB database file holds these bytes at offset 8
DUCKDB_MAGIC = b"DUCK"


# --- parameters and environment, checked once where a command starts -----------------------

LOCK_TIMEOUT_ENV = "PRIVACY_REVIEW_LOCK_TIMEOUT"


def quarter_text(text: str) -> str:
    """``latest`` or a quarter within the supported years (docs/operations.md, "Bad parameters")."""
    if str(text).strip().lower() == LATEST:
        return LATEST
    try:
        return str(Quarter.parse(str(text)))
    except ValueError as exc:
        raise BadInput(f"--quarter: {exc}") from None


def day(value: date | None, what: str = "--as-of") -> date | None:
    """A date within the supported years, or None."""
    if value is not None and not FIRST_YEAR <= value.year <= LAST_YEAR:
        raise BadInput(f"{what} {value}: outside the supported years {FIRST_YEAR}-{LAST_YEAR}")
    return value


def zone(name: str, what: str = "--input-zone") -> str:
    """A time zone both Python and DuckDB know (``posixrules`` and ``localtime`` are not)."""
    if not isinstance(name, str) or not known_zone(name.strip()):
        raise BadInput(f"{what}: unknown time zone {name!r} (use an IANA name such as Europe/Brussels or UTC)")
    return name.strip()


def memory_limit(text: str, what: str) -> str:
    if not MEMORY_SIZE.match(str(text).strip()):
        raise BadInput(f"{what}: not a memory size (e.g. 2GB, 512MB): {text!r}")
    return str(text).strip()


def seconds(text: str, what: str) -> float:
    """A finite number of seconds, 0 or more (``nan``, ``inf`` and negatives refused)."""
    try:
        value = float(str(text).strip())
    except ValueError:
        raise BadInput(f"{what}: not a number of seconds: {text!r}") from None
    if not math.isfinite(value) or value < 0:
        raise BadInput(f"{what}: must be a finite number of seconds, 0 or more, not {text!r}")
    return value


def check_environment() -> None:
    """The environment variables a command reads, each refused (exit 2) when unusable."""
    if os.environ.get(MEMORY_LIMIT_ENV, "").strip():
        memory_limit(os.environ[MEMORY_LIMIT_ENV], f"${MEMORY_LIMIT_ENV}")
    if os.environ.get(LOCK_TIMEOUT_ENV, "").strip():
        seconds(os.environ[LOCK_TIMEOUT_ENV], f"${LOCK_TIMEOUT_ENV}")
    home = os.environ.get(HOME_ENV, "")
    if home.strip():
        path = absolute(home.strip())
        if path.exists() and not path.is_dir():
            raise BadInput(f"${HOME_ENV} {path}: is not a folder")


def check_database_outside(db: Path, out: Path) -> None:
    """Refuse a database inside the published folder: ``--out`` holds no personal data."""
    if is_inside(db, out):
        raise BadInput(
            f"--db {db}: the database holds personal data and may not lie inside --out {out} "
            f"(the published folder); choose another --db or set {HOME_ENV}"
        )


def prepare_database_dir(db: Path) -> None:
    """Create the database's folder; a folder the tool creates is private (0700, whatever the umask) and
    git-ignored (docs/operations.md, "Where the database lives")."""
    folder = db.parent
    if folder.is_dir():
        return
    private_folder(folder)
    write_private(folder / ".gitignore", lambda handle: handle.write(_GITIGNORE.encode("utf-8")))
