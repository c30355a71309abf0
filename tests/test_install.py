"""What each install brings: the base runs the report without JupyterLab, the ``lab`` extra adds it, ``test`` has both.

A scheduled ``privacy-review run`` never starts JupyterLab, which was most of
the install's size (issue 32; docs/benchmarks.md, "Install size"), so it is
the ``lab`` extra. These tests read ``pyproject.toml``, the code's own
imports and this environment's installed metadata; nothing is downloaded.
The whole run with only the base importable is tests/test_fresh_clone.py's.
"""

from __future__ import annotations

import ast
import json
import os
import shlex
import subprocess
import sys
import sysconfig
from importlib import metadata
from pathlib import Path

import pytest
from packaging.utils import canonicalize_name

from pipelines import cli
from pipelines.report import workspace
from tests.base_install import (
    PROJECT,
    REPO,
    base_distributions,
    base_only_env,
    outside_base,
    requirements,
)

#: JupyterLab and the server it runs on: none may be a base requirement
LAB_ONLY = {"jupyterlab", "jupyter-server", "jupyterlab-server", "notebook", "jupyter-lsp", "notebook-shim"}


def names(reqs) -> set[str]:
    return {canonicalize_name(r.name) for r in reqs}


def test_jupyterlab_is_the_lab_extra_and_never_in_the_base():
    assert names(requirements()) & LAB_ONLY == set()
    assert LAB_ONLY & base_distributions() == set()  # nor brought in by a base requirement
    assert names(requirements("lab")) == {"jupyterlab"}


def test_the_base_runs_the_report_itself():
    """papermill, nbconvert and ipykernel render the report; DuckDB, Polars and Altair compute and draw it."""
    assert {"duckdb", "polars", "altair", "vl-convert-python", "papermill", "nbconvert", "nbformat",
            "ipykernel"} <= names(requirements())


def test_the_test_extra_brings_jupyterlab_spark_and_build():
    """.ci/run installs `.[test]` only: the JupyterLab test, the Spark tests and the wheel test need these."""
    test = requirements("test")
    extras = {e for r in test if canonicalize_name(r.name) == canonicalize_name(PROJECT["name"]) for e in r.extras}
    assert {"lab", "spark"} <= extras
    assert {"pytest", "build", "setuptools", "wheel"} <= names(test)


def imported_modules(source: str) -> set[str]:
    """The top-level modules ``source`` imports, anywhere (functions' deferred imports too), relative ones left out."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name.partition(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.partition(".")[0])
    return found


def notebook_code(path: Path) -> str:
    cells = json.loads(path.read_text(encoding="utf-8"))["cells"]
    return "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "code")


def third_party(modules: set[str]) -> set[str]:
    return {m for m in modules if m not in sys.stdlib_module_names and m != "pipelines"}


def test_every_library_the_code_and_notebooks_import_is_a_requirement_of_the_base():
    """Named directly, not only through another package's requirements; the Spark engine's own from the spark extra."""
    owners = metadata.packages_distributions()
    base, spark = names(requirements()), names(requirements("spark"))
    missing = []
    sources = [(p, p.read_text(encoding="utf-8")) for p in sorted((REPO / "pipelines").rglob("*.py"))]
    sources += [(p, notebook_code(p)) for p in sorted((REPO / "notebooks").glob("*.ipynb"))]
    for path, source in sources:
        allowed = base | spark if "spark" in path.relative_to(REPO).parts[:2] else base
        for module in sorted(third_party(imported_modules(source))):
            dists = {canonicalize_name(d) for d in owners.get(module, [])}
            if not dists & allowed:
                missing.append(f"{path.relative_to(REPO)}: {module} ({', '.join(sorted(dists)) or 'not installed'})")
    assert missing == []


def test_every_module_imports_with_only_the_base_installed(tmp_path):
    """The run's modules, the report's and the CLI's, in a process where JupyterLab, the test tools and Spark
    cannot be imported (tests/base_install.py)."""
    assert {"jupyterlab", "jupyter_server", "pytest", "pyspark"} <= set(outside_base())
    probe = (
        "import importlib, pkgutil, pipelines\n"
        "for m in pkgutil.walk_packages(pipelines.__path__, 'pipelines.'):\n"
        "    if not m.name.startswith(('pipelines.spark.', 'pipelines.notebooks')):\n"
        "        importlib.import_module(m.name)\n"
        "import pipelines.cli, pipelines.run, pipelines.report.build, pipelines.report.execute\n"
        "try:\n"
        "    import jupyterlab\n"
        "except ModuleNotFoundError:\n"
        "    print('no jupyterlab')\n"
    )
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=base_only_env(tmp_path / "site"),
                          capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout == "no jupyterlab\n"


def test_the_policys_zone_is_known_without_the_systems_zone_files(tmp_path):
    """A slim container has no /usr/share/zoneinfo: the base's tzdata still gives zoneinfo Europe/Brussels (an
    unknown zone is exit 2). JupyterLab brought tzdata in before; the base names it now."""
    probe = "from pipelines.dates import known_zone; print(known_zone('Europe/Brussels'))"
    env = base_only_env(tmp_path / "site") | {"PYTHONTZPATH": ""}  # zoneinfo then reads the tzdata package only
    done = subprocess.run([sys.executable, "-c", probe], cwd=REPO, env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert (done.returncode, done.stdout) == (0, "True\n"), done.stderr[-3000:]


# --- privacy-review notebooks: how to open them, or how to get JupyterLab ----------------------------------------


def clean_env() -> dict[str, str]:
    """This environment's variables with the virtual environment off PATH (as in a crontab or a new shell)."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PRIVACY_REVIEW_", "VIRTUAL_ENV", "JUPYTER"))}
    return env | {"PATH": "/usr/bin:/bin"}


