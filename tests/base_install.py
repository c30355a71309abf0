"""The base install, simulated in this environment: every library the README's first command would not install is
made unimportable (docs/operations.md, "Installing").

The README's first command installs privacy-review without extras, so a
scheduled run has no JupyterLab, no test tools and no Spark. This
environment has them all (the ``test`` extra). :func:`base_only_env` gives a
subprocess (and the notebook kernels it starts, which inherit
``PYTHONPATH``) a ``sitecustomize`` that refuses every top-level module of
an installed distribution outside the base's requirements, read from
``pyproject.toml`` and followed through the installed metadata. Nothing is
downloaded.
"""

from __future__ import annotations

import json
import os
import sys
import tomllib
from importlib import metadata
from pathlib import Path

from packaging.markers import UndefinedEnvironmentName
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

REPO = Path(__file__).resolve().parents[1]
PROJECT = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]
#: what ``python3 -m venv`` puts in every environment (Python 3.11: pip and setuptools), so a base install has them too
VENV_SEED = {"pip", "setuptools"}


def requirements(extra: str | None = None) -> list[Requirement]:
    """The base requirements in pyproject.toml, or those of one extra."""
    listed = PROJECT["dependencies"] if extra is None else PROJECT["optional-dependencies"][extra]
    return [Requirement(r) for r in listed]


def _applies(req: Requirement, extras: set[str]) -> bool:
    if req.marker is None:
        return True
    try:
        return any(req.marker.evaluate({"extra": e}) for e in extras | {""})
    except UndefinedEnvironmentName:
        return False


def closure(reqs: list[Requirement]) -> set[str]:
    """The canonical names of ``reqs`` and everything they require, through the installed metadata."""
    seen: dict[str, set[str]] = {}
    todo = [(canonicalize_name(r.name), set(r.extras)) for r in reqs]
    while todo:
        name, extras = todo.pop()
        if name in seen and extras <= seen[name]:
            continue
        seen[name] = seen.get(name, set()) | extras
        try:
            required = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue  # a requirement for another platform or Python: not installed here, nothing to follow
        for line in required:
            req = Requirement(line)
            if _applies(req, seen[name]):
                todo.append((canonicalize_name(req.name), set(req.extras)))
    return set(seen)


def base_distributions() -> set[str]:
    """What the README's first command installs: privacy-review, its base requirements and a venv's own."""
    return closure(requirements()) | {canonicalize_name(PROJECT["name"])} | VENV_SEED


def outside_base() -> list[str]:
    """Top-level modules of installed distributions that the base install would not have."""
    base = base_distributions()
    return sorted(
        module
        for module, dists in metadata.packages_distributions().items()
        if module.isidentifier()
        and module not in sys.stdlib_module_names
        and module not in ("pipelines", "tests")
        and not any(canonicalize_name(d) in base for d in dists)
    )


SITECUSTOMIZE = '''\
"""Written by tests/base_install.py: this environment as the base install sees it."""
import sys
from importlib.machinery import PathFinder

BLOCKED = frozenset({blocked})


class _BaseInstallFinder(PathFinder):
    """sys.path's finder, blind to the top-level modules outside the base install: to them they are not installed."""

    @classmethod
    def find_spec(cls, name, path=None, target=None):
        if path is None and name in BLOCKED:
            return None
        return super().find_spec(name, path, target)


sys.meta_path[:] = [_BaseInstallFinder if f is PathFinder else f for f in sys.meta_path]
'''


def base_only_env(folder: Path, env: dict[str, str] | None = None) -> dict[str, str]:
    """``env`` (default: this process's) with a ``sitecustomize`` in ``folder`` first on ``PYTHONPATH``."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "sitecustomize.py").write_text(SITECUSTOMIZE.format(blocked=json.dumps(outside_base())),
                                              encoding="utf-8")
    env = dict(os.environ if env is None else env)
    env["PYTHONPATH"] = os.pathsep.join([str(folder), *filter(None, [env.get("PYTHONPATH")])])
    return env
