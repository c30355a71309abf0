"""``privacy-review notebooks DIR``: the analyst notebooks in a working folder, opened on the user's own data.

A wheel installs the notebooks inside the package, where nobody should edit
them. This copies them (the report's own source, without outputs) into a
folder of the user's, with the defaults of each parameters cell pointing at
the user's database, published results and, optionally, exports, as absolute
paths: "Run All" in JupyterLab then works from wherever the folder is
(docs/operations.md, "Analyst notebooks"). The exploration notebook
(:data:`EXPLORE_NOTEBOOK`) comes too, its ``db`` pointed at the database: it
is shipped beside the report's notebooks but never run by the report
(its name is not ``NN_*.ipynb``) nor published.

Run again over the same folder, it replaces (with ``--force``) only the copies
nobody changed: it records the SHA-256 of each copy it writes
(``DIR/.privacy-review-notebooks``, :mod:`pipelines.ownership`) and refuses, exit 2,
naming the copy, when a copy's bytes differ: an analyst's edit is never overwritten.
JupyterLab itself is the ``lab`` extra, not the base install (README,
"Analysts"): :func:`open_hint` is the line the command logs, the command
that opens the folder when JupyterLab is installed, else how to install it.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import re
import shlex
import sys
import sysconfig
from pathlib import Path

from pipelines import DISTRIBUTION, ownership
from pipelines.errors import BadInput
from pipelines.report.build import (
    default_notebooks_dir,
    packaged_notebooks_dir,
    report_notebooks,
)
from pipelines.report.kernel import package_root

log = logging.getLogger(__name__)


def point_parameters(source: str, values: dict[str, str]) -> str:
    """The parameters cell ``source`` with the defaults of ``values``' names replaced, comments kept.

    Each line reads ``name: str = "default"  # help`` (papermill's
    ``--help-notebook`` form, tests/report/test_notebooks_source.py); a name
    whose line is not in that form is an internal error, not a silent skip.
    """
    lines = source.split("\n")
    for name, value in values.items():
        pattern = re.compile(rf'^({re.escape(name)}: str = )"[^"\n]*"(.*)$')
        hits = [(i, m) for i, line in enumerate(lines) if (m := pattern.match(line))]
        if len(hits) != 1:
            raise ValueError(f"parameters cell: {len(hits)} lines set {name}")
        (i, match), = hits
        lines[i] = match.group(1) + json.dumps(value) + match.group(2)
    return "\n".join(lines)


#: the analysts' own notebook (docs/report.md, "Exploring the database"): never run by the report nor published
EXPLORE_NOTEBOOK = "explore.ipynb"
#: the parameters of the exploration notebook this command sets (it reads the database only)
EXPLORE_PARAMETERS = ("db",)


def analyst_notebooks(notebooks_dir: Path) -> list[Path]:
    """The report's notebooks in reading order, then the exploration notebook."""
    explore = Path(notebooks_dir) / EXPLORE_NOTEBOOK
    return [*report_notebooks(notebooks_dir), *([explore] if explore.is_file() else [])]


#: notebook metadata that marks a copy written by ``privacy-review notebooks``
COPY_MARK = "privacy_review"


def _is_own_copy(path: Path) -> bool:
    """True when ``path`` is a notebook this command wrote (a regular file carrying :data:`COPY_MARK`)."""
    if path.is_symlink() or not path.is_file():
        return False
    try:
        return COPY_MARK in json.loads(path.read_text(encoding="utf-8")).get("metadata", {})
    except (OSError, ValueError, AttributeError):
        return False


def _sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def edited_copies(target: Path, existing: list[Path]) -> list[Path]:
    """The copies among ``existing`` (each this command's, :func:`_is_own_copy`) whose bytes are not the ones it
    recorded writing in ``target``'s ``.privacy-review-notebooks``: an analyst changed them (or a version that
    recorded nothing wrote them, so an edit cannot be told apart)."""
    recorded = ownership.notebook_copies(target)
    return [p for p in existing if recorded.get(p.name) != _sha256(p.read_bytes())]


