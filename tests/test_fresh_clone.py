"""The README's first command on a fresh copy of the repository, three times in a row.

Notebooks run two at a time in threads; a process-wide ``os.chdir`` for one
of them made the other's relative paths (``--out reports``) land in
``notebooks/reports/`` about one run in three. Each run here must exit 0,
leave ``git status`` clean (the database's folder ignores itself) and leave
no staging folder behind, and its log must hold no ERROR line.

The first command installs the base only, without JupyterLab, the test tools
or Spark (docs/operations.md, "Installing"): the runs here, and the notebook
kernels they start, cannot import anything the base would not install
(tests/base_install.py).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.base_install import base_only_env

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[1]
RUNS = 3


def git(*args, cwd: Path) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=test", "-c", "user.email=test@example.invalid", *args],
        cwd=cwd, capture_output=True, text=True, check=True,
    )
    return done.stdout


def fresh_copy(target: Path) -> Path:
    """The working tree's tracked files in a new repository (a clone would miss uncommitted work)."""
    for name in git("ls-files", "-z", cwd=REPO).split("\0"):
        src = REPO / name
        if name and src.is_file():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, target / name)
    git("init", "-q", cwd=target)
    git("add", "-A", cwd=target)
    git("commit", "-q", "-m", "fresh clone", cwd=target)
    return target


def test_the_first_command_works_every_time_from_a_fresh_clone(tmp_path):
    clone = fresh_copy(tmp_path / "clone")
    env = base_only_env(tmp_path / "base-install",
                        {k: v for k, v in os.environ.items() if not k.startswith("PRIVACY_REVIEW_")})
    for attempt in range(1, RUNS + 1):
        # `privacy-review run` with its relative defaults; -m imports the copy's own package. --force after the
        # first: an unchanged re-run would stop at once (docs/operations.md), and each run here must render
        force = ["--force"] if attempt > 1 else []
        done = subprocess.run([sys.executable, "-m", "pipelines.cli", "run", *force], cwd=clone, env=env,
                              capture_output=True, text=True, timeout=600, check=False)
        assert done.returncode == 0, f"run {attempt}: {done.stderr[-3000:]}"
        assert Path(done.stdout.strip()) == clone / "reports" / "2026Q2"
        assert git("status", "--porcelain", "--untracked-files=all", cwd=clone) == "", f"run {attempt}"
        staging = [str(p.relative_to(clone)) for p in clone.rglob("*.tmp-*")]
        assert staging == [], f"run {attempt}"
        assert [line for line in done.stderr.splitlines() if "ERROR" in line] == [], f"run {attempt}"
        assert "synthetic sample" in done.stderr
    assert (clone / ".privacy-review" / "privacy-review.duckdb").is_file()
    assert not list((clone / "reports").rglob("*.duckdb*"))
