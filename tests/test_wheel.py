"""The wheel as a user installs it: built, installed in a fresh virtual environment, run where no checkout is.

``python -m build --no-isolation`` builds the sdist from a copy of the
checkout's tracked files, then the wheel from that sdist (so the sdist must
carry everything too). The wheel goes into a new virtual environment with
``pip install --no-deps --no-index``: nothing is downloaded. That environment
gets this one's libraries through a ``.pth`` file naming this environment's
site-packages (a plain path line, so the editable install's own ``.pth`` hook
does not run and ``pipelines`` can only come from the wheel), and a link to
this environment's ``share/jupyter`` (where pip puts nbconvert's base
templates). Every command then runs from a folder outside the checkout, with
the database's home in that folder, and, but for the notebooks' JupyterLab,
with only what the wheel's base requirements install importable (no extra:
docs/operations.md, "Installing"; tests/base_install.py).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import tarfile
import time
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.base_install import base_only_env

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
VERSION = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))["project"]["version"]
#: what a run reads besides Python code: notebooks, the nbconvert template, the policy, SQL, messages
DATA_SUFFIXES = (".ipynb", ".sql", ".toml", ".j2", ".css", ".json")
ACCOUNTS = 400


def tracked_files() -> list[str]:
    """The checkout's files that git tracks, or would (new files not yet added count; ignored ones do not)."""
    done = subprocess.run(["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"], cwd=REPO,
                          capture_output=True, text=True, check=True)
    return [name for name in done.stdout.split("\0") if name and (REPO / name).is_file()]


def copy_checkout(target: Path) -> Path:
    """The working tree's files (uncommitted edits included), without the sample exports."""
    for name in tracked_files():
        if not name.startswith("data_samples/"):
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO / name, target / name)
    return target


def step(timings: dict, name: str, args: list, **kwargs) -> subprocess.CompletedProcess:
    started = time.perf_counter()
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, check=False, **kwargs)
    timings[name] = round(time.perf_counter() - started, 1)
    return done


