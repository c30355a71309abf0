"""Every input file by one gate (pipelines/inputs.py; docs/operations.md, "Safe by construction").

For every file the tool reads (an export, the register of exceptions given or named by the policy file, the
column mapping given or found beside the exports, the policy file and the policy text it quotes, the history of
remediation's secret and an earlier quarter) a FIFO, a link to a FIFO, a device, a folder, a socket, bytes that
are not UTF-8 and a file over its bound are refused: exit 2, at once, one line on stderr naming the file, no
traceback. The FIFOs and ``/dev/zero`` are given to a real process with a timeout and a memory cap, so that a
regression fails instead of hanging the suite or filling the memory (the other devices are ``/dev/null``).
"""

from __future__ import annotations

import json
import os
import re
import resource
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest

from pipelines import cli as climod
from pipelines import inputs
from pipelines.errors import BadInput
from tests.load.helpers import bind_socket, write_exports
from tests.policy.helpers import TEXT, replaced, write_policy

REPO = Path(__file__).resolve().parents[1]
QUARTER = "2024Q1"
#: what a refused input may take, start to exit, in a process of its own (a run that reaches the history loads
#: and computes first); a FIFO opened for reading would wait for ever
BOUND_SECONDS = 60
#: the address space a refused run is given: a run reading /dev/zero stops at it instead of taking the machine
MEMORY_CAP = 2 << 30