def notebooks_log(tmp_path: Path, env: dict[str, str]) -> str:
    """``privacy-review notebooks DIR`` run as a command from a folder outside the checkout: its last log line."""
    env = env | {"PYTHONPATH": os.pathsep.join(filter(None, [env.get("PYTHONPATH"), str(REPO)]))}
    done = subprocess.run([sys.executable, "-m", "pipelines.cli", "notebooks", str(tmp_path / "my notebooks")],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=300, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stderr.strip().splitlines()[-1]


def test_with_jupyterlab_the_hint_is_this_environments_jupyter_and_it_works_off_path(tmp_path):
    pytest.importorskip("jupyterlab", reason="the test extra brings it (pip install -e '.[test]')")
    jupyter = Path(sysconfig.get_path("scripts")) / "jupyter"
    hint = f"open them with: {shlex.join([str(jupyter), 'lab', str(tmp_path / 'my notebooks')])}"
    assert workspace.open_hint(tmp_path / "my notebooks") == hint
    assert notebooks_log(tmp_path, clean_env()).endswith(hint)
    # the venv's bin is not on PATH (issue 32): its own jupyter still finds the lab subcommand beside it
    done = subprocess.run([str(jupyter), "lab", "--version"], env=clean_env(),
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0 and done.stdout.strip()[:1] == "4", done.stderr[-2000:]


def test_without_jupyterlab_the_hint_says_how_to_install_the_lab_extra(tmp_path):
    line = notebooks_log(tmp_path, base_only_env(tmp_path / "site", clean_env()))
    install = shlex.join([sys.executable, "-m", "pip", "install", "-e", f"{REPO}[lab]"])  # the checkout's own
    jupyter = Path(sysconfig.get_path("scripts")) / "jupyter"
    then = shlex.join([str(jupyter), "lab", str(tmp_path / "my notebooks")])
    assert line.endswith(f"JupyterLab is not installed in this environment (it is the 'lab' extra): install it with "
                         f"{install}, then open them with: {then}")
    assert "open them with: jupyter lab" not in line


def test_an_installed_release_is_told_to_install_its_lab_extra(monkeypatch):
    """A wheel has no checkout to install from: the hint names the distribution's extra."""
    monkeypatch.setattr(workspace, "lab_installed", lambda: False)
    monkeypatch.setattr(workspace, "checkout_root", lambda: None)
    assert f"{shlex.quote(sys.executable)} -m pip install 'privacy-review[lab]'," in workspace.open_hint(Path("/x"))
    monkeypatch.setattr(workspace, "checkout_root", lambda: REPO)
    assert f"pip install -e {shlex.quote(f'{REPO}[lab]')}," in workspace.open_hint(Path("/x"))


def test_the_notebooks_help_no_longer_promises_a_jupyter_on_path(capsys):
    with pytest.raises(SystemExit):
        cli.main(["notebooks", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "jupyter lab DIR" not in help_text and "the `lab` extra" in help_text
