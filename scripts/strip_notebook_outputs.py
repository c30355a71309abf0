#!/usr/bin/env python
"""Keep notebooks in git without outputs: strip them, or check that they are clean.

    python scripts/strip_notebook_outputs.py            # strip notebooks/*.ipynb in place
    python scripts/strip_notebook_outputs.py --check    # exit 1 and list notebooks that are not clean
    python scripts/strip_notebook_outputs.py a.ipynb b.ipynb

Clean means: no outputs, no execution counts, no per-cell execution metadata
(papermill/JupyterLab timings), no widget state. Notebook metadata (title,
kernelspec) and cell tags are kept. Usable as a pre-commit hook.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import nbformat

ROOT = Path(__file__).resolve().parent.parent
#: per-cell metadata written by running a notebook, never by authoring it
RUN_METADATA = ("execution", "papermill", "collapsed", "scrolled", "ExecuteTime")
RUN_NOTEBOOK_METADATA = ("papermill", "widgets")


def problems(nb: nbformat.NotebookNode) -> list[str]:
    """What makes ``nb`` not clean (empty when clean)."""
    found = []
    for i, cell in enumerate(nb.cells):
        if cell.cell_type != "code":
            continue
        if cell.get("outputs"):
            found.append(f"cell {i} has outputs")
        if cell.get("execution_count") is not None:
            found.append(f"cell {i} has an execution count")
        extra = [k for k in RUN_METADATA if k in cell.get("metadata", {})]
        if extra:
            found.append(f"cell {i} has run metadata {extra}")
    extra = [k for k in RUN_NOTEBOOK_METADATA if k in nb.metadata]
    if extra:
        found.append(f"notebook has run metadata {extra}")
    return found


def strip(nb: nbformat.NotebookNode) -> nbformat.NotebookNode:
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = []
            cell.execution_count = None
        for key in RUN_METADATA:
            cell.get("metadata", {}).pop(key, None)
    for key in RUN_NOTEBOOK_METADATA:
        nb.metadata.pop(key, None)
    return nb


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "paths", nargs="*", type=Path, help="notebooks (default: notebooks/*.ipynb)"
    )
    parser.add_argument(
        "--check", action="store_true", help="only report notebooks that are not clean"
    )
    args = parser.parse_args(argv)
    paths = args.paths or sorted((ROOT / "notebooks").glob("*.ipynb"))
    dirty = 0
    for path in paths:
        nb = nbformat.read(path, as_version=4)
        found = problems(nb)
        if not found:
            continue
        dirty += 1
        if args.check:
            print(f"{path}: {'; '.join(found)}")
        else:
            nbformat.write(strip(nb), path)
            print(f"stripped {path}")
    if args.check and dirty:
        print(
            f"{dirty} notebook(s) stored with outputs: run python scripts/strip_notebook_outputs.py",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