def write_workspace(
    target: Path,
    *,
    db: Path,
    results_dir: Path,
    data_dir: Path | None = None,
    force: bool = False,
    notebooks_dir: Path | None = None,
) -> list[Path]:
    """Copy the report's notebooks and the exploration notebook into ``target``, parameters pointed at ``db``,
    ``results_dir``, ``data_dir``.

    Paths should be absolute. ``data_dir`` None leaves it empty: the notebooks
    read published results only. The SHA-256 of each copy as written is recorded
    in ``target/.privacy-review-notebooks``. An existing notebook of the same name
    is bad input (exit 2, before anything is written) unless ``force``; even then only
    a copy this command wrote and nobody changed since (the bytes it recorded) is
    replaced: an analyst's edit is never overwritten, the line names the edited
    copy (docs/operations.md, "Analyst notebooks"). Other files in ``target`` are
    never touched. Returns the written notebooks in reading order.
    """
    import nbformat

    source_dir = Path(notebooks_dir or default_notebooks_dir()).resolve()
    sources = analyst_notebooks(source_dir)
    target = Path(target)
    if target.exists() and not target.is_dir():
        raise BadInput(f"{target}: not a folder")
    if target.resolve() == source_dir:
        raise BadInput(f"{target}: the notebooks every report is made from; choose another folder")
    if ownership.foreign_notebooks_marker(target):
        raise BadInput(f"{target / ownership.NOTEBOOKS_MARKER}: not written by privacy-review notebooks; "
                       "move it away or choose another folder")
    existing = [target / src.name for src in sources if (target / src.name).exists() or (target / src.name).is_symlink()]
    foreign = [p for p in existing if not _is_own_copy(p)]
    if foreign:  # --force replaces only the copies this command wrote (docs/operations.md, "Safe by construction")
        raise BadInput(
            f"{target}: already holds {', '.join(p.name for p in foreign)}, not written by privacy-review notebooks; "
            "move them away or choose another folder"
        )
    edited = edited_copies(target, existing)
    if edited:  # an analyst's edit is never overwritten, not even with --force (docs/operations.md, "Analyst notebooks")
        raise BadInput(
            f"{edited[0]}: changed since privacy-review notebooks wrote it"
            + (f" (and {', '.join(p.name for p in edited[1:])})" if edited[1:] else "")
            + "; your edits are never replaced, not even with --force: rename or move it, then run again"
        )
    if existing and not force:
        raise BadInput(
            f"{target}: already holds {', '.join(p.name for p in existing)}; "
            "use --force to replace them (they are unchanged since written: nothing of yours is lost)"
        )
    values = {"results_dir": str(results_dir), "db": str(db), "data_dir": str(data_dir or "")}
    target.mkdir(parents=True, exist_ok=True)
    written, hashes = [], {}
    for src in sources:
        nb = nbformat.read(src, as_version=4)
        cells = [c for c in nb.cells if "parameters" in c.metadata.get("tags", [])]
        if len(cells) != 1:
            raise ValueError(f"{src.name}: {len(cells)} parameters cells")
        own = {k: v for k, v in values.items() if k in EXPLORE_PARAMETERS} if src.name == EXPLORE_NOTEBOOK else values
        cells[0].source = point_parameters(cells[0].source, own)
        nb.metadata[COPY_MARK] = {"made_by": "privacy-review notebooks"}
        text = nbformat.writes(nb)
        data = (text if text.endswith("\n") else text + "\n").encode("utf-8")
        dst = target / src.name
        dst.write_bytes(data)
        hashes[dst.name] = _sha256(data)
        written.append(dst)
    ownership.mark_notebooks(target, hashes)
    if existing:
        log.info("replaced %d copies in %s that were unchanged since privacy-review notebooks wrote them (an edited "
                 "copy is never replaced)", len(existing), target)
    return written


#: the extra that brings JupyterLab (pyproject.toml): a scheduled run never starts it, so the base install
#: leaves it out (docs/operations.md, "Installing")
LAB_EXTRA = "lab"


def lab_installed() -> bool:
    """True when this environment can import JupyterLab."""
    return importlib.util.find_spec("jupyterlab") is not None


def checkout_root() -> Path | None:
    """The repository root when ``pipelines`` runs from a checkout (editable install or none), else None.

    A checkout has no ``pipelines.notebooks`` package and has its
    ``pyproject.toml`` beside ``pipelines/`` (docs/design.md, "Packaging").
    """
    root = package_root()
    return root if packaged_notebooks_dir() is None and (root / "pyproject.toml").is_file() else None


def open_command(target: Path) -> str:
    """The command that opens ``target`` in this environment's JupyterLab, by absolute path.

    The environment's own ``jupyter`` works without the virtual environment on
    PATH, in a checkout and with an installed wheel alike (README, "Analysts");
    ``python -m jupyterlab`` when JupyterLab is importable but its script is
    elsewhere.
    """
    jupyter = Path(sysconfig.get_path("scripts")) / "jupyter"
    if lab_installed() and not jupyter.is_file():
        return shlex.join([sys.executable, "-m", "jupyterlab", str(target)])
    return shlex.join([str(jupyter), "lab", str(target)])


def install_lab_command() -> str:
    """The command that adds the lab extra to this environment: the checkout's own, else the installed release's."""
    root = checkout_root()
    wanted = ["-e", f"{root}[{LAB_EXTRA}]"] if root is not None else [f"{DISTRIBUTION}[{LAB_EXTRA}]"]
    return shlex.join([sys.executable, "-m", "pip", "install", *wanted])


def open_hint(target: Path) -> str:
    """What ``privacy-review notebooks`` logs after writing: how to open ``target``, never a command that fails."""
    if lab_installed():
        return f"open them with: {open_command(target)}"
    return (f"JupyterLab is not installed in this environment (it is the {LAB_EXTRA!r} extra): install it with "
            f"{install_lab_command()}, then open them with: {open_command(target)}")
