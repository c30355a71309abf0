"""The commands the report's "For the privacy team" part prints: complete, runnable, and naming no local path.

docs/report.md, "For the privacy team". The run records them in ``evidence.json`` (``run.commands``) from its
options *as given on its command line*: ``privacy-review worklist`` with the same exports, database, policy,
register, mapping, zone and review date, and ``privacy-review verify`` of the published quarter. A published
file never names a path of the machine (docs/operations.md, "Privacy scan"), so a path is printed only as a
relative one, to be run from the folder the run was started in: as given when it was given relative (and does
not climb out with ``..``), made relative when it lies inside that folder; any other is withheld, shown as
``<--data>`` and named in ``withheld`` so the report says to put in the same one.
"""

from __future__ import annotations

import shlex
from datetime import date
from pathlib import Path, PurePath

from pipelines.dates import Quarter

PROGRAM = "privacy-review"
#: what stands for a folder the privacy team chooses
PRIVATE_FOLDER = "<private folder>"
#: what stands for the seal the run logged (docs/operations.md, "Verifying a report")
SEAL = "<seal from the run's log>"


def relative_form(given: Path | str | None, cwd: Path) -> str | None:
    """``given`` as a path relative to ``cwd`` that names nothing of the machine, else None.

    Relative as given (``exports/2026Q2``): itself, unless it climbs out (``../x``) or starts at a home (``~``).
    Absolute and inside ``cwd``: relative to it. Anything else: None (withheld)."""
    if given is None:
        return None
    path = PurePath(given)
    text = str(given)
    if text.startswith("~") or ".." in path.parts:
        return None
    if not path.is_absolute():
        return path.as_posix()
    try:
        inside = Path(path).relative_to(cwd)
    except ValueError:
        return None
    return inside.as_posix() if inside.parts else "."


def _option(words: list[str], withheld: list[str], name: str, given, cwd: Path) -> None:
    if given is None:
        return
    shown = relative_form(given, cwd)
    if shown is None:
        withheld.append(name)
        words += [name, f"<{name}>"]
    else:
        words += [name, shlex.quote(shown)]


def run_commands(*, quarter: Quarter, as_of: date, given: dict[str, Path | str | None], out_dir: Path | None,
                 cwd: Path) -> dict:
    """``{"worklist": [...], "verify": [...], "withheld": [...]}``: each command's words, and the options withheld.

    ``given``: the run's options as typed (``--data``, ``--db``, ``--policy``, ``--exceptions``, ``--mapping``
    as paths, ``--input-zone`` as text; None when not given); ``as_of`` is added when it is not the quarter's last
    day; ``out_dir``: the run's ``--out`` (the published quarter is its ``<quarter>`` folder)."""
    withheld: list[str] = []
    worklist = [PROGRAM, "worklist", "--quarter", str(quarter)]
    if as_of != quarter.end:
        worklist += ["--as-of", as_of.isoformat()]
    for name in ("--data", "--mapping", "--policy", "--exceptions", "--db"):
        _option(worklist, withheld, name, given.get(name), cwd)
    zone = given.get("--input-zone")
    if zone and zone != "UTC":
        worklist += ["--input-zone", shlex.quote(str(zone))]
    worklist += ["--out", PRIVATE_FOLDER]
    verify = [PROGRAM, "verify"]
    report = relative_form(Path(out_dir) / str(quarter), cwd) if out_dir is not None else None
    if report is None:
        withheld.append("REPORT_DIR")
    verify.append(shlex.quote(report) if report is not None else "<REPORT_DIR>")
    for name in ("--data", "--policy", "--db"):
        _option(verify, [] if name in withheld else withheld, name, given.get(name), cwd)
    verify += ["--seal", SEAL]
    return {"worklist": worklist, "verify": verify, "withheld": list(dict.fromkeys(withheld))}