@pytest.fixture(autouse=True)
def home(tmp_path, monkeypatch):
    monkeypatch.setenv("PRIVACY_REVIEW_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("PRIVACY_REVIEW_LOCK_TIMEOUT", raising=False)
    return tmp_path / "home"


def run_args(tmp: Path, *more) -> list[str]:
    return [str(a) for a in ("run", "--data", tmp / "exports", "--out", tmp / "out", "--quarter", QUARTER,
                             "--no-report", *more)]


def policy_naming(tmp: Path, *, register: Path | None = None, document: Path | None = None) -> Path:
    """The shipped policy, beside its texts, naming ``register`` as its default register or ``document`` as its
    English text."""
    text = TEXT
    if register is not None:
        text = replaced("[inactivity]", f"[exceptions]\nregister = {json.dumps(str(register))}\n\n[inactivity]", text)
    if document is not None:
        text = replaced('en = "privacy-policy-2024-06-17.en.txt"', f"en = {json.dumps(str(document))}", text)
    return write_policy(tmp / "policy", text)


#: every input file: (where it lies, the command that reads it, whether it is text, its bound)
SLOTS = {
    "--exceptions": (lambda t: t / "in" / "register.csv", lambda t, p: run_args(t, "--exceptions", p),
                     True, inputs.REGISTER.limit),
    "[exceptions] register": (lambda t: t / "in" / "register.csv",
                              lambda t, p: run_args(t, "--policy", policy_naming(t, register=p)),
                              True, inputs.REGISTER.limit),
    "--mapping": (lambda t: t / "in" / "mapping.toml", lambda t, p: run_args(t, "--mapping", p),
                  True, inputs.MAPPING.limit),
    "column-mapping.toml": (lambda t: t / "exports" / "column-mapping.toml", lambda t, p: run_args(t),
                            True, inputs.MAPPING.limit),
    "--policy": (lambda t: t / "in" / "policy.toml", lambda t, p: run_args(t, "--policy", p),
                 True, inputs.POLICY.limit),
    "[policy.documents]": (lambda t: t / "in" / "policy.en.txt",
                           lambda t, p: run_args(t, "--policy", policy_naming(t, document=p)),
                           True, inputs.POLICY_TEXT.limit),
    "history.key": (lambda t: t / "home" / "history.key", lambda t, p: run_args(t), False, inputs.HISTORY_KEY.limit),
    "history quarter": (lambda t: t / "home" / "history" / "2023Q4.parquet", lambda t, p: run_args(t), False, None),
    "export": (lambda t: t / "exports" / "payments.csv", lambda t, p: run_args(t), True, None),
}

#: what the one line says of each kind of hostile file
SAID = {
    "fifo": "not a regular file (a FIFO (named pipe)): only regular files are read",
    "link to a fifo": "not a regular file (a FIFO (named pipe)): only regular files are read",
    "device": "not a regular file (a character device): only regular files are read",
    "folder": "cannot read the file: Is a directory",
    "socket": "not a regular file (a socket): only regular files are read",
    "not utf-8": "line 1, column 3: not UTF-8 text",
    "oversized": "too large for a",
}
#: given to a process of its own: a regression would wait for ever (``/dev/zero``, which a regression would read
#: without end, is given to one too: :func:`test_dev_zero_itself_is_refused_before_a_byte_is_read`)
IN_A_PROCESS = ("fifo", "link to a fifo")


def make(kind: str, path: Path, bound: int | None) -> None:
    """A hostile ``kind`` of file at ``path``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "link to a fifo":
        os.mkfifo(path.with_name(path.name + ".fifo"))
        path.symlink_to(path.with_name(path.name + ".fifo"))
    elif kind == "device":  # a link to /dev/null: were it read, it would be an empty file, never an endless one
        path.symlink_to("/dev/null")
    elif kind == "folder":
        path.mkdir()
    elif kind == "socket":
        bind_socket(path)
    elif kind == "not utf-8":
        path.write_bytes(b"Zo\xeb\n")  # Latin-1: the third character of the first line
    elif kind == "oversized":
        with open(path, "wb") as handle:  # sparse: no disk used
            handle.truncate(bound + 1)
    else:
        raise ValueError(kind)


def the_one_line(stderr: str) -> str:
    """The one line that is not a log line: it says what was refused; no traceback."""
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines()
             if not re.match(r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d+ (INFO|WARNING) ", line)]
    assert len(lines) == 1 and lines[0].startswith("privacy-review: error: "), stderr
    return lines[0]


def cap_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CAP, MEMORY_CAP))


def in_a_process(args: list[str], home: Path) -> tuple[int, str, float]:
    """(exit code, stderr, seconds) of the command run in a process of its own, bounded in time and memory."""
    env = {**os.environ, "PRIVACY_REVIEW_HOME": str(home), "PYTHONPATH": str(REPO)}
    started = time.monotonic()
    done = subprocess.run([sys.executable, "-m", "pipelines.cli", *args], cwd=REPO, env=env, capture_output=True,
                          text=True, timeout=BOUND_SECONDS, preexec_fn=cap_memory)
    return done.returncode, done.stderr, time.monotonic() - started


CASES = [(slot, kind) for slot, (_, _, text, bound) in SLOTS.items() for kind in SAID
         if (kind != "not utf-8" or text) and (kind != "oversized" or bound is not None)]


@pytest.mark.parametrize("slot, kind", CASES)
def test_every_input_file_that_is_not_a_regular_file_of_its_kind_is_refused_at_once(tmp_path, home, capsys, slot,
                                                                                     kind):
    where, args, _, bound = SLOTS[slot]
    write_exports(tmp_path / "exports")
    target = where(tmp_path)
    make(kind, target, bound)
    command = args(tmp_path, target)
    if kind in IN_A_PROCESS:
        code, err, seconds = in_a_process(command, home)
        assert seconds < BOUND_SECONDS
    else:
        code, err = climod.main(command), capsys.readouterr().err
    line = the_one_line(err)
    assert code == 2, err
    # the file named: as given, or where its link leads when the tool resolves the path (docs/operations.md, "Paths")
    named = (f"error: {name}{after}" for name in (target, os.path.realpath(target)) for after in (":", ","))
    assert SAID[kind] in line and any(n in line for n in named), line
    assert not (home / "history" / f"{QUARTER}.parquet").exists()  # nothing recorded


@pytest.mark.parametrize("option", ["--exceptions", "--policy", "--mapping"])
def test_dev_zero_itself_is_refused_before_a_byte_is_read(tmp_path, home, option):
    """The reported case: ``--exceptions /dev/zero`` read 1.6 GB in 3 s."""
    write_exports(tmp_path / "exports")
    code, err, seconds = in_a_process(run_args(tmp_path, option, "/dev/zero"), home)
    line = the_one_line(err)
    assert code == 2 and line.startswith("privacy-review: error: /dev/zero: not a regular file (a character device)")
    assert seconds < BOUND_SECONDS
    assert not (tmp_path / "out").exists()  # refused before anything was written


# --- never inside the folder the command writes ----------------------------------------------------------------

REGISTER_TEXT = "category,id,reason,approved_by,approved_on,expires_on\n"


def inside_out(slot: str, tmp: Path) -> tuple[Path, list[str]]:
    """A valid input file of ``slot`` inside ``--out``, and the run that reads it."""
    out = tmp / "out"
    out.mkdir(parents=True, exist_ok=True)
    if slot == "--exceptions":
        (out / "register.csv").write_text(REGISTER_TEXT, encoding="utf-8")
        return out / "register.csv", run_args(tmp, "--exceptions", out / "register.csv")
    if slot == "[exceptions] register":
        (out / "register.csv").write_text(REGISTER_TEXT, encoding="utf-8")
        return out / "register.csv", run_args(tmp, "--policy", policy_naming(tmp, register=out / "register.csv"))
    if slot == "--mapping":
        (out / "mapping.toml").write_text('[accounts]\nplan = "plan"\n', encoding="utf-8")
        return out / "mapping.toml", run_args(tmp, "--mapping", out / "mapping.toml")
    if slot == "--policy":
        policy = write_policy(out / "p")
        return policy, run_args(tmp, "--policy", policy)
    if slot == "[policy.documents]":
        document = out / "policy.en.txt"
        document.write_bytes((Path(inputs.__file__).parent / "policies" / "privacy-policy-2024-06-17.en.txt")
                             .read_bytes())
        return document, run_args(tmp, "--policy", policy_naming(tmp, document=document))
    if slot == "hard link":
        (tmp / "register.csv").write_text(REGISTER_TEXT, encoding="utf-8")
        os.link(tmp / "register.csv", out / "copy.csv")  # the same file, by another name inside --out
        return tmp / "register.csv", run_args(tmp, "--exceptions", tmp / "register.csv")
    raise ValueError(slot)


@pytest.mark.parametrize("slot", ["--exceptions", "[exceptions] register", "--mapping", "--policy",
                                  "[policy.documents]", "hard link"])
def test_an_input_file_inside_out_is_refused_before_anything_is_written(tmp_path, home, capsys, slot):
    write_exports(tmp_path / "exports")
    path, args = inside_out(slot, tmp_path)
    before = sorted(p.name for p in (tmp_path / "out").iterdir())
    code = climod.main(args)
    line = the_one_line(capsys.readouterr().err)
    assert code == 2
    assert f"{path} lies inside --out {tmp_path / 'out'}" in line and "move it out of --out" in line
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == before  # no marker, no lock, no quarter
    assert not home.exists()


def test_a_worklists_register_inside_its_out_is_refused(tmp_path, capsys):
    write_exports(tmp_path / "exports")
    (tmp_path / "w").mkdir()
    (tmp_path / "w" / "register.csv").write_text(REGISTER_TEXT, encoding="utf-8")
    code = climod.main(["worklist", "--data", str(tmp_path / "exports"), "--out", str(tmp_path / "w"), "--quarter",
                        QUARTER, "--exceptions", str(tmp_path / "w" / "register.csv")])
    assert code == 2 and "lies inside --out" in the_one_line(capsys.readouterr().err)


# --- the gate itself ---------------------------------------------------------------------------------------------


def test_a_fifo_put_in_place_after_the_check_is_neither_waited_on_nor_read(tmp_path, monkeypatch):
    """The file opened is the file checked: the gate opens with O_NONBLOCK and checks the open descriptor again."""
    path = tmp_path / "register.csv"
    path.write_text(REGISTER_TEXT, encoding="utf-8")
    checked = inputs.check

    def swapped_after_the_check(p, kind, **kwargs):
        found = checked(p, kind, **kwargs)
        Path(p).unlink()
        os.mkfifo(p)
        return found

    monkeypatch.setattr(inputs, "check", swapped_after_the_check)
    started = time.monotonic()
    with pytest.raises(BadInput, match=r"register\.csv: not a regular file \(a FIFO \(named pipe\)\)"):
        inputs.read_bytes(path, inputs.REGISTER)
    assert time.monotonic() - started < 5


def test_a_file_that_grew_past_its_bound_after_the_check_is_refused(tmp_path, monkeypatch):
    path = tmp_path / "mapping.toml"
    path.write_text("[accounts]\n", encoding="utf-8")
    checked = inputs.check

    def grown_after_the_check(p, kind, **kwargs):
        found = checked(p, kind, **kwargs)
        with open(p, "ab") as handle:
            handle.write(b"#" * (kind.limit + 1))
        return found

    monkeypatch.setattr(inputs, "check", grown_after_the_check)
    with pytest.raises(BadInput, match=r"mapping\.toml: too large for a column mapping file .*at most 1 MiB"):
        inputs.read_text(path, inputs.MAPPING)


@pytest.mark.parametrize("data, line, column", [
    (b"\xff", 1, 1),
    (b"ab\ncd\nZo\xeb", 3, 3),
    (b"\xef\xbb\xbfZo\xeb", 1, 3),                 # a BOM does not count
    ("caf\u00e9 \u20ac\n\u00e9\u00e9".encode() + b"\xeb", 2, 3),  # the column counts characters, not bytes
    (b"a\r\nb\xc3", 2, 2),                         # a character cut short at the end
])
def test_a_byte_that_is_not_utf8_is_named_by_line_and_column(tmp_path, data, line, column):
    path = tmp_path / "policy.toml"
    path.write_bytes(data)
    with pytest.raises(BadInput) as refused:
        inputs.read_text(path, inputs.POLICY)
    assert str(refused.value) == f"{path}, line {line}, column {column}: not UTF-8 text: save the policy file as UTF-8"


def test_text_with_a_bom_is_read_without_it_and_a_regular_file_through_a_link_is_read(tmp_path):
    (tmp_path / "real.toml").write_bytes(b"\xef\xbb\xbf[accounts]\n")
    (tmp_path / "link.toml").symlink_to(tmp_path / "real.toml")
    assert inputs.read_text(tmp_path / "link.toml", inputs.MAPPING) == "[accounts]\n"
    assert inputs.read_toml(tmp_path / "link.toml", inputs.MAPPING)[0] == {"accounts": {}}


def test_a_missing_file_and_a_broken_link_are_told_apart(tmp_path):
    with pytest.raises(BadInput, match=r"nope\.csv: register of exceptions not found$"):
        inputs.read_bytes(tmp_path / "nope.csv", inputs.REGISTER)
    (tmp_path / "broken.csv").symlink_to(tmp_path / "gone.csv")
    with pytest.raises(BadInput, match=r"broken\.csv: cannot read the file: a link to a file that does not exist$"):
        inputs.read_bytes(tmp_path / "broken.csv", inputs.REGISTER)


def test_a_file_at_its_bound_is_read_and_one_byte_more_is_not(tmp_path):
    path = tmp_path / "history.key"
    path.write_bytes(b"k" * inputs.HISTORY_KEY.limit)
    assert len(inputs.read_bytes(path, inputs.HISTORY_KEY)) == inputs.HISTORY_KEY.limit
    path.write_bytes(b"k" * (inputs.HISTORY_KEY.limit + 1))
    with pytest.raises(BadInput, match="too large for a history's secret"):
        inputs.read_bytes(path, inputs.HISTORY_KEY)


def test_the_gate_never_opens_what_it_refuses(tmp_path, monkeypatch):
    """A refused file is never opened: stat-ed only (opening a FIFO waits; opening a device may act)."""
    os.mkfifo(tmp_path / "fifo")
    opened = []
    real_open = os.open
    monkeypatch.setattr(os, "open", lambda p, *a, **k: opened.append(p) or real_open(p, *a, **k))
    for kind in (inputs.REGISTER, inputs.POLICY, inputs.EXPORT, inputs.HISTORY):
        with pytest.raises(BadInput, match="a FIFO"):
            inputs.read_bytes(tmp_path / "fifo", kind)
        with pytest.raises(BadInput, match="a character device"):
            inputs.open_binary(Path("/dev/zero"), kind)
    assert opened == []


def test_every_reader_of_an_input_file_goes_through_the_gate():
    """No module but the gate opens a user's input file: the readers of docs/operations.md's list call it."""
    package = REPO / "pipelines"
    readers = {
        "exceptions.py": "inputs.read_bytes", "load/mapping.py": "inputs.read_toml", "policy/parse.py": "inputs.read_toml",
        "policy/documents.py": "inputs.read_", "load/csv_reader.py": "inputs.open_binary",
        "load/sources.py": "inputs.check", "remediation.py": "inputs.open_binary", "evidence.py": "inputs.open_binary",
        "load/fingerprint.py": "inputs.read_bytes", "rerun.py": "inputs.read_bytes", "report/build.py": "inputs.read_bytes",
    }
    for name, call in readers.items():
        assert call in (package / name).read_text(encoding="utf-8"), f"{name} does not read through {call}"


def test_the_shipped_inputs_are_well_within_their_bounds():
    shipped = Path(inputs.__file__).parent / "policies"
    assert (shipped / "privacy-policy-2024-06-17.toml").stat().st_size * 20 < inputs.POLICY.limit
    for text in shipped.glob("*.txt"):
        assert text.stat().st_size * 20 < inputs.POLICY_TEXT.limit
    assert stat.S_ISREG(os.stat(shipped / "privacy-policy-2024-06-17.toml").st_mode)
