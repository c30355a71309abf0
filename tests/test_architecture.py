"""The rooms of docs/design.md and what each may import, checked on the source."""

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "pipelines"

#: room -> project modules it must never import (prefix match)
FORBIDDEN = {
    "pipelines/dates.py": ("pipelines",),
    "pipelines/contract.py": ("pipelines",),
    "pipelines/load": ("pipelines.metrics", "pipelines.report", "pipelines.results", "pipelines.cli", "pipelines.run"),
    "pipelines/metrics": ("pipelines.report", "pipelines.cli", "pipelines.run", "pipelines.load", "pipelines.results"),
    "pipelines/sample": ("pipelines.metrics", "pipelines.report", "pipelines.load", "pipelines.cli", "pipelines.run"),
    "pipelines/report": ("pipelines.cli", "pipelines.run"),
}


def imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def files(room: str) -> list[Path]:
    path = PACKAGE.parent / room
    return [path] if path.is_file() else sorted(path.rglob("*.py"))


@pytest.mark.parametrize("room", sorted(FORBIDDEN))
def test_room_imports_only_what_it_may(room):
    assert files(room)
    for path in files(room):
        bad = {n for n in imports(path) for f in FORBIDDEN[room] if n == f or n.startswith(f + ".")}
        assert not bad, f"{path.relative_to(PACKAGE.parent)} imports {sorted(bad)}"


def test_nothing_imports_the_cli():
    for path in PACKAGE.rglob("*.py"):
        if path.name != "cli.py":
            assert "pipelines.cli" not in imports(path), path