@pytest.fixture(scope="module")
def built(tmp_path_factory) -> dict:
    """The sdist and the wheel, built offline from a copy of the checkout."""
    root = tmp_path_factory.mktemp("wheel")
    timings: dict = {}
    src = copy_checkout(root / "src")
    done = step(timings, "build", [sys.executable, "-m", "build", "--no-isolation", "--outdir", root / "dist", src],
                timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (sdist,) = (root / "dist").glob("*.tar.gz")
    (wheel,) = (root / "dist").glob("*.whl")
    # `pip install .` builds the wheel from the source tree itself, not from the sdist
    done = step(timings, "build from the tree", [sys.executable, "-m", "build", "--no-isolation", "--wheel",
                                                 "--outdir", root / "direct", src], timeout=600)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    (direct,) = (root / "direct").glob("*.whl")
    return {"root": root, "sdist": sdist, "wheel": wheel, "direct": direct, "timings": timings}


@pytest.fixture(scope="module")
def installed(built) -> dict:
    """A fresh virtual environment holding the wheel, and the folder (no checkout) its commands run in."""
    root, timings = built["root"], built["timings"]
    venv = root / "venv"
    done = step(timings, "venv", [sys.executable, "-m", "venv", "--without-pip", venv])
    assert done.returncode == 0, done.stderr
    python = venv / "bin" / "python"
    done = step(timings, "install", [sys.executable, "-m", "pip", "--python", python, "install", "--no-deps",
                                     "--no-index", "--disable-pip-version-check", built["wheel"]])
    assert done.returncode == 0, done.stdout + done.stderr
    # only after the install: pip must not see (nor touch) this environment's editable privacy-review
    fresh = Path(subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
                                capture_output=True, text=True, check=True).stdout.strip())
    ours = {sysconfig.get_path("purelib"), sysconfig.get_path("platlib")}
    (fresh / "_project_libraries.pth").write_text("".join(f"{p}\n" for p in sorted(ours)), encoding="utf-8")
    (venv / "share").mkdir(exist_ok=True)
    (venv / "share" / "jupyter").symlink_to(Path(sys.prefix) / "share" / "jupyter")
    work = root / "work"
    work.mkdir()
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("PRIVACY_REVIEW_", "PYTHON", "VIRTUAL_ENV", "JUPYTER"))}
    env |= {"PRIVACY_REVIEW_HOME": str(work / "home"), "PATH": f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"}
    return {"python": python, "cli": venv / "bin" / "privacy-review", "site": fresh, "work": work,
            "env": base_only_env(root / "base-install", env), "lab_env": env, "timings": timings}


def test_the_sdist_carries_notebooks_template_policy_and_sql(built):
    with tarfile.open(built["sdist"]) as sdist:
        names = {Path(*Path(n).parts[1:]).as_posix() for n in sdist.getnames()}
    wanted = {n for n in tracked_files() if n.startswith(("notebooks/", "pipelines/")) and n.endswith(DATA_SUFFIXES)}
    wanted |= {n for n in tracked_files() if n.startswith("pipelines/") and n.endswith(".py")}
    assert wanted - names == set()
    assert {"pyproject.toml", "setup.py", "README.md", "docs/design.md", "tests/test_wheel.py"} <= names
    assert not any("__pycache__" in n for n in names)
    assert sum(n.startswith("notebooks/") and n.endswith(".ipynb") for n in names) == 7  # 6 of the report, explore
    assert "pipelines/report/templates/privacy_report/index.html.j2" in names
    assert "pipelines/policies/privacy-policy-2024-06-17.toml" in names


def test_the_wheel_carries_every_file_a_run_reads_and_the_same_notebooks(built):
    with zipfile.ZipFile(built["wheel"]) as wheel:
        names = set(wheel.namelist())
        for notebook in sorted((REPO / "notebooks").glob("*.ipynb")):
            assert wheel.read(f"pipelines/notebooks/{notebook.name}") == notebook.read_bytes()
    wanted = {n for n in tracked_files() if n.startswith("pipelines/") and n.endswith((".py", *DATA_SUFFIXES))}
    assert wanted - names == set()
    assert not any(n.startswith(("notebooks/", "tests/", "data_samples/")) for n in names)
    with zipfile.ZipFile(built["direct"]) as direct:
        assert set(direct.namelist()) == names  # the same whether built from the sdist or the tree
    size = built["wheel"].stat().st_size
    print(f"\nwheel {built['wheel'].name}: {size / 1024:.0f} KiB; sdist {built['sdist'].stat().st_size / 1024:.0f} KiB")
    assert size < 2 * 1024 * 1024


def test_sample_then_run_from_a_folder_without_a_checkout(installed):
    python, cli, work, env, timings = (installed[k] for k in ("python", "cli", "work", "env", "timings"))
    probe = (
        "import pipelines; from pipelines.report.build import default_notebooks_dir as d; "
        "print(pipelines.__file__); print(d()); print(pipelines.__version__)"
    )
    where = subprocess.run([python, "-c", probe], cwd=work, env=env, capture_output=True, text=True, check=True)
    package = installed["site"] / "pipelines"
    assert where.stdout.split() == [str(package / "__init__.py"), str(package / "notebooks"), VERSION]

    done = step(timings, "--version", [cli, "--version"], cwd=work, env=env)
    assert (done.returncode, done.stdout) == (0, f"privacy-review {VERSION}\n")

    done = step(timings, "run without data", [cli, "run"], cwd=work, env=env)
    assert done.returncode == 2
    assert "`privacy-review sample --out demo`, then `privacy-review run --data demo`" in done.stderr

    done = step(timings, "sample", [cli, "sample", "--out", "demo", "--accounts", ACCOUNTS], cwd=work, env=env)
    assert done.returncode == 0, done.stderr
    done = step(timings, "run", [cli, "run", "--data", "demo"], cwd=work, env=env, timeout=900)
    assert done.returncode == 0, done.stderr[-4000:]
    published = Path(done.stdout.strip())
    assert published.parent == work / "reports"
    html = (published / "quarterly-review.html").read_text(encoding="utf-8")
    assert f"Made with privacy-review {VERSION}." in html
    summary = json.loads((published / "summary.json").read_text(encoding="utf-8"))
    assert summary["generator"] == {"name": "privacy-review", "version": VERSION}
    assert len(list((published / "notebooks").glob("*.ipynb"))) == 6
    assert (work / "home" / "privacy-review.duckdb").is_file()

    done = step(timings, "notebooks", [cli, "notebooks", "analysis"], cwd=work, env=env)
    assert done.returncode == 0, done.stderr
    # no JupyterLab in the base: the release's lab extra, into this environment (docs/operations.md, "Installing")
    assert f"install it with {python} -m pip install 'privacy-review[lab]', then open them with: " in done.stderr
    written = sorted((work / "analysis").glob("*.ipynb"))
    assert [p.name for p in written] == sorted(p.name for p in (REPO / "notebooks").glob("*.ipynb"))
    cells = json.loads(written[0].read_text(encoding="utf-8"))["cells"]
    (parameters,) = ["".join(c["source"]) for c in cells if "parameters" in c["metadata"].get("tags", [])]
    assert f'db: str = "{work / "home" / "privacy-review.duckdb"}"' in parameters
    assert f'results_dir: str = "{work / "reports" / "latest"}"' in parameters

    # with JupyterLab importable (this environment's, through the .pth line): the command that opens them
    done = step(timings, "notebooks with lab", [cli, "notebooks", "analysis", "--force"], cwd=work,
                env=installed["lab_env"])
    assert done.returncode == 0, done.stderr
    assert done.stderr.strip().splitlines()[-1].endswith(f"open them with: {python} -m jupyterlab {work / 'analysis'}")
    print(f"\nwheel test timings (s): {timings}")
