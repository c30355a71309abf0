"""The exports' fingerprint: what a database was loaded from, so an unchanged export is not loaded again.

A re-run on the same exports reuses the database (docs/operations.md, "Re-using the
database"). The fingerprint names every source file (relative name, size, mtime_ns),
the column-mapping file (its content), the input zone, the controller's zone, the
pseudonym salt given in the environment, and :data:`LOADER_VERSION`.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

from pipelines import inputs
from pipelines.load.sources import Source

#: Bump whenever loading changes what a database holds (types, rules for setting rows aside,
#: flags, metadata tables): a database loaded by another version is then loaded again.
#: 4: a local time in a daylight-saving gap is set aside, one in a fold is its first occurrence.
LOADER_VERSION = "4"

SETTING = "exports_fingerprint"


def fingerprint(
    data_dir: Path, sources: dict[str, Source | None], mapping_file: Path | None, input_zone: str, zone: str,
    salt_env: str | None,
) -> dict:
    """Everything a load depends on, as a JSON-able dict (compared key by key to say what changed)."""
    files = {}
    for source in sources.values():
        if source is None:
            continue
        for path in source.files:
            stat = path.stat()
            files[_relative(path, data_dir)] = [stat.st_size, stat.st_mtime_ns]
    mapping = None
    if mapping_file is not None:  # read through the one gate, as the loader read it
        mapping = hashlib.sha256(inputs.read_bytes(Path(mapping_file), inputs.MAPPING)).hexdigest()
    return {
        "loader_version": LOADER_VERSION,
        "files": files,
        "column_mapping": mapping,
        "input_zone": input_zone,
        "zone": zone,
        # a hash, not the salt: the setting says only whether it changed
        "salt_env": hashlib.sha256(salt_env.encode()).hexdigest() if salt_env else None,
    }


def encode(print_: dict) -> str:
    return json.dumps(print_, sort_keys=True)


def changes(stored: str | None, current: dict) -> list[str]:
    """What differs between a stored fingerprint and the current one, in words (empty: unchanged)."""
    if not stored:
        return ["the database records no fingerprint"]
    try:
        old = json.loads(stored)
    except ValueError:
        return ["the database's fingerprint is unreadable"]
    said = []
    if old.get("loader_version") != current["loader_version"]:
        said.append(f"loader version {old.get('loader_version')} -> {current['loader_version']}")
    old_files, new_files = old.get("files", {}), current["files"]
    for name in sorted(set(old_files) | set(new_files)):
        if name not in old_files:
            said.append(f"{name} added")
        elif name not in new_files:
            said.append(f"{name} removed")
        elif old_files[name] != new_files[name]:
            said.append(f"{name} modified")
    for key, words in (("column_mapping", "column mapping"), ("input_zone", "input zone"), ("zone", "controller zone"),
                       ("salt_env", "pseudonym salt")):
        if old.get(key) != current[key]:
            said.append(f"{words} changed")
    return said


def _relative(path: Path, data_dir: Path) -> str:
    try:
        return os.path.relpath(path, data_dir)
    except ValueError:
        return str(path)
