"""What holds personal data is private whatever the umask (pipelines/private.py; docs/operations.md, "Safe by
construction").

Under ``umask 000`` a run, a worklist and a reload leave every file of the database's home and of the worklist
folder 0600 and every folder 0700, DuckDB's own files included (watched while the database is built); the
published report stays readable by everyone, 0644 and 0755 under the usual umask, as before.
"""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from pipelines import cli as climod
from pipelines import private
from pipelines.load import build
from tests.load.helpers import write_exports

QUARTER = "2024Q1"


@pytest.fixture
def umask():
    """Run the test under the umask it is given (``umask(0o000)``), the process's own restored after."""
    before = os.umask(0o022)
    os.umask(before)
    yield lambda value: os.umask(value)
    os.umask(before)


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("PRIVACY_REVIEW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PRIVACY_REVIEW_LOCK_TIMEOUT", raising=False)
    return tmp_path / "home"


def modes(folder: Path) -> dict[str, int]:
    """Every entry under ``folder`` (itself included, as ``.``) and its permission bits."""
    found = {".": stat.S_IMODE(folder.stat().st_mode)}
    for path in folder.rglob("*"):
        found[path.relative_to(folder).as_posix()] = stat.S_IMODE(path.lstat().st_mode)
    return found


def private_modes(folder: Path) -> dict[str, int]:
    """The entries of ``folder`` that are not 0600 files or 0700 folders (empty: all private)."""
    return {name: mode for name, mode in modes(folder).items()
            if mode != (private.FOLDER_MODE if (folder / name).is_dir() else private.FILE_MODE)}


def run(tmp_path: Path, *more: str) -> None:
    code = climod.main(["run", "--data", str(tmp_path / "exports"), "--out", str(tmp_path / "out"), "--quarter",
                        QUARTER, "--no-report", *more])
    assert code == 0


def test_under_umask_000_the_database_its_files_the_history_and_the_worklist_are_private(tmp_path, home, umask,
                                                                                          monkeypatch):
    write_exports(tmp_path / "exports")
    seen: dict[str, int] = {}
    read_csv = build.read_csv

    def watched(*args, **kwargs):  # while DuckDB builds the database: its file, its .wal, its spill folder
        for path in home.iterdir():
            seen[path.name] = stat.S_IMODE(path.lstat().st_mode)
        return read_csv(*args, **kwargs)

    monkeypatch.setattr(build, "read_csv", watched)
    umask(0o000)
    run(tmp_path)
    code = climod.main(["worklist", "--data", str(tmp_path / "exports"), "--out", str(tmp_path / "lists" / "q1"),
                        "--quarter", QUARTER])
    assert code == 0
    assert any(name.endswith(".tmp") and name.startswith(".privacy-review.duckdb.") for name in seen)  # it was seen
    assert {name: mode for name, mode in seen.items()
            if mode != (private.FOLDER_MODE if (home / name).is_dir() else private.FILE_MODE)} == {}
    assert private_modes(home) == {}, modes(home)
    names = set(modes(home))
    assert {"privacy-review.duckdb", "history.key", f"history/{QUARTER}.parquet", "privacy-review.duckdb.tmp",
            ".gitignore", "history.lock", "privacy-review.duckdb.lock"} <= names
    assert private_modes(tmp_path / "lists") == {}, modes(tmp_path / "lists")
    assert {f.name for f in (tmp_path / "lists" / "q1").iterdir() if f.suffix == ".csv"}  # worklists were written
    # the published report stays readable by others, as it always was
    published = modes(tmp_path / "out" / QUARTER)
    assert published and all(mode & 0o004 for mode in published.values())


def test_a_database_elsewhere_is_private_though_its_folder_is_the_users(tmp_path, umask):
    write_exports(tmp_path / "exports")
    shared = tmp_path / "shared"
    shared.mkdir(mode=0o755)
    umask(0o000)
    run(tmp_path, "--db", str(shared / "review.duckdb"))
    assert stat.S_IMODE(shared.stat().st_mode) == 0o755  # the user's folder: left as it was
    assert stat.S_IMODE((shared / "review.duckdb").stat().st_mode) == private.FILE_MODE
    assert stat.S_IMODE((shared / "review.duckdb.tmp").stat().st_mode) == private.FOLDER_MODE  # DuckDB's spill folder
    assert private_modes(shared / "history") == {}


def test_a_database_left_readable_by_an_older_version_is_made_private_when_reused(tmp_path, home, capsys):
    write_exports(tmp_path / "exports")
    run(tmp_path)
    database = home / "privacy-review.duckdb"
    database.chmod(0o644)
    capsys.readouterr()
    run(tmp_path, "--force")
    assert stat.S_IMODE(database.stat().st_mode) == private.FILE_MODE
    err = capsys.readouterr().err
    assert "reusing the database" in err and f"made {database} private (mode 0600)" in err


def test_the_published_report_keeps_its_modes_under_the_usual_umask(tmp_path, umask):
    write_exports(tmp_path / "exports")
    umask(0o022)
    run(tmp_path)
    published = modes(tmp_path / "out" / QUARTER)
    assert {mode for name, mode in published.items() if (tmp_path / "out" / QUARTER / name).is_dir()} == {0o755}
    assert {mode for name, mode in published.items() if not (tmp_path / "out" / QUARTER / name).is_dir()} == {0o644}
    assert stat.S_IMODE((tmp_path / "out").stat().st_mode) == 0o755


def test_the_umask_is_held_only_while_duckdb_builds_and_restored_after_a_failure(umask):
    umask(0o002)
    with pytest.raises(RuntimeError):
        with private.private_umask():
            assert os.umask(0o077) == 0o077  # the current one's bits kept, none for others
            raise RuntimeError
    assert os.umask(0o002) == 0o002


def test_a_private_folder_is_0700_under_any_umask_and_an_existing_one_is_left_alone(tmp_path, umask):
    umask(0o000)
    made = private.private_folder(tmp_path / "a" / "b" / "c")
    assert [stat.S_IMODE(p.stat().st_mode) for p in (made, made.parent, made.parent.parent)] == [0o700] * 3
    (tmp_path / "mine").mkdir()
    os.chmod(tmp_path / "mine", 0o755)
    private.private_folder(tmp_path / "mine")
    assert stat.S_IMODE((tmp_path / "mine").stat().st_mode) == 0o755


def test_a_private_file_is_created_0600_under_umask_000_and_a_full_disk_names_it(tmp_path, umask):
    umask(0o000)
    private.write_private(tmp_path / "list.csv", lambda handle: handle.write(b"id\n"))
    assert stat.S_IMODE((tmp_path / "list.csv").stat().st_mode) == 0o600

    def full(handle):
        raise OSError(errno.ENOSPC, "No space left on device")

    with pytest.raises(OSError) as failed:
        private.write_private(tmp_path / "other.csv", full)
    assert (failed.value.errno, failed.value.filename) == (errno.ENOSPC, str(tmp_path / "other.csv"))
    assert sorted(p.name for p in tmp_path.iterdir()) == ["list.csv"]  # no temporary file left
